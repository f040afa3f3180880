// SPDX-License-Identifier: GPL-2.0
/*
 * The tools' command lines, run as programs: exit codes (0 ok, 1 failed,
 * 2 usage), one "<prog>: ... (ERRNO)" line per failure, and what
 * "ckpt show" prints.  The ioctl paths need the module: here only their
 * failure without /dev/ckpt is checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "imgbuild.h"
#include "run.h"
#include "unit.h"

#ifndef CKPT_BIN
#error "CKPT_BIN must name the ckpt binary under test"
#endif
#ifndef RESTART_BIN
#error "RESTART_BIN must name the restart binary under test"
#endif

#define CKPT_STR_(x)	#x
#define CKPT_STR(x)	CKPT_STR_(x)

static struct run *run(const char *in, char *const argv[])
{
	return unit_run(in, argv, NULL);
}

UNIT_TEST(cli_show_valid)
{
	char path[64];
	struct run *r;

	CHECK(ib_write_file(NULL, path));
	r = run(NULL, (char *[]){ CKPT_BIN, "show", path, NULL });
	unlink(path);
	CHECK_EQ(r->status, 0);
	CHECK_EQ(strlen(r->err), 0);
	CHECK_STR(r->out, "version      " CKPT_STR(CKPT_IMAGE_VERSION));
	CHECK_STR(r->out, "xfeatures    0x7 (x87,sse,avx)");
	CHECK_STR(r->out, "6.1.0-test-amd64");
	CHECK_STR(r->out, "2023-11-14 22:13:20.123456789 UTC");
	CHECK_STR(r->out, "@192 TASK (208 bytes)");
	CHECK_STR(r->out, "comm \"sleeper\"");
	CHECK_STR(r->out, "CLOCK_MONOTONIC 5.000000000 s, CLOCK_BOOTTIME 6.000000000 s");
	CHECK_STR(r->out, "CLOCK_MONOTONIC 4.000000000 s, CLOCK_MONOTONIC_RAW 4.500000000 s, CLOCK_BOOTTIME 6.000000000 s");
	CHECK_STR(r->out, "blocked 0x200000200 (SIGUSR1,SIG34)");
	CHECK_STR(r->out, "groups 10 20");
	CHECK_STR(r->out, "cwd /root");
	CHECK_STR(r->out, "SIGINT    handler 0x401100 flags SA_RESTORER,SA_RESTART");
	CHECK_STR(r->out, "SIGPIPE   SIG_IGN");
	CHECK_STR(r->out, "exe /bin/sleeper");
	CHECK_STR(r->out, "AT_PAGESZ");
	CHECK_STR(r->out, "0x400000-0x402000 r-x file");
	CHECK_STR(r->out, "path /bin/sleeper");
	CHECK_STR(r->out, "vdso flags 0x0");
	CHECK_STR(r->out, "fd 0 chr O_RDONLY,0x0 pos 0 /dev/null");
	CHECK_STR(r->out, "fd 1 reg O_WRONLY,O_APPEND pos 0 /tmp/out.txt");
	CHECK_STR(r->out, "ip      0x0000000000401234");
	CHECK_STR(r->out, "xstate_bv 0x7 (x87,sse,avx)");
	CHECK_STR(r->out, "CLOCK_MONOTONIC (1), 1.500000000 s left");
	CHECK_STR(r->out, "PAGES x2 (12352 bytes)");
	CHECK_STR(r->out, "3 pages in VMA 0x600000-0x610000");
	CHECK_STR(r->out, "PAGES x2");
	CHECK_STR(r->out, "2 pages in VMA 0x7ffffffde000-0x7ffffffff000");
	CHECK_STR(r->out, "records before it, 5 pages");
}

UNIT_TEST(cli_show_stdin_and_verbose)
{
	char path[64];
	struct run *r;
	const char *p;
	int n = 0;

	CHECK(ib_write_file(NULL, path));
	r = run(path, (char *[]){ CKPT_BIN, "show", "-v", "-", NULL });
	unlink(path);
	CHECK_EQ(r->status, 0);
	CHECK_STR(r->out, "image stdin");
	for (p = r->out; (p = strstr(p, " PAGES (")); p++)
		n++;
	CHECK_EQ(n, 4);
}

static void break_vma(struct ib_rec *r, void *ctx)
{
	(void)ctx;
	if (r->type == CKPT_REC_VMA && r->nth == 2)
		r->csum_xor = 1;
}

UNIT_TEST(cli_show_corrupt)
{
	struct ib_ops ops = { .rec = break_vma };
	char path[64], want[128];
	struct run *r;
	struct ib_image b;

	ib_build(&b, &ops);
	snprintf(want, sizeof(want),
		 "bad checksum in VMA record at offset %ld ",
		 ib_offset(&b, CKPT_REC_VMA, 2));
	ib_free(&b);
	CHECK(ib_write_file(&ops, path));
	r = run(NULL, (char *[]){ CKPT_BIN, "show", path, NULL });
	unlink(path);
	CHECK_EQ(r->status, 1);
	CHECK_EQ(unit_count_lines(r->err), 1);
	CHECK(!strncmp(r->err, "ckpt: cannot decode ", 20));
	CHECK_STR(r->err, want);
	CHECK_STR(r->err, "(EBADMSG)\n");
	CHECK_STR(r->out, "@192 TASK");	/* what was good is shown */
}

