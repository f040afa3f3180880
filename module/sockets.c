// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets: UNIX socket pairs with their unread data, bound and listening
 * UNIX sockets (path and abstract names), and unconnected, bound or
 * listening TCP and UDP sockets over IPv4 and IPv6.
 *
 * Dump: before anything is written, ckpt_scan_socks() meets every socket
 * in the processes' descriptors and checks that it can be saved: a pair's
 * both ends in the checkpoint, and every reference to each (but ours) from
 * a descriptor of the processes (no other holder, nothing in flight), no
 * connection waiting to be accepted, no unread data outside a pair, no
 * file descriptors in unread messages.  The refusals name the descriptor
 * (EOPNOTSUPP, EISCONN, EUSERS, EBUSY, ETOOMANYREFS: see
 * struct ckpt_checkpoint_args).  Files.c writes a path-less FILE record
 * per descriptor; ckpt_dump_socks() then writes one SOCKET record per
 * socket (a pair's two with the first process holding either end) and
 * the unread bytes of pairs in SOCKDATA records, copied from the receive
 * queue under its locks with skb_copy_bits(), never consumed.
 *
 * Restore: the restoring task (restored credentials, its network
 * namespace) makes each socket as a program would: sock_create(), the
 * options, bind() and listen(); a pair with socketpair(), its data sent
 * again by the other end before the process runs, then its shutdown
 * state.  A path socket's stale file is unlinked first if it is still the
 * checkpointed socket's inode; another file there is refused
 * (EADDRINUSE).
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/fs_struct.h>
#include <linux/fdtable.h>
#include <linux/namei.h>
#include <linux/mount.h>
#include <linux/net.h>
#include <linux/un.h>
#include <linux/netlink.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/security.h>
#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/xarray.h>
#include <net/sock.h>
#include <net/af_unix.h>
#include <net/inet_sock.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>
#include <net/ipv6.h>
#include "ckpt.h"

#define CKPT_SOCK_CHUNK	(CKPT_REC_MAX_META - sizeof(struct ckpt_rec_sockdata))
#define CKPT_SOCK_F_FLAGS	(O_ACCMODE | O_NONBLOCK)

/* A socket met in the descriptors of the processes. */
struct ckpt_sock_seen {
	struct file *file;	/* referenced */
	int fd;			/* where it was first seen */
	unsigned int member;
	unsigned long refs;	/* descriptors of the processes */
	unsigned long peer;	/* a pair's other end, by ino, or 0 */
	unsigned int owner;	/* the process whose records hold it */
	u16 state;		/* CKPT_SOCK_* */
	bool gone;		/* a pair whose other end was closed */
	bool dumped;
	struct ckpt_rec_tcpstate *tcp;	/* ESTABLISHED: read with its data */
	struct ckpt_tcplock *lock;	/* ESTABLISHED: its peer held off */
};

void ckpt_socks_init(struct ckpt_dump *d)
{
	xa_init(&d->socks);
	d->sock_bytes = 0;
	d->sock_records = 0;
}

void ckpt_socks_destroy(struct ckpt_dump *d)
{
	struct ckpt_sock_seen *p;
	unsigned long ino;

	xa_for_each(&d->socks, ino, p) {
		if (p->lock)	/* not killed: the connection goes on */
			ckpt_tcplock_drop(p->lock);
		fput(p->file);
		kfree(p->tcp);
		kfree(p);
	}
	xa_destroy(&d->socks);
}

static int ckpt_see_sock(struct ckpt_dump *d, struct file *f, int fd)
{
	unsigned long ino = file_inode(f)->i_ino;
	struct ckpt_sock_seen *p = xa_load(&d->socks, ino);
	int err;

	if (!p) {
		p = kzalloc(sizeof(*p), GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		err = xa_err(xa_store(&d->socks, ino, p, GFP_KERNEL));
		if (err) {
			kfree(p);
			return err;
		}
		p->file = get_file(f);
		p->fd = fd;
		p->member = d->member;
	}
	if (p->file != f)
		return -EUSERS;
	p->refs++;
	return 0;
}

static unsigned long ckpt_sock_ino(struct sock *sk)
{
	unsigned long ino = 0;

	read_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_socket && !sock_flag(sk, SOCK_DEAD))
		ino = SOCK_INODE(sk->sk_socket)->i_ino;
	read_unlock_bh(&sk->sk_callback_lock);
	return ino;
}

/* An address autobind gave (an abstract name of five hex digits). */
static bool ckpt_unix_autobound(struct sock *sk)
{
	/* pairs with smp_store_release() in af_unix.c's binds */
	struct unix_address *a = smp_load_acquire(&unix_sk(sk)->addr);

	return !a || (a->len == offsetof(struct sockaddr_un, sun_path) + 6 &&
		      !a->name->sun_path[0] && !unix_sk(sk)->path.dentry);
}

/* Unread messages carrying descriptors, or an out-of-band byte. */
static int ckpt_unix_queue_ok(struct sock *sk)
{
	struct sk_buff *skb;
	unsigned long flags;
	int err = 0;

#if IS_ENABLED(CONFIG_AF_UNIX_OOB)
	if (READ_ONCE(unix_sk(sk)->oob_skb))
		return -EOPNOTSUPP;
#endif
	spin_lock_irqsave(&sk->sk_receive_queue.lock, flags);
	skb_queue_walk(&sk->sk_receive_queue, skb)
		if (UNIXCB(skb).fp)
			err = -ETOOMANYREFS;
	spin_unlock_irqrestore(&sk->sk_receive_queue.lock, flags);
	return err;
}

static int ckpt_unix_check(struct ckpt_dump *d, struct ckpt_sock_seen *p,
			   struct sock *sk)
{
	struct ckpt_sock_seen *q;
	struct sock *peer;
	unsigned long pino;
	int err;

	if (sk->sk_type != SOCK_STREAM && sk->sk_type != SOCK_DGRAM &&
	    sk->sk_type != SOCK_SEQPACKET)
		return -EOPNOTSUPP;
	if (READ_ONCE(sk->sk_err) || READ_ONCE(sk->sk_peek_off) >= 0)
		return -EOPNOTSUPP;
	if (sk->sk_state == TCP_LISTEN) {
		/* connections not yet accepted wait in the queue */
		if (skb_queue_len(&sk->sk_receive_queue))
			return -EBUSY;
		p->state = CKPT_SOCK_LISTEN;
		return 0;
	}
	peer = unix_peer_get(sk);
	if (!peer) {
		if (sk->sk_type != SOCK_DGRAM && sk->sk_state != TCP_CLOSE)
			return -EOPNOTSUPP;
		if (skb_queue_len(&sk->sk_receive_queue))
			return -EBUSY;
		/* as unix_getname(): pairs with the binds' release */
		p->state = smp_load_acquire(&unix_sk(sk)->addr) ?
			   CKPT_SOCK_BOUND : CKPT_SOCK_UNBOUND;
		return 0;
	}
	pino = ckpt_sock_ino(peer);
	err = 0;
	if (!pino && !sock_flag(peer, SOCK_DEAD)) {
		err = -EISCONN;		/* not accepted yet */
	} else if (!pino) {
		/* the other end was closed: a stream keeps what it sent */
		if (sk->sk_type == SOCK_DGRAM)
			err = -EISCONN;
		p->gone = true;
	} else {
		q = xa_load(&d->socks, pino);
		if (!q) {
			d->err.addr = pino;
			err = -EISCONN;
		} else if (unix_peer(peer) != sk) {
			err = -EOPNOTSUPP;	/* one-way datagram connect */
		} else {
			p->peer = pino;
			if (!ckpt_unix_autobound(peer))
				err = -EOPNOTSUPP;
		}
	}
	sock_put(peer);
	if (!err && !ckpt_unix_autobound(sk))
		err = -EOPNOTSUPP;	/* accepted from a named listener */
	if (!err)
		err = ckpt_unix_queue_ok(sk);
	if (!err)
		p->state = CKPT_SOCK_PAIR;
	return err;
}

static int ckpt_inet_check(struct ckpt_dump *d, struct ckpt_sock_seen *p,
			   struct socket *sock, struct sock *sk)
{
	if (sk->sk_bound_dev_if || READ_ONCE(sk->sk_err))
		return -EOPNOTSUPP;
	if (sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP) {
		switch (sk->sk_state) {
		case TCP_LISTEN:
			if (READ_ONCE(sk->sk_ack_backlog) ||
			    inet_csk_reqsk_queue_len(sk))
				return -EBUSY;
			p->state = CKPT_SOCK_LISTEN;
			return 0;
		case TCP_CLOSE:
			if (sock->state != SS_UNCONNECTED)
				return -EOPNOTSUPP;
			p->state = inet_sk(sk)->inet_num ? CKPT_SOCK_BOUND :
				   CKPT_SOCK_UNBOUND;
			return 0;
		case TCP_ESTABLISHED:
			/*
			 * TCP repair: only when the process is killed (it
			 * must not answer for the connection any more), by a
			 * caller who may repair sockets.
			 */
			if (!(d->flags & CKPT_CHECKPOINT_KILL) ||
			    !ns_capable(sock_net(sk)->user_ns, CAP_NET_ADMIN))
				return -EISCONN;
			p->state = CKPT_SOCK_ESTABLISHED;
			return 0;
		}
		return -EISCONN;
	}
	if (sk->sk_type == SOCK_DGRAM && sk->sk_protocol == IPPROTO_UDP) {
		if (sk->sk_state != TCP_CLOSE)
			return -EISCONN;
		if (!skb_queue_empty_lockless(&sk->sk_receive_queue) ||
		    !skb_queue_empty_lockless(&udp_sk(sk)->reader_queue) ||
		    READ_ONCE(udp_sk(sk)->pending))
			return -EBUSY;
		p->state = inet_sk(sk)->inet_num ? CKPT_SOCK_BOUND :
			   CKPT_SOCK_UNBOUND;
		return ckpt_mcast_check(sk);	/* source filters... */
	}
	return -EOPNOTSUPP;
}

/* Can @p be saved?  Sets its state, peer and owner. */
static int ckpt_sock_check(struct ckpt_dump *d, struct ckpt_sock_seen *p)
{
	struct socket *sock = sock_from_file(p->file);
	struct sock *sk = sock ? sock->sk : NULL;

	if (!sk)
		return -EOPNOTSUPP;
	if (file_count(p->file) != p->refs + 1)
		return -EUSERS;
	if (p->file->f_flags & ~(CKPT_SOCK_F_FLAGS | O_LARGEFILE) ||
	    (p->file->f_flags & O_ACCMODE) != O_RDWR)
		return -EOPNOTSUPP;
	/* made again in the restorer's: one of another namespace is not */
	if (!net_eq(sock_net(sk), current->nsproxy->net_ns))
		return -EOPNOTSUPP;
	switch (sk->sk_family) {
	case AF_UNIX:
		return ckpt_unix_check(d, p, sk);
	case AF_INET:
	case AF_INET6:
		return ckpt_inet_check(d, p, sock, sk);
	case AF_NETLINK:
		return ckpt_nl_check(d->members[p->member].task, sock,
				     &p->state);
	}
	return -EOPNOTSUPP;
}

/*
 * Established connections are read and then closed with their killed
 * process: from now until a restore takes them, their peers' segments
 * are dropped on arrival (tcplock.c), so that nothing is acknowledged
 * that the image does not hold.
 */
static int ckpt_lock_tcp(struct ckpt_dump *d)
{
	struct ckpt_sock_seen *p;
	unsigned long ino;
	bool taken = false;

	xa_for_each(&d->socks, ino, p) {
		struct ckpt_tcplock *l;

		if (p->state != CKPT_SOCK_ESTABLISHED)
			continue;
		l = ckpt_tcplock_take(sock_from_file(p->file)->sk);
		if (IS_ERR(l)) {
			d->member = p->member;
			d->err.fd = p->fd;
			return ckpt_fail(&d->err, CKPT_OBJ_FD, PTR_ERR(l));
		}
		p->lock = l;
		taken = true;
	}
	if (taken)
		ckpt_tcplock_sync();
	return 0;
}

/*
 * Before anything is written: every socket in the processes' descriptors.
 * On failure d->member and d->err.fd name the descriptor.
 */
int ckpt_scan_socks(struct ckpt_dump *d)
{
	struct ckpt_sock_seen *p, *q;
	unsigned int i, fd;
	unsigned long ino;
	struct file *f;
	int err = 0;

	for (i = 0; i < d->nr_members && !err; i++) {
		d->member = i;
		if (d->members[i].zombie || !ckpt_files_holder(d, i))
			continue;
		for (fd = 0; !err &&
		     (f = ckpt_next_file(d->members[i].task, &fd)); fd++) {
			if (S_ISSOCK(file_inode(f)->i_mode)) {
				err = ckpt_see_sock(d, f, fd);
				if (err) {
					d->err.fd = fd;
					err = ckpt_fail(&d->err, CKPT_OBJ_FD,
							err);
				}
			}
			fput(f);
		}
	}
	xa_for_each(&d->socks, ino, p) {
		if (err)
			break;
		d->err.addr = 0;
		err = ckpt_sock_check(d, p);
		if (err) {
			d->member = p->member;
			d->err.fd = p->fd;
			err = ckpt_fail(&d->err, CKPT_OBJ_FD, err);
		}
	}
	/* A pair is saved with the first process that holds an end. */
	xa_for_each(&d->socks, ino, p) {
		if (err)
			break;
		p->owner = p->member;
		q = p->peer ? xa_load(&d->socks, p->peer) : NULL;
		if (q && q->member < p->owner)
			p->owner = q->member;
	}
	if (!err)
		err = ckpt_lock_tcp(d);
	if (!err) {
		d->member = 0;
		d->err.addr = 0;
	}
	return err;
}

/* The FILE record of a socket descriptor (files.c fills the rest). */
int ckpt_note_sock(struct ckpt_dump *d, struct file *f,
		   struct ckpt_rec_file *r)
{
	if (!xa_load(&d->socks, file_inode(f)->i_ino))
		return -EOPNOTSUPP;
	r->kind = CKPT_FILE_SOCKET;
	r->ino = file_inode(f)->i_ino;
	return 0;
}

static void ckpt_sock_opts(struct sock *sk, struct socket *sock,
			   struct ckpt_rec_socket *r)
{
	if (test_bit(SOCK_PASSCRED, &sock->flags))
		r->flags |= CKPT_SOCKF_PASSCRED;
	if (sk->sk_reuse)
		r->flags |= CKPT_SOCKF_REUSEADDR;
	if (sk->sk_reuseport)
		r->flags |= CKPT_SOCKF_REUSEPORT;
	if (sock_flag(sk, SOCK_KEEPOPEN))
		r->flags |= CKPT_SOCKF_KEEPALIVE;
	if (sock_flag(sk, SOCK_BROADCAST))
		r->flags |= CKPT_SOCKF_BROADCAST;
	/* netlink's protocol 6 is NETLINK_XFRM, not TCP */
	if ((sk->sk_family == AF_INET || sk->sk_family == AF_INET6) &&
	    sk->sk_protocol == IPPROTO_TCP &&
	    (tcp_sk(sk)->nonagle & TCP_NAGLE_OFF))
		r->flags |= CKPT_SOCKF_NODELAY;
	if (sk->sk_family == AF_INET6 && sk->sk_ipv6only)
		r->flags |= CKPT_SOCKF_V6ONLY;
	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		r->flags |= CKPT_SOCKF_SNDBUF;
	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		r->flags |= CKPT_SOCKF_RCVBUF;
	r->sndbuf = READ_ONCE(sk->sk_sndbuf);
	r->rcvbuf = READ_ONCE(sk->sk_rcvbuf);
}

/*
 * A unix socket bound to an absolute path by a process with a root of its
 * own: its name is as the process saw it, but the restore binds it
 * before it sets that root (files.c), from ours.  Only a name that is
 * also ours (bound before the chroot) comes back in the right place.
 */
static int ckpt_unix_name_ours(struct ckpt_dump *d, struct sock *sk,
			       const struct sockaddr_un *a, int len)
{
	size_t n = len - offsetof(struct sockaddr_un, sun_path);
	struct path root, myroot;
	const char *ours;
	bool same, ok;
	char *buf;

	if (!n || a->sun_path[0] != '/')
		return 0;	/* abstract, or from the cwd (restored first) */
	task_lock(d->task);
	if (!d->task->fs) {
		task_unlock(d->task);
		return -ESRCH;
	}
	get_fs_root(d->task->fs, &root);
	task_unlock(d->task);
	get_fs_root(current->fs, &myroot);
	same = path_equal(&root, &myroot);
	path_put(&root);
	path_put(&myroot);
	if (same)
		return 0;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ours = d_path(&unix_sk(sk)->path, buf, PATH_MAX);
	ok = !IS_ERR(ours) && strnlen(a->sun_path, n) == strlen(ours) &&
	     !memcmp(ours, a->sun_path, strlen(ours));
	kfree(buf);
	return ok ? 0 : -EOPNOTSUPP;
}

static int ckpt_write_socket(struct ckpt_dump *d, unsigned long ino,
			     struct ckpt_sock_seen *p)
{
	struct socket *sock = sock_from_file(p->file);
	struct sock *sk = sock->sk;
	struct sockaddr_storage addr = {};
	struct ckpt_rec_socket r = {};
	struct dentry *dentry;
	int len = 0;

	r.id = ino;
	r.peer = p->peer;
	r.family = sk->sk_family;
	r.type = sk->sk_type;
	r.protocol = sk->sk_family == AF_UNIX ? 0 : sk->sk_protocol;
	r.state = p->state;
	ckpt_sock_opts(sk, sock, &r);
	if (p->gone)
		r.flags |= CKPT_SOCKF_PEER_GONE;
	if (p->state == CKPT_SOCK_PAIR)
		r.shutdown = READ_ONCE(sk->sk_shutdown) & SHUTDOWN_MASK;
	if (p->state == CKPT_SOCK_LISTEN)
		r.backlog = READ_ONCE(sk->sk_max_ack_backlog);
	if (p->state == CKPT_SOCK_BOUND || p->state == CKPT_SOCK_LISTEN ||
	    p->state == CKPT_SOCK_ESTABLISHED) {
		len = kernel_getsockname(sock, (struct sockaddr *)&addr);
		if (len < 0)
			return len;
		if (len <= sizeof(sa_family_t) || len > CKPT_SOCK_ADDR_MAX)
			return -EOPNOTSUPP;
		/* a netlink socket's groups: in its NETLINK record */
		if (sk->sk_family == AF_NETLINK)
			((struct sockaddr_nl *)&addr)->nl_groups = 0;
	}
	r.addr_len = len;
	dentry = sk->sk_family == AF_UNIX ? unix_sk(sk)->path.dentry : NULL;
	if (dentry && p->state != CKPT_SOCK_PAIR) {
		struct inode *inode = d_backing_inode(dentry);

		int err = ckpt_unix_name_ours(d, sk,
					      (struct sockaddr_un *)&addr, len);

		if (err)
			return err;
		r.path_ino = inode->i_ino;
		r.path_dev = new_encode_dev(inode->i_sb->s_dev);
		r.path_mode = inode->i_mode & 0777;
	}
	return ckpt_write_rec2(&d->out, CKPT_REC_SOCKET, &r, sizeof(r), &addr,
			       len);
}

/* One socket's unread data, copied from its receive queue. */
struct ckpt_sock_copy {
	void *buf;
	size_t len;
	u32 *msg_len;		/* datagrams: each message's length */
	u32 nr_msgs;
};

static size_t ckpt_skb_len(struct sock *sk, struct sk_buff *skb)
{
	if (sk->sk_type == SOCK_STREAM)
		return skb->len - UNIXCB(skb).consumed;
	return skb->len;
}

/* Bytes and messages in the queue of @sk (iolock held). */
static int ckpt_sock_measure(struct sock *sk, size_t *bytes, u32 *msgs)
{
	struct sk_buff *skb;
	unsigned long flags;
	int err = 0;

	*bytes = 0;
	*msgs = 0;
	spin_lock_irqsave(&sk->sk_receive_queue.lock, flags);
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		if (UNIXCB(skb).fp)
			err = -ETOOMANYREFS;
		*bytes += ckpt_skb_len(sk, skb);
		(*msgs)++;
	}
	spin_unlock_irqrestore(&sk->sk_receive_queue.lock, flags);
	return err;
}

