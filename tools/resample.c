/* resample.c - whole-buffer sample-rate conversion with libsamplerate (see resample.h). */
#include "resample.h"
#include "rnnfx_error.h"

#include <limits.h>
#include <math.h>
#include <samplerate.h>
#include <stdlib.h>
#include <string.h>

/* Zeros appended to the input: the last output samples sit up to one input sample past its end,
 * where libsamplerate would otherwise stop short; there the signal is silence, as before it. */
#define TAIL_PAD 256

size_t rnnfx_resample_length(size_t frames, double in_rate, double out_rate)
{
    return (size_t)llround((double)frames * out_rate / in_rate);
}

nn_status rnnfx_resample(const float *in, size_t in_frames, double in_rate, float *out, size_t out_frames,
                         double out_rate, const char *name, nn_error *err)
{
    double ratio = out_rate / in_rate;
    if (!(in_rate > 0) || !(out_rate > 0) || !src_is_valid_ratio(ratio))
        return rnnfx_fail(err, NN_ERR_ARG, name, "cannot resample from %g Hz to %g Hz (ratio out of range)", in_rate,
                          out_rate);
    if (in_frames > (size_t)LONG_MAX || out_frames > (size_t)LONG_MAX)
        return rnnfx_fail(err, NN_ERR_LIMIT, name, "too long to resample");
    memset(out, 0, out_frames * sizeof *out);
    if (!in_frames || !out_frames) return NN_OK;
    float *padded = calloc(in_frames + TAIL_PAD, sizeof *padded);
    if (!padded) return rnnfx_fail(err, NN_ERR_NOMEM, name, "out of memory");
    memcpy(padded, in, in_frames * sizeof *in);
    SRC_DATA d;
    memset(&d, 0, sizeof d);
    d.data_in = padded;
    d.input_frames = (long)(in_frames + TAIL_PAD);
    d.data_out = out;
    d.output_frames = (long)out_frames;
    d.src_ratio = ratio;
    d.end_of_input = 1; /* one call, whole buffer: flushes the filter's look-ahead (no delay) */
    int e = src_simple(&d, SRC_SINC_BEST_QUALITY, 1); /* stops when out[] is full */
    free(padded);
    if (e) return rnnfx_fail(err, NN_ERR_IO, name, "resampling failed: %s", src_strerror(e));
    return NN_OK;
}

nn_status rnnfx_audio_resample(const rnnfx_audio *in, double rate, size_t out_frames, rnnfx_audio *out,
                               const char *name, nn_error *err)
{
    if (!out_frames) out_frames = rnnfx_resample_length(in->frames, in->rate, rate);
    nn_status st = rnnfx_audio_alloc(out, in->channels, out_frames, rate, name, err);
    for (int c = 0; !st && c < in->channels; c++)
        st = rnnfx_resample(in->data[c], in->frames, in->rate, out->data[c], out_frames, rate, name, err);
    if (st) rnnfx_audio_free(out);
    return st;
}
