/* test_capture.c RNNFX CASE - the capture flow (`rnnfx signal`, `rnnfx train --capture`) on a
 * device we control: the toy pedal (tools/toy_pedal.c), with a latency, a gain, noise, a clock
 * drift, clipping, a DC offset or an inverted polarity injected here. Each case checks that the
 * checks report the injected fault with the right number (the latency exactly), and each bad
 * recording gets one line, a non-zero exit and no model file.
 *
 * The signal is the shortest (--minutes 1, about 96 s at 48 kHz); the expected numbers are the
 * injected ones, worked out here, never read back from the command. */
#include "check.h"
#include "harness.h"
#include "toy_pedal.h"

#include <jansson.h>
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATE 48000

static float *sig;
static size_t sig_n;
static char sig_path[PATH_CAP];

static void make_signal(void)
{
    scratch_path(sig_path, "reamp.wav");
    cmd_result r = run_rnnfx("signal", "-o", sig_path, "--minutes", "1", (const char *)NULL);
    CHECK(r.code == 0, "rnnfx signal: exit %d: %s", r.code, r.err);
    cmd_free(&r);
    int ch = 0, rate = 0;
    sig = wav_read(sig_path, &ch, &rate, &sig_n);
    if (!sig || ch != 1 || rate != RATE) {
        fprintf(stderr, "FAIL: %s: not a mono %d Hz WAV\n", sig_path, RATE);
        exit(1);
    }
}

/* ---- the device and the faults -------------------------------------------------------------- */

typedef struct fault {
    long latency;     /* samples of silence before the device's output */
    double gain;      /* on the device's output */
    double noise_rms; /* white noise added (uniform) */
    double stretch;   /* the recorder's clock: 1 + drift (the output resampled by it) */
    double dc;
    int invert;
    int bypass;      /* a straight wire instead of the pedal */
    double pre_gain; /* drive into the pedal (a knob) */
    size_t extra;    /* silence recorded after the signal */
} fault;

static fault plain(void) { return (fault){0, 1, 0, 1, 0, 0, 0, 1, RATE}; }

static uint32_t rng = 12345u;
static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return (double)rng / 2147483648.0 - 1.0;
}

/* Catmull-Rom interpolation of x at fractional position p. */
static double at(const float *x, size_t n, double p)
{
    long i = (long)floor(p);
    double f = p - (double)i, v[4];
    for (int k = 0; k < 4; k++) {
        long j = i - 1 + k;
        v[k] = j >= 0 && j < (long)n ? x[j] : 0;
    }
    return v[1] +
           0.5 * f *
               (v[2] - v[0] + f * (2 * v[0] - 5 * v[1] + 4 * v[2] - v[3] + f * (3 * (v[1] - v[2]) + v[3] - v[0])));
}

/* The recording of the signal through the device with fault f: *n samples, caller frees. */
static float *record(const fault *f, size_t *n)
{
    float *dev = malloc(sig_n * sizeof *dev);
    for (size_t i = 0; i < sig_n; i++) dev[i] = (float)(sig[i] * f->pre_gain);
    if (!f->bypass) rnnfx_toy_pedal(dev, dev, sig_n, RATE);
    size_t len = (size_t)((double)(sig_n + (size_t)f->latency) * f->stretch) + f->extra;
    float *y = calloc(len, sizeof *y);
    for (size_t i = 0; i < len; i++) {
        double p = (double)i / f->stretch - (double)f->latency;
        double v = p > -2 && p < (double)sig_n + 2 ? at(dev, sig_n, p) : 0;
        v = v * f->gain * (f->invert ? -1 : 1) + f->dc + f->noise_rms * sqrt(3.0) * uniform();
        y[i] = (float)v;
    }
    free(dev);
    *n = len;
    return y;
}

static void write_rec(const char *name, const float *y, size_t n, char path[PATH_CAP])
{
    scratch_path(path, name);
    CHECK(wav_write(path, 1, RATE, n, y) == 0, "cannot write %s", path);
}

/* `rnnfx train --capture REC --check --json`: the report, or NULL (the result in *res). */
static json_t *check_json(const char *rec, const char *opt1, const char *opt2, cmd_result *res)
{
    cmd_result r = run_rnnfx("train", "--capture", rec, "--check", "--json", opt1, opt2, (const char *)NULL);
    json_t *j = r.code == 0 ? json_loads(r.out, 0, NULL) : NULL;
    printf("check %s: exit %d\n%s%s", rec, r.code, r.out, r.err);
    if (res) *res = r;
    else
        cmd_free(&r);
    return j;
}

