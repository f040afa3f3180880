// SPDX-License-Identifier: GPL-2.0
/*
 * vmshare: processes that share an address space (clone(2) with CLONE_VM,
 * without CLONE_THREAD), and signal handlers (CLONE_SIGHAND), for
 * 'ckpt --tree'.
 *
 *   vmshare DIR          the tree below; checks itself after DIR/go
 *   vmshare vfork DIR    P vfork()s C, which neither execs nor exits until
 *                        DIR/release exists; then P writes DIR/resumed
 *   vmshare outside DIR  P forks A; A clones B with CLONE_VM |
 *                        CLONE_SIGHAND | CLONE_PARENT (B is P's child)
 *   vmshare threads DIR  P clones S with CLONE_VM; S has a second thread
 *   vmshare perm DIR     P clones S with CLONE_VM | CLONE_SIGHAND, then P
 *                        alone becomes uid 1000 (dumpable); S stays root
 *   vmshare chain DIR    P (with a thread T) clones B with CLONE_VM, B
 *                        clones C with CLONE_VM | CLONE_SIGHAND: one
 *                        address space, P's handlers, B's and C's; the
 *                        same checks, with C's handler B's (not P's), and
 *                        T still counting
 *
 * The last three write DIR/ready ("pid= a= b= c= s=") and sleep, for the
 * refusal tests.
 *
 * The tree: P (session leader) clones S with CLONE_VM | CLONE_SIGHAND and
 * V with CLONE_VM only, each on its own stack.  Each of the three blocks
 * its own signals (SIGRTMIN+1+i and SIGRTMIN+4+i), has SIGRTMIN+1+i
 * pending (kill() to itself) and opens its own file DIR/fd.i at offset
 * 100 + 111 * i (the file tables are not shared); P's and S's SIGUSR1
 * handler is h_before, V's its own h_v.  Each increments its counter in
 * the memory they share.  After DIR/go (after the restart) P leads, the
 * others answer through the shared memory (a process whose memory is not
 * P's any more never answers, and P fails after 10 s):
 *  - each checks its own mask (exactly as recorded), pending signals and
 *    fd (same file, same offset);
 *  - S's and V's counters move, as P sees them;
 *  - a token P writes, S and V echo;
 *  - S installs h_shared for SIGUSR1 (sigaction); P reads it back as its
 *    own handler, and a SIGUSR1 P sends itself runs h_shared in P; a
 *    SIGUSR1 P sends V runs V's own h_v, not h_shared;
 *  - S mmap()s a new page and fills it; P and V read it.
 * Every process exits 0 if all went right; P prints "all checks passed".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include "common.h"

#define NPROC		3	/* P, S, V */
#define WAIT_MS		10000

static char dir[PATH_MAX / 2];

/* All in the one address space. */
static struct {
	volatile long cnt[NPROC];
	volatile int stage;
	volatile long token;
	volatile long echo[NPROC];
	volatile pid_t fired;		/* h_shared ran in this process */
	volatile int nfired;
	volatile pid_t vfired;		/* h_v ran in this process */
	volatile char *mapped;		/* S's page, after the restart */
	volatile int result[NPROC];	/* 1 ok, -1 failed */
	volatile int seen_map;		/* V read S's page */
	volatile long tcnt;		/* P's thread T (chain) */
	char why[NPROC][256];
	pid_t pid[NPROC];
	sigset_t mask[NPROC];
	ino_t ino[NPROC];
	int fd[NPROC];
} sh;

/*
 * The tree's shape.  Default: P, S (installs the handler, maps the page),
 * V (keeps its own handler).  Chain: P with a thread T, B (CLONE_VM, its
 * own handlers), B's child C (CLONE_VM | CLONE_SIGHAND from B: installs
 * a handler that is B's, not P's; maps the page).
 */
static bool chain;
static int inst = 1, own = 2;
static const char *const tree_names[NPROC] = { "P", "S", "V" };
static const char *const chain_names[NPROC] = { "P", "B", "C" };
static const char *const *names = tree_names;

