# SPDX-License-Identifier: GPL-2.0
# ckpt: the module (against the Debian kernel the test guest boots), the tools,
# and the tests. 'make check' is the whole test run; see tests/harness/README.md.

ifeq ($(strip $(KVER)),)
KVER := $(shell tests/harness/kver.sh 2>/dev/null)
endif
KDIR ?= /usr/src/linux-headers-$(KVER)
export KVER

.PHONY: all modules tools progs deps initramfs check check-guest demo demo-guest \
	shell sparse clean distclean xen check-xen bench-xen bench-live

all: modules tools

modules:
	@if [ ! -d "$(KDIR)" ]; then \
		echo "no kernel headers at $(KDIR): run 'make deps' (as root)" >&2; exit 1; fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	@if [ -f tools/Makefile ]; then $(MAKE) -C tools; \
	else echo "tools/Makefile not there yet: skipping the tools"; fi

progs:
	@if [ -f tests/progs/Makefile ]; then $(MAKE) -C tests/progs; \
	else echo "tests/progs/Makefile not there yet: skipping the test programs"; fi

# Packages (installed if root) and the guest kernel in build/kernel/.
deps:
	tests/harness/deps.sh

initramfs:
	tests/harness/mkinitramfs.sh

# Everything, from a fresh clone: deps, build, unit tests, one guest boot.
# ONLY=case1,case2 runs only those guest cases; V=1 shows the guest console.
check:
	tests/harness/deps.sh
	$(MAKE) all progs
	tests/harness/check.sh

# The guest cases alone, without deps and unit tests.
check-guest: all progs
	tests/harness/mkinitramfs.sh
	tests/harness/run-guest.sh check

# The two-node scenarios alone (tests/nodes/): boot node a, then node b.
.PHONY: check-nodes
check-nodes: all progs
	tests/harness/mkinitramfs.sh
	tests/harness/run-guest.sh node-a; a=$$?; \
	tests/harness/run-guest.sh node-b && [ $$a = 0 ]

# make demo: a service migrated between two co-located Xen domUs over the
# xen_vsock transport, same PID, with timings (Xen + dom0 + two PV domUs
# under QEMU; tests/xen).  MIGRATE_OPTS (default --live: pre-copy) go to
# its 'ckpt migrate', e.g. make demo MIGRATE_OPTS= for stop-and-copy.  make demo-guest: the single-guest
# demo (checkpoint/restart, then a migration over TCP).
MIGRATE_OPTS ?= --live
demo:
	XVT_MODE=demo XVT_MIGOPTS="$(MIGRATE_OPTS)" tests/xen/check.sh

demo-guest: all progs
	tests/harness/mkinitramfs.sh
	tests/harness/run-guest.sh demo

shell: all progs
	tests/harness/mkinitramfs.sh
	tests/harness/run-guest.sh shell

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 modules

# The benchmark (issue 7): ckpt against CRIU and against plain writes, in one
# guest boot; table in build/bench/results.txt. Documentation/benchmarks.rst.
.PHONY: bench
bench:
	tests/harness/deps.sh
	$(MAKE) all
	$(MAKE) -C tests/bench
	tests/bench/run-bench.sh

# fork+exit cost with a PID range active against the module not loaded, in
# one guest boot (not a test); table in build/bench-pidrange.txt.
# Documentation/pid-ranges.rst.  BENCH_FORKS / BENCH_ROUNDS are not passed
# to the guest: edit tests/bench/pidrange/50-fork-bench.sh to change them.
.PHONY: bench-pidrange
bench-pidrange: all progs
	CKPT_CASES=tests/bench/pidrange tests/harness/mkinitramfs.sh
	tests/harness/run-guest.sh check
	@sed -n 's/^50-fork-bench| //p' build/guest/serial.log | tee build/bench-pidrange.txt

# Live (pre-copy) and sealed (--key) against stop-and-copy migration, 64
# and 256 MiB, in one guest boot (not a test); table in
# build/bench-live.txt.
# Documentation/benchmarks.rst and migration.rst.
.PHONY: bench-live
bench-live: all progs
	CKPT_CASES=tests/bench/live tests/harness/mkinitramfs.sh
	tests/harness/run-guest.sh check
	@sed -n 's/^70-live-bench| 70-live-bench: //p' build/guest/serial.log | tee build/bench-live.txt

clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
		$(MAKE) -C $(KDIR) M=$(CURDIR)/xen-transport clean; fi
	@for d in tools tests/progs tests/unit; do \
		if [ -f $$d/Makefile ]; then $(MAKE) -C $$d clean || exit 1; fi; done
	rm -rf build/guest build/unit.log

# Also drops the cached guest kernel.
distclean: clean
	rm -rf build

# The Xen grant-table vsock transport (xen-transport/): the module, and one
# boot of Xen + dom0 + two PV domUs running its tests ('make check' runs it
# too, unless SKIP_XEN=1). See Documentation/xen-transport.rst.
xen:
	@if [ ! -d "$(KDIR)" ]; then \
		echo "no kernel headers at $(KDIR): run 'make deps' (as root)" >&2; exit 1; fi
	$(MAKE) -C $(KDIR) M=$(CURDIR)/xen-transport modules

check-xen:
	tests/xen/check.sh

bench-xen:
	tests/xen/bench.sh
