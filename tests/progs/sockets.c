// SPDX-License-Identifier: GPL-2.0
/*
 * sockets MODE DIR [PORT]: sockets survive a checkpoint and restart.  Sets
 * MODE's sockets up, records what it expects, writes DIR/ready and waits
 * for DIR/go (the case checkpoints with --kill and restarts in between),
 * then checks the state itself.  Prints "all checks passed" and exits 0,
 * or names the first difference and exits 1.
 *
 * MODE is one of:
 *  pairs     UNIX socketpairs (stream, datagram, seqpacket) at chosen fds
 *            with unread data both ways (a stream partly read, datagrams
 *            of 0, 1, 1000 and 70000 bytes), shutdown states, a stream
 *            whose other end was closed, O_NONBLOCK, CLOEXEC, a dup,
 *            SO_PASSCRED, SO_SNDBUF/SO_RCVBUF, SO_RCVTIMEO and SO_PRIORITY
 *            on one end; checks the bytes and
 *            message boundaries read back, EOF where due, EPIPE, flags,
 *            options, SO_PEERCRED, and that each pair still carries data
 *  treepair  a parent and a child each holding one end of a stream and a
 *            datagram pair, with data queued both ways, plus a pair both
 *            hold (inherited); checks as above in each (checkpoint --tree)
 *  unix      a path stream socket listening (backlog 2, mode 0640), an
 *            abstract seqpacket listener, a datagram socket bound to a
 *            path, an unbound socket; checks names, mode, SO_ACCEPTCONN,
 *            the backlog (connects until EAGAIN), connects and datagrams
 *  inet      PORT: TCP on 127.0.0.1:PORT (listening, SO_REUSEADDR,
 *            SO_KEEPALIVE, TCP_NODELAY, SO_RCVBUF, O_NONBLOCK, the
 *            timeouts, SO_LINGER, IP_TOS, SO_PRIORITY, TCP keepalive
 *            timing, TCP_USER_TIMEOUT, TCP_NOTSENT_LOWAT, TCP_CONGESTION
 *            reno) and
 *            [::1]:PORT+1 (listening, IPV6_V6ONLY, SO_REUSEPORT), UDP on
 *            127.0.0.1:PORT+2 (SO_BROADCAST, groups 239.1.2.3 and .4
 *            joined on lo, IP_MULTICAST_TTL 4, IP_MULTICAST_LOOP 0:
 *            still joined after restart, once; IP_PKTINFO, IP_RECVTTL,
 *            IP_RECVORIGDSTADDR, IP_TTL 17, SO_TIMESTAMPNS) and
 *            [::]:PORT+3 (dual stack, IPV6_TCLASS, SO_MARK,
 *            IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVERR,
 *            IPV6_RECVTCLASS, IPV6_UNICAST_HOPS 33, IP_RECVERR,
 *            IP_FREEBIND, SO_TIMESTAMP, SO_RXQ_OVFL), a UDP socket bound
 *            by IP_FREEBIND to 192.0.2.55:PORT+5 (no device has it),
 *            a TCP socket bound to PORT+4
 *            (SO_RCVLOWAT, TCP_DEFER_ACCEPT, TCP_FASTOPEN, TCP_CORK), an
 *            unbound
 *            one; checks
 *            names and options, connects, datagrams; then prints
 *            "serving" and answers one connection to PORT: "pong LINE"
 *
 * sockets tcppeer DIR PORT: the peer of tcpconn, not checkpointed: listens
 *            on 127.0.0.1:PORT with a small receive buffer, accepts one
 *            connection, sends 3000 bytes, waits for DIR/go, then reads
 *            to EOF checking the pattern, prints "received N", answers
 *            "bye" and checks that it got no more
 * sockets tcpconn DIR PORT: connects to tcppeer, leaves its 3000 bytes
 *            unread, fills its send queue (the peer does not read), prints
 *            "sent N"; after the restart checks its options (as tcp4's in
 *            inet mode, and SO_KEEPALIVE) and the 3000 bytes, sends 1000
 *            more, shuts down, and reads "bye" then EOF
 * sockets tcpsource DIR PORT: streams to one connection on 127.0.0.1:PORT
 *            a counting stream (u32 offset/4, little-endian), 4 KiB a
 *            millisecond, until DIR/stop; prints "streamed N"; any send
 *            error fails it
 * sockets tcpsink DIR PORT: connects to tcpsource and checks every byte
 *            of the stream to EOF ("got N" every 64 KiB, DIR/ready after
 *            the first); prints "received N"
 * sockets dropped DIR: a UDP socket with SO_MARK 77 and SO_PRIORITY 7 set
 *            as root, then uid 1000 (a daemon); checks both and the uid
 *            (DIR must be writable by uid 1000)
 * sockets client DIR PORT LINE: connect to 127.0.0.1:PORT, send LINE,
 * print the answer (DIR is not used).
 *
 * Refusals (the process sets up, writes DIR/ready, waits for DIR/go and
 * exits 0; the case checks ckpt's message and that it lives on):
 *  refuse-outside  a stream pair whose other end a child holds
 *  refuse-scm      a pair with an SCM_RIGHTS message unread
 *  refuse-pending  a listening UNIX socket with a connection to accept
 *  tcpclient PORT  a TCP connection to 127.0.0.1:PORT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static int failed;
static const char *dir;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "sockets: check failed: " __VA_ARGS__);	\
		fprintf(stderr, " (%s; errno %s)\n", #cond,		\
			strerror(errno));				\
		failed = 1;						\
	}								\
} while (0)

static void die(const char *what)
{
	fprintf(stderr, "sockets: %s (%s)\n", what, strerror(errno));
	exit(2);
}

static int move_fd(int fd, int want, int cloexec)
{
	if (fd == want)
		return fd;
	if (dup3(fd, want, cloexec ? O_CLOEXEC : 0) < 0)
		die("dup3");
	close(fd);
	return want;
}

static int getint(int fd, int level, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, opt, &v, &len))
		return -1000;
	return v;
}

/* IP_ADD_MEMBERSHIP or IP_DROP_MEMBERSHIP of @group on lo: 0 or errno. */
static int mcast_op(int fd, int op, const char *group)
{
	struct ip_mreqn mr = { .imr_ifindex = 1 };

	if (inet_pton(AF_INET, group, &mr.imr_multiaddr) != 1)
		return EINVAL;
	return setsockopt(fd, IPPROTO_IP, op, &mr, sizeof(mr)) ? errno : 0;
}

static void setint(int fd, int level, int opt, int v)
{
	if (setsockopt(fd, level, opt, &v, sizeof(v)))
		die("setsockopt");
}

static const char *getca(int fd);

static void settimeo(int fd, int opt, long sec, long usec)
{
	struct timeval tv = { sec, usec };

	if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)))
		die("setsockopt timeout");
}

