/*
 * test_swap.c - the model swap (plugin/swap.c) on its own, without a host or a model file.
 *
 * The swap is linked with fakes of what it talks to:
 *   - slots (slot.h): slot_new makes a named token (a path containing "bad" fails), slot_free
 *     marks it freed and notes who freed it - the audio thread, the worker or the host;
 *   - the host's worker: schedule_work queues the message (or refuses, when the test says the
 *     queue is full); the test decides when the worker works and when its answers arrive.
 * Each scenario is a table of steps - requests, work, answers, runs, fades, restores, activate -
 * and after each step the test checks which model plays (and which fades out), the path the
 * swap reports, what it told the plugin, which slots were freed and by whom, and how many
 * messages wait for the worker. Every step also checks that nothing playing was freed, and every
 * scenario ends with every slot freed exactly once.
 *
 * The expected values are what the contract in swap.h says, worked out by hand.
 */
#include "check.h"
#include "slot.h"
#include "swap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FADE_LEN 4 /* samples: a fade ends in one or two steps */

/* ---- Fake slots -------------------------------------------------------------------------------- */

struct Slot {
    char path[64];
    bool prewarm;
    float cond[NN_MAX_COND];
    int resets;
    bool freed;
};

#define POOL 64
static Slot pool[POOL]; /* never really freed: a double free or a use after free shows */
static int n_made;
static const char *who = "test"; /* who is calling the swap now: audio, worker, host, restore */
static char log_freed[512], log_said[512], log_reset[256], log_bad[512];

static void append(char *dst, size_t cap, const char *fmt, ...)
{
    size_t n = strlen(dst);
    if (n && n + 1 < cap) dst[n++] = ' ', dst[n] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst + n, cap - n, fmt, ap);
    va_end(ap);
}

Slot *slot_new(const char *path, double host_rate, int n_ch, const float *cond, bool prewarm, nn_error *err)
{
    (void)host_rate, (void)n_ch;
    if (strcmp(who, "worker") && strcmp(who, "host")) append(log_bad, sizeof log_bad, "slot_new(%s) by %s", path, who);
    if (strstr(path, "bad") || n_made == POOL) {
        err->status = NN_ERR_IO;
        snprintf(err->msg, sizeof err->msg, "%s: cannot open", path);
        return NULL;
    }
    Slot *s = &pool[n_made++];
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    s->prewarm = prewarm;
    memcpy(s->cond, cond, sizeof s->cond);
    return s;
}

void slot_free(Slot *s)
{
    if (!s) return;
    if (s->freed) append(log_bad, sizeof log_bad, "%s freed twice (by %s)", s->path, who);
    if (!strcmp(who, "audio") || !strcmp(who, "restore"))
        append(log_bad, sizeof log_bad, "%s freed by %s", s->path, who);
    s->freed = true;
    append(log_freed, sizeof log_freed, "%s@%s", s->path, who);
}

const char *slot_path(const Slot *s) { return s->path; }
const char *slot_summary(const Slot *s) { return s->path; }
uint32_t slot_latency(const Slot *s) { return (void)s, 0; }
int slot_num_cond(const Slot *s) { return (void)s, NN_MAX_COND; }
void slot_set_cond(Slot *s, int k, float value) { s->cond[k] = value; }
void slot_run(Slot *s, const float *const *in, float *const *out, uint32_t n) { (void)s, (void)in, (void)out, (void)n; }
void slot_reset(Slot *s)
{
    s->resets++;
    append(log_reset, sizeof log_reset, "%s", s->path);
}

/* ---- The fake host: a worker queue and an answer queue ---------------------------------------- */

#define QUEUE 32
#define MSG_MAX 8192
typedef struct {
    unsigned char bytes[QUEUE][MSG_MAX];
    uint32_t size[QUEUE];
    int head, len;
} Queue;

static Queue jobs, answers;
static bool jobs_full, answers_full;
static bool nested; /* work() inside schedule_work(), work_response() inside respond() (Ardour export) */
static Swap *sw;

