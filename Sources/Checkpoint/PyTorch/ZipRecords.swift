import Support

/// Where each zip record's bytes start, which libzip does not tell: the local header offset comes from the
/// central directory, the data offset from the local header (`30 + name length + extra length` past it).
/// Every read is bounds-checked; names are cross-checked with libzip's view of the same directory.
enum ZipRecords {
  /// A record of the archive and, when stored uncompressed, its bytes' range in the file.
  struct Record: Sendable {
    var entry: ZipArchive.Entry
    /// The record's bytes in the file, for a stored (uncompressed) record.
    var storedRange: Range<Int>?
  }

  /// Locates every entry of `entries` (libzip's central directory) in `bytes` (the whole file).
  /// - Throws: ``CheckpointError`` `.malformed` when the directory or a local header is missing, out of the
  ///   file, or disagrees with libzip; `.unsupported` for an encrypted record or a method other than store/deflate.
  static func locate(_ entries: [ZipArchive.Entry], in bytes: UnsafeRawBufferPointer, path: String) throws(CheckpointError) -> [UTF8Key: Record] {
    let directory = try centralDirectory(bytes, path: path)
    guard directory.count == entries.count else {
      throw CheckpointError(.malformed, file: path, "central directory lists \(directory.count) entries, libzip \(entries.count)")
    }
    var records: [UTF8Key: Record] = [:]  // zip entry names are bytes (café NFC and NFD are two records)
    for (entry, (name, headerOffset)) in zip(entries, directory) {
      let at = "zip record '\(entry.name)'"
      guard name == entry.name else {
        throw CheckpointError(.malformed, file: path, at: at, "central directory entry \(entry.index) is named '\(name)' when read directly")
      }
      guard !entry.encrypted else { throw CheckpointError(.unsupported, file: path, at: at, "the record is encrypted") }
      guard records[UTF8Key(entry.name)] == nil else { throw CheckpointError(.malformed, file: path, at: at, "the name appears twice") }
      var record = Record(entry: entry)
      if entry.isStored {
        guard entry.compressedSize == entry.size else {
          throw CheckpointError(.malformed, file: path, at: at, "stored record has \(entry.compressedSize) bytes but claims \(entry.size)")
        }
        let start = try dataOffset(localHeaderAt: headerOffset, in: bytes, path: path, at: at)
        guard let end = Checked.add(start, entry.size), end <= bytes.count else {
          throw CheckpointError(.outOfBounds, file: path, at: at, "its \(entry.size) bytes at offset \(start) run past the end of the file (\(bytes.count) bytes)")
        }
        record.storedRange = start..<end
      } else if entry.isDeflated {
        // Deflate cannot expand more than ~1032:1, so a larger claim is a zip bomb or a corrupt directory.
        guard entry.size <= (Checked.multiply(entry.compressedSize, 1100) ?? Int.max) else {
          throw CheckpointError(.malformed, file: path, at: at, "claims \(entry.size) bytes from \(entry.compressedSize) deflated bytes, more than deflate can expand to")
        }
      } else {
        throw CheckpointError(.unsupported, file: path, at: at, "compression method \(entry.method) (only stored and deflated records are read)")
      }
      records[UTF8Key(entry.name)] = record
    }
    return records
  }

  /// The start of a record's data: its local file header's fixed 30 bytes, name and extra field skipped.
  static func dataOffset(localHeaderAt offset: Int, in bytes: UnsafeRawBufferPointer, path: String, at: String) throws(CheckpointError) -> Int {
    guard bytes.littleEndian(UInt32.self, at: offset) == 0x0403_4B50,
          let nameLength = bytes.littleEndian(UInt16.self, at: offset + 26),
          let extraLength = bytes.littleEndian(UInt16.self, at: offset + 28)
    else {
      throw CheckpointError(.malformed, file: path, at: at, "no local file header at offset \(offset)")
    }
    let start = offset + 30 + Int(nameLength) + Int(extraLength)
    guard start <= bytes.count else {
      throw CheckpointError(.outOfBounds, file: path, at: at, "local file header at offset \(offset) runs past the end of the file")
    }
    return start
  }

