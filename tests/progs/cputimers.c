// SPDX-License-Identifier: GPL-2.0
/*
 * cputimers DIR: POSIX timers on CPU-time and alarm clocks survive
 * restart, with their IDs, clocks and the CPU time they had left.
 *
 *  A: CLOCK_PROCESS_CPUTIME_ID, SIGRTMIN to the process, 1 s then every
 *     0.1 s of process CPU time;
 *  B: the CPU clock of a second thread (pthread_getcpuclockid), no
 *     signal, 30 s (the thread sleeps: it must not run down);
 *  C: CLOCK_THREAD_CPUTIME_ID of the main thread, no signal, 20 s;
 *  D: CLOCK_BOOTTIME_ALARM, no signal, 100 s (if the kernel has an RTC
 *     for alarm timers; else left out).
 * Burns 0.2 s of CPU, notes each timer's time left, writes DIR/ready and
 * waits for DIR/go.  Then: the same IDs give the same times left, less
 * only the CPU time their clocks ran meanwhile (B and C: never more than
 * noted, less by at most what their thread used before the freeze and
 * since restart made it, +- 20 ms; A within 0.3 s; D at most what it was
 * and within 60 s of it); burning 1 s of CPU runs C and A down but not B;
 * A fires at least
 * 3 times within 10 s of burning.  Prints "all checks passed" (exit 0),
 * or exits 1 naming the check.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include "common.h"

#define NS	1000000000LL

static volatile sig_atomic_t fired;
static sem_t stop;

static void on_rt(int sig)
{
	(void)sig;
	fired++;
}

static void die(const char *what)
{
	fprintf(stderr, "cputimers: %s (errno %d)\n", what, errno);
	exit(1);
}

/* Blocks without using CPU until told to stop. */
static void *sleeper(void *arg)
{
	(void)arg;
	while (sem_wait(&stop))
		;
	return NULL;
}

static void burn(clockid_t clk, int64_t ns)
{
	int64_t end = clock_ns(clk) + ns;

	while (clock_ns(clk) < end)
		;
}

static int64_t left(timer_t t)
{
	struct itimerspec its;

	if (timer_gettime(t, &its))
		die("timer_gettime");
	return its.it_value.tv_sec * NS + its.it_value.tv_nsec;
}

static timer_t make(clockid_t clk, int notify, int64_t ns, int64_t every)
{
	struct sigevent ev = { .sigev_notify = notify };
	struct itimerspec its = {
		{ every / NS, every % NS }, { ns / NS, ns % NS },
	};
	timer_t t;

	ev.sigev_signo = SIGRTMIN;
	ev.sigev_value.sival_int = 7;
	if (timer_create(clk, &ev, &t))
		return (timer_t)-1;
	if (timer_settime(t, 0, &its, NULL))
		die("timer_settime");
	return t;
}

/*
 * The main thread's CPU time at its last poll for DIR/go before the
 * freeze.  Restart makes the thread anew, its CPU clock counting from
 * then (from well under the 0.2 s burnt before the notes): a poll that
 * reads less than the last one is after the restart, and not noted.
 */
static int64_t cpu_last_poll;

static void wait_for_go_noting(const char *dir)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	int restored = 0;
	char path[4096];

	snprintf(path, sizeof(path), "%s/go", dir);
	for (;;) {
		int64_t now = clock_ns(CLOCK_THREAD_CPUTIME_ID);

		restored |= now < cpu_last_poll;
		if (!restored)
			cpu_last_poll = now;
		if (!access(path, F_OK))
			return;
		nanosleep(&tick, NULL);
	}
}

/*
 * A CPU-time timer after restart: @noted ns were left when noted; its
 * clock then ran at least @before until the freeze and at most @after
 * since it was armed again: never more left, never less than that.
 */
