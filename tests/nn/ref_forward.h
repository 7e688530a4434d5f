/* ref_forward.h - an independent, plain double-precision forward pass over an nn_spec, written
 * straight from the equations in nn_spec.h (no packing, no SIMD, libm exp/tanh). The tests
 * compare the engine against it. */
#ifndef RNNFX_TESTS_REF_FORWARD_H
#define RNNFX_TESTS_REF_FORWARD_H

#include <stddef.h>

#include "nn_spec.h"

/* Runs n samples of audio x with constant conditioning values cond[] from the spec's initial
 * state; writes y. Returns 0, or -1 on allocation failure. */
int ref_forward(const nn_spec *s, const float *x, const float *cond, float *y, size_t n);

#endif
