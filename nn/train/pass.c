/*
 * pass.c - the batched forward and backward passes (truncated BPTT), each layer's pair side by side.
 *
 * A window is T samples of B sequences. Activations are time-major: at step t the batch's vectors
 * are contiguous ([B][width]), so a step's matrix product is one small product for the whole
 * batch, and the kernel table's pointwise cell code (the engine's cell_math.h) does the rest:
 *
 *   forward, step t, layer l:  P = bias + x_t Wx + h_{t-1} Wh        (gemm_acc, [B][Gp*Hp])
 *                              h_t (c_t) = cell(P), activations saved  (kernel table)
 *   then the dense head over the whole window at once (sgemm, [T*B][...]).
 *
 *   backward: the dense head over the window (sgemm), then t = T-1 .. 0, layers top down:
 *                              dP = cell_backward(saved, dh_t + dh_rec)   (kernel table)
 *                              dh_rec = dP Wh^T; the layer below gets dP Wx^T as its dh_t (gemm_acc)
 *                              every kb steps: dWh += h^T dP, dWx += x^T dP, db += sum dP over
 *                              those steps at once (sgemm, K = kb * B)
 *
 * The per-step products are tiny (B = 50, H = 16: [50x16][16x64]). OpenBLAS packs both operands
 * on every call, which at these sizes costs as much as the arithmetic, so they go through
 * gemm_acc: register-tiled kernels at the kernel table's vector width (sgemm only in builds
 * without them). The weight gradients, whose inner dimension is the batch, are summed per block
 * of kb steps rather than per step: OpenBLAS's per-call cost is paid once per block, and the
 * block's dP is still in cache when the sgemm reads it.
 *
 * Memory per recurrent layer: h and c [T+1][B][Hp] (index 0 = the state the window started
 * from), saved activations [T][B][Gs*Hp]. The start state of the next window is h[T], c[T].
 */
#include "train_internal.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

typedef struct tb_layer {
    float *h;    /* [T+1][B][Hp] */
    float *c;    /* [T+1][B][Hp], LSTM only */
    float *s;    /* [T][B][Gs*Hp] saved activations */
    float *dhr;  /* [B][Hp] dL/dh_{t-1} through the recurrence (backward) */
    float *dc;   /* [B][Hp] dL/dc carried back (LSTM) */
    float *dext; /* [B][Hp] dL/dh_t from above (layers below the top) */
    float *dp;   /* [kb][B][Gp*Hp] pre-activation gradients of a block of steps */
    float *whT;  /* [Gh*Hp][Hp] the recurrent weights transposed, for the backward's products */
    float *wxT;  /* [Gx*Hp][nin] the input weights transposed (layers above the first) */
} tb_layer;

struct nn_tbatch {
    const nn_tnet *net;
    int max_batch, max_steps;
    int batch, T; /* current batch size, steps of the last forward */
    int carry;    /* 1: the next forward starts from h[T], c[T] of the last one */
    int kb;       /* steps per block of weight gradients in backward */
    tb_layer L[NN_MAX_REC_LAYERS];
    float *cond;                   /* [B][n_cond] */
    float *bb;                     /* [B][Gp*Hp] layer 0's bias with each sequence's conditioning folded in */
    float *x0;                     /* [T][B][nin + 1]: gained audio, conditioning, 1 (layer 0's gradient rows) */
    float *g0;                     /* [nin + 1][Gp*Hp] layer 0's window gradient (weights rows, then bias) */
    float *P;                      /* [B][Gp*Hp] one step's pre-activations (forward) or their gradients */
    float *z[NN_MAX_DENSE_LAYERS]; /* [T*B][out] dense outputs after activation */
    float *dz[2];                  /* [T*B][maxw] dense gradients */
    float *dtop;                   /* [T][B][Hp] dL/dh of the top recurrent layer */
    float *ones;                   /* [T*B] of 1.0 for column sums */
    void *mem;
};

/* Reserves n floats, 64-byte aligned, in a layout being measured (base == NULL) or filled. */
static float *take(float *base, size_t *used, size_t n)
{
    size_t at = nn_round_up(*used, 16);
    *used = at + nn_round_up(n, 16);
    return base ? base + at : NULL;
}

