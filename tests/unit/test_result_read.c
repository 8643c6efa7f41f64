/*
 * Unit tests of what kdive merge stands on: the shard rule (every task in exactly one
 * shard, shards balanced, I/N parsed strictly) and JSON results read back (results
 * written as JSON, read back and judged again, then written in every format: the same
 * bytes as the results themselves give).
 */
#include "cli.h"
#include "fixtures.h"
#include "report.h"
#include "result_read.h"
#include "shard.h"
#include "test.h"
#include "strbuf.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST(shard_every_task_in_one_balanced_shard)
{
	for (unsigned n = 1; n <= SHARD_MAX; n++) {
		size_t tasks = 2 * 13; /* two kernels, thirteen scenarios */
		size_t size[SHARD_MAX + 1] = { 0 };
		for (size_t t = 0; t < tasks; t++) {
			int owners = 0;
			for (unsigned i = 1; i <= n; i++) {
				struct shard s = { i, n };
				if (shard_owns(&s, t)) {
					owners++;
					size[i]++;
				}
			}
			EXPECT_EQ(owners, 1);
		}
		size_t lo = tasks, hi = 0;
		for (unsigned i = 1; i <= n; i++) {
			lo = size[i] < lo ? size[i] : lo;
			hi = size[i] > hi ? size[i] : hi;
		}
		EXPECT_TRUE(hi - lo <= 1);
	}
	struct shard all = { 0, 0 };
	EXPECT_TRUE(shard_owns(&all, 12345));
	/* the rule as documented: task t = k * n + i goes to shard t % N + 1 */
	struct shard s = { 2, 3 };
	EXPECT_TRUE(shard_owns(&s, 1) && shard_owns(&s, 4) && !shard_owns(&s, 2));
}

