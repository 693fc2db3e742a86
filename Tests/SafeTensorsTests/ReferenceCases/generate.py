"""Writes reference-cases.txt: safetensors files and the verdict of the reference implementation on each.

The cases are the safetensors reference's own (crate tests in safetensors/src/tensor.rs, Python tests in
bindings/python/tests/test_simple.py, the files of attacks/, the rules of the README's format description),
then variations of them around every rule the header has (numbers, names, nesting, dtypes, shapes, offsets).
Each verdict is what the reference says: `safetensors.deserialize` (the Rust crate through its Python binding,
version printed in the file's first line) accepting or refusing the bytes — never written by hand.

Run with the pinned venv: ~/.cache/bertweights/venv/bin/python Tests/SafeTensorsTests/ReferenceCases/generate.py

Line format (tab-separated): name, verdict (accept|refuse), kind, fields:
  F <hex of the whole file>                    the file's bytes
  R <hex prefix> <hex entry, with {i}> <count> <hex suffix> <zero tail>
                                               prefix + count entries (',' between, {i} = 0, 1, …) + suffix,
                                               8-byte length first, then tail zero bytes
  P <zero tail> (<hex piece> <count>)…        the header is each piece repeated count times, in order;
                                               8-byte length first, then tail zero bytes
"""
import json
import os
import struct
import sys

import numpy as np
import safetensors
from safetensors.numpy import save

HERE = os.path.dirname(os.path.abspath(__file__))
cases = []  # (name, kind, fields, bytes-for-verdict)


def verdict(data):
    try:
        safetensors.deserialize(data)
        return "accept"
    except Exception:
        return "refuse"


def raw(name, data):
    cases.append((name, "F", [data.hex()], data))


def header(name, text, tail=None, length=None):
    """A file from header text (str or bytes); tail defaults to what the offsets need (0 when unknown)."""
    body = text.encode("utf-8") if isinstance(text, str) else text
    if tail is None:
        tail = 0
        try:
            obj = json.loads(body)
            ends = [v["data_offsets"][1] for k, v in obj.items()
                    if k != "__metadata__" and isinstance(v, dict) and isinstance(v.get("data_offsets"), list)
                    and len(v["data_offsets"]) == 2 and isinstance(v["data_offsets"][1], int)]
            tail = max([e for e in ends if 0 <= e < 1 << 20], default=0)
        except Exception:
            pass
    n = len(body) if length is None else length
    raw(name, struct.pack("<Q", n) + body + b"\0" * tail)


def pieces(name, parts, tail=0):
    """A header made of repeated pieces: [(text, count), …] (keeps deep or long cases small on disk)."""
    body = b"".join(text.encode() * count for text, count in parts)
    data = struct.pack("<Q", len(body)) + body + b"\0" * tail
    fields = [str(tail)]
    for text, count in parts:
        fields += [text.encode().hex(), str(count)]
    cases.append((name, "P", fields, data))


def repeated(name, prefix, entry, count, suffix, tail):
    body = prefix + ",".join(entry.replace("{i}", str(i)) for i in range(count)) + suffix
    data = struct.pack("<Q", len(body.encode())) + body.encode() + b"\0" * tail
    cases.append((name, "R", [prefix.encode().hex(), entry.encode().hex(), str(count), suffix.encode().hex(), str(tail)], data))


def t(dtype="F32", shape=(2, 2), offsets=(0, 16), extra=""):
    return '{"dtype":"%s","shape":%s,"data_offsets":[%s]%s}' % (dtype, json.dumps(list(shape)).replace(" ", ""),
                                                              ",".join(str(o) for o in offsets), extra)


# 1. The crate's tests (safetensors/src/tensor.rs), byte for byte.
raw("rs.test_serialization", bytes([64, 0, 0, 0, 0, 0, 0, 0]) + b'{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}' + b"\0" * 6
    + struct.pack("<6f", 0, 1, 2, 3, 4, 5))
