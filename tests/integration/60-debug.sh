# kdive debug: --print-cmd, gdb fed on a pipe, --kaslr, and the kernel-layout
# rules of C and of gdbinit/kdive.py compared.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_debug_prints_its_commands() {
	# --print-cmd --boot: the two command lines from the reset vector, nothing started,
	# nothing written.
	local vm prog
	expect_rc 0 "$KDIVE" build --format json -q || return 1
	vm=$(json_get kernel.vmlinux <<<"$out")
	expect_rc 0 "$KDIVE" debug --print-cmd --boot || return 1
	contains "$out" "# 1. the guest, stopped at the reset vector, gdbstub on a unix socket:"
	contains "$out" "kdive.prog=fork"
	# (In $TMPDIR, else /tmp.)
	contains "$out" "-gdb unix:${TMPDIR:-/tmp}/gdb.sock,server=on,wait=off -S"
	contains "$out" "# 2. in another terminal, gdb attached with kdive's set-up:"
	contains "$out" "-ex 'target remote ${TMPDIR:-/tmp}/gdb.sock'"
	contains "$out" "progs/fork'"
	contains "$out" " $vm"
	! grep -q -- " -tui " <<<"$out" || fail "-tui without --tui"
	# --program, --tui and a scenario's stops as breakpoints of its program.
	expect_rc 0 "$KDIVE" debug --print-cmd --boot --tui --program getpid \
		"$top/scenarios/getpid.scn" || return 1
	contains "$out" "kdive.prog=getpid"
	contains "$out" " -tui "
	contains "$out" "progs/getpid'"
	contains "$out" "-ex 'break __x64_sys_getpid if "
	contains "$out" "\"getpid\")"
	# The scenario's program unless --program says otherwise.
	expect_rc 0 "$KDIVE" debug --print-cmd --boot "$top/scenarios/write.scn" || return 1
	contains "$out" "kdive.prog=write"
	expect_rc 2 "$KDIVE" debug --print-cmd --program nosuch || return 1
	contains "$out" "kdive: --program: no guest program 'nosuch' (initramfs/progs/nosuch.c"
	no_guest_left 1
}

t_debug_print_cmd_runs_by_hand_on_the_warm_guest() {
	# --print-cmd (the warm guest's commands, in $TMPDIR), pasted as a person would:
	# the FIFO pair and the disk, QEMU restoring the snapshot, gdb with kdive's set-up
	# and a run line that starts getpid, which stops at its main and then at the
	# scenario's stop; gdb's kill ends QEMU, and the last line cleans up.
	expect_rc 0 "$KDIVE" run "$top/scenarios/getpid.scn" || return 1 # a snapshot to restore
	TMPDIR=$1 expect_rc 0 "$KDIVE" debug --print-cmd "$top/scenarios/getpid.scn" || return 1
	local step1 step2 step3 step4 clean qpid i
	step1=$(sed -n '/^# 1\./{n;p}' <<<"$out") step2=$(sed -n '/^# 2\./{n;p}' <<<"$out")
	step3=$(sed -n '/^#    once 4/{n;p}' <<<"$out") step4=$(sed -n '/^# 4\./{n;p}' <<<"$out")
	clean=$(sed -n '/^# gdb.s kill/{n;p}' <<<"$out")
	contains "$step2" "-incoming fd:3 " || return 1
	contains "$step2" " 3<'" || return 1
	contains "$step3" "-ex 'hbreak main if " || return 1
	contains "$step4" "echo 'run getpid' >'$1/go.in'" || return 1
	[ -n "$step1" ] && [ -n "$clean" ] || fail "steps missing: $out" || return 1
	bash -c "$step1" || fail "step 1 failed: $step1" || return 1
	bash -c "$step2" >"$1/qemu.out" 2>&1 &
	qpid=$!
	for i in $(seq 100); do [ -S "$1/gdb.sock" ] && break; sleep 0.1; done
	# gdb on a terminal, as a person has it (script(1) gives it one): its -ex continue
	# then waits for the stop. The run line once gdb says "Continuing.", as step 4 says.
	printf '%s\n' continue 'kd-ptregs' kill quit >"$1/cmds"
	TERM=dumb timeout 60 script -qec "$step3" /dev/null <"$1/cmds" >"$1/gdb.out" 2>&1 &
	local gpid=$!
	for i in $(seq 600); do grep -q '^Continuing\.' "$1/gdb.out" && break; sleep 0.1; done
	bash -c "$step4"
	wait "$gpid"
	wait "$qpid"
	grep -q 'Breakpoint 1, main ()' "$1/gdb.out" ||
		fail "gdb did not stop at main: $(tail -n 5 "$1/gdb.out")" || return 1
	grep -q 'Breakpoint 2, __do_sys_getpid' "$1/gdb.out" ||
		fail "gdb did not stop at the scenario's stop: $(tail -n 5 "$1/gdb.out")" || return 1
	contains "$(cat "$1/gdb.out")" "pt_regs of getpid (pid" || return 1
	bash -c "$clean" || fail "the last line failed: $clean"
	no_guest_left 1
	rm -f "$1/cmds" "$1/qemu.out" "$1/gdb.out"
}

