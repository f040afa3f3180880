/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ckpt: transparent checkpoint/restart of Linux processes.
 *
 * The one header shared by the kernel module (module/) and the tools
 * (tools/): the /dev/ckpt ioctl ABI and the image format.
 *
 * ABI rules (see Documentation/ioctl.rst):
 *  - every argument struct starts with __u32 size and __u32 flags; the
 *    kernel copies it with copy_struct_from_user(), so older and newer
 *    callers keep working; unknown flags and non-zero reserved fields
 *    give -EINVAL;
 *  - only fixed-width types, no enums, no bitfields, no pointers (__u64);
 *  - unknown commands give -ENOTTY.
 */
#ifndef _UAPI_LINUX_CKPT_H
#define _UAPI_LINUX_CKPT_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define CKPT_DEVICE_NAME	"ckpt"
#define CKPT_ABI_VERSION	1

#define CKPT_IOC_MAGIC		0xC7

/* ------------------------------------------------------------------ */
/* CKPT_IOC_VERSION: ABI and feature query.                            */
/* ------------------------------------------------------------------ */

/* Features this module supports (struct ckpt_version.features). */
#define CKPT_FEAT_CHECKPOINT	(1ULL << 0)	/* a process */
#define CKPT_FEAT_RESTORE	(1ULL << 1)	/* a process */
#define CKPT_FEAT_XSTATE	(1ULL << 2)	/* full XSAVE state */
#define CKPT_FEAT_THREADS	(1ULL << 3)	/* multi-threaded processes */
#define CKPT_FEAT_TREES		(1ULL << 4)	/* process trees */
#define CKPT_FEAT_PID_RANGES	(1ULL << 5)	/* reserved PID ranges, netlink */
#define CKPT_FEAT_PRECOPY	(1ULL << 6)	/* CKPT_CHECKPOINT_DIRTY_ONLY */
#define CKPT_FEAT_SOCKETS	(1ULL << 7)	/* UNIX, TCP and UDP sockets
						 * (CKPT_FILE_SOCKET) */
#define CKPT_FEAT_ATTRS		(1ULL << 8)	/* mlock, securebits, prctl
						 * state, terminal settings,
						 * CKPT_SKIP_* */
#define CKPT_FEAT_SYSV_SHM	(1ULL << 9)	/* SysV shared memory, threads
						 * and POSIX timers in trees */
#define CKPT_FEAT_SECCOMP	(1ULL << 11)	/* seccomp filters, strict mode */
#define CKPT_FEAT_SHARES	(1ULL << 12)	/* file tables and fs contexts
						 * shared between processes of
						 * a tree (CKPT_REC_SHARES) */
#define CKPT_FEAT_VMSHARE	(1ULL << 13)	/* address spaces and signal
						 * handlers shared between
						 * processes of a tree */
/*
 * Anonymous pages of zeros are left out of images; struct
 * ckpt_checkpoint_args reports nr_pages and nr_zero_pages.
 */
#define CKPT_FEAT_ZERO_PAGES	(1ULL << 14)
/*
 * Each thread's scheduling policy, priority, nice value, I/O priority and
 * CPU affinity are saved (CKPT_REC_SCHED) and set again at restore, with
 * the kernel's own permission checks (CKPT_OBJ_SCHED when refused).
 */
#define CKPT_FEAT_SCHED		(1ULL << 15)
/*
 * File locks the process holds, flock(2), POSIX (F_SETLK) and open file
 * description (F_OFD_SETLK), are saved (CKPT_REC_FLOCK) and taken again.
 */
#define CKPT_FEAT_FLOCKS	(1ULL << 16)
/*
 * The process's cgroup (v2) is saved (CKPT_REC_CGROUP) and reported by
 * CKPT_IOC_RESTORE_PREPARE (@cgroup); the restore does not move it.
 */
#define CKPT_FEAT_CGROUP	(1ULL << 17)
/*
 * Mappings of deleted files (a library or executable replaced by an
 * upgrade, a mapped temporary) are saved: their contents go into the image
 * as for deleted open files (CKPT_VMAF_GHOST), and /proc/PID/exe is kept
 * when the executable was deleted (CKPT_VMAF_EXE).
 */
#define CKPT_FEAT_GHOST_MAPS	(1ULL << 18)
/*
 * Socket options beyond CKPT_SOCKF_* are saved (CKPT_REC_SOCKOPT): the
 * timeouts, SO_LINGER, SO_PRIORITY, SO_MARK, SO_RCVLOWAT, IP_TOS or
 * IPV6_TCLASS, TCP keepalive timing, TCP_USER_TIMEOUT, TCP_NOTSENT_LOWAT,
 * TCP_CONGESTION, TCP_DEFER_ACCEPT, TCP_FASTOPEN and (CKPT_SOCKOPT_CORK,
 * within this feature) TCP_CORK.
 */
#define CKPT_FEAT_SOCKOPTS	(1ULL << 19)
/*
 * inotify instances are saved (CKPT_FILE_INOTIFY): each watch with its
 * descriptor, mask and the path of the watched inode (CKPT_REC_INWATCH),
 * added again at restore under the same watch descriptors, and the events
 * not yet read (CKPT_REC_INEVENTS), queued again.
 */
#define CKPT_FEAT_INOTIFY	(1ULL << 20)
/*
 * A UDP socket's multicast groups (IP_ADD_MEMBERSHIP, IPV6_ADD_MEMBERSHIP,
 * without source filters) and IP_MULTICAST_TTL/LOOP/IF or their IPv6
 * equivalents are saved (CKPT_REC_MCAST) and set again.
 */
#define CKPT_FEAT_MCAST		(1ULL << 21)
/*
 * Each process's CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW and CLOCK_BOOTTIME
 * are saved apart (CKPT_REC_CLOCKS) and RESTORE_PREPARE reports them
 * (@monotonic_raw_ns): a restore on the same boot needs no time namespace.
 */
#define CKPT_FEAT_CLOCKS	(1ULL << 22)
/*
 * Each thread's NUMA memory policy (set_mempolicy(2)) and each mapping's
 * (mbind(2), set_mempolicy_home_node(2)) are saved (CKPT_REC_MEMPOLICY)
 * and set again; CKPT_RESTORE_ANY_NODE leaves them out.
 */
#define CKPT_FEAT_MEMPOLICY	(1ULL << 23)
/*
 * Private anonymous memory of 2 MiB huge pages (MAP_HUGETLB) is saved
 * (CKPT_VMA_HUGETLB) and mapped again from the hugetlb pool.
 */
#define CKPT_FEAT_HUGETLB	(1ULL << 24)
/*
 * A restore can hold what it restored before its first instruction
 * (CKPT_RESTORE_HOLD) until CKPT_IOC_RESTORE_RELEASE, killing it if the
 * restore's descriptor closes first.
 */
#define CKPT_FEAT_RESTORE_HOLD	(1ULL << 25)
/*
 * Pseudo-terminal pairs whose master the processes hold are saved
 * (CKPT_FILE_PTY, CKPT_REC_PTY): made again with the same /dev/pts index
 * when it is free, settings, lock, packet mode, the slave's owner and
 * mode, and what the slave wrote that the master had not read.
 */
#define CKPT_FEAT_PTY		(1ULL << 26)
/*
 * Open files of /dev/tty are saved (CKPT_FILE_CTTY): opened again as
 * /dev/tty once the restored process has its controlling terminal back.
 */
#define CKPT_FEAT_DEVTTY	(1ULL << 27)
/*
 * A UTS namespace of the processes' own is saved (CKPT_CHECKPOINT_UTS_NS,
 * CKPT_REC_UTS): restart makes a new one with its host and domain names.
 */
#define CKPT_FEAT_UTS_NS	(1ULL << 28)
/*
 * Each open file's owner for SIGIO and SIGURG (F_SETOWN, F_SETOWN_EX),
 * its signal (F_SETSIG) and signal-driven I/O (O_ASYNC) are saved
 * (CKPT_REC_FOWN) and set again.
 */
#define CKPT_FEAT_FOWN		(1ULL << 29)
/*
 * Pidfds are saved (CKPT_FILE_PIDFD): of a process of the checkpoint,
 * opened again on it with its PID; of a process gone, on none.
 */
#define CKPT_FEAT_PIDFD		(1ULL << 30)
/*
 * Netlink sockets are saved (SOCKET records of AF_NETLINK, NETLINK
 * records): their port ID, multicast groups, destination and options.
 */
#define CKPT_FEAT_NETLINK	(1ULL << 31)
/*
 * CKPT_CHECKPOINT_DIRTY_ONLY with CKPT_CHECKPOINT_TREE: incremental images
 * of process trees (EINVAL from a module without it).
 */
#define CKPT_FEAT_TREE_DIRTY	(1ULL << 32)

/**
 * struct ckpt_version - answer of CKPT_IOC_VERSION
 * @size: in: sizeof(struct ckpt_version) as the caller knows it
 * @flags: in: must be 0
 * @abi_version: out: CKPT_ABI_VERSION
 * @image_version: out: CKPT_IMAGE_VERSION the module writes and reads
 * @features: out: CKPT_FEAT_* bits
 * @checkpoint_flags: out: CKPT_CHECKPOINT_* flags this module accepts
 * @restore_flags: out: CKPT_RESTORE_* flags this module accepts
 * @xfeatures: out: XSAVE features (XCR0) of this CPU, as the image records
 *
 * Errors: EINVAL (flags, size below the first version), EFAULT.
 */
struct ckpt_version {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 image_version;
	__u64 features;
	__u64 checkpoint_flags;
	__u64 restore_flags;
	__u64 xfeatures;
};

/* ------------------------------------------------------------------ */
/* CKPT_IOC_CHECKPOINT                                                  */
/* ------------------------------------------------------------------ */

/* What happens to the target after a successful checkpoint. */
#define CKPT_CHECKPOINT_KILL		(1U << 0)  /* SIGKILL it */
#define CKPT_CHECKPOINT_LEAVE_STOPPED	(1U << 1)  /* leave it SIGSTOPped */
/* Neither: leave it running (the default). Both together: EINVAL. */
#define CKPT_CHECKPOINT_TREE		(1U << 2)  /* pids[]: a process tree */
/*
 * The processes have an IPC namespace of their own, which the caller
 * entered (setns) to read it: the image says so (CKPT_IMAGE_IPC_NS), and
 * restart makes a new one.
 */
#define CKPT_CHECKPOINT_IPC_NS		(1U << 3)
/*
 * The processes have a UTS namespace of their own, which the caller
 * entered (setns): the image holds its host and domain names (a UTS
 * record with the first process, CKPT_IMAGE_UTS_NS), and restart makes a
 * new one with them.
 */
#define CKPT_CHECKPOINT_UTS_NS		(1U << 7)
/*
 * Live migration (Documentation/migration.rst): write only the pages the
 * process dirtied since the last "4" written to /proc/PID/clear_refs (the
 * soft-dirty bit of the page table entry, or VM_SOFTDIRTY of the mapping,
 * swapped out pages and shared anonymous memory always count as dirty);
 * for every other page that a full checkpoint would write, a
 * CKPT_REC_PRECOPY_CLEAN record names it instead.  Such an image is not a
 * restorable image by itself: the receiver of a live migration merges the
 * pre-copied pages into it.  With CKPT_CHECKPOINT_TREE, every member's
 * pages so (CKPT_FEAT_TREE_DIRTY).
 */
#define CKPT_CHECKPOINT_DIRTY_ONLY	(1U << 6)
#define CKPT_CHECKPOINT_FLAGS_ALL \
	(CKPT_CHECKPOINT_KILL | CKPT_CHECKPOINT_LEAVE_STOPPED | \
	 CKPT_CHECKPOINT_TREE | CKPT_CHECKPOINT_IPC_NS | \
	 CKPT_CHECKPOINT_DIRTY_ONLY | CKPT_CHECKPOINT_UTS_NS)

/*
 * struct ckpt_checkpoint_args.skip: losses the caller accepts instead of a
 * refusal (ckpt --skip=CLASS).  What is left out is listed in the image's
 * SKIPPED record.
 */
#define CKPT_SKIP_FDS		(1U << 0)  /* descriptors of kinds not
					    * supported: left out, closed
					    * after restart */
#define CKPT_SKIP_DEVMAPS	(1U << 1)  /* mappings of devices (VM_IO,
					    * VM_PFNMAP): left out, the range
					    * unmapped after restart */
#define CKPT_SKIP_ALL		(CKPT_SKIP_FDS | CKPT_SKIP_DEVMAPS)

/* Processes in one tree checkpoint, at most. */
#define CKPT_MAX_TREE		256

/*
 * Objects named by err_object when a checkpoint or restore is refused,
 * so the tool can say which fd, mapping or state is at fault.
 */
#define CKPT_OBJ_NONE		0
#define CKPT_OBJ_TASK		1	/* the task itself (threads, state) */
#define CKPT_OBJ_FD		2	/* err_fd names the descriptor */
#define CKPT_OBJ_VMA		3	/* err_addr is the mapping's start */
#define CKPT_OBJ_XSTATE		4	/* CPU state the other CPU lacks */
#define CKPT_OBJ_IMAGE		5	/* image record at err_offset */
#define CKPT_OBJ_OUTPUT		6	/* writing the output fd failed */
#define CKPT_OBJ_CREDS		7	/* credentials not permitted */
#define CKPT_OBJ_FS		8	/* cwd or root */
#define CKPT_OBJ_SIGNALS	9	/* signal state */
#define CKPT_OBJ_TREE		10	/* the set is not a closed tree, or a
					 * member's links (parent, group,
					 * session) are not the image's:
					 * err_addr is the PID at fault */
#define CKPT_OBJ_SHARED		11	/* a file table, fs context, signal
					 * handler table or address space
					 * shared with another process:
					 * err_addr is that process's PID (0
					 * if unknown), err_fd the CLONE_*
					 * flag that shares it (CLONE_VM,
					 * CLONE_FS, CLONE_FILES or
					 * CLONE_SIGHAND) */
#define CKPT_OBJ_SCHED		12	/* a thread's scheduling policy, nice
					 * value, I/O priority or CPU
					 * affinity could not be set: err_addr
					 * is its TID, err_fd which one
					 * (CKPT_SCHED_ATTR_*) */
#define CKPT_OBJ_MEMPOLICY	13	/* a memory policy could not be set:
					 * a thread's (err_fd 0, err_addr its
					 * TID) or a mapping's (err_fd 1,
					 * err_addr its start) */

