// SPDX-License-Identifier: GPL-2.0
/*
 * dupfds DIR: descriptors that share one open file must still share it
 * after restart (one offset, one set of status flags), and a separate open
 * of the same file must not.
 *
 *   fd A = open(DIR/f); fd 20 = dup2(A); fd 21 = dup3(A, O_CLOEXEC);
 *   fd C = open(DIR/f) again.  Write 4 bytes through A, then DIR/ready.
 *   When DIR/go appears: offsets must be 4 (A, 20, 21) and 0 (C); a write
 *   through 20 must move A; O_APPEND set through 21 must show on A, not on
 *   C; FD_CLOEXEC only on 21.  Exit 0, or 1 with the failed check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *dir;

static void die(const char *what)
{
	fprintf(stderr, "dupfds: %s\n", what);
	exit(1);
}

static char *in_dir(const char *name)
{
	static char buf[4][4096];
	static int n;
	char *p = buf[n++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static off_t pos(int fd)
{
	return lseek(fd, 0, SEEK_CUR);
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	int a, c;
	FILE *f;

	if (argc != 2)
		die("usage: dupfds DIR");
	dir = argv[1];
	a = open(in_dir("f"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	c = open(in_dir("f"), O_RDWR);
	if (a < 0 || c < 0 || dup2(a, 20) != 20 ||
	    dup3(a, 21, O_CLOEXEC) != 21)
		die("setup");
	if (write(a, "0123", 4) != 4)
		die("write");
	f = fopen(in_dir("ready.tmp"), "w");
	if (!f || fprintf(f, "pid=%d\n", getpid()) < 0 || fclose(f) ||
	    rename(in_dir("ready.tmp"), in_dir("ready")))
		die("ready file");
	while (access(in_dir("go"), F_OK))
		nanosleep(&tick, NULL);

	if (pos(a) != 4 || pos(20) != 4 || pos(21) != 4)
		die("shared offset is not 4 after restart");
	if (pos(c) != 0)
		die("separate open's offset is not 0 after restart");
	if (write(20, "X", 1) != 1 || pos(a) != 5 || pos(21) != 5)
		die("a write through fd 20 did not move fd A: not shared");
	if (pos(c) != 0)
		die("a write through fd 20 moved the separate open");
	if (fcntl(21, F_SETFL, O_APPEND) ||
	    !(fcntl(a, F_GETFL) & O_APPEND))
		die("O_APPEND set through fd 21 does not show on fd A");
	if (fcntl(c, F_GETFL) & O_APPEND)
		die("O_APPEND set through fd 21 shows on the separate open");
	if (!(fcntl(21, F_GETFD) & FD_CLOEXEC) ||
	    (fcntl(20, F_GETFD) & FD_CLOEXEC) ||
	    (fcntl(a, F_GETFD) & FD_CLOEXEC))
		die("FD_CLOEXEC is not exactly on fd 21");
	printf("dupfds: all checks passed\n");
	return 0;
}
