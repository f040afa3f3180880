// SPDX-License-Identifier: GPL-2.0
/*
 * pidfds DIR: pidfds (pidfd_open(2)) come back naming the same processes,
 * for a tree checkpoint (ckpt --tree) of this process P, its child A and
 * its zombie child Z.
 *
 * P holds: fd S, a pidfd of itself, O_NONBLOCK; fd A (and a dup of it),
 * of A; fd Z, of Z, which exited with status 7 and is not reaped; fd G, of
 * a child that exited and was reaped (a pidfd of a process gone).  A holds
 * a pidfd of P.  Writes DIR/ready ("pid= a= z= g= sfd= afd= dfd= zfd=
 * gfd="), waits for DIR/go, then checks, after a restore:
 *  - S: fdinfo's Pid is P's, O_NONBLOCK kept, signal 0 reaches P;
 *  - G: Pid -1, polls readable, pidfd_send_signal() ESRCH, waitid()
 *    ECHILD;
 *  - Z: Pid Z, polls readable, waitid(P_PIDFD) reaps Z with status 7;
 *  - A: Pid A, not readable while A lives; SIGUSR1 sent through it
 *    reaches A (from P, SI_USER), which then checks its pidfd of P (Pid,
 *    signal 0) and exits 0 if right; waitid(P_PIDFD) on the dup reaps A
 *    with status 0; then A's pidfd polls readable; the dup shares A's
 *    open file (F_SETFL through one shows in the other).
 *  - an epoll watching A's and Z's pidfds reports Z's alone ready.
 * Prints "all checks passed" and exits 0, or exits 1 with a reason.
 *
 * pidfds outside DIR: P holds a pidfd of its child A, which is not
 * checkpointed with it (ckpt refuses it; --skip=fds leaves it out), S and
 * G as above, and an epoll watching A's and S.  After a restore (with
 * --skip=fds): A's fd is closed, S and G as above, the epoll still
 * watches S but no longer A's fd (a new pidfd there can be added).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define PIDFD_NONBLOCK_FLAG	O_NONBLOCK

static const char *dir;

static void die(const char *what)
{
	fprintf(stderr, "pidfds: %s (%s)\n", what, strerror(errno));
	exit(1);
}

static int pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int pidfd_signal(int fd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
}

/* "Pid:" of /proc/self/fdinfo/@fd, or -2 if it has none. */
static long fdinfo_pid(int fd)
{
	char path[64], line[256];
	long pid = -2;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -2;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %ld", &pid) == 1)
			break;
	fclose(f);
	return pid;
}

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 0) < 0)
		die("poll");
	return !!(p.revents & POLLIN);
}

static void check_pid(int fd, long want, const char *what)
{
	long got = fdinfo_pid(fd);

	if (got != want) {
		fprintf(stderr, "pidfds: %s: fdinfo Pid %ld, expected %ld\n",
			what, got, want);
		exit(1);
	}
}

/* Child A: wait for SIGUSR1 from its parent, then check its pidfd of it. */
static void __attribute__((noreturn)) child_a(int ready_wr, int outside)
{
	pid_t ppid = getppid();
	siginfo_t si;
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = pidfd_open(ppid, 0);
	if (fd < 0)
		_exit(2);
	if (write(ready_wr, &fd, sizeof(fd)) != sizeof(fd))
		_exit(2);
	close(ready_wr);
	if (outside)
		for (;;)
			pause();
	do
		memset(&si, 0, sizeof(si));
	while (sigwaitinfo(&set, &si) < 0 && errno == EINTR);
	if (si.si_signo != SIGUSR1 || si.si_code != SI_USER ||
	    si.si_pid != ppid)
		_exit(3);
	if (fdinfo_pid(fd) != ppid || getppid() != ppid)
		_exit(4);
	if (pidfd_signal(fd, 0))
		_exit(5);
	_exit(0);
}

