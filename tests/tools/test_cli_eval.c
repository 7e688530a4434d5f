/* test_cli_eval.c - `rnnfx eval MODEL IN TARGET`:
 *   - against `process`'s own output (any model, resampling or not): ESR exactly 0, lag 0 -
 *     eval runs the very same path;
 *   - against another target: ESR, pre-emphasis ESR, DC error and RMS levels equal the
 *     definitions computed here, in double, from the output `process` wrote;
 *   - a target delayed by 3 samples: best lag 3;
 *   - stereo, --channel, --json; mismatched rate, length or channels: one-line errors. */
#include "check.h"
#include "harness.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 24000

static json_t *eval_json(const char *model, const char *in, const char *target, const char *opt)
{
    cmd_result r = run_rnnfx("eval", "--json", model, in, target, opt, (const char *)NULL);
    CHECK(r.code == 0, "eval %s %s %s: exit %d: %s", model, in, target, r.code, r.err);
    json_t *j = json_loads(r.out, 0, NULL);
    CHECK(json_is_object(j), "eval --json: not a JSON object:\n%s", r.out);
    cmd_free(&r);
    return j;
}

static double num(const json_t *j, const char *key) { return json_number_value(json_object_get(j, key)); }

static int close_rel(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)) + 1e-300; }

static void against_own_output(void)
{
    static float x[N];
    test_signal(x, N, 48000, 5);
    char in[PATH_CAP], out[PATH_CAP];
    scratch_path(in, "eval_in.wav");
    scratch_path(out, "eval_own.wav");
    CHECK(wav_write(in, 1, 48000, N, x) == 0, "cannot write %s", in);
    for (int i = 0; i < n_ref_models; i++) {
        char model[PATH_CAP];
        ref_path(model, ref_models[i].file);
        /* 44.1 kHz models resample this 48 kHz file: eval must do exactly the same. Eval measures
         * the network as the trainer does, without process's DC blocker: --no-dc-block. */
        cmd_result r = run_rnnfx("process", "--no-dc-block", model, in, out, ref_models[i].knobs[0],
                                 ref_models[i].knobs[1], (const char *)NULL);
        CHECK(r.code == 0, "process %s: exit %d: %s", ref_models[i].file, r.code, r.err);
        cmd_free(&r);
        json_t *j = eval_json(model, in, out, ref_models[i].knobs[0]);
        if (ref_models[i].knobs[1]) { /* two knobs: run again with both */
            json_decref(j);
            r = run_rnnfx("eval", "--json", model, in, out, ref_models[i].knobs[0], ref_models[i].knobs[1],
                          (const char *)NULL);
            j = json_loads(r.out, 0, NULL);
            cmd_free(&r);
        }
        json_t *ch0 = json_array_get(json_object_get(j, "per_channel"), 0);
        CHECK(num(j, "esr") == 0.0 && num(j, "esr_pre_emphasis") == 0.0 && num(j, "dc_error") == 0.0 &&
                  json_integer_value(json_object_get(ch0, "lag")) == 0,
              "%s: eval against process's own output: ESR %g, pre %g, DC %g, lag %lld", ref_models[i].file,
              num(j, "esr"), num(j, "esr_pre_emphasis"), num(j, "dc_error"),
              (long long)json_integer_value(json_object_get(ch0, "lag")));
        json_decref(j);
    }
}

/* The definitions, in double, for a check independent of tools/metrics.c. */
static void expected(const float *y, const float *t, size_t n, double *esr, double *pre, double *dc, double *rms_t)
{
    double e = 0, tt = 0, ep = 0, tp = 0, d = 0;
    for (size_t i = 0; i < n; i++) {
        double yp = y[i] - (i ? 0.85 * y[i - 1] : 0.0), tq = t[i] - (i ? 0.85 * t[i - 1] : 0.0);
        e += pow((double)y[i] - t[i], 2);
        tt += (double)t[i] * t[i];
        ep += (yp - tq) * (yp - tq);
        tp += tq * tq;
        d += (double)t[i] - y[i];
    }
    *esr = e / tt;
    *pre = ep / tp;
    *dc = (d / (double)n) * (d / (double)n) / (tt / (double)n);
    *rms_t = 10 * log10(tt / (double)n);
}

