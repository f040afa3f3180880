// SPDX-License-Identifier: GPL-2.0
/*
 * statekeeper: the end-to-end subject of the checkpoint/restart tests.
 *
 * It sets up many kinds of process state, then loops, checking after every
 * tick that the state is still exactly what it set up.  A restored process
 * that lost or garbled any piece of it fails with a message naming the
 * piece and a distinct exit code (see enum fail_code).
 *
 *   statekeeper -d DIR [-s SEED] [-i TICK_MS] [-c CHECK_EVERY]
 *
 * Files in DIR (created by statekeeper):
 *   status   "pid=P counter=N ok=1 ymm=0|1 eintr=E usr1=U" rewritten
 *            atomically (tmp + rename) every tick
 *   log      O_WRONLY|O_APPEND, one "tick N" line per tick
 *   data     64 KiB pattern, held O_RDWR|O_CLOEXEC at a known offset
 *   mapfile  16 pages mapped MAP_PRIVATE; some pages changed in memory
 *   stop     created by the test: statekeeper does a final full check and
 *            exits 0; its contents (if any) are the minimum counter value
 *            the process must have reached
 *
 * State checked: PID/TID, anonymous memory (a 4 MiB malloc, a 2 MiB mmap
 * with untouched zero pages and a read-only tail, small brk-heap blocks,
 * the stack, .data and .bss), private file mappings (changed pages keep the
 * changes, the others and the file keep the file's contents, a mapping at a
 * file offset), ymm0-ymm15 and callee-visible general registers across a
 * nanosleep done with a raw syscall instruction, MXCSR and the x87 control
 * word, fs-base TLS, the blocked signal mask, signal dispositions, file
 * positions and open flags, umask, cwd and the task name; at the end also
 * that SIGUSR1's handler runs on the sigaltstack, that the rseq area is
 * still registered, no_new_privs, the parent-death signal, the child
 * subreaper flag and the exe link.
 * Signals kept pending all along (blocked): SIGUSR2 queued process-wide with
 * a value, and two SIGRTMIN+3 queued to the thread with values 1 and 2;
 * each tick checks they are pending, the final check takes them with their
 * siginfo, in order.  Resource limits (RLIMIT_NOFILE, RLIMIT_MSGQUEUE).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <asm/prctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/rseq.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common.h"

enum fail_code {
	F_USAGE = 2,
	F_SETUP = 3,
	F_PID = 10,
	F_MALLOC = 11,
	F_MMAP = 12,
	F_HEAP = 13,
	F_STACK = 14,
	F_GLOBAL = 15,
	F_MAPPRIV = 16,
	F_MAPFILE = 17,
	F_YMM = 18,
	F_GPR = 19,
	F_FPUCTL = 20,
	F_TLS = 21,
	F_SIGMASK = 22,
	F_DATAFD = 23,
	F_LOGFD = 24,
	F_SIGNAL = 25,
	F_COUNTER = 26,
	F_SLEEP = 27,
	F_FDFLAGS = 28,
	F_PROT = 29,
	F_FS = 30,
	F_COMM = 31,
	F_RSEQ = 32,
	F_TASK = 33,
	F_ALTSTACK = 34,
	F_PENDING = 35,
	F_RLIMIT = 36,
	F_EXE = 37,
	F_THP = 38,
	F_CMDLINE = 39,
	F_AFTER = 40,
};

#define MALLOC_SIZE	(4UL << 20)
#define THP_SIZE	(2UL << 20)	/* one huge page, MADV_HUGEPAGE */
#define MMAP_SIZE	(2UL << 20)
#define MMAP_RO_PAGES	16
#define NR_SMALL	64
#define SMALL_SIZE	3000
#define STACK_WORDS	4096		/* 32 KiB on the stack */
#define MAPFILE_PAGES	16
#define MAP2_PGOFF	8
#define MAP2_PAGES	4
#define DATA_SIZE	65536
#define UMASK_VALUE	027
#define MXCSR_VALUE	0x9fc0		/* default 0x1f80 + FTZ + DAZ */
#define X87CW_VALUE	0x027f		/* default 0x037f, 53-bit precision */
#define ALTSTACK_SIZE	(64 * 1024)
#define PDEATH_SIGNAL	SIGHUP		/* ignored, so harmless when it comes */
#define SIG_RT		(SIGRTMIN + 3)	/* blocked, two queued with values */
#define USR2_VALUE	0x5eed
#define NOFILE_CUR	200
#define MSGQUEUE_CUR	43210

static const int mapfile_changed[] = { 1, 4, 9, 15 };

/* Register state loaded around the raw nanosleep; layout used by the asm. */
struct regio {
	uint8_t in_ymm[16][32];		/* 0 */
	uint64_t in_gpr[8];		/* 512: rbx r8 r9 r10 r12 r13 r14 r15 */
	uint8_t out_ymm[16][32];	/* 576 */
	uint64_t out_gpr[8];		/* 1088 */
	struct timespec req;		/* 1152 */
} __attribute__((aligned(64)));

_Static_assert(offsetof(struct regio, in_gpr) == 512, "regio layout");
_Static_assert(offsetof(struct regio, out_ymm) == 576, "regio layout");
_Static_assert(offsetof(struct regio, out_gpr) == 1088, "regio layout");
_Static_assert(offsetof(struct regio, req) == 1152, "regio layout");

static const char *const gpr_names[8] = {
	"rbx", "r8", "r9", "r10", "r12", "r13", "r14", "r15"
};

/* .data (non-zero initializer) and .bss */
static uint64_t gdata[512] = { 0x0123456789abcdefULL, 1, 2, 3, 5, 8, 13 };
static uint64_t gbss[8192];

static __thread uint64_t tls_data = 0x1122334455667788ULL;
static __thread uint64_t tls_bss;

