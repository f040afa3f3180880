#!/bin/sh
# 26-shared-file-map: MAP_SHARED mappings of files come back shared with
# the file (read-write and read-only), with no page data in the image.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="s.err ckpt.err restart.err show.out"

sharedmap "$TESTDIR" </dev/null >s.out 2>s.err &
pid=$!
track "$pid"
wait_for 30 test -e ready || fail "sharedmap did not start"

ckpt --kill -o img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$pid"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
# Both mappings are recorded as shared, by path; ckpt show would have
# refused page data inside them.
grep -A1 " rw- shared flags" show.out | grep -q "path $TESTDIR/data " ||
	fail "the read-write shared mapping of data is not in the image"
grep -A1 " r-- shared flags" show.out | grep -q "path $TESTDIR/ro " ||
	fail "the read-only shared mapping of ro is not in the image"

restart --wait img </dev/null >restart.out 2>restart.err &
rpid=$!
track "$pid" "$rpid"
wait_for 30 proc_alive "$pid" || fail "pid $pid did not come back"
touch go
wait "$rpid"
st=$?
[ "$st" -eq 0 ] || fail "restored sharedmap exited with $st: $(cat s.err)"
grep -q "all checks passed" s.out || fail "sharedmap did not report success"
pass
