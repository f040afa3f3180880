// SPDX-License-Identifier: GPL-2.0
/*
 * prctlattrs DIR [user|oom]: prctl state that must survive restart.
 *
 * As root: securebits SECBIT_NOROOT|SECBIT_NOROOT_LOCKED|SECBIT_KEEP_CAPS|
 * SECBIT_NO_CAP_AMBIENT_RAISE, timer slack 123457 ns, PR_SET_THP_DISABLE,
 * PR_SET_TSC PR_TSC_SIGSEGV, PR_MCE_KILL_EARLY, PR_SET_IO_FLUSHER and
 * coredump_filter 0x7b, and 8 MiB of anonymous memory written (with THP
 * disabled, in no huge page: nor may it be after the restore).  With "user": securebits SECBIT_NOROOT only, then
 * it becomes uid/gid 1000 (a restore by uid 1000, who may not set that
 * bit, must be refused), and no IO flusher.  With "oom": no securebits
 * and no IO flusher, oom_score_adj -17 (set as root, so its minimum is
 * -17 too), then uid/gid 1000 (a restore by uid 1000, whose minimum is 0,
 * must be refused).  As root and with "oom" the oom_score_adj (321 as
 * root) is checked too.
 * Then DIR/ready, wait for DIR/go, and check every one of them.  Prints
 * "all checks passed" (exit 0), or exits 1 naming the check.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <linux/securebits.h>
#include "common.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER	57
#define PR_GET_IO_FLUSHER	58
#endif

#define SLACK	123457UL

static void die(const char *what)
{
	fprintf(stderr, "prctlattrs: %s (errno %d)\n", what, errno);
	exit(1);
}

static void expect(long got, long want, const char *what)
{
	if (got != want) {
		fprintf(stderr, "prctlattrs: %s is %ld (0x%lx), expected %ld (0x%lx)\n",
			what, got, got, want, want);
		exit(1);
	}
}

static long proc_self_long(const char *name, int base)
{
	char path[64], buf[32] = "";
	int fd;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		die(path);
	close(fd);
	return strtol(buf, NULL, base);
}

static long coredump_filter(void)
{
	return proc_self_long("coredump_filter", 16);
}

static int set_oom_score_adj(long adj)
{
	char buf[16];
	int fd = open("/proc/self/oom_score_adj", O_WRONLY), n, ret;

	n = snprintf(buf, sizeof(buf), "%ld", adj);
	ret = fd < 0 || write(fd, buf, n) != n ? -1 : 0;
	if (fd >= 0)
		close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	int user = argc > 2 && !strcmp(argv[2], "user");
	int oom = argc > 2 && !strcmp(argv[2], "oom");
	long bits = user ? SECBIT_NOROOT : oom ? 0 :
		    SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_KEEP_CAPS |
		    SECBIT_NO_CAP_AMBIENT_RAISE;
	long adj = oom ? -17 : 321;
	size_t big = 8 << 20;
	int tsc, fd;
	char *mem;

	if (argc < 2)
		return 2;
	close_extra_fds();
	if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0))
		die("PR_SET_SECUREBITS");
	if (prctl(PR_SET_TIMERSLACK, SLACK, 0, 0, 0))
		die("PR_SET_TIMERSLACK");
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		die("PR_SET_THP_DISABLE");
	mem = mmap(NULL, big, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	memset(mem, 0x5a, big);
	expect(anon_huge_kb(), 0, "AnonHugePages with THP disabled");
	if (prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0))
		die("PR_MCE_KILL");
	if (!user && !oom && prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0))
		die("PR_SET_IO_FLUSHER");
	if (!user && set_oom_score_adj(adj))
		die("write oom_score_adj");
	fd = open("/proc/self/coredump_filter", O_WRONLY);
	if (fd < 0 || write(fd, "0x7b", 4) != 4)
		die("write coredump_filter");
	close(fd);
	if ((user || oom) &&
	    (setgroups(0, NULL) || setresgid(1000, 1000, 1000) ||
	     setresuid(1000, 1000, 1000)))
		die("become uid 1000");
	/* rdtsc now faults: only system calls until it is enabled again */
	if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0))
		die("PR_SET_TSC");
	if (announce_ready(argv[1]))
		die("announce_ready");
	wait_for_go(argv[1]);

	if (prctl(PR_GET_TSC, &tsc, 0, 0, 0))
		die("PR_GET_TSC");
	if (prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0))
		die("PR_SET_TSC enable");
	expect(tsc, PR_TSC_SIGSEGV, "PR_GET_TSC");
	expect(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), bits, "securebits");
	expect(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), !!(bits & SECBIT_KEEP_CAPS),
	       "PR_GET_KEEPCAPS");
	expect(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), SLACK, "timer slack");
	expect(prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0), 1, "PR_GET_THP_DISABLE");
	expect(anon_huge_kb(), 0, "AnonHugePages after the restore");
	for (size_t i = 0; i < big; i += 4096)
		expect(mem[i], 0x5a, "a byte of the 8 MiB");
	expect(prctl(PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_EARLY,
	       "PR_MCE_KILL_GET");
	if (!user && !oom)	/* reading it needs CAP_SYS_RESOURCE too */
		expect(prctl(PR_GET_IO_FLUSHER, 0, 0, 0, 0), 1,
		       "PR_GET_IO_FLUSHER");
	expect(coredump_filter(), 0x7b, "coredump_filter");
	if (!user)
		expect(proc_self_long("oom_score_adj", 10), adj,
		       "oom_score_adj");
	/* the default slack is what PR_SET_TIMERSLACK 0 returns to */
	if (prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0))
		die("PR_SET_TIMERSLACK 0");
	expect(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), 50000,
	       "the default timer slack");
	printf("prctlattrs: all checks passed\n");
	return 0;
}
