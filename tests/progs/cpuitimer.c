// SPDX-License-Identifier: GPL-2.0
/*
 * cpuitimer DIR: ITIMER_PROF and ITIMER_VIRTUAL keep counting CPU time
 * after restart, with their intervals.  Arms both (first after 200 ms of
 * CPU time, then every 50 ms), spins (so CPU time passes) after writing
 * DIR/ready until DIR/go appears (the checkpoint happens between).  Then:
 * getitimer() shows both 50 ms intervals, and over one more second of CPU
 * time at least 5 more SIGPROF and 5 more SIGVTALRM arrive (none if the
 * timers were lost).  Prints "all checks passed" (exit 0), or exits 1.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/time.h>
#include "common.h"

static volatile sig_atomic_t prof, virt;

static void on_sig(int sig)
{
	if (sig == SIGPROF)
		prof++;
	else
		virt++;
}

static int fail(const char *what)
{
	fprintf(stderr, "cpuitimer: %s\n", what);
	return 1;
}

/* Burn @ns of this process's CPU time. */
static void spin(int64_t ns)
{
	int64_t end = clock_ns(CLOCK_PROCESS_CPUTIME_ID) + ns;
	volatile unsigned long x = 0;

	while (clock_ns(CLOCK_PROCESS_CPUTIME_ID) < end)
		for (int i = 0; i < 10000; i++)
			x += i;
}

int main(int argc, char **argv)
{
	const struct itimerval it = { { 0, 50000 }, { 0, 200000 } };
	struct itimerval now;
	char go[4096];
	int p0, v0;

	if (argc != 2)
		return 2;
	close_extra_fds();
	signal(SIGPROF, on_sig);
	signal(SIGVTALRM, on_sig);
	if (setitimer(ITIMER_PROF, &it, NULL) ||
	    setitimer(ITIMER_VIRTUAL, &it, NULL))
		return fail("setitimer");
	if (announce_ready(argv[1]))
		return fail("announce_ready");
	snprintf(go, sizeof(go), "%s/go", argv[1]);
	while (access(go, F_OK))
		spin(20 * 1000 * 1000);
	if (getitimer(ITIMER_PROF, &now) || now.it_interval.tv_sec ||
	    now.it_interval.tv_usec != 50000)
		return fail("ITIMER_PROF lost its interval");
	if (getitimer(ITIMER_VIRTUAL, &now) || now.it_interval.tv_sec ||
	    now.it_interval.tv_usec != 50000)
		return fail("ITIMER_VIRTUAL lost its interval");
	p0 = prof;
	v0 = virt;
	spin(1000 * 1000 * 1000);
	if (prof < p0 + 5)
		return fail("ITIMER_PROF does not fire any more");
	if (virt < v0 + 5)
		return fail("ITIMER_VIRTUAL does not fire any more");
	printf("cpuitimer: %d SIGPROF, %d SIGVTALRM in all; all checks passed\n",
	       (int)prof, (int)virt);
	return 0;
}
