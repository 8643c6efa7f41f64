/*
 * Unit tests of the scenario parser: every directive, every error with its exact
 * FILE:LINE:COL, guards, errno values, comments, indentation, and hostile input.
 */
#include "obs.h"
#include "scenario.h"
#include "errnos.h"
#include "test.h"
#include "strbuf.h"
#include "wrapper.h"

#include <stdint.h>

/* Parse text as "t.scn"; the test fails (with the messages) unless it parses. */
static void parse_ok(struct scenario *sc, const char *text)
{
	struct strbuf err = STRBUF_INIT;
	int r = scenario_parse(sc, "t.scn", text, &err);
	CHECK_(r == 0 && !err.len, 1, "parse failed:\n%s", err.buf);
	strbuf_release(&err);
}

/* Parse text that must fail; returns the messages (caller frees). */
static char *parse_err(const char *text)
{
	struct scenario sc;
	struct strbuf err = STRBUF_INIT;
	int r = scenario_parse(&sc, "t.scn", text, &err);
	CHECK_(r == -1, 1, "parsed but should not have:\n%s", text);
	CHECK_(sc.nstops == 0 && !sc.program && !sc.name, 1, "scenario not released on error");
	return strbuf_detach(&err, NULL);
}

/* The messages of text must contain want (a whole "t.scn:L:C: message" line). */
#define EXPECT_ERROR(text, want)                                                   \
	do {                                                                       \
		char *e_ = parse_err(text);                                        \
		EXPECT_CONTAINS(e_, want "\n");                                    \
		free(e_);                                                          \
	} while (0)

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#define FORK_SCN                                                                   \
	"# the fork journey\n"                                                     \
	"scenario fork\n"                                                          \
	"program  fork\n"                                                          \
	"lstar    entry_SYSCALL_64\n"                                              \
	"timeout  90\n"                                                            \
	"\n"                                                                       \
	"stop user _Fork\n"                                                        \
	"  frames\n"                                                               \
	"    _Fork\n"                                                              \
	"    fork\n"                                                               \
	"    main                           fork.c\n"                              \
	"\n"                                                                       \
	"stop syscall_enter_from_user_mode syscall=clone\n"                        \
	"  say   The syscall instruction jumped to MSR_LSTAR;\n"                   \
	"  say   entry_SYSCALL_64 saved the registers.\n"                          \
	"  frames\n"                                                               \
	"    syscall_enter_from_user_mode   include/linux/entry-common.h inlined\n" \
	"    do_syscall_64                  arch/x86/entry/common.c\n"             \
	"    entry_SYSCALL_64               arch/x86/entry/entry_64.S\n"           \
	"  user\n"                                                                 \
	"    _Fork\n"                                                              \
	"    fork\n"                                                               \
	"    main                           fork.c\n"                              \
	"  regs  orig_ax == 56\n"                                                  \
	"\n"                                                                       \
	"stop kernel __x64_sys_clone\n"                                            \
	"  frames\n"                                                               \
	"    __x64_sys_clone\n"                                                    \
	"    x64_sys_call\n"                                                       \
	"    ...\n"

TEST(scenario_parse_fork)
{
	struct scenario sc;
	parse_ok(&sc, FORK_SCN);
	EXPECT_STREQ(sc.file, "t.scn");
	EXPECT_STREQ(sc.name, "fork");
	EXPECT_STREQ(sc.program, "fork");
	EXPECT_EQ(sc.args.nr, 0);
	EXPECT_STREQ(sc.lstar, "entry_SYSCALL_64");
	EXPECT_EQ(sc.lstar_line, 4);
	EXPECT_EQ(sc.timeout_s, 90);
	ASSERT_EQ(sc.nstops, 3);

	const struct scenario_stop *u = &sc.stops[0];
	EXPECT_EQ(u->space, SCENARIO_USER);
	EXPECT_STREQ(u->location, "_Fork");
	EXPECT_EQ(u->line, 7);
	EXPECT_TRUE(u->has_frames && !u->has_user);
	ASSERT_EQ(u->nframes, 3);
	EXPECT_STREQ(u->frames[2].func, "main");
	EXPECT_STREQ(u->frames[2].file, "fork.c");
	EXPECT_EQ(u->frames[2].line, 11);

	const struct scenario_stop *k = &sc.stops[1];
	EXPECT_EQ(k->space, SCENARIO_KERNEL);
	EXPECT_STREQ(k->location, "syscall_enter_from_user_mode");
	EXPECT_STREQ(k->syscall, "clone");
	EXPECT_TRUE(!k->cond && !k->finish);
	EXPECT_STREQ(k->say, "The syscall instruction jumped to MSR_LSTAR;\n"
			     "entry_SYSCALL_64 saved the registers.");
	ASSERT_EQ(k->nframes, 3);
	EXPECT_STREQ(k->frames[0].func, "syscall_enter_from_user_mode");
	EXPECT_STREQ(k->frames[0].file, "include/linux/entry-common.h");
	EXPECT_EQ(k->frames[0].inlined, 1);
	EXPECT_EQ(k->frames[1].inlined, 0);
	EXPECT_EQ(k->frames[0].guard.op[0], 0);
	ASSERT_EQ(k->nuser, 3);
	EXPECT_TRUE(k->has_user);
	EXPECT_TRUE(k->user[0].file == NULL);
	ASSERT_EQ(k->nchecks, 1);
	EXPECT_STREQ(k->checks[0].name, "orig_ax");
	EXPECT_EQ(k->checks[0].op, GUARD_EQ);
	EXPECT_EQ(k->checks[0].value, 56);
	EXPECT_STREQ(k->checks[0].text, "orig_ax == 56");
	EXPECT_EQ(k->checks[0].line, 24);
	EXPECT_EQ(k->checks[0].col, 9);

	const struct scenario_stop *c = &sc.stops[2];
	EXPECT_EQ(c->space, SCENARIO_KERNEL);
	ASSERT_EQ(c->nframes, 3);
	EXPECT_TRUE(c->frames[2].func == NULL); /* "..." */
	EXPECT_TRUE(c->frames[2].file == NULL);
	scenario_release(&sc);
	scenario_release(&sc); /* twice is fine */
}

