// SPDX-License-Identifier: GPL-2.0
/*
 * The standard synthetic image: one task with groups, a cwd, one signal
 * handler, an executable, five VMAs (file, heap, vvar, vdso, stack),
 * three files, registers, XSAVE state, a nanosleep restart and four
 * PAGES records.
 */
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include "../../tools/csum.h"
#include "imgbuild.h"

struct ib_state {
	struct ib_image *img;
	const struct ib_ops *ops;
	struct ib_rec rec;
	size_t cap;
	int count[CKPT_REC_MAX + 2];
	uint64_t nr_records;
	uint64_t nr_pages;
};

static void ib_append(struct ib_state *s, const void *p, size_t len)
{
	struct ib_image *img = s->img;

	if (img->len + len > s->cap) {
		s->cap = (img->len + len) * 2;
		img->buf = realloc(img->buf, s->cap);
		if (!img->buf)
			abort();
	}
	memcpy(img->buf + img->len, p, len);
	img->len += len;
}

static void ib_header(struct ib_state *s)
{
	struct ckpt_image_header h;

	memset(&h, 0, sizeof(h));
	h.magic = CKPT_IMAGE_MAGIC;
	h.version = CKPT_IMAGE_VERSION;
	h.header_size = sizeof(h);
	h.arch = CKPT_ARCH_X86_64;
	h.page_size = 4096;
	h.xfeatures = IB_XFEATURES;
	h.xstate_size = IB_XSTATE_SIZE;
	h.nr_tasks = 1;
	h.time_ns = 1700000000123456789ULL;
	strcpy(h.release, "6.1.0-test-amd64");
	strcpy(h.build, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.0-test");
	if (s->ops && s->ops->header)
		s->ops->header(&h, s->ops->ctx);
	h.csum = 0;
	h.csum = ckpt_csum2(&h, sizeof(h), NULL, 0);
	if (s->ops)
		h.csum ^= s->ops->hdr_csum_xor;
	ib_append(s, &h, sizeof(h));
}

/* Emit the record prepared in s->rec (type, len, payload). */
static void ib_emit(struct ib_state *s)
{
	struct ib_rec *r = &s->rec;
	struct ckpt_rec_header h;
	struct ib_image *img = s->img;

	uint32_t type = r->type;

	r->nth = s->count[r->type]++;
	r->flags = 0;
	r->skip = 0;
	r->csum_xor = 0;
	if (s->ops && s->ops->rec)
		s->ops->rec(r, s->ops->ctx);
	if (r->skip)
		return;
	h.type = r->type;
	h.flags = r->flags;
	h.len = r->len;
	h.csum = 0;
	h.csum = ckpt_csum2(&h, sizeof(h), r->payload, r->len) ^ r->csum_xor;
	if (img->nr < IB_MAX_RECS) {
		img->off[img->nr] = img->len;
		img->type[img->nr] = type;	/* before the hook */
		img->nr++;
	}
	ib_append(s, &h, sizeof(h));
	ib_append(s, r->payload, r->len);
	s->nr_records++;
}

static void ib_rec(struct ib_state *s, uint32_t type, const void *p,
		   size_t len, const char *path)
{
	size_t plen = path ? strlen(path) + 1 : 0;

	s->rec.type = type;
	s->rec.len = len + plen;
	memcpy(s->rec.payload, p, len);
	if (plen)
		memcpy(s->rec.payload + len, path, plen);
	ib_emit(s);
}

static void ib_task(struct ib_state *s)
{
	static const __u32 groups[] = { 10, 20 };
	struct ckpt_rec_task t;

	memset(&t, 0, sizeof(t));
	t.pid = t.tid = IB_PID;
	t.ppid = 1;
	t.pgid = t.sid = IB_PID;
	strcpy(t.comm, "sleeper");
	t.uid = t.euid = t.suid = t.fsuid = 1000;
	t.gid = t.egid = t.sgid = t.fsgid = 1000;
	t.ngroups = 2;
	t.cap_bset = 0x1ffffffffffULL;
	t.blocked = (1ULL << (10 - 1)) | (1ULL << (34 - 1));
	t.rseq = 0x7ffff7d8e9a0ULL;
	t.rseq_len = 32;
	t.rseq_sig = 0x53053053;
	t.sas_ss_flags = 2;
	ib_rec(s, CKPT_REC_TASK, &t, sizeof(t), NULL);
	ib_rec(s, CKPT_REC_GROUPS, groups, sizeof(groups), NULL);
}

static void ib_fs_signals(struct ib_state *s)
{
	struct ckpt_rec_sigaction sa[CKPT_NSIG];
	struct ckpt_rec_fs fs = { .umask = 022, .cwd_len = 6 };

	ib_rec(s, CKPT_REC_FS, &fs, sizeof(fs), "/root");
	memset(sa, 0, sizeof(sa));
	sa[2 - 1].handler = 0x401100;		/* SIGINT */
	sa[2 - 1].flags = 0x14000000;	/* SA_RESTORER|SA_RESTART */
	sa[2 - 1].restorer = 0x401200;
	sa[2 - 1].mask = 1ULL << (15 - 1);
	sa[13 - 1].handler = 1;			/* SIGPIPE ignored */
	ib_rec(s, CKPT_REC_SIGACTIONS, sa, sizeof(sa), NULL);
}

static void ib_mm(struct ib_state *s)
{
	static const __u64 auxv[] = { 6, 4096, 9, 0x401000, 33, IB_VDSO,
				      0, 0 };
	struct ckpt_rec_mm mm;

	memset(&mm, 0, sizeof(mm));
	mm.start_code = 0x400000;
	mm.end_code = 0x401800;
	mm.start_brk = IB_HEAP;
	mm.brk = IB_HEAP + 0x10000;
	mm.start_stack = IB_STACK_END - 0x100;
	mm.vdso = IB_VDSO;
	mm.exe_len = 13;
	ib_rec(s, CKPT_REC_MM, &mm, sizeof(mm), "/bin/sleeper");
	ib_rec(s, CKPT_REC_AUXV, auxv, sizeof(auxv), NULL);
}

static void ib_vma(struct ib_state *s, uint64_t start, uint64_t end,
		   uint32_t kind, uint32_t prot, uint32_t flags,
		   const char *path)
{
	struct ckpt_rec_vma v;

	memset(&v, 0, sizeof(v));
	v.start = start;
	v.end = end;
	v.kind = kind;
	v.prot = prot;
	v.flags = flags;
	v.path_len = path ? strlen(path) + 1 : 0;
	if (path) {
		v.ino = 1234;
		v.dev = 0xfe00;
		v.size = 0x1800;
		v.mtime_ns = 1600000000000000000ULL;
	}
	ib_rec(s, CKPT_REC_VMA, &v, sizeof(v), path);
}

static void ib_vmas(struct ib_state *s)
{
	ib_vma(s, 0x400000, 0x402000, CKPT_VMA_FILE_PRIVATE, 5, 0,
	       "/bin/sleeper");
	ib_vma(s, IB_HEAP, IB_HEAP + 0x10000, CKPT_VMA_ANON, 3,
	       CKPT_VMAF_HEAP, NULL);
	ib_vma(s, IB_VVAR, IB_VVAR + 0x4000, CKPT_VMA_VVAR, 1, 0, NULL);
	ib_vma(s, IB_VDSO, IB_VDSO + 0x2000, CKPT_VMA_VDSO, 5, 0, NULL);
	ib_vma(s, IB_STACK, IB_STACK_END, CKPT_VMA_ANON, 3,
	       CKPT_VMAF_GROWSDOWN | CKPT_VMAF_STACK, NULL);
}

void ib_file_entry(struct ib_rec *r, int fd, uint32_t kind,
		   uint32_t f_flags, uint16_t prefix, const char *path)
{
	const char *rest = path ? path + prefix : NULL;
	struct ckpt_rec_file f;

	memset(&f, 0, sizeof(f));
	f.fd = fd;
	f.kind = kind;
	f.f_flags = f_flags;
	f.path_len = rest ? strlen(rest) + 1 : 0;
	f.path_prefix = prefix;
	f.rdev = kind == CKPT_FILE_CHR ? 0x103 : 0;
	memcpy(r->payload + r->len, &f, sizeof(f));
	if (rest)
		memcpy(r->payload + r->len + sizeof(f), rest, f.path_len);
	r->len += sizeof(f) + f.path_len;
}

/* A FILE record of one entry. */
static void ib_file(struct ib_state *s, int fd, uint32_t kind,
		    uint32_t f_flags, const char *path)
{
	s->rec.type = CKPT_REC_FILE;
	s->rec.len = 0;
	ib_file_entry(&s->rec, fd, kind, f_flags, 0, path);
	ib_emit(s);
}

void ib_pty_entry(struct ib_rec *r, int fd, uint32_t rdev, const char *path)
{
	struct ckpt_rec_file *f = (void *)(r->payload + r->len);

	ib_file_entry(r, fd, CKPT_FILE_PTY, 02, 0, path);
	f->rdev = rdev;
	f->ino = 3;
}

void ib_pty_hook(struct ib_rec *r, void *ctx)
{
	static const struct ib_pty master = { .records = 1 };
	const struct ib_pty *c = ctx ? ctx : &master;
	struct ckpt_rec_pty *p = (void *)r->payload;

	if (r->type == CKPT_REC_FILE && r->nth == 2) {
		r->len = 0;
		ib_pty_entry(r, 3, IB_PTMX_RDEV, "/dev/ptmx");
		if (c->rdev)
			ib_pty_entry(r, 4, c->rdev, "/dev/pts/3");
	} else if (r->type == CKPT_REC_MEMPOLICY && r->nth >= 2 - c->records) {
		r->type = CKPT_REC_PTY;
		r->len = sizeof(*p) + 3;
		memset(p, 0, sizeof(*p));
		p->index = 3;
		p->flags = CKPT_PTY_PACKET;
		p->gid = 5;
		p->mode = 0620;
		p->data_len = 3;
		p->slave.fd = -1;
		p->slave.row = 33;
		p->slave.col = 77;
		memcpy(p + 1, "abc", 3);
		if (c->fix)
			c->fix(p, r);
	}
}

static void ib_cpu(struct ib_state *s)
{
	struct ckpt_rec_restart rs = {
		.kind = CKPT_RESTART_NANOSLEEP, .clockid = 1,
		.remaining_ns = 1500000000LL,
	};
	struct ckpt_rec_timers tm = {
		.monotonic_ns = 5000000000LL, .boottime_ns = 6000000000LL,
	};
	unsigned char x[IB_XSTATE_SIZE];
	struct ckpt_rec_regs r;
	uint64_t bv = IB_XFEATURES;

	memset(&r, 0, sizeof(r));
	r.ip = 0x401234;
	r.sp = IB_STACK_END - 0x200;
	r.cs = 0x33;
	r.ss = 0x2b;
	r.flags = 0x246;
	r.orig_ax = 230;
	ib_rec(s, CKPT_REC_REGS, &r, sizeof(r), NULL);
	memset(x, 0, sizeof(x));
	memcpy(x + 512, &bv, sizeof(bv));
	ib_rec(s, CKPT_REC_XSTATE, x, sizeof(x), NULL);
	ib_rec(s, CKPT_REC_RESTART, &rs, sizeof(rs), NULL);
	ib_rec(s, CKPT_REC_TIMERS, &tm, sizeof(tm), NULL);
}

static void ib_clocks(struct ib_state *s)
{
	struct ckpt_rec_clocks c = {
		.monotonic_ns = 4000000000LL, .monotonic_raw_ns = 4500000000LL,
		.boottime_ns = 6000000000LL,
	};

	ib_rec(s, CKPT_REC_CLOCKS, &c, sizeof(c), NULL);
}

/* The main thread's MPOL_BIND (2) on node 0; the heap's MPOL_LOCAL (4). */
static void ib_mempolicy(struct ib_state *s)
{
	struct ckpt_rec_mempolicy m = {
		.tid = IB_PID, .mode = 2, .home_node = -1, .nodes = { 1 },
	};

	ib_rec(s, CKPT_REC_MEMPOLICY, &m, sizeof(m), NULL);
	memset(&m, 0, sizeof(m));
	m.start = IB_HEAP;
	m.end = IB_HEAP + 0x4000;
	m.mode = 4;
	m.home_node = -1;
	ib_rec(s, CKPT_REC_MEMPOLICY, &m, sizeof(m), NULL);
}

static void ib_pages(struct ib_state *s, uint64_t addr, uint32_t nr)
{
	struct ckpt_rec_pages p = { .addr = addr, .nr_pages = nr };

	s->rec.type = CKPT_REC_PAGES;
	s->rec.len = sizeof(p) + nr * 4096;
	memcpy(s->rec.payload, &p, sizeof(p));
	memset(s->rec.payload + sizeof(p), (int)(addr >> 12), nr * 4096);
	ib_emit(s);
	if (!s->rec.skip)
		s->nr_pages += nr;
}

static void ib_end(struct ib_state *s)
{
	struct ckpt_rec_end e = {
		.nr_records = s->nr_records, .nr_pages = s->nr_pages,
	};

	ib_rec(s, CKPT_REC_END, &e, sizeof(e), NULL);
}

void ib_build(struct ib_image *img, const struct ib_ops *ops)
{
	struct ib_state s = { .img = img, .ops = ops };

	memset(img, 0, sizeof(*img));
	s.rec.payload = calloc(1, IB_PAYLOAD_MAX);
	if (!s.rec.payload)
		abort();
	ib_header(&s);
	ib_task(&s);
	ib_fs_signals(&s);
	ib_mm(&s);
	ib_vmas(&s);
	ib_file(&s, 0, CKPT_FILE_CHR, 0, "/dev/null");
	ib_file(&s, 1, CKPT_FILE_REG, 01 | 02000, "/tmp/out.txt");
	ib_file(&s, 3, CKPT_FILE_DIR, 0200000, "/etc");
	ib_cpu(&s);
	ib_clocks(&s);
	ib_mempolicy(&s);
	ib_pages(&s, IB_HEAP, 2);
	ib_pages(&s, IB_HEAP + 0x3000, 1);
	ib_pages(&s, IB_STACK_END - 0x2000, 1);
	ib_pages(&s, IB_STACK_END - 0x1000, 1);
	ib_end(&s);
	free(s.rec.payload);
}

void ib_free(struct ib_image *img)
{
	free(img->buf);
	img->buf = NULL;
}

long ib_offset(const struct ib_image *img, uint32_t type, int nth)
{
	int i;

	for (i = 0; i < img->nr; i++)
		if (img->type[i] == type && nth-- == 0)
			return img->off[i];
	return -1;
}

const char *ib_write_file(const struct ib_ops *ops, char *path)
{
	struct ib_image b;
	int fd;

	strcpy(path, "/tmp/ckpt-unit-img-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	ib_build(&b, ops);
	if (write(fd, b.buf, b.len) != (ssize_t)b.len)
		path = NULL;
	close(fd);
	ib_free(&b);
	return path;
}

void ib_buf_put(struct ib_buf *t, const void *p, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2;
		t->buf = realloc(t->buf, t->cap);
		if (!t->buf)
			abort();
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

void ib_buf_rec(struct ib_buf *t, uint32_t type, const void *p,
		uint32_t len)
{
	struct ckpt_rec_header h = { .type = type, .len = len };

	h.csum = ckpt_csum2(&h, sizeof(h), p, len);
	ib_buf_put(t, &h, sizeof(h));
	ib_buf_put(t, p, len);
	t->nr_records++;
}

void ib_tree(struct ib_buf *t, const struct ckpt_rec_tree_task *tt,
	     uint32_t n, int clean, uint64_t time_ns, const int32_t *vm)
{
	struct ckpt_image_header h;
	struct ib_image img;
	uint32_t i;

	ib_build(&img, NULL);
	memcpy(&h, img.buf, sizeof(h));
	h.nr_tasks = n;
	h.time_ns = time_ns;
	h.csum = 0;
	h.csum = ckpt_csum2(&h, sizeof(h), NULL, 0);
	memset(t, 0, sizeof(*t));
	ib_buf_put(t, &h, sizeof(h));
	if (n > 1)
		ib_buf_rec(t, CKPT_REC_TREE, tt, n * sizeof(*tt));
	for (i = 0; i < n; i++) {
		size_t off = sizeof(h);

		while (!(tt[i].flags & CKPT_TREE_ZOMBIE) && off < img.len) {
			struct ckpt_rec_header rh;
			struct ckpt_rec_pages *rp;
			uint32_t type, len;
			unsigned char *p;

			memcpy(&rh, img.buf + off, sizeof(rh));
			type = rh.type;
			len = rh.len;
			p = malloc(len);
			if (!p)
				abort();
			memcpy(p, img.buf + off + sizeof(rh), len);
			rp = (void *)p;
			if (type == CKPT_REC_TASK) {
				((struct ckpt_rec_task *)p)->pid = tt[i].pid;
				((struct ckpt_rec_task *)p)->tid = tt[i].pid;
			} else if (type == CKPT_REC_PAGES && clean) {
				type = CKPT_REC_PRECOPY_CLEAN;
				len = sizeof(*rp);
			} else if (type == CKPT_REC_PAGES) {
				memset(rp + 1, 0x10 + i,
				       (size_t)rp->nr_pages * 4096);
				t->nr_pages += rp->nr_pages;
			} else if (type == CKPT_REC_END) {
				struct ckpt_rec_end *e = (void *)p;

				e->nr_records = t->nr_records;
				e->nr_pages = t->nr_pages;
			}
			ib_buf_rec(t, type, p, len);
			if (type == CKPT_REC_TASK && vm && vm[i]) {
				struct ckpt_rec_shares sh = { .vm_pid = vm[i] };

				ib_buf_rec(t, CKPT_REC_SHARES, &sh,
					   sizeof(sh));
			}
			free(p);
			off += sizeof(rh) + rh.len;
		}
	}
	ib_free(&img);
}
