#!/bin/sh
# 98-sock-tcp-inflight: a TCP connection checkpointed (--kill) while its
# peer (not checkpointed) streams to it, 4 KiB a millisecond, and goes on
# streaming while the process is dead and until well after its restart.
# The module locks the connection (tcplock.c): the peer's segments are
# dropped from before the queues are read until the restore repaired it,
# so nothing is acknowledged that the image lacks, and nothing answers the
# peer with a reset meanwhile.  Checked: the restored sink reads a stream
# with no byte lost or repeated (every byte is its offset's counter) up to
# the peer's EOF, and receives exactly what the peer says it sent; the
# peer never sees an error.  Before that, checkpoints that fail (refused
# without --kill; with --kill but no room for the image) leave the stream
# flowing: a failed checkpoint's lock is gone with it.  'ckptctl status'
# counts the lock while the process is dead, none before or after.
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/socklib.sh"
require_module
command -v ckptctl >/dev/null || fail "ckptctl not installed"
DUMP_ON_FAIL="src.out src.err p.out p.err img.ckpt.err img.restart.err err"

port=7298
sock_in tcpsource src "$port"
src=$SOCK_PID
sock_in tcpsink p "$port"
PROG_PID=$SOCK_PID

got() { awk '/^got/ { n = $2 } END { print n + 0 }' p.out; }

# refused without --kill: the connection, and the stream, go on
g0=$(got)
ckpt -o img0 "$PROG_PID" 2>err && fail "ckpt without --kill of a TCP connection succeeded"
expect_err EISCONN err >/dev/null
more_than() { [ "$(got)" -gt "$1" ]; }
wait_for 20 more_than $((g0 + 262144)) ||
	fail "the stream stalled after a refused checkpoint (at $(got), was $g0)"
# with --kill, but failing after the lock was taken (no room for the
# image): the process lives, and its lock is gone with the failure
g0=$(got)
mkdir small
mount -t tmpfs -o size=64k tmpfs small || fail "cannot mount a small tmpfs"
ckpt --kill -o small/img "$PROG_PID" 2>err && fail "ckpt --kill into a full tmpfs succeeded"
umount small
expect_err ENOSPC err >/dev/null
proc_alive "$PROG_PID" || fail "tcpsink died with a failed checkpoint: $(cat p.err)"
wait_for 20 more_than $((g0 + 262144)) ||
	fail "the stream stalled after a failed checkpoint (at $(got), was $g0): a lock left behind?"

locks() { ckptctl status | sed -n 's/^tcp_locks: //p'; }
[ "$(locks)" = 0 ] || fail "ckptctl status: tcp_locks $(locks) after the failed checkpoints"
between() {
	[ "$(locks)" = 1 ] || fail "ckptctl status: tcp_locks $(locks) while the process is dead"
}
SOCK_BETWEEN=between
RESTART_PID=
g1=$(got)
sock_cycle img
log "checkpointed at about $g1 bytes; $(grep -o 'receive queue [0-9]* bytes' img.show)"
proc_alive "$src" || fail "the source died across the checkpoint: $(cat src.err)"
# the restored sink keeps reading what the source goes on sending
wait_for 60 more_than $((g1 + 524288)) ||
	fail "the restored sink got no more of the stream (at $(got), checkpoint at $g1)"
proc_alive "$src" || fail "the source died: $(cat src.err)"
[ "$(locks)" = 0 ] || fail "ckptctl status: tcp_locks $(locks) after the restore"
touch src/stop
wait "$src"
st=$?
[ "$st" -eq 0 ] || fail "the source exited with $st: $(cat src.err)"
reap_passed "$RESTART_PID" p "the restored sink"
sent=$(awk '/^streamed/ { print $2 }' src.out)
got=$(awk '/^received/ { print $2 }' p.out)
[ -n "$sent" ] && [ "$sent" = "$got" ] ||
	fail "the source streamed ${sent:-?} bytes, the sink received ${got:-?}"
pass "the stream went on across the checkpoint at about $g1 bytes: $got bytes, none lost"
