/*
 * test_plugin.c - the plugin, driven by the lilv test host (host.h), one scenario per run:
 *
 *   test_plugin <scenario>      (scenarios: see the table at the bottom)
 *
 * Every run() and work_response() happens inside the real-time window of rtwindow.h, so each
 * scenario is also a real-time check: an allocation, lock or blocking call aborts the test.
 * Expected outputs come from the engine directly (nn_run, then the DC blocker of dsp/dc_block.h,
 * which tests/dsp checks against its own formula), never from the plugin itself. "Exactly equal"
 * means == on every sample (so +0 and -0 count as equal).
 */
#define _GNU_SOURCE
#include "check.h"
#include "dc_block.h"
#include "host.h"
#include "nn.h"
#include "nn_spec.h"
#include "rtwindow.h"

#include <dirent.h>
#include <lv2/atom/atom.h>
#include <math.h>
#include <pthread.h>
#include <samplerate.h>
#if RNNFX_HAVE_SNDFILE
#include <sndfile.h>
#endif
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MONO "urn:rnnfx:mono"
#define STEREO "urn:rnnfx:stereo"
#define RATE 48000.0
#define RAMP ((uint32_t)(RATE * 0.020 + 0.5)) /* the plugin's 20 ms ramps */

static char ref_dir[2048], tmp_dir[2048];

static const char *ref(const char *name)
{
    static char paths[8][4096];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 4096, "%s/%s", ref_dir, name);
    return p;
}

static const char *tmp(const char *name)
{
    static char paths[8][4096];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 4096, "%s/%s", tmp_dir, name);
    return p;
}

/* ---- Signals -------------------------------------------------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}
static double rnd01(void) { return (rnd() & 0xFFFFFF) / 16777216.0; }

/* A guitar-like phrase: plucked notes (decaying harmonics) every 0.4 s, a little noise. */
static float *guitar(size_t n, uint32_t seed)
{
    rng = 0x9E3779B97F4A7C15ull ^ seed;
    float *x = calloc(n, sizeof(float));
    size_t note_len = (size_t)(0.4 * RATE);
    for (size_t start = 0; start < n; start += note_len) {
        double f0 = 82.4 * pow(2.0, (rnd() % 24) / 12.0), amp = 0.2 + 0.4 * rnd01();
        for (int k = 1; k <= 6; k++) { /* a decaying sine, by rotation: no libm per sample */
            double w = 2 * M_PI * f0 * k / RATE, decay = exp(-(3.0 + k) / RATE);
            double c = cos(w) * decay, sn = sin(w) * decay, re = amp / (k * k), im = 0;
            for (size_t i = start; i < n && i < start + 2 * note_len; i++) {
                x[i] += (float)im;
                double r2 = re * c - im * sn;
                im = re * sn + im * c, re = r2;
            }
        }
    }
    for (size_t i = 0; i < n; i++) x[i] += (float)(1e-3 * (rnd01() - 0.5));
    return x;
}

/* ---- The engine's own answer ------------------------------------------------------------------ */

/* model(x) from the initial state, or a pre-warmed one (nn_state_prewarm), with conditioning
 * `cond` (may be NULL), then the DC blocker at the model's rate, from rest. The plugin starts its
 * first model from the initial state, as rnnfx process does; a model swapped in while audio runs
 * starts pre-warmed. */
static float *engine_run(const char *path, const float *x, size_t n, const float *cond, bool prewarm)
{
    nn_error err;
    nn_model *m = nn_model_load_file(path, &err);
    if (!m) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    nn_state *s = nn_state_new(m, &err);
    for (int k = 0; cond && k < NN_MAX_COND; k++) nn_state_set_cond(s, k, cond[k]);
    if (prewarm) nn_state_prewarm(s);
    float *y = calloc(n ? n : 1, sizeof(float));
    nn_run(s, x, y, n);
    rnnfx_dc_block dc;
    rnnfx_dc_block_init(&dc, nn_model_sample_rate(m));
    rnnfx_dc_block_run(&dc, y, n);
    nn_state_free(s);
    nn_model_free(m);
    return y;
}

/* ---- Helpers ------------------------------------------------------------------------------------ */

/* Runs x through a mono host in blocks of random size (1..max_block), y = output. */
static void run_blocks(Host *h, const float *x, float *y, size_t n, uint32_t max_block)
{
    for (size_t off = 0; off < n;) {
        uint32_t b = 1 + rnd() % max_block;
        if (rnd() % 16 == 0) b = max_block; /* the largest, now and then */
        if (b > n - off) b = (uint32_t)(n - off);
        const float *in[1] = {x + off};
        float *out[1] = {y + off};
        host_run(h, in, out, b);
        off += b;
    }
}

static size_t count_unequal(const float *a, const float *b, size_t n, size_t *first)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        if (!(a[i] == b[i])) {
            if (!bad && first) *first = i;
            bad++;
        }
    return bad;
}

static bool all_finite(const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i])) return false;
    return true;
}

static double max_step(const float *y, size_t n)
{
    double m = 0;
    /* A comparison, not fmax (which GCC 12 for aarch64 crashes on here); a NaN is kept. */
    for (size_t i = 1; i < n; i++) {
        double d = fabs((double)y[i] - y[i - 1]);
        if (!(d <= m)) m = d;
    }
    return m;
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len) {
        fprintf(stderr, "%s: cannot write\n", path);
        exit(1);
    }
    fclose(f);
}

/* A model file from a spec made here (nn_spec_init_random), at `rate` Hz; identity = all
 * weights zero with the skip on, so that the model's output is its input. */
