# The docs: the man pages against --help, bash completion, and every example of
# the docs and --help texts run as written.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_man_pages_match_help_and_render() {
	# kdive(1) is docs/gen-man's page from --help (a changed option fails here until
	# `make man`), kdive-scenario(5) names every directive and stop option of
	# scenarios/README.md, and groff renders both without a warning.
	(cd "$top" && "$top/docs/gen-man" "$KDIVE" "$1/kdive.1") || return 1
	cmp -s "$1/kdive.1" "$top/docs/kdive.1" ||
		{ diff "$top/docs/kdive.1" "$1/kdive.1" | head -20 | sed 's/^/# /';
		  fail "docs/kdive.1 is not what --help says: make man"; } || return 1
	local page w
	for page in "$top/docs/kdive.1" "$top/docs/kdive-scenario.5"; do
		w=$(groff -ww -z -man -Tutf8 "$page" 2>&1)
		[ -z "$w" ] || fail "groff warns about $page: $w" || return 1
		man -l "$page" >/dev/null 2>&1 || fail "man -l $page failed" || return 1
	done
	for w in KDIVE_CACHE KDIVE_DATA KDIVE_NO_SNAPSHOT KDIVE_QEMU KDIVE_GDB KDIVE_BUSYBOX \
		KDIVE_KERNEL_TARBALL SOURCE_DATE_EPOCH NO_COLOR "EXIT STATUS"; do
		grep -q "$w" "$top/docs/kdive.1" || fail "kdive.1 does not name $w" || return 1
	done
	for w in $(sed -n 's/^### `\([a-z]*\) .*/\1/p; s/^### `\([a-z]*\)`.*/\1/p' "$top/scenarios/README.md" | sort -u) \
		'syscall=' finish never 'if GDB' frames user regs '\.\.\.'; do
		grep -q -- "$w" "$top/docs/kdive-scenario.5" ||
			fail "kdive-scenario.5 does not name '$w'" || return 1
	done
}

t_bash_completion() {
	# Commands, a command's options (from its --help), formats, kernels, scenario files.
	local got
	got=$(cd "$top" && bash -c 'source completion/kdive.bash
		c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _kdive; echo "${COMPREPLY[*]}"; }
		c "$0" ru; c "$0" run --no-s; c "$0" run --format k; c "$0" tour --format h
		c "$0" run --kernel 6.1; c "$0" run scenarios/vd; c "$0" tour f' "$KDIVE")
	[ "$got" = "$(printf '%s\n' run --no-snapshot 'ktap kcidb' html '6.1 6.12' scenarios/vdso.scn fork)" ] ||
		fail "completions: $(tr '\n' '|' <<<"$got")" || return 1
}

# Shell examples of the docs (and of --help texts) that t_docs_examples_run does not
# run, by their exact text (trailing comment dropped), and why. Every other command
# runs, so a new example is tested unless it is added here. A line here that no doc has
# any more fails the test.
declare -A docs_never=(
	["make run"]="make: its doctor --fix installs packages as root; its build and 'run -v scenarios/fork.scn' are examples of their own"
	["make test"]="make: the test suite that runs this test"
	["build/kdive build --config my.config"]="builds another kernel (minutes)"
	["build/kdive build --kernel-src ~/src/linux"]="builds a kernel from a source tree this machine does not have"
	["build/kdive run --kernel ~/src/linux scenarios/fork.scn"]="builds a kernel from a source tree this machine does not have"
	["build/kdive tour"]="interactive: t_tour_and_debug_interactively_in_tmux drives it"
	["build/kdive debug scenarios/fork.scn"]="interactive: t_tour_and_debug_interactively_in_tmux drives it"
)

