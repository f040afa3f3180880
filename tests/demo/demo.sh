#!/bin/sh
# demo.sh: what ckpt does, in one minute.  Runs in the test guest (as root,
# with the module loaded): a counter is checkpointed, killed, and brought
# back with the same PID, counting on from where it was.
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
echo "== Done: counter stopped with SIGTERM; restart --wait exited with $st (128 + 15)."
