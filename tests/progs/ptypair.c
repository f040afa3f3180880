// SPDX-License-Identifier: GPL-2.0
/*
 * ptypair MODE DIR: a pseudo-terminal pair whose master the checkpointed
 * processes hold (opened from /dev/ptmx), for case 90.  Every value
 * checked after the restore is the one read before the checkpoint.
 *
 * ptypair tree DIR (for 'ckpt --tree'): the process P opens the master
 * (posix_openpt, grantpt, unlockpt) and keeps a slave descriptor of its
 * own (O_NOCTTY: a slave open in the master's holder, the tree's one open
 * file of the slave, inherited by C and G); through it makes the slave
 * raw but for ISIG, VINTR 0x07, VMIN 1, VTIME 0, 9600 baud; sets the
 * window size to 33x77 (5x11 pixels) through the master; makes the
 * slave's node uid 1234 gid 1235 mode 0600 (not what devpts gives a new
 * pair).  Packet mode off and unlocked (both checked; P locks it later).  Its child C
 * closes the master, leads a new session (setsid) and makes the slave its
 * controlling terminal through P's open file, inherited (TIOCSCTTY, not
 * opened again: in the image C's descriptor shares an earlier process's
 * open file); writes "queued-by-C\n", which P does not read.  Then job
 * control, as a shell running a foreground job: C catches SIGINT (no
 * SA_RESTART; a SIGINT reaching C is a failure) and forks G, which leads
 * a process group of its own (setpgid, in both); C makes it the
 * terminal's foreground group (tcsetpgrp, SIGTTOU blocked), writes
 * DIR/child and waits for G (waitpid), not reading the slave.  G, once it
 * is in the foreground and has the slave as its controlling terminal
 * (/dev/tty, tty_nr), opens /dev/tty and keeps it (O_RDWR), with a dup at
 * fd 20 (F_DUPFD_CLOEXEC) that an epoll watches, writes DIR/grandchild
 * and blocks in read() on that /dev/tty.  P waits until G's group is the
 * foreground one (TIOCGPGRP on the master: the slave's), G sleeps in
 * read() (/proc/G/stat, /proc/G/syscall) and the master has the 12 bytes
 * queued (TIOCINQ), locks the pair (TIOCSPTLCK: the restore opens G's
 * /dev/tty through the lock), writes DIR/info ("pts= child= grandchild= fg= uid= gid= mode= rows=
 * cols= unread= sfd=") and DIR/ready, waits for DIR/go; then checks
 * ptsname(), TIOCGPTLCK (locked), TIOCGPKT, the node's uid, gid, mode and
 * device number, its slave's termios and the window size, unlocks the
 * pair, checks that the master reads
 * exactly "queued-by-C\n" and nothing more, that G's group is still the
 * foreground one; writes VINTR (0x07) to the master: the slave's line
 * discipline sends SIGINT to the foreground group.  G, its read()
 * interrupted (EINTR), checks that it has its PID, leads its group, is in
 * C's session, that /dev/tty opens the slave (TIOCGDEV), that tty_nr
 * names it and that its group is the foreground one, that its two /dev/tty
 * descriptors are /dev/tty on the slave, one open file (flags, FD_CLOEXEC
 * on fd 20 only) still watched by the epoll, writes "dev-tty:G\n" through
 * it; exits 0 (2: failed before the SIGINT, 3: after it).  C checks that G exited 0 and that no
 * SIGINT reached C, takes the foreground back (tcsetpgrp); P, once the
 * master says C's group is the foreground one again, reads exactly G's
 * "dev-tty:G\n" and writes "ping\n" to the master.  C, woken by it, answers "pong:PID:1\n" (1: getpid() is the
 * PID it had), then checks that it leads its session, that the slave is
 * its controlling terminal (tcgetsid) with its process group in the
 * foreground (tcgetpgrp as before), that its descriptor and the node are
 * the same device (st_rdev), that /dev/tty opens the slave (TIOCGDEV) and
 * /proc/self/stat's tty_nr names it, its termios (VINTR 7, 9600 baud...)
 * and window size (33x77); it exits 0 if all is well.  P checks the
 * answer and C's exit status.
 *
 * ptypair self DIR: one process holding the master and a slave
 * descriptor (O_NOCTTY), raw, window 40x120.  It writes "pending\n" to
 * the master, which the slave does not read (8 bytes queued on the
 * slave: TIOCINQ), writes DIR/info and DIR/ready: a checkpoint now is
 * refused (EBUSY).  On DIR/step it reads exactly "pending\n" from the
 * slave (nothing lost), writes "unread-out\n" to the slave, waits until
 * the master has those 11 bytes queued, writes DIR/info2 (as DIR/info,
 * with unread=11) and DIR/ready2, waits for DIR/go; then checks as P
 * does (ptsname, lock, packet mode, node, termios, window size), that the
 * master reads exactly "unread-out\n", and that a byte passes each way.
 *
 * ptypair states DIR: one process, three pairs.  A: unlocked, a raw
 * slave descriptor, packet mode on (TIOCPKT), the slave's output stopped
 * (tcflow TCOOFF), the master's status byte drained (nothing unread).
 * B: locked (no unlockpt), its slave never opened.  C: unlocked, its
 * slave opened and closed, the master O_NONBLOCK reads EIO.  DIR/info
 * ("a= b= c= ia= ib= ic=": names, TIOCGPTN), DIR/ready, DIR/go; then
 * the same indices and names; A as recorded (check_pty: TIOCGPKT 1...),
 * nothing unread, a non-blocking write to the slave EAGAIN (still
 * stopped), then TCOON: "z" written to the slave reads from the master
 * as a data packet ("\0z"; status packets skipped); B still locked
 * (TIOCGPTLCK 1), its slave's open EIO; C's master read EIO (not EAGAIN).
 *
 * ptypair outside DIR: the process holds the master and a slave
 * descriptor (O_NOCTTY, raw); its child closes both and opens the slave
 * itself (O_NOCTTY), writes DIR/child and blocks reading a line from it.
 * DIR/info ("pts= child="), DIR/ready: a checkpoint of the process alone
 * is refused (EUSERS: the child, outside it, holds the slave).  On DIR/go
 * it checks ptsname(), writes "hello\n" to the master, the child answers
 * "child:hello\n" and exits 0; then "via-slave\n" written to its own
 * slave descriptor is read from the master.
 *
 * ptypair devtty DIR: /dev/tty on a terminal outside the checkpoint: the
 * process holds a master; its child C leads a session on the slave and
 * holds it only through /dev/tty (a checkpoint of C is refused); C's
 * child X holds two /dev/tty files and is checkpointed alone, then
 * restored by a restart leading a session on the slave (devtty_mode()).
 *
 * ptypair copy DIR: one process holding the master and a slave
 * descriptor (O_NOCTTY), raw, 19200 baud, VERASE 0x08, window 21x55; it
 * writes "copy-out\n" to the slave, unread by the master (TIOCINQ),
 * writes DIR/info (with "index= mfd= sfd=") and DIR/ready, waits for
 * DIR/go.  Checkpointed without --kill, it runs on with its pair while a
 * copy is restored into a new PID namespace: after DIR/go each tells
 * which it is by its PID namespace (/proc/self/ns/pid).  The original
 * checks as P does and that its index is the same; the copy that its
 * master's index (TIOCGPTN) is not the original's, that its slave
 * descriptor is that new pair's slave (st_rdev), and the rest against
 * the new name (ptsname, lock, packet mode, node, termios, window size).
 * Each then reads exactly "copy-out\n" from its master and passes a byte
 * each way (bytes of its own: the original 'O' and 'o', the copy 'C' and
 * 'c'), and writes DIR/result.orig or DIR/result.copy ("role= pts=/dev/
 * pts/N all checks passed", or what failed): the two share DIR and their
 * standard output.
 *
 * Each other mode prints "all checks passed" and exits 0, or says what
 * failed on stderr and exits 1; copy exits likewise.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include "common.h"

#define TIMEOUT_MS	20000	/* for each byte expected (TCG is slow) */
#define QUIET_MS	300	/* "nothing more" means nothing in this long */

