# kdive's shell test library, sourced by the integration suite (tests/run) and the
# fault suite (tests/faults): where things are, the checks a test makes (fail,
# expect_rc, contains, valid_report), the process tag that tells what a test started
# (tagged_procs, no_guest_left), and the runner of one test in a process group of its
# own (run_test). Only functions and the five settings below; sourcing it runs nothing.
#
# Sets: here (tests/), top (the source tree), tools (tests/tools/: the helper programs
# the tests run), KDIVE (the binary, unless set) and exports KDIVE_DATA (kdive's data:
# the source tree).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
tools=$here/tools
KDIVE=${KDIVE:-$top/build/kdive}
export KDIVE_DATA=$top

# ---- checks ----

# fail MESSAGE: a check failed. Said, and written to the test's record of failures
# (KDIVE_TEST_FAILS, kept by the runner), so the test fails whatever it returns after:
# neither `cond && fail ... && return 1` nor a check in a subshell can lose it.
fail() {
	echo "# $*"
	[ -n "${KDIVE_TEST_FAILS:-}" ] && printf '%s\n' "$*" >>"$KDIVE_TEST_FAILS"
	return 1
}
# expect_rc WANT CMD...: run CMD, keep its output in $out, fail unless it exits WANT.
expect_rc() {
	local want=$1; shift
	out=$("$@" 2>&1); local rc=$?
	[ "$rc" -eq "$want" ] || { printf '# %s\n' "$out" | tail -n 20; fail "'$*' exited $rc, expected $want"; }
}
contains() { grep -qF -- "$2" <<<"$1" || fail "output lacks '$2'"; }
json_get() { python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k]
print(d)' "$1"; }
# valid_report FILE...: each FILE (- for stdin) is a `kdive run --format json` report
# that docs/result.schema.json accepts, its totals adding up (tests/tools/result-check).
valid_report() {
	local o
	o=$("$tools/result-check" "$@" 2>&1) ||
		{ sed 's/^/# /' <<<"$o"; fail "not a report docs/result.schema.json accepts: $*"; }
}

# ---- the kernel's own word: its symbols and machine code ----

# nm_addr VMLINUX SYMBOL: the symbol's address, 0x..., as nm reads it.
nm_addr() { nm "$1" | awk -v s="$2" '$3 == s { print "0x" $1; exit }'; }

# syscall_init_msrs VMLINUX: "MSR VALUE" for each wrmsr in the kernel's syscall_init(),
# read from its machine code (objdump): the MSRs the kernel itself programs, an
# independent source for what kdive reads back from the CPU.
syscall_init_msrs() {
	objdump -d --no-show-raw-insn --disassemble=syscall_init "$1" | python3 -c '
import re, sys
reg = {}
fam = lambda r: {"rax": "a", "eax": "a", "rcx": "c", "ecx": "c", "rdx": "d", "edx": "d",
                 "rsi": "si", "esi": "si"}.get(r)
for line in sys.stdin:
    m = re.search(r"\t(mov|xor|shr|wrmsr)\s*(\S*)", line)
    if not m:
        continue
    op, args = m.groups()
    a = args.split(",")
    if op == "wrmsr":
        if all(reg.get(r) is not None for r in "acd"):
            print("%#x %#x" % (reg["c"], (reg["d"] << 32) | (reg["a"] & 0xffffffff)))
        continue
    dst = fam(a[-1].lstrip("%")) if len(a) == 2 else None
    if dst is None:
        continue
    src = a[0]
    if op == "xor":
        reg[dst] = 0 if src == a[1] else None
    elif op == "mov":
        reg[dst] = int(src[1:], 16) if src.startswith("$") else reg.get(fam(src.lstrip("%")))
    elif op == "shr" and reg.get(dst) is not None:
        reg[dst] >>= int(src[1:], 16)
'
}

# ---- processes: the tag ----
# A test's tag is KDIVE_TEST_TAG=TAG in the environment of what it starts (the
# integration runner exports it for everything a test starts; the fault suite puts it
# on each kdive it starts); a test that starts several groups may tag them TAG-1,
# TAG-2...: they count as its too.

