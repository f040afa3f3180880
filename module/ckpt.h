/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ckpt internal interfaces.
 *
 * A checkpoint is written by the caller of CKPT_IOC_CHECKPOINT while the
 * target is parked (checkpoint.c); each kind of state has a dump half and
 * a restore half in its own file (task.c, mem.c, files.c, cpu.c).  A
 * restore is prepared by the restart tool (restore.c reads and validates
 * all metadata into struct ckpt_restore) and carried out by the task that
 * becomes the restored process, on itself.
 */
#ifndef _CKPT_H
#define _CKPT_H

#include <linux/types.h>
#include <linux/bvec.h>
#include <linux/sched.h>
#include <linux/pid.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/xarray.h>
#include <linux/xxhash.h>
#include <linux/ckpt.h>
#include <linux/socket.h>
#include <linux/un.h>
#include <linux/netlink.h>
#include <linux/in.h>
#include <linux/in6.h>

#define CKPT_PFX "ckpt: "

struct file;
struct mm_struct;
struct ipc_ids;
struct kern_ipc_perm;
struct page;
struct bio_vec;
struct k_itimer;
struct itimerspec64;
struct files_struct;
struct fs_struct;
struct sighand_struct;
struct fsnotify_group;
struct fsnotify_event;

/* ksyms.c: kernel symbols that are not exported, resolved once at load. */
struct ckpt_ksyms {
	bool (*ptrace_may_access)(struct task_struct *task, unsigned int mode);
	long (*hrtimer_nanosleep_restart)(struct restart_block *rb);
	long (*do_restart_poll)(struct restart_block *rb);
	/* task.c: ITIMER_PROF and ITIMER_VIRTUAL */
	void (*thread_group_cputime)(struct task_struct *tsk,
				     struct task_cputime *times);
	void (*set_process_cpu_timer)(struct task_struct *tsk,
				      unsigned int clkid, u64 *newval,
				      u64 *oldval);
	long (*do_no_restart_syscall)(struct restart_block *rb);
	void (*gsbase_write_cpu_inactive)(unsigned long gsbase);
	int (*replace_mm_exe_file)(struct mm_struct *mm, struct file *exe);
	void (*task_work_run)(void);
	struct tcp_congestion_ops *(*tcp_ca_find)(const char *name);
	int (*tcp_set_congestion_control)(struct sock *sk, const char *name,
					  bool load, bool cap_net_admin);
	int (*update_rlimit_cpu)(struct task_struct *task, unsigned long rlim);
	int (*create_pipe_files)(struct file **res, int flags);
	long (*pipe_fcntl)(struct file *file, unsigned int cmd,
			   unsigned long arg);
	int (*group_send_sig_info)(int sig, struct kernel_siginfo *info,
				   struct task_struct *p, enum pid_type type);
	/* fdkinds.c: the file kinds, and the syscalls that make them */
	const struct file_operations *eventfd_fops;
	const struct file_operations *timerfd_fops;
	const struct file_operations *signalfd_fops;
	const struct file_operations *eventpoll_fops;
	void *sys_eventfd2;
	void *sys_timerfd_create;
	void *sys_timerfd_settime;
	void *sys_signalfd4;
	void *sys_epoll_create1;
	void *sys_epoll_ctl;
	const struct file_operations *inotify_fops;
	/* pidfd.c */
	const struct file_operations *pidfd_fops;
	struct pid *(*alloc_pid)(struct pid_namespace *ns, pid_t *set_tid,
				 size_t set_tid_size);
	void (*free_pid)(struct pid *pid);
	void *sys_inotify_init1;
	void *sys_inotify_add_watch;
	int (*fsnotify_insert_event)(struct fsnotify_group *group,
				     struct fsnotify_event *event,
				     int (*merge)(struct fsnotify_group *,
						  struct fsnotify_event *),
				     void (*insert)(struct fsnotify_group *,
						    struct fsnotify_event *));
	/* memfd.c */
	const struct file_operations *shmem_fops;
	long (*memfd_fcntl)(struct file *file, unsigned int cmd,
			    unsigned long arg);
	/* files.c: rmdir(2)'s LSM path hook, not exported (if SECURITY_PATH) */
	int (*security_path_rmdir)(const struct path *dir,
				   struct dentry *dentry);
	int (*do_madvise)(struct mm_struct *mm, unsigned long start,
			  size_t len, int behavior);
	/* seccomp.c */
	long (*seccomp_get_filter)(struct task_struct *task,
				   unsigned long filter_off, void __user *data);
	long (*seccomp_get_metadata)(struct task_struct *task,
				     unsigned long size, void __user *data);
	void *sys_seccomp;
	/* sched.c: the functions of sched_setattr(2), sched_setaffinity(2)
	 * and ioprio_set(2), with their checks
	 */
	int (*sched_setattr)(struct task_struct *p,
			     const struct sched_attr *attr);
	long (*sched_setaffinity)(pid_t pid, const struct cpumask *in_mask);
	int (*ioprio_check_cap)(int ioprio);
	void (*cpuset_cpus_allowed)(struct task_struct *p,
				    struct cpumask *mask);
		/* flocks.c */
	void *sys_flock;
	void *sys_fcntl;
	/* sysvipc.c: optional (NULL: SysV shared memory is refused) */
	const struct file_operations *shm_fops;
	long (*do_shmat)(int shmid, char __user *shmaddr, int shmflg,
			 unsigned long *raddr, unsigned long shmlba);
	struct kern_ipc_perm *(*ipc_obtain_object_idr)(struct ipc_ids *ids,
						      int id);
	/* attrs.c */
	struct rw_semaphore *uts_sem;	/* sethostname(2)'s */
	void *sys_mlock2;
	void *sys_mlockall;
	void *sys_set_mempolicy;
	void *sys_mmap;
	void *sys_mprotect;
	void *sys_mbind;
	void *sys_set_mempolicy_home_node;
	void *sys_prctl;
	void *sys_setsid;
	void *sys_setpgid;
	/* task.c: POSIX CPU-time timers, armed at the end of a restore */
	int (*posix_cpu_timer_set)(struct k_itimer *timer, int flags,
				   struct itimerspec64 *new,
				   struct itimerspec64 *old);
	/* shares.c: file tables and fs contexts shared in a tree */
	void (*put_files_struct)(struct files_struct *files);
	void (*free_fs_struct)(struct fs_struct *fs);
	/* shares.c: address spaces and signal handlers shared in a tree */
	void (*switch_mm)(struct mm_struct *prev, struct mm_struct *next,
			  struct task_struct *tsk);
	void (*sync_mm_rss)(struct mm_struct *mm);
	void (*cleanup_sighand)(struct sighand_struct *sighand);
	rwlock_t *tasklist_lock;
	void (*mm_update_next_owner)(struct mm_struct *mm);	/* or NULL */
	/* Only with CONFIG_SECURITY_PATH; else NULL */
	int (*security_path_chroot)(const struct path *path);
};
extern struct ckpt_ksyms ckpt_ksyms;
int ckpt_ksyms_init(void);

/* Call a system call's __x64_sys_ entry with these arguments. */
static inline long ckpt_syscall6(void *fn, unsigned long a, unsigned long b,
				 unsigned long c, unsigned long d,
				 unsigned long e, unsigned long f)
{
	struct pt_regs regs = {
		.di = a, .si = b, .dx = c, .r10 = d, .r8 = e, .r9 = f,
	};

	return ((long (*)(const struct pt_regs *regs))fn)(&regs);
}