static volatile sig_atomic_t usr1_count;
static volatile sig_atomic_t usr2_count;
static void *volatile usr1_sp;		/* a local of the last SIGUSR1 handler */

static struct {
	const char *dir;
	char path_status[4096], path_tmp[4096], path_stop[4096];
	char path_log[4096], path_data[4096], path_map[4096];
	uint64_t seed;
	long tick_ms;
	long check_every;
	size_t ps;

	pid_t pid;
	unsigned long long counter;
	unsigned eintr;
	long thp_kb;
	bool have_avx;

	uint64_t *big;			/* malloc */
	uint8_t *anon;			/* mmap */
	uint8_t *thp;			/* 2 MiB-aligned, MADV_HUGEPAGE */
	uint64_t *small[NR_SMALL];
	uint64_t *stack;
	uint8_t *altstack;
	uint8_t *map;			/* MAP_PRIVATE of mapfile */
	uint8_t *map2;			/* MAP_PRIVATE at MAP2_PGOFF */

	int logfd, datafd;
	off_t data_pos;

	uint64_t fsbase;
	uint64_t *tls_addr;
	struct rlimit rl_nofile, rl_msgq;
	char exe[4096];
	char cmdline[4096], environ[16384];
	ssize_t cmdline_len, environ_len;
	char cwd[4096];
	char comm[16];
	struct regio rio;
} S;

static void write_status(int ok, const char *failed);

static ssize_t read_proc_self(const char *name, char *buf, size_t len)
{
	char path[64];
	ssize_t n, total = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((size_t)total < len &&
	       (n = read(fd, buf + total, len - (size_t)total)) > 0)
		total += n;
	close(fd);
	return total;
}

static void read_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	buf[n < 0 ? 0 : n] = 0;
}

static void __attribute__((format(printf, 2, 3), noreturn))
fail(int code, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "statekeeper: FAIL (code %d) counter=%llu: %s\n",
		code, S.counter, msg);
	if (S.path_status[0])
		write_status(0, msg);
	exit(code);
}

/* ---- patterns --------------------------------------------------------- */

static inline uint64_t patw(uint64_t base, uint64_t i)
{
	uint64_t x = (base + i) * 0x9E3779B97F4A7C15ULL;

	return x ^ (x >> 29);
}

static uint64_t region_base(unsigned region)
{
	return S.seed * 0x100000001B3ULL + ((uint64_t)region << 40);
}

static void fill(void *p, size_t bytes, uint64_t base)
{
	uint64_t *w = p;

	for (size_t i = 0; i < bytes / 8; i++)
		w[i] = patw(base, i);
}

/* Byte offset of the first word that differs from the pattern, or -1. */
static long verify(const void *p, size_t bytes, uint64_t base)
{
	const uint64_t *w = p;

	for (size_t i = 0; i < bytes / 8; i++)
		if (w[i] != patw(base, i))
			return (long)(i * 8);
	return -1;
}

static long verify_zero(const void *p, size_t bytes)
{
	const uint64_t *w = p;

	for (size_t i = 0; i < bytes / 8; i++)
		if (w[i])
			return (long)(i * 8);
	return -1;
}

enum { R_MALLOC = 1, R_MMAP, R_SMALL, R_STACK, R_BSS, R_MAPA, R_MAPB,
       R_DATA, R_YMM, R_GPR, R_THP };

/* ---- setup ------------------------------------------------------------ */

