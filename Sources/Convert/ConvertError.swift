import Checkpoint
import Models
import SafeTensors
import Support

/// A checkpoint that cannot become a canonical file, naming the file and the tensor or config key at fault.
public struct ConvertError: ContextualError {
  public enum Code: String, Sendable {
    case config = "bad config"
    case notBERT = "not a supported model"
    case unknownTensor = "unknown tensor"
    case missingTensors = "missing tensors"
    case shapeMismatch = "shape mismatch"
    case unsupported = "unsupported"
    /// A source tensor's bytes could not be read while writing (the source's error is the cause).
    case source = "cannot read source"
    case output = "cannot write output"
  }

  public var code: Code
  public var file: String
  public var tensor: String?
  public var location: String?
  public var detail: String
  /// The lower module's error this one wraps.
  public var cause: ErrorContext?

  public init(_ code: Code, file: String, tensor: String? = nil, _ detail: String) {
    self.code = code
    self.file = file
    self.tensor = tensor
    self.detail = detail
  }

  /// Wraps a lower module's error, keeping its file, tensor and location; `file` is used when it names none.
  public init(_ code: Code, wrapping error: any ContextualError, file fallback: String) {
    let inner = error.context
    self.code = code
    file = inner.file ?? fallback
    tensor = inner.tensor
    location = inner.location
    detail = inner.code + ": " + inner.detail
    cause = inner
  }

  /// A model-description error (config or parameter table) as a conversion error.
  public init(_ error: ModelError) {
    let code: Code = switch error.code {
    case .config: .config
    case .unsupportedFamily: .notBERT
    case .unknownTensor: .unknownTensor
    case .missingTensors: .missingTensors
    case .shapeMismatch: .shapeMismatch
    case .unsupported: .unsupported
    }
    self.init(code, file: error.file, tensor: error.tensor, error.detail)
  }

  public var context: ErrorContext {
    ErrorContext(code: code.rawValue, file: file, tensor: tensor, location: location, detail: detail, cause: cause)
  }
}