raw("rs.test_serialization_fp4", bytes([64, 0, 0, 0, 0, 0, 0, 0]) + b'{"attn.0":{"dtype":"F4","shape":[1,2],"data_offsets":[0,1]}}    ' + b"\0")
header("rs.test_serialization_fp4_misaligned", t("F4", (1, 3), (0, 2)))
header("rs.test_serialization_fp4_invalid", t("F4", (1, 2), (0, 2)))
raw("rs.test_empty", bytes([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]))
raw("rs.test_empty.metadata", bytes([40, 0, 0, 0, 0, 0, 0, 0]) + b'{"__metadata__":{"framework":"pt"}}     ')
raw("rs.test_serialization_forced_alignement", bytes([72, 0, 0, 0, 0, 0, 0, 0])
    + b'{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ' + struct.pack("<6f", 0, 1, 2, 3, 4, 5))
raw("rs.test_empty_shapes_allowed", b'8\x00\x00\x00\x00\x00\x00\x00{"test":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}\x00\x00\x00\x00')
raw("rs.test_deserialization", b'<\x00\x00\x00\x00\x00\x00\x00{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}' + b"\0" * 16)
header("rs.test_json_attack", "{" + ",".join('"weight_%d":%s' % (i, t()) for i in range(10)) + "}", tail=16)
raw("rs.test_metadata_incomplete_buffer.extra", b'<\x00\x00\x00\x00\x00\x00\x00{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}' + b"\0" * 16 + b"extra_bogus_data_for_polyglot_file")
raw("rs.test_metadata_incomplete_buffer.missing", b'<\x00\x00\x00\x00\x00\x00\x00{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}' + b"\0" * 14)
raw("rs.test_header_too_large", b'<\x00\x00\x00\x00\xff\xff\xff{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}' + b"\0" * 16)
raw("rs.test_header_too_small", b"")
raw("rs.test_invalid_header_length", b"<\x00\x00\x00\x00\x00\x00\x00")
raw("rs.test_invalid_header_non_utf8", b"\x01\x00\x00\x00\x00\x00\x00\x00\xff")
raw("rs.test_invalid_header_not_json", b"\x01\x00\x00\x00\x00\x00\x00\x00{")
raw("rs.test_whitespace_padded_header", b"\x06\x00\x00\x00\x00\x00\x00\x00{}\x0D\x20\x09\x0A")
raw("rs.test_whitespace_leading_padded_header", b"\x06\x00\x00\x00\x00\x00\x00\x00\x09\x0A{}\x0D\x20")
header("rs.test_zero_sized_tensor", '{"test":{"dtype":"I32","shape":[2,0],"data_offsets":[0, 0]}}')
header("rs.test_invalid_info", '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0, 4]}}')
raw("rs.test_validation_overflow.shape", b'O\x00\x00\x00\x00\x00\x00\x00{"test":{"dtype":"I32","shape":[2,18446744073709551614],"data_offsets":[0,16]}}' + b"\0" * 16)
raw("rs.test_validation_overflow.bytes", b'N\x00\x00\x00\x00\x00\x00\x00{"test":{"dtype":"I32","shape":[2,9223372036854775807],"data_offsets":[0,16]}}' + b"\0" * 16)
raw("rs.doc_example", b'<\x00\x00\x00\x00\x00\x00\x00{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}' + b"\0" * 16)

# 2. The Python binding's tests (bindings/python/tests/test_simple.py): files its writer makes, and its errors.
raw("py.test_serialization", save({"test": np.zeros((2, 2), dtype=np.int32)}))
raw("py.test_serialization.metadata", save({"test": np.zeros((2, 2), dtype=np.int32)}, metadata={"framework": "pt"}))
raw("py.test_serialization_order_invariant", save({"a": np.zeros((2, 2), dtype=np.int32), "b": np.zeros((3,), dtype=np.float32)}))
raw("py.test_serialization_forces_alignment", save({"test": np.zeros((2, 2), dtype=np.int32), "test2": np.zeros((2, 2), dtype=np.float64)}))
raw("py.test_numpy_example", save({"a": np.zeros((2, 2)), "b": np.zeros((2, 3), dtype=np.uint8)}))
raw("py.test_numpy_bool", save({"x": np.array([True, False, True])}))
for dt in ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool", "complex64"]:
    raw("py.dtype." + dt, save({"t": np.zeros((3, 2), dtype=dt)}))
