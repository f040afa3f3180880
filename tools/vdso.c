// SPDX-License-Identifier: GPL-2.0
/*
 * vvar/vdso relocation for restart (see vdso.h).
 *
 * Each special mapping is moved by whole VMAs with mremap(MREMAP_FIXED),
 * which needs old and new ranges to be disjoint and replaces whatever is
 * mapped at the new range.  So: targets that overlap any other mapping of
 * ours are refused (the caller re-executes for another layout); if a
 * target overlaps the current place of a special mapping, everything goes
 * through a free temporary range first.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "vdso.h"

#define PAGE_MASK_4K	0xfffULL
#define TEMP_LOW	0x100000000ULL		/* 4 GiB */
#define USER_TOP	0x7ffffffff000ULL	/* 47-bit user space */

struct piece {
	uint64_t start, end, to;
};

struct pieces {
	struct piece p[CKPT_VDSO_MAX_STEPS];
	unsigned int nr;
};

/* A hex number at *p, up to @stop; moves *p past it. */
static int parse_hex(const char **p, const char *end, char stop,
		     uint64_t *val)
{
	const char *s = *p;
	uint64_t v = 0;
	int digits = 0;

	for (; s < end && *s != stop; s++, digits++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else
			return -EINVAL;
		if (digits == 16)
			return -EINVAL;
		v = v << 4 | d;
	}
	if (!digits || s == end)
		return -EINVAL;
	*p = s + 1;
	*val = v;
	return 0;
}

/* Skip @n space-separated fields and the spaces after; NULL if fewer. */
static const char *skip_fields(const char *p, const char *end, int n)
{
	while (n--) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			return NULL;
		while (p < end && *p != ' ')
			p++;
	}
	while (p < end && *p == ' ')
		p++;
	return p;
}

/*
 * One line "START-END PERMS OFFSET DEV INODE [PATH]", by hand: this runs
 * at every restart, and sscanf() costs more than the whole rest of the
 * plan.
 */
static int maps_add(struct ckpt_maps *maps, const char *line,
		    const char *end, size_t *cap)
{
	static const char *const names[] = {
		"[vvar]", "[vvar_vclock]", "[vdso]",
	};
	static const int kinds[] = {
		CKPT_MAP_VVAR, CKPT_MAP_VVAR, CKPT_MAP_VDSO,
	};
	const char *p = line, *path;
	int kind = CKPT_MAP_OTHER;
	struct ckpt_map *m;
	uint64_t start, stop;
	size_t i, plen;

	if (parse_hex(&p, end, '-', &start) ||
	    parse_hex(&p, end, ' ', &stop) || start >= stop)
		return -EINVAL;
	path = skip_fields(p, end, 4);
	if (!path)
		return -EINVAL;
	plen = end - path;
	while (plen && path[plen - 1] == ' ')
		plen--;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (plen == strlen(names[i]) && !memcmp(path, names[i], plen))
			kind = kinds[i];
	if (maps->nr == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		m = realloc(maps->map, *cap * sizeof(*m));
		if (!m)
			return -ENOMEM;
		maps->map = m;
	}
	maps->map[maps->nr++] = (struct ckpt_map){
		.start = start, .end = stop, .kind = kind,
	};
	return 0;
}

int ckpt_maps_parse(const char *text, struct ckpt_maps *maps)
{
	size_t cap = 0, len;
	const char *nl;
	int err = 0;

	maps->map = NULL;
	maps->nr = 0;
	for (; *text && !err; text = nl ? nl + 1 : text + len) {
		nl = strchr(text, '\n');
		len = nl ? (size_t)(nl - text) : strlen(text);
		if (!len)
			continue;
		err = maps_add(maps, text, text + len, &cap);
	}
	if (err)
		ckpt_maps_free(maps);
	return err;
}

