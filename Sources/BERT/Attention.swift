import Foundation

/// `BertSelfAttention` (eager) + `BertSelfOutput`: softmax(QKᵀ/√d + mask)·V per head, then
/// LayerNorm(dense(context) + input).
struct Attention: Sendable {
  let query: Linear
  let key: Linear
  let value: Linear
  let output: Linear
  let norm: LayerNorm
  let heads: Int

  /// Reads [tokens, hidden] from `input`, leaves the block's output in `workspace.attention`.
  func apply(_ input: UnsafePointer<Float>, _ ws: Workspace) throws(BERTError) {
    let h = query.outFeatures
    let (batch, seq, tokens) = (ws.batch, ws.sequence, ws.tokens)
    let (q, k, v, ctx) = (ws.query.pointer, ws.key.pointer, ws.value.pointer, ws.context.pointer)
    try query.apply(rows: tokens, x: input, xStride: h, y: q, yStride: h)
    try key.apply(rows: tokens, x: input, xStride: h, y: k, yStride: h)
    try value.apply(rows: tokens, x: input, xStride: h, y: v, yStride: h)

    let d = h / heads
    let scale = Float(Double(d).squareRoot())
    let scores = ws.scores.pointer
    for b in 0..<batch {
      let mask = ws.maskBias.pointer + b * seq
      for head in 0..<heads {
        let offset = b * seq * h + head * d
        // scores = Q_bh · K_bhᵀ, [seq, seq]; the head's columns are read in place with row stride `hidden`.
        BLAS.gemm(m: seq, n: seq, k: d, a: q + offset, lda: h, b: k + offset, ldb: h, transposeB: true,
                  beta: 0, c: scores, ldc: seq)
        for i in 0..<seq { Attention.softmaxRow(scores + i * seq, count: seq, scale: scale, mask: mask) }
        // context_bh = P · V_bh, written into the head's columns of the context.
        BLAS.gemm(m: seq, n: d, k: seq, a: scores, lda: seq, b: v + offset, ldb: h, transposeB: false,
                  beta: 0, c: ctx + offset, ldc: h)
      }
    }

    let out = ws.attention.pointer
    try output.apply(rows: tokens, x: ctx, xStride: h, y: out, yStride: h)
    for i in 0..<(tokens * h) { out[i] += input[i] }
    try norm.apply(out, rows: tokens)
  }

  /// row ← softmax(row / scale + mask), as torch computes it: subtract the maximum, exponentiate, multiply by the
  /// reciprocal of the sum. Masked keys carry float32's lowest value, so their weight is exactly 0.
  static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int, scale: Float, mask: UnsafePointer<Float>) {
    var maximum = -Float.infinity
    for j in 0..<count {
      let x = row[j] / scale + mask[j]
      row[j] = x
      maximum = Swift.max(maximum, x)
    }
    var sum: Float = 0
    for j in 0..<count {
      let e = expf(row[j] - maximum)
      row[j] = e
      sum += e
    }
    let inverse = 1 / sum
    for j in 0..<count { row[j] *= inverse }
  }
}

/// `BertIntermediate` + `BertOutput`: LayerNorm(dense₂(act(dense₁(x))) + x).
struct FeedForward: Sendable {
  let intermediate: Linear
  let output: Linear
  let activation: Activation
  let norm: LayerNorm

  /// Reads [tokens, hidden] from `input`, writes the block's output to `result`.
  func apply(_ input: UnsafePointer<Float>, into result: UnsafeMutablePointer<Float>, _ ws: Workspace) throws(BERTError) {
    let (h, i, tokens) = (output.outFeatures, intermediate.outFeatures, ws.tokens)
    let inner = ws.intermediate.pointer
    try intermediate.apply(rows: tokens, x: input, xStride: h, y: inner, yStride: i)
    activation.apply(inner, count: tokens * i)
    try output.apply(rows: tokens, x: inner, xStride: i, y: result, yStride: h)
    for j in 0..<(tokens * h) { result[j] += input[j] }
    try norm.apply(result, rows: tokens)
  }
}

/// One `BertLayer`.
struct EncoderLayer: Sendable {
  let attention: Attention
  let feedForward: FeedForward
}
