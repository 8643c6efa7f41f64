# kdive run: scenario files good and bad, the library, program arguments, stops
# (never, unreached, finish), frames and checks, --keep and --timeout.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_scenario_library_passes() {
	# The whole library as a regression suite, in KTAP, validated.
	"$KDIVE" -q run --format ktap --output "$1/library.ktap" "$top"/scenarios/*.scn
	local rc=$?
	sed 's/^/# /' "$1/library.ktap"
	[ $rc -eq 0 ] || fail "kdive run exited $rc" || return 1
	"$tools/ktap-check" <"$1/library.ktap" || return 1
	# The JSON contract, on the fork scenario.
	expect_rc 0 "$KDIVE" -q run --format json "$top/scenarios/fork.scn" || return 1
	valid_report - <<<"$out" || return 1
	python3 - "$out" <<'PY' || return 1
import json, sys
d = json.loads(sys.argv[1])
sc = d["scenarios"][0]
assert sc["name"] == "fork" and sc["result"] == "pass", sc["result"]
assert d["summary"]["pass"] == 1 and "timings" in d
kernel = [s for s in sc["stops"] if s["space"] == "kernel"]
assert kernel, "no kernel stops"
for s in kernel:
    funcs = [f["func"] for f in s["frames"]]
    assert "entry_SYSCALL_64" in funcs, funcs
    assert "main" in [f["func"] for f in s["user_frames"]], s["user_frames"]
    for f in s["frames"]:
        assert set(f) >= {"func", "file", "line", "inlined"}, f
checks = [c for s in sc["stops"] for c in s["checks"]]
assert any("orig_ax" in json.dumps(c) for c in checks), checks
PY
}

t_program_arguments_reach_the_guest_byte_for_byte() {
	# What a shell or the kernel command line would have touched, in a restored guest.
	printf '%s\n' 'scenario args' 'program args a,b * '"'q'"' $HOME \x41 é x=1,y=2' \
		'stop __x64_sys_newuname' >"$1/args.scn"
	"$KDIVE" run --keep "$1/args.scn" >"$1/out" 2>&1 || { sed 's/^/# /' "$1/out"; fail "exited $?"; } ||
		return 1
	local d got want
	d=$(sed -n 's/.*run directory kept: \([^ ]*\).*/\1/p' "$1/out")
	got=$(sed -n 's/^kdive-arg [0-9]*: //p' "$d/console.log" | tr -d '\r' | tr '\n' ' ')
	want=""
	for a in 'a,b' '*' "'q'" '$HOME' '\x41' 'é' 'x=1,y=2'; do
		want+="$(printf '%s' "$a" | od -An -tx1 | tr -d ' \n') "
	done
	[ "$got" = "$want" ] || fail "the program got '$got', not '$want'" || return 1
	rm -rf "$d"
}

t_never_stop_fails_when_reached() {
	# vdso.scn: clock_gettime's syscall is never entered. The same file with its
	# never-stop moved to getpid, which is called, fails with exit 1 and says where.
	expect_rc 0 "$KDIVE" -q run "$top/scenarios/vdso.scn" || return 1
	sed 's/^stop __x64_sys_clock_gettime never$/stop __x64_sys_getpid never/' \
		"$top/scenarios/vdso.scn" >"$1/vdso.scn"
	grep -q '^stop __x64_sys_getpid never$' "$1/vdso.scn" || fail "the mutation did not apply" ||
		return 1
	expect_rc 1 "$KDIVE" run "$1/vdso.scn" || return 1
	contains "$out" "FAIL  stop __x64_sys_getpid never" || return 1
	contains "$out" "reached, but the scenario says it never is" || return 1
	contains "$out" "#0  __do_sys_getpid at " || return 1
	# Reached after every other stop was taken: still caught (armed to the end).
	printf '%s\n' 'scenario never_late' 'program vdso' 'stop user clock_gettime' \
		'stop __x64_sys_getpid never' >"$1/late.scn"
	expect_rc 1 "$KDIVE" run "$1/late.scn" || return 1
	contains "$out" "FAIL  stop __x64_sys_getpid never" || return 1
	expect_rc 1 "$KDIVE" -q run --format json "$1/vdso.scn" || return 1
	valid_report - <<<"$out" || return 1
	python3 - "$out" <<'PY' || fail "the JSON does not say it" || return 1
import json, sys
d = json.loads(sys.argv[1][sys.argv[1].index("{"):])
st = [s for s in d["scenarios"][0]["stops"] if s["never"]]
assert [s["result"] for s in st] == ["fail"], st
assert st[0]["frames"][0]["func"] == "__do_sys_getpid", st[0]["frames"][:1]
PY
}

