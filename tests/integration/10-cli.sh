# The command line: kdive --help and help CMD, --version, every command's usage
# errors, and kdive in odd environments (no KDIVE_DATA, a report it cannot write).
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_help_and_usage() {
	expect_rc 0 "$KDIVE" --help || return 1
	contains "$out" "doctor" || return 1
	expect_rc 0 "$KDIVE" build --help || return 1
	contains "$out" "--kernel-src" || return 1
	expect_rc 2 "$KDIVE" no-such-command || return 1
	expect_rc 2 "$KDIVE" build --only nonsense || return 1
	contains "$out" "--only must be kernel or initramfs" || return 1
	expect_rc 2 "$KDIVE" tour nosuch || return 1
	contains "$out" "the tours are 'fork' and any scenario file (scenarios/NAME.scn), not 'nosuch'" ||
		return 1
	for cmd in build run merge record bundle lstar debug tour serve doctor; do
		expect_rc 0 "$KDIVE" "$cmd" --help || return 1
		contains "$out" "usage: kdive $cmd" || return 1
	done
}

# usage CMD MESSAGE ARGS...: `kdive CMD ARGS...` exits 2 with MESSAGE and the way to
# CMD's help, and boots nothing.
usage() {
	local cmd=$1 msg=$2
	shift 2
	expect_rc 2 "$KDIVE" "$cmd" "$@" || return 1
	contains "$out" "kdive $cmd: $msg" || return 1
	contains "$out" "Try 'kdive $cmd --help'." || return 1
	! grep -q booting <<<"$out" || fail "'kdive $cmd $*' booted a guest"
}

t_usage_errors_of_every_command() {
	local cmd scn=$top/scenarios/getpid.scn
	# Every command: an unknown option, and an option without its value.
	for cmd in build run merge record bundle lstar debug tour serve doctor; do
		usage $cmd "unknown option '--no-such-option'" --no-such-option
		usage $cmd "unknown option '-Z'" -Z
	done
	usage build "option '--config' needs a value" --config
	usage run "option '--format' needs a value" "$scn" --format
	usage record "option '--timeout' needs a value" "$scn" --timeout
	usage lstar "option '--output' needs a value" --output
	usage debug "option '--program' needs a value" --program
	usage tour "option '--format' needs a value" --format
	usage serve "unexpected argument 'extra'" extra
	usage run "--jobs needs a number of guests (1 to 16), not '0'" --jobs 0 "$scn"
	usage run "--origin 'Lab-1': KCIDB takes lowercase letters, digits and '_' only" \
		--origin Lab-1 --format kcidb "$scn"
	usage run "--shard needs I/N (shard I of N, 1 <= I <= N <= 64), not '2'" --shard 2 "$scn"
	usage run "--shard 4/3: I must be 1 to N and N 1 to 64" --shard 4/3 "$scn"
	usage run "--shard 1/65: I must be 1 to N and N 1 to 64" --shard 1/65 "$scn"
	usage merge "name at least one JSON result" --format json
	usage merge "--format must be text, ktap, junit, json or kcidb, not 'xml'" --format xml x.json
	# The formats each command writes, and no other.
	usage build "--format must be text or json, not 'ktap'" --format ktap
	usage run "--format must be text, ktap, junit, json or kcidb, not 'xml'" --format xml "$scn"
	usage lstar "--format must be text or json, not 'junit'" --format junit
	usage tour "--format must be text, json or html, not 'ktap'" --format ktap
	# Numbers out of range or not numbers.
	for cmd in run record; do
		usage $cmd "--timeout needs seconds (1 to 86400), not '0'" --timeout 0 "$scn"
		usage $cmd "--timeout needs seconds (1 to 86400), not '5s'" --timeout 5s "$scn"
		usage $cmd "--smp needs a number of CPUs (1 to 8), not '9'" --smp 9 "$scn"
	done
	usage lstar "--timeout needs seconds (1 to 86400), not '86401'" --timeout 86401
	usage lstar "--smp needs a number of CPUs (1 to 8), not '0'" --smp 0
	usage debug "--smp needs a number of CPUs (1 to 8), not 'two'" --smp two
	usage run "--gdb-port needs a TCP port, not '0'" --gdb-port 0 "$scn"
	usage lstar "--gdb-port needs a TCP port, not '65536'" --gdb-port 65536
	usage build "--jobs needs a positive number, not '0'" --jobs 0
	usage build "--jobs needs a positive number, not 'many'" -j many
	usage build "--only must be kernel or initramfs, not 'both'" --only both
	usage build "--smp needs a number of CPUs (1 to 8), not '9'" --smp 9
	# Operands: too few, too many.
	usage build "unexpected argument 'extra'" extra
	usage lstar "unexpected argument 'extra'" extra
	usage doctor "unexpected argument 'extra'" extra
	usage run "name at least one scenario file (scenarios/*.scn)"
	usage record "give exactly one scenario file"
	usage record "give exactly one scenario file" "$scn" "$scn"
	usage bundle "give exactly one scenario file" -o "$1/x.bundle"
	usage bundle "say where the bundle goes: -o FILE" "$scn"
	usage run "a bundle runs alone" "$scn" "$1/x.bundle"
	usage debug "at most one scenario file" "$scn" "$scn"
	usage tour "the tours are 'fork' and any scenario file" exec
	usage tour "one tour at a time" fork "$scn"
	# A bad SOURCE_DATE_EPOCH names itself before anything is built.
	SOURCE_DATE_EPOCH=yesterday usage build "SOURCE_DATE_EPOCH must be seconds since 1970" \
		--only initramfs
	# More kernels than a command takes.
	local nine=()
	for cmd in 1 2 3 4 5 6 7 8 9; do nine+=(--kernel 6.12); done
	usage run "at most 8 kernels" "${nine[@]}" "$scn"
	expect_rc 2 "$KDIVE" lstar --kernel 6.1 --kernel 6.12
	contains "$out" "this command takes one kernel, not 2"
	expect_rc 2 "$KDIVE" record --kernel 6.1 --kernel 6.12 "$scn"
	contains "$out" "this command takes one kernel, not 2"
	# kdive itself: no command, an unknown option or command.
	expect_rc 2 "$KDIVE"
	contains "$out" "usage: kdive [-v|-q] COMMAND [ARGS]"
	expect_rc 2 "$KDIVE" --no-such-option
	contains "$out" "kdive: unknown option '--no-such-option'"
	expect_rc 2 "$KDIVE" -q frobnicate
	contains "$out" "kdive: unknown command 'frobnicate'"
}

