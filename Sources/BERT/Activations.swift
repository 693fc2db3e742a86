import CGEMM
import Foundation

/// The `hidden_act` values of transformers' `ACT2FN` that the encoder runs, with the same formulas
/// (transformers `activations.py`, torch's `gelu`/`silu`/`mish` kernels), evaluated in `Float` like torch's float32.
public enum Activation: String, CaseIterable, Sendable {
  /// Exact GELU: x · ½ · (1 + erf(x / √2)) (`nn.functional.gelu`).
  case gelu
  /// The same erf formula written in Python.
  case geluPython = "gelu_python"
  /// GELU clipped to [−10, 10].
  case gelu10 = "gelu_10"
  /// Tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
  case geluNew = "gelu_new"
  /// torch's `gelu(approximate="tanh")`: the same formula as `gelu_new`.
  case geluPytorchTanh = "gelu_pytorch_tanh"
  /// transformers' `AccurateGELUActivation`: the same formula as `gelu_new`.
  case geluAccurate = "gelu_accurate"
  /// ½x(1 + tanh(0.7978845608 · x · (1 + 0.044715x²))).
  case geluFast = "gelu_fast"
  /// x · σ(1.702x).
  case quickGelu = "quick_gelu"
  case relu
  /// x · σ(x).
  case silu
  /// Another name for `silu`.
  case swish
  /// x · tanh(softplus(x)).
  case mish
  case tanh
  case sigmoid
  /// The identity.
  case linear

  /// The activation a config's `hidden_act` names.
  /// - Throws: ``BERTError`` `.unsupported` for names outside this list.
  public init(configName name: String, file: String? = nil) throws(BERTError) {
    guard let value = Activation(rawValue: name) else {
      throw BERTError(.unsupported, file: file,
                      "hidden_act '\(name)' is not supported (supported: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    self = value
  }

  private static let sqrtTwoOverPi: Float = 0.79788456080286535588

  /// The activation of one value. The GELU family goes through ``VectorMath/gelu(_:)``, so one value gets
  /// exactly what it gets inside a buffer.
  @inline(__always)
  public func callAsFunction(_ x: Float) -> Float {
    switch self {
    case .gelu, .geluPython: return VectorMath.gelu(FloatVector(repeating: x))[0]
    case .gelu10: return Swift.min(Swift.max(VectorMath.gelu(FloatVector(repeating: x))[0], -10), 10)
    case .geluNew, .geluPytorchTanh, .geluAccurate:
      return 0.5 * x * (1 + tanhf(Activation.sqrtTwoOverPi * (x + 0.044715 * x * x * x)))
    case .geluFast: return 0.5 * x * (1 + tanhf(x * 0.7978845608 * (1 + 0.044715 * x * x)))
    case .quickGelu: return x * (1 / (1 + expf(-1.702 * x)))
    case .relu: return x > 0 ? x : (x.isNaN ? x : 0)
    case .silu, .swish: return x / (1 + expf(-x))
    case .mish: return x * tanhf(x > 20 ? x : log1pf(expf(x)))
    case .tanh: return tanhf(x)
    case .sigmoid: return 1 / (1 + expf(-x))
    case .linear: return x
    }
  }

  /// Elements per parallel chunk.
  static let grain = 1 << 14

  /// Applies the activation in place to `count` values, spread over threads.
  func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
    if self == .linear { return }
    Parallel.forEach(count, grain: Activation.grain) { range in
      applyHere(values + range.lowerBound, count: range.count)
    }
  }

  /// Applies the activation in place to `count` values on the calling thread (a row segment of the intermediate
  /// dense layer's output, right after its GEMM).
  func applyHere(_ values: UnsafeMutablePointer<Float>, count: Int) {
    switch self {
    case .linear: return
    case .gelu, .geluPython:
      // The AVX-512 copy of VectorMath.gelu when the CPU has it (same bits), else the Swift one.
      if cgemm_gelu_erf(values, count) == 0 { VectorMath.map(values, count: count) { VectorMath.gelu($0) } }
    default:
      for i in 0..<count { values[i] = self(values[i]) }
    }
  }
}
