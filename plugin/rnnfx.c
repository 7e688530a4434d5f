/*
 * rnnfx.c - the LV2 plugin: a recurrent model of an amp or a pedal, played live.
 *
 * This file is LV2 glue and nothing else. All network math is in nn/ (the engine); a model
 * ready to play - the engine's model, its per-channel states and, if needed, a resampler - is a
 * Slot (slot.c). What this file adds is what a host needs:
 *
 *   ports        audio, gains, mix, bypass, conditioning knobs, latency, and two atom ports that
 *                carry patch messages (the model is a *parameter*, set by a patch:Set message);
 *   the worker   loading a model reads a file and allocates: never in the audio thread. run()
 *                asks the host's worker thread to do it; the worker hands back a ready Slot;
 *                the Slot that it replaces goes back to the worker to be freed. That
 *                conversation, and the fade from one model to the next, is the Swap (swap.c):
 *                this file passes it the messages and plays what it says plays;
 *   state        the model's path is saved with the session and loaded again on restore;
 *   smoothing    every change the listener could hear (gains, mix, bypass, knobs, a new model)
 *                is a ramp, never a step.
 *
 * Read it top to bottom: ports, messages, the worker, run(), state, the descriptor.
 */
#include "fpenv.h"
#include "nn.h"
#include "slot.h"
#include "state_path.h"
#include "swap.h"
#include "uris.h"

#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/core/lv2_util.h>
#include <lv2/log/log.h>
#include <lv2/log/logger.h>
#include <lv2/options/options.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Ports ----------------------------------------------------------------------------------
 * The indices of ttl/rnnfx.ttl. Both plugins share them; the stereo one adds a right channel at
 * the end. */
enum {
    PORT_CONTROL = 0,  /* atom input: patch:Set / patch:Get */
    PORT_NOTIFY,       /* atom output: the model's path, the status line */
    PORT_INPUT_GAIN,   /* dB, before the model ("drive") */
    PORT_OUTPUT_LEVEL, /* dB, after the model */
    PORT_MIX,          /* %: 0 = dry .. 100 = wet */
    PORT_ENABLED,      /* lv2:enabled: 0 = bypass (a fade to the dry signal) */
    PORT_COND1,        /* the model's conditioning inputs (0..1), when it has them */
    PORT_COND2,
    PORT_COND3,
    PORT_LATENCY, /* output: samples of delay the resampler adds */
    PORT_IN_L,
    PORT_OUT_L,
    PORT_IN_R, /* stereo only */
    PORT_OUT_R
};

#define N_COND 3           /* knobs; models take 0..NN_MAX_COND of them */
#define RAMP_SECONDS 0.020 /* gains, mix, bypass, knobs and model swaps */
#define COND_CHUNK 32      /* while a knob moves, it is applied every 32 samples */
#define DRY_LEN 4096       /* dry delay line: room for any slot's latency + a chunk */

/* A control smoothed by a linear ramp. */
typedef struct {
    float cur, target, step;
    uint32_t left; /* samples until cur == target (exactly) */
} Ramp;

