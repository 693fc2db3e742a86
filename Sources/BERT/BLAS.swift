import CBLAS

/// The one file that calls OpenBLAS (`cblas_*`, `openblas_*`): single-precision GEMM and the thread count.
///
/// Callers pass dimensions already checked to fit BLAS's 32-bit `blasint` (``Workspace`` checks them once per
/// run); a violation here is a programming error, not bad input.
enum BLAS {
  /// C = alpha · A · op(B) + beta · C, row-major; `transposeB` selects op(B) = Bᵀ.
  /// A is m×k (row stride `lda`), op(B) is k×n (B's row stride `ldb`), C is m×n (row stride `ldc`).
  /// Wraps `cblas_sgemm`.
  static func gemm(
    m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    precondition(m > 0 && n > 0 && k > 0, "empty GEMM \(m)×\(n)×\(k)")
    precondition(lda >= k && ldb >= (transposeB ? k : n) && ldc >= n, "GEMM leading dimensions too small")
    precondition([m, n, k, lda, ldb, ldc].allSatisfy { $0 <= Int(Int32.max) }, "GEMM dimension exceeds blasint")
    cblas_sgemm(
      CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
  }

  /// The number of threads OpenBLAS uses for a GEMM. Wraps `openblas_get_num_threads`.
  static var threads: Int { Int(openblas_get_num_threads()) }
}

/// What OpenBLAS reports about itself, for benchmark output.
public enum BLASInfo {
  /// Threads OpenBLAS uses (set `OPENBLAS_NUM_THREADS` to change it).
  public static var threads: Int { BLAS.threads }
}
