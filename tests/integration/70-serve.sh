# kdive serve: a scripted client in both framings, the official MCP SDK's client,
# a protocol fuzz, every request that once broke it, and a client that dies.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_serve_in_both_framings() {
	# tests/tools/serve-client: boot -> stop at kernel_clone for fork -> frames, user
	# frames, pt_regs, MSR_LSTAR -> ten malformed requests, each an error, the session
	# going on -> shutdown; as JSON lines and as MCP. Nothing is left.
	"$tools/serve-client" "$KDIVE" >"$1/jsonl.out" 2>&1 ||
		{ sed 's/^/# /' "$1/jsonl.out" | tail -n 20; fail "JSON lines"; } || return 1
	"$tools/serve-client" "$KDIVE" --mcp >"$1/mcp.out" 2>&1 ||
		{ sed 's/^/# /' "$1/mcp.out" | tail -n 20; fail "MCP"; } || return 1
	no_guest_left || return 1
}

t_serve_refuses_what_once_broke_it() {
	# Each request that once broke serve (issue findings: MI injection through a
	# location, an if escaping its parentheses, timeouts, a continue deaf to stdin,
	# CR and NUL, over-long lines, JSON-RPC ids and batches, a missing program) and
	# the --safe mode, against a live server: tests/tools/serve-findings.
	"$tools/serve-findings" "$KDIVE" "$1" || fail "tests/tools/serve-findings failed" || return 1
	no_guest_left
}

t_mcp_sdk_drives_a_fork_session() {
	# tests/tools/mcp-sdk-client.mjs: the official MCP SDK's client (the npm package that
	# tests/tools/install-mcp-sdk puts in the cache; make test runs it) spawns kdive serve
	# --mcp, initializes, lists the tools, and drives boot -> stop at kernel_clone ->
	# continue -> frames -> ptregs -> lstar -> shutdown. Nothing is left.
	local sdk
	command -v node >/dev/null || fail "node is missing (kdive doctor --fix installs it)" || return 1
	sdk=$("$tools/install-mcp-sdk" --check 2>&1) || fail "$sdk" || return 1
	node "$tools/mcp-sdk-client.mjs" "$sdk" "$KDIVE" >"$1/sdk.out" 2>&1 ||
		{ sed 's/^/# /' "$1/sdk.out" | tail -n 20; fail "the MCP SDK's session failed"; } || return 1
	grep '^ok: ' "$1/sdk.out" | sed 's/^/# /'
	no_guest_left || return 1
}

t_serve_protocol_fuzz() {
	# tests/tools/serve-fuzz, in both framings: a few thousand generated lines against a
	# live kdive serve (one guest booted among them), each with exactly the reply the
	# protocol asks for, the server alive and its memory bounded. The seed is printed.
	local m bad=0
	for m in jsonl mcp; do
		if "$tools/serve-fuzz" "$KDIVE" $([ $m = mcp ] && echo --mcp) >"$1/fuzz.$m" 2>&1; then
			grep '^serve-fuzz: .*\(seed\|requests in\)' "$1/fuzz.$m" | sed 's/^/# /'
		else
			grep -v '^kdive serve: ' "$1/fuzz.$m" | sed 's/^/# /' | tail -n 100
			fail "serve-fuzz: the $m framing (its output: $1/fuzz.$m)"
			bad=1
		fi
	done
	no_guest_left || return 1
	return $bad
}

t_serve_client_killed_leaves_nothing() {
	# The client dies mid-session (its end of the pipe closes): kdive serve shuts the
	# guest down and exits; and a SIGTERM to kdive serve does the same.
	local sig
	for sig in client TERM; do
		mkfifo "$1/in.$sig"
		"$KDIVE" serve <"$1/in.$sig" >"$1/out.$sig" 2>&1 &
		local kpid=$!
		exec 7>"$1/in.$sig"
		printf '{"id": 1, "cmd": "boot"}\n' >&7
		local i
		for i in $(seq 600); do grep -q '"ok":true' "$1/out.$sig" && break; sleep 0.1; done
		grep -q '"ok":true' "$1/out.$sig" || { exec 7>&-; kill -KILL $kpid; fail "no boot"; return 1; }
		[ -n "$(tagged_procs "" qemu-system-x86)" ] || fail "no guest running" || return 1
		if [ $sig = client ]; then exec 7>&-; else kill -TERM $kpid; exec 7>&-; fi
		wait $kpid
		no_guest_left 10 || return 1
		rm -f "$1/in.$sig"
	done
}
