/*
 * vmath.h - the one definition of the engine's activations, on SIMD vectors.
 *
 * Written with GCC/Clang vector extensions so that the same source compiles to SSE2, AVX2+FMA,
 * AVX-512 or NEON: kernels.c is built once per instruction set (see nn/meson.build) with
 * NN_VW = lanes per vector. Every caller of the engine - the plugin, `rnnfx process`, the
 * trainer - ends up in these functions, so they all compute the same activations. Where a
 * single instruction does the job (broadcast, min, max) it is used through the matching
 * intrinsic; elsewhere the portable form.
 *
 * Accuracy (tests/nn/test_vmath.c checks it against double precision on a dense sweep):
 * sigmoid and tanh have an absolute error below 5e-7. No libm call per element; no branch;
 * inputs are clamped so nothing overflows, and NaN propagates (a NaN in, a NaN out: the
 * engine's non-finite guard must see it).
 *
 * Speed matters most as latency: a recurrent network waits for each sample's activations
 * before the next sample can start (see v_tanh for how that shaped them).
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

/* v_set1 (broadcast; not `(vf){0} + x`, which must add since 0 + -0 is +0), v_min, v_max: one
 * instruction each where the instruction set has one. */
static inline vf v_load(const float *p) { return *(const vf *)p; } /* p aligned to the vector */
static inline void v_store(float *p, vf v) { *(vf *)p = v; }

/* Lane-wise select: m lanes are all-ones or all-zeros (the result of a vector comparison). */
static inline vf v_select(vi m, vf a, vf b) { return (vf)(((vi)a & m) | ((vi)b & ~m)); }

/* min/max with x86 semantics: when a lane of `a` is NaN the result is `b`... so callers put
 * the value that may be NaN second to keep it: v_min(limit, x) returns x when x is NaN. */
#if NN_VW == 16 && defined(__AVX512F__)
static inline vf v_set1(float x) { return (vf)_mm512_set1_ps(x); }
static inline vf v_min(vf a, vf b) { return (vf)_mm512_min_ps((__m512)a, (__m512)b); }
static inline vf v_max(vf a, vf b) { return (vf)_mm512_max_ps((__m512)a, (__m512)b); }
#elif NN_VW == 8 && defined(__AVX__)
static inline vf v_set1(float x) { return (vf)_mm256_set1_ps(x); }
static inline vf v_min(vf a, vf b) { return (vf)_mm256_min_ps((__m256)a, (__m256)b); }
static inline vf v_max(vf a, vf b) { return (vf)_mm256_max_ps((__m256)a, (__m256)b); }
#elif NN_VW == 4 && defined(__SSE2__)
static inline vf v_set1(float x) { return (vf)_mm_set1_ps(x); }
static inline vf v_min(vf a, vf b) { return (vf)_mm_min_ps((__m128)a, (__m128)b); }
static inline vf v_max(vf a, vf b) { return (vf)_mm_max_ps((__m128)a, (__m128)b); }
#elif NN_VW == 4 && defined(__aarch64__) && defined(__ARM_NEON)
/* NEON's fmin returns NaN when either lane is NaN: the same NaN-keeping outcome. */
static inline vf v_set1(float x) { return (vf)vdupq_n_f32(x); }
static inline vf v_min(vf a, vf b) { return (vf)vminq_f32((float32x4_t)a, (float32x4_t)b); }
static inline vf v_max(vf a, vf b) { return (vf)vmaxq_f32((float32x4_t)a, (float32x4_t)b); }
#else
static inline vf v_set1(float x)
{
    vf r;
    for (int i = 0; i < NN_VW; i++) r[i] = x;
    return r;
}
/* Portable: a < b is false for NaN, so b (the possibly-NaN value, by convention) is kept. */
static inline vf v_min(vf a, vf b) { return v_select(a < b, a, b); }
static inline vf v_max(vf a, vf b) { return v_select(a > b, a, b); }
#endif

/*
 * tanh and sigmoid as one odd rational function, x P(x^2) / Q(x^2) with P and Q of degree 4 in
 * x^2 (near-minimax on [0, 9]: absolute error 2e-8 before float rounding), for |x| clamped to
 * 9 (tanh(9) is within 3e-8 of 1). Why not 1 - 2 / (1 + exp(2x)): exp needs a rounding, an
 * integer step into the exponent bits and a polynomial, then a reciprocal - about 40 cycles of
 * latency, twice per sample on a recurrent network's critical path. Here the chain is x^2 (its
 * clamp is one min), P and Q side by side in Estrin's scheme (three dependent steps), one
 * division: ~27 cycles on Zen. x itself is not clamped: past lim the quotient is
 * (x / lim) tanh(lim), beyond the bound, and the final clamp returns +-bound; both terms of the
 * numerator have x's sign (all p_k > 0), so even one that overflows ends at +-bound, never NaN. A true division, not an estimate
 * and a Newton step: it is shorter in latency on current x86 and ARM, pipelined enough for the
 * four gates of a block, and correctly rounded.
 *
 * Exact properties on every kernel (the trainer relies on the first: padded hidden units stay
 * silent only while tanh(0) is 0): tanh(+-0) = +-0, tanh(-x) = -tanh(x), sigmoid(0) = 0.5;
 * |tanh| <= 1 and 0 <= sigmoid <= 1; NaN in, NaN out (v_min/v_max keep the NaN in their second
 * operand, x * x too).
 *
 * sigmoid(x) = 0.5 + 0.5 tanh(x / 2), with the halving folded into its own coefficients
 * (p_k / 4^(k+1), q_k / 4^k), so that it costs one addition more than tanh.
 */
static inline __attribute__((always_inline)) vf v_odd_rational(vf x, float lim, float bound, const float p[5],
                                                               const float q[5])
{
    vf t = v_min(v_set1(lim * lim), x * x);
    vf t2 = t * t;
    vf pa = t * p[1] + p[0], pb = t2 * p[4] + (t * p[3] + p[2]);
    vf qa = t * q[1] + q[0], qb = t2 * q[4] + (t * q[3] + q[2]);
    vf num = (x * t2) * pb + x * pa; /* x P(t): x enters beside the polynomial, not after */
    vf den = t2 * qb + qa;
    /* The quotient may round one or two ulps past the function's range near saturation;
     * clamped to +-bound so that the range holds exactly (costs two cycles more). */
    return v_max(v_set1(-bound), v_min(v_set1(bound), num / den));
}

/* The coefficients at file scope, not as static locals: clang's function-effect analysis (NN_RT)
 * does not infer a function with a static local variable nonblocking. */
static const float nn_tanh_p[5] = {9.999999064e-01f, 1.337319182e-01f, 3.486574920e-03f, 2.047171580e-05f,
                                   1.318406473e-08f};
static const float nn_tanh_q[5] = {1.0f, 4.670648869e-01f, 2.584195266e-02f, 3.271373985e-04f, 7.702598402e-07f};
static const float nn_sigmoid_p[5] = {2.499999766e-01f, 8.358244889e-03f, 5.447773312e-05f, 7.996763985e-08f,
                                      1.287506321e-11f};
static const float nn_sigmoid_q[5] = {1.0f, 1.167662217e-01f, 1.615122041e-03f, 5.111521851e-06f, 3.008827501e-09f};

static inline vf v_tanh(vf x) { return v_odd_rational(x, 9.0f, 1.0f, nn_tanh_p, nn_tanh_q); }

static inline vf v_sigmoid(vf x) { return v_odd_rational(x, 18.0f, 0.5f, nn_sigmoid_p, nn_sigmoid_q) + 0.5f; }

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
