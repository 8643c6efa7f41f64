/*
 * Unit tests of the matcher: frame patterns (wildcards, file suffixes, inlined,
 * guards), stops never reached, checks and their operators, lstar, errors, skips, the
 * diff text and the exit code.
 */
#include "match.h"
#include "test.h"
#include "fixtures.h"
#include "strbuf.h"
#include "wrapper.h"

#include <stdint.h>

/* A scenario, what a run of it observed, and the comparison. */
struct fixture {
	struct scenario sc;
	struct obs_run run;
	struct match_result res;
};

static struct obs_frame *mk_frames(const char *spec, size_t *n)
{
	return fixture_frames(spec, n, 0xffffffff81000000ull);
}

static void fx_parse(struct fixture *fx, const char *file, const char *text)
{
	struct strbuf err = STRBUF_INIT;
	memset(fx, 0, sizeof(*fx));
	int r = scenario_parse(&fx->sc, file, text, &err);
	CHECK_(r == 0, 1, "bad fixture:\n%s", err.buf);
	strbuf_release(&err);
	fx->run.stops = xcalloc(16, sizeof(*fx->run.stops));
	fx->run.kernel_version = xstrdup("6.12.117");
}

/* Add the next observed stop. */
static struct obs_stop *fx_stop(struct fixture *fx, int hit, const char *frames, const char *user)
{
	struct obs_stop *st = &fx->run.stops[fx->run.nstops++];
	st->hit = hit;
	st->ms = 1000 * (int64_t)fx->run.nstops;
	if (hit) {
		st->frames = mk_frames(frames, &st->nframes);
		st->user = mk_frames(user, &st->nuser);
	}
	return st;
}

static void fx_value(struct obs_stop *st, const char *name, int64_t v, const char *error)
{
	if (!st->values)
		st->values = xcalloc(32, sizeof(*st->values));
	struct obs_value *ov = &st->values[st->nvalues++];
	ov->name = xstrdup(name);
	ov->value = v;
	ov->ok = !error;
	ov->error = error ? xstrdup(error) : NULL;
}

static void fx_release(struct fixture *fx)
{
	match_result_release(&fx->res);
	obs_run_release(&fx->run);
	scenario_release(&fx->sc);
}

/*
 * The status of a one-stop scenario whose frames block is pattern (lines separated by
 * ';') against captured frames (mk_frames syntax) on kernel kver.
 */
static enum match_status frames_status(const char *pattern, const char *captured, const char *kver)
{
	struct fixture fx;
	struct strbuf text = STRBUF_INIT;
	strbuf_addstr(&text, "program p\nstop f\n  frames\n");
	for (const char *p = pattern; p && *p;) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		strbuf_addstr(&text, "    ");
		strbuf_add(&text, p, n);
		strbuf_addch(&text, '\n');
		p = end ? end + 1 : NULL;
	}
	fx_parse(&fx, "t.scn", text.buf);
	fx_stop(&fx, 1, captured, "");
	enum match_status s = match_run(&fx.res, &fx.sc, &fx.run, kver);
	EXPECT_EQ(s, fx.res.stops[0].frames.status);
	fx_release(&fx);
	strbuf_release(&text);
	return s;
}

#define EXPECT_FRAMES(pattern, captured, want)                                     \
	CHECK_(frames_status(pattern, captured, NULL) == (want), 0,                \
	       "pattern \"%s\" against \"%s\" should %s", pattern, captured,      \
	       (want) == MATCH_PASS ? "pass" : "fail")

TEST(match_file_suffix_boundary)
{
	const char *f = "/build/linux-6.12/arch/x86/entry/common.c";
	EXPECT_TRUE(match_file_suffix(f, "common.c"));
	EXPECT_TRUE(match_file_suffix(f, "entry/common.c"));
	EXPECT_TRUE(match_file_suffix(f, "arch/x86/entry/common.c"));
	EXPECT_TRUE(match_file_suffix(f, f));
	EXPECT_TRUE(match_file_suffix(f, "/arch/x86/entry/common.c"));
	EXPECT_TRUE(match_file_suffix(f, ""));
	EXPECT_TRUE(!match_file_suffix(f, "mon.c"));
	EXPECT_TRUE(!match_file_suffix(f, "ry/common.c"));
	EXPECT_TRUE(!match_file_suffix(f, "x86/entry/common.h"));
	EXPECT_TRUE(!match_file_suffix("common.c", "entry/common.c"));
	EXPECT_TRUE(match_file_suffix("arch/x86/entry/common.c", "arch/x86/entry/common.c"));
}

