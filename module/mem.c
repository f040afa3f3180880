// SPDX-License-Identifier: GPL-2.0
/*
 * The address space: mappings, mm fields and page contents.
 *
 * Dump: each mapping becomes a VMA record (a shared mapping of a file
 * saves no pages: its data is the file's); pages are found by walking the
 * target's page tables (walk_page_range() is not exported), so pages
 * never touched, the zero page, and a private file mapping's pages that
 * still come from the page cache are not written, nor (but in a dirty-only
 * checkpoint) are anonymous pages that hold only zeros: they read the
 * same never touched.  They are read with get_user_pages_remote(), up to
 * CKPT_PAGES_MAX at a time, and written as PAGES records straight from
 * those pages (no copy in between).
 *
 * Restore, on the restoring task itself: every mapping but the vdso and
 * vvar (already moved into place by the restart tool) is unmapped, the
 * image's mappings are created with their final protections, and each
 * PAGES record's data is read straight into its destination pages: into
 * pages mapped only once filled and verified, where nothing is mapped yet
 * in private anonymous memory (fresh.c), else into the pages pinned
 * (faulted in, with a forced write where the mapping is not writable, as
 * ptrace writes; mprotect is not exported).
 *
 * With CKPT_CHECKPOINT_DIRTY_ONLY (live migration), a page whose page
 * table entry is not soft-dirty, in a mapping without VM_SOFTDIRTY, is
 * not read: a PRECOPY_CLEAN record names it (its data is that of the last
 * pre-copy round).  Shared anonymous memory is always written whole.
 *
 * Locking: the dump holds the target's mmap_lock for reading while it
 * walks and reads; a page table is walked under its PTE lock and read
 * after that is dropped.
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/highmem.h>
#include <linux/pgtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/dcache.h>
#include <linux/mount.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>
#include <linux/slab.h>
#include <linux/hugetlb.h>
#include <linux/auxvec.h>
#include <linux/magic.h>
#include <linux/shmem_fs.h>
#include "ckpt.h"

/* ---------------------------------------------------------------------- */
/* Dump: mappings                                                          */
/* ---------------------------------------------------------------------- */

/*
 * MAP_SHARED | MAP_ANONYMOUS: the kernel's private tmpfs file that
 * shmem_zero_setup() made ("dev/zero"; SysV shm and memfd are named
 * otherwise, and memfd files are not S_PRIVATE).
 */
static bool ckpt_is_shared_anon(struct vm_area_struct *vma)
{
	struct file *f = vma->vm_file;
	struct inode *inode;

	if (!f)
		return false;
	inode = file_inode(f);
	return IS_PRIVATE(inode) && inode->i_sb->s_magic == TMPFS_MAGIC &&
	       S_ISREG(inode->i_mode) &&
	       !strcmp(f->f_path.dentry->d_name.name, "dev/zero");
}

/*
 * Private anonymous memory of 2 MiB huge pages (MAP_HUGETLB), whose file
 * is the kernel's own on its internal hugetlbfs mount; not shared hugetlb
 * memory (MAP_SHARED, SysV SHM_HUGETLB), a file of a mounted hugetlbfs,
 * nor pages of another size.
 */
static int ckpt_hugetlb_kind(struct vm_area_struct *vma)
{
	struct file *f = vma->vm_file;

	/*
	 * Without THP, ckpt_scan_pmd() would not know a huge PMD; a file
	 * with pages in its cache (shared memory of another mapping, opened
	 * through map_files) has data that is not the mapping's own.
	 */
	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) ||
	    (vma->vm_flags & VM_MAYSHARE) || !f ||
	    !(f->f_path.mnt->mnt_flags & MNT_INTERNAL) ||
	    strcmp(f->f_path.dentry->d_name.name, HUGETLB_ANON_FILE) ||
	    READ_ONCE(f->f_mapping->nrpages) ||
	    vma_kernel_pagesize(vma) != PMD_SIZE)
		return -EOPNOTSUPP;
	return CKPT_VMA_HUGETLB;
}

