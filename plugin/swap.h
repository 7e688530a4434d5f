/*
 * swap.h - changing the model while audio plays.
 *
 * A new model is a file to read and memory to allocate: never in the audio thread. So a change
 * of model is a conversation between three parties, and this is all of it:
 *
 *   the audio thread   asks for a model (a patch:Set), takes the answer (a ready Slot), fades
 *                      from the model that played to the new one, and hands the old one back;
 *   the worker         (the host's thread that may take its time) loads and frees slots;
 *   restore()          asks for a model too (the session's), from whichever thread the host
 *                      restores in.
 *
 * The rules it keeps:
 *   - the latest request wins, and a storm of requests costs at most two loads: while a load is
 *     with the worker, newer requests wait, replacing each other;
 *   - a model that arrives while a newer request waits is parked: it plays only if that newer
 *     one fails; a load that fails leaves what played playing;
 *   - before any audio a new model simply replaces the old one (in its initial state, as
 *     `rnnfx process` starts a file); once audio has run, it was prewarmed by the worker and
 *     fades in over `fade_len` samples while the old one fades out; one that arrives during a
 *     fade waits for it to end (only the latest waits);
 *   - every slot is freed by the worker, except by the functions the host never runs beside
 *     run() (activate, restore without a worker, cleanup), which free at once; a slot the
 *     worker's queue had no room for waits in a small trash until the next run().
 *
 * Who calls what:
 *   [RT]      the audio thread: run() and work_response() (and instantiate/activate, which the
 *             host never runs beside them). No allocation, no lock, no I/O: marked NN_RT, and
 *             so are the listener's functions and (by a cast in swap.c) the host's schedule_work.
 *   [worker]  work() only.
 *   [any]     any thread, also beside run().
 *   [host]    a thread the host never runs beside run() (instantiation class).
 * The Swap owns every slot it has been given; the Slot pointers it returns belong to it and stay
 * valid until the next call of an [RT] or [host] function.
 */
#ifndef RNNFX_PLUGIN_SWAP_H
#define RNNFX_PLUGIN_SWAP_H

#include "slot.h"

#include <lv2/log/logger.h>
#include <lv2/worker/worker.h>

#include <stdbool.h>
#include <stdint.h>

#define SWAP_PATH_MAX 4096 /* bytes of a model's path, with its NUL */

typedef struct Swap Swap;

/* What the swap tells the plugin, when it happens (in the thread that makes it happen: the audio
 * thread, or restore() without a worker). Both may be NULL. */
typedef struct {
    void *ctx;
    /* `s` (NULL: no model) is the model from now on: it plays at once or fades in, and it is
     * already swap_path(). The plugin sets its knobs and says so. [RT]: no allocation, no I/O. */
    void (*installed)(void *ctx, Slot *s) NN_RT;
    /* A request failed (`why`: one line, e.g. "<file>: <problem>"); what played goes on. [RT] */
    void (*failed)(void *ctx, const char *why) NN_RT;
} SwapListener;

/* [host] Models will be loaded for `n_ch` (1 or 2) channels at `rate`; fades last `fade_len`
 * samples. `schedule` is run()'s worker, `logger` (may have no log: stderr) is what the worker
 * logs to; both must outlive the Swap. NULL if out of memory. */
Swap *swap_new(double rate, int n_ch, uint32_t fade_len, LV2_Worker_Schedule *schedule, LV2_Log_Logger *logger,
               SwapListener listener);
/* [host] Frees every slot it holds (playing, fading, waiting, parked, in the trash). Slots in
 * the worker's hands are the host's to let it finish (or free). */
void swap_free(Swap *sw);

/* ---- The audio thread ---------------------------------------------------------------------- */

/* [RT] Requests the model at `path` (`len` bytes, need not be NUL-terminated; len 0: no model).
 * A path of SWAP_PATH_MAX bytes or more fails at once (listener.failed). */
void swap_request(Swap *sw, const char *path, uint32_t len) NN_RT;
/* [RT] Once per run(), before any audio: what waited for room in the worker's queue (a request,
 * slots to free) goes to it; a request whose answer the worker could not send back (the host's
 * queue stayed full) is given up (listener.failed), so that later requests are sent again. */
void swap_retry(Swap *sw) NN_RT;
/* [RT] Knob k's value (k < NN_MAX_COND) as a new model should start with it: its states
 * settle with it. run() sets them all before it handles its messages. */
void swap_set_knob(Swap *sw, int k, float value) NN_RT;
/* [RT] run() has processed audio: from now on new models fade in (and come prewarmed). */
void swap_audio_ran(Swap *sw) NN_RT;
/* [RT] work_response(): an answer of the worker. LV2_WORKER_ERR_UNKNOWN for bytes that are not
 * one. May call listener.installed / .failed, and schedule more work. */
LV2_Worker_Status swap_response(Swap *sw, uint32_t size, const void *data) NN_RT;

Slot *swap_playing(const Swap *sw) NN_RT;    /* [RT] the model that plays (fades in); NULL: none */
bool swap_fading(const Swap *sw) NN_RT;      /* [RT] a fade goes on (its outgoing model may be NULL) */
Slot *swap_fading_out(const Swap *sw) NN_RT; /* [RT] the outgoing model of a fade; NULL: none */
/* [RT] The incoming model's gains for the next n samples of a fade (the outgoing one's: 1 -
 * gain); the fade moves on by n. When it ends, the outgoing slot goes to the worker and a model
 * that waited starts fading in. */
void swap_fade_gains(Swap *sw, float *gain, uint32_t n) NN_RT;
/* [RT] Knob k of every model that plays or waits to (slot_set_cond). */
void swap_set_cond(Swap *sw, int k, float value) NN_RT;
/* [RT] Every model that plays or waits to starts over (after a non-finite input). */
void swap_reset(Swap *sw) NN_RT;
/* [RT] The path of the model playing (or fading in, or waiting to); "" for none. */
const char *swap_path(const Swap *sw) NN_RT;

/* [host] activate(): a fade that was going on ends at once, the model starts over from its
 * initial state, and new models replace the old one until audio runs again. */
void swap_activate(Swap *sw);

/* ---- The worker ------------------------------------------------------------------------------ */

/* [worker] work(): loads or frees what it is asked to, answering through `respond`.
 * LV2_WORKER_ERR_UNKNOWN for bytes that are not a request. */
LV2_Worker_Status swap_work(Swap *sw, LV2_Worker_Respond_Function respond, LV2_Worker_Respond_Handle handle,
                            uint32_t size, const void *data);

/* ---- State ----------------------------------------------------------------------------------- */

/* [any] restore() with the host's worker (threadSafeRestore): asks for `path` ("": no model)
 * through `schedule`, like a patch:Set; the answer arrives in work_response. False if it could
 * not be sent (or is too long). */
bool swap_restore(Swap *sw, const char *path, LV2_Worker_Schedule *schedule);
/* [host] restore() without a worker: loads `path` ("": no model) here and installs it at once,
 * through the same code as a worker's answer. False only if the path is too long or memory is
 * short (a file that fails to load is listener.failed, and what played goes on). */
bool swap_restore_now(Swap *sw, const char *path);
/* [any] Copies swap_path() into dst[SWAP_PATH_MAX] (for save(), which may run beside run()). */
void swap_path_copy(Swap *sw, char *dst);

#endif
