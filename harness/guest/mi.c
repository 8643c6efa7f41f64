/*
 * mi: GDB/MI3 output parser. Bytes are cut into lines (MI is line-framed: a C-string
 * never holds a raw newline, gdb escapes it), and each complete line is parsed by a
 * recursive-descent parser into a record. Cutting first is what makes any
 * fragmentation of the input give the same records. See harness/mi-grammar.md.
 *
 * Pure: no I/O. Depends on strbuf and wrapper (x-allocation).
 */
#include "mi.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "wrapper.h"

/*
 * Tuples and lists nested deeper than this are a parse error: it bounds the recursion
 * (gdb's deepest real output, -break-list or a stopped frame's args, is about 4).
 */
#define MI_MAX_DEPTH 512

struct mi_parser {
	struct strbuf line;     /* the line being received, without its terminator */
	size_t max_line;        /* longest line accepted in bytes, 0 for no limit */
	int overflow;           /* 1 while dropping the rest of a line longer than max_line */
	size_t overflow_len;    /* length so far of the line being dropped */
	struct mi_record *head; /* oldest queued record, owned by the queue; NULL when empty */
	struct mi_record *tail; /* newest queued record; NULL when empty */
};

/* Where the line parser is. */
struct cursor {
	const char *s;     /* the line, not NUL-terminated, without its terminator */
	size_t len;        /* bytes in s */
	size_t pos;        /* index of the next byte to read */
	int depth;         /* current nesting of tuples and lists */
	size_t err_col;    /* 1-based column of the first error, 0 while there is none */
	struct strbuf err; /* message of the first error */
};

/* ---- records and values ---- */

static void value_release(struct mi_value *v)
{
	for (size_t i = 0; i < v->nr; i++)
		value_release(&v->items[i]);
	free(v->items);
	free(v->name);
	free(v->str);
	memset(v, 0, sizeof(*v));
}

void mi_record_free(struct mi_record *r)
{
	if (!r)
		return;
	value_release(&r->results);
	free(r->class_name);
	free(r->text);
	free(r->message);
	free(r);
}

static struct mi_record *record_new(enum mi_record_kind kind)
{
	struct mi_record *r = xcalloc(1, sizeof(*r));
	r->kind = kind;
	r->results.kind = MI_VALUE_TUPLE;
	return r;
}

const char *mi_record_kind_name(enum mi_record_kind kind)
{
	switch (kind) {
	case MI_RECORD_RESULT: return "result";
	case MI_RECORD_EXEC: return "exec";
	case MI_RECORD_STATUS: return "status";
	case MI_RECORD_NOTIFY: return "notify";
	case MI_RECORD_CONSOLE: return "console";
	case MI_RECORD_TARGET: return "target";
	case MI_RECORD_LOG: return "log";
	case MI_RECORD_PROMPT: return "prompt";
	case MI_RECORD_PARSE_ERROR: return "parse-error";
	}
	return "unknown";
}

/* ---- the line parser ---- */

__attribute__((format(printf, 3, 4)))
static int fail(struct cursor *c, size_t pos, const char *fmt, ...)
{
	va_list ap;
	if (c->err_col)
		return -1;
	c->err_col = pos + 1;
	va_start(ap, fmt);
	strbuf_vaddf(&c->err, fmt, ap);
	va_end(ap);
	return -1;
}

static int at_end(const struct cursor *c)
{
	return c->pos >= c->len;
}

static int peek(const struct cursor *c)
{
	return at_end(c) ? -1 : (unsigned char)c->s[c->pos];
}

/* A byte shown in a message: 'x' when printable, else its code. */
static const char *show_byte(int ch, char buf[16])
{
	if (ch < 0)
		return "end of line";
	if (ch > 0x20 && ch < 0x7f)
		snprintf(buf, 16, "'%c'", ch);
	else
		snprintf(buf, 16, "0x%02x", (unsigned)ch & 0xffu);
	return buf;
}

