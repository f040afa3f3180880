/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Migration events: 'ckpt migrate' reports them to the ckpt module over
 * its generic netlink family (CKPT_CMD_MIG_REPORT, CAP_SYS_ADMIN), which
 * multicasts them on the "events" group ('ckptctl monitor' prints them).
 * Raw netlink, no libnl: ckpt is linked statically.  Best effort: a
 * reporter without the privilege, or a module without the command, just
 * sends nothing more.  Thread-safe.
 */
#ifndef CKPT_TOOLS_MIG_EVENTS_H
#define CKPT_TOOLS_MIG_EVENTS_H

#include <stdint.h>
#include <sys/types.h>

/* A socket for ckpt_mig_event(), or -1 (no module, no family). */
int ckpt_mig_events_open(void);

/*
 * Report CKPT_EV_MIGRATE_* for @pid (our namespace's PID: the source, or
 * the root of a tree).  @err: positive errno (FAIL only).  A no-op on
 * fd -1 or after the module refused once.  0 or a negative errno.
 */
int ckpt_mig_event(int fd, uint32_t event, pid_t pid, int err,
		   uint64_t bytes, uint64_t downtime_ms, uint64_t elapsed_ms);

/* One pre-copy round of a live migration (CKPT_EV_MIGRATE_ROUND). */
int ckpt_mig_event_round(int fd, pid_t pid, uint32_t round, uint64_t bytes,
			 uint64_t dirty_pages, uint64_t elapsed_ms);

#endif
