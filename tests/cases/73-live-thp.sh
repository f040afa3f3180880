#!/bin/sh
# 73-live-thp: live migration of memory in transparent huge pages
# (MADV_HUGEPAGE; a huge page is dirty or clean as a whole), with
# --max-rounds 1: exactly one pre-copy round, then the freeze sends what
# was dirtied since; the process arrives with its PID and checks all its
# memory (and that it was not rolled back).  With --key: the pre-copy
# records travel sealed too.
# timeout: 240
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="mig.err mig.out p.err rx.log"

dirtier_start 16 256 thp
thp=$(sed -n 's/^AnonHugePages: *\([0-9]*\) kB/\1/p' "/proc/$pid/smaps_rollup")
log "AnonHugePages before: ${thp:-?} kB ($(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null))"
# with --key: the rounds and the final image travel sealed
head -c 32 /dev/urandom >key
chmod 600 key
RX_OPTS="--allow 127.0.0.1 --key key"
rx_start tcp:127.0.0.1:7073 60

ckpt migrate -v --live --max-rounds 1 --key key "$pid" --to tcp:127.0.0.1:7073 >mig.out 2>mig.err
st=$?
[ "$st" -eq 0 ] || fail "ckpt migrate --live exited $st: $(cat mig.err)"
log "$(cat mig.out)"
[ "$(kv mig.out rounds)" = 1 ] || fail "--max-rounds 1 gave $(kv mig.out rounds) rounds: $(cat mig.err)"
grep -q "round limit" mig.err || fail "the stop reason is not the round limit: $(cat mig.err)"
[ "$(kv mig.out new_pid)" = "$pid" ] || fail "new PID: $(cat mig.out)"
# its hot 256 KiB lie in a huge page, which is dirty as a whole
if [ "${thp:-0}" -ge 2048 ]; then
	[ "$(kv mig.out bytes)" -ge 2097152 ] ||
		fail "$(kv mig.out bytes) bytes sent while frozen: the dirty huge page was not sent whole"
fi
[ "$(kv mig.out bytes)" -lt 16777216 ] || fail "$(kv mig.out bytes) bytes sent while frozen for 16 MiB"
migrated_away "$pid"
migrated_passed
pass
