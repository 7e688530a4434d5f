/*
 * resample.h - offline sample-rate conversion of whole buffers (libsamplerate, best-quality
 * sinc), used where a model trained at one rate meets a file at another.
 *
 * Time alignment: libsamplerate's sinc converters hold back output until they have the look-ahead
 * the filter needs, and flush it when told the input has ended; so a whole buffer converted in
 * one call comes out with no delay: output sample k sits at time k / out_rate, as input sample j
 * sits at j / in_rate (tests/tools/test_resample.c checks this through the command). The output
 * length is fixed here (round(frames x out_rate / in_rate)), so that converting there and back
 * gives exactly the original length.
 *
 * Not real-time (allocates); the plugin has its own allocation-free resampler.
 */
#ifndef RNNFX_TOOLS_RESAMPLE_H
#define RNNFX_TOOLS_RESAMPLE_H

#include <stddef.h>

#include "audio_io.h"

/* round(frames * out_rate / in_rate): the length a buffer has after conversion. */
size_t rnnfx_resample_length(size_t frames, double in_rate, double out_rate);

/* Converts one channel: in[in_frames] at in_rate -> out[out_frames] at out_rate (out_frames is
 * normally rnnfx_resample_length; any value works: the tail is cut or padded with zeros).
 * `name` is used in messages. */
nn_status rnnfx_resample(const float *in, size_t in_frames, double in_rate, float *out, size_t out_frames,
                         double out_rate, const char *name, nn_error *err);

/* Told how far a long job is, 0..1 (may be NULL). */
typedef void (*rnnfx_progress_fn)(void *ctx, double fraction);

/* Converts every channel of `in` to `rate` into `out` (allocated here, freed by the caller with
 * rnnfx_audio_free). With out_frames == 0 the length is rnnfx_resample_length. Each channel comes
 * out exactly as rnnfx_resample would give it on its own. */
nn_status rnnfx_audio_resample(const rnnfx_audio *in, double rate, size_t out_frames, rnnfx_audio *out,
                               rnnfx_progress_fn progress, void *ctx, const char *name, nn_error *err);

#endif