static pid_t my_pid(void)
{
	/* Not glibc's getpid(): the children share P's TLS. */
	return (pid_t)syscall(SYS_getpid);
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vmshare P: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void h_before(int sig)
{
	(void)sig;
}

static void h_shared(int sig)
{
	(void)sig;
	sh.fired = my_pid();
	sh.nfired++;
}

static void h_v(int sig)
{
	(void)sig;
	sh.vfired = my_pid();
}

static void on(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	sigaction(sig, &sa, NULL);
}

/* Process @i's own state: mask, pending signal, file. */
static int setup(int i)
{
	char path[PATH_MAX], buf[1000];
	sigset_t set;
	struct stat st;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 1 + i);
	sigaddset(&set, SIGRTMIN + 4 + i);
	if (sigprocmask(SIG_SETMASK, &set, NULL))
		return -1;
	syscall(SYS_kill, my_pid(), SIGRTMIN + 1 + i);
	sigprocmask(SIG_BLOCK, NULL, &sh.mask[i]);
	snprintf(path, sizeof(path), "%s/fd.%d", dir, i);
	sh.fd[i] = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(buf, 'a' + i, sizeof(buf));
	if (sh.fd[i] < 0 || write(sh.fd[i], buf, sizeof(buf)) != sizeof(buf) ||
	    lseek(sh.fd[i], 100 + 111 * i, SEEK_SET) < 0 ||
	    fstat(sh.fd[i], &st))
		return -1;
	sh.ino[i] = st.st_ino;
	sh.pid[i] = my_pid();
	return 0;
}

/* Process @i checks its own state; the verdict in sh.result[i]. */
static void check_own(int i)
{
	char *why = sh.why[i];
	sigset_t now, pend;
	struct stat st;
	off_t off;
	int s;

	why[0] = '\0';
	sigprocmask(SIG_BLOCK, NULL, &now);
	sigpending(&pend);
	off = lseek(sh.fd[i], 0, SEEK_CUR);
	if (my_pid() != sh.pid[i])
		snprintf(why, sizeof(sh.why[i]), "pid %d, was %d", my_pid(),
			 sh.pid[i]);
	for (s = 1; s < SIGRTMAX && !why[0]; s++)
		if (sigismember(&now, s) != sigismember(&sh.mask[i], s))
			snprintf(why, sizeof(sh.why[i]),
				 "signal %d is %sblocked", s,
				 sigismember(&now, s) ? "" : "not ");
	for (s = 0; s < NPROC && !why[0]; s++)
		if (sigismember(&pend, SIGRTMIN + 1 + s) != (s == i))
			snprintf(why, sizeof(sh.why[i]),
				 "SIGRTMIN+%d is %spending", 1 + s,
				 s == i ? "not " : "");
	if (!why[0] && (fstat(sh.fd[i], &st) || st.st_ino != sh.ino[i]))
		snprintf(why, sizeof(sh.why[i]), "fd %d is not its file",
			 sh.fd[i]);
	if (!why[0] && off != 100 + 111 * i)
		snprintf(why, sizeof(sh.why[i]), "fd %d at offset %lld, not %d",
			 sh.fd[i], (long long)off, 100 + 111 * i);
	sh.result[i] = why[0] ? -1 : 1;
}

static void fail_child(int i, const char *what)
{
	snprintf(sh.why[i], sizeof(sh.why[i]), "%s", what);
	sh.result[i] = -1;
}

static int child(void *arg);

/* Clone process @i on a stack of its own; no stdio (B makes C). */
static pid_t spawn_raw(int i, int flags)
{
	return clone_on_stack(child, flags, (void *)(long)i);
}

/* P's thread T (chain): count. */
static int counter_thread(void *arg)
{
	(void)arg;
	for (;;) {
		sh.tcnt++;
		nap_ms(2);
	}
	return 0;
}