nn_tbatch *nn_tbatch_new(const nn_tnet *net, int max_batch, int max_steps, nn_error *err)
{
    if (max_batch < 1 || max_steps < 1) {
        nn_fail(err, NN_ERR_ARG, "trainer", "batch and window must be at least 1");
        return NULL;
    }
    nn_tbatch *b = calloc(1, sizeof *b);
    if (!b) goto nomem;
    b->net = net;
    b->max_batch = max_batch;
    b->max_steps = max_steps;
    size_t B = (size_t)max_batch, T = (size_t)max_steps, TB = T * B;
    const tn_rec_shape *L0 = &net->rec[0], *Lt = &net->rec[net->n_rec - 1];
    int maxw = Lt->Hp;
    for (int d = 0; d < net->n_dense; d++)
        if (net->dense[d].out > maxw) maxw = net->dense[d].out;
    int maxg = tn_max_width(net);
    /* Weight gradients are summed by one sgemm per block of steps (rows = kb * B) rather than per
     * step: the per-call and packing costs of OpenBLAS dominate at K = B. Blocks of ~256 KB stay
     * in cache between the steps that write them and the sgemm that reads them. */
    b->kb = (int)((64 * 1024) / (B * (size_t)maxg));
    if (b->kb < 1) b->kb = 1;
    if (b->kb > 64) b->kb = 64;
    /* Two passes: measure, then carve. */
    for (int pass = 0; pass < 2; pass++) {
        float *base = pass ? b->mem : NULL;
        size_t used = 0;
        int vw = net->vw;
        for (int l = 0; l < net->n_rec; l++) {
            const tn_rec_shape *S = &net->rec[l];
            size_t hp = (size_t)S->Hp;
            b->L[l].h = take(base, &used, (T + 1) * B * hp);
            b->L[l].c = S->type == NN_CELL_LSTM ? take(base, &used, (T + 1) * B * hp) : NULL;
            b->L[l].s = S->Gs ? take(base, &used, TB * (size_t)S->Gs * hp) : NULL;
            b->L[l].dhr = take(base, &used, B * hp);
            b->L[l].dc = take(base, &used, B * hp);
            b->L[l].dext = take(base, &used, B * hp);
            b->L[l].dp = take(base, &used, (size_t)b->kb * B * (size_t)(S->Gp * S->Hp));
            b->L[l].whT = take(base, &used, (size_t)(S->Gh * S->Hp) * hp);
            b->L[l].wxT = take(base, &used, (size_t)(S->Gx * S->Hp) * (size_t)S->nin);
        }
        b->cond = take(base, &used, B * (size_t)(net->n_cond + 1));
        b->bb = take(base, &used, B * (size_t)(L0->Gp * L0->Hp));
        b->x0 = take(base, &used, TB * (size_t)(L0->nin + 1));
        b->g0 = take(base, &used, (size_t)(L0->nin + 1) * (size_t)(L0->Gp * L0->Hp));
        b->P = take(base, &used, B * (size_t)maxg);
        for (int d = 0; d < net->n_dense; d++) b->z[d] = take(base, &used, TB * (size_t)net->dense[d].out + (size_t)vw);
        b->dz[0] = take(base, &used, TB * (size_t)maxw + (size_t)vw);
        b->dz[1] = take(base, &used, TB * (size_t)maxw + (size_t)vw);
        b->dtop = take(base, &used, TB * (size_t)Lt->Hp);
        b->ones = take(base, &used, TB);
        if (!pass) {
            b->mem = nn_aligned_alloc(used * sizeof(float));
            if (!b->mem) goto nomem;
        }
    }
    for (size_t i = 0; i < TB; i++) b->ones[i] = 1.0f;
    nn_tbatch_start(b, max_batch, NULL);
    return b;
nomem:
    if (b) free(b);
    nn_fail(err, NN_ERR_NOMEM, "trainer", "out of memory for a batch of %d x %d samples", max_batch, max_steps);
    return NULL;
}

void nn_tbatch_free(nn_tbatch *b)
{
    if (!b) return;
    nn_aligned_free(b->mem);
    free(b);
}