static int unexpected(struct cursor *c, const char *what)
{
	char b[16];
	int ch = peek(c);
	if (ch == 0)
		return fail(c, c->pos, "unexpected NUL byte (expected %s)", what);
	return fail(c, c->pos, "expected %s, got %s", what, show_byte(ch, b));
}

/*
 * Characters of a variable name or a class: anything visible except the bytes that
 * delimit MI syntax. gdb uses [A-Za-z0-9_-] (and '-' a lot: "thread-groups").
 */
static int is_word_char(int ch)
{
	return ch > 0x20 && ch != 0x7f && ch != '=' && ch != ',' && ch != '{' && ch != '}' &&
	       ch != '[' && ch != ']' && ch != '"';
}

static size_t word_len(const struct cursor *c)
{
	size_t n = 0;
	while (c->pos + n < c->len && is_word_char((unsigned char)c->s[c->pos + n]))
		n++;
	return n;
}

static int hex_digit(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The escape after a backslash at c->pos - 1; appends the byte it stands for. */
static int parse_escape(struct cursor *c, struct strbuf *out, size_t open)
{
	size_t bs = c->pos - 1;
	char b[16];
	int ch = peek(c), v;

	switch (ch) {
	case -1:
		return fail(c, c->len, "unterminated string (opened at column %zu)", open + 1);
	case 'n': v = '\n'; break;
	case 't': v = '\t'; break;
	case 'r': v = '\r'; break;
	case 'a': v = '\a'; break;
	case 'b': v = '\b'; break;
	case 'f': v = '\f'; break;
	case 'v': v = '\v'; break;
	case 'e': v = '\033'; break; /* gdb's printchar() writes ESC as \e */
	case '"': case '\\': case '\'': case '?': v = ch; break;
	case 'x': {
		int d, n = 0;
		v = 0;
		c->pos++;
		while (n < 2 && (d = hex_digit(peek(c))) >= 0) {
			v = v * 16 + d;
			c->pos++;
			n++;
		}
		if (!n)
			return fail(c, bs, "escape '\\x' without hex digits");
		strbuf_addch(out, v);
		return 0;
	}
	default:
		if (ch >= '0' && ch <= '7') {
			/* C's octal escape: one to three digits; gdb always writes three. */
			int n = 0;
			v = 0;
			while (n < 3 && peek(c) >= '0' && peek(c) <= '7') {
				v = v * 8 + (peek(c) - '0');
				c->pos++;
				n++;
			}
			if (v > 0xff)
				return fail(c, bs, "octal escape '\\%.*s' is out of range", n,
					    c->s + bs + 1);
			strbuf_addch(out, v);
			return 0;
		}
		if (ch > 0x20 && ch < 0x7f)
			return fail(c, bs, "unknown escape '\\%c'", ch);
		return fail(c, bs, "unknown escape: '\\' followed by %s", show_byte(ch, b));
	}
	c->pos++;
	strbuf_addch(out, v);
	return 0;
}

/* A C-string at c->pos (which is the opening quote); the decoded bytes go to out. */
static int parse_cstring(struct cursor *c, struct strbuf *out)
{
	size_t open = c->pos;
	c->pos++;
	for (;;) {
		size_t start = c->pos;
		/* Copy the run of plain bytes in one go: lines of 100 KB are common. */
		while (c->pos < c->len && c->s[c->pos] != '"' && c->s[c->pos] != '\\' &&
		       c->s[c->pos] != '\0')
			c->pos++;
		strbuf_add(out, c->s + start, c->pos - start);
		switch (peek(c)) {
		case -1:
			return fail(c, c->len, "unterminated string (opened at column %zu)",
				    open + 1);
		case '\0':
			return fail(c, c->pos, "unexpected NUL byte in string");
		case '"':
			c->pos++;
			return 0;
		default: /* backslash */
			c->pos++;
			if (parse_escape(c, out, open) < 0)
				return -1;
		}
	}
}

static int parse_string_value(struct cursor *c, struct mi_value *v)
{
	struct strbuf sb = STRBUF_INIT;
	v->kind = MI_VALUE_STRING;
	if (parse_cstring(c, &sb) < 0) {
		strbuf_release(&sb);
		return -1;
	}
	v->str = strbuf_detach(&sb, &v->len);
	return 0;
}

static void push_item(struct mi_value *parent, size_t *alloc, struct mi_value *item)
{
	if (parent->nr == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 4;
		parent->items = xrealloc(parent->items, *alloc * sizeof(*parent->items));
	}
	parent->items[parent->nr++] = *item;
	memset(item, 0, sizeof(*item));
}

static int parse_value(struct cursor *c, struct mi_value *v);

static int starts_value(int ch)
{
	return ch == '"' || ch == '{' || ch == '[';
}

/* name=value at c->pos, into v (v->name is set). */
static int parse_result(struct cursor *c, struct mi_value *v)
{
	size_t n = word_len(c);
	int ch = peek(c);

	if (!n) {
		if (starts_value(ch))
			return fail(c, c->pos, "expected a name, got a value without one");
		return unexpected(c, "a name");
	}
	v->name = xstrndup(c->s + c->pos, n);
	c->pos += n;
	if (peek(c) != '=')
		return unexpected(c, "'=' after a name");
	c->pos++;
	return parse_value(c, v);
}

/*
 * A tuple or list at c->pos (the opening bracket). A tuple holds results only. A list
 * holds values or results; each item is a value if it starts like one ('"', '{', '['),
 * else a result. The grammar forbids mixing them, but gdb's MI2 -break-list wrote
 * body=[bkpt={...},{...}] for multi-location breakpoints, so a mix is kept as it is.
 */
static int parse_container(struct cursor *c, struct mi_value *v)
{
	int is_list = peek(c) == '[';
	int close = is_list ? ']' : '}';
	size_t alloc = 0;

	v->kind = is_list ? MI_VALUE_LIST : MI_VALUE_TUPLE;
	if (++c->depth > MI_MAX_DEPTH)
		return fail(c, c->pos, "tuples and lists nested deeper than %d", MI_MAX_DEPTH);
	c->pos++;
	if (peek(c) == close) {
		c->pos++;
		c->depth--;
		return 0;
	}
	for (;;) {
		struct mi_value item = { 0 };
		int r = is_list && starts_value(peek(c)) ? parse_value(c, &item)
							 : parse_result(c, &item);
		if (r < 0) {
			value_release(&item);
			return -1;
		}
		push_item(v, &alloc, &item);
		if (peek(c) == close) {
			c->pos++;
			c->depth--;
			return 0;
		}
		if (peek(c) != ',')
			return unexpected(c, is_list ? "',' or ']'" : "',' or '}'");
		c->pos++;
	}
}

static int parse_value(struct cursor *c, struct mi_value *v)
{
	switch (peek(c)) {
	case '"':
		return parse_string_value(c, v);
	case '{':
	case '[':
		return parse_container(c, v);
	default:
		return unexpected(c, "a value ('\"', '{' or '[')");
	}
}

/*
 * (',' result)* up to the end of the line, into r->results. A value without a name is
 * kept with name NULL: gdb writes +download,{section=".text",...} (any MI version) and
 * MI2 wrote bkpt={...},{...},{...} for a multi-location breakpoint.
 */
static int parse_results(struct cursor *c, struct mi_record *r)
{
	size_t alloc = 0;
	while (!at_end(c)) {
		struct mi_value item = { 0 };
		int ret;
		if (peek(c) != ',')
			return unexpected(c, "',' or end of line");
		c->pos++;
		if (at_end(c))
			return fail(c, c->pos, "expected a result after ','");
		ret = starts_value(peek(c)) ? parse_value(c, &item) : parse_result(c, &item);
		if (ret < 0) {
			value_release(&item);
			return -1;
		}
		push_item(&r->results, &alloc, &item);
	}
	return 0;
}

static const struct {
	const char *name;            /* as gdb writes it */
	enum mi_result_class result; /* decoded */
} result_classes[] = {
	{ "done", MI_RESULT_DONE },
	{ "running", MI_RESULT_RUNNING },
	{ "connected", MI_RESULT_CONNECTED },
	{ "error", MI_RESULT_ERROR },
	{ "exit", MI_RESULT_EXIT },
};

/* The class after '^', '*', '+' or '='. */
static int parse_class(struct cursor *c, struct mi_record *r)
{
	size_t n = word_len(c), at = c->pos;
	if (!n)
		return unexpected(c, "a class name");
	r->class_name = xstrndup(c->s + c->pos, n);
	c->pos += n;
	if (r->kind != MI_RECORD_RESULT)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(result_classes); i++)
		if (!strcmp(r->class_name, result_classes[i].name)) {
			r->result = result_classes[i].result;
			return 0;
		}
	return fail(c, at, "unknown result class '%s'", r->class_name);
}

