/* Unit tests for the gdb module against tests/tools/fake-gdb: tokens, async queue,
 * ^error, time-outs, garbage, and gdb dying with a status or a signal. */
#include "test.h"
#include "gdb.h"
#include "strbuf.h"
#include "strvec.h"
#include "timeutil.h"
#include "wrapper.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

static void start_fake(struct gdb *g, const char *mode)
{
	char *fake = xstrfmt("%s/tests/tools/fake-gdb", test_srcdir());
	setenv("KDIVE_GDB", fake, 1);
	setenv("FAKE_GDB_MODE", mode, 1);
	free(fake);
	ASSERT_EQ(gdb_start(g, NULL, NULL, NULL), 0);
}

TEST(gdb_commands_match_tokens_and_queue_async)
{
	struct gdb g;
	struct mi_record *r = NULL;
	uint64_t v;
	start_fake(&g, "normal");
	ASSERT_EQ(gdb_eval_u64(&g, "$cs", &v), 0);
	EXPECT_EQ(v, 4096);
	ASSERT_EQ(gdb_run(&g, NULL, "-exec-continue"), 0);
	r = gdb_wait_async(&g, "stopped", now_ms() + 5000);
	ASSERT_TRUE(r != NULL);
	EXPECT_STREQ(mi_record_find_str(r, "frame.func"), "kernel_clone");
	EXPECT_CONTAINS(g.stream.buf, "Breakpoint 1, kernel_clone");
	mi_record_free(r);
	ASSERT_EQ(gdb_register_u64(&g, "eflags", &v), 0);
	EXPECT_EQ(v, 0x246);
	EXPECT_EQ(gdb_register_u64(&g, "xmm99", &v), -1);
	ASSERT_EQ(gdb_run(&g, NULL, "-interpreter-exec console \"info registers\""), 0);
	EXPECT_STREQ(g.stream.buf, "hello from the console\n");
	gdb_release(&g);
	EXPECT_EQ(proc_live_count(), 0);
}

TEST(gdb_hit_counts_come_from_the_breakpoint_table)
{
	struct gdb g;
	int bkpts[] = { 3, -1, 2 }, times[3] = { 7, 7, 7 }, unknown[] = { 2, 9 };
	start_fake(&g, "normal");
	ASSERT_EQ(gdb_hit_counts(&g, bkpts, 3, times), 0);
	EXPECT_EQ(times[0], 4);
	EXPECT_EQ(times[1], 0);
	EXPECT_EQ(times[2], 1);
	/* A breakpoint gdb does not list is an error, not a count of 0. */
	EXPECT_EQ(gdb_hit_counts(&g, unknown, 2, times), -1);
	gdb_release(&g);
}

TEST(gdb_error_results_carry_the_message)
{
	struct gdb g;
	struct strbuf why = STRBUF_INIT;
	start_fake(&g, "normal");
	char *v = gdb_eval(&g, "nosuch", &why);
	EXPECT_TRUE(v == NULL);
	EXPECT_STREQ(why.buf, "No symbol \"nosuch\" in current context.");
	EXPECT_EQ(gdb_run(&g, NULL, "-data-evaluate-expression nosuch"), -1);
	strbuf_release(&why);
	gdb_release(&g);
}

TEST(gdb_time_out_names_the_command)
{
	struct gdb g;
	start_fake(&g, "hang");
	int64_t t0 = now_ms();
	struct mi_record *r = gdb_command(&g, 300, "-exec-continue");
	EXPECT_TRUE(r == NULL);
	EXPECT_LT(now_ms() - t0, 3000);
	/* gdb still answers what comes next. */
	EXPECT_EQ(gdb_run(&g, NULL, "-gdb-set foo bar"), 0);
	gdb_release(&g);
	EXPECT_EQ(proc_live_count(), 0);
}

TEST(gdb_working_past_the_limit_is_waited_for)
{
	/* busy: 1.5 s of computing against a 400 ms limit; hang: an idle gdb is not. */
	struct gdb g;
	start_fake(&g, "busy");
	struct mi_record *r = gdb_command(&g, 400, "-data-evaluate-expression sizeof(struct pt_regs)");
	EXPECT_TRUE(r != NULL && r->result == MI_RESULT_DONE);
	mi_record_free(r);
	gdb_release(&g);
	EXPECT_EQ(proc_live_count(), 0);
}

TEST(proc_cpu_time_grows_while_the_child_computes)
{
	struct proc p = PROC_INIT;
	strvec_pushl(&p.args, "sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done", NULL);
	ASSERT_EQ(proc_start(&p), 0);
	int64_t first = proc_cpu_ms(&p);
	EXPECT_TRUE(first >= 0);
	proc_wait(&p, now_ms() + 20000);
	EXPECT_EQ(proc_cpu_ms(&p), -1); /* reaped: no longer there */
	proc_release(&p);
}

TEST(gdb_death_is_reported_with_status)
{
	struct gdb g;
	start_fake(&g, "die");
	EXPECT_TRUE(gdb_command(&g, 5000, "-exec-continue") == NULL);
	EXPECT_TRUE(g.dead);
	EXPECT_TRUE(g.proc.reaped && WIFEXITED(g.proc.status) && WEXITSTATUS(g.proc.status) == 7);
	/* Later commands fail at once. */
	EXPECT_EQ(gdb_run(&g, NULL, "-gdb-set x y"), -1);
	gdb_release(&g);
	EXPECT_EQ(proc_live_count(), 0);
}

TEST(gdb_killed_by_signal_is_reported)
{
	struct gdb g;
	start_fake(&g, "segv");
	EXPECT_TRUE(gdb_command(&g, 5000, "-exec-continue") == NULL);
	EXPECT_TRUE(g.proc.reaped && WIFSIGNALED(g.proc.status) && WTERMSIG(g.proc.status) == SIGSEGV);
	gdb_release(&g);
}

TEST(gdb_survives_garbage_lines)
{
	struct gdb g;
	uint64_t v;
	start_fake(&g, "garbage");
	EXPECT_EQ(gdb_eval_u64(&g, "1", &v), 0);
	EXPECT_EQ(v, 4096);
	gdb_release(&g);
}


TEST(gdb_return_type_reads_a_function_value)
{
	static const struct {
		const char *value, *type; /* type NULL: none */
	} cases[] = {
		{ "{pid_t (struct kernel_clone_args *)} 0xffffffff81074f60 <kernel_clone>", "pid_t" },
		{ "{struct task_struct *(u64, struct kernel_clone_args *)} 0x1 <f>",
		  "struct task_struct *" },
		{ "{long (int (*)(void *), void *)} 0x2 <g>", "long" },
		{ "{void (struct pt_regs *, int)} 0x3 <do_syscall_64>", NULL },
		{ "{long (*(int))(int)} 0x4 <h>", NULL }, /* returns a function pointer */
		{ "{(int)} 0x5 <i>", NULL },
		{ "42", NULL },
		{ "{int} 0x6 <var>", NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *t = gdb_return_type(cases[i].value);
		if (cases[i].type)
			EXPECT_STREQ(t, cases[i].type);
		else
			EXPECT_TRUE(t == NULL);
		free(t);
	}
}
