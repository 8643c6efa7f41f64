# Fuzz every parser that reads outside input, with libFuzzer (clang). Run from the top
# of the tree:
#
#   make -f tests/fuzz/fuzz.mk O=build check        (or fuzz-NAME for one target)
#
# builds each target $(O)/fuzz/fuzz_NAME (tests/fuzz/fuzz_NAME.c) with
# -fsanitize=fuzzer,address,undefined and runs it for FUZZ_TIME seconds (default 60)
# over $(O)/fuzz/corpus-NAME, seeded from real inputs:
#
#   mi         GDB/MI output        tests/mi/*.mi (the golden transcripts, whole and
#                                   without their '#' header)
#   scenario   scenarios            scenarios/*.scn
#   elf        ELF files            tiny objects and executables compiled here by clang
#   kconfig    config fragments     kconfig/*.config, alone and followed by a .config
#   syscalls   the syscall table    the cached kernels' syscalls_64.h, in pieces, and
#                                   a few lines written here
#   initramfs  the initramfs spec   initramfs/files
#   serve      kdive serve's        requests of both framings written here (JSON lines
#              requests             and MCP's JSON-RPC, good and bad), with no guest
#   tap        a program's TAP  texts written here: TAP 13 and 14, KTAP v1 nested,
#              and KTAP output  kselftest's, plans, directives, Bail out!
#   dap        kdive dap's framing  messages written here (Content-Length headers, good
#                                   and bad, several in a row)
#   json       JSON texts           texts written here: values of every kind, escapes,
#                                   numbers at their edges, deep nesting; each one that
#                                   parses is written back and must read back the same
#
# Each run prints libFuzzer's closing line (executions, exec/s) and stats. Findings are
# written to $(O)/fuzz/ as NAME-crash-*, NAME-leak-* or NAME-timeout-*, with the log
# in $(O)/fuzz/fuzz_NAME.log; replay one with `$(O)/fuzz/fuzz_NAME FILE`. Needs clang
# and its runtime (Debian: clang libclang-rt-14-dev); without them it says so and
# fails. Inputs are capped at FUZZ_MAX_LEN bytes (4096: MI records of interest are
# shorter, the seed ELF files fit; the unit tests cover lines of 100 KB and more).

O ?= build
CLANG ?= clang
FUZZ_TIME ?= 60
FUZZ_MAX_LEN ?= 4096

FUZZ_DIR := $(O)/fuzz
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Wall -Wextra -Wshadow -Wformat=2 -Wno-format-nonliteral -Wmissing-prototypes \
	-Wstrict-prototypes -Wno-missing-field-initializers \
	$(addprefix -iquote harness/,base image guest check cmd)
GOLDENS := $(sort $(wildcard tests/mi/*.mi))
# kdive's cache, as kdive_cache_dir() finds it (cache_dir.h).
KDIVE_CACHE_DIR := $(or $(KDIVE_CACHE),$(if $(XDG_CACHE_HOME),$(XDG_CACHE_HOME)/kdive),$(HOME)/.cache/kdive)
SYSCALL_TABLES := $(sort $(wildcard \
	$(KDIVE_CACHE_DIR)/kernel/*/arch/x86/include/generated/asm/syscalls_64.h))

# base's helpers (strings, allocation, diagnostics, files), which every target links.
BASE_SRC := $(addprefix harness/base/,wrapper.c usage.c strbuf.c strvec.c quote.c \
	progress.c sha256.c timeutil.c files.c lockfile.c cache_dir.c)
BASE_H := $(BASE_SRC:.c=.h)

FUZZ_MI := $(FUZZ_DIR)/fuzz_mi
FUZZ_MI_DICT := $(FUZZ_DIR)/mi.dict
FUZZ_MI_SRC := tests/fuzz/fuzz_mi.c tests/fuzz/fuzz.c harness/guest/mi.c $(BASE_SRC)

FUZZ_SCN := $(FUZZ_DIR)/fuzz_scenario
FUZZ_SCN_SRC := tests/fuzz/fuzz_scenario.c harness/check/scenario.c harness/check/guard.c \
	harness/check/scenario_stop.c harness/check/scenario_program.c harness/check/lexer.c \
	harness/check/errnos.c $(BASE_SRC)

FUZZ_ELF := $(FUZZ_DIR)/fuzz_elf
FUZZ_ELF_DICT := $(FUZZ_DIR)/elf.dict
FUZZ_ELF_SRC := tests/fuzz/fuzz_elf.c harness/base/elf.c $(BASE_SRC)

