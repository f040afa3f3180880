// SPDX-License-Identifier: GPL-2.0
/*
 * counter: the demo's subject.  Prints "tick N  pid P" every half second
 * (or every -i MS), with N counting up from 1.
 */
#include "common.h"

int main(int argc, char **argv)
{
	long long ms = 500;
	unsigned long long n = 0;

	close_extra_fds();
	if (argc == 3 && !strcmp(argv[1], "-i"))
		ms = parse_ll(argv[2]);
	else if (argc != 1)
		ms = -1;
	if (ms <= 0) {
		fprintf(stderr, "usage: counter [-i MS]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		printf("tick %llu  pid %d\n", ++n, getpid());
		nanosleep(&ts, NULL);
	}
}
