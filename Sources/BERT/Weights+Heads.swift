import Models

extension WeightSet {
  /// A `torch.nn.Linear` whose weight is the module with `weightRole` — or, when the checkpoint leaves it out
  /// because it is tied, the module with `tiedRole` — and whose bias is the lone parameter with `biasRole`: an
  /// LM decoder (`cls.predictions.decoder` tied to the word embeddings, bias `cls.predictions.bias`).
  func tiedLinear(_ weightRole: Role, tiedTo tiedRole: Role, bias biasRole: Role, out: Int, in inFeatures: Int) throws(BERTError) -> Linear {
    let weight = contains(weightRole)
      ? try tensors(weightRole, layer: nil, .linear(out: out, in: inFeatures, bias: false))[0]
      : try tensors(tiedRole, layer: nil, .embedding(rows: out, width: inFeatures))[0]
    let bias = try tensors(biasRole, layer: nil, .parameter(shape: [out]))[0]
    return try Linear(weight: weight, bias: bias)
  }
}
