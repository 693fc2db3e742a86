#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target from the committed fixtures (golden/models, golden/hostile) and the
fuzz regression inputs (golden/hostile/fuzz/<target>/).

usage: fuzz/seeds.py OUT_DIR   -> OUT_DIR/<target>/<seed files>
"""
import hashlib
import json
import pathlib
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden"
LEGACY_MAGIC = bytes([0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19])
# Seeds larger than this only slow the fuzzer down (libFuzzer's -max_len follows the largest seed).
MAX_SEED = 128 * 1024


def files(pattern):
    return sorted(p for p in GOLDEN.glob(pattern) if p.is_file() and p.stat().st_size <= MAX_SEED)


def small_tokenizer(path, keep=160):
    """tokenizer.json with its vocabulary cut to the first `keep` entries plus every special token."""
    data = json.loads(path.read_text())
    vocab = data["model"]["vocab"]
    special = {t["content"] for t in data.get("added_tokens", [])}
    kept = {token: i for i, (token, _) in enumerate(sorted(vocab.items(), key=lambda kv: kv[1])) if i < keep}
    for token in special:
        kept.setdefault(token, len(kept))
    data["model"]["vocab"] = kept
    ids = {token: i for token, i in kept.items()}
    for t in data.get("added_tokens", []):
        t["id"] = ids[t["content"]]
    post = data.get("post_processor") or {}
    for name, entry in (post.get("special_tokens") or {}).items():
        entry["ids"] = [ids.get(name, 0)]
    return json.dumps(data, ensure_ascii=False).encode()


def seeds():
    out = {name: [] for name in ("safetensors", "unpickler", "zip", "index", "config", "tokenizer", "hdf5")}
    out["safetensors"] += [p.read_bytes() for p in files("models/**/*.safetensors")]
    for p in files("models/**/*.bin") + files("hostile/**/*.bin"):
        data = p.read_bytes()
        if data.startswith(LEGACY_MAGIC):
            out["unpickler"].append(data)
        elif data.startswith(b"PK\x03\x04"):
            out["zip"].append(data)
            with zipfile.ZipFile(p) as archive:
                for name in archive.namelist():
                    if name.endswith("/data.pkl"):
                        out["unpickler"].append(archive.read(name))
    # The safetensors reference's own cases and their variations (issue 17), as files.
    cases = GOLDEN.parent / "Tests" / "SafeTensorsTests" / "ReferenceCases" / "reference-cases.txt"
    if cases.is_file():
        for line in cases.read_text().splitlines():
            fields = line.split("\t")
            if len(fields) == 4 and fields[2] == "F" and len(fields[3]) <= 1 << 17:
                out["safetensors"].append(bytes.fromhex(fields[3]))
    out["hdf5"] += [p.read_bytes() for p in files("models/**/*.h5") if p.stat().st_size <= 1 << 20]
    out["index"] += [p.read_bytes() for p in files("models/**/*.index.json")]
    out["config"] += [p.read_bytes() for p in files("models/**/config.json") + files("**/tokenizer_config.json")]
    for p in sorted(GOLDEN.glob("**/tokenizer.json")):
        out["tokenizer"].append(small_tokenizer(p))
    for target in out:
        regressions = GOLDEN / "hostile" / "fuzz" / target
        if regressions.is_dir():
            out[target] += [p.read_bytes() for p in sorted(regressions.iterdir()) if p.is_file()]
    return out


def main():
    root = pathlib.Path(sys.argv[1])
    for target, items in seeds().items():
        directory = root / target
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.iterdir():
            old.unlink()
        for data in items:
            (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)
        print(f"{target}: {len(set(map(bytes, items)))} seeds")


if __name__ == "__main__":
    main()