raw("py.test_deserialization_metadata", save({"test": np.zeros((2, 2), dtype=np.int32)}, metadata={"a": "b", "c": "d"}))
raw("py.empty_tensor", save({"t": np.zeros((0, 4), dtype=np.float32)}))
raw("py.scalar", save({"t": np.array(1.5, dtype=np.float32)}))

# 3. attacks/: a header length past the file end (attempt 1), many entries sharing one data range (2 and 3, scaled).
a1 = bytearray(save({"weight": np.zeros((2, 2), dtype=np.float32)}))
a1[0:8] = struct.pack("<Q", 1000)
raw("attacks.abuse_attempt_1", bytes(a1))
repeated("attacks.abuse_attempt_2.scaled", "{", '"weight_{i}":' + t("F32", (2, 2), (0, 16)), 20000, "}", 16)
repeated("attacks.abuse_attempt_3.scaled", "{", '"weight_{i}":' + t("F32", (200, 200), (0, 160000)), 2000, "}", 160000)
repeated("attacks.many_valid_entries", "{", '"w{i}":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}', 5000, "}", 0)

# 4. The format's rules (README), one variation per rule.
ok = t()
header("spec.minimal", '{"a":%s}' % ok)
header("spec.two_tensors", '{"a":%s,"b":%s}' % (t(offsets=(0, 16)), t(offsets=(16, 32))))
header("spec.out_of_order_keys", '{"b":%s,"a":%s}' % (t(offsets=(16, 32)), t(offsets=(0, 16))))
header("spec.hole", '{"a":%s,"b":%s}' % (t(offsets=(0, 16)), t(offsets=(20, 36))))
header("spec.overlap", '{"a":%s,"b":%s}' % (t(offsets=(0, 16)), t(offsets=(8, 24))))
header("spec.not_starting_at_zero", '{"a":%s}' % t(offsets=(4, 20)))
header("spec.end_before_begin", '{"a":%s}' % t(shape=(0,), offsets=(16, 0)))
header("spec.trailing_data", '{"a":%s}' % ok, tail=17)
header("spec.missing_data", '{"a":%s}' % ok, tail=15)
header("spec.metadata_only", '{"__metadata__":{"k":"v"}}')
header("spec.metadata_null", '{"__metadata__":null}')
header("spec.metadata_null_with_tensor", '{"__metadata__":null,"a":%s}' % ok)
header("spec.metadata_number_value", '{"__metadata__":{"k":1}}')
header("spec.metadata_null_value", '{"__metadata__":{"k":null}}')
header("spec.metadata_nested", '{"__metadata__":{"k":{"x":"y"}}}')
header("spec.metadata_array", '{"__metadata__":["k"]}')
header("spec.metadata_string", '{"__metadata__":"k"}')
header("spec.metadata_empty", '{"__metadata__":{}}')
header("spec.metadata_twice", '{"__metadata__":{"a":"1"},"__metadata__":{"b":"2"}}')
header("spec.metadata_duplicate_key", '{"__metadata__":{"a":"1","a":"2"}}')
header("spec.duplicate_tensor", '{"a":%s,"a":%s}' % (ok, ok))
header("spec.duplicate_tensor_different", '{"a":%s,"a":%s}' % (t(offsets=(0, 16)), t("U8", (16,), (0, 16))))
header("spec.duplicate_field_dtype", '{"a":{"dtype":"F32","dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}')
header("spec.header_not_object", '[]')
header("spec.header_string", '"x"')
header("spec.header_null", 'null')
header("spec.header_number", '1')
header("spec.entry_not_object", '{"a":1}')
header("spec.entry_null", '{"a":null}')
header("spec.entry_string", '{"a":"F32"}')
header("spec.entry_as_array", '{"a":["F32",[2,2],[0,16]]}', tail=16)
header("spec.entry_as_short_array", '{"a":["F32",[2,2]]}', tail=16)
header("spec.entry_as_long_array", '{"a":["F32",[2,2],[0,16],1]}', tail=16)
header("spec.dtype_as_enum_map", '{"a":{"dtype":{"F32":null},"shape":[2,2],"data_offsets":[0,16]}}', tail=16)
header("spec.missing_dtype", '{"a":{"shape":[2,2],"data_offsets":[0,16]}}', tail=16)
header("spec.missing_shape", '{"a":{"dtype":"F32","data_offsets":[0,16]}}', tail=16)
header("spec.missing_offsets", '{"a":{"dtype":"F32","shape":[2,2]}}', tail=16)
header("spec.unknown_field", '{"a":%s}' % t(extra=',"x":1'))
header("spec.unknown_field_object", '{"a":%s}' % t(extra=',"x":{"y":[1,2,{"z":null}]}'))
header("spec.offsets_three", '{"a":%s}' % t(offsets=(0, 16, 16)))
header("spec.offsets_one", '{"a":%s}' % t(offsets=(0,)), tail=16)
header("spec.offsets_object", '{"a":{"dtype":"F32","shape":[2,2],"data_offsets":{"0":0,"1":16}}}', tail=16)
header("spec.shape_not_array", '{"a":{"dtype":"F32","shape":4,"data_offsets":[0,16]}}', tail=16)
header("spec.shape_nested", '{"a":{"dtype":"F32","shape":[[2],2],"data_offsets":[0,16]}}', tail=16)
header("spec.shape_string", '{"a":{"dtype":"F32","shape":["2",2],"data_offsets":[0,16]}}', tail=16)
header("spec.shape_null", '{"a":{"dtype":"F32","shape":null,"data_offsets":[0,16]}}', tail=16)
header("spec.dtype_lowercase", '{"a":%s}' % t("f32"))
header("spec.dtype_unknown", '{"a":%s}' % t("F128", (2, 2), (0, 32)))
header("spec.dtype_number", '{"a":{"dtype":32,"shape":[2,2],"data_offsets":[0,16]}}', tail=16)
header("spec.dtype_empty", '{"a":%s}' % t(""))
header("spec.dtype_padded", '{"a":%s}' % t(" F32"))
header("spec.metadata_as_tensor_name_variant", '{"__Metadata__":%s}' % ok)
header("spec.empty_name", '{"":%s}' % ok)
header("spec.header_length_zero", b"", tail=0)
header("spec.header_length_short_by_one", '{"a":%s}' % ok, length=len('{"a":%s}' % ok) - 1)
header("spec.header_length_long_by_one", '{"a":%s} ' % ok, length=len('{"a":%s}' % ok) + 1)
header("spec.header_trailing_nul", b'{"a":' + ok.encode() + b"}\x00", tail=16)
header("spec.header_bom", b"\xef\xbb\xbf{}")
header("spec.header_trailing_garbage", "{} x")
header("spec.header_two_values", "{}{}")
header("spec.header_trailing_comma", '{"a":%s,}' % ok)
header("spec.header_single_quotes", "{'a':1}")
header("spec.header_comment", "{} // c")
header("spec.header_vertical_tab", "\x0b{}")
header("spec.header_form_feed", "{}\x0c")
header("spec.header_nbsp", "{}\u00a0")
header("spec.header_whitespace_only", "    ")
header("spec.length_max_header", b"{}", length=100_000_000)
header("spec.length_over_max_header", b"{}", length=100_000_001)
header("spec.length_2_63", b"{}", length=1 << 63)
header("spec.length_u64_max", b"{}", length=(1 << 64) - 1)
raw("spec.seven_bytes", b"\x00" * 7)
raw("spec.eight_zero_bytes", b"\x00" * 8)

