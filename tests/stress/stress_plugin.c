/*
 * stress_plugin.c - the plugin under stress, in the lilv test host of tests/plugin (host.h),
 * every run() and work_response() inside the real-time window of the checker this binary was
 * built with (rtwindow.h: the rtcheck interposer, RealtimeSanitizer, or none for valgrind).
 *
 *   stress_plugin swaps [--instances N] [--seconds S] [--swaps K] [--speed F] [--seed X] [--small-junk] [--lean]
 *                       [--light]
 *   stress_plugin inputs [--silence S] [--lean]
 *
 * swaps: N instances (mono and stereo alternately) play S seconds of music each, in blocks of
 *   random size (1..8192, log-uniform, a new size every call), from two audio threads, paced at
 *   F x real time (0: as fast as they can), while K patch:Set messages in all ask for models from
 *   the zoo (zoo.h: good, bad, missing, huge, slow, other rates, none), every control port is
 *   automated at random (gains, mix, bypass, knobs; now and then NaN or out of range), and a
 *   session thread saves and restores the instances' state at random (restore through the
 *   worker, while run() goes on, as state:threadSafeRestore allows). Checked on every block:
 *   every output sample is finite; no sample-to-sample step exceeds what the models themselves
 *   do (measured on the same kind of music with the engine, zoo_measure) plus what the 20 ms
 *   ramps and crossfades allow (see step_bound); only good files ever become the model. At
 *   the end, each instance passes audio through exactly when the model is unset, and then
 *   plays a model exactly as the engine does (after the crossfade) - it survived intact.
 *
 * inputs: NaN, Inf, denormals, DC at full scale, full-scale noise and minutes of silence into
 *   every good model of the zoo, mono and stereo: every output sample finite, no denormal in the
 *   output nor in the engine's state after silence; blocks holding a NaN or an Inf are silent.
 *   The cost per block on silence and on denormals is printed as a ratio to the cost on music,
 *   measured in the same run (a figure for TESTING.md, never a pass/fail threshold).
 */
#define _GNU_SOURCE
#include "check.h"
#include "dc_block.h"
#include "host.h"
#include "music.h"
#include "nn.h"
#include "nn_internal.h"
#include "rtwindow.h"
#include "zoo.h"

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MONO "urn:rnnfx:mono"
#define STEREO "urn:rnnfx:stereo"
#define RATE 48000.0
#define RAMP 960u      /* the plugin's 20 ms ramps and crossfades, at RATE */
#define COND_CHUNK 32u /* while a knob moves, the plugin applies it every 32 samples */
#define MAX_BLOCK 8192u
#define MAX_INST 64
#define WIN 256      /* control values remembered per instance (blocks) */
#define MAX_SAVED 16 /* states kept per instance for restoring */
#define MARGIN 1.5   /* as the plugin tests: the models' steps were measured on other music */

static char ref_dir[2048], tmp_dir[1024];
static Zoo zoo;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void sleep_s(double s)
{
    struct timespec t = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&t, NULL);
}

static long rss_mb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
        fclose(f);
    }
    return rss * sysconf(_SC_PAGESIZE) / (1 << 20);
}

/* ---- The controls, as the plugin reads them (ports.ttl.part: ranges and defaults) ------------- */

typedef struct {
    float gi, go, mix, on; /* linear gains, mix 0..1 (the port is in %), on 0/1 */
} Controls;

static float clampf(float v, float lo, float hi, float dflt)
{
    if (v != v) return dflt;
    return v < lo ? lo : v > hi ? hi : v;
}

static Controls controls_of(Host *h)
{
    Controls c;
    c.gi = powf(10.0f, clampf(host_get(h, "input_gain"), -24, 24, 0) / 20.0f);
    c.go = powf(10.0f, clampf(host_get(h, "output_level"), -24, 24, 0) / 20.0f);
    c.mix = clampf(host_get(h, "mix"), 0, 100, 100) / 100.0f;
    c.on = clampf(host_get(h, "enabled"), 0, 1, 1) > 0.5f ? 1.0f : 0.0f;
    return c;
}

/* ---- An instance ------------------------------------------------------------------------------- */

typedef struct {
    size_t start, len; /* samples of the block */
    Controls c;        /* the largest value of each control seen before or after the block */
} WinEntry;

typedef struct {
    uint64_t mask;
    size_t until;
} Gone;

typedef struct {
    int idx, n_ch;
    Host *h;
    Rng rng;
    float *x[2]; /* the input, n samples per channel */
    size_t n, pos;
    double ax, sx; /* the input's peak and largest step */
    float last[2]; /* the output's previous sample */
    float out[2][MAX_BLOCK];
    WinEntry win[WIN];
    unsigned n_win;
    /* Which good models may be audible (bit b: the good file good_file[b]), for the bound:
     * the one the plugin last said it plays, those it said before (until 2 crossfades after
     * they were superseded), and those requested and not yet answered for. */
    uint64_t cur;  /* what the plugin says plays (0: none) */
    Gone gone[64]; /* superseded, audible until `until` */
    unsigned n_gone;
    uint64_t pending;          /* requested by this thread (patch:Set), or taken from `asked` */
    _Atomic uint64_t asked;    /* requested by the session thread (restore) */
    pthread_mutex_t restoring; /* held by the session thread around a restore */
    char said_path[8192], said_status[1024];
    ZooFifo *fifo; /* a pipe requested, not served yet */
    unsigned long fifo_blocks;

    /* counts */
    unsigned long blocks, sets, sets_left, autos, nonfinite, bad_installed, said, clicks;
    unsigned long fifo_sent, fifo_blocked, fifo_blocked_blocks;
    double worst, worst_step, worst_bound; /* the largest step / bound, and its parts */
    size_t worst_at;
    double max_run_s, max_run_cpu; /* wall and thread CPU time of the longest run() */
    uint32_t max_run_cpu_len;

    /* state (the session thread only) */
    char saved[MAX_SAVED][1400];
    unsigned n_saved, saves, restores, restore_fails;
} Inst;

static Inst inst[MAX_INST];
static int good_bit[ZOO_MAX]; /* zoo index -> bit, -1 if not a good file */
static int good_file[64];     /* bit -> zoo index */
static int n_good_bits;

static uint64_t bit_of_path(const char *path, bool *good)
{
    char *real = realpath(path, NULL);
    int z = real ? zoo_find_real(&zoo, real) : -1;
    free(real);
    *good = z >= 0 && good_bit[z] >= 0;
    return *good ? 1ull << good_bit[z] : 0;
}
static int n_inst;
static atomic_int audio_done;

/* Counted from every line the plugins log (host_on_log). */
static atomic_ulong log_loaded, log_resampled, log_refused, log_refused_named, log_other;
static atomic_uint refused_by[ZOO_MAX];

