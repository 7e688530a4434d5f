/* rnnfx_error.c - one-line error messages for tools/ (see rnnfx_error.h). */
#include "rnnfx_error.h"

#include <stdarg.h>
#include <stdio.h>

nn_status rnnfx_fail(nn_error *err, nn_status status, const char *name, const char *fmt, ...)
{
    if (!err) return status;
    err->status = status;
    int n = snprintf(err->msg, sizeof err->msg, "%s: ", name ? name : "rnnfx");
    if (n < 0) n = 0;
    if ((size_t)n < sizeof err->msg) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
        va_end(ap);
    }
    /* A file name may carry a newline; the message must stay one line. */
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return status;
}
