/*
 * test_formats.c - what the readers keep besides the weights, and what the writer says:
 * sample rates (number, string, absent -> the format's default), metadata, the
 * input_batch/output_batch self-test (passing and failing), knob names, Keras GRU with a 1-D
 * bias refused, and the native file's keys as AIDA-X reads them. With every kernel this CPU
 * runs (the self-test runs the model).
 */
#include "check.h"
#include "kernels.h"
#include "nn.h"
#include "nn_spec.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *dir;

static nn_model *load(const char *name, nn_error *err)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/formats/ref/%s", dir, name);
    return nn_model_load_file(path, err);
}

static int read_golden(const char *name, float *x, float *y, int cap)
{
    char path[1024], line[256];
    snprintf(path, sizeof path, "%s/formats/ref/%s", dir, name);
    FILE *f = fopen(path, "r");
    int n = 0;
    while (f && fgets(line, sizeof line, f) && n < cap)
        if (line[0] != '#' && sscanf(line, "%f,%f", &x[n], &y[n]) == 2) n++;
    if (f) fclose(f);
    return n;
}

static char tmp[256];

static void check_formats(void)
{
    nn_error err = {0};

    /* Sample rates and metadata. */
    nn_model *m = load("synth_keras_lstm12_cond2_gain.json", &err);
    CHECK(m, "%s", err.msg);
    if (m) {
        CHECK(nn_model_sample_rate(m) == 44100 && nn_model_sample_rate_known(m),
              "rate given as the string \"44100\": %g", nn_model_sample_rate(m));
        const nn_spec *s = nn_model_spec(m);
        CHECK(s->meta.name && !strcmp(s->meta.name, "synthetic"), "name");
        CHECK(s->meta.test_esr == 0.01, "esr %g", s->meta.test_esr);
        CHECK(s->skip == 1 && s->in_gain_db == 4.5f && s->out_gain_db == -2.0f, "skip/gains");
        CHECK(nn_model_num_cond(m) == 2, "two knobs");
        CHECK(nn_model_source_format(m) == NN_FORMAT_KERAS, "format");
        nn_model_free(m);
    }
    m = load("guitarml_lstm20_skip.json", &err);
    CHECK(m && nn_model_sample_rate(m) == 44100 && !nn_model_sample_rate_known(m),
          "GuitarML: 44.1 kHz by convention, not stated");
    CHECK(m && nn_model_source_format(m) == NN_FORMAT_GUITARML, "GuitarML detected");
    nn_model_free(m);
    m = load("nam_lstm_1x3.nam", &err);
    CHECK(m, "%s", err.msg);
    if (m) {
        const nn_spec *s = nn_model_spec(m);
        CHECK(nn_model_sample_rate(m) == 48000 && nn_model_sample_rate_known(m), "NAM sample_rate 48000");
        CHECK(s->meta.author && !strcmp(s->meta.author, "Steve"), "NAM modeled_by -> author");
        CHECK(s->meta.device && strstr(s->meta.device, "Darkglass") && strstr(s->meta.device, "Microtubes"),
              "NAM gear_make + gear_model -> device: %s", s->meta.device ? s->meta.device : "(null)");
        CHECK(s->rec[0].h0 && s->rec[0].c0, "NAM initial state kept");
        CHECK(nn_model_source_format(m) == NN_FORMAT_NAM, "NAM detected");
        /* Conversion keeps the source's metadata and the initial state. */
        CHECK(nn_model_write_keras(m, tmp, &err) == 0, "%s", err.msg);
        json_t *root = json_load_file(tmp, 0, NULL);
        json_t *meta = json_object_get(root, "metadata");
        CHECK(json_is_string(json_object_get(meta, "gear_make")), "NAM metadata keys survive conversion");
        CHECK(json_number_value(json_object_get(meta, "samplerate")) == 48000, "samplerate written");
        json_t *layer0 = json_array_get(json_object_get(root, "layers"), 0);
        CHECK(json_array_size(json_object_get(layer0, "h0")) == 3, "h0 written");
        json_decref(root);
        nn_model_free(m);
    }
    m = load("nam_lstm_2x8.nam", &err);
    CHECK(m && nn_model_sample_rate(m) == 48000 && !nn_model_sample_rate_known(m), "NAM without rate: 48 kHz");
    nn_model_free(m);

    /* The native file as AIDA-X reads it: in_shape [null,null,N], in_skip, lstm + dense, and a
     * GuitarML model (no rate) written with its effective 44.1 kHz. */
    m = load("guitarml_lstm20_skip.json", &err);
    if (m && nn_model_write_keras(m, tmp, &err) == 0) {
        json_t *root = json_load_file(tmp, 0, NULL);
        json_t *in_shape = json_object_get(root, "in_shape");
        CHECK(json_array_size(in_shape) == 3 && json_is_null(json_array_get(in_shape, 0)) &&
                  json_integer_value(json_array_get(in_shape, 2)) == 1,
              "in_shape");
        CHECK(json_integer_value(json_object_get(root, "in_skip")) == 1, "in_skip");
        json_t *layers = json_object_get(root, "layers");
        json_t *l0 = json_array_get(layers, 0), *l1 = json_array_get(layers, 1);
        CHECK(!strcmp(json_string_value(json_object_get(l0, "type")), "lstm"), "layer 0 lstm");
        CHECK(json_integer_value(json_array_get(json_object_get(l0, "shape"), 2)) == 20, "lstm shape");
        CHECK(!strcmp(json_string_value(json_object_get(l1, "type")), "dense"), "layer 1 dense");
        json_t *k = json_array_get(json_object_get(l0, "weights"), 0);
        CHECK(json_array_size(k) == 1 && json_array_size(json_array_get(k, 0)) == 80, "kernel [1][80]");
        CHECK(json_number_value(json_object_get(json_object_get(root, "metadata"), "samplerate")) == 44100,
              "GuitarML written as 44100");
        json_decref(root);
    }
    nn_model_free(m);

    /* Self-test: the golden pair of keras_lstm8 as input_batch/output_batch passes; the same
     * pair with one sample off by 0.1 is caught. */
    static float x[4096], y[4096];
    int n = read_golden("keras_lstm8.golden.csv", x, y, 4096);
    m = load("keras_lstm8.json", &err);
    CHECK(m && n == 4096, "golden");
    if (m) {
        double e = -1;
        size_t len = 0;
        CHECK(nn_model_selftest(m, &e, &len) == 0, "no self-test in the source file");
        for (int bad = 0; bad < 2; bad++) {
            nn_spec s;
            CHECK(nn_spec_copy(&s, nn_model_spec(m)) == NN_OK, "copy");
            s.selftest_in = nn_spec_floats(&s, 2048);
            s.selftest_out = nn_spec_floats(&s, 2048);
            s.selftest_len = 2048;
            memcpy(s.selftest_in, x, 2048 * sizeof(float));
            memcpy(s.selftest_out, y, 2048 * sizeof(float));
            if (bad) s.selftest_out[1000] += 0.1f;
            nn_model *m2 = nn_model_build(&s, "selftest", &err);
            CHECK(m2 && nn_model_write_keras(m2, tmp, &err) == 0, "%s", err.msg);
            nn_model *m3 = nn_model_load_file(tmp, &err);
            CHECK(m3 && nn_model_selftest(m3, &e, &len) == 1 && len == 2048, "self-test read back");
            if (bad) CHECK(fabs(e - 0.1) < 1e-3, "a wrong output_batch is caught: %g", e);
            else
                CHECK(e < 1e-5, "a right output_batch passes: %g", e);
            nn_model_free(m2), nn_model_free(m3);
            nn_spec_free(&s);
        }
        nn_model_free(m);
    }

    /* Keras GRU with a 1-D bias (reset_after=False): refused, and the message says why. */
    m = load("keras_gru8_dense8.json", &err);
    if (m) {
        nn_model_write_keras(m, tmp, &err);
        json_t *root = json_load_file(tmp, 0, NULL);
        json_t *w = json_object_get(json_array_get(json_object_get(root, "layers"), 0), "weights");
        json_array_set(w, 2, json_array_get(json_array_get(w, 2), 0)); /* [2][24] -> [24] */
        json_dump_file(root, tmp, 0);
        json_decref(root);
        nn_model_free(m);
        nn_error e2 = {0};
        m = nn_model_load_file(tmp, &e2);
        CHECK(!m && e2.status == NN_ERR_UNSUPPORTED && strstr(e2.msg, "reset_after") && strstr(e2.msg, tmp),
              "1-D GRU bias: %s", e2.msg);
        nn_model_free(m);
    }

    /* Knob names survive a write. */
    m = load("synth_keras_gru2x10_tanh_cond1.json", &err);
    if (m) {
        nn_spec s;
        nn_spec_copy(&s, nn_model_spec(m));
        s.meta.cond_names[0] = nn_spec_strdup(&s, "tone");
        nn_model *m2 = nn_model_build(&s, "knobs", &err);
        nn_model_write_keras(m2, tmp, &err);
        nn_model *m3 = nn_model_load_file(tmp, &err);
        const char *k = m3 ? nn_model_spec(m3)->meta.cond_names[0] : NULL;
        CHECK(k && !strcmp(k, "tone"), "knob name read back: %s", k ? k : "(null)");
        nn_model_free(m2), nn_model_free(m3), nn_model_free(m);
        nn_spec_free(&s);
    }
    unlink(tmp);
}

int main(void)
{
    dir = check_env("RNNFX_TEST_DATA");
    if (!dir) check_skip("RNNFX_TEST_DATA not set (run through meson test)");
    snprintf(tmp, sizeof tmp, "/tmp/rnnfx_test_formats_%d.json", (int)getpid());
    for (const char *k = test_kernel_first(); k; k = test_kernel_next()) check_formats();
    return check_exit();
}
