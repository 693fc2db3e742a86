import SafeTensors
import Support

/// Bounds on what one pickle may build; exceeding one is refused with the limit named.
struct UnpicklerLimits: Sendable {
  /// Highest memo index + 1 (Python numbers memo entries from 0, so this also bounds their count).
  var memoEntries = 1 << 20
  /// Values on the stack at once, across all MARKs.
  var stackDepth = 1 << 20
  /// MARKs open at once.
  var markDepth = 1000
  /// Containers nested inside one another (Python's own pickler stops near 1000 through its recursion limit).
  var nesting = 1000
  /// Bytes in one str, bytes or int literal.
  var stringBytes = 1 << 24

  static let standard = UnpicklerLimits()
}

/// A restricted unpickler for torch checkpoints: it understands the opcodes `torch.save` and Python's pickle
/// emit for a state dict (protocols 2 to 5) and builds only our own stand-ins for allowlisted globals
/// (``TorchGlobal``). Nothing from the file is imported or run.
enum Unpickler {
  /// What one pickle yielded.
  struct Outcome<Value> {
    /// What the caller's body made of the unpickled object.
    var value: Value
    /// The offset just past the pickle's STOP opcode.
    var end: Int
    /// Every storage a persistent id named, first mention first (keys unique).
    var storages: [StorageRef]
    /// Every tensor `_rebuild_tensor_v2/v3` built, wherever it ended up, with where it was built (the location
    /// names it as outside the state dict: tensors inside it are reported by name).
    var rebuilt: [(record: TensorRecord, location: String)]
  }

  /// Unpickles the pickle starting at `start` in `bytes` and hands the result to `body`.
  ///
  /// The object is only valid inside `body` (containers are emptied afterwards), so `body` must copy out
  /// what it needs.
  /// - Parameters:
  ///   - file: the checkpoint path, for errors.
  ///   - context: what `bytes` is (`data.pkl`), prefixed to byte offsets in errors; nil when `bytes` is the file.
  /// - Throws: ``CheckpointError``: `.forbiddenGlobal` naming a global outside the allowlist, `.limitExceeded`
  ///   naming the limit, `.unsupported` for an opcode or type we do not read, `.malformed` otherwise.
  static func load<Value>(
    _ bytes: UnsafeRawBufferPointer, from start: Int, file: String, context: String?,
    limits: UnpicklerLimits = .standard,
    _ body: (PickleValue) throws(CheckpointError) -> Value
  ) throws(CheckpointError) -> Outcome<Value> {
    let machine = Machine(bytes: bytes, start: start, file: file, context: context, limits: limits)
    let root = try machine.run()
    let value = try body(root)
    return Outcome(value: value, end: machine.position, storages: machine.storages, rebuilt: machine.rebuilt)
  }
}

/// The unpickling state for one pickle. Its deinit empties every container it made, so freeing even a cyclic
/// or very deep structure never recurses.
private final class Machine {
  let bytes: UnsafeRawBufferPointer
  var position: Int
  let file: String
  let context: String?
  let limits: UnpicklerLimits

  var stack: [PickleValue] = []
  /// Stack heights at each open MARK.
  var marks: [Int] = []
  var memo: [Int: PickleValue] = [:]
  var containers: [PickleContainer] = []
  var storages: [StorageRef] = []
  var storageIndex: [UTF8Key: Int] = [:]  // keys are bytes: Python compares str by code point
  var rebuilt: [(record: TensorRecord, location: String)] = []
  /// Where the opcode being executed starts.
  var opcodeStart = 0

  init(bytes: UnsafeRawBufferPointer, start: Int, file: String, context: String?, limits: UnpicklerLimits) {
    self.bytes = bytes
    self.position = start
    self.file = file
    self.context = context
    self.limits = limits
  }

  deinit {
    for container in containers { container.clear() }
  }

  // MARK: Errors

  func error(_ code: CheckpointError.Code, _ detail: String) -> CheckpointError {
    CheckpointError(code, file: file, at: location, detail)
  }

