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
		{ ENOTTY, "ENOTTY" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].n;
	return strerror(e);
}

int main(int argc, char **argv)
{
	struct ckpt_freeze_args a;
	char path[4096];
	int dev, hold;

	if (argc < 3 || (strcmp(argv[1], "try") && strcmp(argv[1], "hold")) ||
	    (!strcmp(argv[1], "hold") && argc != 4)) {
		fprintf(stderr, "usage: freezer try PID [FLAGS [FD [RESERVED]]] | hold PID DIR\n");
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
