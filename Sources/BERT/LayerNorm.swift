/// `torch.nn.LayerNorm` over the last dimension: (x − mean) / √(var + eps) · weight + bias, with the biased
/// variance, computed in `Float` as torch does on the CPU (two passes, sums accumulated in 2 × 16 lanes).
///
/// Rows are spread over threads (``Parallel``); each row's result is the same whichever thread computes it.
struct LayerNorm: Sendable {
  let weight: WeightTensor
  let bias: WeightTensor
  let eps: Double

  var width: Int { weight.elementCount }

  /// Rows per parallel chunk, so that a chunk is worth a thread hand-off.
  static let grain = 16

  /// Normalises `rows` consecutive rows of ``width`` values in place.
  func apply(_ x: UnsafeMutablePointer<Float>, rows: Int) throws(BERTError) {
    let (width, eps) = (self.width, Float(self.eps))
    try weight.withFloats { w throws(BERTError) in
      try bias.withFloats { b in
        Parallel.forEach(rows, grain: LayerNorm.grain) { range in
          for r in range { LayerNorm.normalize(x + r * width, width: width, weight: w, bias: b, eps: eps) }
        }
      }
    }
  }

  /// Normalises one row in place.
  @inline(__always)
  static func normalize(_ row: UnsafeMutablePointer<Float>, width: Int, weight: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>, eps: Float) {
    let mean = VectorMath.sum(row, count: width) / Float(width)
    let meanVector = FloatVector(repeating: mean)
    let lanes = FloatVector.scalarCount
    var (low, high) = (FloatVector(), FloatVector())
    var i = 0
    while i + 2 * lanes <= width {
      let d0 = row.vector(at: i) - meanVector
      let d1 = row.vector(at: i + lanes) - meanVector
      low += d0 * d0
      high += d1 * d1
      i += 2 * lanes
    }
    var squares = (low + high).sum()
    while i < width {
      let d = row[i] - mean
      squares += d * d
      i += 1
    }
    let rstd = 1 / (squares / Float(width) + eps).squareRoot()
    i = 0
    while i + FloatVector.scalarCount <= width {
      row.store((row.vector(at: i) - meanVector) * rstd * weight.vector(at: i) + bias.vector(at: i), at: i)
      i += FloatVector.scalarCount
    }
    while i < width {
      row[i] = (row[i] - mean) * rstd * weight[i] + bias[i]
      i += 1
    }
  }
}
