// SPDX-License-Identifier: GPL-2.0
/*
 * The image reader (see image.h).  Checks, in the kernel's order: the
 * header (magic, version and size, checksum, reserved fields, machine);
 * then per record its type, flags and length bound before the payload is
 * read, the checksum, the position in the record order, and last the
 * contents (a FILE record's entry by entry).  The first failure is kept
 * in img->error and returned again by every later call.
 */
#include <signal.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "csum.h"
#include "image.h"
#include "seal.h"

_Static_assert(sizeof(struct ckpt_image_header) == 192, "image header");
_Static_assert(sizeof(struct ckpt_rec_header) == 16, "record header");
_Static_assert(sizeof(struct ckpt_rec_sigaction) * CKPT_NSIG == 2048,
	       "sigactions");

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define PAGES_MAX_LEN	(sizeof(struct ckpt_rec_pages) + \
			 CKPT_PAGES_MAX * CKPT_IMG_PAGE_SIZE)

struct rec_desc {
	const char *name;
	uint32_t size;		/* fixed part of the payload */
	uint8_t exact;		/* payload is exactly size bytes */
	uint8_t repeat;		/* may occur several times in a row */
	uint8_t optional;	/* may be absent */
	int (*check)(struct ckpt_image *img);
};

static const struct rec_desc rec_descs[CKPT_REC_MAX + 1];

const char *ckpt_rec_name(uint32_t type)
{
	/* Live migration streams only: no image holds them. */
	if (type == CKPT_REC_PRECOPY_CLEAN)
		return "PRECOPY_CLEAN";
	if (type == CKPT_REC_PRECOPY)
		return "PRECOPY";
	if (type == CKPT_REC_PRECOPY_TASK)
		return "PRECOPY_TASK";
	if (type == 0 || type > CKPT_REC_MAX || !rec_descs[type].name)
		return "unknown";
	return rec_descs[type].name;
}

/* ---- errors ------------------------------------------------------- */

static int img_verror(struct ckpt_image *img, int err, const char *fmt,
		      va_list ap)
{
	vsnprintf(img->error.msg, sizeof(img->error.msg), fmt, ap);
	img->error.err = err;
	return err;
}

__attribute__((format(printf, 5, 6)))
static int img_error(struct ckpt_image *img, int err, uint64_t offset,
		     uint32_t type, const char *fmt, ...)
{
	va_list ap;

	img->error.offset = offset;
	img->error.type = type;
	va_start(ap, fmt);
	img_verror(img, err, fmt, ap);
	va_end(ap);
	return err;
}

/*
 * "bad VMA record at offset N: <why>" (EBADMSG) for the current record;
 * "bad FILE entry at offset N: <why>" for an entry of a FILE record.
 */
__attribute__((format(printf, 2, 3)))
static int img_bad(struct ckpt_image *img, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return img_error(img, -EBADMSG, img->rec_offset, img->rec.type,
			 "bad %s %s at offset %" PRIu64 ": %s",
			 ckpt_rec_name(img->rec.type),
			 img->file_len ? "entry" : "record", img->rec_offset,
			 why);
}

static int img_read_error(struct ckpt_image *img, int err)
{
	img->error.unreadable = 1;
	return img_error(img, err, img->offset, 0,
			 "cannot read the image at offset %" PRIu64 ": %s",
			 img->offset, strerror(-err));
}

/* ---- the source --------------------------------------------------- */

