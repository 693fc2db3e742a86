// GELU with the exact erf for the encoder's intermediate layer, vectorised with AVX-512F. The operations mirror
// Sources/BERT/VectorMath.swift's `gelu` and `expNormal` one for one (multiplications and additions, never fused;
// this file is compiled with -ffp-contract=off), so either path gives the same bits for every element.
#include "cgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
static inline __m512 exp_normal(__m512 x) {
  const __m512 shifter = _mm512_set1_ps(12582912.0f);
  __m512 t = _mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)), shifter);
  __m512 n = _mm512_sub_ps(t, shifter);
  __m512 r = _mm512_sub_ps(x, _mm512_mul_ps(n, _mm512_set1_ps(0.693359375f)));
  r = _mm512_add_ps(r, _mm512_mul_ps(n, _mm512_set1_ps(2.1219444e-4f)));
  __m512 r2 = _mm512_mul_ps(r, r);
  __m512 q01 = _mm512_add_ps(_mm512_mul_ps(r, _mm512_set1_ps(1.66666655e-1f)), _mm512_set1_ps(5.00000012e-1f));
  __m512 q23 = _mm512_add_ps(_mm512_mul_ps(r, _mm512_set1_ps(8.3334519e-3f)), _mm512_set1_ps(4.16657959e-2f));
  __m512 q45 = _mm512_add_ps(_mm512_mul_ps(r, _mm512_set1_ps(1.98756915e-4f)), _mm512_set1_ps(1.39819995e-3f));
  __m512 y = _mm512_add_ps(_mm512_mul_ps(q45, r2), q23);
  y = _mm512_add_ps(_mm512_mul_ps(y, r2), q01);
  y = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(y, r2), r), _mm512_set1_ps(1.0f));
  __m512i scale = _mm512_add_epi32(_mm512_slli_epi32(_mm512_castps_si512(t), 23), _mm512_set1_epi32(127 << 23));
  return _mm512_mul_ps(y, _mm512_castsi512_ps(scale));
}

__attribute__((target("avx512f")))
static inline __m512 gelu16(__m512 x) {
  __m512i bits = _mm512_castps_si512(x);
  __m512i sign = _mm512_and_si512(bits, _mm512_set1_epi32((int)0x80000000u));
  __m512 magnitude = _mm512_mul_ps(_mm512_castsi512_ps(_mm512_and_si512(bits, _mm512_set1_epi32(0x7FFFFFFF))),
                                   _mm512_set1_ps(0.70710678118654752f));
  __mmask16 big = _mm512_cmp_ps_mask(magnitude, _mm512_set1_ps(9.0f), _CMP_GT_OQ);
  __m512 a = _mm512_mask_mov_ps(magnitude, big, _mm512_set1_ps(9.0f));
  __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_mul_ps(a, _mm512_set1_ps(0.5f)), _mm512_set1_ps(1.0f)));
  __m512 t2 = _mm512_mul_ps(t, t);
  __m512 t4 = _mm512_mul_ps(t2, t2);
  __m512 q01 = _mm512_sub_ps(_mm512_mul_ps(t, _mm512_set1_ps(1.00002368f)), _mm512_set1_ps(1.26551223f));
  __m512 q23 = _mm512_add_ps(_mm512_mul_ps(t, _mm512_set1_ps(0.09678418f)), _mm512_set1_ps(0.37409196f));
  __m512 q45 = _mm512_sub_ps(_mm512_mul_ps(t, _mm512_set1_ps(0.27886807f)), _mm512_set1_ps(0.18628806f));
  __m512 q67 = _mm512_sub_ps(_mm512_mul_ps(t, _mm512_set1_ps(1.48851587f)), _mm512_set1_ps(1.13520398f));
  __m512 q89 = _mm512_sub_ps(_mm512_mul_ps(t, _mm512_set1_ps(0.17087277f)), _mm512_set1_ps(0.82215223f));
  __m512 inner = _mm512_add_ps(_mm512_mul_ps(_mm512_add_ps(_mm512_mul_ps(q67, t2), q45), t4),
                               _mm512_add_ps(_mm512_mul_ps(q23, t2), q01));
  __m512 p = _mm512_add_ps(inner, _mm512_mul_ps(q89, _mm512_mul_ps(t4, t4)));
  __m512 h = _mm512_mul_ps(_mm512_mul_ps(t, exp_normal(_mm512_sub_ps(p, _mm512_mul_ps(a, a)))), _mm512_set1_ps(0.5f));
  __m512 step = _mm512_add_ps(_mm512_castsi512_ps(_mm512_or_si512(sign, _mm512_set1_epi32(0x3F000000))), _mm512_set1_ps(0.5f));
  __m512 signed_h = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(h),
                                                        _mm512_xor_si512(sign, _mm512_set1_epi32((int)0x80000000u))));
  return _mm512_mul_ps(x, _mm512_add_ps(step, signed_h));
}

__attribute__((target("avx512f")))
static void gelu_avx512(float *values, size_t count) {
  size_t i = 0;
  for (; i + 16 <= count; i += 16) _mm512_storeu_ps(values + i, gelu16(_mm512_loadu_ps(values + i)));
  if (i < count) {
    // The tail padded with zeros into one vector, as the Swift version pads it.
    __mmask16 lanes = (__mmask16)((1u << (count - i)) - 1);
    _mm512_mask_storeu_ps(values + i, lanes, gelu16(_mm512_maskz_loadu_ps(lanes, values + i)));
  }
}
#endif

int cgemm_gelu_erf(float *values, size_t count) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    gelu_avx512(values, count);
    return 1;
  }
#endif
  (void)values;
  (void)count;
  return 0;
}
