// SPDX-License-Identifier: GPL-2.0
/*
 * The migration protocol (migrate.h): messages, addresses, sockets.
 * Shared by 'ckpt migrate' and 'restart --listen'.  Nothing here prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/vm_sockets.h>
#include "csum.h"
#include "hmac.h"
#include "migrate.h"
#include "seal.h"

int64_t ckpt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- messages ----------------------------------------------------- */

/* The low 32 bits of the XXH64 of @msg with its csum field zeroed. */
static uint32_t msg_crc(const void *msg, size_t len, size_t csum_off)
{
	struct ckpt_csum s;
	uint32_t zero = 0;

	ckpt_csum_init(&s);
	ckpt_csum_update(&s, msg, csum_off);
	ckpt_csum_update(&s, &zero, sizeof(zero));
	ckpt_csum_update(&s, (const char *)msg + csum_off + sizeof(zero),
			 len - csum_off - sizeof(zero));
	return (uint32_t)ckpt_csum_digest(&s);
}

#define SEAL(m, type, magic_val) do {					\
	(m)->magic = (magic_val);					\
	(m)->version = CKPT_MIG_VERSION;				\
	(m)->size = sizeof(type);					\
	(m)->csum = msg_crc((m), sizeof(type), offsetof(type, csum));	\
} while (0)

/* -EBADMSG for a bad magic, CRC or field; -EPROTO for another version. */
#define CHECK(m, type, magic_val) do {					\
	if ((m)->magic != (magic_val))					\
		return -EBADMSG;					\
	if ((m)->csum != msg_crc((m), sizeof(type), offsetof(type, csum))) \
		return -EBADMSG;					\
	if ((m)->version != CKPT_MIG_VERSION || (m)->size != sizeof(type)) \
		return -EPROTO;						\
} while (0)

void ckpt_mig_hello_seal(struct ckpt_mig_hello *h)
{
	SEAL(h, struct ckpt_mig_hello, CKPT_MIG_HELLO_MAGIC);
}

int ckpt_mig_hello_check(struct ckpt_mig_hello *h)
{
	CHECK(h, struct ckpt_mig_hello, CKPT_MIG_HELLO_MAGIC);
	if (h->flags & ~CKPT_MIG_HELLO_FLAGS)
		return -EOPNOTSUPP;
	if (h->pid <= 0 || h->reserved[0] || h->reserved[1] || h->reserved1)
		return -EBADMSG;
	h->node[CKPT_MIG_NODE_LEN - 1] = '\0';
	return 0;
}

void ckpt_mig_verdict_seal(struct ckpt_mig_verdict *v)
{
	v->msg[CKPT_MIG_MSG_LEN - 1] = '\0';
	SEAL(v, struct ckpt_mig_verdict, CKPT_MIG_VERDICT_MAGIC);
}

int ckpt_mig_verdict_check(struct ckpt_mig_verdict *v)
{
	size_t i;

	CHECK(v, struct ckpt_mig_verdict, CKPT_MIG_VERDICT_MAGIC);
	if (v->error < 0 || v->error > 4095 || v->stage > CKPT_MIG_STAGE_MAX ||
	    v->reserved || v->reserved1)
		return -EBADMSG;
	if (!v->error && (v->pid <= 0 || v->stage != CKPT_MIG_STAGE_NONE))
		return -EBADMSG;
	if (memchr(v->msg, '\0', sizeof(v->msg)) == NULL)
		return -EBADMSG;
	/* A hostile peer's message goes to our terminal: printable only. */
	for (i = 0; v->msg[i]; i++)
		if ((unsigned char)v->msg[i] < 0x20 ||
		    (unsigned char)v->msg[i] > 0x7e)
			v->msg[i] = '?';
	return 0;
}

void ckpt_mig_commit_seal(struct ckpt_mig_commit *c)
{
	SEAL(c, struct ckpt_mig_commit, CKPT_MIG_COMMIT_MAGIC);
}

int ckpt_mig_commit_check(struct ckpt_mig_commit *c)
{
	CHECK(c, struct ckpt_mig_commit, CKPT_MIG_COMMIT_MAGIC);
	if (c->what != CKPT_MIG_COMMIT && c->what != CKPT_MIG_ABORT &&
	    c->what != CKPT_MIG_COMMITTED)
		return -EBADMSG;
	return 0;
}

void ckpt_mig_auth_seal(struct ckpt_mig_auth *a, uint64_t magic)
{
	SEAL(a, struct ckpt_mig_auth, magic);
}

int ckpt_mig_auth_check(struct ckpt_mig_auth *a, uint64_t magic)
{
	CHECK(a, struct ckpt_mig_auth, magic);
	if (a->reserved)
		return -EBADMSG;
	return 0;
}

