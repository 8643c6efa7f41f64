# kdive bundle and kdive run BUNDLE: a session replayed by a fresh clone under a cache
# of its own, the same bytes twice, and bad bundles refused with nothing left behind.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_bundle_replays_in_a_fresh_clone() {
	local cache=${KDIVE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kdive} kkey ikey
	cp -r "$top/examples" "$1/examples" || return 1
	expect_rc 0 "$KDIVE" bundle "$1/examples/repro/repro.scn" -o "$1/repro.bundle" || return 1
	contains "$out" "PASS  repro" || return 1
	# The same scenario on the same machine: the same bytes, and no host path inside.
	expect_rc 0 "$KDIVE" -q bundle "$1/examples/repro/repro.scn" -o "$1/again.bundle" || return 1
	cmp "$1/repro.bundle" "$1/again.bundle" || fail "two bundles of one scenario differ" || return 1
	! grep -aqF -e "$1" -e "$top" "$1/repro.bundle" || fail "a host path in the bundle" || return 1
	mkdir "$1/members" && tar -xf "$1/repro.bundle" -C "$1/members" || return 1
	sed -n 5p "$1/members/scenario.scn" | grep -qx 'program ./program/repro.c /data/input.txt' ||
		fail "the program line was not rewritten in place" || return 1
	[ "$(wc -l <"$1/members/scenario.scn")" = "$(wc -l <"$top/examples/repro/repro.scn")" ] ||
		fail "the scenario lost or gained lines" || return 1
	for f in manifest.json kconfig/base.config program/repro.c program/sum.S program/input.txt; do
		[ -f "$1/members/$f" ] || fail "no $f in the bundle" || return 1
	done
	python3 - "$1/members/manifest.json" <<'PY' || fail "the manifest lacks what it must hold" || return 1
import json, sys
m = json.load(open(sys.argv[1]))
v = m["verdict"]
assert m["bundle"] == 1 and v["result"] == "pass" and v["exit_status"] == 0, v
assert [f["func"] for f in v["stops"][0]["frames"]][-1] == "entry_SYSCALL_64", v
assert m["recorded_on"]["kernel"]["source"]["kind"] == "debian", m["recorded_on"]
assert m["recorded_on"]["qemu"].startswith("QEMU emulator version"), m["recorded_on"]
assert len(m["program"]["key"]) == 64 and m["machine"]["cpus"] == 1, m
PY

	# A fresh clone elsewhere, its own kdive, a cache with only the kernel and the
	# initramfs (no snapshot, no program): the replay builds the program from the
	# bundle and boots.
	git clone -q "$top" "$1/clone" || return 1
	make -C "$1/clone" -j2 build/kdive >"$1/make.log" 2>&1 ||
		{ tail -n 20 "$1/make.log" | sed 's/^/# /'; fail "the clone did not build"; } || return 1
	expect_rc 0 "$KDIVE" build --format json -q || return 1
	kkey=$(json_get kernel.key <<<"$out") ikey=$(json_get initramfs.key <<<"$out")
	mkdir -p "$1/cache/kernel" "$1/cache/initramfs" || return 1
	cp -r "$cache/kernel/${kkey:0:16}" "$1/cache/kernel/" &&
		cp -r "$cache/initramfs/${ikey:0:16}" "$1/cache/initramfs/" || return 1
	(cd "$1" && KDIVE_DATA="$1/clone" KDIVE_CACHE="$1/cache" "$1/clone/build/kdive" run \
		repro.bundle) >"$1/replay.out" 2>&1
	local rc=$?
	[ $rc -eq 0 ] || { tail -n 20 "$1/replay.out" | sed 's/^/# /'; fail "the replay exited $rc"; } ||
		return 1
	out=$(cat "$1/replay.out")
	contains "$out" "PASS  repro" || return 1
	contains "$out" "built repro" || return 1
	contains "$out" "bundle: the verdict (pass) and every stop's frames are as recorded" || return 1
	! grep -q "^bundle: .* here, .* in the bundle" <<<"$out" ||
		fail "the same machine was said to differ" || return 1
	[ -z "$(ls "$1/cache/warm")" ] && fail "the replay saved no snapshot in its cache"
	[ -z "$(ls "$1/cache/user")" ] && fail "the replay built no program in its cache"
	# A recorded frame that differs is said, and fails the replay though it passes.
	python3 - "$1/members/manifest.json" <<'PY' || return 1
import json, sys
m = json.load(open(sys.argv[1]))
m["verdict"]["stops"][0]["frames"][2]["func"] = "x64_sys_call"
m["recorded_on"]["kernel"]["source"]["version"] = "6.12.48-1"
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
	(cd "$1/members" && tar --format=ustar -cf "$1/edited.bundle" -- *) || return 1
	expect_rc 1 "$KDIVE" run "$1/edited.bundle" || return 1
	contains "$out" "PASS  repro" || return 1
	contains "$out" "bundle: stop 1 (do_sys_openat2): frame 3 was x64_sys_call, now __do_sys_openat" ||
		return 1
	contains "$out" "in the bundle" || return 1
	contains "$out" "bundle: kernel source linux-source-6.12 " || return 1
}

t_bad_bundle_is_usage_error() {
	local t=$1/tmp f
	mkdir -p "$t" "$1/bad" || return 1
	echo "not a tar" >"$1/bad/text.bundle"
	python3 - "$1/bad" <<'PY' || return 1
import io, sys, tarfile
def tar(name, *members):
    with tarfile.open(f"{sys.argv[1]}/{name}", "w", format=tarfile.USTAR_FORMAT) as t:
        for path, data in members:
            info = tarfile.TarInfo(path)
            if data is None:
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                t.addfile(info)
            else:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
tar("escape.tar", ("manifest.json", b"{}"), ("../x", b"x"))
tar("absolute.tar", ("/x", b"x"))
tar("no-manifest.tar", ("scenario.scn", b"scenario x\nprogram getpid\n"))
tar("symlink.tar", ("manifest.json", b"{}"), ("scenario.scn", None))
tar("not-json.tar", ("manifest.json", b'{"bundle": 1,'))
tar("incomplete.tar", ("manifest.json", b'{"bundle": 1, "scenario": "scenario.scn"}'),
    ("scenario.scn", b"scenario x\nprogram getpid\n"))
PY
	declare -A says=(
		[text.bundle]="not a kdive bundle (not a tar archive)"
		[escape.tar]="'../x' is not a clean relative path"
		[absolute.tar]="'/x' is not a clean relative path"
		[no-manifest.tar]="it has no manifest.json"
		[symlink.tar]="'scenario.scn' is a symbolic link"
		[not-json.tar]="manifest.json is not JSON"
		[incomplete.tar]="manifest.json lacks 'machine'"
	)
	for f in "${!says[@]}"; do
		expect_rc 2 env TMPDIR="$t" "$KDIVE" run "$1/bad/$f" || return 1
		contains "$out" "$1/bad/$f: " || return 1
		contains "$out" "${says[$f]}" || return 1
		! grep -q booting <<<"$out" || fail "a bad bundle booted a guest" || return 1
		[ -z "$(ls -A "$t")" ] || fail "$f left $(ls -A "$t") in TMPDIR" || return 1
	done
	[ ! -e "$1/x" ] || fail "a member escaped the bundle's directory"
}
