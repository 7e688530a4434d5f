/*
 * swap.c - changing the model while audio plays (see swap.h for the contract).
 *
 * Read it in the order a model travels: the messages, a request (audio thread), the worker that
 * loads it, the answer (audio thread again), the fade, and restore().
 */
#include "swap.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TRASH_MAX 32

/* restore() reads what the audio thread writes; that must never wait for a lock. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2 && ATOMIC_BOOL_LOCK_FREE == 2, "lock-free atomics needed");

/* ---- Messages between the audio thread and the worker -----------------------------------------
 * The host copies them through a ring buffer, so they are plain bytes: a type tag, then data; the
 * receiver copies them out before reading (the host's buffer need not be aligned). A Slot travels
 * as a pointer: only its ownership moves, never its bytes. */
typedef enum { MSG_LOAD, MSG_FREE, MSG_LOADED, MSG_FAILED } MsgType;

typedef struct {
    MsgType type;            /* MSG_LOAD: run() or restore() -> worker */
    bool from_run;           /* false: scheduled by restore() */
    bool prewarm;            /* audio runs already: the model will fade in (see slot_new) */
    float cond[NN_MAX_COND]; /* the knobs, so that the states match what will play */
    uint32_t path_len;       /* the path follows, NUL-terminated; "" means "no model" */
} LoadMsg;

typedef struct {
    MsgType type; /* MSG_FREE: run() -> worker;  MSG_LOADED: worker -> run() */
    bool from_run;
    Slot *slot; /* MSG_LOADED with NULL: the model was unset */
} SlotMsg;

typedef struct {
    MsgType type; /* MSG_FAILED: worker -> run() */
    bool from_run;
    char text[sizeof(((nn_error *)0)->msg) + 16];
} FailedMsg;

/* The worker's answer to a MSG_LOAD: one of the two. */
typedef union {
    SlotMsg loaded;
    FailedMsg failed;
} Answer;

/* A load request: the message and its path, in one buffer. */
typedef union {
    LoadMsg head;
    char bytes[sizeof(LoadMsg) + SWAP_PATH_MAX];
} LoadBuf;

/* Who is calling: the audio thread (slots leave through the worker, swaps fade once audio has
 * run) or a function the host never runs beside run() (slots are freed, models replaced, at
 * once). */
typedef enum { BY_AUDIO, BY_HOST } Caller;

struct Swap {
    /* Fixed at swap_new() */
    double rate;
    int n_ch;
    uint32_t fade_len;
    LV2_Worker_Schedule *schedule;
    LV2_Log_Logger *logger;
    SwapListener listener;

    /* The models: only the audio thread touches these (and the [host] functions). */
    Slot *cur; /* playing; NULL: audio passes through */
    Slot *old; /* fading out while `cur` fades in */
    bool fading;
    uint32_t fade_pos;
    Slot *next; /* arrived during a fade: plays when it ends */
    bool has_next;
    bool loading; /* a MSG_LOAD from run() is with the worker */
    bool want;    /* a request waits for that one to finish (only the latest is kept) */
    Slot *parked; /* loaded, but a newer request is on its way: plays if that one fails */
    bool has_parked;
    Slot *trash[TRASH_MAX]; /* to free, when the worker's queue had no room */
    int n_trash;
    LoadBuf req, wanted; /* the request being sent, and the latest waiting for the worker */

    /* Written by the audio thread, read by restore() from any thread (relaxed: a value one
     * block old is as good as the newest). */
    atomic_bool ran; /* audio has run since activate(): swaps fade from now on */
    /* Written by the worker when it could not answer a request from run() (the host's queue back
     * stayed full): the audio thread then stops waiting for that answer (swap_retry). */
    atomic_bool answer_lost;
    atomic_uint knob_bits[NN_MAX_COND]; /* swap_set_knob's values (float bits) */

    /* The path of the model playing (or about to), for notify and for save(), which the host
     * may call while run() runs: a sequence lock (odd while being written) keeps it whole. */
    atomic_uint path_seq;
    char path[SWAP_PATH_MAX];
};

/* The host's schedule_work is real-time safe (the worker extension has run() call it); this type
 * says so to the compiler that checks NN_RT. */
