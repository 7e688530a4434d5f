/* test_passes.c - the trainer's batched forward computes what the engine computes: for several
 * networks (LSTM, GRU, RNN, stacked, conditioned, deep heads, gains, skip, initial states), each
 * sequence of a batch, run window after window (state carried), matches nn_run on the model built
 * from the exported spec, within float tolerance (only the order of the sums differs). Also: the
 * spec round trip (spec -> trainable net -> spec) keeps every weight bit, and cutting a signal
 * into windows does not change the output. With every kernel this CPU runs (the trainer and the
 * engine use the same one). */
#include "check.h"
#include "kernels.h"
#include "nn_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B 5
#define N 3000

static uint64_t rng = 4242;
static float frand(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(rng >> 11) * (1.0 / 4503599627370496.0) - 1.0);
}

static int same_spec_weights(const nn_spec *a, const nn_spec *b)
{
    if (a->n_rec != b->n_rec || a->n_dense != b->n_dense || a->n_inputs != b->n_inputs) return 0;
    for (int l = 0; l < a->n_rec; l++) {
        const nn_rec_spec *x = &a->rec[l], *y = &b->rec[l];
        size_t gh = (size_t)nn_cell_gates(x->type) * (size_t)x->hidden;
        if (x->type != y->type || x->hidden != y->hidden || x->in != y->in) return 0;
        if (memcmp(x->w_ih, y->w_ih, gh * (size_t)x->in * 4) || memcmp(x->w_hh, y->w_hh, gh * (size_t)x->hidden * 4))
            return 0;
        for (size_t i = 0; i < gh; i++) { /* biases: the trainer keeps the sums the engine uses */
            int n_slot = x->type == NN_CELL_GRU && i >= 2 * (size_t)x->hidden;
            float sx = n_slot ? x->b_ih[i] : x->b_ih[i] + (x->b_hh ? x->b_hh[i] : 0.0f);
            float sy = n_slot ? y->b_ih[i] : y->b_ih[i] + (y->b_hh ? y->b_hh[i] : 0.0f);
            if (sx != sy) return 0;
            if (n_slot && (x->b_hh ? x->b_hh[i] : 0.0f) != (y->b_hh ? y->b_hh[i] : 0.0f)) return 0;
        }
    }
    for (int d = 0; d < a->n_dense; d++)
        if (memcmp(a->dense[d].w, b->dense[d].w, (size_t)a->dense[d].in * (size_t)a->dense[d].out * 4) ||
            memcmp(a->dense[d].b, b->dense[d].b, (size_t)a->dense[d].out * 4) || a->dense[d].act != b->dense[d].act)
            return 0;
    return a->skip == b->skip && a->in_gain_db == b->in_gain_db && a->out_gain_db == b->out_gain_db;
}