static int ckpt_sock_fill_copy(struct sock *sk, struct ckpt_sock_copy *c)
{
	struct sk_buff *skb;
	unsigned long flags;
	size_t off = 0;
	u32 i = 0;
	int err = 0;

	spin_lock_irqsave(&sk->sk_receive_queue.lock, flags);
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		size_t n = ckpt_skb_len(sk, skb);
		int start = sk->sk_type == SOCK_STREAM ?
			    UNIXCB(skb).consumed : 0;

		if (i >= c->nr_msgs || n > c->len - off) {
			err = -EAGAIN;
			break;
		}
		if (n)
			err = skb_copy_bits(skb, start, c->buf + off, n);
		if (err)
			break;
		c->msg_len[i++] = n;
		off += n;
	}
	spin_unlock_irqrestore(&sk->sk_receive_queue.lock, flags);
	if (!err && (i != c->nr_msgs || off != c->len))
		err = -EAGAIN;
	return err;
}

static int ckpt_sock_copy(struct ckpt_dump *d, struct sock *sk,
			  struct ckpt_sock_copy *c)
{
	struct unix_sock *u = unix_sk(sk);
	int err;

	mutex_lock(&u->iolock);
	err = ckpt_sock_measure(sk, &c->len, &c->nr_msgs);
	/* each message, and each 64 KiB of a stream, is a record at most */
	if (!err && (c->len > CKPT_SOCK_MAX_DATA - d->sock_bytes ||
		     c->nr_msgs + c->len / CKPT_SOCK_CHUNK + 1 >
		     CKPT_MAX_SOCKDATA - d->sock_records))
		err = -EFBIG;
	if (!err) {
		c->buf = kvmalloc(c->len ? c->len : 1, GFP_KERNEL);
		c->msg_len = kvmalloc_array(c->nr_msgs ? c->nr_msgs : 1,
					    sizeof(u32), GFP_KERNEL);
		err = c->buf && c->msg_len ? 0 : -ENOMEM;
	}
	if (!err)
		err = ckpt_sock_fill_copy(sk, c);
	mutex_unlock(&u->iolock);
	if (!err) {
		d->sock_bytes += c->len;
		d->sock_records += c->nr_msgs + c->len / CKPT_SOCK_CHUNK + 1;
	}
	return err;
}

