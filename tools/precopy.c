// SPDX-License-Identifier: GPL-2.0
/*
 * Live migration: the pre-copy rounds of the sender and the merge of the
 * receiver (precopy.h).  Nothing here prints but the sender's per-round
 * progress lines (stderr); errors go back as a negative errno and a
 * one-line reason.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/ckpt.h>
#include "csum.h"
#include "image.h"
#include "incr.h"
#include "migrate.h"
#include "precopy.h"
#include "util.h"

#define PG		CKPT_IMG_PAGE_SIZE
#define PM_PRESENT	(1ULL << 63)
#define PM_SWAP		(1ULL << 62)
#define PM_FILE		(1ULL << 61)
#define PM_SOFT_DIRTY	(1ULL << 55)
#define PM_CHUNK	8192		/* pagemap entries read at once */
#define DATA_OFF	(sizeof(struct ckpt_rec_header) + \
			 sizeof(struct ckpt_rec_pages) + \
			 CKPT_PAGES_MAX * sizeof(uint32_t))
/*
 * The receiver tells a tree's processes apart by an index below PG in a
 * page's key (page_key()): an incremental chain's place in the TREE
 * record (below CKPT_MAX_TREE), a live migration's order of naming
 * (below PC_MAX); KEY_NONE is none's.
 */
#define PC_MAX		(PG - 2)
#define KEY_NONE	(PG - 1)
_Static_assert(CKPT_MAX_TREE <= PC_MAX, "a tree's places are keys");

static void say(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A page's checksum as its own PAGES record would carry it (precopy.h). */
uint32_t precopy_page_csum(uint64_t addr, const void *data)
{
	struct {
		struct ckpt_rec_header h;
		struct ckpt_rec_pages rp;
	} r;

	memset(&r, 0, sizeof(r));
	r.h.type = CKPT_REC_PAGES;
	r.h.len = sizeof(r.rp) + PG;
	r.rp.addr = addr;
	r.rp.nr_pages = 1;
	return ckpt_csum2(&r, sizeof(r), data, PG);
}

/* ==== sender ======================================================== */

struct run {
	uint64_t addr;
	uint64_t nr;
};

struct runs {
	struct run *v;
	size_t n, cap;
	uint64_t pages;
};

static int runs_add(struct runs *rs, uint64_t addr)
{
	struct run *last = rs->n ? &rs->v[rs->n - 1] : NULL;

	rs->pages++;
	if (last && last->addr + last->nr * PG == addr) {
		last->nr++;
		return 0;
	}
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 256;
		struct run *v = realloc(rs->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rs->v = v;
		rs->cap = cap;
	}
	rs->v[rs->n].addr = addr;
	rs->v[rs->n].nr = 1;
	rs->n++;
	return 0;
}

/* A process whose pages are pre-copied. */
struct member {
	pid_t pid;
	unsigned long long start;	/* its start time: a PID reused is
					 * another process */
	int pidfd;		/* tells whether it exited (read_pages()) */
	int pagemap;		/* /proc/PID/pagemap, during its scan */
	int mem;		/* /proc/PID/mem (for what process_vm_readv
				 * cannot read: PROT_NONE...), of the
				 * address space it has this round (an exec
				 * makes another) */
	int seen;		/* scanned whole and sent in a round */
	int listed;		/* in this round's tree */
	struct runs rs;
};

struct sender {
	pid_t pid;		/* the process, or the tree's first */
	int tree;		/* the tree of @pid (ckpt_list_tree()) */
	int pidfd;
	int sock;
	int dev;		/* /dev/ckpt */
	int32_t pids[CKPT_MAX_TREE];	/* held this round */
	int holds[CKPT_MAX_TREE];	/* CKPT_IOC_FREEZE's, or -1 */
	unsigned int nr_held;
	struct member *m;	/* CKPT_MAX_TREE */
	unsigned int nr;
	unsigned int named;	/* processes ever added: the receiver's
				 * bound is PC_MAX */
	unsigned char *buf;	/* record header, struct ckpt_rec_pages,
				 * CKPT_PAGES_MAX checksums, then as many
				 * pages at DATA_OFF */
	uint64_t *pm;		/* PM_CHUNK entries */
	uint64_t bytes;
	int link_err;
	char *why;
	size_t why_len;
};

/*
 * Hold the process (the tree's, all of them) for the atomic
 * read-and-reset of its dirty bits: the module's freeze
 * (CKPT_IOC_FREEZE), not SIGSTOP, so that nothing shows to it, its parent
 * or a shell, and nobody can continue it meanwhile.
 */
static int pause_procs(struct sender *s)
{
	int err;

	if (s->tree) {
		err = ckpt_hold_tree(s->dev, s->pid, s->pids, &s->nr_held,
				     s->holds);
	} else {
		s->pids[0] = s->pid;
		s->nr_held = 1;
		err = ckpt_hold_all(s->dev, s->pids, 1, s->holds);
	}
	if (err) {
		s->nr_held = 0;
		say(s->why, s->why_len, "cannot hold %s for a pre-copy round: %s",
		    s->tree ? "its tree" : "it", err == -EAGAIN ?
		    "the tree kept changing while it was held" :
		    strerror(-err));
	}
	return err;
}

static void resume_procs(struct sender *s)
{
	ckpt_release_all(s->holds, s->nr_held);
	s->nr_held = 0;
}

static int clear_refs(struct sender *s, const struct member *mb)
{
	/* an incremental chain's record goes with it (incr.h) */
	int err = ckpt_soft_dirty_reset(mb->pid);

	if (err)
		say(s->why, s->why_len, "cannot reset its soft-dirty bits (/proc/%d/clear_refs): %s",
		    (int)mb->pid, strerror(-err));
	return err;
}

/* Its /proc files of this round's address space closed. */
static void member_close_mm(struct member *mb)
{
	if (mb->pagemap >= 0)
		close(mb->pagemap);
	if (mb->mem >= 0)
		close(mb->mem);
	mb->pagemap = mb->mem = -1;
}

static void member_close(struct member *mb)
{
	member_close_mm(mb);
	if (mb->pidfd >= 0)
		close(mb->pidfd);
	mb->pidfd = -1;
}

/*
 * Its /proc files, opened again each round (held): the address space it
 * has now.  The pagemap is closed after the scan (three descriptors a
 * process at most, with its hold: 256 processes fit in 1024).
 */
static int member_open_mm(struct sender *s, struct member *mb)
{
	char path[64];
	int err;

	member_close_mm(mb);
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)mb->pid);
	mb->pagemap = open(path, O_RDONLY | O_CLOEXEC);
	if (mb->pagemap >= 0) {
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)mb->pid);
		mb->mem = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (mb->pagemap < 0 || mb->mem < 0) {
		err = -errno;
		say(s->why, s->why_len, "cannot open %s: %s", path,
		    strerror(-err));
		return err;
	}
	return 0;
}

/* Forget the members not listed this round (gone from the tree). */
static void members_prune(struct sender *s)
{
	unsigned int i, j;

	for (i = j = 0; i < s->nr; i++) {
		if (!s->m[i].listed) {
			member_close(&s->m[i]);
			free(s->m[i].rs.v);
			continue;
		}
		if (i != j)
			s->m[j] = s->m[i];
		j++;
	}
	s->nr = j;
}

/*
 * The pages of its private mappings that a checkpoint would save (present
 * or swapped, anonymous), all of them or only the soft-dirty ones.
 */
