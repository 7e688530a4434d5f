/* test_cli_process.c - `rnnfx process` through the built binary:
 *   - every reference model reproduces its golden output (independent PyTorch implementation)
 *     within 1e-5 when fed a WAV of the golden's input (at the model's rate, knobs as the golden's);
 *   - the output is bit-identical for --block 1, 64, 1000 and 4096;
 *   - each channel of a multichannel file (pairs through nn_run2, an odd one through nn_run)
 *     equals --channel k, and equals processing a mono file of that channel;
 *   - --param by name, p-number and index sets the knob the engine API sets, bad knobs are refused;
 *   - NaN in the input: a warning, silence for that block, finite output, success;
 *   - FLAC and AIFF (integer samples) read as the same samples in float WAV give the same output;
 *   - --progress draws the progress line;
 *   - the DC blocker: every shipped model on digital silence is below -90 dBFS after 0.5 s
 *     (--no-dc-block: the offset the network puts out); tones of 20 Hz and up pass through an
 *     identity model within 0.1 dB. */
#include "check.h"
#include "harness.h"
#include "nn.h"

#include <sndfile.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float *process(const char *model, const char *in, const char *out_name, const char *opt1, const char *opt2,
                      size_t *frames, int *channels)
{
    char out[PATH_CAP];
    scratch_path(out, out_name);
    /* The network's output as it is: these compare it with the engine and the goldens. */
    cmd_result r = run_rnnfx("process", "--no-dc-block", model, in, out, opt1, opt2, (const char *)NULL);
    CHECK(r.code == 0, "process %s %s %s: exit %d: %s", model, opt1 ? opt1 : "", opt2 ? opt2 : "", r.code, r.err);
    cmd_free(&r);
    int rate;
    float *y = wav_read(out, channels, &rate, frames);
    CHECK(y != NULL, "cannot read %s", out);
    return y;
}

static void goldens(void)
{
    static float x[GOLDEN_N], y[GOLDEN_N];
    for (int i = 0; i < n_ref_models; i++) {
        const ref_model *rm = &ref_models[i];
        char model[PATH_CAP], golden[PATH_CAP], in[PATH_CAP];
        ref_path(model, rm->file);
        ref_path(golden, rm->golden);
        int n = golden_read(golden, x, y, GOLDEN_N);
        CHECK(n == GOLDEN_N, "%s: %d rows", golden, n);
        /* At the model's own rate: the golden is the network on these very samples. */
        scratch_path(in, "golden_in.wav");
        CHECK(wav_write(in, 1, rm->rate, (size_t)n, x) == 0, "cannot write %s", in);
        size_t frames;
        int ch;
        float *out = process(model, in, "golden_out.wav", rm->knobs[0], rm->knobs[1], &frames, &ch);
        if (!out) continue;
        CHECK(frames == (size_t)n && ch == 1, "%s: %zu frames, %d channels", rm->file, frames, ch);
        double worst = 0;
        int at = 0;
        for (int k = 0; k < n && (size_t)k < frames; k++) {
            double e = fabs((double)out[k] - y[k]);
            if (!(e <= worst)) worst = e, at = k;
        }
        printf("golden %-38s max |error| %.3g (sample %d)\n", rm->file, worst, at);
        CHECK(worst <= 1e-5, "%s: max error %g at sample %d", rm->file, worst, at);
        free(out);
    }
}

/* A 3-channel file: channels 1+2 run as a pair (nn_run2), channel 3 alone (nn_run). */
#define MC_FRAMES 24000
#define MC_CH 3

