// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt: checkpoint a process to a file or stdout, decode images (show),
 * seal and unseal them, and report the tool and module versions.
 *
 *	ckpt [-v] [--tree] [--kill|--stop] [--skip=CLASS,...]
 *	     [--ghost-limit SIZE] [-o FILE] PID
 *	ckpt migrate [-v] [--timeout S] [--tree] [--key FILE] PID --to DEST
 *	ckpt show [-v] [FILE|-]
 *	ckpt seal|unseal --key FILE [-o OUT] [IN|-]
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
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/msg.h>
#include <sys/pidfd.h>
#include <sys/sem.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/ckpt.h>
#include "ckpt.h"
#include "hmac.h"
#include "mig_events.h"
#include "migrate.h"
#include "precopy.h"
#include "seal.h"
#include "zimg.h"
#include "incr.h"
#include "util.h"

#define CKPT_MAX_NAMED	64

struct ckpt_opts {
	pid_t pid;
	unsigned int flags;		/* CKPT_CHECKPOINT_* */
	const char *output;		/* NULL or "-": stdout */
	int verbose;
	int tree;			/* PID and its descendants */
	int ipc_ns;			/* they have their own IPC namespace */
	int uts_ns;			/* and UTS namespace (entered) */
	void *ipc_recs;			/* its semaphores and message queues */
	uint32_t ipc_len;
	/* --sysv-ipc: semaphore sets and queues of our namespace to save */
	int32_t named_sem[CKPT_MAX_NAMED], named_msg[CKPT_MAX_NAMED];
	unsigned int nr_named_sem, nr_named_msg;
	unsigned int skip;		/* CKPT_SKIP_* */
	uint64_t ghost_limit;		/* --ghost-limit, 0: the module's */
	int compress;			/* --compress: zstd (zimg.h) */
	int level;			/* its level */
	const char *parent;		/* --parent: incremental (incr.h) */
	/* its processes (a tree's TREE record; else one entry) */
	struct ckpt_rec_tree_task parent_tree[CKPT_MAX_TREE];
	uint32_t nr_parent;
	int track;			/* --track: reset soft-dirty after */
	int lock;			/* ckpt_track_lock()'s, or -1 */
	int kill_after;			/* --kill with --compress: ours */
	int stop_after;			/* --stop with --compress: ours */
};

struct ckpt_out {
	int fd;
	int is_file;			/* a regular file we created */
	int regular;			/* a regular file (stdout's too) */
	const char *name;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ckpt [-v] [--tree] [--kill|--stop] [--skip=CLASS,...]\n"
		"            [--ghost-limit SIZE] [--compress[=LEVEL]]\n"
		"            [--track] [--parent PREV] [-o FILE] PID\n"
		"       ckpt migrate [-v] [--timeout S] [--tree] [--key FILE] PID --to DEST\n"
		"       ckpt show [-v] [FILE|-]\n"
		"       ckpt seal|unseal --key FILE [-o OUT] [IN|-]\n"
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
		"                              (fanotify, io_uring, devices\n"
		"                              ...): closed after restart\n"
		"                     devmaps  device mappings: unmapped after\n"
		"                              restart\n"
		"  --ghost-limit SIZE save at most SIZE bytes (K, M, G: KiB...) of\n"
		"                     deleted files, open or mapped, a process;\n"
		"                     past it the checkpoint is refused (EFBIG);\n"
		"                     default and most: 64M\n"
		"  -z, --compress[=LEVEL]\n"
		"                     compress the image with zstd at LEVEL (%d to\n"
		"                     %d, default %d: fast); restart and show\n"
		"                     take it as it is.  With --kill the process\n"
		"                     is killed once the whole image is written\n"
		"                     (and synced, to a file)\n"
		"  --track            start tracking the pages the process writes\n"
		"                     from now on, for a later --parent image\n"
		"  --parent PREV      an incremental image: only the pages written\n"
		"                     since PREV (an image of this process taken\n"
		"                     with --track or --parent) was taken; restart\n"
		"                     and show follow its chain of parents (keep\n"
		"                     them); tracking goes on.  With --tree, the\n"
		"                     tree must have the same processes as in PREV\n"
		"  -v, --verbose      report the image size and time taken\n"
		"  --sysv-ipc sem:ID,msg:ID,...\n"
		"                     also save these SysV semaphore sets and\n"
		"                     message queues of your IPC namespace\n"
		"                     (those of a process's own IPC namespace are\n"
		"                     all saved anyway)\n"
		"By default the process keeps running.\n"
		"\n"
		"migrate  move PID to DEST (vsock:CID:PORT, tcp:HOST:PORT, HOST:PORT\n"
		"         or file:PATH) where 'restart --listen' runs; see\n"
		"         'ckpt migrate --help'\n"
		"show     decode an image (FILE, or stdin) for a human;\n"
		"         -v lists every PAGES record instead of one line per VMA\n"
		"seal     encrypt and authenticate an image (IN, or stdin) into OUT\n"
		"         (or stdout) with a shared key file (16 to 4096 bytes,\n"
		"         yours, mode 0600: head -c 32 /dev/urandom); unseal opens it,\n"
		"         refusing one changed, cut short or sealed with another\n"
		"         key (EBADMSG, ENODATA): 'ckpt unseal --key K s.img |\n"
		"         restart -'\n"
		"version  print the tool's version and the loaded module's ABI\n"
		"\n"
		"Exit status: 0 success, 1 failure, 2 usage error.\n",
		CKPT_DEV_PATH, CKPT_ZSTD_LEVEL_MIN, CKPT_ZSTD_LEVEL_MAX,
		CKPT_ZSTD_LEVEL);
}

static int usage_error(const char *msg, const char *arg)
{
	ckpt_fail(0, "%s%s%s", msg, arg ? ": " : "", arg ? arg : "");
	ckpt_hint("try 'ckpt --help'");
	return CKPT_EXIT_USAGE;
}

/* "sem:3,msg:0": the objects --sysv-ipc names. */
static int parse_named(const char *list, struct ckpt_opts *o)
{
	const char *p = list;
	char *end;
	long id;

	while (*p) {
		int sem = !strncmp(p, "sem:", 4), msg = !strncmp(p, "msg:", 4);
		unsigned int *n = sem ? &o->nr_named_sem : &o->nr_named_msg;

		if (!sem && !msg)
			return -1;
		errno = 0;
		id = strtol(p + 4, &end, 10);
		if (errno || end == p + 4 || id < 0 || id > INT32_MAX ||
		    (*end && *end != ',') || *n >= CKPT_MAX_NAMED)
			return -1;
		(sem ? o->named_sem : o->named_msg)[(*n)++] = (int32_t)id;
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* "4096", "64K", "1M": a size of 1 to CKPT_GHOST_MAX_DATA bytes. */
static int parse_size(const char *arg, uint64_t *size)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || arg[0] == '-')
		return -1;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (*end || !v || v > (CKPT_GHOST_MAX_DATA >> shift))
		return -1;
	*size = (uint64_t)v << shift;
	return 0;
}

/* A zstd level, CKPT_ZSTD_LEVEL_MIN to _MAX. */
static int parse_level(const char *arg, int *level)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < CKPT_ZSTD_LEVEL_MIN ||
	    v > CKPT_ZSTD_LEVEL_MAX)
		return -1;
	*level = (int)v;
	return 0;
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
		{ "sysv-ipc", required_argument, NULL, 'I' },
		{ "skip", required_argument, NULL, 'S' },
		{ "ghost-limit", required_argument, NULL, 'G' },
		{ "compress", optional_argument, NULL, 'z' },
		{ "track", no_argument, NULL, 'T' },
		{ "parent", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+o:kstvzh", longopts, NULL)) != -1) {
		switch (c) {
		case 'T':
			o->track = 1;
			break;
		case 'P':
			o->parent = optarg;
			break;
		case 'z':
			o->compress = 1;
			o->level = CKPT_ZSTD_LEVEL;
			if (optarg && parse_level(optarg, &o->level))
				return usage_error("bad --compress level, expected -7 to 19",
						   optarg);
			break;
		case 'S':
			if (parse_skip(optarg, &o->skip))
				return usage_error("bad --skip class, expected fds or devmaps",
						   optarg);
			break;
		case 'G':
			if (parse_size(optarg, &o->ghost_limit))
				return usage_error("bad --ghost-limit, expected a size from 1 to 64M (K, M, G suffixes)",
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
		case 'I':
			if (parse_named(optarg, o))
				return usage_error("bad --sysv-ipc list, expected sem:ID or msg:ID, comma-separated",
						   optarg);
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
	if (o->track && (o->flags & CKPT_CHECKPOINT_KILL))
		return usage_error("--track and --kill exclude each other (nothing left to track)",
				   NULL);
	/* --parent goes on tracking, unless nothing is left */
	if (o->parent && !(o->flags & CKPT_CHECKPOINT_KILL))
		o->track = 1;
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
		out->regular = !fstat(out->fd, &st) && S_ISREG(st.st_mode);
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
	out->regular = out->is_file;
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

/* ---- sockets, described from /proc/net ------------------------------ */

/* "a.b.c.d:port" or "[v6]:port" from /proc/net/tcp's hex "ADDR:PORT". */
static void inet_hex(const char *hex, char *buf, size_t size)
{
	unsigned int w[4], port, n = strchr(hex, ':') ? (unsigned int)(strchr(hex, ':') - hex) : 0;
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned char b[16];

	if (n == 8 && sscanf(hex, "%8x:%x", &w[0], &port) == 2) {
		memcpy(b, &w[0], 4);
		inet_ntop(AF_INET, b, a, sizeof(a));
		snprintf(buf, size, "%s:%u", a, port);
	} else if (n == 32 &&
		   sscanf(hex, "%8x%8x%8x%8x:%x", &w[0], &w[1], &w[2], &w[3],
			  &port) == 5) {
		memcpy(b, w, 16);
		inet_ntop(AF_INET6, b, a, sizeof(a));
		snprintf(buf, size, "[%s]:%u", a, port);
	} else {
		snprintf(buf, size, "?");
	}
}

static const char *const tcp_states[] = {
	"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
};

/* An inet socket of inode @ino in /proc/net/@proto: "TCP a -> b (STATE)" */
static int sock_inet(const char *proto, unsigned long ino, char *buf,
		     size_t size, int *listening)
{
	char path[64], line[512], local[64], rem[64], l[INET6_ADDRSTRLEN + 8],
	     r[INET6_ADDRSTRLEN + 8];
	unsigned long inode;
	unsigned int st;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/net/%s", proto);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*u: %63s %63s %x %*s %*s %*s %*u %*u %lu",
			   local, rem, &st, &inode) != 4 || inode != ino)
			continue;
		inet_hex(local, l, sizeof(l));
		inet_hex(rem, r, sizeof(r));
		found = 1;
		*listening = st == 10;
		if (!strncmp(proto, "tcp", 3) && st != 7 && st != 10)
			snprintf(buf, size, "a TCP connection %s -> %s (%s)", l,
				 r, st < ARRAY_SIZE(tcp_states) ?
				 tcp_states[st] : "?");
		else if (!strncmp(proto, "tcp", 3))
			snprintf(buf, size, "a TCP socket %s%s", l,
				 st == 10 ? " listening" : "");
		else if (strcmp(r + strlen(r) - 2, ":0"))
			snprintf(buf, size, "a UDP socket %s connected to %s",
				 l, r);
		else
			snprintf(buf, size, "a UDP socket %s", l);
	}
	fclose(f);
	return found;
}

/* A UNIX socket of inode @ino in /proc/net/unix. */
static int sock_unix(unsigned long ino, char *buf, size_t size,
		     int *listening)
{
	char line[4608], path[4096];
	unsigned long inode;
	unsigned int flags, type, st;
	int found = 0, n;
	FILE *f = fopen("/proc/net/unix", "r");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		path[0] = '\0';
		n = sscanf(line, "%*s %*x %*x %x %x %x %lu %4095s", &flags,
			   &type, &st, &inode, path);
		if (n < 4 || inode != ino)
			continue;
		found = 1;
		*listening = !!(flags & 0x10000);
		snprintf(buf, size, "a UNIX %s socket%s%s%s",
			 type == 1 ? "stream" : type == 2 ? "datagram" :
			 type == 5 ? "seqpacket" : "?",
			 path[0] ? " " : "", path,
			 *listening ? " listening" : "");
	}
	fclose(f);
	return found;
}

/* A netlink socket of inode @ino in /proc/net/netlink. */
static int sock_netlink(unsigned long ino, char *buf, size_t size)
{
	char line[512];
	unsigned long inode;
	unsigned int proto, portid;
	int found = 0;
	FILE *f = fopen("/proc/net/netlink", "r");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %u %u %*x %*d %*d %*d %*d %*u %lu",
			   &proto, &portid, &inode) != 3 || inode != ino)
			continue;
		found = 1;
		snprintf(buf, size, "a netlink socket, protocol %u, port %u",
			 proto, portid);
	}
	fclose(f);
	return found;
}

/* What socket:[ino] is, in words, or 0 if /proc/net does not say. */
static int sock_describe(unsigned long ino, char *buf, size_t size,
			 int *listening)
{
	static const char *const inet[] = { "tcp", "tcp6", "udp", "udp6" };
	unsigned int i;

	*listening = 0;
	if (sock_unix(ino, buf, size, listening) ||
	    sock_netlink(ino, buf, size))
		return 1;
	for (i = 0; i < ARRAY_SIZE(inet); i++)
		if (sock_inet(inet[i], ino, buf, size, listening))
			return 1;
	snprintf(buf, size, "a socket");
	return 0;
}

