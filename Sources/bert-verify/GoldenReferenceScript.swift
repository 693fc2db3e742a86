// The reference side of `bert-verify golden`, run in Python (see ReferencePython.swift). Embedded in the binary
// so an installed bert-verify needs no resource files; `bert-verify golden --print-script` prints it.
enum GoldenReferenceScript {
  static let source = #"""
# The reference side of `bert-verify golden` (docs/GOLDEN.md, "Making a golden for your model").
# Run by bert-verify in its pinned environment as `python -I golden_reference.py REQUEST.json`; REQUEST names the
# model directory, the tokenizer directory, the texts, the tolerances and the output path. Writes one golden
# (safetensors, docs/GOLDEN.md format) and prints one JSON line describing it. Any failure: one line on stderr
# starting "error: ", exit 2; exit 3 when transformers cannot load the weights directory as it is (bert-verify
# then converts the checkpoint with its own converter and asks again). Keras .h5 weights are read with h5py and
# mapped by transformers' own TF 2.0 -> PyTorch names, without TensorFlow.
#
# The model is untrusted: nothing is unpickled except through torch.load(weights_only=True), no remote code is
# trusted, nothing is downloaded, and a modules.json may only name sentence_transformers classes.
import inspect
import json
import os
import struct
import sys


def fail(message, code=2):
    sys.stderr.write("error: " + " ".join(str(message).split()) + "\n")
    sys.exit(code)


try:
    import numpy as np
    import safetensors
    import torch
    import transformers
except ImportError as e:
    fail(f"the reference Python lacks {e.name} (it needs torch, transformers, safetensors and numpy)")

# Every torch.load in this process (transformers, sentence-transformers) goes through the weights-only unpickler.
_torch_load = torch.load


def _weights_only_load(*args, **kwargs):
    kwargs["weights_only"] = True
    return _torch_load(*args, **kwargs)


torch.load = _weights_only_load

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
HEAD_OUTPUTS = {
    "ForSequenceClassification": ("logits",),
    "ForTokenClassification": ("logits",),
    "ForQuestionAnswering": ("start_logits", "end_logits"),
}


def versions(with_st):
    parts = [f"transformers {transformers.__version__}", f"torch {torch.__version__}"]
    if with_st:
        import sentence_transformers

        parts.append(f"sentence-transformers {sentence_transformers.__version__}")
    import tokenizers

    parts += [f"tokenizers {tokenizers.__version__}", f"safetensors {safetensors.__version__}",
              f"numpy {np.__version__}", f"python {sys.version.split()[0]}"]
    return "; ".join(parts)


def model_class(config):
    names = list(getattr(config, "architectures", None) or [])
    for name in names:
        name = name[2:] if name.startswith("TF") else name  # TF-saved configs name the TF class
        cls = getattr(transformers, name, None)
        if isinstance(cls, type) and issubclass(cls, transformers.PreTrainedModel):
            return cls
    if names:
        fail(f"config.json names architectures {names}, which transformers {transformers.__version__} does not have")
    return transformers.AutoModel


def load_model(weights_dir, cls):
    try:
        model, info = cls.from_pretrained(
            weights_dir, output_loading_info=True, attn_implementation="eager", dtype=torch.float32,
            trust_remote_code=False, local_files_only=True, use_safetensors=None)
    except Exception as e:  # noqa: BLE001 - any loading failure: let bert-verify convert the weights first
        fail(f"transformers cannot load {weights_dir}: {type(e).__name__}: {e}", code=3)
    bad = {k: v for k, v in info.items() if k in ("missing_keys", "unexpected_keys", "mismatched_keys") and v}
    if bad:
        fail(f"transformers loads {weights_dir} with {json.dumps({k: sorted(map(str, v))[:5] for k, v in bad.items()})}", code=3)
    return model.to(torch.float32).eval()


def h5_model(weights_dir, cls, config):
    """The Keras .h5 weights (tf_model.h5, or the shards of tf_model.h5.index.json) read with h5py as Keras lays
    them out, mapped onto the PyTorch class by transformers' own TF 2.0 -> PyTorch name mapping; no TensorFlow."""
    try:
        import h5py
        from transformers.modeling_tf_pytorch_utils import (convert_tf_weight_name_to_pt_weight_name,
                                                            load_tf2_state_dict_in_pytorch_model)
    except ImportError as e:
        fail(f"reading Keras .h5 weights needs {e.name}", code=3)

    def decode(name):
        return name.decode("utf-8") if isinstance(name, bytes) else str(name)

