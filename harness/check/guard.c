/*
 * guard: kernel-version guards and comparison operators. Pure; see guard.h. Depends on
 * lexer (character classes, quoting), strbuf and wrapper.
 */
#include "guard.h"
#include "lexer.h"
#include "wrapper.h"

#include <string.h>

static const char *const op_names[] = {
	[GUARD_EQ] = "==", [GUARD_NE] = "!=", [GUARD_LT] = "<",
	[GUARD_LE] = "<=", [GUARD_GT] = ">",  [GUARD_GE] = ">=",
};

const char *guard_op_name(enum guard_op op)
{
	if ((unsigned)op < ARRAY_SIZE(op_names))
		return op_names[op];
	return "?";
}

int guard_op_find(const char *s, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(op_names); i++)
		if (strlen(op_names[i]) == n && !memcmp(op_names[i], s, n))
			return (int)i;
	return -1;
}

int guard_op_holds(enum guard_op op, int cmp)
{
	switch (op) {
	case GUARD_EQ: return cmp == 0;
	case GUARD_NE: return cmp != 0;
	case GUARD_LT: return cmp < 0;
	case GUARD_LE: return cmp <= 0;
	case GUARD_GT: return cmp > 0;
	case GUARD_GE: return cmp >= 0;
	}
	return 0;
}

/*
 * Parse "MAJOR.MINOR[.PATCH]" at the start of s[0..n); *used is how many bytes it
 * took. Returns 0, or -1 when there is no MAJOR.MINOR. Numbers are capped so they
 * cannot overflow.
 */
static int version_parse(const char *s, size_t n, int v[3], size_t *used)
{
	size_t i = 0;
	v[2] = -1;
	for (int part = 0; part < 3; part++) {
		if (part) {
			if (i + 1 >= n || s[i] != '.' || !lexer_is_digit(s[i + 1])) {
				if (part == 2)
					break; /* the patch level is optional */
				return -1;
			}
			i++;
		}
		if (i >= n || !lexer_is_digit(s[i]))
			return -1;
		long x = 0;
		for (; i < n && lexer_is_digit(s[i]); i++)
			if ((x = x * 10 + (s[i] - '0')) > 9999999)
				return -1;
		v[part] = (int)x;
	}
	*used = i;
	return 0;
}

/* Append one message about offset at to err; returns -1. */
__attribute__((format(printf, 4, 5)))
static int fail(struct strbuf *err, size_t *errpos, size_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	*errpos = at;
	return -1;
}

/* The same for a message "BEFORE 'WORD'AFTER" that quotes s[0..n) as WORD. */
static int fail_quoting(struct strbuf *err, size_t *errpos, size_t at, const char *before,
			const char *s, size_t n, const char *after)
{
	strbuf_addstr(err, before);
	lexer_add_quoted(err, s, n);
	strbuf_addstr(err, after);
	*errpos = at;
	return -1;
}

int guard_parse(struct guard *g, const char *s, size_t n, size_t *used, struct strbuf *err,
		size_t *errpos)
{
	size_t close = 1;
	while (close < n && s[close] != ']')
		close++;
	if (close >= n)
		return fail(err, errpos, 0, "unterminated version guard: missing ']'");
	size_t i = 1;
	while (i < close && lexer_is_blank(s[i]))
		i++;
	size_t op_start = i;
	while (i < close && strchr("=!<>", s[i]))
		i++;
	if (i == op_start)
		return fail(err, errpos, op_start,
			    "version guard needs an operator: [OP MAJOR.MINOR[.PATCH]] with OP one "
			    "of == != < <= > >=");
	int op = guard_op_find(s + op_start, i - op_start);
	if (op < 0)
		return fail_quoting(err, errpos, op_start, "unknown operator ", s + op_start,
				    i - op_start, " in version guard (expected == != < <= > >=)");
	while (i < close && lexer_is_blank(s[i]))
		i++;
	size_t v_start = i;
	while (i < close && !lexer_is_blank(s[i]))
		i++;
	int v[3];
	size_t vlen;
	if (v_start == i)
		return fail(err, errpos, v_start, "version guard needs a version: [%s MAJOR.MINOR]",
			    op_names[op]);
	if (version_parse(s + v_start, i - v_start, v, &vlen) || vlen != i - v_start)
		return fail_quoting(err, errpos, v_start, "bad kernel version ", s + v_start,
				    i - v_start,
				    " in guard (expected MAJOR.MINOR or MAJOR.MINOR.PATCH)");
	while (i < close && lexer_is_blank(s[i]))
		i++;
	if (i < close) {
		size_t j = i;
		while (j < close && !lexer_is_blank(s[j]))
			j++;
		return fail_quoting(err, errpos, i, "unexpected ", s + i, j - i,
				    " in version guard");
	}
	memset(g, 0, sizeof(*g));
	memcpy(g->op, op_names[op], strlen(op_names[op]));
	g->major = v[0];
	g->minor = v[1];
	g->patch = v[2];
	*used = close + 1;
	return 0;
}

void guard_format(const struct guard *g, struct strbuf *out)
{
	if (!g->op[0])
		return;
	strbuf_addf(out, "[%s %d.%d", g->op, g->major, g->minor);
	if (g->patch >= 0)
		strbuf_addf(out, ".%d", g->patch);
	strbuf_addch(out, ']');
}

int guard_holds(const struct guard *g, const char *kernel_version)
{
	int v[3];
	size_t used;
	if (!g->op[0])
		return 1;
	if (!kernel_version || version_parse(kernel_version, strlen(kernel_version), v, &used))
		return 0;
	/* "6.12.0-rc1+" is 6.12.0; a version without a patch level is .0 */
	if (v[2] < 0)
		v[2] = 0;
	int cmp = (v[0] > g->major) - (v[0] < g->major);
	if (!cmp)
		cmp = (v[1] > g->minor) - (v[1] < g->minor);
	/* a guard without a patch level compares MAJOR.MINOR only: [== 6.12] is any 6.12.y */
	if (!cmp && g->patch >= 0)
		cmp = (v[2] > g->patch) - (v[2] < g->patch);
	int op = guard_op_find(g->op, strnlen(g->op, sizeof(g->op)));
	return op >= 0 && guard_op_holds((enum guard_op)op, cmp);
}
