import Models

/// The scratch memory of forward passes over one batch shape: allocated once, reused by every layer and by every
/// run that passes the same workspace (a benchmark's repeated runs allocate nothing).
public final class Workspace {
  public let batch: Int
  public let sequence: Int
  let tokens: Int
  /// Two [tokens, hidden] buffers the layers alternate between.
  let hidden: (FloatBuffer, FloatBuffer)
  /// [tokens, hidden] each.
  let query, key, value, context, attention: FloatBuffer
  /// [tokens, intermediate].
  let intermediate: FloatBuffer
  /// One [sequence, sequence] score matrix per attention worker thread.
  let scores: FloatBuffer
  /// Per attention worker: room to pack one head's K or V for the GEMM kernel.
  let packedHead: FloatBuffer
  /// Floats of ``packedHead`` per worker.
  let packedHeadStride: Int
  /// Threads for attention tasks and element-wise work (as many as OpenBLAS uses).
  let threads: Int
  /// Hands attention's (sequence, head) tasks to the workers.
  let tasks = TaskQueue()
  /// The additive key mask, [batch, sequence]: 0 or float32's lowest value.
  let maskBias: FloatBuffer
  /// [batch, hidden].
  let pooled: FloatBuffer

  /// One sequence's rows in the layers' [rows, hidden] buffers.
  struct Segment {
    /// Its first row.
    var start: Int
    /// Its tokens: the whole sequence, or only its real tokens when padding is skipped.
    var length: Int
  }

  /// The rows the layers run over in this pass: `tokens`, or the real tokens alone when the batch is right-padded
  /// (``BertModel/forward(_:workspace:keepHiddenStates:)`` decides).
  var rows = 0
  /// Each sequence's rows in this pass.
  var segments: [Segment] = []
  /// Row r of this pass holds token `rowTokens[r]` of the padded [batch, sequence] input; nil when rows = tokens.
  var rowTokens: [Int]?

  /// The longest sequence a workspace is made for: its attention scores take 8192² × 4 bytes = 256 MiB per thread.
  /// (A model with absolute positions is refused earlier, past its `max_position_embeddings`.)
  public static let maxSequence = 8192

  /// Scratch for `batch` rows of `sequence` tokens of the model described by `config`.
  /// - Throws: ``BERTError`` `.badInput` when the sizes overflow or exceed what BLAS addresses (2³¹ − 1 elements
  ///   per matrix).
  public init(config: ModelConfig, batch: Int, sequence: Int) throws(BERTError) {
    guard batch > 0, sequence > 0 else { throw BERTError(.badInput, "empty batch: \(batch) × \(sequence)") }
    // Attention keeps a sequence × sequence score matrix per thread: bounded before anything is allocated.
    guard sequence <= Workspace.maxSequence else {
      throw BERTError(.badInput, "sequence length \(sequence) is over the limit of \(Workspace.maxSequence) tokens "
                        + "(attention scores take sequence² × 4 bytes per thread; docs/SECURITY.md)")
    }
    func product(_ factors: Int...) throws(BERTError) -> Int {
      var total = 1
      for f in factors {
        let (p, overflow) = total.multipliedReportingOverflow(by: f)
        guard !overflow, p <= Int(Int32.max) else {
          throw BERTError(.badInput, "batch \(batch) × sequence \(sequence) is too large for this model (\(factors) elements)")
        }
        total = p
      }
      return total
    }
    let tokens = try product(batch, sequence)
    let width = try product(tokens, config.hiddenSize)
    self.batch = batch
    self.sequence = sequence
    self.tokens = tokens
    hidden = (FloatBuffer(count: width), FloatBuffer(count: width))
    query = FloatBuffer(count: width)
    key = FloatBuffer(count: width)
    value = FloatBuffer(count: width)
    context = FloatBuffer(count: width)
    attention = FloatBuffer(count: width)
    // Also holds ELECTRA's embeddings at their own width before the projection.
    intermediate = FloatBuffer(count: try product(tokens, max(config.intermediateSize, config.embeddingWidth)))
    threads = BLAS.threads
    scores = FloatBuffer(count: try product(threads, sequence, sequence))
    let headSize = config.hiddenSize / config.numAttentionHeads
    packedHeadStride = max(PackedWeight.scratchCount(n: sequence, k: headSize), PackedWeight.scratchCount(n: headSize, k: sequence))
    packedHead = FloatBuffer(count: try product(threads, packedHeadStride))
    maskBias = FloatBuffer(count: tokens)
    pooled = FloatBuffer(count: try product(batch, config.hiddenSize))
  }
}
