// SPDX-License-Identifier: GPL-2.0
/*
 * xvtest: AF_VSOCK stream test program for the Xen transport harness.
 * Prints one "XVT RESULT PASS|FAIL NAME detail" line per client test.
 *
 *   xvtest server PORT              serve: E echo, S sink (reply "LEN SUM"),
 *                                   G generate (8-byte length), H (G, then
 *                                   hold the connection open), F flag
 *   xvtest echo NAME CID PORT SIZE
 *   xvtest send NAME CID PORT MB    stream MB, half-close, check LEN SUM
 *   xvtest recv NAME CID PORT MB    ask for MB, read to EOF, check (XVT_RSIZE,
 *                                   XVT_FRESH, XVT_PEEK: see read_gen)
 *   xvtest idle NAME CID PORT       one connection's data left unread must
 *                                   not stall another's (do_idle)
 *   xvtest slowread NAME CID PORT   nor one read slowly (do_slowread)
 *   xvtest unread NAME CID PORT     512 KiB left unread until the peer dies:
 *                                   then a read fails at once (do_unread)
 *   xvtest parallel NAME CID PORT N SIZE
 *   xvtest refused NAME CID PORT    expect ECONNRESET/ECONNREFUSED
 *   xvtest flag CID PORT TAG        create /tmp/flag-TAG in the server
 *   xvtest hold CID PORT SECS       keep an echo connection open
 *   xvtest unknock DOMID            delete that domain's knock directory
 *   xvtest send NAME CID PORT MB MAXS  the same; FAIL if one write() blocked
 *                                   longer than MAXS seconds (a lost wakeup)
 *   xvtest death NAME CID PORT [ON] stream until the peer dies: the error
 *                                   must come (ECONNRESET...) and not hang.
 *                                   After 1 MiB: without ON, print "XVT
 *                                   DESTROY-PEER CID" (dom0 destroys that
 *                                   domain); with ON, create the file ON
 *   xvtest survive NAME CID PORT ON FLAG MB  stream to the sink; after 1 MiB
 *                                   create ON; once FLAG exists, MB MiB more,
 *                                   then check the peer's LEN SUM: this
 *                                   connection must not be disturbed
 *   xvtest cid NAME CID PORT ME     our local CID (IOCTL_VM_SOCKETS_GET_LOCAL_CID)
 *                                   is ME, the connection's addresses are ME
 *                                   and CID on both ends (server command I)
 *   xvtest nonblock NAME CID PORT   O_NONBLOCK connect (EINPROGRESS), read and
 *                                   write (EAGAIN)
 *   xvtest poll NAME CID PORT       epoll/poll readiness for read and write
 *   xvtest timeo NAME CID PORT      SO_RCVTIMEO / SO_SNDTIMEO: EAGAIN after ~1 s
 *   xvtest peek NAME CID PORT       MSG_PEEK, then the same data read again
 *   xvtest backlog NAME CID PORT    listen(1) on the peer: extra connections
 *                                   are reset, accepted ones work
 *   xvtest shutwr NAME CID PORT     SHUT_WR: the peer reads EOF and answers
 *   xvtest shutrd NAME CID PORT     SHUT_RD: our reads give EOF at once, our
 *                                   writes still go, the peer's writes
 *                                   fail with EPIPE (it tells us: flag u)
 *   xvtest seqpacket NAME CID PORT SOCK_SEQPACKET to the server's PORT + 1:
 *                                   message boundaries kept, MSG_EOR carried,
 *                                   MSG_TRUNC, EMSGSIZE over the peer's buffer
 *   xvtest flood NAME CID PORT N    N non-blocking connects to PORT (where
 *                                   nothing listens), each closed at once:
 *                                   every one a REQUEST the peer answers
 *                                   with a RST (for flood-a2c)
 *   xvtest bufsize NAME CID PORT KB  xen_vsock's sock_buf_kb is KB: the
 *                                   default buffer of our sockets, not
 *                                   one the program set
 *   xvtest hostile NAME CID PORT M  the peer corrupts its ring (xen_vsock
 *                                   test_corrupt=M), or with M = 3 its
 *                                   root maps our ring through gntdev and
 *                                   corrupts its consumer index (server
 *                                   command M): our sockets to it get
 *                                   ECONNRESET, a new connection works
 *   xvtest synsent NAME CID PORT    dom0 pauses CID (XVT PAUSE-PEER), 200
 *                                   connects to it stay pending, dom0
 *                                   destroys it: every connect must end
 *                                   with ECONNRESET, not its timeout
 *   xvtest ping NAME CID PORT       xen_vsock's debugfs ping: bad requests
 *                                   refused, 20 event round trips with CID
 *   xvtest txqbound NAME CID PORT   12 connections, then the peer stops
 *                                   reading for 8 s: past the ring and
 *                                   txq_kb, writes get EAGAIN whatever
 *                                   credit is left; a blocking one is
 *                                   woken once the queue drains
 *   xvtest knock DOMID FIRST COUNT  forge COUNT knocks in DOMID's knock
 *                                   directory, naming domains FIRST...
 *                                   that published nothing (any domain
 *                                   may write there)
 *   xvtest forge NAME CID PORT CID2 the peer CID sends us a RST forged as
 *                                   from CID2 for our connection to CID2
 *                                   (xen_vsock test_forge): dropped and
 *                                   counted (rx_forged), the connection
 *                                   still echoes
 *
 *   xvtest bench CID PORT [IPV4|- [ROUNDS]]
 *                                   throughput and round-trip latency for
 *                                   message sizes 1 B .. 1 MiB, ROUNDS (3)
 *                                   rounds per size of: vsock, TCP to
 *                                   IPV4:PORT, vsock with lazy_credit,
 *                                   tx_batch, tx_direct and rx_direct off, and the
 *                                   same program over a UNIX socket pair
 *                                   here (local),
 *                                   in rotating order; at 1 B also the
 *                                   event round trip (xen_vsock's debugfs
 *                                   ping, root); "XVT BENCH-R" lines
 *   xvtest server PORT inet         the same server over TCP (IPv4, any address)
 *
 * The server also echoes SOCK_SEQPACKET messages on PORT + 1 (vsock only),
 * one message for one, with MSG_EOR as it came.
 * Server commands besides: N (as S, but counting only: bench's sink),
 * M (map the client's ring through gntdev, corrupt it: scribble_cons),
 * Z (read nothing until the peer hangs up),
 * L (backlog helper), W (read to EOF, then answer), X (set test_corrupt),
 * I (answer "peer=CID local=CID" as accept() and getsockname() see them),
 * R (read a byte, then write one: the client shut its reading side, so
 * EPIPE is expected; say how it went with flag u (EPIPE) or U (not) on
 * the client's server),
 * V (read "SRC SPORT DPORT\n", set test_forge to send the client's CID a
 * RST forged as from CID SRC, port SPORT, to its port DPORT),
 * K (set xen_vsock's lazy_credit, tx_batch, tx_direct and rx_direct to the next byte,
 * '0' or '1').
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/vm_sockets.h>
/* xen/gntdev.h (linux-libc-dev) uses these without defining them */
typedef uint32_t grant_ref_t;
typedef uint16_t domid_t;
#include <xen/gntdev.h>
#include <xen/io/xs_wire.h>
#include <sys/ioctl.h>

static const char *tname = "?";

static void result(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void result(int ok, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("XVT RESULT %s %s %s\n", ok ? "PASS" : "FAIL", tname, buf);
	fflush(stdout);
}

#define FAIL(...) do { result(0, __VA_ARGS__); return 1; } while (0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct gen { uint64_t s; };
#define GEN_G_SEED	0x12345678	/* the server's G stream (read_gen) */
static void gen_fill(struct gen *g, unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((g->s & 0x7) == 0)
			g->s ^= g->s << 13, g->s ^= g->s >> 7, g->s ^= g->s << 17;
		b[i] = (unsigned char)(g->s >> ((i & 7) * 8)) ^ (unsigned char)i;
	}
	g->s += n;
}

static uint64_t fnv(uint64_t h, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}
#define FNV0 0xcbf29ce484222325ULL

static int writeall(int fd, const void *b, size_t n)
{
	const char *p = b;

	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= r;
	}
	return 0;
}

static ssize_t readall(int fd, void *b, size_t n)
{
	char *p = b;
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += r;
	}
	return got;
}

/*
 * The TCP baseline of the benchmark (and "server PORT inet") runs the very
 * same code with the address family switched: when use_inet is set,
 * connections go to inet_peer:PORT over TCP and servers listen on TCP PORT.
 */
static int use_inet;
static struct in_addr inet_peer;

static int vconnect_once(unsigned int cid, unsigned int port)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port };
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr = inet_peer };
	int fd = socket(use_inet ? AF_INET : AF_VSOCK, SOCK_STREAM, 0);
	int rc;

	if (fd < 0)
		return -1;
	if (use_inet)
		rc = connect(fd, (struct sockaddr *)&in, sizeof(in));
	else
		rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
	if (rc) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The peer may still be booting: retry resets and timeouts for 90 s. */
static int vconnect(unsigned int cid, unsigned int port)
{
	double end = now() + 90;
	int fd;

	for (;;) {
		fd = vconnect_once(cid, port);
		if (fd >= 0 || now() > end ||
		    (errno != ECONNRESET && errno != ETIMEDOUT && errno != ECONNREFUSED))
			return fd;
		usleep(300000);
	}
}

/* --- server --- */

static int listen_on(unsigned int port, int backlog)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY,
				 .svm_port = port };
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	int l = socket(use_inet ? AF_INET : AF_VSOCK, SOCK_STREAM, 0), one = 1, rc = -1;

	if (l >= 0 && use_inet)
		rc = setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		     bind(l, (struct sockaddr *)&in, sizeof(in));
	else if (l >= 0)
		rc = bind(l, (struct sockaddr *)&a, sizeof(a));
	if (l < 0 || rc || listen(l, backlog)) {
		perror("xvtest listen");
		if (l >= 0)
			close(l);
		return -1;
	}
	return l;
}

static unsigned int srv_port;

/* Write VAL to xen_vsock's parameter NAME; 0 if it took it. */
static int set_param(const char *name, const char *val)
{
	char path[96];
	int p, bad;

	snprintf(path, sizeof(path), "/sys/module/xen_vsock/parameters/%s", name);
	p = open(path, O_WRONLY);
	bad = p < 0 || write(p, val, strlen(val)) != (ssize_t)strlen(val);
	if (bad)
		fprintf(stderr, "xvtest: %s=%s: %s\n", name, val, strerror(errno));
	if (p >= 0)
		close(p);
	return bad;
}

/*
 * xen_vsock's data path parameters here: MODE '1' (as loaded: the
 * defaults, or what make bench-xen's XVT_MODPARAMS set) or '0' (all off:
 * the data path before them, for the comparison in make bench-xen); 0 if
 * done. XVT_ON names them with their values as loaded, "name=value ..."
 * (domu-tests.sh reads them after the load).
 */
static int set_lazy_local(char mode)
{
	const char *on = getenv("XVT_ON");
	char name[32], val[16];
	int bad = !on || !*on, len;

	for (; on && sscanf(on, " %31[^= ]=%15s%n", name, val, &len) == 2; on += len)
		bad |= set_param(name, mode == '0' ? "0" : val);
	return bad;
}

/*
 * L: listen with backlog 1 on srv_port + 100 and say 'k'; on 'a' accept
 * (non-blocking) what is queued, send the count; then accept one more
 * (blocking, 30 s) and say 'k'.
 */
static void backlog_helper(int fd)
{
	int l = listen_on(srv_port + 100, 1), n = 0, c;
	unsigned char cnt, a;
	struct pollfd pf;

	if (l < 0 || writeall(fd, "k", 1) || readall(fd, &a, 1) != 1)
		goto out;
	fcntl(l, F_SETFL, O_NONBLOCK);
	while ((c = accept(l, NULL, NULL)) >= 0) {
		n++;
		close(c);
	}
	cnt = n;
	if (writeall(fd, &cnt, 1))
		goto out;
	pf = (struct pollfd){ .fd = l, .events = POLLIN };
	if (poll(&pf, 1, 30000) == 1 && (c = accept(l, NULL, NULL)) >= 0) {
		writeall(fd, "k", 1);
		close(c);
	}
out:
	if (l >= 0)
		close(l);
}

static int vcmd(unsigned int cid, unsigned int port, char cmd);

