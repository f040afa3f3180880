// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt: the /dev/ckpt misc device.
 *
 * The ioctl handler is a thin switch to one function per command.  Every
 * argument struct starts with its size and flags and is copied with
 * copy_struct_from_user(), so the ABI can grow; commands are matched with
 * the size bits of the ioctl number masked out for the same reason.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "ckpt.h"

#define CKPT_IOC_NOSIZE(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

/**
 * ckpt_copy_args - copy an extensible argument struct from user space
 * @dst: kernel copy, ksize bytes
 * @ksize: size the module knows
 * @min_size: smallest size any version of the ABI had
 * @src: user pointer
 * @usize: out: the size the caller said (read once, here)
 *
 * Return: 0, -EFAULT, -EINVAL (size too small) or -E2BIG (caller's larger
 * struct has non-zero bytes the module does not know).
 */
int ckpt_copy_args(void *dst, size_t ksize, size_t min_size,
		   void __user *src, u32 *usize)
{
	u32 size;
	int err;

	if (get_user(size, (u32 __user *)src))
		return -EFAULT;
	if (size < min_size || size > PAGE_SIZE)
		return -EINVAL;
	err = copy_struct_from_user(dst, ksize, src, size);
	if (err)
		return err == -E2BIG ? -EINVAL : err;
	/* The struct's own size field is the one read above. */
	*(u32 *)dst = size;
	*usize = size;
	return 0;
}

static long ckpt_ioctl_version(void __user *uarg)
{
	struct ckpt_version v;
	u32 usize;
	int err;

	err = ckpt_copy_args(&v, sizeof(v), offsetofend(struct ckpt_version,
							xfeatures), uarg,
			     &usize);
	if (err)
		return err;
	if (v.flags)
		return -EINVAL;
	v.abi_version = CKPT_ABI_VERSION;
	v.image_version = CKPT_IMAGE_VERSION;
	v.features = CKPT_FEAT_CHECKPOINT | CKPT_FEAT_RESTORE |
		     CKPT_FEAT_XSTATE | CKPT_FEAT_THREADS | CKPT_FEAT_TREES |
		     CKPT_FEAT_PID_RANGES | CKPT_FEAT_SOCKETS |
		     CKPT_FEAT_ATTRS | CKPT_FEAT_SECCOMP |
		     CKPT_FEAT_SHARES | CKPT_FEAT_VMSHARE |
		     CKPT_FEAT_ZERO_PAGES | CKPT_FEAT_SCHED |
		     CKPT_FEAT_FLOCKS | CKPT_FEAT_CGROUP |
		     CKPT_FEAT_GHOST_MAPS | CKPT_FEAT_SOCKOPTS |
		     CKPT_FEAT_INOTIFY | CKPT_FEAT_MCAST |
		     CKPT_FEAT_CLOCKS | CKPT_FEAT_RESTORE_HOLD | CKPT_FEAT_PTY |
		     CKPT_FEAT_DEVTTY | CKPT_FEAT_UTS_NS | CKPT_FEAT_FOWN |
		     CKPT_FEAT_PIDFD | CKPT_FEAT_NETLINK |
		     (IS_ENABLED(CONFIG_NUMA) ? CKPT_FEAT_MEMPOLICY : 0) |
		     (IS_ENABLED(CONFIG_HUGETLB_PAGE) &&
		      IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) ?
		      CKPT_FEAT_HUGETLB : 0);
	if (IS_ENABLED(CONFIG_MEM_SOFT_DIRTY))
		v.features |= CKPT_FEAT_PRECOPY | CKPT_FEAT_TREE_DIRTY;
	if (ckpt_ksyms.shm_fops)
		v.features |= CKPT_FEAT_SYSV_SHM;
	v.checkpoint_flags = CKPT_CHECKPOINT_FLAGS_ALL;
	if (!IS_ENABLED(CONFIG_MEM_SOFT_DIRTY))
		v.checkpoint_flags &= ~(u64)CKPT_CHECKPOINT_DIRTY_ONLY;
	v.restore_flags = CKPT_RESTORE_ANY_CPU | CKPT_RESTORE_ANY_NODE |
			  CKPT_RESTORE_HOLD;
	v.xfeatures = ckpt_cpu_xfeatures();
	if (copy_to_user(uarg, &v, min_t(size_t, usize, sizeof(v))))
		return -EFAULT;
	return 0;
}

