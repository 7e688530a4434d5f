/*
 * host.h - a small LV2 host on lilv, for testing the plugin the way DAWs drive it.
 *
 * It loads the bundle from the build tree (RNNFX_BUNDLE, else LV2_PATH), gives the plugin the
 * features hosts give (urid, worker, log, options, bounded block length, state paths), connects
 * every port, sends patch messages, reads the notify port, runs the worker (synchronously, in
 * a thread, or nested inside schedule_work as Ardour does while exporting), saves and restores
 * state - and runs run() and work_response() inside a real-time window (rtwindow.h) that aborts
 * on any allocation, lock or blocking call.
 *
 * Not thread-safe except where noted: one test thread drives a host.
 */
#ifndef RNNFX_TESTS_HOST_H
#define RNNFX_TESTS_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    WORKER_SYNC,   /* work() runs inside schedule_work(); responses are delivered after run() */
    WORKER_THREAD, /* a worker thread, as jalv and Ardour run it live */
    WORKER_NESTED, /* work() inside schedule_work(), work_response() inside respond() (Ardour export) */
    WORKER_MANUAL  /* requests wait until the test calls host_work(): loads in flight, on demand */
} WorkerMode;

typedef struct Host Host;

/* Instantiates and activates `plugin_uri` at `rate`. NULL (with a message) on failure. */
Host *host_new(const char *plugin_uri, double rate, WorkerMode mode);
/* Lets the worker finish, frees everything (also slots in flight). */
void host_free(Host *h);

int host_channels(const Host *h);
void host_set(Host *h, const char *symbol, float value); /* a control input port */
float host_get(const Host *h, const char *symbol);       /* any control port (e.g. "latency") */

/* Messages for the next run(): patch:Set of the model (path "" unsets it), patch:Get. */
void host_send_model(Host *h, const char *path);
void host_send_get(Host *h);

/* One run() of n samples (0 is fine), in[c] -> out[c] for each channel (in may equal out),
 * inside the real-time window, then the worker's responses (also inside). */
void host_run(Host *h, const float *const *in, float *const *out, uint32_t n);

/* Sends the model and runs empty blocks until the worker has answered. Returns 1 if the plugin
 * says it loaded it, 0 if it reported an error. */
int host_load(Host *h, const char *path);
/* WORKER_MANUAL: does the work waiting so far (its answers arrive with the next run). */
void host_work(Host *h);
/* The worker has nothing to do and nothing to answer (thread-safe). */
bool host_worker_idle(Host *h);
/* Runs empty blocks until the worker has nothing left to do or to answer. */
void host_settle(Host *h);

/* State: saved to / restored from the folder `dir` (state.ttl and any links).
 * via_worker: restore() gets a worker schedule (the threadSafeRestore way). 0 on success. */
int host_save(Host *h, const char *dir);
int host_restore(Host *h, const char *dir, bool via_worker);
/* Restores a state that holds only the model, handed over as a host's retrieve() hands it:
 * `size` bytes at `value`, of type `type_uri` (LV2_ATOM__Path, ...). lilv counts the NUL that
 * ends a path in size; Carla does not. Returns what the plugin's restore() returns (an
 * LV2_State_Status: 0 is success). */
int host_restore_value(Host *h, const void *value, size_t size, const char *type_uri, bool via_worker);

/* The presets the bundle lists for this plugin (lilv), and restoring one by index (as hosts
 * load a preset: lilv_state_restore, the worker schedule passed). 0 on success. */
int host_preset_count(Host *h);
const char *host_preset_label(Host *h, int i);
int host_load_preset(Host *h, int i);

/* What the plugin said on its notify port, and in its log. */
const char *host_model_path(const Host *h); /* last rnnfx:model ("" before any) */
const char *host_status(const Host *h);     /* last rnnfx:status */
unsigned host_loaded_count(const Host *h);  /* status lines "loaded ..." */
unsigned host_error_count(const Host *h);   /* status lines "error: ..." */
const char *host_log(const Host *h);        /* everything logged so far (the first 64 KB) */
/* Every line the plugin logs from now on, as it is logged (from whichever thread logs it; the
 * calls are serialised). For runs that log more than host_log keeps. NULL removes the hook. */
typedef void (*host_log_fn)(void *ctx, const char *line);
void host_on_log(Host *h, host_log_fn fn, void *ctx);
unsigned long host_rt_log_calls(const Host *h); /* log calls made inside the RT window (must be 0) */

#endif