TEST(match_frame_fields)
{
	struct obs_frame got = { (char *)"do_syscall_64", (char *)"arch/x86/entry/common.c", 74, 0, 1 };
	struct scenario_frame e = { (char *)"do_syscall_64", NULL, 0, { "", 0, 0, -1 }, 1 };
	EXPECT_TRUE(match_frame(&e, &got));
	e.file = (char *)"entry/common.c";
	EXPECT_TRUE(match_frame(&e, &got));
	e.file = (char *)"mon.c";
	EXPECT_TRUE(!match_frame(&e, &got));
	e.file = NULL;
	e.inlined = 1;
	EXPECT_TRUE(!match_frame(&e, &got)); /* "inlined" demands an inlined frame */
	got.inlined = 1;
	EXPECT_TRUE(match_frame(&e, &got));
	e.inlined = 0;
	EXPECT_TRUE(match_frame(&e, &got)); /* no "inlined": either kind matches */
	e.func = (char *)"do_syscall_x64";
	EXPECT_TRUE(!match_frame(&e, &got));
	got.file = NULL;
	e.func = (char *)"do_syscall_64";
	e.file = (char *)"common.c";
	EXPECT_TRUE(!match_frame(&e, &got)); /* a file is expected, none is known */
	struct obs_frame unknown = { NULL, NULL, 0, 0, 0 };
	struct scenario_frame qq = { (char *)"??", NULL, 0, { "", 0, 0, -1 }, 1 };
	EXPECT_TRUE(match_frame(&qq, &unknown));
}

TEST(match_frames_anchored)
{
	EXPECT_FRAMES("a;b", "a|b", MATCH_PASS);
	EXPECT_FRAMES("a;b", "a|b|c", MATCH_FAIL); /* extra outer frame */
	EXPECT_FRAMES("a;b", "x|a|b", MATCH_FAIL); /* extra inner frame */
	EXPECT_FRAMES("a;b", "a", MATCH_FAIL);
	EXPECT_FRAMES("a;b", "", MATCH_FAIL);
	EXPECT_FRAMES("a;b", "b|a", MATCH_FAIL); /* order matters */
}

TEST(match_frames_wildcard_end)
{
	EXPECT_FRAMES("a;b;...", "a|b|c|d", MATCH_PASS);
	EXPECT_FRAMES("a;b;...", "a|b", MATCH_PASS); /* "..." may match nothing */
	EXPECT_FRAMES("a;b;...", "a|x|b", MATCH_FAIL);
	EXPECT_FRAMES("a;...", "x|a", MATCH_FAIL);
}

TEST(match_frames_wildcard_start)
{
	EXPECT_FRAMES("...;c", "a|b|c", MATCH_PASS);
	EXPECT_FRAMES("...;c", "c", MATCH_PASS);
	EXPECT_FRAMES("...;c", "a|b|c|d", MATCH_FAIL);
	EXPECT_FRAMES("...;b;c", "b|x|c", MATCH_FAIL);
}

TEST(match_frames_wildcard_middle)
{
	EXPECT_FRAMES("a;...;d", "a|b|c|d", MATCH_PASS);
	EXPECT_FRAMES("a;...;d", "a|d", MATCH_PASS);
	EXPECT_FRAMES("a;...;d", "a|b|c", MATCH_FAIL);
	EXPECT_FRAMES("a;...;d", "x|b|d", MATCH_FAIL);
	/* the wildcard must let the later literal find its frame even when it repeats */
	EXPECT_FRAMES("a;...;b", "a|b|b|b", MATCH_PASS);
	EXPECT_FRAMES("...;b;...;d;...", "a|b|c|d|e", MATCH_PASS);
	EXPECT_FRAMES("...;b;...;d;...", "a|d|c|b|e", MATCH_FAIL);
	EXPECT_FRAMES("...;...", "", MATCH_PASS);
	EXPECT_FRAMES("...", "a|b|c", MATCH_PASS);
	EXPECT_FRAMES("...", "", MATCH_PASS);
}

