# kdive build and the images: config fragments, the initramfs, kernel builds and
# their cache, a build that fails, prebuilt kernels and --index.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_bad_fragment_syntax_is_usage_error() {
	local f=$1/bad.config
	printf 'CONFIG_64BIT=y\nCONFIG_OOPS maybe\n' >"$f"
	expect_rc 2 "$KDIVE" build --only kernel --config "$f" || return 1
	contains "$out" "$f:2:12: expected '=' after CONFIG_OOPS" || return 1
	# A fragment that is not a regular file is refused at once, never read or waited on.
	mkfifo "$1/fifo.config"
	expect_rc 2 timeout 20 "$KDIVE" build --only kernel --config "$1/fifo.config" || return 1
	contains "$out" "$1/fifo.config:1:1: not a regular file" || return 1
	expect_rc 2 timeout 20 "$KDIVE" build --only kernel --config /dev/zero || return 1
	contains "$out" "/dev/zero:1:1: not a regular file" || return 1
}

t_impossible_symbol_fails_build() {
	local f=$1/impossible.config
	# E1000 needs PCI and networking, which allnoconfig leaves off; the other symbol
	# does not exist at all.
	printf 'CONFIG_E1000=y\nCONFIG_KDIVE_NO_SUCH_SYMBOL=y\n' >"$f"
	expect_rc 3 "$KDIVE" build --only kernel --config "$f" || return 1
	contains "$out" "$f:1: CONFIG_E1000: requested y, got nothing" || return 1
	contains "$out" "$f:2: CONFIG_KDIVE_NO_SUCH_SYMBOL: requested y" || return 1
}

t_initramfs_is_reproducible() {
	local a b c
	KDIVE_CACHE=$1/c1 expect_rc 0 "$KDIVE" build --only initramfs --format json -q || return 1
	a=$(json_get initramfs.sha256 <<<"$out")
	KDIVE_CACHE=$1/c2 expect_rc 0 "$KDIVE" build --only initramfs --format json -q || return 1
	b=$(json_get initramfs.sha256 <<<"$out")
	[ -n "$a" ] && [ "$a" = "$b" ] || fail "two builds from scratch differ: $a vs $b" || return 1
	# Deleting the output and rebuilding gives the same bytes.
	rm -rf "$1/c1/initramfs"
	KDIVE_CACHE=$1/c1 expect_rc 0 "$KDIVE" build --only initramfs --format json -q || return 1
	c=$(json_get initramfs.sha256 <<<"$out")
	[ "$a" = "$c" ] || fail "rebuild after delete differs: $a vs $c" || return 1
	[ "$(sha256sum "$(json_get initramfs.path <<<"$out")" | cut -d' ' -f1)" = "$a" ] ||
		fail "reported sha256 is not the file's" || return 1
	# The archive has what the guest needs, owned by root, with fixed mtimes.
	local list
	list=$(zcat "$(json_get initramfs.path <<<"$out")" | cpio -itv 2>/dev/null)
	contains "$list" "dev/console" || return 1
	contains "$list" "progs/fork" || return 1
	contains "$list" "bin/sh -> /bin/busybox" || return 1
	! grep -vq ' root *root ' <<<"$list" || fail "an entry is not owned by root" || return 1
	# From another working directory and a copy of the data elsewhere: the same bytes
	# (the programs' debug info names neither the directory kdive ran in nor the data's).
	mkdir -p "$1/elsewhere/data" && cp -r "$top/initramfs" "$top/kconfig" "$1/elsewhere/data/" ||
		return 1
	out=$(cd "$1/elsewhere" && KDIVE_DATA="$1/elsewhere/data" KDIVE_CACHE=$1/c4 \
		"$KDIVE" build --only initramfs --format json -q 2>&1) || fail "build elsewhere: $out" ||
		return 1
	[ "$(json_get initramfs.sha256 <<<"$out")" = "$a" ] ||
		fail "built from another directory, the archive differs" || return 1
	# A different SOURCE_DATE_EPOCH is a different archive (the test can fail).
	SOURCE_DATE_EPOCH=86400 KDIVE_CACHE=$1/c3 expect_rc 0 "$KDIVE" build --only initramfs --format json -q || return 1
	[ "$(json_get initramfs.sha256 <<<"$out")" != "$a" ] || fail "mtime is not in the archive" || return 1
}

