// SPDX-License-Identifier: GPL-2.0
/*
 * mempolicy bind|preferred NODE CMD [ARG...]: run CMD with that memory
 * policy (set_mempolicy(2) MPOL_BIND or MPOL_PREFERRED on node NODE),
 * which it and its children inherit, as numactl --membind/--preferred
 * would (the guest has no numactl).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_PREFERRED	1
#define MPOL_BIND	2

int main(int argc, char **argv)
{
	unsigned long mask;
	long node;
	int mode;

	if (argc < 4 || (strcmp(argv[1], "bind") && strcmp(argv[1], "preferred"))) {
		fprintf(stderr, "usage: mempolicy bind|preferred NODE CMD [ARG...]\n");
		return 2;
	}
	node = strtol(argv[2], NULL, 10);
	if (node < 0 || node >= (long)(8 * sizeof(mask))) {
		fprintf(stderr, "mempolicy: node %s out of range\n", argv[2]);
		return 2;
	}
	mode = strcmp(argv[1], "bind") ? MPOL_PREFERRED : MPOL_BIND;
	mask = 1UL << node;
	if (syscall(SYS_set_mempolicy, mode, &mask, 8 * sizeof(mask) + 1)) {
		fprintf(stderr, "mempolicy: set_mempolicy: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[3], argv + 3);
	fprintf(stderr, "mempolicy: %s: %s\n", argv[3], strerror(errno));
	return 127;
}