/* Read up to @len bytes; fewer only at the end of the image. */
static ssize_t img_read(struct ckpt_image *img, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	if (img->mem) {
		if (img->offset < img->mem_len)
			done = img->mem_len - img->offset;
		if (done > len)
			done = len;
		memcpy(buf, img->mem + img->offset, done);
	} else if (img->positional) {
		n = ckpt_at_read(&img->at, buf, len, img->offset);
		if (n < 0)
			return n;
		done = n;
	}
	while (!img->mem && !img->positional && done < len) {
		n = read(img->fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += n;
	}
	if (img->copy_fd >= 0 && done) {
		const char *p = buf;
		size_t left = done;

		if (img->offset + done > img->copy_max)
			return -EFBIG;
		while (left) {
			n = write(img->copy_fd, p, left);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			p += n;
			left -= n;
		}
	}
	img->offset += done;
	return done;
}

/* ---- header ------------------------------------------------------- */

static int check_header_id(struct ckpt_image *img, ssize_t n)
{
	const struct ckpt_image_header *h = &img->hdr;

	if (n >= (ssize_t)sizeof(h->magic) &&
	    ckpt_sealed_magic(&h->magic, sizeof(h->magic)))
		return img_error(img, -ENOEXEC, 0, 0,
				 "a sealed image: open it with 'ckpt unseal --key FILE' first");
	if (n >= (ssize_t)sizeof(h->magic) && h->magic != CKPT_IMAGE_MAGIC)
		return img_error(img, -ENOEXEC, 0, 0,
				 "bad magic 0x%016" PRIx64
				 " at offset 0: not a ckpt image",
				 (uint64_t)h->magic);
	if (n == 0)
		return img_error(img, -ENODATA, 0, 0, "the image is empty");
	if (n < (ssize_t)sizeof(*h))
		return img_error(img, -ENODATA, n, 0,
				 "the image ends at offset %zd, inside its %zu-byte header",
				 n, sizeof(*h));
	if (h->version != CKPT_IMAGE_VERSION)
		return img_error(img, -EPROTO, 0, 0,
				 "image format version %u is not supported (this tool reads version %u)",
				 h->version, CKPT_IMAGE_VERSION);
	if (h->header_size != sizeof(*h))
		return img_error(img, -EPROTO, 0, 0,
				 "image header size %u is not supported (expected %zu)",
				 h->header_size, sizeof(*h));
	return 0;
}

static int check_header_csum(struct ckpt_image *img)
{
	struct ckpt_image_header h = img->hdr;
	uint32_t crc;

	h.csum = 0;
	crc = ckpt_csum2(&h, sizeof(h), NULL, 0);
	if (crc != img->hdr.csum)
		return img_error(img, -EBADMSG, 0, 0,
				 "bad checksum in the image header at offset 0 (stored 0x%08x, computed 0x%08x)",
				 img->hdr.csum, crc);
	if ((img->hdr.flags & ~CKPT_IMAGE_FLAGS) || img->hdr.reserved)
		return img_error(img, -EBADMSG, 0, 0,
				 "bad image header at offset 0: non-zero flags or reserved field");
	return 0;
}

static int check_header_machine(struct ckpt_image *img)
{
	const struct ckpt_image_header *h = &img->hdr;

	if (h->arch != CKPT_ARCH_X86_64)
		return img_error(img, -EXDEV, 0, 0,
				 "the image is for architecture 0x%08x, not x86_64",
				 h->arch);
	if (h->page_size != CKPT_IMG_PAGE_SIZE)
		return img_error(img, -EXDEV, 0, 0,
				 "the image has page size %u, not %u",
				 h->page_size, CKPT_IMG_PAGE_SIZE);
	if (!h->nr_tasks || h->nr_tasks > CKPT_MAX_TREE)
		return img_error(img, -EBADMSG, 0, 0,
				 "bad image header at offset 0: %u tasks, expected 1 to %u",
				 h->nr_tasks, CKPT_MAX_TREE);
	if (h->xstate_size > CKPT_MAX_XSTATE)
		return img_error(img, -EBADMSG, 0, 0,
				 "bad image header at offset 0: xstate size %u exceeds %u",
				 h->xstate_size, CKPT_MAX_XSTATE);
	if ((h->xfeatures & ~CKPT_IMG_XFEATURES_USER) ||
	    (h->xfeatures & 3) != 3)
		return img_error(img, -EBADMSG, 0, 0,
				 "bad image header at offset 0: xfeatures 0x%llx are not a set of user XSAVE states with x87 and SSE",
				 h->xfeatures);
	return 0;
}

static int read_header(struct ckpt_image *img)
{
	ssize_t n;
	int err;

	n = img_read(img, &img->hdr, sizeof(img->hdr));
	if (n < 0)
		return img_read_error(img, n);
	err = check_header_id(img, n);
	if (!err)
		err = check_header_csum(img);
	if (!err)
		err = check_header_machine(img);
	if (err)
		return err;
	img->payload_size = PAGES_MAX_LEN;
	img->payload = malloc(img->payload_size);
	if (!img->payload)
		return img_error(img, -ENOMEM, 0, 0,
				 "cannot allocate a record buffer");
	return 0;
}

static void image_init(struct ckpt_image *img)
{
	memset(img, 0, sizeof(*img));
	img->fd = -1;
	img->copy_fd = -1;
	img->last_fd = -1;
	img->last_fown_fd = -1;
}

int ckpt_image_open_fd(struct ckpt_image *img, int fd)
{
	image_init(img);
	img->fd = fd;
	return read_header(img);
}

int ckpt_image_open_copy(struct ckpt_image *img, int fd, int copy_fd,
			 uint64_t max)
{
	image_init(img);
	img->fd = fd;
	img->copy_fd = copy_fd;
	img->copy_max = max;
	return read_header(img);
}

int ckpt_image_open_at(struct ckpt_image *img, int fd)
{
	int err;

	image_init(img);
	img->fd = fd;
	img->positional = 1;
	img->at.fd = fd;
	err = ckpt_fd_size(fd, &img->at_size);
	if (err)
		return img_read_error(img, err);
	return read_header(img);
}

int ckpt_image_open_mem(struct ckpt_image *img, const void *buf, size_t len)
{
	static const unsigned char empty;

	image_init(img);
	img->mem = buf ? buf : &empty;
	img->mem_len = len;
	return read_header(img);
}

void ckpt_image_close(struct ckpt_image *img)
{
	ckpt_at_free(&img->at);
	free(img->payload);
	free(img->vmas);
	free(img->tree);
	free(img->file_rec);
	free(img->pty_bits);
	free(img->own_fds);
	img->own_fds = NULL;
	img->payload = NULL;
	img->vmas = NULL;
	img->tree = NULL;
	img->file_rec = NULL;
	img->pty_bits = NULL;
}

/* ---- record contents ---------------------------------------------- */

static int check_path(struct ckpt_image *img, const char *p, uint32_t len,
		      int required)
{
	if (!len)
		return required ? img_bad(img, "the path is missing") : 0;
	if (len > CKPT_PATH_MAX)
		return img_bad(img, "path of %u bytes exceeds %u", len,
			       CKPT_PATH_MAX);
	if (p[len - 1])
		return img_bad(img, "the path is not NUL-terminated");
	if (strlen(p) != len - 1)
		return img_bad(img, "the path has a NUL byte inside");
	if (p[0] != '/')
		return img_bad(img, "the path '%.64s' is not absolute", p);
	return 0;
}

/* A user-space pointer: below the top of user space. */
static int uptr_ok(uint64_t p)
{
	return p < CKPT_IMG_TASK_SIZE_MAX;
}

/* The payload is a fixed part of @size bytes, then @path_len bytes. */
static int check_tail(struct ckpt_image *img, uint32_t size,
		      uint32_t path_len, int required)
{
	if ((uint64_t)size + path_len != img->rec.len)
		return img_bad(img, "length %u does not match a path of %u bytes",
			       img->rec.len, path_len);
	return check_path(img, (const char *)img->payload + size, path_len,
			  required);
}

static int check_task_ptrs(struct ckpt_image *img,
			   const struct ckpt_rec_task *t)
{
	if (t->rseq && (t->rseq_len != CKPT_IMG_RSEQ_SIZE ||
			t->rseq % CKPT_IMG_RSEQ_SIZE || !uptr_ok(t->rseq)))
		return img_bad(img, "bad rseq area 0x%llx (%u bytes)", t->rseq,
			       t->rseq_len);
	if (!uptr_ok(t->clear_child_tid) || !uptr_ok(t->set_child_tid) ||
	    !uptr_ok(t->robust_list) || !uptr_ok(t->sas_ss_sp))
		return img_bad(img, "a pointer is beyond user space");
	if (t->sas_ss_flags & ~CKPT_IMG_SS_FLAGS)
		return img_bad(img, "unknown sigaltstack flags 0x%x",
			       t->sas_ss_flags);
	return 0;
}

static int check_task(struct ckpt_image *img)
{
	const struct ckpt_rec_task *t = img->payload;

	if (t->pid <= 0 || t->tid != t->pid)
		return img_bad(img, "pid %d and tid %d: not one positive id",
			       t->pid, t->tid);
	if (img->tree && t->pid != img->tree[img->task_idx].pid)
		return img_bad(img, "pid %d, but process %u of the TREE record is %d",
			       t->pid, img->task_idx,
			       img->tree[img->task_idx].pid);
	if (t->flags & ~(CKPT_TASK_NO_NEW_PRIVS | CKPT_TASK_DUMPABLE |
			 CKPT_TASK_SUBREAPER))
		return img_bad(img, "unknown flags 0x%x", t->flags);
	if (!memchr(t->comm, 0, sizeof(t->comm)))
		return img_bad(img, "comm is not NUL-terminated");
	if (t->pdeath_signal < 0 || t->pdeath_signal > CKPT_NSIG)
		return img_bad(img, "bad parent-death signal %d",
			       t->pdeath_signal);
	if (t->ngroups > CKPT_MAX_GROUPS)
		return img_bad(img, "%u groups exceed %u", t->ngroups,
			       CKPT_MAX_GROUPS);
	if (t->reserved0 || t->reserved1)
		return img_bad(img, "non-zero reserved field");
	if (t->personality & 0xff)
		return img_error(img, -EOPNOTSUPP, img->rec_offset,
				 img->rec.type,
				 "TASK record at offset %" PRIu64 ": personality 0x%x is not supported",
				 img->rec_offset, t->personality);
	img->task = *t;
	return check_task_ptrs(img, t);
}

static int check_groups(struct ckpt_image *img)
{
	if (img->rec.len != (uint64_t)img->task.ngroups * sizeof(__u32))
		return img_bad(img, "length %u, but the TASK record has %u groups",
			       img->rec.len, img->task.ngroups);
	return 0;
}

/* An absolute path without empty, "." or ".." components (as the module). */
static int path_plain(const char *p)
{
	size_t n;

	for (; *p == '/'; p += n) {
		n = strcspn(++p, "/");
		if ((!n && *p) || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
	}
	return !*p;
}

static int check_fs(struct ckpt_image *img)
{
	const struct ckpt_rec_fs *fs = img->payload;
	const char *root;
	int err;

	if (fs->umask & ~0777U)
		return img_bad(img, "bad umask 0%o", fs->umask);
	if (fs->flags & ~(CKPT_FS_CWD_DELETED | CKPT_FS_ROOT))
		return img_bad(img, "flags 0x%x", fs->flags);
	if (!(fs->flags & CKPT_FS_ROOT) != !fs->root_len)
		return img_bad(img, "root directory of %u bytes with flags 0x%x",
			       fs->root_len, fs->flags);
	if (fs->cwd_len > img->rec.len - sizeof(*fs))
		return img_bad(img, "length %u does not match a path of %u bytes",
			       img->rec.len, fs->cwd_len);
	err = check_path(img, (const char *)(fs + 1), fs->cwd_len, 1);
	if (err)
		return err;
	err = check_tail(img, sizeof(*fs) + fs->cwd_len, fs->root_len, 0);
	if (err)
		return err;
	root = (const char *)(fs + 1) + fs->cwd_len;
	if (fs->root_len && !path_plain(root))
		return img_bad(img, "root directory '%.64s' has an empty, '.' or '..' component",
			       root);
	return 0;
}

static int check_cgroup(struct ckpt_image *img)
{
	const struct ckpt_rec_cgroup *c = img->payload;

	const char *path = (const char *)(c + 1);
	int err;

	if (c->flags)
		return img_bad(img, "flags 0x%x", c->flags);
	err = check_tail(img, sizeof(*c), c->path_len, 1);
	if (err)
		return err;
	if (!path_plain(path))
		return img_bad(img, "cgroup path '%.64s' has an empty, '.' or '..' component",
			       path);
	return 0;
}

static int check_sigactions(struct ckpt_image *img)
{
	const struct ckpt_rec_sigaction *sa = img->payload;
	int i;

	for (i = 0; i < CKPT_NSIG; i++)
		if (sa[i].flags & ~CKPT_IMG_SA_KNOWN)
			return img_bad(img, "signal %d has unknown flags 0x%llx",
				       i + 1, sa[i].flags);
	return 0;
}

static int check_mm(struct ckpt_image *img)
{
	const struct ckpt_rec_mm *mm = img->payload;
	const __u64 *f = &mm->start_code;
	unsigned int i;

	for (i = 0; &f[i] <= &mm->vdso; i++)
		if (f[i] > CKPT_IMG_TASK_SIZE_MAX)
			return img_bad(img, "address 0x%llx is beyond user space",
				       f[i]);
	if (mm->start_code > mm->end_code || mm->start_data > mm->end_data ||
	    mm->start_brk > mm->brk || mm->arg_start > mm->arg_end ||
	    mm->env_start > mm->env_end)
		return img_bad(img, "a range starts after its end");
	if (mm->reserved)
		return img_bad(img, "non-zero reserved field");
	img->mm_vdso = mm->vdso;
	return check_tail(img, sizeof(*mm), mm->exe_len, 0);
}

static int check_auxv(struct ckpt_image *img)
{
	const __u64 *w = img->payload;
	uint32_t n = img->rec.len / sizeof(*w);

	if (!img->rec.len || img->rec.len % (2 * sizeof(*w)))
		return img_bad(img, "length %u is not a whole number of (type, value) pairs",
			       img->rec.len);
	if (n > CKPT_MAX_AUXV)
		return img_bad(img, "%u words exceed %u", n, CKPT_MAX_AUXV);
	if (w[n - 2] != 0)
		return img_bad(img, "the vector does not end with AT_NULL");
	return 0;
}

static int check_vma_range(struct ckpt_image *img,
			   const struct ckpt_rec_vma *v)
{
	const struct ckpt_image_vma *prev;

	if (v->start >= v->end)
		return img_bad(img, "start 0x%llx >= end 0x%llx", v->start,
			       v->end);
	if ((v->start | v->end) & (CKPT_IMG_PAGE_SIZE - 1))
		return img_bad(img, "start 0x%llx or end 0x%llx is not page-aligned",
			       v->start, v->end);
	if (v->end > CKPT_IMG_TASK_SIZE_MAX)
		return img_bad(img, "end 0x%llx is beyond user space", v->end);
	if (!img->nr_vmas)
		return 0;
	prev = &img->vmas[img->nr_vmas - 1];
	if (v->start < prev->end)
		return img_bad(img, "0x%llx-0x%llx overlaps or precedes the previous VMA 0x%" PRIx64 "-0x%" PRIx64,
			       v->start, v->end, prev->start, prev->end);
	return 0;
}

static const struct ckpt_image_vma *find_kind(const struct ckpt_image *img,
					      uint32_t kind)
{
	uint32_t i;

	for (i = 0; i < img->nr_vmas; i++)
		if (img->vmas[i].kind == kind)
			return &img->vmas[i];
	return NULL;
}

static int add_vma(struct ckpt_image *img, const struct ckpt_rec_vma *v)
{
	struct ckpt_image_vma *vmas;
	uint32_t cap;

	if (img->nr_vmas == img->vmas_cap) {
		cap = img->vmas_cap ? 2 * img->vmas_cap : 64;
		vmas = realloc(img->vmas, cap * sizeof(*vmas));
		if (!vmas)
			return img_error(img, -ENOMEM, img->rec_offset,
					 img->rec.type, "out of memory");
		img->vmas = vmas;
		img->vmas_cap = cap;
	}
	img->vmas[img->nr_vmas++] = (struct ckpt_image_vma){
		.start = v->start, .end = v->end, .kind = v->kind,
	};
	return 0;
}

static const char *vma_kind_name(uint32_t kind)
{
	switch (kind) {
	case CKPT_VMA_ANON:
		return "anonymous";
	case CKPT_VMA_VDSO:
		return "[vdso]";
	case CKPT_VMA_VVAR:
		return "[vvar]";
	case CKPT_VMA_FILE_SHARED:
		return "shared file";
	case CKPT_VMA_SHMEM:
		return "shared memory";
	case CKPT_VMA_SHARED_ANON:
		return "shared anonymous";
	case CKPT_VMA_SYSVSHM:
		return "SysV shm";
	case CKPT_VMA_HUGETLB:
		return "hugetlb";
	default:
		return "file";
	}
}

static int check_vma(struct ckpt_image *img)
{
	const struct ckpt_rec_vma *v = img->payload;
	int err;

	err = check_vma_range(img, v);
	if (err)
		return err;
	if (v->kind < CKPT_VMA_ANON || v->kind > CKPT_VMA_HUGETLB)
		return img_bad(img, "unknown kind %u", v->kind);
	if (v->kind == CKPT_VMA_HUGETLB &&
	    (v->pgoff || v->size != 2097152 || (v->start | v->end) % 2097152))
		return img_bad(img, "hugetlb mapping 0x%llx-0x%llx of %llu-byte pages (2 MiB, aligned, only)",
			       v->start, v->end, v->size);
	if (v->kind == CKPT_VMA_SYSVSHM &&
	    (v->pgoff || !v->size || v->ino > INT32_MAX ||
	     ((v->size + 4095) & ~4095ULL) != v->end - v->start))
		return img_bad(img, "SysV segment %llu of %llu bytes does not fill its mapping 0x%llx-0x%llx",
			       v->ino, v->size, v->start, v->end);
	if (v->kind == CKPT_VMA_SHARED_ANON &&
	    (v->pgoff || !v->size ||
	     ((v->size + 4095) & ~4095ULL) != v->end - v->start))
		return img_bad(img, "shared anonymous memory of %llu bytes does not fill its mapping 0x%llx-0x%llx",
			       v->size, v->start, v->end);
	if ((v->kind == CKPT_VMA_VDSO || v->kind == CKPT_VMA_VVAR) &&
	    find_kind(img, v->kind))
		return img_bad(img, "a second %s mapping",
			       vma_kind_name(v->kind));
	if (v->prot & ~0x7U)
		return img_bad(img, "unknown protection bits 0x%x", v->prot);
	if (v->flags & ~(CKPT_VMAF_GROWSDOWN | CKPT_VMAF_HEAP |
			 CKPT_VMAF_STACK | CKPT_VMAF_WRITABLE_FILE |
			 CKPT_VMAF_GHOST | CKPT_VMAF_EXE))
		return img_bad(img, "unknown flags 0x%x", v->flags);
	if ((v->flags & (CKPT_VMAF_GHOST | CKPT_VMAF_EXE)) &&
	    v->kind != CKPT_VMA_FILE_PRIVATE && v->kind != CKPT_VMA_FILE_SHARED)
		return img_bad(img, "%s mapping marked as a file's",
			       vma_kind_name(v->kind));
	if ((v->flags & CKPT_VMAF_GHOST) && v->size > CKPT_GHOST_MAX_DATA)
		return img_bad(img, "deleted file of %llu bytes, more than %u",
			       (unsigned long long)v->size,
			       CKPT_GHOST_MAX_DATA);
	if ((v->flags & CKPT_VMAF_WRITABLE_FILE) &&
	    v->kind != CKPT_VMA_FILE_SHARED && v->kind != CKPT_VMA_SHMEM)
		return img_bad(img, "only a shared mapping needs its file writable");
	if (img->nr_vmas >= CKPT_MAX_VMAS)
		return img_bad(img, "more than %u VMAs", CKPT_MAX_VMAS);
	if (v->kind != CKPT_VMA_FILE_PRIVATE &&
	    v->kind != CKPT_VMA_FILE_SHARED && v->path_len)
		return img_bad(img, "%s mapping has a path",
			       vma_kind_name(v->kind));
	if (v->pgoff > (UINT64_MAX >> 12) - ((v->end - v->start) >> 12))
		return img_bad(img, "file offset 0x%llx pages is too large",
			       v->pgoff);
	err = check_tail(img, sizeof(*v), v->path_len,
			 v->kind == CKPT_VMA_FILE_PRIVATE ||
			 v->kind == CKPT_VMA_FILE_SHARED);
	return err ? err : add_vma(img, v);
}

/* The character devices a restore reopens (new_encode_dev numbers). */
static int chr_ok(uint32_t rdev)
{
	static const uint64_t ok[] = {
		/* null, zero, full, random, urandom */
		0x103, 0x105, 0x107, 0x108, 0x109,
	};
	unsigned int major = ckpt_dev_major(rdev);
	unsigned int minor = ckpt_dev_minor(rdev);
	unsigned int i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (rdev == ok[i])
			return 1;
	/* terminals: tty/ttyS (4), the console (5, 1), pts (136-143) */
	return major == 4 || (major == 5 && minor == 1) ||
	       (major >= 136 && major <= 143);
}

/* Is @pid a process of the tree listed before the current one? */
static int tree_earlier(const struct ckpt_image *img, int32_t pid)
{
	uint32_t i;

	for (i = 0; img->tree && i < img->task_idx; i++)
		if (img->tree[i].pid == pid &&
		    !(img->tree[i].flags & CKPT_TREE_ZOMBIE))
			return 1;
	return 0;
}

/*
 * A pidfd: of a process of the image (a tree's, or this one), or none.
 * Checked for every entry, also those sharing another's open file (the
 * module checks only the first: the others take its file).
 */
static int pidfd_ok(const struct ckpt_image *img,
		    const struct ckpt_rec_file *f)
{
	uint32_t i;

	if (f->pos || f->dev || f->rdev ||
	    (f->f_flags & ~(O_ACCMODE | O_NONBLOCK)) ||
	    (f->f_flags & O_ACCMODE) != O_RDWR)
		return 0;
	if (f->size == CKPT_PIDFD_GONE)
		return !f->ino;
	if (f->size || !f->ino || f->ino > CKPT_IMG_PID_MAX_LIMIT)
		return 0;
	if (!img->tree)
		return f->ino == (uint64_t)img->task.pid;
	for (i = 0; i < img->hdr.nr_tasks; i++)
		if ((uint64_t)img->tree[i].pid == f->ino)
			return 1;
	return 0;
}

/* ---- pseudo-terminal pairs ---------------------------------------- */

/*
 * Bitmaps of pairs by index: a PTY record of the image was read; a FILE
 * entry of this process holds an end; it holds the master (an entry not
 * sharing another's open file) and its PTY record has not come yet.
 */
enum { PTY_RECORDED, PTY_HERE, PTY_MASTER, PTY_MAPS };
#define PTY_WORDS	(CKPT_IMG_PTY_MAX / 64)

static uint64_t *pty_map(const struct ckpt_image *img, int map)
{
	return img->pty_bits + map * PTY_WORDS;
}

/* Bit @index of map @map: 0 or 1 (then set to @set if >= 0), -ENOMEM. */
static int pty_bit(struct ckpt_image *img, int map, uint32_t index, int set)
{
	uint64_t *w, bit = 1ULL << (index % 64);
	int was;

	if (!img->pty_bits) {
		img->pty_bits = calloc(PTY_MAPS * PTY_WORDS, sizeof(uint64_t));
		if (!img->pty_bits)
			return img_error(img, -ENOMEM, img->rec_offset,
					 img->rec.type, "out of memory");
	}
	w = &pty_map(img, map)[index / 64];
	was = !!(*w & bit);
	if (set > 0)
		*w |= bit;
	else if (!set)
		*w &= ~bit;
	return was;
}

/*
 * A FILE entry of kind CKPT_FILE_PTY, its path checked (as the module):
 * the master of pair @ino, /dev/ptmx (5:2) opened at a ptmx, or its slave
 * (136:@ino); an end whose PTY record this process's records or an
 * earlier one's hold, and this process's if it is the master.
 */
static int check_pty_file(struct ckpt_image *img,
			  const struct ckpt_rec_file *f)
{
	const char *path = (const char *)(f + 1), *last = strrchr(path, '/');
	int master = f->rdev == CKPT_IMG_PTMX_RDEV, err;

	if (!master && (ckpt_dev_major(f->rdev) != 136 ||
			ckpt_dev_minor(f->rdev) != f->ino))
		return img_bad(img, "pseudo-terminal fd %d: device %u:%u is neither a master (5:2) nor the slave of pair %llu (136:%llu)",
			       f->fd, ckpt_dev_major(f->rdev),
			       ckpt_dev_minor(f->rdev),
			       (unsigned long long)f->ino,
			       (unsigned long long)f->ino);
	if (f->ino >= CKPT_IMG_PTY_MAX)
		return img_bad(img, "pseudo-terminal fd %d: index %llu is not below %u",
			       f->fd, (unsigned long long)f->ino,
			       CKPT_IMG_PTY_MAX);
	if (f->pos)
		return img_bad(img, "pseudo-terminal fd %d: position %lld",
			       f->fd, (long long)f->pos);
	if (!path_plain(path))
		return img_bad(img, "pseudo-terminal fd %d: path '%.64s' has an empty, '.' or '..' component",
			       f->fd, path);
	if (master && strcmp(last, "/ptmx"))
		return img_bad(img, "pseudo-terminal fd %d: a master opened at '%.64s', not a ptmx",
			       f->fd, path);
	err = pty_bit(img, PTY_HERE, f->ino, 1);
	if (err < 0)
		return err;
	img->pty_here = 1;
	if (!master || (f->fd_flags & (CKPT_FD_SHARED | CKPT_FD_TREE)))
		return 0;
	if (pty_bit(img, PTY_MASTER, f->ino, 1))
		return img_bad(img, "pseudo-terminal fd %d: a second master of pair %llu, not sharing the first's open file",
			       f->fd, (unsigned long long)f->ino);
	return 0;
}

static int check_pty_tty(struct ckpt_image *img, uint32_t index,
			 const char *end, const struct ckpt_rec_tty *t)
{
	if (t->fd != -1 || t->flags || t->reserved)
		return img_bad(img, "pseudo-terminal %u: the %s's settings have fd %d, flags 0x%x or a reserved field",
			       index, end, t->fd, t->flags);
	return 0;
}

/*
 * CKPT_REC_PTY, as the module checks it: once in an image, in the records
 * of the process holding the pair's master.
 */
static int check_pty(struct ckpt_image *img)
{
	const struct ckpt_rec_pty *p = img->payload;
	int err;

	if (p->flags & ~CKPT_PTY_ALL)
		return img_bad(img, "pseudo-terminal %u: unknown flags 0x%x",
			       p->index, p->flags);
	if (++img->pty_recs > CKPT_MAX_PTYS)
		return img_bad(img, "more than %u PTY records in a process",
			       CKPT_MAX_PTYS);
	if (p->data_len > CKPT_PTY_MAX_DATA ||
	    img->rec.len != sizeof(*p) + (uint64_t)p->data_len)
		return img_bad(img, "pseudo-terminal %u: %u unread bytes in a record of %u",
			       p->index, p->data_len, img->rec.len);
	if (p->mode & ~07777U)
		return img_bad(img, "pseudo-terminal %u: slave mode 0%o",
			       p->index, p->mode);
	err = check_pty_tty(img, p->index, "slave", &p->slave);
	if (err)
		return err;
	if (p->index >= CKPT_IMG_PTY_MAX)
		return img_bad(img, "pseudo-terminal index %u is not below %u",
			       p->index, CKPT_IMG_PTY_MAX);
	err = pty_bit(img, PTY_RECORDED, p->index, 1);
	if (err)
		return err < 0 ? err :
		       img_bad(img, "a second PTY record of pseudo-terminal %u",
			       p->index);
	if (!pty_bit(img, PTY_MASTER, p->index, 0))
		return img_bad(img, "pseudo-terminal %u: no FILE entry of this process is its master",
			       p->index);
	return 0;
}

/*
 * A /dev/tty entry (CKPT_FILE_CTTY) on the slave of a pair saved here: that
 * pair has a PTY record, in this process or an earlier one.
 */
static int check_ctty_file(struct ckpt_image *img,
			   const struct ckpt_rec_file *f)
{
	int err;

	if (f->size != CKPT_CTTY_PAIR)
		return 0;
	if (f->ino >= CKPT_IMG_PTY_MAX)
		return img_bad(img, "/dev/tty fd %d: pseudo-terminal index %llu is not below %u",
			       f->fd, (unsigned long long)f->ino,
			       CKPT_IMG_PTY_MAX);
	err = pty_bit(img, PTY_HERE, f->ino, 1);
	if (err < 0)
		return err;
	img->pty_here = 1;
	return 0;
}

/*
 * At the end of a process's metadata: each master its FILE entries hold
 * had its PTY record here; each other end its own, or an earlier one's.
 */
static int check_pty_ends(struct ckpt_image *img)
{
	uint64_t *rec, *here, *master, miss;
	uint32_t i;

	if (!img->pty_here)
		return 0;
	rec = pty_map(img, PTY_RECORDED);
	here = pty_map(img, PTY_HERE);
	master = pty_map(img, PTY_MASTER);
	for (i = 0; i < PTY_WORDS; i++) {
		if (master[i])
			return img_bad(img, "pseudo-terminal %u: a FILE entry holds its master, and no PTY record follows",
				       i * 64 + __builtin_ctzll(master[i]));
		miss = here[i] & ~rec[i];
		if (miss)
			return img_bad(img, "pseudo-terminal %u, an end of which a FILE entry holds, has no PTY record",
				       i * 64 + __builtin_ctzll(miss));
		here[i] = 0;
	}
	img->pty_here = 0;
	img->pty_recs = 0;
	return 0;
}

static int check_file(struct ckpt_image *img)
{
	const struct ckpt_rec_file *f = img->payload;
	int err;

	if (f->fd < 0)
		return img_bad(img, "negative fd %d", f->fd);
	if (f->fd <= img->last_fd)
		return img_bad(img, "fd %d is not above the previous fd %d",
			       f->fd, img->last_fd);
	if (f->fd_flags & ~(CKPT_FD_CLOEXEC | CKPT_FD_SHARED | CKPT_FD_TREE) ||
	    (f->fd_flags & CKPT_FD_SHARED && f->fd_flags & CKPT_FD_TREE))
		return img_bad(img, "unknown fd flags 0x%x", f->fd_flags);
	if (f->fd_flags & CKPT_FD_TREE) {
		if (!tree_earlier(img, f->shared_pid) || f->shared_fd < 0 ||
		    f->shared_fd >= CKPT_MAX_FILES)
			return img_bad(img, "fd %d cannot share the open file of fd %d of process %d (not an earlier process of the tree)",
				       f->fd, f->shared_fd, f->shared_pid);
	} else if (f->shared_pid) {
		return img_bad(img, "fd %d names process %d without sharing its file",
			       f->fd, f->shared_pid);
	} else if (f->fd_flags & CKPT_FD_SHARED ?
	    f->shared_fd < 0 || f->shared_fd >= f->fd : f->shared_fd != 0) {
		return img_bad(img, "fd %d cannot share the open file of fd %d",
			       f->fd, f->shared_fd);
	}
	if (f->fd >= CKPT_MAX_FILES)
		return img_bad(img, "fd %d is not below %u", f->fd,
			       CKPT_MAX_FILES);
	if (f->f_flags & ~CKPT_IMG_F_FLAGS)
		return img_bad(img, "unknown open flags 0%o",
			       f->f_flags & ~CKPT_IMG_F_FLAGS);
	if (f->pos < 0)
		return img_bad(img, "negative position %lld", f->pos);
	if (f->kind < CKPT_FILE_REG || f->kind > CKPT_FILE_KIND_MAX)
		return img_bad(img, "unknown kind %u", f->kind);
	if (f->kind == CKPT_FILE_CHR && !chr_ok(f->rdev))
		return img_bad(img, "device %u:%u is not one that can be restored",
			       ckpt_dev_major(f->rdev),
			       ckpt_dev_minor(f->rdev));
	if (img->nr_files >= CKPT_MAX_FILES)
		return img_bad(img, "more than %u files", CKPT_MAX_FILES);
	img->last_fd = f->fd;
	img->nr_files++;
	if (!(f->fd_flags & (CKPT_FD_SHARED | CKPT_FD_TREE))) {
		if (!img->own_fds) {
			img->own_fds = calloc(CKPT_MAX_FILES / 64,
					      sizeof(uint64_t));
			if (!img->own_fds)
				return img_error(img, -ENOMEM, img->rec_offset,
						 img->rec.type,
						 "out of memory");
		}
		img->own_fds[f->fd / 64] |= 1ULL << (f->fd % 64);
	}
	if (f->kind == CKPT_FILE_PIPE) {
		if (f->path_len)
			return img_bad(img, "a pipe has no path");
		if (f->size < 4096 || f->size > CKPT_PIPE_MAX_DATA)
			return img_bad(img, "pipe capacity %llu out of range",
				       f->size);
	}
	if (f->kind >= CKPT_FILE_EVENTFD && f->kind != CKPT_FILE_PTY &&
	    f->kind != CKPT_FILE_CTTY && f->path_len)
		return img_bad(img, "an eventfd, timerfd, signalfd, epoll, memfd, socket, inotify or pidfd has no path");
	if (f->kind == CKPT_FILE_PIDFD && !pidfd_ok(img, f))
		return img_bad(img, "pidfd fd %d: process %llu, gone flag %llu, open flags 0%o, position %lld or device: not a pidfd of a process of the image, nor of one gone",
			       f->fd, (unsigned long long)f->ino,
			       (unsigned long long)f->size, f->f_flags, f->pos);
	if (f->kind == CKPT_FILE_CTTY &&
	    (f->rdev != CKPT_IMG_DEVTTY_RDEV || f->pos ||
	     f->size > CKPT_CTTY_PAIR || (!f->size && f->ino)))
		return img_bad(img, "fd %d: a /dev/tty entry with device %u:%u, position %lld, flags %llu, index %llu",
			       f->fd, ckpt_dev_major(f->rdev),
			       ckpt_dev_minor(f->rdev), f->pos, f->size,
			       f->ino);
	if (f->kind == CKPT_FILE_SOCKET &&
	    ((f->f_flags & ~(O_ACCMODE | O_NONBLOCK)) ||
	     (f->f_flags & O_ACCMODE) != O_RDWR))
		return img_bad(img, "socket fd %d: open flags 0%o", f->fd,
			       f->f_flags);
	err = check_tail(img, sizeof(*f), f->path_len,
			 f->kind == CKPT_FILE_PTY || f->kind == CKPT_FILE_CTTY ||
			 (f->kind != CKPT_FILE_PIPE &&
			  f->kind < CKPT_FILE_EVENTFD));
	if (!err && f->kind == CKPT_FILE_CTTY)
		return check_ctty_file(img, f);
	if (err || f->kind != CKPT_FILE_PTY)
		return err;
	return check_pty_file(img, f);
}

static int check_fdstate(struct ckpt_image *img)
{
	const struct ckpt_rec_fdstate *s = img->payload;
	uint64_t want = sizeof(*s) +
			(uint64_t)s->nr_items * sizeof(struct ckpt_rec_epitem);

	if ((s->kind < CKPT_FILE_EVENTFD || s->kind > CKPT_FILE_EPOLL) &&
	    s->kind != CKPT_FILE_INOTIFY)
		return img_bad(img, "fd %d: kind %u has no state", s->fd,
			       s->kind);
	if (s->kind == CKPT_FILE_INOTIFY && (!s->count || s->count > INT32_MAX))
		return img_bad(img, "fd %d: inotify's next watch descriptor %llu",
			       s->fd, (unsigned long long)s->count);
	if (s->flags & ~CKPT_FDSTATE_FLAGS || s->reserved0 ||
	    s->reserved[0] || s->reserved[1])
		return img_bad(img, "fd %d: unknown flags 0x%x or reserved field",
			       s->fd, s->flags);
	if (s->nr_items > CKPT_MAX_EPITEMS ||
	    (s->nr_items && s->kind != CKPT_FILE_EPOLL))
		return img_bad(img, "fd %d: %u epoll items", s->fd,
			       s->nr_items);
	if (want != img->rec.len)
		return img_bad(img, "length %u, expected %" PRIu64,
			       img->rec.len, want);
	if (s->value_ns < 0 || s->interval_ns < 0 || s->expires_ns < 0)
		return img_bad(img, "fd %d: negative time", s->fd);
	return 0;
}

static int check_inwatch(struct ckpt_image *img)
{
	const struct ckpt_rec_inwatch *w = img->payload;

	if (w->wd <= 0 || w->reserved)
		return img_bad(img, "fd %d: watch descriptor %d or reserved field",
			       w->fd, w->wd);
	if (!(w->mask & CKPT_INWATCH_MASK) ||
	    (w->mask & ~(CKPT_INWATCH_MASK | CKPT_INWATCH_FLAGS)))
		return img_bad(img, "fd %d: watch %d has mask 0x%x", w->fd,
			       w->wd, w->mask);
	return check_tail(img, sizeof(*w), w->path_len, 1);
}

#define IN_IMG_Q_OVERFLOW	0x00004000U

/* struct inotify_event, as read(2) returns it and INEVENTS holds it */
struct img_inevent {
	int32_t wd;
	uint32_t mask;
	uint32_t cookie;
	uint32_t len;
};

static int check_inevents(struct ckpt_image *img)
{
	const struct ckpt_rec_inevents *e = img->payload;
	const char *p = (const char *)(e + 1);
	uint32_t off = 0, n = 0;

	if (e->len != img->rec.len - sizeof(*e) || !e->nr_events ||
	    e->reserved)
		return img_bad(img, "fd %d: %u events in %u bytes, or reserved field",
			       e->fd, e->nr_events, e->len);
	while (off < e->len) {
		struct img_inevent ie;
		const char *name;

		if (e->len - off < sizeof(ie) || n == e->nr_events)
			return img_bad(img, "fd %d: event %u runs past the record, or more than %u",
				       e->fd, n, e->nr_events);
		memcpy(&ie, p + off, sizeof(ie));
		off += sizeof(ie);
		if (!ie.mask || (ie.mask & ~CKPT_INEVENT_MASK))
			return img_bad(img, "fd %d: event %u has mask 0x%x",
				       e->fd, n, ie.mask);
		if (ie.len > CKPT_INEVENT_NAME_MAX || ie.len % sizeof(ie) ||
		    ie.len > e->len - off)
			return img_bad(img, "fd %d: event %u has a name of %u bytes",
				       e->fd, n, ie.len);
		name = p + off;
		if (ie.len && (!name[0] || !memchr(name, '\0', ie.len)))
			return img_bad(img, "fd %d: event %u: the name is empty or not NUL-terminated",
				       e->fd, n);
		for (uint32_t i = ie.len ? strlen(name) : 0; i < ie.len; i++)
			if (name[i])
				return img_bad(img, "fd %d: event %u: bytes after the name's NUL",
					       e->fd, n);
		if ((ie.mask & IN_IMG_Q_OVERFLOW) ?
		    (ie.mask != IN_IMG_Q_OVERFLOW || ie.wd != -1 || ie.len ||
		     off != e->len) : ie.wd < 1)
			return img_bad(img, "fd %d: event %u: watch %d with mask 0x%x",
				       e->fd, n, ie.wd, ie.mask);
		off += ie.len;
		n++;
	}
	if (n != e->nr_events)
		return img_bad(img, "fd %d: %u events, not %u", e->fd, n,
			       e->nr_events);
	return 0;
}

static int check_mcast(struct ckpt_image *img)
{
	const struct ckpt_rec_mcast *m = img->payload;
	const struct ckpt_rec_mcast_group *g = (const void *)(m + 1);

	if (m->nr_groups > CKPT_MCAST_MAX_GROUPS ||
	    img->rec.len != sizeof(*m) + m->nr_groups * sizeof(*g))
		return img_bad(img, "socket %llu: %u multicast groups in %u bytes",
			       (unsigned long long)m->id, m->nr_groups,
			       img->rec.len);
	if ((m->flags & ~CKPT_MCAST_NO_LOOP) || m->reserved ||
	    m->hops < -1 || m->hops > 255 || m->ifindex < 0)
		return img_bad(img, "socket %llu: multicast flags 0x%x, hops %d or device %d",
			       (unsigned long long)m->id, m->flags, m->hops,
			       m->ifindex);
	for (uint32_t i = 0; i < m->nr_groups; i++)
		if (g[i].ifindex < 0)
			return img_bad(img, "socket %llu: group %u on device %d",
				       (unsigned long long)m->id, i,
				       g[i].ifindex);
	return 0;
}

/* A name of the UTS record: NUL-terminated, zeros after the NUL. */
static int uts_name_ok(const char *s)
{
	size_t n = strnlen(s, CKPT_UTS_LEN);

	while (n < CKPT_UTS_LEN && !s[n])
		n++;
	return n == CKPT_UTS_LEN && strnlen(s, CKPT_UTS_LEN) < CKPT_UTS_LEN;
}

static int check_uts(struct ckpt_image *img)
{
	const struct ckpt_rec_uts *u = img->payload;
	unsigned int i;

	for (i = 0; i < sizeof(u->reserved); i++)
		if (u->reserved[i])
			return img_bad(img, "reserved byte %u is %u", i,
				       u->reserved[i]);
	if (!uts_name_ok(u->nodename) || !uts_name_ok(u->domainname))
		return img_bad(img, "a host or domain name not NUL-terminated in %u bytes, or not zeros after it",
			       CKPT_UTS_LEN);
	return 0;
}

static int check_clocks(struct ckpt_image *img)
{
	const struct ckpt_rec_clocks *c = img->payload;

	if (c->monotonic_ns < 0 || c->monotonic_raw_ns < 0 ||
	    c->boottime_ns < c->monotonic_ns)
		return img_bad(img, "CLOCK_MONOTONIC %lld ns, CLOCK_MONOTONIC_RAW %lld ns, CLOCK_BOOTTIME %lld ns",
			       (long long)c->monotonic_ns,
			       (long long)c->monotonic_raw_ns,
			       (long long)c->boottime_ns);
	return 0;
}

/* As the module checks it (module/mempol.c), but for what depends on
 * the restoring host: MPOL_* and MPOL_F_* as in <linux/mempolicy.h>.
 */
static int check_mempolicy(struct ckpt_image *img)
{
	const struct ckpt_rec_mempolicy *m = img->payload;
	const unsigned int pin = (1U << 15) | (1U << 14);  /* STATIC, RELATIVE */
	const unsigned int numa_balancing = 1U << 13;
	int thread = !m->start && !m->end, any = 0;
	unsigned int i;

	for (i = 0; i < CKPT_MEMPOLICY_NODES / 64; i++)
		any |= m->nodes[i] != 0;
	if (m->reserved || !m->mode || m->mode > 5 ||
	    (m->flags & ~(pin | numa_balancing)) || (m->flags & pin) == pin ||
	    ((m->flags & numa_balancing) && m->mode != 2))
		return img_bad(img, "memory policy mode %u flags 0x%x",
			       m->mode, m->flags);
	if (m->mode == 4 ? any || (m->flags & pin) : !any)
		return img_bad(img, "memory policy mode %u with%s nodes",
			       m->mode, any ? "" : "out");
	if (thread ? m->tid <= 0 || m->home_node != -1 :
	    m->tid || m->start >= m->end || (m->start | m->end) % 4096)
		return img_bad(img, "memory policy of thread %d or range 0x%llx-0x%llx",
			       m->tid, (unsigned long long)m->start,
			       (unsigned long long)m->end);
	if (m->home_node != -1 &&
	    (m->home_node < 0 || m->home_node >= CKPT_MEMPOLICY_NODES ||
	     (m->mode != 2 && m->mode != 5)))
		return img_bad(img, "memory policy home node %d with mode %u",
			       m->home_node, m->mode);
	return 0;
}

static int check_socket(struct ckpt_image *img)
{
	const struct ckpt_rec_socket *s = img->payload;

	if (img->rec.len != sizeof(*s) + (uint64_t)s->addr_len ||
	    s->addr_len > CKPT_SOCK_ADDR_MAX)
		return img_bad(img, "socket %llu: %u address bytes in %u",
			       s->id, s->addr_len, img->rec.len);
	if (!s->id || s->reserved || s->flags & ~CKPT_SOCKF_ALL)
		return img_bad(img, "socket %llu: flags 0x%x or reserved field",
			       s->id, s->flags);
	if (s->family != AF_UNIX && s->family != AF_INET &&
	    s->family != AF_INET6 && s->family != AF_NETLINK)
		return img_bad(img, "socket %llu: family %u", s->id,
			       s->family);
	if (s->family == AF_NETLINK) {
		const struct sockaddr_nl *a = (const void *)(s + 1);

		const uint32_t flags = CKPT_SOCKF_PASSCRED |
				       CKPT_SOCKF_REUSEADDR |
				       CKPT_SOCKF_KEEPALIVE |
				       CKPT_SOCKF_BROADCAST |
				       CKPT_SOCKF_SNDBUF | CKPT_SOCKF_RCVBUF;

		if ((s->type != SOCK_RAW && s->type != SOCK_DGRAM) ||
		    s->protocol >= 32 || s->flags & ~flags ||
		    (s->state != CKPT_SOCK_UNBOUND &&
		     s->state != CKPT_SOCK_BOUND) ||
		    (s->addr_len && (s->addr_len != sizeof(*a) ||
				     a->nl_family != AF_NETLINK ||
				     a->nl_pad || !a->nl_pid ||
				     a->nl_groups)) ||
		    s->path_ino || s->path_dev || s->path_mode)
			return img_bad(img, "netlink socket %llu: type %u, protocol %u, flags 0x%x, state %u, an address of %u bytes or a file",
				       s->id, s->type, s->protocol, s->flags,
				       s->state, s->addr_len);
	}
	/* A UNIX socket's name has its family and at least one byte. */
	if (s->family == AF_UNIX && s->addr_len &&
	    s->addr_len <= offsetof(struct sockaddr_un, sun_path))
		return img_bad(img, "socket %llu: a UNIX address of %u bytes",
			       s->id, s->addr_len);
	if (s->state < CKPT_SOCK_UNBOUND || s->state > CKPT_SOCK_ESTABLISHED ||
	    (s->state == CKPT_SOCK_PAIR) != !!(s->peer || s->flags & CKPT_SOCKF_PEER_GONE))
		return img_bad(img, "socket %llu: state %u, peer %llu",
			       s->id, s->state, s->peer);
	if ((s->state == CKPT_SOCK_BOUND || s->state == CKPT_SOCK_LISTEN ||
	     s->state == CKPT_SOCK_ESTABLISHED) != !!s->addr_len)
		return img_bad(img, "socket %llu: state %u with %u address bytes",
			       s->id, s->state, s->addr_len);
	if (s->sndbuf < 0 || s->rcvbuf < 0 || s->shutdown > 3)
		return img_bad(img, "socket %llu: buffers %d/%d, shutdown %u",
			       s->id, s->sndbuf, s->rcvbuf, s->shutdown);
	return 0;
}

static int check_netlink(struct ckpt_image *img)
{
	const struct ckpt_rec_netlink *n = img->payload;

	if (!n->id || n->reserved || n->flags & ~CKPT_NL_ALL ||
	    n->dst_group > 32 ||
	    (!(n->flags & CKPT_NL_CONNECTED) &&
	     (n->dst_portid || n->dst_group)))
		return img_bad(img, "netlink socket %llu: flags 0x%x, destination %u group %u, or a reserved field",
			       (unsigned long long)n->id, n->flags,
			       n->dst_portid, n->dst_group);
	return 0;
}

static int check_sockdata(struct ckpt_image *img)
{
	const struct ckpt_rec_sockdata *sd = img->payload;

	if (sd->flags & ~(CKPT_SOCKDATA_EOR | CKPT_SOCKDATA_SEND) ||
	    sd->reserved ||
	    (sd->flags & CKPT_SOCKDATA_EOR && sd->flags & CKPT_SOCKDATA_SEND))
		return img_bad(img, "socket %llu: flags 0x%x or reserved field",
			       sd->id, sd->flags);
	return 0;
}

static int check_tcpstate(struct ckpt_image *img)
{
	const struct ckpt_rec_tcpstate *t = img->payload;

	if (t->flags & ~CKPT_TCP_FLAGS || t->reserved ||
	    t->snd_wscale > 14 || t->rcv_wscale > 14 ||
	    t->peer_len > sizeof(t->peer))
		return img_bad(img, "TCP connection %llu: flags 0x%x, window scales %u/%u, peer address of %u bytes",
			       t->id, t->flags, t->snd_wscale, t->rcv_wscale,
			       t->peer_len);
	if ((uint64_t)t->snd_len + t->rcv_len > CKPT_SOCK_MAX_DATA)
		return img_bad(img, "TCP connection %llu: %u + %u queued bytes",
			       t->id, t->snd_len, t->rcv_len);
	return 0;
}

/* A CPU-time clock: the process's own (pid 0) or a thread's (its TID). */
static int ckpt_cpu_clock_ok(int32_t id)
{
	int32_t pid = ~(id >> 3);

	return id < 0 && (id & 3) < 3 && ((id & 4) ? pid > 0 : pid == 0);
}

static int check_posix_timer(struct ckpt_image *img, uint32_t i,
			     const struct ckpt_rec_posix_timer *pt)
{
	if (pt->id < 0 || pt->id > CKPT_MAX_TIMER_ID || (i && pt->id <= pt[-1].id))
		return img_bad(img, "POSIX timer %u: ID %d not ascending in 0..%d",
			       i, pt->id, CKPT_MAX_TIMER_ID);
	if (pt->clockid != CLOCK_REALTIME && pt->clockid != CLOCK_MONOTONIC &&
	    pt->clockid != CLOCK_BOOTTIME && pt->clockid != CLOCK_TAI &&
	    pt->clockid != CLOCK_REALTIME_ALARM &&
	    pt->clockid != CLOCK_BOOTTIME_ALARM &&
	    !ckpt_cpu_clock_ok(pt->clockid))
		return img_bad(img, "POSIX timer %d: clock %d", pt->id,
			       pt->clockid);
	if (pt->value_ns < 0 || pt->interval_ns < 0 || pt->reserved)
		return img_bad(img, "POSIX timer %d: value %lld ns, interval %lld ns",
			       pt->id, pt->value_ns, pt->interval_ns);
	switch (pt->notify) {
	case SIGEV_NONE:
		if (!pt->signo && !pt->tid)
			return 0;
		break;
	case SIGEV_SIGNAL:
		if (pt->signo > 0 && pt->signo <= CKPT_NSIG && !pt->tid)
			return 0;
		break;
	case SIGEV_SIGNAL | SIGEV_THREAD_ID:
		if (pt->signo > 0 && pt->signo <= CKPT_NSIG && pt->tid > 0)
			return 0;
		break;
	}
	return img_bad(img, "POSIX timer %d: notify %d, signal %d, thread %d",
		       pt->id, pt->notify, pt->signo, pt->tid);
}

static int check_timers(struct ckpt_image *img)
{
	const struct ckpt_rec_timers *t = img->payload;
	const struct ckpt_rec_posix_timer *pt = (const void *)(t + 1);
	uint32_t i;
	int err;

	if (t->real_ns < 0 || t->real_interval_ns < 0 ||
	    (!t->real_ns && t->real_interval_ns))
		return img_bad(img, "ITIMER_REAL %lld ns, interval %lld ns",
			       t->real_ns, t->real_interval_ns);
	if (t->prof_ns < 0 || t->prof_interval_ns < 0 ||
	    (!t->prof_ns && t->prof_interval_ns))
		return img_bad(img, "ITIMER_PROF %lld ns, interval %lld ns",
			       t->prof_ns, t->prof_interval_ns);
	if (t->virt_ns < 0 || t->virt_interval_ns < 0 ||
	    (!t->virt_ns && t->virt_interval_ns))
		return img_bad(img, "ITIMER_VIRTUAL %lld ns, interval %lld ns",
			       t->virt_ns, t->virt_interval_ns);
	if (t->monotonic_ns < 0 || t->boottime_ns < t->monotonic_ns)
		return img_bad(img, "CLOCK_MONOTONIC %lld ns, CLOCK_BOOTTIME %lld ns",
			       t->monotonic_ns, t->boottime_ns);
	if (t->nr_posix > CKPT_MAX_POSIX_TIMERS || t->reserved ||
	    img->rec.len != sizeof(*t) + (uint64_t)t->nr_posix * sizeof(*pt))
		return img_bad(img, "%u POSIX timers in %u bytes", t->nr_posix,
			       img->rec.len);
	for (i = 0; i < t->nr_posix; i++) {
		err = check_posix_timer(img, i, &pt[i]);
		if (err)
			return err;
	}
	return 0;
}

static int check_attrs(struct ckpt_image *img)
{
	const struct ckpt_rec_attrs *a = img->payload;
	const struct ckpt_rec_tty *t = (const void *)(a + 1);
	int ctty = 0;
	uint32_t i;

	if (a->flags & ~CKPT_ATTR_FLAGS_ALL || a->reserved)
		return img_bad(img, "flags 0x%x", a->flags);
	if (a->fg_pgrp < 0)
		return img_bad(img, "foreground process group %d", a->fg_pgrp);
	if ((a->flags & CKPT_ATTR_OOM_ADJ) ?
	    a->oom_score_adj < -1000 || a->oom_score_adj > 1000 ||
	    a->oom_score_adj_min < -1000 ||
	    a->oom_score_adj_min > a->oom_score_adj :
	    a->oom_score_adj || a->oom_score_adj_min)
		return img_bad(img, "oom_score_adj %d, minimum %d",
			       a->oom_score_adj, a->oom_score_adj_min);
	if (a->nr_ttys > CKPT_MAX_TTYS ||
	    img->rec.len != sizeof(*a) + (uint64_t)a->nr_ttys * sizeof(*t))
		return img_bad(img, "%u terminals in %u bytes", a->nr_ttys,
			       img->rec.len);
	for (i = 0; i < a->nr_ttys; i++) {
		if ((i && t[i].fd <= t[i - 1].fd) || t[i].fd < 0 ||
		    t[i].flags & ~CKPT_TTY_CTTY || t[i].reserved)
			return img_bad(img, "terminal %u: fd %d flags 0x%x", i,
				       t[i].fd, t[i].flags);
		if (t[i].flags & CKPT_TTY_CTTY)
			ctty = 1;
	}
	/* As the module: a foreground group with the terminal it is of. */
	if (a->fg_pgrp && !ctty)
		return img_bad(img, "foreground process group %d without a controlling terminal",
			       a->fg_pgrp);
	return 0;
}

static int check_skipped(struct ckpt_image *img)
{
	const struct ckpt_rec_skipped *s = img->payload;
	uint32_t i, n = img->rec.len / sizeof(*s);

	if (!n || img->rec.len % sizeof(*s) || n > CKPT_MAX_SKIPPED)
		return img_bad(img, "length %u", img->rec.len);
	for (i = 0; i < n; i++)
		if ((s[i].class != CKPT_SKIPPED_FD &&
		     s[i].class != CKPT_SKIPPED_VMA) ||
		    !memchr(s[i].what, 0, sizeof(s[i].what)))
			return img_bad(img, "entry %u: class %u", i,
				       s[i].class);
	return 0;
}

static int check_thread(struct ckpt_image *img)
{
	const struct ckpt_rec_thread *t = img->payload;
	uint64_t want = sizeof(*t) + (uint64_t)t->xstate_len +
			(uint64_t)t->nr_sigpending *
			sizeof(struct ckpt_rec_sigpending);

	if (t->tid <= 0 || t->tid == img->task.pid)
		return img_bad(img, "bad thread id %d", t->tid);
	if ((t->flags & ~CKPT_THREAD_NO_NEW_PRIVS) || t->have_restart > 1)
		return img_bad(img, "unknown flags 0x%x", t->flags);
	if (t->xstate_len != img->hdr.xstate_size)
		return img_bad(img, "XSAVE area of %u bytes, the header says %u",
			       t->xstate_len, img->hdr.xstate_size);
	if (want != img->rec.len)
		return img_bad(img, "length %u, expected %" PRIu64,
			       img->rec.len, want);
	return 0;
}

static int check_ghostdata(struct ckpt_image *img)
{
	const struct ckpt_rec_ghostdata *gd = img->payload;

	if (img->rec.len == sizeof(*gd))
		return img_bad(img, "no data");
	if (gd->offset > CKPT_GHOST_MAX_DATA)
		return img_bad(img, "offset %llu beyond %u", gd->offset,
			       CKPT_GHOST_MAX_DATA);
	return 0;
}

static int check_shmem(struct ckpt_image *img)
{
	const struct ckpt_rec_shmem *s = img->payload;
	const char *name = (const char *)(s + 1);

	if (s->kind != CKPT_SHMEM_MEMFD && s->kind != CKPT_SHMEM_ANON)
		return img_bad(img, "unknown kind %u", s->kind);
	if (s->reserved)
		return img_bad(img, "non-zero reserved field");
	if ((uint64_t)sizeof(*s) + s->name_len != img->rec.len ||
	    s->name_len > CKPT_MEMFD_NAME_MAX ||
	    (s->kind == CKPT_SHMEM_MEMFD) != (s->name_len > 0))
		return img_bad(img, "bad name length %u", s->name_len);
	if (s->name_len && strnlen(name, s->name_len) != s->name_len - 1)
		return img_bad(img, "name is not NUL-terminated");
	if (s->kind == CKPT_SHMEM_ANON && s->seals)
		return img_bad(img, "seals on shared anonymous memory");
	return 0;
}

static int check_shmdata(struct ckpt_image *img)
{
	const struct ckpt_rec_shmdata *sd = img->payload;

	if (img->rec.len == sizeof(*sd))
		return img_bad(img, "no data");
	if (sd->offset % CKPT_IMG_PAGE_SIZE)
		return img_bad(img, "offset %llu not page-aligned", sd->offset);
	return 0;
}

static int check_seccomp(struct ckpt_image *img)
{
	const struct ckpt_rec_seccomp *s = img->payload;

	if (s->reserved)
		return img_bad(img, "non-zero reserved field");
	if (s->mode != 1 && s->mode != 2)
		return img_bad(img, "seccomp mode %u", s->mode);
	if (s->mode == 1 && (s->index || s->flags || s->len))
		return img_bad(img, "strict mode with a filter");
	if (s->mode == 2 && (!s->len || s->len > 4096))
		return img_bad(img, "a filter of %u instructions", s->len);
	if (img->rec.len != sizeof(*s) + (uint64_t)s->len * 8)
		return img_bad(img, "length %u for %u instructions",
			       img->rec.len, s->len);
	return 0;
}

static int check_sched(struct ckpt_image *img)
{
	const struct ckpt_rec_sched *s = img->payload;
	int rt = s->policy == 1 || s->policy == 2, dl = s->policy == 6;
	uint64_t any = 0;
	unsigned int i;

	if (s->flags & ~CKPT_SCHED_FLAGS_ALL)
		return img_bad(img, "unknown flags 0x%x", s->flags);
	if (s->policy > 6 || s->policy == 4)
		return img_bad(img, "scheduling policy %u", s->policy);
	if (s->nice < -20 || s->nice > 19)
		return img_bad(img, "nice value %d", s->nice);
	if (rt ? s->rt_priority < 1 || s->rt_priority > 99 : s->rt_priority)
		return img_bad(img, "real-time priority %u with policy %u",
			       s->rt_priority, s->policy);
	if (dl ? !s->dl_runtime || !s->dl_deadline :
	    s->dl_runtime || s->dl_deadline || s->dl_period)
		return img_bad(img, "SCHED_DEADLINE parameters with policy %u",
			       s->policy);
	if (s->ioprio > 0xffff || (s->ioprio >> 13) > 3)
		return img_bad(img, "I/O priority 0x%x", s->ioprio);
	for (i = 0; i < CKPT_SCHED_CPUS / 64; i++)
		any |= s->cpus[i];
	if (!(s->flags & CKPT_SCHED_ALL_CPUS) != !!any)
		return img_bad(img, any ? "a CPU list and every CPU" :
			       "an empty CPU affinity");
	return 0;
}

static int check_flock(struct ckpt_image *img)
{
	const struct ckpt_rec_flock *l = img->payload;

	if (l->reserved)
		return img_bad(img, "non-zero reserved field");
	if (l->fd < 0 || l->kind < CKPT_FLOCK_FLOCK || l->kind > CKPT_FLOCK_OFD)
		return img_bad(img, "fd %d, lock kind %u", l->fd, l->kind);
	if (l->type != F_RDLCK && l->type != F_WRLCK)
		return img_bad(img, "lock type %u", l->type);
	if (l->start < 0 || l->len < 0 || l->start > INT64_MAX - l->len ||
	    (l->kind == CKPT_FLOCK_FLOCK && (l->start || l->len)))
		return img_bad(img, "lock range %" PRId64 "+%" PRId64,
			       (int64_t)l->start, (int64_t)l->len);
	return 0;
}

/*
 * As the module checks it, but for its descriptor: one of the process's
 * (the module also wants it an open file's first, not a shared one).
 */
static int check_fown(struct ckpt_image *img)
{
	const struct ckpt_rec_fown *o = img->payload;

	if (o->reserved || (o->flags & ~CKPT_FOWN_ASYNC))
		return img_bad(img, "flags 0x%x or a reserved field", o->flags);
	if (o->fd < 0 || o->fd > img->last_fd || o->fd <= img->last_fown_fd ||
	    !img->own_fds ||
	    !(img->own_fds[o->fd / 64] & 1ULL << (o->fd % 64)))
		return img_bad(img, "fd %d: not a descriptor of the process with an open file of its own, or not above the previous owner's (fd %d)",
			       o->fd, img->last_fown_fd);
	if (o->pid < 0 || o->type > F_OWNER_PGRP || (!o->pid && o->type) ||
	    o->signum < 0 || o->signum > 64)
		return img_bad(img, "fd %d: owner type %u pid %d, signal %d",
			       o->fd, o->type, o->pid, o->signum);
	img->last_fown_fd = o->fd;
	return 0;
}

static int check_sockopt(struct ckpt_image *img)
{
	const struct ckpt_rec_sockopt *o = img->payload;
	static const struct {
		uint32_t bit;
		size_t off;
		uint64_t min, max;
		int wide;
		const char *name;
	} f[] = {
#define F(bit, field, lo, hi) { CKPT_SOCKOPT_##bit, \
		offsetof(struct ckpt_rec_sockopt, field), lo, hi, \
		sizeof(((struct ckpt_rec_sockopt *)0)->field) == 8, #field }
		F(RCVTIMEO, rcvtimeo_us, 1, (1ULL << 40) - 1),
		F(SNDTIMEO, sndtimeo_us, 1, (1ULL << 40) - 1),
		F(LINGER, linger_s, 0, INT32_MAX),
		F(PRIORITY, priority, 1, UINT32_MAX),
		F(MARK, mark, 1, UINT32_MAX),
		F(RCVLOWAT, rcvlowat, 0, INT32_MAX),
		F(TOS, tos, 1, 255),
		F(KEEPIDLE, keepidle, 1, 32767),
		F(KEEPINTVL, keepintvl, 1, 32767),
		F(KEEPCNT, keepcnt, 1, 127),
		F(USER_TIMEOUT, user_timeout, 1, INT32_MAX),
		F(NOTSENT_LOWAT, notsent_lowat, 1, INT32_MAX),
		F(DEFER_ACCEPT, defer_accept, 1, INT32_MAX),
		F(FASTOPEN, fastopen, 1, INT32_MAX),
#undef F
	};
	size_t n = strnlen(o->congestion, sizeof(o->congestion));
	unsigned int i;

	if (!o->mask || (o->mask & ~CKPT_SOCKOPT_ALL))
		return img_bad(img, "socket %llu: option mask 0x%x",
			       (unsigned long long)o->id, o->mask);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		const unsigned char *p = (const unsigned char *)o + f[i].off;
		uint64_t v = f[i].wide ? *(const uint64_t *)p :
					 *(const uint32_t *)p;

		if (!(o->mask & f[i].bit) ? v != 0 :
		    v < f[i].min || v > f[i].max)
			return img_bad(img, "socket %llu: %s %llu",
				       (unsigned long long)o->id, f[i].name,
				       (unsigned long long)v);
	}
	if (o->reserved)
		return img_bad(img, "non-zero reserved field");
	if ((!(o->mask & CKPT_SOCKOPT_IPFLAGS) ? o->ipflags :
	     !o->ipflags || o->ipflags & ~CKPT_IPF_ALL) ||
	    (!(o->mask & CKPT_SOCKOPT_TTL) && o->ttl) ||
	    (o->ipflags & CKPT_IPF_TIMESTAMP &&
	     o->ipflags & CKPT_IPF_TIMESTAMPNS) ||
	    (o->ipflags & CKPT_IPF_TSTAMP_NEW &&
	     !(o->ipflags & (CKPT_IPF_TIMESTAMP | CKPT_IPF_TIMESTAMPNS))))
		return img_bad(img, "socket %llu: receive options 0x%x, TTL %u",
			       (unsigned long long)o->id, o->ipflags, o->ttl);
	for (i = 0; i < sizeof(o->congestion); i++) {
		char c = o->congestion[i];

		if (i < n ? !((c >= 'a' && c <= 'z') ||
			      (c >= '0' && c <= '9') || c == '_') : c != 0)
			break;
	}
	if (i < sizeof(o->congestion) || n == sizeof(o->congestion) ||
	    !n != !(o->mask & CKPT_SOCKOPT_CONGESTION))
		return img_bad(img, "socket %llu: bad congestion control name",
			       (unsigned long long)o->id);
	return 0;
}

static int check_shares(struct ckpt_image *img)
{
	const struct ckpt_rec_shares *s = img->payload;

	if (s->reserved[0])
		return img_bad(img, "non-zero reserved field");
	if (!s->files_pid && !s->fs_pid && !s->vm_pid && !s->sighand_pid)
		return img_bad(img, "shares nothing");
	if (s->vm_pid && !tree_earlier(img, s->vm_pid))
		return img_bad(img, "the address space of process %d, not an earlier process of the tree",
			       s->vm_pid);
	if (s->sighand_pid && (!s->vm_pid ||
			       !tree_earlier(img, s->sighand_pid)))
		return img_bad(img, "the signal handlers of process %d, not an earlier process of the tree on the same address space",
			       s->sighand_pid);
	img->shares = *s;
	if (s->files_pid && !tree_earlier(img, s->files_pid))
		return img_bad(img, "the file table of process %d, not an earlier process of the tree",
			       s->files_pid);
	if (s->fs_pid && !tree_earlier(img, s->fs_pid))
		return img_bad(img, "the fs context of process %d, not an earlier process of the tree",
			       s->fs_pid);
	if (s->files_pid && img->nr_files)
		return img_bad(img, "a shared file table, and %u FILE entries of its own",
			       img->nr_files);
	return 0;
}

static int check_sysvshm(struct ckpt_image *img)
{
	const struct ckpt_rec_sysvshm *s = img->payload;

	if (s->reserved0 || s->reserved)
		return img_bad(img, "non-zero reserved field");
	if (s->id < 0 || !s->size || s->size > CKPT_SYSV_MAX_DATA)
		return img_bad(img, "segment id %d of %llu bytes", s->id,
			       s->size);
	if (s->mode & ~(0777U | CKPT_SYSV_DEST))
		return img_bad(img, "unknown mode bits 0%o", s->mode);
	if ((s->mode & CKPT_SYSV_DEST) && s->key)
		return img_bad(img, "removed segment %d with key 0x%x", s->id,
			       s->key);
	return 0;
}

static int check_sysvdata(struct ckpt_image *img)
{
	const struct ckpt_rec_sysvdata *sd = img->payload;

	if (sd->reserved)
		return img_bad(img, "non-zero reserved field");
	if (img->rec.len == sizeof(*sd))
		return img_bad(img, "no data");
	if (sd->offset % CKPT_IMG_PAGE_SIZE || sd->offset > CKPT_SYSV_MAX_DATA)
		return img_bad(img, "offset %llu", sd->offset);
	return 0;
}

static int check_sysvsem(struct ckpt_image *img)
{
	const struct ckpt_rec_sysvsem *s = img->payload;

	if (img->task_idx)
		return img_bad(img, "only the first process's records hold semaphores");
	if (s->reserved || s->id < 0 || (s->mode & ~0777U))
		return img_bad(img, "bad id %d, mode 0%o or reserved field",
			       s->id, s->mode);
	if (!s->nsems || s->nsems > CKPT_SYSV_SEMMSL ||
	    img->rec.len != sizeof(*s) + s->nsems * 2ULL)
		return img_bad(img, "%u semaphores in %u bytes", s->nsems,
			       img->rec.len);
	return 0;
}

static int check_sysvmsg(struct ckpt_image *img)
{
	const struct ckpt_rec_sysvmsg *q = img->payload;
	const unsigned char *p = img->payload;
	uint32_t len = img->rec.len, off = sizeof(*q), i;

	if (img->task_idx)
		return img_bad(img, "only the first process's records hold message queues");
	if (q->id < 0 || (q->mode & ~0777U))
		return img_bad(img, "bad id %d or mode 0%o", q->id, q->mode);
	for (i = 0; i < q->nr_msgs; i++) {
		const struct ckpt_sysv_msg *m = (const void *)(p + off);

		if (len - off < sizeof(*m))
			return img_bad(img, "message %u is cut off", i);
		off += sizeof(*m);
		if (m->mtype <= 0 || m->reserved || m->len > len - off ||
		    ((m->len + 7ULL) & ~7ULL) > len - off)
			return img_bad(img, "message %u: type %lld, %u bytes",
				       i, (long long)m->mtype, m->len);
		off += (m->len + 7) & ~7U;
	}
	if (off != len)
		return img_bad(img, "%u bytes after the last message",
			       len - off);
	return 0;
}

static int check_pipedata(struct ckpt_image *img)
{
	const struct ckpt_rec_pipedata *pd = img->payload;

	if (pd->reserved)
		return img_bad(img, "non-zero reserved field");
	if (img->rec.len == sizeof(*pd))
		return img_bad(img, "no data");
	return 0;
}

static int check_regs(struct ckpt_image *img)
{
	const struct ckpt_rec_regs *r = img->payload;

	if (r->cs != CKPT_IMG_USER_CS || r->ss != CKPT_IMG_USER_DS ||
	    r->ds || r->es || r->fs || r->gs)
		return img_error(img, -EOPNOTSUPP, img->rec_offset,
				 img->rec.type,
				 "REGS record at offset %" PRIu64 ": segment registers cs 0x%llx ss 0x%llx ds/es/fs/gs 0x%llx/0x%llx/0x%llx/0x%llx are not supported",
				 img->rec_offset, r->cs, r->ss, r->ds, r->es,
				 r->fs, r->gs);
	if (!uptr_ok(r->ip) || !uptr_ok(r->sp) || !uptr_ok(r->fs_base) ||
	    !uptr_ok(r->gs_base))
		return img_bad(img, "ip, sp, fs_base or gs_base is beyond user space");
	return 0;
}

static int check_xstate(struct ckpt_image *img)
{
	const unsigned char *x = img->payload;
	uint64_t bv, comp;

	if (img->rec.len != img->hdr.xstate_size)
		return img_bad(img, "length %u, but the header says %u",
			       img->rec.len, img->hdr.xstate_size);
	if (img->rec.len < CKPT_IMG_FXSAVE_SIZE)
		return img_bad(img, "length %u is below the %u-byte FXSAVE area",
			       img->rec.len, CKPT_IMG_FXSAVE_SIZE);
	if (img->rec.len < CKPT_IMG_FXSAVE_SIZE + CKPT_IMG_XSAVE_HDR_SIZE)
		return 0;
	memcpy(&bv, x + CKPT_IMG_FXSAVE_SIZE, sizeof(bv));
	memcpy(&comp, x + CKPT_IMG_FXSAVE_SIZE + 8, sizeof(comp));
	if (bv & ~(uint64_t)img->hdr.xfeatures)
		return img_bad(img, "xstate_bv 0x%" PRIx64 " has features not in the header's 0x%llx",
			       bv, img->hdr.xfeatures);
	if (comp & (1ULL << 63))
		return img_bad(img, "compacted XSAVE format (xcomp_bv 0x%" PRIx64 ")",
			       comp);
	return 0;
}

static int check_restart(struct ckpt_image *img)
{
	const struct ckpt_rec_restart *r = img->payload;

	if (r->kind == CKPT_RESTART_POLL) {
		if (r->clockid != CLOCK_MONOTONIC || r->rmtp ||
		    !uptr_ok(r->ufds) || r->nfds > CKPT_MAX_POLL_FDS ||
		    r->has_timeout > 1 || r->remaining_ns < 0 ||
		    (!r->has_timeout && r->remaining_ns))
			return img_bad(img, "bad poll restart: %u fds at 0x%llx, timeout %u, %lld ns left",
				       r->nfds, r->ufds, r->has_timeout,
				       r->remaining_ns);
		return 0;
	}
	if (r->kind != CKPT_RESTART_NANOSLEEP)
		return img_bad(img, "unknown kind %u", r->kind);
	if (r->ufds || r->nfds || r->has_timeout)
		return img_bad(img, "poll fields in a nanosleep restart");
	if (r->clockid != CLOCK_REALTIME && r->clockid != CLOCK_MONOTONIC &&
	    r->clockid != CLOCK_BOOTTIME && r->clockid != CLOCK_TAI)
		return img_bad(img, "unsupported clock %d", r->clockid);
	if (r->remaining_ns < 0)
		return img_bad(img, "negative remaining time %lld",
			       r->remaining_ns);
	if (!uptr_ok(r->rmtp))
		return img_bad(img, "rmtp 0x%llx is beyond user space",
			       r->rmtp);
	return 0;
}

static int check_rlimits(struct ckpt_image *img)
{
	const struct ckpt_rec_rlimit *rl = img->payload;
	unsigned int i;

	for (i = 0; i < CKPT_NRLIMITS; i++)
		if (rl[i].cur > rl[i].max)
			return img_bad(img, "limit %u: soft %llu above hard %llu",
				       i, rl[i].cur, rl[i].max);
	return 0;
}

static int check_sigpending(struct ckpt_image *img)
{
	const struct ckpt_rec_sigpending *sp = img->payload;
	static const uint8_t zero[CKPT_SIGINFO_SIZE];
	uint32_t i, n = img->rec.len / sizeof(*sp);
	int32_t signo;

	if (!n || img->rec.len % sizeof(*sp))
		return img_bad(img, "length %u is not a number of entries",
			       img->rec.len);
	for (i = 0; i < n; i++) {
		memcpy(&signo, sp[i].info, sizeof(signo));
		if (!sp[i].sig || sp[i].sig > CKPT_NSIG || sp[i].sig == SIGKILL)
			return img_bad(img, "entry %u: bad signal %u", i,
				       sp[i].sig);
		if (sp[i].flags & ~(CKPT_SIGP_SHARED | CKPT_SIGP_NOINFO))
			return img_bad(img, "entry %u: unknown flags 0x%x", i,
				       sp[i].flags);
		if (sp[i].flags & CKPT_SIGP_NOINFO ?
		    memcmp(sp[i].info, zero, sizeof(zero)) != 0 :
		    signo != (int32_t)sp[i].sig)
			return img_bad(img, "entry %u: siginfo does not match signal %u",
				       i, sp[i].sig);
	}
	return 0;
}

long ckpt_image_find_vma(const struct ckpt_image *img, uint64_t addr)
{
	long lo = 0, hi = (long)img->nr_vmas - 1, mid;

	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		if (addr < img->vmas[mid].start)
			hi = mid - 1;
		else if (addr >= img->vmas[mid].end)
			lo = mid + 1;
		else
			return mid;
	}
	return -1;
}