FUZZ_KCONFIG := $(FUZZ_DIR)/fuzz_kconfig
FUZZ_KCONFIG_DICT := $(FUZZ_DIR)/kconfig.dict
FUZZ_KCONFIG_SRC := tests/fuzz/fuzz_kconfig.c tests/fuzz/fuzz.c harness/image/kconfig.c \
	$(BASE_SRC)

FUZZ_SYSCALLS := $(FUZZ_DIR)/fuzz_syscalls
FUZZ_SYSCALLS_DICT := $(FUZZ_DIR)/syscalls.dict
FUZZ_SYSCALLS_SRC := tests/fuzz/fuzz_syscalls.c tests/fuzz/fuzz.c harness/image/syscalls.c \
	$(BASE_SRC)

# initramfs.c's spec parser comes with the module's build code and what it links.
FUZZ_INITRAMFS := $(FUZZ_DIR)/fuzz_initramfs
FUZZ_INITRAMFS_DICT := $(FUZZ_DIR)/initramfs.dict
FUZZ_INITRAMFS_SRC := tests/fuzz/fuzz_initramfs.c tests/fuzz/fuzz.c \
	harness/image/initramfs.c harness/image/manifest.c harness/image/cpio.c harness/base/deps.c \
	harness/base/elf.c harness/base/proc.c harness/base/proc_watch.c $(BASE_SRC)