static void report_socket(const struct ckpt_checkpoint_args *a, int err,
			  const char *name)
{
	const char *where = (a->flags & CKPT_CHECKPOINT_TREE) ? "tree" :
			    "process";
	char desc[600], peer[600] = "";
	unsigned long ino = strtoul(name + 8, NULL, 10);
	int listening, dummy;

	sock_describe(ino, desc, sizeof(desc), &listening);
	switch (-err) {
	case EISCONN:
		if (a->err_addr) {
			sock_describe(a->err_addr, peer, sizeof(peer), &dummy);
			ckpt_fail(err, "cannot checkpoint %s: fd %d (%s, %s) is connected to socket:[%llu] (%s) outside the %s, which is not supported yet",
				  who, a->err_fd, name, desc,
				  (unsigned long long)a->err_addr, peer,
				  where);
		} else {
			ckpt_fail(err, "cannot checkpoint %s: fd %d (%s, %s) is connected to a peer outside the %s, which is not supported yet",
				  who, a->err_fd, name, desc, where);
			if (strstr(desc, "(ESTABLISHED)"))
				ckpt_hint("an established TCP connection is saved only with --kill, by a caller with CAP_NET_ADMIN (TCP repair), and not with --compress (which kills once the image is out)");
		}
		break;
	case EUSERS:
		ckpt_fail(err, "cannot checkpoint %s: fd %d (%s, %s) is also held outside the %s (by another process, or in flight in a UNIX message), which is not supported yet",
			  who, a->err_fd, name, desc, where);
		break;
	case EBUSY:
		ckpt_fail(err, "cannot checkpoint %s: fd %d (%s, %s) %s",
			  who, a->err_fd, name, desc, listening ?
			  "has connections waiting to be accepted" :
			  !strncmp(desc, "a netlink", 9) ?
			  "holds messages it has not read (replies, events, or a dump the kernel is still sending), which a restored socket would not get" :
			  "holds unread data, which only sockets of a pair inside the checkpoint can keep");
		ckpt_hint("try again when it is idle");
		break;
	case EPERM:
		ckpt_fail(err, "cannot checkpoint %s: fd %d (%s, %s) is a member of multicast groups, or connected to a destination, that its process may no longer join or send to with its credentials now (it dropped a privilege since): its restore would fail",
			  who, a->err_fd, name, desc);
		break;
	case ETOOMANYREFS:
		ckpt_fail(err, "cannot checkpoint %s: fd %d (%s, %s) has unread messages carrying file descriptors (SCM_RIGHTS), which cannot be saved",
			  who, a->err_fd, name, desc);
		break;
	default:
		if (err == -EOPNOTSUPP && !strncmp(desc, "a netlink", 9))
			ckpt_fail(err, "cannot checkpoint %s: fd %d (%s, %s) has a pending error, a socket filter (SO_ATTACH_FILTER), a multicast group beyond %u or open flags beyond O_NONBLOCK, or is of another network namespace, which are not saved",
				  who, a->err_fd, name, desc, CKPT_NL_MAX_GROUPS);
		else
			ckpt_fail(err, "cannot checkpoint %s: fd %d (%s, %s) %s",
				  who, a->err_fd, name, desc,
				  why_unsupported(err));
	}
}

/*
 * EFBIG: the file @name (at @what) would take the contents an image
 * carries of its kind past their limit: memfds and shared anonymous
 * memory, SysV segments, or deleted files (--ghost-limit).
 */
static void report_too_big(const struct ckpt_checkpoint_args *a,
			   const char *what, const char *name)
{
	uint64_t lim = a->ghost_limit ? a->ghost_limit : CKPT_GHOST_MAX_DATA;

	if (!strncmp(name, "/memfd:", 7) || !strncmp(name, "/dev/zero", 9)) {
		ckpt_fail(-EFBIG, "cannot checkpoint %s: %s is a memfd or shared memory, and their contents would pass the %u bytes an image holds a process",
			  who, what, CKPT_SHMEM_MAX_DATA);
		return;
	}
	if (!strncmp(name, "/SYSV", 5)) {
		ckpt_fail(-EFBIG, "cannot checkpoint %s: %s is a SysV shared memory segment, and the segments' contents would pass the %u bytes an image holds",
			  who, what, CKPT_SYSV_MAX_DATA);
		return;
	}
	ckpt_fail(-EFBIG, "cannot checkpoint %s: %s is a deleted file, and the deleted files' contents would pass the limit of %llu bytes a process",
		  who, what, (unsigned long long)lim);
	if (lim < CKPT_GHOST_MAX_DATA)
		ckpt_hint("--ghost-limit raises it, up to 64M");
}

/* Which end of a pseudo-terminal @name is: 1 the master, 2 a slave, or 0. */
static int pty_end(const char *name)
{
	if (!strcmp(name, "/dev/ptmx") || !strcmp(name, "/dev/pts/ptmx"))
		return 1;
	return strncmp(name, "/dev/pts/", 9) ? 0 : 2;
}

/*
 * EUSERS, EBUSY on an end of a pseudo-terminal pair; EOPNOTSUPP on a
 * slave of a pair saved.
 */
static void report_pty(const struct ckpt_checkpoint_args *a, int err,
		       const char *name)
{
	const char *where = (a->flags & CKPT_CHECKPOINT_TREE) ? "tree" :
			    "process";
	long idx;

	if (err == -EBUSY) {
		ckpt_fail(err, "cannot checkpoint %s: fd %d (%s) is a pseudo-terminal with input its slave has not read, or unread output the master reads in packet or non-raw mode, or more of it than an image keeps (%u KiB); nothing was lost",
			  who, a->err_fd, name, CKPT_PTY_MAX_DATA >> 10);
		ckpt_hint("try again once it has been read");
		return;
	}
	if (err == -EOPNOTSUPP && pty_end(name) == 1) {
		ckpt_fail(err, "cannot checkpoint %s: fd %d (%s) is a pseudo-terminal master, one of more than %u in one process or of a pair whose index another pair of the %s has (another devpts instance), which is not supported yet",
			  who, a->err_fd, name, CKPT_MAX_PTYS, where);
		return;
	}
	if (err == -EOPNOTSUPP) {
		ckpt_fail(err, "cannot checkpoint %s: fd %d (%s) is the slave of a pseudo-terminal whose master the %s holds, held by a process listed before the master's (parents first), or one of more than 16 open files of that slave, which is not supported yet",
			  who, a->err_fd, name, where);
		return;
	}
	ckpt_fail(err, "cannot checkpoint %s: fd %d (%s) is a pseudo-terminal whose other end (or this open file) is also held by a process outside the %s",
		  who, a->err_fd, name, where);
	if (pty_end(name) == 1) {
		/* fdinfo names its slave */
		if (ckpt_proc_fdinfo_field(at, a->err_fd, "tty-index", &idx))
			return;
		ckpt_hint("its slave is /dev/pts/%ld: 'fuser -v /dev/pts/%ld' lists who holds that end; checkpoint a tree that holds them all (ckpt --tree on a common ancestor)",
			  idx, idx);
		return;
	}
	ckpt_hint("'fuser -v %s' lists who holds it; checkpoint a tree that holds them all (ckpt --tree on a common ancestor)",
		  name);
}

/*
 * /dev/tty refused: restart opens it again only once the process has its
 * controlling terminal back, so it must reach that terminal, and a
 * session leader must hold the terminal by its own path too.
 */
static void report_devtty(const struct ckpt_checkpoint_args *a, int err)
{
	const char *where = (a->flags & CKPT_CHECKPOINT_TREE) ? "tree" :
			    "checkpoint";
	pid_t pid = at;
	char path[64], buf[1024], *p;
	long tty_nr = -1;
	int sid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f) {
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		/* ") S ppid pgrp session tty_nr" */
		if (p && sscanf(p, ") %*c %*d %*d %d %ld", &sid, &tty_nr) != 2)
			tty_nr = -1;
		fclose(f);
	}
	if (!tty_nr) {
		ckpt_fail(err, "cannot checkpoint %s: fd %d is /dev/tty, but process %d has no controlling terminal any more (its session gave it up, or the terminal hung up), and restart opens /dev/tty again only on it",
			  who, a->err_fd, (int)pid);
	} else if (sid == pid) {
		ckpt_fail(err, "cannot checkpoint %s: fd %d is /dev/tty, and process %d leads its session but holds its controlling terminal by no other descriptor (restart makes a session leader's terminal its own again from one), or the file reached another terminal than that one",
			  who, a->err_fd, (int)pid);
		ckpt_hint("keep a descriptor of the terminal itself open in it (e.g. stdin)");
		return;
	} else {
		ckpt_fail(err, "cannot checkpoint %s: fd %d is /dev/tty, and restart could not give process %d the terminal it reached as its controlling terminal: another terminal than its controlling terminal now, a pseudo-terminal saved with it whose session leader is not in the %s, a session leader in the %s that holds the terminal by no descriptor of its own or comes after it (parents first); or the pseudo-terminal's slave is held before the master's holder, or by more than 16 files",
			  who, a->err_fd, (int)pid, where, where);
	}
	if (!(a->skip & CKPT_SKIP_FDS))
		ckpt_hint("--skip=fds would leave fd %d out (closed after restart)",
			  a->err_fd);
}

/*
 * A pidfd refused: of a live process outside the checkpoint (err_addr its
 * PID, 0 if not in our PID namespace), or with open flags but O_NONBLOCK.
 */
static void report_pidfd(const struct ckpt_checkpoint_args *a, int err)
{
	const char *where = (a->flags & CKPT_CHECKPOINT_TREE) ? "tree" :
			    "checkpoint";

	if (a->err_addr) {
		ckpt_fail(err, "cannot checkpoint %s: fd %d is a pidfd of process %llu, which the %s does not hold (running, or a zombie not reaped: restart opens a pidfd again only on a process restored with it)",
			  who, a->err_fd, (unsigned long long)a->err_addr,
			  where);
		if (a->skip & CKPT_SKIP_FDS)
			ckpt_hint("checkpoint a tree that holds it (ckpt --tree on a common ancestor)");
		else
			ckpt_hint("checkpoint a tree that holds it (ckpt --tree on a common ancestor), or --skip=fds would leave fd %d out (closed after restart)",
				  a->err_fd);
		return;
	}
	ckpt_fail(err, "cannot checkpoint %s: fd %d is a pidfd of a process outside your PID namespace, or one whose open flags were changed (O_APPEND or O_NOATIME: only O_NONBLOCK is restored)",
		  who, a->err_fd);
	if (!(a->skip & CKPT_SKIP_FDS))
		ckpt_hint("--skip=fds would leave fd %d out (closed after restart)",
			  a->err_fd);
}

/* A file's owner for SIGIO, not restored with it (CKPT_FOWN_ERR). */
static int report_fown(const struct ckpt_checkpoint_args *a, int err,
		       const char *name)
{
	uint32_t type;
	int owner;

	if (err != -EOPNOTSUPP || !ckpt_fown_err(a->err_addr, &type, &owner))
		return 0;
	ckpt_fail(err, "cannot checkpoint %s: fd %d (%s) sends its SIGIO and SIGURG (F_SETOWN) to %s %d, which the %s does not hold%s",
		  who, a->err_fd, name, ckpt_owner_kind(type), owner,
		  (a->flags & CKPT_CHECKPOINT_TREE) ? "tree" : "checkpoint",
		  type == F_OWNER_PGRP ?
		  " (none of its processes leads that group)" :
		  type == F_OWNER_TID ?
		  " (or a thread of a process listed after this one)" : "");
	ckpt_hint("checkpoint a tree that holds it (ckpt --tree on a common ancestor), or have the program set another owner (F_SETOWN)");
	return 1;
}

static void report_fd(const struct ckpt_checkpoint_args *a, int err)
{
	char name[512];

	if (ckpt_proc_fd_name(at, a->err_fd, name, sizeof(name)))
		snprintf(name, sizeof(name), "?");
	if (report_fown(a, err, name))
		return;
	if (!strncmp(name, "socket:[", 8)) {
		report_socket(a, err, name);
	} else if (err == -E2BIG) {
		ckpt_fail(err, "cannot checkpoint %s: at fd %d (%s), the paths of its open files total more than an image holds (%u MiB)",
			  who, a->err_fd, name, CKPT_MAX_FILE_PATHS >> 20);
	} else if (err == -EFBIG) {
		char what[600];

		snprintf(what, sizeof(what), "fd %d (%s)", a->err_fd, name);
		report_too_big(a, what, name);
	} else if (err == -EACCES) {
		ckpt_fail(err, "cannot checkpoint %s: fd %d (%s) is a deleted file or a memfd whose contents the image would carry, and neither that descriptor (O_PATH or write-only) nor you may read them",
			  who, a->err_fd, name);
	} else if (err == -EOPNOTSUPP && !strncmp(name, "pipe:", 5)) {
		ckpt_fail(err, "cannot checkpoint %s: fd %d (%s) is a pipe with an end held outside the %s, which is not supported yet",
			  who, a->err_fd, name,
			  (a->flags & CKPT_CHECKPOINT_TREE) ? "tree" :
			  "process");
	} else if (err == -EOPNOTSUPP && !strcmp(name, "/dev/tty")) {
		report_devtty(a, err);
	} else if (err == -EOPNOTSUPP && !strcmp(name, "anon_inode:[pidfd]")) {
		report_pidfd(a, err);
	} else if (!strcmp(name, "anon_inode:inotify") &&
		   (err == -EBUSY || err == -EOPNOTSUPP)) {
		if (err == -EBUSY) {
			ckpt_fail(err, "cannot checkpoint %s: fd %d (inotify) has more unread events than an image keeps (64 KiB of them), or its events or watches changed while they were read; nothing was lost",
				  who, a->err_fd);
			ckpt_hint("try again once it has read its events");
		} else {
			ckpt_fail(err, "cannot checkpoint %s: fd %d (inotify) watches a file with no path you can reach (deleted, or not under your root and mounts), or holds more than %u watches",
				  who, a->err_fd, CKPT_MAX_INWATCHES);
			ckpt_hint("/proc/%d/fdinfo/%d lists its watches, by inode number",
				  (int)at, a->err_fd);
		}
	} else if (pty_end(name) && (err == -EUSERS || err == -EBUSY ||
				       err == -EOPNOTSUPP)) {
		report_pty(a, err, name);
	} else {
		ckpt_fail(err, "cannot checkpoint %s: fd %d (%s) %s", who,
			  a->err_fd, name, why_unsupported(err));
		if (err == -EOPNOTSUPP && !(a->skip & CKPT_SKIP_FDS))
			ckpt_hint("--skip=fds would leave such descriptors out (closed after restart)");
	}
}

