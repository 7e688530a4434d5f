/*
 * cell_math.h - the pointwise part of each recurrent cell, forward and backward side by side.
 *
 * The one place where gate layout and state updates are written. The engine (kernels.c) calls the
 * forwards on the gate pre-activations it has just accumulated; the trainer's batched pass
 * (nn/train/pass.c, through the kernel table, nn_kernels.h) calls the very same forwards on
 * pre-activations from its batched matrix products, and the backwards beside them. All operate
 * on VW units at once (vf, vmath.h).
 *
 * Pre-activations (the "a" arguments) already hold W x + U h + biases, as in nn_spec.h:
 *   LSTM  ai, af, ag, ao               (i,f,o sigmoid; g tanh)
 *   GRU   ar, az  (input + recurrent, both biases), anx = Wn x + bin, anh = Un h + bhn
 *   RNN   a
 */
#ifndef RNNFX_NN_CELL_MATH_H
#define RNNFX_NN_CELL_MATH_H

#include "vmath.h"

/* ---- LSTM ------------------------------------------------------------------------------- */

/* What the backward needs from the forward. */
typedef struct {
    vf i, f, g, o, tc;
} lstm_acts;

/* c' = f c + i g,  h' = o tanh(c') */
static inline __attribute__((always_inline)) lstm_acts lstm_forward(vf ai, vf af, vf ag, vf ao, vf *c, vf *h)
{
    lstm_acts a;
    a.i = v_sigmoid(ai);
    a.f = v_sigmoid(af);
    a.g = v_tanh(ag);
    a.o = v_sigmoid(ao);
    *c = a.f * *c + a.i * a.g;
    a.tc = v_tanh(*c);
    *h = a.o * a.tc;
    return a;
}

/* Given dL/dh' (dh) and dL/dc' from the future (*dc, updated in place to dL/dc),
 * the cell's input c (c_prev): returns the four pre-activation gradients. */
static inline void lstm_backward(const lstm_acts *a, vf c_prev, vf dh, vf *dc, vf *dai, vf *daf, vf *dag, vf *dao)
{
    vf one = v_set1(1.0f);
    vf d_c = *dc + dh * a->o * (one - a->tc * a->tc);
    *dao = dh * a->tc * a->o * (one - a->o);
    *dai = d_c * a->g * a->i * (one - a->i);
    *dag = d_c * a->i * (one - a->g * a->g);
    *daf = d_c * c_prev * a->f * (one - a->f);
    *dc = d_c * a->f; /* to the previous step */
}

/* ---- GRU (Keras reset_after == PyTorch) --------------------------------------------------- */

typedef struct {
    vf r, z, n, anh;
} gru_acts;

/* n = tanh(anx + r anh),  h' = (1 - z) n + z h  (written n + z (h - n)) */
static inline __attribute__((always_inline)) gru_acts gru_forward(vf ar, vf az, vf anx, vf anh, vf *h)
{
    gru_acts a;
    a.r = v_sigmoid(ar);
    a.z = v_sigmoid(az);
    a.n = v_tanh(anx + a.r * anh);
    a.anh = anh;
    *h = a.n + a.z * (*h - a.n);
    return a;
}

/* dh: dL/dh'. h_prev: the cell's input h. Returns pre-activation gradients and the direct part
 * of dL/dh_prev (z dh); the part through U comes from the caller's matrix product. */
static inline void gru_backward(const gru_acts *a, vf h_prev, vf dh, vf *dar, vf *daz, vf *danx, vf *danh,
                                vf *dh_prev_direct)
{
    vf one = v_set1(1.0f);
    vf dn = dh * (one - a->z);
    vf dan = dn * (one - a->n * a->n);
    *daz = dh * (h_prev - a->n) * a->z * (one - a->z);
    *danx = dan;
    *danh = dan * a->r;
    *dar = dan * a->anh * a->r * (one - a->r);
    *dh_prev_direct = dh * a->z;
}

/* ---- plain tanh RNN ------------------------------------------------------------------------ */

static inline __attribute__((always_inline)) vf rnn_forward(vf a, vf *h)
{
    *h = v_tanh(a);
    return *h;
}

static inline vf rnn_backward(vf h, vf dh) { return dh * (v_set1(1.0f) - h * h); }

/* ---- dense activations --------------------------------------------------------------------- */

static inline vf act_forward(int act, vf x)
{
    switch (act) {
    case 1: return v_tanh(x);    /* NN_ACT_TANH */
    case 2: return v_sigmoid(x); /* NN_ACT_SIGMOID */
    case 3: return v_relu(x);    /* NN_ACT_RELU */
    default: return x;
    }
}

/* y = act(x) already computed; dy -> dx */
static inline vf act_backward(int act, vf y, vf dy)
{
    vf one = v_set1(1.0f);
    switch (act) {
    case 1: return dy * (one - y * y);
    case 2: return dy * y * (one - y);
    case 3: return v_select(y > v_set1(0.0f), dy, v_set1(0.0f));
    default: return dy;
    }
}

#endif
