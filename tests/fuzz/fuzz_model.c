/*
 * fuzz_model.c - libFuzzer target for every model reader: the bytes are a model file of any
 * format (detected from the content, as in real use). A file that loads must also build a state,
 * run, convert to the native format and load back - the same network, bit for bit; one that does
 * not must say why in one line that names the file. Any crash, leak, hang or sanitizer report is
 * a bug.
 *
 *   clang-19 -g -O1 -fsanitize=fuzzer,address,undefined ... (see tests/fuzz/meson.build)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 64 samples from the initial state, knobs at 0.5: 1 if the engine reset a block. */
static int run64(const nn_model *m, const float *in, float *out)
{
    nn_state *s = nn_state_new(m, NULL);
    if (!s) abort();
    for (int k = 0; k < nn_model_num_cond(m); k++) nn_state_set_cond(s, k, 0.5f);
    int r = nn_run(s, in, out, 64);
    for (int i = 0; i < 64; i++)
        if (out[i] != out[i]) abort(); /* nn_run never lets a NaN out */
    nn_state_free(s);
    return r;
}

static int one_input(const uint8_t *data, size_t size)
{
    nn_error err = {0};
    nn_model *m = nn_model_load_buffer((const char *)data, size, "fuzz.json", &err);
    if (!m) {
        /* The error contract: one line, naming the file. */
        if (!err.msg[0] || strchr(err.msg, '\n') || strncmp(err.msg, "fuzz.json: ", 11) != 0) abort();
        return 0;
    }
    float in[64], out[64], out2[64];
    for (int i = 0; i < 64; i++) in[i] = (float)(i % 7) * 0.1f - 0.3f;
    int reset = run64(m, in, out);
    /* Write and read back: what we read, we can write. */
    char path[64];
    /* In memory where there is /dev/shm: the writer syncs what it renames into place. */
    snprintf(path, sizeof path, "%s/rnnfx_fuzz_%d.json", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
             (int)getpid());
    if (nn_model_write_keras(m, path, &err) != 0) abort();
    nn_model *m2 = nn_model_load_file(path, &err);
    if (!m2) abort();
    if (nn_model_param_count(m2) != nn_model_param_count(m)) abort();
    /* ... and it is the same network: a round trip changes no output bit. */
    if (nn_model_num_cond(m2) != nn_model_num_cond(m) || nn_model_sample_rate(m2) != nn_model_sample_rate(m)) abort();
    int reset2 = run64(m2, in, out2);
    if (!reset && !reset2 && memcmp(out, out2, sizeof out) != 0) abort();
    nn_model_free(m2);
    unlink(path);
    nn_model_free(m);
    return 0;
}

#ifdef FUZZ_EVERY_KERNEL
/* The replay build (replay_main.c, in every plain and sanitizer build): each input once with each
 * SIMD kernel this CPU runs, not only its best - what an AVX2-only CPU computes must hold the
 * contract too. (Fuzzing proper keeps to the best kernel: speed.) */
static const char *const kernels[] = {"generic", "avx2+fma", "avx512"};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    printf("kernels:");
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++)
        printf(" %s%s", kernels[k], nn_kernel_force(kernels[k]) ? "" : " (not available on this CPU: NOT replayed)");
    printf("\n");
    nn_kernel_force(NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++)
        if (nn_kernel_force(kernels[k])) one_input(data, size);
    nn_kernel_force(NULL);
    return 0;
}
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return one_input(data, size); }
#endif
