/*
 * test_run.c - the engine's run contract, on random networks of every kind (random_model.h):
 *   - output matches an independent double-precision forward pass (ref_forward.c) for LSTM,
 *     GRU and RNN, 1-3 layers, hidden sizes 1..80, conditioning, dense heads, gains, skip,
 *     stored initial states - with every kernel this CPU runs;
 *   - nn_run2 gives exactly nn_run's bits on each channel;
 *   - any cutting into blocks gives the same bits; reset gives the initial state back;
 *   - NaN/Inf input is reported, zeroed and forgotten (the state is reset);
 *   - conditioning folds into the bias exactly as an extra input would.
 */
#include "check.h"
#include "kernels.h"
#include "nn.h"
#include "nn_spec.h"
#include "random_model.h"
#include "ref_forward.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define N 3000

static float x[N], x2[N], y[N], y2[N], y3[N], ref[N];

static double max_abs(const float *a, const float *b, int n, int *at)
{
    double worst = 0;
    *at = 0;
    for (int i = 0; i < n; i++) {
        double e = fabs((double)a[i] - (double)b[i]);
        if (!(e <= worst)) worst = e, *at = i;
    }
    return worst;
}

static void describe(char *buf, size_t cap, const random_model_cfg *c)
{
    snprintf(buf, cap, "%s x%d H=%d cond=%d skip=%d dense=%d(%s) h0=%d gain=%g/%g", nn_cell_name(c->type), c->layers,
             c->hidden, c->n_cond, c->skip, c->dense_hidden, nn_act_name(c->act), c->with_h0, c->in_gain_db,
             c->out_gain_db);
}

static const random_model_cfg configs[] = {
    {NN_CELL_LSTM, 1, 8, 0, 1, 0, NN_ACT_LINEAR, 0, 0, 0},   {NN_CELL_LSTM, 1, 16, 0, 0, 0, NN_ACT_LINEAR, 1, 0, 0},
    {NN_CELL_LSTM, 1, 1, 0, 1, 0, NN_ACT_LINEAR, 0, 0, 0},   {NN_CELL_LSTM, 2, 13, 1, 1, 0, NN_ACT_LINEAR, 1, 6, -3},
    {NN_CELL_LSTM, 3, 20, 2, 0, 8, NN_ACT_TANH, 0, 0, 0},    {NN_CELL_LSTM, 1, 40, 0, 1, 0, NN_ACT_LINEAR, 0, 0, 0},
    {NN_CELL_LSTM, 1, 80, 3, 1, 0, NN_ACT_LINEAR, 0, -6, 2}, {NN_CELL_GRU, 1, 8, 0, 1, 8, NN_ACT_SIGMOID, 0, 0, 0},
    {NN_CELL_GRU, 1, 12, 0, 0, 0, NN_ACT_LINEAR, 1, 0, 0},   {NN_CELL_GRU, 2, 16, 1, 1, 0, NN_ACT_LINEAR, 0, 3, 0},
    {NN_CELL_GRU, 1, 33, 2, 1, 5, NN_ACT_RELU, 1, 0, 0},     {NN_CELL_GRU, 1, 64, 0, 1, 0, NN_ACT_LINEAR, 0, 0, 0},
    {NN_CELL_RNN, 1, 3, 0, 1, 0, NN_ACT_LINEAR, 0, 0, 0},    {NN_CELL_RNN, 2, 24, 1, 0, 4, NN_ACT_TANH, 1, 0, 0},
    {NN_CELL_RNN, 4, 17, 0, 1, 0, NN_ACT_LINEAR, 0, 0, 0},
};

static void run_blocks(nn_state *s, const float *in, float *out, int n, const int *sizes, int nsizes)
{
    for (int i = 0, k = 0; i < n; k++) {
        int b = sizes[k % nsizes];
        if (b > n - i) b = n - i;
        nn_run(s, in + i, out + i, (size_t)b);
        i += b;
    }
}

