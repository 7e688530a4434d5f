/* capture_check.c - finding the capture signal in a recording and checking it (see capture_check.h). */
#include "capture_check.h"

#include "resample.h"
#include "rnnfx_error.h"

#include <fftw3.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define FOUND_STRENGTH \
    20.0                    /* a cross-correlation peak this far above its RMS is the marker (noise:
                               about 5 over a million lags, 11 seen over sweeps; the marker: 50-300) */
#define QUIET_BEFORE_S 0.4  /* the signal is silent for 1 s before the first marker */
#define FIRST_SEARCH_S 30.0 /* the first marker is looked for in the recording's first 30 s */
#define CLIP_LEVEL 0.999f
#define PI 3.14159265358979323846
#define CORRECT_DRIFT_SAMPLES 0.02 /* a drift under this between the markers is left alone */
#define REFINE_HALF 1024           /* samples either side of a marker found, for its position between samples */
#define NOISE_SKIP_S 0.2           /* of each silence, the start is the tail of what came before */

static double db(double x) { return 20.0 * log10(x); }

static void warn(rnnfx_capture_report *r, const char *fmt, ...)
{
    if (r->n_warnings == RNNFX_CAPTURE_MAX_WARNINGS) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->warnings[r->n_warnings++], sizeof r->warnings[0], fmt, ap);
    va_end(ap);
}

/* ---- finding a marker: GCC-PHAT -------------------------------------------------------------- */

typedef struct match {
    int found;
    long at;         /* the sample of x where the template starts */
    double pos;      /* the same, refined between samples (parabola through the peak) */
    double strength; /* |peak| / RMS of the correlation */
    int negative;    /* the peak is negative: x holds the template upside down */
} match;

