/* spec.c - the canonical model description: arena, validation, sizes, random initialisation. */
#include "nn_spec.h"
#include "errors.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The arena is a list of blocks; a spec's arrays and strings are freed together. */
struct nn_arena_block {
    struct nn_arena_block *next;
    max_align_t data[];
};

void nn_spec_init(nn_spec *s)
{
    memset(s, 0, sizeof *s);
    s->n_inputs = 1;
    s->meta.test_esr = NAN;
}

void nn_spec_free(nn_spec *s)
{
    if (!s) return;
    struct nn_arena_block *b = s->arena_;
    while (b) {
        struct nn_arena_block *next = b->next;
        free(b);
        b = next;
    }
    nn_spec_init(s);
}

/* The largest block the arena hands out: 16 GiB where size_t is 64 bits (no real model comes
 * near; a corrupt size fails here, not in calloc), a quarter of the address space where it is
 * 32 bits (ARMv7, i386), so that the block header + bytes + 1 below cannot wrap around. */
#if SIZE_MAX > 0xffffffffu
#define NN_SPEC_MAX_BYTES ((size_t)1 << 34)
#else
#define NN_SPEC_MAX_BYTES (SIZE_MAX / 4)
#endif

void *nn_spec_alloc(nn_spec *s, size_t bytes)
{
    if (bytes > NN_SPEC_MAX_BYTES) return NULL;
    struct nn_arena_block *b = calloc(1, sizeof *b + bytes + 1);
    if (!b) return NULL;
    b->next = s->arena_;
    s->arena_ = b;
    return b->data;
}

float *nn_spec_floats(nn_spec *s, size_t n)
{
    if (n > NN_SPEC_MAX_BYTES / sizeof(float)) return NULL; /* n * sizeof(float) fits */
    return nn_spec_alloc(s, n * sizeof(float));
}

const char *nn_spec_strdup(nn_spec *s, const char *str)
{
    if (!str) return NULL;
    size_t n = strlen(str);
    char *d = nn_spec_alloc(s, n + 1);
    if (d) memcpy(d, str, n + 1);
    return d;
}

static float *dup_floats(nn_spec *dst, const float *src, size_t n, int *fail)
{
    if (!src) return NULL;
    float *d = nn_spec_floats(dst, n);
    if (!d) {
        *fail = 1;
        return NULL;
    }
    memcpy(d, src, n * sizeof *d);
    return d;
}

static const char *dup_str(nn_spec *dst, const char *src, int *fail)
{
    if (!src) return NULL;
    const char *d = nn_spec_strdup(dst, src);
    if (!d) *fail = 1;
    return d;
}

nn_status nn_spec_copy(nn_spec *dst, const nn_spec *src)
{
    nn_spec_init(dst);
    *dst = *src;
    dst->arena_ = NULL;
    int fail = 0;
    for (int l = 0; l < src->n_rec && l < NN_MAX_REC_LAYERS; l++) {
        const nn_rec_spec *r = &src->rec[l];
        nn_rec_spec *d = &dst->rec[l];
        size_t gh = (size_t)nn_cell_gates(r->type) * (size_t)r->hidden;
        d->w_ih = dup_floats(dst, r->w_ih, gh * (size_t)r->in, &fail);
        d->w_hh = dup_floats(dst, r->w_hh, gh * (size_t)r->hidden, &fail);
        d->b_ih = dup_floats(dst, r->b_ih, gh, &fail);
        d->b_hh = dup_floats(dst, r->b_hh, gh, &fail);
        d->h0 = dup_floats(dst, r->h0, (size_t)r->hidden, &fail);
        d->c0 = dup_floats(dst, r->c0, (size_t)r->hidden, &fail);
    }
    for (int l = 0; l < src->n_dense && l < NN_MAX_DENSE_LAYERS; l++) {
        const nn_dense_spec *r = &src->dense[l];
        nn_dense_spec *d = &dst->dense[l];
        d->w = dup_floats(dst, r->w, (size_t)r->out * (size_t)r->in, &fail);
        d->b = dup_floats(dst, r->b, (size_t)r->out, &fail);
    }
    nn_meta *m = &dst->meta;
    const nn_meta *sm = &src->meta;
    m->name = dup_str(dst, sm->name, &fail);
    m->author = dup_str(dst, sm->author, &fail);
    m->device = dup_str(dst, sm->device, &fail);
    m->license = dup_str(dst, sm->license, &fail);
    m->description = dup_str(dst, sm->description, &fail);
    m->date = dup_str(dst, sm->date, &fail);
    m->training = dup_str(dst, sm->training, &fail);
    m->extra_json = dup_str(dst, sm->extra_json, &fail);
    for (int k = 0; k < NN_MAX_COND; k++) m->cond_names[k] = dup_str(dst, sm->cond_names[k], &fail);
    dst->selftest_in = dup_floats(dst, src->selftest_in, src->selftest_len, &fail);
    dst->selftest_out = dup_floats(dst, src->selftest_out, src->selftest_len, &fail);
    if (fail) {
        nn_spec_free(dst);
        return NN_ERR_NOMEM;
    }
    return NN_OK;
}

