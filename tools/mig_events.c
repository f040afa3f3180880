// SPDX-License-Identifier: GPL-2.0
/* Migration events to the ckpt module's netlink family (mig_events.h). */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/ckpt.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "mig_events.h"

#define EV_BUF		1024
#define EV_TIMEOUT_MS	1000

static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static uint16_t ev_family;
static int ev_off;		/* the module refused: stop */
static uint32_t ev_seq;

struct ev_msg {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[EV_BUF];
};

static void put_attr(struct ev_msg *m, uint16_t type, const void *data,
		     uint16_t len)
{
	struct nlattr *a = (void *)((char *)m + NLMSG_ALIGN(m->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	m->n.nlmsg_len = NLMSG_ALIGN(m->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void put_u32(struct ev_msg *m, uint16_t type, uint32_t v)
{
	put_attr(m, type, &v, sizeof(v));
}

static void put_u64(struct ev_msg *m, uint16_t type, uint64_t v)
{
	put_attr(m, type, &v, sizeof(v));
}

static void msg_init(struct ev_msg *m, uint16_t family, uint8_t cmd,
		     uint8_t version)
{
	memset(m, 0, sizeof(*m));
	m->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->n.nlmsg_type = family;
	m->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	m->n.nlmsg_seq = ++ev_seq;
	m->g.cmd = cmd;
	m->g.version = version;
}

/*
 * Send @m and read the answer into @buf: 0 (ack or reply), a negative
 * errno from the kernel, or -EIO.
 */
static int transact(int fd, struct ev_msg *m, char *buf, size_t size)
{
	struct nlmsghdr *h;
	ssize_t n;

	if (send(fd, m, m->n.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, buf, size, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (h = (void *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != m->n.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EIO;
				if (e->error)
					return e->error;
				return 0;
			}
			return 0;
		}
	}
}

/* The id of the "ckpt" family from the reply in @buf, or 0. */
static uint16_t family_id(const char *buf, size_t len)
{
	const struct nlmsghdr *h = (const void *)buf;
	const struct nlattr *a;
	size_t off;

	if (!NLMSG_OK(h, len) || h->nlmsg_type == NLMSG_ERROR)
		return 0;
	off = NLMSG_LENGTH(GENL_HDRLEN);
	while (off + NLA_HDRLEN <= h->nlmsg_len) {
		a = (const void *)((const char *)h + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > h->nlmsg_len)
			return 0;
		if (a->nla_type == CTRL_ATTR_FAMILY_ID &&
		    a->nla_len >= NLA_HDRLEN + sizeof(uint16_t)) {
			uint16_t id;

			memcpy(&id, (const char *)a + NLA_HDRLEN, sizeof(id));
			return id;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return 0;
}

int ckpt_mig_events_open(void)
{
	struct timeval tv = { 0, EV_TIMEOUT_MS * 1000 };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static char buf[8192];
	struct ev_msg m;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	pthread_mutex_lock(&ev_lock);
	msg_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	m.n.nlmsg_flags = NLM_F_REQUEST;
	put_attr(&m, CTRL_ATTR_FAMILY_NAME, CKPT_GENL_NAME,
		 sizeof(CKPT_GENL_NAME));
	if (send(fd, &m, m.n.nlmsg_len, 0) < 0) {
		pthread_mutex_unlock(&ev_lock);
		goto fail;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		ev_family = n > 0 ? family_id(buf, n) : 0;
		break;
	}
	pthread_mutex_unlock(&ev_lock);
	if (ev_family)
		return fd;
fail:
	close(fd);
	return -1;
}

static int report(int fd, uint32_t event, pid_t pid, int err, uint64_t bytes,
		  uint64_t downtime_ms, uint64_t elapsed_ms, uint32_t round,
		  uint64_t dirty)
{
	char buf[1024];
	struct ev_msg m;
	int ret;

	if (fd < 0 || pid <= 0)
		return -EINVAL;
	pthread_mutex_lock(&ev_lock);
	if (ev_off) {
		pthread_mutex_unlock(&ev_lock);
		return -EPERM;
	}
	msg_init(&m, ev_family, CKPT_CMD_MIG_REPORT, CKPT_GENL_VERSION);
	put_u32(&m, CKPT_A_EVENT, event);
	put_u32(&m, CKPT_A_PID, (uint32_t)pid);
	if (err && event == CKPT_EV_MIGRATE_FAIL)
		put_u32(&m, CKPT_A_ERRNO, (uint32_t)(err < 0 ? -err : err));
	put_u64(&m, CKPT_A_BYTES, bytes);
	put_u64(&m, CKPT_A_ELAPSED_MS, elapsed_ms);
	if (event == CKPT_EV_MIGRATE_DONE)
		put_u64(&m, CKPT_A_DOWNTIME_MS, downtime_ms);
	if (event == CKPT_EV_MIGRATE_ROUND) {
		put_u32(&m, CKPT_A_ROUND, round);
		put_u64(&m, CKPT_A_DIRTY_PAGES, dirty);
	}
	ret = transact(fd, &m, buf, sizeof(buf));
	/* Not permitted, or an older module: don't ask again. */
	if (ret == -EPERM || ret == -EOPNOTSUPP || ret == -EINVAL)
		ev_off = 1;
	pthread_mutex_unlock(&ev_lock);
	return ret;
}

int ckpt_mig_event(int fd, uint32_t event, pid_t pid, int err,
		   uint64_t bytes, uint64_t downtime_ms, uint64_t elapsed_ms)
{
	return report(fd, event, pid, err, bytes, downtime_ms, elapsed_ms, 0,
		      0);
}

int ckpt_mig_event_round(int fd, pid_t pid, uint32_t round, uint64_t bytes,
			 uint64_t dirty_pages, uint64_t elapsed_ms)
{
	return report(fd, CKPT_EV_MIGRATE_ROUND, pid, 0, bytes, 0, elapsed_ms,
		      round, dirty_pages);
}
