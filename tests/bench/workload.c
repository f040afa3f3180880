// SPDX-License-Identifier: GPL-2.0
/*
 * workload: the processes the benchmark checkpoints (tests/bench/run.sh).
 *
 *	workload DIR anon MIB            MIB of anonymous memory, every byte
 *	                                 written (pseudo-random, no zero page)
 *	workload DIR sparse GIB MIB      GIB reserved (PROT_READ|PROT_WRITE,
 *	                                 MAP_NORESERVE, MADV_NOHUGEPAGE), MIB
 *	                                 touched in 64 KiB chunks spread evenly
 *	                                 over it
 *	workload DIR zeros MIB DMIB      MIB of anonymous memory, every byte
 *	                                 written, with zeros but for DMIB in
 *	                                 64 KiB chunks spread evenly over it
 *	                                 (pseudo-random; MADV_NOHUGEPAGE): a
 *	                                 heap mostly cleared
 *	workload DIR files N             N regular files open (DIR/files/N),
 *	                                 fd i at offset i % 4096
 *	workload DIR threads N MIB       N threads (the main one included),
 *	                                 each with MIB / N of its own memory
 *	                                 and a thread-local value, waiting on
 *	                                 a condition variable
 *	workload DIR tree N MIB          N processes (this one and N - 1
 *	                                 descendants, process k forked by
 *	                                 (k - 1) / 4: three generations for
 *	                                 20), each with MIB / N of its own
 *	                                 memory, one pipe to report on
 *
 * It becomes a session leader (so CRIU needs no --shell-job), builds its
 * state, writes "PID RSS_KIB" to DIR/ready (atomically, by rename) and then sleeps
 * in pause() for ever.  On SIGUSR1 it checks all of its state against what
 * it built -- every byte of its memory, every descriptor and offset -- and
 * writes "ok PID SUM RSS_KIB" or "bad PID WHAT" to DIR/verify (again by rename);
 * DIR/checking says it has begun.
 * A restore that lost or garbled anything therefore cannot pass as fast.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK		(64UL << 10)	/* sparse: touched run length */
#define SEED		0x9e3779b97f4a7c15ULL

static const char *dir;
static volatile sig_atomic_t check_requested;

/* The value of 64-bit word @i of region @r: cheap, never all-zero pages. */
static inline uint64_t word(uint64_t r, uint64_t i)
{
	uint64_t x = (i + 1) * SEED ^ (r << 56);

	x ^= x >> 29;
	return x | 1;
}

struct region {
	uint64_t *p;
	size_t len;		/* bytes */
};

static struct region *regions;
static size_t nregions;
static int *fds;
static int nfds;
static char *sparse_base;	/* sparse, zeros: the whole mapping */
static size_t sparse_len;
static int zeros;		/* zeros: the gaps were written (with 0) */

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage_error(const char *what)
{
	fprintf(stderr, "workload: %s\n", what);
	exit(2);
}

static void fill(struct region *r, uint64_t id)
{
	size_t n = r->len / 8;

	for (size_t i = 0; i < n; i++)
		r->p[i] = word(id, i);
}

/* 0 if region @id still holds its pattern; sums it into *sum. */
static int check(const struct region *r, uint64_t id, uint64_t *sum)
{
	size_t n = r->len / 8;
	uint64_t bad = 0, s = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t v = r->p[i];

		bad |= v ^ word(id, i);
		s += v;
	}
	*sum += s;
	return bad != 0;
}

static void *map(size_t len, int extra)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static void setup_anon(size_t mib)
{
	nregions = 1;
	regions = calloc(1, sizeof(*regions));
	regions[0].len = mib << 20;
	regions[0].p = map(regions[0].len, 0);
	fill(&regions[0], 0);
}

/*
 * LEN bytes (NORESERVE: reserved only) with MIB of data in chunks spread
 * evenly over them; with ZERO, every other byte written with 0 first.
 */
static void setup_sparse(size_t len, size_t mib, int zero)
{
	size_t stride;

	sparse_len = len;
	sparse_base = map(sparse_len, zero ? 0 : MAP_NORESERVE);
	zeros = zero;
	/*
	 * Touched means these bytes: without this, transparent huge pages
	 * would make each 64 KiB chunk 2 MiB resident (512 MiB in all).
	 */
	if (madvise(sparse_base, sparse_len, MADV_NOHUGEPAGE))
		die("madvise");
	if (zero)
		memset(sparse_base, 0, sparse_len);
	nregions = (mib << 20) / CHUNK;
	stride = sparse_len / nregions;
	regions = calloc(nregions, sizeof(*regions));
	for (size_t i = 0; i < nregions; i++) {
		regions[i].p = (uint64_t *)(sparse_base + i * stride);
		regions[i].len = CHUNK;
		fill(&regions[i], i);
	}
}

