/*
 * check.h - the tests' tiny harness: CHECK(cond, fmt, ...) records a failure with file:line and
 * a message, and goes on; check_exit() ends the test with 0 (all passed), 1 (some failed).
 * check_skip(reason) ends it with 77, which meson reports as SKIP (never as a pass), after
 * printing why.
 */
#ifndef RNNFX_TESTS_CHECK_H
#define RNNFX_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failures;
static int check_count;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        check_count++;                                                                             \
        if (!(cond)) {                                                                             \
            check_failures++;                                                                      \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

static inline int check_exit(void)
{
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_failures ? 1 : 0;
}

static inline void check_skip(const char *reason)
{
    printf("SKIP: %s\n", reason);
    fflush(stdout);
    exit(77);
}

/* The project's test data folder (tests/), and ../shared when present: from the environment
 * (set by meson), NULL if absent. */
static inline const char *check_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

#endif
