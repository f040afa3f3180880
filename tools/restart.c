// SPDX-License-Identifier: GPL-2.0
/*
 * restart: restore a process from an image (a file or stdin).
 *
 *	restart [-v] [--wait] [FILE|-]
 *
 * 1. RESTORE_PREPARE hands the image to /dev/ckpt, which reads and checks
 *    all metadata.
 * 2. clone3(set_tid) creates a child with the image's PID (fork
 *    semantics).  The child moves its [vvar] and [vdso] to the image's
 *    addresses (a plan made here beforehand: after clone3 the child runs
 *    only system calls, no allocation) and calls RESTORE_TASK, which
 *    does not return on success.  If a target address is taken by one of
 *    our own mappings, the child re-executes this program (same PID,
 *    another random layout) in a hidden mode and tries again there.
 * 3. The child reports a failure before the point of no return through a
 *    pipe; the pipe's write end closes when the module replaces the
 *    child's fd table (or the child dies).  The parent then asks
 *    RESTORE_WAIT for the outcome and, with --wait, waits for the
 *    restored process and exits with its status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/ckpt.h>
#include <linux/sched.h>
#include "image.h"
#include "util.h"
#include "vdso.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

#define CHILD_MODE		"--restore-child"
#define CHILD_TRIES		8	/* address layouts to try */
#define RESTORE_TIMEOUT_MS	60000
#define WAIT_SLICE_MS		1000
#define PID_WAIT_MS		10000	/* for a dying PID holder */

/* What the child tells the parent when it fails. */
enum {
	STAGE_VDSO = 1,		/* planning or moving vvar/vdso */
	STAGE_EXEC,		/* re-executing for another layout */
	STAGE_THREADS,		/* creating the image's threads */
	STAGE_TASK,		/* CKPT_IOC_RESTORE_TASK */
};

struct child_msg {
	int32_t stage;
	int32_t err;		/* negative errno */
};

/* Everything the child needs, prepared before clone3. */
struct child_ctx {
	int dev;
	int pipe_wr;
	int pipe_rd;		/* closed in the child */
	int plan_err;		/* -EADDRINUSE: re-execute */
	struct ckpt_vdso_target target;
	struct ckpt_vdso_plan plan;
	char *argv[12];		/* for re-executing */
	char args[7][24];
	int32_t *tids;		/* threads to create, besides the main one */
	uint32_t nr_tids;
	char *tid_list;		/* the same, "1,2,3", for re-executing */
};

struct restart {
	const char *path;	/* NULL: stdin */
	const char *name;	/* for messages */
	int seekable;		/* img can be re-read for diagnostics */
	int wait;
	int verbose;
	int img;
	int dev;
	int pipe[2];
	pid_t child;
	struct ckpt_restore_args prep;
	int32_t *tids;
	struct ckpt_restore_wait_args done;
	struct child_msg msg;
	struct child_ctx ctx;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: restart [-v] [--wait] [FILE|-]\n"
		"\n"
		"Restore the process saved in FILE (or read from stdin, e.g.\n"
		"'ckpt PID | restart') with its PID, through %s.\n"
		"  -w, --wait     wait for the restored process and exit with its\n"
		"                 status (128+N if killed by signal N)\n"
		"  -v, --verbose  say which PID was restored\n"
		"\n"
		"Exit status: 0 restored, 1 failure, 2 usage error; with --wait\n"
		"the restored process's status.\n", CKPT_DEV_PATH);
}

static int usage_error(const char *msg)
{
	ckpt_fail(0, "%s", msg);
	ckpt_hint("try 'restart --help'");
	return CKPT_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct restart *r)
{
	static const struct option longopts[] = {
		{ "wait", no_argument, NULL, 'w' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+wvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			r->wait = 1;
			break;
		case 'v':
			r->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			exit(CKPT_EXIT_OK);
		default:
			return usage_error("bad option");
		}
	}
	if (optind < argc - 1)
		return usage_error("too many arguments");
	if (optind == argc - 1 && strcmp(argv[optind], "-"))
		r->path = argv[optind];
	return 0;
}

/* ==== the child ==================================================== */

static int child_restore_task(int dev)
{
	struct ckpt_restore_task_args t;

	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	if (ioctl(dev, CKPT_IOC_RESTORE_TASK, &t) < 0)
		return -errno;
	return -EPROTO;	/* a successful restore does not return */
}

#define THREAD_STACK	(64 * 1024)

/*
 * A new thread, on its own small stack, sharing the child's TLS: raw
 * system calls only.  It becomes the image's thread, or exits.
 */
