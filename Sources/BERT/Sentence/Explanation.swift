import Foundation
import Models

extension BertModel {
  /// Row `id` of the word-embedding table: what `model.get_input_embeddings()(id)` gives.
  /// - Throws: ``BERTError`` `.badInput` for an id outside the vocabulary, `.weights` when the table is unreadable.
  public func wordEmbedding(_ id: Int) throws(BERTError) -> [Float] {
    guard id >= 0 && id < config.vocabSize else { throw BERTError(.badInput, "token id \(id) is outside the vocabulary (vocab_size \(config.vocabSize))") }
    let h = config.hiddenSize
    return try embeddings.word.withFloats { Array(UnsafeBufferPointer(start: $0 + id * h, count: h)) }
  }
}

/// What happens to the [CLS] vector of one input, layer by layer, and how it compares with the mean of the tokens
/// (`bert-verify explain`, README "CLS or mean?").
public struct Explanation: Sendable {
  /// [CLS] after the embeddings (layer 0) and after each encoder layer.
  public struct Layer: Sendable {
    public let layer: Int
    /// ‖h[CLS]‖₂.
    public let clsNorm: Double
    /// Cosine of h[CLS] with the mean of the other real tokens.
    public let cosineWithOthersMean: Double
    /// Cosine of h[CLS] with the mean of all real tokens ([CLS] included, as mean pooling takes it).
    public let cosineWithMeanPooled: Double
  }

  public let ids: [Int]
  public let tokens: [String]
  public let special: [Bool]
  /// The id of the token at position 0 (the [CLS] the pooler and the classifier read).
  public let clsTokenID: Int
  /// The word-embedding row of [CLS].
  public let clsInputEmbedding: [Float]
  public let layers: [Layer]
  public let poolerOutput: [Float]?
  /// Logits of the sequence-classification head, when there is one.
  public let logits: [Float]?
  /// Mean of the last layer over the real tokens.
  public let meanPooled: [Float]
  /// Cosine of the last layer's [CLS] with ``meanPooled``.
  public let cosineClsMean: Double
  /// Cosine of ``poolerOutput`` with ``meanPooled``.
  public let cosinePoolerMean: Double?
  /// The model's own sentence embedding (its pipeline), and its cosine with [CLS], the pooler and the mean.
  public let sentenceEmbedding: [Float]
  public let cosineSentenceCls: Double
  public let cosineSentencePooler: Double?
  public let cosineSentenceMean: Double
}

extension SentenceEncoder {
  /// Runs one input (a text, or a pair) and follows its [CLS] vector: see ``Explanation``.
  /// - Throws: ``BERTError`` `.badInput` when the ids do not fit the model.
  public func explain(_ encoding: WordPieceTokenizer.Encoding) throws(BERTError) -> Explanation {
    let s = encoding.ids.count
    let input = try EncoderInput(batch: 1, sequence: s, inputIDs: encoding.ids, attentionMask: encoding.attentionMask, tokenTypeIDs: encoding.typeIds)
    let output = try encode(input, keepHiddenStates: true)
    let encoder = output.encoder
    let h = encoder.hiddenSize
    func row(_ state: [Float], _ t: Int) -> ArraySlice<Float> { state[(t * h)..<((t + 1) * h)] }
    func mean(_ state: [Float], from first: Int) -> [Float] {
      let real = (first..<s).filter { encoding.attentionMask[$0] == 1 }
      return (0..<h).map { j in Float(real.reduce(0.0) { $0 + Double(state[$1 * h + j]) } / Double(max(real.count, 1))) }
    }
    let layers = encoder.hiddenStates.enumerated().map { k, state in
      let cls = row(state, 0)
      return Explanation.Layer(layer: k, clsNorm: cls.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot(),
                               cosineWithOthersMean: Pooling.cosine(cls, mean(state, from: 1)[...]),
                               cosineWithMeanPooled: Pooling.cosine(cls, mean(state, from: 0)[...]))
    }
    let last = encoder.lastHiddenState
    let meanPooled = mean(last, from: 0)
    let cls = row(last, 0)
    let sentence = output.sentenceEmbedding
    let sameWidth = sentence.count == h
    return Explanation(
      ids: encoding.ids, tokens: encoding.tokens, special: encoding.specialTokensMask.map { $0 == 1 },
      clsTokenID: encoding.ids[0], clsInputEmbedding: try model.wordEmbedding(encoding.ids[0]), layers: layers,
      poolerOutput: encoder.poolerOutput, logits: encoder.logits.flatMap { $0.shape.count == 2 ? $0.values : nil },
      meanPooled: meanPooled, cosineClsMean: Pooling.cosine(cls, meanPooled[...]),
      cosinePoolerMean: encoder.poolerOutput.map { Pooling.cosine($0[...], meanPooled[...]) },
      sentenceEmbedding: sentence,
      cosineSentenceCls: sameWidth ? Pooling.cosine(sentence[...], cls) : .nan,
      cosineSentencePooler: encoder.poolerOutput.map { sameWidth ? Pooling.cosine(sentence[...], $0[...]) : .nan },
      cosineSentenceMean: sameWidth ? Pooling.cosine(sentence[...], meanPooled[...]) : .nan)
  }
}
