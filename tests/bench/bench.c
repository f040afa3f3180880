// SPDX-License-Identifier: GPL-2.0
/*
 * bench: one benchmark measurement in the guest, timed with
 * clock_gettime(CLOCK_MONOTONIC) around fork/exec/wait4 (peak RSS from
 * wait4's rusage).  Driven by run.sh.
 *
 *	bench [-r REPS] [-t] -d DIR ckpt-file|ckpt-pipe|criu-file -- WORKLOAD ARGS...
 *	bench [-r REPS] -d DIR base-file|base-pipe BYTES
 *	bench [-r REPS] -d DIR exec-floor PROGRAM
 *
 * -t: the workload is a process tree ('ckpt --tree'; CRIU dumps the tree
 * under the PID anyway).  The workload leads its own process group, so
 * the original and the restored process are killed with their whole
 * group, and the members that the killed root leaves to us (a child
 * subreaper) are reaped before the next restore needs their PIDs.
 *
 * ckpt-file   workload; time 'ckpt --kill -o DIR/img PID'; reap it; time
 *             'restart DIR/img' (returns once the process runs); check it.
 * ckpt-pipe   workload; 'ckpt --kill PID | restart': checkpoint time is
 *             until ckpt exits, restart time from then until restart exits.
 * criu-file   workload; time 'criu dump -t PID -D DIR/criu' (kills it);
 *             reap it; time 'criu restore -D DIR/criu -d'; check it.
 * base-file   BYTES of touched memory written to DIR/base with write()
 *             ("checkpoint"), then read back into fresh anonymous memory
 *             with read() ("restart"); no fork, no exec.
 * base-pipe   a child writes BYTES from its memory into a pipe, read into
 *             fresh anonymous memory here ("checkpoint"); then BYTES read
 *             from a memfd into fresh memory ("restart": what is left to
 *             do after the last byte for a restore that must buffer the
 *             stream, as restart does).
 * exec-floor  PROGRAM (an empty main(), linked as the tools are) run as
 *             the tools are run, twice ("checkpoint", "restart"): what
 *             fork, exec, exit and wait4 cost before a tool does anything.
 *
 * A check: the restored process (our orphan: we are a child subreaper) is
 * sent SIGUSR1 and must answer "ok PID SUM" in DIR/verify after checking
 * every byte and descriptor it owns (see workload.c); then it is killed
 * and reaped.
 *
 * Output, one line per repetition:
 *	REP CKPT_NS RESTART_NS TOTAL_NS IMAGE_BYTES CKPT_RSS_KB RESTART_RSS_KB
 * (IMAGE_BYTES -1 through a pipe).  On failure one line "ERROR reason"
 * (exit 1), or for CRIU "NA reason" (exit 3: CRIU could not do it here).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOOL_TIMEOUT	300	/* seconds for one tool run */
#define READY_TIMEOUT	120	/* for a workload to build its state */
#define VERIFY_TIMEOUT	120	/* for a restored workload to check itself */

static const char *dir;
static char **workload;
static int is_criu;
static int tree;			/* -t */
static volatile sig_atomic_t alarmed;
/* Processes to kill if we give up: the workload (its own session), tools. */
static pid_t victims[4];
static long ready_rss;		/* KiB resident when the workload was ready */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void __attribute__((noreturn, format(printf, 2, 3)))
quit(int na, const char *fmt, ...)
{
	va_list ap;

	printf(na ? "NA " : "ERROR ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	/* Leave nothing behind: the workload (or its restored self), tools. */
	if (victims[0] > 0)
		kill(-victims[0], SIGKILL);	/* the workload's group */
	for (size_t i = 0; i < sizeof(victims) / sizeof(victims[0]); i++)
		if (victims[i] > 0)
			kill(victims[i], SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	exit(na ? 3 : 1);
}

/* A CRIU failure is "n/a"; anything else stops the benchmark. */
#define fail(...) quit(is_criu, __VA_ARGS__)

static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

/* DIR/@name, in memory of its own (a few dozen per run: never freed). */
static char *path_in(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0) {
		printf("ERROR out of memory\n");
		exit(1);
	}
	return p;
}

/* The last line of @file that contains @pat (or the last line), trimmed. */
static const char *last_line(const char *file, const char *pat)
{
	static char best[512];
	char line[4096];
	FILE *f = fopen(file, "r");

	best[0] = 0;
	if (!f)
		return "(no log)";
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!pat || strstr(line, pat) || !best[0])
			snprintf(best, sizeof(best), "%.500s", line);
	}
	fclose(f);
	return best;
}

