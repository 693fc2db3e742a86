import Foundation
import Models

/// A sequence classifier's answer for one input: the logits, their scores (softmax, or sigmoid for
/// `problem_type` `multi_label_classification`, as transformers' text-classification pipeline chooses) and the
/// `id2label` labels.
public struct Classification: Sendable {
  public enum ScoreFunction: String, Sendable {
    case softmax, sigmoid
  }

  public let logits: [Float]
  public let scores: [Float]
  public let function: ScoreFunction
  /// One label per logit: `id2label`'s, else `LABEL_i` as transformers names them.
  public let labels: [String]

  /// Scores `logits` (one input's row) as `config` asks.
  public init(logits: [Float], config: ModelConfig) {
    self.logits = logits
    function = config.problemType == "multi_label_classification" ? .sigmoid : .softmax
    switch function {
    case .sigmoid:
      scores = logits.map { 1 / (1 + exp(-$0)) }
    case .softmax:
      let top = logits.max() ?? 0
      let exps = logits.map { exp($0 - top) }
      let sum = exps.reduce(0, +)
      scores = exps.map { $0 / sum }
    }
    labels = logits.indices.map { i in config.labels.flatMap { i < $0.count ? $0[i] : nil } ?? "LABEL_\(i)" }
  }

  /// The index of the highest score (the predicted label of a single-label classifier).
  public var best: Int? { scores.indices.max { scores[$0] < scores[$1] } }
}