static unsigned int pty_flags;

static void pty_set_flags(struct ckpt_rec_pty *p, struct ib_rec *r)
{
	(void)r;
	p->flags = pty_flags;
	p->mode = pty_flags == CKPT_PTY_ALL ? 04600 : p->mode;
}

/* "ckpt show" of an image with ib_pty_hook's pair, as @c says. */
static struct run *show_pty(struct ib_pty *c)
{
	struct ib_ops ops = { .rec = ib_pty_hook, .ctx = c };
	static struct run none = { .status = -1 };
	char path[64];
	struct run *r;

	c->fix = pty_set_flags;
	if (!ib_write_file(&ops, path))
		return &none;
	r = run(NULL, (char *[]){ CKPT_BIN, "show", path, NULL });
	unlink(path);
	return r;
}

/* A pseudo-terminal pair: its end's FILE entry, its PTY record. */
UNIT_TEST(cli_show_pty)
{
	struct ib_pty c = { .records = 1 };
	struct run *r;

	pty_flags = CKPT_PTY_PACKET;
	r = show_pty(&c);
	CHECK_EQ(r->status, 0);
	CHECK_STR(r->out, "fd 3 pty O_RDWR,0x0 pos 0 /dev/ptmx\n  pty master (pts 3)\n");
	CHECK_STR(r->out, " PTY (91 bytes)\n  pty /dev/pts/3: packet, slave uid 0 gid 5 mode 0620, window 33x77, 3 bytes unread by the master\n");
	c.rdev = IB_PTS3_RDEV;
	pty_flags = 0;
	r = show_pty(&c);
	CHECK_EQ(r->status, 0);
	CHECK_STR(r->out, "fd 4 pty O_RDWR,0x0 pos 0 /dev/pts/3\n  pty slave (pts 3), device 136:3\n");
	CHECK_STR(r->out, "  pty /dev/pts/3: unlocked, slave uid 0 gid 5 mode 0620, window 33x77, 3 bytes unread by the master\n");
	pty_flags = CKPT_PTY_ALL;
	r = show_pty(&c);
	CHECK_EQ(r->status, 0);
	CHECK_STR(r->out, "  pty /dev/pts/3: locked packet slave-closed stopped tcooff, slave uid 0 gid 5 mode 4600, window");
}

UNIT_TEST(cli_show_not_an_image)
{
	struct run *r;

	r = run(NULL, (char *[]){ CKPT_BIN, "show", "/etc/passwd", NULL });
	CHECK_EQ(r->status, 1);
	CHECK_STR(r->err, "not a ckpt image (ENOEXEC)\n");
	r = run(NULL, (char *[]){ CKPT_BIN, "show", NULL });
	CHECK_EQ(r->status, 1);
	CHECK_STR(r->err, "the image is empty (ENODATA)");
	r = run(NULL, (char *[]){ CKPT_BIN, "show", "/nonexistent", NULL });
	CHECK_EQ(r->status, 1);
	CHECK_STR(r->err, "ckpt: cannot open /nonexistent: No such file or directory (ENOENT)\n");
}

UNIT_TEST(cli_usage_errors)
{
	struct run *r;

	r = run(NULL, (char *[]){ CKPT_BIN, NULL });
	CHECK_EQ(r->status, 2);
	CHECK_STR(r->err, "ckpt: missing PID");
	r = run(NULL, (char *[]){ CKPT_BIN, "12x", NULL });
	CHECK_EQ(r->status, 2);
	CHECK_STR(r->err, "bad PID");
	r = run(NULL, (char *[]){ CKPT_BIN, "0", NULL });
	CHECK_EQ(r->status, 2);
	r = run(NULL, (char *[]){ CKPT_BIN, "--kill", "--stop", "1", NULL });
	CHECK_EQ(r->status, 2);
	CHECK_STR(r->err, "exclude each other");
	r = run(NULL, (char *[]){ CKPT_BIN, "--bogus", "1", NULL });
	CHECK_EQ(r->status, 2);
	r = run(NULL, (char *[]){ CKPT_BIN, "--ghost-limit", "65M", "1", NULL });
	CHECK_EQ(r->status, 2);
	CHECK_STR(r->err, "bad --ghost-limit");
	r = run(NULL, (char *[]){ CKPT_BIN, "--ghost-limit", "0", "1", NULL });
	CHECK_EQ(r->status, 2);
	r = run(NULL, (char *[]){ CKPT_BIN, "--ghost-limit", "8Kb", "1", NULL });
	CHECK_EQ(r->status, 2);
	r = run(NULL, (char *[]){ CKPT_BIN, "--ghost-limit", "-1", "1", NULL });
	CHECK_EQ(r->status, 2);
	r = run(NULL, (char *[]){ CKPT_BIN, "show", "a", "b", NULL });
	CHECK_EQ(r->status, 2);
	r = run(NULL, (char *[]){ CKPT_BIN, "--help", NULL });
	CHECK_EQ(r->status, 0);
	CHECK_STR(r->out, "usage: ckpt");
	r = run(NULL, (char *[]){ RESTART_BIN, "a", "b", NULL });
	CHECK_EQ(r->status, 2);
	r = run(NULL, (char *[]){ RESTART_BIN, "--help", NULL });
	CHECK_EQ(r->status, 0);
	CHECK_STR(r->out, "usage: restart");
}

