// SPDX-License-Identifier: GPL-2.0
/*
 * ckptctl: the ckpt control plane over generic netlink (family "ckpt"):
 * PID range status and configuration of the caller's PID namespace,
 * tombstones, and the live event stream.  Documentation/netlink.rst and
 * Documentation/pid-ranges.rst.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <linux/ckpt.h>
#include "util.h"

struct ctl {
	struct nl_sock *sk;
	int family;
	int err;		/* from the kernel's answer */
	struct nlattr *tb[CKPT_A_MAX + 1];
	int got;		/* a reply was parsed */
	int done;		/* ack or error received */
	long count;		/* monitor: events left, < 0 for ever */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ckptctl status\n"
		"       ckptctl pid-range LO HI     reserve [LO,HI) for local forks\n"
		"       ckptctl pid-range off\n"
		"       ckptctl tombstone PID       keep an emigrant's PID unused\n"
		"       ckptctl untombstone PID     its process ended elsewhere\n"
		"       ckptctl monitor [-n N]      print events (N of them)\n"
		"\n"
		"Acts on the caller's PID namespace, through the generic netlink\n"
		"family \"%s\" of the ckpt module.  Changes need CAP_NET_ADMIN and CAP_SYS_ADMIN.\n",
		CKPT_GENL_NAME);
}

static const struct nla_policy policy[CKPT_A_MAX + 1] = {
	[CKPT_A_PID_LO] = { .type = NLA_U32 },
	[CKPT_A_PID_HI] = { .type = NLA_U32 },
	[CKPT_A_PID] = { .type = NLA_U32 },
	[CKPT_A_PID_MAX] = { .type = NLA_U32 },
	[CKPT_A_RANGE_USED] = { .type = NLA_U32 },
	[CKPT_A_TOMBSTONES] = { .type = NLA_U32 },
	[CKPT_A_TOMBS_PENDING] = { .type = NLA_U32 },
	[CKPT_A_CLAMPED] = { .type = NLA_U64 },
	[CKPT_A_DRAINED] = { .type = NLA_U64 },
	[CKPT_A_CLAIMS] = { .type = NLA_U64 },
	[CKPT_A_FAILSAFES] = { .type = NLA_U64 },
	[CKPT_A_NR_MANAGED] = { .type = NLA_U32 },
	[CKPT_A_IN_FLIGHT] = { .type = NLA_U32 },
	[CKPT_A_EVENT] = { .type = NLA_U32 },
	[CKPT_A_ERRNO] = { .type = NLA_U32 },
	[CKPT_A_BYTES] = { .type = NLA_U64 },
	[CKPT_A_TOMB_PENDING] = { .type = NLA_FLAG },
	[CKPT_A_DOWNTIME_MS] = { .type = NLA_U64 },
	[CKPT_A_ELAPSED_MS] = { .type = NLA_U64 },
	[CKPT_A_ROUND] = { .type = NLA_U32 },
	[CKPT_A_DIRTY_PAGES] = { .type = NLA_U64 },
	[CKPT_A_TCP_LOCKS] = { .type = NLA_U32 },
	[CKPT_A_HELD] = { .type = NLA_U32 },
};

static int open_family(struct ctl *c)
{
	int err;

	c->sk = nl_socket_alloc();
	if (!c->sk)
		return -ENOMEM;
	err = genl_connect(c->sk);
	if (err < 0)
		return -ECONNREFUSED;
	c->family = genl_ctrl_resolve(c->sk, CKPT_GENL_NAME);
	if (c->family < 0)
		return -ENOENT;
	return 0;
}

static void report_open(int err)
{
	if (err == -ENOENT) {
		ckpt_fail(err, "no generic netlink family \"%s\": the ckpt module is not loaded",
			  CKPT_GENL_NAME);
		ckpt_hint("load it: insmod ckpt.ko");
	} else {
		ckpt_fail(err, "cannot open a generic netlink socket: %s",
			  strerror(-err));
	}
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct ctl *c = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, c->tb, CKPT_A_MAX,
			  (struct nla_policy *)policy) < 0)
		return NL_SKIP;
	c->got = 1;
	return NL_OK;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct ctl *c = arg;

	(void)nla;
	c->err = e->error;
	c->done = 1;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct ctl *c = arg;

	(void)msg;
	c->done = 1;
	return NL_STOP;
}

