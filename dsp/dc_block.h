/*
 * dc_block.h - a DC blocker: a second-order Butterworth high-pass at RNNFX_DC_BLOCK_HZ.
 *
 * Why: a recurrent model rarely gives exactly 0 for a silent input - the shipped ones put out a
 * constant between -40 and -50 dBFS on digital silence. That offset eats headroom, and every
 * change of mix or bypass turns it into a click. The filter removes it and nothing a listener
 * hears: at 20 Hz it takes 0.02 dB, and an offset that appears is 90 dB down within half a second.
 *
 * The plugin and `rnnfx process` run this same code on the model's output (model_stream.h), so
 * both still give the same bits. It works in double precision (the pole pair sits within 1e-3 of
 * z = 1 at audio rates: float coefficients would move it), flushes tiny values itself (so the
 * result does not depend on the caller's denormal mode, and no denormal ever appears), and
 * never allocates. [RT] everything but rnnfx_dc_block_init, which is cheap and RT-safe too.
 */
#ifndef RNNFX_DSP_DC_BLOCK_H
#define RNNFX_DSP_DC_BLOCK_H

#include "nn.h" /* NN_RT */

#include <stddef.h>

#define RNNFX_DC_BLOCK_HZ 5.0

typedef struct rnnfx_dc_block {
    double b0, a1, a2;     /* y = b0 (x - 2 x1 + x2) - a1 y1 - a2 y2 */
    double x1, x2, y1, y2; /* the last two inputs and outputs */
} rnnfx_dc_block;

/* The filter for a signal at `rate` Hz (> 4 x RNNFX_DC_BLOCK_HZ), at rest (all history 0). */
void rnnfx_dc_block_init(rnnfx_dc_block *f, double rate);

/* [RT] Forgets the history: as after init. */
void rnnfx_dc_block_reset(rnnfx_dc_block *f) NN_RT;

/* [RT] Filters x[0..n) in place. The result depends only on the samples, not on how they are cut
 * into calls. */
void rnnfx_dc_block_run(rnnfx_dc_block *f, float *x, size_t n) NN_RT;

#endif
