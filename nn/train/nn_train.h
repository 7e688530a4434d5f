/*
 * nn_train.h - rnnfx's training library: batched forward and backward passes over segments of
 * audio with the engine's own cells, the loss, Adam, and the training loop around them.
 *
 * Linked only by the `rnnfx` command (it needs OpenBLAS and starts threads): the plugin never
 * sees it. The cells' pointwise math is the engine's (cell_math.h through the kernel table); what
 * differs from nn_run is that the matrix products are done for a whole batch at once by sgemm.
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
/* Number of real parameters (as nn_spec_param_count counts them, less GRU's redundant r/z
 * recurrent biases) and their arena indices (idx may be NULL to count only). */
size_t nn_tnet_param_indices(const nn_tnet *net, size_t *idx);
/* A readable name for arena index i ("layer 1 w_hh[f][3][5]", "dense 1 b[0]"), for messages. */
void nn_tnet_param_name(const nn_tnet *net, size_t i, char *buf, size_t len);

/* The network as a spec (weights, shapes, gains, skip, h0/c0); metadata left empty. `out` is
 * initialised here; the caller frees it. */
nn_status nn_tnet_to_spec(const nn_tnet *net, nn_spec *out, nn_error *err);

int nn_tnet_num_cond(const nn_tnet *net);

/* Adam (PyTorch's: L2 weight decay added to the gradient, bias-corrected moments). */
typedef struct nn_adam {
    double lr, beta1, beta2, eps, weight_decay;
    long step; /* steps taken (0 before the first) */
} nn_adam;
void nn_adam_default(nn_adam *a); /* lr 5e-3, betas 0.9/0.999, eps 1e-8, weight decay 1e-4 */
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
    double esr_weight;  /* 0.75 */
    double dc_weight;   /* 0.25 */
    double pre_emph;    /* 0.85: the filter 1 - a z^-1 applied to output and target before ESR */
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

#ifdef __cplusplus
}
#endif
#endif
