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
 *	workload DIR files N             N regular files open (DIR/files/N),
 *	                                 fd i at offset i % 4096
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
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
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
static char *sparse_base;	/* sparse: the whole reservation */
static size_t sparse_len;

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
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

static void setup_sparse(size_t gib, size_t mib)
{
	size_t stride;

	sparse_len = gib << 30;
	sparse_base = map(sparse_len, MAP_NORESERVE);
	/*
	 * Touched means these bytes: without this, transparent huge pages
	 * would make each 64 KiB chunk 2 MiB resident (512 MiB in all).
	 */
	if (madvise(sparse_base, sparse_len, MADV_NOHUGEPAGE))
		die("madvise");
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
	for (size_t i = 0; i < nregions && !bad; i++)
		if (check(&regions[i], nregions > 1 ? i : 0, &sum))
			bad = "memory";
	for (int i = 0; i < nfds && !bad; i++) {
		struct stat st;

		if (fstat(fds[i], &st) || !S_ISREG(st.st_mode) ||
		    lseek(fds[i], 0, SEEK_CUR) != (off_t)(i % 4096))
			bad = "file descriptor";
	}
	/* Untouched parts of the sparse reservation must still read 0. */
	if (sparse_base && !bad) {
		size_t stride = sparse_len / nregions;

		for (size_t i = 0; i < nregions && !bad; i++)
			if (sparse_base[i * stride + CHUNK] ||
			    sparse_base[i * stride + stride / 2])
				bad = "sparse hole";
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
	fprintf(stderr, "usage: workload DIR anon MIB | sparse GIB MIB | files N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	char text[64];
	sigset_t set, old;

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
	sigprocmask(SIG_BLOCK, &set, &old);

	if (!strcmp(argv[2], "anon") && argc == 4)
		setup_anon(strtoul(argv[3], NULL, 0));
	else if (!strcmp(argv[2], "sparse") && argc == 5)
		setup_sparse(strtoul(argv[3], NULL, 0), strtoul(argv[4], NULL, 0));
	else if (!strcmp(argv[2], "files") && argc == 4)
		setup_files(atoi(argv[3]));
	else
		usage();

	snprintf(text, sizeof(text), "%d %ld\n", (int)getpid(), rss_kib());
	report("ready", text);
	for (;;) {
		sigsuspend(&old);
		if (check_requested) {
			check_requested = 0;
			verify();
		}
	}
}
