// SPDX-License-Identifier: GPL-2.0
/*
 * mttree DIR: a tree of multi-threaded processes with POSIX timers, for
 * 'ckpt --tree'.
 *
 * The root R makes itself a session leader and forks A and B.  R runs 2
 * worker threads, A runs 3, B none.  In each process the workers bump a
 * shared counter and their own under one pthread mutex (the total must
 * always be the sum), and check their TID, a __thread value and their own
 * signal mask on every round.
 *
 * POSIX timers, with IDs that are not simply 0, 1, 2 (a deleted one in
 * between):
 *   R: timer 0, SIGEV_NONE, one-shot 1000 s; timer 1 deleted; timer 2,
 *      SIGEV_SIGNAL SIGUSR1 every 20 ms with sigev_value 0x5eed.
 *   A: timer 0 deleted; timer 1, SIGEV_THREAD_ID SIGUSR2 every 15 ms to
 *      its worker 0, with sigev_value 0xa11.
 *   B: timer 0, SIGEV_SIGNAL SIGUSR1 every 25 ms with sigev_value 0xb0b.
 * The handlers count the signals and check si_timerid, si_value and, for
 * A, that the thread running them is worker 0.
 *
 * Each process writes DIR/ready.NAME ("pid= ppid= tids=a,b,c"), R also
 * DIR/ready once all are up, then each waits for DIR/go (checkpoint and
 * restart happen between).  Then each checks: its PID and (but R) its
 * parent; every worker goes on counting, with the same TID (also in
 * /proc/self/task), TLS and mask; the mutex still protects the shared state; its timers
 * have their IDs, intervals and time left (R's timer 0: between 900 and
 * 1000 s; the deleted IDs are still unknown); the timer signals go on
 * coming, to the right thread.  A and B exit 0 if all is right; R waits
 * for them, checks their status, prints "all checks passed" and exits 0.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <sys/wait.h>
#include "common.h"

#define MAXW	3

static const char *dir;
static const char *name = "R";
static int nw;
static pid_t my_pid, my_ppid;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long total, count[MAXW];
static int stop, started;
static pid_t tid[MAXW];
static volatile int bad[MAXW];
static __thread long mine;

static atomic_long sigs;
static atomic_int sigbad;
static int want_timerid = -1;
static long want_value;
static pid_t want_tid;		/* A: the worker its timer signals */

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "mttree %s: ", name);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_code != SI_TIMER || si->si_timerid != want_timerid ||
	    si->si_value.sival_ptr != (void *)want_value)
		atomic_fetch_or(&sigbad, 1);
	if (want_tid && gettid() != want_tid)
		atomic_fetch_or(&sigbad, 2);
	atomic_fetch_add(&sigs, 1);
}

static void *worker(void *arg)
{
	long i = (long)arg;
	const struct timespec pause = { 0, 3 * 1000 * 1000 };
	sigset_t set, cur;
	long sum;
	int j;

	mine = 1000 * i + 7 + my_pid;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + (int)i);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	pthread_mutex_lock(&mu);
	tid[i] = gettid();
	started++;
	pthread_mutex_unlock(&mu);
	for (;;) {
		pthread_mutex_lock(&mu);
		if (stop)
			break;
		count[i]++;
		total++;
		for (sum = 0, j = 0; j < nw; j++)
			sum += count[j];
		if (sum != total)
			bad[i] |= 8;
		if (mine != 1000 * i + 7 + my_pid)
			bad[i] |= 1;
		if (gettid() != tid[i])
			bad[i] |= 2;
		pthread_sigmask(SIG_SETMASK, NULL, &cur);
		if (!sigismember(&cur, SIGRTMIN + (int)i) ||
		    sigismember(&cur, SIGRTMIN + (int)((i + 1) % MAXW)))
			bad[i] |= 4;
		pthread_mutex_unlock(&mu);
		nanosleep(&pause, NULL);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

static timer_t make_timer(clockid_t clk, int notify, int sig, long value,
			  pid_t to)
{
	struct sigevent sev;
	timer_t t;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = notify;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_ptr = (void *)value;
	sev._sigev_un._tid = to;
	if (timer_create(clk, &sev, &t))
		die("timer_create: %s", strerror(errno));
	return t;
}

static void arm(timer_t t, long value_ms, long interval_ms)
{
	struct itimerspec its = {
		.it_value = { value_ms / 1000, (value_ms % 1000) * 1000000 },
		.it_interval = { interval_ms / 1000,
				 (interval_ms % 1000) * 1000000 },
	};

	if (timer_settime(t, 0, &its, NULL))
		die("timer_settime: %s", strerror(errno));
}

static void handle(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	if (sigaction(sig, &sa, NULL))
		die("sigaction");
}

/* This process's timers, as the header says. */
static void setup_timers(void)
{
	timer_t t0, t1;

	if (!strcmp(name, "R")) {
		handle(SIGUSR1);
		t0 = make_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 0);
		t1 = make_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 0);
		want_value = 0x5eed;
		want_timerid = (int)(long)make_timer(CLOCK_MONOTONIC,
						     SIGEV_SIGNAL, SIGUSR1,
						     want_value, 0);
		timer_delete(t1);
		arm(t0, 1000 * 1000, 0);
		arm((timer_t)(long)want_timerid, 20, 20);
	} else if (!strcmp(name, "A")) {
		handle(SIGUSR2);
		t0 = make_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 0);
		want_value = 0xa11;
		want_tid = tid[0];
		want_timerid = (int)(long)make_timer(CLOCK_MONOTONIC,
						     SIGEV_THREAD_ID, SIGUSR2,
						     want_value, want_tid);
		timer_delete(t0);
		arm((timer_t)(long)want_timerid, 15, 15);
	} else {
		handle(SIGUSR1);
		want_value = 0xb0b;
		want_timerid = (int)(long)make_timer(CLOCK_REALTIME,
						     SIGEV_SIGNAL, SIGUSR1,
						     want_value, 0);
		arm((timer_t)(long)want_timerid, 25, 25);
	}
}

