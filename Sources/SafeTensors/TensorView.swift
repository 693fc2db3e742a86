/// One tensor of a mapped file: its name, dtype and shape, and its bytes inside the mapping — never copied.
public struct TensorView: @unchecked Sendable {
  public let name: String
  public let dtype: DType
  public let shape: [Int]
  /// The tensor's byte range inside the whole file (header included).
  public let fileRange: Range<Int>
  /// The tensor's byte range relative to the data section, as the header states it.
  public let dataOffsets: Range<Int>
  /// The mapping the bytes live in; it stays mapped while this view exists.
  public let file: MappedFile

  /// Number of elements (the product of `shape`; 1 for a scalar).
  public var elementCount: Int { shape.reduce(1, *) }

  /// Number of bytes.
  public var byteCount: Int { fileRange.count }

  /// Calls `body` with the tensor's raw little-endian bytes, straight from the mapping.
  public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
    try file.withUnsafeBytes(in: fileRange, body)
  }
}
