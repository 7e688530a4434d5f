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
 *      value and multiply-add it into the block's gate accumulators. Columns are dealt round
 *      robin to 2 or 4 partial sums (independent dependency chains), summed at the end; the
 *      order of additions depends only on the model, never on how many channels or blocks are
 *      processed together, so nn_run2 gives nn_run's bits.
 *   2. the pointwise cell update of cell_math.h, writing the block's new h (and c).
 * then the dense layers, the skip and the output gain.
 */
#if defined(NN_KERNEL_AVX512)
#define NN_VW 16
#define NN_KREGS 32
#define NN_KERNEL_TABLE nn_kernels_avx512
#define NN_KERNEL_NAME "avx512"
#define NN_PAIR_BLOCKS 0
#elif defined(NN_KERNEL_AVX2)
#define NN_VW 8
#define NN_KREGS 16
#define NN_KERNEL_TABLE nn_kernels_avx2
#define NN_KERNEL_NAME "avx2+fma"
#define NN_PAIR_BLOCKS 1
#else
#define NN_VW 4
#define NN_KREGS 16
#define NN_KERNEL_TABLE nn_kernels_generic
#define NN_KERNEL_NAME "generic"
#define NN_PAIR_BLOCKS 0
#endif

#include "cell_math.h"
#include "nn_kernels.h"

#include <string.h>

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* How many accumulator vectors one pass may keep in registers (the rest of the register file
 * holds weights and broadcast inputs). */
#define ACC_BUDGET (NN_KREGS == 32 ? 16 : 8)
#define NB_MAX 2 /* blocks per tile */

/* Accumulator vectors one tile may keep live. A paired GRU tile (AVX2, one channel: layer_pairs)
 * takes 12: its three gates x two splits x two blocks, the two nx sums and the broadcast still
 * leave one of the 16 registers; with 8 it had 6 dependency chains for 2 FMA pipes of 4 cycles'
 * latency. Measured: BENCHMARKS.md. */
static inline int tile_budget(nn_cell type, int in_pair) { return type == NN_CELL_GRU && in_pair ? 12 : ACC_BUDGET; }

/* Accumulators: [channel][block in tile][slot][column split]. Only the entries a tile uses are
 * touched; with every index a compile-time constant after unrolling, they live in registers. */
typedef struct {
    vf a[2][NB_MAX][4][4];
} accs;

/* One column j (split k) into the accumulators of slots [s0, s0 + ns) of nb blocks; a block's
 * columns are CS vectors apart (nn_layer_w_stride). */
static ALWAYS_INLINE void acc_col(accs *A, const int nch, const int nb, const size_t CS, const int s0, const int ns,
                                  const int gru_h, const vf *const *W, const float *const *v, int j, const int k)
{
    vf bc[2];
#pragma GCC unroll 2
    for (int c = 0; c < nch; c++) bc[c] = v_set1(v[c][j]);
#pragma GCC unroll 2
    for (int b = 0; b < nb; b++)
#pragma GCC unroll 4
        for (int s = s0; s < s0 + ns; s++) {
            vf w = W[b][(size_t)j * CS + s];
            int d = gru_h && s == 2 ? 3 : s; /* GRU: recurrent part of the candidate kept apart */
#pragma GCC unroll 2
            for (int c = 0; c < nch; c++) A->a[c][b][d][k] += w * bc[c];
        }
}

/*
 * Adds ncols columns to the accumulators: column j goes to split j % KS, so that each split is
 * an independent dependency chain. The order of additions into any one accumulator depends on
 * nothing but the model (not on nch, nb or the pass), so one channel and two give equal bits.
 */
static ALWAYS_INLINE void acc_range(accs *A, const int nch, const int nb, const size_t CS, const int s0, const int ns,
                                    const int gru_h, const int KS, const vf *const *W, const float *const *v, int ncols)
{
    int j = 0;
    for (; j + KS <= ncols; j += KS) {
#pragma GCC unroll 4
        for (int k = 0; k < KS; k++) acc_col(A, nch, nb, CS, s0, ns, gru_h, W, v, j + k, k);
    }
    int rem = ncols - j;
    if (rem > 0) acc_col(A, nch, nb, CS, s0, ns, gru_h, W, v, j, 0);
    if (KS > 2 && rem > 1) acc_col(A, nch, nb, CS, s0, ns, gru_h, W, v, j + 1, 1 % KS);
    if (KS > 3 && rem > 2) acc_col(A, nch, nb, CS, s0, ns, gru_h, W, v, j + 2, 2 % KS);
}

