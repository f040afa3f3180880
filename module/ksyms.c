// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel functions ckpt needs that 6.1 does not export.
 *
 * kallsyms_lookup_name() itself is found through a kprobe on it (kprobes
 * resolve names for us), then used once per symbol at load time.  If any
 * symbol is missing the module refuses to load rather than run with a
 * weaker permission check or a wrong restart path.
 */
#include <linux/kprobes.h>
#include <linux/module.h>
#include "ckpt.h"

struct ckpt_ksyms ckpt_ksyms;

unsigned long ckpt_lookup_name(const char *name)
{
	static unsigned long (*lookup)(const char *name);
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };

	if (!lookup) {
		if (register_kprobe(&kp) < 0)
			return 0;
		lookup = (void *)kp.addr;
		unregister_kprobe(&kp);
	}
	return lookup ? lookup(name) : 0;
}

int ckpt_ksyms_init(void)
{
	static const struct {
		const char *name;
		void **ptr;
	} syms[] = {
		{ "ptrace_may_access", (void **)&ckpt_ksyms.ptrace_may_access },
		{ "do_restart_poll", (void **)&ckpt_ksyms.do_restart_poll },
		{ "hrtimer_nanosleep_restart",
		  (void **)&ckpt_ksyms.hrtimer_nanosleep_restart },
		{ "do_no_restart_syscall",
		  (void **)&ckpt_ksyms.do_no_restart_syscall },
		{ "x86_gsbase_write_cpu_inactive",
		  (void **)&ckpt_ksyms.gsbase_write_cpu_inactive },
		{ "replace_mm_exe_file",
		  (void **)&ckpt_ksyms.replace_mm_exe_file },
		{ "update_rlimit_cpu", (void **)&ckpt_ksyms.update_rlimit_cpu },
		{ "thread_group_cputime",
		  (void **)&ckpt_ksyms.thread_group_cputime },
		{ "set_process_cpu_timer",
		  (void **)&ckpt_ksyms.set_process_cpu_timer },
		{ "create_pipe_files", (void **)&ckpt_ksyms.create_pipe_files },
		{ "pipe_fcntl", (void **)&ckpt_ksyms.pipe_fcntl },
		{ "uts_sem", (void **)&ckpt_ksyms.uts_sem },
		{ "group_send_sig_info",
		  (void **)&ckpt_ksyms.group_send_sig_info },
		{ "eventfd_fops", (void **)&ckpt_ksyms.eventfd_fops },
		{ "timerfd_fops", (void **)&ckpt_ksyms.timerfd_fops },
		{ "signalfd_fops", (void **)&ckpt_ksyms.signalfd_fops },
		{ "eventpoll_fops", (void **)&ckpt_ksyms.eventpoll_fops },
		{ "__x64_sys_eventfd2", &ckpt_ksyms.sys_eventfd2 },
		{ "__x64_sys_timerfd_create",
		  &ckpt_ksyms.sys_timerfd_create },
		{ "__x64_sys_timerfd_settime",
		  &ckpt_ksyms.sys_timerfd_settime },
		{ "__x64_sys_signalfd4", &ckpt_ksyms.sys_signalfd4 },
		{ "__x64_sys_epoll_create1", &ckpt_ksyms.sys_epoll_create1 },
		{ "__x64_sys_epoll_ctl", &ckpt_ksyms.sys_epoll_ctl },
		{ "inotify_fops", (void **)&ckpt_ksyms.inotify_fops },
		{ "pidfd_fops", (void **)&ckpt_ksyms.pidfd_fops },
		{ "alloc_pid", (void **)&ckpt_ksyms.alloc_pid },
		{ "free_pid", (void **)&ckpt_ksyms.free_pid },
		{ "__x64_sys_inotify_init1", &ckpt_ksyms.sys_inotify_init1 },
		{ "__x64_sys_inotify_add_watch",
		  &ckpt_ksyms.sys_inotify_add_watch },
		{ "fsnotify_insert_event",
		  (void **)&ckpt_ksyms.fsnotify_insert_event },
		{ "shmem_file_operations", (void **)&ckpt_ksyms.shmem_fops },
		{ "memfd_fcntl", (void **)&ckpt_ksyms.memfd_fcntl },
		{ "do_madvise", (void **)&ckpt_ksyms.do_madvise },
#ifdef CONFIG_SECURITY_PATH
		{ "security_path_rmdir",
		  (void **)&ckpt_ksyms.security_path_rmdir },
#endif
		{ "seccomp_get_filter",
		  (void **)&ckpt_ksyms.seccomp_get_filter },
		{ "seccomp_get_metadata",
		  (void **)&ckpt_ksyms.seccomp_get_metadata },
		{ "__x64_sys_seccomp", &ckpt_ksyms.sys_seccomp },
		{ "sched_setattr", (void **)&ckpt_ksyms.sched_setattr },
		{ "sched_setaffinity", (void **)&ckpt_ksyms.sched_setaffinity },
		{ "ioprio_check_cap", (void **)&ckpt_ksyms.ioprio_check_cap },
		{ "cpuset_cpus_allowed",
		  (void **)&ckpt_ksyms.cpuset_cpus_allowed },
		{ "__x64_sys_flock", &ckpt_ksyms.sys_flock },
		{ "__x64_sys_fcntl", &ckpt_ksyms.sys_fcntl },
		{ "__x64_sys_mlock2", &ckpt_ksyms.sys_mlock2 },
		{ "__x64_sys_mlockall", &ckpt_ksyms.sys_mlockall },
		{ "__x64_sys_set_mempolicy", &ckpt_ksyms.sys_set_mempolicy },
		{ "__x64_sys_mmap", &ckpt_ksyms.sys_mmap },
		{ "__x64_sys_mprotect", &ckpt_ksyms.sys_mprotect },
		{ "__x64_sys_mbind", &ckpt_ksyms.sys_mbind },
		{ "__x64_sys_set_mempolicy_home_node",
		  &ckpt_ksyms.sys_set_mempolicy_home_node },
		{ "__x64_sys_prctl", &ckpt_ksyms.sys_prctl },
		{ "__x64_sys_setsid", &ckpt_ksyms.sys_setsid },
		{ "__x64_sys_setpgid", &ckpt_ksyms.sys_setpgid },
		{ "posix_cpu_timer_set",
		  (void **)&ckpt_ksyms.posix_cpu_timer_set },
		{ "put_files_struct", (void **)&ckpt_ksyms.put_files_struct },
		{ "free_fs_struct", (void **)&ckpt_ksyms.free_fs_struct },
		{ "switch_mm", (void **)&ckpt_ksyms.switch_mm },
		{ "sync_mm_rss", (void **)&ckpt_ksyms.sync_mm_rss },
		{ "__cleanup_sighand", (void **)&ckpt_ksyms.cleanup_sighand },
		{ "tasklist_lock", (void **)&ckpt_ksyms.tasklist_lock },
		{ "task_work_run", (void **)&ckpt_ksyms.task_work_run },
		{ "tcp_ca_find", (void **)&ckpt_ksyms.tcp_ca_find },
		{ "tcp_set_congestion_control",
		  (void **)&ckpt_ksyms.tcp_set_congestion_control },
	};
	unsigned int i;

	/* SysV shared memory: without these, it is refused as before. */
	ckpt_ksyms.shm_fops = (void *)ckpt_lookup_name("shm_file_operations");
	ckpt_ksyms.do_shmat = (void *)ckpt_lookup_name("do_shmat");
	ckpt_ksyms.ipc_obtain_object_idr =
		(void *)ckpt_lookup_name("ipc_obtain_object_idr");
	if (!ckpt_ksyms.shm_fops || !ckpt_ksyms.do_shmat ||
	    !ckpt_ksyms.ipc_obtain_object_idr) {
		pr_warn(CKPT_PFX "SysV shared memory symbols not found: segments will be refused\n");
		ckpt_ksyms.shm_fops = NULL;
	}
	/* Only with CONFIG_MEMCG: the owner of an mm a task leaves. */
	ckpt_ksyms.mm_update_next_owner =
		(void *)ckpt_lookup_name("mm_update_next_owner");
	ckpt_ksyms.security_path_chroot =
		(void *)ckpt_lookup_name("security_path_chroot");
	/* Without it, a restored root would skip the LSM's word on it. */
	if (IS_ENABLED(CONFIG_SECURITY_PATH) &&
	    !ckpt_ksyms.security_path_chroot) {
		pr_err(CKPT_PFX "kernel symbol security_path_chroot not found; this kernel is not supported\n");
		return -ENOENT;
	}
	for (i = 0; i < ARRAY_SIZE(syms); i++) {
		*syms[i].ptr = (void *)ckpt_lookup_name(syms[i].name);
		if (!*syms[i].ptr) {
			pr_err(CKPT_PFX "kernel symbol %s not found; this kernel is not supported\n",
			       syms[i].name);
			return -ENOENT;
		}
	}
	return 0;
}