/* Fork A: its PID, and the number of its pidfd of us in *@afd_in_a. */
static pid_t fork_a(int outside, int *afd_in_a)
{
	int p[2];
	pid_t a;

	if (pipe(p))
		die("pipe");
	a = fork();
	if (a < 0)
		die("fork");
	if (!a) {
		close(p[0]);
		child_a(p[1], outside);
	}
	close(p[1]);
	if (read(p[0], afd_in_a, sizeof(*afd_in_a)) != sizeof(*afd_in_a))
		die("child A did not start");
	close(p[0]);
	return a;
}

/*
 * A child that exits with @status once we hold a pidfd of it: that pidfd,
 * the child ended (a zombie) on return.
 */
static int exiting_child(int status, pid_t *pid)
{
	int p[2], fd;
	siginfo_t si;
	char c;

	if (pipe(p))
		die("pipe");
	*pid = fork();
	if (*pid < 0)
		die("fork");
	if (!*pid) {
		close(p[1]);
		/* until our parent holds a pidfd of us */
		if (read(p[0], &c, 1) < 0)
			_exit(2);
		_exit(status);
	}
	close(p[0]);
	fd = pidfd_open(*pid, 0);
	if (fd < 0)
		die("pidfd_open of a child");
	close(p[1]);
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)*pid, &si, WEXITED | WNOWAIT))
		die("waitid WNOWAIT");
	return fd;
}

/* Our PID as /proc (fdinfo's namespace) sees it: not getpid() in another. */
static long proc_self_pid(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (n <= 0)
		die("readlink /proc/self");
	buf[n] = '\0';
	return atol(buf);
}

static void check_self(int sfd)
{
	check_pid(sfd, proc_self_pid(), "the pidfd of itself");
	if (!(fcntl(sfd, F_GETFL) & O_NONBLOCK))
		die("the pidfd of itself lost O_NONBLOCK");
	if (readable(sfd))
		die("the pidfd of itself polls readable");
	if (pidfd_signal(sfd, 0))
		die("signal 0 through the pidfd of itself");
}

static void check_gone(int gfd)
{
	siginfo_t si;

	check_pid(gfd, -1, "the pidfd of a process gone");
	if (!readable(gfd))
		die("the pidfd of a process gone does not poll readable");
	errno = 0;
	if (pidfd_signal(gfd, 0) != -1 || errno != ESRCH)
		die("signal 0 through the pidfd of a process gone: not ESRCH");
	errno = 0;
	if (waitid(P_PIDFD, (id_t)gfd, &si, WEXITED | WNOHANG) != -1 ||
	    errno != ECHILD)
		die("waitid on the pidfd of a process gone: not ECHILD");
}

static int epoll_add(int ep, int fd, unsigned long long data)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int run_outside(void)
{
	int afd, sfd, gfd, in_a, ep, nfd;
	pid_t a, g;
	char buf[256];

	a = fork_a(1, &in_a);
	afd = pidfd_open(a, 0);
	sfd = pidfd_open(getpid(), PIDFD_NONBLOCK_FLAG);
	gfd = exiting_child(0, &g);
	if (afd < 0 || sfd < 0)
		die("pidfd_open");
	if (waitpid(g, NULL, 0) != g)
		die("waitpid");
	check_self(sfd);
	check_gone(gfd);
	/* an epoll watching the pidfd left out, and one kept */
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_add(ep, afd, 1) || epoll_add(ep, sfd, 2))
		die("epoll");
	snprintf(buf, sizeof(buf), "pid=%d a=%d g=%d afd=%d sfd=%d gfd=%d ep=%d\n",
		 getpid(), a, g, afd, sfd, gfd, ep);
	if (announce_ready_text(dir, buf))
		die("write ready");
	wait_for_go(dir);
	errno = 0;
	if (fcntl(afd, F_GETFD) != -1 || errno != EBADF)
		die("the pidfd left out (--skip=fds) is open");
	check_self(sfd);
	check_gone(gfd);
	/* the epoll kept its item on S and lost the one on the fd left out */
	errno = 0;
	if (epoll_add(ep, sfd, 2) != -1 || errno != EEXIST)
		die("the epoll lost its item on the pidfd of itself");
	nfd = pidfd_open(getpid(), 0);
	if (nfd != afd)
		die("a new pidfd did not take the number left out");
	if (epoll_add(ep, nfd, 3))
		die("the epoll still has an item on the fd left out");
	printf("all checks passed\n");
	return 0;
}

