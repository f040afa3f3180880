// SPDX-License-Identifier: GPL-2.0
/*
 * dirtier DIR MIB HOT_KIB [churn] [thp] [fork]: memory that keeps
 * changing, for live migration (cases 70-72, make bench-live) and
 * incremental images (cases 103, 104).
 *
 * MIB MiB of private anonymous memory, each page stamped with its index
 * and a generation counter (every word derived from both); the first
 * HOT_KIB KiB are rewritten over and over, each page with its generation
 * incremented, the rest stays as first written.  With "churn" it also
 * keeps changing its address space: it drops pages (MADV_DONTNEED: they
 * must read as zeros), unmaps and maps again (the new mapping half
 * written, half untouched), and moves a block back and forth (mremap).
 * "thp" asks for transparent huge pages (MADV_HUGEPAGE) for the big
 * region.  The counters live in the process's own memory: after a
 * migration, on DIR/go, it checks all its memory against them and prints
 * "all checks passed".  Memory rolled back as a whole (stale but
 * consistent) is caught too: every 64 writes it records its write count
 * in DIR/progress, outside its memory, at an offset that grows with it
 * (a rolled-back process cannot overwrite the higher counts it recorded
 * before); its memory must not be behind the highest.  DIR/rate (if present when it starts) caps the
 * hot writes at that many pages per second.  A SIGCONT (a stop and
 * continue it was not asked for) fails the final check.
 *
 * "fork": it makes itself a session leader (a tree restored or migrated
 * elsewhere takes its session along) and, once its memory is written,
 * forks a child that does all the
 * same in DIR/child (its own ready, progress and go files) with memory of
 * its own at the same addresses: the child stamps every page of the big
 * region again, in another space, so that no page of one holds what the
 * other's page at that address holds.  The parent, after its own check,
 * waits for the child, which must have passed its own ("dirtier child:
 * ... all checks passed").  "late" (with "fork"): once DIR/forkme exists,
 * it forks a second child the same way, in DIR/child2 (its pages
 * stamped in a third space), which goes on with the counts it had.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

#define PG		4096UL
#define WORDS		(PG / 8)
#define DN_PAGES	256	/* MADV_DONTNEED region */
#define MS_SLOTS	4	/* munmap/mmap slots ... */
#define MS_PAGES	16	/* ... of this many pages */
#define MR_PAGES	32	/* the block mremap moves */

static void die(const char *what)
{
	fprintf(stderr, "dirtier: %s (%s)\n", what, strerror(errno));
	exit(1);
}

static void bad(const char *what, unsigned long idx, uint32_t gen)
{
	fprintf(stderr, "dirtier: %s: page %lu (generation %u) does not hold what was written\n",
		what, idx, gen);
	exit(1);
}

/* Page @idx of space @space at generation @gen. */
static uint64_t word(unsigned int space, unsigned long idx, uint32_t gen,
		     unsigned int w)
{
	uint64_t v = ((uint64_t)space << 56) ^ ((uint64_t)idx << 24) ^ gen;

	return (v * 0x9e3779b97f4a7c15ULL) + w;
}

static void stamp(void *page, unsigned int space, unsigned long idx,
		  uint32_t gen)
{
	uint64_t *p = page;
	unsigned int w;

	for (w = 0; w < WORDS; w++)
		p[w] = word(space, idx, gen, w);
}

static int holds(const void *page, unsigned int space, unsigned long idx,
		 uint32_t gen)
{
	const uint64_t *p = page;
	unsigned int w;

	for (w = 0; w < WORDS; w++)
		if (p[w] != word(space, idx, gen, w))
			return 0;
	return 1;
}

static int is_zero(const void *page)
{
	const uint64_t *p = page;
	unsigned int w;

	for (w = 0; w < WORDS; w++)
		if (p[w])
			return 0;
	return 1;
}

static int mapped(const void *addr)
{
	unsigned char v;

	return mincore((void *)addr, PG, &v) == 0;
}

