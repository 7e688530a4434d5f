/* test_fpenv.c - nn_fpenv_enter (nn/fpenv.h) flushes denormals to zero on every CPU the engine
 * has a way to do it for (x86-64: MXCSR FTZ/DAZ; AArch64: FPCR.FZ; 32-bit ARM: FPSCR.FZ), and
 * nn_fpenv_leave gives the caller its own mode back. */
#include "check.h"
#include "fpenv.h"

#include <float.h>
#include <stdio.h>

/* volatile: computed at run time, in the mode of the moment, not folded by the compiler */
static volatile float tiny = FLT_MIN, half = 0.5f;

int main(void)
{
#if !defined(__SSE__) && !defined(__x86_64__) && !defined(__aarch64__) && !(defined(__arm__) && defined(__ARM_FP))
    check_skip("nn/fpenv.h has no way to flush denormals on this CPU");
#endif
    float before = tiny * half; /* FLT_MIN / 2: a denormal in the default (IEEE) mode */
    CHECK(before > 0, "the default mode already flushes: %g", (double)before);
    nn_fpenv old = nn_fpenv_enter();
    float inside = tiny * half;
    nn_fpenv_leave(old);
    float after = tiny * half;
    CHECK(inside == 0, "not flushed inside nn_fpenv_enter/leave: %g", (double)inside);
    CHECK(after == before, "the caller's mode not restored: %g, was %g", (double)after, (double)before);
    printf("FLT_MIN / 2 = %g outside, %g inside\n", (double)before, (double)inside);
    return check_exit();
}
