/* data.c - the recordings a model learns from: checks before anything is trained (rates, lengths,
 * channels, silence, clipping), the lag between input and target (cross-correlation by FFT), and
 * the train / validation / test split. */
#include "train_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

nn_tdata *nn_tdata_new(void)
{
    nn_tdata *d = calloc(1, sizeof *d);
    if (d) d->n_cond = -1;
    return d;
}

void nn_tdata_free(nn_tdata *d)
{
    if (!d) return;
    for (int i = 0; i < d->n_pairs; i++) {
        free(d->pairs[i].in_name);
        free(d->pairs[i].out_name);
        free(d->pairs[i].x);
        free(d->pairs[i].y);
    }
    for (size_t i = 0; i < d->n_warnings; i++) free(d->warnings[i]);
    free(d->warnings);
    free(d->pairs);
    free(d->describe);
    free(d);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
warn(nn_tdata *d, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **w = realloc(d->warnings, (d->n_warnings + 1) * sizeof *w);
    if (!w) return;
    d->warnings = w;
    w[d->n_warnings] = strdup(buf);
    if (w[d->n_warnings]) d->n_warnings++;
}

size_t nn_tdata_num_warnings(const nn_tdata *d) { return d->n_warnings; }
const char *nn_tdata_warning(const nn_tdata *d, size_t i) { return i < d->n_warnings ? d->warnings[i] : NULL; }
int nn_tdata_num_pairs(const nn_tdata *d) { return d->n_pairs; }
int nn_tdata_num_cond(const nn_tdata *d) { return d->n_cond < 0 ? 0 : d->n_cond; }
double nn_tdata_rate(const nn_tdata *d) { return d->rate; }

void nn_tdata_pair(const nn_tdata *d, int i, nn_tpair_info *o)
{
    const tn_pair *p = &d->pairs[i];
    memset(o, 0, sizeof *o);
    o->in_name = p->in_name;
    o->out_name = p->out_name;
    o->frames = p->n;
    o->rate = d->rate;
    o->lag = p->lag;
    o->lag_corr = p->lag_corr;
    o->aligned = p->aligned;
    memcpy(o->cond, p->cond, sizeof o->cond);
    o->role = p->role;
    o->train_from = p->train_from, o->train_to = p->train_to;
    o->val_from = p->val_from, o->val_to = p->val_to;
    o->test_from = p->test_from, o->test_to = p->test_to;
}

/* ---- lag: cross-correlation by FFT ------------------------------------------------------------ */

/* In-place iterative radix-2 FFT of n (a power of two) complex values (re, im interleaved). */
static void fft(double *a, size_t n, int inverse)
{
    for (size_t i = 1, j = 0; i < n; i++) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            double t0 = a[2 * i], t1 = a[2 * i + 1];
            a[2 * i] = a[2 * j], a[2 * i + 1] = a[2 * j + 1];
            a[2 * j] = t0, a[2 * j + 1] = t1;
        }
    }
    for (size_t len = 2; len <= n; len <<= 1) {
        double ang = 2.0 * M_PI / (double)len * (inverse ? 1.0 : -1.0);
        double wr = cos(ang), wi = sin(ang);
        for (size_t i = 0; i < n; i += len) {
            double cr = 1.0, ci = 0.0;
            for (size_t k = 0; k < len / 2; k++) {
                double *u = a + 2 * (i + k), *v = a + 2 * (i + k + len / 2);
                double vr = v[0] * cr - v[1] * ci, vi = v[0] * ci + v[1] * cr;
                v[0] = u[0] - vr, v[1] = u[1] - vi;
                u[0] += vr, u[1] += vi;
                double nr = cr * wr - ci * wi;
                ci = cr * wi + ci * wr;
                cr = nr;
            }
        }
    }
}

/* The lag L in [-max_lag, max_lag] where y best matches x delayed (y[t] ~ x[t - L]).
 * Generalised cross-correlation with phase transform (GCC-PHAT): the cross spectrum is whitened
 * before the inverse FFT, so that the peak is sharp even for bass-heavy or distorted signals, where
 * the plain cross-correlation peaks a period away. *corr: the plain correlation at that lag,
 * normalised, with the sign of the whitened peak (negative: polarity inverted; the plain
 * correlation's own sign is unreliable on bass, whose phase the device shifts). */