static void blocks_and_channels(void)
{
    static float mc[MC_FRAMES * MC_CH], mono[MC_FRAMES];
    float ch_sig[MC_CH][MC_FRAMES];
    for (int c = 0; c < MC_CH; c++) test_signal(ch_sig[c], MC_FRAMES, 48000, (unsigned)c + 1);
    for (size_t i = 0; i < MC_FRAMES; i++)
        for (int c = 0; c < MC_CH; c++) mc[i * MC_CH + (size_t)c] = ch_sig[c][i];
    char in[PATH_CAP];
    scratch_path(in, "mc.wav");
    CHECK(wav_write(in, MC_CH, 48000, MC_FRAMES, mc) == 0, "cannot write %s", in);
    for (int i = 0; i < n_ref_models; i++) {
        char model[PATH_CAP];
        ref_path(model, ref_models[i].file);
        /* --no-resample: the 44.1 kHz model runs on these samples as they are. */
        size_t f0, f;
        int c0, c;
        float *ref = process(model, in, "mc_4096.wav", "--no-resample", NULL, &f0, &c0);
        if (!ref) continue;
        CHECK(f0 == MC_FRAMES && c0 == MC_CH, "%s: %zu frames, %d channels", ref_models[i].file, f0, c0);
        const char *blocks[] = {"--block=1", "--block=64", "--block=1000", "--block=4096"};
        for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
            float *o = process(model, in, "mc_b.wav", "--no-resample", blocks[b], &f, &c);
            CHECK(o && f == f0 && c == c0 && !memcmp(o, ref, f0 * (size_t)c0 * sizeof(float)),
                  "%s %s: output differs from --block 4096", ref_models[i].file, blocks[b]);
            free(o);
        }
        for (int k = 0; k < MC_CH; k++) {
            char opt[32];
            snprintf(opt, sizeof opt, "--channel=%d", k + 1);
            float *o = process(model, in, "mc_k.wav", "--no-resample", opt, &f, &c);
            int same = o && f == f0 && c == 1;
            for (size_t j = 0; same && j < f0; j++) same = !memcmp(&o[j], &ref[j * MC_CH + (size_t)k], sizeof(float));
            CHECK(same, "%s: channel %d of the %d-channel output differs from %s", ref_models[i].file, k + 1, MC_CH,
                  opt);
            free(o);
            /* And from a mono file holding just that channel. */
            char mono_in[PATH_CAP];
            scratch_path(mono_in, "mono.wav");
            for (size_t j = 0; j < MC_FRAMES; j++) mono[j] = ch_sig[k][j];
            CHECK(wav_write(mono_in, 1, 48000, MC_FRAMES, mono) == 0, "cannot write %s", mono_in);
            o = process(model, mono_in, "mono_out.wav", "--no-resample", NULL, &f, &c);
            same = o && f == f0 && c == 1;
            for (size_t j = 0; same && j < f0; j++) same = !memcmp(&o[j], &ref[j * MC_CH + (size_t)k], sizeof(float));
            CHECK(same, "%s: channel %d of the %d-channel output differs from the mono file", ref_models[i].file, k + 1,
                  MC_CH);
            free(o);
        }
        free(ref);
    }
    /* A channel the file does not have: a usage error, one line, no output. */
    char model[PATH_CAP], out[PATH_CAP];
    ref_path(model, ref_models[0].file);
    scratch_path(out, "no_such_channel.wav");
    cmd_result r = run_rnnfx("process", model, in, out, "--channel", "4", (const char *)NULL);
    CHECK(r.code == 2 && count_lines(r.err) == 1 && contains(r.err, "mc.wav") && !file_exists(out),
          "--channel 4 of 3: exit %d, stderr: %s", r.code, r.err);
    cmd_free(&r);
}

/* A conditioned model: LSTM 3 -> 4 (audio + 2 knobs named gain, tone), Dense 4 -> 1. */
static void write_knob_model(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f,
            "{\"in_shape\": [null, null, 3], \"metadata\": {\"samplerate\": 48000, \"knobs\": [\"gain\", \"tone\"]},\n"
            " \"layers\": [{\"type\": \"lstm\", \"activation\": \"\", \"shape\": [null, null, 4], \"weights\": [\n");
    unsigned s = 7;
    for (int m = 0; m < 3; m++) { /* kernel [3][16], recurrent [4][16], bias [16] */
        int rows = m == 0 ? 3 : m == 1 ? 4 : 0;
        fprintf(f, "%s[", m ? ",\n" : "");
        for (int r = 0; r < (rows ? rows : 1); r++) {
            fprintf(f, "%s%s", r ? "," : "", rows ? "[" : "");
            for (int c = 0; c < 16; c++) {
                s = s * 1103515245u + 12345u;
                fprintf(f, "%s%.6f", c ? "," : "", ((double)(s >> 16 & 0x7fff) / 32768.0 - 0.5) * (m == 0 ? 2.0 : 0.8));
            }
            fprintf(f, "%s", rows ? "]" : "");
        }
        fprintf(f, "]");
    }
    fprintf(f, "]},\n {\"type\": \"dense\", \"activation\": \"\", \"shape\": [null, null, 1],"
               " \"weights\": [[[0.5],[-0.4],[0.3],[0.7]], [0.01]]}]}\n");
    fclose(f);
}