/* SO_RCVTIMEO/SO_SNDTIMEO in microseconds, -1 if unreadable. */
static long long gettimeo(int fd, int opt)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);

	if (getsockopt(fd, SOL_SOCKET, opt, &tv, &len))
		return -1;
	return tv.tv_sec * 1000000LL + tv.tv_usec;
}

/* SO_LINGER: l_linger if on, -1 if off, -2 if unreadable. */
static int getlinger(int fd)
{
	struct linger l;
	socklen_t len = sizeof(l);

	if (getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len))
		return -2;
	return l.l_onoff ? l.l_linger : -1;
}

/*
 * The options of a SOCKOPT record on a TCP socket: timeouts, linger,
 * priority, TCP keepalive timing, TCP_USER_TIMEOUT; TOS unless @v6.
 */
static void set_more_opts(int fd, int v6)
{
	struct linger l = { 1, 7 };

	/* multiples of 4 ms: whole jiffies at HZ 250 */
	settimeo(fd, SO_RCVTIMEO, 2, 500000);
	settimeo(fd, SO_SNDTIMEO, 1, 200000);
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)))
		die("SO_LINGER");
	/* IP_TOS sets the priority too (0x10: 6): SO_PRIORITY after it */
	if (!v6)
		setint(fd, IPPROTO_IP, IP_TOS, 0x10);
	setint(fd, SOL_SOCKET, SO_PRIORITY, 3);
	setint(fd, IPPROTO_TCP, TCP_KEEPIDLE, 600);
	setint(fd, IPPROTO_TCP, TCP_KEEPINTVL, 30);
	setint(fd, IPPROTO_TCP, TCP_KEEPCNT, 4);
	setint(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 12345);
	setint(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, 16384);
	/* reno: built in, and not cubic, the default */
	if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4))
		die("TCP_CONGESTION");
}

static void check_more_opts(int fd, int v6, const char *what)
{
	CHECK(gettimeo(fd, SO_RCVTIMEO) == 2500000, "%s: SO_RCVTIMEO %lld us",
	      what, gettimeo(fd, SO_RCVTIMEO));
	CHECK(gettimeo(fd, SO_SNDTIMEO) == 1200000, "%s: SO_SNDTIMEO %lld us",
	      what, gettimeo(fd, SO_SNDTIMEO));
	CHECK(getlinger(fd) == 7, "%s: SO_LINGER %d", what, getlinger(fd));
	CHECK(getint(fd, SOL_SOCKET, SO_PRIORITY) == 3, "%s: SO_PRIORITY %d",
	      what, getint(fd, SOL_SOCKET, SO_PRIORITY));
	CHECK(getint(fd, IPPROTO_TCP, TCP_KEEPIDLE) == 600,
	      "%s: TCP_KEEPIDLE %d", what, getint(fd, IPPROTO_TCP, TCP_KEEPIDLE));
	CHECK(getint(fd, IPPROTO_TCP, TCP_KEEPINTVL) == 30,
	      "%s: TCP_KEEPINTVL %d", what,
	      getint(fd, IPPROTO_TCP, TCP_KEEPINTVL));
	CHECK(getint(fd, IPPROTO_TCP, TCP_KEEPCNT) == 4, "%s: TCP_KEEPCNT %d",
	      what, getint(fd, IPPROTO_TCP, TCP_KEEPCNT));
	CHECK(getint(fd, IPPROTO_TCP, TCP_USER_TIMEOUT) == 12345,
	      "%s: TCP_USER_TIMEOUT %d", what,
	      getint(fd, IPPROTO_TCP, TCP_USER_TIMEOUT));
	if (!v6)
		CHECK(getint(fd, IPPROTO_IP, IP_TOS) == 0x10, "%s: IP_TOS %d",
		      what, getint(fd, IPPROTO_IP, IP_TOS));
	CHECK(getint(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT) == 16384,
	      "%s: TCP_NOTSENT_LOWAT %d", what,
	      getint(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT));
	CHECK(!strcmp(getca(fd), "reno"), "%s: TCP_CONGESTION %s", what,
	      getca(fd));
}

/* TCP_CONGESTION, or "?". */
static const char *getca(int fd)
{
	static char name[16];
	socklen_t len = sizeof(name) - 1;

	memset(name, 0, sizeof(name));
	if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len))
		return "?";
	return name;
}

/* A new socket's: no timeouts, no linger, priority 0, mark 0. */
static void check_default_opts(int fd, const char *what)
{
	CHECK(gettimeo(fd, SO_RCVTIMEO) == 0 && gettimeo(fd, SO_SNDTIMEO) == 0,
	      "%s: timeouts %lld %lld us", what, gettimeo(fd, SO_RCVTIMEO),
	      gettimeo(fd, SO_SNDTIMEO));
	CHECK(getlinger(fd) == -1, "%s: SO_LINGER %d", what, getlinger(fd));
	CHECK(getint(fd, SOL_SOCKET, SO_PRIORITY) == 0 &&
	      getint(fd, SOL_SOCKET, SO_MARK) == 0 &&
	      getint(fd, SOL_SOCKET, SO_RCVLOWAT) == 1,
	      "%s: priority, mark or lowat set", what);
}

static int nonblock(int fd)
{
	return !!(fcntl(fd, F_GETFL) & O_NONBLOCK);
}

static int cloexec(int fd)
{
	return !!(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

static void pattern(unsigned char *b, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(i * 31 + seed + (i >> 8));
}

/* Send one message of @n pattern bytes. */
static void send_msg(int fd, size_t n, unsigned int seed)
{
	unsigned char *b = malloc(n ? n : 1);

	pattern(b, n, seed);
	if (send(fd, b, n, MSG_DONTWAIT) != (ssize_t)n)
		die("send");
	free(b);
}

/* Read exactly one message; it must be @n pattern bytes. */
static void check_msg(int fd, size_t n, unsigned int seed, const char *what)
{
	unsigned char *b = malloc(n + 16), *w = malloc(n ? n : 1);
	ssize_t got = recv(fd, b, n + 16, MSG_DONTWAIT | MSG_TRUNC);

	pattern(w, n, seed);
	CHECK(got == (ssize_t)n && !memcmp(b, w, n),
	      "%s: message of %zd bytes, expected %zu", what, got, n);
	free(b);
	free(w);
}

/* Read exactly @n stream bytes of pattern @seed from offset @off. */
static void check_stream(int fd, size_t n, unsigned int seed, size_t off,
			 const char *what)
{
	unsigned char *b = malloc(n + off), *w = malloc(n + off);
	size_t got = 0;

	pattern(w, n + off, seed);
	while (got < n) {
		ssize_t r = recv(fd, b + got, n - got, MSG_DONTWAIT);

		if (r <= 0)
			break;
		got += r;
	}
	CHECK(got == n && !memcmp(b, w + off, n),
	      "%s: %zu stream bytes of %zu", what, got, n);
	free(b);
	free(w);
}

static void check_empty(int fd, int eof, const char *what)
{
	char c;
	ssize_t r = recv(fd, &c, 1, MSG_DONTWAIT);

	if (eof)
		CHECK(r == 0, "%s: expected EOF, got %zd", what, r);
	else
		CHECK(r < 0 && errno == EAGAIN, "%s: expected nothing queued, got %zd",
		      what, r);
}

static void check_peercred(int fd, const char *what)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	CHECK(!getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) &&
	      uc.uid == getuid(), "%s: SO_PEERCRED uid %u", what, uc.uid);
}

