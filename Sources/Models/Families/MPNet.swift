/// MPNet (`model_type` `mpnet`): `mpnet.embeddings` (words and positions counted as RoBERTa's from padding_idx 1,
/// no token types), layers `mpnet.encoder.layer.N.attention.attn.{q,k,v,o}` + `attention.LayerNorm` + BERT's
/// feed-forward, one bucketed relative position bias `mpnet.encoder.relative_attention_bias` shared by all layers,
/// `mpnet.pooler`, RoBERTa's heads (docs/FORMAT.md).
extension ModelFamily {
  public static let mpnet = ModelFamily(
    name: "MPNet", modelTypes: ["mpnet"],
    readConfig: readMPNetConfig,
    modules: mpnetModules,
    canonicalName: { FamilySupport.canonicalName($0, prefix: "mpnet.", bare: ["embeddings.", "encoder.", "pooler."]) },
    buffers: ["mpnet.embeddings.position_ids"],
    ties: [
      TieRule(alias: "lm_head.decoder.bias", canonical: "lm_head.bias", .sameParameter),
      TieRule(alias: "lm_head.decoder.weight", canonical: "mpnet.embeddings.word_embeddings.weight", .droppedWhenEqual),
    ],
    architectures: FamilySupport.robertaArchitectures("MPNet"),
    headGroups: FamilySupport.robertaHeadGroups,
    unused: { config in
      // transformers' TF MPNet classes build the pooler in every head model; the PyTorch head classes (all but
      // multiple choice) have none.
      guard let head = config.architectureHead, head != .multipleChoice else { return [:] }
      let reason = "pooler of a TF MPNet head model; the PyTorch class has none"
      return ["mpnet.pooler.dense.weight": reason, "mpnet.pooler.dense.bias": reason]
    })
}

extension Role {
  /// MPNet's `relative_attention_bias` [buckets, heads], shared by every layer.
  public static let relativeAttentionBias = Role(rawValue: "relative attention bias")
}

/// Every module an MPNet config allows, in `state_dict` order.
private func mpnetModules(_ c: ModelConfig) -> [ModuleSpec] {
  let (h, i) = (c.hiddenSize, c.intermediateSize)
  var list: [ModuleSpec] = [
    ModuleSpec(.wordEmbeddings, "mpnet.embeddings.word_embeddings", .embedding(rows: c.vocabSize, width: h), group: .embeddings),
    ModuleSpec(.positionEmbeddings, "mpnet.embeddings.position_embeddings", .embedding(rows: c.maxPositionEmbeddings, width: h), group: .embeddings),
    ModuleSpec(.embeddingNorm, "mpnet.embeddings.LayerNorm", .layerNorm(width: h), group: .embeddings),
  ]
  for l in 0..<c.numHiddenLayers {
    let p = "mpnet.encoder.layer.\(l)."
    func add(_ role: Role, _ name: String, _ kind: ModuleSpec.Kind) { list.append(ModuleSpec(role, layer: l, p + name, kind, group: .layer(l))) }
    add(.query, "attention.attn.q", .linear(out: h, in: h))
    add(.key, "attention.attn.k", .linear(out: h, in: h))
    add(.value, "attention.attn.v", .linear(out: h, in: h))
    add(.attentionOutput, "attention.attn.o", .linear(out: h, in: h))
    add(.attentionNorm, "attention.LayerNorm", .layerNorm(width: h))
    add(.intermediate, "intermediate.dense", .linear(out: i, in: h))
    add(.output, "output.dense", .linear(out: h, in: i))
    add(.outputNorm, "output.LayerNorm", .layerNorm(width: h))
  }
  list.append(ModuleSpec(.relativeAttentionBias, "mpnet.encoder.relative_attention_bias",
                         .embedding(rows: c.relativeAttentionBuckets, width: c.numAttentionHeads), group: .embeddings))
  list.append(ModuleSpec(.pooler, "mpnet.pooler.dense", .linear(out: h, in: h), group: .pooler))
  return list + FamilySupport.robertaHeads(c)
}

extension ModelConfig {
  /// MPNet's `relative_attention_num_buckets` (the rows of `relative_attention_bias`; 32 by default).
  public var relativeAttentionBuckets: Int { json["relative_attention_num_buckets"]?.intValue ?? 32 }
}

/// `MPNetConfig`'s keys and defaults. Positions are counted from padding_idx 1 whatever `pad_token_id` says
/// (`MPNetEmbeddings` fixes it).
private func readMPNetConfig(_ r: ConfigReader) throws(ModelError) -> ModelConfig {
  _ = try r.int("relative_attention_num_buckets", default: 32)
  var c = try ModelConfig(
    family: .mpnet, reader: r, vocabSize: try r.int("vocab_size", default: 30527), hiddenSize: try r.int("hidden_size", default: 768),
    numHiddenLayers: try r.int("num_hidden_layers", default: 12), numAttentionHeads: try r.int("num_attention_heads", default: 12),
    intermediateSize: try r.int("intermediate_size", default: 3072),
    maxPositionEmbeddings: try r.int("max_position_embeddings", default: 514), typeVocabSize: 0,
    layerNormEps: r.double("layer_norm_eps", default: 1e-12), hiddenAct: r.string("hidden_act", default: "gelu"),
    positionEmbeddingType: "absolute")
  c.positionPaddingIndex = 1
  return c
}
