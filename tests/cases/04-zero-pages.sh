#!/bin/sh
# 04-zero-pages: touched anonymous pages that hold only zeros are left out
# of the image (16 MiB of them: the image stays under 2 MiB; ckpt -v
# counts them) and come back as never-touched memory, reading zeros;
# pages with a single nonzero byte, private file pages rewritten with
# zeros (their file's bytes are not zero) and shared anonymous memory
# come back exactly (zeros.c).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err show.out"

prog_start zeros
prog_checkpoint -v
image_under 2097152 "the 16 MiB of zero pages were written"
# 4093 private pages of zeros, 255 shared; the program's own stack and
# heap may add some
zero=$(sed -n 's/.* \([0-9]*\) more of only zeros left out$/\1/p' ckpt.err)
[ "${zero:-0}" -ge 4348 ] ||
	fail "ckpt -v counts ${zero:-no} zero pages left out, expected 4348 or more: $(cat ckpt.err)"
log "$(cat ckpt.err)"
prog_restart
prog_finish
pass