static double num(const json_t *j, const char *k) { return json_number_value(json_object_get(j, k)); }

static json_t *checked(const fault *f, const char *name)
{
    size_t n;
    float *y = record(f, &n);
    char path[PATH_CAP];
    write_rec(name, y, n, path);
    free(y);
    json_t *j = check_json(path, NULL, NULL, NULL);
    CHECK(json_is_object(j), "%s: the check did not succeed", name);
    return j;
}

/* ---- cases ---------------------------------------------------------------------------------- */

/* The same version gives the same bits, and says which it is in the WAV comment. */
static void case_signal(void)
{
    char again[PATH_CAP];
    scratch_path(again, "reamp2.wav");
    cmd_result r = run_rnnfx("signal", "-o", again, "--minutes", "1", (const char *)NULL);
    CHECK(r.code == 0, "second rnnfx signal: exit %d", r.code);
    CHECK(contains(r.out, "marker 1") && contains(r.out, "test") && contains(r.out, "validation"),
          "rnnfx signal does not print its layout:\n%s", r.out);
    cmd_free(&r);
    /* the same samples (the files' headers may differ: libsndfile stamps a time in them) */
    int ch = 0, rate = 0;
    size_t n2 = 0;
    float *b = wav_read(again, &ch, &rate, &n2);
    CHECK(b && n2 == sig_n && !memcmp(b, sig, sig_n * sizeof *sig), "two runs of rnnfx signal differ");
    free(b);
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(sig_path, SFM_READ, &info);
    const char *c = sf ? sf_get_string(sf, SF_STR_COMMENT) : NULL;
    CHECK(c && !strcmp(c, "rnnfx capture signal v1; 48000 Hz; 1 min"), "the WAV comment is \"%s\"", c ? c : "(none)");
    if (sf) sf_close(sf);
    /* peaks under full scale, never silent for long, 1..2 minutes */
    double peak = 0;
    for (size_t i = 0; i < sig_n; i++) peak = fmax(peak, fabs(sig[i]));
    CHECK(peak < 0.75 && peak > 0.3, "signal peak %g", peak);
    CHECK(sig_n > 60 * RATE && sig_n < 120 * RATE, "signal of %zu samples", sig_n);
    r = run_rnnfx("signal", "--layout", (const char *)NULL);
    CHECK(r.code == 0 && contains(r.out, "3 min") && contains(r.out, "repeated phrase, copy 2"), "--layout:\n%s",
          r.out);
    cmd_free(&r);
}

/* Latency to the sample (pedal and wire, several values), gain in dB, no false alarms. */
static void case_latency_gain(void)
{
    const long lats[] = {0, 1, 1234, 48000 + 77};
    for (int i = 0; i < 4; i++) {
        fault f = plain();
        f.latency = lats[i];
        f.bypass = i == 1;
        f.gain = i == 2 ? 0.5 : 1;
        json_t *j = checked(&f, "lat.wav");
        CHECK(json_integer_value(json_object_get(j, "latency_samples")) == lats[i], "latency %lld, injected %ld",
              json_integer_value(json_object_get(j, "latency_samples")), lats[i]);
        CHECK(!json_is_true(json_object_get(j, "polarity_inverted")), "polarity inverted reported");
        CHECK(fabs(num(j, "clock_drift_ppm")) < 0.5, "drift %g ppm reported for none", num(j, "clock_drift_ppm"));
        CHECK(json_array_size(json_object_get(j, "warnings")) == 0, "warnings on a clean recording");
        if (f.bypass)
            CHECK(fabs(num(j, "gain_db")) < 0.01 && num(j, "repeat_esr") < 1e-9, "wire: gain %g dB, repeat ESR %g",
                  num(j, "gain_db"), num(j, "repeat_esr"));
        json_decref(j);
    }
    /* the gain: the same pedal recorded 6.02 dB lower */
    fault f = plain();
    json_t *a = checked(&f, "g1.wav");
    f.gain = 0.5;
    json_t *b = checked(&f, "g2.wav");
    double d = num(b, "gain_db") - num(a, "gain_db");
    CHECK(fabs(d - 20 * log10(0.5)) < 0.01, "gain difference %g dB, injected %g", d, 20 * log10(0.5));
    json_decref(a), json_decref(b);
}

