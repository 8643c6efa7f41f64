/*
 * quote: one quoting function per command language kdive writes in (quote.h).
 * Depends on strbuf.
 */
#include "quote.h"

#include <stdio.h>
#include <string.h>

void quote_sh(struct strbuf *out, const char *s)
{
	strbuf_addch(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(out, "'\\''");
		else
			strbuf_addch(out, *s);
	}
	strbuf_addch(out, '\'');
}

int quote_named_escape(struct strbuf *out, unsigned char c)
{
	if (c == '"' || c == '\\')
		strbuf_addf(out, "\\%c", c);
	else if (c == '\n')
		strbuf_addstr(out, "\\n");
	else if (c == '\t')
		strbuf_addstr(out, "\\t");
	else if (c == '\r')
		strbuf_addstr(out, "\\r");
	else
		return 0;
	return 1;
}

void quote_c(struct strbuf *out, const char *s)
{
	strbuf_addch(out, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (quote_named_escape(out, c))
			continue;
		if (c < 0x20 || c == 0x7f)
			/* Three digits always: a digit after the escape stays a digit. */
			strbuf_addf(out, "\\%03o", c);
		else
			strbuf_addch(out, (char)c);
	}
	strbuf_addch(out, '"');
}

const char *quote_byte_name(unsigned char c)
{
	static char buf[16];
	switch (c) {
	case '\n':
		return "a newline";
	case '\t':
		return "a tab";
	case '\r':
		return "a carriage return";
	default:
		snprintf(buf, sizeof(buf), "byte 0x%02x", c);
		return buf;
	}
}

const char *quote_bad_byte(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return s;
	return NULL;
}

/* -1 with "... has a newline" when s holds a control byte. */
static int refuse_control(const char *s, const char *lang, struct strbuf *err)
{
	const char *bad = quote_bad_byte(s);
	if (!bad)
		return 0;
	strbuf_addf(err, "'%.*s' has %s at byte %zu, which %s cannot carry", (int)(bad - s), s,
		    quote_byte_name((unsigned char)*bad), (size_t)(bad - s), lang);
	return -1;
}

int quote_c_operand(struct strbuf *out, const char *expr, struct strbuf *err)
{
	int depth = 0;
	char lit = 0;
	if (!expr[strspn(expr, " ")]) {
		strbuf_addstr(err, "an empty expression");
		return -1;
	}
	if (refuse_control(expr, "a gdb expression", err) < 0)
		return -1;
	for (const char *p = expr; *p; p++) {
		if (lit) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == lit)
				lit = 0;
		} else if (*p == '"' || *p == '\'') {
			lit = *p;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')' && --depth < 0) {
			strbuf_addf(err, "'%s' closes a parenthesis it did not open (column %zu)",
				    expr, (size_t)(p - expr) + 1);
			return -1;
		}
	}
	if (lit || depth) {
		strbuf_addf(err, "'%s' leaves %s open", expr,
			    lit == '"' ? "a string" : lit ? "a character literal" : "a parenthesis");
		return -1;
	}
	strbuf_addf(out, "(%s)", expr);
	return 0;
}

int quote_gdb_arg(struct strbuf *out, const char *s, struct strbuf *err)
{
	if (!*s) {
		strbuf_addstr(err, "an empty argument");
		return -1;
	}
	if (refuse_control(s, "a gdb command line", err) < 0)
		return -1;
	for (; *s; s++) {
		if (strchr(" '\"\\", *s))
			strbuf_addch(out, '\\');
		strbuf_addch(out, *s);
	}
	return 0;
}

int quote_gdb_rest(struct strbuf *out, const char *s, struct strbuf *err)
{
	size_t n = strlen(s);
	if (refuse_control(s, "a gdb command line", err) < 0)
		return -1;
	if (!n || s[0] == ' ' || s[n - 1] == ' ') {
		strbuf_addf(err, "'%s' starts or ends with a blank, which gdb would trim", s);
		return -1;
	}
	if (strchr("-~|", s[0])) {
		strbuf_addf(err, "'%s' starts with '%c', which gdb would read as %s", s, s[0],
			    s[0] == '-' ? "an option" : s[0] == '~' ? "a home directory" : "a pipe");
		return -1;
	}
	strbuf_addstr(out, s);
	return 0;
}

void quote_qemu_opt(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == ',')
			strbuf_addch(out, ',');
		strbuf_addch(out, *s);
	}
}
