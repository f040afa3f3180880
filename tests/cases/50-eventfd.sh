#!/bin/sh
# 50-eventfd: an eventfd's counter, EFD_SEMAPHORE, O_NONBLOCK/CLOEXEC, fd number and a dup sharing it survive restart.
# Checkpointed and restored twice; fdkinds then checks the state itself
# (see tests/progs/fdkinds.c).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module

fdkinds_twice eventfd "FDSTATE" " eventfd"
pass
