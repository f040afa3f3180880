// SPDX-License-Identifier: GPL-2.0
/*
 * tree: a process tree passing a counter around a ring of pipes, for
 * 'ckpt --tree'.
 *
 *   tree DIR          the pipeline (below)
 *   tree perm DIR     a parent running as uid 1000 with a child left as
 *                     root (for the refusal test); both just sleep
 *   tree sock DIR     a parent and a child holding a socketpair
 *   tree fanotify DIR  a parent and a child holding a fanotify descriptor
 *   tree zombie DIR   a parent with a child that exited with status 7,
 *                     not reaped; after DIR/go the parent reaps it and
 *                     checks its status ("all checks passed", exit 0)
 *   tree pair DIR     a parent and a child, in the caller's session and
 *                     process group
 *   tree shm DIR      a parent and a child sharing anonymous memory
 *                     (MAP_SHARED | MAP_ANONYMOUS, made before the fork)
 *                     and an inotify instance watching DIR/iw: after
 *                     DIR/go each checks what both wrote before, then they
 *                     talk through it; the child creates DIR/iw/c and the
 *                     parent reads its event (watch 1); they also share a
 *                     memfd's open file (written "parent" before): the
 *                     child writes "child" at 100 and one byte at the
 *                     shared offset, the parent reads both; "all checks
 *                     passed", exit 0
 *
 * The pipeline: the root R makes itself a session leader, then
 *
 *	R ---p1---> A ---p2---> B ---p3---> C ---p4---> R
 *
 * A is R's child, B is R's child in its own process group, C is B's child
 * (so in B's group).  R sends 8-byte sequence numbers 1, 2, 3... keeping
 * up to WINDOW of them in flight; A, B and C each check that they get
 * every number once and in order, and pass it on, slowly, so the pipes
 * hold unread bytes.  R checks what comes back the same way.  All four
 * also append "NAME SEQ\n" lines through one open file they share from R
 * (one offset: no line may overwrite another).
 *
 * C also keeps DIR/c.data open (a restore fails if it is gone).  A
 * SIGCONT (a stop and continue nobody asked for) fails any of the four.
 *
 * Each process writes DIR/ready.NAME ("pid= ppid= pgid= sid=") once the
 * numbers flow; R writes DIR/ready once 50 came back.  After DIR/go, R
 * sends 200 more, then 0 (stop).  Each process then checks that its PID,
 * parent, group and session are the ones it had at the start (R: all but
 * its parent), and exits 0 if all went right.  R waits for A and B (B for
 * C), checks their exit status and the shared file, prints "all checks
 * passed" and exits 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include "common.h"

#define WINDOW		64
#define AFTER_GO	200

static const char *dir;
static const char *name = "R";
static volatile sig_atomic_t conts;	/* SIGCONTs received */

static void on_cont(int sig)
{
	(void)sig;
	conts++;
}
static int logfd = -1;
static pid_t my_pid, my_ppid, my_pgid, my_sid;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tree %s (pid %d): ", name, getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("read: %s", n ? strerror(errno) : "end of file");
		p += n;
		len -= (size_t)n;
	}
}

static void send_seq(int fd, uint64_t seq)
{
	if (write_all(fd, &seq, sizeof(seq)))
		die("write: %s", strerror(errno));
}

static void log_line(uint64_t seq)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "%s %llu\n", name,
			 (unsigned long long)seq);

	if (write(logfd, line, n) != n)
		die("log write: %s", strerror(errno));
}

/* Remember who we are, and say it in DIR/ready.NAME. */
static void record_ids(void)
{
	char path[4096], tmp[4096];
	FILE *f;

	my_pid = getpid();
	my_ppid = getppid();
	my_pgid = getpgrp();
	my_sid = getsid(0);
	snprintf(tmp, sizeof(tmp), "%s/ready.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/ready.%s", dir, name);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "pid=%d ppid=%d pgid=%d sid=%d\n", my_pid,
			  my_ppid, my_pgid, my_sid) < 0 || fclose(f) ||
	    rename(tmp, path))
		die("cannot write %s", path);
}