int main(void)
{
    test_signal(x, N, 1);
    test_signal(x2, N, 2);
    char what[256];
    for (const char *kernel = test_kernel_first(); kernel; kernel = test_kernel_next()) {
        for (size_t ci = 0; ci < sizeof configs / sizeof configs[0]; ci++) {
            const random_model_cfg *c = &configs[ci];
            describe(what, sizeof what, c);
            nn_spec spec;
            CHECK(random_model(&spec, c, 100 + ci) == 0, "%s: spec", what);
            nn_error err = {0};
            nn_model *m = nn_model_build(&spec, "random", &err);
            CHECK(m != NULL, "%s: %s", what, err.msg);
            if (!m) {
                nn_spec_free(&spec);
                continue;
            }
            float cond[NN_MAX_COND] = {0.25f, 0.8f, 0.5f}, cond_b[NN_MAX_COND] = {1.0f, 0.0f, 0.3f};
            nn_state *a = nn_state_new(m, NULL), *b = nn_state_new(m, NULL);
            for (int k = 0; k < c->n_cond; k++) nn_state_set_cond(a, k, cond[k]), nn_state_set_cond(b, k, cond_b[k]);

            /* 1. Against the independent reference. float32 against double over 3000 recurrent
             * steps: 2e-5 absolute, scaled by the output's size. */
            CHECK(nn_run(a, x, y, N) == 0, "%s: run reported non-finite", what);
            CHECK(ref_forward(&spec, x, cond, ref, N) == 0, "reference");
            double peak = 0;
            /* A comparison, not fmax (which GCC 12 for aarch64 crashes on here); a NaN is kept. */
            for (int i = 0; i < N; i++) {
                double d = fabs(ref[i]);
                if (!(d <= peak)) peak = d;
            }
            int at;
            double e = max_abs(y, ref, N, &at);
            double tol = 2e-5 * fmax(1.0, peak);
            if (e > tol / 10) printf("%-8s %-60s max |err| %.3g (peak %.3g)\n", kernel, what, e, peak);
            CHECK(e <= tol, "%s [%s]: max error %g at %d (ours %g, reference %g)", what, kernel, e, at, y[at], ref[at]);

            /* 2. Two channels together: the bits of one channel each. */
            nn_state_reset(a);
            nn_run(a, x, y, N);
            nn_state_reset(a);
            nn_state_reset(b);
            CHECK(nn_run2(a, b, x, x2, y2, y3, N) == 0, "%s: run2 reported non-finite", what);
            CHECK(!memcmp(y, y2, sizeof y), "%s [%s]: nn_run2 channel a differs from nn_run", what, kernel);
            nn_state *b1 = nn_state_new(m, NULL);
            for (int k = 0; k < c->n_cond; k++) nn_state_set_cond(b1, k, cond_b[k]);
            nn_run(b1, x2, y, N);
            CHECK(!memcmp(y, y3, sizeof y), "%s [%s]: nn_run2 channel b differs from nn_run", what, kernel);

            /* 3. Blocks of any size, changing from call to call. */
            nn_state_reset(b1);
            const int sizes[] = {1, 7, 64, 3, 129, 1000, 2};
            run_blocks(b1, x2, y2, N, sizes, 7);
            CHECK(!memcmp(y, y2, sizeof y), "%s: output depends on the block size", what);

            /* 4. Reset gives the initial state back. */
            nn_state_reset(b1);
            nn_run(b1, x2, y2, N);
            CHECK(!memcmp(y, y2, sizeof y), "%s: reset does not restore the initial state", what);

            /* 5. Non-finite input: reported, block zeroed, state reset, then business as usual. */
            float bad[64];
            for (int i = 0; i < 64; i++) bad[i] = x[i];
            bad[10] = NAN;
            bad[20] = INFINITY;
            float out[64];
            nn_state_reset(b1);
            nn_run(b1, x2, y2, 500); /* some history first */
            int r = nn_run(b1, bad, out, 64);
            CHECK(r == NN_RUN_NONFINITE, "%s: NaN input not reported (%d)", what, r);
            int zero = 1;
            for (int i = 0; i < 64; i++) zero &= out[i] == 0.0f;
            CHECK(zero, "%s: block with NaN input not zeroed", what);
            nn_run(b1, x2, y2, N);
            nn_state_reset(a);
            for (int k = 0; k < c->n_cond; k++) nn_state_set_cond(a, k, cond_b[k]);
            nn_run(a, x2, y3, N);
            CHECK(!memcmp(y2, y3, sizeof y), "%s: state not clean after a NaN block", what);
            /* +-Inf alone: saturating networks would turn it into a finite click; caught too. */
            float inf_in[64];
            for (int i = 0; i < 64; i++) inf_in[i] = x[i];
            inf_in[33] = -INFINITY;
            CHECK(nn_run(b1, inf_in, out, 64) == NN_RUN_NONFINITE, "%s: -Inf input not reported", what);
            /* A NaN on one channel of nn_run2 leaves the other alone. */
            nn_state_reset(a), nn_state_reset(b);
            float ok_out[64];
            int r2 = nn_run2(a, b, x, bad, ok_out, out, 64);
            CHECK(r2 == 2, "%s: nn_run2 NaN mask %d, expected 2", what, r2);
            nn_state_reset(b1); /* b1 has a's conditioning values (cond_b) since part 5 */
            nn_run(b1, x, y3, 64);
            CHECK(!memcmp(ok_out, y3, sizeof ok_out), "%s: the clean channel was disturbed", what);

            nn_state_free(a), nn_state_free(b), nn_state_free(b1);
            nn_model_free(m);
            nn_spec_free(&spec);
        }
    }

    /* Conditioning is an input like the audio: a model with one conditioning input equals, at
     * value v, the same model without it whose input bias holds w * v (computed in double). */
    {
        random_model_cfg c = {NN_CELL_LSTM, 1, 12, 1, 1, 0, NN_ACT_LINEAR, 0, 0, 0};
        nn_spec with, without;
        random_model(&with, &c, 7);
        c.n_cond = 0;
        random_model(&without, &c, 7);
        const float v = 0.7f;
        /* Copy the audio weights and recurrent part, fold the conditioning column into b_hh. */
        nn_rec_spec *rw = &with.rec[0], *ro = &without.rec[0];
        for (int row = 0; row < 4 * 12; row++) {
            ro->w_ih[row] = rw->w_ih[row * 2];
            ro->b_ih[row] = rw->b_ih[row];
            ro->b_hh[row] = (float)((double)rw->b_hh[row] + (double)rw->w_ih[row * 2 + 1] * v);
        }
        memcpy(ro->w_hh, rw->w_hh, sizeof(float) * 4 * 12 * 12);
        memcpy(without.dense[0].w, with.dense[0].w, sizeof(float) * 12);
        memcpy(without.dense[0].b, with.dense[0].b, sizeof(float));
        nn_model *mw = nn_model_build(&with, "with", NULL), *mo = nn_model_build(&without, "without", NULL);
        nn_state *sw = nn_state_new(mw, NULL), *so = nn_state_new(mo, NULL);
        nn_state_set_cond(sw, 0, v);
        CHECK(nn_state_cond(sw, 0) == v, "cond readback");
        nn_run(sw, x, y, N);
        nn_run(so, x, y2, N);
        int at;
        double e = max_abs(y, y2, N, &at);
        CHECK(e < 1e-5, "conditioning: max difference %g against the folded model", e);
        /* Changing the knob changes the sound. */
        nn_state_reset(sw);
        nn_state_set_cond(sw, 0, 0.0f);
        nn_run(sw, x, y3, N);
        CHECK(max_abs(y, y3, N, &at) > 1e-3, "conditioning value has no effect");
        nn_state_free(sw), nn_state_free(so);
        nn_model_free(mw), nn_model_free(mo);
        nn_spec_free(&with), nn_spec_free(&without);
    }
    return check_exit();
}
