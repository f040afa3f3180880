// SPDX-License-Identifier: GPL-2.0
/*
 * imgedit: look inside and damage checkpoint images, for the tests of
 * image validation.  It knows only the framing of uapi/linux/ckpt.h (the
 * image header and the record headers), independently of tools/.
 *
 *   imgedit walk FILE
 *	one line per record: "OFFSET TYPE LEN [details]"; the first line is
 *	"0 HEADER SIZE", the last "SIZE EOF 0".  Offsets are of the record
 *	header; its payload starts 16 bytes later.  A FILE record's line
 *	(the fd and kind of its first entry) is followed by one line per
 *	entry: "OFFSET FENTRY LEN fd=N kind=K prefix=P", the offset of the
 *	entry itself, LEN its structure and path bytes
 *   imgedit check FILE
 *	recompute every checksum (XXH64, low 32 bits); print "crc ok" or the
 *	first bad one (exit 1)
 *   imgedit flip FILE OFFSET XORBYTE
 *	xor one byte in place; CRCs are left as they are
 *   imgedit set FILE OFFSET WIDTH VALUE
 *	store VALUE (little-endian, WIDTH 1, 2, 4 or 8 bytes) at OFFSET and
 *	recompute the CRC of the header or record holding OFFSET, so that
 *	only the reader's checks of contents can catch it
 *   imgedit garbage SIZE SEED
 *	write SIZE pseudo-random bytes to stdout
 *   imgedit mutate FILE SEED
 *	change one thing in the metadata, chosen by SEED, and recompute that
 *	record's CRC: a bit flipped, a byte or an aligned 2-, 4- or 8-byte
 *	word set to a boundary value (0, 1, all ones, the sign bit...),
 *	anywhere in a record's payload but the process's own bytes (page,
 *	pipe, socket, memfd... data; their records' fixed parts are
 *	metadata); the place is a byte of all the metadata, or a record
 *	first and then a byte of it; prints "OFFSET TYPE what"
 *
 * Exit 0 ok, 1 failure, 2 usage.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>

#include "common.h"
#include <linux/ckpt.h>

static const char *const type_names[] = {
	[CKPT_REC_TASK] = "TASK", [CKPT_REC_GROUPS] = "GROUPS",
	[CKPT_REC_FS] = "FS", [CKPT_REC_SIGACTIONS] = "SIGACTIONS",
	[CKPT_REC_MM] = "MM", [CKPT_REC_AUXV] = "AUXV",
	[CKPT_REC_VMA] = "VMA", [CKPT_REC_FILE] = "FILE",
	[CKPT_REC_REGS] = "REGS", [CKPT_REC_XSTATE] = "XSTATE",
	[CKPT_REC_RESTART] = "RESTART", [CKPT_REC_PAGES] = "PAGES",
	[CKPT_REC_END] = "END",
#ifdef CKPT_REC_RLIMITS
	[CKPT_REC_RLIMITS] = "RLIMITS",
#endif
#ifdef CKPT_REC_SIGPENDING
	[CKPT_REC_SIGPENDING] = "SIGPENDING",
#endif
#ifdef CKPT_REC_FDSTATE
	[CKPT_REC_FDSTATE] = "FDSTATE",
#endif
#ifdef CKPT_REC_SHMEM
	[CKPT_REC_SHMEM] = "SHMEM", [CKPT_REC_SHMDATA] = "SHMDATA",
	[CKPT_REC_SECCOMP] = "SECCOMP",
#endif
#ifdef CKPT_REC_SOCKET
	[CKPT_REC_SOCKET] = "SOCKET", [CKPT_REC_SOCKDATA] = "SOCKDATA",
#endif
#ifdef CKPT_REC_SYSVSHM
	[CKPT_REC_SYSVSHM] = "SYSVSHM", [CKPT_REC_SYSVDATA] = "SYSVDATA",
	[CKPT_REC_SYSVSEM] = "SYSVSEM", [CKPT_REC_SYSVMSG] = "SYSVMSG",
#endif
#ifdef CKPT_REC_SHARES
	[CKPT_REC_SHARES] = "SHARES",
#endif
#ifdef CKPT_REC_SCHED
	[CKPT_REC_SCHED] = "SCHED",
#endif
#ifdef CKPT_REC_FLOCK
	[CKPT_REC_FLOCK] = "FLOCK",
#endif
#ifdef CKPT_REC_CGROUP
	[CKPT_REC_CGROUP] = "CGROUP",
#endif
#ifdef CKPT_REC_SOCKOPT
	[CKPT_REC_SOCKOPT] = "SOCKOPT",
#endif
#ifdef CKPT_REC_INWATCH
	[CKPT_REC_INWATCH] = "INWATCH",
#endif
#ifdef CKPT_REC_INEVENTS
	[CKPT_REC_INEVENTS] = "INEVENTS",
#endif
#ifdef CKPT_REC_MCAST
	[CKPT_REC_MCAST] = "MCAST",
#endif
#ifdef CKPT_REC_CLOCKS
	[CKPT_REC_CLOCKS] = "CLOCKS",
#endif
#ifdef CKPT_REC_NETLINK
	[CKPT_REC_NETLINK] = "NETLINK",
#endif
#ifdef CKPT_REC_MEMPOLICY
	[CKPT_REC_MEMPOLICY] = "MEMPOLICY",
#endif
	[CKPT_REC_TIMERS] = "TIMERS", [CKPT_REC_THREAD] = "THREAD",
};

/* XXH64, seed 0, one buffer (the image checksum is its low 32 bits). */
#define X1	0x9E3779B185EBCA87ULL
#define X2	0xC2B2AE3D27D4EB4FULL
#define X3	0x165667B19E3779F9ULL
#define X4	0x85EBCA77C2B2AE63ULL
#define X5	0x27D4EB2F165667C5ULL

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

