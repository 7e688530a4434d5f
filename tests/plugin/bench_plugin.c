/*
 * bench_plugin.c - what the plugin costs on top of the engine: ns per sample of run() (through
 * the test host, blocks of 256) against nn_run on the same model and input, measured side by
 * side in the same run, median of 7. A benchmark (meson benchmark / `ninja benchmark`), never a
 * test: this machine is shared and noisy, so only the ratios mean much.
 *
 *   bench_plugin            (RNNFX_TEST_DATA, RNNFX_BUNDLE set as for the tests)
 */
#define _GNU_SOURCE
#include "host.h"
#include "nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RATE 48000.0
#define BLOCK 256
#define SECONDS 4
#define RUNS 7

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

static float *signal(size_t n)
{
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        x[i] = 0.3f * (float)sin(2 * M_PI * 110.0 * i / RATE) * (float)exp(-(double)(i % 24000) / 12000.0);
    return x;
}

typedef enum { PLAIN, MIXED, SWAPPING } Mode;

/* One pass of nn_run over the signal in blocks: seconds. */
static double engine_pass(nn_state *s, const float *x, float *y, size_t n)
{
    double t0 = now();
    for (size_t off = 0; off < n; off += BLOCK) nn_run(s, x + off, y + off, BLOCK);
    return now() - t0;
}

/* One pass of the plugin's run() over the signal (mono input on every channel): seconds. */
static double plugin_pass(Host *h, Mode mode, const char *path, const char *other, const float *x, float *y, size_t n)
{
    double t0 = now(), excluded = 0;
    for (size_t off = 0; off < n; off += BLOCK) {
        const float *in[2] = {x + off, x + off};
        float *out[2] = {y + off, y + off};
        if (mode == SWAPPING && off % (4 * BLOCK) == 0) { /* a fade (960) nearly always runs */
            double a = now();                             /* the load itself is the worker's: not counted */
            host_send_model(h, (off / (4 * BLOCK)) % 2 ? path : other);
            host_run(h, in, out, 0);
            host_work(h);
            excluded += now() - a;
        }
        host_run(h, in, out, BLOCK);
    }
    return now() - t0 - excluded;
}

/* nn_run and the plugin, passes interleaved (the machine's mood hits both alike): medians of
 * ns per sample per channel. */
static void measure(const char *uri, const char *path, const char *other, Mode mode, const float *x, float *y, size_t n,
                    double *engine_ns, double *plugin_ns)
{
    nn_model *m = nn_model_load_file(path, NULL);
    nn_state *s = nn_state_new(m, NULL);
    Host *h = host_new(uri, RATE, mode == SWAPPING ? WORKER_MANUAL : WORKER_SYNC);
    if (!m || !s || !h || !host_load(h, path)) {
        fprintf(stderr, "bench: cannot load %s\n", path);
        exit(1);
    }
    if (mode == MIXED) host_set(h, "input_gain", 3.0f), host_set(h, "mix", 70.0f);
    double te[RUNS], tp[RUNS];
    for (int r = 0; r < RUNS; r++) {
        te[r] = engine_pass(s, x, y, n) / n * 1e9;
        tp[r] = plugin_pass(h, mode, path, other, x, y, n) / n * 1e9 / host_channels(h);
    }
    *engine_ns = median(te, RUNS);
    *plugin_ns = median(tp, RUNS);
    host_free(h);
    nn_state_free(s);
    nn_model_free(m);
}

int main(void)
{
    const char *data = getenv("RNNFX_TEST_DATA");
    if (!data) {
        fprintf(stderr, "bench_plugin: set RNNFX_TEST_DATA and RNNFX_BUNDLE\n");
        return 2;
    }
    char lstm8[4096], gru8[4096], lstm20[4096], nam2x8[4096];
    snprintf(lstm8, sizeof lstm8, "%s/formats/ref/keras_lstm8.json", data);
    snprintf(gru8, sizeof gru8, "%s/formats/ref/keras_gru8_dense8.json", data);
    snprintf(lstm20, sizeof lstm20, "%s/formats/ref/guitarml_lstm20_skip.json", data);
    snprintf(nam2x8, sizeof nam2x8, "%s/formats/ref/nam_lstm_2x8.nam", data);
    size_t n = (size_t)(SECONDS * RATE) / BLOCK * BLOCK;
    float *x = signal(n), *y = malloc(n * sizeof(float));

    printf("plugin cost, ns per sample per channel (blocks of %d, median of %d runs of %d s)\n", BLOCK, RUNS, SECONDS);
    printf("%-34s %10s %10s %8s\n", "case", "nn_run", "plugin", "ratio");
    struct {
        const char *label, *uri, *model, *other;
        Mode mode;
    } cases[] = {
        {"LSTM-8 mono, plain", "urn:rnnfx:mono", lstm8, NULL, PLAIN},
        {"LSTM-8 mono, gain + mix", "urn:rnnfx:mono", lstm8, NULL, MIXED},
        {"LSTM-8 stereo (nn_run2), plain", "urn:rnnfx:stereo", lstm8, NULL, PLAIN},
        {"LSTM-8 <-> GRU-8, mostly fading", "urn:rnnfx:mono", lstm8, gru8, SWAPPING},
        {"2 x LSTM-8 (NAM) mono, plain", "urn:rnnfx:mono", nam2x8, NULL, PLAIN},
        {"LSTM-20 44.1k in 48k (resampled)", "urn:rnnfx:mono", lstm20, NULL, PLAIN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double e, p;
        measure(cases[i].uri, cases[i].model, cases[i].other, cases[i].mode, x, y, n, &e, &p);
        printf("%-34s %10.1f %10.1f %8.2f\n", cases[i].label, e, p, p / e);
    }
    printf("(stereo: per channel, against one nn_run channel; the resampled case: per host sample,\n"
           " against nn_run at the host's rate - the model runs 44100/48000 as many samples)\n");
    free(x), free(y);
    return 0;
}
