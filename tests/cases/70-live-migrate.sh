#!/bin/sh
# 70-live-migrate: 'ckpt migrate --live' of a process rewriting 1 MiB of
# its 32 MiB continuously (each page stamped with its index and a
# generation counter): memory is pre-copied in rounds while it runs, the
# freeze sends only what is still dirty.  It arrives with its PID and
# checks all its memory against its own counters; the report shows more
# than one round and fewer bytes sent while frozen than its memory.
# timeout: 240
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="mig.err mig.out p.err rx.log"
MEM=$((32 * 1024 * 1024))

dirtier_start 32 1024
rx_start tcp:127.0.0.1:7070 60

ckpt migrate -v --live "$pid" --to tcp:127.0.0.1:7070 >mig.out 2>mig.err
st=$?
[ "$st" -eq 0 ] || fail "ckpt migrate --live exited $st: $(cat mig.err)"
grep -qE "^migrated pid=$pid to=tcp:127.0.0.1:7070 new_pid=$pid bytes=[1-9][0-9]* downtime_ms=[0-9]+ total_ms=[0-9]+ rounds=[0-9]+ precopy_bytes=[0-9]+\$" mig.out ||
	fail "unexpected summary: $(cat mig.out)"
log "$(cat mig.out)"
grep "live" mig.err | while read -r l; do log "$l"; done
rounds=$(kv mig.out rounds)
bytes=$(kv mig.out bytes)
pre=$(kv mig.out precopy_bytes)
[ "$rounds" -ge 2 ] || fail "only $rounds pre-copy round(s): $(cat mig.err)"
grep -q "live round 1:" mig.err || fail "no report of round 1: $(cat mig.err)"
[ "$bytes" -lt "$MEM" ] || fail "$bytes bytes sent while frozen, not less than its $MEM bytes of memory"
[ "$pre" -ge "$MEM" ] || fail "only $pre bytes pre-copied for $MEM bytes of memory"

migrated_away "$pid"
file_has rx.log "pre-copied" || fail "receiver log: $(cat rx.log)"
log "$(grep -E 'pre-copied|restored' rx.log | cut -d' ' -f3- | tr '\n' ' ')"
migrated_passed
expect_gone "$host" "the migrated dirtier after its check"
pass