static inline long ckpt_syscall(void *fn, unsigned long a, unsigned long b,
				unsigned long c, unsigned long d)
{
	return ckpt_syscall6(fn, a, b, c, d, 0, 0);
}
unsigned long ckpt_lookup_name(const char *name);

/* pidrange.c: reserved PID ranges (Documentation/pid-ranges.rst) */
struct pid_namespace;
struct ckpt_pr_status {
	bool active;
	int lo, hi, pid_max;
	u32 used, tombs, pending, nr_managed;
	u64 clamped, drained, claims, failsafes;
};

int ckpt_pidrange_init(void);
void ckpt_pidrange_exit(void);
int ckpt_pr_activate(struct pid_namespace *ns, int lo, int hi);
int ckpt_pr_deactivate(struct pid_namespace *ns);
int ckpt_pr_tombstone(struct pid_namespace *ns, int pid, struct pid *holder,
		      bool *pending);
int ckpt_pr_untombstone(struct pid_namespace *ns, int pid);
void ckpt_pr_status(struct pid_namespace *ns, struct ckpt_pr_status *st);
long ckpt_ioctl_pid_claim(void __user *uarg);
long ckpt_ioctl_pid_tombstone(void __user *uarg);
struct task_struct *ckpt_get_process(pid_t nr);
void ckpt_time_step(const char *what, void *fn, ktime_t *t);
bool ckpt_timing_on(void);
int ckpt_may_checkpoint(struct task_struct *t);
struct ckpt_member;
int ckpt_hold_member(struct ckpt_member *m);
void ckpt_thaw_group(struct ckpt_member *m, u32 flags, bool ok);
void ckpt_put_group(struct ckpt_member *m);
long ckpt_ioctl_freeze(void __user *uarg);
bool ckpt_freeze_holds(struct task_struct *t);
unsigned int ckpt_freeze_count(void);
/* freeze.c: CKPT_RESTORE_HOLD */
struct ckpt_rhold;
struct ckpt_rhold *ckpt_rhold_new(u32 nr_tasks);
void ckpt_rhold_end(struct ckpt_rhold *h);
struct ckpt_rhold *ckpt_rhold_get(struct ckpt_rhold *h);
void ckpt_rhold_park(struct ckpt_rhold *h);
void ckpt_rhold_put(struct ckpt_rhold *h);
void ckpt_rhold_note(struct ckpt_rhold *h, u32 k);
struct ckpt_file;
long ckpt_ioctl_restore_release(struct ckpt_file *cf, void __user *uarg);
bool ckpt_member_parked(struct ckpt_member *m, struct task_struct *t);

/* netlink.c: the generic netlink family "ckpt" */
int ckpt_netlink_init(void);
void ckpt_netlink_exit(void);
void ckpt_event(u32 event, pid_t pid, int err, u64 bytes);
void ckpt_event_range(u32 event, int lo, int hi);

/* A migration event (CKPT_EV_MIGRATE_*), netlink.c. */
#define CKPT_MIG_MAX_ROUNDS	10000		/* fits the policy's s16 */
#define CKPT_MIG_MAX_BYTES	(1ULL << 50)		/* 1 PiB */
#define CKPT_MIG_MAX_MS		(30ULL * 24 * 3600 * 1000)	/* 30 days */

struct ckpt_mig_event {
	u32 event;
	pid_t pid;		/* initial PID namespace */
	u32 err;		/* positive errno */
	u32 round;
	u64 bytes;
	u64 downtime_ms;
	u64 elapsed_ms;
	u64 dirty_pages;
};

int ckpt_event_mig(const struct ckpt_mig_event *ev);

/* Where a failure was: filled in for the tools' messages. */
struct ckpt_err {
	u32 object;		/* CKPT_OBJ_* */
	s32 fd;
	u64 addr;
	u32 type;		/* record type (restore) */
	u64 offset;		/* image offset (restore) */
};

static inline int ckpt_fail(struct ckpt_err *e, u32 object, int err)
{
	if (err && e->object == CKPT_OBJ_NONE)
		e->object = object;
	return err;
}

/* image.c: the output stream */
struct ckpt_out {
	struct file *file;
	loff_t pos;
	bool stream;		/* no file position (pipe, socket) */
	bool failed;		/* writing the fd failed */
	u64 hdr_flags;		/* CKPT_IMAGE_* */
	u64 hdr_time_ns;	/* the header written: its time_ns */
	u32 hdr_csum;		/* and its csum */
	u64 written;
	u64 nr_records;
	u64 nr_pages;
	void *buf;		/* one metadata record: header + payload */
	size_t buf_size;
	void *head;		/* a PAGES record's header (kmalloc) */
	struct bio_vec *bvec;	/* head and CKPT_PAGES_MAX pages */
	struct ckpt_csum_aside *aside;	/* hashing on another CPU */
	u64 nr_aside;		/* PAGES records hashed there */
};

int ckpt_out_init(struct ckpt_out *out, struct file *file);
void ckpt_out_destroy(struct ckpt_out *out);
int ckpt_write_header(struct ckpt_out *out, u64 xfeatures, u32 xstate_size,
		      u32 nr_tasks);
int ckpt_write_rec(struct ckpt_out *out, u32 type, const void *data,
		   size_t len);
int ckpt_write_rec2(struct ckpt_out *out, u32 type, const void *data,
		    size_t len, const void *tail, size_t tail_len);
/* Payload is filled by the caller at out->buf + sizeof(rec_header). */
void *ckpt_rec_payload(struct ckpt_out *out);
int ckpt_write_payload(struct ckpt_out *out, u32 type, size_t len);
struct file *ckpt_next_file(struct task_struct *t, unsigned int *fd);
int ckpt_write_pieces(struct ckpt_out *out, u32 type, const void *head,
		      size_t head_len, const void *buf, size_t len,
		      size_t chunk);
int ckpt_write_file_data(struct ckpt_out *out, u32 type, u64 id,
			 struct file *f, size_t chunk);
int ckpt_write_end(struct ckpt_out *out);
int ckpt_write_pages(struct ckpt_out *out, u64 addr, struct page **pages,
		     unsigned int nr);

/* image.c: the input stream */
struct ckpt_in {
	struct file *file;
	loff_t pos;
	bool stream;
	u64 offset;		/* bytes consumed */
	u64 nr_records;
	u64 nr_pages;
	struct ckpt_rec_header hdr;	/* of the record being read */
	u64 rec_offset;		/* its offset */
	bool have_hdr;		/* hdr read, payload not yet */
	void *buf;		/* payload of the current record */
	size_t buf_size;
	struct bio_vec *bvec;	/* CKPT_PAGES_MAX pages being read into */
	struct xxh64_state csum;	/* of the PAGES record being read */
	u32 pages_csum;		/* its stored csum */
	u32 pages_left;		/* its pages not read yet */
	void *ra;		/* read-ahead of a seekable image's metadata */
	size_t ra_len, ra_off;	/* bytes in it, bytes consumed */
};

int ckpt_in_init(struct ckpt_in *in, struct file *file);
void ckpt_in_destroy(struct ckpt_in *in);
int ckpt_read_header(struct ckpt_in *in, struct ckpt_image_header *h);
int ckpt_peek_rec(struct ckpt_in *in, struct ckpt_rec_header *hdr);
int ckpt_read_rec(struct ckpt_in *in, void **payload, u32 *len);
int ckpt_read_pages_head(struct ckpt_in *in, struct ckpt_rec_pages *rp);
int ckpt_read_pages_data(struct ckpt_in *in, struct page **pages,
			 unsigned int nr);

