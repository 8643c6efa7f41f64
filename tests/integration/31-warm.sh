# Warm snapshots: restored and booted guests agree, and what shapes the guest
# (its programs, its kernel) decides which snapshot serves it.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_library_warm_and_booted_agree() {
	# The same frames, checks and results whether each guest was restored from its
	# warm snapshot (side by side, the default, each worker keeping its gdb from one
	# scenario to the next), restored with a gdb of its own ($KDIVE_FRESH_GDB), cold
	# (the first guest booted and saved, the others restored, one after another), or
	# booted, one after another.
	"$KDIVE" -q run --format json --output "$1/warm.json" "$top"/scenarios/*.scn ||
		fail "the warm run exited $?" || return 1
	KDIVE_FRESH_GDB=1 "$KDIVE" -q run --format json --output "$1/fresh.json" \
		"$top"/scenarios/*.scn || fail "the warm run with a gdb each exited $?" || return 1
	# Cold: the snapshot removed, the first scenario boots and saves it anew.
	local snap
	snap=$("$KDIVE" run "$top/scenarios/getpid.scn" 2>&1 >/dev/null |
		sed -n 's/.* from warm snapshot \(\/[^ ]*\) .*/\1/p')
	[ -d "$snap" ] || fail "no warm snapshot named" || return 1
	rm -rf "$snap"
	"$KDIVE" -q run -j 1 --format json --output "$1/cold.json" "$top"/scenarios/*.scn ||
		fail "the cold run exited $?" || return 1
	[ -f "$snap/state" ] || fail "the cold run saved no snapshot $snap" || return 1
	"$KDIVE" -q run --no-snapshot -j 1 --format json --output "$1/booted.json" \
		"$top"/scenarios/*.scn || fail "the booted run exited $?" || return 1
	valid_report "$1/warm.json" "$1/fresh.json" "$1/cold.json" "$1/booted.json" || return 1
	python3 - "$1/warm.json" "$1/booted.json" "$1/fresh.json" "$1/cold.json" <<'PY' || fail "warm and booted results differ" || return 1
import json, sys
# Everything but the times, whether the guest was restored, and what a function
# returned: kernel_clone's is the child's pid, which varies from run to run either
# way (24 or 25: whether a kernel worker thread was created first). Its check's
# result must still be the same.
def strip(o):
    if isinstance(o, dict):
        ret = o.get("name") == "ret" and "op" in o
        return {k: strip(v) for k, v in o.items()
                if k not in ("ms", "timings", "restored")
                and not (ret and k in ("actual", "actual_hex"))}
    if isinstance(o, list):
        return [strip(x) for x in o]
    return o
warm, *others = (strip(json.load(open(f))) for f in sys.argv[1:])
assert len(warm["scenarios"]) >= 10, len(warm["scenarios"])
for other in others:
    for w, b in zip(warm["scenarios"], other["scenarios"]):
        assert w == b, "%s differs:\n%s\n%s" % (w["name"], json.dumps(w)[:2000], json.dumps(b)[:2000])
    assert warm == other
PY
}

# warm_run DATA OUT: kdive run getpid.scn with kdive's data from DATA; its stderr in
# OUT.err. Sets snap to the warm snapshot it restored or saved, how to "restored" or
# "saved" (or "" for neither).
warm_run() {
	KDIVE_DATA=$1 "$KDIVE" run "$1/scenarios/getpid.scn" >"$2.out" 2>"$2.err" ||
		{ sed 's/^/# /' "$2.err" | tail -n 20; fail "kdive run with $1 exited $?"; } || return 1
	snap=$(sed -n 's/.* warm snapshot \(\/[^ ]*\) .*/\1/p' "$2.err" | tail -n 1)
	how=
	grep -q 'restored .* from warm snapshot' "$2.err" && how=restored
	grep -q 'saved the guest as warm snapshot' "$2.err" && how=saved
	echo "# $2: $how ${snap:-no snapshot}"
}

# new_snapshot DATA OUT OLD...: warm_run, whose guest must be none of the OLD
# snapshots; it boots and saves a new one (one a run of this test left before is
# removed first, and the run made again).
new_snapshot() {
	local data=$1 out=$2 old; shift 2
	warm_run "$data" "$out" || return 1
	for old; do
		[ "$snap" != "$old" ] || fail "$out: restored the old guest $old" || return 1
	done
	if [ "$how" = restored ]; then
		rm -rf "$snap"
		warm_run "$data" "$out-anew" || return 1
		out=$out-anew
	fi
	[ "$how" = saved ] || fail "$out: no new snapshot ($how $snap)" || return 1
	grep -q '^kdive: booting' "$out.err" || fail "$out: no boot" || return 1
}

t_warm_snapshots_follow_what_shapes_the_guest() {
	# kdive's data copied, then changed step by step: what changes the guest means a
	# boot and a new snapshot; a damaged snapshot, a boot and the same one saved anew.
	local data=$1/data s1 s2 s3
	mkdir -p "$data" && cp -r "$top/kconfig" "$top/initramfs" "$top/scenarios" "$data/" || return 1
	warm_run "$data" "$1/first" || return 1
	warm_run "$data" "$1/again" || return 1
	[ "$how" = restored ] || fail "the second run was not restored" || return 1
	s1=$snap
	# Another guest program: another initramfs.
	cp "$top/initramfs/progs/getpid.c" "$data/initramfs/progs/warm_extra.c" || return 1
	new_snapshot "$data" "$1/program" "$s1" || return 1
	s2=$snap
	warm_run "$data" "$1/program-again" || return 1
	[ "$how $snap" = "restored $s2" ] || fail "not restored from $s2" || return 1
	# A changed kernel fragment: another kernel (an incremental build).
	printf 'CONFIG_DEFAULT_HOSTNAME="kdive-warm"\n' >>"$data/kconfig/base.config"
	new_snapshot "$data" "$1/fragment" "$s1" "$s2" || return 1
	s3=$snap
	# A truncated snapshot: one line says why, the guest boots, the snapshot is saved anew.
	truncate -s 1M "$s3/state" || return 1
	warm_run "$data" "$1/truncated" || return 1
	grep -q "warm snapshot $s3 is not usable (.*state" "$1/truncated.err" ||
		fail "no line about the truncated snapshot" || return 1
	grep -q '^kdive: booting' "$1/truncated.err" || fail "no boot after the truncation" || return 1
	[ "$how $snap" = "saved $s3" ] || fail "not saved anew as $s3 ($how $snap)" || return 1
	warm_run "$data" "$1/repaired" || return 1
	[ "$how $snap" = "restored $s3" ] || fail "not restored from the new $s3" || return 1
	rm -rf "$s2" "$s3"
}
