/*
 * kdive tour fork: the hand-made tour from glibc's fork() to kernel_clone, its probes
 * up to kernel_clone. Four breakpoints for the fork program (_Fork,
 * syscall_enter_from_user_mode for clone, __x64_sys_clone, kernel_clone); at each,
 * the probes read what the step shows: _Fork's code and the registers at its syscall
 * instruction (step 1), MSR_LSTAR read live (2), struct pt_regs and where each field
 * came from (3), do_syscall_64 and the kernel stack (4), x64_sys_call's generated
 * switch (5), SYSCALL_DEFINE5's wrappers and the arguments (6), struct
 * kernel_clone_args (7). tour_fork_after.c goes on from there. Command layer.
 */
#define _GNU_SOURCE
#include "tour.h"
#include "syscalls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOUR_STEPS 10

/* The narration of the stops of fork.scn at location, appended to say. */
static void stop_say(struct tour *t, const char *location, struct strbuf *say)
{
	for (size_t i = 0; t->have_sc && i < t->sc.nstops; i++) {
		if (!strcmp(t->sc.stops[i].location, location) && t->sc.stops[i].say) {
			tour_say_add(say, t->sc.stops[i].say);
			strbuf_addch(say, ' ');
		}
	}
}

static int regs_values(struct tour *t, struct tour_step *st, const char *const *names,
		       const char *const *what, size_t n)
{
	uint64_t v[8];
	if (session_registers(&t->s, names, n, v) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		tour_add_value(st, names[i], v[i], what[i]);
	return 0;
}

/* Step 1: _Fork, its code up to syscall, and the registers at the syscall. */
static int step_user(struct tour *t)
{
	struct tour_step st;
	struct strbuf why = STRBUF_INIT;
	int rc = -1;
	tour_step_init(&st, 1, "user space: _Fork and the syscall instruction");
	st.ms = now_ms() - t->t0;
	stop_say(t, "_Fork", &st.say);
	strbuf_addstr(&st.say, "The system call number goes in rax, the arguments in rdi, rsi, "
			       "rdx, r10, r8, r9 (r10, not rcx: syscall overwrites rcx with the return "
			       "address and r11 with rflags).");
	uint64_t pc, syscall_at = 0;
	struct session_insn *insns = NULL;
	size_t ninsns = 0;
	if (session_registers(&t->s, (const char *const[]){ "rip" }, 1, &pc) < 0 ||
	    session_disassemble(&t->s, pc, 128, &insns, &ninsns) < 0)
		goto out;
	for (size_t i = 0; i < ninsns; i++) {
		const char *inst = insns[i].text;
		int hot = strstr(inst, "$0x38,%eax") != NULL;
		strbuf_addf(&st.extra, "  %s0x%016llx <_Fork+%d>  %s%s\n",
			    hot ? (t->color ? "\033[7m" : ">>") : (t->color ? "" : "  "),
			    (unsigned long long)insns[i].addr, insns[i].offset, inst,
			    hot && t->color ? "\033[0m" : "");
		if (!strncmp(inst, "syscall", 7)) {
			syscall_at = insns[i].addr;
			break;
		}
	}
	session_insns_free(insns, ninsns);
	if (!syscall_at) {
		error("no syscall instruction in the first 128 bytes of _Fork");
		goto out;
	}
	/* Run to the syscall instruction itself: the registers are loaded. */
	char *loc = xstrfmt("*0x%llx", (unsigned long long)syscall_at);
	int bp = session_break(&t->s, 1, loc, -1, NULL, &why);
	free(loc);
	if (bp < 0 || tour_next_stop(t) < 0 || session_delete(&t->s, bp) < 0)
		goto out;
	static const char *const names[] = { "rax", "rdi", "rsi", "rdx", "r10", "r8", "r9", "rip" };
	static const char *const what[] = {
		"syscall number: 56 = clone", "arg0 clone_flags (SIGCHLD|CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID)",
		"arg1 newsp (0: share the stack, copy-on-write)", "arg2 parent_tidptr",
		"arg3 child_tidptr (r10, not rcx)", "arg4 tls", "unused", "at the syscall instruction",
	};
	if (regs_values(t, &st, names, what, ARRAY_SIZE(names)) < 0)
		goto out;
	struct obs_frame *f = NULL;
	size_t n = 0;
	if (session_frames(&t->s, &f, &n) == 0) {
		tour_relative(t, f, n);
		tour_add_frames(&st, f, n);
		obs_frames_free(f, n);
	}
	tour_emit(t, &st);
	rc = 0;
out:
	strbuf_release(&why);
	tour_step_release(&st);
	return rc;
}

/* Steps 2-4 at syscall_enter_from_user_mode: LSTAR, pt_regs, do_syscall_64. */
static int steps_entry(struct tour *t)
{
	struct tour_step st;
	uint64_t lstar, regs[SESSION_PT_NSLOTS];
	char *sym = NULL;
	struct obs_frame *f = NULL;
	size_t n = 0;
	int64_t ms = now_ms() - t->t0;

	if (session_lstar(&t->s, &lstar, &sym) < 0 || session_ptregs(&t->s, regs) < 0 ||
	    session_frames(&t->s, &f, &n) < 0) {
		free(sym);
		return -1;
	}
	tour_relative(t, f, n);

	tour_step_init(&st, 2, "the jump: MSR_LSTAR");
	st.ms = ms;
	strbuf_addf(&st.say, "syscall switched to ring 0 and jumped to the address in MSR_LSTAR "
			     "(0xc0000082), which the kernel set at boot (syscall_init). gdb cannot "
			     "show MSRs, so kdive read it just now by executing rdmsr in the guest: "
			     "it is %s. ", sym);
	tour_add_value(&st, "MSR_LSTAR", lstar, sym);
	tour_add_value(&st, "user rip", regs[SESSION_PT_IP], "pt_regs->ip: where sysret will return");
	int l = tour_find_line(t, "arch/x86/entry/entry_64.S", "SYM_CODE_START(entry_SYSCALL_64)");
	tour_show_source(t, &st, "arch/x86/entry/entry_64.S", l);
	tour_emit(t, &st);
	tour_step_release(&st);
	if (t->quit)
		goto out;

	tour_step_init(&st, 3, "entry_SYSCALL_64 builds struct pt_regs");
	st.ms = ms;
	strbuf_addstr(&st.say, "entry_SYSCALL_64 switched to the kernel stack and pushed the user "
			       "registers as struct pt_regs: ss, sp, flags (from r11), cs, ip (from "
			       "rcx), orig_ax (the syscall number from rax), then the rest; ax starts "
			       "as -ENOSYS.");
	static const struct {
		enum session_ptreg slot; /* pt_regs slot */
		const char *what;  /* where it came from */
	} shown[] = {
		{ SESSION_PT_ORIG_AX, "orig_ax <- rax: the syscall number" },
		{ SESSION_PT_IP, "ip <- rcx: the user return address" },
		{ SESSION_PT_FLAGS, "flags <- r11: the user rflags" },
		{ SESSION_PT_SP, "sp <- the user rsp" },
		{ SESSION_PT_CS, "cs: __USER_CS" },
		{ SESSION_PT_SS, "ss: __USER_DS" },
		{ SESSION_PT_DI, "di: arg0" },
		{ SESSION_PT_SI, "si: arg1" },
		{ SESSION_PT_DX, "dx: arg2" },
		{ SESSION_PT_R10, "r10: arg3" },
		{ SESSION_PT_R8, "r8: arg4" },
		{ SESSION_PT_AX, "ax: the return value, -ENOSYS for now" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(shown); i++)
		tour_add_value(&st, session_ptreg_name(shown[i].slot), regs[shown[i].slot],
			  shown[i].what);
	l = tour_find_line(t, "arch/x86/entry/entry_64.S", "pt_regs->orig_ax");
	tour_show_source(t, &st, "arch/x86/entry/entry_64.S", l);
	tour_emit(t, &st);
	tour_step_release(&st);
	if (t->quit)
		goto out;

	tour_step_init(&st, 4, "do_syscall_64 and syscall_enter_from_user_mode");
	st.ms = ms;
	stop_say(t, "syscall_enter_from_user_mode", &st.say);
	tour_add_value(&st, "orig_ax", regs[SESSION_PT_ORIG_AX], "56 = clone");
	tour_add_frames(&st, f, n);
	tour_take_stack(&t->s, &st, f, n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].func, "do_syscall_64") && f[i].file)
			tour_show_source(t, &st, f[i].file, f[i].line);
	tour_emit(t, &st);
	tour_step_release(&st);
out:
	obs_frames_free(f, n);
	free(sym);
	return 0;
}