int ckpt_maps_read_self(struct ckpt_maps *maps)
{
	size_t len = 0, cap = 16384;
	char *buf = malloc(cap), *p;
	ssize_t n = 0;
	int fd, err;

	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf) {
		err = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	do {
		if (cap - len < 4096) {
			p = realloc(buf, cap *= 2);
			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			buf = p;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n > 0)
			len += n;
	} while (n > 0 || (n < 0 && errno == EINTR));
	err = n < 0 ? -errno : 0;
	buf[len] = '\0';
	if (!err)
		err = ckpt_maps_parse(buf, maps);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

void ckpt_maps_free(struct ckpt_maps *maps)
{
	free(maps->map);
	maps->map = NULL;
	maps->nr = 0;
}

static int overlaps(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 < b1 && b0 < a1;
}

static int add_step(struct ckpt_vdso_plan *plan, uint64_t from,
		    uint64_t len, uint64_t to)
{
	if (plan->nr == CKPT_VDSO_MAX_STEPS)
		return -ENOMEM;
	plan->step[plan->nr++] = (struct ckpt_vdso_step){
		.from = from, .len = len, .to = to,
	};
	return 0;
}

static int check_targets(const struct ckpt_vdso_target *t)
{
	uint64_t all = t->vvar_start | t->vvar_end | t->vdso_start |
		       t->vdso_end;

	if (all & PAGE_MASK_4K)
		return -EINVAL;
	if (t->vvar_start > t->vvar_end || t->vdso_start > t->vdso_end)
		return -EINVAL;
	if ((t->vvar_start == t->vvar_end && t->vvar_start) ||
	    (t->vdso_start == t->vdso_end && t->vdso_start))
		return -EINVAL;
	if (t->vvar_end > USER_TOP || t->vdso_end > USER_TOP)
		return -EINVAL;
	if (overlaps(t->vvar_start, t->vvar_end, t->vdso_start, t->vdso_end))
		return -EINVAL;
	return 0;
}

/* Targets must not land on any mapping but the special ones. */
static int check_free(const struct ckpt_maps *maps,
		      const struct ckpt_vdso_target *t)
{
	const struct ckpt_map *m;
	size_t i;

	for (i = 0; i < maps->nr; i++) {
		m = &maps->map[i];
		if (m->kind != CKPT_MAP_OTHER)
			continue;
		if (overlaps(m->start, m->end, t->vvar_start, t->vvar_end) ||
		    overlaps(m->start, m->end, t->vdso_start, t->vdso_end))
			return -EADDRINUSE;
	}
	return 0;
}

/* Unmap (no target) or queue moves for the mappings of one kind. */
static int plan_kind(const struct ckpt_maps *maps, int kind, uint64_t ts,
		     uint64_t te, struct pieces *mv,
		     struct ckpt_vdso_plan *plan)
{
	uint64_t first = 0, end = 0, to;
	const struct ckpt_map *m;
	int err = 0, nr = 0;
	size_t i;

	for (i = 0; i < maps->nr && !err; i++) {
		m = &maps->map[i];
		if (m->kind != kind)
			continue;
		if (nr && m->start != end)
			return -EXDEV;	/* not one contiguous block */
		if (!nr++)
			first = m->start;
		end = m->end;
		if (!te)
			err = add_step(plan, m->start, m->end - m->start, 0);
	}
	if (err || !te)
		return err;
	if (!nr || end - first != te - ts)
		return -EXDEV;
	for (i = 0; i < maps->nr; i++) {
		m = &maps->map[i];
		to = ts + (m->start - first);
		if (m->kind != kind || to == m->start)
			continue;
		if (mv->nr == CKPT_VDSO_MAX_STEPS)
			return -ENOMEM;
		mv->p[mv->nr++] = (struct piece){ m->start, m->end, to };
	}
	return 0;
}

static int need_temp(const struct pieces *mv)
{
	unsigned int i, j;
	uint64_t len;

	for (i = 0; i < mv->nr; i++) {
		len = mv->p[i].end - mv->p[i].start;
		for (j = 0; j < mv->nr; j++)
			if (overlaps(mv->p[i].to, mv->p[i].to + len,
				     mv->p[j].start, mv->p[j].end))
				return 1;
	}
	return 0;
}

/* Lowest free range of @need bytes above TEMP_LOW, avoiding targets too. */
static int find_gap(const struct ckpt_maps *maps,
		    const struct ckpt_vdso_target *t, uint64_t need,
		    uint64_t *addr)
{
	uint64_t cand = TEMP_LOW;
	int moved = 1;
	size_t i;

	while (moved && cand + need <= USER_TOP) {
		moved = 0;
		for (i = 0; i < maps->nr; i++) {
			if (overlaps(cand, cand + need, maps->map[i].start,
				     maps->map[i].end)) {
				cand = maps->map[i].end;
				moved = 1;
			}
		}
		if (overlaps(cand, cand + need, t->vvar_start, t->vvar_end)) {
			cand = t->vvar_end;
			moved = 1;
		}
		if (overlaps(cand, cand + need, t->vdso_start, t->vdso_end)) {
			cand = t->vdso_end;
			moved = 1;
		}
	}
	if (cand + need > USER_TOP)
		return -ENOMEM;
	*addr = cand;
	return 0;
}

static int plan_moves(const struct ckpt_maps *maps,
		      const struct ckpt_vdso_target *t,
		      const struct pieces *mv, struct ckpt_vdso_plan *plan)
{
	uint64_t tmp, off = 0, need = 0, len;
	unsigned int i;
	int err = 0;

	if (!need_temp(mv)) {
		for (i = 0; i < mv->nr && !err; i++)
			err = add_step(plan, mv->p[i].start,
				       mv->p[i].end - mv->p[i].start,
				       mv->p[i].to);
		return err;
	}
	for (i = 0; i < mv->nr; i++)
		need += mv->p[i].end - mv->p[i].start;
	err = find_gap(maps, t, need, &tmp);
	for (i = 0; i < mv->nr && !err; i++, off += len) {
		len = mv->p[i].end - mv->p[i].start;
		err = add_step(plan, mv->p[i].start, len, tmp + off);
	}
	for (i = 0, off = 0; i < mv->nr && !err; i++, off += len) {
		len = mv->p[i].end - mv->p[i].start;
		err = add_step(plan, tmp + off, len, mv->p[i].to);
	}
	return err;
}

int ckpt_vdso_plan(const struct ckpt_maps *maps,
		   const struct ckpt_vdso_target *t,
		   struct ckpt_vdso_plan *plan)
{
	struct pieces mv = { .nr = 0 };
	int err;

	plan->nr = 0;
	err = check_targets(t);
	if (!err)
		err = check_free(maps, t);
	if (!err)
		err = plan_kind(maps, CKPT_MAP_VVAR, t->vvar_start, t->vvar_end,
				&mv, plan);
	if (!err)
		err = plan_kind(maps, CKPT_MAP_VDSO, t->vdso_start, t->vdso_end,
				&mv, plan);
	if (!err)
		err = plan_moves(maps, t, &mv, plan);
	if (err)
		plan->nr = 0;
	return err;
}

int ckpt_vdso_plan_run(const struct ckpt_vdso_plan *plan)
{
	const struct ckpt_vdso_step *s;
	unsigned int i;
	long ret;

	for (i = 0; i < plan->nr; i++) {
		s = &plan->step[i];
		if (!s->to)
			ret = syscall(SYS_munmap, s->from, s->len);
		else
			ret = syscall(SYS_mremap, s->from, s->len, s->len,
				      MREMAP_MAYMOVE | MREMAP_FIXED, s->to);
		if (ret == -1)
			return -errno;
		if (s->to && (uint64_t)ret != s->to)
			return -EFAULT;
	}
	return 0;
}
