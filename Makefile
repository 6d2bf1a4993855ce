# floodgate build. Outputs only in build/. V=1 shows full command lines.
# Toolchain as tested: Debian 12, clang 14, libbpf 1.1, bpftool 7.1.

OUT := build
VERSION := $(shell cat VERSION)
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
PREFIX ?= /usr/local
DESTDIR ?=
IFACE ?=
JOBS ?= $(shell nproc)
CONFIG ?=

ifeq ($(V),1)
Q :=
msg := @true
else
Q := @
msg := @printf '  %-8s %s\n'
endif

# Reproducible: no absolute paths or dates leak into outputs.
REPRO := -ffile-prefix-map=$(CURDIR)=. -fdebug-prefix-map=$(CURDIR)=.
ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine)

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -Wall -Wextra -Werror -MD -MP \
	-Iinclude -Ibpf -I$(ARCH_INC) $(REPRO)
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -MD -MP -D_GNU_SOURCE \
	-DFG_VERSION='"$(VERSION)"' -Iinclude -Iuser/lib -I$(OUT) $(REPRO)
LDLIBS_BPF := -lbpf -lelf -lz -lm
LDLIBS_DAEMON := $(LDLIBS_BPF) -lnl-route-3 -lnl-3 -lmicrohttpd -lfyaml -ljson-c -lhiredis -lxdp -lsystemd -lcrypt -lgnutls
LDLIBS_CLI := $(LDLIBS_BPF) -lfyaml -ljson-c -lhiredis
LDLIBS_TEST := $(LDLIBS_DAEMON) -lcmocka
NL_CFLAGS := -I/usr/include/libnl3

