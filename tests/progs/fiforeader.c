// SPDX-License-Identifier: GPL-2.0
/*
 * fiforeader: blocks in read() on a named pipe, to check that a process
 * restored while blocked in read() goes on reading the same pipe.
 *
 *   fiforeader FIFO OUTFILE QUITLINE
 *
 * Opens FIFO read-only (the test holds a writer open, so neither the open
 * nor the restored process's reopen blocks), writes "ready pid=P" to
 * OUTFILE, then for each line read writes "got: LINE".  Exits 0 after the
 * line QUITLINE; 3 on end of file; 4 if read() fails (EINTR included: the
 * restore must resume the read transparently).
 */
#define _GNU_SOURCE
#include <fcntl.h>

#include "common.h"

int main(int argc, char **argv)
{
	static char buf[4096];
	size_t have = 0;
	int fd, out;

	close_extra_fds();
	if (argc != 4) {
		fprintf(stderr, "usage: fiforeader FIFO OUTFILE QUITLINE\n");
		return 2;
	}
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (out < 0) {
		perror(argv[2]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	dprintf(out, "ready pid=%d\n", getpid());

	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		char *nl;

		if (n < 0) {
			dprintf(out, "read error: %s\n", strerror(errno));
			fprintf(stderr, "fiforeader: read: %s\n", strerror(errno));
			return 4;
		}
		if (n == 0) {
			dprintf(out, "eof\n");
			fprintf(stderr, "fiforeader: unexpected end of file\n");
			return 3;
		}
		have += (size_t)n;
		buf[have] = 0;
		while ((nl = strchr(buf, '\n'))) {
			*nl = 0;
			dprintf(out, "got: %s\n", buf);
			if (!strcmp(buf, argv[3])) {
				dprintf(out, "quit pid=%d\n", getpid());
				return 0;
			}
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have + 1);
		}
		if (have == sizeof(buf) - 1) {
			fprintf(stderr, "fiforeader: line too long\n");
			return 5;
		}
	}
}
