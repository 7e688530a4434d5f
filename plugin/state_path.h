/*
 * state_path.h - the model's path as a host hands it back on restore, checked and made a C
 * string.
 *
 * Hosts disagree on how a saved string comes back from the state extension's retrieve():
 * lilv (jalv, Ardour) counts the terminating NUL in `size`; Carla does not (size = strlen) and
 * may not even put one after it. Both are read here: `size` bytes are copied and terminated,
 * one trailing NUL being allowed. What is refused is what cannot be a path: nothing at all, a
 * NUL byte inside (binary data), or more than the plugin keeps.
 *
 * Not real-time (restore() is not); no allocation either.
 */
#ifndef RNNFX_PLUGIN_STATE_PATH_H
#define RNNFX_PLUGIN_STATE_PATH_H

#include <stddef.h>

/* Copies the path in value[0..size) into dst[cap], NUL-terminated. Returns NULL when it is a
 * path, else why not, in words for the log ("empty", ...); dst is then "". value may be NULL
 * only with size 0. */
const char *state_path_read(const void *value, size_t size, char *dst, size_t cap);

#endif