static bool push(Queue *q, uint32_t size, const void *data)
{
    if (q->len == QUEUE || size > MSG_MAX) return false;
    int at = (q->head + q->len++) % QUEUE;
    memcpy(q->bytes[at], data, size);
    q->size[at] = size;
    return true;
}

/* The first message of q, in a buffer of its own size (so that an over-read shows under ASan). */
static void *pop(Queue *q, uint32_t *size)
{
    if (!q->len) return NULL;
    *size = q->size[q->head];
    void *m = malloc(*size);
    memcpy(m, q->bytes[q->head], *size);
    q->head = (q->head + 1) % QUEUE;
    q->len--;
    return m;
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    (void)handle;
    if (answers_full) return LV2_WORKER_ERR_NO_SPACE;
    if (nested) {
        const char *was = who;
        who = "audio";
        LV2_Worker_Status st = swap_response(sw, size, data);
        who = was;
        return st;
    }
    return push(&answers, size, data) ? LV2_WORKER_SUCCESS : LV2_WORKER_ERR_NO_SPACE;
}

static LV2_Worker_Status schedule_work(LV2_Worker_Schedule_Handle handle, uint32_t size, const void *data)
{
    (void)handle;
    if (jobs_full) return LV2_WORKER_ERR_NO_SPACE;
    if (nested) {
        const char *was = who;
        who = "worker";
        LV2_Worker_Status st = swap_work(sw, respond, NULL, size, data);
        who = was;
        return st;
    }
    return push(&jobs, size, data) ? LV2_WORKER_SUCCESS : LV2_WORKER_ERR_NO_SPACE;
}

static LV2_Worker_Schedule schedule = {NULL, schedule_work};         /* run()'s */
static LV2_Worker_Schedule restore_schedule = {NULL, schedule_work}; /* restore()'s */

static void do_work(int max)
{
    const char *was = who;
    who = "worker";
    uint32_t size;
    void *m;
    for (int i = 0; i < max && (m = pop(&jobs, &size)); i++) {
        CHECK(swap_work(sw, respond, NULL, size, m) == LV2_WORKER_SUCCESS, "work() refused a message");
        free(m);
    }
    who = was;
}

static void do_answers(void)
{
    const char *was = who;
    who = "audio";
    uint32_t size;
    void *m;
    while ((m = pop(&answers, &size))) {
        CHECK(swap_response(sw, size, m) == LV2_WORKER_SUCCESS, "work_response() refused an answer");
        free(m);
    }
    who = was;
}

/* ---- What the swap tells the plugin ------------------------------------------------------------ */

static void on_installed(void *ctx, Slot *s)
{
    (void)ctx;
    append(log_said, sizeof log_said, "+%s", s ? s->path : "-");
    if (s && s->freed) append(log_bad, sizeof log_bad, "installed %s, freed", s->path);
}

static void on_failed(void *ctx, const char *why)
{
    (void)ctx;
    append(log_said, sizeof log_said, "!%s", why);
}

/* ---- Steps ------------------------------------------------------------------------------------- */

typedef enum {
    REQ,         /* audio: a patch:Set of arg ("" unsets) */
    REQ_LONG,    /* audio: a patch:Set of a path longer than SWAP_PATH_MAX */
    WORK,        /* worker: every message waiting */
    WORK1,       /* worker: the first message waiting */
    ANSWER,      /* audio: every answer waiting (work_response) */
    RUN,         /* audio: a run() with audio (swap_retry, then swap_audio_ran) */
    RUN0,        /* audio: a run() of 0 samples (swap_retry only) */
    FADE,        /* audio: a chunk of arg samples (swap_fade_gains); `gain`: the chunk's last */
    KNOB,        /* audio: knob 0 at arg (swap_set_knob) */
    FULL,        /* the worker's queue refuses messages (arg "1") or takes them again ("0") */
    RESTORE,     /* restore(), another thread, with the worker: arg */
    RESTORE_NOW, /* restore() without a worker (host): arg */
    ACTIVATE,    /* host: deactivate() + activate() */
    CUT_JOB,     /* worker: the first message waiting, cut to arg bytes ("-1": one short); refused */
    CUT_ANSWER,  /* audio: the first answer waiting, cut likewise; refused */
    END
} Op;

