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
  /// MPNet's relative position bias, added to every head's scaled scores; nil for the others.
  var relativeBias: RelativePositionBias? = nil
  /// Relative position embeddings (nil for absolute positions, which the embeddings add).
  var relative: RelativePositions? = nil

  /// Reads [tokens, hidden] from `input`, leaves the block's output in `workspace.attention`.
  ///
  /// Q, K and V are three GEMMs over all tokens (a fused QKV GEMM measured no faster with OpenBLAS and would need
  /// a packed copy of the weights). Then each (sequence, head) pair is one
  /// task — scores = Q·Kᵀ/√d as a GEMM, softmax, context = P·V as a GEMM — and the tasks are handed to
  /// ``Workspace/threads`` workers, each with its own [sequence, sequence] scratch. The residual is added to each
  /// block of the output dense layer's GEMM as it is done; LayerNorm follows, spread over rows.
  ///
  /// The rows are ``Workspace/rows``, each sequence a ``Workspace/Segment``: without padding skipped, `sequence`
  /// rows with the key mask; with it, only the real tokens, which attend to each other unmasked (masked keys get
  /// weight exactly 0 either way, so the real tokens' results are the same).
  func apply(_ input: UnsafePointer<Float>, _ ws: Workspace) throws(BERTError) {
    let h = query.outFeatures
    let tokens = ws.rows
    let segments = ws.segments
    let (q, k, v, ctx) = (ws.query.pointer, ws.key.pointer, ws.value.pointer, ws.context.pointer)
    try query.apply(rows: tokens, x: input, xStride: h, y: q, yStride: h) { _, _ in }
    try key.apply(rows: tokens, x: input, xStride: h, y: k, yStride: h) { _, _ in }
    try value.apply(rows: tokens, x: input, xStride: h, y: v, yStride: h) { _, _ in }

    let heads = self.heads
    let d = h / heads
    // transformers multiplies QKᵀ by head_size^-0.5 (a float32 constant); the GEMM's alpha does the same.
    let scaling = Float(1 / Double(d).squareRoot())
    let tasks = segments.count * heads
    let (scratch, maskBias, queue, stride) = (ws.scores.pointer, ws.maskBias.pointer, ws.tasks, ws.sequence * ws.sequence)
    let (packedScratch, packedStride) = (ws.packedHead.pointer, ws.packedHeadStride)
    let relative = self.relative
    let relativeBias = self.relativeBias
    queue.reset(count: tasks)
    try withDistanceTable { table in
      Parallel.perform(min(ws.threads, tasks)) { worker in
        let scores = scratch + worker * stride
        let packed = packedScratch + worker * packedStride
        while let task = queue.take() {
          let (b, head) = task.quotientAndRemainder(dividingBy: heads)
          let segment = segments[b]
          let seq = segment.length
          let offset = segment.start * h + head * d
          let mask = maskBias + segment.start
          // scores = (Q_bh · K_bhᵀ) · scaling, [seq, seq], as torch multiplies the product; the head's columns are
          // read with row stride `hidden`.
          scores.update(repeating: 0, count: seq * seq)
          PackedWeight.multiplyAdd(m: seq, n: seq, k: d, a: q + offset, lda: h, b: k + offset, ldb: h, transposed: false,
                                   packed: packed, c: scores, ldc: seq)
          if let relative, let table {
            // transformers adds the relative terms to the raw product, then scales.
            relative.add(to: scores, seq: seq, q: q + offset, k: k + offset, stride: h, d: d, table: table)
          }
          VectorMath.scale(scores, count: seq * seq, by: scaling)
          relativeBias?.add(head: head, to: scores, length: seq)
          for i in 0..<seq { Attention.softmaxRow(scores + i * seq, count: seq, mask: mask) }
          // context_bh = P · V_bh, written into the head's columns of the context.
          for i in 0..<seq { (ctx + offset + i * h).update(repeating: 0, count: d) }
          PackedWeight.multiplyAdd(m: seq, n: d, k: seq, a: scores, lda: seq, b: v + offset, ldb: h, transposed: true,
                                   packed: packed, c: ctx + offset, ldc: h)
        }
      }
    }

    let out = ws.attention.pointer
    try output.apply(rows: tokens, x: ctx, xStride: h, y: out, yStride: h) { rows, columns in
      for r in rows { VectorMath.add(input + r * h + columns.lowerBound, to: out + r * h + columns.lowerBound, count: columns.count) }
    }
    try norm.apply(out, rows: tokens)
  }

  /// Calls `body` with the relative distance embeddings' values, or nil for absolute positions.
  private func withDistanceTable(_ body: (UnsafePointer<Float>?) throws(BERTError) -> Void) throws(BERTError) {
    guard let relative else { return try body(nil) }
    try relative.distance.withFloats { table throws(BERTError) in try body(table) }
  }

  /// row ← softmax(row + mask), as torch computes it: subtract the maximum, exponentiate, multiply by the
  /// reciprocal of the sum. Masked keys carry float32's lowest value, so their weight is exactly 0.
  @inline(__always)
  static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int, mask: UnsafePointer<Float>) {
    let width = FloatVector.scalarCount
    var maxima = FloatVector(repeating: -.infinity)
    var i = 0
    while i + width <= count {
      let x = row.vector(at: i) + mask.vector(at: i)
      row.store(x, at: i)
      maxima = maxima.replacing(with: x, where: x .> maxima)
      i += width
    }
    var maximum = maxima.max()
    for j in i..<count {
      row[j] += mask[j]
      maximum = Swift.max(maximum, row[j])
    }
    let shift = FloatVector(repeating: maximum)
    var sums = FloatVector()
    i = 0
    while i + width <= count {
      let e = VectorMath.exp(row.vector(at: i) - shift)
      row.store(e, at: i)
      sums += e
      i += width
    }
    if i < count {
      // Padding lanes hold −∞, whose exponential is 0.
      var tail = FloatVector(repeating: -.infinity)
      for j in 0..<(count - i) { tail[j] = row[i + j] }
      let e = VectorMath.exp(tail - shift)
      for j in 0..<(count - i) { row[i + j] = e[j] }
      sums += e
    }
    let inverse = FloatVector(repeating: 1 / sums.sum())
    i = 0
    while i + width <= count {
      row.store(row.vector(at: i) * inverse, at: i)
      i += width
    }
    for j in i..<count { row[j] *= inverse[0] }
  }
}

