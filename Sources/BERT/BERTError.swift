import SafeTensors
/// Why a model cannot be loaded or run, or a golden file cannot be used: names the file (and the tensor or input
/// position) at fault.
public struct BERTError: Error, CustomStringConvertible, Sendable {
  public enum Code: String, Sendable {
    /// The checkpoint is readable but describes something the encoder does not run (e.g. relative positions).
    case unsupported = "unsupported model"
    /// A weight tensor's bytes could not be produced.
    case weights = "unreadable weights"
    /// The inputs do not fit the model (token id outside the vocabulary, sequence too long, …).
    case badInput = "bad input"
    /// A golden file that breaks CONTRACT.md §2 or does not fit the model.
    case golden = "bad golden file"
  }

  public var code: Code
  /// The file the error is about, when there is one.
  public var file: String?
  public var detail: String

  public init(_ code: Code, file: String? = nil, _ detail: String) {
    self.code = code
    self.file = file
    self.detail = detail
  }

  public var description: String {
    escapingControlCharacters((file.map { "\($0): " } ?? "") + "\(code.rawValue): \(detail)")
  }
}
