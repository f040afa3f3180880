// SPDX-License-Identifier: GPL-2.0
/*
 * nlsocks DIR: netlink sockets come back with their port IDs, multicast
 * groups, options and destination, and work.
 *
 *  A: NETLINK_ROUTE, raw, bound by the kernel (autobind) with the group
 *     RTMGRP_IPV4_IFADDR (5), and RTNLGRP_NEXTHOP (32) and RTNLGRP_STATS
 *     (36, beyond bind's 32) joined with NETLINK_ADD_MEMBERSHIP;
 *     NETLINK_EXT_ACK, NETLINK_NO_ENOBUFS, NETLINK_GET_STRICT_CHK.
 *  B: NETLINK_ROUTE, datagram, connected to the kernel (port 0):
 *     NETLINK_PKTINFO, NETLINK_CAP_ACK, NETLINK_BROADCAST_ERROR, SO_RCVBUF
 *     65536.
 *  C: NETLINK_KOBJECT_UEVENT, never bound, SO_REUSEADDR and SO_KEEPALIVE.
 *  D: NETLINK_ROUTE, raw, bound to an explicit port ID.
 *  E: NETLINK_ROUTE, raw, connected to A's port.
 *  F: NETLINK_XFRM (protocol 6, IPPROTO_TCP's number), never bound; a
 *     NETLINK_GENERIC one where the kernel has no xfrm_user.
 *
 * Writes DIR/ready ("pid= a= b= d= e="), waits for DIR/go, then checks:
 * each port ID (getsockname; C none), each group list
 * (NETLINK_LIST_MEMBERSHIPS), option and buffer size as set; E's
 * message reaches A from E's port, and D's to E is refused
 * (ECONNREFUSED: E takes only A's); through B, adding an address to lo
 * is acknowledged (with NETLINK_PKTINFO's cmsg) and A hears of it
 * (RTM_NEWADDR, its multicast group); the address is removed again.
 * Prints "all checks passed" and exits 0, or exits 1 with a reason.
 *
 * nlsocks busy DIR: a netlink socket holds a reply it has not read (a dump
 * of the links); after DIR/go it reads it all and exits 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static const char *dir;

static void die(const char *what)
{
	fprintf(stderr, "nlsocks: %s (%s)\n", what, strerror(errno));
	exit(1);
}

static int nl_socket(int type, int proto)
{
	int fd = socket(AF_NETLINK, type | SOCK_CLOEXEC, proto);

	if (fd < 0)
		die("socket(AF_NETLINK)");
	return fd;
}

static void nl_bind(int fd, unsigned int port, unsigned int groups)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_pid = port,
				 .nl_groups = groups };

	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		die("bind");
}

static void nl_connect(int fd, unsigned int port)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_pid = port };

	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
}

static unsigned int port_of(int fd)
{
	struct sockaddr_nl a;
	socklen_t len = sizeof(a);

	memset(&a, 0xff, sizeof(a));
	if (getsockname(fd, (struct sockaddr *)&a, &len))
		die("getsockname");
	return a.nl_pid;
}

static void set_opt(int fd, int opt, int val)
{
	if (setsockopt(fd, SOL_NETLINK, opt, &val, sizeof(val)))
		die("setsockopt(SOL_NETLINK)");
}

/* An int option of @level (SOL_NETLINK, SOL_SOCKET). */
static int get_opt(int fd, int level, int opt)
{
	socklen_t len = sizeof(int);
	int val = -1;

	if (getsockopt(fd, level, opt, &val, &len))
		die("getsockopt");
	return val;
}

/* NETLINK_LIST_MEMBERSHIPS: the first 64 groups, as a mask (bit g - 1). */
static unsigned long long groups_of(int fd)
{
	unsigned int w[8] = { 0 };
	socklen_t len = sizeof(w);

	if (getsockopt(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, w, &len))
		die("getsockopt(NETLINK_LIST_MEMBERSHIPS)");
	return w[0] | (unsigned long long)w[1] << 32;
}

/* The options of the socket, one bit each, as a number to compare. */
static unsigned int opts_of(int fd)
{
	static const int opts[] = { NETLINK_PKTINFO, NETLINK_BROADCAST_ERROR,
				    NETLINK_NO_ENOBUFS, NETLINK_CAP_ACK,
				    NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK };
	unsigned int i, v = 0;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (get_opt(fd, SOL_NETLINK, opts[i]))
			v |= 1U << i;
	return v;
}

