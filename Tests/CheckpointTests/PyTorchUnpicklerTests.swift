import Foundation
import SafeTensors
import Testing
import TestSupport
@testable import Checkpoint

/// Unpickles `bytes` with `limits`, handing the root to `body`.
private func unpickle<R>(_ bytes: [UInt8], limits: UnpicklerLimits = .standard, _ body: (PickleValue) throws(CheckpointError) -> R) throws(CheckpointError) -> R {
  let result = bytes.withUnsafeBytes { buffer in
    Result { () throws(CheckpointError) in
      try Unpickler.load(buffer, from: 0, file: "test.pkl", context: "data.pkl", limits: limits, body).value
    }
  }
  return try result.get()
}

/// The CheckpointError unpickling `bytes` throws.
private func refusal(_ bytes: [UInt8], limits: UnpicklerLimits = .standard) -> CheckpointError? {
  PyTorchTestSupport.thrown { _ = try unpickle(bytes, limits: limits) { _ in () } } as? CheckpointError
}

private let proto2: [UInt8] = [0x80, 0x02]
private let stop: [UInt8] = [0x2E]

@Suite("PyTorch reader: torch dtype names")
struct PyTorchDTypeTests {
  @Test("storage class names map to dtypes")
  func storages() {
    let table: [(String, DType?)] = [
      ("BFloat16Storage", .bf16), ("torch.HalfStorage", .f16), ("FloatStorage", .f32), ("DoubleStorage", .f64),
      ("LongStorage", .i64), ("IntStorage", .i32), ("ShortStorage", .i16), ("CharStorage", .i8),
      ("ByteStorage", .u8), ("BoolStorage", .bool), ("torch.cuda.FloatStorage", .f32), ("UntypedStorage", .u8),
      ("torch.storage.UntypedStorage", .u8), ("ComplexFloatStorage", nil), ("QInt8Storage", nil), ("Float", nil),
    ]
    for (name, dtype) in table { #expect(DType(torchStorage: name) == dtype, "\(name)") }
  }

  @Test("torch dtype names and aliases map to dtypes")
  func dtypes() {
    let table: [(String, DType?)] = [
      ("torch.float16", .f16), ("torch.half", .f16), ("torch.bfloat16", .bf16), ("torch.float32", .f32),
      ("torch.float", .f32), ("float64", .f64), ("torch.double", .f64), ("torch.int64", .i64), ("torch.long", .i64),
      ("torch.int32", .i32), ("torch.int", .i32), ("torch.int16", .i16), ("torch.short", .i16), ("torch.int8", .i8),
      ("torch.uint8", .u8), ("torch.bool", .bool), ("torch.uint16", nil), ("torch.complex64", nil),
      ("torch.float8_e4m3fn", nil), ("numpy.float32", nil),
    ]
    for (name, dtype) in table { #expect(DType(torchDtype: name) == dtype, "\(name)") }
  }

  @Test("the allowlist resolves torch names and refuses everything else")
  func allowlist() {
    #expect(TorchGlobal.resolve(module: "torch._utils", name: "_rebuild_tensor_v2") == .allowed(.rebuildTensorV2))
    #expect(TorchGlobal.resolve(module: "collections", name: "OrderedDict") == .allowed(.orderedDict))
    #expect(TorchGlobal.resolve(module: "torch", name: "BFloat16Storage") == .allowed(.storageType(name: "torch.BFloat16Storage", dtype: .bf16)))
    #expect(TorchGlobal.resolve(module: "torch", name: "uint16") == .allowed(.dtype(name: "torch.uint16", dtype: nil)))
    #expect(TorchGlobal.resolve(module: "torch", name: "ComplexFloatStorage") == .unsupported("storage class torch.ComplexFloatStorage"))
    for (module, name) in [("posix", "system"), ("builtins", "eval"), ("torch", "load"), ("torch", "EvilStorage"),
                           ("torch._utils", "_rebuild_qtensor"), ("collections", "defaultdict"), ("torch.nn", "Module")] {
      #expect(TorchGlobal.resolve(module: module, name: name) == .forbidden, "\(module).\(name)")
    }
  }
}

@Suite("PyTorch reader: restricted unpickler")
struct PyTorchUnpicklerTests {
  @Test("protocol 2–5 opcodes build the values Python would")
  func opcodes() throws {
    // {'a': [-2, 1.5, None, True, b'xy', 300, 70000], 'b': ('s', 's'), 'c': {1: 2}, 'd': frozenset(), 'a2': …}
    let pickle: [UInt8] = [0x80, 0x04, 0x95, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
      + [0x7D, 0x94]  // EMPTY_DICT MEMOIZE(0)
      + [0x28]  // MARK
      + [0x8C, 0x01, 0x61]  // SHORT_BINUNICODE 'a'
      + [0x5D, 0x94, 0x28]  // EMPTY_LIST MEMOIZE(1) MARK
      + [0x8A, 0x01, 0xFE]  // LONG1 -2
      + [0x47, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0]  // BINFLOAT 1.5
      + [0x4E, 0x88]  // NONE NEWTRUE
      + [0x43, 0x02, 0x78, 0x79]  // SHORT_BINBYTES b'xy'
      + [0x4D, 0x2C, 0x01]  // BININT2 300
      + [0x4A, 0x70, 0x11, 0x01, 0x00]  // BININT 70000
      + [0x65]  // APPENDS
      + [0x8C, 0x01, 0x62, 0x55, 0x01, 0x73, 0x32, 0x86]  // 'b' SHORT_BINSTRING 's' DUP TUPLE2
      + [0x8C, 0x01, 0x63, 0x28, 0x4B, 0x01, 0x4B, 0x02, 0x64]  // 'c' MARK 1 2 DICT
      + [0x8C, 0x01, 0x64, 0x28, 0x91]  // 'd' MARK FROZENSET
      + [0x8C, 0x02, 0x61, 0x32, 0x68, 0x01]  // 'a2' BINGET(1): the same list
      + [0x75]  // SETITEMS
      + [0x8C, 0x01, 0x61, 0x4B, 0x07, 0x73]  // SETITEM 'a' = 7: a repeated key keeps its place
      + [0x2E]
    try unpickle(pickle) { root throws(CheckpointError) in
      guard let dict = root.dictValue else { Issue.record("not a dict: \(root.kind)"); return }
      #expect(dict.entries.compactMap(\.key.stringValue) == ["a", "b", "c", "d", "a2"])
      #expect(dict["a"]?.intValue == 7)
      guard case .list(let list) = dict["a2"] else { Issue.record("a2 is not a list"); return }
      #expect(list.items.count == 7)
      #expect(list.items[0].intValue == -2)
      if case .float(let value) = list.items[1] { #expect(value == 1.5) } else { Issue.record("not a float") }
      #expect(list.items[5].intValue == 300 && list.items[6].intValue == 70000)
      #expect(dict["b"]?.tupleItems?.compactMap(\.stringValue) == ["s", "s"])
      #expect(dict["c"]?.dictValue?.entries.count == 1)
      if case .set(let set) = dict["d"] { #expect(set.items.isEmpty) } else { Issue.record("d is not a set") }
    }
  }

  @Test("OrderedDict through REDUCE and NEWOBJ, with BUILD state ignored")
  func orderedDict() throws {
    let pickle: [UInt8] = proto2 + Array("ccollections\nOrderedDict\n".utf8) + [0x29, 0x52]  // GLOBAL () REDUCE
      + [0x8C, 0x01, 0x6B, 0x4B, 0x01, 0x73]  // SETITEM 'k' = 1
      + [0x7D, 0x8C, 0x09] + Array("_metadata".utf8) + [0x7D, 0x73, 0x62]  // {'_metadata': {}} BUILD
      + stop
    let keys = try unpickle(pickle) { root in root.dictValue?.entries.compactMap(\.key.stringValue) }
    #expect(keys == ["k"])
    let newobj: [UInt8] = proto2 + Array("ccollections\nOrderedDict\n".utf8) + [0x29, 0x81] + stop
    #expect(try unpickle(newobj) { $0.dictValue?.entries.count } == 0)
  }

  /// A pickle that reaches `count` of the resource `limit` guards.
  static func reaching(_ limit: String, _ count: Int) -> [UInt8] {
    switch limit {
    case "stack": proto2 + [UInt8](repeating: 0x4E, count: count) + stop  // NONE × count
    case "memo": proto2 + [0x4E] + [UInt8](repeating: 0x94, count: count) + stop  // MEMOIZE × count
    case "marks": proto2 + [UInt8](repeating: 0x28, count: count) + [0x4E] + stop  // MARK × count
    case "nesting": proto2 + [0x4E] + [UInt8](repeating: 0x85, count: count) + stop  // TUPLE1 × count
    default: proto2 + [0x58, UInt8(count), 0, 0, 0] + [UInt8](repeating: 0x61, count: count) + stop  // a str of count bytes
    }
  }

  @Test("each limit is enforced at one past it and named", arguments: [
    ("stack", "pickle stack deeper than the limit of 64"),
    ("memo", "memo index 64 is beyond the limit of 64"),
    ("marks", "MARK nesting deeper than the limit of 64"),
    ("nesting", "nested deeper than the limit of 64"),
    ("string", "65 bytes exceeds the limit of 64"),
  ])
  func limits(limit: String, message: String) throws {
    let limits = UnpicklerLimits(memoEntries: 64, stackDepth: 64, markDepth: 64, nesting: 64, stringBytes: 64)
    #expect(refusal(Self.reaching(limit, 64), limits: limits) == nil, "\(limit): 64 must be allowed")
    let error = try #require(refusal(Self.reaching(limit, 65), limits: limits), "\(limit) limit not enforced")
    #expect(error.code == .limitExceeded)
    #expect(error.description.contains(message), "\(error)")
    #expect(error.description.contains("data.pkl byte "), "names the offset: \(error)")
  }

  @Test("the default limits stop a memo index bomb and a string-length bomb before allocating")
  func defaultLimits() throws {
    #expect(refusal(proto2 + [0x4E, 0x72, 0xFF, 0xFF, 0xFF, 0x7F] + stop)?.code == .limitExceeded)
    #expect(refusal(proto2 + [0x8D, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + stop)?.code == .limitExceeded)
    #expect(refusal(proto2 + [0x8B, 0xFF, 0xFF, 0xFF, 0x7F] + stop)?.code == .limitExceeded)
  }

  @Test("malformed opcode streams are refused, never trapped on", arguments: [
    [0x80, 0x02] as [UInt8],  // no STOP
    [0x80, 0x02, 0x2E],  // STOP on an empty stack
    [0x80, 0x02, 0x61, 0x2E],  // APPEND on an empty stack
    [0x80, 0x02, 0x4E, 0x4E, 0x61, 0x2E],  // APPEND to None
    [0x80, 0x02, 0x68, 0x05, 0x2E],  // BINGET of an unset memo entry
    [0x80, 0x02, 0x74, 0x2E],  // TUPLE without MARK
    [0x80, 0x02, 0x28, 0x4E, 0x75, 0x2E],  // SETITEMS without a dict
    [0x80, 0x02, 0x58, 0x05, 0x00],  // BINUNICODE cut short
    [0x80, 0x02, 0x8C, 0x02, 0xC3, 0x28, 0x2E],  // invalid UTF-8
    [0x80, 0x02, 0x4E, 0x29, 0x52, 0x2E],  // REDUCE of None
    [0x80, 0x06, 0x4E, 0x2E],  // protocol 6
    [0x80, 0x02, 0x95, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x2E],  // FRAME past the end
    [0x80, 0x02, 0x49, 0x31, 0x0A, 0x2E],  // INT (protocol 0 text)
    [0x80, 0x02, 0x4E, 0x51, 0x2E],  // BINPERSID of None
    [0x80, 0x02, 0x30, 0x2E],  // POP on an empty stack
    [0x80, 0x02, 0x5D, 0x32, 0x61, 0x2E],  // a list appended to itself
  ])
  func malformed(pickle: [UInt8]) {
    let error = refusal(pickle)
    #expect(error != nil, "accepted \(pickle)")
    #expect(error?.code != .limitExceeded)
  }

  @Test("a forbidden global is refused when it is named, before anything calls it")
  func forbiddenGlobal() throws {
    let error = try #require(refusal(proto2 + Array("cposix\nsystem\n".utf8) + stop))
    #expect(error.code == .forbiddenGlobal)
    #expect(error.description.contains("posix.system"))
    let stackGlobal: [UInt8] = [0x80, 0x04, 0x8C, 0x08] + Array("builtins".utf8) + [0x8C, 0x04] + Array("eval".utf8) + [0x93, 0x2E]
    #expect(refusal(stackGlobal)?.description.contains("builtins.eval") == true)
  }
}

@Suite("PyTorch reader: tensor views")
struct PyTorchTensorLayoutTests {
  static func record(_ size: [Int], _ stride: [Int], offset: Int = 0, dtype: DType = .f32, count: Int = 16) throws -> TensorRecord {
    var ref = try StorageRef(persistentID: [.string("storage"), .global(.storageType(name: "torch.FloatStorage", dtype: dtype)),
                                            .string("0"), .string("cpu"), .int(count)])
    ref.dtype = dtype
    // Build through _rebuild_tensor_v2 so the argument checks run too.
    let tuple = { (values: [Int]) in PickleValue.tuple(PickleSequence(values.map { .int($0) })) }
    return try TensorRecord.v2([.storage(ref), .int(offset), tuple(size), tuple(stride), .bool(false), .none])
  }

  static func gathered(_ layout: TensorLayout, storage: [Float]) -> [Float] {
    var output = [Float](repeating: .nan, count: layout.elementCount)
    storage.withUnsafeBytes { source in output.withUnsafeMutableBytes { layout.gather(from: source, into: $0) } }
    return output
  }

  static let storage: [Float] = (0..<16).map(Float.init)

  @Test("contiguous slices, transposes, strided columns, 0-d and empty tensors gather in C order")
  func gather() throws {
    let cases: [([Int], [Int], Int, [Float], Bool)] = [
      ([2, 3], [3, 1], 4, [4, 5, 6, 7, 8, 9], true),
      ([3, 2], [1, 3], 0, [0, 3, 1, 4, 2, 5], false),
      ([2, 2], [8, 2], 1, [1, 3, 9, 11], false),
      ([], [], 7, [7], true),
      ([0, 5], [5, 1], 0, [], true),
      ([1, 4], [99, 1], 2, [2, 3, 4, 5], true),
      ([2, 2, 2], [8, 1, 2], 0, [0, 2, 1, 3, 8, 10, 9, 11], false),
      ([3, 2], [0, 1], 0, [0, 1, 0, 1, 0, 1], false),
    ]
    for (size, stride, offset, expected, contiguous) in cases {
      let layout = try TensorLayout(Self.record(size, stride, offset: offset), at: "t", storageBase: 0, storageBytes: 64, file: "f")
      #expect(layout.isContiguous == contiguous, "\(size) \(stride)")
      #expect(Self.gathered(layout, storage: Self.storage) == expected, "\(size) \(stride) +\(offset)")
      #expect(layout.byteCount == expected.count * 4)
    }
  }

  @Test("views reaching outside the storage, or overflowing, are refused naming the tensor", arguments: [
    ([17], [1], 0, CheckpointError.Code.outOfBounds),
    ([4, 4], [4, 1], 1, .outOfBounds),
    ([2], [1], 15, .outOfBounds),
    ([2], [1], -1, .outOfBounds),
    ([2], [-1], 3, .malformed),
    ([-1], [1], 0, .malformed),
    ([2], [Int.max], 0, .outOfBounds),
    ([Int.max, 2], [0, 0], 0, .limitExceeded),
    ([1 << 31, 1], [0, 1], 0, .limitExceeded),
    ([2], [1], Int.max, .outOfBounds),
  ])
  func outOfBounds(size: [Int], stride: [Int], offset: Int, code: CheckpointError.Code) throws {
    let thrown = PyTorchTestSupport.thrown {
      _ = try TensorLayout(Self.record(size, stride, offset: offset), at: "tensor 'layer.weight'", storageBase: 0, storageBytes: 64, file: "f")
    }
    let error = try #require(thrown as? CheckpointError, "accepted \(size) \(stride) +\(offset)")
    #expect(error.code == code, "\(error)")
    #expect(error.description.contains("tensor 'layer.weight'"))
  }

  @Test("big-endian storages are byte-swapped per element")
  func byteSwap() throws {
    let layout = try TensorLayout(Self.record([2], [1], dtype: .bf16, count: 2), at: "t", storageBase: 0, storageBytes: 4, file: "f")
    var bytes: [UInt8] = [1, 2, 3, 4]
    bytes.withUnsafeMutableBytes { layout.byteSwap($0) }
    #expect(bytes == [2, 1, 4, 3])
  }
}
