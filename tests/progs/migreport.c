// SPDX-License-Identifier: GPL-2.0
/*
 * migreport: send one CKPT_CMD_MIG_REPORT to the ckpt module, with any
 * attributes (also wrong ones), and print the kernel's answer.
 *
 *   migreport NAME=VALUE...
 *
 * NAME: event, pid, errno, round (u32); bytes, downtime, elapsed, dirty
 * (u64).  Prints "ok" (exit 0) or "error=ERRNO" (exit 1); 2 on a usage or
 * local error.  For case 77 (the command's checks).
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <linux/ckpt.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "common.h"

struct msg {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[512];
};

static void put(struct msg *m, int type, const void *v, int len)
{
	struct nlattr *a = (void *)((char *)m + NLMSG_ALIGN(m->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, v, len);
	m->n.nlmsg_len = NLMSG_ALIGN(m->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* Send @m, return the error of its ack (0, or a negative errno). */
static int transact(int fd, struct msg *m, char *buf, size_t size,
		    uint16_t *family)
{
	struct nlmsghdr *h;
	ssize_t n;

	if (send(fd, m, m->n.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(fd, buf, size, 0);
	if (n < 0)
		return -errno;
	for (h = (void *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR)
			return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		if (family) {
			struct nlattr *a = (void *)((char *)NLMSG_DATA(h) +
						    GENL_HDRLEN);
			int left = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

			while (left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN) {
				if (a->nla_type == CTRL_ATTR_FAMILY_ID)
					memcpy(family, (char *)a + NLA_HDRLEN, 2);
				left -= NLA_ALIGN(a->nla_len);
				a = (void *)((char *)a + NLA_ALIGN(a->nla_len));
			}
			return 0;
		}
	}
	return -EIO;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int type; int is64; } names[] = {
		{ "event", CKPT_A_EVENT, 0 }, { "pid", CKPT_A_PID, 0 },
		{ "errno", CKPT_A_ERRNO, 0 }, { "round", CKPT_A_ROUND, 0 },
		{ "bytes", CKPT_A_BYTES, 1 },
		{ "downtime", CKPT_A_DOWNTIME_MS, 1 },
		{ "elapsed", CKPT_A_ELAPSED_MS, 1 },
		{ "dirty", CKPT_A_DIRTY_PAGES, 1 },
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static char buf[8192];
	uint16_t family = 0;
	struct msg m;
	int fd, err, i;
	size_t j;

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("migreport: netlink");
		return 2;
	}
	memset(&m, 0, sizeof(m));
	m.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m.n.nlmsg_type = GENL_ID_CTRL;
	m.n.nlmsg_flags = NLM_F_REQUEST;
	m.g.cmd = CTRL_CMD_GETFAMILY;
	m.g.version = 1;
	put(&m, CTRL_ATTR_FAMILY_NAME, CKPT_GENL_NAME, sizeof(CKPT_GENL_NAME));
	err = transact(fd, &m, buf, sizeof(buf), &family);
	if (err || !family) {
		fprintf(stderr, "migreport: no family %s: %s\n", CKPT_GENL_NAME,
			strerror(-err));
		return 2;
	}
	memset(&m, 0, sizeof(m));
	m.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m.n.nlmsg_type = family;
	m.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	m.g.cmd = CKPT_CMD_MIG_REPORT;
	m.g.version = CKPT_GENL_VERSION;
	for (i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		unsigned long long v;

		if (!eq)
			goto usage;
		*eq = '\0';
		v = strtoull(eq + 1, NULL, 0);
		for (j = 0; j < sizeof(names) / sizeof(names[0]); j++)
			if (!strcmp(names[j].name, argv[i]))
				break;
		if (j == sizeof(names) / sizeof(names[0]))
			goto usage;
		if (names[j].is64) {
			uint64_t v64 = v;

			put(&m, names[j].type, &v64, 8);
		} else {
			uint32_t v32 = (uint32_t)v;

			put(&m, names[j].type, &v32, 4);
		}
	}
	err = transact(fd, &m, buf, sizeof(buf), NULL);
	if (!err) {
		printf("ok\n");
		return 0;
	}
	printf("error=%s\n", strerrorname_np(-err) ? strerrorname_np(-err) : "?");
	return 1;
usage:
	fprintf(stderr, "usage: migreport NAME=VALUE...\n");
	return 2;
}
