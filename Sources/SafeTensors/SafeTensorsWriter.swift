import Support
import Dispatch

/// The name, dtype and shape of a tensor about to be written.
public struct TensorHeader: Sendable, Equatable {
  public var name: String
  public var dtype: DType
  public var shape: [Int]

  public init(name: String, dtype: DType, shape: [Int]) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
  }
}

/// Streams a safetensors file to disk: the header first, then each tensor's bytes in the order given, so only
/// the caller's current tensor is ever in memory.
///
/// The output is deterministic (tensors in the given order, `__metadata__` first with sorted keys, integers
/// as plain digits) and its data section starts at a multiple of ``alignment`` bytes, padded with spaces.
/// Bytes go to a temporary file beside the destination (``OutputPath/temporaryPrefix(for:in:)``, registered for
/// removal on SIGINT/SIGTERM), which ``finish()`` fsyncs and renames into place; a writer dropped unfinished
/// removes it — there is never a partial file at the destination. Without `replacing`, ``finish()`` never
/// replaces anything at the destination, even something that appeared while the tensors were written.
public final class SafeTensorsWriter {
  /// The data section's alignment in the file.
  public static let alignment = 64

  public let path: String
  public let tensors: [TensorHeader]
  private let sizes: [Int]
  private var fd: Int32
  private let temporaryPath: String
  private let registration: TemporaryFiles.Registration
  private let replacing: Bool
  private var current = 0
  private var writtenInCurrent = 0
  private var finished = false
  private var digest = SHA256()
  /// Whether `background` owns the digest (bytes copied by the kernel are being hashed there).
  private var digestInBackground = false
  private let background = BackgroundDigest()
  /// The SHA-256 of the file, once ``finish()`` has succeeded.
  public private(set) var sha256: String?
  /// Bytes written so far (header included).
  public private(set) var byteCount = 0

  /// Creates the temporary file and writes the header.
  /// - Throws: ``SafeTensorsError`` `.invalidWrite` for duplicate names, sizes that overflow, a tensor that would
  ///   start at an offset that is not a multiple of its element size, or a header over 100 MB; `.io` on I/O errors.
  public init(path: String, tensors: [TensorHeader], metadata: [String: String] = [:], replacing: Bool = true) throws(SafeTensorsError) {
    self.path = path
    self.replacing = replacing
    self.tensors = tensors
    func fail(_ tensor: String?, _ detail: String) -> SafeTensorsError {
      SafeTensorsError(.invalidWrite, file: path, tensor: tensor, detail)
    }
    var sizes: [Int] = []
    var names = Set<UTF8Key>()  // names are bytes (docs/FORMAT.md): `café` NFC and NFD are two names
    var offset = 0
    for tensor in tensors {
      guard !tensor.name.utf8.elementsEqual("__metadata__".utf8), names.insert(UTF8Key(tensor.name)).inserted else {
        throw fail(tensor.name, "name used twice")
      }
      guard !tensor.shape.contains(where: { $0 < 0 }) else { throw fail(tensor.name, "negative dimension in \(tensor.shape)") }
      // Elements before bits, as the reader and the reference count them ([2^62, 0] is 0 bytes).
      guard let bits = Header.bitCount(tensor.dtype, tensor.shape) else { throw fail(tensor.name, "shape \(tensor.shape) overflows") }
      guard bits % 8 == 0 else { throw fail(tensor.name, "\(tensor.dtype.rawValue) \(tensor.shape) is not a whole number of bytes") }
      guard offset % tensor.dtype.byteWidth == 0 else {
        throw fail(tensor.name, "would start at data offset \(offset), not a multiple of its \(tensor.dtype.byteWidth)-byte element")
      }
      sizes.append(bits / 8)
      let (next, overflow) = offset.addingReportingOverflow(bits / 8)
      guard !overflow else { throw fail(tensor.name, "the data section would exceed Int.max bytes") }
      offset = next
    }
    self.sizes = sizes

    let header = SafeTensorsWriter.headerBytes(tensors: tensors, sizes: sizes, metadata: metadata)
    guard header.count - 8 <= SafeTensorsFile.maxHeaderLength else { throw fail(nil, "header exceeds 100 MB") }

    // I/O errors name the destination the caller asked for, not the hidden temporary file (removed by then).
    do {
      (fd, temporaryPath) = try Syscalls.makeTemporaryFile(prefix: OutputPath.temporaryPrefix(for: path))
    } catch {
      throw SafeTensorsError(.io, file: path, "cannot create a temporary file beside it: \(error.detail)")
    }
    registration = TemporaryFiles.register(temporaryPath)
    do {
      try Syscalls.writeAll(fd, header, path)
      header.withUnsafeBytes { digest.update($0) }
      byteCount = header.count
    } catch {
      abandon()
      throw error
    }
    advancePastEmptyTensors()
  }

