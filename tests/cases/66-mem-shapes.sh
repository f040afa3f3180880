#!/bin/sh
# 66-mem-shapes: mappings of odd shapes after a restart: a PROT_NONE
# guard page between two data pages (still faults, neighbours intact), a
# region moved with mremap (there, nothing at its old address), one grown
# in place (old data kept, new pages zero), one shrunk (the cut pages stay
# unmapped); each page's permissions as before.  From a file image, then
# from a piped one.  Then private MAP_HUGETLB memory (hugefill), and a
# restore with no huge page free (ENOMEM).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err"

prog_start memshapes
prog_checkpoint
prog_restart
prog_finish
log "$(cat p.out)"

rm -f ready go img p.out p.err
prog_start memshapes
prog_checkpoint
prog_restart sh -c "cat img | restart --wait"
prog_finish

# Private anonymous memory of 2 MiB huge pages (hugefill: one huge page
# half written, one whole, one faulted in but zero, one never touched;
# bound to node 1; another written, then read-only): ckpt show names it,
# the zero huge pages are not in the image; restored from the hugetlb
# pool as hugetlb memory of 2 MiB pages, on node 1, the read-only one
# read-only, every word, a write and a fork's copy checked by the
# program.
# With the pool empty at the restore: ENOMEM, nothing left running.
hp=/proc/sys/vm/nr_hugepages
trap '_cleanup; echo 0 >$hp' EXIT
echo 16 >$hp
[ "$(cat $hp)" -ge 16 ] || fail "the guest made $(cat $hp) huge pages, not 16"
# hugefill binds to node 1 when there is one: 6 of them free there.
n1=/sys/devices/system/node/node1/hugepages/hugepages-2048kB/free_hugepages
[ ! -e $n1 ] || [ "$(cat $n1)" -ge 6 ] ||
	fail "node 1 has $(cat $n1) free huge pages of the 16, hugefill needs 6"
subdir huge
prog_start hugefill
prog_checkpoint
grep -q " hugetlb flags" show.out || fail "ckpt show lists no hugetlb mapping"
image_under $((5 * 1048576 + 524288)) "more than hugefill's 5 MiB of data and its small pages"
echo 0 >$hp
refused ENOMEM "mapping" nomem restart img
echo 16 >$hp
prog_restart
prog_finish
grep -q "all checks passed" p.out || fail "hugefill: $(cat p.out)"
log "$(cat p.out)"
cd ..
# The same with MAP_NORESERVE: no reservation at the mapping, so with the
# pool empty the fill itself finds no huge page: ENOMEM on the mapping
# too (not a bad PAGES record).
subdir huge-noreserve
hugefill "$TESTDIR" noreserve </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
wait_for 30 test -e ready || fail "hugefill noreserve did not start: $(cat p.err)"
prog_checkpoint
echo 0 >$hp
refused ENOMEM "mapping" nomem restart img
echo 16 >$hp
prog_restart
prog_finish
echo 0 >$hp
pass