/* A whole line is "(gdb)" and maybe spaces: gdb writes "(gdb) " with one. */
static int is_prompt(const char *s, size_t len)
{
	if (len < 5 || memcmp(s, "(gdb)", 5))
		return 0;
	for (size_t i = 5; i < len; i++)
		if (s[i] != ' ')
			return 0;
	return 1;
}

static enum mi_record_kind kind_of(int ch)
{
	switch (ch) {
	case '^': return MI_RECORD_RESULT;
	case '*': return MI_RECORD_EXEC;
	case '+': return MI_RECORD_STATUS;
	case '=': return MI_RECORD_NOTIFY;
	case '~': return MI_RECORD_CONSOLE;
	case '@': return MI_RECORD_TARGET;
	case '&': return MI_RECORD_LOG;
	default: return MI_RECORD_PARSE_ERROR;
	}
}

/* Parse one line into r; on error r is left partly filled and c->err_col is set. */
static int parse_record(struct cursor *c, struct mi_record *r)
{
	enum mi_record_kind kind;

	if (is_prompt(c->s, c->len)) {
		r->kind = MI_RECORD_PROMPT;
		return 0;
	}
	while (peek(c) >= '0' && peek(c) <= '9') {
		unsigned d = (unsigned)(peek(c) - '0');
		if (r->token > (UINT64_MAX - d) / 10)
			return fail(c, 0, "token does not fit in 64 bits");
		r->token = r->token * 10 + d;
		r->has_token = 1;
		c->pos++;
	}
	kind = kind_of(peek(c));
	if (kind == MI_RECORD_PARSE_ERROR)
		return unexpected(c, r->has_token ? "'^', '*', '+' or '=' after a token"
						  : "a record ('^', '*', '+', '=', '~', '@', '&' or "
						    "\"(gdb)\")");
	r->kind = kind;
	c->pos++;
	switch (kind) {
	case MI_RECORD_CONSOLE:
	case MI_RECORD_TARGET:
	case MI_RECORD_LOG: {
		struct strbuf sb = STRBUF_INIT;
		if (r->has_token)
			return fail(c, c->pos - 1, "a stream record takes no token");
		if (peek(c) != '"')
			return unexpected(c, "'\"' (a stream record is one C-string)");
		if (parse_cstring(c, &sb) < 0) {
			strbuf_release(&sb);
			return -1;
		}
		r->text = strbuf_detach(&sb, &r->text_len);
		if (!at_end(c))
			return unexpected(c, "end of line after the string");
		return 0;
	}
	default:
		if (parse_class(c, r) < 0)
			return -1;
		return parse_results(c, r);
	}
}

