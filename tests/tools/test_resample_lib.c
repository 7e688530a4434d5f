/* test_resample_lib.c - tools/resample.h as a library (the trainer and the plugin tests use it):
 *   - a sine converted 44.1 -> 48 kHz lands where the sine is at 48 kHz: amplitude and phase kept
 *     (no delay), away from the ends; 48 -> 44.1 likewise;
 *   - the output length is round(frames x ratio), and there and back gives the original length;
 *   - every channel of a multichannel conversion equals the mono conversion of that channel, bit
 *     for bit, for 1 to 7 channels (libsamplerate has special paths for 2, 4 and 6). */
#include "check.h"
#include "resample.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FREQ 1234.5

static void sine(float *x, size_t n, double rate, double phase)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)(0.5 * sin(2 * M_PI * FREQ * (double)i / rate + phase));
}

static void alignment(double from, double to)
{
    size_t n = (size_t)from, m = rnnfx_resample_length(n, from, to);
    CHECK(m == (size_t)llround((double)n * to / from), "length %zu", m);
    float *x = malloc(n * sizeof *x), *y = malloc(m * sizeof *y), *want = malloc(m * sizeof *want);
    sine(x, n, from, 0.7);
    sine(want, m, to, 0.7);
    nn_error err;
    CHECK(rnnfx_resample(x, n, from, y, m, to, "sine", &err) == NN_OK, "%s", err.msg);
    double worst = 0;
    /* A comparison, not fmax (which GCC 12 for aarch64 crashes on here); a NaN is kept. */
    for (size_t i = m / 20; i < m - m / 20; i++) {
        double d = fabs((double)y[i] - want[i]);
        if (!(d <= worst)) worst = d;
    }
    printf("%g -> %g Hz: max |error| against the ideal sine %.3g\n", from, to, worst);
    CHECK(worst < 1e-4, "%g -> %g Hz: max error %g (delay or gain?)", from, to, worst);
    free(x);
    free(y);
    free(want);
}

static void channels_equal_mono(int channels)
{
    size_t n = 9000;
    rnnfx_audio a, b;
    nn_error err;
    CHECK(rnnfx_audio_alloc(&a, channels, n, 44100, "multi", &err) == NN_OK, "%s", err.msg);
    unsigned s = 1;
    for (int c = 0; c < channels; c++)
        for (size_t i = 0; i < n; i++) {
            s = s * 1664525u + 1013904223u;
            a.data[c][i] = (float)((s >> 8) / 16777216.0 - 0.5);
        }
    CHECK(rnnfx_audio_resample(&a, 48000, 0, &b, NULL, NULL, "multi", &err) == NN_OK, "%s", err.msg);
    size_t m = rnnfx_resample_length(n, 44100, 48000);
    CHECK(b.frames == m && b.channels == channels && b.rate == 48000, "shape %d x %zu at %g", b.channels, b.frames,
          b.rate);
    float *mono = malloc(m * sizeof *mono);
    for (int c = 0; c < channels && b.frames == m; c++) {
        CHECK(rnnfx_resample(a.data[c], n, 44100, mono, m, 48000, "mono", &err) == NN_OK, "%s", err.msg);
        CHECK(!memcmp(mono, b.data[c], m * sizeof *mono), "%d channels: channel %d differs from its mono conversion",
              channels, c + 1);
    }
    /* There and back: the original length. */
    rnnfx_audio back;
    CHECK(rnnfx_audio_resample(&b, 44100, n, &back, NULL, NULL, "back", &err) == NN_OK && back.frames == n,
          "there and back: %zu frames", back.frames);
    rnnfx_audio_free(&back);
    free(mono);
    rnnfx_audio_free(&a);
    rnnfx_audio_free(&b);
}

int main(void)
{
    alignment(44100, 48000);
    alignment(48000, 44100);
    alignment(48000, 96000);
    for (int c = 1; c <= 7; c++) channels_equal_mono(c);
    nn_error err;
    float x[4], y[4];
    CHECK(rnnfx_resample(x, 4, 1000, y, 4, 1e6, "ratio", &err) != NN_OK && strstr(err.msg, "ratio"),
          "a ratio of 1000 was accepted");
    return check_exit();
}
