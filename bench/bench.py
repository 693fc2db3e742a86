#!/usr/bin/env python3
"""Runs the benchmarks of `make bench` (bench/run.sh sets up the inputs) and writes BENCHMARKS.md.

Every comparison runs its sides as separate processes in alternation, round after round, the starting side
rotating each round, so load from other work on the machine falls on every side alike; each process starts only
once the machine has been idle for half a second (`QuietGate`, bounded waits). A figure is the median over rounds
(of each process's own median where a process times several runs); the encoder table also gives the best round.
Wall time and peak RSS of a process come from wait4(2)'s rusage.

    bench.py --bin DIR --models DIR --minilm DIR --work DIR --python PY [--rounds 5] [--out BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@dataclass
class Run:
    wall_s: float
    rss_mb: float
    out: str
    err: str

    def value(self, key: str) -> float:
        for line in reversed(self.out.splitlines()):
            if line.startswith(key + "="):
                return float(line.split("=", 1)[1].split()[0])
        raise KeyError(f"{key}= not in output:\n{self.out}\n{self.err}")


def run(cmd: list[str], env: dict | None = None, stdin: Path | None = None, stdout: Path | None = None) -> Run:
    """Runs `cmd` to completion; wall time around fork/exec/wait, peak RSS from the child's own rusage."""
    full_env = dict(os.environ, **(env or {}))
    GATE.wait()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sink = open(stdout, "wb") if stdout else out
        source = open(stdin, "rb") if stdin else subprocess.DEVNULL
        try:
            start = time.perf_counter()
            process = subprocess.Popen(cmd, stdin=source, stdout=sink, stderr=err, env=full_env)
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if stdout:
                sink.close()
            if stdin:
                source.close()
        out.seek(0)
        err.seek(0)
        result = Run(wall, usage.ru_maxrss / 1024, out.read().decode(errors="replace"), err.read().decode(errors="replace"))
    if process.returncode != 0:
        raise SystemExit(f"bench: {' '.join(map(str, cmd))} exited {process.returncode}:\n{result.out}\n{result.err}")
    return result


def cpu_busy(interval: float = 0.5) -> float:
    """The share of all CPUs busy over `interval` seconds (from /proc/stat), other processes included."""
    def sample():
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields), idle
    total0, idle0 = sample()
    time.sleep(interval)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


class QuietGate:
    """Starts each timed run only once the machine has been idle for half a second (other work below
    `threshold` of the CPUs), waiting at most `max_wait` seconds per run and `budget` seconds in all; counts
    the runs that had to start under load anyway."""

    def __init__(self, threshold: float, max_wait: float, budget: float):
        self.threshold, self.max_wait, self.budget = threshold, max_wait, budget
        self.waited = 0.0
        self.runs = 0
        self.loaded = 0

    def wait(self) -> None:
        self.runs += 1
        start = time.perf_counter()
        while True:
            if cpu_busy() < self.threshold:
                break
            if time.perf_counter() - start > self.max_wait or self.waited + time.perf_counter() - start > self.budget:
                self.loaded += 1
                break
        self.waited += time.perf_counter() - start


GATE = QuietGate(threshold=1.0, max_wait=0, budget=0)


def sync() -> None:
    """Flushes dirty pages between runs, so one run's write-back does not land on the next (not timed)."""
    os.sync()


@dataclass
class Series:
    """Samples of one side of one comparison."""
    wall: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    value: list[float] = field(default_factory=list)

    @property
    def wall_ms(self) -> float:
        return statistics.median(self.wall) * 1e3

    @property
    def rss_mb(self) -> float:
        return max(self.rss)

    @property
    def median(self) -> float:
        return statistics.median(self.value)

    @property
    def best(self) -> float:
        return min(self.value)


def is_plain_prose(record) -> bool:
    """ASCII text without very long words (golden/tokenizer/make_corpus.py's rule of the same name)."""
    for text in (record["a"], record.get("b", "")):
        if any(not (0x20 <= ord(ch) <= 0x7E or ch in "\t\n") for ch in text):
            return False
        if any(len(word) > 40 for word in text.split()):
            return False
    return True


def rotated(items: list, round_index: int) -> list:
    k = round_index % len(items)
    return items[k:] + items[:k]


