/* clock.h - clocks for the speed figures of `info` and `bench`.
 *
 * rnnfx_cpu_now counts only the CPU time of the calling thread: on a shared machine a run that
 * gets preempted is not charged for the time others had the core (it still pays for what they did
 * to the caches). The engine runs on the calling thread, so this is its cost. */
#ifndef RNNFX_TOOLS_CLOCK_H
#define RNNFX_TOOLS_CLOCK_H

#include <time.h>

/* Wall-clock seconds (progress lines, ETAs). */
static inline double rnnfx_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds of this thread (speed measurements). */
static inline double rnnfx_cpu_now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return rnnfx_now();
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
