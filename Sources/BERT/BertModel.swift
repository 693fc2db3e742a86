import Foundation
import Checkpoint
import Models

/// A BERT encoder with its pooler and task head, run in float32 with the math of HuggingFace transformers
/// (eager attention): embeddings → L × [self-attention → LayerNorm(x + ·) → feed-forward → LayerNorm(x + ·)] →
/// pooler tanh(dense(h[:, 0])) → head.
///
/// The model is immutable and can be shared; each forward pass works in a ``Workspace``.
public final class BertModel: Sendable {
  public let config: ModelConfig
  public let activation: Activation
  /// The task head, if the checkpoint has one.
  public var headKind: HeadKind? { head?.kind ?? familyHead?.headKind }
  /// True when the checkpoint has the pooler's dense layer.
  public var hasPooler: Bool { pooler != nil }

  let embeddings: Embeddings
  /// ELECTRA's `embeddings_project` (embedding width → hidden size), when the widths differ.
  let embeddingProjection: Linear?
  let layers: [EncoderLayer]
  let pooler: Linear?
  let head: Head?
  /// The head of a BERT relative whose math ``Head`` lacks (Sources/BERT/Families/FamilyHead.swift).
  let familyHead: FamilyHead?

  /// Builds the model from a checkpoint mapped onto its family's table. Tensors whose bytes are a stable mapping
  /// (``SourceTensor/isMapped``) and aligned f32 are read in place; the others are converted to f32 once.
  /// - Throws: ``BERTError`` `.unsupported` for configurations the encoder does not run (an unknown
  ///   `position_embedding_type` or `hidden_act`, a classifier without a pooler), `.weights` for unreadable tensors.
  public init(plan: ModelPlan) throws(BERTError) {
    let c = plan.config
    try BertModel.checkSupported(c)
    config = c
    activation = try Activation(configName: c.hiddenAct, file: c.path)
    let weights = WeightSet(plan: plan)
    let (h, i, eps) = (c.hiddenSize, c.intermediateSize, c.layerNormEps)

    let e = c.embeddingWidth
    embeddings = Embeddings(
      word: try weights.embedding(.wordEmbeddings, rows: c.vocabSize, width: e),
      position: try weights.embedding(.positionEmbeddings, rows: c.maxPositionEmbeddings, width: e),
      tokenType: c.typeVocabSize == 0 ? nil : try weights.embedding(.tokenTypeEmbeddings, rows: c.typeVocabSize, width: e),
      norm: try weights.layerNorm(.embeddingNorm, width: e, eps: eps),
      positionPaddingIndex: c.positionPaddingIndex,
      absolutePositions: c.positionEmbeddingType == "absolute")
    embeddingProjection = e == h ? nil : try weights.linear(.embeddingProjection, out: h, in: e)
    let relativeBias = try RelativePositionBias(plan: plan, weights: weights)
    var layers: [EncoderLayer] = []
    for l in 0..<c.numHiddenLayers {
      let attention = Attention(
        query: try weights.linear(.query, layer: l, out: h, in: h),
        key: try weights.linear(.key, layer: l, out: h, in: h),
        value: try weights.linear(.value, layer: l, out: h, in: h),
        output: try weights.linear(.attentionOutput, layer: l, out: h, in: h),
        norm: try weights.layerNorm(.attentionNorm, layer: l, width: h, eps: eps),
        heads: c.numAttentionHeads, relativeBias: relativeBias,
        relative: try RelativePositions(weights, layer: l, config: c))
      let feedForward = FeedForward(
        intermediate: try weights.linear(.intermediate, layer: l, out: i, in: h),
        output: try weights.linear(.output, layer: l, out: h, in: i),
        activation: activation,
        norm: try weights.layerNorm(.outputNorm, layer: l, width: h, eps: eps))
      layers.append(EncoderLayer(attention: attention, feedForward: feedForward))
    }
    self.layers = layers
    pooler = weights.contains(.pooler) ? try weights.linear(.pooler, out: h, in: h) : nil

    familyHead = try FamilyHead.make(plan: plan, weights: weights, hiddenActivation: activation)
    head = familyHead == nil ? try Head.load(plan.headKind, weights: weights, config: c, activation: activation, hasPooler: pooler != nil) : nil
  }

  /// Rejects configurations the encoder does not run, before any tensor is mapped.
  /// - Throws: ``BERTError`` `.unsupported`.
  public static func checkSupported(_ config: ModelConfig) throws(BERTError) {
    guard RelativePositions.supportedTypes.contains(config.positionEmbeddingType) else {
      throw BERTError(.unsupported, file: config.path, "position_embedding_type '\(config.positionEmbeddingType)' is not supported "
                      + "(supported: \(RelativePositions.supportedTypes.joined(separator: ", ")))")
    }
    _ = try Activation(configName: config.hiddenAct, file: config.path)
  }