/* R: the client shut its reading side; our write must fail with EPIPE. */
static void shutrd_helper(int fd)
{
	struct sockaddr_vm pa = { 0 };
	socklen_t pl = sizeof(pa);
	char c, tag;
	int rc, e, f;

	if (readall(fd, &c, 1) != 1 || getpeername(fd, (struct sockaddr *)&pa, &pl))
		return;
	rc = write(fd, "z", 1);
	e = errno;
	tag = rc == -1 && e == EPIPE ? 'u' : 'U';
	if (tag == 'U')
		fprintf(stderr, "xvtest: write after the peer's SHUT_RD: %d (%s)\n",
			rc, rc < 0 ? strerror(e) : "sent");
	f = vcmd(pa.svm_cid, srv_port, 'F');
	if (f >= 0 && !writeall(f, &tag, 1))
		readall(f, &c, 1);
	if (f >= 0)
		close(f);
}

/*
 * One xenstore request through /dev/xen/xenbus: TYPE with PATH (and its
 * NUL), then VALUE if any; the answer, NUL-terminated, in BUF. 0 if
 * xenstored answered TYPE (not XS_ERROR).
 */
static int xs_op(uint32_t type, const char *path, const char *value,
		 char *buf, size_t size)
{
	size_t pl = strlen(path) + 1, vl = value ? strlen(value) : 0;
	struct xsd_sockmsg m = { .type = type, .req_id = 1, .len = pl + vl };
	int fd = open("/dev/xen/xenbus", O_RDWR), err = -1;

	if (fd < 0)
		return -1;
	if (!writeall(fd, &m, sizeof(m)) && !writeall(fd, path, pl) &&
	    (!vl || !writeall(fd, value, vl)) &&
	    readall(fd, &m, sizeof(m)) == sizeof(m) && m.type == type &&
	    m.len < size && readall(fd, buf, m.len) == (ssize_t)m.len) {
		buf[m.len] = 0;
		err = 0;
	}
	close(fd);
	return err;
}

/* A xenstore node, NUL-terminated in BUF; 0 if read. */
static int xs_read(const char *path, char *buf, size_t size)
{
	return xs_op(XS_READ, path, NULL, buf, size);
}

/* Write VALUE at PATH; 0 if xenstored took it. */
static int xs_write(const char *path, const char *value)
{
	char reply[64];

	return xs_op(XS_WRITE, path, value, reply, sizeof(reply));
}

/*
 * knock DOMID FIRST COUNT: what any domain may do, forge knocks: write
 * /local/domain/DOMID/data/vsock-knock/I for I = FIRST .. FIRST + COUNT - 1,
 * each naming a domain that published nothing (xen_vsock must ignore
 * them: knocks_ignored). Prints how many were written.
 */
static int do_knock(unsigned int domid, unsigned int first, unsigned int count)
{
	unsigned int i, ok = 0;
	char path[96];

	for (i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "/local/domain/%u/data/vsock-knock/%u",
			 domid, first + i);
		if (!xs_write(path, "1"))
			ok++;
	}
	printf("XVT knock: %u of %u written\n", ok, count);
	return ok == count ? 0 : 1;
}

/*
 * unknock DOMID: what any domain may do, delete another's knock directory
 * (/local/domain/DOMID/data/vsock-knock, writable by all so that peers can
 * knock; only dom0 can make it again). 0 if it was there and is gone.
 */
static int do_unknock(unsigned int domid)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/local/domain/%u/data/vsock-knock", domid);
	if (xs_read(path, buf, sizeof(buf))) {
		printf("XVT unknock: %s was not there\n", path);
		return 1;
	}
	if (xs_op(XS_RM, path, NULL, buf, sizeof(buf)) ||
	    !xs_read(path, buf, sizeof(buf))) {
		printf("XVT unknock: could not delete %s\n", path);
		return 1;
	}
	printf("XVT unknock: deleted %s\n", path);
	return 0;
}

/*
 * M: what a hostile peer's root can do without any module: map the
 * client's transmit ring to us (its control page, the first grant of its
 * publication) through /dev/xen/gntdev and write a consumer index far out
 * of range into it. Answers 'm' (mapped) or 'M' (could not), then keeps
 * the bogus index there for 2 s, so that the client's next transmission
 * meets it.
 */
static void scribble_cons(int fd)
{
	struct ioctl_gntdev_map_grant_ref map = { .count = 1 };
	struct ioctl_gntdev_unmap_grant_ref unmap = { .count = 1 };
	struct sockaddr_vm pa = { 0 }, la = { 0 };
	socklen_t pl = sizeof(pa), ll = sizeof(la);
	volatile uint32_t *ctrl = MAP_FAILED;
	unsigned int proto, nr, port, gref;
	static char pub[4096];
	char path[64], old_rt[32], tag = 'M';
	int g = -1, rt = -1;
	ssize_t n = 0;
	double end;

	if (getpeername(fd, (struct sockaddr *)&pa, &pl) ||
	    getsockname(fd, (struct sockaddr *)&la, &ll))
		goto out;
	snprintf(path, sizeof(path), "/local/domain/%u/data/vsock/%u",
		 pa.svm_cid - 2, la.svm_cid - 2);
	if (xs_read(path, pub, sizeof(pub)) ||
	    sscanf(pub, "%u %u %u %u", &proto, &nr, &port, &gref) != 4) {
		fprintf(stderr, "xvtest: scribble: cannot read %s\n", path);
		goto out;
	}
	g = open("/dev/xen/gntdev", O_RDWR);
	map.refs[0].domid = pa.svm_cid - 2;
	map.refs[0].ref = gref;
	if (g < 0 || ioctl(g, IOCTL_GNTDEV_MAP_GRANT_REF, &map)) {
		perror("xvtest: scribble: gntdev map");
		goto out;
	}
	ctrl = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, g, map.index);
	if (ctrl == MAP_FAILED) {
		perror("xvtest: scribble: mmap");
		goto out;
	}
	tag = 'm';
	printf("XVT scribble: dom%u's ring (gref %u): prod %u cons %u\n",
	       pa.svm_cid - 2, gref, ctrl[0], ctrl[2]);
	ctrl[2] = ctrl[0] + 0x40000000u;	/* cons: 1 GiB past prod */
	writeall(fd, &tag, 1);
	/*
	 * Our own kernel rewrites cons whenever it consumes a record of the
	 * client's: keep the CPU from it (this domain has one) while the
	 * client's next record meets the bogus index.
	 */
	rt = open("/proc/sys/kernel/sched_rt_runtime_us", O_RDWR);
	if (rt >= 0 && (n = read(rt, old_rt, sizeof(old_rt) - 1)) > 0) {
		old_rt[n] = 0;
		if (pwrite(rt, "-1\n", 3, 0) != 3)
			perror("xvtest: scribble: sched_rt_runtime_us");
	}
	if (sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){ .sched_priority = 1 }))
		perror("xvtest: scribble: SCHED_FIFO");
	end = now() + 2;
	while (now() < end)
		ctrl[2] = ctrl[0] + 0x40000000u;
	sched_setscheduler(0, SCHED_OTHER, &(struct sched_param){ .sched_priority = 0 });
	if (rt >= 0 && n > 0 && pwrite(rt, old_rt, strlen(old_rt), 0) < 0)
		perror("xvtest: scribble: sched_rt_runtime_us");
	printf("XVT scribble: after 2 s: prod %u cons %u\n", ctrl[0], ctrl[2]);
out:
	if (rt >= 0)
		close(rt);
	if (ctrl != MAP_FAILED)
		munmap((void *)ctrl, 4096);
	if (g >= 0) {
		unmap.index = map.index;
		ioctl(g, IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap);
		close(g);
	}
	if (tag == 'M')
		writeall(fd, &tag, 1);
}

/* The echo server's loop (also bench's local floor) */
/*
 * This domain's CPU time so far, all its CPUs, in ms, from /proc/stat:
 * busy (user, nice, system, irq, softirq), idle (with iowait), and stolen
 * (runnable, but Xen ran another vCPU). 0, or -1 if unreadable.
 */
struct cpu_ms {
	double busy, idle, steal;
};

static int cpu_read(struct cpu_ms *c)
{
	unsigned long long u, ni, sy, id, io, irq, sirq, st;
	double hz = sysconf(_SC_CLK_TCK) / 1000.0;
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &u, &ni,
		   &sy, &id, &io, &irq, &sirq, &st);
	fclose(f);
	if (n != 8)
		return -1;
	c->busy = (u + ni + sy + irq + sirq) / hz;
	c->idle = (id + io) / hz;
	c->steal = st / hz;
	return 0;
}

/* B - A into D; -1 in each if either is unknown */
static void cpu_diff(struct cpu_ms *d, const struct cpu_ms *a, int ea,
		     const struct cpu_ms *b, int eb)
{
	d->busy = ea || eb ? -1 : b->busy - a->busy;
	d->idle = ea || eb ? -1 : b->idle - a->idle;
	d->steal = ea || eb ? -1 : b->steal - a->steal;
}

static void serve_echo(int fd)
{
	static unsigned char buf[65536];
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) > 0)
		if (writeall(fd, buf, r))
			return;
}

static void serve(int fd)
{
	static unsigned char buf[65536];
	unsigned char cmd;
	ssize_t r;

	if (readall(fd, &cmd, 1) != 1)
		return;
	if (cmd == 'E') {
		int one = 1;

		/* TCP's best latency: no Nagle delay on the echo (vsock has none). */
		if (use_inet)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve_echo(fd);
	} else if (cmd == 'S' || cmd == 'N') {
		struct cpu_ms c0, c1, d;
		int e0 = cpu_read(&c0);
		uint64_t h = FNV0, n = 0;
		char out[128];

		/* N: count only (bench: a byte-wise hash would be the limit) */
		while ((r = read(fd, buf, sizeof(buf))) > 0) {
			if (cmd == 'S')
				h = fnv(h, buf, r);
			n += r;
		}
		if (r < 0)
			return;
		/* LEN SUM, and this domain's CPU time meanwhile (ms) */
		cpu_diff(&d, &c0, e0, &c1, cpu_read(&c1));
		snprintf(out, sizeof(out), "%llu %llx %.0f %.0f %.0f\n",
			 (unsigned long long)n, (unsigned long long)h, d.busy,
			 d.idle, d.steal);
		writeall(fd, out, strlen(out));
	} else if (cmd == 'G' || cmd == 'H') {
		uint64_t len;
		struct gen g = { GEN_G_SEED };
		struct pollfd pf = { .fd = fd, .events = POLLRDHUP };

		if (readall(fd, &len, 8) != 8)
			return;
		while (len) {
			size_t n = len < sizeof(buf) ? len : sizeof(buf);

			gen_fill(&g, buf, n);
			if (writeall(fd, buf, n))
				return;
			len -= n;
		}
		/* H: then keep the connection until the client hangs up */
		if (cmd == 'H')
			poll(&pf, 1, 300000);
	} else if (cmd == 'Z') {
		/* Read nothing: the client fills our buffer. Until it hangs up. */
		struct pollfd pf = { .fd = fd, .events = POLLRDHUP };

		poll(&pf, 1, 60000);
	} else if (cmd == 'W') {
		uint64_t n = 0;
		char out[32];
		struct gen g = { 99 };

		while ((r = read(fd, buf, sizeof(buf))) > 0)
			n += r;
		if (r < 0)
			return;
		/* EOF seen: we can still send. */
		snprintf(out, sizeof(out), "n=%llu\n", (unsigned long long)n);
		gen_fill(&g, buf, 65536);
		if (writeall(fd, out, strlen(out)) == 0)
			writeall(fd, buf, 65536);
	} else if (cmd == 'L') {
		backlog_helper(fd);
	} else if (cmd == 'X') {
		unsigned char mode;

		if (readall(fd, &mode, 1) != 1)
			return;
		set_param("test_corrupt", mode == 2 ? "2" : "1");
		writeall(fd, "k", 1);	/* triggers the corruption */
	} else if (cmd == 'M') {
		scribble_cons(fd);
	} else if (cmd == 'K') {
		char mode;

		if (readall(fd, &mode, 1) != 1)
			return;
		writeall(fd, set_lazy_local(mode) ? "e" : "k", 1);
	} else if (cmd == 'I') {
		struct sockaddr_vm pa = { 0 }, la = { 0 };
		socklen_t pl = sizeof(pa), ll = sizeof(la);
		char out[64];

		if (getpeername(fd, (struct sockaddr *)&pa, &pl) ||
		    getsockname(fd, (struct sockaddr *)&la, &ll))
			return;
		snprintf(out, sizeof(out), "peer=%u local=%u\n", pa.svm_cid, la.svm_cid);
		writeall(fd, out, strlen(out));
	} else if (cmd == 'R') {
		shutrd_helper(fd);
	} else if (cmd == 'V') {
		struct sockaddr_vm pa = { 0 };
		socklen_t pl = sizeof(pa);
		unsigned int src, sport, dport;
		char in[64] = "", out[80];
		size_t n = 0;

		while (n < sizeof(in) - 1 && readall(fd, in + n, 1) == 1 && in[n] != '\n')
			n++;
		in[n] = 0;
		if (sscanf(in, "%u %u %u", &src, &sport, &dport) != 3 ||
		    getpeername(fd, (struct sockaddr *)&pa, &pl))
			return;
		snprintf(out, sizeof(out), "%u:%u:%u:%u\n", pa.svm_cid, src, sport, dport);
		writeall(fd, set_param("test_forge", out) ? "e" : "k", 1);
	} else if (cmd == 'U') {
		/* Stop reading the client's ring (test_mute) for 8 s. */
		struct sockaddr_vm pa = { 0 };
		socklen_t pl = sizeof(pa);
		char val[16];

		if (getpeername(fd, (struct sockaddr *)&pa, &pl))
			return;
		snprintf(val, sizeof(val), "%u", pa.svm_cid - 2 + 1);
		writeall(fd, set_param("test_mute", val) ? "e" : "k", 1);
		sleep(8);
		set_param("test_mute", "0");
	} else if (cmd == 'F') {
		char path[64];
		unsigned char tag;

		if (readall(fd, &tag, 1) != 1)
			return;
		snprintf(path, sizeof(path), "/tmp/flag-%c", tag);
		close(open(path, O_CREAT | O_WRONLY, 0644));
		writeall(fd, "k", 1);
	}
}

