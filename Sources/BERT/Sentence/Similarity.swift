import Foundation
import Models

/// The cosine-similarity matrices of some texts under several poolings, and how far each pooling agrees with the
/// model's own pipeline (`bert-verify similarity`, README "CLS or mean?").
public struct SimilarityReport: Sendable {
  /// A named way to make a sentence vector: `model` (the model's own pipeline), `pooler`, or a pooling mode.
  public struct Method: Sendable, Equatable {
    public let name: String
    public let pooling: SentencePooling

    public static let model = Method(name: "model", pooling: .auto)

    /// `model`, `pooler`, `cls`, `mean`, `max`, `mean-sqrt-len`, `weightedmean`, `lasttoken`.
    public init?(name: String) {
      if name == "model" { self = .model; return }
      guard name != "auto", let pooling = SentencePooling(name: name) else { return nil }
      self.init(name: name, pooling: pooling)
    }

    init(name: String, pooling: SentencePooling) {
      self.name = name
      self.pooling = pooling
    }
  }

  public let texts: [String]
  /// Each method's [n × n] cosine matrix, in the order asked.
  public let matrices: [(method: String, cosines: [[Double]])]
  /// Spearman's rank correlation of each method's pairwise similarities (i < j) with the model's own; nil with
  /// fewer than three texts (one pair has no ranking).
  public let agreement: [(method: String, spearman: Double?)]

  /// The methods `--pooling all` compares: the model's pipeline, cls, the pooler when the model has one, mean, max.
  public static func defaultMethods(for encoder: SentenceEncoder) -> [Method] {
    let names = ["model", "cls"] + (encoder.model.hasPooler ? ["pooler"] : []) + ["mean", "max"]
    return names.compactMap { Method(name: $0) }
  }

  /// Embeds `texts` once per method and compares.
  /// - Throws: ``BERTError`` (`.unsupported` for `pooler` on a model without one).
  public init(encoder: SentenceEncoder, tokenizer: WordPieceTokenizer, texts: [String], methods: [Method], batchSize: Int = 32) throws(BERTError) {
    self.texts = texts
    var matrices: [(String, [[Double]])] = []
    for method in methods {
      let (values, width) = try encoder.embed(texts, tokenizer: tokenizer, pooling: method.pooling, batchSize: batchSize)
      let n = texts.count
      let matrix = (0..<n).map { i in
        (0..<n).map { j in Pooling.cosine(values[(i * width)..<((i + 1) * width)], values[(j * width)..<((j + 1) * width)]) }
      }
      matrices.append((method.name, matrix))
    }
    self.matrices = matrices
    // The model's own similarities: its pipeline's matrix (computed even if not asked for).
    let reference: [[Double]]
    if let own = matrices.first(where: { $0.0 == "model" }) {
      reference = own.1
    } else {
      reference = try SimilarityReport(encoder: encoder, tokenizer: tokenizer, texts: texts, methods: [.model], batchSize: batchSize).matrices[0].cosines
    }
    agreement = matrices.map { ($0.0, SimilarityReport.spearman(SimilarityReport.pairs($0.1), SimilarityReport.pairs(reference))) }
  }

  /// The upper triangle (i < j), row by row.
  static func pairs(_ matrix: [[Double]]) -> [Double] {
    matrix.indices.flatMap { i in ((i + 1)..<matrix.count).map { matrix[i][$0] } }
  }

  /// Spearman's ρ: Pearson's correlation of the ranks (ties get their average rank, as scipy's `spearmanr`); nil
  /// for fewer than two values or a constant sequence.
  public static func spearman(_ a: [Double], _ b: [Double]) -> Double? {
    guard a.count == b.count, a.count >= 2 else { return nil }
    let (ra, rb) = (ranks(a), ranks(b))
    let n = Double(a.count)
    let (ma, mb) = (ra.reduce(0, +) / n, rb.reduce(0, +) / n)
    var (cov, va, vb) = (0.0, 0.0, 0.0)
    for (x, y) in zip(ra, rb) {
      cov += (x - ma) * (y - mb)
      va += (x - ma) * (x - ma)
      vb += (y - mb) * (y - mb)
    }
    guard va > 0, vb > 0 else { return nil }
    return cov / (va * vb).squareRoot()
  }

  /// 1-based ranks, ties averaged.
  static func ranks(_ values: [Double]) -> [Double] {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var ranks = [Double](repeating: 0, count: values.count)
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
      let rank = Double(i + j) / 2 + 1
      for k in i...j { ranks[order[k]] = rank }
      i = j + 1
    }
    return ranks
  }
}
