/*
 * report_text: the text report, for people: a line a scenario, details of what failed (of every stop with -v), the totals, and with several kernels a scenario x kernel table.
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

/* ---- text ---- */

static const char *const text_status[MATCH_NSTATUS] = { "PASS", "FAIL", "ERROR", "SKIP" };
static const char *const text_color[MATCH_NSTATUS] = { "\033[32m", "\033[31m", "\033[1;31m",
						       "\033[33m" };

static void text_word(struct report *r, enum match_status s, const char *word)
{
	if (r->opts.color)
		strbuf_addf(r->out, "%s%-5s\033[0m", text_color[s], word);
	else
		strbuf_addf(r->out, "%-5s", word);
}

static void text_begin(struct report *r)
{
	(void)r;
}

static void text_frames(struct report *r, const char *what, const struct obs_frame *f, size_t n)
{
	strbuf_addf(r->out, "             %s:\n", what);
	if (!n)
		strbuf_addstr(r->out, "               (none)\n");
	for (size_t i = 0; i < n; i++) {
		struct strbuf sb = STRBUF_INIT;
		match_format_frame(&sb, &f[i]);
		strbuf_addf(r->out, "               #%-2zu ", i);
		report_esc(r->out, sb.buf, ESC_TEXT);
		strbuf_addch(r->out, '\n');
		strbuf_release(&sb);
	}
}

/* "; KASLR slide 0x...: ..." — the slide, and whether this run's guest drew it. */
static void text_kaslr(struct report *r, const struct obs_run *run)
{
	strbuf_addf(r->out, "; KASLR slide 0x%llx, ", (unsigned long long)run->kaslr_slide);
	if (run->restored)
		strbuf_addstr(r->out, "restored from warm snapshot");
	else
		strbuf_addstr(r->out, "booted for this run");
	if (run->kaslr_slot >= 0)
		strbuf_addf(r->out, "%s slot %d", run->restored ? "" : ", saved as",
			    run->kaslr_slot);
}

/* One "      ok    what" line of the program's verdict. */
static void text_expect(struct report *r, enum match_status s, const char *what, const char *text)
{
	strbuf_addstr(r->out, "      ");
	text_word(r, s, s == MATCH_PASS ? "ok" : text_status[s]);
	strbuf_addch(r->out, ' ');
	strbuf_addstr(r->out, what);
	report_esc(r->out, text, ESC_LINE);
	strbuf_addch(r->out, '\n');
}

/* The program's TAP tests that did not pass (all of them with -v), indented by depth. */
static void text_tap(struct report *r, const struct tap_test *t, size_t n, int depth)
{
	static const enum match_status st[] = { [TAP_PASS] = MATCH_PASS, [TAP_FAIL] = MATCH_FAIL,
						[TAP_SKIP] = MATCH_SKIP };
	for (size_t i = 0; i < n; i++) {
		if (t[i].status == TAP_PASS && !r->opts.verbose)
			continue;
		strbuf_addf(r->out, "%*s", 11 + 2 * depth, "");
		text_word(r, st[t[i].status], t[i].status == TAP_PASS ? "ok" : text_status[st[t[i].status]]);
		strbuf_addch(r->out, ' ');
		report_esc(r->out, t[i].name, ESC_LINE);
		if (t[i].missing)
			strbuf_addstr(r->out, ": never reported");
		else if (t[i].reason)
			strbuf_addf(r->out, " (%s: %s)", t[i].directive, t[i].reason);
		strbuf_addch(r->out, '\n');
		text_tap(r, t[i].subtests, t[i].nsubtests, depth + 1);
	}
}

/* The program's exit status and what the scenario expected of it; its output's end
 * when something failed (all of it, bounded, with -v). */
static void text_program(struct report *r, const struct match_result *res)
{
	const struct match_program *mp = &res->program;
	const struct obs_run *run = res->run;
	struct strbuf sb = STRBUF_INIT;

	if (!run || run->error || res->status == MATCH_SKIP)
		return;
	if (mp->exit_expected >= 0) {
		strbuf_addf(&sb, "exit %d (", mp->exit_expected);
		if (mp->exit_status >= 0)
			strbuf_addf(&sb, "exited with %d)", mp->exit_status);
		else
			strbuf_addstr(&sb, "never ended)");
		text_expect(r, mp->exit_result, sb.buf, "");
	} else if (r->opts.verbose && (mp->exit_status >= 0 || mp->judged)) {
		strbuf_addstr(r->out, "             ");
		if (mp->exit_status >= 0)
			strbuf_addf(r->out, "the program exited with %d\n", mp->exit_status);
		else
			strbuf_addstr(r->out, "the program never ended\n");
	}
	for (size_t i = 0; i < mp->noutputs; i++)
		text_expect(r, mp->outputs[i].status,
			    mp->outputs[i].expect->negate ? "output lacks " : "output contains ",
			    mp->outputs[i].expect->text);
	if (mp->has_tap) {
		size_t c[3];
		tap_doc_count(&mp->tap, c);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "tap: %zu passed, %zu failed, %zu skipped", c[TAP_PASS], c[TAP_FAIL],
			    c[TAP_SKIP]);
		text_expect(r, mp->tap_result, sb.buf, "");
		text_tap(r, mp->tap.tests, mp->tap.ntests, 0);
	}
	if ((mp->nfailed || r->opts.verbose) && run->program_output && *run->program_output) {
		strbuf_reset(&sb);
		match_output_tail(&sb, run->program_output, r->opts.verbose ? 200 : 20);
		strbuf_addf(r->out, "             the program's output%s:\n",
			    sb.len < strlen(run->program_output) || run->output_truncated ? " ends" : "");
		report_lines(r->out, "             | ", sb.buf, ESC_TEXT);
	}
	strbuf_release(&sb);
}

