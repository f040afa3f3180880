// SPDX-License-Identifier: GPL-2.0
/*
 * handoff IMAGE UID GID: the restore of IMAGE is prepared on /dev/ckpt
 * by the caller (root), and the descriptor handed to others, as a hostile
 * program would: a child that dropped to UID/GID calls RESTORE_TASK and
 * RESTORE_THREAD on it, then a child with the caller's own credentials
 * calls RESTORE_TASK (not as the image's PID, so the restore then fails
 * its own check).  Prints "user_task=E user_thread=E own_task=E" with
 * each errno's name ("ok" for none); exit 0, or 1 on a setup failure.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <linux/ckpt.h>
#include "common.h"

static const char *ename(int e)
{
	static const struct { int e; const char *n; } names[] = {
		{ 0, "ok" }, { EPERM, "EPERM" }, { ESRCH, "ESRCH" },
		{ ENOENT, "ENOENT" }, { EALREADY, "EALREADY" },
		{ EINVAL, "EINVAL" }, { EBUSY, "EBUSY" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].n;
	return "other";
}

/* The errno of @req on @dev in a child, dropped to @uid/@gid unless -1. */
static int in_child(int dev, unsigned long req, long uid, long gid)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		struct ckpt_restore_task_args a = { .size = sizeof(a) };

		if (uid >= 0 && (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
				 setresuid(uid, uid, uid)))
			_exit(255);
		_exit(ioctl(dev, req, &a) ? errno : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) == 255)
		return -1;
	return WEXITSTATUS(st);
}

int main(int argc, char **argv)
{
	struct ckpt_restore_args a;
	int dev, img, t, th, own;
	long uid, gid;

	if (argc != 4 || (uid = parse_ll(argv[2])) < 0 ||
	    (gid = parse_ll(argv[3])) < 0) {
		fprintf(stderr, "usage: handoff IMAGE UID GID\n");
		return 2;
	}
	dev = open("/dev/ckpt", O_RDWR);
	img = open(argv[1], O_RDONLY);
	if (dev < 0 || img < 0) {
		perror("handoff: open");
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.fd = img;
	if (ioctl(dev, CKPT_IOC_RESTORE_PREPARE, &a)) {
		perror("handoff: RESTORE_PREPARE");
		return 1;
	}
	t = in_child(dev, CKPT_IOC_RESTORE_TASK, uid, gid);
	th = in_child(dev, CKPT_IOC_RESTORE_THREAD, uid, gid);
	own = in_child(dev, CKPT_IOC_RESTORE_TASK, -1, -1);
	if (t < 0 || th < 0 || own < 0) {
		fprintf(stderr, "handoff: a child failed to run\n");
		return 1;
	}
	printf("user_task=%s user_thread=%s own_task=%s\n", ename(t),
	       ename(th), ename(own));
	return 0;
}
