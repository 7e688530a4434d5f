/* json_util.c - shaped reads from jansson trees (see json_util.h). */
#include "json_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nj_number(const json_t *v, int allow_string, double *out)
{
    if (json_is_integer(v)) {
        *out = (double)json_integer_value(v);
        return 1;
    }
    if (json_is_real(v)) {
        *out = json_real_value(v);
        return isfinite(*out);
    }
    if (allow_string && json_is_string(v)) {
        const char *str = json_string_value(v);
        char *end = NULL;
        double d = strtod(str, &end);
        if (end == str) return 0;
        while (*end == ' ') end++;
        if (*end || !isfinite(d)) return 0;
        *out = d;
        return 1;
    }
    return 0;
}

nn_status nj_int(const json_t *obj, const char *key, int required, int dflt, int lo, int hi, int *out, const char *file,
                 const char *where, nn_error *err)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required) return nn_fail(err, NN_ERR_SHAPE, file, "%s: missing key \"%s\"", where, key);
        *out = dflt;
        return NN_OK;
    }
    double d;
    if (json_is_boolean(v)) d = json_is_true(v) ? 1 : 0;
    else if (!nj_number(v, 0, &d) || d != floor(d))
        return nn_fail(err, NN_ERR_SHAPE, file, "%s: \"%s\" is not an integer", where, key);
    if (d < lo || d > hi)
        return nn_fail(err, d > hi ? NN_ERR_LIMIT : NN_ERR_VALUE, file, "%s: \"%s\" = %.0f is out of range (%d..%d)",
                       where, key, d, lo, hi);
    *out = (int)d;
    return NN_OK;
}

int nj_shape(const json_t *v, size_t *shape, int max_dims)
{
    int n = 0;
    while (json_is_array(v) && n < max_dims) {
        shape[n++] = json_array_size(v);
        if (!json_array_size(v)) break;
        v = json_array_get(v, 0);
    }
    return n;
}

static void shape_text(char *buf, size_t cap, int ndim, const size_t *shape)
{
    size_t at = 0;
    buf[0] = 0;
    for (int i = 0; i < ndim && at < cap; i++) {
        int k = snprintf(buf + at, cap - at, "[%zu]", shape[i]);
        if (k < 0) break;
        at += (size_t)k;
    }
}

/* Recursive fill; `idx` tracks where we are for the message. */
static nn_status fill(const json_t *v, int level, int ndim, const size_t *shape, float **dst, const char *file,
                      const char *what, nn_error *err)
{
    if (level == ndim) {
        double d;
        if (json_is_real(v) && !isfinite(json_real_value(v)))
            return nn_fail(err, NN_ERR_VALUE, file, "%s: non-finite value", what);
        if (!nj_number(v, 0, &d))
            return nn_fail(err, NN_ERR_SHAPE, file, "%s: expected a number, found %s", what,
                           json_is_array(v)    ? "an array (too many dimensions)"
                           : json_is_string(v) ? "a string"
                           : json_is_object(v) ? "an object"
                                               : "null or a boolean");
        /* Doubles below 2^128 - 2^103 round to a finite float. The bound is that of the float, not
         * a rounder number: a float we write (9 digits) must read back, FLT_MAX included. */
        if (!(fabs(d) < 3.4028235677973366e38))
            return nn_fail(err, NN_ERR_VALUE, file, "%s: value %g out of float range", what, d);
        *(*dst)++ = (float)d;
        return NN_OK;
    }
    if (!json_is_array(v))
        return nn_fail(err, NN_ERR_SHAPE, file, "%s: expected %d-dimensional array, found %s at depth %d", what, ndim,
                       json_is_number(v) ? "a number" : "a non-array", level);
    if (json_array_size(v) != shape[level])
        return nn_fail(err, NN_ERR_SHAPE, file, "%s: dimension %d has %zu entries, expected %zu", what, level + 1,
                       json_array_size(v), shape[level]);
    for (size_t i = 0; i < shape[level]; i++) {
        nn_status st = fill(json_array_get(v, i), level + 1, ndim, shape, dst, file, what, err);
        if (st) return st;
    }
    return NN_OK;
}

nn_status nj_floats(nn_spec *s, const json_t *v, int ndim, const size_t *shape, float **out, const char *file,
                    const char *what, nn_error *err)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] > ((size_t)1 << 26) || (shape[i] && n > ((size_t)1 << 28) / shape[i]))
            return nn_fail(err, NN_ERR_LIMIT, file, "%s: absurd size", what);
        n *= shape[i];
    }
    if (!v) return nn_fail(err, NN_ERR_SHAPE, file, "%s: missing", what);
    /* Report the whole shape mismatch at once when the outer sizes already differ. */
    size_t found[8];
    int fd = nj_shape(v, found, 8);
    if (fd >= 1 && found[0] != shape[0] && ndim >= 1) {
        char want[96], got[96];
        shape_text(want, sizeof want, ndim, shape);
        shape_text(got, sizeof got, fd, found);
        return nn_fail(err, NN_ERR_SHAPE, file, "%s: shape %s, expected %s", what, got, want);
    }
    float *a = nn_spec_floats(s, n ? n : 1);
    if (!a) return nn_fail(err, NN_ERR_NOMEM, file, "%s: out of memory", what);
    float *p = a;
    nn_status st = fill(v, 0, ndim, shape, &p, file, what, err);
    if (st) return st;
    *out = a;
    return NN_OK;
}

const char *nj_string(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}
