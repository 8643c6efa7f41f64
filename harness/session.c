/*
 * session: boot + attach, MSR reads by rdmsr injection, KASLR relocation, run to
 * the end. Depends on gdb, qemu.
 */
#define _GNU_SOURCE
#include "session.h"
#include "elf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_S 300
#define MSR_LSTAR 0xc0000082u

static void task_release(struct session_task *t);
/* One stop to the next: the whole library's stops come within a second under TCG. */
#define STOP_TIMEOUT_MS 60000

void session_console_tail(struct session *s, struct strbuf *out)
{
	strbuf_addf(out, "last lines of the guest console (%s):\n", s->qemu.console_log);
	qemu_console_tail(&s->qemu, out, 12);
}

int session_start(struct session *s, const struct session_opts *o)
{
	struct qemu_opts qo = { 0 };
	memset(s, 0, sizeof(*s));
	/* Valid "not started" children, so that session_end() works after any failure. */
	proc_init(&s->qemu.proc);
	proc_init(&s->gdb.proc);
	s->t0 = now_ms();
	s->deadline = s->t0 + 1000LL * (o->timeout_s > 0 ? o->timeout_s : DEFAULT_TIMEOUT_S);
	s->keep = o->keep;
	s->vmlinux = o->vmlinux;
	s->program = o->program;
	s->program_status = -1;
	s->rundir = qemu_make_rundir();
	if (!s->rundir)
		return -1;
	qo.bzimage = o->bzimage;
	qo.initrd = o->initrd;
	qo.rundir = s->rundir;
	qo.program = o->program;
	qo.args = o->args;
	qo.kaslr = o->kaslr;
	qo.stopped = !o->go;
	qo.go = o->go;
	qo.gdb_port = o->gdb_port;
	if (qemu_start(&s->qemu, &qo) < 0)
		return -1;
	info("booting %s under %s (run directory %s)", o->bzimage, s->qemu.kvm ? "KVM" : "TCG",
	     s->rundir);
	char *transcript = xstrfmt("%s/gdb.mi", s->rundir);
	int r = gdb_start(&s->gdb, o->vmlinux, transcript);
	free(transcript);
	if (r < 0)
		return -1;
	s->gdb.peer = &s->qemu.proc;
	s->gdb.peer_name = "QEMU";
	/* With go, the guest boots untouched by gdb: session_run_scenario() attaches when
	 * init is ready. */
	return o->go ? 0 : session_attach(s);
}

int session_attach(struct session *s)
{
	/* -target-select takes the rest of the line as it is (quotes would become part of
	 * the name), so the socket path must have no white space. QEMU reports the stop
	 * before gdb says ^connected; that *stopped stays queued. */
	if (strpbrk(s->qemu.gdb_target, " \t\n"))
		return error("the gdb socket path '%s' has white space; set TMPDIR elsewhere",
			     s->qemu.gdb_target);
	return gdb_run(&s->gdb, NULL, "-target-select remote %s", s->qemu.gdb_target);
}

int session_cpl(struct session *s)
{
	uint64_t cs;
	if (gdb_eval_u64(&s->gdb, "$cs", &cs) < 0)
		return -1;
	return (int)(cs & 3);
}

struct mi_record *session_continue(struct session *s)
{
	if (gdb_run(&s->gdb, NULL, "-exec-continue") < 0)
		return NULL;
	struct mi_record *r = gdb_wait_async(&s->gdb, "stopped", s->deadline);
	if (!r && s->qemu.proc.reaped && proc_succeeded(&s->qemu.proc))
		error("the guest powered off before the next stop");
	return r;
}

/* Set a register or memory through an expression; 0 or -1 reported. */
static int assign(struct session *s, const char *lhs, uint64_t value)
{
	struct strbuf why = STRBUF_INIT;
	char *expr = xstrfmt("%s = 0x%llx", lhs, (unsigned long long)value);
	char *v = gdb_eval(&s->gdb, expr, &why);
	int r = v ? 0 : error("gdb cannot set '%s': %s", expr, why.buf);
	free(v);
	free(expr);
	strbuf_release(&why);
	return r;
}

/* The registers the injection touches, in the order they are restored. */
static const char *const touched[] = { "rax", "rcx", "rdx", "eflags" };

