import CZip

/// A zip archive opened read-only through libzip — the one file that calls `zip_*`.
///
/// libzip reads and checks the central directory (names, sizes, compression method; `ZIP_CHECKCONS` also
/// compares each local header with it) and inflates compressed records. It does not expose where a record's
/// data starts, so stored records are located by ``ZipRecords`` and mapped straight from the file instead.
final class ZipArchive {
  /// One central-directory entry as libzip reports it.
  struct Entry: Sendable {
    var index: Int
    /// The name's raw bytes, decoded as UTF-8 (torch writes ASCII names).
    var name: String
    var size: Int
    var compressedSize: Int
    /// 0 stored, 8 deflated, … (`ZIP_CM_*`).
    var method: Int
    var encrypted: Bool

    var isStored: Bool { method == Int(ZIP_CM_STORE) }
    var isDeflated: Bool { method == Int(ZIP_CM_DEFLATE) }
  }

  /// More entries than any torch archive holds (one per storage plus a handful).
  static let maxEntries = 1 << 20

  let path: String
  private let handle: OpaquePointer

  /// Opens `path` with `zip_open(ZIP_RDONLY | ZIP_CHECKCONS)`.
  /// - Throws: ``CheckpointError`` `.malformed` with libzip's reason (no end of central directory, inconsistent
  ///   headers, …).
  init(path: String) throws(CheckpointError) {
    self.path = path
    var code: Int32 = 0
    guard let handle = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code) else {
      var error = zip_error_t()
      zip_error_init_with_code(&error, code)
      defer { zip_error_fini(&error) }
      throw CheckpointError(.malformed, file: path, "not a readable zip archive (libzip: \(String(cString: zip_error_strerror(&error))))")
    }
    self.handle = handle
  }

  deinit {
    zip_discard(handle)
  }

  /// Every entry, in central-directory order (`zip_get_num_entries`).
  func entries() throws(CheckpointError) -> [Entry] {
    let count = zip_get_num_entries(handle, 0)
    guard count >= 0 else { throw failure("zip_get_num_entries") }
    guard count <= Self.maxEntries else {
      throw CheckpointError(.limitExceeded, file: path, "zip lists \(count) entries, more than the limit of \(Self.maxEntries)")
    }
    var entries: [Entry] = []
    entries.reserveCapacity(Int(count))
    for index in 0..<Int(count) { entries.append(try entry(at: index)) }
    return entries
  }

  /// The entry at `index` of the central directory (`zip_stat_index`, raw name bytes).
  func entry(at index: Int) throws(CheckpointError) -> Entry {
    var stat = zip_stat_t()
    zip_stat_init(&stat)
    guard index >= 0, zip_stat_index(handle, UInt64(index), zip_flags_t(ZIP_FL_ENC_RAW), &stat) == 0 else {
      throw failure("zip_stat_index")
    }
    let needed = UInt64(ZIP_STAT_NAME | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD)
    guard stat.valid & needed == needed, let name = stat.name,
          stat.size <= UInt64(Int.max), stat.comp_size <= UInt64(Int.max)
    else {
      throw CheckpointError(.malformed, file: path, at: "zip entry \(index)", "libzip reports no name, size or compression method")
    }
    let encrypted = stat.valid & UInt64(ZIP_STAT_ENCRYPTION_METHOD) != 0 && stat.encryption_method != UInt16(ZIP_EM_NONE)
    return Entry(index: index, name: String(cString: name), size: Int(stat.size), compressedSize: Int(stat.comp_size),
                 method: Int(stat.comp_method), encrypted: encrypted)
  }

  /// The first `count` uncompressed bytes of `entry` (`zip_fopen_index`, `zip_fread`); libzip inflates and,
  /// when the whole record is read, checks its CRC.
  func read(_ entry: Entry, count: Int) throws(CheckpointError) -> [UInt8] {
    guard count >= 0, count <= entry.size else {
      throw CheckpointError(.outOfBounds, file: path, at: "zip record '\(entry.name)'", "asks for \(count) of its \(entry.size) bytes")
    }
    guard let file = zip_fopen_index(handle, UInt64(entry.index), 0) else { throw failure("zip_fopen_index", entry) }
    defer { zip_fclose(file) }
    var buffer = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
      let read = buffer.withUnsafeMutableBytes { raw -> Int64 in
        guard let base = raw.baseAddress else { return 0 }
        return zip_fread(file, base + filled, UInt64(count - filled))
      }
      if read < 0 {
        throw CheckpointError(.malformed, file: path, at: "zip record '\(entry.name)'",
                              "cannot be inflated (libzip: \(String(cString: zip_file_strerror(file))))")
      }
      if read == 0 {
        throw CheckpointError(.malformed, file: path, at: "zip record '\(entry.name)'", "ends after \(filled) of \(count) bytes")
      }
      filled += Int(read)
    }
    return buffer
  }

  private func failure(_ call: String, _ entry: Entry? = nil) -> CheckpointError {
    CheckpointError(.malformed, file: path, at: entry.map { "zip record '\($0.name)'" },
                    "\(call) failed (libzip: \(String(cString: zip_strerror(handle))))")
  }
}
