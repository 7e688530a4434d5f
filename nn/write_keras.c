/* write_keras.c - the native format out: Keras-style JSON that RTNeural and AIDA-X load (see
 * read_keras.c for the layout), written atomically. */
#include "formats.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static json_t *floats(const float *a, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) json_array_append_new(arr, json_real(a ? (double)a[i] : 0.0));
    return arr;
}

/* [rows][cols] from a function of (row, col). */
typedef float (*elem_fn)(const void *ctx, size_t r, size_t c);

static json_t *matrix(size_t rows, size_t cols, elem_fn f, const void *ctx)
{
    json_t *m = json_array();
    for (size_t r = 0; r < rows; r++) {
        json_t *row = json_array();
        for (size_t c = 0; c < cols; c++) json_array_append_new(row, json_real((double)f(ctx, r, c)));
        json_array_append_new(m, row);
    }
    return m;
}

/* Keras block of canonical slot g (GRU: z,r,n in Keras, r,z,n canonical). */
static int keras_slot_of_block(nn_cell t, int block)
{
    if (t == NN_CELL_GRU) return block == 0 ? 1 : block == 1 ? 0 : 2;
    return block;
}

typedef struct {
    const nn_rec_spec *r;
    int which; /* 0 kernel, 1 recurrent, 2 GRU bias */
} rec_ctx;

/* kernel[i][k] = w_ih[canonical row of Keras column k][i]; likewise recurrent. */
static float rec_elem(const void *vctx, size_t i, size_t k)
{
    const rec_ctx *c = vctx;
    const nn_rec_spec *r = c->r;
    size_t H = (size_t)r->hidden;
    size_t row = (size_t)keras_slot_of_block(r->type, (int)(k / H)) * H + k % H;
    if (c->which == 0) return r->w_ih[row * (size_t)r->in + i];
    if (c->which == 1) return r->w_hh[row * H + i];
    const float *b = i == 0 ? r->b_ih : r->b_hh;
    return b ? b[row] : 0.0f;
}

static float lstm_bias(const nn_rec_spec *r, size_t k)
{
    size_t H = (size_t)r->hidden, row = (size_t)keras_slot_of_block(r->type, (int)(k / H)) * H + k % H;
    return r->b_ih[row] + (r->b_hh ? r->b_hh[row] : 0.0f); /* the sum the engine uses */
}

static float dense_elem(const void *vctx, size_t i, size_t o)
{
    const nn_dense_spec *d = vctx;
    return d->w[o * (size_t)d->in + i];
}

static json_t *shape_of(int units) { return json_pack("[n, n, i]", units); }

static const char *keras_type(nn_cell t)
{
    return t == NN_CELL_LSTM ? "lstm" : t == NN_CELL_GRU ? "gru" : "simple_rnn";
}

