// SPDX-License-Identifier: GPL-2.0
/*
 * shares: processes that share a file table or fs context (clone(2) with
 * CLONE_FILES, CLONE_FS, without CLONE_THREAD), for 'ckpt --tree'.
 *
 *   shares DIR          the tree below; checks itself after DIR/go
 *   shares vm DIR       a parent with a child made by clone(CLONE_VM)
 *   shares sighand DIR  a parent with a child made by
 *                       clone(CLONE_VM | CLONE_SIGHAND)
 *   shares leaf DIR     a parent with a child made by clone(CLONE_FILES)
 *                       and one made by clone(CLONE_FS)
 *
 * The last three write DIR/ready ("pid= files= fs= child=") and sleep,
 * for the refusal tests.
 *
 * The tree: P (session leader) opens DIR/before.txt at fd 40 (offset 7,
 * O_APPEND, close-on-exec), then
 *
 *	P --clone(CLONE_FILES)--> A --clone(CLONE_FILES | CLONE_FS)--> C
 *	P --clone(CLONE_FS)-----> B
 *
 * so P, A and C share one file table, P and B one fs context, A and C
 * another; A also has a second thread T.  Before DIR/ready each sharing
 * is checked once (a descriptor A opened is in P's table, B's chdir and
 * umask are P's).  After DIR/go (after the restart) they check, taking
 * turns through files in DIR (each made by rename, so no descriptor of
 * the shared table is open when the next one looks):
 *  - fd 40 in P and A: offset 7, O_APPEND, close-on-exec; A clears
 *    close-on-exec, P sees it cleared (descriptor flags are the table's);
 *  - A opens a file, P has it at that descriptor; P closes it, A no
 *    longer has it; T (A's thread) opens one, P has it; C opens one, P
 *    has it; B's table is its own (none of them there);
 *  - P's cwd is still DIR/s1 and its umask 027 (set by B before the
 *    checkpoint); P changes both, B sees them; B changes them again, P
 *    sees them; A and C keep theirs (DIR/a); C's chdir shows in A, not P.
 * Every process exits 0 if all went right; P prints "all checks passed".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include "common.h"

#define FD40		40

static char dir[PATH_MAX / 2];
static const char *name = "P";

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "shares %s (pid %d): ", name, getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static const char *at(char *buf, const char *file)
{
	snprintf(buf, PATH_MAX, "%s/%s", dir, file);
	return buf;
}

/* Make DIR/@file appear, with @text, once no descriptor is open on it. */
static void put(const char *file, const char *text)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/.%s.%d", dir, file, getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, text, strlen(text)) || close(fd) ||
	    rename(tmp, at(path, file)))
		die("cannot write %s: %s", file, strerror(errno));
}

static void put_int(const char *file, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", v);
	put(file, buf);
}

/* Wait (60 s at most) for DIR/@file, without opening anything. */
static void await(const char *file)
{
	const struct timespec tick = { 0, 5 * 1000 * 1000 };
	char path[PATH_MAX];
	int i;

	at(path, file);
	for (i = 0; i < 12000; i++) {
		if (!access(path, F_OK))
			return;
		nanosleep(&tick, NULL);
	}
	die("%s did not appear", file);
}

