import Support
import SafeTensors

/// A storage as a pickle's persistent id names it: `('storage', FloatStorage, key, location, numel)`, plus a
/// sixth `view_metadata` element in legacy files.
struct StorageRef: Sendable, Equatable {
  /// The record key: `data/<key>` in a zip, the key in a legacy file's storage list.
  var key: String
  /// The storage class as spelled, e.g. `torch.FloatStorage`.
  var typeName: String
  /// The storage's element type (`.u8` for `UntypedStorage`, whose count is in bytes).
  var dtype: DType
  /// Elements the persistent id declares for the whole storage.
  var count: Int
  /// A legacy storage view: elements `[offset, offset + count)` of storage `key`.
  var view: View?

  struct View: Sendable, Equatable {
    var key: String
    var offset: Int
    var count: Int
  }

  /// Parses a persistent id tuple.
  init(persistentID items: [PickleValue]) throws(PickleFault) {
    guard let kind = items.first?.stringValue else {
      throw PickleFault(.malformed, "persistent id is not a ('storage', …) tuple")
    }
    guard kind == "storage" else {
      throw PickleFault(.unsupported, "persistent id '\(kind)' (only 'storage' ids are read; 'module' would be pickled source code)")
    }
    guard items.count == 5 || items.count == 6 else {
      throw PickleFault(.malformed, "storage persistent id has \(items.count) items, not 5 or 6")
    }
    guard case .global(.storageType(let name, let dtype)) = items[1] else {
      throw PickleFault(.malformed, "storage persistent id names \(items[1].kind), not a storage class")
    }
    guard let key = items[2].stringValue, let count = items[4].intValue, count >= 0 else {
      throw PickleFault(.malformed, "storage persistent id needs a str key and a non-negative element count")
    }
    self.key = key
    self.typeName = name
    self.dtype = dtype
    self.count = count
    if items.count == 6, case .tuple(let box) = items[5] {
      guard box.items.count == 3, let viewKey = box.items[0].stringValue, let offset = box.items[1].intValue,
            let viewCount = box.items[2].intValue, offset >= 0, viewCount >= 0
      else { throw PickleFault(.malformed, "storage '\(key)' has a malformed view (key, offset, size)") }
      guard let end = Checked.add(offset, viewCount), end <= count else {
        throw PickleFault(.outOfBounds, "storage view '\(viewKey)' covers elements \(offset)..<\(offset &+ viewCount) of storage '\(key)', which holds \(count)")
      }
      view = View(key: viewKey, offset: offset, count: viewCount)
    } else if items.count == 6, case .none = items[5] {
      view = nil
    } else if items.count == 6 {
      throw PickleFault(.malformed, "storage '\(key)' has view metadata of type \(items[5].kind)")
    }
  }
}

/// A tensor as `_rebuild_tensor_v2/v3` describes it: a strided view of a storage. Nothing is checked against
/// the storage yet; ``TensorLayout`` does that once the tensor's name and the storage's record are known.
struct TensorRecord: Sendable {
  var storage: StorageRef
  /// The tensor's dtype as spelled (`torch.FloatStorage` for v2, `torch.float16` for v3) and as we know it.
  var dtypeName: String
  var dtype: DType?
  /// In elements of `dtype`.
  var storageOffset: Int
  var size: [Int]
  /// In elements of `dtype`.
  var stride: [Int]

  /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`.
  static func v2(_ args: [PickleValue]) throws(PickleFault) -> TensorRecord {
    guard args.count == 6 || args.count == 7 else {
      throw PickleFault(.malformed, "_rebuild_tensor_v2 takes 6 or 7 arguments, got \(args.count)")
    }
    guard case .storage(let storage) = args[0] else {
      throw PickleFault(.malformed, "_rebuild_tensor_v2's first argument is \(args[0].kind), not a storage")
    }
    if args.count == 7 { try checkMetadata(args[6]) }
    return try TensorRecord(storage: storage, dtypeName: storage.typeName, dtype: storage.dtype,
                            offset: args[1], size: args[2], stride: args[3])
  }

  /// `_rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype[, metadata])`.
  static func v3(_ args: [PickleValue]) throws(PickleFault) -> TensorRecord {
    guard args.count == 7 || args.count == 8 else {
      throw PickleFault(.malformed, "_rebuild_tensor_v3 takes 7 or 8 arguments, got \(args.count)")
    }
    guard case .storage(let storage) = args[0] else {
      throw PickleFault(.malformed, "_rebuild_tensor_v3's first argument is \(args[0].kind), not a storage")
    }
    guard case .global(.dtype(let name, let dtype)) = args[6] else {
      throw PickleFault(.malformed, "_rebuild_tensor_v3's dtype argument is \(args[6].kind), not a torch dtype")
    }
    // torch pickles v3 tensors over untyped storages; a typed one of another dtype has no defined byte order.
    guard storage.typeName.hasSuffix("UntypedStorage") || storage.dtype == dtype else {
      throw PickleFault(.malformed, "_rebuild_tensor_v3 reads \(name) elements from a \(storage.typeName)")
    }
    if args.count == 8 { try checkMetadata(args[7]) }
    return try TensorRecord(storage: storage, dtypeName: name, dtype: dtype, offset: args[1], size: args[2], stride: args[3])
  }

  private init(storage: StorageRef, dtypeName: String, dtype: DType?, offset: PickleValue, size: PickleValue,
               stride: PickleValue) throws(PickleFault) {
    guard let offset = offset.intValue else {
      throw PickleFault(.malformed, "tensor storage offset is \(offset.kind), not an int")
    }
    self.storage = storage
    self.dtypeName = dtypeName
    self.dtype = dtype
    self.storageOffset = offset
    self.size = try Self.ints(size, "size")
    self.stride = try Self.ints(stride, "stride")
    guard self.size.count == self.stride.count else {
      throw PickleFault(.malformed, "tensor size has \(self.size.count) dimensions but stride has \(self.stride.count)")
    }
  }

  private static func ints(_ value: PickleValue, _ what: String) throws(PickleFault) -> [Int] {
    guard let items = value.tupleItems else { throw PickleFault(.malformed, "tensor \(what) is \(value.kind), not a tuple") }
    var result: [Int] = []
    result.reserveCapacity(items.count)
    for item in items {
      guard let int = item.intValue else { throw PickleFault(.malformed, "tensor \(what) holds \(item.kind), not an int") }
      result.append(int)
    }
    return result
  }

  /// The optional metadata dict (conjugate / negative bits); a set bit changes the values, so it is refused.
  private static func checkMetadata(_ value: PickleValue) throws(PickleFault) {
    guard let dict = value.dictValue else { return }
    for (key, flag) in dict.entries {
      if case .bool(true) = flag, let name = key.stringValue {
        throw PickleFault(.unsupported, "tensor metadata sets '\(name)' (conjugate/negative views are not supported)")
      }
    }
  }
}

/// A failure inside the unpickler's torch logic, before it knows where in the file it is.
struct PickleFault: Error {
  var code: CheckpointError.Code
  var message: String
  init(_ code: CheckpointError.Code, _ message: String) {
    self.code = code
    self.message = message
  }
}