static int scan(struct sender *s, struct member *mb, int dirty_only)
{
	struct runs *rs = &mb->rs;
	char path[64], line[4352];
	FILE *maps;
	int err = 0;

	rs->n = 0;
	rs->pages = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)mb->pid);
	maps = fopen(path, "re");
	if (!maps) {
		err = -errno;
		say(s->why, s->why_len, "cannot read %s: %s", path,
		    strerror(-err));
		return err;
	}
	while (!err && fgets(line, sizeof(line), maps)) {
		unsigned long long start, end, ino;
		char perms[8], dev[16];
		int name_at = 0;
		uint64_t a;

		if (sscanf(line, "%llx-%llx %7s %*x %15s %llu %n", &start, &end,
			   perms, dev, &ino, &name_at) < 5)
			continue;
		if (perms[3] != 'p' || end > CKPT_IMG_TASK_SIZE_MAX)
			continue;	/* shared: the module saves it all */
		if (name_at && (!strncmp(line + name_at, "[vvar]", 6) ||
				!strncmp(line + name_at, "[vdso]", 6)))
			continue;
		/*
		 * Private hugetlb memory keeps no soft-dirty bit: the freeze
		 * sends all of it (module/mem.c), so a round would be waste.
		 */
		if (name_at && !strncmp(line + name_at, "/anon_hugepage", 14))
			continue;
		for (a = start; !err && a < end;) {
			size_t n = (end - a) / PG, i;
			ssize_t got;

			if (n > PM_CHUNK)
				n = PM_CHUNK;
			got = pread(mb->pagemap, s->pm, n * 8, (a / PG) * 8);
			if (got <= 0) {
				err = got ? -errno : -ENODATA;
				say(s->why, s->why_len, "cannot read the pagemap of %d: %s",
				    (int)mb->pid, strerror(-err));
				break;
			}
			n = got / 8;
			for (i = 0; !err && i < n; i++) {
				uint64_t e = s->pm[i];

				if (!(e & (PM_PRESENT | PM_SWAP)))
					continue;
				if (ino && (e & PM_FILE))
					continue; /* the file's own page */
				if (dirty_only && !(e & PM_SOFT_DIRTY))
					continue;
				err = runs_add(rs, a + i * PG);
			}
			a += n * PG;
		}
	}
	fclose(maps);
	return err;
}

/* Read @nr pages at @addr into @dst; pages that cannot be read: -1. */
static long read_pages(const struct member *mb, uint64_t addr, uint64_t nr,
		       unsigned char *dst)
{
	struct iovec l = { dst, nr * PG };
	struct iovec r = { (void *)(uintptr_t)addr, nr * PG };
	struct pollfd exited = { .fd = mb->pidfd, .events = POLLIN };
	ssize_t n = process_vm_readv(mb->pid, &l, 1, &r, 1, 0);
	int err = errno;

	/* gone before the read: the PID may be another process's now */
	if (poll(&exited, 1, 0) > 0)
		return -ESRCH;
	if (n >= (ssize_t)PG)
		return n / PG;
	if (n < 0 && err == ESRCH)
		return -ESRCH;
	/* PROT_NONE or unreadable: /proc/PID/mem reads as ptrace does. */
	n = pread(mb->mem, dst, PG, (off_t)addr);
	if (n == (ssize_t)PG && poll(&exited, 1, 0) > 0)
		return -ESRCH;
	return n == (ssize_t)PG ? 1 : -1;
}

static int send_out(struct sender *s, const void *buf, size_t len,
		    uint32_t round)
{
	int err = ckpt_mig_send(s->sock, buf, len);

	if (err) {
		s->link_err = 1;
		if (err == -EAGAIN)
			err = -ETIMEDOUT;
		say(s->why, s->why_len, "the connection broke during pre-copy round %u (the receiver died or closed it): %s",
		    round, strerror(-err));
		return err;
	}
	s->bytes += len;
	return 0;
}

static int send_record(struct sender *s, uint64_t addr, uint32_t nr,
		       uint32_t round)
{
	struct ckpt_rec_header *h = (void *)s->buf;
	struct ckpt_rec_pages *rp = (void *)(h + 1);
	uint32_t *csums = (void *)(rp + 1), i;
	size_t meta = sizeof(*rp) + (size_t)nr * sizeof(*csums);
	int err;

	memset(h, 0, sizeof(*h) + sizeof(*rp));
	h->type = CKPT_REC_PRECOPY;
	h->len = meta + (size_t)nr * PG;
	rp->addr = addr;
	rp->nr_pages = nr;
	rp->reserved = round;
	for (i = 0; i < nr; i++)
		csums[i] = precopy_page_csum(addr + i * PG, s->buf + DATA_OFF + i * PG);
	h->csum = ckpt_csum2(h, sizeof(*h), rp, meta);
	err = send_out(s, s->buf, sizeof(*h) + meta, round);
	if (!err && nr)
		err = send_out(s, s->buf + DATA_OFF, (size_t)nr * PG, round);
	return err;
}

/* A tree's: the PRECOPY records that follow are @mb's. */
static int send_member(struct sender *s, const struct member *mb,
		       uint32_t round)
{
	struct {
		struct ckpt_rec_header h;
		struct ckpt_rec_precopy_task t;
	} r;

	memset(&r, 0, sizeof(r));
	r.h.type = CKPT_REC_PRECOPY_TASK;
	r.h.len = sizeof(r.t);
	r.t.pid = mb->pid;
	r.h.csum = ckpt_csum2(&r.h, sizeof(r.h), &r.t, sizeof(r.t));
	return send_out(s, &r, sizeof(r), round);
}

/*
 * Send the pages of @mb's runs; pages that vanished meanwhile are
 * skipped.  A process of a tree that exited meanwhile: 0, nothing more
 * of it (its place in the image will be a zombie's, or none).
 */
static int send_runs(struct sender *s, const struct member *mb,
		     uint32_t round, uint64_t *sent)
{
	const struct runs *rs = &mb->rs;
	unsigned char *data = s->buf + DATA_OFF;
	size_t i;
	int err;

	for (i = 0; i < rs->n; i++) {
		uint64_t a = rs->v[i].addr, end = a + rs->v[i].nr * PG;

		while (a < end) {
			uint64_t nr = (end - a) / PG;
			long got;

			if (nr > CKPT_PAGES_MAX)
				nr = CKPT_PAGES_MAX;
			got = read_pages(mb, a, nr, data);
			if (got == -ESRCH && s->tree)
				return 0;
			if (got == -ESRCH) {
				say(s->why, s->why_len, "it exited during pre-copy round %u",
				    round);
				return -ESRCH;
			}
			if (got < 0) {	/* unmapped meanwhile */
				a += PG;
				continue;
			}
			err = send_record(s, a, (uint32_t)got, round);
			if (err)
				return err;
			*sent += got;
			a += got * PG;
		}
	}
	return 0;
}

/* Has the receiver sent something (a refusal) or closed? */
static int peer_spoke(int sock)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

/*
 * One round's members, the processes held: those of earlier rounds (the
 * same PID and start time) kept, those gone forgotten, new ones added
 * (every page to send: a fork's inherited bits say nothing of what we
 * have).  Zombies and processes gone have no pages.
 */