static void run_case(const char *what, nn_cell type, int layers, int hidden, int ncond, int skip, int deep, int with_h0,
                     float in_db, float out_db)
{
    nn_spec s;
    nn_spec_init_random(&s, type, layers, hidden, ncond, skip, 5 + (uint64_t)hidden);
    s.in_gain_db = in_db;
    s.out_gain_db = out_db;
    if (deep) { /* Dense(H -> 8, tanh) -> Dense(8 -> 1) */
        int H = s.rec[layers - 1].hidden;
        s.n_dense = 2;
        s.dense[0] = (nn_dense_spec){H, 8, NN_ACT_TANH, nn_spec_floats(&s, (size_t)H * 8), nn_spec_floats(&s, 8)};
        s.dense[1] = (nn_dense_spec){8, 1, NN_ACT_LINEAR, nn_spec_floats(&s, 8), nn_spec_floats(&s, 1)};
        for (int i = 0; i < H * 8; i++) s.dense[0].w[i] = 0.5f * frand();
        for (int i = 0; i < 8; i++) s.dense[0].b[i] = 0.2f * frand(), s.dense[1].w[i] = 0.5f * frand();
    }
    if (with_h0)
        for (int l = 0; l < layers; l++) {
            s.rec[l].h0 = nn_spec_floats(&s, (size_t)hidden);
            for (int u = 0; u < hidden; u++) s.rec[l].h0[u] = 0.3f * frand();
            if (type == NN_CELL_LSTM) {
                s.rec[l].c0 = nn_spec_floats(&s, (size_t)hidden);
                for (int u = 0; u < hidden; u++) s.rec[l].c0[u] = 0.5f * frand();
            }
        }
    nn_error err;
    nn_tnet *net = nn_tnet_new(&s, &err);
    CHECK(net, "%s: %s", what, err.msg);
    nn_spec back;
    CHECK(nn_tnet_to_spec(net, &back, &err) == NN_OK, "%s: %s", what, err.msg);
    CHECK(same_spec_weights(&s, &back), "%s: spec -> trainer -> spec changed weights", what);
    nn_model *m = nn_model_build(&back, what, &err);
    CHECK(m, "%s: %s", what, err.msg);

    /* inputs: a different mix of tones and noise per sequence, up to 0.9 */
    float *x = malloc(sizeof(float) * N * B), *y = malloc(sizeof(float) * N * B), *y2 = malloc(sizeof(float) * N * B);
    float cond[B * NN_MAX_COND];
    for (int e = 0; e < B; e++) {
        for (int t = 0; t < N; t++)
            x[t * B + e] = 0.6f * sinf(0.01f * (float)(t * (e + 1))) + 0.3f * frand() * (e & 1 ? 1.0f : 0.3f);
        for (int k = 0; k < ncond; k++) cond[e * ncond + k] = (float)(e + k) / (float)(B + 2);
    }
    /* windows of uneven length, state carried */
    int wins[] = {700, 1, 999, 1300};
    nn_tbatch *wb = nn_tbatch_new(net, B, 1300, &err);
    nn_tbatch_start(wb, B, cond);
    for (int w = 0, t0 = 0; w < 4; t0 += wins[w], w++)
        nn_tbatch_forward(wb, x + (size_t)t0 * B, B, wins[w], y + (size_t)t0 * B, B);
    /* another cut: 1000 x 3 - same result within float tolerance of the dense sums */
    nn_tbatch_start(wb, B, cond);
    for (int t0 = 0; t0 < N; t0 += 1000) nn_tbatch_forward(wb, x + (size_t)t0 * B, B, 1000, y2 + (size_t)t0 * B, B);

    double worst = 0, worst_cut = 0, scale = 0;
    float *xe = malloc(sizeof(float) * N), *ye = malloc(sizeof(float) * N);
    nn_state *st = nn_state_new(m, &err);
    for (int e = 0; e < B; e++) {
        for (int k = 0; k < ncond; k++) nn_state_set_cond(st, k, cond[e * ncond + k]);
        nn_state_reset(st);
        for (int t = 0; t < N; t++) xe[t] = x[t * B + e];
        nn_run(st, xe, ye, N);
        for (int t = 0; t < N; t++) {
            double d = fabs((double)ye[t] - y[t * B + e]), dc = fabs((double)y2[t * B + e] - y[t * B + e]);
            if (!(d <= worst)) worst = d;
            if (!(dc <= worst_cut)) worst_cut = dc;
            if (fabs(ye[t]) > scale) scale = fabs(ye[t]);
        }
    }
    printf("%-36s max |trainer - engine| = %.2g (output peak %.2f), window cut %.2g\n", what, worst, scale, worst_cut);
    CHECK(scale > 0.05, "%s: output too small to compare (%g)", what, scale);
    CHECK(worst <= 5e-6 * (1.0 + scale), "%s: trainer and engine differ by %g", what, worst);
    CHECK(worst_cut <= 5e-6 * (1.0 + scale), "%s: window cut changes the output by %g", what, worst_cut);

    nn_state_free(st);
    free(x), free(y), free(y2), free(xe), free(ye);
    nn_tbatch_free(wb);
    nn_model_free(m);
    nn_spec_free(&back);
    nn_tnet_free(net);
    nn_spec_free(&s);
}

int main(void)
{
    for (const char *k = test_kernel_first(); k; k = test_kernel_next()) {
        rng = 4242; /* the same networks and data with every kernel */
        run_case("LSTM-16 + skip", NN_CELL_LSTM, 1, 16, 0, 1, 0, 0, 0, 0);
        run_case("GRU-12, 2 conditioning inputs", NN_CELL_GRU, 1, 12, 2, 1, 0, 0, 0, 0);
        run_case("RNN 2 x 8", NN_CELL_RNN, 2, 8, 0, 0, 0, 0, 0, 0);
        run_case("LSTM 2 x 20, tanh head, 1 cond", NN_CELL_LSTM, 2, 20, 1, 1, 1, 0, 0, 0);
        run_case("GRU 3 x 5, h0, gains", NN_CELL_GRU, 3, 5, 0, 1, 0, 1, 4.0f, -2.0f);
        run_case("LSTM-7, h0/c0, 3 cond", NN_CELL_LSTM, 1, 7, 3, 0, 0, 1, 0, 0);
        run_case("LSTM-40", NN_CELL_LSTM, 1, 40, 0, 1, 0, 0, 0, 0);
    }
    return check_exit();
}