typedef struct {
    /* Host features */
    LV2_URID_Map *map;
    LV2_Worker_Schedule *schedule;
    LV2_Log_Logger logger;

    /* Ports */
    const LV2_Atom_Sequence *control;
    LV2_Atom_Sequence *notify;
    const float *input_gain, *output_level, *mix, *enabled, *cond[N_COND];
    float *latency;
    const float *in[2];
    float *out[2];

    LV2_Atom_Forge forge;
    LV2_Atom_Forge_Frame notify_frame; /* the forge keeps a pointer to it while run() writes */
    Uris uris;

    /* Fixed at instantiate() */
    double rate;
    int n_ch;
    uint32_t ramp_len;
    uint32_t max_block, nominal_block; /* the host's options, for the log: run() takes any size */

    /* The models: the one playing, the one fading out, the requests and the worker (swap.h). */
    Swap *swap;

    /* Smoothed controls */
    Ramp in_gain, out_gain, wet, on, knob[N_COND];
    bool snap;               /* first run after activate(): jump to the port values */
    float knob_sent[N_COND]; /* the knob values the playing states have */

    /* Dry signal, delayed like the wet one (for the mix and the bypass) */
    float dry[2][DRY_LEN];
    uint32_t dry_pos;

    /* Scratch for one chunk */
    float s_gin[SLOT_MAX_CHUNK], s_gout[SLOT_MAX_CHUNK], s_mix[SLOT_MAX_CHUNK], s_on[SLOT_MAX_CHUNK],
        s_fade[SLOT_MAX_CHUNK];
    float s_x[2][SLOT_MAX_CHUNK], s_wet[2][SLOT_MAX_CHUNK], s_y[2][SLOT_MAX_CHUNK], s_yo[2][SLOT_MAX_CHUNK],
        s_d[2][SLOT_MAX_CHUNK];

    /* What to tell on the notify port at the next run() */
    bool tell_model, tell_status;
    char status[640];

    unsigned long nonfinite_blocks;
} Rnnfx;

/* ---- Small helpers -------------------------------------------------------------------------- */

static float clampf(float v, float lo, float hi, float dflt)
{
    if (!(v == v)) return dflt; /* NaN */
    return v < lo ? lo : v > hi ? hi : v;
}

static float port_value(const float *port, float lo, float hi, float dflt)
{
    return port ? clampf(*port, lo, hi, dflt) : dflt;
}

static float db_to_gain(float db) { return db == 0.0f ? 1.0f : powf(10.0f, db * 0.05f); }

static void ramp_snap(Ramp *r, float v)
{
    r->cur = r->target = v;
    r->left = 0;
}

static void ramp_to(Ramp *r, float target, uint32_t len)
{
    if (target == r->target) return;
    r->target = target;
    r->left = len;
    r->step = (target - r->cur) / (float)len;
}

static float ramp_next(Ramp *r)
{
    if (r->left) r->cur = --r->left ? r->cur + r->step : r->target;
    return r->cur;
}

static void ramp_skip(Ramp *r, uint32_t n)
{
    if (r->left <= n) ramp_snap(r, r->target);
    else
        r->cur += r->step * (float)n, r->left -= n;
}

static bool ramp_at(const Ramp *r, float v) { return !r->left && r->cur == v; }

static void ramp_fill(Ramp *r, float *dst, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) dst[i] = ramp_next(r);
}

/* The status line (audio thread too: plain copies, no formatting). */
static void status_set(Rnnfx *self, const char *prefix, const char *text)
{
    size_t cap = sizeof self->status - 1, a = strlen(prefix), b = strlen(text);
    if (a > cap) a = cap;
    if (b > cap - a) b = cap - a;
    memcpy(self->status, prefix, a);
    memcpy(self->status + a, text, b);
    self->status[a + b] = '\0';
    self->tell_status = true;
}

/* ---- The worker -------------------------------------------------------------------------------
 * work() runs in a thread of the host's that may take its time; work_response() in the audio
 * thread, with the worker's answers. The Swap does both sides (swap.h); what this file adds is
 * what the listener hears when a model changes, or fails to. */

static LV2_Worker_Status work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    return swap_work(((Rnnfx *)instance)->swap, respond, handle, size, data);
}

static LV2_Worker_Status work_response(LV2_Handle instance, uint32_t size, const void *data)
{
    return swap_response(((Rnnfx *)instance)->swap, size, data);
}

/* A new model (or none) plays from now on, with the knobs as they are (audio thread, or a
 * restore() without a worker). */
static void model_installed(void *ctx, Slot *s) NN_RT
{
    Rnnfx *self = (Rnnfx *)ctx;
    if (s) {
        for (int k = 0; k < N_COND; k++) slot_set_cond(s, k, self->knob_sent[k]);
        status_set(self, "loaded ", slot_summary(s));
    } else {
        status_set(self, "", "no model loaded: passing audio through");
    }
    self->tell_model = true;
}

