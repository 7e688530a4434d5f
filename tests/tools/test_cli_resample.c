/* test_cli_resample.c - the resampling path of `rnnfx process`: a 44.1 kHz file through a model
 * trained at 48 kHz is resampled there and back, time-aligned.
 *
 * The model is the identity at 48 kHz (an LSTM with zero weights - its output is exactly 0 -
 * plus the skip), so the output must be the input again (without the DC blocker, whose phase
 * shift at 1 kHz would be measured too): same length, same amplitude, same phase, within the
 * resampler's accuracy. The resamplers are the plugin's (speexdsp, streaming), whose delay is
 * padded to a whole number of samples only to within ALIGN_TOLERANCE (dsp/model_stream.c: more
 * precision would cost the plugin milliseconds of latency); the command takes that delay off,
 * so the output is aligned as well as that. --no-resample gives the input back bit for bit. A
 * real 48 kHz model on a stereo 44.1 kHz file: each channel as with --channel. */
#include "check.h"
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATE 44100
#define N 44100
#define FREQ 997.0
#define ALIGN_TOLERANCE 0.05 /* samples: PAD_TOLERANCE of dsp/model_stream.c */

/* Amplitude and phase of the FREQ component of x[from..to), by projection on sin and cos. */
static void tone(const float *x, size_t from, size_t to, double *amp, double *phase)
{
    double s = 0, c = 0;
    for (size_t i = from; i < to; i++) {
        double w = 2 * M_PI * FREQ * (double)i / RATE;
        s += x[i] * sin(w);
        c += x[i] * cos(w);
    }
    s *= 2.0 / (double)(to - from);
    c *= 2.0 / (double)(to - from);
    *amp = sqrt(s * s + c * c);
    *phase = atan2(c, s);
}

static void identity(void)
{
    static float x[N];
    for (int i = 0; i < N; i++) x[i] = (float)(0.5 * sin(2 * M_PI * FREQ * i / RATE + 0.3));
    char model[PATH_CAP], in[PATH_CAP], out[PATH_CAP];
    scratch_path(model, "identity48k.json");
    CHECK(write_identity_model(model) == 0, "cannot write %s", model);
    scratch_path(in, "sine44k.wav");
    scratch_path(out, "sine_out.wav");
    CHECK(wav_write(in, 1, RATE, N, x) == 0, "cannot write %s", in);

    cmd_result r = run_rnnfx("process", model, in, out, "--no-dc-block", (const char *)NULL);
    CHECK(r.code == 0 && contains(r.err, "resampling") && contains(r.err, "44100") && contains(r.err, "48000"),
          "process at 44.1 kHz with a 48 kHz model: exit %d, stderr: %s", r.code, r.err);
    cmd_free(&r);
    int c, rate;
    size_t n;
    float *y = wav_read(out, &c, &rate, &n);
    CHECK(y && c == 1 && rate == RATE && n == N, "output: %d channels at %d Hz, %zu samples", y ? c : 0, y ? rate : 0,
          y ? n : 0);
    if (y && n == N) {
        /* Away from the ends (where the sine starts and stops abruptly). */
        size_t from = 2000, to = N - 2000;
        double worst = 0;
        /* A comparison, not fmax (which GCC 12 for aarch64 crashes on here); a NaN is kept. */
        for (size_t i = from; i < to; i++) {
            double d = fabs((double)y[i] - x[i]);
            if (!(d <= worst)) worst = d;
        }
        double ax, px, ay, py;
        tone(x, from, to, &ax, &px);
        tone(y, from, to, &ay, &py);
        double delay = (py - px) / (2 * M_PI * FREQ) * RATE; /* in samples; + = output late */
        printf("identity through 48 kHz: max |error| %.3g, amplitude ratio %.6f, delay %.4f samples\n", worst, ay / ax,
               -delay);
        /* A shift of d samples moves a sine of amplitude 0.5 by up to 0.5 x 2 pi FREQ d / RATE; the
         * resamplers' own error (quality 5) adds well under 1e-3. */
        double bound = 0.5 * 2 * M_PI * FREQ * ALIGN_TOLERANCE / RATE + 1e-3;
        CHECK(worst < bound, "resampled round trip: max error %g (bound %g)", worst, bound);
        CHECK(fabs(ay / ax - 1) < 1e-3, "amplitude changed by a factor %g", ay / ax);
        CHECK(fabs(delay) < ALIGN_TOLERANCE, "output shifted by %g samples", -delay);
        /* The best integer lag by least squares is 0. */
        int best = 99;
        double best_err = INFINITY;
        for (int lag = -5; lag <= 5; lag++) {
            double e = 0;
            for (size_t i = from; i < to; i++) e += pow((double)y[i] - x[(long)i - lag], 2);
            if (e < best_err) best_err = e, best = lag;
        }
        CHECK(best == 0, "best lag %d", best);
    }
    free(y);

    /* --no-resample: the identity at the file's rate gives the input back, bit for bit. */
    r = run_rnnfx("process", model, in, out, "--no-resample", "--no-dc-block", (const char *)NULL);
    CHECK(r.code == 0 && contains(r.err, "--no-resample"), "--no-resample: exit %d, stderr: %s", r.code, r.err);
    cmd_free(&r);
    y = wav_read(out, &c, &rate, &n);
    CHECK(y && n == N && !memcmp(x, y, sizeof x), "--no-resample: the identity model changed the samples");
    free(y);
}