static int list_members(struct sender *s, int *fresh)
{
	unsigned long long start[CKPT_MAX_TREE];
	char state, live[CKPT_MAX_TREE];
	struct member *mb;
	unsigned int i, j;
	uid_t uid;
	int err;

	*fresh = 0;
	for (j = 0; j < s->nr; j++)
		s->m[j].listed = 0;
	for (i = 0; i < s->nr_held; i++) {
		live[i] = 0;
		if (s->holds[i] < 0)
			continue;	/* gone, or a zombie */
		err = ckpt_proc_stat(s->pids[i], &state, &start[i], &uid);
		if (err == -ENOENT || (!err && ckpt_state_dead(state)))
			continue;
		if (err) {
			say(s->why, s->why_len, "cannot read /proc/%d/stat: %s",
			    (int)s->pids[i], strerror(-err));
			return err;
		}
		live[i] = 1;
		for (j = 0; j < s->nr; j++)
			if (s->m[j].pid == s->pids[i] &&
			    s->m[j].start == start[i])
				s->m[j].listed = 1;
	}
	members_prune(s);
	for (i = 0; i < s->nr_held; i++) {
		for (j = 0; live[i] && j < s->nr &&
			    (s->m[j].pid != s->pids[i] ||
			     s->m[j].start != start[i]); j++)
			;
		if (!live[i] || j < s->nr)
			continue;
		/* at most the processes held: CKPT_MAX_TREE */
		mb = &s->m[s->nr++];
		memset(mb, 0, sizeof(*mb));
		mb->pagemap = mb->mem = -1;
		mb->pid = s->pids[i];
		mb->start = start[i];
		mb->listed = 1;
		mb->pidfd = pidfd_open(mb->pid, 0);
		if (mb->pidfd < 0 && errno == ESRCH) {
			s->nr--;	/* killed and reaped meanwhile */
			continue;
		}
		if (mb->pidfd < 0) {
			err = -errno;
			say(s->why, s->why_len, "cannot open a pidfd of %d: %s",
			    (int)mb->pid, strerror(-err));
			return err;
		}
		if (!s->tree && s->named) {
			/* its PID another process's now */
			say(s->why, s->why_len, "it exited during the pre-copy");
			return -ESRCH;
		}
		if (++s->named > PC_MAX) {
			say(s->why, s->why_len, "more than %d processes came and went during the pre-copy",
			    PC_MAX);
			return -EAGAIN;
		}
		*fresh = 1;
	}
	return 0;
}

/*
 * One round's scan, the processes held: each process's dirty pages, or
 * all of them for a process new to the rounds.  The pages found, in all;
 * *@fresh if a process is new.
 */
static int scan_members(struct sender *s, uint64_t *pages, int *fresh)
{
	unsigned int i;
	int err;

	*pages = 0;
	err = list_members(s, fresh);
	for (i = 0; !err && i < s->nr; i++) {
		err = member_open_mm(s, &s->m[i]);
		if (!err)
			err = scan(s, &s->m[i], s->m[i].seen);
		if (s->m[i].pagemap >= 0)
			close(s->m[i].pagemap);
		s->m[i].pagemap = -1;
		*pages += s->m[i].rs.pages;
	}
	return err;
}

int precopy_send(pid_t pid, int pidfd, int sock, unsigned int max_rounds,
		 int tree, int verbose, struct precopy_stats *st,
		 int *link_err, char *why, size_t why_len)
{
	struct sender s = { .pid = pid, .tree = tree, .pidfd = pidfd,
			    .sock = sock, .dev = -1, .why = why,
			    .why_len = why_len };
	uint64_t prev = 0, sent, dirty;
	unsigned int i;
	int err = 0, fresh;

	memset(st, 0, sizeof(*st));
	*link_err = 0;
	if (max_rounds < 1 || max_rounds > PRECOPY_MAX_ROUNDS_LIM)
		max_rounds = PRECOPY_MAX_ROUNDS;
	s.buf = malloc(DATA_OFF + (size_t)CKPT_PAGES_MAX * PG);
	s.pm = malloc(PM_CHUNK * sizeof(*s.pm));
	s.m = calloc(CKPT_MAX_TREE, sizeof(*s.m));
	if (!s.buf || !s.pm || !s.m) {
		err = -ENOMEM;
		say(why, why_len, "out of memory");
		goto out;
	}
	s.dev = ckpt_dev_open();
	if (s.dev < 0) {
		err = s.dev;
		say(why, why_len, "cannot open %s: %s", CKPT_DEV_PATH,
		    strerror(-err));
		goto out;
	}
	for (st->rounds = 0;; st->rounds++) {
		struct precopy_round *r = &st->r[st->rounds];
		int64_t t0 = now_us(), tp;

		err = pause_procs(&s);
		if (err)
			goto out;
		tp = now_us();
		err = scan_members(&s, &dirty, &fresh);
		if (!err && !s.nr && !s.tree) {
			err = -ESRCH;
			say(why, why_len, "it exited during pre-copy round %u",
			    st->rounds);
		}
		if (err) {
			resume_procs(&s);
			goto out;
		}
		st->last_dirty = dirty;
		/*
		 * Stop here (the freeze sends what is dirty), unless a
		 * process is new to the rounds: its pages all go out in a
		 * round first, and the bits of every process are reset with
		 * its (one reset may clear another's: CLONE_VM).
		 */
		if (fresh && st->rounds >= max_rounds + PRECOPY_FORK_ROUNDS) {
			resume_procs(&s);
			err = -EAGAIN;
			say(why, why_len, "processes kept joining the tree through %u pre-copy rounds",
			    st->rounds);
			goto out;
		}
		if (st->rounds > 0 && !fresh) {
			st->why = dirty <= PRECOPY_MIN_DIRTY ?
				  "few dirty pages" :
				  st->rounds >= max_rounds ? "round limit" :
				  dirty * 10 > prev * 9 ? "no progress" :
				  NULL;
			if (st->why) {
				resume_procs(&s);
				break;
			}
		}
		for (i = 0; !err && i < s.nr; i++)
			err = clear_refs(&s, &s.m[i]);
		r->pause_us = now_us() - tp;
		resume_procs(&s);
		if (err)
			goto out;
		sent = 0;
		for (i = 0; !err && i < s.nr; i++) {
			if (s.tree && s.m[i].rs.n)
				err = send_member(&s, &s.m[i], st->rounds);
			if (!err)
				err = send_runs(&s, &s.m[i], st->rounds,
						&sent);
			s.m[i].seen = 1;
		}
		if (!err && peer_spoke(sock)) {
			/* A verdict now is a refusal: stop sending. */
			s.link_err = 1;
			err = -ECONNABORTED;
			say(why, why_len, "the receiver stopped the pre-copy in round %u",
			    st->rounds);
		}
		if (err)
			goto out;
		r->pages = sent;
		r->ms = (now_us() - t0) / 1000;
		st->pages += sent;
		prev = dirty;
		if (verbose) {
			char procs[48] = "";

			if (s.tree)
				snprintf(procs, sizeof(procs), ", %u processes",
					 s.nr);
			fprintf(stderr, "ckpt: live round %u: %" PRIu64 " pages (%" PRIu64 " KiB) in %" PRIu64 " ms, paused %" PRIu64 " us%s\n",
				st->rounds, sent, sent * PG / 1024, r->ms,
				r->pause_us, procs);
		}
		if (st->rounds + 1 >= PRECOPY_MAX_ROUNDS_LIM) {
			st->rounds++;
			st->why = "round limit";
			break;
		}
	}
	/* what the freeze must find again (precopy_members_ok()) */
	for (i = 0; i < s.nr; i++) {
		st->members[i].pid = s.m[i].pid;
		st->members[i].start = s.m[i].start;
	}
	st->nr_members = s.nr;
	err = send_record(&s, 0, 0, st->rounds);
out:
	st->bytes = s.bytes;
	*link_err = s.link_err;
	for (i = 0; s.m && i < s.nr; i++) {
		member_close(&s.m[i]);
		free(s.m[i].rs.v);
	}
	if (s.dev >= 0)
		close(s.dev);
	free(s.m);
	free(s.buf);
	free(s.pm);
	return err;
}

