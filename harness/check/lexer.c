/*
 * lexer: words of a scenario line, number words, indentation, and quoting and
 * near-miss names for messages. Pure; see lexer.h. Depends on strbuf.
 */
#include "lexer.h"

#include <string.h>

/* Quoted words in messages are cut to this many bytes. */
#define QUOTE_MAX 48

int lexer_is_blank(int c)
{
	return c == ' ' || c == '\t';
}

int lexer_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

int lexer_is_ident(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || lexer_is_digit(c) || c == '_';
}

int lexer_next(struct lexer *lx, struct lexer_word *w)
{
	while (lx->pos < lx->len && lexer_is_blank(lx->s[lx->pos]))
		lx->pos++;
	if (lx->pos >= lx->len || lx->s[lx->pos] == '#')
		return 0;
	w->s = lx->s + lx->pos;
	w->col = lx->pos + 1;
	while (lx->pos < lx->len && !lexer_is_blank(lx->s[lx->pos]))
		lx->pos++;
	w->len = (size_t)(lx->s + lx->pos - w->s);
	return 1;
}

void lexer_rest(struct lexer *lx, struct lexer_word *w)
{
	while (lx->pos < lx->len && lexer_is_blank(lx->s[lx->pos]))
		lx->pos++;
	size_t end = lx->len;
	while (end > lx->pos && lexer_is_blank(lx->s[end - 1]))
		end--;
	w->s = lx->s + lx->pos;
	w->len = end - lx->pos;
	w->col = lx->pos + 1;
	lx->pos = lx->len;
}

int lexer_word_is(const struct lexer_word *w, const char *lit)
{
	return strlen(lit) == w->len && !memcmp(w->s, lit, w->len);
}

int lexer_word_in(const struct lexer_word *w, const char *const *names)
{
	for (; *names; names++)
		if (lexer_word_is(w, *names))
			return 1;
	return 0;
}

size_t lexer_indent_width(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		w = s[i] == '\t' ? (w / 8 + 1) * 8 : w + 1;
	return w;
}

void lexer_add_indent(struct strbuf *sb, const char *s, size_t n)
{
	size_t tabs = 0, spaces = 0;
	for (size_t i = 0; i < n; i++)
		s[i] == '\t' ? tabs++ : spaces++;
	if (tabs)
		strbuf_addf(sb, "%zu tab%s", tabs, tabs == 1 ? "" : "s");
	if (tabs && spaces)
		strbuf_addstr(sb, " and ");
	if (spaces)
		strbuf_addf(sb, "%zu space%s", spaces, spaces == 1 ? "" : "s");
}

/* Levenshtein distance; large when either word is long. */
static size_t edit_distance(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b), row[33];
	if (na > 32 || nb > 32)
		return 99;
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[nb];
}

const char *lexer_nearest(const struct lexer_word *w, const char *const *names)
{
	const char *best = NULL;
	size_t bestd = 3;
	for (; *names; names++) {
		size_t d = edit_distance(w->s, w->len, *names);
		if (d < bestd && (d < 2 || w->len > 3)) {
			bestd = d;
			best = *names;
		}
	}
	return best;
}

int lexer_number(const struct lexer_word *w, int64_t *out)
{
	const char *s = w->s;
	size_t n = w->len, i = 0;
	int neg = 0;
	uint64_t mag = 0;
	if (i < n && s[i] == '-') {
		neg = 1;
		i++;
	}
	int hex = i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
	if (hex)
		i += 2;
	if (i >= n)
		return -1;
	for (; i < n; i++) {
		unsigned d;
		char c = s[i];
		if (lexer_is_digit(c))
			d = (unsigned)(c - '0');
		else if (hex && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (hex && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		uint64_t base = hex ? 16 : 10;
		if (mag > (UINT64_MAX - d) / base)
			return -2;
		mag = mag * base + d;
	}
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return -2;
		*out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		*out = (int64_t)mag;
	}
	return 0;
}

void lexer_add_quoted(struct strbuf *sb, const char *s, size_t n)
{
	strbuf_addch(sb, '\'');
	for (size_t i = 0; i < n && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			strbuf_addf(sb, "\\x%02x", c);
		else
			strbuf_addch(sb, c);
	}
	if (n > QUOTE_MAX)
		strbuf_addstr(sb, "...");
	strbuf_addch(sb, '\'');
}