int ckpt_mig_key_load(const char *path, unsigned char *key, const char **why)
{
	struct stat st;
	ssize_t n;
	int fd, err;

	*why = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP) {
		*why = "it is a symbolic link (name the file itself)";
		return -ELOOP;
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	err = -EINVAL;
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		goto out;
	}
	if (st.st_mode & 077) {
		*why = "group or others may access it (chmod 600 it)";
		err = -EPERM;
		goto out;
	}
	/* Another user could change it: and forge what it authenticates. */
	if (st.st_uid != geteuid()) {
		*why = "another user owns it";
		err = -EPERM;
		goto out;
	}
	if (st.st_size < CKPT_MIG_KEY_MIN || st.st_size > CKPT_MIG_KEY_MAX) {
		*why = "a key file holds 16 to 4096 bytes (e.g. head -c 32 /dev/urandom)";
		goto out;
	}
	n = read(fd, key, CKPT_MIG_KEY_MAX);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	if (n < CKPT_MIG_KEY_MIN) {
		*why = "the key is shorter than 16 bytes";
		goto out;
	}
	err = (int)n;
out:
	if (err < 0)
		explicit_bzero(key, CKPT_MIG_KEY_MAX);
	close(fd);
	return err;
}

void ckpt_mig_auth_mac(const unsigned char *key, size_t key_len,
		       const char *role, const struct ckpt_mig_hello *h,
		       const unsigned char *nonce_s,
		       const unsigned char *nonce_r, unsigned char *mac)
{
	struct ckpt_hmac m;

	ckpt_hmac_init(&m, key, key_len);
	ckpt_hmac_update(&m, role, strlen(role));
	ckpt_hmac_update(&m, h, sizeof(*h));
	ckpt_hmac_update(&m, nonce_s, CKPT_MIG_NONCE_LEN);
	ckpt_hmac_update(&m, nonce_r, CKPT_MIG_NONCE_LEN);
	ckpt_hmac_final(&m, mac);
}

int ckpt_mig_seal(int *conn, int receiver, unsigned char *key,
		  size_t key_size, size_t key_len,
		  const struct ckpt_mig_hello *h, const unsigned char *nonce_s,
		  const unsigned char *nonce_r, struct ckpt_seal_relay *r)
{
	_Static_assert(CKPT_MIG_MAC_LEN == CKPT_AEAD_KEY_LEN,
		       "an HMAC-SHA256 is a sealing key");
	struct ckpt_seal_key s2r = { .dir = CKPT_SEAL_S2R };
	struct ckpt_seal_key r2s = { .dir = CKPT_SEAL_R2S };
	int err;

	ckpt_mig_auth_mac(key, key_len, "ckpt-mig-seal-s2r", h, nonce_s,
			  nonce_r, s2r.key);
	ckpt_mig_auth_mac(key, key_len, "ckpt-mig-seal-r2s", h, nonce_s,
			  nonce_r, r2s.key);
	/* The relay wipes its copy of the long-term key. */
	err = receiver ? ckpt_seal_start(conn, &r2s, &s2r, key, key_size, r) :
			 ckpt_seal_start(conn, &s2r, &r2s, key, key_size, r);
	explicit_bzero(&s2r, sizeof(s2r));
	explicit_bzero(&r2s, sizeof(r2s));
	return err;
}

int ckpt_random(void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

const char *ckpt_mig_stage_name(uint32_t stage)
{
	switch (stage) {
	case CKPT_MIG_STAGE_HELLO:
		return "handshake";
	case CKPT_MIG_STAGE_IMAGE:
		return "checking the image";
	case CKPT_MIG_STAGE_RESTORE:
		return "restoring the process";
	default:
		return "restored";
	}
}

/* ---- addresses ---------------------------------------------------- */

static int parse_uint(const char *s, unsigned long max, unsigned int *val)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*val = (unsigned int)v;
	return 0;
}