static void on_log(void *ctx, const char *line)
{
    (void)ctx;
    if (!strncmp(line, "rnnfx: loaded ", 14)) {
        atomic_fetch_add(&log_loaded, 1);
        if (strstr(line, "resampled")) atomic_fetch_add(&log_resampled, 1);
        return;
    }
    if (strncmp(line, "rnnfx: ", 7) || !strncmp(line, "rnnfx: mono", 11) || !strncmp(line, "rnnfx: stereo", 13)) {
        atomic_fetch_add(&log_other, 1);
        return;
    }
    /* An error: "rnnfx: <file>: <problem>". Which file? */
    atomic_fetch_add(&log_refused, 1);
    const char *msg = line + 7;
    int best = -1;
    size_t best_len = 0;
    for (int i = 0; i < zoo.n; i++) {
        size_t l = strlen(zoo.f[i].path);
        if (l > best_len && !strncmp(msg, zoo.f[i].path, l) && msg[l] == ':') best = i, best_len = l;
    }
    if (best >= 0) {
        atomic_fetch_add(&refused_by[best], 1);
        atomic_fetch_add(&log_refused_named, 1);
    } else if (strstr(msg, "/slow_") || strstr(msg, "path too long")) {
        atomic_fetch_add(&log_refused_named, 1);
    } else {
        fprintf(stderr, "unexpected log line: %s", line);
        atomic_fetch_add(&log_other, 1);
    }
}

/* ---- What a step may be ------------------------------------------------------------------------ *
 * The plugin's output is  on * (mix * go * W + (1 - mix) * D) + (1 - on) * D'  where W is the wet
 * signal (one model, or two crossfading: f W_new + (1 - f) W_old, f rising by 1/RAMP per
 * sample), D and D' the dry input delayed by a model's latency, and on, mix, go (and the input
 * gain gi inside W) ramps that move by at most their range / RAMP per sample. So, per sample:
 *   |dW| <= S(gi) + 2 A(gi) / RAMP  (a model's own step; the crossfade's share of the difference)
 *          + A(gi) / RAMP           (the input gain's ramp, felt through the model)
 *          + 2 A(gi) COND_CHUNK / RAMP  (a knob applied 32 samples at a time)
 *   the ramps of go, mix and on: (go A + 2 Ax) / RAMP each, the dry signal: Sx,
 * with S and A the largest step and peak of any good model at an input gain up to gi (zoo_measure),
 * Ax and Sx the input's, and each control at the largest value it had over the block and the
 * RAMP samples before it. The models' share gets the plugin tests' margin of 1.5. */
static double step_bound(const Inst *in, size_t start, uint64_t models, double *model_part, Controls *hi_out)
{
    /* the controls' largest values over [start - RAMP, start + len) */
    Controls hi = {0, 0, 0, 0};
    for (unsigned k = 0; k < in->n_win && k < WIN; k++) {
        const WinEntry *e = &in->win[(in->n_win - 1 - k) % WIN];
        hi.gi = fmaxf(hi.gi, e->c.gi), hi.go = fmaxf(hi.go, e->c.go);
        hi.mix = fmaxf(hi.mix, e->c.mix), hi.on = fmaxf(hi.on, e->c.on);
        if (e->start + e->len + RAMP <= start) break; /* this value held since before the window */
    }
    int g = 0; /* the grid's input gain at or above hi.gi */
    while (g < ZOO_GAIN_STEPS - 1 && powf(10.0f, (-24.0f + 12.0f * (float)g) / 20.0f) < hi.gi * 0.9999f) g++;
    double S = 0, A = 0;
    for (int b = 0; b < n_good_bits; b++)
        if (models >> b & 1) S = fmax(S, zoo.f[good_file[b]].step[g]), A = fmax(A, zoo.f[good_file[b]].peak[g]);
    double dw = S + (2 + 1 + 2.0 * COND_CHUNK) * A / RAMP;
    double model = MARGIN * (hi.on * hi.mix * hi.go * dw + 3 * hi.go * A / RAMP);
    *model_part = model;
    if (hi_out) *hi_out = hi;
    return model + in->sx + 6 * in->ax / RAMP + 1e-6;
}

/* After run(): what the plugin said it plays now, and which models may have been audible in
 * the block just run (see Inst.cur). A model the plugin installs at the end of one run() plays
 * from the next, and says so in that one; one it replaces goes on for at most two crossfades
 * (the one in progress, then its own fade-out: 2 RAMP, plus a chunk of 256 for each). */
#define AUDIBLE_AFTER (2 * RAMP + 512)
static void gone_push(Inst *in, uint64_t mask, size_t until)
{
    if (!mask) return;
    if (in->n_gone == 64) { /* full: merge into the last one (it only gets looser) */
        in->gone[63].mask |= mask;
        if (until > in->gone[63].until) in->gone[63].until = until;
        return;
    }
    in->gone[in->n_gone++] = (Gone){mask, until};
}
static uint64_t audible_models(Inst *in, size_t start)
{
    const char *path = host_model_path(in->h), *status = host_status(in->h);
    bool path_changed = strcmp(path, in->said_path) != 0, status_changed = strcmp(status, in->said_status) != 0;
    uint64_t now = in->cur;
    if (status_changed && !strncmp(status, "no model loaded", 15)) now = 0;
    else if ((status_changed && !strncmp(status, "loaded ", 7)) || path_changed) {
        bool good = false;
        now = bit_of_path(path, &good);
        if (!good) {
            in->bad_installed++;
            fprintf(stderr, "instance %d plays '%s', which is not a good model\n", in->idx, path);
        }
    }
    if (path_changed) snprintf(in->said_path, sizeof in->said_path, "%s", path);
    if (status_changed) snprintf(in->said_status, sizeof in->said_status, "%s", status);
    if (now != in->cur || (status_changed && !strncmp(status, "loaded ", 7))) {
        in->said++;
        gone_push(in, in->cur, start + AUDIBLE_AFTER);
        in->cur = now;
    }
    /* Requests: once the worker is idle (nothing queued, nothing to answer), every request made
     * so far has been answered, and what it installed has been said - or was replaced within
     * the same batch of answers, and plays no longer than a superseded model does. */
    if (!pthread_mutex_trylock(&in->restoring)) {
        in->pending |= atomic_exchange(&in->asked, 0);
        if (host_worker_idle(in->h) && in->pending) {
            gone_push(in, in->pending, start + AUDIBLE_AFTER);
            in->pending = 0;
        }
        pthread_mutex_unlock(&in->restoring);
    }
    uint64_t m = in->cur | in->pending | atomic_load(&in->asked);
    unsigned keep = 0;
    for (unsigned i = 0; i < in->n_gone; i++)
        if (in->gone[i].until > start) m |= in->gone[i].mask, in->gone[keep++] = in->gone[i];
    in->n_gone = keep;
    return m;
}

/* ---- The swap storm ------------------------------------------------------------------------------ */

