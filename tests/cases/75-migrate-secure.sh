#!/bin/sh
# 75-migrate-secure: the receiver's gates, each leaving the sender's
# process running on (same process, counting, state intact):
#  - a TCP listener with neither --allow nor --key refuses to start;
#  - a peer not on --allow is refused (EACCES, exit 4);
#  - a sender without the key, or with the wrong key, is refused
#    (EACCES, exit 4; the wrong key is caught before anything is sent);
#  - with the key, the stream is sealed: a byte changed in transit is
#    caught (EBADMSG, exit 4, both sides say "failed authentication"); a
#    byte of the receiver's answer changed: the sender says so and
#    resumes (exit 3), while the receiver's copy stays held (parked in
#    the kernel from its restore on: it never runs, not even for a tick
#    beside the source) until it removes it for want of a commit;
#    and a tap on the connection never sees a secret that the plain image
#    holds (the process's environment);
#  - with the right key the process migrates (its PID, its state);
#  - --user: a root process, and a process of that very user that holds
#    CAP_CHECKPOINT_RESTORE (which the receiver keeps, and the module
#    would hand on), are refused by the receiver's capability check; a
#    process of another user (no capabilities) is refused by the module's
#    credential check; each with EPERM, exit 4, reported to the sender,
#    the source resumed; a process of that user migrates, keeps its uid
#    and has no capability.
# timeout: 240
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="mig.err mig.out"

head -c 32 /dev/urandom >k1
head -c 32 /dev/urandom >k2
chmod 600 k1 k2
cp k1 k1.open
chmod 644 k1.open

# In the statekeeper's environment, so in its stack, so in its image.
MIG_SECRET="secret-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export MIG_SECRET
sk_start src

# has_secret FILE: FILE holds MIG_SECRET (as a string among binary data)
has_secret() {
	tr -c 'a-z0-9-' '\n' <"$1" | grep -qx -- "$MIG_SECRET"
}
pid=$SK_PID
start=$(proc_field "$pid" 22)
sk_wait_counter src 3

# running: PID $1 is (soon) running or sleeping again, not stopped
running() {
	wait_for 5 sh -c "grep -q '^State:[[:space:]]*[RS]' /proc/$1/status"
}

resumed() {
	[ "$(proc_field "$pid" 22)" = "$start" ] || fail "$1: PID $pid is no longer the original"
	running "$pid" || fail "$1: the source is in state $(proc_state "$pid")"
	_c=$(sk_counter src)
	sk_wait_counter src $((_c + 2))
	sk_check_status src "$pid"
	[ -s mig.out ] && fail "$1: a summary was printed for a refused migration: $(cat mig.out)"
	return 0
}

stop_rx() {
	kill "$RX_PID" 2>/dev/null
	wait_for 10 proc_gone "$RX_PID" || fail "the receiver did not stop"
}

# 0. open to anyone: refused at start, unless --insecure
restart --listen tcp:127.0.0.1:7075 </dev/null >open.out 2>open.err
st=$?
[ "$st" -eq 2 ] || fail "a TCP listener without --allow/--key exited $st, expected 2: $(cat open.err)"
grep -q "refusing to listen on tcp:127.0.0.1:7075 with neither --allow nor --key" open.err ||
	fail "no clear refusal: $(cat open.err)"
restart --listen tcp:127.0.0.1:7075 --key k1.open </dev/null >open.out 2>open.err
[ $? -eq 1 ] && grep -q "group or others may access it" open.err ||
	fail "a world-readable key file was accepted: $(cat open.err)"
# another user's key file (they could change it), and a symbolic link
cp k1 k1.theirs
chown "$TEST_UID" k1.theirs
restart --listen tcp:127.0.0.1:7075 --key k1.theirs </dev/null >open.out 2>open.err
[ $? -eq 1 ] && grep -q "another user owns it (EPERM)" open.err ||
	fail "another user's key file was accepted: $(cat open.err)"
ln -s k1 k1.link
ckpt seal --key k1.link -o never.img k1 2>open.err &&
	fail "a key file that is a symbolic link was accepted"
grep -q "it is a symbolic link.*(ELOOP)" open.err || fail "symbolic key file: $(cat open.err)"
test -e never.img && fail "a refused seal left its output"

