/*
 * rtcheck.c - a real-time checker by interposition, for builds without clang's RealtimeSanitizer.
 *
 * This shared library is linked into the test host ahead of libc, so its definitions of malloc,
 * free, pthread_mutex_lock, nanosleep, open, write, ... are the ones every library in the process
 * binds to - the plugin's included. Each forwards to the real function, but first checks a
 * per-thread flag: while the host has marked the thread as real-time (rtcheck_enter, around
 * run() and work_response()), any such call prints what was called, and from where, and aborts.
 *
 * The allocator family forwards to glibc's __libc_* entry points (dlsym itself allocates, so it
 * cannot be used to find malloc); everything else is found with dlsym(RTLD_NEXT) on first use.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rtcheck.h"

/* initial-exec: a TLS access that never allocates (we are inside malloc). */
static __thread int rt_depth __attribute__((tls_model("initial-exec")));
static __thread int rt_paused __attribute__((tls_model("initial-exec")));
static unsigned long violations;

void rtcheck_enter(void) { rt_depth++; }
void rtcheck_exit(void) { rt_depth--; }
void rtcheck_pause(void) { rt_paused++; }
void rtcheck_resume(void) { rt_paused--; }
unsigned long rtcheck_violations(void) { return violations; }
int rtcheck_active(void) { return 1; }

static void say(const char *s) { syscall(SYS_write, 2, s, strlen(s)); }

static void violation(const char *what, void *caller)
{
    violations++;
    rt_depth = 0; /* what follows (abort's own work) is not the plugin's */
    say("rtcheck: real-time violation: ");
    say(what);
    say("() called in the real-time window");
    Dl_info info;
    if (caller && dladdr(caller, &info)) {
        say(" from ");
        say(info.dli_sname ? info.dli_sname : "?");
        say(" in ");
        say(info.dli_fname ? info.dli_fname : "?");
    }
    say("\n");
    abort();
}

#define CHECK(name)                                                                   \
    do {                                                                              \
        if (rt_depth > 0 && !rt_paused) violation(name, __builtin_return_address(0)); \
    } while (0)

/* ---- The allocator ---------------------------------------------------------------------------- */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

void *malloc(size_t n)
{
    CHECK("malloc");
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    CHECK("calloc");
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    CHECK("realloc");
    return __libc_realloc(p, n);
}
void free(void *p)
{
    CHECK("free");
    __libc_free(p);
}
void *memalign(size_t a, size_t n)
{
    CHECK("memalign");
    return __libc_memalign(a, n);
}
void *aligned_alloc(size_t a, size_t n)
{
    CHECK("aligned_alloc");
    return __libc_memalign(a, n);
}
int posix_memalign(void **out, size_t a, size_t n)
{
    CHECK("posix_memalign");
    if (a < sizeof(void *) || (a & (a - 1))) return 22; /* EINVAL */
    void *p = __libc_memalign(a, n);
    if (!p && n) return 12; /* ENOMEM */
    *out = p;
    return 0;
}

/* ---- Everything else: forwarded through dlsym(RTLD_NEXT) -------------------------------------- */