int nn_find_lag(const float *x, const float *y, size_t n, int max_lag, double *corr)
{
    size_t m = 1;
    while (m < 2 * n) m <<= 1;
    double *a = calloc(2 * m, sizeof *a), *b = calloc(2 * m, sizeof *b);
    if (!a || !b) {
        free(a), free(b);
        if (corr) *corr = 0;
        return 0;
    }
    double ex = 0, ey = 0;
    for (size_t i = 0; i < n; i++) {
        a[2 * i] = x[i], b[2 * i] = y[i];
        ex += (double)x[i] * x[i], ey += (double)y[i] * y[i];
    }
    fft(a, m, 0);
    fft(b, m, 0);
    double peak = 0;
    for (size_t i = 0; i < m; i++) { /* b * conj(a): the cross spectrum; a keeps a copy */
        double br = b[2 * i], bi = b[2 * i + 1], ar = a[2 * i], ai = a[2 * i + 1];
        a[2 * i] = br * ar + bi * ai;
        a[2 * i + 1] = bi * ar - br * ai;
        double mag = sqrt(a[2 * i] * a[2 * i] + a[2 * i + 1] * a[2 * i + 1]);
        if (mag > peak) peak = mag;
        b[2 * i] = a[2 * i], b[2 * i + 1] = a[2 * i + 1];
    }
    for (size_t i = 0; i < m; i++) { /* whitened copy in b */
        double mag = sqrt(b[2 * i] * b[2 * i] + b[2 * i + 1] * b[2 * i + 1]) + 1e-6 * peak;
        b[2 * i] /= mag, b[2 * i + 1] /= mag;
    }
    fft(b, m, 1);
    fft(a, m, 1);
    int best = 0;
    double bestv = 0;
    for (int L = -max_lag; L <= max_lag; L++) {
        if ((size_t)abs(L) >= n) continue;
        double v = b[2 * (size_t)(L >= 0 ? L : (long)m + L)];
        if (fabs(v) > fabs(bestv) || (fabs(v) == fabs(bestv) && abs(L) < abs(best))) bestv = v, best = L;
    }
    double plain = a[2 * (size_t)(best >= 0 ? best : (long)m + best)] / (double)m;
    if (corr) *corr = ex > 0 && ey > 0 ? copysign(fabs(plain) / sqrt(ex * ey), bestv) : 0;
    free(a), free(b);
    return best;
}

/* ---- adding a pair --------------------------------------------------------------------------- */

static float *mono_copy(const nn_taudio *a, int ch, size_t n)
{
    float *o = malloc((n ? n : 1) * sizeof *o);
    if (!o) return NULL;
    memcpy(o, a->ch[ch], n * sizeof *o);
    return o;
}

typedef struct {
    double rms, peak;
    size_t full_scale, nonfinite;
} sig_stats;

static sig_stats stats_of(const float *x, size_t n)
{
    sig_stats s = {0, 0, 0, 0};
    double e = 0;
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        if (!isfinite(v)) {
            s.nonfinite++;
            continue;
        }
        e += (double)v * v;
        if (fabsf(v) > s.peak) s.peak = fabsf(v);
        if (fabsf(v) >= 0.999f) s.full_scale++;
    }
    s.rms = n ? sqrt(e / (double)n) : 0;
    return s;
}

