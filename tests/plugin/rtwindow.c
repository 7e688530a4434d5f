/* rtwindow.c - see rtwindow.h. Built once per checker, with -DRT_CHECKER=<n>. */
#include "rtwindow.h"

#define RT_CHECKER_NONE 0
#define RT_CHECKER_INTERPOSE 1
#define RT_CHECKER_RTSAN 2

#if RT_CHECKER == RT_CHECKER_RTSAN
/* The runtime's C interface (LLVM 19 names; Debian's clang-19 has no -fsanitize=realtime
 * driver flag, so the host links libclang_rt.rtsan directly and declares these itself). */
void __rtsan_realtime_enter(void);
void __rtsan_realtime_exit(void);
void __rtsan_off(void);
void __rtsan_on(void);
void rt_enter(void) { __rtsan_realtime_enter(); }
void rt_exit(void) { __rtsan_realtime_exit(); }
void rt_pause(void) { __rtsan_off(); }
void rt_resume(void) { __rtsan_on(); }
const char *rt_checker(void) { return "RealtimeSanitizer (clang-19 runtime)"; }
#elif RT_CHECKER == RT_CHECKER_INTERPOSE
#include "rtcheck.h"
void rt_enter(void) { rtcheck_enter(); }
void rt_exit(void) { rtcheck_exit(); }
void rt_pause(void) { rtcheck_pause(); }
void rt_resume(void) { rtcheck_resume(); }
const char *rt_checker(void) { return "rtcheck (interposed malloc/free/locks/sleeps/file I/O)"; }
#else
void rt_enter(void) {}
void rt_exit(void) {}
void rt_pause(void) {}
void rt_resume(void) {}
const char *rt_checker(void) { return RNNFX_SANITIZED ? "none (sanitizer build)" : "none (plain build, for valgrind)"; }
#endif
