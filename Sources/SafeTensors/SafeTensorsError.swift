import Support

/// A failure reading or writing safetensors, naming the file, the rule and (when there is one) the tensor.
public struct SafeTensorsError: ContextualError, Equatable {
  /// The rule that was broken. Names follow the reference implementation's error variants.
  public enum Code: String, Sendable {
    case io = "I/O error"
    case headerTooSmall = "header too small"
    case headerTooLarge = "header too large"
    case invalidHeaderLength = "invalid header length"
    case invalidHeader = "header is not valid UTF-8"
    case invalidHeaderDeserialization = "invalid header JSON"
    case duplicateKey = "duplicate key"
    case unknownDType = "unknown dtype"
    case invalidMetadata = "invalid __metadata__"
    case invalidOffset = "invalid offset"
    case tensorInvalidInfo = "tensor size does not match shape"
    case misalignedSlice = "misaligned slice"
    case validationOverflow = "size overflow"
    case metadataIncompleteBuffer = "trailing or missing bytes"
    case tensorNotFound = "tensor not found"
    case invalidIndex = "invalid shard index"
    case missingShard = "missing shard"
    case duplicateTensor = "tensor in two shards"
    case invalidWrite = "invalid write"
  }

  public var code: Code
  /// The file the error is about.
  public var file: String
  /// The tensor, when the error is about one.
  public var tensor: String?
  /// What exactly went wrong.
  public var detail: String

  public init(_ code: Code, file: String, tensor: String? = nil, _ detail: String) {
    self.code = code
    self.file = file
    self.tensor = tensor
    self.detail = detail
  }

  /// Printed as one line (``ErrorContext/description``): file-derived text has its control characters escaped.
  public var context: ErrorContext { ErrorContext(code: code.rawValue, file: file, tensor: tensor, detail: detail) }
}