static size_t pow2_at_least(size_t n)
{
    size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

/* Where tmpl[m] starts in x, looked for at positions from..to (clamped to where it fits whole).
 * Whitened (phase transform) cross-correlation: every frequency counts alike, so the peak is
 * sharp whatever the device does to the spectrum. Returns -1 if out of memory. */
static int find_template(const float *x, size_t n, long from, long to, const float *tmpl, size_t m, match *out)
{
    memset(out, 0, sizeof *out);
    if (from < 0) from = 0;
    if (to > (long)n - (long)m) to = (long)n - (long)m;
    if (to < from) return 0;
    size_t len = (size_t)(to - from) + m, N = pow2_at_least(len + m), bins = N / 2 + 1;
    float *a = fftwf_malloc(sizeof(float) * N), *b = fftwf_malloc(sizeof(float) * N);
    fftwf_complex *A = fftwf_malloc(sizeof(fftwf_complex) * bins), *B = fftwf_malloc(sizeof(fftwf_complex) * bins);
    int rc = -1;
    if (!a || !b || !A || !B) goto done;
    fftwf_plan pa = fftwf_plan_dft_r2c_1d((int)N, a, A, FFTW_ESTIMATE);
    fftwf_plan pb = fftwf_plan_dft_r2c_1d((int)N, b, B, FFTW_ESTIMATE);
    fftwf_plan pc = fftwf_plan_dft_c2r_1d((int)N, A, a, FFTW_ESTIMATE);
    if (!pa || !pb || !pc) {
        if (pa) fftwf_destroy_plan(pa);
        if (pb) fftwf_destroy_plan(pb);
        if (pc) fftwf_destroy_plan(pc);
        goto done;
    }
    memset(a, 0, sizeof(float) * N);
    memset(b, 0, sizeof(float) * N);
    memcpy(a, x + from, len * sizeof(float));
    memcpy(b, tmpl, m * sizeof(float));
    fftwf_execute(pa);
    fftwf_execute(pb);
    double big = 0;
    for (size_t k = 0; k < bins; k++) { /* A * conj(B), then divided by its magnitude */
        double re = (double)A[k][0] * B[k][0] + (double)A[k][1] * B[k][1];
        double im = (double)A[k][1] * B[k][0] - (double)A[k][0] * B[k][1];
        A[k][0] = (float)re, A[k][1] = (float)im;
        double mag = hypot(re, im);
        if (mag > big) big = mag;
    }
    double floor_mag = 1e-9 * big + 1e-30; /* bins with nothing in them stay at nothing */
    for (size_t k = 0; k < bins; k++) {
        double mag = hypot(A[k][0], A[k][1]) + floor_mag;
        A[k][0] = (float)(A[k][0] / mag), A[k][1] = (float)(A[k][1] / mag);
    }
    fftwf_execute(pc);
    size_t last = (size_t)(to - from);
    double sum2 = 0, best = -1;
    size_t at = 0;
    for (size_t k = 0; k <= last; k++) {
        double v = fabs(a[k]);
        sum2 += v * v;
        if (v > best) best = v, at = k;
    }
    double rms = sqrt(sum2 / (double)(last + 1));
    out->strength = rms > 0 ? best / rms : 0;
    out->found = out->strength >= FOUND_STRENGTH && last >= 16;
    out->at = from + (long)at;
    out->negative = a[at] < 0;
    out->pos = (double)out->at;
    if (at > 0 && at < last) {
        double y0 = fabs(a[at - 1]), y1 = best, y2 = fabs(a[at + 1]), d = y0 - 2 * y1 + y2;
        if (d < 0) out->pos += 0.5 * (y0 - y2) / d;
    }
    fftwf_destroy_plan(pa);
    fftwf_destroy_plan(pb);
    fftwf_destroy_plan(pc);
    rc = 0;
done:
    fftwf_free(a), fftwf_free(b), fftwf_free(A), fftwf_free(B);
    return rc;
}

/* The marker found again in a window of the same size around where it was found: the peak's
 * position between samples depends a little on what else the window holds, and the drift is the
 * difference of two such positions - measured alike, the bias cancels. */
static int refine(const float *x, size_t n, const float *t, size_t m, match *mm)
{
    match r;
    if (find_template(x, n, mm->at - REFINE_HALF, mm->at + REFINE_HALF, t, m, &r)) return -1;
    if (r.found && r.at == mm->at) *mm = r;
    return 0;
}

/* Is x quiet (20 dB under the marker) just before a marker found at `at`? The signal is silent
 * there: a peak elsewhere (over the sweeps, say) is not the marker. */
static int quiet_before(const float *x, long at, size_t m, double rate)
{
    long q = (long)(QUIET_BEFORE_S * rate), a = at - q - 480 > 0 ? at - q - 480 : 0, b = at - 480;
    double e_before = 0, e_marker = 0;
    for (long i = a; i < b; i++) e_before += (double)x[i] * x[i];
    for (size_t i = 0; i < m; i++) e_marker += (double)x[at + (long)i] * x[at + (long)i];
    double before = b > a ? e_before / (double)(b - a) : 0, marker = e_marker / (double)m;
    return before * 100 < marker;
}

/* The first marker in the first seconds of x (template t[m], at any stretch). */
static int find_first(const float *x, size_t n, double rate, const float *t, size_t m, match *m1)
{
    if (find_template(x, n, 0, (long)(FIRST_SEARCH_S * rate), t, m, m1)) return -1;
    if (m1->found && !quiet_before(x, m1->at, m, rate)) m1->found = 0;
    return 0;
}

/* Where the first loud sound after a silence starts, in x's first seconds: the first 10 ms frame
 * 30 dB above the quietest, after 0.4 s of frames within 10 dB of it. -1 when there is none. */
static long first_onset(const float *x, size_t n, double rate)
{
    size_t fl = (size_t)(0.01 * rate), nf = (size_t)(FIRST_SEARCH_S * rate) / fl, quiet_need = 40, quiet = 0;
    if (nf * fl > n) nf = n / fl;
    double low = INFINITY;
    double *e = malloc((nf ? nf : 1) * sizeof *e);
    if (!e) return -1;
    for (size_t f = 0; f < nf; f++) {
        double a = 1e-20;
        for (size_t i = 0; i < fl; i++) a += (double)x[f * fl + i] * x[f * fl + i];
        e[f] = a / (double)fl;
        if (e[f] < low) low = e[f];
    }
    long at = -1;
    for (size_t f = 0; f < nf && at < 0; f++) {
        if (e[f] < low * 10) quiet++;
        else if (e[f] > low * 1000 && quiet >= quiet_need)
            at = (long)(f * fl);
        else
            quiet = 0;
    }
    free(e);
    return at;
}

/* The marker's samples (the same in both places): rendered from a one-marker layout. */
static float *marker_samples(const rnnfx_capture_layout *l, size_t *m)
{
    const rnnfx_capture_seg *s = &l->segs[l->marker[0]];
    float *all = malloc((s->start + s->frames) * sizeof *all);
    if (!all) return NULL;
    rnnfx_capture_layout one = *l;
    one.n_segs = l->marker[0] + 1;
    one.frames = s->start + s->frames;
    for (int i = 0; i < one.n_segs; i++) /* only silences and the marker: cheap */
        if (one.segs[i].kind != RNNFX_SEG_MARKER) one.segs[i].kind = RNNFX_SEG_SILENCE;
    if (rnnfx_capture_render(&one, all)) {
        free(all);
        return NULL;
    }
    memmove(all, all + s->start, s->frames * sizeof *all);
    *m = s->frames;
    return all;
}

/* The second marker, `dist` samples after the first (at pos1), within the largest drift tried. */
static int find_second(const float *x, size_t n, double pos1, size_t dist, const float *t, size_t m, match *out)
{
    long expect = lround(pos1) + (long)dist, slack = (long)(0.003 * (double)dist) + 4800;
    return find_template(x, n, expect - slack, expect + slack, t, m, out);
}

int rnnfx_capture_guess_minutes(const float *rec, size_t n, double rate, int version)
{
    rnnfx_capture_layout *l = malloc(sizeof *l);
    size_t m = 0;
    float *t = NULL;
    int found = 0;
    match m1, m2;
    if (!l || rnnfx_capture_layout_make(l, version, rate, RNNFX_CAPTURE_MIN_MINUTES) || !(t = marker_samples(l, &m)))
        goto done;
    size_t s1 = l->segs[l->marker[0]].start; /* the same for every length */
    if (find_first(rec, n, rate, t, m, &m1)) goto done;
    long start = m1.found ? m1.at - (long)s1 : 0;
    double nearest = INFINITY;
    for (int minutes = RNNFX_CAPTURE_MAX_MINUTES; minutes >= RNNFX_CAPTURE_MIN_MINUTES && found <= 0; minutes--) {
        if (rnnfx_capture_layout_make(l, version, rate, minutes)) break;
        size_t s2 = l->segs[l->marker[1]].start;
        /* no marker pair found: the length nearest the recording's (the check then says what is wrong) */
        double off = fabs((double)((long)n - start) - (double)l->frames);
        if (off < nearest) nearest = off, found = -minutes;
        if (!m1.found || m1.at - (long)s1 + (long)s2 > (long)n) continue;
        if (!find_second(rec, n, m1.pos, s2 - s1, t, m, &m2) && m2.found) found = minutes;
    }
    if (found < 0) found = -found;
done:
    free(t);
    free(l);
    return found;
}

/* ---- the recording at the wrong speed ------------------------------------------------------- */

/* A signal played at another rate than its own (44.1 kHz as 48 kHz): the marker found once the
 * template is stretched by one of the usual rate confusions. Returns the ratio, or 0. */
static double wrong_speed(const float *rec, size_t n, double rate, const float *t, size_t m, double *played)
{
    static const double rates[] = {22050, 32000, 44100, 48000, 88200, 96000, 176400, 192000};
    size_t nr = sizeof rates / sizeof rates[0];
    for (size_t i = 0; i < nr; i++) {
        if (rates[i] == rate) continue;
        double q = rate / rates[i]; /* one signal sample lasts q recording samples */
        size_t mq = rnnfx_resample_length(m, rate, rate * q);
        float *tq = malloc(mq * sizeof *tq);
        match mm;
        int ok = tq && rnnfx_resample(t, m, rate, tq, mq, rate * q, "marker", NULL) == NN_OK &&
                 !find_first(rec, n, rate * q, tq, mq, &mm) && mm.found;
        free(tq);
        if (ok) {
            *played = rates[i];
            return q;
        }
    }
    return 0;
}

/* The second marker not found where it should be: is it there for a clock ratio beyond the drift
 * the search allows? Tries ratios of 0.1 % to 2 % either way with the template stretched
 * alike. Returns the ratio, or 0. */
static double far_clock(const float *x, size_t n, const match *m1, size_t dist, double rate, const float *t, size_t m)
{
    for (double ppm = 300; ppm <= 20000; ppm *= 1.05) /* steps under the marker's tolerance */
        for (int sign = -1; sign <= 1; sign += 2) {
            double q = 1 + sign * ppm * 1e-6;
            size_t mq = rnnfx_resample_length(m, rate, rate * q);
            float *tq = malloc(mq * sizeof *tq);
            long expect = m1->at + lround((double)dist * q), slack = (long)(0.03 * ppm * 1e-6 * (double)dist) + 2400;
            match mm;
            int ok = tq && rnnfx_resample(t, m, rate, tq, mq, rate * q, "marker", NULL) == NN_OK &&
                     !find_template(x, n, expect - slack, expect + slack, tq, mq, &mm) && mm.found;
            free(tq);
            if (ok) return (mm.pos - m1->pos) / (double)dist;
        }
    return 0;
}

/* The first marker not found: is it smeared by a clock far off? Its start alone (50 ms) looked for
 * where the first sound after a silence begins, then the second marker with stretched templates.
 * Returns the clock ratio, or 0. */
static double smeared_first(const float *x, size_t n, double rate, const float *t, size_t m, size_t dist, match *m1)
{
    long on = first_onset(x, n, rate), half = (long)(0.05 * rate);
    size_t ms = (size_t)(0.05 * rate);
    /* 0.1 s of lags: noise peaks near 4 x the RMS here, not 5-11 as over 30 s */
    if (on < 0 || find_template(x, n, on - half, on + half, t, ms, m1) || m1->strength < 7) return 0;
    return far_clock(x, n, m1, dist, rate, t, m);
}

/* ---- the checks ----------------------------------------------------------------------------- */

static const char *segment_at(const rnnfx_capture_layout *l, long t)
{
    for (int i = 0; i < l->n_segs; i++)
        if (t >= (long)l->segs[i].start && t < (long)(l->segs[i].start + l->segs[i].frames)) {
            while (i > 0 && l->segs[i].kind == RNNFX_SEG_SILENCE) i--; /* a tail: name what rings */
            return l->segs[i].name;
        }
    return "outside the signal";
}

/* Runs of 2+ samples at full scale in rec[from..to): the clipping of the interface's converter. */
static void find_clipping(const rnnfx_capture_layout *l, const float *rec, long from, long to, long latency,
                          rnnfx_capture_report *r)
{
    size_t total = 0, longest = 0, runs = 0;
    long longest_at = 0;
    for (long t = from; t < to;) {
        if (fabsf(rec[t]) < CLIP_LEVEL) {
            t++;
            continue;
        }
        long s = t;
        while (t < to && fabsf(rec[t]) >= CLIP_LEVEL) t++;
        size_t len = (size_t)(t - s);
        if (len < 2) continue;
        runs++;
        total += len;
        if (len > longest) longest = len, longest_at = s;
    }
    r->clip_runs = runs;
    r->clip_ms = 1000.0 * (double)total / l->rate;
    r->clip_longest_ms = 1000.0 * (double)longest / l->rate;
    r->clip_at_s = runs ? (double)longest_at / l->rate : 0;
    snprintf(r->clip_where, sizeof r->clip_where, "%s", runs ? segment_at(l, longest_at - latency) : "");
}

typedef struct sums {
    double s2, n;
} sums;

static void add_sq(sums *s, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) s->s2 += (double)x[i] * x[i];
    s->n += (double)n;
}