/// `BertIntermediate` + `BertOutput`: LayerNorm(dense₂(act(dense₁(x))) + x).
struct FeedForward: Sendable {
  let intermediate: Linear
  let output: Linear
  let activation: Activation
  let norm: LayerNorm

  /// Reads [tokens, hidden] from `input`, writes the block's output to `result`. Each block of the first GEMM
  /// gets its activation right after it is computed, while in cache; each block of the second the residual;
  /// LayerNorm follows, spread over rows.
  func apply(_ input: UnsafePointer<Float>, into result: UnsafeMutablePointer<Float>, _ ws: Workspace) throws(BERTError) {
    let (h, i, tokens) = (output.outFeatures, intermediate.outFeatures, ws.rows)
    let inner = ws.intermediate.pointer
    let activation = self.activation
    try intermediate.apply(rows: tokens, x: input, xStride: h, y: inner, yStride: i) { rows, columns in
      for r in rows { activation.applyHere(inner + r * i + columns.lowerBound, count: columns.count) }
    }
    try output.apply(rows: tokens, x: inner, xStride: i, y: result, yStride: h) { rows, columns in
      for r in rows { VectorMath.add(input + r * h + columns.lowerBound, to: result + r * h + columns.lowerBound, count: columns.count) }
    }
    try norm.apply(result, rows: tokens)
  }
}

/// One `BertLayer`.
struct EncoderLayer: Sendable {
  let attention: Attention
  let feedForward: FeedForward
}
