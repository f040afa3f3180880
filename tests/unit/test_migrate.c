// SPDX-License-Identifier: GPL-2.0
/* The migration protocol's messages and addresses (tools/migrate.c). */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/vm_sockets.h>
#include "../../tools/csum.h"
#include "../../tools/migrate.h"
#include "unit.h"

UNIT_TEST(migrate_addr_parse)
{
	struct ckpt_addr a;
	const char *why;
	char buf[300];

	CHECK_EQ(ckpt_addr_parse("vsock:4:7000", &a, &why), 0);
	CHECK_EQ(a.kind, CKPT_ADDR_VSOCK);
	CHECK_EQ(a.cid, 4);
	CHECK_EQ(a.port, 7000);
	CHECK_EQ(ckpt_addr_parse("vsock:any:7000", &a, &why), 0);
	CHECK_EQ(a.cid, VMADDR_CID_ANY);
	CHECK_EQ(ckpt_addr_parse("tcp:node2:7000", &a, &why), 0);
	CHECK_EQ(a.kind, CKPT_ADDR_TCP);
	CHECK(!strcmp(a.host, "node2"));
	CHECK_EQ(ckpt_addr_parse("10.0.0.1:22", &a, &why), 0);
	CHECK(!strcmp(a.host, "10.0.0.1"));
	CHECK_EQ(a.port, 22);
	CHECK_EQ(ckpt_addr_parse("tcp:[::1]:9", &a, &why), 0);
	CHECK(!strcmp(a.host, "::1"));
	ckpt_addr_format(&a, buf, sizeof(buf));
	CHECK(!strcmp(buf, "tcp:[::1]:9"));
	CHECK_EQ(ckpt_addr_parse("tcp::7000", &a, &why), 0);
	CHECK(!a.host[0]);
	CHECK_EQ(ckpt_addr_parse("file:/tmp/x.img", &a, &why), 0);
	CHECK_EQ(a.kind, CKPT_ADDR_FILE);
	CHECK(!strcmp(a.path, "/tmp/x.img"));
}

UNIT_TEST(migrate_addr_parse_bad)
{
	static const char *const bad[] = {
		"", "node2", "vsock:4", "vsock:x:1", "vsock:4:0", "vsock:4:-1",
		"vsock:4:99999999999", "tcp:h:0", "tcp:h:65536", "h:+5",
		"h:5x", "file:", "vsock::", "vsock:99999999999:1",
	};
	struct ckpt_addr a;
	const char *why;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (ckpt_addr_parse(bad[i], &a, &why) != -EINVAL || !why) {
			unit_fail(__FILE__, __LINE__, "'%s' accepted", bad[i]);
			return;
		}
	}
}

UNIT_TEST(migrate_hello)
{
	struct ckpt_mig_hello h, c;
	size_t i;

	memset(&h, 0, sizeof(h));
	h.pid = 1234;
	strcpy(h.node, "node1");
	ckpt_mig_hello_seal(&h);
	c = h;
	CHECK_EQ(ckpt_mig_hello_check(&c), 0);
	/* every single flipped byte is caught */
	for (i = 0; i < sizeof(h); i++) {
		c = h;
		((unsigned char *)&c)[i] ^= 0x01;
		if (ckpt_mig_hello_check(&c) == 0) {
			unit_fail(__FILE__, __LINE__, "byte %zu flipped, accepted", i);
			return;
		}
	}
	c = h;
	c.version = 2;
	c.csum = 0;
	ckpt_mig_hello_seal(&c);	/* re-seals as version 1 */
	CHECK_EQ(c.version, CKPT_MIG_VERSION);
	c = h;
	c.pid = 0;
	ckpt_mig_hello_seal(&c);
	CHECK_EQ(ckpt_mig_hello_check(&c), -EBADMSG);
	c = h;
	c.flags = 2;
	ckpt_mig_hello_seal(&c);
	CHECK_EQ(ckpt_mig_hello_check(&c), -EOPNOTSUPP);
}

