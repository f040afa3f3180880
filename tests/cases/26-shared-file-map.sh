#!/bin/sh
# 26-shared-file-map: MAP_SHARED mappings of files come back shared with
# the file (read-write and read-only), with no page data in the image.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start sharedmap
pid=$PROG_PID
prog_checkpoint
# Both mappings are recorded as shared, by path; ckpt show would have
# refused page data inside them.
grep -A1 " rw- shared flags" show.out | grep -q "path $TESTDIR/data " ||
	fail "the read-write shared mapping of data is not in the image"
grep -A1 " r-- shared flags" show.out | grep -q "path $TESTDIR/ro " ||
	fail "the read-only shared mapping of ro is not in the image"
prog_restart
prog_finish
pass