static double rms_db(const sums *s) { return s->n > 0 ? db(sqrt(s->s2 / s->n)) : -INFINITY; }

/* Levels, gain, noise floor and repeatability on the aligned recording y (valid in [v0, v1)). */
static void measure(const rnnfx_capture_layout *l, const float *sig, const float *y, size_t v0, size_t v1,
                    rnnfx_capture_report *r)
{
    sums play = {0, 0}, sig_play = {0, 0}, noise = {0, 0};
    double peak = 0;
    size_t skip = (size_t)(NOISE_SKIP_S * l->rate);
    for (int i = 0; i < l->n_segs; i++) {
        const rnnfx_capture_seg *s = &l->segs[i];
        size_t a = s->start < v0 ? v0 : s->start, b = s->start + s->frames > v1 ? v1 : s->start + s->frames;
        if (b <= a) continue;
        if (s->kind == RNNFX_SEG_PLAY || s->kind == RNNFX_SEG_REPEAT) {
            add_sq(&play, y + a, b - a);
            add_sq(&sig_play, sig + a, b - a);
        }
        if (s->kind == RNNFX_SEG_SILENCE && s->frames >= 2 * skip) {
            if (i > 0 && a < s->start + skip) a = s->start + skip;
            if (b > a) add_sq(&noise, y + a, b - a);
        }
        if (s->kind != RNNFX_SEG_SILENCE)
            for (size_t t = a; t < b; t++)
                if (fabsf(y[t]) > peak) peak = fabsf(y[t]);
    }
    r->play_rms_db = rms_db(&play);
    r->peak_db = db(peak);
    r->gain_db = r->play_rms_db - rms_db(&sig_play);
    r->noise_db = rms_db(&noise);
    r->snr_db = r->play_rms_db - r->noise_db;
    const rnnfx_capture_seg *c1 = &l->segs[l->repeat[0]], *c2 = &l->segs[l->repeat[1]];
    double e = 0, t2 = 0;
    for (size_t i = 0; i < c1->frames; i++) {
        double a = y[c1->start + i], b = y[c2->start + i];
        e += (b - a) * (b - a);
        t2 += a * a;
    }
    r->repeat_esr = t2 > 0 ? e / t2 : NAN;
}

