// SPDX-License-Identifier: GPL-2.0
/*
 * ttyattrs DIR: a terminal's settings and the controlling terminal
 * survive restart.
 *
 * Opens a pseudo-terminal; a child (its PID in DIR/holder) keeps the
 * master open and sleeps, ignoring SIGHUP.  The process itself leads a
 * new session (setsid) and opens the slave as fd 5, which makes it its
 * controlling terminal; sets termios (no ECHO, no ICANON, VMIN 3,
 * VTIME 7, 9600 baud, CS7) and the window size (33 rows, 101 columns,
 * 7x9 pixels).  DIR/ready, wait for DIR/go, then checks: fd 5 is the same
 * terminal with those settings, the process still leads its session and
 * that terminal is its controlling terminal (tcgetsid, /proc/self/stat
 * tty_nr).  Prints "all checks passed" (exit 0), or exits 1.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "common.h"

static void die(const char *what)
{
	fprintf(stderr, "ttyattrs: %s (errno %d)\n", what, errno);
	exit(1);
}

static long encode_dev(dev_t d)
{
	return (minor(d) & 0xff) | (major(d) << 8) |
	       ((long)(minor(d) & ~0xffU) << 12);
}

int main(int argc, char **argv)
{
	struct winsize ws = { 33, 101, 7, 9 }, ws2;
	struct termios t, t2;
	char path[4096], *slave;
	struct stat st, st2;
	pid_t holder;
	FILE *f;
	int m, fd;

	if (argc != 2)
		return 2;
	close_extra_fds();
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) || !(slave = ptsname(m)))
		die("posix_openpt");
	slave = strdup(slave);
	holder = fork();
	if (holder < 0)
		die("fork");
	if (!holder) {
		signal(SIGHUP, SIG_IGN);
		for (;;)
			pause();
	}
	snprintf(path, sizeof(path), "%s/holder", argv[1]);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", (int)holder) < 0 || fclose(f))
		die("write holder");
	close(m);
	if (setsid() < 0)
		die("setsid");
	fd = open(slave, O_RDWR);	/* no O_NOCTTY: our ctty now */
	if (fd < 0 || dup2(fd, 5) != 5)
		die("open the slave as fd 5");
	close(fd);
	if (tty_nr() <= 0)
		die("the slave did not become the controlling terminal");
	if (tcgetattr(5, &t))
		die("tcgetattr");
	t.c_lflag &= ~(ECHO | ICANON);
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 7;
	t.c_cflag = (t.c_cflag & ~CSIZE) | CS7;
	cfsetispeed(&t, B9600);
	cfsetospeed(&t, B9600);
	if (tcsetattr(5, TCSANOW, &t) || ioctl(5, TIOCSWINSZ, &ws))
		die("set termios or window size");
	if (tcgetattr(5, &t) || fstat(5, &st))
		die("tcgetattr again");
	if (announce_ready(argv[1]))
		die("announce_ready");
	wait_for_go(argv[1]);

	if (fstat(5, &st2) || !S_ISCHR(st2.st_mode) || st2.st_rdev != st.st_rdev)
		die("fd 5 is not the same terminal");
	if (tcgetattr(5, &t2) || ioctl(5, TIOCGWINSZ, &ws2))
		die("tcgetattr after restart");
	if (t2.c_lflag != t.c_lflag || t2.c_iflag != t.c_iflag ||
	    t2.c_oflag != t.c_oflag || t2.c_cflag != t.c_cflag)
		die("termios flags changed");
	if (t2.c_cc[VMIN] != 3 || t2.c_cc[VTIME] != 7 ||
	    memcmp(t2.c_cc, t.c_cc, sizeof(t.c_cc)))
		die("termios c_cc changed");
	if (cfgetospeed(&t2) != B9600 || cfgetispeed(&t2) != B9600)
		die("terminal speed changed");
	if (ws2.ws_row != 33 || ws2.ws_col != 101 || ws2.ws_xpixel != 7 ||
	    ws2.ws_ypixel != 9)
		die("window size changed");
	if (getsid(0) != getpid())
		die("no longer the session leader");
	if (tcgetsid(5) != getpid())
		die("the terminal is not our session's controlling terminal");
	if (tty_nr() != encode_dev(st.st_rdev))
		die("/proc/self/stat names another controlling terminal");
	printf("ttyattrs: all checks passed\n");
	return 0;
}
