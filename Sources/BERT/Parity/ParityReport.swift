import Support
import Foundation
import SafeTensors

/// The pass rule of CONTRACT.md §2: an element passes when |ours − golden| ≤ atol + rtol·|golden|.
public struct Tolerance: Sendable, Equatable {
  public var atol: Double
  public var rtol: Double

  public init(atol: Double, rtol: Double) {
    self.atol = atol
    self.rtol = rtol
  }

  /// True when `ours` is within tolerance of `golden` (never for NaN).
  @inline(__always)
  public func accepts(_ ours: Float, _ golden: Float) -> Bool {
    abs(Double(ours) - Double(golden)) <= atol + rtol * abs(Double(golden))
  }
}

/// How one output compares with its golden.
public struct ParityRow: Sendable {
  public let name: String
  public let shape: [Int]
  /// False when the model cannot produce this output (e.g. `logits` of a bare `BertModel`): a failure.
  public let produced: Bool
  /// Elements compared (for per-token outputs, only where attention_mask = 1).
  public let compared: Int
  /// max |ours − golden|.
  public let maxAbsDiff: Double
  /// max |ours − golden| / |golden| over elements with golden ≠ 0.
  public let maxRelDiff: Double
  /// Elements that break the pass rule.
  public let overTolerance: Int
  /// Cosine similarity of the compared elements (1 when both are all zeros).
  public let cosine: Double

  public var passed: Bool { produced && overTolerance == 0 }
  public var shareOverTolerance: Double { compared == 0 ? (produced ? 0 : 1) : Double(overTolerance) / Double(compared) }
  /// K for `hidden_states.K` (0 = embedding output, K = output of encoder layer K, i.e. `bert.encoder.layer.{K-1}`).
  public var layer: Int? { Golden.hiddenStateIndex(name) }

  /// Compares `ours` with `golden` element by element; for per-token outputs only at positions (b, s) where
  /// `mask[b·S + s]` = 1.
  static func compare(name: String, shape: [Int], ours: [Float], golden: [Float], perToken: Bool, mask: [Int],
                      sequence: Int, tolerance: Tolerance) -> ParityRow {
    let inner = perToken ? shape.dropFirst(2).reduce(1, *) : 1
    var compared = 0, over = 0
    var maxAbs = 0.0, maxRel = 0.0
    var dot = 0.0, normOurs = 0.0, normGolden = 0.0
    var sawNaN = false
    for i in 0..<golden.count {
      if perToken && mask[i / inner] != 1 { continue }
      let (a, g) = (Double(ours[i]), Double(golden[i]))
      let d = abs(a - g)
      compared += 1
      if !tolerance.accepts(ours[i], golden[i]) { over += 1 }
      if d.isNaN { sawNaN = true; continue }
      maxAbs = max(maxAbs, d)
      if g != 0 { maxRel = max(maxRel, d / abs(g)) }
      dot += a * g
      normOurs += a * a
      normGolden += g * g
    }
    let cosine: Double
    if sawNaN {
      cosine = .nan
    } else if normOurs == 0 && normGolden == 0 {
      cosine = 1
    } else if normOurs == 0 || normGolden == 0 {
      cosine = 0
    } else {
      cosine = dot / (normOurs.squareRoot() * normGolden.squareRoot())
    }
    return ParityRow(name: name, shape: shape, produced: true, compared: compared,
                     maxAbsDiff: sawNaN ? .nan : maxAbs, maxRelDiff: sawNaN ? .nan : maxRel,
                     overTolerance: over, cosine: cosine)
  }

  static func missing(name: String, shape: [Int]) -> ParityRow {
    ParityRow(name: name, shape: shape, produced: false, compared: 0, maxAbsDiff: .nan, maxRelDiff: .nan,
              overTolerance: 0, cosine: .nan)
  }
}

/// Every output of a golden compared with the model's: the numbers `bert-verify` prints and writes as JSON.
public struct ParityReport: Sendable {
  public let model: String
  public let golden: String
  public let tolerance: Tolerance
  /// Where the tolerances came from: "golden", "command line" or "default".
  public let toleranceSource: String
  public let batch: Int
  public let sequence: Int
  public let rows: [ParityRow]

  public var passed: Bool { rows.allSatisfy(\.passed) }

  /// The first divergent output: the failing `hidden_states.K` with the smallest K, else the first failing of
  /// last_hidden_state, pooler_output, logits, … (rows are in that order).
  public var firstDivergent: ParityRow? { rows.first { !$0.passed } }