/* PORT + 1: echo each SOCK_SEQPACKET message whole, MSG_EOR as received. */
static void seq_server(unsigned int port)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY,
				 .svm_port = port + 1 };
	static unsigned char buf[1 << 18];
	int l = socket(AF_VSOCK, SOCK_SEQPACKET, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 16)) {
		perror("xvtest seqpacket listen");
		return;
	}
	for (;;) {
		int fd = accept(l, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("seqpacket accept");
			return;
		}
		if (fork() == 0) {
			for (;;) {
				struct iovec iov = { buf, sizeof(buf) };
				struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
				ssize_t r = recvmsg(fd, &m, 0);

				if (r <= 0 || send(fd, buf, r, m.msg_flags & MSG_EOR) != r)
					break;
			}
			_exit(0);
		}
		close(fd);
	}
}

static int do_server(unsigned int port)
{
	int l = listen_on(port, 128);

	srv_port = port;
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (l < 0)
		return 1;
	printf("XVT server listening on %u\n", port);
	fflush(stdout);
	if (!use_inet && fork() == 0) {
		/* Gone with the server (the tests rmmod after killing it). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(l);
		seq_server(port);
		_exit(1);
	}
	for (;;) {
		int fd = accept(l, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("accept");
			return 1;
		}
		if (fork() == 0) {
			close(l);
			serve(fd);
			close(fd);
			_exit(0);
		}
		close(fd);
	}
}

/* --- clients --- */

static int echo_conn(unsigned int cid, unsigned int port, size_t size, char *why, size_t wl)
{
	unsigned char out[4096], in[4096];
	struct gen g = { 42 + size };
	int fd = vconnect(cid, port);

	if (fd < 0) {
		snprintf(why, wl, "connect: %s", strerror(errno));
		return -1;
	}
	if (writeall(fd, "E", 1))
		goto err;
	for (size_t done = 0; done < size;) {
		size_t n = size - done < sizeof(out) ? size - done : sizeof(out);

		gen_fill(&g, out, n);
		if (writeall(fd, out, n) || readall(fd, in, n) != (ssize_t)n)
			goto err;
		if (memcmp(in, out, n)) {
			snprintf(why, wl, "echoed data differs at %zu", done);
			close(fd);
			return -1;
		}
		done += n;
	}
	close(fd);
	return 0;
err:
	snprintf(why, wl, "i/o: %s", errno ? strerror(errno) : "short read");
	close(fd);
	return -1;
}

static int do_echo(unsigned int cid, unsigned int port, size_t size)
{
	char why[128];
	double t = now();
	int ok = echo_conn(cid, port, size, why, sizeof(why)) == 0;

	if (ok)
		result(1, "%zu bytes to CID %u and back in %.2fs", size, cid, now() - t);
	else
		result(0, "%s", why);
	return !ok;
}

static int do_send(unsigned int cid, unsigned int port, uint64_t mb, double maxblock)
{
	static unsigned char buf[1 << 20];
	struct gen g = { 777 };
	uint64_t len = mb << 20, h = FNV0, rn = 0, rh = 0;
	/* XVT_WSIZE: bytes per write(), a power of two, 4 KiB .. 1 MiB */
	const char *ws = getenv("XVT_WSIZE");
	size_t wsize = ws ? strtoul(ws, NULL, 0) : 65536;
	/*
	 * XVT_FRESH: each write() is from a new mapping of a memfd holding
	 * the data, so none of its pages is mapped yet: a sender's copy that
	 * cannot take page faults meets a fault on every page.
	 */
	int mfd = getenv("XVT_FRESH") ? memfd_create("xvt-fresh", 0) : -1;
	char reply[64] = "", blk[64] = "";
	double t, w, longest = 0;
	unsigned char *src;
	ssize_t r;
	int fd;

	if (wsize < 4096 || wsize > sizeof(buf) || (wsize & (wsize - 1)))
		return result(0, "bad XVT_WSIZE '%s'", ws), 1;
	if (getenv("XVT_FRESH") && mfd < 0)
		return result(0, "memfd_create: %s", strerror(errno)), 1;
	fd = vconnect(cid, port);
	if (fd < 0)
		return result(0, "connect: %s", strerror(errno)), 1;
	t = now();
	if (writeall(fd, "S", 1))
		goto err;
	for (uint64_t left = len; left; left -= wsize) {
		gen_fill(&g, buf, wsize);
		h = fnv(h, buf, wsize);
		src = buf;
		if (mfd >= 0) {
			if (pwrite(mfd, buf, wsize, 0) != (ssize_t)wsize)
				goto err;
			src = mmap(NULL, wsize, PROT_READ, MAP_SHARED, mfd, 0);
			if (src == MAP_FAILED)
				goto err;
		}
		w = now();
		r = writeall(fd, src, wsize);
		w = now() - w;
		if (mfd >= 0)
			munmap(src, wsize);
		if (r)
			goto err;
		if (w > longest)
			longest = w;
	}
	/* Half-close: we can still read the verdict after SHUT_WR. */
	if (shutdown(fd, SHUT_WR))
		goto err;
	r = readall(fd, reply, sizeof(reply) - 1);
	if (r <= 0)
		goto err;
	reply[r] = 0;
	if (sscanf(reply, "%llu %llx", (unsigned long long *)&rn, (unsigned long long *)&rh) != 2 ||
	    rn != len || rh != h) {
		result(0, "peer saw '%.40s', expected %llu %llx", reply,
		       (unsigned long long)len, (unsigned long long)h);
		return 1;
	}
	t = now() - t;
	if (maxblock > 0) {
		if (longest > maxblock) {
			result(0, "%llu MiB to CID %u, checksum ok, but one write blocked %.1fs (> %.0fs)",
			       (unsigned long long)mb, cid, longest, maxblock);
			return 1;
		}
		snprintf(blk, sizeof(blk), ", longest write %.2fs", longest);
	}
	result(1, "%llu MiB to CID %u, checksum ok, %.1f MiB/s%s", (unsigned long long)mb, cid,
	       mb / t, blk);
	close(fd);
	return 0;
err:
	result(0, "i/o: %s", strerror(errno));
	return 1;
}

/*
 * The server's G stream: gen_fill() in 64 KiB calls (its output depends
 * on how it is cut), handed out in pieces of any size.
 */
struct gen_stream { struct gen g; unsigned char blk[65536]; size_t off, n; };

/* GS at the start of a G stream. */
static void gen_stream_start(struct gen_stream *gs)
{
	gs->g.s = GEN_G_SEED;
	gs->off = gs->n = 0;
}

static void gen_take(struct gen_stream *gs, unsigned char *b, size_t n)
{
	while (n) {
		size_t k;

		if (gs->off == gs->n) {
			gen_fill(&gs->g, gs->blk, sizeof(gs->blk));
			gs->off = 0;
			gs->n = sizeof(gs->blk);
		}
		k = gs->n - gs->off < n ? gs->n - gs->off : n;
		memcpy(b, gs->blk + gs->off, k);
		gs->off += k;
		b += k;
		n -= k;
	}
}

/*
 * Read what the server's G sends on FD (LEN bytes, then EOF) and check it
 * against the generator; 0, or 1 with WHY set. Environment:
 * XVT_RSIZE  bytes per read() (1 .. 65536; default 65536)
 * XVT_FRESH  each read() into a new mapping of a memfd, so none of its
 *            pages is mapped yet: a copy to it that cannot take page
 *            faults meets one on every page
 * XVT_PEEK   before each read(), MSG_PEEK up to 3000 bytes: they must be
 *            the bytes the read() then returns
 */
static int read_gen(int fd, uint64_t len, char *why, size_t wn)
{
	static unsigned char buf[65536], ref[65536], pk[3000];
	const char *rs = getenv("XVT_RSIZE");
	size_t rsize = rs ? strtoul(rs, NULL, 0) : sizeof(buf);
	int mfd = getenv("XVT_FRESH") ? memfd_create("xvt-fresh", 0) : -1;
	int peek = getenv("XVT_PEEK") != NULL;
	static struct gen_stream gs;
	uint64_t got = 0;
	unsigned char *dst = buf;
	ssize_t r, p = 0;

	gen_stream_start(&gs);
	if (!rsize || rsize > sizeof(buf))
		return snprintf(why, wn, "bad XVT_RSIZE '%s'", rs), 1;
	if (getenv("XVT_FRESH") && (mfd < 0 || ftruncate(mfd, rsize)))
		return snprintf(why, wn, "memfd: %s", strerror(errno)), 1;
	for (;;) {
		if (peek) {
			p = recv(fd, pk, rsize < sizeof(pk) ? rsize : sizeof(pk),
				 MSG_PEEK);
			if (p < 0)
				return snprintf(why, wn, "MSG_PEEK: %s", strerror(errno)), 1;
		}
		if (mfd >= 0) {
			dst = mmap(NULL, rsize, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
			if (dst == MAP_FAILED)
				return snprintf(why, wn, "mmap: %s", strerror(errno)), 1;
		}
		r = readall(fd, dst, rsize);
		if (r > 0) {
			gen_take(&gs, ref, r);
			if (memcmp(dst, ref, r))
				return snprintf(why, wn, "data differs near byte %llu",
						(unsigned long long)got), 1;
			if (peek && (p > r || memcmp(pk, ref, p)))
				return snprintf(why, wn, "MSG_PEEK of %zd bytes at byte %llu differs from the read",
						p, (unsigned long long)got), 1;
		}
		if (mfd >= 0)
			munmap(dst, rsize);
		if (r < 0)
			return snprintf(why, wn, "i/o: %s", strerror(errno)), 1;
		got += r;
		if (r < (ssize_t)rsize)
			break;
	}
	if (mfd >= 0)
		close(mfd);
	if (got != len)
		return snprintf(why, wn, "got %llu bytes of %llu", (unsigned long long)got,
				(unsigned long long)len), 1;
	return 0;
}

/*
 * Ask the server to generate LEN bytes on a new connection (CMD G: then
 * close it; H: then keep it open).
 */
static int gen_conn(unsigned int cid, unsigned int port, uint64_t len, const char *cmd)
{
	int fd = vconnect(cid, port);

	if (fd >= 0 && (writeall(fd, cmd, 1) || writeall(fd, &len, 8))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int do_recv(unsigned int cid, unsigned int port, uint64_t mb)
{
	char why[128];
	double t = now();
	int fd = gen_conn(cid, port, mb << 20, "G");

	if (fd < 0)
		FAIL("connect: %s", strerror(errno));
	if (read_gen(fd, mb << 20, why, sizeof(why)))
		FAIL("%s", why);
	close(fd);
	t = now() - t;
	result(1, "%llu MiB from CID %u verified, %.1f MiB/s", (unsigned long long)mb, cid, mb / t);
	return 0;
}

/*
 * An idle reader must not stall the other connections from the same
 * peer: X asks for 4 MiB and reads none of it for a while, so its
 * records fill our receive ring (with rx_direct they stay there until
 * read), and Y then reads 16 MiB; only then is X read, and both are
 * checked.
 */
static int do_idle(unsigned int cid, unsigned int port)
{
	struct timeval tv = { .tv_sec = 30 };
	char why[128];
	double t;
	int x = gen_conn(cid, port, 4 << 20, "G"), y;

	if (x < 0)
		FAIL("connect X: %s", strerror(errno));
	sleep(2);
	t = now();
	y = gen_conn(cid, port, 16 << 20, "G");
	if (y < 0)
		FAIL("connect Y: %s", strerror(errno));
	/* a stall fails, it does not hang the run */
	setsockopt(y, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (read_gen(y, 16 << 20, why, sizeof(why)))
		FAIL("Y, while X was not read: %s", why);
	t = now() - t;
	if (read_gen(x, 4 << 20, why, sizeof(why)))
		FAIL("X, read after Y: %s", why);
	close(x);
	close(y);
	result(1, "16 MiB on Y in %.1fs while X's data sat unread, then X's 4 MiB, both verified", t);
	return 0;
}

/*
 * A reader that reads, but slowly, must not hold up the other connections
 * from the same peer (rx_defer): X asks for 4 MiB and reads 64 KiB every
 * 300 ms, so its records stay lent in our ring and receive runs ask for
 * no event while it has 4 or more; meanwhile Y runs an echo of 100 bytes
 * after each of X's reads, each within 3 s (SO_RCVTIMEO). Then X is read
 * to its end. Both checked byte for byte.
 */
static int do_slowread(unsigned int cid, unsigned int port)
{
	static unsigned char buf[65536], ref[65536];
	static struct gen_stream gs;
	struct timeval tv = { .tv_sec = 3 };
	unsigned char out[100], in[100];
	double t, worst = 0;
	uint64_t got = 0;
	int x = gen_conn(cid, port, 4 << 20, "G"), y;
	ssize_t r;

	if (x < 0)
		FAIL("connect X: %s", strerror(errno));
	y = vcmd(cid, port, 'E');
	if (y < 0)
		FAIL("connect Y: %s", strerror(errno));
	setsockopt(y, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	gen_stream_start(&gs);
	for (;;) {
		r = readall(x, buf, sizeof(buf));
		if (r < 0)
			FAIL("X: read: %s", strerror(errno));
		gen_take(&gs, ref, r);
		if (memcmp(buf, ref, r))
			FAIL("X: data differs near byte %llu", (unsigned long long)got);
		got += r;
		if (r < (ssize_t)sizeof(buf))
			break;
		if (got > (1 << 20))
			continue;	/* the rest at full speed */
		usleep(300000);
		memset(out, (int)(got >> 16), sizeof(out));
		t = now();
		errno = 0;
		if (writeall(y, out, sizeof(out)) ||
		    readall(y, in, sizeof(in)) != (ssize_t)sizeof(in))
			FAIL("Y: echo after %llu bytes of X: %s", (unsigned long long)got,
			     errno ? strerror(errno) : "short read");
		if (memcmp(in, out, sizeof(in)))
			FAIL("Y: echo after %llu bytes of X differs", (unsigned long long)got);
		if (now() - t > worst)
			worst = now() - t;
	}
	close(y);
	close(x);
	if (got != 4 << 20)
		FAIL("X: got %llu bytes of %u", (unsigned long long)got, 4 << 20);
	result(1, "16 echoes on Y while X was read 64 KiB per 300 ms (slowest %.0f ms), then X's 4 MiB, all verified",
	       worst * 1e3);
	return 0;
}

struct par { unsigned int cid, port; size_t size; int rc; char why[128]; };

static void *par_one(void *arg)
{
	struct par *p = arg;

	p->rc = echo_conn(p->cid, p->port, p->size, p->why, sizeof(p->why));
	return NULL;
}

static int do_parallel(unsigned int cid, unsigned int port, int n, size_t size)
{
	pthread_t th[256];
	struct par ps[256];
	int bad = 0, first = -1;
	double t = now();

	if (n > 256)
		n = 256;
	for (int i = 0; i < n; i++) {
		ps[i] = (struct par){ cid, port, size + i, 0, "" };
		pthread_create(&th[i], NULL, par_one, &ps[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		if (ps[i].rc) {
			bad++;
			if (first < 0)
				first = i;
		}
	}
	if (bad)
		result(0, "%d of %d connections failed, first: %s", bad, n, ps[first].why);
	else
		result(1, "%d concurrent echo connections of ~%zu bytes in %.2fs", n, size, now() - t);
	return bad != 0;
}

static int do_refused(unsigned int cid, unsigned int port)
{
	int fd = vconnect_once(cid, port);

	if (fd >= 0)
		return result(0, "connect to a port nobody listens on succeeded"), 1;
	if (errno != ECONNRESET && errno != ECONNREFUSED)
		return result(0, "connect failed with %s, expected ECONNRESET/ECONNREFUSED",
			      strerror(errno)), 1;
	result(1, "connect to CID %u port %u: %s", cid, port, strerror(errno));
	return 0;
}

static int do_flag(unsigned int cid, unsigned int port, char tag)
{
	char k;
	int fd = vconnect(cid, port);

	if (fd < 0 || writeall(fd, "F", 1) || writeall(fd, &tag, 1) || readall(fd, &k, 1) != 1) {
		fprintf(stderr, "xvtest flag %c: %s\n", tag, strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}

static int do_hold(unsigned int cid, unsigned int port, int secs)
{
	int fd = vconnect(cid, port);

	if (fd < 0 || writeall(fd, "E", 1))
		return 1;
	printf("XVT holding\n");
	fflush(stdout);
	sleep(secs);
	close(fd);
	return 0;
}

static void touch(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY, 0644);

	if (fd >= 0)
		close(fd);
}

static int do_death(unsigned int cid, unsigned int port, const char *on)
{
	static unsigned char buf[65536];
	struct timeval tv = { .tv_sec = 60 };
	uint64_t sent = 0;
	double t0 = 0;
	int fd = vconnect(cid, port);

	if (fd < 0)
		return result(0, "connect: %s", strerror(errno)), 1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	signal(SIGPIPE, SIG_IGN);
	if (writeall(fd, "S", 1))
		return result(0, "first write: %s", strerror(errno)), 1;
	for (;;) {
		ssize_t r = write(fd, buf, sizeof(buf));

		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			if (e == EAGAIN || e == ETIMEDOUT)
				return result(0, "write blocked for 60 s after the peer died"), 1;
			result(e == ECONNRESET || e == EPIPE || e == ENOTCONN,
			       "write to CID %u failed with %s %.1fs after the first MiB, %llu MiB sent",
			       cid, strerror(e), now() - t0, (unsigned long long)(sent >> 20));
			return !(e == ECONNRESET || e == EPIPE || e == ENOTCONN);
		}
		sent += r;
		if (!t0 && sent >= (1 << 20)) {
			t0 = now();
			if (on) {
				touch(on);
			} else {
				printf("XVT DESTROY-PEER %u\n", cid);
				fflush(stdout);
			}
		}
		if (t0 && now() - t0 > 120)
			return result(0, "peer still accepting data 120 s after the destroy request"), 1;
	}
}

/*
 * Data that sits unread when the peer dies: ask for 512 KiB (it fits in
 * the ring, so with rx_direct its records stay lent there, the producer
 * never waiting for room) and read nothing until the connection is
 * reset; then a read must fail at once, not hang or return data.
 */
static int do_unread(unsigned int cid, unsigned int port)
{
	struct timeval tv = { .tv_sec = 30 };
	struct pollfd pf;
	char b[4096];
	ssize_t r;
	int fd = gen_conn(cid, port, 512 << 10, "H");

	if (fd < 0)
		FAIL("connect: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	pf.fd = fd;
	pf.events = POLLRDHUP;	/* data does not wake us, a reset does */
	if (poll(&pf, 1, 300000) <= 0)
		FAIL("no reset in 300 s: the peer never died?");
	r = read(fd, b, sizeof(b));
	if (r > 0)
		FAIL("read %zd bytes after the reset", r);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		FAIL("a read after the reset waited 30 s");
	close(fd);
	result(1, "512 KiB left unread; after the peer died (poll: 0x%x) a read returned %zd (%s)",
	       pf.revents, r, r < 0 ? strerror(errno) : "EOF");
	return 0;
}

/*
 * A connecting socket whose REQUEST the peer got but never answered must
 * be reset when the peer dies, not wait for its connect timeout (15 s
 * here, then ETIMEDOUT): "XVT PAUSE-PEER CID" (dom0 pauses it; we see
 * that when our event pings time out), SYNSENT_CONNECTS non-blocking
 * connects (their REQUESTs sit in the paused peer's ring), 1 s without
 * an answer, then "XVT DESTROY-PEER CID": every connect must end with
 * ECONNRESET within 10 s. Before them, one connect with a 1 s timeout
 * must end with ETIMEDOUT and leave no REQUEST noted. (af_vsock
 * holds a non-blocking connect's socket, and so the transport module,
 * until that timeout: a longer one would keep xen_vsock from unloading
 * in the test after this one.)
 */
static int ping_run(unsigned int dom, unsigned int count, char *res, size_t size);

/* xen_vsock's debugfs counter NAME, or -1. */
static long long stat_now(const char *name)
{
	FILE *f = fopen("/sys/kernel/debug/xen_vsock/stats", "r");
	char key[64];
	long long v, found = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

/* Pending connects at once: more than the 128 REQUESTs in the ring a
 * peer's teardown once remembered (now 4096; those still queued are
 * answered with RST). */
#define SYNSENT_CONNECTS	200

static int do_synsent(unsigned int cid, unsigned int port)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port };
	struct timeval tmo = { .tv_sec = 15 };
	struct pollfd pfd[SYNSENT_CONNECTS];
	socklen_t len = sizeof(int);
	double t0 = now(), t;
	unsigned int i, left, reset = 0;
	long long noted;
	char res[200];
	int err;

	printf("XVT PAUSE-PEER %u\n", cid);
	fflush(stdout);
	while (!ping_run(cid - 2, 1, res, sizeof(res)))
		if (now() - t0 > 60)
			return result(0, "CID %u still answers pings 60 s after the pause request", cid), 1;
	/*
	 * One connect that times out (1 s) takes its REQUEST's note back:
	 * what a peer that answers nothing leaves noted stays bounded by the
	 * connects still waiting.
	 */
	noted = stat_now("requests_noted_now");
	pfd[0].fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	tmo.tv_sec = 1;
	if (pfd[0].fd < 0 ||
	    setsockopt(pfd[0].fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT,
		       &tmo, sizeof(tmo)))
		return result(0, "socket: %s", strerror(errno)), 1;
	if (!connect(pfd[0].fd, (struct sockaddr *)&a, sizeof(a)) ||
	    errno != ETIMEDOUT)
		return result(0, "a connect to the paused CID %u with a 1 s timeout: %s, not ETIMEDOUT",
			      cid, strerror(errno)), 1;
	close(pfd[0].fd);
	if (noted < 0 || stat_now("requests_noted_now") != noted)
		return result(0, "requests noted: %lld before a connect that timed out, %lld after",
			      noted, stat_now("requests_noted_now")), 1;
	tmo.tv_sec = 15;
	for (i = 0; i < SYNSENT_CONNECTS; i++) {
		pfd[i].fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK, 0);
		pfd[i].events = POLLOUT;
		if (pfd[i].fd < 0 ||
		    setsockopt(pfd[i].fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT,
			       &tmo, sizeof(tmo)))
			return result(0, "socket %u: %s", i, strerror(errno)), 1;
		if (!connect(pfd[i].fd, (struct sockaddr *)&a, sizeof(a)) ||
		    errno != EINPROGRESS)
			return result(0, "connect %u to the paused CID %u: %s, not EINPROGRESS",
				      i, cid, strerror(errno)), 1;
	}
	if (poll(pfd, SYNSENT_CONNECTS, 1000) != 0)
		return result(0, "the paused CID %u answered a connect", cid), 1;
	printf("XVT DESTROY-PEER %u\n", cid);
	fflush(stdout);
	t = now();
	/* Each must end, with ECONNRESET, well before its 15 s timeout. */
	for (left = SYNSENT_CONNECTS; left && now() - t < 30;) {
		if (poll(pfd, SYNSENT_CONNECTS, 1000) < 0)
			return result(0, "poll: %s", strerror(errno)), 1;
		for (i = 0; i < SYNSENT_CONNECTS; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			err = 0;
			if (getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &len))
				return result(0, "SO_ERROR: %s", strerror(errno)), 1;
			if (err == ECONNRESET && now() - t < 10)
				reset++;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			left--;
		}
	}
	return result(reset == SYNSENT_CONNECTS,
		      "%u of %u pending connects ended with ECONNRESET within 10 s of the destroy request (%u still connecting after %.1fs)",
		      reset, SYNSENT_CONNECTS, left, now() - t),
	       reset != SYNSENT_CONNECTS;
}

/*
 * A stream to the sink that must not be disturbed while another domain dies:
 * after 1 MiB create ON; once FLAG exists (the other domain is gone), MB_AFTER
 * MiB more, then the peer's length and checksum must match.
 */
static int do_survive(unsigned int cid, unsigned int port, const char *on,
		      const char *flag, uint64_t mb_after)
{
	static unsigned char buf[65536];
	struct gen g = { 4242 };
	uint64_t sent = 0, before = 0, h = FNV0, rn = 0, rh = 0;
	char reply[64] = "";
	double t = now(), tf = 0;
	ssize_t r;
	int fd = vconnect(cid, port);

	if (fd < 0)
		FAIL("connect: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	if (writeall(fd, "S", 1))
		FAIL("first write: %s", strerror(errno));
	for (;;) {
		if (!before && !access(flag, F_OK)) {
			before = sent;
			tf = now();
		}
		if (before && sent >= before + (mb_after << 20))
			break;
		if (!before && now() - t > 240)
			FAIL("%s never appeared (%llu MiB sent)", flag,
			     (unsigned long long)(sent >> 20));
		gen_fill(&g, buf, sizeof(buf));
		h = fnv(h, buf, sizeof(buf));
		if (writeall(fd, buf, sizeof(buf)))
			FAIL("write after %llu MiB%s: %s", (unsigned long long)(sent >> 20),
			     before ? " (after the other domain died)" : "", strerror(errno));
		sent += sizeof(buf);
		if (sent == (1 << 20))
			touch(on);
	}
	if (shutdown(fd, SHUT_WR))
		FAIL("shutdown: %s", strerror(errno));
	r = readall(fd, reply, sizeof(reply) - 1);
	if (r <= 0)
		FAIL("no verdict from the peer: %s", r < 0 ? strerror(errno) : "EOF");
	reply[r] = 0;
	if (sscanf(reply, "%llu %llx", (unsigned long long *)&rn, (unsigned long long *)&rh) != 2 ||
	    rn != sent || rh != h)
		FAIL("peer saw '%.40s', expected %llu %llx", reply, (unsigned long long)sent,
		     (unsigned long long)h);
	close(fd);
	result(1, "to CID %u: %llu MiB before the other domain died, %llu MiB in %.1fs after, checksum ok",
	       cid, (unsigned long long)(before >> 20),
	       (unsigned long long)((sent - before) >> 20), now() - tf);
	return 0;
}

/* Local CID (the ioctl), and both ends' view of one connection. */
/*
 * xen_vsock's sock_buf_kb (KB here): a socket connected with af_vsock's
 * default buffer gets KB KiB; one whose program set 100000 bytes before
 * connect keeps it; a later setsockopt still works.
 */
static int do_bufsize(unsigned int cid, unsigned int port, unsigned long kb)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port };
	unsigned long long v1 = 0, v2 = 0, v3 = 0, set = 100000, later = 200000;
	socklen_t l = sizeof(v1);
	int fd = vconnect(cid, port), fd2;

	if (fd < 0)
		return result(0, "connect: %s", strerror(errno)), 1;
	if (getsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &v1, &l))
		return result(0, "getsockopt: %s", strerror(errno)), 1;
	fd2 = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (fd2 < 0 || setsockopt(fd2, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &set, sizeof(set)) ||
	    connect(fd2, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockopt(fd2, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &v2, &l) ||
	    setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &later, sizeof(later)) ||
	    getsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &v3, &l))
		return result(0, "second socket: %s", strerror(errno)), 1;
	close(fd);
	close(fd2);
	if (v1 != kb * 1024 || v2 != set || v3 != later)
		return result(0, "buffer %llu (expected %lu), set before connect %llu (expected %llu), set after %llu (expected %llu)",
			      v1, kb * 1024, v2, set, v3, later), 1;
	return result(1, "default buffer %llu, set before connect kept %llu, set after %llu",
		      v1, v2, v3), 0;
}

static int do_cid(unsigned int cid, unsigned int port, unsigned int me)
{
	struct sockaddr_vm la = { 0 }, pa = { 0 };
	socklen_t ll = sizeof(la), pl = sizeof(pa);
	unsigned int local = 0, speer = 0, slocal = 0;
	char reply[64] = "";
	int dev = open("/dev/vsock", O_RDONLY), fd;
	ssize_t r;

	if (dev < 0 || ioctl(dev, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &local))
		FAIL("IOCTL_VM_SOCKETS_GET_LOCAL_CID: %s", strerror(errno));
	close(dev);
	if (local != me)
		FAIL("local CID %u, expected %u (domain ID + 2)", local, me);
	fd = vconnect(cid, port);
	if (fd < 0)
		FAIL("connect: %s", strerror(errno));
	/* A client's own address stays what connect() bound: VMADDR_CID_ANY. */
	if (getsockname(fd, (struct sockaddr *)&la, &ll) ||
	    getpeername(fd, (struct sockaddr *)&pa, &pl))
		FAIL("getsockname/getpeername: %s", strerror(errno));
	if (la.svm_cid == VMADDR_CID_ANY)
		la.svm_cid = me;
	if (writeall(fd, "I", 1) || (r = readall(fd, reply, sizeof(reply) - 1)) <= 0)
		FAIL("asking the peer: %s", strerror(errno));
	reply[r] = 0;
	close(fd);
	if (sscanf(reply, "peer=%u local=%u", &speer, &slocal) != 2)
		FAIL("peer answered '%.40s'", reply);
	if (la.svm_cid != me || pa.svm_cid != cid || speer != me || slocal != cid)
		FAIL("here %u -> %u, the peer sees %u -> %u; expected %u -> %u", la.svm_cid,
		     pa.svm_cid, speer, slocal, me, cid);
	result(1, "local CID %u; CID %u sees our connection come from CID %u", local, cid, speer);
	return 0;
}

/* --- socket semantics --- */


/* Connect and send the one-byte server command. */
static int vcmd(unsigned int cid, unsigned int port, char cmd)
{
	int fd = vconnect(cid, port);

	if (fd >= 0 && writeall(fd, &cmd, 1)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Non-blocking writes of 64 KiB until EAGAIN; bytes written, -1 on error. */
static long long fill_nb(int fd)
{
	static unsigned char buf[65536];
	long long total = 0;

	while (total < (64LL << 20)) {
		ssize_t r = send(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (r < 0)
			return errno == EAGAIN ? total : -1;
		total += r;
	}
	errno = 0;
	return -1;
}

static int do_nonblock(unsigned int cid, unsigned int port)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port };
	struct pollfd pf;
	socklen_t sl = sizeof(int);
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK, 0), err = -1, rc;
	long long filled;
	char c;

	if (fd < 0)
		FAIL("socket: %s", strerror(errno));
	rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
	if (rc == 0 || errno != EINPROGRESS)
		FAIL("non-blocking connect returned %d (%s), expected EINPROGRESS", rc,
		     rc ? strerror(errno) : "ok");
	pf = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&pf, 1, 30000) != 1)
		FAIL("connect did not complete in 30 s");
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) || err)
		FAIL("SO_ERROR after connect: %s", strerror(err));
	if (writeall(fd, "Z", 1))
		FAIL("write: %s", strerror(errno));
	rc = read(fd, &c, 1);
	if (rc != -1 || errno != EAGAIN)
		FAIL("read with nothing to read: %d (%s), expected EAGAIN", rc, strerror(errno));
	filled = fill_nb(fd);
	if (filled < 0)
		FAIL("writes to a peer that does not read: %s, expected EAGAIN",
		     errno ? strerror(errno) : "64 MiB accepted");
	/* Still EAGAIN when tried again, and the plain write(2) path too. */
	rc = write(fd, &c, 1);
	if (rc != -1 || errno != EAGAIN)
		FAIL("second write when full: %d (%s), expected EAGAIN", rc, strerror(errno));
	close(fd);
	result(1, "connect EINPROGRESS then ok, read EAGAIN, write EAGAIN after %lld KiB",
	       filled >> 10);
	return 0;
}

