/*
 * model_stream.c - one model as a stream at the audio's rate (see model_stream.h).
 *
 * Without resampling a chunk is nn_run (nn_run2 for two channels), then the DC blocker.
 *
 * With resampling, one chunk of n audio samples goes
 *
 *     audio rate --up--> m model samples --nn_run, DC blocker--> m samples --down--> ~n samples -> FIFO
 *
 * speexdsp's streaming resamplers keep their own history, so any chunk size works; m and the
 * number of samples coming out of `down` wander by a sample or two around their ideal values
 * from chunk to chunk. A small FIFO, primed with FIFO_PRIME zeros, absorbs that wander so that
 * every call returns exactly n samples. The delay of the chain (both filters plus the prime,
 * rounded to a whole number of audio samples) is constant: rnnfx_stream_latency.
 */
#include "model_stream.h"
#include "dc_block.h"

#include <math.h>
#include <speex/speex_resampler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* speexdsp allocates in speex_resampler_init only: processing and reset_mem neither allocate nor
 * lock, but its header says nothing a compiler can check. These two are declared real-time safe
 * (NN_RT) on that knowledge, and their bodies are exempt from clang's -Wfunction-effects. */
static void resample(SpeexResamplerState *r, int c, const float *in, spx_uint32_t *in_len, float *out,
                     spx_uint32_t *out_len) NN_RT;
static void resampler_reset(SpeexResamplerState *r) NN_RT;
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wfunction-effects"
#endif
static void resample(SpeexResamplerState *r, int c, const float *in, spx_uint32_t *in_len, float *out,
                     spx_uint32_t *out_len)
{
    speex_resampler_process_float(r, (spx_uint32_t)c, in, in_len, out, out_len);
}
static void resampler_reset(SpeexResamplerState *r) { speex_resampler_reset_mem(r); }
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

/* Zeros the output FIFO starts with: the chain may deliver up to two samples fewer than asked
 * for in one chunk (it catches up in the next), so 4 covers that with room to spare. */
#define FIFO_PRIME 4
/* At most this many model-rate zeros to round the chain's delay (see resampler_init). */
#define MAX_PAD 32
#define PAD_TOLERANCE 0.05

struct rnnfx_stream {
    const nn_model *model;
    nn_state *st[2];
    int n_ch;
    uint32_t max_chunk;
    double run_rate;
    bool dc_on;
    rnnfx_dc_block dc[2];
    uint32_t latency;

    /* Resampling (up == NULL when the model runs at the audio's rate). */
    SpeexResamplerState *up, *down;
    uint32_t mcap; /* model-rate scratch per channel */
    float *m_in[2], *m_out[2];
    float *fifo[2]; /* audio-rate output, waiting to be returned */
    uint32_t fifo_len, fifo_cap;
    uint32_t pad; /* model-rate zeros fed to `down` at the start (see chain_prime) */
};

void rnnfx_stream_opts_init(rnnfx_stream_opts *o, double rate)
{
    memset(o, 0, sizeof *o);
    o->rate = rate;
    o->n_ch = 1;
    o->max_chunk = 256;
    o->dc_block = true;
    o->resample = true;
}

uint32_t rnnfx_stream_latency(const rnnfx_stream *s) { return s->latency; }
bool rnnfx_stream_resampled(const rnnfx_stream *s) { return s->up != NULL; }
double rnnfx_stream_run_rate(const rnnfx_stream *s) { return s->run_rate; }

void rnnfx_stream_free(rnnfx_stream *s)
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
    free(s);
}

/* The chain's starting point: FIFO_PRIME zeros in the FIFO, and `pad` zeros through `down`
 * (their output joins the FIFO). Both are pure delay. */
static const float zeros[MAX_PAD]; /* at file scope: clang proves no static local RT-safe */

