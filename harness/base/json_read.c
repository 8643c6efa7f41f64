/*
 * json: kdive's one JSON library, its reader (json.h): a recursive descent parser over
 * bytes, bounded by JSON_MAX_DEPTH, that builds a tree or says where the text stopped
 * being JSON; and the lookups on the tree. Pure. Depends on strbuf and wrapper (and json.c's
 * json_utf8_len, so that reading and writing agree on what UTF-8 is).
 */
#include "json.h"
#include "wrapper.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reader's state over one text. */
struct reader {
	const unsigned char *s;   /* the text; not owned */
	size_t len;               /* its bytes */
	size_t pos;               /* the next byte to read */
	int depth;                /* containers open around pos */
	struct json_error *err;   /* where a failure is described; not owned */
};

static int fail_at(struct reader *r, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail_at(struct reader *r, size_t pos, const char *fmt, ...)
{
	va_list ap;
	r->err->column = pos + 1;
	va_start(ap, fmt);
	vsnprintf(r->err->message, sizeof(r->err->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* "expected WANTED, got X", X the byte at pos named in ASCII (the text's own bytes may
 * be anything). */
static int unexpected(struct reader *r, const char *wanted)
{
	char got[16];
	if (r->pos >= r->len)
		snprintf(got, sizeof(got), "the end");
	else if (!r->s[r->pos])
		snprintf(got, sizeof(got), "a NUL byte");
	else if (r->s[r->pos] > ' ' && r->s[r->pos] < 0x7f)
		snprintf(got, sizeof(got), "'%c'", r->s[r->pos]);
	else
		snprintf(got, sizeof(got), "byte 0x%02x", r->s[r->pos]);
	return fail_at(r, r->pos, "expected %s, got %s", wanted, got);
}

/* JSON's white space: space, tab, CR, LF. */
static void skip_space(struct reader *r)
{
	while (r->pos < r->len && (r->s[r->pos] == ' ' || r->s[r->pos] == '\t' ||
				   r->s[r->pos] == '\r' || r->s[r->pos] == '\n'))
		r->pos++;
}

/* Whether the next byte is c. */
static int next_is(const struct reader *r, unsigned char c)
{
	return r->pos < r->len && r->s[r->pos] == c;
}

static int is_digit(const struct reader *r, size_t pos)
{
	return pos < r->len && r->s[pos] >= '0' && r->s[pos] <= '9';
}

/* Free what v holds (not v), and zero it. */
static void value_release(struct json_value *v)
{
	free(v->key);
	if (v->kind == JSON_ARRAY || v->kind == JSON_OBJECT) {
		for (size_t i = 0; i < v->len; i++)
			value_release(&v->items[i]);
		free(v->items);
	} else if (v->kind == JSON_STRING || v->kind == JSON_NUMBER) {
		free(v->str);
	}
	memset(v, 0, sizeof(*v));
}

static void add_utf8(struct strbuf *sb, unsigned cp)
{
	if (cp < 0x80) {
		strbuf_addch(sb, (int)cp);
	} else if (cp < 0x800) {
		strbuf_addch(sb, (int)(0xc0 | cp >> 6));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		strbuf_addch(sb, (int)(0xe0 | cp >> 12));
		strbuf_addch(sb, (int)(0x80 | (cp >> 6 & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_addch(sb, (int)(0xf0 | cp >> 18));
		strbuf_addch(sb, (int)(0x80 | (cp >> 12 & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp >> 6 & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	}
}

/* The four hex digits at r->pos, as *cp; r->pos moves past them. */
static int read_hex4(struct reader *r, unsigned *cp)
{
	*cp = 0;
	for (int i = 0; i < 4; i++, r->pos++) {
		unsigned char c = r->pos < r->len ? r->s[r->pos] : 0;
		unsigned d = c >= '0' && c <= '9' ? c - '0'
			     : c >= 'a' && c <= 'f' ? c - 'a' + 10
			     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 16;
		if (d == 16)
			return unexpected(r, "a hex digit (\\u takes four)");
		*cp = *cp << 4 | d;
	}
	return 0;
}

/* The escape at r->pos (a backslash), decoded into sb. */
static int read_escape(struct reader *r, struct strbuf *sb)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	size_t at = r->pos++;
	unsigned cp, low;
	const char *e = r->pos < r->len && r->s[r->pos] ? strchr(from, r->s[r->pos]) : NULL;
	if (e) {
		strbuf_addch(sb, to[e - from]);
		r->pos++;
		return 0;
	}
	if (!next_is(r, 'u'))
		return unexpected(r, "an escape (one of \"\\/bfnrtu after \\)");
	r->pos++;
	if (read_hex4(r, &cp) < 0)
		return -1;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail_at(r, at, "\\u%04x is half of a surrogate pair, alone", cp);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		/* UTF-16's high surrogate: the low one must follow, \uDC00 to \uDFFF. */
		if (r->len - r->pos < 2 || r->s[r->pos] != '\\' || r->s[r->pos + 1] != 'u')
			return fail_at(r, at, "\\u%04x is half of a surrogate pair, alone", cp);
		r->pos += 2;
		if (read_hex4(r, &low) < 0)
			return -1;
		if (low < 0xdc00 || low > 0xdfff)
			return fail_at(r, at, "\\u%04x is half of a surrogate pair, alone", cp);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
	}
	add_utf8(sb, cp);
	return 0;
}

/* The string at r->pos (its opening quote), decoded: *out (NUL-terminated, owned by the
 * caller) and *out_len. */
static int read_string(struct reader *r, char **out, size_t *out_len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t open = r->pos++;
	for (;;) {
		/* Plain ASCII in one piece: strings of a megabyte are read at memcpy speed. */
		size_t run = r->pos;
		while (run < r->len && r->s[run] >= 0x20 && r->s[run] < 0x80 && r->s[run] != '"' &&
		       r->s[run] != '\\')
			run++;
		strbuf_add(&sb, r->s + r->pos, run - r->pos);
		r->pos = run;
		if (r->pos >= r->len) {
			fail_at(r, r->pos, "unterminated string (opened at column %zu)", open + 1);
			goto fail;
		}
		unsigned char c = r->s[r->pos];
		size_t n;
		if (c == '"') {
			r->pos++;
			break;
		} else if (c == '\\') {
			if (read_escape(r, &sb) < 0)
				goto fail;
		} else if (c < 0x20) {
			if (c)
				fail_at(r, r->pos, "control byte 0x%02x in a string (JSON escapes them)", c);
			else
				fail_at(r, r->pos, "a NUL byte in a string (JSON escapes it as \\u0000)");
			goto fail;
		} else if ((n = json_utf8_len(r->s + r->pos, r->len - r->pos))) {
			strbuf_add(&sb, r->s + r->pos, n);
			r->pos += n;
		} else {
			fail_at(r, r->pos, "invalid UTF-8 in a string (byte 0x%02x)", c);
			goto fail;
		}
	}
	*out = strbuf_detach(&sb, out_len);
	return 0;
fail:
	strbuf_release(&sb);
	return -1;
}

/* The integer text t (an optional '-' and digits) as *out; -1 when beyond int64_t. */
static int parse_int(const char *t, int64_t *out)
{
	int neg = *t == '-';
	uint64_t m = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (t += neg; *t; t++) {
		unsigned d = (unsigned)(*t - '0');
		if (m > (limit - d) / 10)
			return -1;
		m = m * 10 + d;
	}
	*out = !neg ? (int64_t)m : m > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)m;
	return 0;
}

/* A number, by JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int read_number(struct reader *r, struct json_value *v)
{
	size_t start = r->pos;
	int integer = 1;
	if (next_is(r, '-'))
		r->pos++;
	if (next_is(r, '0'))
		r->pos++;
	else if (is_digit(r, r->pos))
		while (is_digit(r, r->pos))
			r->pos++;
	else
		return unexpected(r, "a digit");
	if (next_is(r, '.')) {
		integer = 0;
		if (!is_digit(r, ++r->pos))
			return unexpected(r, "a digit after '.'");
		while (is_digit(r, r->pos))
			r->pos++;
	}
	if (next_is(r, 'e') || next_is(r, 'E')) {
		integer = 0;
		r->pos++;
		if (next_is(r, '+') || next_is(r, '-'))
			r->pos++;
		if (!is_digit(r, r->pos))
			return unexpected(r, "a digit in the exponent");
		while (is_digit(r, r->pos))
			r->pos++;
	}
	v->kind = JSON_NUMBER;
	v->len = r->pos - start;
	v->str = xstrndup((const char *)r->s + start, v->len);
	v->flag = integer && parse_int(v->str, &v->i) == 0;
	if (!v->flag)
		v->real = strtod(v->str, NULL); /* (kdive never sets a locale: '.' it is) */
	return 0;
}

static int read_value(struct reader *r, struct json_value *v);

static void push_item(struct json_value *parent, size_t *alloc, const struct json_value *item)
{
	if (parent->len == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 4;
		parent->items = xrealloc(parent->items, *alloc * sizeof(*parent->items));
	}
	parent->items[parent->len++] = *item;
}

static int read_array(struct reader *r, struct json_value *v)
{
	size_t alloc = 0;
	v->kind = JSON_ARRAY;
	r->pos++;
	skip_space(r);
	if (next_is(r, ']')) {
		r->pos++;
		return 0;
	}
	for (;;) {
		struct json_value item;
		memset(&item, 0, sizeof(item));
		if (read_value(r, &item) < 0) {
			value_release(&item);
			return -1;
		}
		push_item(v, &alloc, &item);
		skip_space(r);
		if (next_is(r, ']'))
			break;
		if (!next_is(r, ','))
			return unexpected(r, "',' or ']'");
		r->pos++;
	}
	r->pos++;
	return 0;
}

/* Members ordered by name, then by place: a name's repeats come next to each other. */
static int by_name(const void *a, const void *b)
{
	const struct json_value *x = *(const struct json_value *const *)a;
	const struct json_value *y = *(const struct json_value *const *)b;
	if (x->key_len != y->key_len)
		return x->key_len < y->key_len ? -1 : 1;
	int c = memcmp(x->key, y->key, x->key_len);
	return c ? c : (x > y) - (x < y);
}

static int same_name(const struct json_value *x, const struct json_value *y)
{
	return x->key_len == y->key_len && !memcmp(x->key, y->key, x->key_len);
}

/* Refuse an object that names a member twice; at[i] is where member i's name is.
 * Sorting keeps it O(n log n): a line of 100,000 names is read in milliseconds. */
static int refuse_repeats(struct reader *r, const struct json_value *v, const size_t *at)
{
	const struct json_value **m;
	size_t first = 0, again = SIZE_MAX;
	if (v->len < 2)
		return 0;
	m = xmalloc(v->len * sizeof(*m));
	for (size_t i = 0; i < v->len; i++)
		m[i] = &v->items[i];
	qsort(m, v->len, sizeof(*m), by_name);
	for (size_t i = 1; i < v->len; i++) {
		size_t later = (size_t)(m[i] - v->items);
		if (!same_name(m[i - 1], m[i]) || later > again)
			continue;
		again = later;
		first = (size_t)(m[i - 1] - v->items);
	}
	free(m);
	if (again == SIZE_MAX)
		return 0;
	return fail_at(r, at[again], "a member named twice (first at column %zu)", at[first] + 1);
}

static int read_object(struct reader *r, struct json_value *v)
{
	size_t alloc = 0, *at = NULL, at_alloc = 0;
	int rc = -1;
	v->kind = JSON_OBJECT;
	r->pos++;
	skip_space(r);
	if (next_is(r, '}')) {
		r->pos++;
		return 0;
	}
	for (;;) {
		struct json_value item;
		memset(&item, 0, sizeof(item));
		skip_space(r);
		if (!next_is(r, '"')) {
			unexpected(r, "a member's name (a string)");
			goto out;
		}
		size_t name_at = r->pos;
		if (read_string(r, &item.key, &item.key_len) < 0)
			goto out;
		skip_space(r);
		if (!next_is(r, ':')) {
			free(item.key);
			unexpected(r, "':'");
			goto out;
		}
		r->pos++;
		if (read_value(r, &item) < 0) {
			value_release(&item);
			goto out;
		}
		if (v->len == at_alloc) {
			at_alloc = at_alloc ? at_alloc * 2 : 4;
			at = xrealloc(at, at_alloc * sizeof(*at));
		}
		at[v->len] = name_at;
		push_item(v, &alloc, &item);
		skip_space(r);
		if (next_is(r, '}'))
			break;
		if (!next_is(r, ',')) {
			unexpected(r, "',' or '}'");
			goto out;
		}
		r->pos++;
	}
	r->pos++;
	rc = refuse_repeats(r, v, at);
out:
	free(at);
	return rc;
}

/* One value at r->pos (after white space) into v; on failure v may hold part of it
 * (the caller releases it). */
static int read_value(struct reader *r, struct json_value *v)
{
	static const struct { const char *word; enum json_kind kind; int flag; } words[] = {
		{ "true", JSON_BOOL, 1 }, { "false", JSON_BOOL, 0 }, { "null", JSON_NULL, 0 },
	};
	skip_space(r);
	if (next_is(r, '[') || next_is(r, '{')) {
		if (r->depth >= JSON_MAX_DEPTH)
			return fail_at(r, r->pos, "nested more than %d deep", JSON_MAX_DEPTH);
		r->depth++;
		int rc = next_is(r, '[') ? read_array(r, v) : read_object(r, v);
		r->depth--;
		return rc;
	}
	if (next_is(r, '"')) {
		v->kind = JSON_STRING;
		return read_string(r, &v->str, &v->len);
	}
	if (next_is(r, '-') || is_digit(r, r->pos))
		return read_number(r, v);
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		size_t n = strlen(words[i].word);
		if (r->len - r->pos >= n && !memcmp(r->s + r->pos, words[i].word, n)) {
			v->kind = words[i].kind;
			v->flag = words[i].flag;
			r->pos += n;
			return 0;
		}
	}
	return unexpected(r, "a value");
}

struct json_value *json_parse(const char *buf, size_t len, struct json_error *err)
{
	struct json_error ignored;
	struct reader r = { (const unsigned char *)buf, len, 0, 0, err ? err : &ignored };
	struct json_value v, *root;
	memset(&v, 0, sizeof(v));
	memset(r.err, 0, sizeof(*r.err));
	if (read_value(&r, &v) < 0)
		goto fail;
	skip_space(&r);
	if (r.pos < r.len) {
		unexpected(&r, "the end of the text");
		goto fail;
	}
	root = xmalloc(sizeof(*root));
	*root = v;
	return root;
fail:
	value_release(&v);
	return NULL;
}

void json_value_free(struct json_value *v)
{
	if (!v)
		return;
	value_release(v);
	free(v);
}

/* ---- reading the tree ---- */

int json_value_is(const struct json_value *v, enum json_kind k)
{
	return v && v->kind == k;
}

const struct json_value *json_value_find(const struct json_value *v, const char *key)
{
	size_t n = strlen(key);
	if (!json_value_is(v, JSON_OBJECT))
		return NULL;
	for (size_t i = 0; i < v->len; i++)
		if (v->items[i].key_len == n && !memcmp(v->items[i].key, key, n))
			return &v->items[i];
	return NULL;
}

size_t json_value_count(const struct json_value *v)
{
	return json_value_is(v, JSON_ARRAY) || json_value_is(v, JSON_OBJECT) ? v->len : 0;
}

const struct json_value *json_value_at(const struct json_value *v, size_t i)
{
	return i < json_value_count(v) ? &v->items[i] : NULL;
}

const char *json_value_str(const struct json_value *v, size_t *len)
{
	if (!json_value_is(v, JSON_STRING))
		return NULL;
	if (len)
		*len = v->len;
	return v->str;
}

int json_value_int(const struct json_value *v, int64_t *out)
{
	if (!json_value_is(v, JSON_NUMBER) || !v->flag)
		return -1;
	*out = v->i;
	return 0;
}

int json_value_real(const struct json_value *v, double *out)
{
	if (!json_value_is(v, JSON_NUMBER))
		return -1;
	*out = v->flag ? (double)v->i : v->real;
	return 0;
}

int json_value_bool(const struct json_value *v)
{
	return json_value_is(v, JSON_BOOL) ? v->flag : -1;
}

int json_value_equal(const struct json_value *a, const struct json_value *b)
{
	if (!a || !b || a->kind != b->kind)
		return a == b;
	switch (a->kind) {
	case JSON_NULL:
		return 1;
	case JSON_BOOL:
		return a->flag == b->flag;
	case JSON_NUMBER:
		return a->flag == b->flag && (a->flag ? a->i == b->i : a->real == b->real);
	case JSON_STRING:
		return a->len == b->len && !memcmp(a->str, b->str, a->len);
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (a->len != b->len)
			return 0;
		for (size_t i = 0; i < a->len; i++) {
			const struct json_value *x = &a->items[i], *y = &b->items[i];
			if (x->key_len != y->key_len || (x->key_len && memcmp(x->key, y->key, x->key_len)) ||
			    !json_value_equal(x, y))
				return 0;
		}
		return 1;
	}
	return 0;
}
