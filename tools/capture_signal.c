/* capture_signal.c - the capture signal's layout and its synthesis (see capture_signal.h). */
#include "capture_signal.h"

#include "synth_di.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846
#define FADE_S 0.005 /* sweeps, noise and markers start and end with a 5 ms ramp: no click */
#define MARKER_SEED 0x5EEDC0DEu

/* The training phrase's (transposition, gain) combinations, cycled: every register from an
 * octave and a half below the guitar (a bass) to an octave above, every dynamic from very soft
 * (-24 dB: peaks at -36 dBFS) to hard (+9 dB: peaks at -3 dBFS). */
static const int train_combos[][2] = {
    {0, 0},    {-12, 0},  {5, -6},  {0, -12},   {-12, 8}, {7, 6},  {-5, 3}, {12, -3},
    {-7, -18}, {-17, -6}, {3, -24}, {-12, -12}, {9, 0},   {-9, 6}, {2, 9},  {-3, -9},
};
#define N_COMBOS (int)(sizeof train_combos / sizeof train_combos[0])

/* The held-out phrase, never trained on: validation, then test. */
static const int val_combos[][2] = {{-2, 0}, {-14, 4}};
static const int test_combos[][2] = {{3, 5}, {-10, -8}, {0, -16}};

const char *rnnfx_seg_use_name(rnnfx_seg_use u)
{
    return u == RNNFX_USE_TRAIN ? "train" : u == RNNFX_USE_VAL ? "validation" : u == RNNFX_USE_TEST ? "test" : "-";
}

/* ---- layout --------------------------------------------------------------------------------- */

static double phrase_rate(double rate, int semitones) { return rate * pow(2.0, -semitones / 12.0); }

