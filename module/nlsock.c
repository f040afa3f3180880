// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink sockets (AF_NETLINK; CKPT_REC_NETLINK): a route or uevent
 * monitor's, a libnl or libmnl client's.  The SOCKET record holds the
 * family, type, protocol and port ID; the NETLINK record the multicast
 * groups, the options and the destination of connect(2).
 *
 * Dump: what netlink keeps to itself (struct netlink_sock is private to
 * net/netlink) is read as getsockopt(2) reads it, NETLINK_LIST_MEMBERSHIPS
 * and the option flags, into a page mapped for the while in the
 * checkpointer's own address space; the destination as getpeername(2)
 * reads it.  Refused: a pending error, a socket filter, a member of a
 * group beyond CKPT_NL_MAX_GROUPS (EOPNOTSUPP); unread messages (EBUSY: a
 * reply or event the process has not read, or a dump the kernel is still
 * sending, would be lost; try again when it is idle); groups or a
 * destination the process could no longer take with its credentials now
 * (EPERM: a new socket tries as it).  NETLINK_LISTEN_ALL_NSID cannot be
 * read so, and is not saved.
 *
 * Restore: the socket is made and bound to its port ID (sockets.c); then,
 * with setsockopt(2) and connect(2) as the restored process, each group is
 * joined, each option set and the destination connected to, so the
 * kernel checks what the restored credentials may do (the LSM hooks of
 * bind, setsockopt and connect are not called: kernel_bind() and the
 * like skip them).
 */
#include <linux/cred.h>
#include <linux/mman.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <linux/uaccess.h>
#include <net/sock.h>
#include "ckpt.h"

static const struct {
	u32 flag;
	int opt;
} ckpt_nl_opts[] = {
	{ CKPT_NL_PKTINFO, NETLINK_PKTINFO },
	{ CKPT_NL_BROADCAST_ERROR, NETLINK_BROADCAST_ERROR },
	{ CKPT_NL_NO_ENOBUFS, NETLINK_NO_ENOBUFS },
	{ CKPT_NL_CAP_ACK, NETLINK_CAP_ACK },
	{ CKPT_NL_EXT_ACK, NETLINK_EXT_ACK },
	{ CKPT_NL_GET_STRICT_CHK, NETLINK_GET_STRICT_CHK },
};

/* ---------------------------------------------------------------------- */
/* Dump                                                                    */
/* ---------------------------------------------------------------------- */

/* The scratch page: optlen at its start, optval from here. */
#define CKPT_NL_VAL	64

/* getsockopt(2) of SOL_NETLINK @opt, @len bytes, at @ua: the length out. */
static int ckpt_nl_getsockopt(struct socket *sock, unsigned long ua, int opt,
			      int len)
{
	int __user *ulen = (int __user *)ua;
	int err;

	if (put_user(len, ulen))
		return -EFAULT;
	err = sock->ops->getsockopt(sock, SOL_NETLINK, opt,
				    (char __user *)(ua + CKPT_NL_VAL), ulen);
	if (!err && get_user(len, ulen))
		err = -EFAULT;
	return err ? err : len;
}

/* The groups, as NETLINK_LIST_MEMBERSHIPS reads them, into @n->groups. */
static int ckpt_nl_groups(struct socket *sock, unsigned long ua,
			  struct ckpt_rec_netlink *n)
{
	const int room = PAGE_SIZE - CKPT_NL_VAL;
	u32 __user *w = (u32 __user *)(ua + CKPT_NL_VAL);
	int len, i;
	u32 v;

	len = ckpt_nl_getsockopt(sock, ua, NETLINK_LIST_MEMBERSHIPS, room);
	if (len < 0)
		return len;
	if (len > room)
		return -EOPNOTSUPP;	/* more groups than we read */
	for (i = 0; i < len / (int)sizeof(u32); i++) {
		if (get_user(v, w + i))
			return -EFAULT;
		if (i < ARRAY_SIZE(n->groups))
			n->groups[i] = v;
		else if (v)
			return -EOPNOTSUPP;
	}
	return 0;
}