/* A pair still carries new data both ways (after what was queued). */
static void check_works(int a, int b, const char *what)
{
	char buf[16];

	CHECK(send(a, "ping", 4, MSG_DONTWAIT | MSG_NOSIGNAL) == 4 &&
	      recv(b, buf, sizeof(buf), MSG_DONTWAIT) == 4 &&
	      !memcmp(buf, "ping", 4), "%s: a new message a->b", what);
}

/* ---- pairs ----------------------------------------------------------- */

#define ST_A	10	/* stream pair */
#define ST_B	11
#define DG_A	12	/* datagram pair */
#define DG_B	13
#define SQ_A	14	/* seqpacket pair */
#define SQ_B	15
#define ST_DUP	16	/* dup of ST_A */
#define GONE	17	/* stream whose other end was closed */

static void pairs_setup(void)
{
	int sv[2];
	char buf[4096];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
		die("socketpair stream");
	move_fd(sv[0], ST_A, 0);
	move_fd(sv[1], ST_B, 1);
	setint(ST_A, SOL_SOCKET, SO_SNDBUF, 65536);
	setint(ST_B, SOL_SOCKET, SO_RCVBUF, 100000);
	send_msg(ST_A, 100000, 1);	/* A->B: 100000 bytes, 1000 read */
	if (recv(ST_B, buf, 1000, 0) != 1000)
		die("partial read");
	send_msg(ST_B, 3000, 2);	/* B->A: 3000 bytes, then EOF */
	if (shutdown(ST_B, SHUT_WR))
		die("shutdown");
	if (dup2(ST_A, ST_DUP) < 0)
		die("dup2");

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		die("socketpair dgram");
	move_fd(sv[0], DG_A, 0);
	move_fd(sv[1], DG_B, 0);
	setint(DG_B, SOL_SOCKET, SO_PASSCRED, 1);
	send_msg(DG_A, 1, 3);
	send_msg(DG_A, 0, 4);
	send_msg(DG_A, 1000, 5);
	send_msg(DG_A, 70000, 6);
	send_msg(DG_B, 7, 7);

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		die("socketpair seqpacket");
	move_fd(sv[0], SQ_A, 0);
	move_fd(sv[1], SQ_B, 0);
	settimeo(SQ_B, SO_RCVTIMEO, 3, 0);
	setint(SQ_B, SOL_SOCKET, SO_PRIORITY, 2);
	send_msg(SQ_A, 3, 8);
	send_msg(SQ_A, 5000, 9);
	send_msg(SQ_B, 11, 10);
	if (shutdown(SQ_A, SHUT_WR))
		die("shutdown seqpacket");

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair gone");
	send_msg(sv[1], 2000, 11);
	close(sv[1]);
	move_fd(sv[0], GONE, 0);
}

static void pairs_check(void)
{
	char c;

	CHECK(nonblock(ST_A) && nonblock(ST_B) && !nonblock(DG_A),
	      "O_NONBLOCK");
	CHECK(!cloexec(ST_A) && cloexec(ST_B), "CLOEXEC");
	CHECK(getint(ST_A, SOL_SOCKET, SO_SNDBUF) == 131072,
	      "SO_SNDBUF %d", getint(ST_A, SOL_SOCKET, SO_SNDBUF));
	CHECK(getint(ST_B, SOL_SOCKET, SO_RCVBUF) == 200000,
	      "SO_RCVBUF %d", getint(ST_B, SOL_SOCKET, SO_RCVBUF));
	CHECK(getint(DG_B, SOL_SOCKET, SO_PASSCRED) == 1 &&
	      getint(DG_A, SOL_SOCKET, SO_PASSCRED) == 0, "SO_PASSCRED");
	CHECK(gettimeo(SQ_B, SO_RCVTIMEO) == 3000000 &&
	      getint(SQ_B, SOL_SOCKET, SO_PRIORITY) == 2,
	      "seqpacket: SO_RCVTIMEO %lld us, SO_PRIORITY %d",
	      gettimeo(SQ_B, SO_RCVTIMEO), getint(SQ_B, SOL_SOCKET, SO_PRIORITY));
	check_default_opts(SQ_A, "seqpacket's other end");
	CHECK(getint(SQ_A, SOL_SOCKET, SO_TYPE) == SOCK_SEQPACKET &&
	      getint(DG_A, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM &&
	      getint(ST_A, SOL_SOCKET, SO_TYPE) == SOCK_STREAM, "SO_TYPE");
	check_peercred(ST_A, "stream");

	/* the stream: the rest of A's 100000 bytes, then new data */
	check_stream(ST_B, 99000, 1, 1000, "stream A->B");
	check_empty(ST_B, 0, "stream A->B after its data");
	check_stream(ST_DUP, 3000, 2, 0, "stream B->A");
	check_empty(ST_A, 1, "stream B->A after shutdown(B, SHUT_WR)");
	CHECK(send(ST_B, "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE,
	      "send on the shut-down end");
	check_works(ST_A, ST_B, "stream");

	check_msg(DG_B, 1, 3, "datagram 1");
	check_msg(DG_B, 0, 4, "datagram 2 (empty)");
	check_msg(DG_B, 1000, 5, "datagram 3");
	check_msg(DG_B, 70000, 6, "datagram 4");
	check_empty(DG_B, 0, "datagrams A->B");
	check_msg(DG_A, 7, 7, "datagram B->A");
	check_works(DG_A, DG_B, "datagram");
	check_works(DG_B, DG_A, "datagram back");

	check_msg(SQ_B, 3, 8, "seqpacket 1");
	check_msg(SQ_B, 5000, 9, "seqpacket 2");
	check_empty(SQ_B, 1, "seqpacket after shutdown(A, SHUT_WR)");
	check_msg(SQ_A, 11, 10, "seqpacket B->A");
	check_works(SQ_B, SQ_A, "seqpacket");

	check_stream(GONE, 2000, 11, 0, "stream from a closed end");
	CHECK(recv(GONE, &c, 1, 0) == 0, "EOF from the closed end");
}

/* ---- treepair -------------------------------------------------------- */

static int treepair(void)
{
	int st[2], dg[2], both[2], status;
	pid_t c;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, st) ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, both))
		die("socketpair");
	send_msg(st[0], 5000, 20);
	send_msg(st[1], 6000, 21);
	send_msg(dg[0], 100, 22);
	send_msg(dg[0], 200, 23);
	send_msg(dg[1], 300, 24);
	send_msg(both[0], 50, 25);
	c = fork();
	if (c < 0)
		die("fork");
	if (c == 0) {
		close(st[0]);
		close(dg[0]);
		wait_for_go(dir);
		check_stream(st[1], 5000, 20, 0, "child: stream");
		check_msg(dg[1], 100, 22, "child: datagram 1");
		check_msg(dg[1], 200, 23, "child: datagram 2");
		check_stream(both[1], 50, 25, 0, "child: shared pair");
		CHECK(send(st[1], "ok", 2, 0) == 2, "child: send");
		CHECK(send(dg[1], "ok", 2, 0) == 2, "child: send datagram");
		_exit(failed);
	}
	close(st[1]);
	close(dg[1]);
	if (announce_ready(dir))
		die("ready");
	wait_for_go(dir);
	check_stream(st[0], 6000, 21, 0, "parent: stream");
	check_msg(dg[0], 300, 24, "parent: datagram");
	if (waitpid(c, &status, 0) != c)
		die("waitpid");
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status),
	      "the child's checks (status 0x%x)", status);
	{
		char buf[8];

		CHECK(recv(st[0], buf, sizeof(buf), MSG_DONTWAIT) == 2 &&
		      !memcmp(buf, "ok", 2), "parent: the child's reply");
		CHECK(recv(dg[0], buf, sizeof(buf), MSG_DONTWAIT) == 2,
		      "parent: the child's datagram");
	}
	return 0;
}