/* ---- the whole check ------------------------------------------------------------------------ */

/* The recording read at y[k] = x(round(p0) + k * ratio) for k < frames: a clock drift undone by
 * libsamplerate (tools/resample.h), from the sample nearest to p0. The fraction of a sample left
 * is a constant delay, common to every segment (the repeatability compares two copies of one
 * phrase, which it leaves equal) and learnt by the model like the device's own latency. Outside
 * the recording: silence. */
static nn_status read_between(const float *x, size_t n, double p0, double ratio, float *y, size_t frames, double rate,
                              const char *name, nn_error *err)
{
    long i0 = lround(p0);
    size_t lead = i0 < 0 ? (size_t)(-i0) : 0, from = i0 > 0 ? (size_t)i0 : 0;
    if (from >= n) {
        memset(y, 0, frames * sizeof *y);
        return NN_OK;
    }
    size_t len = lead + (n - from);
    float *z = calloc(len, sizeof *z);
    if (!z) return rnnfx_fail(err, NN_ERR_NOMEM, name, "out of memory");
    memcpy(z + lead, x + from, (n - from) * sizeof *z);
    /* in_rate / out_rate = ratio: output sample k sits at input position k * ratio */
    nn_status st = rnnfx_resample(z, len, rate, y, frames, rate / ratio, name, err);
    free(z);
    return st;
}