int precopy_members_ok(const struct precopy_stats *st, const int32_t *pids,
		       unsigned int n, pid_t *stranger)
{
	unsigned long long start;
	unsigned int i, j;
	char state;
	uid_t uid;

	for (i = 0; i < n; i++) {
		if (ckpt_proc_stat(pids[i], &state, &start, &uid) ||
		    ckpt_state_dead(state))
			continue;	/* no pages of its own to name */
		for (j = 0; j < st->nr_members &&
			    (st->members[j].pid != pids[i] ||
			     st->members[j].start != start); j++)
			;
		if (j == st->nr_members) {
			*stranger = pids[i];
			return 0;
		}
	}
	return 1;
}

/* ==== receiver ====================================================== */

struct page_rec {
	struct ckpt_rec_header h;
	struct ckpt_rec_pages rp;
};

/*
 * Pre-copied pages, by key: an open-addressing hash into slots.  A key is
 * a page's address, with the index of its process in a tree's TREE record
 * in the low bits (page_key()).
 */
struct store {
	unsigned char *data;	/* PRECOPY_MAX_BYTES, reserved */
	struct page_rec *hdr;	/* each slot's page as a one-page PAGES
				 * record: its header (checksum included) */
	uint64_t nr;		/* slots used */
	uint64_t *keys;		/* key + 1; 0 is empty */
	uint32_t *slot;
	uint64_t cap;		/* a power of two */
	uint64_t seed;		/* of hash(), random */
};

/* The page at @addr of the process keyed @key (0: alone). */
static uint64_t page_key(uint64_t addr, uint32_t key)
{
	return addr | key;	/* key < PG */
}

/*
 * The page number and process, seeded at random and mixed (splitmix64's
 * finalizer) so that every bit of them reaches the low bits the table
 * uses: a sender cannot choose addresses that all fall into one probe
 * chain (with a multiplication alone, page numbers that are multiples of
 * 2^21 did).  Page numbers stay below 2^44 (CKPT_IMG_TASK_SIZE_MAX).
 */
static uint64_t hash(const struct store *st, uint64_t key)
{
	uint64_t x = (key / PG ^ (key % PG) << 52) ^ st->seed;

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ x >> 31;
}

static int64_t store_find(const struct store *st, uint64_t key)
{
	uint64_t i = hash(st, key) & (st->cap - 1);

	while (st->keys[i]) {
		if (st->keys[i] == key + 1)
			return st->slot[i];
		i = (i + 1) & (st->cap - 1);
	}
	return -1;
}

static int store_grow(struct store *st)
{
	uint64_t cap = st->cap ? st->cap * 2 : 65536, i, j;
	uint64_t *keys = calloc(cap, sizeof(*keys));
	uint32_t *slot = calloc(cap, sizeof(*slot));

	if (!keys || !slot) {
		free(keys);
		free(slot);
		return -ENOMEM;
	}
	/* The first table, still empty: any seed will do. */
	if (!st->cap &&
	    getrandom(&st->seed, sizeof(st->seed), 0) != sizeof(st->seed))
		st->seed = (uint64_t)ckpt_now_ms() * 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < st->cap; i++) {
		if (!st->keys[i])
			continue;
		j = hash(st, st->keys[i] - 1) & (cap - 1);
		while (keys[j])
			j = (j + 1) & (cap - 1);
		keys[j] = st->keys[i];
		slot[j] = st->slot[i];
	}
	free(st->keys);
	free(st->slot);
	st->keys = keys;
	st->slot = slot;
	st->cap = cap;
	return 0;
}

/* The slot of the page of @key (a new one, or its old one), or -1. */
static int64_t store_put(struct store *st, uint64_t key)
{
	int64_t s = store_find(st, key);
	uint64_t i;

	if (s >= 0)
		return s;
	if (st->nr >= PRECOPY_MAX_BYTES / PG)
		return -1;
	if ((st->nr + 1) * 2 > st->cap && store_grow(st))
		return -1;
	i = hash(st, key) & (st->cap - 1);
	while (st->keys[i])
		i = (i + 1) & (st->cap - 1);
	st->keys[i] = key + 1;
	st->slot[i] = (uint32_t)st->nr;
	return (int64_t)st->nr++;
}

static void store_free(struct store *st)
{
	if (st->data && st->data != MAP_FAILED)
		munmap(st->data, PRECOPY_MAX_BYTES);
	if (st->hdr && st->hdr != MAP_FAILED)
		munmap(st->hdr, PRECOPY_MAX_BYTES / PG * sizeof(*st->hdr));
	free(st->keys);
	free(st->slot);
}

/* Read exactly @len bytes; -ENODATA at EOF, -ETIMEDOUT (SO_RCVTIMEO). */
static int rd(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK) ?
			       -ETIMEDOUT : -errno;
		if (!n)
			return -ENODATA;
		p += n;
		len -= n;
	}
	return 0;
}

struct merger {
	int conn;
	int out;
	int plain;		/* @out is no pipe: write(), no vmsplice() */
	int zero_missing;	/* a clean page not stored held zeros */
	uint64_t max_out;	/* with zero_missing: bytes out, at most */
	uint64_t out_bytes;
	struct store st;
	unsigned char *buf;	/* one record: header, PAGES payload */
	uint64_t offset;	/* in the dirty-only image */
	uint64_t nr_records;	/* written to the merged image */
	uint64_t nr_pages;
	/*
	 * Trees (incremental images only: precopy_merge_files()): the
	 * parent's TREE record (@nr_parent processes, 1 without one) and
	 * the index in it of the process whose records are being read.
	 */
	int trees;
	struct ckpt_rec_tree_task *parent_tree;
	uint32_t nr_parent;
	uint32_t task;
	/*
	 * Whose address space each process uses (its SHARES record's
	 * vm_pid, 0 for its own), in the parent and in the image: pages
	 * are keyed by the place of the process that saves them.
	 */
	int32_t parent_vm[CKPT_MAX_TREE];
	int32_t vm[CKPT_MAX_TREE];
	/*
	 * A tree's live migration: the processes the pre-copy named
	 * (PRECOPY_TASK), in the order first named; their pages are keyed
	 * by that index.  @key: the index the pages being read are keyed
	 * by (a process's place in an incremental chain).
	 */
	int32_t pc_pids[PC_MAX];
	uint32_t nr_pc;
	uint32_t key;
	int32_t cur_pid;	/* a tree's process being read, for messages */
	char *why;
	size_t why_len;
};

static const size_t rec_buf_size = sizeof(struct ckpt_rec_header) +
				   sizeof(struct ckpt_rec_pages) +
				   (size_t)CKPT_PAGES_MAX * PG;

static int rd_fail(struct merger *m, int err, const char *what)
{
	say(m->why, m->why_len, "%s: %s", what, err == -ENODATA ?
	    "the stream ends early (the sender died or closed it)" :
	    err == -ETIMEDOUT ? "no data within the timeout" :
	    strerror(-err));
	return err;
}

