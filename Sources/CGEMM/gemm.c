// Packed-weight SGEMM micro-kernels with run-time dispatch: AVX-512F (12 × 32 tiles, 24 accumulators), AVX2 + FMA
// (3 × 32 tiles) and plain C. The weight is packed once (cgemm.h); A is read in place, each of a tile's rows as
// its own sequential stream (measured as fast as packing A, which cost ~10 % of a pass when every column block
// repacked it). Each C element is accumulated in k order onto the bias already in C, as one FMA chain.
#include "cgemm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define NR 32

size_t cgemm_packed_count(int n, int k) { return (size_t)((n + NR - 1) / NR) * NR * (size_t)k; }

void cgemm_pack_rows(const float *w, int first, int rows, int k, float *packed) {
  for (int r = 0; r < rows; r++) {
    int n = first + r;
    float *panel = packed + (size_t)(n / NR) * NR * (size_t)k;
    int lane = n % NR;
    const float *row = w + (size_t)r * k;
    for (int kk = 0; kk < k; kk++) panel[(size_t)kk * NR + lane] = row[kk];
  }
}

void cgemm_pack_strided(const float *w, int ldw, int n, int k, float *packed) {
  memset(packed, 0, sizeof(float) * cgemm_packed_count(n, k));
  for (int r = 0; r < n; r++) {
    float *panel = packed + (size_t)(r / NR) * NR * (size_t)k;
    int lane = r % NR;
    const float *row = w + (size_t)r * ldw;
    for (int kk = 0; kk < k; kk++) panel[(size_t)kk * NR + lane] = row[kk];
  }
}

void cgemm_pack_transposed(const float *b, int ldb, int k, int n, float *packed) {
  int panels = (n + NR - 1) / NR;
  for (int p = 0; p < panels; p++) {
    int cols = n - p * NR < NR ? n - p * NR : NR;
    float *panel = packed + (size_t)p * NR * (size_t)k;
    for (int kk = 0; kk < k; kk++) {
      memcpy(panel + (size_t)kk * NR, b + (size_t)kk * ldb + p * NR, sizeof(float) * cols);
      if (cols < NR) memset(panel + (size_t)kk * NR + cols, 0, sizeof(float) * (NR - cols));
    }
  }
}

/// A's rows [0, rows) copied into an mr-row block (zero rows past `rows`), for the last, partial row tile.
static void pad_rows(const float *a, int lda, int rows, int k, int mr, float *padded) {
  for (int i = 0; i < mr; i++) {
    if (i < rows) memcpy(padded + (size_t)i * k, a + (size_t)i * lda, sizeof(float) * k);
    else memset(padded + (size_t)i * k, 0, sizeof(float) * k);
  }
}

typedef void (*kernel_fn)(int k, const float *a, int lda, const float *bp, float *c, int ldc);

// ------------------------------------------------------------------------------------------ AVX-512F, 12 × 32

#if defined(__x86_64__)
// One kernel per tile height: 12 rows (24 accumulators) for the bulk, 8 and 4 for the last rows of a block, so a
// block of 128 rows runs 10 × 12 + 8 with no padded rows.
#define AVX512_KERNEL(MR)                                                                                           \
  __attribute__((target("avx512f")))                                                                                \
  static void kernel_avx512_##MR(int k, const float *a, int lda, const float *bp, float *c, int ldc) {              \
    __m512 c0[MR], c1[MR];                                                                                          \
    for (int i = 0; i < MR; i++) {                                                                                  \
      c0[i] = _mm512_loadu_ps(c + (size_t)i * ldc);                                                                 \
      c1[i] = _mm512_loadu_ps(c + (size_t)i * ldc + 16);                                                            \
    }                                                                                                               \
    for (int kk = 0; kk < k; kk++) {                                                                                \
      __m512 b0 = _mm512_loadu_ps(bp + (size_t)kk * NR), b1 = _mm512_loadu_ps(bp + (size_t)kk * NR + 16);          \
      _Pragma("GCC unroll 12") for (int i = 0; i < MR; i++) {                                                       \
        __m512 x = _mm512_set1_ps(a[(size_t)i * lda + kk]);                                                         \
        c0[i] = _mm512_fmadd_ps(x, b0, c0[i]);                                                                      \
        c1[i] = _mm512_fmadd_ps(x, b1, c1[i]);                                                                      \
      }                                                                                                             \
    }                                                                                                               \
    for (int i = 0; i < MR; i++) {                                                                                  \
      _mm512_storeu_ps(c + (size_t)i * ldc, c0[i]);                                                                 \
      _mm512_storeu_ps(c + (size_t)i * ldc + 16, c1[i]);                                                            \
    }                                                                                                               \
  }
AVX512_KERNEL(12)
AVX512_KERNEL(8)
AVX512_KERNEL(4)

// -------------------------------------------------------------------------------------------- AVX2 + FMA, 3 × 32

