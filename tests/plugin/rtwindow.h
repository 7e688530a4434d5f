/*
 * rtwindow.h - the test host marks the audio thread's real-time window (around run() and
 * work_response()) with these; one of three checkers stands behind them, chosen at build time:
 *
 *   RT_CHECKER_RTSAN      clang-19's RealtimeSanitizer runtime (linked into the host);
 *   RT_CHECKER_INTERPOSE  rtcheck.c, an interposing allocator/lock/syscall checker;
 *   RT_CHECKER_NONE       nothing (sanitizer builds, where both would fight ASan over malloc).
 *
 * Any malloc, free, lock or blocking call inside the window aborts the test with a report.
 */
#ifndef RNNFX_TESTS_RTWINDOW_H
#define RNNFX_TESTS_RTWINDOW_H

void rt_enter(void);
void rt_exit(void);
void rt_pause(void); /* inside the window: a synchronous worker call is allowed what run() is not */
void rt_resume(void);
const char *rt_checker(void); /* "RealtimeSanitizer (clang-19)", "rtcheck (interposer)", "none" */

#endif
