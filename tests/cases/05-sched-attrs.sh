#!/bin/sh
# 05-sched-attrs: each thread's scheduling policy, real-time priority, nice
# value, SCHED_RESET_ON_FORK, I/O priority and CPU affinity survive restart
# (schedattrs: six threads, SCHED_BATCH, IDLE, FIFO, RR, OTHER and
# DEADLINE, each reads its own back and compares).  Refused, each with
# nothing left running: uid 1000 (with CAP_CHECKPOINT_RESTORE, to choose
# the PID) restoring its own process whose nice value root had lowered to
# -5 (EPERM, naming the nice value), an affinity naming only a CPU this
# guest lacks (EINVAL; restart --any-cpu restores it on every CPU, nice 5
# still), a nice value of 40 (EBADMSG, the SCHED record).  The same
# under a shell as a tree (the main thread's attributes set after its
# last pages).  Root then restores the uid 1000 process with its nice -5.
# NUMA memory policies (numapol: its main thread's, MPOL_INTERLEAVE with
# MPOL_F_STATIC_NODES; a second thread's; MPOL_BIND, MPOL_PREFERRED_MANY
# with a home node and MPOL_LOCAL regions, and one split around a part
# with none), restored and checked by the program itself, twice (the
# second image still lists the home node), and in a tree.  Refused before
# anything is made: a policy naming only a node the guest lacks (EINVAL,
# naming the memory policy); restart --any-node restores that image with
# none of the image's policies (the program finds the defaults and exits
# 1); a mode of 9 and a mapping's policy on part of its mapping
# (EBADMSG, the MEMPOLICY record).  On the guest's second node (the
# harness gives it two): the restored mappings' pages are on node 1,
# where their policies place them; a restore from a cpuset of node 0
# alone is refused (EINVAL).
# timeout: 180
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err u.err show.out walk.out cpu.err bad.err"

subdir root
prog_start schedattrs
prog_checkpoint
for pat in "SCHED_BATCH nice 5 reset-on-fork, I/O be/6, CPUs 1" \
	   "SCHED_IDLE nice 3, I/O idle/0, CPUs 0" \
	   "SCHED_FIFO priority 7 nice -2, I/O rt/2, CPUs all" \
	   "SCHED_RR priority 3 nice 0, I/O none, CPUs 1" \
	   "SCHED_OTHER nice -4, I/O be/0, CPUs 0" \
	   "SCHED_DEADLINE runtime 1000000 deadline 10000000 period 10000000 ns nice 0, I/O none, CPUs all"; do
	grep -qF "$pat" show.out || fail "ckpt show has no '$pat'"
done
imgedit walk img >walk.out 2>&1 || fail "imgedit walk failed"
o=$(awk '$2 == "SCHED" { print $1; exit }' walk.out)
[ -n "$o" ] || fail "no SCHED record in the image"
[ "$(grep -c ' SCHED ' walk.out)" -eq 6 ] || fail "not 6 SCHED records"

# The main thread's affinity: CPU 5 alone (this guest has two).
cp img cpu.img
imgedit set cpu.img $((o + 16 + 48)) 8 32 || fail "imgedit set cpus"
refused EINVAL "CPU affinity" cpu restart cpu.img
# restart --any-cpu leaves the affinities out, and only them.
prog_restart restart -v --wait --any-cpu cpu.img
wait_for 10 grep -q "restored pid $PROG_PID" restart.err ||
	fail "restart --any-cpu did not restore it: $(cat restart.err)"
[ "$(taskset -p "$PROG_PID" | sed 's/.*: //')" = 3 ] ||
	fail "after --any-cpu: $(taskset -p "$PROG_PID")"
[ "$(proc_field "$PROG_PID" 19)" = 5 ] ||
	fail "after --any-cpu: nice $(proc_field "$PROG_PID" 19), not 5"
kill -9 "$PROG_PID"
wait "$RESTART_PID"

# nice 40: refused as a corrupt record before anything is made.
cp img bad.img
imgedit set bad.img $((o + 16 + 12)) 4 40 || fail "imgedit set nice"
refused EBADMSG "SCHED record" bad restart bad.img

prog_restart
prog_finish
cd ..

# The same in a tree (under a shell, ckpt --tree): the main thread's
# policy and nice value are set once its last pages are filled.
subdir tree
prog_start_in_tree schedattrs
prog_checkpoint --tree
prog_restart
prog_finish
cd ..

