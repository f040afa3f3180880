// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt: checkpoint a process to a file or stdout, decode images (show),
 * and report the tool and module versions.
 *
 *	ckpt [-v] [--kill|--stop] [-o FILE] PID
 *	ckpt show [-v] [FILE|-]
 *	ckpt version
 *	ckpt --help
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/ckpt.h>
#include "ckpt.h"
#include "util.h"

struct ckpt_opts {
	pid_t pid;
	unsigned int flags;		/* CKPT_CHECKPOINT_* */
	const char *output;		/* NULL or "-": stdout */
	int verbose;
};

struct ckpt_out {
	int fd;
	int is_file;			/* a regular file we created */
	const char *name;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ckpt [-v] [--kill|--stop] [-o FILE] PID\n"
		"       ckpt show [-v] [FILE|-]\n"
		"       ckpt version\n"
		"       ckpt --help\n"
		"\n"
		"Checkpoint process PID to FILE (or stdout) through %s.\n"
		"  -o, --output FILE  write the image to FILE (mode 0600); '-' or\n"
		"                     no -o: stdout, which must not be a terminal\n"
		"  -k, --kill         kill the process after the checkpoint\n"
		"  -s, --stop         leave the process stopped (SIGSTOP)\n"
		"  -v, --verbose      report the image size and time taken\n"
		"By default the process keeps running.\n"
		"\n"
		"show     decode an image (FILE, or stdin) for a human;\n"
		"         -v lists every PAGES record instead of one line per VMA\n"
		"version  print the tool's version and the loaded module's ABI\n"
		"\n"
		"Exit status: 0 success, 1 failure, 2 usage error.\n",
		CKPT_DEV_PATH);
}

static int usage_error(const char *msg, const char *arg)
{
	ckpt_fail(0, "%s%s%s", msg, arg ? ": " : "", arg ? arg : "");
	ckpt_hint("try 'ckpt --help'");
	return CKPT_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct ckpt_opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "kill", no_argument, NULL, 'k' },
		{ "stop", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+o:ksvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'k':
			o->flags |= CKPT_CHECKPOINT_KILL;
			break;
		case 's':
			o->flags |= CKPT_CHECKPOINT_LEAVE_STOPPED;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			exit(CKPT_EXIT_OK);
		default:
			return usage_error("bad option", NULL);
		}
	}
	if (o->flags == CKPT_CHECKPOINT_FLAGS_ALL)
		return usage_error("--kill and --stop exclude each other", NULL);
	if (optind != argc - 1)
		return usage_error(optind < argc ? "too many arguments" :
				   "missing PID", NULL);
	if (ckpt_parse_pid(argv[optind], &o->pid))
		return usage_error("bad PID, expected a positive number",
				   argv[optind]);
	return 0;
}

/* ---- output ------------------------------------------------------- */

static int open_output(const struct ckpt_opts *o, struct ckpt_out *out)
{
	struct stat st;

	if (!o->output || !strcmp(o->output, "-")) {
		out->fd = STDOUT_FILENO;
		out->name = "stdout";
		if (isatty(out->fd)) {
			ckpt_fail(0, "refusing to write an image to a terminal");
			ckpt_hint("use -o FILE, or redirect or pipe stdout");
			return CKPT_EXIT_USAGE;
		}
		/*
		 * A pipe as large as an unprivileged user may make it (1 MiB
		 * by default): fewer wakeups of the reader.  Best effort.
		 */
		if (!fstat(out->fd, &st) && S_ISFIFO(st.st_mode))
			ckpt_grow_pipe(out->fd);
		return 0;
	}
	out->name = o->output;
	out->fd = open(o->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		       0600);
	if (out->fd < 0) {
		ckpt_fail(errno, "cannot create %s: %s", o->output,
			  strerror(errno));
		return CKPT_EXIT_FAILED;
	}
	out->is_file = !fstat(out->fd, &st) && S_ISREG(st.st_mode);
	return 0;
}

/* Close the output; remove a partial file if the checkpoint failed. */
static int close_output(struct ckpt_out *out, int failed)
{
	int err = 0;

	if (out->fd == STDOUT_FILENO)
		return 0;
	if (close(out->fd) && !failed)
		err = -errno;
	if ((failed || err) && out->is_file)
		unlink(out->name);
	if (err)
		ckpt_fail(err, "cannot write the image to %s: %s", out->name,
			  strerror(-err));
	return err;
}