#define QUEUED		"queued-by-C\n"
#define PENDING		"pending\n"
#define UNREAD		"unread-out\n"

#define NODE_UID	1234
#define NODE_GID	1235
#define NODE_MODE	0600

static const char *mode = "?";
static const char *dir;
static pid_t child = -1;	/* killed when the parent fails */
static int fail_status = 1;	/* the exit status of a failure */
static volatile sig_atomic_t sigint_hit;	/* tree: C's and G's */

static const char *role;	/* copy: "orig" or "copy" once known */

static int write_result(const char *text);
static int pty_index(int m);

static void vfail(int err, const char *fmt, va_list ap)
{
	char msg[1024];
	int n;

	n = snprintf(msg, sizeof(msg), "ptypair %s [%d]: ", mode, getpid());
	if (n < 0 || n >= (int)sizeof(msg))
		n = 0;
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	if (err) {
		n = (int)strlen(msg);
		snprintf(msg + n, sizeof(msg) - (size_t)n, " (%s)",
			 strerror(err));
	}
	fprintf(stderr, "%s\n", msg);
	if (role)			/* copy: DIR/result.ROLE says it too */
		write_result(msg);
	if (child > 0)
		kill(child, SIGKILL);
	exit(fail_status);
}

/* A system call failed: say so with errno, exit 1. */
static void __attribute__((format(printf, 1, 2), noreturn))
die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vfail(err, fmt, ap);
	va_end(ap);
	exit(1);
}

/* A check failed: say what, exit 1. */
static void __attribute__((format(printf, 1, 2), noreturn))
bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(0, fmt, ap);
	va_end(ap);
	exit(1);
}

static void in_dir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* Write DIR/NAME at once (a temporary file renamed). */
static void __attribute__((format(printf, 2, 3)))
put_file(const char *name, const char *fmt, ...)
{
	char path[4096], tmp[4200];
	va_list ap;
	FILE *f;
	int r;

	in_dir(path, sizeof(path), name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		die("create %s", tmp);
	va_start(ap, fmt);
	r = vfprintf(f, fmt, ap);
	va_end(ap);
	if (r < 0 || fclose(f) || rename(tmp, path))
		die("write %s", path);
}

/* Wait until DIR/NAME exists: for @secs seconds, for ever if 0. */
static void wait_file(const char *name, int secs)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	char path[4096];
	long n = secs * 20L;

	in_dir(path, sizeof(path), name);
	while (access(path, F_OK)) {
		int status;

		if (secs && --n < 0)
			bad("%s did not appear in %d s", path, secs);
		if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
			child = -1;
			bad("the child ended (status 0x%x) before %s appeared",
			    status, path);
		}
		nanosleep(&tick, NULL);
	}
}

/* @s (@len bytes) with \n, \r, \0... escaped, in @out. */
static const char *shown(const char *s, ssize_t len, char *out, size_t size)
{
	size_t o = 0;

	for (ssize_t i = 0; i < len && o + 5 < size; i++) {
		unsigned char c = s[i];

		if (c == '\n')
			o += snprintf(out + o, size - o, "\\n");
		else if (c < 0x20 || c >= 0x7f || c == '\\')
			o += snprintf(out + o, size - o, "\\x%02x", c);
		else
			out[o++] = c;
	}
	out[o] = 0;
	return out;
}

/* Wait up to @ms for @fd to be readable: 1 if it is, else 0. */
static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		die("poll");
	return r > 0;
}

/*
 * Read up to @len bytes from @fd, stopping after a newline if @line;
 * each read waits at most @ms (for ever in read() itself if @ms < 0).
 * The number of bytes read (fewer on a timeout, EOF or EIO).
 */
static ssize_t read_some(int fd, char *buf, size_t len, int ms, int line)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;

		if (ms >= 0 && !readable(fd, ms))
			break;
		n = read(fd, buf + got, line ? 1 : len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (line && buf[got - 1] == '\n')
			break;
	}
	return (ssize_t)got;
}

/* @fd reads exactly @want, then nothing more (for QUIET_MS). */
static void expect_exact(int fd, const char *want, const char *what)
{
	char buf[512], s1[1024], s2[1024];
	size_t len = strlen(want);
	ssize_t n;

	n = read_some(fd, buf, len, TIMEOUT_MS, 0);
	if (n != (ssize_t)len || memcmp(buf, want, len))
		bad("%s read '%s' (%zd bytes), expected '%s'", what,
		    shown(buf, n, s1, sizeof(s1)), n,
		    shown(want, len, s2, sizeof(s2)));
	if (readable(fd, QUIET_MS)) {
		n = read(fd, buf, sizeof(buf));
		bad("%s read '%s' after '%s'", what,
		    n < 0 ? "(an error)" : shown(buf, n, s1, sizeof(s1)),
		    shown(want, len, s2, sizeof(s2)));
	}
}

/* Wait (10 s) until @fd has exactly @want bytes to read (TIOCINQ). */
static void wait_inq(int fd, int want, const char *what)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	int n = -1;

	for (int i = 0; i < 200; i++) {
		if (ioctl(fd, TIOCINQ, &n))
			die("TIOCINQ on %s", what);
		if (n >= want)
			break;
		nanosleep(&tick, NULL);
	}
	if (n != want)
		bad("%s has %d bytes to read, expected %d", what, n, want);
}

/* What is checked after the restore, read before the checkpoint. */
struct pty_state {
	char name[64];		/* ptsname() */
	int lock;		/* TIOCGPTLCK */
	int pkt;		/* TIOCGPKT */
	struct stat node;	/* stat() of the slave's node */
	struct termios t;	/* the slave's termios */
	struct winsize ws;	/* its window size */
};

static void pty_state(int m, int s, struct pty_state *p)
{
	const char *name = ptsname(m);
	struct stat st;

	if (!name || strlen(name) >= sizeof(p->name))
		die("ptsname");
	strcpy(p->name, name);
	if (ioctl(m, TIOCGPTLCK, &p->lock) || ioctl(m, TIOCGPKT, &p->pkt))
		die("TIOCGPTLCK or TIOCGPKT");
	if (stat(p->name, &p->node) || fstat(s, &st))
		die("stat %s", p->name);
	if (!S_ISCHR(p->node.st_mode) || st.st_rdev != p->node.st_rdev)
		bad("%s is not the slave's node", p->name);
	if (tcgetattr(s, &p->t) || ioctl(m, TIOCGWINSZ, &p->ws))
		die("tcgetattr or TIOCGWINSZ");
}