static void __attribute__((noreturn, used)) thread_main(long dev)
{
	struct ckpt_restore_thread_args a;
	long ret;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	asm volatile("syscall"
		     : "=a"(ret)
		     : "0"((long)SYS_ioctl), "D"(dev),
		       "S"((long)CKPT_IOC_RESTORE_THREAD), "d"(&a)
		     : "rcx", "r11", "memory");
	(void)ret;
	asm volatile("syscall" : : "a"((long)SYS_exit), "D"(1L)
		     : "rcx", "r11", "memory");
	__builtin_unreachable();
}

/* clone3() a thread that runs thread_main(dev) on args->stack. */
static long clone3_thread(struct clone_args *args, long dev)
{
	register long fn asm("r8") = (long)thread_main;
	register long arg asm("r9") = dev;
	long ret;

	asm volatile("syscall\n\t"
		     "test %%rax, %%rax\n\t"
		     "jnz 1f\n\t"
		     "mov %%r9, %%rdi\n\t"
		     "call *%%r8\n\t"
		     "ud2\n"
		     "1:"
		     : "=a"(ret)
		     : "0"((long)SYS_clone3), "D"(args), "S"(sizeof(*args)),
		       "r"(fn), "r"(arg)
		     : "rcx", "r11", "memory");
	return ret;
}

