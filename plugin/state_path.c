/* state_path.c - the model's path from a restored state (see state_path.h). */
#include "state_path.h"

#include <string.h>

const char *state_path_read(const void *value, size_t size, char *dst, size_t cap)
{
    if (cap) dst[0] = '\0';
    const char *v = value;
    size_t len = size;
    if (len && v[len - 1] == '\0') len--; /* lilv's way: the NUL counted in size */
    if (!len) return "empty";
    if (len >= cap) return "longer than a path the plugin keeps";
    if (memchr(v, '\0', len)) return "a NUL byte inside: binary data, not a path";
    memcpy(dst, v, len);
    dst[len] = '\0';
    return NULL;
}