/* One record into m->buf, its checksum checked; its type's length bound. */
static int read_record(struct merger *m, const char *what)
{
	struct ckpt_rec_header *h = (void *)m->buf;
	uint32_t csum, max;
	int err;

	err = rd(m->conn, h, sizeof(*h));
	if (err)
		return rd_fail(m, err, what);
	max = (h->type == CKPT_REC_PAGES || h->type == CKPT_REC_PRECOPY) ?
	      rec_buf_size - sizeof(*h) : CKPT_REC_MAX_META;
	if (!h->type || h->type > CKPT_REC_MAX || h->flags || h->len > max) {
		say(m->why, m->why_len, "%s: bad record header (type %u, length %u) at offset %" PRIu64,
		    what, h->type, h->len, m->offset);
		return -EBADMSG;
	}
	err = rd(m->conn, h + 1, h->len);
	if (err)
		return rd_fail(m, err, what);
	csum = h->csum;
	h->csum = 0;
	if (ckpt_csum2(h, sizeof(*h), h + 1, h->len) != csum) {
		say(m->why, m->why_len, "%s: bad checksum of a %s record at offset %" PRIu64,
		    what, ckpt_rec_name(h->type), m->offset);
		return -EBADMSG;
	}
	h->csum = csum;
	m->offset += sizeof(*h) + h->len;
	return 0;
}

static int check_pages(const struct ckpt_rec_header *h, int with_data)
{
	const struct ckpt_rec_pages *rp = (const void *)(h + 1);

	if (h->len < sizeof(*rp))
		return -EBADMSG;
	if (!rp->nr_pages || rp->nr_pages > CKPT_PAGES_MAX ||
	    rp->addr % PG || rp->addr > CKPT_IMG_TASK_SIZE_MAX -
	    (uint64_t)rp->nr_pages * PG)
		return -EBADMSG;
	if (h->len != sizeof(*rp) + (with_data ? rp->nr_pages * PG : 0))
		return -EBADMSG;
	return 0;
}

/* The index of @pid among the processes the pre-copy named, or -1. */
static int pc_index(const struct merger *m, int32_t pid)
{
	uint32_t i;

	for (i = 0; i < m->nr_pc; i++)
		if (m->pc_pids[i] == pid)
			return (int)i;
	return -1;
}

/* A PRECOPY_TASK record (its header in m->buf): whose pages follow. */
static int take_member(struct merger *m)
{
	struct ckpt_rec_header *h = (void *)m->buf;
	struct ckpt_rec_precopy_task *t = (void *)(h + 1);
	uint32_t csum;
	int err, i;

	if (h->flags || h->len != sizeof(*t)) {
		say(m->why, m->why_len, "pre-copy: bad PRECOPY_TASK record (length %u) at offset %" PRIu64,
		    h->len, m->offset);
		return -EBADMSG;
	}
	err = rd(m->conn, t, sizeof(*t));
	if (err)
		return rd_fail(m, err, "pre-copy");
	csum = h->csum;
	h->csum = 0;
	if (ckpt_csum2(h, sizeof(*h), t, sizeof(*t)) != csum || t->pid <= 0 ||
	    t->reserved) {
		say(m->why, m->why_len, "pre-copy: bad PRECOPY_TASK record at offset %" PRIu64,
		    m->offset);
		return -EBADMSG;
	}
	m->offset += sizeof(*h) + h->len;
	i = pc_index(m, t->pid);
	if (i < 0 && m->nr_pc == PC_MAX) {
		say(m->why, m->why_len, "pre-copy: pages of more than %d processes",
		    PC_MAX);
		return -EBADMSG;
	}
	if (i < 0) {
		i = (int)m->nr_pc++;
		m->pc_pids[i] = t->pid;
	}
	m->key = (uint32_t)i;
	return 0;
}

/*
 * PRECOPY records: struct ckpt_rec_pages, a checksum per page, the pages.
 * The record's own checksum covers its header, struct ckpt_rec_pages and
 * the page checksums; each page is checked against its own (precopy_page_csum())
 * as it lands in the store.
 */
static int receive_rounds(struct merger *m, uint64_t *pages)
{
	struct ckpt_rec_header *h = (void *)m->buf;
	struct ckpt_rec_pages *rp = (void *)(h + 1);
	uint32_t *csums = (void *)(rp + 1), i, csum;
	size_t meta;
	int err;

	for (;;) {
		err = rd(m->conn, h, sizeof(*h));
		if (!err && h->type == CKPT_REC_PRECOPY_TASK) {
			err = take_member(m);
			if (err)
				return err;
			continue;
		}
		if (!err)
			err = rd(m->conn, rp, sizeof(*rp));
		if (err)
			return rd_fail(m, err, "pre-copy");
		if (h->type != CKPT_REC_PRECOPY || h->flags ||
		    h->len < sizeof(*rp) || rp->nr_pages > CKPT_PAGES_MAX) {
			say(m->why, m->why_len, "pre-copy: bad record (type %u, length %u) at offset %" PRIu64,
			    h->type, h->len, m->offset);
			return -EBADMSG;
		}
		meta = sizeof(*rp) + (size_t)rp->nr_pages * sizeof(*csums);
		if (h->len != meta + (size_t)rp->nr_pages * PG ||
		    (rp->nr_pages && (rp->addr % PG || rp->addr >
				      CKPT_IMG_TASK_SIZE_MAX -
				      (uint64_t)rp->nr_pages * PG)) ||
		    (!rp->nr_pages && rp->addr)) {
			say(m->why, m->why_len, "pre-copy: bad PRECOPY record at offset %" PRIu64 " (0x%llx, %u pages)",
			    m->offset, (unsigned long long)rp->addr,
			    rp->nr_pages);
			return -EBADMSG;
		}
		err = rd(m->conn, csums, meta - sizeof(*rp));
		if (err)
			return rd_fail(m, err, "pre-copy");
		csum = h->csum;
		h->csum = 0;
		if (ckpt_csum2(h, sizeof(*h), rp, meta) != csum) {
			say(m->why, m->why_len, "pre-copy: bad checksum of the record at offset %" PRIu64,
			    m->offset);
			return -EBADMSG;
		}
		m->offset += sizeof(*h) + h->len;
		if (!rp->nr_pages)
			return 0;	/* the end of the pre-copy */
		for (i = 0; i < rp->nr_pages; i++) {
			uint64_t addr = rp->addr + i * PG;
			int64_t s = store_put(&m->st, page_key(addr, m->key));
			unsigned char *dst;

			if (s < 0) {
				say(m->why, m->why_len, "pre-copy: more than %llu MiB of distinct pages",
				    PRECOPY_MAX_BYTES >> 20);
				return -EFBIG;
			}
			dst = m->st.data + (uint64_t)s * PG;
			err = rd(m->conn, dst, PG);
			if (err)
				return rd_fail(m, err, "pre-copy");
			if (precopy_page_csum(addr, dst) != csums[i]) {
				say(m->why, m->why_len, "pre-copy: bad checksum of the page at 0x%llx",
				    (unsigned long long)addr);
				return -EBADMSG;
			}
			memset(&m->st.hdr[s], 0, sizeof(m->st.hdr[s]));
			m->st.hdr[s].h.type = CKPT_REC_PAGES;
			m->st.hdr[s].h.len = sizeof(m->st.hdr[s].rp) + PG;
			m->st.hdr[s].h.csum = csums[i];
			m->st.hdr[s].rp.addr = addr;
			m->st.hdr[s].rp.nr_pages = 1;
		}
		*pages += rp->nr_pages;
	}
}

