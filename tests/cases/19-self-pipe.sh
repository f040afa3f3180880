#!/bin/sh
# 19-self-pipe: anonymous pipes whose both ends the process holds come back
# connected, with their unread bytes, capacity and flags, and their read
# ends' owners for SIGIO: a thread's (fd 30 sharing it), and the
# process's, signal-driven (O_ASYNC) with SIGUSR2, which a byte written
# raises again after restore, and a FIFO's, reopened by path, likewise
# with SIGUSR1 (selfpipe checks; ckpt show names them).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start selfpipe
pid=$PROG_PID
prog_checkpoint
grep -q "PIPEDATA" show.out || fail "the image holds no pipe data"
afd=$(kv ready afd)
bfd=$(kv ready bfd)
grep -q "owner of fd $afd: thread $pid, signal SIGIO\$" show.out &&
	grep -q "owner of fd $bfd: process $pid, signal SIGUSR2, O_ASYNC\$" show.out ||
	fail "ckpt show does not name the pipes' owners: $(grep 'owner of' show.out | tr '\n' '|')"
ffd=$(kv ready ffd)
grep -q "owner of fd $ffd: process $pid, signal SIGUSR1, O_ASYNC\$" show.out ||
	fail "ckpt show does not name the FIFO's owner"
[ "$(grep -c 'owner of fd' show.out)" -eq 3 ] || fail "ckpt show has other owners than fds $afd, $bfd and $ffd"
prog_restart
prog_finish
pass
