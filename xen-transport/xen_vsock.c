// SPDX-License-Identifier: GPL-2.0-only
/*
 * xen_vsock: an AF_VSOCK transport between Xen guests on the same host,
 * over rings of granted pages and event channels.
 *
 * Implementation notes
 *
 * The socket protocol (REQUEST/RESPONSE/RW/CREDIT/SHUTDOWN/RST, credit flow
 * control) is virtio-vsock's, reused from virtio_transport_common exactly as
 * vsock_loopback does; this file only moves virtio_vsock_hdr + payload
 * records between two domains. The local CID is the domain ID + 2 (dom0 is
 * CID 2, VMADDR_CID_HOST); the transport registers in the G2H slot.
 *
 * Per peer domain there are two rings, one per direction. Each domain
 * allocates and grants its own transmit ring (a control page then
 * ring_pages data pages) to the peer, allocates an unbound event channel
 * for the peer (its receive port) and publishes "1 NR PORT GREF..." at
 * /local/domain/ME/data/vsock/PEER; it then asks the peer to do the same
 * by writing /local/domain/PEER/data/vsock-knock/ME, which the peer
 * watches (and, should another domain delete that directory, the peer
 * takes the publication itself as the knock: it watches /local/domain
 * too). Once the peer's node is there, the domain maps the peer's ring
 * (its receive ring) and binds to the peer's port (its send port). The two
 * xenstore directories are made by dom0 (tools/xen-vsock-setup).
 *
 * Shared memory is hostile: the control page holds only free-running
 * counters and wait flags. Each side keeps its own index privately and
 * reads the other's once (READ_ONCE), bounds it by the ring size, and
 * checks every record length before use; a violation tears down that one
 * peer. Barriers: data before the producer index (virt_wmb), consumer index
 * after the reads of the data (virt_mb), wait flag then index re-check
 * (virt_mb) on both sides so a notification is never lost.
 *
 * All per-peer work runs in one work item (peer->work), on one ordered
 * workqueue with the teardowns, so the receive ring and the channel state
 * need no lock and a peer's successor never races its teardown in
 * xenstore. xvt_peers (an xarray) maps domids to peers; its lock also
 * orders send_pkt's enqueue against a peer's removal. The transmit ring is
 * the exception: once the channel is up (tx_ready), send_pkt writes into it
 * directly, under the peer's tx_lock and the table lock (so the peer cannot
 * be torn down meanwhile), instead of waking the work for every packet; the
 * work writes it under tx_lock too.
 *
 * Events: a side notifies only a consumer that said it waits (cons_wait),
 * once per wait; a CREDIT_UPDATE only one whose sender waits for credit
 * (credit_wait, lazy_credit). A batch (one sendmsg of several records, or
 * what one receive run makes the socket layer send) owes its event until
 * its end (tx_batch; batch_task, owe). A receive run drains the ring and
 * delivers the records together.
 *
 * Copies: a stream's data is copied once on each side. The sender copies
 * from the writer's buffer into the ring (tx_direct, xvt_stream_direct).
 * The receiver leaves a stream record of 1 KiB or more in the ring, "lent"
 * to its reader (rx_direct): the work delivers an skb that has only the
 * header, and the reader copies the payload from the ring
 * (xvt_stream_dequeue, which replaces the common stream dequeue). The
 * ring's space is given back in order, so the consumer index stops at
 * the oldest loan still in the ring. A loan whose skb the socket dropped
 * ends at the next receive run; the others "settle" (their payload is
 * copied out of the ring into a buffer of their own) for MSG_PEEK, for a
 * reader whose buffer keeps faulting, when the producer waits for room
 * and no reader has read for a tick (xvt_reclaim: an idle reader must not
 * stall the peer's other connections), and at teardown, before the ring
 * is unmapped. While at least rx_defer records are lent to a reader that
 * reads, a receive run that empties the ring asks for no event: that
 * reader queues the work when it brings them below rx_defer, or
 * xvt_reclaim does a tick later (xvt_rx_defer, xvt_loan_out).
 *
 * Lock order: xvt_peers.xa_lock -> peer->tx_lock -> peer->txq.lock;
 * xvt_each_lock -> vsock_table_lock (vsock_for_each_connected_socket).
 * xvt_loan_lock is taken with no other lock held; under it, only the
 * workqueue's own locks are taken (queue_work) and events sent.
 */

#include <linux/ctype.h>
#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/virtio_vsock.h>
#include <net/af_vsock.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#include <xen/grant_table.h>
#include <xen/events.h>
#include <xen/page.h>
#include <xen/interface/event_channel.h>
#include <asm/xen/hypercall.h>

#define XVT_HDR_LEN	sizeof(struct virtio_vsock_hdr)
#define XVT_REC_ALIGN	8
#define XVT_MAX_PAYLOAD	VIRTIO_VSOCK_MAX_PKT_BUF_SIZE
#define XVT_PROTO	3	/* 2: credit_wait in the control page; 3: data_wait */
#define XVT_MIN_PAGES	32	/* a ring holds at least one maximal record */
#define XVT_PUB_MAX	4096	/* xenstore value limit */

/*
 * 256 pages (1 MiB) by default: with 64, a 64 KiB or larger stream sent
 * about one event per two records; with 256 and sock_buf_kb=1024 one per
 * six to ten, and 1.5x to 1.9x the throughput (make bench-xen, both in
 * the same runs; Documentation/xen-transport.rst).
 */
static unsigned int ring_pages = 256;
module_param(ring_pages, uint, 0444);
MODULE_PARM_DESC(ring_pages, "data pages of each transmit ring (power of 2, 32..max_ring_pages, default 256)");

static unsigned int max_ring_pages = 256;
module_param(max_ring_pages, uint, 0444);
MODULE_PARM_DESC(max_ring_pages, "largest ring accepted from a peer, in data pages (<= 256)");

static unsigned int max_peers = 64;
module_param(max_peers, uint, 0444);
MODULE_PARM_DESC(max_peers, "most peer domains at once");

static unsigned int rendezvous_ms = 5000;
module_param(rendezvous_ms, uint, 0444);
MODULE_PARM_DESC(rendezvous_ms, "time a peer has to publish its ring before its packets are reset");

static unsigned int heartbeat_ms = 1000;
module_param(heartbeat_ms, uint, 0444);
MODULE_PARM_DESC(heartbeat_ms, "interval of the peer liveness check");

static unsigned int rx_budget = 4096;
module_param(rx_budget, uint, 0444);
MODULE_PARM_DESC(rx_budget, "records received per work run before yielding (a run also stops after one ring's worth of bytes)");

/*
 * Sender batching: the records of one sendmsg (a write larger than one
 * record), and the replies sent while the work delivers a batch of
 * received records, go out with one event at the end instead of one per
 * record.
 */
static bool tx_batch = true;
module_param(tx_batch, bool, 0644);
MODULE_PARM_DESC(tx_batch, "one event per batch of records from one sendmsg or one receive run (default 1)");

/*
 * A socket's receive buffer (buf_alloc: the credit its peer's sender gets)
 * is af_vsock's default, 256 KiB, unless the program set it. A sender gets
 * at most that much ahead of the reader per round trip of credit, so it
 * bounds the records per wakeup. sock_buf_kb raises the default for our
 * sockets (not what a program set, unless it set exactly the defaults):
 * 1 MiB, as large as the default ring.
 */
#define XVT_DEF_BUF	(256 * 1024)	/* af_vsock's VSOCK_DEFAULT_BUFFER_SIZE */
static unsigned int sock_buf_kb = 1024;
module_param(sock_buf_kb, uint, 0644);
MODULE_PARM_DESC(sock_buf_kb, "default receive buffer of xen_vsock sockets, KiB (256..16384, default 1024; af_vsock's is 256)");

/*
 * Only a sender out of credit needs a CREDIT_UPDATE at once: the others go
 * into the ring without an event (see xvt_lazy, xvt_credit_wait).
 */
static bool lazy_credit = true;
module_param(lazy_credit, bool, 0644);
MODULE_PARM_DESC(lazy_credit, "send CREDIT_UPDATEs without an event unless the peer waits for credit (default 1)");

/*
 * A stream's data goes from the sender's buffer straight into the
 * transmit ring (xvt_stream_direct), one copy, instead of into a 64 KiB
 * skb first. 0: every record takes the skb path (make bench-xen compares).
 */
static bool tx_direct = true;
module_param(tx_direct, bool, 0644);
MODULE_PARM_DESC(tx_direct, "copy stream data from the sender straight into the ring (default 1)");

/*
 * A stream record of XVT_LEND_MIN bytes or more stays in the receive ring
 * until its reader copies it out (xvt_read_loan): one copy, instead of
 * ring to skb, then skb to the reader. 0: every record is copied out.
 */
static bool rx_direct = true;
module_param(rx_direct, bool, 0644);
MODULE_PARM_DESC(rx_direct, "readers copy stream data straight from the ring (default 1)");

/*
 * A receive run that leaves at least rx_defer records lent to readers
 * (one of whom read within the last tick) ends without asking the peer
 * for an event: the reader that brings the loans below that queues the
 * work itself, a wakeup inside this domain instead of an event from the
 * peer per record. 0: every run that empties the ring asks for an event.
 */
static unsigned int rx_defer = 4;
module_param(rx_defer, uint, 0644);
MODULE_PARM_DESC(rx_defer, "records lent to an active reader at which a receive run asks for no event; that reader wakes the work (0: off, default 4)");

/*
 * What reading a peer's records makes us send back (a RST for a closed
 * port, a RESPONSE, a CREDIT_UPDATE for a CREDIT_REQUEST) waits in its
 * transmit queue while the peer does not take our records.  Past this
 * many waiting, further answers are dropped (as a full network would):
 * a peer that writes and never reads cannot make us queue them without
 * end.  Its ring is still read, so two peers both past it cannot stop
 * each other.
 */
static unsigned int rx_replies = 256;
module_param(rx_replies, uint, 0644);
MODULE_PARM_DESC(rx_replies, "answers to a peer's records queued for it past which further ones are dropped (default 256)");

/*
 * Data waiting in a peer's transmit queue (its ring full) is what the
 * peers' credit allows each socket, and the peer says what the credit
 * is: its fwd_cnt (the kernel caps its buf_alloc at ours) can grant
 * more than it reads, and many sockets add up. Past txq_kb KiB queued
 * for one peer, its senders wait (a full socket: blocking writes sleep,
 * others get EAGAIN) until the ring takes some.
 */
static unsigned int txq_kb = 4096;
module_param(txq_kb, uint, 0644);
MODULE_PARM_DESC(txq_kb, "data queued for one peer beyond its ring (KiB) past which its senders wait (default 4096)");

/*
 * Test only (tests/xen, the hostile-peer tests): make this domain act as a
 * malicious peer once. Writing 1 publishes an out-of-range producer index
 * in the transmit ring of the next connected peer whose work runs (within
 * heartbeat_ms), 2 publishes a record whose header claims an oversize
 * payload. It can only break this domain's own channel, which root here
 * can do anyway; the peer must survive it.
 */
static unsigned int test_corrupt;
module_param(test_corrupt, uint, 0600);
MODULE_PARM_DESC(test_corrupt, "test only: corrupt our next transmit ring (1: index, 2: length)");

/*
 * Test only (tests/xen, flood-a2c): N makes this domain stop reading the
 * ring of domain N - 1, as a peer that writes and never reads would (the
 * peer must bound what it queues for us: rx_replies); 0 reads again.
 */
static unsigned int test_mute;
module_param(test_mute, uint, 0600);
MODULE_PARM_DESC(test_mute, "test only: N stops reading the ring of domain N - 1 (0: none)");

/*
 * Page 0 of each ring, shared with the peer: nothing here is trusted. The
 * wait flags are set by the side that waits and cleared by the side that
 * notifies (one event per wait).
 */
struct xvt_ctrl {
	u32 prod;	/* written by the producer only */
	u32 prod_wait;	/* producer: notify me when cons moves */
	u32 cons;	/* written by the consumer only */
	u32 cons_wait;	/* consumer: notify me when prod moves */
	u32 credit_wait; /* consumer: ... even for a CREDIT_UPDATE */
	u32 ping;	/* this ring's producer: answer with pong (debugfs ping) */
	u32 pong;	/* this ring's producer: the peer's last ping */
	u32 data_wait;	/* consumer: a reader sleeps: ... a CREDIT_UPDATE too */
};

struct xvt_ring {
	struct page **pages;	/* nr + 1: the control page, then data */
	unsigned int nr;	/* data pages, a power of two */
	u32 size;		/* nr * PAGE_SIZE */
	u32 idx;		/* ours: prod (tx ring) or cons (rx ring) */
	struct xvt_ctrl *ctrl;
	grant_ref_t *grefs;	/* tx: granted; rx: the peer's, mapped */
	grant_handle_t *handles; /* rx only: map handles */
	unsigned int mapped;	/* rx only: pages mapped */
};

enum xvt_state { XVT_NEW, XVT_PUBLISHED, XVT_CONNECTED };

#define XVT_MAX_REQS	4096	/* unanswered connection requests per peer */

enum { XVT_F_EOI, XVT_F_CHECK, XVT_F_WAKE };

struct xvt_peer {
	domid_t domid;
	u64 cid;
	struct work_struct work;
	struct work_struct free_work;
	unsigned long flags;		/* XVT_F_*, atomic bitops */

	/* Protected by txq.lock; filled by send_pkt, drained by xvt_tx. */
	struct sk_buff_head txq;
	/*
	 * Packets in txq made by reading this peer's records (marked with
	 * virtio_vsock_skb_set_reply), at most rx_replies: more are
	 * dropped.  rx_task: the work, while it delivers the records.
	 */
	atomic_t replies;
	struct task_struct *rx_task;	/* only compared with current */
	/*
	 * Payload bytes in txq (txq_kb); txq_wake: a sender found them past
	 * it and waits for the queue to drain (XVT_F_WAKE then wakes the
	 * peer's sockets' writers, from the work).
	 */
	atomic_t txq_bytes;
	bool txq_wake;
	/*
	 * Serializes xvt_tx (work, or send_pkt when tx_ready) and anything
	 * else writing the transmit ring. tx_ready: the channel is up and not
	 * dead or corrupted, send_pkt may transmit itself.
	 */
	spinlock_t tx_lock;
	bool tx_ready;
	/*
	 * Protected by tx_lock. A batch in progress: records that
	 * batch_task writes (for batch_sk only, unless NULL: the work's
	 * replies) leave their event to the batch's end; owe says what kind
	 * of event is owed (XVT_OWE_*). Never dereferenced, only compared.
	 */
	struct task_struct *batch_task;
	struct sock *batch_sk;
	unsigned long batch_since;	/* jiffies */
	u8 owe;
	/*
	 * Protected by tx_lock. A socket to this peer found no credit and
	 * set credit_wait in the receive ring; the work re-arms credit_wait
	 * while any still has none (xvt_credit_rearm).
	 */
	bool credit_waiting;
	/*
	 * Protected by tx_lock. Connection REQUESTs written into the ring
	 * and not answered yet (no RESPONSE or RST from the peer): if the
	 * peer dies, the teardown resets those of these sockets that still
	 * wait for it (xvt_reset_connecting): they are not in af_vsock's
	 * connected table. The array grows (doubling, from 16) as needed;
	 * past XVT_MAX_REQS at once (32 KiB), or with no memory to grow,
	 * the others end with vsock's connect timeout instead.
	 */
	struct xvt_req {
		u32 src_port, dst_port;	/* ours, the peer's */
	} *reqs;
	unsigned int nreqs, reqs_cap;