/* The churn regions and what they must hold. */
static unsigned char *dn;		/* DN_PAGES */
static uint32_t dn_gen[DN_PAGES];	/* 0: dropped, reads as zeros */
static unsigned char *ms;		/* MS_SLOTS * MS_PAGES */
static uint32_t ms_gen[MS_SLOTS];	/* 0: unmapped */
static unsigned char *mr_area;		/* 2 * MR_PAGES: the block is in
					 * one half, the other unmapped */
static unsigned int mr_half;
static uint32_t mr_gen[MR_PAGES];
static uint32_t churn_gen = 1;
static volatile unsigned long written;	/* hot page writes */
static volatile sig_atomic_t conts;	/* SIGCONTs received */
static unsigned int mspace;		/* the big region's: 4 and 5 in the
					 * children */
static const char *who = "";		/* " child" in a child */

/*
 * Fork a child that goes on in @cdir (made here) with the big region's
 * @npages pages of @m stamped again in @space (their generations kept):
 * its PID in the parent; 0 in the child, now in @cdir.
 */
static pid_t fork_child(const char *dir, const char *sub, char *cdir,
			size_t len, unsigned char *m, unsigned long npages,
			const uint32_t *gen, unsigned int space)
{
	unsigned long i;
	pid_t pid;

	if ((size_t)snprintf(cdir, len, "%s/%s", dir, sub) >= len)
		die("DIR too long");
	if (mkdir(cdir, 0755) && errno != EEXIST)
		die("mkdir child");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		mspace = space;
		who = " child";
		for (i = 0; i < npages; i++)
			stamp(m + i * PG, mspace, i, gen[i]);
	}
	return pid;
}

/* The progress, ready and go files of @dir; the progress descriptor. */
static int start_files(const char *dir, char *go, size_t len)
{
	char path[4096];
	int prog;

	snprintf(path, sizeof(path), "%s/progress", dir);
	prog = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (prog < 0)
		die("progress file");
	if (announce_ready(dir))
		die("ready file");
	snprintf(go, len, "%s/go", dir);
	return prog;
}

static void on_cont(int sig)
{
	(void)sig;
	conts++;
}

