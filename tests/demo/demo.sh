#!/bin/sh
# demo.sh: what ckpt does, in one minute.  Runs in the test guest (as root,
# with the module loaded): a counter is checkpointed, killed, and brought
# back with the same PID, counting on from where it was; then another is
# migrated live over TCP to a 'restart --listen' receiver, with timings.
PATH=/tests/progs:/bin:/sbin:/usr/bin:$PATH
dir=/tmp
img=$dir/counter.img
out=$dir/counter.log

say() {
	echo
	echo "== $*"
}
die() {
	echo "demo: $*" >&2
	exit 1
}

[ -c /dev/ckpt ] || die "/dev/ckpt is missing: load the module first"
rm -f "$img" "$out"

say "Start a counter that prints a line every half second"
counter </dev/null >"$out" 2>&1 &
pid=$!
sleep 3
echo "counter runs as PID $pid; its last lines:"
tail -n 3 "$out" | sed 's/^/    /'

say "Checkpoint it and kill it: ckpt --kill -o $img $pid"
ckpt --kill -o "$img" "$pid" || die "ckpt failed"
wait "$pid" 2>/dev/null
lines=$(wc -l <"$out")
last=$(tail -n 1 "$out")
echo "image: $(wc -c <"$img") bytes; the counter is gone ($(ls -d /proc/$pid 2>/dev/null || echo "no /proc/$pid")),"
echo "its last line was: $last"

say "What the image holds: ckpt show $img (summary)"
show=$dir/counter.show
ckpt show "$img" >"$show" || die "ckpt show failed"
grep -E '^  pid |nanosleep on|records before it' "$show" | sed 's/^ */    /'
echo "    $(grep -cE '^@[0-9]+ VMA ' "$show") memory mappings, $(grep -cE '^@[0-9]+ FILE ' "$show") open files, $(grep -cE '^@[0-9]+ PAGES' "$show") runs of pages"
echo "    (the whole listing: ckpt show $img)"

sleep 2
echo
echo "(two seconds later the log has not moved: still $(wc -l <"$out") lines)"

say "Bring it back: restart --wait $img &"
restart --wait "$img" &
rpid=$!
sleep 3
echo "PID $pid is back: $(cat /proc/$pid/comm 2>/dev/null || echo MISSING), now a child of restart (parent PID $(cut -d' ' -f4 /proc/$pid/stat 2>/dev/null); restart is $rpid)"
echo "the lines it printed since, continuing from \"$last\":"
sed -n "$((lines + 1)),\$p" "$out" | head -n 6 | sed 's/^/    /'

kill "$pid" 2>/dev/null
wait "$rpid"
st=$?
echo
echo "counter stopped with SIGTERM; restart --wait exited with $st (128 + 15)."

say "Migration: ckpt migrate PID --to tcp:127.0.0.1:7000"
echo "The receiver, 'restart --listen tcp:127.0.0.1:7000', runs in its own PID"
echo "namespace here: it stands for a second machine, where the PID is free."
mout=$dir/migrated.log
rm -f "$mout"
unshare -p -f restart --listen tcp:127.0.0.1:7000 --allow 127.0.0.1 </dev/null >/dev/null 2>"$dir/rx.log" &
upid=$!
counter -i 200 </dev/null >"$mout" 2>&1 &
pid=$!
i=0
while ! grep -q "listening on" "$dir/rx.log" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
sleep 2
echo "counter runs as PID $pid: $(tail -n 1 "$mout")"
ckpt migrate "$pid" --to tcp:127.0.0.1:7000 >"$dir/mig.out" 2>"$dir/mig.err" ||
	die "ckpt migrate failed: $(cat "$dir/mig.err")"
wait "$pid" 2>/dev/null
echo "ckpt migrate printed:"
sed 's/^/    /' "$dir/mig.out"
dt=$(tr ' ' '\n' <"$dir/mig.out" | sed -n 's/^downtime_ms=//p')
by=$(tr ' ' '\n' <"$dir/mig.out" | sed -n 's/^bytes=//p')
echo "the process was frozen ${dt} ms while its ${by}-byte image streamed and was"
echo "restored on the other side (emulated CPU: a real machine is much faster);"
echo "the original was removed only after the receiver said 'restored'."
echo "the receiver's log:"
sed 's/^/    /' "$dir/rx.log"
sleep 2
host=$(grep -l "^NSpid:.*[[:space:]]$pid\$" /proc/[0-9]*/status 2>/dev/null | grep -v "^/proc/$pid/" | head -n 1)
host=${host#/proc/}
host=${host%/status}
echo "there, it is PID $(sed -n 's/^NSpid:[[:space:]]*[0-9]*[[:space:]]*//p' /proc/$host/status 2>/dev/null) again, and counts on:"
tail -n 3 "$mout" | sed 's/^/    /'
# the receiver is its namespace's init: the namespace ends with it
nsinit=$(cut -d' ' -f1 /proc/$upid/task/$upid/children 2>/dev/null)
kill -9 "$nsinit" "$host" "$upid" 2>/dev/null
echo
echo "== Done."
