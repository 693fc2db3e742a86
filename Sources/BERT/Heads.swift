import Models

/// A head with its weights.
struct Head: Sendable {
  let kind: HeadKind
  let linear: Linear

  /// Runs the head on the encoder's last hidden state `last` [tokens, hidden] (and the pooler output `pooled`
  /// [batch, hidden] for sequence classification), filling `output`.
  func apply(last: UnsafePointer<Float>, pooled: UnsafePointer<Float>?, _ ws: Workspace, into output: inout EncoderOutput) throws(BERTError) {
    let (h, labels) = (linear.inFeatures, linear.outFeatures)
    switch kind {
    case .maskedLM, .nextSentencePrediction, .preTraining:
      throw BERTError(.unsupported, "the \(kind.rawValue) head is not computed")
    case .sequenceClassification, .multipleChoice:
      guard let pooled else { throw BERTError(.unsupported, "sequence classification needs the pooler") }
      var logits = [Float](repeating: 0, count: ws.batch * labels)
      try logits.withUnsafeMutableBufferPointer { (buffer) throws(BERTError) in
        try linear.apply(rows: ws.batch, x: pooled, xStride: h, y: buffer.baseAddress!, yStride: labels)
      }
      output.logits = OutputTensor(name: "logits", shape: [ws.batch, labels], values: logits, perToken: false)
    case .tokenClassification:
      let logits = try perToken(last, ws)
      output.logits = OutputTensor(name: "logits", shape: [ws.batch, ws.sequence, labels], values: logits, perToken: true)
    case .questionAnswering:
      // transformers splits the two columns into start and end logits.
      let both = try perToken(last, ws)
      output.startLogits = stride(from: 0, to: both.count, by: labels).map { both[$0] }
      output.endLogits = stride(from: 1, to: both.count, by: labels).map { both[$0] }
    }
  }

  private func perToken(_ last: UnsafePointer<Float>, _ ws: Workspace) throws(BERTError) -> [Float] {
    let (h, labels) = (linear.inFeatures, linear.outFeatures)
    var values = [Float](repeating: 0, count: ws.tokens * labels)
    try values.withUnsafeMutableBufferPointer { (buffer) throws(BERTError) in
      try linear.apply(rows: ws.tokens, x: last, xStride: h, y: buffer.baseAddress!, yStride: labels)
    }
    return values
  }
}