static void check_ids(bool parent_too)
{
	/* a failed migration lets it go unseen: no stop, no continue */
	if (conts)
		die("SIGCONT came %d times: it was stopped and continued",
		    (int)conts);
	if (getpid() != my_pid)
		die("pid %d, was %d", getpid(), my_pid);
	if (parent_too && getppid() != my_ppid)
		die("parent %d, was %d", getppid(), my_ppid);
	if (getpgrp() != my_pgid)
		die("process group %d, was %d", getpgrp(), my_pgid);
	if (getsid(0) != my_sid)
		die("session %d, was %d", getsid(0), my_sid);
}

static void wait_child(pid_t pid, const char *who);

/* A, B, C: pass every number on, in order, slowly; 0 ends. */
static void __attribute__((noreturn)) forward(int in, int out, pid_t child)
{
	const struct timespec slow = { 0, 3 * 1000 * 1000 };
	uint64_t seq, expect = 1;
	bool recorded = false;

	for (;;) {
		read_full(in, &seq, sizeof(seq));
		if (seq == 0)
			break;
		if (seq != expect)
			die("got %llu, expected %llu", (unsigned long long)seq,
			    (unsigned long long)expect);
		expect++;
		nanosleep(&slow, NULL);
		send_seq(out, seq);
		if (seq % 8 == 0)
			log_line(seq);
		if (!recorded) {
			record_ids();
			recorded = true;
		}
	}
	send_seq(out, 0);
	check_ids(true);
	if (child)
		wait_child(child, "C");
	exit(0);
}

static void wait_child(pid_t pid, const char *who)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid(%s %d): %s", who, pid, strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		die("%s (pid %d) ended with status 0x%x", who, pid, st);
}

/* Every line of the shared file whole: "X N\n", nothing overwritten. */
static void check_log(const char *path, long want)
{
	char line[128];
	long lines = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		die("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		char who;
		unsigned long long seq;
		char nl;

		if (sscanf(line, "%c %llu%c", &who, &seq, &nl) != 3 ||
		    nl != '\n' || !strchr("RABC", who) || !seq)
			die("shared file line %ld is damaged: '%s'", lines + 1,
			    line);
		lines++;
	}
	fclose(f);
	if (lines != want)
		die("shared file has %ld lines, %ld were written", lines,
		    want);
}

static int pipeline(void)
{
	int p1[2], p2[2], p3[2], p4[2];
	uint64_t sent = 0, back = 0, seq, stop_at = 0;
	char path[4096];
	pid_t a, b;
	long lines = 0;

	if (setsid() < 0)
		die("setsid: %s", strerror(errno));
	signal(SIGCONT, on_cont);	/* inherited by A, B and C */
	snprintf(path, sizeof(path), "%s/shared.log", dir);
	logfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0 || pipe(p1) || pipe(p2) || pipe(p3) || pipe(p4))
		die("setup: %s", strerror(errno));
	a = fork();
	if (a == 0) {
		name = "A";
		close(p1[1]); close(p2[0]); close(p3[0]); close(p3[1]);
		close(p4[0]); close(p4[1]);
		forward(p1[0], p2[1], 0);
	}
	b = fork();
	if (b == 0) {
		pid_t c;

		name = "B";
		if (setpgid(0, 0))
			die("setpgid: %s", strerror(errno));
		close(p1[0]); close(p1[1]); close(p2[1]); close(p4[0]);
		c = fork();
		if (c == 0) {
			name = "C";
			snprintf(path, sizeof(path), "%s/c.data", dir);
			if (open(path, O_RDWR | O_CREAT, 0644) < 0)
				die("open %s: %s", path, strerror(errno));
			close(p2[0]); close(p3[1]);
			forward(p3[0], p4[1], 0);
		}
		if (c < 0)
			die("fork: %s", strerror(errno));
		/* B keeps C's write end open too: one end in two processes */
		close(p3[0]);
		forward(p2[0], p3[1], c);
	}
	if (a < 0 || b < 0)
		die("fork: %s", strerror(errno));
	close(p1[0]); close(p2[0]); close(p2[1]); close(p3[0]); close(p3[1]);
	close(p4[1]);
	record_ids();
	for (;;) {
		if (!stop_at && back >= 50 && back % 8 == 0) {
			char go[4096];

			snprintf(go, sizeof(go), "%s/go", dir);
			if (!access(go, F_OK))
				stop_at = sent + AFTER_GO;
		}
		if (stop_at && back == stop_at)
			break;
		if (sent - back < WINDOW && (!stop_at || sent < stop_at)) {
			send_seq(p1[1], ++sent);
			continue;
		}
		read_full(p4[0], &seq, sizeof(seq));
		if (seq != back + 1)
			die("got back %llu, expected %llu",
			    (unsigned long long)seq,
			    (unsigned long long)back + 1);
		back = seq;
		if (back % 8 == 0) {
			log_line(back);
			lines++;
		}
		if (back == 50 && announce_ready(dir))
			die("cannot write the ready file");
	}
	send_seq(p1[1], 0);
	read_full(p4[0], &seq, sizeof(seq));
	if (seq != 0)
		die("got %llu after the last, expected 0",
		    (unsigned long long)seq);
	check_ids(false);
	wait_child(a, "A");
	wait_child(b, "B");
	/* A, B and C logged every 8th number each, as R did. */
	lines *= 4;
	snprintf(path, sizeof(path), "%s/shared.log", dir);
	check_log(path, lines);
	printf("all checks passed: %llu numbers around the ring\n",
	       (unsigned long long)back);
	return 0;
}

