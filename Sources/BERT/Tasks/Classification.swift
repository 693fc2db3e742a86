import Foundation
import Models
import Support

/// A sequence classifier's answer for one input: the logits, their scores as transformers' text-classification
/// pipeline chooses the function (none for `problem_type` `regression`; sigmoid for `multi_label_classification`
/// or a single label; softmax otherwise) and the `id2label` labels.
public struct Classification: Sendable {
  public enum ScoreFunction: String, Sendable {
    case softmax, sigmoid, none
  }

  public let logits: [Float]
  public let scores: [Float]
  public let function: ScoreFunction
  /// One label per logit: `id2label`'s, else `LABEL_i` as transformers names them.
  public let labels: [String]

  /// Scores `logits` (one input's row) as `config` asks.
  public init(logits: [Float], config: ModelConfig) {
    self.logits = logits
    switch config.problemType {
    case "regression": function = .none
    case "multi_label_classification": function = .sigmoid
    default: function = logits.count == 1 ? .sigmoid : .softmax
    }
    switch function {
    case .none:
      scores = logits
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

  /// The pipeline's answer with `top_k=None`: every label `{label, score}`, by score, highest first (ties keep
  /// label order).
  public var answer: TaskAnswer {
    let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    let json = JSONValue.array(order.map { .object([("label", .string(labels[$0])), ("score", TaskJSON.score(scores[$0]))]) })
    let width = labels.map(\.count).max() ?? 0
    var text = "logits:  [\(logits.map { String(format: "%.6f", $0) }.joined(separator: ", "))]\n"
    text += "probabilities (\(function.rawValue)):\n"
    for i in order { text += "  \(labels[i].padding(toLength: width, withPad: " ", startingAt: 0))  \(String(format: "%.6f", scores[i]))\n" }
    if function == .softmax, let best { text += "label:   \(labels[best])\n" }
    return TaskAnswer(task: "text-classification", json: json, text: text)
  }
}
