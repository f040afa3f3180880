// SPDX-License-Identifier: GPL-2.0
/*
 * A UDP socket's multicast state (CKPT_REC_MCAST): the groups it joined
 * (IP_ADD_MEMBERSHIP, IPV6_ADD_MEMBERSHIP) and IP_MULTICAST_TTL, _LOOP and
 * _IF or their IPv6 equivalents.  Lost, a restored receiver would hear
 * nothing of its groups, without a word.
 *
 * Dump: sockets.c's scan refuses (EOPNOTSUPP, naming the fd) what cannot
 * be set again the same way: source filters (IP_ADD_SOURCE_MEMBERSHIP,
 * MCAST_MSFILTER...), more than CKPT_MCAST_MAX_GROUPS groups, IPv4 groups
 * of an IPv6 socket; it writes one MCAST record for each socket whose
 * state is not a new socket's, read from the socket's own lists (RCU).
 *
 * Restore: the records are checked before the point of no return (one a
 * UDP SOCKET record, multicast groups, devices that exist in the
 * restorer's network namespace: ENODEV naming the fd); once the socket is
 * made, the options and the groups are set with setsockopt(), as the
 * restored process would, so the kernel's own checks and limits apply.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/igmp.h>
#include <linux/netdevice.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/if_inet6.h>
#include "ckpt.h"

static bool ckpt_is_udp(const struct sock *sk)
{
	return (sk->sk_family == AF_INET || sk->sk_family == AF_INET6) &&
	       sk->sk_type == SOCK_DGRAM && sk->sk_protocol == IPPROTO_UDP;
}

/* ---------------------------------------------------------------------- */
/* Dump                                                                    */
/* ---------------------------------------------------------------------- */

/*
 * Can @sk's multicast state be saved?  EOPNOTSUPP: source filters, too
 * many groups, IPv4 groups on an IPv6 socket.
 */
int ckpt_mcast_check(struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);
	const struct ip_mc_socklist *iml;
	unsigned int n = 0;
	int err = 0;

	if (!ckpt_is_udp(sk))
		return 0;
	rcu_read_lock();
	for (iml = rcu_dereference(inet->mc_list); iml && !err;
	     iml = rcu_dereference(iml->next_rcu)) {
		const struct ip_sf_socklist *sf = rcu_dereference(iml->sflist);

		if (sk->sk_family != AF_INET || ++n > CKPT_MCAST_MAX_GROUPS ||
		    iml->sfmode != MCAST_EXCLUDE || (sf && sf->sl_count))
			err = -EOPNOTSUPP;
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		const struct ipv6_mc_socklist *m;

		for (m = rcu_dereference(inet6_sk(sk)->ipv6_mc_list);
		     m && !err; m = rcu_dereference(m->next)) {
			const struct ip6_sf_socklist *sf =
				rcu_dereference(m->sflist);

			if (++n > CKPT_MCAST_MAX_GROUPS ||
			    m->sfmode != MCAST_EXCLUDE || (sf && sf->sl_count))
				err = -EOPNOTSUPP;
		}
	}
#endif
	rcu_read_unlock();
	return err;
}

/*
 * @sk's multicast state into @m and @g (CKPT_MCAST_MAX_GROUPS entries;
 * ckpt_mcast_check() passed); false when it is a new socket's.  The
 * groups are listed newest first: they are put back in joining order.
 */
bool ckpt_mcast_read(struct sock *sk, struct ckpt_rec_mcast *m,
		     struct ckpt_rec_mcast_group *g)
{
	const struct inet_sock *inet = inet_sk(sk);
	u32 n = 0, i;

