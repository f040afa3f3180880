// SPDX-License-Identifier: GPL-2.0
/*
 * hugezero DIR: a transparent huge page dropped and read again.  2 MiB
 * of private anonymous memory, MADV_HUGEPAGE, filled with 0x5a; ready
 * ("pid=P huge_kb=K": AnonHugePages then).  On DIR/step it drops them
 * (MADV_DONTNEED) and reads every page back: the kernel maps its huge
 * zero page there, whose entry never carries a soft-dirty bit; it writes
 * DIR/stepped.  On DIR/go it checks that all of it reads zeros (not the
 * 0x5a of before the drop: an incremental checkpoint that took the huge
 * zero page for a clean page of the parent's would bring those back) and
 * can be written, then prints "all checks passed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "common.h"

#define HUGE	(2UL << 20)

static void die(const char *what)
{
	fprintf(stderr, "hugezero: %s (%s)\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	char text[128], path[4096];
	volatile unsigned char *p;
	unsigned long i, sum = 0;
	unsigned char *raw;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: hugezero DIR\n");
		return 2;
	}
	raw = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		die("mmap");
	p = (unsigned char *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	if (madvise((void *)p, HUGE, MADV_HUGEPAGE))
		die("madvise(MADV_HUGEPAGE)");
	memset((void *)p, 0x5a, HUGE);
	snprintf(text, sizeof(text), "pid=%d huge_kb=%ld\n", getpid(),
		 anon_huge_kb());
	if (announce_ready_text(argv[1], text))
		die("ready");
	wait_for_file(argv[1], "step");
	if (madvise((void *)p, HUGE, MADV_DONTNEED))
		die("madvise(MADV_DONTNEED)");
	for (i = 0; i < HUGE; i += 4096)
		sum += p[i];
	if (sum)
		die("dropped memory does not read zeros");
	snprintf(path, sizeof(path), "%s/stepped", argv[1]);
	f = fopen(path, "w");
	if (!f || fprintf(f, "huge_kb=%ld\n", anon_huge_kb()) < 0 || fclose(f))
		die("stepped");
	wait_for_go(argv[1]);
	for (i = 0; i < HUGE; i++)
		if (p[i]) {
			fprintf(stderr, "hugezero: byte %lu of the dropped huge page reads 0x%02x, not 0\n",
				i, p[i]);
			return 1;
		}
	for (i = 0; i < HUGE; i += 4096)
		p[i] = (unsigned char)i;
	for (i = 0; i < HUGE; i += 4096)
		if (p[i] != (unsigned char)i)
			die("written memory does not read back");
	printf("hugezero: 2 MiB dropped read zeros after restore: all checks passed\n");
	return 0;
}
