/* test_cli_train.c - `rnnfx train` as a user runs it, on a synthetic device (a low-pass into a
 * soft clipper) recorded into WAV files here:
 *   - it trains, writes a model that loads, passes its self-test, and carries its metadata;
 *   - the test ESR it reports is what `rnnfx eval` measures on the exported model;
 *   - --plot and --log write what they say;
 *   - Ctrl-C stops it with the model kept so far written, and --resume finishes the budget;
 *   - knobs (--cond) become named conditioning inputs that `rnnfx eval --param` drives;
 *   - bad recordings and bad command lines get one-line errors and the right exit codes.
 * Takes the rnnfx binary as argv[1]. */
#include "check.h"
#include "harness.h"

#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RATE 16000

static void device(const float *x, float *y, size_t n, double drive)
{
    double s = 0, a = exp(-2 * M_PI * 2500 / RATE);
    for (size_t i = 0; i < n; i++) {
        s = a * s + (1 - a) * x[i];
        y[i] = (float)(0.6 * tanh(drive * s));
    }
}

static void make_pair(const char *in, const char *out, size_t n, unsigned seed, double drive)
{
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    test_signal(x, n, RATE, seed);
    for (size_t i = 0; i < n; i++) x[i] *= 1.5f;
    device(x, y, n, drive);
    CHECK(wav_write(in, 1, RATE, n, x) == 0 && wav_write(out, 1, RATE, n, y) == 0, "cannot write %s", in);
    free(x), free(y);
}

#define SMALL "--hidden", "8", "--segment", "0.25", "--warmup", "100", "--step", "500", "--batch", "8", "--lr", "0.01"

static double printed(const char *out, const char *what)
{
    const char *p = strstr(out, what);
    return p ? atof(p + strlen(what)) : NAN;
}

static json_t *load_json(const char *path)
{
    json_t *j = json_load_file(path, 0, NULL);
    CHECK(json_is_object(j), "%s: not JSON", path);
    return j;
}