/* A PAGES record whose data is read later, by position (fill.c). */
struct ckpt_pages_at {
	struct ckpt_rec_header h;
	struct ckpt_rec_pages rp;
	loff_t pos;		/* of its data in the file */
	u64 offset;		/* of the record in the image */
};

bool ckpt_in_positional(const struct ckpt_in *in);
int ckpt_skip_pages_data(struct ckpt_in *in, const struct ckpt_rec_pages *rp,
			 struct ckpt_pages_at *at);
int ckpt_pread_pages(struct file *file, const struct ckpt_pages_at *at,
		     struct page **pages, struct bio_vec *bv);

/* fill.c: a file image's page data, on several CPUs */
struct ckpt_fill;
struct ckpt_restore;
int ckpt_fill_init(void);
void ckpt_fill_exit(void);
int ckpt_other_cpu(void);
void ckpt_work_on(int cpu, struct work_struct *work);
struct ckpt_fill *ckpt_fill_new(struct ckpt_restore *r);
void ckpt_fill_free(struct ckpt_fill *f);
bool ckpt_fill_pending(const struct ckpt_fill *f);
bool ckpt_fill_fits(const struct ckpt_fill *f, const struct ckpt_rec_pages *rp);
int ckpt_fill_add(struct ckpt_fill *f, struct ckpt_in *in,
		  const struct ckpt_rec_pages *rp);
int ckpt_fill_flush(struct ckpt_fill *f, struct ckpt_restore *r);
int ckpt_fill_later(struct ckpt_restore *r);
int ckpt_restore_finish(struct ckpt_restore *r);
u32 ckpt_csum2(const void *a, size_t alen, const void *b, size_t blen);

/* checkpoint.c */
long ckpt_ioctl_checkpoint(void __user *uarg);

struct ckpt_freezer;

/* One process of the checkpointed set, its threads frozen. */
struct ckpt_member {
	struct task_struct *task;	/* referenced */
	struct task_struct **threads;	/* referenced */
	unsigned int nr_threads;
	struct ckpt_freezer **fz;
	bool zombie;			/* exited, waiting for its parent */
	/*
	 * shares.c: the first member using its file table, fs context,
	 * address space, signal handlers
	 */
	unsigned int files_with;
	unsigned int fs_with;
	unsigned int vm_with;
	unsigned int sighand_with;
	bool ctty_rec;		/* leads its session, its terminal saved */
};

/* Does member @i hold its address space, its handlers (not an earlier's)? */
#define ckpt_vm_holder(d, i)	((d)->members[i].vm_with == (i))
#define ckpt_sighand_holder(d, i)	((d)->members[i].sighand_with == (i))

/* Does member @i hold its file table (not an earlier member's)? */
#define ckpt_files_holder(d, i)	((d)->members[i].files_with == (i))

/* State read from the target by the dump halves. */
struct ckpt_dump {
	struct ckpt_member *members;	/* the tree, parents first */
	unsigned int nr_members;
	unsigned int member;		/* the one being written */
	struct xarray files_seen;	/* open files, tree-wide (files.c) */
	struct task_struct *task;
	struct mm_struct *mm;
	struct ckpt_out out;
	struct ckpt_err err;
	void *scratch;		/* PAGE_SIZE, paths */
	struct xarray pipes;	/* pipes seen, by inode number */
	struct xarray ptys;	/* pty pairs seen, by master (pty.c) */
	struct task_struct **threads;	/* the frozen thread group */
	unsigned int nr_threads;
	struct xarray ghosts;	/* deleted files, by inode number */
	u64 ghost_bytes;
	u64 ghost_limit;	/* of ghost_bytes: CKPT_GHOST_MAX_DATA or less */
	struct xarray ghosts_saved;	/* by earlier processes of the tree */
	struct inode *exe_inode;	/* the executable's, to compare only */
	struct xarray fdstates;	/* FDSTATE records to write, by fd */
	u32 nr_epitems;		/* in all of them */
	u32 nr_inwatches;	/* inotify watches, in all of them */
	u32 inwatch_bytes;	/* and their paths' */
	u32 inevent_bytes;	/* unread inotify events saved */
	struct xarray shmems;	/* memfds, shared anon memory, by inode */
	u64 shmem_bytes;
	struct xarray shanon;	/* shared anonymous memory saved, by ino */
	struct xarray socks;	/* sockets seen, by inode number */
	u64 sock_bytes;		/* unread socket data saved */
	u32 sock_records;	/* SOCKDATA records, at most */
	bool dirty_only;	/* CKPT_CHECKPOINT_DIRTY_ONLY */
	struct xarray sysv_seen;	/* SysV segments saved, tree-wide */
	struct xarray sysv_todo;	/* and to save with this process */
	u64 sysv_bytes;
	void *ipc_recs;		/* SYSVSEM and SYSVMSG records, checked */
	u32 ipc_len;
	u32 flags;		/* CKPT_CHECKPOINT_* */
	u32 skip;		/* CKPT_SKIP_*: losses accepted */
	u32 nr_skipped_all;	/* in all processes */
	u64 nr_zero_pages;	/* left out: they held only zeros (mem.c) */
	struct ckpt_rec_clocks clocks;	/* read with the TIMERS record */
	struct ckpt_rec_tty *ttys;	/* this process's terminals */
	u32 nr_ttys;
	int devtty_fd;		/* a leader's first /dev/tty, or -1 */
	struct ckpt_rec_fown *fowns;	/* this process's files' owners */
	u32 nr_fowns;
	u32 nr_skipped;
	struct ckpt_rec_skipped *skipped;	/* left out of this process */
};

/* A task's metadata, read from the image and validated, before the
 * restoring task changes anything.
 */
struct ckpt_restore_vma {
	struct ckpt_rec_vma rec;
	char *path;
	u64 offset;		/* of its record in the image */
};

struct ckpt_restore_file {
	struct ckpt_rec_file rec;
	char *path;
	u64 offset;
};

/* A PTY record and the bytes after it. */
struct ckpt_restore_pty {
	struct ckpt_rec_pty rec;
	void *data;
};

struct ckpt_restore_pipedata {
	u64 ino;
	u32 len;
	void *data;
};

struct ckpt_restore_ghostdata {
	u64 ino;
	u64 offset;
	u32 len;
	void *data;
};

struct ckpt_restore_fdstate {
	struct ckpt_rec_fdstate rec;
	struct ckpt_rec_epitem *items;	/* rec.nr_items, or NULL */
	u64 offset;
};

struct ckpt_restore_inwatch {
	struct ckpt_rec_inwatch rec;
	char *path;		/* NUL-terminated */
	u64 offset;
};

struct ckpt_restore_inevents {
	struct ckpt_rec_inevents *rec;	/* and its events, a copy */
	u64 offset;
};

struct ckpt_restore_shmem {
	struct ckpt_rec_shmem rec;
	char *name;		/* memfd name, or NULL */
	u64 offset;
	struct file *file;	/* made by ckpt_restore_shmems() */
	bool used;		/* named by a FILE or VMA record */
};

struct ckpt_restore_shmdata {
	u64 id;
	u64 offset;
	u32 len;
	void *data;
};

struct ckpt_restore_mcast {
	struct ckpt_rec_mcast rec;
	struct ckpt_rec_mcast_group groups[CKPT_MCAST_MAX_GROUPS];
	u64 offset;
};