int session_read_msr(struct session *s, uint32_t msr, uint64_t *value)
{
	uint64_t pc, saved[ARRAY_SIZE(touched)], code, now_pc, eax, edx, check;
	int cpl = session_cpl(s);
	int r = -1, patched = 0;
	if (cpl < 0)
		return -1;
	if (cpl != 0)
		return error("cannot read MSR 0x%x: the CPU is in user mode (CPL %d), rdmsr needs "
			     "CPL 0", msr, cpl);
	if (gdb_eval_u64(&s->gdb, "$pc", &pc) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(touched); i++)
		if (gdb_register_u64(&s->gdb, touched[i], &saved[i]) < 0)
			return -1;
	char *at = xstrfmt("*(unsigned short *)0x%llx", (unsigned long long)pc);
	if (gdb_eval_u64(&s->gdb, at, &code) < 0)
		goto out;
	/* rdmsr is 0f 32: little-endian 0x320f. QEMU's stub writes guest physical
	 * memory, so read-only kernel text takes it. */
	if (assign(s, at, 0x320f) < 0)
		goto out;
	patched = 1;
	if (assign(s, "$rcx", msr) < 0)
		goto out;
	/* gdb steps over a breakpoint at the pc by itself, and QEMU masks interrupts and
	 * timers during a single step (its default sstep flags), so exactly the injected
	 * instruction runs. */
	/* Now and then (about 1 in 200) QEMU reports a single step without executing
	 * anything: nothing changed, so stepping again is safe. */
	for (int tries = 0; tries < 5; tries++) {
		if (gdb_run(&s->gdb, NULL, "-exec-step-instruction") < 0)
			goto out;
		struct mi_record *st = gdb_wait_async(&s->gdb, "stopped", now_ms() + 10000);
		if (!st)
			goto out;
		mi_record_free(st);
		if (gdb_eval_u64(&s->gdb, "$pc", &now_pc) < 0)
			goto out;
		if (now_pc != pc)
			break;
		gdb_note(&s->gdb, "the step did not execute; stepping again");
	}
	if (gdb_eval_u64(&s->gdb, "$rax", &eax) < 0 || gdb_eval_u64(&s->gdb, "$rdx", &edx) < 0)
		goto out;
	if (now_pc != pc + 2) {
		error("rdmsr 0x%x did not execute as one instruction: pc 0x%llx after the step, "
		      "expected 0x%llx (a fault or an interrupt intervened)", msr,
		      (unsigned long long)now_pc, (unsigned long long)pc + 2);
		goto out;
	}
	*value = (edx & 0xffffffffULL) << 32 | (eax & 0xffffffffULL);
	r = 0;
out:
	/* Restore everything, whatever happened, and check it. */
	if (patched && assign(s, at, code) < 0)
		r = -1;
	if (assign(s, "$pc", pc) < 0)
		r = -1;
	for (size_t i = 0; i < ARRAY_SIZE(touched); i++) {
		char *reg = xstrfmt("$%s", touched[i]);
		if (assign(s, reg, saved[i]) < 0)
			r = -1;
		free(reg);
	}
	if (patched && (gdb_eval_u64(&s->gdb, at, &check) < 0 || check != code))
		r = error("the code at 0x%llx was not restored", (unsigned long long)pc);
	for (size_t i = 0; i < ARRAY_SIZE(touched); i++) {
		if (gdb_register_u64(&s->gdb, touched[i], &check) < 0 || check != saved[i])
			r = error("%s was not restored (0x%llx, saved 0x%llx)", touched[i],
				  (unsigned long long)check, (unsigned long long)saved[i]);
	}
	if (gdb_eval_u64(&s->gdb, "$pc", &check) < 0 || check != pc)
		r = error("$pc was not restored");
	free(at);
	return r;
}

/*
 * --kaslr: kernel symbols are wrong until relocated, but the static guest program is
 * not moved. Stop at its _Fork (checking the code bytes: busybox, also non-PIE, runs
 * at the same addresses), then single-step until the CPU is in kernel mode: that pc
 * is where the syscall instruction went.
 */
static int stop_after_syscall(struct session *s, const char *prog, uint64_t *kernel_pc)
{
	struct elf e;
	uint64_t fork_addr, want, got;
	if (elf_open(&e, prog) < 0)
		return -1;
	int found = elf_symbol(&e, "_Fork", &fork_addr) &&
		    elf_read_vaddr(&e, fork_addr, &want, sizeof(want)) == 0;
	elf_close(&e);
	if (!found)
		return error("'%s' has no _Fork: is it the static fork program?", prog);
	if (gdb_run(&s->gdb, NULL, "-break-insert -h *0x%llx", (unsigned long long)fork_addr) < 0)
		return -1;
	char *code = xstrfmt("*(unsigned long long *)0x%llx", (unsigned long long)fork_addr);
	int r = -1;
	for (int hits = 0; hits < 200; hits++) {
		struct mi_record *st = session_continue(s);
		if (!st)
			goto out;
		mi_record_free(st);
		if (gdb_eval_u64(&s->gdb, code, &got) < 0)
			goto out;
		if (got == want && session_cpl(s) == 3)
			break;
		debug("stop at 0x%llx is another program's code", (unsigned long long)fork_addr);
	}
	if (got != want) {
		error("the fork program never reached _Fork");
		goto out;
	}
	if (gdb_run(&s->gdb, NULL, "-interpreter-exec console \"delete\"") < 0)
		goto out;
	for (int steps = 0; steps < 200; steps++) {
		if (gdb_run(&s->gdb, NULL, "-exec-step-instruction") < 0)
			goto out;
		struct mi_record *st = gdb_wait_async(&s->gdb, "stopped", s->deadline);
		if (!st)
			goto out;
		mi_record_free(st);
		int cpl = session_cpl(s);
		if (cpl < 0)
			goto out;
		if (cpl == 0) {
			r = gdb_eval_u64(&s->gdb, "$pc", kernel_pc);
			goto out;
		}
	}
	error("200 instructions after _Fork the CPU was still in user mode");
out:
	free(code);
	return r;
}

