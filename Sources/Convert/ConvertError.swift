import Checkpoint
import SafeTensors

/// A checkpoint that cannot become a canonical file, naming the file and the tensor or config key at fault.
public struct ConvertError: Error, CustomStringConvertible {
  public enum Code: String, Sendable {
    case config = "bad config"
    case notBERT = "not a BERT checkpoint"
    case unknownTensor = "unknown tensor"
    case missingTensors = "missing tensors"
    case shapeMismatch = "shape mismatch"
    case unsupported = "unsupported"
    case output = "cannot write output"
  }

  public var code: Code
  public var file: String
  public var detail: String

  public init(_ code: Code, file: String, _ detail: String) {
    self.code = code
    self.file = file
    self.detail = detail
  }

  /// One printable line: file-derived text (names, keys) has its control characters escaped.
  public var description: String { escapingControlCharacters("\(file): \(code.rawValue): \(detail)") }
}
