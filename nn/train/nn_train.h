/*
 * nn_train.h - rnnfx's training library: batched forward and backward passes over segments of
 * audio with the engine's own cells, the loss, Adam, and the training loop around them.
 *
 * Linked only by the `rnnfx` command (it needs OpenBLAS and starts threads): the plugin never
 * sees it. The cells' pointwise math is the engine's (cell_math.h through the kernel table); what
 * differs from nn_run is that the matrix products are done for a whole batch at once (register-
 * tiled kernels for a step's small products, OpenBLAS sgemm for the window-wide ones).
 *
 * Layers of the API, each usable on its own (the tests use them that way):
 *   nn_tnet    the trainable network: one arena of parameters, gradients and Adam moments;
 *              built from an nn_spec, turned back into one for export.
 *   nn_tbatch  a workspace for `batch` sequences of up to `max_steps` samples: forward (keeps
 *              what backward needs), backward (truncated BPTT over the last forward), state
 *              carried from one window to the next.
 *   nn_loss    the recipe's loss, forward and backward side by side.
 *   nn_tdata   (input, target) recordings: checks, lag, split, segments.
 *   nn_trainer the loop: epochs, batches, threads, validation, plateau, early stopping,
 *              checkpoints, export.
 *
 * Errors are values (nn_error, "<what>: <problem>"); nothing here prints.
 * Threads: the functions of one object must not run concurrently; different nn_tbatch objects
 * over one nn_tnet may run forward/backward concurrently (they only read its parameters).
 */
#ifndef RNNFX_NN_TRAIN_H
#define RNNFX_NN_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "nn.h"
#include "nn_spec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The trainable network ------------------------------------------------------------------ */

typedef struct nn_tnet nn_tnet;

/* A trainable copy of `spec`'s network (its weights are the starting point; nn_spec_init_random
 * makes a fresh one). h0/c0, gains and skip are kept as constants. NULL + err on failure. */
nn_tnet *nn_tnet_new(const nn_spec *spec, nn_error *err);
void nn_tnet_free(nn_tnet *net);

/* The arena: `nn_tnet_size` floats each of parameters and gradients (same layout, padding
 * included; see train_internal.h). Callers may read and write them (checkpoints, grad checks). */
size_t nn_tnet_size(const nn_tnet *net);
float *nn_tnet_params(nn_tnet *net);
float *nn_tnet_grads(nn_tnet *net);
/* Adam's first and second moments (same layout). */
float *nn_tnet_moment1(nn_tnet *net);
float *nn_tnet_moment2(nn_tnet *net);
/* Number of real parameters and their arena indices (idx may be NULL to count only). The spec's
 * two biases per gate are one parameter here where only their sum matters (LSTM, RNN, GRU r/z). */
size_t nn_tnet_param_indices(const nn_tnet *net, size_t *idx);
/* A readable name for arena index i ("layer 1 w_hh[f][3][5]", "dense 1 b[0]"), for messages. */
void nn_tnet_param_name(const nn_tnet *net, size_t i, char *buf, size_t len);

/* The network as a spec (weights, shapes, gains, skip, h0/c0); metadata left empty. `out` is
 * initialised here; the caller frees it. */
nn_status nn_tnet_to_spec(const nn_tnet *net, nn_spec *out, nn_error *err);

/* Adam (PyTorch's: L2 weight decay added to the gradient, bias-corrected moments). The biases
 * that stand for two of PyTorch's learn twice as fast when the trainer asks (twin_bias). */
typedef struct nn_adam {
    double lr, beta1, beta2, eps, weight_decay;
    long step; /* steps taken (0 before the first) */
} nn_adam;
void nn_adam_default(nn_adam *a);                 /* lr 5e-3, betas 0.9/0.999, eps 1e-8, weight decay 1e-4 */
void nn_tnet_adam_step(nn_tnet *net, nn_adam *a); /* uses and keeps the gradients */
void nn_tnet_zero_grads(nn_tnet *net);

/* ---- Batched passes --------------------------------------------------------------------------- */

typedef struct nn_tbatch nn_tbatch;

/* A workspace over `net` for up to `max_batch` sequences and `max_steps` samples per window.
 * The network must outlive it. Sizes: about max_batch * max_steps * 7 * H floats per layer. */
nn_tbatch *nn_tbatch_new(const nn_tnet *net, int max_batch, int max_steps, nn_error *err);
void nn_tbatch_free(nn_tbatch *b);