/* Which field of @b differs from @a, NULL if none. */
static const char *termios_diff(const struct termios *a,
				const struct termios *b)
{
	if (a->c_iflag != b->c_iflag)
		return "c_iflag";
	if (a->c_oflag != b->c_oflag)
		return "c_oflag";
	if (a->c_cflag != b->c_cflag)
		return "c_cflag";
	if (a->c_lflag != b->c_lflag)
		return "c_lflag";
	if (a->c_line != b->c_line)
		return "c_line";
	if (memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc)))
		return "c_cc";
	if (cfgetispeed(a) != cfgetispeed(b) ||
	    cfgetospeed(a) != cfgetospeed(b))
		return "speed";
	return NULL;
}

static int same_winsize(const struct winsize *a, const struct winsize *b)
{
	return a->ws_row == b->ws_row && a->ws_col == b->ws_col &&
	       a->ws_xpixel == b->ws_xpixel && a->ws_ypixel == b->ws_ypixel;
}

/* After the restore: the pair is as @p says, through @m and @s. */
static void check_pty(int m, int s, const struct pty_state *p)
{
	struct pty_state now;
	const char *what;

	pty_state(m, s, &now);
	if (strcmp(now.name, p->name))
		bad("ptsname() is %s, was %s", now.name, p->name);
	if (now.lock != p->lock)
		bad("TIOCGPTLCK says %d, was %d", now.lock, p->lock);
	if (now.pkt != p->pkt)
		bad("TIOCGPKT says %d, was %d", now.pkt, p->pkt);
	if (now.node.st_uid != p->node.st_uid ||
	    now.node.st_gid != p->node.st_gid ||
	    (now.node.st_mode & 07777) != (p->node.st_mode & 07777))
		bad("%s: uid %u gid %u mode 0%o, was uid %u gid %u mode 0%o",
		    p->name, (unsigned)now.node.st_uid,
		    (unsigned)now.node.st_gid, now.node.st_mode & 07777,
		    (unsigned)p->node.st_uid, (unsigned)p->node.st_gid,
		    p->node.st_mode & 07777);
	if (now.node.st_rdev != p->node.st_rdev)
		bad("%s is another device than before", p->name);
	what = termios_diff(&p->t, &now.t);
	if (what)
		bad("the slave's termios changed (%s)", what);
	if (!same_winsize(&p->ws, &now.ws))
		bad("window size %ux%u (%ux%u pixels), was %ux%u (%ux%u)",
		    now.ws.ws_row, now.ws.ws_col, now.ws.ws_xpixel,
		    now.ws.ws_ypixel, p->ws.ws_row, p->ws.ws_col,
		    p->ws.ws_xpixel, p->ws.ws_ypixel);
}

/* A new pair, unlocked: its master; its slave's path in @name. */
static int open_pair(char *name, size_t size)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	const char *n;

	if (m < 0 || grantpt(m) || unlockpt(m))
		die("posix_openpt, grantpt or unlockpt");
	n = ptsname(m);
	if (!n || strlen(n) >= size)
		die("ptsname");
	strcpy(name, n);
	return m;
}

/* Raw (but for ISIG if @isig), VMIN 1, VTIME 0. */
static void make_raw(int s, int isig)
{
	struct termios t;

	if (tcgetattr(s, &t))
		die("tcgetattr");
	cfmakeraw(&t);
	if (isig)
		t.c_lflag |= ISIG;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(s, TCSANOW, &t))
		die("tcsetattr");
}

static void set_winsize(int m, unsigned short rows, unsigned short cols)
{
	struct winsize ws = { rows, cols, 5, 11 }, got;

	if (ioctl(m, TIOCSWINSZ, &ws) || ioctl(m, TIOCGWINSZ, &got))
		die("TIOCSWINSZ");
	if (!same_winsize(&ws, &got))
		bad("TIOCSWINSZ did not take");
}

/* "pts= uid= gid= mode= rows= cols=" of @p, for DIR/info. */
static const char *info_of(const struct pty_state *p)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "pts=%s uid=%u gid=%u mode=%04o rows=%u cols=%u",
		 p->name, (unsigned)p->node.st_uid, (unsigned)p->node.st_gid,
		 p->node.st_mode & 07777, p->ws.ws_row, p->ws.ws_col);
	return buf;
}

/* Wait for child @pid: it must exit 0. */
static void reap(pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		die("waitpid %s", what);
	child = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		bad("%s ended with status 0x%x", what, status);
}

/* ---- tree ------------------------------------------------------------ */

/* @dev as the kernel's new_encode_dev() (TIOCGDEV, /proc tty_nr). */
static unsigned long encode_dev(dev_t dev)
{
	return (minor(dev) & 0xff) | (major(dev) << 8) |
	       ((unsigned long)(minor(dev) & ~0xffU) << 12);
}

/* The terminal /dev/tty opens (TIOCGDEV), encoded; 0 if none. */
static unsigned long dev_tty(void)
{
	unsigned int dev = 0;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY);

	if (fd < 0 || ioctl(fd, TIOCGDEV, &dev))
		die("open /dev/tty or TIOCGDEV");
	close(fd);
	return dev;
}

static void on_sigint(int sig)
{
	(void)sig;
	sigint_hit = 1;
}

/* Make @pgrp the foreground group of @s, SIGTTOU blocked (as shells do). */
static void set_fg(int s, pid_t pgrp)
{
	sigset_t ttou, old;

	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	if (sigprocmask(SIG_BLOCK, &ttou, &old))
		die("sigprocmask");
	if (tcsetpgrp(s, pgrp))
		die("tcsetpgrp %d", (int)pgrp);
	if (sigprocmask(SIG_SETMASK, &old, NULL))
		die("sigprocmask");
}

/*
 * Wait (TIMEOUT_MS) until the foreground group of the terminal @fd
 * (TIOCGPGRP: on a master, its slave's) is @pgrp, @what's.
 */
static void wait_fg(int fd, pid_t pgrp, const char *what)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	pid_t fg = -1;

	for (int i = 0; i < TIMEOUT_MS / 50; i++) {
		int status;

		fg = tcgetpgrp(fd);
		if (fg < 0)
			die("tcgetpgrp");
		if (fg == pgrp)
			return;
		if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
			child = -1;
			bad("the child ended (status 0x%x) before %s's group was in the foreground",
			    status, what);
		}
		nanosleep(&tick, NULL);
	}
	bad("the foreground process group is %d, not %s's (%d)", (int)fg,
	    what, (int)pgrp);
}

/*
 * Does @pid sleep in read()?  State S in /proc/PID/stat, and the read
 * system call in /proc/PID/syscall if that file says.
 */
static int in_read(pid_t pid)
{
	char path[64], buf[1024], *p;
	int state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		state = p[2];
	fclose(f);
	if (state != 'S')
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;		/* no such file: the state says enough */
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p || !strncmp(buf, "running", 7))
		return 0;
	if (buf[0] < '0' || buf[0] > '9')
		return 1;		/* not a number: cannot tell more */
	return strtol(buf, NULL, 10) == SYS_read;
}

#define DEVTTY_FD2	20	/* G's dup of its /dev/tty file, cloexec */
#define DEVTTY_SAID	"dev-tty:G\n"	/* G writes it through /dev/tty */

