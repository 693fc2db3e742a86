/// The task heads of the family's `…For…` classes. Which a checkpoint carries is decided by its config's
/// `architectures` and the head groups present in its weights (``ModelFamily/headKind(config:presentGroups:)``).
public enum HeadKind: String, Sendable, CaseIterable {
  /// `…ForSequenceClassification`: a classifier over the pooled [CLS] vector → `logits` [batch, num_labels].
  case sequenceClassification = "sequence classification"
  /// `…ForTokenClassification`: a classifier over every token → `logits` [batch, sequence, num_labels].
  case tokenClassification = "token classification"
  /// `…ForQuestionAnswering`: two outputs per token → `start_logits`, `end_logits` [batch, sequence].
  case questionAnswering = "question answering"
  /// `…ForMultipleChoice`: one score per choice over the pooled vector → `logits` [batch, choices].
  case multipleChoice = "multiple choice"
  /// `…ForMaskedLM`: transform + decoder tied to the word embeddings → `logits` [batch, sequence, vocab].
  case maskedLM = "masked language modelling"
  /// `…ForNextSentencePrediction`: two logits over the pooled vector → `logits` [batch, 2].
  case nextSentencePrediction = "next sentence prediction"
  /// `…ForPreTraining`: the masked-LM and next-sentence heads together.
  case preTraining = "pre-training"
}
