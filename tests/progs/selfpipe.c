// SPDX-License-Identifier: GPL-2.0
/*
 * selfpipe DIR: anonymous pipes whose both ends the process holds come
 * back connected, with their unread bytes, capacity and flags.
 *
 * Pipe A: capacity raised to 128 KiB, 70000 patterned bytes left unread,
 * its read end also dup'ed to fd 30 and owned by the main thread
 * (F_SETOWN_EX F_OWNER_TID, no O_ASYNC).  Pipe B: O_NONBLOCK, empty, its
 * read end signal-driven (O_ASYNC) to the process (F_OWNER_PID) with
 * SIGUSR2 (F_SETSIG), blocked: a byte written makes it pending, with the
 * descriptor in its siginfo (sigtimedwait), once before the checkpoint.
 * Writes DIR/ready ("pid= afd= bfd="), waits for DIR/go, then checks: A's
 * capacity and exact bytes, nothing more in A, B still non-blocking and
 * empty, the owners, signal and O_ASYNC as set (fd 30 sharing A's), and
 * both pipes still connect their ends (B, and A through fd 30), a byte
 * written to B raising SIGUSR2 for B's read end again.  A FIFO (DIR/fifo,
 * open O_RDWR) is signal-driven too, with SIGUSR1, before and after (it
 * is reopened by path: O_ASYNC must start again).  A's write end is
 * O_ASYNC with SIGPWR, owned by the process named by the TID of a second
 * thread that set it (F_SETOWN from that thread): reading A raises
 * SIGPWR, POLL_OUT, for it, before and after.  Exit 0 or 1 with
 * a reason.  selfpipe refuse DIR: below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BYTES	70000

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

static void die(const char *what)
{
	fprintf(stderr, "selfpipe: %s (%s)\n", what, strerror(errno));
	exit(1);
}

static void file_in(const char *dir, const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

/* @fd's owner is @type @pid, its signal @sig, O_ASYNC @async. */
static void check_owner(int fd, int type, pid_t pid, int sig, int async)
{
	struct f_owner_ex o = { .pid = -1 };

	if (fcntl(fd, F_GETOWN_EX, &o) || (int)o.type != type || o.pid != pid)
		die("an owner (F_GETOWN_EX) not as set");
	if (fcntl(fd, F_GETSIG) != sig)
		die("a signal (F_GETSIG) not as set");
	if (!(fcntl(fd, F_GETFL) & O_ASYNC) != !async)
		die("O_ASYNC not as set");
}

/*
 * A byte written to @wfd: signal @sig pending for @fd, at once, POLL_IN
 * (a FIFO open for writing too also gets POLL_OUT once a byte is read:
 * one such may be pending, from before the checkpoint).
 */
static void expect_sigio(int wfd, int fd, int sig)
{
	const struct timespec wait = { 10, 0 };
	siginfo_t si;
	sigset_t set;
	int i;

	sigemptyset(&set);
	sigaddset(&set, sig);
	if (write(wfd, "x", 1) != 1)
		die("write a pipe or the FIFO");
	for (i = 0; i < 3; i++) {
		if (sigtimedwait(&set, &si, &wait) != sig)
			die("no signal for an O_ASYNC pipe or FIFO");
		if (si.si_fd != fd || si.si_code != POLL_OUT)
			break;
	}
	if (si.si_fd != fd || si.si_code != POLL_IN) {
		fprintf(stderr, "selfpipe: signal %d: si_fd %d si_code %d, expected fd %d, POLL_IN (%d)\n",
			sig, si.si_fd, si.si_code, fd, POLL_IN);
		exit(1);
	}
}

/* SIGPWR pending for pipe A's write end @fd: POLL_OUT, at once. */
static void expect_pollout(int fd)
{
	const struct timespec wait = { 10, 0 };
	siginfo_t si;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPWR);
	if (sigtimedwait(&set, &si, &wait) != SIGPWR)
		die("no SIGPWR for pipe A's O_ASYNC write end");
	if (si.si_fd != fd || si.si_code != POLL_OUT)
		die("SIGPWR for another descriptor (si_fd), or not POLL_OUT");
}

static int owner_fd;
static volatile pid_t owner_tid;

/* F_SETOWN from a second thread: its TID names the process. */
static void *owner_thread(void *arg)
{
	(void)arg;
	if (fcntl(owner_fd, F_SETOWN, gettid()))
		die("F_SETOWN from a thread");
	owner_tid = gettid();
	for (;;)
		pause();
	return NULL;
}

/*
 * selfpipe refuse DIR: a pipe whose read end's owner for SIGIO is our
 * parent, outside any checkpoint of us: DIR/ready, then DIR/go, exit 0.
 */