# serve's protocol engine lives with the command layer: the whole library.
FUZZ_SERVE := $(FUZZ_DIR)/fuzz_serve
FUZZ_SERVE_DICT := $(FUZZ_DIR)/serve.dict
FUZZ_SERVE_SRC := tests/fuzz/fuzz_serve.c tests/fuzz/fuzz.c \
	$(filter-out harness/cmd/main.c,$(sort $(wildcard harness/*/*.c)))

# The JSON reader, and the writer that its trees are written back with.
FUZZ_JSON := $(FUZZ_DIR)/fuzz_json
FUZZ_JSON_DICT := $(FUZZ_DIR)/json.dict
FUZZ_JSON_SRC := tests/fuzz/fuzz_json.c tests/fuzz/fuzz.c harness/base/json.c \
	harness/base/json_read.c $(BASE_SRC)

# The TAP/KTAP parser of a program's output.
FUZZ_TAP := $(FUZZ_DIR)/fuzz_tap
FUZZ_TAP_DICT := $(FUZZ_DIR)/tap.dict
FUZZ_TAP_SRC := tests/fuzz/fuzz_tap.c tests/fuzz/fuzz.c harness/check/tap.c $(BASE_SRC)

# kdive dap's Content-Length framing.
FUZZ_DAP := $(FUZZ_DIR)/fuzz_dap
FUZZ_DAP_DICT := $(FUZZ_DIR)/dap.dict
FUZZ_DAP_SRC := tests/fuzz/fuzz_dap.c tests/fuzz/fuzz.c harness/cmd/dap_wire.c $(BASE_SRC)

TARGETS := mi scenario elf kconfig syscalls initramfs serve json tap dap

.PHONY: check have-clang $(addprefix fuzz-,$(TARGETS))
.DEFAULT_GOAL := check

check: $(addprefix fuzz-,$(TARGETS))

have-clang:
	@command -v $(CLANG) >/dev/null 2>&1 || { \
		echo "fuzz.mk: '$(CLANG)' not found; the fuzzers need clang with libFuzzer:" >&2; \
		echo "fuzz.mk:   apt-get install -y --no-install-recommends clang libclang-rt-14-dev" >&2; \
		exit 3; }

# $(call build,SOURCES): link the target $@ from SOURCES.
define build
	@mkdir -p $(dir $@)
	@echo "  CLANG   $@"
	@$(CLANG) $(FUZZ_CFLAGS) -o $@ $(1) $(2) || { \
		echo "fuzz.mk: building $@ failed; if the link could not find libclang_rt.fuzzer," >&2; \
		echo "fuzz.mk:   apt-get install -y --no-install-recommends libclang-rt-14-dev" >&2; \
		exit 3; }
endef

# $(call run,NAME,FLAGS): run fuzz_NAME over corpus-NAME for FUZZ_TIME s with extra
# libFuzzer FLAGS; on a finding show the log's end and fail, else show the stats.
define run
	@echo "  FUZZ    $(FUZZ_DIR)/fuzz_$(1) for $(FUZZ_TIME) s"
	@$(FUZZ_DIR)/fuzz_$(1) -max_total_time=$(FUZZ_TIME) -max_len=$(FUZZ_MAX_LEN) -timeout=10 \
		-print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/$(1)- $(2) \
		$(FUZZ_DIR)/corpus-$(1) > $(FUZZ_DIR)/fuzz_$(1).log 2>&1 || { \
		tail -n 60 $(FUZZ_DIR)/fuzz_$(1).log >&2; \
		echo "fuzz.mk: fuzz_$(1) found a problem; log in $(FUZZ_DIR)/fuzz_$(1).log," \
		     "input saved as $(FUZZ_DIR)/$(1)-*" >&2; \
		exit 1; }
	@grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' \
		$(FUZZ_DIR)/fuzz_$(1).log | sed 's/^/  /'
	@echo "  fuzz_$(1): no findings in $(FUZZ_TIME) s"
endef

# The MI parser, seeded from the golden transcripts.
$(FUZZ_MI): $(FUZZ_MI_SRC) harness/guest/mi.h $(BASE_H) | have-clang
	$(call build,$(FUZZ_MI_SRC))

# MI's punctuation and words, so that mutations make records and not only noise.
$(FUZZ_MI_DICT): tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' '"^done"' '"^running"' '"^connected"' '"^error"' '"^exit"' \
		'"*stopped"' '"*running"' '"=thread-group-added"' '"+download"' '"~\""' \
		'"@\""' '"&\""' '"(gdb) "' '",name=\""' '"={"' '"=["' '"}"' '"]"' '"\\\""' \
		'"\\\\"' '"\\n"' '"\\r\\n"' '"\\001"' '"\\377"' '"\\e"' '"\\x"' '"123^"' > $@

fuzz-mi: $(FUZZ_MI) $(FUZZ_MI_DICT)
	@test -n "$(GOLDENS)" || { echo "fuzz.mk: no tests/mi/*.mi to seed the corpus" >&2; exit 3; }
	@mkdir -p $(FUZZ_DIR)/corpus-mi
	@for f in $(GOLDENS); do \
		b=$${f##*/}; cp "$$f" "$(FUZZ_DIR)/corpus-mi/$$b"; \
		sed '/^#/d' "$$f" > "$(FUZZ_DIR)/corpus-mi/body-$$b"; \
	done
	$(call run,mi,-dict=$(FUZZ_MI_DICT))

# The scenario parser, seeded from the scenario library.
$(FUZZ_SCN): $(FUZZ_SCN_SRC) harness/check/scenario.h harness/check/scenario_parse.h \
		harness/check/guard.h harness/check/lexer.h harness/check/errnos.h $(BASE_H) | have-clang
	$(call build,$(FUZZ_SCN_SRC))

fuzz-scenario: $(FUZZ_SCN)
	@mkdir -p $(FUZZ_DIR)/corpus-scenario
	@cp scenarios/*.scn $(FUZZ_DIR)/corpus-scenario/
	$(call run,scenario,)

# The ELF reader, seeded with small files of the kinds kdive reads: objects with DWARF
# 5 and 4, a static executable with and without debug info, and a PIE with an
# interpreter. Packed (-z max-page-size=16) so that each fits in FUZZ_MAX_LEN.
$(FUZZ_ELF): $(FUZZ_ELF_SRC) harness/base/elf.h $(BASE_H) | have-clang
	$(call build,$(FUZZ_ELF_SRC))

# ELF's magic, the section names kdive looks up, and values of the types it checks.
$(FUZZ_ELF_DICT): tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' '"\x7fELF\x02\x01\x01"' '"\x3e\x00"' '".symtab"' '".strtab"' \
		'".shstrtab"' '".debug_info"' '".gdb_index"' '".text"' '"\x05\x00"' \
		'"\x04\x00"' '"\xff\xff\xff\xff"' '"\x01\x00\x00\x00"' '"\x03\x00\x00\x00"' \
		'"\x02\x00\x00\x00"' '"\x12"' '"\x11"' > $@

fuzz-elf: $(FUZZ_ELF) $(FUZZ_ELF_DICT)
	@mkdir -p $(FUZZ_DIR)/corpus-elf $(FUZZ_DIR)/elf-seed
	@printf '%s\n' 'const char kdive_greeting[] = "hello";' 'int kdive_counter = 1;' \
		'int kdive_seed(int x) { return x + kdive_counter + kdive_greeting[0]; }' \
		> $(FUZZ_DIR)/elf-seed/seed.c
	@cd $(FUZZ_DIR)/elf-seed && \
	small='-Os -fno-asynchronous-unwind-tables -Wl,--build-id=none -Wl,-z,norelro -Wl,-z,max-page-size=16 -Wl,-z,noseparate-code' && \
	$(CLANG) -c -g -Os -o ../corpus-elf/object-dwarf5.o seed.c && \
	$(CLANG) -c -gdwarf-4 -Os -o ../corpus-elf/object-dwarf4.o seed.c && \
	$(CLANG) -nostdlib -static -g $$small -Wl,-e,kdive_seed -o ../corpus-elf/static-debug seed.c && \
	$(CLANG) -nostdlib -static $$small -Wl,-e,kdive_seed -o ../corpus-elf/static seed.c && \
	$(CLANG) -nostdlib -fPIE -pie $$small -Wl,-e,kdive_seed \
		-Wl,-I,/lib64/ld-linux-x86-64.so.2 -o ../corpus-elf/pie-interp seed.c || { \
		echo "fuzz.mk: $(CLANG) could not build the ELF seeds in $(FUZZ_DIR)/elf-seed" >&2; \
		exit 3; }
	$(call run,elf,-dict=$(FUZZ_ELF_DICT))

# Kconfig fragments, seeded from kconfig/: each alone, and each followed by a NUL and
# a .config in which its requests survived, or its =y requests were turned off.
$(FUZZ_KCONFIG): $(FUZZ_KCONFIG_SRC) tests/fuzz/fuzz.h harness/image/kconfig.h \
		$(BASE_H) | have-clang
	$(call build,$(FUZZ_KCONFIG_SRC))

$(FUZZ_KCONFIG_DICT): tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' '"CONFIG_"' '"=y"' '"=m"' '"=n"' '"# "' '" is not set"' '"=\""' \
		'"\\\""' '"=0x"' '"=-"' '"\x00"' '"\x0d\x0a"' '" # "' > $@

fuzz-kconfig: $(FUZZ_KCONFIG) $(FUZZ_KCONFIG_DICT)
	@mkdir -p $(FUZZ_DIR)/corpus-kconfig
	@for f in kconfig/*.config; do \
		b=$${f##*/}; cp "$$f" "$(FUZZ_DIR)/corpus-kconfig/$$b"; \
		{ cat "$$f"; printf '\0'; grep '^CONFIG_' "$$f"; } \
			> "$(FUZZ_DIR)/corpus-kconfig/kept-$$b"; \
		{ cat "$$f"; printf '\0'; grep '^CONFIG_' "$$f" | \
			sed 's/^\(CONFIG_[A-Za-z0-9_]*\)=y$$/# \1 is not set/'; } \
			> "$(FUZZ_DIR)/corpus-kconfig/lost-$$b"; \
	done
	$(call run,kconfig,-dict=$(FUZZ_KCONFIG_DICT))

# The syscall table, seeded from the kernels in kdive's cache (in pieces of 120 lines:
# a whole table is longer than FUZZ_MAX_LEN) and from a few lines of every form.
$(FUZZ_SYSCALLS): $(FUZZ_SYSCALLS_SRC) tests/fuzz/fuzz.h harness/image/syscalls.h \
		$(BASE_H) | have-clang
	$(call build,$(FUZZ_SYSCALLS_SRC))

$(FUZZ_SYSCALLS_DICT): tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' '"__SYSCALL("' '"__SYSCALL_NORETURN("' '", sys_"' '")"' \
		'"sys_ni_syscall"' '"sys_new"' '"4095"' '"4096"' > $@

fuzz-syscalls: $(FUZZ_SYSCALLS) $(FUZZ_SYSCALLS_DICT)
	@mkdir -p $(FUZZ_DIR)/corpus-syscalls
	@printf '%s\n' '__SYSCALL(0, sys_read)' '__SYSCALL(4, sys_newstat)' \
		'__SYSCALL(56, sys_clone)' '__SYSCALL_NORETURN(60, sys_exit)' \
		'__SYSCALL(335, sys_ni_syscall)' '#ifdef X' '__SYSCALL(12' \
		> $(FUZZ_DIR)/corpus-syscalls/lines
	@for f in $(SYSCALL_TABLES); do \
		k=$${f%/arch/*}; k=$${k##*/}; \
		split -l 120 "$$f" "$(FUZZ_DIR)/corpus-syscalls/table-$$k-"; \
	done
	$(call run,syscalls,-dict=$(FUZZ_SYSCALLS_DICT))

# The initramfs spec, seeded from initramfs/files.
$(FUZZ_INITRAMFS): $(FUZZ_INITRAMFS_SRC) tests/fuzz/fuzz.h harness/image/initramfs.h \
		harness/image/cpio.h harness/base/deps.h harness/base/elf.h \
		harness/base/proc.h $(BASE_H) | have-clang
	$(call build,$(FUZZ_INITRAMFS_SRC))

$(FUZZ_INITRAMFS_DICT): tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' '"dir "' '"nod "' '"slink "' '"file "' '"busybox "' '"progs "' \
		'" c "' '" b "' '" 0755 "' '" 07777"' '" /"' '"\x09"' '"#"' > $@

fuzz-initramfs: $(FUZZ_INITRAMFS) $(FUZZ_INITRAMFS_DICT)
	@mkdir -p $(FUZZ_DIR)/corpus-initramfs
	@cp initramfs/files $(FUZZ_DIR)/corpus-initramfs/files
	@sed '/^#/d; /^$$/d' initramfs/files > $(FUZZ_DIR)/corpus-initramfs/files-body
	$(call run,initramfs,-dict=$(FUZZ_INITRAMFS_DICT))

# serve's requests: the first byte picks the framing (bit 0: MCP) and --safe (bit 1).
$(FUZZ_SERVE): $(FUZZ_SERVE_SRC) tests/fuzz/fuzz.h $(wildcard harness/*/*.h) | have-clang
	$(call build,$(FUZZ_SERVE_SRC),-DKDIVE_SRCDIR='"$(CURDIR)"')

$(FUZZ_SERVE_DICT): tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' '"{\"id\": "' '"\"cmd\": "' '"\"jsonrpc\": \"2.0\""' '"\"method\": "' \
		'"\"params\": "' '"\"tools/call\""' '"\"tools/list\""' '"\"initialize\""' \
		'"\"ping\""' '"\"notifications/cancelled\""' '"\"arguments\": "' '"\"name\": "' \
		'"\"stop\""' '"\"continue\""' '"\"boot\""' '"\"eval\""' '"\"shutdown\""' \
		'"\"quit\""' '"\"interrupt\""' '"\"location\""' '"\"timeout_ms\""' \
		'"\"wait\""' '"\\u0000"' '"\x00"' '"\x0d"' '"\x0a"' '"["' '"]"' '"null"' > $@

fuzz-serve: $(FUZZ_SERVE) $(FUZZ_SERVE_DICT)
	@mkdir -p $(FUZZ_DIR)/corpus-serve
	@printf '%s\n' '{"id": 1, "cmd": "boot", "program": "fork"}' \
		'{"id": 2, "cmd": "stop", "location": "kernel_clone", "syscall": "clone"}' \
		'{"id": 3, "cmd": "continue", "timeout_ms": 5}' '{"id": 4, "cmd": "shutdown"}' \
		'{"id": "x", "cmd": "eval", "expression": "1"}' '[1]' 'hello' \
		> $(FUZZ_DIR)/corpus-serve/jsonl
	@{ printf '\001'; printf '%s\n' \
		'{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18"}}' \
		'{"jsonrpc": "2.0", "method": "notifications/initialized"}' \
		'{"jsonrpc": "2.0", "id": 2, "method": "tools/list"}' \
		'{"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "boot", "arguments": {}}}' \
		'{"jsonrpc": "2.0", "id": true, "method": "ping"}' '[]' '7'; } \
		> $(FUZZ_DIR)/corpus-serve/mcp
	$(call run,serve,-dict=$(FUZZ_SERVE_DICT))

# JSON texts, seeded with one of each kind and of each edge the unit tests name.
$(FUZZ_JSON): $(FUZZ_JSON_SRC) tests/fuzz/fuzz.h harness/base/json.h $(BASE_H) | \
		have-clang
	$(call build,$(FUZZ_JSON_SRC))

$(FUZZ_JSON_DICT): tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' '"{"' '"}"' '"["' '"]"' '":"' '","' '"\""' '"true"' '"false"' '"null"' \
		'"-"' '"0"' '"1e400"' '"-0.5E-3"' '"9223372036854775808"' '"\\u0000"' '"\\ud83d\\ude00"' \
		'"\\ud800"' '"\\n"' '"\\\\"' '"\xc3\xa9"' '"\xf0\x9f\x98\x80"' '"\xff"' '"\x00"' \
		'"\x0d"' '" "' > $@

fuzz-json: $(FUZZ_JSON) $(FUZZ_JSON_DICT)
	@mkdir -p $(FUZZ_DIR)/corpus-json
	@printf '%s' '{"id": 1, "cmd": "boot", "program": "fork", "args": ["a", "b"]}' \
		> $(FUZZ_DIR)/corpus-json/request
	@printf '%s' '{"jsonrpc": "2.0", "id": "x", "method": "tools/call", "params": {"name": "stop", "arguments": {"location": "kernel_clone"}}}' \
		> $(FUZZ_DIR)/corpus-json/rpc
	@printf '%s' '[0, -0, 1.5, -1e-3, 1E+2, 9223372036854775807, -9223372036854775808, 18446744073709551616, 1e400]' \
		> $(FUZZ_DIR)/corpus-json/numbers
	@printf '%s' '["\u0041\u00e9\u20ac\ud83d\ude00", "a\u0000b", "\"\\\/\b\f\n\r\t", "café"]' \
		> $(FUZZ_DIR)/corpus-json/strings
	@printf '%s' '{"": {"a": [true, false, null, {}, []]}, "k\u0000": 0}' > $(FUZZ_DIR)/corpus-json/kinds
	@printf '[%.0s' $$(seq 600) > $(FUZZ_DIR)/corpus-json/deep
	@printf ' \r\n\t"x" \r\n' > $(FUZZ_DIR)/corpus-json/space
	$(call run,json,-dict=$(FUZZ_JSON_DICT))

# A program's TAP, seeded with each shape the unit tests name.
$(FUZZ_TAP): $(FUZZ_TAP_SRC) tests/fuzz/fuzz.h harness/check/tap.h $(BASE_H) | have-clang
	$(call build,$(FUZZ_TAP_SRC))

$(FUZZ_TAP_DICT): tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' '"TAP version 13"' '"TAP version 14"' '"KTAP version 1"' '"1.."' \
		'"ok "' '"not ok "' '" - "' '"# SKIP"' '"# TODO"' '"\\#"' '"Bail out!"' \
		'"# Subtest: "' '"  "' '"    "' '"\x09"' '"\x0d\x0a"' > $@

fuzz-tap: $(FUZZ_TAP) $(FUZZ_TAP_DICT)
	@mkdir -p $(FUZZ_DIR)/corpus-tap
	@printf '%s\n' 'TAP version 13' '1..3' 'ok 1 - a' 'not ok 2 b # TODO later' \
		'ok 3 # SKIP no kvm' > $(FUZZ_DIR)/corpus-tap/tap13
	@printf '%s\n' 'KTAP version 1' '1..1' '  KTAP version 1' '  # Subtest: s' '  1..2' \
		'  ok 1 x' '    KTAP version 1' '    1..1' '    not ok 1 p' '  not ok 2 y' \
		'ok 1 s' > $(FUZZ_DIR)/corpus-tap/ktap
	@printf '%s\n' 'TAP version 14' '1..2' '# Subtest: g' '    1..1' '    ok 1 - one' \
		'ok 1 - g' '# selftests: x' 'Bail out! gone' > $(FUZZ_DIR)/corpus-tap/tap14
	$(call run,tap,-dict=$(FUZZ_TAP_DICT))

# kdive dap's framing, seeded with messages one after the other and broken headers.
$(FUZZ_DAP): $(FUZZ_DAP_SRC) tests/fuzz/fuzz.h harness/cmd/dap_wire.h $(BASE_H) | have-clang
	$(call build,$(FUZZ_DAP_SRC))

$(FUZZ_DAP_DICT): tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' '"Content-Length: "' '"content-length:"' '"Content-Type: "' '"\x0d\x0a"' \
		'"\x0d\x0a\x0d\x0a"' '"{}"' > $@

fuzz-dap: $(FUZZ_DAP) $(FUZZ_DAP_DICT)
	@mkdir -p $(FUZZ_DIR)/corpus-dap
	@printf 'Content-Length: 2\r\n\r\n{}Content-Length: 5\r\n\r\n[1,2]' \
		> $(FUZZ_DIR)/corpus-dap/two
	@printf 'Content-Length: x\r\n\r\nContent-Type: a\r\n\r\n\r\nContent-Length: 1\r\n\r\n1' \
		> $(FUZZ_DIR)/corpus-dap/bad
	$(call run,dap,-dict=$(FUZZ_DAP_DICT))
