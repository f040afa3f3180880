// SPDX-License-Identifier: GPL-2.0
/*
 * freezer: CKPT_IOC_FREEZE from the command line, for case 99.
 *
 * freezer try PID [FLAGS [FD [RESERVED]]]: one call with those fields
 *	(PID "self": the freezer's own);
 *	prints "freeze=ok" (and closes the descriptor at once) or
 *	"freeze=ENAME".
 * freezer hold PID DIR: holds PID; writes DIR/held once frozen, then
 *	waits for DIR/release and closes the descriptor; prints
 *	"freeze=ok fd=N cloexec=C" or "freeze=ENAME".
 * freezer release IMAGE: CKPT_IOC_RESTORE_RELEASE's refusals and its
 *	one success, on a restore of IMAGE prepared (never run) without and
 *	with CKPT_RESTORE_HOLD; prints "release: A B C D E F": nothing
 *	prepared, no hold, flags, reserved, the release, a second release.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/ckpt.h>
#include "common.h"

static const char *ename(int e)
{
	static const struct { int e; const char *n; } names[] = {
		{ EINVAL, "EINVAL" }, { ESRCH, "ESRCH" }, { EPERM, "EPERM" },
		{ EDEADLK, "EDEADLK" }, { EBUSY, "EBUSY" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { EFAULT, "EFAULT" },
		{ ENOTTY, "ENOTTY" }, { ENOENT, "ENOENT" },
		{ EALREADY, "EALREADY" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].n;
	return strerror(e);
}

/* CKPT_IOC_RESTORE_RELEASE on @dev with @flags, @reserved: its result */
static const char *release(int dev, unsigned int flags, unsigned long long rsv)
{
	struct ckpt_restore_release_args a = {
		.size = sizeof(a), .flags = flags, .reserved = { 0, rsv },
	};

	return ioctl(dev, CKPT_IOC_RESTORE_RELEASE, &a) ? ename(errno) : "ok";
}

/* A restore of @image prepared on a new open file, with @flags. */
static int prepared(const char *image, unsigned int flags)
{
	struct ckpt_restore_args p;
	int dev = open("/dev/ckpt", O_RDWR | O_CLOEXEC);
	int img = open(image, O_RDONLY | O_CLOEXEC);

	if (dev < 0 || img < 0) {
		perror(image);
		exit(1);
	}
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.flags = flags;
	p.fd = img;
	if (ioctl(dev, CKPT_IOC_RESTORE_PREPARE, &p)) {
		fprintf(stderr, "freezer: RESTORE_PREPARE: %s\n",
			strerror(errno));
		exit(1);
	}
	close(img);
	return dev;
}

static int release_checks(const char *image)
{
	int none = open("/dev/ckpt", O_RDWR | O_CLOEXEC);
	int plain = prepared(image, 0);
	int held = prepared(image, CKPT_RESTORE_HOLD);

	if (none < 0) {
		perror("/dev/ckpt");
		return 1;
	}
	printf("release: %s", release(none, 0, 0));
	printf(" %s", release(plain, 0, 0));
	printf(" %s", release(held, 1, 0));
	printf(" %s", release(held, 0, 1));
	printf(" %s", release(held, 0, 0));
	printf(" %s\n", release(held, 0, 0));
	return 0;
}

int main(int argc, char **argv)
{
	struct ckpt_freeze_args a;
	char path[4096];
	int dev, hold;

	if (argc == 3 && !strcmp(argv[1], "release"))
		return release_checks(argv[2]);
	if (argc < 3 || (strcmp(argv[1], "try") && strcmp(argv[1], "hold")) ||
	    (!strcmp(argv[1], "hold") && argc != 4)) {
		fprintf(stderr, "usage: freezer try PID [FLAGS [FD [RESERVED]]] | hold PID DIR | release IMAGE\n");
		return 2;
	}
	dev = open("/dev/ckpt", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror("/dev/ckpt");
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.pid = strcmp(argv[2], "self") ? atoi(argv[2]) : getpid();
	hold = !strcmp(argv[1], "hold");
	if (!hold) {
		if (argc > 3)
			a.flags = strtoul(argv[3], NULL, 0);
		if (argc > 4)
			a.fd = atoi(argv[4]);
		if (argc > 5)
			a.reserved[1] = strtoull(argv[5], NULL, 0);
	}
	if (ioctl(dev, CKPT_IOC_FREEZE, &a)) {
		printf("freeze=%s\n", ename(errno));
		return 0;
	}
	if (!hold) {
		printf("freeze=ok\n");
		close(a.fd);
		return 0;
	}
	printf("freeze=ok fd=%d cloexec=%d\n", a.fd,
	       !!(fcntl(a.fd, F_GETFD) & FD_CLOEXEC));
	fflush(stdout);
	snprintf(path, sizeof(path), "%s/held", argv[3]);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	snprintf(path, sizeof(path), "%s/release", argv[3]);
	while (access(path, F_OK))
		usleep(20000);
	close(a.fd);
	return 0;
}
