/*
 * json: kdive's one JSON library, its writer (the reader is json_read.c). Depends on
 * strbuf.
 */
#include "json.h"
#include "quote.h"

#include <string.h>

/* ---- UTF-8, as the writer and the reader see it ---- */

size_t json_utf8_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (!len || s[0] > 0xf4 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (len == 3 && s[0] == 0xe0 && s[1] < 0xa0)
		return 0; /* overlong */
	if (len == 3 && s[0] == 0xed && s[1] >= 0xa0)
		return 0; /* UTF-16 surrogate */
	if (len == 4 && s[0] == 0xf0 && s[1] < 0x90)
		return 0; /* overlong */
	if (len == 4 && s[0] == 0xf4 && s[1] >= 0x90)
		return 0; /* past U+10FFFF */
	return len;
}

/* ---- the writer ---- */

void json_quote_mem(struct strbuf *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	strbuf_addch(out, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len = json_utf8_len(s + i, n - i);
		if (!len) {
			strbuf_addstr(out, "\xef\xbf\xbd");
			i++;
			continue;
		}
		if (len > 1) {
			strbuf_add(out, s + i, len);
			i += len;
			continue;
		}
		i++;
		if (quote_named_escape(out, c))
			continue;
		if (c < 0x20 || c == 0x7f)
			strbuf_addf(out, "\\u%04x", c);
		else
			strbuf_addch(out, (char)c);
	}
	strbuf_addch(out, '"');
}

void json_quote(struct strbuf *out, const char *s)
{
	json_quote_mem(out, s, strlen(s));
}

void json_init(struct json *j, struct strbuf *out, int pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = pretty;
	j->first[0] = 1;
}

static void indent(struct json *j)
{
	if (!j->pretty)
		return;
	strbuf_addch(j->out, '\n');
	for (int i = 0; i < j->depth; i++)
		strbuf_addstr(j->out, "  ");
}

/* Start a member (with key of key_len bytes, inside an object) or an element (key
 * NULL); 0 when it is to be dropped (inside a container past the depth limit). */
static int member_mem(struct json *j, const char *key, size_t key_len)
{
	if (j->skip)
		return 0;
	if (!j->first[j->depth])
		strbuf_addch(j->out, ',');
	if (j->depth > 0 || !j->first[0])
		indent(j);
	j->first[j->depth] = 0;
	if (key) {
		json_quote_mem(j->out, key, key_len);
		strbuf_addstr(j->out, j->pretty ? ": " : ":");
	}
	return 1;
}

static int member(struct json *j, const char *key)
{
	return member_mem(j, key, key ? strlen(key) : 0);
}

/* Open a container as member_mem() starts a member. */
static void open_mem(struct json *j, const char *key, size_t key_len, char brace)
{
	if (j->skip || j->depth >= JSON_MAX_DEPTH) {
		/* Deeper than kdive reads or writes: null, and the document stays valid. */
		if (member_mem(j, key, key_len))
			strbuf_addstr(j->out, "null");
		j->skip++;
		return;
	}
	if (member_mem(j, key, key_len))
		strbuf_addch(j->out, brace);
	j->depth++;
	j->close[j->depth] = brace == '{' ? '}' : ']';
	j->first[j->depth] = 1;
}

void json_open(struct json *j, const char *key, char brace)
{
	open_mem(j, key, key ? strlen(key) : 0, brace);
}

void json_close(struct json *j)
{
	if (j->skip) {
		j->skip--;
		return;
	}
	if (j->depth == 0)
		return;
	int empty = j->first[j->depth];
	char brace = j->close[j->depth];
	j->depth--;
	if (!empty)
		indent(j);
	strbuf_addch(j->out, brace);
}

void json_finish(struct json *j)
{
	j->skip = 0;
	while (j->depth > 0)
		json_close(j);
	strbuf_addch(j->out, '\n');
}

void json_str(struct json *j, const char *key, const char *value)
{
	if (!member(j, key))
		return;
	if (value)
		json_quote(j->out, value);
	else
		strbuf_addstr(j->out, "null");
}

void json_mem(struct json *j, const char *key, const char *value, size_t len)
{
	if (member(j, key))
		json_quote_mem(j->out, value, len);
}

void json_raw(struct json *j, const char *key, const char *text)
{
	if (member(j, key))
		strbuf_addstr(j->out, text);
}

void json_int(struct json *j, const char *key, int64_t value)
{
	if (member(j, key))
		strbuf_addf(j->out, "%lld", (long long)value);
}

void json_uint(struct json *j, const char *key, uint64_t value)
{
	if (member(j, key))
		strbuf_addf(j->out, "%llu", (unsigned long long)value);
}

void json_bool(struct json *j, const char *key, int value)
{
	if (member(j, key))
		strbuf_addstr(j->out, value ? "true" : "false");
}

void json_nil(struct json *j, const char *key)
{
	if (member(j, key))
		strbuf_addstr(j->out, "null");
}

void json_hex(struct json *j, const char *key, uint64_t value)
{
	if (member(j, key))
		strbuf_addf(j->out, "\"0x%llx\"", (unsigned long long)value);
}

void json_ms(struct json *j, const char *key, int64_t ms)
{
	if (ms < 0)
		json_nil(j, key);
	else
		json_int(j, key, ms);
}

void json_seconds(struct json *j, const char *key, int64_t ms)
{
	if (member(j, key))
		strbuf_addf(j->out, "%.3f", (double)ms / 1000.0);
}

/* ---- a parsed tree, written ---- */

static void write_value(struct json *j, const char *key, size_t key_len,
			const struct json_value *v)
{
	if (v && (v->kind == JSON_ARRAY || v->kind == JSON_OBJECT)) {
		open_mem(j, key, key_len, v->kind == JSON_ARRAY ? '[' : '{');
		for (size_t i = 0; i < v->len; i++)
			write_value(j, v->items[i].key, v->items[i].key_len, &v->items[i]);
		json_close(j);
		return;
	}
	if (!member_mem(j, key, key_len))
		return;
	if (!v || v->kind == JSON_NULL)
		strbuf_addstr(j->out, "null");
	else if (v->kind == JSON_BOOL)
		strbuf_addstr(j->out, v->flag ? "true" : "false");
	else if (v->kind == JSON_NUMBER)
		strbuf_add(j->out, v->str, v->len);
	else
		json_quote_mem(j->out, v->str, v->len);
}

void json_value_write(struct json *j, const char *key, const struct json_value *v)
{
	write_value(j, key, key ? strlen(key) : 0, v);
}