static void chain_prime(rnnfx_stream *s)
{
    for (int c = 0; c < s->n_ch; c++) memset(s->fifo[c], 0, FIFO_PRIME * sizeof(float));
    s->fifo_len = FIFO_PRIME;
    spx_uint32_t got = 0;
    for (int c = 0; c < s->n_ch; c++) {
        spx_uint32_t in_len = s->pad, out_len = s->fifo_cap - s->fifo_len;
        resample(s->down, c, zeros, &in_len, s->fifo[c] + s->fifo_len, &out_len);
        got = out_len;
    }
    s->fifo_len += got;
}

/* The resampling chain of a model at `model_rate` in audio at `rate`. */
static int resampler_init(rnnfx_stream *s, uint32_t rate, uint32_t model_rate, const char *name, nn_error *err)
{
    int e1 = 0, e2 = 0;
    s->up = speex_resampler_init((spx_uint32_t)s->n_ch, rate, model_rate, RNNFX_STREAM_QUALITY, &e1);
    s->down = speex_resampler_init((spx_uint32_t)s->n_ch, model_rate, rate, RNNFX_STREAM_QUALITY, &e2);
    if (!s->up || !s->down || e1 || e2) {
        snprintf(err->msg, sizeof err->msg, "%s: cannot resample %u Hz to %u Hz: %s", name, model_rate, rate,
                 speex_resampler_strerror(e1 ? e1 : e2));
        err->status = NN_ERR_VALUE;
        return 0;
    }
    /* A chunk of n audio samples gives at most ceil(n * model / audio) + 1 model samples. */
    double ratio = (double)model_rate / rate;
    s->mcap = (uint32_t)ceil(s->max_chunk * ratio) + 8;
    s->fifo_cap = s->max_chunk + FIFO_PRIME + (uint32_t)ceil(MAX_PAD / ratio) + 16;
    for (int c = 0; c < s->n_ch; c++) {
        s->m_in[c] = calloc(s->mcap, sizeof(float));
        s->m_out[c] = calloc(s->mcap, sizeof(float));
        s->fifo[c] = calloc(s->fifo_cap, sizeof(float));
        if (!s->m_in[c] || !s->m_out[c] || !s->fifo[c]) {
            snprintf(err->msg, sizeof err->msg, "%s: out of memory", name);
            err->status = NN_ERR_NOMEM;
            return 0;
        }
    }
    /* The delay of the chain in audio samples: half of each filter (speexdsp counts it in the
     * filter's input samples: audio samples for `up`, model samples for `down`) and the prime.
     * `down`'s half is a fraction of an audio sample in general; a few zeros through `down` at
     * the start add whole model samples of delay, and we take as many as bring the total closest
     * to a whole number of audio samples. Then the latency reported is the true one: the plugin's
     * dry signal delayed by it lines up with the wet one, and the command that drops that many
     * samples from the start puts the output where the input was. The fewest zeros that get
     * within PAD_TOLERANCE of a sample do; else the best of MAX_PAD. */
    double delay = speex_resampler_get_input_latency(s->up) + speex_resampler_get_input_latency(s->down) / ratio +
                   FIFO_PRIME;
    double best = 1.0;
    for (uint32_t k = 0; k < MAX_PAD && best > PAD_TOLERANCE; k++) {
        double d = delay + k / ratio, off = fabs(d - round(d));
        if (off < best - 1e-9) best = off, s->pad = k;
    }
    s->latency = (uint32_t)lround(delay + s->pad / ratio);
    chain_prime(s);
    return 1;
}

