/* fma_peak.c - timing the FMA loops of fma_peak_loop.c and choosing the one the CPU runs. This
 * file is built for any x86-64 and must not itself contain AVX instructions. */
#include "fma_peak.h"
#include "clock.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NACC 12           /* as in fma_peak_loop.c */
#define NSTREAM_AVX512 16 /* as in fma_peak_loop.c */

double rnnfx_fma_loop_generic(long iters);
double rnnfx_fma_stream_generic(const float *w, size_t rows, long passes);
#if defined(FMA_PEAK_HAVE_X86)
double rnnfx_fma_loop_avx2(long iters);
double rnnfx_fma_stream_avx2(const float *w, size_t rows, long passes);
double rnnfx_fma_loop_avx512(long iters);
double rnnfx_fma_stream_avx512(const float *w, size_t rows, long passes);
#endif

typedef struct loop {
    const char *isa;
    double (*peak)(long iters);
    double (*stream)(const float *w, size_t rows, long passes);
    int lanes, stream_accs; /* stream_accs: vectors in a row of the stream loop's buffer */
    int (*runs_here)(void);
} loop;

static int always(void) { return 1; }
#if defined(FMA_PEAK_HAVE_X86)
static int has_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static int has_avx512(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && has_avx2();
}
#endif

static const loop loops[] = {
#if defined(FMA_PEAK_HAVE_X86)
    {"avx512", rnnfx_fma_loop_avx512, rnnfx_fma_stream_avx512, 16, NSTREAM_AVX512, has_avx512},
    {"avx2+fma", rnnfx_fma_loop_avx2, rnnfx_fma_stream_avx2, 8, NACC, has_avx2},
#endif
    {"generic", rnnfx_fma_loop_generic, rnnfx_fma_stream_generic, 8, NACC, always},
};

const char *rnnfx_fma_isa_for_kernel(const char *kernel)
{
    for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++)
        if (kernel && !strcmp(kernel, loops[i].isa)) return loops[i].isa;
    return "generic";
}

/* The loop of `isa` if this CPU runs it, else NULL. */
static const loop *loop_here(const char *isa)
{
    for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++)
        if (isa && !strcmp(isa, loops[i].isa)) return loops[i].runs_here() ? &loops[i] : NULL;
    return NULL;
}

static volatile double sink; /* the checksums go here, so that the loops must run */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One of the loops with its arguments but the iteration count. */
typedef struct timed {
    const loop *l;
    const float *w; /* stream only */
    size_t rows;
} timed;

static double run_once(const timed *t, long iters)
{
    double t0 = rnnfx_cpu_now();
    sink = t->w ? t->l->stream(t->w, t->rows, iters) : t->l->peak(iters);
    return rnnfx_cpu_now() - t0;
}

/* Enough iterations of `t` for a run of ~20 ms, starting from `start`: long enough for the clock
 * to ramp up too. */
static long calibrate(const timed *t, long start)
{
    long n = start > 0 ? start : 1;
    while (run_once(t, n) <= 0.02 && n <= LONG_MAX / 4) n *= 2; /* long: 32 bits on ARMv7 */
    return n;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return v[n / 2];
}

static int clamp_runs(int runs) { return runs < 1 ? 1 : runs > 31 ? 31 : runs; }

double rnnfx_fma_peak_gflops(const char *isa, int runs)
{
    const loop *l = loop_here(isa);
    if (!l) return 0;
    timed t = {l, NULL, 0};
    long iters = calibrate(&t, 1 << 14);
    runs = clamp_runs(runs);
    double s[31];
    for (int r = 0; r < runs; r++) s[r] = run_once(&t, iters);
    double flops = 2.0 * (double)iters * NACC * l->lanes;
    return flops / median(s, runs) * 1e-9;
}

double rnnfx_fma_stream_of_peak(const char *isa, size_t bytes, int runs)
{
    const loop *l = loop_here(isa);
    if (!l) return 0;
    size_t row = (size_t)l->stream_accs * (size_t)l->lanes * sizeof(float); /* a multiple of 64 */
    if (bytes > SIZE_MAX - row) return 0;
    size_t rows = bytes / row + (bytes % row != 0) + (bytes == 0);
    float *w = aligned_alloc(64, rows * row);
    if (!w) return 0;
    size_t n = rows * row / sizeof *w;
    for (size_t i = 0; i < n; i++) w[i] = 1e-4f * (float)(1 + i % 7); /* in [1e-4, 1]: see the loop */
    timed peak = {l, NULL, 0}, stream = {l, w, rows};
    long iters = calibrate(&peak, 1 << 14);
    long passes = calibrate(&stream, (long)((1 << 14) / rows) + 1); /* from as many FMAs as the peak */
    /* The two loops timed in alternation, in the order peak, stream, stream, peak, peak, ..., and
     * the fastest run of each kept. A slow spell of a shared machine only ever slows a run, so the
     * fastest is the least disturbed. The order matters: the machine this was written on steals
     * ~7 % of every other 20 ms run, and with peak and stream strictly alternating one loop alone
     * would pay it every time (the ratio was off by up to 10 %). */
    runs = clamp_runs(runs);
    double tp = 1e30, ts = 1e30;
    for (int r = 0; r < 2 * runs; r++) {
        int is_peak = (r % 4 == 0 || r % 4 == 3);
        double t = run_once(is_peak ? &peak : &stream, is_peak ? iters : passes);
        if (is_peak && t < tp) tp = t;
        if (!is_peak && t < ts) ts = t;
    }
    double fmas_peak = (double)iters * NACC, fmas_stream = (double)passes * (double)rows * l->stream_accs;
    free(w);
    return (fmas_stream / ts) / (fmas_peak / tp);
}
