// SPDX-License-Identifier: GPL-2.0
/*
 * spin: a long-running process that does nothing but sleep, for the error
 * cases.
 *
 *   spin [SECONDS]
 *
 * Sleeps 100 ms at a time until SECONDS (default: for ever) have passed,
 * then exits 0.
 */
#include "common.h"

int main(int argc, char **argv)
{
	long long secs = -1;
	int64_t end;

	close_extra_fds();
	if (argc > 2 || (argc == 2 && (secs = parse_ll(argv[1])) < 0)) {
		fprintf(stderr, "usage: spin [SECONDS]\n");
		return 2;
	}
	end = clock_ns(CLOCK_MONOTONIC) + secs * 1000000000LL;
	while (secs < 0 || clock_ns(CLOCK_MONOTONIC) < end) {
		struct timespec ts = { 0, 100000000L };

		nanosleep(&ts, NULL);
	}
	return 0;
}