/* Sequence starts: the network's initial state; layer 0's per-sequence bias b + sum_k cond_k wx[1+k]. */
void nn_tbatch_start(nn_tbatch *b, int batch, const float *cond)
{
    const nn_tnet *net = b->net;
    if (batch > b->max_batch) batch = b->max_batch;
    b->batch = batch;
    b->T = 0;
    b->carry = 0;
    int nc = net->n_cond;
    for (int e = 0; e < batch; e++)
        for (int k = 0; k < nc; k++) b->cond[e * nc + k] = cond ? cond[e * nc + k] : 0.0f;
    for (int l = 0; l < net->n_rec; l++) {
        size_t hp = (size_t)net->rec[l].Hp;
        for (int e = 0; e < batch; e++) {
            float *h = b->L[l].h + (size_t)e * hp, *c = b->L[l].c ? b->L[l].c + (size_t)e * hp : NULL;
            if (net->h0[l]) {
                memcpy(h, net->h0[l], hp * sizeof *h);
                if (c) memcpy(c, net->c0[l], hp * sizeof *c);
            } else {
                memset(h, 0, hp * sizeof *h);
                if (c) memset(c, 0, hp * sizeof *c);
            }
        }
    }
}

/* ---- small vector loops -------------------------------------------------------------------
 * The heavy products are OpenBLAS's and the cell math the kernel table's (both chosen for the CPU
 * at run time); these few loops get an AVX2 clone the same way, where the compiler can. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define TN_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TN_CLONES
#endif

/* p[e][j] = bb[e][j] + x[e] w[j] (j < gx), bb[e][j] (gx <= j < gp) */
TN_CLONES static void input_step(int B, int gx, int gp, const float *restrict x, int ldx, const float *restrict bb,
                                 const float *restrict w, float *restrict p)
{
    for (int e = 0; e < B; e++) {
        float xe = x[(size_t)e * (size_t)ldx];
        const float *be = bb + (size_t)e * (size_t)gp;
        float *pe = p + (size_t)e * (size_t)gp;
        for (int j = 0; j < gx; j++) pe[j] = be[j] + xe * w[j];
        for (int j = gx; j < gp; j++) pe[j] = be[j];
    }
}

/* dh[e][j] = dz[e] w[j] + dhr[e][j]: the linear Dense(1) head's gradient plus the recurrence's */
TN_CLONES static void head_grad(int B, int Hp, const float *restrict dz, const float *restrict w,
                                const float *restrict dhr, float *restrict dh)
{
    for (int e = 0; e < B; e++)
        for (int j = 0; j < Hp; j++)
            dh[(size_t)e * (size_t)Hp + (size_t)j] = dz[e] * w[j] + dhr[(size_t)e * (size_t)Hp + (size_t)j];
}

TN_CLONES static void add_to(float *restrict a, const float *restrict b, size_t n)
{
    for (size_t i = 0; i < n; i++) a[i] += b[i];
}

/* ---- the per-step products ------------------------------------------------------------------
 * C[M][N] += A[M][K] B[K][N] with M = the batch (50), K and N the widths of one layer (16..128):
 * OpenBLAS packs both operands for every call, which at these sizes costs as much as the
 * arithmetic. These kernels keep tiles of 4 rows x 2 vectors of C in registers and stream B
 * from L1: about half OpenBLAS's time here. One per vector width, matching the kernel table's
 * (the choice of instruction set is made once, by nn_kernels_select). */
/* Laid out by hand: clang-format cannot lay out the _Pragma loops of a macro readably. */
// clang-format off
#define GEMM_TILE(VT, W, R, J)                                                                     \
    do {                                                                                           \
        VT acc[R][J];                                                                              \
        _Pragma("GCC unroll 4") for (int r = 0; r < R; r++)                                        \
            _Pragma("GCC unroll 2") for (int q = 0; q < J; q++)                                   \
                acc[r][q] = *(const VT *)(C + (size_t)(e + r) * (size_t)ldc + (size_t)(j + q * W)); \
        for (int k = 0; k < K; k++) {                                                              \
            VT b[J];                                                                               \
            _Pragma("GCC unroll 2") for (int q = 0; q < J; q++)                                   \
                b[q] = *(const VT *)(Bm + (size_t)k * (size_t)ldb + (size_t)(j + q * W));           \
            _Pragma("GCC unroll 4") for (int r = 0; r < R; r++) {                                 \
                float a = A[(size_t)(e + r) * (size_t)lda + (size_t)k];                            \
                _Pragma("GCC unroll 2") for (int q = 0; q < J; q++) acc[r][q] += a * b[q];        \
            }                                                                                      \
        }                                                                                          \
        _Pragma("GCC unroll 4") for (int r = 0; r < R; r++)                                        \
            _Pragma("GCC unroll 2") for (int q = 0; q < J; q++)                                   \
                *(VT *)(C + (size_t)(e + r) * (size_t)ldc + (size_t)(j + q * W)) = acc[r][q];       \
    } while (0)
