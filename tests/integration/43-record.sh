# kdive record: frames restored, --dry-run, a stop never reached.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_record_restores_deleted_frames() {
	# Drop every frames and user block (and their lines), record, and run.
	awk '/^  (frames|user)$/ { skip = 1; next }
	     skip && /^    / { next }
	     { skip = 0; print }' "$top/scenarios/fork.scn" >"$1/fork.scn"
	! grep -q '^    entry_SYSCALL_64 ' "$1/fork.scn" || fail "blocks not removed" || return 1
	expect_rc 0 "$KDIVE" -q record --dry-run "$1/fork.scn" || return 1
	contains "$out" "+    entry_SYSCALL_64" || return 1
	expect_rc 0 "$KDIVE" -q record "$1/fork.scn" || return 1
	grep -q '^    kernel_clone ' "$1/fork.scn" || fail "kernel_clone not recorded" || return 1
	grep -q 'say   kernel_clone makes the new task.' "$1/fork.scn" || fail "narration lost" || return 1
	expect_rc 0 "$KDIVE" -q run "$1/fork.scn" || return 1
	# Equivalent: the recorded file expects what the original does, stop for stop.
	expect_rc 0 "$KDIVE" -q run --format json "$1/fork.scn" "$top/scenarios/fork.scn" || return 1
	valid_report - <<<"$out" || return 1
}

t_record_dry_run_leaves_the_file_alone() {
	# --dry-run shows what record would write, and writes nothing: with getpid.scn's
	# user block gone the diff has lines to show, and the file keeps its bytes and
	# its inode (a rewrite, even of the same bytes, is a new one).
	awk '/^  user$/ { skip = 1; next } skip && /^    / { next } { skip = 0; print }' \
		"$top/scenarios/getpid.scn" >"$1/getpid.scn"
	cp -p "$1/getpid.scn" "$1/before.scn"
	local inode
	inode=$(stat -c %i "$1/getpid.scn")
	expect_rc 0 "$KDIVE" -q record --dry-run "$1/getpid.scn" || return 1
	contains "$out" "+  user" || return 1
	contains "$out" "+    main" || return 1
	cmp "$1/before.scn" "$1/getpid.scn" || fail "record --dry-run changed the file" || return 1
	[ "$(stat -c %i "$1/getpid.scn")" = "$inode" ] ||
		fail "record --dry-run replaced the file" || return 1
}

t_record_keeps_an_unreached_stop() {
	cat >"$1/partly.scn" <<'EOF'
scenario partly
program  getpid

stop __x64_sys_getpid syscall=getpid
  frames
    ...

stop __x64_sys_getppid
  say   getpid never calls getppid: this block stays as written.
  frames
    nothing_calls_this
EOF
	expect_rc 1 "$KDIVE" record "$1/partly.scn" || return 1
	contains "$out" "$1/partly.scn:8: stop '__x64_sys_getppid' was never reached: its blocks are left as they are"
	contains "$out" "some stops were never reached"
	grep -q '^    entry_SYSCALL_64 ' "$1/partly.scn" || fail "the reached stop was not recorded"
	grep -q '^    nothing_calls_this$' "$1/partly.scn" || fail "the unreached stop's block changed"
	grep -q '^  say   getpid never calls getppid' "$1/partly.scn" || fail "narration lost"
}
