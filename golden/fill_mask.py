#!/usr/bin/env python3
"""Fill-mask with a `<mask>` token (docs/GOLDEN.md "Fill-mask with the tokenizer's mask token").

families.py's roberta-mlm has a 32-token vocabulary, which no trained tokenizer matches, so this writes a seeded
tiny RobertaForMaskedLM sized to the RoBERTa BPE tokenizer trained in golden/tokenizer/roberta (1000 tokens, mask
token `<mask>`), safetensors only, with that tokenizer's files, and what `transformers.pipeline("fill-mask")`
answers for it in pipeline.json (heads.py's format), and a golden.safetensors (hidden states, logits) of the
pipeline's texts, as families.py makes its goldens. Writes only models/roberta-fill-mask/ and its manifest keys.

Run standalone (`python golden/fill_mask.py`, in the venv of generate.sh) or from generate.py's main().
"""

from __future__ import annotations

import json
import shutil
import sys
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate as g  # noqa: E402
import families as F  # noqa: E402
import heads as H  # noqa: E402

import torch  # noqa: E402
import transformers  # noqa: E402

NAME = "roberta-fill-mask"
SEED = 5601
TOKENIZER = g.ROOT / "tokenizer" / "roberta"
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]
CASES = [
    {"task": "fill-mask", "text": "The capital of France is <mask>."},
    {"task": "fill-mask", "text": "<mask> quick dog jumped over the <mask> cats!"},
]


def build() -> transformers.RobertaForMaskedLM:
    vocab = len(json.loads((TOKENIZER / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"])
    config = F.roberta_config()
    config.vocab_size = vocab
    config.max_position_embeddings = 32 + 2  # 32 tokens: the BPE of 1000 tokens splits the texts finely
    config.architectures = ["RobertaForMaskedLM"]
    torch.manual_seed(SEED)
    model = transformers.RobertaForMaskedLM(config)
    gen = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():  # the tied decoder is listed once
            scale = 0.1 if "LayerNorm" in name or "layer_norm" in name else 0.05 if name.endswith("bias") else 0.3
            p.add_(torch.randn(p.shape, generator=gen) * scale)
        # spread the output distribution so the top-5 scores are far apart compared with f32 noise
        model.lm_head.bias.add_(torch.randn(model.lm_head.bias.shape, generator=gen) * 2.0)
    return model.eval()


def generate(manifest: OrderedDict, gen: str) -> None:
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    mdir = g.MODELS / NAME
    if mdir.exists():
        shutil.rmtree(mdir)
    for key in [k for k in manifest["fixtures"] if k.startswith(f"models/{NAME}/")]:
        del manifest["fixtures"][key]
    model = build()
    out = mdir / "safetensors"
    out.mkdir(parents=True)
    model.save_pretrained(out)
    for f in TOKENIZER_FILES:
        shutil.copyfile(TOKENIZER / f, out / f)
    loaded = transformers.RobertaForMaskedLM.from_pretrained(out, dtype=torch.float32)
    g.assert_same_state(g.reference_state(model), loaded.state_dict(), NAME)
    cases = []
    for case in CASES:
        tok = transformers.AutoTokenizer.from_pretrained(out)
        assert tok.mask_token == "<mask>"
        pipe = transformers.pipeline("fill-mask", model=transformers.RobertaForMaskedLM.from_pretrained(
            out, attn_implementation="eager", dtype=torch.float32).eval(), tokenizer=tok)
        output = pipe(case["text"])
        for answers in (output if isinstance(output[0], list) else [output]):
            scores = [a["score"] for a in answers]
            assert all(a - b > 1e-4 for a, b in zip(scores, scores[1:])), scores  # the order is not f32 noise
        cases.append({"task": "fill-mask", "inputs": {"text": case["text"]}, "output": H.as_json(output)})
    H.write_pipeline(mdir / "pipeline.json", cases, gen)
    # A golden like families.py's (hidden states, logits) on the pipeline's texts, padded, with `texts` so that
    # bert-verify re-tokenizes them with the BPE tokenizer (RoBERTa's tokenizer gives no token_type_ids).
    texts = [c["text"] for c in CASES]
    tok = transformers.AutoTokenizer.from_pretrained(out)
    batch = tok(texts, padding=True, return_tensors="pt")
    assert "token_type_ids" not in batch and batch["attention_mask"].min() == 0
    enc = OrderedDict((k, batch[k].to(torch.int64).contiguous()) for k in ("input_ids", "attention_mask"))
    golden_model = transformers.RobertaForMaskedLM.from_pretrained(out, attn_implementation="eager", dtype=torch.float32).eval()
    outs = F.run(golden_model, enc)
    err = g.max_error(outs, F.run(golden_model, enc, torch.float64), enc["attention_mask"])
    print(f"  {NAME}: batch {tuple(enc['input_ids'].shape)}, max |f32-f64| = {err:.3g}", file=sys.stderr)
    assert err < float(F.TOL[0]) / 4
    print(f"  {NAME}: elements over tolerance per mutation {F.sensitivity(golden_model, enc, outs)}", file=sys.stderr)
    gpath = mdir / "golden.safetensors"
    g.save_golden(gpath, outs, *F.TOL, gen, texts=texts)
    manifest["goldens"][gpath.relative_to(g.ROOT).as_posix()] = g.golden_entry(gpath)
    rel = out.relative_to(g.ROOT).as_posix()
    manifest["fixtures"][rel] = g.fixture_entry(NAME, "safetensors", out, {"note": "tokenizer from golden/tokenizer/roberta (golden/fill_mask.py)"})
    manifest["canonical"][NAME] = OrderedDict((k, g.tensor_entry(v)) for k, v in F.canonical_state(model, "roberta").items())


if __name__ == "__main__":
    path = g.ROOT / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=OrderedDict)
    generate(manifest, manifest["generator"])
    g.write_json(path, manifest)
    total = sum(p.stat().st_size for p in g.ROOT.rglob("*") if p.is_file())
    print(f"golden/ is {total / 1e6:.2f} MB", file=sys.stderr)
    assert total < 16_000_000
