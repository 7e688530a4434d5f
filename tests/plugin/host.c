/* host.c - the lilv test host (see host.h). */
#define _GNU_SOURCE
#include "host.h"

#include "rtwindow.h"

#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/patch/patch.h>
#include <lv2/presets/presets.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PORTS 32
#define ATOM_CAPACITY 65536
#define RING_SIZE (1u << 17)
#define MSG_MAX 16384
#define LOG_MAX (1u << 16)

/* ---- A lock-free single-producer, single-consumer ring of messages ----------------------------- */

typedef struct {
    uint8_t buf[RING_SIZE];
    atomic_uint head, tail; /* free-running byte counters */
} Ring;

static bool ring_write(Ring *r, uint32_t size, const void *data)
{
    uint32_t need = (uint32_t)sizeof(uint32_t) + size;
    unsigned head = atomic_load_explicit(&r->head, memory_order_relaxed);
    unsigned tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (RING_SIZE - (head - tail) < need || size > MSG_MAX) return false;
    for (uint32_t i = 0; i < need; i++) {
        uint8_t b = i < 4 ? (uint8_t)(size >> (8 * i)) : ((const uint8_t *)data)[i - 4];
        r->buf[(head + i) & (RING_SIZE - 1)] = b;
    }
    atomic_store_explicit(&r->head, head + need, memory_order_release);
    return true;
}

/* Reads one message into `out` (MSG_MAX bytes); returns its size, or -1 if empty. */
static long ring_read(Ring *r, void *out)
{
    unsigned tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    unsigned head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (head == tail) return -1;
    uint32_t size = 0;
    for (uint32_t i = 0; i < 4; i++) size |= (uint32_t)r->buf[(tail + i) & (RING_SIZE - 1)] << (8 * i);
    for (uint32_t i = 0; i < size; i++) ((uint8_t *)out)[i] = r->buf[(tail + 4 + i) & (RING_SIZE - 1)];
    atomic_store_explicit(&r->tail, tail + 4 + size, memory_order_release);
    return (long)size;
}

static bool ring_empty(Ring *r)
{
    return atomic_load_explicit(&r->head, memory_order_acquire) == atomic_load_explicit(&r->tail, memory_order_acquire);
}

/* ---- The host ---------------------------------------------------------------------------------- */

/* This thread is in the real-time window (the worker thread logs freely meanwhile). */
static __thread bool in_rt;

typedef struct {
    const LilvPort *port;
    const char *symbol;
    bool audio, control, atom, input;
    float value;            /* control ports */
    LV2_Atom_Sequence *seq; /* atom ports */
} Port;

struct Host {
    LilvWorld *world;
    const LilvPlugin *plugin;
    LilvInstance *instance;
    const LV2_Worker_Interface *worker;
    WorkerMode mode;
    double rate;
    int n_ch;
    uint32_t n_ports;
    Port ports[MAX_PORTS];
    int audio_in[2], audio_out[2], control_in, notify_out;

    /* URID map (a mutex: the worker and restore threads may map too) */
    pthread_mutex_t map_lock;
    char **uris;
    uint32_t n_uris;
    LV2_URID_Map map;
    LV2_URID_Unmap unmap;
    LV2_URID atom_Float, atom_Int, atom_Path, atom_String, atom_URID, atom_Sequence, atom_Chunk, patch_Set, patch_Get,
        patch_property, patch_value, rnnfx_model, rnnfx_status, log_Error;

    /* Features */
    LV2_Worker_Schedule schedule, state_schedule;
    LV2_Log_Log log;
    LV2_Options_Option options[6];
    float opt_rate;
    int32_t opt_min, opt_max, opt_nominal, opt_seq;
    LV2_Feature f_map, f_unmap, f_schedule, f_log, f_options, f_bounded, f_state_schedule;
    const LV2_Feature *features[8];

    /* Worker: requests from run() and from restore(), responses to the audio thread */
    Ring *requests, *state_requests, *responses;
    pthread_t thread;
    atomic_bool stop;
    bool thread_running;
    atomic_int busy; /* the worker thread is inside work() */
    uint8_t work_buf[MSG_MAX], resp_buf[MSG_MAX];

    LV2_Atom_Forge forge;
    unsigned long rt_log_calls;

