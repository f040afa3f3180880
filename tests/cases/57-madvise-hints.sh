#!/bin/sh
# 57-madvise-hints: madvise() hints (NOHUGEPAGE, HUGEPAGE, DONTFORK,
# WIPEONFORK, DONTDUMP, SEQUENTIAL, RANDOM) of adjacent anonymous regions survive a restart:
# each region is its own mapping again with its VmFlags, a sparse
# NOHUGEPAGE region is refilled with small pages, and a fork after the
# restart sees the DONTFORK region gone and the WIPEONFORK one zeroed.
# The same again with the image streamed into restart through a pipe.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err"

prog_start madvhints
prog_checkpoint
prog_restart
prog_finish
log "$(grep -c ' ok ' p.out) regions checked from a file image"

rm -f ready go img p.out p.err
prog_start madvhints
prog_checkpoint
prog_restart sh -c "cat img | restart --wait"
prog_finish
pass