#define NEXT(type, name)     \
    static type real_##name; \
    if (!real_##name) *(void **)&real_##name = dlsym(RTLD_NEXT, #name)

typedef int (*fn_mutex)(pthread_mutex_t *);
int pthread_mutex_lock(pthread_mutex_t *m)
{
    CHECK("pthread_mutex_lock");
    NEXT(fn_mutex, pthread_mutex_lock);
    return real_pthread_mutex_lock(m);
}
int pthread_mutex_trylock(pthread_mutex_t *m)
{
    CHECK("pthread_mutex_trylock");
    NEXT(fn_mutex, pthread_mutex_trylock);
    return real_pthread_mutex_trylock(m);
}
typedef int (*fn_timedlock)(pthread_mutex_t *, const struct timespec *);
int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *t)
{
    CHECK("pthread_mutex_timedlock");
    NEXT(fn_timedlock, pthread_mutex_timedlock);
    return real_pthread_mutex_timedlock(m, t);
}
typedef int (*fn_rw)(pthread_rwlock_t *);
int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
    CHECK("pthread_rwlock_rdlock");
    NEXT(fn_rw, pthread_rwlock_rdlock);
    return real_pthread_rwlock_rdlock(l);
}
int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
    CHECK("pthread_rwlock_wrlock");
    NEXT(fn_rw, pthread_rwlock_wrlock);
    return real_pthread_rwlock_wrlock(l);
}
typedef int (*fn_spin)(pthread_spinlock_t *);
int pthread_spin_lock(pthread_spinlock_t *l)
{
    CHECK("pthread_spin_lock");
    NEXT(fn_spin, pthread_spin_lock);
    return real_pthread_spin_lock(l);
}
typedef int (*fn_cwait)(pthread_cond_t *, pthread_mutex_t *);
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    CHECK("pthread_cond_wait");
    NEXT(fn_cwait, pthread_cond_wait);
    return real_pthread_cond_wait(c, m);
}
typedef int (*fn_ctwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
    CHECK("pthread_cond_timedwait");
    NEXT(fn_ctwait, pthread_cond_timedwait);
    return real_pthread_cond_timedwait(c, m, t);
}
typedef int (*fn_join)(pthread_t, void **);
int pthread_join(pthread_t t, void **r)
{
    CHECK("pthread_join");
    NEXT(fn_join, pthread_join);
    return real_pthread_join(t, r);
}
typedef int (*fn_semwait)(sem_t *);
int sem_wait(sem_t *s)
{
    CHECK("sem_wait");
    NEXT(fn_semwait, sem_wait);
    return real_sem_wait(s);
}
typedef int (*fn_semtwait)(sem_t *, const struct timespec *);
int sem_timedwait(sem_t *s, const struct timespec *t)
{
    CHECK("sem_timedwait");
    NEXT(fn_semtwait, sem_timedwait);
    return real_sem_timedwait(s, t);
}
typedef int (*fn_nanosleep)(const struct timespec *, struct timespec *);
int nanosleep(const struct timespec *a, struct timespec *b)
{
    CHECK("nanosleep");
    NEXT(fn_nanosleep, nanosleep);
    return real_nanosleep(a, b);
}
typedef int (*fn_cnanosleep)(clockid_t, int, const struct timespec *, struct timespec *);
int clock_nanosleep(clockid_t c, int f, const struct timespec *a, struct timespec *b)
{
    CHECK("clock_nanosleep");
    NEXT(fn_cnanosleep, clock_nanosleep);
    return real_clock_nanosleep(c, f, a, b);
}
typedef int (*fn_usleep)(useconds_t);
int usleep(useconds_t u)
{
    CHECK("usleep");
    NEXT(fn_usleep, usleep);
    return real_usleep(u);
}
typedef unsigned (*fn_sleep)(unsigned);
unsigned sleep(unsigned s)
{
    CHECK("sleep");
    NEXT(fn_sleep, sleep);
    return real_sleep(s);
}
typedef int (*fn_open)(const char *, int, ...);
int open(const char *path, int flags, ...)
{
    CHECK("open");
    NEXT(fn_open, open);
    va_list ap;
    va_start(ap, flags);
    int mode = (flags & O_CREAT) ? va_arg(ap, int) : 0;
    va_end(ap);
    return real_open(path, flags, mode);
}
typedef int (*fn_openat)(int, const char *, int, ...);
int openat(int dir, const char *path, int flags, ...)
{
    CHECK("openat");
    NEXT(fn_openat, openat);
    va_list ap;
    va_start(ap, flags);
    int mode = (flags & O_CREAT) ? va_arg(ap, int) : 0;
    va_end(ap);
    return real_openat(dir, path, flags, mode);
}
typedef ssize_t (*fn_read)(int, void *, size_t);
ssize_t read(int fd, void *buf, size_t n)
{
    CHECK("read");
    NEXT(fn_read, read);
    return real_read(fd, buf, n);
}
typedef ssize_t (*fn_write)(int, const void *, size_t);
ssize_t write(int fd, const void *buf, size_t n)
{
    CHECK("write");
    NEXT(fn_write, write);
    return real_write(fd, buf, n);
}
typedef int (*fn_close)(int);
int close(int fd)
{
    CHECK("close");
    NEXT(fn_close, close);
    return real_close(fd);
}
typedef FILE *(*fn_fopen)(const char *, const char *);
FILE *fopen(const char *path, const char *mode)
{
    CHECK("fopen");
    NEXT(fn_fopen, fopen);
    return real_fopen(path, mode);
}
typedef int (*fn_fclose)(FILE *);
int fclose(FILE *f)
{
    CHECK("fclose");
    NEXT(fn_fclose, fclose);
    return real_fclose(f);
}
typedef size_t (*fn_fio)(void *, size_t, size_t, FILE *);
size_t fread(void *p, size_t a, size_t b, FILE *f)
{
    CHECK("fread");
    NEXT(fn_fio, fread);
    return real_fread(p, a, b, f);
}
typedef size_t (*fn_fwrite)(const void *, size_t, size_t, FILE *);
size_t fwrite(const void *p, size_t a, size_t b, FILE *f)
{
    CHECK("fwrite");
    NEXT(fn_fwrite, fwrite);
    return real_fwrite(p, a, b, f);
}
typedef int (*fn_vfprintf)(FILE *, const char *, va_list);
int vfprintf(FILE *f, const char *fmt, va_list ap)
{
    CHECK("vfprintf");
    NEXT(fn_vfprintf, vfprintf);
    return real_vfprintf(f, fmt, ap);
}
int fprintf(FILE *f, const char *fmt, ...)
{
    CHECK("fprintf");
    va_list ap;
    va_start(ap, fmt);
    int r = vfprintf(f, fmt, ap);
    va_end(ap);
    return r;
}
int printf(const char *fmt, ...)
{
    CHECK("printf");
    va_list ap;
    va_start(ap, fmt);
    int r = vfprintf(stdout, fmt, ap);
    va_end(ap);
    return r;
}
typedef int (*fn_fputs)(const char *, FILE *);
int fputs(const char *s, FILE *f)
{
    CHECK("fputs");
    NEXT(fn_fputs, fputs);
    return real_fputs(s, f);
}
typedef int (*fn_puts)(const char *);
int puts(const char *s)
{
    CHECK("puts");
    NEXT(fn_puts, puts);
    return real_puts(s);
}
typedef int (*fn_fflush)(FILE *);
int fflush(FILE *f)
{
    CHECK("fflush");
    NEXT(fn_fflush, fflush);
    return real_fflush(f);
}
typedef void *(*fn_mmap)(void *, size_t, int, int, int, off_t);
void *mmap(void *a, size_t n, int prot, int flags, int fd, off_t off)
{
    CHECK("mmap");
    NEXT(fn_mmap, mmap);
    return real_mmap(a, n, prot, flags, fd, off);
}
typedef int (*fn_munmap)(void *, size_t);
int munmap(void *a, size_t n)
{
    CHECK("munmap");
    NEXT(fn_munmap, munmap);
    return real_munmap(a, n);
}