/* The same output through the engine API, the reference for --param. */
static float *engine_output(const char *model, const float *x, size_t n, float gain, float tone)
{
    nn_error err;
    nn_model *m = nn_model_load_file(model, &err);
    CHECK(m != NULL, "%s", err.msg);
    if (!m) return NULL;
    nn_state *s = nn_state_new(m, &err);
    float *y = malloc(n * sizeof *y);
    nn_state_set_cond(s, 0, gain);
    nn_state_set_cond(s, 1, tone);
    nn_run(s, x, y, n);
    nn_state_free(s);
    nn_model_free(m);
    return y;
}

static void knobs(void)
{
    char model[PATH_CAP], in[PATH_CAP], out[PATH_CAP];
    scratch_path(model, "knobs.json");
    write_knob_model(model);
    static float x[9600];
    test_signal(x, 9600, 48000, 9);
    scratch_path(in, "knob_in.wav");
    CHECK(wav_write(in, 1, 48000, 9600, x) == 0, "cannot write %s", in);
    float *want = engine_output(model, x, 9600, 0.25f, 0.75f);
    const char *forms[][2] = {{"--param=gain=0.25", "--param=tone=0.75"},
                              {"--param=P1=0.25", "--param=p2=0.75"},
                              {"--param=2=0.75", "--param=1=0.25"}};
    for (size_t i = 0; i < 3 && want; i++) {
        size_t f;
        int c;
        float *y = process(model, in, "knob_out.wav", forms[i][0], forms[i][1], &f, &c);
        CHECK(y && f == 9600 && !memcmp(y, want, sizeof x), "%s %s: differs from the engine with the knobs set",
              forms[i][0], forms[i][1]);
        free(y);
    }
    free(want);
    /* Unset knobs are 0, and the note says so. */
    want = engine_output(model, x, 9600, 0.0f, 0.0f);
    scratch_path(out, "knob0.wav");
    cmd_result r = run_rnnfx("process", "--no-dc-block", model, in, out, (const char *)NULL);
    CHECK(r.code == 0 && contains(r.err, "gain") && contains(r.err, "tone"), "no note about unset knobs: %s", r.err);
    cmd_free(&r);
    size_t f;
    int c, rate;
    float *y = wav_read(out, &c, &rate, &f);
    CHECK(y && want && f == 9600 && !memcmp(y, want, sizeof x), "unset knobs are not 0");
    free(y);
    free(want);
    /* Wrong knobs: a usage error naming the model (or the option), one line, no output. */
    const char *bad[] = {"--param=drive=0.5", "--param=gain=1.5", "--param=gain=abc", "--param=gain", "--param=3=0.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        scratch_path(out, "knob_bad.wav");
        r = run_rnnfx("process", model, in, out, bad[i], (const char *)NULL);
        CHECK(r.code == 2 && count_lines(r.err) == 1 && (contains(r.err, "knobs.json") || contains(r.err, "--param")) &&
                  !file_exists(out),
              "%s: exit %d, stderr: %s", bad[i], r.code, r.err);
        cmd_free(&r);
    }
    /* A model without knobs refuses --param. */
    ref_path(model, ref_models[0].file);
    r = run_rnnfx("process", model, in, out, "--param", "gain=0.5", (const char *)NULL);
    CHECK(r.code == 2 && count_lines(r.err) == 1 && contains(r.err, "no knobs") && !file_exists(out),
          "--param on a model without knobs: exit %d, stderr: %s", r.code, r.err);
    cmd_free(&r);
}

/* NaN in the input: the command warns, and the output stays finite. With a skip, the NaN reaches
 * the output, so the engine resets the state: that block is silent, the sound goes on after it.
 * (Without a skip, what a NaN does depends on the network's activations.) */
