import Dispatch

/// The SHA-256 of bytes the kernel copied (``SafeTensorsWriter/copy(from:range:)``), computed on one serial
/// queue in the order the copies were made, so the copy of the next tensor overlaps the hashing of this one.
/// The writer hands its digest over with the first job and takes it back with ``collect()`` before it hashes
/// anything itself; between the two only the queue touches `digest`, `error` and `buffer`.
final class BackgroundDigest: @unchecked Sendable {
  private let queue = DispatchQueue(label: "safetensors.writer.digest", qos: .userInitiated)
  private var digest = SHA256()
  private var error: SafeTensorsError?
  /// pread(2) reads the source through this buffer: page cache to a cache-sized buffer, never through a mapping,
  /// so a source truncated meanwhile ends the read instead of faulting.
  private var buffer: UnsafeMutableRawBufferPointer?
  static let bufferBytes = 1 << 20

  deinit { buffer?.deallocate() }

  /// Queues the hashing of `range` of `file` (retained until then). The first job after a ``collect()`` takes the
  /// writer's digest over (`handedOver` becomes true).
  func hash(file: MappedFile, range: Range<Int>, startingFrom start: inout SHA256, handedOver: inout Bool) {
    if !handedOver {
      let state = start
      queue.async { self.digest = state; self.error = nil }
      handedOver = true
    }
    queue.async {
      guard self.error == nil else { return }
      let buffer = self.buffer ?? UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferBytes, alignment: 64)
      self.buffer = buffer
      var done = 0
      do throws(SafeTensorsError) {
        try file.withDescriptor { fd throws(SafeTensorsError) in
          while done < range.count {
            let want = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(buffer.count, range.count - done)])
            let n = try Syscalls.pread(fd, into: want, offset: range.lowerBound + done, file.path)
            guard n > 0 else {
              throw SafeTensorsError(.io, file: file.path, "ended at byte \(range.lowerBound + done) while \(range.count - done) more were being read (truncated meanwhile?)")
            }
            self.digest.update(UnsafeRawBufferPointer(rebasing: want[0..<n]))
            done += n
          }
        }
      } catch {
        self.error = error
      }
    }
  }

  /// Waits for every queued job; the digest of everything hashed so far, or the first error.
  func collect() throws(SafeTensorsError) -> SHA256 {
    var result: Result<SHA256, SafeTensorsError> = .success(SHA256())
    queue.sync { result = self.error.map { .failure($0) } ?? .success(self.digest) }
    return try result.get()
  }
}
