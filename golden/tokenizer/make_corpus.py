#!/usr/bin/env python3
"""Tokenizer corpus and the ids HuggingFace's fast BertTokenizer gives for it (golden/tokenizer/).

Writes, next to this file:
  corpus.jsonl        one record per line: {"a": text} or {"a": text, "b": pair}, optionally "max_length": n
                      (otherwise transformers' truncation=True default, model_max_length = 512). Split lines on
                      "\n" only: the texts hold raw U+2028, U+0085… (JSON escapes only \n and \r).
  ids-uncased.jsonl.zlib   (each ids file is zlib-compressed JSON lines, level 9) per record [input_ids, number of token_type_id 0 tokens], all-MiniLM-L6-v2 as published
                      (golden/models/minilm: lowercase, strip accents)
  ids-cased.jsonl.zlib     the same vocabulary with lowercase and strip_accents off (golden/tokenizer/cased/)
  ids-lowercase-keep-accents.jsonl.zlib   lowercase on, strip_accents false (MiniLM + tokenizer_config.json change)
  ids-added.jsonl.zlib     MiniLM plus the extra added tokens of added-tokens.json (normalized, lstrip/rstrip,
                      single_word), for the records that mention them: [corpus index, input_ids, zeros]
  added-tokens.json   those extra tokens, to append to MiniLM's tokenizer.json `added_tokens`
  batches.json        padded batches (right; and left padding + left truncation): input_ids, token_type_ids,
                      attention_mask as transformers' tokenizer(texts, pairs, padding=True, truncation=True) gives
  cased/              tokenizer.json (normalizer lowercase=false, strip_accents=false) + tokenizer_config.json

Every id comes from `BertTokenizerFast.from_pretrained(dir)(a, b, truncation=True[, max_length=n])`. The script
also checks that loading from vocab.txt + tokenizer_config.json (transformers converts the slow tokenizer)
gives the same ids for every configuration, and that a cased tokenizer.json *without* tokenizer_config.json is
lowercased by transformers (BertTokenizerFast's do_lower_case=True default wins over the file).

It first regenerates Sources/BERT/Tokenizer/UnicodeTables.swift (make_unicode_tables.py). Run by
golden/generate.py (`make goldens`), or alone with the golden venv:
    python golden/tokenizer/make_corpus.py [--bench]
--bench also prints HF's single-thread throughput over the corpus; --bench-only does just that, over the
committed corpus.jsonl.
"""
from __future__ import annotations

import copy
import io
import inspect
import json
import os
import random
import shutil
import sys
import tempfile
import time
import unicodedata
import zlib
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAYON_NUM_THREADS", "1")

import transformers  # noqa: E402
from transformers import BertTokenizerFast  # noqa: E402

HERE = Path(__file__).resolve().parent
GOLDEN = HERE.parent
MINILM = GOLDEN / "models" / "minilm"
sys.path.insert(0, str(HERE))
import make_unicode_tables  # noqa: E402

SEED = 20240607
MAX_CHARS = 100  # WordPiece max_input_chars_per_word

