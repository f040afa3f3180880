// SPDX-License-Identifier: GPL-2.0
/*
 * itimer DIR: an armed ITIMER_REAL keeps firing after restart, with its
 * interval.  Arms 1 s then every 0.4 s, with a SIGALRM handler counting;
 * writes DIR/ready and waits for DIR/go (the checkpoint happens between).
 * Then: getitimer() shows the 0.4 s interval, and within 2.5 s at least 4
 * more SIGALRMs arrive (none at all if the timer was lost).  Exit 0 or 1.
 *
 * itimer -p DIR: holds a POSIX timer on another process's CPU-time clock
 * instead (its parent's: clock_getcpuclockid(getppid())), writes
 * DIR/ready and sleeps: a checkpoint must refuse it (it would watch
 * whatever process has that PID after restart).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

static volatile sig_atomic_t ticks;

static void on_alrm(int sig)
{
	(void)sig;
	ticks++;
}

static void die(const char *what)
{
	fprintf(stderr, "itimer: %s (%s)\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	struct itimerval it = { { 0, 400000 }, { 1, 0 } };
	struct timespec wait;
	sig_atomic_t before;

	if (argc == 3 && !strcmp(argv[1], "-p")) {
		struct sigevent ev = { .sigev_notify = SIGEV_NONE };
		clockid_t clk;
		timer_t id;

		if (clock_getcpuclockid(getppid(), &clk) ||
		    timer_create(clk, &ev, &id))
			die("timer_create");
		argv++;
		argc--;
		it.it_value.tv_sec = 0;
		it.it_interval.tv_usec = 0;
	}
	if (argc != 2)
		die("usage: itimer [-p] DIR");
	signal(SIGALRM, on_alrm);
	if (setitimer(ITIMER_REAL, &it, NULL))
		die("setitimer");
	if (announce_ready(argv[1]))
		die("ready file");
	wait_for_go(argv[1]);

	if (getitimer(ITIMER_REAL, &it) || it.it_interval.tv_sec != 0 ||
	    it.it_interval.tv_usec != 400000)
		die("ITIMER_REAL lost its interval");
	before = ticks;
	wait.tv_sec = 2;
	wait.tv_nsec = 500 * 1000 * 1000;
	while (nanosleep(&wait, &wait) && errno == EINTR)
		;
	if (ticks - before < 4) {
		fprintf(stderr, "itimer: %d SIGALRM in 2.5 s after restart\n",
			(int)(ticks - before));
		return 1;
	}
	printf("itimer: all checks passed (%d ticks)\n", (int)(ticks - before));
	return 0;
}