static void make_model(const char *path, int n_cond, double rate, bool identity, uint64_t seed)
{
    nn_spec s;
    nn_spec_init(&s);
    nn_spec_init_random(&s, NN_CELL_LSTM, 1, 8, n_cond, identity ? 1 : 0, seed);
    s.sample_rate = rate;
    if (identity) {
        for (int l = 0; l < s.n_rec; l++) {
            nn_rec_spec *r = &s.rec[l];
            int G = nn_cell_gates(r->type);
            memset(r->w_ih, 0, sizeof(float) * (size_t)(G * r->hidden * r->in));
            memset(r->w_hh, 0, sizeof(float) * (size_t)(G * r->hidden * r->hidden));
            memset(r->b_ih, 0, sizeof(float) * (size_t)(G * r->hidden));
            if (r->b_hh) memset(r->b_hh, 0, sizeof(float) * (size_t)(G * r->hidden));
        }
        for (int l = 0; l < s.n_dense; l++) {
            memset(s.dense[l].w, 0, sizeof(float) * (size_t)(s.dense[l].in * s.dense[l].out));
            memset(s.dense[l].b, 0, sizeof(float) * (size_t)s.dense[l].out);
        }
    }
    nn_error err;
    nn_model *m = nn_model_build(&s, "test model", &err);
    if (!m || nn_model_write_keras(m, path, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    nn_model_free(m);
    nn_spec_free(&s);
}

/* ---- Scenarios ------------------------------------------------------------------------------------ */

/* No model: audio passes through untouched, and the plugin says so. */
static void test_passthrough(void)
{
    Host *h = host_new(MONO, RATE, WORKER_SYNC);
    CHECK(h, "host");
    if (!h) return;
    host_settle(h);
    CHECK(strstr(host_status(h), "passing audio through"), "status: %s", host_status(h));
    size_t n = 20000;
    float *x = guitar(n, 1), *y = calloc(n, sizeof(float));
    run_blocks(h, x, y, n, 8192);
    size_t first = 0, bad = count_unequal(x, y, n, &first);
    CHECK(bad == 0, "%zu samples differ from the input (first at %zu)", bad, first);
    CHECK(host_get(h, "latency") == 0.0f, "latency %g", host_get(h, "latency"));
    CHECK(host_rt_log_calls(h) == 0, "logged from the audio thread");
    host_free(h);
    free(x), free(y);
}

/* The plugin is the engine: same bits as nn_run from the initial state, whatever the blocks. */
static void test_basic(void)
{
    const char *model = ref("keras_lstm8.json");
    Host *h = host_new(MONO, RATE, WORKER_SYNC);
    CHECK(h, "host");
    if (!h) return;
    CHECK(host_load(h, model), "load: %s", host_status(h));
    CHECK(!strcmp(host_model_path(h), model), "notify path '%s'", host_model_path(h));
    CHECK(!strncmp(host_status(h), "loaded ", 7), "status '%s'", host_status(h));

    size_t n = 3 * 48000;
    float *x = guitar(n, 2), *y = calloc(n, sizeof(float)), *want = engine_run(model, x, n, NULL, false);
    run_blocks(h, x, y, n, 8192);
    size_t first = 0, bad = count_unequal(y, want, n, &first);
    CHECK(bad == 0, "%zu of %zu samples differ from nn_run (first at %zu: %.9g vs %.9g)", bad, n, first,
          bad ? y[first] : 0.0, bad ? want[first] : 0.0);
    CHECK(host_get(h, "latency") == 0.0f, "latency %g", host_get(h, "latency"));

    /* patch:Get is answered with the path and the status. */
    host_send_get(h);
    const float *in[1] = {x};
    float *out[1] = {y};
    unsigned loaded = host_loaded_count(h);
    host_run(h, in, out, 0);
    CHECK(!strcmp(host_model_path(h), model), "patch:Get answer '%s'", host_model_path(h));
    CHECK(host_loaded_count(h) == loaded + 1, "patch:Get: no status");
    CHECK(strstr(host_log(h), "loaded"), "log: %s", host_log(h));
    CHECK(host_rt_log_calls(h) == 0, "logged from the audio thread");
    host_free(h);
    free(x), free(y), free(want);
}

/* Stereo: two channels, two states, one pass - each channel as the engine gives it. */
static void test_stereo(void)
{
    const char *model = ref("nam_lstm_2x8.nam");
    Host *h = host_new(STEREO, RATE, WORKER_SYNC);
    CHECK(h && host_channels(h) == 2, "stereo host");
    if (!h) return;
    CHECK(host_load(h, model), "load: %s", host_status(h));
    size_t n = 2 * 48000;
    float *xl = guitar(n, 3), *xr = guitar(n, 4);
    float *yl = calloc(n, sizeof(float)), *yr = calloc(n, sizeof(float));
    float *wl = engine_run(model, xl, n, NULL, false), *wr = engine_run(model, xr, n, NULL, false);
    /* Half the blocks in place (the host may hand the same buffer in and out). */
    float *bl = malloc(n * sizeof(float)), *br = malloc(n * sizeof(float));
    memcpy(bl, xl, n * sizeof(float)), memcpy(br, xr, n * sizeof(float));
    for (size_t off = 0; off < n;) {
        uint32_t b = 1 + rnd() % 4096;
        if (b > n - off) b = (uint32_t)(n - off);
        bool inplace = rnd() & 1;
        const float *in[2] = {inplace ? bl + off : xl + off, inplace ? br + off : xr + off};
        float *out[2] = {inplace ? bl + off : yl + off, inplace ? br + off : yr + off};
        host_run(h, in, out, b);
        if (inplace) memcpy(yl + off, bl + off, b * sizeof(float)), memcpy(yr + off, br + off, b * sizeof(float));
        off += b;
    }
    CHECK(count_unequal(yl, wl, n, NULL) == 0, "left differs from nn_run");
    CHECK(count_unequal(yr, wr, n, NULL) == 0, "right differs from nn_run");
    host_free(h);
    free(xl), free(xr), free(yl), free(yr), free(wl), free(wr), free(bl), free(br);
}

/* Bad files: each is refused with an error that names it; the model playing is not disturbed
 * by a single bit. */
static void test_bad_files(void)
{
    const char *model = ref("keras_gru8_dense8.json");
    char trunc[4096];
    snprintf(trunc, sizeof trunc, "%s", tmp("truncated.json"));
    FILE *f = fopen(model, "rb");
    char buf[2000];
    size_t got = fread(buf, 1, sizeof buf, f);
    fclose(f);
    write_file(trunc, buf, got / 2);
    write_file(tmp("notamodel.json"), "{\"hello\": [1, 2, 3]}", 20);
    write_file(tmp("binary.nam"),
               "\x7f"
               "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
               16);
    const char *wavenet = "{\"version\": \"0.5.0\", \"architecture\": \"WaveNet\", \"config\": {}, \"weights\": []}";
    write_file(tmp("wavenet.nam"), wavenet, strlen(wavenet));
    const char *bad[] = {trunc,  tmp("notamodel.json"), tmp("binary.nam"), tmp("wavenet.nam"), tmp("missing.json"),
                         tmp_dir};

    Host *h = host_new(MONO, RATE, WORKER_SYNC);
    CHECK(h && host_load(h, model), "load");
    if (!h) return;
    size_t n = 2 * 48000, nb = sizeof bad / sizeof bad[0];
    float *x = guitar(n, 5), *y = calloc(n, sizeof(float)), *want = engine_run(model, x, n, NULL, false);
    size_t step = n / (nb + 1);
    for (size_t i = 0, off = 0; off < n; i++) {
        if (i < nb) {
            unsigned errors = host_error_count(h);
            host_send_model(h, bad[i]);
            const float *in[1] = {x + off};
            float *out[1] = {y + off};
            host_run(h, in, out, (uint32_t)step); /* the error arrives during this block */
            host_run(h, in, out, 0);              /* ... and is told at the next run */
            const char *base = strrchr(bad[i], '/') + 1;
            CHECK(host_error_count(h) == errors + 1, "%s: no error reported (status '%s')", bad[i], host_status(h));
            CHECK(strstr(host_status(h), base), "%s: error does not name the file: '%s'", bad[i], host_status(h));
            off += step;
        } else {
            run_blocks(h, x + off, y + off, n - off, 1024);
            off = n;
        }
    }
    size_t first = 0, diff = count_unequal(y, want, n, &first);
    CHECK(diff == 0, "%zu samples differ from the uninterrupted model (first at %zu)", diff, first);
    CHECK(!strcmp(host_model_path(h), model), "path changed to '%s'", host_model_path(h));
    CHECK(strstr(host_log(h), "not supported") || strstr(host_log(h), "WaveNet"), "log lacks the WaveNet error: %s",
          host_log(h));
    printf("errors reported: %u; last: %s\n", host_error_count(h), host_status(h));
    host_free(h);
    free(x), free(y), free(want);
}

/* A swap fades the old model out and the new one (pre-warmed) in over 20 ms, both running; then
 * the new one plays alone, exactly. Unsetting the model fades to the dry input. */
static void test_swap(WorkerMode mode)
{
    const char *a = ref("keras_lstm8.json"), *b = ref("nam_lstm_2x8.nam");
    Host *h = host_new(MONO, RATE, mode);
    CHECK(h && host_load(h, a), "load A");
    if (!h) return;
    size_t n = 48000, at = 10000, blk = 500; /* B requested in the block starting at `at` */
    float *x = guitar(n, 6), *y = calloc(n, sizeof(float));
    float *ya = engine_run(a, x, n, NULL, false);
    for (size_t off = 0; off < n; off += blk) {
        if (off == at) host_send_model(h, b);
        const float *in[1] = {x + off};
        float *out[1] = {y + off};
        host_run(h, in, out, (uint32_t)blk);
    }
    /* B was installed after the block that asked for it (in the nested mode, at once): it plays
     * from there on. */
    size_t start = mode == WORKER_NESTED ? at : at + blk;
    float *yb = engine_run(b, x + start, n - start, NULL, true);
    CHECK(count_unequal(y, ya, start, NULL) == 0, "before the swap: not model A");
    double worst = 0;
    for (size_t i = 0; i < RAMP; i++) {
        float f = (float)(i + 1) / (float)RAMP;
        float want = f * yb[i] + (1.0f - f) * ya[start + i];
        worst = fmax(worst, fabs(y[start + i] - want));
    }
    CHECK(worst < 1e-6, "crossfade differs from f*B + (1-f)*A by %g", worst);
    size_t first = 0, bad = count_unequal(y + start + RAMP, yb + RAMP, n - start - RAMP, &first);
    CHECK(bad == 0, "after the fade: %zu samples are not model B (first at %zu)", bad, first);
    CHECK(!strcmp(host_model_path(h), b), "path '%s'", host_model_path(h));

    /* Unset: fade to the input, then the input exactly. */
    host_send_model(h, "");
    const float *in[1] = {x};
    float *out[1] = {y};
    host_run(h, in, out, 1000);
    host_run(h, in, out, 4000);
    CHECK(count_unequal(y + RAMP, x + RAMP, 4000 - RAMP, NULL) == 0, "after unset: not the dry input");
    CHECK(strstr(host_status(h), "passing audio through"), "status '%s'", host_status(h));
    host_free(h);
    free(x), free(y), free(ya), free(yb);
}

/* 1000 patch:Set, alternating good and bad files, while audio runs in random blocks and a
 * worker thread loads: no crash, every sample finite, no step bigger than the models' own
 * steps plus what the crossfade allows. */
static unsigned count_lines(const char *text, const char *what)
{
    unsigned n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what)) n++;
    return n;
}

