import SafeTensors

/// A value on the restricted unpickler's stack or in its memo.
///
/// Containers are reference types, as in Python, so a memo entry and the stack see the same list or dict.
/// They are valid only inside ``Unpickler/load(_:from:file:context:limits:_:)``'s body: afterwards the
/// unpickler empties every container it made, so cycles and deep nesting are torn down without recursion.
enum PickleValue {
  case none
  case bool(Bool)
  case int(Int)
  /// An integer too wide for `Int`; never meaningful in a state dict, so only its existence is kept.
  case bigInt
  case float(Double)
  case string(String)
  /// A bytes or bytearray object; the contents are never needed, so they are not kept.
  case bytes
  case global(TorchGlobal)
  case tuple(PickleSequence)
  case list(PickleSequence)
  case set(PickleSequence)
  case dict(PickleDict)
  case storage(StorageRef)
  case tensor(TensorRecord)

  /// A short name of the value's type for error messages (never the value itself, which may be huge or cyclic).
  var kind: String {
    switch self {
    case .none: "None"
    case .bool: "bool"
    case .int, .bigInt: "int"
    case .float: "float"
    case .string: "str"
    case .bytes: "bytes"
    case .global(let global): global.name
    case .tuple: "tuple"
    case .list: "list"
    case .set: "set"
    case .dict: "dict"
    case .storage: "storage"
    case .tensor: "tensor"
    }
  }

  /// The container behind the value, if it is one.
  var container: PickleContainer? {
    switch self {
    case .tuple(let box), .list(let box), .set(let box): box
    case .dict(let box): box
    default: nil
    }
  }

  /// How many containers deep the value is (0 for a scalar).
  var depth: Int { container?.depth ?? 0 }

  var intValue: Int? { if case .int(let value) = self { value } else { nil } }
  var stringValue: String? { if case .string(let value) = self { value } else { nil } }
  var tupleItems: [PickleValue]? { if case .tuple(let box) = self { box.items } else { nil } }
  var dictValue: PickleDict? { if case .dict(let box) = self { box } else { nil } }
  var tensorValue: TensorRecord? { if case .tensor(let record) = self { record } else { nil } }
}

/// A list, tuple or dict the unpickler built; the unpickler keeps every one so it can empty them all at the end.
class PickleContainer {
  /// 1 + the deepest nested container seen when items were added.
  var depth = 1
  /// Drops every item, breaking any reference cycle through this container.
  func clear() {}
}

/// The items of a tuple, list or set, in order.
final class PickleSequence: PickleContainer {
  var items: [PickleValue]
  init(_ items: [PickleValue] = []) { self.items = items }
  override func clear() { items = [] }
}

/// A dict (or OrderedDict) in insertion order; a repeated str or int key replaces the value in place, as in Python.
final class PickleDict: PickleContainer {
  private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
  private var positions: [Key: Int] = [:]

  private enum Key: Hashable {
    case string(String)
    case int(Int)
  }

  func set(_ key: PickleValue, _ value: PickleValue) {
    let hashed: Key? = switch key {
    case .string(let s): .string(s)
    case .int(let i): .int(i)
    case .bool(let b): .int(b ? 1 : 0)
    default: nil
    }
    if let hashed, let position = positions[hashed] {
      entries[position].value = value
      return
    }
    if let hashed { positions[hashed] = entries.count }
    entries.append((key, value))
  }

  /// The value stored under the str key `key`.
  subscript(key: String) -> PickleValue? {
    positions[.string(key)].map { entries[$0].value }
  }

  override func clear() {
    entries = []
    positions = [:]
  }
}
