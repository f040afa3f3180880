// SPDX-License-Identifier: GPL-2.0
/*
 * fdkinds MODE DIR: eventfd, timerfd, signalfd and epoll survive a
 * checkpoint and restart.  Sets MODE's state up, records what it expects,
 * writes DIR/ready and waits for DIR/go (the case checkpoints with --kill
 * and restarts in between), then checks the state itself: values read
 * back, fd numbers, fcntl flags, /proc/self/fdinfo.  Prints "all checks
 * passed" and exits 0, or names the first difference and exits 1.
 *
 * MODE is one of:
 *  eventfd   counters (one near 2^41), EFD_SEMAPHORE, O_NONBLOCK, CLOEXEC,
 *            a dup sharing the counter, a chosen fd number
 *  timerfd   relative, TFD_TIMER_ABSTIME (realtime and monotonic),
 *            expirations not read, a running interval timer, flags
 *  signalfd  masks, flags, signals pending for it (with siginfo)
 *  epoll     the interest list (fds, events, data) over pipes and
 *            eventfds, ready events reported after restart, ET/ONESHOT
 *  memfd     name, size, contents (with a hole), offset, seals, a
 *            MAP_SHARED mapping sharing its pages with the fd, a dup
 *  shmanon   MAP_SHARED|MAP_ANONYMOUS memory mapped twice (mremap of
 *            size 0): contents, and the two mappings still one object
 *  inotify   two instances (flags, a chosen fd number, a dup): watch
 *            descriptors, masks and inodes as fdinfo shows them, one watch
 *            removed (its descriptor not given again), IN_ONESHOT, a watch
 *            under DIR/"mnt point" (the case mounts a tmpfs there) and one
 *            on the root filesystem; events not read at the checkpoint
 *            (a create, a rename's pair with its cookie, a delete) read
 *            after restart, byte for byte; new events come under the old
 *            descriptors
 *
 * MODE refuse-cancel, refuse-nested, refuse-private-memfd, refuse-unread,
 * refuse-hidden: holds state a checkpoint must refuse (a timerfd with
 * TFD_TIMER_CANCEL_ON_SET, an epoll watching an epoll, a MAP_PRIVATE
 * mapping of a memfd, an inotify instance with more unread events than
 * an image keeps, one
 * watching a directory under DIR/hidden, where the case then mounts
 * another tmpfs over the tmpfs it mounted first), writes DIR/ready,
 * waits for DIR/go and exits 0: the case checks the refusal and that the
 * process lives on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

static int failed;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fdkinds: check failed: " __VA_ARGS__);	\
		fprintf(stderr, " (%s)\n", #cond);			\
		failed = 1;						\
	}								\
} while (0)

static void die(const char *what)
{
	fprintf(stderr, "fdkinds: %s (%s)\n", what, strerror(errno));
	exit(2);
}

/* Move @fd to exactly @want. */
static int move_fd(int fd, int want)
{
	if (dup3(fd, want, fcntl(fd, F_GETFD) & FD_CLOEXEC ? O_CLOEXEC : 0) < 0)
		die("dup3");
	close(fd);
	return want;
}

static int fd_cloexec(int fd)
{
	return fcntl(fd, F_GETFD) & FD_CLOEXEC;
}

static int fd_nonblock(int fd)
{
	return !!(fcntl(fd, F_GETFL) & O_NONBLOCK);
}

/* /proc/self/fdinfo/FD, open for reading. */
static FILE *fdinfo_open(int fd)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		die("fdinfo");
	return f;
}

/* Line KEY of /proc/self/fdinfo/FD (without the key), in buf. */
static const char *fdinfo(int fd, const char *key, char *buf, size_t size)
{
	char line[512];
	const char *ret = NULL;
	FILE *f;

	f = fdinfo_open(fd);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, strlen(key))) {
			snprintf(buf, size, "%s", line + strlen(key));
			buf[strcspn(buf, "\n")] = '\0';
			ret = buf;
			break;
		}
	}
	fclose(f);
	return ret ? ret : "";
}

static uint64_t read_u64(int fd, int *err)
{
	uint64_t v = 0;

	*err = 0;
	if (read(fd, &v, sizeof(v)) != sizeof(v))
		*err = errno ? errno : EIO;
	return v;
}

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* ---- eventfd ---------------------------------------------------------- */

