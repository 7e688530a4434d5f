/* test_gradcheck.c - the trainer's analytic gradients (batched backward through the kernel table's
 * cell backwards, sgemm, dense head, loss) against central finite differences of the loss, for
 * every parameter of small networks: LSTM, GRU, RNN, two stacked layers, hidden dense layers with
 * each activation, skip, gains, and conditioning inputs. Hidden sizes are not multiples of the
 * vector width, so padding is exercised (its gradients must be exactly zero). With every kernel
 * this CPU runs: padding stays silent only because tanh(0) is exactly 0 in every one of them.
 *
 * Float forward passes, so the differences are taken with a step of 2e-3 on a loss computed in
 * double; the check is relative to the gradient's scale. That it is a real check is tested too:
 * a gradient spoiled by 3 % on one parameter must be caught. */
#include "check.h"
#include "kernels.h"
#include "nn_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B 3
#define T 14
#define T0 4 /* warm-up: steps that do not count in the loss (gradient still flows through them) */

static uint64_t rng = 12345;
static float frand(void) /* uniform in [-1, 1) */
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(rng >> 11) * (1.0 / 4503599627370496.0) - 1.0);
}

typedef struct {
    float x[T * B], t[T * B], cond[B * NN_MAX_COND];
} batch_data;

static double window_loss(nn_tnet *net, nn_tbatch *wb, const batch_data *d, const nn_loss_cfg *lc, float *y)
{
    nn_tbatch_start(wb, B, d->cond);
    nn_tbatch_forward(wb, d->x, B, T, y, B);
    nn_loss_parts p;
    nn_loss_forward(lc, y, d->t, B, T, B, T0, &p);
    (void)net;
    return p.loss;
}

/* Checks all parameters; returns the number of mismatches. `spoil` >= 0: multiply the analytic
 * gradient of the parameter with the spoil-th largest |gradient| by 1.03 first (the checker must
 * then report it). */
static int check_net(const char *what, nn_spec *spec, long spoil, int verbose, double h)
{
    nn_error err;
    nn_tnet *net = nn_tnet_new(spec, &err);
    CHECK(net != NULL, "%s: %s", what, err.msg);
    if (!net) return 1;
    nn_tbatch *wb = nn_tbatch_new(net, B, T, &err);
    CHECK(wb != NULL, "%s: %s", what, err.msg);
    batch_data d;
    for (int i = 0; i < T * B; i++) {
        d.x[i] = 0.8f * frand();
        d.t[i] = 0.6f * frand();
    }
    for (int i = 0; i < B * NN_MAX_COND; i++) d.cond[i] = 0.5f + 0.5f * frand();
    nn_loss_cfg lc;
    nn_loss_default(&lc);
    lc.dc_weight = 0.5; /* make the DC term count as much as the ESR */
    float y[T * B], dy[T * B];

    /* analytic */
    nn_tbatch_start(wb, B, d.cond);
    nn_tbatch_forward(wb, d.x, B, T, y, B);
    nn_loss_parts p;
    nn_loss_forward(&lc, y, d.t, B, T, B, T0, &p);
    nn_loss_backward(&lc, y, d.t, B, T, B, T0, &p, dy, B);
    nn_tnet_zero_grads(net);
    nn_tbatch_backward(wb, dy, B, nn_tnet_grads(net));
    size_t n = nn_tnet_size(net);
    float *g = malloc(n * sizeof *g);
    memcpy(g, nn_tnet_grads(net), n * sizeof *g);
    size_t np = nn_tnet_param_indices(net, NULL);
    size_t *idx = malloc(np * sizeof *idx);
    nn_tnet_param_indices(net, idx);
    if (spoil >= 0) { /* find the spoil-th largest by selection */
        char *used = calloc(np, 1);
        size_t pick = 0;
        for (long r = 0; r <= spoil; r++) {
            double best = -1;
            for (size_t k = 0; k < np; k++)
                if (!used[k] && fabs(g[idx[k]]) > best) best = fabs(g[idx[k]]), pick = k;
            used[pick] = 1;
        }
        char name[128];
        nn_tnet_param_name(net, idx[pick], name, sizeof name);
        printf("spoiling %s (gradient %.4g, rank %ld) by 3%%\n", name, g[idx[pick]], spoil);
        g[idx[pick]] *= 1.03f;
        free(used);
    }
    char *is_param = calloc(n, 1);
    double gmax = 0;
    for (size_t k = 0; k < np; k++) {
        is_param[idx[k]] = 1;
        if (fabs(g[idx[k]]) > gmax) gmax = fabs(g[idx[k]]);
    }
    int bad = 0;
    /* padding: exactly zero */
    for (size_t i = 0; i < n; i++)
        if (!is_param[i] && g[i] != 0.0f) {
            char name[128];
            nn_tnet_param_name(net, i, name, sizeof name);
            if (bad++ < 5) fprintf(stderr, "%s: padding %s has gradient %g\n", what, name, g[i]);
        }
    /* every parameter: central difference */
    float *w = nn_tnet_params(net);
    double worst = 0;
    for (size_t k = 0; k < np; k++) {
        size_t i = idx[k];
        float w0 = w[i];
        w[i] = (float)(w0 + h);
        double hp = (double)w[i] - w0;
        double lp = window_loss(net, wb, &d, &lc, y);
        w[i] = (float)(w0 - h);
        double hm = w0 - (double)w[i];
        double lm = window_loss(net, wb, &d, &lc, y);
        w[i] = w0;
        double fd = (lp - lm) / (hp + hm);
        double diff = fabs(fd - g[i]), tol = 0.01 * fabs(fd) + 2e-4 * gmax;
        if (diff / (fabs(fd) + 1e-3 * gmax) > worst) worst = diff / (fabs(fd) + 1e-3 * gmax);
        if (!(diff <= tol)) {
            char name[128];
            nn_tnet_param_name(net, i, name, sizeof name);
            if (bad++ < 8 && verbose)
                fprintf(stderr, "%s: %s: analytic %.6g, finite difference %.6g\n", what, name, g[i], fd);
        }
    }
    if (verbose)
        printf("%-34s %4zu parameters, |g|max %.3g, worst relative error %.2g, loss %.4f\n", what, np, gmax, worst,
               p.loss);
    free(g);
    free(idx);
    free(is_param);
    nn_tbatch_free(wb);
    nn_tnet_free(net);
    return bad;
}

