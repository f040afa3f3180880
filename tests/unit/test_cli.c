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
