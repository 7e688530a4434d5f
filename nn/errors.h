/* errors.h - filling an nn_error: one line, "<file>: <problem>". Internal to nn/. */
#ifndef RNNFX_NN_ERRORS_H
#define RNNFX_NN_ERRORS_H

#include "nn.h"

/* Fills err (if not NULL) and returns `status`, so that readers can `return nn_fail(...)`. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
nn_status
nn_fail(nn_error *err, nn_status status, const char *name, const char *fmt, ...);

#endif
