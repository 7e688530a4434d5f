/* errors.c - one-line error messages. */
#include "errors.h"

#include <stdio.h>

nn_status nn_error_vset(nn_error *err, nn_status status, const char *name, const char *fmt, va_list ap)
{
    if (!err) return status;
    err->status = status;
    int n = snprintf(err->msg, sizeof err->msg, "%s: ", name);
    if (n < 0) n = 0;
    if ((size_t)n < sizeof err->msg) vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
    /* One line, always: a file name or a JSON key may carry a newline. */
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return status;
}

nn_status nn_fail(nn_error *err, nn_status status, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nn_error_vset(err, status, name ? name : "model", fmt, ap);
    va_end(ap);
    return status;
}
