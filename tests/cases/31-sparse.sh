#!/bin/sh
# 31-sparse: a 16 GiB MAP_NORESERVE reservation with four touched pages is
# checkpointed as four pages and restored as a reservation again (not a
# commitment the guest could not make).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start sparse
pid=$PROG_PID
prog_checkpoint
# Four touched pages; with transparent huge pages each may have become a
# 2 MiB page, so anything under 32 MiB is the touched memory only.
image_under 33554432 "too large for 4 touched pages"
prog_restart
prog_finish
pass