nn_status rnnfx_capture_check(const rnnfx_capture_layout *l, const float *sig, const float *rec, size_t n,
                              const char *name, rnnfx_capture_report *r, float **aligned, nn_error *err)
{
    memset(r, 0, sizeof *r);
    *aligned = NULL;
    snprintf(r->name, sizeof r->name, "%s", name);
    rnnfx_capture_tag(l, r->signal, sizeof r->signal);
    r->rate = l->rate;
    double rate = l->rate;
    const rnnfx_capture_seg *k1 = &l->segs[l->marker[0]], *k2 = &l->segs[l->marker[1]];
    size_t dist = k2->start - k1->start;

    float peak = 0;
    for (size_t i = 0; i < n; i++)
        if (fabsf(rec[i]) > peak) peak = fabsf(rec[i]);
    if (!isfinite(peak)) return rnnfx_fail(err, NN_ERR_VALUE, name, "contains NaN or infinite samples");
    if (peak < 1e-4f)
        return rnnfx_fail(err, NN_ERR_VALUE, name,
                          "silent (peak %.1f dBFS): nothing was recorded - check the device's output and the "
                          "input the recorder listens to",
                          db(peak));

    size_t m = 0;
    float *t = marker_samples(l, &m);
    if (!t) return rnnfx_fail(err, NN_ERR_NOMEM, name, "out of memory");
    match m1, m2;
    nn_status st = NN_OK;
    float *y = NULL;
    if (find_first(rec, n, rate, t, m, &m1)) {
        st = rnnfx_fail(err, NN_ERR_NOMEM, name, "out of memory");
        goto out;
    }
    if (!m1.found) {
        double played = 0, q = wrong_speed(rec, n, rate, t, m, &played);
        if (q > 0)
            st = rnnfx_fail(err, NN_ERR_VALUE, name,
                            "the capture signal plays %.2f %% %s than it should: the %.0f Hz signal was played at "
                            "%.0f Hz - play it at %.0f Hz, without resampling",
                            100.0 * fabs(q - 1), q > 1 ? "slower" : "faster", rate, played, rate);
        else if ((q = smeared_first(rec, n, rate, t, m, dist, &m1)) > 0)
            st = rnnfx_fail(err, NN_ERR_VALUE, name,
                            "the recorder's clock runs about %+.0f ppm from the player's: more than a drift (at most "
                            "%.0f ppm are corrected) - play and record at %.0f Hz, on one interface",
                            (q - 1) * 1e6, RNNFX_CAPTURE_MAX_DRIFT_PPM, rate);
        else if (n < (size_t)(FIRST_SEARCH_S * rate) && n < l->frames / 2)
            st = rnnfx_fail(err, NN_ERR_VALUE, name,
                            "the capture signal was not found in %.1f s of recording (the signal lasts %.1f s): "
                            "too short, or not the reamped file",
                            (double)n / rate, (double)l->frames / rate);
        else
            st = rnnfx_fail(err, NN_ERR_VALUE, name,
                            "the capture signal was not found: is it the reamped file (the device's output while "
                            "it played `rnnfx signal`'s file), played and recorded on one clock?");
        goto out;
    }
    r->latency = m1.at - (long)k1->start;
    r->marker_strength = m1.strength;
    r->inverted = m1.negative;
    long end_needed = m1.at + (long)(k2->start + k2->frames - k1->start);
    if ((long)n < end_needed) {
        st = rnnfx_fail(err, NN_ERR_SHAPE, name,
                        "cut: the recording ends %.2f s into the signal, which lasts %.2f s - record it to the end",
                        (double)((long)n - r->latency) / rate, (double)l->frames / rate);
        goto out;
    }
    if (find_second(rec, n, m1.pos, dist, t, m, &m2)) {
        st = rnnfx_fail(err, NN_ERR_NOMEM, name, "out of memory");
        goto out;
    }
    if (m2.found && (refine(rec, n, t, m, &m1) || refine(rec, n, t, m, &m2))) {
        st = rnnfx_fail(err, NN_ERR_NOMEM, name, "out of memory");
        goto out;
    }
    double played = 0, q = m2.found ? 0 : wrong_speed(rec, n, rate, t, m, &played);
    if (q > 0) {
        st = rnnfx_fail(err, NN_ERR_VALUE, name,
                        "the capture signal plays %.2f %% %s than it should: the %.0f Hz signal was played at "
                        "%.0f Hz - play it at %.0f Hz, without resampling",
                        100.0 * fabs(q - 1), q > 1 ? "slower" : "faster", rate, played, rate);
        goto out;
    }
    q = m2.found ? 0 : far_clock(rec, n, &m1, dist, rate, t, m);
    if (q > 0) {
        st = rnnfx_fail(err, NN_ERR_VALUE, name,
                        "the recorder's clock runs about %+.0f ppm from the player's: more than a drift (at most "
                        "%.0f ppm are corrected) - play and record at %.0f Hz, on one interface",
                        (q - 1) * 1e6, RNNFX_CAPTURE_MAX_DRIFT_PPM, rate);
        goto out;
    }
    if (!m2.found) {
        st = rnnfx_fail(err, NN_ERR_VALUE, name,
                        "the signal's end marker is not where it should be (%.2f s): the recording was cut, "
                        "paused or edited, or its clock is far off",
                        (double)(m1.at + (long)dist) / rate);
        goto out;
    }
    double ratio = (m2.pos - m1.pos) / (double)dist;
    r->drift_ppm = (ratio - 1) * 1e6;
    r->drift_samples = m2.pos - m1.pos - (double)dist;
    if (fabs(r->drift_samples) > CORRECT_DRIFT_SAMPLES) /* where the signal's first sample is */
        /* a stretched marker lines up best at its middle */
        r->latency = lround(m1.pos + 0.5 * (double)m - ((double)k1->start + 0.5 * (double)m) * ratio);
    if (fabs(r->drift_ppm) > RNNFX_CAPTURE_MAX_DRIFT_PPM) {
        st = rnnfx_fail(err, NN_ERR_VALUE, name,
                        "the recorder's clock runs %+.0f ppm from the player's (%+.1f samples over %.1f s): more "
                        "than a drift (at most %.0f ppm are corrected) - play and record at %.0f Hz, on one "
                        "interface",
                        r->drift_ppm, r->drift_samples, (double)dist / rate, RNNFX_CAPTURE_MAX_DRIFT_PPM, rate);
        goto out;
    }
    long lat = m1.at - (long)k1->start;
    if (!(y = calloc(l->frames, sizeof *y))) {
        st = rnnfx_fail(err, NN_ERR_NOMEM, name, "out of memory");
        goto out;
    }
    size_t v0 = lat < 0 ? (size_t)-lat : 0, v1 = l->frames;
    if ((long)n - lat < (long)v1) v1 = (size_t)((long)n - lat);
    if (fabs(r->drift_samples) > CORRECT_DRIFT_SAMPLES) {
        /* signal sample k sits at p0 + k * ratio in the recording (the markers' middles line up) */
        double p0 = m1.pos + 0.5 * (double)m - ((double)k1->start + 0.5 * (double)m) * ratio;
        if ((st = read_between(rec, n, p0, ratio, y, l->frames, rate, name, err)) != NN_OK) goto out;
        /* once more from the markers as they now stand: unsmeared, their peaks are sharp */
        match a1, a2;
        long s1 = (long)k1->start, s2 = (long)k2->start;
        if (find_template(y, l->frames, s1 - REFINE_HALF, s1 + REFINE_HALF, t, m, &a1) ||
            find_template(y, l->frames, s2 - REFINE_HALF, s2 + REFINE_HALF, t, m, &a2)) {
            st = rnnfx_fail(err, NN_ERR_NOMEM, name, "out of memory");
            goto out;
        }
        if (a1.found && a2.found) {
            double d1 = a1.pos - (double)k1->start, d2 = a2.pos - (double)k2->start;
            p0 += ratio * (d1 - (d2 - d1) * (double)k1->start / (double)dist);
            ratio *= 1 + (d2 - d1) / (double)dist;
            r->drift_ppm = (ratio - 1) * 1e6;
            r->drift_samples = (ratio - 1) * (double)dist;
            if ((st = read_between(rec, n, p0, ratio, y, l->frames, rate, name, err)) != NN_OK) goto out;
        }
        v0 = p0 < 0 ? (size_t)ceil(-p0 / ratio) : 0;
        v1 = (size_t)fmin((double)l->frames, floor(((double)n - 1 - p0) / ratio));
        r->drift_corrected = 1;
    } else {
        for (size_t i = v0; i < v1; i++) y[i] = rec[(long)i + lat];
    }
    /* clipping in the recording as it is: the time a person finds it at in an editor */
    long from = r->latency > 0 ? r->latency : 0, to = r->latency + (long)l->frames;
    find_clipping(l, rec, from, to < (long)n ? to : (long)n, r->latency, r);
    if (r->clip_ms > RNNFX_CAPTURE_MAX_CLIP_MS) {
        st = rnnfx_fail(err, NN_ERR_VALUE, name,
                        "clipped for %.1f ms in all (%zu runs; the longest %.1f ms at %.2f s, in \"%s\"): lower the "
                        "recording level and record again",
                        r->clip_ms, r->clip_runs, r->clip_longest_ms, r->clip_at_s, r->clip_where);
        goto out;
    }
    double dc = 0;
    for (size_t i = v0; i < v1; i++) dc += y[i];
    r->dc = v1 > v0 ? dc / (double)(v1 - v0) : 0;
    if (fabs(r->dc) > 1e-4)
        for (size_t i = v0; i < v1; i++) y[i] -= (float)r->dc;
    measure(l, sig, y, v0, v1, r);
    if (!(r->play_rms_db > -80)) {
        st = rnnfx_fail(err, NN_ERR_VALUE, name, "silent where the signal plays (RMS %.1f dBFS)", r->play_rms_db);
        goto out;
    }

    /* warnings, each with its number */
    if (r->clip_runs)
        warn(r,
             "%s: clipped for %.2f ms (%zu runs; the longest %.2f ms at %.2f s, in \"%s\"): the model learns "
             "the "
             "clipping there",
             name, r->clip_ms, r->clip_runs, r->clip_longest_ms, r->clip_at_s, r->clip_where);
    if (r->peak_db < -30)
        warn(r, "%s: level low: peaks at %.1f dBFS - raise the recording level (peaks around -6 dBFS)", name,
             r->peak_db);
    if (fabs(r->dc) > 1e-3)
        warn(r, "%s: DC offset %+.4f (%.1f dBFS): removed before training", name, r->dc, db(fabs(r->dc)));
    if (r->inverted)
        warn(r,
             "%s: polarity inverted (peak correlation negative, %.0f x its RMS): the device or the cabling "
             "turns "
             "the signal upside down; trained as recorded",
             name, m1.strength);
    if (r->snr_db < 40)
        warn(r,
             "%s: noisy: noise floor %.1f dBFS, %.1f dB below the playing - the model learns an average "
             "of the noise",
             name, r->noise_db, r->snr_db);
    if (r->drift_corrected)
        warn(r, "%s: clock drift %+.1f ppm (%+.2f samples over %.1f s): corrected", name, r->drift_ppm,
             r->drift_samples, (double)dist / rate);
    if (r->repeat_esr > 0.01)
        warn(r,
             "%s: the two copies of the repeated phrase differ by ESR %.4f: the device or the recording "
             "is not repeatable (noise, modulation, a changed setting); no model can do better",
             name, r->repeat_esr);
    if (lat < 0)
        warn(r, "%s: the recording starts %.2f s after the signal (its first %.2f s of silence are missing)", name,
             (double)-lat / rate, (double)-lat / rate);
    *aligned = y;
    y = NULL;
out:
    free(y);
    free(t);
    return st;
}

