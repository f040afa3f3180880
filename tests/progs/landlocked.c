// SPDX-License-Identifier: GPL-2.0
/*
 * landlocked: run a command in a Landlock sandbox that may not make or
 * remove directories, nor remove files, anywhere.
 *
 *   landlocked [--deny=mkdir,rmdir,unlink] CMD [ARG...]
 *
 * --deny names the operations refused (default: all three).  Landlock
 * hooks them as the system calls' LSM path hooks (security_path_mkdir,
 * _rmdir, _unlink): a restore run in it must not do on the process's
 * behalf what it could not do itself.  Exits 125 if the kernel has no
 * Landlock (the caller fails: the guest's has it).
 */
#define _GNU_SOURCE
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "common.h"

static int parse_deny(const char *list, __u64 *access)
{
	char buf[64], *tok, *save;

	if (strlen(list) >= sizeof(buf))
		return -1;
	strcpy(buf, list);
	*access = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "mkdir"))
			*access |= LANDLOCK_ACCESS_FS_MAKE_DIR;
		else if (!strcmp(tok, "rmdir"))
			*access |= LANDLOCK_ACCESS_FS_REMOVE_DIR;
		else if (!strcmp(tok, "unlink"))
			*access |= LANDLOCK_ACCESS_FS_REMOVE_FILE;
		else
			return -1;
	}
	return *access ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_DIR |
				     LANDLOCK_ACCESS_FS_REMOVE_DIR |
				     LANDLOCK_ACCESS_FS_REMOVE_FILE,
	};
	int fd, arg = 1;

	if (argc > 1 && !strncmp(argv[1], "--deny=", 7)) {
		if (parse_deny(argv[1] + 7, &attr.handled_access_fs))
			argc = 0;	/* usage */
		arg++;
	}
	if (argc <= arg) {
		fprintf(stderr, "usage: landlocked [--deny=mkdir,rmdir,unlink] CMD [ARG...]\n");
		return 2;
	}
	fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0) {
		perror("landlocked: landlock_create_ruleset");
		return 125;
	}
	/*
	 * No rule: what the ruleset handles is denied everywhere.  Root
	 * needs no no_new_privs for it (which a restore would then carry).
	 */
	if ((geteuid() && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) ||
	    syscall(SYS_landlock_restrict_self, fd, 0)) {
		perror("landlocked: landlock_restrict_self");
		return 125;
	}
	close(fd);
	execvp(argv[arg], argv + arg);
	fprintf(stderr, "landlocked: %s: %s\n", argv[arg], strerror(errno));
	return 127;
}
