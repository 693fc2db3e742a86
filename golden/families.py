#!/usr/bin/env python3
"""Tiny models of BERT's relatives (RoBERTa, XLM-RoBERTa, DistilBERT, ELECTRA, MPNet), their serialisations and
goldens (see docs/GOLDEN.md, "The family goldens").

Writes only golden/models/<family model>/ and its own manifest keys (fixtures, canonical and goldens entries of
the models in SPECS). `generate.py` calls `generate(manifest, gen)`; run alone it updates golden/manifest.json in
place:

    TF_USE_LEGACY_KERAS=1 ~/.cache/bertweights/venv/bin/python golden/families.py

Everything is seeded; a second run gives the same bytes (except the legacy .bin files, as in generate.py).
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate as g  # noqa: E402  (sets the TF/HF environment variables before importing them)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import (  # noqa: E402
    DistilBertConfig,
    ElectraConfig,
    MPNetConfig,
    RobertaConfig,
    XLMRobertaConfig,
)

ROOT = g.ROOT
MODELS = g.MODELS
TOL = g.TINY_TOL

# Smaller than generate.py's BERT models: golden/ has a 16 MB budget, .h5 files cost ~1.6 KB and the manifest
# ~330 bytes per stored tensor, so one layer (MPNet two: its relative bias is shared by every layer) and few
# variants: the readers are the same for every family, the names are not. Every family's main model has
# safetensors and a legacy .bin (its position_ids buffer); .h5 for RoBERTa, DistilBERT, ELECTRA (embeddings_project,
# discriminator) and MPNet (relative bias, and the pooler only the TF class has); a sharded .bin for RoBERTa, whose
# `classifier.*` sorts before `roberta.*` in the index; a zip .bin for the tied RoBERTa MLM.
SIZES = dict(hidden=8, layers=1, heads=2, intermediate=12, vocab=32, positions=16)
SHARD_SIZE = "3KB"  # the tiny models are ~8 KB


def roberta_config(cls=RobertaConfig, **extra):
    s = SIZES
    return cls(vocab_size=s["vocab"], hidden_size=s["hidden"], num_hidden_layers=s["layers"],
               num_attention_heads=s["heads"], intermediate_size=s["intermediate"],
               max_position_embeddings=s["positions"] + 2, type_vocab_size=1, pad_token_id=1, bos_token_id=0,
               eos_token_id=2, hidden_act="gelu", **extra)


def distilbert_config(**extra):
    s = SIZES
    return DistilBertConfig(vocab_size=s["vocab"], dim=s["hidden"], n_layers=s["layers"], n_heads=s["heads"],
                            hidden_dim=s["intermediate"], max_position_embeddings=s["positions"], pad_token_id=0,
                            **extra)


def electra_config(**extra):
    s = SIZES
    return ElectraConfig(vocab_size=s["vocab"], hidden_size=s["hidden"], num_hidden_layers=s["layers"],
                         num_attention_heads=s["heads"], intermediate_size=s["intermediate"],
                         max_position_embeddings=s["positions"], type_vocab_size=2, pad_token_id=0, **extra)


def mpnet_config(**extra):
    s = SIZES
    return MPNetConfig(vocab_size=s["vocab"], hidden_size=s["hidden"], num_hidden_layers=2,
                       num_attention_heads=s["heads"], intermediate_size=s["intermediate"],
                       max_position_embeddings=s["positions"] + 2, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                       hidden_act="gelu", **extra)


LABELS = ["negative", "positive"]
CLS_LABELS = dict(num_labels=2, id2label=dict(enumerate(LABELS)), label2id={n: i for i, n in enumerate(LABELS)})

# model name -> class, TF class, config, prefix of the base model, variants, seed, input layout.
SPECS = OrderedDict([
    ("roberta-seqcls", dict(cls="RobertaForSequenceClassification", config=lambda: roberta_config(**CLS_LABELS),
                            prefix="roberta", variants=["safetensors", "bin-sharded", "bin-legacy", "h5"], seed=5101, types=True)),
    ("roberta-mlm", dict(cls="RobertaForMaskedLM", config=lambda: roberta_config(),
                         prefix="roberta", variants=["safetensors", "bin"], seed=5102, types=True)),
    ("xlmr-base", dict(cls="XLMRobertaModel", config=lambda: roberta_config(XLMRobertaConfig),
                       prefix="roberta", variants=["safetensors"], seed=5103, types=True)),
    ("distilbert-seqcls", dict(cls="DistilBertForSequenceClassification",
                               config=lambda: distilbert_config(activation="gelu", **CLS_LABELS),
                               prefix="distilbert", variants=["safetensors", "bin-legacy", "h5"], seed=5201, types=False)),
    ("distilbert-sinusoidal", dict(cls="DistilBertModel", config=lambda: distilbert_config(sinusoidal_pos_embds=True),
                                   prefix="distilbert", variants=["safetensors"], seed=5202, types=False)),
    ("electra-discriminator", dict(cls="ElectraForPreTraining", config=lambda: electra_config(embedding_size=4),
                                   prefix="electra", variants=["safetensors", "bin-legacy", "h5"], seed=5301, types=True)),
    ("electra-seqcls", dict(cls="ElectraForSequenceClassification",
                            config=lambda: electra_config(embedding_size=SIZES["hidden"], hidden_act="gelu_new",
                                                          **CLS_LABELS),
                            prefix="electra", variants=["safetensors"], seed=5302, types=True)),
    ("mpnet-mlm", dict(cls="MPNetForMaskedLM", config=lambda: mpnet_config(), prefix="mpnet",
                       variants=["safetensors", "bin-legacy", "h5"],
                       seed=5401, types=False)),
    ("mpnet-base", dict(cls="MPNetModel", config=lambda: mpnet_config(), prefix="mpnet",
                        variants=["safetensors"], seed=5402, types=False)),
])

# Canonical names leave these out: buffers and the copies tied to another parameter.
TIED = {"lm_head.decoder.weight", "lm_head.decoder.bias", "vocab_projector.weight", "generator_lm_head.weight"}


def build(name: str, spec: dict):
    config = spec["config"]()
    config.architectures = [spec["cls"]]
    torch.manual_seed(spec["seed"])
    model = getattr(transformers, spec["cls"])(config)
    gen = torch.Generator().manual_seed(spec["seed"] + 1)
    sinusoidal = getattr(config, "sinusoidal_pos_embds", False)
    with torch.no_grad():
        for pname, p in model.named_parameters():  # tied parameters are listed once
            if sinusoidal and pname.endswith("position_embeddings.weight"):
                continue  # keep the sinusoidal table the config asks for
            if "LayerNorm" in pname or "layer_norm" in pname:
                scale = 0.1
            elif pname.endswith("bias"):
                scale = 0.05
            elif "relative_attention_bias" in pname:
                scale = 1.0  # large enough to move the attention
            elif any(k in pname for k in (".query.", ".key.", ".q_lin.", ".k_lin.", ".attn.q.", ".attn.k.")):
                scale = 0.3
            else:
                scale = 0.1
            p.add_(torch.randn(p.shape, generator=gen) * scale)
    model.eval()
    return model


def is_base(model) -> bool:
    return model.base_model is model


def canonical_state(model, prefix: str) -> OrderedDict:
    out = OrderedDict()
    for k, v in model.state_dict().items():
        if k.endswith("position_ids") or k.endswith("embeddings.token_type_ids") or k in TIED:
            continue
        out[(prefix + "." + k) if is_base(model) else k] = v.detach().float()
    return out


def with_position_ids(model, sd: OrderedDict) -> OrderedDict:
    """Old checkpoints stored the position_ids buffer before the word embeddings."""
    p = "" if is_base(model) else model.base_model_prefix + "."
    return g.with_position_ids(sd, p, model.config.max_position_embeddings)


def save_variant(name: str, spec: dict, model, variant: str, out: Path, pt_dir: Path | None) -> dict:
    out.mkdir(parents=True)
    cls = type(model)
    ref = g.reference_state(model)
    extra: dict = {}

    def check_loads():
        loaded = cls.from_pretrained(out, torch_dtype=torch.float32)
        g.assert_same_state(ref, loaded.state_dict(), f"{name}/{variant}")

    if variant == "safetensors":
        model.save_pretrained(out)
        check_loads()
    elif variant == "safetensors-sharded":
        model.save_pretrained(out, max_shard_size=SHARD_SIZE)
        assert len(list(out.glob("model-*-of-*.safetensors"))) >= 2
        check_loads()
    elif variant == "bin":
        model.save_pretrained(out, safe_serialization=False)
        check_loads()
    elif variant == "bin-sharded":
        model.save_pretrained(out, safe_serialization=False, max_shard_size=SHARD_SIZE)
        assert len(list(out.glob("pytorch_model-*-of-*.bin"))) >= 2
        check_loads()
    elif variant == "bin-legacy":
        model.config.save_pretrained(out)
        torch.save(with_position_ids(model, model.state_dict()), out / "pytorch_model.bin",
                   _use_new_zipfile_serialization=False)
        extra["note"] = "legacy (pre-1.6) torch.save; includes the int64 position_ids buffer like old checkpoints"
        check_loads()
    elif variant == "h5":
        save_h5(spec, pt_dir, out)
        verify_h5(spec, model, out)
        if spec["cls"] == "MPNetForMaskedLM":
            extra["note"] = "TFMPNetForMaskedLM saves mpnet/pooler, which MPNetForMaskedLM lacks"
    else:
        raise ValueError(variant)
    return extra


def save_h5(spec: dict, pt_dir: Path, out: Path) -> None:
    import tensorflow as tf
    import tf_keras

    tf_cls = getattr(transformers, "TF" + spec["cls"])
    tf_keras.backend.clear_session()
    tf.random.set_seed(0)
    tf_model = tf_cls.from_pretrained(pt_dir, from_pt=True)
    # Weights the TF class has and the PyTorch one lacks (TF MPNet heads' pooler) start random whatever the seed;
    # seeded values keep the file reproducible.
    rng = np.random.default_rng(spec["seed"] + 3)
    for w in tf_model.weights:
        if "/pooler/" in w.name and spec["cls"] != "MPNetModel":
            w.assign((rng.standard_normal(tuple(w.shape)) * 0.1).astype(np.float32))
    tf_model.save_pretrained(out)
    tf_keras.backend.clear_session()


def verify_h5(spec: dict, model, out: Path) -> None:
    """The TF weights loaded back into a fresh PyTorch model (not from_pretrained(from_tf=True), broken in 4.57)."""
    from transformers.modeling_tf_pytorch_utils import load_tf2_checkpoint_in_pytorch_model

    torch.manual_seed(12345)
    fresh = type(model)(model.config).eval()
    load_tf2_checkpoint_in_pytorch_model(fresh, str(out / "tf_model.h5"))
    g.assert_same_state(g.reference_state(model), fresh.state_dict(), str(out))


def golden_input(spec: dict, config) -> OrderedDict:
    """3 right-padded rows (13, 9 and 5 tokens): random ids in the vocabulary between a start and an end token,
    the model's pad id on padding; ELECTRA's first row is a pair (token types 0 then 1)."""
    rng = np.random.default_rng(spec["seed"] + 2)
    pad = config.pad_token_id
    start, end = (0, 2) if pad == 1 else (2, 3)
    lengths, s = [13, 9, 5], 13
    ids = torch.full((3, s), pad, dtype=torch.int64)
    mask = torch.zeros((3, s), dtype=torch.int64)
    types = torch.zeros((3, s), dtype=torch.int64)
    for b, n in enumerate(lengths):
        body = rng.integers(4, config.vocab_size, size=n - 2)
        ids[b, :n] = torch.tensor([start, *body.tolist(), end])
        mask[b, :n] = 1
    if getattr(config, "type_vocab_size", 1) > 1:
        types[0, 7:13] = 1
    enc = OrderedDict(input_ids=ids, attention_mask=mask)
    if spec["types"]:
        enc["token_type_ids"] = types
    return enc


def run(model, enc: OrderedDict, dtype=torch.float32, **overrides) -> OrderedDict:
    m = copy.deepcopy(model).to(dtype).eval()
    base = m.base_model
    kwargs = dict(enc, **overrides)
    with torch.no_grad():
        o = base(**kwargs, output_hidden_states=True)
        out = OrderedDict(enc)
        out["last_hidden_state"] = o.last_hidden_state
        for i, h in enumerate(o.hidden_states):
            out[f"hidden_states.{i}"] = h
        assert torch.equal(o.hidden_states[-1], o.last_hidden_state)
        if getattr(o, "pooler_output", None) is not None:
            out["pooler_output"] = o.pooler_output
        if m is not base:
            out["logits"] = m(**kwargs).logits
    return OrderedDict((k, v.detach().clone().contiguous()) for k, v in out.items())


def sensitivity(model, enc: OrderedDict, golden: OrderedDict) -> dict:
    """Each typical mistake must break the pass rule: ignoring the mask, positions from 0 instead of from
    padding_idx + 1 (RoBERTa, MPNet), no relative position bias (MPNet), no embedding projection (ELECTRA)."""
    mask = enc["attention_mask"]
    report = {"attention mask ignored": g.violations(golden, run(model, enc, attention_mask=torch.ones_like(mask)),
                                                     *TOL, mask)}
    cfg = model.config
    if cfg.model_type in ("roberta", "xlm-roberta", "mpnet"):
        plain = torch.arange(mask.shape[1]).expand_as(mask)
        report["positions from 0"] = g.violations(golden, run(model, enc, position_ids=plain), *TOL, mask)
    if cfg.model_type == "mpnet":
        m = copy.deepcopy(model)
        with torch.no_grad():
            m.base_model.encoder.relative_attention_bias.weight.zero_()
        report["no relative position bias"] = g.violations(golden, run(m, enc), *TOL, mask)
    for what, bad in report.items():
        assert bad > 0, (what, report)
    return report


def generate(manifest: OrderedDict, gen: str) -> None:
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    for name, spec in SPECS.items():
        mdir = MODELS / name
        if mdir.exists():
            shutil.rmtree(mdir)
        mdir.mkdir(parents=True)
        for key in [k for k in manifest["fixtures"] if k.startswith(f"models/{name}/")]:
            del manifest["fixtures"][key]
        model = build(name, spec)
        pt_dir = None
        for variant in spec["variants"]:
            out = mdir / variant
            extra = save_variant(name, spec, model, variant, out, pt_dir)
            if variant == "safetensors":
                pt_dir = out
            rel = out.relative_to(ROOT).as_posix()
            manifest["fixtures"][rel] = g.fixture_entry(name, variant, out, extra)
            print(f"  {rel}: {len(manifest['fixtures'][rel]['tensors'])} tensors", file=sys.stderr)
        manifest["canonical"][name] = OrderedDict(
            (k, g.tensor_entry(v)) for k, v in canonical_state(model, spec["prefix"]).items())

        loaded = type(model).from_pretrained(mdir / "safetensors", attn_implementation="eager",
                                             torch_dtype=torch.float32).eval()
        enc = golden_input(spec, loaded.config)
        outs = run(loaded, enc)
        err = g.max_error(outs, run(loaded, enc, torch.float64), enc["attention_mask"])
        print(f"  {name}: batch {tuple(enc['input_ids'].shape)}, max |f32-f64| = {err:.3g}", file=sys.stderr)
        assert err < float(TOL[0]) / 4
        print(f"  {name}: elements over tolerance per mutation {sensitivity(loaded, enc, outs)}", file=sys.stderr)
        gpath = mdir / "golden.safetensors"
        save_golden(gpath, outs, gen)
        manifest["goldens"][gpath.relative_to(ROOT).as_posix()] = g.golden_entry(gpath)


def save_golden(path: Path, tensors: OrderedDict, gen: str) -> None:
    """generate.py's save_golden, which checks the integer inputs by name (token_type_ids may be absent here)."""
    g.save_golden(path, tensors, *TOL, gen)


def main() -> None:
    manifest = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"), object_pairs_hook=OrderedDict)
    gen = g.versions()
    assert manifest["generator"] == gen, (manifest["generator"], gen)
    generate(manifest, gen)
    g.write_json(ROOT / "manifest.json", manifest)
    total = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    print(f"golden/ is {total / 1e6:.2f} MB", file=sys.stderr)
    assert total < 16_000_000


if __name__ == "__main__":
    main()
