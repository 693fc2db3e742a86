#!/usr/bin/env python3
"""Builds golden/hostile/: pickles a PyTorch checkpoint reader must refuse, each in both containers.

Plain Python (pickle, zipfile, struct) — no torch needed. The torch names a checkpoint pickle spells
(torch.FloatStorage, torch._utils._rebuild_tensor_v2, torch.float16, …) are stand-ins registered in
sys.modules, so pickle writes exactly the GLOBALs torch.save would. Nothing here is ever unpickled.

Writes, for every case NAME:
  zip/NAME.bin      a torch >= 1.6 zip archive (archive/data.pkl, archive/byteorder, archive/data/<key>)
  legacy/NAME.bin   a torch < 1.6 legacy file (magic, 1001, sys_info, object pickle, key list, storages)
  expected.json     NAME -> {"code": CheckpointError.Code raw value, "mentions": text the error must contain}
                    or, for the benign controls that must read,
                    {"tensors": [[name, dtype, shape, hex of the C-contiguous little-endian bytes], ...]}
                    ("legacy_tensors" when the legacy file differs; "only": ["zip"] when a case exists in
                    one container only).

The benign controls load with torch.load(weights_only=True) to the values listed (checked when torch is
importable: `make_hostile.py --check-with-torch`, run from the fixture venv).

Run: python3 golden/hostile/make_hostile.py   (deterministic; rerun after changing a case)
"""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import subprocess
import sys
import types
import zipfile
from collections import OrderedDict
from pathlib import Path

OUT = Path(__file__).resolve().parent
ZIP_TIME = (2020, 1, 1, 0, 0, 0)
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


# ----------------------------------------------------------------------------- stand-ins for torch names

