/// DistilBERT (`model_type` `distilbert`): `distilbert.embeddings` (words and positions, no token types),
/// `distilbert.transformer.layer.N` with `q_lin`/`k_lin`/`v_lin`/`out_lin`, `sa_layer_norm`, `ffn.lin1`/`lin2`,
/// `output_layer_norm`; no pooler; heads `pre_classifier` + `classifier`, `qa_outputs`, and the masked-LM
/// `vocab_transform`/`vocab_layer_norm`/`vocab_projector` (docs/FORMAT.md).
extension ModelFamily {
  public static let distilBert = ModelFamily(
    name: "DistilBERT", modelTypes: ["distilbert"],
    readConfig: readDistilBertConfig,
    modules: distilBertModules,
    canonicalName: { FamilySupport.canonicalName($0, prefix: "distilbert.", bare: ["embeddings.", "transformer."]) },
    buffers: ["distilbert.embeddings.position_ids"],
    ties: [TieRule(alias: "vocab_projector.weight", canonical: "distilbert.embeddings.word_embeddings.weight", .droppedWhenEqual)],
    architectures: [
      "DistilBertForSequenceClassification": .sequenceClassification, "DistilBertForTokenClassification": .tokenClassification,
      "DistilBertForQuestionAnswering": .questionAnswering, "DistilBertForMultipleChoice": .multipleChoice,
      "DistilBertForMaskedLM": .maskedLM,
    ],
    headGroups: [
      .sequenceClassification: ["pre_classifier", "classifier"], .multipleChoice: ["pre_classifier", "classifier"],
      .tokenClassification: ["classifier"], .questionAnswering: ["qa_outputs"],
      .maskedLM: ["vocab_transform", "vocab_layer_norm", "vocab_projector.bias"],
    ])
}

/// Every module a DistilBERT config allows, in `state_dict` order.
private func distilBertModules(_ c: ModelConfig) -> [ModuleSpec] {
  let (h, i) = (c.hiddenSize, c.intermediateSize)
  var list: [ModuleSpec] = [
    ModuleSpec(.wordEmbeddings, "distilbert.embeddings.word_embeddings", .embedding(rows: c.vocabSize, width: h), group: .embeddings),
    ModuleSpec(.positionEmbeddings, "distilbert.embeddings.position_embeddings", .embedding(rows: c.maxPositionEmbeddings, width: h), group: .embeddings),
    ModuleSpec(.embeddingNorm, "distilbert.embeddings.LayerNorm", .layerNorm(width: h), group: .embeddings),
  ]
  for l in 0..<c.numHiddenLayers {
    let p = "distilbert.transformer.layer.\(l)."
    func add(_ role: Role, _ name: String, _ kind: ModuleSpec.Kind) { list.append(ModuleSpec(role, layer: l, p + name, kind, group: .layer(l))) }
    add(.query, "attention.q_lin", .linear(out: h, in: h))
    add(.key, "attention.k_lin", .linear(out: h, in: h))
    add(.value, "attention.v_lin", .linear(out: h, in: h))
    add(.attentionOutput, "attention.out_lin", .linear(out: h, in: h))
    add(.attentionNorm, "sa_layer_norm", .layerNorm(width: h))
    add(.intermediate, "ffn.lin1", .linear(out: i, in: h))
    add(.output, "ffn.lin2", .linear(out: h, in: i))
    add(.outputNorm, "output_layer_norm", .layerNorm(width: h))
  }
  let choice = c.architectureHead == .multipleChoice
  list += [
    ModuleSpec(.lmTransform, "vocab_transform", .linear(out: h, in: h), group: .head("vocab_transform")),
    ModuleSpec(.lmNorm, "vocab_layer_norm", .layerNorm(width: h), group: .head("vocab_layer_norm")),
    ModuleSpec(.lmDecoder, "vocab_projector", .linear(out: c.vocabSize, in: h, bias: false), group: .head("vocab_projector.bias"),
               tiedOptional: true),
    ModuleSpec(.lmBias, "vocab_projector.bias", .parameter(shape: [c.vocabSize]), group: .head("vocab_projector.bias")),
    ModuleSpec(.classifierDense, "pre_classifier", .linear(out: h, in: h), group: .head("pre_classifier")),
    ModuleSpec(.classifier, "classifier", .linear(out: choice ? 1 : c.numLabels, in: h), group: .head("classifier")),
    ModuleSpec(.questionAnswering, "qa_outputs", .linear(out: c.numLabels, in: h), group: .head("qa_outputs")),
  ]
  return list
}

/// `DistilBertConfig`'s keys (`dim`, `n_layers`, `n_heads`, `hidden_dim`, `activation`) and defaults. Its
/// LayerNorms use eps 1e-12 whatever the config says; `sinusoidal_pos_embds` only initialises the position
/// table, and the stored table is what runs.
private func readDistilBertConfig(_ r: ConfigReader) throws(ModelError) -> ModelConfig {
  _ = try r.bool("sinusoidal_pos_embds", default: false)
  return try ModelConfig(
    family: .distilBert, reader: r, vocabSize: try r.int("vocab_size", default: 30522), hiddenSize: try r.int("dim", default: 768),
    numHiddenLayers: try r.int("n_layers", default: 6), numAttentionHeads: try r.int("n_heads", default: 12),
    intermediateSize: try r.int("hidden_dim", default: 3072), maxPositionEmbeddings: try r.int("max_position_embeddings", default: 512),
    typeVocabSize: 0, layerNormEps: 1e-12, hiddenAct: r.string("activation", default: "gelu"), positionEmbeddingType: "absolute")
}
