#!/bin/sh
# 92-xstate-refused: an image whose header says it uses XSAVE features
# this CPU lacks (added with imgedit, checksum resealed) is refused
# before anything changes: exit 1, one line naming EOPNOTSUPP and each
# missing feature by name, from a file and from a pipe alike; the PID is
# not taken.  The unedited image restores (positive control).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err e1 e2 show.out"

prog_start mlocker
prog_checkpoint
img_xf=$(sed -n 's/^ *xfeatures *\(0x[0-9a-f]*\).*/\1/p' show.out | head -n 1)
[ -n "$img_xf" ] || fail "ckpt show gives no xfeatures"
cpu_xf=$(ckpt version | sed -n 's/^cpu: xfeatures \(0x[0-9a-f]*\).*/\1/p')
[ -n "$cpu_xf" ] || fail "ckpt version gives no CPU xfeatures"
# the first of AVX-512 (5-7), AMX (17, 18) this CPU lacks
missing=""
for bit in 5 6 7 17 18; do
	if [ $(( (cpu_xf >> bit) & 1 )) -eq 0 ]; then
		missing=$bit
		break
	fi
done
[ -n "$missing" ] || skip "this CPU has AVX-512 and AMX: no feature to take away"
case $missing in
5) name=avx512_opmask ;; 6) name=avx512_zmm_hi256 ;; 7) name=avx512_hi16_zmm ;;
17) name=amx_tilecfg ;; 18) name=amx_tiledata ;;
esac
log "image xfeatures $img_xf, CPU $cpu_xf; adding bit $missing ($name)"
cp img bad
imgedit set bad 24 8 $(( img_xf | (1 << missing) )) >/dev/null || fail "imgedit set failed"
imgedit check bad >/dev/null || fail "the edited image's checksums are not sealed"

restart bad </dev/null >o1 2>e1
st=$?
[ "$st" -eq 1 ] || fail "restart of the edited image exited $st, expected 1: $(cat e1)"
expect_err EOPNOTSUPP e1 >/dev/null
grep -q "$name" e1 || fail "the refusal does not name $name: $(cat e1)"
cat bad | restart >o2 2>e2
st=$?
[ "$st" -eq 1 ] || fail "restart of the edited image from a pipe exited $st, expected 1"
expect_err EOPNOTSUPP e2 >/dev/null
head -n 1 e2 | grep -q "$name" || fail "from a pipe, the refusal does not name $name: $(cat e2)"
proc_gone "$PROG_PID" || fail "pid $PROG_PID exists after the refused restarts"

prog_restart
prog_finish
pass
