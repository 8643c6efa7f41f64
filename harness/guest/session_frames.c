/*
 * session_frames: what session reads at a stop: struct pt_regs (checked against gdb's
 * view of the type once), the kernel frames cut after the entry code, and the user
 * frames of the syscall, unwound from pt_regs. Part of session (session.h, the
 * private session_int.h). Depends on gdb, obs.
 */
#define _GNU_SOURCE
#include "session.h"
#include "session_int.h"
#include "usage.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>

/* Check struct pt_regs against gdb's view of the type, once per session. */
int session_check_ptregs(struct session *s)
{
	uint64_t layout;
	if (s->layout_checked)
		return 0;
	if (gdb_eval_u64(&s->gdb, "sizeof(struct pt_regs) * 1000 + "
				  "(unsigned long)&((struct pt_regs *)0)->orig_ax", &layout) < 0)
		return -1;
	if (layout != SESSION_PTREGS_SIZE * 1000 + 8 * SESSION_PT_ORIG_AX)
		return error("this kernel's struct pt_regs is not x86-64's (size*1000+offsetof "
			     "orig_ax = %llu)", (unsigned long long)layout);
	s->layout_checked = 1;
	return 0;
}

/*
 * The running task's user registers as entry saved them, read as one block of memory:
 * a cast to struct pt_regs costs gdb ~13 ms per expression, a memory read well under one.
 */
int session_ptregs(struct session *s, uint64_t regs[SESSION_PT_NSLOTS])
{
	unsigned char buf[SESSION_PTREGS_SIZE];
	uint64_t stack;
	if (session_check_ptregs(s) < 0)
		return -1;
	char *expr = xstrfmt("%s->stack", s->layout.current);
	int r = gdb_eval_u64(&s->gdb, expr, &stack);
	free(expr);
	uint64_t at = stack + s->layout.stack_top - SESSION_PTREGS_SIZE;
	if (r < 0 || gdb_read_memory(&s->gdb, at, SESSION_PTREGS_SIZE, buf) < 0)
		return -1;
	for (size_t i = 0; i < SESSION_PT_NSLOTS; i++)
		memcpy(&regs[i], buf + 8 * i, 8); /* x86-64 is little-endian, like us */
	return 0;
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

int session_frames(struct session *s, struct obs_frame **out, size_t *n)
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
	/* In an outer frame, $rip is that frame's: its saved return address in memory.
	 * The CPU's registers are frame 0's. (Only then: a selected frame that gdb must
	 * find again after the registers change makes it unwind the whole stack, 0.3 s.) */
	if (s->frame && gdb_run(&s->gdb, NULL, "-stack-select-frame 0") < 0)
		return -1;
	s->frame = 0;
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

/* Load the user registers of regs (pt_regs) into the CPU's, the kernel's saved in
 * s->user_saved first: gdb then unwinds the user stack. 0 or -1 reported. */
static int user_view_enter(struct session *s, const uint64_t regs[SESSION_PT_NSLOTS])
{
	uint64_t user[NUNWIND];
	if (gdb_registers_u64(&s->gdb, unwind_regs, NUNWIND, s->user_saved) < 0)
		return -1;
	for (size_t i = 0; i < NUNWIND; i++)
		user[i] = regs[session_ptreg_find(unwind_fields[i])];
	s->user_view = 1;
	return assign_unwind_regs(s, user);
}

/* Put the kernel's registers back, whatever happened, and check them. 0 or -1. */
int session_user_view_leave(struct session *s)
{
	uint64_t check[NUNWIND];
	int r = 0;
	if (!s->user_view)
		return 0;
	s->user_view = 0;
	if (assign_unwind_regs(s, s->user_saved) < 0 ||
	    gdb_registers_u64(&s->gdb, unwind_regs, NUNWIND, check) < 0)
		return -1;
	for (size_t i = 0; i < NUNWIND; i++)
		if (check[i] != s->user_saved[i])
			r = error("register %s was not restored after the user-space unwind "
				  "(0x%llx, saved 0x%llx)", unwind_regs[i], (unsigned long long)check[i],
				  (unsigned long long)s->user_saved[i]);
	return r;
}

int session_user_frames(struct session *s, const uint64_t regs[SESSION_PT_NSLOTS],
			struct obs_frame **out, size_t *n)
{
	if (session_user_view_leave(s) < 0)
		return -1;
	int r = user_view_enter(s, regs);
	if (!r)
		r = session_frames(s, out, n);
	if (session_user_view_leave(s) < 0)
		return -1;
	return r;
}

int session_select_frame(struct session *s, size_t frame, const uint64_t *user_regs)
{
	if (session_user_view_leave(s) < 0 || (user_regs && user_view_enter(s, user_regs) < 0))
		return -1;
	if (gdb_run(&s->gdb, NULL, "-stack-select-frame %zu", frame) < 0)
		return -1;
	s->frame = frame;
	return 0;
}