/**
 * struct ckpt_checkpoint_args - argument of CKPT_IOC_CHECKPOINT
 * @size: sizeof(struct ckpt_checkpoint_args)
 * @flags: CKPT_CHECKPOINT_*
 * @pid: target process, in the caller's PID namespace
 * @fd: output descriptor, open for writing; written sequentially from
 *      its current position (a file, pipe or socket)
 * @pids: with CKPT_CHECKPOINT_TREE: user pointer to @nr_pids __s32, the
 *	process @pid and all its descendants, parents before children
 *	(@pids[0] == @pid); else 0
 * @nr_pids: their number, 1..CKPT_MAX_TREE (0 without the flag)
 * @reserved: must be 0
 * @bytes_written: out: image size in bytes
 * @err_object: out: CKPT_OBJ_* that caused a failure, or CKPT_OBJ_NONE
 * @err_fd: out: descriptor at fault when err_object is CKPT_OBJ_FD
 * @err_addr: out: address at fault when err_object is CKPT_OBJ_VMA; with
 *	CKPT_OBJ_TREE, the PID that breaks the tree (a child not listed);
 *	with CKPT_OBJ_FD, CKPT_FOWN_ERR() for a file's owner, or the PID
 *	of the process outside the checkpoint a pidfd refers to
 * @err_pid: out: the process at fault (the member of a tree), or 0
 * @reserved2: 0
 * @ipc_recs: user pointer to @ipc_len bytes of SysV semaphore and message
 *	queue records (CKPT_REC_SYSVSEM, then CKPT_REC_SYSVMSG; each a
 *	struct ckpt_rec_header with csum 0, then its payload) that the
 *	caller read from the processes' IPC namespace while they were
 *	stopped; the module checks their form and writes them, checksummed,
 *	with the first process's records; 0 for none
 * @ipc_len: their size, at most CKPT_SYSV_IPC_MAX (0 without @ipc_recs)
 * @reserved3: 0
 * @skip: CKPT_SKIP_* (appended; a shorter struct means 0)
 * @nr_skipped: out: objects left out under @skip (in all processes)
 * @nr_pages: out: pages of memory written in PAGES records, all
 *	processes (appended, as is the next)
 * @nr_zero_pages: out: pages of anonymous memory left out because they
 *	held only zeros: they read the same never touched
 * @ghost_limit: bytes of the contents of deleted files (open or mapped)
 *	that a process's records may hold (appended; a shorter struct, or
 *	0, means CKPT_GHOST_MAX_DATA, which is also the most it can be):
 *	a deleted file past it is refused with EFBIG, naming the fd or
 *	the mapping (ckpt --ghost-limit)
 * @image_time_ns: out: the image header's time_ns (appended, as is the
 *	next): with @image_csum, which image this was, for a later
 *	incremental image to name as its parent (ckpt --track)
 * @image_csum: out: the image header's csum
 *
 * The target (every process of the tree) is frozen while it is read and,
 * unless asked otherwise, resumes afterwards.  A failed checkpoint leaves
 * the target as it was.
 *
 * Errors:
 *  EINVAL     bad size, unknown flags, KILL with LEAVE_STOPPED,
 *             non-zero reserved fields, pid <= 0
 *  EFAULT     bad argument pointer
 *  ESRCH      no such process, or it exited while being checkpointed
 *  ECHILD     (tree) the pids are not a closed tree, parents first: a
 *             member has a child not listed (err_addr), or a member's
 *             parent is not listed before it
 *  EPERM      the caller may not ptrace-attach to the target (err_pid);
 *             with CKPT_OBJ_FD, a netlink socket's groups or destination
 *             its process could no longer take (its restore would fail)
 *  EDEADLK    the target is the caller itself
 *  EBADF      fd is not open for writing
 *  EOPNOTSUPP the target holds state this version cannot checkpoint;
 *             err_object, err_fd and err_addr say which; with
 *             CKPT_OBJ_SHARED, two members share signal handlers or an
 *             address space (CLONE_SIGHAND, CLONE_VM without
 *             CLONE_THREAD), or a thread does not share its process's
 *             file table or fs context (err_addr 0)
 *  EUSERS     (CKPT_OBJ_SHARED) a member shares its file table, fs
 *             context, signal handlers or address space with a process
 *             outside the checkpoint: err_pid is the member, err_addr the
 *             other process (0 if none could be named), err_fd the CLONE_*
 *             flag
 *  EISCONN    (CKPT_OBJ_FD) a socket is connected to a peer outside the
 *             checkpoint; err_addr is the peer socket's inode number when
 *             it is a UNIX socket, else 0
 *  EUSERS     (CKPT_OBJ_FD) a socket is also held outside the checkpoint
 *             (by another process, or in flight in a UNIX message)
 *  EBUSY      (CKPT_OBJ_FD) a listening socket has connections not yet
 *             accepted, or a socket that is not one of a pair holds
 *             unread data
 *  ETOOMANYREFS (CKPT_OBJ_FD) unread messages of a UNIX socket carry
 *             file descriptors (SCM_RIGHTS)
 *  EBUSY      the target did not freeze in time (uninterruptible sleep),
 *             or is already being checkpointed
 *  EINTR      the caller was interrupted; the target resumes
 *  ENOMEM     out of kernel memory
 *  other      errors of writing fd (EPIPE, ENOSPC, EIO...): err_object is
 *             CKPT_OBJ_OUTPUT
 */
struct ckpt_checkpoint_args {
	__u32 size;
	__u32 flags;
	__s32 pid;
	__s32 fd;
	__u64 pids;
	__u32 nr_pids;
	__u32 reserved;
	__u64 bytes_written;
	__u32 err_object;
	__s32 err_fd;
	__u64 err_addr;
	__s32 err_pid;
	__u32 reserved2;
	__u64 ipc_recs;
	__u32 ipc_len;
	__u32 reserved3;
	__u32 skip;
	__u32 nr_skipped;
	__u64 nr_pages;
	__u64 nr_zero_pages;
	__u64 ghost_limit;
	__u64 image_time_ns;
	__u32 image_csum;
	__u32 reserved4;
};

/* ------------------------------------------------------------------ */
/* Restore: CKPT_IOC_RESTORE_PREPARE, _TASK, _WAIT                      */
/* ------------------------------------------------------------------ */

/**
 * struct ckpt_restore_args - argument of CKPT_IOC_RESTORE_PREPARE
 * @size: sizeof(struct ckpt_restore_args)
 * @flags: CKPT_RESTORE_ANY_CPU, CKPT_RESTORE_ANY_NODE, CKPT_RESTORE_HOLD,
 *	or 0
 * @fd: image descriptor, open for reading, read sequentially
 * @reserved0: must be 0
 * @monotonic_ns: out: CLOCK_MONOTONIC of the process at the checkpoint,
 *	0 if the image does not say (see struct ckpt_rec_timers)
 * @boottime_ns: out: CLOCK_BOOTTIME likewise
 * @pid: out: PID the image's process had (and must get back)
 * @nr_tasks: out: tasks in the image
 * @vvar_start, @vvar_end, @vdso_start, @vdso_end: out: where the image's
 *	vvar and vdso mappings were; the restoring task must have moved its
 *	own there (mremap) before CKPT_IOC_RESTORE_TASK
 * @err_object: out: CKPT_OBJ_* at fault
 * @err_offset: out: byte offset in the image of the record at fault
 * @err_type: out: record type at fault (CKPT_REC_*), 0 if none
 * @err_fd: out: descriptor at fault (CKPT_OBJ_FD), else -1
 * @err_addr: out: mapping start (CKPT_OBJ_VMA), or the XSAVE feature
 *	bits this CPU lacks (CKPT_OBJ_XSTATE)
 * @tids: in: user pointer to an array of @tids_max __s32, or 0
 * @tids_max: in: its length
 * @nr_threads: out: threads besides the main one; their TIDs are written
 *	to @tids (as many as fit).  Each must be created with its TID in the
 *	restoring process and call CKPT_IOC_RESTORE_THREAD.
 * @timers: in: user pointer to an array of @timers_max
 *	struct ckpt_rec_posix_timer, or 0
 * @timers_max: in: its length
 * @nr_timers: out: POSIX timers of the image, written to @timers.  The
 *	restoring process must create each with its ID, clock and sigevent,
 *	and arm it, before CKPT_IOC_RESTORE_TASK; a timer on a CPU-time clock
 *	(@clockid < 0) is created disarmed: the module arms it at the end
 *	of the restore, so the restore's own CPU time is not charged to it.  An image with timers is
 *	refused (EOPNOTSUPP) when @timers cannot hold them all.
 * @image_flags: out: the image header's flags (CKPT_IMAGE_*)
 * @skipped: in: user pointer to an array of @skipped_max
 *	struct ckpt_rec_skipped, or 0 (appended fields)
 * @skipped_max: in: its length
 * @nr_skipped: out: objects the checkpoint left out (the image's SKIPPED
 *	record), as many as fit written to @skipped
 * @cgroup: in: user pointer to a buffer of @cgroup_max bytes, or 0
 *	(appended fields)
 * @cgroup_max: in: its size
 * @cgroup_len: out: bytes of the process's cgroup path (CKPT_REC_CGROUP),
 *	NUL included, written to @cgroup when they fit; 0 if the image
 *	has none
 * @monotonic_raw_ns: out: CLOCK_MONOTONIC_RAW of the process at the
 *	checkpoint (CKPT_REC_CLOCKS; appended field).  0 if the image does
 *	not say: @monotonic_ns and @boottime_ns are then the later of
 *	MONOTONIC and MONOTONIC_RAW (struct ckpt_rec_timers); otherwise
 *	they are those clocks themselves
 * @prepared: out: CKPT_PREPARED_* bits (appended field)
 * @reserved2: must be 0
 * @uts: in: user pointer to a struct ckpt_rec_uts, or 0 (appended field):
 *	the image's UTS record is written there when it has one
 *	(@image_flags has CKPT_IMAGE_UTS_NS)
 *
 * Reads and validates the image header and the task's metadata records,
 * and keeps them with this open file of /dev/ckpt.  Nothing is changed.
 *
 * Errors:
 *  EINVAL     bad size, flags or reserved fields
 *  EFAULT     bad argument pointer
 *  EBADF      fd is not open for reading
 *  EBUSY      a restore is already prepared on this open file
 *  ENOEXEC    not an image (bad magic)
 *  EPROTO     unsupported image version
 *  EBADMSG    bad checksum, record length or record contents
 *  ENODATA    the image ends early
 *  EXDEV      image from another architecture, page size or kernel build
 *  EOPNOTSUPP the image uses CPU state (xfeatures) this CPU lacks; or
 *             it has a UTS record and the caller gave no @uts
 *  EPERM      the image's credentials are not the caller's and the caller
 *             may not take them (CAP_SETUID/CAP_SETGID); or (err_object
 *             CKPT_OBJ_FS) it has a root directory of its own and the
 *             caller lacks CAP_SYS_CHROOT, or the LSM refuses it
 *  ENOENT, EACCES, ENOTDIR  (err_object CKPT_OBJ_FS) its root directory
 *             (or the parent of a removed cwd) is gone or not searchable
 *  ENOMEM     out of kernel memory
 *
 * A prepared image with a root directory of its own holds a reference to
 * that directory (its mount stays busy) until the file is closed.
 */
/*
 * struct ckpt_restore_args.prepared: a one-process image without SYSVSHM,
 * SYSVSEM or SYSVMSG records (restart(1) has no System V object to make).
 */
#define CKPT_PREPARED_NO_SYSV	(1U << 0)

/*
 * struct ckpt_restore_args.flags: the image's CPU affinities are not set
 * (every other scheduling attribute is); its threads keep the restoring
 * process's, for a node whose CPUs differ.
 */
#define CKPT_RESTORE_ANY_CPU	(1U << 0)
/*
 * struct ckpt_restore_args.flags: the image's memory policies are not
 * set; its threads and mappings keep the restoring process's policy, for
 * a node whose memory nodes differ.
 */
#define CKPT_RESTORE_ANY_NODE	(1U << 1)
/*
 * struct ckpt_restore_args.flags: hold what is restored.  Every thread of
 * every process of the image, once restored, waits in the kernel before
 * its first instruction (killable, state I), until CKPT_IOC_RESTORE_RELEASE
 * on this open file lets them all run.  If the last copy of this open
 * file is closed first (the restorer died, or gave up), every process of
 * the restore is killed (SIGKILL) without having run.  For a migration's
 * receiver: its copy may run only once the sender has given up its own.
 * Its timers run meanwhile, and a signal whose default action kills still
 * kills it.  A checkpoint or CKPT_IOC_FREEZE of a held process fails with
 * EBUSY after its freeze timeout.
 */
#define CKPT_RESTORE_HOLD	(1U << 2)

struct ckpt_restore_args {
	__u32 size;
	__u32 flags;
	__s32 fd;
	__u32 reserved0;
	__s64 monotonic_ns;
	__s64 boottime_ns;
	__s32 pid;
	__u32 nr_tasks;
	__u64 vvar_start;
	__u64 vvar_end;
	__u64 vdso_start;
	__u64 vdso_end;
	__u32 err_object;
	__u32 err_type;
	__u64 err_offset;
	__s32 err_fd;
	__u32 reserved1;
	__u64 err_addr;
	__u64 tids;
	__u32 tids_max;
	__u32 nr_threads;
	__u64 timers;
	__u32 timers_max;
	__u32 nr_timers;
	__u64 image_flags;
	__u64 skipped;
	__u32 skipped_max;
	__u32 nr_skipped;
	__u64 cgroup;
	__u32 cgroup_max;
	__u32 cgroup_len;
	__s64 monotonic_raw_ns;
	__u32 prepared;
	__u32 reserved2;
	__u64 uts;
};

/**
 * struct ckpt_restore_task_args - argument of CKPT_IOC_RESTORE_TASK
 * @size: sizeof(struct ckpt_restore_task_args)
 * @flags: must be 0
 * @reserved: must be 0
 *
 * Called by the task that is to become the image's process, on the open
 * file of /dev/ckpt on which the restore was prepared (inherited across
 * fork).  The caller must be the main thread, alone but for the image's
 * other threads (each waiting in CKPT_IOC_RESTORE_THREAD), have the
 * image's PID, and have its vdso and vvar at the image's addresses.  On success it does not
 * return to its own code: it returns into the restored process.  Before
 * the point of no return an error is returned and nothing is changed;
 * after it, the task is killed and CKPT_IOC_RESTORE_WAIT reports why.
 *
 * Errors (before the point of no return):
 *  EINVAL     bad size, flags or reserved fields
 *  ENOENT     no restore prepared on this open file
 *  EPERM      the caller lacks what the checks of RESTORE_PREPARE relied
 *             on: the preparer's user and group IDs, its capabilities in
 *             its user namespace, its network namespace, hard limits no
 *             lower than its own (the descriptor handed to another
 *             process); nothing is changed
 *  EALREADY   this restore was already run
 *  ESRCH      the caller's PID is not the image's
 *  EBUSY      the caller shares its mm, files or signal handlers with
 *             anything but the image's threads, or not all of them called
 *             CKPT_IOC_RESTORE_THREAD within 10 seconds
 *  EXDEV      the caller's vdso/vvar are not at the image's addresses or
 *             differ in size
 */
struct ckpt_restore_task_args {
	__u32 size;
	__u32 flags;
	__u64 reserved[2];
};

/**
 * struct ckpt_restore_thread_args - argument of CKPT_IOC_RESTORE_THREAD
 * @size: sizeof(struct ckpt_restore_thread_args)
 * @flags: must be 0
 * @reserved: must be 0
 *
 * Called by each thread the restart tool created (clone3 with the TID of
 * a THREAD record, CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_FS |
 * CLONE_FILES, in the process that calls CKPT_IOC_RESTORE_TASK) on the
 * same open file.  It waits, killable, until the main thread has restored
 * the process, then becomes its thread: on success it returns into the
 * restored thread's code.
 *
 * Errors: EINVAL, ENOENT (nothing prepared, or the caller's TID is not one
 * of the image's threads), EPERM (as for CKPT_IOC_RESTORE_TASK: not the
 * preparer's privileges), EALREADY (that thread was claimed), ESRCH (the
 * caller is not in the process being restored), and any error of the
 * restore of the process as a whole.
 */
struct ckpt_restore_thread_args {
	__u32 size;
	__u32 flags;
	__u64 reserved[2];
};

/**
 * struct ckpt_restore_wait_args - argument of CKPT_IOC_RESTORE_WAIT
 * @size: sizeof(struct ckpt_restore_wait_args)
 * @flags: must be 0
 * @timeout_ms: 0 waits for ever
 * @reserved0, @reserved: must be 0
 * @result: out: 0, or the negative errno of the failed restore
 * @err_object, @err_type, @err_offset, @err_fd, @err_addr: out: as in
 *	ckpt_restore_args
 * @err_pid: out: the process whose restore failed (a tree's member)
 * @reserved1: 0
 *
 * Waits until CKPT_IOC_RESTORE_TASK on this open file finished (or the
 * restoring task died) and reports the outcome.  For a tree image: until
 * every member restored (the result is 0), or one failed.
 *
 * Errors: EINVAL, EFAULT, ENOENT (nothing prepared), ETIMEDOUT,
 * EINTR (signal; call again).
 */
struct ckpt_restore_wait_args {
	__u32 size;
	__u32 flags;
	__u32 timeout_ms;
	__u32 reserved0;
	__u64 reserved[2];
	__s32 result;
	__u32 err_object;
	__u32 err_type;
	__s32 err_fd;
	__u64 err_offset;
	__u64 err_addr;
	__s32 err_pid;
	__u32 reserved1;
};

/* ------------------------------------------------------------------ */
/* CKPT_IOC_PID_CLAIM: get a tombstoned home PID back (pid-ranges.rst)  */
/* ------------------------------------------------------------------ */

#define CKPT_PID_CLAIM_RELEASE	(1U << 0)	/* drop the caller's claims */
#define CKPT_PID_CLAIM_FLAGS_ALL CKPT_PID_CLAIM_RELEASE

/**
 * struct ckpt_pid_claim_args - argument of CKPT_IOC_PID_CLAIM
 * @size: sizeof(struct ckpt_pid_claim_args)
 * @flags: 0, or CKPT_PID_CLAIM_RELEASE (then @pid must be 0)
 * @pid: a tombstoned PID of the PID range of the caller's PID namespace
 * @reserved0, @reserved: must be 0
 *
 * Registers a claim: the next clone3(set_tid = @pid) made by the caller's
 * process or one of its children, within 30 seconds, removes the
 * tombstone and gets @pid, atomically (no other fork can take it).  A
 * claim is used once; unused claims expire.
 *
 * Errors:
 *  EINVAL     bad size, flags or reserved fields, pid <= 0
 *  ENXIO      no PID range is active in the caller's PID namespace
 *  ERANGE     @pid is outside that range
 *  ENOENT     @pid is not tombstoned
 *  EBUSY      the tombstone is still pending (a process holds @pid), or
 *             too many claims are outstanding
 *  EPERM      the caller lacks CAP_CHECKPOINT_RESTORE (or CAP_SYS_ADMIN)
 *             in the user namespace owning its PID namespace
 */
struct ckpt_pid_claim_args {
	__u32 size;
	__u32 flags;
	__s32 pid;
	__u32 reserved0;
	__u64 reserved[2];
};