static void setup_memory(uint64_t *stackbuf)
{
	size_t npages = MMAP_SIZE / S.ps;

	S.big = malloc(MALLOC_SIZE);
	if (!S.big)
		fail(F_SETUP, "malloc: %s", strerror(errno));
	fill(S.big, MALLOC_SIZE, region_base(R_MALLOC));

	S.anon = mmap(NULL, MMAP_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (S.anon == MAP_FAILED)
		fail(F_SETUP, "mmap anon: %s", strerror(errno));
	/* even pages filled, odd pages never touched, read-only tail filled */
	for (size_t pg = 0; pg < npages; pg++)
		if (pg % 2 == 0 || pg >= npages - MMAP_RO_PAGES)
			fill(S.anon + pg * S.ps, S.ps,
			     region_base(R_MMAP) + pg * (S.ps / 8));
	if (mprotect(S.anon + (npages - MMAP_RO_PAGES) * S.ps,
		     MMAP_RO_PAGES * S.ps, PROT_READ))
		fail(F_SETUP, "mprotect: %s", strerror(errno));

	/*
	 * A huge page where the kernel gives them (THP "always" or "madvise"):
	 * the checkpoint must read a PMD-mapped page and the restore write one.
	 */
	{
		uint8_t *p = mmap(NULL, 2 * THP_SIZE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uintptr_t a = ((uintptr_t)p + THP_SIZE - 1) & ~(THP_SIZE - 1);

		if (p == MAP_FAILED)
			fail(F_SETUP, "mmap thp: %s", strerror(errno));
		S.thp = (uint8_t *)a;
		madvise(S.thp, THP_SIZE, MADV_HUGEPAGE);
		fill(S.thp, THP_SIZE, region_base(R_THP));
	}

	for (int i = 0; i < NR_SMALL; i++) {
		S.small[i] = malloc(SMALL_SIZE);
		if (!S.small[i])
			fail(F_SETUP, "malloc small: %s", strerror(errno));
		fill(S.small[i], SMALL_SIZE, region_base(R_SMALL) + i * 1000);
	}

	S.stack = stackbuf;
	fill(S.stack, STACK_WORDS * 8, region_base(R_STACK));
	fill(gbss, sizeof(gbss), region_base(R_BSS));
	for (size_t i = 7; i < 512; i++)
		gdata[i] = gdata[i - 1] + gdata[i - 2];
}

static void setup_mapfile(void)
{
	size_t len = MAPFILE_PAGES * S.ps;
	uint8_t *buf = malloc(len);
	int fd;

	if (!buf)
		fail(F_SETUP, "malloc: %s", strerror(errno));
	fill(buf, len, region_base(R_MAPA));
	fd = open(S.path_map, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write_all(fd, buf, len))
		fail(F_SETUP, "create %s: %s", S.path_map, strerror(errno));
	free(buf);

	S.map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	S.map2 = mmap(NULL, MAP2_PAGES * S.ps, PROT_READ, MAP_PRIVATE, fd,
		      MAP2_PGOFF * S.ps);
	if (S.map == MAP_FAILED || S.map2 == MAP_FAILED)
		fail(F_SETUP, "mmap %s: %s", S.path_map, strerror(errno));
	close(fd);

	for (size_t i = 0; i < sizeof(mapfile_changed) / sizeof(int); i++) {
		int pg = mapfile_changed[i];

		fill(S.map + pg * S.ps, S.ps, region_base(R_MAPB) + pg * (S.ps / 8));
	}
}

static void setup_files(void)
{
	uint8_t *buf = malloc(DATA_SIZE);
	int fd;

	if (!buf)
		fail(F_SETUP, "malloc: %s", strerror(errno));
	fill(buf, DATA_SIZE, region_base(R_DATA));
	fd = open(S.path_data, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write_all(fd, buf, DATA_SIZE) || close(fd))
		fail(F_SETUP, "create %s: %s", S.path_data, strerror(errno));
	free(buf);

	S.datafd = open(S.path_data, O_RDWR | O_CLOEXEC);
	if (S.datafd < 0)
		fail(F_SETUP, "open %s: %s", S.path_data, strerror(errno));
	S.data_pos = 12344;
	if (lseek(S.datafd, S.data_pos, SEEK_SET) != S.data_pos)
		fail(F_SETUP, "lseek: %s", strerror(errno));

	S.logfd = open(S.path_log, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (S.logfd < 0)
		fail(F_SETUP, "open %s: %s", S.path_log, strerror(errno));
}

static void on_usr1(int sig)
{
	int local;

	(void)sig;
	usr1_sp = &local;
	usr1_count++;
}

static void on_usr2(int sig)
{
	(void)sig;
	usr2_count++;
}

static void setup_signals(void)
{
	struct sigaction sa;
	sigset_t set;

	stack_t ss;

	S.altstack = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (S.altstack == MAP_FAILED)
		fail(F_SETUP, "mmap altstack: %s", strerror(errno));
	ss.ss_sp = S.altstack;
	ss.ss_size = ALTSTACK_SIZE;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		fail(F_SETUP, "sigaltstack: %s", strerror(errno));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGHUP);
	if (sigaction(SIGUSR1, &sa, NULL))
		fail(F_SETUP, "sigaction: %s", strerror(errno));
	sa.sa_handler = on_usr2;
	sa.sa_flags = 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR2, &sa, NULL))
		fail(F_SETUP, "sigaction: %s", strerror(errno));
	signal(SIGHUP, SIG_IGN);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIG_RT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		fail(F_SETUP, "sigprocmask: %s", strerror(errno));
}

/* rt_tgsigqueueinfo to ourselves: a private pending signal with a value. */
static int queue_private(int sig, int value)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = value;
	return (int)syscall(SYS_rt_tgsigqueueinfo, getpid(), getpid(), sig, &si);
}

static void setup_pending(void)
{
	union sigval v = { .sival_int = USR2_VALUE };

	if (sigqueue(getpid(), SIGUSR2, v) || queue_private(SIG_RT, 1) ||
	    queue_private(SIG_RT, 2))
		fail(F_SETUP, "queueing signals: %s", strerror(errno));
}

static void setup_rlimits(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		fail(F_SETUP, "getrlimit: %s", strerror(errno));
	rl.rlim_cur = NOFILE_CUR;
	if (setrlimit(RLIMIT_NOFILE, &rl) || getrlimit(RLIMIT_NOFILE, &S.rl_nofile))
		fail(F_SETUP, "setrlimit NOFILE: %s", strerror(errno));
	if (getrlimit(RLIMIT_MSGQUEUE, &rl))
		fail(F_SETUP, "getrlimit: %s", strerror(errno));
	rl.rlim_cur = MSGQUEUE_CUR;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < MSGQUEUE_CUR)
		rl.rlim_max = MSGQUEUE_CUR;
	if (setrlimit(RLIMIT_MSGQUEUE, &rl) || getrlimit(RLIMIT_MSGQUEUE, &S.rl_msgq))
		fail(F_SETUP, "setrlimit MSGQUEUE: %s", strerror(errno));
}

static uint64_t get_fsbase(void)
{
	unsigned long base = 0;

	syscall(SYS_arch_prctl, ARCH_GET_FS, &base);
	return base;
}

static void setup_cpu(void)
{
	unsigned mx = MXCSR_VALUE;
	unsigned short cw = X87CW_VALUE;

	__builtin_cpu_init();
	S.have_avx = __builtin_cpu_supports("avx");

	for (int r = 0; r < 16; r++)
		for (int b = 0; b < 32; b += 8) {
			uint64_t v = patw(region_base(R_YMM), r * 4 + b / 8);

			memcpy(&S.rio.in_ymm[r][b], &v, 8);
		}
	for (int i = 0; i < 8; i++)
		S.rio.in_gpr[i] = patw(region_base(R_GPR), i);

	asm volatile("ldmxcsr %0" : : "m"(mx));
	asm volatile("fldcw %0" : : "m"(cw));

	tls_bss = patw(region_base(R_GPR), 100);
	S.tls_addr = &tls_data;
	S.fsbase = get_fsbase();
	if (!S.fsbase)
		fail(F_SETUP, "arch_prctl(ARCH_GET_FS) gave 0");
}