static void report_vma(const struct ckpt_checkpoint_args *a, int err)
{
	char name[512], what[600];

	if (ckpt_proc_vma_name(at, a->err_addr, name, sizeof(name)))
		snprintf(name, sizeof(name), "?");
	if (err == -EFBIG) {
		snprintf(what, sizeof(what), "mapping at 0x%llx (%s)",
			 (unsigned long long)a->err_addr, name);
		report_too_big(a, what, name);
		return;
	}
	if (err == -EOPNOTSUPP && !strncmp(name, "/SYSV", 5))
		ckpt_fail(err, "cannot checkpoint %s: mapping at 0x%llx (%s) is a SysV shared memory segment attached in part, with a changed protection, or too large, which is not supported yet",
			  who, (unsigned long long)a->err_addr, name);
	else if (err == -EOPNOTSUPP && !strncmp(name, "/dev/zero", 9))
		ckpt_fail(err, "cannot checkpoint %s: mapping at 0x%llx is shared anonymous memory mapped by a process outside the %s too, or only in part, which is not supported yet",
			  who, (unsigned long long)a->err_addr,
			  (a->flags & CKPT_CHECKPOINT_TREE) ? "tree" :
			  "process");
	else
		ckpt_fail(err, "cannot checkpoint %s: mapping at 0x%llx (%s) %s",
			  who, (unsigned long long)a->err_addr, name,
			  why_unsupported(err));
}

/* A file table, fs context, signal handlers or memory shared (err_fd). */
static void report_shared(const struct ckpt_checkpoint_args *a, int err)
{
	const char *what, *flag;
	char other[64];

	if (a->err_fd == CLONE_VFORK) {
		ckpt_fail(err, "cannot checkpoint %s: it is a vfork() child that has not called exec or _exit yet, and its parent, process %llu, waits in vfork() for it on their one address space, which is not supported",
			  who, (unsigned long long)a->err_addr);
		ckpt_hint("checkpoint once the child has called exec or _exit");
		return;
	}
	if (a->err_fd == (CLONE_VFORK | CLONE_VM)) {
		ckpt_fail(err, "cannot checkpoint %s: it waits in vfork() for its child, process %llu, which has not called exec or _exit yet, which is not supported",
			  who, (unsigned long long)a->err_addr);
		ckpt_hint("checkpoint once the child has called exec or _exit");
		return;
	}
	if (a->err_fd == (CLONE_VM | CLONE_THREAD)) {
		ckpt_fail(err, "cannot checkpoint %s: it shares the address space of process %llu (CLONE_VM without CLONE_THREAD) and has threads of its own, which is not supported",
			  who, (unsigned long long)a->err_addr);
		return;
	}
	switch (a->err_fd) {
	case CLONE_FILES:
		what = "file table";
		flag = "CLONE_FILES";
		break;
	case CLONE_FS:
		what = "fs context (cwd, root, umask)";
		flag = "CLONE_FS";
		break;
	case CLONE_SIGHAND:
		what = "signal handlers";
		flag = "CLONE_SIGHAND";
		break;
	case CLONE_VM:
		what = "address space";
		flag = "CLONE_VM";
		break;
	default:
		what = "state";
		flag = "clone flags";
	}
	if (a->err_addr)
		snprintf(other, sizeof(other), "process %llu",
			 (unsigned long long)a->err_addr);
	else
		snprintf(other, sizeof(other), "a process");
	if (err == -EUSERS) {
		ckpt_fail(err, "cannot checkpoint %s: it shares its %s (%s) with %s outside the %s, which a restore cannot share again",
			  who, what, flag, other,
			  (a->flags & CKPT_CHECKPOINT_TREE) ? "tree" :
			  "checkpoint");
		if (a->err_fd == CLONE_FILES || a->err_fd == CLONE_FS)
			ckpt_hint("checkpoint a tree that holds both (ckpt --tree on a common ancestor)");
	} else if (a->err_addr) {
		ckpt_fail(err, "cannot checkpoint %s: it shares its %s (%s without CLONE_THREAD) with %s, which %s",
			  who, what, flag, other, why_unsupported(err));
	} else {
		ckpt_fail(err, "cannot checkpoint %s: one of its threads has a %s of its own (unshare(%s)), which %s",
			  who, what, flag, why_unsupported(err));
	}
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

static void report_task(int err)
{
	long val = 0;

	if (err == -EOPNOTSUPP && proc_zombie(at)) {
		ckpt_fail(err, "cannot checkpoint %s: it is a zombie (exited, not yet waited for by its parent), which cannot be saved yet",
			  who);
		ckpt_hint("let its parent reap it (wait) first");
	} else if (err == -EPERM &&
		   !ckpt_proc_status_field(at, "Seccomp", &val) && val == 2) {
		ckpt_fail(err, "cannot checkpoint %s: it runs under seccomp filters, which only a checkpointer with CAP_SYS_ADMIN (and not itself under seccomp) may read",
			  who);
		ckpt_hint("run ckpt as root");
	} else if (err == -EOPNOTSUPP) {
		ckpt_fail(err, "cannot checkpoint %s: it uses POSIX timers on CPU-time or alarm clocks, or lives in other namespaces than yours, which cannot be saved yet",
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
		report_task(err);
	else if (a->err_object == CKPT_OBJ_SHARED)
		report_shared(a, err);
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

/* ---- SysV semaphores and message queues ---------------------------- */

static int is_listed(const int32_t *pids, unsigned int n, long pid)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (pids[i] == pid)
			return 1;
	return 0;
}

/*
 * Semaphores and message queues are not saved, and cannot be traced to
 * their users in general: refuse when one of the processes is known to
 * use one (the last to operate on a semaphore, to send or receive on a
 * queue).  0, or -EOPNOTSUPP once reported.
 */
static int is_named(const int32_t *ids, unsigned int n, long id)
{
	return is_listed(ids, n, id);
}

static int sysv_ipc_users(const struct ckpt_opts *o, const int32_t *pids,
			  unsigned int n)
{
	char line[512], what[32] = "";
	long key, id = 0, a, b, c, lspid, lrpid, user = 0;
	unsigned int perms;
	FILE *f;
	int i;

	f = fopen("/proc/sysvipc/msg", "re");
	if (f && fgets(line, sizeof(line), f)) {
		while (!user && fgets(line, sizeof(line), f))
			if (sscanf(line, "%ld %ld %o %ld %ld %ld %ld", &key, &id,
				   &perms, &a, &b, &lspid, &lrpid) == 7 &&
			    !is_named(o->named_msg, o->nr_named_msg, id) &&
			    (is_listed(pids, n, lspid) ||
			     is_listed(pids, n, lrpid))) {
				user = is_listed(pids, n, lspid) ? lspid : lrpid;
				snprintf(what, sizeof(what), "message queue");
			}
	}
	if (f)
		fclose(f);
	f = user ? NULL : fopen("/proc/sysvipc/sem", "re");
	if (f && fgets(line, sizeof(line), f)) {
		while (!user && fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%ld %ld %o %ld", &key, &id, &perms,
				   &c) != 4 ||
			    is_named(o->named_sem, o->nr_named_sem, id))
				continue;
			for (i = 0; i < c && !user; i++) {
				long p = semctl((int)id, i, GETPID);

				if (p > 0 && is_listed(pids, n, p))
					user = p;
			}
			if (user)
				snprintf(what, sizeof(what), "semaphore set");
		}
	}
	if (f)
		fclose(f);
	if (!user)
		return 0;
	ckpt_fail(-EOPNOTSUPP, "cannot checkpoint %s%d: process %ld uses SysV %s %ld (key 0x%08lx), which is not saved",
		  o->tree ? "tree " : "", o->pid, user, what, id,
		  (unsigned long)key & 0xffffffffUL);
	ckpt_hint("name it with --sysv-ipc %s:%ld to save it with the process",
		  what[0] == 'm' ? "msg" : "sem", id);
	return -EOPNOTSUPP;
}

/* ---- a UTS namespace of their own ---------------------------------- */

/*
 * The processes (@pid's) have a UTS namespace of their own: enter it, so
 * that the module sees them in ours and saves its names with the image
 * (CKPT_CHECKPOINT_UTS_NS).  1 once entered, 0 if they share ours (or
 * /proc does not say: the module checks), a negative errno once reported.
 */
static int uts_ns_enter(const char *verb, pid_t pid, int pidfd, int tree)
{
	struct stat mine, theirs;
	char path[64];
	int fd, err;

	snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)pid);
	if (stat("/proc/self/ns/uts", &mine) || stat(path, &theirs) ||
	    (mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev))
		return 0;
	/* Through the process's pidfd when there is one: no PID reuse. */
	fd = pidfd >= 0 ? pidfd : open(path, O_RDONLY | O_CLOEXEC);
	err = fd < 0 || setns(fd, CLONE_NEWUTS) ? -errno : 0;
	if (fd >= 0 && fd != pidfd)
		close(fd);
	if (err) {
		ckpt_fail(err, "cannot %s %s%d: it has a UTS namespace of its own, and entering it failed: %s",
			  verb, tree ? "tree " : "", (int)pid, strerror(-err));
		if (err == -EPERM)
			ckpt_hint("saving another UTS namespace needs CAP_SYS_ADMIN");
		return err;
	}
	return 1;
}

/* ---- an IPC namespace of their own ---------------------------------- */

#ifndef MSG_COPY
#define MSG_COPY	040000
#endif
#define IPC_MSG_BUF	(1U << 20)

static int ns_ino(pid_t pid, ino_t *ino)
{
	char path[64];
	struct stat st;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/ipc", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/ipc");
	if (stat(path, &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

static int ipc_add(struct ckpt_opts *o, uint32_t type, const void *p,
		   uint32_t len, const void *tail, uint32_t tail_len)
{
	struct ckpt_rec_header h = { .type = type, .len = len + tail_len };
	unsigned char *b;

	if (h.len > CKPT_REC_MAX_META ||
	    o->ipc_len + sizeof(h) + h.len > CKPT_SYSV_IPC_MAX)
		return -E2BIG;
	b = realloc(o->ipc_recs, o->ipc_len + sizeof(h) + h.len);
	if (!b)
		return -ENOMEM;
	memcpy(b + o->ipc_len, &h, sizeof(h));
	memcpy(b + o->ipc_len + sizeof(h), p, len);
	if (tail_len)
		memcpy(b + o->ipc_len + sizeof(h) + len, tail, tail_len);
	o->ipc_recs = b;
	o->ipc_len += sizeof(h) + h.len;
	return 0;
}

/* One semaphore set: its values (GETALL). */
static int ipc_read_sem(struct ckpt_opts *o, int id)
{
	struct ckpt_rec_sysvsem r;
	struct semid_ds ds;
	unsigned short *val;
	int err;

	errno = 0;
	if (semctl(id, 0, IPC_STAT, &ds) || !ds.sem_nsems ||
	    ds.sem_nsems > CKPT_SYSV_SEMMSL)
		return errno ? -errno : -E2BIG;
	memset(&r, 0, sizeof(r));
	r.id = (int32_t)id;
	r.key = ds.sem_perm.__key;
	r.mode = ds.sem_perm.mode & 0777;
	r.uid = ds.sem_perm.uid;
	r.gid = ds.sem_perm.gid;
	r.cuid = ds.sem_perm.cuid;
	r.cgid = ds.sem_perm.cgid;
	r.nsems = ds.sem_nsems;
	val = calloc(r.nsems, sizeof(*val));
	if (!val)
		return -ENOMEM;
	err = semctl(id, 0, GETALL, val) ? -errno :
	      ipc_add(o, CKPT_REC_SYSVSEM, &r, sizeof(r), val,
		      r.nsems * sizeof(*val));
	free(val);
	return err;
}

static int ipc_read_sems(struct ckpt_opts *o, char *what, size_t wlen)
{
	char line[512];
	long key, id, nsems;
	unsigned int perms;
	FILE *f = fopen("/proc/sysvipc/sem", "re");
	int err = 0;

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	while (!err && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%ld %ld %o %ld", &key, &id, &perms,
			   &nsems) != 4)
			continue;
		snprintf(what, wlen, "semaphore set %ld", id);
		err = ipc_read_sem(o, (int)id);
	}
	fclose(f);
	return err;
}

