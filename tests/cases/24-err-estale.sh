#!/bin/sh
# 24-err-estale: a restore refuses an image whose privately mapped file is
# not the one checkpointed: replaced by another file (ESTALE), gone (ENOENT
# or ESTALE), or changed in place (ESTALE): exit 1, one line naming the
# errno, no process left with the PID.  With the original file put back,
# the image restores and passes its self-check.
# timeout: 240
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="ckpt.err err1 err2 err3 err4"

sk_start sk
pid=$SK_PID
sk_wait_counter sk 3
ckpt --kill -o img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$pid"
c0=$(sk_counter sk)

# replaced: same path, same contents, another inode
mv sk/mapfile mapfile.orig
cp mapfile.orig sk/mapfile
restart img </dev/null >out1 2>err1
st=$?
[ "$st" -eq 1 ] || fail "restart with the mapped file replaced exited $st, expected 1"
expect_err ESTALE err1 >/dev/null
expect_gone "$pid" "replaced file"

# gone
rm sk/mapfile
restart img </dev/null >out2 2>err2
st=$?
[ "$st" -eq 1 ] || fail "restart with the mapped file gone exited $st, expected 1"
expect_err 'ENOENT|ESTALE' err2 >/dev/null
expect_gone "$pid" "missing file"

# the original inode back: restores
mv mapfile.orig sk/mapfile
restart --wait img </dev/null >out3 2>err3 &
rpid=$!
track "$pid" "$rpid"
sk_wait_counter sk $((c0 + 3))
sk_finish sk "$rpid" "$c0"
sk_check_log sk

# changed in place: same inode and size, one byte and the mtime differ
printf 'X' | dd of=sk/mapfile bs=1 seek=5000 conv=notrunc 2>/dev/null
restart img </dev/null >out4 2>err4
st=$?
[ "$st" -eq 1 ] || fail "restart with the mapped file changed in place exited $st, expected 1"
expect_err ESTALE err4 >/dev/null
expect_gone "$pid" "changed file"
pass