typedef LV2_Worker_Status (*ScheduleWork)(LV2_Worker_Schedule_Handle, uint32_t, const void *) NN_RT;

static LV2_Worker_Status schedule(Swap *sw, uint32_t size, const void *data) NN_RT
{
    return ((ScheduleWork)sw->schedule->schedule_work)(sw->schedule->handle, size, data);
}

static void say_installed(Swap *sw, Slot *s)
{
    if (sw->listener.installed) sw->listener.installed(sw->listener.ctx, s);
}

static void say_failed(Swap *sw, const char *why)
{
    if (sw->listener.failed) sw->listener.failed(sw->listener.ctx, why);
}

static float knob(const Swap *sw, int k)
{
    union {
        unsigned u;
        float f;
    } v = {atomic_load_explicit(&sw->knob_bits[k], memory_order_relaxed)};
    return v.f;
}

Swap *swap_new(double rate, int n_ch, uint32_t fade_len, LV2_Worker_Schedule *schedule, LV2_Log_Logger *logger,
               SwapListener listener)
{
    Swap *sw = calloc(1, sizeof(Swap));
    if (!sw) return NULL;
    sw->rate = rate;
    sw->n_ch = n_ch;
    sw->fade_len = fade_len ? fade_len : 1;
    sw->schedule = schedule;
    sw->logger = logger;
    sw->listener = listener;
    atomic_init(&sw->ran, false);
    atomic_init(&sw->answer_lost, false);
    for (int k = 0; k < NN_MAX_COND; k++) atomic_init(&sw->knob_bits[k], 0u); /* the bits of 0.0f */
    atomic_init(&sw->path_seq, 0u);
    return sw;
}

void swap_free(Swap *sw)
{
    if (!sw) return;
    slot_free(sw->cur);
    slot_free(sw->old);
    slot_free(sw->next);
    if (sw->has_parked) slot_free(sw->parked);
    for (int i = 0; i < sw->n_trash; i++) slot_free(sw->trash[i]);
    free(sw);
}

/* ---- The path, published for save() ----------------------------------------------------------- */

static void path_publish(Swap *sw, const char *path)
{
    atomic_fetch_add_explicit(&sw->path_seq, 1, memory_order_acq_rel); /* odd: writing */
    size_t n = strlen(path);
    if (n >= SWAP_PATH_MAX) n = SWAP_PATH_MAX - 1;
    memcpy(sw->path, path, n);
    sw->path[n] = '\0';
    atomic_fetch_add_explicit(&sw->path_seq, 1, memory_order_release); /* even: done */
}

const char *swap_path(const Swap *sw) { return sw->path; }