/*
 * fd @fd is /dev/tty (by its link and device number) on the terminal @dev
 * (encoded, TIOCGDEV), with open flags @fl.
 */
static void check_devtty_fd(int fd, unsigned long dev, int fl,
			    const char *when)
{
	char link[64], path[64];
	unsigned int got = 0;
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die("readlink %s %s", path, when);
	link[n] = 0;
	if (strcmp(link, "/dev/tty"))
		bad("fd %d is '%s' %s, not /dev/tty", fd, link, when);
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode) ||
	    st.st_rdev != makedev(5, 0))
		bad("fd %d is not the device 5:0 %s", fd, when);
	if (ioctl(fd, TIOCGDEV, &got) || got != dev)
		bad("/dev/tty fd %d reaches device 0x%x %s, expected 0x%lx", fd,
		    got, when, dev);
	if (fcntl(fd, F_GETFL) != fl)
		bad("fd %d has open flags 0%o %s, was 0%o", fd,
		    fcntl(fd, F_GETFL), when, fl);
}

/*
 * G's /dev/tty descriptors: @t (no FD_CLOEXEC, open flags @fl) and
 * DEVTTY_FD2 (F_DUPFD_CLOEXEC, the same open file), which epoll @ep
 * watches; @dev the terminal's encoded device number.  The same before and
 * after restore.
 */
static void check_devtty(int t, int ep, unsigned long dev, int fl,
			 const char *when)
{
	struct epoll_event ev = { .events = EPOLLIN };

	check_devtty_fd(t, dev, fl, when);
	if (fcntl(t, F_GETFD) != 0 || fcntl(DEVTTY_FD2, F_GETFD) != FD_CLOEXEC)
		bad("descriptor flags %d and %d %s, expected 0 and FD_CLOEXEC",
		    fcntl(t, F_GETFD), fcntl(DEVTTY_FD2, F_GETFD), when);
	/* One open file: its flags change for both descriptors. */
	if (fcntl(t, F_SETFL, fl | O_NONBLOCK) ||
	    !(fcntl(DEVTTY_FD2, F_GETFL) & O_NONBLOCK) ||
	    fcntl(t, F_SETFL, fl))
		bad("fds %d and %d do not share one open file %s", t,
		    DEVTTY_FD2, when);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, DEVTTY_FD2, &ev) == 0 ||
	    errno != EEXIST)
		bad("the epoll does not watch fd %d %s", DEVTTY_FD2, when);
}

/* G: see the top of the file.  Its exit status. */
static int tree_grandchild(int s, pid_t leader, dev_t rdev)
{
	struct epoll_event ev = { .events = EPOLLIN };
	pid_t me = getpid();
	int t, ep, fl;
	ssize_t n;
	char c;

	mode = "tree (grandchild)";
	child = -1;
	fail_status = 2;
	if (setpgid(0, 0))
		die("setpgid");
	wait_fg(s, me, "the grandchild");	/* C's tcsetpgrp */
	if (getsid(0) != leader || tcgetsid(s) != leader)
		bad("not in the child's session (%d, tcgetsid %d)",
		    (int)getsid(0), (int)tcgetsid(s));
	if (dev_tty() != encode_dev(rdev))
		bad("/dev/tty is not the slave before the checkpoint");
	if (tty_nr() != (long)encode_dev(rdev))
		bad("/proc/self/stat names another controlling terminal");
	/* The controlling terminal by its alias, kept open across restore. */
	t = open("/dev/tty", O_RDWR);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (t < 0 || ep < 0 ||
	    fcntl(t, F_DUPFD_CLOEXEC, DEVTTY_FD2) != DEVTTY_FD2 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, DEVTTY_FD2, &ev))
		die("open /dev/tty, dup it to fd %d, epoll it", DEVTTY_FD2);
	fl = fcntl(t, F_GETFL);
	if (fl < 0 || (fl & (O_ACCMODE | O_NONBLOCK)) != O_RDWR)
		bad("/dev/tty has open flags 0%o, expected O_RDWR", fl);
	check_devtty(t, ep, encode_dev(rdev), fl, "before the checkpoint");
	put_file("grandchild", "pid=%d\n", (int)me);

	/*
	 * Blocked in read() on /dev/tty until the SIGINT of P's VINTR, after
	 * DIR/go.
	 */
	while (!sigint_hit) {
		n = read(t, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read /dev/tty before any SIGINT");
		bad("/dev/tty read %zd bytes before any SIGINT", n);
	}
	fail_status = 3;
	if (getpid() != me)
		bad("pid %d, was %d", (int)getpid(), (int)me);
	if (getpgrp() != me)
		bad("process group %d, not its own", (int)getpgrp());
	if (getsid(0) != leader)
		bad("session %d, was the child's (%d)", (int)getsid(0),
		    (int)leader);
	if (tcgetsid(s) != leader)
		bad("the slave is not its session's controlling terminal (tcgetsid %d)",
		    (int)tcgetsid(s));
	if (tcgetpgrp(s) != me)
		bad("the foreground process group is %d, not its own",
		    (int)tcgetpgrp(s));
	if (dev_tty() != encode_dev(rdev))
		bad("/dev/tty is not the slave after the restore (TIOCGDEV)");
	if (tty_nr() != (long)encode_dev(rdev))
		bad("/proc/self/stat names another controlling terminal (%ld)",
		    tty_nr());
	check_devtty(t, ep, encode_dev(rdev), fl, "after the restore");
	if (write_all(t, DEVTTY_SAID, strlen(DEVTTY_SAID)))
		die("write through /dev/tty after the restore");
	return 0;
}