static uint64_t xround(uint64_t acc, uint64_t in)
{
	return rotl(acc + in * X2, 31) * X1;
}

static uint64_t xxh64(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	uint64_t h, v[4] = { X1 + X2, X2, 0, -X1 };

	if (len >= 32) {
		for (; p + 32 <= end; p += 32)
			for (int i = 0; i < 4; i++)
				v[i] = xround(v[i], get_le(p + 8 * i, 8));
		h = rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) +
		    rotl(v[3], 18);
		for (int i = 0; i < 4; i++)
			h = (h ^ xround(0, v[i])) * X1 + X4;
	} else {
		h = X5;
	}
	h += len;
	for (; p + 8 <= end; p += 8)
		h = rotl(h ^ xround(0, get_le(p, 8)), 27) * X1 + X4;
	if (p + 4 <= end) {
		h = rotl(h ^ get_le(p, 4) * X1, 23) * X2 + X3;
		p += 4;
	}
	for (; p < end; p++)
		h = rotl(h ^ *p * X5, 11) * X1;
	h = (h ^ (h >> 33)) * X2;
	h = (h ^ (h >> 29)) * X3;
	return h ^ (h >> 32);
}

/* The csum of @len bytes at @p, with its u32 csum field at @csum_off zero. */
static uint32_t csum_of(const uint8_t *p, size_t len, size_t csum_off)
{
	uint8_t *copy = malloc(len);
	uint32_t c;

	if (!copy) {
		perror("imgedit");
		exit(1);
	}
	memcpy(copy, p, len);
	memset(copy + csum_off, 0, 4);
	c = (uint32_t)xxh64(copy, len);
	free(copy);
	return c;
}

struct image {
	uint8_t *data;
	size_t size;
};

static int load(const char *path, struct image *img)
{
	int fd = open(path, O_RDONLY);
	struct stat st;

	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		return -1;
	}
	img->size = (size_t)st.st_size;
	img->data = malloc(img->size + 1);
	if (!img->data || read(fd, img->data, img->size) != (ssize_t)img->size) {
		perror(path);
		return -1;
	}
	close(fd);
	return 0;
}

static int store(const char *path, const struct image *img)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	if (fd < 0 || write_all(fd, img->data, img->size) || close(fd)) {
		perror(path);
		return -1;
	}
	return 0;
}

static size_t header_size(const struct image *img)
{
	(void)img;
	return sizeof(struct ckpt_image_header);
}

static uint32_t header_crc(const struct image *img)
{
	return csum_of(img->data, sizeof(struct ckpt_image_header),
		       offsetof(struct ckpt_image_header, csum));
}

static uint32_t record_crc(const struct image *img, size_t off)
{
	struct ckpt_rec_header rh;

	memcpy(&rh, img->data + off, sizeof(rh));
	return csum_of(img->data + off, sizeof(rh) + rh.len,
		       offsetof(struct ckpt_rec_header, csum));
}

/*
 * Call fn for each record that fits in the file; returns the offset where
 * the walk stopped (the file size if the records tile it exactly).
 */
typedef int (*rec_fn)(struct image *img, size_t off,
		      const struct ckpt_rec_header *rh, void *arg);

