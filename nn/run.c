/* run.c - the engine's entry points for audio: FP environment, kernel call, non-finite guard. */
#include "fpenv.h"
#include "nn_internal.h"
#include "nn_kernels.h"

#include <math.h>
#include <string.h>

/* x * 0 is 0 for a finite x and NaN for a NaN or +-Inf: one sum, no branch per sample. Static
 * inline for nn_run's own checks (a call to an exported function would not be inlined in the
 * plugin's position-independent build); nn_all_finite is the same for everyone else. */
static inline int finite_block(const float *a, size_t n)
{
    float acc = 0.0f;
    for (size_t i = 0; i < n; i++) acc += a[i] * 0.0f;
    return acc == 0.0f;
}

int nn_all_finite(const float *a, size_t n) { return finite_block(a, n); }

/* A non-finite input, or output (an overflow inside), means the state is or would be poisoned:
 * start over from the initial state and output silence for this block rather than let it
 * escape. The input is checked too because a saturating network can turn +-Inf into a finite,
 * wrong output (a click) without any NaN showing. */
static int guard(nn_state *s, float *out, size_t n, int in_ok)
{
    if (in_ok && finite_block(out, n)) return 0;
    nn_state_reset(s);
    memset(out, 0, n * sizeof *out);
    return 1;
}

int nn_run(nn_state *s, const float *in, float *out, size_t n)
{
    if (!n) return 0;
    nn_fpenv fp = nn_fpenv_enter();
    int in_ok = finite_block(in, n); /* before the run: in and out may alias */
    if (in_ok) s->m->k->run(&s, 1, &in, &out, n);
    int r = guard(s, out, n, in_ok) ? NN_RUN_NONFINITE : 0;
    nn_fpenv_leave(fp);
    return r;
}

int nn_run2(nn_state *a, nn_state *b, const float *in_a, const float *in_b, float *out_a, float *out_b, size_t n)
{
    if (!n) return 0;
    nn_fpenv fp = nn_fpenv_enter();
    int ok_a = finite_block(in_a, n), ok_b = finite_block(in_b, n);
    if (ok_a && ok_b && a->m == b->m) {
        nn_state *st[2] = {a, b};
        const float *in[2] = {in_a, in_b};
        float *out[2] = {out_a, out_b};
        a->m->k->run(st, 2, in, out, n);
    } else { /* two models (e.g. during a swap), or one channel to be silenced: each on its own */
        if (ok_a) a->m->k->run(&a, 1, &in_a, &out_a, n);
        if (ok_b) b->m->k->run(&b, 1, &in_b, &out_b, n);
    }
    int r = (guard(a, out_a, n, ok_a) ? 1 : 0) | (guard(b, out_b, n, ok_b) ? 2 : 0);
    nn_fpenv_leave(fp);
    return r;
}

static const float prewarm_zeros[256];

void nn_state_prewarm(nn_state *s)
{
    float out[256];
    nn_state_reset(s);
    for (size_t done = 0; done < NN_PREWARM_SAMPLES; done += 256) nn_run(s, prewarm_zeros, out, 256);
}
