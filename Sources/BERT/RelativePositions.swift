import Models

/// BERT's relative position embeddings (`position_embedding_type` `relative_key`, `relative_key_query`), as
/// transformers' `BertSelfAttention` eager path computes them: for query i and key j of one head, the embedding
/// e = distance_embedding[i − j + max_position_embeddings − 1] is added to the raw score q_i·k_j as q_i·e
/// (`relative_key`), or as q_i·e + k_j·e (`relative_key_query`), before the scaling and the mask. Sequences are at
/// most `max_position_embeddings` long (``BertModel`` checks), so every distance has its row.
struct RelativePositions: Sendable {
  enum Kind: Sendable {
    case key, keyQuery
  }

  /// The `position_embedding_type` values the encoder runs.
  static let supportedTypes = ["absolute", "relative_key", "relative_key_query"]

  let kind: Kind
  /// [2 · max_position_embeddings − 1, head size].
  let distance: WeightTensor
  let maxPositions: Int

  /// The layer's relative positions, or nil for absolute positions.
  init?(_ weights: WeightSet, layer: Int, config c: ModelConfig) throws(BERTError) {
    switch c.positionEmbeddingType {
    case "relative_key": kind = .key
    case "relative_key_query": kind = .keyQuery
    default: return nil
    }
    maxPositions = c.maxPositionEmbeddings
    distance = try weights.embedding(.distanceEmbedding, layer: layer, rows: 2 * c.maxPositionEmbeddings - 1,
                                     width: c.hiddenSize / c.numAttentionHeads)
  }

  /// Adds the relative terms to one head's raw scores [seq, seq]: `q` and `k` point at the head's first column,
  /// rows `stride` apart, `d` wide; `table` is ``distance``'s values.
  @inline(__always)
  func add(to scores: UnsafeMutablePointer<Float>, seq: Int, q: UnsafePointer<Float>, k: UnsafePointer<Float>, stride: Int, d: Int,
           table: UnsafePointer<Float>) {
    let keyToo = kind == .keyQuery
    for i in 0..<seq {
      let qi = q + i * stride
      let row = scores + i * seq
      for j in 0..<seq {
        let e = table + (i - j + maxPositions - 1) * d
        var byQuery: Float = 0
        for t in 0..<d { byQuery += qi[t] * e[t] }
        var score = row[j] + byQuery
        if keyToo {
          let kj = k + j * stride
          var byKey: Float = 0
          for t in 0..<d { byKey += kj[t] * e[t] }
          score += byKey
        }
        row[j] = score
      }
    }
  }
}