static size_t for_each_record(struct image *img, rec_fn fn, void *arg)
{
	size_t off = header_size(img);

	while (off + sizeof(struct ckpt_rec_header) <= img->size) {
		struct ckpt_rec_header rh;

		memcpy(&rh, img->data + off, sizeof(rh));
		if (rh.len > img->size - off - sizeof(rh))
			break;
		if (fn(img, off, &rh, arg))
			break;
		off += sizeof(rh) + rh.len;
	}
	return off;
}

static const char *type_name(uint32_t type)
{
	if (type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type])
		return type_names[type];
	return "UNKNOWN";
}

/* The entries of a FILE record at @off, as far as their headers fit. */
static void print_file_entries(const uint8_t *payload, size_t off,
			       uint32_t len)
{
	struct ckpt_rec_file f;
	size_t pos = 0;

	while (len - pos >= sizeof(f)) {
		memcpy(&f, payload + pos, sizeof(f));
		printf("%zu FENTRY %zu fd=%d kind=%u prefix=%u\n",
		       off + sizeof(struct ckpt_rec_header) + pos,
		       sizeof(f) + f.path_len, f.fd, f.kind, f.path_prefix);
		if (f.path_len > len - pos - sizeof(f))
			break;
		pos += sizeof(f) + f.path_len;
	}
}

static int print_record(struct image *img, size_t off,
			const struct ckpt_rec_header *rh, void *arg)
{
	const uint8_t *payload = img->data + off + sizeof(*rh);

	(void)arg;
	printf("%zu %s %u", off, type_name(rh->type), rh->len);
	if (rh->type == CKPT_REC_PAGES && rh->len >= sizeof(struct ckpt_rec_pages)) {
		struct ckpt_rec_pages p;

		memcpy(&p, payload, sizeof(p));
		printf(" addr=%#llx nr=%u", (unsigned long long)p.addr, p.nr_pages);
	} else if (rh->type == CKPT_REC_VMA && rh->len >= sizeof(struct ckpt_rec_vma)) {
		struct ckpt_rec_vma v;

		memcpy(&v, payload, sizeof(v));
		printf(" start=%#llx end=%#llx kind=%u prot=%u",
		       (unsigned long long)v.start, (unsigned long long)v.end,
		       v.kind, v.prot);
	} else if (rh->type == CKPT_REC_FILE && rh->len >= sizeof(struct ckpt_rec_file)) {
		struct ckpt_rec_file f;

		memcpy(&f, payload, sizeof(f));
		printf(" fd=%d kind=%u", f.fd, f.kind);
#ifdef CKPT_REC_SOCKET
	} else if (rh->type == CKPT_REC_SOCKET && rh->len >= sizeof(struct ckpt_rec_socket)) {
		struct ckpt_rec_socket s;

		memcpy(&s, payload, sizeof(s));
		printf(" id=%llu family=%u type=%u state=%u",
		       (unsigned long long)s.id, s.family, s.type, s.state);
#ifdef CKPT_REC_NETLINK
	} else if (rh->type == CKPT_REC_NETLINK && rh->len >= sizeof(struct ckpt_rec_netlink)) {
		struct ckpt_rec_netlink nl;

		memcpy(&nl, payload, sizeof(nl));
		printf(" id=%llu flags=%u", (unsigned long long)nl.id, nl.flags);
#endif
	} else if (rh->type == CKPT_REC_SOCKDATA && rh->len >= sizeof(struct ckpt_rec_sockdata)) {
		struct ckpt_rec_sockdata sd;

		memcpy(&sd, payload, sizeof(sd));
		printf(" id=%llu flags=%u", (unsigned long long)sd.id, sd.flags);
#endif
	} else if (rh->type == CKPT_REC_TASK && rh->len >= sizeof(struct ckpt_rec_task)) {
		struct ckpt_rec_task t;

		memcpy(&t, payload, sizeof(t));
		printf(" pid=%d", t.pid);
	}
	printf("\n");
	if (rh->type == CKPT_REC_FILE)
		print_file_entries(payload, off, rh->len);
	return 0;
}

static int cmd_walk(struct image *img)
{
	size_t end;

	if (img->size < header_size(img)) {
		printf("0 SHORT %zu\n", img->size);
		return 1;
	}
	printf("0 HEADER %zu\n", header_size(img));
	end = for_each_record(img, print_record, NULL);
	if (end != img->size)
		printf("%zu TRAILING %zu\n", end, img->size - end);
	printf("%zu EOF 0\n", img->size);
	return end == img->size ? 0 : 1;
}

static int check_record(struct image *img, size_t off,
			const struct ckpt_rec_header *rh, void *arg)
{
	int *bad = arg;

	if (record_crc(img, off) != rh->csum) {
		printf("bad crc: record %s at %zu\n", type_name(rh->type), off);
		*bad = 1;
		return 1;
	}
	return 0;
}

