/* loss.c - the recipe's loss and its gradient, side by side:
 *
 *   L = w_esr * sum (tp - yp)^2 / (sum tp^2 + eps)  +  w_dc * mean(t - y)^2 / (mean t^2 + eps)
 *
 * with yp[t] = y[t] - a y[t-1] (pre-emphasis, 1 - a z^-1; likewise tp), over the counted steps of
 * a window (after the warm-up), all sequences of the batch together. Sums in double precision. */
#include "nn_train.h"

#define LOSS_EPS 1e-10 /* as the recipe: keeps silence finite */

void nn_loss_default(nn_loss_cfg *c)
{
    c->esr_weight = 0.75;
    c->dc_weight = 0.25;
    c->pre_emph = 0.85;
}

/* y, t [T][B] with row stride ld; steps t0..T-1 count. */
void nn_loss_forward(const nn_loss_cfg *c, const float *y, const float *t, int ld, int T, int B, int t0,
                     nn_loss_parts *p)
{
    const double a = c->pre_emph;
    double err2 = 0, tgt2 = 0, dsum = 0, t2sum = 0;
    for (int s = t0; s < T; s++) {
        const float *ys = y + (size_t)s * (size_t)ld, *ts = t + (size_t)s * (size_t)ld;
        for (int e = 0; e < B; e++) {
            double d = (double)ts[e] - (double)ys[e];
            dsum += d;
            t2sum += (double)ts[e] * ts[e];
        }
        if (s == t0) continue; /* the filter needs the previous sample inside the window */
        const float *yq = ys - ld, *tq = ts - ld;
        for (int e = 0; e < B; e++) {
            double tp = (double)ts[e] - a * tq[e], yp = (double)ys[e] - a * yq[e];
            err2 += (tp - yp) * (tp - yp);
            tgt2 += tp * tp;
        }
    }
    p->err2 = err2;
    p->tgt2 = tgt2;
    p->dsum = dsum;
    p->t2sum = t2sum;
    p->count = (double)(T - t0) * (double)B;
    p->esr = err2 / (tgt2 + LOSS_EPS);
    double n = p->count > 0 ? p->count : 1.0, mean = dsum / n;
    p->dc = mean * mean / (t2sum / n + LOSS_EPS);
    p->loss = c->esr_weight * p->esr + c->dc_weight * p->dc;
}

/* dL/dy[s] = g[s] - a g[s+1], g = dL/dyp (zero outside the filtered steps), plus the DC term's
 * constant -2 w_dc mean / (count (mean t^2 + eps)). */
void nn_loss_backward(const nn_loss_cfg *c, const float *y, const float *t, int ld, int T, int B, int t0,
                      const nn_loss_parts *p, float *dy, int lddy)
{
    const double a = c->pre_emph;
    const double ke = -2.0 * c->esr_weight / (p->tgt2 + LOSS_EPS);
    double n = p->count > 0 ? p->count : 1.0, mean = p->dsum / n;
    const double kdc = -2.0 * c->dc_weight * mean / (n * (p->t2sum / n + LOSS_EPS));
    for (int s = 0; s < T; s++) {
        float *d = dy + (size_t)s * (size_t)lddy;
        if (s < t0) {
            for (int e = 0; e < B; e++) d[e] = 0.0f;
            continue;
        }
        const float *ys = y + (size_t)s * (size_t)ld, *ts = t + (size_t)s * (size_t)ld;
        for (int e = 0; e < B; e++) {
            double g = kdc;
            if (s > t0) { /* this step's filtered error */
                double r = ((double)ts[e] - a * ts[e - ld]) - ((double)ys[e] - a * ys[e - ld]);
                g += ke * r;
            }
            if (s + 1 < T) { /* the next step's, through its -a y[s] term */
                double r = ((double)ts[e + ld] - a * ts[e]) - ((double)ys[e + ld] - a * ys[e]);
                g -= a * ke * r;
            }
            d[e] = (float)g;
        }
    }
}
