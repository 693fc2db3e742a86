#!/usr/bin/env python3
"""Token offsets HuggingFace's fast BertTokenizer gives for golden/tokenizer/corpus.jsonl.

Writes, next to this file, offsets-NAME.jsonl.zlib (the text below, compressed with zlib at level 9) for the
configurations of make_corpus.py (uncased, cased,
lowercase-keep-accents, added): one line per record of ids-NAME.jsonl.zlib, in the same order, holding
`offset_mapping` of `tokenizer(a, b, truncation=True[, max_length=n], return_offsets_mapping=True)`
delta-coded and packed to keep the files small: for the tokens in order, `start - previous end, end - start`
(the previous end of the first token is 0), so [(0,0),(0,5),(6,11),(0,0)] is [0,0, 0,5, 1,5, -11,0]; then
`pack` writes those integers as one JSON string (see there). The offsets
are Unicode scalar (Python str) indices into the record's own text (the pair's into the pair); special tokens
have (0,0). The `added` rows start with their corpus index, as in ids-added.jsonl.zlib. A `cased` or
`lowercase-keep-accents` line is `null` where its offsets equal the `uncased` line's (most of them).

Run with the golden venv after make_corpus.py (it reads the committed corpus.jsonl and leaves every other file
as it is):
    python golden/tokenizer/make_offsets.py
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import zlib
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from transformers import BertTokenizerFast  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_corpus  # noqa: E402


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def pack(values) -> str:
    """Integers as text: each zigzag-coded (n >= 0 -> 2n, n < 0 -> -2n-1), then written 5 bits at a time, low bits
    first, as characters of ALPHABET (base64url order) whose value has bit 32 set when more groups follow."""
    out = []
    for v in values:
        z = 2 * v if v >= 0 else -2 * v - 1
        while True:
            group, z = z & 31, z >> 5
            out.append(ALPHABET[group | (32 if z else 0)])
            if not z:
                break
    return "".join(out)


def unpack(text: str) -> list[int]:
    values, z, shift = [], 0, 0
    for ch in text:
        d = ALPHABET.index(ch)
        z |= (d & 31) << shift
        shift += 5
        if not d & 32:
            values.append(z // 2 if z % 2 == 0 else -(z + 1) // 2)
            z, shift = 0, 0
    return values


def write_compressed(path: Path, text: str) -> None:
    path.write_bytes(zlib.compress(text.encode("utf-8"), 9))


def delta_code(offsets) -> list[int]:
    out, previous = [], 0
    for start, end in offsets:
        out += [start - previous, end - start]
        previous = end
    return out


def offsets(tok, record) -> list[int]:
    kwargs = {"truncation": True, "return_offsets_mapping": True}
    if "max_length" in record:
        kwargs["max_length"] = record["max_length"]
    enc = tok(record["a"], record.get("b"), **kwargs)
    return enc["input_ids"], delta_code(enc["offset_mapping"])


def main() -> None:
    records = [json.loads(line) for line in (HERE / "corpus.jsonl").read_bytes().split(b"\n") if line]
    with tempfile.TemporaryDirectory() as tmp:
        dirs = make_corpus.make_dirs(Path(tmp))
        for name in ("uncased", "cased", "lowercase-keep-accents", "added"):
            fast = BertTokenizerFast.from_pretrained(dirs[name]["json"])
            ids_text = zlib.decompress((HERE / f"ids-{name}.jsonl.zlib").read_bytes())
            expected_ids = [json.loads(line) for line in ids_text.split(b"\n") if line]
            lines = []
            if name == "uncased":
                uncased = lines
            for n, row in enumerate(expected_ids):
                i = row[0] if name == "added" else n
                ids, coded = offsets(fast, records[i])
                assert ids == (row[1] if name == "added" else row[0]), (name, i)
                assert unpack(pack(coded)) == coded
                line = json.dumps([i, pack(coded)] if name == "added" else pack(coded), separators=(",", ":"))
                if name in ("cased", "lowercase-keep-accents") and line == uncased[n]:
                    line = "null"
                lines.append(line)
            write_compressed(HERE / f"offsets-{name}.jsonl.zlib", "\n".join(lines) + "\n")
            print(f"  tokenizer offsets: {name}: {len(lines)} records", file=sys.stderr)


if __name__ == "__main__":
    main()