  /// Where the current opcode is: `data.pkl byte 123`, or `byte 123` of the file.
  var location: String {
    let offset = "byte \(opcodeStart)"
    return context.map { "\($0) \(offset)" } ?? offset
  }

  func error(_ fault: PickleFault) -> CheckpointError { error(fault.code, fault.message) }

  // MARK: Reading the opcode stream

  func take(_ count: Int, for what: String) throws(CheckpointError) -> UnsafeRawBufferPointer {
    guard count >= 0, count <= bytes.count - position else {
      throw error(.malformed, "pickle ends inside \(what) (needs \(count) bytes, \(bytes.count - position) left)")
    }
    let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
    position += count
    return slice
  }

  func byte(for what: String) throws(CheckpointError) -> UInt8 { try take(1, for: what)[0] }

  func littleEndian(_ count: Int, for what: String) throws(CheckpointError) -> UInt64 {
    let raw = try take(count, for: what)
    var value: UInt64 = 0
    for (shift, byte) in raw.enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
    return value
  }

  /// A length field of `width` bytes, checked against the string limit before anything is read.
  func length(_ width: Int, for what: String) throws(CheckpointError) -> Int {
    let raw = try littleEndian(width, for: what)
    guard raw <= UInt64(limits.stringBytes) else {
      throw error(.limitExceeded, "\(what) of \(raw) bytes exceeds the limit of \(limits.stringBytes) bytes per string")
    }
    return Int(raw)
  }

  func text(_ count: Int, for what: String) throws(CheckpointError) -> String {
    let raw = try take(count, for: what)
    guard let string = String(validating: raw, as: UTF8.self) else {
      throw error(.malformed, "\(what) is not valid UTF-8")
    }
    return string
  }

