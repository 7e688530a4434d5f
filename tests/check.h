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
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        check_count++;                                                      \
        if (!(cond)) {                                                      \
            check_failures++;                                               \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                   \
            fputc('\n', stderr);                                            \
        }                                                                   \
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

/* A list that both a meson.build and a test's C table hold (plugin scenarios, bad inputs), checked
 * to agree: the C table's `names` (n of them) against meson's, argv[0..argc). Prints each name
 * that is in one list only; returns 0 when they agree, 1 when not. For a test registered as
 * `<exe> --same-list <meson's names...>`, so that a case added to one list and not the other
 * fails instead of never running. */
static inline int check_same_names(const char *const *names, size_t n, int argc, char **argv)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (int k = 0; k < argc && !found; k++) found = !strcmp(names[i], argv[k]);
        if (!found) printf("'%s' is in the C table but not in meson.build: it never runs\n", names[i]), bad = 1;
    }
    for (int k = 0; k < argc; k++) {
        int found = 0;
        for (size_t i = 0; i < n && !found; i++) found = !strcmp(names[i], argv[k]);
        if (!found) printf("'%s' is in meson.build but not in the C table\n", argv[k]), bad = 1;
    }
    printf("%zu names in the C table, %d in meson.build: %s\n", n, argc, bad ? "they differ" : "the same");
    return bad;
}

/* The project's test data folder (tests/), and ../shared when present: from the environment
 * (set by meson), NULL if absent. */
static inline const char *check_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

#endif
