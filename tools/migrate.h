/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The migration protocol between 'ckpt migrate' (the sender) and
 * 'restart --listen' (the receiver), and the addresses both take.
 * Documentation/migration.rst describes it for operators.
 *
 * One connection carries one process:
 *
 *   sender -> receiver   struct ckpt_mig_hello, then the image as the
 *                        module writes it (the source is frozen meanwhile)
 *   receiver -> sender   struct ckpt_mig_verdict: OK and the restored PID,
 *                        or an errno and a one-line message; sent as soon
 *                        as the outcome is known (a refusal may come while
 *                        the image is still arriving: the receiver then
 *                        reads and drops the rest)
 *   sender -> receiver   struct ckpt_mig_commit, only after an OK verdict:
 *                        COMMIT, else ABORT.  A receiver that gets no
 *                        COMMIT within its timeout kills the process it
 *                        restored (held, CKPT_IOC_FREEZE, since the
 *                        verdict): the source resumed.
 *   receiver -> sender   struct ckpt_mig_commit, COMMITTED: the receiver
 *                        keeps its copy.  Only then is the source killed.
 *                        A sender that gets no COMMITTED cannot tell which
 *                        side has the process: it leaves the source
 *                        stopped (never two copies running, never none).
 *
 * All fields little-endian (x86-64 only), each message with a checksum
 * of itself with csum = 0 (the image's: the low 32 bits of its XXH64);
 * any bad field ends the connection.
 */
#ifndef CKPT_TOOLS_MIGRATE_H
#define CKPT_TOOLS_MIGRATE_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define CKPT_MIG_HELLO_MAGIC	0x314f4c4c4548474dULL	/* "MGHELLO1" */
#define CKPT_MIG_VERDICT_MAGIC	0x3154434944524d4dULL	/* "MMRDICT1" */
#define CKPT_MIG_COMMIT_MAGIC	0x3154494d4d4f434dULL	/* "MCOMMIT1" */
/*
 * 3: with AUTH, everything after MGAUTHP1 travels sealed (seal.h).
 * A receiver of another version answers EPROTO.
 */
#define CKPT_MIG_VERSION	3

#define CKPT_MIG_MSG_LEN	256
#define CKPT_MIG_NODE_LEN	64

/*
 * struct ckpt_mig_hello.flags.  CKPT_MIG_HELLO_LIVE: pre-copy records
 * and a dirty-only image follow (precopy.h), not an image.
 */
#define CKPT_MIG_HELLO_LIVE	(1U << 0)
#define CKPT_MIG_HELLO_TREE	(1U << 8)	/* an image of a process tree */
#define CKPT_MIG_HELLO_AUTH	(1U << 9)	/* the key exchange follows */
#define CKPT_MIG_HELLO_FLAGS	(CKPT_MIG_HELLO_LIVE | CKPT_MIG_HELLO_TREE | \
				 CKPT_MIG_HELLO_AUTH)

struct ckpt_mig_hello {
	uint64_t magic;
	uint32_t version;
	uint32_t size;		/* sizeof(struct ckpt_mig_hello) */
	uint32_t flags;
	int32_t pid;		/* the process that follows */
	uint64_t reserved[2];
	char node[CKPT_MIG_NODE_LEN];	/* sender's host name, NUL-padded */
	uint32_t reserved1;
	uint32_t csum;
};

/* struct ckpt_mig_verdict.stage: where the receiver failed. */
#define CKPT_MIG_STAGE_NONE	0	/* success */
#define CKPT_MIG_STAGE_HELLO	1	/* the handshake */
#define CKPT_MIG_STAGE_IMAGE	2	/* checking the image (metadata) */
#define CKPT_MIG_STAGE_RESTORE	3	/* creating or restoring the process */
#define CKPT_MIG_STAGE_MAX	3