int ckpt_vma_kind(struct vm_area_struct *vma)
{
	if (vma->vm_ops && vma->vm_ops->name) {
		const char *name = vma->vm_ops->name(vma);

		if (name && !strcmp(name, "[vdso]"))
			return CKPT_VMA_VDSO;
		if (name && !strcmp(name, "[vvar]"))
			return CKPT_VMA_VVAR;
		return -EOPNOTSUPP;
	}
	if (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		return -EOPNOTSUPP;
	if (is_vm_hugetlb_page(vma))
		return ckpt_hugetlb_kind(vma);
	if (ckpt_is_sysvshm(vma->vm_file))
		return CKPT_VMA_SYSVSHM;
	if ((vma->vm_flags & VM_MAYSHARE) && ckpt_is_shared_anon(vma))
		return CKPT_VMA_SHARED_ANON;
	if (vma->vm_flags & VM_MAYSHARE) {
		/*
		 * Shared anonymous memory, memfd and SysV shm are backed by
		 * unlinked files: their path is refused in ckpt_dump_vma().
		 */
		if (!vma->vm_file ||
		    !S_ISREG(file_inode(vma->vm_file)->i_mode))
			return -EOPNOTSUPP;
		/* memfds and shared anonymous memory: memfd.c */
		if (ckpt_shmem_kind(vma->vm_file))
			return CKPT_VMA_SHMEM;
		return CKPT_VMA_FILE_SHARED;
	}
	if (vma->vm_file)
		return CKPT_VMA_FILE_PRIVATE;
	if (vma_is_anonymous(vma))
		return CKPT_VMA_ANON;
	return -EOPNOTSUPP;
}

static u32 ckpt_vm_prot(unsigned long vm_flags)
{
	return ((vm_flags & VM_READ) ? PROT_READ : 0) |
	       ((vm_flags & VM_WRITE) ? PROT_WRITE : 0) |
	       ((vm_flags & VM_EXEC) ? PROT_EXEC : 0);
}

static void ckpt_file_identity(struct file *f, u64 *ino, u64 *dev,
			       u64 *size, u64 *mtime)
{
	struct inode *inode = file_inode(f);

	*ino = inode->i_ino;
	*dev = new_encode_dev(inode->i_sb->s_dev);
	*size = i_size_read(inode);
	*mtime = timespec64_to_ns(&inode->i_mtime);
}

/*
 * Path of @f in the checkpointer's view, in @buf (PAGE_SIZE); deleted
 * files have none (a mapping of one is a ghost, see ckpt_dump_vma()).
 */
const char *ckpt_file_path(struct file *f, char *buf)
{
	char *p;

	if (d_unlinked(f->f_path.dentry))
		return ERR_PTR(-EOPNOTSUPP);
	/*
	 * Files of kernel-internal mounts (memfd, SysV shm) are named by
	 * no path, whatever d_path() makes up for them.
	 */
	if (f->f_path.mnt->mnt_flags & MNT_INTERNAL)
		return ERR_PTR(-EOPNOTSUPP);
	p = d_path(&f->f_path, buf, PAGE_SIZE);
	if (IS_ERR(p))
		return p;
	if (p[0] != '/')
		return ERR_PTR(-EOPNOTSUPP);
	return p;
}

/*
 * The path of a file mapping, in d->scratch, and its flags.  A deleted
 * file's contents are saved (ghosts.c), once in a tree.
 */
static int ckpt_vma_path(struct ckpt_dump *d, struct vm_area_struct *vma,
			 struct ckpt_rec_vma *v, const char **path)
{
	struct file *f = vma->vm_file;

	v->pgoff = vma->vm_pgoff;
	if (file_inode(f) == d->exe_inode)
		v->flags |= CKPT_VMAF_EXE;
	if (!ckpt_is_ghost(f)) {
		*path = ckpt_file_path(f, d->scratch);
		return PTR_ERR_OR_ZERO(*path);
	}
	v->flags |= CKPT_VMAF_GHOST;
	*path = ckpt_ghost_path(f, d->scratch);
	if (IS_ERR(*path))
		return PTR_ERR(*path);
	return ckpt_note_ghost(d, f);
}

static int ckpt_dump_vma(struct ckpt_dump *d, struct vm_area_struct *vma)
{
	struct ckpt_rec_vma v;
	const char *path = NULL;
	size_t path_len = 0;
	int kind = ckpt_vma_kind(vma);

	/* --skip=devmaps: a device mapping is left out (attrs.c). */
	if (kind < 0 && ckpt_skip_vma(d, vma))
		return 0;
	if (kind < 0) {
		d->err.addr = vma->vm_start;
		return ckpt_fail(&d->err, CKPT_OBJ_VMA, kind);
	}
	memset(&v, 0, sizeof(v));
	v.start = vma->vm_start;
	v.end = vma->vm_end;
	v.kind = kind;
	v.prot = ckpt_vm_prot(vma->vm_flags);
	v.vm_flags = vma->vm_flags;
	if (vma->vm_flags & VM_GROWSDOWN)
		v.flags |= CKPT_VMAF_GROWSDOWN;
	if (vma->vm_start <= d->mm->brk && vma->vm_end >= d->mm->start_brk)
		v.flags |= CKPT_VMAF_HEAP;
	if (vma->vm_start <= d->mm->start_stack &&
	    vma->vm_end >= d->mm->start_stack)
		v.flags |= CKPT_VMAF_STACK;
	if ((kind == CKPT_VMA_FILE_SHARED || kind == CKPT_VMA_SHMEM) &&
	    (vma->vm_file->f_mode & FMODE_WRITE))
		v.flags |= CKPT_VMAF_WRITABLE_FILE;
	if (kind == CKPT_VMA_SHMEM) {
		int err = ckpt_note_shmem(d, vma->vm_file);

		if (err) {
			d->err.addr = vma->vm_start;
			return ckpt_fail(&d->err, CKPT_OBJ_VMA, err);
		}
		v.pgoff = vma->vm_pgoff;
		v.ino = file_inode(vma->vm_file)->i_ino;
		v.size = i_size_read(file_inode(vma->vm_file));
	}
	if (kind == CKPT_VMA_HUGETLB)
		v.size = PMD_SIZE;
	if (kind == CKPT_VMA_SYSVSHM) {
		int err = ckpt_sysvshm_vma(d, vma, &v);

		if (err) {
			d->err.addr = vma->vm_start;
			return ckpt_fail(&d->err, CKPT_OBJ_VMA, err);
		}
	}
	if (kind == CKPT_VMA_SHARED_ANON) {
		struct inode *inode = file_inode(vma->vm_file);

		/* Only whole objects (no partial munmap or mremap) for now. */
		v.ino = inode->i_ino;
		v.size = i_size_read(inode);
		if (vma->vm_pgoff || PAGE_ALIGN(v.size) != v.end - v.start) {
			d->err.addr = vma->vm_start;
			return ckpt_fail(&d->err, CKPT_OBJ_VMA, -EOPNOTSUPP);
		}
	}
	if (kind == CKPT_VMA_FILE_PRIVATE || kind == CKPT_VMA_FILE_SHARED) {
		int err = ckpt_vma_path(d, vma, &v, &path);

		if (err) {
			d->err.addr = vma->vm_start;
			return ckpt_fail(&d->err, CKPT_OBJ_VMA, err);
		}
		path_len = strlen(path) + 1;
		v.path_len = path_len;
		ckpt_file_identity(vma->vm_file, &v.ino, &v.dev, &v.size,
				   &v.mtime_ns);
	}
	return ckpt_write_rec2(&d->out, CKPT_REC_VMA, &v, sizeof(v), path,
			       path_len);
}

static int ckpt_dump_mm_rec(struct ckpt_dump *d)
{
	struct mm_struct *mm = d->mm;
	struct ckpt_rec_mm m;
	const char *path = NULL;
	size_t path_len = 0;
	struct file *exe;
	int err;

	memset(&m, 0, sizeof(m));
	m.start_code = mm->start_code;
	m.end_code = mm->end_code;
	m.start_data = mm->start_data;
	m.end_data = mm->end_data;
	m.start_brk = mm->start_brk;
	m.brk = mm->brk;
	m.start_stack = mm->start_stack;
	spin_lock(&mm->arg_lock);
	m.arg_start = mm->arg_start;
	m.arg_end = mm->arg_end;
	m.env_start = mm->env_start;
	m.env_end = mm->env_end;
	spin_unlock(&mm->arg_lock);
	m.vdso = (unsigned long)mm->context.vdso;

	rcu_read_lock();
	exe = rcu_dereference(mm->exe_file);
	if (exe && !get_file_rcu(exe))
		exe = NULL;
	rcu_read_unlock();
	d->exe_inode = NULL;
	if (exe) {
		/* A deleted one: its mappings say CKPT_VMAF_EXE. */
		d->exe_inode = file_inode(exe);
		path = ckpt_file_path(exe, d->scratch);
		if (IS_ERR(path))
			path = NULL;
		fput(exe);
	}
	if (path) {
		path_len = strlen(path) + 1;
		m.exe_len = path_len;
	}
	err = ckpt_write_rec2(&d->out, CKPT_REC_MM, &m, sizeof(m), path,
			      path_len);
	return err;
}

static int ckpt_dump_auxv(struct ckpt_dump *d)
{
	const unsigned long *a = d->mm->saved_auxv;
	u64 auxv[CKPT_MAX_AUXV];
	unsigned int i, n = 0;

	BUILD_BUG_ON(AT_VECTOR_SIZE > CKPT_MAX_AUXV);
	for (i = 0; i + 1 < AT_VECTOR_SIZE; i += 2) {
		auxv[n++] = a[i];
		auxv[n++] = a[i + 1];
		if (a[i] == AT_NULL)
			break;
	}
	if (n == 0 || auxv[n - 2] != AT_NULL) {
		auxv[n++] = AT_NULL;
		auxv[n++] = 0;
	}
	return ckpt_write_rec(&d->out, CKPT_REC_AUXV, auxv, n * sizeof(u64));
}

int ckpt_dump_mm(struct ckpt_dump *d)
{
	struct vm_area_struct *vma;
	int err;

	/* An earlier member's address space: saved with it (shares.c). */
	if (!ckpt_vm_holder(d, d->member))
		return 0;
	if (mmap_read_lock_killable(d->mm))
		return -EINTR;
	err = ckpt_dump_mm_rec(d);
	if (!err)
		err = ckpt_dump_auxv(d);
	if (!err) {
		VMA_ITERATOR(vmi, d->mm, 0);

		for_each_vma(vmi, vma) {
			err = ckpt_dump_vma(d, vma);
			if (err)
				break;
		}
	}
	mmap_read_unlock(d->mm);
	return err;
}

/* ---------------------------------------------------------------------- */
/* Dump: pages                                                             */
/* ---------------------------------------------------------------------- */

#define CKPT_PMD_PAGES	(PMD_SIZE / PAGE_SIZE)

struct ckpt_run {
	unsigned long start;
	unsigned int nr;
	/* the pages of the run that hold only zeros are left out */
	bool skip_zero;
	struct page **pages;	/* CKPT_PAGES_MAX */
	/* CKPT_CHECKPOINT_DIRTY_ONLY: a run of clean pages not yet named */
	unsigned long clean_start;
	unsigned int clean_nr;
};

/*
 * Does @page hold only zeros?  A page of data is told apart at its first
 * nonzero byte, so the check costs a full read only of zero pages.
 */
static bool ckpt_page_zero(struct page *page)
{
	void *p = kmap_local_page(page);
	bool zero = !memchr_inv(p, 0, PAGE_SIZE);

	kunmap_local(p);
	return zero;
}

/*
 * Write the run's pages as PAGES records, one per stretch of them that
 * are not all zeros when the run skips zero pages (anonymous memory,
 * private or shared, not in a dirty-only checkpoint: there a page left
 * out would keep its pre-copied data).  A zero page left out reads the
 * same after the restore: a page never touched, or a hole.
 */
static int ckpt_write_run(struct ckpt_dump *d, struct ckpt_run *run)
{
	unsigned int i, from = 0;
	int err;

	if (!run->skip_zero)
		return ckpt_write_pages(&d->out, run->start, run->pages,
					run->nr);
	for (i = 0; i <= run->nr; i++) {
		if (i < run->nr && !ckpt_page_zero(run->pages[i]))
			continue;
		if (i > from) {
			err = ckpt_write_pages(&d->out,
					       run->start + from * PAGE_SIZE,
					       run->pages + from, i - from);
			if (err)
				return err;
		}
		if (i < run->nr)
			d->nr_zero_pages++;
		from = i + 1;
	}
	return 0;
}

/* Write the run as PAGES records, from the target's pages. */
static int ckpt_flush_run(struct ckpt_dump *d, struct ckpt_run *run)
{
	unsigned int got = 0, i;
	int err = 0;

	if (!run->nr)
		return 0;
	while (got < run->nr) {
		long n;

		n = get_user_pages_remote(d->mm, run->start + got * PAGE_SIZE,
					  run->nr - got, FOLL_FORCE,
					  run->pages + got, NULL, NULL);
		if (n <= 0) {
			err = n ? n : -EFAULT;
			break;
		}
		got += n;
	}
	if (!err)
		err = ckpt_write_run(d, run);
	for (i = 0; i < got; i++)
		put_page(run->pages[i]);
	run->nr = 0;
	return err;
}

/* Name the run of clean pages in a PRECOPY_CLEAN record. */
static int ckpt_flush_clean(struct ckpt_dump *d, struct ckpt_run *run)
{
	struct ckpt_rec_pages rp = {};

	if (!run->clean_nr)
		return 0;
	rp.addr = run->clean_start;
	rp.nr_pages = run->clean_nr;
	run->clean_nr = 0;
	return ckpt_write_rec(&d->out, CKPT_REC_PRECOPY_CLEAN, &rp, sizeof(rp));
}

/* Both runs, in address order (only one of them is ever open). */
static int ckpt_flush_runs(struct ckpt_dump *d, struct ckpt_run *run)
{
	int err = ckpt_flush_run(d, run);

	return err ? err : ckpt_flush_clean(d, run);
}

static int ckpt_add_page(struct ckpt_dump *d, struct ckpt_run *run,
			 unsigned long addr)
{
	int err;

	if (run->nr && addr == run->start + run->nr * PAGE_SIZE &&
	    run->nr < CKPT_PAGES_MAX) {
		run->nr++;
		return 0;
	}
	err = ckpt_flush_runs(d, run);
	run->start = addr;
	run->nr = 1;
	return err;
}

static int ckpt_add_clean(struct ckpt_dump *d, struct ckpt_run *run,
			  unsigned long addr)
{
	int err;

	if (run->clean_nr &&
	    addr == run->clean_start + run->clean_nr * PAGE_SIZE &&
	    run->clean_nr < CKPT_PAGES_MAX) {
		run->clean_nr++;
		return 0;
	}
	err = ckpt_flush_runs(d, run);
	run->clean_start = addr;
	run->clean_nr = 1;
	return err;
}

/*
 * Find the PUD entry for @addr, or say where the next populated range may
 * be: one descent from the top per PMD table, not per PMD.
 */
pud_t *ckpt_find_pud(struct mm_struct *mm, unsigned long addr,
		     unsigned long end, unsigned long *next)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	if (pgd_none(*pgd) || pgd_bad(*pgd)) {
		*next = pgd_addr_end(addr, end);
		return NULL;
	}
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d)) {
		*next = p4d_addr_end(addr, end);
		return NULL;
	}
	pud = pud_offset(p4d, addr);
	*next = pud_addr_end(addr, end);
	if (pud_none(*pud) || pud_bad(*pud))
		return NULL;
	return pud;
}

