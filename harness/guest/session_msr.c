/*
 * session_msr: session's rdmsr injection (MSR reads at a kernel stop), MSR_LSTAR with
 * its symbol, and KASLR: the slide found from where an injected syscall enters the
 * kernel, and gdb's symbols relocated by it. Part of session (session.h, the private
 * session_int.h); kdive.py mirrors the rdmsr rule for people's gdb. Depends on gdb,
 * qemu, elf.
 */
#define _GNU_SOURCE
#include "session.h"
#include "session_int.h"
#include "timeutil.h"
#include "usage.h"
#include "wrapper.h"
#include "elf.h"

#include <stdlib.h>
#include <string.h>

static int step_instruction(struct session *s, int64_t deadline)
{
	if (gdb_run(&s->gdb, NULL, "-exec-step-instruction") < 0)
		return -1;
	return session_wait_stop(s, deadline, NULL);
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
		if (step_instruction(s, now_ms() + 10000) < 0)
			goto out;
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
 * Stop at the program's main under KASLR, before any kernel symbol can be trusted: a
 * hardware breakpoint at main (user space is not moved), taken only when the code
 * there is the program's own (busybox, also static, runs at the same addresses).
 */
int session_kaslr_stop_at_main(struct session *s, const char *prog, struct strbuf *why)
{
	struct elf e;
	uint64_t main_addr, main_size;
	/* Static -O0 programs open main alike (push rbp; mov rsp,rbp; sub ...): compare the
	 * whole function (its calls' offsets differ), up to the size of want. */
	unsigned char want[256], got[sizeof(want)];
	if (elf_open_quiet(&e, prog, why) < 0)
		return -1;
	int found = elf_symbol_size(&e, "main", &main_addr, &main_size) && main_size;
	size_t len = found && main_size < sizeof(want) ? (size_t)main_size : sizeof(want);
	found = found && elf_read_vaddr(&e, main_addr, want, len) == 0;
	elf_close(&e);
	if (!found) {
		strbuf_addf(why, "'%s' has no main to stop at", prog);
		return -1;
	}
	main_addr += s->prog_base; /* a PIE's place in the guest */
	char *loc = xstrfmt("*0x%llx", (unsigned long long)main_addr);
	int bp = session_break_any(s, 1, loc);
	free(loc);
	if (bp < 0)
		return -1;
	for (int hits = 0; hits < 200; hits++) {
		int cont = gdb_run(&s->gdb, NULL, "-exec-continue");
		if (!cont && hits == 0 && qemu_cont(&s->qemu) < 0)
			cont = -1;
		if (cont < 0 || session_wait_stop(s, 0, NULL) < 0)
			break;
		if (gdb_read_memory(&s->gdb, main_addr, len, got) < 0)
			break;
		if (!memcmp(got, want, len) && session_cpl(s) == 3)
			return session_delete(s, bp);
		debug("stop at main's address 0x%llx is another program's code",
		      (unsigned long long)main_addr);
	}
	strbuf_addstr(why, "the guest program never reached main");
	return -1;
}

/* The user registers a syscall changes, and where the injection saves them. */
static const char *const syscall_regs[] = { "rip", "rax", "rcx", "r11", "eflags" };
#define NSYSCALL_REGS ARRAY_SIZE(syscall_regs)
#define SYS_GETPID 39 /* x86-64's number since 2.6: harmless, changes nothing */

/* entry_SYSCALL_64's address in vmlinux (unrelocated). 0, or -1 with why. */
static int syscall_entry(struct session *s, uint64_t *entry, struct strbuf *why)
{
	struct elf e;
	if (elf_open_quiet(&e, s->vmlinux, why) < 0)
		return -1;
	int found = elf_symbol(&e, "entry_SYSCALL_64", entry);
	elf_close(&e);
	if (!found) {
		strbuf_addf(why, "'%s' has no entry_SYSCALL_64: not an x86-64 vmlinux?",
			    s->vmlinux);
		return -1;
	}
	return 0;
}

/*
 * The slide, at a user-mode stop of the program: write a syscall instruction (0f 05)
 * at the pc with rax = getpid and single-step it. The CPU lands where MSR_LSTAR
 * points, in kernel mode and not halted, where rdmsr reads LSTAR itself; slide =
 * LSTAR - &entry_SYSCALL_64. The code is put back at once, the symbols relocated,
 * getpid runs to its end, and a breakpoint after the instruction (this task only,
 * now that the symbols are right) takes the program back, where every register is
 * restored and checked.
 */
int session_kaslr_find_slide(struct session *s, struct strbuf *why)
{
	uint64_t saved[NSYSCALL_REGS], check[NSYSCALL_REGS], pc, code, lstar, entry, cur;
	int r = -1, patched = 0;
	if (gdb_registers_u64(&s->gdb, syscall_regs, NSYSCALL_REGS, saved) < 0)
		return -1;
	pc = saved[0];
	char *at = xstrfmt("*(unsigned short *)0x%llx", (unsigned long long)pc);
	if (gdb_eval_u64(&s->gdb, at, &code) < 0 || assign(s, at, 0x050f) < 0)
		goto out;
	patched = 1;
	if (assign(s, "$rax", SYS_GETPID) < 0)
		goto out;
	/* QEMU now and then reports a step that executed nothing: step again then. */
	for (int tries = 0; tries < 5; tries++) {
		if (step_instruction(s, 0) < 0 || gdb_eval_u64(&s->gdb, "$pc", &cur) < 0)
			goto out;
		if (cur != pc)
			break;
		gdb_note(&s->gdb, "the step did not execute; stepping again");
	}
	if (assign(s, at, code) < 0)
		goto out;
	patched = 0;
	if (session_cpl(s) != 0) {
		strbuf_addf(why, "the injected syscall did not enter the kernel (pc 0x%llx)",
			    (unsigned long long)cur);
		goto out;
	}
	if (session_read_msr(s, SESSION_MSR_LSTAR, &lstar) < 0)
		goto out;
	if (cur != lstar) {
		strbuf_addf(why, "the syscall entered at 0x%llx, but MSR_LSTAR is 0x%llx",
			    (unsigned long long)cur, (unsigned long long)lstar);
		goto out;
	}
	if (syscall_entry(s, &entry, why) < 0)
		goto out;
	if ((lstar - entry) % KASLR_SLIDE_ALIGN) {
		strbuf_addf(why, "LSTAR 0x%llx - &entry_SYSCALL_64 0x%llx is not a 2 MiB slide",
			    (unsigned long long)lstar, (unsigned long long)entry);
		goto out;
	}
	s->lstar = lstar;
	/* Relocated (symbol-file -o drops the program's symbols: they are added again),
	 * unless gdb loaded them so (a snapshot's slide, found by an earlier run). */
	if (lstar - entry == s->slide)
		gdb_note(&s->gdb, "the symbols were loaded relocated by this slide");
	else if (session_relocate(s, lstar - entry) < 0 || session_prog_symbols(s) < 0)
		goto out;
	/* Back to user space, in this task. */
	char *ret = xstrfmt("*0x%llx", (unsigned long long)pc + 2);
	struct strbuf bwhy = STRBUF_INIT;
	int bp = session_break(s, 1, ret, -1, NULL, &bwhy);
	free(ret);
	if (bp < 0) {
		strbuf_addf(why, "cannot stop after the injected syscall: %s", bwhy.buf);
		strbuf_release(&bwhy);
		goto out;
	}
	strbuf_release(&bwhy);
	if (session_continue(s, 0, NULL) != 0 || session_delete(s, bp) < 0 ||
	    gdb_eval_u64(&s->gdb, "$pc", &cur) < 0 || cur != pc + 2) {
		strbuf_addstr(why, "the program did not come back from the injected syscall");
		goto out;
	}
	r = 0;
out:
	if (patched && assign(s, at, code) < 0)
		r = -1;
	free(at);
	if (r < 0)
		return -1;
	/* Every register as it was, checked. */
	for (size_t i = 0; i < NSYSCALL_REGS; i++) {
		char *reg = xstrfmt("$%s", syscall_regs[i]);
		if (assign(s, reg, saved[i]) < 0)
			r = -1;
		free(reg);
	}
	if (gdb_registers_u64(&s->gdb, syscall_regs, NSYSCALL_REGS, check) < 0)
		return -1;
	for (size_t i = 0; i < NSYSCALL_REGS; i++)
		if (check[i] != saved[i])
			r = error("%s was not restored after the KASLR probe (0x%llx, saved 0x%llx)",
				  syscall_regs[i], (unsigned long long)check[i],
				  (unsigned long long)saved[i]);
	return r;
}

int session_relocate(struct session *s, uint64_t slide)
{
	/* symbol-file -o replaces every symbol file; gdb keeps its breakpoints but they
	 * are re-resolved against the new addresses. */
	char *cmd = xstrfmt("symbol-file -o 0x%llx", (unsigned long long)slide);
	int r = session_console_file(s, cmd, s->vmlinux);
	free(cmd);
	if (!r) {
		s->slide = slide;
		session_layout_relocate(&s->layout, slide);
	}
	return r;
}


int session_lstar(struct session *s, uint64_t *value, char **symbol)
{
	struct elf e;
	const char *sym;
	uint64_t off;
	if (session_read_msr(s, SESSION_MSR_LSTAR, value) < 0 || elf_open(&e, s->vmlinux) < 0)
		return -1;
	if (elf_symbol_at(&e, *value - s->slide, &sym, &off))
		*symbol = off ? xstrfmt("%s+0x%llx", sym, (unsigned long long)off) : xstrdup(sym);
	else
		*symbol = xstrfmt("0x%llx", (unsigned long long)*value);
	elf_close(&e);
	return 0;
}