/* C: see the top of the file.  Its exit status. */
static int tree_child(int m, int s, const char *name)
{
	struct stat st0, st;
	struct termios t0, t;
	struct winsize ws0, ws;
	struct sigaction sa = { .sa_handler = on_sigint };	/* no SA_RESTART */
	pid_t me = getpid(), pgrp0, g, w;
	char buf[64], ans[64], s1[256];
	const char *what;
	ssize_t n;
	int status;

	mode = "tree (child)";
	close(m);
	if (setsid() != me)
		die("setsid");
	/* P's open file, inherited: made our ctty, not opened again */
	if (ioctl(s, TIOCSCTTY, 0))
		die("TIOCSCTTY on the inherited slave descriptor");
	if (tcgetsid(s) != me)
		bad("the slave did not become the controlling terminal");
	pgrp0 = tcgetpgrp(s);
	if (pgrp0 != me)
		bad("the foreground process group is %d, not ours", (int)pgrp0);
	if (fstat(s, &st0) || tcgetattr(s, &t0) || ioctl(s, TIOCGWINSZ, &ws0))
		die("fstat, tcgetattr or TIOCGWINSZ");
	if (dev_tty() != encode_dev(st0.st_rdev))
		bad("/dev/tty is not the slave before the checkpoint");
	if (tty_nr() != (long)encode_dev(st0.st_rdev))
		bad("/proc/self/stat names another controlling terminal");
	if (write_all(s, QUEUED, strlen(QUEUED)))
		die("write to the slave");

	/* G, the foreground job; C waits for it, not reading the slave. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL))
		die("sigaction SIGINT");
	fflush(NULL);
	g = fork();
	if (g < 0)
		die("fork");
	if (!g)
		exit(tree_grandchild(s, me, st0.st_rdev));
	child = g;			/* killed if C fails */
	if (setpgid(g, g))
		die("setpgid %d", (int)g);
	set_fg(s, g);
	if (tcgetpgrp(s) != g)
		bad("the foreground process group is %d, not the grandchild's (%d)",
		    (int)tcgetpgrp(s), (int)g);
	put_file("child", "pid=%d grandchild=%d\n", (int)me, (int)g);
	while ((w = waitpid(g, &status, 0)) != g) {
		if (w >= 0 || errno != EINTR)
			die("waitpid the grandchild");
		if (sigint_hit)
			bad("a SIGINT reached the child: the foreground process group is %d, not the grandchild's (%d)",
			    (int)tcgetpgrp(s), (int)g);
	}
	child = -1;
	if (sigint_hit)
		bad("a SIGINT reached the child, not only the grandchild");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		bad("the grandchild ended with status 0x%x (exit 2: failed before the SIGINT, 3: after it)",
		    status);
	set_fg(s, me);			/* the job is done: C's turn */

	/* Blocked in read() until P writes "ping\n", once C is foreground. */
	n = read_some(s, buf, sizeof(buf) - 1, -1, 1);
	if (n != 5 || memcmp(buf, "ping\n", 5))
		bad("the slave read '%s', expected 'ping\\n'",
		    shown(buf, n, s1, sizeof(s1)));
	n = snprintf(ans, sizeof(ans), "pong:%d:%d\n", (int)getpid(),
		     getpid() == me);
	if (write_all(s, ans, (size_t)n))
		die("write the answer");

	if (sigint_hit)
		bad("a SIGINT reached the child");
	if (getsid(0) != me)
		bad("no longer the session leader (session %d)", (int)getsid(0));
	if (tcgetsid(s) != me)
		bad("the slave is not our session's controlling terminal (tcgetsid %d)",
		    (int)tcgetsid(s));
	if (tcgetpgrp(s) != pgrp0)
		bad("the foreground process group is %d, was %d",
		    (int)tcgetpgrp(s), (int)pgrp0);
	if (fstat(s, &st) || st.st_rdev != st0.st_rdev)
		bad("the slave descriptor is another device than before");
	if (stat(name, &st) || st.st_rdev != st0.st_rdev)
		bad("%s is another device than before", name);
	if (dev_tty() != encode_dev(st0.st_rdev))
		bad("/dev/tty is not the slave after the restore (TIOCGDEV)");
	if (tty_nr() != (long)encode_dev(st0.st_rdev))
		bad("/proc/self/stat names another controlling terminal (%ld)",
		    tty_nr());
	if (tcgetattr(s, &t) || ioctl(s, TIOCGWINSZ, &ws))
		die("tcgetattr or TIOCGWINSZ after the restore");
	what = termios_diff(&t0, &t);
	if (what)
		bad("the slave's termios changed (%s)", what);
	if (t.c_cc[VINTR] != 0x07 || cfgetospeed(&t) != B9600 ||
	    !(t.c_lflag & ISIG) || (t.c_lflag & (ICANON | ECHO)))
		bad("the slave's termios are not the ones set");
	if (!same_winsize(&ws0, &ws) || ws.ws_row != 33 || ws.ws_col != 77)
		bad("window size %ux%u, was %ux%u", ws.ws_row, ws.ws_col,
		    ws0.ws_row, ws0.ws_col);
	return 0;
}

static int tree_mode(void)
{
	char name[64], buf[64], want[64], s1[256], path[4096];
	struct pty_state p;
	struct termios t;
	pid_t g = -1, fg;
	int m, s, n;
	FILE *f;

	m = open_pair(name, sizeof(name));
	s = open(name, O_RDWR | O_NOCTTY);
	if (s < 0)
		die("open %s", name);
	make_raw(s, 1);
	if (tcgetattr(s, &t))
		die("tcgetattr");
	t.c_cc[VINTR] = 0x07;
	if (cfsetispeed(&t, B9600) || cfsetospeed(&t, B9600) ||
	    tcsetattr(s, TCSANOW, &t))
		die("tcsetattr");
	set_winsize(m, 33, 77);
	if (fchown(s, NODE_UID, NODE_GID) || fchmod(s, NODE_MODE))
		die("fchown or fchmod the slave");
	pty_state(m, s, &p);
	if (p.lock || p.pkt)
		bad("locked (%d) or in packet mode (%d) before the checkpoint",
		    p.lock, p.pkt);
	if (p.t.c_cc[VINTR] != 0x07 || cfgetospeed(&p.t) != B9600 ||
	    !(p.t.c_lflag & ISIG) || (p.t.c_lflag & (ICANON | ECHO)))
		bad("the termios set did not take");
	if (p.node.st_uid != NODE_UID || p.node.st_gid != NODE_GID ||
	    (p.node.st_mode & 07777) != NODE_MODE)
		bad("fchown or fchmod did not take");

	fflush(NULL);
	child = fork();
	if (child < 0)
		die("fork");
	if (!child)
		exit(tree_child(m, s, name));
	wait_file("child", 30);
	wait_file("grandchild", 30);
	in_dir(path, sizeof(path), "grandchild");
	f = fopen(path, "r");
	if (!f || fscanf(f, "pid=%d", &g) != 1 || g <= 0)
		bad("%s names no pid", path);
	fclose(f);
	wait_fg(m, g, "the grandchild");
	for (n = 0; !in_read(g); n++) {
		const struct timespec tick = { 0, 50 * 1000 * 1000 };

		if (n >= TIMEOUT_MS / 50)
			bad("the grandchild (%d) does not sleep in read()",
			    (int)g);
		nanosleep(&tick, NULL);
	}
	wait_inq(m, (int)strlen(QUEUED), "the master");
	/* Locked now that its slave files are open (G's /dev/tty too). */
	if (ioctl(m, TIOCSPTLCK, &(int){ 1 }) ||
	    ioctl(m, TIOCGPTLCK, &p.lock) || p.lock != 1)
		die("lock the pair (TIOCSPTLCK)");
	fg = tcgetpgrp(m);
	put_file("info", "%s child=%d grandchild=%d fg=%d unread=%zu sfd=%d\n",
		 info_of(&p), (int)child, (int)g, (int)fg, strlen(QUEUED), s);
	if (announce_ready(dir))
		die("announce_ready");
	wait_for_go(dir);

	check_pty(m, s, &p);
	/* Unlocked: G and C open /dev/tty again in their checks. */
	if (ioctl(m, TIOCSPTLCK, &(int){ 0 }))
		die("unlock the pair (TIOCSPTLCK)");
	expect_exact(m, QUEUED, "the master");
	fg = tcgetpgrp(m);
	if (fg != g)
		bad("the foreground process group is %d, was the grandchild's (%d)",
		    (int)fg, (int)g);
	if (write_all(m, "\x07", 1))	/* VINTR: SIGINT to G's group */
		die("write VINTR to the master");
	wait_fg(m, child, "the child");	/* G done, C took it back */
	n = (int)read_some(m, buf, sizeof(buf) - 1, TIMEOUT_MS, 1);
	if (n != (int)strlen(DEVTTY_SAID) || memcmp(buf, DEVTTY_SAID, n))
		bad("the master read '%s', expected '%s' (G, through /dev/tty)",
		    shown(buf, n, s1, sizeof(s1)), "dev-tty:G\\n");
	if (write_all(m, "ping\n", 5))
		die("write to the master");
	n = (int)read_some(m, buf, sizeof(buf) - 1, TIMEOUT_MS, 1);
	snprintf(want, sizeof(want), "pong:%d:1\n", (int)child);
	if (n != (int)strlen(want) || memcmp(buf, want, (size_t)n))
		bad("the child answered '%s', expected '%s'",
		    shown(buf, n, s1, sizeof(s1)), want);
	reap(child, "the child");
	return 0;
}