/* Send one command with up to two u32 attributes and read the answer. */
static int command(struct ctl *c, int cmd, int a1, uint32_t v1, int a2,
		   uint32_t v2)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nl_cb *cb;
	int err;

	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0,
			 NLM_F_ACK, cmd, CKPT_GENL_VERSION) ||
	    (a1 && nla_put_u32(msg, a1, v1) < 0) ||
	    (a2 && nla_put_u32(msg, a2, v2) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, c);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, c);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, c);
	c->err = 0;
	c->done = 0;
	err = nl_send_auto(c->sk, msg);
	nlmsg_free(msg);
	if (err < 0) {
		nl_cb_put(cb);
		return -EIO;
	}
	/* The reply (if any) comes before the ack or error. */
	while (!c->done) {
		err = nl_recvmsgs(c->sk, cb);
		if (err < 0 && !c->done) {
			nl_cb_put(cb);
			return err == -NLE_PERM ? -EPERM : -EIO;
		}
	}
	nl_cb_put(cb);
	return c->err;
}

static uint32_t u32_of(struct ctl *c, int a)
{
	return c->tb[a] ? nla_get_u32(c->tb[a]) : 0;
}

static uint64_t u64_of(struct ctl *c, int a)
{
	return c->tb[a] ? nla_get_u64(c->tb[a]) : 0;
}

static int do_status(struct ctl *c)
{
	uint32_t lo, hi, used;
	int err;

	err = command(c, CKPT_CMD_STATUS, 0, 0, 0, 0);
	if (err || !c->got) {
		ckpt_fail(err ? err : -EPROTO, "status query failed: %s",
			  strerror(err ? -err : EPROTO));
		return CKPT_EXIT_FAILED;
	}
	printf("pid_max: %u\n", u32_of(c, CKPT_A_PID_MAX));
	printf("managed_namespaces: %u\n", u32_of(c, CKPT_A_NR_MANAGED));
	printf("checkpoints_in_flight: %u\n", u32_of(c, CKPT_A_IN_FLIGHT));
	printf("processes_held: %u\n", u32_of(c, CKPT_A_HELD));
	printf("tcp_locks: %u\n", u32_of(c, CKPT_A_TCP_LOCKS));
	if (!c->tb[CKPT_A_PID_LO]) {
		printf("range: none\n");
		return CKPT_EXIT_OK;
	}
	lo = u32_of(c, CKPT_A_PID_LO);
	hi = u32_of(c, CKPT_A_PID_HI);
	used = u32_of(c, CKPT_A_RANGE_USED);
	printf("range: %u-%u\n", lo, hi);
	printf("range_size: %u\n", hi - lo);
	printf("range_used: %u (%.1f%%)\n", used,
	       hi > lo ? 100.0 * used / (hi - lo) : 0.0);
	printf("tombstones: %u\n", u32_of(c, CKPT_A_TOMBSTONES));
	printf("tombstones_pending: %u\n", u32_of(c, CKPT_A_TOMBS_PENDING));
	printf("clamped: %" PRIu64 "\n", u64_of(c, CKPT_A_CLAMPED));
	printf("drained: %" PRIu64 "\n", u64_of(c, CKPT_A_DRAINED));
	printf("claims: %" PRIu64 "\n", u64_of(c, CKPT_A_CLAIMS));
	printf("failsafes: %" PRIu64 "\n", u64_of(c, CKPT_A_FAILSAFES));
	return CKPT_EXIT_OK;
}

static int parse_pid(const char *s, uint32_t *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 1 || n > INT_MAX) {
		ckpt_fail(0, "'%s' is not a PID (1..%d)", s, INT_MAX);
		return -1;
	}
	*v = n;
	return 0;
}

static void report_change(int err, const char *what)
{
	switch (-err) {
	case EPERM:
		ckpt_fail(err, "%s: permission denied: CAP_NET_ADMIN and CAP_SYS_ADMIN needed",
			  what);
		break;
	case ENXIO:
		ckpt_fail(err, "%s: no PID range in this PID namespace", what);
		ckpt_hint("set one: ckptctl pid-range LO HI");
		break;
	case ERANGE:
		ckpt_fail(err, "%s: outside the range allowed (PIDs of this namespace's range; HI at most pid_max)",
			  what);
		break;
	case EEXIST:
		ckpt_fail(err, "%s: already tombstoned", what);
		break;
	case ENOENT:
		ckpt_fail(err, "%s: not tombstoned", what);
		break;
	case EBUSY:
		ckpt_fail(err, "%s: this PID namespace has a PID range already",
			  what);
		ckpt_hint("clear it first: ckptctl pid-range off");
		break;
	case EINVAL:
		ckpt_fail(err, "%s: invalid (need 2 <= LO < HI, and a PID namespace with its init running)",
			  what);
		break;
	case ENOSPC:
		ckpt_fail(err, "%s: no room left (too many managed namespaces or tombstones)",
			  what);
		break;
	case EOPNOTSUPP:
		ckpt_fail(err, "%s: the PID range mechanism does not hold on this kernel (self-test failed; see dmesg)",
			  what);
		break;
	default:
		ckpt_fail(err, "%s: %s", what, strerror(-err));
	}
}