# numapol_show: ckpt show lists numapol's seven policies.
numapol_show() {
	for pat in "memory policy of thread $PROG_PID: MPOL_INTERLEAVE static-nodes nodes 0" \
		   ": MPOL_PREFERRED nodes 0" ": MPOL_BIND nodes 0" \
		   ": MPOL_PREFERRED_MANY nodes 0 home node 0" ": MPOL_LOCAL"; do
		grep -qF "$pat" show.out || fail "ckpt show has no '$pat'"
	done
	imgedit walk img >walk.out 2>&1 || fail "imgedit walk failed"
	n=$(grep -c ' MEMPOLICY ' walk.out)
	[ "$n" -eq 7 ] || fail "$n MEMPOLICY records, expected 7"
}
subdir numa
prog_start numapol
prog_checkpoint
numapol_show
o=$(awk '$2 == "MEMPOLICY" { print $1; exit }' walk.out)
# The main thread's policy on node 5 alone (the guest has two nodes).
cp img node.img
imgedit set node.img $((o + 16 + 32)) 8 32 || fail "imgedit set nodes"
refused EINVAL "memory policy of its thread $PROG_PID" node restart node.img
# restart --any-node leaves every policy of the image out.
prog_restart restart -v --wait --any-node node.img
touch go
wait "$RESTART_PID"
st=$?
[ "$st" -eq 1 ] || fail "numapol restored with --any-node exited $st, expected 1: $(cat p.out)"
grep -q "FAIL: main thread's policy: 0, expected" p.out &&
	grep -q "FAIL: second thread's policy: 0, expected 1" p.out &&
	grep -q "FAIL: MPOL_BIND region: 0, expected 2" p.out ||
	fail "numapol after --any-node did not find the default policies: $(cat p.out)"
rm -f go
: >p.out
# A mode of 9: a corrupt record.
cp img bad.img
imgedit set bad.img $((o + 16 + 20)) 2 9 || fail "imgedit set mode"
refused EBADMSG "MEMPOLICY record" bad restart bad.img
# A mapping's policy on part of its mapping (mbind would split it): the
# first mapping's entry (the third record) one page shorter.
o3=$(awk '$2 == "MEMPOLICY" && ++n == 3 { print $1; exit }' walk.out)
end3=$(od -An -t u8 -j $((o3 + 16 + 8)) -N 8 img | tr -d ' ')
[ -n "$end3" ] || fail "cannot read the third MEMPOLICY record"
cp img part.img
imgedit set part.img $((o3 + 16 + 8)) 8 $((end3 - 4096)) || fail "imgedit set end"
refused EBADMSG "MEMPOLICY record" part restart part.img
# Restored, checkpointed again (every policy, the home node too, is
# back), restored and checked.
prog_restart
prog_checkpoint
numapol_show
prog_restart
prog_finish
cd ..
subdir numatree
prog_start_in_tree numapol
prog_checkpoint --tree
prog_restart
prog_finish
cd ..

# On the guest's second node: numapol's mappings and second thread on
# node 1 (its main thread interleaves on node 0).  Restored, the pages
# of its MPOL_BIND and MPOL_PREFERRED_MANY mappings are on node 1 again
# (numa_maps: they were placed by the mappings' policies, set before the
# fill).  From a cpuset without node 1: refused before anything is made.
subdir numa1
[ "$(cat /sys/devices/system/node/online)" = 0-1 ] ||
	fail "the guest has nodes $(cat /sys/devices/system/node/online), expected 0-1"
numapol "$TESTDIR" 1 </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
wait_for 30 test -e ready || fail "numapol on node 1 did not start: $(cat p.err)"
prog_checkpoint
grep -qF ": MPOL_BIND nodes 1" show.out || fail "ckpt show has no ': MPOL_BIND nodes 1'"
cg=/sys/fs/cgroup/ckpt05
cs_off() {
	rmdir "$cg" 2>/dev/null
	echo -cpuset >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
}
trap '_cleanup; cs_off' EXIT
echo +cpuset >/sys/fs/cgroup/cgroup.subtree_control &&
	mkdir "$cg" && echo 0 >"$cg/cpuset.mems" ||
	fail "cannot make a cpuset of node 0"
refused EINVAL "NUMA memory policy of its thread" cs \
	sh -c 'echo $$ >"$0/cgroup.procs" && exec restart "$1"' "$cg" img
cs_off
prog_restart
# node1_only POLICY: numa_maps lines of POLICY have pages, all on node 1.
node1_only() {
	awk -v pol="$1" 'index($0, " " pol " ") {
			n++
			if ($0 ~ / N0=/ || $0 !~ / N1=/) bad = bad " " $0
		}
		END { if (!n) print "no mapping with " pol; else if (bad != "") print bad }' \
		"/proc/$PROG_PID/numa_maps"
}
for pol in bind:1 "prefer (many):1"; do
	out=$(node1_only "$pol")
	[ -z "$out" ] || fail "after the restore, $pol: $out"
done
prog_finish
cd ..

prog_start_user schedattrs
prog_checkpoint
grep -qF "SCHED_OTHER nice -5, I/O none, CPUs all" show.out ||
	fail "ckpt show has no 'nice -5'"
chmod 644 img
# CAP_CHECKPOINT_RESTORE (40) to choose the PID, not CAP_SYS_NICE
refused EPERM "nice value" u capkeep 1000 1000 40 restart img
prog_restart
prog_finish
pass
