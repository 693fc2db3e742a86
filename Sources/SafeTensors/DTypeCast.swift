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
