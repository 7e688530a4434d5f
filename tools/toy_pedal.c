/* toy_pedal.c - the demo's synthetic overdrive (see toy_pedal.h). */
#include "toy_pedal.h"

#include <math.h>

#define PI 3.14159265358979323846

void rnnfx_toy_pedal(const float *in, float *out, size_t n, double rate)
{
    const double bias = 0.25, level = 0.3;
    /* one-pole coefficients: y += a (x - y) for the lowpasses, r for the DC blocker's pole */
    const double a_hp = 1.0 - exp(-2.0 * PI * 720.0 / rate);
    const double a_tone = 1.0 - exp(-2.0 * PI * 3000.0 / rate);
    const double r_dc = exp(-2.0 * PI * 40.0 / rate);
    const double off = tanh(bias);
    double lo = 0, tone = 0, dc_x = 0, dc_y = 0;
    for (size_t t = 0; t < n; t++) {
        double x = in[t];
        lo += a_hp * (x - lo);                /* x - lo: the highs above 720 Hz */
        double v = 1.5 * x + 12.0 * (x - lo); /* drive */
        double c = tanh(v + bias) - off;      /* asymmetric soft clip */
        tone += a_tone * (c - tone);          /* tone */
        double y = tone - dc_x + r_dc * dc_y; /* DC blocker */
        dc_x = tone;
        dc_y = y;
        out[t] = (float)(level * y);
    }
}
