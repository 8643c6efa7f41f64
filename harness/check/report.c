/*
 * report: the text, KTAP v1, JUnit XML and JSON writers behind struct report_ops, and
 * See report.h.
 * Depends on match, scenario, sha256, strbuf, strvec, timeutil and wrapper.
 */
#include "report.h"
#include "json.h"
#include "sha256.h"
#include "timeutil.h"
#include "wrapper.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- text hygiene shared by the writers ---- */

enum esc { ESC_TEXT, ESC_LINE, ESC_KTAP, ESC_XML, ESC_XML_ATTR };

/*
 * Append s escaped for mode: XML character data, XML attribute
 * values (where '\n' and '\t' must be character references), a terminal (ESC_TEXT:
 * control characters but '\n' and '\t' become '?'), one line of it (ESC_LINE: '\n' and
 * '\t' also become ' ') or a KTAP description (ESC_KTAP: as ESC_LINE, and '#', which
 * KTAP reserves, becomes '_'). Invalid UTF-8 becomes U+FFFD in XML (json.c does JSON).
 */
static void add_esc(struct strbuf *sb, const char *str, enum esc mode)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t n = strlen((const char *)s);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len = json_utf8_len(s + i, n - i);
		if (!len) {
			if (mode == ESC_XML || mode == ESC_XML_ATTR)
				strbuf_addstr(sb, "\xef\xbf\xbd");
			else
				strbuf_addch(sb, '?');
			i++;
			continue;
		}
		if (len > 1) {
			/* U+FFFE and U+FFFF are not XML characters */
			if ((mode == ESC_XML || mode == ESC_XML_ATTR) && len == 3 && c == 0xef && s[i + 1] == 0xbf &&
			    s[i + 2] >= 0xbe)
				strbuf_addstr(sb, "\xef\xbf\xbd");
			else
				strbuf_add(sb, s + i, len);
			i += len;
			continue;
		}
		i++;
		switch (mode) {
		case ESC_XML:
		case ESC_XML_ATTR:
			if (c == '&')
				strbuf_addstr(sb, "&amp;");
			else if (c == '<')
				strbuf_addstr(sb, "&lt;");
			else if (c == '>')
				strbuf_addstr(sb, "&gt;");
			else if (c == '"')
				strbuf_addstr(sb, "&quot;");
			else if (c == '\'')
				strbuf_addstr(sb, "&apos;");
			else if ((c == '\n' || c == '\t') && mode == ESC_XML)
				strbuf_addch(sb, c);
			else if (c == '\n' || c == '\t')
				strbuf_addf(sb, "&#%d;", c); /* attribute values normalise them away */
			else if (c < 0x20 || c == 0x7f)
				strbuf_addstr(sb, "\xef\xbf\xbd");
			else
				strbuf_addch(sb, c);
			break;
		case ESC_LINE:
		case ESC_KTAP:
			if (c == '\n' || c == '\t' || c == '\r')
				strbuf_addch(sb, ' ');
			else if (c == '#' && mode == ESC_KTAP)
				strbuf_addch(sb, '_');
			else if (c < 0x20 || c == 0x7f)
				strbuf_addch(sb, '?');
			else
				strbuf_addch(sb, c);
			break;
		case ESC_TEXT:
			if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f))
				strbuf_addch(sb, c);
			else
				strbuf_addch(sb, '?');
			break;
		}
	}
}

/* Time of one scenario, -1 when unknown. */
static int64_t scenario_ms(const struct match_result *res)
{
	return res->run && res->run->total_ms > 0 ? res->run->total_ms : -1;
}

/* Time from the previous stop (or the start) to this one, for JUnit; 0 when unknown. */
static int64_t stop_ms(const struct match_result *res, size_t i)
{
	const struct obs_stop *o = res->stops[i].obs, *prev = NULL;
	if (!o || !o->hit || o->ms <= 0)
		return 0;
	for (size_t k = i; k-- > 0;)
		if (res->stops[k].obs && res->stops[k].obs->hit && res->stops[k].obs->ms > 0) {
			prev = res->stops[k].obs;
			break;
		}
	int64_t d = o->ms - (prev ? prev->ms : 0);
	return d > 0 ? d : 0;
}