t_kernel_build_is_cached() {
	# Cold on a fresh machine (minutes), then a no-op.
	expect_rc 0 "$KDIVE" build --format json || return 1
	local t0 t1 ms
	t0=$(date +%s%N)
	expect_rc 0 "$KDIVE" build --format json -q || return 1
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	echo "# no-op build took ${ms} ms"
	[ "$ms" -lt 1000 ] || fail "no-op build took ${ms} ms" || return 1
	[ "$(json_get kernel.reused <<<"$out")" = True ] || fail "second build was not reused" || return 1
	for k in kernel.bzimage kernel.vmlinux kernel.config initramfs.path; do
		[ -s "$(json_get $k <<<"$out")" ] || fail "$k does not exist" || return 1
	done
	local v
	v=$(json_get kernel.vmlinux <<<"$out")
	readelf -S "$v" | grep -q '\.gdb_index' || fail "vmlinux has no .gdb_index" || return 1
	readelf --debug-dump=info "$v" 2>/dev/null | head -20 | grep -q 'Version:.*5' ||
		fail "vmlinux is not DWARF 5" || return 1
	grep -q '^CONFIG_DEBUG_INFO_DWARF5=y' "$(json_get kernel.config <<<"$out")" || return 1
	[ -e "$(json_get kernel.build_dir <<<"$out")/vmlinux-gdb.py" ] ||
		fail "the kernel's gdb scripts were not built" || return 1
	json_get kernel.version <<<"$out" | grep -q '^6\.12\.' || fail "not a 6.12 kernel" || return 1
}

t_prebuilt_kernel_needs_only_its_image_and_vmlinux() {
	# The built kernel's bzImage and vmlinux given as a prebuilt pair: the release comes
	# from linux_banner and the syscall table from sys_call_table, not a build tree.
	expect_rc 0 "$KDIVE" build --format json -q || return 1
	local bz vm
	bz=$(json_get kernel.bzimage <<<"$out") vm=$(json_get kernel.vmlinux <<<"$out")
	expect_rc 0 "$KDIVE" -q run --kernel "$bz" --vmlinux "$vm" --format json \
		"$top/scenarios/getpid.scn" "$top/scenarios/write.scn" || return 1
	valid_report - <<<"$out" || return 1
	python3 - "$out" <<'PY' || return 1
import json, sys
d = json.loads(sys.argv[1])
for s in d["scenarios"]:
    assert s["result"] == "pass", (s["name"], s["reason"])
    assert s["kernel"]["source"] == "prebuilt", s["kernel"]
    assert s["kernel"]["version"].startswith("6.12."), s["kernel"]
PY
}

t_prebuilt_kernel_needs_its_vmlinux() {
	local scn=$top/scenarios/getpid.scn bz vm
	# Counted before anything is built or booted.
	expect_rc 2 "$KDIVE" run --kernel "$1/bzImage" "$scn"
	contains "$out" "1 prebuilt kernel but 0 --vmlinux: each prebuilt image needs its vmlinux"
	expect_rc 2 "$KDIVE" lstar --kernel "$1/bzImage"
	contains "$out" "1 prebuilt kernel but 0 --vmlinux"
	expect_rc 2 "$KDIVE" run --vmlinux "$1/vmlinux" "$scn"
	contains "$out" "0 prebuilt kernels but 1 --vmlinux"
	expect_rc 2 "$KDIVE" run --kernel "$1/bzImage" --kernel 6.12 --vmlinux a --vmlinux b "$scn"
	contains "$out" "1 prebuilt kernel but 2 --vmlinux"
	# Files that are not there, or not a kernel: bad input, nothing boots.
	expect_rc 2 "$KDIVE" run --kernel "$1/bzImage" --vmlinux "$1/vmlinux" "$scn"
	contains "$out" "cannot read '$1/bzImage' or '$1/vmlinux'"
	expect_rc 0 "$KDIVE" build --format json -q || return 1
	vm=$(json_get kernel.vmlinux <<<"$out")
	expect_rc 2 "$KDIVE" run --kernel "$scn" --vmlinux "$vm" "$scn"
	contains "$out" "'$scn' is not an x86 bzImage"
	! grep -q booting <<<"$out" || fail "a guest booted for a bad image"
}

