// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt: checkpoint a process to a file or stdout, decode images (show),
 * and report the tool and module versions.
 *
 *	ckpt [-v] [--tree] [--kill|--stop] [--skip=CLASS,...] [-o FILE] PID
 *	ckpt migrate [-v] [--timeout S] PID --to DEST
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
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/ckpt.h>
#include "ckpt.h"
#include "migrate.h"
#include "util.h"

struct ckpt_opts {
	pid_t pid;
	unsigned int flags;		/* CKPT_CHECKPOINT_* */
	const char *output;		/* NULL or "-": stdout */
	int verbose;
	int tree;			/* PID and its descendants */
	unsigned int skip;		/* CKPT_SKIP_* */
};

struct ckpt_out {
	int fd;
	int is_file;			/* a regular file we created */
	const char *name;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ckpt [-v] [--tree] [--kill|--stop] [--skip=CLASS,...] [-o FILE] PID\n"
		"       ckpt migrate [-v] [--timeout S] PID --to DEST\n"
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
		"  --skip=CLASS,...   accept losing what CLASS names instead of a\n"
		"                     refusal; 'ckpt show' and restart list it:\n"
		"                     fds      descriptors of unsupported kinds\n"
		"                              (sockets, io_uring, inotify, /dev/tty\n"
		"                              ...): closed after restart\n"
		"                     devmaps  device mappings: unmapped after\n"
		"                              restart\n"
		"  -v, --verbose      report the image size and time taken\n"
		"By default the process keeps running.\n"
		"\n"
		"migrate  move PID to DEST (vsock:CID:PORT, tcp:HOST:PORT, HOST:PORT\n"
		"         or file:PATH) where 'restart --listen' runs; see\n"
		"         'ckpt migrate --help'\n"
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

/* "fds,devmaps" into CKPT_SKIP_* bits. */
static int parse_skip(const char *arg, unsigned int *skip)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} classes[] = {
		{ "fds", CKPT_SKIP_FDS },
		{ "devmaps", CKPT_SKIP_DEVMAPS },
	};
	const char *p = arg;
	size_t len, i;

	while (*p) {
		len = strcspn(p, ",");
		for (i = 0; i < ARRAY_SIZE(classes); i++)
			if (len == strlen(classes[i].name) &&
			    !strncmp(p, classes[i].name, len))
				break;
		if (i == ARRAY_SIZE(classes))
			return -1;
		*skip |= classes[i].bit;
		p += len;
		if (*p == ',' && *++p == 0)
			return -1;
	}
	return *skip ? 0 : -1;
}