typedef struct {
    unsigned instances, swaps;
    double seconds, speed;
    uint64_t seed;
    bool small_junk; /* 6 MB junk and padded files instead of 60 (a quicker zoo) */
    bool lean;       /* not the costly models (2 x 128 units, 768 kHz): for the sanitizer build */
    bool light;      /* for valgrind: 6 MB junk instead of 60, no large models, the models not measured
                   and no step check (what valgrind looks for is invalid accesses and leaks) */
} SwapOpts;

static SwapOpts so = {32, 2000, 2.5, 1.0, 1, false, false, false};

/* What the next patch:Set asks for (a path, or "" for no model). */
static const char *pick_model(Inst *in, bool allow_fifo)
{
    uint32_t r = rng_below(&in->rng, 1000);
    if (r < 30) return "";
    if (r < 80 && allow_fifo) { /* a slow file: the worker blocks in open() for 10 ms .. 1.5 s */
        in->fifo = zoo_fifo_new(zoo.dir, 0.01 + 1.49 * rng_01(&in->rng) * rng_01(&in->rng));
        in->fifo_blocks = 0;
        in->fifo_sent++;
        return zoo_fifo_path(in->fifo);
    }
    bool huge = r < 110 && !so.light; /* 3 %: the large files */
    ZooKind kind = r < 600 ? ZOO_GOOD : r < 920 ? ZOO_BAD : ZOO_MISSING;
    if (huge) kind = rng_below(&in->rng, 2) ? ZOO_GOOD : ZOO_BAD;
    for (;;) {
        const ZooFile *f = &zoo.f[rng_below(&in->rng, (uint32_t)zoo.n)];
        /* (--light: nothing costly - under valgrind a model at 768 kHz takes seconds per block) */
        if (f->kind == kind && f->huge == huge && !(so.light && f->costly)) return f->path;
    }
}

static uint32_t block_size(Inst *in)
{
    uint32_t r = rng_below(&in->rng, 100);
    if (r == 0) return 1;
    if (r == 1) return MAX_BLOCK;
    uint32_t b = (uint32_t)exp(rng_01(&in->rng) * log((double)MAX_BLOCK));
    return b < 1 ? 1 : b > MAX_BLOCK ? MAX_BLOCK : b;
}

static void automate(Inst *in)
{
    static const char *ports[] = {"input_gain", "output_level", "mix", "enabled", "knob1", "knob2", "knob3"};
    int p = (int)rng_below(&in->rng, 7);
    float v;
    switch (p) {
    case 0:
    case 1: v = (float)(-24 + 48 * rng_01(&in->rng)); break;
    case 2: v = (float)(100 * rng_01(&in->rng)); break; /* mix, in % */
    case 3: v = rng_below(&in->rng, 4) ? (float)rng_below(&in->rng, 2) : (float)rng_01(&in->rng); break;
    default: v = (float)rng_01(&in->rng); break;
    }
    uint32_t odd = rng_below(&in->rng, 200); /* a host that sends what it should not */
    if (odd == 0) v = NAN;
    if (odd == 1) v = 1e30f;
    if (odd == 2) v = -INFINITY;
    host_set(in->h, ports[p], v);
    in->autos++;
}

/* One block of one instance: maybe a patch:Set, maybe a control change, run, check. */
static void play_block(Inst *in)
{
    float(*out)[MAX_BLOCK] = in->out;
    uint32_t b = block_size(in);
    if (b > in->n - in->pos) b = (uint32_t)(in->n - in->pos);

    /* patch:Set: spread what is left of this instance's share over its blocks to come */
    double blocks_left = b == in->n - in->pos ? 1.0 : (double)(in->n - in->pos) / 900.0 + 1.0;
    double want = (double)in->sets_left / blocks_left;
    unsigned sets = (unsigned)want + (rng_01(&in->rng) < want - floor(want));
    for (unsigned s = 0; s < sets && in->sets_left; s++) {
        const char *path = pick_model(in, !in->fifo); /* one pipe at a time */
        bool good = false;
        if (path[0]) in->pending |= bit_of_path(path, &good);
        host_send_model(in->h, path);
        in->sets++, in->sets_left--;
    }
    if (rng_below(&in->rng, 8) == 0) automate(in);

    Controls pre = controls_of(in->h);
    const float *x[2] = {in->x[0] + in->pos, in->n_ch == 2 ? in->x[1] + in->pos : NULL};
    float *y[2] = {out[0], out[1]};
    double t0 = now_s(), c0 = cpu_s();
    host_run(in->h, x, y, b);
    double dt = now_s() - t0, dc = cpu_s() - c0;
    if (dt > in->max_run_s) in->max_run_s = dt;
    if (dc > in->max_run_cpu) in->max_run_cpu = dc, in->max_run_cpu_len = b;
    Controls post = controls_of(in->h); /* a restore may have changed them meanwhile */
    WinEntry *e = &in->win[in->n_win++ % WIN];
    e->start = in->pos, e->len = b;
    e->c.gi = fmaxf(pre.gi, post.gi), e->c.go = fmaxf(pre.go, post.go);
    e->c.mix = fmaxf(pre.mix, post.mix), e->c.on = fmaxf(pre.on, post.on);

    /* Every sample finite; no step beyond the bound. */
    uint64_t models = audible_models(in, in->pos);
    double model_part = 0;
    Controls hi;
    double bound = step_bound(in, in->pos, models, &model_part, &hi);
    for (int c = 0; c < in->n_ch; c++)
        for (uint32_t i = 0; i < b; i++) {
            float v = out[c][i];
            if (!isfinite(v)) {
                in->nonfinite++;
                continue;
            }
            double step = fabs((double)v - (i ? out[c][i - 1] : in->last[c]));
            if (!so.light && in->pos + i > 0 && step > bound && in->clicks++ < 3) {
                fprintf(stderr,
                        "instance %d (%s) channel %d sample %zu (block %zu + %u of %u): step %.4g > bound %.4g "
                        "(models' part %.4g); y %.4g after %.4g; models:",
                        in->idx, in->n_ch == 2 ? "stereo" : "mono", c, in->pos + i, in->pos, i, b, step, bound,
                        model_part, v, i ? out[c][i - 1] : in->last[c]);
                for (int k = 0; k < n_good_bits; k++)
                    if (models >> k & 1) fprintf(stderr, " [%s]", zoo.f[good_file[k]].what);
                Controls now = controls_of(in->h);
                fprintf(
                    stderr,
                    "; plugin says '%.80s'; controls (largest in the window) gain in %.3g out %.3g mix %.2f on %.0f, "
                    "now %.3g %.3g %.2f %.0f; latency %g\n",
                    host_status(in->h), hi.gi, hi.go, hi.mix, hi.on, now.gi, now.go, now.mix, now.on,
                    host_get(in->h, "latency"));
            }
            if (in->pos + i > 0 && step / bound > in->worst) {
                in->worst = step / bound, in->worst_step = step, in->worst_bound = bound;
                in->worst_at = in->pos + i;
            }
        }
    for (int c = 0; c < in->n_ch; c++) in->last[c] = out[c][b - 1];

    /* A slow file: count the blocks that ran while the worker waited for it. */
    if (in->fifo) {
        FifoState st = zoo_fifo_state(in->fifo);
        if (st == FIFO_PENDING) {
            in->fifo_blocks++;
        } else {
            if (st == FIFO_SERVED_BLOCKED) in->fifo_blocked++, in->fifo_blocked_blocks += in->fifo_blocks;
            in->fifo = NULL;
        }
    }
    in->pos += b;
    in->blocks++;
}

