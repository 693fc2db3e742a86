#!/usr/bin/env python3
"""The sentence-transformers golden on a tiny MPNet (docs/GOLDEN.md "Sentence-transformers goldens"), made with the
pinned sentence-transformers==5.7.0.

Writes only models/st-mpnet/ and its manifest keys: a seeded tiny MPNetModel (hidden 16, 2 layers — the relative
bias is shared by every layer —, vocab 1000) with the MPNet tokenizer trained in golden/tokenizer/mpnet
(tokenizer.json, tokenizer_config.json, special_tokens_map.json), then Pooling(mean) → Normalize, saved by
SentenceTransformer.save. Variants safetensors/, bin/ (pytorch_model.bin) and h5/ (tf_model.h5 by TFMPNetModel,
read back into PyTorch with load_tf2_checkpoint_in_pytorch_model for the check), every one giving the same
embeddings; golden.safetensors holds input_ids, attention_mask (MPNet takes no token types), token_embeddings and
sentence_embedding for sentence.py's TINY_TEXTS, checked against encode().

Run standalone (`python golden/st_mpnet.py`, in the venv of generate.sh) or from generate.py's main().
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sentence as S  # noqa: E402  (sets the offline / legacy-Keras environment first)
import generate as G  # noqa: E402

import torch  # noqa: E402
from transformers import MPNetConfig, MPNetModel  # noqa: E402

NAME = "st-mpnet"
SEED = 8008
TOKENIZER = G.ROOT / "tokenizer" / "mpnet"
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]
MAX_TOKENS = 32  # MPNet's positions start at pad + 1 = 2: 34 position embeddings hold 32 tokens


def config() -> MPNetConfig:
    vocab = len(json.loads((TOKENIZER / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"])
    c = MPNetConfig(vocab_size=vocab, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=24,
                    max_position_embeddings=MAX_TOKENS + 2, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                    hidden_act="gelu")
    c.architectures = ["MPNetModel"]
    return c


def encoder(out: Path) -> None:
    """A seeded tiny MPNetModel (with pooler) saved with the MPNet tokenizer files, every parameter perturbed."""
    torch.manual_seed(SEED)
    model = MPNetModel(config())
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            scale = 1.0 if "relative_attention_bias" in name else 0.3 if (".q." in name or ".k." in name) else 0.1
            p.add_(torch.randn(p.shape, generator=g) * scale)
    model.eval().save_pretrained(out)
    for f in TOKENIZER_FILES:
        shutil.copyfile(TOKENIZER / f, out / f)
    tc = json.loads((out / "tokenizer_config.json").read_text(encoding="utf-8"), object_pairs_hook=OrderedDict)
    tc["model_max_length"] = MAX_TOKENS
    G.write_json(out / "tokenizer_config.json", tc)


def forward(model, texts) -> OrderedDict:
    """sentence.py's forward() for a tokenizer without token types."""
    features = model.tokenize(texts)
    assert "token_type_ids" not in features, list(features)
    with torch.no_grad():
        out = model(dict(features))
    tensors = OrderedDict()
    for k in ("input_ids", "attention_mask"):
        tensors[k] = features[k].to(torch.int64).contiguous()
    tensors["token_embeddings"] = out["token_embeddings"].detach().float().contiguous()
    tensors["sentence_embedding"] = out["sentence_embedding"].detach().float().contiguous()
    encoded = model.encode(texts, convert_to_tensor=True, batch_size=len(texts))
    assert (encoded.float() - tensors["sentence_embedding"]).abs().max().item() <= 1e-6
    return tensors


def h5_as_torch(d: Path) -> None:
    """tf_model.h5 read into a fresh MPNetModel (from_pretrained(from_tf=True) is broken in 4.57), written as
    model.safetensors beside it for SentenceTransformer."""
    from transformers.modeling_tf_pytorch_utils import load_tf2_checkpoint_in_pytorch_model
    torch.manual_seed(12345)
    m = MPNetModel(MPNetConfig.from_pretrained(d)).eval()
    load_tf2_checkpoint_in_pytorch_model(m, str(d / "tf_model.h5"))
    m.save_pretrained(d)


