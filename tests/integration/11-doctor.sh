# kdive doctor: what is missing, marked run or test, and what --fix installs.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_doctor_reports_missing_qemu() {
	KDIVE_QEMU=/nonexistent/qemu-system-x86_64 expect_rc 3 "$KDIVE" doctor || return 1
	contains "$out" "MISSING  run   qemu-system-x86_64" || return 1
	contains "$out" "apt-get install -y --no-install-recommends qemu-system-x86" || return 1
	expect_rc 0 "$KDIVE" doctor || return 1
	contains "$out" "everything kdive needs is here" || return 1
}

t_doctor_installs_what_running_needs_and_tests_on_request() {
	# Each dependency is marked run or test; --fix installs what running needs (make
	# run), and the test dependencies only with --test (make test). The machine here
	# lacks one of each: qemu (run: KDIVE_QEMU points nowhere) and chromium (test: a
	# PATH of links to the commands doctor found, but chromium). An apt-get in that
	# PATH writes down what it was asked to install, and installs nothing.
	expect_rc 0 "$KDIVE" doctor || return 1
	grep -qE '^  ok +run +gdb ' <<<"$out" || fail "gdb is not marked run" || return 1
	grep -qE '^  ok +test +chromium ' <<<"$out" || fail "chromium is not marked test" || return 1
	local bin=$1/bin log=$1/apt-get.log p
	mkdir -p "$bin"
	for p in $(awk '$1 == "ok" { for (i = 3; i <= NF; i++) if ($i ~ /^\//) { print $i; break } }' <<<"$out"); do
		[ -f "$p" ] && [ -x "$p" ] && ln -sf "$p" "$bin/${p##*/}"
	done
	[ -x "$bin/gdb" ] && [ -x "$bin/chromium" ] || fail "doctor's paths: $(ls "$bin")" || return 1
	rm -f "$bin/chromium"
	printf '#!/bin/sh\necho "apt-get $*" >>%s\n' "$log" >"$bin/apt-get"
	chmod +x "$bin/apt-get"
	: >"$log"
	local no_qemu=(env PATH="$bin" KDIVE_QEMU=/nonexistent/qemu-system-x86_64 "$KDIVE")
	local install="install -y --no-install-recommends"
	[ "$(id -u)" = 0 ] && install="install -y -q --no-install-recommends"

	# Plain doctor: the run command without chromium, chromium on a line of its own.
	expect_rc 3 "${no_qemu[@]}" doctor || return 1
	grep -qE '^  MISSING +run +qemu-system-x86_64 ' <<<"$out" || fail "qemu is not missing, run" || return 1
	grep -qE '^  MISSING +test +chromium ' <<<"$out" || fail "chromium is not missing, test" || return 1
	contains "$out" "missing to run: 1 package. Fix with:" || return 1
	grep -qE 'apt-get install -y --no-install-recommends qemu-system-x86$' <<<"$out" ||
		fail "the run command is not qemu-system-x86 alone" || return 1
	contains "$out" "the tests also need 1 package (kdive doctor --fix --test installs them):" || return 1
	grep -qE 'apt-get install -y --no-install-recommends chromium$' <<<"$out" ||
		fail "the tests' command is not chromium alone" || return 1
	# --fix: qemu only (root: apt-get is run; otherwise its command is printed).
	expect_rc 3 "${no_qemu[@]}" doctor --fix || return 1
	if [ "$(id -u)" = 0 ]; then
		[ "$(cat "$log")" = "$(printf 'apt-get update -q\napt-get %s qemu-system-x86' "$install")" ] ||
			fail "doctor --fix ran: $(tr '\n' '|' <"$log")" || return 1
		contains "$out" "still missing after apt-get" || return 1
	else
		contains "$out" "sudo apt-get $install qemu-system-x86" || return 1
	fi
	! grep -q 'qemu-system-x86 .*chromium' <<<"$out" || fail "doctor --fix would install chromium" || return 1
	# --fix --test: both.
	: >"$log"
	expect_rc 3 "${no_qemu[@]}" doctor --fix --test || return 1
	if [ "$(id -u)" = 0 ]; then
		grep -qx "apt-get $install qemu-system-x86 chromium" "$log" ||
			fail "doctor --fix --test ran: $(tr '\n' '|' <"$log")" || return 1
	else
		contains "$out" "sudo apt-get $install qemu-system-x86 chromium" || return 1
	fi
	# Only chromium missing: running has all it needs. doctor and doctor --fix exit 0
	# (--fix silently, installing nothing); --test is what asks for it.
	: >"$log"
	expect_rc 0 env PATH="$bin" "$KDIVE" doctor || return 1
	contains "$out" "everything kdive needs to run is here." || return 1
	contains "$out" "apt-get install -y --no-install-recommends chromium" || return 1
	expect_rc 0 env PATH="$bin" "$KDIVE" doctor --fix || return 1
	[ -z "$out" ] || fail "doctor --fix printed '$out' with only a test dependency missing" || return 1
	[ ! -s "$log" ] || fail "doctor --fix ran: $(tr '\n' '|' <"$log")" || return 1
	expect_rc 3 env PATH="$bin" "$KDIVE" doctor --test || return 1
	contains "$out" "missing: 1 package. Fix with:" || return 1
}