typedef struct {
    int first, step;
} AudioJob;

static double t_start;
static atomic_ulong session_saves, session_restores;

static void *audio_thread(void *arg)
{
    const AudioJob *job = arg;
    double held = 0;
    for (;;) {
        /* Halfway, audio waits until the session thread has saved and restored a state at least
         * once (it always has by then, except where threads starve, as under valgrind): restores
         * happen while instances are playing, however slow the machine. (Up to 10 minutes.) */
        if (held < 600 && (!atomic_load(&session_saves) || !atomic_load(&session_restores))) {
            bool half = true;
            for (int i = job->first; i < n_inst; i += job->step)
                half &= inst[i].pos * 2 >= inst[i].n && inst[i].pos < inst[i].n;
            if (half) {
                sleep_s(0.001), held += 0.001;
                continue;
            }
        }
        bool any = false;
        double slowest = 1e300;
        for (int i = job->first; i < n_inst; i += job->step) {
            Inst *in = &inst[i];
            if (in->pos >= in->n) continue;
            any = true;
            play_block(in);
            slowest = fmin(slowest, (double)in->pos / RATE);
        }
        if (!any) break;
        /* Paced: no faster than `speed` x real time (the worker and the session thread get to
         * run while audio plays, as they would live). */
        if (so.speed > 0) {
            double ahead = slowest / so.speed - (now_s() - t_start);
            if (ahead > 0.002) sleep_s(ahead > 0.02 ? 0.02 : ahead);
        }
    }
    return NULL;
}

/* The model a saved state names (its bit; 0 for none). */
static uint64_t state_model(const char *dir)
{
    char path[1600];
    snprintf(path, sizeof path, "%s/state.ttl", dir);
    FILE *f = fopen(path, "r");
    static char text[1 << 16];
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f) fclose(f);
    text[n] = '\0';
    /* <urn:rnnfx:model> <file> ;   (a link in the state's folder, named relative to it) */
    char *at = strstr(text, "<urn:rnnfx:model>");
    if (!at || !(at = strchr(at + 17, '<'))) return 0;
    char *end = strchr(at, '>');
    if (!end) return 0;
    *end = '\0';
    char file[4096];
    int len = snprintf(file, sizeof file, "%s/", dir);
    for (const char *p = at + 1; *p && len < (int)sizeof file - 1; p++) { /* a URI: %XX escapes */
        unsigned v;
        if (*p == '%' && sscanf(p + 1, "%2x", &v) == 1) file[len++] = (char)v, p += 2;
        else
            file[len++] = *p;
    }
    file[len] = '\0';
    bool good;
    return bit_of_path(file, &good);
}

/* Saves and restores at random, while audio runs. */
static void *session_thread(void *arg)
{
    Rng rng = rng_seed(*(uint64_t *)arg);
    unsigned serial = 0;
    while (!atomic_load(&audio_done)) {
        sleep_s(0.002 + 0.03 * rng_01(&rng));
        Inst *in = &inst[rng_below(&rng, (uint32_t)n_inst)];
        if (in->pos >= in->n) continue;
        if (!in->n_saved || rng_below(&rng, 2)) {
            char dir[1400];
            snprintf(dir, sizeof dir, "%s/states/%d_%u", tmp_dir, in->idx, serial++);
            mkdir(dir, 0755);
            if (host_save(in->h, dir) == 0) {
                snprintf(in->saved[in->n_saved % MAX_SAVED], sizeof in->saved[0], "%s", dir);
                in->n_saved++;
                in->saves++;
                atomic_fetch_add(&session_saves, 1);
            }
        } else {
            /* any state saved by an instance of the same kind (mono, stereo) */
            Inst *from = in;
            for (int tries = 0; tries < 8; tries++) {
                Inst *o = &inst[rng_below(&rng, (uint32_t)n_inst)];
                if (o->n_ch == in->n_ch && o->n_saved) {
                    from = o;
                    break;
                }
            }
            unsigned k = rng_below(&rng, from->n_saved < MAX_SAVED ? from->n_saved : MAX_SAVED);
            pthread_mutex_lock(&in->restoring);
            atomic_fetch_or(&in->asked, state_model(from->saved[k]));
            if (host_restore(in->h, from->saved[k], true) == 0) in->restores++, atomic_fetch_add(&session_restores, 1);
            else
                in->restore_fails++;
            pthread_mutex_unlock(&in->restoring);
        }
    }
    return NULL;
}

/* After the storm: the instance passes audio through exactly when told to, then plays a model
 * exactly as the engine does once the crossfade is over. */
