// SPDX-License-Identifier: GPL-2.0
/*
 * numapol DIR [NODE]: NUMA memory policies to checkpoint and restore, on
 * node NODE (0 by default) but the main thread's, on node 0:
 *  - the main thread: MPOL_INTERLEAVE | MPOL_F_STATIC_NODES on node 0
 *    (so that, with NODE 1, only the mappings' policies place their
 *    pages on node 1);
 *  - a second thread: MPOL_PREFERRED;
 *  - four regions of 16 pages: MPOL_BIND (mbind), MPOL_PREFERRED_MANY
 *    with a home node (set_mempolicy_home_node), MPOL_LOCAL, and none
 *    (the middle of a region of its own, between two bound halves);
 * each region filled with a pattern.  Writes DIR/ready, waits for
 * DIR/go, then checks with get_mempolicy(2) that every policy is what
 * it set (the second thread its own), and the patterns; prints "all
 * checks passed" and exits 0, or names the first difference and
 * exits 1.
 */
#define _GNU_SOURCE
#include <linux/mempolicy.h>
#include <pthread.h>
#include <sys/mman.h>
#include "common.h"

#ifndef SYS_set_mempolicy_home_node
#define SYS_set_mempolicy_home_node 450
#endif

#define PG		4096UL
#define RPAGES		16
#define MAXNODE		(8 * sizeof(unsigned long) + 1)

static unsigned long node_mask, node0 = 1;
static int bad;
static pthread_barrier_t set_up, check;

static void fail(const char *what, long got, long want)
{
	printf("FAIL: %s: %ld, expected %ld\n", what, got, want);
	fflush(stdout);
	bad = 1;
}

/* get_mempolicy(2) of the calling thread (@addr NULL) or of @addr. */
static void check_policy(const char *what, void *addr, int want_mode,
			 unsigned long want_nodes)
{
	unsigned long nodes = 0;
	int mode = -1;

	if (syscall(SYS_get_mempolicy, &mode, &nodes, MAXNODE, addr,
		    addr ? MPOL_F_ADDR : 0)) {
		printf("FAIL: %s: get_mempolicy: %s\n", what, strerror(errno));
		bad = 1;
		return;
	}
	if (mode != want_mode)
		fail(what, mode, want_mode);
	else if (nodes != want_nodes)
		fail(what, (long)nodes, (long)want_nodes);
}

static void *second(void *arg)
{
	(void)arg;
	if (syscall(SYS_set_mempolicy, MPOL_PREFERRED, &node_mask, MAXNODE)) {
		perror("numapol: set_mempolicy (thread)");
		exit(2);
	}
	pthread_barrier_wait(&set_up);
	pthread_barrier_wait(&check);
	check_policy("second thread's policy", NULL, MPOL_PREFERRED,
		     node_mask);
	return NULL;
}

static void fill(unsigned char *p, size_t len, unsigned char seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(seed + i * 7);
}

static void verify(const char *what, const unsigned char *p, size_t len,
		   unsigned char seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (unsigned char)(seed + i * 7)) {
			fail(what, p[i], (unsigned char)(seed + i * 7));
			return;
		}
}

static void mbind_or_die(void *addr, size_t len, int mode,
			 unsigned long *nodes)
{
	if (syscall(SYS_mbind, addr, len, mode, nodes, nodes ? MAXNODE : 0,
		    0)) {
		perror("numapol: mbind");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	unsigned char *bind, *many, *local, *split;
	pthread_t th;
	long node;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: numapol DIR [NODE]\n");
		return 2;
	}
	close_extra_fds();
	node = argc > 2 ? parse_ll(argv[2]) : 0;
	if (node < 0 || node >= 64) {
		fprintf(stderr, "numapol: node out of range\n");
		return 2;
	}
	node_mask = 1UL << node;
	if (syscall(SYS_set_mempolicy, MPOL_INTERLEAVE | MPOL_F_STATIC_NODES,
		    &node0, MAXNODE)) {
		perror("numapol: set_mempolicy");
		return 2;
	}
	bind = mmap(NULL, 4 * RPAGES * PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bind == MAP_FAILED) {
		perror("numapol: mmap");
		return 2;
	}
	/* Four regions, guard pages between them so that none merge. */
	many = bind + RPAGES * PG;
	local = many + RPAGES * PG;
	split = local + RPAGES * PG;
	mbind_or_die(bind, (RPAGES - 1) * PG, MPOL_BIND, &node_mask);
	mbind_or_die(many, (RPAGES - 1) * PG, MPOL_PREFERRED_MANY, &node_mask);
	if (syscall(SYS_set_mempolicy_home_node, many, (RPAGES - 1) * PG,
		    node, 0)) {
		perror("numapol: set_mempolicy_home_node");
		return 2;
	}
	mbind_or_die(local, (RPAGES - 1) * PG, MPOL_LOCAL, NULL);
	/* The split region: bound halves around a middle with none. */
	mbind_or_die(split, 4 * PG, MPOL_BIND, &node_mask);
	mbind_or_die(split + 12 * PG, 4 * PG, MPOL_BIND, &node_mask);
	munmap(bind + (RPAGES - 1) * PG, PG);
	munmap(many + (RPAGES - 1) * PG, PG);
	munmap(local + (RPAGES - 1) * PG, PG);
	fill(bind, (RPAGES - 1) * PG, 1);
	fill(many, (RPAGES - 1) * PG, 2);
	fill(local, (RPAGES - 1) * PG, 3);
	fill(split, RPAGES * PG, 4);
	pthread_barrier_init(&set_up, NULL, 2);
	pthread_barrier_init(&check, NULL, 2);
	if (pthread_create(&th, NULL, second, NULL)) {
		fprintf(stderr, "numapol: pthread_create failed\n");
		return 2;
	}
	pthread_barrier_wait(&set_up);
	if (announce_ready(argv[1])) {
		perror("numapol: ready");
		return 2;
	}
	wait_for_go(argv[1]);
	check_policy("main thread's policy", NULL,
		     MPOL_INTERLEAVE | MPOL_F_STATIC_NODES, node0);
	check_policy("MPOL_BIND region", bind, MPOL_BIND, node_mask);
	check_policy("MPOL_PREFERRED_MANY region", many, MPOL_PREFERRED_MANY,
		     node_mask);
	check_policy("MPOL_LOCAL region", local, MPOL_LOCAL, 0);
	check_policy("split region, first part", split, MPOL_BIND, node_mask);
	check_policy("split region, middle", split + 8 * PG, MPOL_DEFAULT, 0);
	check_policy("split region, last part", split + 12 * PG, MPOL_BIND,
		     node_mask);
	verify("MPOL_BIND region data", bind, (RPAGES - 1) * PG, 1);
	verify("MPOL_PREFERRED_MANY region data", many, (RPAGES - 1) * PG, 2);
	verify("MPOL_LOCAL region data", local, (RPAGES - 1) * PG, 3);
	verify("split region data", split, RPAGES * PG, 4);
	pthread_barrier_wait(&check);
	pthread_join(th, NULL);
	if (bad)
		return 1;
	printf("all checks passed\n");
	return 0;
}
