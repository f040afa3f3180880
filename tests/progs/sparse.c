// SPDX-License-Identifier: GPL-2.0
/*
 * sparse DIR: a 16 GiB MAP_NORESERVE reservation with four touched pages
 * comes back (as a reservation: the guest has far less memory), with the
 * touched pages' contents and the untouched ones reading as zeros.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

#define SIZE	(16ULL << 30)

static const unsigned long long at[] = {
	0, 1ULL << 20, 5ULL << 30, SIZE - 4096,
};

static void die(const char *what)
{
	fprintf(stderr, "sparse: %s (%s)\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	unsigned char *m;
	unsigned int i;

	if (argc != 2)
		die("usage: sparse DIR");
	m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		die("mmap");
	for (i = 0; i < 4; i++)
		memset(m + at[i], 0x40 + i, 4096);
	if (announce_ready(argv[1]))
		die("ready file");
	wait_for_go(argv[1]);
	for (i = 0; i < 4; i++)
		if (m[at[i]] != 0x40 + i || m[at[i] + 4095] != 0x40 + i)
			die("a touched page lost its contents");
	if (m[3ULL << 30] || m[SIZE - 8192])
		die("an untouched page does not read as zero");
	printf("sparse: all checks passed\n");
	return 0;
}
