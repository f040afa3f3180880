#!/bin/sh
# 66-mem-shapes: mappings of odd shapes after a restart: a PROT_NONE
# guard page between two data pages (still faults, neighbours intact), a
# region moved with mremap (there, nothing at its old address), one grown
# in place (old data kept, new pages zero), one shrunk (the cut pages stay
# unmapped); each page's permissions as before.  From a file image, then
# from a piped one.
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
pass