static bool ckpt_pte_wanted(pte_t pte, bool anon_only)
{
	unsigned long pfn;

	if (pte_none(pte))
		return false;
	if (!pte_present(pte))
		return true;	/* swapped out: it was touched */
	pfn = pte_pfn(pte);
	if (is_zero_pfn(pfn) || pte_special(pte))
		return false;
	if (!anon_only)
		return true;
	return pfn_valid(pfn) && PageAnon(pfn_to_page(pfn));
}

/*
 * Written since the last clear_refs "4"?  Anything not present (swap and
 * migration entries, markers) counts as dirty: always written in full.
 * So does a KSM page: ksmd maps it with a new entry that has lost the
 * soft-dirty bit of the page it replaced (replace_page()).
 */
static bool ckpt_pte_dirty(pte_t pte)
{
	unsigned long pfn;

	if (!pte_present(pte) || pte_soft_dirty(pte))
		return true;
	pfn = pte_pfn(pte);
	return pfn_valid(pfn) && PageKsm(pfn_to_page(pfn));
}

/*
 * Mark in @map the pages of [addr, next) (within one PMD) to save, and in
 * @dirty (if not NULL) those of them written since the soft-dirty bits
 * were last cleared.
 */
static void ckpt_scan_pmd(struct mm_struct *mm, pmd_t *pmdp,
			  unsigned long addr, unsigned long next,
			  bool anon_only, unsigned long *map,
			  unsigned long *dirty)
{
	unsigned int i, nr = (next - addr) >> PAGE_SHIFT;
	pmd_t pmd = READ_ONCE(*pmdp);
	spinlock_t *ptl;	/* the PTE table's lock */
	pte_t *pte;

	bitmap_zero(map, CKPT_PMD_PAGES);
	if (dirty)
		bitmap_zero(dirty, CKPT_PMD_PAGES);
	if (pmd_none(pmd))
		return;
	if (pmd_trans_huge(pmd) || pmd_devmap(pmd) || !pmd_present(pmd)) {
		/*
		 * Not a page of the process's own: a file's huge page, or in
		 * anonymous memory the huge zero page (which reads zeros
		 * as a hole does, and whose entry is never soft-dirty).
		 */
		if (!pmd_present(pmd) || PageAnon(pmd_page(pmd)) ||
		    (!anon_only && pmd_devmap(pmd)))
			bitmap_fill(map, nr);
		/* A huge page is dirty as a whole. */
		if (dirty && (!pmd_present(pmd) || pmd_soft_dirty(pmd)))
			bitmap_fill(dirty, nr);
		return;
	}
	pte = pte_offset_map_lock(mm, pmdp, addr, &ptl);
	for (i = 0; i < nr; i++) {
		if (!ckpt_pte_wanted(pte[i], anon_only))
			continue;
		__set_bit(i, map);
		if (dirty && ckpt_pte_dirty(pte[i]))
			__set_bit(i, dirty);
	}
	pte_unmap_unlock(pte, ptl);
}

