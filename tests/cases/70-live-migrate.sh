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
live_checked $? "$pid" tcp:127.0.0.1:7070 "$MEM"

migrated_away "$pid"
file_has rx.log "pre-copied" || fail "receiver log: $(cat rx.log)"
log "$(grep -E 'pre-copied|restored' rx.log | cut -d' ' -f3- | tr '\n' ' ')"
migrated_passed
expect_gone "$host" "the migrated dirtier after its check"
pass