# 1. not on the allow-list
RX_OPTS="--allow 10.9.9.0/24,192.168.0.1"
rx_start tcp:127.0.0.1:7075
ckpt migrate "$pid" --to tcp:127.0.0.1:7075 >mig.out 2>mig.err
st=$?
[ "$st" -eq 4 ] || fail "unlisted peer: ckpt migrate exited $st, expected 4: $(cat mig.err)"
expect_err EACCES mig.err >/dev/null
grep -q "is not allowed to migrate to this receiver" mig.err || fail "unlisted peer: $(cat mig.err)"
file_has rx.log "refused: not on the allow-list" || fail "receiver log: $(cat rx.log)"
resumed "unlisted peer"
stop_rx

# 2. keys
RX_OPTS="--allow 127.0.0.1 --key k1"
rx_start tcp:127.0.0.1:7175
ckpt migrate "$pid" --to tcp:127.0.0.1:7175 >mig.out 2>mig.err
st=$?
[ "$st" -eq 4 ] || fail "no key: ckpt migrate exited $st, expected 4: $(cat mig.err)"
expect_err EACCES mig.err >/dev/null
grep -q "requires a shared key" mig.err || fail "no key: $(cat mig.err)"
resumed "no key"

ckpt migrate --key k2 "$pid" --to tcp:127.0.0.1:7175 >mig.out 2>mig.err
st=$?
[ "$st" -eq 4 ] || fail "wrong key: ckpt migrate exited $st, expected 4: $(cat mig.err)"
expect_err EACCES mig.err >/dev/null
grep -q "does not hold our key" mig.err || fail "wrong key: $(cat mig.err)"
grep -q "refused" rx.log || fail "wrong key: the receiver did not log a refusal: $(cat rx.log)"
grep -q "receiving pid $pid" rx.log && ! grep -q "restored pid" rx.log ||
	fail "wrong key: receiver log: $(cat rx.log)"
resumed "wrong key"

# sealed: a byte changed in transit
ckpt -o plain.img "$pid" 2>ckpt.err || fail "probe checkpoint: $(cat ckpt.err)"
has_secret plain.img ||
	fail "the plain image does not hold the secret: the tap check would prove nothing"
size=$(stat -c %s plain.img)
rm -f plain.img listening
mitm 7176 7175 flip $((size / 2)) >mitm.out 2>mitm.err &
track $!
wait_for 10 test -e listening || fail "mitm did not start"
ckpt migrate --key k1 "$pid" --to tcp:127.0.0.1:7176 >mig.out 2>mig.err
st=$?
[ "$st" -eq 4 ] || fail "changed in transit: ckpt migrate exited $st, expected 4: $(cat mig.err)"
expect_err EBADMSG mig.err >/dev/null
grep -q "failed authentication" mig.err || fail "changed in transit: $(cat mig.err)"
wait_for 10 file_has rx.log "failed authentication" ||
	fail "changed in transit: receiver log: $(cat rx.log)"
log "changed in transit: $(cat mig.err)"
resumed "changed in transit"
ns_has_pid "$pid" && fail "changed in transit: a copy of $pid was left at the receiver"

# with the right key, through a tap
rm -f listening tapped
mitm 7177 7175 tap 0 >mitm.out 2>mitm.err &
tap=$!
track "$tap"
wait_for 10 test -e listening || fail "mitm did not start"
c0=$(sk_counter src)
ckpt migrate --key k1 "$pid" --to tcp:127.0.0.1:7177 >mig.out 2>mig.err
st=$?
[ "$st" -eq 0 ] || fail "right key: ckpt migrate exited $st: $(cat mig.err)"
grep -qE "^migrated pid=$pid to=tcp:127.0.0.1:7177 new_pid=$pid " mig.out ||
	fail "right key: $(cat mig.out)"
wait_for 10 proc_gone "$tap" || fail "the tap did not end with the connection"
tr -c 'A-Z0-9' '\n' <tapped | grep -qx MGHELLO1 || fail "the tap did not see the handshake"
[ "$(stat -c %s tapped)" -gt $((size / 2)) ] ||
	fail "the tap saw only $(stat -c %s tapped) bytes of a $size-byte image"