t_debug_takes_commands_on_its_stdin() {
	# gdb reads its commands from a pipe as well as from a terminal: to getpid's
	# syscall, kd-ptregs there, and quit, which shuts the guest down. By default the
	# guest is the warm one, stopped at the program's main; --boot starts from the
	# reset vector and `continue` boots it, the same helpers working.
	printf '%s\n' 'kd-syscall getpid' 'continue' 'kd-ptregs' 'quit' >"$1/cmds"
	expect_rc 0 "$KDIVE" debug --program getpid <"$1/cmds" || return 1
	contains "$out" "the guest is stopped at getpid's main"
	contains "$out" "syscall   39 (0x27) getpid"
	contains "$out" "pt_regs of getpid (pid"
	expect_rc 0 "$KDIVE" debug --boot --program getpid <"$1/cmds" || return 1
	contains "$out" "the guest is stopped at the reset vector"
	contains "$out" "pt_regs of getpid (pid"
	expect_rc 2 "$KDIVE" debug --boot --kaslr </dev/null || return 1
	contains "$out" "--kaslr needs kdive's session (drop --boot)"
	no_guest_left
}

t_layout_rules_agree_in_c_and_python() {
	# kdive computes the kernel's layout in C and hands it to gdb ($kd_current,
	# $kd_stack_top); kdive.py derives the same by its own rules when sourced by hand.
	# On 6.1, 6.12 and 6.12 SMP: kd-layout finds both the same (the running task's
	# expression, pt_regs' place, the condition, the pt_regs address at a kernel stop);
	# the condition kdive's debug sets is the one kdive.py derives; and kd-rdmsr reads
	# the MSR_LSTAR that kdive lstar reads.
	local k opts c py lstar
	printf '%s\n' 'kd-syscall getpid' 'continue' 'kd-layout getpid 39' 'kd-rdmsr 0xc0000082' \
		'quit' >"$1/cmds"
	for k in "6.1" "6.12" "6.12 --smp 2"; do
		read -ra opts <<<"--kernel $k"
		expect_rc 0 "$KDIVE" debug "${opts[@]}" --program getpid <"$1/cmds" || return 1
		out=$(sed 's/^(gdb) //' <<<"$out")
		local session=$out
		grep -q 'DIFFERENT' <<<"$out" && { printf '# %s\n' "$out" | grep -A2 DIFFERENT; fail "$k: C and Python disagree"; }
		[ "$(grep -c '^[a-z_]* *same$' <<<"$out")" -eq 4 ] ||
			fail "$k: not four rows the same (current, stack_top, condition, pt_regs)" || return 1
		py=$(grep -A2 '^condition' <<<"$out" | sed -n 's/^ *kdive.py: //p')
		expect_rc 0 "$KDIVE" debug "${opts[@]}" --print-cmd --program getpid "$top/scenarios/getpid.scn" ||
			return 1
		c=$(grep -o "break __x64_sys_getpid if [^']*" <<<"$out" | sed 's/^break __x64_sys_getpid if //')
		[ -n "$c" ] && [ "$c" = "$py" ] || fail "$k: debug sets '$c', kdive.py derives '$py'" || return 1
		py=$(sed -n 's/.*MSR_LSTAR = \(0x[0-9a-f]*\).*/\1/p' <<<"$session")
		lstar=$("$KDIVE" lstar "${opts[@]}" --format json 2>/dev/null | json_get value)
		[ -n "$py" ] && [ "$py" = "$lstar" ] || fail "$k: kd-rdmsr read '$py', kdive lstar '$lstar'" ||
			return 1
		echo "# $k: the same layout; LSTAR $lstar both ways"
	done
	no_guest_left
}

t_debug_kaslr_hands_over_a_relocated_guest() {
	# --kaslr: kdive finds the slide, and gdb gets a guest at getpid's main with its
	# symbols relocated: kd-lstar at the syscall resolves LSTAR to entry_SYSCALL_64 by
	# the relocated symbols, at the slide kdive announced.
	local vm entry slide lstar
	expect_rc 0 "$KDIVE" build --format json -q || return 1
	vm=$(json_get kernel.vmlinux <<<"$out")
	entry=$(nm_addr "$vm" entry_SYSCALL_64)
	printf '%s\n' 'kd-syscall getpid' 'continue' 'kd-lstar' 'quit' >"$1/cmds"
	expect_rc 0 "$KDIVE" debug --kaslr --program getpid <"$1/cmds" || return 1
	slide=$(sed -n 's/.*kdive: KASLR slide \(0x[0-9a-f]*\): symbols relocated.*/\1/p' <<<"$out")
	lstar=$(sed -n 's/.*MSR_LSTAR = \(0x[0-9a-f]*\) <entry_SYSCALL_64+0>.*/\1/p' <<<"$out")
	echo "# slide $slide, LSTAR $lstar, &entry_SYSCALL_64 $entry"
	[ -n "$slide" ] && [ -n "$lstar" ] || fail "no slide or no LSTAR in the output" || return 1
	[ "$(printf '0x%x' $(( lstar - slide )))" = "$entry" ] ||
		fail "LSTAR - slide != &entry_SYSCALL_64"
	contains "$out" "the guest is stopped at getpid's main"
	no_guest_left
}
