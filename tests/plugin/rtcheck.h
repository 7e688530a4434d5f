/* rtcheck.h - the interposing real-time checker (rtcheck.c): mark a thread's real-time window. */
#ifndef RNNFX_TESTS_RTCHECK_H
#define RNNFX_TESTS_RTCHECK_H

void rtcheck_enter(void); /* this thread is real-time from now on (nests) */
void rtcheck_exit(void);
void rtcheck_pause(void); /* allow, for a while, what the window forbids (a synchronous worker) */
void rtcheck_resume(void);
unsigned long rtcheck_violations(void);
int rtcheck_active(void);

#endif