/* S and V (B and C): count, and answer P's stages after the restart. */
static int child(void *arg)
{
	int i = (int)(long)arg, done = 0;
	struct sigaction sa;

	if (setup(i)) {
		fail_child(i, "setup failed");
		return 1;
	}
	if (i == own)
		on(SIGUSR1, h_v);
	if (chain && i == 1 && spawn_raw(2, CLONE_VM | CLONE_SIGHAND) < 0) {
		fail_child(i, "clone of C failed");
		return 1;
	}
	for (;;) {
		int st = sh.stage;

		sh.cnt[i]++;
		if (st == 1 && done < 1) {
			check_own(i);
			done = 1;
		} else if (st == 2 && done < 2) {
			sh.echo[i] = sh.token;
			done = 2;
		} else if (st == 3 && i == inst && done < 3) {
			on(SIGUSR1, h_shared);
			sh.stage = 4;
			done = 3;
		} else if (st == 5 && i == own && done < 5) {
			sigaction(SIGUSR1, NULL, &sa);
			if (sa.sa_handler != (chain ? h_shared : h_v))
				fail_child(i, chain ?
					   "B's SIGUSR1 handler is not the one C installed" :
					   "V's SIGUSR1 handler changed");
			done = 5;
		} else if (st == 6 && i == inst && done < 6) {
			char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED) {
				fail_child(i, "mmap failed");
			} else {
				memset(p, 0x5a, 4096);
				p[4095] = 'S';
				sh.mapped = p;
			}
			done = 6;
		} else if (st == 6 && i == own && done < 6 && sh.mapped) {
			sh.seen_map = sh.mapped[4095] == 'S' &&
				      sh.mapped[0] == 0x5a ? 1 : -1;
			done = 6;
		} else if (st == 99) {
			int cst = 0;

			/* B reaps its child C. */
			if (chain && i == 1 &&
			    (waitpid(sh.pid[2], &cst, 0) != sh.pid[2] ||
			     !WIFEXITED(cst) || WEXITSTATUS(cst)))
				return 1;
			return sh.result[i] == 1 ? 0 : 1;
		}
		nap_ms(2);
	}
}

static pid_t spawn_fn(int (*fn)(void *), int flags, int i)
{
	pid_t pid;

	fflush(NULL);
	pid = clone_on_stack(fn, flags, (void *)(long)i);
	if (pid < 0)
		die("clone(0x%x): %s", flags, strerror(errno));
	return pid;
}

static pid_t spawn(int i, int flags)
{
	return spawn_fn(child, flags, i);
}

/* Wait until *@p != 0 (or == @want if nonzero); false on timeout. */
static bool wait_long(volatile long *p, long want)
{
	int ms;

	for (ms = 0; ms < WAIT_MS; ms += 2) {
		if (want ? *p == want : *p != 0)
			return true;
		nap_ms(2);
	}
	return false;
}

static bool wait_int(volatile int *p)
{
	int ms;

	for (ms = 0; ms < WAIT_MS && !*p; ms += 2)
		nap_ms(2);
	return *p;
}

static void write_ready(const char *text)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/ready.tmp", dir);
	snprintf(path, sizeof(path), "%s/ready", dir);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%s\n", text) < 0 || fclose(f) ||
	    rename(tmp, path))
		die("cannot write %s: %s", path, strerror(errno));
}