/* An array the spec does not have (NULL) has nothing non-finite in it. */
static int all_finite(const float *a, size_t n) { return !a || nn_all_finite(a, n); }

nn_status nn_spec_validate(const nn_spec *s, const char *name, nn_error *err)
{
    if (s->n_inputs < 1 || s->n_inputs > NN_MAX_INPUTS)
        return nn_fail(err, NN_ERR_LIMIT, name, "%d inputs (1 audio + up to %d conditioning supported)", s->n_inputs,
                       NN_MAX_COND);
    if (s->n_rec < 1) return nn_fail(err, NN_ERR_SHAPE, name, "no recurrent layer (LSTM, GRU or RNN) in the model");
    if (s->n_rec > NN_MAX_REC_LAYERS)
        return nn_fail(err, NN_ERR_LIMIT, name, "%d recurrent layers (at most %d supported)", s->n_rec,
                       NN_MAX_REC_LAYERS);
    if (s->n_dense > NN_MAX_DENSE_LAYERS)
        return nn_fail(err, NN_ERR_LIMIT, name, "%d dense layers (at most %d supported)", s->n_dense,
                       NN_MAX_DENSE_LAYERS);
    int width = s->n_inputs;
    for (int l = 0; l < s->n_rec; l++) {
        const nn_rec_spec *r = &s->rec[l];
        if (r->type != NN_CELL_LSTM && r->type != NN_CELL_GRU && r->type != NN_CELL_RNN)
            return nn_fail(err, NN_ERR_FORMAT, name, "recurrent layer %d: unknown cell type", l + 1);
        if (r->hidden < 1 || r->hidden > NN_MAX_HIDDEN)
            return nn_fail(err, NN_ERR_LIMIT, name, "recurrent layer %d: hidden size %d (1..%d supported)", l + 1,
                           r->hidden, NN_MAX_HIDDEN);
        if (r->in != width)
            return nn_fail(err, NN_ERR_SHAPE, name, "recurrent layer %d: input size %d, expected %d", l + 1, r->in,
                           width);
        if (!r->w_ih || !r->w_hh || !r->b_ih)
            return nn_fail(err, NN_ERR_SHAPE, name, "recurrent layer %d: missing weights", l + 1);
        size_t gh = (size_t)nn_cell_gates(r->type) * (size_t)r->hidden;
        if (!all_finite(r->w_ih, gh * (size_t)r->in) || !all_finite(r->w_hh, gh * (size_t)r->hidden) ||
            !all_finite(r->b_ih, gh) || !all_finite(r->b_hh, gh) || !all_finite(r->h0, (size_t)r->hidden) ||
            !all_finite(r->c0, (size_t)r->hidden))
            return nn_fail(err, NN_ERR_VALUE, name, "recurrent layer %d: non-finite weight (NaN or Inf)", l + 1);
        /* The engine and the native format use b_ih + b_hh: two finite halves near 3.4e38 make an
         * infinite sum, which the writer could not write (JSON has no Inf). */
        for (size_t i = 0; r->b_hh && i < gh; i++)
            if (!isfinite(r->b_ih[i] + r->b_hh[i]))
                return nn_fail(err, NN_ERR_VALUE, name, "recurrent layer %d: bias_ih + bias_hh overflows (%g + %g)",
                               l + 1, (double)r->b_ih[i], (double)r->b_hh[i]);
        if (r->c0 && r->type != NN_CELL_LSTM)
            return nn_fail(err, NN_ERR_SHAPE, name, "recurrent layer %d: a cell state c0 on a %s layer", l + 1,
                           nn_cell_name(r->type));
        width = r->hidden;
    }
    for (int l = 0; l < s->n_dense; l++) {
        const nn_dense_spec *d = &s->dense[l];
        if (d->in != width)
            return nn_fail(err, NN_ERR_SHAPE, name, "dense layer %d: input size %d, expected %d", l + 1, d->in, width);
        if (d->out < 1 || d->out > NN_MAX_HIDDEN)
            return nn_fail(err, NN_ERR_LIMIT, name, "dense layer %d: output size %d (1..%d supported)", l + 1, d->out,
                           NN_MAX_HIDDEN);
        if (!d->w || !d->b) return nn_fail(err, NN_ERR_SHAPE, name, "dense layer %d: missing weights", l + 1);
        if ((unsigned)d->act > NN_ACT_RELU)
            return nn_fail(err, NN_ERR_FORMAT, name, "dense layer %d: unknown activation", l + 1);
        if (!all_finite(d->w, (size_t)d->in * (size_t)d->out) || !all_finite(d->b, (size_t)d->out))
            return nn_fail(err, NN_ERR_VALUE, name, "dense layer %d: non-finite weight (NaN or Inf)", l + 1);
        width = d->out;
    }
    if (width != 1)
        return nn_fail(err, NN_ERR_SHAPE, name, "the network ends with %d outputs; one audio output is needed", width);
    if (!isfinite(s->in_gain_db) || !isfinite(s->out_gain_db) || fabsf(s->in_gain_db) > 120.f ||
        fabsf(s->out_gain_db) > 120.f)
        return nn_fail(err, NN_ERR_VALUE, name, "input/output gain out of range (+-120 dB)");
    if (!(s->sample_rate == 0 || (s->sample_rate >= 1000 && s->sample_rate <= 768000)))
        return nn_fail(err, NN_ERR_VALUE, name, "sample rate %g Hz out of range (1000..768000)", s->sample_rate);
    if (s->selftest_len && (!s->selftest_in || !s->selftest_out || !all_finite(s->selftest_in, s->selftest_len) ||
                            !all_finite(s->selftest_out, s->selftest_len)))
        return nn_fail(err, NN_ERR_VALUE, name, "input_batch/output_batch: non-finite values");
    return NN_OK;
}

