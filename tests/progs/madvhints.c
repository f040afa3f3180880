// SPDX-License-Identifier: GPL-2.0
/*
 * madvhints DIR: adjacent anonymous regions, each with one madvise() hint,
 * come back with it.  One 2 MiB-aligned mapping is split by madvise into
 *   nohuge  8 MiB  MADV_NOHUGEPAGE, one page touched per MiB
 *   huge    4 MiB  MADV_HUGEPAGE
 *   dfork   1 MiB  MADV_DONTFORK
 *   wipe    1 MiB  MADV_WIPEONFORK
 *   ddump   1 MiB  MADV_DONTDUMP
 *   seq     1 MiB  MADV_SEQUENTIAL
 *   rand    1 MiB  MADV_RANDOM
 *   merge   1 MiB  MADV_MERGEABLE (KSM)
 *   plain   1 MiB  no hint
 * (a restore maps them one after another, so they merge unless the hints
 * are re-applied).  After the restart it checks each region's contents,
 * its VmFlags in /proc/self/smaps (nh, hg, dc, wf, dd, sr, rr, mg), that the nohuge
 * region holds no huge page (Rss, when THP is "always"), and what a fork
 * sees: no dfork mapping, a zeroed wipe region, the others intact.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>
#include "common.h"

#define MIB	(1UL << 20)

static const struct region {
	const char *name;
	unsigned long size;
	int advice;
	const char *flag;
} regions[] = {
	{ "nohuge", 8 * MIB, MADV_NOHUGEPAGE, "nh" },
	{ "huge", 4 * MIB, MADV_HUGEPAGE, "hg" },
	{ "dfork", MIB, MADV_DONTFORK, "dc" },
	{ "wipe", MIB, MADV_WIPEONFORK, "wf" },
	{ "ddump", MIB, MADV_DONTDUMP, "dd" },
	{ "seq", MIB, MADV_SEQUENTIAL, "sr" },
	{ "rand", MIB, MADV_RANDOM, "rr" },
	{ "merge", MIB, MADV_MERGEABLE, "mg" },
	{ "plain", MIB, -1, NULL },
};
#define NR	(sizeof(regions) / sizeof(regions[0]))

static unsigned char *base[NR];

static void die(const char *what)
{
	fprintf(stderr, "madvhints: %s (%s)\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *name, const char *what)
{
	fprintf(stderr, "madvhints: region %s: %s\n", name, what);
	exit(1);
}

static unsigned char pat(unsigned int r, unsigned long off)
{
	return (unsigned char)(r * 37 + off / 4096 * 7 + 1);
}

/* Touch one byte per page (nohuge: one page per MiB only). */
static void fill(unsigned int r)
{
	unsigned long step = r == 0 ? MIB : 4096, off;

	for (off = 0; off < regions[r].size; off += step)
		base[r][off] = pat(r, off);
}

static int check(unsigned int r, int zero)
{
	unsigned long step = r == 0 ? MIB : 4096, off;

	for (off = 0; off < regions[r].size; off += step)
		if (base[r][off] != (zero ? 0 : pat(r, off)))
			return -1;
	return 0;
}

/* VmFlags and Rss (KiB) of the mapping starting at @start. */
static int smaps(unsigned char *start, char *flags, size_t len, long *rss)
{
	char line[512], head[32];
	FILE *f = fopen("/proc/self/smaps", "r");
	int in = 0, found = 0;

	if (!f)
		die("/proc/self/smaps");
	snprintf(head, sizeof(head), "%lx-", (unsigned long)start);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') > strchr(line, '-') &&
		    strncmp(line, "VmFlags", 7)) {
			in = !strncmp(line, head, strlen(head));
			found |= in;
			continue;
		}
		if (!in)
			continue;
		if (!strncmp(line, "Rss:", 4))
			*rss = atol(line + 4);
		if (!strncmp(line, "VmFlags:", 8))
			snprintf(flags, len, "%s", line + 8);
	}
	fclose(f);
	return found ? 0 : -1;
}

static int thp_always(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strstr(buf, "[always]") != NULL;
}

int main(int argc, char **argv)
{
	unsigned long total = 0, off = 0;
	unsigned char *m;
	unsigned int r;
	int st;
	pid_t pid;

	if (argc != 2)
		die("usage: madvhints DIR");
	close_extra_fds();
	for (r = 0; r < NR; r++)
		total += regions[r].size;
	m = mmap(NULL, total + 2 * MIB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		die("mmap");
	m = (unsigned char *)(((unsigned long)m + 2 * MIB - 1) & ~(2 * MIB - 1));
	for (r = 0; r < NR; r++) {
		base[r] = m + off;
		off += regions[r].size;
		if (regions[r].advice >= 0 &&
		    madvise(base[r], regions[r].size, regions[r].advice))
			die("madvise");
		fill(r);
	}
	if (announce_ready(argv[1]))
		die("ready file");
	wait_for_go(argv[1]);

	for (r = 0; r < NR; r++) {
		char flags[512] = "", want[8];
		long rss = -1;

		if (check(r, 0))
			fail(regions[r].name, "contents changed");
		if (smaps(base[r], flags, sizeof(flags), &rss))
			fail(regions[r].name, "no mapping starts there (hint lost: merged with a neighbour)");
		if (regions[r].flag) {
			snprintf(want, sizeof(want), " %s", regions[r].flag);
			if (!strstr(flags, want)) {
				fprintf(stderr, "madvhints: %s: VmFlags:%s", regions[r].name, flags);
				fail(regions[r].name, "madvise flag lost");
			}
		}
		/* 8 touched 4 KiB pages; a huge page would be 2048 KiB. */
		if (r == 0 && thp_always() && rss > 1024) {
			fprintf(stderr, "madvhints: nohuge Rss %ld KiB\n", rss);
			fail(regions[r].name, "filled with huge pages");
		}
		printf("madvhints: %s ok (VmFlags:%.*s, Rss %ld KiB)\n",
		       regions[r].name, (int)strcspn(flags, "\n"), flags, rss);
	}
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		unsigned char v;

		if (mincore(base[2], 4096, &v) == 0 || errno != ENOMEM)
			_exit(2);	/* DONTFORK region is mapped */
		if (check(3, 1))
			_exit(3);	/* WIPEONFORK region not zero */
		if (check(1, 0) || check(4, 0) || check(NR - 1, 0))
			_exit(4);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "madvhints: child status 0x%x\n", st);
		fail("dfork/wipe", "a fork does not see the hints");
	}
	printf("madvhints: all checks passed\n");
	return 0;
}