rnnfx_stream *rnnfx_stream_new(const nn_model *m, const rnnfx_stream_opts *o, const char *name, nn_error *err)
{
    nn_error local;
    if (!err) err = &local;
    rnnfx_stream *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err->msg, sizeof err->msg, "%s: out of memory", name);
        err->status = NN_ERR_NOMEM;
        return NULL;
    }
    s->model = m;
    s->n_ch = o->n_ch == 2 ? 2 : 1;
    s->max_chunk = o->max_chunk ? o->max_chunk : 1;
    s->dc_on = o->dc_block;
    for (int c = 0; c < s->n_ch; c++) {
        if (!(s->st[c] = nn_state_new(m, err))) goto fail;
        for (int k = 0; o->cond && k < NN_MAX_COND; k++) nn_state_set_cond(s->st[c], k, o->cond[k]);
        if (o->prewarm) nn_state_prewarm(s->st[c]);
    }

    double model_rate = nn_model_sample_rate(m);
    s->run_rate = o->rate;
    if (o->resample && fabs(model_rate - o->rate) > 0.5) {
        double ratio = model_rate / o->rate;
        if (ratio > RNNFX_STREAM_MAX_RATE_RATIO || ratio < 1.0 / RNNFX_STREAM_MAX_RATE_RATIO) {
            snprintf(err->msg, sizeof err->msg, "%s: model rate %g Hz is too far from the audio's %g Hz", name,
                     model_rate, o->rate);
            err->status = NN_ERR_VALUE;
            goto fail;
        }
        if (!resampler_init(s, (uint32_t)lround(o->rate), (uint32_t)lround(model_rate), name, err)) goto fail;
        s->run_rate = model_rate;
    }
    for (int c = 0; c < s->n_ch; c++) rnnfx_dc_block_init(&s->dc[c], s->run_rate);
    return s;
fail:
    rnnfx_stream_free(s);
    return NULL;
}

void rnnfx_stream_set_cond(rnnfx_stream *s, int k, float value)
{
    if (k >= nn_model_num_cond(s->model)) return; /* a knob this model does not have */
    for (int c = 0; c < s->n_ch; c++) nn_state_set_cond(s->st[c], k, value);
}

/* The engine on n samples at the model's rate, then the DC blocker. A non-finite result has
 * already been dealt with inside nn_run (state reset, block zeroed); the DC blocker of that
 * channel starts over too, so the block stays silent and what follows is a clean start. */
static int run_model(rnnfx_stream *s, const float *const *in, float *const *out, uint32_t n)
{
    int r = s->n_ch == 2 ? nn_run2(s->st[0], s->st[1], in[0], in[1], out[0], out[1], n)
                         : (nn_run(s->st[0], in[0], out[0], n) ? 1 : 0);
    for (int c = 0; s->dc_on && c < s->n_ch; c++) {
        if (r & (1 << c)) rnnfx_dc_block_reset(&s->dc[c]);
        rnnfx_dc_block_run(&s->dc[c], out[c], n);
    }
    return r;
}

int rnnfx_stream_run(rnnfx_stream *s, const float *const *in, float *const *out, uint32_t n)
{
    if (!s->up) return run_model(s, in, out, n);
    /* Up to the model's rate. Every channel sees the same lengths, so they stay in step. */
    spx_uint32_t m = 0;
    for (int c = 0; c < s->n_ch; c++) {
        spx_uint32_t in_len = n, out_len = s->mcap;
        resample(s->up, c, in[c], &in_len, s->m_in[c], &out_len);
        m = out_len;
    }
    int r = m ? run_model(s, (const float *const *)s->m_in, s->m_out, m) : 0;
    /* Back to the audio's rate, into the FIFO. */
    spx_uint32_t got = 0;
    for (int c = 0; c < s->n_ch; c++) {
        spx_uint32_t in_len = m, out_len = s->fifo_cap - s->fifo_len;
        resample(s->down, c, s->m_out[c], &in_len, s->fifo[c] + s->fifo_len, &out_len);
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
    return r;
}

void rnnfx_stream_reset(rnnfx_stream *s)
{
    for (int c = 0; c < s->n_ch; c++) {
        nn_state_reset(s->st[c]);
        rnnfx_dc_block_reset(&s->dc[c]);
    }
    if (s->up) {
        resampler_reset(s->up);
        resampler_reset(s->down);
        chain_prime(s);
    }
}
