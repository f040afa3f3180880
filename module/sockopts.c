// SPDX-License-Identifier: GPL-2.0
/*
 * Socket options beyond the flags of a SOCKET record (CKPT_SOCKF_*): the
 * receive and send timeouts, SO_LINGER, SO_PRIORITY, SO_MARK,
 * SO_RCVLOWAT, IP_TOS / IPV6_TCLASS, IP_TTL / IPV6_UNICAST_HOPS, the
 * ancillary-data and error options (IP_PKTINFO, IP_RECVERR, their IPv6
 * twins, SO_TIMESTAMP...), IP_FREEBIND, TCP keepalive timing,
 * TCP_USER_TIMEOUT, TCP_NOTSENT_LOWAT, TCP_CONGESTION, and a listener's
 * TCP_DEFER_ACCEPT and TCP_FASTOPEN, and TCP_CORK.  Lost, they change what
 * the restored process sees without a word: a blocking read that timed
 * out would wait forever, a connection kept alive by the minute would be
 * probed after two hours.
 *
 * Dump: ckpt_sockopt_read() fills a SOCKOPT record for each socket whose
 * options differ from a new socket's (sockets.c writes them, after the
 * CGROUP record).  Restore: restore.c keeps them (ckpt_take_elem()),
 * ckpt_check_sockopts() checks each against its SOCKET record, and
 * ckpt_sockopts_apply() sets them once the socket is made: with
 * setsockopt()'s own checks, as the restored process, but SO_MARK and
 * SO_PRIORITY, which the restorer's CAP_NET_ADMIN allows.
 */
#include <linux/ctype.h>
#include <linux/kmod.h>
#include <linux/net.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/tcp.h>
#include <linux/time.h>
#include <linux/jiffies.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>
#include <net/ipv6.h>
#include "ckpt.h"

#define CKPT_SOCKOPT_TCP	(CKPT_SOCKOPT_KEEPIDLE | \
				 CKPT_SOCKOPT_KEEPINTVL | \
				 CKPT_SOCKOPT_KEEPCNT | \
				 CKPT_SOCKOPT_USER_TIMEOUT | \
				 CKPT_SOCKOPT_NOTSENT_LOWAT | \
				 CKPT_SOCKOPT_CONGESTION | \
				 CKPT_SOCKOPT_DEFER_ACCEPT | \
				 CKPT_SOCKOPT_FASTOPEN | CKPT_SOCKOPT_CORK)
#define CKPT_TIMEO_US_MAX	((1ULL << 40) - 1)

static bool ckpt_sk_is_tcp(const struct sock *sk)
{
	return (sk->sk_family == AF_INET || sk->sk_family == AF_INET6) &&
	       sk->sk_protocol == IPPROTO_TCP && sk->sk_type == SOCK_STREAM;
}

/* A timeout in jiffies, as microseconds; none (false) if not set. */
static bool ckpt_timeo_us(long t, u64 *us)
{
	if (t == MAX_SCHEDULE_TIMEOUT || t <= 0)
		return false;
	*us = min_t(u64, jiffies64_to_nsecs(t) / NSEC_PER_USEC,
		    CKPT_TIMEO_US_MAX);
	return true;
}

/*
 * TCP_DEFER_ACCEPT in seconds, from the retransmissions the kernel keeps
 * (as getsockopt(2) reads it: tcp.c's retrans_to_secs()).
 */
static u32 ckpt_defer_secs(u8 retrans)
{
	int timeout = TCP_TIMEOUT_INIT / HZ, period = 0;

	if (retrans > 0) {
		period = timeout;
		while (--retrans) {
			timeout <<= 1;
			if (timeout > TCP_RTO_MAX / HZ)
				timeout = TCP_RTO_MAX / HZ;
			period += timeout;
		}
	}
	return period;
}

