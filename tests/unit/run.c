// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "run.h"

static void slurp(int fd, char *buf, size_t size)
{
	ssize_t n, len = 0;

	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd);
}

static int tmpfd(void)
{
	char path[] = "/tmp/ckpt-unit-XXXXXX";
	int fd = mkstemp(path);

	if (fd >= 0)
		unlink(path);
	return fd;
}

static int run_out = -1, run_err = -1;

pid_t unit_spawn(const char *in, char *const argv[], char *const env[])
{
	extern char **environ;
	pid_t pid;

	run_out = tmpfd();
	run_err = tmpfd();
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd = open(in ? in : "/dev/null", O_RDONLY);

		dup2(fd, 0);
		dup2(run_out, 1);
		dup2(run_err, 2);
		execve(argv[0], argv, env ? env : environ);
		_exit(127);
	}
	return pid;
}

struct run *unit_finish(pid_t pid)
{
	static struct run r;
	int status = 0;

	waitpid(pid, &status, 0);
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) :
		   128 + WTERMSIG(status);
	slurp(run_out, r.out, sizeof(r.out));
	slurp(run_err, r.err, sizeof(r.err));
	return &r;
}

struct run *unit_run(const char *in, char *const argv[], char *const env[])
{
	return unit_finish(unit_spawn(in, argv, env));
}

int unit_count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}
