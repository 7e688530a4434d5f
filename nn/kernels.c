/*
 * kernels.c - one sample at a time through the packed network, and the trainer's pointwise
 * passes. Compiled once per instruction set (nn/meson.build) with:
 *   NN_VW            lanes per vector (4 SSE2/NEON, 8 AVX2, 16 AVX-512)
 *   NN_KREGS         vector registers available (16 or 32): how many accumulators fit at once
 *   NN_KERNEL_TABLE  the name of the exported nn_kernels table
 *   NN_KERNEL_NAME   its human name, NN_KERNEL_AVAILABLE() whether this CPU runs it
 *
 * Per sample and layer, each block of VW hidden units (nn_internal.h) does
 *   1. accumulate: for every column (layer input, then recurrent input) broadcast the input
 *      value and multiply-add it into the block's gate accumulators. Even and odd columns go to
 *      separate accumulators, summed at the end, to halve the dependency chains - and this
 *      order is the same for one or two channels, so nn_run2 gives nn_run's bits.
 *   2. the pointwise cell update of cell_math.h, writing the block's new h (and c).
 * then the dense layers, the skip and the output gain.
 */
#if defined(NN_KERNEL_AVX512)
#define NN_VW 16
#define NN_KREGS 32
#define NN_KERNEL_TABLE nn_kernels_avx512
#define NN_KERNEL_NAME "avx512"
#elif defined(NN_KERNEL_AVX2)
#define NN_VW 8
#define NN_KREGS 16
#define NN_KERNEL_TABLE nn_kernels_avx2
#define NN_KERNEL_NAME "avx2+fma"
#else
#define NN_VW 4
#define NN_KREGS 16
#define NN_KERNEL_TABLE nn_kernels_generic
#define NN_KERNEL_NAME "generic"
#endif

#include "cell_math.h"
#include "nn_kernels.h"

#include <string.h>

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* Accumulators for up to two channels, four slots each (even and odd columns). */
typedef struct {
    vf e[2][4], o[2][4];
} accs;

/*
 * Adds the columns of one block to the accumulators of slots [s0, s0 + ns), for nch channels.
 * W points to the block's first column ([col][G][VW]); x[c] is channel c's layer input (nx
 * values), h[c] its recurrent input (H values). For GRU the candidate slot (2) of recurrent
 * columns goes to accumulator 3 (nh), kept apart from the input part (nx, accumulator 2).
 */
static ALWAYS_INLINE void accumulate(accs *a, const int nch, const int G, const int s0, const int ns,
                                     const int gru, const vf *W, int nx, int H, const float *const *x,
                                     const float *const *h)
{
    int j = 0;
    for (; j + 2 <= nx; j += 2) {
        const vf *w0 = W + (size_t)j * G, *w1 = w0 + G;
#pragma GCC unroll 2
        for (int c = 0; c < nch; c++) {
            vf v0 = v_set1(x[c][j]), v1 = v_set1(x[c][j + 1]);
#pragma GCC unroll 4
            for (int s = s0; s < s0 + ns; s++) {
                a->e[c][s] += w0[s] * v0;
                a->o[c][s] += w1[s] * v1;
            }
        }
    }
    if (j < nx) {
        const vf *w0 = W + (size_t)j * G;
#pragma GCC unroll 2
        for (int c = 0; c < nch; c++) {
            vf v0 = v_set1(x[c][j]);
#pragma GCC unroll 4
            for (int s = s0; s < s0 + ns; s++) a->e[c][s] += w0[s] * v0;
        }
    }
    W += (size_t)nx * G;
    int k = 0;
    for (; k + 2 <= H; k += 2) {
        const vf *w0 = W + (size_t)k * G, *w1 = w0 + G;
#pragma GCC unroll 2
        for (int c = 0; c < nch; c++) {
            vf v0 = v_set1(h[c][k]), v1 = v_set1(h[c][k + 1]);
#pragma GCC unroll 4
            for (int s = s0; s < s0 + ns; s++) {
                int d = gru && s == 2 ? 3 : s;
                a->e[c][d] += w0[s] * v0;
                a->o[c][d] += w1[s] * v1;
            }
        }
    }
    if (k < H) {
        const vf *w0 = W + (size_t)k * G;
#pragma GCC unroll 2
        for (int c = 0; c < nch; c++) {
            vf v0 = v_set1(h[c][k]);
#pragma GCC unroll 4
            for (int s = s0; s < s0 + ns; s++) {
                int d = gru && s == 2 ? 3 : s;
                a->e[c][d] += w0[s] * v0;
            }
        }
    }
}

