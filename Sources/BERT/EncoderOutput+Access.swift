/// Shaped access to the row-major outputs, by transformers' output names (docs/LIBRARY.md).
extension OutputTensor {
  /// The innermost vector at the leading indices: for `last_hidden_state` ([batch, sequence, hidden]),
  /// `vector(b, t)` is token `t` of row `b`; for `pooler_output` or `logits` ([batch, n]), `vector(b)` is row `b`.
  /// Indices out of range are a programming error (they trap, as an array subscript does).
  public func vector(_ leading: Int...) -> ArraySlice<Float> {
    precondition(leading.count == shape.count - 1, "\(name) has shape \(shape): give \(shape.count - 1) indices")
    var offset = 0
    for (index, size) in zip(leading, shape) {
      precondition(index >= 0 && index < size, "index \(index) out of range 0..<\(size) in \(name) \(shape)")
      offset = offset * size + index
    }
    let width = shape.last ?? 1
    return values[(offset * width)..<((offset + 1) * width)]
  }

  /// One element: `logits[b, label]`, `last_hidden_state[b, t, i]`.
  public subscript(_ indices: Int...) -> Float {
    precondition(indices.count == shape.count, "\(name) has shape \(shape): give \(shape.count) indices")
    var offset = 0
    for (index, size) in zip(indices, shape) {
      precondition(index >= 0 && index < size, "index \(index) out of range 0..<\(size) in \(name) \(shape)")
      offset = offset * size + index
    }
    return values[offset]
  }
}

extension EncoderOutput {
  /// `last_hidden_state` with its shape [batch, sequence, hidden].
  public var lastHiddenStateTensor: OutputTensor {
    OutputTensor(name: "last_hidden_state", shape: [batch, sequence, hiddenSize], values: lastHiddenState, perToken: true)
  }

  /// `pooler_output` with its shape [batch, hidden], when the model has a pooler.
  public var poolerOutputTensor: OutputTensor? {
    poolerOutput.map { OutputTensor(name: "pooler_output", shape: [batch, hiddenSize], values: $0, perToken: false) }
  }

  /// The last layer's vector of token `token` in row `batch` (`last_hidden_state[batch, token]`); token 0 is [CLS].
  public func lastHiddenState(batch b: Int, token t: Int) -> ArraySlice<Float> {
    lastHiddenStateTensor.vector(b, t)
  }

  /// `pooler_output[batch]`: tanh(dense(h[CLS])), when the model has a pooler.
  public func poolerOutput(batch b: Int) -> ArraySlice<Float>? {
    poolerOutputTensor?.vector(b)
  }
}
