/*
 * nn.h - the rnnfx engine: recurrent audio models, loaded from files, run sample by sample.
 *
 * Data flows one way:  file -> nn_spec (plain arrays, canonical layout; see nn_spec.h)
 *                           -> nn_model (immutable, packed for the kernels, one allocation)
 *                           -> nn_state (per channel: h, c, conditioning)
 *                           -> samples.
 *
 * Threads and real time
 *   - Functions marked [RT] never allocate, lock, wait, or touch a file; they may be called from
 *     an audio thread. Everything else may allocate and must stay off the audio thread. Their
 *     declarations carry NN_RT, so that a compiler that can check the promise does (below).
 *   - An nn_model is immutable once built: any number of states and threads may share it.
 *   - An nn_state belongs to one thread at a time.
 *
 * Errors are values: functions that can fail take an nn_error* (may be NULL) and fill it with
 * one line naming the file and the problem. The engine never prints.
 *
 * Use (load once, a state per channel, then run blocks from the audio thread):
 *
 *     nn_error err;
 *     nn_model *m = nn_model_load_file("amp.json", &err);    // NULL: err.msg says why
 *     nn_state *s = m ? nn_state_new(m, &err) : NULL;
 *     if (s) nn_run(s, in, out, n);                          // [RT], any n, again and again
 *     nn_state_free(s), nn_model_free(m);                     // states before their model
 *
 * See ARCHITECTURE.md for the layers and a reading order.
 */
#ifndef RNNFX_NN_H
#define RNNFX_NN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* NN_RT marks the [RT] functions (here, in plugin/slot.h, on the kernel table's run), after the
 * parameter list of the declaration. From clang 20 on it is the `nonblocking` function-effect
 * attribute: -Wfunction-effects then proves at compile time that such a function, and all it
 * calls, allocates, locks and blocks nothing (the meson test rt_effects), and -fsanitize=realtime
 * checks it at run time. Elsewhere it is nothing (gcc; clang 19 checks no function body). */
#if defined(__clang__) && __clang_major__ >= 20
#define NN_RT __attribute__((nonblocking))
#else
#define NN_RT
#endif

/* Limits: checked on every load and build, never assumed. */
#define NN_MAX_REC_LAYERS 4
#define NN_MAX_DENSE_LAYERS 4
#define NN_MAX_HIDDEN 256
#define NN_MAX_COND 3 /* conditioning inputs beside the audio */
#define NN_MAX_INPUTS (1 + NN_MAX_COND)
/* Model files larger than this are refused before parsing, so that a hostile file cannot make
 * the engine allocate gigabytes (4 x LSTM-256 is about 40 MB of JSON). */
#define NN_MAX_FILE_BYTES ((size_t)64 << 20)

typedef enum nn_status {
    NN_OK = 0,
    NN_ERR_IO,          /* cannot open / read / write the file */
    NN_ERR_FORMAT,      /* not a model file, or not one we recognise */
    NN_ERR_UNSUPPORTED, /* a real model of a kind we do not run (e.g. NAM WaveNet) */
    NN_ERR_SHAPE,       /* arrays of the wrong size or nesting, missing keys */
    NN_ERR_VALUE,       /* NaN/Inf weights, values out of range */
    NN_ERR_LIMIT,       /* sizes beyond the NN_MAX_* limits */
    NN_ERR_SELFTEST,    /* input_batch/output_batch stored in the file disagree with our output */
    NN_ERR_NOMEM,
    NN_ERR_ARG /* caller error */
} nn_status;

typedef struct nn_error {
    nn_status status;
    char msg[400]; /* one line, "<file>: <problem>", no trailing newline */
} nn_error;

/* Fills err (if not NULL) with "<name>: <printf of fmt, ap>" on one line (newlines become
 * spaces) and returns `status`: for code outside nn/ (the command, the trainer's front end)
 * that reports its own problems the way the engine reports a model's. Not for run(). */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 0)))
#endif
nn_status
nn_error_vset(nn_error *err, nn_status status, const char *name, const char *fmt, va_list ap);

typedef enum nn_cell { NN_CELL_LSTM, NN_CELL_GRU, NN_CELL_RNN } nn_cell;
typedef enum nn_act { NN_ACT_LINEAR, NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_RELU } nn_act;
typedef enum nn_format { NN_FORMAT_UNKNOWN, NN_FORMAT_KERAS, NN_FORMAT_GUITARML, NN_FORMAT_NAM } nn_format;

typedef struct nn_model nn_model;
typedef struct nn_state nn_state;
typedef struct nn_spec nn_spec; /* nn_spec.h */

const char *nn_cell_name(nn_cell c); /* "LSTM", "GRU", "RNN" */
const char *nn_act_name(nn_act a);   /* "linear", "tanh", ... */
const char *nn_format_name(nn_format f);

/* ---- Models: load, inspect, write (not real-time) -------------------------------------- */

/* Reads a model file of any supported format, detected from the content (not the name).
 * Returns NULL and fills err on failure; never returns a partial model. Caller frees. */
nn_model *nn_model_load_file(const char *path, nn_error *err);

/* Same, from memory. `name` is only used in messages. */
nn_model *nn_model_load_buffer(const char *data, size_t len, const char *name, nn_error *err);

