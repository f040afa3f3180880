// SPDX-License-Identifier: GPL-2.0
/*
 * forkrange: fork children and check the PIDs they get against a PID range
 * (tests of reserved PID ranges, and the fork+exit benchmark).
 *
 *   forkrange range LO HI N [AVOID...]
 *	fork N children one after the other (each exits at once); every
 *	PID must be in [LO,HI) and none may be one of the AVOID PIDs.
 *	Prints "forks=N min=A max=B wraps=W".
 *   forkrange exhaust LO HI
 *	fork children that stay alive until fork fails; the failure must be
 *	EAGAIN and every child in [LO,HI).  Prints "live=N errno=EAGAIN".
 *   forkrange bench N
 *	time N fork+exit+wait; prints "ns_per_fork=X".
 *   forkrange settid PID
 *	clone3 with set_tid = PID (no claim); prints "settid=ok" or
 *	"settid=ERRNO_NAME" and exits 0 either way.
 *   forkrange hold PID
 *	the same, but the child stays (pause()) until killed, holding PID;
 *	prints "held=PID" or "held=ERRNO_NAME" and exits 0 either way.
 *   forkrange tombstone PID [FLAGS [PENDING]]
 *	CKPT_IOC_PID_TOMBSTONE (with those input fields); prints
 *	"tombstone=ok pending=N" or "tombstone=ERRNO_NAME", exits 0.
 *
 * PIDs are as seen in the caller's PID namespace (fork's return value).
 * Exit 0 when every check passed, 1 otherwise (with one line on stderr).
 */
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/sched.h>
#include <linux/ckpt.h>
#include "common.h"

static int avoided(pid_t p, char **avoid, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (atoi(avoid[i]) == p)
			return 1;
	return 0;
}

static pid_t fork_exit(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	return p;
}

static int do_range(long lo, long hi, long n, char **avoid, int navoid)
{
	pid_t p, prev = 0, min = 0, max = 0;
	long i, wraps = 0;

	for (i = 0; i < n; i++) {
		p = fork_exit();
		if (p < 0) {
			fprintf(stderr, "forkrange: fork %ld failed: %s\n", i,
				strerror(errno));
			return 1;
		}
		if (waitpid(p, NULL, 0) != p) {
			fprintf(stderr, "forkrange: waitpid %d: %s\n", p,
				strerror(errno));
			return 1;
		}
		if (p < lo || p >= hi) {
			fprintf(stderr, "forkrange: fork %ld got PID %d, outside [%ld,%ld)\n",
				i, p, lo, hi);
			return 1;
		}
		if (avoided(p, avoid, navoid)) {
			fprintf(stderr, "forkrange: fork %ld got tombstoned PID %d\n",
				i, p);
			return 1;
		}
		if (!min || p < min)
			min = p;
		if (p > max)
			max = p;
		if (prev && p < prev)
			wraps++;
		prev = p;
	}
	printf("forks=%ld min=%d max=%d wraps=%ld\n", n, min, max, wraps);
	return 0;
}

static int do_exhaust(long lo, long hi)
{
	long live = 0, i, limit = hi - lo + 16;
	pid_t *kids = calloc(limit, sizeof(*kids));
	int err = 0, ret = 0;
	pid_t p;

	if (!kids)
		return 1;
	for (;;) {
		p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			err = errno;
			break;
		}
		kids[live++] = p;
		if (p < lo || p >= hi) {
			fprintf(stderr, "forkrange: child %ld got PID %d, outside [%ld,%ld)\n",
				live, p, lo, hi);
			ret = 1;
			break;
		}
		if (live >= limit) {
			fprintf(stderr, "forkrange: %ld children and fork still works: the range [%ld,%ld) does not hold\n",
				live, lo, hi);
			ret = 1;
			break;
		}
	}
	for (i = 0; i < live; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < live; i++)
		waitpid(kids[i], NULL, 0);
	if (!ret && err != EAGAIN) {
		fprintf(stderr, "forkrange: fork failed with %s, expected EAGAIN\n",
			strerror(err));
		ret = 1;
	}
	if (!ret)
		printf("live=%ld errno=EAGAIN\n", live);
	free(kids);
	return ret;
}