	memset(m, 0, sizeof(*m));
	if (!ckpt_is_udp(sk))
		return false;
	rcu_read_lock();
	if (sk->sk_family == AF_INET) {
		const struct ip_mc_socklist *iml;

		m->hops = READ_ONCE(inet->mc_ttl);
		if (!inet->mc_loop)
			m->flags |= CKPT_MCAST_NO_LOOP;
		m->ifindex = READ_ONCE(inet->mc_index);
		m->if_addr = (__force u32)READ_ONCE(inet->mc_addr);
		for (iml = rcu_dereference(inet->mc_list);
		     iml && n < CKPT_MCAST_MAX_GROUPS;
		     iml = rcu_dereference(iml->next_rcu), n++) {
			memset(&g[n], 0, sizeof(g[n]));
			memcpy(g[n].addr, &iml->multi.imr_multiaddr, 4);
			g[n].ifindex = iml->multi.imr_ifindex;
			g[n].if_addr =
				(__force u32)iml->multi.imr_address.s_addr;
		}
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		const struct ipv6_pinfo *np = inet6_sk(sk);
		const struct ipv6_mc_socklist *ml;

		m->hops = np->mcast_hops;
		if (!np->mc_loop)
			m->flags |= CKPT_MCAST_NO_LOOP;
		m->ifindex = READ_ONCE(np->mcast_oif);
		for (ml = rcu_dereference(np->ipv6_mc_list);
		     ml && n < CKPT_MCAST_MAX_GROUPS;
		     ml = rcu_dereference(ml->next), n++) {
			memset(&g[n], 0, sizeof(g[n]));
			memcpy(g[n].addr, &ml->addr, 16);
			g[n].ifindex = ml->ifindex;
		}
	}
#endif
	rcu_read_unlock();
	/* newest first in the lists: joining order in the record */
	for (i = 0; i < n / 2; i++)
		swap(g[i], g[n - 1 - i]);
	m->nr_groups = n;
	return n || m->flags || m->ifindex || m->if_addr ||
	       m->hops != (sk->sk_family == AF_INET ? 1 : -1);
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

int ckpt_take_mcast(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_mcast *rec = p;
	struct ckpt_restore_mcast *e;
	int err;

	if (len < sizeof(*rec) || rec->nr_groups > CKPT_MCAST_MAX_GROUPS ||
	    len != sizeof(*rec) + rec->nr_groups *
		   sizeof(struct ckpt_rec_mcast_group))
		return -EBADMSG;
	err = ckpt_grow((void **)&r->mcasts, r->nr_mcasts, sizeof(*e),
			CKPT_MAX_SOCKETS);
	if (err)
		return err;
	e = &r->mcasts[r->nr_mcasts];
	memcpy(&e->rec, rec, sizeof(*rec));
	/* read once: the count checked is the copy's */
	if (e->rec.nr_groups != (len - sizeof(*rec)) /
	    sizeof(struct ckpt_rec_mcast_group))
		return -EBADMSG;
	memcpy(e->groups, rec + 1, e->rec.nr_groups * sizeof(e->groups[0]));
	e->offset = r->in.rec_offset;
	r->nr_mcasts++;
	return 0;
}

static bool ckpt_mcast_dev_ok(s32 ifindex)
{
	bool ok;

	if (!ifindex)
		return true;
	if (ifindex < 0)
		return false;
	rcu_read_lock();
	ok = dev_get_by_index_rcu(current->nsproxy->net_ns, ifindex);
	rcu_read_unlock();
	return ok;
}

/* The form of @m, for socket @s (family @v6 or IPv4). */
static bool ckpt_mcast_ok(const struct ckpt_restore_mcast *m, bool v6)
{
	u32 i;

	if (m->rec.flags & ~CKPT_MCAST_NO_LOOP || m->rec.reserved ||
	    m->rec.hops < (v6 ? -1 : 0) || m->rec.hops > 255 ||
	    (v6 && m->rec.if_addr))
		return false;
	for (i = 0; i < m->rec.nr_groups; i++) {
		const struct ckpt_rec_mcast_group *g = &m->groups[i];
		__be32 a4;

		memcpy(&a4, g->addr, 4);
		if (v6 ? !ipv6_addr_is_multicast((const void *)g->addr) ||
			 g->if_addr :
			 !ipv4_is_multicast(a4) ||
			 memchr_inv(g->addr + 4, 0, 12))
			return false;
	}
	return true;
}

/*
 * Before the point of no return: one record a UDP socket of this process,
 * well formed; every device there (ENODEV, naming the fd).
 */
int ckpt_check_mcasts(struct ckpt_restore *r)
{
	u32 i, j;

	for (i = 0; i < r->nr_mcasts; i++) {
		struct ckpt_restore_mcast *m = &r->mcasts[i];
		struct ckpt_restore_sock *s = NULL;
		bool dev_ok = ckpt_mcast_dev_ok(m->rec.ifindex);

		for (j = 0; j < r->nr_socks; j++)
			if (r->socks[j].rec.id == m->rec.id)
				s = &r->socks[j];
		if (!s || s->mcast || s->rec.type != SOCK_DGRAM ||
		    s->rec.protocol != IPPROTO_UDP ||
		    (s->rec.family != AF_INET && s->rec.family != AF_INET6) ||
		    !ckpt_mcast_ok(m, s->rec.family == AF_INET6)) {
			r->err.type = CKPT_REC_MCAST;
			r->err.offset = m->offset;
			return ckpt_fail(&r->err, CKPT_OBJ_IMAGE, -EBADMSG);
		}
		for (j = 0; j < m->rec.nr_groups; j++)
			dev_ok = dev_ok && ckpt_mcast_dev_ok(m->groups[j].ifindex);
		if (!dev_ok) {
			r->err.fd = ckpt_sock_fd(r, m->rec.id);
			return ckpt_fail(&r->err, CKPT_OBJ_FD, -ENODEV);
		}
		s->mcast = m;
	}
	return 0;
}

/* @m (checked) on the new socket @sock: the options, then the groups. */
int ckpt_mcast_apply(struct socket *sock, const struct ckpt_restore_mcast *m)
{
	bool v6 = sock->sk->sk_family == AF_INET6;
	int loop = !(m->rec.flags & CKPT_MCAST_NO_LOOP), err;
	u32 i;

	if (v6) {
		err = ckpt_setsockopt_int(sock, SOL_IPV6, IPV6_MULTICAST_HOPS,
					  m->rec.hops);
		if (!err)
			err = ckpt_setsockopt_int(sock, SOL_IPV6,
						  IPV6_MULTICAST_LOOP, loop);
		if (!err && m->rec.ifindex)
			err = ckpt_setsockopt_int(sock, SOL_IPV6,
						  IPV6_MULTICAST_IF,
						  m->rec.ifindex);
	} else {
		struct ip_mreqn mr = {
			.imr_address.s_addr = (__force __be32)m->rec.if_addr,
			.imr_ifindex = m->rec.ifindex,
		};

		err = ckpt_setsockopt_int(sock, SOL_IP, IP_MULTICAST_TTL,
					  m->rec.hops);
		if (!err)
			err = ckpt_setsockopt_int(sock, SOL_IP,
						  IP_MULTICAST_LOOP, loop);
		if (!err && (mr.imr_ifindex || mr.imr_address.s_addr))
			err = ckpt_setsockopt(sock, SOL_IP, IP_MULTICAST_IF,
					      &mr, sizeof(mr));
	}
	for (i = 0; !err && i < m->rec.nr_groups; i++) {
		const struct ckpt_rec_mcast_group *g = &m->groups[i];

		if (v6) {
			struct ipv6_mreq mr = {
				.ipv6mr_ifindex = g->ifindex,
			};

			memcpy(&mr.ipv6mr_multiaddr, g->addr, 16);
			err = ckpt_setsockopt(sock, SOL_IPV6,
					      IPV6_ADD_MEMBERSHIP, &mr,
					      sizeof(mr));
		} else {
			struct ip_mreqn mr = {
				.imr_address.s_addr =
					(__force __be32)g->if_addr,
				.imr_ifindex = g->ifindex,
			};

			memcpy(&mr.imr_multiaddr, g->addr, 4);
			err = ckpt_setsockopt(sock, SOL_IP, IP_ADD_MEMBERSHIP,
					      &mr, sizeof(mr));
		}
	}
	return err;
}