has_secret tapped && fail "the process's secret crossed the connection in the clear"
wait "$pid" 2>/dev/null
expect_gone "$pid" "the original after the migration with the key"
host=$(ns_host_pid "$pid")
[ -n "$host" ] || fail "right key: no PID $pid at the receiver"
sk_wait_counter src $((c0 + 3))
sk_check_status src "$pid"
sk_finish_restored src "$host" $((c0 + 3))
sk_check_log src
stop_rx
rm -f mig.out

# sealed both ways: a byte of the receiver's verdict (after its 88-byte
# MGAUTHR1 and the 4-byte frame header) changed in transit.  The sender
# resumes its source; the proxy keeps the receiver's side open, so the
# receiver waits for a commit until its timeout (10 s), its copy held
# (never running beside the source), then removes it.
# appending: a copy that ran would add its ticks, not overwrite them
: >bf.out
sh -c 'exec counter -b 2 </dev/null >>bf.out 2>bf.err' &
bpid=$!
track "$bpid"
wait_for 10 file_has bf.out "tick 2 " || fail "the counter did not start: $(cat bf.err)"
RX_OPTS="--allow 127.0.0.1 --key k1"
rx_start tcp:127.0.0.1:7375 10
rm -f listening
mitm 7378 7375 backflip 100 >mitm.out 2>mitm.err &
track $!
wait_for 10 test -e listening || fail "mitm did not start"
ckpt migrate --key k1 "$bpid" --to tcp:127.0.0.1:7378 >mig.out 2>mig.err
st=$?
[ "$st" -eq 3 ] || fail "answer changed in transit: ckpt migrate exited $st, expected 3: $(cat mig.err)"
grep -q "failed authentication" mig.err || fail "answer changed in transit: $(cat mig.err)"
grep -q "$bpid resumed" mig.err || fail "answer changed in transit: no 'resumed': $(cat mig.err)"
log "answer changed in transit: $(cat mig.err)"
running "$bpid" || fail "answer changed in transit: the source is in state $(proc_state "$bpid")"
copy=$(ns_host_pid "$bpid")
[ -n "$copy" ] || fail "answer changed in transit: no copy waiting at the receiver: $(cat rx.log)"
# held: parked in the kernel (I: idle, outside the load average), not
# sleeping (S) or running (R)
case "$(proc_state "$copy")" in
D|I) ;;
*) fail "answer changed in transit: the receiver's copy is in state $(proc_state "$copy"), not held, beside the running source" ;;
esac
n0=$(tail -n 1 bf.out | awk '{ print $2 }')
wait_for 30 file_has rx.log "removed again" ||
	fail "answer changed in transit: the receiver did not remove its copy: $(cat rx.log)"
grep -q "did not commit in time" rx.log || fail "answer changed in transit: receiver log: $(cat rx.log)"
ns_has_pid "$bpid" && fail "answer changed in transit: a copy of $bpid was left at the receiver"
wait_for 10 sh -c "[ \$(tail -n 1 bf.out | awk '{ print \$2 }') -ge $((n0 + 2)) ]" ||
	fail "answer changed in transit: the source does not count on (at $n0)"
kill "$bpid"
# held from its restore on: had the copy run for a moment, its ticks
# would be written twice (by the copy, then by the resumed source)
d=$(awk '{ print $2 }' bf.out | sort -n | uniq -d | head -n 3)
[ -z "$d" ] || fail "answer changed in transit: ticks written twice (the receiver's copy ran): $d"
stop_rx
rm -f mig.out

# 3. --user: the module refuses what the user could not become
sk_start src2
pid2=$SK_PID
sk_wait_counter src2 3
RX_OPTS="--allow 127.0.0.1 --user $TEST_USER"
rx_start tcp:127.0.0.1:7275
file_has rx.log "restoring as $TEST_USER" || fail "receiver log: $(cat rx.log)"
ckpt migrate "$pid2" --to tcp:127.0.0.1:7275 >mig.out 2>mig.err
st=$?
[ "$st" -eq 4 ] || fail "--user, root process: ckpt migrate exited $st, expected 4: $(cat mig.err)"
expect_err EPERM mig.err >/dev/null
grep -q "asks for capabilities" mig.err || fail "--user, root process: $(cat mig.err)"
grep -q "$pid2 resumed" mig.err || fail "--user: $(cat mig.err)"
running "$pid2" || fail "--user: $pid2 not resumed (state $(proc_state "$pid2"))"
c2=$(sk_counter src2)
sk_wait_counter src2 $((c2 + 2))
sk_check_status src2 "$pid2"
[ -n "$(ns_host_pid "$pid2")" ] && fail "--user: a copy of $pid2 was left at the receiver"
sk_finish src2 "$pid2" $((c2 + 2))
sk_check_log src2

