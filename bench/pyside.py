#!/usr/bin/env python3
"""The Python side of `make bench`: one task per process, started by bench/bench.py in alternation with the Swift
tools. Each prints `key=value` lines on stdout, the last one `median_ms=…` where a time is measured in-process.

    pyside.py encoder MODEL_DIR --mode eager|sdpa [--batch 1] [--seq 128] [--runs 10] [--threads 2] [--lengths n,n,…]
    pyside.py export-onnx MODEL_DIR OUT.onnx
    pyside.py ort MODEL.onnx [--batch 1] [--seq 128] [--runs 10] [--threads 2] [--lengths n,n,…]
    pyside.py convert SOURCE DEST --kind bin|safetensors
    pyside.py tokenize MODEL_DIR  < lines > id-arrays
    pyside.py open FILE [--runs 50]

Run with the pinned virtualenv (bench/requirements.txt).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("USE_TF", "0")  # transformers would otherwise import TensorFlow at start-up
os.environ.setdefault("USE_TORCH", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAYON_NUM_THREADS", "1")


def synthetic_ids(batch: int, seq: int, vocab: int, type_vocab: int):
    """The ids and token types `bert-verify bench` uses (Sources/bert-verify/Bench.swift), row-major."""
    ids = [min(101, vocab - 1) if t % seq == 0 else (t * 7919 + 1000) % vocab for t in range(batch * seq)]
    types = [0 if t % seq < seq // 2 else min(1, type_vocab - 1) for t in range(batch * seq)]
    return ids, types


def batch_inputs(args, vocab: int, type_vocab: int):
    """ids, token types and attention mask as lists of rows: --lengths gives each row's real tokens (right padding)."""
    lengths = [int(n) for n in args.lengths.split(",")] if args.lengths else [args.seq] * args.batch
    ids, types = synthetic_ids(len(lengths), args.seq, vocab, type_vocab)
    rows = lambda flat: [flat[b * args.seq:(b + 1) * args.seq] for b in range(len(lengths))]
    mask = [[1 if s < n else 0 for s in range(args.seq)] for n in lengths]
    return rows(ids), rows(types), mask


def encoder(args) -> None:
    """Warm-up, then `runs` timed forward passes under inference_mode, as `bert-verify bench` times its own."""
    import torch
    import transformers

    transformers.logging.set_verbosity_error()
    torch.set_num_threads(args.threads)
    config = transformers.AutoConfig.from_pretrained(args.model)
    architecture = (config.architectures or ["BertModel"])[0]
    model_class = getattr(transformers, architecture, transformers.BertModel)
    model = model_class.from_pretrained(args.model, attn_implementation=args.mode, torch_dtype=torch.float32).eval()
    ids, types, mask = batch_inputs(args, config.vocab_size, config.type_vocab_size)
    inputs = {
        "input_ids": torch.tensor(ids),
        "token_type_ids": torch.tensor(types),
        "attention_mask": torch.tensor(mask),
    }
    times = []
    with torch.inference_mode():
        model(**inputs)
        for _ in range(args.runs):
            start = time.perf_counter()
            model(**inputs)
            times.append((time.perf_counter() - start) * 1e3)
    print(f"model={args.model}")
    print(f"torch={torch.__version__} transformers={transformers.__version__} architecture={architecture} "
          f"attn_implementation={model.config._attn_implementation} threads={torch.get_num_threads()}")
    print("times_ms=" + ",".join(f"{t:.3f}" for t in times))
    print(f"median_ms={statistics.median(times):.3f}")


def export_onnx(args) -> None:
    """The model as ONNX (opset 17, dynamic batch and sequence, eager attention), the way a user exporting it for
    ONNX Runtime would with torch.onnx.export; written to a temporary name and renamed."""
    import torch
    import transformers

    transformers.logging.set_verbosity_error()
    config = transformers.AutoConfig.from_pretrained(args.model)
    architecture = (config.architectures or ["BertModel"])[0]
    model_class = getattr(transformers, architecture, transformers.BertModel)
    model = model_class.from_pretrained(args.model, attn_implementation="eager", torch_dtype=torch.float32).eval()
    ids, types = synthetic_ids(1, 16, config.vocab_size, config.type_vocab_size)
    sample = (torch.tensor([ids]), torch.ones(1, 16, dtype=torch.long), torch.tensor([types]))
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    tmp = args.out + ".tmp"
    torch.onnx.export(model, sample, tmp, input_names=names, output_names=["output"], dynamic_axes=axes,
                      opset_version=17, dynamo=False)
    os.replace(tmp, args.out)
    print(f"onnx={args.out}")