/* Step 5 at __x64_sys_clone: x64_sys_call's switch. */
static int step_switch(struct tour *t)
{
	struct tour_step st;
	struct obs_frame *f = NULL;
	size_t n = 0;
	tour_step_init(&st, 5, "x64_sys_call's switch");
	st.ms = now_ms() - t->t0;
	if (session_frames(&t->s, &f, &n) < 0) {
		tour_step_release(&st);
		return -1;
	}
	tour_relative(t, f, n);
	stop_say(t, "__x64_sys_clone", &st.say);
	strbuf_addstr(&st.say, "Since 6.9 (and its stable backports) there is no indirect call "
			       "through sys_call_table: x64_sys_call is a switch whose cases the build "
			       "generates from the syscall table.");
	const char *gen = "arch/x86/include/generated/asm/syscalls_64.h";
	tour_extra_source(t, &st, gen, tour_find_line(t, gen, "__SYSCALL(56,"), "generated; the case for 56");
	int l = tour_find_line(t, "arch/x86/entry/syscall_64.c", "long x64_sys_call(");
	tour_show_source(t, &st, "arch/x86/entry/syscall_64.c", l + 3);
	tour_add_frames(&st, f, n);
	obs_frames_free(f, n);
	tour_emit(t, &st);
	tour_step_release(&st);
	return 0;
}

