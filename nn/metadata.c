/* metadata.c - what every format may carry beside the weights: sample rate, names, ESR, the
 * self-test pair; and the cell/activation names the formats use. */
#include "formats.h"
#include "json_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int nn_cell_parse(const char *name, nn_cell *out)
{
    if (!name) return -1;
    if (!strcasecmp(name, "lstm")) *out = NN_CELL_LSTM;
    else if (!strcasecmp(name, "gru"))
        *out = NN_CELL_GRU;
    else if (!strcasecmp(name, "rnn") || !strcasecmp(name, "simple_rnn") || !strcasecmp(name, "simplernn"))
        *out = NN_CELL_RNN;
    else
        return -1;
    return 0;
}

int nn_act_parse(const char *name, nn_act *out)
{
    if (!name || !*name || !strcasecmp(name, "linear")) *out = NN_ACT_LINEAR;
    else if (!strcasecmp(name, "tanh"))
        *out = NN_ACT_TANH;
    else if (!strcasecmp(name, "sigmoid"))
        *out = NN_ACT_SIGMOID;
    else if (!strcasecmp(name, "relu"))
        *out = NN_ACT_RELU;
    else
        return -1;
    return 0;
}

static const char *dup_string_key(nn_spec *s, const json_t *obj, const char *key)
{
    const char *v = nj_string(obj, key);
    return v ? nn_spec_strdup(s, v) : NULL;
}

nn_status nn_read_metadata(nn_spec *s, const json_t *root, const json_t *meta, const char *file, nn_error *err)
{
    /* Sample rate: metadata.samplerate (AIDA-X, sometimes a string), top-level samplerate (older
     * AIDA-X exports) or sample_rate (NAM). null means unknown. */
    const json_t *sr = meta ? json_object_get(meta, "samplerate") : NULL;
    if (!sr) sr = json_object_get(root, "samplerate");
    if (!sr) sr = json_object_get(root, "sample_rate");
    if (sr && !json_is_null(sr)) {
        double d;
        if (!nj_number(sr, 1, &d)) return nn_fail(err, NN_ERR_VALUE, file, "sample rate is not a number");
        if (d < 1000 || d > 768000)
            return nn_fail(err, NN_ERR_VALUE, file, "sample rate %g Hz out of range (1000..768000)", d);
        s->sample_rate = d;
    }
    const json_t *esr = meta ? json_object_get(meta, "esr") : NULL;
    if (!esr) esr = json_object_get(root, "esr");
    double d;
    if (esr && nj_number(esr, 1, &d)) s->meta.test_esr = d;
    if (!meta) {
        s->meta.author = dup_string_key(s, root, "author");
        return NN_OK;
    }
    nn_meta *m = &s->meta;
    m->name = dup_string_key(s, meta, "name");
    m->author = dup_string_key(s, meta, "author");
    if (!m->author) m->author = dup_string_key(s, meta, "modeled_by");
    m->device = dup_string_key(s, meta, "device");
    if (!m->device) {
        const char *make = nj_string(meta, "gear_make"), *model = nj_string(meta, "gear_model");
        if (make || model) {
            char buf[512];
            snprintf(buf, sizeof buf, "%s%s%s", make ? make : "", make && model ? " " : "", model ? model : "");
            m->device = nn_spec_strdup(s, buf);
        }
    }
    m->license = dup_string_key(s, meta, "license");
    m->description = dup_string_key(s, meta, "dataset");
    if (!m->description) m->description = dup_string_key(s, meta, "description");
    const json_t *date = json_object_get(meta, "date");
    if (json_is_string(date)) m->date = nn_spec_strdup(s, json_string_value(date));
    const json_t *training = json_object_get(meta, "training");
    if (training) {
        char *t = json_dumps(training, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(9));
        if (t) {
            m->training = nn_spec_strdup(s, t);
            free(t);
        }
    }
    const json_t *knobs = json_object_get(meta, "knobs");
    for (size_t k = 0; json_is_array(knobs) && k < json_array_size(knobs) && k < NN_MAX_COND; k++)
        if (json_is_string(json_array_get(knobs, k)))
            m->cond_names[k] = nn_spec_strdup(s, json_string_value(json_array_get(knobs, k)));
    /* Everything else the file said, so that a conversion keeps it. */
    char *all = json_dumps(meta, JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (all) {
        m->extra_json = nn_spec_strdup(s, all);
        free(all);
    }
    return NN_OK;
}

/* The length of a [N] array, or of one with singleton dimensions ([N][1], [1][N][1]);
 * 0 if it has more than one non-singleton dimension. */
static size_t flat_length(const size_t *shape, int ndim)
{
    size_t n = 1;
    int big = 0;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] != 1) big++;
        n *= shape[i];
    }
    return ndim && big <= 1 ? n : 0;
}

nn_status nn_read_selftest(nn_spec *s, const json_t *root, const char *file, nn_error *err)
{
    const json_t *in = json_object_get(root, "input_batch"), *out = json_object_get(root, "output_batch");
    if (!in && !out) return NN_OK;
    if (!in || !out)
        return nn_fail(err, NN_ERR_SHAPE, file, "\"%s\" without \"%s\"", in ? "input_batch" : "output_batch",
                       in ? "output_batch" : "input_batch");
    /* Flat [N], or with singleton dimensions ([N][1], [1][N][1]) as some exporters write. */
    size_t shi[4], sho[4];
    int ni = nj_shape(in, shi, 4), no = nj_shape(out, sho, 4);
    size_t n = flat_length(shi, ni), n_out = flat_length(sho, no);
    if (!n || n != n_out)
        return nn_fail(err, NN_ERR_SHAPE, file, "input_batch and output_batch must be flat arrays of the same length");
    if (n > ((size_t)1 << 22)) return nn_fail(err, NN_ERR_LIMIT, file, "input_batch: absurd size");
    nn_status st;
    if ((st = nj_floats(s, in, ni, shi, &s->selftest_in, file, "input_batch", err))) return st;
    if ((st = nj_floats(s, out, no, sho, &s->selftest_out, file, "output_batch", err))) return st;
    s->selftest_len = n;
    return NN_OK;
}