static void check_survivor(Inst *in)
{
    Host *h = in->h;
    host_settle(h);
    host_set(h, "input_gain", 0), host_set(h, "output_level", 0), host_set(h, "mix", 100), host_set(h, "enabled", 1);
    host_set(h, "knob1", 0), host_set(h, "knob2", 0), host_set(h, "knob3", 0);
    size_t n = 3 * RAMP + 20000;
    float *x[2], *y[2];
    for (int c = 0; c < 2; c++)
        x[c] = music(n, RATE, 1000 + (uint64_t)in->idx * 2 + (uint64_t)c), y[c] = calloc(n, sizeof(float));
    const char *model = in->n_ch == 1 ? "keras_lstm8.json" : "nam_lstm_2x8.nam";
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", ref_dir, model);
    for (int phase = 0; phase < 2; phase++) {
        /* 3 ramps of audio: every ramp and crossfade in flight ends */
        for (size_t off = 0; off < 3 * RAMP; off += RAMP) {
            const float *xi[2] = {x[0] + off, x[1] + off};
            float *yo[2] = {y[0] + off, y[1] + off};
            host_run(h, xi, yo, RAMP);
        }
        unsigned loaded = host_loaded_count(h);
        host_send_model(h, phase ? path : "");
        /* empty runs until the worker has answered and the plugin said what it did: the new
         * model (or none) starts with the next sample */
        const float *x0[2] = {x[0], x[1]};
        float *y0[2] = {y[0], y[1]};
        host_run(h, x0, y0, 0);
        for (int i = 0; i < 100000 && !host_worker_idle(h); i++) {
            sleep_s(0.0002);
            host_run(h, x0, y0, 0);
        }
        host_run(h, x0, y0, 0);
        CHECK(phase ? host_loaded_count(h) > loaded : !!strstr(host_status(h), "passing audio"),
              "instance %d after the storm: %s: status '%s'", in->idx, phase ? model : "unset", host_status(h));
        size_t start = 3 * RAMP;
        for (size_t off = start; off < n;) {
            uint32_t b = 1 + rng_below(&in->rng, 3000);
            if (b > n - off) b = (uint32_t)(n - off);
            const float *xi[2] = {x[0] + off, x[1] + off};
            float *yo[2] = {y[0] + off, y[1] + off};
            host_run(h, xi, yo, b);
            off += b;
        }
        for (int c = 0; c < in->n_ch; c++) {
            size_t bad = 0, first = 0;
            float *want = NULL;
            if (phase) { /* the engine, pre-warmed (the model was swapped in while audio ran), then
                          * the plugin's DC blocker (dsp/dc_block.h) from rest */
                nn_error err;
                nn_model *m = nn_model_load_file(path, &err);
                nn_state *s = nn_state_new(m, &err);
                nn_state_prewarm(s);
                want = calloc(n, sizeof(float));
                nn_run(s, x[c] + start, want + start, n - start);
                rnnfx_dc_block dc;
                rnnfx_dc_block_init(&dc, nn_model_sample_rate(m));
                rnnfx_dc_block_run(&dc, want + start, n - start);
                nn_state_free(s);
                nn_model_free(m);
            }
            const float *ref = phase ? want : x[c];
            for (size_t i = start + RAMP; i < n; i++)
                if (!(y[c][i] == ref[i]) && !bad++) first = i;
            CHECK(bad == 0, "instance %d channel %d after the storm: %zu samples are not %s (first at %zu: %g vs %g)",
                  in->idx, c, bad, phase ? "the engine's output" : "the input", first, bad ? y[c][first] : 0.0,
                  bad ? ref[first] : 0.0);
            free(want);
        }
    }
    for (int c = 0; c < 2; c++) free(x[c]), free(y[c]);
}

static void test_swaps(void)
{
    char zdir[2100];
    snprintf(zdir, sizeof zdir, "%s/zoo", tmp_dir);
    double t0 = now_s();
    if (zoo_make(&zoo, zdir, ref_dir, !so.light && !so.small_junk, false, !so.light, so.light || so.lean)) {
        CHECK(0, "the zoo of model files could not be made");
        return;
    }
    if (!so.light) { /* 0.6 s of music at the instances' peak level */
        size_t np = (size_t)(0.6 * RATE);
        float *probe = music(np, RATE, 99), peak = 0;
        for (size_t i = 0; i < np; i++) peak = fmaxf(peak, fabsf(probe[i]));
        for (size_t i = 0; i < np; i++) probe[i] *= 0.95f / peak;
        zoo_measure(&zoo, probe, np, RATE);
        free(probe);
    }
    double S0 = 0, A0 = 0;
    for (int i = 0; i < zoo.n; i++)
        if (zoo.f[i].kind == ZOO_GOOD) S0 = fmax(S0, zoo.f[i].step[2]), A0 = fmax(A0, zoo.f[i].peak[2]);
    printf("zoo: %d files (%d good, %d bad or missing) made and measured in %.1f s; at 0 dB the models' largest "
           "step is %.3g, peak %.3g\n",
           zoo.n, zoo.n_good, zoo.n_bad, now_s() - t0, S0, A0);

    for (int i = 0; i < zoo.n; i++) {
        good_bit[i] = -1;
        if (zoo.f[i].kind == ZOO_GOOD && n_good_bits < 64) good_file[n_good_bits] = i, good_bit[i] = n_good_bits++;
    }
    char sdir[2100];
    snprintf(sdir, sizeof sdir, "%s/states", tmp_dir);
    mkdir(sdir, 0755);
    n_inst = (int)so.instances;
    long rss0 = rss_mb();
    for (int i = 0; i < n_inst; i++) {
        Inst *in = &inst[i];
        memset(in, 0, sizeof *in);
        in->idx = i;
        in->n_ch = i % 2 ? 2 : 1;
        in->rng = rng_seed(so.seed * 1000 + (uint64_t)i);
        pthread_mutex_init(&in->restoring, NULL);
        in->h = host_new(in->n_ch == 2 ? STEREO : MONO, RATE, WORKER_THREAD);
        if (!in->h) {
            CHECK(0, "instance %d: the host could not instantiate the plugin", i);
            n_inst = i;
            break;
        }
        host_on_log(in->h, on_log, NULL);
        in->n = (size_t)(so.seconds * RATE);
        for (int c = 0; c < in->n_ch; c++) {
            in->x[c] = music(in->n, RATE, so.seed * 7919 + (uint64_t)i * 2 + (uint64_t)c);
            for (size_t k = 0; k < in->n; k++) {
                in->ax = fmax(in->ax, fabs(in->x[c][k]));
                /* A comparison, not fmax (which GCC 12 for aarch64 crashes on here); a NaN is kept. */
                if (k) {
                    double d = fabs((double)in->x[c][k] - in->x[c][k - 1]);
                    if (!(d <= in->sx)) in->sx = d;
                }
            }
        }
        in->sets_left = so.swaps / so.instances + ((unsigned)i < so.swaps % so.instances);
    }

    zoo_fifo_start();
    pthread_t audio[2], session;
    AudioJob jobs[2] = {{0, 2}, {1, 2}};
    uint64_t sseed = so.seed;
    t_start = now_s();
    pthread_create(&session, NULL, session_thread, &sseed);
    for (int t = 0; t < 2; t++) pthread_create(&audio[t], NULL, audio_thread, &jobs[t]);
    for (int t = 0; t < 2; t++) pthread_join(audio[t], NULL);
    atomic_store(&audio_done, 1);
    pthread_join(session, NULL);
    double wall = now_s() - t_start;
    zoo_fifo_stop(); /* every pipe served: no worker stays blocked */
    long rss1 = rss_mb();

    /* Totals */
    unsigned long blocks = 0, sets = 0, autos = 0, nonfinite = 0, bad = 0, saves = 0, restores = 0, rfail = 0;
    unsigned long fifo_sent = 0, fifo_blocked = 0, fifo_blocks = 0, rt_logs = 0;
    double worst = 0, max_run = 0, max_cpu = 0;
    uint32_t max_cpu_len = 0;
    int worst_i = 0;
    for (int i = 0; i < n_inst; i++) {
        Inst *in = &inst[i];
        blocks += in->blocks, sets += in->sets, autos += in->autos, nonfinite += in->nonfinite;
        bad += in->bad_installed, saves += in->saves, restores += in->restores, rfail += in->restore_fails;
        fifo_sent += in->fifo_sent, fifo_blocked += in->fifo_blocked, fifo_blocks += in->fifo_blocked_blocks;
        rt_logs += host_rt_log_calls(in->h);
        if (in->worst > worst) worst = in->worst, worst_i = i;
        max_run = fmax(max_run, in->max_run_s);
        if (in->max_run_cpu > max_cpu) max_cpu = in->max_run_cpu, max_cpu_len = in->max_run_cpu_len;
    }
    Inst *w = &inst[worst_i];
    printf("storm: %d instances (%d mono, %d stereo) x %.1f s of audio in %lu blocks of 1..%u samples, %.1f s wall "
           "(%s); real-time checker: %s\n",
           n_inst, (n_inst + 1) / 2, n_inst / 2, so.seconds, blocks, MAX_BLOCK, wall,
           so.speed > 0 ? "paced" : "unpaced", rt_checker());
    printf("  %lu patch:Set sent (%lu slow pipes), %lu control changes, %lu states saved and %lu restored while "
           "running (%lu restores refused)\n",
           sets, fifo_sent, autos, saves, restores, rfail);
    unsigned distinct_bad = 0, bad_files = 0;
    for (int i = 0; i < zoo.n; i++)
        if (zoo.f[i].kind != ZOO_GOOD) bad_files++, distinct_bad += atomic_load(&refused_by[i]) > 0;
    printf("  the workers loaded %lu models (%lu resampled) and refused %lu requests (%u of %u bad or missing files, "
           "%lu slow pipes with the worker blocked in open() while audio ran %lu blocks); the rest were superseded\n",
           atomic_load(&log_loaded), atomic_load(&log_resampled), atomic_load(&log_refused), distinct_bad, bad_files,
           fifo_blocked, fifo_blocks);
    if (so.light) worst = 0, w->worst_step = w->worst_bound = NAN; /* not measured */
    printf("  largest step / bound %.3f (instance %d at sample %zu: step %.4g, bound %.4g); longest run(): %.2f ms of "
           "CPU (a block of %u), %.2f ms of wall time (other threads ran meanwhile); RSS %ld MB -> %ld MB\n",
           worst, worst_i, w->worst_at, w->worst_step, w->worst_bound, max_cpu * 1e3, max_cpu_len, max_run * 1e3, rss0,
           rss1);

    CHECK(nonfinite == 0, "%lu non-finite output samples", nonfinite);
    if (so.light) printf("  (--light: no large files, steps not checked)\n");
    CHECK(so.light || worst <= 1.0, "a step of %.4g where at most %.4g is allowed (instance %d, sample %zu): a click",
          w->worst_step, w->worst_bound, worst_i, w->worst_at);
    CHECK(bad == 0, "%lu times a file that is not a good model became the model", bad);
    CHECK(rt_logs == 0, "%lu log calls from the audio thread", rt_logs);
    CHECK(sets == so.swaps, "only %lu of %u patch:Set sent", sets, so.swaps);
    CHECK(atomic_load(&log_other) == 0, "%lu log lines of an unexpected kind", atomic_load(&log_other));
    /* the storm stormed: loads, refusals, resampling, restores and blocked workers all happened
     * (under valgrind, --light, everything is slower and fewer requests get their turn) */
    /* (how many requests a worker answers before newer ones supersede them depends on the
     * machine's speed: the floors are low, what they catch is a storm that did not happen) */
    unsigned long min_loads = (unsigned long)n_inst, min_refused = so.light ? 1 : (unsigned long)n_inst / 2;
    unsigned min_bad = so.light ? 1 : 5;
    CHECK(atomic_load(&log_loaded) >= min_loads, "only %lu models loaded", atomic_load(&log_loaded));
    CHECK(atomic_load(&log_refused) >= min_refused, "only %lu requests refused", atomic_load(&log_refused));
    CHECK(so.light || atomic_load(&log_resampled) > 0, "no model was resampled");
    CHECK(distinct_bad >= min_bad, "only %u of %u bad files were tried", distinct_bad, bad_files);
    CHECK(restores > 0 && saves > 0, "no state saved or restored");
    CHECK(so.light || fifo_blocked > 0, "no worker ever blocked on a slow file");

    for (int i = 0; i < n_inst; i++) check_survivor(&inst[i]);
    for (int i = 0; i < n_inst; i++) {
        host_free(inst[i].h);
        for (int c = 0; c < inst[i].n_ch; c++) free(inst[i].x[c]);
    }
    malloc_trim(0);
    printf("  RSS after every instance was freed: %ld MB\n", rss_mb());
    zoo_remove(&zoo);
}