static int check_pages_place(struct ckpt_image *img, uint64_t addr,
			     uint64_t end)
{
	long i = ckpt_image_find_vma(img, addr);
	uint32_t kind;

	if (i < 0 || end > img->vmas[i].end)
		return img_bad(img, "pages 0x%" PRIx64 "-0x%" PRIx64 " are not inside one VMA",
			       addr, end);
	kind = img->vmas[i].kind;
	if (kind == CKPT_VMA_VDSO || kind == CKPT_VMA_VVAR ||
	    kind == CKPT_VMA_FILE_SHARED)
		return img_bad(img, "pages at 0x%" PRIx64 " are in the %s mapping, which is not saved",
			       addr, vma_kind_name(kind));
	return 0;
}

static int check_pages(struct ckpt_image *img)
{
	const struct ckpt_rec_pages *p = img->payload;
	uint64_t size;
	int err;

	if (p->nr_pages < 1 || p->nr_pages > CKPT_PAGES_MAX)
		return img_bad(img, "%u pages, not 1..%u", p->nr_pages,
			       CKPT_PAGES_MAX);
	size = (uint64_t)p->nr_pages * img->hdr.page_size;
	if (img->rec.len != sizeof(*p) + size)
		return img_bad(img, "length %u does not match %u pages",
			       img->rec.len, p->nr_pages);
	if (p->addr & (img->hdr.page_size - 1))
		return img_bad(img, "address 0x%llx is not page-aligned",
			       p->addr);
	if (p->reserved)
		return img_bad(img, "non-zero reserved field");
	err = check_pages_place(img, p->addr, p->addr + size);
	if (err)
		return err;
	img->nr_pages += p->nr_pages;
	return 0;
}

