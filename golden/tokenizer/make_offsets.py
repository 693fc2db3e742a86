#!/usr/bin/env python3
"""Token offsets HuggingFace's fast BertTokenizer gives for golden/tokenizer/corpus.jsonl.

Writes, next to this file, offsets-NAME.jsonl for the configurations of make_corpus.py (uncased, cased,
lowercase-keep-accents, added): one line per record of ids-NAME.jsonl, in the same order, holding
`offset_mapping` of `tokenizer(a, b, truncation=True[, max_length=n], return_offsets_mapping=True)`
delta-coded to keep the files small: for the tokens in order, `start - previous end, end - start` (the
previous end of the first token is 0). So [(0,0),(0,5),(6,11),(0,0)] is [0,0, 0,5, 1,5, -11,0]. The offsets
are Unicode scalar (Python str) indices into the record's own text (the pair's into the pair); special tokens
have (0,0). The `added` rows start with their corpus index, as in ids-added.jsonl. A `cased` or
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
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from transformers import BertTokenizerFast  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_corpus  # noqa: E402


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
            expected_ids = [json.loads(line) for line in (HERE / f"ids-{name}.jsonl").read_bytes().split(b"\n") if line]
            lines = []
            if name == "uncased":
                uncased = lines
            for n, row in enumerate(expected_ids):
                i = row[0] if name == "added" else n
                ids, coded = offsets(fast, records[i])
                assert ids == (row[1] if name == "added" else row[0]), (name, i)
                line = json.dumps([i] + coded if name == "added" else coded, separators=(",", ":"))
                if name in ("cased", "lowercase-keep-accents") and line == uncased[n]:
                    line = "null"
                lines.append(line)
            (HERE / f"offsets-{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
            print(f"  tokenizer offsets: {name}: {len(lines)} records", file=sys.stderr)


if __name__ == "__main__":
    main()
