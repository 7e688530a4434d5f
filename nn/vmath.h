/*
 * vmath.h - the one definition of the engine's activations, on SIMD vectors.
 *
 * Written with GCC/Clang vector extensions so that the same source compiles to SSE2, AVX2+FMA,
 * AVX-512 or NEON: kernels.c is built once per instruction set (see nn/meson.build) with
 * NN_VW = lanes per vector. Every caller of the engine - the plugin, `rnnfx process`, the
 * trainer - ends up in these functions, so they all compute the same activations.
 *
 * Accuracy (tests/nn/test_vmath.c checks it against double precision on a dense sweep):
 * exp has a relative error of a few 1e-8, sigmoid and tanh an absolute error below 5e-7.
 * No libm call per element; no branch; inputs are clamped so nothing overflows.
 */
#ifndef RNNFX_NN_VMATH_H
#define RNNFX_NN_VMATH_H

#include <stdint.h>

#ifndef NN_VW
#error "define NN_VW (lanes per vector) before including vmath.h"
#endif

typedef float vf __attribute__((vector_size(NN_VW * sizeof(float))));
typedef int32_t vi __attribute__((vector_size(NN_VW * sizeof(int32_t))));
/* Unaligned variants, for loads from memory we do not align. */
typedef float vf_u __attribute__((vector_size(NN_VW * sizeof(float)), aligned(4)));

static inline vf v_set1(float x) { return (vf){0} + x; }
static inline vf v_load(const float *p) { return *(const vf *)p; }   /* p aligned to the vector */
static inline void v_store(float *p, vf v) { *(vf *)p = v; }

/* Lane-wise select: m lanes are all-ones or all-zeros (the result of a vector comparison). */
static inline vf v_select(vi m, vf a, vf b) { return (vf)(((vi)a & m) | ((vi)b & ~m)); }
static inline vf v_min(vf a, vf b) { return v_select(a < b, a, b); }
static inline vf v_max(vf a, vf b) { return v_select(a > b, a, b); }

/* exp(x), Cephes-style: x = n ln2 + r, |r| <= ln2/2, exp(r) by a degree-7 polynomial (Horner),
 * 2^n by building the exponent bits. Clamped to the finite float range. */
static inline vf v_exp(vf x)
{
    x = v_min(v_max(x, v_set1(-87.0f)), v_set1(88.0f));
    /* n = round(x / ln2): adding 1.5 * 2^23 rounds to nearest in the float unit. */
    const vf magic = v_set1(12582912.0f);
    vf n = (x * 1.44269504088896341f + magic) - magic;
    vf r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    vf p = v_set1(1.9875691500e-4f);
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    vi e = (__builtin_convertvector(n, vi) + 127) << 23;
    return p * (vf)e;
}

/* 1 / (1 + exp(-x)) */
static inline vf v_sigmoid(vf x) { return 1.0f / (1.0f + v_exp(-x)); }

/* tanh(x) = 1 - 2 / (1 + exp(2x)): exact limits +-1, absolute error ~1e-7 near 0. */
static inline vf v_tanh(vf x) { return 1.0f - 2.0f / (1.0f + v_exp(x + x)); }

static inline vf v_relu(vf x) { return v_max(x, v_set1(0.0f)); }

/* Horizontal sum in a fixed tree order (deterministic whatever the caller). */
static inline float v_hsum(vf v)
{
    float t[NN_VW];
    __builtin_memcpy(t, &v, sizeof t);
    for (int w = NN_VW / 2; w >= 1; w /= 2)
        for (int i = 0; i < w; i++) t[i] += t[i + w];
    return t[0];
}

#endif
