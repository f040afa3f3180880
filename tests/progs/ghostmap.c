// SPDX-License-Identifier: GPL-2.0
/*
 * ghostmap: mappings of deleted files, as a package upgrade leaves them.
 *
 * ghostmap DIR: copies itself to DIR/bin and runs that copy ("exec DIR"),
 * which then:
 *   - replaces DIR/bin by another file (rename over it): its executable
 *     and its text are now a deleted file;
 *   - maps DIR/lib (4 pages of pattern) privately read-write, writes all
 *     of page 2 (copy on write), maps pages 1-2 again read-exec, and
 *     replaces DIR/lib by a file holding "other";
 *   - maps DIR/shm (2 pages) shared read-write, writes "shared-before"
 *     through the mapping, keeps it open as fd 45, unlinks it;
 * writes DIR/ready, waits for DIR/go, then checks (after a restore):
 * /proc/self/exe is "DIR/bin.ckpt-ghost (deleted)" (another file holds
 * DIR/bin) and the inode its text is mapped from; the private mappings
 * hold the old file's bytes, page 2 its own, and are of
 * "DIR/lib.ckpt-ghost (deleted)"; the shared mapping and fd 45 are one
 * file (a write to either shows in the other) named "DIR/shm (deleted)";
 * the files now at DIR/bin and DIR/lib were not touched.
 *
 * ghostmap forked DIR: the same without the shared mapping, and a child
 * (forked after the setup, then uid 1000) that makes the same checks: a
 * daemon and its worker after an upgrade.
 *
 * ghostmap big DIR: a private mapping of a deleted 65 MiB (sparse) file,
 * more than a checkpoint saves.  ghostmap tree DIR: a shared mapping of a
 * deleted file, and a child sharing it, which writes to it once DIR/go is
 * there; the parent then checks that it sees the write.  Both wait for
 * DIR/go, then check the mapping and exit 0 ("all checks passed").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

#define PG	4096
#define NP	4
#define BIG	(65UL << 20)

static char dir[2048];	/* DIR, short enough for its files' paths */

static void die(const char *what)
{
	fprintf(stderr, "ghostmap: %s (%s)\n", what, strerror(errno));
	exit(1);
}

static void in_dir(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", dir, name);
}

static unsigned char pat(int page, int i)
{
	return (unsigned char)(page * 37 + i * 7 + 1);
}

/* Write @len bytes of @data to DIR/@name.new, then rename it to DIR/@name. */
static void replace_file(const char *name, const void *data, size_t len,
			 mode_t mode)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	int fd;

	in_dir(path, name);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write_all(fd, data, len) || close(fd) ||
	    rename(tmp, path))
		die("replace a file");
}

static int file_is(const char *name, const char *want)
{
	char path[PATH_MAX], buf[64];
	ssize_t n;
	int fd;

	in_dir(path, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n == (ssize_t)strlen(want) && !memcmp(buf, want, n);
}

/* The line of /proc/self/maps for @addr: its inode and path (or ""). */
static int maps_line(const void *addr, unsigned long *ino, char *path)
{
	unsigned long lo, hi, a = (unsigned long)addr;
	char line[PATH_MAX + 128];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		int off = 0;

		if (sscanf(line, "%lx-%lx %*s %*s %*s %lu %n", &lo, &hi, ino,
			   &off) < 3 || a < lo || a >= hi)
			continue;
		strcpy(path, line + off);
		path[strcspn(path, "\n")] = '\0';
		found = 1;
	}
	fclose(f);
	return found;
}

/* Is @addr mapped from DIR/@name, deleted, with inode @want (0: any)? */
static void expect_deleted_map(const void *addr, const char *name,
			       unsigned long want, const char *what)
{
	char path[PATH_MAX], got[PATH_MAX + 128], expect[PATH_MAX + 16];
	unsigned long ino;

	in_dir(path, name);
	snprintf(expect, sizeof(expect), "%s (deleted)", path);
	if (!maps_line(addr, &ino, got))
		die(what);
	if (strcmp(got, expect) || (want && ino != want)) {
		fprintf(stderr, "ghostmap: %s: maps says \"%s\" inode %lu, expected \"%s\" inode %lu\n",
			what, got, ino, expect, want);
		exit(1);
	}
}