#define KASLR_ALIGN 0x200000ull /* the kernel is placed at 2 MiB granularity */

int session_find_slide(struct session *s, const char *prog, uint64_t *lstar, uint64_t *slide)
{
	struct elf e;
	uint64_t pc, entry;
	if (stop_after_syscall(s, prog, &pc) < 0 || session_read_msr(s, MSR_LSTAR, lstar) < 0)
		return -1;
	if (pc != *lstar)
		return error("stepping across syscall landed at 0x%llx, but MSR_LSTAR is 0x%llx",
			     (unsigned long long)pc, (unsigned long long)*lstar);
	if (elf_open(&e, s->vmlinux) < 0)
		return -1;
	int found = elf_symbol(&e, "entry_SYSCALL_64", &entry);
	elf_close(&e);
	if (!found)
		return error("'%s' has no entry_SYSCALL_64: not an x86-64 vmlinux?", s->vmlinux);
	*slide = *lstar - entry;
	if (*slide % KASLR_ALIGN)
		return error("LSTAR 0x%llx - &entry_SYSCALL_64 0x%llx = 0x%llx is not a 2 MiB slide",
			     (unsigned long long)*lstar, (unsigned long long)entry,
			     (unsigned long long)*slide);
	return session_relocate(s, *slide);
}

int session_relocate(struct session *s, uint64_t slide)
{
	struct strbuf cmd = STRBUF_INIT, q = STRBUF_INIT;
	/* symbol-file -o replaces every symbol file; gdb keeps its breakpoints but they
	 * are re-resolved against the new addresses. */
	strbuf_addf(&cmd, "symbol-file -o 0x%llx %s", (unsigned long long)slide, s->vmlinux);
	gdb_quote(&q, cmd.buf);
	int r = gdb_run(&s->gdb, NULL, "-interpreter-exec console %s", q.buf);
	if (!r)
		s->slide = slide;
	strbuf_release(&cmd);
	strbuf_release(&q);
	return r;
}

int session_run_to_exit(struct session *s)
{
	if (gdb_run(&s->gdb, NULL, "-interpreter-exec console \"delete\"") < 0 ||
	    gdb_run(&s->gdb, NULL, "-exec-continue") < 0)
		return -1;
	int r = qemu_wait(&s->qemu, s->deadline);
	if (r == 1)
		return error("the guest did not power off in time");
	if (r < 0 || !s->program)
		return r;
	/* init says "kdive: /progs/NAME exited with status N" (initramfs/init). */
	struct strbuf con = STRBUF_INIT;
	char *marker = xstrfmt("kdive: /progs/%s exited with status ", s->program);
	const char *at = NULL;
	if (strbuf_read_file(&con, s->qemu.console_log) == 0)
		at = strstr(con.buf, marker);
	if (at)
		s->program_status = atoi(at + strlen(marker));
	else
		r = error("the guest powered off, but its console never says that '%s' ran",
			  s->program);
	free(marker);
	strbuf_release(&con);
	return r;
}

void session_end(struct session *s, int ok)
{
	task_release(&s->task);
	gdb_release(&s->gdb);
	qemu_release(&s->qemu);
	if (!s->rundir)
		return;
	if (ok && !s->keep) {
		remove_tree(s->rundir);
	} else {
		info("run directory kept: %s (console.log, qemu.log, gdb.mi)", s->rundir);
	}
	free(s->rundir);
	s->rundir = NULL;
}

/* ---- scenarios ---- */

/*
 * struct pt_regs on x86-64, in the order entry_64.S pushes it (PUSH_AND_CLEAR_REGS):
 * 21 slots of 8 bytes. Checked against gdb's view of the type once per session, then
 * read as one block of memory per stop: a cast to struct pt_regs costs gdb ~13 ms per
 * expression, a memory read well under one.
 */
