/*
 * read_guitarml.c - GuitarML / Automated-GuitarAmpModelling JSON (Proteus, NeuralPi, ToobAmp):
 *
 *   { "model_data": { "unit_type": "LSTM"|"GRU", "input_size": I, "hidden_size": H,
 *                     "num_layers": L, "skip": 0|1, "output_size": 1, ... },
 *     "state_dict": { "rec.weight_ih_l0": [G*H][I], "rec.weight_hh_l0": [G*H][H],
 *                     "rec.bias_ih_l0": [G*H], "rec.bias_hh_l0": [G*H], ... (per layer k),
 *                     "lin.weight": [1][H], "lin.bias": [1] } }
 *
 * Already PyTorch's layout (gates i,f,g,o / r,z,n), the canonical one. No sample rate is stored:
 * these models were trained at 44.1 kHz (nn_model_sample_rate). Inputs beyond the first are
 * conditioning values; the skip adds the audio input only.
 */
#include "formats.h"
#include "json_util.h"

#include <stdio.h>

nn_status nn_read_guitarml(nn_spec *s, const json_t *root, const char *file, nn_error *err)
{
    nn_status st;
    s->source_format = NN_FORMAT_GUITARML;
    const json_t *md = json_object_get(root, "model_data"), *sd = json_object_get(root, "state_dict");
    if (!json_is_object(md)) return nn_fail(err, NN_ERR_SHAPE, file, "\"model_data\" must be an object");
    if (!json_is_object(sd)) return nn_fail(err, NN_ERR_SHAPE, file, "missing \"state_dict\" object");
    const char *unit = nj_string(md, "unit_type");
    nn_cell type;
    if (!unit) return nn_fail(err, NN_ERR_SHAPE, file, "model_data: missing \"unit_type\"");
    if (nn_cell_parse(unit, &type))
        return nn_fail(err, NN_ERR_UNSUPPORTED, file, "model_data: unit_type \"%s\" is not supported (LSTM, GRU, RNN)",
                       unit);
    int in, H, L, skip, out;
    if ((st = nj_int(md, "input_size", 0, 1, 1, NN_MAX_INPUTS, &in, file, "model_data", err))) return st;
    if ((st = nj_int(md, "hidden_size", 1, 0, 1, NN_MAX_HIDDEN, &H, file, "model_data", err))) return st;
    if ((st = nj_int(md, "num_layers", 0, 1, 1, NN_MAX_REC_LAYERS, &L, file, "model_data", err))) return st;
    if ((st = nj_int(md, "skip", 0, 0, 0, 1, &skip, file, "model_data", err))) return st;
    if ((st = nj_int(md, "output_size", 0, 1, 1, 1, &out, file, "model_data", err))) return st;
    s->n_inputs = in;
    s->skip = skip;

    int G = nn_cell_gates(type), width = in;
    for (int l = 0; l < L; l++) {
        nn_rec_spec *r = &s->rec[l];
        r->type = type;
        r->in = width;
        r->hidden = H;
        char key[64];
        size_t wi[2] = {(size_t)G * (size_t)H, (size_t)width}, wh[2] = {(size_t)G * (size_t)H, (size_t)H};
        snprintf(key, sizeof key, "rec.weight_ih_l%d", l);
        if ((st = nj_floats(s, json_object_get(sd, key), 2, wi, &r->w_ih, file, key, err))) return st;
        snprintf(key, sizeof key, "rec.weight_hh_l%d", l);
        if ((st = nj_floats(s, json_object_get(sd, key), 2, wh, &r->w_hh, file, key, err))) return st;
        /* Biases may be absent when the network was made with bias=False. */
        snprintf(key, sizeof key, "rec.bias_ih_l%d", l);
        if (json_object_get(sd, key)) {
            if ((st = nj_floats(s, json_object_get(sd, key), 1, wi, &r->b_ih, file, key, err))) return st;
        } else if (!(r->b_ih = nn_spec_floats(s, wi[0]))) {
            return nn_fail(err, NN_ERR_NOMEM, file, "out of memory");
        }
        snprintf(key, sizeof key, "rec.bias_hh_l%d", l);
        if (json_object_get(sd, key) && (st = nj_floats(s, json_object_get(sd, key), 1, wi, &r->b_hh, file, key, err)))
            return st;
        width = H;
    }
    s->n_rec = L;
    char extra[64];
    snprintf(extra, sizeof extra, "rec.weight_ih_l%d", L);
    if (json_object_get(sd, extra))
        return nn_fail(err, NN_ERR_SHAPE, file, "state_dict has \"%s\" but model_data says num_layers = %d", extra, L);

    nn_dense_spec *d = &s->dense[0];
    size_t lw[2] = {1, (size_t)H}, lb[1] = {1};
    if ((st = nj_floats(s, json_object_get(sd, "lin.weight"), 2, lw, &d->w, file, "lin.weight", err))) return st;
    if ((st = nj_floats(s, json_object_get(sd, "lin.bias"), 1, lb, &d->b, file, "lin.bias", err))) return st;
    d->in = H;
    d->out = 1;
    d->act = NN_ACT_LINEAR;
    s->n_dense = 1;
    return nn_read_metadata(s, root, json_object_get(root, "metadata"), file, err);
}
