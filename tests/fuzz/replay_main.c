/*
 * replay_main.c - a stand-in for libFuzzer's main() in builds without -Dfuzz (any compiler):
 * runs LLVMFuzzerTestOneInput once on each file named on the command line, as libFuzzer does
 * with file arguments, so that the corpus and the regression inputs are checked by the plain
 * and the sanitizer builds too. Arguments starting with '-' (libFuzzer flags) are ignored.
 * A broken contract aborts inside the target, as under libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as with libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0) break;
        n += r;
    }
    if (ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') continue;
        size_t len = 0;
        unsigned char *data = read_file(argv[i], &len);
        if (!data) {
            fprintf(stderr, "%s: cannot read\n", argv[i]);
            return 1;
        }
        printf("Running: %s\n", argv[i]);
        fflush(stdout);
        /* libFuzzer hands over a buffer of exactly `len` bytes: so does this (ASan sees overruns). */
        unsigned char *exact = malloc(len ? len : 1);
        if (!exact) return 1;
        memcpy(exact, data, len);
        free(data);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
        n++;
    }
    printf("replayed %d inputs\n", n);
    return 0;
}