static int ckpt_dump_vma_pages(struct ckpt_dump *d,
			       struct vm_area_struct *vma,
			       struct ckpt_run *run)
{
	DECLARE_BITMAP(map, CKPT_PMD_PAGES);
	DECLARE_BITMAP(dirty, CKPT_PMD_PAGES);
	bool hugetlb = is_vm_hugetlb_page(vma);
	bool anon_only = !!vma->vm_file;
	/*
	 * A mapping made (or touched by mremap) since the clear: all dirty;
	 * so is hugetlb memory, whose pages keep no soft-dirty bit.
	 */
	bool track = d->dirty_only && !(vma->vm_flags & VM_SOFTDIRTY) &&
		     !hugetlb;
	unsigned long addr, next, pud_end;
	unsigned int i;
	int err;

	/*
	 * A file's page left out would read the file's data, not zeros; a
	 * hugetlb page's reads zeros (its huge page is cleared when made).
	 */
	run->skip_zero = (!vma->vm_file || hugetlb) && !d->dirty_only;

	for (addr = vma->vm_start; addr < vma->vm_end; addr = pud_end) {
		pud_t *pud = ckpt_find_pud(d->mm, addr, vma->vm_end, &pud_end);
		pmd_t *pmd;

		if (!pud)
			continue;
		pmd = pmd_offset(pud, addr);
		for (; addr < pud_end; addr = next, pmd++) {
			next = pmd_addr_end(addr, pud_end);
			if (pmd_none(READ_ONCE(*pmd)))
				continue;	/* most of a sparse mapping */
			ckpt_scan_pmd(d->mm, pmd, addr, next, anon_only, map,
				      track ? dirty : NULL);
			for_each_set_bit(i, map, (next - addr) >> PAGE_SHIFT) {
				unsigned long a = addr + i * PAGE_SIZE;

				if (track && !test_bit(i, dirty))
					err = ckpt_add_clean(d, run, a);
				else
					err = ckpt_add_page(d, run, a);
				if (err)
					return err;
			}
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
	}
	return 0;
}

/*
 * The pages of shared anonymous memory that hold data (in memory or in
 * swap), once in the whole checkpoint: read through this mapping of it.
 */
static int ckpt_dump_shanon_pages(struct ckpt_dump *d,
				  struct vm_area_struct *vma,
				  struct ckpt_run *run)
{
	struct address_space *mapping = vma->vm_file->f_mapping;
	unsigned long ino = file_inode(vma->vm_file)->i_ino;
	pgoff_t idx, n = vma_pages(vma);
	int err;

	if (xa_load(&d->shanon, ino))
		return 0;	/* saved with an earlier mapping */
	run->skip_zero = !d->dirty_only;	/* a hole reads as zeros too */
	err = xa_err(xa_store(&d->shanon, ino, xa_mk_value(1), GFP_KERNEL));
	for (idx = 0; !err && idx < n; idx++) {
		if (!xa_load(&mapping->i_pages, idx))
			continue;	/* a hole reads as zeros */
		err = ckpt_add_page(d, run, vma->vm_start + idx * PAGE_SIZE);
		if (!err && fatal_signal_pending(current))
			err = -EINTR;
		cond_resched();
	}
	return err;
}

/* One shared anonymous object met in the processes' mappings. */
struct ckpt_shanon_seen {
	struct file *file;	/* not referenced: the mappings hold it */
	unsigned long vmas;	/* mappings of it in the processes */
	unsigned long addr;	/* the first one, for the error */
	unsigned int member;
};

/*
 * Before anything is written: shared anonymous memory must be mapped by
 * the processes alone, or it would be shared no more after restart.
 * Each mapping holds one reference to the object's file; so must all of
 * them be ours.  On failure d->member and d->err.addr name the mapping.
 */
static int ckpt_scan_shanon_mm(struct mm_struct *mm, struct xarray *seen,
			       unsigned int member)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct vm_area_struct *vma;
	struct ckpt_shanon_seen *s;
	unsigned long ino;
	int err = 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for_each_vma(vmi, vma) {
		if (!(vma->vm_flags & VM_MAYSHARE) || !ckpt_is_shared_anon(vma))
			continue;
		ino = file_inode(vma->vm_file)->i_ino;
		s = xa_load(seen, ino);
		if (!s) {
			s = kzalloc(sizeof(*s), GFP_KERNEL);
			err = s ? xa_err(xa_store(seen, ino, s, GFP_KERNEL)) :
				  -ENOMEM;
			if (err) {
				kfree(s);
				break;
			}
			s->file = vma->vm_file;
			s->addr = vma->vm_start;
			s->member = member;
		}
		s->vmas++;
	}
	mmap_read_unlock(mm);
	return err;
}

int ckpt_scan_shanon(struct ckpt_dump *d)
{
	struct ckpt_shanon_seen *s;
	struct xarray seen;
	unsigned long ino;
	unsigned int i;
	int err = 0;

	xa_init(&seen);
	for (i = 0; i < d->nr_members && !err; i++) {
		struct mm_struct *mm;

		/* An address space shared by members: its holder scans it. */
		if (!ckpt_vm_holder(d, i))
			continue;
		mm = get_task_mm(d->members[i].task);
		if (!mm)
			continue;
		err = ckpt_scan_shanon_mm(mm, &seen, i);
		mmput(mm);
	}
	xa_for_each(&seen, ino, s) {
		if (!err && file_count(s->file) != s->vmas) {
			d->member = s->member;
			d->err.addr = s->addr;
			err = ckpt_fail(&d->err, CKPT_OBJ_VMA, -EOPNOTSUPP);
		}
		kfree(s);
	}
	xa_destroy(&seen);
	if (!err)
		d->member = 0;
	return err;
}