static void eventfd_mode(const char *dir)
{
	const uint64_t big = (1ULL << 41) + 7;
	int a, b, c, d, err;
	uint64_t v, one = 1;

	a = eventfd(5, EFD_NONBLOCK | EFD_CLOEXEC);
	b = eventfd(3, EFD_SEMAPHORE);
	d = eventfd(0, EFD_NONBLOCK);
	if (a < 0 || b < 0 || d < 0)
		die("eventfd");
	v = 37;
	if (write(a, &v, sizeof(v)) != sizeof(v) ||
	    write(d, &big, sizeof(big)) != sizeof(big))
		die("write eventfd");
	c = dup(a);			/* shares the counter, no CLOEXEC */
	d = move_fd(d, 17);
	if (announce_ready(dir))
		die("ready file");
	wait_for_go(dir);

	CHECK(fd_cloexec(a) && !fd_cloexec(b) && !fd_cloexec(c) &&
	      !fd_cloexec(d), "FD_CLOEXEC of fds %d %d %d %d", a, b, c, d);
	CHECK(fd_nonblock(a) && !fd_nonblock(b) && fd_nonblock(c) &&
	      fd_nonblock(d), "O_NONBLOCK of fds %d %d %d %d", a, b, c, d);
	/* a and c share one counter: add through c, read it all through a */
	if (write(c, &one, sizeof(one)) != sizeof(one))
		die("write dup");
	v = read_u64(a, &err);
	CHECK(!err && v == 43, "eventfd counter read %llu (err %d), expected 43",
	      (unsigned long long)v, err);
	v = read_u64(c, &err);
	CHECK(err == EAGAIN, "the dup'ed eventfd still reads %llu after the counter was read (err %d)",
	      (unsigned long long)v, err);
	/* semaphore: three reads of 1, then nothing */
	for (int i = 0; i < 3; i++) {
		/* b blocks: never read it empty */
		CHECK(readable(b), "EFD_SEMAPHORE eventfd empty after %d reads", i);
		if (failed)
			break;
		v = read_u64(b, &err);
		CHECK(!err && v == 1, "EFD_SEMAPHORE read %d gave %llu", i,
		      (unsigned long long)v);
	}
	CHECK(!readable(b), "EFD_SEMAPHORE eventfd readable after 3 reads");
	v = read_u64(d, &err);
	CHECK(!err && v == big, "eventfd at fd 17 read %llu, expected %llu",
	      (unsigned long long)v, (unsigned long long)big);
}

/* ---- timerfd ---------------------------------------------------------- */

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static struct timespec ns_ts(int64_t ns)
{
	struct timespec t = { ns / 1000000000LL, ns % 1000000000LL };

	return t;
}

static int mk_timer(int clk, int flags, int setflags, int64_t value,
		    int64_t interval)
{
	struct itimerspec its = { ns_ts(interval), ns_ts(value) };
	int fd = timerfd_create(clk, flags);

	if (fd < 0 || timerfd_settime(fd, setflags, &its, NULL))
		die("timerfd");
	return fd;
}

static void gettime(int fd, int64_t *value, int64_t *interval)
{
	struct itimerspec its;

	if (timerfd_gettime(fd, &its))
		die("timerfd_gettime");
	*value = ts_ns(&its.it_value);
	*interval = ts_ns(&its.it_interval);
}

#define SEC	1000000000LL
#define TOL	(SEC / 2)