struct ckpt_restore_sock {
	struct ckpt_rec_socket rec;
	const struct ckpt_rec_sockopt *opt;	/* its options, or NULL */
	const struct ckpt_restore_mcast *mcast;	/* its multicast, or NULL */
	const struct ckpt_rec_netlink *nl;	/* netlink: its NETLINK */
	union {
		struct sockaddr_storage ss;
		struct sockaddr_un un;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_nl nl;
	} addr;
	u64 offset;
};

struct ckpt_restore_netlink {
	struct ckpt_rec_netlink rec;
	u64 offset;
};

struct ckpt_restore_sockdata {
	u64 id;
	u32 flags;
	u32 len;
	void *data;
	u64 offset;
};

/* Open files by id (files.c): the ghosts and the sockets a restore made */
struct ckpt_idfiles {
	u32 nr;
	u32 max;
	struct {
		u64 id;
		struct file *file;	/* referenced */
	} e[];
};


struct ckpt_restore_thread {
	struct ckpt_rec_thread rec;
	void *xstate;
	struct ckpt_rec_sigpending *sigpending;
	u64 offset;
	bool claimed;		/* Protected by ckpt_restore.lock */
	int mempol_err;		/* its own policy refused: likewise */
};

struct ckpt_restore_mempol {
	struct ckpt_rec_mempolicy rec;
	u64 offset;
};

struct ckpt_restore_seccomp {
	struct ckpt_rec_seccomp rec;
	struct sock_filter *prog;	/* rec.len instructions */
	u64 offset;
};

struct ckpt_restore_sched {
	struct ckpt_rec_sched rec;
	u64 offset;
};

struct ckpt_tree;

struct ckpt_restore {
	struct ckpt_tree *tree;	/* an image of a tree, or NULL */
	struct ckpt_fill *fill_later;	/* a tree member's last page batch */
	u32 member;		/* this process's index in the tree */
	struct mutex lock;	/* serialises state */
	int state;		/* CKPT_RST_* */
	struct completion done;
	int result;
	struct ckpt_err err;

	/*
	 * Who prepared it: the checks of RESTORE_PREPARE were made with its
	 * privileges, so only a task with at least them may restore.
	 */
	const struct cred *prep_cred;
	struct net *prep_net;
	unsigned long prep_rlim_max[CKPT_NRLIMITS];

	struct file *image;
	struct ckpt_in in;
	struct ckpt_image_header hdr;

	struct ckpt_rec_task task;
	u32 *groups;
	struct ckpt_rec_fs fs;
	char *cwd;
	char *root;		/* CKPT_FS_ROOT: a root directory of its own */
	struct path root_path;	/* it, looked up and checked at prepare */
	bool fs_adopted;	/* shares.fs_pid: taken in ckpt_restore_fs() */
	struct ckpt_rec_sigaction sigactions[CKPT_NSIG];
	struct ckpt_rec_mm mm;
	char *exe;
	u64 auxv[CKPT_MAX_AUXV];
	u32 nr_auxv;
	struct ckpt_restore_vma *vmas;
	u32 nr_vmas;
	struct ckpt_restore_file *files;
	u32 nr_files;
	u32 file_paths;		/* their whole paths' bytes */
	struct ckpt_rec_regs regs;
	void *xstate;
	u32 xstate_len;
	struct ckpt_rec_restart restart;
	bool have_restart;
	struct ckpt_rec_rlimit rlimits[CKPT_NRLIMITS];
	bool have_rlimits;
	struct ckpt_rec_sigpending *sigpending;
	u32 nr_sigpending;
	struct ckpt_rec_timers timers;
	struct ckpt_rec_posix_timer *posix_timers;	/* timers.nr_posix */
	bool have_timers;
	struct ckpt_rec_clocks clocks;
	bool have_clocks;
	struct ckpt_rec_uts uts;	/* the first process's (CKPT_REC_UTS) */
	struct ckpt_restore_thread *threads;
	u32 nr_threads;
	u32 nr_claimed;		/* Protected by lock */
	wait_queue_head_t claimed_wq;	/* nr_claimed changed */
	struct completion go;	/* the process is restored: threads go */
	struct ckpt_restore_pipedata *pipedata;
	u32 nr_pipedata;
	u32 pipedata_bytes;
	struct ckpt_restore_ghostdata *ghostdata;
	u32 nr_ghostdata;
	u32 ghost_bytes;
	struct ckpt_idfiles *ghosts;	/* deleted files made again */
	struct ckpt_restore_fdstate *fdstates;
	u32 nr_fdstates;
	u32 nr_epitems;
	struct ckpt_restore_inwatch *inwatches;	/* by (fd, wd) */
	u32 nr_inwatches;
	u32 inwatch_bytes;
	struct ckpt_restore_inevents *inevents;	/* by fd */
	u32 nr_inevents;
	u32 inevent_bytes;
	struct ckpt_restore_shmem *shmems;
	u32 nr_shmems;
	struct ckpt_restore_shmdata *shmdata;
	u32 nr_shmdata;
	u32 shm_bytes;
	struct ckpt_shanon *shanon;	/* shared anonymous memory mapped */
	u32 nr_shanon;
	struct ckpt_restore_seccomp *seccomp;	/* in image order */
	u32 nr_seccomp;
	u64 seccomp_bytes;
	struct ckpt_restore_sched *sched;	/* main thread's, then THREADs' */
	u32 nr_sched;
	bool any_cpu;		/* CKPT_RESTORE_ANY_CPU: no affinities */
	bool sched_deferred;	/* sched[0]'s policy: at the end */
	struct ckpt_restore_mempol *mempols;	/* threads', then mappings' */
	u32 nr_mempols;
	bool any_node;		/* CKPT_RESTORE_ANY_NODE: no mempolicies */
	/* CKPT_RESTORE_HOLD: the tree's members borrow the first's */
	struct ckpt_rhold *hold;
	struct ckpt_rec_flock *flocks;
	u32 nr_flocks;
	struct ckpt_rec_fown *fowns;	/* FOWN records */
	u32 nr_fowns;
	struct ckpt_restore_sock *socks;
	u32 nr_socks;
	struct ckpt_restore_sockdata *sockdata;
	u32 nr_sockdata;
	u32 sock_bytes;
	struct ckpt_idfiles *socks_made;	/* tree: kept for later processes */
	struct ckpt_restore_pty *ptys;	/* PTY records */
	u32 nr_ptys;
	struct ckpt_idfiles *ptys_made;	/* masters made, by index */
	struct ckpt_rec_sysvshm *sysvshm;	/* SysV segments */
	u32 nr_sysvshm;
	u64 sysv_bytes;
	struct ckpt_rec_tcpstate *tcpstates;
	u32 nr_tcpstates;
	struct ckpt_rec_sockopt *sockopts;
	u32 nr_sockopts;
	struct ckpt_restore_mcast *mcasts;
	u32 nr_mcasts;
	struct ckpt_restore_netlink *netlinks;
	u32 nr_netlinks;
	bool net_admin;		/* the restorer may repair TCP connections */
	struct ckpt_rec_attrs attrs;
	bool have_attrs;
	bool oom_min_ok;	/* the restorer had CAP_SYS_RESOURCE */
	struct ckpt_rec_cgroup cgroup_rec;
	char *cgroup;		/* its path, or NULL */
	bool mlock_override;	/* the caller's CAP_IPC_LOCK is needed */
	u64 mlock_bytes;	/* locked memory of the image */
	struct ckpt_rec_tty *ttys;	/* attrs.nr_ttys */
	struct ckpt_rec_skipped *skipped;
	u32 nr_skipped;
	struct ckpt_rec_shares shares;	/* shares.c; zero: none */
	u64 seen;		/* bit per record type */
	u32 last_type;		/* records come in type order */
	u64 rec_off[CKPT_REC_MAX + 1];	/* offset of each singleton */
};

