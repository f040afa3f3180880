// SPDX-License-Identifier: GPL-2.0
/*
 * The vvar/vdso move planner: plans checked by simulating them on a model
 * of the address space, then a real move on this machine in a child.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../tools/vdso.h"
#include "unit.h"

#define V	0x7f0000000000ULL	/* vvar in the synthetic layouts */
#define D	(V + 0x4000)		/* vdso */

static struct ckpt_map layout[] = {
	{ 0x400000, 0x401000, CKPT_MAP_OTHER },
	{ 0x7e0000000000ULL, 0x7e0000100000ULL, CKPT_MAP_OTHER },
	{ V, V + 0x4000, CKPT_MAP_VVAR },
	{ D, D + 0x2000, CKPT_MAP_VDSO },
	{ D + 0x2000, D + 0x3000, CKPT_MAP_OTHER },
	{ 0x7ffe00000000ULL, 0x7ffe00021000ULL, CKPT_MAP_OTHER },
};

static struct ckpt_maps maps_of(struct ckpt_map *m, size_t nr)
{
	return (struct ckpt_maps){ .map = m, .nr = nr };
}

static int overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 < b1 && b0 < a1;
}

/*
 * Apply @plan to a copy of @maps as the kernel would, refusing anything
 * mremap(MREMAP_FIXED) would get wrong or that would clobber a mapping.
 * Returns 0 and the final start of each special kind, or -1.
 */
static int simulate(const struct ckpt_maps *maps,
		    const struct ckpt_vdso_plan *plan, uint64_t *vvar,
		    uint64_t *vdso)
{
	struct ckpt_map m[32];
	size_t nr = maps->nr, i, j;
	const struct ckpt_vdso_step *s;
	unsigned int k;

	memcpy(m, maps->map, nr * sizeof(*m));
	for (k = 0; k < plan->nr; k++) {
		s = &plan->step[k];
		for (i = 0; i < nr; i++)
			if (m[i].start == s->from &&
			    m[i].end == s->from + s->len)
				break;
		if (i == nr || m[i].kind == CKPT_MAP_OTHER)
			return -1;
		if (!s->to) {
			m[i] = m[--nr];
			continue;
		}
		for (j = 0; j < nr; j++)
			if (overlap(m[j].start, m[j].end, s->to,
				    s->to + s->len))
				return -1;	/* clobbers */
		m[i].start = s->to;
		m[i].end = s->to + s->len;
	}
	*vvar = *vdso = 0;
	for (i = 0; i < nr; i++) {
		if (m[i].kind == CKPT_MAP_VVAR &&
		    (!*vvar || m[i].start < *vvar))
			*vvar = m[i].start;
		if (m[i].kind == CKPT_MAP_VDSO)
			*vdso = m[i].start;
	}
	return 0;
}

static int plan_for(struct ckpt_map *m, size_t nr,
		    const struct ckpt_vdso_target *t,
		    struct ckpt_vdso_plan *plan, uint64_t *vvar,
		    uint64_t *vdso)
{
	struct ckpt_maps maps = maps_of(m, nr);
	int err = ckpt_vdso_plan(&maps, t, plan);

	if (err)
		return err;
	return simulate(&maps, plan, vvar, vdso) ? -999 : 0;
}

static struct ckpt_vdso_target target(uint64_t vvar)
{
	return (struct ckpt_vdso_target){ vvar, vvar + 0x4000,
					  vvar + 0x4000, vvar + 0x6000 };
}

UNIT_TEST(vdso_plan_direct)
{
	struct ckpt_vdso_target t = target(0x7f1000000000ULL);
	struct ckpt_vdso_plan p;
	uint64_t vvar, vdso;

	CHECK_EQ(plan_for(layout, 6, &t, &p, &vvar, &vdso), 0);
	CHECK_EQ(p.nr, 2);
	CHECK_EQ(vvar, t.vvar_start);
	CHECK_EQ(vdso, t.vdso_start);
}

UNIT_TEST(vdso_plan_in_place)
{
	struct ckpt_vdso_target t = target(V);
	struct ckpt_vdso_plan p;
	uint64_t vvar, vdso;

	CHECK_EQ(plan_for(layout, 6, &t, &p, &vvar, &vdso), 0);
	CHECK_EQ(p.nr, 0);
}