static rnnfx_capture_seg *add(rnnfx_capture_layout *l, rnnfx_seg_kind kind, rnnfx_seg_use use, size_t frames,
                              double level_db)
{
    if (l->n_segs == RNNFX_CAPTURE_MAX_SEGS) return NULL;
    rnnfx_capture_seg *s = &l->segs[l->n_segs++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->use = use;
    s->start = l->frames;
    s->frames = frames;
    s->level_db = level_db;
    l->frames += frames;
    return s;
}

static rnnfx_capture_seg *add_s(rnnfx_capture_layout *l, rnnfx_seg_kind kind, rnnfx_seg_use use, double seconds,
                                double level_db)
{
    return add(l, kind, use, (size_t)llround(seconds * l->rate), level_db);
}

/* A silence takes the use of what it follows: it holds that segment's tail. */
static int silence(rnnfx_capture_layout *l, double seconds)
{
    rnnfx_seg_use u = l->n_segs ? l->segs[l->n_segs - 1].use : RNNFX_USE_NONE;
    rnnfx_capture_seg *s = add_s(l, RNNFX_SEG_SILENCE, u, seconds, 0);
    if (!s) return -1;
    snprintf(s->name, sizeof s->name, "silence");
    return 0;
}

static rnnfx_capture_seg *phrase(rnnfx_capture_layout *l, rnnfx_seg_kind kind, rnnfx_seg_use use, int which,
                                 int semitones, double gain_db)
{
    rnnfx_phrase p = which ? RNNFX_PHRASE_TEST : RNNFX_PHRASE_MAIN;
    rnnfx_capture_seg *s = add(l, kind, use, rnnfx_phrase_frames(p, phrase_rate(l->rate, semitones)), gain_db);
    if (!s) return NULL;
    s->semitones = semitones;
    s->phrase = which;
    snprintf(s->name, sizeof s->name, "%s %c %+d st, %+.0f dB", semitones <= -10 ? "bass" : "guitar", which ? 'B' : 'A',
             semitones, gain_db);
    return s;
}

/* Training phrases until about `seconds` are used (at least one: a phrase that would overshoot by
 * more than half its length waits for the next part); `next` counts them across parts. */
static int playing(rnnfx_capture_layout *l, double seconds, int *next)
{
    size_t budget = (size_t)(seconds * l->rate), from = l->frames;
    for (;;) {
        int i = *next, cycle = i / N_COMBOS;
        /* later cycles shift the pitch a semitone and the level 2 dB: no two blocks alike */
        int semis = train_combos[i % N_COMBOS][0] + (cycle % 3 == 1) - (cycle % 3 == 2);
        double db = train_combos[i % N_COMBOS][1] - 2.0 * ((cycle / 3) % 2);
        size_t len = rnnfx_phrase_frames(RNNFX_PHRASE_MAIN, phrase_rate(l->rate, semis));
        if (l->frames > from && l->frames - from + len / 2 > budget) return 0;
        if (!phrase(l, RNNFX_SEG_PLAY, RNNFX_USE_TRAIN, 0, semis, db)) return -1;
        (*next)++;
        if (silence(l, *next % 4 ? 0.25 : 1.0)) return -1;
    }
}

int rnnfx_capture_layout_make(rnnfx_capture_layout *l, int version, double rate, int minutes)
{
    memset(l, 0, sizeof *l);
    if (version != RNNFX_CAPTURE_VERSION || !(rate >= RNNFX_CAPTURE_MIN_RATE && rate <= RNNFX_CAPTURE_MAX_RATE) ||
        rate != floor(rate) || minutes < RNNFX_CAPTURE_MIN_MINUTES || minutes > RNNFX_CAPTURE_MAX_MINUTES)
        return -1;
    l->version = version;
    l->rate = rate;
    l->minutes = minutes;
    rnnfx_capture_seg *s;
    int k = 0;
#define TRY(x)               \
    do {                     \
        if (!(x)) return -1; \
    } while (0)
    TRY(!silence(l, 1.0));
    TRY(s = add_s(l, RNNFX_SEG_MARKER, RNNFX_USE_NONE, 0.5, -15));
    snprintf(s->name, sizeof s->name, "marker 1");
    l->marker[0] = l->n_segs - 1;
    TRY(!silence(l, 0.5));
    TRY(s = phrase(l, RNNFX_SEG_REPEAT, RNNFX_USE_TRAIN, 0, 0, 0));
    snprintf(s->name, sizeof s->name, "repeated phrase, copy 1");
    l->repeat[0] = l->n_segs - 1;
    TRY(!silence(l, 0.5));
    const double sweep_db[3] = {-30, -18, -6}, noise_db[3] = {-40, -28, -16};
    for (int i = 0; i < 3; i++) {
        TRY(s = add_s(l, RNNFX_SEG_SWEEP, RNNFX_USE_TRAIN, 2.0, sweep_db[i]));
        snprintf(s->name, sizeof s->name, "sine sweep, peak %.0f dBFS", sweep_db[i]);
        TRY(!silence(l, 0.25));
    }
    for (int i = 0; i < 3; i++) {
        TRY(s = add_s(l, RNNFX_SEG_NOISE, RNNFX_USE_TRAIN, 1.0, noise_db[i]));
        snprintf(s->name, sizeof s->name, "white noise, RMS %.0f dBFS", noise_db[i]);
        TRY(!silence(l, i == 2 ? 1.0 : 0.25));
    }
    /* the fixed parts: what is left of the length is training phrases, in three parts around the
     * validation and test phrases */
    rnnfx_capture_layout tail = *l;
    for (int i = 0; i < 2; i++) TRY(phrase(&tail, RNNFX_SEG_PLAY, RNNFX_USE_VAL, 1, val_combos[i][0], 0));
    for (int i = 0; i < 3; i++) TRY(phrase(&tail, RNNFX_SEG_PLAY, RNNFX_USE_TEST, 1, test_combos[i][0], 0));
    double fixed = (double)tail.frames / rate + 5 * 0.3 + 1.0 + (double)l->segs[l->repeat[0]].frames / rate + 0.5 +
                   0.5 + 1.0;
    double play = minutes * 60.0 - fixed;
    if (play < 5) play = 5;
    TRY(!playing(l, 0.4 * play, &k));
    for (int i = 0; i < 2; i++) {
        TRY(phrase(l, RNNFX_SEG_PLAY, RNNFX_USE_VAL, 1, val_combos[i][0], val_combos[i][1]));
        TRY(!silence(l, 0.3));
    }
    TRY(!playing(l, 0.3 * play, &k));
    for (int i = 0; i < 3; i++) {
        TRY(phrase(l, RNNFX_SEG_PLAY, RNNFX_USE_TEST, 1, test_combos[i][0], test_combos[i][1]));
        TRY(!silence(l, 0.3));
    }
    TRY(!playing(l, 0.3 * play, &k));
    TRY(!silence(l, 1.0));
    TRY(s = phrase(l, RNNFX_SEG_REPEAT, RNNFX_USE_TRAIN, 0, 0, 0));
    snprintf(s->name, sizeof s->name, "repeated phrase, copy 2");
    l->repeat[1] = l->n_segs - 1;
    TRY(!silence(l, 0.5));
    TRY(s = add_s(l, RNNFX_SEG_MARKER, RNNFX_USE_NONE, 0.5, -15));
    snprintf(s->name, sizeof s->name, "marker 2");
    l->marker[1] = l->n_segs - 1;
    TRY(!silence(l, 1.0));
#undef TRY
    return 0;
}

/* ---- synthesis ------------------------------------------------------------------------------ */

/* xorshift32: the same noise on every machine */
static double uniform(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return (double)*s / 2147483648.0 - 1.0;
}

static double fade(size_t i, size_t n, double rate)
{
    double r = FADE_S * rate, a = (double)i / r, b = (double)(n - 1 - i) / r;
    double g = a < b ? a : b;
    return g >= 1 ? 1 : 0.5 - 0.5 * cos(PI * g);
}

/* Uniform white noise at `rms_db` (RMS = amplitude / sqrt 3). */
static void noise(float *o, size_t n, double rate, double rms_db, uint32_t seed)
{
    double a = pow(10.0, rms_db / 20.0) * sqrt(3.0);
    for (size_t i = 0; i < n; i++) o[i] = (float)(a * uniform(&seed) * fade(i, n, rate));
}

/* A logarithmic sweep from 20 Hz to 20 kHz (or 0.45 x the rate), peak `peak_db`. */
static void sweep(float *o, size_t n, double rate, double peak_db)
{
    double f1 = 20.0, f2 = fmin(20000.0, 0.45 * rate), T = (double)n / rate, k = log(f2 / f1);
    double a = pow(10.0, peak_db / 20.0);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate;
        o[i] = (float)(a * sin(2.0 * PI * f1 * T / k * (exp(t / T * k) - 1.0)) * fade(i, n, rate));
    }
}

