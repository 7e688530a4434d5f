/* model.c - building the immutable, packed model from a spec; accessors; the self-test. */
#include "errors.h"
#include "nn_internal.h"
#include "nn_kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *nn_aligned_alloc(size_t bytes)
{
    bytes = nn_round_up(bytes ? bytes : 1, NN_ALIGN);
    void *p = aligned_alloc(NN_ALIGN, bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

void nn_aligned_free(void *p) { free(p); }

const char *nn_cell_name(nn_cell c)
{
    switch (c) {
    case NN_CELL_LSTM: return "LSTM";
    case NN_CELL_GRU: return "GRU";
    case NN_CELL_RNN: return "RNN";
    }
    return "?";
}

const char *nn_act_name(nn_act a)
{
    switch (a) {
    case NN_ACT_LINEAR: return "linear";
    case NN_ACT_TANH: return "tanh";
    case NN_ACT_SIGMOID: return "sigmoid";
    case NN_ACT_RELU: return "relu";
    }
    return "?";
}

const char *nn_format_name(nn_format f)
{
    switch (f) {
    case NN_FORMAT_KERAS: return "Keras/RTNeural/AIDA-X JSON";
    case NN_FORMAT_GUITARML: return "GuitarML JSON";
    case NN_FORMAT_NAM: return "NAM (LSTM)";
    case NN_FORMAT_UNKNOWN: break;
    }
    return "unknown";
}

/* ---- packing --------------------------------------------------------------------------- */

/* Reserves `n` floats at a 64-byte boundary in a layout being measured (base == NULL) or filled. */
static float *carve(float *base, size_t *used, size_t n)
{
    size_t at = nn_round_up(*used, NN_ALIGN / sizeof(float));
    *used = at + n;
    return base ? base + at : NULL;
}

typedef struct {
    float *w, *bias, *wcond, *h0, *c0;
} layer_arrays;

typedef struct {
    float *w, *b;
} dense_arrays;

/* Lays out every packed array; with base == NULL only measures. Returns floats used. */
static size_t layout(nn_model *m, const nn_spec *s, float *base, layer_arrays *la, dense_arrays *da)
{
    size_t used = 0;
    int vw = m->vw;
    for (int l = 0; l < s->n_rec; l++) {
        const nn_rec_spec *r = &s->rec[l];
        nn_layer *L = &m->rec[l];
        L->type = r->type;
        L->G = nn_cell_gates(r->type);
        L->A = r->type == NN_CELL_GRU ? 4 : L->G;
        L->nx = l == 0 ? 1 : r->in;
        L->H = r->hidden;
        L->Hp = (int)nn_round_up((size_t)r->hidden, (size_t)vw);
        L->nblk = L->Hp / vw;
        L->paired = m->k->pair_blocks && L->nblk > 1;
        size_t blk = (size_t)L->G * (size_t)vw;
        la[l].w = carve(base, &used, (size_t)L->nblk * (size_t)(L->nx + L->H) * blk);
        la[l].bias = carve(base, &used, (size_t)L->nblk * (size_t)L->A * (size_t)vw);
        la[l].wcond = l == 0 && s->n_inputs > 1 ? carve(base, &used, (size_t)(s->n_inputs - 1) * (size_t)L->nblk * blk)
                                                : NULL;
        la[l].h0 = carve(base, &used, (size_t)L->Hp);
        la[l].c0 = r->type == NN_CELL_LSTM ? carve(base, &used, (size_t)L->Hp) : NULL;
        if (L->Hp > m->max_width) m->max_width = L->Hp;
    }
    int width_p = m->rec[s->n_rec - 1].Hp;
    for (int l = 0; l < s->n_dense; l++) {
        const nn_dense_spec *d = &s->dense[l];
        nn_dense_layer *D = &m->dense[l];
        D->in = d->in;
        D->out = d->out;
        D->act = d->act;
        D->outp = (int)nn_round_up((size_t)d->out, (size_t)vw);
        if (d->out == 1) da[l].w = carve(base, &used, (size_t)width_p);
        else
            da[l].w = carve(base, &used, (size_t)d->in * (size_t)D->outp);
        da[l].b = carve(base, &used, (size_t)D->outp);
        width_p = D->outp;
        if (D->outp > m->max_width) m->max_width = D->outp;
    }
    return used;
}

static void pack_layer(const nn_spec *s, int l, int vw, nn_layer *L, const layer_arrays *a)
{
    const nn_rec_spec *r = &s->rec[l];
    int H = r->hidden, in = r->in, G = L->G;
    int ncol = L->nx + H;
    for (int b = 0; b < L->nblk; b++)
        for (int lane = 0; lane < vw; lane++) {
            int u = b * vw + lane;
            if (u >= H) continue; /* padded unit: zero weights, zero bias, zero state */
            for (int g = 0; g < G; g++) {
                size_t row = (size_t)g * (size_t)H + (size_t)u;
                for (int col = 0; col < ncol; col++) {
                    float v = col < L->nx ? r->w_ih[row * (size_t)in + (size_t)col]
                                          : r->w_hh[row * (size_t)H + (size_t)(col - L->nx)];
                    a->w[nn_layer_w_at(L, b, col) * (size_t)vw + (size_t)g * (size_t)vw + (size_t)lane] = v;
                }
                for (int k = 0; a->wcond && k < in - 1; k++)
                    a->wcond[(((size_t)k * (size_t)L->nblk + (size_t)b) * (size_t)G + (size_t)g) * (size_t)vw +
                             (size_t)lane] = r->w_ih[row * (size_t)in + 1 + (size_t)k];
                float bi = r->b_ih[row], bh = r->b_hh ? r->b_hh[row] : 0.0f;
                float *bias = a->bias + (size_t)b * (size_t)L->A * (size_t)vw + (size_t)lane;
                if (r->type == NN_CELL_GRU && g == 2) {
                    bias[2 * vw] = bi; /* nx: input bias only */
                    bias[3 * vw] = bh; /* nh: recurrent bias, inside r * (...) */
                } else {
                    bias[g * vw] = bi + bh;
                }
            }
            a->h0[u] = r->h0 ? r->h0[u] : 0.0f;
            if (a->c0) a->c0[u] = r->c0 ? r->c0[u] : 0.0f;
        }
    L->w = a->w;
    L->bias = a->bias;
    L->wcond = a->wcond;
    L->h0 = a->h0;
    L->c0 = a->c0;
}

static void pack_dense(const nn_dense_spec *d, nn_dense_layer *D, const dense_arrays *a)
{
    if (d->out == 1) {
        for (int j = 0; j < d->in; j++) a->w[j] = d->w[j];
    } else {
        for (int j = 0; j < d->in; j++)
            for (int o = 0; o < d->out; o++)
                a->w[(size_t)j * (size_t)D->outp + (size_t)o] = d->w[(size_t)o * (size_t)d->in + (size_t)j];
    }
    for (int o = 0; o < d->out; o++) a->b[o] = d->b[o];
    D->w = a->w;
    D->b = a->b;
}

static void run_selftest(nn_model *m)
{
    const nn_spec *s = &m->spec;
    if (!s->selftest_len) return;
    nn_state *st = nn_state_new(m, NULL);
    float *y = malloc(s->selftest_len * sizeof *y);
    if (!st || !y) {
        nn_state_free(st);
        free(y);
        return;
    }
    nn_run(st, s->selftest_in, y, s->selftest_len);
    double worst = 0;
    for (size_t i = 0; i < s->selftest_len; i++) {
        double e = fabs((double)y[i] - (double)s->selftest_out[i]);
        if (!(e <= worst)) worst = e; /* NaN counts as the worst */
    }
    m->has_selftest = 1;
    m->selftest_err = worst;
    nn_state_free(st);
    free(y);
}

nn_model *nn_model_build(const nn_spec *spec, const char *name, nn_error *err)
{
    if (!spec) {
        nn_fail(err, NN_ERR_ARG, name, "no model description");
        return NULL;
    }
    if (nn_spec_validate(spec, name, err) != NN_OK) return NULL;
    const nn_kernels *k = nn_kernels_select();
    nn_model *m = calloc(1, sizeof *m);
    if (!m) {
        nn_fail(err, NN_ERR_NOMEM, name, "out of memory");
        return NULL;
    }
    snprintf(m->name, sizeof m->name, "%s", name ? name : "model");
    m->k = k;
    m->vw = k->vw;
    m->n_rec = spec->n_rec;
    m->n_dense = spec->n_dense;
    m->n_cond = spec->n_inputs - 1;
    m->skip = spec->skip ? 1 : 0;
    m->in_gain = (float)pow(10.0, spec->in_gain_db / 20.0);
    m->out_gain = (float)pow(10.0, spec->out_gain_db / 20.0);

    layer_arrays la[NN_MAX_REC_LAYERS] = {0};
    dense_arrays da[NN_MAX_DENSE_LAYERS] = {0};
    size_t n = layout(m, spec, NULL, la, da);
    m->packed = nn_aligned_alloc(n * sizeof(float));
    if (!m->packed || nn_spec_copy(&m->spec, spec) != NN_OK) {
        nn_aligned_free(m->packed);
        free(m);
        nn_fail(err, NN_ERR_NOMEM, name, "out of memory");
        return NULL;
    }
    m->max_width = 0;
    layout(m, spec, m->packed, la, da);
    for (int l = 0; l < spec->n_rec; l++) pack_layer(spec, l, m->vw, &m->rec[l], &la[l]);
    for (int l = 0; l < spec->n_dense; l++) pack_dense(&spec->dense[l], &m->dense[l], &da[l]);
    run_selftest(m);
    return m;
}

void nn_model_free(nn_model *m)
{
    if (!m) return;
    nn_spec_free(&m->spec);
    nn_aligned_free(m->packed);
    free(m);
}

const nn_spec *nn_model_spec(const nn_model *m) { return &m->spec; }
nn_format nn_model_source_format(const nn_model *m) { return m->spec.source_format; }
int nn_model_num_cond(const nn_model *m) { return m->n_cond; }
int nn_model_sample_rate_known(const nn_model *m) { return m->spec.sample_rate > 0; }
size_t nn_model_param_count(const nn_model *m) { return nn_spec_param_count(&m->spec); }
double nn_model_macs_per_sample(const nn_model *m) { return nn_spec_macs_per_sample(&m->spec); }
const char *nn_model_kernel_name(const nn_model *m) { return m->k->name; }

double nn_model_sample_rate(const nn_model *m)
{
    if (m->spec.sample_rate > 0) return m->spec.sample_rate;
    /* GuitarML models were trained at 44.1 kHz; Keras (AIDA-X) and NAM default to 48 kHz. */
    return m->spec.source_format == NN_FORMAT_GUITARML ? 44100.0 : 48000.0;
}

int nn_model_selftest(const nn_model *m, double *max_abs_err, size_t *n_samples)
{
    if (max_abs_err) *max_abs_err = m->has_selftest ? m->selftest_err : 0.0;
    if (n_samples) *n_samples = m->has_selftest ? m->spec.selftest_len : 0;
    return m->has_selftest;
}