static int ckpt_write_sockdata(struct ckpt_dump *d, unsigned long ino,
			       struct sock *sk, const struct ckpt_sock_copy *c)
{
	struct ckpt_rec_sockdata sd = { .id = ino };
	bool stream = sk->sk_type == SOCK_STREAM;
	size_t off = 0, left, n;
	int err = 0;
	u32 i;

	for (i = 0; i < c->nr_msgs && !err; i++) {
		left = c->msg_len[i];
		do {
			n = min_t(size_t, left, CKPT_SOCK_CHUNK);
			left -= n;
			sd.flags = !stream && !left ? CKPT_SOCKDATA_EOR : 0;
			if (n || !stream)
				err = ckpt_write_rec2(&d->out,
						      CKPT_REC_SOCKDATA, &sd,
						      sizeof(sd), c->buf + off,
						      n);
			off += n;
		} while (left && !err);
	}
	return err;
}

static int ckpt_dump_sockdata(struct ckpt_dump *d, unsigned long ino,
			      struct ckpt_sock_seen *p)
{
	struct sock *sk = sock_from_file(p->file)->sk;
	struct ckpt_sock_copy c = {};
	int err;

	err = ckpt_sock_copy(d, sk, &c);
	if (!err)
		err = ckpt_write_sockdata(d, ino, sk, &c);
	kvfree(c.buf);
	kvfree(c.msg_len);
	return err;
}

/*
 * Copy the bytes of @skb numbered [@start, @start + @len) by sequence
 * into @buf at their place; count them in *@copied.
 */
static int ckpt_tcp_skb(struct sk_buff *skb, u32 start, u32 len, void *buf,
			u32 *copied)
{
	u32 seq = TCP_SKB_CB(skb)->seq, off = 0, pos, n;

	if (before(seq, start))
		off = start - seq;
	if (off >= skb->len)
		return 0;
	pos = seq + off - start;
	if (pos >= len)
		return 0;
	n = min_t(u32, skb->len - off, len - pos);
	*copied += n;
	return skb_copy_bits(skb, off, buf + pos, n);
}

