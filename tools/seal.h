/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sealed migration stream (migrate --key, migrate.h): after the key
 * exchange, every byte each way travels in frames encrypted and
 * authenticated with ChaCha20-Poly1305 (aead.h):
 *
 *   le32 length   bytes of data, 1 to CKPT_SEAL_DATA_MAX; 0 marks the
 *                 end of the stream that way (nothing may follow)
 *   data          encrypted
 *   tag           16 bytes, over the length (as associated data) and
 *                 the encrypted data
 *
 * Each direction has its own key, derived from the shared key and both
 * sides' nonces of this connection (ckpt_mig_seal()), and numbers
 * its frames: the nonce is the direction and the frame's number, so a
 * frame dropped, repeated, reordered, moved to the other direction or to
 * another connection fails its tag.  A stream cut short (no end frame)
 * is reported as such by ckpt_seal_failure(); the tool itself reads
 * end-of-file either way, so what it reads to the end must say where it
 * ends (the image's END record, the fixed-size messages of migrate.h).
 *
 * The tools keep their plain code paths: ckpt_seal_start() puts a relay
 * process between the connection and a socket pair, and hands back the
 * pair's other end, which reads and writes like the connection.  The
 * module writes the image into it, and reads it from it, as from the
 * connection itself.
 */
#ifndef CKPT_TOOLS_SEAL_H
#define CKPT_TOOLS_SEAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "aead.h"

#define CKPT_SEAL_DATA_MAX	(64U << 10)
#define CKPT_SEAL_HDR		4
#define CKPT_SEAL_FRAME_MAX	(CKPT_SEAL_HDR + CKPT_SEAL_DATA_MAX + \
				 CKPT_AEAD_TAG_LEN)

#define CKPT_SEAL_S2R		1	/* sender to receiver */
#define CKPT_SEAL_R2S		2	/* receiver to sender */

/* One direction of one connection. */
struct ckpt_seal_key {
	unsigned char key[CKPT_AEAD_KEY_LEN];
	uint32_t dir;		/* CKPT_SEAL_S2R or CKPT_SEAL_R2S */
	uint64_t seq;		/* the next frame's number */
};

/*
 * Seal @len bytes of @data (at most CKPT_SEAL_DATA_MAX; 0: the end) into
 * @frame, which holds CKPT_SEAL_FRAME_MAX bytes; its length.  @data may
 * already be in place, at frame + CKPT_SEAL_HDR.
 */
size_t ckpt_seal_frame(struct ckpt_seal_key *k, const void *data, size_t len,
		       unsigned char *frame);

/* The data length a received header announces, or -EBADMSG. */
long ckpt_seal_frame_len(const unsigned char hdr[CKPT_SEAL_HDR]);

/*
 * Open a received frame of @len data bytes (its header, data and tag in
 * @frame): 0 and the data decrypted in place at frame + CKPT_SEAL_HDR,
 * or -EBADMSG (not this direction's next frame, or changed).
 */
int ckpt_seal_open(struct ckpt_seal_key *k, unsigned char *frame, size_t len);

struct ckpt_seal_relay {
	pid_t pid;		/* the relay process, or 0 */
	int status;		/* read end of its status pipe */
	int failure;		/* what it reported, once read: -errno */
};

/*
 * Start the relay on *@conn, sealing what is written with @tx and opening
 * what arrives with @rx.  On success *@conn is the plain end (the
 * connection itself is closed here: the relay owns it) and 0 is
 * returned; else -errno and nothing changed.  The relay, a child
 * process, zeroes its copy of @wipe (the long-term key) first, and runs
 * without privilege.
 */
int ckpt_seal_start(int *conn, const struct ckpt_seal_key *tx,
		    const struct ckpt_seal_key *rx, void *wipe, size_t wipe_len,
		    struct ckpt_seal_relay *r);

/*
 * Why the stream failed, if the relay knows: -EBADMSG (a frame failed
 * authentication; it wins over a failure the other way), -ENODATA (the
 * connection ended without the end frame) or the connection's errno
 * (-ECONNRESET, -ETIMEDOUT, ...); 0 if it reported nothing.  Does not
 * block.
 */
int ckpt_seal_failure(struct ckpt_seal_relay *r);

/*
 * Close the plain end *@conn, let the relay send what is left (bounded
 * by @timeout_ms), then kill it if we may, and reap it.
 */
void ckpt_seal_finish(int *conn, struct ckpt_seal_relay *r, int timeout_ms);

/*
 * Sealed files (ckpt seal / ckpt unseal): an image at rest, encrypted and
 * authenticated with a shared key file, in the frames above after a
 * header:
 *
 *   magic    "CKPTSEAL"
 *   le32     version (1)
 *   le32     flags (0)
 *   salt     32 random bytes
 *
 * The frames' key is HMAC-SHA256(key, "ckpt-image-seal" header), so each
 * sealed file has its own; the direction in the nonce is
 * CKPT_SEAL_FILE.  A file changed anywhere, cut short (no end frame) or
 * with anything after its end frame fails: EBADMSG, or ENODATA when cut.
 */
#define CKPT_SEAL_FILE		3
#define CKPT_SEALED_MAGIC	"CKPTSEAL"
#define CKPT_SEALED_VERSION	1
#define CKPT_SEALED_HDR		48

/* Does @buf (@len bytes read from a file's start) begin a sealed file? */
int ckpt_sealed_magic(const void *buf, size_t len);

/*
 * Seal everything read from @in into @out; 0 or -errno, with the failing
 * side in *@why ("reading", "writing"), or why (-ENODATA: @in is empty).
 */
int ckpt_seal_stream(int in, int out, const unsigned char *key,
		     size_t key_len, const char **why);

/*
 * Open a sealed file read from @in into @out, writing each frame's data
 * once its tag and the next frame's checked, the last frame's once the
 * end frame and the end of the file did (never a byte that failed, nor
 * the end of an image from a file that fails); 0 or -errno:
 * -ENOEXEC not a sealed file, -EPROTO another version or flags, -EBADMSG
 * changed (or another key), -ENODATA cut short; *@why says which.
 */
int ckpt_unseal_stream(int in, int out, const unsigned char *key,
		       size_t key_len, const char **why);

#endif
