/*
 * fma_peak_loop.c - the FMA loops `rnnfx bench` measures its floors with. Built once per
 * instruction set (tools/meson.build), each build defining its two functions; fma_peak.c picks
 * what the CPU runs. Each returns a checksum so that no work can be optimised away.
 *
 * The peak loop is the tightest loop of fused multiply-adds a core can run: NACC independent
 * accumulators (enough to cover the FMA latency on both FMA pipes of current x86 cores), each
 * updated acc = acc * a + b, which converges to b / (1 - a) and so never overflows or turns
 * denormal. Work per iteration: NACC x lanes fused multiply-adds.
 *
 * The stream loop is the same but for b: each multiply-add takes it from memory, the next vector
 * of a weight buffer read in order, as a recurrent layer reads its weights once per sample. The
 * buffer is `rows` rows of one vector per accumulator (64-byte aligned), read `passes` times
 * over. With weights in [1e-4, 1], acc (from 0) stays in [0, 1000] and is never below 1e-4
 * after its first update: no overflow, no denormals. Work per pass: rows x accumulators x lanes
 * fused multiply-adds.
 */
#include <stddef.h>

#define NACC 12
/* Accumulators of the AVX-512 stream loop (fma_peak.c knows it too): 16, which its 32 registers
 * hold. With 12 (768-byte rows) a Zen 5 streamed from L2 at 130-195 GB/s, varying from run to
 * run, against a steady 185-195 with 16 (and with 4 to 10); the engine's own loop reached 174,
 * so with 12 this floor was one the engine beat by up to 20 %. */
#define NSTREAM_AVX512 16

#if defined(FMA_PEAK_AVX512)
#include <immintrin.h>

static double sum_avx512(const __m512 *acc)
{
    __m512 s = acc[0];
    for (int k = 1; k < NACC; k++) s = _mm512_add_ps(s, acc[k]);
    return (double)_mm512_reduce_add_ps(s);
}

double rnnfx_fma_loop_avx512(long iters);
double rnnfx_fma_loop_avx512(long iters)
{
    const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-4f);
    __m512 acc[NACC];
    for (int k = 0; k < NACC; k++) acc[k] = _mm512_set1_ps((float)k * 0.01f);
    for (long i = 0; i < iters; i++)
        for (int k = 0; k < NACC; k++) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
    return sum_avx512(acc);
}

double rnnfx_fma_stream_avx512(const float *w, size_t rows, long passes);
double rnnfx_fma_stream_avx512(const float *w, size_t rows, long passes)
{
    const __m512 a = _mm512_set1_ps(0.999f);
    __m512 acc[NSTREAM_AVX512];
    for (int k = 0; k < NSTREAM_AVX512; k++) acc[k] = _mm512_setzero_ps();
    for (long i = 0; i < passes; i++)
        for (const float *p = w, *end = w + rows * NSTREAM_AVX512 * 16; p < end; p += NSTREAM_AVX512 * 16)
            for (int k = 0; k < NSTREAM_AVX512; k++) {
                __m512 wk = _mm512_load_ps(p + 16 * k);
                acc[k] = _mm512_fmadd_ps(acc[k], a, wk);
            }
    for (int k = NACC; k < NSTREAM_AVX512; k++) acc[k % NACC] = _mm512_add_ps(acc[k % NACC], acc[k]);
    return sum_avx512(acc);
}

#elif defined(FMA_PEAK_AVX2)
#include <immintrin.h>

static double sum_avx2(const __m256 *acc)
{
    __m256 s = acc[0];
    for (int k = 1; k < NACC; k++) s = _mm256_add_ps(s, acc[k]);
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    double sum = 0;
    for (int l = 0; l < 8; l++) sum += lanes[l];
    return sum;
}

double rnnfx_fma_loop_avx2(long iters);
double rnnfx_fma_loop_avx2(long iters)
{
    const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-4f);
    __m256 acc[NACC];
    for (int k = 0; k < NACC; k++) acc[k] = _mm256_set1_ps((float)k * 0.01f);
    for (long i = 0; i < iters; i++)
        for (int k = 0; k < NACC; k++) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
    return sum_avx2(acc);
}

double rnnfx_fma_stream_avx2(const float *w, size_t rows, long passes);
double rnnfx_fma_stream_avx2(const float *w, size_t rows, long passes)
{
    const __m256 a = _mm256_set1_ps(0.999f);
    __m256 acc[NACC];
    for (int k = 0; k < NACC; k++) acc[k] = _mm256_setzero_ps();
    for (long i = 0; i < passes; i++)
        for (const float *p = w, *end = w + rows * NACC * 8; p < end; p += NACC * 8)
            for (int k = 0; k < NACC; k++) acc[k] = _mm256_fmadd_ps(acc[k], a, _mm256_load_ps(p + 8 * k));
    return sum_avx2(acc);
}

#else
/* Portable: plain C over NACC x 8 floats; the compiler vectorises it for the baseline ISA. Where
 * that ISA has a fused multiply-add (AArch64, ARMv7 with VFPv4) fmaf() is that one instruction,
 * vectorised (fmla): what the engine's kernel uses there (-ffp-contract=fast), so the floor is
 * measured with it. Elsewhere (the x86-64 baseline) fmaf() would be a slow library call, and a
 * multiply and an add is what the generic kernel does. There the 24 vectors of accumulators do
 * not fit in the 16 SSE registers: both loops also time the compiler's spills, and the stream
 * runs at about half the peak even from L1 (gcc 12, Zen 5) - the generic floors on x86 are
 * rough. AArch64 (32 registers) keeps them all in registers. */
#include <math.h>
#if defined(__ARM_FEATURE_FMA) || defined(__FMA__)
#define MADD(a, b, c) fmaf(a, b, c)
#else
#define MADD(a, b, c) ((a) * (b) + (c))
#endif

static double sum_generic(const float *acc)
{
    double sum = 0;
    for (int k = 0; k < NACC * 8; k++) sum += acc[k];
    return sum;
}

double rnnfx_fma_loop_generic(long iters);
double rnnfx_fma_loop_generic(long iters)
{
    float acc[NACC * 8];
    for (int k = 0; k < NACC * 8; k++) acc[k] = (float)k * 0.001f;
    for (long i = 0; i < iters; i++)
        for (int k = 0; k < NACC * 8; k++) acc[k] = MADD(acc[k], 0.999f, 1e-4f);
    return sum_generic(acc);
}

double rnnfx_fma_stream_generic(const float *w, size_t rows, long passes);
double rnnfx_fma_stream_generic(const float *w, size_t rows, long passes)
{
    float acc[NACC * 8] = {0};
    for (long i = 0; i < passes; i++)
        for (const float *p = w, *end = w + rows * NACC * 8; p < end; p += NACC * 8)
            for (int k = 0; k < NACC * 8; k++) acc[k] = MADD(acc[k], 0.999f, p[k]);
    return sum_generic(acc);
}
#endif