static int out_splice(struct merger *m, struct iovec *iov, int n)
{
	while (n) {
		ssize_t w = m->plain ? writev(m->out, iov, n) :
			    vmsplice(m->out, iov, n, 0);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			say(m->why, m->why_len, "cannot pass the merged image on: %s",
			    strerror(errno));
			return -errno;
		}
		while (n && (size_t)w >= iov->iov_len) {
			w -= iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= w;
		}
	}
	return 0;
}

static int out_write(struct merger *m, const void *buf, size_t len)
{
	int err = ckpt_write_full(m->out, buf, len);

	if (err)
		say(m->why, m->why_len, "cannot pass the merged image on: %s",
		    strerror(-err));
	return err;
}

/*
 * A PRECOPY_CLEAN record becomes a PAGES record of pre-copied data.  The
 * pages themselves are not copied here: vmsplice() hands the store's
 * pages to the pipe (they do not change any more); only the record's
 * checksum is computed, in parallel with the restore reading the pipe.
 */
static const unsigned char zero_page[PG];

static int expand_clean(struct merger *m)
{
	struct ckpt_rec_header *h = (void *)m->buf;
	struct ckpt_rec_pages *rp = (void *)(h + 1);
	struct iovec iov[CKPT_PAGES_MAX];
	struct ckpt_csum cs;
	uint32_t i;
	int err;

	if (check_pages(h, 0)) {
		say(m->why, m->why_len, "bad PRECOPY_CLEAN record at offset %" PRIu64,
		    m->offset - sizeof(*h) - h->len);
		return -EBADMSG;
	}
	h->type = CKPT_REC_PAGES;
	h->len = sizeof(*rp) + rp->nr_pages * PG;
	h->csum = 0;
	ckpt_csum_init(&cs);
	ckpt_csum_update(&cs, h, sizeof(*h) + sizeof(*rp));
	for (i = 0; i < rp->nr_pages; i++) {
		uint64_t addr = rp->addr + i * PG;
		int64_t s = store_find(&m->st, page_key(addr, m->key));

		if (s < 0 && !m->zero_missing) {
			say(m->why, m->why_len, "the page at 0x%llx of process %d is clean but was never pre-copied",
			    (unsigned long long)addr, (int)m->cur_pid);
			return -EBADMSG;
		}
		iov[i].iov_base = s < 0 ? (void *)zero_page :
				  m->st.data + (uint64_t)s * PG;
		iov[i].iov_len = PG;
		ckpt_csum_update(&cs, iov[i].iov_base, PG);
	}
	h->csum = (uint32_t)ckpt_csum_digest(&cs);
	m->nr_pages += rp->nr_pages;
	m->out_bytes += (uint64_t)rp->nr_pages * PG;
	if (m->zero_missing && m->out_bytes > m->max_out) {
		say(m->why, m->why_len, "the merged image would exceed %" PRIu64 " bytes, more than this machine can hold",
		    m->max_out);
		return -EFBIG;
	}
	m->nr_records++;
	err = out_write(m, h, sizeof(*h) + sizeof(*rp));
	return err ? err : out_splice(m, iov, rp->nr_pages);
}

/*
 * The TREE record (in m->buf) of an image of @nr processes, which must
 * come first: its entries into *@tree (malloc()ed), how many processes
 * have records (not zombies) into *@sections.
 */
static int take_tree(struct merger *m, const char *what, uint32_t nr,
		     struct ckpt_rec_tree_task **tree, uint32_t *sections)
{
	const struct ckpt_rec_header *h = (const void *)m->buf;
	uint32_t i, n = 0;

	if (h->type != CKPT_REC_TREE || h->len != nr * sizeof(**tree)) {
		say(m->why, m->why_len, "%s: of %u processes, but without a TREE record of them first",
		    what, nr);
		return -EBADMSG;
	}
	*tree = malloc(h->len);
	if (!*tree) {
		say(m->why, m->why_len, "%s: out of memory", what);
		return -ENOMEM;
	}
	memcpy(*tree, h + 1, h->len);
	for (i = 0; i < nr; i++)
		n += !((*tree)[i].flags & CKPT_TREE_ZOMBIE);
	if (!n || (*tree)[0].flags & CKPT_TREE_ZOMBIE) {
		say(m->why, m->why_len, "%s: a TREE record whose first process is a zombie",
		    what);
		return -EBADMSG;
	}
	*sections = n;
	return 0;
}

/*
 * A TASK record (in m->buf) of a tree's image: the records of the next
 * process of @tree with records (after m->task: @first for the first)
 * begin; its PID must be that one's.  The pages that follow are that
 * process's (page_key()).
 */
static int next_task(struct merger *m, const char *what,
		     const struct ckpt_rec_tree_task *tree, uint32_t nr,
		     int first)
{
	const struct ckpt_rec_header *h = (const void *)m->buf;
	uint32_t i = first ? 0 : m->task + 1;
	int32_t pid;

	while (i < nr && tree[i].flags & CKPT_TREE_ZOMBIE)
		i++;
	if (h->len < sizeof(pid)) {
		say(m->why, m->why_len, "%s: a TASK record of %u bytes", what,
		    h->len);
		return -EBADMSG;
	}
	memcpy(&pid, h + 1, sizeof(pid));
	if (i >= nr || tree[i].pid != pid) {
		say(m->why, m->why_len, "%s: the records of process %d where its TREE record has %d",
		    what, pid, i < nr ? tree[i].pid : 0);
		return -EBADMSG;
	}
	m->task = i;
	return 0;
}

/* A SHARES record (in m->buf) of the process at m->task: into @vm. */
static int take_shares(struct merger *m, const char *what, int32_t *vm)
{
	const struct ckpt_rec_header *h = (const void *)m->buf;
	struct ckpt_rec_shares sh;

	if (h->len != sizeof(sh)) {
		say(m->why, m->why_len, "%s: a SHARES record of %u bytes", what,
		    h->len);
		return -EBADMSG;
	}
	memcpy(&sh, h + 1, sizeof(sh));
	vm[m->task] = sh.vm_pid;
	return 0;
}

/*
 * At the END of the records of the process at m->task: it must use the
 * address space it used in the parent image (its own, or the same
 * earlier process's), else its clean pages would be looked for under
 * another process's place (after an exec of the process it shared
 * with, say).
 */
static void vm_name(int32_t vm_pid, char *buf, size_t len)
{
	if (vm_pid)
		snprintf(buf, len, "the address space of process %d", vm_pid);
	else
		snprintf(buf, len, "its own address space");
}

static int same_vm(struct merger *m)
{
	int32_t was = m->parent_vm[m->task], is = m->vm[m->task];
	char a[64], b[64];

	if (was == is)
		return 0;
	vm_name(is, a, sizeof(a));
	vm_name(was, b, sizeof(b));
	say(m->why, m->why_len, "image: process %d uses %s, %s in its parent image: the tree changed in between",
	    m->parent_tree ? m->parent_tree[m->task].pid : 0, a, b);
	return -ESTALE;
}

/*
 * A tree's image merged with its parent's: the same processes must be
 * in both, in the same places (one page of the process at place i is
 * the parent's page at place i), zombies the same.
 */
