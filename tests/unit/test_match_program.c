/*
 * Unit tests of the verdict on the program itself (harness/check/match_program.c):
 * exit status, output contains/lacks, TAP, and how they make the scenario's result,
 * reason and counts; stops are judged as before beside them.
 */
#include "match.h"
#include "test.h"
#include "fixtures.h"
#include "strbuf.h"
#include "wrapper.h"

#include <string.h>

struct fx {
	struct scenario sc;
	struct obs_run run;
	struct match_result res;
};

/* Parse text, and a run of it whose program ended with status printing output. */
static enum match_status judge(struct fx *fx, const char *text, int status, const char *output)
{
	struct strbuf err = STRBUF_INIT;
	memset(fx, 0, sizeof(*fx));
	int r = scenario_parse(&fx->sc, "p.scn", text, &err);
	CHECK_(r == 0, 1, "bad fixture:\n%s", err.buf);
	strbuf_release(&err);
	fx->run.kernel_version = xstrdup("6.12.117");
	fx->run.program_status = status;
	if (output)
		obs_output_set(&fx->run, output, strlen(output));
	fx->run.stops = xcalloc(fx->sc.nstops + 1, sizeof(*fx->run.stops));
	fx->run.nstops = fx->sc.nstops;
	return match_run(&fx->res, &fx->sc, &fx->run, NULL);
}

static void fx_release(struct fx *fx)
{
	match_result_release(&fx->res);
	obs_run_release(&fx->run);
	scenario_release(&fx->sc);
}

TEST(match_program_exit_status)
{
	struct fx fx;
	EXPECT_EQ(judge(&fx, "program ./r.c\nexit 0\n", 0, "hi\n"), MATCH_PASS);
	EXPECT_TRUE(fx.res.reason == NULL);
	EXPECT_EQ(fx.res.program.judged, 1);
	EXPECT_EQ(fx.res.program.exit_result, MATCH_PASS);
	EXPECT_EQ(fx.res.counts.checks[MATCH_PASS], 1);
	EXPECT_EQ(fx.res.nstops, 0);
	fx_release(&fx);

	EXPECT_EQ(judge(&fx, "program ./r.c\n\n\nexit 0\n", 1, NULL), MATCH_FAIL);
	EXPECT_STREQ(fx.res.reason, "line 4: the program exited with status 1, expected 0");
	EXPECT_EQ(fx.res.program.exit_result, MATCH_FAIL);
	EXPECT_EQ(fx.res.counts.checks[MATCH_FAIL], 1);
	fx_release(&fx);

	EXPECT_EQ(judge(&fx, "program p\nexit 3\n", -1, NULL), MATCH_FAIL);
	EXPECT_STREQ(fx.res.reason, "line 2: the program never ended (expected exit status 3)");
	fx_release(&fx);

	EXPECT_EQ(judge(&fx, "program p\nexit 0\n", 139, NULL), MATCH_FAIL);
	EXPECT_STREQ(fx.res.reason, "line 2: the program exited with status 139 (killed by signal "
				    "11), expected 0");
	fx_release(&fx);

	/* no exit line: the status is reported, not judged */
	EXPECT_EQ(judge(&fx, "program p\n", 5, NULL), MATCH_PASS);
	EXPECT_EQ(fx.res.program.judged, 0);
	EXPECT_EQ(fx.res.program.exit_status, 5);
	EXPECT_EQ(fx.res.program.exit_expected, -1);
	EXPECT_EQ(fx.res.program.exit_result, MATCH_SKIP);
	EXPECT_EQ(fx.res.counts.checks[MATCH_SKIP], 0);
	fx_release(&fx);
}

TEST(match_program_output)
{
	struct fx fx;
	EXPECT_EQ(judge(&fx, "program p\noutput contains all done\noutput lacks BUG:\n", 0,
			"starting\r\nall done\r\n"), MATCH_PASS);
	ASSERT_EQ(fx.res.program.noutputs, 2);
	EXPECT_EQ(fx.res.program.outputs[0].status, MATCH_PASS);
	EXPECT_EQ(fx.res.program.outputs[1].status, MATCH_PASS);
	EXPECT_EQ(fx.res.counts.checks[MATCH_PASS], 2);
	fx_release(&fx);

	EXPECT_EQ(judge(&fx, "program p\noutput contains all done\n", 0,
			"a long line of output that goes on and on, well past sixty bytes\n"
			"and a last line\n"), MATCH_FAIL);
	EXPECT_STREQ(fx.res.reason, "line 2: the program's output lacks 'all done'; it ends: "
				    "'...t that goes on and on, well past sixty bytes and a last line'");
	fx_release(&fx);

	EXPECT_EQ(judge(&fx, "program p\noutput contains x\n", 0, NULL), MATCH_FAIL);
	EXPECT_STREQ(fx.res.reason, "line 2: the program's output lacks 'x' (the program printed "
				    "nothing)");
	fx_release(&fx);

	EXPECT_EQ(judge(&fx, "program p\nexit 0\noutput lacks BUG: # as written\n", 1,
			"BUG: # as written\n"), MATCH_FAIL);
	EXPECT_STREQ(fx.res.reason, "line 2: the program exited with status 1, expected 0; "
				    "1 more expectation on the program failed");
	EXPECT_EQ(fx.res.program.outputs[0].status, MATCH_FAIL);
	EXPECT_EQ(fx.res.program.nfailed, 2);
	EXPECT_STREQ(fx.res.program.reason, "line 2: the program exited with status 1, expected 0");
	fx_release(&fx);
}

