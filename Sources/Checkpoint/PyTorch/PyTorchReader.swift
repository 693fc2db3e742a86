import Support
import SafeTensors

/// Reads PyTorch checkpoints (zip and legacy) without executing anything from them.
enum PyTorchReader {
  /// The tensors of one `.bin`/`.pt` file, in the order its state dict lists them.
  /// - Throws: ``CheckpointError`` naming the file and the tensor, byte offset, pickle global or limit at fault.
  static func read(path: String, format: CheckpointFormat) throws(CheckpointError) -> [SourceTensor] {
    switch format {
    case .pytorchZip: try TorchZipReader.read(path: path)
    case .pytorchLegacy: try TorchLegacyReader.read(path: path)
    case .safetensors, .hdf5:
      throw CheckpointError(.unknownFormat, file: path, "is \(format.rawValue), not a PyTorch checkpoint")
    }
  }

  /// A storage record found in the file: where its bytes are and how many there are.
  struct StoredRecord {
    var source: StorageSource
    var byteCount: Int
  }

  /// Builds the state dict's tensors once every storage the pickle named has been located.
  ///
  /// Checks each storage's declared size against its record, and every tensor the pickle rebuilt — in the
  /// state dict or not — against its storage. A contiguous little-endian tensor in an uncompressed record
  /// becomes a zero-copy slice of the mapping; any other is materialised when its bytes are asked for.
  static func tensors<Value>(
    _ pickle: Unpickler.Outcome<Value>, named: [(name: String, record: TensorRecord)],
    records: [UTF8Key: StoredRecord], path: String, byteSwap: Bool
  ) throws(CheckpointError) -> [SourceTensor] {
    let storages = try StorageTable(pickle.storages, records: records, path: path)
    var tensors: [SourceTensor] = []
    tensors.reserveCapacity(named.count)
    for (name, record) in named {
      let (layout, source) = try storages.layout(of: record, at: "tensor '\(name)'")
      // As torch.load does, a big-endian storage is swapped per element of its own type: never an untyped one.
      let swap = byteSwap && record.storage.dtype.byteWidth > 1
      let bytes: any TensorBytes
      if layout.isContiguous, !swap, case .mapped(let file, let range) = source {
        let start = range.lowerBound + layout.storageBytes.lowerBound
        bytes = MappedSliceBytes(file: file, range: start..<(start + layout.byteCount))
      } else {
        bytes = MaterialisedTensorBytes(storage: source, layout: layout, byteSwap: swap)
      }
      tensors.append(SourceTensor(name: name, dtype: layout.dtype, shape: layout.size, file: path, bytes: bytes))
    }
    // Tensors outside the state dict (optimizer state, …) are never read, but a bad one still marks a bad file.
    for (record, location) in pickle.rebuilt where record.dtype != nil {
      _ = try storages.layout(of: record, at: location)
    }
    return tensors
  }

  /// Maps `path` read-only.
  static func map(_ path: String) throws(CheckpointError) -> MappedFile {
    do { return try MappedFile(path: path) } catch { throw CheckpointError(error) }
  }
}

/// The storages a pickle named, each checked against the record that holds it.
private struct StorageTable {
  let records: [UTF8Key: PyTorchReader.StoredRecord]  // storage keys are bytes, as Python compares them
  /// Bytes each storage declares (elements × element size), never more than its record holds.
  let declaredBytes: [UTF8Key: Int]
  let path: String

  init(_ storages: [StorageRef], records: [UTF8Key: PyTorchReader.StoredRecord], path: String) throws(CheckpointError) {
    var declared: [UTF8Key: Int] = [:]
    for storage in storages {
      guard let record = records[UTF8Key(storage.key)] else {
        throw CheckpointError(.malformed, file: path, at: "storage '\(storage.key)'", "the pickle names it but the file holds no such record")
      }
      guard let bytes = Checked.multiply(storage.count, storage.dtype.byteWidth), bytes <= record.byteCount else {
        throw CheckpointError(.outOfBounds, file: path, at: "storage '\(storage.key)'",
                              "declares \(storage.count) × \(storage.typeName) but its record holds \(record.byteCount) bytes")
      }
      declared[UTF8Key(storage.key)] = bytes
    }
    self.records = records
    self.declaredBytes = declared
    self.path = path
  }

  /// The checked layout of `record` in its storage, and where the storage's bytes are.
  func layout(of record: TensorRecord, at location: String) throws(CheckpointError) -> (TensorLayout, StorageSource) {
    let storage = record.storage
    guard let source = records[UTF8Key(storage.key)]?.source, let declared = declaredBytes[UTF8Key(storage.key)] else {
      throw CheckpointError(.malformed, file: path, at: location, "its storage '\(storage.key)' is not in the file")
    }
    var base = 0, available = declared
    if let view = storage.view {  // a legacy storage view: a slice of the root storage
      let width = storage.dtype.byteWidth
      guard let start = Checked.multiply(view.offset, width), let count = Checked.multiply(view.count, width) else {
        throw CheckpointError(.outOfBounds, file: path, at: location, "storage view '\(view.key)' lies beyond any storage")
      }
      (base, available) = (start, count)
    }
    let layout = try TensorLayout(record, at: location, storageBase: base, storageBytes: available, file: path)
    return (layout, source)
  }
}
