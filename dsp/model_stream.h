/*
 * model_stream.h - one model played as a stream at the rate of the audio around it: the wet
 * path that the plugin and `rnnfx process` share, so that both give the same bits.
 *
 *     audio rate --up--> model rate --nn_run--> DC blocker --down--> audio rate
 *
 * One state per channel (1 or 2; two run together through nn_run2). When the model was trained
 * at another rate than the audio's, speexdsp's streaming resamplers take the signal there and
 * back; their delay, padded to a whole number of audio samples, is rnnfx_stream_latency. The DC
 * blocker (dc_block.h) works at the model's rate, on the network's output.
 *
 * The output depends only on the input samples, never on how they are cut into calls: the
 * plugin feeds the host's blocks, the command a file in large chunks, and the bits agree.
 *
 * rnnfx_stream_new and rnnfx_stream_free allocate (not real-time); everything marked [RT] never
 * allocates, locks or does I/O. The stream does not own the model: it must outlive the stream.
 */
#ifndef RNNFX_DSP_MODEL_STREAM_H
#define RNNFX_DSP_MODEL_STREAM_H

#include "nn.h"

#include <stdbool.h>
#include <stdint.h>

/* The resampler's quality (speexdsp 0..10; 5 is its "desktop" setting) and the ratio of model
 * to audio rate accepted. */
#define RNNFX_STREAM_QUALITY 5
#define RNNFX_STREAM_MAX_RATE_RATIO 16.0

typedef struct rnnfx_stream rnnfx_stream;

typedef struct rnnfx_stream_opts {
    double rate;        /* the audio's sample rate */
    int n_ch;           /* 1 or 2 */
    uint32_t max_chunk; /* the most samples one rnnfx_stream_run call takes */
    const float *cond;  /* [NN_MAX_COND] knob values, or NULL (all 0) */
    bool prewarm;       /* start settled on silence (nn_state_prewarm), else the initial state */
    bool dc_block;      /* high-pass the model's output (dc_block.h) */
    bool resample;      /* run at the model's rate when it differs from `rate`; false: at `rate` */
} rnnfx_stream_opts;

/* Defaults: mono, 256-sample chunks, knobs at 0, initial state, DC blocker on, resampling on. */
void rnnfx_stream_opts_init(rnnfx_stream_opts *o, double rate);

/* A stream of `m` (not owned) with options `o`. NULL and err filled on failure (rates too far
 * apart, out of memory). `name` (the model's file, say) is used in messages. */
rnnfx_stream *rnnfx_stream_new(const nn_model *m, const rnnfx_stream_opts *o, const char *name, nn_error *err);
void rnnfx_stream_free(rnnfx_stream *s); /* NULL is fine */

uint32_t rnnfx_stream_latency(const rnnfx_stream *s) NN_RT; /* [RT] audio samples of delay (0 if not resampled) */
bool rnnfx_stream_resampled(const rnnfx_stream *s) NN_RT;   /* [RT] */
double rnnfx_stream_run_rate(const rnnfx_stream *s) NN_RT;  /* [RT] the rate the network runs at */

/* [RT] Conditioning input k of every channel (takes effect from the next sample). */
void rnnfx_stream_set_cond(rnnfx_stream *s, int k, float value) NN_RT;

/* [RT] n <= max_chunk samples per channel: in[c] -> out[c] (out[c] may be in[c]). Returns what
 * nn_run2 returns: bit c set when channel c's state was reset after a non-finite output. */
int rnnfx_stream_run(rnnfx_stream *s, const float *const *in, float *const *out, uint32_t n) NN_RT;

/* [RT] Back to the start: initial states, resamplers and DC blockers at rest. */
void rnnfx_stream_reset(rnnfx_stream *s) NN_RT;

#endif
