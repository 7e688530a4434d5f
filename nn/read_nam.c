/*
 * read_nam.c - Neural Amp Modeler .nam files of architecture "LSTM":
 *
 *   { "version": "0.5.x", "architecture": "LSTM",
 *     "config": { "input_size": 1, "hidden_size": H, "num_layers": L },
 *     "weights": [ flat ], "sample_rate": 48000 (optional), "metadata": {...} }
 *
 * The flat weights, per layer: W (4H) x (I + H) row-major (input weights then recurrent ones,
 * gates i,f,g,o), the bias 4H (both PyTorch biases already summed), h0 (H), c0 (H); then the
 * head: H weights and 1 bias. No skip. The initial state is h0/c0, not zeros.
 * Other architectures (WaveNet, ConvNet, Linear) are real NAM models we do not run: say so.
 */
#include "formats.h"
#include "json_util.h"

#include <math.h>
#include <string.h>

nn_status nn_read_nam(nn_spec *s, const json_t *root, const char *file, nn_error *err)
{
    nn_status st;
    s->source_format = NN_FORMAT_NAM;
    const char *arch = nj_string(root, "architecture");
    if (!arch) return nn_fail(err, NN_ERR_SHAPE, file, "\"architecture\" must be a string");
    if (strcmp(arch, "LSTM") != 0)
        return nn_fail(err, NN_ERR_UNSUPPORTED, file, "NAM architecture \"%s\" is not supported (only LSTM)", arch);
    const json_t *cfg = json_object_get(root, "config");
    if (!json_is_object(cfg)) return nn_fail(err, NN_ERR_SHAPE, file, "missing \"config\" object");
    int I, H, L;
    if ((st = nj_int(cfg, "input_size", 0, 1, 1, NN_MAX_INPUTS, &I, file, "config", err))) return st;
    if ((st = nj_int(cfg, "hidden_size", 1, 0, 1, NN_MAX_HIDDEN, &H, file, "config", err))) return st;
    if ((st = nj_int(cfg, "num_layers", 1, 0, 1, NN_MAX_REC_LAYERS, &L, file, "config", err))) return st;

    const json_t *w = json_object_get(root, "weights");
    if (!json_is_array(w)) return nn_fail(err, NN_ERR_SHAPE, file, "\"weights\" must be a flat array");
    size_t need = 0;
    for (int l = 0; l < L; l++) {
        size_t il = (size_t)(l == 0 ? I : H);
        need += 4 * (size_t)H * (il + (size_t)H) + 4 * (size_t)H + 2 * (size_t)H;
    }
    need += (size_t)H + 1;
    if (json_array_size(w) != need)
        return nn_fail(err, NN_ERR_SHAPE, file, "\"weights\" has %zu values; LSTM %d x %d with input %d needs %zu",
                       json_array_size(w), L, H, I, need);
    float *flat;
    size_t shape[1] = {need};
    if ((st = nj_floats(s, w, 1, shape, &flat, file, "weights", err))) return st;

    s->n_inputs = I;
    s->n_rec = L;
    const float *p = flat;
    size_t gh = 4 * (size_t)H;
    for (int l = 0; l < L; l++) {
        nn_rec_spec *r = &s->rec[l];
        int il = l == 0 ? I : H;
        r->type = NN_CELL_LSTM;
        r->in = il;
        r->hidden = H;
        r->w_ih = nn_spec_floats(s, gh * (size_t)il);
        r->w_hh = nn_spec_floats(s, gh * (size_t)H);
        if (!r->w_ih || !r->w_hh) return nn_fail(err, NN_ERR_NOMEM, file, "out of memory");
        for (size_t row = 0; row < gh; row++) {
            memcpy(r->w_ih + row * (size_t)il, p, (size_t)il * sizeof(float));
            memcpy(r->w_hh + row * (size_t)H, p + il, (size_t)H * sizeof(float));
            p += il + H;
        }
        r->b_ih = (float *)p, p += gh; /* views into the arena-owned flat array */
        r->h0 = (float *)p, p += H;
        r->c0 = (float *)p, p += H;
    }
    nn_dense_spec *d = &s->dense[0];
    d->in = H;
    d->out = 1;
    d->act = NN_ACT_LINEAR;
    d->w = (float *)p, p += H;
    d->b = (float *)p;
    s->n_dense = 1;
    const json_t *meta = json_object_get(root, "metadata");
    return nn_read_metadata(s, root, json_is_object(meta) ? meta : NULL, file, err);
}