static int ckpt_open(struct inode *inode, struct file *file)
{
	struct ckpt_file *cf;

	cf = kzalloc(sizeof(*cf), GFP_KERNEL);
	if (!cf)
		return -ENOMEM;
	mutex_init(&cf->lock);
	file->private_data = cf;
	return nonseekable_open(inode, file);
}

static int ckpt_release(struct inode *inode, struct file *file)
{
	struct ckpt_file *cf = file->private_data;

	if (cf->rst)
		ckpt_restore_free(cf->rst);
	kfree(cf);
	return 0;
}

static long ckpt_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct ckpt_file *cf = file->private_data;

	switch (CKPT_IOC_NOSIZE(cmd)) {
	case CKPT_IOC_NOSIZE(CKPT_IOC_VERSION):
		return ckpt_ioctl_version(uarg);
	case CKPT_IOC_NOSIZE(CKPT_IOC_CHECKPOINT):
		return ckpt_ioctl_checkpoint(uarg);
	case CKPT_IOC_NOSIZE(CKPT_IOC_RESTORE_PREPARE):
		return ckpt_ioctl_restore_prepare(cf, uarg);
	case CKPT_IOC_NOSIZE(CKPT_IOC_RESTORE_TASK):
		return ckpt_ioctl_restore_task(file, uarg);
	case CKPT_IOC_NOSIZE(CKPT_IOC_RESTORE_WAIT):
		return ckpt_ioctl_restore_wait(cf, uarg);
	case CKPT_IOC_NOSIZE(CKPT_IOC_RESTORE_THREAD):
		return ckpt_ioctl_restore_thread(file, uarg);
	case CKPT_IOC_NOSIZE(CKPT_IOC_PID_CLAIM):
		return ckpt_ioctl_pid_claim(uarg);
	case CKPT_IOC_NOSIZE(CKPT_IOC_PID_TOMBSTONE):
		return ckpt_ioctl_pid_tombstone(uarg);
	case CKPT_IOC_NOSIZE(CKPT_IOC_FREEZE):
		return ckpt_ioctl_freeze(uarg);
	case CKPT_IOC_NOSIZE(CKPT_IOC_RESTORE_RELEASE):
		return ckpt_ioctl_restore_release(cf, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations ckpt_fops = {
	.owner = THIS_MODULE,
	.open = ckpt_open,
	.release = ckpt_release,
	.unlocked_ioctl = ckpt_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice ckpt_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = CKPT_DEVICE_NAME,
	.fops = &ckpt_fops,
	/* Everyone may open it; every command checks its own permissions. */
	.mode = 0666,
};

static int __init ckpt_init(void)
{
	int err;

	BUILD_BUG_ON(sizeof(struct ckpt_image_header) != 192);
	BUILD_BUG_ON(sizeof(struct ckpt_rec_header) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_rec_regs) != 27 * 8);
	BUILD_BUG_ON(sizeof(struct ckpt_rec_task) % 8);
	BUILD_BUG_ON(sizeof(struct ckpt_rec_vma) % 8);
	BUILD_BUG_ON(sizeof(struct ckpt_rec_file) % 8);
	BUILD_BUG_ON(sizeof(struct ckpt_rec_tree_task) % 8);

	err = ckpt_ksyms_init();
	if (err)
		return err;
	err = ckpt_netlink_init();
	if (err)
		return err;
	err = ckpt_pidrange_init();
	if (err)
		goto out_netlink;
	err = ckpt_fill_init();
	if (err)
		goto out_pidrange;
	err = misc_register(&ckpt_misc);
	if (err) {
		pr_err(CKPT_PFX "cannot register /dev/%s: %d\n",
		       CKPT_DEVICE_NAME, err);
		goto out_fill;
	}
	pr_info(CKPT_PFX "ready: /dev/%s, ABI %d, image format %d\n",
		CKPT_DEVICE_NAME, CKPT_ABI_VERSION, CKPT_IMAGE_VERSION);
	return 0;

out_fill:
	ckpt_fill_exit();
out_pidrange:
	ckpt_pidrange_exit();
out_netlink:
	ckpt_netlink_exit();
	return err;
}

static void __exit ckpt_exit(void)
{
	misc_deregister(&ckpt_misc);
	ckpt_fill_exit();
	ckpt_tcplock_exit();
	ckpt_pidrange_exit();
	ckpt_netlink_exit();
}

module_init(ckpt_init);
module_exit(ckpt_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Transparent checkpoint and restart of Linux processes");
MODULE_AUTHOR("The ckpt developers");
