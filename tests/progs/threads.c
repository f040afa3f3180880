// SPDX-License-Identifier: GPL-2.0
/*
 * threads: a process with two threads, both sleeping, for the test that a
 * multi-threaded process is refused (checkpoint is single-threaded for now).
 *
 *   threads [SECONDS]	(default: for ever)
 */
#include <pthread.h>

#include "common.h"

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	long long secs = 0;
	pthread_t t;

	close_extra_fds();
	if (argc > 2 || (argc == 2 && (secs = parse_ll(argv[1])) < 0)) {
		fprintf(stderr, "usage: threads [SECONDS]\n");
		return 2;
	}
	if (pthread_create(&t, NULL, sleeper, NULL)) {
		fprintf(stderr, "threads: pthread_create failed\n");
		return 1;
	}
	if (secs) {
		sleep((unsigned)secs);
		return 0;
	}
	for (;;)
		pause();
}