    char model_path[8192];
    char status[1024];
    unsigned loaded, errors;
    char *log_text;
    size_t log_len;
    pthread_mutex_t log_lock;
    host_log_fn log_hook;
    void *log_hook_ctx;
};

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    Host *h = handle;
    pthread_mutex_lock(&h->map_lock);
    LV2_URID id = 0;
    for (uint32_t i = 0; i < h->n_uris; i++)
        if (!strcmp(h->uris[i], uri)) id = i + 1;
    if (!id) {
        h->uris = realloc(h->uris, (h->n_uris + 1) * sizeof(char *));
        h->uris[h->n_uris++] = strdup(uri);
        id = h->n_uris;
    }
    pthread_mutex_unlock(&h->map_lock);
    return id;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle handle, LV2_URID id)
{
    Host *h = handle;
    pthread_mutex_lock(&h->map_lock);
    const char *s = id && id <= h->n_uris ? h->uris[id - 1] : NULL;
    pthread_mutex_unlock(&h->map_lock);
    return s;
}

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, va_list ap)
{
    Host *h = handle;
    (void)type;
    if (in_rt) { /* the plugin must not log from the audio thread: count it, print nothing */
        h->rt_log_calls++;
        return 0;
    }
    char line[2048];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    pthread_mutex_lock(&h->log_lock);
    size_t len = strlen(line);
    if (h->log_len + len < LOG_MAX) {
        memcpy(h->log_text + h->log_len, line, len + 1);
        h->log_len += len;
    }
    if (h->log_hook) h->log_hook(h->log_hook_ctx, line);
    pthread_mutex_unlock(&h->log_lock);
    if (getenv("RNNFX_TEST_VERBOSE")) fputs(line, stderr);
    return n;
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = log_vprintf(handle, type, fmt, ap);
    va_end(ap);
    return n;
}

/* ---- The worker -------------------------------------------------------------------------------- */

static LV2_Worker_Status respond_queue(LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    Host *h = handle;
    return ring_write(h->responses, size, data) ? LV2_WORKER_SUCCESS : LV2_WORKER_ERR_NO_SPACE;
}

/* Ardour while exporting: the response is applied at once, back in the audio thread's role. */
static LV2_Worker_Status respond_nested(LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    Host *h = handle;
    rt_resume();
    in_rt = true;
    LV2_Worker_Status st = h->worker->work_response(lilv_instance_get_handle(h->instance), size, data);
    in_rt = false;
    rt_pause();
    return st;
}

static void do_work(Host *h, LV2_Worker_Respond_Function respond, uint32_t size, const void *data)
{
    h->worker->work(lilv_instance_get_handle(h->instance), respond, h, size, data);
}

static LV2_Worker_Status schedule_work(LV2_Worker_Schedule_Handle handle, uint32_t size, const void *data)
{
    Host *h = handle;
    if (h->mode == WORKER_THREAD || h->mode == WORKER_MANUAL)
        return ring_write(h->requests, size, data) ? LV2_WORKER_SUCCESS : LV2_WORKER_ERR_NO_SPACE;
    /* Synchronous: the work is not real-time, even if it is done in the audio thread's turn. */
    bool was_rt = in_rt;
    if (was_rt) rt_pause();
    in_rt = false;
    do_work(h, h->mode == WORKER_NESTED ? respond_nested : respond_queue, size, data);
    in_rt = was_rt;
    if (was_rt) rt_resume();
    return LV2_WORKER_SUCCESS;
}

/* The schedule restore() gets: its own queue (restore runs in another thread than run()). */
static LV2_Worker_Status schedule_state_work(LV2_Worker_Schedule_Handle handle, uint32_t size, const void *data)
{
    Host *h = handle;
    if (h->mode == WORKER_THREAD)
        return ring_write(h->state_requests, size, data) ? LV2_WORKER_SUCCESS : LV2_WORKER_ERR_NO_SPACE;
    do_work(h, respond_queue, size, data);
    return LV2_WORKER_SUCCESS;
}

