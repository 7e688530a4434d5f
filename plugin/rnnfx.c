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
 *                the Slot that it replaces goes back to the worker to be freed;
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
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- Ports ----------------------------------------------------------------------------------
 * The indices of ttl/rnnfx.ttl. Both plugins share them; the stereo one adds a right channel at
 * the end. */
enum {
    PORT_CONTROL = 0, /* atom input: patch:Set / patch:Get */
    PORT_NOTIFY,      /* atom output: the model's path, the status line */
    PORT_INPUT_GAIN,  /* dB, before the model ("drive") */
    PORT_OUTPUT_LEVEL,/* dB, after the model */
    PORT_MIX,         /* %: 0 = dry .. 100 = wet */
    PORT_ENABLED,     /* lv2:enabled: 0 = bypass (a fade to the dry signal) */
    PORT_COND1,       /* the model's conditioning inputs (0..1), when it has them */
    PORT_COND2,
    PORT_COND3,
    PORT_LATENCY,     /* output: samples of delay the resampler adds */
    PORT_IN_L,
    PORT_OUT_L,
    PORT_IN_R,        /* stereo only */
    PORT_OUT_R
};

#define N_COND 3                 /* knobs; models take 0..NN_MAX_COND of them */
#define RAMP_SECONDS 0.020       /* gains, mix, bypass, knobs and model swaps */
#define COND_CHUNK 32            /* while a knob moves, it is applied every 32 samples */
#define MODEL_PATH_MAX 4096
#define DRY_LEN 4096             /* dry delay line: room for any slot's latency + a chunk */
#define TRASH_MAX 32

/* ---- Messages between run() and the worker ---------------------------------------------------
 * The host copies them through a ring buffer, so they are plain bytes: a type tag, then data.
 * A Slot travels as a pointer: only its ownership moves, never its bytes. */
typedef enum { MSG_LOAD, MSG_FREE, MSG_LOADED, MSG_FAILED } MsgType;

typedef struct {
    MsgType type;               /* MSG_LOAD: run() or restore() -> worker */
    bool from_run;              /* false: scheduled by restore() */
    bool prewarm;               /* audio runs already: the model will fade in (see slot_new) */
    float cond[NN_MAX_COND];    /* the knobs, so that the states match what will play */
    uint32_t path_len;          /* the path follows, NUL-terminated; "" means "no model" */
} LoadMsg;

typedef struct {
    MsgType type;               /* MSG_FREE: run() -> worker;  MSG_LOADED: worker -> run() */
    bool from_run;
    Slot *slot;                 /* MSG_LOADED with NULL: the model was unset */
} SlotMsg;

typedef struct {
    MsgType type;               /* MSG_FAILED: worker -> run() */
    bool from_run;
    char text[sizeof(((nn_error *)0)->msg) + 16];
} FailedMsg;

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

    /* The models. Only the audio thread touches these (and instantiate/activate/cleanup and a
     * restore() without a worker, which the host never runs beside run()). */
    Slot *cur;          /* playing; NULL: audio passes through */
    Slot *old;          /* fading out while `cur` fades in */
    bool fading;
    uint32_t fade_pos;
    Slot *next;         /* arrived during a fade: plays when it ends */
    bool has_next;
    bool loading;       /* a MSG_LOAD from run() is with the worker */
    bool want;          /* a request waits for that one to finish (only the latest is kept) */
    Slot *parked;       /* loaded, but a newer request is on its way: plays if that one fails */
    bool has_parked;
    bool ran;           /* audio has run since activate(): swaps must fade from now on */
    Slot *trash[TRASH_MAX]; /* to free, when the worker's queue had no room */
    int n_trash;

    /* Smoothed controls */
    Ramp in_gain, out_gain, wet, on, knob[N_COND];
    bool snap;          /* first run after activate(): jump to the port values */
    float knob_sent[N_COND]; /* the knob values the playing states have */

    /* Dry signal, delayed like the wet one (for the mix and the bypass) */
    float dry[2][DRY_LEN];
    uint32_t dry_pos;

    /* Scratch for one chunk */
    float s_gin[SLOT_MAX_CHUNK], s_gout[SLOT_MAX_CHUNK], s_mix[SLOT_MAX_CHUNK], s_on[SLOT_MAX_CHUNK], s_fade[SLOT_MAX_CHUNK];
    float s_x[2][SLOT_MAX_CHUNK], s_wet[2][SLOT_MAX_CHUNK], s_y[2][SLOT_MAX_CHUNK], s_yo[2][SLOT_MAX_CHUNK],
        s_d[2][SLOT_MAX_CHUNK];

    /* What to tell on the notify port at the next run() */
    bool tell_model, tell_status;
    char status[640];

    /* The path of the model playing (or about to), for notify and for save(), which the host
     * may call while run() runs: a sequence lock (odd while being written) keeps it whole. */
    atomic_uint path_seq;
    char path[MODEL_PATH_MAX];

    /* Load requests: the one being built, and the latest waiting for the worker */
    union {
        LoadMsg head;
        char bytes[sizeof(LoadMsg) + MODEL_PATH_MAX];
    } req, wanted;

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
    else r->cur += r->step * (float)n, r->left -= n;
}