void swap_path_copy(Swap *sw, char *dst)
{
    for (;;) {
        unsigned s1 = atomic_load_explicit(&sw->path_seq, memory_order_acquire);
        if (!(s1 & 1u)) {
            memcpy(dst, sw->path, SWAP_PATH_MAX);
            atomic_thread_fence(memory_order_acquire);
            if (atomic_load_explicit(&sw->path_seq, memory_order_relaxed) == s1) break;
        }
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    dst[SWAP_PATH_MAX - 1] = '\0';
}

/* ---- Slots that stop playing ------------------------------------------------------------------
 * The audio thread hands them to the worker to be freed. If the queue is full they wait in the
 * trash until the next run(). */

static void discard(Swap *sw, Slot *s)
{
    if (!s) return;
    SlotMsg msg = {MSG_FREE, true, s};
    if (schedule(sw, sizeof msg, &msg) == LV2_WORKER_SUCCESS) return;
    if (sw->n_trash < TRASH_MAX) sw->trash[sw->n_trash++] = s;
    /* else: lost (a leak, never a crash); a host whose queue stays full has stopped anyway */
}

/* A slot that stops playing: to the worker, or (by the host, which frees it when done: see
 * swap_restore_now) to the trash. Either way nothing here frees, so the code the audio thread
 * shares with the host stays real-time. */
static void drop(Swap *sw, Slot *s, Caller by)
{
    if (by == BY_AUDIO) discard(sw, s);
    else if (s && sw->n_trash < TRASH_MAX)
        sw->trash[sw->n_trash++] = s;
}

static void free_trash(Swap *sw)
{
    for (int i = 0; i < sw->n_trash; i++) slot_free(sw->trash[i]);
    sw->n_trash = 0;
}

static void empty_trash(Swap *sw)
{
    int n = sw->n_trash;
    sw->n_trash = 0;
    for (int i = 0; i < n; i++) discard(sw, sw->trash[i]);
}

/* ---- Requests (audio thread) ------------------------------------------------------------------ */

static void fill_request(Swap *sw, LoadMsg *m, bool from_run, bool prewarm)
{
    m->type = MSG_LOAD;
    m->from_run = from_run;
    m->prewarm = prewarm;
    for (int k = 0; k < NN_MAX_COND; k++) m->cond[k] = knob(sw, k);
}

/* Sends the waiting request to the worker, unless a load is already in flight: then it waits
 * for that one to answer. Requests made meanwhile replace each other, so a storm of patch:Set
 * messages costs at most two loads. */
static void send_wanted(Swap *sw)
{
    if (!sw->want || sw->loading) return;
    uint32_t size = (uint32_t)sizeof(LoadMsg) + sw->wanted.head.path_len + 1;
    memcpy(sw->req.bytes, sw->wanted.bytes, size);
    fill_request(sw, &sw->req.head, true, atomic_load_explicit(&sw->ran, memory_order_relaxed));
    /* Set before scheduling: a host that runs the worker synchronously (while exporting) calls
     * work_response() from inside schedule_work(). */
    sw->loading = true;
    sw->want = false;
    if (schedule(sw, size, sw->req.bytes) != LV2_WORKER_SUCCESS) {
        sw->loading = false; /* try again at the next run() */
        sw->want = true;
    }
}

void swap_request(Swap *sw, const char *path, uint32_t len)
{
    if (len >= SWAP_PATH_MAX) {
        say_failed(sw, "model path too long");
        return;
    }
    sw->wanted.head.path_len = len;
    char *dst = (char *)(&sw->wanted.head + 1);
    memcpy(dst, path, len);
    dst[len] = '\0';
    sw->want = true;
    send_wanted(sw);
}

void swap_retry(Swap *sw)
{
    if (atomic_exchange_explicit(&sw->answer_lost, false, memory_order_acquire)) {
        /* the request in flight will never be answered: without this, no request would be sent
         * again (send_wanted waits for the one in flight) */
        sw->loading = false;
        say_failed(sw, "the host's worker queue stayed full: the model was not loaded");
    }
    empty_trash(sw);
    send_wanted(sw);
}

void swap_set_knob(Swap *sw, int k, float value)
{
    union {
        float f;
        unsigned u;
    } v = {value};
    if (k >= 0 && k < NN_MAX_COND) atomic_store_explicit(&sw->knob_bits[k], v.u, memory_order_relaxed);
}

void swap_audio_ran(Swap *sw) { atomic_store_explicit(&sw->ran, true, memory_order_relaxed); }

/* ---- The worker -------------------------------------------------------------------------------
 * It loads models and frees them; it never touches what the audio thread owns. Its answers go
 * back through respond() and arrive in swap_response(), in the audio thread. */

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

/* Loads what `req` asks for (path: NUL-terminated) into an answer. */
static void load(Swap *sw, const LoadMsg *req, const char *path, Answer *a)
{
    memset(a, 0, sizeof *a);
    a->loaded.type = MSG_LOADED;
    a->loaded.from_run = req->from_run;
    if (!path[0]) return; /* no model */
    nn_error err = {NN_OK, ""};
    a->loaded.slot = slot_new(path, sw->rate, sw->n_ch, req->cond, req->prewarm, &err);
    if (!a->loaded.slot) {
        lv2_log_error(sw->logger, "rnnfx: %s\n", err.msg);
        a->failed.type = MSG_FAILED;
        a->failed.from_run = req->from_run;
        snprintf(a->failed.text, sizeof a->failed.text, "%s", err.msg);
        return;
    }
    lv2_log_note(sw->logger, "rnnfx: loaded %s\n", slot_summary(a->loaded.slot));
}

LV2_Worker_Status swap_work(Swap *sw, LV2_Worker_Respond_Function respond, LV2_Worker_Respond_Handle handle,
                            uint32_t size, const void *data)
{
    MsgType type;
    if (!data || size < sizeof type) return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&type, data, sizeof type);

    if (type == MSG_FREE && size >= sizeof(SlotMsg)) {
        SlotMsg msg;
        memcpy(&msg, data, sizeof msg);
        slot_free(msg.slot);
        return LV2_WORKER_SUCCESS;
    }
    if (type != MSG_LOAD || size < sizeof(LoadMsg)) return LV2_WORKER_ERR_UNKNOWN;
    LoadMsg req;
    memcpy(&req, data, sizeof req);
    const char *path = (const char *)data + sizeof(LoadMsg);
    if (size - sizeof(LoadMsg) < (uint64_t)req.path_len + 1 || path[req.path_len] != '\0')
        return LV2_WORKER_ERR_UNKNOWN;

    Answer a;
    load(sw, &req, path, &a);
    LV2_Worker_Status st = a.failed.type == MSG_FAILED ? respond_retry(respond, handle, sizeof a.failed, &a.failed)
                                                       : respond_retry(respond, handle, sizeof a.loaded, &a.loaded);
    if (st != LV2_WORKER_SUCCESS) {
        lv2_log_error(sw->logger, "rnnfx: the host's worker queue stays full; %s dropped\n", path);
        if (a.loaded.type == MSG_LOADED) slot_free(a.loaded.slot);
        if (req.from_run) atomic_store_explicit(&sw->answer_lost, true, memory_order_release);
        return LV2_WORKER_ERR_NO_SPACE;
    }
    return LV2_WORKER_SUCCESS;
}