TEST(match_frames_optional)
{
	/* a kernel without frame pointers turns x64_sys_call's call into a jump */
	EXPECT_FRAMES("a;x optional;b", "a|x|b", MATCH_PASS);
	EXPECT_FRAMES("a;x optional;b", "a|b", MATCH_PASS);
	EXPECT_FRAMES("a;x optional;y optional;b", "a|b", MATCH_PASS);
	EXPECT_FRAMES("a;x optional;b", "a|y|b", MATCH_FAIL); /* absent, not another frame */
	EXPECT_FRAMES("a;x optional;b", "a|x|x|b", MATCH_FAIL);
	EXPECT_FRAMES("a;x optional", "a", MATCH_PASS);
	EXPECT_FRAMES("x optional", "", MATCH_PASS);
}

TEST(match_frames_file_and_inlined)
{
	const char *cap = "syscall_enter_from_user_mode@/src/linux/include/linux/entry-common.h:197!"
			  "|do_syscall_64@/src/linux/arch/x86/entry/common.c:74"
			  "|entry_SYSCALL_64@/src/linux/arch/x86/entry/entry_64.S:121";
	EXPECT_FRAMES("syscall_enter_from_user_mode include/linux/entry-common.h inlined;"
		      "do_syscall_64 arch/x86/entry/common.c;entry_SYSCALL_64 entry_64.S",
		      cap, MATCH_PASS);
	EXPECT_FRAMES("syscall_enter_from_user_mode inlined;do_syscall_64 inlined;...", cap,
		      MATCH_FAIL);
	EXPECT_FRAMES("syscall_enter_from_user_mode;do_syscall_64 mon.c;...", cap, MATCH_FAIL);
	EXPECT_FRAMES("syscall_enter_from_user_mode;do_syscall_64 x86/entry/common.c;...", cap,
		      MATCH_PASS);
}

TEST(match_frames_guards)
{
	/* on 6.12 syscall_enter_from_user_mode is inlined into do_syscall_64 */
	const char *pat = "[>= 6.9] syscall_enter_from_user_mode inlined;"
			  "[< 6.9] syscall_enter_from_user_mode;"
			  "do_syscall_64;...";
	const char *v612 = "syscall_enter_from_user_mode@e.h:197!|do_syscall_64|entry_SYSCALL_64";
	const char *v61 = "syscall_enter_from_user_mode@common.c:10|do_syscall_64|entry_SYSCALL_64";
	EXPECT_EQ(frames_status(pat, v612, "6.12.117"), MATCH_PASS);
	EXPECT_EQ(frames_status(pat, v61, "6.1.192"), MATCH_PASS);
	/* on 6.12 both guarded lines are wrong for the 6.1 stack: the inlined one fails */
	EXPECT_EQ(frames_status(pat, v61, "6.12.117"), MATCH_FAIL);
	/* an unknown version leaves every guarded line out */
	EXPECT_EQ(frames_status(pat, "do_syscall_64|entry_SYSCALL_64", "unknown"), MATCH_PASS);

	struct fixture fx;
	fx_parse(&fx, "t.scn", "program p\nstop f\n  frames\n    [>= 7.0] a\n    b\n");
	fx_stop(&fx, 1, "b", "");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_PASS); /* the run's 6.12.117 */
	EXPECT_EQ(fx.res.stops[0].frames.nguarded, 1);
	fx_release(&fx);
}

TEST(match_rows)
{
	struct fixture fx;
	fx_parse(&fx, "t.scn", "program p\nstop f\n  frames\n    a\n    b\n    ...\n    e\n    f\n");
	fx_stop(&fx, 1, "a|x|c|d|e", "");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_FAIL);
	const struct match_frames *mf = &fx.res.stops[0].frames;
	ASSERT_EQ(mf->nrows, 5);
	EXPECT_EQ(mf->rows[0].kind, MATCH_ROW_OK);
	EXPECT_EQ(mf->rows[1].kind, MATCH_ROW_DIFF); /* b expected, x got */
	EXPECT_STREQ(mf->rows[1].got->func, "x");
	EXPECT_EQ(mf->rows[1].expect->line, 5);
	EXPECT_EQ(mf->rows[2].kind, MATCH_ROW_ANY);
	EXPECT_EQ(mf->rows[2].ngot, 2);
	EXPECT_STREQ(mf->rows[2].got->func, "c");
	EXPECT_EQ(mf->rows[2].index, 2);
	EXPECT_EQ(mf->rows[3].kind, MATCH_ROW_OK);
	EXPECT_EQ(mf->rows[4].kind, MATCH_ROW_MISSING);
	EXPECT_STREQ(mf->rows[4].expect->func, "f");
	EXPECT_CONTAINS(fx.res.stops[0].diff, "t.scn:6: ...      2 frames: c, d\n");
	EXPECT_CONTAINS(fx.res.stops[0].diff, "t.scn:8: missing  f\n");
	fx_release(&fx);

	/* an unexpected extra frame is one row, the rest still lines up */
	fx_parse(&fx, "t.scn", "program p\nstop f\n  frames\n    a\n    b\n    c\n");
	fx_stop(&fx, 1, "a|z|b|c", "");
	match_run(&fx.res, &fx.sc, &fx.run, NULL);
	mf = &fx.res.stops[0].frames;
	ASSERT_EQ(mf->nrows, 4);
	EXPECT_EQ(mf->rows[1].kind, MATCH_ROW_EXTRA);
	EXPECT_TRUE(mf->rows[1].expect == NULL);
	EXPECT_EQ(mf->rows[2].kind, MATCH_ROW_OK);
	EXPECT_CONTAINS(fx.res.stops[0].diff, "            extra    z at 0xffffffff81000002\n");
	fx_release(&fx);
}

