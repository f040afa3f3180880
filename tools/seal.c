// SPDX-License-Identifier: GPL-2.0
/*
 * The sealed migration stream: frames and the relay process; and sealed
 * image files (ckpt seal, ckpt unseal) in the same frames (seal.h).
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
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/random.h>
#include "hmac.h"
#include "seal.h"
#include "migrate.h"
#include "util.h"

/* After the tool closed its end, the relay's last frames get this long. */
#define RELAY_LINGER_MS		10000

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void seal_nonce(const struct ckpt_seal_key *k,
		       unsigned char nonce[CKPT_AEAD_NONCE_LEN])
{
	put_le32(nonce, k->dir);
	put_le32(nonce + 4, (uint32_t)k->seq);
	put_le32(nonce + 8, (uint32_t)(k->seq >> 32));
}

size_t ckpt_seal_frame(struct ckpt_seal_key *k, const void *data, size_t len,
		       unsigned char *frame)
{
	unsigned char nonce[CKPT_AEAD_NONCE_LEN];

	put_le32(frame, (uint32_t)len);
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
	uint32_t len = get_le32(hdr);

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
	int a_ending, a_done, a_reported;
	int b_failed, b_done;	/* b_failed: what still comes is dropped */
	int64_t hup_ms;		/* when the tool closed its end */
};

/* Tell the tool why a direction failed: one byte each way, at most. */
static void relay_report(struct relay *r, int *reported, int err)
{
	unsigned char c = (unsigned char)err;

	if ((*reported)++)
		return;
	if (write(r->status, &c, 1) != 1)
		return;
}

/*
 * The incoming direction failed: the tool reads end-of-file, and what
 * still arrives is read and dropped, so that the peer can finish sending
 * and read the answer instead of a reset connection.
 */
static void relay_b_fail(struct relay *r, int err)
{
	relay_report(r, &r->b_failed, err);
	shutdown(r->plain, SHUT_WR);
}

static void relay_a_read(struct relay *r)
{
	unsigned char *data = r->a.frame + CKPT_SEAL_HDR;	/* sealed in place */
	ssize_t n = read(r->plain, data, CKPT_SEAL_DATA_MAX);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/*
		 * The tool is done: the end frame.  (A socket pair reports
		 * ECONNRESET when the tool closed with input unread, which
		 * is a close like any other.)
		 */
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
		relay_report(r, &r->a_reported, errno);
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
	ssize_t n;

	if (r->b_failed)
		want = sizeof(b->frame);	/* dropped */
	n = read(r->conn, b->frame + (r->b_failed ? 0 : b->have), want);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* the end of the connection without the end frame: a cut */
		if (!r->b_failed)
			relay_b_fail(r, n ? errno : ENODATA);
		r->b_done = 1;
		return;
	}
	if (r->b_failed)
		return;
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
		p[0].fd = pe || !r->hup_ms ? r->plain : -1;
		p[0].events = pe;
		p[1].fd = ce ? r->conn : -1;
		p[1].events = ce;
		if (poll(p, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((p[0].revents & POLLHUP) && !r->hup_ms) {
			/*
			 * The tool closed its end: nothing more to hand it.
			 * A failed stream is still drained while we linger.
			 */
			r->hup_ms = ckpt_now_ms();
			if (!r->b_failed)
				r->b_done = 1;
			r->b.out_len = 0;
		}
		if ((pe & POLLIN) && p[0].revents)
			relay_a_read(r);
		if ((ce & POLLOUT) && p[1].revents)
			relay_a_write(r);
		if ((ce & POLLIN) && p[1].revents && !r->b_done)
			relay_b_read(r);
		if ((pe & POLLOUT) && p[0].revents && !r->b_done &&
		    r->b.out_len)
			relay_b_write(r);
	}
	_exit(0);
}

/*
 * The relay needs no privilege: it only moves bytes between two open
 * descriptors.  Run as root, it becomes nobody (not dumpable, so other
 * processes of nobody cannot trace it; they can signal it, which can
 * only fail this migration); whatever its uid, it gives up every
 * capability, and cannot gain any.
 */