typedef struct {
    Op op;
    const char *arg;
    const char *plays; /* "a": a plays; "a>b": a fades out, b in; "-": none; "b*": b prewarmed */
    const char *path;  /* swap_path */
    const char *said;  /* what the listener heard during the step: "+a" installed, "!why" failed */
    const char *freed; /* slots freed during the step: "a@worker" ... */
    const char *reset; /* slots reset during the step */
    int jobs;          /* messages waiting for the worker after the step, + 1 (0: not checked) */
    float gain;        /* FADE: the incoming model's gain at the chunk's last sample */
    int made;          /* slots made so far, + 1 (0: not checked) */
} Step;

typedef struct {
    const char *name;
    bool nested;
    Step steps[40];
} Scenario;

/* A step names what it checks; what it leaves out is not checked (or, for said/freed/reset,
 * must be nothing). */
/* clang-format off: one step a line, as a table */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define J(n) .jobs = (n) + 1
#define M(n) .made = (n) + 1
/* A model loaded and answered, from nothing, before any audio. */
#define LOAD_A \
    {REQ, "a", J(1)}, {WORK, NULL, J(0)}, { ANSWER, NULL, "a", "a", "+a", M(1) }

static const Scenario scenarios[] = {
    {"load before audio: replaces at once, the old one freed by the worker",
     false,
     {{REQ, "a", "-", "", J(1)},
      {WORK, NULL, "-", "", J(0)},
      {ANSWER, NULL, "a", "a", "+a", J(0)},
      {REQ, "b", "a", "a", J(1)},
      {WORK, NULL, J(0)},
      {ANSWER, NULL, "b", "b", "+b", J(1)},
      {WORK, NULL, "b", "b", "", "a@worker", J(0)},
      {REQ, "", J(1)},
      {WORK, NULL, J(0)},
      {ANSWER, NULL, "-", "", "+-", J(1)},
      {WORK, NULL, "-", "", "", "b@worker", J(0), M(2)},
      {END}}},
    {"load while audio runs: prewarmed, fades in, the old one freed at the fade's end",
     false,
     {LOAD_A,
      {RUN, NULL, "a", J(0)},
      {REQ, "b", J(1)},
      {WORK, NULL, "a", "a", J(0)},
      {ANSWER, NULL, "a>b*", "b", "+b", J(0)},
      {FADE, "2", "a>b*", "b", .gain = 0.5f, J(0)},
      {FADE, "1", "a>b*", "b", .gain = 0.75f, J(0)},
      {FADE, "2", "b*", "b", .gain = 1.0f, J(1)},
      {WORK, NULL, "b*", "b", "", "a@worker", J(0)},
      {REQ, "", J(1)},
      {WORK, NULL, J(0)},
      {ANSWER, NULL, "b*>-", "", "+-", J(0)},
      {FADE, "8", "-", "", .gain = 1.0f, J(1)},
      {WORK, NULL, "-", "", "", "b@worker", J(0)},
      {END}}},
    {"arrivals during a fade: the latest waits, the others go to the worker",
     false,
     {LOAD_A,
      {RUN, NULL},
      {REQ, "b"},
      {WORK},
      {ANSWER, NULL, "a>b*", "b", "+b"},
      {REQ, "c"},
      {WORK},
      {ANSWER, NULL, "a>b*", "c", "+c", J(0)},
      {REQ, "d"},
      {WORK},
      {ANSWER, NULL, "a>b*", "d", "+d", J(1)},
      {WORK, NULL, "a>b*", "d", "", "c@worker", J(0)},
      {FADE, "4", "b*>d*", "d", .gain = 1.0f, J(1)},
      {WORK, NULL, "b*>d*", "d", "", "a@worker"},
      {FADE, "3", "b*>d*", "d", .gain = 0.75f, J(0)},
      {FADE, "3", "d*", "d", .gain = 1.0f, J(1)},
      {WORK, NULL, "d*", "d", "", "b@worker", J(0), M(4)},
      {END}}},
    {"load while loading: the latest request wins, the one between is never loaded",
     false,
     {{RUN, NULL},
      {REQ, "a", "-", "", J(1)},
      {REQ, "b", "-", "", J(1)},
      {REQ, "c", "-", "", J(1)},
      {WORK, NULL, "-", "", J(0), M(1)},
      /* a arrives while c waits: parked, and c goes to the worker */
      {ANSWER, NULL, "-", "", "", J(1)},
      {WORK, NULL, J(0), M(2)},
      {ANSWER, NULL, "->c*", "c", "+c", J(1)},
      {WORK, NULL, "->c*", "c", "", "a@worker", J(0), M(2)},
      {END}}},
    {"the newer request fails: the parked model plays after all",
     false,
     {{RUN, NULL},
      {REQ, "a", J(1)},
      {REQ, "bad", J(1)},
      {WORK, NULL, J(0), M(1)},
      {ANSWER, NULL, "-", "", "", J(1)},
      {WORK, NULL, J(0)},
      {ANSWER, NULL, "->a*", "a", "+a !bad: cannot open", J(0)},
      {END}}},
    {"a parked model is freed when a newer one arrives",
     false,
     {{RUN, NULL},
      {REQ, "a"},
      {REQ, "b", J(1)},
      {WORK, NULL, J(0)},
      {ANSWER, NULL, "-", "", "", J(1)}, /* a parked, b loading */
      {REQ, "c", J(1)},                  /* c waits for b */
      {WORK, NULL, J(0)},
      {ANSWER, NULL, "-", "", "", J(2)}, /* b parked, a to the worker, c loading */
      {WORK1, NULL, "-", "", "", "a@worker", J(1)},
      {WORK, NULL, J(0)},
      {ANSWER, NULL, "->c*", "c", "+c", J(1)},
      {WORK, NULL, "->c*", "c", "", "b@worker", J(0), M(3)},
      {END}}},
    {"the newer request fails while a still newer one waits: that one is sent, the parked one waits",
     false,
     {{RUN, NULL},
      {REQ, "a"},
      {REQ, "bad", J(1)},
      {WORK, NULL, J(0)},
      {ANSWER, NULL, "-", "", "", J(1)}, /* a parked, bad loading */
      {REQ, "c", J(1)},                  /* c waits for bad */
      {WORK, NULL, J(0)},
      {ANSWER, NULL, "-", "", "!bad: cannot open", J(1)}, /* a still parked, c loading */
      {WORK, NULL, J(0)},
      {ANSWER, NULL, "->c*", "c", "+c", J(1)},
      {WORK, NULL, "->c*", "c", "", "a@worker", J(0), M(2)},
      {END}}},
    {"a file that fails to load: what played goes on playing",
     false,
     {LOAD_A,
      {RUN, NULL},
      {REQ, "bad", J(1)},
      {WORK, NULL, "a", "a", "", "", J(0), M(1)},
      {ANSWER, NULL, "a", "a", "!bad: cannot open", J(0)},
      {REQ_LONG, NULL, "a", "a", "!model path too long", J(0)},
      {END}}},
    {"the worker's queue is full: requests and old slots wait for the next run",
     false,
     {{FULL, "1"},
      {REQ, "a", "-", "", J(0)},
      {RUN0, NULL, "-", "", J(0)},
      {FULL, "0"},
      {RUN0, NULL, "-", "", J(1)},
      {WORK, NULL, J(0)},
      {ANSWER, NULL, "a", "a", "+a"},
      {RUN, NULL},
      {REQ, "b", J(1)},
      {WORK, NULL, J(0)},
      {FULL, "1"},
      {ANSWER, NULL, "a>b*", "b", "+b", J(0)},
      {FADE, "4", "b*", "b", .gain = 1.0f, J(0)}, /* a goes to the trash */
      {RUN, NULL, "b*", "b", J(0)},
      {FULL, "0"},
      {RUN0, NULL, "b*", "b", J(1)},
      {WORK, NULL, "b*", "b", "", "a@worker", J(0)},
      /* before audio, the replaced model waits in the trash too */
      {ACTIVATE, NULL, "b*", "b", .reset = "b"},
      {REQ, "c", J(1)},
      {WORK, NULL, J(0)},
      {FULL, "1"},
      {ANSWER, NULL, "c", "c", "+c", J(0)},
      {FULL, "0"},
      {RUN, NULL, "c", "c", J(1)},
      {WORK, NULL, "c", "c", "", "b@worker", J(0)},
      {END}}},
    {"restore with the worker: like a request, prewarmed once audio runs, with the knobs",
     false,
     {{RESTORE, "a", "-", "", J(1)},
      {WORK, NULL, J(0)},
      {ANSWER, NULL, "a", "a", "+a", J(0)},
      {RUN, NULL},
      {KNOB, "0.5"},
      {RESTORE, "b", "a", "a", J(1)},
      {WORK, NULL, J(0)},
      {ANSWER, NULL, "a>b*", "b", "+b", J(0)},
      {FADE, "4", "b*", "b", .gain = 1.0f, J(1)},
      {WORK, NULL, "b*", "b", "", "a@worker"},
      {RESTORE, "", J(1)},
      {WORK},
      {ANSWER, NULL, "b*>-", "", "+-"},
      {RESTORE, "bad", J(1)},
      {WORK},
      {ANSWER, NULL, "b*>-", "", "!bad: cannot open"},
      {END}}},
    {"a restore that fails while requests load: the parked model still waits for them",
     false,
     {{RUN, NULL},
      {REQ, "a"},
      {REQ, "b", J(1)},
      {WORK, NULL, J(0)},
      {RESTORE, "bad", J(1)},
      {ANSWER, NULL, "-", "", "", J(2)}, /* a parked, b loading after the restore */
      {WORK1, NULL, J(1)},
      {ANSWER, NULL, "-", "", "!bad: cannot open", J(1)},
      {WORK, NULL, J(0)},
      {ANSWER, NULL, "->b*", "b", "+b", J(1)},
      {WORK, NULL, "->b*", "b", "", "a@worker", J(0), M(2)},
      {END}}},
    {"restore without a worker: loads in place, replaces at once, frees at once",
     false,
     {LOAD_A,
      {RUN, NULL},
      {REQ, "b"},
      {WORK},
      {ANSWER, NULL, "a>b*", "b", "+b"},
      {REQ, "c"},
      {WORK},
      {ANSWER, NULL, "a>b*", "c", "+c", J(0)},
      {RESTORE_NOW, "d", "d", "d", "+d", "a@host c@host b@host", J(0)},
      {RESTORE_NOW, "bad", "d", "d", "!bad: cannot open", "", J(0)},
      {RESTORE_NOW, "", "-", "", "+-", "d@host", J(0)},
      {RESTORE_NOW, "e", "e", "e", "+e", "", J(0), M(5)},
      {END}}},
    {"activate: a fade ends at once, the model starts over, the next load replaces at once",
     false,
     {LOAD_A,
      {RUN, NULL},
      {REQ, "b"},
      {WORK},
      {ANSWER, NULL, "a>b*", "b", "+b"},
      {REQ, "c"},
      {WORK},
      {ANSWER, NULL, "a>b*", "c", "+c", J(0)},
      {ACTIVATE, NULL, "c*", "c", "", "a@host b@host", "c", J(0)},
      {REQ, "d"},
      {WORK},
      {ANSWER, NULL, "d", "d", "+d", J(1)},
      {WORK, NULL, "d", "d", "", "c@worker"},
      {ACTIVATE, NULL, "d", "d", "", "", "d"},
      {RUN, NULL},
      {ACTIVATE, NULL, "d", "d", "", "", "d"},
      {REQ, "e"},
      {WORK},
      {ANSWER, NULL, "e", "e", "+e", J(1)}, /* no audio since activate */
      {END}}},
    {"rapid swaps, worker nested in schedule_work (a host exporting)",
     true,
     {{REQ, "a", "a", "a", "+a", J(0)},
      {RUN, NULL},
      {REQ, "b", "a>b*", "b", "+b", J(0)},
      {REQ, "c", "a>b*", "c", "+c", J(0)},
      {REQ, "d", "a>b*", "d", "+d", "c@worker", J(0)},
      {REQ, "bad", "a>b*", "d", "!bad: cannot open", J(0)},
      {REQ, "e", "a>b*", "e", "+e", "d@worker", J(0)},
      {FADE, "4", "b*>e*", "e", "", "a@worker", .gain = 1.0f},
      {REQ, "", "b*>e*", "", "+-", ""}, /* none waits: e fades in, then out */
      {FADE, "4", "e*>-", "", "", "b@worker", .gain = 1.0f},
      {FADE, "4", "-", "", "", "e@worker", .gain = 1.0f, M(5)},
      {END}}},
    {"messages cut short, or of a foreign kind, are refused and change nothing",
     false,
     {{REQ, "a", J(1)},
      {CUT_JOB, "-1", "-", "", J(1)}, /* the path's NUL cut off */
      {CUT_JOB, "2", "-", "", J(1)},  /* not even the tag */
      {CUT_JOB, "0", "-", "", J(1)},
      {WORK, NULL, "-", "", J(0), M(1)}, /* the whole message is fine */
      {CUT_ANSWER, "-1", "-", ""},
      {CUT_ANSWER, "2", "-", ""},
      {CUT_ANSWER, "0", "-", ""},
      {ANSWER, NULL, "a", "a", "+a"},
      {END}}},
};
#pragma GCC diagnostic pop
/* clang-format on */

