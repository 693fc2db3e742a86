/// A file mapped read-only into memory; the mapping lives as long as this object.
///
/// Bytes are reached only through scoped calls (``withUnsafeBytes(_:)``), so no pointer outlives the mapping.
public final class MappedFile: @unchecked Sendable {
  /// The path the file was opened from.
  public let path: String
  /// The file's size in bytes.
  public let count: Int
  private let base: UnsafeRawPointer?
  /// The open file the mapping was made from, kept for copies the kernel makes without touching the mapping
  /// (``SafeTensorsWriter/copy(from:sourcePath:offset:count:)``).
  private let fd: Int32

  /// Maps `path` read-only.
  /// - Throws: ``SafeTensorsError`` with code `.io` when the file cannot be opened, is not a regular file,
  ///   or cannot be mapped.
  public init(path: String) throws(SafeTensorsError) {
    self.path = path
    let fd = try Syscalls.openForReading(path)
    do throws(SafeTensorsError) {
      count = try Syscalls.regularFileSize(fd, path)
      base = count == 0 ? nil : try Syscalls.mapReadOnly(fd, length: count, path)
    } catch {
      Syscalls.close(fd)
      throw error
    }
    self.fd = fd
  }

  deinit {
    if let base { Syscalls.unmap(base, length: count) }
    Syscalls.close(fd)
  }

  /// Calls `body` with the descriptor of the mapped file (the same file, whatever happened to its path since).
  public func withDescriptor<R, E: Error>(_ body: (Int32) throws(E) -> R) throws(E) -> R { try body(fd) }

  /// Calls `body` with the whole file's bytes.
  public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
    try body(UnsafeRawBufferPointer(start: base, count: count))
  }

  /// Calls `body` with consecutive chunks of at most `chunkBytes` bytes covering `range` (which must lie inside
  /// the file), and after each chunk drops its pages from this process's resident memory (`madvise(MADV_DONTNEED)`;
  /// they stay in the page cache, and a later access maps them again).
  ///
  /// For reading a large file once, as a conversion copies it tensor by tensor: resident memory then stays near
  /// one chunk instead of growing to the size of the file, since every touched page of a mapping counts.
  public func readOnce<E: Error>(_ range: Range<Int>, chunkBytes: Int, _ body: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
    precondition(range.lowerBound >= 0 && range.upperBound <= count && chunkBytes > 0, "range outside the mapping")
    var start = range.lowerBound
    while start < range.upperBound {
      let end = min(start + chunkBytes, range.upperBound)
      try withUnsafeBytes(in: start..<end, body)
      if let base { Syscalls.dropResidentPages(base + start, length: end - start) }
      start = end
    }
  }

  /// Calls `body` with `range` of the file's bytes; the range must lie inside the file.
  public func withUnsafeBytes<R, E: Error>(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
    precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside the mapping")
    return try body(UnsafeRawBufferPointer(start: base.map { $0 + range.lowerBound }, count: range.count))
  }
}
