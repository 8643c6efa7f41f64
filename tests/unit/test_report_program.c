/*
 * Unit tests of every report format with the verdict on the program (exit status,
 * output, nested TAP) and without it. With KDIVE_UNIT_REPORTS=DIR the reports are also
 * written there (program.json, program.ktap, program.xml, program.kcidb), for the
 * validators: tests/tools/result-check, kunit.py parse, xmllint --schema, kcidb-check.
 */
#include "report.h"
#include "test.h"
#include "strbuf.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NRES 5

struct pset {
	struct scenario sc[NRES];
	struct obs_run run[NRES];
	struct match_result res[NRES];
};

static void add(struct pset *p, int i, const char *file, const char *text, int status,
		const char *output)
{
	struct strbuf err = STRBUF_INIT;
	CHECK_(scenario_parse(&p->sc[i], file, text, &err) == 0, 1, "bad fixture:\n%s", err.buf);
	strbuf_release(&err);
	memset(&p->run[i], 0, sizeof(p->run[i]));
	p->run[i].kernel_version = xstrdup("6.12.117");
	p->run[i].program_status = status;
	p->run[i].kaslr_slot = -1;
	p->run[i].total_ms = 1500;
	p->run[i].stops = xcalloc(p->sc[i].nstops + 1, sizeof(*p->run[i].stops));
	p->run[i].nstops = p->sc[i].nstops;
	if (output)
		obs_output_set(&p->run[i], output, strlen(output));
	match_run(&p->res[i], &p->sc[i], &p->run[i], NULL);
	static const struct obs_kernel k = { "6.12", "6.12.117", "linux-source-6.12", NULL };
	p->res[i].kernel = &k;
}

static void pset_init(struct pset *p)
{
	add(p, 0, "mine/ok.scn", "scenario ok\nprogram ./ok.c\nexit 0\noutput contains done\n", 0,
	    "working\r\ndone\r\n");
	add(p, 1, "mine/tap.scn", "scenario kself\nprogram ./t.c\ntap\n", 0,
	    "KTAP version 1\n1..2\n  KTAP version 1\n  # Subtest: suite\n  1..2\n"
	    "  ok 1 first # a # in a name\n  ok 2 second # SKIP no <device> & such\n"
	    "ok 1 suite\nok 2 plain\n");
	add(p, 2, "mine/bad.scn", "scenario bad\nprogram ./bad.c\nexit 0\noutput lacks BUG\ntap\n",
	    139, "TAP version 14\n1..3\n# Subtest: grp\n    1..2\n    ok 1 - a\n"
	    "    not ok 2 - b\nnot ok 1 - grp\nok 2 - grp\nBUG: oops\n");
	add(p, 3, "mine/never.scn", "scenario never\nprogram p\nexit 0\n", -1, NULL);
	add(p, 4, "mine/plain.scn", "scenario plain\nprogram fork\n", 0, NULL);
}

static void pset_release(struct pset *p)
{
	for (int i = 0; i < NRES; i++) {
		match_result_release(&p->res[i]);
		obs_run_release(&p->run[i]);
		scenario_release(&p->sc[i]);
	}
}

static int exit_code(const size_t c[MATCH_NSTATUS])
{
	return c[MATCH_ERROR] ? 3 : c[MATCH_FAIL] ? 1 : c[MATCH_PASS] ? 0 : 4;
}

/* The report in fmt, kept in KDIVE_UNIT_REPORTS when it is set. */
static char *write_report(struct pset *p, enum report_format fmt, const char *name)
{
	struct strbuf out = STRBUF_INIT;
	struct report_opts opts = { .exit_code = exit_code, .run_id = "unit" };
	struct report_timings t = { 2000, 100 };
	report_write(fmt, p->res, NRES, &t, &opts, &out);
	const char *dir = getenv("KDIVE_UNIT_REPORTS");
	if (dir && *dir) {
		char *path = xstrfmt("%s/%s", dir, name);
		FILE *f = fopen(path, "w");
		if (f) {
			fwrite(out.buf, 1, out.len, f);
			fclose(f);
		}
		free(path);
	}
	return strbuf_detach(&out, NULL);
}

TEST(report_program_verdicts)
{
	struct pset p;
	pset_init(&p);
	EXPECT_EQ(p.res[0].status, MATCH_PASS);
	EXPECT_EQ(p.res[1].status, MATCH_PASS);
	EXPECT_EQ(p.res[2].status, MATCH_FAIL);
	EXPECT_STREQ(p.res[2].reason, "line 3: the program exited with status 139 (killed by signal "
				      "11), expected 0; 2 more expectations on the program failed");
	EXPECT_EQ(p.res[3].status, MATCH_FAIL);
	EXPECT_EQ(p.res[4].status, MATCH_PASS);
	pset_release(&p);
}

