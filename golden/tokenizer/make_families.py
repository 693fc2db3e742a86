#!/usr/bin/env python3
"""Tokenizers of BERT's relatives, with HF's ids and offsets over the WordPiece corpus (golden/tokenizer/KIND/).

For each KIND:
  mpnet/     WordPiece with MPNet's special tokens (<s> </s> <pad> <mask>, [UNK]) and post-processor, as
             MPNetTokenizerFast writes it
  roberta/   byte-level BPE (ByteLevel pre-tokenizer, merges, RobertaProcessing with trim_offsets), as
             RobertaTokenizerFast writes it
  xlmr/      Unigram with the Precompiled (sentencepiece nmt_nfkc) normalizer and Metaspace, as
             XLMRobertaTokenizerFast writes it
the directory holds tokenizer.json, tokenizer_config.json and special_tokens_map.json saved by transformers'
`save_pretrained`, and expected.jsonl.zlib (compressed with zlib at level 9): one line per chosen corpus record, `[corpus index, packed]` from
`tokenizer(a, b, truncation=True[, max_length=n], return_offsets_mapping=True)`: `packed` is make_offsets.py's
`pack` of the integers `id, start - previous end, end - start` for each token in order (offsets delta-coded as
in make_offsets.py). variants.json.zlib holds, per KIND, what other calls give for the first VARIANT_RECORDS
chosen records: `no_specials` (add_special_tokens=False), `batch` (padding=True over 8 texts and pairs: input_ids,
attention_mask) and, for roberta, `prefix_space` (tokenizer_config.json add_prefix_space true, which
RobertaTokenizerFast applies to its pre-tokenizer and post-processor). `normalizers` holds, for the other
normalizers tokenizer.json files use, the xlmr tokenizer with its normalizer replaced by each of NORMALIZERS
(`tokenizers.Tokenizer.encode(a, b)` on every chosen record that is not ASCII: rows as above), and likewise
the older hub forms of OLDER_FORMS and a byte_fallback Unigram (`unigram-byte-fallback`). `specials` holds
`[text, pair, packed]` for SPECIAL_TEXTS (the families' special tokens written in the text), alone and paired. The vocabularies are small (a few thousand tokens) and trained here, deterministically, on the
corpus texts themselves (MPNet's on the Latin ones only, see mpnet(); WordPiece and BPE with `tokenizers`' trainers; the Unigram model with sentencepiece,
which is what makes the precompiled_charsmap real XLM-R files carry). Records are every corpus record whose
texts are at most LONG characters (pairs 2 × LONG), plus the records with a max_length that are at most
LONG_TRUNCATED: over 2,000 records, 200 of them pairs, with every hard class of the corpus.

Run with the golden venv (tokenizers 0.22.2, transformers 4.57.6, sentencepiece):
    python golden/tokenizer/make_families.py [KIND...]
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import zlib
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAYON_NUM_THREADS", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_offsets import delta_code, pack, unpack, write_compressed  # noqa: E402

LONG = 80
LONG_TRUNCATED = 1200
VOCAB = 1000
VARIANT_RECORDS = 300


def records() -> list[dict]:
    return [json.loads(line) for line in (HERE / "corpus.jsonl").read_bytes().split(b"\n") if line]


def chosen(recs) -> list[int]:
    def size(r):
        return len(r["a"]) + len(r.get("b", ""))
    return [i for i, r in enumerate(recs)
            if size(r) <= LONG or ("b" in r and size(r) <= 2 * LONG) or ("max_length" in r and size(r) <= LONG_TRUNCATED)]


def training_text(recs) -> list[str]:
    # Every corpus text, in order: deterministic, and it covers every script the corpus tests.
    return [r["a"] for r in recs] + [r["b"] for r in recs if "b" in r]


VARIANTS: dict = {}

# Normalizers swapped into the xlmr tokenizer.json (label -> JSON), to check their alignments against HF.
NORMALIZERS = {
    "nfkc-lowercase": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}]},
    "nfd-strip": {"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "Strip", "strip_left": True, "strip_right": True}]},
    "nfc-prepend-replace": {"type": "Sequence", "normalizers": [
        {"type": "NFC"}, {"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": "a"}, "content": "AA"}]},
    "nfkd": {"type": "NFKD"},
}


# Older hub files' forms swapped into the xlmr tokenizer.json (label -> changes), checked the same way.
OLDER_FORMS = {
    # xlm-roberta-base as first converted: WhitespaceSplit then Metaspace with the legacy add_prefix_space.
    "legacy-metaspace": {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "WhitespaceSplit"}, {"type": "Metaspace", "replacement": "▁", "add_prefix_space": True}]},
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]}},
    "metaspace-first-nosplit": {"pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first",
                                                  "split": False}},
}


def normalizer_variants(out: Path, recs) -> dict:
    from tokenizers import Tokenizer
    definition = json.loads((out / "tokenizer.json").read_text(encoding="utf-8"))
    result = {}
    forms = {label: {"normalizer": n} for label, n in NORMALIZERS.items()} | OLDER_FORMS
    # byte_fallback: the last 256 pieces (the rarest) become <0x00>…<0xFF>, so the characters they were turn
    # into their bytes' tokens (Llama-style sentencepiece models carry this).
    model = definition["model"]
    vocab = model["vocab"][:-256] + [[f"<0x{b:02X}>", -30.0] for b in range(256)]
    forms["unigram-byte-fallback"] = {"model": dict(model, vocab=vocab, byte_fallback=True)}
    for label, changes in forms.items():
        tok = Tokenizer.from_str(json.dumps(dict(definition, **changes)))
        rows = []
        for i in chosen(recs):
            r = recs[i]
            if (r["a"] + r.get("b", "")).isascii():
                continue  # nothing for a Unicode normalizer to do
            # As transformers calls it: truncation=True (model_max_length 512 or the record's), an empty pair is none.
            tok.enable_truncation(r.get("max_length", 512))
            enc = tok.encode(r["a"], r.get("b") or None)
            values = []
            for token, delta in zip(enc.ids, zip(*[iter(delta_code(enc.offsets))] * 2)):
                values += [token, *delta]
            rows.append([i, pack(values)])
        result[label] = {"changes": changes, "rows": rows}
    return result


def packed_rows(tok, recs, indices, **extra) -> list:
    rows = []
    for i in indices:
        r = recs[i]
        kwargs = {"truncation": True, "return_offsets_mapping": True, **extra}
        if "max_length" in r:
            kwargs["max_length"] = r["max_length"]
        enc = tok(r["a"], r.get("b"), **kwargs)
        values = []
        for token, delta in zip(enc["input_ids"], zip(*[iter(delta_code(enc["offset_mapping"]))] * 2)):
            values += [token, *delta]
        rows.append([i, pack(values)])
    return rows


# Texts holding the families' special tokens, as fill-mask and pair inputs write them.
SPECIAL_TEXTS = [
    "Paris is the <mask> of France.", "Paris is the<mask> of France.", "Paris is the <mask>of France.",
    "<mask>", " <mask> ", "  <mask>  <mask>", "a<mask>b", "The <mask> <mask> sat.", "<s>hello</s>", "<s> hello </s>",
    "hello</s></s>world", "<pad><pad>x", "<unk> is unknown", "x <unk>y", "[UNK] and [MASK] are not special here",
    "<MASK> is not the mask", "< mask >", "<mask", "mask>", "Zürich <mask>!", "日本<mask>語", "\t<mask>\n",
]


def special_rows(tok) -> list:
    rows = []
    for text in SPECIAL_TEXTS:
        for pair in (None, "And <mask> too."):
            enc = tok(text, pair, truncation=True, return_offsets_mapping=True)
            values = []
            for token, delta in zip(enc["input_ids"], zip(*[iter(delta_code(enc["offset_mapping"]))] * 2)):
                values += [token, *delta]
            rows.append([text, pair, pack(values)])
    return rows


def variants(kind: str, tok, recs, prefix_space_tok=None) -> None:
    indices = chosen(recs)[:VARIANT_RECORDS]
    entry = {"no_specials": packed_rows(tok, recs, indices, add_special_tokens=False), "specials": special_rows(tok)}
    texts = [recs[i]["a"] for i in indices[100:108]]
    pairs = [recs[i].get("b", "pair text") for i in indices[100:108]]
    batch = tok(texts, pairs, padding=True, truncation=True)
    entry["batch"] = {"texts": texts, "pairs": pairs, "input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
    if prefix_space_tok is not None:
        entry["prefix_space"] = packed_rows(prefix_space_tok, recs, indices)
    VARIANTS[kind] = entry


def write_expected(tok, out: Path, recs) -> None:
    lines = []
    for i in chosen(recs):
        r = recs[i]
        kwargs = {"truncation": True, "return_offsets_mapping": True}
        if "max_length" in r:
            kwargs["max_length"] = r["max_length"]
        enc = tok(r["a"], r.get("b"), **kwargs)
        values = []
        for token, delta in zip(enc["input_ids"], zip(*[iter(delta_code(enc["offset_mapping"]))] * 2)):
            values += [token, *delta]
        assert unpack(pack(values)) == values
        lines.append(json.dumps([i, pack(values)], separators=(",", ":")))
    write_compressed(out / "expected.jsonl.zlib", "\n".join(lines) + "\n")
    print(f"  {out.name}: {len(lines)} records, {(out / 'expected.jsonl.zlib').stat().st_size / 1e3:.0f} kB", file=sys.stderr)


def reset(kind: str) -> Path:
    out = HERE / kind
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    return out


def keep_only(out: Path, names=("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) -> None:
    for p in out.iterdir():
        if p.name not in names and p.name != "expected.jsonl.zlib":
            p.unlink()
    # transformers writes tokenizer.json indented; the same JSON without indentation is half the size.
    path = out / "tokenizer.json"
    path.write_text(json.dumps(json.loads(path.read_text(encoding="utf-8")), ensure_ascii=False, separators=(",", ":")) + "\n",
                    encoding="utf-8", newline="\n")


def mpnet(recs) -> None:
    from tokenizers import BertWordPieceTokenizer
    from transformers import MPNetTokenizerFast
    out = reset("mpnet")
    trainer = BertWordPieceTokenizer(lowercase=True)
    specials = ["<s>", "<pad>", "</s>", "<unk>", "[UNK]", "<mask>"]
    # Latin texts only: the trainer keeps the 1,000 most frequent characters and breaks ties between equally
    # frequent ones in hash order, so the alphabet must stay under that for the vocabulary to be reproducible.
    latin = [t for t in training_text(recs) if all(ord(c) < 0x250 for c in t)]
    trainer.train_from_iterator(latin, vocab_size=VOCAB, special_tokens=specials, show_progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        trainer.save_model(tmp)
        # The trainer numbers equally frequent pieces in hash order; WordPiece does not depend on the ids, so
        # renumber them (specials first, then sorted) to make the files reproducible.
        vocab_file = Path(tmp) / "vocab.txt"
        tokens = vocab_file.read_text(encoding="utf-8").split("\n")
        rest = sorted(t for t in tokens if t and t not in specials)
        vocab_file.write_text("\n".join(specials + rest) + "\n", encoding="utf-8")
        tok = MPNetTokenizerFast(vocab_file=str(Path(tmp) / "vocab.txt"), do_lower_case=True, model_max_length=512)
        tok.save_pretrained(out)
    keep_only(out)
    tok = MPNetTokenizerFast.from_pretrained(out)
    write_expected(tok, out, recs)
    variants("mpnet", tok, recs)


def roberta(recs) -> None:
    from tokenizers import ByteLevelBPETokenizer
    from transformers import RobertaTokenizerFast
    out = reset("roberta")
    trainer = ByteLevelBPETokenizer()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    trainer.train_from_iterator(training_text(recs), vocab_size=VOCAB, min_frequency=2, special_tokens=specials,
                                show_progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        trainer.save_model(tmp)
        tok = RobertaTokenizerFast(vocab_file=str(Path(tmp) / "vocab.json"), merges_file=str(Path(tmp) / "merges.txt"),
                                   model_max_length=512)
        tok.save_pretrained(out)
    keep_only(out)
    tok = RobertaTokenizerFast.from_pretrained(out)
    write_expected(tok, out, recs)
    variants("roberta", tok, recs, RobertaTokenizerFast.from_pretrained(out, add_prefix_space=True))


def xlmr(recs) -> None:
    import sentencepiece as spm
    from transformers import XLMRobertaTokenizer, XLMRobertaTokenizerFast
    out = reset("xlmr")
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "train.txt"
        text.write_text("\n".join(t.replace("\n", " ") for t in training_text(recs) if t.strip()), encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(text), model_prefix=str(Path(tmp) / "spm"), vocab_size=3 * VOCAB, model_type="unigram",
            character_coverage=0.98, normalization_rule_name="nmt_nfkc", seed_sentencepiece_size=100000,
            num_threads=1, minloglevel=2, max_sentence_length=100000, shuffle_input_sentence=False)
        slow = XLMRobertaTokenizer(vocab_file=str(Path(tmp) / "spm.model"), model_max_length=512)
        tok = XLMRobertaTokenizerFast(vocab_file=str(Path(tmp) / "spm.model"), model_max_length=512, from_slow=True)
        tok.save_pretrained(out)
    keep_only(out)
    tok = XLMRobertaTokenizerFast.from_pretrained(out)
    write_expected(tok, out, recs)
    variants("xlmr", tok, recs)
    VARIANTS["xlmr"]["normalizers"] = normalizer_variants(out, recs)


def main() -> None:
    recs = records()
    kinds = [a for a in sys.argv[1:] if a in ("mpnet", "roberta", "xlmr")] or ["mpnet", "roberta", "xlmr"]
    for kind in kinds:
        {"mpnet": mpnet, "roberta": roberta, "xlmr": xlmr}[kind](recs)
    path = HERE / "variants.json.zlib"
    if sorted(kinds) != sorted(["mpnet", "roberta", "xlmr"]) and path.exists():
        VARIANTS.update({k: v for k, v in json.loads(zlib.decompress(path.read_bytes())).items() if k not in VARIANTS})
    write_compressed(path, json.dumps(VARIANTS, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