static void model_failed(void *ctx, const char *why) NN_RT { status_set((Rnnfx *)ctx, "error: ", why); }

/* ---- Instantiation ---------------------------------------------------------------------------- */

static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate, const char *bundle_path,
                              const LV2_Feature *const *features)
{
    (void)bundle_path;
    Rnnfx *self = (Rnnfx *)calloc(1, sizeof(Rnnfx));
    if (!self) return NULL;

    const LV2_Options_Option *options = NULL;
    const char *missing = lv2_features_query(features, LV2_LOG__log, &self->logger.log, false, LV2_URID__map,
                                             &self->map, true, LV2_WORKER__schedule, &self->schedule, true,
                                             LV2_OPTIONS__options, &options, false, NULL);
    lv2_log_logger_set_map(&self->logger, self->map);
    if (missing) {
        lv2_log_error(&self->logger, "rnnfx: missing feature <%s>\n", missing);
        free(self);
        return NULL;
    }
    uris_map(&self->uris, self->map);
    lv2_atom_forge_init(&self->forge, self->map);

    /* The host's block sizes (buf-size extension). run() cuts every block into chunks of at
     * most SLOT_MAX_CHUNK samples, so it needs no buffer sized from these: they only tell. */
    LV2_URID max_len = self->map->map(self->map->handle, LV2_BUF_SIZE__maxBlockLength);
    LV2_URID nominal_len = self->map->map(self->map->handle, LV2_BUF_SIZE__nominalBlockLength);
    LV2_URID atom_Int = self->map->map(self->map->handle, LV2_ATOM__Int);
    for (const LV2_Options_Option *o = options; o && o->key; o++) {
        if (o->type != atom_Int) continue;
        if (o->key == max_len) self->max_block = (uint32_t) * (const int32_t *)o->value;
        if (o->key == nominal_len) self->nominal_block = (uint32_t) * (const int32_t *)o->value;
    }

    self->rate = rate;
    self->n_ch = !strcmp(descriptor->URI, RNNFX_STEREO_URI) ? 2 : 1;
    self->ramp_len = (uint32_t)lround(rate * RAMP_SECONDS);
    if (self->ramp_len < 1) self->ramp_len = 1;
    SwapListener listener = {self, model_installed, model_failed};
    self->swap = swap_new(rate, self->n_ch, self->ramp_len, self->schedule, &self->logger, listener);
    if (!self->swap) {
        free(self);
        return NULL;
    }
    status_set(self, "", "no model loaded: passing audio through");
    lv2_log_note(&self->logger,
                 "rnnfx: %s at %g Hz (blocks: nominal %u, max %u; 0 = not said): no model loaded yet, "
                 "audio passes through\n",
                 self->n_ch == 2 ? "stereo" : "mono", rate, self->nominal_block, self->max_block);
    return (LV2_Handle)self;
}

static void connect_port(LV2_Handle instance, uint32_t port, void *data)
{
    Rnnfx *self = (Rnnfx *)instance;
    switch (port) {
    case PORT_CONTROL: self->control = (const LV2_Atom_Sequence *)data; break;
    case PORT_NOTIFY: self->notify = (LV2_Atom_Sequence *)data; break;
    case PORT_INPUT_GAIN: self->input_gain = (const float *)data; break;
    case PORT_OUTPUT_LEVEL: self->output_level = (const float *)data; break;
    case PORT_MIX: self->mix = (const float *)data; break;
    case PORT_ENABLED: self->enabled = (const float *)data; break;
    case PORT_COND1: self->cond[0] = (const float *)data; break;
    case PORT_COND2: self->cond[1] = (const float *)data; break;
    case PORT_COND3: self->cond[2] = (const float *)data; break;
    case PORT_LATENCY: self->latency = (float *)data; break;
    case PORT_IN_L: self->in[0] = (const float *)data; break;
    case PORT_OUT_L: self->out[0] = (float *)data; break;
    case PORT_IN_R: self->in[1] = (const float *)data; break;
    case PORT_OUT_R: self->out[1] = (float *)data; break;
    default: break;
    }
}