#define NR_SOCKS	6

struct state {
	unsigned int port[NR_SOCKS];
	unsigned long long groups[NR_SOCKS];
	unsigned int opts[NR_SOCKS];
	int rcvbuf;
};

static void snapshot(const int *fd, struct state *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < NR_SOCKS; i++) {
		s->port[i] = port_of(fd[i]);
		s->groups[i] = groups_of(fd[i]);
		s->opts[i] = opts_of(fd[i]) |
			     (get_opt(fd[i], SOL_SOCKET, SO_REUSEADDR) ?
			      1U << 8 : 0) |
			     (get_opt(fd[i], SOL_SOCKET, SO_KEEPALIVE) ?
			      1U << 9 : 0);
	}
	s->rcvbuf = get_opt(fd[1], SOL_SOCKET, SO_RCVBUF);
}

/* An RTM_NEWADDR or RTM_DELADDR of 192.0.2.77/32 on lo, acknowledged. */
static int addr_request(int fd, int type, unsigned int seq)
{
	struct {
		struct nlmsghdr n;
		struct ifaddrmsg ifa;
		struct rtattr rta;
		struct in_addr a;
	} req;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = sizeof(req);
	req.n.nlmsg_type = type;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			    (type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0);
	req.n.nlmsg_seq = seq;
	req.ifa.ifa_family = AF_INET;
	req.ifa.ifa_prefixlen = 32;
	req.ifa.ifa_index = if_nametoindex("lo");
	req.rta.rta_type = IFA_LOCAL;
	req.rta.rta_len = RTA_LENGTH(sizeof(req.a));
	inet_pton(AF_INET, "192.0.2.77", &req.a);
	if (send(fd, &req, sizeof(req), 0) != (ssize_t)sizeof(req))
		return -1;
	return 0;
}

/* B's acknowledgement of @seq, with its NETLINK_PKTINFO cmsg: error 0. */
static void expect_ack(int fd, unsigned int seq, unsigned int port)
{
	char buf[8192], cbuf[256];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct nlmsghdr *n = (void *)buf;
	struct nlmsgerr *e = NLMSG_DATA(n);
	struct cmsghdr *c;
	int pktinfo = 0;
	ssize_t len = recvmsg(fd, &m, 0);

	if (len < (ssize_t)NLMSG_LENGTH(sizeof(*e)))
		die("no acknowledgement on B");
	if (n->nlmsg_type != NLMSG_ERROR || n->nlmsg_seq != seq ||
	    n->nlmsg_pid != port || e->error) {
		fprintf(stderr, "nlsocks: B got type %u seq %u pid %u error %d, expected an ack of %u to port %u\n",
			n->nlmsg_type, n->nlmsg_seq, n->nlmsg_pid, e->error,
			seq, port);
		exit(1);
	}
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_NETLINK &&
		    c->cmsg_type == NETLINK_PKTINFO)
			pktinfo = 1;
	if (!pktinfo)
		die("B's message has no NETLINK_PKTINFO cmsg");
}

/* A hears of the new address: RTM_NEWADDR, from the kernel (port 0). */
static void expect_newaddr(int fd)
{
	char buf[8192];
	struct sockaddr_nl from;
	socklen_t flen = sizeof(from);
	ssize_t len;
	struct nlmsghdr *n;

	for (;;) {
		len = recvfrom(fd, buf, sizeof(buf), 0,
			       (struct sockaddr *)&from, &flen);
		if (len < 0)
			die("A heard nothing");
		for (n = (void *)buf; NLMSG_OK(n, (size_t)len);
		     n = NLMSG_NEXT(n, len))
			if (n->nlmsg_type == RTM_NEWADDR && !from.nl_pid &&
			    from.nl_groups == RTMGRP_IPV4_IFADDR)
				return;
	}
}

