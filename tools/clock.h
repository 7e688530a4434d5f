/* clock.h - a monotonic clock in seconds, for the speed figures of `info` and `bench`. */
#ifndef RNNFX_TOOLS_CLOCK_H
#define RNNFX_TOOLS_CLOCK_H

#include <time.h>

static inline double rnnfx_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