/* Not real-time: the model starts over from its initial state (as `rnnfx process` starts a
 * file), the controls from the ports. */
static void activate(LV2_Handle instance)
{
    Rnnfx *self = (Rnnfx *)instance;
    swap_activate(self->swap);
    memset(self->dry, 0, sizeof self->dry);
    self->snap = true;
}

static void deactivate(LV2_Handle instance) { (void)instance; }

static void cleanup(LV2_Handle instance)
{
    Rnnfx *self = (Rnnfx *)instance;
    swap_free(self->swap);
    free(self);
}

/* ---- run(): the audio thread --------------------------------------------------------------- */

static void handle_event(Rnnfx *self, const LV2_Atom_Event *ev)
{
    const Uris *u = &self->uris;
    if (!lv2_atom_forge_is_object_type(&self->forge, ev->body.type)) return;
    const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;

    if (obj->body.otype == u->patch_Set) {
        uint32_t len = 0;
        const char *path = uris_read_set_path(u, obj, u->rnnfx_model, &len);
        if (path) swap_request(self->swap, path, len);
    } else if (obj->body.otype == u->patch_Get) {
        const LV2_Atom_URID *property = NULL;
        lv2_atom_object_get(obj, u->patch_property, &property, 0);
        bool all = !property || property->atom.type != u->atom_URID;
        if (all || property->body == u->rnnfx_model) self->tell_model = true;
        if (all || property->body == u->rnnfx_status) self->tell_status = true;
    }
}

static void tell(Rnnfx *self)
{
    const char *path = swap_path(self->swap);
    if (self->tell_model && path[0])
        uris_write_set(&self->forge, &self->uris, self->uris.rnnfx_model, self->uris.atom_Path, path,
                       (uint32_t)strlen(path));
    if (self->tell_status)
        uris_write_set(&self->forge, &self->uris, self->uris.rnnfx_status, self->uris.atom_String, self->status,
                       (uint32_t)strlen(self->status));
    self->tell_model = self->tell_status = false;
}

/* The control ports become ramp targets. */
static void read_controls(Rnnfx *self)
{
    float gin = db_to_gain(port_value(self->input_gain, -24.0f, 24.0f, 0.0f));
    float gout = db_to_gain(port_value(self->output_level, -24.0f, 24.0f, 0.0f));
    float mix = port_value(self->mix, 0.0f, 100.0f, 100.0f) / 100.0f; /* % -> 0..1 (100 % is exactly 1) */
    float on = port_value(self->enabled, 0.0f, 1.0f, 1.0f) > 0.5f ? 1.0f : 0.0f;
    if (self->snap) {
        ramp_snap(&self->in_gain, gin);
        ramp_snap(&self->out_gain, gout);
        ramp_snap(&self->wet, mix);
        ramp_snap(&self->on, on);
    } else {
        ramp_to(&self->in_gain, gin, self->ramp_len);
        ramp_to(&self->out_gain, gout, self->ramp_len);
        ramp_to(&self->wet, mix, self->ramp_len);
        ramp_to(&self->on, on, self->ramp_len);
    }
    for (int k = 0; k < N_COND; k++) {
        float v = port_value(self->cond[k], 0.0f, 1.0f, 0.0f);
        if (self->snap) ramp_snap(&self->knob[k], v);
        else
            ramp_to(&self->knob[k], v, self->ramp_len);
    }
    self->snap = false;
}

static bool knobs_moving(const Rnnfx *self)
{
    for (int k = 0; k < N_COND; k++)
        if (self->knob[k].left || self->knob[k].cur != self->knob_sent[k]) return true;
    return false;
}

/* The knobs reach the states of every model that plays (only what changed). */
static void apply_knobs(Rnnfx *self, uint32_t n)
{
    for (int k = 0; k < N_COND; k++) {
        float v = self->knob[k].cur;
        ramp_skip(&self->knob[k], n);
        if (v == self->knob_sent[k]) continue;
        self->knob_sent[k] = v;
        swap_set_cond(self->swap, k, v);
    }
}