static int do_poll(unsigned int cid, unsigned int port)
{
	struct epoll_event ev, got[4];
	char in[8];
	int ep = epoll_create1(0), fd = vcmd(cid, port, 'E'), n;
	double t;

	if (ep < 0 || fd < 0)
		FAIL("setup: %s", strerror(errno));
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = fd };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		FAIL("epoll_ctl: %s", strerror(errno));
	n = epoll_wait(ep, got, 4, 300);
	if (n != 0)
		FAIL("epoll: readable (%d) with nothing sent", n);
	ev.events = EPOLLIN | EPOLLOUT;
	epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
	n = epoll_wait(ep, got, 4, 1000);
	if (n != 1 || !(got[0].events & EPOLLOUT) || (got[0].events & EPOLLIN))
		FAIL("epoll: expected writable only, got n=%d events %#x", n, n > 0 ? got[0].events : 0);
	ev.events = EPOLLIN;
	epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
	if (writeall(fd, "ping", 4))
		FAIL("write: %s", strerror(errno));
	t = now();
	n = epoll_wait(ep, got, 4, 20000);
	if (n != 1 || !(got[0].events & EPOLLIN))
		FAIL("epoll: not readable 20 s after the echo request");
	t = now() - t;
	if (read(fd, in, sizeof(in)) <= 0)
		FAIL("read after EPOLLIN: %s", strerror(errno));
	close(fd);
	/*
	 * Not checked: that poll(2) says a full socket is not writable.
	 * A credit update in flight makes it writable again at any moment,
	 * so under load the check failed without a bug.
	 */
	close(ep);
	result(1, "epoll IN/OUT as expected (echo readable after %.2fs)",
	       t);
	return 0;
}

