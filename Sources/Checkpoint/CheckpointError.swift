import SafeTensors
import Support

/// A checkpoint that cannot be read: names the file and, where it applies, the tensor, byte offset or pickle global.
public struct CheckpointError: ContextualError {
  public enum Code: String, Sendable {
    case io = "I/O error"
    case unknownFormat = "unknown checkpoint format"
    case notFound = "no checkpoint found"
    case malformed = "malformed checkpoint"
    case unsupported = "unsupported"
    case forbiddenGlobal = "forbidden pickle global"
    case limitExceeded = "limit exceeded"
    case outOfBounds = "out of bounds"
    case shard = "sharded checkpoint error"
  }

  public var code: Code
  public var file: String
  /// The tensor, byte offset (`offset 1234`), pickle global or dataset path the error is about.
  public var location: String?
  public var detail: String
  /// The lower-level error, when there is one.
  public var underlying: (any Error)?

  public init(_ code: Code, file: String, at location: String? = nil, _ detail: String, underlying: (any Error)? = nil) {
    self.code = code
    self.file = file
    self.location = location
    self.detail = detail
    self.underlying = underlying
  }

  /// Wraps a safetensors failure, keeping its one-line description.
  public init(_ error: SafeTensorsError) {
    self.init(error.code == .io ? .io : .malformed, file: error.file, at: error.tensor.map { "tensor '\($0)'" },
              "\(error.code.rawValue): \(error.detail)", underlying: error)
  }

  /// Printed as one line (``ErrorContext/description``): file-derived text has its control characters escaped.
  public var context: ErrorContext {
    ErrorContext(code: code.rawValue, file: file, location: location, detail: detail,
                 cause: (underlying as? any ContextualError)?.context)
  }
}