    weights = {}
    try:
        index = os.path.join(weights_dir, "tf_model.h5.index.json")
        if os.path.exists(index):  # shards: flat dataset paths, the model-name level dropped
            with open(index, encoding="utf-8") as f:
                shards = sorted(set(json.load(f)["weight_map"].values()))
            for shard in shards:
                if os.path.basename(shard) != shard:
                    fail(f"{index} names shard {shard!r} outside its directory")
                with h5py.File(os.path.join(weights_dir, shard), "r") as f:
                    for name in f.attrs["layer_names"]:
                        weights["model/" + decode(name)] = np.asarray(f[decode(name)][()], dtype=np.float32)
        else:  # one file: layer groups listing their weights' full TF names
            with h5py.File(os.path.join(weights_dir, "tf_model.h5"), "r") as f:
                for layer in f.attrs["layer_names"]:
                    group = f[decode(layer)]
                    for name in group.attrs.get("weight_names", []):
                        weights[decode(name)] = np.asarray(group[decode(name)][()], dtype=np.float32)
    except (OSError, KeyError, ValueError) as e:
        fail(f"cannot read the Keras weights in {weights_dir}: {type(e).__name__}: {e}", code=3)

    torch.manual_seed(0)
    model = cls._from_config(config, attn_implementation="eager", dtype=torch.float32)
    model, info = load_tf2_state_dict_in_pytorch_model(model, weights, allow_missing_keys=True, output_loading_info=True)
    model.tie_weights()
    tied = set(getattr(model, "_tied_weights_keys", None) or [])
    missing = [k for k in info["missing_keys"] if not any(k == t or k.endswith("." + t) for t in tied)]
    names = set(dict(model.named_parameters(remove_duplicate=False))) | set(dict(model.named_buffers()))
    prefix = "" if any(n.startswith(model.base_model_prefix) for n in names) else model.base_model_prefix + "."
    unused = [n for n, w in weights.items()
              if convert_tf_weight_name_to_pt_weight_name(n, start_prefix_to_remove=prefix, tf_weight_shape=w.shape)[0] not in names]
    if missing or unused:
        fail(f"the Keras weights in {weights_dir} do not fit {cls.__name__}: missing {missing[:5]}, unused {unused[:5]}", code=3)
    return model.to(torch.float32).eval()


def encode(tokenizer, texts, max_length):
    rows = []
    for t in texts:
        a, b = (t, None) if isinstance(t, str) else (t[0], t[1])
        rows.append(tokenizer(a, b, truncation=True, max_length=max_length))
    s = max(len(r["input_ids"]) for r in rows)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    enc = {k: torch.zeros((len(rows), s), dtype=torch.int64) for k in INPUTS}
    enc["input_ids"].fill_(pad)
    for i, r in enumerate(rows):
        n = len(r["input_ids"])
        enc["input_ids"][i, :n] = torch.tensor(r["input_ids"], dtype=torch.int64)
        enc["attention_mask"][i, :n] = torch.tensor(r.get("attention_mask", [1] * n), dtype=torch.int64)
        if "token_type_ids" in r:
            enc["token_type_ids"][i, :n] = torch.tensor(r["token_type_ids"], dtype=torch.int64)
    return enc


def sentence_transformer(model_dir, weights_dir):
    """The SentenceTransformer of model_dir (its modules.json), its Transformer module reading weights_dir."""
    with open(os.path.join(model_dir, "modules.json"), encoding="utf-8") as f:
        modules = json.load(f)
    if not isinstance(modules, list):
        fail(f"{model_dir}/modules.json is not a list of modules")
    for m in modules:
        kind = m.get("type", "") if isinstance(m, dict) else ""
        if not (isinstance(kind, str) and kind.startswith("sentence_transformers.")):
            fail(f"{model_dir}/modules.json names module type {kind!r}; only sentence_transformers classes are loaded")
    if weights_dir != model_dir:  # the converted weights beside the sentence-transformers files
        import shutil

