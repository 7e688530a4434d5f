/*
 * capture_check.h - reading a recording of the capture signal (capture_signal.h) back: where the
 * signal is in it, and whether it is fit to train on - before any training.
 *
 *   find     the first marker by whitened cross-correlation (GCC-PHAT, FFTW): the latency, to
 *            the sample, and the polarity (the sign of the peak); the second marker near where
 *            the first says it should be: the clock ratio between player and recorder. A drift
 *            between two clocks (up to RNNFX_CAPTURE_MAX_DRIFT_PPM) is corrected by reading the
 *            recording between its samples (windowed sinc; twice, the second time from the markers
 *            unsmeared); a larger ratio (up to 2 %: the marker's start, after the first silence,
 *            and stretched markers) is refused with its ppm, and a signal played at the wrong rate
 *            (44.1 kHz as 48 kHz, ...) is named as such.
 *   check    clipping (how long in all, the longest run and where), level and gain, DC offset,
 *            noise floor (the silences) and SNR, and repeatability: the ESR between the two
 *            copies of the repeated phrase in the recording - what no model can beat.
 *
 * A bad recording is an error (nn_error, one line "<file>: <problem>"): silent, not the signal,
 * cut, clipped for longer than RNNFX_CAPTURE_MAX_CLIP_MS, a clock far off. Small problems are
 * warnings in the report, each with its number. Nothing here prints; not real-time.
 */
#ifndef RNNFX_TOOLS_CAPTURE_CHECK_H
#define RNNFX_TOOLS_CAPTURE_CHECK_H

#include <stddef.h>
#include <stdio.h>

#include "capture_signal.h"
#include "nn.h"

#define RNNFX_CAPTURE_MAX_CLIP_MS 10.0    /* clipped for longer than this in all: refused */
#define RNNFX_CAPTURE_MAX_DRIFT_PPM 300.0 /* clock drift corrected up to this; beyond, refused */
#define RNNFX_CAPTURE_MAX_WARNINGS 16

typedef struct rnnfx_capture_report {
    char name[256];   /* the recording's file name */
    char signal[128]; /* the signal's tag */
    double rate;
    long latency;           /* samples from the recording's first sample to the signal's */
    double marker_strength; /* cross-correlation peak over its RMS (found above 10) */
    int inverted;           /* 1: the recording is upside down relative to the signal */
    double drift_ppm;       /* (recorder's clock / player's - 1) x 1e6 */
    double drift_samples;   /* what the drift amounts to between the two markers */
    int drift_corrected;
    double play_rms_db, peak_db; /* the recording where the signal plays (dBFS) */
    double gain_db;              /* the recording's playing RMS over the signal's */
    double noise_db, snr_db;     /* the silences' RMS (dBFS; -inf for digital silence); playing - noise */
    double dc;                   /* mean of the recording (removed when above 1e-4) */
    double clip_ms, clip_longest_ms, clip_at_s; /* runs of 2+ samples at full scale (time in the recording) */
    size_t clip_runs;
    char clip_where[48]; /* the segment of the longest run */
    double repeat_esr;   /* copy 2 against copy 1 */
    int n_warnings;
    char warnings[RNNFX_CAPTURE_MAX_WARNINGS][320];
} rnnfx_capture_report;

/* Finds the signal of layout `l` (samples `sig`, l->frames of them) in the mono recording rec[n]
 * (at l->rate; `name` for messages), checks it, and on success fills `rep` and *aligned: the
 * recording lined up with the signal sample for sample (l->frames samples, the clock drift and DC
 * corrected; silence where the recording has nothing; the caller frees it). */
nn_status rnnfx_capture_check(const rnnfx_capture_layout *l, const float *sig, const float *rec, size_t n,
                              const char *name, rnnfx_capture_report *rep, float **aligned, nn_error *err);

/* When the recording does not say which signal it holds: the length (minutes) of the version
 * `version` signal at `rate` whose two markers are both in rec[n]; 0 when none fits. */
int rnnfx_capture_guess_minutes(const float *rec, size_t n, double rate, int version);

/* The report as lines for a person ("REC.wav: latency ...") and as a JSON object (caller frees). */
void rnnfx_capture_report_print(const rnnfx_capture_report *r, FILE *f);
char *rnnfx_capture_report_json(const rnnfx_capture_report *r);

#endif