# 5. Numbers where a size or an offset is expected.
for label, text in [("zero", "0"), ("minus_zero", "-0"), ("negative", "-1"), ("float", "2.0"), ("exponent", "2e0"),
                    ("exponent_upper", "2E0"), ("fraction", "2.5"), ("leading_zero", "02"), ("plus", "+2"),
                    ("u64_max", "18446744073709551615"), ("u64_max_plus_one", "18446744073709551616"),
                    ("i64_max", "9223372036854775807"), ("i64_max_plus_one", "9223372036854775808"),
                    ("huge", "1" + "0" * 30), ("string", '"2"'), ("null", "null"), ("true", "true"),
                    ("hex", "0x2"), ("nan", "NaN"), ("infinity", "Infinity"), ("minus_zero_float", "-0.0")]:
    header("num.shape_dim." + label, '{"a":{"dtype":"F32","shape":[%s,2],"data_offsets":[0,16]}}' % text, tail=16)
    header("num.shape_zero_dim." + label, '{"a":{"dtype":"F32","shape":[%s,0],"data_offsets":[0,0]}}' % text, tail=0)
    header("num.offset_begin." + label, '{"a":{"dtype":"F32","shape":[0],"data_offsets":[%s,0]}}' % text, tail=0)
    header("num.offset_end." + label, '{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,%s]}}' % text, tail=16)