UNIT_TEST(migrate_verdict)
{
	struct ckpt_mig_verdict v, c;

	memset(&v, 0, sizeof(v));
	v.error = EEXIST;
	v.stage = CKPT_MIG_STAGE_RESTORE;
	strcpy(v.msg, "PID 5 is in use\x1b[2J");
	ckpt_mig_verdict_seal(&v);
	c = v;
	CHECK_EQ(ckpt_mig_verdict_check(&c), 0);
	CHECK(!strcmp(c.msg, "PID 5 is in use?[2J"));	/* no escapes */
	c = v;
	c.msg[3] ^= 1;
	CHECK_EQ(ckpt_mig_verdict_check(&c), -EBADMSG);
	/* success needs a PID and no stage */
	memset(&v, 0, sizeof(v));
	ckpt_mig_verdict_seal(&v);
	CHECK_EQ(ckpt_mig_verdict_check(&v), -EBADMSG);
	v.pid = 7;
	ckpt_mig_verdict_seal(&v);
	CHECK_EQ(ckpt_mig_verdict_check(&v), 0);
	v.error = -1;
	ckpt_mig_verdict_seal(&v);
	CHECK_EQ(ckpt_mig_verdict_check(&v), -EBADMSG);
	/* another version, with a right CRC: EPROTO */
	memset(&v, 0, sizeof(v));
	v.pid = 7;
	ckpt_mig_verdict_seal(&v);
	v.version = CKPT_MIG_VERSION + 1;
	v.csum = 0;
	v.csum = ckpt_csum2(&v, sizeof(v), NULL, 0);
	CHECK_EQ(ckpt_mig_verdict_check(&v), -EPROTO);
}

UNIT_TEST(migrate_commit)
{
	struct ckpt_mig_commit c;

	memset(&c, 0, sizeof(c));
	c.what = CKPT_MIG_COMMIT;
	ckpt_mig_commit_seal(&c);
	CHECK_EQ(ckpt_mig_commit_check(&c), 0);
	c.what = CKPT_MIG_COMMITTED;
	ckpt_mig_commit_seal(&c);
	CHECK_EQ(ckpt_mig_commit_check(&c), 0);
	c.what = 4;
	ckpt_mig_commit_seal(&c);
	CHECK_EQ(ckpt_mig_commit_check(&c), -EBADMSG);
	c.what = CKPT_MIG_ABORT;
	ckpt_mig_commit_seal(&c);
	c.magic ^= 1;
	CHECK_EQ(ckpt_mig_commit_check(&c), -EBADMSG);
}

UNIT_TEST(migrate_allow_list)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (void *)&ss;
	struct sockaddr_in6 *in6 = (void *)&ss;
	struct sockaddr_vm *vm = (void *)&ss;
	struct ckpt_allow l[3];
	const char *why;

	CHECK_EQ(ckpt_allow_parse("10.1.0.0/16", CKPT_ADDR_TCP, &l[0], &why), 0);
	CHECK_EQ(ckpt_allow_parse("127.0.0.1", CKPT_ADDR_TCP, &l[1], &why), 0);
	CHECK_EQ(ckpt_allow_parse("fd00::/8", CKPT_ADDR_TCP, &l[2], &why), 0);
	CHECK_EQ(ckpt_allow_parse("node2", CKPT_ADDR_TCP, &l[2], &why), -EINVAL);
	CHECK_EQ(ckpt_allow_parse("10.0.0.0/33", CKPT_ADDR_TCP, &l[2], &why), -EINVAL);
	CHECK_EQ(ckpt_allow_parse("1.2.3.4", CKPT_ADDR_VSOCK, &l[2], &why), -EINVAL);
	CHECK_EQ(ckpt_allow_parse("fd00::/8", CKPT_ADDR_TCP, &l[2], &why), 0);
	memset(&ss, 0, sizeof(ss));
	in->sin_family = AF_INET;
	inet_pton(AF_INET, "10.1.200.3", &in->sin_addr);
	CHECK(ckpt_allow_match(l, 3, &ss));
	inet_pton(AF_INET, "10.2.0.1", &in->sin_addr);
	CHECK(!ckpt_allow_match(l, 3, &ss));
	inet_pton(AF_INET, "127.0.0.2", &in->sin_addr);
	CHECK(!ckpt_allow_match(l, 3, &ss));
	inet_pton(AF_INET, "127.0.0.1", &in->sin_addr);
	CHECK(ckpt_allow_match(l, 3, &ss));
	memset(&ss, 0, sizeof(ss));
	in6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6->sin6_addr);
	CHECK(ckpt_allow_match(l, 3, &ss));
	inet_pton(AF_INET6, "fd12::1", &in6->sin6_addr);
	CHECK(ckpt_allow_match(l, 3, &ss));
	inet_pton(AF_INET6, "fe80::1", &in6->sin6_addr);
	CHECK(!ckpt_allow_match(l, 3, &ss));
	CHECK_EQ(ckpt_allow_parse("4", CKPT_ADDR_VSOCK, &l[0], &why), 0);
	memset(&ss, 0, sizeof(ss));
	vm->svm_family = AF_VSOCK;
	vm->svm_cid = 4;
	CHECK(ckpt_allow_match(l, 1, &ss));
	vm->svm_cid = 5;
	CHECK(!ckpt_allow_match(l, 1, &ss));
}