static void test_storm(void)
{
    const char *good[] = {ref("keras_lstm8.json"), ref("keras_gru8_dense8.json")};
    write_file(tmp("storm_bad.json"), "{\"layers\": [", 12);
    const char *bad[] = {tmp("storm_bad.json"), tmp("storm_missing.nam")};
    Host *h = host_new(MONO, RATE, WORKER_THREAD);
    CHECK(h && host_load(h, good[0]), "load");
    if (!h) return;
    size_t n = 30 * 48000, nref = 5 * 48000; /* the storm ends when 1000 messages are out */
    float *x = guitar(n, 7), *y = calloc(n, sizeof(float));
    float *y0 = engine_run(good[0], x, nref, NULL, true), *y1 = engine_run(good[1], x, nref, NULL, true);
    /* What a swap may do per sample: a model's own largest step, plus the largest difference
     * between the two models spread over the fade (measured on the first seconds: the phrase
     * is the same kind of playing throughout). */
    double diff = 0;
    /* A comparison, not fmax (which GCC 12 for aarch64 crashes on here); a NaN is kept. */
    for (size_t i = 0; i < nref; i++) {
        double d = fabs((double)y0[i] - y1[i]);
        if (!(d <= diff)) diff = d;
    }
    double bound = fmax(max_step(y0, nref), max_step(y1, nref)) + diff / RAMP;

    unsigned sets = 0, waits = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t off = 0;
    const char *last_good = good[0];
    bool wait = false;
    while (off < n && !(sets == 1000 && !wait && off > 48000)) {
        /* A patch:Set before about every other block; now and then the audio goes on until
         * the worker has answered (so that swaps complete and fade, as they do live), else
         * requests pile up while a load is in flight (and only the latest is kept). */
        if (sets < 1000 && !wait && rnd() % 2 == 0) {
            const char *p = sets % 2 ? bad[(sets / 2) % 2] : good[(sets / 2 + 1) % 2];
            if (!(sets % 2)) last_good = p;
            host_send_model(h, p);
            sets++;
            wait = rnd() % 4 == 0;
            waits += wait;
        }
        uint32_t b = wait ? 16 + rnd() % 48 : 16 + rnd() % 512;
        if (b > n - off) b = (uint32_t)(n - off);
        const float *in[1] = {x + off};
        float *out[1] = {y + off};
        host_run(h, in, out, b);
        off += b;
        if (wait && host_worker_idle(h)) wait = false;
        if (wait) { /* small blocks, paced, while the worker loads */
            struct timespec ts = {0, 100000};
            nanosleep(&ts, NULL);
        }
    }
    host_settle(h);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    n = off;
    double worst = max_step(y, n);
    unsigned loads = count_lines(host_log(h), "rnnfx: loaded"), errors = count_lines(host_log(h), ": not valid JSON") +
                                                                         count_lines(host_log(h), "truncated") +
                                                                         count_lines(host_log(h), "storm_missing");
    CHECK(sets == 1000, "only %u patch:Set sent", sets);
    CHECK(all_finite(y, n), "non-finite output");
    CHECK(worst <= bound * 1.5, "a step of %g (bound %g: a click)", worst, bound);
    /* Requests made while a load was in flight replace each other, so the last good file
     * sent may never have been loaded; the model playing at the end is the last one loaded. */
    const char *last = NULL;
    for (const char *p = host_log(h); (p = strstr(p, "rnnfx: loaded ")); p += 14) last = p + 14;
    const char *base = strrchr(host_model_path(h), '/');
    CHECK(last && base && !strncmp(last, base + 1, strlen(base + 1)),
          "ends on '%s', but the last model loaded was %.40s", host_model_path(h), last ? last : "none");
    (void)last_good;
    CHECK(loads > 50 && errors > 50, "too few loads (%u) or errors (%u) completed: the storm did not storm", loads,
          errors);
    CHECK(host_rt_log_calls(h) == 0, "logged from the audio thread");
    printf("storm: %u patch:Set (%u waited for) in %.1f s of audio, %.2f s wall: the worker loaded %u models and "
           "refused %u files, the rest were superseded; largest step %.4g (bound %.4g)\n",
           sets, waits, n / RATE, (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec), loads, errors, worst,
           bound);
    host_free(h);
    free(x), free(y), free(y0), free(y1);
}

/* Only the latest request counts, and a bad one does not throw away a good one loaded before
 * it. The worker here works only when told (loads stay "in flight" as long as the test likes). */
static void test_latest(void)
{
    const char *a = ref("keras_lstm8.json"), *b = ref("keras_gru8_dense8.json"), *c = ref("nam_lstm_1x3.nam");
    const char *bad = tmp("latest_missing.json");
    Host *h = host_new(MONO, RATE, WORKER_MANUAL);
    CHECK(h && host_load(h, a), "load A");
    if (!h) return;
    size_t n = 48000, blk = 1000;
    float *x = guitar(n, 14), *y = calloc(n, sizeof(float));
    const float *in[1] = {x};
    float *out[1] = {y};
    host_run(h, in, out, (uint32_t)blk); /* audio runs: swaps fade from now on */

    /* B (in flight), then bad, then C: B is superseded by C, the bad one never loads. */
    host_send_model(h, b);
    host_run(h, in, out, 10);
    host_send_model(h, bad);
    host_run(h, in, out, 10);
    host_send_model(h, c);
    host_run(h, in, out, 10);
    host_settle(h);
    CHECK(!strcmp(host_model_path(h), c), "B, bad, C: plays '%s'", host_model_path(h));
    CHECK(!strstr(host_log(h), "latest_missing"), "the superseded bad file was loaded anyway");

    /* C playing; B (in flight), then bad: B loads, the bad one fails, B plays. */
    unsigned errors = host_error_count(h);
    host_send_model(h, b);
    host_run(h, in, out, 10);
    host_send_model(h, bad);
    host_run(h, in, out, 10);
    host_settle(h);
    CHECK(!strcmp(host_model_path(h), b), "B, bad: plays '%s'", host_model_path(h));
    CHECK(host_error_count(h) == errors + 1 && strstr(host_status(h), "latest_missing"), "B, bad: status '%s'",
          host_status(h));

    /* And it really is B that plays, once the fades are over. */
    for (size_t off = 0; off < n; off += blk) {
        const float *i1[1] = {x + off};
        float *o1[1] = {y + off};
        host_run(h, i1, o1, (uint32_t)blk);
    }
    float *yb = engine_run(b, x, n, NULL, true);
    double e = 0, s = 0;
    for (size_t i = n / 2; i < n; i++) e += (y[i] - yb[i]) * (y[i] - yb[i]), s += yb[i] * yb[i];
    CHECK(e / s < 0.05, "the output is not model B (ESR %g)", e / s);
    host_free(h);
    free(x), free(y), free(yb);
}

