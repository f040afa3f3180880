#!/bin/sh
# 86-sock-tcp-established: an established TCP connection on loopback, its
# peer (another process, not checkpointed) alive all along.  The
# connection holds unread bytes from the peer and a full send queue (the
# peer does not read).  Without --kill the checkpoint is refused
# (EISCONN, with a hint) and the connection goes on; with --kill it is
# saved (TCP repair), closed silently, and restarted: the program checks
# its options (timeouts, SO_LINGER, IP_TOS, SO_PRIORITY, SO_KEEPALIVE and
# its timing, TCP_USER_TIMEOUT), reads the peer's 3000 bytes, sends more
# and shuts down; the peer reads every
# byte in order (the pattern checked, the count equal to what was sent),
# answers, and sees EOF.
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/socklib.sh"
require_module
DUMP_ON_FAIL="peer.out peer.err c.out c.err err img.ckpt.err img.restart.err img.show"

port=7286
sock_in tcppeer peer "$port"
peer=$SOCK_PID
sock_in tcpconn c "$port"
PROG_PID=$SOCK_PID
sent0=$(awk '/^sent/ { print $2; exit }' c.out)
[ "${sent0:-0}" -gt 3000 ] || fail "tcpconn did not fill its send queue: $(cat c.out)"

# not killed: refused, the connection untouched
ckpt -o img0 "$PROG_PID" 2>err
st=$?
[ "$st" -eq 1 ] || fail "ckpt without --kill of a TCP connection exited $st, expected 1"
expect_err EISCONN err >/dev/null
grep -q "a TCP connection 127.0.0.1:[0-9]* -> 127.0.0.1:$port (ESTABLISHED)" err ||
	fail "the refusal does not name the connection: $(cat err)"
grep -q "only with --kill, by a caller with CAP_NET_ADMIN" err || fail "no hint: $(cat err)"

RESTART_PID=
sock_cycle img
show_has img "inet tcp established 127.0.0.1:[0-9]+" "TCPSTATE" \
	"TCP connection [0-9]+ to 127.0.0.1:$port: send queue [1-9][0-9]* bytes from seq [0-9]+, receive queue 3000 bytes" \
	"send queue$"
proc_alive "$peer" || fail "the peer died across the checkpoint: $(cat peer.err)"
touch c/go peer/go
reap_passed "$RESTART_PID" c "the restored tcpconn"
reap_passed "$peer" peer "the peer"
sent=$(awk '/^sent/ { n = $2 } END { print n }' c.out)
got=$(awk '/^received/ { print $2 }' peer.out)
[ "$sent" = "$got" ] || fail "tcpconn sent $sent bytes in all, the peer received $got"
log "sent $sent0 before the checkpoint, $sent in all; the peer got $got"
pass