/* A record that failed a check at prepare time: name it. */
static inline int ckpt_bad_rec(struct ckpt_restore *r, u32 type, u64 offset,
			       int err)
{
	if (err && !r->err.type) {
		r->err.type = type;
		r->err.offset = offset;
	}
	return ckpt_fail(&r->err, CKPT_OBJ_IMAGE, err);
}

static inline int ckpt_bad(struct ckpt_restore *r, u32 type, int err)
{
	return ckpt_bad_rec(r, type, r->rec_off[type], err);
}

enum {
	CKPT_RST_PREPARED,
	CKPT_RST_RUNNING,
	CKPT_RST_DONE,
};

/* Per open file of /dev/ckpt. */
struct ckpt_file {
	struct mutex lock;
	struct ckpt_restore *rst;
};

long ckpt_ioctl_restore_prepare(struct ckpt_file *cf, void __user *uarg);
long ckpt_ioctl_restore_task(struct file *file, void __user *uarg);
long ckpt_ioctl_restore_wait(struct ckpt_file *cf, void __user *uarg);
long ckpt_ioctl_restore_thread(struct file *file, void __user *uarg);
void ckpt_restore_free(struct ckpt_restore *rst);
int ckpt_copy_empty_args(void __user *uarg);

/* mem.c: path of a file as the checkpointer sees it, in buf (PAGE_SIZE) */
const char *ckpt_file_path(struct file *f, char *buf);

/* pipes.c */
struct ckpt_rec_file;
struct ckpt_pipes;
void ckpt_pipes_init(struct ckpt_dump *d);
void ckpt_pipes_destroy(struct ckpt_dump *d);
int ckpt_scan_pipes(struct ckpt_dump *d);
struct file *ckpt_pipes_find(struct ckpt_pipes *t,
			     const struct ckpt_rec_file *rec);
int ckpt_note_pipe(struct ckpt_dump *d, struct file *f, int fd,
		   struct ckpt_rec_file *r);
int ckpt_dump_pipes(struct ckpt_dump *d);
int ckpt_take_pipedata(struct ckpt_restore *r, const void *p, u32 len);
void ckpt_free_pipedata(struct ckpt_restore *r);
int ckpt_check_pipes(struct ckpt_restore *r);

/* pty.c: pseudo-terminal pairs (CKPT_FILE_PTY, CKPT_REC_PTY) */
struct tty_struct *ckpt_pty_master(struct file *f);
void ckpt_ptys_init(struct ckpt_dump *d);
void ckpt_ptys_destroy(struct ckpt_dump *d);
bool ckpt_pty_slave_here(struct ckpt_dump *d, struct file *f);
int ckpt_scan_ptys(struct ckpt_dump *d);
int ckpt_dump_ptys(struct ckpt_dump *d);
u64 ckpt_pty_index(struct file *f);
int ckpt_take_pty(struct ckpt_restore *r, const void *p, u32 len);
void ckpt_free_ptys(struct ckpt_restore *r);
void ckpt_ptys_release(struct ckpt_restore *r);
int ckpt_check_ptys(struct ckpt_restore *r);
struct file *ckpt_pty_file(struct ckpt_restore *r,
			   const struct ckpt_restore_file *rf);
struct file *ckpt_tree_pty(const struct ckpt_restore *r, u64 index);
bool ckpt_devtty(struct file *f);
bool ckpt_devtty_skip(struct ckpt_dump *d, struct file *f);
/* pidfd.c */
bool ckpt_is_pidfd(struct file *f);
int ckpt_note_pidfd(struct ckpt_dump *d, struct file *f,
		    struct ckpt_rec_file *r);
bool ckpt_pidfd_skip(struct ckpt_dump *d, struct file *f);
bool ckpt_pidfd_rec_ok(const struct ckpt_restore *r,
		       const struct ckpt_rec_file *f);
struct file *ckpt_pidfd_file(const struct ckpt_rec_file *rec);
int ckpt_note_devtty(struct ckpt_dump *d, struct file *f, int fd, bool first,
		     struct ckpt_rec_file *r);
int ckpt_devtty_leader_ok(struct ckpt_dump *d);
struct file *ckpt_devtty_file(struct ckpt_restore *r,
			      const struct ckpt_restore_file *rf);
struct ckpt_pipes *ckpt_pipes_new(u32 max);
void ckpt_pipes_free(struct ckpt_pipes *t);
struct file *ckpt_pipe_end(const struct ckpt_restore *r,
			   struct ckpt_pipes *t,
			   const struct ckpt_rec_file *rec);

/* mem.c: shared anonymous memory, one object per ino in a tree */
struct ckpt_shanon {
	u64 ino;
	struct file *file;	/* its shmem file */
};
void ckpt_shanon_free(struct ckpt_restore *r);
int ckpt_scan_shanon(struct ckpt_dump *d);
struct file *ckpt_tree_shanon(const struct ckpt_restore *r, u64 ino);
struct file *ckpt_tree_ghost(const struct ckpt_restore *r, u64 ino);

/* ghosts.c */
struct path;
const char *ckpt_ghost_path(struct file *f, char *buf);
const char *ckpt_deleted_path(const struct path *path, char *buf);
int ckpt_ghost_dir_ok(const char *path);
int ckpt_unlink_as_task(const struct path *dir, struct dentry *dentry,
			bool ours);
char *ckpt_ghost_alt_name(const char *path);
int ckpt_note_file_once(struct xarray *files, struct file *f, u64 *bytes,
			u64 max);
void ckpt_files_once_destroy(struct xarray *files);
bool ckpt_is_ghost(struct file *f);
int ckpt_note_ghost(struct ckpt_dump *d, struct file *f);
void ckpt_ghosts_done(struct ckpt_dump *d);
void ckpt_ghosts_destroy(struct ckpt_dump *d);
int ckpt_dump_ghosts(struct ckpt_dump *d);
int ckpt_take_ghostdata(struct ckpt_restore *r, const void *p, u32 len);
void ckpt_free_ghostdata(struct ckpt_restore *r);
int ckpt_check_ghosts(struct ckpt_restore *r);
struct file *ckpt_ghost_file(struct ckpt_restore *r,
			     const struct ckpt_restore_file *rf);
struct file *ckpt_ghost_map_file(struct ckpt_restore *r,
				 const struct ckpt_restore_vma *v, int flags);

/* fdkinds.c: eventfd, timerfd, signalfd, epoll, inotify */
struct ckpt_fdkinds;
struct ckpt_inwatch_buf;

/* One FDSTATE record, kept until it is written after the GHOSTDATA. */
struct ckpt_fdstate_buf {
	u32 len;
	struct ckpt_inwatch_buf *watches;	/* inotify: INWATCH records */
	u32 nr_watches;
	struct ckpt_rec_inevents *events;	/* inotify: INEVENTS, or NULL */
	struct ckpt_rec_fdstate rec;
	struct ckpt_rec_epitem items[];
};

bool ckpt_is_fdkind(u32 kind);
const char *ckpt_fdinfo_field(const char *text, const char *key);
long ckpt_user_arg(struct ckpt_fdkinds *k, const void *p, size_t len);
const struct ckpt_restore_fdstate *
ckpt_find_fdstate(const struct ckpt_restore *r, s32 fd);
int ckpt_fdkind_of(struct file *f);
int ckpt_note_fdkind(struct ckpt_dump *d, struct file *f, unsigned int fd,
		     u32 kind);