static void setup_task(void)
{
	umask(UMASK_VALUE);
	if (!getcwd(S.cwd, sizeof(S.cwd)))
		fail(F_SETUP, "getcwd: %s", strerror(errno));
	prctl(PR_SET_NAME, "statekeeper");
	prctl(PR_GET_NAME, S.comm);
	read_exe(S.exe, sizeof(S.exe));
	S.cmdline_len = read_proc_self("cmdline", S.cmdline, sizeof(S.cmdline));
	S.environ_len = read_proc_self("environ", S.environ, sizeof(S.environ));
	if (S.cmdline_len <= 0 || S.environ_len < 0)
		fail(F_SETUP, "reading /proc/self/cmdline, environ: %s", strerror(errno));
	if (!S.exe[0])
		fail(F_SETUP, "readlink /proc/self/exe: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_PDEATHSIG, PDEATH_SIGNAL, 0, 0, 0) ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		fail(F_SETUP, "prctl: %s", strerror(errno));
}

/* ---- the sleep with registers loaded ---------------------------------- */

#define LDY(n, off) "vmovdqu " #off "(%%rdx), %%ymm" #n "\n\t"
#define STY(n, off) "vmovdqu %%ymm" #n ", " #off "(%%rdx)\n\t"
#define LDX(n, off) "movdqu " #off "(%%rdx), %%xmm" #n "\n\t"
#define STX(n, off) "movdqu %%xmm" #n ", " #off "(%%rdx)\n\t"
#define LDG \
	"movq 512(%%rdx), %%rbx\n\t" "movq 520(%%rdx), %%r8\n\t"	\
	"movq 528(%%rdx), %%r9\n\t"  "movq 536(%%rdx), %%r10\n\t"	\
	"movq 544(%%rdx), %%r12\n\t" "movq 552(%%rdx), %%r13\n\t"	\
	"movq 560(%%rdx), %%r14\n\t" "movq 568(%%rdx), %%r15\n\t"
#define STG \
	"movq %%rbx, 1088(%%rdx)\n\t" "movq %%r8, 1096(%%rdx)\n\t"	\
	"movq %%r9, 1104(%%rdx)\n\t"  "movq %%r10, 1112(%%rdx)\n\t"	\
	"movq %%r12, 1120(%%rdx)\n\t" "movq %%r13, 1128(%%rdx)\n\t"	\
	"movq %%r14, 1136(%%rdx)\n\t" "movq %%r15, 1144(%%rdx)\n\t"
#define CLOBBERS \
	"rcx", "r11", "rbx", "r8", "r9", "r10", "r12", "r13", "r14", "r15", \
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",	    \
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",	    \
	"xmm15", "memory", "cc"

/*
 * nanosleep(&rio->req, NULL) by a raw syscall instruction, with ymm0-15 (or
 * xmm0-15 without AVX) and rbx, r8-r10, r12-r15 loaded with patterns before
 * it and stored right after it: no libc code runs in between, so whatever
 * the registers hold afterwards is what the kernel (or a restore) gave back.
 */
static long sleep_avx(struct regio *rio)
{
	long ret;

	asm volatile(
		LDY(0, 0) LDY(1, 32) LDY(2, 64) LDY(3, 96)
		LDY(4, 128) LDY(5, 160) LDY(6, 192) LDY(7, 224)
		LDY(8, 256) LDY(9, 288) LDY(10, 320) LDY(11, 352)
		LDY(12, 384) LDY(13, 416) LDY(14, 448) LDY(15, 480)
		LDG
		"syscall\n\t"
		STY(0, 576) STY(1, 608) STY(2, 640) STY(3, 672)
		STY(4, 704) STY(5, 736) STY(6, 768) STY(7, 800)
		STY(8, 832) STY(9, 864) STY(10, 896) STY(11, 928)
		STY(12, 960) STY(13, 992) STY(14, 1024) STY(15, 1056)
		STG
		"vzeroupper\n\t"
		: "=a"(ret)
		: "0"((long)SYS_nanosleep), "D"(&rio->req), "S"(0L), "d"(rio)
		: CLOBBERS);
	return ret;
}

static long sleep_sse(struct regio *rio)
{
	long ret;

	asm volatile(
		LDX(0, 0) LDX(1, 32) LDX(2, 64) LDX(3, 96)
		LDX(4, 128) LDX(5, 160) LDX(6, 192) LDX(7, 224)
		LDX(8, 256) LDX(9, 288) LDX(10, 320) LDX(11, 352)
		LDX(12, 384) LDX(13, 416) LDX(14, 448) LDX(15, 480)
		LDG
		"syscall\n\t"
		STX(0, 576) STX(1, 608) STX(2, 640) STX(3, 672)
		STX(4, 704) STX(5, 736) STX(6, 768) STX(7, 800)
		STX(8, 832) STX(9, 864) STX(10, 896) STX(11, 928)
		STX(12, 960) STX(13, 992) STX(14, 1024) STX(15, 1056)
		STG
		: "=a"(ret)
		: "0"((long)SYS_nanosleep), "D"(&rio->req), "S"(0L), "d"(rio)
		: CLOBBERS);
	return ret;
}

static void tick_sleep(void)
{
	struct regio *rio = &S.rio;
	int vlen = S.have_avx ? 32 : 16;
	long ret;

	memset(rio->out_ymm, 0, sizeof(rio->out_ymm));
	memset(rio->out_gpr, 0, sizeof(rio->out_gpr));
	rio->req.tv_sec = S.tick_ms / 1000;
	rio->req.tv_nsec = (S.tick_ms % 1000) * 1000000L;

	ret = S.have_avx ? sleep_avx(rio) : sleep_sse(rio);
	if (ret == -EINTR)
		S.eintr++;
	else if (ret)
		fail(F_SLEEP, "raw nanosleep returned %ld", ret);

	for (int r = 0; r < 16; r++)
		if (memcmp(rio->in_ymm[r], rio->out_ymm[r], vlen))
			fail(F_YMM, "%smm%d changed across nanosleep",
			     S.have_avx ? "y" : "x", r);
	for (int i = 0; i < 8; i++)
		if (rio->in_gpr[i] != rio->out_gpr[i])
			fail(F_GPR, "%s changed across nanosleep: %#llx != %#llx",
			     gpr_names[i],
			     (unsigned long long)rio->out_gpr[i],
			     (unsigned long long)rio->in_gpr[i]);
}

/* ---- checks ----------------------------------------------------------- */

static void check_light(void)
{
	unsigned mx = 0;
	unsigned short cw = 0;
	sigset_t cur;
	off_t pos;
	char comm[16] = "";

	if (getpid() != S.pid || syscall(SYS_gettid) != S.pid)
		fail(F_PID, "pid %d tid %ld, expected %d", getpid(),
		     syscall(SYS_gettid), S.pid);

	asm volatile("stmxcsr %0" : "=m"(mx));
	asm volatile("fnstcw %0" : "=m"(cw));
	if (mx != MXCSR_VALUE || cw != X87CW_VALUE)
		fail(F_FPUCTL, "mxcsr %#x (want %#x), x87 cw %#x (want %#x)",
		     mx, MXCSR_VALUE, cw, X87CW_VALUE);

	if (get_fsbase() != S.fsbase || &tls_data != S.tls_addr)
		fail(F_TLS, "fs base %#llx, expected %#llx",
		     (unsigned long long)get_fsbase(),
		     (unsigned long long)S.fsbase);
	if (tls_data != 0x1122334455667788ULL ||
	    tls_bss != patw(region_base(R_GPR), 100))
		fail(F_TLS, "__thread values %#llx %#llx",
		     (unsigned long long)tls_data,
		     (unsigned long long)tls_bss);

	if (sigprocmask(SIG_BLOCK, NULL, &cur))
		fail(F_SIGMASK, "sigprocmask: %s", strerror(errno));
	if (!sigismember(&cur, SIGUSR2) || !sigismember(&cur, SIG_RT) ||
	    sigismember(&cur, SIGUSR1) || sigismember(&cur, SIGHUP))
		fail(F_SIGMASK, "blocked mask: USR2=%d RTMIN+3=%d USR1=%d HUP=%d",
		     sigismember(&cur, SIGUSR2), sigismember(&cur, SIG_RT),
		     sigismember(&cur, SIGUSR1), sigismember(&cur, SIGHUP));
	if (usr2_count)
		fail(F_SIGMASK, "blocked SIGUSR2 was delivered");
	if (sigpending(&cur) || !sigismember(&cur, SIGUSR2) ||
	    !sigismember(&cur, SIG_RT))
		fail(F_PENDING, "pending signals lost: USR2=%d RTMIN+3=%d",
		     sigismember(&cur, SIGUSR2), sigismember(&cur, SIG_RT));

	pos = lseek(S.datafd, 0, SEEK_CUR);
	if (pos != S.data_pos)
		fail(F_DATAFD, "data fd offset %lld, expected %lld",
		     (long long)pos, (long long)S.data_pos);

	prctl(PR_GET_NAME, comm);
	if (strcmp(comm, S.comm))
		fail(F_COMM, "task name '%s', expected '%s'", comm, S.comm);
}

static void check_memory(void)
{
	size_t npages = MMAP_SIZE / S.ps;
	long off;

	off = verify(S.big, MALLOC_SIZE, region_base(R_MALLOC));
	if (off >= 0)
		fail(F_MALLOC, "malloc region %p differs at +%#lx", S.big, off);

	for (size_t pg = 0; pg < npages; pg++) {
		uint8_t *p = S.anon + pg * S.ps;

		if (pg % 2 == 0 || pg >= npages - MMAP_RO_PAGES)
			off = verify(p, S.ps, region_base(R_MMAP) + pg * (S.ps / 8));
		else
			off = verify_zero(p, S.ps);
		if (off >= 0)
			fail(F_MMAP, "mmap region page %zu (%p) differs at +%#lx (%s page)",
			     pg, p, off,
			     pg % 2 && pg < npages - MMAP_RO_PAGES ?
			     "untouched zero" : "filled");
	}

	off = verify(S.thp, THP_SIZE, region_base(R_THP));
	if (off >= 0)
		fail(F_THP, "huge-page region %p differs at +%#lx", S.thp, off);

	for (int i = 0; i < NR_SMALL; i++) {
		off = verify(S.small[i], SMALL_SIZE,
			     region_base(R_SMALL) + i * 1000);
		if (off >= 0)
			fail(F_HEAP, "heap block %d (%p) differs at +%#lx",
			     i, S.small[i], off);
	}

	off = verify(S.stack, STACK_WORDS * 8, region_base(R_STACK));
	if (off >= 0)
		fail(F_STACK, "stack buffer %p differs at +%#lx", S.stack, off);

	off = verify(gbss, sizeof(gbss), region_base(R_BSS));
	if (off >= 0)
		fail(F_GLOBAL, ".bss array differs at +%#lx", off);
	if (gdata[0] != 0x0123456789abcdefULL)
		fail(F_GLOBAL, ".data array word 0 is %#llx",
		     (unsigned long long)gdata[0]);
	for (size_t i = 7; i < 512; i++)
		if (gdata[i] != gdata[i - 1] + gdata[i - 2])
			fail(F_GLOBAL, ".data array differs at word %zu", i);

	for (int pg = 0; pg < MAPFILE_PAGES; pg++) {
		bool changed = false;

		for (size_t i = 0; i < sizeof(mapfile_changed) / sizeof(int); i++)
			changed |= mapfile_changed[i] == pg;
		off = verify(S.map + pg * S.ps, S.ps,
			     region_base(changed ? R_MAPB : R_MAPA) + pg * (S.ps / 8));
		if (off >= 0)
			fail(F_MAPPRIV, "private file mapping page %d (%s) differs at +%#lx",
			     pg, changed ? "changed in memory" : "file contents",
			     off);
	}
	for (int pg = 0; pg < MAP2_PAGES; pg++) {
		off = verify(S.map2 + pg * S.ps, S.ps, region_base(R_MAPA) +
			     (MAP2_PGOFF + pg) * (S.ps / 8));
		if (off >= 0)
			fail(F_MAPPRIV, "file mapping at page offset %d: page %d differs at +%#lx",
			     MAP2_PGOFF, pg, off);
	}
}

static void check_fds(void)
{
	int fl;
	struct stat st;
	off_t pos;

	fl = fcntl(S.logfd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) != O_WRONLY || !(fl & O_APPEND))
		fail(F_FDFLAGS, "log fd flags %#x, want O_WRONLY|O_APPEND", fl);
	fl = fcntl(S.datafd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) != O_RDWR || (fl & O_APPEND))
		fail(F_FDFLAGS, "data fd flags %#x, want O_RDWR", fl);
	if (fcntl(S.datafd, F_GETFD) != FD_CLOEXEC)
		fail(F_FDFLAGS, "data fd has no FD_CLOEXEC");
	if (fcntl(S.logfd, F_GETFD) != 0)
		fail(F_FDFLAGS, "log fd has FD_CLOEXEC");

	pos = lseek(S.logfd, 0, SEEK_CUR);
	if (fstat(S.logfd, &st) || pos != st.st_size)
		fail(F_LOGFD, "log fd offset %lld, file size %lld",
		     (long long)pos, (long long)st.st_size);
}