static struct mi_record *error_record(const char *line, size_t len, size_t column,
				      const char *message)
{
	struct mi_record *r = record_new(MI_RECORD_PARSE_ERROR);
	r->text = xstrndup(line, len);
	r->text_len = len;
	r->column = column;
	r->message = xstrdup(message);
	return r;
}

/* Parse a complete line into a new record. */
static struct mi_record *parse_line(const char *line, size_t len)
{
	struct cursor c = { .s = line, .len = len, .err = STRBUF_INIT };
	struct mi_record *r = record_new(MI_RECORD_PARSE_ERROR);

	if (parse_record(&c, r) < 0) {
		mi_record_free(r);
		r = error_record(line, len, c.err_col, c.err.buf);
	}
	strbuf_release(&c.err);
	return r;
}

/* ---- the push parser ---- */

struct mi_parser *mi_parser_new(void)
{
	struct mi_parser *p = xcalloc(1, sizeof(*p));
	strbuf_init(&p->line, 0);
	p->max_line = MI_DEFAULT_MAX_LINE;
	return p;
}

void mi_parser_free(struct mi_parser *p)
{
	struct mi_record *r, *next;
	if (!p)
		return;
	for (r = p->head; r; r = next) {
		next = r->next;
		mi_record_free(r);
	}
	strbuf_release(&p->line);
	free(p);
}

