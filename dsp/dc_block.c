/* dc_block.c - the DC blocker (see dc_block.h). */
#include "dc_block.h"

#include <float.h>
#include <math.h>

/* Below this the history is exactly 0: far under anything audible (-600 dBFS) and far above the
 * double denormals (1e-308), so the test costs the same in every FP mode and gives the same bits. */
#define FLUSH 1e-30

void rnnfx_dc_block_init(rnnfx_dc_block *f, double rate)
{
    /* The bilinear transform of H(s) = s^2 / (s^2 + sqrt(2) w s + w^2), w pre-warped so that the
     * corner lands at RNNFX_DC_BLOCK_HZ exactly. */
    double k = tan(M_PI * RNNFX_DC_BLOCK_HZ / rate), q = sqrt(2.0);
    double norm = 1.0 / (1.0 + q * k + k * k);
    f->b0 = norm;
    f->a1 = 2.0 * (k * k - 1.0) * norm;
    f->a2 = (1.0 - q * k + k * k) * norm;
    rnnfx_dc_block_reset(f);
}

void rnnfx_dc_block_reset(rnnfx_dc_block *f) { f->x1 = f->x2 = f->y1 = f->y2 = 0.0; }

void rnnfx_dc_block_run(rnnfx_dc_block *f, float *x, size_t n)
{
    double x1 = f->x1, x2 = f->x2, y1 = f->y1, y2 = f->y2;
    const double b0 = f->b0, a1 = f->a1, a2 = f->a2;
    for (size_t i = 0; i < n; i++) {
        /* A float denormal input counts as 0 whether or not the caller flushes them. The sum of
         * three floats is exact in double: a constant input gives exactly 0 here. */
        double in = fabsf(x[i]) < FLT_MIN ? 0.0 : (double)x[i];
        double y = b0 * (in - 2.0 * x1 + x2) - a1 * y1 - a2 * y2;
        if (fabs(y) < FLUSH) y = 0.0;
        x2 = x1, x1 = in;
        y2 = y1, y1 = y;
        x[i] = (float)y;
    }
    f->x1 = x1, f->x2 = x2, f->y1 = y1, f->y2 = y2;
}