int ckpt_addr_parse(const char *s, struct ckpt_addr *a, const char **why)
{
	const char *rest, *colon;
	size_t hlen;

	memset(a, 0, sizeof(*a));
	*why = NULL;
	if (!strncmp(s, "file:", 5)) {
		a->kind = CKPT_ADDR_FILE;
		if (!s[5] || strlen(s + 5) >= sizeof(a->path)) {
			*why = "file: needs a path";
			return -EINVAL;
		}
		strcpy(a->path, s + 5);
		return 0;
	}
	if (!strncmp(s, "vsock:", 6)) {
		rest = s + 6;
		a->kind = CKPT_ADDR_VSOCK;
		colon = strchr(rest, ':');
		if (!colon) {
			*why = "expected vsock:CID:PORT";
			return -EINVAL;
		}
		hlen = colon - rest;
		if ((hlen == 3 && !strncmp(rest, "any", 3)) || hlen == 0) {
			a->cid = VMADDR_CID_ANY;
		} else {
			char cid[16];

			if (hlen >= sizeof(cid)) {
				*why = "bad vsock CID";
				return -EINVAL;
			}
			memcpy(cid, rest, hlen);
			cid[hlen] = '\0';
			if (parse_uint(cid, UINT_MAX, &a->cid)) {
				*why = "bad vsock CID";
				return -EINVAL;
			}
		}
		if (parse_uint(colon + 1, UINT_MAX - 1, &a->port) || !a->port) {
			*why = "bad vsock port";
			return -EINVAL;
		}
		return 0;
	}
	rest = !strncmp(s, "tcp:", 4) ? s + 4 : s;
	a->kind = CKPT_ADDR_TCP;
	colon = strrchr(rest, ':');
	if (!colon) {
		*why = "expected vsock:CID:PORT, tcp:HOST:PORT, HOST:PORT or file:PATH";
		return -EINVAL;
	}
	hlen = colon - rest;
	/* [v6addr]:port */
	if (hlen >= 2 && rest[0] == '[' && rest[hlen - 1] == ']') {
		rest++;
		hlen -= 2;
	}
	if (hlen >= sizeof(a->host)) {
		*why = "host name too long";
		return -EINVAL;
	}
	memcpy(a->host, rest, hlen);
	a->host[hlen] = '\0';
	if (parse_uint(colon + 1, 65535, &a->port) || !a->port) {
		*why = "bad TCP port (1-65535)";
		return -EINVAL;
	}
	return 0;
}

void ckpt_addr_format(const struct ckpt_addr *a, char *buf, size_t size)
{
	switch (a->kind) {
	case CKPT_ADDR_FILE:
		snprintf(buf, size, "file:%s", a->path);
		break;
	case CKPT_ADDR_VSOCK:
		if (a->cid == VMADDR_CID_ANY)
			snprintf(buf, size, "vsock:any:%u", a->port);
		else
			snprintf(buf, size, "vsock:%u:%u", a->cid, a->port);
		break;
	default:
		snprintf(buf, size, strchr(a->host, ':') ? "tcp:[%s]:%u" :
			 "tcp:%s:%u", a->host, a->port);
	}
}

void ckpt_peer_format(const struct sockaddr_storage *ss, char *buf,
		      size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_VSOCK) {
		const struct sockaddr_vm *vm = (const void *)ss;

		snprintf(buf, size, "vsock:%u:%u", vm->svm_cid, vm->svm_port);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(buf, size, "tcp:%s:%u", host, ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "tcp:[%s]:%u", host,
			 ntohs(in6->sin6_port));
	} else {
		snprintf(buf, size, "unknown peer");
	}
}

/* Non-blocking connect bounded by timeout_ms; the fd stays blocking. */
static int connect_timeout(int fd, const struct sockaddr *sa, socklen_t len,
			   int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int fl = fcntl(fd, F_GETFL), err = 0, ret;
	socklen_t elen = sizeof(err);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	if (connect(fd, sa, len) == 0)
		goto done;
	if (errno != EINPROGRESS)
		return -errno;
	do
		ret = poll(&p, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret == 0)
		return -ETIMEDOUT;
	if (ret < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
		return -errno;
	if (err)
		return -err;
done:
	if (fcntl(fd, F_SETFL, fl))
		return -errno;
	return 0;
}

int ckpt_addr_connect(const struct ckpt_addr *a, int timeout_ms)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[16];
	int fd, err;

	if (a->kind == CKPT_ADDR_VSOCK) {
		struct sockaddr_vm vm;

		memset(&vm, 0, sizeof(vm));
		vm.svm_family = AF_VSOCK;
		vm.svm_cid = a->cid;
		vm.svm_port = a->port;
		fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		err = connect_timeout(fd, (struct sockaddr *)&vm, sizeof(vm),
				      timeout_ms);
		if (err) {
			close(fd);
			return err;
		}
		return fd;
	}
	if (a->kind != CKPT_ADDR_TCP || !a->host[0])
		return -EINVAL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", a->port);
	err = getaddrinfo(a->host, port, &hints, &res);
	if (err)
		return err == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	err = -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		int one = 1;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		err = connect_timeout(fd, ai->ai_addr, ai->ai_addrlen,
				      timeout_ms);
		if (!err)
			break;
		close(fd);
	}
	freeaddrinfo(res);
	return err ? err : fd;
}

