# The library on other kernels and machines: 6.1 and 6.12, KASLR, two CPUs.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_library_on_6_1_and_6_12() {
	# Both LTS kernels in one command: every scenario passes on each, the JSON names
	# both, and some guarded expectation line applies on one kernel and not the other.
	"$KDIVE" -q run --kernel 6.1 --kernel 6.12 --format json --output "$1/two.json" \
		"$top"/scenarios/*.scn
	local rc=$?
	[ $rc -eq 0 ] || fail "kdive run on 6.1 and 6.12 exited $rc" || return 1
	valid_report "$1/two.json" || return 1
	python3 - "$1/two.json" <<'PY' || return 1
import json, sys
d = json.load(open(sys.argv[1]))
vers = sorted({s["kernel"]["version"] for s in d["scenarios"]})
assert len(vers) == 2 and vers[0].startswith("6.1.") and vers[1].startswith("6.12."), vers
bad = [(s["name"], s["kernel"]["version"], s["result"]) for s in d["scenarios"] if s["result"] != "pass"]
assert not bad, bad
applies = {}
for s in d["scenarios"]:
    for st in s["stops"]:
        for f in st.get("expected_frames", []) + st.get("expected_user_frames", []):
            if f["guard"]:
                applies.setdefault((s["file"], f["line"]), set()).add(f["applies"])
split = [k for k, v in applies.items() if v == {True, False}]
assert split, "no guarded line tells the kernels apart: %r" % applies
print("# guarded lines that hold on one kernel only: %s" % split)
PY
}

t_library_under_kaslr() {
	# KASLR in run, on both kernels: every scenario passes with the slide found at
	# run time.
	"$KDIVE" -q run --kernel 6.1 --kernel 6.12 --kaslr --format json --output "$1/kaslr.json" \
		"$top"/scenarios/*.scn
	local rc=$?
	[ $rc -eq 0 ] || fail "kdive run --kaslr exited $rc" || return 1
	valid_report "$1/kaslr.json" || return 1
	python3 - "$1/kaslr.json" <<'PY' || return 1
import json, sys
d = json.load(open(sys.argv[1]))
assert all(s["result"] == "pass" for s in d["scenarios"]), [(s["name"], s["result"]) for s in d["scenarios"]]
slides = [int(s["kaslr_slide"], 16) for s in d["scenarios"]]
assert all(s["kaslr"] for s in d["scenarios"])
# 0 is a possible draw (about 1 in 490); every scenario passed at its slide.
assert all(x % 0x200000 == 0 for x in slides), slides
assert len(set(slides)) > 1, "every boot had the same slide: %r" % slides
print("# slides: %s" % " ".join(hex(x) for x in slides))
PY
}

t_kaslr_snapshot_keeps_its_slide() {
	# A KASLR slot's guest has the slide it booted with, always: the run that finds it
	# keeps it beside the snapshot (slide), later runs load gdb's symbols relocated by
	# it at once and only check it. A wrong one is found out, the symbols relocated
	# and the file rewritten.
	local i dir want got base f seen=0
	slide_of() { python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["scenarios"][0]["kaslr_slide"])' "$1"; }
	for i in 1 2 3 4 5 6 7 8 9 10; do
		"$KDIVE" -v run --kaslr --format json --output "$1/r.json" "$top/scenarios/getpid.scn" \
			>"$1/out" 2>&1 || { cat "$1/out"; fail "run $i failed"; } || return 1
		grep -q "as the snapshot's: symbols loaded so" "$1/out" && { seen=1; break; }
	done
	[ $seen = 1 ] || fail "no run restored a slot with its slide kept" || return 1
	dir=$(sed -n 's/.*from warm snapshot \([^ ]*\) in .*/\1/p' "$1/out")
	want=$(slide_of "$1/r.json")
	got=$(cat "$dir/slide")
	[ "$((got))" = "$((want))" ] || fail "$dir/slide says $got, the run's slide was $want" || return 1
	# Every slot of this guest's pool told a wrong slide (2 MiB off); the slots no run
	# restores here get theirs back at the end.
	base=${dir%-k*}
	for f in "$base"-k*/slide; do
		cp "$f" "$f.kept"
		printf '0x%x\n' $(($(cat "$f") + 0x200000)) >"$f"
	done
	seen=0
	for i in 1 2 3 4 5 6; do
		"$KDIVE" -v run --kaslr --format json --output "$1/r.json" "$top/scenarios/getpid.scn" \
			>"$1/out" 2>&1 || { cat "$1/out"; fail "run $i after the damage failed"; } ||
			return 1
		grep -q "from warm snapshot $base-k" "$1/out" && { seen=1; break; }
	done
	[ $seen = 1 ] || fail "no run restored a slot after the damage" || return 1
	contains "$(cat "$1/out")" "symbols relocated" || return 1
	dir=$(sed -n 's/.*from warm snapshot \([^ ]*\) in .*/\1/p' "$1/out")
	want=$(slide_of "$1/r.json")
	got=$(cat "$dir/slide")
	for f in "$base"-k*/slide.kept; do
		mv "$f" "${f%.kept}"
	done
	[ "$((got))" = "$((want))" ] || fail "$dir/slide was not rewritten" || return 1
	rm -f "$1/out" "$1/r.json"
}