t_version_and_help_command() {
	local cmd help
	expect_rc 0 "$KDIVE" --version || return 1
	grep -qxE 'kdive [0-9]+\.[0-9]+(\.[0-9]+)?' <<<"$out" || fail "--version printed '$out'"
	# `kdive help CMD` is `kdive CMD --help`, for every command of `kdive --help`.
	expect_rc 0 "$KDIVE" --help || return 1
	local cmds
	cmds=$(sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' <<<"$out")
	[ "$(wc -w <<<"$cmds")" -eq 11 ] || fail "commands in --help: $cmds"
	for cmd in $cmds; do
		expect_rc 0 "$KDIVE" help "$cmd" || continue
		help=$out
		expect_rc 0 "$KDIVE" "$cmd" --help || continue
		[ "$help" = "$out" ] || fail "'kdive help $cmd' differs from 'kdive $cmd --help'"
		contains "$help" "usage: kdive $cmd [OPTIONS]"
	done
	expect_rc 0 "$KDIVE" help
	contains "$out" "Commands:"
	expect_rc 2 "$KDIVE" help frobnicate
	contains "$out" "Commands:"
	# -h after any argument is help too; after --, it is an operand.
	expect_rc 0 "$KDIVE" run --format json -h
	contains "$out" "usage: kdive run [OPTIONS] SCENARIO..."
	expect_rc 2 "$KDIVE" run -- -h
	contains "$out" "-h"
}

t_odd_environments() {
	# No KDIVE_DATA: the data is found beside the binary or where it was built.
	env -u KDIVE_DATA "$KDIVE" debug --print-cmd >"$1/out" 2>&1 || fail "debug without KDIVE_DATA"
	grep -qF "source $top/gdbinit/kdive.py" "$1/out" || fail "gdbinit not found without KDIVE_DATA"
	# A report that cannot be written is an infrastructure failure, said once.
	expect_rc 3 "$KDIVE" build --format json -q --output "$1/no/such/dir/report.json"
	contains "$out" "cannot write report '$1/no/such/dir/report.json'"
	# doctor --fix with nothing missing: silent, exit 0 (make deps runs it every time).
	if "$KDIVE" doctor >/dev/null 2>&1; then
		expect_rc 0 "$KDIVE" doctor --fix
		[ -z "$out" ] || fail "doctor --fix printed '$out' with nothing to do"
	fi
}
