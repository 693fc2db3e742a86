/// ELECTRA (`model_type` `electra`): embeddings `embedding_size` wide under `electra.embeddings`, projected to the
/// hidden size by `electra.embeddings_project` when the two differ, BERT's layers under `electra.`, no pooler;
/// heads: the discriminator (`discriminator_predictions.dense` → act → `.dense_prediction`, one logit per token),
/// the classification head (`classifier.dense` → gelu → `classifier.out_proj` over token 0), `classifier`,
/// `qa_outputs`, and the generator's `generator_predictions` + `generator_lm_head` (docs/FORMAT.md).
extension ModelFamily {
  public static let electra = ModelFamily(
    name: "ELECTRA", modelTypes: ["electra"],
    readConfig: readElectraConfig,
    modules: electraModules,
    canonicalName: { FamilySupport.canonicalName($0, prefix: "electra.", bare: ["embeddings.", "embeddings_project.", "encoder."]) },
    buffers: ["electra.embeddings.position_ids", "electra.embeddings.token_type_ids"],
    ties: [TieRule(alias: "generator_lm_head.weight", canonical: "electra.embeddings.word_embeddings.weight", .droppedWhenEqual)],
    architectures: [
      "ElectraForPreTraining": .preTraining, "ElectraForSequenceClassification": .sequenceClassification,
      "ElectraForTokenClassification": .tokenClassification, "ElectraForQuestionAnswering": .questionAnswering,
      "ElectraForMaskedLM": .maskedLM,
    ],
    headGroups: [
      .preTraining: ["discriminator_predictions"], .sequenceClassification: ["classifier.dense", "classifier.out_proj"],
      .tokenClassification: ["classifier"], .questionAnswering: ["qa_outputs"],
      .maskedLM: ["generator_predictions", "generator_lm_head.bias"],
    ])
}

extension Role {
  /// ELECTRA's `embeddings_project`: embedding width → hidden size.
  public static let embeddingProjection = Role(rawValue: "embedding projection")
  /// ELECTRA's discriminator: `discriminator_predictions.dense`.
  public static let discriminatorDense = Role(rawValue: "discriminator dense")
  /// ELECTRA's discriminator output: `discriminator_predictions.dense_prediction`, one logit per token.
  public static let discriminatorPrediction = Role(rawValue: "discriminator prediction")
}

/// Every module an ELECTRA config allows, in `state_dict` order.
private func electraModules(_ c: ModelConfig) -> [ModuleSpec] {
  let (h, e) = (c.hiddenSize, c.embeddingWidth)
  var list: [ModuleSpec] = [
    ModuleSpec(.wordEmbeddings, "electra.embeddings.word_embeddings", .embedding(rows: c.vocabSize, width: e), group: .embeddings),
    ModuleSpec(.positionEmbeddings, "electra.embeddings.position_embeddings", .embedding(rows: c.maxPositionEmbeddings, width: e), group: .embeddings),
    ModuleSpec(.tokenTypeEmbeddings, "electra.embeddings.token_type_embeddings", .embedding(rows: c.typeVocabSize, width: e), group: .embeddings),
    ModuleSpec(.embeddingNorm, "electra.embeddings.LayerNorm", .layerNorm(width: e), group: .embeddings),
  ]
  if e != h { list.append(ModuleSpec(.embeddingProjection, "electra.embeddings_project", .linear(out: h, in: e), group: .embeddings)) }
  for l in 0..<c.numHiddenLayers { list += FamilySupport.bertLayer("electra.", layer: l, hidden: h, intermediate: c.intermediateSize) }
  list += [
    ModuleSpec(.discriminatorDense, "discriminator_predictions.dense", .linear(out: h, in: h), group: .head("discriminator_predictions")),
    ModuleSpec(.discriminatorPrediction, "discriminator_predictions.dense_prediction", .linear(out: 1, in: h),
               group: .head("discriminator_predictions")),
    ModuleSpec(.lmTransform, "generator_predictions.dense", .linear(out: e, in: h), group: .head("generator_predictions")),
    ModuleSpec(.lmNorm, "generator_predictions.LayerNorm", .layerNorm(width: e), group: .head("generator_predictions")),
    ModuleSpec(.lmDecoder, "generator_lm_head", .linear(out: c.vocabSize, in: e, bias: false), group: .head("generator_lm_head.bias"),
               tiedOptional: true),
    ModuleSpec(.lmBias, "generator_lm_head.bias", .parameter(shape: [c.vocabSize]), group: .head("generator_lm_head.bias")),
    ModuleSpec(.classifierDense, "classifier.dense", .linear(out: h, in: h), group: .head("classifier.dense")),
    ModuleSpec(.classifierOutput, "classifier.out_proj", .linear(out: c.numLabels, in: h), group: .head("classifier.out_proj")),
    ModuleSpec(.classifier, "classifier", .linear(out: c.numLabels, in: h), group: .head("classifier")),
    ModuleSpec(.questionAnswering, "qa_outputs", .linear(out: c.numLabels, in: h), group: .head("qa_outputs")),
  ]
  return list
}

/// `ElectraConfig`'s keys and defaults; `embedding_size` (128) is the embeddings' width.
private func readElectraConfig(_ r: ConfigReader) throws(ModelError) -> ModelConfig {
  var c = try ModelConfig(
    family: .electra, reader: r, vocabSize: try r.int("vocab_size", default: 30522), hiddenSize: try r.int("hidden_size", default: 256),
    numHiddenLayers: try r.int("num_hidden_layers", default: 12), numAttentionHeads: try r.int("num_attention_heads", default: 4),
    intermediateSize: try r.int("intermediate_size", default: 1024),
    maxPositionEmbeddings: try r.int("max_position_embeddings", default: 512), typeVocabSize: try r.int("type_vocab_size", default: 2),
    layerNormEps: r.double("layer_norm_eps", default: 1e-12), hiddenAct: r.string("hidden_act", default: "gelu"),
    positionEmbeddingType: r.string("position_embedding_type", default: "absolute"))
  let e = try r.int("embedding_size", default: 128)
  c.embeddingSize = e == c.hiddenSize ? nil : e
  return c
}