/**
 * struct ckpt_pid_tombstone_args - argument of CKPT_IOC_PID_TOMBSTONE
 * @size: sizeof(struct ckpt_pid_tombstone_args)
 * @flags: 0
 * @pid: a process about to leave this node, in the PID range of the
 *	caller's PID namespace
 * @pending: out: 1 while the process still holds @pid (the tombstone
 *	takes the PID when it ends), 0 once the tombstone is in place
 * @reserved: must be 0
 *
 * The emigrant's side of the PID-range model: `ckpt migrate` calls it
 * once the destination has restored the process and before it removes
 * the original, so the PID stays unused here until the process comes
 * home (CKPT_IOC_PID_CLAIM) or an operator drops the tombstone.  Like
 * CKPT_CMD_TOMBSTONE over generic netlink, restricted to a process the
 * caller could checkpoint.
 *
 * Errors:
 *  EINVAL     bad size, flags or reserved fields, pid <= 0
 *  ENXIO      no PID range is active in the caller's PID namespace
 *  ERANGE     @pid is outside that range
 *  EEXIST     @pid is already tombstoned
 *  ESRCH      no process has @pid in the caller's PID namespace, or
 *             another process took its number since it was checked
 *  EPERM      the caller could not ptrace it, or lacks
 *             CAP_CHECKPOINT_RESTORE (or CAP_SYS_ADMIN) in the user
 *             namespace owning its PID namespace
 *  ENOSPC     no tombstone left
 */
struct ckpt_pid_tombstone_args {
	__u32 size;
	__u32 flags;
	__s32 pid;
	__u32 pending;
	__u64 reserved[2];
};

/**
 * struct ckpt_restore_release_args - argument of CKPT_IOC_RESTORE_RELEASE
 * @size: sizeof(struct ckpt_restore_release_args)
 * @flags: must be 0
 * @reserved: must be 0
 *
 * Lets the processes of a restore prepared with CKPT_RESTORE_HOLD on this
 * open file run: each thread goes on from where its image left it.  Once
 * released, closing the file no longer kills them.  Called before the
 * restore is over, the threads do not wait at all.
 *
 * Errors:
 *  EINVAL     bad size, flags or reserved fields, or the restore was not
 *             prepared with CKPT_RESTORE_HOLD
 *  ENOENT     no restore prepared on this open file
 *  EALREADY   already released
 *  ESRCH      a process of the restore died or is dying (killed while
 *             held): nothing is released
 */
struct ckpt_restore_release_args {
	__u32 size;
	__u32 flags;
	__u64 reserved[2];
};

/**
 * struct ckpt_freeze_args - argument of CKPT_IOC_FREEZE
 * @size: sizeof(struct ckpt_freeze_args)
 * @flags: 0
 * @pid: the process to hold, all its threads
 * @fd: out: a descriptor (close-on-exec); the process stays frozen until
 *	the last copy of it is closed
 * @reserved: must be 0
 *
 * Holds a process as a checkpoint does (each thread parked in the kernel
 * before any more user code runs, its registers saved), without a
 * signal: unlike SIGSTOP and SIGCONT, nothing of it is visible to the
 * process, its parent or a job-control shell (no stop or continue
 * notification, no SIGCONT handler run).  `ckpt migrate --live` holds
 * the process this way for each pre-copy round's read-and-reset of its
 * dirty bits.  A CKPT_IOC_CHECKPOINT of a held process fails with EBUSY
 * after its freeze timeout (10 s): close the descriptor first.  SIGKILL
 * still ends a held process.  Restricted to a process the caller could
 * checkpoint.
 *
 * Errors:
 *  EINVAL     bad size, flags or reserved fields, pid <= 0
 *  ESRCH      no such process in the caller's PID namespace, or it exited
 *  EPERM      the caller could not ptrace it
 *  EDEADLK    the caller's own process
 *  EBUSY      it could not be frozen within 10 s (uninterruptible sleep,
 *             or threads born faster than they park)
 *  EOPNOTSUPP more than CKPT_MAX_THREADS + 1 threads, or it waits in
 *             vfork() for a child that has not exec'ed or exited
 *  EMFILE     no descriptor left
 */
struct ckpt_freeze_args {
	__u32 size;
	__u32 flags;
	__s32 pid;
	__s32 fd;
	__u64 reserved[2];
};

#define CKPT_IOC_VERSION	_IOWR(CKPT_IOC_MAGIC, 0x00, struct ckpt_version)
#define CKPT_IOC_CHECKPOINT	_IOWR(CKPT_IOC_MAGIC, 0x01, struct ckpt_checkpoint_args)
#define CKPT_IOC_RESTORE_PREPARE _IOWR(CKPT_IOC_MAGIC, 0x02, struct ckpt_restore_args)
#define CKPT_IOC_RESTORE_TASK	_IOW(CKPT_IOC_MAGIC, 0x03, struct ckpt_restore_task_args)
#define CKPT_IOC_RESTORE_WAIT	_IOWR(CKPT_IOC_MAGIC, 0x04, struct ckpt_restore_wait_args)
#define CKPT_IOC_RESTORE_THREAD	_IOW(CKPT_IOC_MAGIC, 0x05, struct ckpt_restore_thread_args)
#define CKPT_IOC_PID_CLAIM	_IOW(CKPT_IOC_MAGIC, 0x06, struct ckpt_pid_claim_args)
#define CKPT_IOC_PID_TOMBSTONE	_IOWR(CKPT_IOC_MAGIC, 0x0d, struct ckpt_pid_tombstone_args)
#define CKPT_IOC_FREEZE		_IOWR(CKPT_IOC_MAGIC, 0x0e, struct ckpt_freeze_args)
#define CKPT_IOC_RESTORE_RELEASE _IOW(CKPT_IOC_MAGIC, 0x0f, struct ckpt_restore_release_args)

/* ================================================================== */
/* Image format (Documentation/image-format.rst)                       */
/* ================================================================== */
/*
 * An image is one sequential stream, little-endian:
 *
 *   struct ckpt_image_header
 *   records: struct ckpt_rec_header, then rec.len payload bytes
 *
 * Each record's csum is the low 32 bits of the XXH64 (seed 0, as the
 * kernel's xxh64()) of its header with csum set to 0, followed by its
 * payload.  The image header carries its own csum the same way.  (Version
 * 1 images used CRC-32; they are refused.)
 *
 * Record order for one task (enforced: types never decrease in
 * CKPT_REC_ORDER, and only VMA, FILE, PIPEDATA, THREAD, GHOSTDATA,
 * FDSTATE, SHMEM, SHMDATA, SOCKET, SOCKDATA, TCPSTATE, SYSVSHM, SYSVDATA,
 * SYSVSEM, SYSVMSG, SECCOMP, SCHED, FLOCK, SOCKOPT, INWATCH, INEVENTS,
 * MCAST, MEMPOLICY, PTY, FOWN and PAGES repeat):
 *   TASK, GROUPS, FS, SIGACTIONS, MM, AUXV, VMA..., FILE..., REGS, XSTATE,
 *   RESTART?, RLIMITS?, SIGPENDING?, PIPEDATA..., TIMERS?, THREAD...,
 *   GHOSTDATA..., FDSTATE..., SHMEM..., SHMDATA..., SOCKET...,
 *   SOCKDATA..., TCPSTATE..., ATTRS?, SKIPPED?, SYSVSHM..., SYSVDATA...,
 *   SYSVSEM..., SYSVMSG..., SECCOMP..., SHARES?, SCHED..., FLOCK...,
 *   CGROUP?, SOCKOPT..., INWATCH..., INEVENTS..., MCAST..., CLOCKS?,
 *   MEMPOLICY..., PTY..., UTS?, FOWN..., PAGES..., END
 * (SYSVSEM and SYSVMSG only in the first process's records.)  The types
 * numbered after TREE come between SHMDATA and PAGES, by number.
 * TASK, REGS, XSTATE and RESTART are the main thread's (the thread-group
 * leader's); each other thread has one THREAD record.
 * All metadata comes before the first PAGES record, so a restore checks
 * all of it before changing anything.
 *
 * An image of a process tree (nr_tasks > 1) starts with a CKPT_REC_TREE
 * record; then each process's records, TASK to END, parents first.
 */

#define CKPT_IMAGE_MAGIC	0x31474d4954504b43ULL	/* "CKPTIMG1" */
#define CKPT_IMAGE_VERSION	4
#define CKPT_ARCH_X86_64	0xc000003eU		/* AUDIT_ARCH_X86_64 */

#define CKPT_RELEASE_LEN	64

/**
 * struct ckpt_image_header - first bytes of every image
 * @magic: CKPT_IMAGE_MAGIC
 * @version: CKPT_IMAGE_VERSION
 * @header_size: sizeof(struct ckpt_image_header)
 * @arch: CKPT_ARCH_X86_64
 * @page_size: page size of the checkpointed machine
 * @xfeatures: XSAVE features (XCR0 bits) of the checkpointing CPU; the
 *	restoring CPU must have them all
 * @xstate_size: size of each CKPT_REC_XSTATE payload
 * @nr_tasks: tasks in the image
 * @flags: CKPT_IMAGE_*
 * @time_ns: CLOCK_REALTIME when the checkpoint was taken
 * @release: utsname release of the kernel (NUL-padded)
 * @build: utsname version of the kernel (NUL-padded, truncated)
 * @csum: low 32 bits of the XXH64 of this header with csum = 0
 * @reserved: 0
 */
struct ckpt_image_header {
	__u64 magic;
	__u32 version;
	__u32 header_size;
	__u32 arch;
	__u32 page_size;
	__u64 xfeatures;
	__u32 xstate_size;
	__u32 nr_tasks;
	__u64 flags;
	__u64 time_ns;
	char release[CKPT_RELEASE_LEN];
	char build[CKPT_RELEASE_LEN];
	__u32 csum;
	__u32 reserved;
};

/* struct ckpt_image_header.flags */
#define CKPT_IMAGE_IPC_NS	(1ULL << 0)	/* the processes had an IPC
						 * namespace of their own */
#define CKPT_IMAGE_UTS_NS	(1ULL << 1)	/* and a UTS namespace: the
						 * first process's UTS record
						 * has its names */
#define CKPT_IMAGE_FLAGS	(CKPT_IMAGE_IPC_NS | CKPT_IMAGE_UTS_NS)

/* Record types. */
#define CKPT_REC_TASK		1	/* struct ckpt_rec_task */
#define CKPT_REC_GROUPS		2	/* __u32 gid[], supplementary groups */
#define CKPT_REC_FS		3	/* struct ckpt_rec_fs + cwd path */
#define CKPT_REC_SIGACTIONS	4	/* struct ckpt_rec_sigaction[64] */
#define CKPT_REC_MM		5	/* struct ckpt_rec_mm */
#define CKPT_REC_AUXV		6	/* __u64 pairs, ending with AT_NULL */
#define CKPT_REC_VMA		7	/* struct ckpt_rec_vma + path */
#define CKPT_REC_FILE		8	/* entries: struct ckpt_rec_file + path */
#define CKPT_REC_REGS		9	/* struct ckpt_rec_regs */
#define CKPT_REC_XSTATE		10	/* XSAVE area, standard (UABI) format */
#define CKPT_REC_RESTART	11	/* struct ckpt_rec_restart */
#define CKPT_REC_RLIMITS	12	/* struct ckpt_rec_rlimit[16] */
#define CKPT_REC_SIGPENDING	13	/* struct ckpt_rec_sigpending[] */
#define CKPT_REC_PIPEDATA	14	/* struct ckpt_rec_pipedata + bytes */
#define CKPT_REC_TIMERS		15	/* struct ckpt_rec_timers */
#define CKPT_REC_THREAD		16	/* struct ckpt_rec_thread + ... */
#define CKPT_REC_GHOSTDATA	17	/* struct ckpt_rec_ghostdata + bytes */
#define CKPT_REC_FDSTATE	18	/* struct ckpt_rec_fdstate + ... */
#define CKPT_REC_SHMEM		19	/* struct ckpt_rec_shmem + name */
#define CKPT_REC_SHMDATA	20	/* struct ckpt_rec_shmdata + bytes */
/* PAGES and END are always the last two types (new ones go before). */
#define CKPT_REC_PAGES		21	/* struct ckpt_rec_pages + page data */
#define CKPT_REC_END		22	/* struct ckpt_rec_end */
/* Not part of a task's records: first record of an image of a tree. */
#define CKPT_REC_TREE		23	/* struct ckpt_rec_tree_task[] */
/* A task's records again, between SHMDATA and PAGES in the order. */
#define CKPT_REC_SOCKET		24	/* struct ckpt_rec_socket + address */
#define CKPT_REC_SOCKDATA	25	/* struct ckpt_rec_sockdata + bytes */
#define CKPT_REC_TCPSTATE	26	/* struct ckpt_rec_tcpstate */
#define CKPT_REC_ATTRS		28	/* struct ckpt_rec_attrs + ttys */
#define CKPT_REC_SKIPPED	29	/* struct ckpt_rec_skipped[] */
/*
 * SysV IPC.  They come after SHMDATA and before PAGES in a task's records
 * (their numbers do not give their place: see CKPT_REC_ORDER).
 */
#define CKPT_REC_SYSVSHM	30	/* struct ckpt_rec_sysvshm */
#define CKPT_REC_SYSVDATA	31	/* struct ckpt_rec_sysvdata + bytes */
#define CKPT_REC_SYSVSEM	32	/* struct ckpt_rec_sysvsem + values */
#define CKPT_REC_SYSVMSG	33	/* struct ckpt_rec_sysvmsg + messages */
/*
 * Live migration streams only (never in an image a restore reads): a
 * CKPT_CHECKPOINT_DIRTY_ONLY image has PRECOPY_CLEAN records among its
 * PAGES records, in address order; pre-copy rounds send PRECOPY records
 * before the image.
 */
#define CKPT_REC_PRECOPY_CLEAN	34	/* struct ckpt_rec_pages, no data:
					 * pages whose data is that of the
					 * last pre-copy */
#define CKPT_REC_PRECOPY	35	/* struct ckpt_rec_pages, __u32
					 * csum[nr_pages], page data: the
					 * record's csum covers its header,
					 * the struct and csum[]; csum[i] is
					 * that of page i as a one-page
					 * PAGES record at its address */
#define CKPT_REC_PRECOPY_TASK	36	/* struct ckpt_rec_precopy_task: the
					 * PRECOPY records that follow, up
					 * to the next of these, are that
					 * process's (a tree's pre-copy) */
#define CKPT_REC_SECCOMP	38	/* struct ckpt_rec_seccomp + program */
#define CKPT_REC_SHARES		39	/* struct ckpt_rec_shares */
#define CKPT_REC_SCHED		40	/* struct ckpt_rec_sched, one a thread */
#define CKPT_REC_FLOCK		41	/* struct ckpt_rec_flock, one a lock */
#define CKPT_REC_CGROUP		42	/* struct ckpt_rec_cgroup + path */
#define CKPT_REC_SOCKOPT	43	/* struct ckpt_rec_sockopt, one a
					 * socket with options to set */
#define CKPT_REC_INWATCH	44	/* struct ckpt_rec_inwatch + path, one
					 * an inotify watch */
#define CKPT_REC_INEVENTS	45	/* struct ckpt_rec_inevents + events,
					 * an inotify's unread events */
#define CKPT_REC_MCAST		46	/* struct ckpt_rec_mcast + groups, a
					 * UDP socket's multicast state */
#define CKPT_REC_CLOCKS		47	/* struct ckpt_rec_clocks */
#define CKPT_REC_MEMPOLICY	48	/* struct ckpt_rec_mempolicy */
#define CKPT_REC_PTY		49	/* struct ckpt_rec_pty + bytes, one a
					 * pseudo-terminal pair */
#define CKPT_REC_UTS		50	/* struct ckpt_rec_uts, with the first
					 * process (CKPT_IMAGE_UTS_NS) */
#define CKPT_REC_FOWN		51	/* struct ckpt_rec_fown, one an open
					 * file with an owner, a signal or
					 * O_ASYNC */
#define CKPT_REC_NETLINK	52	/* struct ckpt_rec_netlink, one a
					 * netlink socket */
#define CKPT_REC_MAX		52

/*
 * The place of a record type in a task's records: types must come in
 * ascending order of this, not of their number.  Those numbered after
 * TREE come between SHMDATA and PAGES, by number.
 */
#define CKPT_REC_ORDER(type) \
	((type) > CKPT_REC_TREE ? \
	 CKPT_REC_SHMDATA * 64 + (type) - CKPT_REC_TREE : (type) * 64)

/* Bounds every reader enforces. */
#define CKPT_REC_MAX_META	65536		/* payload of any non-PAGES record */
#define CKPT_PAGES_MAX		256		/* pages per PAGES record */
#define CKPT_MAX_VMAS		65530		/* vm.max_map_count default */
#define CKPT_MAX_FILES		65536
#define CKPT_MAX_GROUPS		65536
#define CKPT_MAX_AUXV		64		/* __u64 words */
#define CKPT_PATH_MAX		4096		/* including the NUL */
#define CKPT_MAX_FILE_PATHS	(16 << 20)	/* a process's FILE entries'
						 * whole paths, with NULs */