/* One queue: its messages copied (MSG_COPY), none taken off. */
static int ipc_read_queue(struct ckpt_opts *o, int id, unsigned char *buf)
{
	struct msqid_ds ds;
	struct ckpt_rec_sysvmsg r;
	unsigned char *body = NULL, *nb;
	size_t blen = 0;
	unsigned long i;
	int err = 0;

	if (msgctl(id, IPC_STAT, &ds))
		return -errno;
	memset(&r, 0, sizeof(r));
	r.id = id;
	r.key = ds.msg_perm.__key;
	r.mode = ds.msg_perm.mode & 0777;
	r.uid = ds.msg_perm.uid;
	r.gid = ds.msg_perm.gid;
	r.cuid = ds.msg_perm.cuid;
	r.cgid = ds.msg_perm.cgid;
	r.qbytes = ds.msg_qbytes;
	r.nr_msgs = ds.msg_qnum;
	for (i = 0; !err && i < ds.msg_qnum; i++) {
		struct ckpt_sysv_msg m = { 0 };
		ssize_t n = msgrcv(id, buf, IPC_MSG_BUF, (long)i,
				   MSG_COPY | IPC_NOWAIT);

		if (n < 0) {
			err = -errno;
			break;
		}
		memcpy(&m.mtype, buf, sizeof(long));
		m.len = (uint32_t)n;
		nb = realloc(body, blen + sizeof(m) + ((n + 7) & ~7L));
		if (!nb) {
			err = -ENOMEM;
			break;
		}
		body = nb;
		memset(body + blen, 0, sizeof(m) + ((n + 7) & ~7L));
		memcpy(body + blen, &m, sizeof(m));
		memcpy(body + blen + sizeof(m), buf + sizeof(long), n);
		blen += sizeof(m) + ((n + 7) & ~7L);
	}
	if (!err)
		err = ipc_add(o, CKPT_REC_SYSVMSG, &r, sizeof(r), body, blen);
	free(body);
	return err;
}

static int ipc_read_msgs(struct ckpt_opts *o, char *what, size_t wlen)
{
	char line[512];
	long key, id;
	unsigned int perms;
	unsigned char *buf = malloc(sizeof(long) + IPC_MSG_BUF);
	FILE *f = fopen("/proc/sysvipc/msg", "re");
	int err = 0;

	if (!f || !buf) {
		err = f ? -ENOMEM : -errno;
		goto out;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	while (!err && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%ld %ld %o", &key, &id, &perms) != 3)
			continue;
		snprintf(what, wlen, "message queue %ld", id);
		err = ipc_read_queue(o, (int)id, buf);
	}
out:
	if (f)
		fclose(f);
	free(buf);
	return err;
}

/* The processes held while their SysV objects are read. */
struct ipc_hold {
	int dev;
	int fds[CKPT_MAX_TREE];	/* CKPT_IOC_FREEZE's, or -1 */
	int32_t pids[CKPT_MAX_TREE];	/* the processes, parents first */
	unsigned int n;
};

static void ipc_release(struct ipc_hold *h)
{
	ckpt_release_all(h->fds, h->n);
	h->n = 0;
}

/*
 * Hold the process, or the tree's members, with CKPT_IOC_FREEZE: nothing
 * of theirs changes while their objects are read, and nothing shows to
 * them or their parents (no stop, no continue).  The checkpoint takes
 * them as frozen; ipc_release() lets them go.  A member gone or a
 * zombie needs no hold.
 */
static int ipc_hold_members(struct ckpt_opts *o, struct ipc_hold *h,
			    const char *why)
{
	int32_t *pids = h->pids;
	unsigned int n = 0;
	int err;

	if (o->tree) {
		err = ckpt_hold_tree(h->dev, o->pid, pids, &n, h->fds);
	} else {
		pids[0] = o->pid;
		n = 1;
		err = ckpt_hold_all(h->dev, pids, n, h->fds);
	}
	h->n = err ? 0 : n;
	if (err == -EAGAIN)
		ckpt_fail(err, "cannot checkpoint tree %d: holding its processes to save %s failed: the tree kept changing (processes forking or exiting) while they were held",
			  o->pid, why);
	else if (err)
		ckpt_fail(err, "cannot checkpoint %s%d: holding its processes to save %s failed: %s",
			  o->tree ? "tree " : "", o->pid, why, strerror(-err));
	return err;
}

/*
 * --sysv-ipc in our own namespace: hold the processes, read the objects
 * named.  As ipc_ns_prepare().
 */
static int ipc_named_prepare(struct ckpt_opts *o, struct ipc_hold *h)
{
	unsigned char *buf;
	unsigned int i;
	char what[64];
	int err = 0;

	if (!o->nr_named_sem && !o->nr_named_msg)
		return 1;
	err = ipc_hold_members(o, h, "the SysV objects named");
	if (err)
		return err;
	buf = malloc(sizeof(long) + IPC_MSG_BUF);
	if (!buf)
		err = -ENOMEM;
	for (i = 0; !err && i < o->nr_named_sem; i++) {
		snprintf(what, sizeof(what), "semaphore set %d",
			 o->named_sem[i]);
		err = ipc_read_sem(o, o->named_sem[i]);
	}
	for (i = 0; !err && i < o->nr_named_msg; i++) {
		snprintf(what, sizeof(what), "message queue %d",
			 o->named_msg[i]);
		err = ipc_read_queue(o, o->named_msg[i], buf);
	}
	free(buf);
	if (err)
		ckpt_fail(err == -E2BIG ? -EOPNOTSUPP : err,
			  "cannot checkpoint %s%d: reading SysV %s failed: %s",
			  o->tree ? "tree " : "", o->pid, what,
			  err == -E2BIG ? "too large for an image record" :
			  err == -ENOSYS ? "the kernel lacks MSG_COPY (CONFIG_CHECKPOINT_RESTORE)" :
			  strerror(-err));
	return err;
}

/*
 * The processes have an IPC namespace of their own: hold them all (so
 * nothing changes), enter it, and read every semaphore set and message
 * queue there for the image.  1 if it is not so, 0 when they are held
 * (the caller releases them after the checkpoint), or a negative errno
 * once reported (nothing held).
 */
static int ipc_ns_prepare(struct ckpt_opts *o, struct ipc_hold *h)
{
	char path[64], what[64] = "its objects";
	ino_t mine, theirs;
	int fd, err;

	if (ns_ino(0, &mine) || ns_ino(o->pid, &theirs))
		return 1;
	if (mine == theirs)
		return ipc_named_prepare(o, h);
	err = ipc_hold_members(o, h, "their IPC namespace");
	if (err)
		return err;
	o->ipc_ns = 1;
	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", (int)o->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	err = fd < 0 || setns(fd, CLONE_NEWIPC) ? -errno : 0;
	if (fd >= 0)
		close(fd);
	if (err) {
		ckpt_fail(err, "cannot checkpoint %s%d: it has an IPC namespace of its own, and entering it failed: %s",
			  o->tree ? "tree " : "", o->pid, strerror(-err));
		if (err == -EPERM)
			ckpt_hint("saving another IPC namespace needs CAP_SYS_ADMIN");
		return err;
	}
	err = ipc_read_sems(o, what, sizeof(what));
	if (!err)
		err = ipc_read_msgs(o, what, sizeof(what));
	if (err) {
		ckpt_fail(err == -E2BIG ? -EOPNOTSUPP : err,
			  "cannot checkpoint %s%d: reading SysV %s of its IPC namespace failed: %s",
			  o->tree ? "tree " : "", o->pid, what,
			  err == -E2BIG ? "too large for an image record" :
			  err == -ENOSYS ? "the kernel lacks MSG_COPY (CONFIG_CHECKPOINT_RESTORE)" :
			  strerror(-err));
		return err;
	}
	return 0;
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
		pids[0] = o->pid;
		n = 1;
		a->skip = o->skip;
		a->ghost_limit = o->ghost_limit;
		if (o->tree) {
			n = 0;
			err = ckpt_list_tree(o->pid, pids, &n);
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
		err = o->ipc_ns ? 0 : sysv_ipc_users(o, pids, n);
		if (err) {
			*reported = 1;
			return err;
		}
		if (o->ipc_ns)
			a->flags |= CKPT_CHECKPOINT_IPC_NS;
		if (o->uts_ns)
			a->flags |= CKPT_CHECKPOINT_UTS_NS;
		a->ipc_recs = (uintptr_t)o->ipc_recs;
		a->ipc_len = o->ipc_len;
		tmark("SysV users looked for");
		err = ioctl(dev, CKPT_IOC_CHECKPOINT, a) ? -errno : 0;
		tmark("CHECKPOINT");
		/* The tree changed between listing and freezing: again. */
		if (!o->tree || (err != -ECHILD && err != -ESRCH) ||
		    a->bytes_written || !--tries)
			break;
	}
	if (err == -ESRCH && o->tree && !a->err_pid)
		a->err_pid = o->pid;
	return err;
}

/*
 * --compress: the module writes into a pipe, a thread of ours compresses
 * what comes out of it into the output (zimg.h).  *@sink: the pipe's end
 * for the module.
 */
static int compress_start(const struct ckpt_opts *o, struct ckpt_out *out,
			  struct ckpt_zpump *zp, int *sink)
{
	int p[2], err;

	if (pipe2(p, O_CLOEXEC)) {
		err = -errno;
		ckpt_fail(err, "cannot checkpoint %s%d: cannot make a pipe to compress through: %s",
			  o->tree ? "tree " : "", o->pid, strerror(-err));
		return err;
	}
	ckpt_grow_pipe(p[1]);
	*zp = (struct ckpt_zpump){ .in = p[0], .out = out->fd,
				   .level = o->level };
	err = ckpt_zpump_start(zp);
	if (err) {
		close(p[0]);
		close(p[1]);
		ckpt_fail(err, "cannot checkpoint %s%d: cannot start compressing: %s",
			  o->tree ? "tree " : "", o->pid, strerror(-err));
		return err;
	}
	*sink = p[1];
	return 0;
}

/*
 * The module is done writing into the pipe: let the compressor finish
 * (or, if the module @failed, leave the frame unfinished: no reader may
 * take what came before for a whole image), and sync a file the process
 * is about to be killed for.  0, or -errno once reported.
 */
static int compress_finish(const struct ckpt_opts *o, struct ckpt_out *out,
			   struct ckpt_zpump *zp, int sink, int failed)
{
	int err;

	if (failed)
		ckpt_zpump_abort(zp);
	close(sink);
	err = ckpt_zpump_join(zp);
	if (err && !failed)
		ckpt_fail(err, "cannot checkpoint %s%d to %s: %s",
			  o->tree ? "tree " : "", o->pid, out->name,
			  zp->res.msg);
	if (!err && !failed && o->kill_after && out->regular &&
	    fsync(out->fd)) {
		err = -errno;
		ckpt_fail(err, "cannot checkpoint %s%d: syncing %s failed: %s",
			  o->tree ? "tree " : "", o->pid, out->name,
			  strerror(-err));
	}
	return err;
}

/*
 * After --compress, once the image is all out: kill the processes
 * (--kill) or stop them (--stop), still held by us (CKPT_IOC_FREEZE)
 * so that these PIDs are still theirs.
 */
static void compress_settle(const struct ckpt_opts *o, const int32_t *pids,
			    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (o->kill_after)
			kill(pids[i], SIGKILL);
		else if (o->stop_after)
			kill(pids[i], SIGSTOP);
	}
}

/* "1234", or "tree 1234: process 1240" (@pid a member of the tree) */
static const char *member_name(const struct ckpt_opts *o, pid_t pid,
			       char *buf, size_t len)
{
	if (o->tree)
		snprintf(buf, len, "tree %d: process %d", o->pid, pid);
	else
		snprintf(buf, len, "%d", pid);
	return buf;
}

/*
 * --parent: PREV must be the image after which process @pid's soft-dirty
 * bits were last reset (--track's record): with an older one, what was
 * written in between would be taken for clean.
 */
static int parent_is_last(const struct ckpt_opts *o, pid_t pid,
			  const struct ckpt_image_header *ih)
{
	uint64_t time_ns;
	uint32_t csum;
	char who[64];
	int err;

	member_name(o, pid, who, sizeof(who));
	err = ckpt_track_load(pid, &time_ns, &csum);
	if (err == -EXDEV) {
		ckpt_fail(-ESTALE, "cannot checkpoint %s: --parent %s: its owner's ckpt has tracked it since (its own record is there): the pages written before that would be missed",
			  who, o->parent);
		ckpt_hint("take a complete image with --track, as one user");
		return -ESTALE;
	}
	if (err == -ENOENT) {
		ckpt_fail(err, "cannot checkpoint %s: --parent %s: nothing tracks the pages it writes (no --track image of this process; restarted since?)",
			  who, o->parent);
		ckpt_hint("take a complete image with --track first");
		return err;
	}
	if (err) {
		ckpt_fail(err, "cannot checkpoint %s: --parent %s: cannot read the record of its tracking: %s",
			  who, o->parent, strerror(-err));
		return err;
	}
	if (time_ns != ih->time_ns || csum != ih->csum) {
		ckpt_fail(-ESTALE, "cannot checkpoint %s: --parent %s is not its last image taken with --track or --parent: the pages written since then would be missed",
			  who, o->parent);
		ckpt_hint("name the last one, or take a complete image with --track");
		return -ESTALE;
	}
	return 0;
}

/* --parent: the chain must stay one a restore follows. */
static int parent_chain_ok(const struct ckpt_opts *o)
{
	char why[320];
	int err;

	err = ckpt_incr_depth(o->parent, o->output, why, sizeof(why));
	if (err >= CKPT_INCR_DEPTH_MAX)
		err = -ELOOP;
	if (err == -EINVAL) {
		ckpt_fail(err, "cannot checkpoint %s%d: --parent %s: the output %s",
			  o->tree ? "tree " : "", o->pid, o->parent, why);
		return -EEXIST;		/* a usage error */
	}
	if (err == -ELOOP) {
		ckpt_fail(err, "cannot checkpoint %s%d: --parent %s ends a chain of %d incremental images, the most a restore follows",
			  o->tree ? "tree " : "", o->pid, o->parent, CKPT_INCR_DEPTH_MAX);
		ckpt_hint("take a complete image with --track to start a new chain");
	} else if (err < 0) {
		ckpt_fail(err, "cannot checkpoint %s%d: --parent %s: %s",
			  o->tree ? "tree " : "", o->pid, o->parent, why);
	}
	return err < 0 ? err : 0;
}

