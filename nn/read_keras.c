/*
 * read_keras.c - the native format: Keras-style JSON as RTNeural, AIDA-X and their trainers
 * write it (published examples with their golden outputs: tests/formats/ref/).
 *
 *   { "in_shape": [null, null, N],  "in_skip": 0|1,  "in_gain": dB,  "out_gain": dB,
 *     "layers": [ {"type": "lstm"|"gru"|"simple_rnn"|"dense"|"time-distributed-dense",
 *                  "activation": "", "shape": [null, null, units], "weights": [...]}, ... ],
 *     "input_batch": [...], "output_batch": [...],            (optional self-test)
 *     "metadata": { "samplerate": 48000 or "48000", "name", "author", "esr", ... } }
 *
 * Keras stores kernels input-major ([in][G*H]); gate blocks LSTM i,f,c,o (PyTorch's order),
 * GRU z,r,n (PyTorch: r,z,n) with a [2][3H] bias (reset_after). Both are turned into the
 * canonical PyTorch layout of nn_spec.h. rnnfx adds, per recurrent layer, optional "h0"/"c0"
 * (initial state, so that NAM models survive conversion); other readers ignore them.
 */
#include "formats.h"
#include "json_util.h"

#include <math.h>
#include <string.h>

/* Keras gate block index for canonical slot g. */
static int keras_block(nn_cell type, int g)
{
    if (type == NN_CELL_GRU) return g == 0 ? 1 : g == 1 ? 0 : 2; /* r <- block 1 (r), z <- block 0 */
    return g;
}

static nn_status read_recurrent(nn_spec *s, const json_t *L, int idx, nn_cell type, int in, int H, const char *file,
                                nn_error *err)
{
    int G = nn_cell_gates(type);
    const json_t *w = json_object_get(L, "weights");
    char what[96];
    if (!json_is_array(w) || json_array_size(w) != 3)
        return nn_fail(err, NN_ERR_SHAPE, file,
                       "layer %d (%s): \"weights\" must hold 3 arrays (kernel, recurrent, bias)", idx,
                       nn_cell_name(type));
    float *kernel, *rec, *bias;
    size_t ks[2] = {(size_t)in, (size_t)G * (size_t)H};
    size_t rs[2] = {(size_t)H, (size_t)G * (size_t)H};
    nn_status st;
    snprintf(what, sizeof what, "layer %d (%s) kernel", idx, nn_cell_name(type));
    if ((st = nj_floats(s, json_array_get(w, 0), 2, ks, &kernel, file, what, err))) return st;
    snprintf(what, sizeof what, "layer %d (%s) recurrent kernel", idx, nn_cell_name(type));
    if ((st = nj_floats(s, json_array_get(w, 1), 2, rs, &rec, file, what, err))) return st;
    const json_t *jb = json_array_get(w, 2);
    size_t bs[2] = {2, (size_t)G * (size_t)H};
    snprintf(what, sizeof what, "layer %d (%s) bias", idx, nn_cell_name(type));
    if (type == NN_CELL_GRU) {
        size_t dims[4];
        if (nj_shape(jb, dims, 4) == 1)
            return nn_fail(err, NN_ERR_UNSUPPORTED, file,
                           "layer %d (GRU): 1-D bias means reset_after=False, which is not supported "
                           "(re-export with reset_after=True)",
                           idx);
        if ((st = nj_floats(s, jb, 2, bs, &bias, file, what, err))) return st;
    } else {
        if ((st = nj_floats(s, jb, 1, bs + 1, &bias, file, what, err))) return st;
    }

    nn_rec_spec *r = &s->rec[s->n_rec];
    r->type = type;
    r->in = in;
    r->hidden = H;
    size_t gh = (size_t)G * (size_t)H;
    r->w_ih = nn_spec_floats(s, gh * (size_t)in);
    r->w_hh = nn_spec_floats(s, gh * (size_t)H);
    r->b_ih = nn_spec_floats(s, gh);
    r->b_hh = nn_spec_floats(s, gh);
    if (!r->w_ih || !r->w_hh || !r->b_ih || !r->b_hh) return nn_fail(err, NN_ERR_NOMEM, file, "out of memory");
    for (int g = 0; g < G; g++) {
        size_t kb = (size_t)keras_block(type, g) * (size_t)H;
        for (int u = 0; u < H; u++) {
            size_t row = (size_t)g * (size_t)H + (size_t)u, kc = kb + (size_t)u;
            for (int i = 0; i < in; i++) r->w_ih[row * (size_t)in + (size_t)i] = kernel[(size_t)i * gh + kc];
            for (int j = 0; j < H; j++) r->w_hh[row * (size_t)H + (size_t)j] = rec[(size_t)j * gh + kc];
            if (type == NN_CELL_GRU) {
                r->b_ih[row] = bias[kc];
                r->b_hh[row] = bias[gh + kc];
            } else {
                r->b_ih[row] = bias[kc];
            }
        }
    }
    size_t hs[1] = {(size_t)H};
    const json_t *h0 = json_object_get(L, "h0"), *c0 = json_object_get(L, "c0");
    snprintf(what, sizeof what, "layer %d (%s) h0", idx, nn_cell_name(type));
    if (h0 && (st = nj_floats(s, h0, 1, hs, &r->h0, file, what, err))) return st;
    snprintf(what, sizeof what, "layer %d (%s) c0", idx, nn_cell_name(type));
    if (c0 && type == NN_CELL_LSTM && (st = nj_floats(s, c0, 1, hs, &r->c0, file, what, err))) return st;
    s->n_rec++;
    return NN_OK;
}

