import Foundation
import Models

/// MPNet's relative position bias (`MPNetEncoder.compute_position_bias`), shared by every layer: the score of
/// query i and key j in head h gains `relative_attention_bias[bucket(j − i), h]`, added after the 1/√d scaling and
/// before the mask. Positions are the plain 0…L−1 of the sequence (padding ignored), so a right-padded sequence's
/// real tokens get the same bias whether the padding runs or is skipped.
///
/// The table is laid out per head by offset j − i, from −(L−1) to L−1 for the longest sequence the model takes, so
/// the biases of one query row over its keys are one contiguous run.
final class RelativePositionBias: Sendable {
  let heads: Int
  /// The longest sequence (max_position_embeddings).
  let maxLength: Int
  /// [heads, 2 · maxLength − 1].
  private let table: FloatBuffer

  /// transformers hard-codes these in the call, whatever `relative_attention_num_buckets` says.
  static let buckets = 32
  static let maxDistance = 128

  /// Builds the per-offset table from `weight` [buckets, heads].
  /// - Throws: ``BERTError`` `.unsupported` when the table has fewer than 32 rows (transformers would index past it).
  init(weight: WeightTensor, heads: Int, maxLength: Int) throws(BERTError) {
    guard weight.shape.count == 2, weight.shape[1] == heads, weight.shape[0] >= RelativePositionBias.buckets else {
      throw BERTError(.unsupported, "relative_attention_bias is \(weight.shape); MPNet needs at least \(RelativePositionBias.buckets) buckets × \(heads) heads")
    }
    self.heads = heads
    self.maxLength = maxLength
    let width = 2 * maxLength - 1
    let table = FloatBuffer(count: heads * width)
    try weight.withFloats { w in
      for offset in -(maxLength - 1)...(maxLength - 1) {
        let bucket = RelativePositionBias.bucket(offset)
        for h in 0..<heads { table.pointer[h * width + offset + maxLength - 1] = w[bucket * heads + h] }
      }
    }
    self.table = table
  }

  /// `relative_position_bucket(relative_position, num_buckets=32, max_distance=128)` for key − query = `offset`:
  /// keys before the query in buckets 0–15, after it in 16–31; distances below 8 exact, then logarithmic up to 128.
  /// (torch evaluates the logarithm in float32; the bucket boundaries fall on powers of two, where float32 and
  /// double agree exactly, and no other distance below 128 comes within 1e-3 of a boundary.)
  static func bucket(_ offset: Int) -> Int {
    let half = buckets / 2
    var n = -offset
    var bucket = 0
    if n < 0 { bucket += half }
    n = abs(n)
    let exact = half / 2
    if n < exact { return bucket + n }
    let large = exact + Int(log(Double(n) / Double(exact)) / log(Double(maxDistance) / Double(exact)) * Double(half - exact))
    return bucket + min(large, half - 1)
  }

  /// Adds head `head`'s bias to the [length, length] scores of one sequence.
  @inline(__always)
  func add(head: Int, to scores: UnsafeMutablePointer<Float>, length: Int) {
    let base = UnsafePointer(table.pointer) + head * (2 * maxLength - 1) + maxLength - 1
    for i in 0..<length { VectorMath.add(base - i, to: scores + i * length, count: length) }
  }
}

extension RelativePositionBias {
  /// MPNet's shared bias from `plan`, or nil for a family without one.
  convenience init?(plan: ModelPlan, weights: WeightSet) throws(BERTError) {
    let c = plan.config
    guard weights.contains(.relativeAttentionBias) else { return nil }
    let weight = try weights.embedding(.relativeAttentionBias, rows: c.relativeAttentionBuckets, width: c.numAttentionHeads)
    try self.init(weight: weight, heads: c.numAttentionHeads, maxLength: c.maxPositionEmbeddings)
  }
}
