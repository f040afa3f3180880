#!/bin/sh
# 55-shared-anon: MAP_SHARED|MAP_ANONYMOUS memory keeps its contents, and two mappings of one object still share it.
# Checkpointed and restored twice; fdkinds then checks the state itself
# (see tests/progs/fdkinds.c).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module

fdkinds_twice shmanon "shared-anon"
pass
