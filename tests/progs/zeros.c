// SPDX-License-Identifier: GPL-2.0
/*
 * zeros DIR: touched memory that holds only zeros.  A checkpoint leaves
 * such pages of anonymous memory out (they read the same never touched),
 * so the image stays small; this program checks that what comes back is
 * still right:
 *
 *   anon    16 MiB private anonymous, every page written with zeros, but
 *           three pages with data: only the last byte of page 0, a
 *           pattern over page 100, only the first byte of the last page;
 *   file    a private mapping of DIR/zeros.dat (16 pages of 0x77), pages
 *           2 to 5 written with zeros: those are anonymous copies whose
 *           file pages are not zero, so they must come back as zeros,
 *           not as the file's bytes;
 *   shared  1 MiB of shared anonymous memory written with zeros, but
 *           page 7 with a pattern.
 *
 * After the restore it checks every byte of the three, that most of anon
 * is not resident any more (Rss in /proc/self/smaps: the zero pages came
 * back as never touched, not as pages of zeros), and that the pages can
 * be written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "common.h"

#define PG		4096UL
#define ANON_PAGES	4096UL		/* 16 MiB */
#define FILE_PAGES	16UL
#define SHARED_PAGES	256UL		/* 1 MiB */

static void die(const char *what)
{
	fprintf(stderr, "zeros: %s (%s)\n", what, strerror(errno));
	exit(1);
}

static unsigned char pattern(unsigned long i)
{
	return (unsigned char)(i * 31 + 7) | 1;	/* never 0 */
}

/* The byte ANON must hold at offset OFF. */
static unsigned char anon_want(unsigned long off)
{
	unsigned long pg = off / PG;

	if (off == PG - 1)
		return 0x5a;
	if (pg == 100)
		return pattern(off);
	if (off == (ANON_PAGES - 1) * PG)
		return 0xa5;
	return 0;
}

static void fill(unsigned char *anon, unsigned char *file,
		 unsigned char *shared)
{
	unsigned long i;

	memset(anon, 0, ANON_PAGES * PG);
	for (i = 0; i < ANON_PAGES * PG; i++)
		if (anon_want(i))
			anon[i] = anon_want(i);
	memset(file + 2 * PG, 0, 4 * PG);
	memset(shared, 0, SHARED_PAGES * PG);
	for (i = 0; i < PG; i++)
		shared[7 * PG + i] = pattern(i);
}

static void check(const unsigned char *anon, const unsigned char *file,
		  const unsigned char *shared)
{
	unsigned long i;

	for (i = 0; i < ANON_PAGES * PG; i++)
		if (anon[i] != anon_want(i)) {
			fprintf(stderr, "zeros: anon byte %lu is %#x, not %#x\n",
				i, anon[i], anon_want(i));
			exit(1);
		}
	for (i = 0; i < FILE_PAGES * PG; i++) {
		unsigned char want = (i / PG >= 2 && i / PG < 6) ? 0 : 0x77;

		if (file[i] != want) {
			fprintf(stderr, "zeros: file byte %lu is %#x, not %#x\n",
				i, file[i], want);
			exit(1);
		}
	}
	for (i = 0; i < SHARED_PAGES * PG; i++) {
		unsigned char want = i / PG == 7 ? pattern(i % PG) : 0;

		if (shared[i] != want) {
			fprintf(stderr, "zeros: shared byte %lu is %#x, not %#x\n",
				i, shared[i], want);
			exit(1);
		}
	}
}

/* Rss (KiB) of the mapping that starts at START, or -1. */
static long rss_of(const void *start)
{
	char line[512], want[32];
	long rss = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)start);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') > strchr(line, '-') &&
		    strspn(line, "0123456789abcdef") == strcspn(line, "-"))
			in = !strncmp(line, want, strlen(want));
		else if (in && !strncmp(line, "Rss:", 4))
			rss = strtol(line + 4, NULL, 10);
	}
	fclose(f);
	return rss;
}

int main(int argc, char **argv)
{
	unsigned char *anon, *file, *shared, buf[FILE_PAGES * PG];
	char path[4096];
	long rss0, rss1;
	int fd;

	if (argc != 2)
		die("usage: zeros DIR");
	close_extra_fds();
	snprintf(path, sizeof(path), "%s/zeros.dat", argv[1]);
	memset(buf, 0x77, sizeof(buf));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		die("zeros.dat");
	file = mmap(NULL, FILE_PAGES * PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE, fd, 0);
	close(fd);
	anon = mmap(NULL, ANON_PAGES * PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared = mmap(NULL, SHARED_PAGES * PG, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (file == MAP_FAILED || anon == MAP_FAILED || shared == MAP_FAILED)
		die("mmap");
	/* no huge pages: one would make the Rss check meaningless */
	if (madvise(anon, ANON_PAGES * PG, MADV_NOHUGEPAGE))
		die("madvise");
	fill(anon, file, shared);
	check(anon, file, shared);
	rss0 = rss_of(anon);
	if (rss0 < (long)(ANON_PAGES * PG / 1024))
		die("anon is not all resident before the checkpoint");
	if (announce_ready(argv[1]))
		die("ready file");
	wait_for_go(argv[1]);

	/* Before anything reads anon: its 3 pages of data only, 12 KiB */
	rss1 = rss_of(anon);
	check(anon, file, shared);
	if (rss1 < 0 || rss1 > 64) {
		fprintf(stderr, "zeros: anon Rss %ld KiB after the restore, %ld before\n",
			rss1, rss0);
		die("the zero pages came back as pages");
	}
	fill(anon, file, shared);
	check(anon, file, shared);
	printf("zeros: all checks passed (anon Rss %ld KiB before, %ld after)\n",
	       rss0, rss1);
	return 0;
}