TEST(scenario_defaults)
{
	struct scenario sc;
	struct strbuf err = STRBUF_INIT;
	ASSERT_EQ(scenario_parse(&sc, "scenarios/getpid.scn", "program getpid 1 two --x=3\n", &err),
		  0);
	EXPECT_STREQ(sc.name, "getpid"); /* the base name without .scn */
	ASSERT_EQ(sc.args.nr, 3);
	EXPECT_STREQ(sc.args.v[0], "1");
	EXPECT_STREQ(sc.args.v[2], "--x=3");
	EXPECT_TRUE(sc.args.v[3] == NULL);
	EXPECT_TRUE(sc.lstar == NULL && sc.timeout_s == 0 && sc.nstops == 0 && !sc.say);
	scenario_release(&sc);

	ASSERT_EQ(scenario_parse(&sc, NULL, "program x\n", &err), 0);
	EXPECT_STREQ(sc.file, "<input>");
	scenario_release(&sc);
	ASSERT_EQ(scenario_parse(&sc, "noext", "program x", &err), 0); /* no final newline */
	EXPECT_STREQ(sc.name, "noext");
	scenario_release(&sc);
	EXPECT_EQ(err.len, 0);
	strbuf_release(&err);
}

TEST(scenario_stop_options)
{
	struct scenario sc;
	parse_ok(&sc, "program p\n"
		      "stop kernel kernel_clone finish if $_streq($comm, \"a#b\") # kept\n"
		      "  regs ret > 0\n"
		      "stop user *0x401615\n"
		      "stop kernel/fork.c:2804 syscall=clone3\n"
		      "stop do_syscall_64 syscall=56\n");
	ASSERT_EQ(sc.nstops, 4);
	EXPECT_EQ(sc.stops[0].space, SCENARIO_KERNEL);
	EXPECT_EQ(sc.stops[0].finish, 1);
	EXPECT_STREQ(sc.stops[0].cond, "$_streq($comm, \"a#b\") # kept");
	EXPECT_EQ(sc.stops[0].checks[0].is_signed, 1); /* ret compares signed */
	EXPECT_EQ(sc.stops[1].space, SCENARIO_USER);
	EXPECT_STREQ(sc.stops[1].location, "*0x401615");
	EXPECT_STREQ(sc.stops[2].location, "kernel/fork.c:2804");
	EXPECT_STREQ(sc.stops[2].syscall, "clone3");
	EXPECT_STREQ(sc.stops[3].syscall, "56");
	scenario_release(&sc);
}

TEST(scenario_comments)
{
	struct scenario sc;
	parse_ok(&sc, "# header\n"
		      "   # indented comment line\n"
		      "program p#1 # trailing\n"
		      "\t# tab comment\n"
		      "lstar sym#x\t# trailing after a tab\n"
		      "stop f # comment after the location\n"
		      "  # comment inside a stop\n"
		      "  say keep # this and ## that\n"
		      "  frames # a comment after frames\n"
		      "    # comment inside frames\n"
		      "    f file.c # comment after a frame\n"
		      "  regs di == 1 # comment after a check\n");
	EXPECT_STREQ(sc.program, "p#1"); /* '#' inside a word is not a comment */
	EXPECT_EQ(sc.args.nr, 0);
	EXPECT_STREQ(sc.lstar, "sym#x");
	ASSERT_EQ(sc.nstops, 1);
	EXPECT_STREQ(sc.stops[0].say, "keep # this and ## that");
	ASSERT_EQ(sc.stops[0].nframes, 1);
	EXPECT_STREQ(sc.stops[0].frames[0].file, "file.c");
	ASSERT_EQ(sc.stops[0].nchecks, 1);
	EXPECT_STREQ(sc.stops[0].checks[0].text, "di == 1");
	scenario_release(&sc);
}

TEST(scenario_say)
{
	struct scenario sc;
	parse_ok(&sc, "say Welcome to the fork tour.\n"
		      "say\n"
		      "say   Second paragraph.   \n"
		      "program p\n"
		      "stop f\n"
		      "  say one\n"
		      "  say\n"
		      "  say two\n");
	EXPECT_STREQ(sc.say, "Welcome to the fork tour.\n\nSecond paragraph.");
	EXPECT_STREQ(sc.stops[0].say, "one\n\ntwo");
	scenario_release(&sc);
}

TEST(scenario_steps)
{
	struct scenario sc;
	/* Steps at the top level, before and after stops: a title to the end of its line
	 * ('#' included, like say), say lines on one level, or none. */
	parse_ok(&sc, "say The introduction.\n"
		      "program p\n"
		      "step first   The first step: #1\n"
		      "  say one\n"
		      "  say\n"
		      "\n"
		      "  # a comment inside the step\n"
		      "  say two   \n"
		      "stop f\n"
		      "  say at f\n"
		      "step at_f  narrated by its stop\n"
		      "step\tlast\tA tab  and  blanks inside\n"
		      "\tsay three\n");
	EXPECT_STREQ(sc.say, "The introduction.");
	ASSERT_EQ(sc.nsteps, 3);
	EXPECT_STREQ(sc.steps[0].name, "first");
	EXPECT_STREQ(sc.steps[0].title, "The first step: #1");
	EXPECT_STREQ(sc.steps[0].say, "one\n\ntwo");
	EXPECT_EQ(sc.steps[0].line, 3);
	EXPECT_STREQ(sc.steps[1].title, "narrated by its stop");
	EXPECT_TRUE(sc.steps[1].say == NULL);
	EXPECT_STREQ(sc.steps[2].title, "A tab  and  blanks inside");
	EXPECT_STREQ(sc.steps[2].say, "three");
	ASSERT_EQ(sc.nstops, 1);
	EXPECT_STREQ(sc.stops[0].say, "at f");
	EXPECT_TRUE(scenario_step_find(&sc, "at_f") == &sc.steps[1]);
	EXPECT_TRUE(scenario_step_find(&sc, "at") == NULL);
	scenario_release(&sc);
	EXPECT_TRUE(sc.steps == NULL && sc.nsteps == 0);
}

