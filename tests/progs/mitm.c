// SPDX-License-Identifier: GPL-2.0
/*
 * mitm: a one-connection TCP proxy on 127.0.0.1 that damages the stream
 * from the client to the server, for the migration failure tests.
 *
 *	mitm LPORT DPORT flip OFFSET    flip every bit of byte OFFSET
 *	mitm LPORT DPORT pause OFFSET   forward OFFSET bytes, then forward
 *	                                nothing more and create ./paused
 *	mitm LPORT DPORT pass 0         forward unchanged
 *	mitm LPORT DPORT tap 0          forward unchanged, and write the
 *	                                client's bytes to ./tapped too
 *	mitm LPORT DPORT backflip N     flip every bit of byte N of the
 *	                                server's stream; from then on drop
 *	                                what the client sends, and when it
 *	                                closes, close its side and keep the
 *	                                server's open (dropping what it
 *	                                sends) until the server closes
 *	mitm LPORT DPORT backdelay MS   hold the server's first bytes for
 *	                                MS milliseconds (./delaying meanwhile,
 *	                                ./delayed after), then forward all
 *	mitm LPORT DPORT backcut N      forward N bytes of the server's,
 *	                                then close both sides when more
 *	                                come (the server's reply is lost)
 *
 * The server's bytes go back unchanged.  It creates ./listening once it
 * listens, and exits when either side closes (closing the other).
 * Prints "forwarded N" on exit.
 */
#include "common.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "mitm: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int tcp_socket(int port, int do_listen)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (do_listen) {
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1))
			return -1;
	} else if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		return -1;
	}
	return fd;
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644);

	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	long long lport, dport, offset, done = 0;
	long long back = 0;
	int lfd, c, s, flip, pause_at, backcut, backflip, tap = -1;
	int paused = 0, client_gone = 0, backdelay;
	char buf[65536];

	if (argc != 5)
		goto usage;
	lport = parse_ll(argv[1]);
	dport = parse_ll(argv[2]);
	offset = parse_ll(argv[4]);
	flip = !strcmp(argv[3], "flip");
	pause_at = !strcmp(argv[3], "pause");
	backcut = !strcmp(argv[3], "backcut");
	backflip = !strcmp(argv[3], "backflip");
	backdelay = !strcmp(argv[3], "backdelay");
	if (lport <= 0 || dport <= 0 || offset < 0 ||
	    (!flip && !pause_at && !backcut && !backflip && !backdelay &&
	     strcmp(argv[3], "pass") &&
	     strcmp(argv[3], "tap")))
		goto usage;
	if (!strcmp(argv[3], "tap")) {
		tap = open("tapped", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (tap < 0)
			die("tapped");
	}
	signal(SIGPIPE, SIG_IGN);
	lfd = tcp_socket((int)lport, 1);
	if (lfd < 0)
		die("listen");
	touch("listening");
	c = accept(lfd, NULL, NULL);
	if (c < 0)
		die("accept");
	s = tcp_socket((int)dport, 0);
	if (s < 0)
		die("connect");
	for (;;) {
		struct pollfd p[2] = { { .fd = c, .events = paused ? 0 : POLLIN },
				       { .fd = s, .events = POLLIN } };
		ssize_t n;
		size_t want = sizeof(buf);

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents) {
			n = read(s, buf, sizeof(buf));
			if (n > 0 && backcut && back + n > offset) {
				n = offset - back;	/* the rest is lost */
				if (n > 0)
					write_all(c, buf, (size_t)n);
				touch("cut");
				break;
			}
			if (n > 0 && backflip && back <= offset &&
			    offset < back + n)
				buf[offset - back] ^= 0xff;
			if (n <= 0)
				break;
			if (backdelay && !back) {
				struct timespec ts = { offset / 1000,
						       (offset % 1000) * 1000000 };

				touch("delaying");
				nanosleep(&ts, NULL);
				touch("delayed");
			}
			if (!client_gone && write_all(c, buf, (size_t)n))
				break;
			back += n;
		}
		if (!paused && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (pause_at && offset - done < (long long)want)
				want = (size_t)(offset - done);
			n = want ? read(c, buf, want) : 0;
			if (want && n <= 0 && backflip) {
				/* it hears nothing more either */
				client_gone = paused = 1;
				close(c);
				c = -1;
				continue;
			}
			if (want && n <= 0)
				break;
			if (flip && done <= offset && offset < done + n)
				buf[offset - done] ^= 0xff;
			if (n > 0 && backflip && back > offset)
				n = 0;	/* the server hears no more */
			if (n > 0 && write_all(s, buf, (size_t)n))
				break;
			if (n > 0 && tap >= 0 && write_all(tap, buf, (size_t)n))
				die("tapped");
			done += n > 0 ? n : 0;
			if (pause_at && done >= offset) {
				paused = 1;
				touch("paused");
			}
		}
	}
	printf("forwarded %lld\n", done);
	return 0;
usage:
	fprintf(stderr, "usage: mitm LPORT DPORT flip|pause|pass|tap|backflip|backdelay|backcut OFFSET\n");
	return 2;
}
