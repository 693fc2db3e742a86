import CGEMM
import Support
import Checkpoint
import SafeTensors

/// The one file that calls the packed-weight GEMM kernels (Sources/CGEMM): a Linear layer's weight packed once
/// at load into 32-column panels, and C += A · Wᵀ over a range of its columns with the AVX-512 (else AVX2, else
/// plain C) micro-kernel. Packing once is what a BLAS call cannot do: `cblas_sgemm` repacks W on every call.
final class PackedWeight: @unchecked Sendable {
  /// Rows of W (the layer's outputs) and columns (its inputs).
  let outFeatures: Int
  let inFeatures: Int
  private let storage: FloatBuffer

  /// Packs `weight` [out, in]. Bytes read from a file mapping are read once, 32 rows at a time, and their pages
  /// leave resident memory as they are packed (``SourceTensor/readOnce(chunkBytes:_:)``), so a model's peak
  /// memory holds each weight once, not mapped and packed.
  /// - Throws: ``BERTError`` `.weights` when the bytes cannot be read.
  init(_ weight: WeightTensor) throws(BERTError) {
    precondition(weight.shape.count == 2, "a Linear weight is [out, in]")
    let (n, k) = (weight.shape[0], weight.shape[1])
    precondition(n <= Int(Int32.max) && k <= Int(Int32.max), "Linear dimensions exceed Int32")
    outFeatures = n
    inFeatures = k
    storage = FloatBuffer(count: cgemm_packed_count(Int32(n), Int32(k)))
    let packed = storage.pointer
    switch weight.storage {
    case .owned(let buffer):
      cgemm_pack_rows(buffer.pointer, 0, Int32(n), Int32(k), packed)
    case .mapped(let source):
      // Aligned f32 in a stable mapping (checked when the WeightTensor was made): whole panels per chunk.
      let panelBytes = 32 * k * 4
      var row = 0
      do {
        try source.readOnce(chunkBytes: panelBytes) { chunk in
          let rows = chunk.count / (k * 4)
          cgemm_pack_rows(chunk.bindMemory(to: Float.self).baseAddress!, Int32(row), Int32(rows), Int32(k), packed)
          row += rows
        }
      } catch let error as any ContextualError {
        throw BERTError(.weights, wrapping: error, tensor: weight.name)
      } catch {
        throw BERTError(.weights, tensor: weight.name, "\(error)")
      }
      guard row == n else { throw BERTError(.weights, tensor: weight.name, "read \(row) rows of \(n) while packing") }
    }
  }

  /// y[r][j] += Σ x[r][kk] · W[columns.lowerBound + j][kk] for `rows` rows, `y` pointing at column
  /// `columns.lowerBound` (a multiple of 32) of row 0. Wraps `cgemm_packed`.
  func multiplyAdd(rows: Int, columns: Range<Int>, x: UnsafePointer<Float>, xStride: Int, y: UnsafeMutablePointer<Float>, yStride: Int) {
    precondition(columns.lowerBound % 32 == 0 && columns.upperBound <= outFeatures, "packed GEMM columns \(columns)")
    precondition(rows <= Int(Int32.max) && xStride <= Int(Int32.max) && yStride <= Int(Int32.max), "GEMM dimension exceeds Int32")
    cgemm_packed(Int32(rows), Int32(columns.lowerBound), Int32(columns.upperBound), Int32(inFeatures), x, Int32(xStride),
                 storage.pointer, y, Int32(yStride))
  }

  /// C += A · Bᵀ for a B the caller packs each time (attention's per-head products): `packed` must hold
  /// ``scratchCount(n:k:)`` floats. `b` is [n, k] with rows `ldb` apart, or with `transposed` [k, n], giving C += A·B.
  static func multiplyAdd(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                          transposed: Bool, packed: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int) {
    precondition([m, n, k, lda, ldb, ldc].allSatisfy { $0 <= Int(Int32.max) }, "GEMM dimension exceeds Int32")
    if transposed {
      cgemm_pack_transposed(b, Int32(ldb), Int32(k), Int32(n), packed)
    } else {
      cgemm_pack_strided(b, Int32(ldb), Int32(n), Int32(k), packed)
    }
    cgemm_packed(Int32(m), 0, Int32(n), Int32(k), a, Int32(lda), packed, c, Int32(ldc))
  }

  /// Floats ``multiplyAdd(m:n:k:a:lda:b:ldb:transposed:packed:c:ldc:)`` packs B into.
  static func scratchCount(n: Int, k: Int) -> Int { cgemm_packed_count(Int32(n), Int32(k)) }

  /// The micro-kernel this CPU runs (`avx512f`, `avx2`, `generic`), for benchmark output.
  static var kernel: String { String(cString: cgemm_kernel_name()) }
}