void mi_parser_set_max_line(struct mi_parser *p, size_t max)
{
	p->max_line = max;
}

static void enqueue(struct mi_parser *p, struct mi_record *r)
{
	if (p->tail)
		p->tail->next = r;
	else
		p->head = r;
	p->tail = r;
}

/* The current line is complete: parse it (an empty line carries nothing). */
static void end_line(struct mi_parser *p)
{
	if (p->overflow) {
		char msg[96];
		snprintf(msg, sizeof(msg), "line of %zu bytes is longer than the limit of %zu",
			 p->overflow_len, p->max_line);
		enqueue(p, error_record(p->line.buf, p->line.len, p->max_line + 1, msg));
	} else if (p->line.len) {
		enqueue(p, parse_line(p->line.buf, p->line.len));
	}
	p->overflow = 0;
	p->overflow_len = 0;
	strbuf_reset(&p->line);
}

/* Add bytes without a line terminator to the current line, honouring max_line. */
static void add_to_line(struct mi_parser *p, const char *s, size_t n)
{
	if (p->overflow) {
		p->overflow_len += n;
		return;
	}
	if (p->max_line && p->line.len + n > p->max_line) {
		size_t keep = p->max_line - p->line.len;
		strbuf_add(&p->line, s, keep);
		p->overflow = 1;
		p->overflow_len = p->line.len + (n - keep);
		return;
	}
	strbuf_add(&p->line, s, n);
}

int mi_parser_push(struct mi_parser *p, const char *bytes, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t start = i;
		/* MI's nl is CR, LF or CR LF: a CR ends the line and the LF after it then
		 * ends an empty one, which is dropped. So "\r\n" split anywhere is the same. */
		while (i < len && bytes[i] != '\n' && bytes[i] != '\r')
			i++;
		add_to_line(p, bytes + start, i - start);
		if (i < len) {
			end_line(p);
			i++;
		}
	}
	return 0;
}

int mi_parser_finish(struct mi_parser *p)
{
	if (p->line.len || p->overflow)
		end_line(p);
	return 0;
}

struct mi_record *mi_parser_next(struct mi_parser *p)
{
	struct mi_record *r = p->head;
	if (!r)
		return NULL;
	p->head = r->next;
	if (!p->head)
		p->tail = NULL;
	r->next = NULL;
	return r;
}

/* ---- accessors ---- */

static const struct mi_value *find_n(const struct mi_value *v, const char *name, size_t n)
{
	if (!v || v->kind == MI_VALUE_STRING)
		return NULL;
	for (size_t i = 0; i < v->nr; i++) {
		const char *in = v->items[i].name;
		if (in && !strncmp(in, name, n) && in[n] == '\0')
			return &v->items[i];
	}
	return NULL;
}

const struct mi_value *mi_value_find(const struct mi_value *v, const char *name)
{
	return find_n(v, name, strlen(name));
}

const struct mi_value *mi_value_at(const struct mi_value *v, size_t i)
{
	if (!v || v->kind == MI_VALUE_STRING || i >= v->nr)
		return NULL;
	return &v->items[i];
}