# Extra added tokens for the "added" configuration: appended to MiniLM's tokenizer.json `added_tokens`.
EXTRA_ADDED_TOKENS = [
    {"id": 30522, "content": "<ent>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": False},
    {"id": 30523, "content": "New York", "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": False},
    {"id": 30524, "content": "<pad_l>", "single_word": False, "lstrip": True, "rstrip": True, "normalized": False, "special": True},
    {"id": 30525, "content": "zz", "single_word": True, "lstrip": False, "rstrip": False, "normalized": False, "special": False},
    {"id": 30526, "content": "北京", "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": False},
    {"id": 30527, "content": "[MASK]x", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": False},
]


# MARK: - Corpus

def stdlib_prose(rng: random.Random) -> list[str]:
    """Sentences and paragraphs from the docstrings of Python's standard library (real English prose)."""
    import argparse, collections, csv, datetime, decimal, difflib, email, fractions, functools, heapq  # noqa: E401
    import http.client, itertools, json as json_mod, logging, pathlib, pickle, re, shutil as sh, statistics  # noqa: E401
    import string, subprocess, textwrap, threading, typing, unittest, urllib.parse, zipfile  # noqa: E401
    modules = [argparse, collections, csv, datetime, decimal, difflib, email, fractions, functools, heapq, http.client,
               itertools, json_mod, logging, pathlib, pickle, re, sh, statistics, string, subprocess, textwrap,
               threading, typing, unittest, urllib.parse, zipfile]
    docs = []
    for module in modules:
        for name, obj in sorted(vars(module).items()):
            doc = inspect.getdoc(obj) if not name.startswith("_") else None
            if doc and len(doc) > 40 and doc not in docs:
                docs.append(doc)
    sentences, paragraphs = [], []
    for doc in docs:
        for para in doc.split("\n\n"):
            para = " ".join(para.split())
            if 20 <= len(para) <= 600:
                paragraphs.append(para)
            for s in para.replace("? ", "?\n").replace(". ", ".\n").replace("! ", "!\n").split("\n"):
                if 15 <= len(s) <= 300:
                    sentences.append(s)
    rng.shuffle(sentences)
    rng.shuffle(paragraphs)
    return sentences[:520] + paragraphs[:200]


def long_prose(rng: random.Random, words: int) -> str:
    """A long text (for truncation): docstrings glued together up to `words` words."""
    import collections, decimal, typing, unittest  # noqa: E401
    pool = []
    for module in (collections, decimal, typing, unittest):
        for name, obj in sorted(vars(module).items()):
            doc = inspect.getdoc(obj)
            if doc and not name.startswith("_"):
                pool.extend(doc.split())
    start = rng.randrange(len(pool) - words - 1)
    return " ".join(pool[start:start + words])


HANDWRITTEN = [
    "Hello, world!", "The quick brown fox jumps over the lazy dog.", "A man is playing a guitar.",
    "I'm twenty-three; my café is naïve.", "Don't stop believin'.", "e.g. i.e. etc. U.S.A. Ph.D.",
    "It costs $3.50 (or €3,20) — cheap!", "Email me at john.doe@example.com or visit https://example.org/path?q=1&r=2#frag",
    "C++ and C# are languages; so is F#.", "#hashtag @mention ##ing ###", "50% of 1/2 is 1/4; 3.14159 ≈ π",
    "\"Quoted\" and 'single' and `back` and «guillemets» and „Gänsefüßchen“ and “curly” ‘quotes’",
    "Mr. O'Neil's dog-eared book—it's 'well-read'.", "Tab\tseparated\tvalues\nand new lines\r\nand CR\r.",
    "Unaffable unbelievably antidisestablishmentarianism supercalifragilisticexpialidocious",
    "UPPER CASE TEXT AND MiXeD cAsE tExT", "snake_case camelCase PascalCase kebab-case SCREAMING_SNAKE",
    "x=1; y=[1,2,3]; print(f'{x+y[0]}')", "<html><body class=\"x\">Hi &amp; bye</body></html>",
    "1,000,000 1.000.000 1 000 000 10^6 1e6 0x1F 0b1010 ½ ¾ ² ³ ① ⅷ", "Ünïcödé Çàfé Ñandú Øresund Ærø Þingvellir ßtraße",
    "İstanbul ıIiİ Iı", "ΣΊΣΥΦΟΣ σίσυφος ΌΣΟΣ", "ǅungla ǈeto ǋuna ǲ", "ﬁne ﬂow ﬀ ﬃ ﬄ ﬅ ﬆ", "Ⅻ ⅻ Ⓐ ⓐ 🄰",
    "ℌℑℜℨ ℂℕℙℚℝℤ K Å Ω", "ǰ ΐ ΰ և ẖ ẗ ẘ ẙ ẚ ŉ", "ﬓ ﬔ ﬕ ﬖ ﬗ", "ᾈ ᾉ ᾼ ῌ ῼ", "Ａｂｃ　ＤＥＦ　１２３",
    "ｶﾀｶﾅ ﾊﾝｶｸ ｯ ｰ", "[CLS] [SEP] [MASK] [UNK] [PAD]", "hello [MASK] world", "[mask] [Mask] [ MASK ]",
    "x[MASK]y[SEP]z", "[MASK][MASK][MASK]", "[[MASK]]", "[MAS K] [MASK", "MASK]", "[CLS]", "[SEP][SEP]",
    "The [MASK] sat on the [MASK].", "<ent> New York <ent>", "new york <ENT> NEW YORK", "zz zzz azz zz.zz _zz zz_",
    "a<pad_l>b  <pad_l>  c\t<pad_l>\td", "北京欢迎你 北京 北 京", "[MASK]x [MASK]xy x[MASK]x",
]


def added_token_texts() -> list[str]:
    """Texts around the extra added tokens (EXTRA_ADDED_TOKENS) and the special ones."""
    out = []
    for token in ("<ent>", "<ENT>", "New York", "new york", "NEW YORK", "Néw Yörk", "new  york", "new\tyork", "北京", "北 京",
                  "<pad_l>", "zz", "ZZ", "[MASK]x", "[MASK]", "[mask]x"):
        for fmt in ("{t}", "a{t}b", "a {t} b", " {t} ", "{t}{t}", "{t} {t}", "({t})", "x_{t}", "{t}_x", "1{t}2", "é{t}",
                    "{t}é", "日{t}本", "😀{t}😀", "a\u0301{t}", "{t}\u0301", "\t{t}\t", "\u3000{t}\u00a0", "\u200b{t}\u200b",
                    "a  \t {t}  \n b"):
            out.append(fmt.format(t=token))
    out += ["<pad_l><pad_l>", "<pad_l> <pad_l>", "a<pad_l> <pad_l>b", "zz,zz;zz", "zz-zz", "zz'zz", "zz\u2019s",
            "[MASK]x[MASK]", "[MASK][MASK]x", "<ent><ent>New York<ent>", "in New York, New York", "北京北京", "我在北京。"]
    return out


def long_words() -> list[str]:
    out = []
    for n in (1, 2, 98, 99, 100, 101, 102, 150, 200, 500, 2000):
        out.append("a" * n)
        out.append("x " + "b" * n + " y")
        out.append(("ab" * n)[:n])
        out.append(("é" * n))                     # 100 é: 100 characters either way
        out.append(("e\u0301" * (n // 2 + 1))[: n + (n % 2)])  # decomposed: twice the characters before stripping
        out.append("İ" * n)                        # lowercases to two characters when accents are kept
        out.append("ß" * n)
        out.append("日" * n)                        # CJK: one word per character
        out.append("한" * n)                        # Hangul: 2-3 jamo per syllable after NFD
        out.append("😀" * n)
        out.append("Supercalifragilistic"[: n % 20] + "x" * n)
    # Exactly around the limit, with punctuation and accents around
    for n in (99, 100, 101):
        out.append(f"({'Z' * n})")
        out.append("Ab" * (n // 2) + ("c" if n % 2 else "") + ",next")
        out.append("a" * (n - 1) + "\u0301")          # mark: counts before stripping only in the cased config
        out.append("a" * (n - 1) + "\u200b" + "b")    # zero-width space is dropped by clean_text
        out.append("a" * (n - 1) + "\u00ad" + "b")    # soft hyphen (Cf) too
        out.append("a" * (n - 2) + "ǅ")               # Dž lowercases to one character
        out.append("😀" * (n - 1) + "\u200d")          # ZWJ dropped
    return out


def unicode_sweeps(flags: dict[int, int]) -> list[str]:
    """Strings that put every character of the interesting classes in context, a few dozen at a time."""
    out = []

    def chunks(cps, size, fmt):
        for i in range(0, len(cps), size):
            out.append(" ".join(fmt(chr(c)) for c in cps[i:i + size]))

    assigned = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000 and unicodedata.category(chr(c)) != "Cn"]
    by_cat: dict[str, list[int]] = {}
    for c in assigned:
        by_cat.setdefault(unicodedata.category(chr(c)), []).append(c)
    # Every punctuation category, every character: between letters, and alone.
    for cat in ("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"):
        chunks(by_cat[cat], 24, lambda ch: f"a{ch}b")
        chunks(by_cat[cat][::7], 40, lambda ch: ch)
    # Symbols (only ASCII ones are BERT punctuation), samples of each.
    for cat in ("Sm", "Sc", "Sk", "So"):
        chunks(by_cat[cat][::5], 30, lambda ch: f"x{ch}y")
    # Whitespace and separators, controls, format characters, private use, noncharacters, unassigned.
    spaces = [c for c in assigned if unicodedata.category(chr(c)) in ("Zs", "Zl", "Zp")] + [0x85, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x1F, 0x180E, 0x200B, 0xFEFF]
    for c in spaces:
        out.append(f"left{chr(c)}right {chr(c)}")
    out.append("".join(chr(c) for c in spaces))
    chunks(by_cat["Cc"], 11, lambda ch: f"c{ch}d")
    chunks(by_cat["Cf"], 12, lambda ch: f"f{ch}g")
    chunks([0xE000, 0xE001, 0xF8FF, 0xF0000, 0xFFFFD, 0x100000, 0x10FFFD], 7, lambda ch: f"p{ch}q")
    chunks([0xFFFE, 0xFFFF, 0x1FFFE, 0x10FFFF, 0xFDD0, 0xFDEF], 6, lambda ch: f"n{ch}o")
    unassigned = [0x378, 0x380, 0x5C8, 0x9FFF + 0, 0x2FFFF, 0x3FFFF, 0xE0080, 0x31350, 0x323AF, 0x2EBE0]
    chunks(unassigned, 5, lambda ch: f"u{ch}v")
    out.append("\ufffd replacement \ufffd\ufffd char")
    out.append("nul\x00byte and \x00\x00")
    # Every character that a table flags differently from today's Unicode: newer marks, letters, case pairs.
    newer = [c for c in assigned if unicodedata.category(chr(c)).startswith("M")]
    chunks(newer, 20, lambda ch: f"a{ch}")
    chunks(newer[::3], 25, lambda ch: f"{ch}")
    lower = [c for c in sorted(flags) if flags[c] & make_unicode_tables.LOWERCASES]
    chunks(lower, 40, lambda ch: ch)
    chunks(lower[::2], 20, lambda ch: f"A{ch}b")
    decomp = [c for c in sorted(flags) if flags[c] & make_unicode_tables.DECOMPOSES and not 0xAC00 <= c <= 0xD7A3]
    chunks(decomp, 30, lambda ch: ch)
    chunks(decomp[::4], 20, lambda ch: f"X{ch}")
    survivors = [c for c in sorted(flags) if flags[c] & make_unicode_tables.REORDERS and not flags[c] & make_unicode_tables.NONSPACING]
    chunks(survivors, 10, lambda ch: f"a{ch}\u0301{ch}\u0316b")
    # Canonical ordering around kept marks (ccc 216/226 musical symbols, ccc 9 viramas, Arabic).
    out += ["a\U0001D16D\U0001D165b", "a\U0001D165\U0001D16Db", "a\U0001D16D\u0301\U0001D165b", "a\U0001D16D\u0341\U0001D165",
            "e\u0301\u0316\u0327", "o\u0308\u0304\u0323", "\u1100\u1161\u11A8\u0301", "a\u0345\u0301", "\u0344\u0301x",
            "\u0958\u0959 \u093C\u094D", "\u0915\u094D\u0937", "\u0F73\u0F75\u0F81", "\u0e01\u0e34\u0e48\u0e33",
            "\u08D4\u08E0\u0301", "\u1B44\u1B44\u0334", "\u302E\u302A\u302F", "a\u1DFB\u0316", "\u0301\u0316", "\u0316\u0301"]
    # CJK: every block edge, incl. the extension-E range 2B820-2B91F that tokenizers does not space out.
    edges = [0x3400, 0x4DBF, 0x4E00, 0x9FFF, 0xF900, 0xFAFF, 0x20000, 0x2A6DF, 0x2A700, 0x2B739, 0x2B740, 0x2B81D,
             0x2B820, 0x2B8A0, 0x2B91F, 0x2B920, 0x2CEA1, 0x2CEB0, 0x2EBE0, 0x2F800, 0x2FA1D, 0x30000, 0x3134A,
             0x3000, 0x3001, 0x3002, 0x30FB, 0xFF01, 0xFF0C, 0x2E80, 0x2F00, 0x31C0, 0x3190]
    chunks(edges, 8, lambda ch: f"ab{ch}cd")
    out.append("".join(chr(c) for c in edges))
    compat = list(range(0xF900, 0xFB00, 3)) + list(range(0x2F800, 0x2FA1E, 5))
    chunks(compat, 30, lambda ch: ch)
    return out


def scripts_and_emoji() -> list[str]:
    return [
        "我爱北京天安门。", "今天天气很好，我们去公园吧！", "中文、日本語、한국어", "統一碼（Unicode）是一種字符編碼。",
        "東京は日本の首都です。", "ひらがな カタカナ ﾊﾝｶｸｶﾀｶﾅ", "私はガラスを食べられます。それは私を傷つけません。",
        "한국어 문장을 토큰화합니다.", "안녕하세요 세계", "ㄱㄴㄷ ㅏㅑㅓ ᄀᄁ ᅡᅢ ᆨᆩ", "𠀀𠀁𠀂 𪜀 𫝀 𫠠 𬺰 𰀀 𲎯",
        "Привет, мир! Ёлка ёжик", "Γειά σου Κόσμε", "שָׁלוֹם עוֹלָם", "مرحبًا بالعالم، كَيْفَ حَالُكَ؟", "नमस्ते दुनिया",
        "ภาษาไทย สวัสดีครับ", "Tiếng Việt có dấu: Thành phố Hồ Chí Minh", "Zażółć gęślą jaźń", "Příliš žluťoučký kůň",
        "Ελληνικά ΰ ΐ ϓ ϔ", "ქართული ენა", "Հայերեն լեզու", "አማርኛ", "ᏣᎳᎩ", "ᠮᠣᠩᠭᠣᠯ", "ꦗꦮ", "𐌰𐌱𐌲 𐐀𐐨 𞤀𞤢",
        "😀😃😄 🙂🙃", "👍🏻👍🏼👍🏽👍🏾👍🏿", "👨‍👩‍👧‍👦 family", "🏳️‍🌈 🏴‍☠️", "🇺🇸🇫🇷🇯🇵 flags", "1️⃣ #️⃣ *️⃣",
        "❤️ ❤ ♥️", "🧑🏽‍🚀 👩🏿‍🔬 🫱🏼‍🫲🏾", "emoji😀inside😀words", "☃ ☂ ★ ✓ ✗ ⚡", "🏴󠁧󠁢󠁳󠁣󠁴󠁿 Scotland",
        "\U0001F9D1\u200D\U0001F4BB coder", "a\u200db\u200cc\u2060d\ufeffe", "\u202eevil\u202c \u2066iso\u2069",
        "soft\u00adhyphen", "zero\u200bwidth\u200bspace", "word\u00a0joined\u202fnarrow", "ideographic\u3000space",
        "line\u2028separator\u2029paragraph", "next\u0085line", "vertical\x0btab\x0cfeed", "info\x1fsep\x1eunits",
        "bell\x07 del\x7f esc\x1b", "c1\x80\x9f controls",
    ]


def random_strings(rng: random.Random, flags: dict[int, int], count: int) -> list[str]:
    interesting = [c for c, f in flags.items() if f]
    pools = [
        list(range(0x20, 0x7F)),
        interesting,
        list(range(0xC0, 0x250)) + list(range(0x300, 0x370)),
        list(range(0x4E00, 0x4F00)) + list(range(0xAC00, 0xAD00)) + list(range(0x3040, 0x3100)),
        [c for c in range(0x110000) if not 0xD800 <= c < 0xE000],
        [0x20, 0x20, 0x09, 0x0A, 0x2E, 0x2C, 0x27, 0x2D, 0x5B, 0x5D, 0x300, 0x301, 0x1F600, 0x1F3FB, 0x200D, 0xFE0F],
    ]
    out = []
    for _ in range(count):
        n = rng.choice([1, 2, 3, 5, 8, 13, 21, 40])
        chars = []
        for _ in range(n):
            pool = rng.choices(pools, weights=[6, 3, 2, 2, 1, 2])[0]
            chars.append(chr(rng.choice(pool)))
        out.append("".join(chars))
    return out


def vocab_words(rng: random.Random, count: int) -> list[str]:
    """Random sentences of vocabulary entries and glued pieces (words WordPiece splits, or cannot)."""
    vocab = (MINILM / "vocab.txt").read_text(encoding="utf-8").split("\n")
    heads = [t for t in vocab if t and not t.startswith("##") and not t.startswith("[")]
    tails = [t[2:] for t in vocab if t.startswith("##")]
    out = []
    for _ in range(count):
        words = []
        for _ in range(rng.randint(1, 12)):
            w = rng.choice(heads) + "".join(rng.choice(tails) for _ in range(rng.choice([0, 0, 1, 2, 3])))
            r = rng.random()
            if r < 0.2:
                w = w.capitalize()
            elif r < 0.25:
                w = w.upper()
            words.append(w + rng.choice(["", "", "", ",", ".", "!", "'s", "-"]))
        out.append(" ".join(words))
    return out


def build_corpus(flags: dict[int, int]) -> list[dict]:
    rng = random.Random(SEED)
    singles: list[str] = []
    singles += ["", " ", "  ", "\t", "\n", "\r\n", " \t\n\r ", "\u3000", "\u00a0\u2003\u3000", "\u200b", "\u200b\u200c\u200d",
                "\x00", "\x00\x01\x02", "\ufffd", "\u0301", "\u0301\u0302\u0303", "\ufe0f", ".", "...", "a", "A", "é", "日"]
    singles += HANDWRITTEN
    singles += added_token_texts()
    singles += scripts_and_emoji()
    singles += stdlib_prose(rng)
    singles += long_words()
    singles += unicode_sweeps(flags)
    singles += vocab_words(rng, 250)
    singles += random_strings(rng, flags, 450)
    long_texts = [long_prose(rng, n) for n in (300, 400, 450, 520, 600, 800, 1200)]
    singles += long_texts
    singles += ["日本語の文章。" * 120, "😀 " * 700, "word " * 600, "[MASK] " * 600, ("a" * 99 + " ") * 520]

    records = [{"a": s} for s in singles]
    # Pairs: prose with prose, with the odd strings, empty second texts, long with short.
    pool = [s for s in singles if len(s) < 400]
    for _ in range(360):
        records.append({"a": rng.choice(pool), "b": rng.choice(pool)})
    for s in ["", " ", "\u200b"]:
        records.append({"a": "first text", "b": s})
        records.append({"a": s, "b": "second text"})
    records.append({"a": "", "b": ""})
    for long in long_texts:
        records.append({"a": long, "b": rng.choice(pool)})
        records.append({"a": rng.choice(pool), "b": long})
        records.append({"a": long, "b": long_texts[0]})
    # Explicit max_length: both longest-first cases, odd / even limits, limits at and below the special tokens.
    for limit in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 17, 32, 33, 64, 100, 128, 511):
        records.append({"a": rng.choice(pool), "max_length": limit})
        records.append({"a": rng.choice(pool), "b": rng.choice(pool), "max_length": limit})
        records.append({"a": long_texts[1], "b": rng.choice(pool[:50]), "max_length": limit})
        records.append({"a": "short one", "b": long_texts[2], "max_length": limit})
    return records


# MARK: - Configurations and ids

def write_json(path: Path, value, compact=False) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        if compact:
            json.dump(value, f, ensure_ascii=False, separators=(",", ":"))
        else:
            json.dump(value, f, ensure_ascii=False, indent=2)
        f.write("\n")


def make_dirs(tmp: Path) -> dict[str, dict[str, Path]]:
    """Each configuration as tokenizer.json (+config) and as vocab.txt (+config) directories."""
    minilm_json = json.loads((MINILM / "tokenizer.json").read_text(encoding="utf-8"))
    minilm_config = json.loads((MINILM / "tokenizer_config.json").read_text(encoding="utf-8"))

    cased = HERE / "cased"
    if cased.exists():
        shutil.rmtree(cased)
    cased.mkdir()
    cased_json = copy.deepcopy(minilm_json)
    cased_json["normalizer"]["lowercase"] = False
    cased_json["normalizer"]["strip_accents"] = False
    write_json(cased / "tokenizer.json", cased_json, compact=True)
    cased_config = dict(minilm_config, do_lower_case=False, strip_accents=False, name_or_path="golden/tokenizer/cased")
    write_json(cased / "tokenizer_config.json", cased_config)

    keep_config = dict(minilm_config, do_lower_case=True, strip_accents=False)
    added_json = copy.deepcopy(minilm_json)
    added_json["added_tokens"] += EXTRA_ADDED_TOKENS
    write_json(HERE / "added-tokens.json", EXTRA_ADDED_TOKENS)

    dirs: dict[str, dict[str, Path]] = {}
    for name, tok_json, config in [("uncased", minilm_json, minilm_config), ("cased", cased_json, cased_config),
                                   ("lowercase-keep-accents", minilm_json, keep_config), ("added", added_json, minilm_config)]:
        dirs[name] = {}
        for kind in ("json", "vocab"):
            d = tmp / f"{name}-{kind}"
            d.mkdir()
            if kind == "json":
                write_json(d / "tokenizer.json", tok_json, compact=True)
            shutil.copy(MINILM / "vocab.txt", d / "vocab.txt")
            write_json(d / "tokenizer_config.json", config)
            shutil.copy(MINILM / "special_tokens_map.json", d / "special_tokens_map.json")
            dirs[name][kind] = d
    # No tokenizer_config.json at all: transformers lowercases even a cased tokenizer.json.
    d = tmp / "cased-json-only"
    d.mkdir()
    write_json(d / "tokenizer.json", cased_json, compact=True)
    dirs["cased-json-only"] = {"json": d}
    return dirs


def encode(tok, record) -> list:
    kwargs = {"truncation": True}
    if "max_length" in record:
        kwargs["max_length"] = record["max_length"]
    enc = tok(record["a"], record.get("b"), **kwargs)
    ids, types = enc["input_ids"], enc["token_type_ids"]
    zeros = types.index(1) if 1 in types else len(types)
    assert all(t == 0 for t in types[:zeros]) and all(t == 1 for t in types[zeros:]), record
    return [ids, zeros]


def mentions_added(record) -> bool:
    text = (record["a"] + " " + record.get("b", "")).lower()
    return any(k in text for k in ("<ent>", "new york", "<pad_l>", "zz", "北京", "[mask]x"))


BATCHES = [
    (["Hello world!", "A much longer sentence, with punctuation; and more words.", ""], None, None),
    (["a", "b c d"], ["", "x"], None),
    (["How old are you?", "日本語"], ["I'm twenty-three; my café is naïve.", "한국어 😀"], None),
    (["word " * 600, "short"], None, None),
    (["left padding and left truncation", "x"], None, 6),
    (["a b c d e f g h", "one"], ["1 2 3 4 5 6", "two"], 9),
]
# tokenizer_config.json changes of the "left" directory (batches.json "left" entries).
LEFT_SIDES = {"padding_side": "left", "truncation_side": "left"}


def main() -> None:
    flags = make_unicode_tables.main()
    records = build_corpus(flags)
    with (HERE / "corpus.jsonl").open("w", encoding="utf-8", newline="\n") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
    with tempfile.TemporaryDirectory() as tmp:
        dirs = make_dirs(Path(tmp))
        for name in ("uncased", "cased", "lowercase-keep-accents", "added"):
            fast = BertTokenizerFast.from_pretrained(dirs[name]["json"])
            converted = BertTokenizerFast.from_pretrained(dirs[name]["vocab"])
            subset = [(i, r) for i, r in enumerate(records) if name != "added" or mentions_added(r)]
            with io.StringIO() as f:
                for i, r in subset:
                    row = encode(fast, r)
                    if name != "added":  # vocab.txt knows no extra added tokens
                        assert row == encode(converted, r), (name, r)
                    # The added-tokens file covers a subset: each row starts with its corpus line number.
                    f.write(json.dumps(row if name != "added" else [i] + row, separators=(",", ":")) + "\n")
                (HERE / f"ids-{name}.jsonl.zlib").write_bytes(zlib.compress(f.getvalue().encode("utf-8"), 9))
            print(f"  tokenizer corpus: {name}: {len(subset)} records", file=sys.stderr)
        uncased = BertTokenizerFast.from_pretrained(dirs["uncased"]["json"])
        json_only = BertTokenizerFast.from_pretrained(dirs["cased-json-only"]["json"])
        for r in records[:200]:
            assert encode(json_only, r) == encode(uncased, r), r
        left_dir = Path(tmp) / "left"
        shutil.copytree(dirs["uncased"]["json"], left_dir)
        left_config = json.loads((left_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
        write_json(left_dir / "tokenizer_config.json", dict(left_config, **LEFT_SIDES))
        left = BertTokenizerFast.from_pretrained(left_dir)
        batches = []
        for texts, pairs, max_length in BATCHES:
            for side, tok in (("right", uncased), ("left", left)):
                enc = tok(texts, pairs, padding=True, truncation=True, max_length=max_length)
                batches.append({"side": side, "texts": texts, "pairs": pairs, "max_length": max_length,
                                "input_ids": enc["input_ids"], "token_type_ids": enc["token_type_ids"],
                                "attention_mask": enc["attention_mask"]})
        write_json(HERE / "batches.json", batches, compact=True)
    size = sum(p.stat().st_size for p in HERE.rglob("*") if p.is_file())
    print(f"  tokenizer corpus: {len(records)} records, golden/tokenizer is {size / 1e6:.2f} MB "
          f"(transformers {transformers.__version__})", file=sys.stderr)
    if "--bench" in sys.argv:
        bench(records)


def is_plain_prose(record) -> bool:
    """ASCII text without very long words: the benchmark's "ordinary text" subset (same rule in Swift)."""
    for text in (record["a"], record.get("b", "")):
        if any(not (0x20 <= ord(ch) <= 0x7E or ch in "\t\n") for ch in text):
            return False
        if any(len(word) > 40 for word in text.split()):
            return False
    return True


def bench(records, repeats=7) -> None:
    """HF's throughput on one thread over the corpus (uncased MiniLM, truncation to 512), two ways."""
    import tokenizers
    tok = BertTokenizerFast.from_pretrained(MINILM)
    backend = tok.backend_tokenizer
    backend.enable_truncation(512)
    print(f"HF tokenizers {tokenizers.__version__}, transformers {transformers.__version__}, one thread "
          f"(TOKENIZERS_PARALLELISM={os.environ['TOKENIZERS_PARALLELISM']}), best of {repeats}:", file=sys.stderr)
    for label, subset in (("whole corpus", records), ("plain ASCII prose subset", [r for r in records if is_plain_prose(r)])):
        singles = [r["a"] for r in subset if "b" not in r]
        pairs = [(r["a"], r["b"]) for r in subset if "b" in r]
        chars = sum(len(r["a"]) + len(r.get("b", "")) for r in subset)

        def best(fn):
            times = []
            for _ in range(repeats):
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            return min(times)

        t_batch = best(lambda: (backend.encode_batch(singles), backend.encode_batch(pairs)))
        t_loop = best(lambda: [tok(r["a"], r.get("b"), truncation=True) for r in subset])
        n = len(subset)
        print(f"  {label}: {n} records, {chars} characters", file=sys.stderr)
        print(f"    backend Tokenizer.encode_batch: {t_batch * 1e3:.1f} ms = {n / t_batch:,.0f} records/s, "
              f"{chars / t_batch / 1e6:.2f} M characters/s", file=sys.stderr)
        print(f"    BertTokenizerFast per-string loop: {t_loop * 1e3:.1f} ms = {n / t_loop:,.0f} records/s", file=sys.stderr)


if __name__ == "__main__":
    if sys.argv[1:] == ["--bench-only"]:
        recs = [json.loads(line) for line in (HERE / "corpus.jsonl").read_text(encoding="utf-8").split("\n") if line]
        bench(recs)
    else:
        main()