/* Append each line of text (which may lack a final '\n') behind prefix. */
static void add_lines(struct strbuf *sb, const char *prefix, const char *text, enum esc mode)
{
	const char *p = text;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, n);
		strbuf_addstr(sb, prefix);
		add_esc(sb, line, mode);
		strbuf_addch(sb, '\n');
		free(line);
		p = nl ? nl + 1 : p + n;
	}
}

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
		add_esc(r->out, sb.buf, ESC_TEXT);
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

static void text_scenario(struct report *r, const struct match_result *res)
{
	if (r->opts.nkernels > 1 && res->kernel && res->kernel->version) {
		r->cells = xrealloc(r->cells, (r->ncells + 1) * sizeof(*r->cells));
		r->cells[r->ncells++] = (struct report_cell){ xstrdup(res->sc->name),
							      xstrdup(res->kernel->version),
							      res->status };
	}
	const struct scenario *sc = res->sc;
	int64_t took = scenario_ms(res);
	int detail = r->opts.verbose || res->status == MATCH_FAIL || res->status == MATCH_ERROR;

	text_word(r, res->status, text_status[res->status]);
	strbuf_addch(r->out, ' ');
	if (r->opts.color)
		strbuf_addstr(r->out, "\033[1m");
	add_esc(r->out, sc->name, ESC_LINE);
	if (r->opts.color)
		strbuf_addstr(r->out, "\033[0m");
	strbuf_addstr(r->out, " (");
	add_esc(r->out, sc->file, ESC_LINE);
	if (res->kernel_version) {
		strbuf_addstr(r->out, ", kernel ");
		add_esc(r->out, res->kernel_version, ESC_LINE);
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
		add_esc(r->out, res->reason, ESC_LINE);
	}
	strbuf_addch(r->out, '\n');
	if (!detail)
		return;

	if (res->lstar_checked) {
		strbuf_addstr(r->out, "      ");
		text_word(r, res->lstar_status, res->lstar_status == MATCH_PASS ? "ok"
										: text_status[res->lstar_status]);
		strbuf_addstr(r->out, " lstar ");
		add_esc(r->out, sc->lstar, ESC_LINE);
		if (res->run && res->run->lstar_symbol)
			strbuf_addf(r->out, " (MSR_LSTAR = 0x%llx)",
				    (unsigned long long)res->run->lstar_value);
		strbuf_addch(r->out, '\n');
		if (res->lstar_diff)
			add_lines(r->out, "             ", res->lstar_diff, ESC_TEXT);
	}
	for (size_t i = 0; i < res->nstops; i++) {
		const struct match_stop *ms = &res->stops[i];
		strbuf_addstr(r->out, "      ");
		text_word(r, ms->status, ms->status == MATCH_PASS ? "ok" : text_status[ms->status]);
		strbuf_addstr(r->out, " stop ");
		add_esc(r->out, ms->title, ESC_LINE);
		if (ms->obs && ms->obs->hit && ms->obs->ms > 0) {
			strbuf_addstr(r->out, " at ");
			format_duration(r->out, ms->obs->ms);
		}
		if (ms->reason) {
			strbuf_addstr(r->out, ": ");
			add_esc(r->out, ms->reason, ESC_LINE);
		}
		strbuf_addch(r->out, '\n');
		if (ms->diff && ms->status == MATCH_FAIL) {
			/* the diff's first line repeats the stop line above */
			const char *body = strchr(ms->diff, '\n');
			add_lines(r->out, "           ", body ? body + 1 : ms->diff, ESC_TEXT);
		}
		if (!r->opts.verbose || !ms->obs)
			continue;
		if (!ms->obs->hit) {
			/* A `never` stop passes unreached: its narration says why. */
			if (ms->stop->never && ms->stop->say && ms->status == MATCH_PASS)
				add_lines(r->out, "             | ", ms->stop->say, ESC_TEXT);
			continue;
		}
		if (ms->stop->say)
			add_lines(r->out, "             | ", ms->stop->say, ESC_TEXT);
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
				add_esc(r->out, mc->message, ESC_LINE);
			} else {
				add_esc(r->out, mc->check->text, ESC_LINE);
				if (mc->got && mc->got->ok) {
					struct strbuf v = STRBUF_INIT;
					match_format_value(&v, mc->got->value);
					strbuf_addf(r->out, " (%s = %s)", mc->check->name, v.buf);
					strbuf_release(&v);
				} else if (mc->message) {
					strbuf_addstr(r->out, ": ");
					add_esc(r->out, mc->message, ESC_LINE);
				}
			}
			strbuf_addch(r->out, '\n');
		}
	}
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

