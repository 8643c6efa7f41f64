/*
 * report_ktap: the KTAP v1 report, for kernel CI: a test a scenario, its stops and their
 * checks as subtests, and what it expects of its program (exit, output, the program's
 * own TAP nested under a "program TAP" subtest), with the exit status as a diagnostic.
 * Why a test did not pass is said twice: in its "# ERROR" or "# SKIP" directive, and as
 * "# ..." diagnostic lines just before its result line, because the kernel's kunit.py
 * parse drops a directive's text and prints a failed or errored test's diagnostics
 * ("# error: QEMU exited with status 1", then the console's last lines).
 * Part of report (report.h, the private report_int.h).
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

/* ---- KTAP v1 ---- */

static void ktap_indent(struct report *r, int level)
{
	for (int i = 0; i < level; i++)
		strbuf_addstr(r->out, "  ");
}

/* "# text" diagnostic lines at level. */
static void ktap_diag(struct report *r, int level, const char *text)
{
	const char *p = text;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, n);
		ktap_indent(r, level);
		strbuf_addstr(r->out, "# ");
		report_esc(r->out, line, ESC_TEXT);
		strbuf_rtrim(r->out);
		strbuf_addch(r->out, '\n');
		free(line);
		p = nl ? nl + 1 : p + n;
	}
}

/*
 * "# error: WHY" and WHY's further lines (the console's end) at level: the reason of an
 * errored test where kunit.py prints it, since it drops the "# ERROR" directive's text.
 */
static void ktap_error_diag(struct report *r, int level, const char *why)
{
	struct strbuf d = STRBUF_INIT;
	strbuf_addstr(&d, "error: ");
	strbuf_addstr(&d, why && *why ? why : "unknown");
	ktap_diag(r, level, d.buf);
	strbuf_release(&d);
}

/* "ok N description # DIRECTIVE data" at level. */
static void ktap_result(struct report *r, int level, size_t num, enum match_status s,
			const char *desc, const char *desc2, const char *why)
{
	ktap_indent(r, level);
	strbuf_addf(r->out, "%s %zu ", s == MATCH_PASS || s == MATCH_SKIP ? "ok" : "not ok", num);
	report_esc(r->out, desc, ESC_KTAP);
	if (desc2)
		report_esc(r->out, desc2, ESC_KTAP);
	if (s == MATCH_SKIP) {
		strbuf_addstr(r->out, " # SKIP");
		if (why) {
			strbuf_addch(r->out, ' ');
			report_esc(r->out, why, ESC_KTAP);
		}
	} else if (s == MATCH_ERROR) {
		strbuf_addstr(r->out, " # ERROR");
		if (why) {
			strbuf_addch(r->out, ' ');
			report_esc(r->out, why, ESC_KTAP);
		}
	}
	strbuf_addch(r->out, '\n');
}

static void ktap_header(struct report *r, int level, size_t plan)
{
	ktap_indent(r, level);
	strbuf_addstr(r->out, "KTAP version 1\n");
	ktap_indent(r, level);
	strbuf_addf(r->out, "1..%zu\n", plan);
}

static void ktap_begin(struct report *r)
{
	strbuf_addstr(r->out, "KTAP version 1\n");
	if (r->planned)
		strbuf_addf(r->out, "1..%zu\n", r->planned);
}

/* The subtests of a reached stop: frames, user frames, each check. */
static void ktap_stop_subtests(struct report *r, const struct match_stop *ms)
{
	size_t plan = (size_t)ms->frames.checked + (size_t)ms->user.checked + ms->nchecks, k = 0;
	if (!plan)
		return;
	ktap_header(r, 2, plan);
	if (ms->frames.checked)
		ktap_result(r, 2, ++k, ms->frames.status,
			    ms->stop->space == SCENARIO_USER ? "user frames" : "frames", NULL, NULL);
	if (ms->user.checked)
		ktap_result(r, 2, ++k, ms->user.status, "user frames", NULL, NULL);
	for (size_t i = 0; i < ms->nchecks; i++) {
		const struct match_check *mc = &ms->checks[i];
		if ((mc->status == MATCH_FAIL || mc->status == MATCH_ERROR) && mc->message)
			ktap_diag(r, 2, mc->message);
		ktap_result(r, 2, ++k, mc->status, mc->check->text, NULL,
			    mc->status == MATCH_SKIP ? mc->message : NULL);
	}
}

/* The program's TAP tests t[0..n) at level, as a KTAP document of their own. */
static void ktap_tap(struct report *r, int level, const struct tap_test *t, size_t n)
{
	static const enum match_status st[] = { [TAP_PASS] = MATCH_PASS, [TAP_FAIL] = MATCH_FAIL,
						[TAP_SKIP] = MATCH_SKIP };
	ktap_header(r, level, n);
	for (size_t i = 0; i < n; i++) {
		if (t[i].nsubtests)
			ktap_tap(r, level + 1, t[i].subtests, t[i].nsubtests);
		if (t[i].missing)
			ktap_diag(r, level, "never reported");
		ktap_result(r, level, i + 1, st[t[i].status], t[i].name, NULL,
			    t[i].status == TAP_SKIP ? (t[i].reason ? t[i].reason : t[i].directive)
						    : NULL);
	}
}

