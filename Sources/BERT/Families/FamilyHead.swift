import Foundation
import Models

/// The heads of BERT's relatives whose math BERT's ``Head`` lacks (token classification, question answering and
/// multiple choice are BERT's and run there):
/// - a classification head over token 0: dense → activation → output (RoBERTa, XLM-R and MPNet `classifier.dense`
///   → tanh → `classifier.out_proj`; ELECTRA the same with gelu; DistilBERT `pre_classifier` → ReLU →
///   `classifier`) → `logits` [batch, num_labels];
/// - a masked-LM head: transform → activation → LayerNorm → decoder (the word embeddings when tied) + bias
///   (RoBERTa/MPNet `lm_head`, DistilBERT `vocab_*`, ELECTRA's generator) → `logits` [batch, sequence, vocab];
/// - ELECTRA's discriminator: `discriminator_predictions.dense` → hidden_act → `.dense_prediction` →
///   `logits` [batch, sequence].
struct FamilyHead: Sendable {
  enum Kind: Sendable {
    case classification(dense: Linear, activation: Activation, output: Linear)
    case languageModel(transform: Linear, activation: Activation, norm: LayerNorm, decoder: Linear)
    case discriminator(dense: Linear, activation: Activation, prediction: Linear)
  }

  let headKind: HeadKind
  let kind: Kind

  /// The family's own head of `plan`, or nil when BERT's ``Head`` computes it (BERT itself, token classification,
  /// question answering, multiple choice) or the checkpoint has none.
  /// - Throws: ``BERTError`` `.weights` for unreadable tensors, `.unsupported` for a head module of another shape.
  static func make(plan: ModelPlan, weights: WeightSet, hiddenActivation: Activation) throws(BERTError) -> FamilyHead? {
    let c = plan.config
    let family = c.family.name
    guard family != ModelFamily.bert.name, let headKind = plan.headKind else { return nil }
    let (h, e) = (c.hiddenSize, c.embeddingWidth)
    switch headKind {
    case .sequenceClassification,
         .multipleChoice where family == ModelFamily.distilBert.name:  // other families' multiple choice: BERT's Head
      let dense = try weights.linear(.classifierDense, out: h, in: h)
      if family == ModelFamily.distilBert.name {
        // DistilBertForMultipleChoice: the same head with one output per choice.
        let output = try weights.linear(.classifier, out: headKind == .multipleChoice ? 1 : c.numLabels, in: h)
        return FamilyHead(headKind: headKind, kind: .classification(dense: dense, activation: .relu, output: output))
      }
      let output = try weights.linear(.classifierOutput, out: c.numLabels, in: h)
      let activation: Activation = family == ModelFamily.electra.name ? .gelu : .tanh
      return FamilyHead(headKind: headKind, kind: .classification(dense: dense, activation: activation, output: output))
    case .maskedLM:
      // RoBERTa's and MPNet's `lm_head` use gelu; DistilBERT's `activation`; ELECTRA's generator gelu.
      let activation = family == ModelFamily.distilBert.name ? hiddenActivation : .gelu
      let width = family == ModelFamily.electra.name ? e : h
      let transform = try weights.linear(.lmTransform, out: width, in: h)
      let norm = try weights.layerNorm(.lmNorm, width: width, eps: family == ModelFamily.distilBert.name ? 1e-12 : c.layerNormEps)
      let decoderWeight: WeightTensor
      if let untied = try weights.parameter(.lmDecoder, shape: [c.vocabSize, width]) {
        decoderWeight = untied
      } else {
        decoderWeight = try weights.embedding(.wordEmbeddings, rows: c.vocabSize, width: e)
      }
      guard let bias = try weights.parameter(.lmBias, shape: [c.vocabSize]) else {
        throw BERTError(.unsupported, file: c.path, "the masked-LM head lacks its bias")
      }
      return FamilyHead(headKind: headKind, kind: .languageModel(
        transform: transform, activation: activation, norm: norm, decoder: try Linear(weight: decoderWeight, bias: bias)))
    case .preTraining where family == ModelFamily.electra.name:
      return FamilyHead(headKind: headKind, kind: .discriminator(
        dense: try weights.linear(.discriminatorDense, out: h, in: h), activation: hiddenActivation,
        prediction: try weights.linear(.discriminatorPrediction, out: 1, in: h)))
    case .preTraining, .nextSentencePrediction, .tokenClassification, .questionAnswering, .multipleChoice:
      return nil
    }
  }

