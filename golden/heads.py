#!/usr/bin/env python3
"""Head goldens (docs/GOLDEN.md, "Head models"): a tiny model of every BERT head class with a real-word vocabulary,
its goldens and what transformers' pipelines answer for it; f16/bf16 goldens of seqcls; relative-position BERTs.

Run standalone (`python golden/heads.py` in the pinned venv, after generate.py has made models/seqcls) or from
generate.py's main(). Writes only:
  models/<name>/...               for the names in HEADS and RELATIVE
  models/seqcls/golden-f16.safetensors, golden-bf16.safetensors, pipeline.json
and their manifest keys.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate as g  # noqa: E402  (sets the environment: offline, legacy Keras)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import (  # noqa: E402
    BertConfig,
    BertForMaskedLM,
    BertForMultipleChoice,
    BertForNextSentencePrediction,
    BertForPreTraining,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
    BertModel,
    BertTokenizerFast,
)

ROOT = g.ROOT
MODELS = g.MODELS
TOL = g.TINY_TOL

# Smaller than generate.py's tiny models (hidden 16): golden/ must stay under 16 MB, and a real-word vocabulary
# makes the embeddings the largest tensor of every checkpoint.
HEAD_CONFIG = dict(
    hidden_size=16,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=24,
    max_position_embeddings=48,
    type_vocab_size=2,
    pad_token_id=0,
)
VOCAB_SIZE = 320

CONLL = ["O", "B-MISC", "I-MISC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]

# Golden batches: masks, pairs, entities, a question with its context. Every word is a whole token of the vocabulary
# below or splits into real pieces.
MLM_TEXTS = [
    "The capital of France is [MASK].",
    ["The man went to the [MASK].", "He bought a gallon of milk."],
    "She played the [MASK] at school today!",
]
NSP_TEXTS = [
    ["The man went to the store.", "He bought a gallon of milk."],
    ["The man went to the store.", "Penguins are flightless birds."],
    ["I love my city.", "It is very old."],
]
TOKEN_TEXTS = [
    "My name is Wolfgang and I live in Berlin.",
    "John works at the United Nations in New York.",
    "Sarah went to London.",
]
QA_TEXTS = [
    ["Where does Sarah live?", "My name is Sarah and I live in London."],
    ["Who went to the store?", "The man went to the store. He bought a gallon of milk."],
]
MC_PROMPTS = [
    ("The man went to the store.", ["He bought milk.", "He played music.", "It is very old."]),
    ("She played the game at school.", ["Her team won.", "The city is in France.", "I love my family."]),
]

# What the pipelines answer (pipeline.json): one input per model.
PIPELINE_INPUTS = {
    "mlm": dict(task="fill-mask", text="The capital of France is [MASK]."),
    "pretraining-heads": [
        dict(task="fill-mask", text="The man went to the [MASK] to buy milk."),
        dict(task="next-sentence-prediction", text="The man went to the store.", text_pair="He bought a gallon of milk."),
    ],
    "nsp": dict(task="next-sentence-prediction", text="The man went to the store.", text_pair="Penguins are flightless birds."),
    "multiple-choice": dict(task="multiple-choice", text="The man went to the store.",
                            choices=["He bought milk.", "He played music.", "It is very old."]),
    "token-classification": dict(task="token-classification", text="My name is Wolfgang and I live in Berlin."),
    "question-answering": dict(task="question-answering", question="Where does Sarah live?",
                               context="My name is Sarah and I live in London."),
}

# More inputs whose words are partly outside the vocabulary on purpose (`zürich` → z ##u ##r ##i ##c ##h, `☃` →
# [UNK]); the vocabulary is built without them.
PIPELINE_EXTRA = {
    "mlm": [dict(task="fill-mask", text="The [MASK] went to the [MASK].")],
    "token-classification": [dict(task="token-classification", text="Sarah went to Zürich ☃ today.")],
    "question-answering": [dict(task="question-answering", question="Where did the man go?",
                                context="Wolfgang went to Zürich. The man went to the store.")],
}

HEADS = OrderedDict([
    ("mlm", dict(cls=BertForMaskedLM, tf="TFBertForMaskedLM", seed=4004, texts=MLM_TEXTS,
                 config=dict(hidden_act="gelu"), cleanup=True)),
    ("pretraining-heads", dict(cls=BertForPreTraining, tf="TFBertForPreTraining", seed=5005, texts=MLM_TEXTS,
                               config=dict(hidden_act="gelu_new", layer_norm_eps=1e-3), cleanup=False)),
    ("nsp", dict(cls=BertForNextSentencePrediction, tf="TFBertForNextSentencePrediction", seed=6006, texts=NSP_TEXTS,
                 config=dict(hidden_act="gelu"), cleanup=True)),
    ("multiple-choice", dict(cls=BertForMultipleChoice, tf="TFBertForMultipleChoice", seed=7007, texts=None,
                             config=dict(hidden_act="gelu"), cleanup=True)),
    ("token-classification", dict(cls=BertForTokenClassification, tf="TFBertForTokenClassification", seed=8008,
                                  texts=TOKEN_TEXTS, cleanup=True,
                                  config=dict(hidden_act="gelu", num_labels=len(CONLL),
                                              id2label={i: n for i, n in enumerate(CONLL)},
                                              label2id={n: i for i, n in enumerate(CONLL)}))),
    ("question-answering", dict(cls=BertForQuestionAnswering, tf="TFBertForQuestionAnswering", seed=9009,
                                texts=QA_TEXTS, config=dict(hidden_act="gelu"), cleanup=True)),
])
HEAD_VARIANTS = ["safetensors", "bin", "h5"]

RELATIVE = OrderedDict([
    ("relative-key", dict(cls=BertModel, seed=10010, texts=MLM_TEXTS,
                          config=dict(hidden_act="gelu", position_embedding_type="relative_key"))),
    ("relative-key-query", dict(cls=BertModel, seed=11011, texts=NSP_TEXTS,
                                config=dict(hidden_act="gelu", position_embedding_type="relative_key_query"))),
])
RELATIVE_VARIANTS = ["safetensors"]


# ------------------------------------------------------------------------------------------- vocabulary

def all_texts() -> list[str]:
    out = []
    for texts in (MLM_TEXTS, NSP_TEXTS, TOKEN_TEXTS, QA_TEXTS):
        for t in texts:
            out += [t] if isinstance(t, str) else list(t)
    for prompt, choices in MC_PROMPTS:
        out += [prompt] + choices
    for spec in PIPELINE_INPUTS.values():
        for case in spec if isinstance(spec, list) else [spec]:
            out += [v for k, v in case.items() if k in ("text", "text_pair", "question", "context")] + case.get("choices", [])
    return out


def real_vocab() -> list[str]:
    """VOCAB_SIZE tokens of all-MiniLM-L6-v2's vocab.txt: specials, punctuation, digits, letters and their ## pieces,
    every word of the texts above (as the full vocabulary splits them), then the most frequent words and pieces
    (BERT's vocabulary lists them by frequency from id 1996)."""
    full = (MODELS / "minilm" / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    assert len(full) == 30522
    known = set(full)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab += list(".,!?'\"-()[]:;&$%/") + list("0123456789")
    vocab += list("abcdefghijklmnopqrstuvwxyz") + ["##" + c for c in "abcdefghijklmnopqrstuvwxyz"]
    seen = set(vocab)

    def add(token):
        assert token in known, token
        if token not in seen:
            seen.add(token)
            vocab.append(token)

    tok = BertTokenizerFast(vocab_file=str(MODELS / "minilm" / "vocab.txt"))
    for text in all_texts():
        for piece in tok.tokenize(text.replace("[MASK]", "")):
            add(piece)
    for token in full[1996:]:
        if len(vocab) == VOCAB_SIZE:
            break
        if token.isalpha() or (token.startswith("##") and token[2:].isalpha()):
            add(token)
    assert len(vocab) == VOCAB_SIZE, len(vocab)
    return vocab


def write_tokenizer(vocab: list[str], out: Path, cleanup: bool) -> None:
    tmp = out / "_vocab.txt"
    tmp.write_text("".join(t + "\n" for t in vocab), encoding="utf-8")
    tok = BertTokenizerFast(vocab_file=str(tmp), do_lower_case=True, model_max_length=HEAD_CONFIG["max_position_embeddings"],
                            clean_up_tokenization_spaces=cleanup)
    tmp.unlink()
    tok.save_pretrained(out)
    for text in all_texts():  # real sentences tokenize to real words, never [UNK]
        assert tok.unk_token_id not in tok(text)["input_ids"], text


# ------------------------------------------------------------------------------------------------ models

def build(name: str, spec: dict):
    config = BertConfig(vocab_size=VOCAB_SIZE, **HEAD_CONFIG, **spec["config"])
    config.architectures = [spec["cls"].__name__]
    torch.manual_seed(spec["seed"])
    model = spec["cls"](config)
    gen = torch.Generator().manual_seed(spec["seed"] + 1)
    with torch.no_grad():
        for pname, p in model.named_parameters():
            scale = 0.1 if "LayerNorm" in pname else 0.05 if pname.endswith("bias") else 0.3 if (".query." in pname or ".key." in pname) else 0.1
            if "distance_embedding" in pname:
                scale = 0.5  # relative positions that visibly move the scores
            p.add_(torch.randn(p.shape, generator=gen) * scale)
    return model.eval()


def encode_inputs(tok, name: str, spec: dict) -> tuple[dict, list | None]:
    if name == "multiple-choice":
        firsts = [p for p, cs in MC_PROMPTS for _ in cs]
        seconds = [c for _, cs in MC_PROMPTS for c in cs]
        enc = tok(firsts, seconds, padding=True, return_tensors="pt")
        b, c = len(MC_PROMPTS), len(MC_PROMPTS[0][1])
        enc = {k: enc[k].view(b, c, -1).to(torch.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
        texts = [[[p, choice] for choice in cs] for p, cs in MC_PROMPTS]
        return enc, texts
    texts = spec["texts"]
    return g.encode(tok, texts), texts


def head_outputs(model, enc: dict, dtype=torch.float32) -> OrderedDict:
    """The encoder's outputs (hidden_states.K, last_hidden_state, pooler_output) and the head's ModelOutput fields."""
    m = copy.deepcopy(model).to(dtype).eval()
    flat = {k: v.reshape(-1, v.shape[-1]) for k, v in enc.items()}
    out = OrderedDict((k, enc[k]) for k in ("input_ids", "attention_mask", "token_type_ids"))
    with torch.no_grad():
        bert = m if isinstance(m, BertModel) else m.bert
        o = bert(**flat, output_hidden_states=True)
        out["last_hidden_state"] = o.last_hidden_state
        for i, h in enumerate(o.hidden_states):
            out[f"hidden_states.{i}"] = h
        if o.pooler_output is not None:
            out["pooler_output"] = o.pooler_output
        if not isinstance(m, BertModel):
            full = m(**enc, output_hidden_states=True)
            assert torch.equal(full.hidden_states[-1], o.last_hidden_state)
            for field in ("logits", "start_logits", "end_logits", "prediction_logits", "seq_relationship_logits"):
                value = getattr(full, field, None)
                if value is not None:
                    out[field] = value
    return OrderedDict((k, v.detach().clone().contiguous().float() if v.is_floating_point() else v) for k, v in out.items())


def check_golden(model, enc, outs, what: str) -> None:
    mask = enc["attention_mask"].reshape(-1, enc["attention_mask"].shape[-1])
    masked = OrderedDict((k, v) for k, v in outs.items())
    err = g.max_error(masked, head_outputs(model, enc, torch.float64), mask)
    print(f"  {what}: max |f32-f64| = {err:.3g}", file=sys.stderr)
    assert err < float(TOL[0]) / 4, (what, err)
    # The golden catches an ignored attention mask in its head outputs too.
    ignored = head_outputs(model, dict(enc, attention_mask=torch.ones_like(enc["attention_mask"])))
    heads = [k for k in outs if k.endswith("logits")]
    if heads:
        bad = g.violations(OrderedDict((k, outs[k]) for k in heads), ignored, *TOL, mask)
        assert bad > 0, (what, "an ignored attention mask goes unnoticed")


# --------------------------------------------------------------------------------------------- pipelines

def as_json(value):
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def pipeline_case(name: str, directory: Path, case: dict, cls) -> dict:
    task = case["task"]
    tok = transformers.AutoTokenizer.from_pretrained(directory)
    if task in ("fill-mask", "token-classification", "question-answering", "text-classification"):
        model_cls = BertForMaskedLM if task == "fill-mask" else cls
        model = model_cls.from_pretrained(directory, attn_implementation="eager", dtype=torch.float32).eval()
        pipe = transformers.pipeline(task, model=model, tokenizer=tok)
        if task == "fill-mask":
            output = pipe(case["text"])
        elif task == "token-classification":
            output = pipe(case["text"], aggregation_strategy="none")
        elif task == "question-answering":
            output = pipe(question=case["question"], context=case["context"])
        elif "text_pair" in case:
            output = pipe({"text": case["text"], "text_pair": case["text_pair"]}, top_k=None)
        else:
            output = pipe(case["text"], top_k=None)
    else:
        model = cls.from_pretrained(directory, attn_implementation="eager", dtype=torch.float32).eval()
        with torch.no_grad():
            if task == "next-sentence-prediction":
                enc = tok(case["text"], case["text_pair"], return_tensors="pt")
                out = model(**enc)
                logits = out.seq_relationship_logits if hasattr(out, "seq_relationship_logits") else out.logits
                output = {"is_next": torch.softmax(logits[0], -1)[0].item()}
            elif task == "multiple-choice":
                enc = tok([case["text"]] * len(case["choices"]), case["choices"], padding=True, return_tensors="pt")
                logits = model(**{k: v.unsqueeze(0) for k, v in enc.items()}).logits[0]
                scores = torch.softmax(logits, -1)
                output = [{"choice": c, "score": s.item()} for c, s in zip(case["choices"], scores)]
            else:
                raise ValueError(task)
    inputs = {k: v for k, v in case.items() if k != "task"}
    return {"task": task, "inputs": inputs, "output": as_json(output)}


def write_pipeline(path: Path, cases: list[dict], gen: str) -> None:
    g.write_json(path, {"generator": gen, "cases": cases})


# -------------------------------------------------------------------------------------------------- main

def add_fixture(manifest, name, spec, model, variant, vocab, cleanup, out):
    extra = g.save_variant(name, spec, model, variant, out)
    if variant == "safetensors":
        g._PT_DIR_FOR_TF[name] = out
        write_tokenizer(vocab, out, cleanup)
    rel = out.relative_to(ROOT).as_posix()
    manifest["fixtures"][rel] = g.fixture_entry(name, variant, out, extra)
    print(f"  {rel}: {len(manifest['fixtures'][rel]['tensors'])} tensors", file=sys.stderr)


def generate(manifest: OrderedDict, gen: str) -> None:
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    vocab = real_vocab()
    mine = set(HEADS) | set(RELATIVE)
    for key in [k for k, v in manifest["fixtures"].items() if v["model"] in mine]:
        del manifest["fixtures"][key]
    for group, variants in ((HEADS, HEAD_VARIANTS), (RELATIVE, RELATIVE_VARIANTS)):
        for name, spec in group.items():
            mdir = MODELS / name
            if mdir.exists():
                shutil.rmtree(mdir)
            mdir.mkdir(parents=True)
            model = build(name, spec)
            for variant in variants:
                add_fixture(manifest, name, spec, model, variant, vocab, spec.get("cleanup", True), mdir / variant)
            manifest["canonical"][name] = g.canonical_map(model)
            primary = mdir / "safetensors"
            tok = BertTokenizerFast.from_pretrained(primary)
            enc, texts = encode_inputs(tok, name, spec)
            loaded = spec["cls"].from_pretrained(primary, attn_implementation="eager", dtype=torch.float32).eval()
            outs = head_outputs(loaded, enc)
            check_golden(loaded, enc, outs, name)
            gpath = mdir / "golden.safetensors"
            g.save_golden(gpath, outs, *TOL, gen, texts=texts)
            manifest["goldens"][gpath.relative_to(ROOT).as_posix()] = g.golden_entry(gpath)
            if name in PIPELINE_INPUTS:
                spec_cases = PIPELINE_INPUTS[name]
                spec_cases = (spec_cases if isinstance(spec_cases, list) else [spec_cases]) + PIPELINE_EXTRA.get(name, [])
                cases = [pipeline_case(name, primary, c, spec["cls"]) for c in spec_cases]
                write_pipeline(mdir / "pipeline.json", cases, gen)
    reduced_precision(manifest, gen)


def reduced_precision(manifest: OrderedDict, gen: str) -> None:
    """seqcls's f16/bf16 checkpoints computed in float32 (their rounded weights widened), so those fixtures are held
    to f32 tolerances; and the text-classification pipeline's answer for seqcls."""
    seqcls = MODELS / "seqcls"
    tok = BertTokenizerFast.from_pretrained(seqcls / "safetensors")
    enc = g.encode(tok, g.TINY_TEXTS)
    for dtype in ("f16", "bf16"):
        model = BertForSequenceClassification.from_pretrained(seqcls / f"safetensors-{dtype}", attn_implementation="eager",
                                                              dtype=torch.float32).eval()
        assert all(p.dtype == torch.float32 for p in model.parameters())
        outs = g.run_golden(model, enc, with_logits=True)
        err = g.max_error(outs, g.run_golden(model, enc, True, torch.float64), enc["attention_mask"])
        print(f"  seqcls {dtype} weights in f32: max |f32-f64| = {err:.3g}", file=sys.stderr)
        assert err < float(g.TINY_TOL[0]) / 4
        gpath = seqcls / f"golden-{dtype}.safetensors"
        g.save_golden(gpath, outs, *g.TINY_TOL, gen, texts=g.TINY_TEXTS)
        manifest["goldens"][gpath.relative_to(ROOT).as_posix()] = g.golden_entry(gpath)
    cases = [dict(task="text-classification", text="The quick dog jumped over the lazy cats!"),
             dict(task="text-classification", text="Is the old cat happy?", text_pair="Yes, very.")]
    write_pipeline(seqcls / "pipeline.json", [pipeline_case("seqcls", seqcls / "safetensors", c, BertForSequenceClassification)
                                              for c in cases], gen)


def main() -> None:
    gen = g.versions()
    path = ROOT / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=OrderedDict)
    generate(manifest, gen)
    g.write_json(path, manifest)
    total = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    print(f"golden/ is {total / 1e6:.2f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
