// SPDX-License-Identifier: GPL-2.0
/*
 * sysvns DIR: a tree with an IPC namespace of its own holding a SysV
 * semaphore set, a message queue with messages queued and a shared memory
 * segment, and a UTS namespace of its own, for 'ckpt --tree'.
 *
 * The root unshares its IPC and UTS namespaces, names the host
 * "sysvns-uts" and the domain "ckpt.example" there (uname -n, -y), makes
 * itself a session leader and
 * makes: semaphore set S (key 0x5e3a0001, 3 semaphores, 5 0 42, mode
 * 0640), queue Q (key 0x5e3a0002, mode 0620) holding (type 1 "hello"),
 * (type 7, 300 bytes of pattern), (type 2, empty), and segment M (key
 * 0x5e3a0003, one page of pattern).  Its child takes 2 from semaphore 0,
 * sends (type 3 "from child") and then blocks in semop() until semaphore
 * 1 is raised.  DIR/ready says "pid= child= semid= msqid= shmid=".
 *
 * After DIR/go the root checks: the host and domain names; S, Q and M
 * have their ids and keys; S
 * holds 3 0 42 and mode 0640; Q holds the four messages, in order, with
 * their types and texts (it takes them), mode 0620; M has its pattern.
 * It raises semaphore 1; the child wakes up, checks that Q is empty now
 * and semaphore 1 is back to 0, and exits 0.  The root waits for it,
 * prints "all checks passed" and exits 0.  A SIGCONT (a stop and continue
 * nobody asked for) fails either.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <signal.h>
#include "common.h"

#define UTS_HOST	"sysvns-uts"
#define UTS_DOMAIN	"ckpt.example"

static volatile sig_atomic_t conts;	/* SIGCONTs received */

static void on_cont(int sig)
{
	(void)sig;
	conts++;
}

#define S_KEY	0x5e3a0001
#define Q_KEY	0x5e3a0002
#define M_KEY	0x5e3a0003

struct msgbuf_ {
	long mtype;
	char text[1024];
};

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "sysvns %d: ", getpid());
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void pattern(char *p, size_t n, int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)(i * 5 + seed);
}

static void send(int q, long type, const char *text, size_t len)
{
	struct msgbuf_ m = { .mtype = type };

	memcpy(m.text, text, len);
	if (msgsnd(q, &m, len, IPC_NOWAIT))
		die("msgsnd: %s", strerror(errno));
}

static void expect(int q, long type, const char *text, size_t len)
{
	struct msgbuf_ m;
	ssize_t n = msgrcv(q, &m, sizeof(m.text), 0, IPC_NOWAIT);

	if (n < 0)
		die("msgrcv (expecting type %ld): %s", type, strerror(errno));
	if (m.mtype != type || (size_t)n != len || memcmp(m.text, text, len))
		die("message of type %ld, %zd bytes; expected type %ld, %zu bytes",
		    m.mtype, n, type, len);
}

static void check_perm(struct ipc_perm *p, key_t key, unsigned int mode,
		       const char *what)
{
	if (p->__key != key || (p->mode & 0777) != mode)
		die("%s has key 0x%x mode 0%o, expected 0x%x 0%o", what,
		    p->__key, p->mode & 0777, key, mode);
}

static void semadd(int s, int num, int delta)
{
	struct sembuf op = { .sem_num = num, .sem_op = delta };

	while (semop(s, &op, 1))
		if (errno != EINTR)
			die("semop %d %+d: %s", num, delta, strerror(errno));
}

