// SPDX-License-Identifier: GPL-2.0
/*
 * mapfill DIR KIB: anonymous memory whose contents a restore must bring
 * back, and whose behaviour must still be anonymous memory's afterwards.
 *
 *   data    KIB KiB private anonymous, every 64-bit word a function of
 *           its index (never a zero page)
 *   holes   64 pages, only every other one written: the others must
 *           still read as zeros
 *   ro      16 pages written, then mprotect(PROT_READ)
 *
 * Writes "pid=N" to DIR/ready and waits for DIR/go, then checks:
 * every word of data, holes and ro; that writing to data works and the
 * write reads back; that MADV_DONTNEED on a data page makes it read as
 * zeros (anonymous memory's contract, not the image's bytes again); that
 * a forked child sees the parent's data and its writes stay its own.
 * Prints "all checks passed" and exits 0, else names the first failure
 * and exits 1.  With DIR/again present, it re-fills data and repeats
 * ready/go once more (for a second checkpoint of the restored process).
 * With MAPFILL_FILE=PATH in the environment, data is a private mapping
 * of PATH instead (made KIB KiB of zeros first): every check holds the
 * same, MADV_DONTNEED reading the file's zeros again.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>
#include "common.h"

#define PG	4096UL

static uint64_t word(uint64_t gen, uint64_t i)
{
	uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ULL ^ (gen << 48);

	x ^= x >> 29;
	return x | 1;
}

static void fill(uint64_t *p, size_t n, uint64_t gen)
{
	for (size_t i = 0; i < n; i++)
		p[i] = word(gen, i);
}

static int bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "mapfill: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	return 1;
}

static int check_words(const uint64_t *p, size_t n, uint64_t gen,
		       const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != word(gen, i))
			return bad("%s: word %zu is %#llx, expected %#llx", what,
				   i, (unsigned long long)p[i],
				   (unsigned long long)word(gen, i));
	return 0;
}

int main(int argc, char **argv)
{
	long long kib;
	size_t len, n, i;
	uint64_t *data, *holes, *ro, gen = 1;
	char again[4096], go[4096];
	const char *file;
	pid_t pid;
	int st;

	close_extra_fds();
	if (argc != 3 || (kib = parse_ll(argv[2])) < 4 || kib > (1 << 22)) {
		fprintf(stderr, "usage: mapfill DIR KIB\n");
		return 2;
	}
	len = ((size_t)kib << 10) & ~(PG - 1);
	n = len / 8;
	file = getenv("MAPFILL_FILE");
	if (file) {
		int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);

		if (fd < 0 || ftruncate(fd, len))
			return bad("%s: %s", file, strerror(errno));
		data = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			    fd, 0);
		close(fd);
	} else {
		data = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	holes = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (data == MAP_FAILED || holes == MAP_FAILED || ro == MAP_FAILED)
		return bad("mmap: %s", strerror(errno));
	for (i = 0; i < 64; i += 2)
		fill(holes + i * PG / 8, PG / 8, 100 + i);
	fill(ro, 16 * PG / 8, 7);
	if (mprotect(ro, 16 * PG, PROT_READ))
		return bad("mprotect: %s", strerror(errno));
	snprintf(again, sizeof(again), "%s/again", argv[1]);
	snprintf(go, sizeof(go), "%s/go", argv[1]);
	for (;;) {
		fill(data, n, gen);
		if (announce_ready(argv[1]))
			return bad("cannot write %s/ready", argv[1]);
		wait_for_go(argv[1]);
		if (check_words(data, n, gen, "data"))
			return 1;
		for (i = 0; i < 64; i++) {
			const uint64_t *pg = holes + i * PG / 8;

			if (i % 2 == 0) {
				if (check_words(pg, PG / 8, 100 + i, "holes"))
					return 1;
				continue;
			}
			for (size_t w = 0; w < PG / 8; w++)
				if (pg[w])
					return bad("hole page %zu is not zero", i);
		}
		if (check_words(ro, 16 * PG / 8, 7, "ro"))
			return 1;
		/* A write lands and is ours. */
		data[1] = 0x1234567;
		if (data[1] != 0x1234567)
			return bad("a write to data did not stick");
		data[1] = word(gen, 1);
		/* A fork shares the data copy-on-write, as anonymous memory. */
		pid = fork();
		if (pid < 0)
			return bad("fork: %s", strerror(errno));
		if (pid == 0) {
			if (check_words(data, n, gen, "data in a child"))
				_exit(1);
			data[0] = 42;
			_exit(data[0] == 42 ? 0 : 1);
		}
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			return bad("the forked child failed (status %#x)", st);
		if (data[0] != word(gen, 0))
			return bad("the child's write showed in the parent");
		/* MADV_DONTNEED: anonymous memory reads zeros again. */
		if (madvise(data + PG / 8, PG, MADV_DONTNEED))
			return bad("madvise: %s", strerror(errno));
		for (size_t w = 0; w < PG / 8; w++)
			if (data[PG / 8 + w])
				return bad("data page 1 after MADV_DONTNEED: word %zu is %#llx, not zero",
					   w, (unsigned long long)data[PG / 8 + w]);
		if (access(again, F_OK))
			break;
		unlink(again);
		unlink(go);
		gen++;
	}
	printf("all checks passed (%zu KiB)\n", len >> 10);
	return 0;
}
