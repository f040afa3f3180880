#!/bin/sh
# 81-sock-tree: socketpairs between a parent and its child (a stream and a
# datagram pair, one end each, data queued both ways) and a pair both
# hold (inherited), checkpointed with --tree and restarted: each process
# reads what was queued for it, messages whole, and the pairs still link
# the two (tests/progs/sockets.c, mode treepair).  A pair with an end held
# outside the tree is refused (case 84).
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/socklib.sh"
require_module
DUMP_ON_FAIL="p.err img.ckpt.err img.restart.err img.show"

sock_start treepair
child=$(cat "/proc/$PROG_PID/task/$PROG_PID/children" | tr -d " ")
[ -n "$child" ] || fail "no child of $PROG_PID"
track "$child"
sock_cycle img --tree
show_has img "TREE" "unix stream pair" "unix dgram pair" "shares the open file of fd [0-9]+ of process $PROG_PID"
proc_alive "$child" || fail "child $child did not come back"
[ "$(proc_field "$child" 4)" = "$PROG_PID" ] || fail "child $child has another parent"
sock_finish
pass
