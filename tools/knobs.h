/*
 * knobs.h - a model's conditioning inputs ("knobs") as the command line names them.
 *
 * `--param NAME=VALUE`: NAME is the knob's name from the model's metadata (case-insensitive),
 * or p1/p2/p3, or its number 1..3; VALUE is 0..1 (the range the knobs were trained on). A knob
 * left unset is 0, the engine's initial value.
 */
#ifndef RNNFX_TOOLS_KNOBS_H
#define RNNFX_TOOLS_KNOBS_H

#include <stddef.h>

#include "nn.h"

/* Parses "NAME=VALUE" against model `m` (loaded from `model_name`, used in messages): fills the
 * 0-based knob index and the value, or err ("<model>: no knob named ..."). */
nn_status rnnfx_knob_parse(const nn_model *m, const char *model_name, const char *arg, int *index, float *value,
                           nn_error *err);

/* The display name of knob k (0-based): its metadata name, or "p1".."p3". */
const char *rnnfx_knob_name(const nn_model *m, int k, char *buf, size_t cap);

#endif
