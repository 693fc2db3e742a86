/// RoBERTa (`model_type` `roberta`) and XLM-RoBERTa (`xlm-roberta`): BERT's layers under `roberta.`, positions
/// counted from `pad_token_id + 1` over the non-pad tokens, usually one token type, no pooler in the head classes,
/// heads `lm_head` and `classifier.dense`/`classifier.out_proj` (docs/FORMAT.md).
extension ModelFamily {
  public static let roberta = robertaFamily(name: "RoBERTa", modelType: "roberta", classStem: "Roberta")
  public static let xlmRoberta = robertaFamily(name: "XLM-RoBERTa", modelType: "xlm-roberta", classStem: "XLMRoberta")

  private static func robertaFamily(name: String, modelType: String, classStem: String) -> ModelFamily {
    var architectures = FamilySupport.robertaArchitectures(classStem)
    architectures["\(classStem)ForCausalLM"] = .maskedLM
    return ModelFamily(
      name: name, modelTypes: [modelType],
      readConfig: { r throws(ModelError) in try readRobertaConfig(r, modelType: modelType) },
      modules: robertaModules,
      canonicalName: { FamilySupport.canonicalName($0, prefix: "roberta.", bare: ["embeddings.", "encoder.", "pooler."]) },
      buffers: ["roberta.embeddings.position_ids", "roberta.embeddings.token_type_ids"],
      ties: [
        TieRule(alias: "lm_head.decoder.bias", canonical: "lm_head.bias", .sameParameter),
        TieRule(alias: "lm_head.decoder.weight", canonical: "roberta.embeddings.word_embeddings.weight", .droppedWhenEqual),
      ],
      architectures: architectures,
      headGroups: FamilySupport.robertaHeadGroups)
  }
}

/// Every module a RoBERTa config allows, in `state_dict` order.
private func robertaModules(_ c: ModelConfig) -> [ModuleSpec] {
  let h = c.hiddenSize
  var list: [ModuleSpec] = [
    ModuleSpec(.wordEmbeddings, "roberta.embeddings.word_embeddings", .embedding(rows: c.vocabSize, width: h), group: .embeddings),
    ModuleSpec(.positionEmbeddings, "roberta.embeddings.position_embeddings", .embedding(rows: c.maxPositionEmbeddings, width: h), group: .embeddings),
    ModuleSpec(.tokenTypeEmbeddings, "roberta.embeddings.token_type_embeddings", .embedding(rows: c.typeVocabSize, width: h), group: .embeddings),
    ModuleSpec(.embeddingNorm, "roberta.embeddings.LayerNorm", .layerNorm(width: h), group: .embeddings),
  ]
  for l in 0..<c.numHiddenLayers { list += FamilySupport.bertLayer("roberta.", layer: l, hidden: h, intermediate: c.intermediateSize) }
  list.append(ModuleSpec(.pooler, "roberta.pooler.dense", .linear(out: h, in: h), group: .pooler))
  return list + FamilySupport.robertaHeads(c)
}

/// `RobertaConfig`'s / `XLMRobertaConfig`'s keys and defaults; `pad_token_id` (1) decides the positions.
private func readRobertaConfig(_ r: ConfigReader, modelType: String) throws(ModelError) -> ModelConfig {
  var c = try ModelConfig(
    family: modelType == "roberta" ? .roberta : .xlmRoberta, reader: r,
    vocabSize: try r.int("vocab_size", default: modelType == "roberta" ? 50265 : 30522),
    hiddenSize: try r.int("hidden_size", default: 768), numHiddenLayers: try r.int("num_hidden_layers", default: 12),
    numAttentionHeads: try r.int("num_attention_heads", default: 12), intermediateSize: try r.int("intermediate_size", default: 3072),
    maxPositionEmbeddings: try r.int("max_position_embeddings", default: 512), typeVocabSize: try r.int("type_vocab_size", default: 2),
    layerNormEps: r.double("layer_norm_eps", default: 1e-12), hiddenAct: r.string("hidden_act", default: "gelu"),
    positionEmbeddingType: r.string("position_embedding_type", default: "absolute"))
  c.positionPaddingIndex = try r.index("pad_token_id", default: 1)
  return c
}
