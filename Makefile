# kdive — one command from fork() to kernel_clone under QEMU and gdb.
#
#   make            build the controller, $(O)/kdive
#   make run        install what running needs, build kernel + initramfs, run the fork scenario
#   make test       install what the tests need too, unit tests + integration tests (real kernel)
#   make test-tools the tests' own tools from npm (the MCP SDK, DAP's test support), into
#                   the cache
#   make test-faults  the fault suite alone (make test runs it too)
#   make test-distro  opt-in: Debian's own 6.1 kernel (downloaded once) passes fork.scn
#   make test-pipeline  opt-in: the CI templates in ci/ run here (gitlab-ci-local)
#   make unit       unit tests only (pure modules, ASan + UBSan), a few seconds
#   make check      sanitizer build of the unit tests and the fuzzers (needs clang)
#   make mutate     plant each bug listed in tests/mutations into a copy of the tree, run
#                   the test named for it; fails when one survives (a few minutes)
#   make coverage   line and branch coverage of harness/ over make test's suites (lcov)
#   make kernel     build (or reuse from the cache) the kernel
#   make initramfs  build (or reuse) the initramfs
#   make deps       check what running needs and install the missing Debian packages (root)
#   make test-deps  the same for what the tests need too (chromium, lcov, linux-source-6.1...)
#   make install    install kdive, its data, man pages, docs and bash completion under
#                   $(DESTDIR)$(PREFIX) (default /usr/local); make uninstall removes them
#   make man        regenerate docs/kdive.1 from the commands' --help
#   make clean      remove $(O)
#
# O=DIR puts objects elsewhere (default build/), V=1 shows full command lines.

O ?= build
V ?= 0
CC ?= cc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wno-format-nonliteral -Wmissing-prototypes \
	-Wstrict-prototypes -Wno-missing-field-initializers
ifneq ($(CI),)
WARN += -Werror
endif
# The layers: base (strings, JSON, processes), image (kernel, initramfs), guest (gdb,
# QEMU, session, run), check (scenarios, matching, reports), cmd (the command line).
HARNESS_DIRS := base image guest check cmd
INCLUDES := $(addprefix -iquote harness/,$(HARNESS_DIRS))
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -MMD -MP $(INCLUDES) -DKDIVE_SRCDIR='"$(CURDIR)"'
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