/* ---- self ------------------------------------------------------------ */

static int self_mode(void)
{
	struct pty_state p;
	char name[64];
	int m, s;

	m = open_pair(name, sizeof(name));
	s = open(name, O_RDWR | O_NOCTTY);
	if (s < 0)
		die("open %s", name);
	make_raw(s, 0);
	set_winsize(m, 40, 120);
	pty_state(m, s, &p);
	if (write_all(m, PENDING, strlen(PENDING)))
		die("write to the master");
	wait_inq(s, (int)strlen(PENDING), "the slave");
	put_file("info", "%s pending=%zu\n", info_of(&p), strlen(PENDING));
	if (announce_ready(dir))
		die("announce_ready");

	/* After the refused checkpoint: nothing changed, nothing lost. */
	wait_file("step", 0);
	check_pty(m, s, &p);
	expect_exact(s, PENDING, "the slave");
	if (write_all(s, UNREAD, strlen(UNREAD)))
		die("write to the slave");
	wait_inq(m, (int)strlen(UNREAD), "the master");
	pty_state(m, s, &p);
	put_file("info2", "%s unread=%zu\n", info_of(&p), strlen(UNREAD));
	put_file("ready2", "pid=%d\n", (int)getpid());
	wait_for_go(dir);

	check_pty(m, s, &p);
	expect_exact(m, UNREAD, "the master");
	if (write_all(m, "x", 1))
		die("write to the master after the restore");
	expect_exact(s, "x", "the slave");
	if (write_all(s, "y", 1))
		die("write to the slave after the restore");
	expect_exact(m, "y", "the master");
	return 0;
}

/* ---- outside --------------------------------------------------------- */

static int outside_child(int m, int ps, const char *name)
{
	char buf[64], ans[80];
	ssize_t n;
	int s;

	mode = "outside (child)";
	close(m);
	close(ps);
	s = open(name, O_RDWR | O_NOCTTY);
	if (s < 0)
		die("open %s", name);
	put_file("child", "pid=%d\n", (int)getpid());
	n = read_some(s, buf, sizeof(buf) - 1, -1, 1);
	if (n <= 0 || buf[n - 1] != '\n')
		bad("no line from the slave (%zd bytes)", n);
	n = snprintf(ans, sizeof(ans), "child:%.*s", (int)n, buf);
	if (write_all(s, ans, (size_t)n))
		die("write the answer");
	return 0;
}

static int outside_mode(void)
{
	char name[64], buf[64], s1[256];
	struct pty_state p;
	int m, s, n;

	m = open_pair(name, sizeof(name));
	s = open(name, O_RDWR | O_NOCTTY);
	if (s < 0)
		die("open %s", name);
	make_raw(s, 0);
	pty_state(m, s, &p);
	fflush(NULL);
	child = fork();
	if (child < 0)
		die("fork");
	if (!child)
		exit(outside_child(m, s, name));
	wait_file("child", 30);
	put_file("info", "pts=%s child=%d\n", name, (int)child);
	if (announce_ready(dir))
		die("announce_ready");
	wait_for_go(dir);

	/* The refused checkpoint changed nothing. */
	check_pty(m, s, &p);
	if (write_all(m, "hello\n", 6))
		die("write to the master");
	n = (int)read_some(m, buf, sizeof(buf) - 1, TIMEOUT_MS, 1);
	if (n != 12 || memcmp(buf, "child:hello\n", 12))
		bad("the child answered '%s', expected 'child:hello\\n'",
		    shown(buf, n, s1, sizeof(s1)));
	reap(child, "the child");
	if (write_all(s, "via-slave\n", 10))
		die("write to the slave");
	expect_exact(m, "via-slave\n", "the master");
	return 0;
}

/* ---- devtty ---------------------------------------------------------- */

#define X_SAID		"X:via-dev-tty\n"

/*
 * X: not a session leader; its controlling terminal is the slave, which
 * its session's leader C holds.  fd 3: C's /dev/tty open file, inherited;
 * fd 4: its own, O_NONBLOCK.  Waits for DIR/go (after restart), checks
 * both and writes X_SAID through fd 4; its output in DIR/x.out, x.err.
 */
static int devtty_x(const char *name)
{
	int fl3, fl4, fd;
	unsigned long dev;
	pid_t me = getpid();
	char path[4096];
	struct stat st;

	mode = "devtty (X)";
	child = -1;
	for (fd = 1; fd <= 2; fd++) {
		int o;

		in_dir(path, sizeof(path), fd == 1 ? "x.out" : "x.err");
		o = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (o < 0 || dup2(o, fd) != fd || close(o))
			die("open %s", path);
	}
	if (stat(name, &st))
		die("stat %s", name);
	dev = encode_dev(st.st_rdev);
	if (open("/dev/tty", O_RDWR | O_NONBLOCK) != 4)
		die("open /dev/tty at fd 4");
	fl3 = fcntl(3, F_GETFL);
	fl4 = fcntl(4, F_GETFL);
	if (!(fl4 & O_NONBLOCK) || (fl3 & O_NONBLOCK))
		bad("open flags 0%o and 0%o: O_NONBLOCK not as opened", fl3,
		    fl4);
	check_devtty_fd(3, dev, fl3, "before the checkpoint");
	check_devtty_fd(4, dev, fl4, "before the checkpoint");
	put_file("x", "pid=%d\n", (int)me);
	wait_file("go", 0);

	if (getpid() != me)
		bad("pid %d, was %d", (int)getpid(), (int)me);
	check_devtty_fd(3, dev, fl3, "after the restore");
	check_devtty_fd(4, dev, fl4, "after the restore");
	if (tty_nr() != (long)dev)
		bad("/proc/self/stat names controlling terminal %ld, not the slave (%lu)",
		    tty_nr(), dev);
	if (write_all(4, X_SAID, strlen(X_SAID)))
		die("write through /dev/tty");
	printf("ptypair devtty (X): all checks passed\n");
	return 0;
}

/*
 * C: leads a new session whose controlling terminal is the slave, holds
 * it only through /dev/tty (fd 3; a checkpoint of C alone is refused:
 * restart could not give it its terminal back), forks X and waits for it.
 */