static void setup_files(int n)
{
	char path[4096];
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (rlim_t)n + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	snprintf(path, sizeof(path), "%s/files", dir);
	if (mkdir(path, 0755) && errno != EEXIST)
		die("mkdir files");
	fds = calloc(n, sizeof(*fds));
	for (int i = 0; i < n; i++) {
		char buf[4096];
		off_t off = i % 4096;

		snprintf(path, sizeof(path), "%s/files/%d", dir, i);
		fds[i] = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fds[i] < 0)
			die("open");
		memset(buf, 'a' + i % 26, sizeof(buf));
		if (write(fds[i], buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("write");
		if (lseek(fds[i], off, SEEK_SET) != off)
			die("lseek");
	}
	nfds = n;
	/* A little memory too, so the check covers some. */
	setup_anon(1);
}

/* ---- threads N MIB ---------------------------------------------------- */

static int nthreads;		/* threads: N, the main one (number 0) included */
static pthread_mutex_t th_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t th_go = PTHREAD_COND_INITIALIZER;	/* to the workers */
static pthread_cond_t th_back = PTHREAD_COND_INITIALIZER;	/* to main */
static unsigned int th_gen, th_ready, th_done;	/* under th_lock */
static const char *th_bad;
static uint64_t th_sum;
static pid_t *th_tids;		/* each thread's TID, as it was created */
static __thread int th_self = -1;

/* Thread @k's own state: its thread-local value, TID and memory. */
static const char *thread_check(int k, uint64_t *sum)
{
	if (th_self != k)
		return "thread-local value";
	if (gettid() != th_tids[k])
		return "thread ID";
	if (check(&regions[k], k, sum))
		return "thread memory";
	return NULL;
}

static void *worker(void *arg)
{
	int k = (int)(intptr_t)arg;
	unsigned int seen;

	th_self = k;
	fill(&regions[k], k);
	pthread_mutex_lock(&th_lock);
	th_tids[k] = gettid();
	seen = th_gen;
	th_ready++;
	pthread_cond_broadcast(&th_back);
	for (;;) {
		const char *bad;
		uint64_t sum = 0;

		while (th_gen == seen)
			pthread_cond_wait(&th_go, &th_lock);
		seen = th_gen;
		pthread_mutex_unlock(&th_lock);
		bad = thread_check(k, &sum);
		pthread_mutex_lock(&th_lock);
		if (bad && !th_bad)
			th_bad = bad;
		th_sum += sum;
		th_done++;
		pthread_cond_broadcast(&th_back);
	}
	return NULL;
}

static void setup_threads(int n, size_t mib)
{
	size_t len = ((mib << 20) / n) & ~4095UL;

	if (n < 1 || !len)
		usage_error("threads: N >= 1 and MIB / N >= 4 KiB");
	nthreads = n;
	nregions = n;
	regions = calloc(n, sizeof(*regions));
	th_tids = calloc(n, sizeof(*th_tids));
	for (int k = 0; k < n; k++) {
		regions[k].len = len;
		regions[k].p = map(len, 0);
	}
	th_self = 0;
	th_tids[0] = gettid();
	fill(&regions[0], 0);
	for (int k = 1; k < n; k++) {
		pthread_t t;

		errno = pthread_create(&t, NULL, worker, (void *)(intptr_t)k);
		if (errno)
			die("pthread_create");
	}
	pthread_mutex_lock(&th_lock);
	while (th_ready < (unsigned int)n - 1)
		pthread_cond_wait(&th_back, &th_lock);
	pthread_mutex_unlock(&th_lock);
}

/* Every thread checks itself; NULL if all passed. */
static const char *threads_verify(uint64_t *sum)
{
	const char *bad = thread_check(0, sum);
	struct timespec end;
	int err = 0;

	clock_gettime(CLOCK_REALTIME, &end);
	end.tv_sec += 60;
	pthread_mutex_lock(&th_lock);
	th_done = 0;
	th_bad = NULL;
	th_sum = 0;
	th_gen++;
	pthread_cond_broadcast(&th_go);
	while (th_done < (unsigned int)nthreads - 1 && err != ETIMEDOUT)
		err = pthread_cond_timedwait(&th_back, &th_lock, &end);
	if (!bad)
		bad = th_done < (unsigned int)nthreads - 1 ?
		      "threads did not answer" : th_bad;
	*sum += th_sum;
	pthread_mutex_unlock(&th_lock);
	return bad;
}

/* ---- tree N MIB ------------------------------------------------------- */

struct tree_report {
	int32_t k;		/* which process */
	int32_t pid;		/* its getpid() */
	int32_t ok;		/* 1 passed, 0 failed, 2 ready (at setup) */
	int32_t pad;
	uint64_t sum;
};

static int tree_n, tree_k;	/* processes, and which one this is */
static pid_t tree_pid, tree_ppid;	/* ours and our parent's, at creation */
static int tree_pipe[2];	/* the others report to process 0 */
static pid_t *tree_pids;	/* process 0: every process's PID */
static sigset_t wait_mask;	/* the mask to wait for SIGUSR1 with */

static void tree_send(struct tree_report *r)
{
	if (write(tree_pipe[1], r, sizeof(*r)) != (ssize_t)sizeof(*r))
		die("write report");
}

/* Process k > 0: wait for SIGUSR1, check ourselves, report; for ever. */
static void __attribute__((noreturn)) tree_member(void)
{
	struct tree_report r = { .k = tree_k, .pid = getpid(), .ok = 2 };

	tree_send(&r);
	for (;;) {
		sigsuspend(&wait_mask);
		if (!check_requested)
			continue;
		check_requested = 0;
		r.sum = 0;
		r.pid = getpid();
		r.ok = r.pid == tree_pid && getppid() == tree_ppid &&
		       !check(&regions[0], tree_k, &r.sum);
		tree_send(&r);
	}
}

/* Process @k forks its children, 4k + 1 .. 4k + 4, then takes its memory. */
static void tree_grow(int k, size_t len)
{
	for (int c = 4 * k + 1; c <= 4 * k + 4 && c < tree_n; c++) {
		pid_t parent = getpid();
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			tree_k = c;
			tree_pid = getpid();
			tree_ppid = parent;
			close(tree_pipe[0]);
			tree_grow(c, len);
			tree_member();
		}
	}
	nregions = 1;
	regions = calloc(1, sizeof(*regions));
	regions[0].len = len;
	regions[0].p = map(len, 0);
	fill(&regions[0], k);
}