static void timerfd_mode(const char *dir)
{
	int64_t mono0 = clock_ns(CLOCK_MONOTONIC);
	int64_t real_deadline = clock_ns(CLOCK_REALTIME) + 40 * SEC;
	int64_t mono_deadline = mono0 + 20 * SEC;
	int64_t v, iv, elapsed;
	int t1, t2, t3, t4, t5, err;
	char buf[128];
	uint64_t n;

	/* relative, with an interval */
	t1 = mk_timer(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC, 0,
		      30 * SEC, 45 * SEC);
	/* absolute on the wall clock: fires at the same wall time */
	t2 = mk_timer(CLOCK_REALTIME, 0, TFD_TIMER_ABSTIME, real_deadline, 0);
	/* expired once, not read */
	t3 = mk_timer(CLOCK_MONOTONIC, TFD_NONBLOCK, 0, SEC / 1000, 0);
	/* keeps firing every 100 ms */
	t4 = mk_timer(CLOCK_BOOTTIME, 0, 0, SEC / 10, SEC / 10);
	/* absolute on the monotonic clock */
	t5 = mk_timer(CLOCK_MONOTONIC, TFD_NONBLOCK, TFD_TIMER_ABSTIME,
		      mono_deadline, 0);
	t5 = move_fd(t5, 21);
	usleep(50000);
	if (announce_ready(dir))
		die("ready file");
	wait_for_go(dir);
	elapsed = clock_ns(CLOCK_MONOTONIC) - mono0;

	CHECK(fd_cloexec(t1) && !fd_cloexec(t2) && !fd_cloexec(t3) &&
	      !fd_cloexec(t5), "FD_CLOEXEC of the timerfds");
	CHECK(fd_nonblock(t1) && !fd_nonblock(t2) && fd_nonblock(t3) &&
	      !fd_nonblock(t4) && fd_nonblock(t5), "O_NONBLOCK of the timerfds");
	CHECK(!strcmp(fdinfo(t1, "clockid: ", buf, sizeof(buf)), "1") &&
	      !strcmp(fdinfo(t2, "clockid: ", buf, sizeof(buf)), "0") &&
	      !strcmp(fdinfo(t4, "clockid: ", buf, sizeof(buf)), "7"),
	      "timerfd clock ids");
	CHECK(!strcmp(fdinfo(t1, "settime flags: ", buf, sizeof(buf)), "00") &&
	      !strcmp(fdinfo(t2, "settime flags: ", buf, sizeof(buf)), "01") &&
	      !strcmp(fdinfo(t5, "settime flags: ", buf, sizeof(buf)), "01"),
	      "TFD_TIMER_ABSTIME flags in fdinfo");

	/* t1: time left went down, not past what ran, interval intact */
	gettime(t1, &v, &iv);
	CHECK(iv == 45 * SEC, "t1 interval %lld ns, expected 45 s",
	      (long long)iv);
	CHECK(v > 0 && v <= 30 * SEC && v >= 30 * SEC - elapsed - TOL,
	      "t1 %lld ns left after %lld ns, set to 30 s", (long long)v,
	      (long long)elapsed);
	/* t2: the same wall-clock deadline */
	gettime(t2, &v, &iv);
	CHECK(iv == 0, "t2 interval %lld", (long long)iv);
	{
		int64_t want = real_deadline - clock_ns(CLOCK_REALTIME);

		CHECK(v > want - TOL && v < want + TOL,
		      "t2 %lld ns left, expected %lld (absolute realtime deadline)",
		      (long long)v, (long long)want);
	}
	/* t5: monotonic absolute, never later than set */
	gettime(t5, &v, &iv);
	CHECK(v > 0 && v <= 20 * SEC && v >= 20 * SEC - elapsed - TOL,
	      "t5 %lld ns left after %lld ns, set for 20 s", (long long)v,
	      (long long)elapsed);
	/* t3: one expiration waiting, then nothing, disarmed */
	n = read_u64(t3, &err);
	CHECK(!err && n == 1, "t3 read %llu expirations (err %d), expected 1",
	      (unsigned long long)n, err);
	n = read_u64(t3, &err);
	CHECK(err == EAGAIN, "t3 read again gave %llu (err %d)",
	      (unsigned long long)n, err);
	gettime(t3, &v, &iv);
	CHECK(v == 0 && iv == 0, "t3 is armed again: %lld/%lld", (long long)v,
	      (long long)iv);
	/* t4: still running with its 100 ms period */
	gettime(t4, &v, &iv);
	CHECK(iv == SEC / 10 && v > 0 && v <= SEC / 10,
	      "t4 %lld ns left, interval %lld", (long long)v, (long long)iv);
	if (failed)		/* t4 blocks: not if it may be disarmed */
		return;
	n = read_u64(t4, &err);
	CHECK(!err && n >= 1, "t4 read %llu (err %d)", (unsigned long long)n,
	      err);
	n = read_u64(t4, &err);
	CHECK(!err && n >= 1 && n < 5, "t4 second read %llu (err %d)",
	      (unsigned long long)n, err);
}

/* ---- signalfd --------------------------------------------------------- */

static void signalfd_mode(const char *dir)
{
	struct signalfd_siginfo si[4];
	union sigval val = { .sival_int = 1234 };
	char want1[64], want2[64], buf[128];
	sigset_t m1, m2, all;
	int s1, s2;
	ssize_t n;

	sigemptyset(&m1);
	sigaddset(&m1, SIGUSR1);
	sigaddset(&m1, SIGRTMIN + 3);
	sigemptyset(&m2);
	sigaddset(&m2, SIGUSR2);
	sigemptyset(&all);
	sigaddset(&all, SIGUSR1);
	sigaddset(&all, SIGUSR2);
	sigaddset(&all, SIGRTMIN + 3);
	if (sigprocmask(SIG_BLOCK, &all, NULL))
		die("sigprocmask");
	s1 = signalfd(-1, &m1, SFD_NONBLOCK | SFD_CLOEXEC);
	s2 = signalfd(-1, &m2, 0);
	if (s1 < 0 || s2 < 0)
		die("signalfd");
	s2 = move_fd(s2, 12);
	snprintf(want1, sizeof(want1), "%s", fdinfo(s1, "sigmask:\t", buf,
						    sizeof(buf)));
	snprintf(want2, sizeof(want2), "%s", fdinfo(s2, "sigmask:\t", buf,
						    sizeof(buf)));
	if (kill(getpid(), SIGUSR1) || sigqueue(getpid(), SIGRTMIN + 3, val))
		die("send");
	if (announce_ready(dir))
		die("ready file");
	wait_for_go(dir);

	CHECK(!strcmp(fdinfo(s1, "sigmask:\t", buf, sizeof(buf)), want1),
	      "signalfd mask %s, expected %s", buf, want1);
	CHECK(!strcmp(fdinfo(s2, "sigmask:\t", buf, sizeof(buf)), want2),
	      "signalfd at fd 12 mask %s, expected %s", buf, want2);
	CHECK(fd_cloexec(s1) && !fd_cloexec(s2), "FD_CLOEXEC of the signalfds");
	CHECK(fd_nonblock(s1) && !fd_nonblock(s2), "O_NONBLOCK of the signalfds");
	CHECK(!readable(s2), "signalfd of SIGUSR2 readable, none was sent");
	n = read(s1, si, sizeof(si));
	CHECK(n == 2 * (ssize_t)sizeof(si[0]), "signalfd read %zd bytes, expected 2 signals",
	      n);
	if (n == 2 * (ssize_t)sizeof(si[0])) {
		CHECK(si[0].ssi_signo == SIGUSR1 &&
		      si[0].ssi_pid == (uint32_t)getpid(),
		      "first signal %u from %u", si[0].ssi_signo, si[0].ssi_pid);
		CHECK(si[1].ssi_signo == (uint32_t)SIGRTMIN + 3 &&
		      si[1].ssi_int == 1234 &&
		      si[1].ssi_code == SI_QUEUE,
		      "second signal %u int %d code %d", si[1].ssi_signo,
		      si[1].ssi_int, si[1].ssi_code);
	}
	n = read(s1, si, sizeof(si));
	CHECK(n < 0 && errno == EAGAIN, "signalfd read %zd after draining", n);
	/* still live: a new signal shows up on the other one */
	if (kill(getpid(), SIGUSR2))
		die("kill");
	CHECK(readable(s2), "signalfd at fd 12 not readable after SIGUSR2");
	if (failed)		/* s2 blocks */
		return;
	n = read(s2, si, sizeof(si));
	CHECK(n == sizeof(si[0]) && si[0].ssi_signo == SIGUSR2,
	      "signalfd at fd 12 read %zd bytes after SIGUSR2", n);
}