static void check_fs(void)
{
	char cwd[4096];
	mode_t m = umask(UMASK_VALUE);

	if (m != UMASK_VALUE)
		fail(F_FS, "umask %03o, expected %03o", m, UMASK_VALUE);
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, S.cwd))
		fail(F_FS, "cwd '%s', expected '%s'", cwd, S.cwd);
}

/* ---- final check ------------------------------------------------------ */

static void check_prot(void)
{
	size_t npages = MMAP_SIZE / S.ps;
	unsigned long rw_start = (unsigned long)S.anon;
	unsigned long ro_start = rw_start + (npages - MMAP_RO_PAGES) * S.ps;
	unsigned long ro_end = rw_start + MMAP_SIZE;
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], perms[8];
	unsigned long a, b;
	int seen = 0;

	if (!f)
		fail(F_PROT, "/proc/self/maps: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) != 3)
			continue;
		if (a <= ro_start && b >= ro_end) {
			if (strcmp(perms, "r--p"))
				fail(F_PROT, "read-only mapping has %s", perms);
			seen |= 1;
		}
		if (a <= rw_start && b >= ro_start) {
			if (strcmp(perms, "rw-p"))
				fail(F_PROT, "anonymous mapping has %s", perms);
			seen |= 2;
		}
	}
	fclose(f);
	if (seen != 3)
		fail(F_PROT, "anonymous mappings %#lx-%#lx-%#lx not found as split",
		     rw_start, ro_start, ro_end);
}