	/* Only touched by work, or by teardown once work is cancelled. */
	enum xvt_state state;
	unsigned long deadline;		/* jiffies: rendezvous */
	bool published;
	bool held_wait;			/* XVT_NEW: an old ring still mapped */
	bool corrupted;			/* test_corrupt hit it: ring unusable */
	char *rx_pub;			/* the peer's publication we connected to */
	bool hung_up;			/* we closed first: rx_pub goes stale */
	bool dead;			/* killed: later work runs do nothing */
	int irq;			/* receive port's irq, or 0 */
	evtchn_port_t sport;		/* send port, or 0 */
	/*
	 * Set (release) once both rings and the send port are up; never
	 * cleared: the teardown unbinds the irq before it unmaps anything.
	 * The interrupt handler (xvt_pong) touches the rings only then.
	 */
	bool rings_up;
	u32 ping_seen;			/* interrupt handler only */
	u32 ping_seq;			/* the ping work only */
	struct xvt_ring tx;
	struct xvt_ring rx;

	/*
	 * Records lent to readers (rx_direct), in ring order, and what the
	 * receive ring's consumer index last gave back: up to the oldest
	 * loan still out. Protected by xvt_loan_lock.
	 */
	struct list_head loans;
	u32 given;
	unsigned long loan_active;	/* jiffies: a loan made or read */
	struct delayed_work reclaim;	/* xvt_reclaim */
	/*
	 * Also under xvt_loan_lock: the loans on that list; a receive run
	 * asked for no event (rx_defer) until they fall below defer_at,
	 * when the reader of the last one queues the work (xvt_loan_out);
	 * no_kick, from the teardown on: nobody queues the work any more.
	 */
	unsigned int nlent;
	unsigned int defer_at;
	bool rx_deferred;
	bool no_kick;
};

/*
 * A stream record left in the receive ring for its reader ("lent"): its
 * skb holds the header and no payload (skb->len counts only bytes of
 * later small records the common code appends to it), and the reader
 * copies the payload from the ring to its buffer, then the skb's own
 * bytes. Until then the ring's space from the record on is not given
 * back. A loan "settles" when its payload is copied out of the ring into
 * a buffer of its own (buf), where its reader finds it (xvt_settle).
 * Protected by xvt_loan_lock; a busy loan (its reader copies from the
 * ring, with the lock dropped) is left alone by everyone else.
 */
struct xvt_loan {
	struct list_head node;		/* peer->loans, or xvt_settled */
	struct xvt_peer *peer;		/* NULL once settled */
	struct sk_buff *skb;		/* our reference */
	u32 start;			/* ring position of the record */
	u32 data;			/* ... of its first byte still lent */
	u32 lent;			/* payload bytes not read yet */
	void *buf;			/* settled: the payload, blen bytes */
	u32 blen;
	bool busy;
};

/* skb->cb of a received skb: the common code's, then ours. */
struct xvt_cb {
	struct virtio_vsock_skb_cb common;
	struct xvt_loan *loan;		/* Protected by xvt_loan_lock */
};

#define XVT_CB(skb)	((struct xvt_cb *)(skb)->cb)
#define XVT_LEND_MIN	1024

/* Held only for bookkeeping, never across a copy to user space. */
static DEFINE_SPINLOCK(xvt_loan_lock);

static struct virtio_transport xvt_transport;
static DEFINE_XARRAY(xvt_peers);	/* domid -> peer; see lock order */

/*
 * When we close a channel first (e.g. the peer broke the protocol), the
 * peer's publication stays in xenstore until the peer notices (within
 * heartbeat_ms). A successor of ours must not connect to that dead ring:
 * domid -> the dead publication, ignored until XVT_STALE_HB heartbeats.
 * Used by the ordered workqueue only (and at exit).
 */
struct xvt_stale {
	unsigned long until;	/* jiffies */
	char pub[];
};
static DEFINE_XARRAY(xvt_stale);
#define XVT_STALE_HB	3
static struct workqueue_struct *xvt_wq;
static unsigned int xvt_domid;
static u64 xvt_local_cid;
static char xvt_pub_dir[48];		/* /local/domain/ME/data/vsock */
static char xvt_knock_dir[48];		/* /local/domain/ME/data/vsock-knock */
static bool xvt_pub_watching;		/* xvt_pub_watch registered */
static bool xvt_exiting;	/* Protected by xvt_peers.xa_lock when set */
static unsigned int xvt_npeers;		/* Protected by xvt_peers.xa_lock */

/*
 * Pages of our transmit rings that a peer still had mapped when their
 * channel closed: their grants cannot end until it unmaps them. Kept per
 * domain (not left to the grant table's deferred list), so that no new
 * ring is granted to a domain that still holds an old one: a peer that
 * maps our ring and never lets go pins one ring at most, whatever it
 * does, and cannot exhaust our grant table. Tried again at each
 * heartbeat and before a new ring for that domain.
 */
struct xvt_held {
	struct list_head node;
	unsigned int domid;
	grant_ref_t ref;
	struct page *page;
};
static LIST_HEAD(xvt_held_list);	/* Protected by xvt_held_lock */
static DEFINE_MUTEX(xvt_held_lock);
static unsigned int xvt_nheld;		/* pages in it */
/* xvt_each_sock(): af_vsock's walk takes a function, no argument. */
static DEFINE_MUTEX(xvt_each_lock);
static u64 xvt_each_cid;		/* Protected by xvt_each_lock */
static bool (*xvt_each_fn)(struct sock *sk);	/* the same */
static bool xvt_each_any;		/* the same */
static void xvt_heartbeat(struct work_struct *work);
static DECLARE_DELAYED_WORK(xvt_heartbeat_work, xvt_heartbeat);

/*
 * Counters of the data path, all peers together, for profiling (make
 * bench-xen): /sys/kernel/debug/xen_vsock/stats, "name value" lines.
 */
enum {
	XVT_S_TX_PKTS,		/* records written to a transmit ring */
	XVT_S_TX_BYTES,		/* payload bytes in them */
	XVT_S_RX_PKTS,		/* records read from a receive ring */
	XVT_S_RX_BYTES,
	XVT_S_NOTIFY,		/* events sent to a peer */
	XVT_S_IRQS,		/* events received from a peer */
	XVT_S_WORK,		/* runs of a peer's work item */
	XVT_S_TX_FULL,		/* transmit ring full: waited for the peer */
	XVT_S_RX_EMPTY,		/* receive ring empty: asked to be notified */
	XVT_S_CREDIT_DROP,	/* CREDIT_UPDATEs made redundant by a later record */
	XVT_S_CREDIT_LAZY,	/* CREDIT_UPDATE batches left without an event */
	XVT_S_CREDIT_WAIT,	/* a sender found no credit: credit_wait set */
	XVT_S_CREDIT_KICK,	/* ... and records were waiting: work queued */
	XVT_S_TX_DEFER,		/* records written with the event left to the batch's end */
	XVT_S_CREDIT_COAL,	/* received CREDIT_UPDATEs superseded in the same run */
	XVT_S_RX_RUNS,		/* receive runs that found records */
	XVT_S_RX_FORGED,	/* records dropped: not from the peer, or not to us */
	XVT_S_TX_DIRECT,	/* records copied from the sender straight into a ring */
	XVT_S_TX_DIRECT_FAULT,	/* ... retried: the sender's page was not resident */
	XVT_S_RX_LENT,		/* records left in the ring for their reader */
	XVT_S_RX_LENT_FAULT,	/* ... copy retried: the reader's page was not resident */
	XVT_S_RX_SETTLED,	/* ... copied out of the ring after all */
	XVT_S_RX_DEFER,		/* receive runs ended without asking for an event */
	XVT_S_RX_KICK,		/* ... then the work queued by a reader */
	XVT_S_RX_DEFER_TICK,	/* ... or by xvt_reclaim, a tick later */
	XVT_S_DATA_WAIT,	/* a reader blocked: data_wait set */
	XVT_S_CREDIT_WAKE,	/* CREDIT_UPDATE batches sent with an event for it */
	XVT_S_REPLY_DROP,	/* answers dropped: rx_replies were queued */
	XVT_S_KNOCK_IGNORED,	/* knocks naming a domain that published nothing for us */
	XVT_S_RING_HELD,	/* our ring pages a peer still mapped when the channel closed */
	XVT_S_RING_WAIT,	/* new channels that waited for a peer to let an old ring go */
	XVT_S_TXQ_FULL,		/* a sender found txq_kb queued for the peer: waits */
	XVT_S_PUB_EVENT,	/* events of a peer's publication for us (knocks) */
	XVT_S_NR
};
static const char * const xvt_stat_names[XVT_S_NR] = {
	"tx_pkts", "tx_bytes", "rx_pkts", "rx_bytes", "notify", "irqs",
	"work_runs", "tx_ring_full", "rx_ring_empty", "credit_dropped",
	"credit_lazy", "credit_wait", "credit_kick", "tx_deferred",
	"credit_coalesced", "rx_runs", "rx_forged", "tx_direct",
	"tx_direct_fault", "rx_lent", "rx_lent_fault", "rx_settled",
	"rx_deferred", "rx_kicks", "rx_defer_ticks", "data_wait",
	"credit_wake", "replies_dropped", "knocks_ignored", "ring_pages_held",
	"ring_waits", "txq_full", "publication_events",
};
static atomic_long_t xvt_stats[XVT_S_NR];
static struct dentry *xvt_debugfs;

static inline void xvt_stat_add(unsigned int i, long v)
{
	atomic_long_add(v, &xvt_stats[i]);
}

static int xvt_stats_show(struct seq_file *m, void *v)
{
	unsigned int i, reqs = 0;
	struct xvt_peer *p;
	unsigned long idx;

	for (i = 0; i < XVT_S_NR; i++)
		seq_printf(m, "%s %ld\n", xvt_stat_names[i],
			   atomic_long_read(&xvt_stats[i]));
	xa_lock_bh(&xvt_peers);
	xa_for_each(&xvt_peers, idx, p)
		reqs += READ_ONCE(p->nreqs);
	xa_unlock_bh(&xvt_peers);
	seq_printf(m, "requests_noted_now %u\n", reqs);
	seq_printf(m, "peers_now %u\n", READ_ONCE(xvt_npeers));
	seq_printf(m, "ring_pages_held_now %u\n", READ_ONCE(xvt_nheld));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xvt_stats);

/* --- ring copies: offsets are free-running, reduced here --- */

static void *xvt_ring_ptr(struct xvt_ring *r, u32 pos, u32 *room)
{
	u32 off = pos & (r->size - 1);
	u32 in = off & ~PAGE_MASK;

	*room = PAGE_SIZE - in;
	return page_address(r->pages[1 + (off >> PAGE_SHIFT)]) + in;
}

static void xvt_ring_get(struct xvt_ring *r, u32 pos, void *dst, u32 len)
{
	u32 room, n;

	while (len) {
		void *p = xvt_ring_ptr(r, pos, &room);

		n = min(len, room);
		memcpy(dst, p, n);
		dst += n;
		pos += n;
		len -= n;
	}
}

static void xvt_ring_put(struct xvt_ring *r, u32 pos, const void *src, u32 len)
{
	u32 room, n;

	while (len) {
		void *p = xvt_ring_ptr(r, pos, &room);

		n = min(len, room);
		memcpy(p, src, n);
		src += n;
		pos += n;
		len -= n;
	}
}

static void xvt_ring_put_skb(struct xvt_ring *r, u32 pos, struct sk_buff *skb)
{
	u32 room, n, done = 0;

	while (done < skb->len) {
		void *p = xvt_ring_ptr(r, pos + done, &room);

		n = min(skb->len - done, room);
		WARN_ON_ONCE(skb_copy_bits(skb, done, p, n));
		done += n;
	}
}

/*
 * Copy LEN bytes between the ring at POS and ITER: into the ring if
 * TO_RING, else out of it. Returns the bytes copied, fewer if the user
 * side faulted with page faults disabled.
 */
static size_t xvt_ring_iter(struct xvt_ring *r, u32 pos, struct iov_iter *iter,
			    u32 len, bool to_ring)
{
	size_t done = 0, n, got;
	u32 room;

	while (done < len) {
		void *p = xvt_ring_ptr(r, pos + done, &room);

		n = min_t(size_t, len - done, room);
		got = to_ring ? copy_from_iter(p, n, iter) :
				copy_to_iter(p, n, iter);
		done += got;
		if (got < n)
			break;
	}
	return done;
}

/* --- transmit ring: our pages, granted to the peer --- */

/*
 * Keep a page whose grant the peer still maps (xvt_held_list); a small
 * record that must not fail, or the page would escape the bound.
 */
static void xvt_hold(unsigned int domid, grant_ref_t ref, struct page *page)
{
	struct xvt_held *h = kmalloc(sizeof(*h), GFP_KERNEL | __GFP_NOFAIL);

	h->domid = domid;
	h->ref = ref;
	h->page = page;
	mutex_lock(&xvt_held_lock);
	list_add_tail(&h->node, &xvt_held_list);
	WRITE_ONCE(xvt_nheld, xvt_nheld + 1);
	mutex_unlock(&xvt_held_lock);
	xvt_stat_add(XVT_S_RING_HELD, 1);
}

/*
 * End the grants of held pages the peer has let go (of DOMID's, or of
 * every domain's if DOMID is DOMID_INVALID), free those pages; with
 * FORCE (unload), hand the rest to the grant table's deferred list.
 * Returns how many of DOMID's are still held.
 */
static unsigned int xvt_held_retry(unsigned int domid, bool force)
{
	struct xvt_held *h, *tmp;
	unsigned int left = 0;

	mutex_lock(&xvt_held_lock);
	list_for_each_entry_safe(h, tmp, &xvt_held_list, node) {
		if (domid != DOMID_INVALID && h->domid != domid)
			continue;
		if (force) {
			gnttab_end_foreign_access(h->ref, h->page);
		} else if (gnttab_try_end_foreign_access(h->ref)) {
			__free_page(h->page);
		} else {
			left++;
			continue;
		}
		list_del(&h->node);
		WRITE_ONCE(xvt_nheld, xvt_nheld - 1);
		kfree(h);
	}
	mutex_unlock(&xvt_held_lock);
	return left;
}

static void xvt_tx_free(struct xvt_peer *p)
{
	struct xvt_ring *r = &p->tx;
	unsigned int i;

	if (!r->pages)
		goto out;
	for (i = 0; i < r->nr + 1; i++) {
		if (!r->pages[i])
			continue;
		if (r->grefs[i] == INVALID_GRANT_REF)
			__free_page(r->pages[i]);
		else if (gnttab_try_end_foreign_access(r->grefs[i]))
			__free_page(r->pages[i]);
		else
			xvt_hold(p->domid, r->grefs[i], r->pages[i]);
	}
	kfree(r->pages);
	r->pages = NULL;
out:
	kfree(r->grefs);
	r->grefs = NULL;
}

static int xvt_tx_alloc(struct xvt_peer *p)
{
	struct xvt_ring *r = &p->tx;
	unsigned int i;
	int ref;

	r->nr = ring_pages;
	r->size = r->nr * PAGE_SIZE;
	r->pages = kcalloc(r->nr + 1, sizeof(*r->pages), GFP_KERNEL);
	r->grefs = kcalloc(r->nr + 1, sizeof(*r->grefs), GFP_KERNEL);
	if (!r->pages || !r->grefs)
		return -ENOMEM;
	for (i = 0; i < r->nr + 1; i++) {
		r->grefs[i] = INVALID_GRANT_REF;
		r->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!r->pages[i])
			return -ENOMEM;
		ref = gnttab_grant_foreign_access(p->domid,
						  xen_page_to_gfn(r->pages[i]), 0);
		if (ref < 0)
			return ref;
		r->grefs[i] = ref;
	}
	r->ctrl = page_address(r->pages[0]);
	return 0;
}

/* --- receive ring: the peer's pages, mapped --- */

