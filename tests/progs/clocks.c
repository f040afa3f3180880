// SPDX-License-Identifier: GPL-2.0
/*
 * clocks DIR: CLOCK_MONOTONIC and CLOCK_BOOTTIME never go backwards for a
 * restored process, even on another machine or boot.  Reads both before
 * the checkpoint (the ready/go handshake of common.h), and after: each
 * must be at least what it was.  Prints the jump and "all checks passed",
 * exit 0, or exits 1 with the clock that went back.
 */
#include "common.h"

int main(int argc, char **argv)
{
	static const struct {
		clockid_t id;
		const char *name;
	} clk[] = {
		{ CLOCK_MONOTONIC, "CLOCK_MONOTONIC" },
		{ CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW" },
		{ CLOCK_BOOTTIME, "CLOCK_BOOTTIME" },
	};
	int64_t before[3], after;
	int bad = 0;

	if (argc != 2)
		return 2;
	close_extra_fds();
	for (int i = 0; i < 3; i++)
		before[i] = clock_ns(clk[i].id);
	if (announce_ready(argv[1]))
		return 1;
	wait_for_go(argv[1]);
	for (int i = 0; i < 3; i++) {
		after = clock_ns(clk[i].id);
		printf("clocks: %s %+.3f s\n", clk[i].name,
		       (double)(after - before[i]) / 1e9);
		if (after < before[i]) {
			fprintf(stderr, "clocks: %s went back by %.3f s\n",
				clk[i].name, (double)(before[i] - after) / 1e9);
			bad = 1;
		}
	}
	if (bad)
		return 1;
	printf("clocks: all checks passed\n");
	return 0;
}