/* Pre-activation of (channel, block, accumulator): the splits summed in a fixed tree. */
static ALWAYS_INLINE vf acc_sum(const accs *A, const int KS, int c, int b, int d)
{
    if (KS == 4) return (A->a[c][b][d][0] + A->a[c][b][d][1]) + (A->a[c][b][d][2] + A->a[c][b][d][3]);
    if (KS == 1) return A->a[c][b][d][0];
    return A->a[c][b][d][0] + A->a[c][b][d][1];
}

/*
 * One tile of a layer: nb blocks starting at blk, for nch channels, stored in a pair or not
 * (in_pair: their columns are then two blocks' worth of vectors apart). Accumulates all gates (in
 * passes over the slots when they would not fit in registers), then the cell's pointwise update
 * (cell_math.h) writes the blocks' new h (and c).
 */
static ALWAYS_INLINE void tile(const int nch, const int nb, const nn_cell type, const int KS, const int in_pair,
                               const nn_layer *L, int blk, const float *const *bias, const float *const *x,
                               const float *const *h, float *const *hn, float *const *cs)
{
    const int G = type == NN_CELL_LSTM ? 4 : type == NN_CELL_GRU ? 3 : 1;
    const int NA = type == NN_CELL_RNN ? 1 : 4; /* accumulators per block */
    const int gru = type == NN_CELL_GRU;
    /* nn_layer_w_at, with the stride known when compiled */
    const size_t CS = (size_t)(in_pair ? 2 * G : G), ncol = (size_t)(L->nx + L->H);
    const vf *Wx[NB_MAX], *Wh[NB_MAX];
#pragma GCC unroll 2
    for (int b = 0; b < nb; b++) {
        int u = blk + b, first = in_pair ? u & ~1 : u; /* the first block stored in u's group */
        Wx[b] = (const vf *)L->w + (size_t)first * ncol * (size_t)G + (size_t)(u - first) * (size_t)G;
        Wh[b] = Wx[b] + (size_t)L->nx * CS;
    }
    /* Slots per pass: as many as fit the register budget. Each pass ends by summing its splits,
     * so only one vector per gate stays live across passes; the GRU's input part of the
     * candidate (nx) is summed before the recurrent columns start, so G accumulators per block
     * are live through them. */
    const int per_slot = nch * nb * KS, budget = tile_budget(type, in_pair);
    const int SP = budget / per_slot >= G ? G : budget / per_slot >= 2 ? 2 : 1;
    vf pre[2][NB_MAX][4];
#pragma GCC unroll 4
    for (int s0 = 0; s0 < G; s0 += SP) {
        const int ns = s0 + SP <= G ? SP : G - s0;
        const int d0 = s0, d1 = gru && s0 + ns > 2 ? 4 : s0 + ns; /* accumulators of this pass */
        accs A;
#pragma GCC unroll 2
        for (int c = 0; c < nch; c++)
#pragma GCC unroll 2
            for (int b = 0; b < nb; b++)
#pragma GCC unroll 4
                for (int d = d0; d < d1; d++)
#pragma GCC unroll 4
                    for (int k = 0; k < KS; k++)
                        A.a[c][b][d][k] = k ? v_set1(0.0f)
                                            : v_load(bias[c] + ((size_t)(blk + b) * NA + (size_t)d) * NN_VW);
        acc_range(&A, nch, nb, CS, s0, ns, 0, KS, Wx, x, L->nx);
        const int early = gru && d1 == 4; /* nx: complete after the input columns */
#pragma GCC unroll 2
        for (int c = 0; c < nch; c++)
#pragma GCC unroll 2
            for (int b = 0; b < nb; b++)
                if (early) pre[c][b][2] = acc_sum(&A, KS, c, b, 2);
        acc_range(&A, nch, nb, CS, s0, ns, gru, KS, Wh, h, L->H);
#pragma GCC unroll 2
        for (int c = 0; c < nch; c++)
#pragma GCC unroll 2
            for (int b = 0; b < nb; b++)
#pragma GCC unroll 4
                for (int d = d0; d < d1; d++)
                    if (!(early && d == 2)) pre[c][b][d] = acc_sum(&A, KS, c, b, d);
    }
#pragma GCC unroll 2
    for (int c = 0; c < nch; c++)
#pragma GCC unroll 2
        for (int b = 0; b < nb; b++) {
            size_t at = (size_t)(blk + b) * NN_VW;
            vf hh;
            if (type == NN_CELL_LSTM) {
                vf cc = v_load(cs[c] + at);
                lstm_forward(pre[c][b][0], pre[c][b][1], pre[c][b][2], pre[c][b][3], &cc, &hh);
                v_store(cs[c] + at, cc);
            } else if (type == NN_CELL_GRU) {
                hh = v_load(h[c] + at);
                gru_forward(pre[c][b][0], pre[c][b][1], pre[c][b][2], pre[c][b][3], &hh);
            } else {
                rnn_forward(pre[c][b][0], &hh);
            }
            v_store(hn[c] + at, hh);
        }
}