#define CKPT_MAX_XSTATE		16384

/**
 * struct ckpt_rec_header - header of every record
 * @type: CKPT_REC_*
 * @flags: 0
 * @len: payload bytes that follow
 * @csum: low 32 bits of the XXH64 of this header (csum = 0) and the payload
 */
struct ckpt_rec_header {
	__u32 type;
	__u32 flags;
	__u32 len;
	__u32 csum;
};

/* struct ckpt_rec_task.flags */
#define CKPT_TASK_NO_NEW_PRIVS	(1U << 0)
#define CKPT_TASK_DUMPABLE	(1U << 1)	/* mm dumpable by its owner */
#define CKPT_TASK_SUBREAPER	(1U << 2)	/* PR_SET_CHILD_SUBREAPER */

/**
 * struct ckpt_rec_task - identity, credentials and per-task scalars
 * @pid, @tid: PID (thread-group id) and TID, as seen in the checkpointer's
 *	PID namespace
 * @ppid, @pgid, @sid: parent, process group and session (informative)
 * @flags: CKPT_TASK_*
 * @comm: task name, NUL-padded
 * @personality: personality(2)
 * @pdeath_signal: PR_SET_PDEATHSIG
 * @uid .. @fsgid: credentials
 * @ngroups: entries in the CKPT_REC_GROUPS record
 * @cap_*: capability sets (64-bit masks)
 * @blocked: blocked signal mask (bit n-1 for signal n)
 * @rseq, @rseq_len, @rseq_sig: rseq(2) registration
 * @clear_child_tid, @set_child_tid: set_tid_address(2) and CLONE_CHILD_SETTID
 * @robust_list, @robust_list_len: set_robust_list(2)
 * @sas_ss_sp, @sas_ss_size, @sas_ss_flags: sigaltstack(2)
 */
struct ckpt_rec_task {
	__s32 pid;
	__s32 tid;
	__s32 ppid;
	__s32 pgid;
	__s32 sid;
	__u32 flags;
	char comm[16];
	__u32 personality;
	__s32 pdeath_signal;
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
	__u32 ngroups;
	__u32 reserved0;
	__u64 cap_inheritable;
	__u64 cap_permitted;
	__u64 cap_effective;
	__u64 cap_bset;
	__u64 cap_ambient;
	__u64 blocked;
	__u64 rseq;
	__u32 rseq_len;
	__u32 rseq_sig;
	__u64 clear_child_tid;
	__u64 set_child_tid;
	__u64 robust_list;
	__u64 robust_list_len;
	__u64 sas_ss_sp;
	__u64 sas_ss_size;
	__u32 sas_ss_flags;
	__u32 reserved1;
};

/* struct ckpt_rec_fs.flags */
#define CKPT_FS_CWD_DELETED	(1U << 0)	/* the cwd was removed (rmdir):
						 * the path is where it was */
#define CKPT_FS_ROOT		(1U << 1)	/* a root directory of its own
						 * (chroot): its path follows
						 * the cwd's */

/**
 * struct ckpt_rec_fs - filesystem context; the cwd path follows, then the
 *	root directory's with CKPT_FS_ROOT
 * @umask: umask(2)
 * @cwd_len: bytes of the cwd path that follow, including its NUL
 * @flags: CKPT_FS_*
 * @root_len: with CKPT_FS_ROOT, bytes of the root directory's path that
 *	follow the cwd's, including its NUL; else 0 (the root is the
 *	checkpointer's)
 *
 * Both paths are as the checkpointer saw them (from its own root).  A
 * root directory of its own (chroot(2)) is restored only by a restorer
 * with CAP_SYS_CHROOT in its user namespace (EPERM otherwise, as for
 * chroot(2) itself), as the last change of the restore, after every file
 * is open; its path must name a directory the restorer may search,
 * without ".", ".." or empty components.
 *
 * A removed cwd (a release directory pruned under a running service) is
 * an empty directory made again at its path (PATH.ckpt-ghost if another
 * holds PATH), entered and removed, so that /proc/PID/cwd says
 * "PATH (deleted)" again and nothing can be created in it.  Its parent
 * must exist (ENOENT before the point of no return).  (8 bytes, without
 * @flags and @reserved, before image version 3.)
 */
struct ckpt_rec_fs {
	__u32 umask;
	__u32 cwd_len;
	__u32 flags;
	__u32 root_len;
};

/**
 * struct ckpt_rec_sigaction - one of 64 entries of CKPT_REC_SIGACTIONS
 * (signal n at index n-1), as the kernel's struct sigaction
 */
struct ckpt_rec_sigaction {
	__u64 handler;
	__u64 flags;
	__u64 restorer;
	__u64 mask;
};

#define CKPT_NSIG	64

/**
 * struct ckpt_rec_mm - address-space fields (as PR_SET_MM_MAP)
 * @vdso: address of the vdso (mm->context.vdso)
 * @exe_len: bytes of the executable's path that follow, including the NUL;
 *	0 when there is none, or when it was deleted: then the mappings of
 *	it have CKPT_VMAF_GHOST | CKPT_VMAF_EXE
 */
struct ckpt_rec_mm {
	__u64 start_code, end_code;
	__u64 start_data, end_data;
	__u64 start_brk, brk;
	__u64 start_stack;
	__u64 arg_start, arg_end;
	__u64 env_start, env_end;
	__u64 vdso;
	__u32 exe_len;
	__u32 reserved;
};

/* struct ckpt_rec_vma.kind */
#define CKPT_VMA_ANON		1	/* private anonymous */
#define CKPT_VMA_FILE_PRIVATE	2	/* private mapping of a file */
#define CKPT_VMA_VDSO		3	/* [vdso]: not restored, moved */
#define CKPT_VMA_VVAR		4	/* [vvar]: not restored, moved */
#define CKPT_VMA_FILE_SHARED	5	/* MAP_SHARED of a regular file: the
					 * data is the file's, none saved */
#define CKPT_VMA_SHMEM		6	/* MAP_SHARED of a memfd: @ino names
					 * its SHMEM record, no pages saved */
#define CKPT_VMA_SHARED_ANON	7	/* MAP_SHARED | MAP_ANONYMOUS: ino
					 * names the memory, size its bytes;
					 * its pages are saved once, with the
					 * first process mapping it */
#define CKPT_VMA_SYSVSHM	8	/* shmat(2) of a SysV segment: @ino is
					 * its shmid, @size its size; the
					 * segment is a SYSVSHM record, its
					 * pages are not saved with the VMA */
#define CKPT_VMA_HUGETLB	9	/* MAP_PRIVATE | MAP_ANONYMOUS |
					 * MAP_HUGETLB: @size is its huge
					 * page size (2 MiB), @start and @end
					 * aligned to it; its pages are saved
					 * as anonymous memory's */

/* struct ckpt_rec_vma.prot: PROT_READ/WRITE/EXEC values of mman.h */
/* struct ckpt_rec_vma.flags */
#define CKPT_VMAF_GROWSDOWN	(1U << 0)
#define CKPT_VMAF_HEAP		(1U << 1)	/* informative */
#define CKPT_VMAF_STACK		(1U << 2)	/* informative */
#define CKPT_VMAF_WRITABLE_FILE	(1U << 3)	/* file open for writing
						 * (shared: mprotect may add
						 * PROT_WRITE later) */
#define CKPT_VMAF_GHOST		(1U << 4)	/* the file was deleted:
						 * @path is where it was, @ino
						 * names its contents
						 * (GHOSTDATA), @size bytes */
#define CKPT_VMAF_EXE		(1U << 5)	/* the file is the process's
						 * executable (/proc/PID/exe) */

/**
 * struct ckpt_rec_vma - one mapping; for files, the path follows
 * @start, @end: page-aligned, start < end
 * @pgoff: file offset in pages
 * @kind: CKPT_VMA_*
 * @prot: PROT_* bits
 * @flags: CKPT_VMAF_*
 * @path_len: bytes of path that follow, including the NUL; 0 for none
 * @ino, @dev, @size, @mtime_ns: identity of the file when checkpointed;
 *	a restore refuses a privately mapped file that changed (ESTALE); a
 *	shared mapping's file may change (its contents are the data); for
 *	CKPT_VMA_SHARED_ANON, @ino names the shared memory (one object for
 *	every mapping with that @ino, in every process of a tree) and @size
 *	is its size, which the mapping covers whole (@pgoff 0)
 * @vm_flags: the kernel's vm_flags; a restore re-applies the madvise()
 *	hints among them (VM_HUGEPAGE 0x20000000, VM_NOHUGEPAGE 0x40000000,
 *	VM_DONTCOPY 0x20000, VM_WIPEONFORK 0x2000000, VM_DONTDUMP
 *	0x4000000, VM_SEQ_READ 0x8000, VM_RAND_READ 0x10000, VM_MERGEABLE
 *	0x80000000); the other bits are informative
 */
struct ckpt_rec_vma {
	__u64 start;
	__u64 end;
	__u64 pgoff;
	__u32 kind;
	__u32 prot;
	__u32 flags;
	__u32 path_len;
	__u64 ino;
	__u64 dev;
	__u64 size;
	__u64 mtime_ns;
	__u64 vm_flags;
};

/* struct ckpt_rec_file.kind */
#define CKPT_FILE_REG		1	/* regular file, reopened by path */
#define CKPT_FILE_CHR		2	/* whitelisted device (/dev/null...) */
#define CKPT_FILE_FIFO		3	/* named pipe, reopened by path */
#define CKPT_FILE_DIR		4	/* directory */
#define CKPT_FILE_PIPE		5	/* anonymous pipe, both ends here */
#define CKPT_FILE_GHOST		6	/* regular file deleted while open:
					 * contents in GHOSTDATA records */
#define CKPT_FILE_EVENTFD	7	/* eventfd: state in FDSTATE */
#define CKPT_FILE_TIMERFD	8	/* timerfd: state in FDSTATE */
#define CKPT_FILE_SIGNALFD	9	/* signalfd: state in FDSTATE */
#define CKPT_FILE_EPOLL		10	/* epoll: interest list in FDSTATE */
#define CKPT_FILE_MEMFD		11	/* memfd: @ino names its SHMEM record */
#define CKPT_FILE_SOCKET	12	/* socket: @ino names its SOCKET record */
#define CKPT_FILE_INOTIFY	13	/* inotify: FDSTATE, watches in INWATCH */
#define CKPT_FILE_PTY		14	/* pseudo-terminal master (@rdev 5:2)
					 * or slave of a pair whose master is
					 * here: @ino names its PTY record */
#define CKPT_FILE_CTTY		15	/* /dev/tty (@rdev 5:0): opened again
					 * on the controlling terminal */
#define CKPT_FILE_PIDFD		16	/* pidfd of process @ino of the
					 * checkpoint, or (@size
					 * CKPT_PIDFD_GONE, @ino 0) of none */
#define CKPT_FILE_KIND_MAX	16

/* struct ckpt_rec_file.size of a CKPT_FILE_CTTY entry */
#define CKPT_CTTY_PAIR		1	/* the slave of a pair saved here */
/* struct ckpt_rec_file.size of a CKPT_FILE_PIDFD entry */
#define CKPT_PIDFD_GONE		1	/* its process has exited and been
					 * reaped */

/* struct ckpt_rec_file.fd_flags */
#define CKPT_FD_CLOEXEC		(1U << 0)
#define CKPT_FD_SHARED		(1U << 1)	/* open file of shared_fd */
#define CKPT_FD_TREE		(1U << 2)	/* open file of shared_fd of
						 * tree member shared_pid */

/**
 * struct ckpt_rec_file - one descriptor; the end of its path follows
 * @fd: descriptor number
 * @f_flags: open(2) flags (O_ACCMODE, O_APPEND, O_NONBLOCK...)
 * @fd_flags: CKPT_FD_*
 * @kind: CKPT_FILE_*
 * @path_len: bytes of path that follow, including the NUL
 * @path_prefix: bytes at the start of the path that are those of the path
 *	of the record's previous entry (front coding); 0 in a record's first
 *	entry and after an entry without a path; at most the length of that
 *	path without its NUL
 * @pos: file position
 * @ino, @dev, @size: identity when checkpointed (regular files);
 *	for CKPT_FILE_PIPE, @ino names the pipe (both ends' records carry it)
 *	and @size is its capacity in bytes (F_GETPIPE_SZ); there is no path;
 *	for CKPT_FILE_GHOST, @ino names the file's contents (GHOSTDATA), @size
 *	is its size, the path where it lived (the restore makes an unlinked
 *	file in that directory)
 *	for CKPT_FILE_PTY, @ino is the pair's /dev/pts index (its PTY
 *	record's), @rdev says which end (5:2 the master, else the slave's
 *	device number, 136:index), the path is the one the master was opened at
 *	(/dev/ptmx, /dev/pts/ptmx) or the slave's
 *	for CKPT_FILE_CTTY, an open of /dev/tty (the path it was opened at;
 *	@rdev 5:0, @pos 0): @dev is the device number of the terminal it
 *	reached, the controlling terminal of the process first holding it;
 *	@size is CKPT_CTTY_PAIR if that is the slave of a pair saved in the
 *	checkpoint, @ino then the pair's index (its PTY record's), else 0 and
 *	@ino 0
 * @rdev: device number (CKPT_FILE_CHR, CKPT_FILE_PTY, CKPT_FILE_CTTY), as
 *	new_encode_dev()
 * @shared_fd: with CKPT_FD_SHARED, the lower descriptor whose open file
 *	this one shares (dup(2), fork): one file, one offset and one set of
 *	flags for both; with CKPT_FD_TREE, the descriptor of process
 *	@shared_pid (an earlier member of the tree) whose open file this one
 *	shares (inherited across fork); 0 otherwise
 * @shared_pid: with CKPT_FD_TREE, that member's PID; 0 otherwise
 *
 * A FILE record holds one or more entries back to back, each this
 * structure and then path_len bytes; the whole path is path_prefix bytes
 * of the previous entry's and those.  @dev is new_encode_dev()'s too.
 */
struct ckpt_rec_file {
	__s32 fd;
	__u32 f_flags;
	__u16 fd_flags;
	__u16 kind;
	__u16 path_len;
	__u16 path_prefix;
	__s64 pos;
	__u64 ino;
	__u64 size;
	__u32 dev;
	__u32 rdev;
	__s32 shared_fd;
	__s32 shared_pid;
};

/**
 * struct ckpt_rec_regs - general registers, as struct user_regs_struct
 */
struct ckpt_rec_regs {
	__u64 r15, r14, r13, r12, bp, bx, r11, r10;
	__u64 r9, r8, ax, cx, dx, si, di, orig_ax;
	__u64 ip, cs, flags, sp, ss;
	__u64 fs_base, gs_base;
	__u64 ds, es, fs, gs;
};

/* struct ckpt_rec_restart.kind */
#define CKPT_RESTART_NANOSLEEP	1
#define CKPT_RESTART_POLL	2

/**
 * struct ckpt_rec_restart - an interrupted system call to resume
 * @kind: CKPT_RESTART_*
 * @clockid: clock the sleep runs on (CLOCK_MONOTONIC for poll)
 * @remaining_ns: time left to sleep (or, for poll, to wait) when
 *	checkpointed
 * @rmtp: user pointer for the remaining time (0 for none; 0 for poll)
 * @ufds: poll: its struct pollfd array (user pointer); else 0
 * @nfds: poll: its length; else 0
 * @has_timeout: poll: 1 if it had a timeout (@remaining_ns counts), else 0
 *
 * Present when the task was in a system call whose restart depends on
 * kernel state (restart_syscall(2)); the restore rebuilds that state so
 * the call resumes with what was left: a nanosleep sleeps only its
 * remaining time, a poll waits only what was left of its timeout.
 */
struct ckpt_rec_restart {
	__u32 kind;
	__s32 clockid;
	__s64 remaining_ns;
	__u64 rmtp;
	__u64 ufds;
	__u32 nfds;
	__u32 has_timeout;
};

#define CKPT_MAX_POLL_FDS	(1U << 20)

/**
 * struct ckpt_rec_rlimit - one of CKPT_NRLIMITS entries of CKPT_REC_RLIMITS
 * (index = RLIMIT_*), as struct rlimit64; RLIM64_INFINITY is ~0
 */
struct ckpt_rec_rlimit {
	__u64 cur;
	__u64 max;
};

#define CKPT_NRLIMITS		16

/* struct ckpt_rec_sigpending.flags */
#define CKPT_SIGP_SHARED	(1U << 0)	/* process-wide pending */
#define CKPT_SIGP_NOINFO	(1U << 1)	/* pending without siginfo */