  /// A workspace for running batches of `batch` × `sequence` through this model.
  public func makeWorkspace(batch: Int, sequence: Int) throws(BERTError) -> Workspace {
    try Workspace(config: config, batch: batch, sequence: sequence)
  }

  /// Runs the model on `input`.
  /// - Parameters:
  ///   - workspace: scratch to reuse (it must match the input's batch and sequence); a new one when nil.
  ///   - keepHiddenStates: keep every layer's output (hidden_states.0 … L); a benchmark turns it off.
  /// - Throws: ``BERTError`` `.badInput` for ids outside the vocabulary, token types outside `type_vocab_size`, a
  ///   sequence longer than `max_position_embeddings`, or a workspace of another shape; `.weights` when a mapped
  ///   tensor cannot be read.
  public func forward(_ input: EncoderInput, workspace: Workspace? = nil, keepHiddenStates: Bool = true) throws(BERTError) -> EncoderOutput {
    try check(input)
    let ws: Workspace
    if let workspace { ws = workspace } else { ws = try makeWorkspace(batch: input.batch, sequence: input.sequence) }
    guard ws.batch == input.batch, ws.sequence == input.sequence else {
      throw BERTError(.badInput, "the workspace is for \(ws.batch) × \(ws.sequence), the input is \(input.batch) × \(input.sequence)")
    }
    // The buffers' pointers are used below; keep their owner alive to the end.
    defer { withExtendedLifetime(ws) {} }
    plan(input, ws)

    return try BLAS.singleThreaded { () throws(BERTError) in try run(input, ws, keepHiddenStates: keepHiddenStates) }
  }

  /// Chooses the rows the layers run over. A right-padded batch (each row's mask ones, then zeros) whose
  /// sequences differ in length runs its real tokens only — GEMMs over Σ lengths rows, attention within each
  /// sequence — and its outputs are scattered back to [batch, sequence] with zeros at the padding (which
  /// transformers fills with values no output of a real token depends on; goldens compare real tokens only).
  /// Any other mask runs every position with transformers' additive key mask.
  private func plan(_ input: EncoderInput, _ ws: Workspace) {
    let (batch, seq) = (input.batch, input.sequence)
    var lengths: [Int] = []
    var rightPadded = true
    for b in 0..<batch {
      let row = input.attentionMask[(b * seq)..<((b + 1) * seq)]
      let length = row.firstIndex(of: 0).map { $0 - b * seq } ?? seq
      rightPadded = rightPadded && length > 0 && row.dropFirst(length).allSatisfy { $0 == 0 }
      lengths.append(length)
    }
    if rightPadded && lengths.contains(where: { $0 < seq }) {
      var start = 0
      ws.segments = lengths.map { length in
        defer { start += length }
        return Workspace.Segment(start: start, length: length)
      }
      ws.rows = start
      ws.rowTokens = lengths.enumerated().flatMap { b, length in (b * seq)..<(b * seq + length) }
      ws.maskBias.pointer.update(repeating: 0, count: start)
    } else {
      ws.segments = (0..<batch).map { Workspace.Segment(start: $0 * seq, length: seq) }
      ws.rows = ws.tokens
      ws.rowTokens = nil
      // transformers' extended mask: (1 − mask) · finfo(float32).min, added to every query's scores.
      for t in 0..<ws.tokens { ws.maskBias.pointer[t] = input.attentionMask[t] == 1 ? 0 : -Float.greatestFiniteMagnitude }
    }
  }

  /// `rows` rows of [rows, hidden] `compact` as a padded [tokens, hidden] array: row r at token `rowTokens[r]`,
  /// zeros elsewhere.
  private func padded(_ compact: UnsafePointer<Float>, _ ws: Workspace, into out: UnsafeMutablePointer<Float>) {
    let h = config.hiddenSize
    out.update(repeating: 0, count: ws.tokens * h)
    guard let rowTokens = ws.rowTokens else { return }
    for (r, t) in rowTokens.enumerated() { (out + t * h).update(from: compact + r * h, count: h) }
  }

