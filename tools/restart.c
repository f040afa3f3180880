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
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/ckpt.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include "hmac.h"
#include "image.h"
#include "migrate.h"
#include "precopy.h"
#include "seal.h"
#include "zimg.h"
#include "incr.h"
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
#define LISTEN_DEFAULT_TIMEOUT	60	/* seconds */
#define LISTEN_MAX_ALLOW	64	/* --allow options, and entries */

/* What the child tells the parent when it fails. */
enum {
	STAGE_VDSO = 1,		/* planning or moving vvar/vdso */
	STAGE_EXEC,		/* re-executing for another layout */
	STAGE_THREADS,		/* creating the image's threads */
	STAGE_TIMERS,		/* re-creating its POSIX timers */
	STAGE_TASK,		/* CKPT_IOC_RESTORE_TASK */
	STAGE_TREE,		/* a tree's session or process group */
	STAGE_CLONE,		/* creating a tree's process with its PID */
};

struct child_msg {
	int32_t stage;
	int32_t err;		/* negative errno */
	int32_t pid;		/* the process it is about */
};

/* Everything the child needs, prepared before clone3. */
struct child_ctx {
	int dev;
	int pipe_wr;
	int pipe_rd;		/* closed in the child */
	int plan_err;		/* -EADDRINUSE: re-execute */
	struct ckpt_vdso_target target;
	struct ckpt_vdso_plan plan;
	char *argv[13];		/* for re-executing */
	char args[8][24];
	int32_t *tids;		/* threads to create, besides the main one */
	uint32_t nr_tids;
	char *tid_list;		/* the same, "1,2,3", for re-executing */
	struct ckpt_rec_posix_timer *timers;	/* POSIX timers to re-create */
	uint32_t nr_timers;
	int timers_fd;		/* the same in a memfd, for re-executing */
};