/* Starts `batch` new sequences from the network's initial state, with conditioning values
 * cond[e * n_cond + k] for sequence e (NULL: all zero). */
void nn_tbatch_start(nn_tbatch *b, int batch, const float *cond);

/* Forward over T samples (T <= max_steps) from the current state: x[t * ldx + e] ->
 * y[t * ldy + e]. Keeps the activations for nn_tbatch_backward, and leaves the state after the
 * last sample as the start of the next window (detached: backward stops at the window start). */
void nn_tbatch_forward(nn_tbatch *b, const float *x, int ldx, int T, float *y, int ldy);

/* Backward through the last forward window: dy[t * lddy + e] = dL/dy. Adds dL/dparameters into
 * `grads` (an arena-shaped array of nn_tnet_size floats, e.g. nn_tnet_grads or a per-thread
 * buffer). Reads the parameters the forward used: do not change them in between. */
void nn_tbatch_backward(nn_tbatch *b, const float *dy, int lddy, float *grads);

/* ---- Loss (the recipe's): w_esr * ESR(pre-emphasised) + w_dc * DC -------------------------- */

typedef struct nn_loss_cfg {
    double esr_weight; /* 0.75 */
    double dc_weight;  /* 0.25 */
    double pre_emph;   /* 0.85: the filter 1 - a z^-1 applied to output and target before ESR */
} nn_loss_cfg;
void nn_loss_default(nn_loss_cfg *c);

/* The sums a window's loss is made of (double precision). */
typedef struct nn_loss_parts {
    double err2, tgt2;  /* sum (tp - yp)^2, sum tp^2 over the pre-emphasised window */
    double dsum, t2sum; /* sum (t - y), sum t^2 over the window */
    double count;       /* samples in the window (for the DC means) */
    double esr, dc, loss;
} nn_loss_parts;

/* y, t: [T][B] (row stride ld); only steps t0..T-1 count (t0 = warm-up). As the recipe does, the
 * pre-emphasis starts inside the counted part (its first sample has no predecessor there). */
void nn_loss_forward(const nn_loss_cfg *c, const float *y, const float *t, int ld, int T, int B, int t0,
                     nn_loss_parts *p);
/* dL/dy into dy (same shape; steps before t0 get 0), from the parts of nn_loss_forward. */
void nn_loss_backward(const nn_loss_cfg *c, const float *y, const float *t, int ld, int T, int B, int t0,
                      const nn_loss_parts *p, float *dy, int lddy);


/* ---- Data: (input, target) recordings ------------------------------------------------------ */

/* One recording as the caller read it (tools/audio_io.h's layout: one array per channel). */
typedef struct nn_taudio {
    const char *name;       /* file name, for messages */
    const float *const *ch; /* ch[channel][frame] */
    size_t frames;
    int channels;
    double rate; /* Hz */
} nn_taudio;

typedef enum nn_trole { NN_ROLE_AUTO, NN_ROLE_TRAIN, NN_ROLE_VAL, NN_ROLE_TEST } nn_trole;

typedef struct nn_tdata nn_tdata;

typedef struct nn_tpair_info {
    const char *in_name, *out_name;
    size_t frames; /* after length reconciliation and alignment */
    double rate;
    int lag;         /* samples the target lags the input (cross-correlation peak) */
    double lag_corr; /* normalised correlation at that lag (negative: polarity inverted) */
    int aligned;     /* 1 when the lag was corrected (nn_tdata_align) */
    float cond[NN_MAX_COND];
    nn_trole role; /* as given; after the split, where each part went: */
    size_t train_from, train_to, val_from, val_to, test_from, test_to; /* frame ranges */
} nn_tpair_info;

nn_tdata *nn_tdata_new(void);
void nn_tdata_free(nn_tdata *d);

/* Adds a pair. `channel`: which channel of multi-channel files to use; -1 requires mono files.
 * cond: n_cond knob values (every pair must have the same count). Checks, with an error
 * ("<file>: <problem>") that refuses the pair: different sample rates (between the two files or
 * from earlier pairs), very different lengths (by more than 1 % and 0.1 s), non-finite samples,
 * silence, fewer than 1000 frames. Warnings (nn_tdata_warning): slightly different lengths (cut
 * to the shorter), clipping, an inverted polarity. Measures the lag (whitened cross-correlation of
 * 2.7 s around the loudest part, +-50 ms). Copies the audio. */
nn_status nn_tdata_add(nn_tdata *d, const nn_taudio *in, const nn_taudio *out, int channel, const float *cond,
                       int n_cond, nn_trole role, nn_error *err);