class Bench:
    def __init__(self, args):
        self.args = args
        self.bin = Path(args.bin)
        self.models = Path(args.models)
        self.minilm = Path(args.minilm)
        self.work = Path(args.work)
        self.work.mkdir(parents=True, exist_ok=True)
        self.python = args.python
        self.baseline = Path(args.baseline) if args.baseline else None
        self.rounds = args.rounds
        self.canonical = self.work / "canonical.safetensors"
        self.loads: list[float] = []
        self.results: dict = {}

    def pyside(self, *argv: str) -> list[str]:
        return [self.python, str(HERE / "pyside.py"), *argv]

    def note_load(self) -> None:
        self.loads.append(os.getloadavg()[0])

    def log(self, text: str) -> None:
        print(f"bench: {text}", file=sys.stderr, flush=True)

    # MARK: conversion

    def conversion(self) -> None:
        sources = {
            "safetensors": self.models / "safetensors" / "model.safetensors",
            "bin": self.models / "bin" / "pytorch_model.bin",
            "h5": self.models / "h5" / "tf_model.h5",
        }
        out = self.work / "out.safetensors"
        sides: dict[str, tuple[list[str], dict]] = {}
        for kind, path in sources.items():
            sides[f"bert-convert {kind}"] = ([str(self.bin / "bert-convert"), str(path.parent), "-o", str(out), "--force"], {})
            if self.baseline:
                sides[f"before {kind}"] = ([str(self.baseline / "bert-convert"), str(path.parent), "-o", str(out), "--force"], {})
            sides[f"cp {kind}"] = (["cp", str(path), str(out)], {})
        sides["cp+fsync safetensors"] = (["sh", "-c", 'cp "$0" "$1" && sync "$1"', str(sources["safetensors"]), str(out)], {})
        sides["python safetensors"] = (self.pyside("convert", str(sources["safetensors"]), str(out), "--kind", "safetensors"), {})
        sides["python bin"] = (self.pyside("convert", str(sources["bin"]), str(out), "--kind", "bin"), {})
        series = {name: Series() for name in sides}
        names = list(sides)
        for r in range(self.rounds):
            self.note_load()
            for name in rotated(names, r):
                cmd, env = sides[name]
                out.unlink(missing_ok=True)
                sync()
                result = run(cmd, env)
                series[name].wall.append(result.wall_s)
                series[name].rss.append(result.rss_mb)
                if name.startswith("python"):
                    series[name].value.append(result.value("median_ms"))
            self.log(f"conversion round {r + 1}/{self.rounds}: " + ", ".join(f"{n} {series[n].wall[-1]:.2f} s" for n in names))
        out.unlink(missing_ok=True)
        self.results["conversion"] = series

    # MARK: open

    def open(self) -> None:
        sides = {
            "bert-verify bench --open-only": [str(self.bin / "bert-verify"), "bench", str(self.canonical), "--open-only", "--runs", "50"],
            "python safe_open + get_tensor": self.pyside("open", str(self.canonical), "--runs", "50"),
        }
        series = {name: Series() for name in sides}
        load = Series()
        for r in range(self.rounds):
            self.note_load()
            for name in rotated(list(sides), r):
                result = run(sides[name])
                series[name].value.append(result.value("median_ms"))
                if name.startswith("bert-verify"):
                    load.value.append(result.value("load_ms"))
        series["BertModel.load (ready to run)"] = load
        self.log("open: " + ", ".join(f"{n} {s.median:.2f} ms" for n, s in series.items()))
        self.results["open"] = series

    # MARK: encoder

    def onnx_model(self, name: str, model_dir: Path) -> Path:
        """The model exported to ONNX once per bench work directory (pyside.py export-onnx)."""
        out = self.work / f"{name}.onnx"
        if not out.is_file():
            self.log(f"exporting {model_dir} to {out}")
            subprocess.run(self.pyside("export-onnx", str(model_dir), str(out)), check=True, stdout=subprocess.DEVNULL)
        return out

    def encoder(self) -> None:
        # (model, Swift model, Python model, batch, --lengths, runs). The variable-length batch is 8 sequences of
        # 16…128 real tokens padded to 128: what a real batch of sentences looks like, and where padding matters.
        lengths = ",".join(str(16 * (i + 1)) for i in range(8))
        cases = [
            ("bert-base", self.canonical, self.models / "safetensors", 1, None, 10),
            ("bert-base", self.canonical, self.models / "safetensors", 8, None, 3),
            ("bert-base", self.canonical, self.models / "safetensors", 8, lengths, 3),
            ("all-MiniLM-L6-v2", self.minilm, self.minilm, 1, None, 20),
            ("all-MiniLM-L6-v2", self.minilm, self.minilm, 8, None, 10),
            ("all-MiniLM-L6-v2", self.minilm, self.minilm, 8, lengths, 10),
        ]
        onnx = {"bert-base": (self.onnx_model("bert-base", self.models / "safetensors"), 30522),
                "all-MiniLM-L6-v2": (self.onnx_model("all-MiniLM-L6-v2", self.minilm), 30522)}
        threads = str(self.args.threads)
        results = {}
        for model, swift_model, torch_model, batch, lens, runs in cases:
            shape = ["--seq", "128"] + (["--lengths", lens] if lens else ["--batch", str(batch)])
            onnx_path, vocab = onnx[model]
            sides = {
                "bert-verify": ([str(self.bin / "bert-verify"), "bench", str(swift_model), *shape, "--runs", str(runs)],
                                {"OPENBLAS_NUM_THREADS": threads}),
                "onnxruntime": (self.pyside("ort", str(onnx_path), "--vocab", str(vocab), *shape, "--runs", str(runs),
                                            "--threads", threads), {}),
                "torch eager": (self.pyside("encoder", str(torch_model), "--mode", "eager", *shape,
                                            "--runs", str(runs), "--threads", threads), {}),
                "torch sdpa": (self.pyside("encoder", str(torch_model), "--mode", "sdpa", *shape,
                                           "--runs", str(runs), "--threads", threads), {}),
            }
            if self.baseline:
                sides["before"] = ([str(self.baseline / "bert-verify"), "bench", str(swift_model), *shape,
                                    "--runs", str(runs)], {"OPENBLAS_NUM_THREADS": threads})
            series = {name: Series() for name in sides}
            for r in range(self.rounds):
                self.note_load()
                for name in rotated(list(sides), r):
                    cmd, env = sides[name]
                    result = run(cmd, env)
                    series[name].value.append(result.value("median_ms"))
                    series[name].rss.append(result.rss_mb)
                self.log(f"encoder {model} batch {batch}{' varlen' if lens else ''} round {r + 1}/{self.rounds}: "
                         + ", ".join(f"{n} {s.value[-1]:.1f} ms" for n, s in series.items()))
            results[(model, f"8 × 16–128" if lens else str(batch))] = series
        self.results["encoder"] = results

    # MARK: tokenizer

    def tokenizer(self) -> None:
        corpus = ROOT / "golden" / "tokenizer" / "corpus.jsonl"
        model = ROOT / "golden" / "models" / "minilm"
        records = [json.loads(line) for line in corpus.read_bytes().split(b"\n") if line]  # \n bytes only
        cases = {
            "whole corpus": (records, self.args.tokenizer_repeat),
            "plain ASCII prose subset": ([r for r in records if is_plain_prose(r)], self.args.tokenizer_repeat * 10),
        }
        sides = {
            "bert-verify tokenize": [str(self.bin / "bert-verify"), "tokenize", str(model)],
            "HF BertTokenizerFast": self.pyside("tokenize", str(model)),
        }
        env = {"RAYON_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "OPENBLAS_NUM_THREADS": "1"}
        empty = self.work / "empty.txt"
        empty.write_bytes(b"")
        startup = {name: Series() for name in sides}
        results = {}
        for label, (subset, repeat) in cases.items():
            texts = []
            for record in subset:
                for text in (record["a"], record.get("b")):
                    if text is None:
                        continue
                    try:  # one text per line: its own line breaks become spaces
                        texts.append(text.replace("\r", " ").replace("\n", " ").encode("utf-8"))
                    except UnicodeEncodeError:
                        pass  # a lone surrogate cannot be a line of a UTF-8 file
            data = self.work / "tokenizer-input.txt"
            data.write_bytes(b"".join(t + b"\n" for t in texts) * repeat)
            series = {name: Series() for name in sides}
            outputs = {}
            for r in range(self.rounds):
                self.note_load()
                for name in rotated(list(sides), r):
                    target = self.work / "tokenizer-output.txt"
                    result = run(sides[name], env, stdin=data, stdout=target)
                    series[name].wall.append(result.wall_s)
                    series[name].rss.append(result.rss_mb)
                    outputs[name] = target.read_bytes()
                    target.unlink()
                    startup[name].wall.append(run(sides[name], env, stdin=empty).wall_s)
            a, b = (outputs[n].split(b"\n") for n in sides)
            mismatches = sum(1 for x, y in zip(a, b) if x != y) + abs(len(a) - len(b))
            size = data.stat().st_size
            self.log(f"tokenizer {label}: {len(texts) * repeat} lines, {size / 1e6:.1f} MB, {mismatches} lines differ: "
                     + ", ".join(f"{n} {statistics.median(s.wall):.2f} s" for n, s in series.items()))
            results[label] = (series, len(texts) * repeat, size, mismatches)
            data.unlink()
        self.results["tokenizer"] = (results, startup)

    # MARK: report

    def machine(self) -> dict:
        def text(cmd):
            try:
                return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
            except Exception:
                return "?"
        cpu = "?"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        flags = Path("/proc/cpuinfo").read_text()
        simd = [f for f in ("avx2", "fma", "avx512f", "sha_ni") if f" {f}" in flags]
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
        swift = text(["swift", "--version"]).splitlines()
        blas = run([str(self.bin / "bert-verify"), "bench", str(self.minilm), "--runs", "1"]).out
        blas_line = next((l for l in blas.splitlines() if l.startswith("blas=")), "blas=?")[5:]
        versions = run([self.python, "-c", "import torch, transformers, tokenizers, safetensors, numpy;"
                        "print(torch.__version__, transformers.__version__, tokenizers.__version__,"
                        " safetensors.__version__, numpy.__version__);"
                        "print(torch.backends.mkl.is_available(), torch.backends.mkldnn.is_available(),"
                        " torch.backends.cpu.get_cpu_capability())"], {"USE_TF": "0"}).out.split("\n")
        t = versions[0].split()
        return {
            "cpu": f"{cpu}, {os.cpu_count()} cores ({', '.join(simd)})",
            "memory": f"{mem:.0f} GiB",
            "os": f"{platform.system()} {platform.release()}",
            "swift": swift[0] if swift else "?",
            "blas": blas_line,
            "torch": f"torch {t[0]} (MKL {versions[1].split()[0]}, oneDNN {versions[1].split()[1]}, "
                     f"CPU capability {versions[1].split()[2]}), transformers {t[1]}, tokenizers {t[2]}, "
                     f"safetensors {t[3]}, numpy {t[4]}",
        }

    def write(self, path: Path, machine: dict, started: str, elapsed: float) -> None:
        R = self.results
        lines = ["# Benchmarks", "",
                 "Written by `make bench` (bench/run.sh → bench/bench.py); do not edit by hand — the notes at the end "
                 "come from bench/NOTES.md.", "",
                 "## Machine", "",
                 f"- CPU: {machine['cpu']}; memory {machine['memory']}; {machine['os']}",
                 f"- {machine['swift']}; BLAS: {machine['blas']}",
                 f"- Python side: {machine['torch']}",
                 f"- Run {started}, {elapsed / 60:.1f} min, {self.rounds} rounds per comparison. Load average (1 min) "
                 f"seen at the start of each round: median {statistics.median(self.loads):.2f}, "
                 f"min {min(self.loads):.2f}, max {max(self.loads):.2f} (other work was running; every side of a "
                 "comparison alternates with the others, so it shares the load).",
                 f"- Before each timed process the harness waited for the machine to be idle (other work below "
                 f"{self.args.quiet_threshold:.0%} of the CPUs for 0.5 s; at most {self.args.quiet_wait:.0f} s per run, "
                 f"{self.args.quiet_budget:.0f} s in all): it waited {GATE.waited / 60:.1f} min in all, and {GATE.loaded} of "
                 f"{GATE.runs} processes started under load anyway. Load can still arrive during a run.",
                 "", "Every figure is a median over rounds; ratios are ours ÷ theirs (below 1 is faster). Where a "
                 "column says *best round*, it is the minimum over rounds of each side: the closest to an idle machine.",
                 ""]
        targets = []

        if "encoder" in R:
            lines += ["## Encoder forward pass (seq 128, float32, 2 threads)", "",
                      "`bert-verify bench MODEL --seq 128 --batch B` (or `--lengths`) against ONNX Runtime "
                      "(`torch.onnx.export` opset 17 of the same model, ORT_ENABLE_ALL, 2 intra-op threads) and "
                      "transformers' `BertFor…` under `torch.inference_mode()` with `torch.set_num_threads(2)`, eager "
                      "and sdpa attention, on the same synthetic ids and masks; each process warms up once, then times "
                      "its runs. *8 × 16–128* is eight sequences of 16, 32, …, 128 real tokens padded to 128. Peak RSS "
                      "in MB after each time.", "",
                      "| model | batch | bert-verify ms (MB) | onnxruntime ms (MB) | torch eager ms (MB) | torch sdpa ms (MB) "
                      "| ratio to onnxruntime | best round: ours / ORT | ratio to torch's best mode |"
                      + (f" {self.args.baseline_label} ms (ratio to ORT) |" if self.baseline else ""),
                      "|---|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if self.baseline else "")]
            for (model, batch), s in R["encoder"].items():
                ours = s["bert-verify"].median
                ort_ms = s["onnxruntime"].median
                best = min(s["torch eager"].median, s["torch sdpa"].median)
                before = f" {s['before'].median:.1f} ({s['before'].median / ort_ms:.2f}×) |" if "before" in s else ""
                cell = lambda name: f"{s[name].median:.1f} ({s[name].rss_mb:.0f})"
                lines.append(f"| {model} | {batch} | {cell('bert-verify')} | {cell('onnxruntime')} | {cell('torch eager')} "
                             f"| {cell('torch sdpa')} | **{ours / ort_ms:.2f}×** "
                             f"| {s['bert-verify'].best:.1f} / {s['onnxruntime'].best:.1f} = {s['bert-verify'].best / s['onnxruntime'].best:.2f}× "
                             f"| {ours / best:.2f}× |{before}")
                if model == "bert-base":
                    limit = 0.7 if "×" in batch else 0.9
                    targets.append((f"encoder bert-base seq 128 batch {batch} ≤ {limit}× onnxruntime", ours / ort_ms <= limit,
                                    f"{ours / ort_ms:.2f}×"))
            lines.append("")

        if "conversion" in R:
            s = R["conversion"]
            lines += ["## Conversion of the bert-base classifier (438 MB, float32)", "",
                      "Whole-process wall time and peak RSS (warm page cache; the output is deleted and `sync` run "
                      "before each run). bert-convert writes the canonical file, computes its SHA-256 and fsyncs it; "
                      "`cp` and the Python path do neither (`cp+fsync` shows what durability costs). The Python path "
                      "is `torch.load(weights_only=True)` or `safetensors.torch.load_file`, then `save_file`; "
                      "its in-process time (imports excluded) is given too.", "",
                      "| source | bert-convert s | RSS MB | cp s | ratio to cp | Python s (in-process) | Python RSS MB | ratio to Python |"
                      + (f" {self.args.baseline_label} s, RSS MB |" if self.baseline else ""),
                      "|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if self.baseline else "")]
            for kind in ("safetensors", "bin", "h5"):
                ours = s[f"bert-convert {kind}"]
                cp = s[f"cp {kind}"]
                py = s.get(f"python {kind}")
                py_cell = f"{py.wall_ms / 1e3:.2f} ({py.median / 1e3:.2f})" if py else "—"
                py_rss = f"{py.rss_mb:.0f}" if py else "—"
                py_ratio = f"**{ours.wall_ms / py.wall_ms:.2f}×** ({ours.wall_ms / py.median:.2f}× in-process)" if py else "—"
                old = s.get(f"before {kind}")
                before = f" {old.wall_ms / 1e3:.2f}, {old.rss_mb:.0f} |" if old else ""
                lines.append(f"| {kind} | {ours.wall_ms / 1e3:.2f} | {ours.rss_mb:.0f} | {cp.wall_ms / 1e3:.2f} "
                             f"| **{ours.wall_ms / cp.wall_ms:.2f}×** | {py_cell} | {py_rss} | {py_ratio} |{before}")
                targets.append((f"conversion from {kind}: peak RSS ≤ 128 MB", ours.rss_mb <= 128, f"{ours.rss_mb:.0f} MB"))
                fsync = s["cp+fsync safetensors"]
                limit = 2.0 if kind == "h5" else 1.2
                targets.append((f"conversion from {kind} ≤ {limit}× cp+fsync", ours.wall_ms <= limit * fsync.wall_ms,
                                f"{ours.wall_ms / fsync.wall_ms:.2f}×"))
                if py:
                    targets.append((f"conversion from {kind} ≥ 2× faster than Python (whole process)", 2 * ours.wall_ms <= py.wall_ms,
                                    f"{py.wall_ms / ours.wall_ms:.2f}× faster"))
            c = s["cp+fsync safetensors"]
            lines += ["", f"`cp+fsync` of model.safetensors: {c.wall_ms / 1e3:.2f} s.", ""]

        if "open" in R:
            s = R["open"]
            lines += ["## Opening a canonical file", "",
                      "In-process medians of 50 opens per process: map the file, validate the header, reach every "
                      "tensor's bytes by name (201 tensors).", "",
                      "| what | ms |", "|---|---:|"]
            for name, series in s.items():
                lines.append(f"| {name} | {series.median:.2f} |")
            ours = s["bert-verify bench --open-only"].median
            targets.append(("open a canonical file and resolve every tensor ≤ 5 ms", ours <= 5, f"{ours:.2f} ms"))
            lines.append("")

        if "tokenizer" in R:
            results, startup = R["tokenizer"]
            lines += ["## Tokenizer (all-MiniLM-L6-v2's tokenizer.json, one thread)", "",
                      "golden/tokenizer/corpus.jsonl's texts, one per line, repeated, through `bert-verify tokenize "
                      "golden/models/minilm` and through the same program written with HF's fast tokenizer "
                      "(`BertTokenizerFast`, `encode_batch` with `RAYON_NUM_THREADS=1`, truncation to model_max_length, "
                      "the same JSON arrays out; bench/pyside.py). Both outputs are compared line by line. Throughput "
                      "excludes start-up, measured as the same process on empty input "
                      + ", ".join(f"{n} {statistics.median(s.wall):.2f} s" for n, s in startup.items()) + ". "
                      "The whole corpus holds adversarial texts (52,000-character words, every Unicode class); the "
                      "plain prose subset is make_corpus.py's `is_plain_prose`.", "",
                      "| input | tokenizer | lines | MB | wall s | MB/s | differing lines | RSS MB | ratio to HF |",
                      "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
            for label, (series, count, size, mismatches) in results.items():
                rates = {}
                for name, s in series.items():
                    busy = statistics.median(s.wall) - statistics.median(startup[name].wall)
                    rates[name] = size / 1e6 / max(busy, 1e-9)
                names = list(series)
                for name, s in series.items():
                    ratio = f"**{rates[names[0]] / rates[names[1]]:.1f}× faster**" if name == names[0] else ""
                    lines.append(f"| {label} | {name} | {count:,} | {size / 1e6:.1f} | {statistics.median(s.wall):.2f} "
                                 f"| {rates[name]:.1f} | {mismatches} | {s.rss_mb:.0f} | {ratio} |")
            lines.append("")

        if targets:
            lines += ["## Targets (issues #8 and #18)", "", "| target | measured | holds |", "|---|---:|:---:|"]
            for name, ok, value in targets:
                lines.append(f"| {name} | {value} | {'yes' if ok else '**no**'} |")
            lines.append("")
        notes = HERE / "NOTES.md"
        if notes.is_file():
            lines += [notes.read_text().rstrip(), ""]
        path.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="directory with release bert-convert and bert-verify")
    parser.add_argument("--models", required=True, help="bench/make_models.py's output")
    parser.add_argument("--minilm", required=True, help="all-MiniLM-L6-v2 model directory")
    parser.add_argument("--work", required=True, help="scratch directory for outputs")
    parser.add_argument("--python", required=True, help="the pinned venv's python")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quiet-threshold", type=float, default=0.15,
                        help="start a run only when other work uses less than this share of the CPUs")
    parser.add_argument("--quiet-wait", type=float, default=60, help="longest wait for a quiet machine per run, s")
    parser.add_argument("--quiet-budget", type=float, default=1200, help="longest total wait, s")
    parser.add_argument("--baseline", help="release binaries of an earlier commit, run as one more side (a 'before' column)")
    parser.add_argument("--baseline-label", default="before")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokenizer-repeat", type=int, default=4)
    parser.add_argument("--only", default="conversion,open,encoder,tokenizer")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    if args.rounds < 5:
        print("bench: fewer than 5 rounds; the medians are indicative only", file=sys.stderr)

    global GATE
    GATE = QuietGate(args.quiet_threshold, args.quiet_wait, args.quiet_budget)
    bench = Bench(args)
    started = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    t0 = time.perf_counter()
    run([str(bench.bin / "bert-convert"), str(bench.models / "safetensors"), "-o", str(bench.canonical), "--force"])
    machine = bench.machine()
    for part in args.only.split(","):
        getattr(bench, part)()
    bench.write(Path(args.out), machine, started, time.perf_counter() - t0)
    print(f"bench: wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
