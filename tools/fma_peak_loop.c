/*
 * fma_peak_loop.c - the tightest loop of fused multiply-adds a core can run: NACC independent
 * accumulators (enough to cover the FMA latency on both FMA pipes of current x86 cores), each
 * updated acc = acc * a + b, which converges to b / (1 - a) and so never overflows or turns
 * denormal. Built once per instruction set (tools/meson.build), each build defining one function;
 * fma_peak.c picks what the CPU runs. Returns a checksum so that no work can be optimised away.
 * Work per iteration: NACC x lanes fused multiply-adds.
 */
#define NACC 12

#if defined(FMA_PEAK_AVX512)
#include <immintrin.h>

double rnnfx_fma_loop_avx512(long iters);
double rnnfx_fma_loop_avx512(long iters)
{
    const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-4f);
    __m512 acc[NACC];
    for (int k = 0; k < NACC; k++) acc[k] = _mm512_set1_ps((float)k * 0.01f);
    for (long i = 0; i < iters; i++)
        for (int k = 0; k < NACC; k++) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
    __m512 s = acc[0];
    for (int k = 1; k < NACC; k++) s = _mm512_add_ps(s, acc[k]);
    return (double)_mm512_reduce_add_ps(s);
}

#elif defined(FMA_PEAK_AVX2)
#include <immintrin.h>

double rnnfx_fma_loop_avx2(long iters);
double rnnfx_fma_loop_avx2(long iters)
{
    const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-4f);
    __m256 acc[NACC];
    for (int k = 0; k < NACC; k++) acc[k] = _mm256_set1_ps((float)k * 0.01f);
    for (long i = 0; i < iters; i++)
        for (int k = 0; k < NACC; k++) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
    __m256 s = acc[0];
    for (int k = 1; k < NACC; k++) s = _mm256_add_ps(s, acc[k]);
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    double sum = 0;
    for (int l = 0; l < 8; l++) sum += lanes[l];
    return sum;
}

#else
/* Portable: plain C over NACC x 8 floats; the compiler vectorises it for the baseline ISA. Where
 * that ISA has a fused multiply-add (AArch64, ARMv7 with VFPv4) fmaf() is that one instruction,
 * vectorised (fmla): what the engine's kernel uses there (-ffp-contract=fast), so the floor is
 * measured with it. Elsewhere (the x86-64 baseline) fmaf() would be a slow library call, and a
 * multiply and an add is what the generic kernel does. */
#include <math.h>
#if defined(__ARM_FEATURE_FMA) || defined(__FMA__)
#define MADD(a, b, c) fmaf(a, b, c)
#else
#define MADD(a, b, c) ((a) * (b) + (c))
#endif
double rnnfx_fma_loop_generic(long iters);
double rnnfx_fma_loop_generic(long iters)
{
    float acc[NACC * 8];
    for (int k = 0; k < NACC * 8; k++) acc[k] = (float)k * 0.001f;
    for (long i = 0; i < iters; i++)
        for (int k = 0; k < NACC * 8; k++) acc[k] = MADD(acc[k], 0.999f, 1e-4f);
    double sum = 0;
    for (int k = 0; k < NACC * 8; k++) sum += acc[k];
    return sum;
}
#endif
