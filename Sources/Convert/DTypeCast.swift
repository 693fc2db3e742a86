import SafeTensors

/// The float type of a canonical file, as `--dtype` names it.
public enum TargetDType: String, Sendable, CaseIterable {
  /// The source's float type (f64 becomes f32; a mix of types becomes f32).
  case keep
  case f32, f16, bf16

  /// The dtype to write for a model whose tensors have `sourceTypes`.
  public func resolve(sourceTypes: Set<DType>) -> DType {
    switch self {
    case .f32: return .f32
    case .f16: return .f16
    case .bf16: return .bf16
    case .keep:
      if sourceTypes.count == 1, let only = sourceTypes.first, [.f16, .bf16].contains(only) { return only }
      return .f32
    }
  }
}