TEST(match_diff_text)
{
	struct fixture fx;
	fx_parse(&fx, "fork.scn",
		 "program fork\n"
		 "stop syscall_enter_from_user_mode syscall=clone\n"
		 "  frames\n"
		 "    syscall_enter_from_user_mode include/linux/entry-common.h\n"
		 "    do_syscall_64 arch/x86/entry/common.c\n"
		 "    entry_SYSCALL_64 arch/x86/entry/entry_64.S\n"
		 "  regs orig_ax == 56\n");
	struct obs_stop *st =
		fx_stop(&fx, 1,
			"syscall_enter_from_user_mode@include/linux/entry-common.h:197!"
			"|do_syscall_x64@arch/x86/entry/common.c:52!"
			"|entry_SYSCALL_64@arch/x86/entry/entry_64.S:121",
			"");
	fx_value(st, "orig_ax", 57, NULL);
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_FAIL);
	EXPECT_STREQ(fx.res.stops[0].reason, "frames differ; orig_ax == 56: got 57 (0x39)");
	EXPECT_STREQ(
		fx.res.stops[0].diff,
		"fork.scn:2: stop syscall_enter_from_user_mode syscall=clone: frames differ; "
		"orig_ax == 56: got 57 (0x39)\n"
		"  frames differ (innermost first):\n"
		"    fork.scn:4: ok       syscall_enter_from_user_mode at "
		"include/linux/entry-common.h:197 (inlined)\n"
		"    fork.scn:5: expected do_syscall_64 (arch/x86/entry/common.c)\n"
		"                got      do_syscall_x64 at arch/x86/entry/common.c:52 (inlined)\n"
		"    fork.scn:6: ok       entry_SYSCALL_64 at arch/x86/entry/entry_64.S:121\n"
		"  checks differ:\n"
		"    fork.scn:7: expected orig_ax == 56\n"
		"                got      orig_ax = 57 (0x39)\n");
	EXPECT_STREQ(fx.res.reason, "stop syscall_enter_from_user_mode syscall=clone: frames "
				    "differ; orig_ax == 56: got 57 (0x39)");
	fx_release(&fx);
}

TEST(match_user_frames)
{
	struct fixture fx;
	fx_parse(&fx, "t.scn",
		 "program p\n"
		 "stop user _Fork\n  frames\n    _Fork\n    fork\n    main fork.c\n"
		 "stop do_syscall_64\n  user\n    _Fork\n    fork\n    main fork.c\n");
	fx_stop(&fx, 1, "_Fork|fork|main@/src/fork.c:7", "");
	fx_stop(&fx, 1, "do_syscall_64", "_Fork|fork|main@/src/other.c:7");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_FAIL);
	EXPECT_EQ(fx.res.stops[0].status, MATCH_PASS);
	EXPECT_TRUE(fx.res.stops[0].diff == NULL && fx.res.stops[0].reason == NULL);
	EXPECT_STREQ(fx.res.stops[0].title, "user _Fork");
	EXPECT_EQ(fx.res.stops[1].status, MATCH_FAIL);
	EXPECT_EQ(fx.res.stops[1].frames.checked, 0);
	EXPECT_EQ(fx.res.stops[1].user.status, MATCH_FAIL);
	EXPECT_STREQ(fx.res.stops[1].reason, "user frames differ");
	EXPECT_CONTAINS(fx.res.stops[1].diff, "  user frames differ (innermost first):\n");
	EXPECT_CONTAINS(fx.res.stops[1].diff, "    t.scn:11: expected main (fork.c)\n"
					      "              got      main at /src/other.c:7\n");
	fx_release(&fx);
}