static int do_timeo(unsigned int cid, unsigned int port)
{
	static unsigned char buf[65536];
	struct timeval tv = { .tv_sec = 1 };
	int fd = vcmd(cid, port, 'E'), fz, rc;
	long long total = 0;
	double t, tr, tw = 0;
	char c;

	if (fd < 0)
		FAIL("connect: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	t = now();
	rc = read(fd, &c, 1);
	tr = now() - t;
	if (rc != -1 || errno != EAGAIN)
		FAIL("read with SO_RCVTIMEO: %d (%s), expected EAGAIN", rc, strerror(errno));
	if (tr < 0.9 || tr > 15)
		FAIL("SO_RCVTIMEO of 1 s returned after %.2fs", tr);
	close(fd);
	fz = vcmd(cid, port, 'Z');
	if (fz < 0)
		FAIL("connect: %s", strerror(errno));
	setsockopt(fz, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (;;) {
		t = now();
		rc = write(fz, buf, sizeof(buf));
		tw = now() - t;
		if (rc < 0)
			break;
		total += rc;
		if (total > (64LL << 20))
			FAIL("64 MiB written to a peer that does not read");
	}
	if (errno != EAGAIN)
		FAIL("write with SO_SNDTIMEO failed with %s, expected EAGAIN", strerror(errno));
	if (tw < 0.9 || tw > 15)
		FAIL("SO_SNDTIMEO of 1 s returned after %.2fs", tw);
	close(fz);
	result(1, "read EAGAIN after %.2fs, write EAGAIN after %.2fs (%lld KiB buffered)", tr, tw,
	       total >> 10);
	return 0;
}

static int do_peek(unsigned int cid, unsigned int port)
{
	static const char msg[] = "Ehello, peek";	/* E: echo */
	struct timeval tv = { .tv_sec = 0, .tv_usec = 500000 };
	char a[16] = "", b[16] = "";
	int fd = vconnect(cid, port), rc = 0;
	double end = now() + 20;

	if (fd < 0 || writeall(fd, msg, sizeof(msg) - 1))
		FAIL("connect/write: %s", strerror(errno));
	while (now() < end) {	/* until the whole echo is there */
		rc = recv(fd, a, 11, MSG_PEEK);
		if (rc == 11 || rc <= 0)
			break;
		usleep(50000);
	}
	if (rc != 11 || memcmp(a, msg + 1, 11))
		FAIL("MSG_PEEK returned %d '%.11s'", rc, a);
	memset(a, 0, sizeof(a));
	if (recv(fd, a, 5, MSG_PEEK) != 5 || memcmp(a, "hello", 5))
		FAIL("second MSG_PEEK returned '%.5s'", a);
	if (readall(fd, b, 11) != 11 || memcmp(b, msg + 1, 11))
		FAIL("read after peek returned '%.11s'", b);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	rc = recv(fd, a, 1, MSG_PEEK);
	if (rc != -1 || errno != EAGAIN)
		FAIL("MSG_PEEK after reading everything: %d, expected EAGAIN", rc);
	close(fd);
	result(1, "peeked 11 then 5 bytes, read the same 11 bytes, then nothing left");
	return 0;
}

static int do_backlog(unsigned int cid, unsigned int port)
{
	int ctl = vcmd(cid, port, 'L'), fds[4], ok = 0, refused = 0, other = 0, last = 0, f;
	unsigned char k = 0, cnt = 0;

	if (ctl < 0 || readall(ctl, &k, 1) != 1 || k != 'k')
		FAIL("backlog helper did not start: %s", strerror(errno));
	for (int i = 0; i < 4; i++) {
		fds[i] = vconnect_once(cid, port + 100);
		if (fds[i] >= 0)
			ok++;
		else if (errno == ECONNRESET || errno == ECONNREFUSED)
			refused++;
		else
			other++, last = errno;
	}
	if (writeall(ctl, "a", 1) || readall(ctl, &cnt, 1) != 1)
		FAIL("backlog helper: %s", strerror(errno));
	f = vconnect_once(cid, port + 100);
	if (f < 0)
		FAIL("connect after the queue was drained: %s", strerror(errno));
	if (readall(ctl, &k, 1) != 1 || k != 'k')
		FAIL("the connection after the drain was not accepted");
	close(f);
	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(ctl);
	if (other)
		FAIL("a connect beyond the backlog failed with %s", strerror(last));
	if (ok < 1 || refused < 1 || cnt != ok)
		FAIL("backlog 1: %d connected, %d refused, %u accepted", ok, refused, cnt);
	result(1, "listen(1): %d connected and accepted, %d reset, then a new one accepted",
	       ok, refused);
	return 0;
}

/* One message of SOCK_SEQPACKET: length, flags and bytes as expected. */
static int seq_recv_check(int fd, const unsigned char *want, size_t len, int eor,
			  char *why, size_t wl)
{
	static unsigned char in[1 << 18];
	struct iovec iov = { in, sizeof(in) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r = recvmsg(fd, &m, 0);

	if (r < 0)
		return snprintf(why, wl, "recvmsg: %s", strerror(errno)), -1;
	if ((size_t)r != len)
		return snprintf(why, wl, "message of %zu bytes came as %zd", len, r), -1;
	if (memcmp(in, want, len))
		return snprintf(why, wl, "message of %zu bytes: wrong contents", len), -1;
	if (!!(m.msg_flags & MSG_EOR) != eor || (m.msg_flags & MSG_TRUNC))
		return snprintf(why, wl, "message of %zu bytes: flags %#x, MSG_EOR expected %d",
				len, m.msg_flags, eor), -1;
	return 0;
}

static int do_seqpacket(unsigned int cid, unsigned int port)
{
	/* All queued before any is read back: the total stays below the
	 * default 256 KiB receive buffer, so the echo never blocks. */
	static const size_t sizes[] = { 1, 1000, 65536, 65537, 100000, 7 };
	/* big: over the peer's receive buffer, whatever its sock_buf_kb (<= 16 MiB) */
	static unsigned char out[6][100000], big[(16 << 20) + 4096], in[1000];
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port + 1 };
	double end = now() + 90;
	char why[160];
	size_t k;
	ssize_t r;
	int fd, big_err;

	for (;;) {	/* the peer's server may still be starting */
		fd = socket(AF_VSOCK, SOCK_SEQPACKET, 0);
		if (fd < 0)
			FAIL("socket(AF_VSOCK, SOCK_SEQPACKET): %s", strerror(errno));
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			break;
		if ((errno != ECONNRESET && errno != ETIMEDOUT && errno != ECONNREFUSED) ||
		    now() > end)
			FAIL("connect: %s", strerror(errno));
		close(fd);
		usleep(300000);
	}
	/* Boundaries and MSG_EOR: six messages back to back (two of them
	 * larger than one 64 KiB packet), MSG_EOR on every other one. */
	for (k = 0; k < 6; k++) {
		struct gen g = { 1000 + k };

		gen_fill(&g, out[k], sizes[k]);
		r = send(fd, out[k], sizes[k], (k & 1) ? MSG_EOR : 0);
		if (r != (ssize_t)sizes[k])
			FAIL("send of %zu bytes: %zd (%s)", sizes[k], r, strerror(errno));
	}
	for (k = 0; k < 6; k++)
		if (seq_recv_check(fd, out[k], sizes[k], k & 1, why, sizeof(why)))
			FAIL("%s", why);
	/* MSG_TRUNC: a short buffer gets the head and the flag, the rest of
	 * that message is dropped; with MSG_TRUNC in flags, the real length. */
	if (send(fd, out[1], 1000, 0) != 1000)
		FAIL("send: %s", strerror(errno));
	{
		struct iovec iov = { in, 100 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

		r = recvmsg(fd, &m, 0);
		if (r != 100 || !(m.msg_flags & MSG_TRUNC) || memcmp(in, out[1], 100))
			FAIL("1000-byte message into 100 bytes: %zd, flags %#x, expected 100 and MSG_TRUNC",
			     r, m.msg_flags);
	}
	if (send(fd, out[1], 1000, 0) != 1000)
		FAIL("send: %s", strerror(errno));
	r = recv(fd, in, 100, MSG_TRUNC);
	if (r != 1000)
		FAIL("recv(100, MSG_TRUNC) of a 1000-byte message: %zd, expected 1000", r);
	if (send(fd, out[0], 1, 0) != 1 ||
	    seq_recv_check(fd, out[0], 1, 0, why, sizeof(why)))
		FAIL("the message after the truncated ones: %s", why);
	/*
	 * Larger than the peer's receive buffer: refused whole, nothing sent
	 * (the next message comes back alone). The transport says EMSGSIZE;
	 * 6.1's af_vsock reports every enqueue error as ENOMEM (later
	 * kernels pass EMSGSIZE on).
	 */
	r = send(fd, big, sizeof(big), 0);
	big_err = errno;
	if (r != -1 || (big_err != EMSGSIZE && big_err != ENOMEM))
		FAIL("send of %zu bytes: %zd (%s), expected EMSGSIZE (ENOMEM on 6.1)",
		     sizeof(big), r, r < 0 ? strerror(big_err) : "sent");
	if (send(fd, out[5], 7, MSG_EOR) != 7 ||
	    seq_recv_check(fd, out[5], 7, 1, why, sizeof(why)))
		FAIL("after EMSGSIZE: %s", why);
	close(fd);
	result(1, "6 messages (1 B..100000 B) kept whole, MSG_EOR carried, MSG_TRUNC, %zu B refused (%s)",
	       sizeof(big), strerror(big_err));
	return 0;
}

static int do_shutwr(unsigned int cid, unsigned int port)
{
	static unsigned char buf[65536], ref[65536];
	struct gen g = { 99 };
	char head[16] = "";
	int fd = vcmd(cid, port, 'W'), rc, i = 0;
	ssize_t got;

	if (fd < 0)
		FAIL("connect: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	memset(buf, 'w', 1000);
	if (writeall(fd, buf, 1000) || shutdown(fd, SHUT_WR))
		FAIL("write/shutdown: %s", strerror(errno));
	rc = write(fd, buf, 1);
	if (rc != -1 || errno != EPIPE)
		FAIL("write after SHUT_WR: %d (%s), expected EPIPE", rc, strerror(errno));
	do {	/* "n=1000\n" */
		if (read(fd, head + i, 1) != 1)
			FAIL("reading the answer: %s", strerror(errno));
	} while (head[i++] != '\n' && i < 15);
	if (strcmp(head, "n=1000\n"))
		FAIL("peer saw '%s' before EOF, expected n=1000", head);
	got = readall(fd, buf, sizeof(buf));
	gen_fill(&g, ref, sizeof(ref));
	if (got != (ssize_t)sizeof(buf) || memcmp(buf, ref, sizeof(buf)))
		FAIL("answer after EOF: %zd bytes or wrong data", got);
	if (read(fd, buf, 1) != 0)
		FAIL("no EOF after the answer");
	close(fd);
	result(1, "peer read 1000 bytes then EOF and sent 64 KiB back; write after SHUT_WR: EPIPE");
	return 0;
}

/*
 * SHUT_RD: reads give EOF at once, writes still go; the peer's writes
 * fail with EPIPE (its R handler tells our server: flag u; flag r is
 * taken).
 */
static int do_shutrd(unsigned int cid, unsigned int port)
{
	struct timeval tv = { .tv_sec = 5 };
	int fd, rc, e;
	double end;
	char c;

	unlink("/tmp/flag-u");
	unlink("/tmp/flag-U");
	fd = vcmd(cid, port, 'R');
	if (fd < 0)
		FAIL("connect: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (shutdown(fd, SHUT_RD))
		FAIL("shutdown(SHUT_RD): %s", strerror(errno));
	rc = read(fd, &c, 1);
	e = errno;
	if (rc != 0)
		FAIL("read after SHUT_RD: %d (%s), expected 0 (EOF) at once",
		     rc, rc < 0 ? strerror(e) : "data");
	if (writeall(fd, "x", 1))
		FAIL("write after SHUT_RD: %s", strerror(errno));
	for (end = now() + 15; now() < end; usleep(50000)) {
		if (!access("/tmp/flag-U", F_OK))
			FAIL("the peer's write after our SHUT_RD did not fail with EPIPE");
		if (!access("/tmp/flag-u", F_OK))
			break;
	}
	if (access("/tmp/flag-u", F_OK))
		FAIL("no word from the peer in 15 s");
	close(fd);
	result(1, "read after SHUT_RD: EOF at once; our write went; the peer's write: EPIPE");
	return 0;
}

static long long fill_nb(int fd);

/*
 * txqbound: 12 connections to the peer's Z (reads nothing), then the peer
 * stops reading our ring for 8 s (server command U). Each connection may
 * send 1 MiB on credit: 12 MiB in all, more than the ring (1 MiB) and
 * txq_kb (4 MiB) hold: past txq_kb queued for the peer, non-blocking
 * writes must get EAGAIN however much credit is left. Then a blocking
 * write on the last connection (credit left, no room) must complete
 * once the peer reads again and our queue drains: the writer is woken
 * (nothing else would wake it: the peer never reads that connection).
 */
#define TXQ_CONNS 12
static int do_txqbound(unsigned int cid, unsigned int port)
{
	struct timeval tv = { .tv_sec = 20 };
	static char buf[65536];
	long long sent = 0, got;
	int s[TXQ_CONNS], ctl, i;
	double t;
	char c;

	for (i = 0; i < TXQ_CONNS; i++)
		if ((s[i] = vcmd(cid, port, 'Z')) < 0)
			FAIL("connection %d: %s", i, strerror(errno));
	ctl = vcmd(cid, port, 'U');
	if (ctl < 0 || readall(ctl, &c, 1) != 1 || c != 'k')
		FAIL("the peer could not stop reading our ring");
	t = now();
	for (i = 0; i < TXQ_CONNS; i++) {
		got = fill_nb(s[i]);
		if (got < 0)
			FAIL("connection %d: %s", i, errno ? strerror(errno) : "took 64 MiB");
		sent += got;
	}
	printf("XVT txqbound: %lld KiB taken on %d connections\n", sent >> 10,
	       TXQ_CONNS);
	if (sent > (7LL << 20))
		FAIL("%lld KiB taken for a peer that reads nothing: more than its ring and txq_kb",
		     sent >> 10);
	setsockopt(s[TXQ_CONNS - 1], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(buf, 'q', sizeof(buf));
	if (write(s[TXQ_CONNS - 1], buf, 4096) != 4096)
		FAIL("a blocking write after the peer read again: %s (%.1f s after it stopped)",
		     strerror(errno), now() - t);
	t = now() - t;
	for (i = 0; i < TXQ_CONNS; i++)
		close(s[i]);
	close(ctl);
	if (t > 16)
		FAIL("the blocking write took %.1f s: woken by its timeout, not the drain", t);
	result(1, "%lld KiB taken (ring and txq_kb), then EAGAIN; a blocking write done %.1f s after the peer stopped reading",
	       sent >> 10, t);
	return 0;
}

static int do_hostile(unsigned int cid, unsigned int port, int mode)
{
	struct timeval tv = { .tv_sec = 30 };
	char c, why[128];
	int held = vcmd(cid, port, 'E'), ctl, rc, e;
	double t;

	if (held < 0 || writeall(held, "x", 1) || readall(held, &c, 1) != 1)
		FAIL("setup: %s", strerror(errno));
	ctl = vconnect(cid, port);
	if (mode == 3) {
		/* The peer's root corrupts the consumer index of our ring. */
		if (ctl < 0 || writeall(ctl, "M", 1))
			FAIL("asking the peer to map our ring: %s", strerror(errno));
		setsockopt(ctl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		rc = read(ctl, &c, 1);
		e = errno;
		if (rc == 1 && c != 'm')
			FAIL("the peer could not map our ring through gntdev (see its log)");
		printf("XVT hostile-gntdev: the peer answered %s\n",
		       rc == 1 ? "m" : rc ? strerror(e) : "EOF");
		/*
		 * Our next record meets the bogus index, or one our kernel
		 * sent already did: then the socket is closed (ENOTCONN).
		 */
		if (write(held, "y", 1) < 0 && errno != ECONNRESET &&
		    errno != EPIPE && errno != ENOTCONN)
			FAIL("write after the corruption: %s", strerror(errno));
	} else if (ctl < 0 || writeall(ctl, "X", 1) ||
		   writeall(ctl, &(char){ (char)mode }, 1)) {
		FAIL("asking the peer to corrupt its ring: %s", strerror(errno));
	}
	t = now();
	setsockopt(held, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	rc = read(held, &c, 1);
	e = errno;
	t = now() - t;
	/* mode 3: the reset may come before the read (then ENOTCONN or EOF) */
	if (mode == 3 && (rc == 0 || (rc == -1 && e == ENOTCONN)))
		rc = -1, e = ECONNRESET;
	if (rc != -1 || e != ECONNRESET)
		FAIL("open socket after the peer's corruption: read %d (%s), expected ECONNRESET",
		     rc, rc < 0 ? strerror(e) : "data");
	close(held);
	close(ctl);
	if (echo_conn(cid, port, 16384, why, sizeof(why)))
		FAIL("new connection after the reset: %s", why);
	result(1, "socket reset %.2fs after the corruption, new connection echoes", t);
	return 0;
}

#define PING_PATH "/sys/kernel/debug/xen_vsock/ping"

/* One write to xen_vsock's debugfs ping: 0 or the errno. */
static int ping_write(const char *what)
{
	int fd = open(PING_PATH, O_WRONLY), e = 0;

	if (fd < 0)
		return errno;
	if (write(fd, what, strlen(what)) < 0)
		e = errno;
	close(fd);
	return e;
}

/* COUNT event round trips with domain DOM; its answer line in RES. */
static int ping_run(unsigned int dom, unsigned int count, char *res, size_t size)
{
	char in[32];
	ssize_t r = -1;
	int fd, e;

	snprintf(in, sizeof(in), "%u %u", dom, count);
	e = ping_write(in);
	if (e)
		return e;
	fd = open(PING_PATH, O_RDONLY);
	if (fd >= 0) {
		r = read(fd, res, size - 1);
		close(fd);
	}
	if (r <= 0)
		return r < 0 ? errno : EIO;
	res[r] = 0;
	return 0;
}

/*
 * debugfs ping (the event round trip of make bench-xen): bad requests get
 * EINVAL, a domain without a channel ENOTCONN, and 20 round trips with
 * the peer give 20 ordered, nonzero times.
 */
static int do_ping(unsigned int cid, unsigned int port)
{
	/* %u: the peer's domain */
	static const struct { const char *fmt; int err; } bad[] = {
		{ "%u", EINVAL }, { "x 5", EINVAL }, { "%u 0", EINVAL },
		{ "%u 1001", EINVAL }, { "32752 5", EINVAL }, { "4000 5", ENOTCONN },
	};
	unsigned long long lo, med, hi;
	unsigned int dom, n;
	char in[32], res[200];
	int e, held = vcmd(cid, port, 'E');
	char c;

	if (held < 0 || writeall(held, "x", 1) || readall(held, &c, 1) != 1)
		FAIL("setup: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(in, sizeof(in), bad[i].fmt, cid - 2);
		e = ping_write(in);
		if (e != bad[i].err)
			FAIL("ping \"%s\": %s, expected %s", in, e ? strerror(e) : "accepted",
			     strerror(bad[i].err));
	}
	e = ping_run(cid - 2, 20, res, sizeof(res));
	if (e)
		FAIL("ping \"%u 20\": %s", cid - 2, strerror(e));
	if (sscanf(res, "dom%u rounds %u min_ns %llu median_ns %llu max_ns %llu",
		   &dom, &n, &lo, &med, &hi) != 5 || dom != cid - 2 || n != 20 ||
	    !lo || lo > med || med > hi || strstr(res, "incomplete"))
		FAIL("ping answered: %s", res);
	close(held);
	result(1, "bad requests refused (EINVAL, ENOTCONN); 20 event round trips with dom%u, median %llu us",
	       dom, med / 1000);
	return 0;
}

/* N connection requests to a port where nothing listens, left at once. */
static int do_flood(unsigned int cid, unsigned int port, long n)
{
	struct sockaddr_vm a = {
		.svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port,
	};
	double t0 = now();
	long i;

	for (i = 0; i < n; i++) {
		int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK, 0);

		if (fd < 0)
			FAIL("socket %ld of %ld: %s", i, n, strerror(errno));
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) &&
		    errno != EINPROGRESS && errno != ECONNRESET &&
		    errno != ECONNREFUSED)
			FAIL("connect %ld of %ld: %s", i, n, strerror(errno));
		close(fd);
	}
	result(1, "%ld connection requests in %.1f s", n, now() - t0);
	return 0;
}

/*
 * A domain impersonating another: we hold a connection to CID2; the peer
 * CID (asked with V) sends us a RST claiming to come from CID2's end of
 * it.  The RST must be dropped (rx_forged grows) and the connection to
 * CID2 must still echo.
 */
static int do_forge(unsigned int cid, unsigned int port, unsigned int cid2)
{
	struct sockaddr_vm la = { 0 }, pa = { 0 };
	socklen_t ll = sizeof(la), pl = sizeof(pa);
	struct timeval tv = { .tv_sec = 10 };
	int held = vcmd(cid2, port, 'E'), ctl;
	long f0, f1 = -1;
	char c, line[64];
	double end;

	if (held < 0 || writeall(held, "x", 1) || readall(held, &c, 1) != 1 ||
	    getsockname(held, (struct sockaddr *)&la, &ll) ||
	    getpeername(held, (struct sockaddr *)&pa, &pl))
		FAIL("connection to CID %u: %s", cid2, strerror(errno));
	f0 = stat_now("rx_forged");
	if (f0 < 0)
		FAIL("no rx_forged in /sys/kernel/debug/xen_vsock/stats");
	ctl = vcmd(cid, port, 'V');
	snprintf(line, sizeof(line), "%u %u %u\n", cid2, pa.svm_port, la.svm_port);
	if (ctl < 0 || writeall(ctl, line, strlen(line)) || readall(ctl, &c, 1) != 1 || c != 'k')
		FAIL("asking CID %u to forge a RST: %s", cid, ctl < 0 ? strerror(errno) : "refused");
	close(ctl);
	/* Wait for the forged record to arrive. */
	for (end = now() + 10; now() < end; usleep(50000)) {
		f1 = stat_now("rx_forged");
		if (f1 > f0)
			break;
	}
	if (f1 <= f0)
		FAIL("no forged record arrived in 10 s (rx_forged %ld): nothing tested", f0);
	setsockopt(held, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	errno = 0;
	if (writeall(held, "y", 1) || readall(held, &c, 1) != 1 || c != 'y')
		FAIL("connection to CID %u after the forged RST: %s", cid2,
		     errno ? strerror(errno) : "EOF");
	close(held);
	result(1, "RST forged by CID %u as CID %u port %u dropped (rx_forged %ld -> %ld), connection still echoes",
	       cid, cid2, pa.svm_port, f0, f1);
	return 0;
}

/* --- benchmark --- */

/* Send SZ bytes and read SZ back at once (an echo larger than the socket
 * buffers would deadlock if written whole before reading). */
static int roundtrip(int fd, unsigned char *buf, size_t sz)
{
	static unsigned char in[1 << 20];
	size_t out = 0, got = 0;

	while (got < sz) {
		struct pollfd pf = { .fd = fd, .events = POLLIN | (out < sz ? POLLOUT : 0) };
		ssize_t r;

		if (poll(&pf, 1, 30000) != 1)
			return -1;
		if (out < sz && (pf.revents & POLLOUT)) {
			r = send(fd, buf + out, sz - out, MSG_DONTWAIT);
			if (r < 0 && errno != EAGAIN)
				return -1;
			if (r > 0)
				out += r;
		}
		if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
			r = recv(fd, in + got, sz - got, MSG_DONTWAIT);
			if (r == 0 || (r < 0 && errno != EAGAIN))
				return -1;
			if (r > 0)
				got += r;
		}
	}
	return 0;
}

/*
 * xen_vsock's counters (debugfs, when mounted): read before and after each
 * vsock measurement, printed as differences ("XVT BENCH-STAT" lines), to
 * see events and work runs per packet.
 */
#define NSTAT 16
struct xstats { int n; char name[NSTAT][32]; long long v[NSTAT]; };

static void stats_read(struct xstats *st)
{
	FILE *f = fopen("/sys/kernel/debug/xen_vsock/stats", "r");

	st->n = 0;
	if (!f)
		return;
	while (st->n < NSTAT &&
	       fscanf(f, "%31s %lld", st->name[st->n], &st->v[st->n]) == 2)
		st->n++;
	fclose(f);
}

static const char *stat_sfx = "";	/* "-lazy" while lazy_credit is 1 */

static void stats_print(size_t sz, const char *phase, const struct xstats *a,
			const struct xstats *b)
{
	if (!a->n || a->n != b->n)
		return;
	printf("XVT BENCH-STAT %zu %s%s", sz, phase, stat_sfx);
	for (int i = 0; i < a->n; i++)
		printf(" %s=%lld", a->name[i], b->v[i] - a->v[i]);
	printf("\n");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* TcpExt's TCPTimeouts (retransmission timer expiries) in this domain */
static long long tcp_timeouts(void)
{
	static char names[4096], vals[4096];
	FILE *f = fopen("/proc/net/netstat", "r");
	long long v = -1;

	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f) && fgets(vals, sizeof(vals), f)) {
		char *sn, *sv, *n, *x;

		if (strncmp(names, "TcpExt:", 7))
			continue;
		n = strtok_r(names, " \n", &sn);
		x = strtok_r(vals, " \n", &sv);
		while (n && x) {
			if (!strcmp(n, "TCPTimeouts"))
				v = atoll(x);
			n = strtok_r(NULL, " \n", &sn);
			x = strtok_r(NULL, " \n", &sv);
		}
	}
	fclose(f);
	return v;
}

/*
 * bench's connection for CMD: to the peer's server, or with use_local to
 * serve() in a child of ours over a UNIX socket pair (the "local" kind:
 * the same program without the domain crossing).
 */
static int use_local;

static int bench_conn(unsigned int cid, unsigned int port, char cmd)
{
	int sv[2];
	pid_t pid;

	if (!use_local)
		return vcmd(cid, port, cmd);
	while (waitpid(-1, NULL, WNOHANG) > 0)	/* earlier ones */
		;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (!pid) {
		close(sv[0]);
		serve(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	if (writeall(sv[0], &cmd, 1)) {
		close(sv[0]);
		return -1;
	}
	return sv[0];
}

/*
 * One size over the current address family: throughput (messages of SZ for
 * about 1 s, counted when the peer has read them all: its "LEN SUM" reply
 * after EOF) and latency (median round trip of an echo of SZ).
 */
/*
 * TPUT (MiB/s) and RTT (us) at SZ; ACPU and BCPU: the busy CPU time of
 * this domain and of the peer's during the throughput run, ms per MiB
 * moved (-1: not known; local's peer is this domain, all in ACPU).
 */
static int bench_one(unsigned int cid, unsigned int port, size_t sz, double *tput,
		     double *rtt, double *acpu, double *bcpu)
{
	static unsigned char buf[1 << 20];
	static double rtts[100];
	unsigned long long sent = 0, n, iters;
	const char *af = use_inet ? "tcp" : use_local ? "local" : "vsock";
	char reply[64];
	struct cpu_ms c0, c1, a, b = { -1, -1, -1 };
	double t0, t1, mib;
	int e0;
	struct xstats st0, st1;
	int fd = bench_conn(cid, port, 'N'), one = 1;

	if (fd < 0)
		return fprintf(stderr, "bench %s: connect: %s\n", af, strerror(errno)), 1;
	stats_read(&st0);
	e0 = cpu_read(&c0);
	t0 = now();
	do {
		for (int i = 0; i < 16; i++) {
			if (writeall(fd, buf, sz))
				return fprintf(stderr, "bench %s: write: %s\n", af,
					       strerror(errno)), 1;
			sent += sz;
		}
	} while (now() - t0 < 1.0);
	memset(reply, 0, sizeof(reply));
	if (shutdown(fd, SHUT_WR) || readall(fd, reply, sizeof(reply) - 1) <= 0 ||
	    strtoull(reply, NULL, 10) != sent)
		return fprintf(stderr, "bench %s: sink reply wrong\n", af), 1;
	*tput = sent / (now() - t0) / (1 << 20);
	cpu_diff(&a, &c0, e0, &c1, cpu_read(&c1));
	if (use_local || sscanf(reply, "%*u %*x %lf %lf %lf", &b.busy, &b.idle,
				&b.steal) != 3)
		b.busy = b.idle = b.steal = -1;
	mib = sent / (double)(1 << 20);
	*acpu = a.busy < 0 ? -1 : a.busy / mib;
	*bcpu = b.busy < 0 ? -1 : b.busy / mib;
	/* For the analysis: where each domain's time went (ms) */
	printf("XVT BENCH-CPU %zu %s%s A busy %.0f idle %.0f steal %.0f B busy %.0f idle %.0f steal %.0f wall %.0f\n",
	       sz, af, use_inet || use_local ? "" : stat_sfx, a.busy, a.idle, a.steal, b.busy, b.idle,
	       b.steal, (now() - t0) * 1e3);
	stats_read(&st1);
	if (!use_inet && !use_local)
		stats_print(sz, "tput", &st0, &st1);
	close(fd);

	fd = bench_conn(cid, port, 'E');
	if (fd < 0)
		return fprintf(stderr, "bench %s: connect: %s\n", af, strerror(errno)), 1;
	if (use_inet)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	iters = (2u << 20) / sz;
	iters = iters < 5 ? 5 : iters > 100 ? 100 : iters;
	t1 = now();
	if (roundtrip(fd, buf, sz))	/* warm-up */
		return fprintf(stderr, "bench %s: echo: %s\n", af, strerror(errno)), 1;
	stats_read(&st0);
	/* At most about 1.5 s once 5 are done (a loaded host is slow). */
	for (n = 0; n < iters && (n < 5 || now() - t1 < 1.5); n++) {
		t0 = now();
		if (roundtrip(fd, buf, sz))
			return fprintf(stderr, "bench %s: echo: %s\n", af, strerror(errno)), 1;
		rtts[n] = now() - t0;
	}
	stats_read(&st1);
	if (!use_inet && !use_local)
		stats_print(sz, "rtt", &st0, &st1);
	/* The median: the host's other load adds stalls of 100s of ms. */
	qsort(rtts, n, sizeof(rtts[0]), cmp_double);
	*rtt = rtts[n / 2] * 1e6;
	close(fd);
	return 0;
}

/* The data path parameters off ('0') or as loaded ('1') here and in the peer (K). */
static int set_lazy(unsigned int cid, unsigned int port, char mode)
{
	int fd = vcmd(cid, port, 'K');
	char k = 0;

	if (set_lazy_local(mode) || fd < 0 || writeall(fd, &mode, 1) ||
	    readall(fd, &k, 1) != 1 || k != 'k')
		return fprintf(stderr, "bench: cannot set the data path parameters %s\n",
			       mode == '0' ? "off" : "back as loaded"), 1;
	close(fd);
	stat_sfx = mode == '0' ? "-off" : "";
	return 0;
}

/*
 * One measurement: "XVT BENCH-R SIZE ROUND KIND MIBS RTT_US TCP_TIMEOUTS
 * A_CPU B_CPU" (bench_one's ACPU, BCPU; the other kinds print -1 -1).
 */
static int bench_kind(unsigned int cid, unsigned int port, size_t sz, int round,
		      const char *kind)
{
	double t, r, ac, bc;
	long long to0, to1;

	use_inet = !strcmp(kind, "tcp");
	use_local = !strcmp(kind, "local");
	if (!use_inet && !use_local &&
	    set_lazy(cid, port, strcmp(kind, "vsock") ? '0' : '1'))
		return 1;
	to0 = tcp_timeouts();
	if (bench_one(cid, port, sz, &t, &r, &ac, &bc))
		return 1;
	to1 = tcp_timeouts();
	printf("XVT BENCH-R %zu %d %s %.4g %.0f %lld %.3g %.3g\n", sz, round, kind,
	       t, r, to0 < 0 || to1 < 0 ? -1 : to1 - to0, ac, bc);
	return 0;
}

/*
 * The floor under vsock's 1 B round trip, in the same rounds: "evtchn",
 * one event each way between the two kernels, answered in B's interrupt
 * handler (xen_vsock's debugfs ping: no socket, no work item). A row as
 * bench_kind's, throughput 0. 0 if done.
 */
static int bench_floor(unsigned int cid, int round)
{
	unsigned long long ns = 0;
	char res[200], *m;
	int e = ping_run(cid - 2, 100, res, sizeof(res));

	if (e)
		return fprintf(stderr, "bench: %s: %s\n", PING_PATH, strerror(e)), 1;
	m = strstr(res, "median_ns ");
	if (!m || sscanf(m, "median_ns %llu", &ns) != 1)
		return fprintf(stderr, "bench: %s: %s", PING_PATH, res), 1;
	printf("XVT BENCH-R 1 %d evtchn 0 %.0f 0 -1 -1\n", round, ns / 1e3);
	return 0;
}

/*
 * The other floor, under any transport that copies out of the writer's
 * buffer: one copy per byte on one CPU of this domain, SZ-byte pwrite()s
 * over the same SZ bytes of a memfd for 1 s ("copy", throughput only).
 */
static int bench_copy(size_t sz, int round)
{
	static unsigned char buf[1 << 20];
	unsigned long long n = 0;
	int fd = memfd_create("xvt-copy", 0);
	double t0;

	if (fd < 0 || pwrite(fd, buf, sz, 0) != (ssize_t)sz)
		return perror("bench: memfd"), 1;
	t0 = now();
	do {
		for (int i = 0; i < 16; i++, n += sz)
			if (pwrite(fd, buf, sz, 0) != (ssize_t)sz)
				return perror("bench: memfd"), 1;
	} while (now() - t0 < 1.0);
	printf("XVT BENCH-R %zu %d copy %.4g 0 0 -1 -1\n", sz, round,
	       n / (now() - t0) / (1 << 20));
	close(fd);
	return 0;
}

/*
 * For each size, ROUNDS rounds of: vsock (xen_vsock's defaults: lazy
 * CREDIT_UPDATEs, sender batching, one copy on the sender), TCP (with
 * IP), vsock-off (all three off: the data path as it was before them)
 * and local (a UNIX socket pair
 * in this domain); at 1 B also evtchn (bench_floor), at 64 KiB copy
 * (bench_copy). The order rotates from
 * round to round, so that every column sees the same conditions; the host
 * (run.sh, bench-table.awk) takes the medians and judges the spread.
 */
static int do_bench(unsigned int cid, unsigned int port, const char *ip, int rounds)
{
	static const size_t sizes[] = { 1, 64, 1024, 4096, 16384, 65536, 262144, 1048576 };
	static const char *const kinds[] = { "vsock", "tcp", "vsock-off", "local" };
	int nk = 4;

	if (ip && inet_pton(AF_INET, ip, &inet_peer) != 1)
		return fprintf(stderr, "bench: bad IPv4 address '%s'\n", ip), 2;
	if (rounds < 1 || rounds > 9)
		return fprintf(stderr, "bench: rounds must be 1..9\n"), 2;
	printf("XVT BENCH-ROUNDS %d\n", rounds);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (int r = 0; r < rounds; r++) {
			for (int j = 0; j < nk; j++) {
				const char *kind = kinds[(r + j) % nk];

				if (!ip && !strcmp(kind, "tcp"))
					continue;
				if (bench_kind(cid, port, sizes[k], r + 1, kind))
					return 1;
			}
			if (sizes[k] == 1 && bench_floor(cid, r + 1))
				return 1;
			if (sizes[k] == 65536 && bench_copy(sizes[k], r + 1))
				return 1;
		}
	}
	return set_lazy(cid, port, '1');
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "server")) {
		use_inet = argc >= 4 && !strcmp(argv[3], "inet");
		return do_server(atoi(argv[2]));
	}
	if (argc >= 5 && !strcmp(argv[1], "flag"))
		return do_flag(atoi(argv[2]), atoi(argv[3]), argv[4][0]);
	if (argc >= 4 && !strcmp(argv[1], "bench"))
		return do_bench(atoi(argv[2]), atoi(argv[3]),
				argc >= 5 && strcmp(argv[4], "-") ? argv[4] : NULL,
				argc >= 6 ? atoi(argv[5]) : 3);
	if (argc >= 5 && !strcmp(argv[1], "knock"))
		return do_knock(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (argc >= 3 && !strcmp(argv[1], "unknock"))
		return do_unknock(atoi(argv[2]));
	if (argc >= 5 && !strcmp(argv[1], "hold"))
		return do_hold(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (argc < 5) {
		fprintf(stderr, "usage: see the top of xvtest.c\n");
		return 2;
	}
	tname = argv[2];
	unsigned int cid = atoi(argv[3]), port = atoi(argv[4]);

	if (!strcmp(argv[1], "echo") && argc >= 6)
		return do_echo(cid, port, strtoul(argv[5], NULL, 0));
	if (!strcmp(argv[1], "send") && argc >= 6)
		return do_send(cid, port, strtoull(argv[5], NULL, 0),
			       argc >= 7 ? atof(argv[6]) : 0);
	if (!strcmp(argv[1], "recv") && argc >= 6)
		return do_recv(cid, port, strtoull(argv[5], NULL, 0));
	if (!strcmp(argv[1], "unread"))
		return do_unread(cid, port);
	if (!strcmp(argv[1], "idle"))
		return do_idle(cid, port);
	if (!strcmp(argv[1], "slowread"))
		return do_slowread(cid, port);
	if (!strcmp(argv[1], "parallel") && argc >= 7)
		return do_parallel(cid, port, atoi(argv[5]), strtoul(argv[6], NULL, 0));
	if (!strcmp(argv[1], "refused"))
		return do_refused(cid, port);
	if (!strcmp(argv[1], "death"))
		return do_death(cid, port, argc >= 6 ? argv[5] : NULL);
	if (!strcmp(argv[1], "synsent"))
		return do_synsent(cid, port);
	if (!strcmp(argv[1], "survive") && argc >= 8)
		return do_survive(cid, port, argv[5], argv[6], strtoull(argv[7], NULL, 0));
	if (!strcmp(argv[1], "bufsize") && argc >= 6)
		return do_bufsize(cid, port, strtoul(argv[5], NULL, 0));
	if (!strcmp(argv[1], "cid") && argc >= 6)
		return do_cid(cid, port, atoi(argv[5]));
	if (!strcmp(argv[1], "nonblock"))
		return do_nonblock(cid, port);
	if (!strcmp(argv[1], "poll"))
		return do_poll(cid, port);
	if (!strcmp(argv[1], "timeo"))
		return do_timeo(cid, port);
	if (!strcmp(argv[1], "peek"))
		return do_peek(cid, port);
	if (!strcmp(argv[1], "backlog"))
		return do_backlog(cid, port);
	if (!strcmp(argv[1], "seqpacket"))
		return do_seqpacket(cid, port);
	if (!strcmp(argv[1], "shutwr"))
		return do_shutwr(cid, port);
	if (!strcmp(argv[1], "shutrd"))
		return do_shutrd(cid, port);
	if (!strcmp(argv[1], "txqbound"))
		return do_txqbound(cid, port);
	if (!strcmp(argv[1], "hostile") && argc >= 6)
		return do_hostile(cid, port, atoi(argv[5]));
	if (!strcmp(argv[1], "ping"))
		return do_ping(cid, port);
	if (!strcmp(argv[1], "forge") && argc == 6)
		return do_forge(cid, port, atoi(argv[5]));
	if (!strcmp(argv[1], "flood") && argc == 6)
		return do_flood(cid, port, atol(argv[5]));
	fprintf(stderr, "xvtest: bad command\n");
	return 2;
}