nn_status nn_tdata_add(nn_tdata *d, const nn_taudio *in, const nn_taudio *out, int channel, const float *cond,
                       int n_cond, nn_trole role, nn_error *err)
{
    const nn_taudio *both[2] = {in, out};
    for (int k = 0; k < 2; k++) {
        const nn_taudio *a = both[k];
        if (!a->ch || a->channels < 1) return nn_fail(err, NN_ERR_ARG, a->name, "no audio");
        if (!(a->rate >= 1000 && a->rate <= 768000))
            return nn_fail(err, NN_ERR_VALUE, a->name, "sample rate %g Hz out of range", a->rate);
        if (channel < 0 && a->channels != 1)
            return nn_fail(err, NN_ERR_SHAPE, a->name,
                           "%d channels; the trainer learns from mono recordings (choose one with --channel)",
                           a->channels);
        if (channel >= a->channels)
            return nn_fail(err, NN_ERR_SHAPE, a->name, "has %d channel%s, no channel %d", a->channels,
                           a->channels == 1 ? "" : "s", channel + 1);
    }
    if (in->rate != out->rate)
        return nn_fail(err, NN_ERR_VALUE, out->name, "sample rate %g Hz, but the input %s is %g Hz: resample one first",
                       out->rate, in->name, in->rate);
    if (d->n_pairs && in->rate != d->rate)
        return nn_fail(err, NN_ERR_VALUE, in->name, "sample rate %g Hz, but earlier pairs are %g Hz", in->rate,
                       d->rate);
    if (d->n_cond >= 0 && n_cond != d->n_cond)
        return nn_fail(err, NN_ERR_ARG, in->name, "%d conditioning values, but earlier pairs have %d", n_cond,
                       d->n_cond);
    if (n_cond < 0 || n_cond > NN_MAX_COND)
        return nn_fail(err, NN_ERR_LIMIT, in->name, "%d conditioning values (at most %d)", n_cond, NN_MAX_COND);
    size_t nx = in->frames, ny = out->frames, n = nx < ny ? nx : ny, diff = nx > ny ? nx - ny : ny - nx;
    if (diff > (size_t)(0.1 * in->rate) && diff * 100 > n)
        return nn_fail(err, NN_ERR_SHAPE, out->name,
                       "%zu frames (%.2f s), but the input %s has %zu (%.2f s): not recordings of the same take?", ny,
                       (double)ny / out->rate, in->name, nx, (double)nx / in->rate);
    if (n < 1000) return nn_fail(err, NN_ERR_SHAPE, in->name, "too short to train on (%zu frames)", n);

    int ch = channel < 0 ? 0 : channel;
    float *x = mono_copy(in, ch, n), *y = mono_copy(out, ch < out->channels ? ch : 0, n);
    tn_pair *np = realloc(d->pairs, (size_t)(d->n_pairs + 1) * sizeof *np);
    if (!x || !y || !np) {
        free(x), free(y);
        if (np) d->pairs = np;
        return nn_fail(err, NN_ERR_NOMEM, in->name, "out of memory");
    }
    d->pairs = np;
    sig_stats sx = stats_of(x, n), sy = stats_of(y, n);
    const char *bad = sx.nonfinite ? in->name : sy.nonfinite ? out->name : NULL;
    if (bad) {
        free(x), free(y);
        return nn_fail(err, NN_ERR_VALUE, bad, "contains NaN or infinite samples");
    }
    const char *silent = sx.rms < 1e-4 ? in->name : sy.rms < 1e-4 ? out->name : NULL;
    if (silent) {
        double r = silent == in->name ? sx.rms : sy.rms;
        free(x), free(y);
        if (r == 0) return nn_fail(err, NN_ERR_VALUE, silent, "silent (all zeros): nothing to learn from");
        return nn_fail(err, NN_ERR_VALUE, silent, "silent (RMS %.1f dBFS): nothing to learn from", 20 * log10(r));
    }
    if (diff) warn(d, "%s: %zu frames, %s: %zu: using the first %zu of both", in->name, nx, out->name, ny, n);
    const sig_stats *ss[2] = {&sx, &sy};
    for (int k = 0; k < 2; k++)
        if (ss[k]->full_scale * 1000 > n) /* more than 0.1 % of the samples at full scale */
            warn(d, "%s: %zu samples at full scale (%.2f %%): clipped recording?", both[k]->name, ss[k]->full_scale,
                 100.0 * (double)ss[k]->full_scale / (double)n);
    if (sy.rms < 3e-3 || sx.rms < 3e-3)
        warn(d, "%s: very quiet (RMS %.1f dBFS)", sy.rms < 3e-3 ? out->name : in->name,
             20 * log10(sy.rms < 3e-3 ? sy.rms : sx.rms));

    tn_pair *p = &d->pairs[d->n_pairs];
    memset(p, 0, sizeof *p);
    p->in_name = strdup(in->name ? in->name : "input");
    p->out_name = strdup(out->name ? out->name : "target");
    p->x = x, p->y = y, p->n = n;
    p->role = role;
    for (int k = 0; k < n_cond; k++) p->cond[k] = cond[k];
    /* The lag from 2^17 samples (2.7 s at 48 kHz) around the loudest part of the input: plenty for
     * a delay of at most 50 ms, and 8 times cheaper than the first 11 s. */
    size_t nl = n < ((size_t)1 << 17) ? n : ((size_t)1 << 17), at = 0;
    if (nl < n) {
        double best = -1;
        for (size_t s0 = 0; s0 + nl <= n; s0 += nl / 4) {
            double e = 0;
            for (size_t k = 0; k < nl; k += 16) e += (double)x[s0 + k] * x[s0 + k];
            if (e > best) best = e, at = s0;
        }
    }
    p->lag = nn_find_lag(x + at, y + at, nl, (int)(0.05 * in->rate), &p->lag_corr);
    if (p->lag_corr < 0)
        warn(d, "%s: polarity inverted relative to %s (correlation %.2f)", out->name, in->name, p->lag_corr);
    d->n_pairs++;
    d->rate = in->rate;
    d->n_cond = n_cond;
    return NN_OK;
}