/* ---- epoll ------------------------------------------------------------ */

struct item {
	int tfd;
	unsigned int events;
	unsigned long long data;
};

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	return (x->tfd > y->tfd) - (x->tfd < y->tfd);
}

/* The interest list as "tfd:events:data" words, in fd order. */
static void interest(int ep, char *out, size_t size)
{
	struct item it[16];
	char line[512];
	size_t len = 0;
	int n = 0;
	FILE *f;

	f = fdinfo_open(ep);
	while (n < 16 && fgets(line, sizeof(line), f))
		if (sscanf(line, "tfd: %d events: %x data: %llx", &it[n].tfd,
			   &it[n].events, &it[n].data) == 3)
			n++;
	fclose(f);
	qsort(it, n, sizeof(it[0]), item_cmp);
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		len += snprintf(out + len, size - len, "%d:%x:%llx ",
				it[i].tfd, it[i].events, it[i].data);
}

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* The data of the ready events, as a bit set of their small tags. */
static unsigned int ready(int ep, uint32_t *events_of_3)
{
	struct epoll_event ev[8];
	unsigned int set = 0;
	int n = epoll_wait(ep, ev, 8, 0);

	for (int i = 0; i < n; i++) {
		uint64_t d = ev[i].data.u64;

		set |= 1U << (d == 0xdeadbeefcafeULL ? 7 : d & 7);
		if ((d & 7) == 3)
			*events_of_3 = ev[i].events;
	}
	return set;
}

static void epoll_mode(const char *dir)
{
	char before[1024], after[1024];
	int ep, p[2], q[2], e, e2, reg, fd;
	uint32_t ev3 = 0;
	unsigned int set;
	uint64_t one = 1;

	ep = epoll_create1(EPOLL_CLOEXEC);	/* below the fds it watches */
	if (ep < 0 || pipe(p) || pipe(q))
		die("epoll/pipe");
	e = eventfd(1, EFD_NONBLOCK);
	e2 = eventfd(0, 0);
	reg = open("reg", O_RDWR | O_CREAT, 0600);	/* not pollable */
	if (e < 0 || e2 < 0 || reg < 0)
		die("eventfd/open");
	if (write(p[1], "x", 1) != 1)
		die("write pipe");
	e2 = move_fd(e2, 30);
	if (add(ep, p[0], EPOLLIN, 0x1001) || add(ep, e, EPOLLIN, 0x2002) ||
	    add(ep, p[1], EPOLLOUT, 0x3003) ||
	    add(ep, q[0], EPOLLIN | EPOLLET, 0xdeadbeefcafeULL) ||
	    add(ep, e2, EPOLLIN | EPOLLONESHOT, 0x4004))
		die("epoll_ctl");
	CHECK(add(ep, reg, EPOLLIN, 5) && errno == EPERM,
	      "a regular file went into the epoll");
	interest(ep, before, sizeof(before));
	if (announce_ready(dir))
		die("ready file");
	wait_for_go(dir);

	interest(ep, after, sizeof(after));
	CHECK(!strcmp(before, after), "interest list \"%s\", expected \"%s\"",
	      after, before);
	CHECK(fd_cloexec(ep), "the epoll fd lost FD_CLOEXEC");
	set = ready(ep, &ev3);
	CHECK(set == ((1U << 1) | (1U << 2) | (1U << 3)),
	      "ready events 0x%x, expected pipe, eventfd, pipe write end (0xe)",
	      set);
	CHECK(ev3 == EPOLLOUT, "write end reported events 0x%x", ev3);
	/* the edge-triggered empty pipe and the oneshot eventfd wake up */
	if (write(q[1], "y", 1) != 1 || write(e2, &one, sizeof(one)) != 8)
		die("write");
	set = ready(ep, &ev3);
	CHECK(set == ((1U << 1) | (1U << 2) | (1U << 3) | (1U << 4) | (1U << 7)),
	      "after writes ready events 0x%x, expected 0x9e", set);
	set = ready(ep, &ev3);
	CHECK(!(set & (1U << 4)) && !(set & (1U << 7)),
	      "ONESHOT or ET event reported twice (0x%x)", set);
	/* still wired to the real files: drain the pipe, it goes quiet */
	fd = p[0];
	{
		char c;

		CHECK(read(fd, &c, 1) == 1 && c == 'x', "pipe data lost");
	}
	set = ready(ep, &ev3);
	CHECK(!(set & (1U << 1)), "drained pipe still ready (0x%x)", set);
}