/* fork + exec @argv with stdin/stdout/stderr as given (-1: /dev/null). */
static pid_t spawn(char **argv, int in, int out, int err)
{
	pid_t pid = fork();

	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(in >= 0 ? in : null, 0);
		dup2(out >= 0 ? out : null, 1);
		dup2(err >= 0 ? err : null, 2);
		closefrom(3);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "bench: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Wait for @pid (which must be ours) within @secs; status and rusage. */
static int wait_for(pid_t pid, int secs, int *status, struct rusage *ru)
{
	pid_t r;

	alarmed = 0;
	alarm(secs);
	do
		r = wait4(pid, status, 0, ru);
	while (r < 0 && errno == EINTR && !alarmed);
	alarm(0);
	return r == pid ? 0 : -1;
}

static const char *describe(int st)
{
	static char buf[64];

	if (WIFEXITED(st))
		snprintf(buf, sizeof(buf), "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, sizeof(buf), "status 0x%x", st);
	return buf;
}

/* Read a small file into @buf; 0 or -1. */
static int slurp(const char *file, char *buf, size_t len)
{
	int fd = open(file, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Start the workload; return its PID once it has written DIR/ready. */
static pid_t start_workload(void)
{
	char buf[64];
	int log, st;
	pid_t pid;
	int64_t end = now_ns() + READY_TIMEOUT * 1000000000LL;

	unlink(path_in("ready"));
	unlink(path_in("verify"));
	log = open(path_in("workload.log"), O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (log < 0)
		fail("cannot create %s: %s", path_in("workload.log"), strerror(errno));
	pid = spawn(workload, -1, log, log);
	victims[0] = pid;
	close(log);
	while (slurp(path_in("ready"), buf, sizeof(buf))) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			quit(0, "workload %s: %s (%s)", workload[0], describe(st),
			     last_line(path_in("workload.log"), NULL));
		if (now_ns() > end)
			quit(0, "workload not ready after %d s", READY_TIMEOUT);
		sleep_ms(10);
	}
	if (sscanf(buf, "%*d %ld", &ready_rss) != 1 || atoi(buf) != pid)
		quit(0, "workload reports '%s', expected PID %d", buf, pid);
	return pid;
}

/*
 * Reap what is left of process group @pgid (ours by then: we are the
 * subreaper) until nothing of it exists, zombies included.
 */
static void reap_group(pid_t pgid)
{
	int64_t end = now_ns() + 60 * 1000000000LL;

	while (!kill(-pgid, 0)) {
		if (waitpid(-1, NULL, WNOHANG) > 0)
			continue;
		if (now_ns() > end)
			fail("process group %d did not go away", pgid);
		sleep_ms(1);
	}
}

/* What a stuck process is doing, on stderr (the guest console). */
static void show_proc(pid_t pid)
{
	static const char *const files[] = { "status", "wchan", "syscall",
					     "stack", "maps" };
	char path[64], buf[8192];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", pid, files[i]);
		if (!slurp(path, buf, sizeof(buf)))
			fprintf(stderr, "bench: --- %s:\n%s\n", path, buf);
	}
}

/*
 * The restored process must be alive with PID @pid and pass its own check;
 * then it is killed and reaped (it is our child now: subreaper).
 */
static void check_restored(pid_t pid)
{
	char buf[256], want[32];
	int64_t start = now_ns(), next, end;
	int st, sent = 0;

	end = start + VERIFY_TIMEOUT * 1000000000LL;
	next = start;
	unlink(path_in("verify"));
	unlink(path_in("checking"));
	while (slurp(path_in("verify"), buf, sizeof(buf))) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			fail("restored process %d died: %s", pid, describe(st));
		if (now_ns() > end) {
			show_proc(pid);
			fail("restored process %d did not check itself within %d s",
			     pid, VERIFY_TIMEOUT);
		}
		/*
		 * Asked again if it has not begun its check 2 s later: a
		 * signal that reaches the restored process before it is back
		 * in its sigsuspend() can be lost (the handler runs, then the
		 * call is re-entered).  Said on a NOTE line.
		 */
		if (now_ns() >= next && access(path_in("checking"), F_OK)) {
			if (kill(pid, SIGUSR1))
				fail("restored process %d is not there: %s", pid,
				     strerror(errno));
			sent++;
			next += 2000000000LL;
		}
		sleep_ms(5);
	}
	buf[strcspn(buf, "\n")] = 0;
	snprintf(want, sizeof(want), "ok %d ", pid);
	if (strncmp(buf, want, strlen(want)))
		fail("restored process %d failed its check: '%s'", pid, buf);
	{
		long rss = 0;

		/* Much more resident than before: the restore inflated it. */
		if (sscanf(buf + strlen(want), "%*s %ld", &rss) == 1 &&
		    rss > ready_rss * 3 / 2 + 1024)
			printf("NOTE restored process resident %ld MiB, %ld MiB"
			       " before the checkpoint\n", rss >> 10,
			       ready_rss >> 10);
	}
	if (sent > 1)
		printf("NOTE lost wakeup: restored process %d began its check"
		       " only after SIGUSR1 #%d\n", pid, sent);
	kill(-pid, SIGKILL);	/* the workload leads its group */
	if (wait_for(pid, 60, &st, NULL))
		fail("cannot reap restored process %d: %s", pid, strerror(errno));
	reap_group(pid);
	victims[0] = 0;
}

/* Reap the checkpointed original, which the tool must have killed. */
static void reap_original(pid_t pid, const char *tool)
{
	int st;

	if (wait_for(pid, 60, &st, NULL))
		fail("%s did not kill the checkpointed process %d", tool, pid);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		fail("checkpointed process %d ended with %s, expected SIGKILL",
		     pid, describe(st));
}

/* Run @argv with stdout/stderr to @log; elapsed ns, peak RSS in KiB. */
static void timed(char **argv, const char *log, int64_t *ns, long *rss)
{
	struct rusage ru;
	int fd, st;
	pid_t pid;
	int64_t t0;

	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		fail("cannot create %s: %s", log, strerror(errno));
	t0 = now_ns();
	pid = spawn(argv, -1, fd, fd);
	victims[1] = pid;
	if (wait_for(pid, TOOL_TIMEOUT, &st, &ru)) {
		kill(pid, SIGKILL);
		fail("%s %s timed out after %d s", argv[0], argv[1], TOOL_TIMEOUT);
	}
	*ns = now_ns() - t0;
	victims[1] = 0;
	close(fd);
	*rss = ru.ru_maxrss;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail("%s %s: %s: %s", argv[0], argv[1], describe(st),
		     last_line(log, is_criu ? "Error" : NULL));
}

static long long dir_bytes(const char *path)
{
	long long sum = 0;
	struct dirent *d;
	DIR *dp = opendir(path);
	char p[4096];
	struct stat st;

	if (!dp)
		return -1;
	while ((d = readdir(dp))) {
		size_t l = strlen(d->d_name);

		/* The logs are not part of the image. */
		if (l > 4 && !strcmp(d->d_name + l - 4, ".log"))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, d->d_name);
		if (!lstat(p, &st) && S_ISREG(st.st_mode))
			sum += st.st_size;
	}
	closedir(dp);
	return sum;
}

static void rm_dir(const char *path)
{
	struct dirent *d;
	DIR *dp = opendir(path);
	char p[4096];

	if (!dp)
		return;
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.' && (!d->d_name[1] ||
		    (d->d_name[1] == '.' && !d->d_name[2])))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, d->d_name);
		unlink(p);
	}
	closedir(dp);
	rmdir(path);
}