static int same_tree(struct merger *m, const struct ckpt_rec_tree_task *tree)
{
	uint32_t i;

	for (i = 0; i < m->nr_parent; i++) {
		const struct ckpt_rec_tree_task *p = &m->parent_tree[i];

		if (p->pid != tree[i].pid ||
		    ((p->flags ^ tree[i].flags) & CKPT_TREE_ZOMBIE)) {
			say(m->why, m->why_len, "image: process %d%s is at place %u of its tree, process %d%s in its parent image: the tree changed in between",
			    tree[i].pid, tree[i].flags & CKPT_TREE_ZOMBIE ?
			    " (a zombie)" : "", i, p->pid,
			    p->flags & CKPT_TREE_ZOMBIE ? " (a zombie)" : "");
			return -ESTALE;
		}
	}
	return 0;
}

/*
 * A TASK record (in m->buf): the key of the pages that follow.  In a
 * tree's image the process is the next of @tree (next_task()); in an
 * incremental chain its place keys its parent's pages, in a live
 * migration the PRECOPY_TASK that named it.
 */
static int task_key(struct merger *m, const struct ckpt_rec_tree_task *tree,
		    uint32_t nr, int first)
{
	const struct ckpt_rec_header *h = (const void *)m->buf;
	int32_t pid;
	int err, i;

	if (tree) {
		err = next_task(m, "image", tree, nr, first);
		if (err)
			return err;
	}
	if (h->len < sizeof(pid)) {
		say(m->why, m->why_len, "image: a TASK record of %u bytes",
		    h->len);
		return -EBADMSG;
	}
	memcpy(&pid, h + 1, sizeof(pid));
	m->cur_pid = pid;
	if (!m->nr_pc) {
		m->key = m->task;
		return 0;
	}
	i = pc_index(m, pid);
	m->key = i < 0 ? KEY_NONE : (uint32_t)i;
	return 0;
}

static int merge_image(struct merger *m)
{
	struct ckpt_rec_header *h = (void *)m->buf;
	struct ckpt_rec_tree_task *tree = NULL;
	struct ckpt_image_header ih;
	uint64_t in_records = 0, in_pages = 0;
	uint32_t csum, sections = 1, ends = 0;
	int err;

	err = rd(m->conn, &ih, sizeof(ih));
	if (err)
		return rd_fail(m, err, "image");
	csum = ih.csum;
	ih.csum = 0;
	if (ih.magic != CKPT_IMAGE_MAGIC ||
	    ckpt_csum2(&ih, sizeof(ih), NULL, 0) != csum) {
		say(m->why, m->why_len, "image: bad header (magic or checksum)");
		return -EBADMSG;
	}
	ih.csum = csum;
	if (ih.version != CKPT_IMAGE_VERSION ||
	    ih.header_size != sizeof(ih)) {
		say(m->why, m->why_len, "image: version %u, this receiver reads %u",
		    ih.version, CKPT_IMAGE_VERSION);
		return -EPROTO;
	}
	if (!ih.nr_tasks || ih.nr_tasks > CKPT_MAX_TREE) {
		say(m->why, m->why_len, "image: of %u processes", ih.nr_tasks);
		return -EBADMSG;
	}
	if (m->trees && ih.nr_tasks != m->nr_parent) {
		say(m->why, m->why_len, "image: of %u processes, its parent image of %u: the tree changed in between",
		    ih.nr_tasks, m->nr_parent);
		return -ESTALE;
	}
	m->offset = sizeof(ih);
	m->task = 0;
	m->key = 0;
	err = out_write(m, &ih, sizeof(ih));
	while (!err) {
		err = read_record(m, "image");
		if (err)
			break;
		if (h->type == CKPT_REC_END) {
			struct ckpt_rec_end *e = (void *)(h + 1);

			if (h->len != sizeof(*e) || e->nr_records != in_records ||
			    e->nr_pages != in_pages) {
				say(m->why, m->why_len, "image: its END record does not match its records (%" PRIu64 " records, %" PRIu64 " pages)",
				    in_records, in_pages);
				err = -EBADMSG;
				break;
			}
			if (m->trees) {
				err = same_vm(m);
				if (err)
					break;
			}
			e->nr_records = m->nr_records;
			e->nr_pages = m->nr_pages;
			h->csum = 0;
			h->csum = ckpt_csum2(h, sizeof(*h), e, sizeof(*e));
			err = out_write(m, h, sizeof(*h) + sizeof(*e));
			/* a tree's: one END for each process with records */
			if (err || ++ends == sections)
				break;
			in_records++;
			m->nr_records++;
			continue;
		}
		in_records++;
		if (in_records == 1 && ih.nr_tasks > 1) {
			err = take_tree(m, "image", ih.nr_tasks, &tree,
					&sections);
			if (!err)
				err = same_tree(m, tree);
			if (!err) {
				m->nr_records++;
				err = out_write(m, h, sizeof(*h) + h->len);
			}
			continue;
		}
		if (h->type == CKPT_REC_TASK) {
			err = task_key(m, tree, ih.nr_tasks, !ends);
			if (err)
				break;
		}
		if (h->type == CKPT_REC_SHARES && m->trees) {
			err = take_shares(m, "image", m->vm);
			if (err)
				break;
		}
		if (h->type == CKPT_REC_PRECOPY_CLEAN) {
			err = expand_clean(m);
			continue;
		}
		if (h->type == CKPT_REC_PRECOPY || h->type == CKPT_REC_TREE) {
			say(m->why, m->why_len, "image: unexpected %s record at offset %" PRIu64,
			    ckpt_rec_name(h->type), m->offset - sizeof(*h) - h->len);
			err = -EBADMSG;
			break;
		}
		if (h->type == CKPT_REC_PAGES) {
			const struct ckpt_rec_pages *rp = (void *)(h + 1);

			if (check_pages(h, 1)) {
				say(m->why, m->why_len, "image: bad PAGES record at offset %" PRIu64,
				    m->offset - sizeof(*h) - h->len);
				err = -EBADMSG;
				break;
			}
			in_pages += rp->nr_pages;
			m->nr_pages += rp->nr_pages;
		}
		/* Everything else is checked again by the module. */
		m->nr_records++;
		err = out_write(m, h, sizeof(*h) + h->len);
	}
	free(tree);
	return err;
}