static void relay_drop_privileges(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct none[2] = { { 0 } };
	const uid_t nobody = 65534;

	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (geteuid() == 0 && !setgroups(0, NULL) &&
	    !setresgid(nobody, nobody, nobody))
		setresuid(nobody, nobody, nobody);
	syscall(SYS_capset, &hdr, none);
	/* last: a change of credentials resets it (fs.suid_dumpable) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/*
 * In the relay child: the connection, the plain end and the status pipe
 * at 3, 4 and 5, nothing else open beyond the standard three (which go
 * to /dev/null).  Each is first copied above 5: a dup2() to 3, 4 or 5
 * must not replace one of the others.
 */
static int relay_fds(int conn, int plain, int status)
{
	int from[3] = { conn, plain, status }, high[3], i, null;

	for (i = 0; i < 3; i++) {
		high[i] = fcntl(from[i], F_DUPFD, 6);
		if (high[i] < 0)
			return -1;
	}
	for (i = 0; i < 3; i++)
		if (dup2(high[i], 3 + i) < 0)
			return -1;
	if (syscall(SYS_close_range, 6, ~0U, 0)) {
		long max = sysconf(_SC_OPEN_MAX);

		for (long fd = 6; fd < (max > 0 ? max : 1024); fd++)
			close((int)fd);
	}
	null = open("/dev/null", O_RDWR);
	for (i = 0; i < 3; i++) {
		if (null < 0)
			close(i);
		else if (null != i && dup2(null, i) < 0)
			return -1;
	}
	if (null > 5)
		close(null);
	return 0;
}

int ckpt_seal_start(int *conn, const struct ckpt_seal_key *tx,
		    const struct ckpt_seal_key *rx, void *wipe, size_t wipe_len,
		    struct ckpt_seal_relay *r)
{
	static struct relay rl;	/* the child's; too large for its stack */
	int sp[2], st[2];
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
		/* the shared key is the tool's, not the relay's */
		if (wipe)
			explicit_bzero(wipe, wipe_len);
		if (relay_fds(*conn, sp[1], st[1]))
			_exit(1);
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
	unsigned char c[2];
	ssize_t n;

	if (!r->pid || r->status < 0 || r->failure == -EBADMSG)
		return r->failure;
	fcntl(r->status, F_SETFL, fcntl(r->status, F_GETFL) | O_NONBLOCK);
	n = read(r->status, c, sizeof(c));
	/* a changed frame explains more than the other way's failure */
	for (ssize_t i = 0; i < n; i++)
		if (!r->failure || c[i] == EBADMSG)
			r->failure = c[i] ? -(int)c[i] : -EIO;
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
			/*
			 * Not ours to kill once we changed user (restart
			 * --user): it ends on its own within its linger, and
			 * the listener, a subreaper, reaps it.
			 */
			if (kill(r->pid, SIGKILL))
				break;
			while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
				;
			break;
		}
		nanosleep(&tick, NULL);
	}
	r->pid = 0;
	if (r->status >= 0)
		close(r->status);
	r->status = -1;
}

/* ---- sealed files ----------------------------------------------------- */

int ckpt_sealed_magic(const void *buf, size_t len)
{
	return len >= sizeof(CKPT_SEALED_MAGIC) - 1 &&
	       !memcmp(buf, CKPT_SEALED_MAGIC, sizeof(CKPT_SEALED_MAGIC) - 1);
}

/* This file's frame key, from the long-term key and its header. */
static void sealed_key(struct ckpt_seal_key *k, const unsigned char *key,
		       size_t key_len, const unsigned char *hdr)
{
	static const char label[] = "ckpt-image-seal";
	unsigned char mac[CKPT_SHA256_LEN];
	struct ckpt_hmac h;

	ckpt_hmac_init(&h, key, key_len);
	ckpt_hmac_update(&h, label, sizeof(label) - 1);
	ckpt_hmac_update(&h, hdr, CKPT_SEALED_HDR);
	ckpt_hmac_final(&h, mac);
	memcpy(k->key, mac, sizeof(k->key));
	explicit_bzero(mac, sizeof(mac));
	explicit_bzero(&h, sizeof(h));
	k->dir = CKPT_SEAL_FILE;
	k->seq = 0;
}

