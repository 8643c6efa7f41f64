/*
 * Unit tests for session's layout rules (session_layout.c): pt_regs's slots, the
 * running task on UP and SMP kernels, and the breakpoint conditions that limit a stop
 * to the scenario's program and one system call — the text gdb evaluates at every
 * hit, so it is checked to the byte. The guest checks them too (tests/run).
 */
#include "session.h"
#include "test.h"
#include "strbuf.h"
#include "wrapper.h"

/* A 6.12-like layout: pcpu_hot, THREAD_SIZE 16 KiB, no FRED, UP unless smp. */
static void layout(struct session_layout *l, int smp, int fred)
{
	memset(l, 0, sizeof(*l));
	l->var = xstrdup("pcpu_hot.current_task");
	l->thread_size = 16384;
	l->fred = fred;
	l->stack_top = l->thread_size - (fred ? 16 : 0);
	l->smp = smp;
	session_layout_relocate(l, 0);
}

TEST(session_ptregs_slots_in_entry_order)
{
	/* PUSH_AND_CLEAR_REGS order, lowest address first. */
	static const char *const want[] = {
		"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax",
		"cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss",
	};
	ASSERT_EQ(ARRAY_SIZE(want), SESSION_PT_NSLOTS);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		EXPECT_STREQ(session_ptreg_name(i), want[i]);
		EXPECT_EQ(session_ptreg_find(want[i]), (int)i);
	}
	EXPECT_TRUE(session_ptreg_name(SESSION_PT_NSLOTS) == NULL);
	EXPECT_EQ(session_ptreg_find("rax"), -1);
	EXPECT_EQ(SESSION_PTREGS_SIZE, 168);
}

TEST(session_cond_limits_to_the_program_and_its_syscall)
{
	struct session_layout l;
	struct strbuf sb = STRBUF_INIT;
	layout(&l, 0, 0);
	EXPECT_EQ(session_layout_cond(&l, "fork", -1, NULL, &sb, NULL), 0);
	EXPECT_STREQ(sb.buf, "$_streq(pcpu_hot.current_task->comm, \"fork\")");
	/* orig_ax: slot 15 of the pt_regs that end 16384 bytes above the stack base:
	 * 16384 - 168 + 8 * 15 = 16336. */
	strbuf_reset(&sb);
	EXPECT_EQ(session_layout_cond(&l, "fork", 56, NULL, &sb, NULL), 0);
	EXPECT_STREQ(sb.buf, "$_streq(pcpu_hot.current_task->comm, \"fork\") && "
			     "*(unsigned long *)((unsigned long)pcpu_hot.current_task->stack + 16336) "
			     "== 56");
	/* The scenario's own condition is added, in parentheses; comm holds 15 bytes. */
	strbuf_reset(&sb);
	EXPECT_EQ(session_layout_cond(&l, "a_very_long_program_name", 0, "$rdi != 0 || 1", &sb, NULL), 0);
	EXPECT_STREQ(sb.buf, "$_streq(pcpu_hot.current_task->comm, \"a_very_long_pro\") && "
			     "*(unsigned long *)((unsigned long)pcpu_hot.current_task->stack + 16336) "
			     "== 0 && ($rdi != 0 || 1)");
	/* A condition that would close the parentheses around it is refused. */
	struct strbuf why = STRBUF_INIT;
	strbuf_reset(&sb);
	EXPECT_EQ(session_layout_cond(&l, "fork", -1, "0) || (1", &sb, &why), -1);
	EXPECT_CONTAINS(why.buf, "closes a parenthesis it did not open (column 2)");
	/* ... but a parenthesis in a string is no parenthesis. */
	strbuf_reset(&sb);
	EXPECT_EQ(session_layout_cond(&l, "fork", -1, "$_streq(\")\", \")\")", &sb, &why), 0);
	/* A program name is a C string in the condition, quoted as one. */
	strbuf_reset(&sb);
	EXPECT_EQ(session_layout_cond(&l, "a\"b", -1, NULL, &sb, NULL), 0);
	EXPECT_STREQ(sb.buf, "$_streq(pcpu_hot.current_task->comm, \"a\\\"b\")");
	strbuf_release(&why);
	session_layout_release(&l);
	/* FRED leaves 16 bytes above pt_regs. */
	layout(&l, 0, 1);
	strbuf_reset(&sb);
	EXPECT_EQ(session_layout_cond(&l, "getpid", 39, NULL, &sb, NULL), 0);
	EXPECT_CONTAINS(sb.buf, "->stack + 16320) == 39");
	session_layout_release(&l);
	strbuf_release(&sb);
}

TEST(session_current_task_per_cpu_on_smp)
{
	struct session_layout l;
	layout(&l, 0, 0);
	/* UP: the variable itself, KASLR or not. */
	EXPECT_STREQ(l.current, "pcpu_hot.current_task");
	session_layout_relocate(&l, 0x1e00000);
	EXPECT_STREQ(l.current, "pcpu_hot.current_task");
	session_layout_release(&l);
	/* SMP: this CPU's copy, at the per-CPU base: GS in the kernel, KERNEL_GS_BASE
	 * while the CPU runs user code; the slide comes off the relocated symbol. */
	layout(&l, 1, 0);
	EXPECT_STREQ(l.current, "(*(struct task_struct **)((unsigned long)&pcpu_hot.current_task - "
				"0x0 + (($cs & 3) ? $k_gs_base : $gs_base)))");
	session_layout_relocate(&l, 0x1e00000);
	EXPECT_STREQ(l.current, "(*(struct task_struct **)((unsigned long)&pcpu_hot.current_task - "
				"0x1e00000 + (($cs & 3) ? $k_gs_base : $gs_base)))");
	session_layout_release(&l);
}