/* The merger's record buffer and its store (reserved, not committed). */
static int merger_alloc(struct merger *m)
{
	m->buf = malloc(rec_buf_size);
	m->st.data = mmap(NULL, PRECOPY_MAX_BYTES, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	m->st.hdr = mmap(NULL, PRECOPY_MAX_BYTES / PG * sizeof(*m->st.hdr),
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!m->buf || m->st.data == MAP_FAILED || m->st.hdr == MAP_FAILED ||
	    store_grow(&m->st))
		return -ENOMEM;
	return 0;
}

/* What the merger process reports when it is done. */
struct merge_result {
	int32_t err;
	int32_t reserved;
	int64_t ms;
	char why[320];
};

/* The merger process: the final image, merged, into @out. */
static void __attribute__((noreturn)) merger_main(struct merger *m, int res)
{
	struct merge_result r;
	int64_t t0 = now_us();

	memset(&r, 0, sizeof(r));
	signal(SIGPIPE, SIG_IGN);
	m->why = r.why;
	m->why_len = sizeof(r.why);
	r.err = merge_image(m);
	r.ms = (now_us() - t0) / 1000;
	close(m->out);
	if (write(res, &r, sizeof(r)) != sizeof(r))
		_exit(2);
	_exit(r.err ? 1 : 0);
}

int precopy_receive(int conn, struct precopy_rx *rx, char *why,
		    size_t why_len)
{
	struct merger m = { .conn = conn, .out = -1, .why = why,
			    .why_len = why_len };
	int pfd[2] = { -1, -1 }, res[2] = { -1, -1 };
	int err;

	memset(rx, 0, sizeof(*rx));
	rx->img_fd = rx->res_fd = -1;
	err = merger_alloc(&m);
	if (err) {
		say(why, why_len, "out of memory for the pre-copied pages");
		goto out;
	}
	err = receive_rounds(&m, &rx->pages);
	if (err)
		goto out;
	if (pipe2(pfd, O_CLOEXEC) || pipe2(res, O_CLOEXEC)) {
		err = -errno;
		say(why, why_len, "cannot make a pipe: %s", strerror(-err));
		goto out;
	}
	ckpt_grow_pipe(pfd[1]);
	rx->merger = fork();
	if (rx->merger < 0) {
		err = -errno;
		say(why, why_len, "cannot fork the merger: %s", strerror(-err));
		goto out;
	}
	if (rx->merger == 0) {
		/*
		 * Not the restore's descriptor: held, its copy is killed when
		 * the handler goes, not when we do.
		 */
		if (rx->dev >= 0)
			close(rx->dev);
		close(pfd[0]);
		close(res[0]);
		m.out = pfd[1];
		merger_main(&m, res[1]);
	}
	rx->img_fd = pfd[0];
	rx->res_fd = res[0];
	pfd[0] = res[0] = -1;
out:
	/* The merger has its own copy of the store. */
	store_free(&m.st);
	free(m.buf);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (res[0] >= 0)
		close(res[0]);
	if (res[1] >= 0)
		close(res[1]);
	return err;
}

int precopy_merged(struct precopy_rx *rx, char *why, size_t why_len)
{
	struct merge_result r;
	int st, err = 0;

	if (rx->img_fd >= 0)
		close(rx->img_fd);	/* a merger still writing stops */
	rx->img_fd = -1;
	if (rx->merger <= 0)
		return 0;
	memset(&r, 0, sizeof(r));
	if (read(rx->res_fd, &r, sizeof(r)) != sizeof(r)) {
		r.err = -EIO;
		snprintf(r.why, sizeof(r.why), "the merger died");
	}
	while (waitpid(rx->merger, &st, 0) < 0 && errno == EINTR)
		;
	close(rx->res_fd);
	rx->res_fd = -1;
	rx->merger = 0;
	rx->merge_ms = r.ms;
	if (r.err || !WIFEXITED(st) || WEXITSTATUS(st)) {
		err = r.err < 0 ? r.err : -EIO;
		r.why[sizeof(r.why) - 1] = '\0';
		snprintf(why, why_len, "%s", r.why[0] ? r.why : "the merger failed");
	}
	return err;
}

/*
 * The pages of the complete image read from m->conn into the store: each
 * PAGES record's, every checksum checked (the rest is skipped; the module
 * checks the merged image again), a tree's under each process's place in
 * its TREE record, which is kept (m->parent_tree).
 */
static int store_image(struct merger *m)
{
	struct ckpt_rec_header *h = (void *)m->buf;
	struct ckpt_image_header ih;
	uint64_t records = 0, pages = 0;
	uint32_t csum, i, sections = 1, ends = 0;
	int err;

	err = rd(m->conn, &ih, sizeof(ih));
	if (err)
		return rd_fail(m, err, "parent image");
	csum = ih.csum;
	ih.csum = 0;
	if (ih.magic != CKPT_IMAGE_MAGIC || ih.header_size != sizeof(ih) ||
	    ckpt_csum2(&ih, sizeof(ih), NULL, 0) != csum ||
	    ih.version != CKPT_IMAGE_VERSION || !ih.nr_tasks ||
	    ih.nr_tasks > CKPT_MAX_TREE) {
		say(m->why, m->why_len, "parent image: bad header (magic, version, checksum or number of processes)");
		return -EBADMSG;
	}
	m->offset = sizeof(ih);
	m->nr_parent = ih.nr_tasks;
	m->task = 0;
	for (;;) {
		err = read_record(m, "parent image");
		if (err)
			return err;
		if (h->type == CKPT_REC_END) {
			const struct ckpt_rec_end *e = (const void *)(h + 1);

			if (h->len != sizeof(*e) || e->nr_records != records ||
			    e->nr_pages != pages) {
				say(m->why, m->why_len, "parent image: its END record does not match its records");
				return -EBADMSG;
			}
			if (++ends == sections)
				return 0;
			records++;
			continue;
		}
		records++;
		if (records == 1 && ih.nr_tasks > 1) {
			err = take_tree(m, "parent image", ih.nr_tasks,
					&m->parent_tree, &sections);
			if (err)
				return err;
			continue;
		}
		if (h->type == CKPT_REC_TASK && m->parent_tree) {
			err = next_task(m, "parent image", m->parent_tree,
					ih.nr_tasks, !ends);
			if (err)
				return err;
			m->key = m->task;
		}
		if (h->type == CKPT_REC_SHARES) {
			err = take_shares(m, "parent image", m->parent_vm);
			if (err)
				return err;
		}
		if (h->type == CKPT_REC_PRECOPY_CLEAN ||
		    h->type == CKPT_REC_PRECOPY) {
			say(m->why, m->why_len, "parent image: a %s record at offset %" PRIu64 ": not a complete image",
			    ckpt_rec_name(h->type), m->offset - sizeof(*h) - h->len);
			return -EBADMSG;
		}
		if (h->type != CKPT_REC_PAGES)
			continue;
		if (check_pages(h, 1)) {
			say(m->why, m->why_len, "parent image: bad PAGES record at offset %" PRIu64,
			    m->offset - sizeof(*h) - h->len);
			return -EBADMSG;
		}
		pages += ((struct ckpt_rec_pages *)(h + 1))->nr_pages;
		for (i = 0; i < ((struct ckpt_rec_pages *)(h + 1))->nr_pages; i++) {
			const struct ckpt_rec_pages *rp = (const void *)(h + 1);
			int64_t sl = store_put(&m->st,
					       page_key(rp->addr + (uint64_t)i * PG,
							m->key));

			if (sl < 0) {
				say(m->why, m->why_len, "parent image: more than %llu MiB of pages",
				    PRECOPY_MAX_BYTES >> 20);
				return -EFBIG;
			}
			memcpy(m->st.data + (uint64_t)sl * PG,
			       (const unsigned char *)(rp + 1) + (size_t)i * PG,
			       PG);
		}
	}
}

int precopy_merge_files(int parent, int in, int out, uint64_t max_out,
			char *why, size_t why_len)
{
	struct merger m = { .conn = parent, .out = out, .plain = 1,
			    .zero_missing = 1, .max_out = max_out,
			    .trees = 1, .why = why, .why_len = why_len };
	int err;

	err = merger_alloc(&m);
	if (err)
		say(why, why_len, "out of memory for the parent's pages");
	else
		err = store_image(&m);
	if (!err) {
		m.conn = in;
		m.offset = 0;
		err = merge_image(&m);
	}
	store_free(&m.st);
	free(m.parent_tree);
	free(m.buf);
	return err;
}
