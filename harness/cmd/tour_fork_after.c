/*
 * kdive tour fork, after kernel_clone: steps 8 to 10 in the order the guest takes them
 * (which task runs first after fork is the scheduler's choice): the parent back in
 * entry_SYSCALL_64 (SYSRET or IRET), the child's first run from ret_from_fork, the
 * child back in user space where fork() returns 0. Command layer.
 */
#define _GNU_SOURCE
#include "tour.h"

#include <stdlib.h>
#include <string.h>

/* The running task's gdb expression (struct task_struct *). */
static const char *current_task(struct session *s)
{
	struct session_info info;
	session_describe(s, &info);
	return info.current;
}

/* A field of the running task (pid, tgid, ...), or -1. */
long long tour_task_field(struct tour *t, const char *field)
{
	struct strbuf why = STRBUF_INIT;
	char *expr = xstrfmt("(long long)%s->%s", current_task(&t->s), field);
	char *v = session_eval(&t->s, expr, &why);
	long long r = v ? strtoll(v, NULL, 0) : -1;
	free(v);
	free(expr);
	strbuf_release(&why);
	return r;
}

/* rax and the frames (relative) at this stop; 0 or -1 reported. */
static int rax_and_frames(struct tour *t, uint64_t *rax, struct obs_frame **f, size_t *n)
{
	if (session_registers(&t->s, (const char *const[]){ "rax" }, 1, rax) < 0 ||
	    session_frames(&t->s, f, n) < 0)
		return -1;
	tour_relative(t, *f, *n);
	return 0;
}

/* The parent back in entry_SYSCALL_64, where do_syscall_64's bool chooses SYSRET or IRET. */
static int step_parent_return(struct tour *t)
{
	struct tour_step st;
	struct obs_frame *f = NULL;
	size_t n = 0;
	uint64_t rax;
	if (rax_and_frames(t, &rax, &f, &n) < 0)
		return -1;
	int sysret = (rax & 0xff) != 0;
	tour_fork_step(t, &st, TOUR_FORK_BACK, now_ms() - t->t0);
	tour_add_value(&st, "do_syscall_64", (uint64_t)sysret,
		       sysret ? "returned true (al): the fast SYSRET path"
			      : "returned false (al): the general IRET path");
	tour_add_value(&st, "pid", (uint64_t)tour_task_field(t, "pid"), "the parent");
	tour_show_source(t, &st, "arch/x86/entry/entry_64.S",
			 tour_find_line(t, "arch/x86/entry/entry_64.S", "call\tdo_syscall_64"));
	tour_add_frames(&st, f, n);
	obs_frames_free(f, n);
	tour_emit(t, &st);
	tour_step_release(&st);
	return 0;
}

/*
 * The child's first run. copy_thread gave the new task a copy of the parent's struct
 * pt_regs with ax = 0, and a kernel stack whose saved return address is
 * ret_from_fork: when the scheduler first picks it, it starts there (schedule_tail
 * first). Returns its pid, or -1.
 */
static long long step_child_first_run(struct tour *t)
{
	struct tour_step st;
	struct obs_frame *f = NULL;
	size_t n = 0;
	uint64_t regs[SESSION_PT_NSLOTS];
	long long pid = tour_task_field(t, "pid");
	if (pid < 0 || session_frames(&t->s, &f, &n) < 0 || session_ptregs(&t->s, regs) < 0) {
		obs_frames_free(f, n);
		return -1;
	}
	tour_relative(t, f, n);
	tour_fork_step(t, &st, TOUR_FORK_CHILD, now_ms() - t->t0);
	int l = tour_find_line(t, "arch/x86/kernel/process.c", "childregs->ax = 0;");
	tour_extra_source(t, &st, "arch/x86/kernel/process.c", l, "copy_thread");
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].func, "ret_from_fork") && f[i].file && !st.src_file)
			tour_show_source(t, &st, f[i].file, f[i].line);
	tour_add_value(&st, "pid", (uint64_t)pid, "the child's pid (current->pid)");
	tour_add_value(&st, "parent pid", (uint64_t)t->parent_pid, "the parent's, for comparison");
	tour_add_value(&st, "pt_regs->ax", regs[SESSION_PT_AX], "0: what fork() returns in the child");
	tour_add_value(&st, "pt_regs->ip", regs[SESSION_PT_IP],
		       regs[SESSION_PT_IP] == t->parent_ip
			       ? "the parent's user ip: after _Fork's syscall"
			       : "(not the parent's user ip)");
	tour_add_frames(&st, f, n);
	tour_take_stack(&t->s, &st, f, n);
	obs_frames_free(f, n);
	tour_emit(t, &st);
	tour_step_release(&st);
	return pid;
}

