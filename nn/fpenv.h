/* fpenv.h - flush denormals to zero for the span of a run, then restore the caller's setting.
 * Denormals appear when a recurrent state decays towards zero and can cost 100x per operation;
 * flushing also makes the result independent of the caller's FP mode. [RT] */
#ifndef RNNFX_NN_FPENV_H
#define RNNFX_NN_FPENV_H

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
typedef unsigned int nn_fpenv;
static inline nn_fpenv nn_fpenv_enter(void)
{
    unsigned int old = _mm_getcsr();
    _mm_setcsr(old | 0x8040u); /* FTZ (bit 15) | DAZ (bit 6) */
    return old;
}
static inline void nn_fpenv_leave(nn_fpenv old) { _mm_setcsr(old); }
#elif defined(__aarch64__)
#include <stdint.h>
typedef uint64_t nn_fpenv;
static inline nn_fpenv nn_fpenv_enter(void)
{
    uint64_t old;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(old));
    __asm__ __volatile__("msr fpcr, %0" ::"r"(old | (1ull << 24))); /* FZ */
    return old;
}
static inline void nn_fpenv_leave(nn_fpenv old) { __asm__ __volatile__("msr fpcr, %0" ::"r"(old)); }
#elif defined(__arm__) && defined(__ARM_FP)
/* 32-bit ARM with a VFP unit (armhf): FPSCR's FZ bit is the same bit 24. NEON always flushes;
 * this makes the scalar VFP code (the dense layers' tails, the trainer) do the same. */
#include <stdint.h>
typedef uint32_t nn_fpenv;
static inline nn_fpenv nn_fpenv_enter(void)
{
    uint32_t old;
    __asm__ __volatile__("vmrs %0, fpscr" : "=r"(old));
    __asm__ __volatile__("vmsr fpscr, %0" ::"r"(old | (1u << 24))); /* FZ */
    return old;
}
static inline void nn_fpenv_leave(nn_fpenv old) { __asm__ __volatile__("vmsr fpscr, %0" ::"r"(old)); }
#else
typedef int nn_fpenv;
static inline nn_fpenv nn_fpenv_enter(void) { return 0; }
static inline void nn_fpenv_leave(nn_fpenv old) { (void)old; }
#endif

#endif