  deinit { if !finished { abandon() } }

  /// The bytes still owed for the tensor being written, or nil when every tensor is complete.
  public var pendingTensor: (header: TensorHeader, remaining: Int)? {
    current < tensors.count ? (tensors[current], sizes[current] - writtenInCurrent) : nil
  }

  /// Appends `bytes` to the data section. A call may cover part of a tensor, or run across tensor boundaries.
  /// - Throws: ``SafeTensorsError`` `.invalidWrite` when more bytes arrive than the tensors declared.
  public func write(_ bytes: UnsafeRawBufferPointer) throws(SafeTensorsError) {
    try collectBackgroundDigest()
    var remaining = bytes.count
    while remaining > 0 {
      guard current < tensors.count else {
        abandon()
        throw SafeTensorsError(.invalidWrite, file: path, "\(remaining) bytes more than the tensors declared")
      }
      let take = min(remaining, sizes[current] - writtenInCurrent)
      writtenInCurrent += take
      remaining -= take
      advancePastEmptyTensors()
    }
    do {
      if bytes.count >= SafeTensorsWriter.concurrentDigestBytes {
        try writeAndDigestConcurrently(bytes)
      } else {
        try Syscalls.writeAll(fd, bytes, path)
        digest.update(bytes)
      }
      byteCount += bytes.count
      startWritebackEvery(SafeTensorsWriter.writebackBytes)
    } catch {
      abandon()
      throw error
    }
  }

  /// Appends the bytes `range` of `file` unchanged, copied by the kernel (copy_file_range(2): page cache to page
  /// cache, nothing passes through this process) while the digest of the same bytes is computed on a serial
  /// background queue that reads them with pread(2) — so the copy of the next tensor overlaps the hashing of this
  /// one, and a source truncated meanwhile is an error naming it, never a fault on a mapping.
  /// - Returns: false, having written nothing, when the kernel cannot copy between these files (the caller then
  ///   ``write(_:)``s the bytes).
  /// - Throws: ``SafeTensorsError`` `.io`, `.invalidWrite` when more bytes arrive than the tensors declared.
  public func copy(from file: MappedFile, range: Range<Int>) throws(SafeTensorsError) -> Bool {
    let count = range.count
    guard count > 0 else { return true }
    var remaining = count
    var (tensor, written) = (current, writtenInCurrent)
    while remaining > 0 {
      guard tensor < tensors.count else {
        abandon()
        throw SafeTensorsError(.invalidWrite, file: path, "\(remaining) bytes more than the tensors declared")
      }
      let take = min(remaining, sizes[tensor] - written)
      written += take
      remaining -= take
      if written == sizes[tensor] { (tensor, written) = (tensor + 1, 0) }
    }
    do throws(SafeTensorsError) {
      var copied = 0
      while copied < count {
        let n = try file.withDescriptor { source throws(SafeTensorsError) in
          try Syscalls.copyFileRange(from: source, offset: range.lowerBound + copied, to: fd, count: count - copied, path)
        }
        guard let n else {
          // The kernel cannot copy between these files: only possible on the first call, before any byte moved.
          guard copied == 0 else { throw SafeTensorsError(.io, file: path, "copy_file_range stopped working midway") }
          return false
        }
        guard n > 0 else {
          throw SafeTensorsError(.io, file: file.path, "ended at byte \(range.lowerBound + copied) while \(count - copied) more were being copied (truncated meanwhile?)")
        }
        copied += n
      }
      background.hash(file: file, range: range, startingFrom: &digest, handedOver: &digestInBackground)
    } catch {
      abandon()
      throw error
    }
    byteCount += count
    startWritebackEvery(SafeTensorsWriter.writebackBytes)
    (current, writtenInCurrent) = (tensor, written)
    advancePastEmptyTensors()
    return true
  }

  /// Writeback starts once this many bytes have accumulated since it last started, so the final fsync waits only
  /// for the tail instead of the whole file.
  static let writebackBytes = 32 << 20
  private var writebackStarted = 0

  private func startWritebackEvery(_ bytes: Int) {
    guard byteCount - writebackStarted >= bytes else { return }
    Syscalls.startWriteback(fd, offset: writebackStarted, count: byteCount - writebackStarted)
    writebackStarted = byteCount
  }