t_unreached_stop_fails_every_time() {
	# A stop whose function the program never calls is a failed expectation (exit 1,
	# "never reached"), however the guest's end reaches gdb: QEMU's exit first, or
	# gdb's "exited-normally" stop first. Three runs, three failures.
	printf 'scenario never\nprogram  getpid\n\nstop __x64_sys_getppid\n  frames\n    ...\n' \
		>"$1/never.scn"
	local i
	for i in 1 2 3; do
		TMPDIR=$1 expect_rc 1 "$KDIVE" -q run "$1/never.scn" || return 1
		contains "$out" "never reached" || return 1
	done
	# A failed expectation is no failed run: nothing is kept.
	[ -z "$(ls -d "$1"/kdive-run.* 2>/dev/null)" ] || fail "run directories kept" || return 1
}

t_stop_and_finish_of_one_call() {
	# `stop F` and `stop F finish` are one call of F: gdb's *stopped names only the
	# first breakpoint at the address, the other's hit count says it was hit too. Both
	# orders, a function the program calls once, and a stop whose condition does not
	# hold at that hit (never reached, as before).
	printf 'program getpid\nstop __x64_sys_getpid\n  frames\n    ...\n    x64_sys_call\n    ...\nstop __x64_sys_getpid finish\n  regs ret > 0\n' \
		>"$1/in-out.scn"
	printf 'program getpid\nstop __x64_sys_getpid finish\n  regs ret > 0\nstop __x64_sys_getpid\n' \
		>"$1/out-in.scn"
	printf 'program getpid\nstop __x64_sys_getpid\nstop __x64_sys_getpid finish if 0\n' >"$1/cond.scn"
	TMPDIR=$1 expect_rc 0 "$KDIVE" -q run "$1/in-out.scn" "$1/out-in.scn" || return 1
	TMPDIR=$1 expect_rc 1 "$KDIVE" -q run "$1/cond.scn" || return 1
	contains "$out" "FAIL  stop __x64_sys_getpid finish: never reached" || return 1
}

t_changed_frame_fails_with_a_diff() {
	sed 's/^    kernel_clone      kernel\/fork.c/    kernel_clown      kernel\/fork.c/' \
		"$top/scenarios/fork.scn" >"$1/fork.scn"
	grep -q kernel_clown "$1/fork.scn" || fail "the test's edit did not apply" || return 1
	expect_rc 1 "$KDIVE" -q run "$1/fork.scn" || return 1
	contains "$out" "kernel_clown" || return 1
	contains "$out" "$1/fork.scn:" || return 1
	contains "$out" "kernel_clone at " || return 1
	expect_rc 1 "$KDIVE" -q run --format junit --output "$1/fork.xml" "$1/fork.scn" || return 1
	python3 -c 'import sys, xml.dom.minidom; d = xml.dom.minidom.parse(sys.argv[1]);
assert d.getElementsByTagName("failure"), "no <failure>"' "$1/fork.xml" ||
		fail "JUnit output is not well-formed XML with a failure" || return 1
}