TEST(match_never_reached)
{
	struct fixture fx;
	fx_parse(&fx, "t.scn", "program p\nstop a\n  regs di == 1\n  frames\n    a\nstop b\n");
	fx_stop(&fx, 0, NULL, NULL);
	fx_stop(&fx, 1, "b|c", "");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_FAIL);
	const struct match_stop *ms = &fx.res.stops[0];
	EXPECT_EQ(ms->status, MATCH_FAIL);
	EXPECT_STREQ(ms->reason, "never reached");
	EXPECT_STREQ(ms->diff, "t.scn:2: stop a: never reached\n");
	EXPECT_EQ(ms->checks[0].status, MATCH_SKIP);
	EXPECT_STREQ(ms->checks[0].message, "the stop was never reached");
	EXPECT_EQ(ms->frames.checked, 0);
	EXPECT_EQ(fx.res.stops[1].status, MATCH_PASS);
	EXPECT_STREQ(fx.res.reason, "stop a: never reached");
	EXPECT_EQ(fx.res.counts.stops[MATCH_FAIL], 1);
	EXPECT_EQ(fx.res.counts.stops[MATCH_PASS], 1);
	EXPECT_EQ(fx.res.counts.checks[MATCH_SKIP], 2); /* the check and the frames block */
	fx_release(&fx);
}

/* One check of "regs CHECK" against a captured value. */
static enum match_status check_status(const char *check, const char *name, int64_t v)
{
	struct fixture fx;
	char *text = xstrfmt("program p\nstop f finish\n  regs %s\n", check);
	fx_parse(&fx, "t.scn", text);
	fx_value(fx_stop(&fx, 1, "f", ""), name, v, NULL);
	enum match_status s = match_run(&fx.res, &fx.sc, &fx.run, NULL);
	EXPECT_EQ(fx.res.stops[0].checks[0].status, s);
	fx_release(&fx);
	free(text);
	return s;
}

TEST(match_check_operators)
{
	static const struct {
		const char *check, *name;
		int64_t value;
		enum match_status want;
	} cases[] = {
		{ "orig_ax == 56", "orig_ax", 56, MATCH_PASS },
		{ "orig_ax == 56", "orig_ax", 57, MATCH_FAIL },
		{ "orig_ax != 56", "orig_ax", 57, MATCH_PASS },
		{ "orig_ax != 56", "orig_ax", 56, MATCH_FAIL },
		{ "di < 10", "di", 9, MATCH_PASS },
		{ "di < 10", "di", 10, MATCH_FAIL },
		{ "di <= 10", "di", 10, MATCH_PASS },
		{ "di <= 10", "di", 11, MATCH_FAIL },
		{ "di > 10", "di", 11, MATCH_PASS },
		{ "di > 10", "di", 10, MATCH_FAIL },
		{ "di >= 10", "di", 10, MATCH_PASS },
		{ "di >= 10", "di", 9, MATCH_FAIL },
		/* unsigned by default: a kernel address is not below a user one */
		{ "ip < 0x800000000000", "ip", (int64_t)0xffffffff81000000ull, MATCH_FAIL },
		{ "ip >= 0xffffffff80000000", "ip", (int64_t)0xffffffff81400040ull, MATCH_PASS },
		/* signed when the value is written negative, and for ret */
		{ "ax < -1", "ax", -2, MATCH_PASS },
		{ "ret < 0", "ret", -2, MATCH_PASS },
		{ "ret >= 0", "ret", -2, MATCH_FAIL },
		{ "ret == -ENOENT", "ret", -2, MATCH_PASS },
		{ "ax == -ENOSYS", "ax", -38, MATCH_PASS },
		{ "$rax == 0xffffffffffffffda", "$rax", -38, MATCH_PASS },
		{ "$rax == -1", "$rax", (int64_t)UINT64_MAX, MATCH_PASS },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_(check_status(cases[i].check, cases[i].name, cases[i].value) == cases[i].want,
		       0, "%s with %s = %lld", cases[i].check, cases[i].name,
		       (long long)cases[i].value);
}

TEST(match_check_unreadable)
{
	struct fixture fx;
	fx_parse(&fx, "t.scn", "program p\nstop f\n  regs di == 1 si == 2 dx == 3\n");
	struct obs_stop *st = fx_stop(&fx, 1, "f", "");
	fx_value(st, "di", 1, NULL);
	fx_value(st, "si", 0, "No symbol \"regs\" in current context.");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_FAIL);
	const struct match_stop *ms = &fx.res.stops[0];
	EXPECT_EQ(ms->checks[0].status, MATCH_PASS);
	EXPECT_TRUE(ms->checks[0].message == NULL);
	EXPECT_EQ(ms->checks[1].status, MATCH_FAIL);
	EXPECT_STREQ(ms->checks[1].message,
		     "si == 2: could not read si: No symbol \"regs\" in current context.");
	EXPECT_EQ(ms->checks[2].status, MATCH_FAIL);
	EXPECT_TRUE(ms->checks[2].got == NULL);
	EXPECT_STREQ(ms->checks[2].message, "dx == 3: dx was not captured");
	EXPECT_STREQ(ms->reason,
		     "si == 2: could not read si: No symbol \"regs\" in current context. (and 1 "
		     "more check)");
	EXPECT_CONTAINS(ms->diff, "got      (unreadable: No symbol \"regs\" in current context.)\n");
	EXPECT_CONTAINS(ms->diff, "got      (not captured)\n");
	EXPECT_EQ(fx.res.counts.checks[MATCH_PASS], 1);
	EXPECT_EQ(fx.res.counts.checks[MATCH_FAIL], 2);
	fx_release(&fx);
}