/* "fork@6.12.117": the scenario's name, and the kernel's when the caller gave it. */
static void test_name(const struct match_result *res, struct strbuf *sb)
{
	strbuf_addstr(sb, res->sc->name);
	if (res->kernel && res->kernel->version)
		strbuf_addf(sb, "@%s", res->kernel->version);
}

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
		add_esc(r->out, line, ESC_TEXT);
		strbuf_rtrim(r->out);
		strbuf_addch(r->out, '\n');
		free(line);
		p = nl ? nl + 1 : p + n;
	}
}

/* "ok N description # DIRECTIVE data" at level. */
static void ktap_result(struct report *r, int level, size_t num, enum match_status s,
			const char *desc, const char *desc2, const char *why)
{
	ktap_indent(r, level);
	strbuf_addf(r->out, "%s %zu ", s == MATCH_PASS || s == MATCH_SKIP ? "ok" : "not ok", num);
	add_esc(r->out, desc, ESC_KTAP);
	if (desc2)
		add_esc(r->out, desc2, ESC_KTAP);
	if (s == MATCH_SKIP) {
		strbuf_addstr(r->out, " # SKIP");
		if (why) {
			strbuf_addch(r->out, ' ');
			add_esc(r->out, why, ESC_KTAP);
		}
	} else if (s == MATCH_ERROR) {
		strbuf_addstr(r->out, " # ERROR");
		if (why) {
			strbuf_addch(r->out, ' ');
			add_esc(r->out, why, ESC_KTAP);
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
		if (mc->status == MATCH_FAIL && mc->message)
			ktap_diag(r, 2, mc->message);
		ktap_result(r, 2, ++k, mc->status, mc->check->text, NULL,
			    mc->status == MATCH_SKIP ? mc->message : NULL);
	}
}

static void ktap_scenario(struct report *r, const struct match_result *res)
{
	const struct scenario *sc = res->sc;
	size_t plan = (size_t)res->lstar_checked + res->nstops, k = 0;
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
			ktap_result(r, 1, ++k, ms->status, "stop ", ms->title,
				    ms->status == MATCH_SKIP || ms->status == MATCH_ERROR ? ms->reason
											  : NULL);
		}
	}
	if (res->reason && res->status == MATCH_FAIL)
		ktap_diag(r, 0, res->reason);
	struct strbuf name = STRBUF_INIT;
	test_name(res, &name);
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

/* ---- JUnit XML ---- */

