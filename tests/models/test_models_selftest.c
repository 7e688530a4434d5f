/* test_models_selftest.c MODELS_DIR - every shipped model (the .json files of models/)
 * reproduces the output stored in it (input_batch/output_batch, written by the x86 build that
 * trained it) within 1e-5, the engine's stated accuracy (the reference models' goldens,
 * tests/nn/test_goldens.c), with every kernel this CPU has. On another CPU - an ARM build under
 * qemu, say - this is the check that it computes what the x86 build computed. Needs only the
 * engine (no tools, no Python). */
#include "check.h"
#include "nn.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOLERANCE 1e-5
#define MAX_MODELS 256

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODELS_DIR\n", argv[0]);
        return 2;
    }
    DIR *d = opendir(argv[1]);
    CHECK(d != NULL, "cannot open %s", argv[1]);
    if (!d) return check_exit();
    char *names[MAX_MODELS];
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < MAX_MODELS;) {
        size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".json")) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], by_name);
    CHECK(n >= 1, "%s: no .json models", argv[1]);

    const char *kernels[] = {"generic", "avx2+fma", "avx512"};
    int runs = 0;
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
        if (!nn_kernel_force(kernels[k])) continue; /* not on this CPU */
        for (int i = 0; i < n; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[1], names[i]);
            nn_error err;
            nn_model *m = nn_model_load_file(path, &err);
            CHECK(m != NULL, "%s: %s", path, err.msg);
            if (!m) continue;
            CHECK(!strcmp(nn_model_kernel_name(m), kernels[k]), "%s: kernel %s, not %s", names[i],
                  nn_model_kernel_name(m), kernels[k]);
            double worst = -1;
            size_t samples = 0;
            CHECK(nn_model_selftest(m, &worst, &samples) == 1, "%s: no input_batch/output_batch", names[i]);
            CHECK(samples >= 1024, "%s: a self-test of only %zu samples", names[i], samples);
            CHECK(worst <= TOLERANCE, "%s [%s]: max |ours - stored| %.3g over %zu samples (tolerance %g)", names[i],
                  kernels[k], worst, samples, TOLERANCE);
            printf("%-36s %-9s max |error| %.3g over %zu samples\n", names[i], kernels[k], worst, samples);
            runs++;
            nn_model_free(m);
        }
    }
    CHECK(runs >= n, "only %d model x kernel runs", runs);
    for (int i = 0; i < n; i++) free(names[i]);
    return check_exit();
}