/* Does the module behind @dev have @feature (CKPT_FEAT_*)? */
static int module_has(int dev, uint64_t feature)
{
	struct ckpt_version v;

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	return !ioctl(dev, CKPT_IOC_VERSION, &v) && (v.features & feature);
}

/*
 * --tree --parent: the module must take dirty-only checkpoints of trees.
 * (No /dev/ckpt: the checkpoint says so later.)
 */
static int tree_dirty_ok(const struct ckpt_opts *o)
{
	int dev = ckpt_dev_open(), ok, precopy;

	if (dev < 0)
		return 0;
	ok = module_has(dev, CKPT_FEAT_TREE_DIRTY);
	precopy = module_has(dev, CKPT_FEAT_PRECOPY);
	close(dev);
	if (ok)
		return 0;
	ckpt_fail(-EOPNOTSUPP, "cannot checkpoint tree %d: --parent: %s",
		  o->pid, precopy ?
		  "this ckpt module takes no incremental image of a tree (older than CKPT_FEAT_TREE_DIRTY)" :
		  "this kernel does not track the pages processes write (no CONFIG_MEM_SOFT_DIRTY)");
	return -EOPNOTSUPP;
}

/*
 * --tree --parent, the processes listed (then held): the same processes
 * as PREV's, in
 * the same order (the merge takes each one's clean pages from the
 * parent's process at its place), zombies the same, and each one tracked
 * since PREV.
 */
static int parent_members(const struct ckpt_opts *o, const int32_t *pids,
			  unsigned int n, const struct ckpt_image_header *ih)
{
	const struct ckpt_rec_tree_task *t = o->parent_tree;
	unsigned int i, j;
	char what[160];
	int err, z;

	what[0] = '\0';
	for (i = 0; i < n && !what[0]; i++) {
		for (j = 0; j < o->nr_parent && t[j].pid != pids[i]; j++)
			;
		if (j == o->nr_parent)
			snprintf(what, sizeof(what), "process %d joined the tree since",
				 pids[i]);
	}
	for (j = 0; j < o->nr_parent && !what[0]; j++) {
		for (i = 0; i < n && pids[i] != t[j].pid; i++)
			;
		if (i == n)
			snprintf(what, sizeof(what), "process %d left the tree since",
				 t[j].pid);
	}
	for (i = 0; i < n && !what[0]; i++) {
		z = ckpt_proc_zombie(pids[i]);
		if (z == -ENOENT)
			snprintf(what, sizeof(what), "process %d left the tree since",
				 pids[i]);
		else if (z < 0)
			snprintf(what, sizeof(what), "process %d: %s", pids[i],
				 strerror(-z));
		else if (pids[i] != t[i].pid)
			snprintf(what, sizeof(what), "its processes are listed in another order since");
		else if (z != !!(t[i].flags & CKPT_TREE_ZOMBIE))
			snprintf(what, sizeof(what), "process %d %s since",
				 pids[i], z ? "exited" : "was reaped");
	}
	if (what[0]) {
		ckpt_fail(-ESTALE, "cannot checkpoint tree %d: --parent %s: %s: an incremental image of a tree needs the same processes as its parent",
			  o->pid, o->parent, what);
		ckpt_hint("take a complete image with --tree --track");
		return -ESTALE;
	}
	for (i = 0; i < n; i++) {
		if (t[i].flags & CKPT_TREE_ZOMBIE)
			continue;	/* no memory to track */
		err = parent_is_last(o, pids[i], ih);
		if (err)
			return err;
	}
	return 0;
}

/*
 * --parent: PREV must be an image of this very process or tree (its
 * first PID; which checkpoint of it, the restore checks along the chain):
 * its header and processes, into @ih and o->parent_tree.  A tree's
 * members are checked once they are held (parent_members()).
 */
static int parent_identity(struct ckpt_opts *o, struct ckpt_image_header *ih)
{
	char why[320];
	pid_t pid;
	int fd, err;

	fd = ckpt_incr_open(o->parent, 1, why, sizeof(why));
	if (fd < 0) {
		ckpt_fail(fd, "cannot checkpoint %s%d: --parent %s", o->tree ? "tree " : "", o->pid, why);
		return fd;
	}
	err = ckpt_incr_identity(fd, ih, o->parent_tree, &o->nr_parent, why,
				 sizeof(why));
	close(fd);
	if (err) {
		ckpt_fail(err, "cannot checkpoint %s%d: --parent %s: %s",
			  o->tree ? "tree " : "", o->pid, o->parent, why);
		return err;
	}
	pid = o->parent_tree[0].pid;
	if (pid != o->pid) {
		ckpt_fail(-EINVAL, "cannot checkpoint %s%d: --parent %s is an image of %s%d, not of %d",
			  o->tree ? "tree " : "", o->pid, o->parent, o->nr_parent > 1 ? "tree " :
			  "process ", pid, o->pid);
		return -EINVAL;
	}
	if (o->nr_parent > 1 && !o->tree) {
		ckpt_fail(-EINVAL, "cannot checkpoint %s%d: --parent %s is an image of its tree of %u processes",
			  o->tree ? "tree " : "", o->pid, o->parent, o->nr_parent);
		ckpt_hint("add --tree");
		return -EINVAL;
	}
	err = parent_chain_ok(o);
	if (!err && !o->tree)
		err = parent_is_last(o, o->pid, ih);
	if (!err && o->tree)
		err = tree_dirty_ok(o);
	if (!err && o->tree) {
		int32_t pids[CKPT_MAX_TREE];
		unsigned int n = 0;

		/*
		 * Before the output is opened (and truncated); again once
		 * the tree is held (checkpoint()).
		 */
		err = ckpt_list_tree(o->pid, pids, &n);
		if (err)
			ckpt_fail(err, "cannot checkpoint tree %d: %s", o->pid,
				  err == -ESRCH ? "no such process" :
				  err == -E2BIG ? "it has too many processes" :
				  "listing its descendants failed");
		else
			err = parent_members(o, pids, n, ih);
	}
	return err;
}

/*
 * --track: reset the soft-dirty bits of the process (each of the tree's
 * but zombies) while it is still held, its image whole: the next
 * --parent image holds what it writes from now on.  A failure only makes
 * that image larger, or refused: a warning.
 */
static void track_reset(const struct ckpt_opts *o,
			const struct ckpt_checkpoint_args *a,
			const int32_t *pids, unsigned int n,
			const struct ipc_hold *hold)
{
	unsigned int i, j;
	char who[64];
	int err;

	for (i = 0; i < n; i++) {
		if (ckpt_proc_zombie(pids[i]) > 0)
			continue;
		for (j = 0; j < hold->n && (hold->pids[j] != pids[i] ||
					    hold->fds[j] < 0); j++)
			;
		/* a process that ran since its image: its bits would lie */
		if (j == hold->n) {
			ckpt_track_forget(pids[i]);
			err = -EAGAIN;
		} else if (!a->image_time_ns) {
			/* a module older than image_time_ns: which image? */
			ckpt_track_forget(pids[i]);
			err = -EOPNOTSUPP;
		} else {
			err = ckpt_soft_dirty_reset(pids[i]);
		}
		/* the record names this image: the next --parent must be it */
		if (!err)
			err = ckpt_track_save(pids[i], a->image_time_ns,
					      a->image_csum);
		if (err)
			ckpt_hint("warning: cannot track the pages %s writes from now on (%s): this image cannot be the --parent of another",
				  member_name(o, pids[i], who, sizeof(who)),
				  strerror(-err));
	}
	ckpt_track_prune();
}

static int checkpoint(struct ckpt_opts *o)
{
	struct ckpt_checkpoint_args a;
	struct ckpt_out out = { .fd = -1 };
	int32_t pids[CKPT_MAX_TREE];
	struct ipc_hold hold = { .n = 0 };
	struct ckpt_zpump zp = { .started = 0 };
	struct ckpt_image_header pih;
	int dev, err, ret, reported = 0, sink;
	unsigned int n = 0;
	double t0;

	/* one tracking ckpt at a time, from the record's check to its save */
	if (o->track || o->parent) {
		o->lock = ckpt_track_lock(o->pid);
		if (o->lock < 0) {
			ckpt_fail(o->lock, "cannot checkpoint %d: cannot lock the record of its tracking: %s",
				  o->pid, strerror(-o->lock));
			return CKPT_EXIT_FAILED;
		}
	}
	if (o->parent) {
		err = parent_identity(o, &pih);
		if (err)
			return err == -EEXIST ? CKPT_EXIT_USAGE :
			       CKPT_EXIT_FAILED;
	}
	if (o->parent)
		o->flags |= CKPT_CHECKPOINT_DIRTY_ONLY;
	ret = open_output(o, &out);
	if (ret)
		return ret;
	sink = out.fd;
	tmark("output opened");
	dev = ckpt_dev_open();
	if (dev < 0) {
		ckpt_dev_report(dev);
		close_output(&out, 1);
		return CKPT_EXIT_FAILED;
	}
	t0 = now_s();
	tmark("/dev/ckpt opened");
	hold.dev = dev;
	err = uts_ns_enter("checkpoint", o->pid, -1, o->tree);
	o->uts_ns = err > 0;
	if (err >= 0) {
		err = ipc_ns_prepare(o, &hold);
		tmark("IPC and UTS namespaces looked at");
	}
	if (err <= 0)
		reported = !!err;
	if (!err && o->verbose)
		ckpt_hint("%s%d: saved %u bytes of SysV semaphores and message queues%s",
			  o->tree ? "tree " : "", o->pid, o->ipc_len,
			  o->ipc_ns ? " (its own IPC namespace)" : "");
	if (err > 0)
		err = 0;
	/*
	 * --compress --kill or --stop: the module must not kill or stop
	 * before the compressed image is all out.  Hold the processes
	 * (unseen), kill or stop them after: a failure undoes nothing.
	 */
	if (!err && o->compress &&
	    (o->flags & (CKPT_CHECKPOINT_KILL | CKPT_CHECKPOINT_LEAVE_STOPPED))) {
		o->kill_after = !!(o->flags & CKPT_CHECKPOINT_KILL);
		o->stop_after = !o->kill_after;
		o->flags &= ~(CKPT_CHECKPOINT_KILL |
			      CKPT_CHECKPOINT_LEAVE_STOPPED);
		if (!hold.n)
			err = ipc_hold_members(o, &hold,
					       "their compressed image");
		reported = !!err;
	}
	/* --track: held from the checkpoint to the reset of its bits */
	if (!err && (o->track || o->parent) && !hold.n) {
		err = ipc_hold_members(o, &hold, o->track ?
				       "their image and track them" :
				       "their image");
		reported = !!err;
	}
	if (!err && o->parent && o->tree) {
		err = parent_members(o, hold.pids, hold.n, &pih);
		reported = !!err;
	}
	if (!err && o->compress) {
		err = compress_start(o, &out, &zp, &sink);
		reported = !!err;
	}
	if (!err && o->parent) {
		char why[320];

		err = ckpt_incr_write_header(sink, out.is_file ? o->output :
					     NULL, o->parent, &pih, why,
					     sizeof(why));
		if (err)
			ckpt_fail(err, "cannot checkpoint %d to %s: %s",
				  o->pid, out.name, why);
		reported = !!err;
	}
	if (!err) {
		err = checkpoint_ioctl(o, dev, sink, &a, pids, &reported);
		/* done: what is left to settle if the image is not whole */
		if (!err)
			n = a.flags & CKPT_CHECKPOINT_TREE ? a.nr_pids : 1;
	}
	if (zp.started) {
		ret = compress_finish(o, &out, &zp, sink, !!err);
		/* the module's EPIPE: the compressor stopped, and said why */
		if (err == -EPIPE && ret) {
			ckpt_fail(ret, "cannot checkpoint %s%d to %s: %s",
				  o->tree ? "tree " : "", o->pid, out.name,
				  zp.res.msg);
			reported = 1;
		}
		if (!err && ret) {
			err = ret;	/* reported */
			reported = 1;
		}
	}
	if (err && !reported)
		report_checkpoint(&a, &out, err);
	free(o->ipc_recs);
	close(dev);
	/* a reader of a pipe or FIFO sees its end once they are gone */
	if (n && !err && !out.regular)
		compress_settle(o, pids, n);
	ret = close_output(&out, !!err);
	if (n && !err && !ret && out.regular)
		compress_settle(o, pids, n);
	if (n && !err && !ret && o->track)
		track_reset(o, &a, pids, n, &hold);
	/* Held to read their SysV objects: now killed, stopped or let go. */
	ipc_release(&hold);
	tmark("output closed");
	tprint();
	if (ret || err)
		return CKPT_EXIT_FAILED;
	if (a.nr_skipped)
		ckpt_hint("left out %u object%s as --skip allows: see 'ckpt show'",
			  a.nr_skipped, a.nr_skipped == 1 ? "" : "s");
	if (o->verbose) {
		char pages[96] = "", zs[96] = "";

		/* (an older module does not count them) */
		if (a.nr_pages + a.nr_zero_pages)
			snprintf(pages, sizeof(pages),
				 "; %llu pages of memory, %llu more of only zeros left out",
				 (unsigned long long)a.nr_pages,
				 (unsigned long long)a.nr_zero_pages);
		if (o->compress)
			snprintf(zs, sizeof(zs), ", compressed to %llu (zstd %d)",
				 (unsigned long long)zp.res.out_bytes,
				 o->level);
		ckpt_hint("checkpointed %s%d: %llu bytes%s in %.3f s%s",
			  o->tree ? "tree " : "", o->pid,
			  (unsigned long long)a.bytes_written, zs,
			  now_s() - t0, pages);
	}
	return CKPT_EXIT_OK;
}

