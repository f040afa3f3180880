#!/usr/bin/env bash
# scan-kernel-log.sh LOG...: print every kernel message in the logs that shows
# a kernel problem (warning, oops, BUG, lockdep, hung task, ...), each tagged
# with the test that was running (from the guest's "ckpt-test: begin NAME"
# markers), and exit 1 if there is any. Only kernel messages count: text after
# a printk timestamp "[ 12.345678] ", so a test's own output cannot trigger it.
set -euo pipefail

bad='WARNING:|BUG:|Oops|general protection fault|kernel BUG|Call Trace|soft lockup'
bad+='|blocked for more than|hung_task|possible circular locking|possible recursive locking'
bad+='|lockdep|refcount_t|UBSAN|KASAN|kmemleak|Kernel panic|detected stall'
# User-space faults and debug-feature banners are not kernel problems.
ok='traps: .*general protection fault|kmemleak: Kernel memory leak detector|kmemleak: Automatic memory scanning'

awk -v bad="$bad" -v ok="$ok" '
	FNR == 1 { cur = "" }
	{ sub(/\r$/, "") }
	!match($0, /\[ *[0-9]+\.[0-9]+\] /) { next }
	{ msg = substr($0, RSTART) }
	msg ~ /ckpt-test: begin / { cur = msg; sub(/.*ckpt-test: begin /, "", cur); next }
	msg ~ /ckpt-test: end / { cur = ""; next }
	msg ~ bad && msg !~ ok && !seen[msg]++ {
		print (cur != "" ? "[during " cur "] " : "") msg
		n++
	}
	END { exit n > 0 }
' "$@"