static void copy_self(void)
{
	static char buf[1 << 16];
	char path[PATH_MAX];
	int in = open("/proc/self/exe", O_RDONLY), out;
	ssize_t n;

	in_dir(path, "bin");
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (in < 0 || out < 0)
		die("copy myself");
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, n))
			die("copy myself");
	if (n < 0 || close(out))
		die("copy myself");
	close(in);
}

static unsigned char *pmap, *xmap, *smap;

static void check_all(void);

/* forked: without the shared mapping, and a child that checks too. */
static void run_exec(int forked)
{
	unsigned char page[PG];
	char path[PATH_MAX];
	pid_t child = 0;
	int fd, p, i, st;

	replace_file("bin", "new", 3, 0755);

	in_dir(path, "lib");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("create lib");
	for (p = 0; p < NP; p++) {
		for (i = 0; i < PG; i++)
			page[i] = pat(p, i);
		if (write_all(fd, page, PG))
			die("write lib");
	}
	pmap = mmap(NULL, NP * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	xmap = mmap(NULL, 2 * PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, PG);
	if (pmap == MAP_FAILED || xmap == MAP_FAILED)
		die("map lib");
	memset(pmap + 2 * PG, 0xa5, PG);
	close(fd);
	replace_file("lib", "other", 5, 0644);

	if (!forked) {
		in_dir(path, "shm");
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || ftruncate(fd, 2 * PG) || dup2(fd, 45) != 45)
			die("create shm");
		close(fd);
		smap = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED,
			    45, 0);
		if (smap == MAP_FAILED)
			die("map shm");
		memcpy(smap, "shared-before", 13);
		if (unlink(path))
			die("unlink shm");
	} else {
		fflush(NULL);
		child = fork();
		if (child < 0)
			die("fork");
		if (child == 0) {
			/* a worker of another user, as a daemon's are */
			if (setgid(1000) || setuid(1000))
				die("become uid 1000");
			wait_for_go(dir);
			check_all();
			_exit(0);
		}
	}

	if (announce_ready(dir))
		die("ready file");
	wait_for_go(dir);
	check_all();
	if (child && (waitpid(child, &st, 0) != child || !WIFEXITED(st) ||
		      WEXITSTATUS(st))) {
		fprintf(stderr, "ghostmap: the child's checks failed\n");
		exit(1);
	}
	printf("ghostmap: all checks passed\n");
	exit(0);
}