t_bad_scenario_file_is_usage_error() {
	printf 'scenario x\nprogram fork\nfrobnicate now\n' >"$1/bad.scn"
	expect_rc 2 "$KDIVE" run "$1/bad.scn" || return 1
	contains "$out" "$1/bad.scn:3:" || return 1
	# Nothing booted for it.
	! grep -q booting <<<"$out" || fail "a guest booted for a bad file" || return 1
	expect_rc 2 "$KDIVE" run "$1/no-such.scn" || return 1
	# Not a regular file (a FIFO would block a reader forever; /dev/zero never ends),
	# too large, or a NUL byte at its line and column: exit 2 at once.
	mkfifo "$1/fifo.scn"
	expect_rc 2 timeout 20 "$KDIVE" run "$1/fifo.scn" || return 1
	contains "$out" "$1/fifo.scn:1:1: not a regular file" || return 1
	expect_rc 2 timeout 20 "$KDIVE" run /dev/zero || return 1
	truncate -s 2M "$1/big.scn"
	expect_rc 2 "$KDIVE" run "$1/big.scn" || return 1
	contains "$out" "larger than a scenario can be" || return 1
	printf 'scenario x\nprogram fork\nstop a\0b\n' >"$1/nul.scn"
	expect_rc 2 "$KDIVE" run "$1/nul.scn" || return 1
	contains "$out" "$1/nul.scn:3:7: NUL byte" || return 1
	# Names only the built images know: found before any guest starts.
	printf 'scenario x\nprogram nosuch\nstop kernel_clone syscall=frobnicate\n' >"$1/names.scn"
	expect_rc 2 "$KDIVE" run "$1/names.scn" || return 1
	contains "$out" "$1/names.scn:2:9: no guest program 'nosuch'" || return 1
	contains "$out" "$1/names.scn:3:27: kernel 6.12" || return 1
	! grep -q booting <<<"$out" || fail "a guest booted for bad names" || return 1
}

t_user_frames_through_helpers() {
	# A system call two calls deep in the program's own code (initramfs/progs/unwind.c,
	# -O0): the user-space frames recovered from pt_regs name each helper, in order.
	# Finding a helper's caller needs the rbp entry saved; a libc wrapper's caller
	# alone (main, in the other programs) is found from rsp.
	expect_rc 0 "$KDIVE" -q run --format json "$top/scenarios/unwind.scn" || return 1
	valid_report - <<<"$out" || return 1
	python3 - "$out" <<'PY' || return 1
import json, sys
d = json.loads(sys.argv[1])
sc = d["scenarios"][0]
assert sc["result"] == "pass", (sc["result"], sc.get("reason"))
user = [f["func"] for f in sc["stops"][0]["user_frames"]]
assert user[:4] == ["getppid", "leaf", "middle", "main"], user
PY
}

t_run_keep_keeps_the_run_directory() {
	local dir
	TMPDIR=$1 expect_rc 0 "$KDIVE" run --keep "$top/scenarios/getpid.scn" || return 1
	dir=$(sed -n 's/.*run directory kept: \([^ ]*\).*/\1/p' <<<"$out")
	[ -n "$dir" ] && [ -d "$dir" ] || fail "no run directory named: $out" || return 1
	[ "$(dirname "$dir")" = "$1" ] || fail "the run directory is not under TMPDIR: $dir"
	local f
	for f in console.log gdb.mi; do
		[ -s "$dir/$f" ] || fail "$dir/$f is missing or empty"
	done
	# QEMU's own messages: none when all went well, but the file is there.
	[ -f "$dir/qemu.log" ] || fail "$dir/qemu.log is missing"
	grep -q 'kdive: /progs/getpid exited with status 0' "$dir/console.log" ||
		fail "console.log does not show getpid's end"
	grep -q -- '-break-insert' "$dir/gdb.mi" || fail "gdb.mi has no breakpoint command"
	# The transcript notes each phase of the session with its time.
	grep -q '^ *[0-9]* ## [0-9]* ms: attached$' "$dir/gdb.mi" ||
		fail "gdb.mi notes no phase: $(grep '##' "$dir/gdb.mi" | head -3)"
	rm -rf "$dir"
}