/* ---- unix ------------------------------------------------------------ */

static void unix_addr(struct sockaddr_un *a, socklen_t *len, const char *p,
		      int abstract)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (abstract) {
		snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "%s", p);
		*len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(p);
	} else {
		snprintf(a->sun_path, sizeof(a->sun_path), "%s", p);
		*len = offsetof(struct sockaddr_un, sun_path) + strlen(p) + 1;
	}
}

#define UL_PATH	20
#define UL_ABS	21
#define UL_DG	22
#define UL_NONE	23

static char p_path[108], p_dg[108], p_abs[64];

static void unix_setup(void)
{
	struct sockaddr_un a;
	socklen_t len;
	int fd;

	snprintf(p_path, sizeof(p_path), "%s/srv.sock", dir);
	snprintf(p_dg, sizeof(p_dg), "%s/dg.sock", dir);
	snprintf(p_abs, sizeof(p_abs), "ckpt-test-%d", getpid());
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	unix_addr(&a, &len, p_path, 0);
	if (fd < 0 || bind(fd, (void *)&a, len) || listen(fd, 2) ||
	    chmod(p_path, 0640))
		die("path listener");
	move_fd(fd, UL_PATH, 0);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
	unix_addr(&a, &len, p_abs, 1);
	if (fd < 0 || bind(fd, (void *)&a, len) || listen(fd, 5))
		die("abstract listener");
	move_fd(fd, UL_ABS, 1);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	unix_addr(&a, &len, p_dg, 0);
	if (fd < 0 || bind(fd, (void *)&a, len))
		die("datagram socket");
	setint(fd, SOL_SOCKET, SO_PASSCRED, 1);
	move_fd(fd, UL_DG, 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		die("unbound");
	move_fd(fd, UL_NONE, 0);
}

static void check_name(int fd, const struct sockaddr_un *want, socklen_t wlen,
		       const char *what)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a);

	memset(&a, 0, sizeof(a));
	CHECK(!getsockname(fd, (void *)&a, &len) && len == wlen &&
	      !memcmp(&a, want, len), "%s: getsockname (%u bytes)", what,
	      len);
}

static void unix_check(void)
{
	struct sockaddr_un a;
	struct stat st;
	socklen_t len;
	int c[8], n, i, s;
	char buf[16];

	unix_addr(&a, &len, p_path, 0);
	check_name(UL_PATH, &a, len, "path listener");
	CHECK(!stat(p_path, &st) && S_ISSOCK(st.st_mode) &&
	      (st.st_mode & 0777) == 0640, "socket file mode 0%o",
	      st.st_mode & 0777);
	CHECK(getint(UL_PATH, SOL_SOCKET, SO_ACCEPTCONN) == 1, "SO_ACCEPTCONN");
	/* backlog 2: three connections queue, the fourth would wait */
	for (n = 0; n < 8; n++) {
		c[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(c[n], (void *)&a, len)) {
			close(c[n]);
			break;
		}
	}
	CHECK(n == 3 && errno == EAGAIN, "backlog: %d connections queued", n);
	s = accept(UL_PATH, NULL, NULL);
	CHECK(s >= 0 && send(c[0], "hi", 2, 0) == 2 &&
	      recv(s, buf, sizeof(buf), 0) == 2, "accept and talk");
	close(s);
	for (i = 0; i < n; i++)
		close(c[i]);

	unix_addr(&a, &len, p_abs, 1);
	check_name(UL_ABS, &a, len, "abstract listener");
	CHECK(nonblock(UL_ABS) && cloexec(UL_ABS), "abstract: flags");
	CHECK(getint(UL_ABS, SOL_SOCKET, SO_TYPE) == SOCK_SEQPACKET, "type");
	c[0] = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CHECK(!connect(c[0], (void *)&a, len), "connect to the abstract name");
	s = accept(UL_ABS, NULL, NULL);
	CHECK(s >= 0 && send(c[0], "abc", 3, 0) == 3 &&
	      recv(s, buf, sizeof(buf), 0) == 3, "seqpacket talk");
	close(s);
	close(c[0]);

	unix_addr(&a, &len, p_dg, 0);
	check_name(UL_DG, &a, len, "datagram socket");
	CHECK(getint(UL_DG, SOL_SOCKET, SO_PASSCRED) == 1, "dgram SO_PASSCRED");
	c[0] = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(sendto(c[0], "dg", 2, 0, (void *)&a, len) == 2 &&
	      recv(UL_DG, buf, sizeof(buf), MSG_DONTWAIT) == 2,
	      "a datagram to the path");
	close(c[0]);

	len = sizeof(a);
	CHECK(!getsockname(UL_NONE, (void *)&a, &len) &&
	      len == sizeof(sa_family_t), "unbound: %u bytes of name", len);
	CHECK(getint(UL_NONE, SOL_SOCKET, SO_ACCEPTCONN) == 0, "unbound");
}

/* ---- inet ------------------------------------------------------------ */

