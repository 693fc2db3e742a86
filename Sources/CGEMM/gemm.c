// Packed-weight SGEMM micro-kernels with run-time dispatch: AVX-512F (12 × 32 tiles, 24 accumulators), AVX2 + FMA
// (3 × 32 tiles) and plain C. The weight is packed once (cgemm.h); each call packs its rows of A into a k × MR
// strip per tile so the kernel reads A and W sequentially. Each C element is accumulated in k order onto the
// bias already in C, as one FMA chain.
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

/// A's rows [0, rows) as k × mr floats (zero rows past `rows`).
static void pack_a(const float *a, int lda, int rows, int k, int mr, float *ap) {
  for (int kk = 0; kk < k; kk++) {
    float *dst = ap + (size_t)kk * mr;
    int i = 0;
    for (; i < rows; i++) dst[i] = a[(size_t)i * lda + kk];
    for (; i < mr; i++) dst[i] = 0;
  }
}

typedef void (*kernel_fn)(int k, const float *ap, const float *bp, float *c, int ldc);

// ------------------------------------------------------------------------------------------ AVX-512F, 12 × 32

#if defined(__x86_64__)
#define MR512 12
__attribute__((target("avx512f")))
static void kernel_avx512(int k, const float *ap, const float *bp, float *c, int ldc) {
  __m512 c0[MR512], c1[MR512];
  for (int i = 0; i < MR512; i++) {
    c0[i] = _mm512_loadu_ps(c + (size_t)i * ldc);
    c1[i] = _mm512_loadu_ps(c + (size_t)i * ldc + 16);
  }
  for (int kk = 0; kk < k; kk++) {
    __m512 b0 = _mm512_loadu_ps(bp + (size_t)kk * NR), b1 = _mm512_loadu_ps(bp + (size_t)kk * NR + 16);
    const float *a = ap + (size_t)kk * MR512;
#pragma GCC unroll 12
    for (int i = 0; i < MR512; i++) {
      __m512 x = _mm512_set1_ps(a[i]);
      c0[i] = _mm512_fmadd_ps(x, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(x, b1, c1[i]);
    }
  }
  for (int i = 0; i < MR512; i++) {
    _mm512_storeu_ps(c + (size_t)i * ldc, c0[i]);
    _mm512_storeu_ps(c + (size_t)i * ldc + 16, c1[i]);
  }
}

// -------------------------------------------------------------------------------------------- AVX2 + FMA, 3 × 32

#define MR256 3
__attribute__((target("avx2,fma")))
static void kernel_avx2(int k, const float *ap, const float *bp, float *c, int ldc) {
  __m256 acc[MR256][4];
  for (int i = 0; i < MR256; i++)
    for (int j = 0; j < 4; j++) acc[i][j] = _mm256_loadu_ps(c + (size_t)i * ldc + 8 * j);
  for (int kk = 0; kk < k; kk++) {
    const float *b = bp + (size_t)kk * NR;
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), b2 = _mm256_loadu_ps(b + 16), b3 = _mm256_loadu_ps(b + 24);
    const float *a = ap + (size_t)kk * MR256;
    for (int i = 0; i < MR256; i++) {
      __m256 x = _mm256_broadcast_ss(a + i);
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
static void kernel_generic(int k, const float *ap, const float *bp, float *c, int ldc) {
  for (int i = 0; i < MRGEN; i++) {
    float acc[NR];
    for (int j = 0; j < NR; j++) acc[j] = c[(size_t)i * ldc + j];
    for (int kk = 0; kk < k; kk++) {
      float x = ap[(size_t)kk * MRGEN + i];
      const float *b = bp + (size_t)kk * NR;
      for (int j = 0; j < NR; j++) acc[j] = __builtin_fmaf(x, b[j], acc[j]);
    }
    for (int j = 0; j < NR; j++) c[(size_t)i * ldc + j] = acc[j];
  }
}

// ------------------------------------------------------------------------------------------------------ dispatch

static kernel_fn selected_kernel;
static int selected_mr;
static const char *selected_name;
static pthread_once_t selection = PTHREAD_ONCE_INIT;

static void select_kernel(void) {
  selected_kernel = kernel_generic;
  selected_mr = MRGEN;
  selected_name = "generic";
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    selected_kernel = kernel_avx512;
    selected_mr = MR512;
    selected_name = "avx512f";
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    selected_kernel = kernel_avx2;
    selected_mr = MR256;
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
  const kernel_fn kernel = selected_kernel;
  const int mr = selected_mr;
  // The largest MR is 12: an A strip of k × 12 floats, and one C tile for partial tiles.
  float *ap = malloc(sizeof(float) * (size_t)k * mr);
  if (!ap) abort();
  float tile[12 * NR];
  const float *panels = packed + (size_t)(n0 / NR) * NR * (size_t)k;
  for (int i0 = 0; i0 < m; i0 += mr) {
    int rows = m - i0 < mr ? m - i0 : mr;
    pack_a(a + (size_t)i0 * lda, lda, rows, k, mr, ap);
    for (int j0 = 0; j0 < n1 - n0; j0 += NR) {
      int cols = n1 - n0 - j0 < NR ? n1 - n0 - j0 : NR;
      const float *bp = panels + (size_t)(j0 / NR) * NR * (size_t)k;
      float *ct = c + (size_t)i0 * ldc + j0;
      if (rows == mr && cols == NR) {
        kernel(k, ap, bp, ct, ldc);
      } else {
        memset(tile, 0, sizeof(tile));
        for (int i = 0; i < rows; i++) memcpy(tile + i * NR, ct + (size_t)i * ldc, sizeof(float) * cols);
        kernel(k, ap, bp, tile, NR);
        for (int i = 0; i < rows; i++) memcpy(ct + (size_t)i * ldc, tile + i * NR, sizeof(float) * cols);
      }
    }
  }
  free(ap);
}