/* An established connection's state and queues (socket locked). */
static int ckpt_tcp_read(struct ckpt_dump *d, struct sock *sk,
			 struct ckpt_rec_tcpstate *ts, void *rbuf, void *sbuf)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;
	u32 rgot = 0, sgot = 0;
	int err = 0;

	skb_queue_walk(&sk->sk_receive_queue, skb)
		if (!err)
			err = ckpt_tcp_skb(skb, ts->rcv_seq, ts->rcv_len, rbuf,
					   &rgot);
	skb_rbtree_walk(skb, &sk->tcp_rtx_queue)
		if (!err)
			err = ckpt_tcp_skb(skb, ts->snd_una, ts->snd_len, sbuf,
					   &sgot);
	skb_queue_walk(&sk->sk_write_queue, skb)
		if (!err)
			err = ckpt_tcp_skb(skb, ts->snd_una, ts->snd_len, sbuf,
					   &sgot);
	if (!err && (rgot != ts->rcv_len || sgot != ts->snd_len))
		err = -EAGAIN;		/* a hole: should not happen */
	ts->mss_clamp = tp->rx_opt.mss_clamp;
	if (tp->rx_opt.wscale_ok) {
		ts->flags |= CKPT_TCP_WSCALE;
		ts->snd_wscale = tp->rx_opt.snd_wscale;
		ts->rcv_wscale = tp->rx_opt.rcv_wscale;
	}
	if (tp->rx_opt.sack_ok)
		ts->flags |= CKPT_TCP_SACK;
	if (tp->rx_opt.tstamp_ok) {
		ts->flags |= CKPT_TCP_TSTAMP;
		ts->timestamp = tcp_time_stamp_raw() + tp->tsoffset;
	}
	ts->snd_wl1 = tp->snd_wl1;
	ts->snd_wnd = tp->snd_wnd;
	ts->max_window = tp->max_window;
	ts->rcv_wnd = tp->rcv_wnd;
	ts->rcv_wup = tp->rcv_wup;
	return err;
}

static int ckpt_write_tcpdata(struct ckpt_dump *d, unsigned long ino,
			      const void *buf, u32 len, u32 flags)
{
	struct ckpt_rec_sockdata sd = { .id = ino, .flags = flags };

	return ckpt_write_pieces(&d->out, CKPT_REC_SOCKDATA, &sd, sizeof(sd),
				 buf, len, CKPT_SOCK_CHUNK);
}

/* An established TCP connection: its queues now, its state kept in @p. */
static int ckpt_dump_tcp(struct ckpt_dump *d, unsigned long ino,
			 struct ckpt_sock_seen *p)
{
	struct socket *sock = sock_from_file(p->file);
	struct sock *sk = sock->sk;
	struct tcp_sock *tp = tcp_sk(sk);
	struct sockaddr_storage peer = {};
	struct ckpt_rec_tcpstate *ts;
	void *rbuf = NULL, *sbuf = NULL;
	u32 recs = 0;
	int err;

	ts = kzalloc(sizeof(*ts), GFP_KERNEL);
	if (!ts)
		return -ENOMEM;
	p->tcp = ts;
	ts->id = ino;
	err = kernel_getpeername(sock, (struct sockaddr *)&peer);
	if (err < 0)
		return err;
	if (err > sizeof(ts->peer))
		return -EOPNOTSUPP;
	memcpy(ts->peer, &peer, err);
	ts->peer_len = err;
	lock_sock(sk);
	/* segments that came in before the lock: into the queues now */
	sk_flush_backlog(sk);
	err = -EOPNOTSUPP;
	if (sk->sk_state != TCP_ESTABLISHED || tp->urg_data || tp->repair)
		goto out;
	ts->snd_una = tp->snd_una;
	ts->snd_len = tp->write_seq - tp->snd_una;
	ts->rcv_seq = tp->copied_seq;
	ts->rcv_len = tp->rcv_nxt - tp->copied_seq;
	recs = ts->rcv_len / CKPT_SOCK_CHUNK + ts->snd_len / CKPT_SOCK_CHUNK + 2;
	err = -EFBIG;
	if ((u64)ts->snd_len + ts->rcv_len > CKPT_SOCK_MAX_DATA - d->sock_bytes ||
	    recs > CKPT_MAX_SOCKDATA - d->sock_records)
		goto out;
	err = -ENOMEM;
	rbuf = kvmalloc(ts->rcv_len ? ts->rcv_len : 1, GFP_KERNEL);
	sbuf = kvmalloc(ts->snd_len ? ts->snd_len : 1, GFP_KERNEL);
	if (rbuf && sbuf)
		err = ckpt_tcp_read(d, sk, ts, rbuf, sbuf);
out:
	release_sock(sk);
	if (!err) {
		d->sock_bytes += ts->snd_len + ts->rcv_len;
		d->sock_records += recs;
		err = ckpt_write_tcpdata(d, ino, rbuf, ts->rcv_len, 0);
	}
	if (!err)
		err = ckpt_write_tcpdata(d, ino, sbuf, ts->snd_len,
					 CKPT_SOCKDATA_SEND);
	kvfree(rbuf);
	kvfree(sbuf);
	return err;
}

/*
 * After a checkpoint with CKPT_CHECKPOINT_KILL: put the established
 * connections in repair mode, so that closing them with the process sends
 * neither FIN nor RST; the restored process takes them over.
 */
void ckpt_socks_detach(struct ckpt_dump *d)
{
	struct ckpt_sock_seen *p;
	unsigned long ino;

	xa_for_each(&d->socks, ino, p) {
		struct sock *sk;

		if (p->state != CKPT_SOCK_ESTABLISHED)
			continue;
		sk = sock_from_file(p->file)->sk;
		lock_sock(sk);
		tcp_sk(sk)->repair = 1;
		tcp_sk(sk)->repair_queue = TCP_NO_QUEUE;
		release_sock(sk);
		if (p->lock)
			ckpt_tcplock_keep(p->lock);
		p->lock = NULL;
	}
}

/* The sockets (and pairs' unread data) this process's records hold. */
int ckpt_dump_socks(struct ckpt_dump *d)
{
	struct ckpt_sock_seen *p;
	unsigned long ino;
	int err = 0, pass;

	for (pass = 0; pass < 3 && !err; pass++) {
		xa_for_each(&d->socks, ino, p) {
			if (p->owner != d->member || p->dumped)
				continue;
			if (pass == 0)
				err = ckpt_write_socket(d, ino, p);
			else if (pass == 1 && p->state == CKPT_SOCK_PAIR)
				err = ckpt_dump_sockdata(d, ino, p);
			else if (pass == 1 && p->state == CKPT_SOCK_ESTABLISHED)
				err = ckpt_dump_tcp(d, ino, p);
			else if (pass == 2 && p->tcp)
				err = ckpt_write_rec(&d->out, CKPT_REC_TCPSTATE,
						     p->tcp, sizeof(*p->tcp));
			if (err) {
				d->err.fd = p->member == d->member ? p->fd : -1;
				if (!d->out.failed)
					err = ckpt_fail(&d->err, CKPT_OBJ_FD,
							err);
				break;
			}
			if (pass == 2)
				p->dumped = true;
		}
	}
	return err;
}

/* SOCKOPT records of this process's sockets, after its CGROUP record. */
int ckpt_dump_sockopts(struct ckpt_dump *d)
{
	struct ckpt_rec_sockopt o;
	struct ckpt_sock_seen *p;
	unsigned long ino;
	int err;

	xa_for_each(&d->socks, ino, p) {
		if (p->owner != d->member || !p->dumped ||
		    !ckpt_sockopt_read(sock_from_file(p->file)->sk, &o))
			continue;
		o.id = ino;
		err = ckpt_write_rec(&d->out, CKPT_REC_SOCKOPT, &o, sizeof(o));
		if (err)
			return err;
	}
	return 0;
}

/* MCAST records of this process's UDP sockets, after its INEVENTS. */
int ckpt_dump_mcasts(struct ckpt_dump *d)
{
	struct {
		struct ckpt_rec_mcast m;
		struct ckpt_rec_mcast_group g[CKPT_MCAST_MAX_GROUPS];
	} *b = d->scratch;
	struct ckpt_sock_seen *p;
	unsigned long ino;
	int err;

	BUILD_BUG_ON(sizeof(*b) > PAGE_SIZE);
	xa_for_each(&d->socks, ino, p) {
		if (p->owner != d->member || !p->dumped ||
		    !ckpt_mcast_read(sock_from_file(p->file)->sk, &b->m, b->g))
			continue;
		b->m.id = ino;
		err = ckpt_write_rec(&d->out, CKPT_REC_MCAST, b, sizeof(b->m) +
				     b->m.nr_groups * sizeof(b->g[0]));
		if (err)
			return err;
	}
	return 0;
}