/* @sock's groups, options and destination (its owner frozen). */
static int ckpt_nl_read(struct socket *sock, struct ckpt_rec_netlink *n)
{
	struct sockaddr_nl peer = {};
	unsigned long ua;
	unsigned int i;
	int err, val = 0;

	memset(n, 0, sizeof(*n));
	if (!current->mm)
		return -EOPNOTSUPP;
	ua = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(ua))
		return (int)ua;
	err = ckpt_nl_groups(sock, ua, n);
	for (i = 0; !err && i < ARRAY_SIZE(ckpt_nl_opts); i++) {
		err = ckpt_nl_getsockopt(sock, ua, ckpt_nl_opts[i].opt,
					 sizeof(int));
		if (err >= 0)
			err = get_user(val, (int __user *)(ua + CKPT_NL_VAL));
		if (!err && val)
			n->flags |= ckpt_nl_opts[i].flag;
	}
	vm_munmap(ua, PAGE_SIZE);
	if (err)
		return err;
	if (READ_ONCE(sock->sk->sk_state) == NETLINK_CONNECTED) {
		err = kernel_getpeername(sock, (struct sockaddr *)&peer);
		if (err < 0)
			return err;
		n->flags |= CKPT_NL_CONNECTED;
		n->dst_portid = peer.nl_pid;
		n->dst_group = ffs(peer.nl_groups);
	}
	return 0;
}

/*
 * Nothing the restore could not give back: no pending error, no socket
 * filter (SO_ATTACH_FILTER, a uevent monitor's), no message unread (a
 * reply, an event, a dump still being sent: EBUSY, try again).  Checked
 * when the sockets are scanned and again when the record is written.
 */
static int ckpt_nl_idle(struct sock *sk)
{
	if (READ_ONCE(sk->sk_err) || rcu_access_pointer(sk->sk_filter))
		return -EOPNOTSUPP;
	if (!skb_queue_empty_lockless(&sk->sk_receive_queue))
		return -EBUSY;
	return 0;
}

/*
 * Could process @t join @n's groups and connect as it did, with its
 * credentials now?  A daemon that dropped the privilege it joined with
 * could not, and its restore would fail past the point of no return: so
 * a new socket tries, as @t, and is released (EPERM: refused).
 */
static int ckpt_nl_trial(struct task_struct *t, struct socket *sock,
			 const struct ckpt_rec_netlink *n)
{
	const struct cred *cred, *old;
	struct socket *s;
	int err;

	if (!(n->flags & CKPT_NL_CONNECTED) &&
	    !memchr_inv(n->groups, 0, sizeof(n->groups)))
		return 0;
	cred = get_task_cred(t);
	old = override_creds(cred);
	err = sock_create(AF_NETLINK, sock->sk->sk_type, sock->sk->sk_protocol,
			  &s);
	if (!err) {
		err = ckpt_nl_apply(s, n);
		sock_release(s);
	}
	revert_creds(old);
	put_cred(cred);
	return err == -EACCES ? -EPERM : err;
}

/*
 * Can netlink socket @sock of process @t be saved?  Its state in *@state:
 * bound (it has a port ID) or not.
 */
int ckpt_nl_check(struct task_struct *t, struct socket *sock, u16 *state)
{
	struct sock *sk = sock->sk;
	struct ckpt_rec_netlink n;
	struct sockaddr_nl a = {};
	int err;

	if ((sk->sk_type != SOCK_RAW && sk->sk_type != SOCK_DGRAM) ||
	    sk->sk_protocol >= MAX_LINKS)
		return -EOPNOTSUPP;
	err = ckpt_nl_idle(sk);
	if (!err)
		err = ckpt_nl_read(sock, &n);
	if (!err)
		err = ckpt_nl_trial(t, sock, &n);
	if (err)
		return err;
	err = kernel_getsockname(sock, (struct sockaddr *)&a);
	if (err < 0)
		return err;
	*state = a.nl_pid ? CKPT_SOCK_BOUND : CKPT_SOCK_UNBOUND;
	return 0;
}