// clang-format on

#define GEMM_BODY(VT, W)                                                                                     \
    {                                                                                                        \
        int e = 0, nw = N - N % W;                                                                           \
        for (; e + 4 <= M; e += 4) {                                                                         \
            int j = 0;                                                                                       \
            for (; j + 2 * W <= nw; j += 2 * W) GEMM_TILE(VT, W, 4, 2);                                      \
            for (; j < nw; j += W) GEMM_TILE(VT, W, 4, 1);                                                   \
        }                                                                                                    \
        for (; e < M; e++) {                                                                                 \
            int j = 0;                                                                                       \
            for (; j + 2 * W <= nw; j += 2 * W) GEMM_TILE(VT, W, 1, 2);                                      \
            for (; j < nw; j += W) GEMM_TILE(VT, W, 1, 1);                                                   \
        }                                                                                                    \
        for (int r = 0; r < M && nw < N; r++) /* columns past the last whole vector */                       \
            for (int j = nw; j < N; j++) {                                                                   \
                float acc = C[(size_t)r * (size_t)ldc + (size_t)j];                                          \
                for (int k = 0; k < K; k++)                                                                  \
                    acc += A[(size_t)r * (size_t)lda + (size_t)k] * Bm[(size_t)k * (size_t)ldb + (size_t)j]; \
                C[(size_t)r * (size_t)ldc + (size_t)j] = acc;                                                \
            }                                                                                                \
    }

typedef float tn_v8 __attribute__((vector_size(32), aligned(4)));
typedef float tn_v16 __attribute__((vector_size(64), aligned(4)));

#if defined(__GNUC__) && defined(__x86_64__) && defined(NN_HAVE_X86_KERNELS)
__attribute__((target("avx512f,fma"))) static void gemm_acc16(int M, int K, int N, const float *A, int lda,
                                                              const float *Bm, int ldb, float *C, int ldc)
    GEMM_BODY(tn_v16, 16)
        __attribute__((target("avx2,fma"))) static void gemm_acc8(int M, int K, int N, const float *A, int lda,
                                                                  const float *Bm, int ldb, float *C, int ldc)
            GEMM_BODY(tn_v8, 8)
#define HAVE_GEMM_ACC 1
#endif

    /* C[M][N] += A[M][K] B[K][N] (row-major, strides lda, ldb, ldc). */
    static void gemm_acc(const nn_tnet *net, int M, int K, int N, const float *A, int lda, const float *Bm, int ldb,
                         float *C, int ldc)
{
#ifdef HAVE_GEMM_ACC
    if (net->vw == 16) {
        gemm_acc16(M, K, N, A, lda, Bm, ldb, C, ldc);
        return;
    }
    if (net->vw == 8) {
        gemm_acc8(M, K, N, A, lda, Bm, ldb, C, ldc);
        return;
    }
#else
    (void)net; /* (no tiled kernels in this build, e.g. the fuzz build) */
#endif
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, A, lda, Bm, ldb, 1.0f, C, ldc);
}

/* dst[c][r] = src[r][c]: rows x cols, strides lds, ldd. */
static void transpose(int rows, int cols, const float *src, int lds, float *dst, int ldd)
{
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            dst[(size_t)c * (size_t)ldd + (size_t)r] = src[(size_t)r * (size_t)lds + (size_t)c];
}

/* ---- layer 0's input: audio and conditioning ---------------------------------------------- */

/* bb[e] = b + sum_k cond[e][k] wx[1 + k] (conditioning enters slots 0..Gx-1, as in the engine). */
static void input_bias(nn_tbatch *b, const tn_view *P)
{
    const nn_tnet *net = b->net;
    const tn_rec_shape *L = &net->rec[0];
    int gp = L->Gp * L->Hp, gx = L->Gx * L->Hp, nc = net->n_cond;
    for (int e = 0; e < b->batch; e++) {
        float *bb = b->bb + (size_t)e * (size_t)gp;
        memcpy(bb, P->rec[0].b, (size_t)gp * sizeof *bb);
        for (int k = 0; k < nc; k++) {
            float cv = b->cond[e * nc + k];
            const float *w = P->rec[0].wx + (size_t)(1 + k) * (size_t)gx;
            for (int j = 0; j < gx; j++) bb[j] += cv * w[j];
        }
    }
}

