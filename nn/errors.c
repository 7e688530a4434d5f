/* errors.c - one-line error messages. */
#include "errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

nn_status nn_fail(nn_error *err, nn_status status, const char *name, const char *fmt, ...)
{
    if (!err) return status;
    err->status = status;
    int n = snprintf(err->msg, sizeof err->msg, "%s: ", name ? name : "model");
    if (n < 0) n = 0;
    if ((size_t)n < sizeof err->msg) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
        va_end(ap);
    }
    /* One line, always: a file name or a JSON key may carry a newline. */
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return status;
}
