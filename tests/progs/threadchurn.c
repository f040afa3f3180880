// SPDX-License-Identifier: GPL-2.0
/*
 * threadchurn DIR: threads are born and die all the time while the
 * process is checkpointed.
 *
 * Two churner threads each create a short-lived thread, join it and
 * start again, for ever; every short-lived thread adds one to its
 * churner's count.  A checkpoint taken meanwhile finds threads that
 * appear or exit while it freezes the group and must try again, never
 * leaving a thread parked or the process stuck.  The main thread writes
 * DIR/ready ("pid=P") and, every 50 ms until DIR/go, "counts A B" on
 * stdout; after DIR/go both churners must go on
 * counting (after restart: the restored churners, with the same TIDs as
 * the image's).  Exit 0 and "all checks passed", or 1 naming the failure.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NC	2

static volatile unsigned long count[NC];
static pid_t churner_tid[NC];

static void die(const char *what)
{
	fprintf(stderr, "threadchurn: %s\n", what);
	exit(1);
}

static void *brief(void *arg)
{
	__atomic_add_fetch((unsigned long *)arg, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void *churner(void *arg)
{
	long k = (long)arg;

	churner_tid[k] = gettid();
	for (;;) {
		pthread_t t;

		if (pthread_create(&t, NULL, brief, (void *)&count[k]))
			die("pthread_create");
		if (pthread_join(t, NULL))
			die("pthread_join");
	}
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Both churners count on within @ms. */
static int counting(long ms)
{
	unsigned long before[NC];
	int k;

	for (k = 0; k < NC; k++)
		before[k] = count[k];
	for (; ms > 0; ms -= 10) {
		int all = 1;

		for (k = 0; k < NC; k++)
			all &= count[k] > before[k] + 10;
		if (all)
			return 1;
		sleep_ms(10);
	}
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096], tmp[4096];
	pid_t tids[NC];
	FILE *f;
	long k;

	if (argc != 2)
		die("usage: threadchurn DIR");
	for (k = 0; k < NC; k++) {
		pthread_t t;

		if (pthread_create(&t, NULL, churner, (void *)k))
			die("pthread_create churner");
	}
	if (!counting(10000))
		die("the churners do not count");
	for (k = 0; k < NC; k++)
		tids[k] = churner_tid[k];
	snprintf(tmp, sizeof(tmp), "%s/ready.tmp", argv[1]);
	snprintf(path, sizeof(path), "%s/ready", argv[1]);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "pid=%d\n", getpid()) < 0 || fclose(f) ||
	    rename(tmp, path))
		die("ready file");
	snprintf(path, sizeof(path), "%s/go", argv[1]);
	while (access(path, F_OK)) {
		printf("counts %lu %lu\n", count[0], count[1]);
		fflush(stdout);
		sleep_ms(50);
	}
	for (k = 0; k < NC; k++)
		if (churner_tid[k] != tids[k])
			die("a churner's TID changed");
	if (!counting(20000))
		die("the churners stopped counting");
	printf("threadchurn: %lu and %lu threads; all checks passed\n",
	       count[0], count[1]);
	return 0;
}