static void text_scenario(struct report *r, const struct match_result *res)
{
	const char *label = report_kernel_label(res->kernel);
	if (r->opts.nkernels > 1 && label) {
		r->cells = xrealloc(r->cells, (r->ncells + 1) * sizeof(*r->cells));
		r->cells[r->ncells++] = (struct report_cell){ xstrdup(res->sc->name),
							      xstrdup(label), res->status };
	}
	const struct scenario *sc = res->sc;
	int64_t took = report_scenario_ms(res);
	int detail = r->opts.verbose || res->status == MATCH_FAIL || res->status == MATCH_ERROR;

	text_word(r, res->status, text_status[res->status]);
	strbuf_addch(r->out, ' ');
	if (r->opts.color)
		strbuf_addstr(r->out, "\033[1m");
	report_esc(r->out, sc->name, ESC_LINE);
	if (r->opts.color)
		strbuf_addstr(r->out, "\033[0m");
	strbuf_addstr(r->out, " (");
	report_esc(r->out, sc->file, ESC_LINE);
	if (res->kernel_version) {
		strbuf_addstr(r->out, ", kernel ");
		report_esc(r->out, res->kernel_version, ESC_LINE);
	}
	if (took >= 0) {
		strbuf_addstr(r->out, ", ");
		format_duration(r->out, took);
	}
	if (res->run && res->run->kaslr && !res->run->error)
		text_kaslr(r, res->run);
	strbuf_addch(r->out, ')');
	if (res->reason && res->status != MATCH_PASS) {
		strbuf_addstr(r->out, ": ");
		report_esc(r->out, res->reason, ESC_LINE);
	}
	strbuf_addch(r->out, '\n');
	if (!detail)
		return;

	if (res->lstar_checked) {
		strbuf_addstr(r->out, "      ");
		text_word(r, res->lstar_status, res->lstar_status == MATCH_PASS ? "ok"
										: text_status[res->lstar_status]);
		strbuf_addstr(r->out, " lstar ");
		report_esc(r->out, sc->lstar, ESC_LINE);
		if (res->run && res->run->lstar_symbol)
			strbuf_addf(r->out, " (MSR_LSTAR = 0x%llx)",
				    (unsigned long long)res->run->lstar_value);
		strbuf_addch(r->out, '\n');
		if (res->lstar_diff)
			report_lines(r->out, "             ", res->lstar_diff, ESC_TEXT);
	}
	for (size_t i = 0; i < res->nstops; i++) {
		const struct match_stop *ms = &res->stops[i];
		strbuf_addstr(r->out, "      ");
		text_word(r, ms->status, ms->status == MATCH_PASS ? "ok" : text_status[ms->status]);
		strbuf_addstr(r->out, " stop ");
		report_esc(r->out, ms->title, ESC_LINE);
		if (ms->obs && ms->obs->hit && ms->obs->ms > 0) {
			strbuf_addstr(r->out, " at ");
			format_duration(r->out, ms->obs->ms);
		}
		if (ms->reason) {
			strbuf_addstr(r->out, ": ");
			report_esc(r->out, ms->reason, ESC_LINE);
		}
		strbuf_addch(r->out, '\n');
		if (ms->diff && ms->status == MATCH_FAIL) {
			/* the diff's first line repeats the stop line above */
			const char *body = strchr(ms->diff, '\n');
			report_lines(r->out, "           ", body ? body + 1 : ms->diff, ESC_TEXT);
		}
		if (!r->opts.verbose || !ms->obs)
			continue;
		if (!ms->obs->hit) {
			/* A `never` stop passes unreached: its narration says why. */
			if (ms->stop->never && ms->stop->say && ms->status == MATCH_PASS)
				report_lines(r->out, "             | ", ms->stop->say, ESC_TEXT);
			continue;
		}
		if (ms->stop->say)
			report_lines(r->out, "             | ", ms->stop->say, ESC_TEXT);
		text_frames(r, ms->stop->space == SCENARIO_USER ? "user frames" : "frames",
			    ms->obs->frames, ms->obs->nframes);
		if (ms->obs->nuser || ms->stop->has_user)
			text_frames(r, "user frames", ms->obs->user, ms->obs->nuser);
		for (size_t k = 0; k < ms->nchecks; k++) {
			const struct match_check *mc = &ms->checks[k];
			strbuf_addstr(r->out, "             ");
			text_word(r, mc->status, mc->status == MATCH_PASS ? "ok" : text_status[mc->status]);
			strbuf_addch(r->out, ' ');
			if (mc->status == MATCH_FAIL && mc->message) {
				/* the message starts with the check as written */
				report_esc(r->out, mc->message, ESC_LINE);
			} else {
				report_esc(r->out, mc->check->text, ESC_LINE);
				if (mc->got && mc->got->ok) {
					struct strbuf v = STRBUF_INIT;
					match_format_value(&v, mc->got->value);
					strbuf_addf(r->out, " (%s = %s)", mc->check->name, v.buf);
					strbuf_release(&v);
				} else if (mc->message) {
					strbuf_addstr(r->out, ": ");
					report_esc(r->out, mc->message, ESC_LINE);
				}
			}
			strbuf_addch(r->out, '\n');
		}
	}
	text_program(r, res);
}