static void churn_setup(void)
{
	unsigned int i;

	dn = mmap(NULL, DN_PAGES * PG, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ms = mmap(NULL, MS_SLOTS * MS_PAGES * PG, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mr_area = mmap(NULL, 2 * MR_PAGES * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dn == MAP_FAILED || ms == MAP_FAILED || mr_area == MAP_FAILED)
		die("mmap");
	/* Keep them apart from each other (no merging, no THP). */
	madvise(dn, DN_PAGES * PG, MADV_NOHUGEPAGE);
	for (i = 0; i < DN_PAGES; i++) {
		dn_gen[i] = 1;
		stamp(dn + i * PG, 1, i, 1);
	}
	for (i = 0; i < MS_SLOTS * MS_PAGES; i++)
		if (i % MS_PAGES < MS_PAGES / 2)
			stamp(ms + i * PG, 2, i, 1);
	for (i = 0; i < MS_SLOTS; i++)
		ms_gen[i] = 1;
	if (munmap(mr_area + MR_PAGES * PG, MR_PAGES * PG))
		die("munmap");
	for (i = 0; i < MR_PAGES; i++) {
		mr_gen[i] = 1;
		stamp(mr_area + i * PG, 3, i, 1);
	}
}

static void churn_step(unsigned long step)
{
	unsigned int w, i, s;
	unsigned char *p;

	churn_gen++;
	switch (step % 3) {
	case 0:		/* drop a quarter of dn, or write it again */
		w = (step / 3) % 4;
		p = dn + w * (DN_PAGES / 4) * PG;
		if (dn_gen[w * (DN_PAGES / 4)]) {
			if (madvise(p, DN_PAGES / 4 * PG, MADV_DONTNEED))
				die("madvise");
			for (i = 0; i < DN_PAGES / 4; i++)
				dn_gen[w * (DN_PAGES / 4) + i] = 0;
		} else {
			for (i = 0; i < DN_PAGES / 4; i++) {
				unsigned int k = w * (DN_PAGES / 4) + i;

				stamp(dn + k * PG, 1, k, churn_gen);
				dn_gen[k] = churn_gen;
			}
		}
		break;
	case 1:		/* unmap a slot, or map it anew, half written */
		s = (step / 3) % MS_SLOTS;
		p = ms + s * MS_PAGES * PG;
		if (ms_gen[s]) {
			if (munmap(p, MS_PAGES * PG))
				die("munmap");
			ms_gen[s] = 0;
		} else {
			if (mmap(p, MS_PAGES * PG, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
				 0) != p)
				die("mmap slot");
			for (i = 0; i < MS_PAGES / 2; i++)
				stamp(p + i * PG, 2, s * MS_PAGES + i,
				      churn_gen);
			ms_gen[s] = churn_gen;
		}
		break;
	default:	/* move the block to the other half; rewrite a page */
		p = mr_area + (1 - mr_half) * MR_PAGES * PG;
		if (mremap(mr_area + mr_half * MR_PAGES * PG, MR_PAGES * PG,
			   MR_PAGES * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
			   p) != p)
			die("mremap");
		mr_half = 1 - mr_half;
		i = (step / 3) % MR_PAGES;
		stamp(p + i * PG, 3, i, churn_gen);
		mr_gen[i] = churn_gen;
		break;
	}
}

static void churn_check(void)
{
	unsigned int i, s;
	unsigned char *p;

	for (i = 0; i < DN_PAGES; i++) {
		if (dn_gen[i] ? !holds(dn + i * PG, 1, i, dn_gen[i]) :
				!is_zero(dn + i * PG))
			bad(dn_gen[i] ? "dontneed region" :
			    "dropped page (must read as zeros)", i, dn_gen[i]);
	}
	for (s = 0; s < MS_SLOTS; s++) {
		p = ms + s * MS_PAGES * PG;
		if (!ms_gen[s]) {
			if (mapped(p))
				bad("unmapped slot is mapped", s, 0);
			continue;
		}
		for (i = 0; i < MS_PAGES; i++) {
			unsigned int k = s * MS_PAGES + i;

			if (i < MS_PAGES / 2 && !holds(p + i * PG, 2, k,
						       ms_gen[s]))
				bad("remapped slot", k, ms_gen[s]);
			if (i >= MS_PAGES / 2 && !is_zero(p + i * PG))
				bad("remapped slot, untouched half", k, 0);
		}
	}
	p = mr_area + mr_half * MR_PAGES * PG;
	if (mapped(mr_area + (1 - mr_half) * MR_PAGES * PG))
		bad("mremap: the old place is still mapped", 0, 0);
	for (i = 0; i < MR_PAGES; i++)
		if (!holds(p + i * PG, 3, i, mr_gen[i]))
			bad("moved block", i, mr_gen[i]);
}

int main(int argc, char **argv)
{
	unsigned long npages, hot, i, step = 0, sum, rec = 0;
	int churn = 0, thp = 0, forks = 0, late = 0, a, prog, st;
	static char cdir[2048], cdir2[2048];
	const char *dir = argv[1];
	pid_t child = 0, child2 = 0;
	long long mib, hot_kib, rate = 0;
	struct timespec t0;
	char path[4096];
	unsigned char *m;
	uint32_t *gen;
	FILE *f;

	if (argc < 4)
		die("usage: dirtier DIR MIB HOT_KIB [churn] [thp] [fork]");
	mib = parse_ll(argv[2]);
	hot_kib = parse_ll(argv[3]);
	if (mib <= 0 || mib > 4096 || hot_kib < 4 || hot_kib > mib * 1024)
		die("bad size");
	for (a = 4; a < argc; a++) {
		churn |= !strcmp(argv[a], "churn");
		thp |= !strcmp(argv[a], "thp");
		forks |= !strcmp(argv[a], "fork");
		late |= !strcmp(argv[a], "late");
	}
	close_extra_fds();
	signal(SIGCONT, on_cont);
	snprintf(path, sizeof(path), "%s/rate", argv[1]);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lld", &rate) != 1)
			rate = 0;
		fclose(f);
	}
	npages = (unsigned long)mib * 256;
	hot = (unsigned long)hot_kib / 4;
	/* 2 MiB aligned, so that with thp the hot pages are in a huge one */
	m = mmap(NULL, npages * PG + (2UL << 20), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gen = calloc(npages, sizeof(*gen));
	if (m == MAP_FAILED || !gen)
		die("mmap");
	m = (unsigned char *)(((uintptr_t)m + (2UL << 20) - 1) &
			      ~((2UL << 20) - 1));
	madvise(m, npages * PG, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	for (i = 0; i < npages; i++) {
		gen[i] = 1;
		stamp(m + i * PG, 0, i, 1);
	}
	if (churn)
		churn_setup();
	if (forks) {
		if (setsid() < 0)
			die("setsid");
		child = fork_child(dir, "child", cdir, sizeof(cdir), m, npages,
				   gen, 4);
		if (!child) {
			dir = cdir;
			late = 0;
		}
	}
	late &= forks;
	prog = start_files(dir, path, sizeof(path));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0;; i = (i + 1) % hot) {
		gen[i]++;
		stamp(m + i * PG, mspace, i, gen[i]);
		written++;
		if (written % 64)
			continue;
		rec = written;
		if (pwrite(prog, &rec, sizeof(rec),
			   (off_t)(rec / 64) * sizeof(rec)) != sizeof(rec))
			die("progress file");
		if (!access(path, F_OK))
			break;
		if (late && !child2 && !(written % 1024)) {
			char forkme[4096];

			snprintf(forkme, sizeof(forkme), "%s/forkme", argv[1]);
			if (!access(forkme, F_OK)) {
				child2 = fork_child(argv[1], "child2", cdir2,
						    sizeof(cdir2), m, npages,
						    gen, 5);
				if (!child2) {
					dir = cdir2;
					late = 0;
					child = 0;
					close(prog);
					prog = start_files(dir, path,
							   sizeof(path));
				}
			}
		}
		if (churn && !(written % 256))
			churn_step(step++);
		while (rate) {	/* at most @rate pages per second */
			struct timespec t, d = { 0, 2 * 1000 * 1000 };
			double s;

			clock_gettime(CLOCK_MONOTONIC, &t);
			s = (double)(t.tv_sec - t0.tv_sec) +
			    (t.tv_nsec - t0.tv_nsec) / 1e9;
			if (written <= s * rate)
				break;
			nanosleep(&d, NULL);
		}
	}
	for (i = 0, sum = 0; i < npages; i++) {
		if (!holds(m + i * PG, mspace, i, gen[i]))
			bad(i < hot ? "hot page" : "cold page", i, gen[i]);
		sum += gen[i] - 1;
	}
	for (i = 0, rec = 0;; i++) {
		unsigned long v;

		if (pread(prog, &v, sizeof(v), (off_t)i * sizeof(v)) !=
		    sizeof(v))
			break;
		if (v > rec)
			rec = v;
	}
	if (sum != written || written < rec) {
		fprintf(stderr, "dirtier: its memory went back: %lu writes counted, %lu in its pages, %lu recorded before\n",
			(unsigned long)written, sum, rec);
		return 1;
	}
	if (churn)
		churn_check();
	/* nothing stopped and continued it (pre-copy rounds hold it unseen) */
	if (conts) {
		fprintf(stderr, "dirtier: SIGCONT came %d times: it was stopped and continued\n",
			(int)conts);
		return 1;
	}
	for (a = 0; a < 2; a++) {
		pid_t c = a ? child2 : child;

		if (c <= 0)
			continue;
		while (waitpid(c, &st, 0) < 0)
			if (errno != EINTR)
				die("waitpid");
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "dirtier: its child %d failed (status 0x%x)\n",
				(int)c, st);
			return 1;
		}
	}
	printf("dirtier%s: %lu pages, %lu hot, %lu writes, %lu churn steps: all checks passed\n",
	       who, npages, hot, (unsigned long)written, step);
	fflush(stdout);
	return 0;
}
