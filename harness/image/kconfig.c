/*
 * kconfig: parse, merge, write and verify kernel config fragments. Pure; strbuf and
 * wrapper only.
 */
#define _GNU_SOURCE
#include "kconfig.h"
#include "wrapper.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int is_sym_char(int c)
{
	return isupper(c) || isdigit(c) || c == '_' || islower(c);
}

/* Length of a CONFIG_ symbol name at s, 0 if s does not start with one. */
static size_t sym_len(const char *s)
{
	size_t n;
	if (strncmp(s, "CONFIG_", 7))
		return 0;
	for (n = 7; is_sym_char((unsigned char)s[n]); n++)
		;
	return n > 7 ? n : 0;
}

/* Validate a value; returns its length or 0 with *why set. */
static size_t value_len(const char *s, const char **why)
{
	size_t n = 0;
	if (*s == '"') {
		for (n = 1; s[n] && s[n] != '"'; n++)
			if (s[n] == '\\' && s[n + 1])
				n++;
		if (s[n] != '"') {
			*why = "unterminated string value";
			return 0;
		}
		return n + 1;
	}
	if ((s[0] == 'y' || s[0] == 'm' || s[0] == 'n') && !is_sym_char((unsigned char)s[1]))
		return 1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (n = 2; isxdigit((unsigned char)s[n]); n++)
			;
		if (n > 2)
			return n;
	} else {
		n = s[0] == '-' ? 1 : 0;
		size_t d = n;
		for (; isdigit((unsigned char)s[n]); n++)
			;
		if (n > d)
			return n;
	}
	*why = "value must be y, m, n, a number, a 0x hex number or a \"string\"";
	return 0;
}

static struct kconfig_sym *find_sym(struct kconfig_frag *f, const char *name)
{
	for (size_t i = 0; i < f->nr; i++)
		if (!strcmp(f->syms[i].name, name))
			return &f->syms[i];
	return NULL;
}

/* A request parsed from one line, before merging. */
struct pending {
	char *name;  /* owned until merged */
	char *value; /* owned until merged */
	int line;    /* line number */
};

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Parse one line; 1 = a request in *out, 0 = nothing (blank/comment), -1 = error. */
static int parse_line(const char *file, int lineno, const char *line, struct pending *out,
		      struct strbuf *err)
{
	const char *p = skip_ws(line);
	size_t n;
	const char *why = NULL;

	if (!*p)
		return 0;
	if (*p == '#') {
		/* "# CONFIG_FOO is not set" is a request for n; any other # line is a comment. */
		const char *q = skip_ws(p + 1);
		n = sym_len(q);
		if (n && !strncmp(skip_ws(q + n), "is not set", 10) &&
		    !*skip_ws(skip_ws(q + n) + 10)) {
			out->name = xstrndup(q, n);
			out->value = xstrdup("n");
			out->line = lineno;
			return 1;
		}
		return 0;
	}
	n = sym_len(p);
	if (!n) {
		strbuf_addf(err, "%s:%d:%d: expected CONFIG_NAME=VALUE or a # comment\n", file,
			    lineno, (int)(p - line) + 1);
		return -1;
	}
	const char *eq = p + n;
	if (*eq != '=') {
		strbuf_addf(err, "%s:%d:%d: expected '=' after %.*s\n", file, lineno,
			    (int)(eq - line) + 1, (int)n, p);
		return -1;
	}
	const char *v = eq + 1;
	size_t vl = value_len(v, &why);
	if (!vl) {
		strbuf_addf(err, "%s:%d:%d: %s\n", file, lineno, (int)(v - line) + 1, why);
		return -1;
	}
	const char *rest = skip_ws(v + vl);
	if (*rest && *rest != '#') {
		strbuf_addf(err, "%s:%d:%d: unexpected text after the value\n", file, lineno,
			    (int)(rest - line) + 1);
		return -1;
	}
	out->name = xstrndup(p, n);
	out->value = xstrndup(v, vl);
	out->line = lineno;
	return 1;
}