/* Noise at -60 dBFS: the floor within 1 dB, the SNR against the playing level, and the
 * repeatability ESR of two copies whose noise differs (about 2 x noise / playing power). */
static void case_noise(void)
{
    fault f = plain();
    f.latency = 500;
    f.noise_rms = 1e-3;
    json_t *j = checked(&f, "noise.wav");
    CHECK(fabs(num(j, "noise_floor_dbfs") + 60) < 1, "noise floor %g dBFS, injected -60", num(j, "noise_floor_dbfs"));
    CHECK(fabs(num(j, "snr_db") - (num(j, "playing_rms_dbfs") + 60)) < 1, "SNR %g dB", num(j, "snr_db"));
    CHECK(num(j, "repeat_esr") > 1e-6 && num(j, "repeat_esr") < 1e-2, "repeat ESR %g with noise", num(j, "repeat_esr"));
    json_decref(j);
    /* noisy (SNR under 40 dB): a warning with the number */
    f.noise_rms = 0.01;
    cmd_result r;
    size_t n;
    float *y = record(&f, &n);
    char path[PATH_CAP];
    write_rec("noisy.wav", y, n, path);
    free(y);
    j = check_json(path, NULL, NULL, &r);
    CHECK(r.code == 0 && contains(r.err, "warning:") && contains(r.err, "noise floor -40"), "noisy: %s", r.err);
    cmd_free(&r);
    json_decref(j);
}

/* A clock drift of +80 ppm: reported within 2 ppm, corrected (the copies line up again). */
static void case_drift(void)
{
    fault f = plain();
    f.latency = 300;
    f.stretch = 1 + 80e-6;
    json_t *j = checked(&f, "drift.wav");
    CHECK(fabs(num(j, "clock_drift_ppm") - 80) < 2, "drift %g ppm, injected 80", num(j, "clock_drift_ppm"));
    CHECK(json_is_true(json_object_get(j, "drift_corrected")), "drift not corrected");
    CHECK(num(j, "repeat_esr") < 1e-3, "repeat ESR %g after the correction", num(j, "repeat_esr"));
    CHECK(json_integer_value(json_object_get(j, "latency_samples")) == 300, "latency %lld with drift",
          json_integer_value(json_object_get(j, "latency_samples")));
    json_decref(j);
    f.stretch = 1 - 50e-6;
    j = checked(&f, "drift2.wav");
    CHECK(fabs(num(j, "clock_drift_ppm") + 50) < 2, "drift %g ppm, injected -50", num(j, "clock_drift_ppm"));
    json_decref(j);
}

/* Clipping for 1 ms at 40.000 s of the recording: a warning with the time and length. */
static void case_clip(void)
{
    fault f = plain();
    f.latency = 100;
    size_t n;
    float *y = record(&f, &n);
    for (size_t i = 40 * RATE; i < 40 * RATE + 48; i++) y[i] = i % 2 ? 1.0f : -1.0f;
    char path[PATH_CAP];
    write_rec("clip.wav", y, n, path);
    free(y);
    cmd_result r;
    json_t *j = check_json(path, NULL, NULL, &r);
    CHECK(j && fabs(num(j, "clipped_ms") - 1.0) < 0.05, "clipped %g ms, injected 1", j ? num(j, "clipped_ms") : -1);
    CHECK(j && fabs(num(j, "clip_at_s") - 40.0) < 0.001, "clipping at %g s, injected 40", j ? num(j, "clip_at_s") : -1);
    CHECK(contains(r.err, "warning:") && contains(r.err, "clipped"), "no clipping warning: %s", r.err);
    cmd_free(&r);
    json_decref(j);
}

/* A recording 40 dB too low: a warning with the peak level (the pedal's output peaks near
 * -9 dBFS here: -49 dBFS once 40 dB lower). */
static void case_low(void)
{
    fault f = plain();
    f.latency = 10;
    json_t *a = checked(&f, "normal.wav");
    f.gain = 0.01;
    size_t n;
    float *y = record(&f, &n);
    char path[PATH_CAP];
    write_rec("low.wav", y, n, path);
    free(y);
    cmd_result r;
    json_t *j = check_json(path, NULL, NULL, &r);
    CHECK(j && fabs(num(j, "peak_dbfs") - (num(a, "peak_dbfs") - 40)) < 0.01, "peak %g dBFS, expected %g",
          j ? num(j, "peak_dbfs") : 0, num(a, "peak_dbfs") - 40);
    CHECK(r.code == 0 && contains(r.err, "level low: peaks at -4"), "no low-level warning: %s", r.err);
    cmd_free(&r);
    json_decref(j), json_decref(a);
}