  /// Each central-directory entry's name and local header offset, in directory order.
  static func centralDirectory(_ bytes: UnsafeRawBufferPointer, path: String) throws(CheckpointError) -> [(String, Int)] {
    func malformed(_ detail: String) -> CheckpointError { CheckpointError(.malformed, file: path, "zip \(detail)") }

    // End of central directory: the last signature whose comment fits before the end of the file.
    var eocd: Int?
    var candidate = bytes.count - 22
    while candidate >= max(0, bytes.count - 22 - 0xFFFF) {
      if bytes.littleEndian(UInt32.self, at: candidate) == 0x0605_4B50,
         let comment = bytes.littleEndian(UInt16.self, at: candidate + 20), candidate + 22 + Int(comment) <= bytes.count {
        eocd = candidate
        break
      }
      candidate -= 1
    }
    guard let eocd, let count16 = bytes.littleEndian(UInt16.self, at: eocd + 10),
          let size32 = bytes.littleEndian(UInt32.self, at: eocd + 12), let offset32 = bytes.littleEndian(UInt32.self, at: eocd + 16)
    else { throw malformed("end of central directory not found") }
    var count = UInt64(count16), size = UInt64(size32), start = UInt64(offset32)

    // ZIP64 (torch always writes it): the locator sits just before the end record.
    if bytes.littleEndian(UInt32.self, at: eocd - 20) == 0x0706_4B50 {
      guard let record = bytes.littleEndian(UInt64.self, at: eocd - 12), record <= UInt64(bytes.count),
            bytes.littleEndian(UInt32.self, at: Int(record)) == 0x0606_4B50,
            let count64 = bytes.littleEndian(UInt64.self, at: Int(record) + 32),
            let size64 = bytes.littleEndian(UInt64.self, at: Int(record) + 40),
            let offset64 = bytes.littleEndian(UInt64.self, at: Int(record) + 48)
      else { throw malformed("ZIP64 end of central directory not found") }
      (count, size, start) = (count64, size64, offset64)
    }
    guard start <= UInt64(bytes.count), size <= UInt64(bytes.count) - start else {
      throw malformed("central directory (\(size) bytes at offset \(start)) lies outside the file")
    }
    guard count <= size / 46 else { throw malformed("central directory of \(size) bytes cannot hold \(count) entries") }

    var entries: [(String, Int)] = []
    entries.reserveCapacity(Int(count))
    var cursor = Int(start)
    let end = Int(start + size)
    for index in 0..<Int(count) {
      guard cursor <= end - 46, bytes.littleEndian(UInt32.self, at: cursor) == 0x0201_4B50,
            let size32 = bytes.littleEndian(UInt32.self, at: cursor + 24),
            let compressed32 = bytes.littleEndian(UInt32.self, at: cursor + 20),
            let nameLength = bytes.littleEndian(UInt16.self, at: cursor + 28),
            let extraLength = bytes.littleEndian(UInt16.self, at: cursor + 30),
            let commentLength = bytes.littleEndian(UInt16.self, at: cursor + 32),
            let offset32 = bytes.littleEndian(UInt32.self, at: cursor + 42)
      else { throw malformed("central directory entry \(index) is missing or cut short") }
      let nameStart = cursor + 46
      let extraStart = nameStart + Int(nameLength)
      let next = extraStart + Int(extraLength) + Int(commentLength)
      guard next <= end else { throw malformed("central directory entry \(index) runs past the directory") }
      let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<extraStart]), as: UTF8.self)

      var headerOffset = UInt64(offset32)
      if offset32 == 0xFFFF_FFFF {
        // The ZIP64 extra field holds, in order, whichever of these were saturated in the fixed fields.
        var field = extraStart
        let extraEnd = extraStart + Int(extraLength)
        var found = false
        while field + 4 <= extraEnd, let id = bytes.littleEndian(UInt16.self, at: field),
              let length = bytes.littleEndian(UInt16.self, at: field + 2) {
          let body = field + 4
          guard body + Int(length) <= extraEnd else { break }
          if id == 0x0001 {
            var position = body
            if size32 == 0xFFFF_FFFF { position += 8 }
            if compressed32 == 0xFFFF_FFFF { position += 8 }
            if position + 8 <= body + Int(length), let value = bytes.littleEndian(UInt64.self, at: position) {
              headerOffset = value
              found = true
            }
            break
          }
          field = body + Int(length)
        }
        guard found else { throw malformed("central directory entry '\(name)' has no ZIP64 local header offset") }
      }
      guard headerOffset <= UInt64(bytes.count) else {
        throw malformed("central directory entry '\(name)' points past the end of the file")
      }
      entries.append((name, Int(headerOffset)))
      cursor = next
    }
    return entries
  }
}