static void xvt_rx_unmap(struct xvt_peer *p)
{
	struct xvt_ring *r = &p->rx;
	struct gnttab_unmap_grant_ref *ops;
	struct page **mapped;
	unsigned int i, n = 0;

	if (!r->pages)
		goto out;
	ops = kcalloc(r->nr + 1, sizeof(*ops), GFP_KERNEL | __GFP_NOFAIL);
	mapped = kcalloc(r->nr + 1, sizeof(*mapped), GFP_KERNEL | __GFP_NOFAIL);
	for (i = 0; i < r->nr + 1; i++) {
		if (r->handles[i] == INVALID_GRANT_HANDLE)
			continue;
		gnttab_set_unmap_op(&ops[n], (unsigned long)
				    pfn_to_kaddr(page_to_xen_pfn(r->pages[i])),
				    GNTMAP_host_map, r->handles[i]);
		mapped[n++] = r->pages[i];
	}
	if (n && gnttab_unmap_refs(ops, NULL, mapped, n))
		pr_err("xen_vsock: dom%u: unmapping the ring failed\n", p->domid);
	kfree(mapped);
	kfree(ops);
	gnttab_free_pages(r->nr + 1, r->pages);
	kfree(r->pages);
	r->pages = NULL;
out:
	kfree(r->handles);
	r->handles = NULL;
}

static int xvt_rx_map(struct xvt_peer *p)
{
	struct xvt_ring *r = &p->rx;
	struct gnttab_map_grant_ref *ops;
	unsigned int i;
	int err;

	r->pages = kcalloc(r->nr + 1, sizeof(*r->pages), GFP_KERNEL);
	r->handles = kcalloc(r->nr + 1, sizeof(*r->handles), GFP_KERNEL);
	ops = kcalloc(r->nr + 1, sizeof(*ops), GFP_KERNEL);
	err = -ENOMEM;
	if (!r->pages || !r->handles || !ops)
		goto out_pages;
	for (i = 0; i < r->nr + 1; i++)
		r->handles[i] = INVALID_GRANT_HANDLE;
	err = gnttab_alloc_pages(r->nr + 1, r->pages);
	if (err)
		goto out_pages;
	for (i = 0; i < r->nr + 1; i++)
		gnttab_set_map_op(&ops[i], (unsigned long)
				  pfn_to_kaddr(page_to_xen_pfn(r->pages[i])),
				  GNTMAP_host_map, r->grefs[i], p->domid);
	err = gnttab_map_refs(ops, NULL, r->pages, r->nr + 1);
	for (i = 0; i < r->nr + 1; i++) {
		if (ops[i].status == GNTST_okay)
			r->handles[i] = ops[i].handle;
		else if (!err)
			err = -EACCES;
	}
	r->ctrl = page_address(r->pages[0]);
	kfree(ops);
	return err;

out_pages:
	/* Nothing mapped: xvt_rx_unmap() then frees only the handles. */
	kfree(r->pages);
	r->pages = NULL;
	kfree(ops);
	return err;
}

/* --- event channels --- */

static void xvt_notify(struct xvt_peer *p)
{
	if (p->sport) {
		xvt_stat_add(XVT_S_NOTIFY, 1);
		notify_remote_via_evtchn(p->sport);
	}
}

/*
 * The event round trip (debugfs "ping", make bench-xen's floor): a peer
 * that changed ping in its control page gets the value back as pong in
 * ours, with an event sent from here: no work item, no socket, one event
 * out for each event in. The values are only copied and compared.
 */
static struct xvt_peer *xvt_ping_peer;	/* the peer being pinged, or NULL */
static u32 xvt_ping_want;
static DECLARE_COMPLETION(xvt_ping_done);

static void xvt_pong(struct xvt_peer *p)
{
	u32 v;

	/* pairs with the release in xvt_peer_step: the rings are mapped */
	if (!smp_load_acquire(&p->rings_up))
		return;
	v = READ_ONCE(p->rx.ctrl->ping);
	if (v != p->ping_seen) {
		p->ping_seen = v;
		WRITE_ONCE(p->tx.ctrl->pong, v);
		virt_wmb();	/* pong, then the event */
		xvt_notify(p);
	}
	if (p == READ_ONCE(xvt_ping_peer) &&
	    READ_ONCE(p->rx.ctrl->pong) == READ_ONCE(xvt_ping_want))
		complete(&xvt_ping_done);
}

static irqreturn_t xvt_interrupt(int irq, void *data)
{
	struct xvt_peer *p = data;

	xvt_stat_add(XVT_S_IRQS, 1);
	set_bit(XVT_F_EOI, &p->flags);
	smp_mb__after_atomic();	/* the bit, then xvt_ping_peer: xvt_ping_work */
	xvt_pong(p);
	/*
	 * While we ping this peer its work cannot run: end the interrupt
	 * here, or an event for records would hold back the answer.
	 */
	if (p == READ_ONCE(xvt_ping_peer) &&
	    test_and_clear_bit(XVT_F_EOI, &p->flags))
		xen_irq_lateeoi(irq, 0);
	queue_work(xvt_wq, &p->work);
	return IRQ_HANDLED;
}

static void xvt_evtchn_close(evtchn_port_t port)
{
	struct evtchn_close close = { .port = port };

	if (HYPERVISOR_event_channel_op(EVTCHNOP_close, &close))
		pr_err("xen_vsock: closing event channel %u failed\n", port);
}

static int xvt_evtchn_alloc(struct xvt_peer *p, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound au = {
		.dom = DOMID_SELF,
		.remote_dom = p->domid,
	};
	int err, irq;

	err = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au);
	if (err)
		return err;
	irq = bind_evtchn_to_irqhandler_lateeoi(au.port, xvt_interrupt, 0,
						"xen-vsock", p);
	if (irq < 0) {
		xvt_evtchn_close(au.port);
		return irq;
	}
	p->irq = irq;
	*port = au.port;
	return 0;
}

/* The send port is interdomain while the peer lives; Xen unbinds it when
 * the peer closes its end or dies.
 */
static bool xvt_peer_alive(struct xvt_peer *p)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = p->sport };

	if (HYPERVISOR_event_channel_op(EVTCHNOP_status, &st))
		return false;
	return st.status == EVTCHNSTAT_interdomain;
}

/* --- rendezvous --- */

/* Ask the peer to publish its side; a peer without the module never
 * answers and the rendezvous times out.
 */
static int xvt_knock_peer(struct xvt_peer *p)
{
	char name[12], *buf;

	snprintf(name, sizeof(name), "%u", xvt_domid);
	buf = kasprintf(GFP_KERNEL, "/local/domain/%u/data/vsock-knock", p->domid);
	if (!buf)
		return -ENOMEM;
	if (xenbus_write(XBT_NIL, buf, name, "1"))
		pr_debug("xen_vsock: cannot knock at dom%u\n", p->domid);
	kfree(buf);
	return 0;
}

/* Is S the publication of a channel we closed and the peer still shows? */
static bool xvt_pub_stale(struct xvt_peer *p, const char *s)
{
	struct xvt_stale *st = xa_load(&xvt_stale, p->domid);

	if (!st)
		return false;
	if (time_before(jiffies, st->until) && !strcmp(st->pub, s))
		return true;
	if (!time_before(jiffies, st->until)) {
		xa_erase(&xvt_stale, p->domid);
		kfree(st);
	}
	return false;
}

static void xvt_pub_remember(struct xvt_peer *p)
{
	size_t len = strlen(p->rx_pub) + 1;
	struct xvt_stale *st = kmalloc(sizeof(*st) + len, GFP_KERNEL);
	void *old;

	if (!st)
		return;
	st->until = jiffies + XVT_STALE_HB * msecs_to_jiffies(heartbeat_ms);
	memcpy(st->pub, p->rx_pub, len);
	old = xa_store(&xvt_stale, p->domid, st, GFP_KERNEL);
	if (xa_is_err(old))
		kfree(st);
	else
		kfree(old);
}

static int xvt_publish(struct xvt_peer *p)
{
	evtchn_port_t port;
	char name[12], *buf;
	unsigned int i, len;
	int err;

	err = xvt_tx_alloc(p);
	if (!err)
		err = xvt_evtchn_alloc(p, &port);
	if (err)
		return err;
	buf = kmalloc(XVT_PUB_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = scnprintf(buf, XVT_PUB_MAX, "%u %u %u", XVT_PROTO, p->tx.nr, port);
	for (i = 0; i < p->tx.nr + 1; i++)
		len += scnprintf(buf + len, XVT_PUB_MAX - len, " %u", p->tx.grefs[i]);
	snprintf(name, sizeof(name), "%u", p->domid);
	err = xenbus_write(XBT_NIL, xvt_pub_dir, name, buf);
	kfree(buf);
	if (err)
		return err;
	p->published = true;
	return xvt_knock_peer(p);
}

/* Parse "PROTO NR PORT GREF0 ... GREFNR" from the peer: untrusted. */
static int xvt_parse_pub(struct xvt_peer *p, char *s, evtchn_port_t *port)
{
	struct xvt_ring *r = &p->rx;
	unsigned int proto, nr, i;
	char *tok;
	int n;

	if (sscanf(s, "%u %u %u%n", &proto, &nr, port, &n) != 3)
		return -EINVAL;
	if (proto != XVT_PROTO || nr < XVT_MIN_PAGES || nr > max_ring_pages ||
	    !is_power_of_2(nr) || !*port)
		return -EINVAL;
	s += n;
	r->grefs = kcalloc(nr + 1, sizeof(*r->grefs), GFP_KERNEL);
	if (!r->grefs)
		return -ENOMEM;
	for (i = 0; i < nr + 1; i++) {
		tok = strsep(&s, " ");
		while (tok && !*tok)	/* the leading space */
			tok = strsep(&s, " ");
		if (!tok || kstrtou32(tok, 10, &r->grefs[i]))
			goto bad;
	}
	if (s && *s)
		goto bad;
	r->nr = nr;
	r->size = nr * PAGE_SIZE;
	return 0;
bad:
	kfree(r->grefs);
	r->grefs = NULL;
	return -EINVAL;
}

static int xvt_bind_peer(struct xvt_peer *p, evtchn_port_t remote_port)
{
	struct evtchn_bind_interdomain bind = {
		.remote_dom = p->domid,
		.remote_port = remote_port,
	};
	int err;

	err = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bind);
	if (err)
		return err;
	p->sport = bind.local_port;
	return 0;
}

/* 0: connected; -EAGAIN: the peer has not published yet; else an error. */
static int xvt_connect(struct xvt_peer *p)
{
	evtchn_port_t port;
	char path[64], *s;
	int err;

	snprintf(path, sizeof(path), "/local/domain/%u/data/vsock/%u",
		 p->domid, xvt_domid);
	s = xenbus_read(XBT_NIL, path, "", NULL);
	if (IS_ERR(s))
		return -EAGAIN;
	if (xvt_pub_stale(p, s)) {
		/* The peer has not noticed yet; ask again once it has. */
		kfree(s);
		xvt_knock_peer(p);
		return -EAGAIN;
	}
	kfree(p->rx_pub);
	p->rx_pub = kstrdup(s, GFP_KERNEL);	/* the parser cuts s up */
	err = xvt_parse_pub(p, s, &port);
	kfree(s);
	if (err)
		return err;
	err = xvt_rx_map(p);
	if (!err)
		err = xvt_bind_peer(p, port);
	return err;
}

/* --- data path --- */

/* H all zero but its addresses, TYPE and OP (host order here). */
static void xvt_hdr_init(struct virtio_vsock_hdr *h, u64 src_cid,
			 u32 src_port, u64 dst_cid, u32 dst_port, u16 type,
			 u16 op)
{
	memset(h, 0, sizeof(*h));
	h->src_cid = cpu_to_le64(src_cid);
	h->src_port = cpu_to_le32(src_port);
	h->dst_cid = cpu_to_le64(dst_cid);
	h->dst_port = cpu_to_le32(dst_port);
	h->type = cpu_to_le16(type);
	h->op = cpu_to_le16(op);
}

/* A REQUEST of ours went into the ring: note it; tx_lock held. */
static void xvt_req_note(struct xvt_peer *p, const struct virtio_vsock_hdr *h)
{
	struct xvt_req *q;

	lockdep_assert_held(&p->tx_lock);
	if (p->nreqs == p->reqs_cap) {
		unsigned int cap = p->reqs_cap ?
				   min(p->reqs_cap * 2, XVT_MAX_REQS) : 16;

		if (cap == p->reqs_cap)
			return;
		q = krealloc_array(p->reqs, cap, sizeof(*q),
				   GFP_ATOMIC | __GFP_NOWARN);
		if (!q)
			return;
		p->reqs = q;
		p->reqs_cap = cap;
	}
	q = &p->reqs[p->nreqs++];
	q->src_port = le32_to_cpu(h->src_port);
	q->dst_port = le32_to_cpu(h->dst_port);
}

/* Forget the REQUEST from our port OURS to the peer's port THEIRS. */
static void xvt_req_forget(struct xvt_peer *p, u32 ours, u32 theirs)
{
	unsigned int i;

	lockdep_assert_held(&p->tx_lock);
	for (i = 0; i < p->nreqs; i++) {
		if (p->reqs[i].src_port == ours &&
		    p->reqs[i].dst_port == theirs) {
			p->reqs[i] = p->reqs[--p->nreqs];
			break;
		}
	}
}

/* The peer answered a REQUEST of ours (RESPONSE or RST in H): forget it. */
static void xvt_req_answered(struct xvt_peer *p,
			     const struct virtio_vsock_hdr *h)
{
	spin_lock_bh(&p->tx_lock);
	xvt_req_forget(p, le32_to_cpu(h->dst_port), le32_to_cpu(h->src_port));
	spin_unlock_bh(&p->tx_lock);
}

static void xvt_deliver(struct xvt_peer *p, struct sk_buff *skb)
{
	struct virtio_vsock_hdr *hdr = virtio_vsock_hdr(skb);

	/* A peer speaks only for itself and only to us. */
	if (le64_to_cpu(hdr->src_cid) != p->cid ||
	    le64_to_cpu(hdr->dst_cid) != xvt_local_cid) {
		xvt_stat_add(XVT_S_RX_FORGED, 1);
		pr_warn_ratelimited("xen_vsock: dom%u: dropped a record from CID %llu to CID %llu: dom%u is CID %llu\n",
				    p->domid, le64_to_cpu(hdr->src_cid),
				    le64_to_cpu(hdr->dst_cid), p->domid, p->cid);
		kfree_skb(skb);
		return;
	}
	if (le16_to_cpu(hdr->op) == VIRTIO_VSOCK_OP_RESPONSE ||
	    le16_to_cpu(hdr->op) == VIRTIO_VSOCK_OP_RST)
		xvt_req_answered(p, hdr);
	virtio_transport_deliver_tap_pkt(skb);
	virtio_transport_recv_pkt(&xvt_transport, skb);
}

/* Do A and B belong to the same connection? */
static bool xvt_same_conn(const struct virtio_vsock_hdr *a,
			  const struct virtio_vsock_hdr *b)
{
	return a->src_port == b->src_port && a->dst_port == b->dst_port &&
	       a->type == b->type && a->src_cid == b->src_cid &&
	       a->dst_cid == b->dst_cid;
}

#define XVT_COAL_KEYS	16

/*
 * Deliver one run's records in order, except a CREDIT_UPDATE followed in
 * the same run by a record of the same connection: every header carries
 * buf_alloc and fwd_cnt, and the common code updates the credit (and wakes
 * the writer) from every packet, so the later one supersedes it. Looked up
 * among the last XVT_COAL_KEYS connections seen, walking backwards.
 */