  /// Runs `model` on the golden's inputs and compares every output the golden holds.
  /// - Parameter tolerance: overrides the golden's `atol`/`rtol`; each component falls back to the golden's, then
  ///   to the contract's defaults (1e-4, 1e-3).
  /// - Throws: ``BERTError``: `.golden` when a golden output's shape differs from what the model produces,
  ///   `.badInput` when the inputs do not fit the model (ids outside the vocabulary, …).
  /// - Parameter sentence: the model with its sentence-transformers pipeline; when given, `token_embeddings` and
  ///   `sentence_embedding` are produced too (``SentenceEncoder/outputTensors(_:)``).
  public static func compare(model: BertModel, modelPath: String, golden: Golden,
                             atol: Double? = nil, rtol: Double? = nil, sentence: SentenceEncoder? = nil) throws(BERTError) -> ParityReport {
    let tolerance = Tolerance(atol: atol ?? golden.atol ?? Golden.defaultAtol, rtol: rtol ?? golden.rtol ?? Golden.defaultRtol)
    let source = (atol != nil || rtol != nil) ? "command line" : (golden.atol != nil || golden.rtol != nil) ? "golden" : "default"
    let output: EncoderOutput
    var extra: [OutputTensor] = []
    do {
      if let sentence {
        let result = try sentence.encode(golden.input, keepHiddenStates: true)
        output = result.encoder
        extra = SentenceEncoder.outputTensors(result)
      } else {
        output = try model.forward(golden.input)
      }
    } catch where error.code == .badInput {
      throw BERTError(.badInput, file: golden.path, "\(error.detail) (model \(modelPath))")
    }
    var ours: [String: OutputTensor] = [:]
    for tensor in output.tensors + extra { ours[tensor.name] = tensor }
    for expected in golden.outputs {
      if let mine = ours[expected.name], mine.shape != expected.shape {
        throw BERTError(.golden, file: golden.path, "tensor '\(expected.name)' has shape \(expected.shape); the model gives \(mine.shape)")
      }
    }
    let rows = golden.outputs.map { expected -> ParityRow in
      guard let mine = ours[expected.name] else { return .missing(name: expected.name, shape: expected.shape) }
      return .compare(name: expected.name, shape: expected.shape, ours: mine.values, golden: expected.values,
                      perToken: mine.perToken, mask: golden.input.attentionMask, sequence: golden.input.sequence,
                      tolerance: tolerance)
    }
    if rows.allSatisfy({ $0.compared == 0 }) {
      throw BERTError(.golden, file: golden.path, "nothing was compared: the model produces none of its outputs "
                        + "(\(golden.outputs.prefix(5).map(\.name).joined(separator: ", "))), or they are empty")
    }
    return ParityReport(model: modelPath, golden: golden.path, tolerance: tolerance, toleranceSource: source,
                        batch: golden.input.batch, sequence: golden.input.sequence, rows: rows)
  }
}

// MARK: - Presentation

extension ParityReport {
  /// A number as the table prints it.
  public static func format(_ value: Double) -> String {
    value.isNaN ? "nan" : String(format: "%.3e", value)
  }

  /// A cosine as the table prints it.
  public static func formatCosine(_ value: Double) -> String {
    value.isNaN ? "nan" : String(format: "%.8f", value)
  }

  /// A share as the table prints it (percent).
  public static func formatShare(_ value: Double) -> String {
    String(format: "%.3f%%", value * 100)
  }

  /// The verdict line naming the first divergent output (and layer).
  public var verdict: String {
    guard let first = firstDivergent else {
      return "PASS: all \(rows.count) outputs within atol \(tolerance.atol), rtol \(tolerance.rtol)"
    }
    let failing = rows.filter { !$0.passed }.count
    var line = "FAIL: \(failing) of \(rows.count) outputs over tolerance; first divergent: "
    if let k = first.layer {
      line += k == 0 ? "embeddings (hidden_states.0)" : "layer \(k) (hidden_states.\(k), the output of bert.encoder.layer.\(k - 1))"
    } else {
      line += first.name
    }
    if !first.produced { line += " — the model cannot produce it" }
    return line
  }

  /// The report as a text table: one row per output, then the verdict.
  public var table: String {
    let header = ["output", "shape", "compared", "max_abs_diff", "max_rel_diff", "over_tol", "cosine", ""]
    var lines: [[String]] = [header]
    for row in rows {
      let shape = "[" + row.shape.map(String.init).joined(separator: ", ") + "]"
      if row.produced {
        lines.append([row.name, shape, String(row.compared), ParityReport.format(row.maxAbsDiff), ParityReport.format(row.maxRelDiff),
                      ParityReport.formatShare(row.shareOverTolerance), ParityReport.formatCosine(row.cosine), row.passed ? "ok" : "FAIL"])
      } else {
        lines.append([row.name, shape, "-", "-", "-", "-", "-", "FAIL (not produced by the model)"])
      }
    }
    let widths = header.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
    var text = "model:  \(model)\ngolden: \(golden) (batch \(batch) × \(sequence))\n"
    text += "tolerance: atol \(tolerance.atol), rtol \(tolerance.rtol) (\(toleranceSource))\n\n"
    for line in lines {
      text += zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        .trimmingCharacters(in: .whitespaces) + "\n"
    }
    return text + "\n" + verdict + "\n"
  }

  /// The same numbers as JSON (NaN and infinities as null).
  public var json: JSONValue {
    func number(_ value: Double) -> JSONValue { value.isFinite ? .number("\(value)") : .null }
    func integer(_ value: Int) -> JSONValue { .number(String(value)) }
    let outputs: [JSONValue] = rows.map { row in
      .object([
        ("name", .string(row.name)),
        ("shape", .array(row.shape.map(integer))),
        ("produced", .bool(row.produced)),
        ("compared", integer(row.compared)),
        ("max_abs_diff", number(row.maxAbsDiff)),
        ("max_rel_diff", number(row.maxRelDiff)),
        ("over_tolerance", integer(row.overTolerance)),
        ("share_over_tolerance", number(row.shareOverTolerance)),
        ("cosine", number(row.cosine)),
        ("pass", .bool(row.passed)),
      ])
    }
    let first = firstDivergent
    return .object([
      ("model", .string(model)),
      ("golden", .string(golden)),
      ("batch", integer(batch)),
      ("sequence", integer(sequence)),
      ("atol", number(tolerance.atol)),
      ("rtol", number(tolerance.rtol)),
      ("tolerance_source", .string(toleranceSource)),
      ("pass", .bool(passed)),
      ("first_divergent", first.map { .string($0.name) } ?? .null),
      ("first_divergent_layer", first?.layer.map(integer) ?? .null),
      ("outputs", .array(outputs)),
    ])
  }
}