static int do_range(struct ctl *c, int argc, char **argv)
{
	char what[64];
	uint32_t lo, hi;
	int err;

	if (argc == 1 && !strcmp(argv[0], "off")) {
		err = command(c, CKPT_CMD_PID_RANGE_CLEAR, 0, 0, 0, 0);
		if (err) {
			report_change(err, "clearing the PID range");
			return CKPT_EXIT_FAILED;
		}
		printf("PID range cleared\n");
		return CKPT_EXIT_OK;
	}
	if (argc != 2) {
		usage(stderr);
		return CKPT_EXIT_USAGE;
	}
	if (parse_pid(argv[0], &lo) || parse_pid(argv[1], &hi))
		return CKPT_EXIT_USAGE;
	snprintf(what, sizeof(what), "PID range %u-%u", lo, hi);
	if (lo < 2 || lo >= hi) {
		ckpt_fail(-EINVAL, "%s: need 2 <= LO < HI", what);
		return CKPT_EXIT_USAGE;
	}
	err = command(c, CKPT_CMD_PID_RANGE_SET, CKPT_A_PID_LO, lo,
		      CKPT_A_PID_HI, hi);
	if (err) {
		report_change(err, what);
		return CKPT_EXIT_FAILED;
	}
	printf("PID range %u-%u active\n", lo, hi);
	return CKPT_EXIT_OK;
}

static int do_tomb(struct ctl *c, int tomb, int argc, char **argv)
{
	char what[64];
	uint32_t pid;
	int err;

	if (argc != 1) {
		usage(stderr);
		return CKPT_EXIT_USAGE;
	}
	if (parse_pid(argv[0], &pid))
		return CKPT_EXIT_USAGE;
	snprintf(what, sizeof(what), "%s PID %u",
		 tomb ? "tombstoning" : "untombstoning", pid);
	err = command(c, tomb ? CKPT_CMD_TOMBSTONE : CKPT_CMD_UNTOMBSTONE,
		      CKPT_A_PID, pid, 0, 0);
	if (err) {
		report_change(err, what);
		return CKPT_EXIT_FAILED;
	}
	if (!tomb)
		printf("PID %u untombstoned\n", pid);
	else if (c->tb[CKPT_A_TOMB_PENDING])
		printf("PID %u tombstone pending (a process still holds it)\n",
		       pid);
	else
		printf("PID %u tombstoned\n", pid);
	return CKPT_EXIT_OK;
}

static const char *event_name(uint32_t ev)
{
	static const char *const names[] = {
		[CKPT_EV_CHECKPOINT_START] = "checkpoint-start",
		[CKPT_EV_CHECKPOINT_DONE] = "checkpoint-done",
		[CKPT_EV_CHECKPOINT_FAIL] = "checkpoint-fail",
		[CKPT_EV_RESTORE_DONE] = "restore-done",
		[CKPT_EV_RESTORE_FAIL] = "restore-fail",
		[CKPT_EV_PID_RANGE_SET] = "pid-range-set",
		[CKPT_EV_PID_RANGE_CLEAR] = "pid-range-clear",
		[CKPT_EV_TOMBSTONE] = "tombstone",
		[CKPT_EV_UNTOMBSTONE] = "untombstone",
		[CKPT_EV_MIGRATE_START] = "migrate-start",
		[CKPT_EV_MIGRATE_PROGRESS] = "migrate-progress",
		[CKPT_EV_MIGRATE_ROUND] = "migrate-round",
		[CKPT_EV_MIGRATE_DONE] = "migrate-done",
		[CKPT_EV_MIGRATE_FAIL] = "migrate-fail",
	};

	return ev < ARRAY_SIZE(names) && names[ev] ? names[ev] : "unknown";
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct ctl *c = arg;
	struct nlattr *tb[CKPT_A_MAX + 1];
	uint32_t ev, e;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CKPT_A_MAX,
			  (struct nla_policy *)policy) < 0 || !tb[CKPT_A_EVENT])
		return NL_SKIP;
	ev = nla_get_u32(tb[CKPT_A_EVENT]);
	printf("event=%s", event_name(ev));
	if (tb[CKPT_A_PID])
		printf(" pid=%u", nla_get_u32(tb[CKPT_A_PID]));
	if (tb[CKPT_A_PID_HI])
		printf(" range=%u-%u", nla_get_u32(tb[CKPT_A_PID_LO]),
		       nla_get_u32(tb[CKPT_A_PID_HI]));
	if (tb[CKPT_A_ROUND])
		printf(" round=%u", nla_get_u32(tb[CKPT_A_ROUND]));
	if (tb[CKPT_A_BYTES])
		printf(" bytes=%" PRIu64, nla_get_u64(tb[CKPT_A_BYTES]));
	if (tb[CKPT_A_DIRTY_PAGES])
		printf(" dirty_pages=%" PRIu64,
		       nla_get_u64(tb[CKPT_A_DIRTY_PAGES]));
	if (tb[CKPT_A_DOWNTIME_MS])
		printf(" downtime_ms=%" PRIu64,
		       nla_get_u64(tb[CKPT_A_DOWNTIME_MS]));
	if (tb[CKPT_A_ELAPSED_MS])
		printf(" elapsed_ms=%" PRIu64,
		       nla_get_u64(tb[CKPT_A_ELAPSED_MS]));
	e = tb[CKPT_A_ERRNO] ? nla_get_u32(tb[CKPT_A_ERRNO]) : 0;
	if (e)
		printf(" error=%s", ckpt_errname(-(int)e));
	printf("\n");
	fflush(stdout);
	if (c->count > 0)
		c->count--;
	return NL_OK;
}