static void describe(char *dst, size_t cap)
{
    Slot *cur = swap_playing(sw), *old = swap_fading_out(sw);
    char a[80] = "", b[80];
    if (swap_fading(sw)) snprintf(a, sizeof a, "%s%s>", old ? old->path : "-", old && old->prewarm ? "*" : "");
    snprintf(b, sizeof b, "%s%s", cur ? cur->path : "-", cur && cur->prewarm ? "*" : "");
    snprintf(dst, cap, "%s%s", a, b);
    if ((cur && cur->freed) || (old && old->freed)) append(log_bad, sizeof log_bad, "a freed slot plays");
}

static void step(const Step *st)
{
    float gains[64] = {0};
    int n = st->arg ? atoi(st->arg) : 0;
    switch (st->op) {
    case REQ:
        who = "audio";
        swap_request(sw, st->arg, (uint32_t)strlen(st->arg));
        break;
    case REQ_LONG: {
        static char lng[SWAP_PATH_MAX + 10];
        memset(lng, 'x', sizeof lng);
        who = "audio";
        swap_request(sw, lng, (uint32_t)sizeof lng);
        break;
    }
    case WORK: do_work(QUEUE); break;
    case WORK1: do_work(1); break;
    case ANSWER: do_answers(); break;
    case RUN:
        who = "audio";
        swap_retry(sw);
        swap_audio_ran(sw);
        break;
    case RUN0:
        who = "audio";
        swap_retry(sw);
        break;
    case FADE:
        who = "audio";
        swap_fade_gains(sw, gains, (uint32_t)n);
        break;
    case KNOB:
        who = "audio";
        swap_set_knob(sw, 0, (float)atof(st->arg));
        break;
    case FULL: jobs_full = n != 0; break;
    case RESTORE:
        who = "restore";
        CHECK(swap_restore(sw, st->arg, &restore_schedule), "restore %s", st->arg);
        break;
    case RESTORE_NOW:
        who = "host";
        CHECK(swap_restore_now(sw, st->arg), "restore %s", st->arg);
        break;
    case ACTIVATE:
        who = "host";
        swap_activate(sw);
        break;
    case CUT_JOB:
    case CUT_ANSWER: { /* the first message waiting, cut (it stays in the queue, whole) */
        Queue *q = st->op == CUT_JOB ? &jobs : &answers;
        CHECK(q->len > 0, "nothing to cut");
        if (!q->len) break;
        uint32_t size = q->size[q->head], cut = n < 0 ? size - 1 : (uint32_t)n;
        unsigned char *m = malloc(size), *c = malloc(cut ? cut : 1); /* c: exactly `cut` bytes */
        memcpy(m, q->bytes[q->head], size);
        memcpy(c, m, cut);
        LV2_Worker_Status rc;
        who = st->op == CUT_JOB ? "worker" : "audio";
        if (st->op == CUT_JOB) rc = swap_work(sw, respond, NULL, cut, cut ? c : NULL);
        else
            rc = swap_response(sw, cut, cut ? c : NULL);
        free(c);
        CHECK(rc == LV2_WORKER_ERR_UNKNOWN, "a message of %u bytes (of %u) was taken", cut, size);
        if (st->op == CUT_JOB && size > 1) { /* whole, but the path's NUL is not one */
            m[size - 1] = 'x';
            CHECK(swap_work(sw, respond, NULL, size, m) == LV2_WORKER_ERR_UNKNOWN, "a path without its NUL taken");
            m[size - 1] = '\0';
        }
        m[0] ^= 0x55; /* the same bytes, but a tag neither side knows */
        CHECK(swap_work(sw, respond, NULL, size, m) == LV2_WORKER_ERR_UNKNOWN, "a foreign tag taken by work()");
        CHECK(swap_response(sw, size, m) == LV2_WORKER_ERR_UNKNOWN, "a foreign tag taken by work_response()");
        free(m);
        break;
    }
    case END: break;
    }
    who = "test";
    if (st->op == FADE)
        CHECK(gains[n - 1] == st->gain, "the fade's gain at the chunk's end: %g, not %g", gains[n - 1], st->gain);
}