static int do_bench(long n)
{
	struct timespec a, b;
	long i;
	pid_t p;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		p = fork_exit();
		if (p < 0 || waitpid(p, NULL, 0) != p) {
			fprintf(stderr, "forkrange: fork: %s\n",
				strerror(errno));
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("ns_per_fork=%lld\n",
	       ((b.tv_sec - a.tv_sec) * 1000000000LL + b.tv_nsec - a.tv_nsec) /
	       n);
	return 0;
}

/* settid: the child exits at once; hold: it stays until killed. */
static int do_settid(pid_t pid, int hold)
{
	const char *what = hold ? "held" : "settid";
	struct clone_args a;
	long p;

	memset(&a, 0, sizeof(a));
	a.exit_signal = SIGCHLD;
	a.set_tid = (uintptr_t)&pid;
	a.set_tid_size = 1;
	fflush(stdout);
	p = syscall(SYS_clone3, &a, sizeof(a));
	if (p == 0) {
		while (hold)
			pause();
		_exit(0);
	}
	if (p < 0) {
		printf("%s=%s\n", what, errno == EEXIST ? "EEXIST" :
		       errno == EPERM ? "EPERM" : strerror(errno));
		return 0;
	}
	if (hold) {
		printf("held=%ld\n", p);
		return 0;
	}
	waitpid(p, NULL, 0);
	printf("settid=ok pid=%ld\n", p);
	return 0;
}

/* CKPT_IOC_PID_TOMBSTONE on @pid, with @flags and @pending as given. */
static int do_tombstone(pid_t pid, unsigned int flags, unsigned int pending)
{
	static const struct { int e; const char *n; } names[] = {
		{ EINVAL, "EINVAL" }, { ENXIO, "ENXIO" }, { ERANGE, "ERANGE" },
		{ EEXIST, "EEXIST" }, { ESRCH, "ESRCH" }, { EPERM, "EPERM" },
		{ EDEADLK, "EDEADLK" }, { ENOSPC, "ENOSPC" },
	};
	struct ckpt_pid_tombstone_args a;
	unsigned int i;
	int fd = open("/dev/ckpt", O_RDWR);

	if (fd < 0) {
		perror("/dev/ckpt");
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = flags;
	a.pid = pid;
	a.pending = pending;
	if (!ioctl(fd, CKPT_IOC_PID_TOMBSTONE, &a)) {
		printf("tombstone=ok pending=%u\n", a.pending);
		return 0;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == errno)
			break;
	printf("tombstone=%s\n", i < sizeof(names) / sizeof(names[0]) ?
	       names[i].n : strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "settid"))
		return do_settid(atoi(argv[2]), 0);
	if (argc == 3 && !strcmp(argv[1], "hold"))
		return do_settid(atoi(argv[2]), 1);
	if (argc >= 5 && !strcmp(argv[1], "range"))
		return do_range(atol(argv[2]), atol(argv[3]), atol(argv[4]),
				argv + 5, argc - 5);
	if (argc == 4 && !strcmp(argv[1], "exhaust"))
		return do_exhaust(atol(argv[2]), atol(argv[3]));
	if (argc >= 3 && argc <= 5 && !strcmp(argv[1], "tombstone"))
		return do_tombstone(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 0,
				    argc > 4 ? atoi(argv[4]) : 0);
	if (argc == 3 && !strcmp(argv[1], "bench"))
		return do_bench(atol(argv[2]));
	fprintf(stderr, "usage: forkrange range LO HI N [AVOID...] | exhaust LO HI | bench N | settid PID | hold PID | tombstone PID [FLAGS [PENDING]]\n");
	return 2;
}
