// SPDX-License-Identifier: GPL-2.0
/*
 * hugefill DIR [noreserve]: 8 MiB of private anonymous memory of 2 MiB
 * huge pages (MAP_HUGETLB; all its huge pages with MAP_NORESERVE if
 * asked): huge page 0 with every other 4 KiB page written, huge
 * page 1 written whole, huge page 2 faulted in but left zero, huge page 3
 * never touched; its node-1 policy (mbind MPOL_BIND) when the guest has
 * two nodes; and another huge page written, then made read-only
 * (mprotect).  Writes DIR/ready ("pid=N"), waits for DIR/go, then checks
 * that the mapping is still hugetlb memory of 2 MiB pages (KernelPageSize
 * in /proc/self/smaps) with only the two huge pages that hold data in it
 * (Private_Hugetlb: the zero one was left out), on node 1 (numa_maps)
 * when bound there, every word, that it takes writes and gives its data
 * to a fork; that the read-only one is read-only (r--p) with its data; prints "all checks passed" and exits 0, or names the first
 * difference and exits 1.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>
#include "common.h"

#define HPAGE		(2UL << 20)
#define PG		4096UL
#define NR_HPAGES	4

static unsigned char *mem, *ro;

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

/*
 * KernelPageSize and Private_Hugetlb (kB) of the mapping at @addr, and
 * its permissions (4 characters) into @perms.
 */
static int smaps_of(void *addr, long *pagesize, long *hugetlb, char *perms)
{
	char line[512], want[32];
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	*pagesize = *hugetlb = -1;
	strcpy(perms, "????");
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');

		/* A mapping's first line starts with its address, in lower
		 * case hex; its fields' names with a capital.
		 */
		if ((line[0] >= '0' && line[0] <= '9') ||
		    (line[0] >= 'a' && line[0] <= 'f')) {
			in = !strncmp(line, want, strlen(want));
			if (in && sp && strlen(sp) > 4)
				memcpy(perms, sp + 1, 4);
		}
		if (!in)
			continue;
		sscanf(line, "KernelPageSize: %ld kB", pagesize);
		sscanf(line, "Private_Hugetlb: %ld kB", hugetlb);
	}
	fclose(f);
	return 0;
}

/* Does numa_maps show the pages at @addr on node 1 only? */
static int on_node1(void *addr)
{
	char line[1024], want[32];
	int ok = 0;
	FILE *f = fopen("/proc/self/numa_maps", "r");

	if (!f)
		return 0;
	snprintf(want, sizeof(want), "%lx ", (unsigned long)addr);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want)))
			ok = strstr(line, " N1=") && !strstr(line, " N0=");
	fclose(f);
	return ok;
}

int main(int argc, char **argv)
{
	long pagesize, hugetlb, ro_huge;
	char perms[5] = "";
	int st, two_nodes;
	pid_t child;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "noreserve"))) {
		fprintf(stderr, "usage: hugefill DIR [noreserve]\n");
		return 2;
	}
	close_extra_fds();
	mem = mmap(NULL, NR_HPAGES * HPAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
		   (argc == 3 ? MAP_NORESERVE : 0), -1, 0);
	if (mem == MAP_FAILED) {
		perror("hugefill: mmap MAP_HUGETLB");
		return 2;
	}
	two_nodes = !access("/sys/devices/system/node/node1", F_OK);
	if (two_nodes) {
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
	if (check_data("before", 3))	/* not huge page 3: untouched */
		return 2;
	ro = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
		  (argc == 3 ? MAP_NORESERVE : 0), -1, 0);
	if (ro == MAP_FAILED) {
		perror("hugefill: mmap MAP_HUGETLB (read-only one)");
		return 2;
	}
	memset(ro, 0x5a, HPAGE);
	if (mprotect(ro, HPAGE, PROT_READ)) {
		perror("hugefill: mprotect");
		return 2;
	}
	if (announce_ready(argv[1])) {
		perror("hugefill: ready");
		return 2;
	}
	wait_for_go(argv[1]);
	/* Before any read faults the others in: the two with data only. */
	if (smaps_of(mem, &pagesize, &hugetlb, perms)) {
		perror("hugefill: smaps");
		return 1;
	}
	if (pagesize != 2048 || hugetlb != 2 * 2048) {
		printf("FAIL: the mapping has KernelPageSize %ld kB, Private_Hugetlb %ld kB: expected 2048 and 4096 (the two huge pages with data)\n",
		       pagesize, hugetlb);
		return 1;
	}
	if (two_nodes && !on_node1(mem)) {
		printf("FAIL: the huge pages bound to node 1 are not all there (numa_maps)\n");
		return 1;
	}
	if (check_data("after the restore", NR_HPAGES))
		return 1;
	if (smaps_of(ro, &pagesize, &ro_huge, perms)) {
		perror("hugefill: smaps");
		return 1;
	}
	if (pagesize != 2048 || strcmp(perms, "r--p")) {
		printf("FAIL: the read-only huge page is %s, KernelPageSize %ld kB: expected r--p, 2048\n",
		       perms, pagesize);
		return 1;
	}
	for (size_t off = 0; off < HPAGE; off++)
		if (ro[off] != 0x5a) {
			printf("FAIL: read-only huge page byte +0x%zx: 0x%x\n",
			       off, ro[off]);
			return 1;
		}
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