static int devtty_c(int m, const char *name)
{
	pid_t x;
	int s, t;

	mode = "devtty (C)";
	child = -1;
	close(m);
	if (setsid() < 0)
		die("setsid");
	s = open(name, O_RDWR);		/* no O_NOCTTY: the ctty now */
	t = open("/dev/tty", O_RDWR);
	if (s < 0 || t < 0 || dup2(t, 3) != 3 || (s != 3 && close(s)) ||
	    (t != 3 && close(t)))
		die("open %s, then /dev/tty at fd 3 only", name);
	fflush(NULL);
	x = fork();
	if (x < 0)
		die("fork");
	if (!x)
		exit(devtty_x(name));
	put_file("child", "pid=%d x=%d\n", (int)getpid(), (int)x);
	if (waitpid(x, NULL, 0) != x)
		die("waitpid X");
	return 0;
}

/*
 * ptypair devtty DIR: P holds the master of a pair; its child C leads a
 * session on the slave (devtty_c()), C's child X is checkpointed alone
 * (devtty_x()).  DIR/info ("pts= child= x="), DIR/ready.  Once C is gone
 * (X killed by the checkpoint), DIR/ready2; after DIR/go the master must
 * read exactly X_SAID (its newline as CR LF), from X restored; the master
 * stays open until DIR/done (restart and X gone).
 */
static int devtty_mode(void)
{
	char name[64], path[4096], buf[64], s1[256];
	int m, n, x;
	FILE *f;

	m = open_pair(name, sizeof(name));
	fflush(NULL);
	child = fork();
	if (child < 0)
		die("fork");
	if (!child)
		exit(devtty_c(m, name));
	wait_file("x", 30);
	in_dir(path, sizeof(path), "child");
	f = fopen(path, "r");
	if (!f || fscanf(f, "pid=%*d x=%d", &x) != 1)
		die("read %s", path);
	fclose(f);
	put_file("info", "pts=%s child=%d x=%d\n", name, (int)child, x);
	if (announce_ready(dir))
		die("announce_ready");
	reap(child, "C");	/* once X is killed by the checkpoint */
	put_file("ready2", "\n");
	wait_for_go(dir);
	/*
	 * The slave's default termios: ONLCR makes the newline CR LF.  The
	 * slave may close at once after (X and restart exit: EIO).
	 */
	n = (int)read_some(m, buf, sizeof(buf) - 1, TIMEOUT_MS, 1);
	if (n != (int)strlen(X_SAID) + 1 ||
	    memcmp(buf, "X:via-dev-tty\r\n", (size_t)n))
		bad("the master read '%s', expected 'X:via-dev-tty\\r\\n'",
		    shown(buf, n, s1, sizeof(s1)));
	/* The master open until restart is done: a hangup would SIGHUP it. */
	wait_file("done", 60);
	return 0;
}

/* ---- states ---------------------------------------------------------- */

/* Set (@on) or clear O_NONBLOCK on @fd; its flags before. */
static int set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK :
			    fl & ~O_NONBLOCK))
		die("fcntl O_NONBLOCK");
	return fl;
}

/* Read the master @m (packet mode) until EAGAIN: no status byte left. */
static void drain_status(int m)
{
	int fl = set_nonblock(m, 1);
	char buf[64];
	ssize_t n;

	while ((n = read(m, buf, sizeof(buf))) > 0)
		;
	if (n == 0 || errno != EAGAIN)
		die("drain the master (read %zd)", n);
	if (fcntl(m, F_SETFL, fl))
		die("fcntl F_SETFL");
}

/* A non-blocking write of "z" to the slave @s fails with EAGAIN. */
static void expect_stopped(int s, const char *when)
{
	int fl = set_nonblock(s, 1);
	ssize_t n = write(s, "z", 1);
	int err = errno;

	if (fcntl(s, F_SETFL, fl))
		die("fcntl F_SETFL");
	if (n != -1 || err != EAGAIN)
		bad("%s: a write to the stopped slave returned %zd (%s), expected EAGAIN",
		    when, n, n < 0 ? strerror(err) : "no error");
}

/* read(@m) on the master of a closed slave returns -1, EIO. */
static void expect_eio(int m, const char *when)
{
	char c;
	ssize_t n;

	if (!(fcntl(m, F_GETFL) & O_NONBLOCK))
		bad("%s: pair C's master is not O_NONBLOCK", when);
	n = read(m, &c, 1);
	if (n != -1 || errno != EIO)
		bad("%s: read of pair C's master returned %zd (%s), expected EIO",
		    when, n, n < 0 ? strerror(errno) : "no error");
}

static void name_of(int m, char *name, size_t size)
{
	const char *n = ptsname(m);

	if (!n || strlen(n) >= size)
		die("ptsname");
	strcpy(name, n);
}

static int states_mode(void)
{
	struct pty_state pa;
	char na[64], nb[64], nc[64], now[64], buf[64], s1[256];
	int ma, sa, mb, mc, sc, one = 1, v = -1, ia, ib, ic;
	long waited;

	/* A: raw slave open, packet mode, output stopped, nothing unread */
	ma = open_pair(na, sizeof(na));
	sa = open(na, O_RDWR | O_NOCTTY);
	if (sa < 0)
		die("open %s", na);
	make_raw(sa, 0);
	if (ioctl(ma, TIOCPKT, &one))
		die("TIOCPKT");
	if (tcflow(sa, TCOOFF))
		die("tcflow TCOOFF");
	drain_status(ma);
	pty_state(ma, sa, &pa);
	if (pa.lock || pa.pkt != 1)
		bad("pair A: TIOCGPTLCK %d, TIOCGPKT %d, expected 0 and 1",
		    pa.lock, pa.pkt);
	wait_inq(ma, 0, "pair A's master");
	expect_stopped(sa, "before the checkpoint");
	ia = pty_index(ma);

	/* B: locked (no unlockpt), its slave never opened */
	mb = posix_openpt(O_RDWR | O_NOCTTY);
	if (mb < 0 || grantpt(mb))
		die("posix_openpt or grantpt");
	name_of(mb, nb, sizeof(nb));
	if (ioctl(mb, TIOCGPTLCK, &v) || v != 1)
		bad("pair B is not locked (TIOCGPTLCK %d)", v);
	ib = pty_index(mb);

	/* C: its slave opened and closed; the master reads EIO */
	mc = open_pair(nc, sizeof(nc));
	sc = open(nc, O_RDWR | O_NOCTTY);
	if (sc < 0)
		die("open %s", nc);
	close(sc);
	set_nonblock(mc, 1);
	expect_eio(mc, "before the checkpoint");
	ic = pty_index(mc);

	put_file("info", "a=%s b=%s c=%s ia=%d ib=%d ic=%d\n", na, nb, nc,
		 ia, ib, ic);
	if (announce_ready(dir))
		die("announce_ready");
	wait_for_go(dir);

	if (pty_index(ma) != ia || pty_index(mb) != ib || pty_index(mc) != ic)
		bad("indices %d %d %d, were %d %d %d", pty_index(ma),
		    pty_index(mb), pty_index(mc), ia, ib, ic);
	name_of(mb, now, sizeof(now));
	if (strcmp(now, nb))
		bad("pair B: ptsname() is %s, was %s", now, nb);
	name_of(mc, now, sizeof(now));
	if (strcmp(now, nc))
		bad("pair C: ptsname() is %s, was %s", now, nc);

	/* A: as recorded (packet mode 1...), still stopped until TCOON */
	check_pty(ma, sa, &pa);
	wait_inq(ma, 0, "pair A's master");
	expect_stopped(sa, "after the restore");
	if (tcflow(sa, TCOON))
		die("tcflow TCOON");
	/* Output still stopped would block the write: fail, not hang. */
	alarm(TIMEOUT_MS / 1000);
	if (write_all(sa, "z", 1))
		die("write to pair A's slave after TCOON");
	alarm(0);
	for (waited = 0;; ) {
		ssize_t n;

		if (!readable(ma, 100)) {
			waited += 100;
			if (waited >= TIMEOUT_MS)
				bad("pair A's master read no 'z' in %d ms",
				    TIMEOUT_MS);
			continue;
		}
		n = read(ma, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("read pair A's master (%zd)", n);
		if (n == 1 && buf[0] != TIOCPKT_DATA)
			continue;	/* a status packet (TIOCPKT_START...) */
		if (n != 2 || buf[0] != TIOCPKT_DATA || buf[1] != 'z')
			bad("pair A's master read '%s', expected '\\x00z'",
			    shown(buf, n, s1, sizeof(s1)));
		break;
	}

	/* B: still locked, its slave cannot be opened */
	if (ioctl(mb, TIOCGPTLCK, &v) || v != 1)
		bad("pair B is not locked after the restore (TIOCGPTLCK %d)",
		    v);
	v = open(nb, O_RDWR | O_NOCTTY);
	if (v >= 0 || errno != EIO)
		bad("opening pair B's slave %s: %s, expected EIO", nb,
		    v >= 0 ? "it opened" : strerror(errno));

	/* C: the slave still closed by all */
	expect_eio(mc, "after the restore");
	return 0;
}

/* ---- copy ------------------------------------------------------------ */

#define COPY_OUT	"copy-out\n"

/* DIR/result.ROLE holds @text and a newline: 0, or -1 (no die: vfail's). */
static int write_result(const char *text)
{
	char path[4096], tmp[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/result.%s", dir, role);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	if (fprintf(f, "%s\n", text) < 0) {
		fclose(f);
		return -1;
	}
	if (fclose(f) || rename(tmp, path))
		return -1;
	return 0;
}

/* The PID namespace this process is in (its /proc/self/ns/pid inode). */
static ino_t pid_ns(void)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st))
		die("stat /proc/self/ns/pid");
	return st.st_ino;
}

