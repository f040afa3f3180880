// SPDX-License-Identifier: GPL-2.0
/*
 * schedattrs DIR [user]: scheduling attributes that must survive restart.
 *
 * As root, five threads, each setting its own:
 *   main  SCHED_BATCH, nice 5, SCHED_RESET_ON_FORK, CPU 1, I/O be/6
 *   1     SCHED_IDLE, nice 3, CPU 0, I/O idle
 *   2     SCHED_FIFO 7, nice -2, every CPU, I/O rt/2
 *   3     SCHED_RR 3, CPU 1, no I/O priority of its own
 *   4     SCHED_OTHER, nice -4, CPU 0, I/O be/0
 *   5     SCHED_DEADLINE 1 ms every 10 ms, every CPU
 * With "user": only the main thread, nice -5 (set as root), then it
 * becomes uid/gid 1000, who may not lower a nice value: a restore by uid
 * 1000 must be refused.
 * Each thread records what the kernel reports (sched_getattr(2),
 * sched_getaffinity(2), ioprio_get(2), gettid()); then DIR/ready, wait for
 * DIR/go, and each thread reads it all again and compares.  Prints "all
 * checks passed" (exit 0), or exits 1 naming the thread and the field.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include "common.h"

#define NT		6
#define MS		1000000ULL
#define RESET_ON_FORK	0x01	/* SCHED_FLAG_RESET_ON_FORK */
#define IOPRIO(c, l)	((c) << 13 | (l))
#define IO_RT		1
#define IO_BE		2
#define IO_IDLE		3

struct attr {			/* struct sched_attr, VER0 */
	uint32_t size;
	uint32_t policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

struct spec {
	int policy, prio, nice, flags, cpus, ioprio;	/* cpus: bit n = CPU n */
	uint64_t runtime, period;			/* SCHED_DEADLINE */
};

static const struct spec specs[NT] = {
	{ SCHED_BATCH, 0, 5, RESET_ON_FORK, 2, IOPRIO(IO_BE, 6), 0, 0 },
	{ SCHED_IDLE, 0, 3, 0, 1, IOPRIO(IO_IDLE, 0), 0, 0 },
	{ SCHED_FIFO, 7, -2, 0, 3, IOPRIO(IO_RT, 2), 0, 0 },
	{ SCHED_RR, 3, 0, 0, 2, -1, 0, 0 },
	{ SCHED_OTHER, 0, -4, 0, 1, IOPRIO(IO_BE, 0), 0, 0 },
	{ SCHED_DEADLINE, 0, 0, 0, 3, -1, 1 * MS, 10 * MS },
};

/* "user": the main thread only, nice -5 */
static const struct spec user_spec = { SCHED_OTHER, 0, -5, 0, 3, -1, 0, 0 };
static const struct spec *want = specs;

struct state {
	pid_t tid;
	struct attr a;
	cpu_set_t cpus;
	int ioprio;
	int nice;	/* getpriority(): sched_getattr() has none for RT */
};

static struct state before[NT];
static int fail_at[NT];		/* 0, or the line of the failed check */
static const char *fail_what[NT];
static int go_pipe[2];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int nready;

static void die(const char *what)
{
	fprintf(stderr, "schedattrs: %s (errno %d)\n", what, errno);
	exit(1);
}

static int set_attr(int policy, int prio, int nice, int flags,
		    uint64_t runtime, uint64_t period)
{
	struct attr a = { .size = sizeof(a), .policy = (uint32_t)policy,
			  .flags = (uint64_t)flags, .nice = nice,
			  .priority = (uint32_t)prio, .runtime = runtime,
			  .deadline = period, .period = period };

	return (int)syscall(SYS_sched_setattr, 0, &a, 0);
}

static int apply(const struct spec *s)
{
	cpu_set_t set;
	int cpu;

	CPU_ZERO(&set);
	for (cpu = 0; cpu < 2; cpu++)
		if (s->cpus & (1 << cpu))
			CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -1;
	/* Only SCHED_OTHER and SCHED_BATCH take a nice value. */
	if (set_attr(SCHED_OTHER, 0, s->nice, 0, 0, 0))
		return -1;
	if (set_attr(s->policy, s->prio, s->nice, s->flags, s->runtime,
		     s->period))
		return -1;
	if (s->ioprio >= 0 && syscall(SYS_ioprio_set, 1, 0, s->ioprio))
		return -1;
	return 0;
}

static int read_state(struct state *st)
{
	memset(st, 0, sizeof(*st));
	st->tid = gettid();
	if (syscall(SYS_sched_getattr, 0, &st->a, sizeof(st->a), 0))
		return -1;
	if (sched_getaffinity(0, sizeof(st->cpus), &st->cpus))
		return -1;
	errno = 0;
	st->nice = getpriority(PRIO_PROCESS, 0);
	if (errno)
		return -1;
	st->ioprio = (int)syscall(SYS_ioprio_get, 1, 0);
	return st->ioprio < 0 ? -1 : 0;
}

#define CHECK(i, cond, what) do {			\
	if (!(cond) && !fail_at[i]) {			\
		fail_at[i] = __LINE__;			\
		fail_what[i] = what;			\
	}						\
} while (0)