static int render_phrase(const rnnfx_capture_layout *l, const rnnfx_capture_seg *s, float *o)
{
    /* rendered as if at another rate, played at ours: the pitch moves by the ratio */
    if (rnnfx_phrase_render(s->phrase ? RNNFX_PHRASE_TEST : RNNFX_PHRASE_MAIN, phrase_rate(l->rate, s->semitones), o,
                            s->frames))
        return -1;
    float g = (float)pow(10.0, s->level_db / 20.0);
    for (size_t i = 0; i < s->frames; i++) o[i] *= g;
    return 0;
}

int rnnfx_capture_render(const rnnfx_capture_layout *l, float *out)
{
    memset(out, 0, l->frames * sizeof *out);
    for (int i = 0; i < l->n_segs; i++) {
        const rnnfx_capture_seg *s = &l->segs[i];
        float *o = out + s->start;
        switch (s->kind) {
        case RNNFX_SEG_SILENCE: break;
        case RNNFX_SEG_MARKER: noise(o, s->frames, l->rate, s->level_db, MARKER_SEED); break;
        case RNNFX_SEG_NOISE: noise(o, s->frames, l->rate, s->level_db, 0x9E3779B9u + (uint32_t)i); break;
        case RNNFX_SEG_SWEEP: sweep(o, s->frames, l->rate, s->level_db); break;
        case RNNFX_SEG_REPEAT:
        case RNNFX_SEG_PLAY:
            if (render_phrase(l, s, o)) return -1;
            break;
        }
    }
    return 0;
}

/* ---- tag and table -------------------------------------------------------------------------- */

void rnnfx_capture_tag(const rnnfx_capture_layout *l, char *buf, size_t cap)
{
    snprintf(buf, cap, "rnnfx capture signal v%d; %.0f Hz; %d min", l->version, l->rate, l->minutes);
}

int rnnfx_capture_parse_tag(const char *s, int *version, double *rate, int *minutes)
{
    int v, m, used = 0;
    double r;
    if (!s || sscanf(s, "rnnfx capture signal v%d; %lf Hz; %d min%n", &v, &r, &m, &used) != 3 || !used) return -1;
    *version = v, *rate = r, *minutes = m;
    return 0;
}

void rnnfx_capture_print_layout(const rnnfx_capture_layout *l, FILE *f)
{
    fprintf(f, "  %9s %9s  %-10s  %s\n", "from (s)", "to (s)", "use", "segment");
    for (int i = 0; i < l->n_segs; i++) {
        const rnnfx_capture_seg *s = &l->segs[i];
        if (s->kind == RNNFX_SEG_SILENCE && i > 0) continue; /* folded into the line before */
        size_t end = s->start + s->frames;
        while (i + 1 < l->n_segs && l->segs[i + 1].kind == RNNFX_SEG_SILENCE && i > 0) end += l->segs[++i].frames;
        const char *what = s->kind == RNNFX_SEG_SILENCE ? "silence (the noise floor)" : s->name;
        fprintf(f, "  %9.2f %9.2f  %-10s  %s%s\n", (double)s->start / l->rate, (double)end / l->rate,
                rnnfx_seg_use_name(s->use), what,
                s->kind != RNNFX_SEG_SILENCE && end > s->start + s->frames ? ", then silence" : "");
    }
}