static void xvt_rx_deliver(struct xvt_peer *p, struct sk_buff_head *batch)
{
	const struct virtio_vsock_hdr *keys[XVT_COAL_KEYS], *h;
	unsigned int nk = 0, i;
	struct sk_buff *skb, *tmp;

	skb_queue_reverse_walk_safe(batch, skb, tmp) {
		h = virtio_vsock_hdr(skb);
		for (i = 0; i < min_t(unsigned int, nk, XVT_COAL_KEYS); i++)
			if (xvt_same_conn(keys[i], h))
				break;
		if (i < min_t(unsigned int, nk, XVT_COAL_KEYS)) {
			if (le16_to_cpu(h->op) == VIRTIO_VSOCK_OP_CREDIT_UPDATE) {
				__skb_unlink(skb, batch);
				consume_skb(skb);
				xvt_stat_add(XVT_S_CREDIT_COAL, 1);
			}
			continue;
		}
		keys[nk++ % XVT_COAL_KEYS] = h;
	}
	while ((skb = __skb_dequeue(batch)))
		xvt_deliver(p, skb);
}

/* --- loans: stream records read by their reader straight from the ring --- */

/*
 * Loans settled out of their peer's ring, until their reader has read
 * them or their socket drops them. Protected by xvt_loan_lock.
 */
static LIST_HEAD(xvt_settled);

/*
 * Give the ring's space back up to the oldest loan still in it, or all
 * that was read; xvt_loan_lock held. True if the consumer index moved.
 */
static bool xvt_give_back(struct xvt_peer *p)
{
	struct xvt_ring *r = &p->rx;
	struct xvt_loan *l;
	u32 cons = r->idx;

	lockdep_assert_held(&xvt_loan_lock);
	l = list_first_entry_or_null(&p->loans, struct xvt_loan, node);
	if (l)
		cons = l->start;
	if (cons == p->given)
		return false;
	p->given = cons;
	virt_mb();	/* the data is read before the space is given back */
	WRITE_ONCE(r->ctrl->cons, cons);
	return true;
}

/* The consumer index moved: wake the producer if it waits for room. */
static void xvt_wake_producer(struct xvt_peer *p)
{
	struct xvt_ctrl *c = p->rx.ctrl;

	virt_mb();	/* cons is visible before we test prod_wait */
	if (READ_ONCE(c->prod_wait)) {
		WRITE_ONCE(c->prod_wait, 0);
		xvt_notify(p);
	}
}

/*
 * A loan left P's ring (read, settled or dropped); xvt_loan_lock held.
 * If a receive run asked for no event, the last of the loans it counted
 * on queues the work: the peer may have written more meanwhile. Under the
 * lock, so the teardown (no_kick, then its cancel) cannot miss it.
 */
static void xvt_loan_out(struct xvt_peer *p)
{
	lockdep_assert_held(&xvt_loan_lock);
	p->nlent--;
	if (p->rx_deferred && p->nlent < p->defer_at && !p->no_kick) {
		p->rx_deferred = false;
		queue_work(xvt_wq, &p->work);
		xvt_stat_add(XVT_S_RX_KICK, 1);
	}
}

/*
 * End loan L (not busy), xvt_loan_lock held: it leaves its list for DEAD,
 * to be freed once the lock is dropped (xvt_loans_free: our skb reference
 * may be the last, and take the socket with it).
 */
static void xvt_loan_end(struct xvt_loan *l, struct list_head *dead)
{
	lockdep_assert_held(&xvt_loan_lock);
	if (l->peer)	/* still in its ring, not settled */
		xvt_loan_out(l->peer);
	XVT_CB(l->skb)->loan = NULL;
	list_move_tail(&l->node, dead);
}

static void xvt_loans_free(struct list_head *dead)
{
	struct xvt_loan *l, *tmp;

	list_for_each_entry_safe(l, tmp, dead, node) {
		kvfree(l->buf);
		consume_skb(l->skb);
		kfree(l);
	}
}

/*
 * End the loans of LIST whose skb only we still hold (the socket dropped
 * it: closed, reset, or over its buffer); xvt_loan_lock held.
 */
static void xvt_loans_reap(struct list_head *list, struct list_head *dead)
{
	struct xvt_loan *l, *tmp;

	lockdep_assert_held(&xvt_loan_lock);
	list_for_each_entry_safe(l, tmp, list, node)
		if (!l->busy && refcount_read(&l->skb->users) == 1)
			xvt_loan_end(l, dead);
}

/* The oldest loan of P still in its ring and not busy, or NULL. */
static struct xvt_loan *xvt_oldest_idle(struct xvt_peer *p)
{
	struct xvt_loan *l;

	list_for_each_entry(l, &p->loans, node)
		if (!l->busy)
			return l;
	return NULL;
}

/*
 * Settle the loan of SKB (with SKB NULL, P's oldest loan that is not
 * busy): copy what it still holds out of the ring into a buffer of its
 * own, where its reader finds it, and give the ring's space back.
 * Returns 0, 1 if there was no such loan in a ring, or -ENOMEM.
 */
