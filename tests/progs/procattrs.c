// SPDX-License-Identifier: GPL-2.0
/*
 * procattrs DIR: process attributes that must survive restart.
 *
 * Sets rlimits (NOFILE 100/200, CORE 4096/unlimited, CPU 3600/unlimited),
 * blocks SIGUSR1, SIGUSR2 and SIGRTMIN+1 and queues to itself SIGRTMIN+1
 * (value 7, then 8), SIGUSR1 (value 42) and SIGUSR2 (kill: SI_USER), and
 * notes /proc/self/exe; then writes DIR/ready and waits for DIR/go.  After
 * that, it checks the limits, the pending set, the exe link, then unblocks
 * and checks each handler ran with its siginfo, RT signals in order.
 * With PROCATTRS_LEAD=session it first leads a session of its own
 * (setsid), with PROCATTRS_LEAD=group a process group in its session
 * (setpgid; the session is restart's after restart), and checks after
 * restart that it still does.
 * Exit 0, or 1 naming the failed check.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static struct got {
	int sig, code, value;
	pid_t pid;
} got[8];
static volatile sig_atomic_t ngot;

static void die(const char *what)
{
	fprintf(stderr, "procattrs: %s\n", what);
	exit(1);
}

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (ngot < 8) {
		got[ngot].sig = sig;
		got[ngot].code = si->si_code;
		got[ngot].value = si->si_value.sival_int;
		got[ngot].pid = si->si_pid;
		ngot++;
	}
}

static void limit(int res, rlim_t cur, rlim_t max)
{
	struct rlimit rl = { cur, max };

	if (setrlimit(res, &rl))
		die("setrlimit");
}

static void check_limit(int res, rlim_t cur, rlim_t max, const char *name)
{
	struct rlimit rl;
	char msg[64];

	if (getrlimit(res, &rl) || rl.rlim_cur != cur || rl.rlim_max != max) {
		snprintf(msg, sizeof(msg), "RLIMIT_%s not restored", name);
		die(msg);
	}
}

static void file_in(const char *dir, const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	char exe[PATH_MAX], exe2[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
	struct sigaction sa = { .sa_sigaction = on_sig, .sa_flags = SA_SIGINFO };
	union sigval v;
	sigset_t set, pend;
	pid_t me = getpid();
	ssize_t n;
	FILE *f;

	const char *lead = getenv("PROCATTRS_LEAD");

	if (argc != 2)
		die("usage: procattrs DIR");
	if (lead && !strcmp(lead, "session") && setsid() != me)
		die("setsid");
	if (lead && !strcmp(lead, "group") && setpgid(0, 0))
		die("setpgid");
	limit(RLIMIT_NOFILE, 100, 200);
	limit(RLIMIT_CORE, 4096, RLIM_INFINITY);
	limit(RLIMIT_CPU, 3600, RLIM_INFINITY);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN + 1);
	/* Handlers do not nest: delivery order is the kernel's order. */
	sa.sa_mask = set;
	if (sigprocmask(SIG_BLOCK, &set, NULL) ||
	    sigaction(SIGUSR1, &sa, NULL) || sigaction(SIGUSR2, &sa, NULL) ||
	    sigaction(SIGRTMIN + 1, &sa, NULL))
		die("signal setup");
	v.sival_int = 7;
	sigqueue(me, SIGRTMIN + 1, v);
	v.sival_int = 8;
	sigqueue(me, SIGRTMIN + 1, v);
	v.sival_int = 42;
	sigqueue(me, SIGUSR1, v);
	kill(me, SIGUSR2);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		die("readlink");
	exe[n] = '\0';

	file_in(argv[1], "ready.tmp", tmp, sizeof(tmp));
	file_in(argv[1], "ready", path, sizeof(path));
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "pid=%d\n", me) < 0 || fclose(f) ||
	    rename(tmp, path))
		die("ready file");
	file_in(argv[1], "go", path, sizeof(path));
	while (access(path, F_OK))
		nanosleep(&tick, NULL);

	if (lead && getpgrp() != me)
		die("no longer leads its process group");
	if (lead && !strcmp(lead, "session") && getsid(0) != me)
		die("no longer leads its session");
	if (lead && !strcmp(lead, "group") && getsid(0) == me)
		die("leads a session it did not lead");
	check_limit(RLIMIT_NOFILE, 100, 200, "NOFILE");
	check_limit(RLIMIT_CORE, 4096, RLIM_INFINITY, "CORE");
	check_limit(RLIMIT_CPU, 3600, RLIM_INFINITY, "CPU");
	n = readlink("/proc/self/exe", exe2, sizeof(exe2) - 1);
	if (n <= 0)
		die("readlink after restart");
	exe2[n] = '\0';
	if (strcmp(exe, exe2))
		die("/proc/self/exe changed");
	if (sigpending(&pend) || !sigismember(&pend, SIGUSR1) ||
	    !sigismember(&pend, SIGUSR2) || !sigismember(&pend, SIGRTMIN + 1))
		die("pending signals lost");
	if (ngot)
		die("a blocked signal was delivered");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (getenv("PROCATTRS_DEBUG"))
		for (int i = 0; i < ngot; i++)
			fprintf(stderr, "got sig %d code %d value %d pid %d\n",
				got[i].sig, got[i].code, got[i].value,
				got[i].pid);
	if (ngot != 4)
		die("not exactly 4 signals delivered after unblocking");
	/* Standard signals first (lowest number first), then RT in order. */
	if (got[0].sig != SIGUSR1 || got[0].code != SI_QUEUE ||
	    got[0].value != 42 || got[0].pid != me)
		die("SIGUSR1 lost its siginfo");
	if (got[1].sig != SIGUSR2 || got[1].code != SI_USER ||
	    got[1].pid != me)
		die("SIGUSR2 lost its siginfo");
	if (got[2].sig != SIGRTMIN + 1 || got[2].value != 7 ||
	    got[3].sig != SIGRTMIN + 1 || got[3].value != 8 ||
	    got[2].code != SI_QUEUE)
		die("real-time signals lost their values or order");
	printf("procattrs: all checks passed\n");
	return 0;
}