static void check_mapfile_on_disk(void)
{
	size_t len = MAPFILE_PAGES * S.ps;
	uint8_t *buf = malloc(len);
	int fd = open(S.path_map, O_RDONLY);
	long off;

	if (!buf || fd < 0 || read(fd, buf, len) != (ssize_t)len)
		fail(F_MAPFILE, "read %s: %s", S.path_map, strerror(errno));
	off = verify(buf, len, region_base(R_MAPA));
	if (off >= 0)
		fail(F_MAPFILE, "%s changed on disk at +%#lx (private changes leaked?)",
		     S.path_map, off);
	close(fd);
	free(buf);
}

static void check_data_read(void)
{
	uint64_t w[4];
	off_t pos = S.data_pos & ~7L;

	if (lseek(S.datafd, pos, SEEK_SET) != pos ||
	    read(S.datafd, w, sizeof(w)) != sizeof(w))
		fail(F_DATAFD, "read data: %s", strerror(errno));
	for (int i = 0; i < 4; i++)
		if (w[i] != patw(region_base(R_DATA), pos / 8 + i))
			fail(F_DATAFD, "data file contents differ at %lld",
			     (long long)pos + i * 8);
	if (lseek(S.datafd, 0, SEEK_CUR) != pos + (off_t)sizeof(w))
		fail(F_DATAFD, "offset after read is wrong");
	S.data_pos = pos + sizeof(w);
}

/* Take one pending signal SIG; it must carry CODE and VALUE from us. */
static void take_pending(int sig, int code, int value)
{
	struct timespec zero = { 0, 0 };
	siginfo_t si;
	sigset_t set;
	int got;

	sigemptyset(&set);
	sigaddset(&set, sig);
	memset(&si, 0, sizeof(si));
	got = sigtimedwait(&set, &si, &zero);
	if (got != sig)
		fail(F_PENDING, "signal %d not pending (%s)", sig,
		     got < 0 ? strerror(errno) : "other signal");
	if (si.si_code != code || si.si_pid != S.pid || si.si_uid != getuid() ||
	    (code == SI_QUEUE && si.si_value.sival_int != value))
		fail(F_PENDING, "signal %d siginfo: code %d pid %d uid %d value %d, expected code %d pid %d value %d",
		     sig, si.si_code, si.si_pid, si.si_uid, si.si_value.sival_int,
		     code, S.pid, value);
}