# tagged_procs [TAG [COMM...]]: "PID COMM" of each live process that carries TAG
# (default: this test's) or one of its TAG-N, only those named COMM when given. Never
# another test's, nor another kdive's on the machine.
tagged_procs() {
	local tag=${1:-${KDIVE_TEST_TAG:-}} f p comm
	[ $# -gt 0 ] && shift
	for f in $(grep -lasxzE -- "KDIVE_TEST_TAG=$tag(-[0-9]+)?" /proc/[0-9]*/environ 2>/dev/null); do
		p=${f#/proc/}; p=${p%/environ}
		comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
		[ $# -eq 0 ] || [[ " $* " == *" $comm "* ]] || continue
		echo "$p $comm"
	done
}
# no_guest_left [SECONDS]: fail unless, within SECONDS (default 5), no QEMU, gdb, kdive
# or kdive-watch that this test started is alive.
no_guest_left() {
	local i left
	for i in $(seq $(( ${1:-5} * 10 ))); do
		left=$(tagged_procs "" qemu-system-x86 gdb kdive kdive-watch)
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	fail "left behind: $(tr '\n' ' ' <<<"$left")"
}

# ---- the runner of one test ----

# run_test NAME N: one test in a process group of its own, under its time limit, with
# its own tag, TMPDIR and record of failures; then its TAP line. Returns 0 passed,
# 1 failed, 2 skipped. The test's scratch directory ($scratch/NAME, given to the test
# as $1) stays when it fails. The caller sets scratch, and the limits in seconds:
# limits[NAME], else default_limit.
run_test() {
	local t=$1 n=$2 dir=$scratch/$1 limit=${limits[$1]:-$default_limit}
	local tag=kdive-test-$$-$2 start pid dog rc left why=()
	rm -rf "$dir"
	mkdir -p "$dir/tmp"
	: >"$dir/failures"
	start=$(date +%s)
	set -m
	(
		set +m
		export KDIVE_TEST_TAG=$tag KDIVE_TEST_FAILS=$dir/failures TMPDIR=$dir/tmp
		"$t" "$dir"
	) >"$dir/log" 2>&1 </dev/null &
	pid=$!
	# The watchdog: TERM to the test's group when its time is up, KILL 5 s later.
	(
		sleep "$limit"
		echo "$limit" >"$dir/timed-out"
		kill -TERM -- -"$pid"
		sleep 5
		kill -KILL -- -"$pid"
	) >/dev/null 2>&1 </dev/null &
	dog=$!
	set +m
	wait "$pid"
	rc=$?
	kill -KILL -- -"$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
	# What the test started and left running (other sessions too: the tag says whose).
	local i
	for i in $(seq 50); do
		left=$(tagged_procs "$tag")
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -n "$left" ]; then
		kill -KILL $(cut -d' ' -f1 <<<"$left") 2>/dev/null
		why+=("left running (killed): $(tr '\n' ' ' <<<"$left")")
	fi
	[ -s "$dir/timed-out" ] && why+=("timed out after $limit s (its process group killed)")
	[ -n "$(ls -A "$dir/tmp")" ] && why+=("left in its TMPDIR: $(ls -A "$dir/tmp" | tr '\n' ' ')")
	[ -s "$dir/failures" ] && [ $rc -eq 0 -o $rc -eq 77 ] &&
		why+=("a check failed, though the test returned $rc")
	local secs=$(( $(date +%s) - start ))
	cat "$dir/log"
	for i in "${why[@]}"; do echo "# $i"; done
	if [ ${#why[@]} -eq 0 ] && [ $rc -eq 0 ]; then
		echo "ok $n - $t # ${secs}s"
		rm -rf "$dir"
		return 0
	elif [ ${#why[@]} -eq 0 ] && [ $rc -eq 77 ]; then
		echo "ok $n - $t # SKIP"
		rm -rf "$dir"
		return 2
	fi
	echo "not ok $n - $t # ${secs}s, kept $dir"
	return 1
}
