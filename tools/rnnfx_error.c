/* rnnfx_error.c - one-line error messages for tools/ (see rnnfx_error.h): the engine's
 * formatting (nn_error_vset), with the command's name when no file is at fault. */
#include "rnnfx_error.h"

nn_status rnnfx_fail(nn_error *err, nn_status status, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nn_error_vset(err, status, name ? name : "rnnfx", fmt, ap);
    va_end(ap);
    return status;
}