static int run_tree(void)
{
	int afd, dfd, sfd, zfd, gfd, in_a, ep;
	struct epoll_event ev[4];
	pid_t a, z, g;
	siginfo_t si;
	char buf[256];

	a = fork_a(0, &in_a);
	afd = pidfd_open(a, 0);
	dfd = dup(afd);
	sfd = pidfd_open(getpid(), PIDFD_NONBLOCK_FLAG);
	zfd = exiting_child(7, &z);
	gfd = exiting_child(0, &g);
	if (waitpid(g, NULL, 0) != g)
		die("waitpid");
	if (afd < 0 || dfd < 0 || sfd < 0)
		die("pidfd_open");
	/* as it must be after restore too */
	check_pid(afd, a, "the pidfd of child A");
	check_pid(zfd, z, "the pidfd of zombie Z");
	check_self(sfd);
	check_gone(gfd);
	/* an epoll watching A's (not ready) and Z's (ready) pidfds */
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_add(ep, afd, 0xa) || epoll_add(ep, zfd, 0x5a))
		die("epoll");
	snprintf(buf, sizeof(buf),
		 "pid=%d a=%d z=%d g=%d sfd=%d afd=%d dfd=%d zfd=%d gfd=%d\n",
		 getpid(), a, z, g, sfd, afd, dfd, zfd, gfd);
	if (announce_ready_text(dir, buf))
		die("write ready");
	wait_for_go(dir);

	check_self(sfd);
	check_gone(gfd);
	if (epoll_wait(ep, ev, 4, 0) != 1 || ev[0].data.u64 != 0x5a)
		die("the epoll does not report Z's pidfd, and only it, ready");
	check_pid(zfd, z, "the pidfd of zombie Z");
	if (!readable(zfd))
		die("the pidfd of zombie Z does not poll readable");
	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, (id_t)zfd, &si, WEXITED))
		die("waitid on the pidfd of zombie Z");
	if (si.si_pid != z || si.si_code != CLD_EXITED || si.si_status != 7) {
		fprintf(stderr, "pidfds: zombie Z reaped as pid %d code %d status %d\n",
			si.si_pid, si.si_code, si.si_status);
		return 1;
	}
	check_pid(afd, a, "the pidfd of child A");
	check_pid(dfd, a, "the dup of the pidfd of child A");
	if (readable(afd))
		die("the pidfd of child A polls readable while A lives");
	if (fcntl(dfd, F_SETFL, O_NONBLOCK) ||
	    !(fcntl(afd, F_GETFL) & O_NONBLOCK))
		die("the dup of A's pidfd does not share its open file");
	if (pidfd_signal(afd, SIGUSR1))
		die("SIGUSR1 through the pidfd of child A");
	memset(&si, 0, sizeof(si));
	fcntl(dfd, F_SETFL, 0);
	if (waitid(P_PIDFD, (id_t)dfd, &si, WEXITED))
		die("waitid on the pidfd of child A");
	if (si.si_pid != a || si.si_code != CLD_EXITED || si.si_status) {
		fprintf(stderr, "pidfds: child A (its pidfd %d of us) ended as pid %d code %d status %d\n",
			in_a, si.si_pid, si.si_code, si.si_status);
		return 1;
	}
	if (!readable(afd))
		die("the pidfd of child A does not poll readable once A ended");
	printf("all checks passed\n");
	return 0;
}

int main(int argc, char **argv)
{
	int outside = argc > 2 && !strcmp(argv[1], "outside");

	if (argc < 2)
		return 2;
	dir = argv[argc - 1];
	close_extra_fds();
	setvbuf(stdout, NULL, _IONBF, 0);
	return outside ? run_outside() : run_tree();
}