        for name in ("modules.json", "sentence_bert_config.json", "config_sentence_transformers.json"):
            if os.path.exists(os.path.join(model_dir, name)):
                shutil.copy(os.path.join(model_dir, name), weights_dir)
        for m in modules:
            path = m.get("path", "")
            if path and os.path.isdir(os.path.join(model_dir, path)):
                shutil.copytree(os.path.join(model_dir, path), os.path.join(weights_dir, path), dirs_exist_ok=True)
    try:
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(weights_dir, device="cpu", trust_remote_code=False, local_files_only=True,
                                 model_kwargs={"attn_implementation": "eager", "dtype": torch.float32})
    except ImportError as e:
        fail(f"{model_dir} has a modules.json and the reference Python lacks {e.name}")
    except Exception as e:  # noqa: BLE001 - e.g. Keras weights only: bert-verify converts them and asks again
        fail(f"sentence-transformers cannot load {weights_dir}: {type(e).__name__}: {e}", code=3)
    return st.to(torch.float32).eval()


def save_golden(path, tensors, meta):
    """Tensors in docs/GOLDEN.md order, metadata keys sorted: the same inputs give the same bytes."""
    header = {"__metadata__": dict(sorted(meta.items()))}
    blobs, offset = [], 0
    for k, v in tensors.items():
        v = v.detach().contiguous()
        dtype = "I64" if k in INPUTS else "F32"
        assert v.dtype == (torch.int64 if dtype == "I64" else torch.float32), k
        b = v.numpy().astype("<i8" if dtype == "I64" else "<f4").tobytes()
        header[k] = {"dtype": dtype, "shape": list(v.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
        f.flush()
        os.fsync(f.fileno())


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        req = json.load(f)
    model_dir, weights_dir, texts = req["model_dir"], req["weights_dir"], req["texts"]
    torch.manual_seed(0)
    torch.set_grad_enabled(False)

    try:
        config = transformers.AutoConfig.from_pretrained(weights_dir, trust_remote_code=False, local_files_only=True)
    except Exception as e:  # noqa: BLE001
        fail(f"transformers cannot read {weights_dir}/config.json: {type(e).__name__}: {e}")
    cls = model_class(config)
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(req["tokenizer_dir"], trust_remote_code=False,
                                                               local_files_only=True)
    except Exception as e:  # noqa: BLE001
        fail(f"transformers cannot load a tokenizer from {req['tokenizer_dir']}: {type(e).__name__}: {e}")
    limit = tokenizer.model_max_length if tokenizer.model_max_length < 1_000_000 else config.max_position_embeddings
    limit = min(limit, getattr(config, "max_position_embeddings", limit))
    use_st = os.path.exists(os.path.join(model_dir, "modules.json"))
    st = sentence_transformer(model_dir, weights_dir) if use_st else None
    if st is not None and st.max_seq_length:  # the pipeline truncates at its own max_seq_length
        limit = min(limit, st.max_seq_length)
    enc = encode(tokenizer, texts, limit)

    model = h5_model(weights_dir, cls, config) if req.get("keras") else load_model(weights_dir, cls)
    base = model.base_model
    out = dict((k, enc[k]) for k in INPUTS)
    # token_type_ids go only to models that take them (DistilBERT does not); the golden stores them anyway (zeros).
    accepted = inspect.signature(base.forward).parameters
    args = {k: v for k, v in enc.items() if k in accepted}
    o = base(**args, output_hidden_states=True, return_dict=True)
    out["last_hidden_state"] = o.last_hidden_state
    if req["hidden_states"]:
        for i, h in enumerate(o.hidden_states):
            out[f"hidden_states.{i}"] = h
    if getattr(o, "pooler_output", None) is not None:
        out["pooler_output"] = o.pooler_output
    names = next((v for k, v in HEAD_OUTPUTS.items() if cls.__name__.endswith(k)), ())
    if names:
        head = model(**{k: v for k, v in enc.items() if k in inspect.signature(model.forward).parameters}, return_dict=True)
        for name in names:
            out[name] = getattr(head, name)

    if st is not None:  # the pipeline's outputs on the same ids (docs/GOLDEN.md, sentence-transformers goldens)
        features = {k: v for k, v in enc.items() if k != "token_type_ids" or "token_type_ids" in tokenizer.model_input_names}
        pipeline = st(features)
        out["token_embeddings"] = pipeline["token_embeddings"]
        out["sentence_embedding"] = pipeline["sentence_embedding"]

    for k, v in out.items():
        if k not in INPUTS and not torch.isfinite(v).all():
            fail(f"the reference output {k} is not finite: the model's weights give NaN or infinity")
    reference = f"{cls.__name__} (transformers, float32, eager attention)"
    if use_st:
        reference += "; token_embeddings and sentence_embedding by the sentence-transformers pipeline of modules.json"
    meta = {"atol": req["atol"], "rtol": req["rtol"], "generator": versions(use_st) + "; " + req["tool"],
            "texts": json.dumps(texts, ensure_ascii=False), "reference": reference,
            "tokenizer": type(tokenizer).__name__, "weights": req["weights_note"]}
    save_golden(req["output"], out, meta)
    print(json.dumps({"outputs": [k for k in out if k not in INPUTS], "shape": list(enc["input_ids"].shape),
                      "reference": reference, "tokenizer": type(tokenizer).__name__, "generator": meta["generator"]}))


if __name__ == "__main__":
    main()
"""#
}
