#!/bin/sh
# 51-timerfd: timerfds keep their clock, time left (relative, or absolute with TFD_TIMER_ABSTIME), interval, unread expirations and flags.
# Checkpointed and restored twice; fdkinds then checks the state itself
# (see tests/progs/fdkinds.c).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module

fdkinds_twice timerfd "FDSTATE" " timerfd"
pass