/* ---- inotify ---------------------------------------------------------- */

/* The "inotify wd:..." lines of @fd's fdinfo, as one string. */
static void watches(int fd, char *buf, size_t size)
{
	char line[512];
	size_t off = 0;
	FILE *f;

	f = fdinfo_open(fd);
	buf[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "inotify ", 8) && off < size)
			off += snprintf(buf + off, size - off, "%s", line);
	fclose(f);
}

struct inev {
	int wd;
	uint32_t mask;
	uint32_t cookie;
	char name[64];
};

/* The events @in has within 2 s (one read), at most @max; -1 on none. */
static int events(int in, struct inev *ev, int max)
{
	char buf[4096] __attribute__((aligned(8)));
	struct pollfd p = { .fd = in, .events = POLLIN };
	ssize_t len, off = 0;
	int n = 0;

	if (poll(&p, 1, 2000) != 1)
		return -1;
	len = read(in, buf, sizeof(buf));
	while (len > 0 && off < len && n < max) {
		const struct inotify_event *e = (const void *)(buf + off);

		ev[n].wd = e->wd;
		ev[n].mask = e->mask;
		ev[n].cookie = e->cookie;
		snprintf(ev[n].name, sizeof(ev[n].name), "%s",
			 e->len ? e->name : "");
		n++;
		off += sizeof(*e) + e->len;
	}
	return len > 0 ? n : -1;
}

/* Is there an event (@wd, @mask, @name) among @ev? */
static int has_event(const struct inev *ev, int n, int wd, uint32_t mask,
		     const char *name)
{
	for (int i = 0; i < n; i++)
		if (ev[i].wd == wd && (ev[i].mask & mask) == mask &&
		    !strcmp(ev[i].name, name))
			return 1;
	return 0;
}

static int make_file(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY, 0600);

	if (fd < 0)
		return -1;
	return close(fd);
}

