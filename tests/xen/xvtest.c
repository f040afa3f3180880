// SPDX-License-Identifier: GPL-2.0
/*
 * xvtest: AF_VSOCK stream test program for the Xen transport harness.
 * Prints one "XVT RESULT PASS|FAIL NAME detail" line per client test.
 *
 *   xvtest server PORT              serve: E echo, S sink (reply "LEN SUM"),
 *                                   G generate (8-byte length), F flag
 *   xvtest echo NAME CID PORT SIZE
 *   xvtest send NAME CID PORT MB    stream MB, half-close, check LEN SUM
 *   xvtest recv NAME CID PORT MB    ask for MB, read to EOF, check
 *   xvtest parallel NAME CID PORT N SIZE
 *   xvtest refused NAME CID PORT    expect ECONNRESET/ECONNREFUSED
 *   xvtest flag CID PORT TAG        create /tmp/flag-TAG in the server
 *   xvtest hold CID PORT SECS       keep an echo connection open
 *   xvtest death NAME CID PORT      stream until the peer dies: the error
 *                                   must come (ECONNRESET...) and not hang
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct gen { uint64_t s; };
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

static int vconnect_once(unsigned int cid, unsigned int port)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port };
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
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

static void serve(int fd)
{
	static unsigned char buf[65536];
	unsigned char cmd;
	ssize_t r;

	if (readall(fd, &cmd, 1) != 1)
		return;
	if (cmd == 'E') {
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			if (writeall(fd, buf, r))
				return;
	} else if (cmd == 'S') {
		uint64_t h = FNV0, n = 0;
		char out[64];

		while ((r = read(fd, buf, sizeof(buf))) > 0) {
			h = fnv(h, buf, r);
			n += r;
		}
		if (r < 0)
			return;
		snprintf(out, sizeof(out), "%llu %llx\n", (unsigned long long)n,
			 (unsigned long long)h);
		writeall(fd, out, strlen(out));
	} else if (cmd == 'G') {
		uint64_t len;
		struct gen g = { 0x12345678 };

		if (readall(fd, &len, 8) != 8)
			return;
		while (len) {
			size_t n = len < sizeof(buf) ? len : sizeof(buf);

			gen_fill(&g, buf, n);
			if (writeall(fd, buf, n))
				return;
			len -= n;
		}
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

static int do_server(unsigned int port)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY,
				 .svm_port = port };
	int l = socket(AF_VSOCK, SOCK_STREAM, 0);

	signal(SIGCHLD, SIG_IGN);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 128)) {
		perror("xvtest server");
		return 1;
	}
	printf("XVT server listening on %u\n", port);
	fflush(stdout);
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

static int do_send(unsigned int cid, unsigned int port, uint64_t mb)
{
	static unsigned char buf[65536];
	struct gen g = { 777 };
	uint64_t len = mb << 20, h = FNV0, rn = 0, rh = 0;
	char reply[64] = "";
	double t;
	ssize_t r;
	int fd = vconnect(cid, port);

	if (fd < 0)
		return result(0, "connect: %s", strerror(errno)), 1;
	t = now();
	if (writeall(fd, "S", 1))
		goto err;
	for (uint64_t left = len; left; left -= sizeof(buf)) {
		gen_fill(&g, buf, sizeof(buf));
		h = fnv(h, buf, sizeof(buf));
		if (writeall(fd, buf, sizeof(buf)))
			goto err;
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
	result(1, "%llu MiB to CID %u, checksum ok, %.1f MiB/s", (unsigned long long)mb, cid,
	       mb / t);
	close(fd);
	return 0;
err:
	result(0, "i/o: %s", strerror(errno));
	return 1;
}

static int do_recv(unsigned int cid, unsigned int port, uint64_t mb)
{
	static unsigned char buf[65536], ref[65536];
	struct gen g = { 0x12345678 };
	uint64_t len = mb << 20, got = 0;
	double t;
	int fd = vconnect(cid, port);

	if (fd < 0)
		return result(0, "connect: %s", strerror(errno)), 1;
	t = now();
	if (writeall(fd, "G", 1) || writeall(fd, &len, 8))
		goto err;
	for (;;) {
		ssize_t r = readall(fd, buf, sizeof(buf));

		if (r < 0)
			goto err;
		if (r == 0)
			break;
		gen_fill(&g, ref, r);
		if (memcmp(buf, ref, r)) {
			result(0, "data differs near byte %llu", (unsigned long long)got);
			return 1;
		}
		got += r;
		if (r < (ssize_t)sizeof(buf))
			break;
	}
	if (got != len) {
		result(0, "got %llu bytes of %llu", (unsigned long long)got, (unsigned long long)len);
		return 1;
	}
	t = now() - t;
	result(1, "%llu MiB from CID %u verified, %.1f MiB/s", (unsigned long long)mb, cid, mb / t);
	close(fd);
	return 0;
err:
	result(0, "i/o: %s", strerror(errno));
	return 1;
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

static int do_death(unsigned int cid, unsigned int port)
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
			       "write failed with %s %.1fs after the destroy request, %llu MiB sent",
			       strerror(e), now() - t0, (unsigned long long)(sent >> 20));
			return !(e == ECONNRESET || e == EPIPE || e == ENOTCONN);
		}
		sent += r;
		if (!t0 && sent >= (1 << 20)) {
			t0 = now();
			printf("XVT DESTROY-PEER\n");
			fflush(stdout);
		}
		if (t0 && now() - t0 > 120)
			return result(0, "peer still accepting data 120 s after the destroy request"), 1;
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "server"))
		return do_server(atoi(argv[2]));
	if (argc >= 5 && !strcmp(argv[1], "flag"))
		return do_flag(atoi(argv[2]), atoi(argv[3]), argv[4][0]);
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
		return do_send(cid, port, strtoull(argv[5], NULL, 0));
	if (!strcmp(argv[1], "recv") && argc >= 6)
		return do_recv(cid, port, strtoull(argv[5], NULL, 0));
	if (!strcmp(argv[1], "parallel") && argc >= 7)
		return do_parallel(cid, port, atoi(argv[5]), strtoul(argv[6], NULL, 0));
	if (!strcmp(argv[1], "refused"))
		return do_refused(cid, port);
	if (!strcmp(argv[1], "death"))
		return do_death(cid, port);
	fprintf(stderr, "xvtest: bad command\n");
	return 2;
}
