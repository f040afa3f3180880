// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt show: decode an image for a human.  Reading and checking is the
 * shared reader's (image.c); this file only prints.  Consecutive PAGES
 * records in one VMA are folded into one line unless -v is given.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/netlink.h>
#include "ckpt.h"
#include "image.h"
#include "util.h"
#include "zimg.h"
#include "incr.h"

struct show {
	struct ckpt_image img;
	const char *name;
	int verbose;
	char **vma_paths;		/* by VMA index, for PAGES lines */
	uint32_t nr_vma_paths;		/* entries (a tree's largest process) */
	/* PAGES records being folded */
	uint64_t fold_offset, fold_start, fold_end, fold_pages;
	uint64_t fold_records, fold_bytes;
	long fold_vma;
};

struct flag_name {
	uint64_t bit;
	const char *name;
};

/*
 * The names of the bits of @val, @between apart, then any others in hex;
 * @none when none is set (NULL: "0x0").
 */
static void print_flag_list(uint64_t val, const struct flag_name *names,
			    size_t nr, const char *between, const char *none)
{
	const char *sep = "";
	size_t i;

	for (i = 0; i < nr; i++) {
		if (val & names[i].bit) {
			printf("%s%s", sep, names[i].name);
			val &= ~names[i].bit;
			sep = between;
		}
	}
	if (!val && !*sep && none)
		printf("%s", none);
	else if (val || !*sep)
		printf("%s0x%" PRIx64, sep, val);
}

/* "A,B,0x40" for the bits of @val; "0x0" when none. */
static void print_flags(uint64_t val, const struct flag_name *names,
			size_t nr)
{
	print_flag_list(val, names, nr, ",", NULL);
}

static void print_sigset(uint64_t set)
{
	const char *sep = "";
	char name[16];
	int sig;

	printf("0x%" PRIx64 " (", set);
	for (sig = 1; sig <= CKPT_NSIG; sig++) {
		if (!(set & (1ULL << (sig - 1))))
			continue;
		printf("%s%s", sep, ckpt_signame(sig, name, sizeof(name)));
		sep = ",";
	}
	printf("%s)", *sep ? "" : "none");
}

/* ---- scheduling attributes ---------------------------------------- */

/* The bits set in @words (@nbits of them) as a list: "0-3,8". */
static void print_bits(const __u64 *words, unsigned int nbits)
{
	const char *sep = "";
	unsigned int bit, end;

#define BIT_IN(b) ((b) < nbits && (words[(b) / 64] >> ((b) % 64) & 1))
	for (bit = 0; bit < nbits; bit = end + 1) {
		if (!BIT_IN(bit)) {
			end = bit;
			continue;
		}
		for (end = bit; BIT_IN(end + 1); end++)
			;
		if (end == bit)
			printf("%s%u", sep, bit);
		else
			printf("%s%u-%u", sep, bit, end);
		sep = ",";
	}
#undef BIT_IN
}

static void print_cpus(const struct ckpt_rec_sched *s)
{
	if (s->flags & CKPT_SCHED_ALL_CPUS)
		printf("all");
	else
		print_bits(s->cpus, CKPT_SCHED_CPUS);
}

static void show_mempolicy(const struct ckpt_rec_mempolicy *m)
{
	static const char *const modes[] = {
		"MPOL_DEFAULT", "MPOL_PREFERRED", "MPOL_BIND",
		"MPOL_INTERLEAVE", "MPOL_LOCAL", "MPOL_PREFERRED_MANY",
	};

	if (m->tid)
		printf("  memory policy of thread %d: ", m->tid);
	else
		printf("  memory policy of 0x%llx-0x%llx: ",
		       (unsigned long long)m->start,
		       (unsigned long long)m->end);
	printf("%s%s%s%s", m->mode < 6 ? modes[m->mode] : "?",
	       m->flags & (1U << 15) ? " static-nodes" : "",
	       m->flags & (1U << 14) ? " relative-nodes" : "",
	       m->flags & (1U << 13) ? " numa-balancing" : "");
	if (m->mode != 4) {
		printf(" nodes ");
		print_bits(m->nodes, CKPT_MEMPOLICY_NODES);
	}
	if (m->home_node >= 0)
		printf(" home node %d", m->home_node);
	printf("\n");
}

static void show_sockopt(const struct ckpt_rec_sockopt *o)
{
	const char *sep = "";

	printf("  socket %llu options:", (unsigned long long)o->id);
#define OPT(bit, fmt, ...) do { \
	if (o->mask & CKPT_SOCKOPT_##bit) { \
		printf("%s " fmt, sep, __VA_ARGS__); \
		sep = ","; \
	} \
} while (0)
	OPT(RCVTIMEO, "SO_RCVTIMEO %llu.%06llu s",
	    (unsigned long long)(o->rcvtimeo_us / 1000000),
	    (unsigned long long)(o->rcvtimeo_us % 1000000));
	OPT(SNDTIMEO, "SO_SNDTIMEO %llu.%06llu s",
	    (unsigned long long)(o->sndtimeo_us / 1000000),
	    (unsigned long long)(o->sndtimeo_us % 1000000));
	OPT(LINGER, "SO_LINGER %u s", o->linger_s);
	OPT(PRIORITY, "SO_PRIORITY %u", o->priority);
	OPT(MARK, "SO_MARK %u", o->mark);
	OPT(RCVLOWAT, "SO_RCVLOWAT %d", o->rcvlowat);
	OPT(TOS, "TOS 0x%x", o->tos);
	OPT(KEEPIDLE, "TCP_KEEPIDLE %u s", o->keepidle);
	OPT(KEEPINTVL, "TCP_KEEPINTVL %u s", o->keepintvl);
	OPT(KEEPCNT, "TCP_KEEPCNT %u", o->keepcnt);
	OPT(USER_TIMEOUT, "TCP_USER_TIMEOUT %u ms", o->user_timeout);
	OPT(NOTSENT_LOWAT, "TCP_NOTSENT_LOWAT %u", o->notsent_lowat);
	OPT(CONGESTION, "TCP_CONGESTION %s",
	    ckpt_esc(o->congestion, sizeof(o->congestion)));
	OPT(DEFER_ACCEPT, "TCP_DEFER_ACCEPT %u s", o->defer_accept);
	OPT(FASTOPEN, "TCP_FASTOPEN %u", o->fastopen);
	OPT(CORK, "%s", "TCP_CORK");
	OPT(TTL, "TTL %u", o->ttl);
#undef OPT
	if (o->mask & CKPT_SOCKOPT_IPFLAGS) {
		static const struct flag_name ipf[] = {
			{ CKPT_IPF_PKTINFO, "IP_PKTINFO" },
			{ CKPT_IPF_RECVTTL, "IP_RECVTTL" },
			{ CKPT_IPF_RECVTOS, "IP_RECVTOS" },
			{ CKPT_IPF_RECVERR, "IP_RECVERR" },
			{ CKPT_IPF_FREEBIND, "IP_FREEBIND" },
			{ CKPT_IPF_ORIGDSTADDR, "IP_RECVORIGDSTADDR" },
			{ CKPT_IPF_V6PKTINFO, "IPV6_RECVPKTINFO" },
			{ CKPT_IPF_V6HOPLIMIT, "IPV6_RECVHOPLIMIT" },
			{ CKPT_IPF_V6RECVERR, "IPV6_RECVERR" },
			{ CKPT_IPF_V6TCLASS, "IPV6_RECVTCLASS" },
			{ CKPT_IPF_V6ORIGDSTADDR, "IPV6_RECVORIGDSTADDR" },
			{ CKPT_IPF_TIMESTAMP, "SO_TIMESTAMP" },
			{ CKPT_IPF_TIMESTAMPNS, "SO_TIMESTAMPNS" },
			{ CKPT_IPF_RXQ_OVFL, "SO_RXQ_OVFL" },
		};

		printf("%s ", sep);
		print_flags(o->ipflags & ~CKPT_IPF_TSTAMP_NEW, ipf,
			    ARRAY_SIZE(ipf));
		if (o->ipflags & CKPT_IPF_TSTAMP_NEW)
			printf(" (_NEW)");
	}
	printf("\n");
}