/* The next process's records begin: forget the last one's. */
static void next_task(struct ckpt_image *img)
{
	img->task_idx++;
	while (img->task_idx < img->hdr.nr_tasks &&
	       img->tree[img->task_idx].flags & CKPT_TREE_ZOMBIE)
		img->task_idx++;	/* a zombie has no records */
	img->last_type = 0;
	memset(&img->task, 0, sizeof(img->task));
	img->nr_vmas = 0;
	img->nr_files = 0;
	img->file_paths = 0;
	img->last_fd = -1;
	img->last_fown_fd = -1;
	if (img->own_fds)
		memset(img->own_fds, 0, CKPT_MAX_FILES / 8);
	img->mm_vdso = 0;
	img->seen = 0;
	memset(&img->shares, 0, sizeof(img->shares));
}

static int check_tree(struct ckpt_image *img)
{
	const struct ckpt_rec_tree_task *t = img->payload;
	uint32_t n = img->hdr.nr_tasks, i, j;

	if (img->rec.len != n * sizeof(*t))
		return img_bad(img, "length %u, expected %zu for %u processes",
			       img->rec.len, n * sizeof(*t), n);
	for (i = 0; i < n; i++) {
		int parent = i == 0;

		if (t[i].pid <= 0 || t[i].pgid <= 0 || t[i].sid <= 0)
			return img_bad(img, "process %u: pid %d, group %d, session %d: not positive",
				       i, t[i].pid, t[i].pgid, t[i].sid);
		if ((t[i].flags & ~CKPT_TREE_ZOMBIE) ||
		    (t[i].flags ? t[i].exit_code > 0xffff || !i :
		     t[i].exit_code))
			return img_bad(img, "process %u: bad flags 0x%x or exit status 0x%x",
				       i, t[i].flags, t[i].exit_code);
		for (j = 0; j < i; j++) {
			if (t[j].pid == t[i].pid)
				return img_bad(img, "pid %d is listed twice",
					       t[i].pid);
			parent |= t[j].pid == t[i].ppid &&
				  !(t[j].flags & CKPT_TREE_ZOMBIE);
		}
		if (!parent)
			return img_bad(img, "the parent %d of process %d is not listed before it",
				       t[i].ppid, t[i].pid);
	}
	img->tree = malloc(img->rec.len);
	if (!img->tree)
		return img_error(img, -ENOMEM, img->rec_offset, img->rec.type,
				 "cannot allocate the tree");
	memcpy(img->tree, t, img->rec.len);
	return 0;
}