/* Save, then restore into a new instance (with and without the worker): same bits. */
static void test_state(void)
{
    const char *model = ref("keras_gru8_dense8.json");
    const char *dir = tmp("state");
    mkdir(dir, 0755);
    size_t n = 48000;
    float *x = guitar(n, 8), *y1 = calloc(n, sizeof(float)), *y2 = calloc(n, sizeof(float));

    Host *h = host_new(MONO, RATE, WORKER_SYNC);
    CHECK(h, "host");
    if (!h) return;
    host_set(h, "input_gain", 3.0f);
    host_set(h, "mix", 75.0f);
    CHECK(host_load(h, model), "load");
    CHECK(host_save(h, dir) == 0, "save");
    run_blocks(h, x, y1, n, 2048);
    host_free(h);

    char state[4096];
    snprintf(state, sizeof state, "%s/state.ttl", dir);
    FILE *f = fopen(state, "r");
    char text[8192] = "";
    if (f) text[fread(text, 1, sizeof text - 1, f)] = '\0', fclose(f);
    CHECK(strstr(text, "urn:rnnfx:model"), "state.ttl lacks the model: %s", text);
    struct stat st;
    CHECK(stat(model, &st) == 0, "lilv deleted the original model file");

    for (int via_worker = 0; via_worker < 2; via_worker++) {
        Host *g = host_new(MONO, RATE, via_worker ? WORKER_THREAD : WORKER_SYNC);
        CHECK(g && host_restore(g, dir, via_worker) == 0, "restore");
        if (!g) continue;
        host_settle(g);
        CHECK(host_get(g, "input_gain") == 3.0f && host_get(g, "mix") == 75.0f, "port values not restored");
        CHECK(strstr(host_model_path(g), "keras_gru8_dense8"), "restored path '%s'", host_model_path(g));
        run_blocks(g, x, y2, n, 2048);
        size_t first = 0, bad = count_unequal(y1, y2, n, &first);
        CHECK(bad == 0, "restore (%s): %zu samples differ from before the save (first at %zu)",
              via_worker ? "worker" : "in place", bad, first);
        host_free(g);
    }

    /* A state saved without a model, restored into an instance playing one: back to dry. */
    const char *dir0 = tmp("state_nomodel");
    mkdir(dir0, 0755);
    Host *e = host_new(MONO, RATE, WORKER_SYNC);
    CHECK(e && host_save(e, dir0) == 0, "save empty");
    host_free(e);
    Host *g = host_new(MONO, RATE, WORKER_SYNC);
    CHECK(g && host_load(g, model), "load");
    CHECK(host_restore(g, dir0, true) == 0, "restore empty");
    host_settle(g);
    run_blocks(g, x, y2, n, 2048);
    CHECK(count_unequal(y2, x, n, NULL) == 0, "restoring a state without a model: not pass-through");
    host_free(g);
    free(x), free(y1), free(y2);
}

/* threadSafeRestore: restore() from another thread while run() goes on. */
typedef struct {
    Host *h;
    const char *dir;
    int rc;
    atomic_bool done;
} RestoreJob;

static void *restore_thread(void *arg)
{
    RestoreJob *job = arg;
    struct timespec ts = {0, 20000000};
    nanosleep(&ts, NULL);
    job->rc = host_restore(job->h, job->dir, true);
    atomic_store(&job->done, true);
    return NULL;
}

static void test_restore_live(void)
{
    const char *model = ref("keras_lstm8.json");
    const char *dir = tmp("state_live");
    mkdir(dir, 0755);
    Host *h = host_new(MONO, RATE, WORKER_SYNC);
    CHECK(h && host_load(h, model) && host_save(h, dir) == 0, "save");
    host_free(h);

    Host *g = host_new(MONO, RATE, WORKER_THREAD);
    CHECK(g != NULL, "host");
    if (!g) return;
    size_t n = 5 * 48000;
    float *x = guitar(n, 9), *y = calloc(n, sizeof(float));
    RestoreJob job = {g, dir, -1, false};
    pthread_t t;
    pthread_create(&t, NULL, restore_thread, &job);
    /* Audio goes on, paced, while the other thread restores and the worker loads. */
    size_t off = 0, blocks = 0;
    while (!(atomic_load(&job.done) && host_model_path(g)[0]) && blocks++ < 20000) {
        const float *in[1] = {x + off};
        float *out[1] = {y + off};
        host_run(g, in, out, 256);
        off = (off + 256) % (n - 256);
        struct timespec ts = {0, 500000};
        nanosleep(&ts, NULL);
    }
    pthread_join(t, NULL);
    CHECK(job.rc == 0, "restore failed");
    CHECK(strstr(host_model_path(g), "keras_lstm8"), "model not restored: '%s'", host_model_path(g));
    /* Now the model plays: the output is no longer the input. */
    run_blocks(g, x, y, n, 1024);
    CHECK(all_finite(y, n), "non-finite output");
    CHECK(count_unequal(y + n / 2, x + n / 2, n / 2, NULL) > n / 4, "still passing through");
    printf("restored while running: the model arrived after %zu blocks of 256\n", blocks);
    host_free(g);
    free(x), free(y);
}

/* A saved model as hosts hand it back on restore: lilv counts the NUL that ends the path in
 * the value's size, Carla does not (and the byte after it need not be a NUL) - a Carla project
 * used to reopen with the audio passing through. Both load the model, in place and through the
 * worker, and it plays; values that cannot be a path are refused, the log says why, and the
 * model that played goes on playing. */
static void test_restore_value(void)
{
    const char *model = ref("keras_lstm8.json");
    size_t len = strlen(model), n = 4800;
    char *carla = malloc(len + 8);
    memcpy(carla, model, len);
    memset(carla + len, '#', 8);
    char *huge = malloc(100000);
    memset(huge, 'p', 100000);
    int32_t int42 = 42;
    float *x = guitar(n, 31), *y = calloc(n, sizeof(float)), *want = engine_run(model, x, n, NULL, false);
    for (int via_worker = 0; via_worker < 2; via_worker++) {
        const char *how = via_worker ? "through the worker" : "in place";
        const struct {
            const char *name;
            const void *value;
            size_t size;
        } ok[] = {{"lilv (NUL in size)", model, len + 1}, {"Carla (size = strlen)", carla, len}};
        for (int k = 0; k < 2; k++) {
            Host *h = host_new(MONO, RATE, WORKER_SYNC);
            if (!h) continue;
            int st = host_restore_value(h, ok[k].value, ok[k].size, LV2_ATOM__Path, via_worker);
            host_settle(h);
            CHECK(st == 0 && !strcmp(host_model_path(h), model) && host_loaded_count(h) == 1,
                  "%s, %s: restore %d, model \"%s\", status: %s", ok[k].name, how, st, host_model_path(h),
                  host_status(h));
            run_blocks(h, x, y, n, 512);
            CHECK(count_unequal(y, want, n, NULL) == 0, "%s, %s: the restored model does not play", ok[k].name, how);
            if (k == 0) {
                host_free(h);
                continue;
            }
            /* Not a path: refused and logged; the model plays on. */
            const struct {
                const char *name;
                const void *value;
                size_t size;
                const char *type, *reason;
            } bad[] = {{"binary data",
                        "\x7f"
                        "ELF\x02\x01\x01\x00\x00\x00",
                        10, LV2_ATOM__Path, "NUL byte inside"},
                       {"nothing", "", 0, LV2_ATOM__Path, "empty"},
                       {"100 kB", huge, 100000, LV2_ATOM__Path, "longer than"},
                       {"an integer", &int42, sizeof int42, LV2_ATOM__Int, "not a path"}};
            for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
                size_t log_before = strlen(host_log(h));
                st = host_restore_value(h, bad[b].value, bad[b].size, bad[b].type, via_worker);
                host_settle(h);
                const char *said = host_log(h) + log_before;
                CHECK(st != 0, "%s, %s: restore() accepted it", bad[b].name, how);
                CHECK(strstr(said, "rejected") && strstr(said, bad[b].reason), "%s, %s: the log says: %s", bad[b].name,
                      how, said);
                CHECK(!strcmp(host_model_path(h), model), "%s, %s: the model is now \"%s\"", bad[b].name, how,
                      host_model_path(h));
            }
            host_free(h);
        }
    }
    free(carla), free(huge), free(x), free(y), free(want);
}

