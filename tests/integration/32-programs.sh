# Your program on your kernel: a user's reproducer (sources, flags, libraries, data
# files; a prebuilt static or dynamic ELF) reaches a warm guest, and what is wrong
# with it is said before any guest starts.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

# The warm snapshots in the cache, one name a line.
warm_entries() {
	ls "${KDIVE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kdive}/warm" 2>/dev/null | grep -v '\.lock$'
}

t_user_program_on_a_warm_guest() {
	# examples/repro (a thread, an assembler source, -pthread -lrt, a data file), from
	# a directory whose path has a blank, quotes, a comma and non-ASCII: restored from
	# the snapshot every program shares (no new one), its stop and user frames as a
	# built-in's; then from a copy elsewhere, the same build from the cache.
	local dir="$1/my dir/o'neil \"q\", é" other="$1/elsewhere" before after
	mkdir -p "$dir" "$other" && cp "$top"/examples/repro/* "$dir/" && cp "$top"/examples/repro/* "$other/" ||
		return 1
	"$KDIVE" -q run "$top/scenarios/getpid.scn" >/dev/null 2>&1 || fail "getpid.scn failed" || return 1
	before=$(warm_entries)
	"$KDIVE" run --format json --output "$1/repro.json" "$dir/repro.scn" 2>"$1/repro.err" ||
		{ sed 's/^/# /' "$1/repro.err"; fail "repro.scn exited $?"; } || return 1
	after=$(warm_entries)
	[ "$before" = "$after" ] || fail "a user's program made a new snapshot: $after" || return 1
	valid_report "$1/repro.json" || return 1
	python3 - "$1/repro.json" <<'PY' || fail "repro.scn's result is not what it should be" || return 1
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
assert s["result"] == "pass" and s["restored"] is True, (s["result"], s["restored"], s["reason"])
assert s["args"] == ["/data/input.txt"], s["args"]
user = [(f["func"], f["file"]) for f in s["stops"][0]["user_frames"]]
assert ("reader", "repro.c") in user, user
PY
	grep -q ': built repro (' "$1/repro.err" || grep -q ': program repro (' "$1/repro.err" ||
		fail "no line says the program was built" || return 1
	(cd "$other" && "$KDIVE" run repro.scn) >"$1/other.out" 2>&1 ||
		{ sed 's/^/# /' "$1/other.out"; fail "repro.scn from another directory failed"; } || return 1
	grep -q ': program repro (' "$1/other.out" ||
		fail "the same sources elsewhere were built again" || return 1
	# --program alone: the program's own verdict; its arguments after --.
	(cd "$dir" && "$KDIVE" -q run --program ./repro.c -- /nonexistent) >"$1/alone.out" 2>&1
	[ $? -ne 0 ] || fail "repro.c without sum.S built and passed" || return 1
	grep -q "undefined reference to .sum_bytes'" "$1/alone.out" ||
		fail "the linker's error is not said" || return 1
}

t_dynamic_program_brings_its_libraries() {
	# A prebuilt PIE linked against the host's libc: its interpreter and libraries come
	# along, gdb relocates its symbols and the libraries', main and the user frames
	# through libc are found, its arguments arrive.
	cat >"$1/dyn.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	int fd = openat(AT_FDCWD, "/init", O_RDONLY);
	printf("dynamic: %d args, fd %d, last '%s'\n", argc - 1, fd, argv[argc - 1]);
	return fd >= 0 ? 0 : 1;
}
EOF
	gcc -g -o "$1/dyn" "$1/dyn.c" || return 1
	file -L "$1/dyn" | grep -q 'dynamically linked' || fail "gcc did not link dynamically" || return 1
	cat >"$1/dyn.scn" <<'EOF'
program ./dyn a,b "c d"
stop do_sys_openat2 syscall=openat
  user
    ...
    main   dyn.c
    ...
stop user main
EOF
	"$KDIVE" run --format json --output "$1/dyn.json" "$1/dyn.scn" 2>"$1/dyn.err" ||
		{ sed 's/^/# /' "$1/dyn.err"; fail "dyn.scn exited $?"; } || return 1
	grep -q 'took dyn (.* with 2 libraries' "$1/dyn.err" ||
		{ grep 'dyn (' "$1/dyn.err"; fail "not the interpreter and libc"; } || return 1
	python3 - "$1/dyn.json" <<'PY' || fail "dyn.scn's frames are not the program's" || return 1
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
assert s["result"] == "pass", s["reason"]
user = [f["func"] for f in s["stops"][0]["user_frames"]]
assert user[0] != "??" and "main" in user, user
PY
	(cd "$1" && "$KDIVE" -q run --program ./dyn -- x 'y z') >"$1/alone.out" 2>&1 ||
		{ sed 's/^/# /' "$1/alone.out"; fail "run --program ./dyn failed"; } || return 1
}

t_program_faults_said_before_any_boot() {
	# Each fault of a user's program: exit 2, FILE:LINE:COL (or --program), its
	# reason, and no guest started.
	local d=$1
	printf 'int main(void) { return 3 }\n' >"$d/bad.c"
	printf 'int main(void) { return 0; }\n' >"$d/ok.c"
	printf 'int foo(void) { return 1; }\n' >"$d/libfoo.c"
	printf 'int foo(void); int main(void) { return foo(); }\n' >"$d/needs.c"
	gcc -shared -fPIC -o "$d/libfoo.so" "$d/libfoo.c" && gcc -o "$d/needs" "$d/needs.c" -L"$d" -lfoo &&
		rm "$d/libfoo.so" || return 1
	gcc -o "$d/stripped" "$d/ok.c" -s || return 1
	# An aarch64 ELF header: what file(1) would call one.
	printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\002\000\267\000' >"$d/arm"
	truncate -s 65M "$d/big.bin"
	check_fault() {
		local name=$1 want=$2; shift 2
		expect_rc 2 "$KDIVE" run "$@" || fail "$name: not exit 2" || return 1
		contains "$out" "$want" || fail "$name: not said" || return 1
		! grep -qE 'booting|restored' <<<"$out" || fail "$name: a guest started" || return 1
	}
	printf 'program ./bad.c\n' >"$d/bad.scn"
	check_fault "a compile error" "bad.scn:1:9: './bad.c' does not compile: " "$d/bad.scn" || return 1
	contains "$out" "bad.c:1:26: error: expected" || return 1
	printf 'program ./missing.c\n' >"$d/missing.scn"
	check_fault "a missing program" "missing.scn:1:9: program './missing.c' cannot be read" \
		"$d/missing.scn" || return 1
	printf 'program ./ok.c\nfile nothere.txt /data/x\n' >"$d/nofile.scn"
	check_fault "a missing file" "nofile.scn:2:6: file 'nothere.txt' cannot be read" \
		"$d/nofile.scn" || return 1
	printf 'program ./arm\n' >"$d/arm.scn"
	check_fault "another architecture" "is an ELF for aarch64, not x86-64" "$d/arm.scn" || return 1
	printf 'program ./needs\n' >"$d/needs.scn"
	check_fault "a missing library" "needs the library 'libfoo.so', which the host's loader" \
		"$d/needs.scn" || return 1
	check_fault "a stripped program" "has no symbol 'main' (stripped?)" --program "$d/stripped" || return 1
	printf 'program ./ok.c\nfile big.bin /data/big\n' >"$d/big.scn"
	check_fault "a program too large" "the guest takes at most 64 MiB" "$d/big.scn" || return 1
	check_fault "--program's missing file" "--program: program" --program ./nothere.c || return 1
}

t_program_in_the_initramfs() {
	# A kernel without virtio-blk (a prebuilt one, say: here the built kernel whose
	# vmlinux says so, its driver's probe renamed) boots with the program appended to
	# its initramfs, and saves no snapshot.
	local bz vm before after
	expect_rc 0 "$KDIVE" build --format json -q || return 1
	bz=$(json_get kernel.bzimage <<<"$out") vm=$(json_get kernel.vmlinux <<<"$out")
	objcopy --redefine-sym virtblk_probe=kdive_test_no_probe "$vm" "$1/vmlinux" || return 1
	cp "$top"/examples/repro/* "$1/" || return 1
	before=$(warm_entries)
	"$KDIVE" run --kernel "$bz" --vmlinux "$1/vmlinux" --format json --output "$1/r.json" \
		"$1/repro.scn" 2>"$1/r.err" || { sed 's/^/# /' "$1/r.err"; fail "repro.scn exited $?"; } ||
		return 1
	after=$(warm_entries)
	grep -q "has no virtio disk driver: 'repro' travels in the initramfs" "$1/r.err" ||
		fail "no line says how the program travels" || return 1
	[ "$before" = "$after" ] || fail "a guest with a user's initramfs was saved" || return 1
	python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["scenarios"][0]
assert s["result"] == "pass" and s["restored"] is False, (s["result"], s["reason"])' "$1/r.json" ||
		fail "not a pass from a boot" || return 1
}

t_program_in_tour_and_serve() {
	# --program in place of a scenario's program, for a tour; a path in serve's boot
	# (its frames name the program's source; --safe refuses it).
	cp "$top/examples/head1.c" "$1/" || return 1
	(cd "$1" && "$KDIVE" -q tour --auto "$top/scenarios/read.scn" --program ./head1.c -- /init) \
		>"$1/tour.out" 2>&1 || { sed 's/^/# /' "$1/tour.out" | tail; fail "the tour exited $?"; } ||
		return 1
	grep -q 'The tour is over: the guest ran ./head1.c' "$1/tour.out" ||
		fail "the tour did not run head1" || return 1
	printf '%s\n' '{"id":1,"cmd":"boot","program":"./head1.c","args":["/init"]}' \
		'{"id":2,"cmd":"frames"}' '{"id":3,"cmd":"quit"}' >"$1/req"
	(cd "$1" && "$KDIVE" serve <"$1/req") >"$1/serve.out" 2>"$1/serve.err" ||
		{ sed 's/^/# /' "$1/serve.err" | tail; fail "serve exited $?"; } || return 1
	python3 - "$1/serve.out" <<'PY' || fail "serve did not boot head1" || return 1
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert r[0]["ok"] and r[0]["result"]["stopped_at"] == "main", r[0]
assert r[1]["result"]["frames"][0]["func"] == "main", r[1]
assert r[1]["result"]["frames"][0]["file"].endswith("head1.c"), r[1]
PY
	(cd "$1" && "$KDIVE" serve --safe <"$1/req") >"$1/safe.out" 2>/dev/null
	grep -q '"--safe: this server runs built-in programs only' "$1/safe.out" ||
		fail "--safe took a program path" || return 1
	no_guest_left
}

t_program_tap_in_every_format() {
	# A program that prints KTAP (tests/programs/ktap.c, a nested suite): its tests are
	# nested under the scenario in KTAP (which the kernel's own kunit.py parses), JUnit
	# (Jenkins' XSD), JSON (docs/result.schema.json) and KCIDB (the v5.3 schema); and a
	# failing test fails the scenario, named.
	local kunit f
	kunit=$(ls "${KDIVE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kdive}"/src/*/linux-source-6.12/tools/testing/kunit/kunit.py |
		head -n 1)
	[ -f "$kunit" ] || fail "no kunit.py in the cache's 6.12 source" || return 1
	cp "$top"/tests/programs/ktap.c "$top"/tests/programs/ktap.scn "$1/" || return 1
	for f in ktap junit json kcidb; do
		"$KDIVE" -q run --format $f --output "$1/r.$f" "$1/ktap.scn" >"$1/$f.out" 2>&1 ||
			{ sed 's/^/# /' "$1/$f.out"; fail "--format $f exited $?"; } || return 1
	done
	"$tools/ktap-check" --kunit "$kunit" <"$1/r.ktap" | sed 's/^/# /'
	"$tools/ktap-check" --kunit "$kunit" <"$1/r.ktap" >/dev/null || fail "kunit.py parse refuses it" ||
		return 1
	grep -q '^      ok 2 out_of_range_is_enosys$' "$1/r.ktap" ||
		fail "the program's nested test is not nested in the KTAP" || return 1
	xmllint --noout --schema "$top/tests/schemas/jenkins-junit-10.xsd" "$1/r.junit" 2>"$1/xsd.err" ||
		{ sed 's/^/# /' "$1/xsd.err"; fail "the JUnit XSD refuses it"; } || return 1
	grep -q 'out_of_range_is_enosys' "$1/r.junit" || fail "no nested test in the JUnit" || return 1
	valid_report "$1/r.json" || return 1
	python3 - "$1/r.json" "$1/r.kcidb" "$top/tests/schemas/kcidb-v5.3.schema.json" <<'PY' ||