static int check_end(struct ckpt_image *img)
{
	const struct ckpt_rec_end *e = img->payload;

	if (e->nr_records != img->nr_records)
		return img_bad(img, "it counts %llu records, the image has %" PRIu64,
			       e->nr_records, img->nr_records);
	if (e->nr_pages != img->nr_pages)
		return img_bad(img, "it counts %llu pages, the image has %" PRIu64,
			       e->nr_pages, img->nr_pages);
	if (img->tree)
		next_task(img);
	if (!img->tree || img->task_idx >= img->hdr.nr_tasks)
		img->done = 1;
	return 0;
}

static const struct rec_desc rec_descs[CKPT_REC_MAX + 1] = {
	[CKPT_REC_TASK] = { "TASK", sizeof(struct ckpt_rec_task), 1, 0, 0,
			    check_task },
	[CKPT_REC_GROUPS] = { "GROUPS", 0, 0, 0, 0, check_groups },
	[CKPT_REC_FS] = { "FS", sizeof(struct ckpt_rec_fs), 0, 0, 0,
			  check_fs },
	[CKPT_REC_SIGACTIONS] = { "SIGACTIONS",
				  CKPT_NSIG * sizeof(struct ckpt_rec_sigaction),
				  1, 0, 0, check_sigactions },
	[CKPT_REC_MM] = { "MM", sizeof(struct ckpt_rec_mm), 0, 0, 0,
			  check_mm },
	[CKPT_REC_AUXV] = { "AUXV", 0, 0, 0, 0, check_auxv },
	[CKPT_REC_VMA] = { "VMA", sizeof(struct ckpt_rec_vma), 0, 1, 1,
			   check_vma },
	[CKPT_REC_FILE] = { "FILE", sizeof(struct ckpt_rec_file), 0, 1, 1,
			    check_file },
	[CKPT_REC_REGS] = { "REGS", sizeof(struct ckpt_rec_regs), 1, 0, 0,
			    check_regs },
	[CKPT_REC_XSTATE] = { "XSTATE", 0, 0, 0, 0, check_xstate },
	[CKPT_REC_RESTART] = { "RESTART", sizeof(struct ckpt_rec_restart),
			       1, 0, 1, check_restart },
	[CKPT_REC_RLIMITS] = { "RLIMITS",
			       CKPT_NRLIMITS * sizeof(struct ckpt_rec_rlimit),
			       1, 0, 1, check_rlimits },
	[CKPT_REC_SIGPENDING] = { "SIGPENDING", 0, 0, 0, 1,
				  check_sigpending },
	[CKPT_REC_PIPEDATA] = { "PIPEDATA", sizeof(struct ckpt_rec_pipedata),
				0, 1, 1, check_pipedata },
	[CKPT_REC_TIMERS] = { "TIMERS", sizeof(struct ckpt_rec_timers), 0, 0, 1,
			      check_timers },
	[CKPT_REC_THREAD] = { "THREAD", sizeof(struct ckpt_rec_thread), 0, 1, 1,
			      check_thread },
	[CKPT_REC_GHOSTDATA] = { "GHOSTDATA", sizeof(struct ckpt_rec_ghostdata),
				 0, 1, 1, check_ghostdata },
	[CKPT_REC_FDSTATE] = { "FDSTATE", sizeof(struct ckpt_rec_fdstate),
			       0, 1, 1, check_fdstate },
	[CKPT_REC_SHMEM] = { "SHMEM", sizeof(struct ckpt_rec_shmem), 0, 1, 1,
			     check_shmem },
	[CKPT_REC_SHMDATA] = { "SHMDATA", sizeof(struct ckpt_rec_shmdata),
			       0, 1, 1, check_shmdata },
	[CKPT_REC_SYSVSHM] = { "SYSVSHM", sizeof(struct ckpt_rec_sysvshm), 1,
			       1, 1, check_sysvshm },
	[CKPT_REC_SYSVDATA] = { "SYSVDATA", sizeof(struct ckpt_rec_sysvdata),
				0, 1, 1, check_sysvdata },
	[CKPT_REC_SYSVSEM] = { "SYSVSEM", sizeof(struct ckpt_rec_sysvsem), 0,
			       1, 1, check_sysvsem },
	[CKPT_REC_SYSVMSG] = { "SYSVMSG", sizeof(struct ckpt_rec_sysvmsg), 0,
			       1, 1, check_sysvmsg },
	[CKPT_REC_PAGES] = { "PAGES", sizeof(struct ckpt_rec_pages), 0, 1, 1,
			     check_pages },
	[CKPT_REC_END] = { "END", sizeof(struct ckpt_rec_end), 1, 0, 0,
			   check_end },
	[CKPT_REC_TREE] = { "TREE", sizeof(struct ckpt_rec_tree_task), 0, 0, 0,
			    check_tree },
	[CKPT_REC_SECCOMP] = { "SECCOMP", sizeof(struct ckpt_rec_seccomp), 0, 1,
			       1, check_seccomp },
	[CKPT_REC_SOCKET] = { "SOCKET", sizeof(struct ckpt_rec_socket), 0, 1, 1,
			      check_socket },
	[CKPT_REC_SOCKDATA] = { "SOCKDATA", sizeof(struct ckpt_rec_sockdata),
				0, 1, 1, check_sockdata },
	[CKPT_REC_TCPSTATE] = { "TCPSTATE", sizeof(struct ckpt_rec_tcpstate),
				1, 1, 1, check_tcpstate },
	[CKPT_REC_ATTRS] = { "ATTRS", sizeof(struct ckpt_rec_attrs), 0, 0, 1,
			     check_attrs },
	[CKPT_REC_SKIPPED] = { "SKIPPED", sizeof(struct ckpt_rec_skipped),
			       0, 0, 1, check_skipped },
	[CKPT_REC_SHARES] = { "SHARES", sizeof(struct ckpt_rec_shares), 1, 0, 1,
			      check_shares },
	[CKPT_REC_SCHED] = { "SCHED", sizeof(struct ckpt_rec_sched), 1, 1, 1,
			     check_sched },
	[CKPT_REC_FLOCK] = { "FLOCK", sizeof(struct ckpt_rec_flock), 1, 1, 1,
			     check_flock },
	[CKPT_REC_CGROUP] = { "CGROUP", sizeof(struct ckpt_rec_cgroup), 0, 0,
			      1, check_cgroup },
	[CKPT_REC_SOCKOPT] = { "SOCKOPT", sizeof(struct ckpt_rec_sockopt), 1,
			       1, 1, check_sockopt },
	[CKPT_REC_INWATCH] = { "INWATCH", sizeof(struct ckpt_rec_inwatch), 0,
			       1, 1, check_inwatch },
	[CKPT_REC_INEVENTS] = { "INEVENTS", sizeof(struct ckpt_rec_inevents),
				0, 1, 1, check_inevents },
	[CKPT_REC_MCAST] = { "MCAST", sizeof(struct ckpt_rec_mcast), 0, 1, 1,
			     check_mcast },
	[CKPT_REC_CLOCKS] = { "CLOCKS", sizeof(struct ckpt_rec_clocks), 1, 0,
			      1, check_clocks },
	[CKPT_REC_MEMPOLICY] = { "MEMPOLICY", sizeof(struct ckpt_rec_mempolicy),
				 1, 1, 1, check_mempolicy },
	[CKPT_REC_PTY] = { "PTY", sizeof(struct ckpt_rec_pty), 0, 1, 1,
			   check_pty },
	[CKPT_REC_UTS] = { "UTS", sizeof(struct ckpt_rec_uts), 1, 0, 1,
			   check_uts },
	[CKPT_REC_FOWN] = { "FOWN", sizeof(struct ckpt_rec_fown), 1, 1, 1,
			    check_fown },
	[CKPT_REC_NETLINK] = { "NETLINK", sizeof(struct ckpt_rec_netlink), 1,
			       1, 1, check_netlink },
};

