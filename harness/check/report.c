/*
 * report: the interface every format is written through, and the text hygiene the
 * writers share; each format is a file of its own (report_text.c, report_ktap.c,
 * report_junit.c, report_json.c, report_kcidb.c). See report.h.
 * Depends on match, scenario, sha256, strbuf, strvec, timeutil and wrapper.
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

/* ---- text hygiene shared by the writers (report_int.h) ---- */

void report_esc(struct strbuf *sb, const char *str, enum esc mode)
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
int64_t report_scenario_ms(const struct match_result *res)
{
	return res->run && res->run->total_ms > 0 ? res->run->total_ms : -1;
}

/* Time from the previous stop (or the start) to this one, for JUnit; 0 when unknown. */
int64_t report_stop_ms(const struct match_result *res, size_t i)
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
void report_lines(struct strbuf *sb, const char *prefix, const char *text, enum esc mode)
{
	const char *p = text;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, n);
		strbuf_addstr(sb, prefix);
		report_esc(sb, line, mode);
		strbuf_addch(sb, '\n');
		free(line);
		p = nl ? nl + 1 : p + n;
	}
}

const char *report_kernel_label(const struct obs_kernel *k)
{
	if (!k)
		return NULL;
	return k->version ? k->version : k->build_error ? k->name : NULL;
}

/* "fork@6.12.117": the scenario's name, and the kernel's when the caller gave it. */
void report_test_name(const struct match_result *res, struct strbuf *sb)
{
	const char *k = report_kernel_label(res->kernel);
	strbuf_addstr(sb, res->sc->name);
	if (k)
		strbuf_addf(sb, "@%s", k);
}

void report_build_failure(const struct obs_kernel *k, struct strbuf *sb)
{
	static const char more[] = "; last lines of the log:", label[] = "full log: ";
	const char *e = k && k->build_error ? k->build_error : "";
	const char *log = NULL;
	size_t n;

	strbuf_addf(sb, "kernel %s did not build", k && k->name ? k->name : "?");
	if (!strncmp(e, "error: ", 7))
		e += 7;
	n = strcspn(e, "\n");
	if (n >= sizeof(more) - 1 && !strncmp(e + n - (sizeof(more) - 1), more, sizeof(more) - 1))
		n -= sizeof(more) - 1;
	if (n)
		strbuf_addf(sb, ": %.*s", (int)n, e);
	/* "full log: PATH" on a line of its own */
	for (const char *p = e; *p; p += strcspn(p, "\n"), p += !!*p)
		if (!strncmp(p, label, sizeof(label) - 1))
			log = p + sizeof(label) - 1;
	if (log && *log && *log != '\n')
		strbuf_addf(sb, " (full log: %.*s)", (int)strcspn(log, "\n"), log);
	/* then the log's last lines, as the build showed them */
	for (const char *p = e; *p; p += strcspn(p, "\n"), p += !!*p)
		if (!strncmp(p, "  | ", 4))
			strbuf_addf(sb, "\n%.*s", (int)strcspn(p, "\n"), p);
}

/* ---- the interface ---- */

static const struct report_ops *const report_formats[] = {
	[REPORT_TEXT] = &report_text_ops,
	[REPORT_KTAP] = &report_ktap_ops,
	[REPORT_JUNIT] = &report_junit_ops,
	[REPORT_JSON] = &report_json_ops,
	[REPORT_KCIDB] = &report_kcidb_ops,
};

int report_format_parse(const char *name, enum report_format *fmt)
{
	for (size_t i = 0; i < ARRAY_SIZE(report_formats); i++)
		if (name && !strcmp(name, report_formats[i]->name)) {
			*fmt = (enum report_format)i;
			return 0;
		}
	return -1;
}

const char *report_format_name(enum report_format fmt)
{
	return (unsigned)fmt < ARRAY_SIZE(report_formats) ? report_formats[fmt]->name : "?";
}

void report_begin(struct report *r, enum report_format fmt, struct strbuf *out,
		  size_t nscenarios, const struct report_opts *opts)
{
	memset(r, 0, sizeof(*r));
	r->ops = report_formats[(unsigned)fmt < ARRAY_SIZE(report_formats) ? fmt : REPORT_TEXT];
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
	if (report_scenario_ms(res) > 0)
		r->scenarios_ms += report_scenario_ms(res);
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
