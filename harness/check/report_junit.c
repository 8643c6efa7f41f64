/*
 * report_junit: the JUnit XML report, for CI dashboards (Jenkins xunit's schema): a suite
 * a scenario, a case a stop, a case for each expectation on the program (exit, output,
 * each of its TAP tests by path), the program's output as the suite's system-out.
 * Every name is one Jenkins reads as written: it splits a classname at its last dot
 * into package and class ("fork@6.12.118" would be package "fork@6.12", class "118"), so
 * a suite's name and its cases' classname are the test's name with each '.' as '_'
 * ("fork@6_12_118"); the release as the kernel gave it is the suite's kernel_version
 * property. Nothing here is outside Jenkins xunit's junit-10.xsd (no "skipped" on
 * <testsuites>). Part of report (report.h, the private report_int.h).
 */
#include "report_int.h"
#include "json.h"
#include "sha256.h"
#include "timeutil.h"
#include "wrapper.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- JUnit XML ---- */

static void xml_attr(struct strbuf *sb, const char *name, const char *value)
{
	strbuf_addf(sb, " %s=\"", name);
	report_esc(sb, value, ESC_XML_ATTR);
	strbuf_addch(sb, '"');
}

static void xml_secs(struct strbuf *sb, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	strbuf_addf(sb, " time=\"%lld.%03lld\"", (long long)(ms / 1000), (long long)(ms % 1000));
}

/* One testcase: classname, name (two parts), the outcome and its text. */
static void junit_case(struct strbuf *sb, const char *cls, const char *name, const char *name2,
		       int64_t ms, enum match_status s, const char *message, const char *text,
		       size_t tally[MATCH_NSTATUS])
{
	struct strbuf full = STRBUF_INIT;
	strbuf_addstr(&full, name);
	if (name2)
		strbuf_addstr(&full, name2);
	strbuf_addstr(sb, "    <testcase");
	xml_attr(sb, "classname", cls);
	xml_attr(sb, "name", full.buf);
	xml_secs(sb, ms);
	tally[s]++;
	strbuf_release(&full);
	if (s == MATCH_PASS) {
		strbuf_addstr(sb, "/>\n");
		return;
	}
	strbuf_addstr(sb, ">\n      ");
	if (s == MATCH_SKIP) {
		strbuf_addstr(sb, "<skipped");
		xml_attr(sb, "message", message ? message : "skipped");
		strbuf_addstr(sb, "/>\n");
	} else {
		const char *tag = s == MATCH_FAIL ? "failure" : "error";
		strbuf_addf(sb, "<%s", tag);
		xml_attr(sb, "message", message ? message : tag);
		xml_attr(sb, "type", s == MATCH_FAIL ? "mismatch" : "infrastructure");
		if (text) {
			strbuf_addch(sb, '>');
			report_esc(sb, text, ESC_XML);
			strbuf_addf(sb, "</%s>\n", tag);
		} else {
			strbuf_addstr(sb, "/>\n");
		}
	}
	strbuf_addstr(sb, "    </testcase>\n");
}

/* A test case for each of the program's TAP tests (subtests included), by its path. */
static void junit_tap(struct strbuf *cases, const char *cls, const struct tap_test *t, size_t n,
		      struct strbuf *path, size_t tally[MATCH_NSTATUS])
{
	static const enum match_status st[] = { [TAP_PASS] = MATCH_PASS, [TAP_FAIL] = MATCH_FAIL,
						[TAP_SKIP] = MATCH_SKIP };
	size_t len = path->len;
	for (size_t i = 0; i < n; i++) {
		strbuf_setlen(path, len);
		strbuf_addstr(path, len ? " / " : "tap ");
		strbuf_addstr(path, t[i].name);
		junit_tap(cases, cls, t[i].subtests, t[i].nsubtests, path, tally);
		const char *msg = t[i].missing ? "never reported" :
				  t[i].status == TAP_FAIL && !t[i].ok ? "not ok" :
				  t[i].status == TAP_FAIL ? "a subtest failed" : t[i].reason;
		junit_case(cases, cls, path->buf, NULL, -1, st[t[i].status], msg, NULL, tally);
	}
	strbuf_setlen(path, len);
}

/* The program's expectations as test cases: exit, each output line, its TAP tests. */
static void junit_program(struct strbuf *cases, const char *cls, const struct match_program *mp,
			  size_t tally[MATCH_NSTATUS])
{
	struct strbuf sb = STRBUF_INIT;
	if (!mp->judged)
		return;
	if (mp->exit_expected >= 0) {
		strbuf_addf(&sb, "exit %d", mp->exit_expected);
		junit_case(cases, cls, sb.buf, NULL, -1, mp->exit_result,
			   mp->exit_result == MATCH_FAIL ? mp->reason : NULL, NULL, tally);
	}
	for (size_t i = 0; i < mp->noutputs; i++) {
		const struct scenario_output *o = mp->outputs[i].expect;
		junit_case(cases, cls, o->negate ? "output lacks " : "output contains ", o->text, -1,
			   mp->outputs[i].status, NULL, NULL, tally);
	}
	if (mp->has_tap) {
		strbuf_reset(&sb);
		junit_tap(cases, cls, mp->tap.tests, mp->tap.ntests, &sb, tally);
		if (mp->tap_result == MATCH_FAIL && (!mp->tap.found || mp->tap.bailed))
			junit_case(cases, cls, "tap", NULL, -1, MATCH_FAIL, "no TAP, or Bail out!",
				   NULL, tally);
	}
	strbuf_release(&sb);
}

