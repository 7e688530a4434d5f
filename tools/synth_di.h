/*
 * synth_di.h - a guitar-like DI signal made from nothing: plucked strings (Karplus-Strong),
 * played as a short phrase of chords and a riff, for the demo (`rnnfx demo`) - no recording
 * needed.
 *
 * A plucked string is a delay line one period long, fed a burst of filtered noise (the pick),
 * whose output is fed back through a gentle lowpass (the averaging filter): the partials decay,
 * the highest first, as a real string's do. A fractional-delay allpass keeps it in tune; the
 * pick position is a comb on the burst. A string stops ringing when the next note on it starts
 * (or it is muted), as on a guitar. Deterministic for a given phrase.
 */
#ifndef RNNFX_TOOLS_SYNTH_DI_H
#define RNNFX_TOOLS_SYNTH_DI_H

#include <stddef.h>

typedef enum rnnfx_phrase {
    RNNFX_PHRASE_MAIN, /* ~8.8 s: power-chord chugs, strummed Em-C-G-D, a pentatonic riff */
    RNNFX_PHRASE_TEST  /* ~3.8 s: other chords (Am, F) and another lick: for testing */
} rnnfx_phrase;

/* Samples the phrase lasts at `rate` (Hz), its ringing tail included. */
size_t rnnfx_phrase_frames(rnnfx_phrase p, double rate);

/* Renders the phrase into out[0..frames) (frames from rnnfx_phrase_frames), at the level of a
 * guitar DI (peaks around -10 dBFS, RMS around -25 dBFS). Returns 0, or -1 if out of memory. */
int rnnfx_phrase_render(rnnfx_phrase p, double rate, float *out, size_t frames);

#endif