/* Digital silence through every shipped model (models/), in the plugin: the DC blocker on the
 * wet path brings the constant the networks put out (up to -43 dBFS) below -90 dBFS within
 * 0.5 s. The networks' own output on silence (nn_run, no blocker) is measured too: at least one
 * model above -60 dBFS, or this test would prove nothing. */
static void test_silence(void)
{
    const char *data = check_env("RNNFX_TEST_DATA");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/../models", data ? data : ".");
    DIR *d = opendir(dir);
    CHECK(d != NULL, "cannot list %s", dir);
    if (!d) return;
    size_t n = 48000;
    float *x = calloc(n, sizeof(float)), *y = calloc(n, sizeof(float));
    int models = 0;
    double loudest = -INFINITY, loudest_raw = -INFINITY;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json")) continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        Host *h = host_new(MONO, RATE, WORKER_SYNC);
        if (!h) continue;
        CHECK(host_load(h, path), "%s: %s", e->d_name, host_status(h));
        run_blocks(h, x, y, n, 1024);
        double peak = 0, raw = 0;
        for (size_t i = n / 2; i < n; i++) peak = fmax(peak, fabs(y[i]));
        host_free(h);
        nn_error err;
        nn_model *m = nn_model_load_file(path, &err);
        nn_state *s = m ? nn_state_new(m, &err) : NULL;
        if (s) {
            nn_run(s, x, y, n);
            for (size_t i = n / 2; i < n; i++) raw = fmax(raw, fabs(y[i]));
        }
        nn_state_free(s);
        nn_model_free(m);
        double db = 20 * log10(peak), raw_db = 20 * log10(raw);
        printf("%-32s silence in, after 0.5 s: %7.1f dBFS out (the network alone: %6.1f)\n", e->d_name, db, raw_db);
        CHECK(db < -90.0, "%s: %.1f dBFS on silence after 0.5 s", e->d_name, db);
        loudest = fmax(loudest, db), loudest_raw = fmax(loudest_raw, raw_db);
        models++;
    }
    closedir(d);
    CHECK(models > 0, "no models in %s", dir);
    CHECK(loudest_raw > -60.0, "the networks alone are at most %.1f dBFS on silence: nothing to show", loudest_raw);
    printf("%d shipped models on silence: loudest %.1f dBFS (the networks alone: %.1f)\n", models, loudest,
           loudest_raw);
    free(x), free(y);
}

/* Bypass fades to the dry input and back; the model keeps running meanwhile, so after the fade
 * back the output is the model's again, exactly. Mix and gains do what they say. */
static void test_bypass(void)
{
    const char *model = ref("keras_lstm8.json");
    Host *h = host_new(MONO, RATE, WORKER_SYNC);
    CHECK(h && host_load(h, model), "load");
    if (!h) return;
    size_t n = 48000, blk = 1000, off_at = 10000, on_at = 30000;
    float *x = guitar(n, 10), *y = calloc(n, sizeof(float)), *want = engine_run(model, x, n, NULL, false);
    for (size_t off = 0; off < n; off += blk) {
        if (off == off_at) host_set(h, "enabled", 0.0f);
        if (off == on_at) host_set(h, "enabled", 1.0f);
        const float *in[1] = {x + off};
        float *out[1] = {y + off};
        host_run(h, in, out, (uint32_t)blk);
    }
    double worst = 0;
    for (size_t i = 0; i < RAMP; i++) { /* the fade out: on goes 1 -> 0 linearly */
        float on = 1.0f - (float)(i + 1) / RAMP;
        /* A comparison, not fmax (which GCC 12 for aarch64 crashes on here); a NaN is kept. */
        double d = fabs(y[off_at + i] - (on * want[off_at + i] + (1 - on) * x[off_at + i]));
        if (!(d <= worst)) worst = d;
    }
    CHECK(worst < 1e-5, "fade to bypass is off by %g", worst);
    CHECK(count_unequal(y + off_at + RAMP, x + off_at + RAMP, on_at - off_at - RAMP, NULL) == 0,
          "bypassed: not the input");
    CHECK(count_unequal(y, want, off_at, NULL) == 0, "before bypass: not the model");
    CHECK(count_unequal(y + on_at + RAMP, want + on_at + RAMP, n - on_at - RAMP, NULL) == 0,
          "after bypass: not the model (did it stop running?)");
    CHECK(max_step(y, n) <= fmax(max_step(x, n), max_step(want, n)) * 1.5 + 1e-3, "a click in the bypass fade");
    host_free(h);

    /* Mix 50 %, input +6 dB, output -6 dB: set before the first run, so no ramp. */
    Host *g = host_new(MONO, RATE, WORKER_SYNC);
    host_set(g, "input_gain", 6.0f);
    host_set(g, "output_level", -6.0f);
    host_set(g, "mix", 50.0f);
    CHECK(host_load(g, model), "load");
    float gin = powf(10.0f, 6.0f * 0.05f), gout = powf(10.0f, -6.0f * 0.05f);
    float *xg = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) xg[i] = x[i] * gin;
    float *wg = engine_run(model, xg, n, NULL, false);
    run_blocks(g, x, y, n, 4096);
    worst = 0;
    /* A comparison, not fmax (which GCC 12 for aarch64 crashes on here); a NaN is kept. */
    for (size_t i = 0; i < n; i++) {
        double d = fabs(y[i] - (0.5f * gout * wg[i] + 0.5f * x[i]));
        if (!(d <= worst)) worst = d;
    }
    CHECK(worst < 1e-6, "gains and mix: off by %g", worst);
    host_free(g);
    free(x), free(y), free(want), free(xg), free(wg);
}

/* A NaN or Inf in the input: that block is silent, and the model starts over from its initial
 * state - the next blocks are the engine's output from a reset state, exactly. */
static void test_nonfinite(void)
{
    const char *model = ref("keras_lstm8.json");
    Host *h = host_new(MONO, RATE, WORKER_SYNC);
    CHECK(h && host_load(h, model), "load");
    if (!h) return;
    size_t n = 20000, blk = 500, bad_at = 5000;
    float *x = guitar(n, 11), *y = calloc(n, sizeof(float));
    const float poison[] = {NAN, INFINITY, -INFINITY};
    for (int p = 0; p < 3; p++) {
        float *xp = malloc(n * sizeof(float));
        memcpy(xp, x, n * sizeof(float));
        xp[bad_at + 17] = poison[p];
        for (size_t off = 0; off < n; off += blk) {
            const float *in[1] = {xp + off};
            float *out[1] = {y + off};
            host_run(h, in, out, (uint32_t)blk);
        }
        size_t after = bad_at + blk;
        float *want = engine_run(model, x + after, n - after, NULL, false);
        bool silent = true;
        for (size_t i = bad_at; i < after; i++) silent = silent && y[i] == 0.0f;
        CHECK(silent, "poison %d: the block is not silent", p);
        CHECK(all_finite(y, n), "poison %d: non-finite output", p);
        CHECK(count_unequal(y + after, want, n - after, NULL) == 0, "poison %d: not a clean restart", p);
        free(want), free(xp);
    }
    host_free(h);
    free(x), free(y);
}

/* Conditioning knobs: set before the load, the output is the engine's with those values;
 * moved while playing, the change is gradual; a model without conditioning ignores them. */
