// SPDX-License-Identifier: GPL-2.0
/*
 * sysvshm: SysV shared memory segments, for checkpoint and restart.
 *
 *   sysvshm one DIR    one process: segment K (key 0x5c0ffee0 + its PID,
 *                      3 pages + 100 bytes, mode 0640) attached twice,
 *                      read-write at one address and read-only at
 *                      another, and segment P (IPC_PRIVATE, 2 pages)
 *                      attached once, then removed (IPC_RMID: it lives on
 *                      while attached).  Both are filled with a pattern.
 *   sysvshm tree DIR   a session leader and its child, both with segment
 *                      K (attached before the fork) holding the pattern.
 *   sysvshm msgq DIR   a process that sent a message to a private queue
 *   sysvshm sem DIR    a process that operated on a private semaphore set
 *                      (both for the refusal test: DIR/ready says "pid=
 *                      id="; after DIR/go each checks its object, which
 *                      the refused checkpoint did not touch, and removes
 *                      it)
 *   sysvshm rm ID      remove segment ID (the case's ipcrm)
 *   sysvshm rmmsg ID   remove message queue ID
 *   sysvshm rmsem ID   remove semaphore set ID
 *   sysvshm squatmsg ID, squatsem ID: a queue or set with id ID
 *   sysvshm squat ID   make a segment with id ID and key 0x0dead000
 *                      (through shm_next_id), for the collision test
 *
 * DIR/ready says "pid= shmid= key= addr= [priv= paddr=] [child=]"; after
 * DIR/go each process checks that each segment has its id, key, size and
 * mode (IPC_STAT), that P is still marked removed, that the pattern is
 * there at the same addresses, that the two attachments of K are one
 * memory, and (tree) that parent and child still share K: they pass a
 * counter back and forth through it.  "all checks passed", exit 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <sys/wait.h>
#include "common.h"

#define PAGE		4096UL
#define K_SIZE		(3 * PAGE + 100)
#define P_SIZE		(2 * PAGE)
#define K_KEY		0x5c0ffee0
#define SQUAT_KEY	0x0dead000

static const char *dir;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "sysvshm: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static unsigned char pattern(int seed, size_t i)
{
	return (unsigned char)(i * 7 + seed + (i >> 12) * 13);
}

static void fill(void *p, size_t n, int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		((unsigned char *)p)[i] = pattern(seed, i);
}

static void check_fill(const void *p, size_t n, int seed, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((const unsigned char *)p)[i] != pattern(seed, i))
			die("%s: byte %zu is 0x%02x, not 0x%02x", what, i,
			    ((const unsigned char *)p)[i], pattern(seed, i));
}

static void check_seg(int id, key_t key, size_t size, unsigned int mode,
		      int dest, const char *what)
{
	struct shmid_ds ds;

	if (shmctl(id, IPC_STAT, &ds))
		die("%s: segment %d: IPC_STAT: %s", what, id, strerror(errno));
	if (ds.shm_perm.__key != key || ds.shm_segsz != size ||
	    (ds.shm_perm.mode & 0777) != mode ||
	    !!(ds.shm_perm.mode & SHM_DEST) != dest)
		die("%s: segment %d has key 0x%x size %zu mode 0%o, expected key 0x%x size %zu mode 0%o%s",
		    what, id, ds.shm_perm.__key, (size_t)ds.shm_segsz,
		    ds.shm_perm.mode, key, size, mode,
		    dest ? " (removed)" : "");
}

static int make_seg(key_t key, size_t size, int mode)
{
	int id = shmget(key, size, IPC_CREAT | IPC_EXCL | mode);

	if (id < 0)
		die("shmget 0x%x: %s", key, strerror(errno));
	return id;
}

static void *attach(int id, int flags)
{
	void *p = shmat(id, NULL, flags);

	if (p == (void *)-1)
		die("shmat %d: %s", id, strerror(errno));
	return p;
}

static void ready(const char *fmt, ...)
{
	char path[4096], tmp[4096];
	va_list ap;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/ready.tmp", dir);
	snprintf(path, sizeof(path), "%s/ready", dir);
	f = fopen(tmp, "w");
	if (!f)
		die("cannot write %s", tmp);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (fclose(f) || rename(tmp, path))
		die("cannot write %s", path);
}

static int one(void)
{
	key_t key = K_KEY + getpid();
	int id = make_seg(key, K_SIZE, 0640);
	int pid_ = getpid();
	unsigned char *k = attach(id, 0);
	unsigned char *kro = attach(id, SHM_RDONLY);
	int priv = make_seg(IPC_PRIVATE, P_SIZE, 0600);
	unsigned char *p = attach(priv, 0);

	fill(k, K_SIZE, 1);
	fill(p, P_SIZE, 2);
	if (shmctl(priv, IPC_RMID, NULL))
		die("IPC_RMID: %s", strerror(errno));
	ready("pid=%d shmid=%d key=%d addr=%p ro=%p priv=%d paddr=%p\n",
	      pid_, id, key, (void *)k, (void *)kro, priv, (void *)p);
	wait_for_go(dir);

	check_seg(id, key, K_SIZE, 0640, 0, "K");
	check_seg(priv, IPC_PRIVATE, P_SIZE, 0600, 1, "P");
	check_fill(k, K_SIZE, 1, "K");
	check_fill(kro, K_SIZE, 1, "K read-only");
	check_fill(p, P_SIZE, 2, "P");
	k[5000] = 0xa5;
	if (kro[5000] != 0xa5)
		die("K's two attachments are not one memory any more");
	printf("all checks passed\n");
	return 0;
}

/* Parent and child take turns through the segment: [0] counts. */
static int pingpong(volatile int *c, int me, const char *who)
{
	const struct timespec tick = { 0, 1000 * 1000 };
	long spins;
	int i;

	for (i = 0; i < 100; i++) {
		for (spins = 0; (*c & 1) != me; spins++) {
			if (spins > 20000)
				die("%s: no answer through the segment (counter %d)",
				    who, *c);
			nanosleep(&tick, NULL);
		}
		__atomic_add_fetch(c, 1, __ATOMIC_SEQ_CST);
	}
	return 0;
}