static int run_busy(void)
{
	struct {
		struct nlmsghdr n;
		struct ifinfomsg ifi;
	} req;
	char buf[65536];
	int fd = nl_socket(SOCK_RAW, NETLINK_ROUTE);
	ssize_t len;
	int done = 0;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = sizeof(req);
	req.n.nlmsg_type = RTM_GETLINK;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.n.nlmsg_seq = 1;
	if (send(fd, &req, sizeof(req), 0) != (ssize_t)sizeof(req))
		die("send RTM_GETLINK");
	snprintf(buf, sizeof(buf), "pid=%d fd=%d\n", getpid(), fd);
	if (announce_ready_text(dir, buf))
		die("write ready");
	wait_for_go(dir);
	while (!done) {
		struct nlmsghdr *n = (void *)buf;

		len = recv(fd, buf, sizeof(buf), 0);
		if (len <= 0)
			die("the dump ended early");
		for (; NLMSG_OK(n, (size_t)len); n = NLMSG_NEXT(n, len))
			if (n->nlmsg_type == NLMSG_DONE)
				done = 1;
	}
	printf("all checks passed\n");
	return 0;
}

/*
 * nlsocks filter DIR: a uevent socket with a socket filter (a udev
 * monitor's SO_ATTACH_FILTER); nlsocks dropped DIR (started as root): a
 * route socket connected to the group RTNLGRP_LINK (sending there needs
 * CAP_NET_ADMIN), then the process becomes uid 1000 with no capability;
 * nlsocks netns DIR: a route socket made in a network namespace of its
 * own, the process back in its first.  Each waits for DIR/go and exits 0.
 */
static int run_refused(int dropped)
{
	struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, 0xffff) };
	struct sock_fprog prog = { .len = 1, .filter = code };
	struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	char buf[128];
	int fd, ns;

	if (dropped == 2) {
		/* a route socket of a new network namespace, then home */
		ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (ns < 0 || unshare(CLONE_NEWNET))
			die("unshare(CLONE_NEWNET)");
		fd = nl_socket(SOCK_RAW, NETLINK_ROUTE);
		if (setns(ns, CLONE_NEWNET))
			die("setns back");
		close(ns);
	} else if (dropped) {
		fd = nl_socket(SOCK_RAW, NETLINK_ROUTE);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
			die("connect to RTNLGRP_LINK");
		if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) ||
		    setresuid(1000, 1000, 1000))
			die("becoming uid 1000");
	} else {
		fd = nl_socket(SOCK_RAW, NETLINK_KOBJECT_UEVENT);
		nl_bind(fd, 0, 1);
		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
			       sizeof(prog)))
			die("SO_ATTACH_FILTER");
	}
	snprintf(buf, sizeof(buf), "pid=%d fd=%d\n", getpid(), fd);
	if (announce_ready_text(dir, buf))
		die("write ready");
	wait_for_go(dir);
	printf("all checks passed\n");
	return 0;
}