static int checkpoint_main(int argc, char **argv)
{
	struct ckpt_opts o = { .pid = 0, .lock = -1 };
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret;
	/* A reader that went away must give EPIPE, not kill us silently. */
	signal(SIGPIPE, SIG_IGN);
	ret = checkpoint(&o);
	if (o.lock >= 0)
		close(o.lock);
	return ret;
}

/* ---- migrate ------------------------------------------------------ */

/* Exit codes of 'ckpt migrate' besides 0, 1 (source side) and 2 (usage). */
#define MIG_EXIT_LINK		3	/* destination unreachable, link broke */
#define MIG_EXIT_REFUSED	4	/* destination refused or failed */
#define MIG_EXIT_TIMEOUT	5	/* --timeout passed */
#define MIG_EXIT_UNDECIDED	6	/* committed, unconfirmed: left stopped */

#define MIG_DEFAULT_TIMEOUT	60	/* seconds */
#define MIG_LATE_VERDICT_MS	2000	/* a refusal explaining a broken send */

struct mig_opts {
	pid_t pid;
	const char *dest;
	struct ckpt_addr addr;
	char dest_name[4200];
	int timeout_s;
	int verbose;
	int live;		/* --live: pre-copy rounds (precopy.c) */
	unsigned int max_rounds;
	int tree;		/* --tree: PID and its descendants */
	const char *key_path;	/* --key FILE */
	int no_events;		/* --no-events */
	int progress;		/* --progress / a terminal on stderr */
};

struct mig {
	const struct mig_opts *o;
	int pidfd;
	int dev;
	int hold;		/* CKPT_IOC_FREEZE's descriptor, or -1 */
	int stop_sent;		/* SIGSTOP pending behind the hold */
	int out;
	int was_stopped;	/* by job control, before we came */
	int uts_ns;		/* its own UTS namespace, entered */
	char node[CKPT_MIG_NODE_LEN];	/* our host name (the handshake's) */
	int64_t t_start;	/* connecting */
	int64_t t0;		/* freeze (checkpoint start) */
	int64_t deadline;
	struct ckpt_checkpoint_args a;
	struct ckpt_mig_verdict v;
	struct precopy_stats pc;	/* --live */
	int64_t t_precopy;	/* --live: the rounds began */
	/* --key */
	unsigned char key[CKPT_MIG_KEY_MAX];
	int key_len;
	struct ckpt_seal_relay seal;	/* the stream's, after the exchange */
	/* --tree: the members frozen together, parents first */
	int32_t pids[CKPT_MAX_TREE];
	int pidfds[CKPT_MAX_TREE];
	int holds[CKPT_MAX_TREE];	/* CKPT_IOC_FREEZE's, or -1 */
	char stopped[CKPT_MAX_TREE];
	unsigned int n;
	int held;		/* every live member held */
	int reported;		/* a failure already said why */
	/* events on the module's netlink family (mig_events.h) */
	int ev;
};

static volatile sig_atomic_t mig_alarm;

#define MIG_SEAL_LINGER_MS	5000

static void mig_on_alarm(int sig)
{
	(void)sig;
	mig_alarm = 1;
}

static void migrate_usage(FILE *f)
{
	fprintf(f,
		"usage: ckpt migrate [-v] [--timeout S] [--live [--max-rounds N]] [--tree]\n"
		"                    [--key FILE] PID --to DEST\n"
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
		"  -v, --verbose    steps on stderr\n"
		"  --progress       bytes sent and rate on stderr (the default\n"
		"                   when stderr is a terminal); --no-progress\n"
		"  --tree           PID and all its descendants, frozen together,\n"
		"                   all resumed on failure, all removed on success\n"
		"  --key FILE       prove to DEST that we hold this shared key, check\n"
		"                   that it does too ('restart --key'), then encrypt\n"
		"                   and authenticate the stream both ways (a key\n"
		"                   file of yours, mode 0600, not a link)\n"
		"  --no-events      send no migration events to the ckpt module's\n"
		"                   netlink group (ckptctl monitor)\n"
		"  --live           pre-copy: copy memory in rounds while the\n"
		"                   process runs (tracking the pages it dirties),\n"
		"                   then freeze it and send only what is dirty\n"
		"                   (with --tree: of every process of the tree)\n"
		"  --max-rounds N   at most N pre-copy rounds (default %d; a\n"
		"                   tree that gains processes: a few more, then\n"
		"                   EAGAIN)\n"
		"On success prints one line on stdout:\n"
		"  migrated pid=P to=DEST new_pid=P bytes=N downtime_ms=D total_ms=T\n"
		"and with --live: rounds=R precopy_bytes=B (bytes= is then what\n"
		"was sent while frozen)\n"
		"Exit status: 0 migrated; 1 the source side failed (nothing\n"
		"sent or the checkpoint refused); 2 usage; 3 DEST unreachable or\n"
		"the connection broke; 4 DEST refused or failed the restore;\n"
		"5 timeout; in all these failures the process runs on.  6 the\n"
		"commit's confirmation was lost: DEST may or may not have the\n"
		"process, which is left stopped here (see the message).\n",
		MIG_DEFAULT_TIMEOUT, PRECOPY_MAX_ROUNDS);
}

static int migrate_usage_error(const char *msg, const char *arg)
{
	ckpt_fail(0, "%s%s%s", msg, arg ? ": " : "", arg ? arg : "");
	ckpt_hint("try 'ckpt migrate --help'");
	return CKPT_EXIT_USAGE;
}

static int migrate_args(int argc, char **argv, struct mig_opts *o)
{
	enum { OPT_LIVE = 256, OPT_TREE, OPT_MAX_ROUNDS, OPT_KEY, OPT_NO_EVENTS,
	       OPT_PROGRESS, OPT_NO_PROGRESS };
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 'T' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "live", no_argument, NULL, OPT_LIVE },
		{ "max-rounds", required_argument, NULL, OPT_MAX_ROUNDS },
		{ "tree", no_argument, NULL, OPT_TREE },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "no-events", no_argument, NULL, OPT_NO_EVENTS },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *why;
	uint64_t t;
	int c;

	o->timeout_s = MIG_DEFAULT_TIMEOUT;
	o->progress = -1;
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
			o->live = 1;
			break;
		case OPT_MAX_ROUNDS:
			if (ckpt_parse_u64(optarg, &t) || !t ||
			    t > PRECOPY_MAX_ROUNDS_LIM)
				return migrate_usage_error("bad --max-rounds, expected 1..64",
							   optarg);
			o->max_rounds = (unsigned int)t;
			break;
		case OPT_TREE:
			o->tree = 1;
			break;
		case OPT_KEY:
			o->key_path = optarg;
			break;
		case OPT_NO_EVENTS:
			o->no_events = 1;
			break;
		case OPT_PROGRESS:
			o->progress = 1;
			break;
		case OPT_NO_PROGRESS:
			o->progress = 0;
			break;
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
	if (o->max_rounds && !o->live)
		return migrate_usage_error("--max-rounds goes with --live", NULL);
	if (o->live && o->addr.kind == CKPT_ADDR_FILE)
		return migrate_usage_error("--live needs a receiver (vsock: or tcp:), not a file",
					   o->dest);
	if (!o->max_rounds)
		o->max_rounds = PRECOPY_MAX_ROUNDS;
	if (o->key_path && o->addr.kind == CKPT_ADDR_FILE)
		return migrate_usage_error("--key goes with a vsock or TCP destination",
					   NULL);
	if (o->progress < 0)
		o->progress = isatty(STDERR_FILENO);
	ckpt_addr_format(&o->addr, o->dest_name, sizeof(o->dest_name));
	return 0;
}

static int mig_left_ms(const struct mig *m);
static void mig_arm(struct mig *m);
static void mig_disarm(void);
static int proc_stopped(pid_t pid);
static int mig_ioctl_progress(struct mig *m);

/* ---- migrate --tree ------------------------------------------------ */

static void mig_tree_close_holds(struct mig *m)
{
	ckpt_release_all(m->holds, m->n);
	m->held = 0;
}

/*
 * Hold every member with CKPT_IOC_FREEZE (unseen by them, their parents
 * and shells), as mig_hold() holds a single process.  A member that
 * exited or is a zombie needs none.  Any other failure: no holds, and
 * the checkpoint leaves the tree SIGSTOPped instead.
 */
static void mig_tree_hold(struct mig *m)
{
	m->held = !ckpt_hold_all(m->dev, m->pids, m->n, m->holds);
}

/* Let every member run on, except those job control had stopped. */
static void mig_tree_resume(struct mig *m)
{
	unsigned int i;

	if (m->held) {
		/* held, never stopped: closing the holds lets them go */
		for (i = 0; i < m->n; i++)
			if (m->stop_sent && !m->stopped[i])
				pidfd_send_signal(m->pidfds[i], SIGCONT, NULL, 0);
		mig_tree_close_holds(m);
		if (m->o->verbose)
			ckpt_hint("tree %d resumed: %u processes", m->o->pid,
				  m->n);
		return;
	}
	for (i = 0; i < m->n; i++) {
		if (m->stopped[i] || m->pidfds[i] < 0)
			continue;
		if (pidfd_send_signal(m->pidfds[i], SIGCONT, NULL, 0) &&
		    errno != ESRCH)
			ckpt_fail(errno, "cannot resume %d (of tree %d) after the failed migration: %s",
				  m->pids[i], m->o->pid, strerror(errno));
	}
	if (m->o->verbose)
		ckpt_hint("tree %d resumed: %u processes", m->o->pid, m->n);
}

/* Kill every member and wait until each is gone (or a zombie). */
static int mig_tree_remove(struct mig *m)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < m->n; i++)
		if (pidfd_send_signal(m->pidfds[i], SIGKILL, NULL, 0) &&
		    errno != ESRCH) {
			ckpt_fail(errno, "migrated tree %d, but cannot kill its process %d: %s",
				  m->o->pid, m->pids[i], strerror(errno));
			ret = -1;
		}
	for (i = 0; i < m->n; i++) {
		struct pollfd p = { .fd = m->pidfds[i], .events = POLLIN };

		while (poll(&p, 1, 10000) < 0 && errno == EINTR)
			;
	}
	return ret;
}

static void mig_tree_close(struct mig *m)
{
	unsigned int i;

	mig_tree_close_holds(m);
	for (i = 0; i < m->n; i++)
		if (m->pidfds[i] >= 0)
			close(m->pidfds[i]);
	m->n = 0;
}

/*
 * List the tree and pin each member with a pidfd (so that only these very
 * processes are ever signalled); -ESRCH/-ECHILD when it changed meanwhile.
 */
static int mig_tree_list(struct mig *m)
{
	unsigned int i, n = 0;
	int err;

	mig_tree_close(m);
	err = ckpt_list_tree(m->o->pid, m->pids, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		m->pidfds[i] = pidfd_open(m->pids[i], 0);
		if (m->pidfds[i] < 0) {
			err = -errno;
			m->n = i;
			mig_tree_close(m);
			return err == -ESRCH ? -ECHILD : err;
		}
		m->holds[i] = -1;
		m->stopped[i] = (char)proc_stopped(m->pids[i]);
	}
	m->n = n;
	mig_tree_hold(m);
	return 0;
}

/*
 * Freeze the whole tree and stream its image; the module resumes it all
 * when the checkpoint fails.  A tree that changed between listing and
 * freezing is listed again (nothing was sent yet).
 */
static int mig_tree_checkpoint(struct mig *m)
{
	unsigned int tries = 3;
	pid_t stranger;
	int err;

	m->t0 = ckpt_now_ms();
	for (;;) {
		err = mig_tree_list(m);
		if (err == -E2BIG) {
			ckpt_fail(err, "cannot migrate tree %d: it has more than %d processes; nothing was done",
				  m->o->pid, CKPT_MAX_TREE);
			return err;
		}
		/* live: what is held is what was pre-copied, and stays so */
		if (!err && m->o->live && !m->held) {
			ckpt_fail(-EBUSY, "cannot migrate tree %d live: its processes cannot all be held for the freeze (one exited or was killed?); %d resumed",
				  m->o->pid, m->o->pid);
			m->reported = 1;
			return -EBUSY;
		}
		if (!err && m->o->live &&
		    !precopy_members_ok(&m->pc, m->pids, m->n, &stranger)) {
			/* nothing sent yet: the source resumes */
			ckpt_fail(-EAGAIN, "cannot migrate tree %d live: process %d joined the tree after the last pre-copy round, and the receiver has none of its pages; %d resumed",
				  m->o->pid, stranger, m->o->pid);
			ckpt_hint("try again");
			m->reported = 1;
			return -EAGAIN;
		}
		if (!err) {
			memset(&m->a, 0, sizeof(m->a));
			m->a.size = sizeof(m->a);
			m->a.flags = CKPT_CHECKPOINT_TREE;
			if (m->o->live)
				m->a.flags |= CKPT_CHECKPOINT_DIRTY_ONLY;
			if (m->uts_ns)
				m->a.flags |= CKPT_CHECKPOINT_UTS_NS;
			if (!m->held)
				m->a.flags |= CKPT_CHECKPOINT_LEAVE_STOPPED;
			m->a.pid = m->o->pid;
			m->a.fd = m->out;
			m->a.pids = (uintptr_t)m->pids;
			m->a.nr_pids = m->n;
			m->t0 = ckpt_now_ms();
			mig_arm(m);
			err = mig_ioctl_progress(m) ? -errno : 0;
			mig_disarm();
		}
		if ((err != -ECHILD && err != -ESRCH) || m->a.bytes_written ||
		    !--tries)
			break;
	}
	if (err == -ESRCH && !m->a.err_pid)
		m->a.err_pid = m->o->pid;
	if (!err && m->o->verbose)
		ckpt_hint("tree %d (%u processes) frozen and sent: %llu bytes in %lld ms",
			  m->o->pid, m->n, (unsigned long long)m->a.bytes_written,
			  (long long)(ckpt_now_ms() - m->t0));
	return err;
}

