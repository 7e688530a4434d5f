/* kernel_choice.c - RNNFX_KERNEL and the command's record of who chose the kernel (see the header). */
#include "kernel_choice.h"

#include "nn.h"

#include <stdio.h>
#include <stdlib.h>

static const char *cpu_best, *forced_by;

const char *rnnfx_kernel_cpu_best(void)
{
    if (!cpu_best) {
        /* nn_kernel_best names the forced kernel while one is: ask with none forced. */
        const char *now = forced_by ? nn_kernel_best() : NULL;
        nn_kernel_force(NULL);
        cpu_best = nn_kernel_best();
        if (now) nn_kernel_force(now);
    }
    return cpu_best;
}

const char *rnnfx_kernel_forced_by(void) { return forced_by; }

int rnnfx_kernel_force_option(const char *name, const char *option)
{
    rnnfx_kernel_cpu_best(); /* before forcing */
    if (!nn_kernel_force(name)) return 0;
    forced_by = option;
    return 1;
}

int rnnfx_kernel_from_env(void)
{
    const char *name = getenv("RNNFX_KERNEL");
    if (!name || !*name) return 0;
    if (rnnfx_kernel_force_option(name, "RNNFX_KERNEL")) return 0;
    fprintf(stderr,
            "rnnfx: RNNFX_KERNEL=%s: not a kernel this CPU runs (generic, avx2+fma, avx512; "
            "this CPU's best is %s)\n",
            name, rnnfx_kernel_cpu_best());
    return -1;
}