#define CKPT_SIGINFO_SIZE	128
#define CKPT_MAX_SIGPENDING	(CKPT_REC_MAX_META / \
				 sizeof(struct ckpt_rec_sigpending))

/**
 * struct ckpt_rec_sigpending - one pending signal, in queue order
 * @sig: signal number, 1..64
 * @flags: CKPT_SIGP_*
 * @info: its siginfo_t as user space sees it (si_signo == sig), or zero
 *	with CKPT_SIGP_NOINFO
 *
 * CKPT_REC_SIGPENDING holds every queued signal of the task, private and
 * process-wide, as the main thread's; each comes back on its queue.
 */
struct ckpt_rec_sigpending {
	__u32 sig;
	__u32 flags;
	__u8 info[CKPT_SIGINFO_SIZE];
};

/**
 * struct ckpt_rec_timers - the process's timers and clocks
 * @real_ns: time left on ITIMER_REAL (setitimer(2), alarm(2)); 0 if it
 *	is not armed
 * @real_interval_ns: its reload value, 0 for a one-shot (and when not
 *	armed)
 * @monotonic_ns: CLOCK_MONOTONIC as the process read it at the checkpoint
 *	(its time namespace's offset included), or CLOCK_MONOTONIC_RAW if
 *	that was later (a time namespace offsets both alike); 0 if unknown
 * @boottime_ns: CLOCK_BOOTTIME likewise (moved on as much), >=
 *	@monotonic_ns
 * @prof_ns: CPU time (user + system) left on ITIMER_PROF, 0 if not armed
 * @prof_interval_ns: its reload value
 * @virt_ns: user CPU time left on ITIMER_VIRTUAL, 0 if not armed
 * @virt_interval_ns: its reload value
 * @nr_posix: struct ckpt_rec_posix_timer entries that follow, at most
 *	CKPT_MAX_POSIX_TIMERS, in ascending timer ID order
 * @reserved: 0
 *
 * Always written.  ITIMER_REAL restarts, relative to the restore, with the
 * time that was left, ITIMER_PROF and ITIMER_VIRTUAL with the CPU time
 * that was left.  The clocks let restart(1) put the process in a time
 * namespace whose offsets keep its CLOCK_MONOTONIC and CLOCK_BOOTTIME from
 * going back on a machine booted later.
 */
struct ckpt_rec_timers {
	__s64 real_ns;
	__s64 real_interval_ns;
	__s64 monotonic_ns;
	__s64 boottime_ns;
	__s64 prof_ns;
	__s64 prof_interval_ns;
	__s64 virt_ns;
	__s64 virt_interval_ns;
	__u32 nr_posix;
	__u32 reserved;
};

/**
 * struct ckpt_rec_clocks - the process's clocks at the checkpoint
 * @monotonic_ns: CLOCK_MONOTONIC as the process read it (its time
 *	namespace's offset included), >= 0
 * @monotonic_raw_ns: CLOCK_MONOTONIC_RAW likewise (a time namespace
 *	offsets it by the monotonic offset), >= 0
 * @boottime_ns: CLOCK_BOOTTIME likewise, >= @monotonic_ns
 *
 * Written for every process since CKPT_FEAT_CLOCKS (images without it
 * have only ckpt_rec_timers' @monotonic_ns, the later of MONOTONIC and
 * MONOTONIC_RAW).  restart(1) compares each clock with its own: a
 * process restored on the same boot needs no time namespace, one on a
 * machine booted later gets the offset that keeps all three from going
 * back.
 */
struct ckpt_rec_clocks {
	__s64 monotonic_ns;
	__s64 monotonic_raw_ns;
	__s64 boottime_ns;
};

/* struct ckpt_rec_fown.flags */
#define CKPT_FOWN_ASYNC		(1U << 0)	/* O_ASYNC: signal-driven I/O */
/*
 * A checkpoint refused (EOPNOTSUPP, CKPT_OBJ_FD) because the open file's
 * owner is not restored with it: struct ckpt_checkpoint_args.err_addr is
 * CKPT_FOWN_ERR(type, pid), F_OWNER_* and the PID (0: not in the
 * caller's PID namespace).
 */
#define CKPT_FOWN_ERR(type, pid) \
	((((__u64)(type) + 1) << 32) | (__u32)(pid))

/**
 * struct ckpt_rec_fown - the owner of an open file (fcntl(2) F_SETOWN_EX,
 *	F_SETSIG, O_ASYNC)
 * @fd: the descriptor of its FILE entry (the open file's first, not
 *	CKPT_FD_SHARED nor CKPT_FD_TREE)
 * @type: F_OWNER_TID, F_OWNER_PID or F_OWNER_PGRP (0 if @pid is 0)
 * @pid: the thread, process or process group (in the checkpointer's PID
 *	namespace) that gets SIGIO and SIGURG: a thread or process of the
 *	checkpoint, or a group one of its processes leads; 0 for none
 * @signum: the signal sent instead of SIGIO (F_SETSIG), 0 for SIGIO
 * @flags: CKPT_FOWN_*
 * @reserved: 0
 *
 * One per open file that has any; ascending @fd.  The restored process
 * sets them with fcntl(2): its kernel checks apply.
 */
struct ckpt_rec_fown {
	__s32 fd;
	__u32 type;
	__s32 pid;
	__s32 signum;
	__u32 flags;
	__u32 reserved;
};

#define CKPT_UTS_LEN		65	/* __NEW_UTS_LEN + 1 */

/**
 * struct ckpt_rec_uts - the UTS namespace of the processes, their own
 * @nodename: its host name (uname -n, sethostname(2)), NUL-terminated,
 *	zeros after the NUL
 * @domainname: its NIS domain name (setdomainname(2)), likewise
 * @reserved: 0
 *
 * With the first process of an image whose header has CKPT_IMAGE_UTS_NS,
 * and only then.  restart(1) makes a new UTS namespace with these names
 * before it creates the processes.
 */
struct ckpt_rec_uts {
	char nodename[CKPT_UTS_LEN];
	char domainname[CKPT_UTS_LEN];
	__u8 reserved[6];
};

#define CKPT_MAX_POSIX_TIMERS	1024
#define CKPT_MAX_TIMER_ID	65535

/**
 * struct ckpt_rec_posix_timer - one POSIX timer (timer_create(2))
 * @id: its timer ID, at most CKPT_MAX_TIMER_ID
 * @clockid: CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_TAI,
 *	CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM (CAP_WAKE_ALARM needed in
 *	the image's credentials), or a CPU-time clock as clock_getcpuclockid
 *	encodes it: the process's own (pid 0: ((~0) << 3) | which, i.e.
 *	CLOCK_PROCESS_CPUTIME_ID's -6 for the scheduler clock) or one of its
 *	threads' (((~tid) << 3) | 4 | which); which is 0 user+system, 1 user,
 *	2 scheduler time
 * @notify: sigev_notify: SIGEV_SIGNAL, SIGEV_NONE or SIGEV_THREAD_ID
 *	(glibc's SIGEV_THREAD timers are SIGEV_THREAD_ID timers of its helper
 *	thread)
 * @signo: sigev_signo (0 with SIGEV_NONE)
 * @tid: the thread signalled with SIGEV_THREAD_ID, else 0
 * @reserved: 0
 * @value: sigev_value, as delivered in si_value
 * @value_ns: time to its next expiry, relative (CPU time on a CPU-time
 *	clock); 0 if it is disarmed
 * @interval_ns: its reload value, 0 for a one-shot
 *
 * A timer re-created by restart(1) gets its ID back and is armed with the
 * time left, relative to the restore (an absolute CLOCK_REALTIME expiry
 * is not kept as such).  Its signal, if pending, is in the SIGPENDING
 * record.
 */
struct ckpt_rec_posix_timer {
	__s32 id;
	__s32 clockid;
	__s32 notify;
	__s32 signo;
	__s32 tid;
	__u32 reserved;
	__u64 value;
	__s64 value_ns;
	__s64 interval_ns;
};

#define CKPT_MAX_THREADS	4096

/**
 * struct ckpt_rec_thread - one thread other than the main one
 * @tid: its TID
 * @flags: 0
 * @comm: its name
 * @blocked .. @sas_ss_flags: as in struct ckpt_rec_task
 * @xstate_len: bytes of XSAVE area that follow (the header's xstate_size)
 * @nr_sigpending: struct ckpt_rec_sigpending entries that follow the XSAVE
 *	area: the thread's own pending signals
 * @have_restart: @restart is valid
 * @regs: its registers, an interrupted system call rewound
 * @restart: as CKPT_REC_RESTART, for this thread
 */
/* struct ckpt_rec_thread.flags */
#define CKPT_THREAD_NO_NEW_PRIVS	(1U << 0)	/* per thread, as the kernel keeps it */

struct ckpt_rec_thread {
	__s32 tid;
	__u32 flags;
	char comm[16];
	__u64 blocked;
	__u64 rseq;
	__u32 rseq_len;
	__u32 rseq_sig;
	__u64 clear_child_tid;
	__u64 set_child_tid;
	__u64 robust_list;
	__u64 robust_list_len;
	__u64 sas_ss_sp;
	__u64 sas_ss_size;
	__u32 sas_ss_flags;
	__u32 xstate_len;
	__u32 nr_sigpending;
	__u32 have_restart;
	struct ckpt_rec_regs regs;
	struct ckpt_rec_restart restart;
};

/**
 * struct ckpt_rec_seccomp - a thread's seccomp mode, or one of its filters
 * @tid: the thread (the process's PID for its main thread)
 * @mode: SECCOMP_MODE_STRICT (then @index, @flags and @len are 0) or
 *	SECCOMP_MODE_FILTER
 * @index: the filter's place in the thread's chain, 0 the oldest; a
 *	thread's records come in order, without gaps
 * @flags: SECCOMP_FILTER_FLAG_LOG, or 0
 * @len: instructions of the classic BPF program (struct sock_filter,
 *	8 bytes each) that follow, 1 to BPF_MAXINSNS
 * @reserved: 0
 *
 * Written for every thread not in SECCOMP_MODE_DISABLED, after the SHMDATA
 * records.  The restored thread installs the filters, oldest first, as
 * the last thing before it returns to user space (so they filter nothing
 * of the restore itself).
 */
struct ckpt_rec_seccomp {
	__s32 tid;
	__u32 mode;
	__u32 index;
	__u32 flags;
	__u32 len;
	__u32 reserved;
};

/* Bytes of filter programs a restore accepts in all of an image. */
#define CKPT_SECCOMP_MAX_BYTES	(4U << 20)

/* Bytes a restore accepts in all PIPEDATA records of an image. */
#define CKPT_PIPE_MAX_DATA	(16U << 20)

/**
 * struct ckpt_rec_pipedata - unread bytes of a pipe; they follow
 * @ino: the pipe, as in its FILE records
 * @reserved: 0
 *
 * A pipe's contents, in order, in one or more records (each within
 * CKPT_REC_MAX_META); at most the pipe's capacity in all.
 */
struct ckpt_rec_pipedata {
	__u64 ino;
	__u64 reserved;
};

/* Bytes of deleted files' contents a checkpoint saves in all. */
#define CKPT_GHOST_MAX_DATA	(64U << 20)

/**
 * struct ckpt_rec_ghostdata - a piece of a deleted file; the bytes follow
 * @ino: the file, as in its FILE records (CKPT_FILE_GHOST) or its VMA
 *	records (CKPT_VMAF_GHOST)
 * @offset: where the bytes go in the file
 *
 * Holes are not saved: a GHOSTDATA-less range reads back as zeros.
 */
struct ckpt_rec_ghostdata {
	__u64 ino;
	__u64 offset;
};

/* struct ckpt_rec_fdstate.flags */
#define CKPT_EFD_SEMAPHORE	(1U << 0)	/* eventfd: EFD_SEMAPHORE */
#define CKPT_TFD_ABSTIME	(1U << 1)	/* timerfd: armed with
						 * TFD_TIMER_ABSTIME */
#define CKPT_FDSTATE_FLAGS	(CKPT_EFD_SEMAPHORE | CKPT_TFD_ABSTIME)

/* Watched descriptors of one epoll instance an image may hold. */
#define CKPT_MAX_EPITEMS	((CKPT_REC_MAX_META - \
				  sizeof(struct ckpt_rec_fdstate)) / \
				 sizeof(struct ckpt_rec_epitem))
/* ... and of all its epoll instances together. */
#define CKPT_MAX_EPITEMS_ALL	65536

/**
 * struct ckpt_rec_epitem - one entry of an epoll interest list
 * @fd: the watched descriptor (a FILE record of the image)
 * @events: its event mask (EPOLLIN..., EPOLLET, EPOLLONESHOT...)
 * @data: its user data (epoll_event.data)
 */
struct ckpt_rec_epitem {
	__s32 fd;
	__u32 events;
	__u64 data;
};

/**
 * struct ckpt_rec_fdstate - the state of an eventfd, timerfd, signalfd,
 * epoll or inotify file; for epoll, @nr_items struct ckpt_rec_epitem follow
 * @fd: the FILE record it belongs to (one that is not CKPT_FD_SHARED;
 *	descriptors sharing the open file share this state)
 * @kind: CKPT_FILE_EVENTFD, _TIMERFD, _SIGNALFD, _EPOLL or _INOTIFY, as
 *	that record
 * @flags: CKPT_EFD_SEMAPHORE (eventfd), CKPT_TFD_ABSTIME (timerfd)
 * @nr_items: epoll: entries that follow, in ascending @fd; 0 otherwise
 * @clockid: timerfd: its clock (CLOCK_REALTIME, _MONOTONIC, _BOOTTIME,
 *	_REALTIME_ALARM, _BOOTTIME_ALARM)
 * @count: eventfd: the counter (< 2^64 - 1); timerfd: expirations not
 *	yet read; inotify: the watch descriptor the next new watch would
 *	get, 1..INT_MAX (its watches are INWATCH records)
 * @value_ns: timerfd: time left until it next expires, 0 if disarmed
 * @interval_ns: timerfd: its period, 0 for a one-shot
 * @expires_ns: timerfd with CKPT_TFD_ABSTIME on a CLOCK_REALTIME clock:
 *	the absolute expiry (the restore keeps it, so the timer fires at
 *	the same wall-clock time); 0 otherwise (relative to the restore)
 * @sigmask: signalfd: the signals it reads (bit n-1 for signal n)
 * @reserved: 0
 */
struct ckpt_rec_fdstate {
	__s32 fd;
	__u32 kind;
	__u32 flags;
	__u32 nr_items;
	__s32 clockid;
	__u32 reserved0;
	__u64 count;
	__s64 value_ns;
	__s64 interval_ns;
	__s64 expires_ns;
	__u64 sigmask;
	__u64 reserved[2];
};

/* inotify watches an image may hold, in all its instances. */
#define CKPT_MAX_INWATCHES	8192
/* inotify_add_watch(2) masks an image may hold: events and two flags. */
#define CKPT_INWATCH_MASK	0x00000fffU	/* IN_ALL_EVENTS */
#define CKPT_INWATCH_FLAGS	(0x04000000U | 0x80000000U)
					/* IN_EXCL_UNLINK, IN_ONESHOT */

/**
 * struct ckpt_rec_inwatch - one watch of an inotify instance; the absolute
 * path of the watched inode follows (@path_len bytes with its NUL)
 * @fd: the instance's FILE record (CKPT_FILE_INOTIFY, not CKPT_FD_SHARED)
 * @wd: its watch descriptor, >= 1; records come in ascending (@fd, @wd)
 * @mask: the events (some of CKPT_INWATCH_MASK, at least one) and the
 *	flags IN_EXCL_UNLINK and IN_ONESHOT, as inotify_add_watch(2) took
 *	them
 * @dev: the watched inode's device (new_encode_dev) at checkpoint
 * @ino: its inode number at checkpoint
 * @path_len: the path's length with its NUL, 2..CKPT_PATH_MAX
 * @reserved: 0
 *
 * The restore adds the watch to the path again (IN_DONT_FOLLOW: the path
 * names the watched inode itself) under the same descriptor.  Like a file
 * reopened by path, the inode found there is not checked against
 * @dev/@ino, which ``ckpt show`` prints.
 */
struct ckpt_rec_inwatch {
	__s32 fd;
	__s32 wd;
	__u32 mask;
	__u32 dev;
	__u64 ino;
	__u32 path_len;
	__u32 reserved;
};

/* Groups one MCAST record holds (IP's igmp_max_memberships default). */
#define CKPT_MCAST_MAX_GROUPS	20
/* struct ckpt_rec_mcast.flags */
#define CKPT_MCAST_NO_LOOP	(1U << 0)	/* IP(V6)_MULTICAST_LOOP 0 */

/**
 * struct ckpt_rec_mcast_group - one multicast group a socket joined
 * @addr: the group: an IPv4 address in the first 4 bytes (the rest 0)
 *	for an AF_INET socket, else an IPv6 one
 * @ifindex: the device it was joined on (0: the kernel's choice)
 * @if_addr: IPv4: the local address it was joined by (imr_address,
 *	network order), or 0; IPv6: 0
 */
