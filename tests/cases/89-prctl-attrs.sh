#!/bin/sh
# 89-prctl-attrs: securebits (with a lock), timer slack, THP disabled,
# TSC access (PR_TSC_SIGSEGV), MCE kill policy, IO flusher, the coredump
# filter and oom_score_adj survive restart (prctlattrs reads each back);
# its 8 MiB, written with THP disabled, are in no huge page after the
# restore either (THP is disabled before the pages are filled).
# A process of uid 1000 with SECBIT_NOROOT set by root: its restore by
# uid 1000 (who may not set securebits) is refused, EPERM, naming
# securebits, before anything changes; root restores it with the bit.
# Likewise one whose oom_score_adj root set to -17, below what uid 1000
# may set (EPERM naming oom_score_adj).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err u.err show.out"

subdir root
prog_start prctlattrs
prog_checkpoint
grep -q "oom_score_adj 321 (minimum 321)" show.out ||
	fail "ckpt show has no 'oom_score_adj 321 (minimum 321)'"
grep -q "securebits 0x53 " show.out || fail "ckpt show has no 'securebits 0x53'"
grep -q "THP_DISABLE" show.out || fail "ckpt show has no THP_DISABLE"
prog_restart
prog_finish
cd ..

prog_start_user prctlattrs
prog_checkpoint
chmod 644 img
refused EPERM securebits u runas 1000 1000 restart img
prog_restart
prog_finish
cd ..

prog_start_user prctlattrs oom
prog_checkpoint
grep -q "oom_score_adj -17 (minimum -17)" show.out ||
	fail "ckpt show has no 'oom_score_adj -17 (minimum -17)'"
chmod 644 img
refused EPERM oom_score_adj u runas 1000 1000 restart img
prog_restart
prog_finish
pass
