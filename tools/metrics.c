/* metrics.c - ESR and friends (see metrics.h). Sums in double: a long file has millions of terms. */
#include "metrics.h"

#include <math.h>
#include <string.h>

void rnnfx_metrics_init(rnnfx_metrics_acc *a) { memset(a, 0, sizeof *a); }

void rnnfx_metrics_add(rnnfx_metrics_acc *a, const float *y, const float *t, size_t n)
{
    double py = 0, pt = 0; /* the pre-emphasis filter's previous inputs: at rest */
    for (size_t i = 0; i < n; i++) {
        double yi = y[i], ti = t[i], d = yi - ti;
        double ye = yi - RNNFX_PRE_EMPHASIS * py, te = ti - RNNFX_PRE_EMPHASIS * pt, de = ye - te;
        a->err2 += d * d;
        a->tgt2 += ti * ti;
        a->err2_pre += de * de;
        a->tgt2_pre += te * te;
        a->diff_sum += ti - yi;
        a->out2 += yi * yi;
        py = yi;
        pt = ti;
    }
    a->n += (double)n;
}

static double level_db(double sum2, double n) { return n > 0 && sum2 > 0 ? 10.0 * log10(sum2 / n) : -INFINITY; }

rnnfx_metrics rnnfx_metrics_finish(const rnnfx_metrics_acc *a)
{
    rnnfx_metrics m;
    m.esr = a->tgt2 > 0 ? a->err2 / a->tgt2 : NAN;
    m.esr_pre = a->tgt2_pre > 0 ? a->err2_pre / a->tgt2_pre : NAN;
    double mean_diff = a->n > 0 ? a->diff_sum / a->n : 0;
    m.dc = a->tgt2 > 0 ? mean_diff * mean_diff / (a->tgt2 / a->n) : NAN;
    m.rms_out_db = level_db(a->out2, a->n);
    m.rms_target_db = level_db(a->tgt2, a->n);
    return m;
}

double rnnfx_rms_db(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    return level_db(s, (double)n);
}

int rnnfx_best_lag(const float *y, const float *t, size_t n, int max_lag, double *corr)
{
    double yy = 0, tt = 0;
    for (size_t i = 0; i < n; i++) yy += (double)y[i] * y[i], tt += (double)t[i] * t[i];
    int best = 0;
    double best_c = -INFINITY;
    for (int k = -max_lag; k <= max_lag; k++) {
        size_t shift = (size_t)(k < 0 ? -k : k);
        if (shift >= n) continue;
        const float *a = k >= 0 ? y : y + shift, *b = k >= 0 ? t + shift : t;
        double c = 0;
        for (size_t i = 0; i < n - shift; i++) c += (double)a[i] * b[i];
        if (c > best_c) best_c = c, best = k;
    }
    *corr = yy > 0 && tt > 0 ? best_c / sqrt(yy * tt) : 0.0;
    return best;
}
