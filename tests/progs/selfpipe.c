// SPDX-License-Identifier: GPL-2.0
/*
 * selfpipe DIR: anonymous pipes whose both ends the process holds come
 * back connected, with their unread bytes, capacity and flags.
 *
 * Pipe A: capacity raised to 128 KiB, 70000 patterned bytes left unread,
 * its read end also dup'ed to fd 30.  Pipe B: O_NONBLOCK, empty.  Writes
 * DIR/ready, waits for DIR/go, then checks: A's capacity and exact bytes,
 * nothing more in A, B still non-blocking and empty, and both pipes still
 * connect their ends (B, and A through fd 30).  Exit 0 or 1 with a reason.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	static unsigned char buf[BYTES];
	char path[4096], tmp[4096];
	int a[2], b[2];
	size_t i, got;
	ssize_t n;
	char c;
	FILE *f;

	if (argc != 2)
		die("usage: selfpipe DIR");
	if (pipe2(a, 0) || pipe2(b, O_NONBLOCK))
		die("pipe2");
	if (fcntl(a[1], F_SETPIPE_SZ, 131072) < 0 || dup2(a[0], 30) != 30)
		die("setup");
	for (i = 0; i < BYTES; i++)
		buf[i] = pattern(i);
	if (write(a[1], buf, BYTES) != BYTES)
		die("fill");
	memset(buf, 0, sizeof(buf));

	file_in(argv[1], "ready.tmp", tmp, sizeof(tmp));
	file_in(argv[1], "ready", path, sizeof(path));
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "pid=%d\n", getpid()) < 0 || fclose(f) ||
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
	for (i = 0; i < BYTES; i++)
		if (buf[i] != pattern(i))
			die("pipe A's bytes differ");
	if (fcntl(a[0], F_SETFL, O_NONBLOCK) ||
	    read(a[0], &c, 1) != -1 || errno != EAGAIN)
		die("pipe A holds more than it did");
	if (!(fcntl(b[0], F_GETFL) & O_NONBLOCK) ||
	    read(b[0], &c, 1) != -1 || errno != EAGAIN)
		die("pipe B is not an empty non-blocking pipe");
	if (write(b[1], "x", 1) != 1 || read(b[0], &c, 1) != 1 || c != 'x')
		die("pipe B's ends are not connected");
	if (write(a[1], "y", 1) != 1 || read(30, &c, 1) != 1 || c != 'y')
		die("fd 30 is not pipe A's read end");
	printf("selfpipe: all checks passed\n");
	return 0;
}
