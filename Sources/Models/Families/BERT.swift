/// BERT (`model_type` `bert`): `BertModel` and its `BertFor…` heads, named as transformers' PyTorch classes name
/// them (docs/FORMAT.md).
extension ModelFamily {
  public static let bert: ModelFamily = ModelFamily(
    name: "BERT", modelTypes: ["bert"],
    readConfig: readBertConfig,
    modules: bertModules,
    canonicalName: { source in
      var name = source
      if name.hasSuffix("LayerNorm.gamma") { name = String(name.dropLast(5)) + "weight" }
      if name.hasSuffix("LayerNorm.beta") { name = String(name.dropLast(4)) + "bias" }
      // `BertModel` saves its parameters without the `bert.` its heads' classes put before them.
      if name.hasPrefix("embeddings.") || name.hasPrefix("encoder.") || name.hasPrefix("pooler.") { name = "bert." + name }
      return name
    },
    buffers: ["bert.embeddings.position_ids", "bert.embeddings.token_type_ids"],
    ties: [
      TieRule(alias: "cls.predictions.decoder.bias", canonical: "cls.predictions.bias", .sameParameter),
      TieRule(alias: "cls.predictions.decoder.weight", canonical: "bert.embeddings.word_embeddings.weight", .droppedWhenEqual),
    ],
    architectures: [
      "BertForSequenceClassification": .sequenceClassification, "BertForTokenClassification": .tokenClassification,
      "BertForQuestionAnswering": .questionAnswering, "BertForMultipleChoice": .multipleChoice,
      "BertForMaskedLM": .maskedLM, "BertLMHeadModel": .maskedLM, "BertForNextSentencePrediction": .nextSentencePrediction,
      "BertForPreTraining": .preTraining,
    ],
    headGroups: [
      .sequenceClassification: ["classifier"], .tokenClassification: ["classifier"], .multipleChoice: ["classifier"],
      .questionAnswering: ["qa_outputs"], .maskedLM: ["cls.predictions"], .nextSentencePrediction: ["cls.seq_relationship"],
      .preTraining: ["cls.predictions", "cls.seq_relationship"],
    ])
}

/// Every module a BERT config allows, in `state_dict` order.
private func bertModules(_ c: ModelConfig) -> [ModuleSpec] {
  let (h, i) = (c.hiddenSize, c.intermediateSize)
  var list: [ModuleSpec] = [
    ModuleSpec(.wordEmbeddings, "bert.embeddings.word_embeddings", .embedding(rows: c.vocabSize, width: h), group: .embeddings),
    ModuleSpec(.positionEmbeddings, "bert.embeddings.position_embeddings", .embedding(rows: c.maxPositionEmbeddings, width: h), group: .embeddings),
    ModuleSpec(.tokenTypeEmbeddings, "bert.embeddings.token_type_embeddings", .embedding(rows: c.typeVocabSize, width: h), group: .embeddings),
    ModuleSpec(.embeddingNorm, "bert.embeddings.LayerNorm", .layerNorm(width: h), group: .embeddings),
  ]
  for l in 0..<c.numHiddenLayers {
    let p = "bert.encoder.layer.\(l)."
    func add(_ role: Role, _ name: String, _ kind: ModuleSpec.Kind) { list.append(ModuleSpec(role, layer: l, p + name, kind, group: .layer(l))) }
    add(.query, "attention.self.query", .linear(out: h, in: h))
    add(.key, "attention.self.key", .linear(out: h, in: h))
    add(.value, "attention.self.value", .linear(out: h, in: h))
    if c.positionEmbeddingType != "absolute" {
      add(.distanceEmbedding, "attention.self.distance_embedding", .embedding(rows: 2 * c.maxPositionEmbeddings - 1, width: h / c.numAttentionHeads))
    }
    add(.attentionOutput, "attention.output.dense", .linear(out: h, in: h))
    add(.attentionNorm, "attention.output.LayerNorm", .layerNorm(width: h))
    add(.intermediate, "intermediate.dense", .linear(out: i, in: h))
    add(.output, "output.dense", .linear(out: h, in: i))
    add(.outputNorm, "output.LayerNorm", .layerNorm(width: h))
  }
  list += [
    ModuleSpec(.pooler, "bert.pooler.dense", .linear(out: h, in: h), group: .pooler),
    ModuleSpec(.lmTransform, "cls.predictions.transform.dense", .linear(out: h, in: h), group: .head("cls.predictions")),
    ModuleSpec(.lmNorm, "cls.predictions.transform.LayerNorm", .layerNorm(width: h), group: .head("cls.predictions")),
    ModuleSpec(.lmBias, "cls.predictions.bias", .parameter(shape: [c.vocabSize]), group: .head("cls.predictions")),
    ModuleSpec(.lmDecoder, "cls.predictions.decoder", .linear(out: c.vocabSize, in: h, bias: false), group: .head("cls.predictions"),
               tiedOptional: true),
    ModuleSpec(.nextSentence, "cls.seq_relationship", .linear(out: 2, in: h), group: .head("cls.seq_relationship")),
    ModuleSpec(.classifier, "classifier", .linear(out: c.architectureHead == .multipleChoice ? 1 : c.numLabels, in: h), group: .head("classifier")),
    ModuleSpec(.questionAnswering, "qa_outputs", .linear(out: c.numLabels, in: h), group: .head("qa_outputs")),
  ]
  return list
}

/// BERT's `config.json` keys, with `BertConfig`'s defaults.
private func readBertConfig(_ r: ConfigReader) throws(ModelError) -> ModelConfig {
  try ModelConfig(
    family: .bert, reader: r, vocabSize: try r.int("vocab_size"), hiddenSize: try r.int("hidden_size", default: 768),
    numHiddenLayers: try r.int("num_hidden_layers", default: 12), numAttentionHeads: try r.int("num_attention_heads", default: 12),
    intermediateSize: try r.int("intermediate_size", default: 3072),
    maxPositionEmbeddings: try r.int("max_position_embeddings", default: 512), typeVocabSize: try r.int("type_vocab_size", default: 2),
    layerNormEps: r.double("layer_norm_eps", default: 1e-12), hiddenAct: try r.string("hidden_act", default: "gelu"),
    positionEmbeddingType: try r.string("position_embedding_type", default: "absolute"))
}
