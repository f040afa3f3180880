// SPDX-License-Identifier: GPL-2.0
/*
 * xmig: the migrated workload of the Xen harness (static, no files).
 *
 *	xmig count MS   keep 4 MiB of patterned memory and a counter; every
 *	                MS ms check all of the memory, count one up and show
 *	                the count in the task name: "xc N" ("xc BAD N" and
 *	                exit 1 if the memory changed)
 *	xmig hold TEXT  set the task name to "xh TEXT" and sleep: a note
 *	                carried to the other domain by migrating it
 *	xmig forks LO HI N AVOID
 *	                fork (and reap) N children: every PID must be in
 *	                [LO,HI) and none AVOID; prints "forks N lo L hi H"
 *	                (the lowest and highest PID seen), exits 1 if not
 *
 * Its only descriptors are /dev/null, so it restores on another domain.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORDS	(4u << 20) / sizeof(uint64_t)

static uint64_t pattern(uint64_t i, uint64_t gen)
{
	return (i * 0x9e3779b97f4a7c15ULL) ^ (gen << 32) ^ 0x5a5a;
}

static int forks(long lo, long hi, long n, long avoid)
{
	long i, min = hi, max = lo;
	pid_t p;

	for (i = 0; i < n; i++) {
		p = fork();
		if (p == 0)
			_exit(0);
		if (p < 0 || waitpid(p, NULL, 0) != p) {
			printf("fork %ld failed\n", i);
			return 1;
		}
		if (p < lo || p >= hi || p == avoid) {
			printf("fork %ld got PID %d (range [%ld,%ld), not %ld)\n",
			       i, p, lo, hi, avoid);
			return 1;
		}
		min = p < min ? p : min;
		max = p > max ? p : max;
	}
	printf("forks %ld lo %ld hi %ld\n", n, min, max);
	return 0;
}

int main(int argc, char **argv)
{
	char name[16];
	uint64_t *mem, n = 0, i;
	long ms;

	if (argc == 3 && !strcmp(argv[1], "hold")) {
		snprintf(name, sizeof(name), "xh %s", argv[2]);
		prctl(PR_SET_NAME, name);
		for (;;)
			pause();
	}
	if (argc == 6 && !strcmp(argv[1], "forks"))
		return forks(atol(argv[2]), atol(argv[3]), atol(argv[4]),
			     atol(argv[5]));
	if (argc != 3 || strcmp(argv[1], "count") || (ms = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: xmig count MS | xmig hold TEXT | xmig forks LO HI N AVOID\n");
		return 2;
	}
	mem = malloc(WORDS * sizeof(*mem));
	if (!mem)
		return 1;
	for (i = 0; i < WORDS; i++)
		mem[i] = pattern(i, 0);
	for (;;) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		/* the memory must hold generation n's pattern... */
		for (i = 0; i < WORDS; i++) {
			if (mem[i] != pattern(i, n)) {
				snprintf(name, sizeof(name), "xc BAD %llu",
					 (unsigned long long)n);
				prctl(PR_SET_NAME, name);
				return 1;
			}
		}
		/* ...then becomes generation n + 1's */
		n++;
		for (i = 0; i < WORDS; i++)
			mem[i] = pattern(i, n);
		snprintf(name, sizeof(name), "xc %llu", (unsigned long long)n);
		prctl(PR_SET_NAME, name);
		nanosleep(&ts, NULL);
	}
}