/* All blocks of an unpaired layer, in tiles of as many blocks as the register budget allows -
 * when the layer's weights stay in L1. Streaming two unpaired blocks from L2 is slower than one
 * block at a time (measured: LSTM-64 on AVX-512 460 ns/sample against 650 with two-block tiles). */
static ALWAYS_INLINE void layer_tiles(const int nch, const nn_cell type, const int KS, const nn_layer *L,
                                      const float *const *bias, const float *const *x, const float *const *h,
                                      float *const *hn, float *const *cs)
{
    const int NA = type == NN_CELL_RNN ? 1 : 4;
    const int G = type == NN_CELL_LSTM ? 4 : type == NN_CELL_GRU ? 3 : 1;
    const int NB = ACC_BUDGET / (nch * NA * KS) >= 2 ? 2 : 1;
    size_t weight_bytes = (size_t)L->nblk * (size_t)(L->nx + L->H) * (size_t)G * sizeof(vf);
    int b = 0;
    if (NB > 1 && weight_bytes <= 32768)
        for (; b + NB <= L->nblk; b += NB) tile(nch, NB, type, KS, 0, L, b, bias, x, h, hn, cs);
    for (; b < L->nblk; b++) tile(nch, 1, type, KS, 0, L, b, bias, x, h, hn, cs);
}

/*
 * All blocks of a paired layer (nn_layer_w_at). The pair is one stream of weights; what gives
 * the FMA pipes enough independent chains (2 pipes x 4 cycles: 8) within 16 registers:
 *   LSTM, RNN: one column split. One channel runs both blocks of a pair at once (two blocks'
 *     gates are the chains); two channels run one block at a time (the two channels' gates are
 *     the chains, each weight read once serves both).
 *   GRU: two splits and both blocks of a pair, one channel at a time (three gates x two splits
 *     x two blocks = 12 chains; one split left 6, too few). Sharing the weight reads between two
 *     channels would need more registers than there are, and measured slower than this.
 * A lone last block takes two splits: alone, one channel would have too few chains. Measured
 * with the avx2+fma kernel on a Zen 5 against unpaired one-block tiles: BENCHMARKS.md.
 */
static ALWAYS_INLINE void layer_pairs(const int nch, const nn_cell type, const nn_layer *L, const float *const *bias,
                                      const float *const *x, const float *const *h, float *const *hn, float *const *cs)
{
    int b = 0;
    if (type == NN_CELL_GRU) {
        for (; b + 2 <= L->nblk; b += 2)
#pragma GCC unroll 2
            for (int c = 0; c < nch; c++) tile(1, 2, type, 2, 1, L, b, bias + c, x + c, h + c, hn + c, cs + c);
    } else {
        const int G = type == NN_CELL_LSTM ? 4 : 1;
        const int both = ACC_BUDGET / (nch * G) >= 2; /* both blocks of a pair fit the registers */
        for (; b + 2 <= L->nblk; b += 2) {
            if (both) tile(nch, 2, type, 1, 1, L, b, bias, x, h, hn, cs);
            else {
                tile(nch, 1, type, 1, 1, L, b, bias, x, h, hn, cs);
                tile(nch, 1, type, 1, 1, L, b + 1, bias, x, h, hn, cs);
            }
        }
    }
    if (b < L->nblk) tile(nch, 1, type, 2, 0, L, b, bias, x, h, hn, cs);
}