UNIT_TEST(vdso_plan_overlapping_targets)
{
	struct ckpt_vdso_target t;
	struct ckpt_vdso_plan p;
	uint64_t vvar, vdso;

	/* The image's vvar lies where our vdso is, and over itself. */
	t = target(V - 0x2000);
	CHECK_EQ(plan_for(layout, 6, &t, &p, &vvar, &vdso), 0);
	CHECK_EQ(p.nr, 4);
	CHECK_EQ(vvar, t.vvar_start);
	CHECK_EQ(vdso, t.vdso_start);
	/* vdso and vvar swap places. */
	t = (struct ckpt_vdso_target){ V + 0x2000, V + 0x6000, V, V + 0x2000 };
	CHECK_EQ(plan_for(layout, 6, &t, &p, &vvar, &vdso), 0);
	CHECK_EQ(vvar, V + 0x2000);
	CHECK_EQ(vdso, V);
}

UNIT_TEST(vdso_plan_occupied)
{
	struct ckpt_vdso_target t;
	struct ckpt_vdso_plan p;
	uint64_t vvar, vdso;

	t = target(0x7e0000000000ULL + 0x80000);
	CHECK_EQ(plan_for(layout, 6, &t, &p, &vvar, &vdso), -EADDRINUSE);
	t = target(V + 0x1000);	/* the vdso covers the next page */
	CHECK_EQ(plan_for(layout, 6, &t, &p, &vvar, &vdso), -EADDRINUSE);
	CHECK_EQ(p.nr, 0);
}

UNIT_TEST(vdso_plan_other_build)
{
	struct ckpt_vdso_target t = target(0x7f1000000000ULL);
	struct ckpt_vdso_plan p;
	uint64_t vvar, vdso;

	t.vdso_end += 0x1000;
	CHECK_EQ(plan_for(layout, 6, &t, &p, &vvar, &vdso), -EXDEV);
	t = target(0x7f1000000000ULL);
	t.vvar_start -= 0x1000;
	CHECK_EQ(plan_for(layout, 6, &t, &p, &vvar, &vdso), -EXDEV);
	/* No vdso here at all. */
	t = target(0x7f1000000000ULL);
	CHECK_EQ(plan_for(layout, 3, &t, &p, &vvar, &vdso), -EXDEV);
}

UNIT_TEST(vdso_plan_bad_targets)
{
	struct ckpt_vdso_target t = target(0x7f1000000800ULL);
	struct ckpt_vdso_plan p;
	uint64_t vvar, vdso;

	CHECK_EQ(plan_for(layout, 6, &t, &p, &vvar, &vdso), -EINVAL);
	t = target(0x7f1000000000ULL);
	t.vdso_start -= 0x1000;
	t.vdso_end -= 0x1000;
	CHECK_EQ(plan_for(layout, 6, &t, &p, &vvar, &vdso), -EINVAL);
}

UNIT_TEST(vdso_plan_image_without_vdso)
{
	struct ckpt_vdso_target t = { 0, 0, 0, 0 };
	struct ckpt_vdso_plan p;
	uint64_t vvar, vdso;

	CHECK_EQ(plan_for(layout, 6, &t, &p, &vvar, &vdso), 0);
	CHECK_EQ(p.nr, 2);
	CHECK_EQ(vvar, 0);
	CHECK_EQ(vdso, 0);
}

/* Newer kernels split vvar into [vvar] and [vvar_vclock]. */
UNIT_TEST(vdso_plan_split_vvar)
{
	struct ckpt_map m[] = {
		{ 0x400000, 0x401000, CKPT_MAP_OTHER },
		{ V, V + 0x3000, CKPT_MAP_VVAR },
		{ V + 0x3000, V + 0x4000, CKPT_MAP_VVAR },
		{ D, D + 0x2000, CKPT_MAP_VDSO },
	};
	struct ckpt_vdso_target t = target(V + 0x3000);
	struct ckpt_vdso_plan p;
	uint64_t vvar, vdso;

	CHECK_EQ(plan_for(m, 4, &t, &p, &vvar, &vdso), 0);
	CHECK_EQ(p.nr, 6);
	CHECK_EQ(vvar, t.vvar_start);
	CHECK_EQ(vdso, t.vdso_start);
	m[2].start += 0x1000;		/* a hole: not one block */
	CHECK_EQ(plan_for(m, 4, &t, &p, &vvar, &vdso), -EXDEV);
}