t_index_gives_a_prebuilt_vmlinux_an_indexed_copy() {
	# A prebuilt vmlinux without .gdb_index: kdive says what it costs, and --index makes
	# an indexed copy in the cache once (a private cache here, not the user's).
	local bz vm cached id
	expect_rc 0 "$KDIVE" build --format json -q || return 1
	bz=$(json_get kernel.bzimage <<<"$out") vm=$(json_get kernel.vmlinux <<<"$out")
	objcopy --remove-section .gdb_index "$vm" "$1/vmlinux" || fail "objcopy failed" || return 1
	! readelf -S "$1/vmlinux" | grep -q '\.gdb_index' || fail "the copy has .gdb_index" || return 1
	export KDIVE_CACHE=$1/cache
	expect_rc 0 "$KDIVE" debug --print-cmd --kernel "$bz" --vmlinux "$1/vmlinux" || return 1
	contains "$out" "$1/vmlinux has no .gdb_index"
	contains "$out" " $1/vmlinux"
	expect_rc 0 "$KDIVE" debug --print-cmd --index --kernel "$bz" --vmlinux "$1/vmlinux" || return 1
	contains "$out" "indexing a copy of $1/vmlinux for gdb"
	cached=$(ls "$1"/cache/vmlinux/*/vmlinux 2>/dev/null)
	[ -n "$cached" ] || fail "no indexed copy in the cache" || return 1
	readelf -S "$cached" | grep -q '\.gdb_index' || fail "the cached copy has no .gdb_index"
	contains "$out" " $cached"
	id=$(stat -c '%i %Y' "$cached")
	# The copy serves the next command as it is, and gdb works with it.
	expect_rc 0 "$KDIVE" -q run --index --kernel "$bz" --vmlinux "$1/vmlinux" \
		"$top/scenarios/getpid.scn" || return 1
	[ "$(stat -c '%i %Y' "$cached")" = "$id" ] || fail "the indexed copy was made again"
}

t_kernel_build_failure_shows_its_log() {
	# A source whose make fails at once (a private cache, nothing real is built): the
	# tarball is unpacked into the cache, and the failure shows the log's last lines.
	export KDIVE_CACHE=$1/cache
	mkdir -p "$1/src/linux-fake" "$1/two/a" "$1/two/b"
	printf 'allnoconfig:\n\t@echo "fake kernel: no configuration here"; exit 1\n' \
		>"$1/src/linux-fake/Makefile"
	tar -C "$1/src" -cJf "$1/linux-fake.tar.xz" linux-fake || fail "tar" || return 1
	expect_rc 3 "$KDIVE" build --only kernel --kernel-src "$1/linux-fake.tar.xz"
	contains "$out" "kdive: kernel: unpacking the source"
	contains "$out" "kdive: error: configuring the kernel failed: 'make' exited with status 2; last lines of the log:"
	contains "$out" "  | fake kernel: no configuration here"
	contains "$out" "kdive: full log: $1/cache/kernel/"
	ls -d "$1"/cache/src/*/linux-fake >/dev/null 2>&1 || fail "the source is not in the cache"
	# Unpacked once: the next attempt goes straight to make.
	expect_rc 3 "$KDIVE" build --only kernel --kernel-src "$1/linux-fake.tar.xz"
	! grep -q "unpacking the source" <<<"$out" || fail "the source was unpacked twice"
	# A tarball of two directories, and a tree that is no kernel's.
	tar -C "$1/two" -cJf "$1/two.tar.xz" a b || fail "tar" || return 1
	expect_rc 3 "$KDIVE" build --only kernel --kernel-src "$1/two.tar.xz"
	contains "$out" "'$1/two.tar.xz' does not unpack to one directory"
	rm "$1/src/linux-fake/Makefile"
	expect_rc 3 "$KDIVE" build --only kernel --kernel-src "$1/src/linux-fake"
	contains "$out" "'$1/src/linux-fake' is not a kernel source tree (no top-level kernel Makefile)"
}

t_kernel_cache_entry_travels() {
	# A kernel built on one runner is reused on another by copying its cache entry: a
	# cache elsewhere gets a copy (new inodes and times, as a CI cache restore gives)
	# of the kernel's and the initramfs's entries and nothing else. kdive computes the
	# same keys there, hashes the copied files against their MANIFESTs (recording the
	# new inodes, so the next reuse reads nothing), unpacks the source (no compile) and
	# a scenario passes. The warm snapshots stay behind: they are per machine.
	local real=${KDIVE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kdive} c=$1/elsewhere/cache
	local key ikey kdir
	expect_rc 0 "$KDIVE" build --format json -q || return 1
	key=$(json_get kernel.key <<<"$out") ikey=$(json_get initramfs.key <<<"$out")
	mkdir -p "$c/kernel" "$c/initramfs" || return 1
	cp -r "$real/kernel/${key:0:16}" "$c/kernel/" &&
		cp -r "$real/initramfs/${ikey:0:16}" "$c/initramfs/" || return 1
	kdir=$c/kernel/${key:0:16}
	cp "$kdir/MANIFEST" "$1/manifest.before"
	KDIVE_CACHE=$c "$KDIVE" build --format json >"$1/build.json" 2>"$1/build.err" ||
		{ sed 's/^/# /' "$1/build.err"; fail "kdive build exited $?"; } || return 1
	sed 's/^/# /' "$1/build.err"
	! grep -q "damaged\|configuring\|compiling" "$1/build.err" ||
		fail "the copied entry was not reused as it is" || return 1
	python3 - "$key" "$ikey" "$1/build.json" <<'PY' || fail "not the same keys, reused" || return 1
import json, sys
d = json.load(open(sys.argv[3]))
assert d["kernel"]["key"] == sys.argv[1] and d["kernel"]["reused"], d["kernel"]
assert d["initramfs"]["key"] == sys.argv[2] and d["initramfs"]["reused"], d["initramfs"]
PY
	! cmp -s "$1/manifest.before" "$kdir/MANIFEST" ||
		fail "the MANIFEST does not record the copies' inodes" || return 1
	cut -d' ' -f1,2,5 "$1/manifest.before" >"$1/a" && cut -d' ' -f1,2,5 "$kdir/MANIFEST" >"$1/b"
	cmp -s "$1/a" "$1/b" || fail "the copies' hashes or sizes changed" || return 1
	KDIVE_CACHE=$c expect_rc 0 "$KDIVE" run --no-snapshot "$top/scenarios/getpid.scn" || return 1
	contains "$out" "PASS  getpid" || return 1
	[ ! -e "$c/warm" ] || fail "--no-snapshot wrote a snapshot" || return 1
}
