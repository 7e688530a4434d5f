/*
 * slot.c - a model ready to play (see slot.h).
 *
 * The sound is the stream's (dsp/model_stream.c), which `rnnfx process` runs too: what is
 * here is the model's file and the words for the status line.
 */
#include "slot.h"

#include "model_stream.h"
#include "nn_spec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct Slot {
    nn_model *model;
    rnnfx_stream *stream;
    char *path;
    char summary[400];
};

const char *slot_path(const Slot *s) { return s->path; }
const char *slot_summary(const Slot *s) { return s->summary; }
uint32_t slot_latency(const Slot *s) { return rnnfx_stream_latency(s->stream); }

void slot_free(Slot *s)
{
    if (!s) return;
    rnnfx_stream_free(s->stream);
    nn_model_free(s->model);
    free(s->path);
    free(s);
}

/* "GRU-16", "2 x LSTM-8": the network as the model tables name it. */
static void network_name(const nn_spec *sp, char *dst, size_t cap)
{
    if (sp->n_rec > 1) snprintf(dst, cap, "%d x %s-%d", sp->n_rec, nn_cell_name(sp->rec[0].type), sp->rec[0].hidden);
    else
        snprintf(dst, cap, "%s-%d", nn_cell_name(sp->rec[0].type), sp->rec[0].hidden);
}

/* Appends to the summary; what does not fit is cut. */
static void add(Slot *s, size_t *len, const char *fmt, ...)
{
    size_t cap = sizeof s->summary;
    if (*len >= cap - 1) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->summary + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0) *len += (size_t)n < cap - *len ? (size_t)n : cap - 1 - *len;
}

/* The status line (see slot.h). */
static void summarise(Slot *s, double host_rate)
{
    const nn_spec *sp = nn_model_spec(s->model);
    const char *base = strrchr(s->path, '/') ? strrchr(s->path, '/') + 1 : s->path;
    /* The device the model captures says most to a musician ("Hermida Audio Zendrive overdrive,
     * gain 5/5, tone 3/5"); else the model's name; else its file. */
    const char *name = sp->meta.device && sp->meta.device[0] ? sp->meta.device
                       : sp->meta.name && sp->meta.name[0]   ? sp->meta.name
                                                             : base;
    char net[48];
    network_name(sp, net, sizeof net);
    size_t len = 0;
    add(s, &len, "%.160s", name);
    if (!strstr(name, net)) add(s, &len, " (%s)", net);
    int n_cond = nn_model_num_cond(s->model);
    if (!n_cond) add(s, &len, " - no knobs");
    for (int k = 0; k < n_cond; k++) {
        const char *knob = sp->meta.cond_names[k];
        if (knob && knob[0]) add(s, &len, "%s Knob %d = %.40s", k ? "," : " -", k + 1, knob);
        else
            add(s, &len, "%s Knob %d (unnamed)", k ? "," : " -", k + 1);
    }
    double rate = nn_model_sample_rate(s->model);
    const char *assumed = nn_model_sample_rate_known(s->model) ? "" : " (not stated in the file: the format's default)";
    if (rnnfx_stream_resampled(s->stream))
        add(s, &len, "; runs at %g kHz%s, resampled from the host's %g kHz (latency %u samples)", rate / 1000.0,
            assumed, host_rate / 1000.0, rnnfx_stream_latency(s->stream));
    else if (*assumed)
        add(s, &len, "; runs at %g kHz%s", rate / 1000.0, assumed);
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
    if (!(s->model = nn_model_load_file(path, err))) goto fail;
    rnnfx_stream_opts o;
    rnnfx_stream_opts_init(&o, host_rate);
    o.n_ch = n_ch;
    o.max_chunk = SLOT_MAX_CHUNK;
    o.cond = cond;
    o.prewarm = prewarm;
    if (!(s->stream = rnnfx_stream_new(s->model, &o, path, err))) goto fail;
    summarise(s, host_rate);
    return s;
fail:
    slot_free(s);
    return NULL;
}

void slot_set_cond(Slot *s, int k, float value) { rnnfx_stream_set_cond(s->stream, k, value); }

void slot_run(Slot *s, const float *const *in, float *const *out, uint32_t n)
{
    rnnfx_stream_run(s->stream, in, out, n);
}

void slot_reset(Slot *s) { rnnfx_stream_reset(s->stream); }
