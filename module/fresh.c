// SPDX-License-Identifier: GPL-2.0
/*
 * A PAGES record's data into memory that nothing is mapped at yet.
 *
 * The plain way to fill a restored page is to fault it in (the kernel
 * allocates it, cleared, maps it) and then read the image data over it.
 * Where the page does not exist yet, in private anonymous memory, this
 * file allocates the pages as a fault would (vma_alloc_folio(): the
 * mapping's and the task's memory policy), reads the record's data into
 * them, verifies the record's checksum and only then maps them, with the
 * kernel's own way of populating anonymous memory that nothing is mapped
 * at (migrate_vma_setup() and migrate_vma_pages(), which HMM drivers use;
 * with no MIGRATE_VMA_SELECT_* flag, only empty page table entries are
 * taken, never a page already there).  The page is charged to the
 * process's memory cgroup (reclaiming, or the cgroup's OOM killer, as for
 * a fault) and added to its RSS and LRU as a fault would.  So no page
 * fault is taken, and a record with bad data never reaches the process.
 * The pages are not cleared first unless the kernel clears every page it
 * allocates (init_on_alloc, which Debian's kernel turns on by default).
 * While their data is read they are charged to no cgroup: at most one
 * record (1 MiB) per CPU filling.
 *
 * Left to the fault path (ckpt_pin_pages()): memory where a fault could
 * take a transparent huge page (a 2 MiB block of the mapping, aligned and
 * whole, unless THP is off for it), which the original most likely had
 * too; mappings that are not private anonymous memory or are mlocked
 * (populated when mapped); and any page that could not be mapped this way
 * (a page there already, a huge page in the record's range, a userfaultfd,
 * a charge that failed): its data, already read and verified, is copied
 * into the page the fault path gives.
 */
#include <linux/highmem.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include <linux/sched/coredump.h>
#include <linux/slab.h>
#include "ckpt.h"

static bool fill_fresh = true;
module_param(fill_fresh, bool, 0644);
MODULE_PARM_DESC(fill_fresh,
		 "fill a restore's private anonymous memory with pages mapped once filled (0: fault each page in, then fill it)");

struct ckpt_pagebuf *ckpt_pagebuf_new(void)
{
	struct ckpt_pagebuf *b = kvmalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);

	if (b)
		b->nr_fresh = 0;
	return b;
}

void ckpt_pagebuf_free(struct ckpt_pagebuf *b)
{
	kvfree(b);
}

/*
 * Could a fault in [@start, @end) of @vma take a transparent huge page?
 * Yes if the range touches a 2 MiB block of the mapping, aligned and
 * whole, and THP is not off for the mapping or its mm (whether the system
 * setting allows one is not known to a module: assume it does).
 */
static bool ckpt_thp_may(struct vm_area_struct *vma, u64 start, u64 end)
{
	u64 lo, hi;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) ||
	    (vma->vm_flags & VM_NOHUGEPAGE) ||
	    test_bit(MMF_DISABLE_THP, &vma->vm_mm->flags))
		return false;
	lo = max(ALIGN_DOWN(start, PMD_SIZE), ALIGN(vma->vm_start, PMD_SIZE));
	hi = min(ALIGN(end, PMD_SIZE), ALIGN_DOWN(vma->vm_end, PMD_SIZE));
	return lo < hi;
}

/* The mapping [@addr, @end) is in, if fresh pages may go there; or NULL. */
static struct vm_area_struct *ckpt_fresh_vma(struct mm_struct *mm, u64 addr,
					     u64 end)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);

	if (!vma || !READ_ONCE(fill_fresh) || !vma_is_anonymous(vma) || end > vma->vm_end ||
	    (vma->vm_flags & (VM_SPECIAL | VM_LOCKED)) ||
	    ckpt_thp_may(vma, addr, end))
		return NULL;
	return vma;
}

/* Is a huge page mapped at a PMD (or anything but a page table) in [@addr, @end)? */
static bool ckpt_huge_in(struct mm_struct *mm, u64 addr, u64 end)
{
	unsigned long next;

	while (addr < end) {
		pud_t *pud = ckpt_find_pud(mm, addr, end, &next);

		if (pud) {
			pmd_t pmd = READ_ONCE(*pmd_offset(pud, addr));

			if (!pmd_none(pmd) && (pmd_trans_huge(pmd) ||
					       pmd_devmap(pmd) ||
					       !pmd_present(pmd)))
				return true;
			next = pmd_addr_end(addr, end);
		}
		addr = next;
	}
	return false;
}

/*
 * Map each of the @nr pages of @b->fresh at @addr where nothing is mapped
 * (never where a huge page is: migrate_vma_setup() would split it).  A
 * page mapped leaves @b->fresh (the page table holds it now); the others
 * are left for the caller to copy in.
 */