static nn_status read_dense(nn_spec *s, const json_t *L, int idx, int in, int out, const char *file, nn_error *err)
{
    const char *act = nj_string(L, "activation");
    nn_act a;
    if (nn_act_parse(act, &a) != 0)
        return nn_fail(err, NN_ERR_UNSUPPORTED, file, "layer %d (dense): activation \"%s\" is not supported", idx, act);
    const json_t *w = json_object_get(L, "weights");
    if (!json_is_array(w) || json_array_size(w) != 2)
        return nn_fail(err, NN_ERR_SHAPE, file, "layer %d (dense): \"weights\" must hold 2 arrays (kernel, bias)", idx);
    float *kernel, *bias;
    size_t ks[2] = {(size_t)in, (size_t)out}, bs[1] = {(size_t)out};
    char what[64];
    nn_status st;
    snprintf(what, sizeof what, "layer %d (dense) kernel", idx);
    if ((st = nj_floats(s, json_array_get(w, 0), 2, ks, &kernel, file, what, err))) return st;
    snprintf(what, sizeof what, "layer %d (dense) bias", idx);
    if ((st = nj_floats(s, json_array_get(w, 1), 1, bs, &bias, file, what, err))) return st;
    nn_dense_spec *d = &s->dense[s->n_dense];
    d->in = in;
    d->out = out;
    d->act = a;
    d->w = nn_spec_floats(s, (size_t)in * (size_t)out);
    if (!d->w) return nn_fail(err, NN_ERR_NOMEM, file, "out of memory");
    for (int o = 0; o < out; o++)
        for (int i = 0; i < in; i++)
            d->w[(size_t)o * (size_t)in + (size_t)i] = kernel[(size_t)i * (size_t)out + (size_t)o];
    d->b = bias;
    s->n_dense++;
    return NN_OK;
}

/* The last entry of "shape": [null, null, units]. */
static nn_status layer_units(const json_t *L, int idx, const char *file, int *units, nn_error *err)
{
    const json_t *shape = json_object_get(L, "shape");
    size_t n = json_array_size(shape);
    double d;
    if (!json_is_array(shape) || !n || !nj_number(json_array_get(shape, n - 1), 0, &d) || d != floor(d))
        return nn_fail(err, NN_ERR_SHAPE, file, "layer %d: \"shape\" must be [null, null, units]", idx);
    if (d < 1 || d > NN_MAX_HIDDEN)
        return nn_fail(err, d < 1 ? NN_ERR_VALUE : NN_ERR_LIMIT, file, "layer %d: %.0f units (1..%d supported)", idx, d,
                       NN_MAX_HIDDEN);
    *units = (int)d;
    return NN_OK;
}

