/* formats.h - the model file readers and the writer. Internal to nn/; the public entry points
 * are nn_model_load_file / nn_model_load_buffer / nn_model_write_keras (nn.h).
 * Each reader fills a spec (initialised by the caller, freed by the caller on error). */
#ifndef RNNFX_NN_FORMATS_H
#define RNNFX_NN_FORMATS_H

#include <jansson.h>

#include "errors.h"
#include "nn_spec.h"

nn_status nn_read_keras(nn_spec *s, const json_t *root, const char *file, nn_error *err);
nn_status nn_read_guitarml(nn_spec *s, const json_t *root, const char *file, nn_error *err);
nn_status nn_read_nam(nn_spec *s, const json_t *root, const char *file, nn_error *err);

/* Shared by the readers: metadata (sample rate as number or string, name, author, ESR, ...),
 * from `meta` (may be NULL) with top-level fallbacks in `root`. */
nn_status nn_read_metadata(nn_spec *s, const json_t *root, const json_t *meta, const char *file, nn_error *err);
/* input_batch / output_batch, when present. */
nn_status nn_read_selftest(nn_spec *s, const json_t *root, const char *file, nn_error *err);

/* Names as the formats spell them: "lstm"/"LSTM", "gru", "simple_rnn"/"rnn"; activations
 * "" / "linear" / "tanh" / "sigmoid" / "relu" (NULL = linear). Return 0 when known. */
int nn_cell_parse(const char *name, nn_cell *out);
int nn_act_parse(const char *name, nn_act *out);

/* The native format as a jansson tree (caller decrefs), from a spec; sample_rate > 0 is
 * written as metadata.samplerate. */
json_t *nn_keras_tree(const nn_spec *s, double sample_rate);

#endif