TEST(match_check_guard)
{
	struct fixture fx;
	fx_parse(&fx, "t.scn", "program p\nstop f\n  [>= 7.0] regs di == 1\n  regs si == 2\n");
	struct obs_stop *st = fx_stop(&fx, 1, "f", "");
	fx_value(st, "si", 2, NULL);
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_PASS);
	EXPECT_EQ(fx.res.stops[0].checks[0].status, MATCH_SKIP);
	EXPECT_STREQ(fx.res.stops[0].checks[0].message,
		     "version guard [>= 7.0] does not hold for kernel 6.12.117");
	EXPECT_EQ(fx.res.stops[0].checks[1].status, MATCH_PASS);
	fx_release(&fx);
}

TEST(match_lstar)
{
	struct fixture fx;
	fx_parse(&fx, "t.scn", "program p\nlstar entry_SYSCALL_64\n");
	fx.run.lstar_symbol = xstrdup("entry_SYSCALL_64+0");
	fx.run.lstar_value = 0xffffffff81400040ull;
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_PASS);
	EXPECT_EQ(fx.res.lstar_checked, 1);
	EXPECT_EQ(fx.res.counts.checks[MATCH_PASS], 1);
	match_result_release(&fx.res);

	free(fx.run.lstar_symbol);
	fx.run.lstar_symbol = xstrdup("entry_SYSCALL_64_safe_stack");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_FAIL);
	EXPECT_EQ(fx.res.lstar_status, MATCH_FAIL);
	EXPECT_STREQ(fx.res.reason, "MSR_LSTAR is entry_SYSCALL_64_safe_stack, expected "
				    "entry_SYSCALL_64");
	EXPECT_STREQ(fx.res.lstar_diff,
		     "t.scn:2: expected lstar entry_SYSCALL_64\n"
		     "         got      MSR_LSTAR = 0xffffffff81400040 = entry_SYSCALL_64_safe_stack\n");
	match_result_release(&fx.res);

	free(fx.run.lstar_symbol);
	fx.run.lstar_symbol = NULL;
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_FAIL);
	EXPECT_CONTAINS(fx.res.lstar_diff, "got      (MSR_LSTAR was not read)\n");
	fx_release(&fx);

	/* a guarded-out lstar, and nothing else: skipped */
	fx_parse(&fx, "t.scn", "program p\n[< 6.0] lstar entry_SYSCALL_64\n");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_SKIP);
	EXPECT_EQ(fx.res.lstar_checked, 0);
	fx_release(&fx);
}