int ckpt_dump_fdstates(struct ckpt_dump *d);
void ckpt_fdstates_destroy(struct ckpt_dump *d);
int ckpt_take_fdstate(struct ckpt_restore *r, const void *p, u32 len);
void ckpt_free_fdstates(struct ckpt_restore *r);
int ckpt_check_fdstates(struct ckpt_restore *r);
struct ckpt_fdkinds *ckpt_fdkinds_new(void);
void ckpt_fdkinds_free(struct ckpt_fdkinds *k);
struct file *ckpt_fdkind_file(const struct ckpt_restore *r,
			      struct ckpt_fdkinds *k,
			      const struct ckpt_restore_file *rf);
int ckpt_restore_epolls(struct ckpt_restore *r, struct ckpt_fdkinds *k);

/* inotify.c: inotify watches */
int ckpt_note_inotify(struct ckpt_dump *d, struct file *f, const char *info,
		      struct ckpt_fdstate_buf *b);
void ckpt_inwatches_free(struct ckpt_fdstate_buf *b);
int ckpt_dump_inotify(struct ckpt_dump *d);
int ckpt_take_inwatch(struct ckpt_restore *r, const void *p, u32 len);
int ckpt_take_inevents(struct ckpt_restore *r, const void *p, u32 len);
void ckpt_free_inwatches(struct ckpt_restore *r);
int ckpt_check_inwatches(struct ckpt_restore *r);
int ckpt_restore_inwatches(struct ckpt_restore *r, struct ckpt_fdkinds *k);

/* memfd.c: memfds and shared anonymous memory */
u32 ckpt_shmem_kind(struct file *f);
int ckpt_note_shmem(struct ckpt_dump *d, struct file *f);
void ckpt_shmems_destroy(struct ckpt_dump *d);
int ckpt_dump_shmems(struct ckpt_dump *d);
int ckpt_take_shmem(struct ckpt_restore *r, const void *p, u32 len);
int ckpt_take_shmdata(struct ckpt_restore *r, const void *p, u32 len);
void ckpt_free_shmems(struct ckpt_restore *r);
int ckpt_check_shmems(struct ckpt_restore *r);
int ckpt_restore_shmems(struct ckpt_restore *r);
int ckpt_map_shmem(struct ckpt_restore *r, const struct ckpt_restore_vma *v);
int ckpt_seal_shmems(struct ckpt_restore *r);
struct file *ckpt_memfd_file(const struct ckpt_restore *r,
			     const struct ckpt_restore_file *rf);
/* sockets.c */
void ckpt_socks_init(struct ckpt_dump *d);
void ckpt_socks_destroy(struct ckpt_dump *d);
int ckpt_scan_socks(struct ckpt_dump *d);
int ckpt_note_sock(struct ckpt_dump *d, struct file *f,
		   struct ckpt_rec_file *r);
int ckpt_dump_socks(struct ckpt_dump *d);
int ckpt_take_socket(struct ckpt_restore *r, const void *p, u32 len);
int ckpt_take_sockdata(struct ckpt_restore *r, const void *p, u32 len);
int ckpt_take_tcpstate(struct ckpt_restore *r, const void *p, u32 len);
void ckpt_socks_detach(struct ckpt_dump *d);

/* tcplock.c */
struct ckpt_tcplock;
struct sock;
struct ckpt_tcplock *ckpt_tcplock_take(struct sock *sk);
void ckpt_tcplock_sync(void);
void ckpt_tcplock_drop(struct ckpt_tcplock *l);
void ckpt_tcplock_keep(struct ckpt_tcplock *l);
void ckpt_tcplock_release(struct sock *sk);
void ckpt_tcplock_exit(void);
unsigned int ckpt_tcplock_count(void);
void ckpt_free_socks(struct ckpt_restore *r);
void ckpt_socks_release(struct ckpt_restore *r);
int ckpt_check_socks(struct ckpt_restore *r);
int ckpt_dump_sockopts(struct ckpt_dump *d);

/* sockopts.c: socket options beyond CKPT_SOCKF_* */
bool ckpt_sockopt_read(struct sock *sk, struct ckpt_rec_sockopt *o);
void ckpt_free_sockopts(struct ckpt_restore *r);
int ckpt_check_sockopts(struct ckpt_restore *r);
int ckpt_sockopts_apply(struct socket *sock, const struct ckpt_rec_sockopt *o);
int ckpt_sockopts_pre_bind(struct socket *sock,
			   const struct ckpt_rec_sockopt *o);
s32 ckpt_sock_fd(const struct ckpt_restore *r, u64 id);
int ckpt_setsockopt(struct socket *sock, int level, int opt,
		    const void *val, unsigned int len);
int ckpt_setsockopt_int(struct socket *sock, int level, int opt, int val);
/* nlsock.c: netlink sockets */
int ckpt_nl_check(struct task_struct *t, struct socket *sock, u16 *state);
int ckpt_nl_record(struct socket *sock, struct ckpt_rec_netlink *n);
int ckpt_dump_netlinks(struct ckpt_dump *d);
int ckpt_take_netlink(struct ckpt_restore *r, const void *p, u32 len);
int ckpt_check_netlinks(struct ckpt_restore *r);
int ckpt_nl_apply(struct socket *sock, const struct ckpt_rec_netlink *n);
/* mcast.c: a UDP socket's multicast groups and options */
int ckpt_mcast_check(struct sock *sk);
bool ckpt_mcast_read(struct sock *sk, struct ckpt_rec_mcast *m,
		     struct ckpt_rec_mcast_group *g);
int ckpt_dump_mcasts(struct ckpt_dump *d);
int ckpt_take_mcast(struct ckpt_restore *r, const void *p, u32 len);
int ckpt_check_mcasts(struct ckpt_restore *r);
int ckpt_mcast_apply(struct socket *sock, const struct ckpt_restore_mcast *m);
const struct ckpt_restore_sock *ckpt_find_sock(const struct ckpt_restore *r,
					       u64 id);
struct file *ckpt_sock_file(const struct ckpt_restore *r,
			    struct ckpt_idfiles *t,
			    const struct ckpt_rec_file *rec);

/* sysvipc.c: SysV shared memory */
bool ckpt_is_sysvshm(struct file *f);
int ckpt_sysvshm_vma(struct ckpt_dump *d, struct vm_area_struct *vma,
		     struct ckpt_rec_vma *v);
int ckpt_dump_sysvshm(struct ckpt_dump *d);
void ckpt_sysvshm_destroy(struct ckpt_dump *d);
int ckpt_take_sysvshm(struct ckpt_restore *r, const void *p, u32 len);
int ckpt_take_sysvdata(struct ckpt_restore *r, const void *p, u32 len);
int ckpt_sysv_ipc_rec_ok(u32 type, const void *p, u32 len);
int ckpt_sysv_ipc_check(const void *buf, u32 len);
int ckpt_check_sysvshm(struct ckpt_restore *r);
int ckpt_sysvshm_present(struct ckpt_restore *r);
int ckpt_map_sysvshm(struct ckpt_restore *r,
		     const struct ckpt_restore_vma *v);
const struct ckpt_rec_sysvshm *ckpt_tree_sysvshm(const struct ckpt_restore *r,
						 s32 id);

