# kdive run's reports: KCIDB, JSON against its schema, JUnit, KTAP and JSON as their
# consumers' own tools read them, and an error in every format.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_kcidb_report_validates() {
	# --format kcidb: KernelCI's I/O schema v5, checked by tests/tools/kcidb-check
	# (required and allowed fields, patterns, statuses, links), on two kernels, a pass,
	# a fail (with its diff as the log excerpt) and a skip.
	sed 's/^stop __x64_sys_clock_gettime never$/stop __x64_sys_getpid never/' \
		"$top/scenarios/vdso.scn" >"$1/vdso-mutated.scn"
	printf '[< 5.0] scenario old\nprogram getpid\nstop __x64_sys_getpid\n' >"$1/old.scn"
	"$KDIVE" -q run --kernel 6.1 --kernel 6.12 --format kcidb --output "$1/kcidb.json" \
		"$top/scenarios/getpid.scn" "$1/vdso-mutated.scn" "$1/old.scn"
	local rc=$?
	[ $rc -eq 1 ] || fail "kdive run exited $rc, expected 1 (one scenario fails)" || return 1
	"$tools/kcidb-check" "$1/kcidb.json" | sed 's/^/# /'
	"$tools/kcidb-check" "$1/kcidb.json" >/dev/null || fail "not valid KCIDB v5" || return 1
	python3 - "$1/kcidb.json" <<'PY' || fail "not the expected content" || return 1
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == {"major": 5, "minor": 3}, d["version"]
assert len(d["checkouts"]) == 2 and len(d["builds"]) == 2, (d["checkouts"], d["builds"])
tests = {(t["path"], t["build_id"]): t for t in d["tests"]}
by = lambda path: [t for t in d["tests"] if t["path"] == path]
assert {t["status"] for t in by("kdive.getpid")} == {"PASS"}, by("kdive.getpid")
assert {t["status"] for t in by("kdive.vdso.__x64_sys_getpid")} == {"FAIL"}
assert all("reached, but the scenario says it never is" in t["log_excerpt"]
           for t in by("kdive.vdso.__x64_sys_getpid"))
assert {t["status"] for t in by("kdive.vdso.__x64_sys_getpid-2")} == {"PASS"}
assert {t["status"] for t in by("kdive.old")} == {"SKIP"}, by("kdive.old")
assert all(t["duration"] > 0 for t in by("kdive.getpid"))
PY
}

