/*
 * nn_internal.h - the packed model and the state, as the kernels see them. Private to nn/.
 *
 * Packing (done once, in model.c): for each recurrent layer, hidden units are grouped in blocks
 * of VW (the kernel's vector width; H is padded up to Hp = nblk * VW with zero weights, and
 * padded units provably stay at zero). A block's weights are contiguous, column by column:
 *
 *     w[blk][col][slot][VW]      col = layer inputs first, then the H recurrent inputs
 *                                slot = gate: LSTM i,f,g,o   GRU r,z,n   RNN h
 *
 * so that one pass over a block's columns accumulates all its gates with aligned loads, and the
 * block's pointwise update (cell_math.h) follows at once. GRU keeps the candidate's input and
 * recurrent sums apart (Keras reset_after): its accumulators are r, z, nx, nh.
 */
#ifndef RNNFX_NN_INTERNAL_H
#define RNNFX_NN_INTERNAL_H

#include "nn_spec.h"

#define NN_ALIGN 64

typedef struct nn_kernels nn_kernels;

typedef struct nn_layer {
    nn_cell type;
    int G;  /* weight slots per column: LSTM 4, GRU 3, RNN 1 */
    int A;  /* accumulators per block: LSTM 4, GRU 4 (r, z, nx, nh), RNN 1 */
    int nx; /* input columns run per sample (layer 0: 1, the audio; conditioning is
                       folded into the bias, see nn_state_set_cond) */
    int H, Hp, nblk;
    int paired;           /* w holds the blocks in pairs (the kernel's choice, nn_kernels) */
    const float *w;       /* [nblk][nx + H][G][VW], or when paired [nblk / 2][nx + H][2][G][VW]
                             and an odd last block [nx + H][G][VW]: see nn_layer_w_at */
    const float *bias;    /* [nblk][A][VW]: LSTM/RNN b_ih + b_hh; GRU r,z: b_ih + b_hh, nx: b_in, nh: b_hn */
    const float *wcond;   /* layer 0 only, when conditioned: [n_cond][nblk][G][VW] */
    const float *h0, *c0; /* [Hp], zero-padded; c0 NULL unless LSTM */
} nn_layer;

/*
 * Where block b's weights for column col start in L->w, in vectors of VW floats (its G gate
 * slots follow), and how many vectors apart its columns are. Paired, the two blocks of a pair
 * sit side by side within each column, so that a kernel running both at once reads one stream
 * of weights in order (an odd last block is stored alone).
 */
static inline size_t nn_layer_w_stride(const nn_layer *L, int b)
{
    return (size_t)L->G * (L->paired && (b | 1) < L->nblk ? 2u : 1u);
}
static inline size_t nn_layer_w_at(const nn_layer *L, int b, int col)
{
    int first = L->paired ? b & ~1 : b; /* the first block stored in b's group */
    size_t start = (size_t)first * (size_t)(L->nx + L->H) * (size_t)L->G;
    return start + (size_t)col * nn_layer_w_stride(L, b) + (size_t)(b - first) * (size_t)L->G;
}

typedef struct nn_dense_layer {
    int in, out, outp; /* outp: out padded to VW (out > 1) */
    nn_act act;
    const float *w; /* out == 1: [inp] row, zero-padded to the input's padded width;
                          out > 1: [in][outp], column by column */
    const float *b; /* [outp] (out == 1: b[0]) */
} nn_dense_layer;

struct nn_model {
    const nn_kernels *k;
    int vw;
    int n_rec, n_dense, n_cond, skip;
    float in_gain, out_gain; /* linear */
    nn_layer rec[NN_MAX_REC_LAYERS];
    nn_dense_layer dense[NN_MAX_DENSE_LAYERS];
    int max_width;  /* largest padded vector in the network (state scratch size) */
    nn_spec spec;   /* canonical copy (own arena) */
    char name[256]; /* for messages */
    int has_selftest;
    double selftest_err;
    void *packed; /* the one 64-byte aligned allocation holding all packed weights */
};

struct nn_state {
    const nn_model *m;
    float cond[NN_MAX_COND];
    float *h[NN_MAX_REC_LAYERS];  /* current h [Hp] */
    float *hn[NN_MAX_REC_LAYERS]; /* next h [Hp]; swapped with h each sample */
    float *c[NN_MAX_REC_LAYERS];  /* LSTM cell state [Hp], updated in place */
    float *bias0;                 /* layer 0 bias with the conditioning folded in [nblk][A][VW] */
    float *dense_buf[2];          /* [max_width] */
    void *mem;
};

/* Rounds up to a multiple of a (a power of two). */
static inline size_t nn_round_up(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }

void *nn_aligned_alloc(size_t bytes); /* zeroed, NN_ALIGN-aligned; free with nn_aligned_free */
void nn_aligned_free(void *p);

#endif