#define SHM_PAGES	8
#define SHM_HOLE	6	/* never written: must read back as zeros */

struct shm_ctl {
	volatile int filled;	/* the child wrote its pages */
	volatile int token;	/* the child, after restart */
	volatile int answer;	/* the parent, seeing the token */
};

static uint64_t shm_word(unsigned int page, unsigned int j)
{
	return page == SHM_HOLE ? 0 : 0x5ea0000000000000ULL |
	       (uint64_t)page << 32 | j;
}

static void shm_fill(uint64_t *mem, unsigned int from, unsigned int to)
{
	unsigned int n = 4096 / sizeof(uint64_t), p, j;

	for (p = from; p < to; p++)
		for (j = 0; j < n && p != SHM_HOLE; j++)
			mem[p * n + j] = shm_word(p, j);
}

static void shm_check(const uint64_t *mem)
{
	unsigned int n = 4096 / sizeof(uint64_t), p, j;

	for (p = 0; p < SHM_PAGES; p++)
		for (j = 0; j < n; j++)
			if (mem[p * n + j] != shm_word(p, j))
				die("shared page %u word %u: 0x%llx, expected 0x%llx",
				    p, j, (unsigned long long)mem[p * n + j],
				    (unsigned long long)shm_word(p, j));
}

/* Wait (10 s at most) for *@v to become @want. */
static void shm_wait(volatile int *v, int want, const char *what)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 1000 && *v != want; i++)
		nanosleep(&tick, NULL);
	if (*v != want)
		die("%s did not show in the shared memory (%d)", what, *v);
}