/* A new swap for one test: empty queues, nothing made, the worker nested or not. */
static LV2_Log_Logger no_logger = {NULL, 0, 0, 0, 0}; /* no log: the swap's notes go to stderr */
static Swap *fresh_swap(bool nest, int n_ch, SwapListener listener)
{
    memset(&jobs, 0, sizeof jobs);
    memset(&answers, 0, sizeof answers);
    jobs_full = answers_full = false;
    nested = nest;
    n_made = 0;
    return swap_new(48000.0, n_ch, FADE_LEN, &schedule, &no_logger, listener);
}

static void run_scenario(const Scenario *sc)
{
    log_bad[0] = '\0';
    sw = fresh_swap(sc->nested, 1, (SwapListener){NULL, on_installed, on_failed});
    CHECK(sw != NULL, "swap_new");
    if (!sw) return;
    printf("- %s\n", sc->name);

    for (int i = 0; sc->steps[i].op != END; i++) {
        const Step *st = &sc->steps[i];
        log_freed[0] = log_said[0] = log_reset[0] = '\0';
        step(st);
        char plays[200];
        describe(plays, sizeof plays);
        const char *said = st->said ? st->said : "", *freed = st->freed ? st->freed : "";
        const char *reset = st->reset ? st->reset : "";
        if (st->plays)
            CHECK(!strcmp(plays, st->plays), "%s, step %d: plays '%s', not '%s'", sc->name, i, plays, st->plays);
        if (st->path)
            CHECK(!strcmp(swap_path(sw), st->path), "%s, step %d: path '%s', not '%s'", sc->name, i, swap_path(sw),
                  st->path);
        CHECK(!strcmp(log_said, said), "%s, step %d: said '%s', not '%s'", sc->name, i, log_said, said);
        CHECK(!strcmp(log_freed, freed), "%s, step %d: freed '%s', not '%s'", sc->name, i, log_freed, freed);
        CHECK(!strcmp(log_reset, reset), "%s, step %d: reset '%s', not '%s'", sc->name, i, log_reset, reset);
        if (st->jobs)
            CHECK(jobs.len == st->jobs - 1, "%s, step %d: %d jobs, not %d", sc->name, i, jobs.len, st->jobs - 1);
        if (st->made)
            CHECK(n_made == st->made - 1, "%s, step %d: %d slots made, not %d", sc->name, i, n_made, st->made - 1);
        CHECK(!log_bad[0], "%s, step %d: %s", sc->name, i, log_bad);
        log_bad[0] = '\0';
    }

    /* The host lets the worker finish, then cleanup(): every slot freed once, none twice. */
    jobs_full = false;
    while (jobs.len || answers.len) {
        do_work(QUEUE);
        do_answers();
    }
    who = "host";
    swap_free(sw);
    sw = NULL;
    who = "test";
    for (int i = 0; i < n_made; i++) CHECK(pool[i].freed, "%s: %s never freed", sc->name, pool[i].path);
    CHECK(!log_bad[0], "%s, at the end: %s", sc->name, log_bad);
}