static int run_tree(void)
{
	char text[128], path[PATH_MAX];
	struct sigaction sa;
	long s0, v0, t0, token;
	pid_t tid = 0;
	int i, st, bad = 0;

	if (setsid() < 0)
		die("setsid: %s", strerror(errno));
	on(SIGUSR1, h_before);
	if (setup(0))
		die("setup: %s", strerror(errno));
	if (chain) {
		static char tstack[CLONE_STACK_SIZE] __attribute__((aligned(16)));

		tid = clone(counter_thread, tstack + CLONE_STACK_SIZE,
			    CLONE_VM | CLONE_THREAD | CLONE_SIGHAND |
			    CLONE_FILES | CLONE_FS | CLONE_SYSVSEM, NULL);
		if (tid < 0)
			die("clone of T: %s", strerror(errno));
		spawn(1, CLONE_VM);
	} else {
		spawn(1, CLONE_VM | CLONE_SIGHAND);
		spawn(2, CLONE_VM);
	}
	for (i = 1; i < NPROC; i++)
		if (!wait_long(&sh.cnt[i], 0))
			die("%s did not start", names[i]);
	if (!sh.pid[1] || !sh.pid[2])
		die("%s or %s failed to set up: %s %s", names[1], names[2],
		    sh.why[1], sh.why[2]);
	if (chain)
		snprintf(text, sizeof(text), "pid=%d b=%d c=%d t=%d", my_pid(),
			 sh.pid[1], sh.pid[2], tid);
	else
		snprintf(text, sizeof(text), "pid=%d s=%d v=%d", my_pid(),
			 sh.pid[1], sh.pid[2]);
	write_ready(text);

	/* Count until the restart is done. */
	snprintf(path, sizeof(path), "%s/go", dir);
	while (access(path, F_OK)) {
		sh.cnt[0]++;
		nap_ms(20);
	}

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "vmshare: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		bad = 1;						\
		goto out;						\
	}								\
} while (0)

	check_own(0);
	CHECK(sh.result[0] == 1, "P: %s", sh.why[0]);
	sh.stage = 1;
	for (i = 1; i < NPROC; i++) {
		CHECK(wait_int(&sh.result[i]),
		      "%s never checked itself: it does not see P's memory",
		      names[i]);
		CHECK(sh.result[i] == 1, "%s: %s", names[i], sh.why[i]);
	}
	s0 = sh.cnt[1];
	v0 = sh.cnt[2];
	t0 = sh.tcnt;
	nap_ms(200);
	CHECK(sh.cnt[1] > s0 && sh.cnt[2] > v0,
	      "the counters of %s (%ld, then %ld) and %s (%ld, then %ld) do not move in P's memory",
	      names[1], s0, sh.cnt[1], names[2], v0, sh.cnt[2]);
	CHECK(!chain || sh.tcnt > t0, "P's thread T does not count");

	token = ((long)my_pid() << 20) ^ (long)clock_ns(CLOCK_MONOTONIC);
	token = token ? token : 1;
	sh.token = token;
	sh.stage = 2;
	for (i = 1; i < NPROC; i++)
		CHECK(wait_long(&sh.echo[i], token),
		      "%s did not echo P's token", names[i]);

	/* A handler S installs is P's (CLONE_SIGHAND). */
	sh.stage = 3;
	for (i = 0; i < WAIT_MS && sh.stage != 4; i += 2)
		nap_ms(2);
	CHECK(sh.stage == 4, "%s did not install its handler", names[inst]);
	if (chain) {
		/* C's handler is B's (C shares B's), not P's. */
		sigaction(SIGUSR1, NULL, &sa);
		CHECK(sa.sa_handler == h_before,
		      "P's SIGUSR1 handler changed when C installed one");
		kill(sh.pid[1], SIGUSR1);
		for (i = 0; i < WAIT_MS && !sh.nfired; i += 2)
			nap_ms(2);
		CHECK(sh.nfired == 1 && sh.fired == sh.pid[1],
		      "C's handler did not run in B on SIGUSR1 (ran %d times, in %d)",
		      sh.nfired, sh.fired);
		syscall(SYS_kill, my_pid(), SIGUSR1);
		nap_ms(100);
		CHECK(sh.nfired == 1, "C's handler ran in P");
		sh.stage = 5;
		for (i = 0; i < 200; i += 2)
			nap_ms(2);
		CHECK(sh.result[1] == 1, "B: %s", sh.why[1]);
		goto mapping;
	}
	sigaction(SIGUSR1, NULL, &sa);
	CHECK(sa.sa_handler == h_shared,
	      "P's SIGUSR1 handler is not the one S installed");
	syscall(SYS_kill, my_pid(), SIGUSR1);
	for (i = 0; i < WAIT_MS && !sh.nfired; i += 2)
		nap_ms(2);
	CHECK(sh.nfired == 1 && sh.fired == my_pid(),
	      "S's handler did not run in P on SIGUSR1 (ran %d times, in %d)",
	      sh.nfired, sh.fired);
	/* V's handlers are its own (CLONE_VM only). */
	sh.stage = 5;
	kill(sh.pid[2], SIGUSR1);
	for (i = 0; i < WAIT_MS && !sh.vfired; i += 2)
		nap_ms(2);
	CHECK(sh.vfired == sh.pid[2], "V's own handler did not run in V");
	CHECK(sh.nfired == 1, "S's handler ran in V");
	CHECK(sh.result[2] == 1, "V: %s", sh.why[2]);

	/* A mapping S makes is P's and V's. */
mapping:
	sh.stage = 6;
	for (i = 0; i < WAIT_MS && !sh.mapped && sh.result[inst] == 1; i += 2)
		nap_ms(2);
	CHECK(sh.mapped, "%s did not map its page: %s", names[inst],
	      sh.why[inst]);
	CHECK(sh.mapped[0] == 0x5a && sh.mapped[4095] == 'S',
	      "P does not see %s's new mapping's data", names[inst]);
	CHECK(wait_int(&sh.seen_map) && sh.seen_map == 1,
	      "%s does not see %s's new mapping", names[own], names[inst]);
out:
	sh.result[1] = bad ? -1 : sh.result[1];
	sh.result[2] = bad ? -1 : sh.result[2];
	sh.stage = 99;
	for (i = 1; i < (chain ? 2 : NPROC); i++) {
		if (waitpid(sh.pid[i], &st, 0) != sh.pid[i] ||
		    !WIFEXITED(st) || WEXITSTATUS(st)) {
			if (!bad)
				fprintf(stderr, "vmshare: %s ended badly (0x%x)\n",
					names[i], st);
			bad = 1;
		}
	}
	if (bad)
		return 1;
	printf("all checks passed\n");
	return 0;
}