t_verbose_run_says_where_the_time_goes() {
	# kdive -v run: each phase of the session, its time since the start and since the
	# phase before, in the order they happen; the increments add up to the times.
	TMPDIR=$1 expect_rc 0 "$KDIVE" -v run "$top/scenarios/getpid.scn" || return 1
	local phases
	phases=$(sed -n 's/^kdive: debug: *\([0-9]*\) ms (+\([0-9]*\)): \(.*\)/\1 \2 \3/p' <<<"$out")
	local p
	for p in "QEMU started (restoring)" "gdb has vmlinux's symbols" "restored" \
		"gdb has the program's symbols" "attached" "at main" "breakpoints armed" \
		"stopped at " "the guest ended" "gdb and QEMU stopped in "; do
		grep -q "^[0-9]* [0-9]* $p" <<<"$phases" || fail "no phase '$p' in: $phases"
	done
	awk 'NR > 1 && ($1 < t || $1 - t > $2 + 1 || $1 - t < $2 - 1) {
		print "phase at " $1 " ms (+" $2 ") after one at " t " ms"; bad = 1 }
		{ t = $1 } END { exit bad }' <<<"$phases" || fail "the phases do not add up"
}

t_timeout_before_any_stop_is_an_error() {
	# The scenario allows a minute; --timeout 8 wins, and the run says what it waited for.
	printf 'scenario slow\nprogram busy\ntimeout 60\nstop __x64_sys_newuname\n' >"$1/slow.scn"
	local t0 secs
	t0=$(date +%s)
	TMPDIR=$1 expect_rc 3 "$KDIVE" run --timeout 8 "$1/slow.scn"
	secs=$(( $(date +%s) - t0 ))
	echo "# gave up after ${secs}s"
	contains "$out" "no stop reached in time; still waiting for: $1/slow.scn:4 (__x64_sys_newuname)"
	contains "$out" "run directory kept: $1/kdive-run."
	[ "$secs" -lt 45 ] || fail "--timeout 8 took ${secs}s"
	no_guest_left
}

t_register_checks_read_the_cpu() {
	# $REG checks read the CPU at the stop, pt_regs checks the saved user state. The
	# segments expected come from the STAR value the kernel's syscall_init() writes:
	# the kernel CS in bits 32-47, the 64-bit user CS 16 above the base in bits 48-63.
	local vm star kcs ucs
	expect_rc 0 "$KDIVE" build --format json -q || return 1
	vm=$(json_get kernel.vmlinux <<<"$out")
	star=$(syscall_init_msrs "$vm" | awk '$1 == "0xc0000081" { print $2; exit }')
	[ -n "$star" ] || fail "no STAR write in syscall_init" || return 1
	kcs=$(( (star >> 32) & 0xffff )) ucs=$(( ((star >> 48) & 0xffff) + 16 ))
	printf 'scenario cpu\nprogram  getpid\nstop __x64_sys_getpid syscall=getpid\n  regs  $cs == %d  cs == %d  orig_ax == 39\n' \
		"$kcs" "$ucs" >"$1/cpu.scn"
	printf 'scenario wrong\nprogram  getpid\nstop __x64_sys_getpid syscall=getpid\n  regs  $rip == 0  $kd_none == 1\n' \
		>"$1/wrong.scn"
	expect_rc 1 "$KDIVE" -q run --format json "$1/cpu.scn" "$1/wrong.scn"
	valid_report - <<<"$out"
	python3 - "$out" "$kcs" "$ucs" <<'PY' || fail "the checks' results"
import json, sys
d = json.loads(sys.argv[1])
kcs, ucs = int(sys.argv[2]), int(sys.argv[3])
res = {s["name"]: s for s in d["scenarios"]}
assert res["cpu"]["result"] == "pass", res["cpu"]
got = {c["name"]: c for st in res["cpu"]["stops"] for c in st["checks"]}
assert got["$cs"]["actual"] == kcs and got["cs"]["actual"] == ucs, got
assert res["wrong"]["result"] == "fail", res["wrong"]["result"]
got = {c["name"]: c for st in res["wrong"]["stops"] for c in st["checks"]}
assert got["$rip"]["result"] == "fail" and got["$rip"]["actual"] != 0, got["$rip"]
assert got["$kd_none"]["actual"] is None and got["$kd_none"]["error"], got["$kd_none"]
PY
}