static void *worker_thread(void *arg)
{
    Host *h = arg;
    while (!atomic_load(&h->stop)) {
        bool did = false;
        long size;
        atomic_store(&h->busy, 1);
        while ((size = ring_read(h->requests, h->work_buf)) >= 0)
            do_work(h, respond_queue, (uint32_t)size, h->work_buf), did = true;
        while ((size = ring_read(h->state_requests, h->work_buf)) >= 0)
            do_work(h, respond_queue, (uint32_t)size, h->work_buf), did = true;
        atomic_store(&h->busy, 0);
        if (!did) {
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

void host_work(Host *h)
{
    long size;
    while ((size = ring_read(h->requests, h->work_buf)) >= 0) do_work(h, respond_queue, (uint32_t)size, h->work_buf);
}

static void deliver_responses(Host *h)
{
    long size;
    while ((size = ring_read(h->responses, h->resp_buf)) >= 0)
        h->worker->work_response(lilv_instance_get_handle(h->instance), (uint32_t)size, h->resp_buf);
}

/* ---- Ports and messages ------------------------------------------------------------------------ */

static Port *port_by_symbol(const Host *h, const char *symbol)
{
    for (uint32_t i = 0; i < h->n_ports; i++)
        if (!strcmp(h->ports[i].symbol, symbol)) return (Port *)&h->ports[i];
    return NULL;
}

void host_set(Host *h, const char *symbol, float value)
{
    Port *p = port_by_symbol(h, symbol);
    if (p && p->control) p->value = value;
    else
        fprintf(stderr, "host: no control port '%s'\n", symbol);
}

float host_get(const Host *h, const char *symbol)
{
    const Port *p = port_by_symbol(h, symbol);
    return p && p->control ? p->value : NAN;
}

static void seq_clear_input(Host *h, LV2_Atom_Sequence *seq)
{
    seq->atom.type = h->atom_Sequence;
    seq->atom.size = sizeof(LV2_Atom_Sequence_Body);
    seq->body.unit = 0;
    seq->body.pad = 0;
}

/* Appends an event to the control input (outside the real-time window). */
static void control_append(Host *h, const LV2_Atom *atom)
{
    LV2_Atom_Sequence *seq = h->ports[h->control_in].seq;
    LV2_Atom_Event *ev = lv2_atom_sequence_end(&seq->body, seq->atom.size);
    uint32_t total = (uint32_t)sizeof(LV2_Atom_Event) + atom->size;
    if (seq->atom.size + lv2_atom_pad_size(total) > ATOM_CAPACITY - sizeof(LV2_Atom)) {
        fprintf(stderr, "host: control port full\n");
        return;
    }
    ev->time.frames = 0;
    memcpy(&ev->body, atom, sizeof(LV2_Atom) + atom->size);
    seq->atom.size += lv2_atom_pad_size(total);
}

void host_send_model(Host *h, const char *path)
{
    uint8_t buf[MSG_MAX];
    LV2_Atom_Forge_Frame frame;
    lv2_atom_forge_set_buffer(&h->forge, buf, sizeof buf);
    LV2_Atom *atom = (LV2_Atom *)lv2_atom_forge_object(&h->forge, &frame, 0, h->patch_Set);
    lv2_atom_forge_key(&h->forge, h->patch_property);
    lv2_atom_forge_urid(&h->forge, h->rnnfx_model);
    lv2_atom_forge_key(&h->forge, h->patch_value);
    lv2_atom_forge_path(&h->forge, path, (uint32_t)strlen(path) + 1);
    lv2_atom_forge_pop(&h->forge, &frame);
    control_append(h, atom);
}

void host_send_get(Host *h)
{
    uint8_t buf[256];
    LV2_Atom_Forge_Frame frame;
    lv2_atom_forge_set_buffer(&h->forge, buf, sizeof buf);
    LV2_Atom *atom = (LV2_Atom *)lv2_atom_forge_object(&h->forge, &frame, 0, h->patch_Get);
    lv2_atom_forge_pop(&h->forge, &frame);
    control_append(h, atom);
}

/* Reads the notify port after a run (outside the real-time window). */
static void read_notify(Host *h)
{
    LV2_Atom_Sequence *seq = h->ports[h->notify_out].seq;
    if (seq->atom.type != h->atom_Sequence) return;
    LV2_ATOM_SEQUENCE_FOREACH(seq, ev)
    {
        if (ev->body.type != h->forge.Object) continue;
        const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
        if (obj->body.otype != h->patch_Set) continue;
        const LV2_Atom_URID *prop = NULL;
        const LV2_Atom *value = NULL;
        lv2_atom_object_get(obj, h->patch_property, &prop, h->patch_value, &value, 0);
        if (!prop || !value) continue;
        const char *text = (const char *)LV2_ATOM_BODY_CONST(value);
        size_t len = strnlen(text, value->size);
        if (prop->body == h->rnnfx_model) {
            snprintf(h->model_path, sizeof h->model_path, "%.*s", (int)len, text);
        } else if (prop->body == h->rnnfx_status) {
            snprintf(h->status, sizeof h->status, "%.*s", (int)len, text);
            if (!strncmp(h->status, "loaded ", 7)) h->loaded++;
            if (!strncmp(h->status, "error: ", 7)) h->errors++;
        }
    }
}

void host_run(Host *h, const float *const *in, float *const *out, uint32_t n)
{
    for (int c = 0; c < h->n_ch; c++) {
        lilv_instance_connect_port(h->instance, (uint32_t)h->audio_in[c], (void *)in[c]);
        lilv_instance_connect_port(h->instance, (uint32_t)h->audio_out[c], out[c]);
    }
    LV2_Atom_Sequence *notify = h->ports[h->notify_out].seq;
    notify->atom.type = h->atom_Chunk;
    notify->atom.size = ATOM_CAPACITY - sizeof(LV2_Atom);

    rt_enter();
    in_rt = true;
    lilv_instance_run(h->instance, n);
    deliver_responses(h);
    in_rt = false;
    rt_exit();

    seq_clear_input(h, h->ports[h->control_in].seq);
    read_notify(h);
}

bool host_worker_idle(Host *h)
{
    return ring_empty(h->requests) && ring_empty(h->state_requests) && ring_empty(h->responses) &&
           !atomic_load(&h->busy);
}

void host_settle(Host *h)
{
    float dummy[2][1];
    const float *in[2] = {dummy[0], dummy[1]};
    float *out[2] = {dummy[0], dummy[1]};
    for (int i = 0; i < 100000; i++) {
        if (h->mode == WORKER_MANUAL) host_work(h);
        host_run(h, in, out, 0);
        if (host_worker_idle(h)) {
            host_run(h, in, out, 0); /* let the plugin tell what the last response changed */
            if (host_worker_idle(h)) return;
        }
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "host: the worker never became idle\n");
}

int host_load(Host *h, const char *path)
{
    unsigned loaded = h->loaded, errors = h->errors;
    host_send_model(h, path);
    host_settle(h);
    return h->loaded > loaded && h->errors == errors;
}

/* ---- State ------------------------------------------------------------------------------------- */

static const void *get_port_value(const char *symbol, void *user_data, uint32_t *size, uint32_t *type)
{
    Host *h = user_data;
    Port *p = port_by_symbol(h, symbol);
    if (!p || !p->control || !p->input) return NULL;
    *size = sizeof(float);
    *type = h->atom_Float;
    return &p->value;
}

static void set_port_value(const char *symbol, void *user_data, const void *value, uint32_t size, uint32_t type)
{
    Host *h = user_data;
    Port *p = port_by_symbol(h, symbol);
    if (p && p->control && p->input && size == sizeof(float) && type == h->atom_Float) p->value = *(const float *)value;
}

int host_save(Host *h, const char *dir)
{
    /* All four folders are the save folder: lilv 0.24.14 can delete the original of a file it
     * was told to copy or link when those folders are NULL. */
    LilvState *st = lilv_state_new_from_instance(h->plugin, h->instance, &h->map, dir, dir, dir, dir, get_port_value, h,
                                                 LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, h->features);
    if (!st) return -1;
    int r = lilv_state_save(h->world, &h->map, &h->unmap, st, NULL, dir, "state.ttl");
    lilv_state_free(st);
    return r;
}

int host_restore(Host *h, const char *dir, bool via_worker)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/state.ttl", dir);
    LilvState *st = lilv_state_new_from_file(h->world, &h->map, NULL, path);
    if (!st) return -1;
    const LV2_Feature *features[] = {&h->f_map, &h->f_unmap, &h->f_log, via_worker ? &h->f_state_schedule : NULL, NULL};
    lilv_state_restore(st, h->instance, set_port_value, h, 0, features);
    lilv_state_free(st);
    return 0;
}

/* The state of host_restore_value: one key, the model. */
typedef struct {
    Host *h;
    const void *value;
    size_t size;
    uint32_t type;
} OneValue;

static const void *retrieve_one(LV2_State_Handle handle, uint32_t key, size_t *size, uint32_t *type, uint32_t *flags)
{
    const OneValue *v = handle;
    if (key != v->h->rnnfx_model) return NULL;
    *size = v->size;
    *type = v->type;
    *flags = LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE;
    return v->value;
}

int host_restore_value(Host *h, const void *value, size_t size, const char *type_uri, bool via_worker)
{
    const LV2_State_Interface *state = lilv_instance_get_extension_data(h->instance, LV2_STATE__interface);
    if (!state) return -1;
    OneValue v = {h, value, size, map_uri(h, type_uri)};
    const LV2_Feature *features[] = {&h->f_map, &h->f_unmap, &h->f_log, via_worker ? &h->f_state_schedule : NULL, NULL};
    return (int)state->restore(lilv_instance_get_handle(h->instance), retrieve_one, &v, 0, features);
}

/* ---- Presets ----------------------------------------------------------------------------------- */

static void node_free(LilvNode *n) { lilv_node_free(n); }

static LilvNodes *presets(Host *h)
{
    LilvNode *pset = lilv_new_uri(h->world, LV2_PRESETS__Preset);
    LilvNodes *all = lilv_plugin_get_related(h->plugin, pset);
    node_free(pset);
    return all;
}

/* The i-th preset in the order of their URIs: lilv's own order may change from one query to the
 * next (loading a preset's resource reorders it), so an index alone would not name one preset. */
static const LilvNode *preset_at(const LilvNodes *all, int i)
{
    LILV_FOREACH(nodes, it, all)
    {
        const LilvNode *p = lilv_nodes_get(all, it);
        int before = 0;
        LILV_FOREACH(nodes, jt, all)
        if (strcmp(lilv_node_as_uri(lilv_nodes_get(all, jt)), lilv_node_as_uri(p)) < 0) before++;
        if (before == i) return p;
    }
    return NULL;
}

int host_preset_count(Host *h)
{
    LilvNodes *all = presets(h);
    int n = (int)lilv_nodes_size(all);
    lilv_nodes_free(all);
    return n;
}

const char *host_preset_label(Host *h, int i)
{
    static char label[512];
    LilvNodes *all = presets(h);
    const LilvNode *p = preset_at(all, i);
    label[0] = '\0';
    if (p) {
        lilv_world_load_resource(h->world, p);
        LilvNode *rdfs_label = lilv_new_uri(h->world, LILV_NS_RDFS "label");
        LilvNode *l = lilv_world_get(h->world, p, rdfs_label, NULL);
        snprintf(label, sizeof label, "%s", l ? lilv_node_as_string(l) : lilv_node_as_uri(p));
        node_free(l);
        node_free(rdfs_label);
    }
    lilv_nodes_free(all);
    return label;
}

int host_load_preset(Host *h, int i)
{
    LilvNodes *all = presets(h);
    const LilvNode *p = preset_at(all, i);
    int rc = -1;
    if (p) {
        lilv_world_load_resource(h->world, p);
        LilvState *st = lilv_state_new_from_world(h->world, &h->map, p);
        if (st) {
            const LV2_Feature *features[] = {&h->f_map, &h->f_unmap, &h->f_log, &h->f_state_schedule, NULL};
            lilv_state_restore(st, h->instance, set_port_value, h, 0, features);
            lilv_state_free(st);
            rc = 0;
        }
    }
    lilv_nodes_free(all);
    return rc;
}

/* ---- Life cycle -------------------------------------------------------------------------------- */

Host *host_new(const char *plugin_uri, double rate, WorkerMode mode)
{
    Host *h = calloc(1, sizeof *h);
    h->mode = mode;
    h->rate = rate;
    pthread_mutex_init(&h->map_lock, NULL);
    pthread_mutex_init(&h->log_lock, NULL);
    h->log_text = calloc(1, LOG_MAX);
    h->requests = calloc(1, sizeof(Ring));
    h->state_requests = calloc(1, sizeof(Ring));
    h->responses = calloc(1, sizeof(Ring));

    h->map = (LV2_URID_Map){h, map_uri};
    h->unmap = (LV2_URID_Unmap){h, unmap_uri};
    h->atom_Float = map_uri(h, LV2_ATOM__Float);
    h->atom_Int = map_uri(h, LV2_ATOM__Int);
    h->atom_Path = map_uri(h, LV2_ATOM__Path);
    h->atom_String = map_uri(h, LV2_ATOM__String);
    h->atom_URID = map_uri(h, LV2_ATOM__URID);
    h->atom_Sequence = map_uri(h, LV2_ATOM__Sequence);
    h->atom_Chunk = map_uri(h, LV2_ATOM__Chunk);
    h->patch_Set = map_uri(h, LV2_PATCH__Set);
    h->patch_Get = map_uri(h, LV2_PATCH__Get);
    h->patch_property = map_uri(h, LV2_PATCH__property);
    h->patch_value = map_uri(h, LV2_PATCH__value);
    h->rnnfx_model = map_uri(h, "urn:rnnfx:model");
    h->rnnfx_status = map_uri(h, "urn:rnnfx:status");
    lv2_atom_forge_init(&h->forge, &h->map);

    h->world = lilv_world_new();
    const char *bundle = getenv("RNNFX_BUNDLE");
    if (bundle) { /* the build tree's bundle, and nothing else */
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/", bundle);
        LilvNode *uri = lilv_new_file_uri(h->world, NULL, dir);
        lilv_world_load_bundle(h->world, uri);
        node_free(uri);
    } else {
        lilv_world_load_all(h->world);
    }
    LilvNode *uri = lilv_new_uri(h->world, plugin_uri);
    h->plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(h->world), uri);
    node_free(uri);
    if (!h->plugin) {
        fprintf(stderr, "host: plugin <%s> not found (RNNFX_BUNDLE=%s)\n", plugin_uri, bundle ? bundle : "(unset)");
        goto fail;
    }

    /* Features */
    h->schedule = (LV2_Worker_Schedule){h, schedule_work};
    h->state_schedule = (LV2_Worker_Schedule){h, schedule_state_work};
    h->log = (LV2_Log_Log){h, log_printf, log_vprintf};
    h->opt_rate = (float)rate;
    h->opt_min = 1;
    h->opt_max = 8192;
    h->opt_nominal = 256;
    h->opt_seq = ATOM_CAPACITY;
    LV2_URID p_rate = map_uri(h, LV2_PARAMETERS__sampleRate), p_min = map_uri(h, LV2_BUF_SIZE__minBlockLength),
             p_max = map_uri(h, LV2_BUF_SIZE__maxBlockLength), p_nom = map_uri(h, LV2_BUF_SIZE__nominalBlockLength),
             p_seq = map_uri(h, LV2_BUF_SIZE__sequenceSize);
    h->options[0] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, p_rate, sizeof(float), h->atom_Float, &h->opt_rate};
    h->options[1] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, p_min, sizeof(int32_t), h->atom_Int, &h->opt_min};
    h->options[2] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, p_max, sizeof(int32_t), h->atom_Int, &h->opt_max};
    h->options[3] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, p_nom, sizeof(int32_t), h->atom_Int, &h->opt_nominal};
    h->options[4] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, p_seq, sizeof(int32_t), h->atom_Int, &h->opt_seq};
    h->options[5] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL};
    h->f_map = (LV2_Feature){LV2_URID__map, &h->map};
    h->f_unmap = (LV2_Feature){LV2_URID__unmap, &h->unmap};
    h->f_schedule = (LV2_Feature){LV2_WORKER__schedule, &h->schedule};
    h->f_state_schedule = (LV2_Feature){LV2_WORKER__schedule, &h->state_schedule};
    h->f_log = (LV2_Feature){LV2_LOG__log, &h->log};
    h->f_options = (LV2_Feature){LV2_OPTIONS__options, h->options};
    h->f_bounded = (LV2_Feature){LV2_BUF_SIZE__boundedBlockLength, NULL};
    const LV2_Feature *features[] = {&h->f_map,     &h->f_unmap, &h->f_schedule, &h->f_log, &h->f_options,
                                     &h->f_bounded, NULL};
    memcpy(h->features, features, sizeof features);

    h->instance = lilv_plugin_instantiate(h->plugin, rate, h->features);
    if (!h->instance) {
        fprintf(stderr, "host: <%s> failed to instantiate\n", plugin_uri);
        goto fail;
    }
    h->worker = lilv_instance_get_extension_data(h->instance, LV2_WORKER__interface);

    /* Ports */
    LilvNode *lv2_Audio = lilv_new_uri(h->world, LILV_URI_AUDIO_PORT),
             *lv2_Control = lilv_new_uri(h->world, LILV_URI_CONTROL_PORT),
             *lv2_Input = lilv_new_uri(h->world, LILV_URI_INPUT_PORT),
             *atom_Port = lilv_new_uri(h->world, LV2_ATOM__AtomPort);
    h->n_ports = lilv_plugin_get_num_ports(h->plugin);
    int n_in = 0, n_out = 0;
    float defaults[MAX_PORTS];
    lilv_plugin_get_port_ranges_float(h->plugin, NULL, NULL, defaults);
    for (uint32_t i = 0; i < h->n_ports && i < MAX_PORTS; i++) {
        Port *p = &h->ports[i];
        p->port = lilv_plugin_get_port_by_index(h->plugin, i);
        p->symbol = lilv_node_as_string(lilv_port_get_symbol(h->plugin, p->port));
        p->input = lilv_port_is_a(h->plugin, p->port, lv2_Input);
        p->audio = lilv_port_is_a(h->plugin, p->port, lv2_Audio);
        p->control = lilv_port_is_a(h->plugin, p->port, lv2_Control);
        p->atom = lilv_port_is_a(h->plugin, p->port, atom_Port);
        if (p->control) {
            p->value = defaults[i] == defaults[i] ? defaults[i] : 0.0f;
            lilv_instance_connect_port(h->instance, i, &p->value);
        } else if (p->atom) {
            p->seq = calloc(1, ATOM_CAPACITY);
            seq_clear_input(h, p->seq);
            lilv_instance_connect_port(h->instance, i, p->seq);
            if (p->input) h->control_in = (int)i;
            else
                h->notify_out = (int)i;
        } else if (p->audio) {
            if (p->input) h->audio_in[n_in++ % 2] = (int)i;
            else
                h->audio_out[n_out++ % 2] = (int)i;
        }
    }
    h->n_ch = n_in;
    node_free(lv2_Audio), node_free(lv2_Control), node_free(lv2_Input), node_free(atom_Port);

    if (mode == WORKER_THREAD) {
        pthread_create(&h->thread, NULL, worker_thread, h);
        h->thread_running = true;
    }
    lilv_instance_activate(h->instance);
    return h;