/* The dry input of the chunk just stored, `delay` samples ago, into d[c][0..n). */
static void dry_read(Rnnfx *self, uint32_t delay, uint32_t n)
{
    for (int c = 0; c < self->n_ch; c++) {
        uint32_t at = self->dry_pos - n - delay;
        for (uint32_t i = 0; i < n; i++) self->s_d[c][i] = self->dry[c][(at + i) & (DRY_LEN - 1)];
    }
}

/* One model (or none) into y: the wet signal at the output level, mixed with the dry signal
 * delayed as much as that model's output. */
static void render(Rnnfx *self, Slot *s, float (*y)[SLOT_MAX_CHUNK], uint32_t n)
{
    dry_read(self, s ? slot_latency(s) : 0, n);
    if (!s) { /* no model: the input passes through, untouched */
        for (int c = 0; c < self->n_ch; c++) memcpy(y[c], self->s_d[c], n * sizeof(float));
        return;
    }
    const float *x[2] = {self->s_x[0], self->s_x[1]};
    float *w[2] = {self->s_wet[0], self->s_wet[1]};
    slot_run(s, x, w, n);
    for (int c = 0; c < self->n_ch; c++)
        for (uint32_t i = 0; i < n; i++)
            y[c][i] = self->s_mix[i] * self->s_gout[i] * w[c][i] + (1.0f - self->s_mix[i]) * self->s_d[c][i];
}

/* n <= SLOT_MAX_CHUNK samples from offset `off` of the host's buffers. */
static void process_chunk(Rnnfx *self, uint32_t off, uint32_t n)
{
    const int nch = self->n_ch;
    const float *in[2] = {self->in[0] + off, nch == 2 ? self->in[1] + off : NULL};
    float *out[2] = {self->out[0] + off, nch == 2 ? self->out[1] + off : NULL};

    /* Remember the dry input first: the output may share its buffer. */
    for (int c = 0; c < nch; c++)
        for (uint32_t i = 0; i < n; i++) self->dry[c][(self->dry_pos + i) & (DRY_LEN - 1)] = in[c][i];
    self->dry_pos += n;

    apply_knobs(self, n);

    /* Gains at 0 dB, mix fully wet, not bypassed, no swap: the model's output is the plugin's,
     * bit for bit what the engine gives (and what `rnnfx process` writes). */
    bool plain = ramp_at(&self->in_gain, 1.0f) && ramp_at(&self->out_gain, 1.0f) && ramp_at(&self->wet, 1.0f) &&
                 ramp_at(&self->on, 1.0f) && !swap_fading(self->swap);
    Slot *cur = swap_playing(self->swap), *old = swap_fading_out(self->swap);
    if (plain && cur) {
        slot_run(cur, in, out, n);
        return;
    }

    ramp_fill(&self->in_gain, self->s_gin, n);
    ramp_fill(&self->out_gain, self->s_gout, n);
    ramp_fill(&self->wet, self->s_mix, n);
    ramp_fill(&self->on, self->s_on, n);
    for (int c = 0; c < nch; c++)
        for (uint32_t i = 0; i < n; i++) self->s_x[c][i] = in[c][i] * self->s_gin[i];

    render(self, cur, self->s_y, n);
    /* (the fade's end may start the next swap: the delays of this chunk are those of the models
     * it played) */
    uint32_t delay = cur ? slot_latency(cur) : 0, old_delay = old ? slot_latency(old) : 0;
    bool fading = swap_fading(self->swap);
    if (fading) { /* both models run; the new one fades in, the old one out */
        render(self, old, self->s_yo, n);
        swap_fade_gains(self->swap, self->s_fade, n);
        for (uint32_t i = 0; i < n; i++) {
            float f = self->s_fade[i];
            for (int c = 0; c < nch; c++) self->s_y[c][i] = f * self->s_y[c][i] + (1.0f - f) * self->s_yo[c][i];
        }
    }

    /* Bypass fades to the dry input, delayed as the model's output so nothing jumps in time -
     * also while bypassed: when the models of a swap have different delays (one is resampled),
     * the dry signal crossfades from the old delay to the new one with them. */
    if (fading && old_delay != delay) {
        dry_read(self, old_delay, n);
        for (int c = 0; c < nch; c++) memcpy(self->s_yo[c], self->s_d[c], n * sizeof(float));
        dry_read(self, delay, n);
        for (int c = 0; c < nch; c++)
            for (uint32_t i = 0; i < n; i++)
                self->s_d[c][i] = self->s_fade[i] * self->s_d[c][i] + (1.0f - self->s_fade[i]) * self->s_yo[c][i];
    } else {
        dry_read(self, delay, n);
    }
    for (int c = 0; c < nch; c++)
        for (uint32_t i = 0; i < n; i++)
            out[c][i] = self->s_on[i] * self->s_y[c][i] + (1.0f - self->s_on[i]) * self->s_d[c][i];
}