def generate(manifest: OrderedDict, gen: str) -> None:
    st = S.st()
    import tensorflow as tf
    import tf_keras
    import transformers
    from sentence_transformers.models import Normalize, Pooling, Transformer

    gen_st = gen + f"; sentence-transformers {st.__version__}"
    mdir = G.MODELS / NAME
    if mdir.exists():
        shutil.rmtree(mdir)
    mdir.mkdir(parents=True)
    for key in [k for k in manifest["fixtures"] if k.startswith(f"models/{NAME}/")]:
        del manifest["fixtures"][key]
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        enc_dir = tmp / "encoder"
        encoder(enc_dir)
        transformer = Transformer(str(enc_dir))
        assert transformer.max_seq_length == MAX_TOKENS, transformer.max_seq_length
        model = st.SentenceTransformer(modules=[transformer, Pooling(16, pooling_mode="mean"), Normalize()], device="cpu")
        saved = tmp / NAME
        model.save(str(saved))
        variants = []
        for variant in ("safetensors", "bin", "h5"):
            out = mdir / variant
            shutil.copytree(saved, out)
            for empty in [p for p in out.iterdir() if p.is_dir() and not any(p.iterdir())]:
                empty.rmdir()  # 5.7 creates an empty 2_Normalize/ that git cannot keep
            for extra in ("README.md", "vocab.txt"):
                if (out / extra).exists():
                    (out / extra).unlink()  # the model card; vocab.txt repeats tokenizer.json's vocabulary
            if variant == "bin":
                m = MPNetModel.from_pretrained(out)
                (out / "model.safetensors").unlink()
                m.save_pretrained(out, safe_serialization=False)
            elif variant == "h5":
                tf_keras.backend.clear_session()
                tf.random.set_seed(0)
                tf_model = transformers.TFMPNetModel.from_pretrained(out, from_pt=True)
                (out / "model.safetensors").unlink()
                tf_model.save_pretrained(out)
                tf_keras.backend.clear_session()
            variants.append(out)

        reference = st.SentenceTransformer(str(variants[0]), device="cpu")
        golden = forward(reference, S.TINY_TEXTS)
        assert golden["attention_mask"].min() == 0
        assert (golden["sentence_embedding"].norm(dim=1) - 1).abs().max() < 1e-5
        m64 = reference.to(torch.float64)
        with torch.no_grad():
            out64 = m64(dict(m64.tokenize(S.TINY_TEXTS)))
        reference.to(torch.float32)
        mask = golden["attention_mask"].bool()
        err = max((out64["token_embeddings"].double() - golden["token_embeddings"].double()).abs()[mask].max().item(),
                  (out64["sentence_embedding"].double() - golden["sentence_embedding"].double()).abs().max().item())
        print(f"  {NAME}: {reference}, max |f32-f64| = {err:.3g}", file=sys.stderr)
        assert err < float(S.TOL[0]) / 4
        for d in variants[1:]:
            probe = d
            if d.name == "h5":
                probe = tmp / "h5-as-torch"
                shutil.copytree(d, probe)
                h5_as_torch(probe)
            other = forward(st.SentenceTransformer(str(probe), device="cpu"), S.TINY_TEXTS)
            for k, v in golden.items():
                assert torch.allclose(other[k].double(), v.double(), atol=1e-6, rtol=0), (d.name, k)
    gpath = mdir / "golden.safetensors"
    G.save_golden(gpath, golden, *S.TOL, gen_st, texts=S.TINY_TEXTS)
    manifest["goldens"][gpath.relative_to(G.ROOT).as_posix()] = G.golden_entry(gpath)
    for d in variants:
        rel = d.relative_to(G.ROOT).as_posix()
        fmt = {"safetensors": "safetensors", "bin": "pytorch-zip", "h5": "hdf5"}[d.name]
        files = sorted(p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file())
        manifest["fixtures"][rel] = OrderedDict(
            model=NAME, variant=d.name, format=fmt, files=files,
            file_sha256={f: G.sha256_file(d / f) for f in files},
            note="sentence-transformers model directory (golden/st_mpnet.py)")


if __name__ == "__main__":
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    path = G.ROOT / "manifest.json"
    manifest = json.loads(path.read_text(), object_pairs_hook=OrderedDict)
    generate(manifest, manifest["generator"])
    G.write_json(path, manifest)
    total = sum(p.stat().st_size for p in G.ROOT.rglob("*") if p.is_file())
    print(f"golden/ is {total / 1e6:.2f} MB", file=sys.stderr)
    assert total < 16_000_000