TEST(shard_parse_is_strict)
{
	static const char *const bad[] = { "", "1", "0/3", "4/3", "1/0", "1/65", "-1/3", "1/3x",
					   "a/3", "1//3", "1/ 3", " 1/3", "99999999999999999999/3" };
	struct shard s;
	struct strbuf err = STRBUF_INIT;
	ASSERT_EQ(shard_parse(&s, "3/64", &err), 0);
	EXPECT_EQ(s.index, 3);
	EXPECT_EQ(s.count, 64);
	ASSERT_EQ(shard_parse(&s, "1/1", &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		strbuf_reset(&err);
		EXPECT_EQ(shard_parse(&s, bad[i], &err), -1);
		EXPECT_CONTAINS(err.buf, "--shard");
	}
	strbuf_release(&err);
}

/* ---- results written, read back, written again ---- */

#define NRT 7

struct rtset {
	struct scenario sc[NRT];
	struct obs_run run[NRT];
	struct match_result res[NRT];
};

/* Every string of a kernel's identity set once: each reaches KCIDB (ids, misc). */
static const struct obs_kernel rt_k61 = {
	.name = "6.1", .version = "6.1.192", .source = "linux-source-6.1", .key = "abc",
	.source_id = "tarball sha256 5e5e", .commit = "0123abc", .package = "linux-source-6.1",
	.package_version = "6.1.192-3",
};
static const struct obs_kernel rt_k612 = { "/src/linux.tar.xz", "6.12.117", "/src/linux.tar.xz",
					   NULL };

static const struct obs_kernel rt_k613 = {
	.name = "6.13", .source = "linux-source-6.13", .key = "fed",
	.source_id = "tarball sha256 6e6e",
	.build_error = "error: make failed; last lines of the log:\n  | oops\nfull log: /k/build.log",
};

static struct obs_stop *rt_stop(struct obs_run *r, int hit, int64_t ms, const char *frames,
				const char *user)
{
	struct obs_stop *st = &r->stops[r->nstops++];
	st->hit = hit;
	st->ms = ms;
	if (hit) {
		st->frames = fixture_frames(frames, &st->nframes, 0xffffffff81000000ull);
		st->user = fixture_frames(user, &st->nuser, 0x401000);
	}
	return st;
}

static void rt_value(struct obs_stop *st, const char *name, int64_t v, const char *error)
{
	if (!st->values)
		st->values = xcalloc(8, sizeof(*st->values));
	struct obs_value *ov = &st->values[st->nvalues++];
	ov->name = xstrdup(name);
	ov->value = v;
	ov->ok = !error;
	ov->error = error ? xstrdup(error) : NULL;
}

static void rt_scenario(struct rtset *s, int i, const char *file, const char *text)
{
	struct strbuf err = STRBUF_INIT;
	CHECK_(scenario_parse(&s->sc[i], file, text, &err) == 0, 1, "bad fixture:\n%s", err.buf);
	strbuf_release(&err);
	memset(&s->run[i], 0, sizeof(s->run[i]));
	s->run[i].kernel_version = xstrdup("6.12.117");
	s->run[i].stops = xcalloc(8, sizeof(*s->run[i].stops));
	s->run[i].program_status = -1;
	s->run[i].kaslr_slot = -1;
	s->run[i].cpus = 1;
	s->run[i].total_ms = 1000 + i;
	s->run[i].boot_ms = 400 + i;
}

static void rtset_init(struct rtset *s)
{
	struct obs_stop *st;

	rt_scenario(s, 0, "scenarios/fork.scn",
		    "scenario fork\nprogram fork\nlstar entry_SYSCALL_64\n"
		    "stop user _Fork\n  frames\n    _Fork\n    ...\n"
		    "stop do_syscall_64 syscall=clone\n  say Through MSR_LSTAR.\n"
		    "  frames\n    do_syscall_64 arch/x86/entry/common.c\n    ...\n"
		    "  user\n    _Fork\n    ...\n  regs orig_ax == 56\n");
	s->run[0].lstar_symbol = xstrdup("entry_SYSCALL_64");
	s->run[0].lstar_value = 0xffffffff81400040ull;
	s->run[0].kaslr = 1;
	s->run[0].kaslr_slide = 0x1e00000;
	s->run[0].kaslr_slot = 2;
	s->run[0].restored = 1;
	s->run[0].cpus = 2;
	rt_stop(&s->run[0], 1, 300, "_Fork|fork|main@/src/fork.c:7", "");
	st = rt_stop(&s->run[0], 1, 700, "do_syscall_64@arch/x86/entry/common.c:74|entry_SYSCALL_64",
		     "_Fork|fork|main@/src/fork.c:7");
	rt_value(st, "orig_ax", 56, NULL);

	rt_scenario(s, 1, "scenarios/bad <&> \"q\".scn",
		    "scenario bad\nprogram fork\nstop do_syscall_64\n"
		    "  frames\n    do_syscall_64 arch/x86/entry/common.c\n"
		    "  regs orig_ax == 56 di == 1 ip != 0xffffffff81000000\n"
		    "stop kernel_clone\nstop never_here\n");
	st = rt_stop(&s->run[1], 1, 500, "do_syscall_x64@arch/x86/entry/common.c:52!", "");
	rt_value(st, "orig_ax", 57, NULL);
	/* (JSON holds valid UTF-8 only: bytes that are not come back as U+FFFD) */
	rt_value(st, "di", 0, "bad \x01 byte, <xml> & \"quotes\" \xc3\xa9 #hash");
	rt_value(st, "ip", (int64_t)0xffffffff81000000ull, NULL);
	rt_stop(&s->run[1], 0, 0, NULL, NULL);
	st = rt_stop(&s->run[1], 0, 0, NULL, NULL);
	st->error = xstrdup("gdb said: no symbol");

	/* an infrastructure error, the run ended before its second stop */
	rt_scenario(s, 2, "scenarios/err.scn", "scenario err\nprogram p\nstop a\nstop b\n");
	rt_stop(&s->run[2], 0, 0, NULL, NULL);
	s->run[2].error = xstrdup("QEMU exited with status 1\nconsole: <panic>");

	rt_scenario(s, 3, "mine/prog.scn",
		    "scenario prog\nprogram ./p.c\nexit 0\noutput contains done\ntap\n");
	s->run[3].program_status = 1;
	obs_output_set(&s->run[3], "TAP version 13\n1..2\nok 1 a\nnot ok 2 b\ndone\n", 39);

	/* guarded by version: the stop is skipped; and one that never ran (match_skip) */
	rt_scenario(s, 4, "scenarios/new.scn", "scenario new\nprogram p\n[>= 9.0] stop a\n");
	rt_stop(&s->run[4], 0, 0, NULL, NULL);
	rt_scenario(s, 5, "scenarios/later.scn", "[>= 9.0] scenario later\nprogram p\nstop a\n");
	/* on a kernel that did not build */
	rt_scenario(s, 6, "scenarios/getpid.scn", "scenario getpid\nprogram getpid\nstop a\n");
	s->run[6].error = xstrdup("kernel 6.13 did not build: make failed\n  | oops");

	for (int i = 0; i < NRT; i++) {
		if (i == 5)
			match_skip(&s->res[i], &s->sc[i], "guarded >= 9.0; this kernel is 6.1.192");
		else if (i == 6)
			match_error(&s->res[i], &s->sc[i], &s->run[i]);
		else
			match_run(&s->res[i], &s->sc[i], &s->run[i], i == 4 ? NULL : "6.12.117");
		s->res[i].kernel = i == 5 ? &rt_k61 : i == 6 ? &rt_k613 : &rt_k612;
	}
	EXPECT_EQ(s->res[0].status, MATCH_PASS);
	EXPECT_EQ(s->res[1].status, MATCH_ERROR);
	EXPECT_EQ(s->res[2].status, MATCH_ERROR);
	EXPECT_EQ(s->res[3].status, MATCH_FAIL);
	EXPECT_EQ(s->res[5].status, MATCH_SKIP);
}

static void rtset_release(struct rtset *s)
{
	for (int i = 0; i < NRT; i++) {
		match_result_release(&s->res[i]);
		obs_run_release(&s->run[i]);
		scenario_release(&s->sc[i]);
	}
}

static void rt_write(enum report_format fmt, const struct match_result *res, size_t n,
		     int verbose, struct strbuf *out)
{
	struct report_timings t = { 12345, 678 };
	struct report_opts o = { 0, verbose, cli_exit_code, 3, "run-1", NULL };
	strbuf_reset(out);
	report_write(fmt, res, n, &t, &o, out);
}

TEST(result_read_round_trip_in_every_format)
{
	struct rtset s;
	struct result_doc d;
	struct strbuf json = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT, err = STRBUF_INIT;
	struct match_result again[NRT];

	rtset_init(&s);
	rt_write(REPORT_JSON, s.res, NRT, 0, &json);
	ASSERT_EQ(result_doc_read(&d, json.buf, json.len, &err), 0);
	ASSERT_EQ(d.n, NRT);
	EXPECT_EQ(d.total_ms, 12345);
	EXPECT_EQ(d.build_ms, 678);
	EXPECT_EQ(d.shard_count, 0);
	memset(again, 0, sizeof(again));
	for (int i = 0; i < NRT; i++)
		CHECK_(result_in_judge(&d.res[i], &s.sc[i], &again[i], &err) == 0, 0,
		       "result %d: %s", i, err.buf);
	for (int fmt = REPORT_TEXT; fmt <= REPORT_KCIDB; fmt++)
		for (int verbose = 0; verbose < 2; verbose++) {
			rt_write((enum report_format)fmt, s.res, NRT, verbose, &a);
			rt_write((enum report_format)fmt, again, NRT, verbose, &b);
			CHECK_(!strcmp(a.buf, b.buf), 0, "%s (verbose %d) differs:\n%s\n----\n%s",
			       report_format_name((enum report_format)fmt), verbose, a.buf, b.buf);
		}
	for (int i = 0; i < NRT; i++)
		match_result_release(&again[i]);
	result_doc_release(&d);
	strbuf_release(&json);
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&err);
	rtset_release(&s);
}