/* NETLINK records of this process's netlink sockets, after its FOWNs. */
int ckpt_dump_netlinks(struct ckpt_dump *d)
{
	struct ckpt_rec_netlink *n = d->scratch;
	struct ckpt_sock_seen *p;
	unsigned long ino;
	int err;

	BUILD_BUG_ON(sizeof(*n) > PAGE_SIZE);
	xa_for_each(&d->socks, ino, p) {
		struct socket *sock = sock_from_file(p->file);

		if (p->owner != d->member || !p->dumped ||
		    sock->sk->sk_family != AF_NETLINK)
			continue;
		err = ckpt_nl_record(sock, n);
		if (err) {
			d->err.fd = p->fd;
			return ckpt_fail(&d->err, CKPT_OBJ_FD, err);
		}
		n->id = ino;
		err = ckpt_write_rec(&d->out, CKPT_REC_NETLINK, n, sizeof(*n));
		if (err)
			return err;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Restore                                                                 */
/* ---------------------------------------------------------------------- */

int ckpt_take_socket(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_socket *s = p;
	struct ckpt_restore_sock *e;
	int err;

	if (len < sizeof(*s) || len - sizeof(*s) != s->addr_len ||
	    s->addr_len > CKPT_SOCK_ADDR_MAX)
		return -EBADMSG;
	err = ckpt_grow((void **)&r->socks, r->nr_socks, sizeof(*e),
			CKPT_MAX_SOCKETS);
	if (err)
		return err;
	e = &r->socks[r->nr_socks];
	memset(e, 0, sizeof(*e));
	e->rec = *s;
	memcpy(&e->addr, s + 1, s->addr_len);
	e->offset = r->in.rec_offset;
	r->nr_socks++;
	return 0;
}

int ckpt_take_sockdata(struct ckpt_restore *r, const void *p, u32 len)
{
	const struct ckpt_rec_sockdata *sd = p;
	struct ckpt_restore_sockdata *e;
	u32 n = len - sizeof(*sd);
	int err;

	if (len < sizeof(*sd) || sd->reserved ||
	    sd->flags & ~(CKPT_SOCKDATA_EOR | CKPT_SOCKDATA_SEND) ||
	    n > CKPT_SOCK_MAX_DATA - r->sock_bytes)
		return -EBADMSG;
	err = ckpt_grow((void **)&r->sockdata, r->nr_sockdata, sizeof(*e),
			CKPT_MAX_SOCKDATA);
	if (err)
		return err;
	e = &r->sockdata[r->nr_sockdata];
	e->id = sd->id;
	e->flags = sd->flags;
	e->len = n;
	e->offset = r->in.rec_offset;
	e->data = NULL;
	if (n) {
		e->data = ckpt_dup(sd + 1, n);
		if (!e->data)
			return -ENOMEM;
	}
	r->nr_sockdata++;
	r->sock_bytes += n;
	return 0;
}

int ckpt_take_tcpstate(struct ckpt_restore *r, const void *p, u32 len)
{
	return ckpt_take_elem((void **)&r->tcpstates, &r->nr_tcpstates,
			      sizeof(*r->tcpstates), CKPT_MAX_SOCKETS, p, len);
}

static const struct ckpt_rec_tcpstate *
ckpt_find_tcpstate(const struct ckpt_restore *r, u64 id)
{
	u32 i;

	for (i = 0; i < r->nr_tcpstates; i++)
		if (r->tcpstates[i].id == id)
			return &r->tcpstates[i];
	return NULL;
}

void ckpt_socks_release(struct ckpt_restore *r)
{
	ckpt_idfiles_free(r->socks_made);
	r->socks_made = NULL;
}

void ckpt_free_socks(struct ckpt_restore *r)
{
	u32 i;

	ckpt_socks_release(r);
	for (i = 0; i < r->nr_sockdata; i++)
		kvfree(r->sockdata[i].data);
	kvfree(r->sockdata);
	kvfree(r->socks);
	kvfree(r->tcpstates);
}

const struct ckpt_restore_sock *ckpt_find_sock(const struct ckpt_restore *r,
					       u64 id)
{
	u32 i;

	for (i = 0; i < r->nr_socks; i++)
		if (r->socks[i].rec.id == id)
			return &r->socks[i];
	return NULL;
}

static bool ckpt_sock_addr_ok(const struct ckpt_restore_sock *s)
{
	const struct ckpt_rec_socket *r = &s->rec;
	u32 min = offsetof(struct sockaddr_un, sun_path);

	switch (r->family) {
	case AF_UNIX:
		if (r->addr_len <= min || r->addr_len > sizeof(s->addr.un) ||
		    s->addr.un.sun_family != AF_UNIX)
			return false;
		if (!s->addr.un.sun_path[0])	/* abstract */
			return !r->path_ino && !r->path_dev && !r->path_mode;
		return r->path_ino && !(r->path_mode & ~0777);
	case AF_INET:
		return r->addr_len == sizeof(struct sockaddr_in) &&
		       s->addr.in.sin_family == AF_INET && !r->path_ino;
	case AF_INET6:
		return r->addr_len == sizeof(struct sockaddr_in6) &&
		       s->addr.in6.sin6_family == AF_INET6 && !r->path_ino;
	case AF_NETLINK:
		return r->addr_len == sizeof(struct sockaddr_nl) &&
		       s->addr.nl.nl_family == AF_NETLINK &&
		       !s->addr.nl.nl_pad && s->addr.nl.nl_pid &&
		       !s->addr.nl.nl_groups && !r->path_ino &&
		       !r->path_dev && !r->path_mode;
	}
	return false;
}

static bool ckpt_sock_kind_ok(const struct ckpt_rec_socket *s)
{
	u32 opt = CKPT_SOCKF_REUSEADDR | CKPT_SOCKF_REUSEPORT |
		  CKPT_SOCKF_KEEPALIVE | CKPT_SOCKF_BROADCAST |
		  CKPT_SOCKF_SNDBUF | CKPT_SOCKF_RCVBUF;

	switch (s->family) {
	case AF_UNIX:
		if (s->protocol || (s->type != SOCK_STREAM &&
				    s->type != SOCK_DGRAM &&
				    s->type != SOCK_SEQPACKET))
			return false;
		opt |= CKPT_SOCKF_PASSCRED | CKPT_SOCKF_PEER_GONE;
		if (s->state == CKPT_SOCK_LISTEN && s->type == SOCK_DGRAM)
			return false;
		break;
	case AF_INET6:
		opt |= CKPT_SOCKF_V6ONLY;
		fallthrough;
	case AF_INET:
		if (s->type == SOCK_STREAM && s->protocol == IPPROTO_TCP)
			opt |= CKPT_SOCKF_NODELAY;
		else if (s->type != SOCK_DGRAM || s->protocol != IPPROTO_UDP ||
			 s->state == CKPT_SOCK_LISTEN)
			return false;
		if (s->state == CKPT_SOCK_PAIR ||
		    (s->state == CKPT_SOCK_ESTABLISHED &&
		     s->protocol != IPPROTO_TCP))
			return false;
		break;
	case AF_NETLINK:
		if ((s->type != SOCK_RAW && s->type != SOCK_DGRAM) ||
		    s->protocol >= MAX_LINKS ||
		    (s->state != CKPT_SOCK_UNBOUND &&
		     s->state != CKPT_SOCK_BOUND))
			return false;
		/* SO_REUSEPORT is for inet sockets alone */
		opt |= CKPT_SOCKF_PASSCRED;
		opt &= ~CKPT_SOCKF_REUSEPORT;
		break;
	default:
		return false;
	}
	if (s->flags & ~opt || s->state < CKPT_SOCK_UNBOUND ||
	    s->state > CKPT_SOCK_ESTABLISHED ||
	    (s->family == AF_UNIX && s->state == CKPT_SOCK_ESTABLISHED))
		return false;
	if ((s->flags & CKPT_SOCKF_PEER_GONE) &&
	    (s->state != CKPT_SOCK_PAIR || s->type == SOCK_DGRAM || s->peer))
		return false;
	return true;
}

static bool ckpt_sock_ok(const struct ckpt_restore *r,
			 const struct ckpt_restore_sock *e)
{
	const struct ckpt_rec_socket *s = &e->rec;
	const struct ckpt_restore_sock *q;

	if (!s->id || s->reserved || !ckpt_sock_kind_ok(s) ||
	    s->sndbuf < 0 || s->rcvbuf < 0 || s->sndbuf > INT_MAX / 2 ||
	    s->rcvbuf > INT_MAX / 2 || s->shutdown & ~SHUTDOWN_MASK ||
	    (s->shutdown && s->state != CKPT_SOCK_PAIR) ||
	    s->backlog > U16_MAX ||
	    (s->backlog && s->state != CKPT_SOCK_LISTEN) ||
	    (s->peer && s->state != CKPT_SOCK_PAIR))
		return false;
	if (ckpt_find_sock(r, s->id) != e)
		return false;		/* twice */
	switch (s->state) {
	case CKPT_SOCK_UNBOUND:
		return !s->addr_len && !s->path_ino && !s->path_dev &&
		       !s->path_mode;
	case CKPT_SOCK_BOUND:
	case CKPT_SOCK_LISTEN:
		return ckpt_sock_addr_ok(e);
	case CKPT_SOCK_ESTABLISHED:
		return ckpt_sock_addr_ok(e) && ckpt_find_tcpstate(r, s->id);
	}
	/* a pair */
	if (s->addr_len || s->path_ino || s->path_dev || s->path_mode)
		return false;
	if (s->flags & CKPT_SOCKF_PEER_GONE)
		return true;
	q = ckpt_find_sock(r, s->peer);
	return q && q != e && q->rec.state == CKPT_SOCK_PAIR &&
	       q->rec.peer == s->id && q->rec.type == s->type;
}

/* A TCPSTATE: of an ESTABLISHED socket, once, its data all there. */
static bool ckpt_tcpstate_ok(const struct ckpt_restore *r,
			     const struct ckpt_rec_tcpstate *ts)
{
	const struct ckpt_restore_sock *s = ckpt_find_sock(r, ts->id);
	u64 bytes[2] = { 0, 0 };
	bool send_seen = false;
	u16 fam;
	u32 i;

	if (!s || s->rec.state != CKPT_SOCK_ESTABLISHED ||
	    ckpt_find_tcpstate(r, ts->id) != ts || ts->reserved ||
	    ts->flags & ~CKPT_TCP_FLAGS || ts->snd_wscale > TCP_MAX_WSCALE ||
	    ts->rcv_wscale > TCP_MAX_WSCALE || ts->mss_clamp < TCP_MIN_MSS ||
	    ts->mss_clamp > U16_MAX || ts->peer_len > sizeof(ts->peer))
		return false;
	memcpy(&fam, ts->peer, sizeof(fam));
	if (fam != s->rec.family ||
	    ts->peer_len != (fam == AF_INET ? sizeof(struct sockaddr_in) :
			     sizeof(struct sockaddr_in6)))
		return false;
	for (i = 0; i < r->nr_sockdata; i++) {
		const struct ckpt_restore_sockdata *e = &r->sockdata[i];
		bool send = e->flags & CKPT_SOCKDATA_SEND;

		if (e->id != ts->id)
			continue;
		/* receive queue first; no empty records, no messages */
		if ((send_seen && !send) || !e->len ||
		    (e->flags & CKPT_SOCKDATA_EOR))
			return false;
		send_seen |= send;
		bytes[send] += e->len;
	}
	return bytes[0] == ts->rcv_len && bytes[1] == ts->snd_len;
}

/* Every SOCKET, SOCKDATA, TCPSTATE, and FILE of a socket. */
int ckpt_check_socks(struct ckpt_restore *r)
{
	const struct ckpt_restore_sock *s;
	u32 i, j;

	for (i = 0; i < r->nr_socks; i++)
		if (!ckpt_sock_ok(r, &r->socks[i]))
			return ckpt_bad_rec(r, CKPT_REC_SOCKET,
					    r->socks[i].offset, -EBADMSG);
	for (i = 0; i < r->nr_tcpstates; i++) {
		cond_resched();	/* each looks at the SOCKDATA records */
		if (!ckpt_tcpstate_ok(r, &r->tcpstates[i]))
			return ckpt_bad(r, CKPT_REC_TCPSTATE, -EBADMSG);
	}
	for (i = 0; i < r->nr_sockdata; i++) {
		const struct ckpt_restore_sockdata *e = &r->sockdata[i];
		bool last = true;

		cond_resched();	/* SOCKDATA x SOCKDATA, at worst */
		s = ckpt_find_sock(r, e->id);
		for (j = i + 1; j < r->nr_sockdata && last; j++)
			last = r->sockdata[j].id != e->id;
		if (s && s->rec.state == CKPT_SOCK_ESTABLISHED)
			continue;	/* checked with its TCPSTATE */
		/* a stream has no messages; a datagram's last piece ends one */
		if (!s || s->rec.state != CKPT_SOCK_PAIR ||
		    (s->rec.type == SOCK_STREAM ?
		     e->flags || !e->len :
		     e->flags & ~CKPT_SOCKDATA_EOR ||
		     (last && !(e->flags & CKPT_SOCKDATA_EOR))))
			return ckpt_bad_rec(r, CKPT_REC_SOCKDATA, e->offset,
					    -EBADMSG);
	}
	/* Connections are repaired with the restorer's CAP_NET_ADMIN. */
	r->net_admin = ns_capable(current->nsproxy->net_ns->user_ns,
				  CAP_NET_ADMIN);
	for (i = 0; i < r->nr_files; i++) {
		const struct ckpt_rec_file *f = &r->files[i].rec;

		if (f->kind != CKPT_FILE_SOCKET ||
		    (f->fd_flags & (CKPT_FD_SHARED | CKPT_FD_TREE)))
			continue;
		if (f->f_flags & ~CKPT_SOCK_F_FLAGS ||
		    (f->f_flags & O_ACCMODE) != O_RDWR || f->pos ||
		    f->size || f->dev || f->rdev ||
		    (!ckpt_find_sock(r, f->ino) && !ckpt_tree_has_sock(r, f->ino)))
			return ckpt_bad_rec(r, CKPT_REC_FILE, r->files[i].offset,
					    -EBADMSG);
	}
	return 0;
}

static int ckpt_set_int(struct socket *sock, int level, int opt, int val)
{
	sockptr_t p = KERNEL_SOCKPTR(&val);

	if (level == SOL_SOCKET)
		return sock_setsockopt(sock, level, opt, p, sizeof(val));
	return sock->ops->setsockopt(sock, level, opt, p, sizeof(val));
}

/* SO_SNDBUF/SO_RCVBUF to exactly @val, forced if need be (and allowed). */
static int ckpt_set_buf(struct socket *sock, int opt, int force,
			const int *field, int val)
{
	int err;

	err = ckpt_set_int(sock, SOL_SOCKET, opt, val / 2);
	if (!err && READ_ONCE(*field) != val)
		err = ckpt_set_int(sock, SOL_SOCKET, force, val / 2);
	if (!err && READ_ONCE(*field) != val)
		err = -ERANGE;
	return err;
}

/* Options that must be set before bind(). */
static int ckpt_sock_pre_bind(struct socket *sock,
			      const struct ckpt_restore_sock *rs)
{
	const struct ckpt_rec_socket *s = &rs->rec;
	struct sock *sk = sock->sk;
	int err = 0;

	if (s->flags & CKPT_SOCKF_REUSEADDR)
		sock_set_reuseaddr(sk);
	if (s->flags & CKPT_SOCKF_REUSEPORT)
		sock_set_reuseport(sk);
	if (s->family == AF_INET6)
		err = ckpt_set_int(sock, SOL_IPV6, IPV6_V6ONLY,
				   !!(s->flags & CKPT_SOCKF_V6ONLY));
	if (!err)
		err = ckpt_sockopts_pre_bind(sock, rs->opt);
	return err;
}

/* The others, and the buffer sizes, once bound or filled. */
static int ckpt_sock_post(struct socket *sock,
			  const struct ckpt_restore_sock *rs)
{
	const struct ckpt_rec_socket *s = &rs->rec;
	struct sock *sk = sock->sk;
	int err = 0;

	if (s->flags & CKPT_SOCKF_KEEPALIVE)
		sock_set_keepalive(sk);
	if (s->flags & CKPT_SOCKF_NODELAY)
		tcp_sock_set_nodelay(sk);
	if (s->flags & CKPT_SOCKF_BROADCAST)
		err = ckpt_set_int(sock, SOL_SOCKET, SO_BROADCAST, 1);
	if (!err && (s->flags & CKPT_SOCKF_PASSCRED))
		err = ckpt_set_int(sock, SOL_SOCKET, SO_PASSCRED, 1);
	if (!err && (s->flags & CKPT_SOCKF_SNDBUF))
		err = ckpt_set_buf(sock, SO_SNDBUF, SO_SNDBUFFORCE,
				   &sk->sk_sndbuf, s->sndbuf);
	if (!err && (s->flags & CKPT_SOCKF_RCVBUF))
		err = ckpt_set_buf(sock, SO_RCVBUF, SO_RCVBUFFORCE,
				   &sk->sk_rcvbuf, s->rcvbuf);
	if (!err)
		err = ckpt_sockopts_apply(sock, rs->opt);
	if (!err && rs->mcast)
		err = ckpt_mcast_apply(sock, rs->mcast);
	if (!err && rs->nl)
		err = ckpt_nl_apply(sock, rs->nl);
	return err;
}

static int ckpt_send_all(struct socket *from, struct kvec *vec, u32 nvec,
			 size_t len)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	int n;

	n = kernel_sendmsg(from, &msg, vec, nvec, len);
	if (n < 0)
		return n;
	return n == len ? 0 : -ENOBUFS;
}

/*
 * Queue @s's unread data again: sent by @from, the other end, whose send
 * buffer is opened wide meanwhile (the bytes were queued already once).
 */
static int ckpt_sock_refill(const struct ckpt_restore *r,
			    const struct ckpt_restore_sock *s,
			    struct socket *from)
{
	struct sock *sk = from->sk;
	int sndbuf = READ_ONCE(sk->sk_sndbuf);
	struct kvec *vec;
	size_t len = 0;
	u32 i, n = 0;
	int err = 0;

	vec = kvmalloc_array(r->nr_sockdata ? r->nr_sockdata : 1,
			     sizeof(*vec), GFP_KERNEL);
	if (!vec)
		return -ENOMEM;
	WRITE_ONCE(sk->sk_sndbuf, INT_MAX / 2);
	for (i = 0; i < r->nr_sockdata && !err; i++) {
		const struct ckpt_restore_sockdata *e = &r->sockdata[i];

		if (e->id != s->rec.id)
			continue;
		vec[n].iov_base = e->data;
		vec[n].iov_len = e->len;
		len += e->len;
		n++;
		if (s->rec.type == SOCK_STREAM ||
		    (e->flags & CKPT_SOCKDATA_EOR)) {
			err = ckpt_send_all(from, vec, n, len);
			n = 0;
			len = 0;
		}
	}
	WRITE_ONCE(sk->sk_sndbuf, sndbuf);
	kvfree(vec);
	return err;
}

static int ckpt_sock_shutdown(struct socket *sock, u32 how)
{
	if (!how)
		return 0;
	return kernel_sock_shutdown(sock, how == SHUTDOWN_MASK ? SHUT_RDWR :
				    how == RCV_SHUTDOWN ? SHUT_RD : SHUT_WR);
}


static int ckpt_make_pair(const struct ckpt_restore *r,
			  const struct ckpt_restore_sock *a,
			  struct ckpt_idfiles *t)
{
	const struct ckpt_restore_sock *b = NULL;
	struct socket *sa, *sb;
	struct file *fa, *fb;
	int err;

	if (!(a->rec.flags & CKPT_SOCKF_PEER_GONE))
		b = ckpt_find_sock(r, a->rec.peer);
	err = sock_create(AF_UNIX, a->rec.type, 0, &sa);
	if (err)
		return err;
	err = sock_create(AF_UNIX, a->rec.type, 0, &sb);
	if (err) {
		sock_release(sa);
		return err;
	}
	err = security_socket_socketpair(sa, sb);
	if (!err)
		err = sa->ops->socketpair(sa, sb);
	if (err) {
		sock_release(sa);
		sock_release(sb);
		return err;
	}
	fa = sock_alloc_file(sa, 0, NULL);
	if (IS_ERR(fa)) {
		sock_release(sb);
		return PTR_ERR(fa);
	}
	fb = sock_alloc_file(sb, 0, NULL);
	if (IS_ERR(fb)) {
		fput(fa);
		return PTR_ERR(fb);
	}
	err = ckpt_sock_refill(r, a, sb);
	if (!err && b)
		err = ckpt_sock_refill(r, b, sa);
	if (!err)
		err = ckpt_sock_post(sa, a);
	if (!err && b)
		err = ckpt_sock_post(sb, b);
	if (!err && b)
		err = ckpt_sock_shutdown(sa, a->rec.shutdown);
	if (!err && b)
		err = ckpt_sock_shutdown(sb, b->rec.shutdown);
	if (err || !b) {
		/* no other end: closing it shuts @a down, as it was */
		fput(fb);
		if (err) {
			fput(fa);
			return err;
		}
		return ckpt_idfiles_add(t, a->rec.id, fa);
	}
	ckpt_idfiles_add(t, a->rec.id, fa);
	return ckpt_idfiles_add(t, b->rec.id, fb);
}

/*
 * A stale socket file at @s's path: unlinked if it is still the
 * checkpointed socket's inode, refused if it is anything else.
 */
static int ckpt_unlink_stale(const struct ckpt_restore_sock *s)
{
	size_t n = s->rec.addr_len - offsetof(struct sockaddr_un, sun_path);
	struct path parent;
	struct dentry *de;
	char *path, *name;
	int err;

	path = kstrndup(s->addr.un.sun_path, n, GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	name = strrchr(path, '/');
	if (name) {
		*name++ = '\0';
		err = kern_path(name == path + 1 ? "/" : path,
				LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &parent);
	} else {
		name = path;
		err = kern_path(".", LOOKUP_FOLLOW | LOOKUP_DIRECTORY,
				&parent);
	}
	if (err)
		goto out;
	err = -EINVAL;
	if (!*name)
		goto out_path;
	err = mnt_want_write(parent.mnt);
	if (err)
		goto out_path;
	inode_lock_nested(d_inode(parent.dentry), I_MUTEX_PARENT);
	de = lookup_one_len(name, parent.dentry, strlen(name));
	err = PTR_ERR_OR_ZERO(de);
	if (!err) {
		struct inode *inode = d_backing_inode(de);

		if (d_is_positive(de) &&
		    (!S_ISSOCK(inode->i_mode) || inode->i_ino != s->rec.path_ino ||
		     new_encode_dev(inode->i_sb->s_dev) != s->rec.path_dev))
			err = -EADDRINUSE;
		else if (d_is_positive(de))
			err = ckpt_unlink_as_task(&parent, de, false);
		dput(de);
	}
	inode_unlock(d_inode(parent.dentry));
	mnt_drop_write(parent.mnt);
out_path:
	path_put(&parent);
out:
	kfree(path);
	return err;
}

static int ckpt_sock_bind(struct socket *sock, const struct ckpt_restore_sock *s)
{
	struct fs_struct *fs = current->fs;
	bool path = s->rec.family == AF_UNIX && s->addr.un.sun_path[0];
	int umask = 0, err;

	if (path) {
		err = ckpt_unlink_stale(s);
		if (err)
			return err;
		/* the socket file gets its permissions back */
		umask = fs->umask;
		fs->umask = ~s->rec.path_mode & 0777;
	}
	err = kernel_bind(sock, (struct sockaddr *)&s->addr, s->rec.addr_len);
	if (path)
		fs->umask = umask;
	return err;
}

static int ckpt_make_sock(const struct ckpt_restore_sock *s,
			  struct ckpt_idfiles *t)
{
	const struct ckpt_rec_socket *rec = &s->rec;
	struct socket *sock;
	struct file *f;
	int err, backlog;

	err = sock_create(rec->family, rec->type, rec->protocol, &sock);
	if (err)
		return err;
	err = ckpt_sock_pre_bind(sock, s);
	if (!err && rec->state != CKPT_SOCK_UNBOUND)
		err = ckpt_sock_bind(sock, s);
	if (!err)
		err = ckpt_sock_post(sock, s);
	if (!err && rec->state == CKPT_SOCK_LISTEN) {
		backlog = min_t(int, rec->backlog,
				READ_ONCE(sock_net(sock->sk)->core.sysctl_somaxconn));
		err = kernel_listen(sock, backlog);
	}
	if (err) {
		sock_release(sock);
		return err;
	}
	f = sock_alloc_file(sock, 0, NULL);
	if (IS_ERR(f))
		return PTR_ERR(f);
	return ckpt_idfiles_add(t, rec->id, f);
}

/* Queue a connection's saved bytes again, in repair mode. */
static int ckpt_tcp_refill(const struct ckpt_restore *r, struct socket *sock,
			   u64 id, bool send)
{
	struct sock *sk = sock->sk;
	int err = 0;
	u32 i;

	err = ckpt_set_int(sock, SOL_TCP, TCP_REPAIR_QUEUE,
			   send ? TCP_SEND_QUEUE : TCP_RECV_QUEUE);
	for (i = 0; i < r->nr_sockdata && !err; i++) {
		const struct ckpt_restore_sockdata *e = &r->sockdata[i];
		struct kvec vec = { .iov_base = e->data, .iov_len = e->len };

		if (e->id != id || !!(e->flags & CKPT_SOCKDATA_SEND) != send)
			continue;
		WRITE_ONCE(sk->sk_sndbuf, INT_MAX / 2);
		WRITE_ONCE(sk->sk_rcvbuf, INT_MAX / 2);
		err = ckpt_send_all(sock, &vec, 1, e->len);
	}
	return err;
}

/* TCP_REPAIR_WINDOW, once the receive queue is back (rcv_nxt). */
static int ckpt_tcp_window(struct socket *sock,
			   const struct ckpt_rec_tcpstate *ts)
{
	struct tcp_repair_window w = {
		.snd_wl1 = ts->snd_wl1, .snd_wnd = ts->snd_wnd,
		.max_window = ts->max_window, .rcv_wnd = ts->rcv_wnd,
		.rcv_wup = ts->rcv_wup,
	};

	return sock->ops->setsockopt(sock, SOL_TCP, TCP_REPAIR_WINDOW,
				     KERNEL_SOCKPTR(&w), sizeof(w));
}

/* TCP_REPAIR_OPTIONS and TCP_TIMESTAMP of @ts. */
static int ckpt_tcp_options(struct socket *sock,
			    const struct ckpt_rec_tcpstate *ts)
{
	struct tcp_repair_opt opt[4];
	unsigned int n = 0;
	int err;

	opt[n].opt_code = TCPOPT_MSS;
	opt[n++].opt_val = ts->mss_clamp;
	if (ts->flags & CKPT_TCP_WSCALE) {
		opt[n].opt_code = TCPOPT_WINDOW;
		opt[n++].opt_val = ts->snd_wscale | (ts->rcv_wscale << 16);
	}
	if (ts->flags & CKPT_TCP_SACK) {
		opt[n].opt_code = TCPOPT_SACK_PERM;
		opt[n++].opt_val = 0;
	}
	if (ts->flags & CKPT_TCP_TSTAMP) {
		opt[n].opt_code = TCPOPT_TIMESTAMP;
		opt[n++].opt_val = 0;
	}
	err = sock->ops->setsockopt(sock, SOL_TCP, TCP_REPAIR_OPTIONS,
				    KERNEL_SOCKPTR(opt), n * sizeof(opt[0]));
	if (!err && (ts->flags & CKPT_TCP_TSTAMP))
		err = ckpt_set_int(sock, SOL_TCP, TCP_TIMESTAMP, ts->timestamp);
	return err;
}

/* The steps of TCP repair, CRIU's order. */
static int ckpt_tcp_repair(const struct ckpt_restore *r, struct socket *sock,
			   const struct ckpt_restore_sock *s,
			   const struct ckpt_rec_tcpstate *ts)
{
	struct sock *sk = sock->sk;
	int sndbuf, rcvbuf, err;

	err = ckpt_set_int(sock, SOL_TCP, TCP_REPAIR, TCP_REPAIR_ON);
	if (!err)
		err = ckpt_sock_pre_bind(sock, s);
	if (!err)
		err = kernel_bind(sock, (struct sockaddr *)&s->addr,
				  s->rec.addr_len);
	if (!err)
		err = ckpt_set_int(sock, SOL_TCP, TCP_REPAIR_QUEUE,
				   TCP_RECV_QUEUE);
	if (!err)
		err = ckpt_set_int(sock, SOL_TCP, TCP_QUEUE_SEQ, ts->rcv_seq);
	if (!err)
		err = ckpt_set_int(sock, SOL_TCP, TCP_REPAIR_QUEUE,
				   TCP_SEND_QUEUE);
	if (!err)
		err = ckpt_set_int(sock, SOL_TCP, TCP_QUEUE_SEQ, ts->snd_una);
	if (!err)
		err = kernel_connect(sock, (struct sockaddr *)ts->peer,
				     ts->peer_len, 0);
	if (!err)
		err = ckpt_tcp_options(sock, ts);
	sndbuf = READ_ONCE(sk->sk_sndbuf);
	rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	if (!err)
		err = ckpt_tcp_refill(r, sock, ts->id, false);
	if (!err)
		err = ckpt_tcp_window(sock, ts);
	/* queued as sent already: any retransmission has the options */
	if (!err)
		err = ckpt_tcp_refill(r, sock, ts->id, true);
	WRITE_ONCE(sk->sk_sndbuf, sndbuf);
	WRITE_ONCE(sk->sk_rcvbuf, rcvbuf);
	if (!err)
		err = ckpt_set_int(sock, SOL_TCP, TCP_REPAIR_QUEUE,
				   TCP_NO_QUEUE);
	if (!err)
		err = ckpt_sock_post(sock, s);
	/* repaired: the window probe of TCP_REPAIR_OFF must get through */
	if (!err)
		ckpt_tcplock_release(sk);
	if (!err)
		err = ckpt_set_int(sock, SOL_TCP, TCP_REPAIR, TCP_REPAIR_OFF);
	return err;
}

/*
 * An established connection, by TCP repair.  Its setsockopt()s need
 * CAP_NET_ADMIN: the restorer's (checked at prepare), lent to the
 * restoring task for these calls only.
 */
static int ckpt_make_tcp(const struct ckpt_restore *r,
			 const struct ckpt_restore_sock *s,
			 struct ckpt_idfiles *t)
{
	const struct ckpt_rec_tcpstate *ts = ckpt_find_tcpstate(r, s->rec.id);
	const struct cred *old;
	struct socket *sock;
	struct cred *cred;
	struct file *f;
	int err;

	if (!ts)
		return -EBADMSG;
	if (!r->net_admin)
		return -EPERM;
	err = sock_create(s->rec.family, SOCK_STREAM, IPPROTO_TCP, &sock);
	if (err)
		return err;
	cred = prepare_creds();
	if (!cred) {
		sock_release(sock);
		return -ENOMEM;
	}
	cap_raise(cred->cap_effective, CAP_NET_ADMIN);
	old = override_creds(cred);
	err = ckpt_tcp_repair(r, sock, s, ts);
	revert_creds(old);
	put_cred(cred);
	if (err) {
		sock_release(sock);
		return err;
	}
	f = sock_alloc_file(sock, 0, NULL);
	if (IS_ERR(f))
		return PTR_ERR(f);
	return ckpt_idfiles_add(t, s->rec.id, f);
}

static struct file *ckpt_sock_take(struct file *f, const struct ckpt_rec_file *rec)
{
	get_file(f);
	spin_lock(&f->f_lock);
	f->f_flags = (f->f_flags & ~O_NONBLOCK) | (rec->f_flags & O_NONBLOCK);
	spin_unlock(&f->f_lock);
	return f;
}

/* The socket the FILE record @rec names (a new reference). */
struct file *ckpt_sock_file(const struct ckpt_restore *r,
			    struct ckpt_idfiles *t,
			    const struct ckpt_rec_file *rec)
{
	const struct ckpt_restore_sock *s;
	struct file *f;
	int err;

	f = ckpt_idfiles_find(t, rec->ino);
	if (!f && r->tree)
		f = ckpt_tree_sock(r, rec->ino);
	if (f)
		return ckpt_sock_take(f, rec);
	s = ckpt_find_sock(r, rec->ino);
	if (!s)
		return ERR_PTR(-EBADMSG);
	if (s->rec.state == CKPT_SOCK_PAIR)
		err = ckpt_make_pair(r, s, t);
	else if (s->rec.state == CKPT_SOCK_ESTABLISHED)
		err = ckpt_make_tcp(r, s, t);
	else
		err = ckpt_make_sock(s, t);
	if (err)
		return ERR_PTR(err);
	f = ckpt_idfiles_find(t, rec->ino);
	return f ? ckpt_sock_take(f, rec) : ERR_PTR(-EBADMSG);
}
