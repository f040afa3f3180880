// SPDX-License-Identifier: GPL-2.0
/*
 * capkeep: run a command as another user that keeps one capability.
 *
 *   capkeep UID GID CAP CMD [ARG...]
 *
 * Becomes UID/GID (no supplementary groups) keeping capability number CAP
 * permitted, effective, inheritable and ambient, so that CMD runs with it
 * after execve.  For case 75 (a user's process holding a capability).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/prctl.h>
#include <linux/capability.h>

#include "common.h"

int main(int argc, char **argv)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];
	long long uid, gid, cap;

	if (argc < 5 || (uid = parse_ll(argv[1])) < 0 ||
	    (gid = parse_ll(argv[2])) < 0 || (cap = parse_ll(argv[3])) < 0 ||
	    cap > 63) {
		fprintf(stderr, "usage: capkeep UID GID CAP CMD [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setgroups(0, NULL) ||
	    setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) ||
	    setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid)) {
		perror("capkeep: set credentials");
		return 126;
	}
	memset(d, 0, sizeof(d));
	d[cap / 32].permitted = d[cap / 32].effective =
		d[cap / 32].inheritable = 1U << (cap % 32);
	if (syscall(SYS_capset, &hdr, d) ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap,
		  0, 0)) {
		perror("capkeep: keep the capability");
		return 126;
	}
	execvp(argv[4], argv + 4);
	perror("capkeep: exec");
	return 127;
}
