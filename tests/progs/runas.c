// SPDX-License-Identifier: GPL-2.0
/*
 * runas: run a command as another user.
 *
 *   runas UID GID CMD [ARG...]
 *
 * Drops supplementary groups, sets the real, effective and saved GID and
 * UID, checks they took, and executes CMD (searched in PATH).
 */
#define _GNU_SOURCE
#include <grp.h>

#include "common.h"

int main(int argc, char **argv)
{
	long long uid, gid;

	if (argc < 4 || (uid = parse_ll(argv[1])) < 0 ||
	    (gid = parse_ll(argv[2])) < 0) {
		fprintf(stderr, "usage: runas UID GID CMD [ARG...]\n");
		return 2;
	}
	if (setgroups(0, NULL) || setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) ||
	    setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid)) {
		perror("runas: set credentials");
		return 126;
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid) {
		fprintf(stderr, "runas: credentials did not change\n");
		return 126;
	}
	execvp(argv[3], argv + 3);
	fprintf(stderr, "runas: %s: %s\n", argv[3], strerror(errno));
	return 127;
}
