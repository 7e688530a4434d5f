/*
 * capture_signal.h - the capture signal: one file a musician plays through their pedal or amp
 * (`rnnfx signal`), and the one truth of its layout, shared by the generator and by the trainer
 * that reads the recording back (`rnnfx train --capture`, capture_check.h).
 *
 * The signal is made from nothing (no download): synthesised plucked-string guitar and bass
 * phrases (synth_di.h: chords, palm-muted chugs, single-note riffs), transposed by rendering at
 * another rate and played at levels from very soft to hard; sine sweeps and noise at three
 * levels; two noise-burst markers (one near each end: the latency, and from the distance
 * between them the clock ratio); a phrase played twice, once near each end (the two copies in
 * the recording measure how repeatable the reamp is); and silences (the noise floor).
 *
 * Validation and test segments are phrases the training segments never play (another phrase,
 * at other pitches and levels), placed between training segments - never the tail of one.
 *
 * Deterministic: the same version, rate and length give the same samples, bit for bit (double
 * precision synthesis with fixed seeds, no threads). The version, rate and length are written
 * into the file's WAV comment as a tag ("rnnfx capture signal v1; 48000 Hz; 3 min") so that the
 * trainer knows which signal a recording holds.
 *
 * Nothing here prints; not real-time (allocates).
 */
#ifndef RNNFX_TOOLS_CAPTURE_SIGNAL_H
#define RNNFX_TOOLS_CAPTURE_SIGNAL_H

#include <stddef.h>
#include <stdio.h>

#define RNNFX_CAPTURE_VERSION 1
#define RNNFX_CAPTURE_MIN_MINUTES 1
#define RNNFX_CAPTURE_MAX_MINUTES 20
#define RNNFX_CAPTURE_DEFAULT_MINUTES 3
#define RNNFX_CAPTURE_MIN_RATE 22050.0
#define RNNFX_CAPTURE_MAX_RATE 192000.0
#define RNNFX_CAPTURE_MAX_SEGS 512

typedef enum rnnfx_seg_kind {
    RNNFX_SEG_SILENCE, /* nothing: the noise floor, and the tail of what came before */
    RNNFX_SEG_MARKER,  /* a burst of white noise, found by cross-correlation */
    RNNFX_SEG_REPEAT,  /* the phrase played twice (first and second copy) */
    RNNFX_SEG_SWEEP,   /* a logarithmic sine sweep */
    RNNFX_SEG_NOISE,   /* white noise */
    RNNFX_SEG_PLAY     /* a guitar or bass phrase */
} rnnfx_seg_kind;

/* What the trainer does with a segment. A silence takes the part of the segment before it. */
typedef enum rnnfx_seg_use { RNNFX_USE_NONE, RNNFX_USE_TRAIN, RNNFX_USE_VAL, RNNFX_USE_TEST } rnnfx_seg_use;

typedef struct rnnfx_capture_seg {
    rnnfx_seg_kind kind;
    rnnfx_seg_use use;
    size_t start, frames; /* samples at the signal's rate */
    double level_db;      /* sweeps: peak dBFS; noise and markers: RMS dBFS; phrases: gain over a DI
                             (whose peaks are at -12 dBFS) */
    int semitones;        /* phrases: transposition (-12: an octave down, the bass register) */
    int phrase;           /* phrases: 0 = the training phrase, 1 = the held-out one */
    char name[48];        /* "bass phrase -12 st, +8 dB" */
} rnnfx_capture_seg;

typedef struct rnnfx_capture_layout {
    int version, minutes;
    double rate;
    size_t frames; /* the whole signal */
    int n_segs;
    rnnfx_capture_seg segs[RNNFX_CAPTURE_MAX_SEGS];
    int marker[2]; /* indices of the two markers */
    int repeat[2]; /* indices of the two copies of the repeated phrase */
} rnnfx_capture_layout;

/* The layout of version `version` at `rate` Hz, about `minutes` long. Returns 0, or -1 when the
 * version is unknown or the rate or length out of range. */
int rnnfx_capture_layout_make(rnnfx_capture_layout *l, int version, double rate, int minutes);

/* Renders the whole signal into out[0..l->frames). Returns 0, or -1 if out of memory. */
int rnnfx_capture_render(const rnnfx_capture_layout *l, float *out);

/* The tag written into the file ("rnnfx capture signal v1; 48000 Hz; 3 min"), and its reading:
 * 0 when `s` is such a tag (version, rate, minutes filled), else -1. */
void rnnfx_capture_tag(const rnnfx_capture_layout *l, char *buf, size_t cap);
int rnnfx_capture_parse_tag(const char *s, int *version, double *rate, int *minutes);

/* The table of segments with their times, as `rnnfx signal` prints it (a silence after a
 * segment is folded into its line). */
void rnnfx_capture_print_layout(const rnnfx_capture_layout *l, FILE *f);

const char *rnnfx_seg_use_name(rnnfx_seg_use u);

#endif
