// SPDX-License-Identifier: GPL-2.0
/*
 * counter: the demo's subject.  Prints "tick N  pid P" every half second
 * (or every -i MS), with N counting up from 1.  With -b MS it waits by
 * spinning on the clock instead of sleeping, always running: a copy of
 * it prints its next tick the moment it runs at all.
 */
#include "common.h"

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	long long ms = 500;
	unsigned long long n = 0;
	int busy = 0;

	close_extra_fds();
	if (argc == 3 && (!strcmp(argv[1], "-i") || !strcmp(argv[1], "-b"))) {
		ms = parse_ll(argv[2]);
		busy = argv[1][1] == 'b';
	} else if (argc != 1) {
		ms = -1;
	}
	if (ms <= 0) {
		fprintf(stderr, "usage: counter [-i MS | -b MS]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		int64_t next;

		printf("tick %llu  pid %d\n", ++n, getpid());
		if (!busy) {
			nanosleep(&ts, NULL);
			continue;
		}
		next = mono_ms() + ms;
		while (mono_ms() < next)
			;
	}
}