static void real_model_stereo(void)
{
    static float st[2 * N], ch[2][N];
    test_signal(ch[0], N, RATE, 1);
    test_signal(ch[1], N, RATE, 2);
    for (int i = 0; i < N; i++) st[2 * i] = ch[0][i], st[2 * i + 1] = ch[1][i];
    char model[PATH_CAP], in[PATH_CAP], out[PATH_CAP], out1[PATH_CAP];
    ref_path(model, "nam_lstm_2x8.nam");
    scratch_path(in, "stereo44k.wav");
    scratch_path(out, "stereo_out.wav");
    scratch_path(out1, "stereo_ch2.wav");
    CHECK(wav_write(in, 2, RATE, N, st) == 0, "cannot write %s", in);
    cmd_result r = run_rnnfx("process", model, in, out, (const char *)NULL);
    CHECK(r.code == 0 && contains(r.err, "resampling"), "stereo: exit %d, stderr: %s", r.code, r.err);
    cmd_free(&r);
    r = run_rnnfx("process", model, in, out1, "--channel", "2", (const char *)NULL);
    CHECK(r.code == 0, "--channel 2: exit %d, stderr: %s", r.code, r.err);
    cmd_free(&r);
    int c, c1, rate, rate1;
    size_t n, n1;
    float *y = wav_read(out, &c, &rate, &n), *y1 = wav_read(out1, &c1, &rate1, &n1);
    CHECK(y && y1 && c == 2 && c1 == 1 && n == N && n1 == N && rate == RATE && rate1 == RATE, "stereo output shapes");
    if (y && y1 && n == N && n1 == N && c == 2) {
        int same = 1, finite = 1;
        double energy = 0;
        for (int i = 0; i < N; i++) {
            same &= !memcmp(&y[2 * i + 1], &y1[i], sizeof(float));
            finite &= isfinite(y[2 * i]) && isfinite(y[2 * i + 1]);
            energy += (double)y[2 * i] * y[2 * i];
        }
        CHECK(same, "resampled stereo: channel 2 differs from --channel 2");
        CHECK(finite && energy > 1e-3, "resampled output: finite %d, energy %g", finite, energy);
    }
    free(y);
    free(y1);
}

int main(int argc, char **argv)
{
    harness_init(argc, argv);
    identity();
    real_model_stereo();
    return check_exit();
}