static int xvt_settle(struct xvt_peer *p, struct sk_buff *skb)
{
	struct xvt_loan *l;
	void *buf = NULL;
	u32 room = 0;

	for (;;) {
		spin_lock_bh(&xvt_loan_lock);
		l = skb ? XVT_CB(skb)->loan : xvt_oldest_idle(p);
		if (!l || l->buf || l->busy)
			break;
		if (buf && room >= l->lent) {
			p = l->peer;
			xvt_ring_get(&p->rx, l->data, buf, l->lent);
			l->buf = buf;
			l->blen = l->lent;
			l->peer = NULL;
			list_move_tail(&l->node, &xvt_settled);
			xvt_loan_out(p);
			/* under the lock: the teardown may free P after it */
			if (xvt_give_back(p))
				xvt_wake_producer(p);
			spin_unlock_bh(&xvt_loan_lock);
			xvt_stat_add(XVT_S_RX_SETTLED, 1);
			return 0;
		}
		room = l->lent;
		spin_unlock_bh(&xvt_loan_lock);
		kvfree(buf);
		buf = kvmalloc(room, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}
	spin_unlock_bh(&xvt_loan_lock);
	kvfree(buf);
	return 1;
}

/*
 * Teardown, before the ring is unmapped: settle every loan of P, waiting
 * for busy ones (a reader's copy from the ring, page faults disabled, is
 * short). Without memory for that, what they held is lost: the teardown
 * resets their sockets anyway.
 */
static void xvt_loans_settle_all(struct xvt_peer *p)
{
	struct xvt_loan *l, *tmp;
	LIST_HEAD(dead);
	bool busy;
	int err;

	for (;;) {
		err = xvt_settle(p, NULL);
		if (!err)
			continue;
		spin_lock_bh(&xvt_loan_lock);
		if (err < 0)
			list_for_each_entry_safe(l, tmp, &p->loans, node)
				if (!l->busy)
					xvt_loan_end(l, &dead);
		busy = !list_empty(&p->loans);
		spin_unlock_bh(&xvt_loan_lock);
		xvt_loans_free(&dead);
		if (!busy)
			return;
		usleep_range(100, 200);
	}
}

/*
 * Loans hold the ring's space while the producer waits for room: if no
 * reader of this peer has read from a loan for a tick, settle them all,
 * or one connection's idle reader would stall the others (the ring is
 * shared). Queued by xvt_rx; runs on xvt_wq, cancelled before teardown.
 */
/*
 * xvt_reclaim() a tick from now, unless the teardown began: under the
 * lock, so that its no_kick, then its cancel, cannot miss one queued.
 */
static void xvt_reclaim_later(struct xvt_peer *p, unsigned long delay)
{
	spin_lock_bh(&xvt_loan_lock);
	if (!p->no_kick)
		queue_delayed_work(xvt_wq, &p->reclaim, delay);
	spin_unlock_bh(&xvt_loan_lock);
}

static void xvt_reclaim(struct work_struct *work)
{
	struct xvt_peer *p = container_of(to_delayed_work(work),
					  struct xvt_peer, reclaim);
	bool idle, lent, waits, kick;

	spin_lock_bh(&xvt_loan_lock);
	/* A new channel waiting for the peer to unmap an old ring: retry. */
	if (READ_ONCE(p->held_wait)) {
		if (!p->no_kick)
			queue_work(xvt_wq, &p->work);
		spin_unlock_bh(&xvt_loan_lock);
		return;
	}
	idle = time_after(jiffies, p->loan_active + 1);
	lent = !list_empty(&p->loans);
	/*
	 * A run asked for no event a tick ago: look at the ring anyway.
	 * Queued under the lock, as in xvt_loan_out(): the teardown sets
	 * no_kick, then cancels the work, and must not miss it.
	 */
	kick = p->rx_deferred && !p->no_kick;
	p->rx_deferred = false;
	if (kick)
		queue_work(xvt_wq, &p->work);
	spin_unlock_bh(&xvt_loan_lock);
	if (kick)
		xvt_stat_add(XVT_S_RX_DEFER_TICK, 1);
	waits = lent && READ_ONCE(p->rx.ctrl->prod_wait);
	if (idle && waits)
		while (!xvt_settle(p, NULL))
			;
	else if (waits)
		xvt_reclaim_later(p, 1);
}

/*
 * Copy up to LEN bytes of SKB's loan to MSG; the caller holds the socket's
 * lock. From the ring, page faults are disabled (a busy loan holds the
 * teardown); from a settled loan's own buffer, they are not. Returns the
 * bytes copied, 0 if SKB has no loan (any more), -EAGAIN if the first
 * byte faulted with page faults disabled, -EFAULT if it faulted anyway.
 */
static ssize_t xvt_read_loan(struct sk_buff *skb, struct msghdr *msg,
			     size_t len)
{
	struct xvt_peer *p;
	struct xvt_loan *l;
	LIST_HEAD(dead);
	bool ring;
	size_t got;
	u32 n;

	spin_lock_bh(&xvt_loan_lock);
	l = XVT_CB(skb)->loan;
	if (!l) {
		spin_unlock_bh(&xvt_loan_lock);
		return 0;
	}
	n = min_t(size_t, len, l->lent);
	p = l->peer;
	ring = !l->buf;
	if (!ring) {
		/* settled: only we, under the socket's lock, end it */
		spin_unlock_bh(&xvt_loan_lock);
		got = copy_to_iter(l->buf + l->blen - l->lent, n,
				   &msg->msg_iter);
		spin_lock_bh(&xvt_loan_lock);
	} else {
		l->busy = true;
		spin_unlock_bh(&xvt_loan_lock);
		pagefault_disable();
		got = xvt_ring_iter(&p->rx, l->data, &msg->msg_iter, n, false);
		pagefault_enable();
		spin_lock_bh(&xvt_loan_lock);
		l->busy = false;
		l->data += got;
		if (got)
			p->loan_active = jiffies;
	}
	l->lent -= got;
	/* the producer woken under the lock: the teardown may free P after it */
	if (!l->lent) {
		xvt_loan_end(l, &dead);
		if (p && xvt_give_back(p))
			xvt_wake_producer(p);
	}
	spin_unlock_bh(&xvt_loan_lock);
	xvt_loans_free(&dead);
	if (got)
		return got;
	return ring ? -EAGAIN : -EFAULT;
}

/* Payload bytes of SKB still lent (in the ring or settled). */
static u32 xvt_skb_lent(struct sk_buff *skb)
{
	u32 lent = 0;

	spin_lock_bh(&xvt_loan_lock);
	if (XVT_CB(skb)->loan)
		lent = XVT_CB(skb)->loan->lent;
	spin_unlock_bh(&xvt_loan_lock);
	return lent;
}

/*
 * MSG_PEEK: the loans among the first LEN bytes are settled first, then
 * everything is copied as virtio_transport_stream_do_peek does, each skb's
 * lent bytes (now in its loan's buffer) before its own.
 */
static ssize_t xvt_stream_peek(struct vsock_sock *vsk, struct msghdr *msg,
			       size_t len)
{
	struct virtio_vsock_sock *vvs = vsk->trans;
	struct sk_buff *skb, *next;
	size_t total = 0, n;
	struct xvt_loan *l;
	u32 lent;
	int err;

	/* sk_lock is held: the queue only grows meanwhile */
	spin_lock_bh(&vvs->rx_lock);
	skb = skb_peek(&vvs->rx_queue);
	spin_unlock_bh(&vvs->rx_lock);
	while (skb && total < len) {
		err = xvt_settle(NULL, skb);
		if (err < 0)
			return total ? total : err;
		lent = xvt_skb_lent(skb);
		n = min_t(size_t, len - total, lent);
		if (n) {
			/* settled, and only we end it: no lock */
			l = READ_ONCE(XVT_CB(skb)->loan);
			if (memcpy_to_msg(msg, l->buf + l->blen - lent, n))
				return total ? total : -EFAULT;
			total += n;
		}
		n = min_t(size_t, len - total, skb->len);
		if (n) {
			if (memcpy_to_msg(msg, skb->data, n))
				return total ? total : -EFAULT;
			total += n;
		}
		spin_lock_bh(&vvs->rx_lock);
		next = skb_peek_next(skb, &vvs->rx_queue);
		spin_unlock_bh(&vvs->rx_lock);
		skb = next;
	}
	return total;
}

#define XVT_RX_FAULT_TRIES	4

/*
 * virtio_transport_common's stream dequeue, but an skb's lent bytes come
 * first, from the ring or its loan's buffer (xvt_read_loan). A reader
 * whose buffer keeps faulting settles the loan, and reads it with page
 * faults allowed.
 */
static ssize_t xvt_stream_do_dequeue(struct vsock_sock *vsk,
				     struct msghdr *msg, size_t len)
{
	struct virtio_vsock_sock *vvs = vsk->trans;
	unsigned int tries = 0;
	struct sk_buff *skb;
	size_t total = 0;
	bool linear;
	u32 pkt_len;
	ssize_t got;
	int err;

	while (total < len) {
		/* sk_lock is held: no one else dequeues */
		spin_lock_bh(&vvs->rx_lock);
		skb = skb_peek(&vvs->rx_queue);
		spin_unlock_bh(&vvs->rx_lock);
		if (!skb)
			break;
		got = 0;
		linear = false;
		if (READ_ONCE(XVT_CB(skb)->loan))
			got = xvt_read_loan(skb, msg, len - total);
		if (got == -EAGAIN) {
			/* the ring, page faults disabled: fault in, retry */
			xvt_stat_add(XVT_S_RX_LENT_FAULT, 1);
			if (++tries >= XVT_RX_FAULT_TRIES ||
			    fault_in_iov_iter_writeable(&msg->msg_iter,
							len - total) ==
			    len - total) {
				err = xvt_settle(NULL, skb);
				if (err < 0)
					return total ? total : err;
			}
			continue;
		}
		if (got < 0)
			return total ? total : got;
		if (!got) {
			got = min_t(size_t, len - total, skb->len);
			if (got && memcpy_to_msg(msg, skb->data, got))
				return total ? total : -EFAULT;
			linear = true;
		}
		total += got;
		spin_lock_bh(&vvs->rx_lock);
		if (linear)
			skb_pull(skb, got);
		if (!skb->len && !READ_ONCE(XVT_CB(skb)->loan)) {
			pkt_len = le32_to_cpu(virtio_vsock_hdr(skb)->len);
			/* virtio_transport_dec_rx_pkt() */
			vvs->rx_bytes -= pkt_len;
			vvs->fwd_cnt += pkt_len;
			__skb_unlink(skb, &vvs->rx_queue);
			consume_skb(skb);
		}
		spin_unlock_bh(&vvs->rx_lock);
	}
	/* The common code's CREDIT_UPDATE, if the reads call for one. */
	virtio_transport_stream_dequeue(vsk, msg, 0, 0);
	return total;
}

static ssize_t xvt_stream_dequeue(struct vsock_sock *vsk, struct msghdr *msg,
				  size_t len, int flags)
{
	if (flags & MSG_PEEK)
		return xvt_stream_peek(vsk, msg, len);
	return xvt_stream_do_dequeue(vsk, msg, len);
}

/* Should the record with header H stay in the ring for its reader? */
static bool xvt_lend(const struct virtio_vsock_hdr *h)
{
	return READ_ONCE(rx_direct) &&
	       le32_to_cpu(h->len) >= XVT_LEND_MIN &&
	       le16_to_cpu(h->op) == VIRTIO_VSOCK_OP_RW &&
	       le16_to_cpu(h->type) == VIRTIO_VSOCK_TYPE_STREAM;
}

/*
 * The receive ring is empty: end the run without asking for an event
 * (rx_defer)? Only while at least rx_defer records are lent and one was
 * made or read within the last tick (a reader that does not read leaves
 * the peer's events on). Then the reader of the loan that brings them
 * below rx_defer queues the work (xvt_loan_out), and xvt_reclaim does
 * after a tick (records of the peer's other connections wait no longer).
 */
static bool xvt_rx_defer(struct xvt_peer *p)
{
	unsigned int at = READ_ONCE(rx_defer);
	bool defer;

	spin_lock_bh(&xvt_loan_lock);
	defer = at && p->nlent >= at && !p->no_kick &&
		!time_after(jiffies, p->loan_active + 1);
	p->rx_deferred = defer;
	p->defer_at = at;
	spin_unlock_bh(&xvt_loan_lock);
	if (defer) {
		xvt_stat_add(XVT_S_RX_DEFER, 1);
		xvt_reclaim_later(p, 1);
	}
	return defer;
}

/*
 * Drain the receive ring: everything the producer has published, up to
 * rx_budget records or one ring's worth of bytes per run (then *more).
 * The records are copied out, or lent (xvt_lend: their space is given
 * back when their reader has read them), and the space given back first,
 * then they are delivered together. Returns < 0 if the peer broke the
 * protocol.
 */
static int xvt_rx(struct xvt_peer *p, bool *more)
{
	struct xvt_ring *r = &p->rx;
	struct virtio_vsock_hdr hdr;
	struct sk_buff_head batch;
	unsigned int done = 0;
	struct xvt_loan *loan;
	struct sk_buff *skb;
	u32 prod, avail, len, need, taken = 0;
	bool moved = false;
	LIST_HEAD(dead);
	int err = 0;

	if (unlikely(READ_ONCE(test_mute) == p->domid + 1U))
		return 0;
	__skb_queue_head_init(&batch);
	WRITE_ONCE(r->ctrl->cons_wait, 0);
	for (;;) {
		prod = READ_ONCE(r->ctrl->prod);
		virt_rmb();	/* the index, then the data it covers */
		avail = prod - r->idx;
		if (avail > r->size) {
			err = -EPROTO;
			break;
		}
		if (!avail) {
			if (xvt_rx_defer(p))
				break;
			WRITE_ONCE(r->ctrl->cons_wait, 1);
			virt_mb();	/* flag, then index re-check */
			if (READ_ONCE(r->ctrl->prod) == r->idx) {
				xvt_stat_add(XVT_S_RX_EMPTY, 1);
				break;
			}
			WRITE_ONCE(r->ctrl->cons_wait, 0);
			/* A peer moving prod back and forth: the budget too. */
			if (done++ == rx_budget) {
				*more = true;
				break;
			}
			continue;
		}
		if (done++ == rx_budget || taken >= r->size) {
			*more = true;
			break;
		}
		if (avail < XVT_HDR_LEN) {
			err = -EPROTO;
			break;
		}
		xvt_ring_get(r, r->idx, &hdr, XVT_HDR_LEN);
		len = le32_to_cpu(hdr.len);
		need = ALIGN(XVT_HDR_LEN + len, XVT_REC_ALIGN);
		if (len > XVT_MAX_PAYLOAD || need > avail) {
			err = -EPROTO;
			break;
		}
		loan = xvt_lend(&hdr) ? kmalloc(sizeof(*loan), GFP_KERNEL) :
					NULL;
		skb = virtio_vsock_alloc_skb(VIRTIO_VSOCK_SKB_HEADROOM +
					     (loan ? 0 : len), GFP_KERNEL);
		if (!skb) {
			kfree(loan);
			*more = true;
			break;
		}
		memcpy(virtio_vsock_hdr(skb), &hdr, XVT_HDR_LEN);
		if (loan) {
			*loan = (struct xvt_loan){
				.peer = p,
				.skb = skb_get(skb),
				.start = r->idx,
				.data = r->idx + XVT_HDR_LEN,
				.lent = len,
			};
			XVT_CB(skb)->loan = loan;
			xvt_stat_add(XVT_S_RX_LENT, 1);
		} else {
			xvt_ring_get(r, r->idx + XVT_HDR_LEN, skb_put(skb, len),
				     len);
		}
		spin_lock_bh(&xvt_loan_lock);
		if (loan) {
			list_add_tail(&loan->node, &p->loans);
			p->nlent++;
			p->loan_active = jiffies;
		}
		WRITE_ONCE(r->idx, r->idx + need);	/* xvt_credit_wait reads it */
		moved |= xvt_give_back(p);
		spin_unlock_bh(&xvt_loan_lock);
		taken += need;
		xvt_stat_add(XVT_S_RX_PKTS, 1);
		xvt_stat_add(XVT_S_RX_BYTES, len);
		__skb_queue_tail(&batch, skb);
	}
	if (err) {
		__skb_queue_purge(&batch);
		return err;
	}
	if (taken)
		xvt_stat_add(XVT_S_RX_RUNS, 1);
	if (moved)
		xvt_wake_producer(p);
	xvt_rx_deliver(p, &batch);

	/*
	 * Loans in the ring whose socket dropped them (delivery may drop
	 * some) end here; settled ones, in no ring, at the heartbeat.
	 */
	spin_lock_bh(&xvt_loan_lock);
	xvt_loans_reap(&p->loans, &dead);
	moved = xvt_give_back(p);
	loan = list_first_entry_or_null(&p->loans, struct xvt_loan, node);
	spin_unlock_bh(&xvt_loan_lock);
	xvt_loans_free(&dead);
	if (moved)
		xvt_wake_producer(p);
	else if (loan && READ_ONCE(r->ctrl->prod_wait))
		xvt_reclaim_later(p, 1);
	return 0;
}

static struct sk_buff *xvt_txq_peek(struct xvt_peer *p)
{
	struct sk_buff *skb;

	spin_lock_bh(&p->txq.lock);
	skb = skb_peek(&p->txq);
	spin_unlock_bh(&p->txq.lock);
	return skb;
}

/*
 * SKB (just dequeued) is a CREDIT_UPDATE and a later packet of the same
 * connection is queued: that one carries newer buf_alloc and fwd_cnt (every
 * virtio-vsock header does, and the receiver reads them from every packet),
 * so SKB need not be sent. 6.1's common code sends a CREDIT_UPDATE after
 * each read that empties the receive queue; a reader that answers at once
 * (an echo) or reads many times before the work runs queues them in a row.
 */
static bool xvt_credit_redundant(struct xvt_peer *p, struct sk_buff *skb)
{
	struct virtio_vsock_hdr *h = virtio_vsock_hdr(skb), *n;
	bool found = false;
	struct sk_buff *it;

	if (le16_to_cpu(h->op) != VIRTIO_VSOCK_OP_CREDIT_UPDATE)
		return false;
	spin_lock_bh(&p->txq.lock);
	skb_queue_walk(&p->txq, it) {
		n = virtio_vsock_hdr(it);
		if (xvt_same_conn(n, h)) {
			found = true;
			break;
		}
	}
	spin_unlock_bh(&p->txq.lock);
	return found;
}

/*
 * Room in the tx ring, or -EPROTO if the peer's consumer index is bogus.
 * (Not one conditional expression: its type would be u32, and -EPROTO
 * a huge room; hostile-gntdev found that.)
 */
static s64 xvt_tx_room(struct xvt_ring *r)
{
	u32 used = r->idx - READ_ONCE(r->ctrl->cons);

	if (used > r->size)
		return -EPROTO;
	return r->size - used;
}

/*
 * Only a sender that found no credit needs a CREDIT_UPDATE (6.1 sends one
 * after every read that empties the receive queue), and such a sender sets
 * credit_wait (xvt_credit_wait). So a CREDIT_UPDATE is written without an
 * event unless the peer's consumer waits with credit_wait set; the peer
 * reads it with the next record that comes with an event, or when its
 * sender runs out of credit.
 */
static bool xvt_lazy(struct sk_buff *skb)
{
	return READ_ONCE(lazy_credit) &&
	       le16_to_cpu(virtio_vsock_hdr(skb)->op) ==
	       VIRTIO_VSOCK_OP_CREDIT_UPDATE;
}

/*
 * After publishing prod: notify the consumer if it waits, for any record
 * (EAGER) or only with credit_wait; the flags are cleared here, so the
 * consumer gets one event per wait.
 */
static void xvt_tx_kick(struct xvt_peer *p, bool eager)
{
	struct xvt_ctrl *c = p->tx.ctrl;

	virt_mb();	/* prod is visible before we test the flags */
	if (!READ_ONCE(c->cons_wait))
		return;		/* the consumer runs and will see prod */
	if (!eager && !READ_ONCE(c->credit_wait)) {
		if (!READ_ONCE(c->data_wait)) {
			xvt_stat_add(XVT_S_CREDIT_LAZY, 1);
			return;
		}
		xvt_stat_add(XVT_S_CREDIT_WAKE, 1);
	}
	WRITE_ONCE(c->credit_wait, 0);
	WRITE_ONCE(c->data_wait, 0);
	WRITE_ONCE(c->cons_wait, 0);
	xvt_notify(p);
}

#define XVT_OWE_LAZY	1	/* records were written, only lazy ones */
#define XVT_OWE_EAGER	2	/* ... at least one that needs the event */

/*
 * N records were written, owing an event of kind OWE: send it if the
 * consumer waits, unless DEFER (a batch's end sends it); tx_lock held.
 */
static void xvt_tx_end(struct xvt_peer *p, unsigned int n, u8 owe, bool defer)
{
	p->owe |= owe;
	if (p->owe && !defer) {
		xvt_tx_kick(p, p->owe & XVT_OWE_EAGER);
		p->owe = 0;
	} else if (n) {
		xvt_stat_add(XVT_S_TX_DEFER, n);
	}
}

/*
 * Write the queued packets into the transmit ring; tx_lock held. Then
 * notify the consumer if it waits (xvt_tx_kick), unless DEFER: the event
 * is owed (p->owe) and left to the end of the batch (the next xvt_tx
 * without DEFER). A full ring notifies at once: the consumer must drain it.
 */
/* Past txq_kb queued for P (0: no limit)? */
static bool xvt_txq_over(struct xvt_peer *p)
{
	unsigned int kb = READ_ONCE(txq_kb);

	return kb && atomic_read(&p->txq_bytes) >= (int)min(kb, 1U << 20) * 1024;
}

/* Below txq_kb again, and a sender waits: the work wakes the writers. */
static void xvt_txq_drained(struct xvt_peer *p)
{
	smp_mb();	/* the count, then the flag (xvt_txq_full) */
	if (READ_ONCE(p->txq_wake) && !xvt_txq_over(p)) {
		WRITE_ONCE(p->txq_wake, false);
		set_bit(XVT_F_WAKE, &p->flags);
		queue_work(xvt_wq, &p->work);
	}
}

static int xvt_tx(struct xvt_peer *p, bool defer)
{
	struct xvt_ring *r = &p->tx;
	unsigned int n = 0;
	bool full = false;
	struct sk_buff *skb;
	u8 owe = 0;
	s64 room;
	u32 need;

	WRITE_ONCE(r->ctrl->prod_wait, 0);
	while ((skb = xvt_txq_peek(p))) {
		need = ALIGN(XVT_HDR_LEN + skb->len, XVT_REC_ALIGN);
		room = xvt_tx_room(r);
		if (room >= 0 && room < need) {
			WRITE_ONCE(r->ctrl->prod_wait, 1);
			virt_mb();	/* flag, then index re-check */
			room = xvt_tx_room(r);
		}
		if (room < 0)
			return room;
		if (room < need) {
			/* the consumer may sleep on records sent lazily */
			xvt_stat_add(XVT_S_TX_FULL, 1);
			full = true;
			break;
		}
		WRITE_ONCE(r->ctrl->prod_wait, 0);
		skb = skb_dequeue(&p->txq);
		if (virtio_vsock_skb_reply(skb))
			atomic_dec(&p->replies);
		atomic_sub(skb->len, &p->txq_bytes);
		if (xvt_credit_redundant(p, skb)) {
			xvt_stat_add(XVT_S_CREDIT_DROP, 1);
			consume_skb(skb);
			continue;
		}
		xvt_ring_put(r, r->idx, virtio_vsock_hdr(skb), XVT_HDR_LEN);
		xvt_ring_put_skb(r, r->idx + XVT_HDR_LEN, skb);
		r->idx += need;
		virt_wmb();	/* the record, then the index that covers it */
		WRITE_ONCE(r->ctrl->prod, r->idx);
		xvt_stat_add(XVT_S_TX_PKTS, 1);
		xvt_stat_add(XVT_S_TX_BYTES, skb->len);
		owe |= xvt_lazy(skb) ? XVT_OWE_LAZY : XVT_OWE_EAGER;
		if (le16_to_cpu(virtio_vsock_hdr(skb)->op) ==
		    VIRTIO_VSOCK_OP_REQUEST)
			xvt_req_note(p, virtio_vsock_hdr(skb));
		consume_skb(skb);
		n++;
	}
	xvt_txq_drained(p);
	xvt_tx_end(p, n, full ? owe | XVT_OWE_EAGER : owe, defer && !full);
	return 0;
}

/* Is a packet of SK, sent by the current task, part of a batch? */
static bool xvt_batched(struct xvt_peer *p, struct sock *sk)
{
	lockdep_assert_held(&p->tx_lock);
	return p->batch_task == current && (!p->batch_sk || p->batch_sk == sk);
}

/* test_corrupt: break our own transmit ring the way a hostile peer would. */
static void xvt_corrupt(struct xvt_peer *p, unsigned int how)
{
	struct xvt_ring *r = &p->tx;
	struct virtio_vsock_hdr hdr;

	pr_info("xen_vsock: dom%u: test_corrupt=%u: corrupting our transmit ring\n",
		p->domid, how);
	if (how == 2) {
		memset(&hdr, 0, sizeof(hdr));
		hdr.src_cid = cpu_to_le64(xvt_local_cid);
		hdr.dst_cid = cpu_to_le64(p->cid);
		hdr.len = cpu_to_le32(16 * XVT_MAX_PAYLOAD);
		hdr.op = cpu_to_le16(VIRTIO_VSOCK_OP_RW);
		xvt_ring_put(r, r->idx, &hdr, XVT_HDR_LEN);
		virt_wmb();	/* the record, then the index that covers it */
		WRITE_ONCE(r->ctrl->prod, r->idx + ALIGN(XVT_HDR_LEN + 64, XVT_REC_ALIGN));
	} else {
		WRITE_ONCE(r->ctrl->prod, r->idx + r->size + PAGE_SIZE);
	}
	virt_mb();	/* prod is visible before the event */
	xvt_notify(p);
}

/* --- peer lifecycle --- */

/* End SK with ECONNRESET, as virtio_transport's reset does. */
static void xvt_sock_reset(struct sock *sk)
{
	sk->sk_state = TCP_CLOSE;
	sk->sk_err = ECONNRESET;
	sk_error_report(sk);
}

static void xvt_each_one(struct sock *sk)
{
	/* Under vsock_table_lock; the connected table holds a reference. */
	if (vsock_sk(sk)->remote_addr.svm_cid == xvt_each_cid &&
	    xvt_each_fn(sk))
		xvt_each_any = true;
}

/*
 * Run FN on each of our connected sockets to P, under vsock_table_lock
 * (as virtio_transport's reset does); true if FN said true for any.
 */
static bool xvt_each_sock(struct xvt_peer *p, bool (*fn)(struct sock *sk))
{
	bool any;

	mutex_lock(&xvt_each_lock);
	xvt_each_cid = p->cid;
	xvt_each_fn = fn;
	xvt_each_any = false;
	vsock_for_each_connected_socket(&xvt_transport.transport,
					xvt_each_one);
	any = xvt_each_any;
	mutex_unlock(&xvt_each_lock);
	return any;
}

/* A writer of P's: its queue took some data (as a CREDIT_UPDATE wakes). */
static bool xvt_wake_sock(struct sock *sk)
{
	sk->sk_write_space(sk);
	return false;
}

static bool xvt_reset_sock(struct sock *sk)
{
	xvt_sock_reset(sk);
	return false;
}

/*
 * Our socket that sent P the REQUEST Q, if it still waits for the answer
 * (a connecting socket is only in af_vsock's bound table): reset it. The
 * check is made under the socket's lock, so a later socket that reuses
 * the port, for another peer, is left alone.
 */
static void xvt_reset_connecting(struct xvt_peer *p, const struct xvt_req *q)
{
	struct sockaddr_vm addr;
	struct vsock_sock *vsk;
	struct sock *sk;

	vsock_addr_init(&addr, xvt_local_cid, q->src_port);
	sk = vsock_find_bound_socket(&addr);
	if (!sk)
		return;
	vsk = vsock_sk(sk);
	lock_sock(sk);
	if (sk->sk_state == TCP_SYN_SENT &&
	    vsk->transport == &xvt_transport.transport &&
	    vsk->remote_addr.svm_cid == p->cid &&
	    vsk->remote_addr.svm_port == q->dst_port)
		xvt_sock_reset(sk);
	release_sock(sk);
	sock_put(sk);
}

/* A queued packet that will never be sent: answer it with a reset. */
static void xvt_reply_rst(struct sk_buff *skb)
{
	struct virtio_vsock_hdr *h = virtio_vsock_hdr(skb);
	struct sk_buff *rst;

	if (le16_to_cpu(h->op) == VIRTIO_VSOCK_OP_RST)
		return;
	rst = virtio_vsock_alloc_skb(VIRTIO_VSOCK_SKB_HEADROOM, GFP_KERNEL);
	if (!rst)
		return;
	xvt_hdr_init(virtio_vsock_hdr(rst), le64_to_cpu(h->dst_cid),
		     le32_to_cpu(h->dst_port), le64_to_cpu(h->src_cid),
		     le32_to_cpu(h->src_port), le16_to_cpu(h->type),
		     VIRTIO_VSOCK_OP_RST);
	virtio_transport_recv_pkt(&xvt_transport, rst);
}

/* Undo whatever part of the setup was done; the work must not run. */
static void xvt_peer_teardown(struct xvt_peer *p)
{
	struct sk_buff *skb;
	unsigned int i;
	char name[12];

	/* Before the ring goes, and the port a reader may notify. */
	xvt_loans_settle_all(p);
	if (p->irq > 0)
		unbind_from_irqhandler(p->irq, p);	/* closes the port */
	if (p->sport)
		xvt_evtchn_close(p->sport);
	/*
	 * After the ports: the peer takes the removal as a knock and checks
	 * the channel at once (not at its next heartbeat), finding it closed.
	 */
	if (p->published) {
		snprintf(name, sizeof(name), "%u", p->domid);
		xenbus_rm(XBT_NIL, xvt_pub_dir, name);
	}
	xvt_rx_unmap(p);
	kfree(p->rx.grefs);
	p->rx.grefs = NULL;
	if (p->rx_pub && p->hung_up && !READ_ONCE(xvt_exiting))
		xvt_pub_remember(p);
	kfree(p->rx_pub);
	p->rx_pub = NULL;
	xvt_tx_free(p);
	while ((skb = skb_dequeue(&p->txq))) {
		xvt_reply_rst(skb);
		kfree_skb(skb);
	}
	/*
	 * Connecting sockets whose REQUEST the peer got but never answered:
	 * their connect ends with ECONNRESET now, not at its timeout.
	 */
	for (i = 0; i < p->nreqs; i++)
		xvt_reset_connecting(p, &p->reqs[i]);
	kfree(p->reqs);
	p->reqs = NULL;
	p->nreqs = 0;
	p->reqs_cap = 0;
	xvt_each_sock(p, xvt_reset_sock);
}

static void xvt_peer_free_work(struct work_struct *work)
{
	struct xvt_peer *p = container_of(work, struct xvt_peer, free_work);

	if (p->irq > 0)
		disable_irq(p->irq);	/* no new work from the peer */
	spin_lock_bh(&xvt_loan_lock);
	p->no_kick = true;		/* ... nor from its readers */
	spin_unlock_bh(&xvt_loan_lock);
	cancel_work_sync(&p->work);
	cancel_delayed_work_sync(&p->reclaim);
	xvt_peer_teardown(p);
	kfree(p);
}

/*
 * Take the peer out of the table: later packets for its CID start anew.
 * With QUEUE, its teardown is queued under the table lock, so on the
 * ordered workqueue it runs before any work of a successor peer.
 */
static bool xvt_peer_unlink(struct xvt_peer *p, bool queue)
{
	bool unlinked;

	xa_lock_bh(&xvt_peers);
	unlinked = __xa_cmpxchg(&xvt_peers, p->domid, p, NULL, GFP_ATOMIC) == p;
	if (unlinked) {
		xvt_npeers--;
		if (queue)
			queue_work(xvt_wq, &p->free_work);
	}
	xa_unlock_bh(&xvt_peers);
	return unlinked;
}

static void xvt_peer_kill(struct xvt_peer *p, int why)
{
	spin_lock_bh(&p->tx_lock);
	p->tx_ready = false;
	spin_unlock_bh(&p->tx_lock);
	p->dead = true;
	if (why != -ENOTCONN && why != -ETIMEDOUT)
		p->hung_up = true;	/* the peer still thinks we are there */
	if (why == -EPROTO)
		pr_warn_ratelimited("xen_vsock: dom%u: protocol violation by the peer, channel closed\n",
				    p->domid);
	else if (why != -ETIMEDOUT)
		pr_info("xen_vsock: dom%u: channel down (%d)\n", p->domid, why);
	xvt_peer_unlink(p, true);
}

/* An established socket without credit. */
static bool xvt_no_credit(struct sock *sk)
{
	struct vsock_sock *vsk = vsock_sk(sk);

	return sk->sk_state == TCP_ESTABLISHED && vsk->trans &&
	       virtio_transport_stream_has_space(vsk) <= 0;
}

/*
 * The peer clears credit_wait when it sends an event for a CREDIT_UPDATE,
 * but credit_wait is per channel: another socket of ours may still wait for
 * its own update, and its sender will not ask again until woken. So after
 * a run, while a socket to this peer has no credit, set credit_wait again
 * (and read what came meanwhile), the same handshake as xvt_credit_wait.
 */
static void xvt_credit_rearm(struct xvt_peer *p, bool *more)
{
	struct xvt_ring *r = &p->rx;

	if (!xvt_each_sock(p, xvt_no_credit))
		return;
	spin_lock_bh(&p->tx_lock);
	p->credit_waiting = true;
	WRITE_ONCE(r->ctrl->credit_wait, 1);
	spin_unlock_bh(&p->tx_lock);
	virt_mb();	/* flag, then index re-check */
	if (READ_ONCE(r->ctrl->prod) != r->idx)
		*more = true;
}

static void xvt_peer_eoi(struct xvt_peer *p)
{
	if (test_and_clear_bit(XVT_F_EOI, &p->flags))
		xen_irq_lateeoi(p->irq, 0);
}

static int xvt_peer_step(struct xvt_peer *p, bool *more)
{
	bool mine = false, rearm;
	int err;

	switch (p->state) {
	case XVT_NEW:
		/*
		 * No new ring to a domain that still maps our last one
		 * (xvt_held_list): a peer tearing down unmaps it at once,
		 * one that does not loses only its own channel, at the
		 * rendezvous deadline.
		 */
		if (xvt_held_retry(p->domid, false)) {
			if (!p->held_wait) {
				WRITE_ONCE(p->held_wait, true);
				xvt_stat_add(XVT_S_RING_WAIT, 1);
				pr_info_ratelimited("xen_vsock: dom%u still maps our last ring to it: no new one until it lets go\n",
						    p->domid);
				/* It looks at its old channel now, not at its heartbeat. */
				xvt_knock_peer(p);
			}
			if (time_after(jiffies, p->deadline))
				return -ETIMEDOUT;
			xvt_reclaim_later(p, msecs_to_jiffies(20));
			return 0;
		}
		WRITE_ONCE(p->held_wait, false);
		err = xvt_publish(p);
		if (err)
			return err;
		p->state = XVT_PUBLISHED;
		fallthrough;
	case XVT_PUBLISHED:
		err = xvt_connect(p);
		if (err == -EAGAIN)
			return time_after(jiffies, p->deadline) ? -ETIMEDOUT : 0;
		if (err)
			return err;
		p->state = XVT_CONNECTED;
		spin_lock_bh(&p->tx_lock);
		p->tx_ready = true;
		spin_unlock_bh(&p->tx_lock);
		/* for xvt_pong in the interrupt handler: rings mapped */
		smp_store_release(&p->rings_up, true);
		pr_info("xen_vsock: dom%u: connected (%u+%u ring pages)\n",
			p->domid, p->tx.nr, p->rx.nr);
		xvt_notify(p);
		fallthrough;
	case XVT_CONNECTED:
		if (test_and_clear_bit(XVT_F_CHECK, &p->flags) &&
		    !xvt_peer_alive(p))
			return -ENOTCONN;
		if (test_and_clear_bit(XVT_F_WAKE, &p->flags))
			xvt_each_sock(p, xvt_wake_sock);
		if (unlikely(READ_ONCE(test_corrupt))) {
			unsigned int how = xchg(&test_corrupt, 0);

			if (how) {
				spin_lock_bh(&p->tx_lock);
				p->tx_ready = false;
				xvt_corrupt(p, how);
				spin_unlock_bh(&p->tx_lock);
				p->corrupted = true;
			}
		}
		if (unlikely(p->corrupted))
			return 0;	/* wait for the peer to hang up */
		/*
		 * What delivering the records makes the socket layer send
		 * (replies, CREDIT_UPDATEs) goes out with one event at the
		 * end, unless a sender's batch holds the slot.
		 */
		spin_lock_bh(&p->tx_lock);
		/*
		 * A sendmsg that failed between two records leaves its batch
		 * open; after a heartbeat, take the slot back (what it owes
		 * is sent below anyway).
		 */
		if (p->batch_task && p->batch_sk &&
		    time_after(jiffies, p->batch_since +
			       msecs_to_jiffies(heartbeat_ms)))
			p->batch_task = NULL;
		if (!p->batch_task && READ_ONCE(tx_batch)) {
			p->batch_task = current;
			p->batch_sk = NULL;
			mine = true;
		}
		spin_unlock_bh(&p->tx_lock);
		WRITE_ONCE(p->rx_task, current);
		err = xvt_rx(p, more);
		WRITE_ONCE(p->rx_task, NULL);
		spin_lock_bh(&p->tx_lock);
		if (mine && p->batch_task == current)
			p->batch_task = NULL;
		if (!err)	/* also sends what any batch still owes */
			err = xvt_tx(p, false);
		rearm = !err && p->credit_waiting;
		p->credit_waiting = false;
		spin_unlock_bh(&p->tx_lock);
		if (rearm)
			xvt_credit_rearm(p, more);
		return err;
	}
	return 0;
}

static void xvt_peer_work(struct work_struct *work)
{
	struct xvt_peer *p = container_of(work, struct xvt_peer, work);
	bool more = false;
	int err;

	if (p->dead) {	/* queued again (interrupt) before its teardown */
		xvt_peer_eoi(p);
		return;
	}
	xvt_stat_add(XVT_S_WORK, 1);
	err = xvt_peer_step(p, &more);
	xvt_peer_eoi(p);
	if (err)
		xvt_peer_kill(p, err);
	else if (more)
		queue_work(xvt_wq, &p->work);
}

/*
 * debugfs "ping" (root): write "DOMID COUNT", read back the round trips
 * of one event each way with that connected peer, answered from its
 * interrupt handler (xvt_pong): the floor under any socket round trip of
 * this transport, for make bench-xen. The work runs on xvt_wq, which
 * alone kills and frees peers, so the peer outlives it; the peer's own
 * work waits meanwhile, so the interrupt handler ends the peer's
 * interrupts (late EOI) while xvt_ping_peer names it.
 */
#define XVT_PING_MAX		1000
#define XVT_PING_WAIT_MS	1000	/* per round trip: a loaded host stalls */
#define XVT_PING_BUDGET_MS	10000	/* in all: the peer's work waits */

static struct xvt_ping {
	struct work_struct work;
	unsigned int domid, count, done;
	int err;
	u64 ns[XVT_PING_MAX];
	char res[160];
} xvt_ping;
static DEFINE_MUTEX(xvt_ping_lock);	/* xvt_ping */

static void xvt_ping_work(struct work_struct *work)
{
	struct xvt_ping *q = container_of(work, struct xvt_ping, work);
	u64 t, start = ktime_get_ns();
	struct xvt_peer *p;
	unsigned long left;
	u32 seq;

	xa_lock_bh(&xvt_peers);
	p = xa_load(&xvt_peers, q->domid);
	xa_unlock_bh(&xvt_peers);
	if (!p || p->dead || p->corrupted || p->state != XVT_CONNECTED) {
		q->err = -ENOTCONN;
		return;
	}
	WRITE_ONCE(xvt_ping_peer, p);
	/*
	 * From here the interrupt handler ends the peer's interrupts; end
	 * one it left for the work before it saw xvt_ping_peer.
	 */
	smp_mb();	/* xvt_ping_peer, then the bit: xvt_interrupt */
	xvt_peer_eoi(p);
	while (q->done < q->count &&
	       ktime_get_ns() - start < XVT_PING_BUDGET_MS * NSEC_PER_MSEC) {
		seq = ++p->ping_seq ? : ++p->ping_seq;
		reinit_completion(&xvt_ping_done);
		WRITE_ONCE(xvt_ping_want, seq);
		smp_mb();	/* what to complete on, then the ping */
		WRITE_ONCE(p->tx.ctrl->ping, seq);
		virt_wmb();	/* ping, then the event */
		t = ktime_get_ns();
		xvt_notify(p);
		left = wait_for_completion_timeout(&xvt_ping_done,
						   msecs_to_jiffies(XVT_PING_WAIT_MS));
		t = ktime_get_ns() - t;
		if (!left) {
			q->err = -ETIMEDOUT;
			break;
		}
		q->ns[q->done++] = t;
	}
	WRITE_ONCE(xvt_ping_peer, NULL);
}

static int xvt_u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static ssize_t xvt_ping_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	struct xvt_ping *q = &xvt_ping;
	unsigned int domid, count;
	char buf[32];
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (sscanf(buf, "%u %u", &domid, &count) != 2 ||
	    domid >= DOMID_FIRST_RESERVED || domid == xvt_domid ||
	    !count || count > XVT_PING_MAX)
		return -EINVAL;
	if (mutex_lock_interruptible(&xvt_ping_lock))
		return -EINTR;
	q->domid = domid;
	q->count = count;
	q->done = 0;
	q->err = 0;
	INIT_WORK(&q->work, xvt_ping_work);
	queue_work(xvt_wq, &q->work);
	flush_work(&q->work);
	err = q->err;
	if (q->done) {
		sort(q->ns, q->done, sizeof(q->ns[0]), xvt_u64_cmp, NULL);
		snprintf(q->res, sizeof(q->res),
			 "dom%u rounds %u min_ns %llu median_ns %llu max_ns %llu%s\n",
			 domid, q->done, q->ns[0], q->ns[(q->done - 1) / 2],
			 q->ns[q->done - 1],
			 q->done < count ? " incomplete" : "");
	} else {
		snprintf(q->res, sizeof(q->res), "dom%u error %d\n", domid, err);
	}
	mutex_unlock(&xvt_ping_lock);
	return err ? err : len;
}