/* ---- Bypassed while the model changes delay -----------------------------------------------------
 * Found by the storm: bypassed, a swap to a model with another delay (one resampled, one not)
 * made the dry output jump in time at once - a click. The dry signal must crossfade from the
 * old delay to the new one, as the wet signal does, and then be the input delayed exactly. */
static void test_bypass_swap(void)
{
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s/keras_lstm8.json", ref_dir);          /* 48 kHz: no delay */
    snprintf(b, sizeof b, "%s/guitarml_lstm20_skip.json", ref_dir); /* 44.1 kHz: resampled, delayed */
    size_t n = 48000;
    float *x = music(n, RATE, 5), *y = calloc(n, sizeof(float));
    double sx = 0;
    /* A comparison, not fmax (which GCC 12 for aarch64 crashes on here); a NaN is kept. */
    for (size_t i = 1; i < n; i++) {
        double d = fabs((double)x[i] - x[i - 1]);
        if (!(d <= sx)) sx = d;
    }
    for (int back = 0; back < 2; back++) { /* a -> b (0 -> L samples), and b -> a (L -> 0) */
        Host *h = host_new(MONO, RATE, WORKER_SYNC);
        CHECK(h && host_load(h, back ? b : a), "load");
        if (!h) return;
        uint32_t l0 = (uint32_t)host_get(h, "latency");
        host_set(h, "enabled", 0);
        size_t at = 12000, blk = 300;
        for (size_t off = 0; off < n; off += blk) {
            if (off == at) host_send_model(h, back ? a : b); /* installed after this block */
            const float *in[1] = {x + off};
            float *out[1] = {y + off};
            host_run(h, in, out, (uint32_t)(off + blk <= n ? blk : n - off));
        }
        uint32_t l1 = (uint32_t)host_get(h, "latency");
        double worst = 0;
        size_t worst_at = 0;
        for (size_t i = 2 * RAMP; i < n; i++) /* (bypassed by then: the first model's start-up is not ours) */
            if (fabs((double)y[i] - y[i - 1]) > worst) worst = fabs((double)y[i] - y[i - 1]), worst_at = i;
        size_t start = at + blk + RAMP, bad = 0;
        for (size_t i = start; i < n; i++) bad += !(y[i] == x[i - l1]);
        CHECK(l0 != l1, "the two models have the same delay (%u)", l0);
        CHECK(worst <= sx * 1.01,
              "bypassed, delay %u -> %u: a step of %.4g at sample %zu in the dry output (the "
              "input's largest is %.4g; the swap at %zu)",
              l0, l1, worst, worst_at, sx, at + blk);
        CHECK(bad == 0, "bypassed, after the swap: %zu samples are not the input delayed by %u", bad, l1);
        printf("bypassed swap, delay %u -> %u samples: largest output step %.4g, input's %.4g\n", l0, l1, worst, sx);
        host_free(h);
    }
    free(x), free(y);
}

