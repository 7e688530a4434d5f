/* render.c - a model over a whole recording (see render.h). */
#include "render.h"
#include "resample.h"
#include "rnnfx_error.h"

#include <string.h>

void rnnfx_render_opts_init(rnnfx_render_opts *o)
{
    memset(o, 0, sizeof *o);
    o->block = RNNFX_DEFAULT_BLOCK;
    o->channel = -1;
    o->resample = 1;
}

/* Progress over the phases of a job (resample in, run, resample out), each a share of 0..1 -
 * rough shares: best-quality resampling costs about as much as a small network. */
typedef struct phase {
    const rnnfx_render_opts *o;
    double base, weight;
} phase;

static void phase_progress(void *ctx, double fraction)
{
    const phase *p = ctx;
    if (p->o->progress) p->o->progress(p->o->progress_ctx, p->base + p->weight * fraction);
}

/* Runs every channel of `a` in place, pairs through nn_run2. */
static nn_status run_channels(const nn_model *m, rnnfx_audio *a, const rnnfx_render_opts *o, rnnfx_render_info *info,
                              phase *ph, nn_error *err)
{
    nn_state *st[2] = {NULL, NULL};
    size_t block = o->block ? o->block : RNNFX_DEFAULT_BLOCK;
    double total = (double)a->frames * (double)a->channels;
    for (int c = 0; c < a->channels; c += 2) {
        int pair = c + 1 < a->channels;
        for (int i = 0; i <= pair; i++) {
            st[i] = nn_state_new(m, err);
            if (!st[i]) {
                nn_state_free(st[0]);
                return err ? err->status : NN_ERR_NOMEM;
            }
            for (int k = 0; k < nn_model_num_cond(m); k++) nn_state_set_cond(st[i], k, o->cond[k]);
        }
        float *x0 = a->data[c], *x1 = pair ? a->data[c + 1] : NULL;
        for (size_t at = 0; at < a->frames; at += block) {
            size_t n = a->frames - at < block ? a->frames - at : block;
            int r = pair ? nn_run2(st[0], st[1], x0 + at, x1 + at, x0 + at, x1 + at, n)
                         : (nn_run(st[0], x0 + at, x0 + at, n) ? 1 : 0);
            if (r) {
                if (!info->reset_blocks || at < info->first_reset) info->first_reset = at;
                info->reset_blocks += (size_t)((r & 1) + ((r >> 1) & 1));
            }
            phase_progress(ph, ((double)c * (double)a->frames + (double)(at + n) * (1 + pair)) / total);
        }
        nn_state_free(st[0]);
        nn_state_free(st[1]);
        st[0] = st[1] = NULL;
    }
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
    double rate = nn_model_sample_rate(m);
    info->run_rate = in->rate;
    nn_status st;
    rnnfx_audio work;
    phase ph = {o, 0.0, 1.0};
    if (o->resample && rate != in->rate) {
        info->resampled = 1;
        info->run_rate = rate;
        ph.weight = 0.3;
        if ((st = rnnfx_audio_resample(&view, rate, 0, &work, phase_progress, &ph, name, err))) return st;
        ph.base = 0.3;
        ph.weight = 0.4;
    } else {
        if ((st = rnnfx_audio_alloc(&work, view.channels, view.frames, view.rate, name, err))) return st;
        for (int c = 0; c < view.channels; c++) memcpy(work.data[c], view.data[c], view.frames * sizeof(float));
    }
    st = run_channels(m, &work, o, info, &ph, err);
    if (!st && info->resampled) {
        ph.base = 0.7;
        ph.weight = 0.3;
        st = rnnfx_audio_resample(&work, in->rate, in->frames, out, phase_progress, &ph, name, err);
        rnnfx_audio_free(&work);
    } else if (!st) {
        *out = work; /* ran in place: the buffer is the output */
    } else {
        rnnfx_audio_free(&work);
    }
    return st;
}