/* Subtests of the scenario for what it expects of the program: exit, outputs, tap. */
static size_t ktap_program_plan(const struct match_program *mp)
{
	if (!mp->judged)
		return 0;
	return (size_t)(mp->exit_expected >= 0) + mp->noutputs + (size_t)mp->has_tap;
}

static void ktap_program(struct report *r, const struct match_program *mp, size_t *k)
{
	struct strbuf d = STRBUF_INIT;
	if (!mp->judged)
		return;
	if (mp->exit_expected >= 0) {
		strbuf_addf(&d, "exit %d", mp->exit_expected);
		ktap_result(r, 1, ++*k, mp->exit_result, d.buf, NULL, NULL);
	}
	for (size_t i = 0; i < mp->noutputs; i++) {
		const struct scenario_output *o = mp->outputs[i].expect;
		ktap_result(r, 1, ++*k, mp->outputs[i].status,
			    o->negate ? "output lacks " : "output contains ", o->text, NULL);
	}
	if (mp->has_tap) {
		if (mp->tap.ntests)
			ktap_tap(r, 2, mp->tap.tests, mp->tap.ntests);
		ktap_result(r, 1, ++*k, mp->tap_result, "program TAP", NULL, NULL);
	}
	strbuf_release(&d);
}

/* "# exit status N" and, when the scenario did not pass, the output's last lines. */
static void ktap_program_diag(struct report *r, const struct match_result *res)
{
	struct strbuf d = STRBUF_INIT;
	const struct obs_run *run = res->run;
	if (!run || run->error || res->status == MATCH_SKIP)
		return;
	if (run->program_status >= 0)
		strbuf_addf(&d, "exit status %d\n", run->program_status);
	else
		strbuf_addstr(&d, "exit status unknown: the program never ended\n");
	if (res->status != MATCH_PASS && run->program_output && *run->program_output) {
		strbuf_addstr(&d, "the program's output ends:\n");
		match_output_tail(&d, run->program_output, 20);
	}
	ktap_diag(r, 0, d.buf);
	strbuf_release(&d);
}

static void ktap_scenario(struct report *r, const struct match_result *res)
{
	const struct scenario *sc = res->sc;
	size_t plan = (size_t)res->lstar_checked + res->nstops + ktap_program_plan(&res->program);
	size_t k = 0;
	int guarded_out = res->status == MATCH_SKIP && !res->run;

	if (plan && !guarded_out && !(res->status == MATCH_SKIP && !res->nstops)) {
		ktap_header(r, 1, plan);
		if (res->lstar_checked) {
			if (res->lstar_diff)
				ktap_diag(r, 1, res->lstar_diff);
			ktap_result(r, 1, ++k, res->lstar_status, "lstar ", sc->lstar, NULL);
		}
		for (size_t i = 0; i < res->nstops; i++) {
			const struct match_stop *ms = &res->stops[i];
			if (ms->obs && ms->obs->hit && ms->status != MATCH_SKIP)
				ktap_stop_subtests(r, ms);
			if (ms->diff)
				ktap_diag(r, 1, ms->diff);
			else if (ms->status == MATCH_ERROR && ms->reason)
				ktap_error_diag(r, 1, ms->reason);
			ktap_result(r, 1, ++k, ms->status, "stop ", ms->title,
				    ms->status == MATCH_SKIP || ms->status == MATCH_ERROR ? ms->reason
											  : NULL);
		}
		ktap_program(r, &res->program, &k);
	}
	ktap_program_diag(r, res);
	if (res->reason && res->status == MATCH_FAIL)
		ktap_diag(r, 0, res->reason);
	else if (res->status == MATCH_ERROR)
		ktap_error_diag(r, 0, res->run && res->run->error ? res->run->error : res->reason);
	struct strbuf name = STRBUF_INIT;
	report_test_name(res, &name);
	ktap_result(r, 0, r->done + 1, res->status, name.buf, NULL,
		    res->status == MATCH_PASS || res->status == MATCH_FAIL ? NULL : res->reason);
	strbuf_release(&name);
}

static void ktap_end(struct report *r, const struct report_timings *t)
{
	if (!r->planned)
		strbuf_addf(r->out, "1..%zu\n", r->done);
	strbuf_addf(r->out, "# Totals: pass:%zu fail:%zu xfail:0 xpass:0 skip:%zu error:%zu\n",
		    r->counts[MATCH_PASS], r->counts[MATCH_FAIL], r->counts[MATCH_SKIP],
		    r->counts[MATCH_ERROR]);
	if (t && t->total_ms >= 0) {
		strbuf_addstr(r->out, "# kdive: total ");
		format_duration(r->out, t->total_ms);
		strbuf_addch(r->out, '\n');
	}
}

const struct report_ops report_ktap_ops = { "ktap", ktap_begin, ktap_scenario, ktap_end };
