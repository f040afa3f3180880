// SPDX-License-Identifier: GPL-2.0
/*
 * chrooted: a process with a root directory of its own, for case 18.
 *
 *   chrooted DIR [sock]   run: DIR/root (with sub/ and the file inside)
 *                         becomes its root, /sub its cwd; with sock it
 *                         then binds a unix socket to /sock (inside)
 *   chrooted nochroot CMD [ARG...]
 *                         run CMD without CAP_SYS_CHROOT (dropped from
 *                         the bounding set, so root's exec lacks it)
 *
 * Before its chroot it opens DIR/outside and DIR (for its own reports);
 * then it gives up CAP_SYS_CHROOT (as a daemon that confines itself
 * does), opens /inside (read to offset 3) and writes DIR/ready.  On
 * SIGUSR1 it checks that "/" and "/.." are DIR/root (device and inode),
 * that its cwd is /sub, that /outside does not exist (it is confined),
 * that /inside reads "inside" and both descriptors keep their offsets
 * and contents, and writes DIR/result: "ok", or the first check that
 * failed; then it exits.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/capability.h>

#include "common.h"

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static int nochroot(char **argv)
{
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_CHROOT, 0, 0, 0)) {
		perror("chrooted: PR_CAPBSET_DROP");
		return 126;
	}
	execvp(argv[0], argv);
	perror(argv[0]);
	return 127;
}

/* Give up CAP_SYS_CHROOT: bounding, effective, permitted, inheritable. */
static int drop_chroot_cap(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_CHROOT, 0, 0, 0) ||
	    syscall(SYS_capget, &hdr, data))
		return -1;
	data[0].effective &= ~(1U << CAP_SYS_CHROOT);
	data[0].permitted &= ~(1U << CAP_SYS_CHROOT);
	data[0].inheritable &= ~(1U << CAP_SYS_CHROOT);
	return (int)syscall(SYS_capset, &hdr, data);
}

static const char *same(const char *path, const struct stat *want)
{
	struct stat st;

	if (stat(path, &st))
		return "stat";
	return st.st_dev == want->st_dev && st.st_ino == want->st_ino ?
	       NULL : "another directory";
}

/* The first check that fails, or NULL. */
static const char *check(const struct stat *root, int in, int out)
{
	char buf[64], cwd[64];
	ssize_t n;

	if (same("/", root))
		return "/ is not DIR/root";
	if (same("/..", root))
		return "/.. is not DIR/root";
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/sub"))
		return "the cwd is not /sub";
	if (same(".", root) == NULL)
		return "the cwd is the root";
	if (!access("/outside", F_OK) || errno != ENOENT)
		return "/outside is visible: not confined";
	if (lseek(in, 0, SEEK_CUR) != 3)
		return "/inside's offset is not 3";
	n = read(in, buf, sizeof(buf) - 1);
	if (n != 4 || memcmp(buf, "ide\n", 4))
		return "/inside does not read 'ide\\n' from offset 3";
	n = pread(out, buf, sizeof(buf) - 1, 0);
	if (n != 8 || memcmp(buf, "outside\n", 8))
		return "DIR/outside (opened before the chroot) reads wrong";
	n = open("/inside", O_RDONLY | O_CLOEXEC);
	if (n < 0)
		return "cannot open /inside again";
	close((int)n);
	return NULL;
}

int main(int argc, char **argv)
{
	struct stat root;
	const char *bad;
	char path[4096], buf[8];
	int dir, in, out, fd;

	if (argc >= 3 && !strcmp(argv[1], "nochroot"))
		return nochroot(argv + 2);
	if (argc != 2 && (argc != 3 || strcmp(argv[2], "sock"))) {
		fprintf(stderr, "usage: chrooted DIR [sock] | nochroot CMD [ARG...]\n");
		return 2;
	}
	close_extra_fds();
	signal(SIGUSR1, on_usr1);
	dir = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/outside", argv[1]);
	out = open(path, O_RDWR | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/root", argv[1]);
	if (dir < 0 || out < 0 || stat(path, &root)) {
		perror(path);
		return 2;
	}
	if (chroot(path) || chdir("/sub") || drop_chroot_cap()) {
		perror("chrooted: chroot");
		return 2;
	}
	if (argc == 3) {
		struct sockaddr_un a = { .sun_family = AF_UNIX,
					 .sun_path = "/sock" };
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a))) {
			perror("chrooted: bind /sock");
			return 2;
		}
	}
	in = open("/inside", O_RDONLY | O_CLOEXEC);
	if (in < 0 || read(in, buf, 3) != 3) {
		perror("chrooted: /inside");
		return 2;
	}
	fd = openat(dir, "ready", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644);
	if (fd < 0)
		return 2;
	dprintf(fd, "pid=%d\n", getpid());
	close(fd);
	while (!got_usr1)
		pause();
	bad = check(&root, in, out);
	fd = openat(dir, "result", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644);
	if (fd < 0)
		return 2;
	dprintf(fd, "%s\n", bad ? bad : "ok");
	close(fd);
	return bad ? 1 : 0;
}