static void inotify_mode(const char *dir)
{
	char before[2048], after[2048], before2[1024], after2[1024];
	int in, in2, dup2nd, wd_dir, wd_gone, wd_file, wd_mnt, wd_last;
	int wd_root, wd_d2, n;
	struct inev ev[32];

	if (mkdir("w", 0700) || mkdir("w/d", 0700) ||
	    mkdir("mnt point/sub", 0700) || make_file("w/file"))
		die("mkdir w, w/d, mnt point/sub or w/file");
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	in2 = inotify_init1(0);
	if (in < 0 || in2 < 0)
		die("inotify_init1");
	in2 = move_fd(in2, 40);
	dup2nd = dup(in2);
	wd_dir = inotify_add_watch(in, "w/d", IN_CREATE | IN_DELETE |
				   IN_MOVED_FROM | IN_MOVED_TO);
	wd_gone = inotify_add_watch(in, "w", IN_ATTRIB);
	wd_file = inotify_add_watch(in, "w/file", IN_MODIFY | IN_ONESHOT);
	wd_mnt = inotify_add_watch(in, "mnt point/sub",
				   IN_ALL_EVENTS | IN_EXCL_UNLINK);
	wd_last = inotify_add_watch(in, "/tests", IN_CREATE);
	wd_root = inotify_add_watch(in2, "/tests/progs", IN_CREATE);
	wd_d2 = inotify_add_watch(in2, "w/d", IN_DELETE);
	if (wd_dir < 0 || wd_gone < 0 || wd_file < 0 || wd_mnt < 0 ||
	    wd_last < 0 || wd_root < 0 || wd_d2 < 0 || dup2nd < 0)
		die("inotify_add_watch");
	CHECK(wd_dir == 1 && wd_gone == 2 && wd_file == 3 && wd_mnt == 4 &&
	      wd_last == 5, "watch descriptors %d %d %d %d %d, expected 1 to 5",
	      wd_dir, wd_gone, wd_file, wd_mnt, wd_last);
	/*
	 * Two removed watches, their IN_IGNORED read: a hole (2) and the
	 * last one (5), so the restore's last watch is 4 and only the
	 * instance's own cursor says the next is 6.
	 */
	if (inotify_rm_watch(in, wd_gone) || inotify_rm_watch(in, wd_last))
		die("inotify_rm_watch");
	n = events(in, ev, 32);
	CHECK(n == 2 && has_event(ev, n, wd_gone, IN_IGNORED, "") &&
	      has_event(ev, n, wd_last, IN_IGNORED, ""),
	      "after inotify_rm_watch: %d events, the first wd %d mask 0x%x",
	      n, n > 0 ? ev[0].wd : 0, n > 0 ? ev[0].mask : 0);
	/* Events left unread over the checkpoint: 4 in @in, 1 in @in2. */
	if (make_file("w/d/p1") || rename("w/d/p1", "w/d/p2") ||
	    unlink("w/d/p2"))
		die("create, rename, unlink in w/d");
	watches(in, before, sizeof(before));
	watches(in2, before2, sizeof(before2));
	CHECK(strstr(before, "wd:4 ") && !strstr(before, "wd:2 ") &&
	      !strstr(before, "wd:5 "), "fdinfo before: \"%s\"", before);
	if (announce_ready(dir))
		die("ready file");
	wait_for_go(dir);

	watches(in, after, sizeof(after));
	watches(in2, after2, sizeof(after2));
	CHECK(!strcmp(before, after), "watches \"%s\", expected \"%s\"",
	      after, before);
	CHECK(!strcmp(before2, after2), "second instance's watches \"%s\", expected \"%s\"",
	      after2, before2);
	watches(dup2nd, after2, sizeof(after2));
	CHECK(!strcmp(before2, after2), "the dup's watches \"%s\", expected \"%s\"",
	      after2, before2);
	CHECK(fd_cloexec(in) && fd_nonblock(in),
	      "first instance: cloexec %d, nonblock %d", fd_cloexec(in),
	      fd_nonblock(in));
	CHECK(!fd_cloexec(in2) && !fd_nonblock(in2),
	      "second instance: cloexec %d, nonblock %d", fd_cloexec(in2),
	      fd_nonblock(in2));
	{
		int q = -1;

		CHECK(!ioctl(in, FIONREAD, &q) && q == 4 * 32,
		      "FIONREAD says %d bytes of events after restart, expected 128",
		      q);
	}
	n = events(in, ev, 32);
	CHECK(n == 4 && ev[0].wd == wd_dir && ev[0].mask == IN_CREATE &&
	      !strcmp(ev[0].name, "p1") && ev[1].mask == IN_MOVED_FROM &&
	      !strcmp(ev[1].name, "p1") && ev[2].mask == IN_MOVED_TO &&
	      !strcmp(ev[2].name, "p2") && ev[3].mask == IN_DELETE &&
	      !strcmp(ev[3].name, "p2") && ev[1].cookie &&
	      ev[1].cookie == ev[2].cookie && !ev[0].cookie,
	      "the events not read at the checkpoint: %d, the first wd %d mask 0x%x \"%s\"",
	      n, n > 0 ? ev[0].wd : 0, n > 0 ? ev[0].mask : 0,
	      n > 0 ? ev[0].name : "");
	n = events(in2, ev, 32);
	CHECK(n == 1 && ev[0].wd == wd_d2 && ev[0].mask == IN_DELETE &&
	      !strcmp(ev[0].name, "p2"),
	      "the second instance's event not read: %d, the first wd %d mask 0x%x",
	      n, n > 0 ? ev[0].wd : 0, n > 0 ? ev[0].mask : 0);
	{
		char b[64];

		errno = 0;
		CHECK(read(in, b, sizeof(b)) < 0 && errno == EAGAIN,
		      "more events were waiting after restart (%s)",
		      strerror(errno));
	}
	/* Events come under the old descriptors. */
	if (make_file("w/d/new") || make_file("mnt point/sub/x"))
		die("create");
	n = events(in, ev, 32);
	CHECK(n > 0 && has_event(ev, n, wd_dir, IN_CREATE, "new") &&
	      has_event(ev, n, wd_mnt, IN_CREATE, "x"),
	      "creating w/d/new and mnt point/sub/x: %d events, the first wd %d mask 0x%x \"%s\"",
	      n, n > 0 ? ev[0].wd : 0, n > 0 ? ev[0].mask : 0,
	      n > 0 ? ev[0].name : "");
	{
		int fd = open("w/file", O_WRONLY);

		if (fd < 0 || write(fd, "a", 1) != 1 || write(fd, "b", 1) != 1)
			die("write w/file");
		close(fd);
	}
	n = events(in, ev, 32);
	CHECK(n == 2 && ev[0].wd == wd_file && ev[0].mask == IN_MODIFY &&
	      ev[1].wd == wd_file && ev[1].mask == IN_IGNORED,
	      "two writes to the IN_ONESHOT w/file: %d events, the first wd %d mask 0x%x",
	      n, n > 0 ? ev[0].wd : 0, n > 0 ? ev[0].mask : 0);
	if (unlink("w/d/new"))
		die("unlink");
	n = events(in2, ev, 32);
	CHECK(n == 1 && ev[0].wd == wd_d2 && ev[0].mask == IN_DELETE &&
	      !strcmp(ev[0].name, "new"),
	      "second instance, unlink w/d/new: %d events, the first wd %d mask 0x%x",
	      n, n > 0 ? ev[0].wd : 0, n > 0 ? ev[0].mask : 0);
	/* The next watch gets the number the original would have given. */
	n = inotify_add_watch(in, "w", IN_ATTRIB);
	CHECK(n == 6, "a new watch got descriptor %d, expected 6", n);
}