int ckpt_dump_pages(struct ckpt_dump *d)
{
	VMA_ITERATOR(vmi, d->mm, 0);
	struct ckpt_run run = {};
	struct vm_area_struct *vma;
	int err = 0;

	if (!ckpt_vm_holder(d, d->member))
		return 0;
	run.pages = kmalloc_array(CKPT_PAGES_MAX, sizeof(*run.pages),
				  GFP_KERNEL);
	if (!run.pages)
		return -ENOMEM;
	if (mmap_read_lock_killable(d->mm)) {
		kfree(run.pages);
		return -EINTR;
	}
	for_each_vma(vmi, vma) {
		int kind = ckpt_vma_kind(vma);

		if (kind != CKPT_VMA_ANON && kind != CKPT_VMA_FILE_PRIVATE &&
		    kind != CKPT_VMA_SHARED_ANON && kind != CKPT_VMA_HUGETLB)
			continue;
		/* A run never crosses into the next mapping. */
		if (kind == CKPT_VMA_SHARED_ANON)
			err = ckpt_dump_shanon_pages(d, vma, &run);
		else
			err = ckpt_dump_vma_pages(d, vma, &run);
		if (!err)
			err = ckpt_flush_runs(d, &run);
		if (err)
			break;
	}
	mmap_read_unlock(d->mm);
	kfree(run.pages);
	return err;
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

static bool ckpt_addr_ok(u64 a)
{
	return a <= TASK_SIZE_MAX;
}

static int ckpt_check_vma(const struct ckpt_restore_vma *v, u64 prev_end)
{
	const struct ckpt_rec_vma *r = &v->rec;

	if (r->start >= r->end || !PAGE_ALIGNED(r->start) ||
	    !PAGE_ALIGNED(r->end) || !ckpt_addr_ok(r->end) ||
	    r->start < prev_end)
		return -EBADMSG;
	if (r->prot & ~(u32)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EBADMSG;
	if (r->flags & ~(CKPT_VMAF_GROWSDOWN | CKPT_VMAF_HEAP |
			 CKPT_VMAF_STACK | CKPT_VMAF_WRITABLE_FILE |
			 CKPT_VMAF_GHOST | CKPT_VMAF_EXE))
		return -EBADMSG;
	/* A ghost's size and contents: ckpt_check_ghosts(). */
	if ((r->flags & (CKPT_VMAF_GHOST | CKPT_VMAF_EXE)) &&
	    r->kind != CKPT_VMA_FILE_PRIVATE && r->kind != CKPT_VMA_FILE_SHARED)
		return -EBADMSG;
	/* The madvise() hints a restore applies (ckpt_advise_vma()). */
	if (((r->vm_flags & VM_HUGEPAGE) && (r->vm_flags & VM_NOHUGEPAGE)) ||
	    ((r->vm_flags & VM_SEQ_READ) && (r->vm_flags & VM_RAND_READ)))
		return -EBADMSG;
	if ((r->vm_flags & VM_WIPEONFORK) && r->kind != CKPT_VMA_ANON)
		return -EBADMSG;
	if ((r->flags & CKPT_VMAF_WRITABLE_FILE) &&
	    r->kind != CKPT_VMA_FILE_SHARED && r->kind != CKPT_VMA_SHMEM)
		return -EBADMSG;
	switch (r->kind) {
	case CKPT_VMA_SHMEM:	/* its object: ckpt_check_shmems() */
		if (v->path || r->pgoff > (ULONG_MAX >> PAGE_SHIFT) -
				((r->end - r->start) >> PAGE_SHIFT))
			return -EBADMSG;
		return 0;
	case CKPT_VMA_FILE_PRIVATE:
	case CKPT_VMA_FILE_SHARED:
		if (!v->path || r->pgoff > (ULONG_MAX >> PAGE_SHIFT) -
				((r->end - r->start) >> PAGE_SHIFT))
			return -EBADMSG;
		return 0;
	case CKPT_VMA_SHARED_ANON:
		if (r->pgoff || !r->size ||
		    PAGE_ALIGN(r->size) != r->end - r->start)
			return -EBADMSG;
		return v->path ? -EBADMSG : 0;
	case CKPT_VMA_SYSVSHM:	/* its segment: ckpt_check_sysvshm() */
		return v->path ? -EBADMSG : 0;
	case CKPT_VMA_HUGETLB:	/* 2 MiB pages only, whole ones */
		if (v->path || r->pgoff || r->size != PMD_SIZE ||
		    !IS_ALIGNED(r->start, PMD_SIZE) ||
		    !IS_ALIGNED(r->end, PMD_SIZE) ||
		    (r->vm_flags & VM_MERGEABLE))	/* KSM skips hugetlb */
			return -EBADMSG;
		return 0;
	case CKPT_VMA_ANON:
	case CKPT_VMA_VDSO:
	case CKPT_VMA_VVAR:
		return v->path ? -EBADMSG : 0;
	default:
		return -EBADMSG;
	}
}

const struct ckpt_restore_vma *ckpt_find_vma(const struct ckpt_restore *r,
					     u32 kind)
{
	u32 i;

	for (i = 0; i < r->nr_vmas; i++) {
		if (r->vmas[i].rec.kind == kind)
			return &r->vmas[i];
	}
	return NULL;
}

static int ckpt_check_mm_fields(const struct ckpt_rec_mm *m)
{
	const u64 *f = &m->start_code;
	unsigned int i;

	for (i = 0; i <= offsetof(struct ckpt_rec_mm, vdso) / sizeof(u64); i++)
		if (!ckpt_addr_ok(f[i]))
			return -EBADMSG;
	if (m->start_code > m->end_code || m->start_data > m->end_data ||
	    m->start_brk > m->brk || m->arg_start > m->arg_end ||
	    m->env_start > m->env_end || m->reserved)
		return -EBADMSG;
	return 0;
}

int ckpt_check_mm(struct ckpt_restore *r)
{
	const struct ckpt_restore_vma *vdso, *vvar;
	u64 prev_end = 0;
	u32 i;
	int err;

	/* On an earlier process's address space: no records of it here. */
	if (r->shares.vm_pid)
		return r->nr_vmas ? ckpt_bad(r, CKPT_REC_SHARES, -EBADMSG) : 0;
	err = ckpt_check_mm_fields(&r->mm);
	if (err)
		return ckpt_bad(r, CKPT_REC_MM, err);
	if (r->nr_auxv < 2 || r->nr_auxv % 2 ||
	    r->nr_auxv > AT_VECTOR_SIZE || r->auxv[r->nr_auxv - 2] != AT_NULL)
		return ckpt_bad(r, CKPT_REC_AUXV, -EBADMSG);
	for (i = 0; i < r->nr_vmas; i++) {
		err = ckpt_check_vma(&r->vmas[i], prev_end);
		if (err)
			return ckpt_bad_rec(r, CKPT_REC_VMA, r->vmas[i].offset,
					    err);
		prev_end = r->vmas[i].rec.end;
	}
	vdso = ckpt_find_vma(r, CKPT_VMA_VDSO);
	vvar = ckpt_find_vma(r, CKPT_VMA_VVAR);
	if (!vdso || !vvar || vdso->rec.start != r->mm.vdso)
		return ckpt_bad(r, CKPT_REC_MM, -EOPNOTSUPP);
	return 0;
}

static bool ckpt_special_is(struct vm_area_struct *vma, const char *name,
			    const struct ckpt_restore_vma *v)
{
	const char *n;

	if (!vma || !vma->vm_ops || !vma->vm_ops->name)
		return false;
	n = vma->vm_ops->name(vma);
	return n && !strcmp(n, name) && vma->vm_start == v->rec.start &&
	       vma->vm_end == v->rec.end;
}

/* Are our vdso and vvar where (and as large as) the image's were? */
int ckpt_vdso_matches(struct ckpt_restore *r)
{
	const struct ckpt_restore_vma *vdso = ckpt_find_vma(r, CKPT_VMA_VDSO);
	const struct ckpt_restore_vma *vvar = ckpt_find_vma(r, CKPT_VMA_VVAR);
	struct mm_struct *mm = current->mm;
	bool ok;

	mmap_read_lock(mm);
	ok = (unsigned long)mm->context.vdso == r->mm.vdso &&
	     ckpt_special_is(find_vma(mm, vdso->rec.start), "[vdso]", vdso) &&
	     ckpt_special_is(find_vma(mm, vvar->rec.start), "[vvar]", vvar);
	mmap_read_unlock(mm);
	return ok ? 0 : -EXDEV;
}

/*
 * Unmap all of the restorer's address space but its vdso and vvar: one
 * munmap() for each run of mappings between special ones (holes and all),
 * not one for each mapping.
 */
static int ckpt_unmap_all(void)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long *ranges;
	unsigned int n = 0, max, i;
	bool open = false;
	int err = 0;

	mmap_read_lock(mm);
	max = mm->map_count;
	ranges = kvmalloc_array(max * 2 + 2, sizeof(*ranges), GFP_KERNEL);
	if (ranges) {
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma) {
			if (vma->vm_ops && vma->vm_ops->name) {
				open = false;
				continue;
			}
			if (open) {
				ranges[2 * n - 1] = vma->vm_end;
				continue;
			}
			if (n == max)
				break;
			ranges[2 * n] = vma->vm_start;
			ranges[2 * n + 1] = vma->vm_end;
			n++;
			open = true;
		}
	}
	mmap_read_unlock(mm);
	if (!ranges)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++)
		err = vm_munmap(ranges[2 * i], ranges[2 * i + 1] - ranges[2 * i]);
	kvfree(ranges);
	return err;
}

