/* json_util.h - reading numbers and shaped float arrays out of jansson trees, with errors that
 * say where (file, key, index, expected and found sizes). Internal to nn/ readers. */
#ifndef RNNFX_NN_JSON_UTIL_H
#define RNNFX_NN_JSON_UTIL_H

#include <jansson.h>

#include "errors.h"
#include "nn_spec.h"

/* A number (integer or real); with allow_string also a numeric string such as "48000".
 * Returns 1 and sets *out, or 0. */
int nj_number(const json_t *v, int allow_string, double *out);

/* An integer-valued number in [lo, hi] under key `key` of `obj`. Missing -> `dflt` if
 * `required` is 0. Errors name `where` (e.g. "model_data") and the key. */
nn_status nj_int(const json_t *obj, const char *key, int required, int dflt, int lo, int hi, int *out, const char *file,
                 const char *where, nn_error *err);

/* Reads an array of exactly `ndim` levels with sizes shape[0..ndim-1] into a new float array
 * from the spec's arena (row-major). `what` names the array in errors ("layer 1 kernel"). */
nn_status nj_floats(nn_spec *s, const json_t *v, int ndim, const size_t *shape, float **out, const char *file,
                    const char *what, nn_error *err);

/* Counts nesting: fills shape[] with the sizes along the first elements (up to max_dims) and
 * returns the number of levels (0 for a scalar). Used to report what a file has. */
int nj_shape(const json_t *v, size_t *shape, int max_dims);

/* The string of a key, or NULL. */
const char *nj_string(const json_t *obj, const char *key);

#endif