static void xml_attr(struct strbuf *sb, const char *name, const char *value)
{
	strbuf_addf(sb, " %s=\"", name);
	add_esc(sb, value, ESC_XML_ATTR);
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
			add_esc(sb, text, ESC_XML);
			strbuf_addf(sb, "</%s>\n", tag);
		} else {
			strbuf_addstr(sb, "/>\n");
		}
	}
	strbuf_addstr(sb, "    </testcase>\n");
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
	test_name(res, &name);

	if (res->lstar_checked)
		junit_case(&cases, name.buf, "lstar ", sc->lstar, 0, res->lstar_status,
			   res->lstar_status == MATCH_PASS ? NULL : "MSR_LSTAR differs", res->lstar_diff,
			   tally);
	for (size_t i = 0; i < res->nstops; i++) {
		const struct match_stop *ms = &res->stops[i];
		junit_case(&cases, name.buf, "stop ", ms->title, stop_ms(res, i), ms->status,
			   ms->reason, ms->diff, tally);
	}
	if (!res->lstar_checked && !res->nstops)
		junit_case(&cases, name.buf, "scenario", NULL, scenario_ms(res), res->status,
			   res->reason, res->reason, tally);
	else if (res->status == MATCH_ERROR && res->run && res->run->error)
		junit_case(&cases, name.buf, "run", NULL, 0, MATCH_ERROR, res->run->error,
			   res->run->error, tally);

	size_t ntests = tally[0] + tally[1] + tally[2] + tally[3];
	strbuf_addstr(&r->body, "  <testsuite");
	xml_attr(&r->body, "name", name.buf);
	strbuf_addf(&r->body, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"",
		    ntests, tally[MATCH_FAIL], tally[MATCH_ERROR], tally[MATCH_SKIP]);
	xml_secs(&r->body, scenario_ms(res));
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
	strbuf_addf(r->out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"",
		    r->cases[0] + r->cases[1] + r->cases[2] + r->cases[3], r->cases[MATCH_FAIL],
		    r->cases[MATCH_ERROR], r->cases[MATCH_SKIP]);
	xml_secs(r->out, t && t->total_ms >= 0 ? t->total_ms : r->scenarios_ms);
	strbuf_addstr(r->out, ">\n");
	strbuf_addstr(r->out, r->body.buf);
	strbuf_addstr(r->out, "</testsuites>\n");
}

/* ---- JSON (json.c writes it) ---- */

static void jr_counts(struct report *r, const char *key, const size_t c[MATCH_NSTATUS])
{
	json_open(&r->json, key, '{');
	for (int s = 0; s < MATCH_NSTATUS; s++)
		json_int(&r->json, match_status_name((enum match_status)s), (int64_t)c[s]);
	json_close(&r->json);
}

static void jr_guard(struct report *r, const struct guard *g)
{
	struct strbuf sb = STRBUF_INIT;
	guard_format(g, &sb);
	json_str(&r->json, "guard", sb.len ? sb.buf : NULL);
	strbuf_release(&sb);
}

static void jr_expected_frames(struct report *r, const char *key, const char *version,
			       const struct scenario_frame *f, size_t n)
{
	json_open(&r->json, key, '[');
	for (size_t i = 0; i < n; i++) {
		json_open(&r->json, NULL, '{');
		json_str(&r->json, "func", f[i].func ? f[i].func : "...");
		json_str(&r->json, "file", f[i].file);
		json_bool(&r->json, "inlined", f[i].inlined);
		json_bool(&r->json, "optional", f[i].optional);
		jr_guard(r, &f[i].guard);
		/* whether its guard holds for this run's kernel */
		json_bool(&r->json, "applies", guard_holds(&f[i].guard, version));
		json_int(&r->json, "line", f[i].line);
		json_close(&r->json);
	}
	json_close(&r->json);
}

static void jr_begin(struct report *r)
{
	json_init(&r->json, r->out, 1);
	json_open(&r->json, NULL, '{');
	json_int(&r->json, "schema", 1);
	json_open(&r->json, "scenarios", '[');
}

