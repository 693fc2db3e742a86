import Support
import SafeTensors

/// Reads a torch < 1.6 checkpoint: the pickled magic number, protocol version 1001 and `sys_info`, the object
/// pickle, the pickled sorted list of storage keys, then per key an int64 little-endian element count and the
/// storage's raw bytes.
enum TorchLegacyReader {
  static let protocolVersion = 1001

  /// - Throws: ``CheckpointError`` naming the file and the byte offset, pickle global, limit or tensor at fault.
  static func read(path: String) throws(CheckpointError) -> [SourceTensor] {
    let file = try PyTorchReader.map(path)
    return try file.withUnsafeBytes { bytes throws(CheckpointError) in
      // 1. The magic number pickle, compared byte for byte (its LONG1 is wider than Int), then STOP.
      let magic = CheckpointFormat.legacyMagic
      guard bytes.count > magic.count, bytes.starts(with: magic), bytes[magic.count] == 0x2E else {
        throw CheckpointError(.malformed, file: path, at: "byte 0", "no legacy torch magic number")
      }
      // 2. The protocol version.
      let version = try Unpickler.load(bytes, from: magic.count + 1, file: path, context: nil) { $0.intValue }
      guard version.value == protocolVersion else {
        throw CheckpointError(.unsupported, file: path, at: "byte \(magic.count + 1)",
                              "legacy protocol version \(version.value.map(String.init) ?? "that is not an int"), not \(protocolVersion)")
      }
      // 3. sys_info. Its `little_endian` is not consulted, as torch's loader does not: torch writes legacy
      //    storages little-endian on every host (THPStorage_writeFileRaw swaps on big-endian ones).
      let sysInfo = try Unpickler.load(bytes, from: version.end, file: path, context: nil) { _ in () }
      // 4. The object pickle.
      let objectStart = sysInfo.end
      let objects = try Unpickler.load(bytes, from: objectStart, file: path, context: nil) { root throws(CheckpointError) in
        try StateDict.tensors(in: root, file: path, at: "byte \(objectStart)")
      }
      // 5. The sorted storage keys.
      let keysStart = objects.end
      let keys = try Unpickler.load(bytes, from: keysStart, file: path, context: nil) { root throws(CheckpointError) -> [String] in
        guard case .list(let list) = root else {
          throw CheckpointError(.malformed, file: path, at: "byte \(keysStart)", "storage key list is a \(root.kind), not a list")
        }
        var keys: [String] = []
        for item in list.items {
          guard let key = item.stringValue else {
            throw CheckpointError(.malformed, file: path, at: "byte \(keysStart)", "storage key list holds a \(item.kind)")
          }
          keys.append(key)
        }
        return keys
      }
      // 6. Each storage: int64 LE element count, then the bytes.
      let declared = Dictionary(objects.storages.map { (UTF8Key($0.key), $0) }, uniquingKeysWith: { first, _ in first })
      var records: [UTF8Key: PyTorchReader.StoredRecord] = [:]
      var cursor = keys.end
      for key in keys.value {
        let at = "byte \(cursor)"
        guard let storage = declared[UTF8Key(key)] else {
          throw CheckpointError(.malformed, file: path, at: at, "storage '\(key)' is listed but no object uses it, so its element size is unknown")
        }
        guard records[UTF8Key(key)] == nil else { throw CheckpointError(.malformed, file: path, at: at, "storage '\(key)' is listed twice") }
        guard let count = bytes.littleEndian(Int64.self, at: cursor) else {
          throw CheckpointError(.outOfBounds, file: path, at: at, "file ends before storage '\(key)'")
        }
        let start = cursor + 8
        guard count >= 0, let size = Checked.multiply(Int(count), storage.dtype.byteWidth),
              let end = Checked.add(start, size), end <= bytes.count
        else {
          throw CheckpointError(.outOfBounds, file: path, at: at,
                                "storage '\(key)' claims \(count) × \(storage.typeName), past the end of the file (\(bytes.count) bytes)")
        }
        records[UTF8Key(key)] = PyTorchReader.StoredRecord(source: .mapped(file, start..<end), byteCount: size)
        cursor = end
      }
      return try PyTorchReader.tensors(objects, named: objects.value, records: records, path: path, byteSwap: false)
    }
  }
}