static int defer_secs;	/* TCP_DEFER_ACCEPT of IN_TB as set */

#define IN_T4	30
#define IN_T6	31
#define IN_U4	32
#define IN_U6	33
#define IN_TB	34
#define IN_TU	35
#define IN_FB	36

static int port;

static void in4(struct sockaddr_in *a, int p)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(p);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static void in6(struct sockaddr_in6 *a, int p, int any)
{
	memset(a, 0, sizeof(*a));
	a->sin6_family = AF_INET6;
	a->sin6_port = htons(p);
	a->sin6_addr = any ? in6addr_any : in6addr_loopback;
}

static void inet_setup(void)
{
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setint(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	setint(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
	setint(fd, IPPROTO_TCP, TCP_NODELAY, 1);
	setint(fd, SOL_SOCKET, SO_RCVBUF, 50000);
	set_more_opts(fd, 0);
	in4(&a4, port);
	if (bind(fd, (void *)&a4, sizeof(a4)) || listen(fd, 5))
		die("tcp4 listener");
	move_fd(fd, IN_T4, 0);

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	setint(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	setint(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	in6(&a6, port + 1, 0);
	if (bind(fd, (void *)&a6, sizeof(a6)) || listen(fd, 3))
		die("tcp6 listener");
	move_fd(fd, IN_T6, 0);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	setint(fd, SOL_SOCKET, SO_BROADCAST, 1);
	in4(&a4, port + 2);
	if (bind(fd, (void *)&a4, sizeof(a4)))
		die("udp4");
	/* two multicast groups on lo, TTL 4, no loop */
	if (mcast_op(fd, IP_ADD_MEMBERSHIP, "239.1.2.3") ||
	    mcast_op(fd, IP_ADD_MEMBERSHIP, "239.1.2.4"))
		die("IP_ADD_MEMBERSHIP");
	setint(fd, IPPROTO_IP, IP_MULTICAST_TTL, 4);
	setint(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0);
	/* a DNS server's: where each datagram came to, its TTL, stamps */
	setint(fd, IPPROTO_IP, IP_PKTINFO, 1);
	setint(fd, IPPROTO_IP, IP_RECVTTL, 1);
	setint(fd, IPPROTO_IP, IP_RECVORIGDSTADDR, 1);
	setint(fd, IPPROTO_IP, IP_TTL, 17);
	setint(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
	move_fd(fd, IN_U4, 0);

	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	setint(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0);
	setint(fd, IPPROTO_IPV6, IPV6_TCLASS, 0x20);
	setint(fd, SOL_SOCKET, SO_MARK, 42);
	setint(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	setint(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
	setint(fd, IPPROTO_IPV6, IPV6_RECVERR, 1);
	setint(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
	setint(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 33);
	setint(fd, IPPROTO_IP, IP_RECVERR, 1);
	setint(fd, IPPROTO_IP, IP_FREEBIND, 1);
	setint(fd, SOL_SOCKET, SO_TIMESTAMP, 1);
	setint(fd, SOL_SOCKET, SO_RXQ_OVFL, 1);
	in6(&a6, port + 3, 1);
	if (bind(fd, (void *)&a6, sizeof(a6)))
		die("udp6");
	move_fd(fd, IN_U6, 0);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	setint(fd, SOL_SOCKET, SO_RCVLOWAT, 5);
	/* a listener's options, before it listens */
	setint(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 5);
	setint(fd, IPPROTO_TCP, TCP_FASTOPEN, 16);
	setint(fd, IPPROTO_TCP, TCP_CORK, 1);
	in4(&a4, port + 4);
	if (bind(fd, (void *)&a4, sizeof(a4)))
		die("tcp bound");
	move_fd(fd, IN_TB, 0);
	/* kept as retransmissions: read back rounded */
	defer_secs = getint(IN_TB, IPPROTO_TCP, TCP_DEFER_ACCEPT);

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	setint(fd, IPPROTO_TCP, TCP_NODELAY, 1);
	move_fd(fd, IN_TU, 0);

	/* bound by IP_FREEBIND to an address no device has (TEST-NET-1) */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	setint(fd, IPPROTO_IP, IP_FREEBIND, 1);
	in4(&a4, port + 5);
	inet_pton(AF_INET, "192.0.2.55", &a4.sin_addr);
	if (bind(fd, (void *)&a4, sizeof(a4)))
		die("udp freebind");
	move_fd(fd, IN_FB, 0);
}

static void check_inet_name(int fd, const void *want, socklen_t wlen,
			    const char *what)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);

	memset(&a, 0, sizeof(a));
	CHECK(!getsockname(fd, (void *)&a, &len) && len == wlen &&
	      !memcmp(&a, want, len), "%s: getsockname", what);
}

static void tcp_talk(int lfd, const void *a, socklen_t len, int family,
		     const char *what)
{
	int c = socket(family, SOCK_STREAM, 0), s;
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	char buf[8];

	CHECK(!connect(c, a, len), "%s: connect", what);
	CHECK(poll(&p, 1, 5000) == 1, "%s: poll for the connection", what);
	s = accept(lfd, NULL, NULL);
	CHECK(s >= 0 && send(c, "tcp", 3, 0) == 3 &&
	      recv(s, buf, sizeof(buf), 0) == 3, "%s: accept and talk", what);
	close(s);
	close(c);
}

static void udp_talk(int fd, const void *a, socklen_t len, int family,
		     const char *what)
{
	int c = socket(family, SOCK_DGRAM, 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[8];

	CHECK(sendto(c, "udp", 3, 0, a, len) == 3 && poll(&p, 1, 5000) == 1 &&
	      recv(fd, buf, sizeof(buf), 0) == 3, "%s: a datagram", what);
	close(c);
}

static void inet_check(void)
{
	struct sockaddr_in a4, b4;
	struct sockaddr_in6 a6;
	socklen_t len;

	in4(&a4, port);
	check_inet_name(IN_T4, &a4, sizeof(a4), "tcp4");
	CHECK(getint(IN_T4, SOL_SOCKET, SO_REUSEADDR) == 1, "SO_REUSEADDR");
	CHECK(getint(IN_T4, SOL_SOCKET, SO_KEEPALIVE) == 1, "SO_KEEPALIVE");
	CHECK(getint(IN_T4, IPPROTO_TCP, TCP_NODELAY) == 1, "TCP_NODELAY");
	CHECK(getint(IN_T4, SOL_SOCKET, SO_RCVBUF) == 100000, "SO_RCVBUF %d",
	      getint(IN_T4, SOL_SOCKET, SO_RCVBUF));
	CHECK(getint(IN_T4, SOL_SOCKET, SO_REUSEPORT) == 0, "no SO_REUSEPORT");
	CHECK(getint(IN_T4, SOL_SOCKET, SO_ACCEPTCONN) == 1, "listening");
	CHECK(nonblock(IN_T4), "tcp4 O_NONBLOCK");
	check_more_opts(IN_T4, 0, "tcp4");
	tcp_talk(IN_T4, &a4, sizeof(a4), AF_INET, "tcp4");

	in6(&a6, port + 1, 0);
	check_inet_name(IN_T6, &a6, sizeof(a6), "tcp6");
	CHECK(getint(IN_T6, IPPROTO_IPV6, IPV6_V6ONLY) == 1, "IPV6_V6ONLY");
	CHECK(getint(IN_T6, SOL_SOCKET, SO_REUSEPORT) == 1, "SO_REUSEPORT");
	CHECK(getint(IN_T6, SOL_SOCKET, SO_KEEPALIVE) == 0, "no SO_KEEPALIVE");
	CHECK(getint(IN_T6, IPPROTO_TCP, TCP_NODELAY) == 0, "no TCP_NODELAY");
	check_default_opts(IN_T6, "tcp6");
	tcp_talk(IN_T6, &a6, sizeof(a6), AF_INET6, "tcp6");

	in4(&a4, port + 2);
	check_inet_name(IN_U4, &a4, sizeof(a4), "udp4");
	CHECK(getint(IN_U4, SOL_SOCKET, SO_BROADCAST) == 1, "SO_BROADCAST");
	CHECK(getint(IN_U4, IPPROTO_IP, IP_MULTICAST_TTL) == 4,
	      "IP_MULTICAST_TTL %d", getint(IN_U4, IPPROTO_IP, IP_MULTICAST_TTL));
	CHECK(getint(IN_U4, IPPROTO_IP, IP_MULTICAST_LOOP) == 0,
	      "IP_MULTICAST_LOOP %d",
	      getint(IN_U4, IPPROTO_IP, IP_MULTICAST_LOOP));
	CHECK(getint(IN_U4, IPPROTO_IP, IP_PKTINFO) == 1 &&
	      getint(IN_U4, IPPROTO_IP, IP_RECVTTL) == 1 &&
	      getint(IN_U4, IPPROTO_IP, IP_RECVORIGDSTADDR) == 1 &&
	      getint(IN_U4, IPPROTO_IP, IP_RECVERR) == 0 &&
	      getint(IN_U4, SOL_SOCKET, SO_TIMESTAMPNS) == 1 &&
	      getint(IN_U4, SOL_SOCKET, SO_TIMESTAMP) == 0,
	      "udp4: IP_PKTINFO, IP_RECVTTL, IP_RECVORIGDSTADDR, SO_TIMESTAMPNS not as set");
	CHECK(getint(IN_U4, IPPROTO_IP, IP_TTL) == 17, "udp4: IP_TTL %d",
	      getint(IN_U4, IPPROTO_IP, IP_TTL));
	/* still a member of both: joining again is EADDRINUSE */
	CHECK(mcast_op(IN_U4, IP_ADD_MEMBERSHIP, "239.1.2.3") == EADDRINUSE,
	      "239.1.2.3 is not joined after restart");
	CHECK(mcast_op(IN_U4, IP_DROP_MEMBERSHIP, "239.1.2.4") == 0 &&
	      mcast_op(IN_U4, IP_DROP_MEMBERSHIP, "239.1.2.4") == EADDRNOTAVAIL,
	      "239.1.2.4 was not joined once after restart");
	udp_talk(IN_U4, &a4, sizeof(a4), AF_INET, "udp4");

	in6(&a6, port + 3, 1);
	check_inet_name(IN_U6, &a6, sizeof(a6), "udp6");
	CHECK(getint(IN_U6, IPPROTO_IPV6, IPV6_V6ONLY) == 0, "dual stack");
	CHECK(getint(IN_U6, IPPROTO_IPV6, IPV6_TCLASS) == 0x20,
	      "IPV6_TCLASS %d", getint(IN_U6, IPPROTO_IPV6, IPV6_TCLASS));
	CHECK(getint(IN_U6, SOL_SOCKET, SO_MARK) == 42, "SO_MARK %d",
	      getint(IN_U6, SOL_SOCKET, SO_MARK));
	CHECK(getint(IN_U6, IPPROTO_IPV6, IPV6_RECVPKTINFO) == 1 &&
	      getint(IN_U6, IPPROTO_IPV6, IPV6_RECVHOPLIMIT) == 1 &&
	      getint(IN_U6, IPPROTO_IPV6, IPV6_RECVERR) == 1 &&
	      getint(IN_U6, IPPROTO_IPV6, IPV6_RECVTCLASS) == 1 &&
	      getint(IN_U6, IPPROTO_IP, IP_RECVERR) == 1 &&
	      getint(IN_U6, IPPROTO_IP, IP_FREEBIND) == 1 &&
	      getint(IN_U6, IPPROTO_IP, IP_PKTINFO) == 0 &&
	      getint(IN_U6, SOL_SOCKET, SO_TIMESTAMP) == 1 &&
	      getint(IN_U6, SOL_SOCKET, SO_TIMESTAMPNS) == 0 &&
	      getint(IN_U6, SOL_SOCKET, SO_RXQ_OVFL) == 1,
	      "udp6: the IPv6 and IP receive options not as set");
	CHECK(getint(IN_U6, IPPROTO_IPV6, IPV6_UNICAST_HOPS) == 33,
	      "udp6: IPV6_UNICAST_HOPS %d",
	      getint(IN_U6, IPPROTO_IPV6, IPV6_UNICAST_HOPS));
	in4(&b4, port + 3);
	udp_talk(IN_U6, &b4, sizeof(b4), AF_INET, "udp6 from IPv4");

	in4(&a4, port + 4);
	check_inet_name(IN_TB, &a4, sizeof(a4), "tcp bound");
	CHECK(getint(IN_TB, SOL_SOCKET, SO_ACCEPTCONN) == 0, "bound only");
	CHECK(getint(IN_TB, SOL_SOCKET, SO_RCVLOWAT) == 5, "SO_RCVLOWAT %d",
	      getint(IN_TB, SOL_SOCKET, SO_RCVLOWAT));
	CHECK(defer_secs >= 5 &&
	      getint(IN_TB, IPPROTO_TCP, TCP_DEFER_ACCEPT) == defer_secs,
	      "TCP_DEFER_ACCEPT %d, was %d",
	      getint(IN_TB, IPPROTO_TCP, TCP_DEFER_ACCEPT), defer_secs);
	CHECK(getint(IN_TB, IPPROTO_TCP, TCP_FASTOPEN) == 16,
	      "TCP_FASTOPEN %d", getint(IN_TB, IPPROTO_TCP, TCP_FASTOPEN));
	CHECK(getint(IN_TB, IPPROTO_TCP, TCP_CORK) == 1, "TCP_CORK %d",
	      getint(IN_TB, IPPROTO_TCP, TCP_CORK));
	len = sizeof(a6);
	CHECK(!getsockname(IN_TU, (void *)&a6, &len) && !a6.sin6_port,
	      "unbound tcp6");
	CHECK(getint(IN_TU, IPPROTO_TCP, TCP_NODELAY) == 1, "unbound NODELAY");
	in4(&a4, port + 5);
	inet_pton(AF_INET, "192.0.2.55", &a4.sin_addr);
	check_inet_name(IN_FB, &a4, sizeof(a4), "udp freebind");
	CHECK(getint(IN_FB, IPPROTO_IP, IP_FREEBIND) == 1, "IP_FREEBIND");
}

/*
 * dropped: what a daemon does, options set as root (SO_MARK, SO_PRIORITY
 * 7: CAP_NET_ADMIN's), then uid and gid 1000.
 */
static void dropped_setup(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	setint(fd, SOL_SOCKET, SO_MARK, 77);
	setint(fd, SOL_SOCKET, SO_PRIORITY, 7);
	move_fd(fd, IN_U4, 0);
	if (setgroups(0, NULL) || setgid(1000) || setuid(1000))
		die("drop to uid 1000");
}

static void dropped_check(void)
{
	CHECK(getuid() == 1000 && geteuid() == 1000, "uid %d", (int)getuid());
	CHECK(getint(IN_U4, SOL_SOCKET, SO_MARK) == 77, "SO_MARK %d",
	      getint(IN_U4, SOL_SOCKET, SO_MARK));
	CHECK(getint(IN_U4, SOL_SOCKET, SO_PRIORITY) == 7, "SO_PRIORITY %d",
	      getint(IN_U4, SOL_SOCKET, SO_PRIORITY));
}

/* Answer one connection to the TCP listener: "pong LINE". */
static void serve(void)
{
	struct pollfd p = { .fd = IN_T4, .events = POLLIN };
	char buf[256], out[300];
	ssize_t n;
	int s;

	printf("serving\n");
	fflush(stdout);
	if (poll(&p, 1, 60000) != 1)
		die("nobody came");
	s = accept(IN_T4, NULL, NULL);
	if (s < 0)
		die("accept");
	fcntl(s, F_SETFL, 0);
	n = recv(s, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		die("recv");
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	n = snprintf(out, sizeof(out), "pong %s\n", buf);
	if (write_all(s, out, n))
		die("send");
	shutdown(s, SHUT_WR);
	while (recv(s, buf, sizeof(buf), 0) > 0)
		;
	close(s);
}

/* ---- an established TCP connection ------------------------------------ */

static int tcppeer(void)
{
	struct sockaddr_in a4;
	unsigned char *buf = malloc(1 << 16);
	size_t total = 0;
	ssize_t n;
	int l, s;

	l = socket(AF_INET, SOCK_STREAM, 0);
	setint(l, SOL_SOCKET, SO_REUSEADDR, 1);
	setint(l, SOL_SOCKET, SO_RCVBUF, 4096);
	in4(&a4, port);
	if (bind(l, (void *)&a4, sizeof(a4)) || listen(l, 1))
		die("tcppeer listen");
	if (announce_ready(dir))
		die("ready");
	s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	send_msg(s, 3000, 42);
	wait_for_go(dir);
	while ((n = recv(s, buf, 1 << 16, 0)) > 0) {
		size_t i;

		/* the stream is pattern(seed 7) over all it carries */
		for (i = 0; i < (size_t)n; i++) {
			unsigned char want = (unsigned char)((total + i) * 31 +
					     7 + ((total + i) >> 8));

			if (buf[i] != want) {
				fprintf(stderr, "sockets: tcppeer: byte %zu is %u, expected %u\n",
					total + i, buf[i], want);
				return 1;
			}
		}
		total += n;
	}
	CHECK(n == 0, "tcppeer: EOF");
	printf("received %zu\n", total);
	CHECK(send(s, "bye", 3, 0) == 3, "tcppeer: bye");
	shutdown(s, SHUT_WR);
	CHECK(recv(s, buf, 16, 0) == 0, "tcppeer: nothing after EOF");
	if (failed)
		return 1;
	printf("all checks passed\n");
	return 0;
}

/* Send pattern(seed 7) bytes from stream offset *@off, @n of them. */
static ssize_t send_stream(int fd, size_t *off, size_t n, int flags)
{
	unsigned char *b = malloc(n);
	ssize_t r;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)((*off + i) * 31 + 7 + ((*off + i) >> 8));
	r = send(fd, b, n, flags);
	if (r > 0)
		*off += r;
	free(b);
	return r;
}

static int tcpconn(void)
{
	struct pollfd p;
	struct sockaddr_in a4;
	size_t sent = 0, target;
	char buf[16];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	in4(&a4, port);
	if (connect(fd, (void *)&a4, sizeof(a4)))
		die("connect");
	fd = move_fd(fd, 7, 0);
	set_more_opts(fd, 0);
	setint(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
	p.fd = fd;
	p.events = POLLIN;
	if (poll(&p, 1, 5000) != 1)
		die("the peer's bytes did not come");
	usleep(200000);
	/* fill what the peer's window and our send buffer take */
	while (send_stream(fd, &sent, 4096, MSG_DONTWAIT) > 0)
		;
	printf("sent %zu\n", sent);
	if (announce_ready(dir))
		die("ready");
	wait_for_go(dir);
	check_more_opts(fd, 0, "tcpconn");
	CHECK(getint(fd, SOL_SOCKET, SO_KEEPALIVE) == 1, "tcpconn: SO_KEEPALIVE");
	/* no timeouts for the rest: TCG may be slow */
	settimeo(fd, SO_RCVTIMEO, 0, 0);
	settimeo(fd, SO_SNDTIMEO, 0, 0);
	check_stream(fd, 3000, 42, 0, "tcpconn: the peer's bytes");
	check_empty(fd, 0, "tcpconn: nothing more from the peer yet");
	fcntl(fd, F_SETFL, 0);
	target = sent + 1000;
	while (sent < target)
		if (send_stream(fd, &sent, target - sent, 0) <= 0)
			break;
	printf("sent %zu\n", sent);
	CHECK(!shutdown(fd, SHUT_WR), "tcpconn: shutdown");
	CHECK(recv(fd, buf, sizeof(buf), MSG_WAITALL) == 3 &&
	      !memcmp(buf, "bye", 3), "tcpconn: bye");
	return failed;
}

/* ---- a connection with bytes in flight -------------------------------- */

/* Byte @i of the counting stream: little-endian u32 i / 4. */
static unsigned char count_byte(size_t i)
{
	return (unsigned char)((uint32_t)(i / 4) >> (8 * (i % 4)));
}

static int stop_asked(void)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/stop", dir);
	return !access(path, F_OK);
}

/*
 * The peer, not checkpointed: streams the counting stream to the one
 * connection it accepts, 4 KiB a millisecond, until DIR/stop; then
 * shuts down and waits for EOF.  Any error (a reset) fails it.
 */
static int tcpsource(void)
{
	const struct timespec ms = { 0, 1000 * 1000 };
	unsigned char b[4096];
	struct sockaddr_in a4;
	size_t off = 0, i;
	int l, s;

	l = socket(AF_INET, SOCK_STREAM, 0);
	setint(l, SOL_SOCKET, SO_REUSEADDR, 1);
	in4(&a4, port);
	if (bind(l, (void *)&a4, sizeof(a4)) || listen(l, 1))
		die("tcpsource listen");
	if (announce_ready(dir))
		die("ready");
	s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	while (!stop_asked()) {
		ssize_t r;

		for (i = 0; i < sizeof(b); i++)
			b[i] = count_byte(off + i);
		r = send(s, b, sizeof(b), 0);
		if (r < 0) {
			fprintf(stderr, "sockets: tcpsource: send after %zu bytes: %s\n",
				off, strerror(errno));
			return 1;
		}
		off += r;
		nanosleep(&ms, NULL);
	}
	printf("streamed %zu\n", off);
	CHECK(!shutdown(s, SHUT_WR), "tcpsource: shutdown");
	CHECK(recv(s, b, sizeof(b), 0) == 0, "tcpsource: EOF from the sink");
	return failed;
}

/*
 * Checkpointed while its peer streams: reads the counting stream (64 KiB
 * receive buffer), checking every byte, printing "got N" every 64 KiB,
 * until EOF; prints "received N".  A byte lost or repeated shows as a
 * wrong byte at its offset.
 */
static int tcpsink(void)
{
	unsigned char b[4096];
	struct sockaddr_in a4;
	size_t off = 0, next = 1 << 16, i;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	setint(fd, SOL_SOCKET, SO_RCVBUF, 1 << 16);
	in4(&a4, port);
	if (connect(fd, (void *)&a4, sizeof(a4)))
		die("connect");
	while ((n = recv(fd, b, sizeof(b), 0)) > 0) {
		for (i = 0; i < (size_t)n; i++) {
			if (b[i] != count_byte(off + i)) {
				fprintf(stderr, "sockets: tcpsink: byte %zu is %u, expected %u (a gap or a repeat)\n",
					off + i, b[i], count_byte(off + i));
				return 1;
			}
		}
		off += n;
		if (off >= next) {
			printf("got %zu\n", off);
			if (next == 1 << 16 && announce_ready(dir))
				die("ready");
			next += 1 << 16;
		}
	}
	CHECK(n == 0, "tcpsink: EOF");
	printf("received %zu\n", off);
	return failed;
}

/* ---- refusals -------------------------------------------------------- */

static int refuse(const char *mode)
{
	int sv[2], fd;
	pid_t c = 0;

	if (!strcmp(mode, "refuse-outside")) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			die("socketpair");
		c = fork();
		if (c == 0) {
			close(sv[0]);
			pause();
			_exit(0);
		}
		close(sv[1]);
		move_fd(sv[0], 5, 0);
	} else if (!strcmp(mode, "refuse-scm")) {
		char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
		struct iovec iov = { .iov_base = "f", .iov_len = 1 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
			die("socketpair");
		fd = open("/dev/null", O_RDONLY);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		if (sendmsg(sv[0], &m, 0) != 1)
			die("sendmsg SCM_RIGHTS");
		close(fd);
	} else if (!strcmp(mode, "refuse-pending")) {
		struct sockaddr_un a;
		socklen_t len;

		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		unix_addr(&a, &len, "ckpt-pending", 1);
		if (bind(fd, (void *)&a, len) || listen(fd, 5))
			die("listener");
		c = fork();
		if (c == 0) {
			int s = socket(AF_UNIX, SOCK_STREAM, 0);

			close(fd);
			if (connect(s, (void *)&a, len))
				die("connect");
			pause();
			_exit(0);
		}
		usleep(200000);
	} else if (!strcmp(mode, "tcpclient")) {
		struct sockaddr_in a4;

		fd = socket(AF_INET, SOCK_STREAM, 0);
		in4(&a4, port);
		if (connect(fd, (void *)&a4, sizeof(a4)))
			die("connect");
		move_fd(fd, 3, 0);
	} else {
		fprintf(stderr, "sockets: unknown mode %s\n", mode);
		return 2;
	}
	if (announce_ready(dir))
		die("ready");
	wait_for_go(dir);
	if (c > 0)
		kill(c, SIGKILL);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode;

	if (argc < 3) {
		fprintf(stderr, "usage: sockets MODE DIR [PORT]\n");
		return 2;
	}
	mode = argv[1];
	dir = argv[2];
	port = argc > 3 ? atoi(argv[3]) : 7080;
	close_extra_fds();
	if (!strcmp(mode, "client") && argc == 5) {
		struct sockaddr_in a4;
		char buf[512];
		ssize_t n;
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		in4(&a4, port);
		if (connect(fd, (void *)&a4, sizeof(a4)) ||
		    write_all(fd, argv[4], strlen(argv[4])) ||
		    shutdown(fd, SHUT_WR))
			die("client");
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, n, stdout);
		return n < 0;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "pairs"))
		pairs_setup();
	else if (!strcmp(mode, "unix"))
		unix_setup();
	else if (!strcmp(mode, "inet"))
		inet_setup();
	else if (!strcmp(mode, "treepair"))
		treepair();
	else if (!strcmp(mode, "tcppeer"))
		return tcppeer();
	else if (!strcmp(mode, "tcpsource"))
		return tcpsource();
	else if (!strcmp(mode, "tcpsink")) {
		if (tcpsink())
			return 1;
		printf("all checks passed\n");
		return 0;
	}
	else if (!strcmp(mode, "tcpconn")) {
		if (tcpconn())
			return 1;
		printf("all checks passed\n");
		return 0;
	} else if (!strcmp(mode, "dropped"))
		dropped_setup();
	else
		return refuse(mode);
	if (strcmp(mode, "treepair") && announce_ready(dir))
		die("ready");
	if (strcmp(mode, "treepair"))
		wait_for_go(dir);
	if (!strcmp(mode, "pairs"))
		pairs_check();
	else if (!strcmp(mode, "unix"))
		unix_check();
	else if (!strcmp(mode, "inet"))
		inet_check();
	else if (!strcmp(mode, "dropped"))
		dropped_check();
	if (failed)
		return 1;
	printf("all checks passed\n");
	if (!strcmp(mode, "inet"))
		serve();
	return 0;
}
