/* kernel_select.c - picking the SIMD kernels this CPU can run, once. Built for any CPU: it must
 * not itself contain AVX instructions. */
#include "nn_kernels.h"

#include <stddef.h>
#include <string.h>

extern const nn_kernels nn_kernels_generic;
#if defined(__x86_64__) && defined(NN_HAVE_X86_KERNELS)
extern const nn_kernels nn_kernels_avx2;
extern const nn_kernels nn_kernels_avx512;
#endif

typedef struct {
    const nn_kernels *k;
    int (*runs_here)(void);
} candidate;

static int always(void) { return 1; }

#if defined(__x86_64__) && defined(NN_HAVE_X86_KERNELS)
static int has_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static int has_avx512(void)
{
    __builtin_cpu_init();
    return has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512dq");
}
#endif

/* Best first: AVX-512 (16 lanes, 32 registers) beats AVX2 at every size measured on Zen 5,
 * most at H 16..64 (BENCHMARKS.md). */
static const candidate candidates[] = {
#if defined(__x86_64__) && defined(NN_HAVE_X86_KERNELS)
    {&nn_kernels_avx512, has_avx512},
    {&nn_kernels_avx2, has_avx2},
#endif
    {&nn_kernels_generic, always},
};

static const nn_kernels *forced;

const nn_kernels *nn_kernels_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
        if (strcmp(candidates[i].k->name, name) == 0) return candidates[i].runs_here() ? candidates[i].k : NULL;
    return NULL;
}

const nn_kernels *nn_kernels_select(void)
{
    if (forced) return forced;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
        if (candidates[i].runs_here()) return candidates[i].k;
    return &nn_kernels_generic;
}

const char *nn_kernel_best(void) { return nn_kernels_select()->name; }

int nn_kernel_force(const char *name)
{
    if (!name) {
        forced = NULL;
        return 1;
    }
    const nn_kernels *k = nn_kernels_by_name(name);
    if (!k) return 0;
    forced = k;
    return 1;
}
