/// Pieces the BERT relatives' tables share: the canonical spelling of a source name and BERT's layer layout under
/// another model prefix.
enum FamilySupport {
  /// The canonical spelling of `source` for a family whose head classes put `prefix` (`roberta.`) before the
  /// encoder's parameters: a bare model's `embeddings.…` (any of `bare`) gains the prefix, and TF1-era
  /// `LayerNorm.gamma`/`.beta` become `.weight`/`.bias`.
  static func canonicalName(_ source: String, prefix: String, bare: [String]) -> String {
    var name = source
    if name.hasSuffix("LayerNorm.gamma") { name = String(name.dropLast(5)) + "weight" }
    if name.hasSuffix("LayerNorm.beta") { name = String(name.dropLast(4)) + "bias" }
    if bare.contains(where: name.hasPrefix) { name = prefix + name }
    return name
  }

  /// One `BertLayer` (`attention.self.query` … `output.LayerNorm`) of `layer`, under `prefix` (`roberta.`).
  static func bertLayer(_ prefix: String, layer l: Int, hidden h: Int, intermediate i: Int) -> [ModuleSpec] {
    let p = "\(prefix)encoder.layer.\(l)."
    func m(_ role: Role, _ name: String, _ kind: ModuleSpec.Kind) -> ModuleSpec { ModuleSpec(role, layer: l, p + name, kind, group: .layer(l)) }
    return [
      m(.query, "attention.self.query", .linear(out: h, in: h)),
      m(.key, "attention.self.key", .linear(out: h, in: h)),
      m(.value, "attention.self.value", .linear(out: h, in: h)),
      m(.attentionOutput, "attention.output.dense", .linear(out: h, in: h)),
      m(.attentionNorm, "attention.output.LayerNorm", .layerNorm(width: h)),
      m(.intermediate, "intermediate.dense", .linear(out: i, in: h)),
      m(.output, "output.dense", .linear(out: h, in: i)),
      m(.outputNorm, "output.LayerNorm", .layerNorm(width: h)),
    ]
  }

  /// RoBERTa's and MPNet's heads: `lm_head` (dense, gelu, `layer_norm`, decoder tied to the word embeddings, bias),
  /// the classification head `classifier.dense` → tanh → `classifier.out_proj` over token 0, a token classifier
  /// `classifier`, `qa_outputs`.
  static func robertaHeads(_ c: ModelConfig) -> [ModuleSpec] {
    let h = c.hiddenSize
    return [
      ModuleSpec(.lmTransform, "lm_head.dense", .linear(out: h, in: h), group: .head("lm_head")),
      ModuleSpec(.lmNorm, "lm_head.layer_norm", .layerNorm(width: h), group: .head("lm_head")),
      ModuleSpec(.lmDecoder, "lm_head.decoder", .linear(out: c.vocabSize, in: h, bias: false), group: .head("lm_head"), tiedOptional: true),
      ModuleSpec(.lmBias, "lm_head.bias", .parameter(shape: [c.vocabSize]), group: .head("lm_head")),
      ModuleSpec(.classifierDense, "classifier.dense", .linear(out: h, in: h), group: .head("classifier.dense")),
      ModuleSpec(.classifierOutput, "classifier.out_proj", .linear(out: c.numLabels, in: h), group: .head("classifier.out_proj")),
      ModuleSpec(.classifier, "classifier", .linear(out: c.architectureHead == .multipleChoice ? 1 : c.numLabels, in: h), group: .head("classifier")),
      ModuleSpec(.questionAnswering, "qa_outputs", .linear(out: c.numLabels, in: h), group: .head("qa_outputs")),
    ]
  }

  /// The head groups of ``robertaHeads(_:)`` by head kind.
  static let robertaHeadGroups: [HeadKind: [String]] = [
    .sequenceClassification: ["classifier.dense", "classifier.out_proj"], .tokenClassification: ["classifier"],
    .multipleChoice: ["classifier"], .questionAnswering: ["qa_outputs"], .maskedLM: ["lm_head"],
  ]

  /// The `…For…` classes of a family whose classes are named `<stem>For…` with RoBERTa's heads.
  static func robertaArchitectures(_ stem: String) -> [String: HeadKind] {
    [
      "\(stem)ForSequenceClassification": .sequenceClassification, "\(stem)ForTokenClassification": .tokenClassification,
      "\(stem)ForQuestionAnswering": .questionAnswering, "\(stem)ForMultipleChoice": .multipleChoice,
      "\(stem)ForMaskedLM": .maskedLM,
    ]
  }
}

extension Role {
  /// The first dense layer of a classification head over token 0 (RoBERTa's, ELECTRA's `classifier.dense`,
  /// DistilBERT's `pre_classifier`).
  public static let classifierDense = Role(rawValue: "classifier dense")
  /// The output projection of such a head (`classifier.out_proj`; DistilBERT's `classifier`).
  public static let classifierOutput = Role(rawValue: "classifier output")
}