/*
 * Open the file behind a mapping, as the restored process.  A private
 * mapping's unsaved pages come from the file: it must not have changed.
 * A shared mapping's data is the file's own.
 */
static struct file *ckpt_open_mapped(struct ckpt_restore *r,
				     const struct ckpt_restore_vma *v)
{
	bool shared = v->rec.kind == CKPT_VMA_FILE_SHARED;
	int flags = (v->rec.flags & CKPT_VMAF_WRITABLE_FILE) ? O_RDWR :
							       O_RDONLY;
	struct file *f;
	u64 ino, dev, size, mtime;

	/* A deleted file: made again from the image (ghosts.c). */
	if (v->rec.flags & CKPT_VMAF_GHOST)
		return ckpt_ghost_map_file(r, v, flags);
	f = filp_open(v->path, flags | O_LARGEFILE, 0);
	if (IS_ERR(f))
		return f;
	ckpt_file_identity(f, &ino, &dev, &size, &mtime);
	if (!S_ISREG(file_inode(f)->i_mode) ||
	    (!shared && (size != v->rec.size || mtime != v->rec.mtime_ns))) {
		fput(f);
		return ERR_PTR(-ESTALE);
	}
	return f;
}

void ckpt_shanon_free(struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_shanon; i++)
		fput(r->shanon[i].file);
	kvfree(r->shanon);
	r->shanon = NULL;
	r->nr_shanon = 0;
}

static struct file *ckpt_shanon_of(const struct ckpt_restore *r, u64 ino)
{
	u32 i;

	for (i = 0; i < r->nr_shanon; i++)
		if (r->shanon[i].ino == ino)
			return r->shanon[i].file;
	return ckpt_tree_shanon(r, ino);
}

/*
 * Shared anonymous memory: mapped again from the object an earlier
 * mapping (of this process, or of an earlier one of the tree) made, or
 * made anew; then remembered by its ino.
 */
static int ckpt_map_shanon(struct ckpt_restore *r,
			   const struct ckpt_restore_vma *v)
{
	const struct ckpt_rec_vma *rv = &v->rec;
	unsigned long len = rv->end - rv->start, addr;
	struct vm_area_struct *vma;
	struct file *f = ckpt_shanon_of(r, rv->ino);
	int err;

	if (f) {
		addr = vm_mmap(f, rv->start, len, rv->prot,
			       MAP_SHARED | MAP_FIXED_NOREPLACE, 0);
		if (IS_ERR_VALUE(addr))
			return (int)addr;
		return addr == rv->start ? 0 : -EEXIST;
	}
	err = ckpt_grow((void **)&r->shanon, r->nr_shanon, sizeof(*r->shanon),
			CKPT_MAX_VMAS);
	if (err)
		return err;
	addr = vm_mmap(NULL, rv->start, len, rv->prot,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, 0);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	if (addr != rv->start)
		return -EEXIST;
	mmap_read_lock(current->mm);
	vma = find_vma(current->mm, addr);
	f = vma && vma->vm_start == addr && vma->vm_file ?
	    get_file(vma->vm_file) : NULL;
	mmap_read_unlock(current->mm);
	if (!f)
		return -ENOMEM;
	r->shanon[r->nr_shanon].ino = rv->ino;
	r->shanon[r->nr_shanon].file = f;
	r->nr_shanon++;
	return 0;
}

static int ckpt_map_vma(struct ckpt_restore *rs,
			const struct ckpt_restore_vma *v, struct file **last,
			const struct ckpt_restore_vma **last_v)
{
	const struct ckpt_rec_vma *r = &v->rec;
	unsigned long flags = MAP_PRIVATE | MAP_FIXED_NOREPLACE;
	unsigned long addr, off = 0;
	struct file *f = NULL;

	if (r->flags & CKPT_VMAF_GROWSDOWN)
		flags |= MAP_GROWSDOWN;
	if (r->kind == CKPT_VMA_FILE_SHARED)
		flags = MAP_SHARED | MAP_FIXED_NOREPLACE;
	/* A large sparse reservation must not be charged as committed. */
	if (r->vm_flags & VM_NORESERVE)
		flags |= MAP_NORESERVE;
	if (r->kind == CKPT_VMA_HUGETLB) {
		/*
		 * Its file is made by the system call (ksys_mmap_pgoff()).
		 * Writable for the fill, which cannot force a write into
		 * hugetlb memory: its protection after (ckpt_protect_hugetlb).
		 */
		addr = ckpt_syscall6(ckpt_ksyms.sys_mmap, r->start,
				     r->end - r->start, r->prot | PROT_WRITE,
				     flags | MAP_ANONYMOUS | MAP_HUGETLB |
				     MAP_HUGE_2MB, -1, 0);
		if (IS_ERR_VALUE(addr))
			return (int)addr;
		return addr == r->start ? 0 : -EEXIST;
	}
	if (r->kind == CKPT_VMA_ANON) {
		flags |= MAP_ANONYMOUS;
	} else {
		if (!*last || strcmp((*last_v)->path, v->path) ||
		    (*last_v)->rec.kind != r->kind ||
		    (*last_v)->rec.flags != r->flags ||
		    (*last_v)->rec.ino != r->ino) {
			if (*last)
				fput(*last);
			*last = ckpt_open_mapped(rs, v);
			if (IS_ERR(*last)) {
				int err = PTR_ERR(*last);

				*last = NULL;
				return err;
			}
			*last_v = v;
		}
		f = *last;
		off = r->pgoff << PAGE_SHIFT;
	}
	addr = vm_mmap(f, r->start, r->end - r->start, r->prot, flags, off);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	return addr == r->start ? 0 : -EEXIST;
}

/*
 * The madvise() hints of a mapping, from its saved vm_flags: transparent
 * huge pages wanted or not (before any page is filled, so a sparse
 * NOHUGEPAGE region does not come back as 2 MiB pages), DONTFORK,
 * WIPEONFORK, DONTDUMP, SEQUENTIAL, RANDOM or MERGEABLE (KSM).
 * do_madvise() splits a mapping that vm_mmap() merged with a neighbour.
 */