/* The test's name (report_test_name()) without a dot: "fork@6_12_118". */
static void junit_name(const struct match_result *res, struct strbuf *sb)
{
	report_test_name(res, sb);
	for (size_t i = 0; i < sb->len; i++)
		if (sb->buf[i] == '.')
			sb->buf[i] = '_';
}

static void junit_begin(struct report *r)
{
	strbuf_init(&r->body, 0);
}

static void junit_scenario(struct report *r, const struct match_result *res)
{
	const struct scenario *sc = res->sc;
	struct strbuf cases = STRBUF_INIT;
	size_t tally[MATCH_NSTATUS] = { 0 };
	struct strbuf name = STRBUF_INIT;
	junit_name(res, &name);

	if (res->lstar_checked)
		junit_case(&cases, name.buf, "lstar ", sc->lstar, 0, res->lstar_status,
			   res->lstar_status == MATCH_PASS ? NULL : "MSR_LSTAR differs", res->lstar_diff,
			   tally);
	for (size_t i = 0; i < res->nstops; i++) {
		const struct match_stop *ms = &res->stops[i];
		junit_case(&cases, name.buf, "stop ", ms->title, report_stop_ms(res, i), ms->status,
			   ms->reason, ms->diff, tally);
	}
	junit_program(&cases, name.buf, &res->program, tally);
	if (!res->lstar_checked && !res->nstops && !res->program.judged)
		junit_case(&cases, name.buf, "scenario", NULL, report_scenario_ms(res), res->status,
			   res->reason, res->reason, tally);
	else if (res->status == MATCH_ERROR && res->run && res->run->error)
		junit_case(&cases, name.buf, "run", NULL, 0, MATCH_ERROR, res->run->error,
			   res->run->error, tally);

	size_t ntests = tally[0] + tally[1] + tally[2] + tally[3];
	strbuf_addstr(&r->body, "  <testsuite");
	xml_attr(&r->body, "name", name.buf);
	strbuf_addf(&r->body, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"",
		    ntests, tally[MATCH_FAIL], tally[MATCH_ERROR], tally[MATCH_SKIP]);
	xml_secs(&r->body, report_scenario_ms(res));
	xml_attr(&r->body, "file", sc->file);
	strbuf_addstr(&r->body, ">\n    <properties>\n");
	strbuf_addstr(&r->body, "      <property");
	xml_attr(&r->body, "name", "result");
	xml_attr(&r->body, "value", match_status_name(res->status));
	strbuf_addstr(&r->body, "/>\n");
	if (res->kernel_version) {
		strbuf_addstr(&r->body, "      <property");
		xml_attr(&r->body, "name", "kernel_version");
		xml_attr(&r->body, "value", res->kernel_version);
		strbuf_addstr(&r->body, "/>\n");
	}
	strbuf_addstr(&r->body, "    </properties>\n");
	strbuf_addstr(&r->body, cases.buf);
	if (res->run && res->run->program_output) {
		strbuf_addstr(&r->body, "    <system-out>");
		report_esc(&r->body, res->run->program_output, ESC_XML);
		strbuf_addstr(&r->body, "</system-out>\n");
	}
	strbuf_addstr(&r->body, "  </testsuite>\n");
	strbuf_release(&cases);
	for (int s = 0; s < MATCH_NSTATUS; s++)
		r->cases[s] += tally[s];
	strbuf_release(&name);
}

static void junit_end(struct report *r, const struct report_timings *t)
{
	strbuf_addstr(r->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	xml_attr(r->out, "name", "kdive");
	/* no "skipped" here: Jenkins's JUnit schema has it on a testsuite only */
	strbuf_addf(r->out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\"",
		    r->cases[0] + r->cases[1] + r->cases[2] + r->cases[3], r->cases[MATCH_FAIL],
		    r->cases[MATCH_ERROR]);
	xml_secs(r->out, t && t->total_ms >= 0 ? t->total_ms : r->scenarios_ms);
	strbuf_addstr(r->out, ">\n");
	strbuf_addstr(r->out, r->body.buf);
	strbuf_addstr(r->out, "</testsuites>\n");
}

const struct report_ops report_junit_ops = { "junit", junit_begin, junit_scenario, junit_end };
