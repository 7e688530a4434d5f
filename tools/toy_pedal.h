/*
 * toy_pedal.h - a synthetic overdrive pedal in a few lines of C: the demo's built-in "device",
 * so that `rnnfx demo` can train a model on a pair (DI in, pedal out) without any recording.
 *
 * The shape of the classic overdrives (a Tube Screamer's, roughly), with memory on both sides
 * of the nonlinearity, so that a network has something to learn:
 *   1. drive: the input x 1.5, plus its highs x 12 (a first-order highpass at 720 Hz);
 *   2. an asymmetric soft clipper: tanh(v + 0.25) - tanh(0.25) (even harmonics, as from
 *      mismatched diodes);
 *   3. tone: a first-order lowpass at 3 kHz; then a DC blocker (40 Hz, the coupling
 *      capacitor) and the output level.
 */
#ifndef RNNFX_TOOLS_TOY_PEDAL_H
#define RNNFX_TOOLS_TOY_PEDAL_H

#include <stddef.h>

/* out[t] = pedal(in[0..t]) for t < n, starting from rest; in and out may alias. */
void rnnfx_toy_pedal(const float *in, float *out, size_t n, double rate);

#endif