/* Read one report within @ms; 1, 0 on timeout. */
static int tree_read(struct tree_report *r, int ms)
{
	struct pollfd p = { .fd = tree_pipe[0], .events = POLLIN };
	int n = poll(&p, 1, ms);

	if (n < 0 && errno != EINTR)
		die("poll");
	if (n <= 0)
		return 0;
	if (read(tree_pipe[0], r, sizeof(*r)) != (ssize_t)sizeof(*r))
		die("read report");
	if (r->k <= 0 || r->k >= tree_n)
		die("report from nowhere");
	return 1;
}

static void setup_tree(int n, size_t mib)
{
	size_t len = ((mib << 20) / n) & ~4095UL;
	struct tree_report r;

	if (n < 1 || !len)
		usage_error("tree: N >= 1 and MIB / N >= 4 KiB");
	tree_n = n;
	tree_pid = getpid();
	tree_ppid = getppid();
	tree_pids = calloc(n, sizeof(*tree_pids));
	tree_pids[0] = tree_pid;
	if (pipe(tree_pipe))
		die("pipe");
	tree_grow(0, len);
	for (int got = 1; got < n; got++) {
		if (!tree_read(&r, 60000))
			die("tree: a process did not start");
		if (r.ok != 2 || tree_pids[r.k])
			die("tree: bad ready report");
		tree_pids[r.k] = r.pid;
	}
}