TEST(scenario_errors_steps)
{
	EXPECT_ERROR("program p\nstep\n",
		     "t.scn:2:1: 'step' needs a name and a title: step NAME TITLE");
	EXPECT_ERROR("program p\nstep lstar\n", "t.scn:2:11: 'step' needs a title after its name");
	EXPECT_ERROR("program p\nstep lstar   # a comment is a title\n  frames\n",
		     "t.scn:3:3: 'frames' in a step (the step on line 2): a step holds say lines only");
	EXPECT_ERROR("program p\nstep a-b T\n",
		     "t.scn:2:6: bad step name 'a-b' (letters, digits and '_')");
	EXPECT_ERROR("program p\nstep [>= 6.1] T\n",
		     "t.scn:2:6: a version guard goes at the start of the line");
	EXPECT_ERROR("program p\n[>= 6.1] step a T\n",
		     "t.scn:2:1: a version guard cannot apply to 'step'");
	EXPECT_ERROR("program p\nstep a T\n  [>= 6.1] say x\n",
		     "t.scn:3:3: a version guard cannot apply to 'say'");
	EXPECT_ERROR("program p\nstep a T\nstep b U\nstep a V\n",
		     "t.scn:4:6: duplicate step 'a' (first on line 2)");
	EXPECT_ERROR("program p\nstep a T\n  say x\n    say y\n",
		     "t.scn:4:5: unexpected indentation: a step holds say lines only, on one level");
	EXPECT_ERROR("program p\nstep a T\n    say x\n  say y\n",
		     "t.scn:4:3: inconsistent indentation: line 3 indents this step's body with 4 spaces");
	EXPECT_ERROR("program p\nstep a T\nsay x\n",
		     "t.scn:3:1: 'say' outside a step: indent it under the step on line 2");
	EXPECT_ERROR("program p\nstep a T\nstop f\nsay x\n",
		     "t.scn:4:1: 'say' outside a stop: indent it under the stop on line 3");
	EXPECT_ERROR("program p\nstop f\n  step a T\n",
		     "t.scn:3:3: 'step' cannot be inside a stop (the stop on line 2): write it at the "
		     "start of a line");
	EXPECT_ERROR("program p\nstep a T\n  sya x\n",
		     "t.scn:3:3: 'sya' in a step (the step on line 2): a step holds say lines only");
	EXPECT_ERROR("program p\nstepp a T\n",
		     "t.scn:2:1: unknown directive 'stepp' (did you mean 'step'?)");
	/* what is indented under a broken step line adds no second error */
	char *e = parse_err("program p\nstep\n  say x\n  frames\n");
	EXPECT_EQ(count_lines(e), 1);
	free(e);
}

TEST(scenario_frames_block)
{
	struct scenario sc;
	parse_ok(&sc, "program p\n"
		      "stop f\n"
		      "  frames\n"
		      "    ...\n"
		      "    a\n"
		      "\n"
		      "    b  dir/b.c\n"
		      "    c  c.h  inlined\n"
		      "    d  inlined\n"
		      "    [>= 6.9] e\n"
		      "    [< 6.9] e2 kernel/e.c inlined\n"
		      "    ...\n");
	const struct scenario_stop *st = &sc.stops[0];
	ASSERT_EQ(st->nframes, 8);
	EXPECT_TRUE(st->frames[0].func == NULL);
	EXPECT_STREQ(st->frames[1].func, "a");
	EXPECT_STREQ(st->frames[2].file, "dir/b.c");
	EXPECT_EQ(st->frames[2].line, 7); /* the blank line did not end the block */
	EXPECT_TRUE(st->frames[3].inlined && !strcmp(st->frames[3].file, "c.h"));
	EXPECT_TRUE(st->frames[4].inlined && st->frames[4].file == NULL);
	EXPECT_STREQ(st->frames[5].guard.op, ">=");
	EXPECT_EQ(st->frames[5].guard.major, 6);
	EXPECT_EQ(st->frames[5].guard.minor, 9);
	EXPECT_EQ(st->frames[5].guard.patch, -1);
	EXPECT_STREQ(st->frames[6].guard.op, "<");
	EXPECT_STREQ(st->frames[6].func, "e2");
	EXPECT_TRUE(st->frames[7].func == NULL);
	scenario_release(&sc);
}

TEST(scenario_regs)
{
	struct scenario sc;
	parse_ok(&sc, "program p\n"
		      "stop f\n"
		      "  regs orig_ax == 56  di!=0x11 ax==-ENOSYS\n"
		      "  regs ip >= 0xffffffff81000000 sp < 0x7ffffffff000\n"
		      "  regs $rax <= -1 $eflags > 0 r10 == 0 r8 != 1 flags == 0X202\n"
		      "  regs cs == 0x33 ss == 0x2b bx == 0 cx == 0 bp == 0 r11 == 0 r12 == 0\n"
		      "  regs r13 == 0 r14 == 0 r15 == 0 r9 == 0 si == 0 dx == 0 $fs_base == 0\n"
		      "  regs ax == -9223372036854775808 bx == 18446744073709551615\n");
	const struct scenario_stop *st = &sc.stops[0];
	ASSERT_EQ(st->nchecks, 26);
	const struct scenario_check *c = st->checks;
	EXPECT_STREQ(c[0].name, "orig_ax");
	EXPECT_EQ(c[0].col, 8);
	EXPECT_STREQ(c[1].name, "di");
	EXPECT_EQ(c[1].op, GUARD_NE);
	EXPECT_EQ(c[1].value, 17);
	EXPECT_EQ(c[1].col, 23);
	EXPECT_STREQ(c[1].text, "di != 0x11");
	EXPECT_EQ(c[2].value, -38);
	EXPECT_EQ(c[2].is_signed, 1);
	EXPECT_STREQ(c[2].text, "ax == -ENOSYS");
	EXPECT_EQ(c[3].op, GUARD_GE);
	EXPECT_TRUE((uint64_t)c[3].value == 0xffffffff81000000ull);
	EXPECT_EQ(c[3].is_signed, 0);
	EXPECT_EQ(c[4].op, GUARD_LT);
	EXPECT_STREQ(c[5].name, "$rax");
	EXPECT_EQ(c[5].op, GUARD_LE);
	EXPECT_EQ(c[5].value, -1);
	EXPECT_EQ(c[6].op, GUARD_GT);
	EXPECT_EQ(c[9].value, 0x202);
	EXPECT_TRUE(c[24].value == INT64_MIN);
	EXPECT_TRUE((uint64_t)c[25].value == UINT64_MAX);
	EXPECT_EQ(c[25].line, 8);
	scenario_release(&sc);
}

