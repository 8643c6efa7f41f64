/*
 * session's knowledge of the kernel's layout, read from vmlinux's symbols: struct
 * pt_regs's slots, the running task (per CPU on SMP, unmoved by KASLR), THREAD_SIZE,
 * FRED's padding, and the one builder of "this program [and this syscall]" breakpoint
 * conditions (the debug script uses it too). Part of session (session.h); kdive.py
 * mirrors the same rules. Depends on elf.
 */
#define _GNU_SOURCE
#include "session.h"
#include "elf.h"
#include "strbuf.h"
#include "usage.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>

static const char *const ptreg_names[] = {
	"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax",
	"cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss",
};
_Static_assert(ARRAY_SIZE(ptreg_names) == SESSION_PT_NSLOTS, "pt_regs slots");

const char *session_ptreg_name(size_t i)
{
	return i < SESSION_PT_NSLOTS ? ptreg_names[i] : NULL;
}

int session_ptreg_find(const char *name)
{
	for (size_t i = 0; i < SESSION_PT_NSLOTS; i++)
		if (!strcmp(ptreg_names[i], name))
			return (int)i;
	return -1;
}

/* FRED (6.9+) leaves 16 bytes above pt_regs (TOP_OF_KERNEL_STACK_PADDING). */
#define FRED_PADDING 16

int session_layout_read(struct session_layout *l, const char *vmlinux)
{
	struct elf e;
	uint64_t start, end, addr;
	memset(l, 0, sizeof(*l));
	if (elf_open(&e, vmlinux) < 0)
		return -1;
	/* The linker script places THREAD_SIZE bytes of init stack between these
	 * (named __start_init_task/__end_init_task before 6.2). */
	if ((elf_symbol(&e, "__start_init_stack", &start) && elf_symbol(&e, "__end_init_stack", &end)) ||
	    (elf_symbol(&e, "__start_init_task", &start) && elf_symbol(&e, "__end_init_task", &end)))
		l->thread_size = end - start;
	l->fred = elf_symbol(&e, "asm_fred_entrypoint_user", &addr);
	l->smp = elf_symbol(&e, "__per_cpu_offset", &addr);
	/* The running task: pcpu_hot.current_task since 6.2, the per-CPU current_task
	 * before. On SMP each CPU has its copy at the variable's address plus the CPU's
	 * per-CPU offset (what lx_current adds from __per_cpu_offset[cpu]), which is the
	 * GS base in kernel mode and KERNEL_GS_BASE while the CPU runs user code: no
	 * mapping from gdb's thread numbers to CPUs needed. */
	const char *var = elf_symbol(&e, "pcpu_hot", &addr) ? "pcpu_hot.current_task"
		: elf_symbol(&e, "current_task", &addr) ? "current_task" : NULL;
	elf_close(&e);
	if (!var || l->thread_size == 0 || l->thread_size > (1u << 20))
		return error("'%s' has no %s: not an x86-64 vmlinux kdive knows", vmlinux,
			     var ? "init stack bounds (__start_init_stack)"
				 : "pcpu_hot or current_task");
	l->var = xstrdup(var);
	l->stack_top = l->thread_size - (l->fred ? FRED_PADDING : 0);
	session_layout_relocate(l, 0);
	return 0;
}

void session_layout_relocate(struct session_layout *l, uint64_t slide)
{
	free(l->current);
	if (l->smp)
		/* Per-CPU variables are offsets from the CPU's base, which KASLR does not
		 * move; gdb's relocated symbols moved them too, so the slide comes off. */
		l->current = xstrfmt("(*(struct task_struct **)((unsigned long)&%s - 0x%llx + "
				     "(($cs & 3) ? $k_gs_base : $gs_base)))", l->var,
				     (unsigned long long)slide);
	else
		l->current = xstrdup(l->var);
}

void session_layout_release(struct session_layout *l)
{
	free(l->var);
	free(l->current);
	memset(l, 0, sizeof(*l));
}

int session_layout_cond(const struct session_layout *l, const char *program, int syscall_nr,
			const char *cond, struct strbuf *out, struct strbuf *why)
{
	/* comm holds TASK_COMM_LEN - 1 = 15 characters of the name. */
	char *comm = xstrndup(program, strnlen(program, 15));
	strbuf_addf(out, "$_streq(%s->comm, ", l->current);
	quote_c(out, comm);
	strbuf_addch(out, ')');
	free(comm);
	if (syscall_nr >= 0)
		strbuf_addf(out, " && *(unsigned long *)((unsigned long)%s->stack + %llu) == %d",
			    l->current,
			    (unsigned long long)(l->stack_top - SESSION_PTREGS_SIZE +
						 8 * SESSION_PT_ORIG_AX),
			    syscall_nr);
	if (!cond)
		return 0;
	strbuf_addstr(out, " && ");
	return quote_c_operand(out, cond, why);
}
