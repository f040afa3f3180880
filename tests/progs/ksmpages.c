// SPDX-License-Identifier: GPL-2.0
/*
 * ksmpages DIR: pages that KSM merges after they were written.  64
 * pages of private anonymous memory, MADV_MERGEABLE, each with content
 * of its own (generation 0); ready.  On DIR/step it writes generation 1,
 * the same content in each pair of pages (2k, 2k+1), and waits (up to
 * 60 s) until ksmd has merged pages (/sys/kernel/mm/ksm/pages_sharing):
 * ksmd maps a merged page with a new page-table entry that has lost the
 * soft-dirty bit of the write; it writes DIR/stepped ("sharing=N").  On
 * DIR/go it checks that every page holds generation 1 (an incremental
 * checkpoint that took merged pages for clean ones would bring back
 * generation 0), then prints "all checks passed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

#define PG	4096UL
#define NPAGES	64UL

static void die(const char *what)
{
	fprintf(stderr, "ksmpages: %s (%s)\n", what, strerror(errno));
	exit(1);
}

/* Word @w of page @i at generation @gen (pairs alike at generation 1). */
static uint64_t word(unsigned long i, unsigned int gen, unsigned long w)
{
	unsigned long key = gen ? i / 2 : i;

	return (0x9e3779b97f4a7c15ULL * (key + 1)) ^ (gen * 0x1000003ULL) ^ w;
}

static void fill(uint64_t *p, unsigned int gen)
{
	unsigned long i, w;

	for (i = 0; i < NPAGES; i++)
		for (w = 0; w < PG / 8; w++)
			p[i * PG / 8 + w] = word(i, gen, w);
}

static long sharing(void)
{
	char buf[64];
	FILE *f = fopen("/sys/kernel/mm/ksm/pages_sharing", "r");
	long v = -1;

	if (f && fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 100 * 1000 * 1000 };
	char path[4096];
	unsigned long i, w;
	uint64_t *p;
	int n;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: ksmpages DIR\n");
		return 2;
	}
	p = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	if (madvise(p, NPAGES * PG, MADV_MERGEABLE))
		die("madvise(MADV_MERGEABLE)");
	fill(p, 0);
	if (announce_ready(argv[1]))
		die("ready");
	wait_for_file(argv[1], "step");
	fill(p, 1);
	for (n = 0; n < 600 && sharing() < (long)NPAGES / 4; n++)
		nanosleep(&tick, NULL);
	snprintf(path, sizeof(path), "%s/stepped", argv[1]);
	f = fopen(path, "w");
	if (!f || fprintf(f, "sharing=%ld\n", sharing()) < 0 || fclose(f))
		die("stepped");
	wait_for_go(argv[1]);
	for (i = 0; i < NPAGES; i++)
		for (w = 0; w < PG / 8; w++)
			if (p[i * PG / 8 + w] != word(i, 1, w)) {
				fprintf(stderr, "ksmpages: page %lu word %lu holds generation %s, not 1\n",
					i, w, p[i * PG / 8 + w] == word(i, 0, w) ? "0" : "?");
				return 1;
			}
	printf("ksmpages: %lu pages written after the parent, merged by KSM: all checks passed\n",
	       NPAGES);
	return 0;
}