static const char *const ptregs_fields[] = {
	"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax",
	"cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss",
};
#define PTREGS_NFIELDS ARRAY_SIZE(ptregs_fields)
_Static_assert(ARRAY_SIZE(ptregs_fields) == SESSION_PTREGS_NFIELDS, "pt_regs slots");
#define PTREGS_SIZE (8 * PTREGS_NFIELDS)
#define PTREGS_ORIG_AX 15

static void task_release(struct session_task *t)
{
	free(t->current);
	free(t->comm);
	free(t->orig_ax);
}

static int task_init(struct session *s, const char *program, struct session_task *t)
{
	struct strbuf why = STRBUF_INIT;
	uint64_t layout;
	memset(t, 0, sizeof(*t));
	/* 6.9 moved current_task into pcpu_hot; without SMP per-cpu variables read as
	 * plain globals. */
	char *v = gdb_eval(&s->gdb, "&pcpu_hot.current_task", &why);
	t->current = xstrdup(v ? "pcpu_hot.current_task" : "current_task");
	free(v);
	strbuf_release(&why);
	/* init_stack is THREAD_SIZE bytes. One expression checks the whole layout. */
	if (gdb_eval_u64(&s->gdb, "sizeof(init_stack)", &t->thread_size) < 0 ||
	    gdb_eval_u64(&s->gdb, "sizeof(struct pt_regs) * 1000 + "
				  "(unsigned long)&((struct pt_regs *)0)->orig_ax", &layout) < 0)
		return -1;
	if (layout != PTREGS_SIZE * 1000 + 8 * PTREGS_ORIG_AX)
		return error("this kernel's struct pt_regs is not x86-64's (size*1000+offsetof "
			     "orig_ax = %llu)", (unsigned long long)layout);
	/* With FRED (6.9+), 16 bytes of padding sit above pt_regs at the top of the stack
	 * (TOP_OF_KERNEL_STACK_PADDING); its entry code is there when it is built in. */
	struct strbuf fwhy = STRBUF_INIT;
	char *fred = gdb_eval(&s->gdb, "&asm_fred_entrypoint_user", &fwhy);
	t->stack_top = t->thread_size - (fred ? 16 : 0);
	free(fred);
	strbuf_release(&fwhy);
	/* comm holds TASK_COMM_LEN - 1 = 15 characters of the name. */
	t->comm = xstrfmt("$_streq(%s->comm, \"%.15s\")", t->current, program);
	t->orig_ax = xstrfmt("*(unsigned long *)((unsigned long)%s->stack + %llu)", t->current,
			     (unsigned long long)(t->stack_top - PTREGS_SIZE + 8 * PTREGS_ORIG_AX));
	return 0;
}

/* The current task's user registers as entry saved them. */
static int read_ptregs(struct session *s, const struct session_task *t, uint64_t regs[PTREGS_NFIELDS])
{
	unsigned char buf[PTREGS_SIZE];
	uint64_t stack;
	char *expr = xstrfmt("%s->stack", t->current);
	int r = gdb_eval_u64(&s->gdb, expr, &stack);
	free(expr);
	if (r < 0 || gdb_read_memory(&s->gdb, stack + t->stack_top - PTREGS_SIZE, PTREGS_SIZE, buf) < 0)
		return -1;
	for (size_t i = 0; i < PTREGS_NFIELDS; i++)
		memcpy(&regs[i], buf + 8 * i, 8); /* x86-64 is little-endian, like us */
	return 0;
}

static int ptregs_index(const char *name)
{
	for (size_t i = 0; i < PTREGS_NFIELDS; i++)
		if (!strcmp(ptregs_fields[i], name))
			return (int)i;
	return -1;
}

/* Parse a frame list (-stack-list-frames) into obs frames, cut after the entry code. */
static void take_frames(const struct mi_record *r, struct obs_frame **out, size_t *n)
{
	const struct mi_value *stack = mi_record_find_path(r, "stack");
	size_t nr = stack ? stack->nr : 0;
	*out = xcalloc(nr ? nr : 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < nr; i++) {
		const struct mi_value *f = &stack->items[i];
		const char *func = mi_value_find_str(f, "func");
		const char *file = mi_value_find_str(f, "fullname");
		const char *line = mi_value_find_str(f, "line");
		const char *addr = mi_value_find_str(f, "addr");
		struct obs_frame *o = &(*out)[(*n)++];
		o->func = xstrdup(func ? func : "??");
		if (!file)
			file = mi_value_find_str(f, "file");
		o->file = file ? xstrdup(file) : NULL;
		o->line = line ? atoi(line) : 0;
		o->addr = addr ? strtoull(addr, NULL, 0) : 0;
		/* entry_64.S has no CFI: what gdb unwinds past the entry code is garbage. */
		if (func && (!strncmp(func, "entry_SYSCALL_64", 16) || !strcmp(func, "ret_from_fork") ||
			     !strncmp(func, "asm_", 4)))
			break;
	}
	/* An inlined frame shares its pc with its caller: a real call's caller is at a
	 * return address, never at the callee's pc. */
	for (size_t i = 0; i + 1 < *n; i++)
		(*out)[i].inlined = (*out)[i].addr == (*out)[i + 1].addr;
}

