// SPDX-License-Identifier: GPL-2.0
/*
 * memshapes DIR: mappings of odd shapes come back as they were.
 *   guard   a 3-page region whose middle page is PROT_NONE (a guard
 *           page, as thread stacks have): the outer pages keep their
 *           data, the middle one still faults (SIGSEGV, caught)
 *   moved   8 pages filled, then moved with mremap(MREMAP_MAYMOVE |
 *           MREMAP_FIXED) to an address of our choosing: still there,
 *           nothing left at the old address
 *   grown   4 pages filled, grown in place to 12 with mremap: the first
 *           4 keep their data, the 8 new ones read as zeros
 *   shrunk  16 pages, shrunk to 5 with mremap: the 11 gone stay gone
 * Each page's permissions in /proc/self/maps are recorded before the
 * checkpoint and compared after; prints "all checks
 * passed" and exits 0 when every check holds.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include "common.h"

#define PG	4096UL

static sigjmp_buf jb;
static int failed;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "memshapes: %s\n", what);
		failed = 1;
	}
}

/* 1 if reading @p faults. */
static int faults(volatile unsigned char *p)
{
	if (sigsetjmp(jb, 1))
		return 1;
	(void)*p;
	return 0;
}

static void fill(unsigned char *p, unsigned long n, int seed)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + seed);
}

static int same(const unsigned char *p, unsigned long n, int seed)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 7 + seed))
			return 0;
	return 1;
}

static int zeros(const unsigned char *p, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/*
 * The permissions of each page of [lo, hi) in /proc/self/maps ("rw-p" or
 * "---p", "." for a page not mapped), joined: how the kernel happens to
 * merge neighbouring mappings does not matter, what each page is does.
 */
static void maps_of(unsigned long lo, unsigned long hi, char *out, size_t size)
{
	char line[512], perms[8];
	unsigned long s, e, a;
	size_t len = 0;
	FILE *f;

	for (a = lo; a < hi && len + 6 < size; a += PG) {
		strcpy(perms, ".");
		f = fopen("/proc/self/maps", "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "%lx-%lx %4s", &s, &e, perms) == 3 &&
			    s <= a && a < e)
				break;
			else
				strcpy(perms, ".");
		if (f)
			fclose(f);
		len += snprintf(out + len, size - len, "%s ", perms);
	}
}

int main(int argc, char **argv)
{
	unsigned char *guard, *moved, *old, *target, *grown, *shrunk;
	char before[4][1024], after[1024];
	struct sigaction sa;
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: memshapes DIR\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, NULL);

	/* a reserved area, so the regions have free room around them */
	target = mmap(NULL, 64 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	guard = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	old = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	grown = mmap(NULL, 12 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	shrunk = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (target == MAP_FAILED || guard == MAP_FAILED || old == MAP_FAILED ||
	    grown == MAP_FAILED || shrunk == MAP_FAILED) {
		perror("memshapes: mmap");
		return 1;
	}
	fill(guard, 3 * PG, 1);
	if (mprotect(guard + PG, PG, PROT_NONE))
		return perror("memshapes: mprotect"), 1;
	fill(old, 8 * PG, 2);
	munmap(target, 64 * PG);
	target += 16 * PG;
	moved = mremap(old, 8 * PG, 8 * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
		       target);
	munmap(grown + 4 * PG, 8 * PG);	/* room to grow into */
	if (mprotect(grown, 4 * PG, PROT_READ | PROT_WRITE))
		return perror("memshapes: mprotect"), 1;
	fill(grown, 4 * PG, 3);
	if (mremap(grown, 4 * PG, 12 * PG, 0) != grown)
		return perror("memshapes: mremap grow in place"), 1;
	fill(shrunk, 16 * PG, 4);
	if (moved != target || mremap(shrunk, 16 * PG, 5 * PG, 0) != shrunk)
		return perror("memshapes: mremap"), 1;
	maps_of((unsigned long)guard, (unsigned long)guard + 3 * PG,
		before[0], sizeof(before[0]));
	maps_of((unsigned long)moved, (unsigned long)moved + 8 * PG,
		before[1], sizeof(before[1]));
	maps_of((unsigned long)grown, (unsigned long)grown + 12 * PG,
		before[2], sizeof(before[2]));
	maps_of((unsigned long)shrunk, (unsigned long)shrunk + 16 * PG,
		before[3], sizeof(before[3]));
	check(faults(guard + PG), "the guard page does not fault before");
	check(faults(old), "the old address of the moved region is mapped before");

	if (announce_ready(argv[1]))
		return 1;
	wait_for_go(argv[1]);

	check(same(guard, PG, 1), "guard: first page changed");
	check(same(guard + 2 * PG, PG, (int)((2 * PG * 7 + 1) & 0xff)) ||
	      same(guard + 2 * PG, PG, 1 + (int)(2 * PG * 7)),
	      "guard: last page changed");
	check(faults(guard + PG), "guard: the PROT_NONE page no longer faults");
	check(same(moved, 8 * PG, 2), "moved: contents changed");
	check(faults(old), "moved: something is mapped at its old address");
	check(same(grown, 4 * PG, 3), "grown: its first 4 pages changed");
	check(zeros(grown + 4 * PG, 8 * PG), "grown: the 8 new pages are not zero");
	check(same(shrunk, 5 * PG, 4), "shrunk: its 5 pages changed");
	check(faults(shrunk + 5 * PG), "shrunk: the pages cut off are mapped again");
	for (i = 0; i < 4; i++) {
		unsigned char *base[] = { guard, moved, grown, shrunk };
		unsigned long len[] = { 3 * PG, 8 * PG, 12 * PG, 16 * PG };

		maps_of((unsigned long)base[i], (unsigned long)base[i] + len[i],
			after, sizeof(after));
		if (strcmp(before[i], after)) {
			fprintf(stderr, "memshapes: region %d maps '%s', was '%s'\n",
				i, after, before[i]);
			failed = 1;
		}
	}
	if (failed)
		return 1;
	printf("all checks passed: guard %s| moved %s| grown %s| shrunk %s\n",
	       before[0], before[1], before[2], before[3]);
	return 0;
}
