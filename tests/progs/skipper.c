// SPDX-License-Identifier: GPL-2.0
/*
 * skipper DIR [devmap]: a process with descriptors no checkpoint can keep,
 * for ckpt --skip=fds (and with "devmap" a read-only mapping of /dev/mem,
 * for --skip=devmaps: after restart its range must be unmapped).  fd 5:
 * DIR/data, read 3 bytes in (offset 3); fd 7: a fanotify instance; fd 8:
 * an io_uring (if the kernel allows one, else a second fanotify); 64 KiB
 * of memory with a pattern.  DIR/ready, wait for
 * DIR/go, then checks: fds 7 and 8 are closed (EBADF), fd 5 is DIR/data
 * at offset 3 and reads "def", the memory is intact.  Prints "all checks
 * passed" (exit 0), or exits 1 naming the check.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "common.h"

#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif

static void die(const char *what)
{
	fprintf(stderr, "skipper: %s (errno %d)\n", what, errno);
	exit(1);
}

int main(int argc, char **argv)
{
	static unsigned char mem[65536];
	unsigned char params[120] = { 0 };	/* struct io_uring_params */
	char path[4096], buf[4];
	unsigned char vec;
	void *dev = NULL;
	int fd, i;

	if (argc < 2)
		return 2;
	close_extra_fds();
	snprintf(path, sizeof(path), "%s/data", argv[1]);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "abcdef", 6) != 6 ||
	    lseek(fd, 3, SEEK_SET) != 3 || dup2(fd, 5) != 5)
		die("data file as fd 5");
	close(fd);
	fd = fanotify_init(FAN_CLASS_NOTIF, O_RDONLY);
	if (fd < 0 || fanotify_mark(fd, FAN_MARK_ADD, FAN_OPEN | FAN_ONDIR,
				    AT_FDCWD, argv[1]) < 0 ||
	    dup2(fd, 7) != 7)
		die("fanotify as fd 7");
	close(fd);
	fd = syscall(SYS_io_uring_setup, 4, params);
	if (fd < 0)
		fd = fanotify_init(FAN_CLASS_NOTIF, O_RDONLY);
	if (fd < 0 || dup2(fd, 8) != 8)
		die("io_uring as fd 8");
	close(fd);
	for (i = 0; i < (int)sizeof(mem); i++)
		mem[i] = (unsigned char)(i * 13 + 5);
	if (argc > 2 && !strcmp(argv[2], "devmap")) {
		/* the BIOS area: /dev/mem allows it even with STRICT_DEVMEM */
		fd = open("/dev/mem", O_RDONLY);
		dev = fd < 0 ? MAP_FAILED :
		      mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0xf0000);
		if (dev == MAP_FAILED) {
			fprintf(stderr, "skipper: cannot map /dev/mem (errno %d)\n",
				errno);
			return 3;
		}
		close(fd);
		snprintf(path, sizeof(path), "%s/devmap", argv[1]);
		fd = open(path, O_WRONLY | O_CREAT, 0644);
		if (fd < 0 || dprintf(fd, "%p\n", dev) < 0)
			die("write DIR/devmap");
		close(fd);
	}
	if (announce_ready(argv[1]))
		die("announce_ready");
	wait_for_go(argv[1]);

	if (fcntl(7, F_GETFD) != -1 || errno != EBADF)
		die("fd 7 (inotify) is open after restart");
	if (fcntl(8, F_GETFD) != -1 || errno != EBADF)
		die("fd 8 (io_uring) is open after restart");
	if (lseek(5, 0, SEEK_CUR) != 3)
		die("fd 5 is not at offset 3");
	if (read(5, buf, 3) != 3 || memcmp(buf, "def", 3))
		die("fd 5 does not read 'def'");
	for (i = 0; i < (int)sizeof(mem); i++)
		if (mem[i] != (unsigned char)(i * 13 + 5))
			die("memory changed");
	if (dev && (mincore(dev, 4096, &vec) != -1 || errno != ENOMEM))
		die("the /dev/mem mapping is still mapped after restart");
	printf("skipper: all checks passed\n");
	return 0;
}