/*
 * ckpt -o @out PID (ours) against the fake module failing with @err on
 * @fd: does it say @what and @hint?
 */
static int refused(const char *out, int err, int fd, const char *what,
		   const char *hint)
{
	char vars[3][64], pid[16];
	char *env[] = { vars[0], vars[1], vars[2], NULL };
	struct run *r;

	snprintf(vars[0], sizeof(vars[0]), "LD_PRELOAD=%s", FAKE_SO);
	snprintf(vars[1], sizeof(vars[1]), "FAKE_CKPT_ERR=%d", err);
	snprintf(vars[2], sizeof(vars[2]), "FAKE_ERR_FD=%d", fd);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	r = unit_run(NULL, (char *[]){ CKPT_BIN, "-o", (char *)out, pid,
				       NULL }, env);
	if (r->status == 1 && strstr(r->err, what) && strstr(r->err, hint))
		return 1;
	unit_fail(__FILE__, __LINE__, "status %d, no '%s' or '%s': %s",
		  r->status, what, hint, r->err);
	return 0;
}

/* Refusals on a pseudo-terminal's ends: held outside, unread data. */
UNIT_TEST(cli_checkpoint_pty_refusals)
{
	char out[] = "/tmp/ckpt-unit-out-XXXXXX", slave[32], busy[96],
	     peer[96];
	int m, s, fd, idx = -1, ok;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || ioctl(m, TIOCGPTN, &idx) || unlockpt(m)) {
		printf("note: no pseudo-terminal here; pty refusals skipped\n");
		if (m >= 0)
			close(m);
		return;
	}
	snprintf(slave, sizeof(slave), "/dev/pts/%d", idx);
	snprintf(peer, sizeof(peer), "its slave is %s: 'fuser -v %s'", slave,
		 slave);
	snprintf(busy, sizeof(busy), "(%s) is a pseudo-terminal with input its slave has not read",
		 slave);
	s = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
	fd = mkstemp(out);
	if (fd >= 0)
		close(fd);
	/* the slave's while the master is open (else it is deleted) */
	ok = fd >= 0 && s >= 0 &&
	     refused(out, EUSERS, m, "is a pseudo-terminal whose other end (or this open file) is also held by a process outside the process (EUSERS)\n",
		     peer) &&
	     refused(out, EOPNOTSUPP, s, "is the slave of a pseudo-terminal whose master the process holds, held by a process listed before",
		     "which is not supported yet (EOPNOTSUPP)\n") &&
	     refused(out, EBUSY, s, busy,
		     "more of it than an image keeps (32 KiB); nothing was lost (EBUSY)\nckpt: try again once it has been read\n");
	if (s >= 0)
		close(s);
	close(m);
	unlink(out);
	CHECK(ok);
}

/* On the build host there is no /dev/ckpt. */
UNIT_TEST(cli_without_module)
{
	char out[] = "/tmp/ckpt-unit-out-XXXXXX";
	struct stat st;
	struct run *r;
	int fd;

	if (!stat("/dev/ckpt", &st)) {
		printf("note: /dev/ckpt exists; module-less checks skipped\n");
		return;
	}
	fd = mkstemp(out);
	CHECK(fd >= 0);
	close(fd);
	r = run(NULL, (char *[]){ CKPT_BIN, "-o", out, "1", NULL });
	CHECK_EQ(r->status, 1);
	CHECK_STR(r->err, "ckpt: /dev/ckpt not found: is the ckpt module loaded? (ENOENT)\n");
	CHECK_EQ(unit_count_lines(r->err), 2);
	/* The partial file is removed. */
	CHECK(stat(out, &st) && errno == ENOENT);
	r = run(NULL, (char *[]){ CKPT_BIN, "version", NULL });
	CHECK_EQ(r->status, 1);
	CHECK_STR(r->out, "ckpt tools");
	r = run(NULL, (char *[]){ RESTART_BIN, "/etc/passwd", NULL });
	CHECK_EQ(r->status, 1);
	CHECK_STR(r->err, "restart: /dev/ckpt not found");
	r = run(NULL, (char *[]){ RESTART_BIN, "/nonexistent", NULL });
	CHECK_EQ(r->status, 1);
	CHECK_STR(r->err, "restart: cannot open /nonexistent: No such file or directory (ENOENT)\n");
}