struct sample {
	int64_t ckpt, restart, total;
	long long bytes;
	long ckpt_rss, restart_rss;
};

static void ckpt_file(struct sample *s)
{
	char pidbuf[16];
	char *img = path_in("img");
	char *dump[] = { "ckpt", "--kill", "-o", img, pidbuf, NULL, NULL };
	char *rst[] = { "restart", img, NULL };
	pid_t pid = start_workload();
	struct stat st;

	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	if (tree) {
		dump[4] = "--tree";
		dump[5] = pidbuf;
	}
	unlink(img);
	timed(dump, path_in("ckpt.log"), &s->ckpt, &s->ckpt_rss);
	reap_original(pid, "ckpt --kill");
	reap_group(pid);
	if (stat(img, &st))
		fail("no image %s: %s", img, strerror(errno));
	s->bytes = st.st_size;
	timed(rst, path_in("restart.log"), &s->restart, &s->restart_rss);
	s->total = s->ckpt + s->restart;
	check_restored(pid);
	unlink(img);
}

static void criu_file(struct sample *s)
{
	char pidbuf[16];
	char *img = path_in("criu");
	char *dump[] = { "criu", "dump", "-t", pidbuf, "-D", img,
			 "-o", "dump.log", NULL };
	char *rst[] = { "criu", "restore", "-D", img, "-d",
			"-o", "restore.log", NULL };
	pid_t pid = start_workload();
	char log[4096];

	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	rm_dir(img);
	if (mkdir(img, 0700))
		fail("mkdir %s: %s", img, strerror(errno));
	snprintf(log, sizeof(log), "%s/dump.log", img);
	timed(dump, log, &s->ckpt, &s->ckpt_rss);
	reap_original(pid, "criu dump");
	reap_group(pid);
	s->bytes = dir_bytes(img);
	snprintf(log, sizeof(log), "%s/restore.log", img);
	timed(rst, log, &s->restart, &s->restart_rss);
	s->total = s->ckpt + s->restart;
	check_restored(pid);
	rm_dir(img);
}