static ssize_t xvt_ping_read(struct file *file, char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	ssize_t ret;

	if (mutex_lock_interruptible(&xvt_ping_lock))
		return -EINTR;
	ret = simple_read_from_buffer(ubuf, len, ppos, xvt_ping.res,
				      strlen(xvt_ping.res));
	mutex_unlock(&xvt_ping_lock);
	return ret;
}

static const struct file_operations xvt_ping_fops = {
	.owner	= THIS_MODULE,
	.write	= xvt_ping_write,
	.read	= xvt_ping_read,
	.llseek	= default_llseek,
};

/* Find or make the peer for DOMID; xvt_peers.xa_lock held. */
static struct xvt_peer *__xvt_peer_get(unsigned int domid)
{
	struct xvt_peer *p;

	lockdep_assert_held(&xvt_peers.xa_lock);
	p = xa_load(&xvt_peers, domid);
	/* None made once the module is going (xvt_exit()). */
	if (p || xvt_exiting || xvt_npeers >= max_peers)
		return p;
	p = kzalloc(sizeof(*p), GFP_ATOMIC);
	if (!p)
		return NULL;
	p->domid = domid;
	p->cid = (u64)domid + 2;
	p->deadline = jiffies + msecs_to_jiffies(rendezvous_ms);
	INIT_WORK(&p->work, xvt_peer_work);
	INIT_WORK(&p->free_work, xvt_peer_free_work);
	INIT_DELAYED_WORK(&p->reclaim, xvt_reclaim);
	INIT_LIST_HEAD(&p->loans);
	skb_queue_head_init(&p->txq);
	spin_lock_init(&p->tx_lock);
	if (xa_is_err(__xa_store(&xvt_peers, domid, p, GFP_ATOMIC))) {
		kfree(p);
		return NULL;
	}
	xvt_npeers++;
	return p;
}

