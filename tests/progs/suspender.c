// SPDX-License-Identifier: GPL-2.0
/*
 * suspender DIR: a process waiting in sigsuspend() keeps its real signal
 * mask.  SIGUSR1 is blocked; the process waits in sigsuspend() with an
 * empty mask (so SIGUSR1 wakes it) after writing DIR/ready.  After the
 * wake-up its mask must block SIGUSR1 again, as before sigsuspend().
 * Exit 0, or 1 with a reason.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	(void)sig;
	got = 1;
}

int main(int argc, char **argv)
{
	char path[4096], tmp[4096];
	sigset_t block, empty, now;
	FILE *f;

	if (argc != 2)
		return 2;
	signal(SIGUSR1, on_usr1);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);
	snprintf(tmp, sizeof(tmp), "%s/ready.tmp", argv[1]);
	snprintf(path, sizeof(path), "%s/ready", argv[1]);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "pid=%d\n", getpid()) < 0 || fclose(f) ||
	    rename(tmp, path))
		return 1;
	while (!got)
		sigsuspend(&empty);
	sigprocmask(SIG_SETMASK, NULL, &now);
	if (!sigismember(&now, SIGUSR1)) {
		fprintf(stderr, "suspender: SIGUSR1 no longer blocked after sigsuspend\n");
		return 1;
	}
	printf("suspender: all checks passed\n");
	return 0;
}