/* Shifts every pair by its measured lag, so that target[t] lines up with input[t]. */
void nn_tdata_align(nn_tdata *d);

typedef enum nn_tsplit { NN_SPLIT_AUTO, NN_SPLIT_FILE, NN_SPLIT_TIME } nn_tsplit;
/* Splits into training, validation and test parts. Pairs given as VAL/TEST go there whole.
 * AUTO: the test part is one whole file (the one nearest test_fraction of the audio) when no pair
 * is TEST and there are at least 3, else the test_fraction before the end of every file; the
 * validation part is the last val_fraction of every training file. FILE: whole files for both
 * (at least one left to train on); TIME: fractions of every file for both. A fraction of 0 means
 * no such part. */
nn_status nn_tdata_split(nn_tdata *d, nn_tsplit how, double val_fraction, double test_fraction, nn_error *err);

int nn_tdata_num_pairs(const nn_tdata *d);
void nn_tdata_pair(const nn_tdata *d, int i, nn_tpair_info *info);
int nn_tdata_num_cond(const nn_tdata *d);
double nn_tdata_rate(const nn_tdata *d);
/* Seconds of audio in each part after the split (0 = none). */
void nn_tdata_durations(const nn_tdata *d, double *train_s, double *val_s, double *test_s);
size_t nn_tdata_num_warnings(const nn_tdata *d);
const char *nn_tdata_warning(const nn_tdata *d, size_t i);
/* A one-line description for metadata: "6 pairs (56.4 s): train bass, epiano, ...; test ...". */
const char *nn_tdata_describe(nn_tdata *d);
/* The lag (samples) and peak correlation of y against x, searched within +-max_lag. */
int nn_find_lag(const float *x, const float *y, size_t n, int max_lag, double *corr);

/* ---- The training loop ---------------------------------------------------------------------- */

typedef struct nn_train_opts {
    /* the network (when not starting from a given spec) */
    nn_cell type;       /* LSTM */
    int layers, hidden; /* 1, 16 */
    int skip;           /* 1: the output adds the input (the recipe's residual) */
    /* the recipe */
    double segment;        /* seconds per training segment (0.5) */
    int warmup;            /* samples run before the loss counts, per segment (200) */
    int step;              /* samples per Adam step: the truncated-BPTT window (1000) */
    int batch;             /* segments per batch (50) */
    double lr;             /* Adam learning rate (the recipe 5e-3, rnnfx's default 1e-2) */
    double weight_decay;   /* Adam L2 weight decay (1e-4) */
    int epochs;            /* budget (200) */
    int patience;          /* early stopping: epochs without a better validation ESR (0: never) */
    int plateau;           /* epochs without improvement before the learning rate is cut (5) */
    double plateau_factor; /* the cut (0.5) */
    int plateau_on_val;    /* 0: watch the training loss (the recipe), 1: the validation ESR */
    int cosine;            /* 1: instead of the plateau rule, the learning rate follows a cosine from
                              lr down to lr_min over the epoch budget, step by step */
    double lr_min;         /* the cosine's end (lr / 100 when 0) */
    double clip;           /* clip the gradient's global L2 norm to this before Adam (0: never) */
    int twin_bias;         /* 1: biases that PyTorch keeps as two (b_ih + b_hh) learn twice as fast,
                              as they do there */
    nn_loss_cfg loss;
    uint64_t seed; /* initialisation and shuffling (0) */
    int threads;   /* worker threads (1); results are deterministic per thread count */
} nn_train_opts;

/* rnnfx's defaults: the recipe with a cosine learning-rate schedule from 1e-2 and gradient clipping. */
void nn_train_opts_default(nn_train_opts *o);
/* The recipe of the published amp-modelling work (Automated-GuitarAmpModelling, in PyTorch):
 * LSTM-16 with skip, 0.5 s segments, 200 samples of warm-up, an Adam step every 1000 samples,
 * batch 50, lr 5e-3, the learning rate halved after 5 epochs without a lower training loss. */
void nn_train_opts_recipe(nn_train_opts *o);

typedef struct nn_epoch_log {
    int epoch;                /* 1-based */
    double train_loss;        /* mean window loss */
    double val_esr, test_esr; /* plain ESR on the validation / test parts (NaN: none) */
    double lr;                /* learning rate during the epoch */
    double seconds;           /* wall time of the training pass */
    double grad_norm;         /* mean global gradient norm of the epoch's steps (before clipping) */
    double wall;              /* wall time since the start of training (all sessions) */
} nn_epoch_log;