# 6. Numbers in fields the reference ignores: it still parses them, and refuses numbers beyond f64.
for label, text in [("int", "1"), ("negative", "-1"), ("float", "1.5"), ("e308", "1e308"), ("e309", "1e309"),
                    ("e400", "1e400"), ("minus_e400", "-1e400"), ("e_minus_400", "1e-400"), ("zero_e400", "0e400"),
                    ("max_double", "1.7976931348623157e308"), ("big_int_400_digits", "1" + "0" * 400),
                    ("big_int_300_digits", "1" + "0" * 300), ("u64_max_plus_one", "18446744073709551616"),
                    ("minus_zero", "-0"), ("exponent_huge", "1e99999999999999999999"),
                    ("zero_exponent_huge", "0e99999999999999999999"), ("leading_zero", "01"), ("dot_only", "1."),
                    ("leading_dot", ".5"), ("plus", "+1"), ("nan", "NaN"), ("minus", "-"), ("exponent_empty", "1e")]:
    header("num.unknown_field." + label, '{"a":%s}' % t(extra=',"x":%s' % text))
    header("num.unknown_field_nested." + label, '{"a":%s}' % t(extra=',"x":[{"y":%s}]' % text))

# 7. Nesting depth in an ignored field (serde_json stops at 128 nested arrays/objects, the header object included).
for depth in [1, 2, 100, 124, 125, 126, 127, 128, 129, 200, 1000, 100000]:
    for kind, (o, c) in [("arrays", ("[", "]")), ("objects", ('{"k":', "}"))]:
        pieces("depth.%s.%d" % (kind, depth), [('{"a":' + t(extra=',"x":')[:-1], 1), (o, depth),
                                               ("1" if kind == "objects" else "", 1), (c, depth), ("}}", 1)], tail=16)
    pieces("depth.metadata.%d" % depth, [('{"__metadata__":{"k":', 1), ("[", depth), ("]", depth), ("}}", 1)])

