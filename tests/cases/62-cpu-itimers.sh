#!/bin/sh
# 62-cpu-itimers: ITIMER_PROF and ITIMER_VIRTUAL are saved with the CPU
# time they had left and their intervals (ckpt show lists them), and keep
# firing as the restored process uses CPU time.
# timeout: 180
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start cpuitimer
sleep 1
prog_checkpoint
grep -q "ITIMER_PROF .* interval 0.050000000 s" show.out ||
	fail "the image has no ITIMER_PROF every 50 ms"
grep -q "ITIMER_VIRTUAL .* interval 0.050000000 s" show.out ||
	fail "the image has no ITIMER_VIRTUAL every 50 ms"
prog_restart
prog_finish
log "$(cat p.out)"
pass