HARNESS_SRC := $(sort $(foreach d,$(HARNESS_DIRS),$(wildcard harness/$(d)/*.c)))
LIB_SRC := $(filter-out harness/cmd/main.c,$(HARNESS_SRC))
UNIT_SRC := tests/test.c $(sort $(wildcard tests/unit/*.c))

KDIVE := $(O)/kdive
KDIVE_OBJ := $(HARNESS_SRC:%.c=$(O)/obj/%.o)
UNIT_BIN := $(O)/tests/unit
UNIT_OBJ := $(LIB_SRC:%.c=$(O)/asan/%.o) $(UNIT_SRC:%.c=$(O)/asan/%.o)

.PHONY: all run test unit check kernel initramfs deps clean integration test-distro test-faults \
	mutate coverage coverage-build install uninstall man test-tools test-deps test-pipeline
.DEFAULT_GOAL := all

all: $(KDIVE)

$(KDIVE): $(KDIVE_OBJ)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC-SAN,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -iquote tests -c -o $@ $<

$(UNIT_BIN): $(UNIT_OBJ)
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

# The fast check: pure modules under AddressSanitizer and UBSan, no QEMU.
unit: $(UNIT_BIN)
	$(Q)ASAN_OPTIONS=detect_leaks=1 $(UNIT_BIN)

# Dependencies, by purpose: kdive doctor knows the list and marks each run or test;
# --fix installs (root) or prints the command. deps is what building and running need
# (make run: no browser, no lcov, no second kernel source); test-deps adds what only
# the tests use, for every target that runs tests.
deps: $(KDIVE)
	$(Q)$(KDIVE) doctor --fix

test-deps: $(KDIVE)
	$(Q)$(KDIVE) doctor --fix --test

kernel: deps
	$(Q)$(KDIVE) build --only kernel

initramfs: deps
	$(Q)$(KDIVE) build --only initramfs

# The main job: everything that is missing, then the fork scenario end to end.
run: deps
	$(Q)$(KDIVE) build
	$(Q)$(KDIVE) run -v scenarios/fork.scn

# The tests' tools that are no Debian package: the official MCP SDK, which drives kdive
# serve in t_mcp_sdk_drives_a_fork_session, and Microsoft's DAP test support (its
# DebugClient), which drives kdive dap in t_dap_debug_client_drives_fork, each installed
# by npm (a test dependency, like tmux) into the cache at a pinned version, once
# (tests/tools/install-mcp-sdk, tests/tools/install-dap-testsupport). Never for make run.
test-tools: test-deps
	$(Q)tests/tools/install-mcp-sdk >/dev/null
	$(Q)tests/tools/install-dap-testsupport >/dev/null

# The test driver's self-test (a failing check fails its test; time, process and file
# limits hold), unit tests, then integration tests against the real kernel, QEMU and
# gdb (t_mutation_list_applies among them: every planted bug of make mutate still
# applies), then the fault suite (signals, dead children, panics, a damaged cache,
# concurrent builds).
test: test-deps test-tools $(UNIT_BIN)
	$(Q)tests/run --self-test
	$(Q)KDIVE=$(abspath $(KDIVE)) UNIT=$(abspath $(UNIT_BIN)) tests/run
	$(Q)KDIVE=$(abspath $(KDIVE)) tests/faults

test-faults: test-deps
	$(Q)KDIVE=$(abspath $(KDIVE)) tests/faults

# Opt-in: Debian's own 6.1 kernel (fetches ~890 MB of packages once) passes fork.scn.
test-distro: test-deps
	$(Q)KDIVE=$(abspath $(KDIVE)) tests/distro

# Opt-in: the CI templates in ci/ run here for real (tests/pipeline): ci/gitlab-ci.yml
# under gitlab-ci-local (npm, pinned, into the cache: tests/tools/install-gitlab-ci-local)
# with its shell executor, 2 kernels x 2 shards and a merge job, its merged reports
# checked; ci/github-actions.yml parsed and its steps' shell run. A few minutes, with
# the kernels in the cache.
test-pipeline: test-deps $(KDIVE)
	$(Q)KDIVE=$(abspath $(KDIVE)) tests/pipeline

integration: test-deps test-tools
	$(Q)KDIVE=$(abspath $(KDIVE)) tests/run --integration-only

# Coverage: kdive and the unit tests built with gcov's counters in $(O)/cov (the kernel
# and initramfs come from the cache as usual), the unit, integration and fault suites run
# against them, then tests/coverage prints line and branch coverage of harness/, file by
# file, and every function under 50 %; HTML in $(O)/cov/html. lcov is a test dependency:
# test-deps installs it (root) or says how.
COV_O := $(O)/cov
coverage: test-deps test-tools
	$(Q)O=$(O) tests/coverage

coverage-build:
	$(Q)$(MAKE) --no-print-directory O=$(COV_O) CFLAGS='-O0 -g --coverage -DKDIVE_COVERAGE' \
		$(COV_O)/kdive $(COV_O)/tests/unit

# Sanitizers (the unit tests run under ASan + UBSan), then a fuzzer for each parser of
# outside input (MI, scenarios, ELF, kconfig fragments, the syscall table, the initramfs
# spec, kdive serve's requests, kdive dap's framing, JSON) for FUZZ_TIME s each, 60 by
# default (tests/fuzz/fuzz.mk).
check: unit
	$(Q)$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk O=$(O) check

# The tests, tested: each planted bug in tests/mutations must be caught by the fastest
# suite that should catch it (mostly the unit tests; a few need a guest). The objects
# built here seed the copy, so each mutant recompiles one file.
mutate: test-deps $(UNIT_BIN)
	$(Q)O=$(O) tests/mutate

# ---- install: the binary, its data (what cli_datadir() looks for under share/kdive, and
# the editors' set-up for kdive dap in share/kdive/editors), the man pages, the docs that --help and the man page point to (share/doc/kdive: the
# design, the JSON result schema, serve's protocol) and the bash completion; uninstall
# removes exactly the files listed, then kdive's own directories (share/kdive and what
# is under it, share/doc/kdive) when empty. Never bin, share/man/man1
# or another standard directory, even empty: it may have been there before (Debian
# ships an empty /usr/local/bin), and install cannot tell (automake's uninstall leaves
# directories alone for the same reason).
PREFIX ?= /usr/local
DATA_FILES := gdbinit/kdive.py gdbinit/README.md $(wildcard kconfig/*.config) \
	initramfs/files initramfs/init initramfs/wait.c $(wildcard initramfs/progs/*.c) \
	$(wildcard scenarios/*.scn) scenarios/README.md \
	$(wildcard scenarios/selftests/*.scn) scenarios/selftests/README.md \
	editors/README.md editors/nvim-dap.lua editors/dape.el editors/vscode/package.json \
	editors/vscode/kdive-dap
DOC_FILES := docs/design.md docs/result.schema.json docs/serve.md
INSTALLED := bin/kdive $(DATA_FILES:%=share/kdive/%) $(DOC_FILES:docs/%=share/doc/kdive/%) \
	share/man/man1/kdive.1 share/man/man5/kdive-scenario.5 \
	share/bash-completion/completions/kdive
# Deepest first, for rmdir.
KDIVE_DIRS := share/kdive/initramfs/progs share/kdive/initramfs share/kdive/gdbinit \
	share/kdive/kconfig share/kdive/scenarios/selftests share/kdive/scenarios \
	share/kdive/editors/vscode share/kdive/editors share/kdive \
	share/doc/kdive
# The destination quoted once for the shell, as git's Makefile does (*_SQ): a PREFIX or
# DESTDIR with blanks or quotes stays one word in every command below ('/opt/my dir'
# unquoted made uninstall delete ./dir/bin/kdive in the source tree).
sq = '$(subst ','\'',$(1))'
DEST_SQ = $(call sq,$(DESTDIR)$(PREFIX))

install: $(KDIVE)
	$(call say,INSTALL,$(DEST_SQ))
	$(Q)install -D -m 0755 $(KDIVE) $(DEST_SQ)/bin/kdive
	$(Q)for f in $(DATA_FILES); do \
		install -D -m 0644 "$$f" $(DEST_SQ)/share/kdive/"$$f" || exit 1; done
	$(Q)chmod 0755 $(DEST_SQ)/share/kdive/initramfs/init $(DEST_SQ)/share/kdive/editors/vscode/kdive-dap
	$(Q)for f in $(DOC_FILES); do \
		install -D -m 0644 "$$f" $(DEST_SQ)/share/doc/kdive/"$${f#docs/}" || exit 1; done
	$(Q)install -D -m 0644 docs/kdive.1 $(DEST_SQ)/share/man/man1/kdive.1
	$(Q)install -D -m 0644 docs/kdive-scenario.5 $(DEST_SQ)/share/man/man5/kdive-scenario.5
	$(Q)install -D -m 0644 completion/kdive.bash \
		$(DEST_SQ)/share/bash-completion/completions/kdive

uninstall:
	$(call say,UNINSTALL,$(DEST_SQ))
	$(Q)for f in $(INSTALLED); do rm -f -- $(DEST_SQ)/"$$f" || exit 1; done
	$(Q)for d in $(KDIVE_DIRS); do \
		if [ -d $(DEST_SQ)/"$$d" ]; then \
		rmdir --ignore-fail-on-non-empty -- $(DEST_SQ)/"$$d" || exit 1; fi; done

man: $(KDIVE)
	$(call say,GEN,docs/kdive.1)
	$(Q)docs/gen-man $(KDIVE) docs/kdive.1

clean:
	rm -rf $(O)

-include $(KDIVE_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