/* ---- recurrent layer: one step forward / backward ------------------------------------------- */

/* Shapes: x [B][nin] (layer 0: the augmented x0 row, audio first), h_prev = h[t] [B][Hp],
 * writes h[t+1] (and c[t+1], s[t]). P is scratch [B][Gp*Hp]. */
static void rec_forward(const nn_tnet *net, int l, const tn_rec_view *W, int B, const float *x, int ldx,
                        const float *bb, float *P, float *h_prev, float *c_prev, float *s)
{
    const tn_rec_shape *L = &net->rec[l];
    const int Hp = L->Hp, gp = L->Gp * Hp, gx = L->Gx * Hp;
    if (l == 0) { /* one audio column: P = bb[e] + x wx[0] */
        input_step(B, gx, gp, x, ldx, bb, W->wx, P);
    } else {
        for (int e = 0; e < B; e++) memcpy(P + (size_t)e * (size_t)gp, W->b, (size_t)gp * sizeof *P);
        gemm_acc(net, B, L->nin, gx, x, ldx, W->wx, gx, P, gp);
    }
    if (L->type == NN_CELL_GRU) { /* recurrent slots r, z -> P slots 0, 1; nh -> P slot 3 */
        gemm_acc(net, B, Hp, 2 * Hp, h_prev, Hp, W->wh, 3 * Hp, P, gp);
        gemm_acc(net, B, Hp, Hp, h_prev, Hp, W->wh + 2 * Hp, 3 * Hp, P + 3 * Hp, gp);
    } else {
        gemm_acc(net, B, Hp, L->Gh * Hp, h_prev, Hp, W->wh, L->Gh * Hp, P, gp);
    }
    float *h = h_prev + (size_t)B * (size_t)Hp;
    switch (L->type) {
    case NN_CELL_LSTM: {
        float *c = c_prev + (size_t)B * (size_t)Hp;
        memcpy(c, c_prev, (size_t)B * (size_t)Hp * sizeof *c);
        net->k->lstm_fwd((size_t)B, Hp, P, c, h, s);
        break;
    }
    case NN_CELL_GRU:
        memcpy(h, h_prev, (size_t)B * (size_t)Hp * sizeof *h);
        net->k->gru_fwd((size_t)B, Hp, P, h, s);
        break;
    case NN_CELL_RNN: net->k->rnn_fwd((size_t)B, Hp, P, h); break;
    }
}

/* One step back. dh [B][Hp]: dL/dh_t, all of it (from above plus the recurrence); may be
 * overwritten. Writes dP [B][Gp*Hp] (the pre-activation gradients), dhr = dL/dh_{t-1} through the
 * recurrence (unless first) and, for l > 0, dx = dL/dx_t [B][nin] for the layer below. The weight
 * gradients wait for rec_backward_weights, a block of steps at a time. */
static void rec_backward(const nn_tnet *net, int l, const float *whT, const float *wxT, int B, float *dP,
                         const float *h_prev, const float *c_prev, const float *s, float *dh, float *dc, float *dhr,
                         int first, float *dx)
{
    const tn_rec_shape *L = &net->rec[l];
    const int Hp = L->Hp, gp = L->Gp * Hp, gx = L->Gx * Hp;
    const float *h = h_prev + (size_t)B * (size_t)Hp;
    switch (L->type) {
    case NN_CELL_LSTM: net->k->lstm_bwd((size_t)B, Hp, s, c_prev, dh, dc, dP); break;
    case NN_CELL_GRU: net->k->gru_bwd((size_t)B, Hp, s, h_prev, dh, dP, dhr); break;
    case NN_CELL_RNN: net->k->rnn_bwd((size_t)B, Hp, h, dh, dP); break;
    }
    /* recurrence: dhr (+)= dP Wh^T, with whT = Wh^T [Gh*Hp][Hp] (GRU: slots r, z and nh; its
     * direct part is already in dhr) */
    if (!first) {
        if (L->type == NN_CELL_GRU) {
            gemm_acc(net, B, 2 * Hp, Hp, dP, gp, whT, Hp, dhr, Hp);
            gemm_acc(net, B, Hp, Hp, dP + 3 * Hp, gp, whT + (size_t)(2 * Hp) * (size_t)Hp, Hp, dhr, Hp);
        } else {
            memset(dhr, 0, (size_t)B * (size_t)Hp * sizeof *dhr);
            gemm_acc(net, B, L->Gh * Hp, Hp, dP, gp, whT, Hp, dhr, Hp);
        }
    }
    if (l > 0) { /* the layer below's dh_t = dP Wx^T, wxT = Wx^T [Gx*Hp][nin] */
        memset(dx, 0, (size_t)B * (size_t)L->nin * sizeof *dx);
        gemm_acc(net, B, gx, L->nin, dP, gp, wxT, L->nin, dx, L->nin);
    }
}