/* ---- records ------------------------------------------------------ */

/* At the first PAGES or END record: what a restore needs of the metadata. */
static int check_meta(struct ckpt_image *img)
{
	const struct ckpt_image_vma *vdso = find_kind(img, CKPT_VMA_VDSO);
	const uint64_t vm = (1ULL << CKPT_REC_MM) | (1ULL << CKPT_REC_AUXV) |
			    (1ULL << CKPT_REC_VMA);
	const uint64_t sa = 1ULL << CKPT_REC_SIGACTIONS;
	const uint64_t mm_auxv = (1ULL << CKPT_REC_MM) |
				 (1ULL << CKPT_REC_AUXV);

	const int uts = !img->task_idx &&
			(img->hdr.flags & CKPT_IMAGE_UTS_NS);

	if (uts != !!(img->seen & (1ULL << CKPT_REC_UTS)))
		return img_bad(img, uts ? "the header says the processes had their own UTS namespace, and the first has no UTS record" :
			       "a UTS record, but not with the first process of an image whose header says it had its own UTS namespace");
	if (img->shares.sighand_pid ? (img->seen & sa) : !(img->seen & sa))
		return img_bad(img, img->shares.sighand_pid ?
			       "a SIGACTIONS record, and the signal handlers of process %d" :
			       "no SIGACTIONS record (process %d)",
			       img->shares.sighand_pid ? img->shares.sighand_pid :
			       img->task.pid);
	if (img->shares.vm_pid) {
		if ((img->seen & vm) || img->rec.type != CKPT_REC_END)
			return img_bad(img, "records of an address space, and the address space of process %d",
				       img->shares.vm_pid);
		if (img->seen & (1ULL << CKPT_REC_THREAD))
			return img_bad(img, "threads of its own, and the address space of process %d",
				       img->shares.vm_pid);
		return 0;
	}
	if ((img->seen & mm_auxv) != mm_auxv)
		return img_bad(img, "no MM or AUXV record (process %d)",
			       img->task.pid);

	if (!vdso || !find_kind(img, CKPT_VMA_VVAR))
		return img_error(img, -EOPNOTSUPP, img->rec_offset,
				 img->rec.type,
				 "the image has no %s mapping (metadata ends at offset %" PRIu64 ")",
				 vdso ? "[vvar]" : "[vdso]", img->rec_offset);
	if (vdso->start != img->mm_vdso)
		return img_error(img, -EOPNOTSUPP, img->rec_offset,
				 img->rec.type,
				 "the [vdso] mapping at 0x%" PRIx64 " is not where the MM record says (0x%" PRIx64 ")",
				 vdso->start, img->mm_vdso);
	return 0;
}