/* The options of CKPT_IPF_* that are on in @sk. */
static u32 ckpt_sockopt_ipflags(struct sock *sk)
{
	u32 f = 0;

	if (sock_flag(sk, SOCK_RCVTSTAMPNS))
		f |= CKPT_IPF_TIMESTAMPNS;
	else if (sock_flag(sk, SOCK_RCVTSTAMP))
		f |= CKPT_IPF_TIMESTAMP;
	if (f && sock_flag(sk, SOCK_TSTAMP_NEW))
		f |= CKPT_IPF_TSTAMP_NEW;
	if (sock_flag(sk, SOCK_RXQ_OVFL))
		f |= CKPT_IPF_RXQ_OVFL;
	if (sk->sk_family == AF_INET || sk->sk_family == AF_INET6) {
		const struct inet_sock *inet = inet_sk(sk);
		u16 cmsg = READ_ONCE(inet->cmsg_flags);

		f |= (cmsg & IP_CMSG_PKTINFO ? CKPT_IPF_PKTINFO : 0) |
		     (cmsg & IP_CMSG_TTL ? CKPT_IPF_RECVTTL : 0) |
		     (cmsg & IP_CMSG_TOS ? CKPT_IPF_RECVTOS : 0) |
		     (cmsg & IP_CMSG_ORIGDSTADDR ? CKPT_IPF_ORIGDSTADDR : 0) |
		     (inet->recverr ? CKPT_IPF_RECVERR : 0) |
		     (inet->freebind ? CKPT_IPF_FREEBIND : 0);
	}
	if (sk->sk_family == AF_INET6) {
		const struct ipv6_pinfo *np = inet6_sk(sk);

		f |= (np->rxopt.bits.rxinfo ? CKPT_IPF_V6PKTINFO : 0) |
		     (np->rxopt.bits.rxhlim ? CKPT_IPF_V6HOPLIMIT : 0) |
		     (np->rxopt.bits.rxtclass ? CKPT_IPF_V6TCLASS : 0) |
		     (np->rxopt.bits.rxorigdstaddr ?
		      CKPT_IPF_V6ORIGDSTADDR : 0) |
		     (np->recverr ? CKPT_IPF_V6RECVERR : 0);
	}
	return f;
}

