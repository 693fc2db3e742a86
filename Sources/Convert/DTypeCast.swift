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

/// Element-wise conversions between the float types, with round-to-nearest-even — the bytes torch's
/// `.to(dtype)` produces.
public enum DTypeCast {
  /// Converts `count` elements of `input` (type `from`) into `output` (type `to`), returning how many finite
  /// inputs became ±infinity (f16 overflow).
  @discardableResult
  public static func convert(
    _ input: UnsafeRawBufferPointer, from: DType, to: DType, into output: UnsafeMutableRawBufferPointer, count: Int
  ) -> Int {
    precondition(input.count >= count * from.byteWidth && output.count >= count * to.byteWidth)
    if from == to {
      output.copyMemory(from: UnsafeRawBufferPointer(rebasing: input[0..<(count * from.byteWidth)]))
      return 0
    }
    var overflows = 0
    for i in 0..<count {
      let value: Float
      var finite = true
      var exactHalf: Float16?
      switch from {
      case .f32: value = Float(bitPattern: UInt32(littleEndian: input.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
      case .f16: value = Float(Float16(bitPattern: UInt16(littleEndian: input.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
      case .bf16: value = Float(bitPattern: UInt32(UInt16(littleEndian: input.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
      case .f64:
        let double = Double(bitPattern: UInt64(littleEndian: input.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
        value = Float(double)
        finite = double.isFinite
        exactHalf = Float16(double)  // one rounding, as torch casts f64 → f16 directly
      default: preconditionFailure("not a float type: \(from)")
      }
      finite = finite && value.isFinite
      switch to {
      case .f32: output.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
      case .f16:
        let half = exactHalf ?? Float16(value)
        if finite && half.isInfinite { overflows += 1 }
        output.storeBytes(of: half.bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
      case .bf16: output.storeBytes(of: bfloat16Bits(value).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
      default: preconditionFailure("not a target type: \(to)")
      }
    }
    return overflows
  }

  /// f32 → bf16 with round-to-nearest-even; NaN becomes the quiet NaN 0x7FC0, as in torch.
  public static func bfloat16Bits(_ value: Float) -> UInt16 {
    if value.isNaN { return 0x7FC0 }
    let bits = value.bitPattern
    let rounding = 0x7FFF + ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
  }
}
