/* cmd_info.c - `rnnfx info MODEL [--json]`: what a model is, what it costs, how fast it runs here. */
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "kernel_choice.h"
#include "knobs.h"
#include "nn.h"
#include "nn_spec.h"
#include "rnnfx_error.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: rnnfx info MODEL [--json]\n"
    "\n"
    "Shows a model: format, layers, skip, gains, inputs and knobs, parameter count, sample rate,\n"
    "metadata, the self-test stored in the file (input_batch/output_batch) if any, the cost in\n"
    "multiply-adds per sample, the SIMD kernel it runs with here (and this CPU's best, which is\n"
    "the one used unless RNNFX_KERNEL names another), and the speed measured here on one\n"
    "second of a test signal at the model's rate (blocks of 128 samples, as in a plugin; CPU time\n"
    "of one core, median of 3 runs).\n"
    "\n"
    "Options:\n"
    "  --json       machine-readable output (one JSON object)\n"
    "  -h, --help   this text\n";

/* The stored output_batch comes from another implementation (TensorFlow/PyTorch, maybe on a GPU,
 * with its own summation order and activation functions). Independent float32 implementations
 * agree within 1e-5 on the reference models (tests/formats/ref), so 1e-4 leaves a decade for such
 * differences while any real fault - a swapped gate, a transposed matrix, a wrong bias - gives
 * errors of 1e-2 and more. */
#define SELFTEST_TOLERANCE 1e-4

#define SPEED_BLOCK 128
#define SPEED_RUNS 3

typedef struct facts {
    int has_selftest, selftest_pass;
    double selftest_err;
    size_t selftest_n;
    double ns_per_sample, realtime; /* realtime: seconds of audio per second of computing */
} facts;