static bool ramp_at(const Ramp *r, float v) { return !r->left && r->cur == v; }

static void ramp_fill(Ramp *r, float *dst, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) dst[i] = ramp_next(r);
}

static bool all_finite(const float *x, uint32_t n)
{
    float acc = 0.0f;
    for (uint32_t i = 0; i < n; i++) acc += x[i] * 0.0f; /* NaN iff some x[i] is NaN or Inf */
    return acc == 0.0f;
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

/* The audio thread publishes the path; save() reads it (see Rnnfx.path_seq). */
static void path_publish(Rnnfx *self, const char *path)
{
    atomic_fetch_add_explicit(&self->path_seq, 1, memory_order_acq_rel); /* odd: writing */
    size_t n = strlen(path);
    if (n >= MODEL_PATH_MAX) n = MODEL_PATH_MAX - 1;
    memcpy(self->path, path, n);
    self->path[n] = '\0';
    atomic_fetch_add_explicit(&self->path_seq, 1, memory_order_release); /* even: done */
}

static void path_copy(Rnnfx *self, char *dst)
{
    for (;;) {
        unsigned s1 = atomic_load_explicit(&self->path_seq, memory_order_acquire);
        if (!(s1 & 1u)) {
            memcpy(dst, self->path, MODEL_PATH_MAX);
            atomic_thread_fence(memory_order_acquire);
            if (atomic_load_explicit(&self->path_seq, memory_order_relaxed) == s1) break;
        }
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    dst[MODEL_PATH_MAX - 1] = '\0';
}

/* ---- The worker -------------------------------------------------------------------------------
 * work() runs in a thread of the host's that may take its time. It loads models and frees them;
 * it never touches what the audio thread owns. Its answers go back through respond() and arrive
 * in work_response(), in the audio thread. */

static LV2_Worker_Status respond_retry(LV2_Worker_Respond_Function respond, LV2_Worker_Respond_Handle handle,
                                       uint32_t size, const void *data)
{
    /* The host's queue back to the audio thread may be full for a moment: try for a second. */
    for (int tries = 0; tries < 100; tries++) {
        if (respond(handle, size, data) == LV2_WORKER_SUCCESS) return LV2_WORKER_SUCCESS;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    return LV2_WORKER_ERR_NO_SPACE;
}

static LV2_Worker_Status work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    Rnnfx *self = (Rnnfx *)instance;
    const MsgType type = *(const MsgType *)data;

    if (type == MSG_FREE && size >= sizeof(SlotMsg)) {
        slot_free(((const SlotMsg *)data)->slot);
        return LV2_WORKER_SUCCESS;
    }
    if (type != MSG_LOAD || size < sizeof(LoadMsg)) return LV2_WORKER_ERR_UNKNOWN;

    const LoadMsg *req = (const LoadMsg *)data;
    const char *path = (const char *)(req + 1);
    if (size < sizeof(LoadMsg) + req->path_len + 1 || path[req->path_len] != '\0') return LV2_WORKER_ERR_UNKNOWN;

    SlotMsg ok = {MSG_LOADED, req->from_run, NULL};
    if (path[0]) {
        nn_error err = {NN_OK, ""};
        ok.slot = slot_new(path, self->rate, self->n_ch, req->cond, req->prewarm, &err);
        if (!ok.slot) {
            lv2_log_error(&self->logger, "rnnfx: %s\n", err.msg);
            FailedMsg bad = {MSG_FAILED, req->from_run, ""};
            snprintf(bad.text, sizeof bad.text, "%s", err.msg);
            return respond_retry(respond, handle, sizeof bad, &bad);
        }
        lv2_log_note(&self->logger, "rnnfx: loaded %s\n", slot_summary(ok.slot));
    }
    if (respond_retry(respond, handle, sizeof ok, &ok) != LV2_WORKER_SUCCESS) {
        lv2_log_error(&self->logger, "rnnfx: the host's worker queue stays full; %s dropped\n", path);
        slot_free(ok.slot);
        return LV2_WORKER_ERR_NO_SPACE;
    }
    return LV2_WORKER_SUCCESS;
}

/* Hands a slot to the worker to be freed (audio thread). If the queue is full it waits in the
 * trash until the next run(). */
static void discard(Rnnfx *self, Slot *s)
{
    if (!s) return;
    SlotMsg msg = {MSG_FREE, true, s};
    if (self->schedule->schedule_work(self->schedule->handle, sizeof msg, &msg) == LV2_WORKER_SUCCESS) return;
    if (self->n_trash < TRASH_MAX) self->trash[self->n_trash++] = s;
    /* else: lost (a leak, never a crash); a host whose queue stays full has stopped anyway */
}

static void empty_trash(Rnnfx *self)
{
    int n = self->n_trash;
    self->n_trash = 0;
    for (int i = 0; i < n; i++) discard(self, self->trash[i]);
}

/* Sends the waiting request to the worker, unless a load is already in flight: then it waits
 * for that one to answer. Requests made meanwhile replace each other, so a storm of patch:Set
 * messages costs at most two loads. */
static void send_wanted(Rnnfx *self)
{
    if (!self->want || self->loading) return;
    uint32_t size = (uint32_t)sizeof(LoadMsg) + self->wanted.head.path_len + 1;
    memcpy(self->req.bytes, self->wanted.bytes, size);
    for (int k = 0; k < NN_MAX_COND; k++) self->req.head.cond[k] = k < N_COND ? self->knob[k].target : 0.0f;
    self->req.head.prewarm = self->ran;
    /* Set before scheduling: a host that runs the worker synchronously (while exporting) calls
     * work_response() from inside schedule_work(). */
    self->loading = true;
    self->want = false;
    if (self->schedule->schedule_work(self->schedule->handle, size, self->req.bytes) != LV2_WORKER_SUCCESS) {
        self->loading = false; /* try again at the next run() */
        self->want = true;
    }
}

static void request_load(Rnnfx *self, const char *path, uint32_t len)
{
    if (len >= MODEL_PATH_MAX) {
        status_set(self, "error: ", "model path too long");
        return;
    }
    self->wanted.head.type = MSG_LOAD;
    self->wanted.head.from_run = true;
    self->wanted.head.path_len = len;
    char *dst = (char *)(&self->wanted.head + 1);
    memcpy(dst, path, len);
    dst[len] = '\0';
    self->want = true;
    send_wanted(self);
}

/* A new slot (or NULL: no model) starts playing. Before any audio it simply replaces what was
 * there, in its initial state (as `rnnfx process` starts a file); while audio runs it was
 * pre-warmed by the worker, and fades in over RAMP_SECONDS while the old one fades out. */
static void install(Rnnfx *self, Slot *s)
{
    path_publish(self, s ? slot_path(s) : "");
    if (s) {
        for (int k = 0; k < N_COND; k++) slot_set_cond(s, k, self->knob_sent[k]);
        status_set(self, "loaded ", slot_summary(s));
    } else {
        status_set(self, "", "no model loaded: passing audio through");
    }
    self->tell_model = true;

    if (!self->ran) {
        discard(self, self->old);
        if (self->has_next) discard(self, self->next);
        discard(self, self->cur);
        self->cur = s;
        self->old = self->next = NULL;
        self->fading = self->has_next = false;
    } else if (self->fading) {
        if (self->has_next) discard(self, self->next);
        self->next = s;
        self->has_next = true;
    } else {
        self->old = self->cur;
        self->cur = s;
        self->fading = true;
        self->fade_pos = 0;
    }
}

static LV2_Worker_Status work_response(LV2_Handle instance, uint32_t size, const void *data)
{
    Rnnfx *self = (Rnnfx *)instance;
    const MsgType type = *(const MsgType *)data;
    bool from_run = false;

    /* The latest request that loads wins. A model that arrives when a newer request is already
     * waiting is parked: it plays only if that newer one fails. */
    if (type == MSG_LOADED && size >= sizeof(SlotMsg)) {
        const SlotMsg *msg = (const SlotMsg *)data;
        from_run = msg->from_run;
        if (from_run) self->loading = false;
        if (self->has_parked) discard(self, self->parked);
        self->has_parked = from_run && self->want;
        if (self->has_parked)
            self->parked = msg->slot;
        else
            install(self, msg->slot);
    } else if (type == MSG_FAILED && size >= sizeof(FailedMsg)) {
        const FailedMsg *msg = (const FailedMsg *)data;
        from_run = msg->from_run;
        if (from_run) self->loading = false;
        if (self->has_parked && !self->want) { /* the last good request plays after all */
            install(self, self->parked);
            self->has_parked = false;
        }
        status_set(self, "error: ", msg->text); /* what played goes on playing */
    } else {
        return LV2_WORKER_ERR_UNKNOWN;
    }
    send_wanted(self);
    return LV2_WORKER_SUCCESS;
}

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
    atomic_init(&self->path_seq, 0u);
    status_set(self, "", "no model loaded: passing audio through");
    lv2_log_note(&self->logger, "rnnfx: %s at %g Hz (blocks: nominal %u, max %u; 0 = not said): no model loaded yet, "
                 "audio passes through\n", self->n_ch == 2 ? "stereo" : "mono", rate, self->nominal_block, self->max_block);
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
    if (self->fading) { /* finish an interrupted swap at once */
        slot_free(self->old);
        self->old = NULL;
        self->fading = false;
        if (self->has_next) {
            slot_free(self->cur);
            self->cur = self->next;
            self->next = NULL;
            self->has_next = false;
        }
    }
    if (self->cur) slot_reset(self->cur);
    memset(self->dry, 0, sizeof self->dry);
    self->ran = false;
    self->snap = true;
}

static void deactivate(LV2_Handle instance) { (void)instance; }

static void cleanup(LV2_Handle instance)
{
    Rnnfx *self = (Rnnfx *)instance;
    slot_free(self->cur);
    slot_free(self->old);
    slot_free(self->next);
    if (self->has_parked) slot_free(self->parked);
    for (int i = 0; i < self->n_trash; i++) slot_free(self->trash[i]);
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
        if (path) request_load(self, path, len);
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
    if (self->tell_model && self->path[0])
        uris_write_set(&self->forge, &self->uris, self->uris.rnnfx_model, self->uris.atom_Path, self->path,
                       (uint32_t)strlen(self->path));
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
        else ramp_to(&self->knob[k], v, self->ramp_len);
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
        if (self->cur) slot_set_cond(self->cur, k, v);
        if (self->old) slot_set_cond(self->old, k, v);
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

static void end_fade(Rnnfx *self)
{
    discard(self, self->old);
    self->old = NULL;
    self->fading = false;
    if (self->has_next) { /* the latest arrival fades in next */
        self->old = self->cur;
        self->cur = self->next;
        self->next = NULL;
        self->has_next = false;
        self->fading = true;
        self->fade_pos = 0;
    }
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
                 ramp_at(&self->on, 1.0f) && !self->fading;
    if (plain && self->cur) {
        slot_run(self->cur, in, out, n);
        return;
    }

    ramp_fill(&self->in_gain, self->s_gin, n);
    ramp_fill(&self->out_gain, self->s_gout, n);
    ramp_fill(&self->wet, self->s_mix, n);
    ramp_fill(&self->on, self->s_on, n);
    for (int c = 0; c < nch; c++)
        for (uint32_t i = 0; i < n; i++) self->s_x[c][i] = in[c][i] * self->s_gin[i];

    render(self, self->cur, self->s_y, n);
    /* (end_fade may start the next swap: the delays of this chunk are those of the models it played) */
    uint32_t delay = self->cur ? slot_latency(self->cur) : 0, old_delay = self->old ? slot_latency(self->old) : 0;
    bool fading = self->fading;
    if (fading) { /* both models run; the new one fades in, the old one out */
        render(self, self->old, self->s_yo, n);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t pos = self->fade_pos + i + 1;
            float f = pos >= self->ramp_len ? 1.0f : (float)pos / (float)self->ramp_len;
            self->s_fade[i] = f;
            for (int c = 0; c < nch; c++) self->s_y[c][i] = f * self->s_y[c][i] + (1.0f - f) * self->s_yo[c][i];
        }
        self->fade_pos += n;
        if (self->fade_pos >= self->ramp_len) end_fade(self);
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
        for (uint32_t i = 0; i < n; i++) out[c][i] = self->s_on[i] * self->s_y[c][i] + (1.0f - self->s_on[i]) * self->s_d[c][i];
}

/* A NaN or Inf in the input would poison every state it reaches: that block is silent, and
 * everything that remembers the past starts over. */
static void reject_block(Rnnfx *self, uint32_t n)
{
    for (int c = 0; c < self->n_ch; c++) memset(self->out[c], 0, n * sizeof(float));
    if (self->cur) slot_reset(self->cur);
    if (self->old) slot_reset(self->old);
    if (self->has_next && self->next) slot_reset(self->next);
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

    /* Messages (patch:Set / patch:Get), then what waited from the last run. */
    if (self->control) {
        LV2_ATOM_SEQUENCE_FOREACH (self->control, ev) handle_event(self, ev);
    }
    empty_trash(self);
    send_wanted(self);
    if (self->notify) tell(self);

    if (n_samples) {
        /* Denormals: flush them for all our arithmetic, the resampler's included. */
        nn_fpenv fp = nn_fpenv_enter();
        bool finite = true;
        for (int c = 0; c < self->n_ch; c++) finite = finite && all_finite(self->in[c], n_samples);
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
        self->ran = true;
    }
    if (self->latency) *self->latency = self->cur ? (float)slot_latency(self->cur) : 0.0f;
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
    char *path = malloc(MODEL_PATH_MAX);
    if (!path) return LV2_STATE_ERR_UNKNOWN;
    path_copy(self, path);
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
        else free(apath);
    }
    free(path);
    return st;
}

static LV2_State_Status restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle handle, uint32_t flags, const LV2_Feature *const *features)
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
        char *saved = malloc(MODEL_PATH_MAX);
        const char *why = saved ? state_path_read(value, size, saved, MODEL_PATH_MAX) : "out of memory";
        if (why) {
            lv2_log_error(&self->logger, "rnnfx: state: the saved model value (%zu bytes) is rejected: %s\n", size, why);
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
        size_t len = path ? strlen(path) : 0;
        char *buf = len < MODEL_PATH_MAX ? malloc(sizeof(LoadMsg) + len + 1) : NULL;
        if (buf) {
            LoadMsg *req = (LoadMsg *)buf;
            req->type = MSG_LOAD;
            req->from_run = false;
            req->prewarm = self->ran; /* restored while playing: it will fade in */
            for (int k = 0; k < NN_MAX_COND; k++) req->cond[k] = k < N_COND ? self->knob[k].target : 0.0f;
            req->path_len = (uint32_t)len;
            memcpy(buf + sizeof(LoadMsg), path ? path : "", len + 1);
            if (schedule->schedule_work(schedule->handle, (uint32_t)(sizeof(LoadMsg) + len + 1), buf) !=
                LV2_WORKER_SUCCESS)
                st = LV2_STATE_ERR_UNKNOWN;
            free(buf);
        } else {
            st = LV2_STATE_ERR_UNKNOWN;
        }
    } else {
        /* Without a worker the host does not run the plugin meanwhile: load here, in place. */
        Slot *s = NULL;
        nn_error err = {NN_OK, ""};
        float cond[NN_MAX_COND] = {0};
        for (int k = 0; k < N_COND && k < NN_MAX_COND; k++) cond[k] = self->knob[k].target;
        if (path && !(s = slot_new(path, self->rate, self->n_ch, cond, false, &err))) {
            lv2_log_error(&self->logger, "rnnfx: %s\n", err.msg);
            status_set(self, "error: ", err.msg);
        } else {
            slot_free(self->cur);
            slot_free(self->old);
            slot_free(self->next);
            self->cur = s;
            self->old = self->next = NULL;
            self->fading = self->has_next = false;
            for (int k = 0; k < N_COND; k++) self->knob_sent[k] = cond[k];
            path_publish(self, path ? path : "");
            if (s) status_set(self, "loaded ", slot_summary(s));
            else status_set(self, "", "no model loaded: passing audio through");
            self->tell_model = true;
        }
    }
    if (path) {
        if (map_path && free_path) free_path->free_path(free_path->handle, path);
        else free(path);
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
