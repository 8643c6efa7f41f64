# A guest's life: booting, kdive lstar with and without KASLR, SIGINT mid-boot,
# --gdb-port, a gdb or QEMU that fails, and every path kdive takes with odd characters.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_guest_boots_runs_fork_and_exits() {
	local j
	expect_rc 0 "$KDIVE" build --format json -q || return 1
	j=$out
	timeout 120 qemu-system-x86_64 -display none -no-reboot -m 256 \
		-kernel "$(json_get kernel.bzimage <<<"$j")" -initrd "$(json_get initramfs.path <<<"$j")" \
		-append "nokaslr console=ttyS0 kdive.prog=fork" -serial "file:$1/console.log" \
		-monitor none >"$1/qemu.out" 2>&1
	local rc=$?
	[ $rc -eq 0 ] || { tail -n 20 "$1/console.log"; fail "qemu exited $rc"; } || return 1
	grep -q 'kdive: /progs/fork exited with status 0' "$1/console.log" ||
		{ tail -n 20 "$1/console.log" | sed 's/^/# /'; fail "fork did not run"; } || return 1
}

t_lstar_reads_entry_syscall_64() {
	expect_rc 0 "$KDIVE" build --format json -q || return 1
	local vm want msrs msr star mask
	vm=$(json_get kernel.vmlinux <<<"$out")
	want=$(nm_addr "$vm" entry_SYSCALL_64)
	# What the kernel writes: LSTAR is the MSR it sets to &entry_SYSCALL_64.
	msrs=$(syscall_init_msrs "$vm")
	msr=$(awk -v v="$want" '$2 == v { print $1; exit }' <<<"$msrs")
	star=$(awk '$1 == "0xc0000081" { print $2; exit }' <<<"$msrs")
	mask=$(awk '$1 == "0xc0000084" { print $2; exit }' <<<"$msrs")
	[ -n "$msr" ] && [ -n "$star" ] && [ -n "$mask" ] ||
		fail "syscall_init's wrmsr not understood: $(tr '\n' ' ' <<<"$msrs")" || return 1
	echo "# syscall_init writes MSR $msr = $want, STAR = $star, SYSCALL_MASK = $mask"
	# --keep: the console log is the guest's own word that the program finished and the
	# guest went down.
	TMPDIR=$1 expect_rc 0 "$KDIVE" lstar --keep --format json || return 1
	local j=$out rundir
	rundir=$(sed -n 's/.*run directory kept: \([^ ]*\).*/\1/p' <<<"$j")
	j=$(grep '^{' <<<"$j")
	[ "$(json_get value <<<"$j")" = "$want" ] || fail "value $(json_get value <<<"$j") != nm's $want" || return 1
	[ "$(json_get symbol <<<"$j")" = entry_SYSCALL_64 ] || fail "symbol" || return 1
	[ "$(json_get offset <<<"$j")" = 0 ] || fail "offset" || return 1
	[ "$(json_get kaslr_slide <<<"$j")" = 0x0 ] || fail "slide" || return 1
	[ "$(json_get vmlinux_address <<<"$j")" = "$want" ] ||
		fail "vmlinux_address $(json_get vmlinux_address <<<"$j") != nm's $want" || return 1
	[ "$(json_get msr <<<"$j")" = "$msr" ] || fail "msr $(json_get msr <<<"$j") != $msr" || return 1
	[ "$(json_get star <<<"$j")" = "$star" ] || fail "star $(json_get star <<<"$j") != $star" || return 1
	[ "$(json_get syscall_mask <<<"$j")" = "$mask" ] ||
		fail "syscall_mask $(json_get syscall_mask <<<"$j") != $mask" || return 1
	[ "$(json_get guest_powered_off <<<"$j")" = True ] || fail "guest" || return 1
	[ -n "$rundir" ] && [ -f "$rundir/console.log" ] || fail "no run directory kept" || return 1
	grep -q 'kdive: /progs/fork exited with status 0' "$rundir/console.log" ||
		fail "the console does not show fork's end" || return 1
	grep -q 'reboot: Restarting system' "$rundir/console.log" ||
		fail "the console does not show the guest going down" || return 1
	rm -rf "$rundir"
	# Text form, and a report written atomically to a file.
	expect_rc 0 "$KDIVE" lstar --output "$1/lstar.txt" || return 1
	grep -q "MSR_LSTAR *= $(printf '0x%016x' "$want") <entry_SYSCALL_64+0>" "$1/lstar.txt" ||
		{ cat "$1/lstar.txt"; fail "text report"; } || return 1
}