nn_status nn_read_keras(nn_spec *s, const json_t *root, const char *file, nn_error *err)
{
    nn_status st;
    s->source_format = NN_FORMAT_KERAS;
    const json_t *layers = json_object_get(root, "layers");
    if (!json_is_array(layers) || json_array_size(layers) == 0)
        return nn_fail(err, NN_ERR_SHAPE, file, "\"layers\" must be a non-empty array");

    int in = 1;
    const json_t *in_shape = json_object_get(root, "in_shape");
    if (in_shape) {
        size_t n = json_array_size(in_shape);
        double d;
        if (!json_is_array(in_shape) || !n || !nj_number(json_array_get(in_shape, n - 1), 0, &d) || d != floor(d))
            return nn_fail(err, NN_ERR_SHAPE, file, "\"in_shape\" must be [null, null, inputs]");
        if (d < 1 || d > NN_MAX_INPUTS)
            return nn_fail(err, d < 1 ? NN_ERR_VALUE : NN_ERR_LIMIT, file,
                           "\"in_shape\": %.0f inputs (1 audio + up to %d conditioning supported)", d, NN_MAX_COND);
        in = (int)d;
    }
    s->n_inputs = in;

    size_t nl = json_array_size(layers);
    int width = in;
    for (size_t i = 0; i < nl; i++) {
        const json_t *L = json_array_get(layers, i);
        int idx = (int)i + 1;
        if (!json_is_object(L)) return nn_fail(err, NN_ERR_SHAPE, file, "layer %d is not an object", idx);
        const char *type = nj_string(L, "type");
        if (!type) return nn_fail(err, NN_ERR_SHAPE, file, "layer %d: missing \"type\"", idx);
        int units = 0;
        if ((st = layer_units(L, idx, file, &units, err))) return st;
        nn_cell cell;
        if (nn_cell_parse(type, &cell) == 0) {
            if (s->n_dense)
                return nn_fail(err, NN_ERR_UNSUPPORTED, file,
                               "layer %d: a recurrent layer after a dense layer is not supported", idx);
            if (s->n_rec == NN_MAX_REC_LAYERS)
                return nn_fail(err, NN_ERR_LIMIT, file, "more than %d recurrent layers", NN_MAX_REC_LAYERS);
            if ((st = read_recurrent(s, L, idx, cell, width, units, file, err))) return st;
        } else if (!strcmp(type, "dense") || !strcmp(type, "time-distributed-dense")) {
            if (!s->n_rec)
                return nn_fail(err, NN_ERR_UNSUPPORTED, file,
                               "layer %d: a dense layer before any recurrent layer is not supported", idx);
            if (s->n_dense == NN_MAX_DENSE_LAYERS)
                return nn_fail(err, NN_ERR_LIMIT, file, "more than %d dense layers", NN_MAX_DENSE_LAYERS);
            if ((st = read_dense(s, L, idx, width, units, file, err))) return st;
        } else {
            return nn_fail(err, NN_ERR_UNSUPPORTED, file,
                           "layer %d: type \"%s\" is not supported (lstm, gru, simple_rnn, dense)", idx, type);
        }
        width = units;
    }

    const json_t *skip = json_object_get(root, "in_skip");
    if (skip) {
        double d;
        if (json_is_boolean(skip)) d = json_is_true(skip);
        else if (!nj_number(skip, 0, &d) || (d != 0 && d != 1))
            return nn_fail(err, NN_ERR_VALUE, file, "\"in_skip\" must be 0 or 1");
        s->skip = (int)d;
    }
    const char *gain_keys[2] = {"in_gain", "out_gain"};
    float *gains[2] = {&s->in_gain_db, &s->out_gain_db};
    for (int k = 0; k < 2; k++) {
        const json_t *g = json_object_get(root, gain_keys[k]);
        double d;
        if (!g) continue;
        if (!nj_number(g, 0, &d)) return nn_fail(err, NN_ERR_VALUE, file, "\"%s\" must be a number (dB)", gain_keys[k]);
        *gains[k] = (float)d;
    }

    const json_t *meta = json_object_get(root, "metadata");
    if (meta && !json_is_object(meta)) return nn_fail(err, NN_ERR_SHAPE, file, "\"metadata\" must be an object");
    if ((st = nn_read_metadata(s, root, meta, file, err))) return st;
    return nn_read_selftest(s, root, file, err);
}
