/*
 * slot.c - a model ready to play (see slot.h).
 *
 * Without resampling a slot is just the engine: slot_run is nn_run (or nn_run2 for both
 * channels of the stereo plugin), so the plugin gives the bits `rnnfx process` gives.
 *
 * With resampling, one chunk of n host samples goes
 *
 *     host rate --up--> m model samples --nn_run--> m samples --down--> ~n host samples -> FIFO
 *
 * speexdsp's streaming resamplers keep their own history, so any chunk size works; m and the
 * number of samples coming out of `down` wander by a sample or two around their ideal values
 * from chunk to chunk. A small FIFO, primed with FIFO_PRIME zeros, absorbs that wander so that
 * every call returns exactly n samples. The delay of the chain (both filters plus the prime,
 * rounded to a whole number of host samples) is constant and reported as the plugin's latency.
 */
#include "slot.h"

#include "nn_spec.h"

#include <math.h>
#include <speex/speex_resampler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Zeros the output FIFO starts with: the chain may deliver up to two samples fewer than asked
 * for in one chunk (it catches up in the next), so 4 covers that with room to spare. */
#define FIFO_PRIME 4
/* At most this many model-rate zeros to round the chain's delay (see resampler_init). */
#define MAX_PAD 32
#define PAD_TOLERANCE 0.05

struct Slot {
    nn_model *model;
    nn_state *st[2];
    int n_ch;
    char *path;
    char summary[320];
    uint32_t latency;

    /* Resampling (up == NULL when the model runs at the host's rate). */
    SpeexResamplerState *up, *down;
    uint32_t mcap;       /* model-rate scratch per channel */
    float *m_in[2], *m_out[2];
    float *fifo[2];      /* host-rate output, waiting to be returned */
    uint32_t fifo_len, fifo_cap;
    uint32_t pad;        /* model-rate zeros fed to `down` at the start (see chain_prime) */
};

const char *slot_path(const Slot *s) { return s->path; }
const char *slot_summary(const Slot *s) { return s->summary; }
uint32_t slot_latency(const Slot *s) { return s->latency; }

void slot_free(Slot *s)
{
    if (!s) return;
    for (int c = 0; c < 2; c++) {
        nn_state_free(s->st[c]);
        free(s->m_in[c]);
        free(s->m_out[c]);
        free(s->fifo[c]);
    }
    if (s->up) speex_resampler_destroy(s->up);
    if (s->down) speex_resampler_destroy(s->down);
    nn_model_free(s->model);
    free(s->path);
    free(s);
}

/* The chain's starting point: FIFO_PRIME zeros in the FIFO, and `pad` zeros through `down`
 * (their output joins the FIFO). Both are pure delay. */
static void chain_prime(Slot *s)
{
    static const float zeros[MAX_PAD];
    for (int c = 0; c < s->n_ch; c++) memset(s->fifo[c], 0, FIFO_PRIME * sizeof(float));
    s->fifo_len = FIFO_PRIME;
    spx_uint32_t got = 0;
    for (int c = 0; c < s->n_ch; c++) {
        spx_uint32_t in_len = s->pad, out_len = s->fifo_cap - s->fifo_len;
        speex_resampler_process_float(s->down, (spx_uint32_t)c, zeros, &in_len, s->fifo[c] + s->fifo_len, &out_len);
        got = out_len;
    }
    s->fifo_len += got;
}

/* The resampling chain of a model at `model_rate` in a host at `host_rate`. */
static int resampler_init(Slot *s, uint32_t host_rate, uint32_t model_rate, nn_error *err)
{
    int e1 = 0, e2 = 0;
    s->up = speex_resampler_init((spx_uint32_t)s->n_ch, host_rate, model_rate, SLOT_RESAMPLER_QUALITY, &e1);
    s->down = speex_resampler_init((spx_uint32_t)s->n_ch, model_rate, host_rate, SLOT_RESAMPLER_QUALITY, &e2);
    if (!s->up || !s->down || e1 || e2) {
        snprintf(err->msg, sizeof err->msg, "%s: cannot resample %u Hz to %u Hz: %s", s->path, model_rate,
                 host_rate, speex_resampler_strerror(e1 ? e1 : e2));
        err->status = NN_ERR_VALUE;
        return 0;
    }
    /* A chunk of n host samples gives at most ceil(n * model / host) + 1 model samples. */
    double ratio = (double)model_rate / host_rate;
    s->mcap = (uint32_t)ceil(SLOT_MAX_CHUNK * ratio) + 8;
    s->fifo_cap = SLOT_MAX_CHUNK + FIFO_PRIME + (uint32_t)ceil(MAX_PAD / ratio) + 16;
    for (int c = 0; c < s->n_ch; c++) {
        s->m_in[c] = calloc(s->mcap, sizeof(float));
        s->m_out[c] = calloc(s->mcap, sizeof(float));
        s->fifo[c] = calloc(s->fifo_cap, sizeof(float));
        if (!s->m_in[c] || !s->m_out[c] || !s->fifo[c]) {
            snprintf(err->msg, sizeof err->msg, "%s: out of memory", s->path);
            err->status = NN_ERR_NOMEM;
            return 0;
        }
    }
    /* The delay of the chain in host samples: half of each filter (speexdsp counts it in the
     * filter's input samples: host samples for `up`, model samples for `down`) and the prime.
     * `down`'s half is a fraction of a host sample in general; a few zeros through `down` at the
     * start add whole model samples of delay, and we take as many as bring the total closest to
     * a whole number of host samples. Then the latency the host is told is the true one, and the
     * dry signal delayed by it (mix, bypass) lines up with the wet one. The fewest zeros that
     * get within PAD_TOLERANCE of a sample do; else the best of MAX_PAD. */
    double delay = speex_resampler_get_input_latency(s->up) +
                   speex_resampler_get_input_latency(s->down) / ratio + FIFO_PRIME;
    double best = 1.0;
    for (uint32_t k = 0; k < MAX_PAD && best > PAD_TOLERANCE; k++) {
        double d = delay + k / ratio, off = fabs(d - round(d));
        if (off < best - 1e-9) best = off, s->pad = k;
    }
    s->latency = (uint32_t)lround(delay + s->pad / ratio);
    chain_prime(s);
    return 1;
}

