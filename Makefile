# Front door: every target installs what it needs (scripts/deps.sh) first.
SHELL := /bin/bash
BUILD := build
ASAN := build-asan
FUZZ := build-fuzz
DEB := build-deb
FUZZ_SECONDS ?= 15
MESON_TEST := meson test --print-errorlogs --num-processes 2

.PHONY: all deps build test test-deb deb demo bench bench-tls bench-smtp bench-tls-legs \
	bench-runtime bench-config-push bench-crash bench-greedy bench-dpdk bench-tso-tap calibrate \
	fuzz lint clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) --buildtype=release

$(ASAN)/build.ninja: | deps
	meson setup $(ASAN) --buildtype=debug -Db_sanitize=address,undefined \
	  -Dc_args=-fno-sanitize-recover=all -Dc_link_args=-fno-sanitize-recover=all

$(FUZZ)/build.ninja: | deps
	CC=clang-14 meson setup $(FUZZ) --buildtype=debugoptimized -Dfuzz=true \
	  -Db_sanitize=address,undefined -Db_lundef=false

build: deps $(BUILD)/build.ninja
	meson compile -C $(BUILD)

lint: deps $(BUILD)/build.ninja
	scripts/lint.sh $(BUILD)

test: build lint $(ASAN)/build.ninja $(FUZZ)/build.ninja
	$(MESON_TEST) -C $(BUILD) --suite unit --suite integration
	meson compile -C $(ASAN)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  $(MESON_TEST) -C $(ASAN) --suite unit --suite integration
	meson compile -C $(FUZZ)
	RL_FUZZ_SEED=$${RL_FUZZ_SEED:-1} RL_FUZZ_SECONDS=$(FUZZ_SECONDS) $(MESON_TEST) -C $(FUZZ) --suite fuzz
	$(MAKE) test-deb

# Debian packages (debian/, dpkg-buildpackage, lintian) into build-deb/.
deb: deps
	scripts/deb.sh $(DEB)

# Install, run, upgrade, remove and purge the packages on this machine (root).
test-deb: deb
	/usr/bin/python3 tests/package/package_test.py $(DEB)

fuzz: deps $(FUZZ)/build.ninja
	meson compile -C $(FUZZ)
	RL_FUZZ_SECONDS=$${FUZZ_SECONDS:-300} $(MESON_TEST) -C $(FUZZ) --suite fuzz --timeout-multiplier 0

demo: build
	scripts/demo.sh $(BUILD)

bench: build
	scripts/bench.sh $(BUILD)

# TLS handshakes and records in memory on one core vs openssl speed (about 25 s).
bench-tls: build
	scripts/bench.sh $(BUILD) tls

# End-to-end SMTP relay: Postfix vs redlined vs the load tools' ceiling (about
# 5 minutes; BENCH_SMTP_ARGS=--quick for about 1). Installs Postfix as root.
bench-smtp: build
	bench/compare-postfix.sh --build $(BUILD) $(BENCH_SMTP_ARGS)

# msgs/s with TLS on both legs vs plain through redlined, 32 KB, persistent
# sessions, interleaved pairs, plus the load tools' ceiling (about 2 minutes).
bench-tls-legs: build
	bench/tls-legs.sh --build $(BUILD) $(BENCH_TLS_LEGS_ARGS)

# The appliance runtime (issue 12): redline-bench smtp at 4/32/256 KB on
# jemalloc and glibc (and a build of an earlier commit with
# BENCH_RUNTIME_ARGS="--before DIR"), loop turns under a mixed load with
# documents (scan threads off and on), 1,000 snapshot swaps under load
# (about 6 minutes).
bench-runtime: build
	bench/runtime.sh --build $(BUILD) $(BENCH_RUNTIME_ARGS)

# Configuration changes while mail flows: 1,000 route changes through
# redline-controld, time to every worker and failed transactions (about 1 minute).
bench-config-push: build
	python3 bench/config-push.py --build $(BUILD)

# The volume tier this machine carries: redlined on the planned cores, the
# corpus mix from redline-bench on loopback (about 15 s; docs/SIZING.md).
calibrate: build
	scripts/bench.sh $(BUILD) calibrate $(CALIBRATE_ARGS)

# The crash harness at full length (issue 13): 200 cycles of kill -9 (about 1 minute).
bench-crash: build
	bench/crash.sh $(BENCH_CRASH_ARGS)

# Greedy clients (issue 13): idle and trickling connections from one address
# while another sends 1,000 messages (about 1 minute).
bench-greedy: build
	bench/greedy.py --build $(BUILD) $(BENCH_GREEDY_ARGS)

# The DPDK backend vs the kernel backend (issue 15), root: msgs/s and CPU per
# message through redlined on a kernel-free memif path vs loopback, the
# stack's connections per second and cycles per small packet on ring ports,
# tap and af_packet functional runs (about 2 minutes).
bench-dpdk: build
	bench/dpdk.sh --build $(BUILD) $(BENCH_DPDK_ARGS)

# The stack's TSO on vs off on net_tap with the kernel as the peer (issue 15),
# root, a functional figure (about 10 s).
bench-tso-tap: build
	python3 bench/tso-tap.py --build $(BUILD) $(BENCH_TSO_TAP_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ) $(DEB)