UNIT_TEST(vdso_maps_parse)
{
	static const char text[] =
		"00400000-00401000 r-xp 00000000 fe:00 12 /usr/bin/my prog\n"
		"7f0000000000-7f0000004000 r--p 00000000 00:00 0      [vvar]\n"
		"7f0000004000-7f0000005000 r--p 00000000 00:00 0      [vvar_vclock]\n"
		"7f0000005000-7f0000007000 r-xp 00000000 00:00 0      [vdso]\n"
		"7f0000007000-7f0000008000 rw-p 00000000 00:00 0 \n"
		"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]";
	struct ckpt_maps maps;

	CHECK_EQ(ckpt_maps_parse(text, &maps), 0);
	CHECK_EQ(maps.nr, 6);
	CHECK_EQ(maps.map[0].kind, CKPT_MAP_OTHER);
	CHECK_EQ(maps.map[1].kind, CKPT_MAP_VVAR);
	CHECK_EQ(maps.map[2].kind, CKPT_MAP_VVAR);
	CHECK_EQ(maps.map[3].kind, CKPT_MAP_VDSO);
	CHECK_EQ(maps.map[3].start, 0x7f0000005000ULL);
	CHECK_EQ(maps.map[4].kind, CKPT_MAP_OTHER);
	CHECK_EQ(maps.map[5].end, 0xffffffffff601000ULL);
	ckpt_maps_free(&maps);
	CHECK_EQ(ckpt_maps_parse("garbage\n", &maps), -EINVAL);
	/* Too few fields, no end, a reversed range, 17 hex digits. */
	CHECK_EQ(ckpt_maps_parse("1000-2000 r-xp 0 fe:00\n", &maps), -EINVAL);
	CHECK_EQ(ckpt_maps_parse("1000-", &maps), -EINVAL);
	CHECK_EQ(ckpt_maps_parse("2000-1000 r-xp 0 fe:00 0\n", &maps),
		 -EINVAL);
	CHECK_EQ(ckpt_maps_parse("10000000000000000-1 r-xp 0 0:0 0\n",
				 &maps), -EINVAL);
	/* No path, and a path that only starts like [vdso]. */
	CHECK_EQ(ckpt_maps_parse("1000-2000 rw-p 0 00:00 0\n"
				 "2000-3000 r-xp 0 00:00 0 [vdso]x\n", &maps), 0);
	CHECK_EQ(maps.nr, 2);
	CHECK_EQ(maps.map[0].kind, CKPT_MAP_OTHER);
	CHECK_EQ(maps.map[0].end, 0x2000ULL);
	CHECK_EQ(maps.map[1].kind, CKPT_MAP_OTHER);
	ckpt_maps_free(&maps);
}

/* ---- live: move this process's own vvar/vdso (in a child) --------- */

static void block_of(const struct ckpt_maps *m, int kind, uint64_t *start,
		     uint64_t *end)
{
	size_t i;

	*start = *end = 0;
	for (i = 0; i < m->nr; i++) {
		if (m->map[i].kind != kind)
			continue;
		if (!*start)
			*start = m->map[i].start;
		*end = m->map[i].end;
	}
}

/* Shift vvar and vdso by @delta and check /proc/self/maps. */
static int live_move(int64_t delta)
{
	struct ckpt_vdso_target t;
	struct ckpt_vdso_plan plan;
	struct ckpt_maps m;
	uint64_t s, e;
	int err;

	if (ckpt_maps_read_self(&m))
		return 10;
	block_of(&m, CKPT_MAP_VVAR, &t.vvar_start, &t.vvar_end);
	block_of(&m, CKPT_MAP_VDSO, &t.vdso_start, &t.vdso_end);
	if (!t.vdso_start)
		return 11;
	t.vvar_start += delta;
	t.vvar_end += delta;
	t.vdso_start += delta;
	t.vdso_end += delta;
	err = ckpt_vdso_plan(&m, &t, &plan);
	ckpt_maps_free(&m);
	if (err == -EADDRINUSE)
		return 3;		/* try another delta */
	if (err || ckpt_vdso_plan_run(&plan))
		return 12;
	if (ckpt_maps_read_self(&m))
		return 13;
	block_of(&m, CKPT_MAP_VDSO, &s, &e);
	err = s != t.vdso_start || e != t.vdso_end;
	block_of(&m, CKPT_MAP_VVAR, &s, &e);
	err |= s != t.vvar_start || e != t.vvar_end;
	ckpt_maps_free(&m);
	return err ? 14 : 0;
}

static const int64_t far_deltas[] = { -0x100000000LL, -0x40000000LL,
				      0x1000000000LL, -0x2000000000LL };

/* A far move to free space; then, with @near, a move by a page or two. */
static int live_moves(int near)
{
	static const int64_t near_deltas[] = { -0x1000, 0x1000, -0x3000,
					       0x3000 };
	unsigned int i;
	int ret = 3;

	for (i = 0; i < 4 && ret == 3; i++)
		ret = live_move(far_deltas[i]);
	for (i = 0; near && !ret && i < 4; i++)
		ret = live_move(near_deltas[i]);
	return ret;
}

/* Glibc's cached vdso pointers go stale: only in a child. */
static int run_live(int near)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(live_moves(near));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

UNIT_TEST(vdso_live_move_far)
{
	CHECK_EQ(run_live(0), 0);
}

UNIT_TEST(vdso_live_move_overlapping)
{
	CHECK_EQ(run_live(1), 0);
}
