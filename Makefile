# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# xdpdns build: BPF objects with clang -target bpf and bpftool skeletons,
# user space with gcc, libraries through pkg-config, everything under build/.
# `make help` lists the targets; V=1 shows full commands.

.DELETE_ON_ERROR:
.SUFFIXES:
.DEFAULT_GOAL := all

BUILD ?= build
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PROTOC_C ?= protoc-c
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

PKGS := libbpf libxdp libunbound libelf zlib libconfig libmicrohttpd jansson libcap-ng libsystemd \
	libfstrm libprotobuf-c
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)
LDNS_LIBS = $(shell pkg-config --libs ldns 2>/dev/null || echo -lldns)

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wno-missing-field-initializers
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -I. -I$(BUILD) \
	-Iuserspace $(PKG_CFLAGS)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-I. -I/usr/include/$(MULTIARCH) -mcpu=v3

# --- sources -----------------------------------------------------------------
BPF_PROGS := $(patsubst bpf/%.bpf.c,%,$(wildcard bpf/*.bpf.c))
BPF_OBJS := $(patsubst %,$(BUILD)/%.bpf.o,$(BPF_PROGS))
SKELS := $(patsubst %,$(BUILD)/%.skel.h,$(BPF_PROGS))
BPF_HDRS := $(wildcard bpf/*.h) $(wildcard maps/*.h)

LIB_SRCS := $(wildcard userspace/lib/*.c)
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
LIB := $(BUILD)/libxdpdns.a
DAEMON_SRCS := $(wildcard userspace/*.c)
# The daemon core (every module but main.c, and the embedded dashboard) is
# a library the unit tests link, as xdpdnsd does.
CORE_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(filter-out userspace/main.c,$(DAEMON_SRCS))) \
	$(BUILD)/userspace/dashboard.o $(BUILD)/userspace/dnstap.pb-c.o
# The dnstap schema (userspace/dnstap.proto) compiled by protoc-c into
# $(BUILD)/userspace/: generated at build time, never committed.
DNSTAP_PB := $(BUILD)/userspace/dnstap.pb-c.h
CORE := $(BUILD)/libxdpdnsd.a
CTL_SRCS := $(wildcard tools/xdpdnsctl/*.c)
CTL_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CTL_SRCS))

# tests/lib/cktest.c builds Check suites: only the Check runners link it.
CKTEST_OBJS := $(BUILD)/tests/lib/cktest.o
TESTLIB_SRCS := $(filter-out tests/lib/cktest.c,$(wildcard tests/lib/*.c))
TESTLIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(TESTLIB_SRCS))
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(UNIT_SRCS))
# BPF helpers of the netns tests: not the product's, so neither skeletons
# nor make test-kernel's loads (which take build/*.bpf.o) are made of them.
NETNS_BPF_OBJS := $(patsubst tests/netns/%.bpf.c,$(BUILD)/tests/%.bpf.o, \
	$(wildcard tests/netns/*.bpf.c))
BPFT_SRCS := $(filter-out tests/bpf/fuzz_xdp.c tests/bpf/bench_xdp.c tests/bpf/torn_xdp.c,$(wildcard tests/bpf/*.c))
BPFT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(BPFT_SRCS))

USER_HDRS := $(wildcard userspace/*.h userspace/lib/*.h tools/*/*.h tests/*/*.h) \
	$(wildcard maps/*.h) $(DNSTAP_PB)

BINS := $(if $(DAEMON_SRCS),$(BUILD)/xdpdnsd) $(if $(CTL_SRCS),$(BUILD)/xdpdnsctl)
TEST_BINS := $(if $(UNIT_SRCS),$(BUILD)/tests/unit_runner) \
	$(if $(BPFT_SRCS),$(BUILD)/tests/bpf_runner) \
	$(if $(wildcard tests/bpf/fuzz_xdp.c),$(BUILD)/tests/fuzz_xdp) \
	$(if $(wildcard tests/bpf/torn_xdp.c),$(BUILD)/tests/torn_xdp) \
	$(if $(wildcard tests/bpf/bench_xdp.c),$(BUILD)/tests/bench_xdp) \
	$(if $(wildcard tests/browser/feed_metrics.c),$(BUILD)/tests/feed_metrics)

.PHONY: all deps test test-unit test-bpf test-netns bench bench-cold bench-threads bench-xdp demo demo-anycast run \
	clean help format format-check
all: $(BPF_OBJS) $(SKELS) $(LIB) $(BINS) $(TEST_BINS) $(NETNS_BPF_OBJS)

help:
	@echo 'xdpdns targets:'
	@echo '  make deps       install the Debian 12 packages the project needs'
	@echo '  make            build everything under $(BUILD)/'
	@echo '  make test       deps, build, then every test suite (root)'
	@echo '  make test-unit  Check unit suites (no privileges)'
	@echo '  make test-bpf   BPF_PROG_TEST_RUN suites, the randomized and the concurrency tests'
	@echo '  make test-netns whole-system tests across network namespaces'
	@echo '  make test-kernel BPF suite and xdpdnsd on Debian 12 Linux 6.1 (qemu)'
	@echo '  make fuzz       libFuzzer targets, FUZZ_SECONDS (60) each'
	@echo '  make fuzz-smoke corpora, reproducers, a few seconds of each target'
	@echo '  make bench-xdp  ns per packet, XDP paths vs a minimal program'
	@echo '  make bench      dnsperf/kxdpgun: XDP vs daemon vs unbound; cold names; threads'
	@echo '  make bench-cold / bench-threads   those parts alone'
	@echo '  make demo       offline demo of the real thing (root)'
	@echo '  make demo-anycast two nodes behind one address: FRR, ECMP, failover (root)'
	@echo '  make run IFACE=eth1 LISTEN=192.0.2.53   run xdpdnsd for real'
	@echo '  make install    install under PREFIX (/usr/local), DESTDIR; config in /etc/xdpdns'
	@echo '  make uninstall  remove it again (a changed config stays)'
	@echo '  make deb        Debian package $(BUILD)/xdpdns_VERSION_ARCH.deb (debhelper)'
	@echo '  make test-pkg   man pages vs --help, the unit, make install (no root)'
	@echo '  make format     clang-format the tree in place'
	@echo 'V=1 shows full commands.'

deps:
	$(Q)tools/deps.sh

# Before `make deps` the first compile would die deep in a header: say in
# one line what to run instead. Checked once per build directory.
$(BUILD)/.deps-ok: | $(BUILD)
	$(Q)missing=; \
	for t in $(CLANG) $(BPFTOOL) $(PROTOC_C) pkg-config; do \
		command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	for p in $(PKGS) check ldns; do \
		pkg-config --libs $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	test -f /usr/include/bpf/bpf_helpers.h || missing="$$missing bpf/bpf_helpers.h"; \
	if [ -n "$$missing" ]; then \
		echo "xdpdns: missing build dependencies ($${missing# }): run 'make deps' (as root) first" >&2; \
		exit 2; fi
	@touch $@

# --- BPF ---------------------------------------------------------------------
$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)/.deps-ok
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o
	$(Q)rm -f $@.tmp.o

$(BUILD)/tests/%.bpf.o: tests/netns/%.bpf.c | $(BUILD)/.deps-ok
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o
	$(Q)rm -f $@.tmp.o

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .,_,$*) > $@

# --- user space --------------------------------------------------------------
$(BUILD)/%.o: %.c $(USER_HDRS) $(SKELS) | $(BUILD)/.deps-ok
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c $< -o $@

# protoc-c writes the .c and the .h in one run; the .c waits for the .h.
$(DNSTAP_PB): userspace/dnstap.proto | $(BUILD)/.deps-ok
	$(call msg,PROTOC,$@)
	@mkdir -p $(@D)
	$(Q)$(PROTOC_C) --proto_path=. --c_out=$(BUILD) $<
$(BUILD)/userspace/dnstap.pb-c.c: $(DNSTAP_PB)
	@test -f $@ && touch $@

$(BUILD)/userspace/dnstap.pb-c.o: $(BUILD)/userspace/dnstap.pb-c.c $(DNSTAP_PB)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(CORE): $(CORE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/xdpdnsd: $(BUILD)/userspace/main.o $(CORE) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

# xdpdnsctl presents records, types and names with libldns; the daemon
# does not link it.
$(BUILD)/xdpdnsctl: $(CTL_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $(CTL_OBJS) $(LIB) $(LDNS_LIBS) $(PKG_LIBS)

$(BUILD)/tests/unit_runner: $(UNIT_OBJS) $(TESTLIB_OBJS) $(CKTEST_OBJS) $(CORE) $(LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDNS_LIBS) $(CHECK_LIBS) $(PKG_LIBS)

# The browser suite's metrics feed, built here too so that a change that
# breaks it fails the build, not only the browser suite.
$(BUILD)/tests/feed_metrics: $(BUILD)/tests/browser/feed_metrics.o $(CORE) $(LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lm -lpthread

$(BUILD)/tests/bpf_runner: $(BPFT_OBJS) $(TESTLIB_OBJS) $(CKTEST_OBJS) $(CORE) $(LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDNS_LIBS) $(CHECK_LIBS) $(PKG_LIBS)

$(BUILD)/tests/fuzz_xdp: $(BUILD)/tests/bpf/fuzz_xdp.o $(TESTLIB_OBJS) $(LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDNS_LIBS) $(PKG_LIBS)

# The cache under a writer thread and a reader per CPU (make test-bpf).
$(BUILD)/tests/torn_xdp: $(BUILD)/tests/bpf/torn_xdp.o $(TESTLIB_OBJS) $(LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDNS_LIBS) $(PKG_LIBS) -lpthread

$(BUILD)/tests/bench_xdp: $(BUILD)/tests/bpf/bench_xdp.o $(TESTLIB_OBJS) $(LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDNS_LIBS) $(PKG_LIBS)

$(BUILD):
	@mkdir -p $@

# The dashboard page is served from the binary: the assembler's .incbin
# puts the file itself into .rodata, so nothing is generated or committed.
$(BUILD)/userspace/dashboard.o: userspace/dashboard.S tools/dashboard/index.html | $(BUILD)/.deps-ok
	$(call msg,AS,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -c -I. $< -o $@

# --- fuzzing ----------------------------------------------------------------
# libFuzzer targets (tests/fuzz/fuzz_NAME.c) against a sanitized copy of the
# code they test: the user-space library and the daemon core compiled
# again with clang, ASan and UBSan (every UBSan report fatal) under
# $(BUILD)/fuzz/, so a finding aborts and leaves its input behind.
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link $(WARN) -std=gnu11 -D_GNU_SOURCE -I. \
	-I$(BUILD) -Iuserspace $(PKG_CFLAGS)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_LIB_OBJS := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(LIB_SRCS))
FUZZ_CORE_OBJS := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o, \
	$(filter-out userspace/main.c,$(DAEMON_SRCS))) \
	$(BUILD)/userspace/dashboard.o $(BUILD)/fuzz/obj/userspace/dnstap.pb-c.o
FUZZ_HARNESS_OBJS := $(BUILD)/fuzz/obj/tests/fuzz/harness.o
FUZZ_SECONDS ?= 60
# Kept after the link, as every other object is.
.SECONDARY: $(FUZZ_HARNESS_OBJS) \
	$(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_SRCS))

.PHONY: fuzz fuzz-smoke fuzz-corpus
all: $(FUZZ_BINS)

# libFuzzer's runtime, checked once: the package build (pkg-files) and
# test-unit do not need it.
$(BUILD)/fuzz/.deps-ok: | $(BUILD)/.deps-ok
	$(Q)test -f "$$($(FUZZ_CC) -print-resource-dir 2>/dev/null)/lib/linux/libclang_rt.fuzzer-$$(uname -m).a" || \
		{ echo "xdpdns: missing build dependencies (libFuzzer of $(FUZZ_CC)): run 'make deps' (as root) first" >&2; \
		exit 2; }
	@mkdir -p $(@D) && touch $@

$(BUILD)/fuzz/obj/%.o: %.c $(USER_HDRS) $(SKELS) | $(BUILD)/fuzz/.deps-ok
	$(call msg,FUZZCC,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/obj/userspace/dnstap.pb-c.o: $(BUILD)/userspace/dnstap.pb-c.c $(DNSTAP_PB) | $(BUILD)/fuzz/.deps-ok
	$(call msg,FUZZCC,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/libxdpdns.a: $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/libxdpdnsd.a: $(FUZZ_CORE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/obj/tests/fuzz/fuzz_%.o $(FUZZ_HARNESS_OBJS) \
		$(BUILD)/fuzz/libxdpdnsd.a $(BUILD)/fuzz/libxdpdns.a
	$(call msg,LINK,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDNS_LIBS) \
		$(PKG_LIBS)

# `make fuzz`: every target for FUZZ_SECONDS, from its corpus; new inputs
# go to $(BUILD)/fuzz/corpus/, findings to $(BUILD)/fuzz/crashes/.
fuzz: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh --seconds $(FUZZ_SECONDS) $(BUILD)

# The seed corpora are committed; this rewrites them from the script (and
# fuzz_render's from the entries of the response corpus).
$(BUILD)/fuzz/gen_render_seeds: $(BUILD)/tests/fuzz/gen_render_seeds.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^

fuzz-corpus: $(CONF_EXAMPLE) $(BUILD)/fuzz/gen_render_seeds
	$(Q)tests/fuzz/gen-corpus.py $(BUILD)
	$(Q)rm -rf tests/fuzz/corpus/render && mkdir -p tests/fuzz/corpus/render
	$(Q)$(BUILD)/fuzz/gen_render_seeds tests/fuzz/corpus/render \
		tests/fuzz/corpus/response/*

# `make fuzz-smoke`: corpora and reproducers replayed, then a few seconds of
# mutation per target with a fixed seed; tests/run-all.sh runs it.
fuzz-smoke: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh $(BUILD)

# --- man pages, the shipped config, install, Debian package -----------------
# xdpdnsd(8), xdpdnsctl(8) and xdpdnsd.conf are generated by xdpdns-gen (not
# installed) from the same tables as --help; version and date come from
# tools/debian/changelog. `make install` honours PREFIX and DESTDIR and keeps
# an existing config; `make deb` builds the package with debhelper in a copy
# of the tree under $(BUILD)/deb, with tools/debian as debian/.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
PKG_VERSION := $(shell head -n 1 tools/debian/changelog | cut -d' ' -f2 | tr -d '()')
PKG_DATE := $(shell date -u +%F -d "$$(sed -n 's/^ -- .*>  //p' tools/debian/changelog | head -n 1)" 2>/dev/null)
GEN := $(BUILD)/tools/xdpdns-gen
MAN_PAGES := $(BUILD)/man/xdpdnsd.8 $(BUILD)/man/xdpdnsctl.8
CONF_EXAMPLE := $(BUILD)/xdpdnsd.conf.example
# The systemd units: the daemon, the hot-set pull from a peer with its timer
# and the anycast agent (installed, not enabled: they need
# /etc/xdpdns/hotset-pull.env and /etc/xdpdns/announce.env).
UNITS := xdpdnsd.service xdpdns-hotset-pull.service xdpdns-hotset-pull.timer \
	xdpdns-announce.service
PKG_FILES := $(BUILD)/xdpdnsd $(BUILD)/xdpdnsctl $(MAN_PAGES) $(CONF_EXAMPLE)
CONF_DEST = $(DESTDIR)$(SYSCONFDIR)/xdpdns/xdpdnsd.conf
DEB_ARCH = $(shell dpkg --print-architecture 2>/dev/null)
DEB_DIR = $(BUILD)/deb
DEB_SRC = $(DEB_DIR)/xdpdns-$(PKG_VERSION)
DEB = $(BUILD)/xdpdns_$(PKG_VERSION)_$(DEB_ARCH).deb
# The package builds from its own tree with its own make: nothing of this
# make's command line (BUILD=, MAKEFLAGS) or environment may reach it, or
# its `make clean` would remove this $(BUILD).
DEB_ENV = env -i PATH="$$PATH" HOME="$$HOME" $(foreach v,DEB_BUILD_OPTIONS \
	DEB_BUILD_PROFILES SOURCE_DATE_EPOCH,$(if $($(v)),$(v)='$($(v))'))

.PHONY: pkg-files install uninstall deb test-pkg
all: $(MAN_PAGES) $(CONF_EXAMPLE)
pkg-files: $(PKG_FILES)

$(GEN): $(BUILD)/tools/gen/xdpdns-gen.o $(BUILD)/userspace/config.o \
		$(BUILD)/tools/xdpdnsctl/help.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/man/%.8: $(GEN) tools/debian/changelog
	$(call msg,GEN,$@)
	@mkdir -p $(@D)
	$(Q)$(GEN) $*.8 $(PKG_DATE) > $@

$(CONF_EXAMPLE): $(GEN)
	$(call msg,GEN,$@)
	$(Q)$(GEN) xdpdnsd.conf > $@

install: $(PKG_FILES)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX) $(DESTDIR)$(SYSCONFDIR))
	$(Q)install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/xdpdns
	$(Q)install -m 0755 $(BUILD)/xdpdnsd $(BUILD)/xdpdnsctl $(DESTDIR)$(SBINDIR)/
	$(Q)install -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man8/
	$(Q)for u in $(UNITS); do \
		sed -e '/^ExecStart=/s|/usr/sbin/|$(SBINDIR)/|' \
			-e '/^ExecStart=/s| /etc/xdpdns/| $(SYSCONFDIR)/xdpdns/|' \
			-e 's|^EnvironmentFile=/etc/xdpdns/|EnvironmentFile=$(SYSCONFDIR)/xdpdns/|' \
			-e 's|^ConditionPathExists=/etc/xdpdns/|ConditionPathExists=$(SYSCONFDIR)/xdpdns/|' \
			tools/systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	$(Q)if [ -e $(CONF_DEST) ]; then \
		echo "  KEEP     $(CONF_DEST) (new one: $(CONF_EXAMPLE))"; \
	else \
		install -m 0644 $(CONF_EXAMPLE) $(CONF_DEST); \
	fi

# A config that differs from the shipped one is the admin's: it stays.
uninstall: $(CONF_EXAMPLE)
	$(call msg,UNINST,$(DESTDIR)$(PREFIX) $(DESTDIR)$(SYSCONFDIR))
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/xdpdnsd $(DESTDIR)$(SBINDIR)/xdpdnsctl \
		$(DESTDIR)$(MANDIR)/man8/xdpdnsd.8 \
		$(DESTDIR)$(MANDIR)/man8/xdpdnsctl.8 \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS))
	$(Q)if cmp -s $(CONF_EXAMPLE) $(CONF_DEST); then \
		rm -f $(CONF_DEST); \
		rmdir $(DESTDIR)$(SYSCONFDIR)/xdpdns 2>/dev/null || :; \
	elif [ -e $(CONF_DEST) ]; then \
		echo "  KEEP     $(CONF_DEST) (changed; remove it by hand)"; \
	fi

deb:
	$(call msg,DEB,$(DEB))
	$(Q)grep -q '^#define XDPDNS_VERSION "$(PKG_VERSION)"$$' userspace/config.c || \
		{ echo "deb: tools/debian/changelog is at $(PKG_VERSION), XDPDNS_VERSION in userspace/config.c is not" >&2; exit 1; }
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_SRC)
	$(Q)cp -a bpf userspace maps tools tests Makefile README.md .clang-format \
		$(DEB_SRC)/
	$(Q)cp -a tools/debian $(DEB_SRC)/debian
	$(Q)cd $(DEB_SRC) && if [ "$(V)" = 1 ]; then \
		$(DEB_ENV) dpkg-buildpackage -b -us -uc -Jauto; \
	else \
		$(DEB_ENV) dpkg-buildpackage -b -us -uc -Jauto >../build.log 2>&1 || \
		{ tail -n 40 ../build.log >&2; \
		  echo "deb: failed, full log in $(DEB_DIR)/build.log" >&2; exit 1; }; \
	fi
	$(Q)mv $(DEB_DIR)/$(notdir $(DEB)) $(DEB)
	@echo "  deb: $(DEB)"

test-pkg: pkg-files
	$(Q)tests/pkg/test_files.sh $(BUILD)

# --- tests and benchmarks ----------------------------------------------------
# `make test` is the one command CI and a new user run: deps, build, all suites.
test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run-all.sh $(BUILD)

test-unit: $(BUILD)/tests/unit_runner
	$(Q)$(BUILD)/tests/unit_runner

test-bpf: $(BUILD)/tests/bpf_runner $(BUILD)/tests/fuzz_xdp $(BUILD)/tests/torn_xdp $(BPF_OBJS)
	$(Q)$(BUILD)/tests/bpf_runner $(BUILD)
	$(Q)$(BUILD)/tests/fuzz_xdp $(BUILD)
	$(Q)$(BUILD)/tests/torn_xdp $(BUILD)
	$(Q)$(BUILD)/tests/torn_xdp --no-quarantine $(BUILD)

test-netns: all
	$(Q)tests/netns/run.sh $(BUILD)
	$(Q)XD_THREADS=1 tests/netns/run.sh $(BUILD) test_daemon.sh test_burst.sh

bench-xdp: all
	$(Q)$(BUILD)/tests/bench_xdp $(BUILD)

bench: all
	$(Q)tests/netns/bench.sh $(BUILD)
	$(Q)if [ "$${BENCH_COLD:-1}" != 0 ]; then tests/netns/bench_cold.sh $(BUILD); fi
	$(Q)if [ "$${BENCH_THREADS:-1}" != 0 ]; then tests/netns/bench_threads.sh $(BUILD); fi

# The cold part alone: names never asked before, at rising rates.
bench-cold: all
	$(Q)tests/netns/bench_cold.sh $(BUILD)

# The threads part alone: --threads 1 and 2 against unbound's 1 and 2.
bench-threads: all
	$(Q)tests/netns/bench_threads.sh $(BUILD)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/netns/demo.sh $(BUILD)

demo-anycast: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/netns/demo_anycast.sh $(BUILD)

run: all
	$(Q)test -n "$(IFACE)" -a -n "$(LISTEN)" || \
		{ echo 'usage: make run IFACE=eth1 LISTEN=192.0.2.53 [ARGS=...]' >&2; exit 2; }
	$(BUILD)/xdpdnsd --interface $(IFACE) $(foreach a,$(LISTEN),--listen $(a)) $(ARGS)

FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	$(Q)clang-format -i $(FORMAT_SRCS)
format-check:
	$(Q)clang-format --dry-run -Werror $(FORMAT_SRCS)

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

# --- make test-kernel: the BPF suite and the daemon on Debian 12's own kernel,
# booted under qemu (tests/kernel/run.sh).
.PHONY: test-kernel
$(BUILD)/tests/prog_insns: $(BUILD)/tests/kernel/prog_insns.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

test-kernel: all $(BUILD)/tests/prog_insns
	$(Q)tests/kernel/run.sh $(BUILD)