static int pty_index(int m)
{
	int n;

	if (ioctl(m, TIOCGPTN, &n))
		die("TIOCGPTN");
	return n;
}

/* @m reads @c written to @s, and @s reads @C written to @m. */
static void round_trip(int m, int s, const char *c, const char *C)
{
	if (write_all(m, C, 1))
		die("write to the master");
	expect_exact(s, C, "the slave");
	if (write_all(s, c, 1))
		die("write to the slave");
	expect_exact(m, c, "the master");
}

static int copy_mode(void)
{
	struct pty_state p, q;
	struct termios t;
	struct stat st;
	char name[64], msg[128];
	ino_t ns0;
	int m, s, idx0, idx;

	ns0 = pid_ns();
	m = open_pair(name, sizeof(name));
	s = open(name, O_RDWR | O_NOCTTY);
	if (s < 0)
		die("open %s", name);
	make_raw(s, 0);
	if (tcgetattr(s, &t))
		die("tcgetattr");
	t.c_cc[VERASE] = 0x08;
	if (cfsetispeed(&t, B19200) || cfsetospeed(&t, B19200) ||
	    tcsetattr(s, TCSANOW, &t))
		die("tcsetattr");
	set_winsize(m, 21, 55);
	pty_state(m, s, &p);
	idx0 = pty_index(m);
	snprintf(msg, sizeof(msg), "/dev/pts/%d", idx0);
	if (strcmp(p.name, msg))
		bad("ptsname() is %s, TIOCGPTN says %d", p.name, idx0);
	if (p.t.c_cc[VERASE] != 0x08 || cfgetospeed(&p.t) != B19200)
		bad("the termios set did not take");
	if (write_all(s, COPY_OUT, strlen(COPY_OUT)))
		die("write to the slave");
	wait_inq(m, (int)strlen(COPY_OUT), "the master");
	put_file("info", "%s unread=%zu index=%d mfd=%d sfd=%d\n", info_of(&p),
		 strlen(COPY_OUT), idx0, m, s);
	if (announce_ready(dir))
		die("announce_ready");
	wait_for_go(dir);

	/* The copy is the one in another PID namespace (its PID is ours). */
	if (pid_ns() == ns0) {
		role = "orig";
		mode = "copy (original)";
		idx = pty_index(m);
		if (idx != idx0)
			bad("TIOCGPTN says %d, was %d", idx, idx0);
		check_pty(m, s, &p);
		expect_exact(m, COPY_OUT, "the master");	/* put back */
		round_trip(m, s, "o", "O");
	} else {
		role = "copy";
		mode = "copy (restored)";
		idx = pty_index(m);
		if (idx == idx0)
			bad("the copy's master has the original's index %d, which the original holds",
			    idx);
		if (fstat(s, &st))
			die("fstat the slave");
		if (st.st_rdev == p.node.st_rdev)
			bad("the slave descriptor is the original's slave (%s), not the new pair's (/dev/pts/%d)",
			    p.name, idx);
		if (!S_ISCHR(st.st_mode) ||
		    major(st.st_rdev) != major(p.node.st_rdev) ||
		    (int)minor(st.st_rdev) != idx)
			bad("the slave descriptor is device %u:%u, not the new pair's slave (/dev/pts/%d)",
			    major(st.st_rdev), minor(st.st_rdev), idx);
		/* as recorded, but for the new pair's name and device */
		q = p;
		snprintf(q.name, sizeof(q.name), "/dev/pts/%d", idx);
		q.node.st_rdev = st.st_rdev;
		check_pty(m, s, &q);
		if (tcgetattr(s, &t))
			die("tcgetattr");
		if (t.c_cc[VERASE] != 0x08 || cfgetospeed(&t) != B19200)
			bad("the slave's termios are not the ones set (VERASE 0x%x)",
			    t.c_cc[VERASE]);
		if (p.ws.ws_row != 21 || p.ws.ws_col != 55)
			bad("window size %ux%u recorded, not 21x55", p.ws.ws_row,
			    p.ws.ws_col);
		expect_exact(m, COPY_OUT, "the master");
		round_trip(m, s, "c", "C");
	}
	snprintf(msg, sizeof(msg), "role=%s pts=/dev/pts/%d all checks passed",
		 role, idx);
	if (write_result(msg))
		die("write %s/result.%s", dir, role);
	return 0;
}

int main(int argc, char **argv)
{
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: ptypair tree|self|states|outside|devtty|copy DIR\n");
		return 2;
	}
	close_extra_fds();
	mode = argv[1];
	dir = argv[2];
	if (!strcmp(mode, "tree"))
		r = tree_mode();
	else if (!strcmp(mode, "self"))
		r = self_mode();
	else if (!strcmp(mode, "states"))
		r = states_mode();
	else if (!strcmp(mode, "outside"))
		r = outside_mode();
	else if (!strcmp(mode, "devtty"))
		r = devtty_mode();
	else if (!strcmp(mode, "copy"))
		return copy_mode();	/* DIR/result.*, not the shared stdout */
	else
		bad("unknown mode");
	if (!r)
		printf("ptypair %s: all checks passed\n", mode);
	return r;
}