/* Polarity and DC: reported (a warning each, with its number), the latency still exact. */
static void case_polarity_dc(void)
{
    fault f = plain();
    f.latency = 777;
    f.invert = 1;
    f.dc = 0.01;
    size_t n;
    float *y = record(&f, &n);
    char path[PATH_CAP];
    write_rec("inv.wav", y, n, path);
    free(y);
    cmd_result r;
    json_t *j = check_json(path, NULL, NULL, &r);
    CHECK(j && json_is_true(json_object_get(j, "polarity_inverted")), "polarity inversion not reported");
    CHECK(j && json_integer_value(json_object_get(j, "latency_samples")) == 777, "latency with inversion");
    CHECK(j && fabs(num(j, "dc_offset") - 0.01) < 1e-4, "DC %g, injected 0.01", j ? num(j, "dc_offset") : -1);
    CHECK(contains(r.err, "polarity inverted") && contains(r.err, "DC offset +0.01"), "warnings: %s", r.err);
    cmd_free(&r);
    json_decref(j);
}

/* ---- bad recordings: one line, exit 1, no model ------------------------------------------- */

static void refused(const char *what, const float *y, size_t n, int channels, int rate, const char *keyword,
                    const char *opt1, const char *opt2)
{
    char path[PATH_CAP], model[PATH_CAP];
    scratch_path(path, "bad.wav");
    scratch_path(model, "bad_model.json");
    CHECK(wav_write(path, channels, rate, n, y) == 0, "cannot write %s", path);
    cmd_result r = run_rnnfx("train", "--capture", path, "-o", model, "--epochs", "1", "--hidden", "4", opt1, opt2,
                             (const char *)NULL);
    printf("%s: exit %d: %s", what, r.code, r.err);
    CHECK(r.code == 1, "%s: exit %d, wanted 1", what, r.code);
    CHECK(count_lines(r.err) == 1, "%s: %d lines on stderr, wanted 1:\n%s", what, count_lines(r.err), r.err);
    CHECK(contains(r.err, "bad.wav") && contains(r.err, keyword), "%s: the message lacks the file or \"%s\": %s", what,
          keyword, r.err);
    CHECK(!file_exists(model), "%s: a model was written", what);
    cmd_free(&r);
}

static void case_bad(void)
{
    fault f = plain();
    f.latency = 2000;
    size_t n;
    float *y = record(&f, &n);
    refused("cut", y, n * 6 / 10, 1, RATE, "cut", NULL, NULL);
    float *z = calloc(n, sizeof *z);
    refused("silent", z, n, 1, RATE, "silent", NULL, NULL);
    test_signal(z, n, RATE, 3);
    refused("not the signal", z, n, 1, RATE, "the capture signal was not found", NULL, NULL);
    refused("too short", y, 2 * RATE, 1, RATE, "cut", NULL, NULL);
    /* two channels: refused without --channel, the device's channel taken with it */
    float *st = calloc(2 * n, sizeof *st);
    for (size_t i = 0; i < n; i++) st[2 * i] = z[i], st[2 * i + 1] = y[i];
    refused("stereo", st, n, 2, RATE, "--channel", NULL, NULL);
    char path[PATH_CAP];
    scratch_path(path, "stereo.wav");
    CHECK(wav_write(path, 2, RATE, n, st) == 0, "cannot write %s", path);
    json_t *j = check_json(path, "--channel", "2", NULL);
    CHECK(j && json_integer_value(json_object_get(j, "latency_samples")) == 2000, "--channel 2: not found");
    json_decref(j);
    /* another rate than the signal's */
    refused("rate", y, n, 1, 44100, "44100 Hz", "--input", sig_path);
    /* clipped for long: the pedal's output 20 dB hot */
    float *hot = malloc(n * sizeof *hot);
    for (size_t i = 0; i < n; i++) hot[i] = fmaxf(-1.0f, fminf(1.0f, 10 * y[i]));
    refused("clipped", hot, n, 1, RATE, "clipped for", NULL, NULL);
    free(hot);
    free(y);
    /* a clock far off: 0.3 % (refused, with the ppm), and the 48 kHz
     * signal played at 44.1 kHz */
    f.stretch = 1.003;
    y = record(&f, &n);
    refused("drift", y, n, 1, RATE, "clock runs about +300", NULL, NULL); /* +3000 ppm: 3 digits */
    free(y);
    f.stretch = 48000.0 / 44100.0;
    y = record(&f, &n);
    refused("speed", y, n, 1, RATE, "played at 44100 Hz", NULL, NULL);
    free(y);
    free(z);
    free(st);
}

