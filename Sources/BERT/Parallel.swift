import Dispatch
import Foundation

/// Spreads the encoder's element-wise work (activations, LayerNorm, softmax, embeddings) over as many threads as
/// OpenBLAS uses for the GEMMs, with `DispatchQueue.concurrentPerform`.
///
/// Work is cut into a few chunks per thread and handed out as threads free up, so a core busy with something
/// else slows one chunk, not half the pass. What each element gets never depends on the chunking: results are
/// the same bits with any thread count.
enum Parallel {
  /// Chunks per thread: enough for load balancing, few enough that each chunk amortises a hand-off.
  static let chunksPerThread = 4

  /// Calls `body` on disjoint ranges covering `0..<count`, concurrently when there are at least two chunks of
  /// `grain` items and more than one thread.
  static func forEach(_ count: Int, grain: Int, threads: Int = BLAS.threads, _ body: (Range<Int>) -> Void) {
    let chunks = min(max(count / max(grain, 1), 1), threads * chunksPerThread)
    guard chunks > 1 && threads > 1 else {
      if count > 0 { body(0..<count) }
      return
    }
    perform(chunks) { chunk in
      body((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
    }
  }

  /// `DispatchQueue.concurrentPerform(iterations:execute:)` for a closure over the caller's buffers. Dispatch
  /// wants a `@Sendable` closure; the encoder's closures capture raw pointers into buffers whose disjoint parts
  /// the iterations write, and return only when every iteration has, which is what makes sharing them safe.
  static func perform(_ iterations: Int, _ body: (Int) -> Void) {
    if iterations == 1 { return body(0) }
    withoutActuallyEscaping(body) { body in
      let shared = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: iterations) { shared.value($0) }
    }
  }
}

/// A value handed to other threads under the caller's guarantee (see ``Parallel/perform(_:_:)``).
private struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

/// Hands out task numbers `0..<count` to worker threads one at a time (attention's batch × head tasks), so each
/// worker can keep its own scratch while the tasks balance dynamically.
final class TaskQueue: @unchecked Sendable {
  private let lock = NSLock()
  private var next = 0
  private var count = 0

  /// Starts handing out `0..<count`.
  func reset(count: Int) {
    lock.lock()
    next = 0
    self.count = count
    lock.unlock()
  }

  /// The next task, or nil when all are taken.
  func take() -> Int? {
    lock.lock()
    defer { lock.unlock() }
    guard next < count else { return nil }
    next += 1
    return next - 1
  }
}
