# kdive run --shard and kdive merge: a run split into shards and merged again is the
# run itself.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_shards_merge_into_one_run() {
	# The library on 6.1 and 6.12 in 3 shards (JSON), merged with kdive merge, gives
	# what one unsharded run writes, in every format, once timings and run ids are set
	# aside (tests/tools/same-report says what it drops). A shard merged twice is an
	# error (exit 2) naming both files; one shard alone is a partial merge.
	local k=(--kernel 6.1 --kernel 6.12) fmt i rc
	for i in 1 2 3; do
		"$KDIVE" -q run "${k[@]}" --shard "$i/3" --format json --output "$1/shard$i.json" \
			"$top"/scenarios/*.scn
		rc=$?
		[ $rc -eq 0 ] || fail "kdive run --shard $i/3 exited $rc" || return 1
		valid_report "$1/shard$i.json" || return 1
	done
	python3 - "$1"/shard[123].json <<'PY' || fail "the shards do not split the matrix" || return 1
import json, sys
docs = [json.load(open(p)) for p in sys.argv[1:]]
sizes = [len(d["scenarios"]) for d in docs]
plan = docs[0]["shard"]
total = len(plan["kernels"]) * len(plan["files"])
assert sum(sizes) == total and max(sizes) - min(sizes) <= 1, (sizes, total)
assert [d["shard"]["index"] for d in docs] == [1, 2, 3], [d["shard"] for d in docs]
cells = [(s["kernel"]["name"], s["file"]) for d in docs for s in d["scenarios"]]
assert len(set(cells)) == total, "a task in two shards"
PY
	for fmt in text ktap junit json kcidb; do
		"$KDIVE" -q run "${k[@]}" --format "$fmt" --output "$1/run.$fmt" "$top"/scenarios/*.scn
		rc=$?
		[ $rc -eq 0 ] || fail "kdive run --format $fmt exited $rc" || return 1
		# the shards in another order: the order comes from the run, not the inputs
		"$KDIVE" merge --format "$fmt" --output "$1/merged.$fmt" "$1/shard3.json" \
			"$1/shard1.json" "$1/shard2.json" 2>"$1/merge.$fmt.err"
		rc=$?
		[ $rc -eq 0 ] || fail "kdive merge --format $fmt exited $rc: $(cat "$1/merge.$fmt.err")" ||
			return 1
		contains "$(cat "$1/merge.$fmt.err")" "merged 24 results from 3 files" || return 1
		"$tools/same-report" "$fmt" "$1/run.$fmt" "$1/merged.$fmt" ||
			fail "the merged $fmt report is not the run's" || return 1
	done
	valid_report "$1/merged.json" || return 1
	"$tools/kcidb-check" "$1/merged.kcidb" >/dev/null || fail "merged KCIDB is not valid" || return 1
	# a merge for KCIDB takes the origin the shards' CI agreed on; its test ids are its own
	"$KDIVE" -q merge --format kcidb --origin lab1 --output "$1/lab1.kcidb" "$1/shard1.json" \
		"$1/shard2.json" "$1/shard3.json" || fail "kdive merge --origin lab1 failed" || return 1
	python3 - "$1/lab1.kcidb" "$1/merged.kcidb" <<'PY' || fail "merge --origin: ids" || return 1
import json, sys
lab, plain = (json.load(open(p)) for p in sys.argv[1:])
for kind in ("checkouts", "builds", "tests"):
    for o in lab[kind]:
        assert o["origin"] == "lab1" and o["id"].startswith("lab1:"), o
ids = lambda d: {t["id"].split(":", 1)[1] for t in d["tests"]}
assert not ids(lab) & ids(plain), "two merges share a test id"
PY

	expect_rc 2 "$KDIVE" merge --format json "$1/shard1.json" "$1/shard2.json" "$1/shard1.json" ||
		return 1
	contains "$out" "$1/shard1.json and $1/shard1.json both hold the result of" || return 1
	cp "$1/shard2.json" "$1/again.json"
	expect_rc 2 "$KDIVE" merge "$1/shard2.json" "$1/again.json" || return 1
	contains "$out" "$1/shard2.json and $1/again.json both hold" || return 1
	# partial: one shard, its results only, said so
	expect_rc 0 "$KDIVE" merge --format json "$1/shard2.json" || return 1
	contains "$out" "merged 8 results from 1 file (2 kernels x 12 scenarios: 16 missing)" || return 1
}
