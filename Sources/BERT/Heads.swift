import Models

/// A task head with its weights, fetched by role from the family's table (docs/ARCHITECTURE.md), and its
/// outputs named as transformers' `ModelOutput` for the class names them (``HeadKind/outputNames``).
struct Head: Sendable {
  let kind: HeadKind
  /// `classifier` (sequence, token classification, multiple choice), `qa_outputs`, or the next-sentence
  /// `seq_relationship` of a next-sentence model.
  let linear: Linear?
  /// The masked-LM head (masked LM, pre-training).
  let maskedLM: MaskedLMHead?
  /// `seq_relationship` of a pre-training model.
  let nextSentence: Linear?

  /// The head `kind` of a model with `config`, or nil for a bare encoder.
  /// - Throws: ``BERTError`` `.unsupported` when a head over the pooled vector has no pooler, or question
  ///   answering does not have 2 labels; `.weights` for unreadable tensors.
  static func load(_ kind: HeadKind?, weights: WeightSet, config c: ModelConfig, activation: Activation,
                   hasPooler: Bool) throws(BERTError) -> Head? {
    guard let kind else { return nil }
    let h = c.hiddenSize
    if [.sequenceClassification, .multipleChoice, .nextSentencePrediction, .preTraining].contains(kind) && !hasPooler {
      throw BERTError(.unsupported, file: c.path, "the \(kind.rawValue) head reads the pooler's output, and the weights lack the pooler")
    }
    switch kind {
    case .questionAnswering:
      guard c.numLabels == 2 else {
        throw BERTError(.unsupported, file: c.path, "question answering needs num_labels 2 (start, end), the config has \(c.numLabels)")
      }
      return Head(kind: kind, linear: try weights.linear(.questionAnswering, out: 2, in: h), maskedLM: nil, nextSentence: nil)
    case .tokenClassification, .sequenceClassification:
      return Head(kind: kind, linear: try weights.linear(.classifier, out: c.numLabels, in: h), maskedLM: nil, nextSentence: nil)
    case .multipleChoice:
      return Head(kind: kind, linear: try weights.linear(.classifier, out: 1, in: h), maskedLM: nil, nextSentence: nil)
    case .nextSentencePrediction:
      return Head(kind: kind, linear: try weights.linear(.nextSentence, out: 2, in: h), maskedLM: nil, nextSentence: nil)
    case .maskedLM:
      return Head(kind: kind, linear: nil, maskedLM: try MaskedLMHead(weights, config: c, activation: activation), nextSentence: nil)
    case .preTraining:
      return Head(kind: kind, linear: nil, maskedLM: try MaskedLMHead(weights, config: c, activation: activation),
                  nextSentence: try weights.linear(.nextSentence, out: 2, in: h))
    }
  }

  /// Outputs per row (labels, 2 for start/end, the vocabulary for a language model), for summaries.
  var outputCount: Int { maskedLM?.vocabularySize ?? linear?.outFeatures ?? 0 }

  /// Runs the head on the encoder's last hidden state `last` [tokens, hidden] (and the pooler output `pooled`
  /// [batch, hidden] for the heads over the pooled vector), filling `output`.
  func apply(last: UnsafePointer<Float>, pooled: UnsafePointer<Float>?, choices: Int, _ ws: Workspace,
             into output: inout EncoderOutput) throws(BERTError) {
    func overPooled(_ linear: Linear) throws(BERTError) -> [Float] {
      guard let pooled else { throw BERTError(.unsupported, "the \(kind.rawValue) head needs the pooler") }
      let (h, n) = (linear.inFeatures, linear.outFeatures)
      var values = [Float](repeating: 0, count: ws.batch * n)
      try values.withUnsafeMutableBufferPointer { (buffer) throws(BERTError) in
        try linear.apply(rows: ws.batch, x: pooled, xStride: h, y: buffer.baseAddress!, yStride: n)
      }
      return values
    }
    let (b, s) = (ws.batch, ws.sequence)
    switch kind {
    case .sequenceClassification, .nextSentencePrediction:
      let linear = linear!
      output.logits = OutputTensor(name: "logits", shape: [b, linear.outFeatures], values: try overPooled(linear), perToken: false)
    case .multipleChoice:
      // transformers views the B·C scores as [B, C].
      guard choices > 0, b % choices == 0 else {
        throw BERTError(.badInput, "a multiple-choice batch of \(b) rows is not a whole number of groups of \(choices) choices")
      }
      output.logits = OutputTensor(name: "logits", shape: [b / choices, choices], values: try overPooled(linear!), perToken: false)
    case .tokenClassification:
      let linear = linear!
      output.logits = OutputTensor(name: "logits", shape: [b, s, linear.outFeatures], values: try Head.perToken(linear, last, ws),
                                   perToken: true)
    case .questionAnswering:
      // transformers splits the two columns into start and end logits.
      let both = try Head.perToken(linear!, last, ws)
      output.startLogits = stride(from: 0, to: both.count, by: 2).map { both[$0] }
      output.endLogits = stride(from: 1, to: both.count, by: 2).map { both[$0] }
    case .maskedLM:
      let lm = maskedLM!
      output.logits = OutputTensor(name: "logits", shape: [b, s, lm.vocabularySize], values: try lm.apply(last, ws), perToken: true)
    case .preTraining:
      let lm = maskedLM!
      output.headOutputs.append(OutputTensor(name: "prediction_logits", shape: [b, s, lm.vocabularySize], values: try lm.apply(last, ws),
                                             perToken: true))
      output.headOutputs.append(OutputTensor(name: "seq_relationship_logits", shape: [b, 2], values: try overPooled(nextSentence!),
                                             perToken: false))
    }
  }

  /// `linear` over every token's hidden state: [tokens, out].
  static func perToken(_ linear: Linear, _ last: UnsafePointer<Float>, _ ws: Workspace) throws(BERTError) -> [Float] {
    let (h, n) = (linear.inFeatures, linear.outFeatures)
    var values = [Float](repeating: 0, count: ws.tokens * n)
    try values.withUnsafeMutableBufferPointer { (buffer) throws(BERTError) in
      try linear.apply(rows: ws.tokens, x: last, xStride: h, y: buffer.baseAddress!, yStride: n)
    }
    return values
  }
}
