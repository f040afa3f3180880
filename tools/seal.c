// SPDX-License-Identifier: GPL-2.0
/*
 * The sealed migration stream: frames and the relay process (seal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "seal.h"
#include "migrate.h"
#include "util.h"

/* After the tool closed its end, the relay's last frames get this long. */
#define RELAY_LINGER_MS		10000

static void seal_nonce(const struct ckpt_seal_key *k,
		       unsigned char nonce[CKPT_AEAD_NONCE_LEN])
{
	for (int i = 0; i < 4; i++)
		nonce[i] = (unsigned char)(k->dir >> (8 * i));
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (unsigned char)(k->seq >> (8 * i));
}

size_t ckpt_seal_frame(struct ckpt_seal_key *k, const void *data, size_t len,
		       unsigned char *frame)
{
	unsigned char nonce[CKPT_AEAD_NONCE_LEN];

	for (int i = 0; i < CKPT_SEAL_HDR; i++)
		frame[i] = (unsigned char)(len >> (8 * i));
	if (len && data != frame + CKPT_SEAL_HDR)
		memmove(frame + CKPT_SEAL_HDR, data, len);
	seal_nonce(k, nonce);
	ckpt_aead_seal(k->key, nonce, frame, CKPT_SEAL_HDR,
		       frame + CKPT_SEAL_HDR, len,
		       frame + CKPT_SEAL_HDR + len);
	k->seq++;
	return CKPT_SEAL_HDR + len + CKPT_AEAD_TAG_LEN;
}

long ckpt_seal_frame_len(const unsigned char hdr[CKPT_SEAL_HDR])
{
	uint32_t len = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 |
		       (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;

	return len > CKPT_SEAL_DATA_MAX ? -EBADMSG : (long)len;
}

int ckpt_seal_open(struct ckpt_seal_key *k, unsigned char *frame, size_t len)
{
	unsigned char nonce[CKPT_AEAD_NONCE_LEN];
	int err;

	if (len > CKPT_SEAL_DATA_MAX || ckpt_seal_frame_len(frame) != (long)len)
		return -EBADMSG;
	seal_nonce(k, nonce);
	err = ckpt_aead_open(k->key, nonce, frame, CKPT_SEAL_HDR,
			     frame + CKPT_SEAL_HDR, len,
			     frame + CKPT_SEAL_HDR + len);
	if (!err)
		k->seq++;
	return err;
}

/* ---- the relay ------------------------------------------------------ */

/* One direction's frame in flight. */
struct relay_buf {
	unsigned char frame[CKPT_SEAL_FRAME_MAX];
	size_t have;		/* bytes read into frame (incoming) */
	long len;		/* its data length, once the header is in */
	const unsigned char *out;	/* what is left to write */
	size_t out_len;
};

struct relay {
	int conn, plain, status;
	struct ckpt_seal_key tx, rx;
	struct relay_buf a;	/* plain -> conn, sealed */
	struct relay_buf b;	/* conn -> plain, opened */
	int a_ending, a_done, b_done, reported;
	int64_t hup_ms;		/* when the tool closed its end */
};

static void relay_report(struct relay *r, int err)
{
	unsigned char c = (unsigned char)err;

	if (r->reported++)
		return;
	if (write(r->status, &c, 1) != 1)
		return;
}

/* The incoming direction failed: the tool reads the end of it. */
static void relay_b_fail(struct relay *r, int err)
{
	relay_report(r, err);
	shutdown(r->plain, SHUT_WR);
	r->b_done = 1;
}

static void relay_a_read(struct relay *r)
{
	unsigned char *data = r->a.frame + CKPT_SEAL_HDR;	/* sealed in place */
	ssize_t n = read(r->plain, data, CKPT_SEAL_DATA_MAX);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* the tool is done writing: the end frame, then no more */
		n = 0;
		r->a_ending = 1;
	}
	r->a.out_len = ckpt_seal_frame(&r->tx, data, (size_t)n, r->a.frame);
	r->a.out = r->a.frame;
}

static void relay_a_write(struct relay *r)
{
	ssize_t n = send(r->conn, r->a.out, r->a.out_len, MSG_NOSIGNAL);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0) {
		/* Broken: the tool's writes fail; what still comes is read. */
		relay_report(r, errno);
		shutdown(r->plain, SHUT_RD);
		r->a_done = 1;
		return;
	}
	r->a.out += n;
	r->a.out_len -= (size_t)n;
	if (!r->a.out_len && r->a_ending) {
		shutdown(r->conn, SHUT_WR);
		r->a_done = 1;
	}
}

static void relay_b_read(struct relay *r)
{
	struct relay_buf *b = &r->b;
	size_t want = b->have < CKPT_SEAL_HDR ? CKPT_SEAL_HDR - b->have :
		      CKPT_SEAL_HDR + (size_t)b->len + CKPT_AEAD_TAG_LEN - b->have;
	ssize_t n = read(r->conn, b->frame + b->have, want);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		relay_b_fail(r, n ? errno : ECONNRESET);
		return;
	}
	b->have += (size_t)n;
	if (b->have == CKPT_SEAL_HDR) {
		b->len = ckpt_seal_frame_len(b->frame);	/* read once */
		if (b->len < 0) {
			relay_b_fail(r, EBADMSG);
			return;
		}
	}
	if (b->have < CKPT_SEAL_HDR ||
	    b->have < CKPT_SEAL_HDR + (size_t)b->len + CKPT_AEAD_TAG_LEN)
		return;
	b->have = 0;
	if (ckpt_seal_open(&r->rx, b->frame, (size_t)b->len)) {
		relay_b_fail(r, EBADMSG);
		return;
	}
	if (!b->len) {
		/* the peer's end: the tool reads end-of-file */
		shutdown(r->plain, SHUT_WR);
		r->b_done = 1;
		return;
	}
	b->out = b->frame + CKPT_SEAL_HDR;
	b->out_len = (size_t)b->len;
}