/* A plucked-string-like test signal: a few harmonics of 110 Hz, re-plucked every 0.25 s. */
static void test_signal(float *x, size_t n, double rate)
{
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate, tp = fmod(t, 0.25);
        double s = 0;
        for (int h = 1; h <= 5; h++) s += sin(2 * M_PI * 110.0 * h * t) / h;
        x[i] = (float)(0.4 * s * exp(-8.0 * tp));
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median over SPEED_RUNS runs of one second at the model's rate, one state, blocks of 128. */
static int measure_speed(const nn_model *m, facts *f, nn_error *err)
{
    size_t n = (size_t)nn_model_sample_rate(m);
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    nn_state *s = nn_state_new(m, err);
    if (!x || !y || !s) {
        if (s) rnnfx_fail(err, NN_ERR_NOMEM, "rnnfx info", "out of memory");
        free(x);
        free(y);
        nn_state_free(s);
        return -1;
    }
    test_signal(x, n, nn_model_sample_rate(m));
    double t[SPEED_RUNS];
    for (int r = 0; r < SPEED_RUNS; r++) {
        nn_state_reset(s);
        double t0 = rnnfx_cpu_now();
        for (size_t at = 0; at < n; at += SPEED_BLOCK)
            nn_run(s, x + at, y + at, n - at < SPEED_BLOCK ? n - at : SPEED_BLOCK);
        t[r] = rnnfx_cpu_now() - t0;
    }
    qsort(t, SPEED_RUNS, sizeof t[0], cmp_double);
    double sec = t[SPEED_RUNS / 2] > 1e-9 ? t[SPEED_RUNS / 2] : 1e-9;
    f->ns_per_sample = 1e9 * sec / (double)n;
    f->realtime = 1.0 / sec; /* n samples are one second of audio */
    free(x);
    free(y);
    nn_state_free(s);
    return 0;
}

static const char *initial_state(const nn_rec_spec *r)
{
    if (!r->h0 && !r->c0) return "zeros";
    return r->type == NN_CELL_LSTM ? "stored (h0, c0)" : "stored (h0)";
}

/* ---- JSON --------------------------------------------------------------------------------- */

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *parsed_or_string(const char *text)
{
    if (!text) return json_null();
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    return v ? v : json_string(text);
}

static json_t *info_json(const nn_model *m, const char *path, const facts *f)
{
    const nn_spec *s = nn_model_spec(m);
    json_t *root = json_object();
    json_object_set_new(root, "file", json_string(path));
    json_object_set_new(root, "format", json_string(nn_format_name(nn_model_source_format(m))));
    json_t *layers = json_array();
    for (int l = 0; l < s->n_rec; l++) {
        const nn_rec_spec *r = &s->rec[l];
        json_array_append_new(layers, json_pack("{s:s, s:i, s:i, s:s}", "type", nn_cell_name(r->type), "in", r->in,
                                                "hidden", r->hidden, "initial_state", initial_state(r)));
    }
    for (int l = 0; l < s->n_dense; l++) {
        const nn_dense_spec *d = &s->dense[l];
        json_array_append_new(layers, json_pack("{s:s, s:i, s:i, s:s}", "type", "Dense", "in", d->in, "out", d->out,
                                                "activation", nn_act_name(d->act)));
    }
    json_object_set_new(root, "layers", layers);
    json_object_set_new(root, "skip", json_boolean(s->skip));
    json_object_set_new(root, "in_gain_db", json_real(s->in_gain_db));
    json_object_set_new(root, "out_gain_db", json_real(s->out_gain_db));
    json_t *knobs = json_array();
    for (int k = 0; k < nn_model_num_cond(m); k++) {
        char buf[16];
        json_array_append_new(knobs, json_string(rnnfx_knob_name(m, k, buf, sizeof buf)));
    }
    json_object_set_new(root, "inputs", json_integer(s->n_inputs));
    json_object_set_new(root, "knobs", knobs);
    json_object_set_new(root, "parameters", json_integer((json_int_t)nn_model_param_count(m)));
    json_object_set_new(root, "sample_rate", json_real(nn_model_sample_rate(m)));
    json_object_set_new(root, "sample_rate_stated", json_boolean(nn_model_sample_rate_known(m)));
    const nn_meta *md = &s->meta;
    json_t *meta = json_object();
    json_object_set_new(meta, "name", str_or_null(md->name));
    json_object_set_new(meta, "author", str_or_null(md->author));
    json_object_set_new(meta, "device", str_or_null(md->device));
    json_object_set_new(meta, "license", str_or_null(md->license));
    json_object_set_new(meta, "description", str_or_null(md->description));
    json_object_set_new(meta, "date", str_or_null(md->date));
    json_object_set_new(meta, "test_esr", isfinite(md->test_esr) ? json_real(md->test_esr) : json_null());
    json_object_set_new(meta, "training", parsed_or_string(md->training));
    json_object_set_new(root, "metadata", meta);
    if (f->has_selftest)
        json_object_set_new(root, "selftest",
                            json_pack("{s:f, s:I, s:f, s:b}", "max_abs_error", f->selftest_err, "samples",
                                      (json_int_t)f->selftest_n, "tolerance", SELFTEST_TOLERANCE, "pass",
                                      f->selftest_pass));
    else
        json_object_set_new(root, "selftest", json_null());
    json_object_set_new(root, "macs_per_sample", json_real(nn_model_macs_per_sample(m)));
    json_object_set_new(root, "kernel", json_string(nn_model_kernel_name(m)));
    json_object_set_new(root, "kernel_best", json_string(rnnfx_kernel_cpu_best()));
    const char *by = rnnfx_kernel_forced_by();
    json_object_set_new(root, "kernel_forced_by", by ? json_string(by) : json_null());
    json_object_set_new(root, "speed",
                        json_pack("{s:f, s:f, s:f, s:i}", "ns_per_sample", f->ns_per_sample, "realtime_factor",
                                  f->realtime, "rate", nn_model_sample_rate(m), "block", SPEED_BLOCK));
    return root;
}

/* ---- text --------------------------------------------------------------------------------- */

static void print_text(const nn_model *m, const char *path, const facts *f)
{
    const nn_spec *s = nn_model_spec(m);
    printf("%s\n", path);
    printf("  format       %s\n", nn_format_name(nn_model_source_format(m)));
    printf("  network      ");
    for (int l = 0; l < s->n_rec; l++)
        printf("%s%s-%d", l ? " -> " : "", nn_cell_name(s->rec[l].type), s->rec[l].hidden);
    for (int l = 0; l < s->n_dense; l++)
        printf(" -> Dense-%d%s%s%s", s->dense[l].out, s->dense[l].act ? " (" : "",
               s->dense[l].act ? nn_act_name(s->dense[l].act) : "", s->dense[l].act ? ")" : "");
    printf("%s\n", s->skip ? ", + input (skip)" : "");
    for (int l = 0; l < s->n_rec; l++) {
        const nn_rec_spec *r = &s->rec[l];
        printf("    layer %d    %-5s in %-3d hidden %-3d initial state: %s\n", l + 1, nn_cell_name(r->type), r->in,
               r->hidden, initial_state(r));
    }
    for (int l = 0; l < s->n_dense; l++) {
        const nn_dense_spec *d = &s->dense[l];
        printf("    layer %d    Dense in %-3d out %-6d activation: %s\n", s->n_rec + l + 1, d->in, d->out,
               nn_act_name(d->act));
    }
    printf("  skip         %s\n", s->skip ? "yes" : "no");
    printf("  gains        input %+.2f dB, output %+.2f dB\n", s->in_gain_db, s->out_gain_db);
    printf("  inputs       audio");
    for (int k = 0; k < nn_model_num_cond(m); k++) {
        char buf[16];
        printf("%s knob %d \"%s\"", k ? "," : " +", k + 1, rnnfx_knob_name(m, k, buf, sizeof buf));
    }
    printf("\n  parameters   %zu\n", nn_model_param_count(m));
    printf("  sample rate  %.0f Hz%s\n", nn_model_sample_rate(m),
           nn_model_sample_rate_known(m) ? "" : " (not stated in the file: the format's default)");
    const nn_meta *md = &s->meta;
    const char *keys[] = {"name", "author", "device", "license", "description", "date", "training"};
    const char *vals[] = {md->name, md->author, md->device, md->license, md->description, md->date, md->training};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (vals[i]) printf("  %-12s %s\n", keys[i], vals[i]);
    if (isfinite(md->test_esr)) printf("  test ESR     %.4g\n", md->test_esr);
    if (f->has_selftest)
        printf("  self-test    %s: max |error| %.3g over %zu samples of input_batch/output_batch (tolerance %g)\n",
               f->selftest_pass ? "PASS" : "FAIL", f->selftest_err, f->selftest_n, SELFTEST_TOLERANCE);
    else
        printf("  self-test    none (the file has no input_batch/output_batch)\n");
    printf("  cost         %.0f multiply-adds per sample\n", nn_model_macs_per_sample(m));
    const char *by = rnnfx_kernel_forced_by();
    printf("  kernel       %s (%s%s; this CPU's best: %s)\n", nn_model_kernel_name(m),
           by ? "forced by " : "the engine's choice", by ? by : "", rnnfx_kernel_cpu_best());
    printf("  speed        %.0fx real time at %.0f Hz (%.1f ns per sample, blocks of %d)\n", f->realtime,
           nn_model_sample_rate(m), f->ns_per_sample, SPEED_BLOCK);
}

int rnnfx_cmd_info(int argc, char **argv)
{
    const char *path = NULL;
    int as_json = 0;
    cli c = cli_start("info", argc, argv);
    while (cli_next(&c)) {
        if (!c.opt) {
            if (path) return cli_usage(&c, "unexpected argument \"%s\"", c.arg);
            path = c.arg;
        } else if (cli_is(&c, "help")) {
            return cli_help(usage);
        } else if (cli_is(&c, "json")) {
            if (!cli_flag(&c)) return RNNFX_EXIT_USAGE;
            as_json = 1;
        } else {
            return cli_unknown(&c);
        }
    }
    if (!path) return cli_usage(&c, "expected MODEL");
    nn_error err = {0};
    nn_model *m = nn_model_load_file(path, &err);
    if (!m) return cli_fail(&err);
    facts f;
    memset(&f, 0, sizeof f);
    f.has_selftest = nn_model_selftest(m, &f.selftest_err, &f.selftest_n);
    f.selftest_pass = f.has_selftest && f.selftest_err <= SELFTEST_TOLERANCE; /* NaN fails */
    if (measure_speed(m, &f, &err) != 0) {
        nn_model_free(m);
        return cli_fail(&err);
    }
    int rc = RNNFX_EXIT_OK;
    if (as_json) {
        json_t *root = info_json(m, path, &f);
        char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) : NULL;
        if (text) printf("%s\n", text);
        else
            rc = cli_fail(&(nn_error){NN_ERR_NOMEM, "rnnfx info: out of memory"});
        free(text);
        json_decref(root);
    } else {
        print_text(m, path, &f);
    }
    nn_model_free(m);
    return rc;
}