static void text_table(struct report *r);

static void text_end(struct report *r, const struct report_timings *t)
{
	size_t n = r->done;
	if (r->ncells)
		text_table(r);
	strbuf_addf(r->out, "\n%zu scenario%s: %zu passed, %zu failed, %zu error%s, %zu skipped", n,
		    n == 1 ? "" : "s", r->counts[MATCH_PASS], r->counts[MATCH_FAIL],
		    r->counts[MATCH_ERROR], r->counts[MATCH_ERROR] == 1 ? "" : "s",
		    r->counts[MATCH_SKIP]);
	strbuf_addf(r->out, " (stops: %zu passed, %zu failed", r->totals.stops[MATCH_PASS],
		    r->totals.stops[MATCH_FAIL]);
	if (r->totals.stops[MATCH_ERROR])
		strbuf_addf(r->out, ", %zu error%s", r->totals.stops[MATCH_ERROR],
			    r->totals.stops[MATCH_ERROR] == 1 ? "" : "s");
	if (r->totals.stops[MATCH_SKIP])
		strbuf_addf(r->out, ", %zu skipped", r->totals.stops[MATCH_SKIP]);
	strbuf_addch(r->out, ')');
	if (t && t->total_ms >= 0) {
		strbuf_addstr(r->out, " in ");
		format_duration(r->out, t->total_ms);
	}
	strbuf_addch(r->out, '\n');
}

/* The scenario x kernel table, when the results span several kernels. */
static void text_table(struct report *r)
{
	struct strvec rows = STRVEC_INIT, cols = STRVEC_INIT;
	size_t width = 8;
	for (size_t i = 0; i < r->ncells; i++) {
		size_t k;
		for (k = 0; k < rows.nr && strcmp(rows.v[k], r->cells[i].scenario); k++)
			;
		if (k == rows.nr)
			strvec_push(&rows, r->cells[i].scenario);
		for (k = 0; k < cols.nr && strcmp(cols.v[k], r->cells[i].kernel); k++)
			;
		if (k == cols.nr)
			strvec_push(&cols, r->cells[i].kernel);
		if (strlen(r->cells[i].scenario) > width)
			width = strlen(r->cells[i].scenario);
	}
	struct strbuf head = STRBUF_INIT;
	strbuf_addf(&head, "%-*s", (int)width, "scenario");
	for (size_t c = 0; c < cols.nr; c++)
		strbuf_addf(&head, "  %-10s", cols.v[c]);
	strbuf_rtrim(&head);
	strbuf_addf(r->out, "\n%s\n", head.buf);
	strbuf_release(&head);
	for (size_t row = 0; row < rows.nr; row++) {
		struct strbuf line = STRBUF_INIT;
		strbuf_addf(&line, "%-*s", (int)width, rows.v[row]);
		for (size_t c = 0; c < cols.nr; c++) {
			const char *cell = "-";
			for (size_t i = 0; i < r->ncells; i++)
				if (!strcmp(r->cells[i].scenario, rows.v[row]) &&
				    !strcmp(r->cells[i].kernel, cols.v[c]))
					cell = match_status_name(r->cells[i].status);
			strbuf_addf(&line, "  %-10s", cell);
		}
		strbuf_rtrim(&line);
		strbuf_addf(r->out, "%s\n", line.buf);
		strbuf_release(&line);
	}
	strvec_clear(&rows);
	strvec_clear(&cols);
}

const struct report_ops report_text_ops = { "text", text_begin, text_scenario, text_end };
