/* rnnfx_error.h - filling an nn_error from tools/ code, so that the command, the trainer and the
 * plugin tests report audio-file and option problems exactly like the engine reports model
 * problems: one line, "<file>: <problem>", and a status (nn.h). */
#ifndef RNNFX_TOOLS_ERROR_H
#define RNNFX_TOOLS_ERROR_H

#include "nn.h"

/* Fills err (if not NULL) and returns `status`. Newlines in the result become spaces. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
nn_status
rnnfx_fail(nn_error *err, nn_status status, const char *name, const char *fmt, ...);

#endif
