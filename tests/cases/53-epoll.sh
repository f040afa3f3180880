#!/bin/sh
# 53-epoll: an epoll keeps its interest list (fds, events, data) over pipes and eventfds, and reports ready events after restart.
# Checkpointed and restored twice; fdkinds then checks the state itself
# (see tests/progs/fdkinds.c).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module

fdkinds_twice epoll "FDSTATE" " epoll"
pass
