import SafeTensors

extension DType {
  /// The element type of a torch storage class, named as a pickle spells it: `BFloat16Storage`,
  /// `torch.HalfStorage`, `torch.cuda.FloatStorage`, or `UntypedStorage` (raw bytes, so `.u8`).
  ///
  /// Only the types a checkpoint reader supports are recognised (f64, f32, f16, bf16, i64, i32, i16, i8,
  /// u8, bool); `ComplexFloatStorage`, the quantized storages and anything else give `nil`.
  public init?(torchStorage name: String) {
    var base = Substring(name)
    for prefix in ["torch.cuda.", "torch.storage.", "torch."] where base.hasPrefix(prefix) {
      base = base.dropFirst(prefix.count)
      break
    }
    switch base {
    case "DoubleStorage": self = .f64
    case "FloatStorage": self = .f32
    case "HalfStorage": self = .f16
    case "BFloat16Storage": self = .bf16
    case "LongStorage": self = .i64
    case "IntStorage": self = .i32
    case "ShortStorage": self = .i16
    case "CharStorage": self = .i8
    case "ByteStorage", "UntypedStorage": self = .u8
    case "BoolStorage": self = .bool
    default: return nil
    }
  }

  /// The element type a torch dtype object names: `torch.float16`, `torch.half`, `bfloat16`, `torch.long`, …
  ///
  /// Only the supported types are recognised (see ``init(torchStorage:)``); `torch.complex64`,
  /// `torch.uint16`, the float8 types and the quantized types give `nil`.
  public init?(torchDtype name: String) {
    let base = name.hasPrefix("torch.") ? Substring(name).dropFirst("torch.".count) : Substring(name)
    switch base {
    case "float64", "double": self = .f64
    case "float32", "float": self = .f32
    case "float16", "half": self = .f16
    case "bfloat16": self = .bf16
    case "int64", "long": self = .i64
    case "int32", "int": self = .i32
    case "int16", "short": self = .i16
    case "int8": self = .i8
    case "uint8": self = .u8
    case "bool": self = .bool
    default: return nil
    }
  }
}