/* ---- Hostile input ---------------------------------------------------------------------------- */

typedef struct {
    const char *name;
    size_t n; /* samples */
    enum {
        SEG_MUSIC,
        SEG_NAN1,
        SEG_NAN,
        SEG_INF,
        SEG_NINF,
        SEG_DENORMAL,
        SEG_DC_POS,
        SEG_DC_NEG,
        SEG_SQUARE,
        SEG_NOISE,
        SEG_SILENCE
    } kind;
} Segment;

static void segment_fill(const Segment *sg, float *x, size_t n, size_t at, Rng *r, const float *tune)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = at + i;
        switch (sg->kind) {
        case SEG_MUSIC: x[i] = tune[k % (size_t)(4 * RATE)]; break;
        case SEG_NAN1: x[i] = i == n / 2 ? NAN : tune[k % (size_t)(4 * RATE)]; break;
        case SEG_NAN: x[i] = NAN; break;
        case SEG_INF: x[i] = i % 7 ? 0.1f : INFINITY; break;
        case SEG_NINF: x[i] = -INFINITY; break;
        case SEG_DENORMAL: { /* every kind of subnormal: tiny, near the normal range, both signs */
            uint32_t bits = 1 + rng_below(r, 0x007FFFFE);
            if (rng_below(r, 2)) bits |= 0x80000000u;
            memcpy(&x[i], &bits, sizeof bits);
            break;
        }
        case SEG_DC_POS: x[i] = 1.0f; break;
        case SEG_DC_NEG: x[i] = -1.0f; break;
        case SEG_SQUARE: x[i] = (k / 240) % 2 ? 1.0f : -1.0f; break;
        case SEG_NOISE: x[i] = (float)(2.0 * rng_01(r) - 1.0); break;
        case SEG_SILENCE: x[i] = 0.0f; break;
        }
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    if (!n) return NAN;
    qsort(v, n, sizeof v[0], cmp_double);
    return v[n / 2];
}

/* Subnormal values in an engine state (h, c of every layer; dense scratch). */
static size_t state_subnormals(const nn_state *st)
{
    const nn_spec *sp = nn_model_spec(st->m);
    size_t count = 0;
    for (int l = 0; l < sp->n_rec; l++)
        for (int k = 0; k < sp->rec[l].hidden; k++) {
            count += fpclassify(st->h[l][k]) == FP_SUBNORMAL;
            if (st->c[l]) count += fpclassify(st->c[l][k]) == FP_SUBNORMAL;
        }
    return count;
}

static double silence_s = 20.0;