  /// The forward pass proper. OpenBLAS runs on the calling thread meanwhile: the encoder spreads GEMM blocks and
  /// element-wise work over ``BLAS/threads`` workers itself, which keeps OpenBLAS's pool from spinning on a core
  /// the element-wise work needs.
  private func run(_ input: EncoderInput, _ ws: Workspace, keepHiddenStates: Bool) throws(BERTError) -> EncoderOutput {
    let h = config.hiddenSize
    var current = ws.hidden.0
    var spare = ws.hidden.1
    /// A layer's output as a [batch, sequence, hidden] array.
    func state(_ buffer: FloatBuffer) -> [Float] {
      guard ws.rowTokens != nil else { return buffer.values }
      return [Float](unsafeUninitializedCapacity: ws.tokens * h) { out, count in
        padded(buffer.pointer, ws, into: out.baseAddress!)
        count = ws.tokens * h
      }
    }
    if let embeddingProjection {
      // ELECTRA: embeddings at their own width in the intermediate buffer, projected into the hidden size.
      try embeddings.apply(input, rowTokens: ws.rowTokens, into: ws.intermediate.pointer)
      try embeddingProjection.apply(rows: ws.rows, x: ws.intermediate.pointer, xStride: embeddingProjection.inFeatures,
                                    y: current.pointer, yStride: h)
    } else {
      try embeddings.apply(input, rowTokens: ws.rowTokens, into: current.pointer)
    }
    var states: [[Float]] = keepHiddenStates ? [state(current)] : []
    for layer in layers {
      try layer.attention.apply(current.pointer, ws)
      try layer.feedForward.apply(ws.attention.pointer, into: spare.pointer, ws)
      swap(&current, &spare)
      if keepHiddenStates { states.append(state(current)) }
    }
    if ws.rowTokens != nil {
      // The pooler and the heads read the padded layout.
      padded(current.pointer, ws, into: spare.pointer)
      swap(&current, &spare)
    }

    var output = EncoderOutput(batch: input.batch, sequence: input.sequence, hiddenSize: h, hiddenStates: states,
                               lastHiddenState: states.last ?? current.values)
    var pooled: UnsafePointer<Float>?
    if let pooler {
      // tanh(dense(h[:, 0])): the [CLS] rows are `sequence · hidden` apart.
      let out = ws.pooled.pointer
      try pooler.apply(rows: input.batch, x: current.pointer, xStride: input.sequence * h, y: out, yStride: h)
      for j in 0..<(input.batch * h) { out[j] = tanhf(out[j]) }
      output.poolerOutput = ws.pooled.values
      pooled = UnsafePointer(out)
    }
    try head?.apply(last: current.pointer, pooled: pooled, choices: input.choices, ws, into: &output)
    try familyHead?.apply(last: current.pointer, ws, into: &output)
    return output
  }

  /// Range checks that depend on the model.
  private func check(_ input: EncoderInput) throws(BERTError) {
    guard input.sequence <= config.maxPositionEmbeddings else {
      throw BERTError(.badInput, "sequence length \(input.sequence) exceeds max_position_embeddings \(config.maxPositionEmbeddings)")
    }
    let s = input.sequence
    if let t = input.inputIDs.firstIndex(where: { $0 < 0 || $0 >= config.vocabSize }) {
      throw BERTError(.badInput, "input_ids[\(t / s)][\(t % s)] = \(input.inputIDs[t]) is outside the vocabulary (vocab_size \(config.vocabSize))")
    }
    if config.typeVocabSize == 0, let t = input.tokenTypeIDs.firstIndex(where: { $0 != 0 }) {
      throw BERTError(.badInput, "token_type_ids[\(t / s)][\(t % s)] = \(input.tokenTypeIDs[t]), but \(config.family.name) has no token types")
    }
    if let positions = embeddings.positionIDs(input), let t = positions.indices.max(by: { positions[$0] < positions[$1] }),
       positions[t] >= config.maxPositionEmbeddings {
      throw BERTError(.badInput, "input_ids[\(t / s)][\(t % s)] is at position \(positions[t]) (counted from padding_idx \(config.positionPaddingIndex ?? 0) + 1), "
                        + "beyond max_position_embeddings \(config.maxPositionEmbeddings)")
    }
    if config.typeVocabSize > 0, let t = input.tokenTypeIDs.firstIndex(where: { $0 < 0 || $0 >= config.typeVocabSize }) {
      throw BERTError(.badInput, "token_type_ids[\(t / s)][\(t % s)] = \(input.tokenTypeIDs[t]) is outside type_vocab_size \(config.typeVocabSize)")
    }
  }

  /// One line: architecture, sizes, activation, head.
  public var summary: String {
    let c = config
    return "\(c.architectures.first ?? c.family.name): \(c.numHiddenLayers) layers, hidden \(c.hiddenSize), \(c.numAttentionHeads) heads, "
      + "intermediate \(c.intermediateSize), \(c.hiddenAct), \(pooler == nil ? "no pooler" : "pooler")"
      + (head.map { ", \($0.kind.rawValue) head (\($0.outputCount) outputs)" } ?? "")
      + (familyHead.map { ", \($0.headKind.rawValue) head (\($0.outputs) outputs)" } ?? "")
  }
}
