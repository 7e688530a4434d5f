/* test_dc_block.c - dsp/dc_block.c against its definition, computed here independently:
 *   - the magnitude response is the analog 2nd-order Butterworth high-pass |H|^2 = F^4 / (F^4 +
 *     fc^4) at the bilinear transform's warped frequency F = fs/pi tan(pi f/fs), within 0.01 dB,
 *     measured with sines at 44.1, 48 and 96 kHz; so -3 dB at 5 Hz and within 0.1 dB from 20 Hz;
 *   - a step (a DC offset appearing) is 90 dB down after 0.5 s, and 300 dB down after 5 s;
 *   - the output does not depend on how the samples are cut into calls;
 *   - float denormals in are taken as 0 (the same bits in any FP mode). */
#include "check.h"
#include "dc_block.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double expected_db(double f, double rate)
{
    double F = rate / M_PI * tan(M_PI * f / rate), fc = RNNFX_DC_BLOCK_HZ;
    return 10 * log10(pow(F, 4) / (pow(F, 4) + pow(fc, 4)));
}

/* Gain in dB of the filter at f (a whole number of Hz), by projection over one second (f whole
 * periods) after a settling time of 4 s. */
static double measured_db(double f, double rate)
{
    size_t settle = (size_t)(4 * rate), len = (size_t)rate, n = settle + len;
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = (float)(0.5 * sin(2 * M_PI * f * (double)i / rate));
    rnnfx_dc_block dc;
    rnnfx_dc_block_init(&dc, rate);
    rnnfx_dc_block_run(&dc, x, n);
    double s = 0, c = 0;
    for (size_t i = settle; i < n; i++) {
        double w = 2 * M_PI * f * (double)i / rate;
        s += x[i] * sin(w), c += x[i] * cos(w);
    }
    free(x);
    double amp = 2 * sqrt(s * s + c * c) / (double)len;
    return 20 * log10(amp / 0.5);
}

int main(void)
{
    const double rates[] = {44100, 48000, 96000}, freqs[] = {5, 10, 20, 30, 50, 100, 1000, 10000};
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 8; k++) {
            double m = measured_db(freqs[k], rates[r]), e = expected_db(freqs[k], rates[r]);
            printf("%6.0f Hz at %5.0f Hz: %+9.5f dB (expected %+9.5f)\n", freqs[k], rates[r], m, e);
            CHECK(fabs(m - e) < 0.01, "%g Hz at %g Hz: %+.5f dB, expected %+.5f", freqs[k], rates[r], m, e);
            if (freqs[k] >= 20) CHECK(fabs(m) < 0.1, "%g Hz at %g Hz: %+.4f dB", freqs[k], rates[r], m);
        }
    CHECK(fabs(expected_db(5, 48000) + 3.0103) < 1e-3, "the corner is not at 5 Hz");

    /* A DC offset appearing at t = 0. */
    size_t n = 5 * 48000;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) x[i] = 0.01f;
    memcpy(y, x, n * sizeof *x);
    rnnfx_dc_block dc;
    rnnfx_dc_block_init(&dc, 48000);
    rnnfx_dc_block_run(&dc, y, n);
    double after = 0;
    for (size_t i = 24000; i < 48000; i++) after = fmax(after, fabs(y[i]));
    printf("step of 0.01: largest after 0.5 s %.3g (%.1f dB down), last sample %g\n", after, 20 * log10(0.01 / after),
           y[n - 1]);
    CHECK(after < 0.01 * pow(10, -90 / 20.0), "step: %.3g after 0.5 s", after);
    CHECK(fabs(y[n - 1]) < 0.01 * 1e-15, "step: %g after 5 s", y[n - 1]);

    /* Any cut into calls: the same bits. */
    for (size_t i = 0; i < n; i++) x[i] = (float)(0.3 * sin(0.001 * (double)i) + 0.1 * sin(0.37 * (double)i) + 0.05);
    memcpy(y, x, n * sizeof *x);
    rnnfx_dc_block_init(&dc, 48000);
    rnnfx_dc_block_run(&dc, y, n);
    float *z = malloc(n * sizeof *z);
    memcpy(z, x, n * sizeof *x);
    rnnfx_dc_block_init(&dc, 48000);
    for (size_t at = 0, len = 1; at < n; at += len, len = len * 3 % 4093 + 1)
        rnnfx_dc_block_run(&dc, z + at, at + len <= n ? len : n - at);
    CHECK(!memcmp(y, z, n * sizeof *y), "the output depends on the calls");

    /* Denormals in: 0 out, exactly. */
    for (size_t i = 0; i < 1000; i++) z[i] = (i & 1 ? -1 : 1) * FLT_MIN / 4;
    rnnfx_dc_block_init(&dc, 48000);
    rnnfx_dc_block_run(&dc, z, 1000);
    int zeros = 1;
    for (size_t i = 0; i < 1000; i++) zeros &= z[i] == 0.0f;
    CHECK(zeros, "denormal input gives non-zero output");
    free(x), free(y), free(z);
    return check_exit();
}
