/* random_model.h - random but well-formed networks for the engine tests: every cell type,
 * stacked layers, conditioning, dense heads with activations, gains, stored initial states. */
#ifndef RNNFX_TESTS_RANDOM_MODEL_H
#define RNNFX_TESTS_RANDOM_MODEL_H

#include <math.h>
#include <stdint.h>

#include "nn_spec.h"

typedef struct {
    nn_cell type;
    int layers, hidden, n_cond, skip;
    int dense_hidden; /* 0: Dense(H -> 1); else Dense(H -> D, act) then Dense(D -> 1) */
    nn_act act;
    int with_h0; /* random stored initial state */
    float in_gain_db, out_gain_db;
} random_model_cfg;

static inline float rm_uniform(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(*s >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
}

/* Fills spec (initialised here). Returns 0 on success. */
static inline int random_model(nn_spec *s, const random_model_cfg *c, uint64_t seed)
{
    if (nn_spec_init_random(s, c->type, c->layers, c->hidden, c->n_cond, c->skip, seed) != NN_OK) return -1;
    uint64_t rng = seed ^ 0x5bd1e995u;
    s->in_gain_db = c->in_gain_db;
    s->out_gain_db = c->out_gain_db;
    if (c->with_h0)
        for (int l = 0; l < c->layers; l++) {
            nn_rec_spec *r = &s->rec[l];
            r->h0 = nn_spec_floats(s, (size_t)r->hidden);
            if (!r->h0) return -1;
            for (int u = 0; u < r->hidden; u++) r->h0[u] = 0.5f * rm_uniform(&rng);
            if (r->type == NN_CELL_LSTM) {
                r->c0 = nn_spec_floats(s, (size_t)r->hidden);
                if (!r->c0) return -1;
                for (int u = 0; u < r->hidden; u++) r->c0[u] = rm_uniform(&rng);
            }
        }
    if (c->dense_hidden > 0) {
        int H = c->hidden, D = c->dense_hidden;
        nn_dense_spec *d0 = &s->dense[0], *d1 = &s->dense[1];
        d0->in = H, d0->out = D, d0->act = c->act;
        d0->w = nn_spec_floats(s, (size_t)H * (size_t)D);
        d0->b = nn_spec_floats(s, (size_t)D);
        d1->in = D, d1->out = 1, d1->act = NN_ACT_LINEAR;
        d1->w = nn_spec_floats(s, (size_t)D);
        d1->b = nn_spec_floats(s, 1);
        if (!d0->w || !d0->b || !d1->w || !d1->b) return -1;
        float bound = 1.0f / sqrtf((float)H);
        for (int i = 0; i < H * D; i++) d0->w[i] = bound * rm_uniform(&rng);
        for (int i = 0; i < D; i++) d0->b[i] = bound * rm_uniform(&rng), d1->w[i] = rm_uniform(&rng) / sqrtf((float)D);
        d1->b[0] = 0.1f * rm_uniform(&rng);
        s->n_dense = 2;
    }
    return 0;
}

/* A guitar-like test signal: decaying partials plus a little noise, peaks near +-0.9. */
static inline void test_signal(float *x, int n, uint64_t seed)
{
    const double f[] = {82.41, 110.0, 146.83, 196.0, 246.94, 329.63};
    uint64_t rng = seed;
    for (int i = 0; i < n; i++) {
        double t = i / 48000.0, v = 0;
        for (int k = 0; k < 6; k++) {
            double start = k * (n / 8) / 48000.0;
            if (t >= start) v += 0.15 * exp(-(t - start) * 3.0) * sin(2 * M_PI * f[k] * (t - start) * 7.0);
        }
        x[i] = (float)(v + 0.02 * rm_uniform(&rng));
    }
}

#endif