TEST(match_errors)
{
	struct fixture fx;
	/* an infrastructure failure: the run is an error; stops it reached still count */
	fx_parse(&fx, "t.scn", "program p\nstop a\nstop b\n");
	fx_stop(&fx, 1, "a", "");
	fx_stop(&fx, 0, NULL, NULL);
	fx.run.error = xstrdup("QEMU exited with status 1");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_ERROR);
	EXPECT_STREQ(fx.res.reason, "QEMU exited with status 1");
	EXPECT_EQ(fx.res.stops[0].status, MATCH_PASS);
	EXPECT_EQ(fx.res.stops[1].status, MATCH_ERROR);
	EXPECT_STREQ(fx.res.stops[1].reason, "not reached: the run failed");
	fx_release(&fx);

	/* the reason is the error's first line; the console tail below it is not pasted in */
	fx_parse(&fx, "t.scn", "program p\nstop a\n");
	fx_stop(&fx, 0, NULL, NULL);
	fx.run.error = xstrdup("the guest or gdb did not start\nlast lines of the guest console:\n  | x\n");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_ERROR);
	EXPECT_STREQ(fx.res.reason, "the guest or gdb did not start");
	fx_release(&fx);

	/* a stop that could not be captured, and a stop the run has no record of */
	fx_parse(&fx, "t.scn", "program p\nstop a\nstop b\n");
	struct obs_stop *st = fx_stop(&fx, 1, "a", "");
	st->error = xstrdup("-stack-list-frames timed out");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_ERROR);
	EXPECT_STREQ(fx.res.stops[0].reason, "capture failed: -stack-list-frames timed out");
	EXPECT_STREQ(fx.res.stops[1].reason, "no observation for this stop");
	EXPECT_STREQ(fx.res.reason, "stop a: capture failed: -stack-list-frames timed out; 1 more "
				    "stop did not pass");
	EXPECT_EQ(fx.res.counts.stops[MATCH_ERROR], 2);
	fx_release(&fx);

	/* no run at all */
	fx_parse(&fx, "t.scn", "program p\nstop a\n");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, NULL, NULL), MATCH_ERROR);
	fx_release(&fx);
}

TEST(match_skips)
{
	struct fixture fx;
	/* a scenario guard */
	fx_parse(&fx, "t.scn", "[>= 6.13] scenario new\nprogram p\nstop a\n");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_SKIP);
	EXPECT_STREQ(fx.res.reason, "needs kernel [>= 6.13], this is 6.12.117");
	EXPECT_EQ(fx.res.nstops, 0);
	fx_release(&fx);

	/* a stop guard: that stop is skipped, the others count */
	fx_parse(&fx, "t.scn", "program p\n[< 6.9] stop old\n  regs di == 1\nstop a\n");
	fx_stop(&fx, 0, NULL, NULL);
	fx_stop(&fx, 1, "a", "");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_PASS);
	EXPECT_EQ(fx.res.stops[0].status, MATCH_SKIP);
	EXPECT_STREQ(fx.res.stops[0].reason, "version guard [< 6.9] does not hold for kernel "
					     "6.12.117");
	EXPECT_EQ(fx.res.stops[0].checks[0].status, MATCH_SKIP);
	EXPECT_TRUE(fx.res.stops[0].diff == NULL);
	match_result_release(&fx.res);
	/* on 6.1 it applies (and was never reached) */
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, "6.1.192"), MATCH_FAIL);
	EXPECT_STREQ(fx.res.kernel_version, "6.1.192");
	fx_release(&fx);

	/* every stop guarded out: nothing was checked */
	fx_parse(&fx, "t.scn", "program p\n[< 6.9] stop old\n");
	fx_stop(&fx, 0, NULL, NULL);
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_SKIP);
	EXPECT_STREQ(fx.res.reason, "every expectation is left out by version guards for kernel "
				    "6.12.117");
	fx_release(&fx);

	/* a scenario with nothing to check passes when its program ran */
	fx_parse(&fx, "t.scn", "program p\n");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_PASS);
	match_result_release(&fx.res);

	match_skip(&fx.res, &fx.sc, "no KVM and --no-tcg");
	EXPECT_EQ(fx.res.status, MATCH_SKIP);
	EXPECT_STREQ(fx.res.reason, "no KVM and --no-tcg");
	EXPECT_TRUE(fx.res.run == NULL);
	fx_release(&fx);
}

TEST(match_status_names)
{
	EXPECT_STREQ(match_status_name(MATCH_PASS), "pass");
	EXPECT_STREQ(match_status_name(MATCH_FAIL), "fail");
	EXPECT_STREQ(match_status_name(MATCH_ERROR), "error");
	EXPECT_STREQ(match_status_name(MATCH_SKIP), "skip");
}