/* @sk's options that a new socket would not have, in @o; any at all? */
bool ckpt_sockopt_read(struct sock *sk, struct ckpt_rec_sockopt *o)
{
	int lowat = READ_ONCE(sk->sk_rcvlowat), ttl = -1;

	memset(o, 0, sizeof(*o));
	if (ckpt_timeo_us(READ_ONCE(sk->sk_rcvtimeo), &o->rcvtimeo_us))
		o->mask |= CKPT_SOCKOPT_RCVTIMEO;
	if (ckpt_timeo_us(READ_ONCE(sk->sk_sndtimeo), &o->sndtimeo_us))
		o->mask |= CKPT_SOCKOPT_SNDTIMEO;
	if (sock_flag(sk, SOCK_LINGER)) {
		o->mask |= CKPT_SOCKOPT_LINGER;
		o->linger_s = min_t(unsigned long,
				    READ_ONCE(sk->sk_lingertime) / HZ, INT_MAX);
	}
	o->priority = READ_ONCE(sk->sk_priority);
	if (o->priority)
		o->mask |= CKPT_SOCKOPT_PRIORITY;
	o->mark = READ_ONCE(sk->sk_mark);
	if (o->mark)
		o->mask |= CKPT_SOCKOPT_MARK;
	if (lowat != 1) {
		o->mask |= CKPT_SOCKOPT_RCVLOWAT;
		o->rcvlowat = max(lowat, 0);
	}
	if (sk->sk_family == AF_INET)
		o->tos = READ_ONCE(inet_sk(sk)->tos);
	else if (sk->sk_family == AF_INET6)
		o->tos = READ_ONCE(inet6_sk(sk)->tclass);
	if (o->tos)
		o->mask |= CKPT_SOCKOPT_TOS;
	o->ipflags = ckpt_sockopt_ipflags(sk);
	if (o->ipflags)
		o->mask |= CKPT_SOCKOPT_IPFLAGS;
	/* -1: the route's (sysctl's) default; the process is frozen */
	if (sk->sk_family == AF_INET)
		ttl = READ_ONCE(inet_sk(sk)->uc_ttl);
	else if (sk->sk_family == AF_INET6)
		ttl = inet6_sk(sk)->hop_limit;	/* a bit-field */
	/* IPV6_UNICAST_HOPS may be 0; IP_TTL may not */
	if (ttl > 0 || (ttl == 0 && sk->sk_family == AF_INET6)) {
		o->ttl = ttl;
		o->mask |= CKPT_SOCKOPT_TTL;
	}
	if (ckpt_sk_is_tcp(sk)) {
		const struct tcp_sock *tp = tcp_sk(sk);
		struct request_sock_queue *q = &inet_csk(sk)->icsk_accept_queue;

		o->keepidle = READ_ONCE(tp->keepalive_time) / HZ;
		o->keepintvl = READ_ONCE(tp->keepalive_intvl) / HZ;
		o->keepcnt = READ_ONCE(tp->keepalive_probes);
		o->user_timeout = READ_ONCE(inet_csk(sk)->icsk_user_timeout);
		o->notsent_lowat = READ_ONCE(tp->notsent_lowat);
		o->mask |= (o->keepidle ? CKPT_SOCKOPT_KEEPIDLE : 0) |
			   (o->keepintvl ? CKPT_SOCKOPT_KEEPINTVL : 0) |
			   (o->keepcnt ? CKPT_SOCKOPT_KEEPCNT : 0) |
			   (o->user_timeout ? CKPT_SOCKOPT_USER_TIMEOUT : 0) |
			   (o->notsent_lowat ? CKPT_SOCKOPT_NOTSENT_LOWAT : 0);
		/* a bit-field, written under the socket's lock */
		if (tp->nonagle & TCP_NAGLE_CORK)
			o->mask |= CKPT_SOCKOPT_CORK;
		o->defer_accept =
			ckpt_defer_secs(READ_ONCE(q->rskq_defer_accept));
		if (o->defer_accept)
			o->mask |= CKPT_SOCKOPT_DEFER_ACCEPT;
		/* settable only before a connection is made */
		if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
			o->fastopen = READ_ONCE(q->fastopenq.max_qlen);
		if (o->fastopen)
			o->mask |= CKPT_SOCKOPT_FASTOPEN;
		/* the process's choice, not the default it started with */
		if (inet_csk(sk)->icsk_ca_setsockopt &&
		    inet_csk(sk)->icsk_ca_ops) {
			strscpy(o->congestion, inet_csk(sk)->icsk_ca_ops->name,
				sizeof(o->congestion));
			o->mask |= CKPT_SOCKOPT_CONGESTION;
		}
	}
	return o->mask;
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

void ckpt_free_sockopts(struct ckpt_restore *r)
{
	kvfree(r->sockopts);
}

/* A congestion control's name: [a-z0-9_], NUL-terminated, zeros after. */
static bool ckpt_ca_name_ok(const struct ckpt_rec_sockopt *o)
{
	size_t n = strnlen(o->congestion, sizeof(o->congestion)), i;

	if (!(o->mask & CKPT_SOCKOPT_CONGESTION))
		return !memchr_inv(o->congestion, 0, sizeof(o->congestion));
	if (!n || n == sizeof(o->congestion) ||
	    memchr_inv(o->congestion + n, 0, sizeof(o->congestion) - n))
		return false;
	for (i = 0; i < n; i++)
		if (!islower(o->congestion[i]) && !isdigit(o->congestion[i]) &&
		    o->congestion[i] != '_')
			return false;
	return true;
}

/*
 * The congestion control of @o is on this kernel (its module loaded if
 * the restorer may: CAP_NET_ADMIN), and the restorer may give it: ENOENT
 * or EPERM otherwise.
 */
static int ckpt_ca_ok(const struct ckpt_restore *r,
		      const struct ckpt_rec_sockopt *o)
{
	const struct tcp_congestion_ops *ca;
	int err = 0;

	rcu_read_lock();
	ca = ckpt_ksyms.tcp_ca_find(o->congestion);
	rcu_read_unlock();
	if (!ca && r->net_admin)
		request_module("tcp_%s", o->congestion);
	rcu_read_lock();
	ca = ckpt_ksyms.tcp_ca_find(o->congestion);
	if (!ca)
		err = -ENOENT;
	else if (!(ca->flags & TCP_CONG_NON_RESTRICTED) && !r->net_admin)
		err = -EPERM;
	rcu_read_unlock();
	return err;
}

/* Each field is in range, and 0 where its bit is clear. */
static bool ckpt_sockopt_values_ok(const struct ckpt_rec_sockopt *o)
{
	static const struct {
		u32 bit;
		size_t off;
		u64 min, max;
		bool wide;
	} f[] = {
#define F(bit, field, lo, hi) { CKPT_SOCKOPT_##bit, \
		offsetof(struct ckpt_rec_sockopt, field), lo, hi, \
		sizeof(((struct ckpt_rec_sockopt *)0)->field) == 8 }
		F(RCVTIMEO, rcvtimeo_us, 1, CKPT_TIMEO_US_MAX),
		F(SNDTIMEO, sndtimeo_us, 1, CKPT_TIMEO_US_MAX),
		F(LINGER, linger_s, 0, INT_MAX),
		F(PRIORITY, priority, 1, U32_MAX),
		F(MARK, mark, 1, U32_MAX),
		F(RCVLOWAT, rcvlowat, 0, INT_MAX),
		F(TOS, tos, 1, 255),
		F(KEEPIDLE, keepidle, 1, MAX_TCP_KEEPIDLE),
		F(KEEPINTVL, keepintvl, 1, MAX_TCP_KEEPINTVL),
		F(KEEPCNT, keepcnt, 1, MAX_TCP_KEEPCNT),
		F(USER_TIMEOUT, user_timeout, 1, INT_MAX),
		F(NOTSENT_LOWAT, notsent_lowat, 1, INT_MAX),
		F(DEFER_ACCEPT, defer_accept, 1, INT_MAX),
		F(FASTOPEN, fastopen, 1, INT_MAX),
#undef F
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(f); i++) {
		const void *p = (const u8 *)o + f[i].off;
		u64 v = f[i].wide ? *(const u64 *)p : *(const u32 *)p;

		if (!(o->mask & f[i].bit) ? v != 0 :
		    v < f[i].min || v > f[i].max)
			return false;
	}
	/* narrower fields; TTL 0 (IPv6 only) is checked with the socket */
	if ((!(o->mask & CKPT_SOCKOPT_IPFLAGS) ? o->ipflags :
	     !o->ipflags || o->ipflags & ~CKPT_IPF_ALL) ||
	    (!(o->mask & CKPT_SOCKOPT_TTL) && o->ttl) ||
	    (o->ipflags & CKPT_IPF_TIMESTAMP &&
	     o->ipflags & CKPT_IPF_TIMESTAMPNS) ||
	    (o->ipflags & CKPT_IPF_TSTAMP_NEW &&
	     !(o->ipflags & (CKPT_IPF_TIMESTAMP | CKPT_IPF_TIMESTAMPNS))))
		return false;
	return !o->reserved && ckpt_ca_name_ok(o);
}