static void show_sched(const struct ckpt_rec_sched *s)
{
	static const char *const policies[] = {
		"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
		"?", "SCHED_IDLE", "SCHED_DEADLINE",
	};
	static const char *const ioclasses[] = { "none", "rt", "be", "idle" };

	printf("  thread %d: %s", s->tid,
	       s->policy < 7 ? policies[s->policy] : "?");
	if (s->rt_priority)
		printf(" priority %u", s->rt_priority);
	if (s->policy == 6)
		printf(" runtime %llu deadline %llu period %llu ns",
		       (unsigned long long)s->dl_runtime,
		       (unsigned long long)s->dl_deadline,
		       (unsigned long long)s->dl_period);
	printf(" nice %d%s, I/O ", s->nice,
	       s->flags & CKPT_SCHED_RESET_ON_FORK ? " reset-on-fork" : "");
	if (s->ioprio)
		printf("%s/%u", ioclasses[(s->ioprio >> 13) & 3],
		       s->ioprio & 7);
	else
		printf("none");
	printf(", CPUs ");
	print_cpus(s);
	printf("\n");
}

/* ---- header ------------------------------------------------------- */

static void print_time(uint64_t ns)
{
	time_t sec = ns / 1000000000ULL;
	char buf[64];
	struct tm tm;

	if (!gmtime_r(&sec, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, sizeof(buf), "%lld", (long long)sec);
	printf("  time         %s.%09u UTC\n", buf,
	       (unsigned int)(ns % 1000000000ULL));
}

static void show_header(const struct show *s)
{
	const struct ckpt_image_header *h = &s->img.hdr;
	char xf[512];

	ckpt_xfeature_names(h->xfeatures, xf, sizeof(xf));
	printf("image %s\n", s->name);
	printf("header (%zu bytes)\n", sizeof(*h));
	printf("  version      %u\n", h->version);
	printf("  arch         x86_64 (0x%08x)\n", h->arch);
	printf("  page size    %u\n", h->page_size);
	printf("  xfeatures    0x%llx (%s)\n",
	       (unsigned long long)h->xfeatures, xf);
	printf("  xstate size  %u\n", h->xstate_size);
	printf("  tasks        %u\n", h->nr_tasks);
	if (h->flags & CKPT_IMAGE_IPC_NS)
		printf("  ipc          own IPC namespace (restart makes a new one)\n");
	if (h->flags & CKPT_IMAGE_UTS_NS)
		printf("  uts          own UTS namespace (restart makes a new one)\n");
	printf("  kernel       %s %s\n", ckpt_esc(h->release, sizeof(h->release)),
	       ckpt_esc(h->build, sizeof(h->build)));
	print_time(h->time_ns);
	printf("records\n");
}

/* ---- metadata records --------------------------------------------- */

static const struct flag_name task_flags[] = {
	{ CKPT_TASK_NO_NEW_PRIVS, "no_new_privs" },
	{ CKPT_TASK_DUMPABLE, "dumpable" },
	{ CKPT_TASK_SUBREAPER, "child_subreaper" },
};

static void show_task(const struct ckpt_rec_task *t)
{
	char sig[16];

	printf("  pid %d tid %d ppid %d pgid %d sid %d comm \"%s\"\n",
	       t->pid, t->tid, t->ppid, t->pgid, t->sid,
	       ckpt_esc(t->comm, sizeof(t->comm)));
	printf("  uid %u/%u/%u/%u gid %u/%u/%u/%u (real/eff/saved/fs) groups %u\n",
	       t->uid, t->euid, t->suid, t->fsuid, t->gid, t->egid, t->sgid,
	       t->fsgid, t->ngroups);
	printf("  caps inh 0x%llx prm 0x%llx eff 0x%llx bnd 0x%llx amb 0x%llx\n",
	       t->cap_inheritable, t->cap_permitted, t->cap_effective,
	       t->cap_bset, t->cap_ambient);
	printf("  blocked ");
	print_sigset(t->blocked);
	printf("\n  flags ");
	print_flags(t->flags, task_flags, ARRAY_SIZE(task_flags));
	printf(" personality 0x%x pdeath_signal %s\n", t->personality,
	       t->pdeath_signal ? ckpt_signame(t->pdeath_signal, sig,
					       sizeof(sig)) : "none");
	printf("  rseq 0x%llx len %u sig 0x%x\n", t->rseq, t->rseq_len,
	       t->rseq_sig);
	printf("  clear_child_tid 0x%llx set_child_tid 0x%llx robust_list 0x%llx len %llu\n",
	       t->clear_child_tid, t->set_child_tid, t->robust_list,
	       t->robust_list_len);
	printf("  sigaltstack sp 0x%llx size %llu flags 0x%x\n",
	       t->sas_ss_sp, t->sas_ss_size, t->sas_ss_flags);
}

static void show_fs(const struct ckpt_image *img)
{
	const struct ckpt_rec_fs *fs = img->payload;

	printf("  umask 0%03o cwd %s%s\n", fs->umask,
	       ckpt_esc(ckpt_image_path(img), SIZE_MAX),
	       fs->flags & CKPT_FS_CWD_DELETED ? " (removed)" : "");
	if (fs->flags & CKPT_FS_ROOT)
		printf("  root %s\n", ckpt_esc((const char *)(fs + 1) +
						fs->cwd_len, SIZE_MAX));
}

static void show_groups(const struct ckpt_image *img)
{
	const __u32 *g = img->payload;
	uint32_t i, n = img->rec.len / sizeof(*g);

	printf("  groups");
	for (i = 0; i < n; i++)
		printf(" %u", g[i]);
	printf("%s\n", n ? "" : " (none)");
}

static const struct flag_name sa_flags[] = {
	{ 0x00000001, "SA_NOCLDSTOP" }, { 0x00000002, "SA_NOCLDWAIT" },
	{ 0x00000004, "SA_SIGINFO" }, { 0x04000000, "SA_RESTORER" },
	{ 0x08000000, "SA_ONSTACK" }, { 0x10000000, "SA_RESTART" },
	{ 0x40000000, "SA_NODEFER" }, { 0x80000000, "SA_RESETHAND" },
};

static void show_sigactions(const struct ckpt_image *img)
{
	const struct ckpt_rec_sigaction *sa = img->payload;
	char name[16];
	int sig, shown = 0;

	for (sig = 1; sig <= CKPT_NSIG; sig++, sa++) {
		if (!sa->handler && !sa->flags && !sa->restorer && !sa->mask)
			continue;
		printf("  %-9s ", ckpt_signame(sig, name, sizeof(name)));
		if (sa->handler <= 1)
			printf("%s", sa->handler ? "SIG_IGN" : "SIG_DFL");
		else
			printf("handler 0x%llx", sa->handler);
		printf(" flags ");
		print_flags(sa->flags, sa_flags, ARRAY_SIZE(sa_flags));
		printf(" restorer 0x%llx mask ", sa->restorer);
		print_sigset(sa->mask);
		printf("\n");
		shown++;
	}
	if (!shown)
		printf("  all default\n");
}

static void show_mm(const struct ckpt_image *img)
{
	const struct ckpt_rec_mm *mm = img->payload;
	const char *exe = ckpt_image_path(img);

	printf("  code 0x%llx-0x%llx data 0x%llx-0x%llx brk 0x%llx-0x%llx\n",
	       mm->start_code, mm->end_code, mm->start_data, mm->end_data,
	       mm->start_brk, mm->brk);
	printf("  stack 0x%llx args 0x%llx-0x%llx env 0x%llx-0x%llx vdso 0x%llx\n",
	       mm->start_stack, mm->arg_start, mm->arg_end, mm->env_start,
	       mm->env_end, mm->vdso);
	printf("  exe %s\n", exe ? ckpt_esc(exe, SIZE_MAX) : "(none)");
}

static const char *auxv_name(uint64_t type)
{
	static const char *const names[] = {
		[0] = "AT_NULL", [1] = "AT_IGNORE", [2] = "AT_EXECFD",
		[3] = "AT_PHDR", [4] = "AT_PHENT", [5] = "AT_PHNUM",
		[6] = "AT_PAGESZ", [7] = "AT_BASE", [8] = "AT_FLAGS",
		[9] = "AT_ENTRY", [10] = "AT_NOTELF", [11] = "AT_UID",
		[12] = "AT_EUID", [13] = "AT_GID", [14] = "AT_EGID",
		[15] = "AT_PLATFORM", [16] = "AT_HWCAP", [17] = "AT_CLKTCK",
		[23] = "AT_SECURE", [24] = "AT_BASE_PLATFORM",
		[25] = "AT_RANDOM", [26] = "AT_HWCAP2",
		[27] = "AT_RSEQ_FEATURE_SIZE", [28] = "AT_RSEQ_ALIGN",
		[29] = "AT_HWCAP3", [30] = "AT_HWCAP4", [31] = "AT_EXECFN",
		[33] = "AT_SYSINFO_EHDR", [51] = "AT_MINSIGSTKSZ",
	};

	if (type < ARRAY_SIZE(names) && names[type])
		return names[type];
	return NULL;
}

static void show_auxv(const struct ckpt_image *img)
{
	const __u64 *w = img->payload;
	uint32_t i, n = img->rec.len / sizeof(*w);
	const char *name;

	for (i = 0; i + 1 < n && w[i]; i += 2) {
		name = auxv_name(w[i]);
		if (name)
			printf("  %-20s 0x%llx\n", name, w[i + 1]);
		else
			printf("  %-20llu 0x%llx\n", w[i], w[i + 1]);
	}
}

static const char *vma_kind(uint32_t kind)
{
	static const char *const names[] = {
		[CKPT_VMA_ANON] = "anon", [CKPT_VMA_FILE_PRIVATE] = "file",
		[CKPT_VMA_VDSO] = "vdso", [CKPT_VMA_VVAR] = "vvar",
		[CKPT_VMA_FILE_SHARED] = "shared",
		[CKPT_VMA_SHMEM] = "shmem",
		[CKPT_VMA_SHARED_ANON] = "shared-anon",
		[CKPT_VMA_SYSVSHM] = "sysv-shm",
		[CKPT_VMA_HUGETLB] = "hugetlb",
	};

	return kind < ARRAY_SIZE(names) && names[kind] ? names[kind] : "?";
}

static const struct flag_name vma_flags[] = {
	{ CKPT_VMAF_GROWSDOWN, "growsdown" }, { CKPT_VMAF_HEAP, "heap" },
	{ CKPT_VMAF_STACK, "stack" },
	{ CKPT_VMAF_WRITABLE_FILE, "writable-file" },
	{ CKPT_VMAF_GHOST, "deleted" }, { CKPT_VMAF_EXE, "exe" },
};

static int show_vma(struct show *s)
{
	const struct ckpt_rec_vma *v = s->img.payload;
	const char *path = ckpt_image_path(&s->img);
	uint32_t i = s->img.nr_vmas - 1;
	char **p;

	printf("  0x%llx-0x%llx %c%c%c %s flags ", v->start, v->end,
	       v->prot & 1 ? 'r' : '-', v->prot & 2 ? 'w' : '-',
	       v->prot & 4 ? 'x' : '-', vma_kind(v->kind));
	print_flags(v->flags, vma_flags, ARRAY_SIZE(vma_flags));
	printf(" vm_flags 0x%llx\n", v->vm_flags);
	if (v->kind == CKPT_VMA_SHARED_ANON)
		printf("  shared memory %llu, %llu bytes\n", v->ino, v->size);
	if (v->kind == CKPT_VMA_SYSVSHM)
		printf("  SysV segment %llu, %llu bytes\n", v->ino, v->size);
	if (path)
		printf("  path %s pgoff 0x%llx ino %llu dev 0x%llx size %llu mtime %lld.%09lld\n",
		       ckpt_esc(path, SIZE_MAX), v->pgoff, v->ino, v->dev,
		       v->size,
		       (long long)(v->mtime_ns / 1000000000ULL),
		       (long long)(v->mtime_ns % 1000000000ULL));
	if (i >= s->nr_vma_paths) {
		p = realloc(s->vma_paths, (i + 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->vma_paths = p;
		p[i] = NULL;
		s->nr_vma_paths = i + 1;
	}
	/* A tree's next process numbers its VMAs from 0 again. */
	free(s->vma_paths[i]);
	s->vma_paths[i] = path ? strdup(path) : NULL;
	if (path && !s->vma_paths[i])
		return -ENOMEM;
	return 0;
}

static const struct flag_name open_flags[] = {
	{ O_CREAT, "O_CREAT" }, { O_EXCL, "O_EXCL" },
	{ O_NOCTTY, "O_NOCTTY" }, { O_TRUNC, "O_TRUNC" },
	{ O_APPEND, "O_APPEND" }, { O_NONBLOCK, "O_NONBLOCK" },
	{ O_SYNC, "O_SYNC" }, { O_DSYNC, "O_DSYNC" },
	{ O_DIRECT, "O_DIRECT" }, { 0100000, "O_LARGEFILE" },
	{ O_DIRECTORY, "O_DIRECTORY" }, { O_NOFOLLOW, "O_NOFOLLOW" },
	{ O_NOATIME, "O_NOATIME" }, { O_CLOEXEC, "O_CLOEXEC" },
	{ O_PATH, "O_PATH" }, { 020000, "FASYNC" },
};

static void show_file(const struct ckpt_image *img)
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR",
					   "O_ACCMODE" };
	static const char *const kinds[] = { "?", "reg", "chr", "fifo",
					     "dir", "pipe", "deleted",
					     "eventfd", "timerfd", "signalfd",
					     "epoll", "memfd", "socket",
					     "inotify", "pty", "devtty",
					     "pidfd" };
	const struct ckpt_rec_file *f = img->payload;

	printf("  fd %d%s %s %s,", f->fd,
	       f->fd_flags & CKPT_FD_CLOEXEC ? " (cloexec)" : "",
	       kinds[f->kind], acc[f->f_flags & O_ACCMODE]);
	print_flags(f->f_flags & ~(uint64_t)O_ACCMODE, open_flags,
		    ARRAY_SIZE(open_flags));
	printf(" pos %lld %s\n", f->pos,
	       ckpt_image_path(img) ? ckpt_esc(ckpt_image_path(img), SIZE_MAX) :
	       "");
	if (f->fd_flags & CKPT_FD_SHARED)
		printf("  shares the open file of fd %d\n", f->shared_fd);
	if (f->fd_flags & CKPT_FD_TREE)
		printf("  shares the open file of fd %d of process %d\n",
		       f->shared_fd, f->shared_pid);
	if (f->kind == CKPT_FILE_CHR)
		printf("  rdev 0x%x\n", f->rdev);
	else if (f->kind == CKPT_FILE_PIPE)
		printf("  pipe %llu, capacity %llu bytes\n", f->ino, f->size);
	else if (f->kind == CKPT_FILE_MEMFD)
		printf("  memfd %llu, size %llu\n", f->ino, f->size);
	else if (f->kind == CKPT_FILE_SOCKET)
		printf("  socket %llu\n", f->ino);
	else if (f->kind == CKPT_FILE_PTY && f->rdev == CKPT_IMG_PTMX_RDEV)
		printf("  pty master (pts %llu)\n", f->ino);
	else if (f->kind == CKPT_FILE_PTY)
		printf("  pty slave (pts %llu), device %u:%u\n", f->ino,
		       ckpt_dev_major(f->rdev), ckpt_dev_minor(f->rdev));
	else if (f->kind == CKPT_FILE_CTTY && f->size == CKPT_CTTY_PAIR)
		printf("  /dev/tty: the controlling terminal, slave of pty pair %llu (pts %llu)\n",
		       f->ino, f->ino);
	else if (f->kind == CKPT_FILE_CTTY)
		printf("  /dev/tty: the controlling terminal, device %u:%u\n",
		       ckpt_dev_major(f->dev), ckpt_dev_minor(f->dev));
	else if (f->kind == CKPT_FILE_PIDFD && f->size == CKPT_PIDFD_GONE)
		printf("  pidfd of a process gone (exited and reaped)\n");
	else if (f->kind == CKPT_FILE_PIDFD)
		printf("  pidfd of process %llu\n", f->ino);
	else if (f->kind < CKPT_FILE_EVENTFD)
		printf("  ino %llu dev 0x%x size %llu\n", f->ino, f->dev,
		       f->size);
}

static const struct flag_name sock_flags[] = {
	{ CKPT_SOCKF_PASSCRED, "SO_PASSCRED" },
	{ CKPT_SOCKF_REUSEADDR, "SO_REUSEADDR" },
	{ CKPT_SOCKF_REUSEPORT, "SO_REUSEPORT" },
	{ CKPT_SOCKF_KEEPALIVE, "SO_KEEPALIVE" },
	{ CKPT_SOCKF_NODELAY, "TCP_NODELAY" },
	{ CKPT_SOCKF_V6ONLY, "IPV6_V6ONLY" },
	{ CKPT_SOCKF_BROADCAST, "SO_BROADCAST" },
	{ CKPT_SOCKF_SNDBUF, "SO_SNDBUF" },
	{ CKPT_SOCKF_RCVBUF, "SO_RCVBUF" },
	{ CKPT_SOCKF_PEER_GONE, "peer-closed" },
};

/* "tcp 127.0.0.1:80", "unix /run/x.sock", "unix @name" */
static void print_sockaddr(const struct ckpt_rec_socket *s)
{
	const void *a = s + 1;
	char buf[INET6_ADDRSTRLEN];

	if (!s->addr_len) {
		printf("unbound");
		return;
	}
	if (s->family == AF_UNIX &&
	    s->addr_len <= offsetof(struct sockaddr_un, sun_path)) {
		printf("?");	/* no name in it */
	} else if (s->family == AF_UNIX) {
		const struct sockaddr_un *un = a;
		size_t n = s->addr_len - offsetof(struct sockaddr_un, sun_path);
		size_t i;

		if (n > sizeof(un->sun_path))
			n = sizeof(un->sun_path);
		if (un->sun_path[0]) {
			printf("%s", ckpt_esc(un->sun_path, n));
			return;
		}
		putchar('@');
		for (i = 1; i < n; i++)
			putchar(un->sun_path[i] >= 0x20 &&
				un->sun_path[i] < 0x7f ? un->sun_path[i] : '?');
	} else if (s->family == AF_INET &&
		   s->addr_len == sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = a;

		inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
		printf("%s:%u", buf, ntohs(in->sin_port));
	} else if (s->family == AF_INET6 &&
		   s->addr_len == sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = a;

		inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
		printf("[%s]:%u", buf, ntohs(in6->sin6_port));
	} else if (s->family == AF_NETLINK &&
		   s->addr_len == sizeof(struct sockaddr_nl)) {
		const struct sockaddr_nl *nl = a;

		printf("port %u", nl->nl_pid);
	} else {
		printf("?");
	}
}

static void show_socket(const struct ckpt_image *img)
{
	static const char *const states[] = { "?", "unbound", "bound",
					      "listening", "pair",
					      "established" };
	const struct ckpt_rec_socket *s = img->payload;
	const char *fam = s->family == AF_UNIX ? "unix" :
			  s->family == AF_INET ? "inet" :
			  s->family == AF_INET6 ? "inet6" :
			  s->family == AF_NETLINK ? "netlink" : "?";
	char proto[32];
	const char *type = s->family == AF_NETLINK ?
			   (snprintf(proto, sizeof(proto), "%s protocol %u",
				     s->type == SOCK_RAW ? "raw" : "dgram",
				     s->protocol), proto) :
			   s->type == SOCK_STREAM ?
			   (s->family == AF_UNIX ? "stream" : "tcp") :
			   s->type == SOCK_DGRAM ?
			   (s->family == AF_UNIX ? "dgram" : "udp") :
			   s->type == SOCK_SEQPACKET ? "seqpacket" : "?";

	printf("  socket %llu %s %s %s ", s->id, fam, type,
	       s->state <= CKPT_SOCK_ESTABLISHED ? states[s->state] : "?");
	if (s->state != CKPT_SOCK_PAIR)
		print_sockaddr(s);
	else if (s->peer)
		printf("peer %llu", s->peer);
	else
		printf("peer closed");
	if (s->state == CKPT_SOCK_LISTEN)
		printf(" backlog %u", s->backlog);
	if (s->shutdown)
		printf(" shutdown %s%s", s->shutdown & 1 ? "rd" : "",
		       s->shutdown & 2 ? "wr" : "");
	printf("\n  options ");
	print_flags(s->flags, sock_flags, ARRAY_SIZE(sock_flags));
	printf(" sndbuf %d rcvbuf %d\n", s->sndbuf, s->rcvbuf);
	if (s->path_ino)
		printf("  socket file ino %llu dev 0x%llx mode 0%03o\n",
		       s->path_ino, s->path_dev, s->path_mode);
}

static void show_tcpstate(const struct ckpt_image *img)
{
	const struct ckpt_rec_tcpstate *t = img->payload;
	struct ckpt_rec_socket s = { .family = 0 };
	char buf[sizeof(s) + sizeof(t->peer)];

	memcpy(&s.family, t->peer, sizeof(s.family));
	s.addr_len = t->peer_len;
	memcpy(buf, &s, sizeof(s));
	memcpy(buf + sizeof(s), t->peer, sizeof(t->peer));
	printf("  TCP connection %llu to ", t->id);
	print_sockaddr((const struct ckpt_rec_socket *)buf);
	printf(": send queue %u bytes from seq %u, receive queue %u bytes from seq %u\n",
	       t->snd_len, t->snd_una, t->rcv_len, t->rcv_seq);
	printf("  mss %u wscale %u/%u%s%s%s window snd %u (wl1 %u, max %u) rcv %u (wup %u)\n",
	       t->mss_clamp, t->snd_wscale, t->rcv_wscale,
	       t->flags & CKPT_TCP_WSCALE ? " wscale" : "",
	       t->flags & CKPT_TCP_SACK ? " sack" : "",
	       t->flags & CKPT_TCP_TSTAMP ? " timestamps" : "",
	       t->snd_wnd, t->snd_wl1, t->max_window, t->rcv_wnd, t->rcv_wup);
}

static const char *tfd_clock_name(int clk)
{
	static const char *const names[] = {
		[0] = "CLOCK_REALTIME", [1] = "CLOCK_MONOTONIC",
		[7] = "CLOCK_BOOTTIME", [8] = "CLOCK_REALTIME_ALARM",
		[9] = "CLOCK_BOOTTIME_ALARM",
	};

	if (clk < 0 || clk >= (int)ARRAY_SIZE(names) || !names[clk])
		return "unknown clock";
	return names[clk];
}

static void show_fdstate(const struct ckpt_image *img)
{
	const struct ckpt_rec_fdstate *s = img->payload;
	const struct ckpt_rec_epitem *it = (const void *)(s + 1);
	uint32_t i;

	switch (s->kind) {
	case CKPT_FILE_EVENTFD:
		printf("  fd %d eventfd counter %llu%s\n", s->fd, s->count,
		       s->flags & CKPT_EFD_SEMAPHORE ? " EFD_SEMAPHORE" : "");
		break;
	case CKPT_FILE_TIMERFD:
		printf("  fd %d timerfd %s, %lld.%09lld s left, interval %lld.%09lld s, %llu expirations unread%s\n",
		       s->fd, tfd_clock_name(s->clockid),
		       s->value_ns / 1000000000LL, s->value_ns % 1000000000LL,
		       s->interval_ns / 1000000000LL,
		       s->interval_ns % 1000000000LL, s->count,
		       s->flags & CKPT_TFD_ABSTIME ? " TFD_TIMER_ABSTIME" : "");
		break;
	case CKPT_FILE_SIGNALFD:
		printf("  fd %d signalfd mask ", s->fd);
		print_sigset(s->sigmask);
		printf("\n");
		break;
	case CKPT_FILE_INOTIFY:
		printf("  fd %d inotify, next watch descriptor %llu\n", s->fd,
		       s->count);
		break;
	case CKPT_FILE_EPOLL:
		printf("  fd %d epoll, %u watched\n", s->fd, s->nr_items);
		for (i = 0; i < s->nr_items; i++)
			printf("    fd %d events 0x%x data 0x%llx\n", it[i].fd,
			       it[i].events, it[i].data);
		break;
	}
}

static void show_regs(const struct ckpt_image *img)
{
	static const char *const names[] = {
		"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10",
		"r9", "r8", "ax", "cx", "dx", "si", "di", "orig_ax",
		"ip", "cs", "flags", "sp", "ss", "fs_base", "gs_base",
		"ds", "es", "fs", "gs",
	};
	const __u64 *r = img->payload;
	unsigned int i;

	_Static_assert(ARRAY_SIZE(names) * sizeof(__u64) ==
		       sizeof(struct ckpt_rec_regs), "register names");
	for (i = 0; i < ARRAY_SIZE(names); i++)
		printf("%s%-7s 0x%016llx%s", i % 3 ? " " : "  ", names[i],
		       r[i], i % 3 == 2 || i + 1 == ARRAY_SIZE(names) ?
		       "\n" : "");
}

static void show_xstate(const struct ckpt_image *img)
{
	const unsigned char *x = img->payload;
	uint64_t bv, comp;
	char names[512];

	printf("  size %u", img->rec.len);
	if (img->rec.len < CKPT_IMG_FXSAVE_SIZE + CKPT_IMG_XSAVE_HDR_SIZE) {
		printf(" (FXSAVE area, no XSAVE header)\n");
		return;
	}
	memcpy(&bv, x + CKPT_IMG_FXSAVE_SIZE, sizeof(bv));
	memcpy(&comp, x + CKPT_IMG_FXSAVE_SIZE + 8, sizeof(comp));
	ckpt_xfeature_names(bv, names, sizeof(names));
	printf(" xstate_bv 0x%" PRIx64 " (%s) xcomp_bv 0x%" PRIx64 "\n", bv,
	       names, comp);
}

static const char *clock_name(int id)
{
	switch (id) {
	case CLOCK_REALTIME:
		return "CLOCK_REALTIME";
	case CLOCK_MONOTONIC:
		return "CLOCK_MONOTONIC";
	case CLOCK_BOOTTIME:
		return "CLOCK_BOOTTIME";
	case CLOCK_TAI:
		return "CLOCK_TAI";
	default:
		return "clock";
	}
}

static void show_restart(const struct ckpt_image *img)
{
	const struct ckpt_rec_restart *r = img->payload;

	if (r->kind == CKPT_RESTART_POLL) {
		printf("  poll of %u fds at 0x%llx, ", r->nfds, r->ufds);
		if (r->has_timeout)
			printf("%lld.%09lld s left\n",
			       r->remaining_ns / 1000000000LL,
			       r->remaining_ns % 1000000000LL);
		else
			printf("no timeout\n");
		return;
	}
	printf("  nanosleep on %s (%d), %lld.%09lld s left, rmtp 0x%llx\n",
	       clock_name(r->clockid), r->clockid,
	       r->remaining_ns / 1000000000LL, r->remaining_ns % 1000000000LL,
	       r->rmtp);
}

static void show_rlimits(const struct ckpt_image *img)
{
	static const char *const names[CKPT_NRLIMITS] = {
		"cpu", "fsize", "data", "stack", "core", "rss", "nproc",
		"nofile", "memlock", "as", "locks", "sigpending", "msgqueue",
		"nice", "rtprio", "rttime",
	};
	const struct ckpt_rec_rlimit *rl = img->payload;
	unsigned int i;

	for (i = 0; i < CKPT_NRLIMITS; i++) {
		printf("  %-10s ", names[i]);
		if (rl[i].cur == ~0ULL)
			printf("unlimited");
		else
			printf("%llu", rl[i].cur);
		if (rl[i].max == ~0ULL)
			printf(" / unlimited\n");
		else
			printf(" / %llu\n", rl[i].max);
	}
}

static void show_itimer(const char *name, const char *what, int64_t left,
			int64_t interval)
{
	printf("  %s %lld.%09lld s%s left, interval %lld.%09lld s\n", name,
	       (long long)(left / 1000000000LL), (long long)(left % 1000000000LL),
	       what, (long long)(interval / 1000000000LL),
	       (long long)(interval % 1000000000LL));
}

static void show_posix_timers(const struct ckpt_rec_timers *t)
{
	static const char *const cpu_kind[] = { "user+system", "user",
						"scheduler", "?" };
	const struct ckpt_rec_posix_timer *pt = (const void *)(t + 1);
	char sig[16];
	uint32_t i;

	for (i = 0; i < t->nr_posix; i++) {
		printf("  POSIX timer %d: clock %d", pt[i].id, pt[i].clockid);
		if (pt[i].clockid < 0 && (pt[i].clockid & 4))
			printf(" (%s CPU time of thread %d)",
			       cpu_kind[pt[i].clockid & 3],
			       (int)~(pt[i].clockid >> 3));
		else if (pt[i].clockid < 0)
			printf(" (%s CPU time of the process)",
			       cpu_kind[pt[i].clockid & 3]);
		else if (pt[i].clockid == CLOCK_REALTIME_ALARM)
			printf(" (CLOCK_REALTIME_ALARM)");
		else if (pt[i].clockid == CLOCK_BOOTTIME_ALARM)
			printf(" (CLOCK_BOOTTIME_ALARM)");
		printf(", ");
		if (pt[i].notify == SIGEV_NONE)
			printf("no signal");
		else if (pt[i].tid)
			printf("%s to thread %d",
			       ckpt_signame(pt[i].signo, sig, sizeof(sig)),
			       pt[i].tid);
		else
			printf("%s to the process",
			       ckpt_signame(pt[i].signo, sig, sizeof(sig)));
		printf(", value 0x%llx, %lld.%09lld s left, interval %lld.%09lld s\n",
		       pt[i].value, pt[i].value_ns / 1000000000LL,
		       pt[i].value_ns % 1000000000LL,
		       pt[i].interval_ns / 1000000000LL,
		       pt[i].interval_ns % 1000000000LL);
	}
}

static void show_sigpending(const struct ckpt_image *img)
{
	const struct ckpt_rec_sigpending *sp = img->payload;
	uint32_t i, n = img->rec.len / sizeof(*sp);
	int32_t code;
	char sig[16];

	for (i = 0; i < n; i++) {
		memcpy(&code, sp[i].info + 8, sizeof(code));
		printf("  %s%s", ckpt_signame(sp[i].sig, sig, sizeof(sig)),
		       sp[i].flags & CKPT_SIGP_SHARED ? " (process)" : "");
		if (sp[i].flags & CKPT_SIGP_NOINFO)
			printf(" no siginfo\n");
		else
			printf(" si_code %d\n", code);
	}
}

/* ---- pages -------------------------------------------------------- */

static void fold_flush(struct show *s)
{
	const char *path;

	if (!s->fold_records)
		return;
	path = s->fold_vma >= 0 ? s->vma_paths[s->fold_vma] : NULL;
	if (s->fold_records > 1)
		printf("@%" PRIu64 " PAGES x%" PRIu64 " (%" PRIu64 " bytes)\n",
		       s->fold_offset, s->fold_records, s->fold_bytes);
	else
		printf("@%" PRIu64 " PAGES (%" PRIu64 " bytes)\n",
		       s->fold_offset, s->fold_bytes);
	printf("  0x%" PRIx64 "-0x%" PRIx64 " %" PRIu64 " pages in VMA 0x%" PRIx64 "-0x%" PRIx64 "%s%s\n",
	       s->fold_start, s->fold_end, s->fold_pages,
	       s->img.vmas[s->fold_vma].start, s->img.vmas[s->fold_vma].end,
	       path ? " " : "", path ? ckpt_esc(path, SIZE_MAX) : "");
	s->fold_records = 0;
}

static void show_pages(struct show *s)
{
	const struct ckpt_rec_pages *p = s->img.payload;
	long vma = ckpt_image_find_vma(&s->img, p->addr);

	if (s->fold_records && vma != s->fold_vma)
		fold_flush(s);
	if (!s->fold_records) {
		s->fold_offset = s->img.rec_offset;
		s->fold_start = p->addr;
		s->fold_vma = vma;
		s->fold_pages = 0;
		s->fold_bytes = 0;
	}
	s->fold_records++;
	s->fold_bytes += sizeof(struct ckpt_rec_header) + s->img.rec.len;
	s->fold_pages += p->nr_pages;
	s->fold_end = p->addr + (uint64_t)p->nr_pages * s->img.hdr.page_size;
	if (s->verbose)
		fold_flush(s);
}

/* ---- records ------------------------------------------------------ */

static void show_attrs(const struct ckpt_image *img)
{
	static const struct flag_name attr_flags[] = {
		{ CKPT_ATTR_MCL_FUTURE, "MCL_FUTURE" },
		{ CKPT_ATTR_MCL_ONFAULT, "MCL_ONFAULT" },
		{ CKPT_ATTR_THP_DISABLE, "THP_DISABLE" },
		{ CKPT_ATTR_TSC_SIGSEGV, "TSC_SIGSEGV" },
		{ CKPT_ATTR_IO_FLUSHER, "IO_FLUSHER" },
		{ CKPT_ATTR_MCE_KILL, "MCE_KILL" },
		{ CKPT_ATTR_MCE_EARLY, "MCE_KILL_EARLY" },
		{ CKPT_ATTR_OOM_ADJ, "OOM_ADJ" },
		{ CKPT_ATTR_CTTY, "CTTY" },
	};
	const struct ckpt_rec_attrs *a = img->payload;
	const struct ckpt_rec_tty *t = (const void *)(a + 1);
	uint32_t i;

	printf("  flags ");
	print_flags(a->flags, attr_flags, ARRAY_SIZE(attr_flags));
	printf(" securebits 0x%x timer_slack %llu ns (default %llu ns) coredump_filter 0x%x\n",
	       a->securebits, a->timer_slack_ns, a->default_timer_slack_ns,
	       a->coredump_filter);
	if (a->flags & CKPT_ATTR_OOM_ADJ)
		printf("  oom_score_adj %d (minimum %d)\n", a->oom_score_adj,
		       a->oom_score_adj_min);
	for (i = 0; i < a->nr_ttys; i++)
		printf("  terminal fd %d%s: iflag 0%o oflag 0%o cflag 0%o lflag 0%o speed %u/%u window %ux%u\n",
		       t[i].fd, t[i].flags & CKPT_TTY_CTTY ?
		       " (controlling terminal)" : "", t[i].iflag, t[i].oflag,
		       t[i].cflag, t[i].lflag, t[i].ispeed, t[i].ospeed,
		       t[i].row, t[i].col);
	if (a->fg_pgrp)
		printf("  foreground process group %d\n", a->fg_pgrp);
}

static void show_skipped(const struct ckpt_image *img)
{
	const struct ckpt_rec_skipped *s = img->payload;
	uint32_t i, n = img->rec.len / sizeof(*s);

	for (i = 0; i < n; i++) {
		if (s[i].class == CKPT_SKIPPED_FD)
			printf("  skipped fd %d: %s (closed after restart)\n",
			       s[i].fd, s[i].what);
		else
			printf("  skipped mapping 0x%llx-0x%llx: %s (unmapped after restart)\n",
			       s[i].start, s[i].end, s[i].what);
	}
}

static void show_pty(const struct ckpt_rec_pty *p)
{
	static const struct flag_name pty_flags[] = {
		{ CKPT_PTY_LOCKED, "locked" },
		{ CKPT_PTY_PACKET, "packet" },
		{ CKPT_PTY_SLAVE_CLOSED, "slave-closed" },
		{ CKPT_PTY_STOPPED, "stopped" },
		{ CKPT_PTY_TCOOFF, "tcooff" },
	};

	printf("  pty /dev/pts/%u: ", p->index);
	print_flag_list(p->flags, pty_flags, ARRAY_SIZE(pty_flags), " ",
			"unlocked");
	printf(", slave uid %u gid %u mode %04o, window %ux%u, %u bytes unread by the master\n",
	       p->uid, p->gid, p->mode, p->slave.row, p->slave.col,
	       p->data_len);
}

static int show_record(struct show *s)
{
	const struct ckpt_image *img = &s->img;
	const void *p = img->payload;

	if (img->rec.type == CKPT_REC_PAGES) {
		show_pages(s);
		return 0;
	}
	fold_flush(s);
	printf("@%" PRIu64 " %s (%u bytes)\n", img->rec_offset,
	       ckpt_rec_name(img->rec.type), img->rec.len);
	switch (img->rec.type) {
	case CKPT_REC_TASK:
		show_task(p);
		break;
	case CKPT_REC_GROUPS:
		show_groups(img);
		break;
	case CKPT_REC_FS:
		show_fs(img);
		break;
	case CKPT_REC_SIGACTIONS:
		show_sigactions(img);
		break;
	case CKPT_REC_MM:
		show_mm(img);
		break;
	case CKPT_REC_AUXV:
		show_auxv(img);
		break;
	case CKPT_REC_VMA:
		return show_vma(s);
	case CKPT_REC_FILE:
		show_file(img);
		break;
	case CKPT_REC_REGS:
		show_regs(img);
		break;
	case CKPT_REC_XSTATE:
		show_xstate(img);
		break;
	case CKPT_REC_RESTART:
		show_restart(img);
		break;
	case CKPT_REC_RLIMITS:
		show_rlimits(img);
		break;
	case CKPT_REC_SIGPENDING:
		show_sigpending(img);
		break;
	case CKPT_REC_THREAD: {
		const struct ckpt_rec_thread *t = p;

		printf("  tid %d comm \"%.16s\" ip 0x%llx sp 0x%llx fs_base 0x%llx\n",
		       t->tid, t->comm, t->regs.ip, t->regs.sp,
		       t->regs.fs_base);
		printf("  blocked ");
		print_sigset(t->blocked);
		printf("\n  %u pending signals%s\n", t->nr_sigpending,
		       t->have_restart ? ", in nanosleep" : "");
		break;
	}
	case CKPT_REC_TIMERS: {
		const struct ckpt_rec_timers *t = p;

		if (t->real_ns)
			show_itimer("ITIMER_REAL", "", t->real_ns,
				    t->real_interval_ns);
		else
			printf("  ITIMER_REAL not armed\n");
		if (t->prof_ns)
			show_itimer("ITIMER_PROF", " of CPU time", t->prof_ns,
				    t->prof_interval_ns);
		if (t->virt_ns)
			show_itimer("ITIMER_VIRTUAL", " of user time",
				    t->virt_ns, t->virt_interval_ns);
		printf("  CLOCK_MONOTONIC %lld.%09lld s, CLOCK_BOOTTIME %lld.%09lld s\n",
		       t->monotonic_ns / 1000000000LL,
		       t->monotonic_ns % 1000000000LL,
		       t->boottime_ns / 1000000000LL,
		       t->boottime_ns % 1000000000LL);
		show_posix_timers(t);
		break;
	}
	case CKPT_REC_GHOSTDATA:
		printf("  deleted file %llu: %zu bytes at offset %llu\n",
		       ((const struct ckpt_rec_ghostdata *)p)->ino,
		       img->rec.len - sizeof(struct ckpt_rec_ghostdata),
		       ((const struct ckpt_rec_ghostdata *)p)->offset);
		break;
	case CKPT_REC_FDSTATE:
		show_fdstate(img);
		break;
	case CKPT_REC_SHMEM: {
		const struct ckpt_rec_shmem *s = p;

		if (s->kind == CKPT_SHMEM_MEMFD)
			printf("  memfd %llu \"%s\" size %llu seals 0x%x\n",
			       s->id, ckpt_esc((const char *)(s + 1), SIZE_MAX),
			       s->size, s->seals);
		else
			printf("  shared anonymous memory %llu size %llu\n",
			       s->id, s->size);
		break;
	}
	case CKPT_REC_SHMDATA:
		printf("  shared memory %llu: %zu bytes at offset %llu\n",
		       ((const struct ckpt_rec_shmdata *)p)->id,
		       img->rec.len - sizeof(struct ckpt_rec_shmdata),
		       ((const struct ckpt_rec_shmdata *)p)->offset);
		break;
	case CKPT_REC_SECCOMP: {
		const struct ckpt_rec_seccomp *s = p;

		if (s->mode == 1)
			printf("  thread %d: seccomp strict mode\n", s->tid);
		else
			printf("  thread %d: seccomp filter %u, %u instructions%s\n",
			       s->tid, s->index, s->len,
			       s->flags ? ", SECCOMP_FILTER_FLAG_LOG" : "");
		break;
	}
	case CKPT_REC_SHARES: {
		const struct ckpt_rec_shares *s = p;

		if (s->files_pid)
			printf("  shares the file table of process %d (CLONE_FILES)\n",
			       s->files_pid);
		if (s->fs_pid)
			printf("  shares the fs context (cwd, root, umask) of process %d (CLONE_FS)\n",
			       s->fs_pid);
		if (s->vm_pid)
			printf("  shares the address space of process %d (CLONE_VM)\n",
			       s->vm_pid);
		if (s->sighand_pid)
			printf("  shares the signal handlers of process %d (CLONE_SIGHAND)\n",
			       s->sighand_pid);
		break;
	}
	case CKPT_REC_SOCKET:
		show_socket(img);
		break;
	case CKPT_REC_SCHED:
		show_sched(p);
		break;
	case CKPT_REC_MEMPOLICY:
		show_mempolicy(p);
		break;
	case CKPT_REC_PTY:
		show_pty(p);
		break;
	case CKPT_REC_FOWN: {
		const struct ckpt_rec_fown *o = p;
		char sig[32];

		printf("  owner of fd %d:", o->fd);
		if (o->pid)
			printf(" %s %d,", o->type == F_OWNER_PGRP ? "group" :
			       ckpt_owner_kind(o->type), o->pid);
		else
			printf(" none,");
		printf(" signal %s%s\n", o->signum ?
		       ckpt_signame(o->signum, sig, sizeof(sig)) : "SIGIO",
		       o->flags & CKPT_FOWN_ASYNC ? ", O_ASYNC" : "");
		break;
	}
	case CKPT_REC_UTS: {
		const struct ckpt_rec_uts *u = p;

		printf("  UTS namespace: host name '%s', domain name '%s'\n",
		       ckpt_esc(u->nodename, sizeof(u->nodename)),
		       ckpt_esc(u->domainname, sizeof(u->domainname)));
		break;
	}
	case CKPT_REC_CGROUP:
		printf("  cgroup %s\n", ckpt_esc(ckpt_image_path(img), SIZE_MAX));
		break;
	case CKPT_REC_SOCKOPT:
		show_sockopt(p);
		break;
	case CKPT_REC_CLOCKS: {
		const struct ckpt_rec_clocks *c = p;

		printf("  CLOCK_MONOTONIC %lld.%09lld s, CLOCK_MONOTONIC_RAW %lld.%09lld s, CLOCK_BOOTTIME %lld.%09lld s\n",
		       (long long)(c->monotonic_ns / 1000000000LL),
		       (long long)(c->monotonic_ns % 1000000000LL),
		       (long long)(c->monotonic_raw_ns / 1000000000LL),
		       (long long)(c->monotonic_raw_ns % 1000000000LL),
		       (long long)(c->boottime_ns / 1000000000LL),
		       (long long)(c->boottime_ns % 1000000000LL));
		break;
	}
	case CKPT_REC_NETLINK: {
		const struct ckpt_rec_netlink *n = p;
		static const struct flag_name nl_flags[] = {
			{ CKPT_NL_PKTINFO, "NETLINK_PKTINFO" },
			{ CKPT_NL_BROADCAST_ERROR, "NETLINK_BROADCAST_ERROR" },
			{ CKPT_NL_NO_ENOBUFS, "NETLINK_NO_ENOBUFS" },
			{ CKPT_NL_CAP_ACK, "NETLINK_CAP_ACK" },
			{ CKPT_NL_EXT_ACK, "NETLINK_EXT_ACK" },
			{ CKPT_NL_GET_STRICT_CHK, "NETLINK_GET_STRICT_CHK" },
		};
		int first = 1;

		printf("  netlink socket %llu: groups",
		       (unsigned long long)n->id);
		for (uint32_t g = 1; g <= CKPT_NL_MAX_GROUPS; g++)
			if (n->groups[(g - 1) / 32] & (1U << ((g - 1) % 32))) {
				printf("%s%u", first ? " " : ",", g);
				first = 0;
			}
		printf("%s, options ", first ? " none" : "");
		print_flags(n->flags & ~CKPT_NL_CONNECTED, nl_flags,
			    ARRAY_SIZE(nl_flags));
		if (n->flags & CKPT_NL_CONNECTED)
			printf(", connected to port %u group %u",
			       n->dst_portid, n->dst_group);
		printf("\n");
		break;
	}
	case CKPT_REC_MCAST: {
		const struct ckpt_rec_mcast *m = p;
		const struct ckpt_rec_mcast_group *g = (const void *)(m + 1);
		char a[INET6_ADDRSTRLEN];

		printf("  socket %llu multicast: hops %d%s, device %d, %u groups\n",
		       (unsigned long long)m->id, m->hops,
		       m->flags & CKPT_MCAST_NO_LOOP ? ", no loop" : "",
		       m->ifindex, m->nr_groups);
		for (uint32_t i = 0; i < m->nr_groups; i++) {
			int v4 = !memcmp(g[i].addr + 4,
					 "\0\0\0\0\0\0\0\0\0\0\0\0", 12);

			if (!inet_ntop(v4 ? AF_INET : AF_INET6, g[i].addr, a,
				       sizeof(a)))
				snprintf(a, sizeof(a), "?");
			printf("    group %s on device %d\n", a, g[i].ifindex);
		}
		break;
	}
	case CKPT_REC_INEVENTS: {
		const struct ckpt_rec_inevents *e = p;
		const unsigned char *q = (const void *)(e + 1);
		uint32_t off = 0;

		printf("  fd %d: %u events not read\n", e->fd, e->nr_events);
		while (off + 16 <= e->len) {
			int32_t wd;
			uint32_t mask, cookie, len;

			memcpy(&wd, q + off, 4);
			memcpy(&mask, q + off + 4, 4);
			memcpy(&cookie, q + off + 8, 4);
			memcpy(&len, q + off + 12, 4);
			printf("    watch %d mask 0x%x", wd, mask);
			if (cookie)
				printf(" cookie %u", cookie);
			if (len && len <= e->len - off - 16)
				printf(" \"%s\"",
				       ckpt_esc((const char *)q + off + 16,
						len));
			printf("\n");
			off += 16 + len;
		}
		break;
	}
	case CKPT_REC_INWATCH: {
		const struct ckpt_rec_inwatch *w = p;

		printf("  fd %d: watch %d mask 0x%x on %s (inode %llu, device %u:%u)\n",
		       w->fd, w->wd, w->mask,
		       ckpt_esc(ckpt_image_path(img), SIZE_MAX),
		       (unsigned long long)w->ino, ckpt_dev_major(w->dev),
		       ckpt_dev_minor(w->dev));
		break;
	}
	case CKPT_REC_FLOCK: {
		const struct ckpt_rec_flock *l = p;
		static const char *const kinds[] = { "?", "flock", "POSIX",
						     "OFD" };

		printf("  fd %d: %s %s lock", l->fd, kinds[l->kind & 3],
		       l->type == 1 ? "write" : "read");
		if (l->kind != CKPT_FLOCK_FLOCK && l->len)
			printf(", bytes %lld+%lld", (long long)l->start,
			       (long long)l->len);
		else if (l->kind != CKPT_FLOCK_FLOCK)
			printf(", bytes %lld to the end", (long long)l->start);
		printf("\n");
		break;
	}
	case CKPT_REC_SOCKDATA:
		printf("  socket %llu: %zu bytes%s%s\n",
		       ((const struct ckpt_rec_sockdata *)p)->id,
		       img->rec.len - sizeof(struct ckpt_rec_sockdata),
		       ((const struct ckpt_rec_sockdata *)p)->flags &
		       CKPT_SOCKDATA_EOR ? ", end of message" : "",
		       ((const struct ckpt_rec_sockdata *)p)->flags &
		       CKPT_SOCKDATA_SEND ? ", send queue" : "");
		break;
	case CKPT_REC_TCPSTATE:
		show_tcpstate(img);
		break;
	case CKPT_REC_SYSVSHM: {
		const struct ckpt_rec_sysvshm *sv = p;

		printf("  SysV segment %d key 0x%08x mode 0%o uid %u gid %u cuid %u cgid %u size %llu%s\n",
		       sv->id, (unsigned int)sv->key, sv->mode & 0777,
		       sv->uid, sv->gid, sv->cuid, sv->cgid, sv->size,
		       (sv->mode & CKPT_SYSV_DEST) ? " removed" : "");
		break;
	}
	case CKPT_REC_SYSVSEM: {
		const struct ckpt_rec_sysvsem *sv = p;
		const uint16_t *val = (const void *)(sv + 1);
		uint32_t i;

		printf("  SysV semaphore set %d key 0x%08x mode 0%o uid %u gid %u: %u values",
		       sv->id, (unsigned int)sv->key, sv->mode, sv->uid,
		       sv->gid, sv->nsems);
		for (i = 0; i < sv->nsems && i < 16; i++)
			printf(" %u", val[i]);
		printf("%s\n", sv->nsems > 16 ? " ..." : "");
		break;
	}
	case CKPT_REC_SYSVMSG: {
		const struct ckpt_rec_sysvmsg *q = p;
		const unsigned char *b = p;
		uint32_t off = sizeof(*q), i;

		printf("  SysV message queue %d key 0x%08x mode 0%o uid %u gid %u qbytes %llu: %u messages\n",
		       q->id, (unsigned int)q->key, q->mode, q->uid, q->gid,
		       q->qbytes, q->nr_msgs);
		for (i = 0; i < q->nr_msgs; i++) {
			const struct ckpt_sysv_msg *m = (const void *)(b + off);

			printf("    message %u: type %lld, %u bytes\n", i,
			       (long long)m->mtype, m->len);
			off += sizeof(*m) + ((m->len + 7) & ~7U);
		}
		break;
	}
	case CKPT_REC_SYSVDATA:
		printf("  SysV segment %d: %zu bytes at offset %llu\n",
		       ((const struct ckpt_rec_sysvdata *)p)->id,
		       img->rec.len - sizeof(struct ckpt_rec_sysvdata),
		       ((const struct ckpt_rec_sysvdata *)p)->offset);
		break;
	case CKPT_REC_PIPEDATA:
		printf("  pipe %llu: %zu bytes\n",
		       ((const struct ckpt_rec_pipedata *)p)->ino,
		       img->rec.len - sizeof(struct ckpt_rec_pipedata));
		break;
	case CKPT_REC_TREE: {
		const struct ckpt_rec_tree_task *t = p;
		uint32_t i;

		for (i = 0; i < img->hdr.nr_tasks; i++)
			printf("  process %d ppid %d pgid %d sid %d%s\n",
			       t[i].pid, t[i].ppid, t[i].pgid, t[i].sid,
			       t[i].flags & CKPT_TREE_ZOMBIE ? " zombie" : "");
		break;
	}
	case CKPT_REC_ATTRS:
		show_attrs(img);
		break;
	case CKPT_REC_SKIPPED:
		show_skipped(img);
		break;
	case CKPT_REC_END:
		printf("  %llu records before it, %llu pages, %" PRIu64 " bytes\n",
		       ((const struct ckpt_rec_end *)p)->nr_records,
		       ((const struct ckpt_rec_end *)p)->nr_pages,
		       img->offset);
		break;
	}
	return 0;
}

static int show_image(struct show *s, int fd)
{
	int err;

	err = ckpt_image_open_fd(&s->img, fd);
	if (!err)
		show_header(s);
	while (!err && (err = ckpt_image_next(&s->img)) > 0)
		err = show_record(s);
	fold_flush(s);
	fflush(stdout);
	if (err == -ENOMEM && !s->img.error.err)
		snprintf(s->img.error.msg, sizeof(s->img.error.msg),
			 "out of memory");
	return err;
}

/* Why an incremental image's chain could not be merged, or "". */
static char incr_why[512];

static void show_failed(struct show *s, int err)
{
	ckpt_fail(err, "cannot decode %s: %s", s->name,
		  incr_why[0] ? incr_why : s->img.error.msg);
}

/*
 * The end of a compressed image's showing: if the inflating failed, that
 * is what to say (what the decoder saw then is only its consequence),
 * unless it failed for the decoder's failure (EPIPE).  A pump blocked
 * on its input is not waited for.
 */
static int show_inflated(struct show *s, struct ckpt_zpump *zp, int fd,
			 int err)
{
	struct timespec t;
	int zerr = 0;

	close(fd);	/* a pump still writing gets EPIPE */
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 1;
	if (!err)
		zerr = ckpt_zpump_join(zp);
	else if (!pthread_timedjoin_np(zp->thread, NULL, &t))
		zerr = zp->res.err;	/* joined */
	else
		pthread_detach(zp->thread);
	if (zerr && zerr != -EPIPE) {
		ckpt_fail(zerr, "cannot inflate %s: %s", s->name,
			  zp->res.msg);
		return zerr;
	}
	if (err)
		show_failed(s, err);
	return err;
}

/*
 * A compressed image (ckpt --compress) is shown as it is inflated, by a
 * thread writing into a pipe: *@fd becomes the pipe's other end.
 */
static int show_compressed(struct show *s, int *fd, struct ckpt_zpump *zp)
{
	unsigned char magic[4];
	int p[2], err;

	err = ckpt_peek_fd(*fd, magic, sizeof(magic), -1);
	if (err <= 0 || !ckpt_zstd_magic(magic, sizeof(magic))) {
		if (err < 0)
			ckpt_fail(err, "cannot read %s: %s", s->name,
				  strerror(-err));
		return err < 0 ? err : 0;
	}
	err = pipe2(p, O_CLOEXEC) ? -errno : 0;
	if (!err) {
		*zp = (struct ckpt_zpump){ .in = *fd, .out = p[1],
					   .inflate = 1, .close_out = 1,
					   .max = UINT64_MAX };
		err = ckpt_zpump_start(zp);
		if (err) {
			close(p[0]);
			close(p[1]);
		}
	}
	if (err) {
		ckpt_fail(err, "cannot inflate %s: %s", s->name,
			  strerror(-err));
		return err;
	}
	*fd = p[0];
	return 0;
}

/*
 * An incremental image (ckpt --parent) is shown merged with its chain of
 * parents, as a restore would read it: into *@merged, or -1.
 */
static int show_incremental(int fd, const char *path, int *merged)
{
	char parent[CKPT_INCR_PATH_MAX];
	int err;

	err = ckpt_incr_merge(fd, path, 0, merged, parent, sizeof(parent),
			      incr_why, sizeof(incr_why));
	if (err < 0)
		return err;	/* show_failed() says why */
	if (err)
		printf("incremental image of parent %s, shown merged with its chain\n",
		       ckpt_esc(parent, SIZE_MAX));
	else
		*merged = -1;
	return 0;
}

static int show_usage(const char *msg)
{
	ckpt_fail(0, "%s", msg);
	ckpt_hint("usage: ckpt show [-v] [FILE|-]");
	return CKPT_EXIT_USAGE;
}

int ckpt_show_main(int argc, char **argv)
{
	struct show s = { .name = "stdin", .fold_vma = -1 };
	struct ckpt_zpump zp = { .started = 0 };
	const char *path = NULL;
	int c, fd = STDIN_FILENO, err, merged = -1;
	uint32_t i;

	while ((c = getopt(argc, argv, "+vh")) != -1) {
		if (c == 'h') {
			printf("usage: ckpt show [-v] [FILE|-]\n");
			return CKPT_EXIT_OK;
		}
		if (c != 'v')
			return show_usage("bad option");
		s.verbose = 1;
	}
	if (optind < argc - 1)
		return show_usage("too many arguments");
	if (optind == argc - 1 && strcmp(argv[optind], "-"))
		path = argv[optind];
	if (path) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			ckpt_fail(errno, "cannot open %s: %s", path,
				  strerror(errno));
			return CKPT_EXIT_FAILED;
		}
		s.name = path;
	} else if (isatty(fd)) {
		return show_usage("refusing to read an image from a terminal; give a FILE or a pipe");
	}
	err = show_compressed(&s, &fd, &zp);	/* reported */
	if (!err) {
		err = show_incremental(fd, path, &merged);
		if (!err)
			err = show_image(&s, merged >= 0 ? merged : fd);
		if (merged >= 0)
			close(merged);
		if (zp.started) {
			err = show_inflated(&s, &zp, fd, err);
			path = NULL;	/* the pump closes it */
		} else if (err) {
			show_failed(&s, err);
		}
	}
	for (i = 0; i < s.nr_vma_paths; i++)
		free(s.vma_paths[i]);
	free(s.vma_paths);
	ckpt_image_close(&s.img);
	if (path)
		close(fd);
	return err ? CKPT_EXIT_FAILED : CKPT_EXIT_OK;
}
