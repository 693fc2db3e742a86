/// `BertEmbeddings`: LayerNorm(word[id] + token_type[tt] + position[s]). A family without token types (DistilBERT,
/// MPNet) has no `tokenType` table; RoBERTa-style positions (``positionIDs(_:)``) count from `padding_idx + 1`; the
/// position term is left out when the positions are relative (`position_embedding_type` `relative_key`,
/// `relative_key_query`: the attention adds them).
struct Embeddings: Sendable {
  let word: WeightTensor
  let position: WeightTensor
  let tokenType: WeightTensor?
  let norm: LayerNorm
  /// `padding_idx` of RoBERTa-style positions (``ModelConfig/positionPaddingIndex``); nil: positions 0…L−1.
  var positionPaddingIndex: Int? = nil
  /// False for relative positions: `position` is then unused, as in transformers.
  var absolutePositions = true

  var hiddenSize: Int { word.shape[1] }

  /// Writes the embedding output of `input` (ids already range-checked) into `output`, [tokens, hidden]; rows
  /// are spread over threads, each summed and normalised in one go. With `rowTokens`, row r embeds token
  /// `rowTokens[r]` of the padded input (the real tokens alone, ``Workspace/rowTokens``).
  func apply(_ input: EncoderInput, rowTokens: [Int]? = nil, into output: UnsafeMutablePointer<Float>) throws(BERTError) {
    let h = hiddenSize
    let eps = Float(norm.eps)
    let positionIDs = positionIDs(input)
    let absolute = absolutePositions
    try word.withFloats { words throws(BERTError) in
      try Embeddings.withOptionalFloats(tokenType) { types throws(BERTError) in
        try position.withFloats { positions throws(BERTError) in
          try norm.weight.withFloats { weight throws(BERTError) in
            try norm.bias.withFloats { bias in
              input.inputIDs.withUnsafeBufferPointer { ids in
                input.tokenTypeIDs.withUnsafeBufferPointer { tokenTypes in
                  Parallel.forEach(rowTokens?.count ?? input.batch * input.sequence, grain: LayerNorm.grain) { range in
                    for r in range {
                      let t = rowTokens?[r] ?? r
                      let row = output + r * h
                      let w = words + ids[t] * h
                      let p = positions + (positionIDs?[t] ?? t % input.sequence) * h
                      guard let types else {
                        // DistilBERT, MPNet: word + position.
                        for i in 0..<h { row[i] = w[i] + p[i] }
                        LayerNorm.normalize(row, width: h, weight: weight, bias: bias, eps: eps)
                        continue
                      }
                      let tt = types + tokenTypes[t] * h
                      // transformers adds word + token type first, then the positions.
                      var i = 0
                      while !absolute && i + FloatVector.scalarCount <= h {
                        row.store(w.vector(at: i) + tt.vector(at: i), at: i)
                        i += FloatVector.scalarCount
                      }
                      while !absolute && i < h {
                        row[i] = w[i] + tt[i]
                        i += 1
                      }
                      while i + FloatVector.scalarCount <= h {
                        row.store((w.vector(at: i) + tt.vector(at: i)) + p.vector(at: i), at: i)
                        i += FloatVector.scalarCount
                      }
                      while i < h {
                        row[i] = (w[i] + tt[i]) + p[i]
                        i += 1
                      }
                      LayerNorm.normalize(row, width: h, weight: weight, bias: bias, eps: eps)
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

extension Embeddings {
  /// Each token's position for RoBERTa-style positions (transformers' `create_position_ids_from_input_ids`): a
  /// token that is not `padding_idx` sits at `padding_idx + 1 +` the number of such tokens before it in its row, a
  /// `padding_idx` token at `padding_idx`; nil for positions 0…L−1.
  func positionIDs(_ input: EncoderInput) -> [Int]? {
    guard let pad = positionPaddingIndex else { return nil }
    var ids = [Int](repeating: pad, count: input.inputIDs.count)
    for b in 0..<input.batch {
      var count = 0
      for t in (b * input.sequence)..<((b + 1) * input.sequence) where input.inputIDs[t] != pad {
        count += 1
        ids[t] = pad + count
      }
    }
    return ids
  }

  /// Calls `body` with the tensor's values, or with nil when there is no tensor.
  static func withOptionalFloats<R>(_ tensor: WeightTensor?, _ body: (UnsafePointer<Float>?) throws(BERTError) -> R) throws(BERTError) -> R {
    guard let tensor else { return try body(nil) }
    return try tensor.withFloats { pointer throws(BERTError) in try body(pointer) }
  }
}