/* ---- the refusal modes ------------------------------------------------ */

static int __attribute__((noreturn)) sleeper(void *arg)
{
	(void)arg;
	for (;;)
		nap_ms(1000);
}

/* S of "perm": root, on uid 1000's address space. */
static int perm_child(void *arg)
{
	(void)arg;
	sh.pid[1] = my_pid();
	return sleeper(NULL);
}

/* S of "threads": a second thread (on its own stack), then sleep. */
static int threaded(void *arg)
{
	static char stack[CLONE_STACK_SIZE] __attribute__((aligned(16)));

	(void)arg;
	if (clone(sleeper, stack + CLONE_STACK_SIZE,
		  CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_FILES |
		  CLONE_FS | CLONE_SYSVSEM, NULL) < 0)
		return 1;
	sh.stage = 7;
	return sleeper(NULL);
}

static char vf_path[PATH_MAX];
static char vf_ready[PATH_MAX];
static char vf_tmp[PATH_MAX];

/* "pid=P c=C\n" by hand: a vfork child must not use stdio. */
static void vfork_child(pid_t parent)
{
	char buf[64];
	int n = 0, fd;
	long v[2] = { parent, my_pid() };
	const char *key[2] = { "pid=", " c=" };

	for (int k = 0; k < 2; k++) {
		char d[16];
		int m = 0;
		long x = v[k];

		for (const char *p = key[k]; *p; p++)
			buf[n++] = *p;
		do
			d[m++] = '0' + x % 10;
		while ((x /= 10));
		while (m)
			buf[n++] = d[--m];
	}
	buf[n++] = '\n';
	fd = (int)syscall(SYS_open, vf_tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || syscall(SYS_write, fd, buf, n) != n ||
	    syscall(SYS_close, fd) || syscall(SYS_rename, vf_tmp, vf_ready))
		syscall(SYS_exit, 2);
	while (syscall(SYS_access, vf_path, F_OK))
		nap_ms(20);
	syscall(SYS_exit, 0);
}