static void compare(int i)
{
	const struct state *b = &before[i];
	struct state now;

	if (read_state(&now)) {
		CHECK(i, 0, "reading its attributes");
		return;
	}
	CHECK(i, now.tid == b->tid, "TID");
	CHECK(i, now.a.policy == b->a.policy, "policy");
	CHECK(i, now.a.policy == (uint32_t)want[i].policy, "policy as set");
	CHECK(i, now.a.flags == b->a.flags, "SCHED_FLAG_RESET_ON_FORK");
	CHECK(i, now.a.nice == b->a.nice, "sched_getattr()'s nice value");
	CHECK(i, now.nice == b->nice, "nice value");
	CHECK(i, now.nice == want[i].nice, "nice value as set");
	CHECK(i, now.a.priority == b->a.priority, "real-time priority");
	CHECK(i, now.a.runtime == b->a.runtime &&
	      now.a.deadline == b->a.deadline && now.a.period == b->a.period,
	      "SCHED_DEADLINE parameters");
	CHECK(i, CPU_EQUAL(&now.cpus, &b->cpus), "CPU affinity");
	CHECK(i, now.ioprio == b->ioprio, "I/O priority");
}

static void wait_go_pipe(void)
{
	char c;

	while (read(go_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
}

static void *thread_main(void *arg)
{
	int i = (int)(long)arg;

	if (apply(&specs[i]) || read_state(&before[i]))
		die("a thread's attributes");
	pthread_mutex_lock(&mu);
	nready++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	wait_go_pipe();
	compare(i);
	return NULL;
}

int main(int argc, char **argv)
{
	int user = argc > 2 && !strcmp(argv[2], "user");
	int n = user ? 1 : NT, i, bad = 0;
	pthread_t th[NT];

	if (argc < 2)
		return 2;
	close_extra_fds();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		die("needs two CPUs");
	if (pipe(go_pipe))
		die("pipe");
	for (i = 1; i < n; i++)
		if (pthread_create(&th[i], NULL, thread_main, (void *)(long)i))
			die("pthread_create");
	pthread_mutex_lock(&mu);
	while (nready < n - 1)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	if (user) {
		want = &user_spec;
		if (set_attr(SCHED_OTHER, 0, -5, 0, 0, 0))
			die("nice -5");
		if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) ||
		    setresuid(1000, 1000, 1000))
			die("become uid 1000");
		if (read_state(&before[0]))
			die("read the main thread's attributes");
	} else if (apply(&specs[0]) || read_state(&before[0])) {
		die("the main thread's attributes");
	}
	if (announce_ready(argv[1]))
		die("announce_ready");
	wait_for_go(argv[1]);

	compare(0);
	for (i = 1; i < n; i++)
		if (write(go_pipe[1], "g", 1) != 1)
			die("write go");
	for (i = 1; i < n; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < n; i++) {
		if (!fail_at[i])
			continue;
		fprintf(stderr, "schedattrs: thread %d (tid %d): %s differs (line %d)\n",
			i, before[i].tid, fail_what[i], fail_at[i]);
		bad = 1;
	}
	if (bad)
		return 1;
	printf("schedattrs: all checks passed\n");
	return 0;
}