static void test_inputs(void)
{
    char zdir[2100];
    snprintf(zdir, sizeof zdir, "%s/zoo", tmp_dir);
    if (zoo_make(&zoo, zdir, ref_dir, false, true, true, so.lean)) {
        CHECK(0, "the zoo of model files could not be made");
        return;
    }
    float *tune = music((size_t)(4 * RATE), RATE, 77);
    const uint32_t blk = 256;
    printf("%-34s %3s  %8s %8s %8s %8s  %s\n", "model", "ch", "music", "silence", "denorm", "DC",
           "ns of CPU per block "
           "of 256 (median), and each as a ratio to music");
    int models = 0;
    double worst_silence = 0, worst_denormal = 0, worst_dc = 0;
    for (int zi = -1; zi < zoo.n; zi++) { /* -1: no model (audio passes through) */
        const ZooFile *f = zi >= 0 ? &zoo.f[zi] : NULL;
        if (f && (f->kind != ZOO_GOOD || strstr(f->what, "strange") || strstr(f->what, "whitespace") ||
                  strstr(f->what, "without")))
            continue; /* each network once */
        bool heavy = f && (f->huge || f->rate > 200000);
        /* (the other segments last 10 s in all: half that for a short run, a quarter for a heavy model) */
        double silence = heavy && silence_s > 5 ? 5 : silence_s;
        double sc = heavy && silence_s <= 60 ? 0.25 : silence_s < 10 ? 0.5 : 1.0;
        const Segment segs[] = {
            {"music", (size_t)(2 * sc * RATE), SEG_MUSIC},
            {"one NaN", blk, SEG_NAN1},
            {"music", blk * 10, SEG_MUSIC},
            {"NaN", blk, SEG_NAN},
            {"music", blk * 10, SEG_MUSIC},
            {"+Inf", blk, SEG_INF},
            {"music", blk * 10, SEG_MUSIC},
            {"-Inf", blk, SEG_NINF},
            {"music", (size_t)(0.5 * sc * RATE), SEG_MUSIC},
            {"denormals", (size_t)(2 * sc * RATE), SEG_DENORMAL},
            {"DC +1", (size_t)(2 * sc * RATE), SEG_DC_POS},
            {"DC -1", (size_t)(2 * sc * RATE), SEG_DC_NEG},
            {"square", (size_t)(1 * sc * RATE), SEG_SQUARE},
            {"noise", (size_t)(1 * sc * RATE), SEG_NOISE},
            {"silence", (size_t)(silence * RATE), SEG_SILENCE},
            {"music", (size_t)(1.5 * sc * RATE), SEG_MUSIC},
        };
        for (int ch = 1; ch <= 2; ch++) {
            if (ch == 2 && heavy) continue; /* stereo: the same code twice over; the heavy ones once */
            Host *h = host_new(ch == 2 ? STEREO : MONO, RATE, WORKER_SYNC);
            if (!h || (f && !host_load(h, f->path))) {
                CHECK(0, "%s: cannot load", f ? f->what : "(none)");
                host_free(h);
                continue;
            }
            float x[2][256], y[2][256];
            Rng r = rng_seed((uint64_t)zi + 5);
            size_t pos = 0, nonfinite = 0, loud_nan_blocks = 0, subnormal_out = 0;
            double *cost[4] = {NULL, NULL, NULL, NULL}; /* music, silence, denormals, DC */
            size_t n_cost[4] = {0, 0, 0, 0}, cap[4] = {0, 0, 0, 0};
            double last_var = 0;
            for (size_t si = 0; si < sizeof segs / sizeof segs[0]; si++) {
                const Segment *sg = &segs[si];
                double sum = 0, sum2 = 0;
                for (size_t off = 0; off < sg->n; off += blk) {
                    uint32_t b = (uint32_t)(sg->n - off < blk ? sg->n - off : blk);
                    for (int c = 0; c < ch; c++) segment_fill(sg, x[c], b, pos + off + (size_t)c * 1000, &r, tune);
                    const float *in[2] = {x[0], x[1]};
                    float *out[2] = {y[0], y[1]};
                    bool poisoned = false;
                    for (int c = 0; c < ch; c++)
                        for (uint32_t i = 0; i < b; i++) poisoned |= !isfinite(x[c][i]);
                    double t0 =
                        cpu_s(); /* this thread's CPU time: what another process does meanwhile is not counted */
                    host_run(h, in, out, b);
                    double dt = (cpu_s() - t0) * 1e9;
                    int which = sg->kind == SEG_MUSIC                              ? 0
                                : sg->kind == SEG_SILENCE                          ? 1
                                : sg->kind == SEG_DENORMAL                         ? 2
                                : sg->kind == SEG_DC_POS || sg->kind == SEG_DC_NEG ? 3
                                                                                   : -1;
                    if (which >= 0 && b == blk) {
                        if (n_cost[which] == cap[which])
                            cap[which] = cap[which] * 2 + 64,
                            cost[which] = realloc(cost[which], cap[which] * sizeof(double));
                        cost[which][n_cost[which]++] = dt;
                    }
                    for (int c = 0; c < ch; c++)
                        for (uint32_t i = 0; i < b; i++) {
                            float v = y[c][i];
                            nonfinite += !isfinite(v);
                            if (f) subnormal_out += fpclassify(v) == FP_SUBNORMAL;
                            if (poisoned && v != 0.0f) loud_nan_blocks++;
                            sum += v, sum2 += (double)v * v;
                        }
                }
                pos += sg->n;
                double nn = (double)sg->n * ch;
                if (si == sizeof segs / sizeof segs[0] - 1) last_var = sum2 / nn - (sum / nn) * (sum / nn);
            }
            const char *name = f ? f->what : "(no model: passes through)";
            CHECK(nonfinite == 0, "%s, %d ch: %zu non-finite output samples", name, ch, nonfinite);
            CHECK(loud_nan_blocks == 0, "%s, %d ch: %zu samples of blocks holding NaN/Inf are not silent", name, ch,
                  loud_nan_blocks);
            CHECK(subnormal_out == 0, "%s, %d ch: %zu subnormal output samples", name, ch, subnormal_out);
            CHECK(last_var > 1e-8, "%s, %d ch: the music after it all is flat (variance %g): the model is stuck", name,
                  ch, last_var);
            CHECK(host_rt_log_calls(h) == 0, "%s: logged from the audio thread", name);
            double m = median(cost[0], n_cost[0]), sl = median(cost[1], n_cost[1]), dn = median(cost[2], n_cost[2]);
            double dc = median(cost[3], n_cost[3]);
            printf("%-34.34s %3d  %8.0f %8.0f %8.0f %8.0f  silence %.2f, denormals %.2f, DC %.2f\n", name, ch, m, sl,
                   dn, dc, sl / m, dn / m, dc / m);
            if (f) {
                worst_silence = fmax(worst_silence, sl / m), worst_denormal = fmax(worst_denormal, dn / m);
                worst_dc = fmax(worst_dc, dc / m);
                models++;
            }
            for (int k = 0; k < 4; k++) free(cost[k]);
            host_free(h);
        }

        /* The engine's state after the denormals and after the silence: no subnormal in it. */
        if (f) {
            nn_error err;
            nn_model *mod = nn_model_load_file(f->path, &err);
            nn_state *st = nn_state_new(mod, &err);
            float *z = calloc((size_t)RATE, sizeof(float));
            size_t sub = 0;
            for (int rep = 0; rep < 2; rep++) {
                Rng r = rng_seed(3);
                Segment d = {"denormals", (size_t)RATE, SEG_DENORMAL};
                segment_fill(&d, z, (size_t)RATE, 0, &r, tune);
                nn_run(st, z, z, (size_t)RATE);
                sub += state_subnormals(st);
                memset(z, 0, (size_t)RATE * sizeof(float));
                int secs = heavy ? 2 : silence_s < 10 ? (int)ceil(silence_s) : 10; /* (CI: 3 s) */
                for (int sec = 0; sec < secs; sec++) nn_run(st, z, z, (size_t)RATE);
                sub += state_subnormals(st);
            }
            CHECK(sub == 0, "%s: %zu subnormal values in the engine's state after denormals and silence", f->what, sub);
            free(z);
            nn_state_free(st);
            nn_model_free(mod);
        }
    }
    printf("%d models x channel counts: cost on silence at most %.2f x the cost on music, on denormals at most %.2f x, "
           "on DC at full scale %.2f x (medians of thread CPU time per block of 256, same run)\n",
           models, worst_silence, worst_denormal, worst_dc);
    free(tune);
    zoo_remove(&zoo);
}

/* ---- main --------------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--skip")) check_skip(argv[2]);
    const char *data = check_env("RNNFX_TEST_DATA");
    if (argc < 2 || !data) {
        fprintf(stderr,
                "usage: RNNFX_TEST_DATA=tests/ RNNFX_BUNDLE=build/plugin stress_plugin swaps|inputs [options]\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "0";
        if (!strcmp(a, "--instances")) so.instances = (unsigned)atoi(v), i++;
        else if (!strcmp(a, "--seconds"))
            so.seconds = atof(v), i++;
        else if (!strcmp(a, "--swaps"))
            so.swaps = (unsigned)atoi(v), i++;
        else if (!strcmp(a, "--speed"))
            so.speed = atof(v), i++;
        else if (!strcmp(a, "--seed"))
            so.seed = (uint64_t)atoll(v), i++;
        else if (!strcmp(a, "--light"))
            so.light = true;
        else if (!strcmp(a, "--small-junk"))
            so.small_junk = true;
        else if (!strcmp(a, "--lean"))
            so.lean = true;
        else if (!strcmp(a, "--silence"))
            silence_s = atof(v), i++;
        else {
            fprintf(stderr, "stress_plugin: unknown option %s\n", a);
            return 2;
        }
    }
    if (so.instances < 1 || so.instances > MAX_INST) so.instances = 32;
    snprintf(ref_dir, sizeof ref_dir, "%s/formats/ref", data);
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/rnnfx_stress_%s_%d", argv[1], (int)getpid());
    mkdir(tmp_dir, 0755);
    printf("real-time checker: %s\n", rt_checker());
    if (!strcmp(argv[1], "swaps")) test_swaps();
    else if (!strcmp(argv[1], "bypass_swap"))
        test_bypass_swap();
    else if (!strcmp(argv[1], "inputs"))
        test_inputs();
    else {
        fprintf(stderr, "stress_plugin: no scenario '%s'\n", argv[1]);
        return 2;
    }
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp_dir);
    return check_exit();
}