/* ---- memfd ------------------------------------------------------------ */

#define PG	4096

static void fill(char *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (char)('a' + (i * 7 + seed) % 26);
}

static void link_is(int fd, const char *want)
{
	char path[64], buf[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	CHECK(!strcmp(buf, want), "fd %d is \"%s\", expected \"%s\"", fd, buf,
	      want);
}

static void memfd_mode(const char *dir)
{
	const off_t size = 3 * PG + 100;
	static char want[3 * PG + 100], got[3 * PG + 100];
	int m1, m2, m3, d2, seals;
	struct stat st;
	char *map, buf[8];

	m1 = memfd_create("ckpt-test", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	m2 = memfd_create("other", 0);
	m3 = memfd_create("frozen", MFD_ALLOW_SEALING);
	if (m1 < 0 || m2 < 0 || m3 < 0)
		die("memfd_create");
	memset(want, 0, sizeof(want));
	fill(want, PG, 1);			/* page 1 stays a hole */
	fill(want + 2 * PG, PG + 100, 2);
	if (ftruncate(m1, size) || pwrite(m1, want, PG, 0) != PG ||
	    pwrite(m1, want + 2 * PG, PG + 100, 2 * PG) != PG + 100)
		die("fill m1");
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m1, 0);
	if (map == MAP_FAILED)
		die("mmap m1");
	memcpy(map + 2 * PG + 50, "viamap", 6);	/* written through the map */
	memcpy(want + 2 * PG + 50, "viamap", 6);
	if (lseek(m1, 777, SEEK_SET) != 777 ||
	    fcntl(m1, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		die("m1 offset/seals");
	if (write(m2, "abc", 3) != 3 || lseek(m2, 1, SEEK_SET) != 1)
		die("m2");
	d2 = dup2(m2, 25);
	if (write(m3, "frozen", 6) != 6 ||
	    fcntl(m3, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL))
		die("m3");
	if (announce_ready(dir))
		die("ready file");
	wait_for_go(dir);

	link_is(m1, "/memfd:ckpt-test (deleted)");
	link_is(m2, "/memfd:other (deleted)");
	link_is(d2, "/memfd:other (deleted)");
	CHECK(!fstat(m1, &st) && st.st_size == size, "m1 size %lld",
	      (long long)st.st_size);
	CHECK(lseek(m1, 0, SEEK_CUR) == 777, "m1 offset %lld",
	      (long long)lseek(m1, 0, SEEK_CUR));
	CHECK(fd_cloexec(m1) && !fd_cloexec(m2) && !fd_cloexec(d2),
	      "FD_CLOEXEC of the memfds");
	seals = fcntl(m1, F_GET_SEALS);
	CHECK(seals == (F_SEAL_SHRINK | F_SEAL_GROW), "m1 seals 0x%x", seals);
	seals = fcntl(m2, F_GET_SEALS);
	CHECK(seals == F_SEAL_SEAL, "m2 (no sealing) seals 0x%x", seals);
	seals = fcntl(m3, F_GET_SEALS);
	CHECK(seals == (F_SEAL_WRITE | F_SEAL_SEAL), "m3 seals 0x%x", seals);
	CHECK(pread(m1, got, size, 0) == size && !memcmp(got, want, size),
	      "m1 contents differ");
	CHECK(!memcmp(map, want, size), "m1's mapping differs");
	/* one object: the mapping and the fd see each other's writes */
	memcpy(map + 100, "NEW", 3);
	CHECK(pread(m1, buf, 3, 100) == 3 && !memcmp(buf, "NEW", 3),
	      "fd does not see a write through the mapping");
	CHECK(pwrite(m1, "FD", 2, PG + 10) == 2 && !memcmp(map + PG + 10, "FD", 2),
	      "mapping does not see a write through the fd");
	/* seals still enforced */
	CHECK(ftruncate(m1, size + PG) && errno == EPERM, "m1 grew despite F_SEAL_GROW");
	CHECK(write(m3, "x", 1) < 0 && errno == EPERM, "m3 written despite F_SEAL_WRITE");
	CHECK(fcntl(m2, F_ADD_SEALS, F_SEAL_GROW) && errno == EPERM,
	      "m2 accepted a seal");
	CHECK(pread(m3, buf, 6, 0) == 6 && !memcmp(buf, "frozen", 6),
	      "m3 contents differ");
	/* the dup shares the offset */
	CHECK(read(d2, buf, 2) == 2 && !memcmp(buf, "bc", 2) &&
	      lseek(m2, 0, SEEK_CUR) == 3, "m2 and its dup do not share the offset");
}

/* ---- shared anonymous memory ----------------------------------------- */

/* Inode of the mapping that holds @p, from /proc/self/maps. */
static unsigned long map_ino(const void *p)
{
	unsigned long lo, hi, ino = 0, x = (unsigned long)p;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		die("maps");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %*s %*s %lu", &lo, &hi, &ino) == 3 &&
		    x >= lo && x < hi)
			break;
	fclose(f);
	return ino;
}

static void shmanon_mode(const char *dir)
{
	static char want[4 * PG];
	char *a, *b, *c;
	unsigned long ia, ib, ic;

	a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	c = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || c == MAP_FAILED)
		die("mmap");
	memset(want, 0, sizeof(want));
	fill(want, 100, 3);
	fill(want + PG, PG, 4);			/* page 2 never touched */
	fill(want + 3 * PG, PG, 5);
	memcpy(a, want, 100);
	memcpy(a + PG, want + PG, PG);
	memcpy(a + 3 * PG, want + 3 * PG, PG);
	/* a second mapping of the same object */
	b = mremap(a, 0, 4 * PG, MREMAP_MAYMOVE);
	if (b == MAP_FAILED)
		die("mremap");
	strcpy(c, "second object");
	ia = map_ino(a);
	ic = map_ino(c);
	if (announce_ready(dir))
		die("ready file");
	wait_for_go(dir);

	CHECK(!memcmp(a, want, sizeof(want)), "first mapping's contents differ");
	CHECK(!memcmp(b, want, sizeof(want)), "second mapping's contents differ");
	CHECK(!strcmp(c, "second object"), "other object holds \"%.20s\"", c);
	a[2 * PG + 5] = 'Z';
	b[3 * PG + 9] = 'Y';
	CHECK(b[2 * PG + 5] == 'Z' && a[3 * PG + 9] == 'Y',
	      "the two mappings no longer share their pages");
	CHECK(c[0] == 's', "a write to one object reached another");
	ib = map_ino(b);
	CHECK(map_ino(a) == ib && map_ino(c) != ib && ia != ic,
	      "inodes: a %lu b %lu c %lu", map_ino(a), ib, map_ino(c));
}

static void refuse_mode(const char *what, const char *dir)
{
	if (!strcmp(what, "cancel")) {
		struct itimerspec its = { { 0, 0 }, { 0, 0 } };
		int t = timerfd_create(CLOCK_REALTIME, 0);

		its.it_value.tv_sec = time(NULL) + 3600;
		if (t < 0 || timerfd_settime(t, TFD_TIMER_ABSTIME |
					     TFD_TIMER_CANCEL_ON_SET, &its, NULL))
			die("timerfd");
	} else if (!strcmp(what, "nested")) {
		int outer = epoll_create1(0), inner = epoll_create1(0);

		if (outer < 0 || inner < 0 || add(outer, inner, EPOLLIN, 1))
			die("epoll");
	} else if (!strcmp(what, "unread")) {
		/* 1500 events of 48 bytes: more than a record's 64 KiB */
		int in = inotify_init1(0);
		char name[64];

		if (mkdir("u", 0700) || in < 0 ||
		    inotify_add_watch(in, "u", IN_CREATE) != 1)
			die("inotify");
		for (int i = 0; i < 1500; i++) {
			snprintf(name, sizeof(name), "u/pending-file-%05d", i);
			if (make_file(name))
				die("create");
		}
	} else if (!strcmp(what, "hidden")) {
		int in = inotify_init1(0);

		if (mkdir("hidden/d", 0700) || in < 0 ||
		    inotify_add_watch(in, "hidden/d", IN_CREATE) != 1)
			die("inotify");
	} else if (!strcmp(what, "private-memfd")) {
		int m = memfd_create("priv", 0);

		if (m < 0 || ftruncate(m, PG) ||
		    mmap(NULL, PG, PROT_READ, MAP_PRIVATE, m, 0) == MAP_FAILED)
			die("memfd");
	} else {
		die("unknown refuse mode");
	}
	if (announce_ready(dir))
		die("ready file");
	wait_for_go(dir);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: fdkinds eventfd|timerfd|signalfd|epoll|memfd|shmanon|inotify DIR\n");
		return 2;
	}
	close_extra_fds();
	if (chdir(argv[2]))
		die("chdir");
	if (!strcmp(argv[1], "eventfd"))
		eventfd_mode(argv[2]);
	else if (!strcmp(argv[1], "timerfd"))
		timerfd_mode(argv[2]);
	else if (!strcmp(argv[1], "signalfd"))
		signalfd_mode(argv[2]);
	else if (!strcmp(argv[1], "epoll"))
		epoll_mode(argv[2]);
	else if (!strcmp(argv[1], "memfd"))
		memfd_mode(argv[2]);
	else if (!strcmp(argv[1], "shmanon"))
		shmanon_mode(argv[2]);
	else if (!strcmp(argv[1], "inotify"))
		inotify_mode(argv[2]);
	else if (!strncmp(argv[1], "refuse-", 7))
		refuse_mode(argv[1] + 7, argv[2]);
	else
		die("unknown mode");
	if (failed)
		return 1;
	printf("fdkinds %s: all checks passed\n", argv[1]);
	return 0;
}