void nn_tdata_align(nn_tdata *d)
{
    for (int i = 0; i < d->n_pairs; i++) {
        tn_pair *p = &d->pairs[i];
        if (p->aligned || p->lag == 0) continue;
        size_t L = (size_t)abs(p->lag), n = p->n - L;
        if (p->lag > 0) /* target late: drop its first L samples */
            memmove(p->y, p->y + L, n * sizeof *p->y);
        else /* target early: drop the input's first L */
            memmove(p->x, p->x + L, n * sizeof *p->x);
        p->n = n;
        p->aligned = 1;
    }
}

/* ---- split ---------------------------------------------------------------------------------- */

static void whole(tn_pair *p, nn_trole r)
{
    p->train_from = p->train_to = p->val_from = p->val_to = p->test_from = p->test_to = 0;
    if (r == NN_ROLE_TEST) p->test_to = p->n;
    else if (r == NN_ROLE_VAL)
        p->val_to = p->n;
    else
        p->train_to = p->n;
}

/* The AUTO pair (not yet taken) whose length is nearest `target` frames (ties: later pairs). */
static int nearest(nn_tdata *d, const char *taken, double target)
{
    int best = -1;
    for (int i = 0; i < d->n_pairs; i++)
        if (!taken[i] && d->pairs[i].role == NN_ROLE_AUTO &&
            (best < 0 || fabs((double)d->pairs[i].n - target) <= fabs((double)d->pairs[best].n - target)))
            best = i;
    return best;
}

/* Cuts the last `nv` frames (validation) and before them `nt` (test) off an AUTO pair. */
static void by_time(tn_pair *p, size_t nv, size_t nt)
{
    p->train_from = 0;
    p->train_to = p->n - nv - nt;
    p->test_from = p->train_to, p->test_to = p->test_from + nt;
    p->val_from = p->test_to, p->val_to = p->n;
}