static int list_frames(struct session *s, struct obs_frame **out, size_t *n)
{
	struct mi_record *r = NULL;
	if (gdb_run(&s->gdb, &r, "-stack-list-frames 0 63") < 0)
		return -1;
	take_frames(r, out, n);
	mi_record_free(r);
	return 0;
}

/* The registers a user-space unwind needs, and their pt_regs fields. */
static const char *const unwind_regs[] = { "rip", "rsp", "rbp", "rbx", "r12", "r13", "r14", "r15" };
static const char *const unwind_fields[] = { "ip", "sp", "bp", "bx", "r12", "r13", "r14", "r15" };
#define NUNWIND ARRAY_SIZE(unwind_regs)

/*
 * The user-space stack of the current syscall: load the user registers that entry
 * saved in pt_regs into the CPU's, let gdb unwind with the program's symbols, put
 * every register back and check it. (gdb refuses to unwind from a kernel sp to a
 * lower user sp, so a frame unwinder cannot do this.)
 */
/* Set every unwind register at once: "$rip = 0x…, $rsp = 0x…, …" (C's comma operator). */
static int assign_unwind_regs(struct session *s, const uint64_t *values)
{
	struct strbuf expr = STRBUF_INIT, why = STRBUF_INIT;
	for (size_t i = 0; i < NUNWIND; i++)
		strbuf_addf(&expr, "%s$%s = 0x%llx", i ? ", " : "", unwind_regs[i],
			    (unsigned long long)values[i]);
	char *v = gdb_eval(&s->gdb, expr.buf, &why);
	int r = v ? 0 : error("gdb cannot set the registers (%s): %s", expr.buf, why.buf);
	free(v);
	strbuf_release(&expr);
	strbuf_release(&why);
	return r;
}

static int user_frames(struct session *s, const uint64_t regs[PTREGS_NFIELDS],
		       struct obs_frame **out, size_t *n)
{
	uint64_t saved[NUNWIND], user[NUNWIND], check[NUNWIND];
	if (gdb_registers_u64(&s->gdb, unwind_regs, NUNWIND, saved) < 0)
		return -1;
	for (size_t i = 0; i < NUNWIND; i++)
		user[i] = regs[ptregs_index(unwind_fields[i])];
	int r = assign_unwind_regs(s, user);
	if (!r)
		r = list_frames(s, out, n);
	/* Put everything back whatever happened, and check it. */
	if (assign_unwind_regs(s, saved) < 0 ||
	    gdb_registers_u64(&s->gdb, unwind_regs, NUNWIND, check) < 0)
		return -1;
	for (size_t i = 0; i < NUNWIND; i++)
		if (check[i] != saved[i])
			r = error("register %s was not restored after the user-space unwind "
				  "(0x%llx, saved 0x%llx)", unwind_regs[i], (unsigned long long)check[i],
				  (unsigned long long)saved[i]);
	return r;
}

/* A gdb value as a number: decimal, hex, negative, true/false, or "0x… <sym>". */
static int parse_value(const char *v, int64_t *out)
{
	char *end;
	if (!strcmp(v, "true") || !strcmp(v, "false")) {
		*out = !strcmp(v, "true");
		return 0;
	}
	errno = 0;
	if (v[0] == '-')
		*out = strtoll(v, &end, 0);
	else
		*out = (int64_t)strtoull(v, &end, 0);
	if (end == v || errno)
		return -1;
	return *end == '\0' || *end == ' ' ? 0 : -1;
}

static void add_value(struct obs_stop *o, const char *name, int64_t v, const char *err)
{
	for (size_t i = 0; i < o->nvalues; i++)
		if (!strcmp(o->values[i].name, name))
			return;
	o->values = xrealloc(o->values, (o->nvalues + 1) * sizeof(*o->values));
	struct obs_value *ov = &o->values[o->nvalues++];
	memset(ov, 0, sizeof(*ov));
	ov->name = xstrdup(name);
	ov->value = v;
	ov->ok = !err;
	ov->error = err ? xstrdup(err) : NULL;
}

