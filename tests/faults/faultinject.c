/*
 * faultinject.c - faults for `rnnfx train`, injected by LD_PRELOAD: the command's calls to
 * open/fopen, read, write, fsync and rename go through these first.
 *
 * What to do comes from the environment (read once):
 *
 *   FAULT_DIR=/some/dir      only files under this folder count (paths of open file descriptors
 *                            are read from /proc/self/fd)
 *   FAULT=count              count the calls; at exit, write "writes N renames N" to FAULT_OUT
 *   FAULT=kill-write:N:F     the Nth write() to a file under FAULT_DIR writes the first F (0..1)
 *                            of its bytes, then the process is killed (SIGKILL): a crash in the
 *                            middle of writing a file
 *   FAULT=kill-rename:N      SIGKILL just before the Nth rename() into FAULT_DIR
 *   FAULT=kill-renamed:N     SIGKILL just after it (the new file in place, nothing after done)
 *   FAULT=enospc:N           from the Nth write() to a file under FAULT_DIR on, every such write
 *                            fails with ENOSPC (the disk is full, and stays full)
 *   FAULT=eacces:NAME        opening a file whose name ends with NAME fails with EACCES (root
 *                            ignores chmod 000: this is how an unreadable file looks to others)
 *   FAULT=eio:NAME           reading a file whose name ends with NAME fails with EIO after its
 *                            first 4 KB (a bad disk)
 *
 * Only what rnnfx calls through the dynamic linker is seen (libc's own stdio, e.g. the --log
 * file's fprintf, goes to the kernel directly): the model, checkpoint and plot writers call
 * write()/fsync()/rename() (nn_write_file_atomic), libsndfile calls open()/read().
 */
#undef _FILE_OFFSET_BITS /* open and open64 both defined here, not one renamed to the other */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { F_NONE, F_COUNT, F_KILL_WRITE, F_KILL_RENAME, F_KILL_RENAMED, F_ENOSPC, F_EACCES, F_EIO };

static int mode = -1;
static long target;
static double fraction;
static char dir[PATH_MAX], name[PATH_MAX];
static long writes, renames;

static void setup(void)
{
    if (mode >= 0) return;
    mode = F_NONE;
    const char *d = getenv("FAULT_DIR"), *f = getenv("FAULT");
    if (d) snprintf(dir, sizeof dir, "%s", d);
    if (!f) return;
    if (!strcmp(f, "count")) mode = F_COUNT;
    else if (sscanf(f, "kill-write:%ld:%lf", &target, &fraction) == 2)
        mode = F_KILL_WRITE;
    else if (sscanf(f, "kill-renamed:%ld", &target) == 1)
        mode = F_KILL_RENAMED;
    else if (sscanf(f, "kill-rename:%ld", &target) == 1)
        mode = F_KILL_RENAME;
    else if (sscanf(f, "enospc:%ld", &target) == 1)
        mode = F_ENOSPC;
    else if (!strncmp(f, "eacces:", 7))
        mode = F_EACCES, snprintf(name, sizeof name, "%s", f + 7);
    else if (!strncmp(f, "eio:", 4))
        mode = F_EIO, snprintf(name, sizeof name, "%s", f + 4);
}

static int in_dir(const char *path)
{
    size_t n = strlen(dir);
    return n && !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

static int fd_in_dir(int fd, char *path, size_t cap)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, cap - 1);
    if (n < 0) return 0;
    path[n] = '\0';
    return in_dir(path);
}

static int ends_with(const char *path, const char *tail)
{
    size_t a = strlen(path), b = strlen(tail);
    return b && a >= b && !strcmp(path + a - b, tail);
}

static void die(void)
{
    syscall(SYS_kill, getpid(), SIGKILL);
    for (;;) pause();
}

/* The next definition of `fn` (libc's, or a sanitizer's interceptor). dlsym's object pointer
 * becomes a function pointer through an integer (POSIX makes it work; ISO C has no direct cast). */
#define REAL(type, fn) ((type)(uintptr_t)dlsym(RTLD_NEXT, fn))

/* ---- Opening ---------------------------------------------------------------------------------- */

static int refuse_open(const char *path)
{
    setup();
    if (mode == F_EACCES && path && ends_with(path, name)) {
        errno = EACCES;
        return 1;
    }
    return 0;
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
    va_end(ap);
    if (refuse_open(path)) return -1;
    return REAL(int (*)(const char *, int, ...), "open")(path, flags, m);
}

int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
    va_end(ap);
    if (refuse_open(path)) return -1;
    return REAL(int (*)(const char *, int, ...), "open64")(path, flags, m);
}

int openat(int at, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
    va_end(ap);
    if (refuse_open(path)) return -1;
    return REAL(int (*)(int, const char *, int, ...), "openat")(at, path, flags, m);
}

FILE *fopen(const char *path, const char *how)
{
    if (refuse_open(path)) return NULL;
    return REAL(FILE * (*)(const char *, const char *), "fopen")(path, how);
}

FILE *fopen64(const char *path, const char *how)
{
    if (refuse_open(path)) return NULL;
    return REAL(FILE * (*)(const char *, const char *), "fopen64")(path, how);
}

/* ---- Reading ---------------------------------------------------------------------------------- */

ssize_t read(int fd, void *buf, size_t len)
{
    setup();
    if (mode == F_EIO) {
        char path[PATH_MAX], link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, path, sizeof path - 1);
        if (n > 0) {
            path[n] = '\0';
            if (ends_with(path, name) && lseek(fd, 0, SEEK_CUR) >= 4096) {
                errno = EIO;
                return -1;
            }
        }
    }
    return REAL(ssize_t(*)(int, void *, size_t), "read")(fd, buf, len);
}

/* ---- Writing ---------------------------------------------------------------------------------- */

ssize_t write(int fd, const void *buf, size_t len)
{
    setup();
    ssize_t (*real)(int, const void *, size_t) = REAL(ssize_t(*)(int, const void *, size_t), "write");
    char path[PATH_MAX];
    if (mode <= F_NONE || fd <= 2 || !fd_in_dir(fd, path, sizeof path)) return real(fd, buf, len);
    writes++;
    if (mode == F_KILL_WRITE && writes == target) {
        size_t part = (size_t)(fraction * (double)len);
        if (part) real(fd, buf, part);
        die();
    }
    if (mode == F_ENOSPC && writes >= target) {
        errno = ENOSPC;
        return -1;
    }
    return real(fd, buf, len);
}

int rename(const char *from, const char *to)
{
    setup();
    int (*real)(const char *, const char *) = REAL(int (*)(const char *, const char *), "rename");
    if (mode <= F_NONE || !in_dir(to)) return real(from, to);
    renames++;
    if (mode == F_KILL_RENAME && renames == target) die();
    int r = real(from, to);
    if (mode == F_KILL_RENAMED && renames == target) die();
    return r;
}

/* ---- Counting --------------------------------------------------------------------------------- */

__attribute__((destructor)) static void report(void)
{
    const char *out = getenv("FAULT_OUT");
    if (mode != F_COUNT || !out) return;
    FILE *f = REAL(FILE * (*)(const char *, const char *), "fopen")(out, "w");
    if (!f) return;
    fprintf(f, "writes %ld renames %ld\n", writes, renames);
    fclose(f);
}