TEST(match_format_helpers)
{
	struct strbuf sb = STRBUF_INIT;
	static const struct {
		int64_t v;
		const char *want;
	} vals[] = {
		{ 0, "0" },
		{ 9, "9" },
		{ 56, "56 (0x38)" },
		{ -2, "-2 (-ENOENT)" },
		{ -38, "-38 (-ENOSYS)" },
		{ -1, "-1 (-EPERM)" },
		{ -5000, "-5000 (0xffffffffffffec78)" },
		{ (int64_t)0xffffffff81400040ull, "0xffffffff81400040" },
		{ 0x401615, "0x401615" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(vals); i++) {
		strbuf_reset(&sb);
		match_format_value(&sb, vals[i].v);
		EXPECT_STREQ(sb.buf, vals[i].want);
	}
	struct obs_frame f = { (char *)"kernel_clone", (char *)"kernel/fork.c", 2804, 0, 0x10 };
	strbuf_reset(&sb);
	match_format_frame(&sb, &f);
	EXPECT_STREQ(sb.buf, "kernel_clone at kernel/fork.c:2804");
	f.file = NULL;
	f.inlined = 1;
	strbuf_reset(&sb);
	match_format_frame(&sb, &f);
	EXPECT_STREQ(sb.buf, "kernel_clone at 0x10 (inlined)");
	struct scenario_frame e = { NULL, NULL, 0, { "", 0, 0, -1 }, 3 };
	strbuf_reset(&sb);
	match_format_expected(&sb, &e);
	EXPECT_STREQ(sb.buf, "...");
	e.func = (char *)"f";
	e.file = (char *)"f.c";
	e.inlined = 1;
	strbuf_reset(&sb);
	match_format_expected(&sb, &e);
	EXPECT_STREQ(sb.buf, "f (f.c) inlined");
	strbuf_release(&sb);
}

TEST(match_counts_all)
{
	struct fixture fx;
	fx_parse(&fx, "t.scn",
		 "program p\nlstar entry_SYSCALL_64\n"
		 "stop a\n  frames\n    a\n  user\n    u\n  regs di == 1 si == 2\n"
		 "stop b\n  frames\n    b\n");
	fx.run.lstar_symbol = xstrdup("entry_SYSCALL_64");
	struct obs_stop *st = fx_stop(&fx, 1, "a", "u");
	fx_value(st, "di", 1, NULL);
	fx_value(st, "si", 3, NULL);
	fx_stop(&fx, 1, "c", "");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_FAIL);
	EXPECT_EQ(fx.res.counts.stops[MATCH_PASS], 0);
	EXPECT_EQ(fx.res.counts.stops[MATCH_FAIL], 2);
	/* lstar, a's frames, a's user, di, b's frames pass... no: b's frames fail */
	EXPECT_EQ(fx.res.counts.checks[MATCH_PASS], 4);
	EXPECT_EQ(fx.res.counts.checks[MATCH_FAIL], 2);
	fx_release(&fx);
}

TEST(match_never_stops)
{
	/* Unreached: it passes. Reached: it fails and shows where. A failed run proves
	 * nothing either way. */
	struct fixture fx;
	fx_parse(&fx, "t.scn", "program p\nstop a never\nstop b never\nstop c\n");
	fx_stop(&fx, 0, NULL, NULL);
	struct obs_stop *hit = fx_stop(&fx, 1, "b|c", "");
	free(hit->frames[0].file);
	hit->frames[0].file = xstrdup("kernel/b.c");
	hit->frames[0].line = 12;
	fx_stop(&fx, 1, "c", "");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_FAIL);
	EXPECT_EQ(fx.res.stops[0].status, MATCH_PASS);
	EXPECT_STREQ(fx.res.stops[0].title, "a never");
	EXPECT_TRUE(fx.res.stops[0].reason == NULL);
	const struct match_stop *ms = &fx.res.stops[1];
	EXPECT_EQ(ms->status, MATCH_FAIL);
	EXPECT_STREQ(ms->reason, "reached, but the scenario says it never is");
	EXPECT_STREQ(ms->diff, "t.scn:3: stop b never: reached, but the scenario says it never "
			       "is, at:\n  #0  b at kernel/b.c:12\n  #1  c\n");
	EXPECT_EQ(fx.res.stops[2].status, MATCH_PASS);
	fx_release(&fx);

	fx_parse(&fx, "t.scn", "program p\nstop a never\n");
	fx_stop(&fx, 0, NULL, NULL);
	fx.run.error = xstrdup("QEMU died");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_ERROR);
	EXPECT_EQ(fx.res.stops[0].status, MATCH_ERROR);
	fx_release(&fx);
}