t_lstar_kaslr_finds_the_slide() {
	expect_rc 0 "$KDIVE" build --format json -q || return 1
	local vm want slides=() i j slide value
	vm=$(json_get kernel.vmlinux <<<"$out")
	want=$(nm_addr "$vm" entry_SYSCALL_64)
	# Five runs as a person makes them (warm snapshots allowed), then one booted: each
	# finds its slide the same way, restored or booted, and the five show more than
	# one slide (a warm guest comes from a pool of snapshots, one slide each, never
	# the one the run before used).
	for i in 1 2 3 4 5 booted; do
		if [ "$i" = booted ]; then
			expect_rc 0 "$KDIVE" lstar --kaslr --no-snapshot --format json || return 1
		else
			expect_rc 0 "$KDIVE" lstar --kaslr --format json || return 1
		fi
		j=$(grep '^{' <<<"$out")
		printf '%s\n' "$j" >"$1/lstar.$i.json"
		slide=$(json_get kaslr_slide <<<"$j")
		value=$(json_get value <<<"$j")
		echo "# run $i: slide $slide, LSTAR $value"
		# A slide of 0 is a possible draw (about 1 boot in 490): what proves KASLR
		# handling then is the same as otherwise, the arithmetic and the stop below.
		[ "$(json_get kaslr <<<"$j")" = True ] || fail "not a KASLR boot" || return 1
		[ $(( slide % 0x200000 )) -eq 0 ] || fail "slide $slide is not 2 MiB aligned" || return 1
		[ "$(printf '0x%x' $(( value - slide )))" = "$want" ] ||
			fail "value - slide != &entry_SYSCALL_64 ($want)" || return 1
		grep -q '"kernel_clone at [^"]*kernel/fork.c' <<<"$j" || fail "no kernel_clone stop" || return 1
		[ "$i" = booted ] || slides+=("$slide")
	done
	[ "$(printf '%s\n' "${slides[@]}" | sort -u | wc -l)" -ge 2 ] ||
		fail "five runs with --kaslr, one slide: ${slides[*]}" || return 1
	# Where each guest came from: a warm run names its pool slot, never the slot of the
	# run before, and a slot keeps its slide; the pool holds 4, so five runs restore
	# at least once. The booted run has no slot.
	python3 - "$1" <<'PY' || fail "the reports do not say where the guests came from" || return 1
import json, sys
runs = [json.load(open("%s/lstar.%s.json" % (sys.argv[1], i))) for i in (1, 2, 3, 4, 5)]
booted = json.load(open("%s/lstar.booted.json" % sys.argv[1]))
slots = [r["kaslr_slot"] for r in runs]
print("# slots %s, restored %s" % (slots, [r["restored"] for r in runs]))
assert all(s in (0, 1, 2, 3) for s in slots), slots
assert all(a != b for a, b in zip(slots, slots[1:])), ("a slot twice in a row", slots)
slide = {}
for r in runs:
    assert slide.setdefault(r["kaslr_slot"], r["kaslr_slide"]) == r["kaslr_slide"], (slide, r)
assert any(r["restored"] for r in runs), "five runs, none restored"
assert booted["restored"] is False and booted["kaslr_slot"] is None, booted
PY
	# The text report says it too.
	expect_rc 0 "$KDIVE" lstar --kaslr || return 1
	grep -Eq '^KASLR: slide 0x[0-9a-f]+ \(this guest was (restored from warm snapshot slot [0-3] of 4, booted with that slide|booted for this run; saved as warm snapshot slot [0-3] of 4)\)$' <<<"$out" ||
		{ printf '# %s\n' "$out"; fail "the text report does not say where the slide came from"; } ||
		return 1
}

t_sigint_mid_boot_leaves_no_process() {
	expect_rc 0 "$KDIVE" build -q || return 1
	# The run directory it keeps goes into the test's own scratch directory.
	TMPDIR=$1 setsid "$KDIVE" lstar --keep >"$1/out" 2>&1 &
	local pid=$! i
	# Wait until QEMU and gdb are up (the run directory has its socket).
	for i in $(seq 100); do
		pgrep -P "$pid" -f qemu-system-x86_64 >/dev/null && pgrep -P "$pid" -x gdb >/dev/null && break
		sleep 0.02
	done
	pgrep -P "$pid" >/dev/null || fail "qemu and gdb never started" || return 1
	kill -INT "$pid"
	wait "$pid"
	local rc=$?
	[ $rc -ne 0 ] || fail "kdive exited 0 after SIGINT" || return 1
	no_guest_left || return 1
}

t_gdb_port_says_what_it_exposes() {
	# --gdb-port opens the gdbstub (and through it QEMU's monitor) to every local user:
	# its help says so, and a run that uses it warns. The default is a private socket.
	expect_rc 0 "$KDIVE" run --help || return 1
	contains "$out" "any local user can connect to it first and run commands"
	local port=$((20000 + RANDOM % 20000))
	expect_rc 0 "$KDIVE" lstar --gdb-port "$port" || return 1
	contains "$out" "warning: --gdb-port: the gdbstub listens on 127.0.0.1:$port, open to every local user"
	expect_rc 0 "$KDIVE" lstar || return 1
	! grep -q "gdb-port" <<<"$out" || fail "a warning without --gdb-port" || return 1
	no_guest_left
}