t_kcidb_ids_follow_what_was_built() {
	# KCIDB merges objects by id, so ids must say what the kernel is, not what it was
	# called: the default run, --kernel 6.12 and a symlink to the same tarball are one
	# checkout and one build; two prebuilt bzImages of one release (UP and SMP) are two
	# builds; two runs share no test id; --origin is in every id and origin; a QEMU
	# that cannot start is MISS (a harness failure), not ERROR.
	local scn=$top/scenarios/getpid.scn f rc
	ln -s /usr/src/linux-source-6.12.tar.xz "$1/link.tar.xz"
	"$KDIVE" -q run --format kcidb --output "$1/default.json" "$scn" || return 1
	"$KDIVE" -q run --kernel 6.12 --format kcidb --output "$1/612.json" "$scn" || return 1
	"$KDIVE" -q run --kernel "$1/link.tar.xz" --origin lab1 --format kcidb \
		--output "$1/link.json" "$scn" || return 1
	local up smp
	up=$("$KDIVE" -q build --format json) || return 1
	smp=$("$KDIVE" -q build --smp 2 --format json) || return 1
	local upb upv smpb smpv
	upb=$(json_get kernel.bzimage <<<"$up") && upv=$(json_get kernel.vmlinux <<<"$up") &&
		smpb=$(json_get kernel.bzimage <<<"$smp") && smpv=$(json_get kernel.vmlinux <<<"$smp") ||
		return 1
	"$KDIVE" -q run --kernel "$upb" --vmlinux "$upv" --kernel "$smpb" --vmlinux "$smpv" \
		--format kcidb --output "$1/prebuilt.json" "$scn" || return 1
	# (A failed run keeps its directory: under $1, not the runner's TMPDIR.)
	TMPDIR=$1 KDIVE_QEMU=/bin/false "$KDIVE" -q run --format kcidb --output "$1/miss.json" \
		"$scn" 2>"$1/miss.err"
	rc=$?
	[ $rc -eq 3 ] || fail "a QEMU that fails: kdive run exited $rc, expected 3" || return 1
	# (An origin KCIDB refuses is a usage error: t_usage_errors_of_every_command.)
	for f in default 612 link prebuilt miss; do
		"$tools/kcidb-check" "$1/$f.json" | sed "s/^/# $f: /"
		"$tools/kcidb-check" "$1/$f.json" >/dev/null || fail "$f.json is not valid KCIDB" ||
			return 1
	done
	python3 - "$1" <<'PY' || fail "the ids do not follow what was built" || return 1
import json, sys
d = {f: json.load(open("%s/%s.json" % (sys.argv[1], f)))
     for f in ("default", "612", "link", "prebuilt", "miss")}
ids = lambda f, kind: {o["id"].split(":", 1)[1] for o in d[f][kind]}
# one tarball, however named: one checkout, one build (the origin aside)
for kind in ("checkouts", "builds"):
    assert ids("default", kind) == ids("612", kind) == ids("link", kind), kind
    assert len(ids("default", kind)) == 1, kind
c = d["default"]["checkouts"][0]
assert c["misc"]["source_id"].startswith("tarball sha256 "), c
assert c["misc"]["package"] == "linux-source-6.12", c
# two bzImages of one release: two checkouts and two builds, each test on its own
p = d["prebuilt"]
assert [b["comment"] for b in p["builds"]] == [p["builds"][0]["comment"]] * 2, p["builds"]
assert len(ids("prebuilt", "builds")) == 2 and len(ids("prebuilt", "checkouts")) == 2
assert all(b["config_name"] == "prebuilt" for b in p["builds"])
assert not ids("prebuilt", "builds") & ids("default", "builds")
assert len({t["build_id"] for t in p["tests"] if t["path"] == "kdive.getpid"}) == 2
# runs never share a test id
runs = [ids(f, "tests") for f in ("default", "612", "link", "prebuilt", "miss")]
assert all(not (a & b) for i, a in enumerate(runs) for b in runs[i + 1:]), "a test id repeats"
# --origin lab1: every id and origin; the others are kdive's
for f, origin in (("link", "lab1"), ("default", "kdive")):
    for kind in ("checkouts", "builds", "tests"):
        for o in d[f][kind]:
            assert o["origin"] == origin and o["id"].startswith(origin + ":"), (f, o)
            for link in ("checkout_id", "build_id"):
                assert link not in o or o[link].startswith(origin + ":"), (f, o)
# QEMU could not start: MISS, with the reason
m = [t for t in d["miss"]["tests"] if t["path"] == "kdive.getpid"]
assert len(m) == 1 and m[0]["status"] == "MISS", m
assert m[0]["misc"]["kdive_status"] == "error" and m[0]["log_excerpt"], m
assert not any(t["status"] == "ERROR" for t in d["miss"]["tests"])
PY
}

t_json_report_follows_its_schema() {
	# docs/result.schema.json and kdive run's JSON, on a report with every kind of
	# result: fork.scn passing (lstar, user, kernel and finish stops), a copy of it with
	# a frame changed failing, vdso.scn (a never stop) and a scenario its guard leaves
	# out. Then the check must be able to fail: every broken copy of that report (a
	# member deleted or added, a value of another type, a total off by one) is rejected.
	sed 's/^    kernel_clone      kernel\/fork.c$/    kernel_clonX      kernel\/fork.c/' \
		"$top/scenarios/fork.scn" >"$1/broken.scn"
	grep -q kernel_clonX "$1/broken.scn" || fail "the frame was not changed" || return 1
	printf '[< 5.0] scenario old\nprogram getpid\nstop __x64_sys_getpid\n' >"$1/old.scn"
	"$KDIVE" -q run --format json --output "$1/r.json" "$top/scenarios/fork.scn" \
		"$1/broken.scn" "$top/scenarios/vdso.scn" "$1/old.scn"
	local rc=$?
	[ $rc -eq 1 ] || fail "kdive run exited $rc, expected 1" || return 1
	valid_report "$1/r.json" || return 1
	python3 - "$1/r.json" <<'PY' || fail "not one result of each kind" || return 1
import json, sys
d = json.load(open(sys.argv[1]))
got = [s["result"] for s in d["scenarios"]]
assert got == ["pass", "fail", "pass", "skip"], got
PY
	local o
	o=$("$tools/result-check" --mutate "$1/r.json" 2>&1)
	rc=$?
	sed 's/^/# /' <<<"$o"
	[ $rc -eq 0 ] || fail "the schema accepts a broken report (above)"
}