/* Bias into the even accumulators, zero into the odd ones. */
static ALWAYS_INLINE void acc_init(accs *a, const int nch, const int A, const float *const *bias, int blk)
{
#pragma GCC unroll 2
    for (int c = 0; c < nch; c++)
#pragma GCC unroll 4
        for (int s = 0; s < A; s++) {
            a->e[c][s] = v_load(bias[c] + ((size_t)blk * A + (size_t)s) * NN_VW);
            a->o[c][s] = v_set1(0.0f);
        }
}

static ALWAYS_INLINE vf acc_sum(const accs *a, int c, int s) { return a->e[c][s] + a->o[c][s]; }

/* One block of an LSTM layer. */
static ALWAYS_INLINE void lstm_block(const int nch, const nn_layer *L, int blk, const float *const *bias,
                                     const float *const *x, const float *const *h, float *const *hn,
                                     float *const *cs)
{
    accs a;
    const vf *W = (const vf *)L->w + (size_t)blk * (size_t)(L->nx + L->H) * 4;
    acc_init(&a, nch, 4, bias, blk);
    if (nch == 1 || NN_KREGS >= 32) {
        accumulate(&a, nch, 4, 0, 4, 0, W, L->nx, L->H, x, h);
    } else { /* two channels x four gates x two parities would not fit in 16 registers */
        accumulate(&a, nch, 4, 0, 2, 0, W, L->nx, L->H, x, h);
        accumulate(&a, nch, 4, 2, 2, 0, W, L->nx, L->H, x, h);
    }
#pragma GCC unroll 2
    for (int c = 0; c < nch; c++) {
        float *cp = cs[c] + (size_t)blk * NN_VW;
        vf cc = v_load(cp), hh;
        lstm_forward(acc_sum(&a, c, 0), acc_sum(&a, c, 1), acc_sum(&a, c, 2), acc_sum(&a, c, 3), &cc, &hh);
        v_store(cp, cc);
        v_store(hn[c] + (size_t)blk * NN_VW, hh);
    }
}

static ALWAYS_INLINE void gru_block(const int nch, const nn_layer *L, int blk, const float *const *bias,
                                    const float *const *x, const float *const *h, float *const *hn)
{
    accs a;
    const vf *W = (const vf *)L->w + (size_t)blk * (size_t)(L->nx + L->H) * 3;
    acc_init(&a, nch, 4, bias, blk);
    if (nch == 1 || NN_KREGS >= 32) {
        accumulate(&a, nch, 3, 0, 3, 1, W, L->nx, L->H, x, h);
    } else {
        accumulate(&a, nch, 3, 0, 2, 1, W, L->nx, L->H, x, h);
        accumulate(&a, nch, 3, 2, 1, 1, W, L->nx, L->H, x, h);
    }
#pragma GCC unroll 2
    for (int c = 0; c < nch; c++) {
        vf hh = v_load(h[c] + (size_t)blk * NN_VW);
        gru_forward(acc_sum(&a, c, 0), acc_sum(&a, c, 1), acc_sum(&a, c, 2), acc_sum(&a, c, 3), &hh);
        v_store(hn[c] + (size_t)blk * NN_VW, hh);
    }
}

static ALWAYS_INLINE void rnn_block(const int nch, const nn_layer *L, int blk, const float *const *bias,
                                    const float *const *x, const float *const *h, float *const *hn)
{
    accs a;
    const vf *W = (const vf *)L->w + (size_t)blk * (size_t)(L->nx + L->H);
    acc_init(&a, nch, 1, bias, blk);
    accumulate(&a, nch, 1, 0, 1, 0, W, L->nx, L->H, x, h);
#pragma GCC unroll 2
    for (int c = 0; c < nch; c++) {
        vf hh;
        rnn_forward(acc_sum(&a, c, 0), &hh);
        v_store(hn[c] + (size_t)blk * NN_VW, hh);
    }
}

static ALWAYS_INLINE void layer_step(const int nch, const nn_layer *L, const float *const *bias,
                                     const float *const *x, const float *const *h, float *const *hn,
                                     float *const *cs)
{
    switch (L->type) {
    case NN_CELL_LSTM:
        for (int b = 0; b < L->nblk; b++) lstm_block(nch, L, b, bias, x, h, hn, cs);
        break;
    case NN_CELL_GRU:
        for (int b = 0; b < L->nblk; b++) gru_block(nch, L, b, bias, x, h, hn);
        break;
    case NN_CELL_RNN:
        for (int b = 0; b < L->nblk; b++) rnn_block(nch, L, b, bias, x, h, hn);
        break;
    }
}