/* A NaN or Inf in the input would poison every state it reaches: that block is silent, and
 * everything that remembers the past starts over. */
static void reject_block(Rnnfx *self, uint32_t n)
{
    for (int c = 0; c < self->n_ch; c++) memset(self->out[c], 0, n * sizeof(float));
    swap_reset(self->swap);
    memset(self->dry, 0, sizeof self->dry);
    self->nonfinite_blocks++;
}

static void run(LV2_Handle instance, uint32_t n_samples)
{
    Rnnfx *self = (Rnnfx *)instance;

    /* The notify port: a sequence of events we fill as we go. */
    if (self->notify) {
        lv2_atom_forge_set_buffer(&self->forge, (uint8_t *)self->notify, self->notify->atom.size);
        lv2_atom_forge_sequence_head(&self->forge, &self->notify_frame, 0);
    }

    /* The control ports (first: a load request takes the knobs' values along). */
    read_controls(self);
    for (int k = 0; k < N_COND; k++) swap_set_knob(self->swap, k, self->knob[k].target);

    /* Messages (patch:Set / patch:Get), then what waited from the last run. */
    if (self->control) {
        LV2_ATOM_SEQUENCE_FOREACH(self->control, ev) handle_event(self, ev);
    }
    swap_retry(self->swap);
    if (self->notify) tell(self);

    if (n_samples) {
        /* Denormals: flush them for all our arithmetic, the resampler's included. */
        nn_fpenv fp = nn_fpenv_enter();
        bool finite = true;
        for (int c = 0; c < self->n_ch; c++) finite = finite && nn_all_finite(self->in[c], n_samples);
        if (!finite) {
            reject_block(self, n_samples);
        } else {
            for (uint32_t off = 0; off < n_samples;) {
                uint32_t n = n_samples - off, max = knobs_moving(self) ? COND_CHUNK : SLOT_MAX_CHUNK;
                if (n > max) n = max;
                process_chunk(self, off, n);
                off += n;
            }
        }
        nn_fpenv_leave(fp);
        swap_audio_ran(self->swap);
    }
    Slot *cur = swap_playing(self->swap);
    if (self->latency) *self->latency = cur ? (float)slot_latency(cur) : 0.0f;
}

/* ---- State: the model's path, saved with the session ----------------------------------------
 * A path saved as it is would break when the session moves to another machine; the host's
 * mapPath feature turns it into an "abstract" path (relative to the session, or to a copy the
 * host keeps) and back. */