TEST(result_read_says_a_changed_file_and_reads_the_plan)
{
	struct rtset s;
	struct result_doc d;
	struct strbuf json = STRBUF_INIT, plan = STRBUF_INIT, err = STRBUF_INIT;
	struct match_result again;
	struct scenario other;

	rtset_init(&s);
	static const char *const ks[] = { "6.1", "6.12" }, *const fs[] = { "a.scn", "b \"q\".scn" };
	result_plan_json(&plan, 2, 3, ks, 2, fs, 2);
	EXPECT_STREQ(plan.buf, "{\"index\":2,\"count\":3,\"kernels\":[\"6.1\",\"6.12\"],"
			       "\"files\":[\"a.scn\",\"b \\\"q\\\".scn\"]}");
	struct report_opts o = { .exit_code = cli_exit_code, .nkernels = 2, .run_id = "run-1",
				  .shard_json = plan.buf };
	report_write(REPORT_JSON, s.res, 1, NULL, &o, &json);
	ASSERT_EQ(result_doc_read(&d, json.buf, json.len, &err), 0);
	EXPECT_EQ(d.shard_index, 2);
	EXPECT_EQ(d.shard_count, 3);
	ASSERT_EQ(d.plan_files.nr, 2);
	EXPECT_STREQ(d.plan_files.v[1], "b \"q\".scn");
	EXPECT_STREQ(d.plan_kernels.v[0], "6.1");
	EXPECT_EQ(d.total_ms, -1);
	/* fork.scn's result judged against a scenario whose stop expects otherwise */
	CHECK_(scenario_parse(&other, "scenarios/fork.scn",
			      "scenario fork\nprogram fork\nlstar entry_SYSCALL_64\n"
			      "stop user _Fork\n  frames\n    main\n"
			      "stop do_syscall_64 syscall=clone\n", &err) == 0, 1, "%s", err.buf);
	EXPECT_EQ(result_in_judge(&d.res[0], &other, &again, &err), -1);
	EXPECT_CONTAINS(err.buf, "scenarios/fork.scn: judged again it is fail, the run said pass");
	match_result_release(&again);
	scenario_release(&other);
	result_doc_release(&d);

	static const char *const bad[] = { "", "[]", "{\"schema\": 2, \"scenarios\": []}",
					   "{\"schema\": 1, \"scenarios\": [{}]}" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		strbuf_reset(&err);
		EXPECT_EQ(result_doc_read(&d, bad[i], strlen(bad[i]), &err), -1);
		EXPECT_TRUE(err.len > 0);
		result_doc_release(&d);
	}
	strbuf_release(&json);
	strbuf_release(&plan);
	strbuf_release(&err);
	rtset_release(&s);
}