/* ---- Answers (audio thread) ------------------------------------------------------------------- */

/* A new slot (or NULL: no model) starts playing. Before any audio (or from a function the host
 * never runs beside run()) it simply replaces what was there, in its initial state; while audio
 * runs it was pre-warmed by the worker, and fades in while the old one fades out. */
static void install(Swap *sw, Slot *s, Caller by)
{
    path_publish(sw, s ? slot_path(s) : "");
    say_installed(sw, s);

    if (by == BY_HOST || !atomic_load_explicit(&sw->ran, memory_order_relaxed)) {
        drop(sw, sw->old, by);
        if (sw->has_next) drop(sw, sw->next, by);
        drop(sw, sw->cur, by);
        sw->cur = s;
        sw->old = sw->next = NULL;
        sw->fading = sw->has_next = false;
    } else if (sw->fading) {
        if (sw->has_next) discard(sw, sw->next);
        sw->next = s;
        sw->has_next = true;
    } else {
        sw->old = sw->cur;
        sw->cur = s;
        sw->fading = true;
        sw->fade_pos = 0;
    }
}

/* The latest request that loads wins. A model that arrives when a newer request is already
 * waiting is parked: it plays only if that newer one fails. */
static void take_answer(Swap *sw, const Answer *a, Caller by)
{
    if (a->loaded.type == MSG_LOADED) {
        const SlotMsg *msg = &a->loaded;
        if (msg->from_run) sw->loading = false;
        if (sw->has_parked) drop(sw, sw->parked, by);
        sw->has_parked = msg->from_run && sw->want;
        if (sw->has_parked) sw->parked = msg->slot;
        else
            install(sw, msg->slot, by);
    } else {
        const FailedMsg *msg = &a->failed;
        if (msg->from_run) sw->loading = false;
        /* the last good request plays after all (a restore's failure says nothing about it) */
        if (msg->from_run && sw->has_parked && !sw->want) {
            install(sw, sw->parked, by);
            sw->has_parked = false;
        }
        say_failed(sw, msg->text); /* what played goes on playing */
    }
}

LV2_Worker_Status swap_response(Swap *sw, uint32_t size, const void *data)
{
    Answer a;
    if (!data || size < sizeof(MsgType)) return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&a.loaded.type, data, sizeof(MsgType));
    if (a.loaded.type == MSG_LOADED && size >= sizeof(SlotMsg)) {
        memcpy(&a.loaded, data, sizeof a.loaded);
    } else if (a.loaded.type == MSG_FAILED && size >= sizeof(FailedMsg)) {
        memcpy(&a.failed, data, sizeof a.failed);
        a.failed.text[sizeof a.failed.text - 1] = '\0';
    } else {
        return LV2_WORKER_ERR_UNKNOWN;
    }
    take_answer(sw, &a, BY_AUDIO);
    send_wanted(sw);
    return LV2_WORKER_SUCCESS;
}