/*
 * Records a later process of a tree leaves to the earlier one it shares
 * the object with (its SHARES record, which comes later, says which):
 * checked at the end of its metadata, by check_meta().
 */
static int shared_away(const struct ckpt_image *img, uint32_t t)
{
	return img->tree && img->task_idx &&
	       (t == CKPT_REC_SIGACTIONS || t == CKPT_REC_MM ||
		t == CKPT_REC_AUXV);
}

/* The order of uapi/linux/ckpt.h's CKPT_REC_ORDER. */
static int check_order(struct ckpt_image *img)
{
	uint32_t type = img->rec.type, last = img->last_type, t;
	int first = !img->nr_records;

	/* A tree's image starts with its TREE record, and only it does. */
	if ((type == CKPT_REC_TREE) != (first && img->hdr.nr_tasks > 1))
		return img_bad(img, type == CKPT_REC_TREE ?
			       "a TREE record is only the first of an image of several processes" :
			       "an image of several processes must start with a TREE record");
	if (type == CKPT_REC_TREE)
		return 0;

	if ((last && CKPT_REC_ORDER(type) < CKPT_REC_ORDER(last)) ||
	    (type == last && !rec_descs[type].repeat))
		return img_bad(img, "out of order after a %s record",
			       ckpt_rec_name(last));
	for (t = 1; t <= CKPT_REC_MAX; t++)
		if (rec_descs[t].name && t != CKPT_REC_TREE &&
		    (!last || CKPT_REC_ORDER(t) > CKPT_REC_ORDER(last)) &&
		    CKPT_REC_ORDER(t) < CKPT_REC_ORDER(type) &&
		    !rec_descs[t].optional && !shared_away(img, t))
			return img_error(img, -EBADMSG, img->rec_offset, type,
					 "%s record missing before the %s record at offset %" PRIu64,
					 ckpt_rec_name(t),
					 ckpt_rec_name(type), img->rec_offset);
	img->last_type = type;
	img->seen |= 1ULL << type;
	if (CKPT_REC_ORDER(type) >= CKPT_REC_ORDER(CKPT_REC_PAGES) &&
	    CKPT_REC_ORDER(last) < CKPT_REC_ORDER(CKPT_REC_PAGES)) {
		int err = check_pty_ends(img);

		return err ? err : check_meta(img);
	}
	return 0;
}