int ckpt_addr_listen(const struct ckpt_addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (a->kind == CKPT_ADDR_VSOCK) {
		struct sockaddr_vm *vm = (void *)&ss;

		vm->svm_family = AF_VSOCK;
		vm->svm_cid = a->cid;
		vm->svm_port = a->port;
		len = sizeof(*vm);
	} else if (a->kind == CKPT_ADDR_TCP) {
		struct sockaddr_in *in = (void *)&ss;
		struct sockaddr_in6 *in6 = (void *)&ss;

		if (!a->host[0] || !strcmp(a->host, "0.0.0.0")) {
			in->sin_family = AF_INET;
			in->sin_addr.s_addr = htonl(INADDR_ANY);
			in->sin_port = htons(a->port);
			len = sizeof(*in);
		} else if (inet_pton(AF_INET, a->host, &in->sin_addr) == 1) {
			in->sin_family = AF_INET;
			in->sin_port = htons(a->port);
			len = sizeof(*in);
		} else if (inet_pton(AF_INET6, a->host, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons(a->port);
			len = sizeof(*in6);
		} else {
			return -EADDRNOTAVAIL;
		}
	} else {
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ss.ss_family != AF_VSOCK)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 16)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* ---- allow-lists ------------------------------------------------- */

int ckpt_allow_parse(const char *s, int kind, struct ckpt_allow *a,
		     const char **why)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash;
	unsigned int max;
	size_t len;

	memset(a, 0, sizeof(*a));
	if (kind == CKPT_ADDR_VSOCK) {
		if (!strncmp(s, "vsock:", 6))
			s += 6;
		a->family = AF_VSOCK;
		if (parse_uint(s, UINT_MAX - 1, &a->cid)) {
			*why = "a vsock listener allows CIDs (numbers)";
			return -EINVAL;
		}
		return 0;
	}
	if (!strncmp(s, "tcp:", 4))
		s += 4;
	slash = strchr(s, '/');
	len = slash ? (size_t)(slash - s) : strlen(s);
	if (!len || len >= sizeof(host)) {
		*why = "expected an IPv4 or IPv6 address, optionally /BITS";
		return -EINVAL;
	}
	memcpy(host, s, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, a->addr) == 1) {
		a->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, a->addr) == 1) {
		a->family = AF_INET6;
		max = 128;
	} else {
		*why = "expected an IPv4 or IPv6 address, optionally /BITS (no host names)";
		return -EINVAL;
	}
	a->bits = max;
	if (slash && parse_uint(slash + 1, max, &a->bits)) {
		*why = "bad prefix length after /";
		return -EINVAL;
	}
	return 0;
}

static int prefix_match(const unsigned char *x, const unsigned char *y,
			unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(x, y, bytes))
		return 0;
	if (!rest)
		return 1;
	return !((x[bytes] ^ y[bytes]) & (0xff << (8 - rest)));
}

int ckpt_allow_match(const struct ckpt_allow *list, unsigned int n,
		     const struct sockaddr_storage *ss)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	const unsigned char *addr = NULL;
	unsigned int cid = 0, i;
	int family = ss->ss_family;

	if (family == AF_VSOCK) {
		cid = ((const struct sockaddr_vm *)ss)->svm_cid;
	} else if (family == AF_INET) {
		addr = (const void *)&((const struct sockaddr_in *)ss)->sin_addr;
	} else if (family == AF_INET6) {
		addr = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
		if (!memcmp(addr, mapped, sizeof(mapped))) {
			family = AF_INET;
			addr += sizeof(mapped);
		}
	} else {
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (list[i].family != family)
			continue;
		if (family == AF_VSOCK ? list[i].cid == cid :
		    prefix_match(list[i].addr, addr, list[i].bits))
			return 1;
	}
	return 0;
}

/* ---- I/O ---------------------------------------------------------- */

int ckpt_mig_send(int fd, const void *msg, size_t len)
{
	const char *p = msg;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

int ckpt_mig_recv(int fd, void *msg, size_t len, int timeout_ms)
{
	int64_t deadline = ckpt_now_ms() + timeout_ms;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char *q = msg;
	ssize_t n;
	int ret;

	while (len) {
		int left = (int)(deadline - ckpt_now_ms());

		/* Past the deadline, what has already come is still read. */
		ret = poll(&p, 1, left > 0 ? left : 0);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -errno;
		if (ret == 0)
			return -ETIMEDOUT;
		n = recv(fd, q, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		q += n;
		len -= n;
	}
	return 0;
}