static ALWAYS_INLINE void layer_step(const int nch, const nn_layer *L, const float *const *bias, const float *const *x,
                                     const float *const *h, float *const *hn, float *const *cs)
{
    /* Four column splits when the layer is one block (latency-bound: shorter chains); else the
     * layer is paired when this kernel pairs blocks (nn_kernels.pair_blocks), and unpaired layers
     * take two splits (throughput-bound: room for two blocks per tile). All of it depends on the
     * layer alone, so one channel and two add in the same order. */
    switch (L->type) {
    case NN_CELL_LSTM:
        if (L->nblk == 1) layer_tiles(nch, NN_CELL_LSTM, 4, L, bias, x, h, hn, cs);
        else if (NN_PAIR_BLOCKS)
            layer_pairs(nch, NN_CELL_LSTM, L, bias, x, h, hn, cs);
        else
            layer_tiles(nch, NN_CELL_LSTM, 2, L, bias, x, h, hn, cs);
        break;
    case NN_CELL_GRU:
        if (L->nblk == 1) layer_tiles(nch, NN_CELL_GRU, 4, L, bias, x, h, hn, cs);
        else if (NN_PAIR_BLOCKS)
            layer_pairs(nch, NN_CELL_GRU, L, bias, x, h, hn, cs);
        else
            layer_tiles(nch, NN_CELL_GRU, 2, L, bias, x, h, hn, cs);
        break;
    case NN_CELL_RNN:
        if (L->nblk == 1) layer_tiles(nch, NN_CELL_RNN, 4, L, bias, x, h, hn, cs);
        else if (NN_PAIR_BLOCKS)
            layer_pairs(nch, NN_CELL_RNN, L, bias, x, h, hn, cs);
        else
            layer_tiles(nch, NN_CELL_RNN, 2, L, bias, x, h, hn, cs);
        break;
    }
}

/* y = act(w . v + b) for a dense layer with one output; v is padded with zeros to vp. */
static ALWAYS_INLINE float dense_dot(const nn_dense_layer *D, const float *v, int vp)
{
    vf acc = v_load(D->w) * v_load(v);
    for (int j = NN_VW; j < vp; j += NN_VW) acc += v_load(D->w + j) * v_load(v + j);
    float y = v_hsum(acc) + D->b[0];
    return D->act == NN_ACT_LINEAR ? y : act_forward(D->act, v_set1(y))[0];
}

/* The dense head for one channel: v is the last recurrent layer's h (padded with zeros). */
static ALWAYS_INLINE float dense_head(const nn_model *m, const float *v, float *buf0, float *buf1)
{
    int vp = m->rec[m->n_rec - 1].Hp;                           /* padded width of v */
    if (m->n_dense == 1) return dense_dot(&m->dense[0], v, vp); /* the usual head: Dense(H -> 1) */
    if (m->n_dense == 0) return v[0];
    float *bufs[2] = {buf0, buf1};
    for (int l = 0; l < m->n_dense - 1; l++) { /* validation: only the last has one output */
        const nn_dense_layer *D = &m->dense[l];
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
    return dense_dot(&m->dense[m->n_dense - 1], v, vp);
}

static ALWAYS_INLINE void run_n(nn_state *const *st, const int nch, const float *const *in, float *const *out, size_t n)
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

static void run(nn_state *const *st, int nch, const float *const *in, float *const *out, size_t n) NN_RT;
static void run(nn_state *const *st, int nch, const float *const *in, float *const *out, size_t n)
{
    if (nch == 2) run_n(st, 2, in, out, n);
    else
        run_n(st, 1, in, out, n);
}

/* ---- the trainer's pointwise passes (planar layouts, see nn_kernels.h) ------------------- */

#define V(p, i) v_load((p) + (size_t)(i)*NN_VW)
#define VS(p, i, v) v_store((p) + (size_t)(i)*NN_VW, (v))

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
    .pair_blocks = NN_PAIR_BLOCKS,
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
