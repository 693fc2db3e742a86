import Support

/// A tokenizer that cannot be loaded, naming the file and what is wrong with it.
public struct TokenizerError: ContextualError {
  public enum Code: String, Sendable {
    /// The directory has neither tokenizer.json nor vocab.txt.
    case missing = "no tokenizer"
    /// The file cannot be read.
    case unreadable = "unreadable tokenizer file"
    /// The file is not what its name promises (bad JSON, a wrong type, an id out of range…).
    case malformed = "malformed tokenizer file"
    /// A well-formed tokenizer this WordPiece tokenizer does not implement (another normalizer or model).
    case unsupported = "unsupported tokenizer"
  }

  public var code: Code
  /// The file (or directory) at fault.
  public var file: String
  public var detail: String

  public init(_ code: Code, file: String, _ detail: String) {
    self.code = code
    self.file = file
    self.detail = detail
  }

  public var context: ErrorContext { ErrorContext(code: code.rawValue, file: file, detail: detail) }
}
