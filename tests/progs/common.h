/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the guest test programs (tests/progs/).
 *
 * Header-only on purpose: each program is one .c file plus this header.
 */
#ifndef CKPT_TESTPROGS_COMMON_H
#define CKPT_TESTPROGS_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* Field 7 of /proc/self/stat: the controlling terminal, 0 for none. */
static inline long tty_nr(void)
{
	char buf[1024], *p;
	long nr = -1;
	FILE *f = fopen("/proc/self/stat", "r");

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 2, "%*c %*d %*d %*d %ld", &nr);
	fclose(f);
	return nr;
}

/*
 * Close every descriptor from 3 up.  The harness may leave pipes or other
 * descriptors open in the shell that starts us; the checkpointed programs
 * must hold only what they open themselves.
 */
static inline void close_extra_fds(void)
{
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
}

static inline int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Write all of buf; 0 or -1 with errno. */
static inline int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* AnonHugePages of this process (smaps_rollup), in kB; -1 if unknown. */
static inline long anon_huge_kb(void)
{
	char buf[4096], *p;
	int fd = open("/proc/self/smaps_rollup", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "AnonHugePages:");
	return p ? strtol(p + 14, NULL, 10) : -1;
}

/* Parse a non-negative decimal integer; -1 on error. */
static inline long long parse_ll(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || end == s || *end || v < 0)
		return -1;
	return v;
}

/*
 * The handshake of the self-checking programs: write DIR/ready ("pid=N",
 * or @text: "key=value" words for the case's kv), atomically, once set
 * up; then wait for the case to create DIR/go.
 */
static inline int announce_ready_text(const char *dir, const char *text)
{
	char path[4096], tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/ready.tmp", dir);
	snprintf(path, sizeof(path), "%s/ready", dir);
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) || rename(tmp, path))
		return -1;
	return 0;
}

static inline int announce_ready(const char *dir)
{
	char text[32];

	snprintf(text, sizeof(text), "pid=%d\n", getpid());
	return announce_ready_text(dir, text);
}

/* Wait until the case creates DIR/@name. */
static inline void wait_for_file(const char *dir, const char *name)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	while (access(path, F_OK))
		nanosleep(&tick, NULL);
}

static inline void wait_for_go(const char *dir)
{
	wait_for_file(dir, "go");
}

#ifdef _GNU_SOURCE	/* clone() is a GNU extension */
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>

#define CLONE_STACK_SIZE	(256 * 1024)

/*
 * clone(@fn, @arg) with @flags and SIGCHLD, on a fresh stack of its own
 * (never freed: the child may outlive our use of it).  The child's PID,
 * or -1 with errno.  No stdio here: callers that use it flush first.
 */
static inline pid_t clone_on_stack(int (*fn)(void *), int flags, void *arg)
{
	char *stack = mmap(NULL, CLONE_STACK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

	if (stack == MAP_FAILED)
		return -1;
	return clone(fn, stack + CLONE_STACK_SIZE, flags | SIGCHLD, arg);
}
#endif

#endif /* CKPT_TESTPROGS_COMMON_H */