int ckpt_seal_stream(int in, int out, const unsigned char *key,
		     size_t key_len, const char **why)
{
	unsigned char hdr[CKPT_SEALED_HDR];
	struct ckpt_seal_key k;
	unsigned char *frame;
	ssize_t n;
	size_t len;
	int err;

	*why = "allocating memory for";
	frame = malloc(CKPT_SEAL_FRAME_MAX);
	if (!frame)
		return -ENOMEM;
	memcpy(hdr, CKPT_SEALED_MAGIC, 8);
	put_le32(hdr + 8, CKPT_SEALED_VERSION);
	put_le32(hdr + 12, 0);
	*why = "making a salt for";
	n = getrandom(hdr + 16, 32, 0);
	if (n != 32) {
		err = n < 0 ? -errno : -EIO;
		goto out;
	}
	sealed_key(&k, key, key_len, hdr);
	*why = "writing";
	err = ckpt_write_full(out, hdr, sizeof(hdr));
	while (!err) {
		*why = "reading";
		n = ckpt_read_full(in, frame + CKPT_SEAL_HDR,
				   CKPT_SEAL_DATA_MAX);
		if (n < 0) {
			err = (int)n;
			break;
		}
		/* nothing at all: a checkpoint that failed before it */
		if (!n && !k.seq) {
			*why = "it is empty (no image to seal)";
			err = -ENODATA;
			break;
		}
		/* 0 bytes: the end frame */
		len = ckpt_seal_frame(&k, frame + CKPT_SEAL_HDR, (size_t)n,
				      frame);
		*why = "writing";
		err = ckpt_write_full(out, frame, len);
		if (!n)
			break;
	}
	explicit_bzero(&k, sizeof(k));
out:
	explicit_bzero(frame, CKPT_SEAL_FRAME_MAX);
	free(frame);
	return err;
}

int ckpt_unseal_stream(int in, int out, const unsigned char *key,
		       size_t key_len, const char **why)
{
	unsigned char hdr[CKPT_SEALED_HDR];
	struct ckpt_seal_key k = { .dir = 0 };
	unsigned char *frame, *held, *t;
	size_t held_len = 0;
	ssize_t n;
	long len;
	int err;

	/*
	 * Each frame's data is written once the next frame checked, the last
	 * once the end frame and the end of the file did: the end of the
	 * image (its END record) is never written from a file that fails.
	 */
	*why = "allocating memory for";
	frame = malloc(CKPT_SEAL_FRAME_MAX);
	held = malloc(CKPT_SEAL_FRAME_MAX);
	if (!frame || !held) {
		free(frame);
		free(held);
		return -ENOMEM;
	}
	*why = "reading";
	n = ckpt_read_full(in, hdr, sizeof(hdr));
	err = n < 0 ? (int)n : 0;
	if (!err && !ckpt_sealed_magic(hdr, (size_t)n)) {
		*why = "not a sealed file";
		err = -ENOEXEC;
	} else if (!err && n < (ssize_t)sizeof(hdr)) {
		*why = "its header is cut short";
		err = -ENODATA;
	} else if (!err && (get_le32(hdr + 8) != CKPT_SEALED_VERSION ||
			    get_le32(hdr + 12))) {
		*why = "another version of sealed files";
		err = -EPROTO;
	}
	if (!err)
		sealed_key(&k, key, key_len, hdr);
	while (!err) {
		*why = "reading";
		n = ckpt_read_full(in, frame, CKPT_SEAL_HDR);
		if (n < 0) {
			err = (int)n;
			break;
		}
		if (n < CKPT_SEAL_HDR) {
			*why = "it is cut short (no end frame)";
			err = -ENODATA;
			break;
		}
		len = ckpt_seal_frame_len(frame);
		if (len < 0) {
			*why = "a frame's length is wrong (changed, or not sealed with this key)";
			err = -EBADMSG;
			break;
		}
		n = ckpt_read_full(in, frame + CKPT_SEAL_HDR,
				   (size_t)len + CKPT_AEAD_TAG_LEN);
		if (n < 0) {
			err = (int)n;
			break;
		}
		if (n < len + CKPT_AEAD_TAG_LEN) {
			*why = "it is cut short (in a frame)";
			err = -ENODATA;
			break;
		}
		if (ckpt_seal_open(&k, frame, (size_t)len)) {
			*why = "it failed authentication (changed, or sealed with another key)";
			err = -EBADMSG;
			break;
		}
		if (!len) {
			/* the end: nothing may follow */
			n = ckpt_read_full(in, frame, 1);
			if (n < 0)
				err = (int)n;
			else if (n) {
				*why = "bytes follow its end frame";
				err = -EBADMSG;
			}
			if (err)
				break;
		}
		*why = "writing";
		if (held_len)
			err = ckpt_write_full(out, held + CKPT_SEAL_HDR,
					      held_len);
		if (!len)
			break;
		t = held;
		held = frame;
		frame = t;
		held_len = (size_t)len;
	}
	explicit_bzero(&k, sizeof(k));
	explicit_bzero(frame, CKPT_SEAL_FRAME_MAX);
	explicit_bzero(held, CKPT_SEAL_FRAME_MAX);
	free(frame);
	free(held);
	return err;
}
