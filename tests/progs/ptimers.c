// SPDX-License-Identifier: GPL-2.0
/*
 * ptimers DIR: POSIX timers survive checkpoint and restart with their IDs,
 * clocks, notification, values and intervals.
 *
 *   id 0  CLOCK_MONOTONIC, SIGRTMIN to the process, value 0xa, every 200 ms
 *   id 1  created and deleted: must not exist after restart
 *   id 2  CLOCK_REALTIME, SIGEV_NONE, one-shot in 1000 s
 *   id 3  CLOCK_BOOTTIME, SIGRTMIN+1 to the process, one-shot in 30 s
 *   id 4  CLOCK_MONOTONIC, SIGRTMIN, never armed
 *   id 5  CLOCK_MONOTONIC, SIGRTMIN+2 to the second thread only
 *         (SIGEV_THREAD_ID), value 0xf, every 300 ms
 *
 * After DIR/go: each timer's setting as timer_gettime() sees it, the time
 * left within what passed since the checkpoint, and ids 0 and 5 still
 * firing, with their si_value and si_timerid, id 5 in its thread.  Prints
 * "all checks passed" (exit 0), or exits 1 with the first difference.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include "common.h"

static atomic_int fired0, fired5, bad;
static pid_t thread_tid;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGRTMIN && si->si_code == SI_TIMER &&
	    si->si_value.sival_int == 0xa && si->si_timerid == 0)
		fired0++;
	else if (sig == SIGRTMIN + 2 && si->si_code == SI_TIMER &&
		 si->si_value.sival_int == 0xf && si->si_timerid == 5 &&
		 syscall(SYS_gettid) == thread_tid)
		fired5++;
	else if (sig != SIGRTMIN + 1)
		bad++;
}

static void *thread_main(void *arg)
{
	(void)arg;
	thread_tid = syscall(SYS_gettid);
	for (;;)
		pause();
	return NULL;
}

static int fail(const char *what)
{
	fprintf(stderr, "ptimers: %s\n", what);
	return 1;
}

static timer_t make(clockid_t clk, int notify, int sig, int value, pid_t tid)
{
	struct sigevent sev;
	timer_t t;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = notify;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_int = value;
	sev._sigev_un._tid = tid;
	if (timer_create(clk, &sev, &t)) {
		perror("timer_create");
		exit(1);
	}
	return t;
}

static void arm(timer_t t, int64_t first_ms, int64_t every_ms)
{
	struct itimerspec its = {
		.it_value = { first_ms / 1000, first_ms % 1000 * 1000000 },
		.it_interval = { every_ms / 1000, every_ms % 1000 * 1000000 },
	};

	if (timer_settime(t, 0, &its, NULL)) {
		perror("timer_settime");
		exit(1);
	}
}

static int64_t left_ms(timer_t t, int64_t *every_ms)
{
	struct itimerspec its;

	if (timer_gettime(t, &its))
		return -1;
	*every_ms = its.it_interval.tv_sec * 1000 +
		    its.it_interval.tv_nsec / 1000000;
	return its.it_value.tv_sec * 1000 + its.it_value.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	timer_t t[6];
	pthread_t th;
	sigset_t s;
	int64_t every, l2, l3, t0, passed;
	int i, f0, f5;

	if (argc != 2)
		return 2;
	close_extra_fds();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	for (i = 0; i < 3; i++)
		sigaction(SIGRTMIN + i, &sa, NULL);
	pthread_create(&th, NULL, thread_main, NULL);
	while (!thread_tid)
		usleep(1000);
	/* The main thread never takes id 5's signal: only its thread may. */
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN + 2);
	pthread_sigmask(SIG_BLOCK, &s, NULL);

	t[0] = make(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN, 0xa, 0);
	t[1] = make(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN, 0xb, 0);
	t[2] = make(CLOCK_REALTIME, SIGEV_NONE, 0, 0, 0);
	t[3] = make(CLOCK_BOOTTIME, SIGEV_SIGNAL, SIGRTMIN + 1, 0xd, 0);
	t[4] = make(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN, 0xe, 0);
	t[5] = make(CLOCK_MONOTONIC, SIGEV_THREAD_ID, SIGRTMIN + 2, 0xf,
		    thread_tid);
	for (i = 0; i < 6; i++)
		if ((intptr_t)t[i] != i)
			return fail("timer IDs are not 0..5 to start with");
	timer_delete(t[1]);
	arm(t[0], 200, 200);
	arm(t[2], 1000000, 0);
	arm(t[3], 30000, 0);
	arm(t[5], 300, 300);
	t0 = clock_ns(CLOCK_MONOTONIC);
	if (announce_ready(argv[1]))
		return fail("announce_ready");
	wait_for_go(argv[1]);
	/* The restored clock is at least where it was: an upper bound. */
	passed = (clock_ns(CLOCK_MONOTONIC) - t0) / 1000000;

	if (left_ms(t[1], &every) != -1 || errno != EINVAL)
		return fail("timer 1 exists again");
	if (left_ms(t[0], &every) > 200 || every != 200)
		return fail("timer 0 lost its setting");
	l2 = left_ms(t[2], &every);
	if (l2 > 1000000 || l2 < 1000000 - passed - 2000 || every)
		return fail("timer 2 does not have its time left");
	l3 = left_ms(t[3], &every);
	if (l3 > 30000 || l3 < 30000 - passed - 2000 || every) {
		if (passed < 28000)
			return fail("timer 3 does not have its time left");
	}
	if (left_ms(t[4], &every) != 0 || every)
		return fail("timer 4 is armed");
	if (left_ms(t[5], &every) > 300 || every != 300)
		return fail("timer 5 lost its setting");
	f0 = fired0;
	f5 = fired5;
	for (i = 0; i < 100 && (fired0 < f0 + 3 || fired5 < f5 + 3); i++)
		usleep(50000);
	if (fired0 < f0 + 3)
		return fail("timer 0 does not fire every 200 ms any more");
	if (fired5 < f5 + 3)
		return fail("timer 5 does not signal its thread any more");
	if (bad)
		return fail("a signal came with the wrong siginfo or thread");
	printf("ptimers: %lld ms between ready and go; all checks passed\n",
	       (long long)passed);
	return 0;
}
