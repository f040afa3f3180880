#!/bin/sh
# 30-stream-restart: an image piped into restart while its PID is free is
# restored as it arrives (not spooled first), and the process is whole.
# Then a sealed image (ckpt seal --key): it hides what the plain image
# shows (a secret in the process's environment); show and restart say
# it is sealed; unsealed with another key, changed in one byte or cut
# short, it is refused (EBADMSG, ENODATA) and restart restores nothing;
# unsealed into restart, the process comes back whole.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out us.err"

prog_start selfpipe
pid=$PROG_PID
prog_checkpoint
prog_restart sh -c "cat img | restart -v --wait"
grep -q "as it arrives" restart.err || fail "restart did not stream: $(cat restart.err)"
prog_finish

# ---- sealed ----
subdir sealed
head -c 32 /dev/urandom >k
head -c 32 /dev/urandom >k2
chmod 600 k k2
secret="secret-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
[ ${#secret} -eq 39 ] || fail "no secret made: '$secret'"
SEAL_SECRET=$secret
export SEAL_SECRET
# has_secret FILE: FILE holds SEAL_SECRET (as a string among binary data)
has_secret() {
	tr -c 'a-z0-9-' '\n' <"$1" | grep -qx -- "$secret"
}
prog_start selfpipe
unset SEAL_SECRET
pid=$PROG_PID
prog_checkpoint
has_secret img || fail "the plain image does not hold the secret (the test cannot see it)"
ckpt seal --key k -o s.img img 2>seal.err || fail "ckpt seal: $(cat seal.err)"
[ "$(stat -c %a s.img)" = 600 ] || fail "the sealed image has mode $(stat -c %a s.img)"
has_secret s.img && fail "the sealed image shows the secret"
[ "$(head -c 8 s.img)" = CKPTSEAL ] || fail "the sealed image does not start with CKPTSEAL"
ckpt show s.img >sshow.out 2>&1 && fail "ckpt show decoded a sealed image"
grep -q "a sealed image" sshow.out || fail "ckpt show on a sealed image: $(cat sshow.out)"
refused ENOEXEC "it is a sealed image" rs restart s.img
grep -q "ckpt unseal --key" rs.err || fail "no hint to unseal: $(cat rs.err)"

# unseal_refused NAME ERRNO WHY FILE KEY: unsealing FILE with KEY into
# restart fails with ERRNO, saying WHY; nothing is restored
unseal_refused() {
	sh -c "ckpt unseal --key $5 $4 2>$1.us | restart -v --wait - >$1.out 2>$1.err"
	grep -q "($2)" "$1.us" || fail "$1: ckpt unseal: $(cat "$1.us")"
	grep -q "$3" "$1.us" || fail "$1: ckpt unseal does not say '$3': $(cat "$1.us")"
	grep -q "restored pid" "$1.err" && fail "$1: restart restored it: $(cat "$1.err")"
	proc_gone "$pid" || fail "$1: pid $pid exists after a refused unseal"
}
unseal_refused wrongkey EBADMSG "failed authentication" s.img k2
n=$(wc -c <s.img)
cp s.img flip.img
# inside the first frame's data (after the 48-byte header and its length)
imgedit flip flip.img 152 0x01 || fail "imgedit flip"
unseal_refused flipped EBADMSG "failed authentication" flip.img k
head -c $((n / 2)) s.img >cut.img
unseal_refused cut ENODATA "cut short" cut.img k
cp s.img tail.img
printf x >>tail.img
unseal_refused trailing EBADMSG "follow its end frame" tail.img k
# -o: a failure leaves the file as it was; a success is the very image,
# mode 0600 even over a file that was not
echo old >keep.img
chmod 644 keep.img
ckpt unseal --key k2 -o keep.img s.img 2>/dev/null && fail "unsealed with another key"
[ "$(cat keep.img)" = old ] || fail "a failed unseal changed its -o file"
ckpt unseal --key k -o keep.img s.img 2>us.err || fail "ckpt unseal -o: $(cat us.err)"
cmp -s keep.img img || fail "unseal(seal(image)) is not the image"
[ "$(stat -c %a keep.img)" = 600 ] || fail "the unsealed image has mode $(stat -c %a keep.img)"
ls | grep -q ckpt- && fail "a temporary file was left: $(ls)"
prog_restart sh -c "ckpt unseal --key k s.img 2>us.err | restart -v --wait -"
prog_finish
[ -s us.err ] && fail "ckpt unseal said: $(cat us.err)"
pass
