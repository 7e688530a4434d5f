/*
 * kernel_choice.h - which SIMD kernel the `rnnfx` command runs. The engine picks the best one
 * for the CPU; RNNFX_KERNEL=NAME in the environment ("generic", "avx2+fma", "avx512") makes
 * every subcommand use that one instead - to compare kernels, to reproduce on an AVX-512
 * machine what an AVX2-only CPU computes, or for benchmarks. The plugin ignores it (the engine
 * library never reads the environment).
 */
#ifndef RNNFX_TOOLS_KERNEL_CHOICE_H
#define RNNFX_TOOLS_KERNEL_CHOICE_H

/* Applies RNNFX_KERNEL when set (and not empty). Returns 0, or -1 after printing one line on
 * stderr when this CPU cannot run the kernel named (or there is no such kernel). Call once,
 * before any model is built. */
int rnnfx_kernel_from_env(void);

/* The kernel this CPU would get with nothing forced (by RNNFX_KERNEL or `bench --kernel`). */
const char *rnnfx_kernel_cpu_best(void);

/* What forced the kernel now in use: "RNNFX_KERNEL", "--kernel" (after rnnfx_kernel_forced_by
 * was told so), or NULL when the engine chose it. */
const char *rnnfx_kernel_forced_by(void);
/* Forces `name` on behalf of a command-line option `option`; returns 0 if unavailable. */
int rnnfx_kernel_force_option(const char *name, const char *option);

#endif