static long get_int(const char *file)
{
	char path[PATH_MAX], buf[32] = "";
	int fd;

	await(file);
	fd = open(at(path, file), O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		die("cannot read %s", file);
	close(fd);
	return strtol(buf, NULL, 10);
}

/* Is @fd open on DIR/@file? */
static bool fd_is(int fd, const char *file)
{
	char path[PATH_MAX];
	struct stat a, b;

	return !fstat(fd, &a) && !stat(at(path, file), &b) &&
	       a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static void expect_fd(int fd, const char *file)
{
	if (!fd_is(fd, file))
		die("fd %d is not open on %s (%s)", fd, file,
		    fcntl(fd, F_GETFD) < 0 ? strerror(errno) : "another file");
}

static void expect_cwd(const char *sub)
{
	char want[PATH_MAX], got[PATH_MAX];

	if (!getcwd(got, sizeof(got)))
		die("getcwd: %s", strerror(errno));
	if (strcmp(at(want, sub), got))
		die("cwd is %s, expected %s", got, want);
}

/* The umask, read without changing it (another process shares it). */
static unsigned int cur_umask(void)
{
	char line[256];
	unsigned int m = 01000;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		die("cannot open /proc/self/status");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Umask: %o", &m) == 1)
			break;
	fclose(f);
	return m;
}

static void expect_umask(unsigned int want)
{
	unsigned int m = cur_umask();

	if (m != want)
		die("umask %04o, expected %04o", m, want);
}

static void in_dir(const char *sub)
{
	char path[PATH_MAX];

	if (chdir(at(path, sub)))
		die("chdir %s: %s", sub, strerror(errno));
}

static void wait_child(pid_t pid, const char *who)
{
	int st;

	while (waitpid(pid, &st, __WALL) < 0)
		if (errno != EINTR)
			die("waitpid(%s %d): %s", who, pid, strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		die("%s (pid %d) ended with status 0x%x", who, pid, st);
}

static pid_t spawn(int (*fn)(void *), int flags)
{
	pid_t pid;

	fflush(NULL);
	pid = clone_on_stack(fn, flags, NULL);
	if (pid < 0)
		die("clone(0x%x): %s", flags, strerror(errno));
	return pid;
}

/* fd 40: the open file P made before the forks, as it was. */
static void check_fd40(bool cloexec)
{
	int fdfl = fcntl(FD40, F_GETFD), fl = fcntl(FD40, F_GETFL);
	off_t pos = lseek(FD40, 0, SEEK_CUR);

	expect_fd(FD40, "before.txt");
	if (fdfl < 0 || !!(fdfl & FD_CLOEXEC) != cloexec)
		die("fd 40: close-on-exec %s, expected %s",
		    fdfl < 0 ? "?" : (fdfl & FD_CLOEXEC) ? "set" : "clear",
		    cloexec ? "set" : "clear");
	if (fl < 0 || !(fl & O_APPEND) || (fl & O_ACCMODE) != O_RDWR)
		die("fd 40: flags 0%o, expected O_RDWR | O_APPEND", fl);
	if (pos != 7)
		die("fd 40: offset %lld, expected 7", (long long)pos);
}

/* ---- the tree ---------------------------------------------------------- */

static int fd_pre_a;		/* opened by A before the checkpoint */

static void *thread_t(void *arg)
{
	char path[PATH_MAX];
	int fd;

	(void)arg;
	await("step3t");
	fd = open(at(path, "after_t.txt"), O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		die("T: open after_t.txt: %s", strerror(errno));
	put_int("t.fd", fd);
	return NULL;
}

static int child_c(void *arg)
{
	char path[PATH_MAX];
	int fd;

	(void)arg;
	name = "C";
	await("go");
	expect_fd(fd_pre_a, "pre_a.txt");
	await("step7");
	check_fd40(false);	/* A cleared close-on-exec in their table */
	expect_cwd("a");
	expect_umask(022);
	fd = open(at(path, "after_c.txt"), O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		die("open after_c.txt: %s", strerror(errno));
	in_dir("c");
	put_int("c.fd", fd);
	return 0;
}

static int child_a(void *arg)
{
	char path[PATH_MAX];
	pthread_t t;
	pid_t c;
	int fd;

	(void)arg;
	name = "A";
	in_dir("a");		/* its own fs context: P's does not move */
	fd_pre_a = open(at(path, "pre_a.txt"), O_RDWR | O_CREAT, 0644);
	if (fd_pre_a < 0)
		die("open pre_a.txt: %s", strerror(errno));
	c = spawn(child_c, CLONE_FILES | CLONE_FS);
	if (pthread_create(&t, NULL, thread_t, NULL))
		die("pthread_create failed");
	put_int("a.pre", fd_pre_a);
	put_int("a.c", c);

	await("go");
	expect_cwd("a");
	expect_umask(022);
	expect_fd(fd_pre_a, "pre_a.txt");
	await("step1");
	check_fd40(true);
	fd = open(at(path, "after_a.txt"), O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		die("open after_a.txt: %s", strerror(errno));
	if (fcntl(FD40, F_SETFD, 0))
		die("F_SETFD: %s", strerror(errno));
	put_int("a.fd", fd);
	put("step2", "");
	await("step3");
	if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
		die("fd %d is still open after P closed it", fd);
	put("step3t", "");	/* T may open its file now */
	if (pthread_join(t, NULL))
		die("pthread_join failed");
	put("step4", "");
	await("step8");
	expect_cwd("c");	/* C's chdir: the context A and C share */
	expect_umask(022);	/* A's own, as P's was at the clone */
	wait_child(c, "C");
	put("a.done", "");
	return 0;
}

static int child_b(void *arg)
{
	int n;

	(void)arg;
	name = "B";
	in_dir("s1");
	umask(027);
	put("b.pre", "");

	await("go");
	expect_cwd("s1");
	expect_umask(027);
	await("step5");
	expect_cwd("s2");	/* P's chdir and umask */
	expect_umask(077);
	in_dir("s3");
	umask(023);
	put("step6", "");
	/* P, A, C opened these in their table, not in B's */
	await("step8");
	n = (int)get_int("a.fd");
	if (fd_is(n, "after_a.txt"))
		die("fd %d of A's table is in B's", n);
	n = (int)get_int("c.fd");
	if (fd_is(n, "after_c.txt"))
		die("fd %d of C's table is in B's", n);
	n = (int)get_int("a.pre");
	if (fd_is(n, "pre_a.txt"))
		die("fd %d of A's table is in B's", n);
	return 0;
}

static int tree(void)
{
	char path[PATH_MAX];
	pid_t a, b, c;
	int fd, n;

	if (setsid() < 0)
		die("setsid: %s", strerror(errno));
	for (n = 0; n < 5; n++) {
		static const char *const subs[] = { "s1", "s2", "s3", "a", "c" };

		if (mkdir(at(path, subs[n]), 0755) && errno != EEXIST)
			die("mkdir %s: %s", subs[n], strerror(errno));
	}
	fd = open(at(path, "before.txt"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write_all(fd, "0123456789abcdef", 16) ||
	    dup2(fd, FD40) != FD40 || close(fd) ||
	    fcntl(FD40, F_SETFD, FD_CLOEXEC) ||
	    fcntl(FD40, F_SETFL, O_APPEND) || lseek(FD40, 7, SEEK_SET) != 7)
		die("setting up fd 40: %s", strerror(errno));
	in_dir(".");
	umask(022);

	a = spawn(child_a, CLONE_FILES);
	b = spawn(child_b, CLONE_FS);
	/* Before the checkpoint: the sharing is there. */
	fd_pre_a = (int)get_int("a.pre");
	expect_fd(fd_pre_a, "pre_a.txt");
	c = (pid_t)get_int("a.c");
	await("b.pre");
	expect_cwd("s1");
	expect_umask(027);
	snprintf(path, sizeof(path), "pid=%d a=%d b=%d c=%d\n", getpid(), a,
		 b, c);
	put("ready", path);

	await("go");
	check_fd40(true);
	expect_fd(fd_pre_a, "pre_a.txt");
	expect_cwd("s1");
	expect_umask(027);
	put("step1", "");
	/* A's new descriptor, A's change of fd 40's flags */
	n = (int)get_int("a.fd");
	await("step2");
	expect_fd(n, "after_a.txt");
	check_fd40(false);
	if (close(n))
		die("close %d: %s", n, strerror(errno));
	put("step3", "");
	/* T's (A's thread) */
	await("step4");
	n = (int)get_int("t.fd");
	expect_fd(n, "after_t.txt");
	/* P's chdir and umask for B, B's for P */
	in_dir("s2");
	umask(077);
	put("step5", "");
	await("step6");
	expect_cwd("s3");
	expect_umask(023);
	/* C's descriptor is P's; C's chdir is A's, not P's */
	put("step7", "");
	n = (int)get_int("c.fd");
	expect_fd(n, "after_c.txt");
	expect_cwd("s3");
	put("step8", "");
	wait_child(a, "A");
	wait_child(b, "B");
	printf("all checks passed: file table shared by P, A, T and C; fs context by P and B, and by A and C\n");
	return 0;
}

/* ---- for the refusals ------------------------------------------------ */

static int sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

static int refusal(const char *mode)
{
	char buf[256];
	pid_t x = 0, y = 0;

	if (!strcmp(mode, "leaf")) {
		x = spawn(sleeper, CLONE_FILES);
		y = spawn(sleeper, CLONE_FS);
		snprintf(buf, sizeof(buf), "pid=%d files=%d fs=%d\n",
			 getpid(), x, y);
	} else if (!strcmp(mode, "vm") || !strcmp(mode, "sighand")) {
		x = spawn(sleeper, CLONE_VM |
			  (!strcmp(mode, "sighand") ? CLONE_SIGHAND : 0));
		snprintf(buf, sizeof(buf), "pid=%d child=%d\n", getpid(), x);
	} else {
		die("unknown mode %s", mode);
	}
	put("ready", buf);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *d = argc == 2 ? argv[1] : argc == 3 ? argv[2] : NULL;
	char rp[PATH_MAX];

	if (!d || !realpath(d, rp) || strlen(rp) >= sizeof(dir)) {
		fprintf(stderr, "usage: shares [vm|sighand|leaf] DIR\n");
		return 2;
	}
	strcpy(dir, rp);
	close_extra_fds();
	setvbuf(stdout, NULL, _IOLBF, 0);
	return argc == 3 ? refusal(argv[1]) : tree();
}
