/// The task heads of the family's `…For…` classes. Which a checkpoint carries is decided by its config's
/// `architectures` and the head groups present in its weights (``ModelFamily/headKind(config:presentGroups:)``).
public enum HeadKind: String, Sendable, CaseIterable {
  /// `…ForSequenceClassification`: a classifier over the pooled [CLS] vector → `logits` [batch, num_labels].
  case sequenceClassification = "sequence classification"
  /// `…ForTokenClassification`: a classifier over every token → `logits` [batch, sequence, num_labels].
  case tokenClassification = "token classification"
  /// `…ForQuestionAnswering`: two outputs per token → `start_logits`, `end_logits` [batch, sequence].
  case questionAnswering = "question answering"
  /// `…ForMultipleChoice`: inputs [batch, choices, sequence] run as batch·choices rows, one score per row over the
  /// pooled vector → `logits` [batch, choices].
  case multipleChoice = "multiple choice"
  /// `…ForMaskedLM`: transform (dense, activation, LayerNorm) + decoder tied to the word embeddings + bias →
  /// `logits` [batch, sequence, vocab].
  case maskedLM = "masked language modelling"
  /// `…ForNextSentencePrediction`: two logits over the pooled vector (0 = B follows A) → `logits` [batch, 2].
  case nextSentencePrediction = "next sentence prediction"
  /// `…ForPreTraining`: the masked-LM and next-sentence heads together → `prediction_logits`,
  /// `seq_relationship_logits`.
  case preTraining = "pre-training"

  /// The head's outputs, named as the fields of transformers' `ModelOutput` for the class (docs/GOLDEN.md).
  public var outputNames: [String] {
    switch self {
    case .sequenceClassification, .tokenClassification, .multipleChoice, .maskedLM, .nextSentencePrediction: ["logits"]
    case .questionAnswering: ["start_logits", "end_logits"]
    case .preTraining: ["prediction_logits", "seq_relationship_logits"]
    }
  }

  /// The transformers pipeline task whose answer `bert-verify --text` gives for this head (`fill-mask`, …); the
  /// heads no pipeline serves have names of their own (`next-sentence-prediction`, `multiple-choice`).
  public var task: String {
    switch self {
    case .sequenceClassification: "text-classification"
    case .tokenClassification: "token-classification"
    case .questionAnswering: "question-answering"
    case .multipleChoice: "multiple-choice"
    case .maskedLM, .preTraining: "fill-mask"
    case .nextSentencePrediction: "next-sentence-prediction"
    }
  }
}