#define MR256 3
__attribute__((target("avx2,fma")))
static void kernel_avx2(int k, const float *a, int lda, const float *bp, float *c, int ldc) {
  __m256 acc[MR256][4];
  for (int i = 0; i < MR256; i++)
    for (int j = 0; j < 4; j++) acc[i][j] = _mm256_loadu_ps(c + (size_t)i * ldc + 8 * j);
  for (int kk = 0; kk < k; kk++) {
    const float *b = bp + (size_t)kk * NR;
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), b2 = _mm256_loadu_ps(b + 16), b3 = _mm256_loadu_ps(b + 24);
    for (int i = 0; i < MR256; i++) {
      __m256 x = _mm256_broadcast_ss(a + (size_t)i * lda + kk);
      acc[i][0] = _mm256_fmadd_ps(x, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(x, b1, acc[i][1]);
      acc[i][2] = _mm256_fmadd_ps(x, b2, acc[i][2]);
      acc[i][3] = _mm256_fmadd_ps(x, b3, acc[i][3]);
    }
  }
  for (int i = 0; i < MR256; i++)
    for (int j = 0; j < 4; j++) _mm256_storeu_ps(c + (size_t)i * ldc + 8 * j, acc[i][j]);
}
#endif

// ------------------------------------------------------------------------------------------------ plain C, 4 × 32

#define MRGEN 4
static void kernel_generic(int k, const float *a, int lda, const float *bp, float *c, int ldc) {
  for (int i = 0; i < MRGEN; i++) {
    float acc[NR];
    for (int j = 0; j < NR; j++) acc[j] = c[(size_t)i * ldc + j];
    for (int kk = 0; kk < k; kk++) {
      float x = a[(size_t)i * lda + kk];
      const float *b = bp + (size_t)kk * NR;
      for (int j = 0; j < NR; j++) acc[j] = __builtin_fmaf(x, b[j], acc[j]);
    }
    for (int j = 0; j < NR; j++) c[(size_t)i * ldc + j] = acc[j];
  }
}

// ------------------------------------------------------------------------------------------------------ dispatch

/// The selected ISA's kernels, tallest first.
static kernel_fn selected_kernels[3];
static int selected_heights[3];
static int selected_count;
static const char *selected_name;
static pthread_once_t selection = PTHREAD_ONCE_INIT;

static void select_kernel(void) {
  selected_kernels[0] = kernel_generic;
  selected_heights[0] = MRGEN;
  selected_count = 1;
  selected_name = "generic";
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    selected_kernels[0] = kernel_avx512_12;
    selected_kernels[1] = kernel_avx512_8;
    selected_kernels[2] = kernel_avx512_4;
    selected_heights[0] = 12;
    selected_heights[1] = 8;
    selected_heights[2] = 4;
    selected_count = 3;
    selected_name = "avx512f";
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    selected_kernels[0] = kernel_avx2;
    selected_heights[0] = MR256;
    selected_name = "avx2";
  }
#endif
}

const char *cgemm_kernel_name(void) {
  pthread_once(&selection, select_kernel);
  return selected_name;
}

void cgemm_packed(int m, int n0, int n1, int k, const float *a, int lda, const float *packed, float *c, int ldc) {
  pthread_once(&selection, select_kernel);
  if (m <= 0 || n1 <= n0 || k <= 0) return;
  // The tallest kernel is 12 rows: one C tile for partial column tiles, and a padded copy of the last rows when m is not a
  // multiple of MR.
  float tile[12 * NR];
  float *padded = NULL;
  const float *panels = packed + (size_t)(n0 / NR) * NR * (size_t)k;
  for (int i0 = 0; i0 < m;) {
    // The tallest kernel while a full tile remains; past it, the tallest one the remaining rows fill, else the
    // shortest (on rows padded with zeros).
    kernel_fn kernel = selected_kernels[0];
    int mr = selected_heights[0];
    for (int v = 1; v < selected_count && m - i0 < mr; v++) {
      kernel = selected_kernels[v];
      mr = selected_heights[v];
      if (mr <= m - i0) break;
    }
    int rows = m - i0 < mr ? m - i0 : mr;
    const float *at = a + (size_t)i0 * lda;
    int ldt = lda;
    if (rows < mr) {
      padded = malloc(sizeof(float) * (size_t)k * mr);
      if (!padded) abort();
      pad_rows(at, lda, rows, k, mr, padded);
      at = padded;
      ldt = k;
    }
    for (int j0 = 0; j0 < n1 - n0; j0 += NR) {
      int cols = n1 - n0 - j0 < NR ? n1 - n0 - j0 : NR;
      const float *bp = panels + (size_t)(j0 / NR) * NR * (size_t)k;
      float *ct = c + (size_t)i0 * ldc + j0;
      if (rows == mr && cols == NR) {
        kernel(k, at, ldt, bp, ct, ldc);
      } else {
        memset(tile, 0, sizeof(tile));
        for (int i = 0; i < rows; i++) memcpy(tile + i * NR, ct + (size_t)i * ldc, sizeof(float) * cols);
        kernel(k, at, ldt, bp, tile, NR);
        for (int i = 0; i < rows; i++) memcpy(ct + (size_t)i * ldc, tile + i * NR, sizeof(float) * cols);
      }
    }
    i0 += rows;
    free(padded);
    padded = NULL;
  }
}
