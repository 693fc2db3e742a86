import SafeTensors

/// Where one storage record's bytes live.
enum StorageSource: Sendable {
  /// Stored as-is: a range of the mapped file.
  case mapped(MappedFile, Range<Int>)
  /// A deflated zip record (third-party archives), inflated on each use.
  case deflated(path: String, entry: ZipArchive.Entry)

  /// Calls `body` with the record's first `count` bytes (`count` ≤ the record's size, checked by the reader).
  func withPrefix<R>(_ count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
    switch self {
    case .mapped(let file, let range):
      // Read with pread, not through the mapping: a file truncated meanwhile is an error, not SIGBUS.
      return try file.withCopiedBytes(in: range.lowerBound..<(range.lowerBound + count), body)
    case .deflated(let path, let entry):
      let archive = try ZipArchive(path: path)
      guard try archive.entry(at: entry.index).name == entry.name else {
        throw CheckpointError(.io, file: path, at: "zip record '\(entry.name)'", "the archive changed since it was opened")
      }
      return try archive.read(entry, count: count).withUnsafeBytes(body)
    }
  }
}

/// A contiguous little-endian tensor: a zero-copy slice of the file mapping.
struct MappedSliceBytes: TensorBytes {
  let file: MappedFile
  let range: Range<Int>

  var isMapped: Bool { true }
  var storedSlice: (file: MappedFile, range: Range<Int>)? { (file, range) }

  func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
    try file.withUnsafeBytes(in: range, body)
  }

  func readOnce(chunkBytes: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    try file.readOnce(range, chunkBytes: chunkBytes, body)
  }
}

/// A tensor that must be rearranged (a strided view), byte-swapped (big-endian storage) or inflated: its
/// C-contiguous bytes are built into a buffer that lives only for the call.
struct MaterialisedTensorBytes: TensorBytes {
  let storage: StorageSource
  let layout: TensorLayout
  let byteSwap: Bool

  var isMapped: Bool { false }

  func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
    try storage.withPrefix(layout.storageBytes.upperBound) { source in
      let output = UnsafeMutableRawBufferPointer.allocate(byteCount: layout.byteCount, alignment: 64)
      defer { output.deallocate() }
      layout.gather(from: source, into: output)
      if byteSwap { layout.byteSwap(output) }
      return try body(UnsafeRawBufferPointer(output))
    }
  }
}