struct restart {
	const char *path;	/* NULL: stdin */
	const char *name;	/* for messages */
	int seekable;		/* img can be re-read for diagnostics */
	int wait;
	int verbose;
	int kill_on_fail;	/* a tree: its root must be killed */
	int img;
	int dev;
	int pipe[2];
	pid_t child;
	struct ckpt_restore_args prep;
	int32_t *tids;
	struct ckpt_rec_posix_timer *timers;
	struct ckpt_rec_skipped *skipped;	/* left out (ckpt --skip) */
	char cgroup[CKPT_PATH_MAX];	/* the image's cgroup */
	struct ckpt_rec_uts uts;	/* its UTS namespace's names */
	struct ckpt_restore_wait_args done;
	struct child_msg msg;
	struct child_ctx ctx;
	int pid_ns;		/* --pid-ns: restore in a new PID namespace */
	int any_cpu;		/* --any-cpu: CKPT_RESTORE_ANY_CPU */
	int any_node;		/* --any-node: CKPT_RESTORE_ANY_NODE */
	int hold;		/* --listen: CKPT_RESTORE_HOLD */
	int cgroup_move;	/* --cgroup: restore in the image's cgroup */
	pid_t ns_init;		/* its init (PID 1 there), or 0 */
	int claimed;		/* a PID claim is registered */
	int claim_err;		/* why the claim was refused */
	/* restart --listen */
	const char *listen;
	const char *log;
	int daemon;
	int timeout_s;
	uint32_t stage;		/* CKPT_MIG_STAGE_* reached */
	/* restart --listen: who may send, and as whom to restore */
	const char *allow_arg[LISTEN_MAX_ALLOW];
	unsigned int nr_allow_arg;
	const char *key_path;
	const char *user;
	int insecure;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: restart [-v] [--wait] [--pid-ns] [--any-cpu] [--any-node]\n"
		"               [--cgroup] [FILE|-]\n"
		"       restart --listen ADDR [--daemon [--log FILE]] [--timeout S]\n"
		"               [--allow NETS|CIDS] [--key FILE] [--user NAME] [--insecure]\n"
		"               [--any-cpu] [--any-node] [--cgroup]\n"
		"\n"
		"Restore the process saved in FILE (or read from stdin, e.g.\n"
		"'ckpt PID | restart') with its PID, through %s.\n"
		"A compressed image (ckpt --compress) is inflated first, an\n"
		"incremental one (ckpt --parent) merged with its parents.\n"
		"  -w, --wait     wait for the restored process and exit with its\n"
		"                 status (128+N if killed by signal N)\n"
		"  -v, --verbose  say which PID was restored; for a corrupt image,\n"
		"                 also where the module found it bad\n"
		"  --pid-ns       restore into a new PID namespace (the image's PID\n"
		"                 there; a fallback when the PID is taken here)\n"
		"  --any-cpu      do not give threads the CPU affinity they had\n"
		"                 (for a node whose CPUs differ): they may run\n"
		"                 where restart may\n"
		"  --any-node     do not give threads and mappings the NUMA memory\n"
		"                 policy they had (for a node whose memory nodes\n"
		"                 differ): they keep restart's (e.g. numactl's)\n"
		"  --cgroup       restore it in the cgroup it ran in (cgroup v2,\n"
		"                 under /sys/fs/cgroup; it must exist): restart\n"
		"                 enters it first, as any process may if allowed\n"
		"\n"
		"With --listen, receive processes sent by 'ckpt migrate PID --to\n"
		"DEST' and restore each with its PID, one handler per connection\n"
		"(at most 16 at once: more are refused with EBUSY), until SIGTERM.  ADDR is vsock:CID:PORT (vsock:any:PORT) or\n"
		"tcp:HOST:PORT (tcp::PORT for any address).  Each outcome is\n"
		"sent back to the sender and logged on stderr.  A restored\n"
		"process waits in the kernel before its first instruction until\n"
		"the sender commits; it is killed unrun otherwise.\n"
		"  -d, --daemon   go to the background once listening (prints\n"
		"                 the daemon's PID); its log goes to --log FILE\n"
		"  -t, --timeout S  a connection silent for S seconds fails, and a\n"
		"                 restored process not confirmed by the sender\n"
		"                 within S seconds is killed (default 60)\n"
		"  --allow LIST   accept only these peers: comma-separated IPv4/IPv6\n"
		"                 addresses or networks (10.0.0.0/24) for TCP, CIDs\n"
		"                 for vsock; repeatable.  Others are refused (EACCES)\n"
		"  --key FILE     senders must prove they hold this shared key (and\n"
		"                 the receiver proves it too): 'ckpt migrate --key';\n"
		"                 the stream is then encrypted and authenticated (a\n"
		"                 key file of yours, mode 0600, not a link)\n"
		"  --user NAME    restore as NAME (its uid, gid and groups; only\n"
		"                 CAP_CHECKPOINT_RESTORE kept): images of other\n"
		"                 users, or with capabilities, are refused (EPERM)\n"
		"  --insecure     start a TCP listener with neither --allow nor\n"
		"                 --key (it restores whatever anyone sends);\n"
		"                 without this it refuses to start\n"
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
		{ "listen", required_argument, NULL, 'l' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "log", required_argument, NULL, 'L' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "pid-ns", no_argument, NULL, 'P' },
		{ "any-cpu", no_argument, NULL, 'C' },
		{ "any-node", no_argument, NULL, 'N' },
		{ "cgroup", no_argument, NULL, 'G' },
		{ "allow", required_argument, NULL, 'A' },
		{ "key", required_argument, NULL, 'K' },
		{ "user", required_argument, NULL, 'U' },
		{ "insecure", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t t;
	int c;

	r->timeout_s = LISTEN_DEFAULT_TIMEOUT;
	while ((c = getopt_long(argc, argv, "+wvhl:dL:t:", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'l':
			r->listen = optarg;
			break;
		case 'd':
			r->daemon = 1;
			break;
		case 'L':
			r->log = optarg;
			break;
		case 't':
			if (ckpt_parse_u64(optarg, &t) || !t || t > 86400)
				return usage_error("bad --timeout, expected 1..86400 seconds");
			r->timeout_s = (int)t;
			break;
		case 'w':
			r->wait = 1;
			break;
		case 'v':
			r->verbose = 1;
			break;
		case 'P':
			r->pid_ns = 1;
			break;
		case 'C':
			r->any_cpu = 1;
			break;
		case 'N':
			r->any_node = 1;
			break;
		case 'G':
			r->cgroup_move = 1;
			break;
		case 'A':
			if (r->nr_allow_arg >= LISTEN_MAX_ALLOW)
				return usage_error("too many --allow options");
			r->allow_arg[r->nr_allow_arg++] = optarg;
			break;
		case 'K':
			r->key_path = optarg;
			break;
		case 'U':
			r->user = optarg;
			break;
		case 'I':
			r->insecure = 1;
			break;
		case 'h':
			usage(stdout);
			exit(CKPT_EXIT_OK);
		default:
			return usage_error("bad option");
		}
	}
	if (r->listen && (optind < argc || r->wait))
		return usage_error("--listen takes no FILE and no --wait");
	if (!r->listen && (r->daemon || r->log || r->nr_allow_arg ||
			   r->key_path || r->user || r->insecure))
		return usage_error("--daemon, --log, --allow, --key, --user and --insecure go with --listen");
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

/*
 * Re-create the image's POSIX timers with their IDs, in ascending order:
 * a new process hands out timer IDs 0, 1, 2... so create and delete until
 * the next one is the ID wanted.  Each is armed with the time it had left;
 * one firing during the restore leaves its signal pending (every signal
 * is blocked here) for the restored process.
 */
static int child_make_timers(const struct child_ctx *c)
{
	uint32_t i;

	for (i = 0; i < c->nr_timers; i++) {
		const struct ckpt_rec_posix_timer *pt = &c->timers[i];
		struct itimerspec its;
		struct sigevent sev;
		int id = -1;

		memset(&sev, 0, sizeof(sev));
		sev.sigev_notify = pt->notify;
		sev.sigev_signo = pt->signo;
		sev.sigev_value.sival_ptr = (void *)(uintptr_t)pt->value;
		sev._sigev_un._tid = pt->tid;
		while (id != pt->id) {
			if (syscall(SYS_timer_create, pt->clockid, &sev, &id))
				return -errno;
			if (id == pt->id)
				break;
			syscall(SYS_timer_delete, id);
			if (id > pt->id)
				return -EEXIST;
		}
		/* CPU-time clocks: the module arms them once restored. */
		if (!pt->value_ns || pt->clockid < 0)
			continue;
		its.it_value.tv_sec = pt->value_ns / 1000000000LL;
		its.it_value.tv_nsec = pt->value_ns % 1000000000LL;
		its.it_interval.tv_sec = pt->interval_ns / 1000000000LL;
		its.it_interval.tv_nsec = pt->interval_ns % 1000000000LL;
		if (syscall(SYS_timer_settime, id, 0, &its, NULL))
			return -errno;
	}
	return 0;
}

static int child_reexec(const struct child_ctx *c)
{
	if (fcntl(c->dev, F_SETFD, 0) || fcntl(c->pipe_wr, F_SETFD, 0))
		return -errno;
	if (c->timers_fd >= 0 && fcntl(c->timers_fd, F_SETFD, 0))
		return -errno;
	execve("/proc/self/exe", c->argv, environ);
	return -errno;
}

/* After clone3 or in the re-executed program: system calls only. */
static void __attribute__((noreturn)) child_run(const struct child_ctx *c)
{
	struct child_msg msg = { .stage = STAGE_VDSO, .err = c->plan_err,
				 .pid = getpid() };
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
			msg.stage = STAGE_TIMERS;
			msg.err = child_make_timers(c);
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

/*
 * "0x..." of @v into @buf (at least 19 bytes).  By hand: every restart
 * prepares these arguments, and the first snprintf() of the process costs
 * more than the rest of the plan.
 */
static void hex_arg(char *buf, uint64_t v)
{
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	*buf++ = '0';
	*buf++ = 'x';
	while (n)
		*buf++ = tmp[--n];
	*buf = '\0';
}

/* argv to re-execute in child mode with @tries layouts left. */
static void child_set_argv(struct child_ctx *c, const char *argv0,
			   const struct ckpt_vdso_target *t, int tries)
{
	const uint64_t val[] = { c->dev, c->pipe_wr, t->vvar_start,
				 t->vvar_end, t->vdso_start, t->vdso_end,
				 tries, (uint64_t)(int64_t)c->timers_fd };
	unsigned int i;

	memset(c->argv, 0, sizeof(c->argv));
	if (tries <= 0)
		return;
	c->argv[0] = (char *)argv0;
	c->argv[1] = CHILD_MODE;
	for (i = 0; i < ARRAY_SIZE(val); i++) {
		hex_arg(c->args[i], val[i]);
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
	tmark("/proc/self/maps read");
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
/* The POSIX timers, from the memfd the parent wrote before re-executing. */
static int child_read_timers(struct child_ctx *c)
{
	struct stat st;
	ssize_t n;

	if (fstat(c->timers_fd, &st) || st.st_size <= 0 ||
	    st.st_size % sizeof(*c->timers) ||
	    st.st_size > (off_t)(CKPT_MAX_POSIX_TIMERS * sizeof(*c->timers)))
		return -EINVAL;
	c->timers = malloc(st.st_size);
	if (!c->timers)
		return -ENOMEM;
	n = pread(c->timers_fd, c->timers, st.st_size, 0);
	if (n != st.st_size)
		return -EIO;
	c->nr_timers = st.st_size / sizeof(*c->timers);
	close(c->timers_fd);
	c->timers_fd = -1;
	return 0;
}

static int child_main(int argc, char **argv)
{
	struct child_ctx c;
	uint64_t v[8];
	int i, err;

	memset(&c, 0, sizeof(c));
	c.pipe_rd = -1;
	for (i = 0; i < 8; i++)
		if (argc != 11 || ckpt_parse_u64(argv[2 + i], &v[i]))
			return usage_error("bad arguments for " CHILD_MODE);
	if (child_parse_tids(&c, argv[10]))
		return usage_error("bad thread list for " CHILD_MODE);
	c.tid_list = argv[10];
	c.timers_fd = (int)(int64_t)v[7];
	if (c.timers_fd >= 0 && child_read_timers(&c))
		return usage_error("bad timer list for " CHILD_MODE);
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
 * Re-read the image, when it is a regular file, up to the first record
 * @match takes: 1 then, @img on it (to be closed); else 0.
 */
static int reread_until(struct restart *r, struct ckpt_image *img,
			int (*match)(const struct ckpt_image *img, void *ctx),
			void *ctx)
{
	int err;

	if (!r->seekable || lseek(r->img, 0, SEEK_SET))
		return 0;
	err = ckpt_image_open_fd(img, r->img);
	while (!err) {
		err = ckpt_image_next(img);
		if (err > 0 && match(img, ctx))
			return 1;
		err = err > 0 ? 0 : err ? err : -ENOENT;
	}
	ckpt_image_close(img);
	return 0;
}

static int at_offset(const struct ckpt_image *img, void *offset)
{
	return img->rec_offset == *(uint64_t *)offset;
}

/*
 * Describe the record at @offset ("VMA record at offset N (/path)"):
 * re-read the image when it is a regular file, else just name the type.
 */
static void describe_record(struct restart *r, uint32_t type,
			    uint64_t offset, char *buf, size_t size)
{
	struct ckpt_image img;
	const char *path;

	snprintf(buf, size, "%s record at offset %" PRIu64,
		 ckpt_rec_name(type), offset);
	if (!reread_until(r, &img, at_offset, &offset))
		return;
	path = ckpt_image_path(&img);
	if (path)
		snprintf(buf, size, "%s record at offset %" PRIu64 " (%s)",
			 ckpt_rec_name(type), offset, ckpt_esc(path, SIZE_MAX));
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

	/* The module names the XSAVE features this CPU lacks. */
	if (r->prep.err_addr) {
		ckpt_xfeature_names(r->prep.err_addr, names, sizeof(names));
		ckpt_fail(err, "cannot restore %s: the image uses CPU features (XSAVE state) this CPU lacks: %s",
			  r->name, names);
		ckpt_hint("restore it on a CPU with these features (see 'ckpt show' for the image's, /proc/cpuinfo for this CPU's)");
		return;
	}
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
		snprintf(buf, size, "bad %s %s at offset %llu",
			 ckpt_rec_name(type),
			 type == CKPT_REC_FILE ? "entry" : "record", off);
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

/* A memory policy the kernel refused, or would (CKPT_OBJ_MEMPOLICY). */
static void report_mempolicy(struct restart *r, int err, int mapping,
			     unsigned long long addr)
{
	char what[64];

	if (mapping)
		snprintf(what, sizeof(what), "the mapping at 0x%llx", addr);
	else
		snprintf(what, sizeof(what), "its thread %llu", addr);
	ckpt_fail(err, "cannot restore %s: the NUMA memory policy of %s cannot be set here: %s",
		  r->name, what, strerror(-err));
	if (err == -EINVAL)
		ckpt_hint("none of the memory nodes it names is online here and in restart's cpuset, or its home node is offline ('ckpt show' lists them); restart --any-node leaves memory policies out");
}

/* Do we hold capability @cap (effective)?  Yes if we cannot tell. */
static int has_cap(int cap)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return 1;
	return !!(d[cap / 32].effective & (1U << (cap % 32)));
}

static void report_prepare(struct restart *r, int err)
{
	char why[512], where[128] = "";

	if (r->prep.err_object == CKPT_OBJ_MEMPOLICY) {
		report_mempolicy(r, err, r->prep.err_fd, r->prep.err_addr);
		return;
	}
	if (diagnose_image(r, err, why, sizeof(why)))
		image_where(r, why, sizeof(why));
	else if (r->verbose && r->prep.err_type)
		image_where(r, where, sizeof(where));
	switch (-err) {
	case ENOEXEC:
		if (r->seekable && pread(r->img, why, 8, 0) == 8 &&
		    ckpt_sealed_magic(why, 8)) {
			ckpt_fail(err, "cannot restore %s: it is a sealed image",
				  r->name);
			ckpt_hint("open it first: ckpt unseal --key FILE IMAGE | restart -");
			break;
		}
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
	case ENODEV:
		if (r->prep.err_object == CKPT_OBJ_FD) {
			ckpt_fail(err, "cannot restore %s: fd %d is a UDP socket in a multicast group, or sending to one, on a network device this host does not have (by its index)",
				  r->name, r->prep.err_fd);
			ckpt_hint("'ckpt show' lists the groups and their devices");
			break;
		}
		ckpt_fail(err, "cannot restore %s: %s", r->name,
			  strerror(-err));
		break;
	case ENOENT:
		if (r->prep.err_type == CKPT_REC_SOCKOPT) {
			ckpt_fail(err, "cannot restore %s: the socket of fd %d uses a TCP congestion control this kernel does not have",
				  r->name, r->prep.err_fd);
			ckpt_hint("'ckpt show' names it; load its module (tcp_NAME) or run restart with CAP_NET_ADMIN");
			break;
		}
		if (r->prep.err_object == CKPT_OBJ_VMA) {
			ckpt_fail(err, "cannot restore %s: %s (the mapping at 0x%llx)",
				  r->name, restore_why(err),
				  (unsigned long long)r->prep.err_addr);
			break;
		}
		if (r->prep.err_object == CKPT_OBJ_FD &&
		    r->prep.err_type == CKPT_REC_INWATCH) {
			describe_record(r, r->prep.err_type,
					r->prep.err_offset, why, sizeof(why));
			ckpt_fail(err, "cannot restore %s: fd %d is an inotify instance whose watched file no longer exists: %s",
				  r->name, r->prep.err_fd, why);
			ckpt_hint("'ckpt show' lists the watches and their paths");
			break;
		}
		if (r->prep.err_object == CKPT_OBJ_FD) {
			ckpt_fail(err, "cannot restore %s: %s (fd %d)", r->name,
				  restore_why(err), r->prep.err_fd);
			break;
		}
		if (r->prep.err_object == CKPT_OBJ_FS) {
			ckpt_fail(err, "cannot restore %s: its working or root directory (or the parent of a removed one) no longer exists",
				  r->name);
			ckpt_hint("'ckpt show' prints them (cwd, root)");
			break;
		}
		/* fall through */
	case ESTALE:
		ckpt_fail(err, "cannot restore %s: %s", r->name,
			  restore_why(err));
		break;
	case EPERM:
		if (r->prep.err_type == CKPT_REC_ATTRS &&
		    r->prep.err_object == CKPT_OBJ_VMA) {
			ckpt_fail(err, "cannot restore %s: it locks memory (mlock, at 0x%llx and maybe more) beyond its RLIMIT_MEMLOCK, and you lack CAP_IPC_LOCK",
				  r->name,
				  (unsigned long long)r->prep.err_addr);
			ckpt_hint("raise RLIMIT_MEMLOCK (ulimit -l) before the checkpoint, or run restart with CAP_IPC_LOCK");
			break;
		}
		if (r->prep.err_type == CKPT_REC_ATTRS &&
		    r->prep.err_addr == CKPT_ATTR_OOM_ADJ) {
			ckpt_fail(err, "cannot restore %s: its oom_score_adj is below the lowest yours lets you set",
				  r->name);
			ckpt_hint("run restart with CAP_SYS_RESOURCE; 'ckpt show' prints the image's");
			break;
		}
		if (r->prep.err_type == CKPT_REC_SOCKOPT) {
			ckpt_fail(err, "cannot restore %s: the socket of fd %d has SO_MARK, SO_PRIORITY above 6 or a restricted TCP congestion control, which need CAP_NET_ADMIN",
				  r->name, r->prep.err_fd);
			ckpt_hint("run restart with CAP_NET_ADMIN");
			break;
		}
		if (r->prep.err_object == CKPT_OBJ_FS) {
			int cap = has_cap(CAP_SYS_CHROOT);

			ckpt_fail(err, "cannot restore %s: it has a root directory of its own (chroot), which %s",
				  r->name, cap ? "the security policy (LSM) refuses it" :
				  "only a restorer with CAP_SYS_CHROOT may give it");
			ckpt_hint("%s'ckpt show' prints the image's root",
				  cap ? "" : "run restart with CAP_SYS_CHROOT; ");
			break;
		}
		if (r->prep.err_type == CKPT_REC_ATTRS) {
			ckpt_fail(err, "cannot restore %s: its securebits or PR_SET_IO_FLUSHER setting are not yours to give it",
				  r->name);
			ckpt_hint("run restart with CAP_SETPCAP (securebits) and CAP_SYS_RESOURCE (IO flusher)");
			break;
		}
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
	/* -v: where the module stopped, when our reader said it instead */
	if (*where)
		ckpt_hint("the module found it: %s", where);
}

static int status_tgid(pid_t pid, uint64_t *tgid)
{
	char path[64], line[128];
	int err = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %" SCNu64, tgid) == 1) {
			err = 0;
			break;
		}
	fclose(f);
	return err;
}

/* The PID is taken: name its holder (a process, or a tombstone). */
static void report_eexist(struct restart *r, int err)
{
	pid_t pid = r->prep.pid;
	uint64_t tgid = 0;
	char comm[64];

	if (ckpt_proc_comm(pid, comm, sizeof(comm)) == 0) {
		if (status_tgid(pid, &tgid) || (pid_t)tgid == pid)
			ckpt_fail(err, "PID %d is in use by process %d ('%s'): cannot restore the process with its PID",
				  pid, pid, comm);
		else
			ckpt_fail(err, "PID %d is in use by thread %d ('%s') of process %d: cannot restore the process with its PID",
				  pid, pid, comm, (int)tgid);
		ckpt_hint("end that process, or restore where PID %d is free",
			  pid);
	} else if (r->claim_err == -EBUSY) {
		ckpt_fail(err, "PID %d is tombstoned here and its tombstone is still pending: cannot restore the process with its PID",
			  pid);
	} else {
		ckpt_fail(err, "PID %d is taken by no visible process (a tombstone of another node's PID, or a process of another PID namespace view): cannot restore the process with its PID",
			  pid);
		ckpt_hint("see 'ckptctl status'; 'ckptctl untombstone %d' if its process is gone",
			  pid);
	}
}

static void report_clone(struct restart *r, int err)
{
	pid_t pid = r->prep.pid;
	char buf[64];

	switch (-err) {
	case EEXIST:
		report_eexist(r, err);
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
		return "restoring its working or root directory";
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

/* A thread's scheduling attributes the kernel refused (CKPT_OBJ_SCHED). */
static void report_sched(struct restart *r, int err)
{
	static const char *const what[] = {
		[CKPT_SCHED_ATTR_AFFINITY] = "CPU affinity",
		[CKPT_SCHED_ATTR_POLICY] = "scheduling policy and nice value",
		[CKPT_SCHED_ATTR_IOPRIO] = "I/O priority",
	};
	int attr = r->done.err_fd;

	if (attr < CKPT_SCHED_ATTR_AFFINITY || attr > CKPT_SCHED_ATTR_IOPRIO)
		attr = CKPT_SCHED_ATTR_POLICY;
	ckpt_fail(err, "cannot restore pid %d: setting the %s of its thread %llu failed: %s",
		  r->prep.pid, what[attr], (unsigned long long)r->done.err_addr,
		  strerror(-err));
	if (err == -EPERM && attr == CKPT_SCHED_ATTR_POLICY)
		ckpt_hint("a nice value below the restoring process's, or a real-time or deadline policy, needs CAP_SYS_NICE (or room in RLIMIT_NICE, RLIMIT_RTPRIO); 'ckpt show' lists the image's");
	else if (err == -EPERM && attr == CKPT_SCHED_ATTR_IOPRIO)
		ckpt_hint("the real-time I/O class needs CAP_SYS_NICE or CAP_SYS_ADMIN");
	else if (err == -EINVAL && attr == CKPT_SCHED_ATTR_AFFINITY)
		ckpt_hint("none of the CPUs it was bound to is online here and in the restoring process's cpuset ('ckpt show' lists them); restart --any-cpu leaves affinities out");
}

/* A pseudo-terminal's end in the image, and its pair (report_pty). */
struct pty_find {
	pid_t pid;
	int fd;
	struct ckpt_rec_file entry;	/* the FILE entry of @pid's @fd */
	char path[CKPT_PATH_MAX];
	int have_rec;
	struct ckpt_rec_pty rec;	/* its pair's PTY record */
	char master[CKPT_PATH_MAX];	/* where its master was opened */
};

static int pty_entry(const struct ckpt_image *img, void *ctx)
{
	const struct ckpt_rec_file *f = img->payload;
	struct pty_find *q = ctx;

	if (img->rec.type != CKPT_REC_FILE || f->fd != q->fd ||
	    (img->hdr.nr_tasks > 1 && img->task.pid != q->pid))
		return 0;
	q->entry = *f;
	snprintf(q->path, sizeof(q->path), "%s",
		 ckpt_image_path(img) ? ckpt_image_path(img) : "?");
	return 1;
}

/* The pair's PTY record and the path of its master: 1 once both seen. */
static int pty_pair(const struct ckpt_image *img, void *ctx)
{
	const struct ckpt_rec_file *f = img->payload;
	const struct ckpt_rec_pty *p = img->payload;
	struct pty_find *q = ctx;

	if (img->rec.type == CKPT_REC_PTY && p->index == q->entry.ino) {
		q->rec = *p;
		q->have_rec = 1;
	} else if (img->rec.type == CKPT_REC_FILE && !q->master[0] &&
		   f->kind == CKPT_FILE_PTY && f->ino == q->entry.ino &&
		   f->rdev == CKPT_IMG_PTMX_RDEV && f->path_len) {
		snprintf(q->master, sizeof(q->master), "%s",
			 (const char *)(f + 1));
	}
	return q->have_rec && q->master[0];
}

/* A restore failed on the /dev/tty entry @q->entry (CKPT_FILE_CTTY). */
static int report_devtty(struct restart *r, int err, const struct pty_find *q)
{
	const struct ckpt_rec_file *f = &q->entry;
	unsigned int major = ckpt_dev_major(f->dev);
	unsigned int minor = ckpt_dev_minor(f->dev);
	pid_t pid = r->prep.pid;
	char term[96];

	if (f->size == CKPT_CTTY_PAIR)
		snprintf(term, sizeof(term), "the slave of the image's pseudo-terminal pair %llu",
			 (unsigned long long)f->ino);
	else if (major >= 136 && major <= 143)
		snprintf(term, sizeof(term), "/dev/pts/%u",
			 (major - 136) * 256 + minor);
	else
		snprintf(term, sizeof(term), "the terminal of device %u:%u",
			 major, minor);
	if (err == -ENXIO) {
		ckpt_fail(err, "cannot restore pid %d: fd %d is /dev/tty, which reached its controlling terminal, %s; the restored process's controlling terminal is not that one",
			  pid, f->fd, term);
		if (f->size != CKPT_CTTY_PAIR)
			ckpt_hint("a process that did not lead its session keeps restart's controlling terminal: run restart from that terminal ('tty' names yours); a session leader takes its terminal back only while no other session has it as its controlling terminal");
	} else if (err == -ESTALE) {
		ckpt_fail(err, "cannot restore pid %d: fd %d: %s is not /dev/tty (character device 5:0) here",
			  pid, f->fd, ckpt_esc(q->path, SIZE_MAX));
	} else {
		ckpt_fail(err, "cannot restore pid %d: fd %d, /dev/tty on %s, could not be opened again: %s",
			  pid, f->fd, term, restore_why(err));
	}
	return 1;
}

/* A restore failed on the pidfd entry @f (CKPT_FILE_PIDFD). */
static int report_pidfd(struct restart *r, int err,
			const struct ckpt_rec_file *f)
{
	pid_t pid = r->prep.pid;

	if (f->size == CKPT_PIDFD_GONE)
		ckpt_fail(err, "cannot restore pid %d: fd %d, a pidfd of a process gone, could not be made: %s",
			  pid, f->fd, restore_why(err));
	else if (err == -ESRCH)
		ckpt_fail(err, "cannot restore pid %d: fd %d is a pidfd of process %llu, restored with it, which is not there",
			  pid, f->fd, (unsigned long long)f->ino);
	else
		ckpt_fail(err, "cannot restore pid %d: fd %d, a pidfd of process %llu, could not be made: %s",
			  pid, f->fd, (unsigned long long)f->ino,
			  restore_why(err));
	return 1;
}

/*
 * A restore failed on @fd: if it is an end of a pseudo-terminal pair
 * (CKPT_FILE_PTY), say what of it failed; 0 if it is not one (or the
 * image cannot be read again).
 */
static int report_pty(struct restart *r, int err, int fd)
{
	static struct pty_find q;
	struct ckpt_image img;
	char what[CKPT_PATH_MAX + 64];
	pid_t pid = r->prep.pid;

	memset(&q, 0, sizeof(q));
	q.pid = pid;
	q.fd = fd;
	if (!reread_until(r, &img, pty_entry, &q))
		return 0;
	ckpt_image_close(&img);
	if (q.entry.kind == CKPT_FILE_CTTY)
		return report_devtty(r, err, &q);
	if (q.entry.kind == CKPT_FILE_PIDFD)
		return report_pidfd(r, err, &q.entry);
	if (q.entry.kind != CKPT_FILE_PTY)
		return 0;
	if (reread_until(r, &img, pty_pair, &q))
		ckpt_image_close(&img);
	snprintf(what, sizeof(what), "fd %d, the pseudo-terminal %s %s (pts %llu)",
		 fd, q.entry.rdev == CKPT_IMG_PTMX_RDEV ? "master" : "slave",
		 ckpt_esc(q.path, SIZE_MAX), (unsigned long long)q.entry.ino);
	switch (-err) {
	case EPERM:
		if (q.have_rec)
			ckpt_fail(err, "cannot restore pid %d: %s: could not give the pseudo-terminal's slave its owner or mode (uid %u gid %u mode %04o from the image)",
				  pid, what, q.rec.uid, q.rec.gid, q.rec.mode);
		else
			ckpt_fail(err, "cannot restore pid %d: %s: could not give the pseudo-terminal's slave its owner or mode (from the image)",
				  pid, what);
		ckpt_hint("giving it an owner or group not yours needs CAP_CHOWN, and its mode then CAP_FOWNER: run restart as root");
		break;
	case ENOENT:
	case ENXIO:
	case ENODEV:
	case EACCES:
	case EIO:
	case ESTALE:
		ckpt_fail(err, "cannot restore pid %d: %s: could not open a pseudo-terminal master at %s: %s",
			  pid, what, q.master[0] ?
			  ckpt_esc(q.master, SIZE_MAX) :
			  "the path the image names", err == -ESTALE ?
			  "it is not a pseudo-terminal multiplexer" :
			  strerror(-err));
		ckpt_hint("that path must name a pseudo-terminal multiplexer here, as at the checkpoint: /dev/ptmx, or the ptmx of a devpts mount");
		break;
	case ENOSPC:
		ckpt_fail(err, "cannot restore pid %d: %s: no new pseudo-terminal can be made here, or the bytes its master had not read do not fit in it again",
			  pid, what);
		ckpt_hint("kernel.pty.max, or the devpts mount's max=, may be reached");
		break;
	default:
		ckpt_fail(err, "cannot restore pid %d: %s could not be made again: %s",
			  pid, what, restore_why(err));
	}
	return 1;
}

/* A failed CKPT_IOC_RESTORE_TASK, with RESTORE_WAIT's details if any. */
static void report_restore(struct restart *r, int err)
{
	const char *obj = restore_object(r->done.err_object);
	pid_t pid = r->prep.pid;
	uint32_t type;
	int owner;

	/* fcntl F_SETOWN_EX, F_SETSIG or O_ASYNC failed (CKPT_FOWN_ERR) */
	if (r->done.err_object == CKPT_OBJ_FD &&
	    ckpt_fown_err(r->done.err_addr, &type, &owner)) {
		if (owner)
			ckpt_fail(err, "cannot restore pid %d: fd %d: could not make %s %d its owner for SIGIO (F_SETOWN_EX), or set its signal or O_ASYNC: %s",
				  pid, r->done.err_fd, ckpt_owner_kind(type),
				  owner, strerror(-err));
		else
			ckpt_fail(err, "cannot restore pid %d: fd %d: could not set its signal for SIGIO (F_SETSIG) or O_ASYNC: %s",
				  pid, r->done.err_fd, strerror(-err));
		return;
	}
	if (r->done.err_object == CKPT_OBJ_FD &&
	    report_pty(r, err, r->done.err_fd))
		return;
	if (r->done.err_object == CKPT_OBJ_IMAGE) {
		report_restore_image(r, err);
		return;
	}
	if (r->done.err_object == CKPT_OBJ_SCHED) {
		report_sched(r, err);
		return;
	}
	if (r->done.err_object == CKPT_OBJ_MEMPOLICY) {
		report_mempolicy(r, err, r->done.err_fd, r->done.err_addr);
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
		if (r->done.err_object == CKPT_OBJ_FD && err == -EAGAIN)
			ckpt_fail(err, "cannot restore pid %d: a lock it held on the file of fd %d is held by another process",
				  pid, r->done.err_fd);
		else if (r->done.err_object == CKPT_OBJ_FD)
			ckpt_fail(err, "cannot restore pid %d: fd %d could not be reopened: %s",
				  pid, r->done.err_fd, restore_why(err));
		else if (r->done.err_object == CKPT_OBJ_VMA) {
			ckpt_fail(err, "cannot restore pid %d: the mapping at 0x%llx could not be recreated: %s",
				  pid, (unsigned long long)r->done.err_addr,
				  restore_why(err));
			if (err == -ENOMEM)
				ckpt_hint("if it is hugetlb memory ('ckpt show' says), the pool may hold too few free 2 MiB pages: raise vm.nr_hugepages");
		} else
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

/*
 * The PID in the TASK record at the start of a piped image; 0 if unknown
 * (too few bytes yet, or a tree), -1 if the bytes are no image at all.
 */
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
	if (ok && ckpt_sealed_magic(buf, sizeof(buf)))
		return -2;	/* sealed: nothing to spool either */
	if (ok && (ckpt_zstd_magic(buf, sizeof(buf)) ||
		   ckpt_incr_magic(buf, sizeof(buf))))
		return -3;	/* compressed or incremental: into memory */
	if (ok && h->magic != CKPT_IMAGE_MAGIC)
		return -1;	/* not an image: nothing to spool */
	if (!ok || rh->type != CKPT_REC_TASK)
		return 0;
	memcpy(&pid, rh + 1, sizeof(pid));
	return pid > 0 ? pid : 0;
}

/*
 * A streamed image is restored as it arrives, unless its PID is still
 * taken here: then it is the checkpoint of that very process going on
 * (ckpt --kill PID | restart), which cannot finish until the stream is
 * drained, so the image is spooled into memory first.  A tree's image
 * (its first record is TREE, not TASK) is always spooled: planning each
 * process's vvar/vdso move needs all of its VMA records before the first
 * clone3 (tree_read_image()).
 */
static int stream_ok(const struct stat *st)
{
	pid_t pid = peek_pid(S_ISSOCK(st->st_mode));

	if (pid == -2)
		return -EMEDIUMTYPE;
	if (pid == -3)
		return -EILSEQ;
	if (pid < 0)
		return -ENOEXEC;
	return pid && kill(pid, 0) && errno == ESRCH;
}

/*
 * A compressed image (ckpt --compress) is inflated into memory first, a
 * memfd restored from as from a file: at most half of what the machine
 * has available (the restored memory takes as much again).  A FIFO is
 * waited for as long as the restore would wait for it.  CKPT_EXIT_OK
 * when there is nothing (more) to do.
 */
/* Restore from @fd, a memfd holding the whole image, instead. */
static void adopt_image(struct restart *r, int fd)
{
	if (r->img != STDIN_FILENO)
		close(r->img);
	r->img = fd;
	r->seekable = 1;
}

static int inflate_image(struct restart *r)
{
	struct ckpt_zres res;
	int fd, err;

	err = ckpt_zstd_to_memfd(r->img, ckpt_mem_available() / 2, -1, &fd,
				 &res);
	if (err == -EFBIG)
		close(fd);
	if (err < 0) {
		ckpt_fail(err, "cannot read %s: %s", r->name, res.msg);
		return CKPT_EXIT_FAILED;
	}
	if (!err)
		return CKPT_EXIT_OK;
	if (r->verbose)
		ckpt_hint("inflated a compressed image: %llu bytes from %llu",
			  (unsigned long long)res.out_bytes,
			  (unsigned long long)res.in_bytes);
	adopt_image(r, fd);
	return CKPT_EXIT_OK;
}

/*
 * An incremental image (ckpt --parent) is merged with its chain of
 * parents into a complete image in memory (incr.h); a relative parent
 * path is taken from the image's directory (stdin: the current one).
 */
static int incr_image(struct restart *r)
{
	char why[512], parent[CKPT_INCR_PATH_MAX];
	int fd, err;

	err = ckpt_incr_merge(r->img, r->path, 0, &fd, parent,
			      sizeof(parent), why, sizeof(why));
	if (err < 0) {
		ckpt_fail(err, "cannot read %s: %s", r->name, why);
		return CKPT_EXIT_FAILED;
	}
	if (!err)
		return CKPT_EXIT_OK;
	if (r->verbose)
		ckpt_hint("merged an incremental image with its parent %s",
			  parent);
	adopt_image(r, fd);
	return CKPT_EXIT_OK;
}

/* A compressed or incremental image, made complete in memory. */
static int unwrap_image(struct restart *r)
{
	int ret = inflate_image(r);

	return ret ? ret : incr_image(r);
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
		return unwrap_image(r);
	}
	err = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ? stream_ok(&st) : 0;
	if (err == -EILSEQ)
		return unwrap_image(r);
	if (err == -EMEDIUMTYPE) {
		ckpt_fail(-ENOEXEC, "the data on stdin is a sealed image: nothing was read into memory");
		ckpt_hint("open it first: ckpt unseal --key FILE IMAGE | restart -");
		return CKPT_EXIT_FAILED;
	}
	if (err < 0) {
		ckpt_fail(err, "the data on stdin is not a checkpoint image (no image magic): nothing was read into memory");
		return CKPT_EXIT_FAILED;
	}
	if (err) {
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
	/* compressed, but too slow to start for peek_pid() to tell */
	return unwrap_image(r);
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
	/* A FIFO or a character device is a stream, as a pipe on stdin. */
	r->seekable = lseek(r->img, 0, SEEK_CUR) == 0;
	return unwrap_image(r);
}

/* What the checkpoint left out under --skip: the loss, said again. */
static void report_skipped(const struct restart *r)
{
	uint32_t i, n = r->prep.nr_skipped;

	for (i = 0; i < n && i < CKPT_MAX_SKIPPED; i++) {
		const struct ckpt_rec_skipped *s = &r->skipped[i];

		if (s->class == CKPT_SKIPPED_FD)
			ckpt_hint("pid %d: fd %d (%.*s) was left out by ckpt --skip: it is closed",
				  r->prep.pid, s->fd, (int)sizeof(s->what),
				  s->what);
		else
			ckpt_hint("pid %d: mapping 0x%llx-0x%llx (%.*s) was left out by ckpt --skip: it is unmapped",
				  r->prep.pid, (unsigned long long)s->start,
				  (unsigned long long)s->end,
				  (int)sizeof(s->what), s->what);
	}
}

/*
 * The image's process ran in another cgroup than ours: it will run in
 * ours (the module does not move it), so say so.
 */
static void report_cgroup(struct restart *r)
{
	char mine[CKPT_PATH_MAX + 64];
	char *path, *end;
	ssize_t n;
	int fd;

	if (r->cgroup_move || !r->prep.cgroup_len ||
	    r->prep.cgroup_len > sizeof(r->cgroup))
		return;
	/* One line, "0::PATH", on a system with cgroup v2 only. */
	fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, mine, sizeof(mine) - 1);
	close(fd);
	if (n <= 0)
		return;
	mine[n] = '\0';
	path = strstr(mine, "0::");
	if (!path || (path != mine && path[-1] != '\n'))
		return;
	path += 3;
	end = strchr(path, '\n');
	if (end)
		*end = '\0';
	if (!strcmp(path, r->cgroup))
		return;
	fprintf(stderr, "restart: warning: pid %d ran in cgroup %s; it will run in restart's, %s (the old one's limits do not apply)\n",
		r->prep.pid, r->cgroup, path);
}

#define CGROUP_ROOT	"/sys/fs/cgroup"

/*
 * restart --cgroup: enter the image's cgroup, so that the process is
 * created there (a tree's too), with the kernel's checks of a write to
 * its cgroup.procs.
 */
static int enter_cgroup(struct restart *r)
{
	char path[sizeof(r->cgroup) + sizeof(CGROUP_ROOT "/cgroup.procs")];
	struct statfs sf;
	int fd, err = 0;

	if (!r->cgroup_move)
		return 0;
	if (!r->prep.cgroup_len || r->prep.cgroup_len > sizeof(r->cgroup)) {
		ckpt_fail(-ENODATA, "cannot restore pid %d in its cgroup: the image does not name one",
			  r->prep.pid);
		return -ENODATA;
	}
	if (statfs(CGROUP_ROOT, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC) {
		ckpt_fail(-EOPNOTSUPP, "cannot restore pid %d in cgroup %s: cgroup v2 is not mounted at %s",
			  r->prep.pid, r->cgroup, CGROUP_ROOT);
		return -EOPNOTSUPP;
	}
	snprintf(path, sizeof(path), "%s%s/cgroup.procs", CGROUP_ROOT,
		 strcmp(r->cgroup, "/") ? r->cgroup : "");
	/* The module refused "." and ".." in it; be sure of the target too. */
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		err = -errno;
	else if (fstatfs(fd, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC)
		err = -EXDEV;
	else if ((errno = 0, write(fd, "0", 1) != 1))
		err = errno ? -errno : -EIO;
	if (fd >= 0)
		close(fd);
	if (err) {
		ckpt_fail(err, "cannot restore pid %d in cgroup %s: entering it (%s) failed: %s",
			  r->prep.pid, r->cgroup, path, strerror(-err));
		if (err == -ENOENT)
			ckpt_hint("make the cgroup first, or restore without --cgroup (in restart's)");
		else if (err == -EBUSY)
			ckpt_hint("the cgroup gives its controllers to children (cgroup.subtree_control): processes cannot join it");
	}
	return err;
}

/*
 * Zeroed memory for @n elements of @size that costs nothing until used:
 * the module fills in only what the image has (one TID, no timers, most
 * often), where calloc() would clear every page of the largest case.
 */
static void *zmap(size_t n, size_t size)
{
	void *p = mmap(NULL, n * size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int prepare(struct restart *r)
{
	memset(&r->prep, 0, sizeof(r->prep));
	r->prep.size = sizeof(r->prep);
	r->prep.flags = (r->any_cpu ? CKPT_RESTORE_ANY_CPU : 0) |
			(r->any_node ? CKPT_RESTORE_ANY_NODE : 0) |
			(r->hold ? CKPT_RESTORE_HOLD : 0);
	r->prep.fd = r->img;
	if (!r->tids)
		r->tids = zmap(CKPT_MAX_THREADS, sizeof(*r->tids));
	if (!r->timers)
		r->timers = zmap(CKPT_MAX_POSIX_TIMERS, sizeof(*r->timers));
	if (!r->skipped)
		r->skipped = zmap(CKPT_MAX_SKIPPED, sizeof(*r->skipped));
	if (!r->tids || !r->timers || !r->skipped)
		return -ENOMEM;
	r->prep.tids = (uintptr_t)r->tids;
	r->prep.tids_max = CKPT_MAX_THREADS;
	r->prep.timers = (uintptr_t)r->timers;
	r->prep.timers_max = CKPT_MAX_POSIX_TIMERS;
	r->prep.skipped = (uintptr_t)r->skipped;
	r->prep.skipped_max = CKPT_MAX_SKIPPED;
	r->prep.cgroup = (uintptr_t)r->cgroup;
	r->prep.cgroup_max = sizeof(r->cgroup);
	r->prep.uts = (uintptr_t)&r->uts;
	if (ioctl(r->dev, CKPT_IOC_RESTORE_PREPARE, &r->prep))
		return -errno;
	report_skipped(r);
	report_cgroup(r);
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
	c->timers = r->timers;
	c->nr_timers = r->prep.nr_timers;
	c->timers_fd = -1;
	if (c->nr_timers) {
		size_t size = c->nr_timers * sizeof(*c->timers);

		c->timers_fd = memfd_create("ckpt-timers", MFD_CLOEXEC);
		if (c->timers_fd < 0 ||
		    ckpt_write_full(c->timers_fd, c->timers, size))
			return -errno;
	}
	child_set_argv(c, argv0, &c->target, CHILD_TRIES - 1);
	tmark("child's pipe and args");
	err = child_plan(c);
	if (!err && c->plan_err && c->plan_err != -EADDRINUSE)
		err = c->plan_err;
	return err;
}

/*
 * Is the process holding @pid on its way out (killed, exiting, zombie,
 * gone)?  One that has dequeued its SIGKILL and is freeing its memory in
 * do_exit() shows only PF_EXITING, in the flags field of its stat line.
 */
static int pid_leaving(pid_t pid)
{
	const uint64_t kill = 1ULL << (SIGKILL - 1);
	const unsigned long pf_exiting = 0x4;
	uint64_t shd = 0, pnd = 0;
	char path[64], buf[512], *p;
	unsigned long flags = 0;
	char state = 0;
	int saved = errno;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (ckpt_read_line(path, buf, sizeof(buf))) {
		errno = saved;
		return 1;
	}
	p = strrchr(buf, ')');
	if (p && sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", &state,
			&flags) == 2 &&
	    (ckpt_state_dead(state) || (flags & pf_exiting))) {
		errno = saved;
		return 1;
	}
	ckpt_proc_status_hex(pid, "ShdPnd", &shd);
	ckpt_proc_status_hex(pid, "SigPnd", &pnd);
	errno = saved;
	return !!((shd | pnd) & kill);
}

/*
 * PID 1 of the namespace made by --pid-ns: reaps what is reparented to it
 * and ends once it is alone (kill(-1, 0) then finds nobody: ESRCH).
 */
static void __attribute__((noreturn)) ns_init_main(void)
{
	const struct timespec pause = { 0, 200 * 1000 * 1000 };
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	syscall(SYS_close_range, 3, ~0U, 0);
	for (;;) {
		nanosleep(&pause, NULL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (kill(-1, 0) < 0 && errno == ESRCH)
			_exit(0);
	}
}

/* --pid-ns: a new PID namespace for our next child, with its init. */
static int enter_pid_ns(struct restart *r)
{
	pid_t init;

	if (r->prep.pid == 1)
		return -EINVAL;
	if (unshare(CLONE_NEWPID))
		return -errno;
	fflush(NULL);
	init = fork();
	if (init < 0)
		return -errno;
	if (init == 0)
		ns_init_main();
	r->ns_init = init;
	return 0;
}

static void end_pid_ns(struct restart *r)
{
	if (r->ns_init <= 0)
		return;
	kill(r->ns_init, SIGKILL);
	waitpid(r->ns_init, NULL, 0);
	r->ns_init = 0;
}

/*
 * A PID of this node's range that was tombstoned when its process
 * emigrated: claim it, so the clone3 below removes the tombstone and gets
 * the PID in one step.  Anything else (no range here, a foreign PID, no
 * tombstone) needs no claim.
 */
static void claim_pid(struct restart *r)
{
	struct ckpt_pid_claim_args a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.pid = r->prep.pid;
	if (ioctl(r->dev, CKPT_IOC_PID_CLAIM, &a) == 0) {
		r->claimed = 1;
		if (r->verbose)
			ckpt_hint("PID %d was tombstoned here: claimed it",
				  r->prep.pid);
	} else {
		r->claim_err = -errno;
	}
}

static void release_claim(struct restart *r)
{
	struct ckpt_pid_claim_args a;

	if (!r->claimed)
		return;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = CKPT_PID_CLAIM_RELEASE;
	ioctl(r->dev, CKPT_IOC_PID_CLAIM, &a);
	r->claimed = 0;
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
 *
 * The child starts with every signal blocked: a signal sent to the PID
 * while it is being restored stays pending and is delivered once the
 * image's handlers and mask are in place, as it would have been to the
 * original.
 */
static int spawn(struct restart *r)
{
	const struct timespec pause = { 0, 20 * 1000 * 1000 };
	int tries = PID_WAIT_MS / 20;
	sigset_t all, old;
	long ret;
	int err = 0;

	if (!r->pid_ns)
		claim_pid(r);
	fflush(NULL);
	sigfillset(&all);
	for (;;) {
		sigprocmask(SIG_SETMASK, &all, &old);
		ret = clone3_pid(r->prep.pid);
		if (ret == 0)
			child_run(&r->ctx);
		err = ret < 0 ? errno : 0;
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (ret >= 0 || err != EEXIST || --tries <= 0 ||
		    !pid_leaving(r->prep.pid))
			break;
		nanosleep(&pause, NULL);
		/* Reading /proc may have changed our mappings. */
		if (child_plan(&r->ctx))
			r->ctx.plan_err = -EADDRINUSE;
	}
	release_claim(r);
	if (ret < 0)
		return -err;
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

	if (kill_it || r->kill_on_fail)
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
		if (r->done.err_pid > 0)	/* a tree's process */
			r->prep.pid = r->done.err_pid;
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
	case STAGE_TIMERS:
		ckpt_fail(err, "cannot restore pid %d: re-creating its %u POSIX timers with their IDs failed: %s",
			  r->prep.pid, r->prep.nr_timers, strerror(-err));
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

/* ==== clocks ====================================================== */

#define NSEC	1000000000LL

static int64_t clock_now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NSEC + ts.tv_nsec;
}

/* Our time namespace's offsets (0 without one, or without CONFIG_TIME_NS). */
static void timens_offsets(int64_t *mono, int64_t *boot)
{
	char line[128], name[32];
	long long sec;
	long nsec;
	FILE *f;

	*mono = *boot = 0;
	f = fopen("/proc/self/timens_offsets", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %lld %ld", name, &sec, &nsec) != 3)
			continue;
		if (!strcmp(name, "monotonic"))
			*mono = sec * NSEC + nsec;
		else if (!strcmp(name, "boottime"))
			*boot = sec * NSEC + nsec;
	}
	fclose(f);
}

static void offset_line(char *buf, size_t size, const char *name, int64_t ns)
{
	long long sec = ns / NSEC;
	long nsec = ns % NSEC;

	if (nsec < 0) {
		nsec += NSEC;
		sec--;
	}
	snprintf(buf, size, "%s %lld %ld\n", name, sec, nsec);
}

/* Children made after this are in a new time namespace with these offsets. */
static int enter_timens(int64_t mono, int64_t boot)
{
	char buf[128];
	size_t len;
	int fd, err = 0;

	offset_line(buf, sizeof(buf), "monotonic", mono);
	len = strlen(buf);
	offset_line(buf + len, sizeof(buf) - len, "boottime", boot);
	if (unshare(CLONE_NEWTIME))
		return -errno;
	fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, strlen(buf)) < 0)
		err = -errno;
	if (fd >= 0)
		close(fd);
	return err;
}

/*
 * The restored process must not see CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW
 * or CLOCK_BOOTTIME go back, which they would on a machine booted later
 * than the checkpoint was taken (never on the same boot).  Then the child is created in a new time namespace whose
 * offsets add what is missing (boottime at least as much as monotonic, so
 * it stays >= monotonic).  Failing that (no CAP_SYS_ADMIN, no
 * CONFIG_TIME_NS), the restore goes on, with a warning.
 */
static void keep_clocks(struct restart *r)
{
	int64_t add_m, add_b, cur_m, cur_b, now_m, now_r;
	int err;

	if (!r->prep.monotonic_ns)
		return;
	now_m = clock_now(CLOCK_MONOTONIC);
	now_r = clock_now(CLOCK_MONOTONIC_RAW);
	if (r->prep.monotonic_raw_ns) {
		/* Each clock against ours (the offset moves both alike). */
		add_m = r->prep.monotonic_ns - now_m;
		if (r->prep.monotonic_raw_ns - now_r > add_m)
			add_m = r->prep.monotonic_raw_ns - now_r;
	} else {
		/* An older image: the later of MONOTONIC and _RAW. */
		add_m = r->prep.monotonic_ns - (now_r < now_m ? now_r : now_m);
	}
	add_b = r->prep.boottime_ns - clock_now(CLOCK_BOOTTIME);
	add_m = add_m > 0 ? add_m : 0;
	add_b = add_b > add_m ? add_b : add_m;
	if (!add_b)
		return;
	timens_offsets(&cur_m, &cur_b);
	if (__builtin_add_overflow(cur_m, add_m, &cur_m) ||
	    __builtin_add_overflow(cur_b, add_b, &cur_b))
		err = -ERANGE;	/* a hostile image's clocks */
	else
		err = enter_timens(cur_m, cur_b);
	if (err) {
		fprintf(stderr, "restart: warning: the clocks of pid %d go back by %.3f s on this machine: cannot create a time namespace: %s (%s)\n",
			r->prep.pid, (double)add_b / NSEC, strerror(-err),
			ckpt_errname(err));
		return;
	}
	if (r->verbose)
		ckpt_hint("pid %d restored in a time namespace: CLOCK_MONOTONIC +%.3f s, CLOCK_BOOTTIME +%.3f s",
			  r->prep.pid, (double)add_m / NSEC,
			  (double)add_b / NSEC);
}

/* ==== SysV shared memory ========================================== */

#define SHM_NEXT_ID	"/proc/sys/kernel/shm_next_id"
#define SEM_NEXT_ID	"/proc/sys/kernel/sem_next_id"
#define MSG_NEXT_ID	"/proc/sys/kernel/msg_next_id"

/* The image's segments, made again before its processes are restored. */
struct sysv_seg {
	struct ckpt_rec_sysvshm s;
	void *addr;		/* attached here while it is filled */
	int created;		/* by us: removed again if the restore fails */
};

/* A semaphore set or message queue we made. */
struct sysv_obj {
	int is_sem;
	int id;
};

static struct {
	struct sysv_seg *seg;
	uint32_t n;
	struct sysv_obj *obj;
	uint32_t nr_obj;
	int done;		/* the restore went through */
} sysv;

static int set_next_id(const char *path, int id)
{
	char buf[16];
	int fd, n, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d\n", id);
	if (write(fd, buf, n) != n)
		err = -errno;
	close(fd);
	return err;
}

static int set_shm_next_id(int id)
{
	return set_next_id(SHM_NEXT_ID, id);
}

/*
 * A semaphore set or message queue of the image's own IPC namespace, made
 * again in the new one with its id, key, mode, owner and contents.
 */
static int sysv_make_ipc(struct restart *r, const struct ckpt_image *img)
{
	int is_sem = img->rec.type == CKPT_REC_SYSVSEM;
	const struct ckpt_rec_sysvsem *sem = img->payload;
	const struct ckpt_rec_sysvmsg *q = img->payload;
	const char *what = is_sem ? "semaphore set" : "message queue";
	int32_t want = is_sem ? sem->id : q->id;
	key_t key = is_sem ? sem->key : q->key;
	const unsigned char *p = img->payload;
	unsigned char *buf = NULL;
	uint32_t off = sizeof(*q), i;
	int id, err;

	struct sysv_obj *o;
	struct semid_ds sds;
	struct msqid_ds qds;

	/* In our namespace (--sysv-ipc): the id or key may be taken. */
	if (!(r->prep.image_flags & CKPT_IMAGE_IPC_NS) &&
	    (is_sem ? semctl(want, 0, IPC_STAT, &sds) :
		      msgctl(want, IPC_STAT, &qds)) == 0) {
		key_t k = is_sem ? sds.sem_perm.__key : qds.msg_perm.__key;

		if (key != IPC_PRIVATE && k == key &&
		    (!is_sem || sds.sem_nsems == sem->nsems)) {
			if (r->verbose)
				ckpt_hint("SysV %s %d (key 0x%08x) is still there: the process uses it as it is",
					  what, want, (unsigned int)key);
			return 0;
		}
		ckpt_fail(-EEXIST, "cannot restore %s: SysV %s id %d is taken by another one (key 0x%08x)",
			  r->name, what, want, (unsigned int)k);
		return -EEXIST;
	}
	if (!(r->prep.image_flags & CKPT_IMAGE_IPC_NS) && key != IPC_PRIVATE) {
		id = is_sem ? semget(key, 0, 0) : msgget(key, 0);
		if (id >= 0 || errno == EACCES) {
			ckpt_fail(-EEXIST, "cannot restore %s: SysV %s key 0x%08x is taken by %d, not the image's %d",
				  r->name, what, (unsigned int)key, id, want);
			return -EEXIST;
		}
	}
	o = realloc(sysv.obj, (sysv.nr_obj + 1) * sizeof(*o));
	if (!o)
		return -ENOMEM;
	sysv.obj = o;
	err = set_next_id(is_sem ? SEM_NEXT_ID : MSG_NEXT_ID, want);
	if (err) {
		ckpt_fail(err, "cannot restore %s: giving SysV %s %d its id failed: %s",
			  r->name, what, want, strerror(-err));
		return err;
	}
	id = is_sem ? semget(key, sem->nsems, IPC_CREAT | IPC_EXCL | 0600) :
		      msgget(key, IPC_CREAT | IPC_EXCL | 0600);
	err = id < 0 ? -errno : id != want ? -EBUSY : 0;
	set_next_id(is_sem ? SEM_NEXT_ID : MSG_NEXT_ID, -1);
	if (!err)
		sysv.obj[sysv.nr_obj++] = (struct sysv_obj){ is_sem, id };
	if (!err && is_sem) {
		struct semid_ds ds;

		err = semctl(id, 0, SETALL, (unsigned short *)(sem + 1)) ||
		      semctl(id, 0, IPC_STAT, &ds) ? -errno : 0;
		ds.sem_perm.uid = sem->uid;
		ds.sem_perm.gid = sem->gid;
		ds.sem_perm.mode = sem->mode;
		if (!err && semctl(id, 0, IPC_SET, &ds))
			err = -errno;
	} else if (!err) {
		struct msqid_ds ds;

		err = msgctl(id, IPC_STAT, &ds) ? -errno : 0;
		ds.msg_qbytes = q->qbytes;
		if (!err && msgctl(id, IPC_SET, &ds))
			err = -errno;
		buf = malloc(sizeof(long) + CKPT_REC_MAX_META);
		if (!err && !buf)
			err = -ENOMEM;
		for (i = 0; !err && i < q->nr_msgs; i++) {
			const struct ckpt_sysv_msg *m = (const void *)(p + off);
			long mtype = (long)m->mtype;

			memcpy(buf, &mtype, sizeof(mtype));
			memcpy(buf + sizeof(long), m + 1, m->len);
			if (msgsnd(id, buf, m->len, IPC_NOWAIT))
				err = -errno;
			off += sizeof(*m) + ((m->len + 7) & ~7U);
		}
		ds.msg_perm.uid = q->uid;
		ds.msg_perm.gid = q->gid;
		ds.msg_perm.mode = q->mode;
		if (!err && msgctl(id, IPC_SET, &ds))
			err = -errno;
	}
	free(buf);
	if (err) {
		if (id >= 0 && !is_sem)
			msgctl(id, IPC_RMID, NULL);
		else if (id >= 0)
			semctl(id, 0, IPC_RMID);
		if (id >= 0 && id == want)
			sysv.nr_obj--;
		ckpt_fail(err, "cannot restore %s: making SysV %s %d (key 0x%08x) again failed: %s",
			  r->name, what, want, (unsigned int)key,
			  err == -EBUSY ? "the id is taken" : strerror(-err));
	}
	return err;
}

/*
 * Make segment @g again with its id and key, or find it still there (the
 * same id, key and size: the segment outlived the process, its contents
 * are the live ones).  Anything else holding the id or the key is refused.
 */
static int sysv_make(struct restart *r, struct sysv_seg *g)
{
	const struct ckpt_rec_sysvshm *s = &g->s;
	struct shmid_ds ds;
	int id, err;

	if (shmctl(s->id, IPC_STAT, &ds) == 0 || errno == EACCES) {
		if (errno != EACCES && s->key != IPC_PRIVATE &&
		    ds.shm_perm.__key == s->key && ds.shm_segsz == s->size) {
			if (r->verbose)
				ckpt_hint("SysV segment %d (key 0x%08x) is still there: attaching it as it is",
					  s->id, (unsigned int)s->key);
			return 0;
		}
		ckpt_fail(-EEXIST, "cannot restore %s: SysV shared memory id %d is taken by another segment (key 0x%08x, %zu bytes, uid %u)",
			  r->name, s->id, (unsigned int)ds.shm_perm.__key,
			  (size_t)ds.shm_segsz, (unsigned int)ds.shm_perm.uid);
		ckpt_hint("the image's segment %d had key 0x%08x and %llu bytes; remove the other one (ipcrm -m %d) or restore elsewhere",
			  s->id, (unsigned int)s->key, s->size, s->id);
		return -EEXIST;
	}
	if (s->key != IPC_PRIVATE) {
		id = shmget(s->key, 0, 0);
		if (id >= 0 || errno == EACCES) {
			ckpt_fail(-EEXIST, "cannot restore %s: SysV shared memory key 0x%08x is taken by segment %d, not the image's %d",
				  r->name, (unsigned int)s->key, id, s->id);
			return -EEXIST;
		}
	}
	err = set_shm_next_id(s->id);
	if (err) {
		ckpt_fail(err, "cannot restore %s: giving SysV segment %d its id through %s failed: %s",
			  r->name, s->id, SHM_NEXT_ID, strerror(-err));
		return err;
	}
	id = shmget(s->key, s->size, IPC_CREAT | IPC_EXCL | 0600);
	err = id < 0 ? -errno : 0;
	set_shm_next_id(-1);
	if (id >= 0 && id != s->id) {
		shmctl(id, IPC_RMID, NULL);
		err = -EBUSY;
	}
	if (err) {
		ckpt_fail(err, "cannot restore %s: making SysV segment %d (key 0x%08x, %llu bytes) failed: %s",
			  r->name, s->id, (unsigned int)s->key, s->size,
			  strerror(-err));
		return err;
	}
	g->created = 1;
	g->addr = shmat(id, NULL, 0);
	if (g->addr == (void *)-1) {
		g->addr = NULL;
		err = -errno;
		ckpt_fail(err, "cannot restore %s: filling SysV segment %d failed: %s",
			  r->name, s->id, strerror(-err));
	}
	return err;
}

/* Its mode and owner, once filled; its creator stays the caller. */
static int sysv_finish(struct restart *r, struct sysv_seg *g)
{
	struct shmid_ds ds;

	if (g->addr)
		shmdt(g->addr);
	g->addr = NULL;
	if (!g->created)
		return 0;
	if (shmctl(g->s.id, IPC_STAT, &ds))
		return -errno;
	ds.shm_perm.uid = g->s.uid;
	ds.shm_perm.gid = g->s.gid;
	ds.shm_perm.mode = g->s.mode & 0777;
	if (shmctl(g->s.id, IPC_SET, &ds)) {
		int err = -errno;

		ckpt_fail(err, "cannot restore %s: giving SysV segment %d its owner %u:%u and mode 0%o failed: %s",
			  r->name, g->s.id, g->s.uid, g->s.gid,
			  g->s.mode & 0777, strerror(-err));
		return err;
	}
	return 0;
}

static int sysv_take(struct restart *r, const struct ckpt_image *img)
{
	const struct ckpt_rec_sysvdata *sd = img->payload;
	struct sysv_seg *g;
	size_t n;
	uint32_t i;

	if (img->rec.type == CKPT_REC_SYSVSHM) {
		g = realloc(sysv.seg, (sysv.n + 1) * sizeof(*g));
		if (!g)
			return -ENOMEM;
		sysv.seg = g;
		g = &sysv.seg[sysv.n++];
		memset(g, 0, sizeof(*g));
		memcpy(&g->s, img->payload, sizeof(g->s));
		for (i = 0; i + 1 < sysv.n; i++)
			if (sysv.seg[i].s.id == g->s.id)
				return -EBADMSG;
		return sysv_make(r, g);
	}
	n = img->rec.len - sizeof(*sd);
	for (i = 0; i < sysv.n; i++) {
		g = &sysv.seg[i];
		if (g->s.id != sd->id)
			continue;
		if (sd->offset > g->s.size || n > g->s.size - sd->offset)
			return -EBADMSG;
		if (g->addr)	/* a live segment keeps its contents */
			memcpy((char *)g->addr + sd->offset, sd + 1, n);
		return 0;
	}
	return -EBADMSG;
}

/* Remove what we made: the restore failed. */
static void sysv_undo(void)
{
	uint32_t i;

	for (i = 0; i < sysv.n && !sysv.done; i++) {
		if (sysv.seg[i].addr)
			shmdt(sysv.seg[i].addr);
		if (sysv.seg[i].created)
			shmctl(sysv.seg[i].s.id, IPC_RMID, NULL);
	}
	for (i = 0; i < sysv.nr_obj && !sysv.done; i++) {
		if (sysv.obj[i].is_sem)
			semctl(sysv.obj[i].id, 0, IPC_RMID);
		else
			msgctl(sysv.obj[i].id, IPC_RMID, NULL);
	}
	free(sysv.obj);
	free(sysv.seg);
	memset(&sysv, 0, sizeof(sysv));
}

/* The restore went through: removed segments are marked so again. */
static void sysv_restored(void)
{
	uint32_t i;

	sysv.done = 1;
	for (i = 0; i < sysv.n; i++)
		if (sysv.seg[i].created && (sysv.seg[i].s.mode & CKPT_SYSV_DEST))
			shmctl(sysv.seg[i].s.id, IPC_RMID, NULL);
}

/*
 * What went wrong reading the image again (@why: "to plan its
 * processes"): the file, memory, or the image itself.
 */
static void report_reread(const struct restart *r, int err,
			  const struct ckpt_image *img, const char *why)
{
	int corrupt = !img->error.unreadable && err != -ENOMEM &&
		      img->error.msg[0];

	if (corrupt)
		ckpt_fail(err, "image is corrupt: %s", img->error.msg);
	else
		ckpt_fail(err, "cannot restore %s: reading it again %s: %s",
			  r->name, why, img->error.unreadable ?
			  img->error.msg : strerror(-err));
}

/*
 * Could the image hold SysV IPC records?  Its records are walked by their
 * headers alone: the full parse below checks each record's checksum and
 * contents, which for an image of 1,000 open files costs more than the
 * module's whole PREPARE, and for a tree of 20 processes as much as
 * planning them.  A one-process image's are all before its first PAGES;
 * a tree's are walked to the end.  Anything odd here (a length past the
 * end, bytes after the last record) says "maybe", and the full parse
 * reports it.
 */
static int sysv_maybe(int fd, uint32_t nr_tasks)
{
	struct ckpt_at at = { .fd = fd };
	struct ckpt_image_header ih;
	struct ckpt_rec_header h;
	uint64_t off, size;
	int maybe = 1;

	if (ckpt_fd_size(fd, &size) || size < sizeof(ih) ||
	    ckpt_at_read(&at, &ih, sizeof(ih), 0) != sizeof(ih) ||
	    ih.header_size != sizeof(ih) || ih.nr_tasks != nr_tasks)
		goto out;
	for (off = sizeof(ih); size - off >= sizeof(h);
	     off += sizeof(h) + h.len) {
		/* Short: the file shrank since; the full parse says so. */
		if (ckpt_at_read(&at, &h, sizeof(h), off) != sizeof(h) ||
		    h.len > size - off - sizeof(h))
			goto out;
		switch (h.type) {
		case CKPT_REC_SYSVSHM:
		case CKPT_REC_SYSVDATA:
		case CKPT_REC_SYSVSEM:
		case CKPT_REC_SYSVMSG:
			goto out;
		case CKPT_REC_PAGES:
		case CKPT_REC_END:
			if (nr_tasks == 1) {
				maybe = 0;
				goto out;
			}
		}
	}
	maybe = off != size;
out:
	ckpt_at_free(&at);
	return maybe;
}

/*
 * The image's SysV segments, made and filled before any process is
 * created.  A streamed image cannot be read twice: a process attaching a
 * segment that is not there then fails its restore, before its point of
 * no return (the module checks).
 */
static int sysv_setup(struct restart *r)
{
	struct ckpt_image img;
	uint32_t i;
	int err;

	if (r->prep.image_flags & CKPT_IMAGE_IPC_NS) {
		/* Its own IPC namespace: a new one, which we enter first. */
		if (!r->seekable) {
			ckpt_fail(-EOPNOTSUPP, "cannot restore %s: its processes had their own IPC namespace, which is restored from a file or a spooled stdin only",
				  r->name);
			return -EOPNOTSUPP;
		}
		if (unshare(CLONE_NEWIPC)) {
			err = -errno;
			ckpt_fail(err, "cannot restore %s: making a new IPC namespace for its processes failed: %s",
				  r->name, strerror(-err));
			if (err == -EPERM)
				ckpt_hint("that needs CAP_SYS_ADMIN");
			return err;
		}
		if (r->verbose)
			ckpt_hint("restoring %s in a new IPC namespace", r->name);
	}
	if (!r->seekable || (r->prep.prepared & CKPT_PREPARED_NO_SYSV))
		return 0;
	if (!sysv_maybe(r->img, r->prep.nr_tasks))
		return 0;
	err = ckpt_image_open_at(&img, r->img);
	img.skip_page_data = 1;	/* never touched: the module checks it */
	while (!err && (err = ckpt_image_next(&img)) > 0) {
		err = 0;
		/* One process: its SysV records all come before its pages. */
		if (r->prep.nr_tasks == 1 && (img.rec.type == CKPT_REC_PAGES ||
					      img.rec.type == CKPT_REC_END))
			break;
		if (img.rec.type == CKPT_REC_SYSVSHM ||
		    img.rec.type == CKPT_REC_SYSVDATA)
			err = sysv_take(r, &img);
		else if (img.rec.type == CKPT_REC_SYSVSEM ||
			 img.rec.type == CKPT_REC_SYSVMSG)
			err = sysv_make_ipc(r, &img);
		if (err == -EBADMSG)
			ckpt_fail(err, "image is corrupt: bad %s record at offset %" PRIu64,
				  ckpt_rec_name(img.rec.type), img.rec_offset);
	}
	if (err < 0 && img.error.err)
		report_reread(r, err, &img, "for its System V IPC objects");
	ckpt_image_close(&img);
	for (i = 0; !err && i < sysv.n; i++)
		err = sysv_finish(r, &sysv.seg[i]);
	if (err)
		sysv_undo();
	return err;
}

/* ==== process trees ================================================ */

#define TREE_READY_MS	30000	/* for a process to create its subtree */

/* One process of a tree image, and what its restoring process does. */
struct tree_member {
	struct ckpt_rec_tree_task t;
	struct ckpt_vdso_target target;
	int parent;		/* index of the parent; -1 for the root */
	int do_setsid;		/* setsid() */
	int do_setpgid;		/* setpgid(0, t.pgid) */
	int ready[2];		/* a byte once its subtree is created */
	int32_t vm_pid;		/* on this process's address space, or 0 */
	struct child_ctx ctx;
};

/* Planned before the first clone3; the processes only read it. */
static struct {
	uint32_t n;
	struct tree_member *m;
	int msg_wr;
} tree;

/*
 * A process's threads (their TIDs) and POSIX timers, which its restoring
 * process creates before CKPT_IOC_RESTORE_TASK, as for one process.
 */
static int tree_take_rec(struct child_ctx *c, const struct ckpt_image *img)
{
	const struct ckpt_rec_thread *th = img->payload;
	const struct ckpt_rec_timers *tm = img->payload;

	if (img->rec.type == CKPT_REC_THREAD) {
		if (!c->tids) {
			c->tids = calloc(CKPT_MAX_THREADS, sizeof(*c->tids));
			if (!c->tids)
				return -ENOMEM;
		}
		if (c->nr_tids >= CKPT_MAX_THREADS)
			return -EBADMSG;
		c->tids[c->nr_tids++] = th->tid;
		return 0;
	}
	if (!tm->nr_posix)
		return 0;
	if (tm->nr_posix > CKPT_MAX_POSIX_TIMERS ||
	    img->rec.len != sizeof(*tm) + tm->nr_posix * sizeof(*c->timers))
		return -EBADMSG;
	c->timers = malloc(tm->nr_posix * sizeof(*c->timers));
	if (!c->timers)
		return -ENOMEM;
	memcpy(c->timers, tm + 1, tm->nr_posix * sizeof(*c->timers));
	c->nr_timers = tm->nr_posix;
	return 0;
}

/* The POSIX timers in a memfd, for a child that re-executes. */
static int child_timers_fd(struct child_ctx *c)
{
	size_t size = c->nr_timers * sizeof(*c->timers);

	c->timers_fd = -1;
	if (!c->nr_timers)
		return 0;
	c->timers_fd = memfd_create("ckpt-timers", MFD_CLOEXEC);
	if (c->timers_fd < 0 || ckpt_write_full(c->timers_fd, c->timers, size))
		return -errno;
	return 0;
}

/*
 * A process on an earlier one's address space has no [vvar] and [vdso] of
 * its own in the image: the module replaces its address space with the
 * restored one.  Until then it moves them where the other's go, as any.
 */
static void tree_vm_targets(void)
{
	uint32_t i, j;

	for (i = 0; tree.m && i < tree.n; i++)
		for (j = 0; tree.m[i].vm_pid && j < i; j++)
			if (tree.m[j].t.pid == tree.m[i].vm_pid)
				tree.m[i].target = tree.m[j].target;
}

/* Each process's PID, links and [vvar]/[vdso], from our own reader. */
static int tree_read_image(struct restart *r)
{
	struct ckpt_image img;
	int err;

	memset(&img, 0, sizeof(img));
	tree.n = r->prep.nr_tasks;
	tree.m = calloc(tree.n, sizeof(*tree.m));
	err = tree.m ? ckpt_image_open_at(&img, r->img) : -ENOMEM;
	/* The file read again must be the one the module read. */
	if (!err && img.hdr.nr_tasks != tree.n) {
		err = -ESTALE;
		snprintf(img.error.msg, sizeof(img.error.msg),
			 "it changed since the module read it (%u processes, then %u)",
			 tree.n, img.hdr.nr_tasks);
	}
	img.skip_page_data = 1;	/* never touched: the module checks it */
	while (!err && (err = ckpt_image_next(&img)) > 0) {
		const struct ckpt_rec_vma *v = img.payload;
		struct tree_member *m = &tree.m[img.task_idx];
		uint32_t i;

		err = 0;
		if (img.rec.type == CKPT_REC_TREE) {
			for (i = 0; i < tree.n; i++)
				tree.m[i].t = img.tree[i];
		} else if (img.rec.type == CKPT_REC_VMA &&
			   v->kind == CKPT_VMA_VDSO) {
			m->target.vdso_start = v->start;
			m->target.vdso_end = v->end;
		} else if (img.rec.type == CKPT_REC_VMA &&
			   v->kind == CKPT_VMA_VVAR) {
			m->target.vvar_start = v->start;
			m->target.vvar_end = v->end;
		} else if (img.rec.type == CKPT_REC_SHARES) {
			const struct ckpt_rec_shares *s = img.payload;

			m->vm_pid = s->vm_pid;
		} else if (img.rec.type == CKPT_REC_THREAD ||
			   img.rec.type == CKPT_REC_TIMERS) {
			err = tree_take_rec(&m->ctx, &img);
			if (err)
				snprintf(img.error.msg, sizeof(img.error.msg),
					 "%s record at offset %" PRIu64 ": %s",
					 ckpt_rec_name(img.rec.type),
					 img.rec_offset, strerror(-err));
		}
	}
	if (err < 0)
		report_reread(r, err, &img, "to plan its processes");
	tree_vm_targets();
	if (tree.m)
		ckpt_image_close(&img);
	return err;
}

static int is_zombie(const struct tree_member *m)
{
	return m->t.flags & CKPT_TREE_ZOMBIE;
}

/*
 * A zombie is made again by exiting with its status: a plain exit, or a
 * signal whose default action ends the process (without a core dump).
 */
static int tree_zombie_bad(const struct tree_member *m)
{
	unsigned int sig = m->t.exit_code & 0x7f;

	if (!is_zombie(m) || !sig)
		return 0;
	return (m->t.exit_code & 0x80) || sig >= 65 || sig == SIGSTOP ||
	       sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU ||
	       sig == SIGCONT || sig == SIGCHLD || sig == SIGURG ||
	       sig == SIGWINCH;
}

/*
 * How each process gets its session and group: inherited from its parent
 * (the root: from us), setsid(), or setpgid() into a group whose leader
 * was created before it.  Anything else is refused.
 */
static int tree_plan_links(struct restart *r)
{
	uint32_t i, j;

	for (i = 0; i < tree.n; i++) {
		struct tree_member *m = &tree.m[i];
		pid_t sid, pgid;

		if (tree_zombie_bad(m)) {
			ckpt_fail(-EOPNOTSUPP, "cannot restore %s: process %d is a zombie killed by signal %u%s, which cannot be made again",
				  r->name, m->t.pid, m->t.exit_code & 0x7f,
				  m->t.exit_code & 0x80 ? " with a core dump" :
				  "");
			return -EOPNOTSUPP;
		}
		m->parent = -1;
		for (j = 0; j < i; j++)
			if (tree.m[j].t.pid == m->t.ppid)
				m->parent = j;
		sid = i ? tree.m[m->parent].t.sid : getsid(0);
		pgid = i ? tree.m[m->parent].t.pgid : getpgrp();
		if (m->t.sid == m->t.pid && sid != m->t.pid) {
			m->do_setsid = 1;
			sid = pgid = m->t.pid;
		}
		if (m->t.sid != sid) {
			ckpt_fail(-EOPNOTSUPP, "cannot restore %s: process %d is in session %d, whose leader is not in the tree%s",
				  r->name, m->t.pid, m->t.sid,
				  i ? " or not its parent's session" :
				  " (restart runs in another session)");
			ckpt_hint("checkpoint the tree from its session leader, or restart it from a process in session %d",
				  m->t.sid);
			return -EOPNOTSUPP;
		}
		if (m->t.pgid == pgid)
			continue;
		for (j = 0; j <= i; j++)
			if (tree.m[j].t.pid == m->t.pgid &&
			    tree.m[j].t.pgid == m->t.pgid &&
			    tree.m[j].t.sid == m->t.sid)
				m->do_setpgid = 1;
		if (!m->do_setpgid) {
			ckpt_fail(-EOPNOTSUPP, "cannot restore %s: process %d is in process group %d, whose leader is not in the tree (or created after it)",
				  r->name, m->t.pid, m->t.pgid);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/* Pipes and argv for every process, then the vdso plans (no more maps). */
static int tree_setup(struct restart *r, const char *argv0)
{
	int p[2], err;
	uint32_t i;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	r->pipe[0] = p[0];
	r->pipe[1] = tree.msg_wr = p[1];
	for (i = 0; i < tree.n; i++) {
		struct child_ctx *c = &tree.m[i].ctx;

		if (pipe2(tree.m[i].ready, O_CLOEXEC))
			return -errno;
		c->dev = r->dev;
		c->pipe_rd = p[0];
		c->pipe_wr = p[1];
		c->target = tree.m[i].target;
		err = child_tid_list(c);
		if (!err)
			err = child_timers_fd(c);
		if (err)
			return err;
		child_set_argv(c, argv0, &c->target, CHILD_TRIES - 1);
	}
	for (i = 0; i < tree.n; i++) {
		struct child_ctx *c = &tree.m[i].ctx;

		if (is_zombie(&tree.m[i]))
			continue;	/* it only exits */
		err = child_plan(c);
		if (!err && c->plan_err && c->plan_err != -EADDRINUSE)
			err = c->plan_err;
		if (err) {
			r->prep.pid = tree.m[i].t.pid;
			r->prep.vdso_start = c->target.vdso_start;
			r->prep.vvar_start = c->target.vvar_start;
			return err;
		}
	}
	return 0;
}

/* After clone3: system calls only. */
static void __attribute__((noreturn)) tree_fail(int stage, int err, pid_t pid)
{
	struct child_msg msg = { .stage = stage, .err = err, .pid = pid };
	ssize_t n;

	do
		n = write(tree.msg_wr, &msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	_exit(CKPT_EXIT_FAILED);
}

/* End as the zombie's process ended; its parent will wait for it. */
static void __attribute__((noreturn)) tree_exit_as(uint32_t status)
{
	int sig = status & 0x7f;
	struct sigaction sa;
	sigset_t set;

	if (!sig)
		_exit((status >> 8) & 0xff);
	/* No core dump, even to a core_pattern pipe. */
	prctl(PR_SET_DUMPABLE, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	kill(getpid(), sig);
	_exit(CKPT_EXIT_FAILED);
}

/* Create process @pid, waiting a little for a dying holder of the PID. */
static long tree_clone(pid_t pid)
{
	const struct timespec pause = { 0, 20 * 1000 * 1000 };
	int tries = PID_WAIT_MS / 20;
	long ret;

	for (;;) {
		ret = clone3_pid(pid);
		if (ret >= 0 || errno != EEXIST || --tries <= 0 ||
		    !pid_leaving(pid))
			break;
		nanosleep(&pause, NULL);
	}
	return ret < 0 ? -errno : ret;
}

/* Wait for our child, process @i, to say its subtree is there. */
static int tree_wait_ready(uint32_t i)
{
	struct pollfd p = { .fd = tree.m[i].ready[0], .events = POLLIN };
	int waited = 0;
	siginfo_t si;
	char b;

	for (;;) {
		if (poll(&p, 1, 100) > 0 && read(p.fd, &b, 1) == 1)
			return 0;
		memset(&si, 0, sizeof(si));
		if (!waitid(P_PID, tree.m[i].t.pid, &si,
			    WEXITED | WNOHANG | WNOWAIT) &&
		    si.si_pid == tree.m[i].t.pid)
			return -ECHILD;
		waited += 100;
		if (waited > TREE_READY_MS)
			return -ETIMEDOUT;
	}
}

/*
 * Process @i of the tree, just created with its PID: its session and
 * group, its children (each with its subtree, in order), then it becomes
 * the image's process.  It dies with its parent until then.
 */
static void __attribute__((noreturn)) tree_member_run(uint32_t i)
{
	struct tree_member *m = &tree.m[i];
	uint32_t c;
	long ret;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		tree_fail(STAGE_TREE, -errno, m->t.pid);
	if (i && getppid() != tree.m[m->parent].t.pid)
		_exit(CKPT_EXIT_FAILED);	/* the parent died already */
	if (m->do_setsid && setsid() < 0)
		tree_fail(STAGE_TREE, -errno, m->t.pid);
	if (m->do_setpgid && setpgid(0, m->t.pgid))
		tree_fail(STAGE_TREE, -errno, m->t.pid);
	for (c = i + 1; c < tree.n; c++) {
		if (tree.m[c].parent != (int)i)
			continue;
		ret = tree_clone(tree.m[c].t.pid);
		if (ret == 0)
			tree_member_run(c);
		if (ret < 0)
			tree_fail(STAGE_CLONE, (int)ret, tree.m[c].t.pid);
		if (tree_wait_ready(c))
			_exit(CKPT_EXIT_FAILED);	/* it said why */
	}
	while (write(m->ready[1], "r", 1) < 0 && errno == EINTR)
		;
	if (is_zombie(m))
		tree_exit_as(m->t.exit_code);
	child_run(&m->ctx);
}

/* A process of the tree failed before it restored itself. */
static int tree_child_failed(struct restart *r, int err)
{
	uint32_t i;

	r->prep.pid = r->msg.pid;
	for (i = 0; i < tree.n; i++) {
		if (tree.m[i].t.pid != r->msg.pid)
			continue;
		r->prep.vdso_start = tree.m[i].target.vdso_start;
		r->prep.vvar_start = tree.m[i].target.vvar_start;
	}
	if (r->msg.stage == STAGE_CLONE) {
		report_clone(r, err);
		reap_child(r, 1);
		return CKPT_EXIT_FAILED;
	}
	if (r->msg.stage == STAGE_TREE) {
		ckpt_fail(err, "cannot restore %s: process %d could not take its session or process group: %s",
			  r->name, r->msg.pid, strerror(-err));
		reap_child(r, 1);
		return CKPT_EXIT_FAILED;
	}
	if (r->msg.stage == STAGE_TASK &&
	    !wait_slice(r, WAIT_SLICE_MS) && r->done.result) {
		/* The module knows better what went wrong, and where. */
		r->prep.pid = r->done.err_pid ? r->done.err_pid : r->msg.pid;
		report_restore(r, r->done.result);
		reap_child(r, 1);
		return CKPT_EXIT_FAILED;
	}
	return child_failed(r, err);
}

static int restore_tree(struct restart *r, const char *argv0)
{
	sigset_t all, old;
	long ret;
	int err;

	if (!r->seekable) {
		ckpt_fail(-EOPNOTSUPP, "cannot restore %s: an image of a tree is read from a file or a spooled stdin only",
			  r->name);
		return CKPT_EXIT_FAILED;
	}
	r->kill_on_fail = 1;
	err = tree_read_image(r);
	if (err)
		return CKPT_EXIT_FAILED;
	err = tree_plan_links(r);
	if (err)
		return CKPT_EXIT_FAILED;
	err = tree_setup(r, argv0);
	if (err) {
		report_vdso(r, err);
		return CKPT_EXIT_FAILED;
	}
	keep_clocks(r);
	fflush(NULL);
	/*
	 * Every process of the tree blocks every signal until it is restored
	 * (a POSIX timer it re-creates may fire meanwhile), as for one.
	 */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	ret = tree_clone(tree.m[0].t.pid);
	if (ret == 0)
		tree_member_run(0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (ret < 0) {
		report_clone(r, (int)ret);
		return CKPT_EXIT_FAILED;
	}
	r->child = ret;
	close(r->pipe[1]);
	r->pipe[1] = -1;
	err = tree_wait_ready(0);
	if (err && err != -ECHILD) {
		ckpt_fail(err, "cannot restore %s: its processes were not created within %d s",
			  r->name, TREE_READY_MS / 1000);
		reap_child(r, 1);
		return CKPT_EXIT_FAILED;
	}
	err = read_child_msg(r);
	if (err)
		return tree_child_failed(r, err);
	err = wait_restore(r);
	if (err)
		return err;
	sysv_restored();
	if (r->verbose)
		ckpt_hint("restored tree %d: %u processes", r->child, tree.n);
	return r->wait ? wait_exit(r) : CKPT_EXIT_OK;
}

static int restore_procs(struct restart *r, const char *argv0);

/*
 * The image's processes had a UTS namespace of their own: a new one with
 * its host and domain names, which we enter first (they inherit it).
 */
static int uts_setup(struct restart *r)
{
	const char *host = r->uts.nodename, *domain = r->uts.domainname;
	int err;

	if (!(r->prep.image_flags & CKPT_IMAGE_UTS_NS))
		return 0;
	err = unshare(CLONE_NEWUTS) ||
	      sethostname(host, strnlen(host, CKPT_UTS_LEN - 1)) ||
	      setdomainname(domain, strnlen(domain, CKPT_UTS_LEN - 1)) ?
	      -errno : 0;
	if (err) {
		ckpt_fail(err, "cannot restore %s: making a new UTS namespace for its processes (host name '%s') failed: %s",
			  r->name, ckpt_esc(host, CKPT_UTS_LEN - 1),
			  strerror(-err));
		if (err == -EPERM)
			ckpt_hint("that needs CAP_SYS_ADMIN");
		return err;
	}
	if (r->verbose)
		ckpt_hint("restoring %s in a new UTS namespace, host name '%s'",
			  r->name, ckpt_esc(host, CKPT_UTS_LEN - 1));
	return 0;
}

static int restore_image(struct restart *r, const char *argv0)
{
	int err;

	r->stage = CKPT_MIG_STAGE_IMAGE;
	tmark("opened");
	err = prepare(r);
	tmark("RESTORE_PREPARE");
	if (err) {
		report_prepare(r, err);
		return CKPT_EXIT_FAILED;
	}
	if (uts_setup(r) || sysv_setup(r))
		return CKPT_EXIT_FAILED;
	tmark("UTS and System V IPC");
	if (enter_cgroup(r)) {
		sysv_undo();
		return CKPT_EXIT_FAILED;
	}
	err = restore_procs(r, argv0);
	sysv_undo();
	return err;
}

/* Restore the image on r->img; CKPT_TIMING's marks printed at the end. */
static int restore(struct restart *r, const char *argv0)
{
	int err = restore_image(r, argv0);

	tprint();
	return err;
}

static int restore_procs(struct restart *r, const char *argv0)
{
	int err;

	if (r->prep.nr_tasks > 1)
		return restore_tree(r, argv0);
	if (r->prep.nr_tasks != 1 || r->prep.pid <= 0) {
		ckpt_fail(-EPROTO, "cannot restore %s: the module says it holds %u tasks (pid %d)",
			  r->name, r->prep.nr_tasks, r->prep.pid);
		return CKPT_EXIT_FAILED;
	}
	r->stage = CKPT_MIG_STAGE_RESTORE;
	err = setup_child(r, argv0);
	tmark("child planned");
	if (err) {
		report_vdso(r, err);
		return CKPT_EXIT_FAILED;
	}
	if (r->pid_ns) {
		err = enter_pid_ns(r);
		if (err) {
			if (err == -EINVAL)
				ckpt_fail(err, "cannot restore %s with --pid-ns: its PID is 1, the new namespace's init",
					  r->name);
			else
				ckpt_fail(err, "cannot make a new PID namespace: %s",
					  strerror(-err));
			if (err == -EPERM)
				ckpt_hint("--pid-ns needs CAP_SYS_ADMIN");
			return CKPT_EXIT_FAILED;
		}
	}
	keep_clocks(r);
	tmark("clocks");
	err = spawn(r);
	tmark("clone3");
	if (err) {
		end_pid_ns(r);
		report_clone(r, err);
		return CKPT_EXIT_FAILED;
	}
	err = read_child_msg(r);
	tmark("child's pipe closed");
	if (err) {
		err = child_failed(r, err);
		end_pid_ns(r);
		return err;
	}
	err = wait_restore(r);
	tmark("RESTORE_WAIT");
	if (err) {
		end_pid_ns(r);
		return err;
	}
	sysv_restored();
	if (r->verbose && r->pid_ns)
		ckpt_hint("restored pid %d in a new PID namespace (pid %d here)",
			  r->prep.pid, r->child);
	else if (r->verbose)
		ckpt_hint("restored pid %d", r->child);
	if (!r->wait)
		return CKPT_EXIT_OK;
	err = wait_exit(r);
	end_pid_ns(r);
	return err;
}

/* ==== restart --listen ============================================= */

#define DRAIN_MAX		(1ULL << 40)

static volatile sig_atomic_t listen_stop;

static void listen_on_term(int sig)
{
	(void)sig;
	listen_stop = 1;
}

/* One line in the listener's log (stderr), with the time. */
static void __attribute__((format(printf, 1, 2))) lnote(const char *fmt, ...)
{
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;
	va_list ap;

	strftime(ts, sizeof(ts), "%H:%M:%S", gmtime_r(&t, &tm));
	fprintf(stderr, "restart[%d] %s: ", (int)getpid(), ts);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void send_verdict(int conn, int err, uint32_t stage, pid_t pid,
			 int64_t ms, const char *msg)
{
	struct ckpt_mig_verdict v;

	memset(&v, 0, sizeof(v));
	v.error = err < 0 ? -err : err;
	v.pid = err ? 0 : pid;
	v.stage = err ? stage : CKPT_MIG_STAGE_NONE;
	v.restore_ns = (uint64_t)ms * 1000000;
	snprintf(v.msg, sizeof(v.msg), "%s", msg);
	ckpt_mig_verdict_seal(&v);
	ckpt_mig_send(conn, &v, sizeof(v));
}

/*
 * After a refusal, read and drop what an authenticated sender still
 * sends, so that it finishes its checkpoint and reads our verdict instead
 * of a reset connection.  Bounded by DRAIN_MAX and by @secs in all (a
 * sender trickling bytes does not hold the handler).
 */
static void drain(int conn, int secs)
{
	static char buf[64 * 1024];
	int64_t end = ckpt_now_ms() + (int64_t)secs * 1000;
	uint64_t total = 0;
	ssize_t n;

	shutdown(conn, SHUT_WR);
	while (total < DRAIN_MAX && ckpt_now_ms() < end) {
		n = read(conn, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
}

/* With --key, the handler's sealed stream (seal.h); the plain end. */
static struct ckpt_seal_relay serve_seal;
static int serve_plain = -1;

/*
 * --key: a stream that failed authentication explains a failure better
 * than what the restore made of its missing rest.
 */
static void serve_seal_blame(const char *peer)
{
	if (ckpt_seal_failure(&serve_seal) != -EBADMSG)
		return;
	ckpt_first_msg[0] = '\0';
	ckpt_first_err = 0;
	ckpt_fail(-EBADMSG, "the stream from %s failed authentication (changed in transit, or not sent by the key's holder)",
		  peer);
}

/*
 * --live (precopy.h): the pre-copied pages, then the dirty-only image,
 * merged into a complete image that the restore reads (through a pipe)
 * instead of @conn.  On failure the verdict is sent here.
 */
static int serve_live(struct restart *r, int conn, const char *peer,
		      struct precopy_rx *rx)
{
	char why[320];
	int64_t t0 = ckpt_now_ms();
	int err;

	r->stage = CKPT_MIG_STAGE_IMAGE;
	err = precopy_receive(conn, rx, why, sizeof(why));
	if (err) {
		ckpt_fail(err, "live migration: %s", why);
		serve_seal_blame(peer);
		send_verdict(conn, err, CKPT_MIG_STAGE_IMAGE, 0, 0,
			     ckpt_first_msg);
		lnote("%s: NOT restored: %s", peer, ckpt_first_msg);
		drain(conn, r->timeout_s);
		return CKPT_EXIT_FAILED;
	}
	lnote("%s: %llu pages pre-copied in %lld ms", peer,
	      (unsigned long long)rx->pages, (long long)(ckpt_now_ms() - t0));
	r->img = rx->img_fd;
	r->seekable = 0;
	return 0;
}

/* ---- listener security: --allow, --key, --user ------------------- */

#define LISTEN_MAX_GROUPS	64
#define SPOOL_MAX		(64ULL << 30)	/* a tree image in memory */

static struct {
	struct ckpt_allow allow[LISTEN_MAX_ALLOW];
	unsigned int nr_allow;
	unsigned char key[CKPT_MIG_KEY_MAX];
	int key_len;		/* 0: no --key */
	int has_user;
	uid_t uid;
	gid_t gid;
	gid_t groups[LISTEN_MAX_GROUPS];
	int ngroups;
} lsec;

static int parse_allow(struct restart *r, const struct ckpt_addr *a)
{
	char buf[1024], *tok, *save;
	const char *why = NULL;
	unsigned int i;

	for (i = 0; i < r->nr_allow_arg; i++) {
		if (strlen(r->allow_arg[i]) >= sizeof(buf))
			return usage_error("--allow list too long");
		strcpy(buf, r->allow_arg[i]);
		for (tok = strtok_r(buf, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (lsec.nr_allow >= LISTEN_MAX_ALLOW)
				return usage_error("more than 64 --allow entries");
			if (ckpt_allow_parse(tok, a->kind,
					     &lsec.allow[lsec.nr_allow], &why)) {
				ckpt_fail(0, "bad --allow entry '%s': %s", tok,
					  why);
				return CKPT_EXIT_USAGE;
			}
			lsec.nr_allow++;
		}
	}
	if (r->nr_allow_arg && !lsec.nr_allow)
		return usage_error("--allow needs at least one address or CID");
	return 0;
}

/* The numeric field @idx (0-based) of a colon-separated line. */
static int colon_field(const char *line, int idx, unsigned long *v)
{
	const char *p = line;
	char *end;

	while (idx-- > 0) {
		p = strchr(p, ':');
		if (!p)
			return -1;
		p++;
	}
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	*v = strtoul(p, &end, 10);
	return errno || *end != ':' || *v >= 0xffffffffUL ? -1 : 0;
}

/* --user NAME: its ids from /etc/passwd, its groups from /etc/group. */
static int resolve_user(const char *name)
{
	size_t nlen = strlen(name);
	char line[4096], *members, *tok, *save;
	unsigned long v;
	FILE *f;
	int found = 0;

	f = fopen("/etc/passwd", "re");
	if (!f) {
		ckpt_fail(errno, "--user %s: cannot read /etc/passwd: %s", name,
			  strerror(errno));
		return CKPT_EXIT_FAILED;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, nlen) || line[nlen] != ':')
			continue;
		if (colon_field(line, 2, &v))
			break;
		lsec.uid = (uid_t)v;
		if (colon_field(line, 3, &v))
			break;
		lsec.gid = (gid_t)v;
		found = 1;
	}
	fclose(f);
	if (!found) {
		ckpt_fail(-ENOENT, "--user %s: no such user in /etc/passwd",
			  name);
		return CKPT_EXIT_USAGE;
	}
	if (lsec.uid == 0) {
		ckpt_fail(-EINVAL, "--user %s: that is root; give an unprivileged user",
			  name);
		return CKPT_EXIT_USAGE;
	}
	lsec.groups[lsec.ngroups++] = lsec.gid;
	f = fopen("/etc/group", "re");
	while (f && fgets(line, sizeof(line), f)) {
		members = strrchr(line, ':');
		if (!members || colon_field(line, 2, &v))
			continue;
		members[strcspn(members, "\n")] = '\0';
		for (tok = strtok_r(members + 1, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save))
			if (!strcmp(tok, name) &&
			    lsec.ngroups < LISTEN_MAX_GROUPS &&
			    (gid_t)v != lsec.gid)
				lsec.groups[lsec.ngroups++] = (gid_t)v;
	}
	if (f)
		fclose(f);
	lsec.has_user = 1;
	return 0;
}

/*
 * After the restore of a live migration: the merger must have merged the
 * whole image.  If it failed, its reason is the failure's (the restore
 * only saw the stream end), and a process restored anyway goes.
 */
static int live_done(struct restart *r, struct precopy_rx *rx, int ret)
{
	char why[320];
	int err = precopy_merged(rx, why, sizeof(why));

	if (!err || (ret && err == -EPIPE))
		return ret;
	if (!ret) {
		kill(r->child, SIGKILL);
		reap_child(r, 0);
	}
	ckpt_first_msg[0] = '\0';
	ckpt_first_err = 0;
	r->stage = CKPT_MIG_STAGE_IMAGE;
	ckpt_fail(err, "live migration: %s", why);
	return CKPT_EXIT_FAILED;
}

/*
 * Everything the listener needs to decide who may send and as whom it
 * restores; refuse a TCP listener open to anyone unless --insecure.
 */
static int listen_security_setup(struct restart *r, const struct ckpt_addr *a,
				 const char *name)
{
	const char *why;
	int ret;

	ret = parse_allow(r, a);
	if (ret)
		return ret;
	if (r->key_path) {
		lsec.key_len = ckpt_mig_key_load(r->key_path, lsec.key, &why);
		if (lsec.key_len < 0) {
			ckpt_fail(lsec.key_len, "cannot use the key file %s: %s",
				  r->key_path, why ? why :
				  strerror(-lsec.key_len));
			return CKPT_EXIT_FAILED;
		}
	}
	if (r->user) {
		ret = resolve_user(r->user);
		if (ret)
			return ret;
	}
	if (a->kind == CKPT_ADDR_TCP && !lsec.nr_allow && !lsec.key_len &&
	    !r->insecure) {
		ckpt_fail(-EACCES, "refusing to listen on %s with neither --allow nor --key: anyone who can connect would have a process restored here with whatever credentials its image names",
			  name);
		ckpt_hint("add --allow ADDR[/BITS], --key FILE (and --user NAME), or --insecure on a trusted network");
		return CKPT_EXIT_USAGE;
	}
	return 0;
}

/* A peer not on the allow-list: say so and hang up (no handler). */
static void refuse_peer(int conn, const char *peer)
{
	char msg[200];

	snprintf(msg, sizeof(msg), "%s is not allowed to migrate to this receiver (restart --allow)",
		 peer);
	fcntl(conn, F_SETFL, O_NONBLOCK);
	send_verdict(conn, EACCES, CKPT_MIG_STAGE_HELLO, 0, 0, msg);
	lnote("%s: refused: not on the allow-list", peer);
}

/*
 * The shared-key challenge-response (migrate.h) after the hello, then the
 * sealed stream: *@conn is its plain end.  0, or the verdict was sent and
 * the connection must be drained.
 */
static int serve_auth(int *connp, const struct ckpt_mig_hello *h,
		      const char *peer, int timeout_ms)
{
	struct ckpt_mig_auth s, rx, p;
	unsigned char mac[CKPT_MIG_MAC_LEN];
	int conn = *connp;
	const char *msg;
	int err;

	if (!lsec.key_len && !(h->flags & CKPT_MIG_HELLO_AUTH))
		return 0;
	if (!lsec.key_len) {
		msg = "this receiver has no shared key (restart --key): run ckpt migrate without --key";
		err = -EOPNOTSUPP;
		goto refuse;
	}
	if (!(h->flags & CKPT_MIG_HELLO_AUTH)) {
		msg = "this receiver requires a shared key: ckpt migrate --key FILE";
		err = -EACCES;
		goto refuse;
	}
	err = ckpt_mig_recv(conn, &s, sizeof(s), timeout_ms);
	if (!err)
		err = ckpt_mig_auth_check(&s, CKPT_MIG_AUTH_S_MAGIC);
	if (err) {
		msg = "bad or missing key exchange";
		goto refuse;
	}
	memset(&rx, 0, sizeof(rx));
	err = ckpt_random(rx.nonce, sizeof(rx.nonce));
	if (err) {
		msg = "no random numbers for the key exchange";
		goto refuse;
	}
	ckpt_mig_auth_mac(lsec.key, lsec.key_len, "ckpt-mig-rx", h, s.nonce,
			  rx.nonce, rx.mac);
	ckpt_mig_auth_seal(&rx, CKPT_MIG_AUTH_R_MAGIC);
	err = ckpt_mig_send(conn, &rx, sizeof(rx));
	if (!err)
		err = ckpt_mig_recv(conn, &p, sizeof(p), timeout_ms);
	if (err == -ENODATA || err == -ECONNRESET || err == -EPIPE) {
		lnote("%s: refused: the sender hung up during the key exchange (it does not hold our key?)",
		      peer);
		return -EACCES;
	}
	if (!err)
		err = ckpt_mig_auth_check(&p, CKPT_MIG_AUTH_P_MAGIC);
	if (err) {
		msg = "bad or missing key exchange";
		goto refuse;
	}
	ckpt_mig_auth_mac(lsec.key, lsec.key_len, "ckpt-mig-tx", h, s.nonce,
			  rx.nonce, mac);
	if (ckpt_mac_differ(mac, p.mac, sizeof(mac))) {
		msg = "authentication failed: the sender does not hold this receiver's key";
		err = -EACCES;
		goto refuse;
	}
	/* From here on, each way sealed (seal.h). */
	err = ckpt_mig_seal(connp, 1, lsec.key, sizeof(lsec.key),
			    lsec.key_len, h, s.nonce, rx.nonce, &serve_seal);
	if (err) {
		/* the sender reads end-of-file instead: it gives up */
		ckpt_fail(err, "%s: cannot start the sealed stream: %s", peer,
			  strerror(-err));
		lnote("%s: refused: cannot start the sealed stream: %s", peer,
		      strerror(-err));
		return err;
	}
	serve_plain = *connp;
	return 0;
refuse:
	ckpt_fail(err, "%s: %s", peer, msg);
	lnote("%s: refused: %s", peer, msg);
	send_verdict(conn, err, CKPT_MIG_STAGE_HELLO, 0, 0, msg);
	return err;
}

static int cap_restore_only(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[CAP_TO_INDEX(CAP_CHECKPOINT_RESTORE)].permitted =
		CAP_TO_MASK(CAP_CHECKPOINT_RESTORE);
	d[CAP_TO_INDEX(CAP_CHECKPOINT_RESTORE)].effective =
		CAP_TO_MASK(CAP_CHECKPOINT_RESTORE);
	d[CAP_TO_INDEX(CAP_CHECKPOINT_RESTORE)].inheritable =
		CAP_TO_MASK(CAP_CHECKPOINT_RESTORE);
	if (syscall(SYS_capset, &hdr, d))
		return -errno;
	/* The restore child re-executes itself: keep it across execve. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE,
		  CAP_CHECKPOINT_RESTORE, 0, 0))
		return -errno;
	return 0;
}

/*
 * --user: become the user, keeping only CAP_CHECKPOINT_RESTORE (to give
 * the process its PID).  The module then restores only images whose
 * credentials the user already holds: others fail with EPERM.
 */
static int drop_to_user(void)
{
	int err;

	if (!lsec.has_user)
		return 0;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ||
	    setgroups(lsec.ngroups, lsec.groups) ||
	    setresgid(lsec.gid, lsec.gid, lsec.gid) ||
	    setresuid(lsec.uid, lsec.uid, lsec.uid))
		err = -errno;
	else
		err = cap_restore_only();
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	if (err)
		ckpt_fail(err, "cannot become user %u with CAP_CHECKPOINT_RESTORE: %s",
			  (unsigned int)lsec.uid, strerror(-err));
	return err;
}

/*
 * --user: the handler keeps CAP_CHECKPOINT_RESTORE, which the module would
 * let an image name for its process; the sender must not gain it.  So a
 * process asking for any capability is refused here.
 */
static int check_no_caps(const struct ckpt_image *img)
{
	const struct ckpt_rec_task *t = img->payload;

	if (!lsec.has_user || img->rec.type != CKPT_REC_TASK)
		return 0;
	if (!(t->cap_permitted | t->cap_effective | t->cap_inheritable |
	      t->cap_ambient))
		return 0;
	ckpt_fail(-EPERM, "the image of pid %d asks for capabilities (permitted 0x%llx, effective 0x%llx): this receiver restores as user %u, with none",
		  t->pid, (unsigned long long)t->cap_permitted,
		  (unsigned long long)t->cap_effective,
		  (unsigned int)lsec.uid);
	return -EPERM;
}

/*
 * A tree is restored from a seekable image, and --user checks every TASK
 * record first: read the stream into memory (a memfd) up to its last
 * record, checking every record on the way.
 */
static int spool_tree(struct restart *r, int conn)
{
	struct ckpt_image img;
	int fd, err;

	fd = memfd_create("ckpt-image", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = ckpt_image_open_copy(&img, conn, fd, SPOOL_MAX);
	while (!err && (err = ckpt_image_next(&img)) > 0)
		err = check_no_caps(&img);
	if (err < 0 && err != -EPERM)
		ckpt_fail(err, "image is corrupt: %s", img.error.msg);
	ckpt_image_close(&img);
	if (err < 0) {
		close(fd);
		return err;
	}
	if (lseek(fd, 0, SEEK_SET)) {
		err = -errno;
		close(fd);
		return err;
	}
	r->img = fd;
	r->seekable = 1;
	return 0;
}

/* Kill every process of a restored tree (the sender did not commit). */
static void kill_tree(void)
{
	uint32_t i;

	for (i = 0; i < tree.n && tree.m; i++)
		if (tree.m[i].t.pid > 0)
			kill(tree.m[i].t.pid, SIGKILL);
}

/*
 * What we restored, held by the module (CKPT_RESTORE_HOLD) before its
 * first instruction until the sender commits, so that our copy never runs
 * beside a source the sender resumed: a verdict lost or changed on the
 * way, a sender gone quiet, or this handler dying leaves the source
 * running and our copy killed without having run.  Into @pids: the
 * processes held (a tree's zombies are not); returns how many.
 */
static int serve_held(struct restart *r, int32_t *pids)
{
	unsigned int n = 0, i;

	for (i = 0; i < tree.n && tree.m && n < CKPT_MAX_TREE; i++)
		if (tree.m[i].t.pid > 0 && !is_zombie(&tree.m[i]))
			pids[n++] = tree.m[i].t.pid;
	if (!n)
		pids[n++] = r->child;
	return (int)n;
}

/*
 * A held process that is gone (held, it can only have been killed), or
 * 0.  Asked through a pidfd, in our PID namespace (not /proc's).
 */
static pid_t serve_held_dead(const int32_t *pids, int n)
{
	struct pollfd p = { .events = POLLIN };
	int i, exited;

	for (i = 0; i < n; i++) {
		p.fd = (int)syscall(SYS_pidfd_open, pids[i], 0);
		if (p.fd < 0)
			return pids[i];
		exited = poll(&p, 1, 0) == 1;	/* readable once it exited */
		close(p.fd);
		if (exited)
			return pids[i];
	}
	return 0;
}

/*
 * Our copy must go (the source resumed, or may have): kill it, still
 * held, so that it never runs; then reap it.
 */
static void serve_remove(struct restart *r)
{
	kill_tree();
	kill(r->child, SIGKILL);
	reap_child(r, 1);
}

/* The sender committed: let our copy run (CKPT_IOC_RESTORE_RELEASE). */
static int serve_release(struct restart *r)
{
	struct ckpt_restore_release_args a = { .size = sizeof(a) };

	return ioctl(r->dev, CKPT_IOC_RESTORE_RELEASE, &a) ? -errno : 0;
}

/* Restore the image arriving on @conn; the handler's exit status. */
static int serve(struct restart *r, int conn, const char *peer,
		 const char *argv0)
{
	struct timeval tv = { r->timeout_s, 0 };
	struct ckpt_mig_hello h;
	struct ckpt_mig_commit c;
	struct precopy_rx rx = { .img_fd = -1, .res_fd = -1, .dev = -1 };
	static int32_t held[CKPT_MAX_TREE];
	int nr_held;
	pid_t dead;
	int64_t t0 = ckpt_now_ms();
	char name[160], node[sizeof(h.node)];
	int err, ret;

	/* A silent or stuck sender fails the restore, it does not hang it. */
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ckpt_first_msg[0] = '\0';
	ckpt_first_err = 0;
	err = ckpt_mig_recv(conn, &h, sizeof(h), r->timeout_s * 1000);
	if (!err)
		err = ckpt_mig_hello_check(&h);
	if (err) {
		ckpt_fail(err, "%s: bad handshake: %s", peer, err == -ENODATA ?
			  "the connection closed" : err == -EPROTO ?
			  "another protocol version" : err == -EOPNOTSUPP ?
			  "options this receiver does not support" :
			  strerror(-err));
		send_verdict(conn, err, CKPT_MIG_STAGE_HELLO, 0, 0,
			     ckpt_first_msg);
		return CKPT_EXIT_FAILED;	/* not drained: no one we know */
	}
	/* Logged before authentication: printable characters only. */
	snprintf(node, sizeof(node), "%s", h.node);
	for (char *q = node; *q; q++)
		if (*q < 0x20 || *q > 0x7e)
			*q = '?';
	lnote("%s (%s): receiving %s %d", peer, node,
	      h.flags & CKPT_MIG_HELLO_TREE ? "tree" : "pid", h.pid);
	snprintf(name, sizeof(name), "%s %d from %s",
		 h.flags & CKPT_MIG_HELLO_TREE ? "tree" : "pid", h.pid, peer);
	if (serve_auth(&conn, &h, peer, r->timeout_s * 1000))
		return CKPT_EXIT_FAILED;	/* not drained: not authenticated */
	if (serve_seal.pid) {
		setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	/* A restore is prepared on an open file: one per handler. */
	r->dev = ckpt_dev_open();
	if (r->dev < 0 || drop_to_user()) {
		if (r->dev < 0)
			ckpt_dev_report(r->dev);
		send_verdict(conn, ckpt_first_err ? ckpt_first_err : EPERM,
			     CKPT_MIG_STAGE_RESTORE, 0, 0, ckpt_first_msg);
		drain(conn, r->timeout_s);
		return CKPT_EXIT_FAILED;
	}
	r->name = name;
	r->img = conn;
	r->seekable = 0;
	r->hold = 1;
	if (h.flags & CKPT_MIG_HELLO_LIVE) {
		rx.dev = r->dev;
		ret = serve_live(r, conn, peer, &rx);
		if (ret)
			return ret;
	}
	if ((h.flags & CKPT_MIG_HELLO_TREE) || lsec.has_user) {
		r->stage = CKPT_MIG_STAGE_IMAGE;
		/* the stream, or the merged image of a live migration */
		err = spool_tree(r, r->img);
		if (err) {
			if (!ckpt_first_err)
				ckpt_fail(err, "cannot read the image: %s",
					  strerror(-err));
			serve_seal_blame(peer);
			send_verdict(conn, ckpt_first_err, r->stage, 0, 0,
				     ckpt_first_msg);
			lnote("%s: %d NOT restored: %s", peer, h.pid,
			      ckpt_first_msg);
			/* --live: the merger reads the connection too: stop it */
			if (rx.merger > 0) {
				char why[320];

				kill(rx.merger, SIGKILL);
				precopy_merged(&rx, why, sizeof(why));
			}
			drain(conn, r->timeout_s);
			return CKPT_EXIT_FAILED;
		}
	}
	ret = restore(r, argv0);
	if (h.flags & CKPT_MIG_HELLO_LIVE) {
		ret = live_done(r, &rx, ret);
		lnote("%s: final image merged in %lld ms", peer,
		      (long long)rx.merge_ms);
	}
	if (ret == 0 && r->prep.pid != h.pid) {
		kill_tree();
		kill(r->child, SIGKILL);
		reap_child(r, 0);
		ckpt_fail(-EBADMSG, "the image holds pid %d, the handshake said %d",
			  r->prep.pid, h.pid);
		ret = CKPT_EXIT_FAILED;
	}
	if (ret) {
		serve_seal_blame(peer);
		send_verdict(conn, ckpt_first_err ? ckpt_first_err : EIO,
			     r->stage, 0, 0, ckpt_first_msg[0] ?
			     ckpt_first_msg : "restore failed");
		lnote("%s: pid %d NOT restored: %s", peer, h.pid,
		      ckpt_first_msg);
		drain(conn, r->timeout_s);
		return CKPT_EXIT_FAILED;
	}
	nr_held = serve_held(r, held);
	dead = serve_held_dead(held, nr_held);
	if (dead) {
		/* dead on arrival: the source must resume, not be killed */
		serve_remove(r);
		ckpt_fail(-ESRCH, "pid %d was killed right after its restore",
			  (int)dead);
		send_verdict(conn, ESRCH, CKPT_MIG_STAGE_RESTORE, 0, 0,
			     ckpt_first_msg);
		lnote("%s: pid %d NOT restored: %s", peer, h.pid,
		      ckpt_first_msg);
		drain(conn, r->timeout_s);
		return CKPT_EXIT_FAILED;
	}
	send_verdict(conn, 0, 0, r->child, ckpt_now_ms() - t0, "restored");
	err = ckpt_mig_recv(conn, &c, sizeof(c), r->timeout_s * 1000);
	if (!err)
		err = ckpt_mig_commit_check(&c);
	dead = !err && c.what == CKPT_MIG_COMMIT ?
	       serve_held_dead(held, nr_held) : 0;
	if (dead) {
		/*
		 * Killed while held: do not say COMMITTED, so the sender
		 * keeps its source (stopped: it cannot tell what we did).
		 */
		serve_remove(r);
		lnote("%s: pid %d was killed before the commit: not committed; the sender leaves its copy stopped",
		      peer, (int)dead);
		return CKPT_EXIT_FAILED;
	}
	if (!err && c.what == CKPT_MIG_COMMIT) {
		/* Ours now; the sender removes its copy once it hears this. */
		ret = serve_release(r);
		if (ret) {
			serve_remove(r);
			if (ret == -ESRCH)
				lnote("%s: pid %d was killed before the commit: not committed; the sender leaves its copy stopped",
				      peer, r->child);
			else
				lnote("%s: pid %d cannot be let go (%s): removed, not committed; the sender leaves its copy stopped",
				      peer, r->child, strerror(-ret));
			return CKPT_EXIT_FAILED;
		}
		memset(&c, 0, sizeof(c));
		c.what = CKPT_MIG_COMMITTED;
		ckpt_mig_commit_seal(&c);
		if (ckpt_mig_send(conn, &c, sizeof(c)))
			lnote("%s: pid %d kept, but the sender did not hear it: it leaves its copy stopped",
			      peer, r->child);
		lnote("%s: restored pid %d in %lld ms", peer, r->child,
		      (long long)(ckpt_now_ms() - t0));
		return CKPT_EXIT_OK;
	}
	/* The source resumed (or may have): our copy must go. */
	serve_remove(r);
	lnote("%s: pid %d removed again: the sender %s", peer, r->child,
	      !err ? "aborted" : err == -ETIMEDOUT ? "did not commit in time" :
	      "went away before committing");
	return CKPT_EXIT_FAILED;
}

#define LISTEN_MAX_HANDLERS	16

static pid_t handlers[LISTEN_MAX_HANDLERS];
static int nr_handlers;

/* Reap what ended: handlers, and restored processes that exited. */
static void reap_all(void)
{
	pid_t pid;
	int i;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		for (i = 0; i < nr_handlers; i++) {
			if (handlers[i] == pid) {
				handlers[i] = handlers[--nr_handlers];
				break;
			}
		}
	}
}

/* Too many migrations at once: say so and hang up. */
static void refuse_busy(int conn, const char *peer)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "the receiver is busy with %d migrations; try again later",
		 LISTEN_MAX_HANDLERS);
	fcntl(conn, F_SETFL, O_NONBLOCK);
	send_verdict(conn, EBUSY, CKPT_MIG_STAGE_HELLO, 0, 0, msg);
	lnote("%s: refused: %s", peer, msg);
}

static int listen_main(struct restart *r, const char *argv0)
{
	struct ckpt_addr a;
	struct sigaction sa;
	char name[300];
	const char *why;
	int lfd, ret;

	if (ckpt_addr_parse(r->listen, &a, &why) || a.kind == CKPT_ADDR_FILE) {
		ckpt_fail(0, "bad --listen address %s: %s", r->listen,
			  why ? why : "expected vsock:CID:PORT or tcp:HOST:PORT");
		return CKPT_EXIT_USAGE;
	}
	ckpt_addr_format(&a, name, sizeof(name));
	ret = listen_security_setup(r, &a, name);
	if (ret)
		return ret;
	lfd = ckpt_addr_listen(&a);
	if (lfd < 0) {
		ckpt_fail(lfd, "cannot listen on %s: %s", name,
			  strerror(-lfd));
		if (lfd == -EAFNOSUPPORT && a.kind == CKPT_ADDR_VSOCK)
			ckpt_hint("load a vsock transport (vsock_loopback, xen_vsock, vmw_vsock_virtio_transport)");
		return CKPT_EXIT_FAILED;
	}
	if (r->daemon) {
		pid_t pid = fork();

		if (pid < 0) {
			ckpt_fail(errno, "cannot fork: %s", strerror(errno));
			return CKPT_EXIT_FAILED;
		}
		if (pid > 0) {
			printf("restart: listening on %s (pid %d)\n", name,
			       (int)pid);
			return CKPT_EXIT_OK;
		}
		setsid();
		if (freopen("/dev/null", "r", stdin) == NULL ||
		    freopen("/dev/null", "w", stdout) == NULL ||
		    freopen(r->log ? r->log : "/dev/null", "a", stderr) == NULL)
			_exit(CKPT_EXIT_FAILED);
	}
	/* Restored processes whose handler exited are ours to reap. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = listen_on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	lnote("listening on %s%s%s%s%s", name,
	      lsec.nr_allow ? ", allow-list" : "",
	      lsec.key_len ? ", shared key" : "",
	      lsec.has_user ? ", restoring as " : "",
	      lsec.has_user ? r->user : "");
	if (!lsec.nr_allow && !lsec.key_len)
		lnote("warning: no --allow and no --key: any peer that can connect may send a process");
	while (!listen_stop) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		char peer[128];
		pid_t pid;
		int conn;

		reap_all();
		if (poll(&p, 1, 500) <= 0)
			continue;
		conn = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (conn < 0)
			continue;
		ckpt_peer_format(&ss, peer, sizeof(peer));
		if (lsec.nr_allow &&
		    !ckpt_allow_match(lsec.allow, lsec.nr_allow, &ss)) {
			refuse_peer(conn, peer);
			close(conn);
			continue;
		}
		reap_all();
		if (nr_handlers >= LISTEN_MAX_HANDLERS) {
			refuse_busy(conn, peer);
			close(conn);
			continue;
		}
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			close(lfd);
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			ret = serve(r, conn, peer, argv0);
			/* --key: the relay sends what is left, and ends */
			ckpt_seal_finish(&serve_plain, &serve_seal,
					 r->timeout_s * 1000);
			_exit(ret);
		}
		if (pid < 0)
			lnote("%s: cannot fork a handler: %s", peer,
			      strerror(errno));
		else
			handlers[nr_handlers++] = pid;
		close(conn);
	}
	lnote("stopped");
	close(lfd);
	return CKPT_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct restart r;
	int ret;

	ckpt_prog = "restart";
	if (argc > 1 && !strcmp(argv[1], CHILD_MODE))
		return child_main(argc, argv);
	timing_init();
	memset(&r, 0, sizeof(r));
	r.img = r.dev = r.pipe[0] = r.pipe[1] = -1;
	ret = parse_args(argc, argv, &r);
	if (ret)
		return ret;
	if (r.listen) {
		r.dev = ckpt_dev_open();
		if (r.dev < 0) {
			ckpt_dev_report(r.dev);
			return CKPT_EXIT_FAILED;
		}
		close(r.dev);
		r.dev = -1;
		return listen_main(&r, argv[0]);
	}
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