static int refuse_mode(const char *dir)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	char path[4096], tmp[4096];
	int p[2];
	FILE *f;

	if (pipe(p) || fcntl(p[0], F_SETOWN, getppid()))
		die("a pipe owned by the parent");
	file_in(dir, "ready.tmp", tmp, sizeof(tmp));
	file_in(dir, "ready", path, sizeof(path));
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "pid=%d owner=%d fd=%d\n", getpid(), getppid(),
			  p[0]) < 0 || fclose(f) || rename(tmp, path))
		die("ready file");
	file_in(dir, "go", path, sizeof(path));
	while (access(path, F_OK))
		nanosleep(&tick, NULL);
	if (fcntl(p[0], F_GETOWN) != getppid())
		die("the refused checkpoint changed the owner");
	printf("selfpipe: all checks passed\n");
	return 0;
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	static unsigned char buf[BYTES];
	char path[4096], tmp[4096];
	struct f_owner_ex own;
	sigset_t usr2;
	pthread_t th;
	int a[2], b[2], ff;
	size_t i, got;
	ssize_t n;
	char c;
	FILE *f;

	if (argc == 3 && !strcmp(argv[1], "refuse"))
		return refuse_mode(argv[2]);
	if (argc != 2)
		die("usage: selfpipe [refuse] DIR");
	if (pipe2(a, 0) || pipe2(b, O_NONBLOCK))
		die("pipe2");
	if (fcntl(a[1], F_SETPIPE_SZ, 131072) < 0 || dup2(a[0], 30) != 30)
		die("setup");
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigaddset(&usr2, SIGUSR1);
	sigaddset(&usr2, SIGPWR);
	own.type = F_OWNER_TID;
	own.pid = gettid();
	if (sigprocmask(SIG_BLOCK, &usr2, NULL) ||
	    fcntl(a[0], F_SETOWN_EX, &own) ||
	    fcntl(b[0], F_SETFL, O_NONBLOCK | O_ASYNC) ||
	    fcntl(b[0], F_SETSIG, SIGUSR2) || fcntl(b[0], F_SETOWN, getpid()))
		die("owners");
	check_owner(30, F_OWNER_TID, getpid(), 0, 0);
	check_owner(b[0], F_OWNER_PID, getpid(), SIGUSR2, 1);
	/*
	 * A's write end: O_ASYNC with SIGPWR, its owner the process, named
	 * by its second thread's TID (F_GETOWN_EX says 0 for such a name,
	 * but the signal comes): a byte read from A raises POLL_OUT.
	 */
	owner_fd = a[1];
	if (pthread_create(&th, NULL, owner_thread, NULL))
		die("pthread_create");
	while (!owner_tid)
		nanosleep(&tick, NULL);
	if (fcntl(a[1], F_SETSIG, SIGPWR) || fcntl(a[1], F_SETFL, O_ASYNC))
		die("pipe A's write end O_ASYNC");
	check_owner(a[1], F_OWNER_PID, 0, SIGPWR, 1);
	if (write(a[1], "q", 1) != 1 || read(a[0], &c, 1) != 1)
		die("a byte through pipe A");
	expect_pollout(a[1]);
	expect_sigio(b[1], b[0], SIGUSR2);
	if (read(b[0], &c, 1) != 1)
		die("read pipe B");
	/* The FIFO, reopened by path at restore: O_ASYNC, SIGUSR1. */
	file_in(argv[1], "fifo", path, sizeof(path));
	if (mkfifo(path, 0600))
		die("mkfifo");
	ff = open(path, O_RDWR | O_NONBLOCK);
	if (ff < 0 || fcntl(ff, F_SETFL, O_NONBLOCK | O_ASYNC) ||
	    fcntl(ff, F_SETSIG, SIGUSR1) || fcntl(ff, F_SETOWN, getpid()))
		die("the FIFO's owner");
	expect_sigio(ff, ff, SIGUSR1);
	if (read(ff, &c, 1) != 1)
		die("read the FIFO");
	/*
	 * The read raised POLL_OUT (the FIFO is open for writing too): not
	 * left pending, or a POLL_IN after restore would merge into it.
	 */
	{
		const struct timespec zero = { 0, 0 };
		sigset_t usr1;

		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		while (sigtimedwait(&usr1, NULL, &zero) == SIGUSR1)
			;
	}
	for (i = 0; i < BYTES; i++)
		buf[i] = pattern(i);
	if (write(a[1], buf, BYTES) != BYTES)
		die("fill");
	memset(buf, 0, sizeof(buf));

	file_in(argv[1], "ready.tmp", tmp, sizeof(tmp));
	file_in(argv[1], "ready", path, sizeof(path));
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "pid=%d afd=%d bfd=%d ffd=%d\n", getpid(), a[0],
			  b[0], ff) < 0 || fclose(f) ||
	    rename(tmp, path))
		die("ready file");
	file_in(argv[1], "go", path, sizeof(path));
	while (access(path, F_OK))
		nanosleep(&tick, NULL);

	if (fcntl(a[1], F_GETPIPE_SZ) != 131072)
		die("pipe A lost its capacity");
	for (got = 0; got < BYTES; got += n) {
		n = read(a[0], buf + got, BYTES - got);
		if (n <= 0)
			die("pipe A lost bytes");
	}
	expect_pollout(a[1]);	/* its owner, the thread's TID, came back */
	for (i = 0; i < BYTES; i++)
		if (buf[i] != pattern(i))
			die("pipe A's bytes differ");
	if (fcntl(a[0], F_SETFL, O_NONBLOCK) ||
	    read(a[0], &c, 1) != -1 || errno != EAGAIN)
		die("pipe A holds more than it did");
	if (!(fcntl(b[0], F_GETFL) & O_NONBLOCK) ||
	    read(b[0], &c, 1) != -1 || errno != EAGAIN)
		die("pipe B is not an empty non-blocking pipe");
	check_owner(a[0], F_OWNER_TID, getpid(), 0, 0);
	check_owner(30, F_OWNER_TID, getpid(), 0, 0);
	check_owner(a[1], F_OWNER_PID, 0, SIGPWR, 1);
	check_owner(b[0], F_OWNER_PID, getpid(), SIGUSR2, 1);
	check_owner(ff, F_OWNER_PID, getpid(), SIGUSR1, 1);
	expect_sigio(ff, ff, SIGUSR1);
	if (read(ff, &c, 1) != 1 || c != 'x')
		die("the FIFO lost its byte");
	expect_sigio(b[1], b[0], SIGUSR2);
	if (read(b[0], &c, 1) != 1 || c != 'x')
		die("pipe B's ends are not connected");
	if (write(a[1], "y", 1) != 1 || read(30, &c, 1) != 1 || c != 'y')
		die("fd 30 is not pipe A's read end");
	printf("selfpipe: all checks passed\n");
	return 0;
}
