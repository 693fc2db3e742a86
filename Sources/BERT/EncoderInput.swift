/// One padded batch of token ids, row-major [batch, sequence], as transformers takes it.
public struct EncoderInput: Sendable {
  public let batch: Int
  public let sequence: Int
  public let inputIDs: [Int]
  /// 1 for a real token, 0 for padding; padded keys get zero attention weight.
  public let attentionMask: [Int]
  /// Segment ids (0 for sentence A, 1 for sentence B).
  public let tokenTypeIDs: [Int]
  /// Rows per example: a multiple-choice input [B, C, S] is run as `batch` = B·C rows of C consecutive choices,
  /// as transformers' `…ForMultipleChoice` flattens it (docs/GOLDEN.md); 1 otherwise.
  public var choices = 1

  /// Checks the shapes agree and the mask is 0/1. Ranges that depend on the model (vocabulary, positions, token
  /// types) are checked by ``BertModel/forward(_:workspace:keepHiddenStates:)``.
  /// - Throws: ``BERTError`` `.badInput`.
  public init(batch: Int, sequence: Int, inputIDs: [Int], attentionMask: [Int]? = nil, tokenTypeIDs: [Int]? = nil) throws(BERTError) {
    guard batch > 0, sequence > 0 else { throw BERTError(.badInput, "empty batch: \(batch) × \(sequence)") }
    let (count, overflow) = batch.multipliedReportingOverflow(by: sequence)
    guard !overflow, inputIDs.count == count else {
      throw BERTError(.badInput, "input_ids has \(inputIDs.count) ids, batch \(batch) × sequence \(sequence) needs \(overflow ? "more" : String(count))")
    }
    let mask = attentionMask ?? Array(repeating: 1, count: count)
    let types = tokenTypeIDs ?? Array(repeating: 0, count: count)
    guard mask.count == count else { throw BERTError(.badInput, "attention_mask has \(mask.count) values, expected \(count)") }
    guard types.count == count else { throw BERTError(.badInput, "token_type_ids has \(types.count) values, expected \(count)") }
    if let bad = mask.firstIndex(where: { $0 != 0 && $0 != 1 }) {
      throw BERTError(.badInput, "attention_mask[\(bad / sequence)][\(bad % sequence)] is \(mask[bad]), not 0 or 1")
    }
    // A row with no token attends to nothing: transformers returns numbers for it anyway, which mean nothing.
    if let empty = (0..<batch).first(where: { b in !mask[(b * sequence)..<((b + 1) * sequence)].contains(1) }) {
      throw BERTError(.badInput, "attention_mask row \(empty) is all zeros: that sequence has no tokens")
    }
    self.batch = batch
    self.sequence = sequence
    self.inputIDs = inputIDs
    self.attentionMask = mask
    self.tokenTypeIDs = types
  }

  /// Row `b` alone (its `sequence` positions, padding included).
  public func row(_ b: Int) -> EncoderInput {
    let range = (b * sequence)..<((b + 1) * sequence)
    // Slices of an already valid input are valid.
    return try! EncoderInput(batch: 1, sequence: sequence, inputIDs: Array(inputIDs[range]),
                             attentionMask: Array(attentionMask[range]), tokenTypeIDs: Array(tokenTypeIDs[range]))
  }
}

/// One output of a forward pass, row-major, named as transformers names it.
public struct OutputTensor: Sendable {
  public let name: String
  public let shape: [Int]
  public let values: [Float]
  /// True when the first two dimensions are [batch, sequence] (compared only where attention_mask = 1).
  public let perToken: Bool
}

/// What a forward pass produced.
public struct EncoderOutput: Sendable {
  public let batch: Int
  public let sequence: Int
  public let hiddenSize: Int
  /// hidden_states.0 (the embedding output) … hidden_states.L (the last layer), each [batch, sequence, hidden];
  /// empty when the pass was run without keeping them.
  public var hiddenStates: [[Float]]
  /// [batch, sequence, hidden].
  public var lastHiddenState: [Float]
  /// tanh(dense(h[:, 0])), [batch, hidden], when the model has a pooler.
  public var poolerOutput: [Float]?
  /// The classifier's output: [batch, num_labels] for sequence classification, [batch, sequence, num_labels] for
  /// token classification.
  public var logits: OutputTensor?
  /// Question answering: [batch, sequence] each.
  public var startLogits: [Float]?
  public var endLogits: [Float]?
  /// Head outputs with names of their own (`prediction_logits`, `seq_relationship_logits`), in report order.
  public var headOutputs: [OutputTensor] = []

  /// Every output by its transformers name, in report order: hidden_states.K, last_hidden_state, pooler_output,
  /// logits, start_logits, end_logits.
  public var tensors: [OutputTensor] {
    let (b, s, h) = (batch, sequence, hiddenSize)
    var list = hiddenStates.enumerated().map { OutputTensor(name: "hidden_states.\($0)", shape: [b, s, h], values: $1, perToken: true) }
    list.append(OutputTensor(name: "last_hidden_state", shape: [b, s, h], values: lastHiddenState, perToken: true))
    if let poolerOutput { list.append(OutputTensor(name: "pooler_output", shape: [b, h], values: poolerOutput, perToken: false)) }
    if let logits { list.append(logits) }
    if let startLogits { list.append(OutputTensor(name: "start_logits", shape: [b, s], values: startLogits, perToken: true)) }
    if let endLogits { list.append(OutputTensor(name: "end_logits", shape: [b, s], values: endLogits, perToken: true)) }
    return list + headOutputs
  }

  /// The output named `name` (`logits`, `hidden_states.2`, …), if the model produced it.
  public func tensor(named name: String) -> OutputTensor? {
    tensors.first { $0.name == name }
  }
}