struct ckpt_mig_verdict {
	uint64_t magic;
	uint32_t version;
	uint32_t size;		/* sizeof(struct ckpt_mig_verdict) */
	int32_t error;		/* 0, or a positive errno */
	int32_t pid;		/* the restored PID (error == 0) */
	uint32_t stage;		/* CKPT_MIG_STAGE_* */
	uint32_t reserved;
	uint64_t restore_ns;	/* receiver's time from hello to restored */
	char msg[CKPT_MIG_MSG_LEN];	/* NUL-terminated, one line */
	uint32_t reserved1;
	uint32_t csum;
};

/*
 * Shared-key challenge-response (hello flag AUTH; restart --key and ckpt
 * migrate --key), right after the hello, before the image:
 *
 *   sender -> receiver   MGAUTHS1: nonce_s (32 random bytes), mac 0
 *   receiver -> sender   MGAUTHR1: nonce_r, mac = HMAC-SHA256(key,
 *                        "ckpt-mig-rx" hello nonce_s nonce_r)
 *   sender -> receiver   MGAUTHP1: nonce 0, mac = HMAC-SHA256(key,
 *                        "ckpt-mig-tx" hello nonce_s nonce_r)
 *
 * Each side checks the other's MAC before going on: the sender sends no
 * image to a receiver without the key, the receiver restores nothing from
 * a sender without it.  A receiver may answer with a verdict instead of
 * MGAUTHR1 (a refusal); both start with the 8-byte magic.
 *
 * Then both sides seal the rest of the connection each way (seal.h), with
 * keys HMAC-SHA256(key, "ckpt-mig-seal-s2r" hello nonce_s nonce_r) from
 * the sender to the receiver and "ckpt-mig-seal-r2s" back: the image, the
 * pre-copy records, the verdict and the commit are encrypted, and a byte
 * changed, dropped or added in transit ends the migration (the source
 * runs on).
 */
#define CKPT_MIG_AUTH_S_MAGIC	0x315348545541474dULL	/* "MGAUTHS1" */
#define CKPT_MIG_AUTH_R_MAGIC	0x315248545541474dULL	/* "MGAUTHR1" */
#define CKPT_MIG_AUTH_P_MAGIC	0x315048545541474dULL	/* "MGAUTHP1" */
#define CKPT_MIG_NONCE_LEN	32
#define CKPT_MIG_MAC_LEN	32
#define CKPT_MIG_KEY_MIN	16	/* bytes in a key file */
#define CKPT_MIG_KEY_MAX	4096

struct ckpt_mig_auth {
	uint64_t magic;
	uint32_t version;
	uint32_t size;		/* sizeof(struct ckpt_mig_auth) */
	unsigned char nonce[CKPT_MIG_NONCE_LEN];
	unsigned char mac[CKPT_MIG_MAC_LEN];
	uint32_t reserved;
	uint32_t csum;
};

#define CKPT_MIG_COMMIT		1
#define CKPT_MIG_ABORT		2
#define CKPT_MIG_COMMITTED	3	/* receiver -> sender */

struct ckpt_mig_commit {
	uint64_t magic;
	uint32_t version;
	uint32_t size;
	uint32_t what;		/* CKPT_MIG_COMMIT, _ABORT, _COMMITTED */
	uint32_t csum;
};

/* Encode (fills magic, version, size, csum) and check a received one. */
void ckpt_mig_hello_seal(struct ckpt_mig_hello *h);
int ckpt_mig_hello_check(struct ckpt_mig_hello *h);
void ckpt_mig_verdict_seal(struct ckpt_mig_verdict *v);
int ckpt_mig_verdict_check(struct ckpt_mig_verdict *v);
void ckpt_mig_commit_seal(struct ckpt_mig_commit *c);
int ckpt_mig_commit_check(struct ckpt_mig_commit *c);
const char *ckpt_mig_stage_name(uint32_t stage);
void ckpt_mig_auth_seal(struct ckpt_mig_auth *a, uint64_t magic);
int ckpt_mig_auth_check(struct ckpt_mig_auth *a, uint64_t magic);