/* Builds a model from a spec (validated first; the spec is copied, the caller keeps it). */
nn_model *nn_model_build(const nn_spec *spec, const char *name, nn_error *err);

void nn_model_free(nn_model *m); /* NULL is fine */

/* The canonical description the model was built from (owned by the model). Readers of the
 * weights, writers and `rnnfx info` use this; the kernels use the packed copy. */
const nn_spec *nn_model_spec(const nn_model *m);

nn_format nn_model_source_format(const nn_model *m);
int nn_model_num_cond(const nn_model *m) NN_RT;    /* conditioning inputs (0..NN_MAX_COND) */
double nn_model_sample_rate(const nn_model *m);    /* Hz, never 0: format default if unstated */
int nn_model_sample_rate_known(const nn_model *m); /* 0 when the file did not say */
size_t nn_model_param_count(const nn_model *m);
double nn_model_macs_per_sample(const nn_model *m);  /* multiply-adds per output sample */
const char *nn_model_kernel_name(const nn_model *m); /* "avx2+fma", "generic", ... */

/* Self-test from input_batch/output_batch stored in the file (if any): *max_abs_err receives the
 * largest |ours - stored| over the batch. Returns 0 when the file had none, 1 when it had one. */
int nn_model_selftest(const nn_model *m, double *max_abs_err, size_t *n_samples);

/* Writes the native format (Keras-style JSON that RTNeural and AIDA-X read), atomically
 * (temp file + rename): either the whole file appears or nothing changes. */
nn_status nn_model_write_keras(const nn_model *m, const char *path, nn_error *err);

/* Writes `len` bytes (and a final newline) to `path` atomically, as nn_model_write_keras does:
 * a temporary file in the same folder, synced, renamed over `path`. For the front ends' other
 * files (plots, reports). Returns NN_OK, or an error with nothing at `path` changed. */
nn_status nn_write_file_atomic(const char *path, const char *data, size_t len, nn_error *err);

/* ---- States: one per channel ------------------------------------------------------------ */

/* Allocates a state for `m` in its initial state (reset). The model must outlive the state. */
nn_state *nn_state_new(const nn_model *m, nn_error *err);
void nn_state_free(nn_state *s);

/* [RT] Back to the model's initial state (zeros, or the h0/c0 the file stores). Keeps the
 * conditioning values. */
void nn_state_reset(nn_state *s) NN_RT;

/* [RT] Sets conditioning input k (0-based, beside the audio) to `value` (0..1 by convention;
 * not clamped). Out-of-range k is ignored. Takes effect from the next sample. */
void nn_state_set_cond(nn_state *s, int k, float value) NN_RT;
float nn_state_cond(const nn_state *s, int k);

/* ---- Running ------------------------------------------------------------------------------ */

/* [RT] Runs n samples: in[n] -> out[n] (in and out may alias). Deterministic: the same model,
 * state and input give the same bits whatever the block size and whichever front end calls it.
 * Denormals are flushed inside (the caller's FP environment is restored on return).
 * Returns 0, or NN_RUN_NONFINITE when the input held a NaN or an Inf, or the network produced a
 * non-finite value: then the state has been reset and the whole block is zeros. */
#define NN_RUN_NONFINITE 1
int nn_run(nn_state *s, const float *in, float *out, size_t n) NN_RT;

/* [RT] Runs two channels of the same model together (one state each), for about the cost of
 * one. Bit-identical to two nn_run calls. Returns a bit mask: 1 = channel a was reset,
 * 2 = channel b was reset (see nn_run). */
int nn_run2(nn_state *a, nn_state *b, const float *in_a, const float *in_b, float *out_a, float *out_b, size_t n) NN_RT;

/* [RT] 1 when every one of x[0..n) is finite, 0 when one is a NaN or an Inf: the check nn_run
 * makes on its input and output, for callers that guard their own buffers the same way. */
int nn_all_finite(const float *x, size_t n) NN_RT;

/* Samples of silence that nn_state_prewarm runs (at the model's rate). */
#define NN_PREWARM_SAMPLES 8192

/* [RT, but O(NN_PREWARM_SAMPLES)] Resets s, then runs NN_PREWARM_SAMPLES of silence, so the
 * state is the one the network settles into on silence and the first real sample meets no
 * start-up transient (a zero state is not where most networks rest). Keeps the conditioning
 * values: set them first. The plugin starts a model this way when it swaps it in while audio
 * plays; a model that starts with the audio (`rnnfx process`, the plugin's first model) starts
 * from nn_state_reset, so that both give the same bits. */
void nn_state_prewarm(nn_state *s) NN_RT;

/* ---- Kernels ------------------------------------------------------------------------------ */

/* Which SIMD kernels this CPU gets: "avx512", "avx2+fma" or "generic" (the compiler's
 * baseline: SSE2 on x86-64, NEON on 64-bit ARM). Decided once. */
const char *nn_kernel_best(void);
/* For tests and benchmarks: force a kernel by name for models built afterwards ("generic" is
 * always available). Returns 0 if unavailable on this CPU. Not thread-safe. */
int nn_kernel_force(const char *name);

#ifdef __cplusplus
}
#endif
#endif