static int shm_tree(void)
{
	uint64_t *mem = mmap(NULL, SHM_PAGES * 4096, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct shm_ctl *ctl = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char iw[4096], buf[8];
	int in = inotify_init1(IN_NONBLOCK);
	int mf = memfd_create("tree-shared", 0);
	pid_t c;

	if (mem == MAP_FAILED || ctl == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	snprintf(iw, sizeof(iw), "%s/iw", dir);
	if (in < 0 || mkdir(iw, 0700) || inotify_add_watch(in, iw, IN_CREATE) != 1)
		die("inotify on %s: %s", iw, strerror(errno));
	if (mf < 0 || write(mf, "parent", 6) != 6)
		die("memfd: %s", strerror(errno));
	shm_fill(mem, 0, 4);
	c = fork();
	if (c < 0)
		die("fork: %s", strerror(errno));
	if (c == 0) {
		name = "C";
		shm_fill(mem, 4, SHM_PAGES);
		ctl->filled = 1;
		wait_for_go(dir);
		shm_check(mem);
		strncat(iw, "/c", sizeof(iw) - strlen(iw) - 1);
		if (close(open(iw, O_CREAT | O_WRONLY, 0600)))
			die("create %s: %s", iw, strerror(errno));
		if (pwrite(mf, "child", 5, 100) != 5 || write(mf, "X", 1) != 1)
			die("write the shared memfd: %s", strerror(errno));
		ctl->token = 12345;
		shm_wait(&ctl->answer, 54321, "the parent's answer");
		exit(0);
	}
	shm_wait(&ctl->filled, 1, "the child's pages");
	{
		FILE *f;
		char path[4096], tmp[4096];

		snprintf(tmp, sizeof(tmp), "%s/ready.tmp", dir);
		snprintf(path, sizeof(path), "%s/ready", dir);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "pid=%d child=%d\n", getpid(), c) < 0 ||
		    fclose(f) || rename(tmp, path))
			die("cannot write the ready file");
	}
	wait_for_go(dir);
	shm_check(mem);
	shm_wait(&ctl->token, 12345, "the child's token");
	{
		char ev[4096] __attribute__((aligned(8)));
		const struct inotify_event *e = (const void *)ev;
		struct pollfd p = { .fd = in, .events = POLLIN };

		if (poll(&p, 1, 2000) != 1 || read(in, ev, sizeof(ev)) <= 0 ||
		    e->wd != 1 || e->mask != IN_CREATE || !e->len ||
		    strcmp(e->name, "c"))
			die("the inotify shared with the child: no IN_CREATE of c under watch 1 (%s)",
			    strerror(errno));
	}
	if (pread(mf, buf, 5, 100) != 5 || memcmp(buf, "child", 5) ||
	    pread(mf, buf, 7, 0) != 7 || memcmp(buf, "parentX", 7) ||
	    lseek(mf, 0, SEEK_CUR) != 7)
		die("the memfd shared with the child: not its writes, or not its offset");
	ctl->answer = 54321;
	wait_child(c, "the child");
	printf("all checks passed: %d pages shared with the child\n",
	       SHM_PAGES);
	return 0;
}

static void __attribute__((noreturn)) sleep_forever(void)
{
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *mode = argc == 3 ? argv[1] : "pipeline";
	int sv[2];
	pid_t c;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: tree [perm|sock|fanotify|zombie|pair|shm] DIR\n");
		return 2;
	}
	dir = argv[argc - 1];
	close_extra_fds();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "pipeline"))
		return pipeline();
	if (!strcmp(mode, "shm"))
		return shm_tree();
	if (strcmp(mode, "perm") && strcmp(mode, "sock") &&
	    strcmp(mode, "fanotify") &&
	    strcmp(mode, "zombie") && strcmp(mode, "pair"))
		die("unknown mode %s", mode);
	if (!strcmp(mode, "sock") && socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair: %s", strerror(errno));
	if (!strcmp(mode, "fanotify") &&
	    fanotify_init(FAN_CLASS_NOTIF, O_RDONLY) < 0)
		die("fanotify_init: %s", strerror(errno));
	c = fork();
	if (c < 0)
		die("fork: %s", strerror(errno));
	if (c == 0) {
		if (!strcmp(mode, "zombie"))
			_exit(7);
		sleep_forever();
	}
	if (!strcmp(mode, "perm")) {
		/* the child stays root; we become uid 1000, still traceable */
		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000) ||
		    prctl(PR_SET_DUMPABLE, 1))
			die("drop to uid 1000: %s", strerror(errno));
	}
	if (!strcmp(mode, "zombie")) {
		siginfo_t si;

		/* wait until it is a zombie, without reaping it */
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, c, &si, WEXITED | WNOWAIT))
			die("waitid: %s", strerror(errno));
	}
	{
		FILE *f;
		char path[4096], tmp[4096];

		snprintf(tmp, sizeof(tmp), "%s/ready.tmp", dir);
		snprintf(path, sizeof(path), "%s/ready", dir);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "pid=%d child=%d\n", getpid(), c) < 0 ||
		    fclose(f) || rename(tmp, path))
			die("cannot write the ready file");
	}
	if (!strcmp(mode, "zombie")) {
		int st;

		wait_for_go(dir);
		if (waitpid(c, &st, WNOHANG) != c)
			die("the child %d is not a zombie any more", c);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 7)
			die("the child ended with status 0x%x, not exit 7", st);
		printf("all checks passed: the zombie %d had exit status 7\n",
		       c);
		return 0;
	}
	sleep_forever();
}