TEST(match_program_tap)
{
	struct fx fx;
	EXPECT_EQ(judge(&fx, "program ./t.c\ntap\n", 0,
			"TAP version 13\n1..2\nok 1 a\nok 2 b # SKIP no\n"), MATCH_PASS);
	EXPECT_EQ(fx.res.program.tap_result, MATCH_PASS);
	EXPECT_EQ(fx.res.program.tap.ntests, 2);
	fx_release(&fx);

	EXPECT_EQ(judge(&fx, "program ./t.c\ntap\n", 1,
			"KTAP version 1\n1..1\n  KTAP version 1\n  1..1\n  not ok 1 inner\n"
			"not ok 1 outer\n"), MATCH_FAIL);
	EXPECT_STREQ(fx.res.reason, "line 2: TAP test 'outer / inner' failed (not ok 1, output "
				    "line 5)");
	fx_release(&fx);

	EXPECT_EQ(judge(&fx, "program ./t.c\ntap\n", 0, "hello\n"), MATCH_FAIL);
	EXPECT_STREQ(fx.res.reason, "line 2: the program printed no TAP (no version line, plan "
				    "or test line)");
	fx_release(&fx);

	EXPECT_EQ(judge(&fx, "program ./t.c\ntap\n", 0, "1..3\nok 1\n"), MATCH_FAIL);
	EXPECT_STREQ(fx.res.reason, "line 2: TAP test '(never reported)' never reported");
	fx_release(&fx);
}

TEST(match_program_beside_stops_and_errors)
{
	struct fx fx;
	/* a stop that failed comes first in the reason; the program's failure is counted */
	EXPECT_EQ(judge(&fx, "program p\nstop f\nexit 0\n", 2, NULL), MATCH_FAIL);
	EXPECT_STREQ(fx.res.reason, "stop f: never reached; 1 more expectation on the program "
				    "failed");
	fx_release(&fx);

	/* an infrastructure error: nothing about the program is judged */
	judge(&fx, "program p\nexit 0\ntap\noutput contains x\n", -1, NULL);
	match_result_release(&fx.res);
	fx.run.error = xstrdup("QEMU died");
	EXPECT_EQ(match_run(&fx.res, &fx.sc, &fx.run, NULL), MATCH_ERROR);
	EXPECT_STREQ(fx.res.reason, "QEMU died");
	EXPECT_EQ(fx.res.program.judged, 0);
	EXPECT_EQ(fx.res.program.exit_result, MATCH_SKIP);
	EXPECT_EQ(fx.res.program.tap_result, MATCH_SKIP);
	EXPECT_EQ(fx.res.program.outputs[0].status, MATCH_SKIP);
	EXPECT_EQ(fx.res.counts.checks[MATCH_SKIP], 3);
	fx_release(&fx);

	/* a guard that skips the scenario skips the program too */
	EXPECT_EQ(judge(&fx, "[>= 9.0] scenario s\nprogram p\nexit 0\n", 1, NULL), MATCH_SKIP);
	EXPECT_EQ(fx.res.program.judged, 0);
	fx_release(&fx);

	/* match_skip() and no run */
	struct scenario sc;
	struct strbuf err = STRBUF_INIT;
	ASSERT_EQ(scenario_parse(&sc, "p.scn", "program p\nexit 0\n", &err), 0);
	struct match_result res;
	match_skip(&res, &sc, "not now");
	EXPECT_EQ(res.program.exit_expected, 0);
	EXPECT_EQ(res.program.exit_status, -1);
	match_result_release(&res);
	EXPECT_EQ(match_run(&res, &sc, NULL, NULL), MATCH_ERROR);
	EXPECT_EQ(res.program.judged, 0);
	match_result_release(&res);
	scenario_release(&sc);
	strbuf_release(&err);
}

TEST(match_output_tail_keeps_the_last_lines)
{
	struct strbuf sb = STRBUF_INIT;
	match_output_tail(&sb, "a\nb\nc\nd\n", 2);
	EXPECT_STREQ(sb.buf, "c\nd\n");
	strbuf_reset(&sb);
	match_output_tail(&sb, "a\nb", 5);
	EXPECT_STREQ(sb.buf, "a\nb");
	strbuf_reset(&sb);
	match_output_tail(&sb, NULL, 5);
	match_output_tail(&sb, "", 5);
	EXPECT_STREQ(sb.buf, "");
	char *big = xmalloc(10001);
	memset(big, 'x', 10000);
	big[10000] = '\0';
	match_output_tail(&sb, big, 5);
	EXPECT_EQ(sb.len, 4000);
	free(big);
	strbuf_release(&sb);
}