static void relay_b_write(struct relay *r)
{
	ssize_t n = send(r->plain, r->b.out, r->b.out_len, MSG_NOSIGNAL);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0) {
		r->b_done = 1;	/* the tool stopped reading: drop the rest */
		return;
	}
	r->b.out += n;
	r->b.out_len -= (size_t)n;
}

static void __attribute__((noreturn)) relay_run(struct relay *r)
{
	for (;;) {
		short pe = 0, ce = 0;
		int timeout = -1;
		struct pollfd p[2];

		if (!r->a_done) {
			if (r->a.out_len)
				ce |= POLLOUT;
			else
				pe |= POLLIN;
		}
		if (!r->b_done) {
			if (r->b.out_len)
				pe |= POLLOUT;
			else
				ce |= POLLIN;
		}
		if (r->a_done && r->b_done)
			break;
		if (r->hup_ms) {
			timeout = (int)(r->hup_ms + RELAY_LINGER_MS - ckpt_now_ms());
			if (timeout <= 0)
				break;
		}
		/* The plain end is watched for the tool's close until then. */
		p[0].fd = pe || !r->b_done ? r->plain : -1;
		p[0].events = pe;
		p[1].fd = ce ? r->conn : -1;
		p[1].events = ce;
		if (poll(p, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((p[0].revents & POLLHUP) && !r->hup_ms) {
			/* the tool closed its end: nothing more to hand it */
			r->hup_ms = ckpt_now_ms();
			r->b_done = 1;
		}
		if ((pe & POLLIN) && p[0].revents)
			relay_a_read(r);
		if ((ce & POLLOUT) && p[1].revents)
			relay_a_write(r);
		if ((ce & POLLIN) && p[1].revents && !r->b_done)
			relay_b_read(r);
		if ((pe & POLLOUT) && p[0].revents && !r->b_done)
			relay_b_write(r);
	}
	_exit(0);
}

/*
 * The relay needs no privilege: it only moves bytes between two open
 * descriptors.  Run as root, it becomes nobody before it reads a byte.
 * Best effort: a relay that cannot still works, with the tool's rights.
 */
static void relay_drop_privileges(void)
{
	const uid_t nobody = 65534;

	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (geteuid() != 0)
		return;
	if (setgroups(0, NULL) || setresgid(nobody, nobody, nobody))
		return;
	setresuid(nobody, nobody, nobody);
}

int ckpt_seal_start(int *conn, const struct ckpt_seal_key *tx,
		    const struct ckpt_seal_key *rx, struct ckpt_seal_relay *r)
{
	static struct relay rl;	/* the child's; too large for its stack */
	int sp[2], st[2], null;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp))
		return -errno;
	if (pipe2(st, O_CLOEXEC)) {
		int err = -errno;

		close(sp[0]);
		close(sp[1]);
		return err;
	}
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(sp[0]);
		close(sp[1]);
		close(st[0]);
		close(st[1]);
		return err;
	}
	if (pid == 0) {
		/* conn, plain and status at 3, 4, 5; nothing else open */
		if (dup2(*conn, 10) < 0 || dup2(sp[1], 11) < 0 ||
		    dup2(st[1], 12) < 0 || dup2(10, 3) < 0 ||
		    dup2(11, 4) < 0 || dup2(12, 5) < 0)
			_exit(1);
		syscall(SYS_close_range, 6, ~0U, 0);
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 5)
				close(null);
		}
		signal(SIGPIPE, SIG_IGN);
		prctl(PR_SET_NAME, "ckpt-seal", 0, 0, 0);
		relay_drop_privileges();
		rl.conn = 3;
		rl.plain = 4;
		rl.status = 5;
		rl.tx = *tx;
		rl.rx = *rx;
		fcntl(3, F_SETFL, fcntl(3, F_GETFL) | O_NONBLOCK);
		fcntl(4, F_SETFL, fcntl(4, F_GETFL) | O_NONBLOCK);
		relay_run(&rl);
	}
	close(sp[1]);
	close(st[1]);
	close(*conn);
	*conn = sp[0];
	r->pid = pid;
	r->status = st[0];
	return 0;
}

int ckpt_seal_failure(struct ckpt_seal_relay *r)
{
	unsigned char c;

	if (!r->failure && r->pid && r->status >= 0) {
		int fl = fcntl(r->status, F_GETFL);

		fcntl(r->status, F_SETFL, fl | O_NONBLOCK);
		if (read(r->status, &c, 1) == 1)
			r->failure = c ? -(int)c : -EIO;
	}
	return r->failure;
}

void ckpt_seal_finish(int *conn, struct ckpt_seal_relay *r, int timeout_ms)
{
	int64_t end = ckpt_now_ms() + timeout_ms;
	const struct timespec tick = { 0, 5 * 1000 * 1000 };

	if (*conn >= 0)
		close(*conn);
	*conn = -1;
	if (!r->pid)
		return;
	while (waitpid(r->pid, NULL, WNOHANG) == 0) {
		if (ckpt_now_ms() >= end) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, NULL, 0);
			break;
		}
		nanosleep(&tick, NULL);
	}
	r->pid = 0;
	if (r->status >= 0)
		close(r->status);
	r->status = -1;
}