int main(int argc, char **argv)
{
	unsigned short vals[3] = { 5, 0, 42 }, got[3];
	char big[300], page[4096], *m;
	struct semid_ds sds;
	struct msqid_ds qds;
	struct utsname u;
	int s, q, shm, st;
	pid_t child;

	if (argc != 2)
		die("usage: sysvns DIR");
	close_extra_fds();
	if (unshare(CLONE_NEWIPC | CLONE_NEWUTS))
		die("unshare(CLONE_NEWIPC | CLONE_NEWUTS): %s",
		    strerror(errno));
	if (sethostname(UTS_HOST, strlen(UTS_HOST)) ||
	    setdomainname(UTS_DOMAIN, strlen(UTS_DOMAIN)))
		die("sethostname, setdomainname: %s", strerror(errno));
	if (setsid() < 0)
		die("setsid: %s", strerror(errno));
	signal(SIGCONT, on_cont);	/* the child's too */
	s = semget(S_KEY, 3, IPC_CREAT | IPC_EXCL | 0640);
	q = msgget(Q_KEY, IPC_CREAT | IPC_EXCL | 0620);
	shm = shmget(M_KEY, 4096, IPC_CREAT | IPC_EXCL | 0600);
	if (s < 0 || q < 0 || shm < 0)
		die("making the objects: %s", strerror(errno));
	if (semctl(s, 0, SETALL, vals))
		die("SETALL: %s", strerror(errno));
	pattern(big, sizeof(big), 3);
	send(q, 1, "hello", 5);
	send(q, 7, big, sizeof(big));
	send(q, 2, "", 0);
	m = shmat(shm, NULL, 0);
	if (m == (void *)-1)
		die("shmat: %s", strerror(errno));
	pattern(m, 4096, 9);

	child = fork();
	if (child < 0)
		die("fork: %s", strerror(errno));
	if (!child) {
		semadd(s, 0, -2);
		send(q, 3, "from child", 10);
		semadd(s, 1, -1);	/* blocks across the checkpoint */
		if (msgctl(q, IPC_STAT, &qds) || qds.msg_qnum)
			die("child: the queue still holds %lu messages",
			    (unsigned long)qds.msg_qnum);
		if (semctl(s, 1, GETVAL) != 0)
			die("child: semaphore 1 is %d", semctl(s, 1, GETVAL));
		if (conts)
			die("child: SIGCONT came: it was stopped and continued");
		_exit(0);
	}
	while (semctl(s, 0, GETVAL) != 3)
		usleep(10000);
	while (msgctl(q, IPC_STAT, &qds) == 0 && qds.msg_qnum != 4)
		usleep(10000);
	{
		char path[4096], tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s/ready.tmp", argv[1]);
		snprintf(path, sizeof(path), "%s/ready", argv[1]);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "pid=%d child=%d semid=%d msqid=%d shmid=%d\n",
				  getpid(), child, s, q, shm) < 0 ||
		    fclose(f) || rename(tmp, path))
			die("cannot write %s", path);
	}
	/* give the child time to block in semop() */
	usleep(200000);
	wait_for_go(argv[1]);

	if (conts)
		die("SIGCONT came: it was stopped and continued");
	if (uname(&u) || strcmp(u.nodename, UTS_HOST) ||
	    strcmp(u.domainname, UTS_DOMAIN))
		die("host name '%s', domain name '%s', expected %s, %s",
		    u.nodename, u.domainname, UTS_HOST, UTS_DOMAIN);
	if (semget(S_KEY, 0, 0) != s || msgget(Q_KEY, 0) != q ||
	    shmget(M_KEY, 0, 0) != shm)
		die("ids by key: %d %d %d, expected %d %d %d",
		    semget(S_KEY, 0, 0), msgget(Q_KEY, 0), shmget(M_KEY, 0, 0),
		    s, q, shm);
	if (semctl(s, 0, IPC_STAT, &sds))
		die("semaphore IPC_STAT: %s", strerror(errno));
	check_perm(&sds.sem_perm, S_KEY, 0640, "the semaphore set");
	if (semctl(s, 0, GETALL, got))
		die("GETALL: %s", strerror(errno));
	if (got[0] != 3 || got[1] != 0 || got[2] != 42)
		die("semaphores are %u %u %u, expected 3 0 42", got[0], got[1],
		    got[2]);
	if (msgctl(q, IPC_STAT, &qds))
		die("queue IPC_STAT: %s", strerror(errno));
	check_perm(&qds.msg_perm, Q_KEY, 0620, "the queue");
	if (qds.msg_qnum != 4)
		die("the queue holds %lu messages, expected 4",
		    (unsigned long)qds.msg_qnum);
	expect(q, 1, "hello", 5);
	expect(q, 7, big, sizeof(big));
	expect(q, 2, "", 0);
	expect(q, 3, "from child", 10);
	pattern(page, sizeof(page), 9);
	if (memcmp(m, page, sizeof(page)))
		die("the segment lost its contents");
	semadd(s, 1, 1);
	if (waitpid(child, &st, 0) != child || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		die("the child failed (status %#x)", st);
	printf("all checks passed\n");
	return 0;
}