static void nonfinite_input(void)
{
    static float x[44100];
    test_signal(x, 44100, 44100, 3);
    x[10000] = NAN;
    x[30000] = INFINITY;
    char in[PATH_CAP], out[PATH_CAP];
    scratch_path(in, "nan_in.wav");
    scratch_path(out, "nan_out.wav");
    CHECK(wav_write(in, 1, 44100, 44100, x) == 0, "cannot write %s", in);
    for (int i = 0; i < n_ref_models; i++) {
        char model[PATH_CAP];
        ref_path(model, ref_models[i].file);
        int skip = ref_models[i].skip;
        cmd_result r = run_rnnfx("process", model, in, out, "--no-resample", (const char *)NULL);
        CHECK(r.code == 0 && contains(r.err, "2 samples are not a number") && contains(r.err, "0.227 s"),
              "%s, NaN input: exit %d, stderr: %s", ref_models[i].file, r.code, r.err);
        if (skip)
            CHECK(contains(r.err, "2 blocks silenced"), "%s: no warning about the reset: %s", ref_models[i].file,
                  r.err);
        cmd_free(&r);
        size_t f;
        int c, rate;
        float *y = wav_read(out, &c, &rate, &f);
        CHECK(y && f == 44100, "cannot read %s", out);
        int finite = 1, silent = 1, after = 0;
        for (size_t k = 0; y && k < f; k++) {
            finite &= isfinite(y[k]) != 0;
            if (k >= 8192 && k < 12288) silent &= y[k] == 0.0f; /* the block holding the NaN */
            if (k >= 12288 && k < 28672 && y[k] != 0.0f) after = 1;
        }
        CHECK(finite, "%s, NaN input: non-finite output", ref_models[i].file);
        if (skip)
            CHECK(silent && after, "%s, NaN input: block silent %d, sound after %d", ref_models[i].file, silent, after);
        free(y);
    }
}

