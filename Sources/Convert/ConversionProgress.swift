import Models
import SafeTensors

/// Where a conversion stands, reported after each tensor is written.
public struct ConversionStep: Sendable {
  /// Tensors written so far, of how many.
  public var tensorsDone: Int
  public var tensorCount: Int
  /// The tensor just written (its canonical name).
  public var tensor: String
  /// Output tensor bytes written so far, of how many (the data sections, headers not counted).
  public var bytesDone: Int
  public var byteCount: Int

  public init(tensorsDone: Int, tensorCount: Int, tensor: String, bytesDone: Int, byteCount: Int) {
    self.tensorsDone = tensorsDone
    self.tensorCount = tensorCount
    self.tensor = tensor
    self.bytesDone = bytesDone
    self.byteCount = byteCount
  }
}

/// Called after each tensor is written.
public typealias ConversionProgress = (_ step: ConversionStep) -> Void

/// Adds up the tensors of a whole plan (all shards) as they are written, for a ``ConversionProgress``.
final class ProgressTally {
  private var step: ConversionStep
  private let report: ConversionProgress

  init(tensors: [CanonicalTensor], dtype: DType, report: @escaping ConversionProgress) {
    step = ConversionStep(tensorsDone: 0, tensorCount: tensors.count, tensor: "", bytesDone: 0,
                          byteCount: tensors.reduce(0) { $0 + ProgressTally.bytes(of: $1, as: dtype) })
    self.report = report
  }

  /// Output bytes of `tensor` as `dtype` (shapes were checked against the config by the plan).
  static func bytes(of tensor: CanonicalTensor, as dtype: DType) -> Int {
    tensor.shape.reduce(dtype.byteWidth) { $0.multipliedReportingOverflow(by: $1).partialValue }
  }

  func wrote(_ tensor: CanonicalTensor, as dtype: DType) {
    step.tensorsDone += 1
    step.tensor = tensor.name
    step.bytesDone += ProgressTally.bytes(of: tensor, as: dtype)
    report(step)
  }
}
