#!/bin/sh
# 52-signalfd: signalfds keep their masks and flags, and the signals pending for them are still readable after restart.
# Checkpointed and restored twice; fdkinds then checks the state itself
# (see tests/progs/fdkinds.c).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module

fdkinds_twice signalfd "FDSTATE" " signalfd"
pass
