// SPDX-License-Identifier: GPL-2.0
/*
 * poller DIR: a process checkpointed inside poll() resumes it after
 * restart with what was left of its timeout, not with EINTR.  Holds a pipe
 * (both ends), writes DIR/ready and polls its read end with a 4 s
 * timeout; nothing is ever written, so poll() must return 0 (timeout)
 * after at least 4 s of CLOCK_MONOTONIC (the restored clock never goes
 * back).  Prints "all checks passed" (exit 0), or exits 1 with what poll
 * returned.
 */
#include <poll.h>
#include "common.h"

int main(int argc, char **argv)
{
	struct pollfd pfd;
	int p[2], r, e;
	int64_t t0, ms;

	if (argc != 2)
		return 2;
	close_extra_fds();
	if (pipe(p))
		return 1;
	pfd.fd = p[0];
	pfd.events = POLLIN;
	if (announce_ready(argv[1]))
		return 1;
	t0 = clock_ns(CLOCK_MONOTONIC);
	r = poll(&pfd, 1, 4000);
	e = errno;
	ms = (clock_ns(CLOCK_MONOTONIC) - t0) / 1000000;
	if (r != 0) {
		fprintf(stderr, "poller: poll returned %d (%s) after %lld ms, expected a timeout\n",
			r, r < 0 ? strerror(e) : "ready", (long long)ms);
		return 1;
	}
	if (ms < 3900) {
		fprintf(stderr, "poller: poll timed out after %lld ms, before its 4 s\n",
			(long long)ms);
		return 1;
	}
	printf("poller: timed out after %lld ms; all checks passed\n",
	       (long long)ms);
	return 0;
}
