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
#define CHUNK_FRAMES 65536

size_t rnnfx_resample_length(size_t frames, double in_rate, double out_rate)
{
    return (size_t)llround((double)frames * out_rate / in_rate);
}

/* Converts interleaved frames (`in` already carries the zero tail) in chunks through one
 * converter, so that progress can be told; the chunking does not change the result. Stops when
 * out[out_frames] is full; what the input cannot fill stays zero. */
static nn_status convert(const float *in, size_t in_frames, int channels, double ratio, float *out, size_t out_frames,
                         rnnfx_progress_fn progress, void *ctx, const char *name, nn_error *err)
{
    int e = 0;
    SRC_STATE *src = src_new(SRC_SINC_BEST_QUALITY, channels, &e);
    if (!src) return rnnfx_fail(err, NN_ERR_NOMEM, name, "resampling failed: %s", src_strerror(e));
    size_t in_at = 0, out_at = 0;
    while (out_at < out_frames) {
        size_t chunk = in_frames - in_at < CHUNK_FRAMES ? in_frames - in_at : CHUNK_FRAMES;
        SRC_DATA d;
        memset(&d, 0, sizeof d);
        d.data_in = in + in_at * (size_t)channels;
        d.input_frames = (long)chunk;
        d.data_out = out + out_at * (size_t)channels;
        d.output_frames = (long)(out_frames - out_at);
        d.src_ratio = ratio;
        d.end_of_input = in_at + chunk == in_frames; /* flushes the filter's look-ahead: no delay */
        if ((e = src_process(src, &d)) != 0) break;
        in_at += (size_t)d.input_frames_used;
        out_at += (size_t)d.output_frames_gen;
        if (!d.input_frames_used && !d.output_frames_gen) break; /* all flushed */
        if (progress) progress(ctx, (double)out_at / (double)out_frames);
    }
    src_delete(src);
    if (e) return rnnfx_fail(err, NN_ERR_IO, name, "resampling failed: %s", src_strerror(e));
    return NN_OK;
}

static nn_status check(double in_rate, double out_rate, size_t in_frames, size_t out_frames, int channels,
                       const char *name, nn_error *err)
{
    if (!(in_rate > 0) || !(out_rate > 0) || !src_is_valid_ratio(out_rate / in_rate))
        return rnnfx_fail(err, NN_ERR_ARG, name, "cannot resample from %g Hz to %g Hz (ratio out of range)", in_rate,
                          out_rate);
    size_t most = (size_t)LONG_MAX / (size_t)(channels > 0 ? channels : 1) - TAIL_PAD;
    if (in_frames > most || out_frames > most) return rnnfx_fail(err, NN_ERR_LIMIT, name, "too long to resample");
    return NN_OK;
}

nn_status rnnfx_resample(const float *in, size_t in_frames, double in_rate, float *out, size_t out_frames,
                         double out_rate, const char *name, nn_error *err)
{
    nn_status st = check(in_rate, out_rate, in_frames, out_frames, 1, name, err);
    if (st) return st;
    memset(out, 0, out_frames * sizeof *out);
    if (!in_frames || !out_frames) return NN_OK;
    float *padded = calloc(in_frames + TAIL_PAD, sizeof *padded);
    if (!padded) return rnnfx_fail(err, NN_ERR_NOMEM, name, "out of memory");
    memcpy(padded, in, in_frames * sizeof *in);
    st = convert(padded, in_frames + TAIL_PAD, 1, out_rate / in_rate, out, out_frames, NULL, NULL, name, err);
    free(padded);
    return st;
}

nn_status rnnfx_audio_resample(const rnnfx_audio *in, double rate, size_t out_frames, rnnfx_audio *out,
                               rnnfx_progress_fn progress, void *ctx, const char *name, nn_error *err)
{
    if (!out_frames) out_frames = rnnfx_resample_length(in->frames, in->rate, rate);
    size_t ch = (size_t)in->channels, n = in->frames + TAIL_PAD;
    nn_status st = check(in->rate, rate, in->frames, out_frames, in->channels, name, err);
    if (!st) st = rnnfx_audio_alloc(out, in->channels, out_frames, rate, name, err);
    if (st) return st;
    /* All channels in one converter call: libsamplerate works out the filter position once per
     * frame for every channel, which makes stereo cost little more than mono. */
    float *src = calloc(n * ch, sizeof *src), *dst = calloc(out_frames * ch + 1, sizeof *dst);
    if (!src || !dst) {
        st = rnnfx_fail(err, NN_ERR_NOMEM, name, "out of memory");
    } else {
        for (size_t i = 0; i < in->frames; i++)
            for (size_t c = 0; c < ch; c++) src[i * ch + c] = in->data[c][i];
        st = convert(src, n, in->channels, rate / in->rate, dst, out_frames, progress, ctx, name, err);
        for (size_t i = 0; !st && i < out_frames; i++)
            for (size_t c = 0; c < ch; c++) out->data[c][i] = dst[i * ch + c];
    }
    free(src);
    free(dst);
    if (st) rnnfx_audio_free(out);
    return st;
}