int main(int argc, char **argv)
{
	const struct timeval tmo = { 5, 0 };
	int fd[NR_SOCKS], i, rcv = 65536, one = 1;
	struct state before, after;
	char buf[512];
	ssize_t n;

	if (argc < 2)
		return 2;
	dir = argv[argc - 1];
	close_extra_fds();
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 2 && !strcmp(argv[1], "busy"))
		return run_busy();
	if (argc > 2 && !strcmp(argv[1], "filter"))
		return run_refused(0);
	if (argc > 2 && !strcmp(argv[1], "dropped"))
		return run_refused(1);
	if (argc > 2 && !strcmp(argv[1], "netns"))
		return run_refused(2);

	fd[0] = nl_socket(SOCK_RAW, NETLINK_ROUTE);
	nl_bind(fd[0], 0, RTMGRP_IPV4_IFADDR);
	set_opt(fd[0], NETLINK_ADD_MEMBERSHIP, RTNLGRP_NEXTHOP);
	set_opt(fd[0], NETLINK_ADD_MEMBERSHIP, RTNLGRP_STATS);
	set_opt(fd[0], NETLINK_EXT_ACK, 1);
	set_opt(fd[0], NETLINK_NO_ENOBUFS, 1);
	set_opt(fd[0], NETLINK_GET_STRICT_CHK, 1);
	fd[1] = nl_socket(SOCK_DGRAM, NETLINK_ROUTE);
	nl_connect(fd[1], 0);
	set_opt(fd[1], NETLINK_PKTINFO, 1);
	set_opt(fd[1], NETLINK_CAP_ACK, 1);
	set_opt(fd[1], NETLINK_BROADCAST_ERROR, 1);
	if (setsockopt(fd[1], SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)))
		die("SO_RCVBUF");
	fd[2] = nl_socket(SOCK_RAW, NETLINK_KOBJECT_UEVENT);
	for (i = 0; i < 2; i++)
		if (setsockopt(fd[2], SOL_SOCKET,
			       i ? SO_KEEPALIVE : SO_REUSEADDR, &one,
			       sizeof(one)))
			die("SO_REUSEADDR, SO_KEEPALIVE");
	fd[3] = nl_socket(SOCK_RAW, NETLINK_ROUTE);
	nl_bind(fd[3], 0x40000000U + (unsigned int)getpid(), 0);
	fd[4] = nl_socket(SOCK_RAW, NETLINK_ROUTE);
	nl_connect(fd[4], port_of(fd[0]));
	/*
	 * protocol 6, as IPPROTO_TCP: no TCP state may be read from it
	 * (where xfrm_user is not loaded, a generic netlink socket)
	 */
	fd[5] = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
	if (fd[5] < 0 && errno == EPROTONOSUPPORT)
		fd[5] = nl_socket(SOCK_RAW, NETLINK_GENERIC);
	if (fd[5] < 0)
		die("socket(AF_NETLINK, NETLINK_XFRM)");
	for (i = 0; i < NR_SOCKS; i++)
		if (setsockopt(fd[i], SOL_SOCKET, SO_RCVTIMEO, &tmo,
			       sizeof(tmo)))
			die("SO_RCVTIMEO");
	snapshot(fd, &before);
	if (before.groups[0] != (1ULL << (RTNLGRP_IPV4_IFADDR - 1) |
				 1ULL << (RTNLGRP_NEXTHOP - 1) |
				 1ULL << (RTNLGRP_STATS - 1)) ||
	    before.port[2] || !before.port[4] || before.opts[0] != 0x34 ||
	    before.opts[1] != 0x0b || before.opts[2] != 0x300)
		die("the sockets are not as set up");
	snprintf(buf, sizeof(buf), "pid=%d a=%u b=%u d=%u e=%u\n", getpid(),
		 before.port[0], before.port[1], before.port[3],
		 before.port[4]);
	if (announce_ready_text(dir, buf))
		die("write ready");
	wait_for_go(dir);

	snapshot(fd, &after);
	for (i = 0; i < NR_SOCKS; i++)
		if (after.port[i] != before.port[i] ||
		    after.groups[i] != before.groups[i] ||
		    after.opts[i] != before.opts[i]) {
			fprintf(stderr, "nlsocks: socket %c: port %u groups 0x%llx options 0x%x, was %u 0x%llx 0x%x\n",
				'A' + i, after.port[i], after.groups[i],
				after.opts[i], before.port[i],
				before.groups[i], before.opts[i]);
			return 1;
		}
	if (after.rcvbuf != before.rcvbuf) {
		fprintf(stderr, "nlsocks: B's SO_RCVBUF %d, was %d\n",
			after.rcvbuf, before.rcvbuf);
		return 1;
	}
	/* E to A, by E's destination */
	if (send(fd[4], "hello", 5, 0) != 5)
		die("send from E");
	{
		struct sockaddr_nl from;
		socklen_t flen = sizeof(from);

		/* the kernel's events to A's groups aside */
		do
			n = recvfrom(fd[0], buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &flen);
		while (n > 0 && !from.nl_pid && from.nl_groups);
		if (n != 5 || memcmp(buf, "hello", 5) ||
		    from.nl_pid != before.port[4])
			die("A did not get E's message from E's port");
	}
	/* D to E: E, connected to A, takes nothing from D */
	{
		struct sockaddr_nl to = { .nl_family = AF_NETLINK,
					  .nl_pid = before.port[4] };

		errno = 0;
		if (sendto(fd[3], "x", 1, 0, (struct sockaddr *)&to,
			   sizeof(to)) != -1 || errno != ECONNREFUSED)
			die("D's message to E was not refused (ECONNREFUSED)");
	}
	if (addr_request(fd[1], RTM_NEWADDR, 77))
		die("send RTM_NEWADDR");
	expect_ack(fd[1], 77, before.port[1]);
	expect_newaddr(fd[0]);
	if (addr_request(fd[1], RTM_DELADDR, 78))
		die("send RTM_DELADDR");
	expect_ack(fd[1], 78, before.port[1]);
	printf("all checks passed\n");
	return 0;
}