/* Read the value a check names: $REG, a pt_regs field (from regs), or (later) ret. */
static void read_check_value(struct session *s, const uint64_t *regs, const char *name,
			     struct obs_stop *o)
{
	struct strbuf why = STRBUF_INIT;
	int field = name[0] == '$' ? -1 : ptregs_index(name);
	if (field >= 0 && regs) {
		add_value(o, name, (int64_t)regs[field], NULL);
		return;
	}
	if (field < 0 && name[0] != '$') {
		add_value(o, name, 0, "no such struct pt_regs field");
		return;
	}
	if (!regs && field >= 0) {
		add_value(o, name, 0, "pt_regs could not be read");
		return;
	}
	char *expr = xstrfmt("(long long)%s", name);
	char *v = gdb_eval(&s->gdb, expr, &why);
	int64_t num;
	if (!v)
		add_value(o, name, 0, why.buf);
	else if (parse_value(v, &num) < 0)
		add_value(o, name, 0, "not a number");
	else
		add_value(o, name, num, NULL);
	free(v);
	free(expr);
	strbuf_release(&why);
}

/* Everything observed at stop i. -1 only on infrastructure failure. */
static int capture_stop(struct session *s, const struct scenario_stop *st, const struct session_task *t,
			struct obs_stop *o)
{
	uint64_t regs[PTREGS_NFIELDS];
	int have_regs;
	o->hit = 1;
	o->ms = now_ms() - s->t0;
	if (list_frames(s, &o->frames, &o->nframes) < 0)
		return -1;
	/* pt_regs are the syscall's; at a user stop they are the last syscall's. */
	have_regs = st->space == SCENARIO_KERNEL && read_ptregs(s, t, regs) == 0;
	for (size_t k = 0; k < st->nchecks; k++)
		if (strcmp(st->checks[k].name, "ret"))
			read_check_value(s, have_regs ? regs : NULL, st->checks[k].name, o);
	if (have_regs && user_frames(s, regs, &o->user, &o->nuser) < 0)
		return -1;
	if (!st->finish)
		return 0;
	/* Let the function return; gdb reports its value. */
	if (gdb_run(&s->gdb, NULL, "-exec-finish") < 0)
		return -1;
	struct mi_record *r = gdb_wait_async(&s->gdb, "stopped", s->deadline);
	if (!r)
		return -1;
	const char *rv = mi_record_find_str(r, "return-value");
	int64_t num;
	if (!rv)
		add_value(o, "ret", 0, "gdb reported no return value");
	else if (parse_value(rv, &num) < 0)
		add_value(o, "ret", 0, "the return value is not a number");
	else
		add_value(o, "ret", num, NULL);
	mi_record_free(r);
	return 0;
}


int session_lstar(struct session *s, uint64_t *value, char **symbol)
{
	struct elf e;
	const char *sym;
	uint64_t off;
	if (session_read_msr(s, MSR_LSTAR, value) < 0 || elf_open(&e, s->vmlinux) < 0)
		return -1;
	if (elf_symbol_at(&e, *value - s->slide, &sym, &off))
		*symbol = off ? xstrfmt("%s+0x%llx", sym, (unsigned long long)off) : xstrdup(sym);
	else
		*symbol = xstrfmt("0x%llx", (unsigned long long)*value);
	elf_close(&e);
	return 0;
}

/* Read MSR_LSTAR at this kernel-mode stop into the observations. */
static int read_lstar(struct session *s, struct obs_run *obs, struct strbuf *why)
{
	if (session_lstar(s, &obs->lstar_value, &obs->lstar_symbol) < 0) {
		strbuf_addstr(why, "cannot read MSR_LSTAR");
		return -1;
	}
	return 0;
}

int session_frames(struct session *s, struct obs_frame **out, size_t *n)
{
	return list_frames(s, out, n);
}

int session_ptregs(struct session *s, uint64_t regs[SESSION_PTREGS_NFIELDS])
{
	return read_ptregs(s, &s->task, regs);
}

const char *session_ptregs_name(size_t i)
{
	return i < PTREGS_NFIELDS ? ptregs_fields[i] : NULL;
}

int session_user_frames(struct session *s, const uint64_t regs[SESSION_PTREGS_NFIELDS],
			struct obs_frame **out, size_t *n)
{
	return user_frames(s, regs, out, n);
}

static void set_obs_error(struct session *s, struct obs_run *obs, const char *what)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s\n", what);
	session_console_tail(s, &sb);
	free(obs->error);
	obs->error = strbuf_detach(&sb, NULL);
}