json_t *nn_keras_tree(const nn_spec *s, double sample_rate)
{
    json_t *root = json_object();
    json_object_set_new(root, "in_shape", json_pack("[n, n, i]", s->n_inputs));
    if (s->skip) json_object_set_new(root, "in_skip", json_integer(1));
    if (s->in_gain_db != 0.0f) json_object_set_new(root, "in_gain", json_real(s->in_gain_db));
    if (s->out_gain_db != 0.0f) json_object_set_new(root, "out_gain", json_real(s->out_gain_db));
    json_t *layers = json_array();
    for (int l = 0; l < s->n_rec; l++) {
        const nn_rec_spec *r = &s->rec[l];
        size_t gh = (size_t)nn_cell_gates(r->type) * (size_t)r->hidden;
        rec_ctx k = {r, 0}, u = {r, 1}, b = {r, 2};
        json_t *w = json_array();
        json_array_append_new(w, matrix((size_t)r->in, gh, rec_elem, &k));
        json_array_append_new(w, matrix((size_t)r->hidden, gh, rec_elem, &u));
        if (r->type == NN_CELL_GRU) {
            json_array_append_new(w, matrix(2, gh, rec_elem, &b));
        } else {
            json_t *bias = json_array();
            for (size_t i = 0; i < gh; i++) json_array_append_new(bias, json_real((double)lstm_bias(r, i)));
            json_array_append_new(w, bias);
        }
        json_t *L = json_pack("{s:s, s:s, s:o, s:o}", "type", keras_type(r->type), "activation", "", "shape",
                              shape_of(r->hidden), "weights", w);
        if (r->h0) json_object_set_new(L, "h0", floats(r->h0, (size_t)r->hidden));
        if (r->c0) json_object_set_new(L, "c0", floats(r->c0, (size_t)r->hidden));
        json_array_append_new(layers, L);
    }
    for (int l = 0; l < s->n_dense; l++) {
        const nn_dense_spec *d = &s->dense[l];
        json_t *w = json_array();
        json_array_append_new(w, matrix((size_t)d->in, (size_t)d->out, dense_elem, d));
        json_array_append_new(w, floats(d->b, (size_t)d->out));
        json_array_append_new(layers, json_pack("{s:s, s:s, s:o, s:o}", "type", "dense", "activation",
                                                d->act == NN_ACT_LINEAR ? "" : nn_act_name(d->act), "shape",
                                                shape_of(d->out), "weights", w));
    }
    json_object_set_new(root, "layers", layers);
    if (s->selftest_len) {
        json_object_set_new(root, "input_batch", floats(s->selftest_in, s->selftest_len));
        json_object_set_new(root, "output_batch", floats(s->selftest_out, s->selftest_len));
    }

    /* Metadata: what the source file had, then our fields on top. */
    json_t *meta = NULL;
    if (s->meta.extra_json) meta = json_loads(s->meta.extra_json, 0, NULL);
    if (!json_is_object(meta)) {
        json_decref(meta);
        meta = json_object();
    }
    const nn_meta *m = &s->meta;
    if (sample_rate > 0) json_object_set_new(meta, "samplerate", json_real(sample_rate));
    const char *keys[] = {"name", "author", "device", "license", "dataset", "date"};
    const char *vals[] = {m->name, m->author, m->device, m->license, m->description, m->date};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (vals[i]) json_object_set_new(meta, keys[i], json_string(vals[i]));
    if (isfinite(m->test_esr)) json_object_set_new(meta, "esr", json_real(m->test_esr));
    if (m->training) {
        json_t *t = json_loads(m->training, JSON_DECODE_ANY, NULL);
        if (t) json_object_set_new(meta, "training", t);
    }
    if (m->cond_names[0] || m->cond_names[1] || m->cond_names[2]) {
        json_t *knobs = json_array();
        for (int k = 0; k < s->n_inputs - 1; k++)
            json_array_append_new(knobs, json_string(m->cond_names[k] ? m->cond_names[k] : ""));
        json_object_set_new(meta, "knobs", knobs);
    }
    if (json_object_size(meta)) json_object_set_new(root, "metadata", meta);
    else
        json_decref(meta);
    return root;
}

nn_status nn_model_write_keras(const nn_model *model, const char *path, nn_error *err)
{
    /* The effective rate: a GuitarML model (44.1 kHz by convention) must not become 48 kHz. */
    json_t *root = nn_keras_tree(nn_model_spec(model), nn_model_sample_rate(model));
    /* 9 significant digits give back every float exactly: a round trip changes no bit. */
    char *text = root ? json_dumps(root, JSON_REAL_PRECISION(9)) : NULL;
    json_decref(root);
    if (!text) return nn_fail(err, NN_ERR_NOMEM, path, "out of memory while encoding JSON");
    size_t len = strlen(text);
    text[len] = '\0';
    nn_status r = nn_write_file_atomic(path, text, len, err);
    free(text);
    return r;
}

nn_status nn_write_file_atomic(const char *path, const char *data, size_t len, nn_error *err)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp) return nn_fail(err, NN_ERR_NOMEM, path, "out of memory");
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return nn_fail(err, NN_ERR_IO, path, "cannot create: %s", strerror(e));
    }
    size_t off = 0;
    int e = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            e = errno;
            break;
        }
        off += (size_t)w;
    }
    if (!e && write(fd, "\n", 1) != 1) e = errno ? errno : EIO;
    if (!e && fsync(fd) != 0) e = errno;
    if (!e) fchmod(fd, 0644); /* mkstemp makes 0600; a model is a document to share */
    if (close(fd) != 0 && !e) e = errno;
    if (!e && rename(tmp, path) != 0) e = errno;
    if (e) {
        unlink(tmp);
        free(tmp);
        return nn_fail(err, NN_ERR_IO, path, "cannot write: %s", strerror(e));
    }
    free(tmp);
    return NN_OK;
}