static void ran_down(int64_t got, int64_t noted, int64_t before,
		     int64_t after, const char *what)
{
	int64_t lo = noted - before - after - NS / 50, hi = noted - before + NS / 50;

	if (got < lo || got > hi) {
		fprintf(stderr, "cputimers: %s: %lld ns left, expected %lld .. %lld\n",
			what, (long long)got, (long long)lo, (long long)hi);
		exit(1);
	}
}

static void near(int64_t got, int64_t want, int64_t tol, const char *what)
{
	if (got < want - tol || got > want + tol) {
		fprintf(stderr, "cputimers: %s: %lld ns left, expected %lld +- %lld\n",
			what, (long long)got, (long long)want, (long long)tol);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	int64_t la, lb, lc, ld = 0, c_noted;
	timer_t a, b, c, d;
	clockid_t tclk;
	pthread_t th;
	int64_t t0;

	if (argc != 2)
		return 2;
	close_extra_fds();
	signal(SIGRTMIN, on_rt);
	if (sem_init(&stop, 0, 0))
		die("sem_init");
	if (pthread_create(&th, NULL, sleeper, NULL) ||
	    pthread_getcpuclockid(th, &tclk))
		die("second thread");
	a = make(CLOCK_PROCESS_CPUTIME_ID, SIGEV_SIGNAL, NS, NS / 10);
	b = make(tclk, SIGEV_NONE, 30 * NS, 0);
	c = make(CLOCK_THREAD_CPUTIME_ID, SIGEV_NONE, 20 * NS, 0);
	if (a == (timer_t)-1 || b == (timer_t)-1 || c == (timer_t)-1)
		die("timer_create on a CPU-time clock");
	d = make(CLOCK_BOOTTIME_ALARM, SIGEV_NONE, 100 * NS, 0);
	if (d == (timer_t)-1)
		fprintf(stderr, "cputimers: no alarm timer here (errno %d)\n",
			errno);
	burn(CLOCK_THREAD_CPUTIME_ID, NS / 5);
	la = left(a);
	lb = left(b);
	lc = left(c);
	c_noted = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	if (d != (timer_t)-1)
		ld = left(d);
	if (announce_ready(argv[1]))
		die("announce_ready");
	wait_for_go_noting(argv[1]);

	/*
	 * Restart made both threads anew: their CPU clocks now count from
	 * then, more than they ran since their timers were armed again.
	 * The second thread sleeps: what it ran before the freeze is not
	 * known here, and small (parking), within the 20 ms.
	 */
	near(left(a), la, 3 * NS / 10, "A (process CPU time) after restart");
	ran_down(left(b), lb, 0, clock_ns(tclk),
		 "B (second thread's CPU time) after restart");
	ran_down(left(c), lc, cpu_last_poll - c_noted,
		 clock_ns(CLOCK_THREAD_CPUTIME_ID),
		 "C (main thread's CPU time) after restart");
	if (d != (timer_t)-1 && (left(d) > ld || left(d) < ld - 60 * NS))
		die("D (CLOCK_BOOTTIME_ALARM) time left after restart");
	lb = left(b);
	lc = left(c);
	burn(CLOCK_THREAD_CPUTIME_ID, NS);
	near(left(b), lb, NS / 20, "B after the main thread burnt 1 s");
	near(left(c), lc - NS, NS / 5, "C after the main thread burnt 1 s");
	t0 = clock_ns(CLOCK_MONOTONIC);
	while (fired < 3 && clock_ns(CLOCK_MONOTONIC) - t0 < 10 * NS)
		burn(CLOCK_THREAD_CPUTIME_ID, NS / 50);
	if (fired < 3) {
		fprintf(stderr, "cputimers: A fired %d times\n", (int)fired);
		return 1;
	}
	sem_post(&stop);
	pthread_join(th, NULL);
	printf("cputimers: all checks passed (A fired %d times%s)\n",
	       (int)fired, d == (timer_t)-1 ? ", no alarm timer" : "");
	return 0;
}
