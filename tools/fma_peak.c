/* fma_peak.c - timing the FMA loops of fma_peak_loop.c and choosing the one the CPU runs. This
 * file is built for any x86-64 and must not itself contain AVX instructions. */
#include "fma_peak.h"
#include "clock.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define NACC 12 /* as in fma_peak_loop.c */

double rnnfx_fma_loop_generic(long iters);
#if defined(FMA_PEAK_HAVE_X86)
double rnnfx_fma_loop_avx2(long iters);
double rnnfx_fma_loop_avx512(long iters);
#endif

typedef struct loop {
    const char *isa;
    double (*run)(long iters);
    int lanes;
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
    {"avx512", rnnfx_fma_loop_avx512, 16, has_avx512},
    {"avx2+fma", rnnfx_fma_loop_avx2, 8, has_avx2},
#endif
    {"generic", rnnfx_fma_loop_generic, 8, always},
};

const char *rnnfx_fma_isa_for_kernel(const char *kernel)
{
    for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++)
        if (kernel && !strcmp(kernel, loops[i].isa)) return loops[i].isa;
    return "generic";
}

static volatile double sink; /* the checksums go here, so that the loops must run */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double rnnfx_fma_peak_gflops(const char *isa, int runs)
{
    const loop *l = NULL;
    for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++)
        if (!strcmp(isa, loops[i].isa)) l = &loops[i];
    if (!l || !l->runs_here()) return 0;
    if (runs < 1) runs = 1;
    if (runs > 31) runs = 31;
    /* Calibrate: enough iterations for ~20 ms, long enough for the clock to ramp up too. */
    long iters = 1 << 14;
    for (;;) {
        double t0 = rnnfx_cpu_now();
        sink = l->run(iters);
        if (rnnfx_cpu_now() - t0 > 0.02 || iters > LONG_MAX / 4) break; /* long: 32 bits on ARMv7 */
        iters *= 2;
    }
    double t[31];
    for (int r = 0; r < runs; r++) {
        double t0 = rnnfx_cpu_now();
        sink = l->run(iters);
        t[r] = rnnfx_cpu_now() - t0;
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp_double);
    double flops = 2.0 * (double)iters * NACC * l->lanes;
    return flops / t[runs / 2] * 1e-9;
}