/* The CLONE_* names of flags (include/uapi/linux/sched.h). */
static void clone_flags_names(uint64_t flags, struct strbuf *out)
{
	static const struct { uint64_t bit; const char *name; } names[] = {
		{ 0x100, "VM" }, { 0x200, "FS" }, { 0x400, "FILES" }, { 0x800, "SIGHAND" },
		{ 0x1000, "PIDFD" }, { 0x2000, "PTRACE" }, { 0x4000, "VFORK" },
		{ 0x8000, "PARENT" }, { 0x10000, "THREAD" }, { 0x20000, "NEWNS" },
		{ 0x40000, "SYSVSEM" }, { 0x80000, "SETTLS" }, { 0x100000, "PARENT_SETTID" },
		{ 0x200000, "CHILD_CLEARTID" }, { 0x1000000, "CHILD_SETTID" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (flags & names[i].bit)
			strbuf_addf(out, "%sCLONE_%s", out->len ? " | " : "", names[i].name);
	if (!out->len)
		strbuf_addstr(out, "no flags: a plain fork");
	else if (!(flags & 0x100))
		strbuf_addstr(out, " (a new process, not a thread: no CLONE_VM)");
}

/* What __do_sys_clone put in struct kernel_clone_args, read live at kernel_clone. */
static void clone_args_values(struct tour *t, struct tour_step *st)
{
	static const char *const fields[][2] = {
		{ "flags", "" }, /* decoded below */
		{ "exit_signal", "the signal the parent gets when the child exits" },
		{ "stack", "the child's user stack (0: the parent's, copy-on-write)" },
		{ "stack_size", "(clone3 only)" },
		{ "tls", "the child's thread-local storage (CLONE_SETTLS)" },
		{ "pidfd", "where a pidfd goes (CLONE_PIDFD)" },
		{ "child_tid", "where the child's tid goes (CLONE_CHILD_SETTID)" },
		{ "parent_tid", "where the parent's copy of it goes (CLONE_PARENT_SETTID)" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		struct strbuf why = STRBUF_INIT;
		char *expr = xstrfmt("(unsigned long long)args->%s", fields[i][0]);
		char *v = session_eval(&t->s, expr, &why);
		if (v) {
			char *name = xstrfmt("args->%s", fields[i][0]);
			struct strbuf what = STRBUF_INIT;
			if (i == 0)
				clone_flags_names(strtoull(v, NULL, 0), &what);
			else
				strbuf_addstr(&what, fields[i][1]);
			tour_add_value(st, name, strtoull(v, NULL, 0), what.buf);
			strbuf_release(&what);
			free(name);
		}
		free(v);
		free(expr);
		strbuf_release(&why);
	}
}

/* Steps 6 and 7 at kernel_clone: SYSCALL_DEFINE5, then the way back. */
static int steps_clone(struct tour *t)
{
	struct tour_step st;
	struct obs_frame *f = NULL;
	size_t n = 0;
	uint64_t regs[SESSION_PT_NSLOTS];
	int64_t ms = now_ms() - t->t0;
	int rc = -1;
	if (session_frames(&t->s, &f, &n) < 0 || session_ptregs(&t->s, regs) < 0)
		goto out;
	tour_relative(t, f, n);

	tour_step_init(&st, 6, "SYSCALL_DEFINE5(clone, ...) and what it expands to");
	st.ms = ms;
	strbuf_addstr(&st.say, "SYSCALL_DEFINE5(clone, ...) defines three functions: "
			       "__x64_sys_clone(const struct pt_regs *regs) takes the registers and "
			       "calls __se_sys_clone(di, si, dx, r10, r8), which casts each to its real "
			       "type for __do_sys_clone, the body written in kernel/fork.c. The backtrace "
			       "shows them, the inlined ones sharing their caller's pc.");
	/* The wrappers' line is the SYSCALL_DEFINE5 this configuration compiled. */
	for (size_t i = n; i-- > 0;)
		if (!strcmp(f[i].func, "__se_sys_clone") && f[i].file)
			tour_show_source(t, &st, f[i].file, f[i].line);
	if (!st.src_file)
		tour_show_source(t, &st, "kernel/fork.c",
			    tour_find_line(t, "kernel/fork.c", "SYSCALL_DEFINE5(clone,"));
	tour_add_value(&st, "clone_flags", regs[SESSION_PT_DI], "di, arg0");
	tour_add_value(&st, "newsp", regs[SESSION_PT_SI], "si, arg1");
	tour_add_value(&st, "parent_tidptr", regs[SESSION_PT_DX], "dx, arg2");
	tour_add_value(&st, "child_tidptr", regs[SESSION_PT_R10], "r10, arg3");
	tour_add_value(&st, "tls", regs[SESSION_PT_R8], "r8, arg4");
	t->parent_ip = regs[SESSION_PT_IP];
	t->parent_pid = tour_task_field(t, "pid");
	tour_add_frames(&st, f, n);
	tour_emit(t, &st);
	tour_step_release(&st);
	if (t->quit) {
		rc = 0;
		goto out;
	}

	tour_step_init(&st, 7, "kernel_clone and struct kernel_clone_args");
	st.ms = ms;
	stop_say(t, "kernel_clone", &st.say);
	clone_args_values(t, &st);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].func, "kernel_clone") && f[i].file)
			tour_show_source(t, &st, f[i].file, f[i].line);
	/* Where the parent comes back: the return address of entry_SYSCALL_64's call. */
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].func, "entry_SYSCALL_64"))
			t->entry_ret = f[i].addr;
	tour_add_frames(&st, f, n);
	tour_take_stack(&t->s, &st, f, n);
	tour_emit(t, &st);
	tour_step_release(&st);
	rc = 0;
