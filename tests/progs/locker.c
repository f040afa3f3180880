// SPDX-License-Identifier: GPL-2.0
/*
 * locker DIR: file locks that must survive restart.
 *
 *   DIR/a  flock(LOCK_EX)
 *   DIR/b  POSIX F_WRLCK on bytes 0-99, F_RDLCK from byte 200 to the end
 *   DIR/c  open file description lock (F_OFD_SETLK) F_WRLCK on bytes 10-19
 *   DIR/d  flock(LOCK_SH), through a descriptor dup'ed once
 *
 * A child (another process, its own open files) probes each: what
 * conflicts, with which PID, and what does not.  It must pass before
 * DIR/ready (so the probe sees the locks) and again after DIR/go.
 * Prints "all checks passed" (exit 0), or exits 1 naming the check.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include "common.h"

static const char *dir;

static void die(const char *what)
{
	fprintf(stderr, "locker: %s (errno %d)\n", what, errno);
	exit(1);
}

static int open_in(const char *name, int flags)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, flags | O_CREAT, 0644);
	if (fd < 0)
		die(path);
	return fd;
}

static void lock(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET,
			    .l_start = start, .l_len = len };

	if (fcntl(fd, cmd, &fl))
		die("fcntl lock");
}

/* What F_GETLK/F_OFD_GETLK says of @type on @start+@len. */
static void expect_lk(int fd, int cmd, short type, off_t start, off_t len,
		      short want, pid_t pid, const char *what)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET,
			    .l_start = start, .l_len = len };

	if (fcntl(fd, cmd, &fl))
		die("fcntl getlk");
	if (fl.l_type != want || (want != F_UNLCK && fl.l_pid != pid)) {
		fprintf(stderr, "locker: probe: %s: type %d pid %d, expected %d pid %d\n",
			what, fl.l_type, fl.l_pid, want, pid);
		exit(1);
	}
}

static void expect_flock(int fd, int op, int ok, const char *what)
{
	int ret = flock(fd, op | LOCK_NB);

	if (ok ? ret != 0 : ret == 0 || errno != EWOULDBLOCK) {
		fprintf(stderr, "locker: probe: %s: flock %s (errno %d)\n",
			what, ret ? "failed" : "succeeded", errno);
		exit(1);
	}
	if (!ret)
		flock(fd, LOCK_UN);
}

static void probe_child(pid_t owner)
{
	int a = open_in("a", O_RDWR), b = open_in("b", O_RDWR);
	int c = open_in("c", O_RDWR), d = open_in("d", O_RDWR);

	expect_flock(a, LOCK_SH, 0, "a: LOCK_SH against LOCK_EX");
	expect_lk(b, F_GETLK, F_RDLCK, 50, 10, F_WRLCK, owner,
		  "b: a read lock in 0-99");
	expect_lk(b, F_GETLK, F_WRLCK, 100, 100, F_UNLCK, 0,
		  "b: a write lock in 100-199");
	expect_lk(b, F_GETLK, F_RDLCK, 300, 0, F_UNLCK, 0,
		  "b: a read lock from 300");
	expect_lk(b, F_GETLK, F_WRLCK, 1 << 20, 1, F_RDLCK, owner,
		  "b: a write lock at 1 MiB");
	expect_lk(c, F_OFD_GETLK, F_RDLCK, 15, 1, F_WRLCK, -1,
		  "c: a read lock at 15");
	expect_lk(c, F_OFD_GETLK, F_WRLCK, 0, 10, F_UNLCK, 0,
		  "c: a write lock in 0-9");
	expect_flock(d, LOCK_SH, 1, "d: LOCK_SH with LOCK_SH");
	expect_flock(d, LOCK_EX, 0, "d: LOCK_EX against LOCK_SH");
	exit(0);
}

static void probe(void)
{
	pid_t me = getpid(), pid = fork();
	int st;

	if (pid < 0)
		die("fork");
	if (!pid)
		probe_child(me);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		exit(1);
}

int main(int argc, char **argv)
{
	int a, b, c, d, d2;

	if (argc < 2)
		return 2;
	dir = argv[1];
	close_extra_fds();
	a = open_in("a", O_RDWR);
	b = open_in("b", O_RDWR);
	c = open_in("c", O_RDWR);
	d = open_in("d", O_RDONLY);
	if (flock(a, LOCK_EX) || flock(d, LOCK_SH))
		die("flock");
	d2 = dup(d);
	if (d2 < 0)
		die("dup");
	lock(b, F_SETLK, F_WRLCK, 0, 100);
	lock(b, F_SETLK, F_RDLCK, 200, 0);
	lock(c, F_OFD_SETLK, F_WRLCK, 10, 10);
	probe();
	if (announce_ready(dir))
		die("announce_ready");
	wait_for_go(dir);
	probe();
	printf("locker: all checks passed\n");
	return 0;
}
