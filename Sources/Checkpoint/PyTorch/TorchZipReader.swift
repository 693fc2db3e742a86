import SafeTensors
import Support

/// Reads a torch ≥ 1.6 checkpoint: a zip holding `<prefix>/data.pkl`, `<prefix>/byteorder` and one
/// `<prefix>/data/<key>` record per storage.
enum TorchZipReader {
  /// - Throws: ``CheckpointError`` naming the file and the record, pickle byte, global, limit or tensor at fault.
  static func read(path: String) throws(CheckpointError) -> [SourceTensor] {
    let file = try PyTorchReader.map(path)
    let archive = try ZipArchive(path: path)
    let entries = try archive.entries()
    let records = try file.withUnsafeBytes { bytes throws(CheckpointError) in
      try ZipRecords.locate(entries, in: bytes, path: path)
    }

    // The prefix is whatever precedes the first '/' of the first entry (torch's PyTorchStreamReader::init).
    guard let first = entries.first, let slash = first.name.firstIndex(of: "/") else {
      throw CheckpointError(.malformed, file: path, "zip has no '<prefix>/…' entry, so it is not a torch archive")
    }
    let prefix = String(first.name[..<slash])
    func record(_ name: String) -> ZipRecords.Record? { records[UTF8Key(prefix + "/" + name)] }  // zip names are bytes

    guard let pickle = record("data.pkl") else {
      throw CheckpointError(.malformed, file: path, "zip has no '\(prefix)/data.pkl' record (a TorchScript archive or not a torch checkpoint)")
    }
    let byteSwap = try bigEndian(record("byteorder"), archive: archive, file: file, path: path)

    let context = prefix + "/data.pkl"
    let unpickled = try withBytes(of: pickle, archive: archive, file: file) { bytes throws(CheckpointError) in
      try Unpickler.load(bytes, from: 0, file: path, context: context) { root throws(CheckpointError) in
        try StateDict.tensors(in: root, file: path, at: context)
      }
    }

    var stored: [UTF8Key: PyTorchReader.StoredRecord] = [:]
    for storage in unpickled.storages {
      guard let data = record("data/" + storage.key) else { continue }  // reported as missing by PyTorchReader
      let source: StorageSource
      if let range = data.storedRange {
        source = .mapped(file, range)
      } else {
        source = .deflated(path: path, entry: data.entry)
      }
      stored[UTF8Key(storage.key)] = PyTorchReader.StoredRecord(source: source, byteCount: data.entry.size)
    }
    return try PyTorchReader.tensors(unpickled, named: unpickled.value, records: stored, path: path, byteSwap: byteSwap)
  }

  /// The `byteorder` record: `little` (or absent) reads as-is, `big` is byte-swapped; anything else is refused,
  /// as torch.load refuses it.
  private static func bigEndian(_ record: ZipRecords.Record?, archive: ZipArchive, file: MappedFile, path: String) throws(CheckpointError) -> Bool {
    guard let record else { return false }
    guard record.entry.size <= 16 else {
      throw CheckpointError(.malformed, file: path, at: "zip record '\(record.entry.name)'", "is \(record.entry.size) bytes, not 'little' or 'big'")
    }
    let text = try withBytes(of: record, archive: archive, file: file) { bytes throws(CheckpointError) in
      String(decoding: bytes, as: UTF8.self)
    }
    switch text {
    case "little": return false
    case "big": return true
    default: throw CheckpointError(.malformed, file: path, at: "zip record '\(record.entry.name)'", "is '\(text)', not 'little' or 'big'")
    }
  }

  /// Calls `body` with a whole record: straight from the mapping when stored, inflated otherwise.
  private static func withBytes<R>(
    of record: ZipRecords.Record, archive: ZipArchive, file: MappedFile,
    _ body: (UnsafeRawBufferPointer) throws(CheckpointError) -> R
  ) throws(CheckpointError) -> R {
    if let range = record.storedRange {
      return try file.withUnsafeBytes(in: range, body)
    }
    let bytes = try archive.read(record.entry, count: record.entry.size)
    let result = bytes.withUnsafeBytes { buffer in Result { () throws(CheckpointError) in try body(buffer) } }
    return try result.get()
  }
}