static bool xvt_valid_peer(u64 cid)
{
	return cid >= VMADDR_CID_HOST && cid != xvt_local_cid &&
	       cid - 2 < DOMID_FIRST_RESERVED;
}

static int xvt_send_pkt(struct sk_buff *skb)
{
	u64 cid = le64_to_cpu(virtio_vsock_hdr(skb)->dst_cid);
	struct sock *sk = skb->sk;	/* compared only: SKB may go at once */
	int len = skb->len;
	struct xvt_peer *p;

	if (!xvt_valid_peer(cid)) {
		kfree_skb(skb);
		return -EHOSTUNREACH;
	}
	xa_lock_bh(&xvt_peers);
	p = __xvt_peer_get(cid - 2);
	if (p) {
		bool sent = false;

		/* An answer to its records (xvt_rx): rx_replies at most. */
		if (virtio_vsock_skb_reply(skb) ||
		    READ_ONCE(p->rx_task) == current) {
			if (atomic_read(&p->replies) >= READ_ONCE(rx_replies)) {
				xa_unlock_bh(&xvt_peers);
				xvt_stat_add(XVT_S_REPLY_DROP, 1);
				kfree_skb(skb);
				return -ENOBUFS;
			}
			virtio_vsock_skb_set_reply(skb);
			atomic_inc(&p->replies);
		}
		atomic_add(len, &p->txq_bytes);
		skb_queue_tail(&p->txq, skb);
		/*
		 * Channel up: into the ring now, no work run per packet. A full
		 * ring set prod_wait (the peer's event runs the work); any
		 * error, or a busy tx_lock, is left to the work.
		 */
		if (spin_trylock(&p->tx_lock)) {
			sent = p->tx_ready && !xvt_tx(p, xvt_batched(p, sk));
			spin_unlock(&p->tx_lock);
		}
		if (!sent)
			queue_work(xvt_wq, &p->work);
	}
	xa_unlock_bh(&xvt_peers);
	if (!p) {
		kfree_skb(skb);
		return -ENOMEM;
	}
	return len;
}

/*
 * Test only (tests/xen, hostile-forged): "DST:SRC:SPORT:DPORT" sends the
 * peer with CID DST one RST record that claims to come from CID SRC, port
 * SPORT, to port DPORT: a domain impersonating another to reset its
 * connections.  The receiver must drop it (rx_forged).  Root only; it
 * sends no more than root here could send through the ring anyway.
 */
