/// `BertEmbeddings`: LayerNorm(word[id] + token_type[tt] + position[s]); without the position term when the
/// positions are relative (`position_embedding_type` `relative_key`, `relative_key_query`: the attention adds them).
struct Embeddings: Sendable {
  let word: WeightTensor
  let position: WeightTensor
  let tokenType: WeightTensor
  let norm: LayerNorm
  /// False for relative positions: `position` is then unused, as in transformers.
  var absolutePositions = true

  var hiddenSize: Int { word.shape[1] }

  /// Writes the embedding output of `input` (ids already range-checked) into `output`, [tokens, hidden]; rows
  /// are spread over threads, each summed and normalised in one go. With `rowTokens`, row r embeds token
  /// `rowTokens[r]` of the padded input (the real tokens alone, ``Workspace/rowTokens``).
  func apply(_ input: EncoderInput, rowTokens: [Int]? = nil, into output: UnsafeMutablePointer<Float>) throws(BERTError) {
    let h = hiddenSize
    let eps = Float(norm.eps)
    let absolute = absolutePositions
    try word.withFloats { words throws(BERTError) in
      try tokenType.withFloats { types throws(BERTError) in
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
                      let tt = types + tokenTypes[t] * h
                      let p = positions + (t % input.sequence) * h
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
