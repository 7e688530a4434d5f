/*
 * slot.h - a model ready to play: the engine's model, loaded from a file, and its stream
 * (model_stream.h: one state per channel, the resamplers when the model was trained at another
 * sample rate than the host's, the DC blocker on its output), and the words that tell the user
 * what plays.
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

typedef struct Slot Slot;

/* Loads `path` (any format the engine reads), makes `n_ch` (1 or 2) states with the
 * conditioning values `cond` [NN_MAX_COND] and sets up the resamplers if the model's rate
 * differs from `host_rate`. The states start in the model's initial state (as `rnnfx process`
 * starts a file), or, with `prewarm`, settled on silence (nn_state_prewarm: for a model that
 * fades in while audio plays). The DC blocker is always on: a constant offset is never part of
 * the sound, and turning it off is a matter for offline comparisons (`rnnfx process
 * --no-dc-block`), not for a port every session would carry. NULL and err filled on failure. */
Slot *slot_new(const char *path, double host_rate, int n_ch, const float *cond, bool prewarm, nn_error *err);
void slot_free(Slot *s); /* NULL is fine */

const char *slot_path(const Slot *s) NN_RT; /* [RT] as given to slot_new */
/* [RT] The status line, in words: the device the model captures (else its name, else its file),
 * its network, what its knobs are, and the resampling if any - "Hermida Audio Zendrive
 * overdrive, gain 5/5, tone 3/5 (GRU-32) - no knobs", "... (GRU-16) - Knob 1 = tone",
 * "amp.json (LSTM-20) - no knobs; runs at 44.1 kHz, resampled from the host's 48 kHz (latency
 * 97 samples)". */
const char *slot_summary(const Slot *s) NN_RT;
uint32_t slot_latency(const Slot *s) NN_RT; /* [RT] host samples the resampling adds (0 if none) */

/* [RT] Conditioning input k of every channel (takes effect from the next sample). */
void slot_set_cond(Slot *s, int k, float value) NN_RT;

/* [RT] n <= SLOT_MAX_CHUNK samples per channel: in[c] -> out[c] (out[c] may be in[c]): exactly
 * rnnfx_stream_run, so exactly what `rnnfx process` computes. */
void slot_run(Slot *s, const float *const *in, float *const *out, uint32_t n) NN_RT;

/* [RT] Back to the initial state (after a non-finite input): states, resamplers, DC blockers. */
void slot_reset(Slot *s) NN_RT;

#endif
