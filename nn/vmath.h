/*
 * vmath.h - the one definition of the engine's activations, on SIMD vectors.
 *
 * Written with GCC/Clang vector extensions so that the same source compiles to SSE2, AVX2+FMA,
 * AVX-512 or NEON: kernels.c is built once per instruction set (see nn/meson.build) with
 * NN_VW = lanes per vector. Every caller of the engine - the plugin, `rnnfx process`, the
 * trainer - ends up in these functions, so they all compute the same activations. Where a
 * single instruction does the job (min, max, round, scale by 2^n) it is used through the
 * matching intrinsic; elsewhere the portable form.
 *
 * Accuracy (tests/nn/test_vmath.c checks it against double precision on a dense sweep):
 * exp has a relative error below 3e-7, sigmoid and tanh an absolute error below 5e-7; tanh(0)
 * is exactly 0 and tanh(-x) exactly -tanh(x) with every kernel.
 * No libm call per element; no branch; inputs are clamped so nothing overflows, and NaN
 * propagates (a NaN in, a NaN out: the engine's non-finite guard must see it).
 *
 * Speed matters most as latency: a recurrent network waits for each sample's activations
 * before the next sample can start. exp is therefore 2^(x log2 e) with the integer part put
 * straight into the exponent bits and the fraction by a degree-6 polynomial evaluated in
 * Estrin's scheme (three dependent steps instead of six).
 */
#ifndef RNNFX_NN_VMATH_H
#define RNNFX_NN_VMATH_H

#include <stdint.h>

#ifndef NN_VW
#error "define NN_VW (lanes per vector) before including vmath.h"
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#elif defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#endif

typedef float vf __attribute__((vector_size(NN_VW * sizeof(float))));
typedef int32_t vi __attribute__((vector_size(NN_VW * sizeof(int32_t))));

/* v_set1 (broadcast; not `(vf){0} + x`, which must add since 0 + -0 is +0), v_min, v_max,
 * v_round: one instruction each where the instruction set has one. */
static inline vf v_load(const float *p) { return *(const vf *)p; } /* p aligned to the vector */
static inline void v_store(float *p, vf v) { *(vf *)p = v; }

/* Lane-wise select: m lanes are all-ones or all-zeros (the result of a vector comparison). */
static inline vf v_select(vi m, vf a, vf b) { return (vf)(((vi)a & m) | ((vi)b & ~m)); }

/* min/max with x86 semantics: when a lane of `a` is NaN the result is `b`... so callers put
 * the value that may be NaN second to keep it: v_min(limit, x) returns x when x is NaN. */