Slot *slot_new(const char *path, double host_rate, int n_ch, const float *cond, bool prewarm, nn_error *err)
{
    nn_error local;
    if (!err) err = &local;
    Slot *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        snprintf(err->msg, sizeof err->msg, "%s: out of memory", path);
        err->status = NN_ERR_NOMEM;
        return NULL;
    }
    s->n_ch = n_ch;
    if (!(s->model = nn_model_load_file(path, err))) goto fail;
    for (int c = 0; c < n_ch; c++) {
        if (!(s->st[c] = nn_state_new(s->model, err))) goto fail;
        for (int k = 0; k < NN_MAX_COND; k++) nn_state_set_cond(s->st[c], k, cond[k]);
        if (prewarm) nn_state_prewarm(s->st[c]);
    }

    double model_rate = nn_model_sample_rate(s->model);
    if (fabs(model_rate - host_rate) > 0.5) {
        double ratio = model_rate / host_rate;
        if (ratio > SLOT_MAX_RATE_RATIO || ratio < 1.0 / SLOT_MAX_RATE_RATIO) {
            snprintf(err->msg, sizeof err->msg, "%s: model rate %g Hz is too far from the host's %g Hz", path,
                     model_rate, host_rate);
            err->status = NN_ERR_VALUE;
            goto fail;
        }
        if (!resampler_init(s, (uint32_t)lround(host_rate), (uint32_t)lround(model_rate), err)) goto fail;
    }

    const nn_spec *sp = nn_model_spec(s->model);
    const char *name = sp->meta.name ? sp->meta.name : strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char rate[96] = "";
    if (s->up)
        snprintf(rate, sizeof rate, ", resampled %g -> %g Hz (latency %u)", model_rate, host_rate, s->latency);
    snprintf(s->summary, sizeof s->summary, "%.120s: %s %d x %d%s%s, %d cond, %s%s", name,
             nn_cell_name(sp->rec[0].type), sp->n_rec, sp->rec[0].hidden, sp->skip ? " +skip" : "",
             nn_model_sample_rate_known(s->model) ? "" : " (rate not stated)", nn_model_num_cond(s->model),
             nn_model_kernel_name(s->model), rate);
    return s;
fail:
    slot_free(s);
    return NULL;
}

void slot_set_cond(Slot *s, int k, float value)
{
    if (k >= nn_model_num_cond(s->model)) return; /* a knob this model does not have */
    for (int c = 0; c < s->n_ch; c++) nn_state_set_cond(s->st[c], k, value);
}

/* The engine on n samples at the model's rate. A non-finite result has already been dealt
 * with inside (state reset, block zeroed): nothing to do here but carry on. */
static void run_model(Slot *s, const float *const *in, float *const *out, uint32_t n)
{
    if (s->n_ch == 2)
        nn_run2(s->st[0], s->st[1], in[0], in[1], out[0], out[1], n);
    else
        nn_run(s->st[0], in[0], out[0], n);
}

void slot_run(Slot *s, const float *const *in, float *const *out, uint32_t n)
{
    if (!s->up) {
        run_model(s, in, out, n);
        return;
    }
    /* Up to the model's rate. Every channel sees the same lengths, so they stay in step. */
    spx_uint32_t m = 0;
    for (int c = 0; c < s->n_ch; c++) {
        spx_uint32_t in_len = n, out_len = s->mcap;
        speex_resampler_process_float(s->up, (spx_uint32_t)c, in[c], &in_len, s->m_in[c], &out_len);
        m = out_len;
    }
    if (m) run_model(s, (const float *const *)s->m_in, s->m_out, m);
    /* Back to the host's rate, into the FIFO. */
    spx_uint32_t got = 0;
    for (int c = 0; c < s->n_ch; c++) {
        spx_uint32_t in_len = m, out_len = s->fifo_cap - s->fifo_len;
        speex_resampler_process_float(s->down, (spx_uint32_t)c, s->m_out[c], &in_len, s->fifo[c] + s->fifo_len,
                                      &out_len);
        got = out_len;
    }
    s->fifo_len += got;
    /* Out of the FIFO: n samples (an underrun cannot happen with the prime; should it, the
     * missing samples are silence rather than garbage). */
    uint32_t take = n < s->fifo_len ? n : s->fifo_len;
    for (int c = 0; c < s->n_ch; c++) {
        memcpy(out[c], s->fifo[c], take * sizeof(float));
        memset(out[c] + take, 0, (n - take) * sizeof(float));
        memmove(s->fifo[c], s->fifo[c] + take, (s->fifo_len - take) * sizeof(float));
    }
    s->fifo_len -= take;
}

void slot_reset(Slot *s)
{
    for (int c = 0; c < s->n_ch; c++) nn_state_reset(s->st[c]);
    if (s->up) {
        speex_resampler_reset_mem(s->up);
        speex_resampler_reset_mem(s->down);
        chain_prime(s);
    }
}
