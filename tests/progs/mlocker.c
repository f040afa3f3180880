// SPDX-License-Identifier: GPL-2.0
/*
 * mlocker DIR [future|limit]: memory locks survive restart.
 *
 * Three 16-page read-write regions between PROT_NONE guards (so each is
 * one mapping of its own): A filled with a pattern and mlock()ed, B with
 * only its first page touched and mlock2(MLOCK_ONFAULT)ed, C filled and
 * not locked.  "future" also calls mlockall(MCL_FUTURE); "limit" locks
 * only A, then lowers RLIMIT_MEMLOCK to one page (soft and hard).  Then
 * DIR/ready, wait for DIR/go, and check, from /proc/self/smaps and
 * /proc/self/status:
 *  - A: Locked 64 kB and its pattern; C: Locked 0 kB;
 *  - B (not in limit mode): Locked 4 kB, and 8 kB once a second page is
 *    touched (locked on fault, not populated as a plain mlock would);
 *  - VmLck as before the checkpoint (not in future mode, where every new
 *    mapping counts);
 *  - a new 16-page shared anonymous mapping, touched: Locked 64 kB under MCL_FUTURE,
 *    0 kB otherwise.
 * Prints "all checks passed" (exit 0), or exits 1 naming the check.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/resource.h>
#include "common.h"

#define NPG	16

static long pagesz;

static void die(const char *what)
{
	fprintf(stderr, "mlocker: %s (errno %d)\n", what, errno);
	exit(1);
}

/* Locked: (kB) of the mapping holding @addr, or -1. */
static long locked_kb(void *addr, char *flags, size_t flen)
{
	unsigned long a = (unsigned long)addr, s, e;
	char line[512];
	int in = 0;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	if (flags)
		flags[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2) {
			in = s <= a && a < e;
			continue;
		}
		if (!in)
			continue;
		if (!strncmp(line, "Locked:", 7))
			kb = atol(line + 7);
		if (!strncmp(line, "VmFlags:", 8) && flags)
			snprintf(flags, flen, "%.200s", line + 8);
	}
	fclose(f);
	return kb;
}

static long vmlck_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmLck:", 6))
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

static void expect_locked(void *addr, long want, const char *name)
{
	char flags[256], msg[640];
	long kb = locked_kb(addr, flags, sizeof(flags));

	if (kb != want) {
		snprintf(msg, sizeof(msg), "%s: Locked %ld kB, expected %ld kB (VmFlags%s)",
			 name, kb, want, flags);
		errno = 0;
		die(msg);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 2 ? argv[2] : "";
	int future = !strcmp(mode, "future"), limit = !strcmp(mode, "limit");
	unsigned char *base, *a, *b, *c, *d;
	long lck_before, i, kb;

	if (argc < 2)
		return 2;
	close_extra_fds();
	pagesz = sysconf(_SC_PAGESIZE);
	kb = NPG * pagesz / 1024;
	base = mmap(NULL, (3 * NPG + 4) * pagesz, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		die("mmap");
	a = base + pagesz;
	b = a + (NPG + 1) * pagesz;
	c = b + (NPG + 1) * pagesz;
	if (mprotect(a, NPG * pagesz, PROT_READ | PROT_WRITE) ||
	    mprotect(b, NPG * pagesz, PROT_READ | PROT_WRITE) ||
	    mprotect(c, NPG * pagesz, PROT_READ | PROT_WRITE))
		die("mprotect");
	for (i = 0; i < NPG * pagesz; i++) {
		a[i] = (unsigned char)(i * 7 + 3);
		c[i] = (unsigned char)(i * 5 + 1);
	}
	b[0] = 0x5a;
	if (mlock(a, NPG * pagesz))
		die("mlock A");
	if (!limit && syscall(SYS_mlock2, b, NPG * pagesz, MLOCK_ONFAULT))
		die("mlock2 B MLOCK_ONFAULT");
	if (future && mlockall(MCL_FUTURE))
		die("mlockall(MCL_FUTURE)");
	if (limit) {
		struct rlimit rl = { pagesz, pagesz };

		if (setrlimit(RLIMIT_MEMLOCK, &rl))
			die("setrlimit(RLIMIT_MEMLOCK)");
	}
	expect_locked(a, kb, "A before");
	expect_locked(b, limit ? 0 : pagesz / 1024, "B before");
	expect_locked(c, 0, "C before");
	lck_before = vmlck_kb();
	if (announce_ready(argv[1]))
		die("announce_ready");
	wait_for_go(argv[1]);

	expect_locked(a, kb, "A after restart");
	for (i = 0; i < NPG * pagesz; i++)
		if (a[i] != (unsigned char)(i * 7 + 3) ||
		    c[i] != (unsigned char)(i * 5 + 1))
			die("contents of A or C changed");
	expect_locked(c, 0, "C after restart");
	if (!limit) {
		if (b[0] != 0x5a)
			die("contents of B changed");
		expect_locked(b, pagesz / 1024, "B after restart");
		b[3 * pagesz] = 1;
		expect_locked(b, 2 * pagesz / 1024,
			      "B after touching a second page (lock on fault)");
	}
	if (!future && vmlck_kb() != lck_before) {
		fprintf(stderr, "mlocker: VmLck %ld kB, was %ld kB\n",
			vmlck_kb(), lck_before);
		return 1;
	}
	/* shared: never merged with a neighbour */
	d = mmap(NULL, NPG * pagesz, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (d == MAP_FAILED)
		die("mmap D");
	for (i = 0; i < NPG * pagesz; i += pagesz)
		d[i] = 1;
	expect_locked(d, future ? kb : 0, future ?
		      "a new mapping under MCL_FUTURE" :
		      "a new mapping without MCL_FUTURE");
	printf("mlocker: all checks passed\n");
	return 0;
}
