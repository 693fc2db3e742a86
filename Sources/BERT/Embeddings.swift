/// `BertEmbeddings` with absolute positions: LayerNorm(word[id] + token_type[tt] + position[s]).
struct Embeddings: Sendable {
  let word: WeightTensor
  let position: WeightTensor
  let tokenType: WeightTensor
  let norm: LayerNorm

  var hiddenSize: Int { word.shape[1] }

  /// Writes the embedding output of `input` (ids already range-checked) into `output`, [tokens, hidden].
  func apply(_ input: EncoderInput, into output: UnsafeMutablePointer<Float>) throws(BERTError) {
    let h = hiddenSize
    try word.withFloats { words throws(BERTError) in
      try tokenType.withFloats { types throws(BERTError) in
        try position.withFloats { positions in
          for b in 0..<input.batch {
            for s in 0..<input.sequence {
              let t = b * input.sequence + s
              let row = output + t * h
              let w = words + input.inputIDs[t] * h
              let tt = types + input.tokenTypeIDs[t] * h
              let p = positions + s * h
              // transformers adds word + token type first, then the positions.
              for i in 0..<h { row[i] = (w[i] + tt[i]) + p[i] }
            }
          }
        }
      }
    }
    try norm.apply(output, rows: input.batch * input.sequence)
  }
}
