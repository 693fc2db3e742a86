/// `torch.nn.LayerNorm` over the last dimension: (x − mean) / √(var + eps) · weight + bias, with the biased
/// variance. Mean and variance are accumulated in `Double`.
struct LayerNorm: Sendable {
  let weight: WeightTensor
  let bias: WeightTensor
  let eps: Double

  var width: Int { weight.elementCount }

  /// Normalises `rows` consecutive rows of ``width`` values in place.
  func apply(_ x: UnsafeMutablePointer<Float>, rows: Int) throws(BERTError) {
    let width = self.width
    try weight.withFloats { w throws(BERTError) in
      try bias.withFloats { b in
        for r in 0..<rows { LayerNorm.normalize(x + r * width, width: width, weight: w, bias: b, eps: eps) }
      }
    }
  }

  static func normalize(_ row: UnsafeMutablePointer<Float>, width: Int, weight: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>, eps: Double) {
    var sum = 0.0
    for i in 0..<width { sum += Double(row[i]) }
    let mean = sum / Double(width)
    var squares = 0.0
    for i in 0..<width {
      let d = Double(row[i]) - mean
      squares += d * d
    }
    let rstd = 1 / (squares / Double(width) + eps).squareRoot()
    for i in 0..<width {
      row[i] = Float((Double(row[i]) - mean) * rstd) * weight[i] + bias[i]
    }
  }
}
