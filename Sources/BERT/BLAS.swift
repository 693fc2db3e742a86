import CBLAS
import Foundation

/// The one file that calls OpenBLAS (`cblas_*`, `openblas_*`): single-precision GEMM and the thread count.
///
/// Callers pass dimensions already checked to fit BLAS's 32-bit `blasint` (``Workspace`` checks them once per
/// run); a violation here is a programming error, not bad input.
enum BLAS {
  /// C = alpha · A · op(B) + beta · C, row-major; `transposeB` selects op(B) = Bᵀ.
  /// A is m×k (row stride `lda`), op(B) is k×n (B's row stride `ldb`), C is m×n (row stride `ldc`).
  /// Wraps `cblas_sgemm`.
  @inline(__always)
  static func gemm(
    m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    precondition(m > 0 && n > 0 && k > 0, "empty GEMM \(m)×\(n)×\(k)")
    precondition(lda >= k && ldb >= (transposeB ? k : n) && ldc >= n, "GEMM leading dimensions too small")
    precondition(m <= Int(Int32.max) && n <= Int(Int32.max) && k <= Int(Int32.max) && lda <= Int(Int32.max)
                 && ldb <= Int(Int32.max) && ldc <= Int(Int32.max), "GEMM dimension exceeds blasint")
    cblas_sgemm(
      CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
  }

  /// The number of threads OpenBLAS was started with (`OPENBLAS_NUM_THREADS`, else the core count), read once.
  /// The encoder uses as many for its own element-wise work. Wraps `openblas_get_num_threads`.
  static let threads: Int = max(1, Int(openblas_get_num_threads()))

  /// Runs `body` with OpenBLAS limited to the calling thread, for callers that spread GEMMs over their own
  /// threads (the encoder's blocks and attention tasks), so OpenBLAS's own pool neither competes with them nor
  /// spins on a core between calls. Wraps `openblas_set_num_threads`, a process-wide setting: nested and
  /// concurrent calls share one count of callers inside, and the last one out restores ``threads``.
  static func singleThreaded<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
    guard threads > 1 else { return try body() }
    singleThreadedCallers.withLock { count in
      if count == 0 { openblas_set_num_threads(1) }
      count += 1
    }
    defer {
      singleThreadedCallers.withLock { count in
        count -= 1
        if count == 0 { openblas_set_num_threads(Int32(threads)) }
      }
    }
    return try body()
  }

  private static let singleThreadedCallers = LockedCounter()

  /// OpenBLAS's build configuration and the kernel set it picked for this CPU (`openblas_get_config`,
  /// `openblas_get_corename`).
  static var configuration: String {
    let config = openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS"
    let core = openblas_get_corename().map { String(cString: $0) } ?? "?"
    return "\(config.trimmingCharacters(in: .whitespaces)), kernels \(core)"
  }
}

/// What OpenBLAS reports about itself, for benchmark output.
public enum BLASInfo {
  /// Threads OpenBLAS uses (set `OPENBLAS_NUM_THREADS` to change it); the encoder's element-wise work uses as many.
  public static var threads: Int { BLAS.threads }
  /// OpenBLAS's version, build options and the kernels it chose for this CPU.
  public static var configuration: String { BLAS.configuration }
  /// The packed-weight GEMM micro-kernel the Linear layers run on this CPU (`avx512f`, `avx2`, `generic`).
  public static var gemmKernel: String { PackedWeight.kernel }
}

/// An integer behind a lock.
private final class LockedCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var value = 0

  func withLock(_ body: (inout Int) -> Void) {
    lock.lock()
    defer { lock.unlock() }
    body(&value)
  }
}