static void test_knobs(void)
{
    const char *cmodel = tmp("cond2.json");
    make_model(cmodel, 2, 48000.0, false, 42);
    Host *h = host_new(MONO, RATE, WORKER_SYNC);
    host_set(h, "knob1", 0.3f);
    host_set(h, "knob2", 0.7f);
    CHECK(host_load(h, cmodel), "load: %s", host_status(h));
    size_t n = 48000, blk = 512;
    float *x = guitar(n, 12), *y = calloc(n, sizeof(float));
    float cond[NN_MAX_COND] = {0.3f, 0.7f, 0.0f};
    float *want = engine_run(cmodel, x, n, cond, false);
    run_blocks(h, x, y, n / 2, 4096);
    CHECK(count_unequal(y, want, n / 2, NULL) == 0, "knobs set before the load: not the engine's output");
    host_set(h, "knob1", 1.0f);
    for (size_t off = n / 2; off < n; off += blk) {
        uint32_t b = (uint32_t)(off + blk <= n ? blk : n - off);
        const float *in[1] = {x + off};
        float *out[1] = {y + off};
        host_run(h, in, out, b);
    }
    CHECK(all_finite(y, n), "non-finite output");
    CHECK(count_unequal(y + n / 2 + RAMP, want + n / 2 + RAMP, n / 2 - RAMP, NULL) > 0, "knob 1 had no effect");
    float cond1[NN_MAX_COND] = {1.0f, 0.7f, 0.0f};
    float *want1 = engine_run(cmodel, x, n, cond1, false);
    double bound = fmax(max_step(want, n), max_step(want1, n)) * 1.5 + 1e-3;
    CHECK(max_step(y, n) <= bound, "moving a knob clicks: step %g, bound %g", max_step(y, n), bound);
    host_free(h);

    /* A model without conditioning: moving the knobs changes nothing, not a bit. */
    const char *model = ref("keras_lstm8.json");
    Host *g = host_new(MONO, RATE, WORKER_SYNC);
    CHECK(host_load(g, model), "load");
    float *plain = engine_run(model, x, n, NULL, false);
    for (size_t off = 0; off < n; off += blk) {
        host_set(g, "knob1", (float)((off / blk) % 7) / 6.0f);
        uint32_t b = (uint32_t)(off + blk <= n ? blk : n - off);
        const float *in[1] = {x + off};
        float *out[1] = {y + off};
        host_run(g, in, out, b);
    }
    CHECK(count_unequal(y, plain, n, NULL) == 0, "knobs changed a model that has no conditioning");
    host_free(g);
    free(x), free(y), free(want), free(want1), free(plain);
}

/* Resampling. (1) A model whose output is its input, trained at 44.1 kHz in a 48 kHz host, and
 * at 48 kHz in 44.1 and 96 kHz hosts: the output is the input delayed by what the latency port
 * says. (2) A real 44.1 kHz model
 * against an independent offline path (libsamplerate, best quality): close, once the reported
 * latency is removed. (3) Block sizes do not matter. */
static double xcorr_peak(const float *a, const float *b, size_t n, int max_lag, double *norm)
{
    /* The lag (b behind a) with the largest correlation, refined with a parabola. */
    double best = -1e300, c[3] = {0};
    int at = 0;
    for (int lag = 0; lag <= max_lag; lag++) {
        double s = 0;
        for (size_t i = (size_t)max_lag; i < n; i++) s += (double)a[i - (size_t)lag] * b[i];
        if (s > best) best = s, at = lag;
    }
    for (int k = -1; k <= 1; k++) {
        int lag = at + k;
        double s = 0;
        for (size_t i = (size_t)max_lag + 1; i + 1 < n; i++) s += (double)a[(size_t)((long)i - lag)] * b[i];
        c[k + 1] = s;
    }
    double ea = 0, eb = 0;
    for (size_t i = (size_t)max_lag; i < n; i++)
        ea += (double)a[i - (size_t)at] * a[i - (size_t)at], eb += (double)b[i] * b[i];
    *norm = best / sqrt(ea * eb);
    double den = c[0] - 2 * c[1] + c[2];
    return at + (den != 0 ? 0.5 * (c[0] - c[2]) / den : 0.0);
}

static float *src_convert(const float *x, size_t n, double ratio, size_t *out_n)
{
    size_t cap = (size_t)(n * ratio) + 16;
    float *y = calloc(cap, sizeof(float));
    SRC_DATA d = {.data_in = x, .data_out = y, .input_frames = (long)n, .output_frames = (long)cap, .src_ratio = ratio};
    int e = src_simple(&d, SRC_SINC_BEST_QUALITY, 1);
    if (e) fprintf(stderr, "libsamplerate: %s\n", src_strerror(e)), exit(1);
    *out_n = (size_t)d.output_frames_gen;
    return y;
}

/* (1): an identity model at `model_rate` in a host at `host_rate`. The wet path has the DC
 * blocker too (a 5 Hz high-pass, which shifts the phase of the lowest tones a little), so the
 * reference is the input through that filter: the output is that reference delayed by exactly
 * what the latency port says. */
static void resample_identity(double host_rate, double model_rate)
{
    char ident[64];
    snprintf(ident, sizeof ident, "identity_%.0f.json", model_rate);
    make_model(tmp(ident), 0, model_rate, true, 7);
    size_t n = (size_t)(2 * host_rate);
    float *x = calloc(n, sizeof(float)), *y = calloc(n, sizeof(float)), *xr = calloc(n, sizeof(float));
    for (size_t i = 0; i < n; i++) /* band-limited: 110..1760 Hz */
        for (int k = 0; k < 5; k++) x[i] += 0.15f * (float)sin(2 * M_PI * 110.0 * (1 << k) * i / host_rate + k);
    memcpy(xr, x, n * sizeof(float));
    rnnfx_dc_block dc;
    rnnfx_dc_block_init(&dc, host_rate);
    rnnfx_dc_block_run(&dc, xr, n);

    Host *h = host_new(MONO, host_rate, WORKER_SYNC);
    CHECK(h && host_load(h, tmp(ident)), "load identity: %s", h ? host_status(h) : "");
    if (!h) return;
    float lat = host_get(h, "latency");
    CHECK(lat > 0 && lat < 400, "latency %g", lat);
    CHECK(strstr(host_status(h), "resampled"), "status does not say it resamples: %s", host_status(h));
    run_blocks(h, x, y, n, 8192);
    size_t skip = (size_t)(host_rate / 10); /* the ends: the filters' start and the last lags */
    double norm = 0, lag = xcorr_peak(xr + skip, y + skip, n - skip, 400, &norm), ex = 0, ey = 0;
    for (size_t i = skip; i < n - skip; i++) ex += (double)xr[i] * xr[i], ey += (double)y[i] * y[i];
    double gain = sqrt(ey / ex);
    /* The plugin pads its chain to a whole number of host samples (as near as the rates allow:
     * within 1/147 of a sample for 44.1k in 48k), so the port tells the delay as it is. */
    CHECK(fabs(lag - lat) <= 0.1, "%g Hz model in %g Hz: measured delay %.3f, reported %g", model_rate, host_rate, lag,
          lat);
    CHECK(norm > 0.9999, "identity through the resamplers: correlation %.6f", norm);
    CHECK(fabs(gain - 1.0) < 0.01, "identity through the resamplers: gain %.4f", gain);
    printf("resample identity %g Hz model in %g Hz host: reported latency %g, measured %.3f samples, "
           "correlation %.6f, gain %.5f\n",
           model_rate, host_rate, lat, lag, norm, gain);
    host_free(h);
    free(x), free(y), free(xr);
}