TEST(scenario_errno_values)
{
	static const struct {
		const char *name;
		int num;
	} want[] = {
		{ "EPERM", 1 },	   { "ENOENT", 2 },  { "ESRCH", 3 },	{ "EINTR", 4 },
		{ "EIO", 5 },	   { "EBADF", 9 },   { "ECHILD", 10 },	{ "EAGAIN", 11 },
		{ "ENOMEM", 12 },  { "EACCES", 13 }, { "EFAULT", 14 },	{ "EBUSY", 16 },
		{ "EEXIST", 17 },  { "ENOTDIR", 20 }, { "EISDIR", 21 },	{ "EINVAL", 22 },
		{ "EMFILE", 24 },  { "ENOSPC", 28 }, { "ESPIPE", 29 },	{ "EROFS", 30 },
		{ "EPIPE", 32 },   { "ERANGE", 34 }, { "ENOSYS", 38 },	{ "ENOTEMPTY", 39 },
		{ "ERESTARTSYS", 512 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct scenario sc;
		char *text = xstrfmt("program p\nstop f finish\n  regs ret == -%s\n", want[i].name);
		parse_ok(&sc, text);
		EXPECT_EQ(sc.stops[0].checks[0].value, -want[i].num);
		EXPECT_STREQ(errnos_name(want[i].num), want[i].name);
		scenario_release(&sc);
		free(text);
	}
	EXPECT_STREQ(errnos_name(11), "EAGAIN"); /* not EWOULDBLOCK */
	EXPECT_TRUE(errnos_name(4000) == NULL);
}

TEST(scenario_guards_parse)
{
	struct scenario sc;
	parse_ok(&sc, "[>= 6.1] scenario g\n"
		      "program p\n"
		      "[< 6.12.5] lstar entry_SYSCALL_64\n"
		      "[==6.12] stop f\n"
		      "  [ != 6.1.192 ] regs di == 1 si == 2\n"
		      "  frames\n"
		      "    [> 6.9]f\n"
		      "    [<= 7.0] g\n");
	EXPECT_STREQ(sc.guard.op, ">=");
	EXPECT_STREQ(sc.lstar_guard.op, "<");
	EXPECT_EQ(sc.lstar_guard.patch, 5);
	EXPECT_STREQ(sc.stops[0].guard.op, "==");
	EXPECT_EQ(sc.stops[0].guard.minor, 12);
	ASSERT_EQ(sc.stops[0].nchecks, 2);
	EXPECT_STREQ(sc.stops[0].checks[1].guard.op, "!=");
	EXPECT_EQ(sc.stops[0].checks[1].guard.patch, 192);
	EXPECT_STREQ(sc.stops[0].frames[0].guard.op, ">");
	EXPECT_STREQ(sc.stops[0].frames[0].func, "f");
	EXPECT_STREQ(sc.stops[0].frames[1].guard.op, "<=");

	struct strbuf sb = STRBUF_INIT;
	guard_format(&sc.lstar_guard, &sb);
	EXPECT_STREQ(sb.buf, "[< 6.12.5]");
	strbuf_reset(&sb);
	guard_format(&sc.stops[0].guard, &sb);
	EXPECT_STREQ(sb.buf, "[== 6.12]");
	strbuf_reset(&sb);
	struct guard none = { "", 0, 0, -1 };
	guard_format(&none, &sb);
	EXPECT_STREQ(sb.buf, "");
	strbuf_release(&sb);
	scenario_release(&sc);
	EXPECT_STREQ(guard_op_name(GUARD_LE), "<=");
}

TEST(scenario_errors_directives)
{
	EXPECT_ERROR("program p\nfrobnicate 1\n", "t.scn:2:1: unknown directive 'frobnicate'");
	EXPECT_ERROR("program p\nprogrm x\n",
		     "t.scn:2:1: unknown directive 'progrm' (did you mean 'program'?)");
	EXPECT_ERROR("program p\nstop f\n  fram\n",
		     "t.scn:3:3: unknown stop directive 'fram' (did you mean 'frames'?)");
	EXPECT_ERROR("program\n", "t.scn:1:1: missing argument: program NAME [ARG]... (NAME from "
				   "initramfs/progs/, or a path such as ./repro.c)");
	EXPECT_ERROR("program p\nlstar\n", "t.scn:2:1: missing argument: lstar SYMBOL");
	EXPECT_ERROR("program p\n  scenario\n", "t.scn:2:3: unexpected indentation (only the "
						"lines under a 'stop' or a 'step' are indented)");
	EXPECT_ERROR("scenario\nprogram p\n", "t.scn:1:1: missing argument: scenario NAME");
	EXPECT_ERROR("program p\nlstar a b\n",
		     "t.scn:2:9: unexpected 'b': lstar SYMBOL takes one argument");
	EXPECT_ERROR("program p\nprogram q\n", "t.scn:2:1: duplicate 'program' (first on line 1)");
	EXPECT_ERROR("program p\nscenario a\nscenario b\n",
		     "t.scn:3:1: duplicate 'scenario' (first on line 2)");
	EXPECT_ERROR("program p\nlstar a\nlstar b\n", "t.scn:3:1: duplicate 'lstar' (first on line 2)");
	EXPECT_ERROR("program p\ntimeout 0\n", "t.scn:2:9: bad timeout '0' (seconds, from 1 to 86400)");
	EXPECT_ERROR("program p\ntimeout 1x\n",
		     "t.scn:2:9: bad timeout '1x' (seconds, from 1 to 86400)");
	EXPECT_ERROR("program p\ntimeout 99999999999999999999\n",
		     "t.scn:2:9: bad timeout '99999999999999999999' (seconds, from 1 to 86400)");
	EXPECT_ERROR("program p\ntimeout 5\ntimeout 6\n",
		     "t.scn:3:1: duplicate 'timeout' (first on line 2)");
	EXPECT_ERROR("lstar x\n", "t.scn:1:1: missing 'program' line (the guest program to run)");
	EXPECT_ERROR("", "t.scn:1:1: missing 'program' line (the guest program to run)");
	EXPECT_ERROR("# only a comment\n",
		     "t.scn:1:1: missing 'program' line (the guest program to run)");
}

TEST(scenario_errors_stop)
{
	EXPECT_ERROR("program p\nstop\n",
		     "t.scn:2:1: 'stop' needs a location: a function, FILE:LINE or *ADDRESS");
	EXPECT_ERROR("program p\nstop user\n",
		     "t.scn:2:1: 'stop' needs a location: a function, FILE:LINE or *ADDRESS");
	EXPECT_ERROR("program p\nstop syscall=clone\n",
		     "t.scn:2:1: 'stop' needs a location: a function, FILE:LINE or *ADDRESS");
	EXPECT_ERROR("program p\nstop # just a comment\n",
		     "t.scn:2:1: 'stop' needs a location: a function, FILE:LINE or *ADDRESS");
	EXPECT_ERROR("program p\nstop f bogus\n", "t.scn:2:8: unknown stop option 'bogus' "
						   "(expected syscall=NAME, finish, never or if GDB-EXPR)");
	EXPECT_ERROR("program p\nstop f syscall=\n",
		     "t.scn:2:16: bad syscall name '' (a name such as 'clone', or a number)");
	EXPECT_ERROR("program p\nstop f syscall=a-b\n",
		     "t.scn:2:16: bad syscall name 'a-b' (a name such as 'clone', or a number)");
	EXPECT_ERROR("program p\nstop f syscall=a syscall=b\n", "t.scn:2:18: duplicate 'syscall='");
	EXPECT_ERROR("program p\nstop user f syscall=a\n",
		     "t.scn:2:13: 'syscall=' applies to kernel stops only");
	EXPECT_ERROR("program p\nstop f finish finish\n", "t.scn:2:15: duplicate 'finish'");
	EXPECT_ERROR("program p\nstop f if   \n", "t.scn:2:8: 'if' needs a gdb expression after it");
	EXPECT_ERROR("program p\nstop f [>= 6.1]\n",
		     "t.scn:2:8: a version guard goes at the start of the line");
	EXPECT_ERROR("program p\nstop user f\n  user\n    a\n",
		     "t.scn:3:3: 'user' is for kernel stops: at a user stop, write the frames under "
		     "'frames'");
	EXPECT_ERROR("program p\nstop f\n  frames\n    a\n  frames\n    b\n",
		     "t.scn:5:3: duplicate 'frames' (first on line 3)");
	EXPECT_ERROR("program p\nstop f\n  frames x\n    a\n",
		     "t.scn:3:10: unexpected 'x' after 'frames' (the frames go on the lines below "
		     "it)");
	EXPECT_ERROR("program p\nstop f\n  program q\n",
		     "t.scn:3:3: 'program' cannot be inside a stop (the stop on line 2): write it at "
		     "the start of a line");
}

TEST(scenario_errors_outside_stop)
{
	EXPECT_ERROR("program p\nframes\n", "t.scn:2:1: 'frames' outside a stop");
	EXPECT_ERROR("program p\n  frames\n    a\n", "t.scn:2:3: 'frames' outside a stop");
	EXPECT_ERROR("program p\nregs di == 1\n", "t.scn:2:1: 'regs' outside a stop");
	EXPECT_ERROR("program p\nstop f\nframes\n    a\n",
		     "t.scn:3:1: 'frames' outside a stop: indent it under the stop on line 2");
	EXPECT_ERROR("program p\nstop f\nsay hello\n",
		     "t.scn:3:1: 'say' outside a stop: indent it under the stop on line 2");
	/* the indented line under a broken top-level line adds no second error */
	char *e = parse_err("program p\nframes\n    a\n    b\n");
	EXPECT_EQ(count_lines(e), 1);
	free(e);
}

TEST(scenario_errors_checks)
{
	EXPECT_ERROR("program p\nstop f\n  regs orig_ax = 56\n",
		     "t.scn:3:16: unknown operator '=' in check (expected == != < <= > >=)");
	EXPECT_ERROR("program p\nstop f\n  regs orig_ax => 56\n",
		     "t.scn:3:16: unknown operator '=>' in check (expected == != < <= > >=)");
	EXPECT_ERROR("program p\nstop f\n  regs orig_ax 56\n",
		     "t.scn:3:16: missing operator after 'orig_ax' (expected == != < <= > >=)");
	EXPECT_ERROR("program p\nstop f\n  regs orig_ax\n",
		     "t.scn:3:8: missing operator after 'orig_ax' (expected == != < <= > >=)");
	EXPECT_ERROR("program p\nstop f\n  regs orig_ax ==\n",
		     "t.scn:3:16: missing value after 'orig_ax =='");
	EXPECT_ERROR("program p\nstop f\n  regs orig_ax == # comment\n",
		     "t.scn:3:16: missing value after 'orig_ax =='");
	EXPECT_ERROR("program p\nstop f\n  regs == 5\n", "t.scn:3:8: missing check name before '=='");
	EXPECT_ERROR("program p\nstop f\n  regs\n",
		     "t.scn:3:3: 'regs' needs at least one check: NAME OP VALUE");
	EXPECT_ERROR("program p\nstop f\n  regs rax == 1\n",
		     "t.scn:3:8: unknown check 'rax': use a pt_regs field (orig_ax ax di si dx r10 "
		     "r8 r9 ip sp flags cs ss bx cx bp r11 r12 r13 r14 r15), $REG for a register, "
		     "or ret");
	EXPECT_ERROR("program p\nstop f\n  regs $1 == 1\n",
		     "t.scn:3:8: unknown check '$1': use a pt_regs field (orig_ax ax di si dx r10 "
		     "r8 r9 ip sp flags cs ss bx cx bp r11 r12 r13 r14 r15), $REG for a register, "
		     "or ret");
	EXPECT_ERROR("program p\nstop f\n  regs ret == 0\n",
		     "t.scn:3:8: 'ret' is only known at a 'finish' stop (add 'finish' to the stop on "
		     "line 2)");
	EXPECT_ERROR("program p\nstop f\n  regs di == x12\n",
		     "t.scn:3:14: bad number 'x12' (expected decimal, 0x hex, or -ERRNO)");
	EXPECT_ERROR("program p\nstop f\n  regs di == 0x\n",
		     "t.scn:3:14: bad number '0x' (expected decimal, 0x hex, or -ERRNO)");
	EXPECT_ERROR("program p\nstop f\n  regs di == 12abc\n",
		     "t.scn:3:14: bad number '12abc' (expected decimal, 0x hex, or -ERRNO)");
	EXPECT_ERROR("program p\nstop f\n  regs di == -\n",
		     "t.scn:3:14: bad number '-' (expected decimal, 0x hex, or -ERRNO)");
	EXPECT_ERROR("program p\nstop f\n  regs di == 18446744073709551616\n",
		     "t.scn:3:14: number '18446744073709551616' does not fit in 64 bits");
	EXPECT_ERROR("program p\nstop f\n  regs di == 0x10000000000000000\n",
		     "t.scn:3:14: number '0x10000000000000000' does not fit in 64 bits");
	EXPECT_ERROR("program p\nstop f\n  regs di == -9223372036854775809\n",
		     "t.scn:3:14: number '-9223372036854775809' does not fit in 64 bits");
	EXPECT_ERROR("program p\nstop f\n  regs ax == -EFOO\n", "t.scn:3:14: unknown errno '-EFOO'");
	EXPECT_ERROR("program p\nstop f\n  regs ax == ENOENT\n",
		     "t.scn:3:14: bare errno 'ENOENT': write '-ENOENT' for the kernel's negative "
		     "error return, or the number");
	EXPECT_ERROR("program p\nstop f\n  regs di == 1 [>= 6.1]\n",
		     "t.scn:3:16: a version guard goes at the start of the line");
}

TEST(scenario_program_arguments_keep_every_byte)
{
	/* The run line carries any byte: what the guest's shell would touch included. */
	struct scenario sc;
	struct strbuf err = STRBUF_INIT;
	static const char text[] = "program p a,b * 'q' $HOME \\x41 \xc3\xa9 # a comment\nstop f\n";
	ASSERT_EQ(scenario_parse(&sc, "t.scn", text, &err), 0);
	ASSERT_EQ(sc.args.nr, 6);
	EXPECT_STREQ(sc.args.v[0], "a,b");
	EXPECT_STREQ(sc.args.v[1], "*");
	EXPECT_STREQ(sc.args.v[2], "'q'");
	EXPECT_STREQ(sc.args.v[3], "$HOME");
	EXPECT_STREQ(sc.args.v[4], "\\x41");
	EXPECT_STREQ(sc.args.v[5], "\xc3\xa9");
	scenario_release(&sc);
	strbuf_release(&err);
}

/* Found by tests/fuzz/fuzz_scenario.c: the last argument of a text that ends without a
 * newline (or NUL) was scanned past the text's end. */
TEST(scenario_program_argument_ends_the_text)
{
	static const char text[] = "stop f\nprogram p ab";
	struct scenario sc;
	struct strbuf err = STRBUF_INIT;
	char *exact = malloc(sizeof(text) - 1); /* no NUL after it: ASan sees any overread */
	memcpy(exact, text, sizeof(text) - 1);
	ASSERT_EQ(scenario_parse_buf(&sc, "t.scn", exact, sizeof(text) - 1, &err), 0);
	ASSERT_EQ(sc.args.nr, 1);
	EXPECT_STREQ(sc.args.v[0], "ab");
	scenario_release(&sc);
	memcpy(exact + sizeof(text) - 2, "*", 1);
	ASSERT_EQ(scenario_parse_buf(&sc, "t.scn", exact, sizeof(text) - 1, &err), 0);
	EXPECT_STREQ(sc.args.v[0], "a*");
	scenario_release(&sc);
	free(exact);
	strbuf_release(&err);
}

TEST(scenario_errors_frames)
{
	EXPECT_ERROR("program p\nstop f\n  frames\n    a b c\n",
		     "t.scn:4:9: unexpected 'c' after the frame (a frame line is FUNC [FILE-SUFFIX] "
		     "[inlined] [optional])");
	EXPECT_ERROR("program p\nstop f\n  frames\n    optional\n",
		     "t.scn:4:5: missing function name before 'optional'");
	EXPECT_ERROR("program p\nstop f\n  frames\n    f x.c optional optional\n",
		     "t.scn:4:20: duplicate 'optional'");
	EXPECT_ERROR("program p\nstop f\n  frames\n    ... x\n",
		     "t.scn:4:9: '...' stands alone: no file or 'inlined' after it");
	EXPECT_ERROR("program p\nstop f\n  frames\n    inlined\n",
		     "t.scn:4:5: missing function name before 'inlined'");
	EXPECT_ERROR("program p\nstop f\n  frames\n    f inlined inlined\n",
		     "t.scn:4:15: duplicate 'inlined'");
	EXPECT_ERROR("program p\nstop f\n  frames\n    f kernel/fork.c:2804\n",
		     "t.scn:4:7: line numbers are not matched: write the file suffix "
		     "'kernel/fork.c' alone");
	EXPECT_ERROR("program p\nstop f\n  frames\n    f a.c [>= 6.1]\n",
		     "t.scn:4:11: a version guard goes at the start of the line");
	EXPECT_ERROR("program p\nstop f\n  frames\n  regs di == 1\n",
		     "t.scn:3:3: 'frames' has nothing under it: indent the expected frames below it "
		     "('...' matches any)");
	EXPECT_ERROR("program p\nstop f\n  user\n",
		     "t.scn:3:3: 'user' has nothing under it: indent the expected frames below it "
		     "('...' matches any)");
	/* frames written at the level of "frames": one helpful error, not two */
	char *e = parse_err("program p\nstop f\n  frames\n  do_syscall_64\n  entry_SYSCALL_64\n");
	EXPECT_CONTAINS(e, "t.scn:4:3: unknown stop directive 'do_syscall_64': frames go indented "
			   "under 'frames' (line 3)\n");
	EXPECT_CONTAINS(e, "t.scn:5:3: unknown stop directive 'entry_SYSCALL_64'");
	EXPECT_TRUE(!strstr(e, "nothing under it"));
	free(e);
}

TEST(scenario_errors_guards)
{
	EXPECT_ERROR("program p\n[>= x.y] lstar a\n",
		     "t.scn:2:5: bad kernel version 'x.y' in guard (expected MAJOR.MINOR or "
		     "MAJOR.MINOR.PATCH)");
	EXPECT_ERROR("program p\n[>= 6] lstar a\n",
		     "t.scn:2:5: bad kernel version '6' in guard (expected MAJOR.MINOR or "
		     "MAJOR.MINOR.PATCH)");
	EXPECT_ERROR("program p\n[>= 6.1.2.3] lstar a\n",
		     "t.scn:2:5: bad kernel version '6.1.2.3' in guard (expected MAJOR.MINOR or "
		     "MAJOR.MINOR.PATCH)");
	EXPECT_ERROR("program p\n[= 6.1] lstar a\n",
		     "t.scn:2:2: unknown operator '=' in version guard (expected == != < <= > >=)");
	EXPECT_ERROR("program p\n[6.1] lstar a\n",
		     "t.scn:2:2: version guard needs an operator: [OP MAJOR.MINOR[.PATCH]] with OP "
		     "one of == != < <= > >=");
	EXPECT_ERROR("program p\n[>=] lstar a\n",
		     "t.scn:2:4: version guard needs a version: [>= MAJOR.MINOR]");
	EXPECT_ERROR("program p\n[>= 6.1 x] lstar a\n", "t.scn:2:9: unexpected 'x' in version guard");
	EXPECT_ERROR("program p\n[>= 6.1 lstar a\n", "t.scn:2:1: unterminated version guard: "
						   "missing ']'");
	EXPECT_ERROR("program p\n[>= 6.1]\n", "t.scn:2:1: a version guard needs a line to apply to");
	EXPECT_ERROR("[>= 6.1] program p\n",
		     "t.scn:1:1: a version guard cannot apply to 'program'");
	EXPECT_ERROR("program p\n[>= 6.1] timeout 5\n",
		     "t.scn:2:1: a version guard cannot apply to 'timeout'");
	EXPECT_ERROR("program p\nstop f\n  [>= 6.1] say x\n",
		     "t.scn:3:3: a version guard cannot apply to 'say'");
	EXPECT_ERROR("program p\nstop f\n  [>= 6.1] frames\n    a\n",
		     "t.scn:3:3: a version guard cannot apply to 'frames'");
	EXPECT_ERROR("program p\n[>= 99999999.1] lstar a\n",
		     "t.scn:2:5: bad kernel version '99999999.1' in guard (expected MAJOR.MINOR or "
		     "MAJOR.MINOR.PATCH)");
}

TEST(scenario_indentation)
{
	struct scenario sc;
	/* tabs are fine, as are different indentations in different stops */
	parse_ok(&sc, "program p\n"
		      "stop a\n"
		      "\tframes\n"
		      "\t\tx\n"
		      "\t\ty\n"
		      "\tregs di == 1\n"
		      "stop b\n"
		      "    frames\n"
		      "        x\n"
		      "    user\n"
		      "      u\n");
	EXPECT_EQ(sc.stops[0].nframes, 2);
	EXPECT_EQ(sc.stops[0].nchecks, 1);
	EXPECT_EQ(sc.stops[1].nframes, 1);
	EXPECT_EQ(sc.stops[1].nuser, 1);
	scenario_release(&sc);

	EXPECT_ERROR("program p\nstop a\n  frames\n  \tx\n  \ty\n  regs di == 1\n   regs si == 1\n",
		     "t.scn:7:4: unexpected indentation: only 'frames' and 'user' take an indented "
		     "block");
	EXPECT_ERROR("program p\nstop a\n    frames\n      x\n  regs di == 1\n",
		     "t.scn:5:3: inconsistent indentation: line 3 indents this stop's body with 4 "
		     "spaces");
	EXPECT_ERROR("program p\nstop a\n        frames\n\tregs di == 1\n",
		     "t.scn:4:2: inconsistent indentation: tabs and spaces mixed differently from "
		     "line 3");
	EXPECT_ERROR("program p\nstop a\n  frames\n      x\n    y\n",
		     "t.scn:5:5: inconsistent indentation: line 4 indents this block with 6 spaces");
	EXPECT_ERROR("program p\nstop a\n\tframes\n\t\tx\n\t        y\n",
		     "t.scn:5:10: inconsistent indentation: tabs and spaces mixed differently from "
		     "line 4");
	EXPECT_ERROR("program p\nstop a\n  say x\n    more\n",
		     "t.scn:4:5: unexpected indentation: only 'frames' and 'user' take an indented "
		     "block");
	EXPECT_ERROR("program p\nstop a\n \t frames\n\t  x\n",
		     "t.scn:4:4: inconsistent indentation: line 3 indents this stop's body with 1 tab "
		     "and 2 spaces");
}

TEST(scenario_several_errors)
{
	char *e = parse_err("scenario x\n"
			    "program a\n"
			    "program b\n"
			    "frobnicate\n"
			    "stop\n"
			    "stop f\n"
			    "  regs orig_ax = 5\n"
			    "[>= x.y] lstar a\n");
	EXPECT_EQ(count_lines(e), 5);
	EXPECT_CONTAINS(e, "t.scn:3:1: duplicate 'program'");
	EXPECT_CONTAINS(e, "t.scn:4:1: unknown directive 'frobnicate'");
	EXPECT_CONTAINS(e, "t.scn:5:1: 'stop' needs a location");
	EXPECT_CONTAINS(e, "t.scn:7:16: unknown operator '='");
	EXPECT_CONTAINS(e, "t.scn:8:5: bad kernel version 'x.y'");
	/* in file order */
	EXPECT_TRUE(strstr(e, "t.scn:3:") < strstr(e, "t.scn:8:"));
	free(e);

	/* a flood of errors stops at 20 and says so */
	struct strbuf text = STRBUF_INIT;
	strbuf_addstr(&text, "program p\n");
	for (int i = 0; i < 100; i++)
		strbuf_addstr(&text, "bogus\n");
	e = parse_err(text.buf);
	EXPECT_EQ(count_lines(e), 21);
	EXPECT_CONTAINS(e, "t.scn:22:1: too many errors; giving up\n");
	free(e);
	strbuf_release(&text);
}

TEST(scenario_hostile_input)
{
	struct scenario sc;
	struct strbuf err = STRBUF_INIT;

	/* NUL and control bytes are errors at their position, not the end of the text */
	static const char nul[] = "program p\nstop f\0x\nlstar a\x01\n";
	EXPECT_EQ(scenario_parse_buf(&sc, "t.scn", nul, sizeof(nul) - 1, &err), -1);
	EXPECT_CONTAINS(err.buf, "t.scn:2:7: NUL byte in a scenario file\n");
	EXPECT_CONTAINS(err.buf, "t.scn:3:8: control character 0x01 in a scenario file\n");
	EXPECT_EQ(count_lines(err.buf), 2);
	strbuf_reset(&err);

	/* CRLF line ends are accepted */
	parse_ok(&sc, "program p\r\nstop f\r\n  regs di == 1\r\n");
	EXPECT_STREQ(sc.stops[0].checks[0].text, "di == 1");
	scenario_release(&sc);

	/* a huge line: the quoted word in the message is cut */
	struct strbuf big = STRBUF_INIT;
	strbuf_addstr(&big, "program p\n");
	for (int i = 0; i < 1 << 20; i++)
		strbuf_addch(&big, 'x');
	strbuf_addch(&big, '\n');
	EXPECT_EQ(scenario_parse(&sc, "t.scn", big.buf, &err), -1);
	EXPECT_LT(err.len, 200);
	EXPECT_CONTAINS(err.buf, "t.scn:2:1: unknown directive 'xxxx");
	EXPECT_CONTAINS(err.buf, "...'\n");
	strbuf_reset(&err);

	/* a long frames block and many stops */
	strbuf_reset(&big);
	strbuf_addstr(&big, "program p\n");
	for (int s = 0; s < 200; s++) {
		strbuf_addf(&big, "stop f%d\n  frames\n", s);
		for (int i = 0; i < 50; i++)
			strbuf_addf(&big, "    fn%d\n", i);
	}
	parse_ok(&sc, big.buf);
	EXPECT_EQ(sc.nstops, 200);
	EXPECT_EQ(sc.stops[199].nframes, 50);
	scenario_release(&sc);

	/* pseudo-random token soup never crashes (the real fuzzer is tests/fuzz) */
	static const char *const toks[] = {
		"stop ", "frames", "user", "regs ", "say ", "program ", "lstar ", "scenario ", "step ",
		"timeout ", "[>= 6.1]", "[", "]", "...", "inlined", "==", "=", "-ENOENT", "0x",
		"#", " ", "  ", "\t", "\n", "\n  ", "\n    ", "if ", "syscall=", "finish", "ret",
		"orig_ax", "$rax", "f", "a.c", "99999999999999999999", "\r\n", "-",
	};
	uint32_t seed = 12345;
	for (int round = 0; round < 3000; round++) {
		strbuf_reset(&big);
		int n = (int)(seed % 40);
		for (int i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			strbuf_addstr(&big, toks[(seed >> 8) % ARRAY_SIZE(toks)]);
		}
		strbuf_reset(&err);
		if (scenario_parse(&sc, "t.scn", big.buf, &err) == 0) {
			EXPECT_TRUE(sc.program != NULL);
			scenario_release(&sc);
		} else {
			EXPECT_TRUE(err.len > 0);
			EXPECT_TRUE(!strncmp(err.buf, "t.scn:", 6));
		}
	}
	strbuf_release(&big);
	strbuf_release(&err);
}

TEST(obs_run_release_frees_all)
{
	struct obs_run r;
	memset(&r, 0, sizeof(r));
	r.kernel_version = xstrdup("6.12.117");
	r.lstar_symbol = xstrdup("entry_SYSCALL_64");
	r.error = xstrdup("boom");
	r.nstops = 2;
	r.stops = xcalloc(2, sizeof(*r.stops));
	r.stops[0].nframes = 1;
	r.stops[0].frames = xcalloc(1, sizeof(struct obs_frame));
	r.stops[0].frames[0].func = xstrdup("f");
	r.stops[0].frames[0].file = xstrdup("f.c");
	r.stops[0].nuser = 1;
	r.stops[0].user = xcalloc(1, sizeof(struct obs_frame));
	r.stops[0].user[0].func = xstrdup("u");
	r.stops[0].nvalues = 1;
	r.stops[0].values = xcalloc(1, sizeof(struct obs_value));
	r.stops[0].values[0].name = xstrdup("di");
	r.stops[0].values[0].error = xstrdup("no");
	r.stops[1].error = xstrdup("capture");
	obs_run_release(&r);
	EXPECT_TRUE(r.stops == NULL && r.nstops == 0 && r.error == NULL);
	obs_run_release(&r);
}

/* The complete example at the end of scenarios/README.md must stay a valid scenario. */
TEST(scenario_readme_example)
{
	struct strbuf md = STRBUF_INIT;
	char *path = xstrfmt("%s/scenarios/README.md", test_srcdir());
	ASSERT_EQ(strbuf_read_file(&md, path), 0);
	const char *end = NULL, *start = NULL;
	for (const char *p = md.buf; (p = strstr(p, "\n```\n")); p += 5) {
		start = end;
		end = p;
	}
	ASSERT_TRUE(start && end);
	/* the last block runs from the line after its opening fence to the closing one */
	const char *open = start + 5;
	char *text = xstrndup(open, (size_t)(end - open + 1));
	struct scenario sc;
	parse_ok(&sc, text);
	EXPECT_STREQ(sc.name, "fork");
	EXPECT_STREQ(sc.lstar, "entry_SYSCALL_64");
	ASSERT_EQ(sc.nstops, 5);
	EXPECT_EQ(sc.stops[0].space, SCENARIO_USER);
	EXPECT_STREQ(sc.stops[1].syscall, "clone");
	EXPECT_STREQ(sc.stops[2].location, "__x64_sys_clone");
	EXPECT_STREQ(sc.stops[2].frames[1].func, "x64_sys_call");
	EXPECT_STREQ(sc.stops[3].frames[1].func, "__do_sys_clone");
	EXPECT_EQ(sc.stops[4].finish, 1);
	scenario_release(&sc);
	free(text);
	free(path);
	strbuf_release(&md);
}

TEST(scenario_never_stops)
{
	struct scenario sc;
	parse_ok(&sc, "program p\nstop f never\n  say not here\nstop g syscall=getpid never if 1\n");
	ASSERT_EQ(sc.nstops, 2);
	EXPECT_EQ(sc.stops[0].never, 1);
	EXPECT_STREQ(sc.stops[0].say, "not here");
	EXPECT_EQ(sc.stops[1].never, 1);
	EXPECT_STREQ(sc.stops[1].syscall, "getpid");
	EXPECT_STREQ(sc.stops[1].cond, "1");
	scenario_release(&sc);
	EXPECT_ERROR("program p\nstop f never never\n", "t.scn:2:14: duplicate 'never'");
	EXPECT_ERROR("program p\nstop f never finish\n",
		     "t.scn:2:14: a 'never' stop has no return to finish");
	EXPECT_ERROR("program p\nstop f finish never\n",
		     "t.scn:2:15: a 'finish' stop cannot be 'never' too");
	EXPECT_ERROR("program p\nstop never\n",
		     "t.scn:2:1: 'stop' needs a location: a function, FILE:LINE or *ADDRESS");
	EXPECT_ERROR("program p\nstop f never\n  frames\n    f\n",
		     "t.scn:3:3: 'frames' under a 'never' stop (line 2): it is never reached, so "
		     "there is nothing to compare");
	EXPECT_ERROR("program p\nstop f never\n  regs ax == 1\n",
		     "t.scn:3:3: 'regs' under a 'never' stop (line 2): it is never reached, so "
		     "there is nothing to compare");
}