import json, sys, jsonschema
r = json.load(open(sys.argv[1]))["scenarios"][0]
p = r["program_result"]
assert r["result"] == "pass" and p["exit_status"] == 0 and p["tap_result"] == "pass", p
entry = p["tap"][0]
assert entry["name"] == "entry" and [t["name"] for t in entry["subtests"]] == \
    ["getpid_number", "out_of_range_is_enosys", "x32_numbers"], entry
assert entry["subtests"][2]["result"] == "skip", entry["subtests"][2]
k = json.load(open(sys.argv[2]))
jsonschema.validate(k, json.load(open(sys.argv[3])))
paths = [t["path"] for t in k["tests"]]
assert any(p.endswith("tap.entry.out_of_range_is_enosys") for p in paths), paths
PY
		fail "the JSON or KCIDB report lacks the nested tests" || return 1
	"$tools/kcidb-check" "$1/r.kcidb" >/dev/null || fail "kcidb-check refuses it" || return 1
	# A failing test of the program's fails the scenario, and says which.
	sed 's|^program ./ktap.c$|program ./ktap.c fail|; s|^exit 0$|exit 1|' "$1/ktap.scn" >"$1/fail.scn"
	expect_rc 1 "$KDIVE" -q run "$1/fail.scn" || return 1
	contains "$out" "exit_path" || return 1
}
