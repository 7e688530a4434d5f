/* render.c - a model over a whole recording (see render.h). */
#include "render.h"
#include "model_stream.h"
#include "rnnfx_error.h"

#include <stdlib.h>
#include <string.h>

/* The most samples per stream call: the stream's scratch grows with it, the output does not
 * depend on it. */
#define MAX_CHUNK 65536

void rnnfx_render_opts_init(rnnfx_render_opts *o)
{
    memset(o, 0, sizeof *o);
    o->block = RNNFX_DEFAULT_BLOCK;
    o->channel = -1;
    o->resample = 1;
}

/* Channels c (and c + 1 when `pair`) of `in` through one stream into `out`. The stream delays
 * its output by its latency L (the resamplers'; 0 without them): it is fed the recording and
 * then L samples of silence, and output sample j + L is written to out[j] - so out[j] lines up
 * with in[j], and the samples are exactly those the plugin plays, L samples later. */
static nn_status run_pair(const nn_model *m, const rnnfx_audio *in, int c, int pair, const rnnfx_render_opts *o,
                          rnnfx_audio *out, rnnfx_render_info *info, double *done, const char *name, nn_error *err)
{
    size_t chunk = o->block ? o->block : RNNFX_DEFAULT_BLOCK;
    if (chunk > MAX_CHUNK) chunk = MAX_CHUNK;
    rnnfx_stream_opts so;
    rnnfx_stream_opts_init(&so, in->rate);
    so.n_ch = 1 + pair;
    so.max_chunk = (uint32_t)chunk;
    so.cond = o->cond;
    so.dc_block = o->dc_block != 0;
    so.resample = o->resample != 0;
    rnnfx_stream *s = rnnfx_stream_new(m, &so, name, err);
    float *zeros = calloc(chunk, sizeof(float)), *y = calloc(2 * chunk, sizeof(float));
    if (!s || !zeros || !y) {
        rnnfx_stream_free(s);
        free(zeros), free(y);
        return s ? rnnfx_fail(err, NN_ERR_NOMEM, name, "out of memory") : err->status;
    }
    info->run_rate = rnnfx_stream_run_rate(s);
    info->resampled = rnnfx_stream_resampled(s);
    size_t lat = rnnfx_stream_latency(s), total = in->frames + lat;
    double scale = (double)in->frames * in->channels;
    for (size_t at = 0; at < total;) {
        size_t n = total - at < chunk ? total - at : chunk;
        if (at < in->frames && n > in->frames - at) n = in->frames - at; /* no chunk straddles the end */
        const float *x[2];
        float *w[2] = {y, y + chunk};
        for (int i = 0; i <= pair; i++) x[i] = at < in->frames ? in->data[c + i] + at : zeros;
        int r = rnnfx_stream_run(s, x, w, (uint32_t)n);
        if (r) {
            size_t where = (size_t)((double)at * info->run_rate / in->rate);
            if (!info->reset_blocks || where < info->first_reset) info->first_reset = where;
            info->reset_blocks += (size_t)((r & 1) + ((r >> 1) & 1));
        }
        /* Output sample at + i is out[at + i - lat]. */
        size_t skip = at < lat ? lat - at : 0;
        for (int i = 0; i <= pair && skip < n; i++)
            memcpy(out->data[c + i] + (at + skip - lat), w[i] + skip, (n - skip) * sizeof(float));
        at += n;
        if (o->progress && at <= in->frames) o->progress(o->progress_ctx, (*done + (double)at * (1 + pair)) / scale);
    }
    *done += (double)in->frames * (1 + pair);
    rnnfx_stream_free(s);
    free(zeros), free(y);
    return NN_OK;
}

nn_status rnnfx_render(const nn_model *m, const rnnfx_audio *in, const rnnfx_render_opts *o, rnnfx_audio *out,
                       rnnfx_render_info *info, const char *name, nn_error *err)
{
    memset(out, 0, sizeof *out);
    memset(info, 0, sizeof *info);
    if (o->channel >= in->channels)
        return rnnfx_fail(err, NN_ERR_ARG, name, "has %d channel%s; there is no channel %d", in->channels,
                          in->channels == 1 ? "" : "s", o->channel + 1);
    /* A view of the channels to run (no copy). */
    rnnfx_audio view = *in;
    if (o->channel >= 0) {
        view.channels = 1;
        view.data = &in->data[o->channel];
    }
    nn_status st = rnnfx_audio_alloc(out, view.channels, view.frames, view.rate, name, err);
    if (st) return st;
    rnnfx_render_opts one = *o;
    one.channel = -1; /* the view holds only the channels to run */
    double done = 0;
    for (int c = 0; !st && c < view.channels; c += 2)
        st = run_pair(m, &view, c, c + 1 < view.channels, &one, out, info, &done, name, err);
    if (st) rnnfx_audio_free(out);
    return st;
}