/* ---- The fade (audio thread) ------------------------------------------------------------------ */

Slot *swap_playing(const Swap *sw) { return sw->cur; }
bool swap_fading(const Swap *sw) { return sw->fading; }
Slot *swap_fading_out(const Swap *sw) { return sw->old; }

static void end_fade(Swap *sw)
{
    discard(sw, sw->old);
    sw->old = NULL;
    sw->fading = false;
    if (sw->has_next) { /* the latest arrival fades in next */
        sw->old = sw->cur;
        sw->cur = sw->next;
        sw->next = NULL;
        sw->has_next = false;
        sw->fading = true;
        sw->fade_pos = 0;
    }
}

void swap_fade_gains(Swap *sw, float *gain, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pos = sw->fade_pos + i + 1;
        gain[i] = pos >= sw->fade_len ? 1.0f : (float)pos / (float)sw->fade_len;
    }
    sw->fade_pos += n;
    if (sw->fade_pos >= sw->fade_len) end_fade(sw);
}

void swap_set_cond(Swap *sw, int k, float value)
{
    if (sw->cur) slot_set_cond(sw->cur, k, value);
    if (sw->old) slot_set_cond(sw->old, k, value);
    if (sw->has_next && sw->next) slot_set_cond(sw->next, k, value); /* or it would start stale */
}

void swap_reset(Swap *sw)
{
    if (sw->cur) slot_reset(sw->cur);
    if (sw->old) slot_reset(sw->old);
    if (sw->has_next && sw->next) slot_reset(sw->next);
}

void swap_activate(Swap *sw)
{
    if (sw->fading) { /* finish an interrupted swap at once */
        slot_free(sw->old);
        sw->old = NULL;
        sw->fading = false;
        if (sw->has_next) {
            slot_free(sw->cur);
            sw->cur = sw->next;
            sw->next = NULL;
            sw->has_next = false;
        }
    }
    if (sw->cur) slot_reset(sw->cur);
    atomic_store_explicit(&sw->ran, false, memory_order_relaxed);
}

/* ---- restore() -------------------------------------------------------------------------------- */

/* A MSG_LOAD for `path` from restore(), in a buffer of its own (freed by the caller). */
static LoadMsg *restore_request(Swap *sw, const char *path, bool prewarm, uint32_t *size)
{
    size_t len = strlen(path);
    if (len >= SWAP_PATH_MAX) return NULL;
    LoadMsg *req = malloc(sizeof(LoadMsg) + len + 1);
    if (!req) return NULL;
    fill_request(sw, req, false, prewarm);
    req->path_len = (uint32_t)len;
    memcpy(req + 1, path, len + 1);
    *size = (uint32_t)(sizeof(LoadMsg) + len + 1);
    return req;
}

bool swap_restore(Swap *sw, const char *path, LV2_Worker_Schedule *schedule)
{
    /* Restored while playing, it will fade in: prewarmed. */
    uint32_t size = 0;
    LoadMsg *req = restore_request(sw, path, atomic_load_explicit(&sw->ran, memory_order_relaxed), &size);
    bool ok = req && schedule->schedule_work(schedule->handle, size, req) == LV2_WORKER_SUCCESS;
    free(req);
    return ok;
}

bool swap_restore_now(Swap *sw, const char *path)
{
    /* What the worker would do, then what the audio thread would do with its answer - but
     * the model replaces the old one at once, in its initial state. */
    uint32_t size = 0;
    LoadMsg *req = restore_request(sw, path, false, &size);
    if (!req) return false;
    Answer a;
    load(sw, req, (const char *)(req + 1), &a);
    free_trash(sw); /* room for what the answer replaces (four slots at most) */
    take_answer(sw, &a, BY_HOST);
    free_trash(sw);
    free(req);
    return true;
}