static void check_signals(void)
{
	struct sigaction sa;
	sigset_t pend;
	sig_atomic_t before = usr1_count;

	if (sigaction(SIGUSR1, NULL, &sa) || sa.sa_handler != on_usr1 ||
	    !(sa.sa_flags & SA_RESTART) || !(sa.sa_flags & SA_ONSTACK) ||
	    !sigismember(&sa.sa_mask, SIGHUP))
		fail(F_SIGNAL, "SIGUSR1 disposition lost (handler %p flags %#x)",
		     (void *)sa.sa_handler, sa.sa_flags);
	if (sigaction(SIGHUP, NULL, &sa) || sa.sa_handler != SIG_IGN)
		fail(F_SIGNAL, "SIGHUP is no longer ignored");

	kill(getpid(), SIGUSR1);
	if (usr1_count != before + 1)
		fail(F_SIGNAL, "SIGUSR1 handler ran %d times, expected 1",
		     (int)(usr1_count - before));
	if ((uint8_t *)usr1_sp < S.altstack ||
	    (uint8_t *)usr1_sp >= S.altstack + ALTSTACK_SIZE)
		fail(F_ALTSTACK, "SIGUSR1 handler ran at %p, not on the sigaltstack %p",
		     usr1_sp, (void *)S.altstack);

	take_pending(SIGUSR2, SI_QUEUE, USR2_VALUE);
	take_pending(SIG_RT, SI_QUEUE, 1);
	take_pending(SIG_RT, SI_QUEUE, 2);
	if (sigpending(&pend) || sigismember(&pend, SIGUSR2) ||
	    sigismember(&pend, SIG_RT))
		fail(F_PENDING, "signals still pending after taking them: USR2=%d RTMIN+3=%d",
		     sigismember(&pend, SIGUSR2), sigismember(&pend, SIG_RT));

	kill(getpid(), SIGUSR2);
	if (usr2_count)
		fail(F_SIGMASK, "SIGUSR2 was delivered though blocked");
	if (sigpending(&pend) || !sigismember(&pend, SIGUSR2))
		fail(F_SIGMASK, "SIGUSR2 not pending after kill");
	take_pending(SIGUSR2, SI_USER, 0);
}

static void check_altstack(void)
{
	stack_t ss;

	if (sigaltstack(NULL, &ss) || ss.ss_sp != S.altstack ||
	    ss.ss_size != ALTSTACK_SIZE || ss.ss_flags != 0)
		fail(F_ALTSTACK, "sigaltstack is %p size %zu flags %#x, expected %p size %d",
		     ss.ss_sp, ss.ss_size, ss.ss_flags, (void *)S.altstack,
		     ALTSTACK_SIZE);
}

static void check_task(void)
{
	int sig = -1;

	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		fail(F_TASK, "no_new_privs is not set");
	if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) || sig != PDEATH_SIGNAL)
		fail(F_TASK, "parent-death signal %d, expected %d", sig,
		     PDEATH_SIGNAL);
	sig = 0;
	if (prctl(PR_GET_CHILD_SUBREAPER, &sig, 0, 0, 0) || sig != 1)
		fail(F_TASK, "not a child subreaper any more");
}

static void check_rlimits(void)
{
	struct rlimit a, b;

	if (getrlimit(RLIMIT_NOFILE, &a) || getrlimit(RLIMIT_MSGQUEUE, &b))
		fail(F_RLIMIT, "getrlimit: %s", strerror(errno));
	if (a.rlim_cur != S.rl_nofile.rlim_cur || a.rlim_max != S.rl_nofile.rlim_max)
		fail(F_RLIMIT, "RLIMIT_NOFILE %llu/%llu, expected %llu/%llu",
		     (unsigned long long)a.rlim_cur, (unsigned long long)a.rlim_max,
		     (unsigned long long)S.rl_nofile.rlim_cur,
		     (unsigned long long)S.rl_nofile.rlim_max);
	if (b.rlim_cur != S.rl_msgq.rlim_cur || b.rlim_max != S.rl_msgq.rlim_max)
		fail(F_RLIMIT, "RLIMIT_MSGQUEUE %llu/%llu, expected %llu/%llu",
		     (unsigned long long)b.rlim_cur, (unsigned long long)b.rlim_max,
		     (unsigned long long)S.rl_msgq.rlim_cur,
		     (unsigned long long)S.rl_msgq.rlim_max);
}

static void check_exe(void)
{
	char exe[4096];

	read_exe(exe, sizeof(exe));
	if (strcmp(exe, S.exe))
		fail(F_EXE, "/proc/self/exe is '%s', expected '%s'", exe, S.exe);
}

/*
 * glibc registered an rseq area for the thread.  Scribble over the fields
 * the kernel owns and get a signal delivered: a kernel that knows the
 * registration rewrites them with the current CPU on the way out.
 */
static void check_rseq(void)
{
	volatile struct rseq *rs;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);

	if (__rseq_size == 0)
		return;		/* glibc did not register one */
	rs = (volatile struct rseq *)((char *)__builtin_thread_pointer() +
				      __rseq_offset);
	rs->cpu_id_start = 0x7fff0000;
	rs->cpu_id = 0x7fff0000;
	kill(getpid(), SIGUSR1);
	if (rs->cpu_id_start >= (uint32_t)ncpu || rs->cpu_id >= (uint32_t)ncpu)
		fail(F_RSEQ, "rseq area not updated by the kernel (cpu_id %u/%u): registration lost",
		     rs->cpu_id_start, rs->cpu_id);
}

static void check_cmdline(void)
{
	static char buf[16384];
	ssize_t n;

	n = read_proc_self("cmdline", buf, sizeof(S.cmdline));
	if (n != S.cmdline_len || memcmp(buf, S.cmdline, (size_t)n))
		fail(F_CMDLINE, "/proc/self/cmdline changed (%zd bytes, was %zd)",
		     n, S.cmdline_len);
	n = read_proc_self("environ", buf, sizeof(S.environ));
	if (n != S.environ_len || memcmp(buf, S.environ, (size_t)n))
		fail(F_CMDLINE, "/proc/self/environ changed (%zd bytes, was %zd)",
		     n, S.environ_len);
}