/* ---- failures ----------------------------------------------------- */

static const char *why_unsupported(int err)
{
	return err == -EOPNOTSUPP ? "is not supported yet" : strerror(-err);
}

static void report_fd(const struct ckpt_checkpoint_args *a, int err)
{
	char name[512];

	if (ckpt_proc_fd_name(a->pid, a->err_fd, name, sizeof(name)))
		snprintf(name, sizeof(name), "?");
	ckpt_fail(err, "cannot checkpoint %d: fd %d (%s) %s", a->pid,
		  a->err_fd, name, why_unsupported(err));
}

static void report_vma(const struct ckpt_checkpoint_args *a, int err)
{
	char name[512];

	if (ckpt_proc_vma_name(a->pid, a->err_addr, name, sizeof(name)))
		snprintf(name, sizeof(name), "?");
	ckpt_fail(err, "cannot checkpoint %d: mapping at 0x%llx (%s) %s",
		  a->pid, (unsigned long long)a->err_addr, name,
		  why_unsupported(err));
}

static void report_task(const struct ckpt_checkpoint_args *a, int err)
{
	long val = 0;

	if (err == -EOPNOTSUPP &&
	    !ckpt_proc_status_field(a->pid, "Seccomp", &val) && val) {
		ckpt_fail(err, "cannot checkpoint %d: it runs under seccomp, which cannot be saved yet",
			  a->pid);
	} else if (err == -EOPNOTSUPP) {
		ckpt_fail(err, "cannot checkpoint %d: it uses CPU-time interval timers or POSIX timers, or lives in other namespaces than yours, which cannot be saved yet",
			  a->pid);
	} else if (err == -EBUSY &&
		   !ckpt_proc_status_field(a->pid, "TracerPid", &val) && val) {
		ckpt_fail(err, "cannot checkpoint %d: it is being traced by process %ld",
			  a->pid, val);
		ckpt_hint("detach the debugger or tracer, then try again");
	} else if (err == -EBUSY) {
		ckpt_fail(err, "cannot checkpoint %d: it did not stop in time (uninterruptible sleep?) or is being checkpointed already",
			  a->pid);
		ckpt_hint("try again later");
	} else if (err == -ESRCH) {
		ckpt_fail(err, "cannot checkpoint %d: it exited", a->pid);
	} else if (err == -EINTR) {
		ckpt_fail(err, "cannot checkpoint %d: interrupted; the process continues",
			  a->pid);
	} else {
		ckpt_fail(err, "cannot checkpoint %d: its task state %s",
			  a->pid, why_unsupported(err));
	}
}

static void report_plain(const struct ckpt_checkpoint_args *a, int err)
{
	switch (-err) {
	case ESRCH:
		ckpt_fail(err, "cannot checkpoint %d: no such process",
			  a->pid);
		break;
	case EPERM:
		ckpt_fail(err, "cannot checkpoint %d: permission denied (you may not ptrace it)",
			  a->pid);
		ckpt_hint("run as root or as the process's owner; see also /proc/sys/kernel/yama/ptrace_scope");
		break;
	case EDEADLK:
		ckpt_fail(err, "cannot checkpoint %d: a process cannot checkpoint itself",
			  a->pid);
		break;
	case EINVAL:
	case ENOTTY:
		ckpt_fail(err, "cannot checkpoint %d: the ckpt module rejected the request",
			  a->pid);
		ckpt_hint("the tools and the module may be from different versions: see 'ckpt version'");
		break;
	default:
		ckpt_fail(err, "cannot checkpoint %d: %s", a->pid,
			  strerror(-err));
	}
}

/* What the module's err_object says, for the message. */
static const char *object_name(uint32_t obj)
{
	switch (obj) {
	case CKPT_OBJ_XSTATE:
		return "its CPU (XSAVE) state";
	case CKPT_OBJ_CREDS:
		return "its credentials";
	case CKPT_OBJ_FS:
		return "its working or root directory";
	case CKPT_OBJ_SIGNALS:
		return "its signal state";
	default:
		return NULL;
	}
}