/* Options setsockopt() allows only with CAP_NET_ADMIN. */
static bool ckpt_sockopt_admin(const struct ckpt_rec_sockopt *o)
{
	return (o->mask & CKPT_SOCKOPT_MARK) ||
	       ((o->mask & CKPT_SOCKOPT_PRIORITY) && o->priority > 6);
}

/* @err (EPERM, ENOENT), naming a descriptor of socket @id. */
/* The first descriptor of socket @id (its SOCKET record's), or -1. */
s32 ckpt_sock_fd(const struct ckpt_restore *r, u64 id)
{
	u32 i;

	for (i = 0; i < r->nr_files; i++)
		if (r->files[i].rec.kind == CKPT_FILE_SOCKET &&
		    r->files[i].rec.ino == id)
			return r->files[i].rec.fd;
	return -1;
}

static int ckpt_sockopt_fail(struct ckpt_restore *r, u64 id, int err)
{
	r->err.fd = ckpt_sock_fd(r, id);
	r->err.type = CKPT_REC_SOCKOPT;
	return ckpt_fail(&r->err, CKPT_OBJ_FD, err);
}

/*
 * One SOCKOPT record a socket, for a SOCKET record of this process, with
 * options that socket can have; each one's socket points at it.  SO_MARK
 * and SO_PRIORITY above 6 need the restorer's CAP_NET_ADMIN (checked
 * here, before anything changes): the restored process may have dropped
 * the privilege it set them with, as a daemon does.  So does a restricted
 * congestion control, which must be on this kernel too.
 */
