#!/bin/sh
# 54-memfd: memfds keep name, size, contents, offset and seals, and a MAP_SHARED mapping of one still shares its pages with the fd.
# Checkpointed and restored twice; fdkinds then checks the state itself
# (see tests/progs/fdkinds.c).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module

fdkinds_twice memfd "SHMEM"
pass