static void test_resample(void)
{
    resample_identity(48000.0, 44100.0);
    resample_identity(44100.0, 48000.0);
    resample_identity(96000.0, 48000.0);
    size_t n = 2 * 48000;
    float *y = calloc(n, sizeof(float));

    /* A real model at 44.1 kHz (GuitarML), against libsamplerate around the engine. */
    const char *model = ref("guitarml_lstm20_skip.json");
    float *xg = guitar(n, 13);
    Host *g = host_new(MONO, RATE, WORKER_SYNC);
    CHECK(g && host_load(g, model), "load");
    uint32_t L = (uint32_t)host_get(g, "latency");
    run_blocks(g, xg, y, n, 8192);
    size_t n44, n48;
    float *x44 = src_convert(xg, n, 44100.0 / RATE, &n44);
    float *w44 = engine_run(model, x44, n44, NULL, false);
    float *w48 = src_convert(w44, n44, RATE / 44100.0, &n48);
    double err = 0, sig = 0;
    for (size_t i = 4800 + L; i < n - 4800 && i - L < n48; i++) {
        double d = (double)y[i] - w48[i - L];
        err += d * d, sig += (double)w48[i - L] * w48[i - L];
    }
    double esr = err / sig;
    CHECK(esr < 1e-3, "plugin vs libsamplerate around the engine: ESR %.5f", esr);
    printf("resample guitarml 44.1k in 48k: latency %u, ESR vs offline libsamplerate path %.2e\n", L, esr);

    /* The same through blocks of one sample and of 8192: the same bits. */
    Host *g1 = host_new(MONO, RATE, WORKER_SYNC);
    CHECK(host_load(g1, model), "load");
    float *y1 = calloc(n, sizeof(float));
    for (size_t off = 0; off < n / 4; off++) {
        const float *in[1] = {xg + off};
        float *out[1] = {y1 + off};
        host_run(g1, in, out, 1);
    }
    Host *g2 = host_new(MONO, RATE, WORKER_SYNC);
    CHECK(host_load(g2, model), "load");
    float *y2 = calloc(n, sizeof(float));
    for (size_t off = 0; off < n / 4; off += 8192) {
        uint32_t b = (uint32_t)(off + 8192 <= n / 4 ? 8192 : n / 4 - off);
        const float *in[1] = {xg + off};
        float *out[1] = {y2 + off};
        host_run(g2, in, out, b);
    }
    CHECK(count_unequal(y1, y2, n / 4, NULL) == 0, "resampled output depends on the block size");
    CHECK(count_unequal(y1, y, n / 4, NULL) == 0, "resampled output depends on the block size (random blocks)");
    host_free(g), host_free(g1), host_free(g2);
    free(y), free(xg), free(x44), free(w44), free(w48), free(y1), free(y2);
}

/* The plugin and the command: `rnnfx process` on a file gives what the plugin gives on the same
 * samples - bit for bit at the model's rate (mono, stereo through nn_run2, knobs), and bit for
 * bit after the plugin's reported latency when the rates differ (44.1 and 96 kHz hosts with
 * 48 kHz models, a 48 kHz host with a 44.1 kHz GuitarML model). */
#if RNNFX_HAVE_SNDFILE
static void wav_write(const char *path, const float *const *ch, int n_ch, size_t n, int rate)
{
    SF_INFO info = {.samplerate = rate, .channels = n_ch, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    SNDFILE *f = sf_open(path, SFM_WRITE, &info);
    if (!f) fprintf(stderr, "%s: %s\n", path, sf_strerror(NULL)), exit(1);
    float *frames = malloc(n * (size_t)n_ch * sizeof(float));
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < n_ch; c++) frames[i * (size_t)n_ch + (size_t)c] = ch[c][i];
    if (sf_writef_float(f, frames, (sf_count_t)n) != (sf_count_t)n) fprintf(stderr, "%s: short write\n", path), exit(1);
    sf_close(f);
    free(frames);
}

/* Channel c of a float WAV; NULL if it cannot be read. */
static float *wav_read(const char *path, int c, size_t *n)
{
    SF_INFO info = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f) return NULL;
    float *frames = malloc((size_t)info.frames * (size_t)info.channels * sizeof(float));
    *n = (size_t)sf_readf_float(f, frames, info.frames);
    sf_close(f);
    float *y = malloc(*n * sizeof(float) + 1);
    for (size_t i = 0; i < *n; i++) y[i] = frames[i * (size_t)info.channels + (size_t)c];
    free(frames);
    return y;
}

static int cli_process(const char *cli, const char *model, const char *in, const char *out, const char *extra)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' process '%s' '%s' '%s' %s", cli, model, in, out, extra);
    int rc = system(cmd);
    CHECK(rc == 0, "%s: exit %d", cmd, rc);
    return rc;
}

/* `rnnfx process` on a file at `rate` against the plugin in a host at `rate`, with a model
 * trained at another: the plugin's output, `latency` samples late, is the command's, exactly. */
static void cli_other_rate(const char *cli, const char *model, int rate, const float *x, size_t n)
{
    const float *in1[1] = {x};
    char in[4096], out[4096];
    snprintf(in, sizeof in, "%s", tmp("cli_rate_in.wav"));
    snprintf(out, sizeof out, "%s", tmp("cli_rate_out.wav"));
    wav_write(in, in1, 1, n, rate);
    if (cli_process(cli, model, in, out, "")) return;
    size_t got = 0;
    float *want = wav_read(out, 0, &got), *y = calloc(n, sizeof(float));
    Host *h = host_new(MONO, rate, WORKER_SYNC);
    CHECK(h && host_load(h, model), "load %s at %d Hz", model, rate);
    if (!h || !want || got != n) {
        CHECK(0, "%s at %d Hz: rnnfx process wrote %zu of %zu frames", model, rate, got, n);
        if (h) host_free(h);
        free(want), free(y);
        return;
    }
    uint32_t L = (uint32_t)host_get(h, "latency");
    CHECK(L > 0, "%s at %d Hz: no latency, so not resampled?", model, rate);
    run_blocks(h, x, y, n, 8192);
    size_t first = 0, bad = count_unequal(y + L, want, n - L, &first);
    CHECK(bad == 0, "%s in a %d Hz host: %zu samples differ from rnnfx process after the latency %u (first at %zu)",
          model, rate, bad, L, first);
    double e = 0;
    for (size_t i = 0; i < n - L; i++) e += (double)want[i] * want[i];
    CHECK(e > 1.0, "%s at %d Hz: the output is (nearly) silent", model, rate);
    printf("plugin vs rnnfx process, %s in a %d Hz host: latency %u, %zu of %zu samples differ after it\n",
           strrchr(model, '/') + 1, rate, L, bad, n - L);
    host_free(h);
    free(want), free(y);
}