static void check_timers(void)
{
	struct itimerspec its;
	long ms;

	if (timer_gettime((timer_t)(long)want_timerid, &its))
		die("timer %d is gone: %s", want_timerid, strerror(errno));
	ms = its.it_interval.tv_sec * 1000 + its.it_interval.tv_nsec / 1000000;
	if (ms != (!strcmp(name, "R") ? 20 : !strcmp(name, "A") ? 15 : 25))
		die("timer %d has interval %ld ms", want_timerid, ms);
	if (!strcmp(name, "R")) {
		if (timer_gettime((timer_t)0L, &its))
			die("timer 0 is gone: %s", strerror(errno));
		if (its.it_value.tv_sec < 900 || its.it_value.tv_sec >= 1000 ||
		    its.it_interval.tv_sec || its.it_interval.tv_nsec)
			die("timer 0 has %ld s left, interval %ld s",
			    (long)its.it_value.tv_sec,
			    (long)its.it_interval.tv_sec);
		if (!timer_gettime((timer_t)1L, &its) || errno != EINVAL)
			die("deleted timer 1 exists");
	}
	if (!strcmp(name, "A") &&
	    (!timer_gettime((timer_t)0L, &its) || errno != EINVAL))
		die("deleted timer 0 exists");
}

static void write_ready(const char *file)
{
	char path[4096], tmp[4096], tids[64] = "";
	FILE *f;
	int i, off = 0;

	for (i = 0; i < nw; i++)
		off += snprintf(tids + off, sizeof(tids) - off, "%s%d",
				i ? "," : "", (int)tid[i]);
	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, file);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "pid=%d ppid=%d tids=%s timer=%d\n", my_pid,
			  my_ppid, tids, want_timerid) < 0 ||
	    fclose(f) || rename(tmp, path))
		die("cannot write %s", path);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

static pthread_t th[MAXW];

/* Threads, timers, then DIR/ready.NAME. */
static void setup(void)
{
	char file[32];
	long i;
	int up;

	my_pid = getpid();
	my_ppid = getppid();
	for (i = 0; i < nw; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)i))
			die("pthread_create");
	do {
		sleep_ms(5);
		pthread_mutex_lock(&mu);
		up = started;
		pthread_mutex_unlock(&mu);
	} while (up < nw);
	setup_timers();
	snprintf(file, sizeof(file), "ready.%s", name);
	write_ready(file);
}

/* After DIR/go: everything as it was, and still moving. */
static void check(void)
{
	long before[MAXW], s0, s1, i;
	char path[4096];

	/* R's parent is restart(1) now; the others' is R */
	if (getpid() != my_pid || (strcmp(name, "R") && getppid() != my_ppid))
		die("pid %d ppid %d, was %d %d", getpid(), getppid(), my_pid,
		    my_ppid);
	check_timers();
	pthread_mutex_lock(&mu);
	memcpy(before, count, sizeof(before));
	pthread_mutex_unlock(&mu);
	s0 = atomic_load(&sigs);
	sleep_ms(1000);
	s1 = atomic_load(&sigs);
	for (i = 0; i < nw; i++) {
		snprintf(path, sizeof(path), "/proc/self/task/%d", tid[i]);
		if (access(path, F_OK))
			die("thread %d is not in /proc/self/task", tid[i]);
	}
	pthread_mutex_lock(&mu);
	stop = 1;
	for (i = 0; i < nw; i++)
		if (count[i] <= before[i])
			die("worker %ld (tid %d) stopped counting", i, tid[i]);
	pthread_mutex_unlock(&mu);
	for (i = 0; i < nw; i++) {
		if (pthread_join(th[i], NULL))
			die("pthread_join %ld", i);
		if (bad[i])
			die("worker %ld (tid %d) saw bad state %#x", i, tid[i],
			    bad[i]);
	}
	if (s1 - s0 < 10)
		die("only %ld timer signals in 1 s after restart", s1 - s0);
	if (atomic_load(&sigbad))
		die("timer signals with bad siginfo or thread (%#x)",
		    atomic_load(&sigbad));
}

static pid_t spawn(const char *n, int workers)
{
	pid_t p = fork();

	if (p < 0)
		die("fork: %s", strerror(errno));
	if (!p) {
		name = n;
		nw = workers;
		setup();
		wait_for_go(dir);
		check();
		exit(0);
	}
	return p;
}

static int exists(const char *file)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return !access(path, F_OK);
}

static void reap(pid_t p, const char *n)
{
	int st;

	if (waitpid(p, &st, 0) != p)
		die("waitpid %s: %s", n, strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		die("process %s (%d) ended with status %#x", n, (int)p, st);
}

int main(int argc, char **argv)
{
	pid_t a, b;

	if (argc != 2)
		die("usage: mttree DIR");
	dir = argv[1];
	close_extra_fds();
	if (setsid() < 0)
		die("setsid: %s", strerror(errno));
	a = spawn("A", 3);
	b = spawn("B", 0);
	nw = 2;
	setup();
	while (!exists("ready.A") || !exists("ready.B"))
		sleep_ms(10);
	write_ready("ready");
	wait_for_go(dir);
	check();
	reap(a, "A");
	reap(b, "B");
	printf("all checks passed\n");
	return 0;
}
