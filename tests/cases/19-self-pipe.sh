#!/bin/sh
# 19-self-pipe: anonymous pipes whose both ends the process holds come back
# connected, with their unread bytes, capacity and flags, and their read
# ends' owners for SIGIO: a thread's (fd 30 sharing it), and the
# process's, signal-driven (O_ASYNC) with SIGUSR2, which a byte written
# raises again after restore, and a FIFO's, reopened by path, likewise
# with SIGUSR1, and a pipe's write end whose owner a second thread set
# with its TID (selfpipe checks; ckpt show names them).  An owner outside
# the checkpoint (selfpipe refuse: its parent) is refused, EOPNOTSUPP,
# naming it, and the process runs on.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

# an owner outside the checkpoint (selfpipe's parent, this shell): refused
prog_start selfpipe refuse
owner=$(kv refuse/ready owner)
ckpt -o refuse/img "$PROG_PID" 2>refuse/ckpt.err
st=$?
[ "$st" -eq 1 ] || fail "ckpt of a pipe owned by another process exited $st, expected 1"
expect_err EOPNOTSUPP refuse/ckpt.err >/dev/null
grep -q "fd $(kv refuse/ready fd) (pipe:.*sends its SIGIO and SIGURG (F_SETOWN) to process $owner, which the checkpoint does not hold" refuse/ckpt.err ||
	fail "the refusal does not name the owner $owner: $(cat refuse/ckpt.err)"
[ ! -e refuse/img ] && proc_alive "$PROG_PID" ||
	fail "the refused checkpoint left an image, or the process died"
touch refuse/go
wait "$PROG_PID" || fail "selfpipe refuse failed after the refusal: $(cat p.err)"

prog_start selfpipe
pid=$PROG_PID
prog_checkpoint
grep -q "PIPEDATA" show.out || fail "the image holds no pipe data"
afd=$(kv ready afd)
bfd=$(kv ready bfd)
grep -q "owner of fd $afd: thread $pid, signal SIGIO\$" show.out &&
	grep -q "owner of fd $((afd + 1)): process [0-9]*, signal SIGPWR, O_ASYNC\$" show.out &&
	grep -q "owner of fd $bfd: process $pid, signal SIGUSR2, O_ASYNC\$" show.out ||
	fail "ckpt show does not name the pipes' owners: $(grep 'owner of' show.out | tr '\n' '|')"
ffd=$(kv ready ffd)
grep -q "owner of fd $ffd: process $pid, signal SIGUSR1, O_ASYNC\$" show.out ||
	fail "ckpt show does not name the FIFO's owner"
[ "$(grep -c 'owner of fd' show.out)" -eq 4 ] || fail "ckpt show has other owners than fds $afd, $((afd + 1)), $bfd and $ffd"
prog_restart
prog_finish
pass
