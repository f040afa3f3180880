#!/bin/sh
# 74-live-refused: bad --live command lines are refused (exit 2)
# before anything is done; a pre-copied page damaged in transit is caught
# by the receiver (its checksum) before anything is restored: exit 4
# (EBADMSG), the source never frozen for long, running on with its PID
# and all its memory intact; nothing is left on the receiver.
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="mig.err mig.out mitm.err p.err rx.log"

dirtier_start 16 256
start=$(proc_field "$pid" 22)

# usage errors
usage() {
	ckpt migrate "$@" >mig.out 2>mig.err
	_st=$?
	[ "$_st" -eq 2 ] || fail "ckpt migrate $*: exit $_st, expected 2: $(cat mig.err)"
	[ -s mig.out ] && fail "ckpt migrate $*: printed a summary: $(cat mig.out)"
}
usage --live "$pid" --to file:/tmp/x.img
grep -q "needs a receiver" mig.err || fail "--live to a file: $(cat mig.err)"
usage --max-rounds 2 "$pid" --to tcp:127.0.0.1:7074
grep -q "goes with --live" mig.err || fail "--max-rounds alone: $(cat mig.err)"
usage --live --max-rounds 0 "$pid" --to tcp:127.0.0.1:7074
grep -q "bad --max-rounds" mig.err || fail "--max-rounds 0: $(cat mig.err)"
[ -e /tmp/x.img ] && fail "--live to a file created the file"

# a pre-copied page damaged in transit (flip a byte 200 KB in: round 0)
rx_start tcp:127.0.0.1:7074 60
mitm 7174 7074 flip 200000 >mitm.out 2>mitm.err &
track $!
wait_for 10 test -e listening || fail "mitm did not start"
ckpt migrate --live "$pid" --to tcp:127.0.0.1:7174 >mig.out 2>mig.err
st=$?
[ "$st" -eq 4 ] || fail "damaged pre-copy: exit $st, expected 4: $(cat mig.err)"
expect_err 'EBADMSG' mig.err >/dev/null
grep -q "checksum" mig.err || fail "the message does not say checksum: $(cat mig.err)"
grep -q "$pid runs on" mig.err || fail "the message does not say $pid runs on: $(cat mig.err)"
log "$(cat mig.err)"
wait_for 10 file_has rx.log "NOT restored" || fail "receiver log: $(cat rx.log)"
ns_has_pid "$pid" && fail "a process with PID $pid is left in the receiver's namespace"

source_intact "$pid" "$start"
pass