static void against_other_target(void)
{
    static float x[N], t[N];
    test_signal(x, N, 48000, 6);
    char model[PATH_CAP], in[PATH_CAP], out[PATH_CAP], target[PATH_CAP];
    ref_path(model, "nam_lstm_2x8.nam");
    scratch_path(in, "eval_in2.wav");
    scratch_path(out, "eval_out2.wav");
    scratch_path(target, "eval_target2.wav");
    CHECK(wav_write(in, 1, 48000, N, x) == 0, "cannot write %s", in);
    cmd_result r = run_rnnfx("process", "--no-dc-block", model, in, out, (const char *)NULL);
    CHECK(r.code == 0, "process: exit %d: %s", r.code, r.err);
    cmd_free(&r);
    int c, rate;
    size_t n;
    float *y = wav_read(out, &c, &rate, &n);
    CHECK(y && n == N, "cannot read %s", out);
    if (!y || n != N) return;
    /* A target: the output, a little louder, with some of the input and an offset mixed in. */
    for (size_t i = 0; i < N; i++) t[i] = 1.1f * y[i] + 0.05f * x[i] + 0.01f;
    CHECK(wav_write(target, 1, 48000, N, t) == 0, "cannot write %s", target);
    double esr, pre, dc, rms_t;
    expected(y, t, N, &esr, &pre, &dc, &rms_t);
    json_t *j = eval_json(model, in, target, NULL);
    printf("eval: ESR %.6g (expected %.6g), pre %.6g (%.6g), DC %.6g (%.6g)\n", num(j, "esr"), esr,
           num(j, "esr_pre_emphasis"), pre, num(j, "dc_error"), dc);
    CHECK(close_rel(num(j, "esr"), esr), "ESR %.12g, expected %.12g", num(j, "esr"), esr);
    CHECK(close_rel(num(j, "esr_pre_emphasis"), pre), "pre-emphasis ESR %.12g, expected %.12g",
          num(j, "esr_pre_emphasis"), pre);
    CHECK(close_rel(num(j, "dc_error"), dc), "DC error %.12g, expected %.12g", num(j, "dc_error"), dc);
    CHECK(fabs(num(json_object_get(j, "rms_db"), "target") - rms_t) < 1e-6,
          /* JSON keeps 10 digits */ "target RMS %g dB, expected %g", num(json_object_get(j, "rms_db"), "target"),
          rms_t);
    json_decref(j);

    /* The output delayed by 3 samples as the target: the best lag is 3. */
    for (size_t i = 0; i < N; i++) t[i] = i >= 3 ? y[i - 3] : 0.0f;
    CHECK(wav_write(target, 1, 48000, N, t) == 0, "cannot write %s", target);
    j = eval_json(model, in, target, NULL);
    json_t *ch0 = json_array_get(json_object_get(j, "per_channel"), 0);
    CHECK(json_integer_value(json_object_get(ch0, "lag")) == 3, "delayed target: lag %lld, expected 3",
          (long long)json_integer_value(json_object_get(ch0, "lag")));
    json_decref(j);
    r = run_rnnfx("eval", model, in, target, (const char *)NULL);
    CHECK(r.code == 0 && contains(r.out, "ESR") && contains(r.out, "aligned"), "eval text output:\n%s", r.out);
    cmd_free(&r);
    free(y);
}

static void stereo_and_mismatches(void)
{
    static float st[2 * N], ch[N];
    for (int c = 0; c < 2; c++) {
        test_signal(ch, N, 48000, 7 + (unsigned)c);
        for (size_t i = 0; i < N; i++) st[2 * i + (size_t)c] = ch[i];
    }
    char model[PATH_CAP], in[PATH_CAP], out[PATH_CAP], bad[PATH_CAP];
    ref_path(model, "keras_lstm8.json");
    scratch_path(in, "eval_st.wav");
    scratch_path(out, "eval_st_out.wav");
    CHECK(wav_write(in, 2, 48000, N, st) == 0, "cannot write %s", in);
    cmd_result r = run_rnnfx("process", "--no-dc-block", model, in, out, (const char *)NULL);
    cmd_free(&r);
    json_t *j = eval_json(model, in, out, NULL);
    CHECK(json_integer_value(json_object_get(j, "channels")) == 2 && num(j, "esr") == 0.0 &&
              json_array_size(json_object_get(j, "per_channel")) == 2,
          "stereo eval against its own output");
    json_decref(j);
    /* --channel 2 against the stereo target: compares channel 2 with channel 2. */
    j = eval_json(model, in, out, "--channel=2");
    CHECK(json_integer_value(json_object_get(j, "channels")) == 1 && num(j, "esr") == 0.0, "--channel 2: ESR %g",
          num(j, "esr"));
    json_decref(j);

    struct {
        const char *name, *keyword;
        int channels, rate;
        size_t frames;
    } cases[] = {
        {"eval_rate.wav", "Hz", 2, 44100, N},
        {"eval_len.wav", "samples", 2, 48000, N - 1},
        {"eval_ch.wav", "channel", 3, 48000, N},
    };
    static float any[3 * N];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        scratch_path(bad, cases[k].name);
        CHECK(wav_write(bad, cases[k].channels, cases[k].rate, cases[k].frames, any) == 0, "cannot write %s", bad);
        r = run_rnnfx("eval", model, in, bad, (const char *)NULL);
        CHECK(r.code == 1 && count_lines(r.err) == 1 && contains(r.err, bad) && contains(r.err, cases[k].keyword) &&
                  r.out[0] == 0,
              "mismatched %s: exit %d, stderr: %s", cases[k].keyword, r.code, r.err);
        cmd_free(&r);
    }
}

int main(int argc, char **argv)
{
    harness_init(argc, argv);
    against_own_output();
    against_other_target();
    stereo_and_mismatches();
    return check_exit();
}