/* The weight gradients of n consecutive steps at once (rows = n * B): dP [rows][Gp*Hp], h_prev
 * [rows][Hp] (the states the steps started from), x [rows][ldx] their inputs.
 *   dWh += h_prev^T dP;   layer 0: g0 += x0^T dP (rows of g0: audio, conditioning, 1 = bias);
 *   l > 0: dWx += x^T dP, db += column sums of dP. */
static void rec_backward_weights(const nn_tnet *net, int l, tn_rec_view *G, int rows, const float *dP,
                                 const float *h_prev, const float *x, int ldx, float *g0, const float *ones)
{
    const tn_rec_shape *L = &net->rec[l];
    const int Hp = L->Hp, gp = L->Gp * Hp, gx = L->Gx * Hp;
    if (L->type == NN_CELL_GRU) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Hp, 2 * Hp, rows, 1.0f, h_prev, Hp, dP, gp, 1.0f, G->wh,
                    3 * Hp);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Hp, Hp, rows, 1.0f, h_prev, Hp, dP + 3 * Hp, gp, 1.0f,
                    G->wh + 2 * Hp, 3 * Hp);
    } else {
        int gh = L->Gh * Hp;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Hp, gh, rows, 1.0f, h_prev, Hp, dP, gp, 1.0f, G->wh, gh);
    }
    if (l == 0) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, L->nin + 1, gp, rows, 1.0f, x, ldx, dP, gp, 1.0f, g0, gp);
    } else {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, L->nin, gx, rows, 1.0f, x, ldx, dP, gp, 1.0f, G->wx, gx);
        cblas_sgemv(CblasRowMajor, CblasTrans, rows, gp, 1.0f, dP, gp, ones, 1, 1.0f, G->b, 1);
    }
}

/* ---- dense head over the whole window ------------------------------------------------------ */

/* in [N][in] (row stride ldin) -> z [N][out] = act(in W + b). */
static void dense_forward(const nn_tnet *net, int d, const tn_dense_view *W, int N, const float *in, int ldin, float *z)
{
    const tn_dense_shape *D = &net->dense[d];
    for (int i = 0; i < N; i++) memcpy(z + (size_t)i * (size_t)D->out, W->b, (size_t)D->out * sizeof *z);
    if (D->out == 1) cblas_sgemv(CblasRowMajor, CblasNoTrans, N, D->in, 1.0f, in, ldin, W->w, 1, 1.0f, z, 1);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, D->out, D->in, 1.0f, in, ldin, W->w, D->out, 1.0f, z,
                    D->out);
    if (D->act != NN_ACT_LINEAR) net->k->act_fwd(D->act, nn_round_up((size_t)N * (size_t)D->out, (size_t)net->vw), z);
}

/* dz [N][out]: dL/dz (turned into dL/d(pre-activation) in place); adds dW, db; writes
 * din [N][in] (row stride lddin) unless din is NULL. */
static void dense_backward(const nn_tnet *net, int d, const tn_dense_view *W, tn_dense_view *G, int N, const float *in,
                           int ldin, const float *z, float *dz, float *din, int lddin, const float *ones)
{
    const tn_dense_shape *D = &net->dense[d];
    if (D->act != NN_ACT_LINEAR)
        net->k->act_bwd(D->act, nn_round_up((size_t)N * (size_t)D->out, (size_t)net->vw), z, dz);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, D->in, D->out, N, 1.0f, in, ldin, dz, D->out, 1.0f, G->w,
                D->out);
    cblas_sgemv(CblasRowMajor, CblasTrans, N, D->out, 1.0f, dz, D->out, ones, 1, 1.0f, G->b, 1);
    if (!din) return;
    for (int i = 0; i < N; i++) memset(din + (size_t)i * (size_t)lddin, 0, (size_t)D->in * sizeof *din);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, D->in, D->out, 1.0f, dz, D->out, W->w, D->out, 1.0f, din,
                lddin);
}