/* ---- migrate --key: the challenge-response (migrate.h) -------------- */

static int mig_auth(struct mig *m, const struct ckpt_mig_hello *h)
{
	const struct mig_opts *o = m->o;
	struct ckpt_mig_auth s, rx, p;
	unsigned char mac[CKPT_MIG_MAC_LEN];
	int err;

	memset(&s, 0, sizeof(s));
	err = ckpt_random(s.nonce, sizeof(s.nonce));
	if (err) {
		ckpt_fail(err, "cannot migrate %d: no random numbers: %s; nothing was done",
			  o->pid, strerror(-err));
		return CKPT_EXIT_FAILED;
	}
	ckpt_mig_auth_seal(&s, CKPT_MIG_AUTH_S_MAGIC);
	err = ckpt_mig_send(m->out, &s, sizeof(s));
	/* The answer, or a refusal (a verdict): both start with a magic. */
	if (!err)
		err = ckpt_mig_recv(m->out, &rx.magic, sizeof(rx.magic),
				    mig_left_ms(m));
	if (!err && rx.magic == CKPT_MIG_VERDICT_MAGIC) {
		m->v.magic = rx.magic;
		err = ckpt_mig_recv(m->out, (char *)&m->v + sizeof(m->v.magic),
				    sizeof(m->v) - sizeof(m->v.magic),
				    mig_left_ms(m));
		if (!err)
			err = ckpt_mig_verdict_check(&m->v);
		if (!err && m->v.error) {
			ckpt_fail(-m->v.error, "cannot migrate %d: %s refused (%s): %s; nothing was done",
				  o->pid, o->dest_name,
				  ckpt_mig_stage_name(m->v.stage), m->v.msg);
			return MIG_EXIT_REFUSED;
		}
		err = -EBADMSG;
	} else if (!err) {
		err = ckpt_mig_recv(m->out, (char *)&rx + sizeof(rx.magic),
				    sizeof(rx) - sizeof(rx.magic),
				    mig_left_ms(m));
		if (!err)
			err = ckpt_mig_auth_check(&rx, CKPT_MIG_AUTH_R_MAGIC);
	}
	if (err) {
		ckpt_fail(err, "cannot migrate %d: the key exchange with %s failed: %s; nothing was done",
			  o->pid, o->dest_name, err == -ENODATA ?
			  "it closed the connection" : strerror(-err));
		return err == -ETIMEDOUT ? MIG_EXIT_TIMEOUT : MIG_EXIT_LINK;
	}
	ckpt_mig_auth_mac(m->key, m->key_len, "ckpt-mig-rx", h, s.nonce,
			  rx.nonce, mac);
	if (ckpt_mac_differ(mac, rx.mac, sizeof(mac))) {
		ckpt_fail(-EACCES, "cannot migrate %d: %s does not hold our key (wrong --key there?): nothing was sent; nothing was done",
			  o->pid, o->dest_name);
		return MIG_EXIT_REFUSED;
	}
	memset(&p, 0, sizeof(p));
	ckpt_mig_auth_mac(m->key, m->key_len, "ckpt-mig-tx", h, s.nonce,
			  rx.nonce, p.mac);
	ckpt_mig_auth_seal(&p, CKPT_MIG_AUTH_P_MAGIC);
	err = ckpt_mig_send(m->out, &p, sizeof(p));
	if (err) {
		ckpt_fail(err, "cannot migrate %d: the key exchange with %s failed: %s; nothing was done",
			  o->pid, o->dest_name, strerror(-err));
		return MIG_EXIT_LINK;
	}
	if (o->verbose)
		ckpt_hint("%s proved it holds the key", o->dest_name);
	/* From here on, each way sealed (seal.h). */
	err = ckpt_mig_seal(&m->out, 0, m->key, sizeof(m->key), m->key_len,
			    h, s.nonce, rx.nonce, &m->seal);
	if (err) {
		ckpt_fail(err, "cannot migrate %d: cannot start the sealed stream: %s; nothing was done",
			  o->pid, strerror(-err));
		return CKPT_EXIT_FAILED;
	}
	return 0;
}

/*
 * --key: why the sealed stream broke, if its relay knows; appended to a
 * broken link's message.
 */
static const char *mig_seal_why(struct mig *m)
{
	static char why[128];
	int err = ckpt_seal_failure(&m->seal);

	if (err == -EBADMSG)
		return " (what came back failed authentication: changed in transit, or not from the key's holder)";
	if (err == -ENODATA)
		return " (the sealed stream from it ended without its end)";
	if (!err)
		return "";
	snprintf(why, sizeof(why), " (the connection: %s)", strerror(-err));
	return why;
}

/* ---- progress: bytes and rate while the image streams ---------------- */

struct mig_progress {
	struct mig *m;
	pid_t tid;		/* the thread in the checkpoint ioctl */
	uint64_t base;		/* its wchar before */
	volatile int stop;
	int printed;
};

/* Bytes the thread wrote so far (the module writes as that thread). */
static uint64_t mig_wchar(pid_t tid)
{
	char path[64], buf[512], *p;
	uint64_t v = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/io", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "wchar: ");
	if (p)
		v = strtoull(p + 7, NULL, 10);
	return v;
}

static void *mig_progress_main(void *arg)
{
	const struct timespec tick = { 0, 250 * 1000 * 1000 };
	struct mig_progress *pr = arg;
	struct mig *m = pr->m;
	int64_t last_ev = ckpt_now_ms();

	while (!pr->stop) {
		int64_t now, ms;
		uint64_t b;

		nanosleep(&tick, NULL);
		if (pr->stop)
			break;
		now = ckpt_now_ms();
		ms = now - m->t0;
		b = mig_wchar(pr->tid) - pr->base;
		if (m->o->progress && ms >= 500) {
			fprintf(stderr, "\rckpt: migrating %s%d to %s: %.1f MiB sent, %.1f MiB/s, %.1f s   ",
				m->o->tree ? "tree " : "", m->o->pid,
				m->o->dest_name, b / 1048576.0,
				b / 1048576.0 / (ms / 1000.0), ms / 1000.0);
			pr->printed = 1;
		}
		if (now - last_ev >= 1000) {
			ckpt_mig_event(m->ev, CKPT_EV_MIGRATE_PROGRESS,
				       m->o->pid, 0, b, 0, now - m->t_start);
			last_ev = now;
		}
	}
	return NULL;
}