struct ckpt_rec_mcast_group {
	__u8 addr[16];
	__s32 ifindex;
	__u32 if_addr;
};

/**
 * struct ckpt_rec_mcast - a UDP socket's multicast state, when it is not a
 * new socket's; @nr_groups struct ckpt_rec_mcast_group follow
 * @id: the socket (its SOCKET record's id); one record a socket at most
 * @nr_groups: 0..CKPT_MCAST_MAX_GROUPS, in the order they were joined
 * @flags: CKPT_MCAST_NO_LOOP
 * @hops: IP_MULTICAST_TTL (0..255; a new socket's is 1), or
 *	IPV6_MULTICAST_HOPS (-1, the route's default, ..255)
 * @ifindex: IP_MULTICAST_IF's or IPV6_MULTICAST_IF's device, or 0
 * @if_addr: IPv4: IP_MULTICAST_IF's local address (network order), or 0
 * @reserved: 0
 *
 * The restore sets the options, then joins each group as
 * IP_ADD_MEMBERSHIP / IPV6_ADD_MEMBERSHIP would, as the restored process:
 * every device must exist, in the restorer's network namespace, before
 * the point of no return (ENODEV, naming the fd).
 */
struct ckpt_rec_mcast {
	__u64 id;
	__u32 nr_groups;
	__u32 flags;
	__s32 hops;
	__s32 ifindex;
	__u32 if_addr;
	__u32 reserved;
};

/* A netlink socket's multicast groups an image holds: 1..this. */
#define CKPT_NL_MAX_GROUPS	1024

/* struct ckpt_rec_netlink.flags: its options set, and connect(2) */
#define CKPT_NL_PKTINFO		(1U << 0)	/* NETLINK_PKTINFO */
#define CKPT_NL_BROADCAST_ERROR	(1U << 1)	/* NETLINK_BROADCAST_ERROR */
#define CKPT_NL_NO_ENOBUFS	(1U << 2)	/* NETLINK_NO_ENOBUFS */
#define CKPT_NL_CAP_ACK		(1U << 3)	/* NETLINK_CAP_ACK */
#define CKPT_NL_EXT_ACK		(1U << 4)	/* NETLINK_EXT_ACK */
#define CKPT_NL_GET_STRICT_CHK	(1U << 5)	/* NETLINK_GET_STRICT_CHK */
#define CKPT_NL_CONNECTED	(1U << 6)	/* connected to @dst_portid,
						 * @dst_group */
#define CKPT_NL_ALL		((1U << 7) - 1)

/**
 * struct ckpt_rec_netlink - what a netlink socket has beyond its SOCKET
 * record (whose address is its port ID, nl_groups 0)
 * @id: the socket (its SOCKET record's id, family AF_NETLINK); one record
 *	for each such socket
 * @flags: CKPT_NL_*
 * @dst_portid: CKPT_NL_CONNECTED: the port ID it is connected to (0: the
 *	kernel); else 0
 * @dst_group: CKPT_NL_CONNECTED: the group it sends to, 0..32; else 0
 * @reserved: 0
 * @groups: the multicast groups it is a member of, group g (1-based) as
 *	bit (g - 1) % 32 of word (g - 1) / 32
 *
 * The restore binds the socket to its port ID, joins each group with
 * NETLINK_ADD_MEMBERSHIP and sets each option with setsockopt(), then
 * connects it, as the restored process: the kernel's checks apply (EPERM
 * for a group or a destination its credentials may not use, EADDRINUSE
 * for a port ID taken).  Multicast group numbers of generic netlink
 * families are those of the kernel that made the image.
 */
struct ckpt_rec_netlink {
	__u64 id;
	__u32 flags;
	__u32 dst_portid;
	__u32 dst_group;
	__u32 reserved;
	__u32 groups[CKPT_NL_MAX_GROUPS / 32];
};

/* inotify events (struct inotify_event) an INEVENTS record may carry. */
#define CKPT_INEVENT_MASK	(0x00000fffU | 0x00002000U | 0x00004000U | \
				 0x00008000U | 0x40000000U)
				/* IN_ALL_EVENTS, IN_UNMOUNT, IN_Q_OVERFLOW,
				 * IN_IGNORED, IN_ISDIR */
#define CKPT_INEVENT_NAME_MAX	256	/* an event's len: NAME_MAX + 1 */
/* Bytes of unread inotify events a process's image holds, in all. */
#define CKPT_INEVENTS_MAX	(1U << 20)

/**
 * struct ckpt_rec_inevents - the events an inotify instance had queued
 * and not read; @len bytes of events follow, each a struct inotify_event
 * as read(2) returns it: wd, mask, cookie, len, then len bytes of name
 * padded with NULs (len 0, or a multiple of 16 up to
 * CKPT_INEVENT_NAME_MAX, the name NUL-terminated in it)
 * @fd: the instance's FILE record (CKPT_FILE_INOTIFY, not CKPT_FD_SHARED);
 *	one record an instance at most, in ascending @fd
 * @nr_events: how many events follow, >= 1, in queue order
 * @len: their bytes
 * @reserved: 0
 *
 * A wd >= 1 names a watch (it may be gone: its IN_IGNORED is among the
 * events); the queue's overflow event (IN_Q_OVERFLOW, wd -1, no name)
 * can only be the last.  The restore queues them again, in order, once
 * the instance's watches are added, so a read returns the same bytes.
 */
struct ckpt_rec_inevents {
	__s32 fd;
	__u32 nr_events;
	__u32 len;
	__u32 reserved;
};

/* Bytes of memfd and shared anonymous memory a checkpoint saves in all. */
#define CKPT_SHMEM_MAX_DATA	(64U << 20)
/* A memfd's name, without "memfd:", with its NUL (memfd_create(2)). */
#define CKPT_MEMFD_NAME_MAX	250

/* struct ckpt_rec_shmem.kind */
#define CKPT_SHMEM_MEMFD	1	/* memfd_create(2) */
#define CKPT_SHMEM_ANON		2	/* mmap(MAP_SHARED | MAP_ANONYMOUS) */

/**
 * struct ckpt_rec_shmem - a memfd or a shared anonymous memory object;
 * for a memfd, its name follows
 * @id: names it in FILE (CKPT_FILE_MEMFD) and VMA (CKPT_VMA_SHMEM)
 *	records: its inode number when checkpointed; ascending
 * @size: its size in bytes
 * @kind: CKPT_SHMEM_*
 * @seals: memfd: F_GET_SEALS (F_SEAL_SEAL if sealing was not allowed);
 *	0 otherwise
 * @name_len: memfd: bytes of name that follow (without "memfd:"),
 *	including the NUL, 1..CKPT_MEMFD_NAME_MAX; 0 otherwise
 * @reserved: 0
 *
 * Its contents follow in SHMDATA records; holes read back as zeros.
 */
struct ckpt_rec_shmem {
	__u64 id;
	__u64 size;
	__u32 kind;
	__u32 seals;
	__u32 name_len;
	__u32 reserved;
};

/**
 * struct ckpt_rec_shmdata - a piece of a SHMEM object; the bytes follow
 * @id: the object
 * @offset: where the bytes go, page-aligned
 */
struct ckpt_rec_shmdata {
	__u64 id;
	__u64 offset;
};

/* Bytes of unread socket data a checkpoint saves in all. */
#define CKPT_SOCK_MAX_DATA	(16U << 20)
/* SOCKDATA records of one process's records (messages, 64 KiB pieces). */
#define CKPT_MAX_SOCKDATA	65536
/* Sockets of one process's records. */
#define CKPT_MAX_SOCKETS	4096
/* Largest address (struct sockaddr_un, _in6...) a SOCKET record holds. */
#define CKPT_SOCK_ADDR_MAX	128

/* struct ckpt_rec_socket.state */
#define CKPT_SOCK_UNBOUND	1	/* socket(2) only */
#define CKPT_SOCK_BOUND		2	/* bound, not listening */
#define CKPT_SOCK_LISTEN	3	/* listening, nothing to accept */
#define CKPT_SOCK_PAIR		4	/* UNIX: connected to @peer, which is
					 * in the checkpoint too */
#define CKPT_SOCK_ESTABLISHED	5	/* TCP: a connection, restored with
					 * TCP repair (CKPT_REC_TCPSTATE) */

/* struct ckpt_rec_socket.flags */
#define CKPT_SOCKF_PASSCRED	(1U << 0)	/* SO_PASSCRED */
#define CKPT_SOCKF_REUSEADDR	(1U << 1)	/* SO_REUSEADDR */
#define CKPT_SOCKF_REUSEPORT	(1U << 2)	/* SO_REUSEPORT */
#define CKPT_SOCKF_KEEPALIVE	(1U << 3)	/* SO_KEEPALIVE */
#define CKPT_SOCKF_NODELAY	(1U << 4)	/* TCP_NODELAY */
#define CKPT_SOCKF_V6ONLY	(1U << 5)	/* IPV6_V6ONLY */
#define CKPT_SOCKF_BROADCAST	(1U << 6)	/* SO_BROADCAST */
#define CKPT_SOCKF_SNDBUF	(1U << 7)	/* SO_SNDBUF was set: @sndbuf */
#define CKPT_SOCKF_RCVBUF	(1U << 8)	/* SO_RCVBUF was set: @rcvbuf */
#define CKPT_SOCKF_PEER_GONE	(1U << 9)	/* PAIR whose other end was
						 * closed: @peer is 0 */
#define CKPT_SOCKF_ALL		((1U << 10) - 1)

/**
 * struct ckpt_rec_socket - a socket; its address (getsockname(2), the
 * sockaddr itself) follows
 * @id: names it in FILE records (CKPT_FILE_SOCKET): its inode number
 * @peer: CKPT_SOCK_PAIR: the @id of the other end, whose SOCKET record is
 *	in the same process's records (a pair is saved with the first
 *	process of a tree that holds either end); 0 otherwise
 * @family: AF_UNIX, AF_INET, AF_INET6 or AF_NETLINK
 * @type: SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET (UNIX only); netlink:
 *	SOCK_RAW or SOCK_DGRAM
 * @protocol: 0 for UNIX; IPPROTO_TCP (SOCK_STREAM) or IPPROTO_UDP
 *	(SOCK_DGRAM) for AF_INET and AF_INET6; netlink: its NETLINK_* family
 *	(0..31)
 * @state: CKPT_SOCK_*; TCP: UNBOUND, BOUND, LISTEN or ESTABLISHED; UDP:
 *	UNBOUND or BOUND; UNIX: UNBOUND, BOUND, LISTEN or PAIR; netlink:
 *	UNBOUND or BOUND (a port ID, struct sockaddr_nl, its nl_groups 0:
 *	the groups are in its NETLINK record)
 * @flags: CKPT_SOCKF_*
 * @shutdown: PAIR: shutdown(2) state, RCV_SHUTDOWN 1 | SEND_SHUTDOWN 2
 * @backlog: LISTEN: listen(2)'s backlog
 * @sndbuf, @rcvbuf: SO_SNDBUF and SO_RCVBUF as getsockopt(2) reads them;
 *	restored when CKPT_SOCKF_SNDBUF / _RCVBUF say they were set
 * @addr_len: bytes of address that follow, 0..CKPT_SOCK_ADDR_MAX; 0 for
 *	an unbound socket, else a struct sockaddr of @family
 * @path_ino, @path_dev: a UNIX socket bound to a path: the socket file's
 *	identity; the restore unlinks a socket file at that path only if it
 *	is still that one, and refuses (EADDRINUSE) another file there
 * @path_mode: its permission bits
 * @reserved: 0
 *
 * Unread data of a PAIR socket (what its peer sent it) follows in
 * SOCKDATA records, and an ESTABLISHED socket's unread and unacknowledged
 * bytes, with its TCPSTATE record; the other states have none.
 */
struct ckpt_rec_socket {
	__u64 id;
	__u64 peer;
	__u16 family;
	__u16 type;
	__u16 protocol;
	__u16 state;
	__u32 flags;
	__u32 shutdown;
	__u32 backlog;
	__s32 sndbuf;
	__s32 rcvbuf;
	__u32 addr_len;
	__u64 path_ino;
	__u64 path_dev;
	__u32 path_mode;
	__u32 reserved;
};

/* struct ckpt_rec_sockdata.flags */
#define CKPT_SOCKDATA_EOR	(1U << 0)	/* last piece of a message
						 * (SOCK_DGRAM, SOCK_SEQPACKET) */
#define CKPT_SOCKDATA_SEND	(1U << 1)	/* TCP: bytes of the send queue
						 * (sent but not acknowledged,
						 * or not sent yet) */

/**
 * struct ckpt_rec_sockdata - unread bytes of a socket of a pair; they follow
 * @id: the socket (a SOCKET record of the same process, CKPT_SOCK_PAIR)
 * @flags: CKPT_SOCKDATA_EOR ends each message of a datagram or
 *	seqpacket socket (a message may span records); 0 for a stream;
 *	CKPT_SOCKDATA_SEND for a TCP connection's send queue (its receive
 *	queue's records come first, without it)
 * @reserved: 0
 *
 * In queue order, as the socket would read them; at most
 * CKPT_SOCK_MAX_DATA bytes in all.  The restore queues them again, sent
 * by the other end before the process runs.
 */
struct ckpt_rec_sockdata {
	__u64 id;
	__u32 flags;
	__u32 reserved;
};

/* Bytes of SysV shared memory a checkpoint saves in all. */
#define CKPT_SYSV_MAX_DATA	(256U << 20)
/* Segments an image may hold. */
#define CKPT_MAX_SYSVSHM	4096

/* struct ckpt_rec_sysvshm.mode: the permission bits (0777), and */
#define CKPT_SYSV_DEST		01000	/* SHM_DEST: removed (IPC_RMID), it
					 * lives on while attached; key 0 */

/**
 * struct ckpt_rec_sysvshm - a SysV shared memory segment (shmget(2))
 * @id: its shmid, as the IPC namespace numbers it (>= 0)
 * @key: its key (IPC_PRIVATE: 0)
 * @mode: its permission bits and CKPT_SYSV_DEST
 * @uid, @gid: its owner (IPC_SET can change them)
 * @cuid, @cgid: its creator (informative: a restore cannot set them)
 * @size: its size in bytes, as shmget(2) was given it (> 0)
 * @reserved: 0
 *
 * Saved once per image, with the first process that has it attached;
 * every CKPT_VMA_SYSVSHM mapping of any process names it by @id.  Its
 * contents follow in SYSVDATA records (runs of zeros left out).
 * restart(1) creates it again with its id and key before the processes
 * are restored, and each process attaches it at the same address.
 */
struct ckpt_rec_sysvshm {
	__s32 id;
	__s32 key;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 cuid;
	__u32 cgid;
	__u32 reserved0;
	__u64 size;
	__u64 reserved;
};

/* Bytes of SYSVSEM and SYSVMSG records a checkpoint takes in all. */
#define CKPT_SYSV_IPC_MAX	(4U << 20)
#define CKPT_SYSV_SEMMSL	32000	/* semaphores in a set, at most */

/**
 * struct ckpt_rec_sysvsem - a SysV semaphore set; @nsems __u16 values
 * follow (semctl GETALL)
 * @id, @key, @mode, @uid, @gid, @cuid, @cgid: as in ckpt_rec_sysvshm
 *	(@mode: the permission bits only)
 * @nsems: semaphores in the set, 1..CKPT_SYSV_SEMMSL
 * @reserved: 0
 *
 * Saved when the processes have their own IPC namespace (every set of
 * it).  SEM_UNDO adjustments, sempid and the times are not saved.
 */
struct ckpt_rec_sysvsem {
	__s32 id;
	__s32 key;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 cuid;
	__u32 cgid;
	__u32 nsems;
	__u64 reserved;
};

/**
 * struct ckpt_rec_sysvmsg - a SysV message queue; @nr_msgs messages
 * follow, in queue order, each a struct ckpt_sysv_msg and its text
 * padded to 8 bytes
 * @id, @key, @mode, @uid, @gid, @cuid, @cgid: as in ckpt_rec_sysvsem
 * @nr_msgs: messages queued
 * @qbytes: its msg_qbytes (the most bytes it may hold)
 *
 * The whole queue is one record: a queue holding more than a record can
 * carry is refused at checkpoint.
 */
struct ckpt_rec_sysvmsg {
	__s32 id;
	__s32 key;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 cuid;
	__u32 cgid;
	__u32 nr_msgs;
	__u64 qbytes;
};

/**
 * struct ckpt_sysv_msg - one queued message; @len bytes of text follow
 * @mtype: its type (> 0)
 * @len: its length
 * @reserved: 0
 */
struct ckpt_sysv_msg {
	__s64 mtype;
	__u32 len;
	__u32 reserved;
};

