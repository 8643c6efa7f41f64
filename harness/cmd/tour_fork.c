/*
 * kdive tour fork: the hand-made tour from glibc's fork() to kernel_clone, its probes
 * up to kernel_clone. Four breakpoints for the fork program (_Fork,
 * syscall_enter_from_user_mode for clone, __x64_sys_clone, kernel_clone); at each,
 * the probes read what the step shows: _Fork's code and the registers at its syscall
 * instruction (step 1), MSR_LSTAR read live (2), struct pt_regs and where each field
 * came from (3), do_syscall_64 and the kernel stack (4), x64_sys_call's generated
 * switch (5), SYSCALL_DEFINE5's wrappers and the arguments (6), struct
 * kernel_clone_args (7). tour_fork_after.c goes on from there. The steps' titles and
 * narration are scenarios/fork.scn's: its `step` lines, and for a step taken at one of
 * its stops, that stop's say lines (fork_steps[] says which). Command layer.
 */
#define _GNU_SOURCE
#include "tour.h"
#include "syscalls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The steps by their names in fork.scn, in the order of enum tour_fork_step; a step
 * taken at a stop of fork.scn is narrated by the say lines of the stops at that
 * location (the others by their own).
 */
static const struct {
	const char *name; /* the step line's NAME */
	const char *stop; /* the location of the stops that narrate it, or NULL */
} fork_steps[TOUR_FORK_NSTEPS] = {
	[TOUR_FORK_USER] = { "user", "_Fork" },
	[TOUR_FORK_LSTAR] = { "lstar", NULL },
	[TOUR_FORK_PT_REGS] = { "pt_regs", NULL },
	[TOUR_FORK_ENTRY] = { "entry", "syscall_enter_from_user_mode" },
	[TOUR_FORK_SWITCH] = { "switch", "__x64_sys_clone" },
	[TOUR_FORK_DEFINE] = { "define", NULL },
	[TOUR_FORK_CLONE] = { "clone", "kernel_clone" },
	[TOUR_FORK_BACK] = { "back", NULL },
	[TOUR_FORK_CHILD] = { "child", NULL },
	[TOUR_FORK_CHILD_USER] = { "child_user", NULL },
};

/* The say lines of the stops at location, joined, into say; 1 when there were any. */
static int stops_say(const struct scenario *sc, const char *location, struct strbuf *say)
{
	int any = 0;
	for (size_t i = 0; i < sc->nstops; i++) {
		if (strcmp(sc->stops[i].location, location) || !sc->stops[i].say)
			continue;
		if (any++)
			strbuf_addch(say, ' ');
		tour_say_add(say, sc->stops[i].say);
	}
	return any;
}

void tour_fork_step(struct tour *t, struct tour_step *st, enum tour_fork_step which,
		    int64_t ms)
{
	const struct scenario_step *sp = scenario_step_find(&t->sc, fork_steps[which].name);
	tour_step_init(st, ++t->step_no, sp->title);
	st->ms = ms;
	if (fork_steps[which].stop)
		stops_say(&t->sc, fork_steps[which].stop, &st->say);
	else
		tour_say_add(&st->say, sp->say);
}

/* Step which has its words in fork.scn, once; 0, or -1 reported. */
static int fork_check_step(const struct scenario *sc, enum tour_fork_step which)
{
	const char *name = fork_steps[which].name, *stop = fork_steps[which].stop;
	const struct scenario_step *sp = scenario_step_find(sc, name);
	struct strbuf said = STRBUF_INIT;
	int any = stop && stops_say(sc, stop, &said);
	strbuf_release(&said);
	if (!sp)
		return error("%s: no 'step %s': kdive tour fork reads the title and narration "
			     "of each of its steps there", sc->file, name);
	if (stop && sp->say)
		return error("%s:%d: step '%s' is narrated by the say lines of the stops at %s: "
			     "write its words there", sc->file, sp->line, name, stop);
	if (stop && !any)
		return error("%s:%d: step '%s' is narrated by the stops at %s, and none says "
			     "anything", sc->file, sp->line, name, stop);
	if (!stop && !sp->say)
		return error("%s:%d: step '%s' has no say lines (it is taken at no stop of the "
			     "file)", sc->file, sp->line, name);
	return 0;
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
	tour_fork_step(t, &st, TOUR_FORK_USER, now_ms() - t->t0);
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
		"syscall number: 56 = clone",
		"arg0 clone_flags (SIGCHLD|CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID)",
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

/* Step 2: MSR_LSTAR, read live (sym: what it points at), and entry_SYSCALL_64. */
static void step_lstar(struct tour *t, int64_t ms, uint64_t lstar, const char *sym,
		       const uint64_t *regs)
{
	struct tour_step st;
	tour_fork_step(t, &st, TOUR_FORK_LSTAR, ms);
	tour_add_value(&st, "MSR_LSTAR", lstar, sym);
	tour_add_value(&st, "user rip", regs[SESSION_PT_IP], "pt_regs->ip: where sysret will return");
	int l = tour_find_line(t, "arch/x86/entry/entry_64.S", "SYM_CODE_START(entry_SYSCALL_64)");
	tour_show_source(t, &st, "arch/x86/entry/entry_64.S", l);
	tour_emit(t, &st);
	tour_step_release(&st);
}

/* Step 3: struct pt_regs, each field and where entry_SYSCALL_64 took it from. */
static void step_pt_regs(struct tour *t, int64_t ms, const uint64_t *regs)
{
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
	struct tour_step st;
	tour_fork_step(t, &st, TOUR_FORK_PT_REGS, ms);
	for (size_t i = 0; i < ARRAY_SIZE(shown); i++)
		tour_add_value(&st, session_ptreg_name(shown[i].slot), regs[shown[i].slot],
			       shown[i].what);
	int l = tour_find_line(t, "arch/x86/entry/entry_64.S", "pt_regs->orig_ax");
	tour_show_source(t, &st, "arch/x86/entry/entry_64.S", l);
	tour_emit(t, &st);
	tour_step_release(&st);
}

/* Step 4: do_syscall_64, the backtrace f[0..n) and the kernel stack. */
static void step_entry(struct tour *t, int64_t ms, const uint64_t *regs,
		       const struct obs_frame *f, size_t n)
{
	struct tour_step st;
	tour_fork_step(t, &st, TOUR_FORK_ENTRY, ms);
	tour_add_value(&st, "orig_ax", regs[SESSION_PT_ORIG_AX], "56 = clone");
	tour_add_frames(&st, f, n);
	tour_take_stack(&t->s, &st, f, n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].func, "do_syscall_64") && f[i].file)
			tour_show_source(t, &st, f[i].file, f[i].line);
	tour_emit(t, &st);
	tour_step_release(&st);
}