static int check_length(struct ckpt_image *img)
{
	const struct rec_desc *d = &rec_descs[img->rec.type];

	if (d->exact && img->rec.len != d->size)
		return img_bad(img, "length %u, expected %u", img->rec.len,
			       d->size);
	if (img->rec.len < d->size)
		return img_bad(img, "length %u is below %u", img->rec.len,
			       d->size);
	return 0;
}

static int read_rec_header(struct ckpt_image *img)
{
	struct ckpt_rec_header *r = &img->rec;
	uint32_t max;
	ssize_t n;

	img->rec_offset = img->offset;
	img->file_len = 0;
	img->file_pos = 0;
	n = img_read(img, r, sizeof(*r));
	if (n < 0)
		return img_read_error(img, n);
	if (n == 0)
		return img_error(img, -ENODATA, img->offset, 0,
				 "the image ends at offset %" PRIu64 " without an END record",
				 img->offset);
	if (n < (ssize_t)sizeof(*r))
		return img_error(img, -ENODATA, img->offset, 0,
				 "the image ends at offset %" PRIu64 " inside a record header",
				 img->offset);
	if (r->type == 0 || r->type > CKPT_REC_MAX ||
	    !rec_descs[r->type].name)
		return img_error(img, -EBADMSG, img->rec_offset, r->type,
				 "unknown record type %u at offset %" PRIu64,
				 r->type, img->rec_offset);
	if (r->flags)
		return img_bad(img, "non-zero flags 0x%x", r->flags);
	max = r->type == CKPT_REC_PAGES ? PAGES_MAX_LEN : CKPT_REC_MAX_META;
	if (r->len > max)
		return img_error(img, -EBADMSG, img->rec_offset, r->type,
				 "oversize %s record at offset %" PRIu64 ": length %u exceeds %u",
				 ckpt_rec_name(r->type), img->rec_offset,
				 r->len, max);
	return 0;
}

/* skip_page_data: a PAGES record's header only; the data is passed over. */
static int skip_page_data(struct ckpt_image *img)
{
	size_t head = sizeof(struct ckpt_rec_pages);
	uint64_t size = img->mem ? img->mem_len : img->at_size;
	uint64_t left = img->offset < size ? size - img->offset : 0;
	ssize_t n;

	if (img->rec.len < head)
		return 0;	/* check_length() says so */
	if (left < img->rec.len)
		return img_error(img, -ENODATA, size, img->rec.type,
				 "the image ends at offset %" PRIu64 " inside the %s record at offset %" PRIu64,
				 size, ckpt_rec_name(img->rec.type),
				 img->rec_offset);
	if (img->mem) {
		memcpy(img->payload, img->mem + img->offset, head);
	} else {
		unsigned char last;

		/*
		 * The file may have shrunk since it was opened: the head and
		 * the data's last byte must still be there, or the record is
		 * read in full and found short where it is.
		 */
		n = ckpt_at_read(&img->at, img->payload, head, img->offset);
		if (n >= 0 && (size_t)n == head)
			n = ckpt_at_read(&img->at, &last, 1,
					 img->offset + img->rec.len - 1);
		else if (n >= 0)
			n = 0;
		if (n < 0)
			return img_read_error(img, n);
		if (n != 1)
			return 0;	/* short: read in full, it says where */
	}
	img->offset += img->rec.len;
	return 1;
}

static int read_rec_payload(struct ckpt_image *img)
{
	struct ckpt_rec_header h = img->rec;
	uint32_t crc;
	ssize_t n;

	if (img->skip_page_data && (img->mem || img->positional) &&
	    h.type == CKPT_REC_PAGES) {
		n = skip_page_data(img);
		if (n)
			return n < 0 ? n : 0;
	}
	n = img_read(img, img->payload, h.len);
	if (n < 0)
		return img_read_error(img, n);
	if (n < h.len)
		return img_error(img, -ENODATA, img->offset, h.type,
				 "the image ends at offset %" PRIu64 " inside the %s record at offset %" PRIu64,
				 img->offset, ckpt_rec_name(h.type),
				 img->rec_offset);
	h.csum = 0;
	crc = ckpt_csum2(&h, sizeof(h), img->payload, h.len);
	if (crc != img->rec.csum)
		return img_error(img, -EBADMSG, img->rec_offset, h.type,
				 "bad checksum in %s record at offset %" PRIu64 " (stored 0x%08x, computed 0x%08x)",
				 ckpt_rec_name(h.type), img->rec_offset,
				 img->rec.csum, crc);
	return 0;
}

/* Where a FILE record's payload is kept, then the last entry's path. */
#define FILE_REC_SIZE	(CKPT_REC_MAX_META + CKPT_PATH_MAX)
#define FILE_PATH(img)	((char *)(img)->file_rec + CKPT_REC_MAX_META)

/*
 * The next entry of the FILE record at img->file_rec, as a record of its
 * own at its offset: its whole path is path_prefix bytes of the previous
 * entry's (front coding), then its path_len bytes.
 */
static int next_file_entry(struct ckpt_image *img)
{
	const unsigned char *p = img->file_rec + img->file_pos;
	uint32_t left = img->file_len - img->file_pos;
	uint32_t prev = img->file_path_len ? img->file_path_len - 1 : 0;
	struct ckpt_rec_file f;
	uint32_t len;

	img->rec_offset = img->file_offset + sizeof(struct ckpt_rec_header) +
			  img->file_pos;
	if (left < sizeof(f))
		return img_bad(img, "%u bytes at the end of the record, fewer than an entry's %zu",
			       left, sizeof(f));
	memcpy(&f, p, sizeof(f));
	if (f.path_len > left - sizeof(f))
		return img_bad(img, "a path of %u bytes runs past the end of the record (%zu bytes left)",
			       f.path_len, left - sizeof(f));
	if (f.path_prefix && !img->file_pos)
		return img_bad(img, "path_prefix %u in the record's first entry",
			       f.path_prefix);
	if (f.path_prefix && !img->file_path_len)
		return img_bad(img, "path_prefix %u after an entry without a path",
			       f.path_prefix);
	if (f.path_prefix && !f.path_len)
		return img_bad(img, "path_prefix %u without a path (path_len 0)",
			       f.path_prefix);
	if (f.path_prefix > prev)
		return img_bad(img, "path_prefix %u exceeds the previous path's %u bytes",
			       f.path_prefix, prev);
	len = (uint32_t)f.path_prefix + f.path_len;
	if (len > CKPT_PATH_MAX)
		return img_bad(img, "path_prefix %u and path_len %u: a path of %u bytes exceeds %u",
			       f.path_prefix, f.path_len, len, CKPT_PATH_MAX);
	if (len > CKPT_MAX_FILE_PATHS - img->file_paths)
		return img_bad(img, "the process's whole paths exceed %u bytes",
			       CKPT_MAX_FILE_PATHS);
	img->file_paths += len;
	memcpy(FILE_PATH(img) + f.path_prefix, p + sizeof(f), f.path_len);
	img->file_pos += sizeof(f) + f.path_len;
	img->file_path_len = len;
	f.path_prefix = 0;
	f.path_len = len;
	memcpy(img->payload, &f, sizeof(f));
	memcpy((char *)img->payload + sizeof(f), FILE_PATH(img), len);
	img->rec.len = sizeof(f) + len;
	return 0;
}

/* A FILE record, checked as one: kept aside, its entries handed out. */
static int take_file_record(struct ckpt_image *img)
{
	if (!img->file_rec) {
		img->file_rec = malloc(FILE_REC_SIZE);
		if (!img->file_rec)
			return img_error(img, -ENOMEM, img->rec_offset,
					 img->rec.type,
					 "cannot allocate a FILE record buffer");
	}
	memcpy(img->file_rec, img->payload, img->rec.len);
	img->file_offset = img->rec_offset;
	img->file_len = img->rec.len;
	img->file_pos = 0;
	img->file_path_len = 0;
	return next_file_entry(img);
}

static int check_trailing(struct ckpt_image *img)
{
	unsigned char c;
	ssize_t n;

	/* A spooled stream goes on with the protocol: nothing to check. */
	if (img->copy_fd >= 0)
		return 0;
	n = img_read(img, &c, 1);
	if (n < 0)
		return img_read_error(img, n);
	if (n > 0)
		return img_error(img, -EBADMSG, img->offset - 1, 0,
				 "trailing data at offset %" PRIu64 " after the END record",
				 img->offset - 1);
	return 0;
}

int ckpt_image_next(struct ckpt_image *img)
{
	/* More entries of the last FILE record, which was counted. */
	int more = img->file_pos < img->file_len;
	const struct rec_desc *d;
	int err;

	if (img->error.err)
		return img->error.err;
	if (more) {
		err = next_file_entry(img);
	} else {
		if (img->done)
			return check_trailing(img);
		err = read_rec_header(img);
		if (!err)
			err = read_rec_payload(img);
		if (!err)
			err = check_order(img);
		if (!err)
			err = check_length(img);
		if (!err && img->rec.type == CKPT_REC_FILE)
			err = take_file_record(img);
	}
	if (err)
		return err;
	d = &rec_descs[img->rec.type];
	err = d->check ? d->check(img) : 0;
	if (err)
		return err;
	if (!more)
		img->nr_records++;
	return 1;
}

int ckpt_image_check_all(struct ckpt_image *img)
{
	int err;

	do
		err = ckpt_image_next(img);
	while (err > 0);
	return err;
}

const char *ckpt_image_path(const struct ckpt_image *img)
{
	const char *p = img->payload;
	uint32_t size, len;

	switch (img->rec.type) {
	case CKPT_REC_FS:
		size = sizeof(struct ckpt_rec_fs);
		len = ((const struct ckpt_rec_fs *)p)->cwd_len;
		break;
	case CKPT_REC_MM:
		size = sizeof(struct ckpt_rec_mm);
		len = ((const struct ckpt_rec_mm *)p)->exe_len;
		break;
	case CKPT_REC_VMA:
		size = sizeof(struct ckpt_rec_vma);
		len = ((const struct ckpt_rec_vma *)p)->path_len;
		break;
	case CKPT_REC_FILE:
		size = sizeof(struct ckpt_rec_file);
		len = ((const struct ckpt_rec_file *)p)->path_len;
		break;
	case CKPT_REC_CGROUP:
		size = sizeof(struct ckpt_rec_cgroup);
		len = ((const struct ckpt_rec_cgroup *)p)->path_len;
		break;
	case CKPT_REC_INWATCH:
		size = sizeof(struct ckpt_rec_inwatch);
		len = ((const struct ckpt_rec_inwatch *)p)->path_len;
		break;
	default:
		return NULL;
	}
	return len ? p + size : NULL;
}