const struct mi_value *mi_value_find_path(const struct mi_value *v, const char *path)
{
	const char *s = path;
	for (;;) {
		size_t n = strcspn(s, ".");
		size_t digits = strspn(s, "0123456789");

		if (!n)
			return NULL;
		if (digits >= n) {
			size_t idx = 0;
			for (size_t k = 0; k < n; k++) {
				if (idx > (SIZE_MAX - 9) / 10)
					return NULL;
				idx = idx * 10 + (size_t)(s[k] - '0');
			}
			v = mi_value_at(v, idx);
		} else {
			v = find_n(v, s, n);
		}
		if (!v)
			return NULL;
		if (!s[n])
			return v;
		s += n + 1;
	}
}

const char *mi_value_str(const struct mi_value *v)
{
	return v && v->kind == MI_VALUE_STRING ? v->str : NULL;
}

const char *mi_value_find_str(const struct mi_value *v, const char *path)
{
	return mi_value_str(mi_value_find_path(v, path));
}

const struct mi_value *mi_record_find_path(const struct mi_record *r, const char *path)
{
	if (!r)
		return NULL;
	switch (r->kind) {
	case MI_RECORD_RESULT:
	case MI_RECORD_EXEC:
	case MI_RECORD_STATUS:
	case MI_RECORD_NOTIFY:
		return mi_value_find_path(&r->results, path);
	default:
		return NULL;
	}
}

const char *mi_record_find_str(const struct mi_record *r, const char *path)
{
	return mi_value_str(mi_record_find_path(r, path));
}

/* ---- canonical dump ---- */

static void dump_str(struct strbuf *out, const char *s, size_t len)
{
	strbuf_addch(out, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '"': strbuf_addstr(out, "\\\""); break;
		case '\\': strbuf_addstr(out, "\\\\"); break;
		case '\n': strbuf_addstr(out, "\\n"); break;
		case '\t': strbuf_addstr(out, "\\t"); break;
		case '\r': strbuf_addstr(out, "\\r"); break;
		default:
			if (ch < 0x20 || ch > 0x7e)
				strbuf_addf(out, "\\x%02x", ch);
			else
				strbuf_addch(out, ch);
		}
	}
	strbuf_addch(out, '"');
}

static void indent(struct strbuf *out, int level)
{
	for (int i = 0; i < level; i++)
		strbuf_addstr(out, "  ");
}

static void dump_value(const struct mi_value *v, int level, struct strbuf *out)
{
	indent(out, level);
	if (v->name) {
		strbuf_addstr(out, v->name);
		strbuf_addch(out, '=');
	}
	if (v->kind == MI_VALUE_STRING) {
		dump_str(out, v->str, v->len);
		strbuf_addch(out, '\n');
		return;
	}
	strbuf_addch(out, v->kind == MI_VALUE_TUPLE ? '{' : '[');
	if (v->nr) {
		strbuf_addch(out, '\n');
		for (size_t i = 0; i < v->nr; i++)
			dump_value(&v->items[i], level + 1, out);
		indent(out, level);
	}
	strbuf_addstr(out, v->kind == MI_VALUE_TUPLE ? "}\n" : "]\n");
}

void mi_record_dump(const struct mi_record *r, struct strbuf *out)
{
	strbuf_addstr(out, mi_record_kind_name(r->kind));
	switch (r->kind) {
	case MI_RECORD_CONSOLE:
	case MI_RECORD_TARGET:
	case MI_RECORD_LOG:
		strbuf_addch(out, ' ');
		dump_str(out, r->text, r->text_len);
		strbuf_addch(out, '\n');
		return;
	case MI_RECORD_PROMPT:
		strbuf_addch(out, '\n');
		return;
	case MI_RECORD_PARSE_ERROR:
		strbuf_addf(out, " column=%zu message=", r->column);
		dump_str(out, r->message, strlen(r->message));
		strbuf_addstr(out, " line=");
		dump_str(out, r->text, r->text_len);
		strbuf_addch(out, '\n');
		return;
	default:
		break;
	}
	if (r->has_token)
		strbuf_addf(out, " token=%llu", (unsigned long long)r->token);
	strbuf_addf(out, " %s\n", r->class_name);
	for (size_t i = 0; i < r->results.nr; i++)
		dump_value(&r->results.items[i], 1, out);
}