/**
 * struct ckpt_rec_sysvdata - a piece of a segment; the bytes follow
 * @id: the segment (a SYSVSHM record of this process, before this one)
 * @reserved: 0
 * @offset: where the bytes go, page-aligned; they end within its size
 */
struct ckpt_rec_sysvdata {
	__s32 id;
	__u32 reserved;
	__u64 offset;
};

/* struct ckpt_rec_tcpstate.flags: options the connection negotiated */
#define CKPT_TCP_WSCALE		(1U << 0)	/* window scaling */
#define CKPT_TCP_SACK		(1U << 1)	/* SACK permitted */
#define CKPT_TCP_TSTAMP		(1U << 2)	/* timestamps */
#define CKPT_TCP_FLAGS		(CKPT_TCP_WSCALE | CKPT_TCP_SACK | \
				 CKPT_TCP_TSTAMP)

/**
 * struct ckpt_rec_tcpstate - an established TCP connection (TCP repair)
 * @id: its SOCKET record (CKPT_SOCK_ESTABLISHED)
 * @snd_una: sequence number of the first byte of the send queue (the
 *	first not acknowledged); @snd_len bytes follow it, in SOCKDATA
 *	records with CKPT_SOCKDATA_SEND
 * @rcv_seq: sequence number of the first unread byte; @rcv_len unread
 *	bytes follow, in SOCKDATA records without it
 * @mss_clamp: the MSS the peer announced
 * @snd_wscale, @rcv_wscale: window scales (with CKPT_TCP_WSCALE), 0..14
 * @flags: CKPT_TCP_*
 * @timestamp: TCP_TIMESTAMP at the checkpoint (with CKPT_TCP_TSTAMP)
 * @snd_wl1, @snd_wnd, @max_window, @rcv_wnd, @rcv_wup: as
 *	TCP_REPAIR_WINDOW
 * @peer_len: bytes of @peer: a struct sockaddr_in or sockaddr_in6 of the
 *	SOCKET's family
 * @peer: the remote address (getpeername(2))
 * @reserved: 0
 */
struct ckpt_rec_tcpstate {
	__u64 id;
	__u32 snd_una;
	__u32 snd_len;
	__u32 rcv_seq;
	__u32 rcv_len;
	__u32 mss_clamp;
	__u16 snd_wscale;
	__u16 rcv_wscale;
	__u32 flags;
	__u32 timestamp;
	__u32 snd_wl1;
	__u32 snd_wnd;
	__u32 max_window;
	__u32 rcv_wnd;
	__u32 rcv_wup;
	__u32 peer_len;
	__u8 peer[28];
	__u32 reserved;
};

/**
 * struct ckpt_rec_pages - a run of pages; nr_pages * page_size bytes follow
 * @addr: page-aligned start, inside one CKPT_REC_VMA of the task
 * @nr_pages: 1..CKPT_PAGES_MAX
 * @reserved: 0 (CKPT_REC_PRECOPY: the pre-copy round)
 *
 * Also the payload of CKPT_REC_PRECOPY_CLEAN (no data follows) and the
 * head of CKPT_REC_PRECOPY (@nr_pages 0 and @addr 0 end the pre-copy).
 */
struct ckpt_rec_pages {
	__u64 addr;
	__u32 nr_pages;
	__u32 reserved;
};

/**
 * struct ckpt_rec_precopy_task - whose pages the next PRECOPY records are
 * @pid: a process of the tree migrated live (CKPT_REC_PRECOPY_TASK)
 * @reserved: 0
 *
 * A tree's pre-copy rounds name each process before its PRECOPY records;
 * a process's pages are merged into the records of the process with that
 * PID in the final image.  One process's rounds name none.
 */
struct ckpt_rec_precopy_task {
	__s32 pid;
	__u32 reserved;
};

/* struct ckpt_rec_tree_task.flags */
#define CKPT_TREE_ZOMBIE	(1U << 0)	/* exited, not yet reaped */

/**
 * struct ckpt_rec_tree_task - one process of a tree (CKPT_REC_TREE)
 * @pid: its PID
 * @ppid: its parent: for every member but the first (the root), an
 *	earlier member
 * @pgid, @sid: its process group and session
 * @flags: CKPT_TREE_*
 * @exit_code: with CKPT_TREE_ZOMBIE, its wait status (as waitpid(2)
 *	reports it: exit status << 8, or the signal); else 0
 *
 * An image of nr_tasks > 1 processes starts with one CKPT_REC_TREE record
 * listing them, parents before children; then each process's records
 * follow in that order, TASK to END, as in a one-process image.  A zombie
 * (never the first, never a parent) has no records: restart makes it
 * exit again with its status, to wait for its parent.
 */
struct ckpt_rec_tree_task {
	__s32 pid;
	__s32 ppid;
	__s32 pgid;
	__s32 sid;
	__u32 flags;
	__u32 exit_code;
};

/**
 * struct ckpt_rec_shares - what a process of a tree shares with an earlier
 * one (clone(2) with CLONE_FILES, CLONE_FS, CLONE_VM, CLONE_SIGHAND)
 * @files_pid: the earlier member whose file table this process uses (the
 *	same table, not a copy: a descriptor one opens, the other has), or 0;
 *	that member's records hold the table's FILE records (and it shares
 *	its own with nobody earlier), this process has none
 * @fs_pid: the earlier member whose fs context (cwd, root, umask) this
 *	process uses, or 0; this process's FS record is that context too
 * @vm_pid: the earlier member whose address space this process uses
 *	(CLONE_VM without CLONE_THREAD), or 0; that member's records hold the
 *	MM, AUXV, VMA and PAGES records of it (and it shares its own with
 *	nobody earlier); this process has none of them, no threads, and its
 *	END record follows its metadata
 * @sighand_pid: the earlier member whose signal handlers this process
 *	uses (CLONE_SIGHAND), or 0; only with @vm_pid, naming @vm_pid or a
 *	member that shares @vm_pid's address space and holds its own
 *	handlers; this process has no SIGACTIONS record
 * @reserved: 0
 *
 * Written, after the SECCOMP records, only by a process that shares one of
 * them; not in an image of one process.  Each names the first member (in
 * image order) holding the object.  The restore gives the process that
 * member's restored table, context, address space or handlers, and its
 * threads with it.  (@vm_pid and @sighand_pid were reserved, zero, before
 * CKPT_FEAT_VMSHARE.)
 */
struct ckpt_rec_shares {
	__s32 files_pid;
	__s32 fs_pid;
	__s32 vm_pid;
	__s32 sighand_pid;
	__u64 reserved[1];
};

/* struct ckpt_rec_attrs.flags */
#define CKPT_ATTR_MCL_FUTURE	(1U << 0)	/* mlockall(MCL_FUTURE) */
#define CKPT_ATTR_MCL_ONFAULT	(1U << 1)	/* ... | MCL_ONFAULT */
#define CKPT_ATTR_THP_DISABLE	(1U << 2)	/* PR_SET_THP_DISABLE */
#define CKPT_ATTR_TSC_SIGSEGV	(1U << 3)	/* PR_SET_TSC PR_TSC_SIGSEGV */
#define CKPT_ATTR_IO_FLUSHER	(1U << 4)	/* PR_SET_IO_FLUSHER */
#define CKPT_ATTR_MCE_KILL	(1U << 5)	/* PR_MCE_KILL_SET: a policy */
#define CKPT_ATTR_MCE_EARLY	(1U << 6)	/* ... PR_MCE_KILL_EARLY */
#define CKPT_ATTR_OOM_ADJ	(1U << 7)	/* oom_score_adj and its
						 * minimum are set */
#define CKPT_ATTR_CTTY		(1U << 8)	/* not a session leader, it
						 * has its session's
						 * controlling terminal */
#define CKPT_ATTR_FLAGS_ALL	0x1ffU

/* Scheduling attributes (CKPT_REC_SCHED). */
#define CKPT_SCHED_CPUS		1024	/* CPUs an affinity can name */

/* struct ckpt_rec_sched.flags */
#define CKPT_SCHED_RESET_ON_FORK (1U << 0)	/* SCHED_RESET_ON_FORK */
#define CKPT_SCHED_ALL_CPUS	(1U << 1)	/* affinity: every CPU there is
						 * (cpus[] is 0); restored as
						 * every CPU of the node */
#define CKPT_SCHED_FLAGS_ALL	0x3U

/* What could not be set (err_fd with CKPT_OBJ_SCHED). */
#define CKPT_SCHED_ATTR_AFFINITY 1
#define CKPT_SCHED_ATTR_POLICY	2	/* policy, priority, nice value */
#define CKPT_SCHED_ATTR_IOPRIO	3

/**
 * struct ckpt_rec_sched - one thread's scheduling attributes
 * @tid: the thread (the TASK record's pid for the main thread)
 * @flags: CKPT_SCHED_*
 * @policy: SCHED_NORMAL (0), SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE
 *	or SCHED_DEADLINE (6)
 * @nice: -20 to 19 (kept for every policy)
 * @rt_priority: 1 to 99 for SCHED_FIFO and SCHED_RR, else 0
 * @ioprio: the thread's I/O priority (ioprio_set(2) value); 0 when it
 *	has none of its own (IOPRIO_CLASS_NONE: it follows the nice value)
 * @dl_runtime, @dl_deadline, @dl_period: SCHED_DEADLINE's, in ns; 0
 *	for the other policies
 * @cpus: the CPU affinity, CPU n as bit n % 64 of word n / 64, unless
 *	CKPT_SCHED_ALL_CPUS
 *
 * One per thread, the main thread's first then in THREAD record order,
 * or none at all (an image of an older module: the restored threads
 * keep the restoring process's attributes).  The restore sets each
 * thread's affinity, then its policy and nice value, then its I/O
 * priority, before the point of no return and with the kernel's checks
 * of sched_setaffinity(2), sched_setattr(2) and ioprio_set(2) for the
 * caller: a lower nice value, a real-time policy or the real-time I/O
 * class needs what they need (CAP_SYS_NICE, RLIMIT_NICE, RLIMIT_RTPRIO).
 * The main thread, once allowed its policy and nice value, restores its
 * memory under the restoring process's and takes its own at the end.
 */
struct ckpt_rec_sched {
	__s32 tid;
	__u32 flags;
	__u32 policy;
	__s32 nice;
	__u32 rt_priority;
	__u32 ioprio;
	__u64 dl_runtime;
	__u64 dl_deadline;
	__u64 dl_period;
	__u64 cpus[CKPT_SCHED_CPUS / 64];
};

/* File locks (CKPT_REC_FLOCK). */
#define CKPT_MAX_FLOCKS		65536

/* struct ckpt_rec_flock.kind */
#define CKPT_FLOCK_FLOCK	1	/* flock(2): the open file's */
#define CKPT_FLOCK_POSIX	2	/* fcntl(F_SETLK): the process's */
#define CKPT_FLOCK_OFD		3	/* fcntl(F_OFD_SETLK): the open file's */

/**
 * struct ckpt_rec_flock - a file lock the process holds
 * @fd: a descriptor of the locked file (a FILE record): for flock and OFD
 *	locks one of the open file that holds the lock; for POSIX locks one
 *	open for what the lock needs (reading for F_RDLCK, writing for
 *	F_WRLCK)
 * @kind: CKPT_FLOCK_*
 * @type: F_RDLCK (0, flock's LOCK_SH) or F_WRLCK (1, LOCK_EX)
 * @reserved: 0
 * @start: first byte (0 for flock)
 * @len: bytes, 0 for "to the end of the file and beyond" (0 for flock)
 *
 * Taken again by the restored process once its descriptors are back,
 * with flock(2) or fcntl(2) and their checks; one another process holds
 * meanwhile fails the restore (EAGAIN on that fd).  Leases are refused.
 */
struct ckpt_rec_flock {
	__s32 fd;
	__u32 kind;
	__u32 type;
	__u32 reserved;
	__s64 start;
	__s64 len;
};

/* struct ckpt_rec_sockopt.mask: the options it holds */
#define CKPT_SOCKOPT_RCVTIMEO	(1U << 0)	/* SO_RCVTIMEO */
#define CKPT_SOCKOPT_SNDTIMEO	(1U << 1)	/* SO_SNDTIMEO */
#define CKPT_SOCKOPT_LINGER	(1U << 2)	/* SO_LINGER on */
#define CKPT_SOCKOPT_PRIORITY	(1U << 3)	/* SO_PRIORITY */
#define CKPT_SOCKOPT_MARK	(1U << 4)	/* SO_MARK */
#define CKPT_SOCKOPT_RCVLOWAT	(1U << 5)	/* SO_RCVLOWAT */
#define CKPT_SOCKOPT_TOS	(1U << 6)	/* IP_TOS, IPV6_TCLASS */
#define CKPT_SOCKOPT_KEEPIDLE	(1U << 7)	/* TCP_KEEPIDLE */
#define CKPT_SOCKOPT_KEEPINTVL	(1U << 8)	/* TCP_KEEPINTVL */
#define CKPT_SOCKOPT_KEEPCNT	(1U << 9)	/* TCP_KEEPCNT */
#define CKPT_SOCKOPT_USER_TIMEOUT (1U << 10)	/* TCP_USER_TIMEOUT */
#define CKPT_SOCKOPT_NOTSENT_LOWAT (1U << 11)	/* TCP_NOTSENT_LOWAT */
#define CKPT_SOCKOPT_CONGESTION	(1U << 12)	/* TCP_CONGESTION, set */
#define CKPT_SOCKOPT_DEFER_ACCEPT (1U << 13)	/* TCP_DEFER_ACCEPT */
#define CKPT_SOCKOPT_FASTOPEN	(1U << 14)	/* TCP_FASTOPEN */
#define CKPT_SOCKOPT_CORK	(1U << 15)	/* TCP_CORK on (no field) */
#define CKPT_SOCKOPT_IPFLAGS	(1U << 16)	/* @ipflags */
#define CKPT_SOCKOPT_TTL	(1U << 17)	/* IP_TTL, IPV6_UNICAST_HOPS */
#define CKPT_SOCKOPT_ALL	((1U << 18) - 1)

/* struct ckpt_rec_sockopt.ipflags: options on (set to 1) */
#define CKPT_IPF_PKTINFO	(1U << 0)	/* IP_PKTINFO */
#define CKPT_IPF_RECVTTL	(1U << 1)	/* IP_RECVTTL */
#define CKPT_IPF_RECVTOS	(1U << 2)	/* IP_RECVTOS */
#define CKPT_IPF_RECVERR	(1U << 3)	/* IP_RECVERR */
#define CKPT_IPF_FREEBIND	(1U << 4)	/* IP_FREEBIND */
#define CKPT_IPF_ORIGDSTADDR	(1U << 5)	/* IP_RECVORIGDSTADDR */
#define CKPT_IPF_V6PKTINFO	(1U << 6)	/* IPV6_RECVPKTINFO */
#define CKPT_IPF_V6HOPLIMIT	(1U << 7)	/* IPV6_RECVHOPLIMIT */
#define CKPT_IPF_V6RECVERR	(1U << 8)	/* IPV6_RECVERR */
#define CKPT_IPF_TIMESTAMP	(1U << 9)	/* SO_TIMESTAMP */
#define CKPT_IPF_TIMESTAMPNS	(1U << 10)	/* SO_TIMESTAMPNS */
#define CKPT_IPF_TSTAMP_NEW	(1U << 11)	/* ..._NEW: set by SO_TIMESTAMP_NEW
						 * or SO_TIMESTAMPNS_NEW */
#define CKPT_IPF_RXQ_OVFL	(1U << 12)	/* SO_RXQ_OVFL */
#define CKPT_IPF_V6TCLASS	(1U << 13)	/* IPV6_RECVTCLASS */
#define CKPT_IPF_V6ORIGDSTADDR	(1U << 14)	/* IPV6_RECVORIGDSTADDR */
#define CKPT_IPF_IP		((1U << 6) - 1)	/* IP sockets only */
#define CKPT_IPF_V6		((7U << 6) | (3U << 13))	/* AF_INET6 only */
#define CKPT_IPF_ALL		((1U << 15) - 1)

#define CKPT_SOCKOPT_CA_MAX	16	/* TCP_CA_NAME_MAX */