static int ckpt_advise_vma(const struct ckpt_rec_vma *r)
{
	static const struct {
		unsigned long flag;
		int advice;
	} hints[] = {
		{ VM_HUGEPAGE, MADV_HUGEPAGE },
		{ VM_NOHUGEPAGE, MADV_NOHUGEPAGE },
		{ VM_DONTCOPY, MADV_DONTFORK },
		{ VM_WIPEONFORK, MADV_WIPEONFORK },
		{ VM_DONTDUMP, MADV_DONTDUMP },
		{ VM_SEQ_READ, MADV_SEQUENTIAL },
		{ VM_RAND_READ, MADV_RANDOM },
		{ VM_MERGEABLE, MADV_MERGEABLE },
	};
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(hints); i++) {
		if (!(r->vm_flags & hints[i].flag))
			continue;
		err = ckpt_ksyms.do_madvise(current->mm, r->start,
					    r->end - r->start, hints[i].advice);
		/* A kernel without THP takes no huge page hints. */
		if (err == -EINVAL && (hints[i].flag & (VM_HUGEPAGE |
							VM_NOHUGEPAGE)))
			continue;
		if (err)
			return err;
	}
	return 0;
}

static void ckpt_set_mm_fields(const struct ckpt_restore *r)
{
	struct mm_struct *mm = current->mm;
	const struct ckpt_rec_mm *m = &r->mm;
	u32 i;

	mmap_write_lock(mm);
	mm->start_code = m->start_code;
	mm->end_code = m->end_code;
	mm->start_data = m->start_data;
	mm->end_data = m->end_data;
	mm->start_brk = m->start_brk;
	mm->brk = m->brk;
	mm->start_stack = m->start_stack;
	spin_lock(&mm->arg_lock);
	mm->arg_start = m->arg_start;
	mm->arg_end = m->arg_end;
	mm->env_start = m->env_start;
	mm->env_end = m->env_end;
	spin_unlock(&mm->arg_lock);
	memset(mm->saved_auxv, 0, sizeof(mm->saved_auxv));
	for (i = 0; i < r->nr_auxv; i++)
		mm->saved_auxv[i] = r->auxv[i];
	mmap_write_unlock(mm);
}

int ckpt_restore_mm(struct ckpt_restore *r)
{
	const struct ckpt_restore_vma *last_v = NULL;
	struct file *last = NULL;
	u32 i;
	int err;

	if (r->shares.vm_pid)
		return ckpt_adopt_vm(r);
	ckpt_restore_thp_disable(r);
	err = ckpt_unmap_all();
	for (i = 0; !err && i < r->nr_vmas; i++) {
		const struct ckpt_restore_vma *v = &r->vmas[i];

		if (v->rec.kind == CKPT_VMA_VDSO || v->rec.kind == CKPT_VMA_VVAR)
			continue;
		if (v->rec.kind == CKPT_VMA_SHMEM)
			err = ckpt_map_shmem(r, v);
		else if (v->rec.kind == CKPT_VMA_SHARED_ANON)
			err = ckpt_map_shanon(r, v);
		else if (v->rec.kind == CKPT_VMA_SYSVSHM)
			err = ckpt_map_sysvshm(r, v);
		else
			err = ckpt_map_vma(r, v, &last, &last_v);
		if (!err)
			err = ckpt_advise_vma(&v->rec);
		if (err) {
			r->err.addr = v->rec.start;
			ckpt_fail(&r->err, CKPT_OBJ_VMA, err);
		}
	}
	if (last)
		fput(last);
	if (!err)
		ckpt_set_mm_fields(r);
	return err;
}

/* A mapping of the executable, if that was deleted (made again, then). */
static const struct ckpt_restore_vma *
ckpt_exe_ghost(const struct ckpt_restore *r)
{
	u32 i;

	if (r->exe)
		return NULL;
	for (i = 0; i < r->nr_vmas; i++)
		if ((r->vmas[i].rec.flags & CKPT_VMAF_GHOST) &&
		    (r->vmas[i].rec.flags & CKPT_VMAF_EXE))
			return &r->vmas[i];
	return NULL;
}

/*
 * /proc/PID/exe: the image's executable, as PR_SET_MM_EXE_FILE would; a
 * deleted one is the file its mappings were made from again.
 */
int ckpt_restore_exe(struct ckpt_restore *r)
{
	const struct ckpt_restore_vma *v = ckpt_exe_ghost(r);
	struct file *f;
	const struct path *p;
	int err = -EACCES;

	if (v)
		f = ckpt_ghost_map_file(r, v, O_RDONLY);
	else if (r->exe)
		f = filp_open(r->exe, O_RDONLY | O_LARGEFILE, 0);
	else
		return 0;
	if (IS_ERR(f))
		return ckpt_fail(&r->err, CKPT_OBJ_TASK, PTR_ERR(f));
	p = &f->f_path;
	/*
	 * A ghost's permission bits are ours (made by the tree's first
	 * process that maps it, maybe as another user), not the deleted
	 * file's, which the process did execute: only noexec applies.
	 */
	if (S_ISREG(file_inode(f)->i_mode) &&
	    !(p->mnt->mnt_flags & MNT_NOEXEC) &&
	    !(p->mnt->mnt_sb->s_iflags & SB_I_NOEXEC))
		err = v ? 0 : inode_permission(file_mnt_user_ns(f),
					       file_inode(f), MAY_EXEC);
	if (!err)
		err = ckpt_ksyms.replace_mm_exe_file(current->mm, f);
	fput(f);
	return ckpt_fail(&r->err, CKPT_OBJ_TASK, err);
}

static const struct ckpt_restore_vma *
ckpt_vma_of(const struct ckpt_restore *r, u64 start, u64 end)
{
	u32 lo = 0, hi = r->nr_vmas;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct ckpt_rec_vma *v = &r->vmas[mid].rec;

		if (start >= v->end) {
			lo = mid + 1;
		} else if (start < v->start) {
			hi = mid;
		} else {
			if (end > v->end)
				return NULL;
			return &r->vmas[mid];
		}
	}
	return NULL;
}

/*
 * A PAGES record is read straight into the pages it names: they are
 * checked against the VMAs, pinned (faulted in; a forced write breaks COW
 * where the mapping is read-only), filled, and the checksum is verified
 * over what landed.  Shared anonymous memory: straight into its file's
 * pages, as the mapping may be read-only.
 */
static int ckpt_fill_shanon(struct ckpt_restore *r,
			    const struct ckpt_restore_vma *v,
			    const struct ckpt_rec_pages *rp, struct page **pages)
{
	struct file *f = ckpt_shanon_of(r, v->rec.ino);
	pgoff_t first = (rp->addr - v->rec.start) >> PAGE_SHIFT;
	unsigned int i, got;
	int err = 0;

	if (!f)
		return -EBADMSG;
	for (got = 0; got < rp->nr_pages; got++) {
		struct page *p = shmem_read_mapping_page(f->f_mapping,
							 first + got);

		if (IS_ERR(p)) {
			err = PTR_ERR(p);
			break;
		}
		pages[got] = p;
	}
	if (!err)
		err = ckpt_read_pages_data(&r->in, pages, rp->nr_pages);
	for (i = 0; i < got; i++) {
		if (!err)
			set_page_dirty_lock(pages[i]);
		put_page(pages[i]);
	}
	if (!err)
		r->in.nr_pages += rp->nr_pages;
	return err;
}

/*
 * Read-lock @mm: the restoring task's own (killable), or a worker's for
 * it (which no signal reaches).
 */
int ckpt_lock_mm(struct mm_struct *mm)
{
	if (mm != current->mm) {
		mmap_read_lock(mm);
		return 0;
	}
	return mmap_read_lock_killable(mm) ? -EINTR : 0;
}

/*
 * Pin @nr pages of @mm from @addr for writing into them (faulted in; a
 * forced write breaks COW where the mapping is read-only).  *@got are
 * pinned, even on failure, for unpin_user_pages_dirty_lock().
 */
