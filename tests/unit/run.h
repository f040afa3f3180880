/* SPDX-License-Identifier: GPL-2.0 */
/* Run a program and capture its exit status, stdout and stderr. */
#ifndef CKPT_UNIT_RUN_H
#define CKPT_UNIT_RUN_H

#include <sys/types.h>

struct run {
	int status;		/* exit code, or 128+signal */
	char out[65536];
	char err[4096];
};

/* stdin from @in (NULL: /dev/null); @env NULL: inherit.  Static result. */
struct run *unit_run(const char *in, char *const argv[], char *const env[]);
/* The same in two steps, to do something while it runs. */
pid_t unit_spawn(const char *in, char *const argv[], char *const env[]);
struct run *unit_finish(pid_t pid);
int unit_count_lines(const char *s);

#endif
