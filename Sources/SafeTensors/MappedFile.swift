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
  /// (``SafeTensorsWriter/copy(from:range:)``).
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
  /// the file as it was mapped), read with pread(2) from the mapped file's descriptor into a buffer of this call —
  /// not through the mapping.
  ///
  /// For reading a large file once, as a conversion copies it tensor by tensor: resident memory stays near one
  /// chunk instead of growing to the size of the file. And a file that another process truncates meanwhile
  /// gives a short read, thrown as an error naming the file, where touching the mapping's pages past the new end
  /// would kill the process with SIGBUS (docs/SECURITY.md).
  /// - Throws: ``SafeTensorsError`` `.io` when the file was replaced or shrank since it was mapped, or what
  ///   `body` throws.
  public func readOnce(_ range: Range<Int>, chunkBytes: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    precondition(range.lowerBound >= 0 && range.upperBound <= count && chunkBytes > 0, "range outside the mapping")
    guard !range.isEmpty else { return }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(chunkBytes, range.count), alignment: 64)
    defer { buffer.deallocate() }
    var start = range.lowerBound
    while start < range.upperBound {
      let end = min(start + chunkBytes, range.upperBound)
      let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(end - start)])
      let read = try Syscalls.readFully(fd, into: chunk, at: start, path)
      guard read == chunk.count else {
        throw SafeTensorsError(.io, file: path, "shrank while it was read: no bytes at offset \(start + read) (it had \(count) bytes when opened)")
      }
      try body(UnsafeRawBufferPointer(chunk))
      start = end
    }
  }

  /// Calls `body` with a copy of `range` of the file's bytes, read with pread(2) into a buffer of this call (64-byte
  /// aligned): for bytes read once while converting, where a file truncated meanwhile must be an error naming it,
  /// not SIGBUS (``readOnce(_:chunkBytes:_:)``).
  /// - Throws: ``SafeTensorsError`` `.io` when the file shrank since it was mapped, or what `body` throws.
  public func withCopiedBytes<R>(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
    precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside the mapping")
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(range.count, 1), alignment: 64)
    defer { buffer.deallocate() }
    let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<range.count])
    let read = range.isEmpty ? 0 : try Syscalls.readFully(fd, into: chunk, at: range.lowerBound, path)
    guard read == range.count else {
      throw SafeTensorsError(.io, file: path, "shrank while it was read: no bytes at offset \(range.lowerBound + read) (it had \(count) bytes when opened)")
    }
    return try body(UnsafeRawBufferPointer(chunk))
  }

  /// Calls `body` with `range` of the file's bytes; the range must lie inside the file.
  public func withUnsafeBytes<R, E: Error>(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
    precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside the mapping")
    return try body(UnsafeRawBufferPointer(start: base.map { $0 + range.lowerBound }, count: range.count))
  }
}