/* Steps 2-4 at syscall_enter_from_user_mode: LSTAR, pt_regs, do_syscall_64. */
static int steps_entry(struct tour *t)
{
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
	step_lstar(t, ms, lstar, sym, regs);
	if (!t->quit)
		step_pt_regs(t, ms, regs);
	if (!t->quit)
		step_entry(t, ms, regs, f, n);
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
	int64_t ms = now_ms() - t->t0;
	if (session_frames(&t->s, &f, &n) < 0)
		return -1;
	tour_relative(t, f, n);
	tour_fork_step(t, &st, TOUR_FORK_SWITCH, ms);
	const char *gen = "arch/x86/include/generated/asm/syscalls_64.h";
	tour_extra_source(t, &st, gen, tour_find_line(t, gen, "__SYSCALL(56,"),
			  "generated; the case for 56");
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

/* Step 6 at kernel_clone: SYSCALL_DEFINE5(clone, ...)'s wrappers, clone's arguments. */
static void step_define(struct tour *t, int64_t ms, const uint64_t *regs,
			const struct obs_frame *f, size_t n)
{
	struct tour_step st;
	tour_fork_step(t, &st, TOUR_FORK_DEFINE, ms);
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
	tour_add_frames(&st, f, n);
	tour_emit(t, &st);
	tour_step_release(&st);
}

/* Step 7 at kernel_clone: struct kernel_clone_args, the backtrace, the kernel stack. */
static void step_clone(struct tour *t, int64_t ms, const struct obs_frame *f, size_t n)
{
	struct tour_step st;
	tour_fork_step(t, &st, TOUR_FORK_CLONE, ms);
	clone_args_values(t, &st);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].func, "kernel_clone") && f[i].file)
			tour_show_source(t, &st, f[i].file, f[i].line);
	tour_add_frames(&st, f, n);
	tour_take_stack(&t->s, &st, f, n);
	tour_emit(t, &st);
	tour_step_release(&st);
}

/*
 * Steps 6 and 7 at kernel_clone; on the way, what the steps after it need: the
 * parent's user ip and pid, and where do_syscall_64 returns to. 0, or -1 reported.
 */
static int steps_clone(struct tour *t)
{
	struct obs_frame *f = NULL;
	size_t n = 0;
	uint64_t regs[SESSION_PT_NSLOTS];
	int64_t ms = now_ms() - t->t0;
	if (session_frames(&t->s, &f, &n) < 0 || session_ptregs(&t->s, regs) < 0) {
		obs_frames_free(f, n);
		return -1;
	}
	tour_relative(t, f, n);
	t->parent_ip = regs[SESSION_PT_IP];
	t->parent_pid = tour_task_field(t, "pid");
	/* Where the parent comes back: the return address of entry_SYSCALL_64's call. */
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].func, "entry_SYSCALL_64"))
			t->entry_ret = f[i].addr;
	step_define(t, ms, regs, f, n);
	if (!t->quit)
		step_clone(t, ms, f, n);
	obs_frames_free(f, n);
	return 0;
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

/* fork.scn, for the steps' titles and narration; 0, or an exit code (reported). */
static int fork_load_narration(struct tour *t)
{
	char *scn = xstrfmt("%s/scenarios/fork.scn", cli_datadir());
	int rc = cli_load_scenario(scn, &t->sc, NULL);
	free(scn);
	if (rc)
		return rc;
	t->have_sc = 1;
	for (int i = 0; i < TOUR_FORK_NSTEPS; i++)
		if (fork_check_step(&t->sc, (enum tour_fork_step)i) < 0)
			rc = KDIVE_EXIT_USAGE;
	return rc;
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
	if (rc || (rc = fork_load_narration(t)))
		return rc;
	t->gs = &t->s;
	t->nsteps = TOUR_FORK_NSTEPS;
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
