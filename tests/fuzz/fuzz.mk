# Fuzz the pure parsers with libFuzzer (clang). Run from the top of the tree:
#
#   make -f tests/fuzz/fuzz.mk O=build check
#
# builds $(O)/fuzz/fuzz_mi with -fsanitize=fuzzer,address,undefined and runs it for
# FUZZ_TIME seconds (default 60), seeded from a corpus copied from tests/mi/*.mi (the
# golden transcripts, whole and without their '#' header). Findings (crash-*, leak-*,
# timeout-*) are written to $(O)/fuzz/. Needs clang and its runtime (Debian:
# clang libclang-rt-14-dev); without them it says so and fails. Inputs are capped at
# FUZZ_MAX_LEN bytes (4096: MI records of interest are shorter; the unit tests cover
# lines of 100 KB and more).

O ?= build
CLANG ?= clang
FUZZ_TIME ?= 60
FUZZ_MAX_LEN ?= 4096

FUZZ_DIR := $(O)/fuzz
FUZZ_MI := $(FUZZ_DIR)/fuzz_mi
FUZZ_MI_CORPUS := $(FUZZ_DIR)/corpus-mi
FUZZ_MI_DICT := $(FUZZ_DIR)/mi.dict
FUZZ_MI_SRC := tests/fuzz/fuzz_mi.c harness/guest/mi.c harness/base/util.c
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Wall -Wextra -Wshadow -Wformat=2 -Wno-format-nonliteral -Wmissing-prototypes \
	-Wstrict-prototypes -Wno-missing-field-initializers \
	$(addprefix -iquote harness/,base build guest check cmd)
GOLDENS := $(sort $(wildcard tests/mi/*.mi))

FUZZ_SCN := $(FUZZ_DIR)/fuzz_scenario
FUZZ_SCN_CORPUS := $(FUZZ_DIR)/corpus-scenario
FUZZ_SCN_SRC := tests/fuzz/fuzz_scenario.c harness/check/scenario.c harness/check/guard.c \
	harness/check/lexer.c harness/check/errnos.c harness/base/util.c

.PHONY: check fuzz-mi fuzz-scenario have-clang
.DEFAULT_GOAL := check

check: fuzz-mi fuzz-scenario

have-clang:
	@command -v $(CLANG) >/dev/null 2>&1 || { \
		echo "fuzz.mk: '$(CLANG)' not found; the fuzzers need clang with libFuzzer:" >&2; \
		echo "fuzz.mk:   apt-get install -y --no-install-recommends clang libclang-rt-14-dev" >&2; \
		exit 3; }

$(FUZZ_MI): $(FUZZ_MI_SRC) harness/guest/mi.h harness/base/util.h | have-clang
	@mkdir -p $(dir $@)
	@echo "  CLANG   $@"
	@$(CLANG) $(FUZZ_CFLAGS) -o $@ $(FUZZ_MI_SRC) || { \
		echo "fuzz.mk: building $@ failed; if the link could not find libclang_rt.fuzzer," >&2; \
		echo "fuzz.mk:   apt-get install -y --no-install-recommends libclang-rt-14-dev" >&2; \
		exit 3; }

# MI's punctuation and words, so that mutations make records and not only noise.
$(FUZZ_MI_DICT):
	@mkdir -p $(dir $@)
	@printf '%s\n' '"^done"' '"^running"' '"^connected"' '"^error"' '"^exit"' \
		'"*stopped"' '"*running"' '"=thread-group-added"' '"+download"' '"~\""' \
		'"@\""' '"&\""' '"(gdb) "' '",name=\""' '"={"' '"=["' '"}"' '"]"' '"\\\""' \
		'"\\\\"' '"\\n"' '"\\r\\n"' '"\\001"' '"\\377"' '"\\e"' '"\\x"' '"123^"' > $@

fuzz-mi: $(FUZZ_MI) $(FUZZ_MI_DICT)
	@test -n "$(GOLDENS)" || { echo "fuzz.mk: no tests/mi/*.mi to seed the corpus" >&2; exit 3; }
	@mkdir -p $(FUZZ_MI_CORPUS)
	@for f in $(GOLDENS); do \
		b=$${f##*/}; cp "$$f" "$(FUZZ_MI_CORPUS)/$$b"; \
		sed '/^#/d' "$$f" > "$(FUZZ_MI_CORPUS)/body-$$b"; \
	done
	@echo "  FUZZ    $(FUZZ_MI) for $(FUZZ_TIME) s"
	@$(FUZZ_MI) -max_total_time=$(FUZZ_TIME) -max_len=$(FUZZ_MAX_LEN) -timeout=10 \
		-print_final_stats=1 -dict=$(FUZZ_MI_DICT) -artifact_prefix=$(FUZZ_DIR)/ \
		$(FUZZ_MI_CORPUS) > $(FUZZ_DIR)/fuzz_mi.log 2>&1 || { \
		tail -n 60 $(FUZZ_DIR)/fuzz_mi.log >&2; \
		echo "fuzz.mk: fuzz_mi found a problem; log in $(FUZZ_DIR)/fuzz_mi.log," \
		     "input saved in $(FUZZ_DIR)/" >&2; \
		exit 1; }
	@grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' \
		$(FUZZ_DIR)/fuzz_mi.log | sed 's/^/  /'
	@echo "  fuzz_mi: no findings in $(FUZZ_TIME) s"

# The scenario parser, seeded from the scenario library.
$(FUZZ_SCN): $(FUZZ_SCN_SRC) harness/check/scenario.h harness/check/guard.h \
		harness/check/lexer.h harness/check/errnos.h harness/base/util.h | have-clang
	@mkdir -p $(dir $@)
	@echo "  CLANG   $@"
	@$(CLANG) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SCN_SRC) || { \
		echo "fuzz.mk: building $@ failed; if the link could not find libclang_rt.fuzzer," >&2; \
		echo "fuzz.mk:   apt-get install -y --no-install-recommends libclang-rt-14-dev" >&2; \
		exit 3; }

fuzz-scenario: $(FUZZ_SCN)
	@mkdir -p $(FUZZ_SCN_CORPUS)
	@cp scenarios/*.scn $(FUZZ_SCN_CORPUS)/
	@echo "  FUZZ    $(FUZZ_SCN) for $(FUZZ_TIME) s"
	@$(FUZZ_SCN) -max_total_time=$(FUZZ_TIME) -max_len=$(FUZZ_MAX_LEN) -timeout=10 \
		-print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/ \
		$(FUZZ_SCN_CORPUS) > $(FUZZ_DIR)/fuzz_scenario.log 2>&1 || { \
		tail -n 60 $(FUZZ_DIR)/fuzz_scenario.log >&2; \
		echo "fuzz.mk: fuzz_scenario found a problem; log in $(FUZZ_DIR)/fuzz_scenario.log," \
		     "input saved in $(FUZZ_DIR)/" >&2; \
		exit 1; }
	@grep -E '^stat::number_of_executed_units' $(FUZZ_DIR)/fuzz_scenario.log | sed 's/^/  /'
	@echo "  fuzz_scenario: no findings in $(FUZZ_TIME) s"