int kconfig_parse(struct kconfig_frag *f, const char *file, const char *text, struct strbuf *err)
{
	struct pending *pend = NULL;
	size_t npend = 0, apend = 0;
	int lineno = 0, bad = 0;
	const char *p = text;

	while (*p) {
		const char *end = strchrnul(p, '\n');
		char *line = xstrndup(p, (size_t)(end - p));
		size_t ll = strlen(line);
		if (ll && line[ll - 1] == '\r')
			line[ll - 1] = '\0';
		struct pending one;
		lineno++;
		int r = parse_line(file, lineno, line, &one, err);
		free(line);
		if (r < 0)
			bad = 1;
		if (r > 0) {
			if (npend == apend) {
				apend = apend ? apend * 2 : 16;
				pend = xrealloc(pend, apend * sizeof(*pend));
			}
			pend[npend++] = one;
		}
		p = *end ? end + 1 : end;
	}
	for (size_t i = 0; i < npend; i++) {
		if (bad) {
			free(pend[i].name);
			free(pend[i].value);
			continue;
		}
		struct kconfig_sym *s = find_sym(f, pend[i].name);
		if (s) {
			free(s->value);
			free(s->file);
			free(pend[i].name);
		} else {
			if (f->nr == f->alloc) {
				f->alloc = f->alloc ? f->alloc * 2 : 32;
				f->syms = xrealloc(f->syms, f->alloc * sizeof(*f->syms));
			}
			s = &f->syms[f->nr++];
			s->name = pend[i].name;
		}
		s->value = pend[i].value;
		s->file = xstrdup(file);
		s->line = pend[i].line;
	}
	free(pend);
	return bad ? -1 : 0;
}

void kconfig_write(const struct kconfig_frag *f, struct strbuf *out)
{
	for (size_t i = 0; i < f->nr; i++) {
		const struct kconfig_sym *s = &f->syms[i];
		if (!strcmp(s->value, "n"))
			strbuf_addf(out, "# %s is not set\n", s->name);
		else
			strbuf_addf(out, "%s=%s\n", s->name, s->value);
	}
}

char *kconfig_lookup(const char *dotconfig, const char *name)
{
	size_t nl = strlen(name);
	const char *p = dotconfig;
	while (*p) {
		const char *end = strchrnul(p, '\n');
		if (!strncmp(p, name, nl) && p[nl] == '=')
			return xstrndup(p + nl + 1, (size_t)(end - p - (ptrdiff_t)nl - 1));
		if (!strncmp(p, "# ", 2) && !strncmp(p + 2, name, nl) &&
		    !strncmp(p + 2 + nl, " is not set", 11))
			return xstrdup("n");
		p = *end ? end + 1 : end;
	}
	return NULL;
}

/* Numbers compare by value (0x10 == 16), everything else as text. */
static int same_value(const char *want, const char *got)
{
	char *e1, *e2;
	if (!strcmp(want, got))
		return 1;
	if (want[0] != '"' && got[0] != '"') {
		long long a = strtoll(want, &e1, 0), b = strtoll(got, &e2, 0);
		if (!*e1 && !*e2 && e1 != want && e2 != got)
			return a == b;
	}
	return 0;
}

int kconfig_verify(const struct kconfig_frag *f, const char *dotconfig, struct strbuf *report)
{
	int lost = 0;
	for (size_t i = 0; i < f->nr; i++) {
		const struct kconfig_sym *s = &f->syms[i];
		char *got = kconfig_lookup(dotconfig, s->name);
		/* An absent symbol is off: fine when off was requested. */
		if (got ? same_value(s->value, got) : !strcmp(s->value, "n")) {
			free(got);
			continue;
		}
		lost++;
		strbuf_addf(report, "%s:%d: %s: requested %s, got %s\n", s->file, s->line, s->name,
			    s->value,
			    !got ? "nothing (unknown symbol, or its dependencies are not met)"
			    : !strcmp(got, "n") ? "n (not set: a dependency is off or it is selected away)"
						: got);
		free(got);
	}
	return lost;
}

void kconfig_frag_release(struct kconfig_frag *f)
{
	for (size_t i = 0; i < f->nr; i++) {
		free(f->syms[i].name);
		free(f->syms[i].value);
		free(f->syms[i].file);
	}
	free(f->syms);
	f->syms = NULL;
	f->nr = f->alloc = 0;
}