/* tree.c: the restore of an image of a process tree */
int ckpt_tree_prepare(struct ckpt_restore *r);
int ckpt_tree_check_member(struct ckpt_restore *r);
void ckpt_tree_free(struct ckpt_tree *tree);
bool ckpt_tree_failed(const struct ckpt_tree *t);
long ckpt_tree_restore_task(struct file *file, struct ckpt_restore *r0);
long ckpt_tree_restore_thread(struct file *file, struct ckpt_restore *r0);
long ckpt_restore_thread_claimed(struct ckpt_restore *r);
long ckpt_tree_wait(struct ckpt_restore *r0,
		    struct ckpt_restore_wait_args *a);
int ckpt_tree_check_file(const struct ckpt_restore *r,
			 const struct ckpt_rec_file *f);
struct file *ckpt_tree_file(const struct ckpt_restore *r,
			    const struct ckpt_rec_file *rec);
struct file *ckpt_tree_pipe_end(const struct ckpt_restore *r,
				const struct ckpt_rec_file *rec);
bool ckpt_tree_has_sock(const struct ckpt_restore *r, u64 id);
struct file *ckpt_tree_sock(const struct ckpt_restore *r, u64 id);
void ckpt_tree_keep_files(struct ckpt_restore *r, struct file **opened,
			  u32 n, struct ckpt_pipes *pipes);
int ckpt_prepare_meta(struct ckpt_restore *r);
int ckpt_check_restorer(struct ckpt_restore *r);
int ckpt_become(struct ckpt_restore *r);
int ckpt_file_index(const struct ckpt_restore *r, u32 n, s32 fd);
void ckpt_restore_init(struct ckpt_restore *r, struct file *image);

/* main.c */
int ckpt_copy_args(void *dst, size_t ksize, size_t min_size,
		   void __user *src, u32 *usize);

/* Dump halves, in image order. */
int ckpt_dump_task(struct ckpt_dump *d);
int ckpt_dump_fs(struct ckpt_dump *d);
int ckpt_dump_sigactions(struct ckpt_dump *d);
int ckpt_dump_mm(struct ckpt_dump *d);
int ckpt_vma_kind(struct vm_area_struct *vma);
int ckpt_dump_files(struct ckpt_dump *d);
int ckpt_dump_cpu(struct ckpt_dump *d);
int ckpt_dump_rlimits(struct ckpt_dump *d);
int ckpt_dump_sigpending(struct ckpt_dump *d);
int ckpt_dump_timers(struct ckpt_dump *d);
int ckpt_dump_clocks(struct ckpt_dump *d);
int ckpt_dump_threads(struct ckpt_dump *d);
void ckpt_arm_timers(const struct ckpt_rec_timers *t);
int ckpt_dump_pages(struct ckpt_dump *d);
u64 ckpt_cpu_xfeatures(void);
u32 ckpt_cpu_xstate_size(void);

/* Validation of metadata, at prepare time (no side effects). */
int ckpt_check_task(struct ckpt_restore *r);
int ckpt_check_mm(struct ckpt_restore *r);
int ckpt_check_files(struct ckpt_restore *r);
int ckpt_check_cpu(struct ckpt_restore *r);
int ckpt_check_creds(const struct ckpt_rec_task *t, const u32 *groups);

/* Restore halves, run by the restoring task on itself. */
int ckpt_restore_creds(struct ckpt_restore *r);
int ckpt_restore_mm(struct ckpt_restore *r);
void ckpt_restore_thp_disable(const struct ckpt_restore *r);
int ckpt_restore_exe(struct ckpt_restore *r);
int ckpt_restore_pages(struct ckpt_restore *r);
int ckpt_protect_hugetlb(struct ckpt_restore *r);
int ckpt_lock_mm(struct mm_struct *mm);
int ckpt_pin_pages(struct mm_struct *mm, u64 addr, unsigned int nr,
		   struct page **pages, unsigned int *got);
pud_t *ckpt_find_pud(struct mm_struct *mm, unsigned long addr,
		     unsigned long end, unsigned long *next);

/* fresh.c: room to fill one PAGES record, and the fill */
struct ckpt_pagebuf {
	struct page *pages[CKPT_PAGES_MAX];	/* pinned */
	struct page *fresh[CKPT_PAGES_MAX];	/* allocated, not yet mapped */
	unsigned long src[CKPT_PAGES_MAX];	/* struct migrate_vma's */
	unsigned long dst[CKPT_PAGES_MAX];
	struct bio_vec bv[CKPT_PAGES_MAX];
	u64 nr_fresh;				/* pages mapped fresh */
};

/* Read a PAGES record's data into @pages and verify it. */
typedef int (*ckpt_read_pages_t)(void *arg, struct page **pages,
				 struct bio_vec *bv);
struct ckpt_pagebuf *ckpt_pagebuf_new(void);
void ckpt_pagebuf_free(struct ckpt_pagebuf *b);
int ckpt_fill_record(struct mm_struct *mm, const struct ckpt_rec_pages *rp,
		     struct ckpt_pagebuf *b, ckpt_read_pages_t read, void *arg);
int ckpt_restore_fs(struct ckpt_restore *r);
int ckpt_restore_root(struct ckpt_restore *r);
bool ckpt_path_plain(const char *p);
int ckpt_restore_files(struct ckpt_restore *r);
struct ckpt_idfiles *ckpt_idfiles_new(u32 max);
void ckpt_idfiles_free(struct ckpt_idfiles *t);
struct file *ckpt_idfiles_find(const struct ckpt_idfiles *t, u64 id);
int ckpt_idfiles_add(struct ckpt_idfiles *t, u64 id, struct file *f);
int ckpt_restore_signals(struct ckpt_restore *r);
int ckpt_restore_misc(struct ckpt_restore *r);
int ckpt_restore_cpu(struct ckpt_restore *r);
int ckpt_arm_cpu_posix_timers(struct ckpt_restore *r);

/* The CPU state of one thread to restore (cpu.c). */
struct ckpt_thread_cpu {
	const struct ckpt_rec_regs *regs;
	const struct ckpt_rec_restart *restart;	/* or NULL */
	const void *xstate;
	u32 xstate_len;
	u64 blocked;
	const struct ckpt_rec_sigpending *sigpending;
	u32 nr_sigpending;
	const struct ckpt_rec_timers *timers;	/* or NULL */
};

bool ckpt_finish_queued(const struct callback_head *work);
int ckpt_restore_thread_cpu(struct ckpt_restore *r,
			    const struct ckpt_thread_cpu *c);
int ckpt_check_thread_cpu(struct ckpt_restore *r, u32 type, u64 offset,
			  const struct ckpt_rec_regs *regs,
			  const struct ckpt_rec_restart *restart,
			  const void *xstate, u32 len);
int ckpt_read_regs(struct task_struct *t, struct ckpt_rec_regs *r,
		   struct ckpt_rec_restart *rr, bool *restart,
		   struct ckpt_err *e);
int ckpt_read_xstate(struct task_struct *t, void *buf, u32 size,
		     struct ckpt_err *e);
int ckpt_restore_thread_self(struct ckpt_restore *r,
			     const struct ckpt_restore_thread *t);
int ckpt_check_threads(struct ckpt_restore *r);
bool ckpt_may_read_seccomp(void);
int ckpt_dump_seccomp(struct ckpt_dump *d);
int ckpt_take_seccomp(struct ckpt_restore *r, const void *p, u32 len);
void ckpt_free_seccomp(struct ckpt_restore *r);
int ckpt_check_seccomp(struct ckpt_restore *r);
int ckpt_restore_seccomp_tid(struct ckpt_restore *r, pid_t tid);
int ckpt_restore_seccomp(struct ckpt_restore *r);
/* sched.c */
int ckpt_dump_sched(struct ckpt_dump *d);
int ckpt_take_sched(struct ckpt_restore *r, const void *p, u32 len);
void ckpt_free_sched(struct ckpt_restore *r);
int ckpt_check_sched(struct ckpt_restore *r);
int ckpt_restore_sched(struct ckpt_restore *r);
int ckpt_restore_sched_self(struct ckpt_restore *r);