/* The checkpoint ioctl, with a progress thread when wanted. */
static int mig_ioctl_progress(struct mig *m)
{
	struct mig_progress pr = { .m = m };
	sigset_t all, old;
	pthread_t th;
	int ret, err, started;

	if (!m->o->progress && m->ev < 0)
		return ioctl(m->dev, CKPT_IOC_CHECKPOINT, &m->a);
	pr.tid = gettid();
	pr.base = mig_wchar(pr.tid);
	/* SIGALRM (the deadline) must interrupt the ioctl, not the thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	started = !pthread_create(&th, NULL, mig_progress_main, &pr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	ret = ioctl(m->dev, CKPT_IOC_CHECKPOINT, &m->a);
	err = errno;
	if (started) {
		pr.stop = 1;
		pthread_join(th, NULL);
	}
	if (m->o->progress) {
		int64_t ms = ckpt_now_ms() - m->t0;
		double mib = m->a.bytes_written / 1048576.0;

		fprintf(stderr, "%sckpt: migrating %s%d to %s: %.1f MiB sent, %.1f MiB/s, %.1f s%s\n",
			pr.printed ? "\r" : "", m->o->tree ? "tree " : "",
			m->o->pid, m->o->dest_name, mib,
			ms > 0 ? mib / (ms / 1000.0) : 0.0, ms / 1000.0,
			ret ? " (failed)" : "");
	}
	errno = err;
	return ret;
}

static int mig_left_ms(const struct mig *m)
{
	int64_t left = m->deadline - ckpt_now_ms();

	return left > 0 ? (int)left : 0;
}

/* Let the frozen source run on (it was left stopped by the checkpoint). */
static void mig_resume(struct mig *m)
{
	if (m->o->tree) {
		mig_tree_resume(m);
		return;
	}
	if (m->hold >= 0) {
		/* held, never stopped: it just goes on */
		if (m->stop_sent && !m->was_stopped &&
		    pidfd_send_signal(m->pidfd, SIGCONT, NULL, 0))
			ckpt_fail(errno, "cannot resume %d after the failed migration: %s",
				  m->o->pid, strerror(errno));
		close(m->hold);
		m->hold = -1;
		if (m->o->verbose)
			ckpt_hint("%d resumed", m->o->pid);
		return;
	}
	if (m->was_stopped)
		return;
	if (pidfd_send_signal(m->pidfd, SIGCONT, NULL, 0))
		ckpt_fail(errno, "cannot resume %d after the failed migration: %s",
			  m->o->pid, strerror(errno));
	else if (m->o->verbose)
		ckpt_hint("%d resumed", m->o->pid);
}

/*
 * From the commit on, the source must stay stopped whatever happens to
 * this process (its hold ends with it): a SIGSTOP, pending while it is
 * held.  Killed on success, it never acts on it.
 */
static void mig_stop_behind_hold(struct mig *m)
{
	unsigned int i;

	if (m->o->tree && m->held && !m->stop_sent) {
		for (i = 0; i < m->n; i++)
			pidfd_send_signal(m->pidfds[i], SIGSTOP, NULL, 0);
		m->stop_sent = 1;
		return;
	}
	if (m->hold < 0 || m->stop_sent)
		return;
	if (pidfd_send_signal(m->pidfd, SIGSTOP, NULL, 0))
		ckpt_fail(errno, "cannot stop %d: %s", m->o->pid,
			  strerror(errno));
	m->stop_sent = 1;
}

/* Kill the source and wait until it is gone. */
static int mig_remove_source(struct mig *m)
{
	struct pollfd p = { .fd = m->pidfd, .events = POLLIN };

	if (m->o->tree)
		return mig_tree_remove(m);
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

	printf("migrated pid=%d to=%s new_pid=%d bytes=%llu downtime_ms=%lld total_ms=%lld",
	       m->o->pid, m->o->dest_name, new_pid,
	       (unsigned long long)m->a.bytes_written,
	       (long long)(now - m->t0), (long long)(now - m->t_start));
	if (m->o->live)
		printf(" rounds=%u precopy_bytes=%llu", m->pc.rounds,
		       (unsigned long long)m->pc.bytes);
	if (m->o->tree)
		printf(" procs=%u", m->n);
	printf("\n");
	fflush(stdout);
	ckpt_mig_event(m->ev, CKPT_EV_MIGRATE_DONE, m->o->pid, 0,
		       m->a.bytes_written, now - m->t0, now - m->t_start);
}

/*
 * With reserved PID ranges, the emigrant's PID stays unused here until it
 * comes home: tombstone it before the original goes (the tombstone waits
 * for it to end).  A failure loses nothing but the guarantee: say so.
 */
static void mig_tombstone_one(struct mig *m, pid_t pid)
{
	int err = ckpt_pid_tombstone(m->dev, pid);

	if (err > 0)
		printf("tombstoned pid=%d\n", pid);
	else if (err < 0)
		ckpt_fail(err, "migrated %d, but cannot tombstone its PID here: %s; this node may give it to another process",
			  pid, strerror(-err));
}

static void mig_tombstone(struct mig *m)
{
	unsigned int i;

	if (!m->o->tree)
		mig_tombstone_one(m, m->o->pid);
	for (i = 0; m->o->tree && i < m->n; i++)
		mig_tombstone_one(m, m->pids[i]);
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

/*
 * Hold the source from the checkpoint to the verdict with the module's
 * freeze (CKPT_IOC_FREEZE), which nothing sees, rather than leaving it
 * SIGSTOPped, which its parent or shell would see (and a SIGCONT handler
 * after a failed migration).  0, or -1: use CKPT_CHECKPOINT_LEAVE_STOPPED.
 */
static int mig_hold(struct mig *m)
{
	int fd = ckpt_hold(m->dev, m->o->pid);

	if (fd < 0)
		return -1;
	m->hold = fd;
	return 0;
}

static int mig_checkpoint(struct mig *m)
{
	if (m->o->tree)
		return mig_tree_checkpoint(m);
	memset(&m->a, 0, sizeof(m->a));
	m->a.size = sizeof(m->a);
	m->a.flags = mig_hold(m) ? CKPT_CHECKPOINT_LEAVE_STOPPED : 0;
	if (m->uts_ns)
		m->a.flags |= CKPT_CHECKPOINT_UTS_NS;
	if (m->o->live)
		m->a.flags |= CKPT_CHECKPOINT_DIRTY_ONLY;
	m->a.pid = m->o->pid;
	m->a.fd = m->out;
	m->t0 = ckpt_now_ms();
	mig_arm(m);
	if (mig_ioctl_progress(m)) {
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

	if (m->reported)
		return CKPT_EXIT_FAILED;
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
	ckpt_fail(err, "cannot migrate %d: the connection to %s broke while sending the image (the receiver died or closed it): %s%s; %d resumed",
		  m->o->pid, m->o->dest_name, strerror(-err), mig_seal_why(m),
		  m->o->pid);
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
		ckpt_fail(err, "cannot migrate %d: %s %s%s; %d resumed", m->o->pid,
			  m->o->dest_name, err == -ENODATA ?
			  "closed the connection without a verdict" :
			  err == -EBADMSG || err == -EPROTO ?
			  "sent a bad verdict" : "could not be read",
			  mig_seal_why(m), m->o->pid);
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
	if (c.what == CKPT_MIG_COMMIT)
		mig_stop_behind_hold(m);
	ckpt_mig_commit_seal(&c);
	err = ckpt_mig_send(m->out, &c, sizeof(c));
	if (err || c.what != CKPT_MIG_COMMIT) {
		mig_resume(m);
		if (err)
			ckpt_fail(err, "cannot migrate %d: the connection to %s broke before the commit (it removes its copy): %s%s; %d resumed",
				  m->o->pid, m->o->dest_name, strerror(-err),
				  mig_seal_why(m), m->o->pid);
		else
			ckpt_fail(-EPROTO, "cannot migrate %d: %s restored it as pid %d; aborted; %d resumed",
				  m->o->pid, m->o->dest_name, m->v.pid,
				  m->o->pid);
		return MIG_EXIT_LINK;
	}
	err = ckpt_mig_recv(m->out, &c, sizeof(c), mig_left_ms(m));
	if (!err)
		err = ckpt_mig_commit_check(&c);
	if (!err && c.what != CKPT_MIG_COMMITTED)
		err = -EPROTO;
	if (err) {
		/* It may run there, or not: neither resume nor kill it. */
		ckpt_fail(err, "cannot tell whether %s took over %d: no answer to the commit (%s%s); %d stays stopped here",
			  m->o->dest_name, m->o->pid,
			  err == -ETIMEDOUT ? "timed out" : err == -ENODATA ?
			  "connection closed" : strerror(-err),
			  mig_seal_why(m), m->o->pid);
		ckpt_hint("if it runs there (its log says 'restored pid %d'), kill this copy: kill -9 %d; else resume it: kill -CONT %d",
			  m->v.pid, m->o->pid, m->o->pid);
		return MIG_EXIT_UNDECIDED;
	}
	mig_success(m, m->v.pid);
	mig_tombstone(m);
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
	if (o->live)
		h.flags |= CKPT_MIG_HELLO_LIVE;
	if (o->tree)
		h.flags |= CKPT_MIG_HELLO_TREE;
	if (m->key_len)
		h.flags |= CKPT_MIG_HELLO_AUTH;
	memcpy(h.node, m->node, sizeof(h.node) - 1);
	ckpt_mig_hello_seal(&h);
	err = ckpt_mig_send(m->out, &h, sizeof(h));
	if (err) {
		ckpt_fail(err, "cannot migrate %d: sending the handshake to %s failed: %s; nothing was done",
			  o->pid, o->dest_name, strerror(-err));
		return MIG_EXIT_LINK;
	}
	return m->key_len ? mig_auth(m, &h) : 0;
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

/*
 * --live: the pre-copy rounds, while the process runs.  A failure leaves
 * it running as it was (it was only ever paused for a moment).
 */
static int mig_precopy(struct mig *m)
{
	const struct mig_opts *o = m->o;
	char why[320];
	int link, err, ret;

	struct timeval tv = { o->timeout_s, 0 }, none = { 0, 0 };

	m->t_precopy = ckpt_now_ms();
	/* A receiver that stops reading for --timeout S fails the round. */
	setsockopt(m->out, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	err = precopy_send(o->pid, m->pidfd, m->out, o->max_rounds, o->tree,
			   o->verbose, &m->pc, &link, why, sizeof(why));
	setsockopt(m->out, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof(none));
	if (!err) {
		if (o->verbose)
			ckpt_hint("live: %u rounds, %llu pages (%llu bytes) in %lld ms; stopped: %s (%llu pages dirty); freezing",
				  m->pc.rounds,
				  (unsigned long long)m->pc.pages,
				  (unsigned long long)m->pc.bytes,
				  (long long)(ckpt_now_ms() - m->t_precopy),
				  m->pc.why ? m->pc.why : "-",
				  (unsigned long long)m->pc.last_dirty);
		/* The timeout bounds the freeze, as without --live. */
		m->deadline = ckpt_now_ms() + (int64_t)o->timeout_s * 1000;
		return 0;
	}
	if (!link) {
		ckpt_fail(err, "cannot migrate %d live: %s; %d runs on", o->pid,
			  why, o->pid);
		return CKPT_EXIT_FAILED;
	}
	/* The receiver may have said why it stopped reading. */
	ret = ckpt_mig_recv(m->out, &m->v, sizeof(m->v), MIG_LATE_VERDICT_MS);
	if (!ret && !ckpt_mig_verdict_check(&m->v) && m->v.error) {
		ckpt_fail(-m->v.error, "cannot migrate %d: %s failed (%s): %s; %d runs on",
			  o->pid, o->dest_name,
			  ckpt_mig_stage_name(m->v.stage), m->v.msg, o->pid);
		return MIG_EXIT_REFUSED;
	}
	ckpt_fail(err, "cannot migrate %d to %s: %s%s; %d runs on", o->pid,
		  o->dest_name, why, mig_seal_why(m), o->pid);
	return err == -ETIMEDOUT ? MIG_EXIT_TIMEOUT : MIG_EXIT_LINK;
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
	struct mig m = { .o = o, .pidfd = -1, .dev = -1, .hold = -1,
			 .out = -1 };
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
	m.ev = -1;
	/* Our host name for the receiver, before we take the process's. */
	gethostname(m.node, sizeof(m.node) - 1);
	m.uts_ns = uts_ns_enter("migrate", o->pid, m.pidfd, o->tree);
	if (m.uts_ns < 0) {
		ret = CKPT_EXIT_FAILED;
		goto out;
	}
	if (o->key_path) {
		const char *why;

		m.key_len = ckpt_mig_key_load(o->key_path, m.key, &why);
		if (m.key_len < 0) {
			ckpt_fail(m.key_len, "cannot migrate %d: cannot use the key file %s: %s; nothing was done",
				  o->pid, o->key_path, why ? why :
				  strerror(-m.key_len));
			ret = CKPT_EXIT_FAILED;
			goto out;
		}
	}
	if (!o->no_events)
		m.ev = ckpt_mig_events_open();
	m.dev = ckpt_dev_open();
	if (m.dev < 0) {
		ckpt_dev_report(m.dev);
		ret = CKPT_EXIT_FAILED;
		goto out;
	}
	ret = mig_open_dest(&m);
	if (ret)
		goto out;
	ckpt_mig_event(m.ev, CKPT_EV_MIGRATE_START, o->pid, 0, 0, 0, 0);
	if (o->live) {
		ret = mig_precopy(&m);
		if (ret)
			goto out;
	}
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
	if (ret && ret != CKPT_EXIT_USAGE)
		ckpt_mig_event(m.ev, CKPT_EV_MIGRATE_FAIL, o->pid,
			       ckpt_first_err ? ckpt_first_err : EIO,
			       m.a.bytes_written, 0,
			       ckpt_now_ms() - m.t_start);
	if (m.ev >= 0)
		close(m.ev);
	if (m.hold >= 0)	/* killed, or resumed by the module */
		close(m.hold);
	if (m.dev >= 0)
		close(m.dev);
	mig_tree_close(&m);
	close(m.pidfd);
	/*
	 * With --key, the relay sends what is left and ends the stream; the
	 * source is already released, so a stuck peer delays only our exit.
	 */
	ckpt_seal_finish(&m.out, &m.seal, MIG_SEAL_LINGER_MS);
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

/* ---- seal, unseal ------------------------------------------------- */

/*
 * OUT's directory's temporary file for it (mode 0600), renamed over OUT
 * only once everything is written: a failure leaves OUT as it was, and
 * never a part of an image, nor a plain image with OUT's old mode.
 */
static char seal_tmp[4096];	/* the temporary file, while it exists */

/* Interrupted: no decrypted image left behind in the temporary file. */
static void seal_on_signal(int sig)
{
	if (seal_tmp[0])
		unlink(seal_tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int seal_out_open(const char *out_path, const char **why)
{
	struct stat st;
	int fd;

	/* a regular file or none: never replace a device, FIFO or link */
	if (!lstat(out_path, &st) && !S_ISREG(st.st_mode)) {
		*why = S_ISLNK(st.st_mode) ? "it is a symbolic link" :
		       "it is not a regular file (for stdout, leave out -o)";
		return -EINVAL;
	}
	if ((size_t)snprintf(seal_tmp, sizeof(seal_tmp), "%s.ckpt-XXXXXX",
			     out_path) >= sizeof(seal_tmp)) {
		seal_tmp[0] = '\0';
		return -ENAMETOOLONG;
	}
	signal(SIGINT, seal_on_signal);
	signal(SIGTERM, seal_on_signal);
	signal(SIGHUP, seal_on_signal);
	fd = mkostemp(seal_tmp, O_CLOEXEC);	/* 0600 */
	if (fd < 0) {
		fd = -errno;
		seal_tmp[0] = '\0';
	}
	return fd;
}

/* ckpt seal|unseal --key FILE [-o OUT] [IN|-] */
static int seal_main(int argc, char **argv, int unseal)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'K' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static unsigned char key[CKPT_MIG_KEY_MAX];
	const char *keyfile = NULL, *out_path = NULL, *in_path = NULL;
	const char *what = unseal ? "unseal" : "seal", *why, *in_name;
	int c, in = 0, out = 1, key_len, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'K':
			keyfile = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return CKPT_EXIT_OK;
		default:
			return usage_error("bad option", NULL);
		}
	}
	if (optind < argc)
		in_path = argv[optind++];
	if (optind < argc)
		return usage_error("too many arguments", argv[optind]);
	if (!keyfile)
		return usage_error("--key FILE is required", NULL);
	if (in_path && !strcmp(in_path, "-"))
		in_path = NULL;
	if (out_path && !strcmp(out_path, "-"))
		out_path = NULL;
	in_name = in_path ? in_path : "stdin";
	/* a reader gone (restart refused the image) is EPIPE, said so */
	signal(SIGPIPE, SIG_IGN);
	key_len = ckpt_mig_key_load(keyfile, key, &why);
	if (key_len < 0) {
		ckpt_fail(key_len, "cannot use key file %s: %s", keyfile,
			  why ? why : strerror(-key_len));
		return CKPT_EXIT_FAILED;
	}
	if (in_path) {
		in = open(in_path, O_RDONLY | O_CLOEXEC);
		if (in < 0) {
			err = -errno;
			ckpt_fail(err, "cannot open %s: %s", in_path,
				  strerror(-err));
			goto out;
		}
	} else if (isatty(0)) {
		err = -EINVAL;
		ckpt_fail(err, "will not read an image from a terminal: give IN or a pipe");
		goto out;
	}
	if (out_path) {
		why = NULL;
		out = seal_out_open(out_path, &why);
		if (out < 0) {
			err = out;
			ckpt_fail(err, "cannot write %s: %s", out_path,
				  why ? why : strerror(-err));
			goto out;
		}
	} else if (isatty(1)) {
		err = -EINVAL;
		ckpt_fail(err, "will not write an image to a terminal: use -o FILE or a pipe");
		goto out;
	}
	if (unseal)
		err = ckpt_unseal_stream(in, out, key, (size_t)key_len, &why);
	else
		err = ckpt_seal_stream(in, out, key, (size_t)key_len, &why);
	if (err && !strcmp(why, "writing"))
		ckpt_fail(err, "cannot %s %s: writing %s: %s", what, in_name,
			  out_path ? out_path : "stdout", err == -EPIPE ?
			  "the reader went away" : strerror(-err));
	else if (err && (!strcmp(why, "reading") ||
			 !strcmp(why, "allocating memory for") ||
			 !strcmp(why, "making a salt for")))
		ckpt_fail(err, "cannot %s %s: %s it: %s", what, in_name, why,
			  strerror(-err));
	else if (err)	/* what the file itself is wrong with */
		ckpt_fail(err, "cannot %s %s: %s", what, in_name, why);
	if (!err && out_path && (fsync(out) || rename(seal_tmp, out_path))) {
		err = -errno;
		ckpt_fail(err, "cannot write %s: %s", out_path, strerror(-err));
	} else if (!err) {
		seal_tmp[0] = '\0';	/* renamed */
	}
out:
	explicit_bzero(key, sizeof(key));
	if (in > 0)
		close(in);
	if (out > 1)
		close(out);
	if (seal_tmp[0])
		unlink(seal_tmp);
	seal_tmp[0] = '\0';
	return err ? CKPT_EXIT_FAILED : CKPT_EXIT_OK;
}

/* ---- version ------------------------------------------------------ */

static void print_features(uint64_t f)
{
	static const char *const names[] = { "checkpoint", "restore",
					     "xstate", "threads", "trees",
					     "pid-ranges", "precopy",
					     "sockets", "attrs", "sysv-shm",
					     NULL, "seccomp", "shares",
					     "vmshare", "zero-pages", "sched",
					     "flocks", "cgroup",
					     "ghost-maps", "sockopts", "inotify",
					     "mcast", "clocks", "mempolicy",
					     "hugetlb", "restore-hold", "pty",
					     "devtty", "uts-ns", "fown",
					     "pidfd", "netlink",
					     "tree-dirty" };
	unsigned int i;
	int first = 1;

	for (i = 0; i < 64; i++) {
		if (!(f & (1ULL << i)))
			continue;
		if (i < ARRAY_SIZE(names) && names[i])
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
	timing_init();
	if (cmd && !strcmp(cmd, "show"))
		return ckpt_show_main(argc - 1, argv + 1);
	if (cmd && !strcmp(cmd, "migrate"))
		return migrate_main(argc - 1, argv + 1);
	if (cmd && !strcmp(cmd, "version"))
		return version_main(argc - 1, argv + 1);
	if (cmd && (!strcmp(cmd, "seal") || !strcmp(cmd, "unseal")))
		return seal_main(argc - 1, argv + 1, cmd[0] == 'u');
	if (cmd && (!strcmp(cmd, "help") || !strcmp(cmd, "--help") ||
		    !strcmp(cmd, "-h"))) {
		usage(stdout);
		return CKPT_EXIT_OK;
	}
	return checkpoint_main(argc, argv);
}
