// SPDX-License-Identifier: GPL-2.0
/*
 * sleeper: one sleep, to check that a restored sleep resumes with only the
 * time it had left.
 *
 *   sleeper [-m libc|raw|mono|abs] SECONDS OUTFILE
 *
 * Writes "pid=P start_ns=T duration_ns=D mode=M" to OUTFILE, sleeps once:
 *   libc  nanosleep(&req, &rem) from libc (clock_nanosleep on REALTIME)
 *   raw   the nanosleep system call itself
 *   mono  clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem)
 *   abs   clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, start + SECONDS):
 *         restarted with its deadline, so it ends at start + SECONDS
 *         however long the process was down (if it came back before then)
 * then appends "end_ns=E ret=R pid=P".  Times are CLOCK_REALTIME ns.  No
 * retry on EINTR: a restore must make the sleep resume transparently, so an
 * interrupted sleep is a failure (exit 1, with the time left).
 */
#define _GNU_SOURCE
#include <fcntl.h>

#include "common.h"

static void usage(void)
{
	fprintf(stderr, "usage: sleeper [-m libc|raw|mono|abs] SECONDS OUTFILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *mode = "libc";
	struct timespec req, rem = { 0, 0 };
	long long secs;
	int64_t start, end;
	int fd, c, ret, err;

	close_extra_fds();
	while ((c = getopt(argc, argv, "m:")) != -1) {
		if (c != 'm')
			usage();
		mode = optarg;
	}
	if (argc - optind != 2 || (secs = parse_ll(argv[optind])) <= 0)
		usage();
	if (strcmp(mode, "libc") && strcmp(mode, "raw") && strcmp(mode, "mono") &&
	    strcmp(mode, "abs"))
		usage();

	fd = open(argv[optind + 1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(argv[optind + 1]);
		return 2;
	}
	req.tv_sec = secs;
	req.tv_nsec = 0;
	start = clock_ns(CLOCK_REALTIME);
	dprintf(fd, "pid=%d start_ns=%lld duration_ns=%lld mode=%s\n", getpid(),
		(long long)start, secs * 1000000000LL, mode);

	if (!strcmp(mode, "raw")) {
		ret = (int)syscall(SYS_nanosleep, &req, &rem);
		err = errno;
	} else if (!strcmp(mode, "mono")) {
		err = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
		ret = err ? -1 : 0;
	} else if (!strcmp(mode, "abs")) {
		struct timespec dl = {
			.tv_sec = (time_t)((start + secs * 1000000000LL) / 1000000000LL),
			.tv_nsec = (long)((start + secs * 1000000000LL) % 1000000000LL),
		};

		err = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &dl, NULL);
		ret = err ? -1 : 0;
	} else {
		ret = nanosleep(&req, &rem);
		err = errno;
	}
	end = clock_ns(CLOCK_REALTIME);

	dprintf(fd, "end_ns=%lld ret=%d pid=%d\n", (long long)end, ret, getpid());
	if (ret) {
		dprintf(fd, "errno=%d rem_ns=%lld\n", err,
			(long long)rem.tv_sec * 1000000000LL + rem.tv_nsec);
		fprintf(stderr, "sleeper: sleep returned %d (%s), %lld.%09ld s left\n",
			ret, strerror(err), (long long)rem.tv_sec, rem.tv_nsec);
		return 1;
	}
	return 0;
}
