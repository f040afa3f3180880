// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt: checkpoint a process to a file or stdout, decode images (show),
 * and report the tool and module versions.
 *
 *	ckpt [-v] [--tree] [--kill|--stop] [-o FILE] PID
 *	ckpt show [-v] [FILE|-]
 *	ckpt version
 *	ckpt --help
 */
#include <dirent.h>
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
	int tree;			/* PID and its descendants */
};

struct ckpt_out {
	int fd;
	int is_file;			/* a regular file we created */
	const char *name;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ckpt [-v] [--tree] [--kill|--stop] [-o FILE] PID\n"
		"       ckpt show [-v] [FILE|-]\n"
		"       ckpt version\n"
		"       ckpt --help\n"
		"\n"
		"Checkpoint process PID to FILE (or stdout) through %s.\n"
		"  -o, --output FILE  write the image to FILE (mode 0600); '-' or\n"
		"                     no -o: stdout, which must not be a terminal\n"
		"  -k, --kill         kill the process after the checkpoint\n"
		"  -s, --stop         leave the process stopped (SIGSTOP)\n"
		"  -t, --tree         the process and all its descendants, in one\n"
		"                     image, frozen together (restart recreates\n"
		"                     the tree with every PID, group and session)\n"
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
		{ "tree", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+o:kstvh", longopts, NULL)) != -1) {
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
		case 't':
			o->tree = 1;
			break;
		case 'h':
			usage(stdout);
			exit(CKPT_EXIT_OK);
		default:
			return usage_error("bad option", NULL);
		}
	}
	if ((o->flags & CKPT_CHECKPOINT_KILL) &&
	    (o->flags & CKPT_CHECKPOINT_LEAVE_STOPPED))
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

/* Whom a failure is about: "1234", or "tree 1234: process 1240". */
static char who[96];
static pid_t at;		/* the process at fault, for /proc */

static void set_who(const struct ckpt_checkpoint_args *a)
{
	at = a->err_pid > 0 ? a->err_pid : a->pid;
	if (a->flags & CKPT_CHECKPOINT_TREE)
		snprintf(who, sizeof(who), "tree %d: process %d", a->pid, at);
	else
		snprintf(who, sizeof(who), "%d", a->pid);
}

static const char *why_unsupported(int err)
{
	return err == -EOPNOTSUPP ? "is not supported yet" : strerror(-err);
}

static void report_fd(const struct ckpt_checkpoint_args *a, int err)
{
	char name[512];

	if (ckpt_proc_fd_name(at, a->err_fd, name, sizeof(name)))
		snprintf(name, sizeof(name), "?");
	if (err == -EOPNOTSUPP && !strncmp(name, "pipe:", 5))
		ckpt_fail(err, "cannot checkpoint %s: fd %d (%s) is a pipe with an end held outside the %s, which is not supported yet",
			  who, a->err_fd, name,
			  (a->flags & CKPT_CHECKPOINT_TREE) ? "tree" :
			  "process");
	else
		ckpt_fail(err, "cannot checkpoint %s: fd %d (%s) %s", who,
			  a->err_fd, name, why_unsupported(err));
}

static void report_vma(const struct ckpt_checkpoint_args *a, int err)
{
	char name[512];

	if (ckpt_proc_vma_name(at, a->err_addr, name, sizeof(name)))
		snprintf(name, sizeof(name), "?");
	if (err == -EOPNOTSUPP && !strncmp(name, "/dev/zero", 9))
		ckpt_fail(err, "cannot checkpoint %s: mapping at 0x%llx is shared anonymous memory mapped by a process outside the %s too, or only in part, which is not supported yet",
			  who, (unsigned long long)a->err_addr,
			  (a->flags & CKPT_CHECKPOINT_TREE) ? "tree" :
			  "process");
	else
		ckpt_fail(err, "cannot checkpoint %s: mapping at 0x%llx (%s) %s",
			  who, (unsigned long long)a->err_addr, name,
			  why_unsupported(err));
}

