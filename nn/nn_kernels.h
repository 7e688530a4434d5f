/*
 * nn_kernels.h - the table of SIMD kernels, one per instruction set (kernels.c is compiled once
 * per set with NN_VW lanes). The engine and the trainer both reach the cell math through it, so
 * that on a given CPU they compute with the same code. Internal to nn/ (the trainer is in nn/).
 *
 * All pointers to float arrays of padded widths must be 64-byte aligned; Hp is a multiple of vw.
 * Planar layouts: an element's pre-activations are [slot][Hp] (LSTM i,f,g,o; GRU r,z,nx,nh;
 * RNN a), its saved activations [slot][Hp] (LSTM i,f,g,o,tanh(c); GRU r,z,n,anh).
 */
#ifndef RNNFX_NN_KERNELS_H
#define RNNFX_NN_KERNELS_H

#include <stddef.h>

#include "nn_internal.h"

struct nn_kernels {
    const char *name; /* "avx2+fma", "generic", ... */
    int vw;           /* lanes per vector */
    int pair_blocks;  /* layers of several blocks are packed in pairs and run two blocks at a
                       * time (nn_layer.paired): where that measured faster, see kernels.c */

    /* [RT] nch (1 or 2) channels of the same model, n samples each. The caller has set up the
     * FP environment and checks for non-finite output. */
    void (*run)(nn_state *const *st, int nch, const float *const *in, float *const *out, size_t n) NN_RT;

    /* Trainer, forward: `count` elements. LSTM: c holds c_prev and receives c; h receives h.
     * GRU: h holds h_prev and receives h. RNN: h receives h. save may be NULL. */
    void (*lstm_fwd)(size_t count, int Hp, const float *pre, float *c, float *h, float *save);
    void (*gru_fwd)(size_t count, int Hp, const float *pre, float *h, float *save);
    void (*rnn_fwd)(size_t count, int Hp, const float *pre, float *h);
    /* Trainer, backward. dh: dL/dh of this step (may be modified). LSTM: dc holds dL/dc from
     * the next step and receives dL/dc_prev. GRU: dh_prev receives the direct part z*dh.
     * dpre receives the pre-activation gradients (planar, as pre). */
    void (*lstm_bwd)(size_t count, int Hp, const float *save, const float *c_prev, const float *dh, float *dc,
                     float *dpre);
    void (*gru_bwd)(size_t count, int Hp, const float *save, const float *h_prev, const float *dh, float *dpre,
                    float *dh_prev);
    void (*rnn_bwd)(size_t count, int Hp, const float *h, const float *dh, float *dpre);
    /* Dense activations over n floats (n a multiple of vw), in place; backward takes y = act(x)
     * and turns dy into dx in place. */
    void (*act_fwd)(int act, size_t n, float *x);
    void (*act_bwd)(int act, size_t n, const float *y, float *dy);
};

/* The best kernel table for this CPU (or the one forced by nn_kernel_force). */
const nn_kernels *nn_kernels_select(void);
/* A kernel table by name, NULL if unknown or unavailable here. */
const nn_kernels *nn_kernels_by_name(const char *name);

#endif
