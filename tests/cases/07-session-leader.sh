#!/bin/sh
# 07-session-leader: a single process that led its own session (setsid, as
# daemons do) leads a session again after restart, with its PID as session
# and group ID; one that led a process group leads one again, in restart's
# session.  The program checks getsid()/getpgrp() itself; /proc agrees.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

# stat_ids PID: "PGRP SID" from /proc/PID/stat.
stat_ids() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $3, $4 }'
}

for lead in session group; do
	rm -f ready go p.out p.err
	export PROCATTRS_LEAD=$lead
	prog_start procattrs
	unset PROCATTRS_LEAD
	pid=$PROG_PID
	before=$(stat_ids "$pid")
	prog_checkpoint
	prog_restart
	after=$(stat_ids "$pid")
	case $lead in
	session) want="$pid $pid" ;;
	group) want="$pid $(stat_ids "$RESTART_PID" | cut -d' ' -f2)" ;;
	esac
	[ "$after" = "$want" ] ||
		fail "$lead leader: pgrp/sid after restart '$after', want '$want' (before: '$before')"
	prog_finish
done
pass
