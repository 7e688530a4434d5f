/*
 * metrics.h - how close a model's output is to a target recording: the figures of `rnnfx eval`,
 * defined as in the amp-modelling literature (and as the trainer's loss, nn/train/loss.c):
 *
 *   ESR                 sum (y - t)^2 / sum t^2
 *   ESR, pre-emphasis   the same after the filter 1 - 0.85 z^-1 on both y and t (weights the
 *                       highs, where the ear is more sensitive to the error)
 *   DC error            (mean (t - y))^2 / mean t^2
 *
 * Channels are pooled by summing each term over them (each channel's filter starts at rest).
 */
#ifndef RNNFX_TOOLS_METRICS_H
#define RNNFX_TOOLS_METRICS_H

#include <stddef.h>

#define RNNFX_PRE_EMPHASIS 0.85

typedef struct rnnfx_metrics_acc {
    double err2, tgt2, err2_pre, tgt2_pre, diff_sum, out2;
    double n;
} rnnfx_metrics_acc;

typedef struct rnnfx_metrics {
    double esr, esr_pre, dc;          /* NaN when the target is silent */
    double rms_out_db, rms_target_db; /* dBFS (-inf for silence) */
} rnnfx_metrics;

void rnnfx_metrics_init(rnnfx_metrics_acc *a);
/* Adds one channel: output y[n] against target t[n]. */
void rnnfx_metrics_add(rnnfx_metrics_acc *a, const float *y, const float *t, size_t n);
rnnfx_metrics rnnfx_metrics_finish(const rnnfx_metrics_acc *a);

/* RMS level of x[n] in dBFS (20 log10 rms; -inf for silence). */
double rnnfx_rms_db(const float *x, size_t n);

/* The shift k in -max_lag..max_lag that best lines t up with y: the largest normalised
 * cross-correlation sum y[i] t[i + k] (k > 0: the target comes k samples late). *corr gets the
 * correlation there (-1..1; 0 if either is silent). */
int rnnfx_best_lag(const float *y, const float *t, size_t n, int max_lag, double *corr);

#endif