nn_status nn_tdata_split(nn_tdata *d, nn_tsplit how, double val_fraction, double test_fraction, nn_error *err)
{
    if (!d->n_pairs) return nn_fail(err, NN_ERR_ARG, "data", "no recordings");
    if (!(val_fraction >= 0 && val_fraction < 0.9 && test_fraction >= 0 && test_fraction < 0.9 &&
          val_fraction + test_fraction < 0.9))
        return nn_fail(err, NN_ERR_ARG, "data", "validation and test fractions must leave audio to train on");
    int n_auto = 0, has_test = 0, has_val = 0;
    double auto_frames = 0;
    for (int i = 0; i < d->n_pairs; i++) {
        nn_trole r = d->pairs[i].role;
        if (r == NN_ROLE_AUTO) n_auto++, auto_frames += (double)d->pairs[i].n;
        has_test |= r == NN_ROLE_TEST;
        has_val |= r == NN_ROLE_VAL;
        whole(&d->pairs[i], r);
    }
    int want_val = !has_val && val_fraction > 0, want_test = !has_test && test_fraction > 0;
    int files_needed = 1 + want_val + want_test;
    /* AUTO: a test set by file when there are files enough (it then measures a model on material
     * it never heard), validation by time: the tail of every training file. A whole file held out
     * for validation takes a kind of material out of training; on the morphdrive set that cost
     * 40 % of test ESR (LSTM-16, zendrive: 0.0167 against 0.0116). */
    int test_file = how == NN_SPLIT_FILE || (how == NN_SPLIT_AUTO && want_test && n_auto >= 3);
    int val_file = how == NN_SPLIT_FILE;
    if (how == NN_SPLIT_FILE && n_auto < files_needed)
        return nn_fail(err, NN_ERR_ARG, "data", "%d recording%s to share between training%s%s: split by time instead",
                       n_auto, n_auto == 1 ? "" : "s", want_val ? ", validation" : "", want_test ? ", test" : "");
    char *taken = calloc((size_t)d->n_pairs, 1);
    if (!taken) return nn_fail(err, NN_ERR_NOMEM, "data", "out of memory");
    if (want_test && test_file) {
        int i = nearest(d, taken, test_fraction * auto_frames);
        taken[i] = 1;
        whole(&d->pairs[i], NN_ROLE_TEST);
    }
    if (want_val && val_file) {
        int i = nearest(d, taken, val_fraction * auto_frames);
        taken[i] = 1;
        whole(&d->pairs[i], NN_ROLE_VAL);
    }
    for (int i = 0; i < d->n_pairs; i++) {
        tn_pair *p = &d->pairs[i];
        if (p->role != NN_ROLE_AUTO || taken[i]) continue;
        by_time(p, want_val && !val_file ? (size_t)(val_fraction * (double)p->n) : 0,
                want_test && !test_file ? (size_t)(test_fraction * (double)p->n) : 0);
    }
    free(taken);
    return NN_OK;
}

void nn_tdata_durations(const nn_tdata *d, double *train_s, double *val_s, double *test_s)
{
    double a = 0, b = 0, c = 0;
    for (int i = 0; i < d->n_pairs; i++) {
        const tn_pair *p = &d->pairs[i];
        a += (double)(p->train_to - p->train_from);
        b += (double)(p->val_to - p->val_from);
        c += (double)(p->test_to - p->test_from);
    }
    double r = d->rate > 0 ? d->rate : 1;
    if (train_s) *train_s = a / r;
    if (val_s) *val_s = b / r;
    if (test_s) *test_s = c / r;
}

/* "train: a.wav, b.wav (50.1 s); validation: c.wav (8.0 s); test: d.wav (7.9 s)" with the target
 * names (what a pair is known by); by-time parts say so. */
const char *nn_tdata_describe(nn_tdata *d)
{
    size_t cap = 256;
    for (int i = 0; i < d->n_pairs; i++) cap += strlen(d->pairs[i].out_name) * 3 + 64;
    free(d->describe);
    d->describe = malloc(cap);
    if (!d->describe) return "";
    char *o = d->describe;
    size_t left = cap;
    double secs[3];
    nn_tdata_durations(d, &secs[0], &secs[1], &secs[2]);
    const char *part[3] = {"train", "validation", "test"};
    int first_part = 1;
    for (int k = 0; k < 3; k++) {
        if (secs[k] <= 0) continue;
        int w = snprintf(o, left, "%s%s: ", first_part ? "" : "; ", part[k]);
        o += w, left -= (size_t)w;
        first_part = 0;
        int first = 1;
        for (int i = 0; i < d->n_pairs; i++) {
            const tn_pair *p = &d->pairs[i];
            size_t from = k == 0 ? p->train_from : k == 1 ? p->val_from : p->test_from;
            size_t to = k == 0 ? p->train_to : k == 1 ? p->val_to : p->test_to;
            if (to <= from) continue;
            const char *base = strrchr(p->out_name, '/');
            w = snprintf(o, left, "%s%s", first ? "" : ", ", base ? base + 1 : p->out_name);
            o += w, left -= (size_t)w;
            if (to - from < p->n) {
                w = snprintf(o, left, " [%.1f-%.1f s]", (double)from / d->rate, (double)to / d->rate);
                o += w, left -= (size_t)w;
            }
            first = 0;
        }
        w = snprintf(o, left, " (%.1f s)", secs[k]);
        o += w, left -= (size_t)w;
    }
    return d->describe;
}