/* The knobs reach what is loaded (its states settle with them) and what plays; a reset reaches
 * every model that plays or waits. */
static void test_knobs_and_reset(void)
{
    printf("- knobs and reset\n");
    sw = fresh_swap(true, 2, (SwapListener){0});
    who = "audio";
    swap_set_knob(sw, 1, 0.25f);
    swap_request(sw, "a", 1);
    CHECK(n_made == 1 && pool[0].cond[1] == 0.25f && pool[0].cond[0] == 0.0f, "a: loaded with knob 1 at 0.25");
    swap_audio_ran(sw);
    swap_set_knob(sw, 1, 0.75f);
    swap_request(sw, "b", 1);
    swap_request(sw, "c", 1);
    CHECK(n_made == 3 && pool[1].cond[1] == 0.75f && pool[2].cond[1] == 0.75f && pool[1].prewarm,
          "b, c: loaded with 0.75, prewarmed");
    swap_set_knob(sw, 1, 0.125f);
    who = "restore";
    CHECK(swap_restore(sw, "r", &restore_schedule) && n_made == 4 && pool[3].cond[1] == 0.125f && pool[3].prewarm,
          "r: restored while audio runs: prewarmed, with knob 1 at 0.125");
    who = "audio";
    swap_set_cond(sw, 2, 0.5f);
    CHECK(pool[0].cond[2] == 0.5f && pool[1].cond[2] == 0.5f, "the knob reaches both models of the fade");
    CHECK(pool[3].cond[2] == 0.5f, "the knob reaches the model that waits for the fade to end");
    log_reset[0] = '\0';
    swap_reset(sw);
    CHECK(!strcmp(log_reset, "b a r"), "reset '%s', not 'b a r' (r waits: it came after c)", log_reset);
    who = "host";
    swap_free(sw);
    sw = NULL;
    who = "test";
    for (int i = 0; i < n_made; i++) CHECK(pool[i].freed, "%s never freed", pool[i].path);
}

