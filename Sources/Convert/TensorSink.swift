import SafeTensors

/// Where a conversion's tensors go: one output container format per conforming type. The canonical writer
/// streams each tensor's bytes into a sink in the order the sink was created with; a second output format (GGUF,
/// say) is a new sink beside ``SafeTensorsSink``, and the streaming, casting and reporting stay shared.
public protocol TensorSink: AnyObject {
  /// Appends bytes of the current tensor; tensors arrive in order, each exactly its size.
  func write(_ bytes: UnsafeRawBufferPointer) throws
  /// Appends the bytes `range` of `file` unchanged, copied without passing through this process when the format
  /// and the file systems allow; false when the sink cannot (the caller then ``write(_:)``s them).
  func copy(from file: MappedFile, range: Range<Int>) throws -> Bool
  /// Completes the output. Only after this returns is there a file at the path; a sink dropped before leaves nothing.
  func finish() throws -> (byteCount: Int, sha256: String)
}

extension TensorSink {
  public func copy(from file: MappedFile, range: Range<Int>) throws -> Bool { false }
}

/// Makes the sink for one output file: its path, the tensors it will receive in order, and the metadata to record.
public typealias TensorSinkFactory = @Sendable (_ path: String, _ tensors: [TensorHeader], _ metadata: [String: String]) throws -> any TensorSink

/// The canonical safetensors file (docs/FORMAT.md), written by ``SafeTensorsWriter``.
public final class SafeTensorsSink: TensorSink {
  let writer: SafeTensorsWriter

  public init(path: String, tensors: [TensorHeader], metadata: [String: String]) throws(SafeTensorsError) {
    writer = try SafeTensorsWriter(path: path, tensors: tensors, metadata: metadata)
  }

  public func write(_ bytes: UnsafeRawBufferPointer) throws { try writer.write(bytes) }

  /// copy_file_range(2) with the digest computed alongside (``SafeTensorsWriter/copy(from:range:)``).
  public func copy(from file: MappedFile, range: Range<Int>) throws -> Bool {
    try writer.copy(from: file, range: range)
  }

  public func finish() throws -> (byteCount: Int, sha256: String) {
    try writer.finish()
    return (writer.byteCount, writer.sha256 ?? "")
  }

  /// The factory ``CanonicalWriter`` uses by default.
  public static let factory: TensorSinkFactory = { try SafeTensorsSink(path: $0, tensors: $1, metadata: $2) }
}