/* Occurrences of `needle` in `s`. */
static int count_of(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

int main(int argc, char **argv)
{
    harness_init(argc, argv);
    char in[PATH_CAP], out[PATH_CAP], tin[PATH_CAP], tout[PATH_CAP], model[PATH_CAP], plot[PATH_CAP], logf[PATH_CAP];
    scratch_path(in, "train_in.wav");
    scratch_path(out, "train_out.wav");
    scratch_path(tin, "test_in.wav");
    scratch_path(tout, "test_out.wav");
    scratch_path(model, "model.json");
    scratch_path(plot, "curves.svg");
    scratch_path(logf, "log.jsonl");
    make_pair(in, out, 10 * RATE, 1, 4.0);
    make_pair(tin, tout, 3 * RATE, 2, 4.0);

    /* 1. train, export, and the ESR it reports is what eval measures */
    cmd_result r = run_rnnfx("train", "--input", in, "--target", out, "--test", tin, tout, SMALL, "--epochs", "25",
                             "-o", model, "--plot", plot, "--log", logf, "--name", "synthetic clipper",
                             (const char *)NULL);
    CHECK(r.code == 0, "train: exit %d: %s", r.code, r.err);
    double esr = printed(r.out, "test ESR ");
    printf("%s", r.out);
    CHECK(isfinite(esr) && esr < 0.02, "reported test ESR %g", esr);
    CHECK(contains(r.out, "no validation part: the lowest training loss"), "the default (no validation) not said");
    cmd_free(&r);
    json_t *j = load_json(model);
    json_t *meta = json_object_get(j, "metadata");
    double stored = json_number_value(json_object_get(meta, "esr"));
    CHECK(fabs(stored - esr) <= 1e-5 * stored, "metadata esr %g vs printed %g", stored, esr);
    CHECK(json_number_value(json_object_get(meta, "samplerate")) == RATE, "samplerate");
    CHECK(!strcmp(json_string_value(json_object_get(meta, "name")), "synthetic clipper"), "name");
    CHECK(json_is_object(json_object_get(meta, "training")), "training settings missing");
    CHECK(json_array_size(json_object_get(j, "input_batch")) == 2048, "input_batch");
    json_decref(j);
    r = run_rnnfx("eval", "--json", model, tin, tout, (const char *)NULL);
    CHECK(r.code == 0, "eval: exit %d: %s", r.code, r.err);
    json_t *ev = json_loads(r.out, 0, NULL);
    double eval_esr = json_number_value(json_object_get(ev, "esr"));
    CHECK(fabs(eval_esr - stored) <= 1e-6 * stored, "rnnfx eval says ESR %.9g, the trainer %.9g", eval_esr, stored);
    printf("eval of the exported model: ESR %.9g; trainer: %.9g\n", eval_esr, stored);
    json_decref(ev);
    cmd_free(&r);
    r = run_rnnfx("info", model, (const char *)NULL);
    CHECK(r.code == 0 && !contains(r.out, "FAIL") && !contains(r.err, "self-test"), "info: %s%s", r.out, r.err);
    cmd_free(&r);
    size_t len;
    char *svg = read_file(plot, &len);
    /* the three curves of 25 epochs and the kept epoch's circle (on the training loss: no
     * validation part by default), in an SVG file */
    CHECK(svg && strstr(svg, "<svg ") && strstr(svg, "</svg>"), "plot is not an SVG file");
    CHECK(svg && count_of(svg, "<polyline") == 3 && count_of(svg, "<circle") == 2 && strstr(svg, "validation ESR"),
          "plot: %d curves, %d circles (expected 3 and 2: the kept epoch and its legend)",
          svg ? count_of(svg, "<polyline") : -1, svg ? count_of(svg, "<circle") : -1);
    free(svg);
    char *log = read_file(logf, &len);
    CHECK(log && count_lines(log) == 25 && strstr(log, "\"test_esr\""), "log: %d lines", log ? count_lines(log) : -1);
    free(log);

    /* 2. Ctrl-C: exits 130 with the model so far; --resume finishes the budget */
    char model2[PATH_CAP], ckpt[PATH_CAP + 8];
    scratch_path(model2, "interrupted.json");
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", model2);
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execl(rnnfx_bin(), rnnfx_bin(), "train", "--input", in, "--target", out, SMALL, "--epochs", "1000", "-o",
              model2, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 600 && !file_exists(ckpt); i++) usleep(50000); /* the first epoch done */
    usleep(300000);
    kill(pid, SIGINT);
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 130, "after Ctrl-C: status %d", status);
    CHECK(file_exists(model2), "no model written after Ctrl-C");
    json_t *ck = NULL;
    if (file_exists(model2)) {
        ck = load_json(model2);
        json_t *tr = json_object_get(json_object_get(ck, "metadata"), "training");
        CHECK(!strcmp(json_string_value(json_object_get(tr, "ended_by")), "interrupted"), "ended_by");
        int done = (int)json_integer_value(json_object_get(tr, "epochs_run"));
        printf("interrupted after %d epochs\n", done);
        json_decref(ck);
        char more[16];
        snprintf(more, sizeof more, "%d", done + 2);
        r = run_rnnfx("train", "--input", in, "--target", out, SMALL, "--epochs", more, "-o", model2, "--resume",
                      (const char *)NULL);
        CHECK(r.code == 0, "resume: exit %d: %s", r.code, r.err);
        CHECK(contains(r.err, "resuming") && contains(r.out, "trained"), "resume said: %s / %s", r.out, r.err);
        cmd_free(&r);
        ck = load_json(model2);
        tr = json_object_get(json_object_get(ck, "metadata"), "training");
        CHECK(json_integer_value(json_object_get(tr, "epochs_run")) == done + 2, "resumed run: %d epochs",
              (int)json_integer_value(json_object_get(tr, "epochs_run")));
        json_decref(ck);
    }

    /* 3. knobs */
    char in_a[PATH_CAP], out_a[PATH_CAP], in_b[PATH_CAP], out_b[PATH_CAP], model3[PATH_CAP];
    scratch_path(in_a, "knob0_in.wav");
    scratch_path(out_a, "knob0_out.wav");
    scratch_path(in_b, "knob1_in.wav");
    scratch_path(out_b, "knob1_out.wav");
    scratch_path(model3, "knobs.json");
    make_pair(in_a, out_a, 6 * RATE, 3, 1.0);
    make_pair(in_b, out_b, 6 * RATE, 4, 6.0);
    r = run_rnnfx("train", "--pair", in_a, out_a, "--cond", "drive=0", "--pair", in_b, out_b, "--cond", "drive=1",
                  SMALL, "--epochs", "3", "--quiet", "-o", model3, (const char *)NULL);
    CHECK(r.code == 0, "train with knobs: exit %d: %s", r.code, r.err);
    cmd_free(&r);
    j = load_json(model3);
    json_t *knobs = json_object_get(json_object_get(j, "metadata"), "knobs");
    CHECK(json_array_size(knobs) == 1 && !strcmp(json_string_value(json_array_get(knobs, 0)), "drive"), "knob names");
    CHECK(json_integer_value(json_array_get(json_object_get(j, "in_shape"), 2)) == 2, "in_shape");
    json_decref(j);
    r = run_rnnfx("eval", model3, in_b, out_b, "--param", "drive=1", (const char *)NULL);
    CHECK(r.code == 0, "eval --param drive=1: exit %d: %s", r.code, r.err);
    cmd_free(&r);

    /* 4. errors: one line naming the file, exit 1; command-line mistakes exit 2 */
    char r44[PATH_CAP], silent[PATH_CAP];
    scratch_path(r44, "other_rate.wav");
    scratch_path(silent, "silent.wav");
    static float z[RATE * 4];
    test_signal(z, RATE * 2, 44100, 9);
    CHECK(wav_write(r44, 1, 44100, RATE * 2, z) == 0, "write");
    memset(z, 0, sizeof z);
    CHECK(wav_write(silent, 1, RATE, RATE * 4, z) == 0, "write");
    struct {
        const char *what, *in, *out, *expect;
        int code;
    } bad[] = {
        {"another rate", in, r44, "44100", 1},
        {"silent input", silent, out, "silent", 1},
        {"missing file", in, "/nonexistent/x.wav", "x.wav", 1},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        r = run_rnnfx("train", "--input", bad[k].in, "--target", bad[k].out, "-o", model3, (const char *)NULL);
        CHECK(r.code == bad[k].code && count_lines(r.err) == 1 && contains(r.err, bad[k].expect),
              "%s: exit %d, said: %s", bad[k].what, r.code, r.err);
        cmd_free(&r);
    }
    /* 5. a file it could not write is named before any training, not after it */
    char nodir_model[PATH_CAP], nodir_file[PATH_CAP], folder[PATH_CAP];
    scratch_path(nodir_model, "no_such_folder/m.json");
    scratch_path(nodir_file, "no_such_folder/f");
    snprintf(folder, sizeof folder, "%s", model3);
    *strrchr(folder, '/') = 0; /* the scratch folder itself */
    struct {
        const char *opt, *val, *model;
    } unwritable[] = {
        {"--name", "x", nodir_model},  {"--plot", nodir_file, model3}, {"--checkpoint", nodir_file, model3},
        {"--log", nodir_file, model3}, {"--plot", folder, model3}, /* a folder */
    };
    for (size_t k = 0; k < sizeof unwritable / sizeof unwritable[0]; k++) {
        const char *named = k == 0 ? nodir_model : unwritable[k].val;
        r = run_rnnfx("train", "--input", in, "--target", out, SMALL, "--epochs", "1000", "-o", unwritable[k].model,
                      unwritable[k].opt, unwritable[k].val, (const char *)NULL);
        CHECK(r.code == 1 && count_lines(r.err) == 1 && contains(r.err, named) && !contains(r.out, "trained") &&
                  !contains(r.err, "epoch"),
              "unwritable %s %s: exit %d, said: %s%s", unwritable[k].opt, named, r.code, r.out, r.err);
        cmd_free(&r);
    }
    CHECK(!file_exists(nodir_model), "a model appeared in a missing folder");

    const char *usage_cases[][6] = {
        {"--input", in, "-o", model3, NULL},           {"--input", in, "--target", out, NULL},
        {"--pair", in, out, "-o", model3, "--type"},   {"--pair", in, out, "-o", model3, "--bogus"},
        {"--pair", in, out, "--epochs", "zero", "-o"},
    };
    for (size_t k = 0; k < sizeof usage_cases / sizeof usage_cases[0]; k++) {
        const char *a[10] = {rnnfx_bin(), "train"};
        int n = 2;
        for (int i = 0; i < 6 && usage_cases[k][i]; i++) a[n++] = usage_cases[k][i];
        a[n] = NULL;
        r = run_argv(a);
        CHECK(r.code == 2 && count_lines(r.err) == 1, "usage case %zu: exit %d, said: %s", k, r.code, r.err);
        cmd_free(&r);
    }
    return check_exit();
}