/*
 * The restored process must go on living normally: grow its heap, map
 * new memory, fork a child that sees its memory, and that child exec.
 */
static void check_after(void)
{
	void *blocks[100];
	uint8_t *m;
	pid_t child;
	int status;

	for (int i = 0; i < 100; i++) {
		blocks[i] = malloc(SMALL_SIZE);
		if (!blocks[i])
			fail(F_AFTER, "malloc: %s", strerror(errno));
		memset(blocks[i], i, SMALL_SIZE);
	}
	for (int i = 0; i < 100; i++)
		free(blocks[i]);
	m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		fail(F_AFTER, "mmap: %s", strerror(errno));
	memset(m, 0x5a, 1 << 20);
	munmap(m, 1 << 20);

	child = fork();
	if (child < 0)
		fail(F_AFTER, "fork: %s", strerror(errno));
	if (child == 0) {
		if (verify(S.big, MALLOC_SIZE, region_base(R_MALLOC)) >= 0 ||
		    verify(S.thp, THP_SIZE, region_base(R_THP)) >= 0)
			_exit(99);
		execl("/bin/sh", "sh", "-c", "exit 7", (char *)NULL);
		_exit(98);
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 7)
		fail(F_AFTER, "forked child: status %#x (99: memory differs in the child, 98: exec failed)",
		     status);
}

static long long read_stop_min(void)
{
	char buf[64] = "";
	int fd = open(S.path_stop, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	buf[strcspn(buf, " \t\r\n")] = 0;
	if (!buf[0])
		return 0;
	return parse_ll(buf);
}

static void final_check(void)
{
	long long min = read_stop_min();

	if (min < 0)
		fail(F_USAGE, "stop file does not hold a number");
	check_light();
	check_fds();
	check_fs();
	check_memory();
	S.thp_kb = anon_huge_kb();
	check_prot();
	check_mapfile_on_disk();
	check_data_read();
	check_signals();
	check_altstack();
	check_task();
	check_rlimits();
	check_exe();
	check_cmdline();
	check_rseq();
	check_after();
	if ((long long)S.counter < min)
		fail(F_COUNTER, "counter %llu below the expected minimum %lld",
		     S.counter, min);
	write_status(1, NULL);
	printf("statekeeper: all checks passed counter=%llu\n", S.counter);
	fflush(stdout);
	exit(0);
}

/* ---- main loop -------------------------------------------------------- */

static void write_status(int ok, const char *failed)
{
	char buf[768];
	int fd, n;

	n = snprintf(buf, sizeof(buf),
		     "pid=%d counter=%llu ok=%d ymm=%d eintr=%u usr1=%d thp_kb=%ld%s%s\n",
		     S.pid, S.counter, ok, S.have_avx, S.eintr, (int)usr1_count,
		     S.thp_kb,
		     failed ? " failed=" : "", failed ? failed : "");
	fd = open(S.path_tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write_all(fd, buf, (size_t)n) || close(fd) ||
	    rename(S.path_tmp, S.path_status)) {
		fprintf(stderr, "statekeeper: status: %s\n", strerror(errno));
		exit(F_SETUP);
	}
}

static void tick(void)
{
	char line[64];
	int n;

	S.counter++;
	check_light();

	n = snprintf(line, sizeof(line), "tick %llu\n", S.counter);
	if (write(S.logfd, line, (size_t)n) != n)
		fail(F_LOGFD, "write log: %s", strerror(errno));
	check_fds();

	S.data_pos = 1000 + (off_t)((S.counter * 37) % 60000);
	if (lseek(S.datafd, S.data_pos, SEEK_SET) != S.data_pos)
		fail(F_DATAFD, "lseek: %s", strerror(errno));

	if (S.counter % (unsigned long long)S.check_every == 0) {
		S.thp_kb = anon_huge_kb();
		check_memory();
		check_fs();
		check_rlimits();
	}
	write_status(1, NULL);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: statekeeper -d DIR [-s SEED] [-i TICK_MS] [-c CHECK_EVERY]\n");
	exit(F_USAGE);
}

static void parse_args(int argc, char **argv)
{
	int c;

	S.seed = 42;
	S.tick_ms = 20;
	S.check_every = 10;
	while ((c = getopt(argc, argv, "d:s:i:c:")) != -1) {
		switch (c) {
		case 'd': S.dir = optarg; break;
		case 's': S.seed = (uint64_t)parse_ll(optarg); break;
		case 'i': S.tick_ms = (long)parse_ll(optarg); break;
		case 'c': S.check_every = (long)parse_ll(optarg); break;
		default: usage();
		}
	}
	if (!S.dir || optind != argc || S.tick_ms <= 0 || S.check_every <= 0)
		usage();
#define P(field, name) snprintf(S.field, sizeof(S.field), "%s/" name, S.dir)
	P(path_status, "status");
	P(path_tmp, "status.tmp");
	P(path_stop, "stop");
	P(path_log, "log");
	P(path_data, "data");
	P(path_map, "mapfile");
#undef P
}

int main(int argc, char **argv)
{
	uint64_t stackbuf[STACK_WORDS];

	close_extra_fds();
	parse_args(argc, argv);
	S.ps = (size_t)sysconf(_SC_PAGESIZE);
	S.pid = getpid();
	unlink(S.path_stop);

	setup_task();
	setup_memory(stackbuf);
	setup_mapfile();
	setup_files();
	setup_signals();
	setup_pending();
	setup_rlimits();
	setup_cpu();

	check_light();
	check_fds();
	check_fs();
	check_memory();
	S.thp_kb = anon_huge_kb();
	check_prot();
	check_altstack();
	check_task();
	check_rlimits();
	check_exe();
	check_cmdline();
	check_rseq();
	write_status(1, NULL);

	for (;;) {
		tick();
		if (access(S.path_stop, F_OK) == 0)
			final_check();
		tick_sleep();
	}
}