static int xvt_test_forge(const char *val, const struct kernel_param *kp)
{
	unsigned long long dst, src;
	unsigned int sport, dport;
	struct sk_buff *skb;
	int err;

	if (sscanf(val, "%llu:%llu:%u:%u", &dst, &src, &sport, &dport) != 4)
		return -EINVAL;
	skb = virtio_vsock_alloc_skb(VIRTIO_VSOCK_SKB_HEADROOM, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	xvt_hdr_init(virtio_vsock_hdr(skb), src, sport, dst, dport,
		     VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_RST);
	pr_info("xen_vsock: test_forge: RST to CID %llu port %u as CID %llu port %u\n",
		dst, dport, src, sport);
	err = xvt_send_pkt(skb);
	return err < 0 ? err : 0;
}

static const struct kernel_param_ops xvt_test_forge_ops = {
	.set = xvt_test_forge,
};
module_param_cb(test_forge, &xvt_test_forge_ops, NULL, 0200);
MODULE_PARM_DESC(test_forge, "test only: DST:SRC:SPORT:DPORT sends CID DST a RST forged as from CID SRC");

/*
 * Run FN on the peer of VSK with its tx_lock held, if its channel is up
 * (tx_ready: the receive ring is mapped); the table lock keeps the peer
 * from being unlinked meanwhile.
 */
static void xvt_on_peer(struct vsock_sock *vsk, void (*fn)(struct xvt_peer *p))
{
	u64 cid = vsk->remote_addr.svm_cid;
	struct xvt_peer *p;

	if (!xvt_valid_peer(cid))
		return;
	xa_lock_bh(&xvt_peers);
	p = xa_load(&xvt_peers, cid - 2);
	if (p) {
		spin_lock(&p->tx_lock);
		if (p->tx_ready)
			fn(p);
		spin_unlock(&p->tx_lock);
	}
	xa_unlock_bh(&xvt_peers);
}

/*
 * A sender to P has no credit (sendmsg is about to block or return EAGAIN,
 * or poll reports no POLLOUT): it needs the peer's next CREDIT_UPDATE, so
 * ask the peer to notify for it (credit_wait), and read at once what the
 * ring already holds, which may be that update (sent without an event).
 */
static void xvt_credit_wait(struct xvt_peer *p)
{
	struct xvt_ring *r = &p->rx;

	xvt_stat_add(XVT_S_CREDIT_WAIT, 1);
	p->credit_waiting = true;
	WRITE_ONCE(r->ctrl->credit_wait, 1);
	virt_mb();	/* flag, then index re-check */
	if (READ_ONCE(r->ctrl->prod) != READ_ONCE(r->idx)) {
		xvt_stat_add(XVT_S_CREDIT_KICK, 1);
		queue_work(xvt_wq, &p->work);
	}
}

/*
 * A reader of P may sleep for data: set data_wait, so that the peer
 * sends even a CREDIT_UPDATE with an event. Its reader has then just read
 * what we sent, and its reply, if one comes, finds this domain awake (a
 * vCPU that Xen must wake takes long under emulation). Only a hint, set
 * once until the peer clears it with the event, so no re-check.
 */
static void xvt_data_wait(struct xvt_peer *p)
{
	if (!READ_ONCE(p->rx.ctrl->data_wait)) {
		xvt_stat_add(XVT_S_DATA_WAIT, 1);
		WRITE_ONCE(p->rx.ctrl->data_wait, 1);
	}
}

/* recvmsg is about to sleep for data. */
static int xvt_recv_pre_block(struct vsock_sock *vsk, size_t target,
			      struct vsock_transport_recv_notify_data *data)
{
	xvt_on_peer(vsk, xvt_data_wait);
	return 0;
}

/*
 * poll finds no data: the poller may sleep for some, or only wait to
 * write. A socket that never had data from the peer (one way, a writer)
 * leaves data_wait alone: its CREDIT_UPDATEs stay without events.
 */
static int xvt_notify_poll_in(struct vsock_sock *vsk, size_t target,
			      bool *ready)
{
	struct virtio_vsock_sock *vvs = vsk->trans;
	int err = virtio_transport_notify_poll_in(vsk, target, ready);

	if (!err && !*ready && READ_ONCE(vvs->fwd_cnt))
		xvt_on_peer(vsk, xvt_data_wait);
	return err;
}

/*
 * Begin (BEGIN) or end a batch of VSK's records by the current task: the
 * records written meanwhile leave their event to the end. Only one batch
 * per peer at a time; a sender that does not get the slot notifies per
 * record as usual. The end writes whatever is queued and sends the event
 * owed; the work also sends it on every run (at least every heartbeat_ms),
 * so a batch left open (a sendmsg that failed between two records) delays
 * an event by at most that.
 */
static void xvt_batch(struct vsock_sock *vsk, bool begin)
{
	u64 cid = vsk->remote_addr.svm_cid;
	struct sock *sk = sk_vsock(vsk);
	struct xvt_peer *p;

	if (!xvt_valid_peer(cid))
		return;
	xa_lock_bh(&xvt_peers);
	p = xa_load(&xvt_peers, cid - 2);
	if (p) {
		spin_lock(&p->tx_lock);
		if (begin) {
			if (!p->batch_task && READ_ONCE(tx_batch)) {
				p->batch_task = current;
				p->batch_sk = sk;
				p->batch_since = jiffies;
			}
		} else if (p->batch_task == current && p->batch_sk == sk) {
			p->batch_task = NULL;
			p->batch_sk = NULL;
			if (p->tx_ready && xvt_tx(p, false))
				queue_work(xvt_wq, &p->work);
		}
		spin_unlock(&p->tx_lock);
	}
	xa_unlock_bh(&xvt_peers);
}

/*
 * Write one RW record of HDR (its len included) from MSG into P's
 * transmit ring; tx_lock held. 0: not now (the channel is not up, other
 * records are queued before it, or the ring has no room), the skb path
 * must take it; -EFAULT: the sender's buffer faulted, nothing published
 * and MSG as it was; else the bytes sent.
 */
static ssize_t xvt_tx_direct(struct xvt_peer *p, struct sock *sk,
			     struct virtio_vsock_hdr *hdr, struct msghdr *msg)
{
	u32 len = le32_to_cpu(hdr->len);
	u32 need = ALIGN(XVT_HDR_LEN + len, XVT_REC_ALIGN);
	struct xvt_ring *r = &p->tx;
	size_t copied;

	lockdep_assert_held(&p->tx_lock);
	/* A full or bogus ring, too: xvt_tx waits for room or reports it. */
	if (!p->tx_ready || !skb_queue_empty_lockless(&p->txq) ||
	    xvt_tx_room(r) < need)
		return 0;
	xvt_ring_put(r, r->idx, hdr, XVT_HDR_LEN);
	pagefault_disable();
	copied = xvt_ring_iter(r, r->idx + XVT_HDR_LEN, &msg->msg_iter, len,
			       true);
	pagefault_enable();
	if (copied < len) {
		iov_iter_revert(&msg->msg_iter, copied);
		return -EFAULT;
	}
	r->idx += need;
	virt_wmb();	/* the record, then the index that covers it */
	WRITE_ONCE(r->ctrl->prod, r->idx);
	xvt_stat_add(XVT_S_TX_PKTS, 1);
	xvt_stat_add(XVT_S_TX_BYTES, len);
	xvt_stat_add(XVT_S_TX_DIRECT, 1);
	xvt_tx_end(p, 1, XVT_OWE_EAGER, xvt_batched(p, sk));
	return len;
}

/*
 * One record of a stream's data, copied once: from the sender's buffer
 * into the ring under tx_lock, where virtio_transport_stream_enqueue
 * copies it into a new 64 KiB skb that xvt_tx copies into the ring. The
 * record is what virtio_transport_send_pkt_info would build (credit
 * taken, fwd_cnt and buf_alloc as virtio_transport_inc_tx_pkt sets them,
 * which takes an skb). The copy runs with page faults disabled (we hold
 * spinlocks): a page not resident ends it before anything is published,
 * the page is faulted in with no lock held, and the record is written
 * again. 0: the skb path must send it (credit given back, MSG as it was).
 */
static ssize_t xvt_stream_direct(struct vsock_sock *vsk, struct msghdr *msg,
				 size_t len)
{
	struct virtio_vsock_sock *vvs = vsk->trans;
	u64 cid = vsk->remote_addr.svm_cid;
	struct virtio_vsock_hdr hdr;
	struct xvt_peer *p;
	ssize_t ret = 0;
	int tries;
	u32 n;

	if (!READ_ONCE(tx_direct) || !xvt_valid_peer(cid))
		return 0;
	n = virtio_transport_get_credit(vvs, min_t(size_t, len, XVT_MAX_PAYLOAD));
	if (!n)
		return 0;
	xvt_hdr_init(&hdr, xvt_local_cid, vsk->local_addr.svm_port, cid,
		     vsk->remote_addr.svm_port, VIRTIO_VSOCK_TYPE_STREAM,
		     VIRTIO_VSOCK_OP_RW);
	hdr.len = cpu_to_le32(n);
	spin_lock_bh(&vvs->rx_lock);
	vvs->last_fwd_cnt = vvs->fwd_cnt;
	hdr.fwd_cnt = cpu_to_le32(vvs->fwd_cnt);
	hdr.buf_alloc = cpu_to_le32(vvs->buf_alloc);
	spin_unlock_bh(&vvs->rx_lock);

	for (tries = 0; tries < 4; tries++) {
		xa_lock_bh(&xvt_peers);
		p = xa_load(&xvt_peers, cid - 2);
		if (p) {
			spin_lock(&p->tx_lock);
			ret = xvt_tx_direct(p, sk_vsock(vsk), &hdr, msg);
			spin_unlock(&p->tx_lock);
		}
		xa_unlock_bh(&xvt_peers);
		if (ret != -EFAULT)
			break;
		ret = 0;
		xvt_stat_add(XVT_S_TX_DIRECT_FAULT, 1);
		/* Nothing could be faulted in: the skb path reports EFAULT. */
		if (fault_in_iov_iter_readable(&msg->msg_iter, n) == n)
			break;
	}
	if (ret <= 0)
		virtio_transport_put_credit(vvs, n);
	return ret;
}

/*
 * af_vsock's sendmsg calls this once per record with LEN the bytes still
 * to send; a record carries at most XVT_MAX_PAYLOAD. More than that: more
 * records follow in this sendmsg, a batch. It ends with the last record,
 * an error, or (xvt_stream_has_space) when the sender must wait for credit.
 */
static ssize_t xvt_enqueue(struct vsock_sock *vsk, struct msghdr *msg,
			   size_t len, bool seqpacket)
{
	ssize_t written;

	if (len > XVT_MAX_PAYLOAD)
		xvt_batch(vsk, true);
	if (seqpacket)
		written = virtio_transport_seqpacket_enqueue(vsk, msg, len);
	else
		written = xvt_stream_direct(vsk, msg, len) ? :
			  virtio_transport_stream_enqueue(vsk, msg, len);
	if (written <= 0 || written >= len)
		xvt_batch(vsk, false);
	return written;
}

static ssize_t xvt_stream_enqueue(struct vsock_sock *vsk, struct msghdr *msg,
				  size_t len)
{
	return xvt_enqueue(vsk, msg, len, false);
}

static int xvt_seqpacket_enqueue(struct vsock_sock *vsk, struct msghdr *msg,
				 size_t len)
{
	return xvt_enqueue(vsk, msg, len, true);
}

/*
 * Is the peer of VSK's queue past txq_kb? Then say a sender waits, and look
 * again (a drain in between would not have seen the flag).
 */
static bool xvt_txq_full(struct vsock_sock *vsk)
{
	u64 cid = vsk->remote_addr.svm_cid;
	struct xvt_peer *p;
	bool full = false;

	if (!xvt_valid_peer(cid))
		return false;
	xa_lock_bh(&xvt_peers);
	p = xa_load(&xvt_peers, cid - 2);
	if (p && xvt_txq_over(p)) {
		WRITE_ONCE(p->txq_wake, true);
		smp_mb();	/* the flag, then the count (xvt_txq_drained) */
		full = xvt_txq_over(p);
	}
	xa_unlock_bh(&xvt_peers);
	if (full)
		xvt_stat_add(XVT_S_TXQ_FULL, 1);
	return full;
}

static s64 xvt_stream_has_space(struct vsock_sock *vsk)
{
	s64 space = virtio_transport_stream_has_space(vsk);

	/* Credit, but maybe no room left in the peer's queue. */
	if (space > 0 && !xvt_txq_full(vsk))
		return space;
	xvt_batch(vsk, false);	/* about to wait: send the batch */
	if (space <= 0)		/* for credit, not for the queue */
		xvt_on_peer(vsk, xvt_credit_wait);
	return 0;
}

static int xvt_socket_init(struct vsock_sock *vsk, struct vsock_sock *psk)
{
	u64 buf = (u64)clamp(READ_ONCE(sock_buf_kb), 256U, 16384U) * 1024;

	/* Still af_vsock's defaults (a child has its listener's). */
	if (vsk->buffer_size == XVT_DEF_BUF && vsk->buffer_max_size == XVT_DEF_BUF) {
		vsk->buffer_size = buf;
		vsk->buffer_max_size = buf;
	}
	return virtio_transport_do_socket_init(vsk, psk);
}

/* Drop VSK's packets from P's queue (virtio_transport_purge_skbs, counted). */
static void xvt_txq_purge(struct xvt_peer *p, struct vsock_sock *vsk)
{
	struct sk_buff_head gone;
	struct sk_buff *skb, *tmp;
	int replies = 0, bytes = 0;

	__skb_queue_head_init(&gone);
	spin_lock_bh(&p->txq.lock);
	skb_queue_walk_safe(&p->txq, skb, tmp) {
		if (vsock_sk(skb->sk) != vsk)
			continue;
		__skb_unlink(skb, &p->txq);
		__skb_queue_tail(&gone, skb);
		replies += virtio_vsock_skb_reply(skb);
		bytes += skb->len;
	}
	spin_unlock_bh(&p->txq.lock);
	__skb_queue_purge(&gone);
	atomic_sub(replies, &p->replies);
	atomic_sub(bytes, &p->txq_bytes);
}

static int xvt_cancel_pkt(struct vsock_sock *vsk)
{
	struct xvt_peer *p;

	xa_lock_bh(&xvt_peers);
	p = xa_load(&xvt_peers, vsk->remote_addr.svm_cid - 2);
	if (p) {
		/* xvt_tx() looks at the queue's head, then takes it. */
		spin_lock(&p->tx_lock);
		xvt_txq_purge(p, vsk);
		/* A connect given up (timeout, signal) waits no more. */
		xvt_req_forget(p, vsk->local_addr.svm_port,
			       vsk->remote_addr.svm_port);
		spin_unlock(&p->tx_lock);
		xvt_txq_drained(p);
	}
	xa_unlock_bh(&xvt_peers);
	return 0;
}

/*
 * Check the channel with @domid, or (@create) set one up if there is
 * none: @create only once the peer's publication for us was seen.
 */
static void xvt_kick(unsigned int domid, bool create)
{
	struct xvt_peer *p;

	xa_lock_bh(&xvt_peers);
	p = create ? __xvt_peer_get(domid) : xa_load(&xvt_peers, domid);
	if (p) {
		set_bit(XVT_F_CHECK, &p->flags);
		queue_work(xvt_wq, &p->work);
	}
	xa_unlock_bh(&xvt_peers);
}

/*
 * Domain @domid knocked, or changed its publication for us: set up our
 * side (or check the old channel).  @knock: a knock (counted if forged).
 */
static void xvt_knocked(unsigned int domid, bool knock)
{
	bool known;
	char name[12];

	if (!xvt_valid_peer((u64)domid + 2))
		return;
	/*
	 * Any domain may write a knock naming any other. A peer knocks
	 * after it publishes its side for us, in a directory only it (and
	 * dom0) may write: a knock naming a domain with no channel here
	 * and no publication for us is forged, and would only take one of
	 * max_peers away from real peers for rendezvous_ms.
	 */
	xa_lock_bh(&xvt_peers);
	known = xa_load(&xvt_peers, domid);
	xa_unlock_bh(&xvt_peers);
	if (!known) {
		char *dir = kasprintf(GFP_KERNEL, "/local/domain/%u/data/vsock",
				      domid);

		snprintf(name, sizeof(name), "%u", xvt_domid);
		if (!dir || !xenbus_exists(XBT_NIL, dir, name)) {
			kfree(dir);
			if (knock)
				xvt_stat_add(XVT_S_KNOCK_IGNORED, 1);
			return;
		}
		kfree(dir);
	}
	/* Known: only checked (it may have gone since, not to be made). */
	xvt_kick(domid, !known);
}

/* A peer knocked. */
static void xvt_knock(struct xenbus_watch *w, const char *path,
		      const char *token)
{
	unsigned int domid;
	char name[12];

	if (sscanf(path + strlen(xvt_knock_dir), "/%u", &domid) != 1)
		return;
	/*
	 * Every event is taken as a knock, our own removal's too (a known
	 * peer is only checked again; an unknown one's publication is read
	 * first): another domain could delete a real knock before we look.
	 */
	snprintf(name, sizeof(name), "%u", domid);
	xenbus_rm(XBT_NIL, xvt_knock_dir, name);
	xvt_knocked(domid, true);
}

static struct xenbus_watch xvt_knock_watch = {
	.node = xvt_knock_dir,
	.callback = xvt_knock,
};

/* The domain number at @s, digits only, and where they end; false if none. */
static bool xvt_parse_domid(const char **s, unsigned int *domid)
{
	const char *p = *s;
	unsigned long v = 0;

	if (!isdigit(*p))
		return false;
	while (isdigit(*p) && v < DOMID_FIRST_RESERVED)
		v = v * 10 + (*p++ - '0');
	if (isdigit(*p) || v >= DOMID_FIRST_RESERVED)
		return false;
	*domid = v;
	*s = p;
	return true;
}

/*
 * Any event under /local/domain that xenstored lets us see (of a node we
 * may read, or whose parent we may): one of a peer's publication for us,
 * /local/domain/N/data/vsock/ME, written or deleted, is taken as its
 * knock.  The knock directory is writable by every domain,
 * so any domain can delete it (only dom0 can make it again): without
 * this, no peer could then ask us to look, and only channels we start
 * would come up.  A publication is written only by its domain (and dom0).
 */
static void xvt_pub_event(struct xenbus_watch *w, const char *path,
			  const char *token)
{
	static const char pre[] = "/local/domain/", mid[] = "/data/vsock/";
	unsigned int domid, to;
	const char *s = path;

	if (strncmp(s, pre, sizeof(pre) - 1))
		return;
	s += sizeof(pre) - 1;
	if (!xvt_parse_domid(&s, &domid) || strncmp(s, mid, sizeof(mid) - 1))
		return;
	s += sizeof(mid) - 1;
	if (!xvt_parse_domid(&s, &to) || *s || to != xvt_domid ||
	    domid == xvt_domid)
		return;
	xvt_stat_add(XVT_S_PUB_EVENT, 1);
	xvt_knocked(domid, false);
}

static struct xenbus_watch xvt_pub_watch = {
	.node = "/local/domain",
	.callback = xvt_pub_event,
};

/*
 * Settled loans whose socket dropped them, peer or not: at each heartbeat,
 * and at unload (where no socket is left to hold one: each holds a
 * reference to this module).
 */
static void xvt_settled_free(void)
{
	LIST_HEAD(dead);

	spin_lock_bh(&xvt_loan_lock);
	xvt_loans_reap(&xvt_settled, &dead);
	spin_unlock_bh(&xvt_loan_lock);
	xvt_loans_free(&dead);
}

static void xvt_heartbeat(struct work_struct *work)
{
	struct xvt_peer *p;
	unsigned long i;

	xvt_settled_free();
	xvt_held_retry(DOMID_INVALID, false);
	xa_lock_bh(&xvt_peers);
	xa_for_each(&xvt_peers, i, p) {
		set_bit(XVT_F_CHECK, &p->flags);
		queue_work(xvt_wq, &p->work);
	}
	xa_unlock_bh(&xvt_peers);
	queue_delayed_work(xvt_wq, &xvt_heartbeat_work,
			   msecs_to_jiffies(heartbeat_ms));
}

static u32 xvt_get_local_cid(void)
{
	return xvt_local_cid;
}

static bool xvt_seqpacket_allow(u32 remote_cid)
{
	return true;
}

static struct virtio_transport xvt_transport = {
	.transport = {
		.module                   = THIS_MODULE,

		.get_local_cid            = xvt_get_local_cid,

		.init                     = xvt_socket_init,
		.destruct                 = virtio_transport_destruct,
		.release                  = virtio_transport_release,
		.connect                  = virtio_transport_connect,
		.shutdown                 = virtio_transport_shutdown,
		.cancel_pkt               = xvt_cancel_pkt,

		.dgram_bind               = virtio_transport_dgram_bind,
		.dgram_dequeue            = virtio_transport_dgram_dequeue,
		.dgram_enqueue            = virtio_transport_dgram_enqueue,
		.dgram_allow              = virtio_transport_dgram_allow,

		.stream_dequeue           = xvt_stream_dequeue,
		.stream_enqueue           = xvt_stream_enqueue,
		.stream_has_data          = virtio_transport_stream_has_data,
		.stream_has_space         = xvt_stream_has_space,
		.stream_rcvhiwat          = virtio_transport_stream_rcvhiwat,
		.stream_is_active         = virtio_transport_stream_is_active,
		.stream_allow             = virtio_transport_stream_allow,

		.seqpacket_dequeue        = virtio_transport_seqpacket_dequeue,
		.seqpacket_enqueue        = xvt_seqpacket_enqueue,
		.seqpacket_allow          = xvt_seqpacket_allow,
		.seqpacket_has_data       = virtio_transport_seqpacket_has_data,

		.notify_poll_in           = xvt_notify_poll_in,
		.notify_poll_out          = virtio_transport_notify_poll_out,
		.notify_recv_init         = virtio_transport_notify_recv_init,
		.notify_recv_pre_block    = xvt_recv_pre_block,
		.notify_recv_pre_dequeue  = virtio_transport_notify_recv_pre_dequeue,
		.notify_recv_post_dequeue = virtio_transport_notify_recv_post_dequeue,
		.notify_send_init         = virtio_transport_notify_send_init,
		.notify_send_pre_block    = virtio_transport_notify_send_pre_block,
		.notify_send_pre_enqueue  = virtio_transport_notify_send_pre_enqueue,
		.notify_send_post_enqueue = virtio_transport_notify_send_post_enqueue,
		.notify_buffer_size       = virtio_transport_notify_buffer_size,
	},

	.send_pkt = xvt_send_pkt,
};

static int xvt_read_domid(void)
{
	int err;

	err = xenbus_scanf(XBT_NIL, "domid", "", "%u", &xvt_domid);
	if (err != 1)
		return err < 0 ? err : -EINVAL;
	if (xvt_domid >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	xvt_local_cid = (u64)xvt_domid + 2;
	snprintf(xvt_pub_dir, sizeof(xvt_pub_dir),
		 "/local/domain/%u/data/vsock", xvt_domid);
	snprintf(xvt_knock_dir, sizeof(xvt_knock_dir),
		 "/local/domain/%u/data/vsock-knock", xvt_domid);
	return 0;
}

static void xvt_peers_destroy(void)
{
	struct xvt_stale *st;
	struct xvt_peer *p;
	unsigned long i;

	xa_for_each(&xvt_peers, i, p) {
		if (xvt_peer_unlink(p, false))
			xvt_peer_free_work(&p->free_work);
	}
	xa_for_each(&xvt_stale, i, st)
		kfree(st);
	xa_destroy(&xvt_stale);
}

/*
 * Stop all that makes peers or runs for them, then free every peer: at
 * unload, and at a load that fails once the watches were set (an event
 * may have made a peer already).  @core: the transport was registered.
 */
static void xvt_stop(bool core)
{
	/*
	 * First: a work item still running (an event of a peer) must not
	 * make a new peer that xvt_peers_destroy() would not see.
	 */
	xa_lock_bh(&xvt_peers);
	xvt_exiting = true;
	xa_unlock_bh(&xvt_peers);
	if (core)
		vsock_core_unregister(&xvt_transport.transport);
	if (xvt_pub_watching)
		unregister_xenbus_watch(&xvt_pub_watch);
	unregister_xenbus_watch(&xvt_knock_watch);
	cancel_delayed_work_sync(&xvt_heartbeat_work);
	flush_workqueue(xvt_wq);	/* pending free_work */
	xvt_peers_destroy();
	destroy_workqueue(xvt_wq);
	xvt_settled_free();
	/* Still mapped by a peer: the grant table frees them once it lets go. */
	xvt_held_retry(DOMID_INVALID, true);
}

static int __init xvt_init(void)
{
	int err;

	BUILD_BUG_ON(sizeof(struct xvt_cb) >
		     sizeof_field(struct sk_buff, cb));
	if (!xen_domain())
		return -ENODEV;
	if (max_ring_pages > 256 || ring_pages < XVT_MIN_PAGES ||
	    ring_pages > max_ring_pages || !is_power_of_2(ring_pages) ||
	    !heartbeat_ms || !rx_budget)
		return -EINVAL;
	err = xvt_read_domid();
	if (err)
		return err;
	xvt_wq = alloc_ordered_workqueue("xen_vsock", 0);
	if (!xvt_wq)
		return -ENOMEM;
	err = register_xenbus_watch(&xvt_knock_watch);
	if (err)
		goto out_wq;
	/* Without it, only knocks bring peers: no reason to refuse to load. */
	xvt_pub_watching = !register_xenbus_watch(&xvt_pub_watch);
	if (!xvt_pub_watching)
		pr_warn("xen_vsock: cannot watch /local/domain: peers must knock\n");
	err = vsock_core_register(&xvt_transport.transport,
				  VSOCK_TRANSPORT_F_G2H);
	if (err) {
		xvt_stop(false);
		return err;
	}
	queue_delayed_work(xvt_wq, &xvt_heartbeat_work,
			   msecs_to_jiffies(heartbeat_ms));
	xvt_debugfs = debugfs_create_dir("xen_vsock", NULL);
	debugfs_create_file("stats", 0400, xvt_debugfs, NULL, &xvt_stats_fops);
	debugfs_create_file("ping", 0600, xvt_debugfs, NULL, &xvt_ping_fops);
	pr_info("xen_vsock: dom%u, CID %llu\n", xvt_domid, xvt_local_cid);
	return 0;

out_wq:
	destroy_workqueue(xvt_wq);
	return err;
}

static void __exit xvt_exit(void)
{
	debugfs_remove_recursive(xvt_debugfs);
	xvt_stop(true);
}

module_init(xvt_init);
module_exit(xvt_exit);
MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("AF_VSOCK transport between Xen guests over grant tables and event channels");
MODULE_ALIAS_NETPROTO(PF_VSOCK);