/* The worker's answers cannot get back (the host's queue stays full): the worker frees what it
 * loaded (after trying for a second), so nothing leaks. */
static void test_answers_full(void)
{
    printf("- the answer queue stays full\n");
    sw = fresh_swap(false, 1, (SwapListener){0});
    who = "audio";
    swap_request(sw, "a", 1);
    answers_full = true;
    who = "worker";
    uint32_t size = 0;
    void *m = pop(&jobs, &size);
    log_freed[0] = '\0';
    CHECK(swap_work(sw, respond, NULL, size, m) == LV2_WORKER_ERR_NO_SPACE, "work() said it answered");
    CHECK(!strcmp(log_freed, "a@worker"), "freed '%s', not 'a@worker'", log_freed);
    free(m);
    answers_full = false;
    /* the audio thread gives that request up at its next run(), and sends the next one */
    who = "audio";
    swap_retry(sw);
    swap_request(sw, "b", 1);
    CHECK(jobs.len == 1, "after a lost answer, a new request was not sent to the worker (%d queued)", jobs.len);
    do_work(1);
    do_answers();
    const char *path = swap_path(sw);
    CHECK(path && !strcmp(path, "b"), "after a lost answer, the next model does not play: path '%s'",
          path ? path : "(none)");
    who = "host";
    swap_free(sw);
    sw = NULL;
    who = "test";
}

int main(void)
{
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) run_scenario(&scenarios[i]);
    test_knobs_and_reset();
    test_answers_full();
    return check_exit();
}
