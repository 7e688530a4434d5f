/*
 * aidax_compat.h - whether AIDA-X (the LV2/VST plugin that plays RTNeural models) will play a
 * model as rnnfx does, and if not, why.
 *
 * AIDA-X loads a Keras JSON through RTNeural's compile-time model variants: one LSTM or GRU
 * layer of a fixed set of hidden sizes, then one linear Dense(1), with the audio and up to two
 * knobs as inputs. Its check looks at the first layer only, so a file with stacked recurrent
 * layers or extra dense layers is reported "loaded" and then plays silence: `rnnfx convert`
 * tells the user before they find that out on stage. AIDA-X also ignores a stored initial state.
 */
#ifndef RNNFX_AIDAX_COMPAT_H
#define RNNFX_AIDAX_COMPAT_H

#include "nn_spec.h"

#include <stddef.h>

/* NULL when AIDA-X plays `s` as rnnfx does; otherwise writes one sentence saying why not (or
 * what it will ignore) into buf[n] and returns buf. */
const char *rnnfx_aidax_problem(const nn_spec *s, char *buf, size_t n);

#endif