/* The NETLINK record of @sock, its state read again. */
int ckpt_nl_record(struct socket *sock, struct ckpt_rec_netlink *n)
{
	int err = ckpt_nl_idle(sock->sk);

	return err ? err : ckpt_nl_read(sock, n);
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

int ckpt_take_netlink(struct ckpt_restore *r, const void *p, u32 len)
{
	struct ckpt_restore_netlink *e;
	const struct ckpt_rec_netlink *n;
	int err;

	if (len != sizeof(*n))
		return -EBADMSG;
	err = ckpt_grow((void **)&r->netlinks, r->nr_netlinks, sizeof(*e),
			CKPT_MAX_SOCKETS);
	if (err)
		return err;
	e = &r->netlinks[r->nr_netlinks];
	memcpy(&e->rec, p, sizeof(e->rec));
	n = &e->rec;	/* read once: the copy is checked and used */
	if (n->reserved || n->flags & ~CKPT_NL_ALL || n->dst_group > 32 ||
	    (!(n->flags & CKPT_NL_CONNECTED) && (n->dst_portid || n->dst_group)))
		return -EBADMSG;
	e->offset = r->in.rec_offset;
	r->nr_netlinks++;
	return 0;
}

/*
 * Before the point of no return: one record for each netlink socket of
 * this process and none for another; a connected one is bound.
 */
int ckpt_check_netlinks(struct ckpt_restore *r)
{
	u32 i, j;

	for (i = 0; i < r->nr_netlinks; i++) {
		const struct ckpt_rec_netlink *n = &r->netlinks[i].rec;
		struct ckpt_restore_sock *s = NULL;

		for (j = 0; j < r->nr_socks; j++)
			if (r->socks[j].rec.id == n->id)
				s = &r->socks[j];
		if (!s || s->nl || s->rec.family != AF_NETLINK ||
		    (n->flags & CKPT_NL_CONNECTED &&
		     s->rec.state != CKPT_SOCK_BOUND))
			return ckpt_bad_rec(r, CKPT_REC_NETLINK,
					    r->netlinks[i].offset, -EBADMSG);
		s->nl = n;
	}
	for (j = 0; j < r->nr_socks; j++)
		if (r->socks[j].rec.family == AF_NETLINK && !r->socks[j].nl)
			return ckpt_bad_rec(r, CKPT_REC_SOCKET,
					    r->socks[j].offset, -EBADMSG);
	return 0;
}

/* @n (checked) on the new socket @sock, bound: groups, options, peer. */
int ckpt_nl_apply(struct socket *sock, const struct ckpt_rec_netlink *n)
{
	struct sockaddr_nl peer = { .nl_family = AF_NETLINK };
	unsigned int i;
	int err = 0;
	u32 g;

	for (g = 1; !err && g <= CKPT_NL_MAX_GROUPS; g++)
		if (n->groups[(g - 1) / 32] & (1U << ((g - 1) % 32)))
			err = ckpt_setsockopt(sock, SOL_NETLINK,
					      NETLINK_ADD_MEMBERSHIP, &g,
					      sizeof(g));
	for (i = 0; !err && i < ARRAY_SIZE(ckpt_nl_opts); i++)
		if (n->flags & ckpt_nl_opts[i].flag)
			err = ckpt_setsockopt_int(sock, SOL_NETLINK,
						  ckpt_nl_opts[i].opt, 1);
	if (err || !(n->flags & CKPT_NL_CONNECTED))
		return err;
	peer.nl_pid = n->dst_portid;
	peer.nl_groups = n->dst_group ? 1U << (n->dst_group - 1) : 0;
	return kernel_connect(sock, (struct sockaddr *)&peer, sizeof(peer), 0);
}