/* The dense head for one channel: v is the last recurrent layer's h (padded with zeros). */
static inline float dense_head(const nn_model *m, const float *v, float *buf0, float *buf1)
{
    float *bufs[2] = {buf0, buf1};
    int vp = m->rec[m->n_rec - 1].Hp; /* padded width of v */
    if (m->n_dense == 0) return v[0];
    for (int l = 0; l < m->n_dense; l++) {
        const nn_dense_layer *D = &m->dense[l];
        if (D->out == 1) {
            vf acc = v_set1(0.0f);
            for (int j = 0; j < vp; j += NN_VW) acc += v_load(D->w + j) * v_load(v + j);
            vf y = v_set1(v_hsum(acc) + D->b[0]);
            return act_forward(D->act, y)[0]; /* validation: out == 1 only at the end */
        }
        float *o = bufs[l & 1];
        for (int q = 0; q < D->outp; q += NN_VW) {
            vf acc = v_load(D->b + q);
            const float *w = D->w + q;
            for (int j = 0; j < D->in; j++) acc += v_load(w + (size_t)j * (size_t)D->outp) * v_set1(v[j]);
            v_store(o + q, act_forward(D->act, acc));
        }
        v = o;
        vp = D->outp;
    }
    return v[0]; /* unreachable for a validated model (last layer has out == 1) */
}

static ALWAYS_INLINE void run_n(nn_state *const *st, const int nch, const float *const *in, float *const *out,
                                size_t n)
{
    const nn_model *m = st[0]->m;
    float *h[2][NN_MAX_REC_LAYERS], *hn[2][NN_MAX_REC_LAYERS], *cs[2][NN_MAX_REC_LAYERS];
    const float *bias0[2];
    float xin[2];
    for (int c = 0; c < nch; c++) {
        for (int l = 0; l < m->n_rec; l++) {
            h[c][l] = st[c]->h[l];
            hn[c][l] = st[c]->hn[l];
            cs[c][l] = st[c]->c[l];
        }
        bias0[c] = st[c]->bias0;
    }
    const float in_gain = m->in_gain, out_gain = m->out_gain;
    for (size_t t = 0; t < n; t++) {
        for (int c = 0; c < nch; c++) xin[c] = in[c][t] * in_gain;
        for (int l = 0; l < m->n_rec; l++) {
            const nn_layer *L = &m->rec[l];
            const float *bias[2], *x[2], *hc[2];
            float *hw[2], *cw[2];
            for (int c = 0; c < nch; c++) {
                bias[c] = l == 0 ? bias0[c] : L->bias;
                x[c] = l == 0 ? &xin[c] : h[c][l - 1];
                hc[c] = h[c][l];
                hw[c] = hn[c][l];
                cw[c] = cs[c][l];
            }
            layer_step(nch, L, bias, x, hc, hw, cw);
            for (int c = 0; c < nch; c++) { /* the new h becomes the current one */
                float *tmp = h[c][l];
                h[c][l] = hn[c][l];
                hn[c][l] = tmp;
            }
        }
        for (int c = 0; c < nch; c++) {
            float y = dense_head(m, h[c][m->n_rec - 1], st[c]->dense_buf[0], st[c]->dense_buf[1]);
            if (m->skip) y += xin[c];
            out[c][t] = y * out_gain;
        }
    }
    for (int c = 0; c < nch; c++)
        for (int l = 0; l < m->n_rec; l++) {
            st[c]->h[l] = h[c][l];
            st[c]->hn[l] = hn[c][l];
        }
}

static void run(nn_state *const *st, int nch, const float *const *in, float *const *out, size_t n)
{
    if (nch == 2)
        run_n(st, 2, in, out, n);
    else
        run_n(st, 1, in, out, n);
}

/* ---- the trainer's pointwise passes (planar layouts, see nn_kernels.h) ------------------- */

#define V(p, i) v_load((p) + (size_t)(i) * NN_VW)
#define VS(p, i, v) v_store((p) + (size_t)(i) * NN_VW, (v))

static void lstm_fwd(size_t count, int Hp, const float *pre, float *c, float *h, float *save)
{
    int nb = Hp / NN_VW;
    for (size_t e = 0; e < count; e++) {
        const float *p = pre + e * 4 * (size_t)Hp;
        float *ce = c + e * (size_t)Hp, *he = h + e * (size_t)Hp;
        for (int b = 0; b < nb; b++) {
            vf cc = V(ce, b), hh;
            lstm_acts a = lstm_forward(V(p, b), V(p, nb + b), V(p, 2 * nb + b), V(p, 3 * nb + b), &cc, &hh);
            VS(ce, b, cc);
            VS(he, b, hh);
            if (save) {
                float *s = save + e * 5 * (size_t)Hp;
                VS(s, b, a.i);
                VS(s, nb + b, a.f);
                VS(s, 2 * nb + b, a.g);
                VS(s, 3 * nb + b, a.o);
                VS(s, 4 * nb + b, a.tc);
            }
        }
    }
}

