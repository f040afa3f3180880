// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "ckpt" (Documentation/netlink.rst): status
 * and PID range control for the caller's PID namespace, and an "events"
 * multicast group fed by ckpt_event() from the rest of the module.
 *
 * Anyone may ask for the status; changes need CAP_NET_ADMIN in the
 * initial user namespace (the family's GENL_ADMIN_PERM) and CAP_SYS_ADMIN
 * in the user namespace owning the caller's PID namespace (the handlers).
 * Subscribing to events needs CAP_NET_ADMIN: they name PIDs of all users.
 */
#include <linux/module.h>
#include <linux/pid_namespace.h>
#include <linux/capability.h>
#include <net/genetlink.h>
#include "ckpt.h"

static atomic_t ckpt_in_flight = ATOMIC_INIT(0);
static struct genl_family ckpt_genl;

static const struct nla_policy ckpt_genl_policy[CKPT_A_MAX + 1] = {
	[CKPT_A_PID_LO] = NLA_POLICY_MIN(NLA_U32, 2),
	[CKPT_A_PID_HI] = NLA_POLICY_MIN(NLA_U32, 3),
	[CKPT_A_PID] = NLA_POLICY_MIN(NLA_U32, 1),
	[CKPT_A_EVENT] = NLA_POLICY_RANGE(NLA_U32, CKPT_EV_MIGRATE_FIRST,
					  CKPT_EV_MIGRATE_LAST),
	[CKPT_A_ERRNO] = NLA_POLICY_MAX(NLA_U32, 4095),
	[CKPT_A_BYTES] = { .type = NLA_U64 },
	[CKPT_A_DOWNTIME_MS] = { .type = NLA_U64 },
	[CKPT_A_ELAPSED_MS] = { .type = NLA_U64 },
	[CKPT_A_ROUND] = NLA_POLICY_RANGE(NLA_U32, 1, CKPT_MIG_MAX_ROUNDS),
	[CKPT_A_DIRTY_PAGES] = { .type = NLA_U64 },
};

static struct pid_namespace *ckpt_genl_ns(void)
{
	return task_active_pid_ns(current);
}

static int ckpt_genl_may_change(struct genl_info *info)
{
	if (!ns_capable(ckpt_genl_ns()->user_ns, CAP_SYS_ADMIN)) {
		GENL_SET_ERR_MSG(info, "CAP_SYS_ADMIN needed over this PID namespace");
		return -EPERM;
	}
	return 0;
}

static int ckpt_put_u64(struct sk_buff *skb, int type, u64 v)
{
	return nla_put_u64_64bit(skb, type, v, CKPT_A_PAD);
}

static int ckpt_genl_status(struct sk_buff *skb, struct genl_info *info)
{
	struct ckpt_pr_status st;
	struct sk_buff *msg;
	void *hdr;

	ckpt_pr_status(ckpt_genl_ns(), &st);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &ckpt_genl, 0, CKPT_CMD_STATUS);
	if (!hdr)
		goto nospace;
	if (nla_put_u32(msg, CKPT_A_PID_MAX, st.pid_max) ||
	    nla_put_u32(msg, CKPT_A_NR_MANAGED, st.nr_managed) ||
	    nla_put_u32(msg, CKPT_A_IN_FLIGHT, atomic_read(&ckpt_in_flight)) ||
	    nla_put_u32(msg, CKPT_A_TCP_LOCKS, ckpt_tcplock_count()) ||
	    nla_put_u32(msg, CKPT_A_HELD, ckpt_freeze_count()))
		goto nospace;
	if (st.active &&
	    (nla_put_u32(msg, CKPT_A_PID_LO, st.lo) ||
	     nla_put_u32(msg, CKPT_A_PID_HI, st.hi) ||
	     nla_put_u32(msg, CKPT_A_RANGE_USED, st.used) ||
	     nla_put_u32(msg, CKPT_A_TOMBSTONES, st.tombs) ||
	     nla_put_u32(msg, CKPT_A_TOMBS_PENDING, st.pending) ||
	     ckpt_put_u64(msg, CKPT_A_CLAMPED, st.clamped) ||
	     ckpt_put_u64(msg, CKPT_A_DRAINED, st.drained) ||
	     ckpt_put_u64(msg, CKPT_A_CLAIMS, st.claims) ||
	     ckpt_put_u64(msg, CKPT_A_FAILSAFES, st.failsafes)))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int ckpt_genl_range_set(struct sk_buff *skb, struct genl_info *info)
{
	u32 lo, hi;
	int err;

	err = ckpt_genl_may_change(info);
	if (err)
		return err;
	if (!info->attrs[CKPT_A_PID_LO] || !info->attrs[CKPT_A_PID_HI]) {
		GENL_SET_ERR_MSG(info, "PID_LO and PID_HI are required");
		return -EINVAL;
	}
	lo = nla_get_u32(info->attrs[CKPT_A_PID_LO]);
	hi = nla_get_u32(info->attrs[CKPT_A_PID_HI]);
	if (lo > INT_MAX || hi > INT_MAX)
		return -ERANGE;
	err = ckpt_pr_activate(ckpt_genl_ns(), lo, hi);
	if (!err)
		ckpt_event_range(CKPT_EV_PID_RANGE_SET, lo, hi);
	return err;
}

static int ckpt_genl_range_clear(struct sk_buff *skb, struct genl_info *info)
{
	int err;

	err = ckpt_genl_may_change(info);
	if (!err)
		err = ckpt_pr_deactivate(ckpt_genl_ns());
	if (!err)
		ckpt_event_range(CKPT_EV_PID_RANGE_CLEAR, 0, 0);
	return err;
}

static int ckpt_genl_pid(struct genl_info *info, int *pid)
{
	int err = ckpt_genl_may_change(info);

	if (err)
		return err;
	if (!info->attrs[CKPT_A_PID]) {
		GENL_SET_ERR_MSG(info, "PID is required");
		return -EINVAL;
	}
	if (nla_get_u32(info->attrs[CKPT_A_PID]) > INT_MAX)
		return -ERANGE;
	*pid = nla_get_u32(info->attrs[CKPT_A_PID]);
	return 0;
}

static int ckpt_genl_tombstone(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	bool pending;
	void *hdr;
	int pid, err;

	err = ckpt_genl_pid(info, &pid);
	if (err)
		return err;
	err = ckpt_pr_tombstone(ckpt_genl_ns(), pid, NULL, &pending);
	if (err)
		return err;
	ckpt_event(CKPT_EV_TOMBSTONE, pid, 0, 0);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return 0;	/* done; only the answer is lost */
	hdr = genlmsg_put_reply(msg, info, &ckpt_genl, 0, CKPT_CMD_TOMBSTONE);
	if (!hdr || nla_put_u32(msg, CKPT_A_PID, pid) ||
	    (pending && nla_put_flag(msg, CKPT_A_TOMB_PENDING))) {
		nlmsg_free(msg);
		return 0;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int ckpt_genl_untombstone(struct sk_buff *skb, struct genl_info *info)
{
	int pid, err;

	err = ckpt_genl_pid(info, &pid);
	if (!err)
		err = ckpt_pr_untombstone(ckpt_genl_ns(), pid);
	if (!err)
		ckpt_event(CKPT_EV_UNTOMBSTONE, pid, 0, 0);
	return err;
}

static u64 ckpt_genl_u64(struct genl_info *info, int type)
{
	return info->attrs[type] ? nla_get_u64(info->attrs[type]) : 0;
}

/*
 * A migration event from 'ckpt migrate' (userspace cannot multicast on
 * our family itself): checked, bounded, and sent on "events" with the
 * PID translated from the reporter's namespace to the initial one.
 */
static int ckpt_genl_mig_report(struct sk_buff *skb, struct genl_info *info)
{
	struct ckpt_mig_event ev = { };
	struct pid *pid;
	u32 nr;
	int err;

	err = ckpt_genl_may_change(info);
	if (err)
		return err;
	if (!info->attrs[CKPT_A_EVENT] || !info->attrs[CKPT_A_PID]) {
		GENL_SET_ERR_MSG(info, "EVENT and PID are required");
		return -EINVAL;
	}
	nr = nla_get_u32(info->attrs[CKPT_A_PID]);
	if (nr > INT_MAX)
		return -ERANGE;
	ev.event = nla_get_u32(info->attrs[CKPT_A_EVENT]);
	ev.bytes = ckpt_genl_u64(info, CKPT_A_BYTES);
	ev.downtime_ms = ckpt_genl_u64(info, CKPT_A_DOWNTIME_MS);
	ev.elapsed_ms = ckpt_genl_u64(info, CKPT_A_ELAPSED_MS);
	ev.dirty_pages = ckpt_genl_u64(info, CKPT_A_DIRTY_PAGES);
	if (info->attrs[CKPT_A_ROUND])
		ev.round = nla_get_u32(info->attrs[CKPT_A_ROUND]);
	if (info->attrs[CKPT_A_ERRNO])
		ev.err = nla_get_u32(info->attrs[CKPT_A_ERRNO]);
	if (ev.bytes > CKPT_MIG_MAX_BYTES ||
	    ev.downtime_ms > CKPT_MIG_MAX_MS ||
	    ev.elapsed_ms > CKPT_MIG_MAX_MS ||
	    ev.dirty_pages > CKPT_MIG_MAX_BYTES >> PAGE_SHIFT) {
		GENL_SET_ERR_MSG(info, "value out of range");
		return -ERANGE;
	}
	if (ev.round && ev.event != CKPT_EV_MIGRATE_ROUND) {
		GENL_SET_ERR_MSG(info, "ROUND goes with MIGRATE_ROUND only");
		return -EINVAL;
	}
	if (ev.err && ev.event != CKPT_EV_MIGRATE_FAIL) {
		GENL_SET_ERR_MSG(info, "ERRNO goes with MIGRATE_FAIL only");
		return -EINVAL;
	}
	rcu_read_lock();
	pid = find_vpid(nr);
	ev.pid = pid ? pid_nr(pid) : 0;
	rcu_read_unlock();
	if (!ev.pid) {
		GENL_SET_ERR_MSG(info, "no such process in the caller's PID namespace");
		return -ESRCH;
	}
	return ckpt_event_mig(&ev);
}

static const struct genl_small_ops ckpt_genl_ops[] = {
	{
		.cmd = CKPT_CMD_STATUS,
		.doit = ckpt_genl_status,
	},
	{
		.cmd = CKPT_CMD_PID_RANGE_SET,
		.flags = GENL_ADMIN_PERM,
		.doit = ckpt_genl_range_set,
	},
	{
		.cmd = CKPT_CMD_PID_RANGE_CLEAR,
		.flags = GENL_ADMIN_PERM,
		.doit = ckpt_genl_range_clear,
	},
	{
		.cmd = CKPT_CMD_TOMBSTONE,
		.flags = GENL_ADMIN_PERM,
		.doit = ckpt_genl_tombstone,
	},
	{
		.cmd = CKPT_CMD_UNTOMBSTONE,
		.flags = GENL_ADMIN_PERM,
		.doit = ckpt_genl_untombstone,
	},
	{
		.cmd = CKPT_CMD_MIG_REPORT,
		.flags = GENL_ADMIN_PERM,
		.doit = ckpt_genl_mig_report,
	},
};

static const struct genl_multicast_group ckpt_genl_mcgrps[] = {
	{ .name = CKPT_GENL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family ckpt_genl = {
	.name = CKPT_GENL_NAME,
	.version = CKPT_GENL_VERSION,
	.maxattr = CKPT_A_MAX,
	.policy = ckpt_genl_policy,
	.module = THIS_MODULE,
	.small_ops = ckpt_genl_ops,
	.n_small_ops = ARRAY_SIZE(ckpt_genl_ops),
	.mcgrps = ckpt_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(ckpt_genl_mcgrps),
};

static bool ckpt_genl_up;

static void ckpt_event_send(u32 event, pid_t pid, int err, u64 bytes, int lo,
			    int hi)
{
	struct sk_buff *msg;
	void *hdr;

	if (!ckpt_genl_up || !genl_has_listeners(&ckpt_genl, &init_net, 0))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &ckpt_genl, 0, CKPT_CMD_EVENT);
	if (!hdr || nla_put_u32(msg, CKPT_A_EVENT, event) ||
	    (pid && nla_put_u32(msg, CKPT_A_PID, pid)) ||
	    nla_put_u32(msg, CKPT_A_ERRNO, err < 0 ? -err : err) ||
	    (bytes && ckpt_put_u64(msg, CKPT_A_BYTES, bytes)) ||
	    (hi && (nla_put_u32(msg, CKPT_A_PID_LO, lo) ||
		    nla_put_u32(msg, CKPT_A_PID_HI, hi)))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&ckpt_genl, msg, 0, 0, GFP_KERNEL);
}

/**
 * ckpt_event - tell "events" subscribers about an operation
 * @event: CKPT_EV_*
 * @pid: the process, in the initial PID namespace (0: none)
 * @err: 0 or a negative errno
 * @bytes: image bytes (0: none)
 *
 * Process context.  Also counts the checkpoints in flight.
 */
void ckpt_event(u32 event, pid_t pid, int err, u64 bytes)
{
	if (event == CKPT_EV_CHECKPOINT_START)
		atomic_inc(&ckpt_in_flight);
	else if (event == CKPT_EV_CHECKPOINT_DONE ||
		 event == CKPT_EV_CHECKPOINT_FAIL)
		atomic_dec(&ckpt_in_flight);
	ckpt_event_send(event, pid, err, bytes, 0, 0);
}

/**
 * ckpt_event_mig - multicast a migration event
 * @ev: the event; @ev->pid in the initial PID namespace
 *
 * Process context.  0 also when nobody listens; -ENOMEM or -EMSGSIZE.
 */
int ckpt_event_mig(const struct ckpt_mig_event *ev)
{
	struct sk_buff *msg;
	void *hdr;

	if (!ckpt_genl_up || !genl_has_listeners(&ckpt_genl, &init_net, 0))
		return 0;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &ckpt_genl, 0, CKPT_CMD_EVENT);
	if (!hdr || nla_put_u32(msg, CKPT_A_EVENT, ev->event) ||
	    nla_put_u32(msg, CKPT_A_PID, ev->pid) ||
	    nla_put_u32(msg, CKPT_A_ERRNO, ev->err) ||
	    ckpt_put_u64(msg, CKPT_A_BYTES, ev->bytes) ||
	    ckpt_put_u64(msg, CKPT_A_ELAPSED_MS, ev->elapsed_ms) ||
	    (ev->event == CKPT_EV_MIGRATE_DONE &&
	     ckpt_put_u64(msg, CKPT_A_DOWNTIME_MS, ev->downtime_ms)) ||
	    (ev->event == CKPT_EV_MIGRATE_ROUND &&
	     (nla_put_u32(msg, CKPT_A_ROUND, ev->round) ||
	      ckpt_put_u64(msg, CKPT_A_DIRTY_PAGES, ev->dirty_pages)))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&ckpt_genl, msg, 0, 0, GFP_KERNEL);
	return 0;
}

void ckpt_event_range(u32 event, int lo, int hi)
{
	ckpt_event_send(event, 0, 0, 0, lo, hi);
}

int ckpt_netlink_init(void)
{
	int err = genl_register_family(&ckpt_genl);

	if (err)
		pr_err(CKPT_PFX "cannot register generic netlink family %s: %d\n",
		       CKPT_GENL_NAME, err);
	else
		ckpt_genl_up = true;
	return err;
}

void ckpt_netlink_exit(void)
{
	ckpt_genl_up = false;
	genl_unregister_family(&ckpt_genl);
}
