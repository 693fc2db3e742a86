import Support

/// Why a model cannot be loaded or run, or a golden file cannot be used: names the file (and the tensor or input
/// position) at fault.
public struct BERTError: ContextualError {
  public enum Code: String, Sendable {
    /// The checkpoint is readable but describes something the encoder does not run (e.g. relative positions).
    case unsupported = "unsupported model"
    /// A weight tensor's bytes could not be produced.
    case weights = "unreadable weights"
    /// The inputs do not fit the model (token id outside the vocabulary, sequence too long, …).
    case badInput = "bad input"
    /// A golden file that breaks docs/GOLDEN.md or does not fit the model.
    case golden = "bad golden file"
  }

  public var code: Code
  /// The file the error is about, when there is one.
  public var file: String?
  public var tensor: String?
  public var detail: String
  /// The lower module's error this one wraps.
  public var cause: ErrorContext?

  public init(_ code: Code, file: String? = nil, tensor: String? = nil, _ detail: String) {
    self.code = code
    self.file = file
    self.tensor = tensor
    self.detail = detail
  }

  /// Wraps a lower module's error, keeping its file and tensor.
  public init(_ code: Code, wrapping error: any ContextualError, tensor: String? = nil) {
    let inner = error.context
    self.code = code
    file = inner.file
    self.tensor = tensor ?? inner.tensor
    detail = inner.code + (inner.location.map { " at \($0)" } ?? "") + ": " + inner.detail
    cause = inner
  }

  public var context: ErrorContext { ErrorContext(code: code.rawValue, file: file, tensor: tensor, detail: detail, cause: cause) }
}