static void report_checkpoint(const struct ckpt_checkpoint_args *a,
			      const struct ckpt_out *out, int err)
{
	const char *obj = object_name(a->err_object);

	if (a->err_object == CKPT_OBJ_FD)
		report_fd(a, err);
	else if (a->err_object == CKPT_OBJ_VMA)
		report_vma(a, err);
	else if (a->err_object == CKPT_OBJ_TASK)
		report_task(a, err);
	else if (a->err_object == CKPT_OBJ_OUTPUT)
		ckpt_fail(err, "cannot checkpoint %d: writing the image to %s failed: %s",
			  a->pid, out->name, strerror(-err));
	else if (obj)
		ckpt_fail(err, "cannot checkpoint %d: %s %s", a->pid, obj,
			  why_unsupported(err));
	else
		report_plain(a, err);
}

/* ---- checkpoint --------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int checkpoint(const struct ckpt_opts *o)
{
	struct ckpt_checkpoint_args a;
	struct ckpt_out out = { .fd = -1 };
	int dev, err, ret;
	double t0;

	ret = open_output(o, &out);
	if (ret)
		return ret;
	dev = ckpt_dev_open();
	if (dev < 0) {
		ckpt_dev_report(dev);
		close_output(&out, 1);
		return CKPT_EXIT_FAILED;
	}
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = o->flags;
	a.pid = o->pid;
	a.fd = out.fd;
	t0 = now_s();
	err = ioctl(dev, CKPT_IOC_CHECKPOINT, &a) ? -errno : 0;
	if (err)
		report_checkpoint(&a, &out, err);
	close(dev);
	if (close_output(&out, !!err) || err)
		return CKPT_EXIT_FAILED;
	if (o->verbose)
		ckpt_hint("checkpointed %d: %llu bytes in %.3f s", o->pid,
			  (unsigned long long)a.bytes_written, now_s() - t0);
	return CKPT_EXIT_OK;
}

static int checkpoint_main(int argc, char **argv)
{
	struct ckpt_opts o = { .pid = 0 };
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret;
	/* A reader that went away must give EPIPE, not kill us silently. */
	signal(SIGPIPE, SIG_IGN);
	return checkpoint(&o);
}

/* ---- version ------------------------------------------------------ */

static void print_features(uint64_t f)
{
	static const char *const names[] = { "checkpoint", "restore",
					     "xstate" };
	unsigned int i;
	int first = 1;

	for (i = 0; i < 64; i++) {
		if (!(f & (1ULL << i)))
			continue;
		if (i < ARRAY_SIZE(names))
			printf("%s%s", first ? "" : ",", names[i]);
		else
			printf("%sbit%u", first ? "" : ",", i);
		first = 0;
	}
	printf("%s)\n", first ? "none" : "");
}

static int version_main(int argc, char **argv)
{
	struct ckpt_version v;
	char xf[512];
	int dev, err;

	(void)argv;
	if (argc > 1)
		return usage_error("'version' takes no arguments", NULL);
	printf("ckpt tools %s (ABI %d, image format %d)\n",
	       CKPT_TOOLS_VERSION, CKPT_ABI_VERSION, CKPT_IMAGE_VERSION);
	fflush(stdout);
	dev = ckpt_dev_open();
	if (dev < 0) {
		ckpt_dev_report(dev);
		return CKPT_EXIT_FAILED;
	}
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	err = ioctl(dev, CKPT_IOC_VERSION, &v) ? -errno : 0;
	close(dev);
	if (err) {
		ckpt_fail(err, "cannot query the ckpt module's version: %s",
			  strerror(-err));
		return CKPT_EXIT_FAILED;
	}
	printf("module: ABI %u, image format %u, features 0x%llx (",
	       v.abi_version, v.image_version,
	       (unsigned long long)v.features);
	print_features(v.features);
	printf("module: checkpoint flags 0x%llx, restore flags 0x%llx\n",
	       (unsigned long long)v.checkpoint_flags,
	       (unsigned long long)v.restore_flags);
	ckpt_xfeature_names(v.xfeatures, xf, sizeof(xf));
	printf("cpu: xfeatures 0x%llx (%s)\n",
	       (unsigned long long)v.xfeatures, xf);
	return CKPT_EXIT_OK;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	ckpt_prog = "ckpt";
	if (cmd && !strcmp(cmd, "show"))
		return ckpt_show_main(argc - 1, argv + 1);
	if (cmd && !strcmp(cmd, "version"))
		return version_main(argc - 1, argv + 1);
	if (cmd && (!strcmp(cmd, "help") || !strcmp(cmd, "--help") ||
		    !strcmp(cmd, "-h"))) {
		usage(stdout);
		return CKPT_EXIT_OK;
	}
	return checkpoint_main(argc, argv);
}