t_finish_returns_on_another_cpu() {
	# A finish ends where the function returns, on whichever CPU: the program moves
	# itself to the other CPU, so sched_setaffinity returns on a CPU that is not the
	# one it was called on (gdb's own finish breakpoint is the calling CPU's).
	cat >"$1/move.c" <<'EOF'
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>

int main(void)
{
	int from = sched_getcpu(), to = !from;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(to, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return 1;
	printf("moved from CPU %d to CPU %d\n", from, sched_getcpu());
	return sched_getcpu() != to;
}
EOF
	# The system call's function, and do_syscall_64 around it (a finish takes no
	# other stop inside it: two scenarios).
	printf 'program ./move.c\nstop __x64_sys_sched_setaffinity finish\n  regs ret == 0\nexit 0\noutput contains moved from CPU\n' \
		>"$1/move.scn"
	printf 'program ./move.c\nstop do_syscall_64 syscall=sched_setaffinity finish\nexit 0\n' \
		>"$1/move-out.scn"
	TMPDIR=$1 expect_rc 0 timeout 120 "$KDIVE" run --smp 2 --timeout 60 "$1/move.scn" \
		"$1/move-out.scn" || return 1
	contains "$out" "PASS  move " || return 1
	contains "$out" "PASS  move-out " || return 1
}

t_library_on_two_cpus_with_a_busy_neighbour() {
	# SMP, on both kernels: 2 CPUs while /progs/busy makes the same system calls on the
	# other one; the per-CPU current task must keep every stop to the scenario's own
	# program.
	"$KDIVE" run --kernel 6.1 --kernel 6.12 --smp 2 --append kdive.busy=busy --keep \
		--format json --output "$1/smp.json" "$top"/scenarios/*.scn 2>"$1/smp.err"
	local rc=$?
	[ $rc -eq 0 ] || { cat "$1/smp.err"; fail "kdive run --smp 2 exited $rc"; } || return 1
	valid_report "$1/smp.json" || return 1
	python3 - "$1/smp.json" <<'PY' || return 1
import json, sys
d = json.load(open(sys.argv[1]))
assert all(s["result"] == "pass" for s in d["scenarios"]), [(s["name"], s["result"], s["reason"]) for s in d["scenarios"]]
assert all(s["cpus"] == 2 for s in d["scenarios"])
PY
	# The neighbour ran in every guest, and the guests had two CPUs.
	local dirs n
	dirs=$(sed -n 's/.*run directory kept: \([^ ]*\).*/\1/p' "$1/smp.err")
	n=$(wc -w <<<"$dirs")
	local want=$(( 2 * $(ls "$top"/scenarios/*.scn | wc -l) ))
	[ "$n" -eq "$want" ] || fail "expected $want kept run directories, got $n" || return 1
	for d in $dirs; do
		grep -q 'runs in the background' "$d/console.log" || fail "no busy neighbour in $d" || return 1
		grep -q 'smp: Brought up 1 node, 2 CPUs' "$d/console.log" || fail "not 2 CPUs in $d" || return 1
	done
	rm -rf $dirs
}
