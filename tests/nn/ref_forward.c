/* ref_forward.c - see ref_forward.h. Deliberately simple: one loop per equation. */
#include "ref_forward.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double sigm(double v) { return 1.0 / (1.0 + exp(-v)); }

int ref_forward(const nn_spec *s, const float *x, const float *cond, float *y, size_t n)
{
    double *h[NN_MAX_REC_LAYERS], *c[NN_MAX_REC_LAYERS];
    double *in = calloc(NN_MAX_HIDDEN + NN_MAX_INPUTS, sizeof(double));
    double *pre = calloc(4 * NN_MAX_HIDDEN, sizeof(double)), *preh = calloc(4 * NN_MAX_HIDDEN, sizeof(double));
    double *a = calloc(NN_MAX_HIDDEN, sizeof(double)), *b = calloc(NN_MAX_HIDDEN, sizeof(double));
    int ok = in && pre && preh && a && b;
    for (int l = 0; l < s->n_rec; l++) {
        h[l] = calloc((size_t)s->rec[l].hidden, sizeof(double));
        c[l] = calloc((size_t)s->rec[l].hidden, sizeof(double));
        ok = ok && h[l] && c[l];
        for (int u = 0; ok && u < s->rec[l].hidden; u++) {
            h[l][u] = s->rec[l].h0 ? s->rec[l].h0[u] : 0.0;
            c[l][u] = s->rec[l].c0 ? s->rec[l].c0[u] : 0.0;
        }
    }
    double gin = pow(10.0, s->in_gain_db / 20.0), gout = pow(10.0, s->out_gain_db / 20.0);
    for (size_t t = 0; ok && t < n; t++) {
        double xa = (double)x[t] * gin;
        int width = s->n_inputs;
        in[0] = xa;
        for (int k = 1; k < width; k++) in[k] = cond[k - 1];
        for (int l = 0; l < s->n_rec; l++) {
            const nn_rec_spec *r = &s->rec[l];
            int H = r->hidden, G = nn_cell_gates(r->type);
            for (int row = 0; row < G * H; row++) {
                double vx = r->b_ih[row], vh = r->b_hh ? r->b_hh[row] : 0.0;
                for (int i = 0; i < r->in; i++) vx += (double)r->w_ih[(size_t)row * (size_t)r->in + (size_t)i] * in[i];
                for (int j = 0; j < H; j++) vh += (double)r->w_hh[(size_t)row * (size_t)H + (size_t)j] * h[l][j];
                pre[row] = vx;
                preh[row] = vh;
            }
            for (int u = 0; u < H; u++) {
                if (r->type == NN_CELL_LSTM) {
                    double i_ = sigm(pre[u] + preh[u]), f = sigm(pre[H + u] + preh[H + u]);
                    double g = tanh(pre[2 * H + u] + preh[2 * H + u]), o = sigm(pre[3 * H + u] + preh[3 * H + u]);
                    c[l][u] = f * c[l][u] + i_ * g;
                    a[u] = o * tanh(c[l][u]);
                } else if (r->type == NN_CELL_GRU) {
                    double rr = sigm(pre[u] + preh[u]), z = sigm(pre[H + u] + preh[H + u]);
                    double nn = tanh(pre[2 * H + u] + rr * preh[2 * H + u]);
                    a[u] = (1.0 - z) * nn + z * h[l][u];
                } else {
                    a[u] = tanh(pre[u] + preh[u]);
                }
            }
            memcpy(h[l], a, (size_t)H * sizeof(double));
            memcpy(in, a, (size_t)H * sizeof(double));
            width = H;
        }
        for (int l = 0; l < s->n_dense; l++) {
            const nn_dense_spec *d = &s->dense[l];
            for (int o = 0; o < d->out; o++) {
                double v = d->b[o];
                for (int i = 0; i < d->in; i++) v += (double)d->w[(size_t)o * (size_t)d->in + (size_t)i] * in[i];
                switch (d->act) {
                case NN_ACT_TANH: v = tanh(v); break;
                case NN_ACT_SIGMOID: v = sigm(v); break;
                case NN_ACT_RELU: v = v > 0 ? v : 0; break;
                default: break;
                }
                b[o] = v;
            }
            memcpy(in, b, (size_t)d->out * sizeof(double));
        }
        double out = in[0] + (s->skip ? xa : 0.0);
        y[t] = (float)(out * gout);
    }
    for (int l = 0; l < s->n_rec; l++) {
        free(h[l]);
        free(c[l]);
    }
    free(in), free(pre), free(preh), free(a), free(b);
    return ok ? 0 : -1;
}