# 8. Names and strings: bytes, not Unicode equivalence.
nfc, nfd = "caf\u00e9", "cafe\u0301"
header("names.nfc_and_nfd", '{"%s":%s,"%s":%s}' % (nfc, t(offsets=(0, 16)), nfd, t(offsets=(16, 32))))
header("names.k_and_kelvin", '{"K":%s,"\u212a":%s}' % (t(offsets=(0, 16)), t(offsets=(16, 32))))
header("names.angstrom", '{"\u00c5":%s,"\u212b":%s}' % (t(offsets=(0, 16)), t(offsets=(16, 32))))
header("names.semicolon_greek_question_mark", '{";":%s,"\u037e":%s}' % (t(offsets=(0, 16)), t(offsets=(16, 32))))
header("names.escaped_and_raw_same", '{"\\u00e9":%s,"\u00e9":%s}' % (t(offsets=(0, 16)), t(offsets=(16, 32))))
header("names.escaped_nfd_and_raw_nfc", '{"cafe\\u0301":%s,"%s":%s}' % (t(offsets=(0, 16)), nfc, t(offsets=(16, 32))))
header("names.metadata_nfc_and_nfd", '{"__metadata__":{"%s":"1","%s":"2"}}' % (nfc, nfd))
header("names.metadata_k_and_kelvin", '{"__metadata__":{"K":"1","\u212a":"2"}}')
header("names.escaped_metadata_key", '{"\\u005f_metadata__":{"k":"v"}}')
header("names.escaped_metadata_key_twice", '{"__metadata__":{"k":"v"},"\\u005f_metadata__":{"k":"v"}}')
header("names.emoji", '{"\U0001f600":%s}' % ok)
header("names.surrogate_pair_escape", '{"\\ud83d\\ude00":%s}' % ok)
header("names.lone_high_surrogate", '{"\\ud83d":%s}' % ok)
header("names.lone_low_surrogate", '{"\\ude00":%s}' % ok)
header("names.reversed_surrogates", '{"\\ude00\\ud83d":%s}' % ok)
header("names.nul_escape", '{"a\\u0000b":%s}' % ok)
header("names.raw_control", '{"a\x01b":%s}' % ok)
header("names.raw_tab", '{"a\tb":%s}' % ok)
header("names.raw_newline", '{"a\nb":%s}' % ok)
header("names.raw_del", '{"a\x7fb":%s}' % ok)
header("names.bad_escape", '{"a\\qb":%s}' % ok)
header("names.short_u_escape", '{"a\\u12":%s}' % ok)
header("names.all_escapes", '{"\\"\\\\\\/\\b\\f\\n\\r\\t":%s}' % ok)
header("names.overlong_utf8", b'{"\xc0\xaf":' + ok.encode() + b"}", tail=16)
header("names.utf8_surrogate_bytes", b'{"\xed\xa0\x80":' + ok.encode() + b"}", tail=16)
header("names.utf8_truncated", b'{"\xe2\x82":' + ok.encode() + b"}", tail=16)
header("names.utf8_beyond_max", b'{"\xf4\x90\x80\x80":' + ok.encode() + b"}", tail=16)
header("names.noncharacter", '{"\ufffe":%s}' % ok)
pieces("names.long_name", [('{"', 1), ("n", 100000), ('":' + ok + "}", 1)], tail=16)
header("names.unicode_metadata_value", '{"__metadata__":{"k":"%s\u212a\U0001f600"}}' % nfd)

# 9. Every dtype with whole and partial bytes, and element counts before byte counts.
dtypes = {"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
          "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32,
          "F32": 32, "C64": 64, "F64": 64, "I64": 64, "U64": 64}
for name, bits in dtypes.items():
    for shape in [(3,), (4,), (2, 3), (0,), ()]:
        count = 1
        for d in shape:
            count *= d
        nbytes = count * bits // 8
        label = "x".join(map(str, shape)) or "scalar"
        header("dtype.%s.%s" % (name, label), '{"a":%s}' % t(name, shape, (0, nbytes)))
    header("dtype.%s.one_byte_too_many" % name, '{"a":%s}' % t(name, (4,), (0, 4 * bits // 8 + 1)))
for shape in [(1 << 62, 0), (0, 1 << 62), (1 << 62, 4, 0), (1 << 32, 1 << 32, 0), (1 << 63, 0), ((1 << 64) - 1, 0),
              (0, (1 << 64) - 1), (1 << 61, 1), (1 << 60, 1), (1 << 31, 1 << 31), (3, 1 << 62)]:
    header("count.F32.%s" % "x".join(map(str, shape)), '{"a":%s}' % t("F32", shape, (0, 0)))
    header("count.F4.%s" % "x".join(map(str, shape)), '{"a":%s}' % t("F4", shape, (0, 0)))
header("count.F32.2^61_bytes_claimed", '{"a":%s}' % t("F32", (1 << 59,), (0, 1 << 61)))
header("count.U8.huge_offsets", '{"a":%s}' % t("U8", ((1 << 64) - 1,), (0, (1 << 64) - 1)))
header("count.U8.wrapping_end", '{"a":%s,"b":%s}' % (t("U8", (16,), (0, 16)), t("U8", ((1 << 64) - 16,), (16, 0))))

lines = ["# safetensors %s (the reference, through its Python binding): verdict on each file; made by generate.py" % safetensors.__version__]
for name, kind, fields, data in cases:
    lines.append("\t".join([name, verdict(data), kind] + fields))
with open(os.path.join(HERE, "reference-cases.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
accepted = sum(1 for l in lines[1:] if "\taccept\t" in l)
print("%d cases, %d accepted, %d refused" % (len(cases), accepted, len(cases) - accepted), file=sys.stderr)