t_junit_and_ktap_consumers_read_them_whole() {
	# Each report as its consumer's own tool reads it. JUnit: Jenkins xunit's schema
	# accepts it (xmllint --schema) and no classname has a dot (Jenkins splits one
	# there: fork@6.12 / 118). KTAP of an errored run: the kernel's kunit.py parse shows
	# why ("QEMU ..."), not only that it errored. JSON: a check of a 64-bit value
	# expects it unsigned, as written, with its hex twin.
	local kunit scn=$top/scenarios
	kunit=$(ls "${KDIVE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kdive}"/src/*/linux-source-6.12/tools/testing/kunit/kunit.py |
		head -n 1)
	[ -f "$kunit" ] || fail "no kunit.py in the cache's 6.12 source" || return 1
	"$KDIVE" -q run --format junit --output "$1/r.xml" "$scn/getpid.scn" "$scn/write.scn" \
		"$scn/exit_sysret.scn" >"$1/junit.out" 2>&1 ||
		{ sed 's/^/# /' "$1/junit.out"; fail "--format junit exited $?"; } || return 1
	xmllint --noout --schema "$top/tests/schemas/jenkins-junit-10.xsd" "$1/r.xml" 2>"$1/xsd.err" ||
		{ sed 's/^/# /' "$1/xsd.err"; fail "Jenkins xunit's schema refuses the JUnit"; } || return 1
	python3 - "$1/r.xml" <<'PY' || fail "the JUnit's names" || return 1
import sys, xml.dom.minidom
d = xml.dom.minidom.parse(sys.argv[1])
suites = d.getElementsByTagName("testsuite")
assert len(suites) == 3, [s.getAttribute("name") for s in suites]
cls = {c.getAttribute("classname") for c in d.getElementsByTagName("testcase")}
assert cls == {s.getAttribute("name") for s in suites}, cls
assert all("." not in c and c.count("@") == 1 for c in cls), cls
props = {p.getAttribute("name"): p.getAttribute("value") for p in d.getElementsByTagName("property")}
assert "." in props["kernel_version"], props
assert any(c.startswith("getpid@") and c[7:] == props["kernel_version"].replace(".", "_")
           for c in cls), (cls, props)
PY
	TMPDIR=$1 KDIVE_QEMU=/bin/false expect_rc 3 "$KDIVE" -q run --format ktap \
		--output "$1/r.ktap" "$scn/getpid.scn" || return 1
	"$tools/ktap-check" --kunit "$kunit" <"$1/r.ktap" >/dev/null ||
		fail "kunit.py parse refuses the errored KTAP" || return 1
	python3 "$kunit" parse <"$1/r.ktap" >"$1/kunit.out" 2>&1
	sed 's/^/# /' "$1/kunit.out"
	grep -q '# error: QEMU exited with status 1' "$1/kunit.out" ||
		fail "kunit.py parse does not show why the test errored" || return 1
	sed 's/^  regs  orig_ax == 39$/&  ip != 0xffffffff81000000/' "$scn/getpid.scn" >"$1/high.scn"
	grep -q 0xffffffff81000000 "$1/high.scn" || fail "the check was not added" || return 1
	"$KDIVE" -q run --format json --output "$1/r.json" "$scn/exit_sysret.scn" "$1/high.scn" \
		>"$1/json.out" 2>&1 || { sed 's/^/# /' "$1/json.out"; fail "--format json exited $?"; } ||
		return 1
	valid_report "$1/r.json" || return 1
	python3 - "$1/r.json" <<'PY' || fail "a check's expected value in the JSON"
import json, sys
d = json.load(open(sys.argv[1]))
checks = {c["text"]: c for s in d["scenarios"] for st in s["stops"] for c in st["checks"]}
want = {"ip < 0x7ffffffff000": 0x7ffffffff000, "ip != 0xffffffff81000000": 0xffffffff81000000,
        "orig_ax == 39": 39}
for text, v in want.items():
    c = checks[text]
    assert c["expected"] == v and c["expected_hex"] == hex(v), c
    assert c["result"] == "pass", c
PY
	no_guest_left
}

t_failed_build_is_reported() {
	# --kernel 6.12 and a kernel whose build fails: the run goes on with 6.12 and exits
	# 3; each format says the failed build (KCIDB: a FAIL build with the log's last
	# lines and no test on it; JUnit and KTAP: an error per scenario, read by Jenkins'
	# schema and kunit.py; JSON: the kernel's build_error). Shards of it merge into the
	# same reports. A private cache holds 6.12 by hard links, so nothing of the fake
	# kernel reaches the real one.
	local real=${KDIVE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kdive} c=$1/cache kunit
	local scn=$top/scenarios fmt kdir sdir idir
	expect_rc 0 "$KDIVE" build --format json -q || return 1
	kdir=$(json_get kernel.vmlinux <<<"$out") sdir=$(json_get kernel.source_dir <<<"$out")
	idir=$(json_get initramfs.path <<<"$out")
	kunit=$sdir/tools/testing/kunit/kunit.py
	mkdir -p "$c/kernel" "$c/src" "$c/initramfs" "$1/src/linux-fake" || return 1
	cp -al "${kdir%/*}" "$c/kernel/" && cp -al "${sdir%/*}" "$c/src/" &&
		cp -al "${idir%/*}" "$c/initramfs/" || return 1
	printf 'allnoconfig:\n\t@echo "fake kernel: no configuration here"; exit 1\n' \
		>"$1/src/linux-fake/Makefile"
	tar -C "$1/src" -cJf "$1/linux-fake.tar.xz" linux-fake || fail "tar" || return 1
	local k=(--kernel 6.12 --kernel "$1/linux-fake.tar.xz")
	for fmt in text ktap junit json kcidb; do
		KDIVE_CACHE=$c expect_rc 3 "$KDIVE" run "${k[@]}" --format "$fmt" \
			--output "$1/r.$fmt" "$scn/getpid.scn" "$scn/write.scn" || return 1
	done
	contains "$out" "kdive: error: configuring the kernel failed: 'make' exited with status 2"
	contains "$out" "  | fake kernel: no configuration here"
	contains "$(cat "$1/r.text")" "ERROR getpid ($scn/getpid.scn): kernel $1/linux-fake.tar.xz did not build: configuring the kernel failed: 'make' exited with status 2 (full log: $c/kernel/" || return 1
	contains "$(cat "$1/r.text")" "4 scenarios: 2 passed, 0 failed, 2 errors, 0 skipped" ||
		return 1
	xmllint --noout --schema "$top/tests/schemas/jenkins-junit-10.xsd" "$1/r.junit" 2>"$1/xsd.err" ||
		{ sed 's/^/# /' "$1/xsd.err"; fail "Jenkins xunit's schema refuses the JUnit"; } || return 1
	grep -q '<error message="kernel .*/linux-fake.tar.xz did not build: configuring the kernel failed' \
		"$1/r.junit" || fail "no JUnit error for the failed build" || return 1
	"$tools/ktap-check" --kunit "$kunit" <"$1/r.ktap" >/dev/null ||
		fail "kunit.py parse refuses the KTAP" || return 1
	python3 "$kunit" parse <"$1/r.ktap" >"$1/kunit.out" 2>&1
	grep -q '# error: kernel .*/linux-fake.tar.xz did not build' "$1/kunit.out" ||
		{ sed 's/^/# /' "$1/kunit.out"; fail "kunit.py parse does not say the build failed"; } ||
		return 1
	valid_report "$1/r.json" || return 1
	"$tools/kcidb-check" "$1/r.kcidb" >/dev/null || fail "not valid KCIDB" || return 1
	python3 - "$1/r.json" "$1/r.kcidb" <<'PY' || fail "what the JSON and KCIDB say" || return 1
import json, sys
j, k = (json.load(open(p)) for p in sys.argv[1:])
res = j["scenarios"]
assert [r["result"] for r in res] == ["pass", "pass", "error", "error"], res
bad = [r for r in res if r["kernel"]["build_error"]]
assert len(bad) == 2 and all(r["kernel"]["version"] is None for r in bad), bad
assert "fake kernel: no configuration here" in bad[0]["kernel"]["build_error"], bad[0]
assert bad[0]["reason"].endswith(")") and "did not build" in bad[0]["reason"], bad[0]
builds = {b["status"]: b for b in k["builds"]}
assert set(builds) == {"PASS", "FAIL"}, k["builds"]
assert "fake kernel: no configuration here" in builds["FAIL"]["log_excerpt"], builds["FAIL"]
assert len(k["checkouts"]) == 2, k["checkouts"]
assert all(t["build_id"] == builds["PASS"]["id"] for t in k["tests"]), "a test on the failed build"
assert {t["path"] for t in k["tests"] if t["path"].count(".") == 1} == {"kdive.getpid", "kdive.write"}
PY
	# two shards, merged: the reports of the one run (the fake build fails in each)
	for i in 1 2; do
		KDIVE_CACHE=$c expect_rc 3 "$KDIVE" -q run "${k[@]}" --shard $i/2 --format json \
			--output "$1/s$i.json" "$scn/getpid.scn" "$scn/write.scn" || return 1
	done
	for fmt in text json kcidb; do
		expect_rc 3 "$KDIVE" -q merge --format "$fmt" --output "$1/m.$fmt" "$1/s1.json" \
			"$1/s2.json" || return 1
		"$tools/same-report" "$fmt" "$1/r.$fmt" "$1/m.$fmt" ||
			fail "the merged $fmt report is not the run's" || return 1
	done
	no_guest_left
}

t_qemu_that_fails_is_an_error_in_every_format() {
	# QEMU exits at once: each report says ERROR for the scenario, and stays well-formed.
	local scn=$top/scenarios/getpid.scn
	TMPDIR=$1 KDIVE_QEMU=/bin/false expect_rc 3 "$KDIVE" -q run --format ktap \
		--output "$1/r.ktap" "$scn"
	contains "$out" "QEMU"
	grep -q '^not ok 1 getpid.* # ERROR' "$1/r.ktap" || fail "no '# ERROR' test line in the KTAP"
	"$tools/ktap-check" <"$1/r.ktap" || fail "the KTAP is not valid"
	TMPDIR=$1 KDIVE_QEMU=/bin/false expect_rc 3 "$KDIVE" -q run --format json \
		--output "$1/r.json" "$scn"
	valid_report "$1/r.json"
	python3 - "$1/r.json" <<'PY' || fail "the JSON report"
import json, sys
d = json.load(open(sys.argv[1]))
sc = d["scenarios"][0]
assert sc["result"] == "error", sc["result"]
assert "QEMU" in (sc["error"] or ""), sc["error"]
assert d["summary"]["error"] == 1 and d["summary"]["exit_code"] == 3, d["summary"]
PY
	TMPDIR=$1 KDIVE_QEMU=/bin/false expect_rc 3 "$KDIVE" -q run --format junit \
		--output "$1/r.xml" "$scn"
	python3 -c 'import sys, xml.dom.minidom; d = xml.dom.minidom.parse(sys.argv[1]);
s = d.getElementsByTagName("testsuites")[0] if d.getElementsByTagName("testsuites") else d.documentElement;
assert d.getElementsByTagName("error"), "no <error>"' "$1/r.xml" || fail "the JUnit report"
	TMPDIR=$1 KDIVE_QEMU=/bin/false expect_rc 3 "$KDIVE" -q run "$scn"
	contains "$out" "ERROR"
	no_guest_left
}