static int cmd_check(struct image *img)
{
	struct ckpt_image_header h;
	int bad = 0;

	if (img->size < sizeof(h)) {
		printf("short image\n");
		return 1;
	}
	memcpy(&h, img->data, sizeof(h));
	if (header_crc(img) != h.csum) {
		printf("bad crc: header\n");
		return 1;
	}
	if (for_each_record(img, check_record, &bad) != img->size && !bad) {
		printf("records do not end at the end of the file\n");
		return 1;
	}
	if (!bad)
		printf("crc ok\n");
	return bad;
}

struct find_arg {
	size_t target;
	size_t found;
};

static int find_record(struct image *img, size_t off,
		       const struct ckpt_rec_header *rh, void *arg)
{
	struct find_arg *fa = arg;

	(void)img;
	if (fa->target >= off && fa->target < off + sizeof(*rh) + rh->len) {
		fa->found = off;
		return 1;
	}
	return 0;
}

static int cmd_set(struct image *img, size_t off, unsigned width, uint64_t val)
{
	struct find_arg fa = { off, SIZE_MAX };

	if (off + width > img->size) {
		fprintf(stderr, "imgedit: offset beyond the end\n");
		return 1;
	}
	memcpy(img->data + off, &val, width);	/* little-endian host */

	if (off < header_size(img)) {
		uint32_t c = header_crc(img);

		memcpy(img->data + offsetof(struct ckpt_image_header, csum), &c, 4);
		return 0;
	}
	for_each_record(img, find_record, &fa);
	if (fa.found == SIZE_MAX) {
		fprintf(stderr, "imgedit: offset %zu is in no record\n", off);
		return 1;
	}
	{
		uint32_t c = record_crc(img, fa.found);

		memcpy(img->data + fa.found + offsetof(struct ckpt_rec_header, csum),
		       &c, 4);
	}
	return 0;
}

static int cmd_garbage(long long size, long long seed)
{
	uint64_t x = (uint64_t)seed * 0x9E3779B97F4A7C15ULL + 1;

	while (size > 0) {
		uint64_t buf[512];
		size_t n = size < (long long)sizeof(buf) ? (size_t)size : sizeof(buf);

		for (size_t i = 0; i < 512; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = x;
		}
		if (write_all(1, buf, n))
			return 1;
		size -= (long long)n;
	}
	return 0;
}

struct mutate_arg {
	uint64_t pick;		/* in: a metadata byte's index */
	uint64_t in_rec;	/* in: or ~0 and that record's, from 0 */
	size_t rec, at;		/* out: its record, its offset */
};

/*
 * Payload bytes of a record that are metadata: not the data that follows
 * the fixed part of PAGES, PIPEDATA, GHOSTDATA, SHMDATA, SOCKDATA and
 * SYSVDATA records (a process's own bytes, which nothing checks).
 */
static size_t meta_len(const struct ckpt_rec_header *rh)
{
	size_t head;

	switch (rh->type) {
	case CKPT_REC_PAGES:
		head = sizeof(struct ckpt_rec_pages);
		break;
	case CKPT_REC_PIPEDATA:
		head = sizeof(struct ckpt_rec_pipedata);
		break;
	case CKPT_REC_GHOSTDATA:
		head = sizeof(struct ckpt_rec_ghostdata);
		break;
	case CKPT_REC_SHMDATA:
		head = sizeof(struct ckpt_rec_shmdata);
		break;
#ifdef CKPT_REC_SOCKDATA
	case CKPT_REC_SOCKDATA:
		head = sizeof(struct ckpt_rec_sockdata);
		break;
#endif
#ifdef CKPT_REC_SYSVDATA
	case CKPT_REC_SYSVDATA:
		head = sizeof(struct ckpt_rec_sysvdata);
		break;
#endif
	default:
		return rh->len;
	}
	return rh->len < head ? rh->len : head;
}

static int count_meta(struct image *img, size_t off,
		      const struct ckpt_rec_header *rh, void *arg)
{
	uint64_t *n = arg;	/* bytes, records */

	(void)img;
	(void)off;
	n[0] += meta_len(rh);
	n[1] += meta_len(rh) != 0;
	return 0;
}

static int find_meta(struct image *img, size_t off,
		     const struct ckpt_rec_header *rh, void *arg)
{
	struct mutate_arg *ma = arg;

	(void)img;
	if (ma->in_rec != ~0ULL) {
		if (!meta_len(rh) || ma->in_rec--)
			return 0;
		ma->pick %= meta_len(rh);
	} else if (ma->pick >= meta_len(rh)) {
		ma->pick -= meta_len(rh);
		return 0;
	}
	ma->rec = off;
	ma->at = off + sizeof(*rh) + ma->pick;
	return 1;
}