t_bad_gdb_or_qemu_is_infrastructure_failure() {
	# Failed runs keep their run directories: in the test's scratch directory.
	TMPDIR=$1 KDIVE_QEMU=/bin/false expect_rc 3 "$KDIVE" lstar || return 1
	contains "$out" "QEMU" || return 1
	TMPDIR=$1 KDIVE_GDB=/nonexistent/gdb expect_rc 3 "$KDIVE" lstar || return 1
	contains "$out" "cannot run '/nonexistent/gdb'" || return 1
	no_guest_left || return 1
}

t_any_path_works() {
	# A space, quotes, a backslash, commas, a colon and UTF-8 in the data directory,
	# the cache, TMPDIR, the scenario and the output path: the library runs, booted
	# and saved, then restored; lstar, a tour and debug work there. What no language
	# can carry is refused up front, naming the character.
	local w="$1/John Doe/o'neil \"q\" a,b \\ é:x" real
	real=${KDIVE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kdive}
	mkdir -p "$w/tmp" "$w/cache" "$w/data" || return 1
	cp -r "$top/kconfig" "$top/initramfs" "$top/scenarios" "$top/gdbinit" "$w/data/" || return 1
	# A program of its own: the initramfs is built there. The kernel is linked in (its
	# own build cannot take such a path: below).
	cp "$top/initramfs/progs/getpid.c" "$w/data/initramfs/progs/path_prog.c" || return 1
	cp -al "$real/kernel" "$w/cache/" || return 1
	local env=(env KDIVE_DATA="$w/data" KDIVE_CACHE="$w/cache" TMPDIR="$w/tmp")
	local o="$w/report, 'it'.json" round
	for round in booted warm; do
		(cd "$w" && "${env[@]}" "$KDIVE" run -j 2 --format json --output "$o" \
			data/scenarios/*.scn) >"$1/$round.out" 2>"$1/$round.err" ||
			{ sed 's/^/# /' "$1/$round.err" | tail -n 20; fail "$round: run exited $?"; } ||
			return 1
		valid_report "$o" || return 1
		python3 - "$o" <<-'PY' || fail "$round: the report is not 12 passing results" || return 1
		import json, sys
		r = json.load(open(sys.argv[1]))
		res = r["scenarios"]
		assert len(res) == 12 and all(x["result"] == "pass" for x in res), res
		PY
	done
	grep -q 'saved the guest as warm snapshot' "$1/booted.err" || fail "no snapshot saved" || return 1
	grep -q 'restored .* from warm snapshot' "$1/warm.err" || fail "not restored" || return 1
	! grep -q 'not usable' "$1/booted.err" "$1/warm.err" || fail "a snapshot was not usable" ||
		return 1
	expect_rc 0 "${env[@]}" "$KDIVE" lstar || return 1
	contains "$out" "<entry_SYSCALL_64+0>"
	expect_rc 0 "${env[@]}" "$KDIVE" tour --auto "$w/data/scenarios/getpid.scn" || return 1
	# gdb's target remote reads a ':' as host:port: debug says so, and works without one.
	expect_rc 3 "${env[@]}" "$KDIVE" debug --program path_prog </dev/null || return 1
	contains "$out" "has a ':', which gdb's target remote reads as host:port"
	local w2="$1/Jane Doe/d'arc \"r\" c,d \\ ü"
	mkdir -p "$w2" || return 1
	printf '%s\n' 'kd-syscall getpid' 'continue' 'kd-ptregs' 'quit' >"$1/cmds"
	expect_rc 0 env KDIVE_DATA="$w/data" KDIVE_CACHE="$w/cache" TMPDIR="$w2" \
		"$KDIVE" debug --program path_prog <"$1/cmds" || return 1
	contains "$out" "pt_regs of path_prog (pid"
	# print-cmd's QEMU line reads the saved guest (3<FILE) from the odd cache: the
	# shell finds the file the line names.
	expect_rc 0 env KDIVE_DATA="$w/data" KDIVE_CACHE="$w/cache" TMPDIR="$w2" \
		"$KDIVE" debug --print-cmd --program path_prog || return 1
	local line state
	line=$(sed -n '/^# 2\./{n;p}' <<<"$out")
	state=$(bash -c 'eval "set -- $1" 2>/dev/null && [ $# -eq 1 ] && printf %s "$1"' _ \
		"${line##* 3<}")
	[ -f "$state" ] && [ "$state" != "${state#"$w/cache/"}" ] ||
		fail "the restore line's saved guest is not a file in the cache: ${line##* 3<}" ||
		return 1
	# A newline in TMPDIR; a space where the kernel is built.
	expect_rc 3 "${env[@]}" TMPDIR="$1/new
line" "$KDIVE" run "$w/data/scenarios/getpid.scn" || return 1
	contains "$out" "would have a newline: set TMPDIR to a directory without it"
	expect_rc 2 "${env[@]}" KDIVE_CACHE="$w/fresh cache" "$KDIVE" build || return 1
	contains "$out" "has a space, which the kernel's build cannot take: set KDIVE_CACHE"
	no_guest_left
	rm -rf "$1/John Doe" "$1/Jane Doe"
}