def ort(args) -> None:
    """ONNX Runtime on the exported model: ORT_ENABLE_ALL, `threads` intra-op threads, the same inputs."""
    import numpy as np
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    vocab = int(args.vocab)
    ids, types, mask = batch_inputs(args, vocab, 2)
    inputs = {"input_ids": np.array(ids, dtype=np.int64), "attention_mask": np.array(mask, dtype=np.int64),
              "token_type_ids": np.array(types, dtype=np.int64)}
    session.run(None, inputs)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        session.run(None, inputs)
        times.append((time.perf_counter() - start) * 1e3)
    print(f"model={args.model}")
    print(f"onnxruntime={onnxruntime.__version__} threads={args.threads}")
    print("times_ms=" + ",".join(f"{t:.3f}" for t in times))
    print(f"median_ms={statistics.median(times):.3f}")


def convert(args) -> None:
    """The Python path: torch.load(weights_only=True) or safetensors load_file, then safetensors save_file."""
    import torch
    from safetensors.torch import load_file, save_file

    start = time.perf_counter()
    if args.kind == "bin":
        state = torch.load(args.source, map_location="cpu", weights_only=True)
    else:
        state = load_file(args.source)
    loaded = time.perf_counter()
    save_file({k: v.contiguous() for k, v in state.items()}, args.dest, metadata={"format": "pt"})
    saved = time.perf_counter()
    print(f"load_ms={(loaded - start) * 1e3:.3f}")
    print(f"save_ms={(saved - loaded) * 1e3:.3f}")
    print(f"median_ms={(saved - start) * 1e3:.3f}")


def tokenize(args) -> None:
    """`bert-verify tokenize MODEL_DIR` with HF's fast tokenizer on one thread: stdin split on '\\n' (a trailing
    '\\r' dropped, as Swift's readLine does), one JSON array of ids per line on stdout. Times to stderr."""
    from transformers import BertTokenizerFast

    start = time.perf_counter()
    tokenizer = BertTokenizerFast.from_pretrained(args.model)
    backend = tokenizer.backend_tokenizer
    backend.no_padding()
    backend.enable_truncation(tokenizer.model_max_length)
    loaded = time.perf_counter()
    data = sys.stdin.buffer.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    texts = [(line[:-1] if line.endswith(b"\r") else line).decode("utf-8", errors="replace") for line in lines]
    encoded = backend.encode_batch(texts)
    tokenized = time.perf_counter()
    out = "".join("[" + ",".join(map(str, e.ids)) + "]\n" for e in encoded)
    sys.stdout.write(out)
    sys.stdout.flush()
    print(f"load_ms={(loaded - start) * 1e3:.3f} encode_ms={(tokenized - loaded) * 1e3:.3f} "
          f"lines={len(texts)}", file=sys.stderr)


def open_file(args) -> None:
    """safetensors.safe_open + get_tensor of every tensor (torch views of the mapping), timed in-process."""
    from safetensors import safe_open

    times = []
    for run in range(args.runs + 1):
        start = time.perf_counter()
        with safe_open(args.file, framework="pt") as f:
            tensors = {name: f.get_tensor(name) for name in f.keys()}
        elapsed = (time.perf_counter() - start) * 1e3
        if run > 0:
            times.append(elapsed)
        del tensors
    print(f"median_ms={statistics.median(times):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="task", required=True)
    p = sub.add_parser("encoder")
    p.add_argument("model")
    p.add_argument("--mode", choices=["eager", "sdpa"], required=True)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lengths")
    p.set_defaults(run=encoder)
    p = sub.add_parser("export-onnx")
    p.add_argument("model")
    p.add_argument("out")
    p.set_defaults(run=export_onnx)
    p = sub.add_parser("ort")
    p.add_argument("model")
    p.add_argument("--vocab", required=True)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lengths")
    p.set_defaults(run=ort)
    p = sub.add_parser("convert")
    p.add_argument("source")
    p.add_argument("dest")
    p.add_argument("--kind", choices=["bin", "safetensors"], required=True)
    p.set_defaults(run=convert)
    p = sub.add_parser("tokenize")
    p.add_argument("model")
    p.set_defaults(run=tokenize)
    p = sub.add_parser("open")
    p.add_argument("file")
    p.add_argument("--runs", type=int, default=50)
    p.set_defaults(run=open_file)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
