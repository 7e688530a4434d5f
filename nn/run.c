/* run.c - the engine's entry points for audio: FP environment, kernel call, non-finite guard. */
#include "fpenv.h"
#include "nn_internal.h"
#include "nn_kernels.h"

#include <math.h>
#include <string.h>

/* A non-finite output means the state is poisoned (NaN/Inf input, or an overflow): start over
 * from the initial state and output silence for this block rather than let it escape. */
static int guard(nn_state *s, float *out, size_t n)
{
    float acc = 0.0f;
    for (size_t i = 0; i < n; i++) acc += out[i] * 0.0f; /* NaN iff some out[i] is NaN or Inf */
    if (acc == 0.0f) return 0;
    nn_state_reset(s);
    memset(out, 0, n * sizeof *out);
    return 1;
}

int nn_run(nn_state *s, const float *in, float *out, size_t n)
{
    if (!n) return 0;
    nn_fpenv fp = nn_fpenv_enter();
    s->m->k->run(&s, 1, &in, &out, n);
    int r = guard(s, out, n) ? NN_RUN_NONFINITE : 0;
    nn_fpenv_leave(fp);
    return r;
}

int nn_run2(nn_state *a, nn_state *b, const float *in_a, const float *in_b, float *out_a, float *out_b,
            size_t n)
{
    if (!n) return 0;
    nn_fpenv fp = nn_fpenv_enter();
    if (a->m == b->m) {
        nn_state *st[2] = {a, b};
        const float *in[2] = {in_a, in_b};
        float *out[2] = {out_a, out_b};
        a->m->k->run(st, 2, in, out, n);
    } else { /* two models (e.g. during a swap): each on its own */
        a->m->k->run(&a, 1, &in_a, &out_a, n);
        b->m->k->run(&b, 1, &in_b, &out_b, n);
    }
    int r = (guard(a, out_a, n) ? 1 : 0) | (guard(b, out_b, n) ? 2 : 0);
    nn_fpenv_leave(fp);
    return r;
}
