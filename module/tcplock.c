// SPDX-License-Identifier: GPL-2.0
/*
 * The network lock of the TCP connections a checkpoint takes with
 * CKPT_CHECKPOINT_KILL (CRIU locks the network with firewall rules for the
 * same reason; here it is a netfilter hook of the module's own).
 *
 * From just before a connection's queues are read until a restore on this
 * node has repaired it, every packet its peer sends it is dropped where it
 * enters the node (LOCAL_IN), before TCP sees it.  Without that, bytes
 * arriving after the read were acknowledged by the old socket and lost
 * with it, and a packet arriving after the process died was answered
 * with a reset.  A dropped packet was never acknowledged: the peer sends
 * it again, and the restored socket takes it.
 *
 * A lock lasts until a restore of its connection on this node, or
 * tcp_lock_secs (the image may be restored elsewhere: the old node must
 * stay silent meanwhile), or the module's unload.  The hooks are
 * registered in every network namespace at the first lock and stay until
 * the unload; while no lock is held they return at once.
 */
#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/net_namespace.h>
#include "ckpt.h"

static unsigned int tcp_lock_secs = 300;
module_param(tcp_lock_secs, uint, 0644);
MODULE_PARM_DESC(tcp_lock_secs,
		 "how long a killed process's TCP connections stay locked (dropping their peers' packets) when no restore on this node takes them (default 300)");

#define CKPT_TCPLOCK_MAX	65536	/* connections locked at once */

struct ckpt_tcplock_key {
	u64 net;			/* net->net_cookie */
	struct in6_addr raddr, laddr;	/* IPv4: mapped */
	__be16 rport, lport;
};

struct ckpt_tcplock {
	struct hlist_node node;
	struct rcu_head rcu;
	struct ckpt_tcplock_key key;
	unsigned long expires;		/* jiffies; 0 while a dump holds it */
};

static DEFINE_HASHTABLE(ckpt_tcplocks, 8);
static DEFINE_SPINLOCK(ckpt_tcplock_lock);
static unsigned int ckpt_nr_tcplocks;
static DEFINE_MUTEX(ckpt_tcplock_reg_mutex);
static bool ckpt_tcplock_registered;

static u32 ckpt_tcplock_hash(const struct ckpt_tcplock_key *k)
{
	return jhash(k, sizeof(*k), 0);
}

static bool ckpt_tcplock_live(const struct ckpt_tcplock *l)
{
	return !l->expires || time_before(jiffies, l->expires);
}

static bool ckpt_tcplock_held(const struct ckpt_tcplock_key *k)
{
	struct ckpt_tcplock *l;
	bool held = false;

	rcu_read_lock();
	hash_for_each_possible_rcu(ckpt_tcplocks, l, node,
				   ckpt_tcplock_hash(k)) {
		if (!memcmp(&l->key, k, sizeof(*k)) && ckpt_tcplock_live(l)) {
			held = true;
			break;
		}
	}
	rcu_read_unlock();
	return held;
}

/* The key of an incoming segment: its source is the connection's peer. */
static bool ckpt_tcplock_key_skb(struct sk_buff *skb, u8 pf,
				 struct ckpt_tcplock_key *k)
{
	struct tcphdr _th;
	const struct tcphdr *th;
	int off;

	memset(k, 0, sizeof(*k));
	if (pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		if (iph->protocol != IPPROTO_TCP || ip_is_fragment(iph))
			return false;
		ipv6_addr_set_v4mapped(iph->saddr, &k->raddr);
		ipv6_addr_set_v4mapped(iph->daddr, &k->laddr);
		off = skb_network_offset(skb) + ip_hdrlen(skb);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		__be16 frag_off;
		u8 nexthdr = ip6h->nexthdr;

		off = ipv6_skip_exthdr(skb, skb_network_offset(skb) +
				       sizeof(*ip6h), &nexthdr, &frag_off);
		if (off < 0 || nexthdr != IPPROTO_TCP || frag_off)
			return false;
		k->raddr = ip6h->saddr;
		k->laddr = ip6h->daddr;
	}
	th = skb_header_pointer(skb, off, sizeof(_th), &_th);
	if (!th)
		return false;
	k->rport = th->source;
	k->lport = th->dest;
	return true;
}

static unsigned int ckpt_tcplock_hook(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct ckpt_tcplock_key k;

	if (!READ_ONCE(ckpt_nr_tcplocks))
		return NF_ACCEPT;
	if (!ckpt_tcplock_key_skb(skb, state->pf, &k))
		return NF_ACCEPT;
	k.net = state->net->net_cookie;
	return ckpt_tcplock_held(&k) ? NF_DROP : NF_ACCEPT;
}

static const struct nf_hook_ops ckpt_tcplock_ops[] = {
	{
		.hook		= ckpt_tcplock_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP_PRI_FIRST,
	},
	{
		.hook		= ckpt_tcplock_hook,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP6_PRI_FIRST,
	},
};

static int __net_init ckpt_tcplock_net_init(struct net *net)
{
	return nf_register_net_hooks(net, ckpt_tcplock_ops,
				     ARRAY_SIZE(ckpt_tcplock_ops));
}

static void __net_exit ckpt_tcplock_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, ckpt_tcplock_ops,
				ARRAY_SIZE(ckpt_tcplock_ops));
}

static struct pernet_operations ckpt_tcplock_net_ops = {
	.init = ckpt_tcplock_net_init,
	.exit = ckpt_tcplock_net_exit,
};

