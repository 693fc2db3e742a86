import Testing
import TestSupport
@testable import Convert
@testable import SafeTensors

@Suite("dtype casts")
struct DTypeTests {
  func cast(_ values: [Float], to: DType) -> ([UInt8], Int) {
    var out = [UInt8](repeating: 0, count: values.count * to.byteWidth)
    let overflow = values.withUnsafeBytes { input in
      out.withUnsafeMutableBytes { DTypeCast.convert(input, from: .f32, to: to, into: $0, count: values.count) }
    }
    return (out, overflow)
  }

  func halves(_ bytes: [UInt8]) -> [UInt16] { stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 } }

  @Test("f32 → f16 rounds to nearest even and counts overflow to infinity")
  func half() {
    // 1 + 2^-11 is halfway between 1 and the next f16: ties to even (1.0); 1 + 3·2^-11 ties up to 1 + 2^-9.
    let (bytes, overflow) = cast([1 + 0x1p-11, 1 + 3 * 0x1p-11, 65504, 65520, -1e6, .infinity, 0x1p-25], to: .f16)
    #expect(halves(bytes) == [0x3C00, 0x3C02, 0x7BFF, 0x7C00, 0xFC00, 0x7C00, 0x0000])
    #expect(overflow == 2)
  }

  @Test("f32 → bf16 rounds to nearest even; NaN is torch's quiet NaN")
  func bfloat() {
    let values: [Float] = [Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000), Float(bitPattern: 0x3F80_8001), .nan, -0.0]
    #expect(halves(cast(values, to: .bf16).0) == [0x3F80, 0x3F82, 0x3F81, 0x7FC0, 0x8000])
  }

  @Test("--dtype keep follows the source; mixed or f64 sources become f32")
  func keep() {
    #expect(TargetDType.keep.resolve(sourceTypes: [.f16]) == .f16)
    #expect(TargetDType.keep.resolve(sourceTypes: [.bf16]) == .bf16)
    #expect(TargetDType.keep.resolve(sourceTypes: [.f64]) == .f32)
    #expect(TargetDType.keep.resolve(sourceTypes: [.f16, .bf16]) == .f32)
    #expect(TargetDType.bf16.resolve(sourceTypes: [.f32]) == .bf16)
  }

  @Test("casting to f16/bf16 gives the bytes torch's .to(dtype) gave", arguments: [("f16", TargetDType.f16), ("bf16", TargetDType.bf16)])
  func torchBytes(suffix: String, dtype: TargetDType) throws {
    let dir = TemporaryDirectory()
    let cast = dir.file("cast.safetensors")
    try Conversion.run(source: Fixtures.path("models/seqcls/safetensors"), output: cast, dtype: dtype)
    let torchSaved = try SafeTensorsFile(path: Fixtures.path("models/seqcls/safetensors-\(suffix)/model.safetensors"))
    let ours = try SafeTensorsFile(path: cast)
    #expect(ours.tensors.count == torchSaved.tensors.count)
    for view in ours.tensors {
      let theirs = try torchSaved.tensor(named: view.name)
      #expect(view.dtype == theirs.dtype)
      #expect(view.withUnsafeBytes { Array($0) } == theirs.withUnsafeBytes { Array($0) }, "\(view.name)")
    }
    // Keeping the torch-made copy's dtype gives the very same file.
    let kept = dir.file("kept.safetensors")
    try Conversion.run(source: Fixtures.path("models/seqcls/safetensors-\(suffix)"), output: kept)
    #expect(fileSHA(kept) == fileSHA(cast))
  }
}