/* ---- the whole network ------------------------------------------------------------------- */

static size_t step_size(const nn_tbatch *b, int l) { return (size_t)b->batch * (size_t)b->net->rec[l].Hp; }

void nn_tbatch_forward(nn_tbatch *b, const float *x, int ldx, int T, float *y, int ldy)
{
    const nn_tnet *net = b->net;
    const int B = b->batch, nr = net->n_rec, nin1 = net->rec[0].nin + 1, nc = net->n_cond;
    if (T > b->max_steps) T = b->max_steps;
    tn_view P = tn_view_of(net, net->params);
    if (b->carry) /* the last window's final state is this one's start */
        for (int l = 0; l < nr; l++) {
            size_t n = step_size(b, l), off = (size_t)b->T * n;
            memmove(b->L[l].h, b->L[l].h + off, n * sizeof(float));
            if (b->L[l].c) memmove(b->L[l].c, b->L[l].c + off, n * sizeof(float));
        }
    input_bias(b, &P);
    for (int t = 0; t < T; t++)
        for (int e = 0; e < B; e++) {
            float *r = b->x0 + ((size_t)t * (size_t)B + (size_t)e) * (size_t)nin1;
            r[0] = x[(size_t)t * (size_t)ldx + (size_t)e] * net->in_gain;
            for (int k = 0; k < nc; k++) r[1 + k] = b->cond[e * nc + k];
            r[nin1 - 1] = 1.0f;
        }
    for (int t = 0; t < T; t++)
        for (int l = 0; l < nr; l++) {
            const tn_rec_shape *L = &net->rec[l];
            size_t n = step_size(b, l);
            const float *xin;
            int ldxin;
            if (l == 0) {
                xin = b->x0 + (size_t)t * (size_t)B * (size_t)nin1;
                ldxin = nin1;
            } else {
                xin = b->L[l - 1].h + (size_t)(t + 1) * step_size(b, l - 1);
                ldxin = net->rec[l - 1].Hp;
            }
            rec_forward(net, l, &P.rec[l], B, xin, ldxin, b->bb, b->P, b->L[l].h + (size_t)t * n,
                        b->L[l].c ? b->L[l].c + (size_t)t * n : NULL,
                        L->Gs ? b->L[l].s + (size_t)t * (size_t)B * (size_t)(L->Gs * L->Hp) : NULL);
        }
    /* dense head over the window; then skip and output gain */
    const int N = T * B, Hpt = net->rec[nr - 1].Hp;
    const float *in = b->L[nr - 1].h + step_size(b, nr - 1); /* h[1..T] */
    int ldin = Hpt;
    for (int d = 0; d < net->n_dense; d++) {
        dense_forward(net, d, &P.dense[d], N, in, ldin, b->z[d]);
        in = b->z[d];
        ldin = net->dense[d].out;
    }
    for (int t = 0; t < T; t++)
        for (int e = 0; e < B; e++) {
            size_t i = (size_t)t * (size_t)B + (size_t)e;
            float v = in[i * (size_t)ldin];
            if (net->skip) v += b->x0[i * (size_t)nin1];
            y[(size_t)t * (size_t)ldy + (size_t)e] = v * net->out_gain;
        }
    b->T = T;
    b->carry = 1;
}