int ckpt_pin_pages(struct mm_struct *mm, u64 addr, unsigned int nr,
		   struct page **pages, unsigned int *got)
{
	int err;

	*got = 0;
	err = ckpt_lock_mm(mm);
	if (err)
		return err;
	while (*got < nr) {
		long n = pin_user_pages_remote(mm, addr + (u64)*got * PAGE_SIZE,
					       nr - *got,
					       FOLL_WRITE | FOLL_FORCE,
					       pages + *got, NULL, NULL);

		if (n <= 0) {
			err = n ? n : -EFAULT;
			break;
		}
		*got += n;
	}
	mmap_read_unlock(mm);
	return err;
}

/* Where the PAGES record @rp (@len bytes) goes: its VMA, or NULL. */
static const struct ckpt_restore_vma *
ckpt_pages_vma(const struct ckpt_restore *r, const struct ckpt_rec_pages *rp,
	       u32 len)
{
	const struct ckpt_restore_vma *v;
	size_t bytes;

	if (rp->reserved || !rp->nr_pages || rp->nr_pages > CKPT_PAGES_MAX ||
	    !PAGE_ALIGNED(rp->addr) || !ckpt_addr_ok(rp->addr))
		return NULL;
	bytes = (size_t)rp->nr_pages * PAGE_SIZE;
	if (len != sizeof(*rp) + bytes)
		return NULL;
	v = ckpt_vma_of(r, rp->addr, rp->addr + bytes);
	if (!v || (v->rec.kind != CKPT_VMA_SHARED_ANON &&
		   v->rec.kind != CKPT_VMA_ANON &&
		   v->rec.kind != CKPT_VMA_FILE_PRIVATE &&
		   v->rec.kind != CKPT_VMA_HUGETLB))
		return NULL;
	return v;
}

static int ckpt_read_in_order(void *arg, struct page **pages,
			      struct bio_vec *bv)
{
	struct ckpt_in *in = arg;

	return ckpt_read_pages_data(in, pages, in->pages_left);
}

/*
 * One PAGES record: private memory of a file image joins the batch @f
 * (fill.c), filled later on several CPUs; the rest is filled now.
 */
static int ckpt_fill_pages(struct ckpt_restore *r, struct ckpt_fill *f,
			   struct ckpt_pagebuf *b, u32 len)
{
	const struct ckpt_restore_vma *v;
	struct ckpt_rec_pages rp;
	int err;

	err = ckpt_read_pages_head(&r->in, &rp);
	if (err)
		return err;
	v = ckpt_pages_vma(r, &rp, len);
	if (!v)
		return -EBADMSG;
	if (v->rec.kind == CKPT_VMA_SHARED_ANON)
		return ckpt_fill_shanon(r, v, &rp, b->pages);
	/*
	 * Private anonymous memory only: a private file mapping's pages are
	 * copied from its file when written, a read that could wait on a
	 * device, a network or a FUSE daemon in a worker no signal reaches.
	 */
	if (f && ckpt_in_positional(&r->in) && v->rec.kind == CKPT_VMA_ANON) {
		if (!ckpt_fill_fits(f, &rp)) {
			err = ckpt_fill_flush(f, r);
			if (err)
				return err;
		}
		return ckpt_fill_add(f, &r->in, &rp);
	}
	/*
	 * In image order, what is batched goes first (never anything today:
	 * nothing is batched before the image is positional, which it then
	 * stays).
	 */
	err = ckpt_fill_flush(f, r);
	if (err)
		return err;
	err = ckpt_fill_record(current->mm, &rp, b, ckpt_read_in_order,
			       &r->in);
	/*
	 * A hugetlb page that could not be had (no reservation with
	 * MAP_NORESERVE, none free on the nodes of its policy, a hugetlb
	 * cgroup's limit) faults as SIGBUS: the pool, not the image.
	 */
	if (err == -EFAULT && v->rec.kind == CKPT_VMA_HUGETLB) {
		r->err.addr = v->rec.start;
		err = ckpt_fail(&r->err, CKPT_OBJ_VMA, -ENOMEM);
	}
	if (!err)
		r->in.nr_pages += rp.nr_pages;
	return err;
}

static int ckpt_read_end(struct ckpt_restore *r)
{
	struct ckpt_rec_end *end;
	void *p;
	u32 len;
	int err;

	err = ckpt_read_rec(&r->in, &p, &len);
	if (err)
		return err;
	end = p;
	if (len != sizeof(*end) || end->nr_pages != r->in.nr_pages ||
	    end->nr_records != r->in.nr_records - 1)
		return -EBADMSG;
	return 0;
}

/*
 * The protection of each hugetlb mapping without PROT_WRITE, once its
 * pages are in: it was mapped writable for them (ckpt_map_vma()).
 */
int ckpt_protect_hugetlb(struct ckpt_restore *r)
{
	u32 i;

	for (i = 0; i < r->nr_vmas; i++) {
		const struct ckpt_rec_vma *v = &r->vmas[i].rec;
		long err;

		if (v->kind != CKPT_VMA_HUGETLB || (v->prot & PROT_WRITE))
			continue;
		err = ckpt_syscall(ckpt_ksyms.sys_mprotect, v->start,
				   v->end - v->start, v->prot, 0);
		if (err) {
			r->err.addr = v->start;
			return ckpt_fail(&r->err, CKPT_OBJ_VMA, err);
		}
	}
	return 0;
}

/*
 * Stream the PAGES records into the new address space, up to END (a
 * file image's in batches, on several CPUs: fill.c).  A record that
 * fails its checksum may have been read into place (where its pages were
 * pinned rather than mapped fresh): the error kills the restored process
 * (past the point of no return).
 */
int ckpt_restore_pages(struct ckpt_restore *r)
{
	struct ckpt_rec_header h = {};
	struct ckpt_pagebuf *b;
	struct ckpt_fill *f;
	int err, ferr;

	b = ckpt_pagebuf_new();
	if (!b)
		return -ENOMEM;
	f = ckpt_fill_new(r);		/* NULL: one record at a time */
	for (;;) {
		err = ckpt_peek_rec(&r->in, &h);
		if (err)
			break;
		r->err.type = h.type;
		r->err.offset = r->in.rec_offset;
		if (h.type != CKPT_REC_PAGES)
			break;
		err = ckpt_fill_pages(r, f, b, h.len);
		if (err)
			break;
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	if (!err && h.type == CKPT_REC_END && r->tree && ckpt_fill_pending(f)) {
		/*
		 * A process of a tree fills its last batch once it has passed
		 * the turn on (ckpt_fill_later()): the next one reads its
		 * records meanwhile.  END counts the batch's pages already.
		 */
		err = ckpt_read_end(r);
		if (!err) {
			r->fill_later = f;
			ckpt_pagebuf_free(b);
			return 0;
		}
	}
	/* The batched records come first in the image: so do their errors. */
	ferr = ckpt_fill_flush(f, r);
	if (ferr)
		err = ferr;
	else if (!err)
		err = h.type == CKPT_REC_END ? ckpt_read_end(r) : -EBADMSG;
	ckpt_fill_free(f);
	if (ckpt_timing_on() && b->nr_fresh)
		pr_info("restore pid %d: %llu KiB mapped fresh in image order\n",
			task_pid_nr(current), b->nr_fresh * PAGE_SIZE >> 10);
	ckpt_pagebuf_free(b);
	return err;
}
