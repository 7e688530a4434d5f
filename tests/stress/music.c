/* music.c - see music.h. */
#include "music.h"

#include <math.h>
#include <stdlib.h>

float *music(size_t n, double rate, uint64_t seed)
{
    Rng r = rng_seed(seed);
    float *x = calloc(n ? n : 1, sizeof(float));
    size_t at = 0;
    while (at < n) {
        size_t len = (size_t)((0.1 + 0.7 * rng_01(&r)) * rate);
        double level = pow(10.0, -2.0 + 2.0 * rng_01(&r)) * 0.8; /* -40 dB .. -2 dB */
        if (rng_below(&r, 10) == 0) level = 0;                   /* a rest */
        int voices = 1 + (int)rng_below(&r, 3);
        for (int v = 0; v < voices && level > 0; v++) {
            double f0 = 55.0 * pow(2.0, rng_below(&r, 48) / 12.0);
            double attack = (rng_below(&r, 4) ? 0.002 : 0.08) * rate; /* plucked, or bowed */
            double tau = (0.05 + 0.8 * rng_01(&r)) * rate;
            double amp = level / voices;
            int harmonics = 1 + (int)rng_below(&r, 8);
            for (int k = 1; k <= harmonics && f0 * k < 0.45 * rate; k++) {
                /* A sine decaying from the note's start, by rotation (no libm per sample). */
                double w = 2 * M_PI * f0 * k / rate, d = exp(-1.0 / tau);
                double c = cos(w) * d, s = sin(w) * d, re = amp / k, im = 0;
                for (size_t i = at; i < n && i < at + 3 * len; i++) {
                    double t = (double)(i - at);
                    x[i] += (float)(im * (t < attack ? t / attack : 1.0));
                    double r2 = re * c - im * s;
                    im = re * s + im * c, re = r2;
                }
            }
        }
        at += len;
    }
    for (size_t i = 0; i < n; i++) {
        x[i] += (float)(2e-4 * (rng_01(&r) - 0.5));
        if (x[i] > 0.95f) x[i] = 0.95f; /* chords may add up: stay below full scale */
        if (x[i] < -0.95f) x[i] = -0.95f;
    }
    return x;
}