/* Insert a breakpoint; its number, or -1 (with gdb's reason in why). */
static int insert_break(struct session *s, int hardware, const char *cond, const char *location,
			struct strbuf *why)
{
	struct strbuf q = STRBUF_INIT;
	struct mi_record *r;
	int num = -1;
	gdb_quote(&q, cond);
	r = gdb_command(&s->gdb, 0, "-break-insert %s-c %s %s", hardware ? "-h " : "", q.buf,
			location);
	strbuf_release(&q);
	if (!r) {
		strbuf_addstr(why, "gdb did not answer");
		return -1;
	}
	const char *n = mi_record_find_str(r, "bkpt.number");
	if (r->result == MI_RESULT_DONE && n)
		num = atoi(n);
	else
		strbuf_addstr(why, mi_record_find_str(r, "msg") ? mi_record_find_str(r, "msg")
								 : "no breakpoint number");
	mi_record_free(r);
	return num;
}

int session_enter_program(struct session *s, const char *progs_dir, const char *program,
			  struct strbuf *why)
{
	struct strbuf q = STRBUF_INIT;
	char *prog = xstrfmt("%s/%s", progs_dir, program);
	int r = -1;
	if (access(prog, R_OK) < 0) {
		strbuf_addf(why, "guest program '%s' does not exist (initramfs/progs/%s.c?)", prog,
			    program);
		goto out;
	}
	/* The program is static and not relocated: its own addresses hold in the guest. */
	char *add = xstrfmt("add-symbol-file %s", prog);
	gdb_quote(&q, add);
	free(add);
	if (gdb_run(&s->gdb, NULL, "-interpreter-exec console %s", q.buf) < 0 ||
	    task_init(s, program, &s->task) < 0) {
		strbuf_addstr(why, "gdb could not load the guest program's symbols");
		goto out;
	}
	if (s->qemu.go_fd >= 0) {
		/* The boot ran untouched; attach now that init waits for go. */
		if (qemu_wait_ready(&s->qemu, s->deadline) < 0 || session_attach(s) < 0)
			goto out;
		gdb_note(&s->gdb, "init is ready; attached");
	}
	/* Arm late: one cheap user-space breakpoint at the program's main; the caller's
	 * come after it, so no condition is evaluated during the boot. */
	int mainbp = insert_break(s, 1, s->task.comm, "main", why);
	if (mainbp < 0)
		goto out;
	int cont = gdb_run(&s->gdb, NULL, "-exec-continue");
	if (!cont && s->qemu.go_fd >= 0 && qemu_go(&s->qemu) < 0)
		cont = -1;
	struct mi_record *st = cont < 0 ? NULL : gdb_wait_async(&s->gdb, "stopped", s->deadline);
	if (!st) {
		strbuf_addf(why, "the guest program '%s' never reached main", program);
		goto out;
	}
	mi_record_free(st);
	r = gdb_run(&s->gdb, NULL, "-break-delete %d", mainbp);
out:
	strbuf_release(&q);
	free(prog);
	return r;
}

int session_break(struct session *s, int hardware, const char *location, int syscall_nr,
		  const char *cond, struct strbuf *why)
{
	struct strbuf full = STRBUF_INIT;
	strbuf_addstr(&full, s->task.comm);
	if (syscall_nr >= 0)
		strbuf_addf(&full, " && %s == %d", s->task.orig_ax, syscall_nr);
	if (cond)
		strbuf_addf(&full, " && (%s)", cond);
	int n = insert_break(s, hardware, full.buf, location, why);
	strbuf_release(&full);
	return n;
}

