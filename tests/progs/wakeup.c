// SPDX-License-Identifier: GPL-2.0
/*
 * wakeup DIR MODE: a process checkpointed while blocked in a system call
 * reacts to a signal after restart as the original would have.
 *
 *   pause:   pause() with a SIGUSR1 handler; the signal must end pause()
 *            with EINTR (not run the handler and sleep again).
 *   eintr:   read() of DIR/fifo with a handler without SA_RESTART; the
 *            signal must end read() with EINTR.
 *   restart: the same with SA_RESTART; the signal runs the handler, read()
 *            goes on waiting and returns the line written to the FIFO later.
 *
 * Writes DIR/ready once blocked-to-be, prints "all checks passed" and
 * exits 0, or exits 1 with a reason.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include "common.h"

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	(void)sig;
	got++;
}

static int fail(const char *what)
{
	fprintf(stderr, "wakeup: %s\n", what);
	return 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	char path[4096], buf[64];
	ssize_t n;
	int fd = -1, r, e;

	if (argc != 3)
		return 2;
	close_extra_fds();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = strcmp(argv[2], "restart") ? 0 : SA_RESTART;
	if (sigaction(SIGUSR1, &sa, NULL))
		return fail("sigaction");
	if (strcmp(argv[2], "pause")) {
		snprintf(path, sizeof(path), "%s/fifo", argv[1]);
		if (mkfifo(path, 0600) && errno != EEXIST)
			return fail("mkfifo");
		fd = open(path, O_RDWR);
		if (fd < 0)
			return fail("open fifo");
	}
	if (announce_ready(argv[1]))
		return fail("announce_ready");
	if (fd < 0) {
		r = pause();
		e = errno;
		if (r != -1 || e != EINTR)
			return fail("pause() did not end with EINTR");
		if (got != 1)
			return fail("the handler did not run exactly once");
	} else {
		memset(buf, 0, sizeof(buf));
		n = read(fd, buf, sizeof(buf) - 1);
		e = errno;
		if (!strcmp(argv[2], "eintr")) {
			if (n != -1 || e != EINTR)
				return fail("read() did not end with EINTR");
		} else if (n != 6 || strcmp(buf, "hello\n")) {
			return fail("read() did not return the line written");
		}
		if (got != 1)
			return fail("the handler did not run exactly once");
	}
	printf("wakeup: %s: all checks passed\n", argv[2]);
	return 0;
}
