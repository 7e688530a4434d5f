/* test_vmath.c - the engine's vectorised activations (vmath.h), as compiled into every kernel
 * this CPU runs, against double precision: absolute error below 5e-7 on a dense sweep, the
 * right limits at +-inf, and NaN in -> NaN out (the non-finite guard relies on it). tanh is
 * exactly odd, never beyond +-1, and exactly 0 at 0 (the trainer's padded units rely on it). */
#include "check.h"
#include "kernels.h"
#include "nn_kernels.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define N 4096 /* a multiple of every vector width */

static _Alignas(64) float buf[N], ys[N];

static _Alignas(64) float neg[N];

/* Sweeps [-lim, lim] in chunks; returns the largest absolute error and where. Counts in *shape
 * the values outside the function's range ([-1, 1] or [0, 1]) and, for tanh, where f(-x) is
 * not exactly -f(x). */
static double sweep(const nn_kernels *k, int act, double lim, double step, double *where, int *shape)
{
    double worst = 0;
    double x0 = -lim;
    float lo = act == NN_ACT_TANH ? -1.0f : 0.0f;
    while (x0 <= lim) {
        for (int i = 0; i < N; i++) buf[i] = (float)(x0 + i * step);
        for (int i = 0; i < N; i++) ys[i] = buf[i], neg[i] = -buf[i];
        k->act_fwd(act, N, ys);
        k->act_fwd(act, N, neg);
        for (int i = 0; i < N; i++) {
            double x = buf[i];
            double want = act == NN_ACT_TANH ? tanh(x) : 1.0 / (1.0 + exp(-x));
            double e = fabs((double)ys[i] - want);
            if (!(e <= worst)) worst = e, *where = x;
            *shape += !(ys[i] >= lo && ys[i] <= 1.0f) || (act == NN_ACT_TANH && neg[i] != -ys[i]);
        }
        x0 += N * step;
    }
    return worst;
}

int main(void)
{
    int ran = 0;
    for (const char *name = test_kernel_first(); name; name = test_kernel_next()) {
        const nn_kernels *k = nn_kernels_select(); /* the one forced */
        CHECK(!strcmp(k->name, name), "forced %s, got %s", name, k->name);
        ran++;
        int acts[2] = {NN_ACT_TANH, NN_ACT_SIGMOID};
        for (int a = 0; a < 2; a++) {
            double where = 0;
            int shape = 0;
            const char *what = acts[a] == NN_ACT_TANH ? "tanh" : "sigmoid";
            /* Fine steps where the functions bend, coarser out to saturation. */
            double e1 = sweep(k, acts[a], 10.0, 1.0 / 8192, &where, &shape);
            double w1 = where;
            double e2 = sweep(k, acts[a], 100.0, 1.0 / 64, &where, &shape);
            double e = e1 > e2 ? e1 : e2;
            printf("%-9s %-8s max |err| %.3g (at x = %.6g)\n", k->name, what, e, e1 > e2 ? w1 : where);
            CHECK(e < 5e-7, "%s %s: max error %g", k->name, what, e);
            CHECK(shape == 0, "%s %s: %d values out of range%s", k->name, what, shape,
                  acts[a] == NN_ACT_TANH ? " or where tanh(-x) != -tanh(x)" : "");
        }
        /* Limits and non-finite inputs. */
        float special[6] = {INFINITY, -INFINITY, NAN, 1e30f, -1e30f, 0.0f};
        for (int a = 0; a < 2; a++) {
            for (int i = 0; i < N; i++) ys[i] = special[i % 6];
            k->act_fwd(acts[a], N, ys);
            int tanh_ = acts[a] == NN_ACT_TANH;
            float lo = tanh_ ? -1.0f : 0.0f;
            /* The limits within the accuracy bound (one Newton step from a 12-bit reciprocal
             * estimate gives 0.99999994 for 1/1 on AVX2, exactly 1 on AVX-512). */
            CHECK(fabsf(ys[0] - 1.0f) <= 2e-7f && ys[0] <= 1.0f, "%s: f(+inf) = %.9g", k->name, ys[0]);
            CHECK(fabsf(ys[1] - lo) <= 2e-7f && ys[1] >= lo, "%s: f(-inf) = %.9g", k->name, ys[1]);
            CHECK(isnan(ys[2]), "%s: f(NaN) = %g, NaN expected", k->name, ys[2]);
            CHECK(fabsf(ys[3] - 1.0f) <= 2e-7f && ys[3] <= 1.0f, "%s: f(1e30) = %.9g", k->name, ys[3]);
            CHECK(fabsf(ys[4] - lo) <= 2e-7f && ys[4] >= lo, "%s: f(-1e30) = %.9g", k->name, ys[4]);
            if (tanh_) CHECK(ys[5] == 0.0f, "%s: tanh(0) = %.9g, exactly 0 expected", k->name, ys[5]);
            else
                CHECK(fabsf(ys[5] - 0.5f) < 1e-7f, "%s: sigmoid(0) = %.9g", k->name, ys[5]);
        }
        /* relu: exact. */
        for (int i = 0; i < N; i++) ys[i] = (float)(i - N / 2) * 0.25f;
        k->act_fwd(NN_ACT_RELU, N, ys);
        int relu_ok = 1;
        for (int i = 0; i < N; i++) relu_ok &= ys[i] == (i > N / 2 ? (float)(i - N / 2) * 0.25f : 0.0f);
        CHECK(relu_ok, "%s: relu not exact", k->name);
    }
    CHECK(ran >= 1, "no kernel ran");
    return check_exit();
}