  /// The number of outputs per row (labels, vocabulary, 1).
  var outputs: Int {
    switch kind {
    case .classification(_, _, let output): output.outFeatures
    case .languageModel(_, _, _, let decoder): decoder.outFeatures
    case .discriminator(_, _, let prediction): prediction.outFeatures
    }
  }

  /// Runs the head on the encoder's last hidden state `last` [tokens, hidden] (padded layout), filling
  /// `output.logits`.
  func apply(last: UnsafePointer<Float>, _ ws: Workspace, into output: inout EncoderOutput) throws(BERTError) {
    let (batch, sequence, tokens) = (ws.batch, ws.sequence, ws.tokens)
    switch kind {
    case .classification(let dense, let activation, let out):
      let h = dense.inFeatures
      let hidden = FloatBuffer(count: batch * dense.outFeatures)
      // token 0 of each row: rows `sequence · hidden` apart.
      try dense.apply(rows: batch, x: last, xStride: sequence * h, y: hidden.pointer, yStride: dense.outFeatures)
      activation.apply(hidden.pointer, count: batch * dense.outFeatures)
      let logits = try FamilyHead.linear(out, rows: batch, x: hidden.pointer)
      output.logits = OutputTensor(name: "logits", shape: [batch, out.outFeatures], values: logits, perToken: false)
    case .languageModel(let transform, let activation, let norm, let decoder):
      let width = transform.outFeatures
      let hidden = FloatBuffer(count: tokens * width)
      try transform.apply(rows: tokens, x: last, xStride: transform.inFeatures, y: hidden.pointer, yStride: width)
      activation.apply(hidden.pointer, count: tokens * width)
      try norm.apply(hidden.pointer, rows: tokens)
      let logits = try FamilyHead.linear(decoder, rows: tokens, x: hidden.pointer)
      output.logits = OutputTensor(name: "logits", shape: [batch, sequence, decoder.outFeatures], values: logits, perToken: true)
    case .discriminator(let dense, let activation, let prediction):
      let hidden = FloatBuffer(count: tokens * dense.outFeatures)
      try dense.apply(rows: tokens, x: last, xStride: dense.inFeatures, y: hidden.pointer, yStride: dense.outFeatures)
      activation.apply(hidden.pointer, count: tokens * dense.outFeatures)
      // `dense_prediction(…).squeeze(-1)`: one logit per token.
      let logits = try FamilyHead.linear(prediction, rows: tokens, x: hidden.pointer)
      output.logits = OutputTensor(name: "logits", shape: [batch, sequence], values: logits, perToken: true)
    }
  }

  /// `rows` rows of `x` (stride `linear.inFeatures`) through `linear`.
  private static func linear(_ linear: Linear, rows: Int, x: UnsafePointer<Float>) throws(BERTError) -> [Float] {
    var values = [Float](repeating: 0, count: rows * linear.outFeatures)
    try values.withUnsafeMutableBufferPointer { (buffer) throws(BERTError) in
      try linear.apply(rows: rows, x: x, xStride: linear.inFeatures, y: buffer.baseAddress!, yStride: linear.outFeatures)
    }
    return values
  }
}

extension WeightSet {
  /// The first tensor of the module with `role`, checked to be `shape`; nil when the checkpoint lacks the module
  /// (a decoder tied to the word embeddings).
  func parameter(_ role: Role, layer: Int? = nil, shape: [Int]) throws(BERTError) -> WeightTensor? {
    guard let (_, tensors) = plan.module(role, layer: layer), let first = tensors.first else { return nil }
    guard first.shape == shape else {
      throw BERTError(.unsupported, file: path, "the \(role) tensor '\(first.name)' is \(first.shape), the encoder needs \(shape)")
    }
    return try WeightTensor(first)
  }
}
