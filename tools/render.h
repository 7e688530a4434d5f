/*
 * render.h - running a model over a whole multichannel recording: the path `rnnfx process` and
 * `rnnfx eval` share (and the trainer's evaluation can reuse), so that both compute exactly the
 * same output.
 *
 *   - the model runs as the plugin runs it: through dsp/model_stream.h, the same code, so the
 *     output is the plugin's bit for bit (once the plugin's latency is taken off);
 *   - every channel has its own nn_state, initial state at the start; channels are run in pairs
 *     with nn_run2 (bit-identical to one nn_run per channel, for about the cost of one);
 *   - the knobs (conditioning inputs) are set before the first sample and stay constant;
 *   - when the model's sample rate differs from the audio's (and resampling is on), the stream
 *     resamples to the model's rate and back (speexdsp, as in the plugin); its delay is taken
 *     off, so output sample j lines up with input sample j, and the length is the input's;
 *   - the DC blocker (dsp/dc_block.h) is on when asked (`rnnfx process` asks by default; eval
 *     and the demo measure the network itself, as the trainer does);
 *   - samples go to the stream in chunks of `block`; the output does not depend on it.
 */
#ifndef RNNFX_TOOLS_RENDER_H
#define RNNFX_TOOLS_RENDER_H

#include <stddef.h>

#include "audio_io.h"
#include "nn.h"

#define RNNFX_DEFAULT_BLOCK 4096

typedef struct rnnfx_render_opts {
    size_t block;                                 /* samples per engine call (RNNFX_DEFAULT_BLOCK) */
    int channel;                                  /* -1: every channel; k >= 0: only channel k (0-based), mono out */
    int resample;                                 /* 1: run at the model's rate when the audio's differs (default) */
    int dc_block;                                 /* 1: the DC blocker on the model's output (default 0) */
    float cond[NN_MAX_COND];                      /* knob values (default 0, the engine's initial value) */
    void (*progress)(void *ctx, double fraction); /* called between blocks; may be NULL */
    void *progress_ctx;
} rnnfx_render_opts;

typedef struct rnnfx_render_info {
    double run_rate;     /* the rate the network ran at */
    int resampled;       /* 1 when the audio was converted to run_rate and back */
    size_t reset_blocks; /* blocks the engine zeroed after a non-finite output (all channels) */
    size_t first_reset;  /* sample (at run_rate) where the first such block started */
} rnnfx_render_info;

void rnnfx_render_opts_init(rnnfx_render_opts *o);

/* Runs `m` over `in` (`name`: the input's file name, for messages) into `out`, allocated here at
 * in->rate with in->frames samples and 1 or in->channels channels; the caller frees it. */
nn_status rnnfx_render(const nn_model *m, const rnnfx_audio *in, const rnnfx_render_opts *o, rnnfx_audio *out,
                       rnnfx_render_info *info, const char *name, nn_error *err);

#endif
