import Checkpoint
import Foundation
import Models
import SafeTensors
import Support

/// A sentence-transformers `Dense` module with its weights: y = activation(x·Wᵀ + b) on each row of its input
/// feature (sentence-transformers 5.7 `base/modules/dense.py`).
public struct DenseLayer: Sendable {
  public let config: DenseConfig
  /// The activation that runs (Tanh when the config names none, or names one outside `torch.`, as
  /// sentence-transformers does without `trust_remote_code`).
  public let activation: Activation
  /// Set when the config's activation was replaced by Tanh, with the reason.
  public let note: String?
  let linear: Linear

  /// The `torch.nn` activations a Dense config may name, by class name.
  static let activations: [String: Activation] = [
    "Tanh": .tanh, "Identity": .linear, "ReLU": .relu, "GELU": .gelu, "Sigmoid": .sigmoid, "SiLU": .silu, "Mish": .mish,
  ]

  /// Loads the module in `folder`: its config and `model.safetensors` (else `pytorch_model.bin`), read through the
  /// Checkpoint readers (nothing is unpickled beyond their allowlist).
  /// - Throws: ``BERTError`` `.unsupported` for an activation this project does not compute, `.weights` for
  ///   missing, extra or misshapen tensors (wrapping the reader's error when the file is unreadable).
  public init(config: DenseConfig, folder: String) throws(BERTError) {
    self.config = config
    let configPath = folder + "/config.json"
    switch config.activationFunction {
    case nil:
      (activation, note) = (.tanh, nil)
    case let name? where !name.hasPrefix("torch."):
      (activation, note) = (.tanh, "\(configPath): activation_function '\(name)' is not a torch class; Tanh is used, as sentence-transformers does without trust_remote_code")
    case let name?:
      let className = SentenceModule.className(of: name)
      guard name.hasPrefix("torch.nn."), let known = DenseLayer.activations[className] else {
        throw BERTError(.unsupported, file: configPath, "activation_function '\(name)' is not supported (torch.nn \(DenseLayer.activations.keys.sorted().joined(separator: ", ")))")
      }
      (activation, note) = (known, nil)
    }

    let checkpoint: Checkpoint
    do {
      let candidates = ["model.safetensors", "pytorch_model.bin"].map { folder + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
      guard let path = candidates.first else {
        throw BERTError(.weights, file: folder, "the Dense module has neither model.safetensors nor pytorch_model.bin")
      }
      checkpoint = try Checkpoint.open(path)
    } catch let error as BERTError {
      throw error
    } catch let error as any ContextualError {
      throw BERTError(.weights, wrapping: error)
    } catch {
      throw BERTError(.weights, file: folder, "\(error)")
    }
    var expected: [String: [Int]] = ["linear.weight": [config.outFeatures, config.inFeatures]]
    if config.bias { expected["linear.bias"] = [config.outFeatures] }
    var found: [String: WeightTensor] = [:]
    for tensor in checkpoint.tensors {
      guard let shape = expected[tensor.name] else {
        throw BERTError(.weights, file: tensor.file, tensor: tensor.name, "unexpected tensor in a Dense module (expected \(expected.keys.sorted().joined(separator: ", ")))")
      }
      guard tensor.shape == shape else {
        throw BERTError(.weights, file: tensor.file, tensor: tensor.name, "has shape \(tensor.shape), the Dense config needs \(shape)")
      }
      guard [.f32, .f16, .bf16, .f64].contains(tensor.dtype) else {
        throw BERTError(.weights, file: tensor.file, tensor: tensor.name, "is \(tensor.dtype.rawValue), not a float tensor")
      }
      found[tensor.name] = try DenseLayer.floats(tensor)
    }
    for name in expected.keys.sorted() where found[name] == nil {
      throw BERTError(.weights, file: checkpoint.path, tensor: name, "missing from the Dense module")
    }
    linear = try Linear(weight: found["linear.weight"]!, bias: found["linear.bias"])
  }

  /// A tensor widened to f32 into memory this layer owns.
  static func floats(_ tensor: SourceTensor) throws(BERTError) -> WeightTensor {
    let count = tensor.elementCount
    let buffer = FloatBuffer(count: count)
    do {
      try tensor.withContiguousBytes { bytes in
        guard bytes.count == count * tensor.dtype.byteWidth else {
          throw BERTError(.weights, file: tensor.file, tensor: tensor.name, "has \(bytes.count) bytes, expected \(count * tensor.dtype.byteWidth)")
        }
        DTypeCast.convert(bytes, from: tensor.dtype, to: .f32,
                          into: UnsafeMutableRawBufferPointer(start: buffer.pointer, count: count * 4), count: count)
      }
    } catch let error as BERTError {
      throw error
    } catch let error as any ContextualError {
      throw BERTError(.weights, wrapping: error, tensor: tensor.name)
    } catch {
      throw BERTError(.weights, file: tensor.file, tensor: tensor.name, "\(error)")
    }
    return WeightTensor(name: tensor.name, shape: tensor.shape, owned: buffer)
  }

  /// `rows` rows of `inFeatures` values in, `rows` rows of `outFeatures` values out.
  func apply(_ x: [Float], rows: Int) throws(BERTError) -> [Float] {
    var y = [Float](repeating: 0, count: rows * config.outFeatures)
    try x.withUnsafeBufferPointer { (input) throws(BERTError) in
      try y.withUnsafeMutableBufferPointer { (out) throws(BERTError) in
        try linear.apply(rows: rows, x: input.baseAddress!, xStride: config.inFeatures, y: out.baseAddress!, yStride: config.outFeatures)
        activation.applyHere(out.baseAddress!, count: out.count)
      }
    }
    return y
  }
}