static LV2_State_Status save(LV2_Handle instance, LV2_State_Store_Function store, LV2_State_Handle handle,
                             uint32_t flags, const LV2_Feature *const *features)
{
    (void)flags;
    Rnnfx *self = (Rnnfx *)instance;
    char *path = malloc(SWAP_PATH_MAX);
    if (!path) return LV2_STATE_ERR_UNKNOWN;
    swap_path_copy(self->swap, path);
    if (!path[0]) { /* no model: nothing to save */
        free(path);
        return LV2_STATE_SUCCESS;
    }
    LV2_State_Map_Path *map_path = NULL;
    LV2_State_Free_Path *free_path = NULL;
    lv2_features_query(features, LV2_STATE__mapPath, &map_path, false, LV2_STATE__freePath, &free_path, false, NULL);
    char *apath = map_path ? map_path->abstract_path(map_path->handle, path) : path;
    LV2_State_Status st = LV2_STATE_ERR_UNKNOWN;
    if (apath)
        st = store(handle, self->uris.rnnfx_model, apath, strlen(apath) + 1, self->uris.atom_Path,
                   LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
    if (apath && apath != path) {
        if (free_path) free_path->free_path(free_path->handle, apath);
        else
            free(apath);
    }
    free(path);
    return st;
}

static LV2_State_Status restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve, LV2_State_Handle handle,
                                uint32_t flags, const LV2_Feature *const *features)
{
    (void)flags;
    Rnnfx *self = (Rnnfx *)instance;
    LV2_State_Map_Path *map_path = NULL;
    LV2_State_Free_Path *free_path = NULL;
    LV2_Worker_Schedule *schedule = NULL;
    lv2_features_query(features, LV2_STATE__mapPath, &map_path, false, LV2_STATE__freePath, &free_path, false,
                       LV2_WORKER__schedule, &schedule, false, NULL);

    size_t size = 0;
    uint32_t type = 0, vflags = 0;
    const char *value = retrieve(handle, self->uris.rnnfx_model, &size, &type, &vflags);
    char *path = NULL; /* NULL: the state has no model */
    if (value && type != self->uris.atom_Path && type != self->uris.atom_String) {
        lv2_log_error(&self->logger, "rnnfx: state: the saved model value is rejected: not a path or a string\n");
        return LV2_STATE_ERR_BAD_TYPE;
    }
    if (value) { /* with or without a NUL counted in size: hosts differ (state_path.h) */
        char *saved = malloc(SWAP_PATH_MAX);
        const char *why = saved ? state_path_read(value, size, saved, SWAP_PATH_MAX) : "out of memory";
        if (why) {
            lv2_log_error(&self->logger, "rnnfx: state: the saved model value (%zu bytes) is rejected: %s\n", size,
                          why);
            free(saved);
            return LV2_STATE_ERR_BAD_TYPE;
        }
        path = map_path ? map_path->absolute_path(map_path->handle, saved) : saved;
        if (path != saved) free(saved);
        if (!path) return LV2_STATE_ERR_UNKNOWN;
    }
    LV2_State_Status st = LV2_STATE_SUCCESS;

    if (schedule) {
        /* The host may run this beside run() (state:threadSafeRestore): the load goes through
         * the worker like a patch:Set, and the slot arrives in work_response(). */
        if (!swap_restore(self->swap, path ? path : "", schedule)) st = LV2_STATE_ERR_UNKNOWN;
    } else {
        /* Without a worker the host does not run the plugin meanwhile: load here, in place. */
        if (!swap_restore_now(self->swap, path ? path : "")) st = LV2_STATE_ERR_UNKNOWN;
    }
    if (path) {
        if (map_path && free_path) free_path->free_path(free_path->handle, path);
        else
            free(path);
    }
    return st;
}

/* ---- The descriptors -------------------------------------------------------------------------- */

static const void *extension_data(const char *uri)
{
    static const LV2_State_Interface state = {save, restore};
    static const LV2_Worker_Interface worker = {work, work_response, NULL};
    if (!strcmp(uri, LV2_STATE__interface)) return &state;
    if (!strcmp(uri, LV2_WORKER__interface)) return &worker;
    return NULL;
}

static const LV2_Descriptor descriptors[] = {
    {RNNFX_MONO_URI, instantiate, connect_port, activate, run, deactivate, cleanup, extension_data},
    {RNNFX_STEREO_URI, instantiate, connect_port, activate, run, deactivate, cleanup, extension_data},
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index < sizeof descriptors / sizeof descriptors[0] ? &descriptors[index] : NULL;
}