out:
	obs_frames_free(f, n);
	return rc;
}

/* The four stops, for the fork program only, into b; 0, or -1 with why. */
static int fork_breakpoints(struct tour *t, int clone_nr, int b[4], struct strbuf *why)
{
	struct strbuf bwhy = STRBUF_INIT;
	b[0] = session_break(&t->s, 1, "_Fork", -1, NULL, &bwhy);
	b[1] = session_break(&t->s, 0, "syscall_enter_from_user_mode", clone_nr, NULL, &bwhy);
	b[2] = session_break(&t->s, 0, "__x64_sys_clone", -1, NULL, &bwhy);
	b[3] = session_break(&t->s, 0, "kernel_clone", -1, NULL, &bwhy);
	int rc = b[0] < 0 || b[1] < 0 || b[2] < 0 || b[3] < 0 ? -1 : 0;
	if (rc < 0)
		strbuf_addf(why, "cannot set the tour's breakpoints: %s", bwhy.buf);
	strbuf_release(&bwhy);
	return rc;
}

/* The steps, stop by stop, then the guest to its end; 0, or -1 reported. */
static int fork_walk(struct tour *t, const int b[4])
{
	if (tour_next_stop(t) < 0 || step_user(t) < 0)
		return -1;
	/* Each breakpoint goes once it is hit: the LSTAR read rewinds the pc onto b[1], and
	 * a breakpoint still there would be reported again. */
	if (!t->quit && (session_delete(&t->s, b[0]) < 0 || tour_next_stop(t) < 0 ||
			 steps_entry(t) < 0))
		return -1;
	if (!t->quit && (session_delete(&t->s, b[1]) < 0 || tour_next_stop(t) < 0 ||
			 step_switch(t) < 0))
		return -1;
	if (!t->quit && (session_delete(&t->s, b[2]) < 0 || tour_next_stop(t) < 0 ||
			 steps_clone(t) < 0))
		return -1;
	if (!t->quit && (session_delete(&t->s, -1) < 0 || tour_fork_after_clone(t) < 0))
		return -1;
	if (!t->quit && session_run_to_exit(&t->s) < 0)
		return -1;
	return 0;
}