int ckpt_check_sockopts(struct ckpt_restore *r)
{
	u32 i, j;

	for (i = 0; i < r->nr_sockopts; i++) {
		const struct ckpt_rec_sockopt *o = &r->sockopts[i];
		struct ckpt_restore_sock *s = NULL;
		bool ip, tcp;

		for (j = 0; j < r->nr_socks; j++)
			if (r->socks[j].rec.id == o->id)
				s = &r->socks[j];
		if (!s || s->opt || !o->mask || (o->mask & ~CKPT_SOCKOPT_ALL) ||
		    !ckpt_sockopt_values_ok(o))
			return ckpt_bad(r, CKPT_REC_SOCKOPT, -EBADMSG);
		ip = s->rec.family == AF_INET || s->rec.family == AF_INET6;
		tcp = ip && s->rec.protocol == IPPROTO_TCP;
		if (((o->mask & (CKPT_SOCKOPT_TOS | CKPT_SOCKOPT_TTL)) &&
		     !ip) ||
		    ((o->mask & CKPT_SOCKOPT_TTL) && !o->ttl &&
		     s->rec.family != AF_INET6) ||
		    ((o->ipflags & CKPT_IPF_IP) && !ip) ||
		    ((o->ipflags & CKPT_IPF_V6) &&
		     s->rec.family != AF_INET6) ||
		    ((o->mask & CKPT_SOCKOPT_TCP) && !tcp) ||
		    ((o->mask & CKPT_SOCKOPT_FASTOPEN) &&
		     s->rec.state == CKPT_SOCK_ESTABLISHED))
			return ckpt_bad(r, CKPT_REC_SOCKOPT, -EBADMSG);
		if (ckpt_sockopt_admin(o) && !r->net_admin)
			return ckpt_sockopt_fail(r, o->id, -EPERM);
		if (o->mask & CKPT_SOCKOPT_CONGESTION) {
			int err = ckpt_ca_ok(r, o);

			if (err)
				return ckpt_sockopt_fail(r, o->id, err);
		}
		s->opt = o;
	}
	return 0;
}

int ckpt_setsockopt(struct socket *sock, int level, int opt,
		    const void *val, unsigned int len)
{
	sockptr_t p = KERNEL_SOCKPTR((void *)val);

	if (level == SOL_SOCKET)
		return sock_setsockopt(sock, level, opt, p, len);
	return sock->ops->setsockopt(sock, level, opt, p, len);
}

int ckpt_setsockopt_int(struct socket *sock, int level, int opt, int val)
{
	return ckpt_setsockopt(sock, level, opt, &val, sizeof(val));
}