static void jr_stop(struct report *r, const struct match_result *res, size_t i)
{
	const struct match_stop *ms = &res->stops[i];
	const struct scenario_stop *st = ms->stop;
	const struct obs_stop *o = ms->obs;
	int hit = o && o->hit;

	json_open(&r->json, NULL, '{');
	json_str(&r->json, "title", ms->title);
	json_str(&r->json, "location", st->location);
	json_str(&r->json, "space", st->space == SCENARIO_USER ? "user" : "kernel");
	json_str(&r->json, "syscall", st->syscall);
	json_bool(&r->json, "finish", st->finish);
	json_bool(&r->json, "never", st->never);
	json_str(&r->json, "condition", st->cond);
	json_int(&r->json, "line", st->line);
	jr_guard(r, &st->guard);
	json_str(&r->json, "result", match_status_name(ms->status));
	json_str(&r->json, "reason", ms->reason);
	json_bool(&r->json, "reached", hit);
	json_ms(&r->json, "ms", hit ? o->ms : -1);
	obs_frames_write(&r->json, "frames", hit ? o->frames : NULL, hit ? o->nframes : 0);
	obs_frames_write(&r->json, "user_frames", hit ? o->user : NULL, hit ? o->nuser : 0);
	if (st->has_frames) {
		jr_expected_frames(r, "expected_frames", res->kernel_version, st->frames, st->nframes);
		json_str(&r->json, "frames_result", match_status_name(ms->frames.status));
	}
	if (st->has_user) {
		jr_expected_frames(r, "expected_user_frames", res->kernel_version, st->user,
				   st->nuser);
		json_str(&r->json, "user_frames_result", match_status_name(ms->user.status));
	}
	json_open(&r->json, "checks", '[');
	for (size_t k = 0; k < ms->nchecks; k++) {
		const struct match_check *mc = &ms->checks[k];
		const struct scenario_check *c = mc->check;
		json_open(&r->json, NULL, '{');
		json_str(&r->json, "text", c->text);
		json_str(&r->json, "name", c->name);
		json_str(&r->json, "op", guard_op_name(c->op));
		json_int(&r->json, "expected", c->value);
		if (mc->got && mc->got->ok) {
			json_int(&r->json, "actual", mc->got->value);
			json_hex(&r->json, "actual_hex", (uint64_t)mc->got->value);
		} else {
			json_str(&r->json, "actual", NULL);
			json_str(&r->json, "actual_hex", NULL);
		}
		json_str(&r->json, "error", mc->got && !mc->got->ok ? mc->got->error : NULL);
		json_str(&r->json, "result", match_status_name(mc->status));
		json_str(&r->json, "message", mc->message);
		json_int(&r->json, "line", c->line);
		jr_guard(r, &c->guard);
		json_close(&r->json);
	}
	json_close(&r->json);
	json_str(&r->json, "diff", ms->diff);
	json_close(&r->json);
}

static void jr_scenario(struct report *r, const struct match_result *res)
{
	const struct scenario *sc = res->sc;
	const struct obs_run *run = res->run;

	json_open(&r->json, NULL, '{');
	json_str(&r->json, "name", sc->name);
	json_str(&r->json, "file", sc->file);
	json_str(&r->json, "result", match_status_name(res->status));
	json_str(&r->json, "reason", res->reason);
	json_str(&r->json, "error", run ? run->error : NULL);
	json_str(&r->json, "kernel_version", res->kernel_version);
	if (res->kernel) {
		json_open(&r->json, "kernel", '{');
		json_str(&r->json, "name", res->kernel->name);
		json_str(&r->json, "version", res->kernel->version);
		json_str(&r->json, "source", res->kernel->source);
		json_str(&r->json, "config_key", res->kernel->key);
		json_close(&r->json);
	}
	if (run) {
		json_bool(&r->json, "kaslr", run->kaslr);
		json_hex(&r->json, "kaslr_slide", run->kaslr_slide);
		json_bool(&r->json, "restored", run->restored);
		if (run->kaslr && run->kaslr_slot >= 0)
			json_int(&r->json, "kaslr_slot", run->kaslr_slot);
		else
			json_nil(&r->json, "kaslr_slot");
		json_int(&r->json, "cpus", run->cpus ? run->cpus : 1);
	}
	json_str(&r->json, "program", sc->program);
	json_open(&r->json, "args", '[');
	for (size_t i = 0; i < sc->args.nr; i++)
		json_str(&r->json, NULL, sc->args.v[i]);
	json_close(&r->json);
	if (sc->lstar) {
		json_open(&r->json, "lstar", '{');
		json_str(&r->json, "expected", sc->lstar);
		json_str(&r->json, "actual", run ? run->lstar_symbol : NULL);
		if (run && run->lstar_symbol)
			json_hex(&r->json, "value", run->lstar_value);
		else
			json_str(&r->json, "value", NULL);
		json_str(&r->json, "result", match_status_name(res->lstar_status));
		json_str(&r->json, "diff", res->lstar_diff);
		json_close(&r->json);
	}
	json_open(&r->json, "stops", '[');
	for (size_t i = 0; i < res->nstops; i++)
		jr_stop(r, res, i);
	json_close(&r->json);
	json_open(&r->json, "summary", '{');
	jr_counts(r, "stops", res->counts.stops);
	jr_counts(r, "checks", res->counts.checks);
	json_close(&r->json);
	json_open(&r->json, "timings", '{');
	json_ms(&r->json, "boot_ms", run && run->boot_ms > 0 ? run->boot_ms : -1);
	json_ms(&r->json, "total_ms", scenario_ms(res));
	json_close(&r->json);
	json_close(&r->json);
}

