import Support

/// A config or a checkpoint that does not fit a family's description: names the file and the key or tensor.
public struct ModelError: ContextualError {
  public enum Code: String, Sendable {
    case config = "bad config"
    case unsupportedFamily = "not a supported model"
    case unknownTensor = "unknown tensor"
    case missingTensors = "missing tensors"
    case shapeMismatch = "shape mismatch"
    case unsupported = "unsupported"
  }

  public var code: Code
  public var file: String
  public var tensor: String?
  public var detail: String

  public init(_ code: Code, file: String, tensor: String? = nil, _ detail: String) {
    self.code = code
    self.file = file
    self.tensor = tensor
    self.detail = detail
  }

  public var context: ErrorContext { ErrorContext(code: code.rawValue, file: file, tensor: tensor, detail: detail) }
}