LIB_SRCS := $(sort $(wildcard user/lib/*.c))
DAEMON_SRCS := $(sort $(wildcard user/floodgated/*.c))
CLI_SRCS := $(sort $(wildcard user/floodgate/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
BPFTEST_SRCS := $(sort $(wildcard tests/bpf/*.c))
TOOL_SRCS := $(sort $(wildcard tools/loadgen/*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(OUT)/%.o)
LIB := $(OUT)/libfloodgate.a
BPF_OBJS := $(OUT)/floodgate.bpf.o $(OUT)/mapcount.bpf.o
SKEL := $(BPF_OBJS:.bpf.o=.skel.h)
BINS := $(if $(DAEMON_SRCS),$(OUT)/floodgated) $(if $(CLI_SRCS),$(OUT)/floodgate)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OUT)/tests/unit_%)
BPFTEST_BINS := $(if $(BPFTEST_SRCS),$(OUT)/tests/bpf_datapath)
TOOL_BINS := $(if $(TOOL_SRCS),$(OUT)/fg-loadgen)
# BPF programs only the tests load (tests/progs/): the chain slot's
# stand-in, loaded by the datapath tests (skeleton) and the e2e tests.
TEST_BPF_OBJS := $(patsubst tests/progs/%.bpf.c,$(OUT)/tests/%.bpf.o,\
	$(sort $(wildcard tests/progs/*.bpf.c)))
TEST_SKEL := $(TEST_BPF_OBJS:.bpf.o=.skel.h)

.DELETE_ON_ERROR:
.PHONY: all deps run test tests bench demo lint format install clean fuzz test-long \
	fuzz-user fuzz-build

all: $(BPF_OBJS) $(SKEL) $(LIB) $(BINS) $(TOOL_BINS)

$(OUT) $(OUT)/tests:
	$(Q)mkdir -p $@

$(OUT)/%.bpf.o: bpf/%.bpf.c | $(OUT)
	$(msg) BPF $@
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(msg) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# Every user object may include the skeleton: build it first.
$(OUT)/%.o: %.c | $(SKEL)
	$(msg) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(NL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(msg) AR $@
	$(Q)rm -f $@
	$(Q)ar rcsD $@ $^

$(OUT)/floodgated: $(DAEMON_SRCS:%.c=$(OUT)/%.o) $(LIB)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_DAEMON)

$(OUT)/floodgate: $(CLI_SRCS:%.c=$(OUT)/%.o) $(LIB)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_CLI)

$(OUT)/fg-loadgen: $(TOOL_SRCS:%.c=$(OUT)/%.o) $(LIB)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_BPF)

$(OUT)/tests/unit_%: $(OUT)/tests/unit/%.o $(LIB) | $(OUT)/tests
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_TEST)

# A fleet host's publishing, for the e2e tests.
$(OUT)/tests/fg-fleet-charge: $(OUT)/tests/e2e/helpers/fleet_charge.o $(LIB) | $(OUT)/tests
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_CLI)

$(OUT)/tests/%.bpf.o: tests/progs/%.bpf.c | $(OUT)/tests
	$(msg) BPF $@
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/tests/%.skel.h: $(OUT)/tests/%.bpf.o
	$(msg) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

$(BPFTEST_SRCS:%.c=$(OUT)/%.o): | $(TEST_SKEL)

$(OUT)/tests/bpf_datapath: $(BPFTEST_SRCS:%.c=$(OUT)/%.o) $(LIB) | $(OUT)/tests
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_TEST)

tests: all $(UNIT_BINS) $(BPFTEST_BINS) $(TEST_BPF_OBJS) $(OUT)/tests/fg-fleet-charge \
	fuzz-build

deps:
	$(Q)tools/deps.sh

test: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) tests
	$(Q)tests/run.sh

# Suites too long for every CI run (the 1 000 000-entry list file).
test-long: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) tests
	$(Q)FG_LONG=1 tests/run.sh long

# FUZZ_SECONDS bounds the longer run; the runner's timeout of the suite
# (tests/run.sh) grows with it.
fuzz: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)s=$${FUZZ_SECONDS:-300}; FG_FUZZ_SECONDS=$$s \
		FG_SUITE_TIMEOUT=$${FG_SUITE_TIMEOUT:-$$((s + 600))} tests/run.sh bpf_datapath

bench: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)tools/bench/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/lab/demo.sh

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)test -n "$(IFACE)" || { echo "usage: make run IFACE=<interface> [CONFIG=file]" >&2; exit 2; }
	$(Q)tools/mount-bpffs.sh
	$(OUT)/floodgated -i $(IFACE) $(if $(CONFIG),-c $(CONFIG))

LINT_C := $(sort $(wildcard include/*.h bpf/*.h bpf/*.c user/*/*.c user/*/*.h \
	tests/*/*.c tests/*/*.h tools/*/*.c tools/*/*.h))

format:
	$(Q)clang-format -i $(LINT_C)

# install -----------------------------------------------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=]; every directory below can be set
# on its own. The config goes to SYSCONFDIR (/etc, whatever PREFIX is: that is
# where the unit reads it), and only when there is none: an operator's file is
# never overwritten (the example is always in DOCDIR). The unit goes where
# systemd looks for it: /lib/systemd/system for PREFIX=/usr, as Debian's
# packages do; else PREFIX/lib/systemd/system (/usr/local/lib/systemd/system
# is on systemd's unit path). The unit and the man pages are generated into
# build/dist/ with these paths; build/dist/paths records them, so changing one
# regenerates them. make uninstall keeps the config.
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/floodgate
DOCDIR ?= $(PREFIX)/share/doc/floodgate
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

DIST := $(OUT)/dist
MAN8 := floodgate.8 floodgated.8
MAN5 := floodgate.yaml.5
DIST_FILES := $(DIST)/floodgated.service $(addprefix $(DIST)/,$(MAN8) $(MAN5))
ETC_CONFIG := $(SYSCONFDIR)/floodgate/floodgate.yaml
EXAMPLE_CONFIG := user/floodgated/floodgate.example.yaml
# The Grafana dashboard and the alert rules with their promtool tests.
SHARE_FILES := tools/grafana/floodgate-dashboard.json \
	tools/prometheus/floodgate-alerts.yml \
	tools/prometheus/floodgate-alerts.test.yml
DOC_FILES := README.md $(EXAMPLE_CONFIG)
SUBST := s|@VERSION@|$(VERSION)|g; s|@BINDIR@|$(BINDIR)|g; \
	s|@SBINDIR@|$(SBINDIR)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g; \
	s|@UNITDIR@|$(UNITDIR)|g; s|@DATADIR@|$(DATADIR)|g; \
	s|@DOCDIR@|$(DOCDIR)|g; s|@BASHCOMPDIR@|$(BASHCOMPDIR)|g

.PHONY: uninstall FORCE
all: $(DIST_FILES)

# Rewritten only when a path changed, so the files below follow it.
$(DIST)/paths: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(SUBST)' | cmp -s - $@ || echo '$(SUBST)' >$@

# A placeholder left over (misspelt, or new and not in SUBST) fails the build.
define gen_dist
	$(msg) GEN $@
	$(Q)sed -e '$(SUBST)' $< >$@.tmp
	$(Q)if grep -n '@[A-Z]*@' $@.tmp /dev/null; then rm -f $@.tmp; exit 1; fi
	$(Q)mv $@.tmp $@
endef

$(DIST)/floodgated.service: tools/systemd/floodgated.service.in $(DIST)/paths
	$(gen_dist)

$(DIST)/%: user/man/%.in $(DIST)/paths
	$(gen_dist)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	install -m 0755 $(OUT)/floodgated $(DESTDIR)$(SBINDIR)/floodgated
	install -m 0755 $(OUT)/floodgate $(DESTDIR)$(BINDIR)/floodgate
	install -D -m 0644 $(DIST)/floodgated.service \
		$(DESTDIR)$(UNITDIR)/floodgated.service
	install -d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0644 $(addprefix $(DIST)/,$(MAN8)) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(addprefix $(DIST)/,$(MAN5)) $(DESTDIR)$(MANDIR)/man5/
	install -D -m 0644 tools/bash-completion/floodgate \
		$(DESTDIR)$(BASHCOMPDIR)/floodgate
	install -d $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	install -m 0644 $(SHARE_FILES) $(DESTDIR)$(DATADIR)/
	install -m 0644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/
	@if [ -e $(DESTDIR)$(ETC_CONFIG) ] || [ -L $(DESTDIR)$(ETC_CONFIG) ]; then \
		echo "kept $(DESTDIR)$(ETC_CONFIG); the new example is $(DESTDIR)$(DOCDIR)/$(notdir $(EXAMPLE_CONFIG))"; \
	else \
		echo "install -D -m 0644 $(EXAMPLE_CONFIG) $(DESTDIR)$(ETC_CONFIG)"; \
		install -D -m 0644 $(EXAMPLE_CONFIG) $(DESTDIR)$(ETC_CONFIG); \
	fi
	@[ -n "$(DESTDIR)" ] || echo "next: set interfaces: in $(ETC_CONFIG), then systemctl daemon-reload && systemctl enable --now floodgated"

# Not while the datapath is pinned: it would stay attached with no CLI left to
# detach it.
PIN_DIR_DEFAULT := $(shell sed -n 's/^\#define FG_PIN_DIR_DEFAULT "\(.*\)"/\1/p' include/fg_abi.h)

uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d $(PIN_DIR_DEFAULT) ]; then \
		echo "$(PIN_DIR_DEFAULT) exists: floodgate is still attached; first: systemctl stop floodgated && floodgate detach" >&2; \
		exit 1; fi
	rm -f $(DESTDIR)$(SBINDIR)/floodgated $(DESTDIR)$(BINDIR)/floodgate \
		$(DESTDIR)$(UNITDIR)/floodgated.service \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(MAN8)) \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(MAN5)) \
		$(DESTDIR)$(BASHCOMPDIR)/floodgate \
		$(addprefix $(DESTDIR)$(DATADIR)/,$(notdir $(SHARE_FILES))) \
		$(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOC_FILES)))
	rmdir --ignore-fail-on-non-empty $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	@if [ -e $(DESTDIR)$(ETC_CONFIG) ]; then \
		echo "kept $(DESTDIR)$(ETC_CONFIG): remove it yourself if it is not wanted"; fi
# end of install ----------------------------------------------------------------

clean:
	rm -rf $(OUT)

# benchmarks ------------------------------------------------------------------
# Build rules only for tools/bench/ (outputs in build/bench/); `make bench`
# (above) runs tools/bench/run.sh, which builds these with `make bench-build`.
BENCH_OUT := $(OUT)/bench
BENCH_SKELS := $(BENCH_OUT)/bench_progs.skel.h $(BENCH_OUT)/bench_gen.skel.h \
	$(BENCH_OUT)/bench_stages.skel.h
BENCH_BINS := $(BENCH_OUT)/fg-bench-cost $(BENCH_OUT)/fg-bench-gen \
	$(BENCH_OUT)/fg-bench-table $(BENCH_OUT)/fg-bench-fleet \
	$(BENCH_OUT)/fg-bench-chain
BENCH_CFLAGS := -Itests/bpf

.PHONY: bench-build
.SECONDARY: $(BENCH_SKELS) $(BENCH_SKELS:.skel.h=.bpf.o)
bench-build: $(BENCH_BINS)

$(BENCH_OUT):
	$(Q)mkdir -p $@

$(BENCH_OUT)/%.bpf.o: tools/bench/%.bpf.c | $(BENCH_OUT)
	$(msg) BPF $@
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_OUT)/%.skel.h: $(BENCH_OUT)/%.bpf.o
	$(msg) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

$(BENCH_OUT)/%.o: tools/bench/%.c | $(SKEL) $(BENCH_SKELS) $(TEST_SKEL)
	$(msg) CC $@
	$(Q)$(CC) $(CFLAGS) $(BENCH_CFLAGS) -c $< -o $@

$(BENCH_OUT)/fg-bench-cost: $(BENCH_OUT)/fg-bench-cost.o \
		$(BENCH_OUT)/bench_config.o $(OUT)/tests/bpf/fixture.o \
		$(OUT)/tests/bpf/pkt.o $(LIB)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_CLI)

$(BENCH_OUT)/fg-bench-chain: $(BENCH_OUT)/fg-bench-chain.o \
		$(OUT)/tests/bpf/fixture.o $(OUT)/tests/bpf/pkt.o $(LIB)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_CLI)

$(BENCH_OUT)/fg-bench-gen: $(BENCH_OUT)/fg-bench-gen.o $(OUT)/tests/bpf/pkt.o \
		$(OUT)/tools/loadgen/egress.o $(LIB)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_CLI)

$(BENCH_OUT)/fg-bench-fleet: $(BENCH_OUT)/fg-bench-fleet.o $(LIB)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_CLI)

$(BENCH_OUT)/fg-bench-table: $(BENCH_OUT)/fg-bench-table.o $(LIB)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_CLI)
# end of benchmarks -------------------------------------------------------------

# user-space fuzzing -------------------------------------------------------------
# libFuzzer targets (tests/fuzz/fuzz_*.c) over the library built apart with
# clang, coverage and ASan+UBSan, into build/fuzz/. `make tests` builds them
# and tests/fuzz/test_fuzz_replay.sh replays the corpora and regressions;
# `make fuzz-user FUZZ_SECONDS=N` runs each target for N seconds.
FUZZ_OUT := $(OUT)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link -std=gnu11 -Wall -Wextra -Werror -MD -MP \
	-D_GNU_SOURCE -DFG_VERSION='"$(VERSION)"' -Iinclude -Iuser/lib \
	-Iuser/floodgate -I$(OUT) $(NL_CFLAGS) $(REPRO)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_OUT)/%)
FUZZ_LIB := $(FUZZ_OUT)/libfloodgate.a
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_OUT)/%.o) \
	$(FUZZ_OUT)/user/floodgate/args.o

fuzz-build: $(FUZZ_BINS)

$(FUZZ_OUT)/%.o: %.c | $(SKEL)
	$(msg) CC-FUZZ $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	$(msg) AR $@
	$(Q)rm -f $@
	$(Q)ar rcsD $@ $^

$(FUZZ_OUT)/fuzz_%: $(FUZZ_OUT)/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	$(msg) LD $@
	$(Q)$(CLANG) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS_DAEMON)

fuzz-user: deps fuzz-build
	$(Q)tests/fuzz/fuzz-user.sh $(or $(FUZZ_SECONDS),60)
# end of user-space fuzzing -------------------------------------------------------

# quality gates ---------------------------------------------------------------
# lint needs every generated header its C files include, and only those:
# the skeletons of the datapath, of the test programs (tests/progs/) and
# of the benchmarks (tests/gates/test_lint.sh runs it on a fresh clone).
# SANITIZE=1 builds with ASan + UBSan (any report aborts); `make tests`
# also builds that copy in build/san/ for the sanitizer suites
# (tests/gates/). `make reproducible` builds the tree twice in two
# directories and compares every output.
LINT_SH := .ci/run tools/bash-completion/floodgate $(sort $(wildcard tests/*.sh tests/*/*.sh tools/*.sh tools/*/*.sh))
SAN_OUT := $(OUT)/san

.PHONY: san reproducible repro-outputs

lint: $(SKEL) $(TEST_SKEL) $(BENCH_SKELS)
	$(Q)tools/lint.sh $(LINT_C) --sh $(LINT_SH)

ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
san: all $(UNIT_BINS) $(BPFTEST_BINS)
	@:
else
tests: san

san:
	$(Q)$(MAKE) --no-print-directory OUT=$(SAN_OUT) SANITIZE=1 san
endif

reproducible:
	$(Q)tools/reproducible.sh

# What tools/reproducible.sh builds twice and compares: everything but the
# sanitizer copy (the same sources again, only slower to build).
repro-outputs: all $(UNIT_BINS) $(BPFTEST_BINS) bench-build
# end of quality gates ----------------------------------------------------------

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
