import SafeTensors

/// A pickle global the unpickler accepts. Nothing is ever imported: each case is our own stand-in for the
/// torch or collections object of that name.
enum TorchGlobal: Equatable {
  /// `collections.OrderedDict`: builds a dict.
  case orderedDict
  /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`.
  case rebuildTensorV2
  /// `torch._utils._rebuild_tensor_v3(storage, offset, size, stride, requires_grad, hooks, dtype[, metadata])`.
  case rebuildTensorV3
  /// `torch._utils._rebuild_parameter(data, requires_grad, hooks)`: the tensor itself.
  case rebuildParameter
  /// `torch._utils._rebuild_parameter_with_state(data, requires_grad, hooks, state)`: the tensor itself.
  case rebuildParameterWithState
  /// `torch._tensor._rebuild_from_type_v2(func, new_type, args, state)`: `func(*args)`.
  case rebuildFromTypeV2
  /// A storage class such as `torch.FloatStorage`, or `torch.storage.UntypedStorage` (bytes, `.u8`).
  case storageType(name: String, dtype: DType)
  /// A dtype object such as `torch.float16`; `dtype` is nil for a torch dtype we do not support.
  case dtype(name: String, dtype: DType?)
  /// `torch.Tensor` or `torch.nn.parameter.Parameter`: only meaningful as `_rebuild_from_type_v2`'s type.
  case tensorType(name: String)

  /// The name as a pickle spells it (module and name joined by a dot).
  var name: String {
    switch self {
    case .orderedDict: "collections.OrderedDict"
    case .rebuildTensorV2: "torch._utils._rebuild_tensor_v2"
    case .rebuildTensorV3: "torch._utils._rebuild_tensor_v3"
    case .rebuildParameter: "torch._utils._rebuild_parameter"
    case .rebuildParameterWithState: "torch._utils._rebuild_parameter_with_state"
    case .rebuildFromTypeV2: "torch._tensor._rebuild_from_type_v2"
    case .storageType(let name, _), .dtype(let name, _), .tensorType(let name): name
    }
  }

  /// What the unpickler does with a GLOBAL / STACK_GLOBAL / INST name.
  enum Resolution: Equatable {
    case allowed(TorchGlobal)
    /// A torch storage class or dtype that exists but that this reader does not support.
    case unsupported(String)
    /// Anything else: refused, named exactly as the pickle spells it.
    case forbidden
  }

  /// Looks `module.name` up in the allowlist.
  static func resolve(module: String, name: String) -> Resolution {
    let qualified = module + "." + name
    switch qualified {
    case "collections.OrderedDict": return .allowed(.orderedDict)
    case "torch._utils._rebuild_tensor_v2": return .allowed(.rebuildTensorV2)
    case "torch._utils._rebuild_tensor_v3": return .allowed(.rebuildTensorV3)
    case "torch._utils._rebuild_parameter": return .allowed(.rebuildParameter)
    case "torch._utils._rebuild_parameter_with_state": return .allowed(.rebuildParameterWithState)
    case "torch._tensor._rebuild_from_type_v2": return .allowed(.rebuildFromTypeV2)
    case "torch.Tensor", "torch._tensor.Tensor", "torch.nn.parameter.Parameter", "torch.nn.Parameter":
      return .allowed(.tensorType(name: qualified))
    default: break
    }
    if module == "torch" || module == "torch.cuda" || module == "torch.storage", name.hasSuffix("Storage") {
      if let dtype = DType(torchStorage: name) { return .allowed(.storageType(name: qualified, dtype: dtype)) }
      if knownStorageClasses.contains(name) { return .unsupported("storage class \(qualified)") }
      return .forbidden
    }
    if module == "torch" {
      if let dtype = DType(torchDtype: name) { return .allowed(.dtype(name: qualified, dtype: dtype)) }
      if knownUnsupportedDtypes.contains(name) { return .allowed(.dtype(name: qualified, dtype: nil)) }
    }
    return .forbidden
  }

  /// Storage classes torch defines that hold element types this reader does not support.
  private static let knownStorageClasses: Set<String> = [
    "ComplexDoubleStorage", "ComplexFloatStorage", "QUInt8Storage", "QInt8Storage", "QInt32Storage",
    "QUInt4x2Storage", "QUInt2x4Storage",
  ]

  /// torch dtype objects that exist but that no supported tensor can have; refused only when a tensor uses one.
  private static let knownUnsupportedDtypes: Set<String> = [
    "complex32", "complex64", "complex128", "chalf", "cfloat", "cdouble", "uint16", "uint32", "uint64",
    "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2",
    "qint8", "quint8", "qint32", "quint4x2", "quint2x4", "bits1x8", "bits2x4", "bits4x2", "bits8", "bits16",
  ]
}