# Whole-library runs (10-20 boots each) that other tests make: run with KDIVE_DOCS_ALL=1.
declare -A docs_slow=(
	["build/kdive run --format ktap scenarios/*.scn"]="t_scenario_library_passes runs the library in KTAP"
	["build/kdive run --format json scenarios/*.scn"]="t_scenario_library_passes runs the library (and JSON on fork.scn)"
	["build/kdive run --kernel 6.1 --kernel 6.12 scenarios/*.scn"]="t_library_on_6_1_and_6_12 runs it"
	["build/kdive run --kernel 6.1 scenarios/*.scn"]="t_library_on_6_1_and_6_12 runs the library on 6.1"
	["build/kdive run --kaslr scenarios/*.scn"]="t_library_under_kaslr runs it (on both kernels)"
	["build/kdive run --smp 2 --append kdive.busy=busy scenarios/*.scn"]="t_library_on_two_cpus_with_a_busy_neighbour runs it (on both kernels)"
)

t_docs_examples_run() {
	# Docs that run: every example of README.md and scenarios/README.md, as written.
	# tests/tools/doc-examples extracts them (its header says how a block is marked):
	# scenario blocks run with kdive run (grouped by kernel, one guest per scenario) and
	# must end as documented; sh lines run in a scratch copy of the scenarios, with
	# docs_never/docs_slow above as the only exceptions. Examples in --help texts run
	# the same way, and so do the man pages' EXAMPLES (another man page fails the test
	# until it is added here).
	local ex=$1/examples sb=$1/sandbox rc=0
	(cd "$top" && "$tools/doc-examples" "$ex" README.md scenarios/README.md scenarios/selftests/README.md docs/kdive.1 \
		docs/kdive-scenario.5) || fail "tests/tools/doc-examples found problems in the docs" || return 1
	local man
	man=$(cd "$top" && find . -path ./build -prune -o -path ./.git -prune -o \
		\( -name '*.[1-9]' -o -name '*.[1-9].md' -o -name '*.ronn' -o -name '*.[1-9].in' \) -print |
		grep -vx -e ./docs/kdive.1 -e ./docs/kdive-scenario.5)
	[ -z "$man" ] || fail "man pages whose examples this test does not run yet: $man" || return 1

	# Scenario examples: one kdive run per set of kernels.
	local kernels args files k
	while read -r kernels; do
		args=() files=()
		[ "$kernels" = default ] || for k in ${kernels//,/ }; do args+=(--kernel "$k"); done
		mapfile -t files < <(awk -F'\t' -v k="$kernels" '$1 == "scn" && $4 == k { print $3 }' "$ex/manifest")
		echo "# scenario examples on ${kernels/default/the default kernel}: ${#files[@]}"
		(cd "$ex" && TMPDIR=$1 "$KDIVE" -q run "${args[@]}" --format json --output "$ex/$kernels.json" \
			"${files[@]}") >"$ex/$kernels.log" 2>&1
		local r=$?
		# 0 all passed, 1 an expectation failed (documented failures are checked below).
		[ $r -le 1 ] || { sed 's/^/# /' "$ex/$kernels.log" | tail -n 20; echo "# kdive run exited $r"; rc=1; }
		valid_report "$ex/$kernels.json" || rc=1
	done < <(awk -F'\t' '$1 == "scn" { print $4 }' "$ex/manifest" | sort -u)
	python3 - "$ex" <<'PY' || rc=1
import json, os, sys
ex = sys.argv[1]
runs = {}
for name in os.listdir(ex):
    if name.endswith('.json'):
        for s in json.load(open(os.path.join(ex, name)))["scenarios"]:
            runs.setdefault(s["file"], []).append(s)
bad = 0
for row in open(os.path.join(ex, "manifest")):
    f = row.rstrip("\n").split("\t")
    if f[0] != "scn":
        continue
    where, file, kernels, want, says = f[1], f[2], f[3], f[4], f[5]
    got = runs.get(file, [])
    if len(got) != (1 if kernels == "default" else len(kernels.split(","))):
        print(f"# {where}: expected a result on each of {kernels}, got {len(got)}")
        bad = 1
    for s in got:
        ver, reason = s["kernel"]["version"], s.get("reason") or ""
        ok = s["result"] == want and says in reason
        print(f"# {'ok  ' if ok else 'FAIL'} {where} on {ver}: {s['result']}" +
              (f" ({reason})" if reason else "") + ("" if ok else f", documented: {want} {says}"))
        bad |= not ok
sys.exit(bad)
PY
	[ $rc -eq 0 ] || echo "# a scenario example does not do what its doc says (above; files in $ex)"

	# Shell examples, and examples in the --help texts, in a sandbox: build/kdive and
	# kdive, the doc's placeholders (a prebuilt bzImage and vmlinux: the built kernel's),
	# and for each command a fresh copy of scenarios/ and my.scn (record writes into
	# them: one example's recording must not become the next one's expectations).
	mkdir -p "$sb/build" "$sb/bin"
	ln -s "$KDIVE" "$sb/build/kdive"
	ln -s "$KDIVE" "$sb/bin/kdive"
	expect_rc 0 "$KDIVE" build --format json -q || return 1
	ln -s "$(json_get kernel.bzimage <<<"$out")" "$sb/bzImage"
	ln -s "$(json_get kernel.vmlinux <<<"$out")" "$sb/vmlinux"
	local cmds=() line c
	mapfile -t cmds < <(awk -F'\t' '$1 == "sh" { print $2 "\t" $3 }' "$ex/manifest")
	local nsh=${#cmds[@]}
	# kdive --help and each command's, from its list of commands.
	for c in "" $("$KDIVE" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }'); do
		while IFS= read -r line; do
			cmds+=("kdive${c:+ $c} --help	$line")
		done < <("$KDIVE" $c --help | awk '
			/^Examples?:/ { ex = 1; next }
			ex && /^[^ \t]/ { ex = 0 }
			ex && /^[ \t]+(\$[ \t]+)?kdive[ \t]/ {
				sub(/^[ \t]+(\$[ \t]+)?/, ""); sub(/[ \t]+#.*$/, ""); print
			}')
	done
	echo "# --help examples (lines under an 'Examples:' heading): $(( ${#cmds[@]} - nsh ))"
	local used=() where cmd n=0 t0 r
	for line in "${cmds[@]}"; do
		where=${line%%	*} cmd=${line#*	}
		if [ -n "${docs_never[$cmd]+x}" ]; then
			echo "# skip $where: $cmd: ${docs_never[$cmd]}"
			used+=("$cmd")
			continue
		fi
		if [ -n "${docs_slow[$cmd]+x}" ]; then
			used+=("$cmd")
			if [ -z "${KDIVE_DOCS_ALL:-}" ]; then
				echo "# skip $where: $cmd: ${docs_slow[$cmd]} (KDIVE_DOCS_ALL=1 runs it here too)"
				continue
			fi
		fi
		n=$((n + 1))
		rm -rf "$sb/scenarios" "$sb/examples" && cp -r "$top/scenarios" "$top/examples" "$sb/" &&
			cp "$top/scenarios/getpid.scn" "$sb/my.scn"
		t0=$(date +%s)
		(cd "$sb" && PATH=$sb/bin:$PATH TMPDIR=$1 timeout 900 bash -c "$cmd") </dev/null \
			>"$sb/out.$n" 2>&1
		r=$?
		echo "# $( [ $r -eq 0 ] && echo 'ok  ' || echo FAIL) $where: $cmd (exit $r, $(( $(date +%s) - t0 )) s)"
		[ $r -eq 0 ] || { tail -n 15 "$sb/out.$n" | sed 's/^/#     /'; rc=1; }
	done
	for cmd in "${!docs_never[@]}" "${!docs_slow[@]}"; do
		printf '%s\n' "${used[@]}" | grep -qxF -- "$cmd" ||
			{ echo "# the skip list names '$cmd', which no doc has any more"; rc=1; }
	done
	[ $rc -eq 0 ] || fail "an example does not do what its doc says (above)"
}
