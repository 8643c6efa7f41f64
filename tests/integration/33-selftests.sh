# The kernel's own x86 entry selftests, built from each kernel's source tree
# (program @linux/...): scenarios/selftests/ on 6.1 and 6.12.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_selftests_on_6_1_and_6_12() {
	# Every selftest scenario passes on both kernels: the selftest built from that
	# kernel's tree exits as expected and prints what it should, and every stop,
	# reached at least once in each scenario, shows what its file says.
	"$KDIVE" -q run --kernel 6.1 --kernel 6.12 --format json --output "$1/s.json" \
		"$top"/scenarios/selftests/*.scn
	local rc=$?
	[ $rc -eq 0 ] || fail "kdive run of scenarios/selftests on 6.1 and 6.12 exited $rc" || return 1
	valid_report "$1/s.json" || return 1
	python3 - "$1/s.json" "$top"/scenarios/selftests/*.scn <<'PY' || return 1
import json, os, sys
d = json.load(open(sys.argv[1]))
files = sorted(os.path.realpath(f) for f in sys.argv[2:])
vers = sorted({s["kernel"]["version"] for s in d["scenarios"]})
assert len(vers) == 2 and vers[0].startswith("6.1.") and vers[1].startswith("6.12."), vers
# One result per file and kernel, each a pass.
ran = sorted((os.path.realpath(s["file"]), s["kernel"]["version"]) for s in d["scenarios"])
assert ran == sorted((f, v) for f in files for v in vers), ran
bad = [(s["name"], s["kernel"]["version"], s["result"], s["reason"])
       for s in d["scenarios"] if s["result"] != "pass"]
assert not bad, bad
# Each scenario showed its corner: at least one stop reached, on each kernel.
unreached = [(s["name"], s["kernel"]["version"]) for s in d["scenarios"]
             if not any(st["reached"] for st in s["stops"])]
assert not unreached, "no stop reached: %r" % unreached
print("# %d selftests pass on %s" % (len(files), " and ".join(vers)))
PY
}