/* Create the image's threads with their TIDs; they wait in the module. */
static int child_spawn_threads(const struct child_ctx *c)
{
	uint32_t i;

	for (i = 0; i < c->nr_tids; i++) {
		struct clone_args args;
		pid_t tid = c->tids[i];
		void *stack;
		long ret;

		stack = mmap(NULL, THREAD_STACK, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (stack == MAP_FAILED)
			return -errno;
		memset(&args, 0, sizeof(args));
		args.flags = CLONE_VM | CLONE_FS | CLONE_FILES |
			     CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
		args.set_tid = (uintptr_t)&tid;
		args.set_tid_size = 1;
		args.stack = (uintptr_t)stack;
		args.stack_size = THREAD_STACK;
		ret = clone3_thread(&args, c->dev);
		if (ret < 0)
			return (int)ret;
	}
	return 0;
}

static int child_reexec(const struct child_ctx *c)
{
	if (fcntl(c->dev, F_SETFD, 0) || fcntl(c->pipe_wr, F_SETFD, 0))
		return -errno;
	execve("/proc/self/exe", c->argv, environ);
	return -errno;
}

/* After clone3 or in the re-executed program: system calls only. */
static void __attribute__((noreturn)) child_run(const struct child_ctx *c)
{
	struct child_msg msg = { .stage = STAGE_VDSO, .err = c->plan_err };
	ssize_t n;

	if (c->pipe_rd >= 0)
		close(c->pipe_rd);
	if (msg.err == -EADDRINUSE && c->argv[0]) {
		msg.stage = STAGE_EXEC;
		msg.err = child_reexec(c);
	} else if (!msg.err) {
		msg.err = ckpt_vdso_plan_run(&c->plan);
		if (!msg.err) {
			msg.stage = STAGE_THREADS;
			msg.err = child_spawn_threads(c);
		}
		if (!msg.err) {
			msg.stage = STAGE_TASK;
			msg.err = child_restore_task(c->dev);
		}
	}
	do
		n = write(c->pipe_wr, &msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	_exit(CKPT_EXIT_FAILED);
}

/* argv to re-execute in child mode with @tries layouts left. */
static void child_set_argv(struct child_ctx *c, const char *argv0,
			   const struct ckpt_vdso_target *t, int tries)
{
	const uint64_t val[] = { c->dev, c->pipe_wr, t->vvar_start,
				 t->vvar_end, t->vdso_start, t->vdso_end,
				 tries };
	unsigned int i;

	memset(c->argv, 0, sizeof(c->argv));
	if (tries <= 0)
		return;
	c->argv[0] = (char *)argv0;
	c->argv[1] = CHILD_MODE;
	for (i = 0; i < ARRAY_SIZE(val); i++) {
		snprintf(c->args[i], sizeof(c->args[i]), "0x%" PRIx64, val[i]);
		c->argv[2 + i] = c->args[i];
	}
	c->argv[2 + i] = c->tid_list ? c->tid_list : "";
}

/* "1,2,3" for the re-executed child. */
static int child_tid_list(struct child_ctx *c)
{
	size_t len = (size_t)c->nr_tids * 12 + 1, off = 0;
	uint32_t i;

	c->tid_list = malloc(len);
	if (!c->tid_list)
		return -ENOMEM;
	c->tid_list[0] = '\0';
	for (i = 0; i < c->nr_tids; i++)
		off += snprintf(c->tid_list + off, len - off, "%s%d",
				i ? "," : "", (int)c->tids[i]);
	return 0;
}

static int child_parse_tids(struct child_ctx *c, const char *list)
{
	const char *p = list;
	char *end;
	long v;

	c->tids = calloc(CKPT_MAX_THREADS, sizeof(*c->tids));
	if (!c->tids)
		return -ENOMEM;
	while (*p && c->nr_tids < CKPT_MAX_THREADS) {
		v = strtol(p, &end, 10);
		if (end == p || v <= 0 || (*end && *end != ','))
			return -EINVAL;
		c->tids[c->nr_tids++] = (int32_t)v;
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* Plan the vvar/vdso moves for this process; fills c->plan_err. */
static int child_plan(struct child_ctx *c)
{
	struct ckpt_maps maps;
	int err;

	err = ckpt_maps_read_self(&maps);
	if (err)
		return err;
	c->plan_err = ckpt_vdso_plan(&maps, &c->target, &c->plan);
	ckpt_maps_free(&maps);
	return 0;
}

/*
 * restart --restore-child DEV PIPE VVAR_START VVAR_END VDSO_START VDSO_END
 *	   TRIES TIDS
 */
static int child_main(int argc, char **argv)
{
	struct child_ctx c;
	uint64_t v[7];
	int i, err;

	memset(&c, 0, sizeof(c));
	c.pipe_rd = -1;
	for (i = 0; i < 7; i++)
		if (argc != 10 || ckpt_parse_u64(argv[2 + i], &v[i]))
			return usage_error("bad arguments for " CHILD_MODE);
	if (child_parse_tids(&c, argv[9]))
		return usage_error("bad thread list for " CHILD_MODE);
	c.tid_list = argv[9];
	c.dev = v[0];
	c.pipe_wr = v[1];
	c.target = (struct ckpt_vdso_target){ v[2], v[3], v[4], v[5] };
	fcntl(c.dev, F_SETFD, FD_CLOEXEC);
	fcntl(c.pipe_wr, F_SETFD, FD_CLOEXEC);
	child_set_argv(&c, argv[0], &c.target, (int)v[6] - 1);
	err = child_plan(&c);
	if (err)
		c.plan_err = err;
	child_run(&c);
}

/* ==== reporting ==================================================== */

/*
 * Describe the record at @offset ("VMA record at offset N (/path)"):
 * re-read the image when it is a regular file, else just name the type.
 */
static void describe_record(struct restart *r, uint32_t type,
			    uint64_t offset, char *buf, size_t size)
{
	struct ckpt_image img;
	const char *path = NULL;
	int err;

	snprintf(buf, size, "%s record at offset %" PRIu64,
		 ckpt_rec_name(type), offset);
	if (!r->seekable || lseek(r->img, 0, SEEK_SET))
		return;
	err = ckpt_image_open_fd(&img, r->img);
	while (!err) {
		err = ckpt_image_next(&img);
		if (err > 0 && img.rec_offset == offset)
			break;
		err = err > 0 ? 0 : err ? err : -ENOENT;
	}
	if (err > 0)
		path = ckpt_image_path(&img);
	if (path)
		snprintf(buf, size, "%s record at offset %" PRIu64 " (%s)",
			 ckpt_rec_name(type), offset, path);
	ckpt_image_close(&img);
}

/* Our own reader's account of a bad image, if it agrees on @err. */
static int diagnose_image(struct restart *r, int err, char *buf,
			  size_t size)
{
	struct ckpt_image img;
	int ret;

	if (!r->seekable || lseek(r->img, 0, SEEK_SET))
		return -1;
	ret = ckpt_image_open_fd(&img, r->img);
	if (!ret)
		ret = ckpt_image_check_all(&img);
	if (ret == err)
		snprintf(buf, size, "%s", img.error.msg);
	ckpt_image_close(&img);
	return ret == err ? 0 : -1;
}

static void report_exdev(struct restart *r, int err)
{
	struct ckpt_image img;
	struct utsname u;

	ckpt_fail(err, "cannot restore %s: the image was taken on a different kernel build or architecture",
		  r->name);
	if (!r->seekable || lseek(r->img, 0, SEEK_SET) || uname(&u))
		return;
	if (!ckpt_image_open_fd(&img, r->img))
		ckpt_hint("the image is from kernel %.*s %.*s; this is %s %s",
			  (int)sizeof(img.hdr.release), img.hdr.release,
			  (int)sizeof(img.hdr.build), img.hdr.build,
			  u.release, u.version);
	ckpt_image_close(&img);
}

static void report_xfeatures(struct restart *r, int err)
{
	struct ckpt_version v = { .size = sizeof(v) };
	struct ckpt_image img;
	char names[512];

	ckpt_fail(err, "cannot restore %s: the image uses CPU features (XSAVE state) this CPU lacks",
		  r->name);
	if (!r->seekable || lseek(r->img, 0, SEEK_SET) ||
	    ioctl(r->dev, CKPT_IOC_VERSION, &v))
		return;
	if (!ckpt_image_open_fd(&img, r->img)) {
		ckpt_xfeature_names(img.hdr.xfeatures & ~v.xfeatures, names,
				    sizeof(names));
		ckpt_hint("missing here: %s", names);
	}
	ckpt_image_close(&img);
}

static const char *restore_why(int err)
{
	switch (-err) {
	case ESTALE:
		return "a file changed since the checkpoint";
	case ENOENT:
		return "a file no longer exists";
	default:
		return strerror(-err);
	}
}

/* Where the module says the image is bad, when our reader cannot tell. */
static void image_where(const struct restart *r, char *buf, size_t size)
{
	uint32_t type = r->prep.err_type;
	unsigned long long off = r->prep.err_offset;

	if (type == CKPT_REC_PAGES || type == CKPT_REC_END)
		snprintf(buf, size, "bad metadata (checked at the %s record at offset %llu)",
			 ckpt_rec_name(type), off);
	else if (type)
		snprintf(buf, size, "bad %s record at offset %llu",
			 ckpt_rec_name(type), off);
	else
		snprintf(buf, size, "bad image header");
}

static void report_unsupported(struct restart *r, int err, const char *why)
{
	if (r->prep.err_object == CKPT_OBJ_XSTATE)
		report_xfeatures(r, err);
	else
		ckpt_fail(err, "cannot restore %s: it holds state this version cannot restore: %s",
			  r->name, why);
}

static void report_prepare(struct restart *r, int err)
{
	char why[512];

	if (diagnose_image(r, err, why, sizeof(why)))
		image_where(r, why, sizeof(why));
	switch (-err) {
	case ENOEXEC:
		ckpt_fail(err, "cannot restore %s: not a ckpt image", r->name);
		break;
	case EBADMSG:
		ckpt_fail(err, "image is corrupt: %s", why);
		break;
	case ENODATA:
		ckpt_fail(err, "image is truncated: %s", why);
		break;
	case EPROTO:
		ckpt_fail(err, "cannot restore %s: its format version is not supported by the loaded module",
			  r->name);
		ckpt_hint("use tools and module of the same release: see 'ckpt version' and 'ckpt show'");
		break;
	case EXDEV:
		report_exdev(r, err);
		break;
	case EOPNOTSUPP:
		report_unsupported(r, err, why);
		break;
	case ESTALE:
	case ENOENT:
		ckpt_fail(err, "cannot restore %s: %s", r->name,
			  restore_why(err));
		break;
	case EPERM:
		ckpt_fail(err, "cannot restore %s: its credentials are not yours and you may not take them",
			  r->name);
		ckpt_hint("run restart as root (CAP_SETUID and CAP_SETGID)");
		break;
	case EINVAL:
	case ENOTTY:
		ckpt_fail(err, "cannot restore %s: the ckpt module rejected the request",
			  r->name);
		ckpt_hint("the tools and the module may be from different versions: see 'ckpt version'");
		break;
	default:
		ckpt_fail(err, "cannot restore %s: %s", r->name,
			  strerror(-err));
	}
}

static void report_clone(struct restart *r, int err)
{
	pid_t pid = r->prep.pid;
	char buf[64];

	switch (-err) {
	case EEXIST:
		if (ckpt_proc_comm(pid, buf, sizeof(buf)))
			snprintf(buf, sizeof(buf), "?");
		ckpt_fail(err, "PID %d is in use (by '%s'): cannot restore the process with its PID",
			  pid, buf);
		ckpt_hint("end that process, or restore where PID %d is free",
			  pid);
		break;
	case EPERM:
		ckpt_fail(err, "cannot create a process with PID %d: choosing a PID needs CAP_CHECKPOINT_RESTORE or root",
			  pid);
		ckpt_hint("run restart as root");
		break;
	case EINVAL:
		if (ckpt_read_line("/proc/sys/kernel/pid_max", buf,
				   sizeof(buf)))
			snprintf(buf, sizeof(buf), "?");
		ckpt_fail(err, "cannot create a process with PID %d: the kernel refused it (pid_max is %s)",
			  pid, buf);
		break;
	case ENOSYS:
		ckpt_fail(err, "cannot create a process with PID %d: this kernel has no clone3 with set_tid (Linux 5.5 or later)",
			  pid);
		break;
	default:
		ckpt_fail(err, "cannot create a process with PID %d: %s", pid,
			  strerror(-err));
	}
}

static void report_vdso(struct restart *r, int err)
{
	pid_t pid = r->prep.pid;

	if (err == -EXDEV) {
		ckpt_fail(err, "cannot restore pid %d: this kernel's vdso or vvar differs from the image's",
			  pid);
		ckpt_hint("the image was taken on a different kernel build; restore it there");
	} else if (err == -EADDRINUSE) {
		ckpt_fail(err, "cannot restore pid %d: the image's vdso address 0x%llx stays taken in %d address layouts",
			  pid, (unsigned long long)r->prep.vdso_start,
			  CHILD_TRIES);
	} else {
		ckpt_fail(err, "cannot restore pid %d: moving the vdso to 0x%llx and vvar to 0x%llx failed: %s",
			  pid, (unsigned long long)r->prep.vdso_start,
			  (unsigned long long)r->prep.vvar_start,
			  strerror(-err));
	}
}

/* What the restore was doing when it failed, from err_object. */
static const char *restore_object(uint32_t obj)
{
	switch (obj) {
	case CKPT_OBJ_FD:
		return "restoring a file descriptor";
	case CKPT_OBJ_VMA:
		return "restoring a mapping";
	case CKPT_OBJ_XSTATE:
		return "restoring its CPU state";
	case CKPT_OBJ_CREDS:
		return "restoring its credentials";
	case CKPT_OBJ_FS:
		return "restoring its working directory";
	case CKPT_OBJ_SIGNALS:
		return "restoring its signal state";
	default:
		return NULL;
	}
}

/* A page data record the module refused: our reader may say why. */
static void report_restore_image(struct restart *r, int err)
{
	const struct ckpt_restore_wait_args *w = &r->done;
	char why[512];

	if (diagnose_image(r, err, why, sizeof(why)))
		describe_record(r, w->err_type, w->err_offset, why,
				sizeof(why));
	if (err == -EBADMSG || err == -ENODATA)
		ckpt_fail(err, "image is %s: %s", err == -ENODATA ?
			  "truncated" : "corrupt", why);
	else
		ckpt_fail(err, "cannot restore pid %d: %s: %s", r->prep.pid,
			  why, restore_why(err));
}

/* A failed CKPT_IOC_RESTORE_TASK, with RESTORE_WAIT's details if any. */
static void report_restore(struct restart *r, int err)
{
	const char *obj = restore_object(r->done.err_object);
	pid_t pid = r->prep.pid;

	if (r->done.err_object == CKPT_OBJ_IMAGE) {
		report_restore_image(r, err);
		return;
	}
	switch (-err) {
	case EXDEV:
		ckpt_fail(err, "cannot restore pid %d: the vdso/vvar do not match the image's (another kernel build?)",
			  pid);
		break;
	case ESRCH:
	case EBUSY:
	case EALREADY:
		ckpt_fail(err, "cannot restore pid %d: the module refused the restoring process: %s",
			  pid, strerror(-err));
		break;
	default:
		if (r->done.err_object == CKPT_OBJ_FD)
			ckpt_fail(err, "cannot restore pid %d: fd %d could not be reopened: %s",
				  pid, r->done.err_fd, restore_why(err));
		else if (r->done.err_object == CKPT_OBJ_VMA)
			ckpt_fail(err, "cannot restore pid %d: the mapping at 0x%llx could not be recreated: %s",
				  pid, (unsigned long long)r->done.err_addr,
				  restore_why(err));
		else
			ckpt_fail(err, "cannot restore pid %d: %s%s%s", pid,
				  obj ? obj : "", obj ? " failed: " : "",
				  restore_why(err));
	}
}

static void report_died(struct restart *r, const siginfo_t *si)
{
	char sig[16];

	if (si->si_code == CLD_EXITED)
		ckpt_fail(0, "cannot restore pid %d: the restoring process exited with status %d before the restore",
			  r->prep.pid, si->si_status);
	else
		ckpt_fail(0, "cannot restore pid %d: the restoring process was killed by %s before the restore",
			  r->prep.pid, ckpt_signame(si->si_status, sig,
						    sizeof(sig)));
}

/* ==== the parent =================================================== */

/*
 * Copy a stdin that is a pipe or socket into memory first.  Then the
 * writer finishes even when it is the checkpoint of the very process
 * being restored (ckpt --kill PID | restart), and the image can be
 * re-read to explain a failure.
 */
static int spool_stdin(struct restart *r)
{
	static char buf[256 * 1024];
	ssize_t n;
	int fd, err = 0;

	fd = memfd_create("ckpt-image", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	/*
	 * From a pipe, splice(): one copy, from the pipe's pages into the
	 * memfd's, and no trip through user memory.  Anything else (a
	 * socket), or a pipe splice refuses, goes through read and write.
	 */
	ckpt_grow_pipe(STDIN_FILENO);
	do
		n = splice(STDIN_FILENO, NULL, fd, NULL, 1 << 20, 0);
	while (n > 0 || (n < 0 && errno == EINTR));
	if (n < 0 && errno != EINVAL)
		err = -errno;
	while (!err && (n = ckpt_read_full(STDIN_FILENO, buf,
					   sizeof(buf))) > 0)
		err = ckpt_write_full(fd, buf, n);
	if (!err && n < 0)
		err = n;
	if (!err && lseek(fd, 0, SEEK_SET))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	r->img = fd;
	return 0;
}

#define PEEK_LEN	(sizeof(struct ckpt_image_header) + \
			 sizeof(struct ckpt_rec_header) + sizeof(int32_t))
#define PEEK_WAIT_MS	5000

/*
 * Copy the first bytes of a pipe on stdin without consuming them (tee(2)
 * into a scratch pipe); 1 when @len bytes were there, 0 if not yet.
 */
static int peek_pipe(void *buf, size_t len)
{
	int p[2], ok = 0;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	n = tee(STDIN_FILENO, p[1], len, SPLICE_F_NONBLOCK);
	if (n == (ssize_t)len)
		ok = read(p[0], buf, len) == (ssize_t)len;
	close(p[0]);
	close(p[1]);
	return ok;
}

/* The PID in the TASK record at the start of a piped image, or 0. */
static pid_t peek_pid(int is_socket)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };
	unsigned char buf[PEEK_LEN];
	const struct ckpt_image_header *h = (const void *)buf;
	const struct ckpt_rec_header *rh = (const void *)(h + 1);
	int tries = PEEK_WAIT_MS / 10, ok = 0;
	int32_t pid;

	while (!ok && tries-- > 0) {
		if (is_socket)
			ok = recv(STDIN_FILENO, buf, sizeof(buf),
				  MSG_PEEK | MSG_DONTWAIT) == sizeof(buf);
		else
			ok = peek_pipe(buf, sizeof(buf)) == 1;
		if (!ok)
			nanosleep(&pause, NULL);
	}
	if (!ok || h->magic != CKPT_IMAGE_MAGIC || rh->type != CKPT_REC_TASK)
		return 0;
	memcpy(&pid, rh + 1, sizeof(pid));
	return pid > 0 ? pid : 0;
}

/*
 * A streamed image is restored as it arrives, unless its PID is still
 * taken here: then it is the checkpoint of that very process going on
 * (ckpt --kill PID | restart), which cannot finish until the stream is
 * drained, so the image is spooled into memory first.
 */
static int stream_ok(const struct stat *st)
{
	pid_t pid = peek_pid(S_ISSOCK(st->st_mode));

	return pid && kill(pid, 0) && errno == ESRCH;
}

static int open_stdin(struct restart *r)
{
	struct stat st;
	int err;

	r->name = "the image on stdin";
	r->img = STDIN_FILENO;
	if (isatty(r->img)) {
		ckpt_fail(0, "refusing to read an image from a terminal");
		ckpt_hint("give a FILE, or pipe one in: ckpt PID | restart");
		return CKPT_EXIT_USAGE;
	}
	if (!fstat(r->img, &st) && S_ISREG(st.st_mode)) {
		r->seekable = lseek(r->img, 0, SEEK_CUR) == 0;
		return 0;
	}
	if ((S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) && stream_ok(&st)) {
		if (r->verbose)
			ckpt_hint("restoring the image as it arrives");
		return 0;
	}
	if (r->verbose)
		ckpt_hint("reading the whole image first (its PID is still taken, or it did not start in time)");
	err = spool_stdin(r);
	if (err) {
		ckpt_fail(err, "cannot read the image from stdin: %s",
			  strerror(-err));
		return CKPT_EXIT_FAILED;
	}
	r->seekable = 1;
	return 0;
}

static int open_image(struct restart *r)
{
	if (!r->path)
		return open_stdin(r);
	r->name = r->path;
	r->img = open(r->path, O_RDONLY | O_CLOEXEC);
	if (r->img < 0) {
		ckpt_fail(errno, "cannot open %s: %s", r->path,
			  strerror(errno));
		return CKPT_EXIT_FAILED;
	}
	r->seekable = 1;
	return 0;
}

static int prepare(struct restart *r)
{
	memset(&r->prep, 0, sizeof(r->prep));
	r->prep.size = sizeof(r->prep);
	r->prep.fd = r->img;
	r->tids = calloc(CKPT_MAX_THREADS, sizeof(*r->tids));
	if (!r->tids)
		return -ENOMEM;
	r->prep.tids = (uintptr_t)r->tids;
	r->prep.tids_max = CKPT_MAX_THREADS;
	if (ioctl(r->dev, CKPT_IOC_RESTORE_PREPARE, &r->prep))
		return -errno;
	return 0;
}

/* Everything the child will need; nothing allocates after this. */
static int setup_child(struct restart *r, const char *argv0)
{
	struct child_ctx *c = &r->ctx;
	int err;

	if (pipe2(r->pipe, O_CLOEXEC))
		return -errno;
	c->dev = r->dev;
	c->pipe_rd = r->pipe[0];
	c->pipe_wr = r->pipe[1];
	c->target = (struct ckpt_vdso_target){
		r->prep.vvar_start, r->prep.vvar_end,
		r->prep.vdso_start, r->prep.vdso_end,
	};
	c->tids = r->tids;
	c->nr_tids = r->prep.nr_threads < CKPT_MAX_THREADS ?
		     r->prep.nr_threads : CKPT_MAX_THREADS;
	err = child_tid_list(c);
	if (err)
		return err;
	child_set_argv(c, argv0, &c->target, CHILD_TRIES - 1);
	err = child_plan(c);
	if (!err && c->plan_err && c->plan_err != -EADDRINUSE)
		err = c->plan_err;
	return err;
}

/*
 * Is the process holding @pid on its way out (killed, exiting, zombie,
 * gone)?  Keeps errno.
 */
static int pid_leaving(pid_t pid)
{
	const uint64_t kill = 1ULL << (SIGKILL - 1);
	const unsigned int pf_exiting = 0x4;	/* PF_EXITING */
	uint64_t shd = 0, pnd = 0;
	char path[64], buf[512], *p, state = 0;
	unsigned int flags = 0;
	int saved = errno;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (ckpt_read_line(path, buf, sizeof(buf))) {
		errno = saved;
		return 1;
	}
	p = strrchr(buf, ')');
	/* state ppid pgrp session tty_nr tpgid flags */
	if (p && sscanf(p + 1, " %c %*d %*d %*d %*d %*d %u", &state,
			&flags) == 2 &&
	    (state == 'Z' || state == 'X' || (flags & pf_exiting))) {
		errno = saved;
		return 1;
	}
	ckpt_proc_status_hex(pid, "ShdPnd", &shd);
	ckpt_proc_status_hex(pid, "SigPnd", &pnd);
	errno = saved;
	return !!((shd | pnd) & kill);
}

static long clone3_pid(pid_t pid)
{
	struct clone_args args;
	pid_t tid = pid;

	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	args.set_tid = (uintptr_t)&tid;
	args.set_tid_size = 1;
	return syscall(SYS_clone3, &args, sizeof(args));
}

/*
 * Create the child with the image's PID.  A PID whose holder is being
 * killed (as by ckpt --kill) is waited for, a few seconds at most.
 */
static int spawn(struct restart *r)
{
	const struct timespec pause = { 0, 20 * 1000 * 1000 };
	int tries = PID_WAIT_MS / 20;
	long ret;
	int err = 0;

	fflush(NULL);
	for (;;) {
		ret = clone3_pid(r->prep.pid);
		if (ret < 0)
			err = -errno;
		if (ret >= 0 || err != -EEXIST || --tries <= 0 ||
		    !pid_leaving(r->prep.pid))
			break;
		nanosleep(&pause, NULL);
		/* Reading /proc may have changed our mappings. */
		if (child_plan(&r->ctx))
			r->ctx.plan_err = -EADDRINUSE;
	}
	if (ret < 0)
		return err;
	if (ret == 0)
		child_run(&r->ctx);
	r->child = ret;
	close(r->pipe[1]);
	r->pipe[1] = -1;
	return 0;
}

/* The child's message, or 0 once its end of the pipe is closed. */
static int read_child_msg(struct restart *r)
{
	struct pollfd p = { .fd = r->pipe[0], .events = POLLIN };
	ssize_t n;
	int ret;

	do
		ret = poll(&p, 1, RESTORE_TIMEOUT_MS);
	while (ret < 0 && errno == EINTR);
	if (ret <= 0)
		return 0;	/* RESTORE_WAIT will tell */
	do
		n = read(r->pipe[0], &r->msg, sizeof(r->msg));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(r->msg))
		return 0;
	return r->msg.err ? r->msg.err : -EPROTO;
}

static int child_died(struct restart *r, siginfo_t *si)
{
	memset(si, 0, sizeof(*si));
	if (waitid(P_PID, r->child, si, WEXITED | WNOHANG | WNOWAIT))
		return 0;
	return si->si_pid == r->child;
}

/*
 * After a failed restore, leave no process with the image's PID behind:
 * wait (a few seconds at most) for the child the module killed, or that
 * failed on its own, or kill it first when it is stuck.
 */
static void reap_child(struct restart *r, int kill_it)
{
	const struct timespec pause = { 0, 20 * 1000 * 1000 };
	int tries = PID_WAIT_MS / 20;

	if (kill_it)
		kill(r->child, SIGKILL);
	while (waitpid(r->child, NULL, WNOHANG) == 0 && --tries > 0)
		nanosleep(&pause, NULL);
}

static int wait_slice(struct restart *r, unsigned int timeout_ms)
{
	memset(&r->done, 0, sizeof(r->done));
	r->done.size = sizeof(r->done);
	r->done.timeout_ms = timeout_ms;
	if (ioctl(r->dev, CKPT_IOC_RESTORE_WAIT, &r->done))
		return -errno;
	return 0;
}

/*
 * Wait for the outcome.  Returns 0 when restored; otherwise reports and
 * returns the exit code.
 */
static int wait_restore(struct restart *r)
{
	int slices = RESTORE_TIMEOUT_MS / WAIT_SLICE_MS, err;
	siginfo_t si;

	for (;;) {
		err = wait_slice(r, WAIT_SLICE_MS);
		if (err == -EINTR)
			continue;
		if (err != -ETIMEDOUT || --slices <= 0)
			break;
		if (child_died(r, &si)) {
			report_died(r, &si);
			reap_child(r, 0);
			return CKPT_EXIT_FAILED;
		}
	}
	if (err == -ETIMEDOUT) {
		ckpt_fail(err, "cannot restore pid %d: the restore did not finish within %d s",
			  r->prep.pid, RESTORE_TIMEOUT_MS / 1000);
		reap_child(r, 1);
		return CKPT_EXIT_FAILED;
	}
	if (err) {
		ckpt_fail(err, "cannot restore pid %d: waiting for the restore failed: %s",
			  r->prep.pid, strerror(-err));
		reap_child(r, 1);
		return CKPT_EXIT_FAILED;
	}
	if (r->done.result) {
		report_restore(r, r->done.result);
		reap_child(r, 0);
		return CKPT_EXIT_FAILED;
	}
	return 0;
}

/* The child failed before the point of no return. */
static int child_failed(struct restart *r, int err)
{
	switch (r->msg.stage) {
	case STAGE_VDSO:
		report_vdso(r, err);
		break;
	case STAGE_EXEC:
		ckpt_fail(err, "cannot restore pid %d: re-executing /proc/self/exe for another address layout failed: %s",
			  r->prep.pid, strerror(-err));
		break;
	case STAGE_THREADS:
		ckpt_fail(err, "cannot restore pid %d: creating its %u threads with their TIDs failed: %s",
			  r->prep.pid, r->prep.nr_threads, strerror(-err));
		if (err == -EEXIST)
			ckpt_hint("a TID of the image is in use by another process");
		break;
	default:
		if (wait_slice(r, WAIT_SLICE_MS) || r->done.result != err)
			memset(&r->done, 0, sizeof(r->done));
		report_restore(r, err);
	}
	reap_child(r, 0);
	return CKPT_EXIT_FAILED;
}

static int wait_exit(struct restart *r)
{
	int status;

	while (waitpid(r->child, &status, 0) < 0) {
		if (errno != EINTR) {
			ckpt_fail(errno, "cannot wait for pid %d: %s",
				  r->child, strerror(errno));
			return CKPT_EXIT_FAILED;
		}
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int restore(struct restart *r, const char *argv0)
{
	int err;

	err = prepare(r);
	if (err) {
		report_prepare(r, err);
		return CKPT_EXIT_FAILED;
	}
	if (r->prep.nr_tasks != 1 || r->prep.pid <= 0) {
		ckpt_fail(-EOPNOTSUPP, "cannot restore %s: it holds %u tasks (pid %d); only single-task images are supported",
			  r->name, r->prep.nr_tasks, r->prep.pid);
		return CKPT_EXIT_FAILED;
	}
	err = setup_child(r, argv0);
	if (err) {
		report_vdso(r, err);
		return CKPT_EXIT_FAILED;
	}
	err = spawn(r);
	if (err) {
		report_clone(r, err);
		return CKPT_EXIT_FAILED;
	}
	err = read_child_msg(r);
	if (err)
		return child_failed(r, err);
	err = wait_restore(r);
	if (err)
		return err;
	if (r->verbose)
		ckpt_hint("restored pid %d", r->child);
	return r->wait ? wait_exit(r) : CKPT_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct restart r;
	int ret;

	ckpt_prog = "restart";
	if (argc > 1 && !strcmp(argv[1], CHILD_MODE))
		return child_main(argc, argv);
	memset(&r, 0, sizeof(r));
	r.img = r.dev = r.pipe[0] = r.pipe[1] = -1;
	ret = parse_args(argc, argv, &r);
	if (ret)
		return ret;
	ret = open_image(&r);
	if (ret)
		return ret;
	r.dev = ckpt_dev_open();
	if (r.dev < 0) {
		ckpt_dev_report(r.dev);
		return CKPT_EXIT_FAILED;
	}
	return restore(&r, argv[0]);
}