  /// Waits for the background digest of copied bytes and takes the digest back, so the bytes written next are
  /// hashed after them.
  private func collectBackgroundDigest() throws(SafeTensorsError) {
    guard digestInBackground else { return }
    digestInBackground = false
    do {
      digest = try background.collect()
    } catch {
      abandon()
      throw error
    }
  }

  /// From this many bytes on, ``write(_:)`` hashes on a second thread while the calling thread writes: the two
  /// take about as long (SHA-256 at ~1.8 GB/s with the SHA extensions, write(2) into the page cache at ~2 GB/s).
  static let concurrentDigestBytes = 1 << 20

  /// write(2) and the digest update of the same bytes at once; returns when both are done, so `bytes` need
  /// only live for the call.
  private func writeAndDigestConcurrently(_ bytes: UnsafeRawBufferPointer) throws(SafeTensorsError) {
    let state = ConcurrentWrite(fd: fd, path: path, digest: digest, bytes: bytes)
    DispatchQueue.concurrentPerform(iterations: 2) { part in
      if part == 0 {
        do throws(SafeTensorsError) { try Syscalls.writeAll(state.fd, state.bytes, state.path) } catch { state.error = error }
      } else {
        state.digest.update(state.bytes)
      }
    }
    if let error = state.error { throw error }
    digest = state.digest
  }

  /// Checks that every tensor is complete, fsyncs, and renames the file into place.
  /// - Throws: ``SafeTensorsError`` `.invalidWrite` naming the first incomplete tensor, or `.io`.
  public func finish() throws(SafeTensorsError) {
    precondition(!finished, "finish() called twice")
    if let pending = pendingTensor {
      abandon()
      throw SafeTensorsError(.invalidWrite, file: path, tensor: pending.header.name, "\(pending.remaining) bytes were never written")
    }
    try collectBackgroundDigest()
    do {
      try Syscalls.fsync(fd, path)
      Syscalls.close(fd)
      fd = -1
      try OutputPath.publish(temporaryPath, at: path, replacing: replacing)
    } catch {
      abandon()
      throw SafeTensorsError(.io, file: path, error.detail)
    }
    registration.unregister()
    finished = true
    sha256 = digest.finalizeHex()
    let slash = path.lastIndex(of: "/")
    Syscalls.fsyncDirectory(slash.map { String(path[..<$0]).isEmpty ? "/" : String(path[..<$0]) } ?? ".")
  }

  private func advancePastEmptyTensors() {
    while current < tensors.count && writtenInCurrent == sizes[current] {
      current += 1
      writtenInCurrent = 0
    }
  }

  private func abandon() {
    if fd >= 0 { Syscalls.close(fd) }
    fd = -1
    Syscalls.unlink(temporaryPath)
    registration.unregister()
    finished = true
  }

  /// What the two halves of ``writeAndDigestConcurrently(_:)`` share: each touches only its own fields, and the
  /// caller reads them after `concurrentPerform` has returned.
  private final class ConcurrentWrite: @unchecked Sendable {
    let fd: Int32
    let path: String
    let bytes: UnsafeRawBufferPointer
    var digest: SHA256
    var error: SafeTensorsError?

    init(fd: Int32, path: String, digest: SHA256, bytes: UnsafeRawBufferPointer) {
      (self.fd, self.path, self.digest, self.bytes) = (fd, path, digest, bytes)
    }
  }

  /// The 8-byte length followed by the space-padded JSON header.
  static func headerBytes(tensors: [TensorHeader], sizes: [Int], metadata: [String: String]) -> [UInt8] {
    var json = "{"
    var first = true
    func separator() { if !first { json += "," }; first = false }
    if !metadata.isEmpty {
      separator()
      json += "\"__metadata__\":{"
      let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }  // UTF-8 byte order
      for (i, key) in keys.enumerated() {
        if i > 0 { json += "," }
        JSONValue.writeEscaped(key, to: &json)
        json += ":"
        JSONValue.writeEscaped(metadata[key]!, to: &json)
      }
      json += "}"
    }
    var offset = 0
    for (tensor, size) in zip(tensors, sizes) {
      separator()
      JSONValue.writeEscaped(tensor.name, to: &json)
      json += ":{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))]"
      json += ",\"data_offsets\":[\(offset),\(offset + size)]}"
      offset += size
    }
    json += "}"
    var body = Array(json.utf8)
    let padding = (alignment - (8 + body.count) % alignment) % alignment
    body += repeatElement(UInt8(ascii: " "), count: padding)
    var length = UInt64(body.count).littleEndian
    return withUnsafeBytes(of: &length) { Array($0) } + body
  }
}