static void test_cli(void)
{
    const char *cli = check_env("RNNFX_CLI");
    if (!cli) check_skip("the rnnfx command is not built (meson -Dtools=false)");
    size_t n = 3 * 48000, got = 0;
    float *xl = guitar(n, 21), *xr = guitar(n, 22), *yl = calloc(n, sizeof(float)), *yr = calloc(n, sizeof(float));

    /* Mono, and knobs. */
    char cmodel[4096]; /* (tmp() and ref() hand out a few rotating buffers) */
    snprintf(cmodel, sizeof cmodel, "%s", tmp("cli_cond2.json"));
    make_model(cmodel, 2, 48000.0, false, 99);
    const struct {
        const char *model, *args;
        float k1, k2;
    } mono[] = {{ref("keras_lstm8.json"), "", 0, 0},
                {ref("nam_lstm_1x3.nam"), "", 0, 0},
                {cmodel, "--param 1=0.3 --param 2=0.7", 0.3f, 0.7f}};
    const float *in1[1] = {xl};
    wav_write(tmp("cli_in1.wav"), in1, 1, n, 48000);
    for (size_t i = 0; i < sizeof mono / sizeof mono[0]; i++) {
        if (cli_process(cli, mono[i].model, tmp("cli_in1.wav"), tmp("cli_out1.wav"), mono[i].args)) continue;
        float *want = wav_read(tmp("cli_out1.wav"), 0, &got);
        CHECK(want && got == n, "%s: %zu frames", mono[i].model, got);
        if (!want || got != n) continue;
        Host *h = host_new(MONO, RATE, WORKER_SYNC);
        host_set(h, "knob1", mono[i].k1);
        host_set(h, "knob2", mono[i].k2);
        CHECK(host_load(h, mono[i].model), "load");
        run_blocks(h, xl, yl, n, 8192);
        size_t first = 0, bad = count_unequal(yl, want, n, &first);
        CHECK(bad == 0, "%s %s: %zu samples differ from rnnfx process (first at %zu)", mono[i].model, mono[i].args, bad,
              first);
        printf("plugin vs rnnfx process, %s %s: %zu of %zu samples differ\n", strrchr(mono[i].model, '/') + 1,
               mono[i].args, bad, n);
        host_free(h);
        free(want);
    }

    /* Stereo: both channels of a stereo file, through nn_run2 on both sides. */
    const char *smodel = ref("nam_lstm_2x8.nam");
    const float *in2[2] = {xl, xr};
    wav_write(tmp("cli_in2.wav"), in2, 2, n, 48000);
    if (!cli_process(cli, smodel, tmp("cli_in2.wav"), tmp("cli_out2.wav"), "")) {
        size_t gl = 0, gr = 0;
        float *wl = wav_read(tmp("cli_out2.wav"), 0, &gl), *wr = wav_read(tmp("cli_out2.wav"), 1, &gr);
        Host *h = host_new(STEREO, RATE, WORKER_SYNC);
        CHECK(host_load(h, smodel), "load");
        for (size_t off = 0; off < n;) {
            uint32_t b = 1 + rnd() % 4096;
            if (b > n - off) b = (uint32_t)(n - off);
            const float *in[2] = {xl + off, xr + off};
            float *out[2] = {yl + off, yr + off};
            host_run(h, in, out, b);
            off += b;
        }
        CHECK(wl && wr && gl == n && gr == n, "stereo: %zu/%zu frames", gl, gr);
        if (wl && wr && gl == n && gr == n) {
            size_t bl = count_unequal(yl, wl, n, NULL), br = count_unequal(yr, wr, n, NULL);
            CHECK(bl == 0 && br == 0, "stereo: %zu + %zu samples differ from rnnfx process", bl, br);
            printf("plugin vs rnnfx process, stereo %s: %zu + %zu samples differ\n", strrchr(smodel, '/') + 1, bl, br);
        }
        host_free(h);
        free(wl), free(wr);
    }

    /* Other rates: the command and the plugin resample with the same code (dsp/model_stream.c),
     * the command taking the plugin's latency off - so the same bits, shifted by the latency. */
    const struct {
        const char *model;
        int rate;
    } rated[] = {
        {ref("keras_lstm8.json"), 44100}, {ref("nam_lstm_2x8.nam"), 96000}, {ref("guitarml_lstm20_skip.json"), 48000}};
    for (size_t i = 0; i < sizeof rated / sizeof rated[0]; i++)
        cli_other_rate(cli, rated[i].model, rated[i].rate, xl, n);
    free(xl), free(xr), free(yl), free(yr);
}
#else
static void test_cli(void) { check_skip("libsndfile (libsndfile1-dev) is not installed: no WAV files to compare"); }
#endif

/* Every preset of the bundle (ttl/presets.txt: one per shipped model) loads its model, in both
 * plugins, and the model plays (the output is not the input). */
static void test_presets(void)
{
    const char *uris[] = {MONO, STEREO};
    int total = 0;
    size_t n = 24000;
    float *x = guitar(n, 30), *y = calloc(n, sizeof(float)), *y2 = calloc(n, sizeof(float));
    for (int u = 0; u < 2; u++) {
        Host *h = host_new(uris[u], RATE, WORKER_SYNC);
        if (!h) continue;
        int count = host_preset_count(h);
        for (int i = 0; i < count; i++, total++) {
            char label[512];
            snprintf(label, sizeof label, "%s", host_preset_label(h, i));
            unsigned loaded = host_loaded_count(h), errors = host_error_count(h);
            CHECK(host_load_preset(h, i) == 0, "%s: preset '%s' not found", uris[u], label);
            host_settle(h);
            CHECK(host_loaded_count(h) > loaded && host_error_count(h) == errors, "%s: preset '%s': %s", uris[u], label,
                  host_status(h));
            for (size_t off = 0; off < n; off += 1000) {
                const float *in[2] = {x + off, x + off};
                float *out[2] = {y + off, y2 + off};
                host_run(h, in, out, 1000);
            }
            CHECK(all_finite(y, n) && count_unequal(y, x, n, NULL) > n / 2, "%s: preset '%s' does not play", uris[u],
                  label);
            /* The status line names what the label promises ("Zendrive, ... - GRU-32 (recommended)":
             * a Zendrive GRU-32), in words: its knobs, no engine internals. */
            char pedal[64] = "", net[32] = "";
            sscanf(label, "%63[^,]", pedal);
            const char *dash = strrchr(label, '-');
            if (dash && dash > label + 3) sscanf(dash - 3, "%31[A-Z0-9-]", net);
            const char *status = host_status(h);
            CHECK(pedal[0] && strstr(status, pedal) && net[0] && strstr(status, net),
                  "%s: preset '%s' (%s, %s): status \"%s\"", uris[u], label, pedal, net, status);
            CHECK(strstr(status, " - no knobs") || strstr(status, " - Knob 1 = "),
                  "%s: status \"%s\" does not say the "
                  "knobs",
                  uris[u], status);
            CHECK(!strstr(status, "cond") && !strstr(status, "avx") && !strstr(status, "+skip"),
                  "%s: status \"%s\" speaks engine", uris[u], status);
            if (strstr(label, "Knob 1")) CHECK(strstr(status, "Knob 1 = tone"), "%s: status \"%s\"", uris[u], status);
            printf("%s: preset '%s': %s\n", uris[u], label, host_status(h));
        }
        host_free(h);
    }
    free(x), free(y), free(y2);
    if (!total) check_skip("the bundle has no presets yet (ttl/presets.txt lists none)");
}

/* Ardour's export mode: work() and work_response() nested inside schedule_work(). */
static void test_nested(void) { test_swap(WORKER_NESTED); }

static void test_swap_sync(void) { test_swap(WORKER_SYNC); }

static const struct {
    const char *name;
    void (*fn)(void);
} scenarios[] = {
    {"passthrough", test_passthrough},
    {"basic", test_basic},
    {"stereo", test_stereo},
    {"bad_files", test_bad_files},
    {"swap", test_swap_sync},
    {"nested", test_nested},
    {"storm", test_storm},
    {"latest", test_latest},
    {"state", test_state},
    {"restore_live", test_restore_live},
    {"restore_value", test_restore_value},
    {"silence", test_silence},
    {"bypass", test_bypass},
    {"nonfinite", test_nonfinite},
    {"knobs", test_knobs},
    {"resample", test_resample},
    {"cli", test_cli},
    {"presets", test_presets},
};

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--skip")) check_skip(argv[2]);
    if (argc > 1 && !strcmp(argv[1], "--same-list")) { /* meson.build's list against the table */
        const char *names[sizeof scenarios / sizeof scenarios[0]];
        for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) names[i] = scenarios[i].name;
        return check_same_names(names, sizeof scenarios / sizeof scenarios[0], argc - 2, argv + 2);
    }
    const char *data = check_env("RNNFX_TEST_DATA");
    if (argc != 2 || !data) {
        fprintf(stderr, "usage: RNNFX_TEST_DATA=tests/ RNNFX_BUNDLE=build/plugin test_plugin SCENARIO\n");
        return 2;
    }
    snprintf(ref_dir, sizeof ref_dir, "%s/formats/ref", data);
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/rnnfx_plugin_%s_%d", argv[1], (int)getpid());
    mkdir(tmp_dir, 0755);
    printf("real-time checker: %s\n", rt_checker());
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (!strcmp(argv[1], scenarios[i].name)) {
            scenarios[i].fn();
            char cmd[4200];
            snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
            if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp_dir);
            return check_exit();
        }
    fprintf(stderr, "test_plugin: no scenario '%s'\n", argv[1]);
    return 2;
}
