import Foundation

extension SentenceEncoder {
  /// The tokenizer beside the model (in the Transformer module's folder when modules.json puts it in one).
  /// - Throws: ``TokenizerError`` (`.missing` when there is none).
  public func tokenizer(directory: String) throws(TokenizerError) -> WordPieceTokenizer {
    let path = pipeline.transformerPath
    if !path.isEmpty, let inner = try? WordPieceTokenizer(directory: directory + "/" + path) { return inner }
    return try WordPieceTokenizer(directory: directory)
  }

  /// One padded batch of `texts` as sentence-transformers tokenizes them: after the default prompt
  /// (config_sentence_transformers.json's `default_prompt_name`) when there is one, lowercased first when
  /// sentence_bert_config.json says `do_lower_case`, truncated to ``maxSequenceLength(tokenizerMaximum:)``,
  /// padded to the longest (`padding=True, truncation="longest_first"`).
  /// - Throws: ``BERTError`` `.badInput` for an empty list.
  public func input(for texts: [String], tokenizer: WordPieceTokenizer) throws(BERTError) -> EncoderInput {
    guard !texts.isEmpty else { throw BERTError(.badInput, "no texts to embed") }
    let limit = maxSequenceLength(tokenizerMaximum: tokenizer.modelMaxLength)
    let prompt = pipeline.defaultPrompt ?? ""
    let batch = tokenizer.encodeBatch(texts.map { pipeline.doLowerCase ? (prompt + $0).lowercased() : prompt + $0 }, maxLength: limit)
    return try EncoderInput(batch: texts.count, sequence: batch.sequenceLength, inputIDs: batch.inputIds.flatMap { $0 },
                            attentionMask: batch.attentionMask.flatMap { $0 }, tokenTypeIDs: batch.tokenTypeIds.flatMap { $0 })
  }

  /// The sentence embeddings of `texts`, [texts.count, width], run `batchSize` texts at a time.
  /// - Parameter progress: called after each batch with the number of texts done.
  public func embed(_ texts: [String], tokenizer: WordPieceTokenizer, pooling: SentencePooling = .auto, normalize: Bool? = nil,
                    batchSize: Int = 32, progress: ((Int) -> Void)? = nil) throws(BERTError) -> (values: [Float], width: Int) {
    var values: [Float] = []
    var width = 0
    var start = 0
    while start < texts.count {
      let end = min(texts.count, start + max(1, batchSize))
      let output = try encode(try input(for: Array(texts[start..<end]), tokenizer: tokenizer), pooling: pooling, normalize: normalize,
                              promptLength: promptLength(tokenizer: tokenizer))
      values += output.sentenceEmbedding
      width = output.width
      start = end
      progress?(end)
    }
    return (values, width)
  }

  /// The default prompt's length in tokens as sentence-transformers counts it (its tokenization with special tokens,
  /// less a trailing special token); nil without a default prompt.
  public func promptLength(tokenizer: WordPieceTokenizer) -> Int? {
    guard let prompt = pipeline.defaultPrompt else { return nil }
    let encoding = tokenizer.encode(pipeline.doLowerCase ? prompt.lowercased() : prompt,
                                    maxLength: maxSequenceLength(tokenizerMaximum: tokenizer.modelMaxLength))
    return encoding.ids.count - (encoding.specialTokensMask.last == 1 ? 1 : 0)
  }
}