/* ---- the report ----------------------------------------------------------------------------- */

void rnnfx_capture_report_print(const rnnfx_capture_report *r, FILE *f)
{
    fprintf(f, "%s: %s, found (marker %.0f x the noise)\n", r->name, r->signal, r->marker_strength);
    fprintf(f, "  latency       %ld samples (%.2f ms)%s\n", r->latency, 1000.0 * (double)r->latency / r->rate,
            r->inverted ? ", polarity inverted" : "");
    fprintf(f, "  clock         %+.2f ppm (%+.3f samples between the markers)%s\n", r->drift_ppm, r->drift_samples,
            r->drift_corrected ? ": corrected" : "");
    fprintf(f, "  level         playing RMS %.1f dBFS, peak %.1f dBFS; gain %+.2f dB over the signal\n", r->play_rms_db,
            r->peak_db, r->gain_db);
    if (isfinite(r->noise_db)) fprintf(f, "  noise floor   %.1f dBFS (SNR %.1f dB)\n", r->noise_db, r->snr_db);
    else
        fprintf(f, "  noise floor   none: digital silence in the silences\n");
    fprintf(f, "  DC offset     %+.5f\n", r->dc);
    if (r->clip_runs)
        fprintf(f, "  clipping      %.2f ms in %zu runs, the longest %.2f ms at %.2f s\n", r->clip_ms, r->clip_runs,
                r->clip_longest_ms, r->clip_at_s);
    else
        fprintf(f, "  clipping      none\n");
    fprintf(f, "  repeatability ESR %.3g between the two copies of the repeated phrase: the floor\n", r->repeat_esr);
}

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