/* mempol.c: NUMA memory policies (CKPT_REC_MEMPOLICY) */
#ifdef CONFIG_NUMA
int ckpt_dump_mempolicy(struct ckpt_dump *d);
int ckpt_take_mempolicy(struct ckpt_restore *r, const void *p, u32 len);
void ckpt_free_mempolicy(struct ckpt_restore *r);
int ckpt_check_mempolicy(struct ckpt_restore *r);
int ckpt_mempolicy_thread(struct ckpt_restore *r);
int ckpt_restore_mempolicy_self(struct ckpt_restore *r);
int ckpt_restore_mempolicy_vmas(struct ckpt_restore *r);
#else
/* No policies to save; an image with some cannot be restored here. */
static inline int ckpt_dump_mempolicy(struct ckpt_dump *d) { return 0; }
static inline int ckpt_take_mempolicy(struct ckpt_restore *r, const void *p,
				      u32 len)
{
	return -EOPNOTSUPP;
}
static inline void ckpt_free_mempolicy(struct ckpt_restore *r) { }
static inline int ckpt_check_mempolicy(struct ckpt_restore *r) { return 0; }
static inline int ckpt_mempolicy_thread(struct ckpt_restore *r) { return 0; }
static inline int ckpt_restore_mempolicy_self(struct ckpt_restore *r)
{
	return 0;
}
static inline int ckpt_restore_mempolicy_vmas(struct ckpt_restore *r)
{
	return 0;
}
#endif
int ckpt_dump_cgroup(struct ckpt_dump *d);	/* attrs.c */
/* flocks.c */
int ckpt_dump_flocks(struct ckpt_dump *d);
int ckpt_take_flock(struct ckpt_restore *r, const void *p, u32 len);
void ckpt_free_flocks(struct ckpt_restore *r);
int ckpt_check_flocks(struct ckpt_restore *r);
int ckpt_restore_flocks(struct ckpt_restore *r);
/* fown.c */
int ckpt_note_fown(struct ckpt_dump *d, struct file *f, int fd);
int ckpt_dump_fowns(struct ckpt_dump *d);
int ckpt_take_fown(struct ckpt_restore *r, const void *p, u32 len);
void ckpt_free_fowns(struct ckpt_restore *r);
int ckpt_check_fowns(struct ckpt_restore *r);
int ckpt_restore_fowns(struct ckpt_restore *r);
/* threads.c */
int ckpt_take_thread(struct ckpt_restore *r, const void *p, u32 len);
void ckpt_free_threads(struct ckpt_restore *r);
int ckpt_check_sigpending(const struct ckpt_rec_sigpending *sp, u32 n);
int ckpt_add_pending(struct ckpt_rec_sigpending *sp, u32 *n, u32 max,
		     struct sigpending *pend, u32 flags);
int ckpt_with_sighand(struct task_struct *t,
		      int (*fn)(struct task_struct *t,
				struct sighand_struct *sh, void *arg),
		      void *arg);
int ckpt_read_sigpending(struct task_struct *t, struct ckpt_rec_sigpending *sp,
			 u32 max, bool shared, u32 *n);
void ckpt_restore_thread_scalars(const struct ckpt_rec_thread *rec);
bool ckpt_user_ptr_ok(u64 p);
u64 ckpt_blocked(struct task_struct *t);
void *ckpt_dup(const void *p, size_t len);
int ckpt_grow(void **array, u32 nr, size_t elem, u32 max);
int ckpt_take_with_path(const void *p, u32 len, void *rec, size_t rec_size,
			const u32 *path_len, char **path);
unsigned long ckpt_scratch_page(void);
void *ckpt_take_into(void **array, u32 *nr, size_t elem, u32 max,
		     const void *p, u32 len, size_t size);
int ckpt_take_elem(void **array, u32 *nr, size_t elem, u32 max,
		   const void *p, u32 len);
int ckpt_vdso_matches(struct ckpt_restore *r);
void ckpt_queue_sigpending(const struct ckpt_rec_sigpending *sp, u32 n);
const struct ckpt_restore_vma *ckpt_find_vma(const struct ckpt_restore *r,
					     u32 kind);

/* attrs.c: mlock, securebits, prctl state, terminals, --skip */
struct vm_area_struct;
struct cred;
bool ckpt_is_tty_rdev(dev_t rdev);
int ckpt_note_tty(struct ckpt_dump *d, struct file *f, unsigned int fd,
		  bool ctty_only);
void ckpt_tty_save(struct tty_struct *tty, struct ckpt_rec_tty *t);
void ckpt_tty_restore(struct tty_struct *tty, const struct ckpt_rec_tty *t);
int ckpt_skip_fd(struct ckpt_dump *d, struct file *f, unsigned int fd);
bool ckpt_skip_vma(struct ckpt_dump *d, struct vm_area_struct *vma);
void ckpt_attrs_reset(struct ckpt_dump *d);
int ckpt_dump_attrs(struct ckpt_dump *d);
int ckpt_take_attrs(struct ckpt_restore *r, const void *p, u32 len);
int ckpt_take_skipped(struct ckpt_restore *r, const void *p, u32 len);
void ckpt_free_attrs(struct ckpt_restore *r);
int ckpt_check_attrs(struct ckpt_restore *r);
void ckpt_restore_securebits(const struct ckpt_restore *r, struct cred *new);
int ckpt_dump_uts(struct ckpt_dump *d);
int ckpt_restore_attrs(struct ckpt_restore *r);
int ckpt_restore_terminal(struct ckpt_restore *r);

/* shares.c: file tables and fs contexts shared in a tree */
int ckpt_check_shares(struct ckpt_dump *d, unsigned int *at);
int ckpt_check_vfork(struct ckpt_dump *d, unsigned int *at);
pid_t ckpt_vfork_waits(struct task_struct *t);
int ckpt_dump_shares(struct ckpt_dump *d);
int ckpt_take_shares(struct ckpt_restore *r, const void *p, u32 len);
int ckpt_check_shares_rec(struct ckpt_restore *r);
void ckpt_adopt_files(struct files_struct *files);
void ckpt_get_fs(struct fs_struct *fs);
void ckpt_put_fs(struct fs_struct *fs);
void ckpt_adopt_fs(struct fs_struct *fs);
int ckpt_adopt_leader_shares(struct ckpt_restore *r);
const struct ckpt_restore *ckpt_tree_rst(const struct ckpt_restore *r, u32 j);
bool ckpt_tree_has_pid(const struct ckpt_restore *r, pid_t pid);
const struct ckpt_restore *ckpt_tree_member_rst(const struct ckpt_restore *r,
						pid_t pid);
struct files_struct *ckpt_tree_files_of(const struct ckpt_restore *r,
					pid_t pid);
struct fs_struct *ckpt_tree_fs_of(const struct ckpt_restore *r, pid_t pid);
struct mm_struct *ckpt_tree_mm_of(const struct ckpt_restore *r, pid_t pid);
struct sighand_struct *ckpt_tree_sighand_of(const struct ckpt_restore *r,
					    pid_t pid);
int ckpt_adopt_vm(struct ckpt_restore *r);
int ckpt_adopt_sighand(struct ckpt_restore *r);

#endif /* _CKPT_H */