/* ---- training: tiny, to prove the flow --------------------------------------------------- */

static void case_train(void)
{
    fault f = plain();
    f.latency = 4321;
    f.noise_rms = 1e-4;
    size_t n;
    float *y = record(&f, &n);
    char rec[PATH_CAP], model[PATH_CAP];
    write_rec("pedal.wav", y, n, rec);
    free(y);
    scratch_path(model, "pedal.json");
    cmd_result r = run_rnnfx("train", "--capture", rec, "-o", model, "--epochs", "2", "--hidden", "4", "--type", "gru",
                             "--device", "Toy pedal", "--quiet", (const char *)NULL);
    printf("train: exit %d\n%s%s", r.code, r.out, r.err);
    CHECK(r.code == 0, "train --capture: exit %d", r.code);
    CHECK(contains(r.out, "test ESR") && contains(r.out, "repeatability floor"), "no test ESR and floor:\n%s", r.out);
    cmd_free(&r);
    json_error_t e;
    json_t *m = json_load_file(model, 0, &e);
    json_t *meta = json_object_get(m, "metadata");
    json_t *cap = json_array_get(json_object_get(meta, "capture"), 0);
    CHECK(json_is_string(json_object_get(meta, "device")) &&
              !strcmp(json_string_value(json_object_get(meta, "device")), "Toy pedal"),
          "device not in the metadata");
    CHECK(json_integer_value(json_object_get(cap, "latency_samples")) == 4321, "no capture checks in the metadata");
    /* the split is the signal's: validation and test are the held-out phrases, whole */
    const char *ds = json_string_value(json_object_get(meta, "dataset"));
    CHECK(ds && contains(ds, "validation: pedal.wav") && contains(ds, "test: pedal.wav"), "dataset: %s",
          ds ? ds : "(none)");
    json_decref(m);
}

/* Two recordings at two drive settings: one model with a knob. */
static void case_knob(void)
{
    char rec[2][PATH_CAP], model[PATH_CAP];
    for (int k = 0; k < 2; k++) {
        fault f = plain();
        f.latency = 100 + 50 * k;
        f.pre_gain = k ? 2.0 : 0.5;
        size_t n;
        float *y = record(&f, &n);
        write_rec(k ? "drive1.wav" : "drive0.wav", y, n, rec[k]);
        free(y);
    }
    scratch_path(model, "knob.json");
    cmd_result r = run_rnnfx("train", "--capture", rec[0], "--cond", "drive=0", "--capture", rec[1], "--cond",
                             "drive=1", "-o", model, "--epochs", "1", "--hidden", "4", "--quiet", (const char *)NULL);
    printf("knob: exit %d\n%s%s", r.code, r.out, r.err);
    CHECK(r.code == 0, "train with two captures: exit %d", r.code);
    cmd_free(&r);
    r = run_rnnfx("info", "--json", model, (const char *)NULL);
    CHECK(r.code == 0 && contains(r.out, "drive"), "the model has no knob \"drive\":\n%s", r.out);
    cmd_free(&r);
}

int main(int argc, char **argv)
{
    harness_init(argc, argv);
    const char *c = argc > 2 ? argv[2] : "";
    make_signal();
    if (!strcmp(c, "signal")) case_signal();
    else if (!strcmp(c, "latency_gain"))
        case_latency_gain();
    else if (!strcmp(c, "noise"))
        case_noise();
    else if (!strcmp(c, "drift"))
        case_drift();
    else if (!strcmp(c, "clip"))
        case_clip();
    else if (!strcmp(c, "polarity_dc"))
        case_polarity_dc();
    else if (!strcmp(c, "low"))
        case_low();
    else if (!strcmp(c, "bad"))
        case_bad();
    else if (!strcmp(c, "train"))
        case_train();
    else if (!strcmp(c, "knob"))
        case_knob();
    else {
        fprintf(stderr, "usage: test_capture RNNFX CASE (unknown case \"%s\")\n", c);
        return 1;
    }
    free(sig);
    return check_exit();
}
