/* fuzz_memfile.h - a fuzzer's bytes as a file the readers open by path, without touching the
 * disk: a memfd, named /proc/self/fd/N. The caller closes the returned descriptor. */
#ifndef RNNFX_FUZZ_MEMFILE_H
#define RNNFX_FUZZ_MEMFILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Writes data[0..size) to a new memfd and its path into path[0..len); returns the descriptor.
 * A failure here is the machine's, not the input's: it aborts the run with a message. */
static inline int fuzz_memfile(const char *name, const uint8_t *data, size_t size, char *path, size_t len)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "%s: memfd_create failed\n", name);
        abort();
    }
    for (size_t at = 0; at < size;) {
        ssize_t w = write(fd, data + at, size - at);
        if (w <= 0) {
            fprintf(stderr, "%s: memfd write failed\n", name);
            abort();
        }
        at += (size_t)w;
    }
    snprintf(path, len, "/proc/self/fd/%d", fd);
    return fd;
}

#endif