static void jr_end(struct report *r, const struct report_timings *t)
{
	json_close(&r->json); /* scenarios */
	json_open(&r->json, "summary", '{');
	json_int(&r->json, "scenarios", (int64_t)r->done);
	for (int s = 0; s < MATCH_NSTATUS; s++)
		json_int(&r->json, match_status_name((enum match_status)s), (int64_t)r->counts[s]);
	jr_counts(r, "stops", r->totals.stops);
	jr_counts(r, "checks", r->totals.checks);
	if (r->opts.exit_code)
		json_int(&r->json, "exit_code", r->opts.exit_code(r->counts));
	json_close(&r->json);
	json_open(&r->json, "timings", '{');
	json_ms(&r->json, "total_ms", t ? t->total_ms : -1);
	json_ms(&r->json, "build_ms", t ? t->build_ms : -1);
	json_ms(&r->json, "scenarios_ms", r->scenarios_ms);
	json_finish(&r->json);
}

/* ---- KCIDB: KernelCI's common results database, I/O schema v5 ---- */

/*
 * One submission: a checkout (the kernel source) and a build (its configuration) per
 * kernel, a test per scenario (path kdive.NAME) and one per stop (kdive.NAME.LOCATION).
 * Ids are "kdive:..."; a test id carries the caller's run id, so that runs do not
 * collide in the database. Written compact, one JSON document.
 */
#define KC_ORIGIN "kdive"

/* path components: [A-Za-z0-9_-] only, anything else becomes '_'. */
static void kc_path_part(struct strbuf *out, const char *s)
{
	for (; s && *s; s++)
		strbuf_addch(out, (isalnum((unsigned char)*s) || *s == '_' || *s == '-') ? *s : '_');
}

static const char *kc_status(enum match_status s)
{
	static const char *const names[MATCH_NSTATUS] = {
		[MATCH_PASS] = "PASS", [MATCH_FAIL] = "FAIL", [MATCH_ERROR] = "ERROR",
		[MATCH_SKIP] = "SKIP",
	};
	return names[s];
}

/* A sha256-based short id of text. */
static void kc_hash(struct strbuf *out, const char *text)
{
	struct sha256 c;
	char hex[65];
	sha256_init(&c);
	sha256_update(&c, text, strlen(text));
	sha256_final_hex(&c, hex);
	strbuf_add(out, hex, 16);
}