/**
 * struct ckpt_rec_sockopt - options of a socket that differ from a new
 * socket's; after the CGROUP record, one for each such socket of the
 * process's SOCKET records
 * @id: the socket, as its SOCKET record's @id
 * @mask: CKPT_SOCKOPT_*, not 0; a field whose bit is clear is 0
 * @linger_s: SO_LINGER's l_linger (seconds), with l_onoff 1
 * @rcvtimeo_us, @sndtimeo_us: SO_RCVTIMEO, SO_SNDTIMEO (microseconds,
 *	less than 2^40)
 * @priority: SO_PRIORITY
 * @mark: SO_MARK
 * @rcvlowat: SO_RCVLOWAT, 0..INT_MAX
 * @tos: IP_TOS (AF_INET) or IPV6_TCLASS (AF_INET6), 0..255
 * @keepidle, @keepintvl: TCP_KEEPIDLE, TCP_KEEPINTVL (seconds, 1..32767)
 * @keepcnt: TCP_KEEPCNT, 1..127
 * @user_timeout: TCP_USER_TIMEOUT (milliseconds), 0..INT_MAX
 * @notsent_lowat: TCP_NOTSENT_LOWAT (bytes), 1..INT_MAX
 * @ipflags: CKPT_IPF_*, options that are on: the IP ones only on IP
 *	sockets, the IPv6 ones on AF_INET6 ones, SO_TIMESTAMP and
 *	SO_TIMESTAMPNS not both, CKPT_IPF_TSTAMP_NEW only with one
 * @ttl: IP_TTL (AF_INET, 1..255) or IPV6_UNICAST_HOPS (AF_INET6, 0..255)
 *	as the process set it
 * @reserved: 0
 * @congestion: TCP_CONGESTION as the process set it: a name of [a-z0-9_],
 *	NUL-terminated, zeros after; the restore refuses one this kernel
 *	does not have (ENOENT; a module is loaded first if the restorer
 *	has CAP_NET_ADMIN) or a restricted one without the restorer's
 *	CAP_NET_ADMIN (EPERM), before the point of no return
 * @defer_accept: TCP_DEFER_ACCEPT as getsockopt(2) reads it (seconds,
 *	1..INT_MAX)
 * @fastopen: TCP_FASTOPEN's queue length (1..INT_MAX), not for an
 *	established connection
 *
 * Set again with setsockopt(2)'s checks, as the restored process, but
 * SO_MARK and SO_PRIORITY above 6, which need the restorer's CAP_NET_ADMIN
 * (EPERM at CKPT_IOC_RESTORE_PREPARE, err_type CKPT_REC_SOCKOPT, err_fd
 * the socket's; the process may have set them before it dropped the
 * privilege); the TCP ones only on TCP sockets, TOS, TTL and the IP flags
 * only on IP ones, the IPv6 flags on AF_INET6 ones.
 */
struct ckpt_rec_sockopt {
	__u64 id;
	__u32 mask;
	__u32 linger_s;
	__u64 rcvtimeo_us;
	__u64 sndtimeo_us;
	__u32 priority;
	__u32 mark;
	__s32 rcvlowat;
	__u32 tos;
	__u32 keepidle;
	__u32 keepintvl;
	__u32 keepcnt;
	__u32 user_timeout;
	__u32 notsent_lowat;
	__u16 ipflags;
	__u8 ttl;
	__u8 reserved;
	char congestion[CKPT_SOCKOPT_CA_MAX];
	__u32 defer_accept;
	__u32 fastopen;
};

/**
 * struct ckpt_rec_cgroup - the process's cgroup; its path follows
 * @flags: 0
 * @path_len: bytes of the path that follow, including its NUL
 *
 * The main thread's cgroup in the version 2 hierarchy, as
 * /proc/PID/cgroup's "0::" line gives it to the checkpointer (relative
 * to its cgroup namespace).  The module does not move the restored
 * process: it runs in the restoring process's cgroup, which restart
 * --cgroup makes this one by entering it first.
 */
struct ckpt_rec_cgroup {
	__u32 flags;
	__u32 path_len;
};

/* Terminals whose settings an image may hold. */
#define CKPT_MAX_TTYS		64

/**
 * struct ckpt_rec_attrs - process attributes beyond the TASK record;
 * @nr_ttys struct ckpt_rec_tty follow
 * @flags: CKPT_ATTR_*
 * @securebits: the main thread's securebits (SECBIT_* and their locks)
 * @timer_slack_ns: the main thread's timer slack (PR_GET_TIMERSLACK)
 * @default_timer_slack_ns: what PR_SET_TIMERSLACK 0 goes back to
 * @coredump_filter: /proc/PID/coredump_filter bits
 * @nr_ttys: terminals whose settings follow, in ascending fd
 * @oom_score_adj: /proc/PID/oom_score_adj (-1000 to 1000), with
 *	CKPT_ATTR_OOM_ADJ; below the restoring process's minimum it needs
 *	CAP_SYS_RESOURCE, as writing it does
 * @oom_score_adj_min: the lowest an unprivileged write may set it to
 *	(the last value written with CAP_SYS_RESOURCE); restored only by a
 *	caller with CAP_SYS_RESOURCE, else the restoring process's stays
 * @fg_pgrp: with a terminal of CKPT_TTY_CTTY, its foreground process group
 *	(tcgetpgrp(3)) as the checkpointer sees it, 0 if none; in a tree,
 *	the first member of the session in that group makes it the
 *	foreground again (CKPT_FEAT_PTY)
 * @reserved: 0
 *
 * Written for every process.  Memory locks themselves are VMA flags
 * (VM_LOCKED 0x2000, VM_LOCKONFAULT 0x8000000 in struct ckpt_rec_vma
 * vm_flags); the restore locks them again after filling the pages.
 */
struct ckpt_rec_attrs {
	__u32 flags;
	__u32 securebits;
	__u64 timer_slack_ns;
	__u64 default_timer_slack_ns;
	__u32 coredump_filter;
	__u32 nr_ttys;
	__s16 oom_score_adj;
	__s16 oom_score_adj_min;
	__s32 fg_pgrp;
	__u64 reserved;
};

/* struct ckpt_rec_tty.flags */
#define CKPT_TTY_CTTY		(1U << 0)	/* the session's controlling
						 * terminal, and the process
						 * leads the session */

#define CKPT_TTY_NCCS		19

/**
 * struct ckpt_rec_tty - settings of a terminal a FILE record reopens
 * @fd: the FILE record (CKPT_FILE_CHR or a slave's CKPT_FILE_PTY; not
 *	CKPT_FD_SHARED; CKPT_FD_TREE only with CKPT_TTY_CTTY: an earlier
 *	process's open file that is this session leader's terminal)
 * @flags: CKPT_TTY_*
 * @iflag, @oflag, @cflag, @lflag, @line, @cc, @ispeed, @ospeed: its
 *	termios, as struct termios2 (TCGETS2)
 * @row, @col, @xpixel, @ypixel: its window size (TIOCGWINSZ)
 * @reserved: 0
 */
struct ckpt_rec_tty {
	__s32 fd;
	__u32 flags;
	__u32 iflag;
	__u32 oflag;
	__u32 cflag;
	__u32 lflag;
	__u8 line;
	__u8 cc[CKPT_TTY_NCCS];
	__u32 ispeed;
	__u32 ospeed;
	__u16 row;
	__u16 col;
	__u16 xpixel;
	__u16 ypixel;
	__u32 reserved;
};

/* struct ckpt_rec_pty.flags */
#define CKPT_PTY_LOCKED		(1U << 0)	/* not unlocked (unlockpt) */
#define CKPT_PTY_PACKET		(1U << 1)	/* packet mode (TIOCPKT) */
#define CKPT_PTY_SLAVE_CLOSED	(1U << 2)	/* the slave was opened, and
						 * closed by all: the master
						 * reads EIO */
#define CKPT_PTY_STOPPED	(1U << 3)	/* the slave's output stopped
						 * (^S, TCOOFF) */
#define CKPT_PTY_TCOOFF		(1U << 4)	/* ... by TCOOFF: TCOON starts
						 * it again */
#define CKPT_PTY_ALL		0x1f

/*
 * What the master had not read, at most: n_tty's 4 KiB and a pty's 8 KiB
 * flip queue fit; one record holds it.
 */
#define CKPT_PTY_MAX_DATA	(32U << 10)
/* PTY records in one process's records, at most. */
#define CKPT_MAX_PTYS		256

/**
 * struct ckpt_rec_pty - a pseudo-terminal pair whose master the processes
 * hold; @data_len bytes follow, what the slave's side wrote that the
 * master had not read, in order
 * @index: its /dev/pts index (TIOCGPTN) when checkpointed
 * @flags: CKPT_PTY_*
 * @uid, @gid: owner of the slave's node, in the checkpointer's user
 *	namespace
 * @mode: permission bits of the slave's node (07777 at most)
 * @data_len: bytes that follow, at most CKPT_PTY_MAX_DATA
 * @slave: the slave's termios and the pair's window size (@fd -1,
 *	@flags 0, @reserved 0); a master's termios is the driver's own
 *	(termios calls on a master set the slave's)
 *
 * Written once, in the records of the first process of the image holding
 * the master (no process holding only the slave comes before it), after
 * MEMPOLICY.  A restore makes the pair at the first entry of either end
 * in that process; slaves' descriptors open the new pair's slave (its
 * index may differ if the old one is taken: /dev/pts/N is then another).
 */
struct ckpt_rec_pty {
	__u32 index;
	__u32 flags;
	__u32 uid;
	__u32 gid;
	__u32 mode;
	__u32 data_len;
	struct ckpt_rec_tty slave;
};

/* struct ckpt_rec_skipped.class */
#define CKPT_SKIPPED_FD		1	/* @fd, a descriptor (CKPT_SKIP_FDS) */
#define CKPT_SKIPPED_VMA	2	/* @start..@end (CKPT_SKIP_DEVMAPS) */

#define CKPT_SKIPPED_WHAT	64
#define CKPT_MAX_SKIPPED	512	/* one record */

/**
 * struct ckpt_rec_skipped - one object a checkpoint left out (--skip)
 * @class: CKPT_SKIPPED_*
 * @fd: the descriptor (CKPT_SKIPPED_FD), else -1
 * @start, @end: the mapping (CKPT_SKIPPED_VMA), else 0
 * @what: what it was, for people (a path, "anon_inode:inotify",
 *	"socket:[1234]"), NUL-terminated
 *
 * CKPT_REC_SKIPPED lists them all; a restore leaves each out (the fd
 * closed, the range unmapped) and tells the tool.
 */
struct ckpt_rec_skipped {
	__u32 class;
	__s32 fd;
	__u64 start;
	__u64 end;
	char what[CKPT_SKIPPED_WHAT];
};

/* Nodes a saved memory policy may name (MAX_NUMNODES of Debian's kernel). */
#define CKPT_MEMPOLICY_NODES	1024

/**
 * struct ckpt_rec_mempolicy - a NUMA memory policy, as get_mempolicy(2)
 * reports it
 * @start, @end: the mapping it is the policy of, a whole VMA record of
 *	anonymous memory or of a file (not of a shared memory object,
 *	whose policy is the object's and is not saved); both 0 for a
 *	thread's own policy
 * @tid: the thread (the main thread or one of a THREAD record) whose own
 *	policy it is; 0 for a mapping's
 * @mode: MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL or
 *	MPOL_PREFERRED_MANY (never MPOL_DEFAULT: no record then)
 * @flags: MPOL_F_STATIC_NODES, MPOL_F_RELATIVE_NODES,
 *	MPOL_F_NUMA_BALANCING, as set_mempolicy(2) takes them with @mode
 * @home_node: a mapping's set_mempolicy_home_node(2), or -1
 * @reserved: 0
 * @nodes: node n as bit n % 64 of word n / 64: the nodes given, with a
 *	flag; the nodes in effect otherwise; none for MPOL_LOCAL
 *
 * The threads' first (main thread, then THREAD order, only those with a
 * policy of their own), then the mappings', in rising address order.
 * Restored with set_mempolicy(2), mbind(2) and
 * set_mempolicy_home_node(2) and their checks: a thread's by the thread
 * before the point of no return, a mapping's before its pages are filled.
 * A thread or mapping without one keeps the restoring process's.
 */
struct ckpt_rec_mempolicy {
	__u64 start;
	__u64 end;
	__s32 tid;
	__u16 mode;
	__u16 flags;
	__s32 home_node;
	__u32 reserved;
	__u64 nodes[CKPT_MEMPOLICY_NODES / 64];
};

/**
 * struct ckpt_rec_end - last record of an image
 * @nr_records: records before this one (since the image began)
 * @nr_pages: pages in all PAGES records (since the image began)
 *
 * In an image of a tree, END closes each process's records.
 */
struct ckpt_rec_end {
	__u64 nr_records;
	__u64 nr_pages;
};

/* ================================================================== */
/* Generic netlink family "ckpt" (Documentation/netlink.rst)           */
/* ================================================================== */

#define CKPT_GENL_NAME		"ckpt"
#define CKPT_GENL_VERSION	1
#define CKPT_GENL_MCGRP_EVENTS	"events"

/* Commands.  The PID namespace acted on is always the caller's. */
#define CKPT_CMD_UNSPEC			0
#define CKPT_CMD_STATUS			1 /* anyone: reply with status */
#define CKPT_CMD_PID_RANGE_SET		2 /* admin: PID_LO, PID_HI */
#define CKPT_CMD_PID_RANGE_CLEAR	3 /* admin */
#define CKPT_CMD_TOMBSTONE		4 /* admin: PID */
#define CKPT_CMD_UNTOMBSTONE		5 /* admin: PID */
#define CKPT_CMD_EVENT			6 /* multicast on "events" */
#define CKPT_CMD_MIG_REPORT		7 /* admin: a migration event, re-sent */
#define CKPT_CMD_MAX			7

/* Attributes */
#define CKPT_A_UNSPEC		0
#define CKPT_A_PAD		1
#define CKPT_A_PID_LO		2	/* u32: first PID of the range */
#define CKPT_A_PID_HI		3	/* u32: one past the last */
#define CKPT_A_PID		4	/* u32 */
#define CKPT_A_PID_MAX		5	/* u32: the kernel's pid_max */
#define CKPT_A_RANGE_USED	6	/* u32: PIDs of the range in use */
#define CKPT_A_TOMBSTONES	7	/* u32: tombstones in place */
#define CKPT_A_TOMBS_PENDING	8	/* u32: queued, PID still held */
#define CKPT_A_CLAMPED		9	/* u64: allocations clamped */
#define CKPT_A_DRAINED		10	/* u64: tombstones set by the clamp */
#define CKPT_A_CLAIMS		11	/* u64: tombstones claimed */
#define CKPT_A_FAILSAFES	12	/* u64: forks failed to keep a tomb */
#define CKPT_A_NR_MANAGED	13	/* u32: PID namespaces with a range */
#define CKPT_A_IN_FLIGHT	14	/* u32: checkpoints running */
#define CKPT_A_EVENT		15	/* u32: CKPT_EV_* */
#define CKPT_A_ERRNO		16	/* u32: positive errno, 0 = success */
#define CKPT_A_BYTES		17	/* u64: image bytes */
#define CKPT_A_TOMB_PENDING	18	/* flag: tombstone queued */
#define CKPT_A_DOWNTIME_MS	19	/* u64: the process was frozen */
#define CKPT_A_ELAPSED_MS	20	/* u64: since the migration began */
#define CKPT_A_ROUND		21	/* u32: pre-copy round, from 1 */
#define CKPT_A_DIRTY_PAGES	22	/* u64: pages left dirty */
#define CKPT_A_TCP_LOCKS	23	/* u32: TCP connections locked (their
					 * peers' segments dropped) */
#define CKPT_A_HELD		24	/* u32: processes held by
					 * CKPT_IOC_FREEZE descriptors */
#define CKPT_A_MAX		24

/* Events (CKPT_A_EVENT); CKPT_A_PID is in the initial PID namespace. */
#define CKPT_EV_CHECKPOINT_START	1
#define CKPT_EV_CHECKPOINT_DONE		2	/* + BYTES */
#define CKPT_EV_CHECKPOINT_FAIL		3	/* + ERRNO, BYTES */
#define CKPT_EV_RESTORE_DONE		4
#define CKPT_EV_RESTORE_FAIL		5	/* + ERRNO */
#define CKPT_EV_PID_RANGE_SET		6	/* + PID_LO, PID_HI */
#define CKPT_EV_PID_RANGE_CLEAR		7
#define CKPT_EV_TOMBSTONE		8
#define CKPT_EV_UNTOMBSTONE		9
/*
 * Migration events, reported by 'ckpt migrate' (CKPT_CMD_MIG_REPORT) and
 * multicast by the module; CKPT_A_PID is the source process (the root of
 * a tree), translated from the reporter's PID namespace.
 */
#define CKPT_EV_MIGRATE_START		10
#define CKPT_EV_MIGRATE_PROGRESS	11	/* + BYTES, ELAPSED_MS */
#define CKPT_EV_MIGRATE_ROUND		12	/* + ROUND, BYTES, DIRTY_PAGES,
						 *   ELAPSED_MS (live) */
#define CKPT_EV_MIGRATE_DONE		13	/* + BYTES, DOWNTIME_MS,
						 *   ELAPSED_MS */
#define CKPT_EV_MIGRATE_FAIL		14	/* + ERRNO, BYTES, ELAPSED_MS */
#define CKPT_EV_MIGRATE_FIRST		CKPT_EV_MIGRATE_START
#define CKPT_EV_MIGRATE_LAST		CKPT_EV_MIGRATE_FAIL

#endif /* _UAPI_LINUX_CKPT_H */