static int do_monitor(struct ctl *c, int argc, char **argv)
{
	int grp, err;
	char *end;

	c->count = -1;
	if (argc == 2 && !strcmp(argv[0], "-n")) {
		c->count = strtol(argv[1], &end, 10);
		if (*end || c->count < 1) {
			ckpt_fail(0, "-n needs a positive count");
			return CKPT_EXIT_USAGE;
		}
	} else if (argc) {
		usage(stderr);
		return CKPT_EXIT_USAGE;
	}
	grp = genl_ctrl_resolve_grp(c->sk, CKPT_GENL_NAME,
				    CKPT_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		ckpt_fail(-ENOENT, "no \"%s\" group in the \"%s\" family",
			  CKPT_GENL_MCGRP_EVENTS, CKPT_GENL_NAME);
		return CKPT_EXIT_FAILED;
	}
	err = nl_socket_add_membership(c->sk, grp);
	if (err < 0) {
		ckpt_fail(-EPERM, "cannot subscribe to events: %s (CAP_NET_ADMIN needed)",
			  nl_geterror(err));
		return CKPT_EXIT_FAILED;
	}
	nl_socket_disable_seq_check(c->sk);
	nl_socket_modify_cb(c->sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, c);
	printf("monitoring ckpt events\n");
	fflush(stdout);
	while (c->count != 0) {
		err = nl_recvmsgs_default(c->sk);
		if (err < 0 && err != -NLE_INTR) {
			ckpt_fail(-EIO, "receiving events failed: %s",
				  nl_geterror(err));
			return CKPT_EXIT_FAILED;
		}
	}
	return CKPT_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct ctl c;
	int err, ret;

	ckpt_prog = "ckptctl";
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CKPT_EXIT_USAGE : CKPT_EXIT_OK;
	}
	memset(&c, 0, sizeof(c));
	if (strcmp(argv[1], "status") && strcmp(argv[1], "pid-range") &&
	    strcmp(argv[1], "tombstone") && strcmp(argv[1], "untombstone") &&
	    strcmp(argv[1], "monitor")) {
		ckpt_fail(0, "unknown command '%s'", argv[1]);
		ckpt_hint("try 'ckptctl --help'");
		return CKPT_EXIT_USAGE;
	}
	err = open_family(&c);
	if (err) {
		report_open(err);
		if (c.sk)
			nl_socket_free(c.sk);
		return CKPT_EXIT_FAILED;
	}
	if (!strcmp(argv[1], "status"))
		ret = argc == 2 ? do_status(&c) : (usage(stderr), CKPT_EXIT_USAGE);
	else if (!strcmp(argv[1], "pid-range"))
		ret = do_range(&c, argc - 2, argv + 2);
	else if (!strcmp(argv[1], "tombstone"))
		ret = do_tomb(&c, 1, argc - 2, argv + 2);
	else if (!strcmp(argv[1], "untombstone"))
		ret = do_tomb(&c, 0, argc - 2, argv + 2);
	else
		ret = do_monitor(&c, argc - 2, argv + 2);
	nl_socket_free(c.sk);
	return ret;
}