# another user, no capabilities: the module's check
runas 1001 1001 sleep 1000 </dev/null >/dev/null 2>&1 &
opid=$!
track "$opid"
wait_for 10 sh -c "[ \"\$(awk '/^Uid:/ { print \$2 }' /proc/$opid/status)\" = 1001 ]" ||
	fail "runas 1001 did not start"
ckpt migrate "$opid" --to tcp:127.0.0.1:7275 >mig.out 2>mig.err
st=$?
[ "$st" -eq 4 ] || fail "--user, another user's process: ckpt migrate exited $st, expected 4: $(cat mig.err)"
expect_err EPERM mig.err >/dev/null
grep -q "asks for capabilities" mig.err && fail "--user, another user's process: refused by the wrong check: $(cat mig.err)"
grep -q "$opid resumed" mig.err || fail "--user, another user: $(cat mig.err)"
running "$opid" || fail "--user, another user: $opid in state $(proc_state "$opid")"
[ -n "$(ns_host_pid "$opid")" ] && fail "--user: a copy of $opid was left at the receiver"
kill "$opid"

# that user, but holding CAP_CHECKPOINT_RESTORE (40): refused
capkeep "$TEST_UID" "$TEST_GID" 40 sleep 1000 </dev/null >/dev/null 2>&1 &
cpid=$!
track "$cpid"
wait_for 10 sh -c "grep -q '^CapEff:.*0000010000000000' /proc/$cpid/status && [ \"\$(cat /proc/$cpid/comm)\" = sleep ]" ||
	fail "capkeep did not start (uid $TEST_UID with CAP_CHECKPOINT_RESTORE)"
ckpt migrate "$cpid" --to tcp:127.0.0.1:7275 >mig.out 2>mig.err
st=$?
[ "$st" -eq 4 ] || fail "--user, the user with a capability: ckpt migrate exited $st, expected 4: $(cat mig.err)"
expect_err EPERM mig.err >/dev/null
grep -q "asks for capabilities (permitted 0x10000000000" mig.err || fail "--user, capability: $(cat mig.err)"
running "$cpid" || fail "--user, capability: $cpid in state $(proc_state "$cpid")"
[ -n "$(ns_host_pid "$cpid")" ] && fail "--user: a copy of $cpid was left at the receiver"
kill "$cpid"
rm -f mig.out

runas "$TEST_UID" "$TEST_GID" sh -c 'exec counter -i 100 </dev/null >c.out 2>c.err' &
upid=$!
track "$upid"
wait_for 10 file_has c.out "tick 3 " || fail "the user's counter did not start: $(cat c.err)"
ckpt migrate "$upid" --to tcp:127.0.0.1:7275 >mig.out 2>mig.err
st=$?
[ "$st" -eq 0 ] || fail "--user, the user's process: ckpt migrate exited $st: $(cat mig.err)"
wait "$upid" 2>/dev/null
host=$(ns_host_pid "$upid")
[ -n "$host" ] || fail "--user: no PID $upid at the receiver"
track "$host"
[ "$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "/proc/$host/status")" = "$TEST_UID$TEST_UID$TEST_UID$TEST_UID" ] ||
	fail "--user: the restored process has $(grep ^Uid: "/proc/$host/status")"
[ "$(awk '/^CapEff:/ { print $2 }' "/proc/$host/status")" = 0000000000000000 ] ||
	fail "--user: the restored process has capabilities: $(grep ^Cap "/proc/$host/status" | tr '\n' ' ')"
n0=$(tail -n 1 c.out | awk '{ print $2 }')
wait_for 10 sh -c "[ \$(tail -n 1 c.out | awk '{ print \$2 }') -ge $((n0 + 3)) ]" ||
	fail "--user: the user's counter does not count on (at $n0)"
bad=$(awk -v p="$upid" '$1 != "tick" || $2 != NR || $4 != p { print NR ": " $0; exit }' c.out)
[ -z "$bad" ] || fail "--user: output not continuous: $bad"
kill -9 "$host"
pass