/* The build id of res's kernel, its checkout and build written once. */
static void kc_kernel(struct report *r, const struct match_result *res, struct strbuf *build_id)
{
	const struct obs_kernel *k = res->kernel;
	const char *version = k && k->version ? k->version : res->kernel_version;
	struct strbuf checkout = STRBUF_INIT, ident = STRBUF_INIT;
	strbuf_addf(&ident, "%s|%s|%s", k && k->source ? k->source : "?", version ? version : "?",
		    k && k->key ? k->key : "");
	strbuf_addstr(build_id, KC_ORIGIN ":build-");
	kc_hash(build_id, ident.buf);
	for (size_t i = 0; i < r->kc_builds.nr; i++)
		if (!strcmp(r->kc_builds.v[i], build_id->buf))
			goto out;
	strvec_push(&r->kc_builds, build_id->buf);
	strbuf_addstr(&checkout, KC_ORIGIN ":checkout-");
	kc_hash(&checkout, k && k->source ? k->source : (version ? version : "?"));
	for (int o = 0; o < 2; o++) {
		struct json j;
		if (r->kc_objs[o].len)
			strbuf_addch(&r->kc_objs[o], ',');
		json_init(&j, &r->kc_objs[o], 0);
		json_open(&j, NULL, '{');
		json_str(&j, "id", o ? build_id->buf : checkout.buf);
		if (o)
			json_str(&j, "checkout_id", checkout.buf);
		json_str(&j, "origin", KC_ORIGIN);
		if (!o) {
			json_str(&j, "comment", k && k->source ? k->source : "the kernel's source");
		} else {
			json_str(&j, "architecture", "x86_64");
			json_str(&j, "config_name", k && k->key ? "kdive" : "prebuilt");
			json_str(&j, "status", "PASS");
			if (version)
				json_str(&j, "comment", version);
		}
		/* (The schema allows no null: what is unknown is left out.) */
		json_open(&j, "misc", '{');
		if (k && k->name)
			json_str(&j, "kernel", k->name);
		if (version)
			json_str(&j, "version", version);
		if (o && k && k->key)
			json_str(&j, "config_key", k->key);
		json_close(&j);
		json_close(&j);
		json_finish(&j);
		strbuf_rtrim(&r->kc_objs[o]);
	}
out:
	strbuf_release(&checkout);
	strbuf_release(&ident);
}

/* One test object into r->body. */
static void kc_test(struct report *r, const char *id, const char *build_id, const char *path,
		    enum match_status status, int64_t ms, const char *comment, const char *log,
		    const struct match_result *res, const struct match_stop *ms_stop)
{
	struct json j;
	if (r->body.len)
		strbuf_addch(&r->body, ',');
	json_init(&j, &r->body, 0);
	json_open(&j, NULL, '{');
	json_str(&j, "id", id);
	json_str(&j, "build_id", build_id);
	json_str(&j, "origin", KC_ORIGIN);
	json_str(&j, "path", path);
	json_str(&j, "status", kc_status(status));
	if (ms >= 0)
		json_seconds(&j, "duration", ms);
	if (comment)
		json_str(&j, "comment", comment);
	if (log) {
		size_t n = strlen(log);
		char *cut = xstrndup(log, n > 16000 ? 16000 : n); /* log_excerpt: at most 16384 */
		json_str(&j, "log_excerpt", cut);
		free(cut);
	}
	json_open(&j, "misc", '{');
	if (res->sc->file)
		json_str(&j, "scenario_file", res->sc->file);
	if (ms_stop) {
		json_str(&j, "stop", ms_stop->title);
		json_int(&j, "line", ms_stop->stop->line);
	} else if (res->sc->program) {
		json_str(&j, "program", res->sc->program);
	}
	json_close(&j);
	json_close(&j);
	json_finish(&j);
	strbuf_rtrim(&r->body);
}

static void kc_begin(struct report *r)
{
	strbuf_init(&r->kc_objs[0], 0);
	strbuf_init(&r->kc_objs[1], 0);
	strvec_init(&r->kc_builds);
}

static void kc_scenario(struct report *r, const struct match_result *res)
{
	struct strbuf build = STRBUF_INIT, id = STRBUF_INIT, path = STRBUF_INIT;
	const char *run = r->opts.run_id ? r->opts.run_id : "run";
	kc_kernel(r, res, &build);
	strbuf_addf(&id, KC_ORIGIN ":%s-%zu", run, r->done);
	strbuf_addstr(&path, KC_ORIGIN ".");
	kc_path_part(&path, res->sc->name ? res->sc->name : "scenario");
	kc_test(r, id.buf, build.buf, path.buf, res->status, scenario_ms(res), res->reason,
		res->run && res->run->error ? res->run->error : NULL, res, NULL);
	size_t scenario_id = id.len, scenario_path = path.len;
	for (size_t i = 0; i < res->nstops; i++) {
		const struct match_stop *ms = &res->stops[i];
		strbuf_setlen(&id, scenario_id);
		strbuf_addf(&id, "-%zu", i + 1);
		strbuf_setlen(&path, scenario_path);
		strbuf_addch(&path, '.');
		kc_path_part(&path, ms->stop->location);
		/* A test path names one test: a location stopped at again gets "-2", "-3"... */
		size_t same = 0;
		for (size_t k = 0; k < i; k++)
			same += !strcmp(res->stops[k].stop->location, ms->stop->location);
		if (same)
			strbuf_addf(&path, "-%zu", same + 1);
		kc_test(r, id.buf, build.buf, path.buf, ms->status, -1, ms->reason, ms->diff, res, ms);
	}
	strbuf_release(&build);
	strbuf_release(&id);
	strbuf_release(&path);
}