static nn_spec make(nn_cell type, int layers, int hidden, int ncond, int skip)
{
    nn_spec s;
    nn_status st = nn_spec_init_random(&s, type, layers, hidden, ncond, skip, 77 + (uint64_t)hidden);
    if (st != NN_OK) {
        fprintf(stderr, "nn_spec_init_random failed\n");
        exit(1);
    }
    return s;
}

/* Replaces the head with Dense(H -> 6, act) -> Dense(6 -> 4, tanh) -> Dense(4 -> 1). */
static void deep_head(nn_spec *s, nn_act act)
{
    int H = s->rec[s->n_rec - 1].hidden, outs[3] = {6, 4, 1};
    nn_act acts[3] = {act, NN_ACT_TANH, NN_ACT_LINEAR};
    int in = H;
    s->n_dense = 3;
    for (int d = 0; d < 3; d++) {
        nn_dense_spec *D = &s->dense[d];
        D->in = in;
        D->out = outs[d];
        D->act = acts[d];
        D->w = nn_spec_floats(s, (size_t)in * (size_t)outs[d]);
        D->b = nn_spec_floats(s, (size_t)outs[d]);
        /* relu: pre-activations kept away from the kink (finite differences across it are
         * meaningless), units alternately on (gradient passes) and off (gradient blocked) */
        int relu = acts[d] == NN_ACT_RELU;
        for (int i = 0; i < in * outs[d]; i++) D->w[i] = (relu ? 0.15f : 0.7f) * frand();
        for (int i = 0; i < outs[d]; i++) D->b[i] = relu ? (i & 1 ? -1.5f : 1.5f) : 0.3f * frand();
        in = outs[d];
    }
}

int main(void)
{
    struct {
        const char *what;
        nn_cell type;
        int layers, hidden, ncond, skip;
        int head; /* 0: Dense(1); else deep head with this activation + 1 */
        float in_db, out_db;
    } cases[] = {
        {"LSTM-5", NN_CELL_LSTM, 1, 5, 0, 0, 0, 0, 0},
        {"GRU-5", NN_CELL_GRU, 1, 5, 0, 0, 0, 0, 0},
        {"RNN-5", NN_CELL_RNN, 1, 5, 0, 0, 0, 0, 0},
        {"LSTM-9 + skip", NN_CELL_LSTM, 1, 9, 0, 1, 0, 0, 0},
        {"LSTM 2 x 4", NN_CELL_LSTM, 2, 4, 0, 0, 0, 0, 0},
        {"GRU 2 x 6 + skip", NN_CELL_GRU, 2, 6, 0, 1, 0, 0, 0},
        {"RNN 2 x 3", NN_CELL_RNN, 2, 3, 0, 0, 0, 0, 0},
        {"LSTM-4, 2 conditioning inputs", NN_CELL_LSTM, 1, 4, 2, 1, 0, 0, 0},
        {"GRU-4, 3 conditioning inputs", NN_CELL_GRU, 1, 4, 3, 0, 0, 0, 0},
        {"GRU 2 x 3, 1 conditioning input", NN_CELL_GRU, 2, 3, 1, 1, 0, 0, 0},
        {"LSTM-6, dense tanh head", NN_CELL_LSTM, 1, 6, 0, 1, 1 + NN_ACT_TANH, 0, 0},
        {"GRU-6, dense sigmoid head", NN_CELL_GRU, 1, 6, 1, 0, 1 + NN_ACT_SIGMOID, 0, 0},
        {"RNN-6, dense relu head", NN_CELL_RNN, 1, 6, 0, 0, 1 + NN_ACT_RELU, 0, 0},
        {"LSTM-5, gains +6/-3 dB", NN_CELL_LSTM, 1, 5, 0, 1, 0, 6.0f, -3.0f},
    };
    for (const char *k = test_kernel_first(); k; k = test_kernel_next()) {
        rng = 12345; /* the same data with every kernel */
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            nn_spec s = make(cases[c].type, cases[c].layers, cases[c].hidden, cases[c].ncond, cases[c].skip);
            if (cases[c].head) deep_head(&s, (nn_act)(cases[c].head - 1));
            s.in_gain_db = cases[c].in_db;
            s.out_gain_db = cases[c].out_db;
            int bad = check_net(cases[c].what, &s, -1, 1, 2e-3);
            CHECK(bad == 0, "%s [%s]: %d gradients disagree with finite differences", cases[c].what, k, bad);
            nn_spec_free(&s);
        }
    }

    /* The checker itself: a 3 % error on one gradient - the largest, the 10th, the 40th largest -
     * must be reported. */
    {
        nn_spec s = make(NN_CELL_GRU, 1, 5, 1, 1);
        long ranks[3] = {0, 9, 39};
        for (int k = 0; k < 3; k++) {
            rng = 999; /* the same data every time */
            int bad = check_net("spoiled", &s, ranks[k], 0, 2e-3);
            CHECK(bad >= 1, "a 3%% error on the gradient ranked %ld went unnoticed", ranks[k]);
        }
        nn_spec_free(&s);
    }
    return check_exit();
}
