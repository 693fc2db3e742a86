#ifndef CGEMM_H
#define CGEMM_H

#include <stddef.h>

/// Single-precision GEMM against a weight matrix packed once at load, for the encoder's Linear layers. Swift
/// cannot reach the AVX-512 intrinsics (they need per-function target attributes), so the micro-kernels live
/// here; Sources/BERT/PackedGEMM.swift is their only caller.
///
/// Layout: a torch Linear weight W is [n, k] row-major (out × in). Packed, it is ceil(n/32) panels of 32 columns,
/// each k × 32 contiguous floats (panel p, row kk, lane j holds W[32p + j][kk]; lanes past n hold 0).

/// Floats needed to pack an [n, k] weight.
size_t cgemm_packed_count(int n, int k);

/// Packs `rows` consecutive rows of W starting at row `first` (a multiple of 32) into `packed`; `w` points at
/// row `first` with row stride `k`. Packing a whole matrix is one call with first = 0, rows = n.
void cgemm_pack_rows(const float *w, int first, int rows, int k, float *packed);

/// Packs an [n, k] matrix whose rows are `ldw` floats apart (a head's slice of K in attention).
void cgemm_pack_strided(const float *w, int ldw, int n, int k, float *packed);

/// Packs the transpose of a [k, n] matrix B whose rows are `ldb` floats apart, i.e. W = Bᵀ [n, k], so that
/// cgemm_packed computes A·B (attention's probabilities times a head's slice of V).
void cgemm_pack_transposed(const float *b, int ldb, int k, int n, float *packed);

/// C[i][j] += Σ_kk A[i][kk] · W[n0 + j][kk] for i < m, j < n1 − n0: the columns n0 ..< n1 of A·Wᵀ added onto C
/// (which holds the bias), rows of A `lda` apart and rows of C `ldc` apart, C pointing at column n0 of row 0.
/// n0 must be a multiple of 32; n1 ≤ the packed matrix's n.
void cgemm_packed(int m, int n0, int n1, int k, const float *a, int lda, const float *packed, float *c, int ldc);

/// GELU with the exact erf, in place on `count` floats, with AVX-512F: the same operations in the same order as
/// the encoder's Swift `VectorMath.gelu` (Numerical Recipes' erfcc, Cephes' exp), so the same bits. Returns 0 and
/// does nothing when the CPU lacks AVX-512F (the caller then runs the Swift version).
int cgemm_gelu_erf(float *values, size_t count);

/// The kernel this CPU runs: "avx512f", "avx2" or "generic".
const char *cgemm_kernel_name(void);

#endif