static int tree(void)
{
	key_t key = K_KEY + getpid();
	int id, st;
	unsigned char *k;
	pid_t child;

	if (setsid() < 0)
		die("setsid: %s", strerror(errno));
	id = make_seg(key, K_SIZE, 0660);
	k = attach(id, 0);
	fill(k + 64, K_SIZE - 64, 3);
	memset(k, 0, 64);
	child = fork();
	if (child < 0)
		die("fork: %s", strerror(errno));
	if (!child) {
		wait_for_go(dir);
		check_seg(id, key, K_SIZE, 0660, 0, "child's K");
		check_fill(k + 64, K_SIZE - 64, 3, "child's K");
		pingpong((volatile int *)k, 1, "child");
		_exit(0);
	}
	ready("pid=%d shmid=%d key=%d addr=%p child=%d\n", getpid(), id, key,
	      (void *)k, child);
	wait_for_go(dir);
	check_seg(id, key, K_SIZE, 0660, 0, "K");
	check_fill(k + 64, K_SIZE - 64, 3, "K");
	pingpong((volatile int *)k, 0, "parent");
	if (waitpid(child, &st, 0) != child || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		die("the child failed (status %#x)", st);
	if (*(volatile int *)k != 200)
		die("counter is %d, not 200", *(volatile int *)k);
	printf("all checks passed\n");
	return 0;
}

/* A queue (msgq) or semaphore set (sem) this process used. */
static int user(int msgq)
{
	struct { long mtype; char text[8]; } m = { 5, "ckpt" };
	struct sembuf op = { .sem_num = 0, .sem_op = 3 };
	int id = msgq ? msgget(IPC_PRIVATE, 0600) : semget(IPC_PRIVATE, 1, 0600);

	if (id < 0)
		die("making the object: %s", strerror(errno));
	if (msgq ? msgsnd(id, &m, 5, 0) : semop(id, &op, 1))
		die("using it: %s", strerror(errno));
	ready("pid=%d id=%d\n", getpid(), id);
	wait_for_go(dir);
	memset(&m, 0, sizeof(m));
	if (msgq && (msgrcv(id, &m, sizeof(m.text), 0, IPC_NOWAIT) != 5 ||
		     m.mtype != 5 || strcmp(m.text, "ckpt")))
		die("the message is not there as sent");
	if (!msgq && semctl(id, 0, GETVAL) != 3)
		die("the semaphore is %d, not 3", semctl(id, 0, GETVAL));
	if (msgq ? msgctl(id, IPC_RMID, NULL) : semctl(id, 0, IPC_RMID))
		die("IPC_RMID: %s", strerror(errno));
	printf("all checks passed\n");
	return 0;
}

static int squat(int want, const char *what)
{
	char buf[16], path[64];
	int fd, id;

	snprintf(path, sizeof(path), "/proc/sys/kernel/%s_next_id", what);
	fd = open(path, O_WRONLY);
	snprintf(buf, sizeof(buf), "%d", want);
	if (fd < 0 || write(fd, buf, strlen(buf)) < 0)
		die("%s: %s", path, strerror(errno));
	close(fd);
	if (!strcmp(what, "msg"))
		id = msgget(IPC_PRIVATE, 0600);
	else if (!strcmp(what, "sem"))
		id = semget(IPC_PRIVATE, 1, 0600);
	else
		id = make_seg(SQUAT_KEY, PAGE, 0600);
	if (id != want)
		die("got id %d, not %d", id, want);
	return 0;
}

int main(int argc, char **argv)
{
	long long id;

	if (argc != 3)
		die("usage: sysvshm one|tree DIR, or rm|squat ID");
	if (!strcmp(argv[1], "rm") || !strncmp(argv[1], "squat", 5) ||
	    !strcmp(argv[1], "rmmsg") || !strcmp(argv[1], "rmsem")) {
		id = parse_ll(argv[2]);
		if (id < 0)
			die("bad id %s", argv[2]);
		if (argv[1][0] == 's')
			return squat((int)id, argv[1][5] ? argv[1] + 5 : "shm");
		if (!strcmp(argv[1], "rmmsg") && msgctl((int)id, IPC_RMID, NULL))
			die("IPC_RMID queue %lld: %s", id, strerror(errno));
		if (!strcmp(argv[1], "rmsem") && semctl((int)id, 0, IPC_RMID))
			die("IPC_RMID set %lld: %s", id, strerror(errno));
		if (argv[1][2])
			return 0;
		if (shmctl((int)id, IPC_RMID, NULL))
			die("IPC_RMID %lld: %s", id, strerror(errno));
		return 0;
	}
	dir = argv[2];
	close_extra_fds();
	if (!strcmp(argv[1], "one"))
		return one();
	if (!strcmp(argv[1], "tree"))
		return tree();
	if (!strcmp(argv[1], "msgq") || !strcmp(argv[1], "sem"))
		return user(argv[1][0] == 'm');
	die("unknown mode %s", argv[1]);
}