/* ckpt --kill PID | restart, both our children; we reap the original. */
static void ckpt_pipe(struct sample *s)
{
	char pidbuf[16];
	char *dump[] = { "ckpt", "--kill", pidbuf, NULL, NULL };
	char *rst[] = { "restart", NULL };
	pid_t pid = start_workload(), cpid, rpid;
	int p[2], clog, rlog, left = 3, st, orig_st = 0;
	int64_t t0, t1 = 0, t2 = 0;
	struct rusage ru;

	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	if (tree) {
		dump[2] = "--tree";
		dump[3] = pidbuf;
	}
	clog = open(path_in("ckpt.log"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	rlog = open(path_in("restart.log"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (clog < 0 || rlog < 0 || pipe(p))
		fail("pipe or logs: %s", strerror(errno));
	t0 = now_ns();
	cpid = spawn(dump, -1, p[1], clog);
	rpid = spawn(rst, p[0], rlog, rlog);
	victims[1] = cpid;
	victims[2] = rpid;
	close(p[0]);
	close(p[1]);
	close(clog);
	close(rlog);
	alarmed = 0;
	alarm(TOOL_TIMEOUT);
	while (left) {
		pid_t r = wait4(-1, &st, 0, &ru);
		int64_t t = now_ns();

		if (r < 0) {
			if (errno == EINTR && !alarmed)
				continue;
			fail("ckpt | restart: %s", alarmed ? "timed out" : strerror(errno));
		}
		if (r == cpid) {
			t1 = t;
			s->ckpt_rss = ru.ru_maxrss;
			if (!WIFEXITED(st) || WEXITSTATUS(st))
				fail("ckpt: %s: %s", describe(st),
				     last_line(path_in("ckpt.log"), NULL));
		} else if (r == rpid) {
			t2 = t;
			s->restart_rss = ru.ru_maxrss;
			if (!WIFEXITED(st) || WEXITSTATUS(st))
				fail("restart: %s: %s", describe(st),
				     last_line(path_in("restart.log"), NULL));
		} else if (r == pid) {
			orig_st = st;
		} else {
			continue;	/* not one of ours (a tree's member) */
		}
		left--;
	}
	alarm(0);
	victims[1] = victims[2] = 0;
	if (!WIFSIGNALED(orig_st) || WTERMSIG(orig_st) != SIGKILL)
		fail("checkpointed process %d ended with %s, expected SIGKILL",
		     pid, describe(orig_st));
	s->ckpt = t1 - t0;
	s->restart = t2 > t1 ? t2 - t1 : 0;
	s->total = t2 - t0;
	s->bytes = -1;
	check_restored(pid);
}

static char *touched(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fail("mmap %zu: %s", len, strerror(errno));
	for (size_t i = 0; i < len; i += 8)
		*(uint64_t *)(p + i) = i * 0x9e3779b97f4a7c15ULL | 1;
	return p;
}

static char *fresh(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fail("mmap %zu: %s", len, strerror(errno));
	return p;
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("write: %s", n ? strerror(errno) : "short");
		p += n;
		len -= n;
	}
}

static void read_all(int fd, char *p, size_t len)
{
	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("read: %s", n ? strerror(errno) : "short");
		p += n;
		len -= n;
	}
}

static void base_file(struct sample *s, size_t len)
{
	char *file = path_in("base"), *buf = touched(len);
	int64_t t0, t1;
	int fd;

	unlink(file);
	t0 = now_ns();
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		fail("create %s: %s", file, strerror(errno));
	write_all(fd, buf, len);
	if (close(fd))
		fail("close: %s", strerror(errno));
	t1 = now_ns();
	s->ckpt = t1 - t0;
	munmap(buf, len);

	buf = fresh(len);
	t0 = now_ns();
	fd = open(file, O_RDONLY);
	if (fd < 0)
		fail("open %s: %s", file, strerror(errno));
	read_all(fd, buf, len);
	close(fd);
	t1 = now_ns();
	s->restart = t1 - t0;
	s->total = s->ckpt + s->restart;
	s->bytes = len;
	munmap(buf, len);
	unlink(file);
}

static void base_pipe(struct sample *s, size_t len)
{
	int data[2], go[2], ready[2], fd, st;
	char *buf, c = 0;
	int64_t t0, t1;
	pid_t pid;

	if (pipe(data) || pipe(go) || pipe(ready))
		fail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		char *src = touched(len);

		close(data[0]);
		close(go[1]);
		close(ready[0]);
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		write_all(data[1], src, len);
		_exit(0);
	}
	victims[1] = pid;
	close(data[1]);
	close(go[0]);
	close(ready[1]);
	buf = fresh(len);
	/* Start once the writer has its memory touched. */
	if (read(ready[0], &c, 1) != 1)
		fail("pipe writer died");
	close(ready[0]);
	t0 = now_ns();
	if (write(go[1], &c, 1) != 1)
		fail("go: %s", strerror(errno));
	read_all(data[0], buf, len);
	t1 = now_ns();
	close(data[0]);
	close(go[1]);
	if (wait_for(pid, 60, &st, NULL) || !WIFEXITED(st) || WEXITSTATUS(st))
		fail("pipe writer failed");
	victims[1] = 0;
	s->ckpt = t1 - t0;
	s->total = s->ckpt;

	/* After the last byte: from a memfd (restart's spool) into place. */
	fd = memfd_create("bench", 0);
	if (fd < 0)
		fail("memfd_create: %s", strerror(errno));
	write_all(fd, buf, len);
	munmap(buf, len);
	buf = fresh(len);
	t0 = now_ns();
	if (lseek(fd, 0, SEEK_SET))
		fail("lseek: %s", strerror(errno));
	read_all(fd, buf, len);
	t1 = now_ns();
	close(fd);
	munmap(buf, len);
	s->restart = t1 - t0;
	s->bytes = len;
}

static void exec_floor(struct sample *s, char *prog)
{
	char *argv[] = { prog, "floor", NULL };

	timed(argv, path_in("floor.log"), &s->ckpt, &s->ckpt_rss);
	timed(argv, path_in("floor.log"), &s->restart, &s->restart_rss);
	s->total = s->ckpt + s->restart;
	s->bytes = 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench [-r REPS] [-t] -d DIR ckpt-file|ckpt-pipe|criu-file -- WORKLOAD ARGS...\n"
		"       bench [-r REPS] -d DIR base-file|base-pipe BYTES\n"
		"       bench [-r REPS] -d DIR exec-floor PROGRAM\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	const char *mode;
	long long len = 0;
	int reps = 1, c;

	while ((c = getopt(argc, argv, "+r:d:t")) != -1) {
		switch (c) {
		case 't':
			tree = 1;
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			usage();
		}
	}
	if (!dir || optind >= argc || reps < 1)
		usage();
	mode = argv[optind++];
	if (!strcmp(mode, "exec-floor")) {
		if (optind != argc - 1)
			usage();
		workload = argv + optind;
	} else if (!strncmp(mode, "base-", 5)) {
		if (optind != argc - 1)
			usage();
		len = strtoll(argv[optind], NULL, 0);
		if (len <= 0)
			usage();
	} else {
		if (optind < argc && !strcmp(argv[optind], "--"))
			optind++;
		if (optind >= argc)
			usage();
		workload = argv + optind;
	}
	is_criu = !strcmp(mode, "criu-file");

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: wait4 returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Restored processes are orphans of restart/criu: adopt them. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		quit(0, "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));

	for (int i = 0; i < reps; i++) {
		struct sample s;

		memset(&s, 0, sizeof(s));
		if (!strcmp(mode, "ckpt-file"))
			ckpt_file(&s);
		else if (!strcmp(mode, "ckpt-pipe"))
			ckpt_pipe(&s);
		else if (!strcmp(mode, "criu-file"))
			criu_file(&s);
		else if (!strcmp(mode, "base-file"))
			base_file(&s, len);
		else if (!strcmp(mode, "base-pipe"))
			base_pipe(&s, len);
		else if (!strcmp(mode, "exec-floor"))
			exec_floor(&s, workload[0]);
		else
			usage();
		printf("REP %lld %lld %lld %lld %ld %ld\n", (long long)s.ckpt,
		       (long long)s.restart, (long long)s.total, s.bytes,
		       s.ckpt_rss, s.restart_rss);
	}
	return 0;
}