def _module(name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


def _stand_in(module: types.ModuleType, name: str, obj):
    obj.__module__ = module.__name__
    if hasattr(obj, "__qualname__"):
        obj.__qualname__ = name
    setattr(module, name, obj)
    return obj


def _never_called(*args):
    raise RuntimeError("stand-in")


_torch = _module("torch")
_torch_utils = _module("torch._utils")
_torch_tensor = _module("torch._tensor")
_torch_storage = _module("torch.storage")

# (storage class, struct format of one element, safetensors dtype, torch dtype name)
DTYPES = {
    "F64": ("DoubleStorage", "d", "float64"), "F32": ("FloatStorage", "f", "float32"),
    "F16": ("HalfStorage", "e", "float16"), "BF16": ("BFloat16Storage", None, "bfloat16"),
    "I64": ("LongStorage", "q", "int64"), "I32": ("IntStorage", "i", "int32"), "I16": ("ShortStorage", "h", "int16"),
    "I8": ("CharStorage", "b", "int8"), "U8": ("ByteStorage", "B", "uint8"), "BOOL": ("BoolStorage", "?", "bool"),
}
STORAGE_CLASSES = {name: _stand_in(_torch, name, type(name, (), {})) for name, _, _ in DTYPES.values()}
STORAGE_CLASSES["ComplexFloatStorage"] = _stand_in(_torch, "ComplexFloatStorage", type("ComplexFloatStorage", (), {}))
UntypedStorage = _stand_in(_torch_storage, "UntypedStorage", type("UntypedStorage", (), {}))
TorchTensor = _stand_in(_torch, "Tensor", type("Tensor", (), {}))
rebuild_v2 = _stand_in(_torch_utils, "_rebuild_tensor_v2", lambda *a: _never_called())
rebuild_v3 = _stand_in(_torch_utils, "_rebuild_tensor_v3", lambda *a: _never_called())
rebuild_parameter = _stand_in(_torch_utils, "_rebuild_parameter", lambda *a: _never_called())
rebuild_from_type_v2 = _stand_in(_torch_tensor, "_rebuild_from_type_v2", lambda *a: _never_called())


class _Dtype:
    """A torch dtype object: pickled by name, as the GLOBAL 'torch <name>'."""

    def __init__(self, name: str):
        self.name = name

    def __reduce__(self):
        return self.name


def dtype_object(name: str) -> _Dtype:
    if not hasattr(_torch, name):
        _stand_in(_torch, name, _Dtype(name))
    return getattr(_torch, name)


# ----------------------------------------------------------------------------- what gets pickled

class Storage:
    """A storage the pickler turns into a persistent id; `data` is its little-endian bytes."""

    def __init__(self, key: str, cls: str, numel: int, data: bytes):
        self.key, self.cls, self.numel, self.data = key, cls, numel, data


class Tensor:
    """Pickles as _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()), like torch.save."""

    def __init__(self, storage, offset=0, size=None, stride=None, hooks=None):
        size = (storage.numel,) if size is None else tuple(size)
        stride = tuple(stride) if stride is not None else contiguous_stride(size)
        self.args = (storage, offset, size, stride, False, OrderedDict() if hooks is None else hooks)

    def __reduce__(self):
        return (rebuild_v2, self.args)


class TensorV3(Tensor):
    """_rebuild_tensor_v3(untyped storage, offset, size, stride, False, OrderedDict(), dtype)."""

    def __init__(self, storage, dtype: str, **view):
        super().__init__(storage, **view)
        self.args = self.args + (dtype_object(dtype),)

    def __reduce__(self):
        return (rebuild_v3, self.args)


class Call:
    """Pickles as a call of `func(*args)` through __reduce__ — how a malicious checkpoint runs code."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


class ModuleSource:
    """A legacy 'module' persistent id: torch < 1.6 pickled nn.Module source code this way."""


def contiguous_stride(size) -> tuple:
    stride, step = [], 1
    for n in reversed(size):
        stride.append(step)
        step *= n
    return tuple(reversed(stride))


class CheckpointPickler(pickle.Pickler):
    """torch.save's persistent ids: 5-tuples in a zip, 6-tuples (with view metadata) in a legacy file."""

    def __init__(self, file, protocol: int, legacy: bool, fix_imports: bool):
        super().__init__(file, protocol=protocol, fix_imports=fix_imports)
        self.legacy = legacy
        self.storages: dict[str, Storage] = {}

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            self.storages[obj.key] = obj
            cls = UntypedStorage if obj.cls == "UntypedStorage" else STORAGE_CLASSES[obj.cls]
            return ("storage", cls, obj.key, "cpu", obj.numel) + ((None,) if self.legacy else ())
        if isinstance(obj, ModuleSource):
            return ("module", TorchTensor, "model.py", "import os; os.system('echo pwned')")
        return None


def dumps(obj, legacy: bool, protocol: int = 2, fix_imports: bool = False) -> tuple[bytes, list[Storage]]:
    """fix_imports=False keeps Python 3 module names (builtins.eval); torch.save's default True writes the
    Python 2 spelling (__builtin__.eval) for protocol 2."""
    buffer = io.BytesIO()
    pickler = CheckpointPickler(buffer, protocol, legacy, fix_imports)
    pickler.dump(obj)
    return buffer.getvalue(), list(pickler.storages.values())


def pack(dtype: str, values) -> bytes:
    cls, fmt, _ = DTYPES[dtype]
    if dtype == "BF16":  # the high half of each float32
        return b"".join(struct.pack("<f", v)[2:] for v in values)
    return struct.pack("<" + fmt * len(values), *values)


FOUR = Storage("0", "FloatStorage", 4, pack("F32", [1.0, 2.0, 3.0, 4.0]))


def tensor(**view) -> Tensor:
    """A view of FOUR (four float32s: 1, 2, 3, 4) with the given numel / size / stride / offset."""
    numel = view.pop("numel", 4)
    storage = FOUR if numel == 4 else Storage("0", "FloatStorage", numel, FOUR.data)
    return Tensor(storage, **view)


def state(**entries) -> OrderedDict:
    return OrderedDict(entries)


def raw(*parts: bytes) -> bytes:
    return b"".join(parts)


PROTO2 = b"\x80\x02"
STOP = b"."


# ----------------------------------------------------------------------------- benign controls

def dtype_state(legacy: bool):
    """One tensor per supported dtype, plus v3 (zip only: legacy files cannot hold untyped storages),
    Parameter, _rebuild_from_type_v2, a 0-d, an empty tensor and a transposed view — with the bytes each must
    read as."""
    sd, expected = OrderedDict(), []
    values = {"F64": [1.5, -2.25, 3.0, 1e300], "F32": [1.0, -2.5, 3.25, 4.0], "F16": [1.0, -2.0, 0.5, 65504.0],
              "BF16": [1.0, -2.0, 0.5, 3.0], "I64": [1, -2, 2**40, -(2**62)], "I32": [1, -2, 2**30, -7],
              "I16": [1, -2, 300, -32768], "I8": [1, -2, 127, -128], "U8": [0, 1, 200, 255],
              "BOOL": [True, False, True, True]}
    for index, (dtype, vals) in enumerate(values.items()):
        data = pack(dtype, vals)
        storage = Storage(str(index), DTYPES[dtype][0], 4, data)
        sd[f"t_{dtype.lower()}"] = Tensor(storage, size=(2, 2))
        expected.append([f"t_{dtype.lower()}", dtype, [2, 2], data.hex()])
    i16 = sd["t_i16"].args[0]
    sd["t_i16_transposed"] = Tensor(i16, size=(2, 2), stride=(1, 2))
    expected.append(["t_i16_transposed", "I16", [2, 2], pack("I16", [1, 300, -2, -32768]).hex()])
    if not legacy:
        half = Storage("10", "UntypedStorage", 8, pack("F16", [0.25, 8.0, -1.0, 2.0]))
        sd["t_v3_f16"] = TensorV3(half, "float16", size=(2,), stride=(1,), offset=2)
        expected.append(["t_v3_f16", "F16", [2], pack("F16", [-1.0, 2.0]).hex()])
    f32 = sd["t_f32"].args[0]
    sd["t_parameter"] = Call(rebuild_parameter, Tensor(f32, size=(4,)), True, OrderedDict())
    expected.append(["t_parameter", "F32", [4], f32.data.hex()])
    sd["t_from_type"] = Call(rebuild_from_type_v2, rebuild_v2, TorchTensor, Tensor(f32, size=(2,), offset=1).args, {"x": 1})
    expected.append(["t_from_type", "F32", [2], pack("F32", [-2.5, 3.25]).hex()])
    sd["t_scalar"] = Tensor(f32, size=(), stride=(), offset=3)
    expected.append(["t_scalar", "F32", [], pack("F32", [4.0]).hex()])
    sd["t_empty"] = Tensor(f32, size=(0, 4), stride=(4, 1))
    expected.append(["t_empty", "F32", [0, 4], ""])
    sd["epoch"] = 3  # non-tensor entries are skipped
    return sd, expected


# ----------------------------------------------------------------------------- the cases

def cases():
    """NAME -> (builder taking `legacy` and returning (object pickle, storages), expectation)."""
    forbidden = "forbidden pickle global"
    limit = "limit exceeded"
    bounds = "out of bounds"
    malformed = "malformed checkpoint"
    unsupported = "unsupported"

    def refuse(code, mentions):
        return {"code": code, "mentions": mentions}

    def pick(obj, protocol=2, fix_imports=False):
        return lambda legacy: dumps(obj, legacy, protocol, fix_imports)

    def fixed(data):
        return lambda legacy: (data, [FOUR])

    four = [["w", "F32", [4], FOUR.data.hex()]]
    deep = 5000
    yield "benign", pick(state(w=tensor())), {"tensors": four}
    yield "benign_protocol4", pick(state(w=tensor(size=(2,), stride=(2,), offset=1)), 4), \
        {"tensors": [["w", "F32", [2], pack("F32", [2.0, 4.0]).hex()]]}
    yield "benign_wrapped_state_dict", pick({"state_dict": state(w=tensor()), "epoch": 3}), {"tensors": four}
    yield "benign_dtypes", lambda legacy: dumps(dtype_state(legacy)[0], legacy), \
        {"tensors": dtype_state(False)[1], "legacy_tensors": dtype_state(True)[1]}

    # Code execution through __reduce__ and globals outside the allowlist.
    yield "posix_system", pick(state(w=tensor(), evil=Call(os.system, "echo pwned"))), refuse(forbidden, "posix.system")
    yield "os_system", fixed(raw(PROTO2, b"cos\nsystem\n", b"X\x0a\x00\x00\x00echo pwned", b"\x85R", STOP)), refuse(forbidden, "os.system")
    yield "posix_system_protocol4", pick(state(evil=Call(os.system, "echo pwned"), w=tensor()), 4), refuse(forbidden, "posix.system")
    yield "builtins_eval", pick(state(w=tensor(), evil=Call(eval, "__import__('os').system('echo pwned')"))), refuse(forbidden, "builtins.eval")
    yield "builtin_eval_python2_name", pick(state(w=tensor(), evil=Call(eval, "1")), fix_imports=True), refuse(forbidden, "__builtin__.eval")
    yield "builtins_exec", pick(state(w=tensor(), evil=Call(exec, "import os; os.system('echo pwned')"))), refuse(forbidden, "builtins.exec")
    yield "builtins_getattr", pick(state(w=tensor(), evil=Call(getattr, "echo pwned", "upper"))), refuse(forbidden, "builtins.getattr")
    yield "builtins_import", pick(state(w=tensor(), evil=Call(__import__, "os"))), refuse(forbidden, "builtins.__import__")
    yield "subprocess_popen", pick(state(w=tensor(), evil=Call(subprocess.Popen, ["echo", "pwned"]))), refuse(forbidden, "subprocess.Popen")
    yield "evil_in_tensor_hooks", pick(state(w=tensor(hooks=Call(os.system, "echo pwned")))), refuse(forbidden, "posix.system")
    yield "torch_load", fixed(raw(PROTO2, b"ctorch\nload\n", b"X\x04\x00\x00\x00x.pt", b"\x85R", STOP)), refuse(forbidden, "torch.load")
    yield "numpy_reconstruct", fixed(raw(PROTO2, b"cnumpy.core.multiarray\n_reconstruct\n)R", STOP)), refuse(forbidden, "numpy.core.multiarray._reconstruct")

    # _rebuild_tensor_v2 arguments that reach outside the storage (storage '0' holds 4 floats = 16 bytes).
    yield "size_beyond_storage", pick(state(w=tensor(size=(5,)))), refuse(bounds, "tensor 'w'")
    yield "bad_tensor_outside_state_dict", pick(state(w=tensor(), optimizer={"state": {0: tensor(size=(9,))}})), refuse(bounds, "tensor outside the state dict")
    yield "storage_numel_beyond_record", pick(state(w=tensor(numel=1000))), refuse(bounds, "storage '0'")
    yield "negative_offset", pick(state(w=tensor(size=(2,), offset=-1))), refuse(bounds, "negative storage offset")
    yield "huge_offset", pick(state(w=tensor(size=(2,), offset=2**62))), refuse(bounds, "tensor 'w'")
    yield "negative_stride", pick(state(w=tensor(size=(2,), stride=(-1,), offset=3))), refuse(malformed, "negative stride")
    yield "huge_stride", pick(state(w=tensor(size=(2,), stride=(2**62,)))), refuse(bounds, "stride")
    yield "overflowing_size", pick(state(w=tensor(size=(2**40, 2**40), stride=(0, 0)))), refuse(limit, "64-bit")
    yield "unsupported_dtype", pick(state(w=TensorV3(Storage("0", "UntypedStorage", 16, FOUR.data), "uint16"))), refuse(unsupported, "torch.uint16")
    yield "unsupported_storage", pick(state(w=Tensor(Storage("0", "ComplexFloatStorage", 2, FOUR.data)))), refuse(unsupported, "torch.ComplexFloatStorage")

    # Resource exhaustion.
    yield "memo_bomb", fixed(raw(PROTO2, b"}", b"r\xff\xff\xff\xff", STOP)), refuse(limit, "memo")
    yield "nested_marks", fixed(raw(PROTO2, b"(" * deep, STOP)), refuse(limit, "MARK nesting")
    yield "deep_nesting", fixed(raw(PROTO2, b"]" * deep, b"a" * (deep - 1), STOP)), refuse(limit, "recursion")
    yield "huge_string", fixed(raw(PROTO2, b"X\xf0\xff\xff\xff", b"tiny", STOP)), refuse(limit, "string")

    loop: list = []
    loop.append(loop)
    yield "self_recursive", pick(state(w=tensor(), loop=loop)), refuse(malformed, "recursive")

    # Opcodes and persistent ids that import or carry code.
    yield "ext_opcode", fixed(raw(PROTO2, b"\x82\x01", STOP)), refuse(unsupported, "EXT1")
    yield "module_persistent_id", pick(state(w=tensor(), model=ModuleSource())), refuse(unsupported, "'module'")


# ----------------------------------------------------------------------------- containers

def element_width(storage: Storage) -> int:
    return {"DoubleStorage": 8, "LongStorage": 8, "FloatStorage": 4, "IntStorage": 4, "HalfStorage": 2,
            "BFloat16Storage": 2, "ShortStorage": 2, "ComplexFloatStorage": 8}.get(storage.cls, 1)


def swapped(storage: Storage) -> bytes:
    """The storage's bytes big-endian (each element reversed)."""
    width = element_width(storage)
    return b"".join(storage.data[i:i + width][::-1] for i in range(0, len(storage.data), width))


def zip_container(data_pkl: bytes, storages: list[Storage], deflate: bool = False, big_endian: bool = False) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    records = [("archive/data.pkl", data_pkl), ("archive/byteorder", b"big" if big_endian else b"little")]
    records += [(f"archive/data/{s.key}", swapped(s) if big_endian else s.data) for s in storages]
    records += [("archive/version", b"3\n")]
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in records:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = method
            archive.writestr(info, data)
    return buffer.getvalue()


def zip64_offsets(data: bytes) -> bytes:
    """Moves every central-directory entry's local header offset into a ZIP64 extra field (0xFFFFFFFF in the
    fixed field), as writers do for archives past 4 GiB."""
    eocd = data.rindex(b"PK\x05\x06")
    count, _, start = struct.unpack_from("<HII", data, eocd + 10)
    directory, cursor = b"", start
    for _ in range(count):
        fixed = bytearray(data[cursor:cursor + 46])
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", fixed, 28)
        (offset,) = struct.unpack_from("<I", fixed, 42)
        name_end = cursor + 46 + name_length
        extra = struct.pack("<HHQ", 1, 8, offset) + data[name_end:name_end + extra_length]
        struct.pack_into("<H", fixed, 6, 45)  # version needed: 4.5 (ZIP64)
        struct.pack_into("<H", fixed, 30, len(extra))
        struct.pack_into("<I", fixed, 42, 0xFFFFFFFF)
        comment = data[name_end + extra_length:name_end + extra_length + comment_length]
        directory += bytes(fixed) + data[cursor + 46:name_end] + extra + comment
        cursor = name_end + extra_length + comment_length
    end = bytearray(data[eocd:])
    struct.pack_into("<I", end, 12, len(directory))
    return data[:start] + directory + bytes(end)


def legacy_container(object_pkl: bytes, storages: list[Storage], big_endian_host: bool = False) -> bytes:
    """`big_endian_host` only sets sys_info's little_endian to False: torch writes legacy storages
    little-endian on every host (THPStorage_writeFileRaw swaps) and its loader never looks at the flag."""
    sys_info = {"protocol_version": 1001, "little_endian": not big_endian_host,
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    keys = sorted(s.key for s in storages)
    by_key = {s.key: s for s in storages}
    parts = [pickle.dumps(LEGACY_MAGIC, protocol=2), pickle.dumps(1001, protocol=2), pickle.dumps(sys_info, protocol=2),
             object_pkl, pickle.dumps(keys, protocol=2)]
    for key in keys:
        s = by_key[key]
        parts.append(struct.pack("<q", len(s.data) // element_width(s)))
        parts.append(s.data)
    return raw(*parts)


def main() -> None:
    expected = {}
    for folder in ("zip", "legacy"):
        (OUT / folder).mkdir(exist_ok=True)
        for old in (OUT / folder).glob("*.bin"):
            old.unlink()
    for name, build, expectation in cases():
        zip_pickle, zip_storages = build(False)
        legacy_pickle, legacy_storages = build(True)
        (OUT / "zip" / f"{name}.bin").write_bytes(zip_container(zip_pickle, zip_storages))
        (OUT / "legacy" / f"{name}.bin").write_bytes(legacy_container(legacy_pickle, legacy_storages))
        expected[name] = expectation
    # The less common container paths: deflated records, big-endian storages, ZIP64 local header offsets.
    zip_pickle, zip_storages = dumps(dtype_state(False)[0], legacy=False)
    legacy_pickle, legacy_storages = dumps(dtype_state(True)[0], legacy=True)
    (OUT / "zip" / "benign_deflated.bin").write_bytes(zip_container(zip_pickle, zip_storages, deflate=True))
    (OUT / "zip" / "benign_big_endian.bin").write_bytes(zip_container(zip_pickle, zip_storages, big_endian=True))
    (OUT / "legacy" / "benign_big_endian.bin").write_bytes(legacy_container(legacy_pickle, legacy_storages, big_endian_host=True))
    (OUT / "zip" / "benign_zip64_offsets.bin").write_bytes(zip64_offsets(zip_container(zip_pickle, zip_storages)))
    expected["benign_deflated"] = {"tensors": dtype_state(False)[1], "only": ["zip"]}
    expected["benign_zip64_offsets"] = {"tensors": dtype_state(False)[1], "only": ["zip"]}
    expected["benign_big_endian"] = {"tensors": dtype_state(False)[1], "legacy_tensors": dtype_state(True)[1]}
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print(f"{len(expected)} cases written to {OUT}", file=sys.stderr)


def check_with_torch() -> None:
    """Loads every benign control with the real torch.load(weights_only=True) and compares with expected.json."""
    for name in list(sys.modules):
        if name == "torch" or name.startswith("torch."):
            del sys.modules[name]
    import torch  # noqa: PLC0415

    expected = json.loads((OUT / "expected.json").read_text())
    for case, expectation in expected.items():
        if "tensors" not in expectation:
            continue
        for folder in expectation.get("only", ["zip", "legacy"]):
            path = OUT / folder / f"{case}.bin"
            # weights_only refuses protocol 4 (FRAME); the full unpickler is safe for this benign file.
            obj = torch.load(path, map_location="cpu", weights_only="protocol4" not in case)
            if "state_dict" in obj and "w" not in obj:
                obj = obj["state_dict"]
            tensors = expectation.get("legacy_tensors", expectation["tensors"]) if folder == "legacy" else expectation["tensors"]
            for tname, dtype, shape, hexdata in tensors:
                t = obj[tname].detach().contiguous()
                assert list(t.shape) == shape, (path, tname, t.shape)
                data = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
                assert data.hex() == hexdata, (path, tname, data.hex(), hexdata)
            print(f"torch agrees: {folder}/{case}.bin", file=sys.stderr)


if __name__ == "__main__":
    if "--check-with-torch" in sys.argv:
        check_with_torch()
    else:
        main()
