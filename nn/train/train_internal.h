/*
 * train_internal.h - the trainable network as the training library sees it. Private to nn/train/.
 *
 * One arena (llm.c style): every parameter lives in one allocation of `n` floats, laid out for the
 * batched passes (not the engine's packing, not the spec's layout); the gradients and Adam's two
 * moments are three more arrays of `n` floats with the same offsets, in the same allocation. So
 * one memset zeroes all gradients and one loop is Adam.
 *
 * Recurrent layer l, H hidden units padded to Hp (a multiple of the kernel's vector width), with
 * the kernel table's planar pre-activation slots (nn_kernels.h): LSTM i,f,g,o (Gp = 4); GRU
 * r,z,nx,nh (Gp = 4); RNN a (Gp = 1). Row-major, "x times W" orientation (rows = inputs):
 *
 *   wx [nin][Gx*Hp]   input weights; columns = pre-activation slots 0..Gx-1
 *                     (LSTM i,f,g,o; GRU r,z,nx; RNN a). nin = 1 + n_cond for layer 0 (audio,
 *                     then the conditioning inputs), Hp of the layer below otherwise.
 *   wh [Hp][Gh*Hp]    recurrent weights; columns = LSTM i,f,g,o; GRU r,z,nh; RNN a.
 *   b  [Gp*Hp]        one bias per pre-activation slot. LSTM/RNN: b_ih + b_hh (the spec's two
 *                     biases only ever appear summed); GRU: r, z: b_ih + b_hh; nx: b_in; nh: b_hn.
 *
 * Dense layer d: w [inw][out] (inw = Hp of the last recurrent layer for d = 0), b [out].
 *
 * Padded units and padded input rows have zero weights; their gradients are provably zero (a
 * padded unit's pre-activations are 0, its h and c stay 0, and nothing reads it through a non-zero
 * weight), so Adam leaves them at zero and they never reach an exported model.
 */
#ifndef RNNFX_NN_TRAIN_INTERNAL_H
#define RNNFX_NN_TRAIN_INTERNAL_H

#include "nn_train.h"
#include "../nn_internal.h"
#include "../errors.h"
#include "../formats.h"
#include "../nn_kernels.h"

typedef struct tn_rec_shape {
    nn_cell type;
    int nin; /* input rows of wx */
    int H, Hp;
    int Gx, Gh, Gp;   /* slots of wx columns, of wh columns, of pre-activations */
    int Gs;           /* slots of saved activations per element (LSTM 5, GRU 4, RNN 0) */
    size_t wx, wh, b; /* offsets into the arena (floats) */
    float h0_set;     /* 1 when the spec had h0/c0 (kept, not trained) */
} tn_rec_shape;

typedef struct tn_dense_shape {
    int in, out;
    nn_act act;
    size_t w, b;
} tn_dense_shape;

/* Named pointers into one of the arena's arrays (parameters, gradients, moments). */
typedef struct tn_rec_view {
    float *wx, *wh, *b;
} tn_rec_view;
typedef struct tn_dense_view {
    float *w, *b;
} tn_dense_view;
typedef struct tn_view {
    tn_rec_view rec[NN_MAX_REC_LAYERS];
    tn_dense_view dense[NN_MAX_DENSE_LAYERS];
} tn_view;

struct nn_tnet {
    const nn_kernels *k;
    int vw;
    int n_inputs, n_cond, n_rec, n_dense, skip;
    float in_gain, out_gain; /* linear, constants (not trained) */
    float in_gain_db, out_gain_db;
    tn_rec_shape rec[NN_MAX_REC_LAYERS];
    tn_dense_shape dense[NN_MAX_DENSE_LAYERS];
    float *h0[NN_MAX_REC_LAYERS], *c0[NN_MAX_REC_LAYERS]; /* [Hp], constants; NULL = zeros */
    size_t n;                                             /* floats per array */
    float *params, *grads, *m, *v;                        /* four arrays of n floats, one allocation (mem) */
    float *lr_scale; /* [n]: 2 for the biases that stand for two (b_ih + b_hh), else 1 */
    int bias_lr2;    /* 1: apply lr_scale (as the recipe, which trains both halves) */
    void *mem;
    float *h0mem;
};

/* One (input, target) pair, mono, owned. */
typedef struct tn_pair {
    char *in_name, *out_name;
    float *x, *y;
    size_t n;
    int lag;
    double lag_corr;
    int aligned;
    float cond[NN_MAX_COND];
    nn_trole role;
    size_t train_from, train_to, val_from, val_to, test_from, test_to;
} tn_pair;

struct nn_tdata {
    tn_pair *pairs;
    int n_pairs, cap;
    double rate;
    int n_cond; /* -1 until the first pair */
    char **warnings;
    size_t n_warnings;
    char *describe;
};

/* ---- the trainer (trainer.c; checkpoints in checkpoint.c, export in export.c) ---------------- */

#include <pthread.h>

/* A tiny worker pool: run fn(arg, worker) on every worker, the caller being worker 0. */
typedef void (*job_fn)(void *arg, int worker);

typedef struct pool {
    int n;
    pthread_t th[64];
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    long gen;
    int pending, quit;
    job_fn fn;
    void *arg;
} pool;

typedef struct {
    pool *p;
    int id;
} pool_seat;

typedef struct pool_start {
    pool_seat seat[64];
} pool_start;

typedef struct segment {
    int pair;
    size_t from;
} segment;

typedef struct clip {
    int pair;
    size_t from, to;
} clip;

typedef struct worker {
    nn_tbatch *tb;
    float *grads;       /* own gradient array (threads > 1), else the net's */
    int b0, b1;         /* this window's chunk of the batch */
    float *xbuf, *ybuf; /* eval blocks */
} worker;

struct nn_trainer {
    nn_train_opts o;
    nn_tdata *data;
    nn_tnet *net;
    nn_adam adam;
    pool pool;
    pool_start pool_start;
    worker w[64];
    int nw;
    /* segments and windows */
    segment *seg;
    int n_seg, seg_len, n_win, max_chunk;
    int *order;
    float *x, *tg, *y, *dy; /* [T][B] for the window */
    int B, T;
    /* eval */
    clip *clips[3];
    int n_clips[3];
    /* history and state */
    nn_epoch_log *log;
    int n_log, cap_log;
    float *best;
    int best_epoch;
    double best_val;
    double plat_best;
    int plat_bad, since_best;
    double lr;
    double wall0; /* wall time of earlier sessions */
    nn_train_end end;
    uint64_t fingerprint;
    /* eval job */
    const nn_model *eval_model;
    clip *eval_clips;
    int eval_n, eval_next;
    double *eval_num, *eval_den;
    pthread_mutex_t eval_mu;
};

/* trainer.c, for checkpoint.c: the options as JSON, and back (0 on success). */
json_t *tn_opts_tree(const nn_train_opts *o);
int tn_opts_from_tree(const json_t *j, nn_train_opts *o);
/* Allocates a trainer for `spec` (checks options and data); fresh state. */
nn_trainer *tn_trainer_alloc(const nn_train_opts *o, nn_tdata *data, const nn_spec *spec, nn_error *err);
int tn_log_push(nn_trainer *t, const nn_epoch_log *e);

/* The named pointers of array `base` (params, grads, m or v). */
tn_view tn_view_of(const nn_tnet *net, float *base);

/* Maximum of the widths a pass works on (for scratch sizes). */
int tn_max_width(const nn_tnet *net);

#endif