int session_run_scenario(struct session *s, const struct scenario *sc,
			 const struct syscalls *table, const char *progs_dir, struct obs_run *obs)
{
	struct strbuf why = STRBUF_INIT;
	int *bkpt = xcalloc(sc->nstops ? sc->nstops : 1, sizeof(*bkpt));
	size_t left = sc->nstops;
	/* LSTAR is read at the first kernel stop; a scenario without one gets a hidden
	 * stop at do_syscall_64 for it. */
	int want_lstar = sc->lstar && scenario_guard_holds(&sc->lstar_guard, obs->kernel_version);
	int lstar_bp = -1, kernel_stops = 0;
	for (size_t i = 0; i < sc->nstops; i++)
		kernel_stops += sc->stops[i].space == SCENARIO_KERNEL &&
				scenario_guard_holds(&sc->stops[i].guard, obs->kernel_version);
	int rc = -1;

	obs->nstops = sc->nstops;
	obs->stops = xcalloc(sc->nstops ? sc->nstops : 1, sizeof(*obs->stops));
	if (session_enter_program(s, progs_dir, sc->program, &why) < 0)
		goto fail_gdb;
	struct mi_record *st;
	for (size_t i = 0; i < sc->nstops; i++) {
		const struct scenario_stop *sp = &sc->stops[i];
		/* A stop guarded for other kernels is not armed (the matcher skips it). */
		if (!scenario_guard_holds(&sp->guard, obs->kernel_version)) {
			bkpt[i] = -1;
			left--;
			continue;
		}
		int nr = -1;
		if (sp->syscall) {
			/* A number names a syscall directly (holes in the table included). */
			char *end;
			long num = strtol(sp->syscall, &end, 10);
			nr = *end || end == sp->syscall ? syscalls_find(table, sp->syscall) : (int)num;
			if (nr < 0) {
				strbuf_addf(&why, "%s:%d: this kernel has no syscall '%s'", sc->file,
					    sp->line, sp->syscall);
				goto fail;
			}
		}
		struct strbuf bwhy = STRBUF_INIT;
		bkpt[i] = session_break(s, sp->space == SCENARIO_USER, sp->location, nr, sp->cond, &bwhy);
		if (bkpt[i] < 0) {
			strbuf_addf(&why, "%s:%d: cannot stop at '%s': %s", sc->file, sp->line,
				    sp->location, bwhy.buf);
			strbuf_release(&bwhy);
			goto fail;
		}
		strbuf_release(&bwhy);
	}
	if (want_lstar && !kernel_stops) {
		lstar_bp = session_break(s, 0, "do_syscall_64", -1, NULL, &why);
		if (lstar_bp < 0)
			goto fail;
		left++;
	}
	while (left) {
		if (gdb_run(&s->gdb, NULL, "-exec-continue") < 0)
			goto fail_gdb;
		/* Each stop gets its own limit within the scenario's. */
		int64_t limit = now_ms() + STOP_TIMEOUT_MS;
		st = gdb_wait_async(&s->gdb, "stopped", limit < s->deadline ? limit : s->deadline);
		if (!st) {
			/* The guest ended without reaching the remaining stops: they are
			 * "never reached", not an infrastructure failure. */
			if (s->qemu.proc.reaped && proc_succeeded(&s->qemu.proc))
				break;
			if (!s->gdb.dead && qemu_alive(&s->qemu)) {
				strbuf_addstr(&why, "no stop reached in time; still waiting for:");
				for (size_t k = 0; k < sc->nstops; k++)
					if (bkpt[k] >= 0)
						strbuf_addf(&why, " %s:%d (%s)", sc->file, sc->stops[k].line,
							    sc->stops[k].location);
			}
			goto fail_gdb;
		}
		const char *reason = mi_record_find_str(st, "reason");
		const char *no = mi_record_find_str(st, "bkptno");
		size_t i = sc->nstops;
		for (size_t k = 0; no && k < sc->nstops; k++)
			if (bkpt[k] == atoi(no))
				i = k;
		if (reason && !strcmp(reason, "breakpoint-hit") && no && atoi(no) == lstar_bp) {
			mi_record_free(st);
			if (read_lstar(s, obs, &why) < 0 ||
			    gdb_run(&s->gdb, NULL, "-break-delete %d", lstar_bp) < 0)
				goto fail;
			want_lstar = 0;
			left--;
			continue;
		}
		if (!reason || strcmp(reason, "breakpoint-hit") || i == sc->nstops) {
			strbuf_addf(&why, "unexpected stop: %s", reason ? reason : "no reason given");
			mi_record_free(st);
			goto fail;
		}
		mi_record_free(st);
		if (want_lstar && sc->stops[i].space == SCENARIO_KERNEL) {
			if (read_lstar(s, obs, &why) < 0)
				goto fail;
			want_lstar = 0;
		}
		/* A finish stop runs its function to the end: other stops inside it are not
		 * taken (a breakpoint hit would end the finish early). */
		struct strbuf others = STRBUF_INIT;
		for (size_t k = 0; sc->stops[i].finish && k < sc->nstops; k++)
			if (k != i && bkpt[k] >= 0)
				strbuf_addf(&others, " %d", bkpt[k]);
		if (others.len && gdb_run(&s->gdb, NULL, "-break-disable%s", others.buf) < 0) {
			strbuf_release(&others);
			goto fail_gdb;
		}
		int cr = capture_stop(s, &sc->stops[i], &s->task, &obs->stops[i]);
		if (!cr && others.len && gdb_run(&s->gdb, NULL, "-break-enable%s", others.buf) < 0)
			cr = -1;
		strbuf_release(&others);
		if (cr < 0)
			goto fail_gdb;
		if (gdb_run(&s->gdb, NULL, "-break-delete %d", bkpt[i]) < 0)
			goto fail_gdb;
		bkpt[i] = -1;
		left--;
	}
	if (!s->qemu.proc.reaped && session_run_to_exit(s) < 0)
		goto fail_gdb;
	obs->boot_ms = now_ms() - s->t0;
	rc = 0;
	goto out;
fail_gdb:
	if (!why.len)
		strbuf_addstr(&why, "gdb or QEMU failed (see above)");
fail:
	set_obs_error(s, obs, why.buf);
out:
	strbuf_release(&why);
	free(bkpt);
	return rc;
}
