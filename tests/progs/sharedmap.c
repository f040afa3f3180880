// SPDX-License-Identifier: GPL-2.0
/*
 * sharedmap DIR: MAP_SHARED mappings of files come back shared with the
 * file, not as private copies.
 *
 * DIR/data (64 KiB pattern) is mapped shared read-write at file offset
 * 4096 and its fd closed; "hello shared" is written through the mapping.
 * DIR/ro is mapped shared read-only from an O_RDONLY fd.  Writes
 * DIR/ready, waits for DIR/go.  Then: the mapping still shows what was
 * written and the pattern; a write through the mapping is seen by pread()
 * on a new descriptor (the page cache is shared); a write to the file is
 * seen through the mapping; the read-only mapping shows DIR/ro.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define SIZE	65536
#define OFF	4096
#define LEN	32768

static char path[3][4096];

static void die(const char *what)
{
	fprintf(stderr, "sharedmap: %s (%s)\n", what, strerror(errno));
	exit(1);
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 13 + 5);
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	static unsigned char buf[SIZE];
	char tmp[4096], got[16];
	unsigned char *m;
	const char *ro;
	size_t i;
	int fd;
	FILE *f;

	if (argc != 2)
		die("usage: sharedmap DIR");
	snprintf(path[0], sizeof(path[0]), "%s/data", argv[1]);
	snprintf(path[1], sizeof(path[1]), "%s/ro", argv[1]);
	snprintf(path[2], sizeof(path[2]), "%s/go", argv[1]);
	for (i = 0; i < SIZE; i++)
		buf[i] = pattern(i);
	fd = open(path[0], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, SIZE) != SIZE)
		die("data file");
	m = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, OFF);
	if (m == MAP_FAILED)
		die("mmap data");
	close(fd);
	memcpy(m, "hello shared", 12);
	fd = open(path[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "read-only view", 14) != 14)
		die("ro file");
	close(fd);
	fd = open(path[1], O_RDONLY);
	ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (fd < 0 || ro == MAP_FAILED)
		die("mmap ro");
	close(fd);

	snprintf(tmp, sizeof(tmp), "%s/ready.tmp", argv[1]);
	f = fopen(tmp, "w");
	snprintf((char *)buf, sizeof(buf), "%s/ready", argv[1]);
	if (!f || fprintf(f, "pid=%d\n", getpid()) < 0 || fclose(f) ||
	    rename(tmp, (char *)buf))
		die("ready file");
	while (access(path[2], F_OK))
		nanosleep(&tick, NULL);

	if (memcmp(m, "hello shared", 12))
		die("the shared mapping lost what was written to it");
	for (i = 12; i < LEN; i++)
		if (m[i] != pattern(OFF + i))
			die("the shared mapping shows the wrong file data");
	memcpy(m + 100, "after", 5);
	fd = open(path[0], O_RDWR);
	if (fd < 0 || pread(fd, got, 5, OFF + 100) != 5 ||
	    memcmp(got, "after", 5))
		die("a write through the mapping is not in the file");
	if (pwrite(fd, "filewrite", 9, OFF + 200) != 9 ||
	    memcmp(m + 200, "filewrite", 9))
		die("a write to the file is not seen through the mapping");
	if (memcmp(ro, "read-only view", 14))
		die("the read-only shared mapping shows the wrong data");
	printf("sharedmap: all checks passed\n");
	return 0;
}
