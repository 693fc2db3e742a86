import Foundation
import Support

/// JSON values as transformers' pipelines return them, for `bert-verify --text … --json`.
enum TaskJSON {
  /// A score as Python prints the float32 value widened to a double (`float(np.float32(x))`).
  static func score(_ value: Float) -> JSONValue { value.isFinite ? .number("\(Double(value))") : .null }
  static func score(_ value: Double) -> JSONValue { value.isFinite ? .number("\(value)") : .null }
  static func integer(_ value: Int) -> JSONValue { .number(String(value)) }

  /// Numerically stable softmax in Float: exp(x − max) / Σ, as numpy and torch compute it.
  static func softmax(_ logits: ArraySlice<Float>) -> [Float] {
    let top = logits.max() ?? 0
    let exps = logits.map { expf($0 - top) }
    let sum = exps.reduce(0, +)
    return exps.map { $0 / sum }
  }

  static func format(_ value: Float) -> String { String(format: "%.4f", value) }
}

/// What `bert-verify --text` answers for one input: the pipeline's JSON and a few lines for people.
public struct TaskAnswer: Sendable {
  /// The transformers pipeline task (`fill-mask`, …; ``Models/HeadKind/task``).
  public let task: String
  /// What `transformers.pipeline(task)(…)` returns, same keys.
  public let json: JSONValue
  /// Human-readable lines.
  public let text: String
}
