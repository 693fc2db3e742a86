import Foundation
import Models

/// Token vectors [batch, sequence, width] with their attention mask: what a pooling reads. Any encoder's
/// `last_hidden_state` fits (the pooling knows nothing of the family).
public struct TokenEmbeddings: Sendable {
  public let batch: Int
  public let sequence: Int
  public let width: Int
  /// Row-major [batch, sequence, width].
  public let values: [Float]
  /// [batch, sequence], 1 for a real token.
  public let mask: [Int]

  /// - Precondition: the counts agree (callers build it from a forward pass).
  public init(batch: Int, sequence: Int, width: Int, values: [Float], mask: [Int]) {
    precondition(values.count == batch * sequence * width && mask.count == batch * sequence, "TokenEmbeddings shape")
    self.batch = batch
    self.sequence = sequence
    self.width = width
    self.values = values
    self.mask = mask
  }

  /// The `last_hidden_state` of a forward pass with the mask of its input.
  public init(_ output: EncoderOutput, mask: [Int]) {
    self.init(batch: output.batch, sequence: output.sequence, width: output.hiddenSize, values: output.lastHiddenState, mask: mask)
  }
}

extension PoolingConfig {
  /// The width of the sentence embedding: one `embeddingDimension` block per mode.
  public var outputDimension: Int { modes.count * embeddingDimension }

  /// sentence-transformers 5.7's `Pooling._forward_padded` (sentence_transformer/modules/pooling.py), mode by mode,
  /// concatenated in ``modes`` order, [batch, modes × width]:
  /// - `cls`: the first token whose mask is 1 (token 0 for a right-padded batch);
  /// - `max`: the largest value over real tokens (−∞ for a row without any);
  /// - `mean`: Σ m·h / max(Σ m, 1e-9); `mean_sqrt_len_tokens`: Σ m·h / √max(Σ m, 1e-9);
  /// - `weightedmean`: weights i + 1 over the padded index, Σ w·m·h / max(Σ w·m, 1e-9);
  /// - `lasttoken`: the last token whose mask is 1 (zeros for a row without any).
  /// Sums run in float64 and are rounded once to float32 before the division, which stays within a few float32
  /// ulps of torch's float32 reduction.
  public func pool(_ tokens: TokenEmbeddings) -> [Float] {
    Pooling.pool(tokens, modes: modes)
  }
}

/// The pooling formulas, shared by ``PoolingConfig/pool(_:)`` and the CLI's side-by-side comparisons.
public enum Pooling {
  /// `modes` applied in order and concatenated: [batch, modes.count × width].
  public static func pool(_ tokens: TokenEmbeddings, modes: [PoolingMode]) -> [Float] {
    let (b, s, w) = (tokens.batch, tokens.sequence, tokens.width)
    let outWidth = modes.count * w
    var out = [Float](repeating: 0, count: b * outWidth)
    tokens.values.withUnsafeBufferPointer { h in
      for row in 0..<b {
        let mask = tokens.mask[(row * s)..<((row + 1) * s)].map { $0 == 1 }
        let base = row * s * w
        for (m, mode) in modes.enumerated() {
          let o = row * outWidth + m * w
          switch mode {
          case .cls, .lasttoken:
            let index = mode == .cls ? mask.firstIndex(of: true) ?? 0 : mask.lastIndex(of: true)
            if let index { for j in 0..<w { out[o + j] = h[base + index * w + j] } }
          case .max:
            for j in 0..<w {
              var best = -Float.infinity
              for t in 0..<s where mask[t] {
                let v = h[base + t * w + j]
                // torch's max propagates NaN.
                if v > best || v.isNaN { best = v }
                if best.isNaN { break }
              }
              out[o + j] = best
            }
          case .mean, .meanSqrtLen, .weightedmean:
            var denominator = 0.0
            for t in 0..<s where mask[t] { denominator += mode == .weightedmean ? Double(t + 1) : 1 }
            let d = Swift.max(Float(denominator), 1e-9)
            let divisor = mode == .meanSqrtLen ? d.squareRoot() : d
            for j in 0..<w {
              var sum = 0.0
              for t in 0..<s where mask[t] {
                sum += Double(h[base + t * w + j]) * (mode == .weightedmean ? Double(t + 1) : 1)
              }
              out[o + j] = Float(sum) / divisor
            }
          }
        }
      }
    }
    return out
  }

  /// Each row divided by its L2 norm (at least 1e-12), as `torch.nn.functional.normalize(x, p=2, dim=1)`.
  public static func normalize(_ values: [Float], width: Int) -> [Float] {
    guard width > 0 else { return values }
    var out = values
    for start in stride(from: 0, to: values.count, by: width) {
      var sum = 0.0
      for j in start..<(start + width) { sum += Double(values[j]) * Double(values[j]) }
      let norm = Swift.max(Float(sum.squareRoot()), 1e-12)
      for j in start..<(start + width) { out[j] = values[j] / norm }
    }
    return out
  }

  /// Cosine similarity of two vectors (0 when either is all zeros), in float64.
  public static func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
    var (dot, na, nb) = (0.0, 0.0, 0.0)
    for (x, y) in zip(a, b) {
      dot += Double(x) * Double(y)
      na += Double(x) * Double(x)
      nb += Double(y) * Double(y)
    }
    return na == 0 || nb == 0 ? 0 : dot / (na.squareRoot() * nb.squareRoot())
  }
}