/* fork.scn, for its narration (the tour goes on without it). */
static void fork_load_narration(struct tour *t)
{
	char *scn = xstrfmt("%s/scenarios/fork.scn", cli_datadir());
	t->have_sc = cli_load_scenario(scn, &t->sc, NULL) == 0;
	free(scn);
}

int tour_fork(struct tour *t, struct cli_args *a)
{
	struct session_image img;
	struct strbuf why = STRBUF_INIT;
	struct tour_doc doc = {
		.name = "fork", .label = "fork", .what = "from glibc's fork() to kernel_clone",
		.title = "kdive tour fork: from glibc's fork() to kernel_clone, and the child",
		.program = "fork", .debug = "scenarios/fork.scn", .ok = 1,
	};
	int b[4], ok = 0;
	int rc = cli_resolve_images(&t->im, &a->boot, 1);
	if (rc)
		return rc;
	t->gs = &t->s;
	t->nsteps = TOUR_STEPS;
	fork_load_narration(t);
	t->k = &t->im.kernels[0];
	int clone_nr = syscalls_find(&t->k->syscalls, "clone");
	if (clone_nr < 0) {
		error("kernel %s has no clone in its syscall table", t->k->name);
		return KDIVE_EXIT_INFRA;
	}
	cli_session_image(&t->im, t->k, &img);
	t->t0 = now_ms();
	if (session_open(&t->s, &img, &a->boot.guest, "fork", NULL, &why) < 0 ||
	    fork_breakpoints(t, clone_nr, b, &why) < 0)
		goto fail;
	if (t->render->begin)
		t->render->begin(t, &doc);
	if (fork_walk(t, b) < 0)
		goto fail;
	doc.completed = !t->quit;
	t->render->end(t, &doc);
	ok = 1;
	goto out;
fail:
	if (why.len)
		error("%s", why.buf);
	strbuf_reset(&why);
	session_console_tail(&t->s, &why);
	fputs(why.buf, stderr);
out:
	session_end(&t->s, ok);
	strbuf_release(&why);
	return ok ? KDIVE_EXIT_PASS : KDIVE_EXIT_INFRA;
}
