# kdive dap: Microsoft's own DAP client test support drives a fork session, every
# message kdive sent checked against the protocol's schema; malformed messages; an
# editor that goes away; attach to a guest kdive did not start; pause and the CPUs as
# threads on an SMP guest.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

# dap_sent_valid DIR: every message kdive dap sent (DIR/sent.jsonl) is valid DAP
# (tests/tools/dap-check); said in the test's output.
dap_sent_valid() {
	"$tools/dap-check" "$1/sent.jsonl" >"$1/check.out" 2>&1 ||
		{ sed 's/^/# /' "$1/check.out" | head -n 20; fail "a message kdive sent is not DAP's"; } ||
		return 1
	sed 's/^/# /' "$1/check.out"
}

t_dap_debug_client_drives_fork() {
	# tests/tools/dap-client.mjs: @vscode/debugadapter-testsupport's DebugClient (the
	# npm package tests/tools/install-dap-testsupport puts in the cache; make test runs
	# it) spawns kdive dap: launch fork.scn stopped at main, a function breakpoint on
	# kernel_clone, the stack kernel_clone ... entry_SYSCALL_64 | label | _Fork, fork,
	# main, the pt_regs scope with orig_ax 56 (clone), a next, a source breakpoint in
	# fork.c, continue to the end: exited 0, terminated. tests/tools/dap-check then
	# validates every message kdive sent against tests/schemas/debugAdapterProtocol.json.
	local pkg
	command -v node >/dev/null || fail "node is missing (kdive doctor --fix installs it)" || return 1
	pkg=$("$tools/install-dap-testsupport" --check 2>&1) || fail "$pkg" || return 1
	node "$tools/dap-client.mjs" "$pkg" "$KDIVE" "$top/scenarios/fork.scn" "$1/sent.jsonl" \
		>"$1/client.out" 2>&1 ||
		{ sed 's/^/# /' "$1/client.out" | tail -n 20; fail "the DebugClient's session failed"; } ||
		return 1
	grep '^\(ok\|time\): ' "$1/client.out" | sed 's/^/# /'
	dap_sent_valid "$1" || return 1
	no_guest_left || return 1
}

t_dap_answers_malformed_messages() {
	# tests/tools/dap-malformed: bad headers, bad JSON, no request, an unknown command,
	# a request before initialize, missing or mistyped arguments, a bad launch: each an
	# error response, the adapter answering initialize and disconnect after them, and
	# every message it sent valid DAP. No guest boots.
	"$tools/dap-malformed" "$KDIVE" "$1/sent.jsonl" >"$1/out" 2>&1 ||
		{ sed 's/^/# /' "$1/out" | tail -n 20; fail "malformed messages"; } || return 1
	dap_sent_valid "$1" || return 1
	grep -c '^ok: ' "$1/out" | sed 's/^/# errors answered: /'
	no_guest_left || return 1
}

t_dap_editor_gone_leaves_nothing() {
	# The editor closes the pipe with the guest stopped at main, and another while the
	# guest runs: kdive dap shuts the guest down and exits 0; a SIGTERM does the same;
	# and terminate (then disconnect) ends the guest with a terminated event.
	local how body seq
	for how in eof-stopped eof-running TERM terminate; do
		mkfifo "$1/in.$how"
		"$KDIVE" dap <"$1/in.$how" >"$1/out.$how" 2>"$1/err.$how" &
		local kpid=$!
		exec 7>"$1/in.$how"
		seq=0
		for body in '"command":"initialize","arguments":{"adapterID":"kdive"}' \
			'"command":"launch","arguments":{"program":"fork","stopOnEntry":true}' \
			'"command":"configurationDone"'; do
			seq=$((seq + 1))
			body="{\"seq\":$seq,\"type\":\"request\",$body}"
			printf 'Content-Length: %d\r\n\r\n%s' "${#body}" "$body" >&7
		done
		# Until the guest is at main (the stopped event), at most a minute.
		local i
		for i in $(seq 600); do
			grep -q '"event":"stopped"' "$1/out.$how" 2>/dev/null && break
			sleep 0.1
		done
		contains "$(cat "$1/out.$how")" '"reason":"entry"' || { exec 7>&-; wait $kpid; return 1; }
		if [ $how = eof-running ]; then
			body='{"seq":4,"type":"request","command":"continue","arguments":{"threadId":1}}'
			printf 'Content-Length: %d\r\n\r\n%s' "${#body}" "$body" >&7
			sleep 0.3
		fi
		if [ $how = terminate ]; then
			body='{"seq":4,"type":"request","command":"terminate","arguments":{}}'
			printf 'Content-Length: %d\r\n\r\n%s' "${#body}" "$body" >&7
			body='{"seq":5,"type":"request","command":"disconnect","arguments":{}}'
			printf 'Content-Length: %d\r\n\r\n%s' "${#body}" "$body" >&7
		fi
		[ $how = TERM ] && kill -TERM $kpid
		exec 7>&-
		wait $kpid
		local rc=$?
		[ $how = TERM ] || [ $rc -eq 0 ] || fail "kdive dap exited $rc after the editor's EOF ($how)" ||
			return 1
		if [ $how = terminate ]; then
			contains "$(cat "$1/out.$how")" '"command":"terminate"' || return 1
			contains "$(cat "$1/out.$how")" '"event":"terminated"' || return 1
		fi
		no_guest_left || return 1
	done
}

t_dap_attaches_to_kdive_debug_print_cmd() {
	# tests/tools/dap-attach: the QEMU of `kdive debug --print-cmd` (the guest at the
	# reset vector, its gdbstub on a unix socket, here in the scratch directory); kdive
	# dap attaches, breaks at kernel_clone, continues through the boot to fork's clone
	# (stack down to main), and on to the guest's end: exited 0, terminated, the console
	# as output. Every message valid DAP, nothing left.
	"$tools/dap-attach" "$KDIVE" "$1" >"$1/out" 2>&1 ||
		{ sed 's/^/# /' "$1/out" | tail -n 20; fail "attach"; } || return 1
	dap_sent_valid "$1" || return 1
	grep '^ok: ' "$1/out" | sed 's/^/# /'
	no_guest_left || return 1
}

t_dap_pauses_and_shows_each_cpu() {
	# tests/tools/dap-threads: busy (system calls in a loop) on two CPUs (the SMP kernel
	# that t_library_on_two_cpus_with_a_busy_neighbour built), no stop on entry; pause
	# while it runs: stopped (pause); a thread per CPU named for its task, each with a
	# stack and an evaluate; disconnect ends the guest at once. Valid DAP, nothing left.
	"$tools/dap-threads" "$KDIVE" "$1/sent.jsonl" 2 >"$1/out" 2>&1 ||
		{ sed 's/^/# /' "$1/out" | tail -n 20; fail "pause and threads on two CPUs"; } || return 1
	dap_sent_valid "$1" || return 1
	grep '^\(ok\|time\): ' "$1/out" | sed 's/^/# /'
	no_guest_left || return 1
}