static void lstm_bwd(size_t count, int Hp, const float *save, const float *c_prev, const float *dh, float *dc,
                     float *dpre)
{
    int nb = Hp / NN_VW;
    for (size_t e = 0; e < count; e++) {
        const float *s = save + e * 5 * (size_t)Hp;
        float *d = dpre + e * 4 * (size_t)Hp, *dce = dc + e * (size_t)Hp;
        for (int b = 0; b < nb; b++) {
            lstm_acts a = {V(s, b), V(s, nb + b), V(s, 2 * nb + b), V(s, 3 * nb + b), V(s, 4 * nb + b)};
            vf dcc = V(dce, b), di, df, dg, dov;
            lstm_backward(&a, V(c_prev + e * (size_t)Hp, b), V(dh + e * (size_t)Hp, b), &dcc, &di, &df, &dg, &dov);
            VS(dce, b, dcc);
            VS(d, b, di);
            VS(d, nb + b, df);
            VS(d, 2 * nb + b, dg);
            VS(d, 3 * nb + b, dov);
        }
    }
}

static void gru_fwd(size_t count, int Hp, const float *pre, float *h, float *save)
{
    int nb = Hp / NN_VW;
    for (size_t e = 0; e < count; e++) {
        const float *p = pre + e * 4 * (size_t)Hp;
        float *he = h + e * (size_t)Hp;
        for (int b = 0; b < nb; b++) {
            vf hh = V(he, b);
            gru_acts a = gru_forward(V(p, b), V(p, nb + b), V(p, 2 * nb + b), V(p, 3 * nb + b), &hh);
            VS(he, b, hh);
            if (save) {
                float *s = save + e * 4 * (size_t)Hp;
                VS(s, b, a.r);
                VS(s, nb + b, a.z);
                VS(s, 2 * nb + b, a.n);
                VS(s, 3 * nb + b, a.anh);
            }
        }
    }
}

static void gru_bwd(size_t count, int Hp, const float *save, const float *h_prev, const float *dh, float *dpre,
                    float *dh_prev)
{
    int nb = Hp / NN_VW;
    for (size_t e = 0; e < count; e++) {
        const float *s = save + e * 4 * (size_t)Hp;
        float *d = dpre + e * 4 * (size_t)Hp;
        for (int b = 0; b < nb; b++) {
            gru_acts a = {V(s, b), V(s, nb + b), V(s, 2 * nb + b), V(s, 3 * nb + b)};
            vf dr, dz, dnx, dnh, dhp;
            gru_backward(&a, V(h_prev + e * (size_t)Hp, b), V(dh + e * (size_t)Hp, b), &dr, &dz, &dnx, &dnh, &dhp);
            VS(d, b, dr);
            VS(d, nb + b, dz);
            VS(d, 2 * nb + b, dnx);
            VS(d, 3 * nb + b, dnh);
            VS(dh_prev + e * (size_t)Hp, b, dhp);
        }
    }
}

static void rnn_fwd(size_t count, int Hp, const float *pre, float *h)
{
    size_t n = count * (size_t)Hp / NN_VW;
    for (size_t i = 0; i < n; i++) {
        vf hh;
        rnn_forward(V(pre, i), &hh);
        VS(h, i, hh);
    }
}

static void rnn_bwd(size_t count, int Hp, const float *h, const float *dh, float *dpre)
{
    size_t n = count * (size_t)Hp / NN_VW;
    for (size_t i = 0; i < n; i++) VS(dpre, i, rnn_backward(V(h, i), V(dh, i)));
}

static void act_fwd(int act, size_t n, float *x)
{
    for (size_t i = 0; i < n / NN_VW; i++) VS(x, i, act_forward(act, V(x, i)));
}

static void act_bwd(int act, size_t n, const float *y, float *dy)
{
    for (size_t i = 0; i < n / NN_VW; i++) VS(dy, i, act_backward(act, V(y, i), V(dy, i)));
}

const nn_kernels NN_KERNEL_TABLE = {
    .name = NN_KERNEL_NAME,
    .vw = NN_VW,
    .run = run,
    .lstm_fwd = lstm_fwd,
    .gru_fwd = gru_fwd,
    .rnn_fwd = rnn_fwd,
    .lstm_bwd = lstm_bwd,
    .gru_bwd = gru_bwd,
    .rnn_bwd = rnn_bwd,
    .act_fwd = act_fwd,
    .act_bwd = act_bwd,
};