static void check_all(void)
{
	char path[PATH_MAX], link[PATH_MAX + 16], want[PATH_MAX + 16];
	unsigned char page[PG];
	unsigned long text_ino;
	struct stat st, exe;
	ssize_t n;
	int p, i;

	/*
	 * The executable: its old inode, the one its text is mapped from,
	 * named bin.ckpt-ghost, as another file holds bin now.
	 */
	in_dir(path, "bin.ckpt-ghost");
	snprintf(want, sizeof(want), "%s (deleted)", path);
	n = readlink("/proc/self/exe", link, sizeof(link) - 1);
	if (n < 0)
		die("readlink /proc/self/exe");
	link[n] = '\0';
	if (strcmp(link, want)) {
		fprintf(stderr, "ghostmap: /proc/self/exe is \"%s\", expected \"%s\"\n",
			link, want);
		exit(1);
	}
	if (stat("/proc/self/exe", &exe) || exe.st_nlink)
		die("the executable is not a deleted file");
	if (!maps_line((void *)check_all, &text_ino, link))
		die("no mapping of my text");
	if (text_ino != exe.st_ino || strcmp(link, want)) {
		fprintf(stderr, "ghostmap: text mapped from \"%s\" inode %lu, /proc/self/exe is inode %lu\n",
			link, text_ino, (unsigned long)exe.st_ino);
		exit(1);
	}

	/* The private mappings: the old file's bytes, page 2 our own. */
	for (p = 0; p < NP; p++)
		for (i = 0; i < PG; i++)
			if (pmap[p * PG + i] != (p == 2 ? 0xa5 : pat(p, i))) {
				fprintf(stderr, "ghostmap: lib page %d byte %d is 0x%x\n",
					p, i, pmap[p * PG + i]);
				exit(1);
			}
	for (p = 0; p < 2; p++)
		for (i = 0; i < PG; i++)
			if (xmap[p * PG + i] != pat(p + 1, i))
				die("the read-exec mapping of lib differs");
	expect_deleted_map(pmap, "lib.ckpt-ghost", 0,
			   "the private mapping of lib");
	expect_deleted_map(xmap, "lib.ckpt-ghost", 0,
			   "the read-exec mapping of lib");

	/* The shared mapping and fd 45: one deleted file. */
	if (!smap)
		goto replaced;
	if (memcmp(smap, "shared-before", 13))
		die("the shared mapping lost its contents");
	if (fstat(45, &st) || st.st_nlink || st.st_size != 2 * PG)
		die("fd 45 is not the deleted file of 2 pages");
	expect_deleted_map(smap, "shm", st.st_ino, "the shared mapping");
	if (pwrite(45, "via-fd", 6, 100) != 6 || memcmp(smap + 100, "via-fd", 6))
		die("a write to fd 45 does not show in the mapping");
	memcpy(smap + PG + 8, "via-map", 7);
	if (pread(45, page, 7, PG + 8) != 7 || memcmp(page, "via-map", 7))
		die("a write to the mapping does not show through fd 45");

replaced:
	/* What replaced the files is as it was. */
	if (!file_is("bin", "new") || !file_is("lib", "other"))
		die("the files now at DIR/bin or DIR/lib were changed");
}

/* A mapping of deleted DIR/@name of @size bytes, "x" at its start. */
static char *deleted_map(const char *name, size_t size, int flags)
{
	char path[PATH_MAX];
	char *m;
	int fd;

	in_dir(path, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, size) || pwrite(fd, "x", 1, 0) != 1)
		die("create the file");
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (m == MAP_FAILED)
		die("map the file");
	if (close(fd) || unlink(path))
		die("unlink the file");
	return m;
}

static void run_big(void)
{
	char *m = deleted_map("big", BIG, MAP_PRIVATE);

	if (announce_ready(dir))
		die("ready file");
	wait_for_go(dir);
	if (m[0] != 'x' || m[BIG - 1])
		die("the mapping changed");
	printf("ghostmap: all checks passed\n");
	exit(0);
}

static void run_tree(void)
{
	char *m = deleted_map("t", PG, MAP_SHARED);
	pid_t child;
	int st;

	fflush(NULL);
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		wait_for_go(dir);
		m[1] = 'c';
		_exit(0);
	}
	if (announce_ready(dir))
		die("ready file");
	wait_for_go(dir);
	if (waitpid(child, &st, 0) != child || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		die("the child failed");
	if (m[0] != 'x' || m[1] != 'c')
		die("the mapping is not shared with the child");
	printf("ghostmap: all checks passed\n");
	exit(0);
}

int main(int argc, char **argv)
{
	char self[PATH_MAX];

	if (argc == 2 || (argc == 3 && !strcmp(argv[1], "forked"))) {
		snprintf(dir, sizeof(dir), "%s", argv[argc - 1]);
		copy_self();
		in_dir(self, "bin");
		execl(self, self, argc == 2 ? "exec" : "execfork", dir,
		      (char *)NULL);
		die("exec my copy");
	}
	if (argc != 3)
		die("usage: ghostmap DIR | ghostmap forked|big|tree DIR");
	snprintf(dir, sizeof(dir), "%s", argv[2]);
	if (!strcmp(argv[1], "exec") || !strcmp(argv[1], "execfork"))
		run_exec(!strcmp(argv[1], "execfork"));
	if (!strcmp(argv[1], "big"))
		run_big();
	if (!strcmp(argv[1], "tree"))
		run_tree();
	die("unknown mode");
	return 1;
}
