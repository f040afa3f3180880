// SPDX-License-Identifier: GPL-2.0
/*
 * ttyuser DIR: a terminal held open survives restart, reopened by path:
 * /dev/console opened O_RDWR|O_NONBLOCK as fd 5.  After DIR/go: fd 5 is
 * still a terminal, /dev/console, with O_RDWR|O_NONBLOCK, writable; and
 * the process has still no controlling terminal (the reopen must not
 * make it one).  Prints "all checks passed" (exit 0), or exits 1.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include "common.h"

static int fail(const char *what)
{
	fprintf(stderr, "ttyuser: %s\n", what);
	return 1;
}

int main(int argc, char **argv)
{
	static const char msg[] = "ttyuser: written through the restored fd\n";
	char link[256];
	ssize_t n;
	int fd, fl;

	if (argc != 2)
		return 2;
	close_extra_fds();
	fd = open("/dev/console", O_RDWR | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || dup2(fd, 5) != 5)
		return fail("cannot open /dev/console as fd 5");
	close(fd);
	if (tty_nr() != 0)
		return fail("a controlling terminal already");
	if (announce_ready(argv[1]))
		return fail("announce_ready");
	wait_for_go(argv[1]);
	if (!isatty(5))
		return fail("fd 5 is not a terminal any more");
	n = readlink("/proc/self/fd/5", link, sizeof(link) - 1);
	if (n < 0 || (link[n] = 0, strcmp(link, "/dev/console")))
		return fail("fd 5 is not /dev/console any more");
	fl = fcntl(5, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) != O_RDWR || !(fl & O_NONBLOCK))
		return fail("fd 5 lost its O_RDWR|O_NONBLOCK");
	if (write(5, msg, sizeof(msg) - 1) != (ssize_t)sizeof(msg) - 1)
		return fail("cannot write to fd 5");
	if (tty_nr() != 0)
		return fail("the restore gave it a controlling terminal");
	printf("ttyuser: all checks passed\n");
	return 0;
}