size_t nn_spec_param_count(const nn_spec *s)
{
    size_t n = 0;
    for (int l = 0; l < s->n_rec; l++) {
        const nn_rec_spec *r = &s->rec[l];
        size_t gh = (size_t)nn_cell_gates(r->type) * (size_t)r->hidden;
        /* Count the trainable parameters as PyTorch does: both biases for GRU, one for others. */
        n += gh * (size_t)(r->in + r->hidden) + gh * (r->type == NN_CELL_GRU ? 2u : 1u);
    }
    for (int l = 0; l < s->n_dense; l++) n += (size_t)s->dense[l].out * (size_t)(s->dense[l].in + 1);
    return n;
}

double nn_spec_macs_per_sample(const nn_spec *s)
{
    double n = 0;
    for (int l = 0; l < s->n_rec; l++) {
        const nn_rec_spec *r = &s->rec[l];
        /* Conditioning inputs are constant per block: the engine folds them into the bias. */
        int in = l == 0 ? 1 : r->in;
        n += (double)nn_cell_gates(r->type) * r->hidden * (in + r->hidden);
    }
    for (int l = 0; l < s->n_dense; l++) n += (double)s->dense[l].out * s->dense[l].in;
    return n;
}

/* splitmix64: a tiny, well-mixed generator so that initialisation is the same everywhere. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void fill_uniform(float *a, size_t n, float bound, uint64_t *rng)
{
    for (size_t i = 0; i < n; i++) {
        double u = (double)(splitmix64(rng) >> 11) * (1.0 / 9007199254740992.0);
        a[i] = (float)((2.0 * u - 1.0) * bound);
    }
}

nn_status nn_spec_init_random(nn_spec *s, nn_cell type, int n_layers, int hidden, int n_cond, int skip, uint64_t seed)
{
    nn_spec_init(s);
    if (n_layers < 1 || n_layers > NN_MAX_REC_LAYERS || hidden < 1 || hidden > NN_MAX_HIDDEN || n_cond < 0 ||
        n_cond > NN_MAX_COND)
        return NN_ERR_LIMIT;
    uint64_t rng = seed;
    s->n_inputs = 1 + n_cond;
    s->n_rec = n_layers;
    s->skip = skip;
    int width = s->n_inputs;
    float bound = 1.0f / sqrtf((float)hidden);
    for (int l = 0; l < n_layers; l++) {
        nn_rec_spec *r = &s->rec[l];
        size_t gh = (size_t)nn_cell_gates(type) * (size_t)hidden;
        r->type = type;
        r->in = width;
        r->hidden = hidden;
        r->w_ih = nn_spec_floats(s, gh * (size_t)width);
        r->w_hh = nn_spec_floats(s, gh * (size_t)hidden);
        r->b_ih = nn_spec_floats(s, gh);
        r->b_hh = nn_spec_floats(s, gh);
        if (!r->w_ih || !r->w_hh || !r->b_ih || !r->b_hh) {
            nn_spec_free(s);
            return NN_ERR_NOMEM;
        }
        fill_uniform(r->w_ih, gh * (size_t)width, bound, &rng);
        fill_uniform(r->w_hh, gh * (size_t)hidden, bound, &rng);
        fill_uniform(r->b_ih, gh, bound, &rng);
        fill_uniform(r->b_hh, gh, bound, &rng);
        width = hidden;
    }
    s->n_dense = 1;
    nn_dense_spec *d = &s->dense[0];
    d->in = hidden;
    d->out = 1;
    d->act = NN_ACT_LINEAR;
    d->w = nn_spec_floats(s, (size_t)hidden);
    d->b = nn_spec_floats(s, 1);
    if (!d->w || !d->b) {
        nn_spec_free(s);
        return NN_ERR_NOMEM;
    }
    fill_uniform(d->w, (size_t)hidden, bound, &rng);
    fill_uniform(d->b, 1, bound, &rng);
    return NN_OK;
}
