// SPDX-License-Identifier: GPL-2.0
/*
 * mthreads DIR: a multi-threaded process survives restart.
 *
 * Three workers each count under a shared mutex and wait on a shared
 * condition variable with a timeout; each keeps a __thread value, its own
 * signal mask and its TID, and checks them on every round.  The main
 * thread writes DIR/ready, waits for DIR/go (checkpoint and restart
 * happen between), then checks that every worker goes on counting with
 * its TID, TLS and mask, that /proc/self/task lists the same TIDs, and
 * that pthread_join() returns for each (the kernel's clear_child_tid
 * wake-up).  Exit 0, or 1 naming the failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NW	3

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int stop, ready;
static long count[NW];
static pid_t tid[NW];
static volatile int bad[NW];
static __thread long mine;

static void die(const char *what)
{
	fprintf(stderr, "mthreads: %s\n", what);
	exit(1);
}

static void *worker(void *arg)
{
	long i = (long)arg;
	struct timespec ts;
	sigset_t set, cur;

	mine = 1000 * i + 7;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + (int)i);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	pthread_mutex_lock(&mu);
	tid[i] = gettid();
	ready++;
	pthread_cond_broadcast(&cv);
	while (!stop) {
		count[i]++;
		if (mine != 1000 * i + 7)
			bad[i] |= 1;
		if (gettid() != tid[i])
			bad[i] |= 2;
		pthread_sigmask(SIG_SETMASK, NULL, &cur);
		if (!sigismember(&cur, SIGRTMIN + (int)i) ||
		    sigismember(&cur, SIGRTMIN + (int)((i + 1) % NW)))
			bad[i] |= 4;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&cv, &mu, &ts);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

static int task_listed(pid_t t)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d", (int)t);
	return access(path, F_OK) == 0;
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	const struct timespec second = { 1, 0 };
	char path[4096], tmp[4096];
	pthread_t th[NW];
	long before[NW];
	long i;
	FILE *f;

	if (argc != 2)
		die("usage: mthreads DIR");
	for (i = 0; i < NW; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)i))
			die("pthread_create");
	pthread_mutex_lock(&mu);
	while (ready < NW)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);

	snprintf(tmp, sizeof(tmp), "%s/ready.tmp", argv[1]);
	snprintf(path, sizeof(path), "%s/ready", argv[1]);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "pid=%d tids=%d,%d,%d\n", getpid(), tid[0],
			  tid[1], tid[2]) < 0 || fclose(f) || rename(tmp, path))
		die("ready file");
	snprintf(path, sizeof(path), "%s/go", argv[1]);
	while (access(path, F_OK))
		nanosleep(&tick, NULL);

	pthread_mutex_lock(&mu);
	memcpy(before, count, sizeof(before));
	pthread_mutex_unlock(&mu);
	nanosleep(&second, NULL);
	pthread_mutex_lock(&mu);
	for (i = 0; i < NW; i++) {
		if (count[i] <= before[i])
			die("a worker stopped counting after restart");
		if (bad[i])
			die(bad[i] & 1 ? "a worker lost its TLS value" :
			    bad[i] & 2 ? "a worker's TID changed" :
			    "a worker lost its signal mask");
		if (!task_listed(tid[i]))
			die("a worker's TID is not in /proc/self/task");
	}
	stop = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (i = 0; i < NW; i++)
		if (pthread_join(th[i], NULL))
			die("pthread_join");
	printf("mthreads: all checks passed (%ld %ld %ld)\n", count[0],
	       count[1], count[2]);
	return 0;
}