typedef enum nn_train_end { NN_TRAIN_RUNNING, NN_TRAIN_BUDGET, NN_TRAIN_EARLY_STOP, NN_TRAIN_INTERRUPTED } nn_train_end;

typedef struct nn_train_progress {
    int epoch, epochs;  /* the epoch running (1-based) and the budget */
    int batch, batches; /* 1-based */
    int step, steps;    /* Adam steps done in this epoch / per epoch */
    double loss;        /* mean window loss so far in this epoch */
    double lr;
    double val_esr; /* the last finished epoch's (NaN before the first) */
    double best_val_esr;
    int best_epoch;
    double elapsed, eta;      /* seconds (this session; ETA for the whole budget) */
    const nn_epoch_log *done; /* non-NULL once per epoch, when it has finished */
} nn_train_progress;
typedef void (*nn_train_progress_fn)(void *ctx, const nn_train_progress *p);

typedef struct nn_trainer nn_trainer;

/* A trainer over `data` (split already; borrowed, must outlive the trainer). The network: `init`
 * (copied; NULL = a fresh one from o->type/layers/hidden/skip and the data's conditioning count,
 * initialised from o->seed). Segments, batches and windows are checked against the data here. */
nn_trainer *nn_trainer_new(const nn_train_opts *o, nn_tdata *data, const nn_spec *init, nn_error *err);
void nn_trainer_free(nn_trainer *t);

/* Resumes from a checkpoint written by nn_trainer_run for the same data (checked). Options come
 * from the checkpoint, except those in `o` marked by `override` (a bit mask of NN_OVERRIDE_*;
 * o may be NULL when override is 0). */
#define NN_OVERRIDE_EPOCHS 1
#define NN_OVERRIDE_PATIENCE 2
#define NN_OVERRIDE_THREADS 4
nn_trainer *nn_trainer_resume(const char *checkpoint, nn_tdata *data, const nn_train_opts *o, int override,
                              nn_error *err);

/* Trains until the epoch budget is spent, early stopping, or *stop becomes non-zero (checked after
 * every Adam step: the unfinished epoch is dropped and the trainer is as after the last finished
 * one). After every epoch: validation and test ESR through the engine (nn_run, as `rnnfx eval`),
 * the best parameters by validation ESR kept, the learning-rate plateau rule, and - when
 * `checkpoint` is not NULL - an atomic checkpoint. progress (may be NULL) is called after every
 * Adam step and after every epoch. Returns NN_OK (see nn_trainer_end_reason) or an error. */
nn_status nn_trainer_run(nn_trainer *t, const char *checkpoint, volatile int *stop, nn_train_progress_fn progress,
                         void *ctx, nn_error *err);
nn_status nn_trainer_save(const nn_trainer *t, const char *path, nn_error *err);

nn_train_end nn_trainer_end_reason(const nn_trainer *t);
const nn_train_opts *nn_trainer_opts(const nn_trainer *t);
const nn_epoch_log *nn_trainer_log(const nn_trainer *t, int *n_epochs);
int nn_trainer_best_epoch(const nn_trainer *t); /* 0 before any epoch */
double nn_trainer_best_val_esr(const nn_trainer *t);
nn_tnet *nn_trainer_net(nn_trainer *t); /* the current parameters */

/* The kept model (best validation ESR; the last epoch's when there is no validation part) as a
 * spec with sample rate, test ESR (measured now with the engine; NaN without a test part),
 * data description, training settings, conditioning names (cond_names may be NULL), and the
 * input_batch/output_batch self-test (2048 samples of the test, else validation, else training
 * input, from the loudest stretch; conditioning at 0). `out` is initialised here. */
nn_status nn_trainer_final_spec(nn_trainer *t, const char *const *cond_names, nn_spec *out, nn_error *err);

/* Plain ESR of `m` on the test (which = 2) or validation (1) part, clips run from the initial
 * state with each pair's conditioning; NaN when that part is empty. */
double nn_trainer_eval(nn_trainer *t, const nn_model *m, int which);

/* AIDA-X loads one LSTM or GRU layer of hidden size 8, 12, 16, 20, 24, 32, 40, 64 or 80, then a
 * linear Dense(1), with up to 3 inputs. NULL when `s` fits, else the reason. */
const char *nn_aidax_incompatibility(const nn_spec *s);

#ifdef __cplusplus
}
#endif
#endif