static uint64_t next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int cmd_mutate(struct image *img, long long seed)
{
	static const uint64_t values[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x1000, 0x7fffffff, 0x80000000,
		0xffffffff, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
		~0ULL, 0x800000000000ULL,
	};
	uint64_t x = (uint64_t)seed * 0x9E3779B97F4A7C15ULL + 1, n[2] = {}, v;
	struct mutate_arg ma = { 0, ~0ULL, SIZE_MAX, 0 };
	struct ckpt_rec_header rh;
	unsigned int width;
	size_t start, end;

	for (int i = 0; i < 4; i++)
		next_rand(&x);
	for_each_record(img, count_meta, n);
	if (!n[0]) {
		fprintf(stderr, "imgedit: no metadata to mutate\n");
		return 1;
	}
	/* Half by byte, half by record: small records get their share. */
	ma.pick = next_rand(&x) % n[0];
	if (next_rand(&x) % 2)
		ma.in_rec = next_rand(&x) % n[1];
	for_each_record(img, find_meta, &ma);
	if (ma.rec == SIZE_MAX)
		return 1;
	memcpy(&rh, img->data + ma.rec, sizeof(rh));
	start = ma.rec + sizeof(rh);
	end = start + meta_len(&rh);
	width = 1u << (next_rand(&x) % 4);	/* 1: a bit flip */
	/* Aligned within the payload, and inside its metadata. */
	ma.at = start + ((ma.at - start) & ~(size_t)(width - 1));
	while (width > 1 && ma.at + width > end)
		width /= 2;
	v = values[next_rand(&x) % (sizeof(values) / sizeof(values[0]))];
	if (width == 1 && next_rand(&x) % 2) {
		unsigned int bit = next_rand(&x) % 8;

		img->data[ma.at] ^= (uint8_t)(1u << bit);
		printf("%zu %s bit %u flipped\n", ma.at, type_name(rh.type),
		       bit);
	} else {
		if (width < 8)
			v &= (1ULL << (8 * width)) - 1;	/* what is written */
		memcpy(img->data + ma.at, &v, width);	/* little-endian */
		printf("%zu %s %u bytes set to %#llx\n", ma.at,
		       type_name(rh.type), width, (unsigned long long)v);
	}
	v = record_crc(img, ma.rec);
	memcpy(img->data + ma.rec + offsetof(struct ckpt_rec_header, csum),
	       &v, 4);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: imgedit walk|check FILE\n"
		"       imgedit flip FILE OFFSET XORBYTE\n"
		"       imgedit set FILE OFFSET WIDTH VALUE\n"
		"       imgedit garbage SIZE SEED\n"
		"       imgedit mutate FILE SEED\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct image img;
	long long a, b, c;

	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "garbage")) {
		if (argc != 4 || (a = parse_ll(argv[2])) < 0 ||
		    (b = parse_ll(argv[3])) < 0)
			usage();
		return cmd_garbage(a, b);
	}
	if (load(argv[2], &img))
		return 1;
	if (!strcmp(argv[1], "walk") && argc == 3)
		return cmd_walk(&img);
	if (!strcmp(argv[1], "check") && argc == 3)
		return cmd_check(&img);
	if (!strcmp(argv[1], "flip") && argc == 5) {
		if ((a = parse_ll(argv[3])) < 0 || (b = parse_ll(argv[4])) < 0 ||
		    b > 255)
			usage();
		if ((size_t)a >= img.size) {
			fprintf(stderr, "imgedit: offset beyond the end\n");
			return 1;
		}
		img.data[a] ^= (uint8_t)b;
		return store(argv[2], &img) ? 1 : 0;
	}
	if (!strcmp(argv[1], "mutate") && argc == 4) {
		if ((a = parse_ll(argv[3])) < 0)
			usage();
		if (cmd_mutate(&img, a))
			return 1;
		return store(argv[2], &img) ? 1 : 0;
	}
	if (!strcmp(argv[1], "set") && argc == 6) {
		uint64_t v;
		char *end;

		if ((a = parse_ll(argv[3])) < 0 || (b = parse_ll(argv[4])) < 0 ||
		    (b != 1 && b != 2 && b != 4 && b != 8))
			usage();
		errno = 0;
		v = strtoull(argv[5], &end, 0);
		if (errno || *end || end == argv[5])
			usage();
		c = cmd_set(&img, (size_t)a, (unsigned)b, v);
		if (c)
			return 1;
		return store(argv[2], &img) ? 1 : 0;
	}
	usage();
}