static int parse_args(int argc, char **argv, struct ckpt_opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "kill", no_argument, NULL, 'k' },
		{ "stop", no_argument, NULL, 's' },
		{ "tree", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "skip", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+o:kstvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			if (parse_skip(optarg, &o->skip))
				return usage_error("bad --skip class, expected fds or devmaps",
						   optarg);
			break;
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
	else if (err == -EOPNOTSUPP && !strcmp(name, "/dev/tty")) {
		ckpt_fail(err, "cannot checkpoint %s: fd %d is /dev/tty, the controlling terminal by its alias, which restart does not reopen",
			  who, a->err_fd);
		ckpt_hint("open the terminal by its own path (/dev/pts/N), or --skip=fds to leave fd %d out (closed after restart)",
			  a->err_fd);
	} else if (err == -EOPNOTSUPP && (!strcmp(name, "/dev/ptmx") ||
					  !strcmp(name, "/dev/pts/ptmx"))) {
		ckpt_fail(err, "cannot checkpoint %s: fd %d (%s) is a pseudo-terminal master: pty pairs are not restored (only a slave whose master another process holds)",
			  who, a->err_fd, name);
		ckpt_hint("--skip=fds leaves it out (closed after restart)");
	} else {
		ckpt_fail(err, "cannot checkpoint %s: fd %d (%s) %s", who,
			  a->err_fd, name, why_unsupported(err));
		if (err == -EOPNOTSUPP && !(a->skip & CKPT_SKIP_FDS))
			ckpt_hint("--skip=fds would leave such descriptors out (closed after restart)");
	}
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
		a->skip = o->skip;
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
	if (a.nr_skipped)
		ckpt_hint("left out %u object%s as --skip allows: see 'ckpt show'",
			  a.nr_skipped, a.nr_skipped == 1 ? "" : "s");
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

/* ---- migrate ------------------------------------------------------ */

/* Exit codes of 'ckpt migrate' besides 0, 1 (source side) and 2 (usage). */
#define MIG_EXIT_LINK		3	/* destination unreachable, link broke */
#define MIG_EXIT_REFUSED	4	/* destination refused or failed */
#define MIG_EXIT_TIMEOUT	5	/* --timeout passed */

#define MIG_DEFAULT_TIMEOUT	60	/* seconds */
#define MIG_LATE_VERDICT_MS	2000	/* a refusal explaining a broken send */

struct mig_opts {
	pid_t pid;
	const char *dest;
	struct ckpt_addr addr;
	char dest_name[4200];
	int timeout_s;
	int verbose;
};

struct mig {
	const struct mig_opts *o;
	int pidfd;
	int dev;
	int out;
	int was_stopped;	/* by job control, before we came */
	int64_t t_start;	/* connecting */
	int64_t t0;		/* freeze (checkpoint start) */
	int64_t deadline;
	struct ckpt_checkpoint_args a;
	struct ckpt_mig_verdict v;
};

static volatile sig_atomic_t mig_alarm;

static void mig_on_alarm(int sig)
{
	(void)sig;
	mig_alarm = 1;
}

static void migrate_usage(FILE *f)
{
	fprintf(f,
		"usage: ckpt migrate [-v] [--timeout S] PID --to DEST\n"
		"\n"
		"Move process PID to DEST, keeping its PID.  DEST is\n"
		"  vsock:CID:PORT   'restart --listen vsock:any:PORT' on VM CID\n"
		"  tcp:HOST:PORT    (or HOST:PORT) 'restart --listen tcp::PORT'\n"
		"  file:PATH        an image file (the process is removed once\n"
		"                   the file is written and synced)\n"
		"The process stays frozen while its image streams to DEST and is\n"
		"killed only once DEST reports it restored; on any failure it\n"
		"resumes where it was.\n"
		"  -t, --timeout S  give up (and resume it) after S seconds\n"
		"                   (default %d)\n"
		"  -v, --verbose    progress on stderr\n"
		"  --live           pre-copy migration: not implemented yet\n"
		"  --tree           the process and its descendants: not yet\n"
		"On success prints one line on stdout:\n"
		"  migrated pid=P to=DEST new_pid=P bytes=N downtime_ms=D total_ms=T\n"
		"Exit status: 0 migrated; 1 the source side failed (nothing\n"
		"sent or the checkpoint refused); 2 usage; 3 DEST unreachable or\n"
		"the connection broke; 4 DEST refused or failed the restore;\n"
		"5 timeout.  In all failures the process runs on.\n",
		MIG_DEFAULT_TIMEOUT);
}

static int migrate_usage_error(const char *msg, const char *arg)
{
	ckpt_fail(0, "%s%s%s", msg, arg ? ": " : "", arg ? arg : "");
	ckpt_hint("try 'ckpt migrate --help'");
	return CKPT_EXIT_USAGE;
}

static int migrate_args(int argc, char **argv, struct mig_opts *o)
{
	enum { OPT_LIVE = 256, OPT_TREE };
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 'T' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "live", no_argument, NULL, OPT_LIVE },
		{ "tree", no_argument, NULL, OPT_TREE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *why;
	uint64_t t;
	int c;

	o->timeout_s = MIG_DEFAULT_TIMEOUT;
	while ((c = getopt_long(argc, argv, "T:t:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'T':
			o->dest = optarg;
			break;
		case 't':
			if (ckpt_parse_u64(optarg, &t) || !t || t > 86400)
				return migrate_usage_error("bad --timeout, expected 1..86400 seconds",
							   optarg);
			o->timeout_s = (int)t;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case OPT_LIVE:
			ckpt_fail(-EOPNOTSUPP, "--live (pre-copy) migration is not implemented yet; without --live the process is frozen for the whole transfer");
			return CKPT_EXIT_USAGE;
		case OPT_TREE:
			ckpt_fail(-EOPNOTSUPP, "--tree is not supported yet: only a single process can be migrated");
			return CKPT_EXIT_USAGE;
		case 'h':
			migrate_usage(stdout);
			exit(CKPT_EXIT_OK);
		default:
			return migrate_usage_error("bad option", NULL);
		}
	}
	if (!o->dest)
		return migrate_usage_error("missing --to DEST", NULL);
	if (optind != argc - 1)
		return migrate_usage_error(optind < argc ? "too many arguments" :
					   "missing PID", NULL);
	if (ckpt_parse_pid(argv[optind], &o->pid))
		return migrate_usage_error("bad PID, expected a positive number",
					   argv[optind]);
	if (ckpt_addr_parse(o->dest, &o->addr, &why))
		return migrate_usage_error(why, o->dest);
	ckpt_addr_format(&o->addr, o->dest_name, sizeof(o->dest_name));
	return 0;
}

static int mig_left_ms(const struct mig *m)
{
	int64_t left = m->deadline - ckpt_now_ms();

	return left > 0 ? (int)left : 0;
}

/* Let the frozen source run on (it was left stopped by the checkpoint). */
static void mig_resume(struct mig *m)
{
	if (m->was_stopped)
		return;
	if (pidfd_send_signal(m->pidfd, SIGCONT, NULL, 0))
		ckpt_fail(errno, "cannot resume %d after the failed migration: %s",
			  m->o->pid, strerror(errno));
	else if (m->o->verbose)
		ckpt_hint("%d resumed", m->o->pid);
}

/* Kill the source and wait until it is gone. */
static int mig_remove_source(struct mig *m)
{
	struct pollfd p = { .fd = m->pidfd, .events = POLLIN };

	if (pidfd_send_signal(m->pidfd, SIGKILL, NULL, 0) && errno != ESRCH) {
		ckpt_fail(errno, "migrated %d, but cannot kill the original: %s",
			  m->o->pid, strerror(errno));
		return -1;
	}
	while (poll(&p, 1, 10000) < 0 && errno == EINTR)
		;
	return 0;
}

static void mig_success(struct mig *m, int new_pid)
{
	int64_t now = ckpt_now_ms();

	printf("migrated pid=%d to=%s new_pid=%d bytes=%llu downtime_ms=%lld total_ms=%lld\n",
	       m->o->pid, m->o->dest_name, new_pid,
	       (unsigned long long)m->a.bytes_written,
	       (long long)(now - m->t0), (long long)(now - m->t_start));
	fflush(stdout);
}

/* Arm SIGALRM for the deadline: it interrupts the checkpoint (EINTR). */
static void mig_arm(struct mig *m)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa;
	int left = mig_left_ms(m);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = mig_on_alarm;	/* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	it.it_value.tv_sec = left / 1000;
	it.it_value.tv_usec = (left % 1000) * 1000 + 1;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void mig_disarm(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static int mig_checkpoint(struct mig *m)
{
	memset(&m->a, 0, sizeof(m->a));
	m->a.size = sizeof(m->a);
	m->a.flags = CKPT_CHECKPOINT_LEAVE_STOPPED;
	m->a.pid = m->o->pid;
	m->a.fd = m->out;
	m->t0 = ckpt_now_ms();
	mig_arm(m);
	if (ioctl(m->dev, CKPT_IOC_CHECKPOINT, &m->a)) {
		int err = -errno;

		mig_disarm();
		return err;
	}
	mig_disarm();
	if (m->o->verbose)
		ckpt_hint("%d frozen and sent: %llu bytes in %lld ms", m->o->pid,
			  (unsigned long long)m->a.bytes_written,
			  (long long)(ckpt_now_ms() - m->t0));
	return 0;
}

/* The checkpoint failed: the module resumed the source. Say why. */
static int mig_send_failed(struct mig *m, int err)
{
	struct ckpt_out out = { .fd = m->out, .name = m->o->dest_name };
	int ret;

	if (mig_alarm && err == -EINTR) {
		ckpt_fail(-ETIMEDOUT, "cannot migrate %d to %s: no progress within %d s while sending the image; %d resumed",
			  m->o->pid, m->o->dest_name, m->o->timeout_s,
			  m->o->pid);
		return MIG_EXIT_TIMEOUT;
	}
	if (m->a.err_object != CKPT_OBJ_OUTPUT) {
		report_checkpoint(&m->a, &out, err);
		ckpt_hint("nothing was migrated; %d runs on", m->o->pid);
		return CKPT_EXIT_FAILED;
	}
	if (m->o->addr.kind == CKPT_ADDR_FILE) {
		ckpt_fail(err, "cannot migrate %d to %s: writing the image failed: %s; %d runs on",
			  m->o->pid, m->o->dest_name, strerror(-err),
			  m->o->pid);
		return CKPT_EXIT_FAILED;
	}
	/* The receiver may have said why it stopped reading. */
	ret = ckpt_mig_recv(m->out, &m->v, sizeof(m->v), MIG_LATE_VERDICT_MS);
	if (!ret && !ckpt_mig_verdict_check(&m->v) && m->v.error) {
		ckpt_fail(-m->v.error, "cannot migrate %d: %s failed (%s): %s; %d resumed",
			  m->o->pid, m->o->dest_name,
			  ckpt_mig_stage_name(m->v.stage), m->v.msg,
			  m->o->pid);
		return MIG_EXIT_REFUSED;
	}
	ckpt_fail(err, "cannot migrate %d: the connection to %s broke while sending the image (the receiver died or closed it): %s; %d resumed",
		  m->o->pid, m->o->dest_name, strerror(-err), m->o->pid);
	return MIG_EXIT_LINK;
}

/* The source is frozen and its image sent: wait for the verdict. */
static int mig_finish(struct mig *m)
{
	struct ckpt_mig_commit c;
	int err;

	err = ckpt_mig_recv(m->out, &m->v, sizeof(m->v), mig_left_ms(m));
	if (!err)
		err = ckpt_mig_verdict_check(&m->v);
	if (err == -ETIMEDOUT) {
		mig_resume(m);
		ckpt_fail(err, "cannot migrate %d: %s gave no verdict within %d s; %d resumed",
			  m->o->pid, m->o->dest_name, m->o->timeout_s,
			  m->o->pid);
		return MIG_EXIT_TIMEOUT;
	}
	if (err) {
		mig_resume(m);
		ckpt_fail(err, "cannot migrate %d: %s %s; %d resumed", m->o->pid,
			  m->o->dest_name, err == -ENODATA ?
			  "closed the connection without a verdict" :
			  err == -EBADMSG || err == -EPROTO ?
			  "sent a bad verdict" : "could not be read",
			  m->o->pid);
		return MIG_EXIT_LINK;
	}
	if (m->v.error) {
		mig_resume(m);
		ckpt_fail(-m->v.error, "cannot migrate %d: %s failed (%s): %s; %d resumed",
			  m->o->pid, m->o->dest_name,
			  ckpt_mig_stage_name(m->v.stage), m->v.msg,
			  m->o->pid);
		return MIG_EXIT_REFUSED;
	}
	memset(&c, 0, sizeof(c));
	c.what = m->v.pid == m->o->pid ? CKPT_MIG_COMMIT : CKPT_MIG_ABORT;
	ckpt_mig_commit_seal(&c);
	err = ckpt_mig_send(m->out, &c, sizeof(c));
	if (err || c.what != CKPT_MIG_COMMIT) {
		mig_resume(m);
		if (err)
			ckpt_fail(err, "cannot migrate %d: the connection to %s broke before the commit (it removes its copy): %s; %d resumed",
				  m->o->pid, m->o->dest_name, strerror(-err),
				  m->o->pid);
		else
			ckpt_fail(-EPROTO, "cannot migrate %d: %s restored it as pid %d; aborted; %d resumed",
				  m->o->pid, m->o->dest_name, m->v.pid,
				  m->o->pid);
		return MIG_EXIT_LINK;
	}
	mig_success(m, m->v.pid);
	if (mig_remove_source(m))
		return CKPT_EXIT_FAILED;
	return CKPT_EXIT_OK;
}

static int mig_open_dest(struct mig *m)
{
	const struct mig_opts *o = m->o;
	struct ckpt_mig_hello h;
	int err;

	if (o->addr.kind == CKPT_ADDR_FILE) {
		m->out = open(o->addr.path, O_WRONLY | O_CREAT | O_TRUNC |
			      O_CLOEXEC, 0600);
		if (m->out < 0) {
			ckpt_fail(errno, "cannot create %s: %s", o->addr.path,
				  strerror(errno));
			return CKPT_EXIT_FAILED;
		}
		return 0;
	}
	if (o->verbose)
		ckpt_hint("connecting to %s", o->dest_name);
	m->out = ckpt_addr_connect(&o->addr, mig_left_ms(m));
	if (m->out < 0) {
		ckpt_fail(m->out, "cannot migrate %d: cannot connect to %s: %s; nothing was done",
			  o->pid, o->dest_name, strerror(-m->out));
		ckpt_hint("is 'restart --listen' running there?");
		return m->out == -ETIMEDOUT ? MIG_EXIT_TIMEOUT : MIG_EXIT_LINK;
	}
	memset(&h, 0, sizeof(h));
	h.pid = o->pid;
	gethostname(h.node, sizeof(h.node) - 1);
	ckpt_mig_hello_seal(&h);
	err = ckpt_mig_send(m->out, &h, sizeof(h));
	if (err) {
		ckpt_fail(err, "cannot migrate %d: sending the handshake to %s failed: %s; nothing was done",
			  o->pid, o->dest_name, strerror(-err));
		return MIG_EXIT_LINK;
	}
	return 0;
}

/* file:PATH: the image is safe once synced; then the source goes. */
static int mig_finish_file(struct mig *m)
{
	if (fsync(m->out) || close(m->out)) {
		int err = -errno;

		m->out = -1;
		unlink(m->o->addr.path);
		mig_resume(m);
		ckpt_fail(err, "cannot migrate %d to %s: syncing the image failed: %s; %d resumed",
			  m->o->pid, m->o->dest_name, strerror(-err),
			  m->o->pid);
		return CKPT_EXIT_FAILED;
	}
	m->out = -1;
	mig_success(m, m->o->pid);
	return mig_remove_source(m) ? CKPT_EXIT_FAILED : CKPT_EXIT_OK;
}

/* Stopped by job control (state T)?  Then a failure leaves it stopped. */
static int proc_stopped(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (ckpt_read_line(path, buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'T';
}

static int migrate(const struct mig_opts *o)
{
	struct mig m = { .o = o, .pidfd = -1, .dev = -1, .out = -1 };
	int ret, err;

	m.t_start = ckpt_now_ms();
	m.deadline = m.t_start + (int64_t)o->timeout_s * 1000;
	/* Pin the process: a PID reused meanwhile is never signalled. */
	m.pidfd = pidfd_open(o->pid, 0);
	if (m.pidfd < 0) {
		ckpt_fail(errno, "cannot migrate %d: %s", o->pid,
			  errno == ESRCH ? "no such process" : strerror(errno));
		return CKPT_EXIT_FAILED;
	}
	m.was_stopped = proc_stopped(o->pid);
	m.dev = ckpt_dev_open();
	if (m.dev < 0) {
		ckpt_dev_report(m.dev);
		ret = CKPT_EXIT_FAILED;
		goto out;
	}
	ret = mig_open_dest(&m);
	if (ret)
		goto out;
	err = mig_checkpoint(&m);
	if (err) {
		ret = mig_send_failed(&m, err);
		if (o->addr.kind == CKPT_ADDR_FILE) {
			close(m.out);
			m.out = -1;
			unlink(o->addr.path);
		}
		goto out;
	}
	if (o->addr.kind == CKPT_ADDR_FILE)
		ret = mig_finish_file(&m);
	else
		ret = mig_finish(&m);
out:
	if (m.out >= 0)
		close(m.out);
	if (m.dev >= 0)
		close(m.dev);
	close(m.pidfd);
	return ret;
}

static int migrate_main(int argc, char **argv)
{
	struct mig_opts o;
	int ret;

	memset(&o, 0, sizeof(o));
	ret = migrate_args(argc, argv, &o);
	if (ret)
		return ret;
	signal(SIGPIPE, SIG_IGN);
	return migrate(&o);
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
	if (cmd && !strcmp(cmd, "migrate"))
		return migrate_main(argc - 1, argv + 1);
	if (cmd && !strcmp(cmd, "version"))
		return version_main(argc - 1, argv + 1);
	if (cmd && (!strcmp(cmd, "help") || !strcmp(cmd, "--help") ||
		    !strcmp(cmd, "-h"))) {
		usage(stdout);
		return CKPT_EXIT_OK;
	}
	return checkpoint_main(argc, argv);
}
