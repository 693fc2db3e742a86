#!/usr/bin/env python3
"""Generates Sources/BERT/Tokenizer/UnicodeTables.swift: the character classes HuggingFace `tokenizers`
uses in BertNormalizer and BertPreTokenizer, one entry per code point.

Why not Swift's (or Python's) Unicode properties: `tokenizers` mixes three Unicode versions.
  * `unicode_categories` (old, ~Unicode 8) decides control characters (`is_other`: Cc, Cf, Co — not Cn),
    non-spacing marks dropped by strip_accents (`is_mark_nonspacing`) and punctuation (`is_punctuation`);
  * `unicode-normalization-alignments` (~Unicode 9) does NFD and canonical ordering;
  * Rust's `core` (~Unicode 16) does `char::is_whitespace` and `char::to_lowercase`.
Python 3.11's unicodedata is Unicode 14 and Swift's tables are newer still, so each would disagree somewhere
(e.g. U+1734 is Mc today but is dropped as Mn; ~380 marks added after Unicode 8 are kept; U+A7CB lowercases).
So every table below is read off the pinned `tokenizers` itself, one code point at a time, through its
public normalizers and pre-tokenizers. Only the canonical combining class *values* come from unicodedata
(they never change once assigned); *which* characters the NFD crate reorders is probed.

The script then re-implements the Swift algorithm in Python from the emitted tables and checks it against
`tokenizers` on random strings built from the interesting characters (marks, ccc≠0 survivors, CJK, controls…).

Run with the golden venv (`golden/generate.sh` does it through make_corpus.py):
    python golden/tokenizer/make_unicode_tables.py
"""
from __future__ import annotations

import random
import sys
import unicodedata
from pathlib import Path

import tokenizers
from tokenizers import AddedToken, Tokenizer, normalizers, pre_tokenizers
from tokenizers.models import WordLevel

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Sources" / "BERT" / "Tokenizer" / "UnicodeTables.swift"

# Flag bits — keep in sync with `UnicodeProperties` in CharacterClasses.swift.
CLEAN_REMOVE = 1 << 0   # clean_text drops it (NUL, U+FFFD, Cc/Cf/Co of unicode_categories except \t \n \r)
CLEAN_SPACE = 1 << 1    # clean_text maps it to " " (\t \n \r and char::is_whitespace, unless dropped)
CHINESE = 1 << 2        # handle_chinese_chars puts spaces around it
DECOMPOSES = 1 << 3     # NFD changes it (Hangul syllables included; decomposed algorithmically)
REORDERS = 1 << 4       # non-zero canonical combining class known to the NFD crate
NONSPACING = 1 << 5     # strip_accents drops it (is_mark_nonspacing of unicode_categories)
LOWERCASES = 1 << 6     # char::to_lowercase changes it
WHITESPACE = 1 << 7     # BertPreTokenizer splits on it and drops it (char::is_whitespace)
PUNCTUATION = 1 << 8    # BertPreTokenizer isolates it (ASCII punctuation or is_punctuation)
WORD = 1 << 9           # regex \w (added tokens' single_word)
REGEX_SPACE = 1 << 10   # regex \s (added tokens' lstrip / rstrip)

SBASE, LCOUNT, VCOUNT, TCOUNT = 0xAC00, 19, 21, 28
NCOUNT = VCOUNT * TCOUNT
SCOUNT = LCOUNT * NCOUNT


def code_points():
    return [c for c in range(0x110000) if not 0xD800 <= c < 0xE000]


def bert(clean=False, chinese=False, strip=False, lower=False):
    return normalizers.BertNormalizer(clean_text=clean, handle_chinese_chars=chinese,
                                      strip_accents=strip, lowercase=lower).normalize_str


