#!/usr/bin/env bash
# check.sh: the test part of 'make check' (after deps and the build): the host
# unit tests, then one guest boot running the guest cases. Prints one line per
# test and, last, exactly "N passed, N failed"; exits 1 if anything failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build
start=$SECONDS
pass=0
fail=0
skip=0

if [[ -f tests/unit/Makefile ]]; then
	echo "== unit tests (tests/unit, log in build/unit.log)"
	rc=0
	make -C tests/unit check 2>&1 | tee build/unit.log || rc=$?
	counts=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' build/unit.log | tail -n 1 || true)
	if [[ -n $counts ]]; then
		read -r p _ f _ <<<"$counts"
	else
		p=$((rc == 0)) f=0
	fi
	((rc != 0 && f == 0)) && f=1 # the run itself failed
	pass=$((pass + p)) fail=$((fail + f))
	if ((f)); then
		printf 'FAIL  unit-tests  (%d passed, %d failed, exit status %d)\n' "$p" "$f" "$rc"
		echo "      unit-tests: output in build/unit.log"
	else
		printf 'PASS  unit-tests  (%d passed)\n' "$p"
	fi
fi

echo "== guest tests"
rc=0
tests/harness/mkinitramfs.sh && tests/harness/run-guest.sh check || rc=$?
if [[ -s build/guest/results.txt ]]; then
	while read -r status _; do
		case $status in
		PASS) pass=$((pass + 1)) ;;
		FAIL) fail=$((fail + 1)) ;;
		SKIP) skip=$((skip + 1)) ;;
		esac
	done <build/guest/results.txt
fi
if ((rc != 0 && fail == 0)); then
	echo "FAIL  guest-run  (exit status $rc)"
	fail=$((fail + 1))
fi

# The two-node scenarios: two more boots, node a then node b, sharing a disk.
if compgen -G "tests/nodes/[0-9]*.sh" >/dev/null && [[ -z ${SKIP_NODES:-} ]]; then
	echo "== two-node tests (tests/nodes: boot node a, then node b)"
	for node in a b; do
		rc=0
		tests/harness/run-guest.sh node-$node || rc=$?
		f=build/guest/node-$node/results.txt
		n=0
		if [[ -s $f ]]; then
			while read -r status _; do
				n=$((n + 1))
				case $status in
				PASS) pass=$((pass + 1)) ;;
				FAIL) fail=$((fail + 1)) ;;
				SKIP) skip=$((skip + 1)) ;;
				esac
			done <"$f"
		fi
		if ((rc != 0 && n == 0)); then
			echo "FAIL  node-$node-run  (exit status $rc)"
			fail=$((fail + 1))
		fi
	done
fi

# The Xen vsock transport: one boot of Xen, dom0 and two PV domUs.
if [[ -x tests/xen/check.sh && -z ${SKIP_XEN:-} ]]; then
	echo "== Xen transport tests (tests/xen, log in build/xen.log)"
	mkdir -p build
	rc=0
	tests/xen/check.sh >build/xen.log 2>&1 || rc=$?
	grep -E '^(PASS|FAIL|SKIP) ' build/xen.log || true
	counts=$(grep -Eo '^[0-9]+ passed, [0-9]+ failed' build/xen.log | tail -n 1 || true)
	if [[ -n $counts ]]; then
		read -r p _ f _ <<<"$counts"
	else
		p=0 f=0
	fi
	((rc != 0 && f == 0)) && f=1 # the run itself failed
	pass=$((pass + p)) fail=$((fail + f))
	((rc != 0)) && echo "FAIL  xen-run  (exit status $rc; see build/xen.log and build/xen/)"
fi

echo "== done in $((SECONDS - start))s; logs in build/guest/ (serial.log: console and case output)"
((skip)) && echo "$skip skipped"
echo "$pass passed, $fail failed"
((fail == 0))