static void kc_end(struct report *r, const struct report_timings *t)
{
	(void)t;
	strbuf_addf(r->out, "{\"version\":{\"major\":5,\"minor\":3},\"checkouts\":[%s],\"builds\":[%s],"
			    "\"tests\":[%s]}\n", r->kc_objs[0].buf, r->kc_objs[1].buf, r->body.buf);
	strbuf_release(&r->kc_objs[0]);
	strbuf_release(&r->kc_objs[1]);
	strvec_clear(&r->kc_builds);
}

/* ---- the interface ---- */

static const struct report_ops report_formats[] = {
	[REPORT_TEXT] = { "text", text_begin, text_scenario, text_end },
	[REPORT_KTAP] = { "ktap", ktap_begin, ktap_scenario, ktap_end },
	[REPORT_JUNIT] = { "junit", junit_begin, junit_scenario, junit_end },
	[REPORT_JSON] = { "json", jr_begin, jr_scenario, jr_end },
	[REPORT_KCIDB] = { "kcidb", kc_begin, kc_scenario, kc_end },
};

int report_format_parse(const char *name, enum report_format *fmt)
{
	for (size_t i = 0; i < ARRAY_SIZE(report_formats); i++)
		if (name && !strcmp(name, report_formats[i].name)) {
			*fmt = (enum report_format)i;
			return 0;
		}
	return -1;
}

const char *report_format_name(enum report_format fmt)
{
	return (unsigned)fmt < ARRAY_SIZE(report_formats) ? report_formats[fmt].name : "?";
}

void report_begin(struct report *r, enum report_format fmt, struct strbuf *out,
		  size_t nscenarios, const struct report_opts *opts)
{
	memset(r, 0, sizeof(*r));
	r->ops = &report_formats[(unsigned)fmt < ARRAY_SIZE(report_formats) ? fmt : REPORT_TEXT];
	r->out = out;
	if (opts)
		r->opts = *opts;
	r->planned = nscenarios;
	strbuf_init(&r->body, 0);
	r->ops->begin(r);
}

void report_scenario(struct report *r, const struct match_result *res)
{
	r->ops->scenario(r, res);
	r->done++;
	r->counts[res->status]++;
	if (scenario_ms(res) > 0)
		r->scenarios_ms += scenario_ms(res);
	for (int s = 0; s < MATCH_NSTATUS; s++) {
		r->totals.stops[s] += res->counts.stops[s];
		r->totals.checks[s] += res->counts.checks[s];
	}
}

void report_end(struct report *r, const struct report_timings *t)
{
	r->ops->end(r, t);
	strbuf_release(&r->body);
	for (size_t i = 0; i < r->ncells; i++) {
		free(r->cells[i].scenario);
		free(r->cells[i].kernel);
	}
	free(r->cells);
	r->cells = NULL;
	r->ncells = 0;
}

void report_write(enum report_format fmt, const struct match_result *res, size_t n,
		  const struct report_timings *t, const struct report_opts *opts,
		  struct strbuf *out)
{
	struct report r;
	report_begin(&r, fmt, out, n, opts);
	for (size_t i = 0; i < n; i++)
		report_scenario(&r, &res[i]);
	report_end(&r, t);
}