static int ckpt_map_fresh(struct mm_struct *mm, u64 addr, unsigned int nr,
			  struct ckpt_pagebuf *b)
{
	struct migrate_vma m = {
		.start = addr,
		.end = addr + (u64)nr * PAGE_SIZE,
		.src = b->src,
		.dst = b->dst,
	};
	unsigned long i;

	if (!IS_ENABLED(CONFIG_DEVICE_MIGRATION))
		return 0;
	if (ckpt_lock_mm(mm))
		return -EINTR;
	m.vma = ckpt_fresh_vma(mm, m.start, m.end);
	if (!m.vma || ckpt_huge_in(mm, m.start, m.end) ||
	    migrate_vma_setup(&m))
		goto out;
	/* Entries not empty are not taken (no MIGRATE_VMA_SELECT_*). */
	for (i = 0; i < m.npages; i++) {
		if (!(b->src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		get_page(b->fresh[i]);		/* finalize puts this one */
		lock_page(b->fresh[i]);
		b->dst[i] = migrate_pfn(page_to_pfn(b->fresh[i]));
	}
	migrate_vma_pages(&m);
	for (i = 0; i < m.npages; i++) {
		if (b->src[i] & MIGRATE_PFN_MIGRATE) {	/* mapped */
			put_page(b->fresh[i]);
			b->fresh[i] = NULL;
			b->nr_fresh++;
		}
	}
	migrate_vma_finalize(&m);
out:
	mmap_read_unlock(mm);
	return 0;
}

/* Copy the pages left in @b->fresh into the record's pages, faulted in. */
static int ckpt_copy_fresh(struct mm_struct *mm, u64 addr, unsigned int nr,
			   struct ckpt_pagebuf *b)
{
	unsigned int i = 0, j, k, got;
	int err = 0;

	while (!err && i < nr) {
		if (!b->fresh[i]) {
			i++;
			continue;
		}
		for (j = i + 1; j < nr && b->fresh[j]; j++)
			;
		err = ckpt_pin_pages(mm, addr + (u64)i * PAGE_SIZE, j - i,
				     b->pages, &got);
		for (k = 0; !err && k < j - i; k++)
			copy_highpage(b->pages[k], b->fresh[i + k]);
		unpin_user_pages_dirty_lock(b->pages, got, true);
		i = j;
	}
	return err;
}

/*
 * Fill the PAGES record @rp of the address space @mm: @read reads its data
 * into the pages it is given (with @b->bv, room for as many bio_vecs) and
 * verifies it.  The restoring task's own @mm, or a worker's for it.
 */
int ckpt_fill_record(struct mm_struct *mm, const struct ckpt_rec_pages *rp,
		     struct ckpt_pagebuf *b, ckpt_read_pages_t read, void *arg)
{
	u64 end = rp->addr + (u64)rp->nr_pages * PAGE_SIZE;
	unsigned int nr = rp->nr_pages, i = 0, got;
	struct vm_area_struct *vma;
	int err;

	if (WARN_ON_ONCE(!nr || nr > CKPT_PAGES_MAX))
		return -EINVAL;
	memset(b->fresh, 0, nr * sizeof(*b->fresh));
	err = ckpt_lock_mm(mm);
	if (err)
		return err;
	/* Allocated as a fault would: the mapping's and the task's policy. */
	vma = IS_ENABLED(CONFIG_DEVICE_MIGRATION) ?
	      ckpt_fresh_vma(mm, rp->addr, end) : NULL;
	for (; vma && i < nr; i++) {
		struct folio *folio;

		/*
		 * Not charged until mapped: a page that would need more
		 * than a light reclaim is left to the fault path, which
		 * charges the cgroup (and reclaims, or OOMs, in it) first.
		 */
		folio = vma_alloc_folio(GFP_HIGHUSER_MOVABLE | __GFP_NORETRY |
					__GFP_NOWARN, 0, vma,
					rp->addr + (u64)i * PAGE_SIZE, false);
		if (!folio)
			break;
		b->fresh[i] = &folio->page;
	}
	mmap_read_unlock(mm);
	if (vma && i == nr) {
		err = read(arg, b->fresh, b->bv);
		if (!err)
			err = ckpt_map_fresh(mm, rp->addr, nr, b);
		if (!err)
			err = ckpt_copy_fresh(mm, rp->addr, nr, b);
	} else {
		err = ckpt_pin_pages(mm, rp->addr, nr, b->pages, &got);
		if (!err)
			err = read(arg, b->pages, b->bv);
		unpin_user_pages_dirty_lock(b->pages, got, true);
	}
	for (i = 0; i < nr; i++)
		if (b->fresh[i])
			put_page(b->fresh[i]);
	return err;
}