  /// A newline-terminated line (GLOBAL and INST operands).
  func line(for what: String) throws(CheckpointError) -> String {
    let start = position
    while true {
      guard position - start <= limits.stringBytes else {
        throw error(.limitExceeded, "\(what) longer than the limit of \(limits.stringBytes) bytes per string")
      }
      if try byte(for: what) == 0x0A { break }
    }
    guard let string = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<(position - 1)]), as: UTF8.self) else {
      throw error(.malformed, "\(what) is not valid UTF-8")
    }
    return string
  }

  // MARK: Stack

  func push(_ value: PickleValue) throws(CheckpointError) {
    guard stack.count < limits.stackDepth else {
      throw error(.limitExceeded, "pickle stack deeper than the limit of \(limits.stackDepth) values")
    }
    stack.append(value)
  }

  /// The lowest stack index the current MARK lets an opcode touch.
  var floor: Int { marks.last ?? 0 }

  func pop(for what: String) throws(CheckpointError) -> PickleValue {
    guard stack.count > floor else { throw error(.malformed, "\(what) on an empty pickle stack") }
    return stack.removeLast()
  }

  func top(for what: String) throws(CheckpointError) -> PickleValue {
    guard stack.count > floor, let value = stack.last else { throw error(.malformed, "\(what) on an empty pickle stack") }
    return value
  }

  func pushMark() throws(CheckpointError) {
    guard marks.count < limits.markDepth else {
      throw error(.limitExceeded, "MARK nesting deeper than the limit of \(limits.markDepth)")
    }
    marks.append(stack.count)
  }

  /// The values pushed since the last MARK, which is closed.
  func popMark(for what: String) throws(CheckpointError) -> [PickleValue] {
    guard let mark = marks.popLast() else { throw error(.malformed, "\(what) without a MARK") }
    let items = Array(stack[mark...])
    stack.removeSubrange(mark...)
    return items
  }

  // MARK: Containers

  func track<C: PickleContainer>(_ container: C) -> C {
    containers.append(container)
    return container
  }

  func tuple(_ items: [PickleValue]) throws(CheckpointError) -> PickleValue {
    let deepest = items.reduce(0) { max($0, $1.depth) }
    try checkNesting(deepest + 1)
    let box = track(PickleSequence(items))
    box.depth = deepest + 1
    return .tuple(box)
  }

  func checkNesting(_ depth: Int) throws(CheckpointError) {
    guard depth <= limits.nesting else {
      throw error(.limitExceeded, "containers nested deeper than the limit of \(limits.nesting) (recursion)")
    }
  }

  /// Records that `items` now sit inside `container`, refusing a container put inside itself.
  func adopt(_ items: [PickleValue], into container: PickleContainer) throws(CheckpointError) {
    for item in items {
      guard let child = item.container else { continue }
      guard child !== container else {
        throw error(.malformed, "recursive structure: a \(item.kind) that contains itself")
      }
      try checkNesting(child.depth + 1)
      container.depth = max(container.depth, child.depth + 1)
    }
  }

  func append(_ items: [PickleValue], for what: String) throws(CheckpointError) {
    let target = try top(for: what)
    switch target {
    case .list(let box), .set(let box):
      try adopt(items, into: box)
      box.items.append(contentsOf: items)
    default:
      throw error(.malformed, "\(what) on a \(target.kind), not a list or set")
    }
  }

  func setItems(_ items: [PickleValue], in dict: PickleDict) throws(CheckpointError) {
    guard items.count % 2 == 0 else { throw error(.malformed, "SETITEMS with an odd number of values") }
    try adopt(items, into: dict)
    var index = 0
    while index < items.count {
      dict.set(items[index], items[index + 1])
      index += 2
    }
  }

  func setItems(_ items: [PickleValue], for what: String) throws(CheckpointError) {
    let target = try top(for: what)
    guard let dict = target.dictValue else { throw error(.malformed, "\(what) on a \(target.kind), not a dict") }
    try setItems(items, in: dict)
  }

  // MARK: Memo

  func memoize(_ index: Int) throws(CheckpointError) {
    guard index < limits.memoEntries else {
      throw error(.limitExceeded, "memo index \(index) is beyond the limit of \(limits.memoEntries) memo entries")
    }
    memo[index] = try top(for: "memoizing")
  }

  func recall(_ index: Int) throws(CheckpointError) {
    guard let value = memo[index] else { throw error(.malformed, "memo entry \(index) is read before it is written") }
    try push(value)
  }

  // MARK: Globals and calls

  func global(module: String, name: String) throws(CheckpointError) -> PickleValue {
    switch TorchGlobal.resolve(module: module, name: name) {
    case .allowed(let global): return .global(global)
    case .unsupported(let what): throw error(.unsupported, "\(what) is not supported")
    case .forbidden:
      throw error(.forbiddenGlobal, "\(module).\(name) is not on the allowlist (torch tensor rebuilders, storage classes, dtypes, collections.OrderedDict); nothing was imported or run")
    }
  }

  func call(_ callable: PickleValue, _ args: [PickleValue]) throws(CheckpointError) -> PickleValue {
    guard case .global(let global) = callable else {
      throw error(.malformed, "calls \(callable.kind), which is not a global")
    }
    switch global {
    case .orderedDict:
      let dict = track(PickleDict())
      if let first = args.first {
        guard args.count == 1, case .list(let pairs) = first else {
          throw error(.malformed, "OrderedDict takes no arguments or one list of pairs")
        }
        for pair in pairs.items {
          guard let items = pair.tupleItems, items.count == 2 else {
            throw error(.malformed, "OrderedDict item is \(pair.kind), not a pair")
          }
          try setItems(items, in: dict)
        }
      }
      return .dict(dict)
    case .rebuildTensorV2: return try rebuild(TensorRecord.v2, args)
    case .rebuildTensorV3: return try rebuild(TensorRecord.v3, args)
    case .rebuildParameter, .rebuildParameterWithState:
      let expected = global == .rebuildParameter ? 3 : 4
      guard args.count == expected, case .tensor = args[0] else {
        throw error(.malformed, "\(global.name) takes a tensor and \(expected - 1) more arguments")
      }
      return args[0]
    case .rebuildFromTypeV2:
      // func(*args) where func is a tensor rebuilder; never itself, so this recursion is one level deep.
      guard args.count == 4, case .global(let inner) = args[0], case .global(.tensorType) = args[1],
            let innerArgs = args[2].tupleItems,
            [.rebuildTensorV2, .rebuildTensorV3, .rebuildParameter, .rebuildParameterWithState].contains(inner)
      else {
        throw error(.malformed, "_rebuild_from_type_v2 takes a tensor rebuilder, torch.Tensor or Parameter, a tuple and a state")
      }
      return try call(args[0], innerArgs)
    case .storageType, .dtype, .tensorType:
      throw error(.malformed, "calls \(global.name), which the reader does not construct")
    }
  }

  /// A tensor from `_rebuild_tensor_v2/v3`, also recorded so it is bounds-checked even outside the state dict.
  func rebuild(_ build: ([PickleValue]) throws(PickleFault) -> TensorRecord, _ args: [PickleValue]) throws(CheckpointError) -> PickleValue {
    let record: TensorRecord
    do { record = try build(args) } catch { throw self.error(error) }
    rebuilt.append((record, "tensor outside the state dict (\(location))"))
    return .tensor(record)
  }

  func persistentLoad(_ id: PickleValue) throws(CheckpointError) -> PickleValue {
    guard let items = id.tupleItems else { throw error(.malformed, "persistent id is \(id.kind), not a tuple") }
    let storage: StorageRef
    do { storage = try StorageRef(persistentID: items) } catch { throw self.error(error) }
    if let index = storageIndex[UTF8Key(storage.key)] {
      let known = storages[index]
      guard known.dtype == storage.dtype, known.count == storage.count else {
        throw error(.malformed, "storage '\(storage.key)' is named both as \(known.count) × \(known.typeName) and as \(storage.count) × \(storage.typeName)")
      }
    } else {
      storageIndex[UTF8Key(storage.key)] = storages.count
      storages.append(storage)
    }
    return .storage(storage)
  }

  // MARK: The opcode loop

  func run() throws(CheckpointError) -> PickleValue {
    while true {
      opcodeStart = position
      let opcode = try byte(for: "the next opcode")
      switch opcode {
      case 0x80:  // PROTO
        let version = try byte(for: "PROTO")
        guard version <= 5 else { throw error(.unsupported, "pickle protocol \(version) (5 is the newest)") }
      case 0x95:  // FRAME: a length hint; opcodes are read the same way inside and outside frames
        let size = try littleEndian(8, for: "FRAME")
        guard size <= UInt64(bytes.count - position) else {
          throw error(.malformed, "FRAME of \(size) bytes runs past the end of the pickle")
        }
      case 0x2E:  // STOP
        let result = try pop(for: "STOP")
        return result
      case 0x28: try pushMark()  // MARK
      case 0x30:  // POP: in Python an empty stack above a MARK pops the MARK
        if stack.count > floor { stack.removeLast() } else { _ = try popMark(for: "POP") }
      case 0x31: _ = try popMark(for: "POP_MARK")
      case 0x32: try push(try top(for: "DUP"))
      case 0x4E: try push(.none)  // NONE
      case 0x88: try push(.bool(true))  // NEWTRUE
      case 0x89: try push(.bool(false))  // NEWFALSE
      case 0x4A: try push(.int(Int(Int32(bitPattern: UInt32(try littleEndian(4, for: "BININT"))))))
      case 0x4B: try push(.int(Int(try byte(for: "BININT1"))))
      case 0x4D: try push(.int(Int(try littleEndian(2, for: "BININT2"))))
      case 0x8A: try push(try long(Int(try byte(for: "LONG1")), for: "LONG1"))
      case 0x8B:
        let raw = Int32(bitPattern: UInt32(try littleEndian(4, for: "LONG4")))
        guard raw >= 0 else { throw error(.malformed, "LONG4 with negative length \(raw)") }
        guard Int(raw) <= limits.stringBytes else {
          throw error(.limitExceeded, "LONG4 of \(raw) bytes exceeds the limit of \(limits.stringBytes) bytes per string")
        }
        try push(try long(Int(raw), for: "LONG4"))
      case 0x47:  // BINFLOAT, big-endian
        let raw = try take(8, for: "BINFLOAT")
        try push(.float(Double(bitPattern: raw.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })))
      case 0x58: try push(.string(try text(try length(4, for: "BINUNICODE"), for: "BINUNICODE")))
      case 0x8C: try push(.string(try text(try length(1, for: "SHORT_BINUNICODE"), for: "SHORT_BINUNICODE")))
      case 0x8D: try push(.string(try text(try length(8, for: "BINUNICODE8"), for: "BINUNICODE8")))
      case 0x54:  // BINSTRING (signed length)
        let raw = Int32(bitPattern: UInt32(try littleEndian(4, for: "BINSTRING")))
        guard raw >= 0 else { throw error(.malformed, "BINSTRING with negative length \(raw)") }
        guard Int(raw) <= limits.stringBytes else {
          throw error(.limitExceeded, "BINSTRING of \(raw) bytes exceeds the limit of \(limits.stringBytes) bytes per string")
        }
        try push(.string(try text(Int(raw), for: "BINSTRING")))
      case 0x55: try push(.string(try text(try length(1, for: "SHORT_BINSTRING"), for: "SHORT_BINSTRING")))
      case 0x42: _ = try take(try length(4, for: "BINBYTES"), for: "BINBYTES"); try push(.bytes)
      case 0x43: _ = try take(try length(1, for: "SHORT_BINBYTES"), for: "SHORT_BINBYTES"); try push(.bytes)
      case 0x8E: _ = try take(try length(8, for: "BINBYTES8"), for: "BINBYTES8"); try push(.bytes)
      case 0x96: _ = try take(try length(8, for: "BYTEARRAY8"), for: "BYTEARRAY8"); try push(.bytes)
      case 0x29: try push(try tuple([]))  // EMPTY_TUPLE
      case 0x74: try push(try tuple(try popMark(for: "TUPLE")))
      case 0x85, 0x86, 0x87:  // TUPLE1, TUPLE2, TUPLE3
        let count = Int(opcode - 0x84)
        guard stack.count - floor >= count else { throw error(.malformed, "TUPLE\(count) with fewer than \(count) values on the stack") }
        let items = Array(stack.suffix(count))
        stack.removeLast(count)
        try push(try tuple(items))
      case 0x5D: try push(.list(track(PickleSequence())))  // EMPTY_LIST
      case 0x6C:  // LIST
        let items = try popMark(for: "LIST")
        let list = track(PickleSequence())
        try adopt(items, into: list)
        list.items = items
        try push(.list(list))
      case 0x61: try append([try pop(for: "APPEND")], for: "APPEND")
      case 0x65: try append(try popMark(for: "APPENDS"), for: "APPENDS")
      case 0x7D: try push(.dict(track(PickleDict())))  // EMPTY_DICT
      case 0x64:  // DICT
        let items = try popMark(for: "DICT")
        let dict = track(PickleDict())
        try setItems(items, in: dict)
        try push(.dict(dict))
      case 0x73:  // SETITEM
        let value = try pop(for: "SETITEM")
        let key = try pop(for: "SETITEM")
        try setItems([key, value], for: "SETITEM")
      case 0x75: try setItems(try popMark(for: "SETITEMS"), for: "SETITEMS")
      case 0x8F: try push(.set(track(PickleSequence())))  // EMPTY_SET
      case 0x90: try append(try popMark(for: "ADDITEMS"), for: "ADDITEMS")
      case 0x91:  // FROZENSET
        let items = try popMark(for: "FROZENSET")
        let set = track(PickleSequence())
        try adopt(items, into: set)
        set.items = items
        try push(.set(set))
      case 0x68: try recall(Int(try byte(for: "BINGET")))
      case 0x6A: try recall(Int(try littleEndian(4, for: "LONG_BINGET")))
      case 0x71: try memoize(Int(try byte(for: "BINPUT")))
      case 0x72: try memoize(Int(try littleEndian(4, for: "LONG_BINPUT")))
      case 0x94: try memoize(memo.count)  // MEMOIZE
      case 0x63:  // GLOBAL
        let module = try line(for: "GLOBAL module")
        let name = try line(for: "GLOBAL name")
        try push(try global(module: module, name: name))
      case 0x93:  // STACK_GLOBAL
        let name = try pop(for: "STACK_GLOBAL")
        let module = try pop(for: "STACK_GLOBAL")
        guard let module = module.stringValue, let name = name.stringValue else {
          throw error(.malformed, "STACK_GLOBAL needs two str values")
        }
        try push(try global(module: module, name: name))
      case 0x69:  // INST
        let module = try line(for: "INST module")
        let name = try line(for: "INST name")
        let callable = try global(module: module, name: name)
        try push(try call(callable, try popMark(for: "INST")))
      case 0x6F:  // OBJ
        let items = try popMark(for: "OBJ")
        guard let callable = items.first else { throw error(.malformed, "OBJ without a class") }
        try push(try call(callable, Array(items.dropFirst())))
      case 0x52:  // REDUCE
        let args = try pop(for: "REDUCE")
        let callable = try pop(for: "REDUCE")
        guard let items = args.tupleItems else { throw error(.malformed, "REDUCE arguments are \(args.kind), not a tuple") }
        try push(try call(callable, items))
      case 0x81, 0x92:  // NEWOBJ, NEWOBJ_EX: only OrderedDict is a class we build
        if opcode == 0x92 {
          let kwargs = try pop(for: "NEWOBJ_EX")
          guard let dict = kwargs.dictValue, dict.entries.isEmpty else {
            throw error(.malformed, "NEWOBJ_EX with keyword arguments")
          }
        }
        let args = try pop(for: "NEWOBJ")
        let cls = try pop(for: "NEWOBJ")
        guard case .global(.orderedDict) = cls, let items = args.tupleItems else {
          throw error(.malformed, "NEWOBJ of \(cls.kind) (only collections.OrderedDict is built)")
        }
        try push(try call(cls, items))
      case 0x62:  // BUILD: attribute state of an OrderedDict (`_metadata`) or a tensor is not needed
        let state = try pop(for: "BUILD")
        let target = try top(for: "BUILD")
        switch target {
        case .dict, .tensor: try adoptState(state, into: target)
        default: throw error(.malformed, "BUILD on a \(target.kind)")
        }
      case 0x51: try push(try persistentLoad(try pop(for: "BINPERSID")))  // BINPERSID
      default:
        throw error(.unsupported, "pickle opcode \(Self.name(of: opcode)) is not one torch.save emits for a state dict")
      }
    }
  }

  /// BUILD state is ignored, but a container that holds itself through it is still refused.
  func adoptState(_ state: PickleValue, into target: PickleValue) throws(CheckpointError) {
    if let box = target.container, let child = state.container, child === box {
      throw error(.malformed, "recursive structure: BUILD state is the object itself")
    }
  }

  /// A little-endian two's-complement integer of `count` bytes (LONG1 / LONG4).
  func long(_ count: Int, for what: String) throws(CheckpointError) -> PickleValue {
    let raw = try take(count, for: what)
    guard count > 0 else { return .int(0) }
    guard count <= 8 else { return .bigInt }
    var value: UInt64 = 0
    for (shift, byte) in raw.enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
    if count < 8, raw[count - 1] & 0x80 != 0 { value |= ~0 << (8 * UInt64(count)) }  // sign-extend
    return .int(Int(Int64(bitPattern: value)))
  }

  static func name(of opcode: UInt8) -> String {
    let names: [UInt8: String] = [
      0x50: "PERSID", 0x49: "INT", 0x4C: "LONG", 0x46: "FLOAT", 0x53: "STRING", 0x56: "UNICODE", 0x67: "GET",
      0x70: "PUT", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
    ]
    let hex = "0x" + (opcode < 16 ? "0" : "") + String(opcode, radix: 16)
    if let name = names[opcode] { return "\(name) (\(hex))" }
    return hex
  }
}
