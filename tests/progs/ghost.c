// SPDX-License-Identifier: GPL-2.0
/*
 * ghost DIR: files deleted while open come back with their contents, and
 * a removed cwd comes back removed.
 *
 * DIR/g: 100 KiB of pattern, a hole, "tail" at 1 MiB, then unlinked,
 * kept open read-write at offset 5000 (and dup'ed to fd 40).  An O_TMPFILE
 * in DIR holding "tmp", open write-only and appending.  Writes DIR/ready, waits for
 * DIR/go.  Then: the contents, the hole, the size and the offset are
 * back; fd 40 shares the offset; both fds still say "DIR/g (deleted)",
 * the O_TMPFILE its "DIR/#INO (deleted)" as before; writing
 * to the O_TMPFILE works and reads back.  Exit 0 or 1 with a reason.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

#define PAT	(100 * 1024)
#define TAIL	(1024 * 1024)

static void die(const char *what)
{
	fprintf(stderr, "ghost: %s (%s)\n", what, strerror(errno));
	exit(1);
}

/* /proc/self/fd/@fd's target in @target (4096 bytes), or "". */
static void fd_link(int fd, char *target)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, 4095);
	target[n > 0 ? n : 0] = '\0';
}

/* "PATH (deleted)", as @before said. */
static int deleted(int fd, const char *before)
{
	char target[4096];

	fd_link(fd, target);
	return strstr(target, "(deleted)") != NULL && !strcmp(target, before);
}

int main(int argc, char **argv)
{
	static unsigned char buf[PAT];
	char path[4096], c[8], g_link[4096], t_link[4096], wd_link[4200];
	char cwd[4200];
	ssize_t n;
	struct stat st;
	int fd, t;
	size_t i;

	if (argc != 2)
		die("usage: ghost DIR");
	snprintf(path, sizeof(path), "%s/g", argv[1]);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	for (i = 0; i < PAT; i++)
		buf[i] = (unsigned char)(i * 31 + 1);
	if (fd < 0 || write(fd, buf, PAT) != PAT ||
	    pwrite(fd, "tail", 4, TAIL) != 4 || unlink(path) ||
	    lseek(fd, 5000, SEEK_SET) != 5000 || dup2(fd, 40) != 40)
		die("setup g");
	t = open(argv[1], O_TMPFILE | O_RDWR, 0600);
	if (t < 0 || write(t, "tmp", 3) != 3 || dup2(t, 41) != 41)
		die("setup tmpfile");
	close(t);
	/* write-only and appending, same inode */
	t = open("/proc/self/fd/41", O_WRONLY | O_APPEND);
	close(41);
	if (t < 0)
		die("reopen tmpfile");

	fd_link(fd, g_link);
	fd_link(t, t_link);
	/* A cwd removed under us: DIR/wd. */
	snprintf(path, sizeof(path), "%s/wd", argv[1]);
	if (mkdir(path, 0755) || chdir(path) || rmdir(path))
		die("setup the removed cwd");
	snprintf(wd_link, sizeof(wd_link), "%s (deleted)", path);
	if (announce_ready(argv[1]))
		die("ready file");
	wait_for_go(argv[1]);

	if (fstat(fd, &st) || st.st_size != TAIL + 4)
		die("the deleted file's size changed");
	if (lseek(40, 0, SEEK_CUR) != 5000)
		die("the offset is lost");
	memset(buf, 0, sizeof(buf));
	if (pread(fd, buf, PAT, 0) != PAT)
		die("read");
	for (i = 0; i < PAT; i++)
		if (buf[i] != (unsigned char)(i * 31 + 1))
			die("the deleted file's contents differ");
	if (pread(fd, buf, 4096, PAT + 4096) != 4096)
		die("read the hole");
	for (i = 0; i < 4096; i++)
		if (buf[i])
			die("the hole does not read as zeros");
	if (pread(fd, c, 4, TAIL) != 4 || memcmp(c, "tail", 4))
		die("the data after the hole is lost");
	if (!deleted(fd, g_link) || !deleted(40, g_link) || !deleted(t, t_link))
		die("a restored file is not shown as deleted, by its name");
	if (write(40, "X", 1) != 1 || lseek(fd, 0, SEEK_CUR) != 5001)
		die("fd 40 does not share the offset");
	if (write(t, "++", 2) != 2 || fstat(t, &st) || st.st_size != 5)
		die("the O_TMPFILE lost its contents or is not writable");
	n = readlink("/proc/self/cwd", cwd, sizeof(cwd) - 1);
	cwd[n > 0 ? n : 0] = '\0';
	if (strcmp(cwd, wd_link)) {
		fprintf(stderr, "ghost: cwd is \"%s\", expected \"%s\"\n", cwd,
			wd_link);
		exit(1);
	}
	if (stat(".", &st) || !S_ISDIR(st.st_mode) || st.st_nlink)
		die("the cwd is not a removed directory");
	errno = 0;
	if (open("new", O_CREAT | O_WRONLY, 0600) >= 0 || errno != ENOENT)
		die("a file could be made in the removed cwd");
	printf("ghost: all checks passed\n");
	return 0;
}
