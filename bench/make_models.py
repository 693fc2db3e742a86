#!/usr/bin/env python3
"""Creates the benchmark checkpoints for `make bench` (bench/run.sh), outside git.

A bert-base-size BertForSequenceClassification (hidden 768, 12 layers, 12 heads, intermediate 3072, vocab 30522,
2 labels: 109.5 M parameters, 438 MB in float32) with seeded random weights, saved three ways, each directory
with its config.json:

    OUT/safetensors/model.safetensors   transformers save_pretrained(safe_serialization=True)
    OUT/bin/pytorch_model.bin           save_pretrained(safe_serialization=False): torch's zip format
    OUT/h5/tf_model.h5                  TFBertForSequenceClassification(from_pt=True).save_pretrained

OUT defaults to ~/.cache/bertweights/bench/models. A `STAMP` file records this script's hash and the library
versions; when it matches, nothing is rebuilt. Run with the pinned venv (bench/requirements.txt).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

SEED = 20240801


def stamp() -> str:
    import safetensors
    import tensorflow
    import torch
    import transformers

    script = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return json.dumps({"script": script, "torch": torch.__version__, "transformers": transformers.__version__,
                       "tensorflow": tensorflow.__version__, "safetensors": safetensors.__version__}, sort_keys=True)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path.home() / ".cache/bertweights/bench/models")
    expected = stamp()
    if (out / "STAMP").is_file() and (out / "STAMP").read_text() == expected:
        print(out)
        return

    import torch
    import transformers
    from transformers import BertConfig, BertForSequenceClassification, TFBertForSequenceClassification

    transformers.logging.set_verbosity_error()
    torch.manual_seed(SEED)
    config = BertConfig(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                        intermediate_size=3072, hidden_act="gelu", max_position_embeddings=512, type_vocab_size=2,
                        num_labels=2, architectures=["BertForSequenceClassification"])
    model = BertForSequenceClassification(config).eval()
    params = sum(p.numel() for p in model.parameters())
    print(f"make_models: bert-base-size classifier, {params / 1e6:.1f} M parameters", file=sys.stderr)

    if out.exists():
        shutil.rmtree(out)
    staging = out.with_name(out.name + ".tmp")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    model.save_pretrained(staging / "safetensors", safe_serialization=True)
    model.save_pretrained(staging / "bin", safe_serialization=False)
    tf_model = TFBertForSequenceClassification.from_pretrained(staging / "bin", from_pt=True)
    tf_model.save_pretrained(staging / "h5")
    for variant, name in (("safetensors", "model.safetensors"), ("bin", "pytorch_model.bin"), ("h5", "tf_model.h5")):
        path = staging / variant / name
        assert path.is_file() and (staging / variant / "config.json").is_file(), path
        print(f"make_models: {variant}/{name} {path.stat().st_size / 1e6:.1f} MB", file=sys.stderr)
    (staging / "STAMP").write_text(expected)
    staging.rename(out)
    print(out)


if __name__ == "__main__":
    main()