/* Integer formats: the command must hear the same samples libsndfile decodes. */
static void other_formats(void)
{
    static float x[2 * 9600];
    float ch[9600];
    for (int c = 0; c < 2; c++) {
        test_signal(ch, 9600, 48000, 11 + (unsigned)c);
        for (int i = 0; i < 9600; i++) x[2 * i + c] = 0.5f * ch[i]; /* within -1..1: integer formats */
    }
    char model[PATH_CAP], in[PATH_CAP], as_float[PATH_CAP];
    ref_path(model, "guitarml_lstm20_skip.json");
    const struct {
        const char *name;
        int format;
    } formats[] = {{"in.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24},
                   {"in.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16},
                   {"in16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16}};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        scratch_path(in, formats[i].name);
        CHECK(sound_write(in, formats[i].format, 2, 48000, 9600, x) == 0, "cannot write %s", in);
        int c, rate;
        size_t n;
        float *decoded = wav_read(in, &c, &rate, &n);
        CHECK(decoded && n == 9600 && c == 2, "cannot read back %s", in);
        if (!decoded) continue;
        scratch_path(as_float, "decoded.wav");
        CHECK(wav_write(as_float, 2, 48000, n, decoded) == 0, "cannot write %s", as_float);
        size_t f1, f2;
        int c1, c2;
        float *y1 = process(model, in, "fmt_out1.wav", NULL, NULL, &f1, &c1);
        float *y2 = process(model, as_float, "fmt_out2.wav", NULL, NULL, &f2, &c2);
        CHECK(y1 && y2 && f1 == f2 && c1 == 2 && !memcmp(y1, y2, f1 * 2 * sizeof(float)),
              "%s: output differs from the float WAV of the same samples", formats[i].name);
        free(y1);
        free(y2);
        free(decoded);
    }
}

static void progress_line(void)
{
    char model[PATH_CAP], in[PATH_CAP], out[PATH_CAP];
    ref_path(model, "keras_lstm8.json");
    scratch_path(in, "progress_in.wav");
    scratch_path(out, "progress_out.wav");
    static float x[4800];
    test_signal(x, 4800, 44100, 1);
    CHECK(wav_write(in, 1, 44100, 4800, x) == 0, "cannot write %s", in);
    cmd_result r = run_rnnfx("process", model, in, out, "--progress", (const char *)NULL);
    CHECK(r.code == 0 && contains(r.err, "processing: 100%"), "--progress: exit %d, stderr: %s", r.code, r.err);
    cmd_free(&r);
    /* Not a terminal, no --progress: no progress line. */
    r = run_rnnfx("process", model, in, out, (const char *)NULL);
    CHECK(r.code == 0 && !contains(r.err, "processing"), "progress line without --progress: %s", r.err);
    cmd_free(&r);
}

/* Peak level in dBFS of y[from..n) (-inf for digital silence). */
static double peak_dbfs(const float *y, size_t from, size_t n)
{
    double peak = 0;
    for (size_t i = from; i < n; i++) peak = fmax(peak, fabs((double)y[i]));
    return 20 * log10(peak);
}

/* Every shipped model (the .json files of models/) on one second of digital silence at 48 kHz: with the DC
 * blocker (the default) the output is below -90 dBFS after 0.5 s; without it, the constant the
 * network puts out, which the blocker is there for (at least one model above -60 dBFS, so this
 * test fails if the blocker does nothing). */
static void dc_on_silence(void)
{
    char dir[PATH_CAP], in[PATH_CAP], out[PATH_CAP];
    snprintf(dir, sizeof dir, "%s/../models", getenv("RNNFX_TEST_DATA"));
    static float zeros[48000];
    scratch_path(in, "silence.wav");
    CHECK(wav_write(in, 1, 48000, 48000, zeros) == 0, "cannot write %s", in);
    scratch_path(out, "silence_out.wav");
    DIR *d = opendir(dir);
    CHECK(d != NULL, "cannot list %s", dir);
    if (!d) return;
    int models = 0;
    double loudest_raw = -INFINITY, loudest = -INFINITY;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json")) continue;
        char model[2 * PATH_CAP];
        snprintf(model, sizeof model, "%s/%s", dir, e->d_name);
        double level[2];
        for (int raw = 0; raw < 2; raw++) {
            cmd_result r = run_rnnfx("process", model, in, out, raw ? "--no-dc-block" : NULL, (const char *)NULL);
            CHECK(r.code == 0, "%s: exit %d: %s", e->d_name, r.code, r.err);
            cmd_free(&r);
            size_t f = 0;
            int c, rate;
            float *y = wav_read(out, &c, &rate, &f);
            level[raw] = y && f == 48000 ? peak_dbfs(y, 24000, f) : 0.0;
            free(y);
        }
        printf("%-32s on silence after 0.5 s: %7.1f dBFS, %7.1f without the DC blocker\n", e->d_name, level[0],
               level[1]);
        CHECK(level[0] < -90.0, "%s: %.1f dBFS on silence after 0.5 s", e->d_name, level[0]);
        loudest = fmax(loudest, level[0]);
        loudest_raw = fmax(loudest_raw, level[1]);
        models++;
    }
    closedir(d);
    CHECK(models >= 1, "no models in %s", dir);
    CHECK(loudest_raw > -60.0, "without the DC blocker the loudest offset is %.1f dBFS: the test proves nothing",
          loudest_raw);
    printf("%d shipped models: loudest on silence %.1f dBFS with the DC blocker, %.1f without\n", models, loudest,
           loudest_raw);
}

/* Low tones through the identity (zero-weight LSTM + skip) with the DC blocker: the amplitude of
 * 20, 30, 50 and 100 Hz sines is the input's within 0.1 dB (measured by projection on sin/cos
 * over the last second, after the filter has settled). */
static void dc_low_end(void)
{
    char model[PATH_CAP], in[PATH_CAP], out[PATH_CAP];
    scratch_path(model, "identity.json");
    int wrote = write_identity_model(model);
    CHECK(wrote == 0, "cannot write %s", model);
    if (wrote) return;
    const double freqs[] = {20, 30, 50, 100};
    enum { N = 3 * 48000 };
    static float x[N];
    for (size_t k = 0; k < sizeof freqs / sizeof freqs[0]; k++) {
        for (size_t i = 0; i < N; i++) x[i] = (float)(0.5 * sin(2 * M_PI * freqs[k] * (double)i / 48000));
        scratch_path(in, "low_in.wav");
        scratch_path(out, "low_out.wav");
        CHECK(wav_write(in, 1, 48000, N, x) == 0, "cannot write %s", in);
        cmd_result r = run_rnnfx("process", model, in, out, (const char *)NULL);
        CHECK(r.code == 0, "identity at %g Hz: exit %d: %s", freqs[k], r.code, r.err);
        cmd_free(&r);
        size_t n = 0;
        int c, rate;
        float *y = wav_read(out, &c, &rate, &n);
        if (!y || n != N) {
            CHECK(0, "identity at %g Hz: cannot read the output", freqs[k]);
            free(y);
            continue;
        }
        double s = 0, co = 0;
        for (size_t i = 2 * 48000; i < N; i++) {
            double w = 2 * M_PI * freqs[k] * (double)i / 48000;
            s += y[i] * sin(w), co += y[i] * cos(w);
        }
        double amp = 2 * sqrt(s * s + co * co) / 48000, db = 20 * log10(amp / 0.5);
        printf("DC blocker at %5.0f Hz: %+.4f dB\n", freqs[k], db);
        CHECK(fabs(db) < 0.1, "%g Hz through the DC blocker: %+.4f dB", freqs[k], db);
        free(y);
    }
}

int main(int argc, char **argv)
{
    harness_init(argc, argv);
    goldens();
    blocks_and_channels();
    knobs();
    nonfinite_input();
    other_formats();
    progress_line();
    dc_on_silence();
    dc_low_end();
    return check_exit();
}
