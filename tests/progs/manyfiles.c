// SPDX-License-Identifier: GPL-2.0
/*
 * manyfiles DIR [N]: N (default 1200) regular files open at once, enough
 * that their FILE records span several of restore's 64 KiB read-ahead
 * refills, some records straddling a refill.
 *
 *   DIR/files/I holds 8 KiB, byte J being (I * 31 + J) & 0xff; every
 *   tenth file (I % 10 == 9) is DIR/files/sub/I instead, so that paths
 *   share more or less of their start with the one before.  The fds
 *   come from open() in order (3, 4, ...): fd of file I is at offset
 *   I * 13 % 8192, every third one O_CLOEXEC, every fifth one O_APPEND
 *   (opened O_RDWR).  Then, for the image's front coding (each path is
 *   stored as what it shares with the previous one and the rest): the
 *   last file opened again (the same path twice in a row), a pipe (no
 *   path) with one byte in it, and file 0 opened again (a path after
 *   none); both new opens O_RDONLY at offsets 100 and 200.  Then
 *   DIR/ready.
 *   When DIR/go appears: each fd must be open on its own file (st_ino),
 *   at its offset, with its flags, and read the right byte there; the
 *   pipe must hold its byte.  Prints "all checks passed" and exits 0, or
 *   says which fd failed and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

#define SIZE	8192

struct rec {
	int fd;
	ino_t ino;
};

static void die(const char *what, int i)
{
	fprintf(stderr, "manyfiles: %s (file %d): %s\n", what, i,
		strerror(errno));
	exit(1);
}

static off_t offset_of(int i)
{
	return (off_t)i * 13 % SIZE;
}

static void path_of(char *path, size_t size, const char *dir, int i)
{
	snprintf(path, size, "%s/files/%s%d", dir, i % 10 == 9 ? "sub/" : "",
		 i);
}

/* fd, a second open file of file @i at @off, checked after the restart */
static int again(const char *dir, int i, off_t off)
{
	char path[4096];
	int fd;

	path_of(path, sizeof(path), dir, i);
	fd = open(path, O_RDONLY);
	if (fd < 0 || lseek(fd, off, SEEK_SET) != off)
		die("open again", i);
	return fd;
}

static void check_again(int fd, const struct rec *rec, int i, off_t off)
{
	unsigned char b;
	struct stat st;

	if (fstat(fd, &st) || st.st_ino != rec->ino)
		die("second fd is not open on its file", i);
	if (lseek(fd, 0, SEEK_CUR) != off ||
	    (fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY)
		die("second fd: wrong offset or flags", i);
	if (pread(fd, &b, 1, off) != 1 || b != (unsigned char)(i * 31 + off))
		die("second fd: wrong data", i);
}

static int flags_of(int i)
{
	return (i % 3 == 0 ? O_CLOEXEC : 0) | (i % 5 == 0 ? O_APPEND : 0);
}

int main(int argc, char **argv)
{
	unsigned char data[SIZE];
	struct rlimit rl;
	struct rec *recs;
	char path[4096];
	int n = 1200, i, j, last, first, pfd[2];
	char c;

	if (argc < 2 || argc > 3)
		die("usage: manyfiles DIR [N]", 0);
	if (argc == 3)
		n = atoi(argv[2]);
	if (n <= 0 || n > 100000)
		die("bad N", n);
	rl.rlim_cur = rl.rlim_max = n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit", 0);
	recs = calloc(n, sizeof(*recs));
	if (!recs)
		die("calloc", 0);
	snprintf(path, sizeof(path), "%s/files", argv[1]);
	if (mkdir(path, 0755) && errno != EEXIST)
		die("mkdir", 0);
	snprintf(path, sizeof(path), "%s/files/sub", argv[1]);
	if (mkdir(path, 0755) && errno != EEXIST)
		die("mkdir sub", 0);
	for (i = 0; i < n; i++) {
		struct stat st;
		int fd;

		for (j = 0; j < SIZE; j++)
			data[j] = (unsigned char)(i * 31 + j);
		path_of(path, sizeof(path), argv[1], i);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | flags_of(i),
			  0644);
		if (fd < 0 || write_all(fd, data, SIZE) ||
		    lseek(fd, offset_of(i), SEEK_SET) != offset_of(i) ||
		    fstat(fd, &st))
			die("set up", i);
		recs[i].fd = fd;
		recs[i].ino = st.st_ino;
	}
	last = again(argv[1], n - 1, 100);
	if (pipe(pfd) || write(pfd[1], "p", 1) != 1)
		die("pipe", 0);
	first = again(argv[1], 0, 200);
	if (announce_ready(argv[1]))
		die("ready file", 0);
	wait_for_go(argv[1]);
	check_again(last, &recs[n - 1], n - 1, 100);
	check_again(first, &recs[0], 0, 200);
	if (read(pfd[0], &c, 1) != 1 || c != 'p')
		die("the pipe lost its byte", 0);

	for (i = 0; i < n; i++) {
		int fd = recs[i].fd, fl = fcntl(fd, F_GETFL),
		    fdfl = fcntl(fd, F_GETFD);
		unsigned char b;
		struct stat st;

		if (fstat(fd, &st) || st.st_ino != recs[i].ino)
			die("fd is not open on its file", i);
		if (lseek(fd, 0, SEEK_CUR) != offset_of(i))
			die("wrong offset", i);
		if (fl < 0 || fdfl < 0 ||
		    !!(fl & O_APPEND) != !!(flags_of(i) & O_APPEND) ||
		    (fl & O_ACCMODE) != O_RDWR ||
		    !!(fdfl & FD_CLOEXEC) != !!(flags_of(i) & O_CLOEXEC))
			die("wrong flags", i);
		if (read(fd, &b, 1) != 1 ||
		    b != (unsigned char)(i * 31 + offset_of(i)))
			die("wrong data at its offset", i);
	}
	printf("all checks passed (%d files)\n", n);
	return 0;
}