/* The child back in user space, right after _Fork's syscall instruction. */
static int step_child_user(struct tour *t)
{
	struct tour_step st;
	struct obs_frame *f = NULL;
	size_t n = 0;
	uint64_t rax;
	if (rax_and_frames(t, &rax, &f, &n) < 0)
		return -1;
	tour_fork_step(t, &st, TOUR_FORK_CHILD_USER, now_ms() - t->t0);
	tour_add_value(&st, "rax", rax, "fork()'s return value in the child");
	tour_add_value(&st, "pid", (uint64_t)tour_task_field(t, "pid"), "the child");
	tour_add_value(&st, "rip", t->parent_ip, "the same user ip as the parent's");
	tour_add_frames(&st, f, n);
	obs_frames_free(f, n);
	tour_emit(t, &st);
	tour_step_release(&st);
	return 0;
}

/*
 * Steps 8 to 10, numbered in the order the guest takes them: the parent back in
 * entry_SYSCALL_64 (SYSRET or IRET), the child's first run, the child back in user
 * space. Which task runs first after fork is the scheduler's choice.
 */
int tour_fork_after_clone(struct tour *t)
{
	struct strbuf why = STRBUF_INIT;
	struct session_stop st = { .bkpt = -1 };
	int rc = -1;
	char *ret = xstrfmt("*0x%llx", (unsigned long long)t->entry_ret);
	char *parent = xstrfmt("%s->pid == %lld", current_task(&t->s), t->parent_pid);
	int bret = t->entry_ret ? session_break(&t->s, 0, ret, -1, parent, &why) : -1;
	int bchild = session_break(&t->s, 0, "schedule_tail", -1, NULL, &why), buser = -1;
	free(ret);
	free(parent);
	if (bret < 0 || bchild < 0)
		goto out;
	while (!t->quit && (bret >= 0 || bchild >= 0 || buser >= 0)) {
		int r = session_continue(&t->s, 0, &st);
		if (r != 0) {
			strbuf_addstr(&why, r == 1 ? "the guest powered off before the child ran"
						  : "the guest did not get there in time");
			goto out;
		}
		if (st.bkpt == bret && bret >= 0) {
			if (session_delete(&t->s, bret) < 0 || step_parent_return(t) < 0)
				goto out;
			bret = -1;
		} else if (st.bkpt == bchild && bchild >= 0) {
			long long pid;
			if (session_delete(&t->s, bchild) < 0 ||
			    (pid = step_child_first_run(t)) < 0)
				goto out;
			bchild = -1;
			char *at = xstrfmt("*0x%llx", (unsigned long long)t->parent_ip);
			char *cond = xstrfmt("%s->pid == %lld", current_task(&t->s), pid);
			buser = session_break(&t->s, 1, at, -1, cond, &why);
			free(at);
			free(cond);
			if (buser < 0)
				goto out;
		} else if (st.bkpt == buser && buser >= 0) {
			if (session_delete(&t->s, buser) < 0 || step_child_user(t) < 0)
				goto out;
			buser = -1;
		} else {
			strbuf_addf(&why, "an unexpected stop (%s)", st.reason ? st.reason : "?");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0 && why.len)
		error("after kernel_clone: %s", why.buf);
	session_stop_release(&st);
	strbuf_release(&why);
	return rc;
}