static int ckpt_set_timeo(struct socket *sock, int opt, u64 us)
{
	struct __kernel_sock_timeval tv;
	u32 rem;

	tv.tv_sec = div_u64_rem(us, USEC_PER_SEC, &rem);
	tv.tv_usec = rem;
	return ckpt_setsockopt(sock, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/*
 * IP_FREEBIND, before bind(): a socket bound to an address this host does
 * not have (yet) is bound again only so.
 */
int ckpt_sockopts_pre_bind(struct socket *sock,
			   const struct ckpt_rec_sockopt *o)
{
	if (!o || !(o->ipflags & CKPT_IPF_FREEBIND))
		return 0;
	return sock->sk->sk_family == AF_INET6 ?
	       ckpt_setsockopt_int(sock, SOL_IPV6, IPV6_FREEBIND, 1) :
	       ckpt_setsockopt_int(sock, SOL_IP, IP_FREEBIND, 1);
}

/* The options of CKPT_IPF_* @f (checked) on, with setsockopt(). */
static int ckpt_set_ipflags(struct socket *sock, u32 f)
{
	static const struct {
		u32 bit;
		int level, opt;
	} on[] = {
		{ CKPT_IPF_PKTINFO, SOL_IP, IP_PKTINFO },
		{ CKPT_IPF_RECVTTL, SOL_IP, IP_RECVTTL },
		{ CKPT_IPF_RECVTOS, SOL_IP, IP_RECVTOS },
		{ CKPT_IPF_RECVERR, SOL_IP, IP_RECVERR },
		{ CKPT_IPF_ORIGDSTADDR, SOL_IP, IP_RECVORIGDSTADDR },
		{ CKPT_IPF_V6PKTINFO, SOL_IPV6, IPV6_RECVPKTINFO },
		{ CKPT_IPF_V6HOPLIMIT, SOL_IPV6, IPV6_RECVHOPLIMIT },
		{ CKPT_IPF_V6RECVERR, SOL_IPV6, IPV6_RECVERR },
		{ CKPT_IPF_V6TCLASS, SOL_IPV6, IPV6_RECVTCLASS },
		{ CKPT_IPF_V6ORIGDSTADDR, SOL_IPV6, IPV6_RECVORIGDSTADDR },
		{ CKPT_IPF_RXQ_OVFL, SOL_SOCKET, SO_RXQ_OVFL },
	};
	bool new = f & CKPT_IPF_TSTAMP_NEW;
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < ARRAY_SIZE(on); i++)
		if (f & on[i].bit)
			err = ckpt_setsockopt_int(sock, on[i].level,
						  on[i].opt, 1);
	if (!err && (f & CKPT_IPF_TIMESTAMPNS))
		err = ckpt_setsockopt_int(sock, SOL_SOCKET,
					  new ? SO_TIMESTAMPNS_NEW :
					  SO_TIMESTAMPNS_OLD, 1);
	else if (!err && (f & CKPT_IPF_TIMESTAMP))
		err = ckpt_setsockopt_int(sock, SOL_SOCKET,
					  new ? SO_TIMESTAMP_NEW :
					  SO_TIMESTAMP_OLD, 1);
	return err;
}

/* The options of @o (checked) on the new socket @sock. */
int ckpt_sockopts_apply(struct socket *sock, const struct ckpt_rec_sockopt *o)
{
	static const struct {
		u32 bit;
		int level, opt;
		size_t off;
	} ints[] = {
		{ CKPT_SOCKOPT_RCVLOWAT, SOL_SOCKET, SO_RCVLOWAT,
		  offsetof(struct ckpt_rec_sockopt, rcvlowat) },
		{ CKPT_SOCKOPT_KEEPIDLE, SOL_TCP, TCP_KEEPIDLE,
		  offsetof(struct ckpt_rec_sockopt, keepidle) },
		{ CKPT_SOCKOPT_KEEPINTVL, SOL_TCP, TCP_KEEPINTVL,
		  offsetof(struct ckpt_rec_sockopt, keepintvl) },
		{ CKPT_SOCKOPT_KEEPCNT, SOL_TCP, TCP_KEEPCNT,
		  offsetof(struct ckpt_rec_sockopt, keepcnt) },
		{ CKPT_SOCKOPT_USER_TIMEOUT, SOL_TCP, TCP_USER_TIMEOUT,
		  offsetof(struct ckpt_rec_sockopt, user_timeout) },
		{ CKPT_SOCKOPT_NOTSENT_LOWAT, SOL_TCP, TCP_NOTSENT_LOWAT,
		  offsetof(struct ckpt_rec_sockopt, notsent_lowat) },
		{ CKPT_SOCKOPT_DEFER_ACCEPT, SOL_TCP, TCP_DEFER_ACCEPT,
		  offsetof(struct ckpt_rec_sockopt, defer_accept) },
		{ CKPT_SOCKOPT_FASTOPEN, SOL_TCP, TCP_FASTOPEN,
		  offsetof(struct ckpt_rec_sockopt, fastopen) },
	};
	struct linger l = { .l_onoff = 1 };
	unsigned int i;
	int err = 0;

	if (!o)
		return 0;
	if (o->mask & CKPT_SOCKOPT_RCVTIMEO)
		err = ckpt_set_timeo(sock, SO_RCVTIMEO_NEW, o->rcvtimeo_us);
	if (!err && (o->mask & CKPT_SOCKOPT_SNDTIMEO))
		err = ckpt_set_timeo(sock, SO_SNDTIMEO_NEW, o->sndtimeo_us);
	if (!err && (o->mask & CKPT_SOCKOPT_LINGER)) {
		l.l_linger = o->linger_s;
		err = ckpt_setsockopt(sock, SOL_SOCKET, SO_LINGER, &l,
				      sizeof(l));
	}
	/* IP_TOS sets the priority too: SO_PRIORITY (below) after it. */
	if (!err && (o->mask & CKPT_SOCKOPT_TOS))
		err = sock->sk->sk_family == AF_INET ?
		      ckpt_setsockopt_int(sock, SOL_IP, IP_TOS, o->tos) :
		      ckpt_setsockopt_int(sock, SOL_IPV6, IPV6_TCLASS, o->tos);
	/*
	 * Above 6 (and SO_MARK) by the restorer's CAP_NET_ADMIN
	 * (ckpt_check_sockopts()); after TOS, even when 0.
	 */
	if (!err && (o->mask & (CKPT_SOCKOPT_PRIORITY | CKPT_SOCKOPT_TOS)))
		sock_set_priority(sock->sk, o->priority);
	if (!err && (o->mask & CKPT_SOCKOPT_MARK))
		sock_set_mark(sock->sk, o->mark);
	for (i = 0; !err && i < ARRAY_SIZE(ints); i++)
		if (o->mask & ints[i].bit)
			err = ckpt_setsockopt_int(sock, ints[i].level,
						  ints[i].opt,
						  *(const u32 *)((const u8 *)o +
								 ints[i].off));
	if (!err && (o->mask & CKPT_SOCKOPT_CORK))
		tcp_sock_set_cork(sock->sk, true);
	if (!err && (o->mask & CKPT_SOCKOPT_IPFLAGS))
		err = ckpt_set_ipflags(sock, o->ipflags);
	if (!err && (o->mask & CKPT_SOCKOPT_TTL))
		err = sock->sk->sk_family == AF_INET ?
		      ckpt_setsockopt_int(sock, SOL_IP, IP_TTL, o->ttl) :
		      ckpt_setsockopt_int(sock, SOL_IPV6, IPV6_UNICAST_HOPS,
					  o->ttl);
	/* Found, and allowed to the restorer, by ckpt_check_sockopts(). */
	if (!err && (o->mask & CKPT_SOCKOPT_CONGESTION)) {
		lock_sock(sock->sk);
		err = ckpt_ksyms.tcp_set_congestion_control(sock->sk,
							     o->congestion,
							     false, true);
		release_sock(sock->sk);
	}
	return err;
}