char *rnnfx_capture_report_json(const rnnfx_capture_report *r)
{
    const char *base = strrchr(r->name, '/');
    json_t *w = json_array();
    for (int i = 0; i < r->n_warnings; i++) json_array_append_new(w, json_string(r->warnings[i]));
    json_t *j = json_pack("{s:s, s:s, s:f, s:I, s:b, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, "
                          "s:o, s:o}",
                          "file", base ? base + 1 : r->name, "signal", r->signal, "rate", r->rate, "latency_samples",
                          (json_int_t)r->latency, "polarity_inverted", r->inverted, "clock_drift_ppm",
                          num(r->drift_ppm), "clock_drift_samples", num(r->drift_samples), "drift_corrected",
                          r->drift_corrected, "gain_db", num(r->gain_db), "playing_rms_dbfs", num(r->play_rms_db),
                          "peak_dbfs", num(r->peak_db), "noise_floor_dbfs", num(r->noise_db), "snr_db", num(r->snr_db),
                          "dc_offset", num(r->dc), "clipped_ms", num(r->clip_ms), "clip_longest_ms",
                          num(r->clip_longest_ms), "clip_runs", (json_int_t)r->clip_runs, "repeat_esr",
                          num(r->repeat_esr), "warnings", w);
    if (!j) return NULL;
    if (r->clip_runs) json_object_set_new(j, "clip_at_s", json_real(r->clip_at_s));
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}
