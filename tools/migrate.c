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
#include <sys/socket.h>
#include <linux/vm_sockets.h>
#include "csum.h"
#include "migrate.h"

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

		if (left <= 0)
			return -ETIMEDOUT;
		ret = poll(&p, 1, left);
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