fail:
    host_free(h);
    return NULL;
}

void host_free(Host *h)
{
    if (!h) return;
    if (h->instance) {
        /* Finish the worker's queue and hand over every response, so no slot is left in flight. */
        host_settle(h);
        if (h->thread_running) {
            atomic_store(&h->stop, true);
            pthread_join(h->thread, NULL);
        }
        h->mode = WORKER_SYNC;
        host_settle(h);
        lilv_instance_deactivate(h->instance);
        lilv_instance_free(h->instance);
    }
    for (uint32_t i = 0; i < h->n_ports; i++) free(h->ports[i].seq);
    if (h->world) lilv_world_free(h->world);
    for (uint32_t i = 0; i < h->n_uris; i++) free(h->uris[i]);
    free(h->uris);
    free(h->log_text);
    free(h->requests);
    free(h->state_requests);
    free(h->responses);
    pthread_mutex_destroy(&h->map_lock);
    pthread_mutex_destroy(&h->log_lock);
    free(h);
}

int host_channels(const Host *h) { return h->n_ch; }
const char *host_model_path(const Host *h) { return h->model_path; }
const char *host_status(const Host *h) { return h->status; }
unsigned host_loaded_count(const Host *h) { return h->loaded; }
unsigned host_error_count(const Host *h) { return h->errors; }
const char *host_log(const Host *h) { return h->log_text; }

void host_on_log(Host *h, host_log_fn fn, void *ctx)
{
    pthread_mutex_lock(&h->log_lock);
    h->log_hook = fn;
    h->log_hook_ctx = ctx;
    pthread_mutex_unlock(&h->log_lock);
}
unsigned long host_rt_log_calls(const Host *h) { return h->rt_log_calls; }
