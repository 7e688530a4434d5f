/*
 * slot.h - a model ready to play: the engine's model, one state per channel, and (when the model
 * was trained at another sample rate than the host's) the resamplers around it.
 *
 * A slot is built and freed by the LV2 worker (slot_new, slot_free: they allocate, read files
 * and take their time) and run by the audio thread (everything marked [RT]: no allocation, no
 * lock, no I/O). The plugin holds at most a few: the one playing, the one fading out, the one
 * waiting for the fade to end.
 */
#ifndef RNNFX_PLUGIN_SLOT_H
#define RNNFX_PLUGIN_SLOT_H

#include "nn.h"

#include <stdbool.h>
#include <stdint.h>

/* slot_run takes at most this many samples per call; run() cuts the host's block to fit. */
#define SLOT_MAX_CHUNK 256

/* The resampler's quality (speexdsp 0..10; 5 is its "desktop" setting) and the ratio of model
 * to host rate we accept. */
#define SLOT_RESAMPLER_QUALITY 5
#define SLOT_MAX_RATE_RATIO 16.0

typedef struct Slot Slot;

/* Loads `path` (any format the engine reads), makes `n_ch` (1 or 2) states with the
 * conditioning values `cond` [NN_MAX_COND] and sets up the resamplers if the model's rate
 * differs from `host_rate`. The states start in the model's initial state (as `rnnfx process`
 * starts a file), or, with `prewarm`, settled on silence (nn_state_prewarm: for a model that
 * fades in while audio plays). NULL and err filled on failure. */
Slot *slot_new(const char *path, double host_rate, int n_ch, const float *cond, bool prewarm, nn_error *err);
void slot_free(Slot *s); /* NULL is fine */

const char *slot_path(const Slot *s);    /* [RT] as given to slot_new */
const char *slot_summary(const Slot *s); /* [RT] one line: name, network, rate */
uint32_t slot_latency(const Slot *s);    /* [RT] host samples the resampling adds (0 if none) */

/* [RT] Conditioning input k of every channel (takes effect from the next sample). */
void slot_set_cond(Slot *s, int k, float value);

/* [RT] n <= SLOT_MAX_CHUNK samples per channel: in[c] -> out[c] (they may not alias). Without
 * resampling this is exactly nn_run (nn_run2 for two channels), bit for bit. */
void slot_run(Slot *s, const float *const *in, float *const *out, uint32_t n);

/* [RT] Back to the initial state (after a non-finite input): engine states and resamplers. */
void slot_reset(Slot *s);


#endif