def hangul_nfd(c: int) -> list[int]:
    s = c - SBASE
    out = [0x1100 + s // NCOUNT, 0x1161 + (s % NCOUNT) // TCOUNT]
    if s % TCOUNT:
        out.append(0x11A7 + s % TCOUNT)
    return out


def probe():
    cps = code_points()
    clean, chinese, strip, lower = bert(clean=True), bert(chinese=True), bert(strip=True), bert(lower=True)
    nfd = normalizers.NFD().normalize_str
    pre = pre_tokenizers.BertPreTokenizer().pre_tokenize_str
    flags = dict.fromkeys(cps, 0)
    decomp: dict[int, list[int]] = {}
    lowercase: dict[int, list[int]] = {}
    for c in cps:
        ch = chr(c)
        f = 0
        r = clean(ch)
        if r == "":
            f |= CLEAN_REMOVE
        elif r == " " and ch != " ":
            f |= CLEAN_SPACE
        else:
            assert r == ch, hex(c)
        if chinese(ch) != ch:
            assert chinese(ch) == f" {ch} ", hex(c)
            f |= CHINESE
        d = nfd(ch)
        if d != ch:
            f |= DECOMPOSES
            if not SBASE <= c < SBASE + SCOUNT:
                decomp[c] = [ord(x) for x in d]
            else:
                assert [ord(x) for x in d] == hangul_nfd(c), hex(c)
        elif strip(ch) == "":
            f |= NONSPACING
        lo = lower(ch)
        if lo != ch:
            f |= LOWERCASES
            lowercase[c] = [ord(x) for x in lo]
        pieces = [p for p, _ in pre("a" + ch + "b")]
        if pieces == ["a", "b"]:
            f |= WHITESPACE
        elif pieces == ["a", ch, "b"]:
            f |= PUNCTUATION
        else:
            assert pieces == ["a" + ch + "b"], (hex(c), pieces)
        flags[c] = f
    # Which characters the NFD crate reorders: a ccc≠0 character moves before U+0301 (ccc 230) when its class
    # is below 230, and after U+0334 (ccc 1) when above 1. Decomposing characters are covered by their parts.
    ccc: dict[int, int] = {}
    for c in cps:
        if flags[c] & DECOMPOSES:
            continue
        ch = chr(c)
        if nfd("a\u0301" + ch) != "a\u0301" + ch or nfd("a" + ch + "\u0334") != "a" + ch + "\u0334":
            value = unicodedata.combining(ch)
            assert value != 0, hex(c)
            ccc[c] = value
            flags[c] |= REORDERS
    # Check the class values against pairs of every class the crate knows.
    by_class = {}
    for c, v in ccc.items():
        by_class.setdefault(v, c)
    for v1, c1 in by_class.items():
        for v2, c2 in by_class.items():
            got = nfd("a" + chr(c1) + chr(c2))
            want = "a" + (chr(c2) + chr(c1) if v2 < v1 else chr(c1) + chr(c2))
            assert got == want, (hex(c1), hex(c2))
    probe_added_token_classes(cps, flags)
    return flags, decomp, lowercase, ccc


def probe_added_token_classes(cps, flags):
    """\\w and \\s as the `regex` crate inside AddedVocabulary sees them (single_word, lstrip/rstrip)."""
    def tokenizer(**options):
        tok = Tokenizer(WordLevel({"[UNK]": 0, "<m>": 1}, unk_token="[UNK]"))
        tok.add_tokens([AddedToken("<m>", normalized=False, **options)])
        return tok
    word, space = tokenizer(single_word=True), tokenizer(lstrip=True)
    texts = [chr(c) + "<m>" for c in cps]
    for c, enc in zip(cps, word.encode_batch(texts, add_special_tokens=False)):
        if enc.ids == [0]:
            flags[c] |= WORD
        else:
            assert enc.ids == [0, 1], hex(c)
    texts = ["x" + chr(c) + "<m>" for c in cps]
    for c, enc in zip(cps, space.encode_batch(texts, add_special_tokens=False)):
        if enc.offsets[-1][0] == 1:
            flags[c] |= REGEX_SPACE


# MARK: - A Python model of the Swift algorithm, checked against tokenizers

def simulate(text, flags, decomp, lowercase, ccc, *, clean=True, chinese=True, strip=True, lower=True):
    """Normalize + pre-tokenize exactly as BertNormalizer.swift does, from the tables only."""
    words, word, pending = [], [], []

    def classify(c):
        f = flags[c]
        if f & WHITESPACE:
            if word:
                words.append("".join(word)); word.clear()
        elif f & PUNCTUATION:
            if word:
                words.append("".join(word)); word.clear()
            words.append(chr(c))
        else:
            word.append(chr(c))

    def lower_emit(c):
        if lower and flags[c] & LOWERCASES:
            for x in lowercase[c]:
                classify(x)
        else:
            classify(c)

    def flush():
        for x in sorted(pending, key=lambda x: ccc[x]):  # stable
            lower_emit(x)
        pending.clear()

    def decomposed(c):
        f = flags[c]
        if not strip:
            lower_emit(c)
            return
        parts = (hangul_nfd(c) if SBASE <= c < SBASE + SCOUNT else decomp[c]) if f & DECOMPOSES else [c]
        for p in parts:
            pf = flags[p]
            if pf & REORDERS:
                if not pf & NONSPACING:
                    pending.append(p)
            else:
                flush()
                if not pf & NONSPACING:
                    lower_emit(p)

    for ch in text:
        c = ord(ch)
        f = flags[c]
        if clean:
            if f & CLEAN_REMOVE:
                continue
            if f & CLEAN_SPACE:
                c, f = 0x20, flags[0x20]
        if chinese and f & CHINESE:
            decomposed(0x20); decomposed(c); decomposed(0x20)
        else:
            decomposed(c)
    flush()
    if word:
        words.append("".join(word))
    return words


def self_check(flags, decomp, lowercase, ccc, rounds=20000):
    rng = random.Random(7)
    interesting = [c for c, f in flags.items() if f & (REORDERS | NONSPACING | DECOMPOSES | LOWERCASES | CLEAN_REMOVE
                                                      | CLEAN_SPACE | CHINESE | PUNCTUATION | WHITESPACE)]
    survivors = [c for c in ccc if not flags[c] & NONSPACING]
    pool = interesting + survivors * 20 + list(range(0x20, 0x7F)) * 10 + [0x300, 0x301, 0x316, 0x334, 0x130, 0x3A3]
    pre = pre_tokenizers.BertPreTokenizer()
    configs = [dict(clean=True, chinese=True, strip=True, lower=True), dict(clean=True, chinese=True, strip=False, lower=False),
               dict(clean=False, chinese=False, strip=True, lower=False), dict(clean=True, chinese=False, strip=False, lower=True)]
    for i in range(rounds):
        text = "".join(chr(rng.choice(pool)) for _ in range(rng.randint(1, 12)))
        cfg = configs[i % len(configs)]
        want = [p for p, _ in pre.pre_tokenize_str(bert(**cfg)(text))]
        got = simulate(text, flags, decomp, lowercase, ccc, **cfg)
        assert got == want, (text.encode("unicode_escape"), cfg, got, want)


# MARK: - Swift output

def ranges(flags):
    out, start, cur = [], 0, flags[0]
    cps = sorted(flags)
    prev = 0
    for c in cps[1:]:
        if flags[c] != cur or c != prev + 1:
            out.append((start, prev, cur))
            start, cur = c, flags[c]
        prev = c
    out.append((start, prev, cur))
    return [r for r in out if r[2]]


def wrap(text, width=112):
    """Lines of at most `width` characters, broken after a `;`."""
    lines, line = [], ""
    for item in text.split(";"):
        if line and len(line) + len(item) + 1 > width:
            lines.append(line)
            line = ""
        line += item + ";"
    lines.append(line.rstrip(";"))
    return "\n".join("    " + line for line in lines)


def swift_source(flags, decomp, lowercase, ccc):
    prop = ";".join(f"{a:X}-{b:X}:{f:X}" if a != b else f"{a:X}:{f:X}" for a, b, f in ranges(flags))
    dec = ";".join(f"{c:X}>" + " ".join(f"{x:X}" for x in v) for c, v in sorted(decomp.items()))
    low = ";".join(f"{c:X}>" + " ".join(f"{x:X}" for x in v) for c, v in sorted(lowercase.items()))
    cc = ";".join(f"{c:X}={v:X}" for c, v in sorted(ccc.items()))
    head = (f"// Generated by golden/tokenizer/make_unicode_tables.py from tokenizers {tokenizers.__version__} "
            f"(unicodedata {unicodedata.unidata_version} for ccc values). Do not edit.\n")

    def literal(name, doc, body):
        return f"  /// {doc}\n  static let {name}: StaticString = \"\"\"\n{wrap(body)}\n    \"\"\"\n"

    return (head + "\n/// Character classes of HuggingFace `tokenizers`' BertNormalizer and BertPreTokenizer, read off the library\n"
            "/// one code point at a time (see the generator for why not Swift's own Unicode properties).\n"
            "enum UnicodeTables {\n"
            f"  static let source = \"tokenizers {tokenizers.__version__}\"\n\n"
            + literal("properties", "`first-last:flags` (hex, `;`-separated; line breaks are insignificant): the `UnicodeProperties` of each range.", prop) + "\n"
            + literal("decompositions", "`cp>parts` (hex): full canonical decomposition (NFD) of each non-Hangul character that has one.", dec) + "\n"
            + literal("lowercase", "`cp>parts` (hex): `char::to_lowercase` of each character it changes.", low) + "\n"
            + literal("combiningClasses", "`cp=class` (hex): canonical combining class of each character the NFD crate reorders.", cc)
            + "}\n")


def main() -> dict[int, int]:
    """Writes the Swift tables; returns the flags of every code point."""
    flags, decomp, lowercase, ccc = probe()
    self_check(flags, decomp, lowercase, ccc)
    OUT.write_text(swift_source(flags, decomp, lowercase, ccc), encoding="utf-8")
    print(f"  unicode tables: {len(ranges(flags))} ranges, {len(decomp)} decompositions, {len(lowercase)} lowercase "
          f"mappings, {len(ccc)} combining classes -> {OUT.relative_to(ROOT)}", file=sys.stderr)
    return flags


if __name__ == "__main__":
    main()
