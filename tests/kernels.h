/*
 * kernels.h - run a test's body once per SIMD kernel. The engine picks the best kernel for the
 * CPU it runs on, so a test that only ever used that one would, on an AVX-512 machine, never see
 * what an AVX2-only CPU or an ARM board computes. Each kernel this CPU can run is forced in turn
 * (nn_kernel_force: models and trainable networks built afterwards use it); each one it cannot
 * run is reported as not tested, never counted as passed:
 *
 *     for (const char *k = test_kernel_first(); k; k = test_kernel_next()) {
 *         ... build models / networks here: they use kernel k ...
 *     }
 *
 * The loop ends with the engine back on its own choice and a line naming the kernels tested and
 * those this CPU lacks. RNNFX_TEST_KERNEL=NAME in the environment runs only that kernel (to
 * chase a failure); if this CPU cannot run it, the test skips (exit 77) saying so.
 */
#ifndef RNNFX_TESTS_KERNELS_H
#define RNNFX_TESTS_KERNELS_H

#include "check.h"
#include "nn.h"

#include <stdio.h>
#include <string.h>

/* Every kernel the engine has on any CPU ("generic" runs everywhere). */
static const char *const test_kernel_names[] = {"generic", "avx2+fma", "avx512"};
#define TEST_N_KERNELS (int)(sizeof test_kernel_names / sizeof test_kernel_names[0])

static int test_kernel_at = -1;
static char test_kernels_tested[64], test_kernels_lacking[64];

static inline void test_kernel_note(char *list, const char *name)
{
    size_t len = strlen(list);
    snprintf(list + len, 64 - len, "%s%s", len ? " " : "", name);
}

/* The next kernel after test_kernel_at that this CPU runs and the environment allows, forced;
 * NULL (and the engine's own choice restored, a summary printed) when none is left. */
static inline const char *test_kernel_next(void)
{
    const char *only = check_env("RNNFX_TEST_KERNEL");
    while (++test_kernel_at < TEST_N_KERNELS) {
        const char *name = test_kernel_names[test_kernel_at];
        if (only && strcmp(only, name) != 0) continue;
        if (!nn_kernel_force(name)) {
            printf("kernel %s: not available on this CPU - NOT tested here\n", name);
            test_kernel_note(test_kernels_lacking, name);
            continue;
        }
        printf("---- kernel %s\n", name);
        fflush(stdout);
        test_kernel_note(test_kernels_tested, name);
        return name;
    }
    nn_kernel_force(NULL);
    if (only && !test_kernels_tested[0]) {
        int known = 0;
        for (int i = 0; i < TEST_N_KERNELS; i++) known |= !strcmp(only, test_kernel_names[i]);
        if (!known) {
            fprintf(stderr, "RNNFX_TEST_KERNEL=%s: no such kernel\n", only);
            exit(1);
        }
        char why[128];
        snprintf(why, sizeof why, "RNNFX_TEST_KERNEL=%s: this CPU cannot run it", only);
        check_skip(why);
    }
    printf("kernels tested: %s; not available on this CPU: %s\n", test_kernels_tested,
           test_kernels_lacking[0] ? test_kernels_lacking : "none");
    return NULL;
}

static inline const char *test_kernel_first(void)
{
    test_kernel_at = -1;
    test_kernels_tested[0] = test_kernels_lacking[0] = 0;
    return test_kernel_next();
}

#endif
