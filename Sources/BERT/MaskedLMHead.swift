import Models

/// `BertLMPredictionHead` (and the same shape in the other families' MLM heads): transform = LayerNorm(act(dense(h)))
/// per token, then the decoder — the word embeddings unless the checkpoint stores an untied one — plus the
/// prediction bias: logits [tokens, vocab].
struct MaskedLMHead: Sendable {
  let transform: Linear
  let activation: Activation
  let norm: LayerNorm
  let decoder: Linear

  var vocabularySize: Int { decoder.outFeatures }

  /// The head from the family's LM roles; `activation` is the transform's (BERT: `hidden_act`).
  init(_ weights: WeightSet, config c: ModelConfig, activation: Activation) throws(BERTError) {
    let h = c.hiddenSize
    transform = try weights.linear(.lmTransform, out: h, in: h)
    self.activation = activation
    norm = try weights.layerNorm(.lmNorm, width: h, eps: c.layerNormEps)
    decoder = try weights.tiedLinear(.lmDecoder, tiedTo: .wordEmbeddings, bias: .lmBias, out: c.vocabSize, in: h)
  }

  /// The logits of every token of `last` [tokens, hidden]: [tokens, vocab].
  /// - Throws: ``BERTError`` `.badInput` when tokens × vocab exceeds what one GEMM addresses (2³¹ − 1 elements).
  func apply(_ last: UnsafePointer<Float>, _ ws: Workspace) throws(BERTError) -> [Float] {
    let (h, v, tokens) = (transform.outFeatures, vocabularySize, ws.tokens)
    let (count, overflow) = tokens.multipliedReportingOverflow(by: v)
    guard !overflow, count <= Int(Int32.max) else {
      throw BERTError(.badInput, "\(tokens) tokens × vocabulary \(v) logits exceed 2^31 - 1 elements; run a smaller batch")
    }
    var hidden = [Float](repeating: 0, count: tokens * h)
    var logits = [Float](repeating: 0, count: count)
    let activation = self.activation
    try hidden.withUnsafeMutableBufferPointer { (x) throws(BERTError) in
      let x = x.baseAddress!
      try transform.apply(rows: tokens, x: last, xStride: h, y: x, yStride: h) { rows, columns in
        for r in rows { activation.applyHere(x + r * h + columns.lowerBound, count: columns.count) }
      }
      try norm.apply(x, rows: tokens)
      try logits.withUnsafeMutableBufferPointer { (y) throws(BERTError) in
        try decoder.apply(rows: tokens, x: x, xStride: h, y: y.baseAddress!, yStride: v) { _, _ in }
      }
    }
    return logits
  }
}