TEST(report_program_text)
{
	struct pset p;
	pset_init(&p);
	char *s = write_report(&p, REPORT_TEXT, "program.txt");
	EXPECT_CONTAINS(s, "PASS  ok (mine/ok.scn");
	EXPECT_CONTAINS(s, "FAIL  bad (mine/bad.scn, kernel 6.12.117, 1.5s): line 3: the program "
			   "exited with status 139 (killed by signal 11), expected 0; 2 more "
			   "expectations on the program failed\n"
			   "      FAIL  exit 0 (exited with 139)\n"
			   "      FAIL  output lacks BUG\n"
			   "      FAIL  tap: 2 passed, 3 failed, 0 skipped\n"
			   "           FAIL  grp\n"
			   "             FAIL  b\n"
			   "           FAIL  (never reported): never reported\n"
			   "             the program's output:\n"
			   "             | TAP version 14\n");
	EXPECT_CONTAINS(s, "             | BUG: oops\nFAIL  never");
	EXPECT_CONTAINS(s, "      FAIL  exit 0 (never ended)\n");
	/* a passing scenario shows nothing more without -v */
	EXPECT_CONTAINS(s, "PASS  ok (mine/ok.scn, kernel 6.12.117, 1.5s)\nPASS  kself");
	free(s);
	pset_release(&p);
}

TEST(report_program_json)
{
	struct pset p;
	pset_init(&p);
	char *s = write_report(&p, REPORT_JSON, "program.json");
	EXPECT_CONTAINS(s, "\"program_result\": {\n        \"exit_status\": 0,\n"
			   "        \"expected_exit\": 0,\n        \"exit_result\": \"pass\",\n"
			   "        \"output\": \"working\\ndone\\n\",\n"
			   "        \"output_truncated\": false,\n");
	EXPECT_CONTAINS(s, "\"text\": \"done\",\n            \"negate\": false,\n"
			   "            \"line\": 4,\n            \"result\": \"pass\"");
	EXPECT_CONTAINS(s, "\"name\": \"second\",\n");
	EXPECT_CONTAINS(s, "\"directive\": \"SKIP\",\n");
	EXPECT_CONTAINS(s, "\"reason\": \"no <device> & such\"");
	EXPECT_CONTAINS(s, "\"exit_status\": null,\n");
	EXPECT_CONTAINS(s, "\"tap_result\": null,\n        \"tap\": null,\n");
	EXPECT_CONTAINS(s, "\"name\": \"(never reported)\",\n");
	EXPECT_CONTAINS(s, "\"missing\": true,\n");
	free(s);
	pset_release(&p);
}

TEST(report_program_ktap)
{
	struct pset p;
	pset_init(&p);
	char *s = write_report(&p, REPORT_KTAP, "program.ktap");
	EXPECT_CONTAINS(s, "  KTAP version 1\n  1..1\n    KTAP version 1\n    1..2\n"
			   "      KTAP version 1\n      1..2\n      ok 1 first\n"
			   "      ok 2 second # SKIP no <device> & such\n    ok 1 suite\n"
			   "    ok 2 plain\n  ok 1 program TAP\n# exit status 0\nok 2 kself@6.12.117\n");
	EXPECT_CONTAINS(s, "  not ok 1 exit 0\n  not ok 2 output lacks BUG\n");
	EXPECT_CONTAINS(s, "    # never reported\n    not ok 3 (never reported)\n"
			   "  not ok 3 program TAP\n# exit status 139\n"
			   "# the program's output ends:\n# TAP version 14\n");
	EXPECT_CONTAINS(s, "# exit status unknown: the program never ended\n");
	free(s);
	pset_release(&p);
}

TEST(report_program_junit_and_kcidb)
{
	struct pset p;
	pset_init(&p);
	char *s = write_report(&p, REPORT_JUNIT, "program.xml");
	EXPECT_CONTAINS(s, "<testcase classname=\"bad@6_12_117\" name=\"tap grp / b\" time=\"0.000\">\n"
			   "      <failure message=\"not ok\" type=\"mismatch\"/>");
	EXPECT_CONTAINS(s, "<testcase classname=\"kself@6_12_117\" name=\"tap suite / second\" "
			   "time=\"0.000\">\n      <skipped message=\"no &lt;device&gt; &amp; "
			   "such\"/>");
	EXPECT_CONTAINS(s, "<testcase classname=\"ok@6_12_117\" name=\"exit 0\" time=\"0.000\"/>");
	EXPECT_CONTAINS(s, "<system-out>working\ndone\n</system-out>");
	free(s);
	s = write_report(&p, REPORT_KCIDB, "program.kcidb");
	EXPECT_CONTAINS(s, "\"path\":\"kdive.kself.tap.suite.second\",\"status\":\"SKIP\"");
	EXPECT_CONTAINS(s, "\"path\":\"kdive.bad.tap.grp-2\",\"status\":\"PASS\"");
	EXPECT_CONTAINS(s, "\"path\":\"kdive.bad.exit\",\"status\":\"FAIL\"");
	EXPECT_CONTAINS(s, "\"path\":\"kdive.ok.output-1\",\"status\":\"PASS\"");
	EXPECT_CONTAINS(s, "\"log_excerpt\":\"TAP version 14\\n");
	free(s);
	pset_release(&p);
}

TEST(report_program_dump_every_format)
{
	struct pset p;
	pset_init(&p);
	free(write_report(&p, REPORT_JSON, "program.json"));
	free(write_report(&p, REPORT_KTAP, "program.ktap"));
	free(write_report(&p, REPORT_JUNIT, "program.xml"));
	free(write_report(&p, REPORT_KCIDB, "program.kcidb"));
	pset_release(&p);
}