/* Every process checks itself (asked again after 1 s); NULL if all passed. */
static const char *tree_verify(uint64_t *sum)
{
	char *answered = calloc(tree_n, 1);
	struct tree_report r;
	const char *bad = NULL;
	int left = tree_n - 1;

	if (getpid() != tree_pid || getppid() != tree_ppid)
		bad = "tree root PID or parent";
	else if (check(&regions[0], 0, sum))
		bad = "tree root memory";
	for (int tries = 0; !bad && left && tries < 60; tries++) {
		for (int k = 1; k < tree_n; k++)
			if (!answered[k] && kill(tree_pids[k], SIGUSR1))
				bad = "a tree process is gone";
		while (!bad && left && tree_read(&r, 1000)) {
			if (r.ok == 2)
				continue;	/* a late ready: cannot be */
			if (answered[r.k]++)
				continue;	/* asked twice, answered twice */
			left--;
			if (r.pid != tree_pids[r.k] || r.ok != 1)
				bad = "tree process PID, parent or memory";
			*sum += r.sum;
		}
	}
	if (!bad && left)
		bad = "tree processes did not answer";
	free(answered);
	return bad;
}

/* Write @text to DIR/@name atomically. */
static void report(const char *name, const char *text)
{
	char tmp[4096], path[4096];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open report");
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die("write report");
	close(fd);
	if (rename(tmp, path))
		die("rename report");
}

/* Resident set in KiB (to show what a restore made resident). */
static long rss_kib(void)
{
	long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void verify(void)
{
	char text[256];
	uint64_t sum = 0;
	const char *bad = NULL;

	report("checking", "\n");
	if (nthreads)
		bad = threads_verify(&sum);
	else if (tree_n)
		bad = tree_verify(&sum);
	for (size_t i = 0; i < nregions && !bad && !nthreads && !tree_n; i++)
		if (check(&regions[i], nregions > 1 ? i : 0, &sum))
			bad = "memory";
	for (int i = 0; i < nfds && !bad; i++) {
		struct stat st;

		if (fstat(fds[i], &st) || !S_ISREG(st.st_mode) ||
		    lseek(fds[i], 0, SEEK_CUR) != (off_t)(i % 4096))
			bad = "file descriptor";
	}
	/*
	 * Untouched parts of the sparse reservation must still read 0, and
	 * every byte of the zeros workload's gaps.
	 */
	if (sparse_base && !bad) {
		size_t stride = sparse_len / nregions;

		for (size_t i = 0; i < nregions && !bad; i++) {
			const char *gap = sparse_base + i * stride + CHUNK;

			if (zeros && (*gap || memcmp(gap, gap + 1, stride - CHUNK - 1)))
				bad = "zeros gap";
			if (gap[0] || gap[stride / 2 - CHUNK])
				bad = "sparse hole";
		}
	}
	if (bad)
		snprintf(text, sizeof(text), "bad %d %s\n", (int)getpid(), bad);
	else
		snprintf(text, sizeof(text), "ok %d %016" PRIx64 " %ld\n",
			 (int)getpid(), sum, rss_kib());
	report("verify", text);
}

static void on_usr1(int sig)
{
	(void)sig;
	check_requested = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: workload DIR anon MIB | sparse GIB MIB | zeros MIB MIB | files N"
		" | threads N MIB | tree N MIB\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	char text[64];
	sigset_t set;

	if (argc < 4)
		usage();
	dir = argv[1];
	setsid();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		die("sigaction");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &wait_mask);

	if (!strcmp(argv[2], "anon") && argc == 4)
		setup_anon(strtoul(argv[3], NULL, 0));
	else if (!strcmp(argv[2], "sparse") && argc == 5)
		setup_sparse(strtoul(argv[3], NULL, 0) << 30,
			     strtoul(argv[4], NULL, 0), 0);
	else if (!strcmp(argv[2], "zeros") && argc == 5)
		setup_sparse(strtoul(argv[3], NULL, 0) << 20,
			     strtoul(argv[4], NULL, 0), 1);
	else if (!strcmp(argv[2], "files") && argc == 4)
		setup_files(atoi(argv[3]));
	else if (!strcmp(argv[2], "threads") && argc == 5)
		setup_threads(atoi(argv[3]), strtoul(argv[4], NULL, 0));
	else if (!strcmp(argv[2], "tree") && argc == 5)
		setup_tree(atoi(argv[3]), strtoul(argv[4], NULL, 0));
	else
		usage();

	snprintf(text, sizeof(text), "%d %ld\n", (int)getpid(), rss_kib());
	report("ready", text);
	for (;;) {
		sigsuspend(&wait_mask);
		if (check_requested) {
			check_requested = 0;
			verify();
		}
	}
}