static int refusal(const char *mode)
{
	char text[128];
	pid_t a, b, s;

	if (!strcmp(mode, "vfork")) {
		pid_t me = my_pid(), c;
		int st;

		snprintf(vf_path, sizeof(vf_path), "%s/release", dir);
		snprintf(vf_ready, sizeof(vf_ready), "%s/ready", dir);
		snprintf(vf_tmp, sizeof(vf_tmp), "%s/ready.tmp", dir);
		fflush(NULL);
		c = vfork();
		if (c == 0)
			vfork_child(me);
		if (c < 0)
			die("vfork: %s", strerror(errno));
		if (waitpid(c, &st, 0) != c || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			die("the vfork child failed");
		snprintf(vf_path, sizeof(vf_path), "%s/resumed", dir);
		if (close(open(vf_path, O_WRONLY | O_CREAT, 0600)))
			die("cannot write %s", vf_path);
		return sleeper(NULL);
	}
	if (!strcmp(mode, "outside")) {
		fflush(NULL);
		a = fork();
		if (a < 0)
			die("fork: %s", strerror(errno));
		if (a == 0) {
			b = clone_on_stack(sleeper, CLONE_VM | CLONE_SIGHAND |
					   CLONE_PARENT, NULL);
			if (b < 0)
				_exit(1);
			snprintf(text, sizeof(text), "pid=%d a=%d b=%d",
				 getppid(), my_pid(), b);
			write_ready(text);
			sleeper(NULL);
		}
		return sleeper(NULL);
	}
	if (!strcmp(mode, "perm")) {
		int i;

		s = spawn_fn(perm_child, CLONE_VM | CLONE_SIGHAND, 1);
		for (i = 0; i < WAIT_MS && !sh.pid[1]; i += 2)
			nap_ms(2);
		if (!sh.pid[1])
			die("S did not start");
		/* P alone (raw system calls: not S, which stays root). */
		if (syscall(SYS_setgroups, 0, NULL) ||
		    syscall(SYS_setresgid, 1000, 1000, 1000) ||
		    syscall(SYS_setresuid, 1000, 1000, 1000) ||
		    prctl(PR_SET_DUMPABLE, 1))
			die("cannot become uid 1000: %s", strerror(errno));
		snprintf(text, sizeof(text), "pid=%d s=%d", my_pid(), s);
		write_ready(text);
		return sleeper(NULL);
	}
	if (!strcmp(mode, "threads")) {
		int i;

		s = spawn_fn(threaded, CLONE_VM, 1);
		for (i = 0; i < WAIT_MS && sh.stage != 7; i += 2)
			nap_ms(2);
		if (sh.stage != 7)
			die("S did not make its thread");
		snprintf(text, sizeof(text), "pid=%d s=%d", my_pid(), s);
		write_ready(text);
		return sleeper(NULL);
	}
	die("unknown mode %s", mode);
}

int main(int argc, char **argv)
{
	const char *d = argc == 2 ? argv[1] : argc == 3 ? argv[2] : NULL;

	if (!d || strlen(d) >= sizeof(dir)) {
		fprintf(stderr, "usage: vmshare [vfork|outside|threads] DIR\n");
		return 2;
	}
	strcpy(dir, d);
	close_extra_fds();
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3 && !strcmp(argv[1], "chain")) {
		chain = true;
		inst = 2;
		own = 1;
		names = chain_names;
		return run_tree();
	}
	if (argc == 3)
		return refusal(argv[1]);
	return run_tree();
}