void nn_tbatch_backward(nn_tbatch *b, const float *dy, int lddy, float *grads)
{
    const nn_tnet *net = b->net;
    const int B = b->batch, T = b->T, nr = net->n_rec, N = T * B, nin1 = net->rec[0].nin + 1;
    if (T <= 0) return;
    tn_view P = tn_view_of(net, net->params);
    tn_view G = tn_view_of(net, grads);
    const tn_rec_shape *Lt = &net->rec[nr - 1];

    /* dense head: dL/d(output) -> dL/dh of the top layer, for the whole window */
    float *dz = b->dz[0];
    int nd = net->n_dense;
    for (int t = 0; t < T; t++)
        for (int e = 0; e < B; e++)
            dz[(size_t)t * (size_t)B + (size_t)e] = dy[(size_t)t * (size_t)lddy + (size_t)e] * net->out_gain;
    if (nd == 0) { /* hidden size 1: the output is h itself */
        memset(b->dtop, 0, (size_t)N * (size_t)Lt->Hp * sizeof(float));
        for (int i = 0; i < N; i++) b->dtop[(size_t)i * (size_t)Lt->Hp] = dz[i];
    }
    /* The usual head, one linear Dense(1): dL/dh_t = dz_t w, formed step by step below instead of
     * as a [T*B][Hp] outer product here. */
    const int simple_head = nd == 1 && net->dense[0].out == 1 && net->dense[0].act == NN_ACT_LINEAR;
    const float *dz_out = dz, *w_out = P.dense[0].w;
    for (int d = nd - 1; d >= 0; d--) {
        const float *in = d ? b->z[d - 1] : b->L[nr - 1].h + step_size(b, nr - 1);
        int ldin = d ? net->dense[d - 1].out : Lt->Hp;
        float *din = d ? b->dz[(nd - d) & 1] : simple_head ? NULL : b->dtop;
        dense_backward(net, d, &P.dense[d], &G.dense[d], N, in, ldin, b->z[d], dz, din, ldin, b->ones);
        dz = din;
    }

    /* recurrent layers, t = T-1 .. 0, top down at each step */
    for (int l = 0; l < nr; l++) {
        const tn_rec_shape *L = &net->rec[l];
        transpose(L->Hp, L->Gh * L->Hp, P.rec[l].wh, L->Gh * L->Hp, b->L[l].whT, L->Hp);
        if (l > 0) transpose(L->nin, L->Gx * L->Hp, P.rec[l].wx, L->Gx * L->Hp, b->L[l].wxT, L->nin);
        memset(b->L[l].dhr, 0, step_size(b, l) * sizeof(float));
        memset(b->L[l].dc, 0, step_size(b, l) * sizeof(float));
    }
    const tn_rec_shape *L0 = &net->rec[0];
    memset(b->g0, 0, (size_t)nin1 * (size_t)(L0->Gp * L0->Hp) * sizeof(float));
    const int kb = b->kb; /* steps per block of weight gradients */
    for (int t = T - 1; t >= 0; t--)
        for (int l = nr - 1; l >= 0; l--) {
            const tn_rec_shape *L = &net->rec[l];
            tb_layer *Y = &b->L[l];
            size_t n = step_size(b, l), gpn = (size_t)B * (size_t)(L->Gp * L->Hp);
            /* dL/dh_t: from above (dense head or the layer above), plus the recurrence */
            float *dh;
            if (l == nr - 1 && simple_head) {
                dh = Y->dext;
                head_grad(B, L->Hp, dz_out + (size_t)t * (size_t)B, w_out, Y->dhr, dh);
            } else {
                dh = l == nr - 1 ? b->dtop + (size_t)t * n : Y->dext;
                add_to(dh, Y->dhr, n);
            }
            float *dP = Y->dp + (size_t)(t % kb) * gpn;
            rec_backward(net, l, Y->whT, Y->wxT, B, dP, Y->h + (size_t)t * n, Y->c ? Y->c + (size_t)t * n : NULL,
                         L->Gs ? Y->s + (size_t)t * (size_t)B * (size_t)(L->Gs * L->Hp) : NULL, dh, Y->dc, Y->dhr,
                         t == 0, l ? b->L[l - 1].dext : NULL);
            if (t % kb == 0) { /* steps t .. t + steps - 1 are done: their weight gradients */
                int steps = T - t < kb ? T - t : kb;
                const float *xin;
                int ldxin;
                if (l == 0) {
                    xin = b->x0 + (size_t)t * (size_t)B * (size_t)nin1;
                    ldxin = nin1;
                } else {
                    xin = b->L[l - 1].h + (size_t)(t + 1) * step_size(b, l - 1);
                    ldxin = net->rec[l - 1].Hp;
                }
                rec_backward_weights(net, l, &G.rec[l], steps * B, Y->dp, Y->h + (size_t)t * n, xin, ldxin, b->g0,
                                     b->ones);
            }
        }
    /* layer 0's input rows and bias, accumulated over the window in g0 */
    const int gp = L0->Gp * L0->Hp, gx = L0->Gx * L0->Hp;
    for (int j = 0; j < L0->nin; j++)
        for (int i = 0; i < gx; i++)
            G.rec[0].wx[(size_t)j * (size_t)gx + (size_t)i] += b->g0[(size_t)j * (size_t)gp + (size_t)i];
    for (int i = 0; i < gp; i++) G.rec[0].b[i] += b->g0[(size_t)L0->nin * (size_t)gp + (size_t)i];
}
