/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Moving the restoring task's [vvar] and [vdso] to the image's addresses.
 *
 * The plan is made from /proc/self/maps before clone3() (it allocates);
 * the child, a copy of the same address space, only runs it: a few
 * mremap()/munmap() system calls, async-signal-safe and allocation-free.
 */
#ifndef CKPT_TOOLS_VDSO_H
#define CKPT_TOOLS_VDSO_H

#include <stddef.h>
#include <stdint.h>

#define CKPT_MAP_OTHER	0
#define CKPT_MAP_VVAR	1	/* [vvar], and newer [vvar_vclock] */
#define CKPT_MAP_VDSO	2

struct ckpt_map {
	uint64_t start;
	uint64_t end;
	int kind;
};

struct ckpt_maps {
	struct ckpt_map *map;	/* in address order, as /proc lists them */
	size_t nr;
};

int ckpt_maps_parse(const char *text, struct ckpt_maps *maps);
int ckpt_maps_read_self(struct ckpt_maps *maps);
void ckpt_maps_free(struct ckpt_maps *maps);

/* Where the image had its mappings; start == end == 0 for none. */
struct ckpt_vdso_target {
	uint64_t vvar_start, vvar_end;
	uint64_t vdso_start, vdso_end;
};

#define CKPT_VDSO_MAX_STEPS	12

/* Move len bytes at from to to; to == 0 unmaps them. */
struct ckpt_vdso_step {
	uint64_t from;
	uint64_t len;
	uint64_t to;
};

struct ckpt_vdso_plan {
	unsigned int nr;
	struct ckpt_vdso_step step[CKPT_VDSO_MAX_STEPS];
};

/*
 * ckpt_vdso_plan() - plan the moves
 *
 * Returns 0, or:
 *  EXDEV       this process's vvar or vdso is missing or differs in size
 *              from the image's (another kernel build)
 *  EADDRINUSE  a target overlaps another mapping of this process: try
 *              again in another address layout (re-execute)
 *  EINVAL      the targets are not page-aligned or overlap each other
 *  ENOMEM      no free room for a temporary move, or out of memory
 */
int ckpt_vdso_plan(const struct ckpt_maps *maps,
		   const struct ckpt_vdso_target *t,
		   struct ckpt_vdso_plan *plan);

/* Async-signal-safe.  Returns 0 or -errno of the step that failed. */
int ckpt_vdso_plan_run(const struct ckpt_vdso_plan *plan);

#endif
