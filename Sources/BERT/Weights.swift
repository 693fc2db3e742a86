import Checkpoint
import Convert
import SafeTensors

/// One weight tensor as f32: read in place from a safetensors mapping when it is stored as aligned f32 there,
/// otherwise widened (f16, bf16, f64) or copied (PyTorch, HDF5 sources) once into memory the model owns.
struct WeightTensor: Sendable {
  enum Storage: Sendable {
    /// f32 bytes inside a mapping; reached through the source's scoped accessor at each use.
    case mapped(SourceTensor)
    /// f32 values the model owns.
    case owned(FloatBuffer)
  }

  let name: String
  let shape: [Int]
  let storage: Storage

  var elementCount: Int { shape.reduce(1, *) }

  /// Loads `tensor`; `inPlace` says its bytes are a stable mapping (a safetensors checkpoint) that can be read at
  /// each use instead of copied.
  /// - Throws: ``BERTError`` `.weights` when the source cannot produce the bytes.
  init(_ tensor: CanonicalTensor, inPlace: Bool) throws(BERTError) {
    name = tensor.name
    shape = tensor.shape
    let source = tensor.source
    let count = source.elementCount
    guard count > 0 else { throw BERTError(.unsupported, file: source.file, "tensor '\(source.name)' is empty") }
    do {
      if inPlace && source.dtype == .f32 {
        let aligned = try source.withContiguousBytes { bytes in
          bytes.count == count * 4 && Int(bitPattern: bytes.baseAddress) % MemoryLayout<Float>.alignment == 0
        }
        if aligned {
          storage = .mapped(source)
          return
        }
      }
      let buffer = FloatBuffer(count: count)
      try source.withContiguousBytes { bytes in
        guard bytes.count == count * source.dtype.byteWidth else {
          throw BERTError(.weights, file: source.file, "tensor '\(source.name)' has \(bytes.count) bytes, expected \(count * source.dtype.byteWidth)")
        }
        DTypeCast.convert(bytes, from: source.dtype, to: .f32,
                          into: UnsafeMutableRawBufferPointer(start: buffer.pointer, count: count * 4), count: count)
      }
      storage = .owned(buffer)
    } catch let error as BERTError {
      throw error
    } catch {
      throw BERTError(.weights, file: source.file, "tensor '\(source.name)': \(error)")
    }
  }

  /// Calls `body` with the tensor's f32 values (``elementCount`` of them, row-major).
  func withFloats<R>(_ body: (UnsafePointer<Float>) throws(BERTError) -> R) throws(BERTError) -> R {
    switch storage {
    case .owned(let buffer):
      return try body(buffer.pointer)
    case .mapped(let source):
      do {
        return try source.withContiguousBytes { bytes in
          // Checked at load: exactly elementCount aligned f32 values.
          try body(bytes.bindMemory(to: Float.self).baseAddress!)
        }
      } catch let error as BERTError {
        throw error
      } catch {
        throw BERTError(.weights, file: source.file, "tensor '\(source.name)': \(error)")
      }
    }
  }
}

/// The canonical tensors of a ``ModelPlan``, by name.
struct WeightSet {
  private var tensors: [String: WeightTensor] = [:]
  let path: String

  init(plan: ModelPlan, inPlace: Bool) throws(BERTError) {
    path = plan.config.path
    for tensor in plan.tensors {
      tensors[tensor.name] = try WeightTensor(tensor, inPlace: inPlace)
    }
  }

  func contains(_ name: String) -> Bool { tensors[name] != nil }

  /// The tensor `name`, which must have `shape`.
  func tensor(_ name: String, _ shape: [Int]) throws(BERTError) -> WeightTensor {
    guard let tensor = tensors[name] else { throw BERTError(.unsupported, file: path, "the weights lack '\(name)'") }
    guard tensor.shape == shape else {
      throw BERTError(.unsupported, file: path, "'\(name)' is \(tensor.shape), the config needs \(shape)")
    }
    return tensor
  }

  /// `prefix.weight` [out, in] and `prefix.bias` [out].
  func linear(_ prefix: String, out: Int, in inFeatures: Int) throws(BERTError) -> Linear {
    Linear(weight: try tensor(prefix + ".weight", [out, inFeatures]), bias: try tensor(prefix + ".bias", [out]))
  }

  /// `prefix.weight` and `prefix.bias`, both [width].
  func layerNorm(_ prefix: String, width: Int, eps: Double) throws(BERTError) -> LayerNorm {
    LayerNorm(weight: try tensor(prefix + ".weight", [width]), bias: try tensor(prefix + ".bias", [width]), eps: eps)
  }
}

/// `torch.nn.Linear`: y = x·Wᵀ + b, with W stored [out, in].
struct Linear: Sendable {
  let weight: WeightTensor
  let bias: WeightTensor

  var outFeatures: Int { weight.shape[0] }
  var inFeatures: Int { weight.shape[1] }

  /// Writes `rows` outputs: row r of `y` (stride `yStride`) = row r of `x` (stride `xStride`) · Wᵀ + b.
  /// Like torch's `addmm`, the bias is placed in `y` first and the product accumulated onto it.
  func apply(rows: Int, x: UnsafePointer<Float>, xStride: Int, y: UnsafeMutablePointer<Float>, yStride: Int) throws(BERTError) {
    let (n, k) = (outFeatures, inFeatures)
    try bias.withFloats { b throws(BERTError) in
      for r in 0..<rows { (y + r * yStride).update(from: b, count: n) }
      try weight.withFloats { w in
        BLAS.gemm(m: rows, n: n, k: k, a: x, lda: xStride, b: w, ldb: k, transposeB: true, beta: 1, c: y, ldc: yStride)
      }
    }
  }
}