/* The connection's key, as the hook will see its peer's segments. */
static void ckpt_tcplock_key_sk(struct sock *sk, struct ckpt_tcplock_key *k)
{
	const struct inet_sock *inet = inet_sk(sk);

	memset(k, 0, sizeof(*k));
	k->net = sock_net(sk)->net_cookie;
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6 &&
	    !ipv6_addr_v4mapped(&sk->sk_v6_daddr)) {
		k->raddr = sk->sk_v6_daddr;
		k->laddr = sk->sk_v6_rcv_saddr;
	} else
#endif
	{
		ipv6_addr_set_v4mapped(inet->inet_daddr, &k->raddr);
		ipv6_addr_set_v4mapped(inet->inet_rcv_saddr, &k->laddr);
	}
	k->rport = inet->inet_dport;
	k->lport = inet->inet_sport;
}

static void ckpt_tcplock_unhash(struct ckpt_tcplock *l)
{
	hash_del_rcu(&l->node);
	WRITE_ONCE(ckpt_nr_tcplocks, ckpt_nr_tcplocks - 1);
	kfree_rcu(l, rcu);
}

/* Expired locks go; under ckpt_tcplock_lock. */
static void ckpt_tcplock_reap(void)
{
	struct ckpt_tcplock *l;
	struct hlist_node *tmp;
	unsigned int b;

	hash_for_each_safe(ckpt_tcplocks, b, tmp, l, node)
		if (!ckpt_tcplock_live(l))
			ckpt_tcplock_unhash(l);
}

/*
 * Lock @sk's connection for a dump: the caller holds the result until
 * ckpt_tcplock_keep() or ckpt_tcplock_drop().  The caller must then call
 * ckpt_tcplock_sync() before reading the queues.
 */
struct ckpt_tcplock *ckpt_tcplock_take(struct sock *sk)
{
	struct ckpt_tcplock *l;
	int err = 0;

	mutex_lock(&ckpt_tcplock_reg_mutex);
	if (!ckpt_tcplock_registered) {
		err = register_pernet_subsys(&ckpt_tcplock_net_ops);
		ckpt_tcplock_registered = !err;
	}
	mutex_unlock(&ckpt_tcplock_reg_mutex);
	if (err)
		return ERR_PTR(err);
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return ERR_PTR(-ENOMEM);
	ckpt_tcplock_key_sk(sk, &l->key);
	spin_lock_bh(&ckpt_tcplock_lock);
	ckpt_tcplock_reap();
	if (ckpt_nr_tcplocks >= CKPT_TCPLOCK_MAX) {
		spin_unlock_bh(&ckpt_tcplock_lock);
		kfree(l);
		return ERR_PTR(-ENOSPC);
	}
	hash_add_rcu(ckpt_tcplocks, &l->node, ckpt_tcplock_hash(&l->key));
	WRITE_ONCE(ckpt_nr_tcplocks, ckpt_nr_tcplocks + 1);
	spin_unlock_bh(&ckpt_tcplock_lock);
	return l;
}

/*
 * Every segment that passed the hooks before the locks were taken has
 * reached its socket when this returns (the hook and TCP's receive run in
 * one softirq, an RCU read side): in its queues or its backlog, which
 * the caller flushes under the socket's lock.
 */
void ckpt_tcplock_sync(void)
{
	synchronize_net();
}

/* The dump failed: the connection goes on. */
void ckpt_tcplock_drop(struct ckpt_tcplock *l)
{
	spin_lock_bh(&ckpt_tcplock_lock);
	ckpt_tcplock_unhash(l);
	spin_unlock_bh(&ckpt_tcplock_lock);
}

/* The process is killed: the lock stays until a restore or its expiry. */
void ckpt_tcplock_keep(struct ckpt_tcplock *l)
{
	unsigned long expires = jiffies + (unsigned long)tcp_lock_secs * HZ;

	spin_lock_bh(&ckpt_tcplock_lock);
	l->expires = expires ? expires : 1;
	spin_unlock_bh(&ckpt_tcplock_lock);
}

/* A restore has repaired @sk's connection: its peer may talk to it. */
void ckpt_tcplock_release(struct sock *sk)
{
	struct ckpt_tcplock_key k;
	struct ckpt_tcplock *l;
	struct hlist_node *tmp;

	if (!READ_ONCE(ckpt_nr_tcplocks))
		return;
	ckpt_tcplock_key_sk(sk, &k);
	spin_lock_bh(&ckpt_tcplock_lock);
	hash_for_each_possible_safe(ckpt_tcplocks, l, tmp, node,
				    ckpt_tcplock_hash(&k))
		if (!memcmp(&l->key, &k, sizeof(k)) && l->expires)
			ckpt_tcplock_unhash(l);
	spin_unlock_bh(&ckpt_tcplock_lock);
}

/* Connections locked now, expired ones reaped (ckptctl status). */
unsigned int ckpt_tcplock_count(void)
{
	unsigned int n;

	spin_lock_bh(&ckpt_tcplock_lock);
	ckpt_tcplock_reap();
	n = ckpt_nr_tcplocks;
	spin_unlock_bh(&ckpt_tcplock_lock);
	return n;
}

void ckpt_tcplock_exit(void)
{
	struct ckpt_tcplock *l;
	struct hlist_node *tmp;
	unsigned int b;

	if (ckpt_tcplock_registered)
		unregister_pernet_subsys(&ckpt_tcplock_net_ops);
	spin_lock_bh(&ckpt_tcplock_lock);
	hash_for_each_safe(ckpt_tcplocks, b, tmp, l, node)
		ckpt_tcplock_unhash(l);
	spin_unlock_bh(&ckpt_tcplock_lock);
	rcu_barrier();	/* the kfree_rcu()s, before the module text goes */
}