/* Is @pid a zombie? */
static int proc_zombie(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (ckpt_read_line(path, buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

static void report_task(const struct ckpt_checkpoint_args *a, int err)
{
	long val = 0;

	if (err == -EOPNOTSUPP && proc_zombie(at)) {
		ckpt_fail(err, "cannot checkpoint %s: it is a zombie (exited, not yet waited for by its parent), which cannot be saved yet",
			  who);
		ckpt_hint("let its parent reap it (wait) first");
	} else if (err == -EOPNOTSUPP && (a->flags & CKPT_CHECKPOINT_TREE) &&
		   !ckpt_proc_status_field(at, "Threads", &val) && val > 1) {
		ckpt_fail(err, "cannot checkpoint %s: it has %ld threads; multi-threaded processes in a tree cannot be saved yet",
			  who, val);
	} else if (err == -EOPNOTSUPP &&
	    !ckpt_proc_status_field(at, "Seccomp", &val) && val) {
		ckpt_fail(err, "cannot checkpoint %s: it runs under seccomp, which cannot be saved yet",
			  who);
	} else if (err == -EOPNOTSUPP) {
		ckpt_fail(err, "cannot checkpoint %s: it uses CPU-time interval timers or POSIX timers, shares its file table, fs or signal handlers with another process, or lives in other namespaces than yours, which cannot be saved yet",
			  who);
	} else if (err == -EBUSY &&
		   !ckpt_proc_status_field(at, "TracerPid", &val) && val) {
		ckpt_fail(err, "cannot checkpoint %s: it is being traced by process %ld",
			  who, val);
		ckpt_hint("detach the debugger or tracer, then try again");
	} else if (err == -EBUSY) {
		ckpt_fail(err, "cannot checkpoint %s: it did not stop in time (uninterruptible sleep?) or is being checkpointed already",
			  who);
		ckpt_hint("try again later");
	} else if (err == -ESRCH) {
		ckpt_fail(err, "cannot checkpoint %s: it exited", who);
	} else if (err == -EINTR) {
		ckpt_fail(err, "cannot checkpoint %s: interrupted; the process continues",
			  who);
	} else {
		ckpt_fail(err, "cannot checkpoint %s: its task state %s",
			  who, why_unsupported(err));
	}
}

static void report_plain(int err)
{
	switch (-err) {
	case ESRCH:
		ckpt_fail(err, "cannot checkpoint %s: no such process",
			  who);
		break;
	case EPERM:
		ckpt_fail(err, "cannot checkpoint %s: permission denied (you may not ptrace it)",
			  who);
		ckpt_hint("run as root or as the process's owner; see also /proc/sys/kernel/yama/ptrace_scope");
		break;
	case EDEADLK:
		ckpt_fail(err, "cannot checkpoint %s: a process cannot checkpoint itself",
			  who);
		break;
	case EINVAL:
	case ENOTTY:
		ckpt_fail(err, "cannot checkpoint %s: the ckpt module rejected the request",
			  who);
		ckpt_hint("the tools and the module may be from different versions: see 'ckpt version'");
		break;
	default:
		ckpt_fail(err, "cannot checkpoint %s: %s", who,
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

	set_who(a);
	if (a->err_object == CKPT_OBJ_TREE && a->err_addr == (uint64_t)at)
		ckpt_fail(err, "cannot checkpoint tree %d: the parent of process %d is not listed before it (the tree changed while it was listed?)",
			  a->pid, at);
	else if (a->err_object == CKPT_OBJ_TREE)
		ckpt_fail(err, "cannot checkpoint tree %d: process %llu, a child of process %d, is not in the tree (it was born while the tree was listed?)",
			  a->pid, (unsigned long long)a->err_addr, at);
	else if (a->err_object == CKPT_OBJ_FD)
		report_fd(a, err);
	else if (a->err_object == CKPT_OBJ_VMA)
		report_vma(a, err);
	else if (a->err_object == CKPT_OBJ_TASK)
		report_task(a, err);
	else if (a->err_object == CKPT_OBJ_OUTPUT)
		ckpt_fail(err, "cannot checkpoint %s: writing the image to %s failed: %s",
			  who, out->name, strerror(-err));
	else if (obj)
		ckpt_fail(err, "cannot checkpoint %s: %s %s", who, obj,
			  why_unsupported(err));
	else
		report_plain(err);
}

/* ---- checkpoint --------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Add @pid and its descendants to @pids, parents first (the children of
 * every thread, from /proc/PID/task/TID/children).
 */
static int list_tree(pid_t pid, int32_t *pids, unsigned int *n)
{
	char path[64], buf[8192], *p, *end;
	struct dirent *de;
	unsigned int first;
	DIR *dir;
	int err = 0;

	if (*n >= CKPT_MAX_TREE)
		return -E2BIG;
	first = (*n)++;
	pids[first] = pid;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir && errno == ENOENT && first) {
		(*n)--;		/* a child that exited meanwhile */
		return 0;
	}
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while (!err && (de = readdir(dir))) {
		ssize_t len;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children",
			 (int)pid, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;	/* the thread is gone */
		len = ckpt_read_full(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len < 0 || len == sizeof(buf) - 1) {
			err = len < 0 ? (int)len : -E2BIG;
			break;
		}
		buf[len] = '\0';
		for (p = buf; !err && *p; p = end) {
			long c = strtol(p, &end, 10);

			if (end == p)
				break;
			if (c > 0)
				err = list_tree((pid_t)c, pids, n);
		}
	}
	closedir(dir);
	return err;
}

static int checkpoint_ioctl(const struct ckpt_opts *o, int dev, int fd,
			    struct ckpt_checkpoint_args *a, int32_t *pids,
			    int *reported)
{
	unsigned int n = 0, tries = 3;
	int err;

	for (;;) {
		memset(a, 0, sizeof(*a));
		a->size = sizeof(*a);
		a->flags = o->flags;
		a->pid = o->pid;
		a->fd = fd;
		if (o->tree) {
			n = 0;
			err = list_tree(o->pid, pids, &n);
			if (err == -E2BIG) {
				ckpt_fail(err, "cannot checkpoint tree %d: it has more than %d processes",
					  o->pid, CKPT_MAX_TREE);
				*reported = 1;
				return err;
			}
			if (err) {
				ckpt_fail(err, "cannot checkpoint tree %d: %s",
					  o->pid, err == -ESRCH ?
					  "no such process" :
					  "listing its descendants failed");
				*reported = 1;
				return err;
			}
			a->flags |= CKPT_CHECKPOINT_TREE;
			a->pids = (uintptr_t)pids;
			a->nr_pids = n;
		}
		err = ioctl(dev, CKPT_IOC_CHECKPOINT, a) ? -errno : 0;
		/* The tree changed between listing and freezing: again. */
		if (!o->tree || (err != -ECHILD && err != -ESRCH) ||
		    a->bytes_written || !--tries)
			break;
	}
	if (err == -ESRCH && o->tree && !a->err_pid)
		a->err_pid = o->pid;
	return err;
}

static int checkpoint(const struct ckpt_opts *o)
{
	struct ckpt_checkpoint_args a;
	struct ckpt_out out = { .fd = -1 };
	int32_t pids[CKPT_MAX_TREE];
	int dev, err, ret, reported = 0;
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
	t0 = now_s();
	err = checkpoint_ioctl(o, dev, out.fd, &a, pids, &reported);
	if (err && !reported)
		report_checkpoint(&a, &out, err);
	close(dev);
	if (close_output(&out, !!err) || err)
		return CKPT_EXIT_FAILED;
	if (o->verbose)
		ckpt_hint("checkpointed %s%d: %llu bytes in %.3f s",
			  o->tree ? "tree " : "", o->pid,
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
					     "xstate", "threads", "trees" };
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
