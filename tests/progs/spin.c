// SPDX-License-Identifier: GPL-2.0
/*
 * spin: a long-running process that does nothing but sleep, for the error
 * cases.
 *
 *   spin [-p] [-k] [SECONDS]
 *
 * Sleeps 100 ms at a time until SECONDS (default: for ever) have passed,
 * then exits 0.  With -p it first blocks SIGUSR2 and queues one to itself,
 * so that its images carry a pending signal.  Descriptors above 2 it
 * inherits are closed, but with -k (kept, for the test's own files).
 */
#define _GNU_SOURCE
#include <signal.h>

#include "common.h"

static void usage(void)
{
	fprintf(stderr, "usage: spin [-p] [-k] [SECONDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long long secs = -1;
	int64_t end;
	int c, keep = 0;

	while ((c = getopt(argc, argv, "pk")) != -1) {
		sigset_t set;
		union sigval v = { .sival_int = 42 };

		if (c == 'k') {
			keep = 1;
			continue;
		}
		if (c != 'p')
			usage();
		sigemptyset(&set);
		sigaddset(&set, SIGUSR2);
		if (sigprocmask(SIG_BLOCK, &set, NULL) ||
		    sigqueue(getpid(), SIGUSR2, v)) {
			perror("spin: pending signal");
			return 1;
		}
	}
	if (!keep)
		close_extra_fds();
	if (argc - optind > 1 ||
	    (argc - optind == 1 && (secs = parse_ll(argv[optind])) < 0))
		usage();
	end = clock_ns(CLOCK_MONOTONIC) + secs * 1000000000LL;
	while (secs < 0 || clock_ns(CLOCK_MONOTONIC) < end) {
		struct timespec ts = { 0, 100000000L };

		nanosleep(&ts, NULL);
	}
	return 0;
}
