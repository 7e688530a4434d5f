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
#include "../nn_kernels.h"

typedef struct tn_rec_shape {
    nn_cell type;
    int nin;            /* input rows of wx */
    int H, Hp;
    int Gx, Gh, Gp;     /* slots of wx columns, of wh columns, of pre-activations */
    int Gs;             /* slots of saved activations per element (LSTM 5, GRU 4, RNN 0) */
    size_t wx, wh, b;   /* offsets into the arena (floats) */
    float h0_set;       /* 1 when the spec had h0/c0 (kept, not trained) */
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
    float in_gain, out_gain;        /* linear, constants (not trained) */
    float in_gain_db, out_gain_db;
    tn_rec_shape rec[NN_MAX_REC_LAYERS];
    tn_dense_shape dense[NN_MAX_DENSE_LAYERS];
    float *h0[NN_MAX_REC_LAYERS], *c0[NN_MAX_REC_LAYERS]; /* [Hp], constants; NULL = zeros */
    size_t n;                       /* floats per array */
    float *params, *grads, *m, *v;  /* four arrays of n floats, one allocation (mem) */
    void *mem;
    float *h0mem;
};

/* The named pointers of array `base` (params, grads, m or v). */
tn_view tn_view_of(const nn_tnet *net, float *base);

/* Maximum of the widths a pass works on (for scratch sizes). */
int tn_max_width(const nn_tnet *net);

#endif
