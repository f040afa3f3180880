// SPDX-License-Identifier: GPL-2.0
/*
 * hugefill DIR: 8 MiB of private anonymous memory of 2 MiB huge pages
 * (MAP_HUGETLB): huge page 0 with every other 4 KiB page written, huge
 * page 1 written whole, huge page 2 faulted in but left zero, huge page 3
 * never touched; its node-1 policy (mbind MPOL_BIND) when the guest has
 * two nodes.  Writes DIR/ready ("pid=N"), waits for DIR/go, then checks
 * that the mapping is still hugetlb memory of 2 MiB pages (KernelPageSize
 * in /proc/self/smaps) with only the two huge pages that hold data in it
 * (Private_Hugetlb: the zero one was left out), every word, that it
 * takes writes and gives its data to a fork; prints "all checks passed" and exits 0, or names the first
 * difference and exits 1.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>
#include "common.h"

#define HPAGE		(2UL << 20)
#define PG		4096UL
#define NR_HPAGES	4

static unsigned char *mem;

static uint64_t word_at(size_t off)
{
	return 0x6875676566696c6cULL ^ (off * 0x9e3779b97f4a7c15ULL);
}

static int written(size_t off)
{
	if (off < HPAGE)
		return (off / PG) % 2 == 0;
	return off < 2 * HPAGE;
}

/* Every word of the first @nr huge pages as written. */
static int check_data(const char *when, size_t nr)
{
	for (size_t off = 0; off < nr * HPAGE; off += 8) {
		uint64_t want = written(off) ? word_at(off) : 0, got;

		memcpy(&got, mem + off, 8);
		if (got != want) {
			printf("FAIL: %s: word at +0x%zx: 0x%llx, expected 0x%llx\n",
			       when, off, (unsigned long long)got,
			       (unsigned long long)want);
			return 1;
		}
	}
	return 0;
}

/* KernelPageSize and Private_Hugetlb (kB) of the mapping at @addr. */
static int smaps_of(void *addr, long *pagesize, long *hugetlb)
{
	char line[512], want[32];
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	*pagesize = *hugetlb = -1;
	while (fgets(line, sizeof(line), f)) {
		/* A mapping's first line starts with its address, in lower
		 * case hex; its fields' names with a capital.
		 */
		if ((line[0] >= '0' && line[0] <= '9') ||
		    (line[0] >= 'a' && line[0] <= 'f'))
			in = !strncmp(line, want, strlen(want));
		if (!in)
			continue;
		sscanf(line, "KernelPageSize: %ld kB", pagesize);
		sscanf(line, "Private_Hugetlb: %ld kB", hugetlb);
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	long pagesize, hugetlb;
	int st;
	pid_t child;

	if (argc != 2) {
		fprintf(stderr, "usage: hugefill DIR\n");
		return 2;
	}
	close_extra_fds();
	mem = mmap(NULL, NR_HPAGES * HPAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (mem == MAP_FAILED) {
		perror("hugefill: mmap MAP_HUGETLB");
		return 2;
	}
	if (!access("/sys/devices/system/node/node1", F_OK)) {
		unsigned long node1 = 2;

		if (syscall(SYS_mbind, mem, NR_HPAGES * HPAGE, 2 /* BIND */,
			    &node1, 8 * sizeof(node1) + 1, 0)) {
			perror("hugefill: mbind");
			return 2;
		}
	}
	for (size_t off = 0; off < 2 * HPAGE; off += 8)
		if (written(off)) {
			uint64_t w = word_at(off);

			memcpy(mem + off, &w, 8);
		}
	mem[2 * HPAGE] = 0;	/* faulted in, zero */
	if (check_data("before", NR_HPAGES))
		return 2;
	if (announce_ready(argv[1])) {
		perror("hugefill: ready");
		return 2;
	}
	wait_for_go(argv[1]);
	/* Before any read faults the others in: the two with data only. */
	if (smaps_of(mem, &pagesize, &hugetlb)) {
		perror("hugefill: smaps");
		return 1;
	}
	if (pagesize != 2048 || hugetlb != 2 * 2048) {
		printf("FAIL: the mapping has KernelPageSize %ld kB, Private_Hugetlb %ld kB: expected 2048 and 4096 (the two huge pages with data)\n",
		       pagesize, hugetlb);
		return 1;
	}
	if (check_data("after the restore", NR_HPAGES))
		return 1;
	/* Writes stick, and a fork sees the data, its own writes its own. */
	mem[3 * HPAGE + 5] = 7;
	fflush(stdout);
	child = fork();
	if (!child) {
		mem[3 * HPAGE + 5] = 9;
		_exit(check_data("in a fork", 3) ? 1 : mem[3 * HPAGE + 5] == 9 ? 0 : 1);
	}
	if (child < 0 || waitpid(child, &st, 0) != child || !WIFEXITED(st) ||
	    WEXITSTATUS(st)) {
		printf("FAIL: the fork's check (status 0x%x)\n", st);
		return 1;
	}
	if (mem[3 * HPAGE + 5] != 7) {
		printf("FAIL: the fork's write reached the parent\n");
		return 1;
	}
	printf("all checks passed (%ld kB of huge pages)\n", hugetlb);
	return 0;
}