#if NN_VW == 16 && defined(__AVX512F__)
static inline vf v_set1(float x) { return (vf)_mm512_set1_ps(x); }
static inline vf v_recip_estimate(vf d) { return (vf)_mm512_rcp14_ps((__m512)d); } /* 2^-14 */
static inline vf v_min(vf a, vf b) { return (vf)_mm512_min_ps((__m512)a, (__m512)b); }
static inline vf v_max(vf a, vf b) { return (vf)_mm512_max_ps((__m512)a, (__m512)b); }
static inline vf v_round(vf x)
{
    return (vf)_mm512_roundscale_ps((__m512)x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
#elif NN_VW == 8 && defined(__AVX__)
static inline vf v_set1(float x) { return (vf)_mm256_set1_ps(x); }
static inline vf v_recip_estimate(vf d) { return (vf)_mm256_rcp_ps((__m256)d); } /* 1.5 * 2^-12 */
static inline vf v_min(vf a, vf b) { return (vf)_mm256_min_ps((__m256)a, (__m256)b); }
static inline vf v_max(vf a, vf b) { return (vf)_mm256_max_ps((__m256)a, (__m256)b); }
static inline vf v_round(vf x) { return (vf)_mm256_round_ps((__m256)x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
#elif NN_VW == 4 && defined(__SSE2__)
static inline vf v_set1(float x) { return (vf)_mm_set1_ps(x); }
static inline vf v_recip_estimate(vf d) { return (vf)_mm_rcp_ps((__m128)d); } /* 1.5 * 2^-12 */
static inline vf v_min(vf a, vf b) { return (vf)_mm_min_ps((__m128)a, (__m128)b); }
static inline vf v_max(vf a, vf b) { return (vf)_mm_max_ps((__m128)a, (__m128)b); }
#define NN_VMATH_MAGIC_ROUND 1
#elif NN_VW == 4 && defined(__aarch64__) && defined(__ARM_NEON)
/* NEON's fmin returns NaN when either lane is NaN: the same NaN-keeping outcome. */
static inline vf v_set1(float x) { return (vf)vdupq_n_f32(x); }
static inline vf v_recip_estimate(vf d) /* 2^-8, refined once here to ~2^-16 */
{
    float32x4_t e = vrecpeq_f32((float32x4_t)d);
    return (vf)vmulq_f32(vrecpsq_f32((float32x4_t)d, e), e);
}
static inline vf v_min(vf a, vf b) { return (vf)vminq_f32((float32x4_t)a, (float32x4_t)b); }
static inline vf v_max(vf a, vf b) { return (vf)vmaxq_f32((float32x4_t)a, (float32x4_t)b); }
static inline vf v_round(vf x) { return (vf)vrndnq_f32((float32x4_t)x); }
#else
static inline vf v_set1(float x)
{
    vf r;
    for (int i = 0; i < NN_VW; i++) r[i] = x;
    return r;
}
static inline vf v_recip_estimate(vf d) { return 1.0f / d; }
/* Portable: a < b is false for NaN, so b (the possibly-NaN value, by convention) is kept. */
static inline vf v_min(vf a, vf b) { return v_select(a < b, a, b); }
static inline vf v_max(vf a, vf b) { return v_select(a > b, a, b); }
#define NN_VMATH_MAGIC_ROUND 1
#endif

#ifdef NN_VMATH_MAGIC_ROUND
/* Round to nearest for |x| < 2^22: adding 1.5 * 2^23 leaves no fraction bits. */
static inline vf v_round(vf x)
{
    const vf magic = v_set1(12582912.0f);
    return (x + magic) - magic;
}
#endif

/* 2^y for y already clamped to [-125, 126] (so the result is a normal float). */
static inline vf v_exp2_clamped(vf y)
{
    vf n = v_round(y);
    vf f = y - n; /* exact, |f| <= 0.5 */
    /* 2^f, near-minimax degree 6 on [-0.5, 0.5] (relative error 2e-9 before float rounding). */
    const float c0 = 1.000000000e+00f, c1 = 6.931471825e-01f, c2 = 2.402264625e-01f,
                c3 = 5.550328642e-02f, c4 = 9.618489072e-03f, c5 = 1.339993090e-03f,
                c6 = 1.534581243e-04f;
    vf f2 = f * f;
    vf a = f * c1 + c0, b = f * c3 + c2, c = f * c5 + c4;
    vf f4 = f2 * f2;
    vf d = f2 * c6 + c;
    vf e = f2 * b + a;
    vf p = f4 * d + e;
    /* times 2^n: add n to the exponent bits (p is in [0.7, 1.42], the result stays normal). */
    vi bits = (vi)p + (__builtin_convertvector(n, vi) << 23);
    return (vf)bits;
}

/* exp(x), clamped to the finite float range (exp(-87)..exp(87)); NaN stays NaN. */
static inline vf v_exp(vf x)
{
    vf y = x * 1.44269504088896341f;
    y = v_max(v_set1(-125.0f), v_min(v_set1(126.0f), y));
    return v_exp2_clamped(y);
}

/* 1 / d for d in [1, 2^127]: the hardware estimate and one Newton step (error squared:
 * ~1.4e-7 relative from a 12-bit estimate). Division would be as fast in latency but the
 * divider is not pipelined, and two channels, or four gates, queue behind it. */
static inline vf v_recip(vf d)
{
    vf r = v_recip_estimate(d);
    return (1.0f - d * r) * r + r;
}

/* 1 / (1 + exp(-x)) */
static inline vf v_sigmoid(vf x)
{
    vf y = x * -1.44269504088896341f;
    y = v_max(v_set1(-125.0f), v_min(v_set1(126.0f), y));
    return v_recip(1.0f + v_exp2_clamped(y));
}

/* tanh(x) = sign(x) (1 - e) / (1 + e) with e = exp(-2|x|) in (0, 1]: absolute error ~3e-7 at
 * most, limits within 2e-7 of +-1. Odd by construction, never beyond +-1, and exactly 0 at 0
 * (e is exactly 1 there) on every instruction set - which the trainer relies on: its padded
 * hidden units stay silent only while tanh(0) is 0 (the form 1 - 2 / (1 + exp(2x)) gives
 * 6e-8 there wherever 1/2 comes from a reciprocal estimate). The quotient is the reciprocal's
 * Newton step applied to q0 = (1 - e) r0: q0 + q0 (1 - d r0), where q0 and the residual are
 * computed side by side, so the chain is no longer than the reciprocal's alone. */
static inline vf v_tanh(vf x)
{
    const vi sign_bit = (vi)v_set1(-0.0f);
    vf ax = (vf)((vi)x & ~sign_bit);
    vf y = v_max(v_set1(-125.0f), ax * -2.88539008177792681f); /* -2 log2(e) |x|; NaN stays NaN */
    vf e = v_exp2_clamped(y);
    vf d = 1.0f + e;
    vf num = (vf)((vi)(1.0f - e) | ((vi)x & sign_bit)); /* 1 - e >= 0, given the sign of x */
    vf r0 = v_recip_estimate(d);
    vf q0 = num * r0;
    return (1.0f - d * r0) * q0 + q0;
}

static inline vf v_relu(vf x) { return v_max(v_set1(0.0f), x); }

/* Horizontal sum in a fixed tree order (deterministic whatever the caller): halves added
 * together until one lane is left. */
#if NN_VW >= 16
typedef float nn_v8 __attribute__((vector_size(8 * sizeof(float))));
#endif
typedef float nn_v4 __attribute__((vector_size(4 * sizeof(float))));
static inline float v_hsum(vf v)
{
#if NN_VW == 16
    nn_v8 h8 = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
               __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
#elif NN_VW == 8
    vf h8 = v;
#endif
#if NN_VW >= 8
    nn_v4 h4 = __builtin_shufflevector(h8, h8, 0, 1, 2, 3) + __builtin_shufflevector(h8, h8, 4, 5, 6, 7);
#elif NN_VW == 4
    vf h4 = v;
#else
#error "NN_VW must be 4, 8 or 16"
#endif
    nn_v4 h2 = h4 + __builtin_shufflevector(h4, h4, 2, 3, 0, 1);
    return h2[0] + h2[1];
}

#endif
