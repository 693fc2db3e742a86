import SafeTensors

/// Produces one tensor's bytes on demand, C-contiguous and little-endian.
///
/// A reader returns a view of its mapping when the stored bytes already have that layout, and otherwise
/// materialises them into a buffer that lives only for the call — so a converter holds one tensor at a time.
public protocol TensorBytes: Sendable {
  /// True when ``withContiguousBytes(_:)`` hands out a view of a mapping that stays valid and unchanged for the
  /// reader's lifetime (so a consumer may use the bytes in place at every access instead of copying them once).
  var isMapped: Bool { get }

  /// The file and byte range holding exactly these bytes as stored (C-contiguous little-endian), when they are a
  /// plain slice of a mapped file: a writer can then have the kernel copy them. nil otherwise (the default).
  var storedSlice: (file: MappedFile, range: Range<Int>)? { get }

  /// Calls `body` with the tensor's bytes.
  /// - Throws: ``CheckpointError`` when the bytes cannot be produced, or what `body` throws.
  func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R

  /// Calls `body` with the same bytes in order, in chunks of at most `chunkBytes` (a multiple of the element
  /// size), for a caller that reads them once: bytes that live in a file mapping leave the process's resident
  /// memory chunk by chunk (``MappedFile/readOnce(_:chunkBytes:_:)``). The default cuts up
  /// ``withContiguousBytes(_:)``.
  func readOnce(chunkBytes: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws
}

extension TensorBytes {
  public var storedSlice: (file: MappedFile, range: Range<Int>)? { nil }

  public func readOnce(chunkBytes: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    try withContiguousBytes { bytes in try forEachChunk(of: bytes, chunkBytes: chunkBytes, body) }
  }
}

/// Calls `body` with consecutive slices of `bytes` of at most `chunkBytes` each.
func forEachChunk(of bytes: UnsafeRawBufferPointer, chunkBytes: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
  var start = 0
  while start < bytes.count {
    let end = min(start + chunkBytes, bytes.count)
    try body(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
    start = end
  }
}

/// A tensor as the checkpoint stores it: the stored name (`bert.pooler.dense.weight`,
/// `…/kernel:0` mapped to PyTorch naming by the HDF5 reader, …), dtype, shape and a way to reach its bytes.
public struct SourceTensor: Sendable {
  /// The name as the source spells it (after the TF→PyTorch renaming for HDF5 sources).
  public let name: String
  public let dtype: DType
  /// The logical shape (for an HDF5 kernel: already transposed to `[out, in]`).
  public let shape: [Int]
  /// The file the tensor comes from.
  public let file: String
  private let bytes: any TensorBytes

  public init(name: String, dtype: DType, shape: [Int], file: String, bytes: any TensorBytes) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.file = file
    self.bytes = bytes
  }

  public var elementCount: Int { shape.reduce(1, *) }
  /// Whether the bytes are a stable view of a mapping (``TensorBytes/isMapped``).
  public var isMapped: Bool { bytes.isMapped }
  /// The file and range the bytes lie in unchanged, when they do (``TensorBytes/storedSlice``).
  public var storedSlice: (file: MappedFile, range: Range<Int>)? { bytes.storedSlice }
  public var byteCount: Int { elementCount * dtype.byteWidth }

  /// Calls `body` with the tensor's C-contiguous little-endian bytes (exactly ``byteCount`` of them).
  /// - Throws: ``CheckpointError`` when the bytes cannot be produced, or what `body` throws.
  public func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
    try bytes.withContiguousBytes(body)
  }

  /// Calls `body` with the same bytes in chunks of at most `chunkBytes` (a multiple of the element size), for a
  /// single pass such as a conversion: mapped bytes leave resident memory after each chunk.
  /// - Throws: ``CheckpointError`` when the bytes cannot be produced, or what `body` throws.
  public func readOnce(chunkBytes: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    try bytes.readOnce(chunkBytes: chunkBytes, body)
  }
}

/// Bytes that are already C-contiguous inside a safetensors mapping.
public struct MappedTensorBytes: TensorBytes {
  public let view: TensorView
  public init(_ view: TensorView) { self.view = view }
  public var isMapped: Bool { true }
  public var storedSlice: (file: MappedFile, range: Range<Int>)? { (view.file, view.fileRange) }
  public func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
    try view.withUnsafeBytes(body)
  }
  public func readOnce(chunkBytes: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    try view.file.readOnce(view.fileRange, chunkBytes: chunkBytes, body)
  }
}
