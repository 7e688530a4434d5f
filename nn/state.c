/* state.c - per-channel state: allocation, reset to the model's initial state, conditioning. */
#include "errors.h"
#include "nn_internal.h"

#include <string.h>

nn_state *nn_state_new(const nn_model *m, nn_error *err)
{
    if (!m) {
        nn_fail(err, NN_ERR_ARG, "state", "no model");
        return NULL;
    }
    nn_state *s = nn_aligned_alloc(sizeof *s);
    if (!s) goto nomem;
    /* One allocation: h, hn, c per layer, the conditioned bias, two dense buffers. */
    size_t floats = 0;
    const nn_layer *L0 = &m->rec[0];
    for (int l = 0; l < m->n_rec; l++) floats += 3 * (size_t)m->rec[l].Hp;
    floats += (size_t)L0->nblk * (size_t)L0->A * (size_t)m->vw;
    floats += 2 * (size_t)m->max_width;
    s->mem = nn_aligned_alloc(floats * sizeof(float));
    if (!s->mem) goto nomem;
    s->m = m;
    float *p = s->mem; /* every piece is a multiple of VW floats, so alignment holds */
    for (int l = 0; l < m->n_rec; l++) {
        size_t hp = (size_t)m->rec[l].Hp;
        s->h[l] = p, p += hp;
        s->hn[l] = p, p += hp;
        s->c[l] = p, p += hp;
    }
    s->bias0 = p, p += (size_t)L0->nblk * (size_t)L0->A * (size_t)m->vw;
    s->dense_buf[0] = p, p += (size_t)m->max_width;
    s->dense_buf[1] = p;
    nn_state_set_cond(s, 0, 0.0f); /* computes bias0 */
    nn_state_reset(s);
    return s;
nomem:
    if (s) nn_aligned_free(s);
    nn_fail(err, NN_ERR_NOMEM, "state", "out of memory");
    return NULL;
}

void nn_state_free(nn_state *s)
{
    if (!s) return;
    nn_aligned_free(s->mem);
    nn_aligned_free(s);
}

void nn_state_reset(nn_state *s)
{
    const nn_model *m = s->m;
    for (int l = 0; l < m->n_rec; l++) {
        const nn_layer *L = &m->rec[l];
        size_t bytes = (size_t)L->Hp * sizeof(float);
        memcpy(s->h[l], L->h0, bytes);
        memset(s->hn[l], 0, bytes);
        if (L->c0) memcpy(s->c[l], L->c0, bytes);
        else
            memset(s->c[l], 0, bytes);
    }
}

/* Conditioning inputs are constant between calls, so their columns of the first layer's input
 * weights are folded into its bias here, once, instead of being multiplied every sample. */
void nn_state_set_cond(nn_state *s, int k, float value)
{
    const nn_model *m = s->m;
    if (k < 0 || k >= NN_MAX_COND) return;
    if (k < m->n_cond) s->cond[k] = value;
    const nn_layer *L = &m->rec[0];
    int vw = m->vw;
    for (int b = 0; b < L->nblk; b++)
        for (int a = 0; a < L->A; a++)
            for (int lane = 0; lane < vw; lane++) {
                size_t at = ((size_t)b * (size_t)L->A + (size_t)a) * (size_t)vw + (size_t)lane;
                float v = L->bias[at];
                /* Conditioning enters as layer input: slots 0..G-1 (GRU's nx is slot 2). */
                if (a < L->G)
                    for (int c = 0; c < m->n_cond; c++)
                        v += L->wcond[(((size_t)c * (size_t)L->nblk + (size_t)b) * (size_t)L->G + (size_t)a) *
                                          (size_t)vw +
                                      (size_t)lane] *
                             s->cond[c];
                s->bias0[at] = v;
            }
}

float nn_state_cond(const nn_state *s, int k) { return k >= 0 && k < s->m->n_cond ? s->cond[k] : 0.0f; }