/*
 * Read a shared key file: a regular file of CKPT_MIG_KEY_MIN..MAX bytes
 * that only its owner may read.  The key's length, or a negative errno
 * with the reason in *why.
 */
int ckpt_mig_key_load(const char *path, unsigned char *key, const char **why);
/* The MAC of one side ("ckpt-mig-rx" or "ckpt-mig-tx"). */
struct ckpt_seal_relay;

/*
 * After the key exchange: derive this connection's two keys and seal
 * *@conn (seal.h: ckpt_seal_start(), *@conn becomes the plain end), as
 * the receiver if @receiver, else as the sender.  0 or -errno.
 */
int ckpt_mig_seal(int *conn, int receiver, unsigned char *key,
		  size_t key_size, size_t key_len,
		  const struct ckpt_mig_hello *h, const unsigned char *nonce_s,
		  const unsigned char *nonce_r, struct ckpt_seal_relay *r);

void ckpt_mig_auth_mac(const unsigned char *key, size_t key_len,
		       const char *role, const struct ckpt_mig_hello *h,
		       const unsigned char *nonce_s,
		       const unsigned char *nonce_r, unsigned char *mac);
/* Fill @buf with random bytes; 0 or a negative errno. */
int ckpt_random(void *buf, size_t len);

/*
 * A listener's allow-list entry: an IPv4 or IPv6 network (ADDR or
 * ADDR/BITS) for TCP, a CID for vsock.
 */
struct ckpt_allow {
	int family;		/* AF_INET, AF_INET6 or AF_VSOCK */
	unsigned char addr[16];
	unsigned int bits;
	unsigned int cid;
};

/* Parse one entry for a listener of @kind (CKPT_ADDR_*); 0 or -EINVAL. */
int ckpt_allow_parse(const char *s, int kind, struct ckpt_allow *a,
		     const char **why);
/* Is the peer @ss on the list?  IPv4-mapped IPv6 peers count as IPv4. */
int ckpt_allow_match(const struct ckpt_allow *list, unsigned int n,
		     const struct sockaddr_storage *ss);

/* Addresses: vsock:CID:PORT, tcp:HOST:PORT, HOST:PORT, file:PATH. */
#define CKPT_ADDR_VSOCK		1
#define CKPT_ADDR_TCP		2
#define CKPT_ADDR_FILE		3

struct ckpt_addr {
	int kind;
	char host[256];		/* TCP; "" = any (listen only) */
	unsigned int cid;	/* vsock; VMADDR_CID_ANY for any */
	unsigned int port;
	char path[4096];	/* file */
};

/* Parse; 0 or -EINVAL with a reason in *why. */
int ckpt_addr_parse(const char *s, struct ckpt_addr *a, const char **why);
/* Printable form, e.g. "vsock:4:7000". */
void ckpt_addr_format(const struct ckpt_addr *a, char *buf, size_t size);
/*
 * Connect within timeout_ms; the socket fd or a negative errno.  For TCP
 * a host name is resolved (*why says so on failure).
 */
int ckpt_addr_connect(const struct ckpt_addr *a, int timeout_ms);
/* A listening socket bound to @a, or a negative errno. */
int ckpt_addr_listen(const struct ckpt_addr *a);
/* "tcp:1.2.3.4:5678" or "vsock:3:1234" for a peer. */
void ckpt_peer_format(const struct sockaddr_storage *ss, char *buf,
		      size_t size);

/*
 * Send/receive a whole message; negative errno, -ENODATA on EOF.  The
 * receive waits @timeout_ms at most, but reads what has already come even
 * at 0 or less (-ETIMEDOUT only when nothing more is there).
 */
int ckpt_mig_send(int fd, const void *msg, size_t len);
int ckpt_mig_recv(int fd, void *msg, size_t len, int timeout_ms);

/* Monotonic milliseconds. */
int64_t ckpt_now_ms(void);

#endif
