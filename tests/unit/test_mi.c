/*
 * Unit tests for mi: the golden transcripts in tests/mi (real gdb 13 output against the
 * real kernel) fed whole, line by line, one byte at a time and in random chunks, and
 * hand-made lines for escapes, tokens, malformed input, CRLF, long lines and NUL bytes.
 */
#include "test.h"
#include "mi.h"
#include "strbuf.h"
#include "strvec.h"
#include "wrapper.h"

#include <dirent.h>

/* How a test feeds bytes to the parser. */
enum feed {
	FEED_WHOLE,  /* one push of everything */
	FEED_LINES,  /* one push per line, newline included */
	FEED_BYTES,  /* one push per byte */
	FEED_RANDOM, /* pushes of 1..64 bytes, sizes from a fixed seed */
};

static const char *feed_name(enum feed f)
{
	static const char *names[] = { "whole", "line by line", "byte by byte", "random chunks" };
	return names[f];
}

static void feed(struct mi_parser *p, const char *s, size_t len, enum feed f)
{
	unsigned seed = 12345;
	size_t i = 0;
	while (i < len) {
		size_t n;
		switch (f) {
		case FEED_WHOLE:
			n = len;
			break;
		case FEED_LINES: {
			const char *nl = memchr(s + i, '\n', len - i);
			n = nl ? (size_t)(nl - (s + i)) + 1 : len - i;
			break;
		}
		case FEED_BYTES:
			n = 1;
			break;
		default:
			seed = seed * 1103515245 + 12345;
			n = 1 + (seed >> 16) % 64;
			break;
		}
		if (n > len - i)
			n = len - i;
		ASSERT_EQ(mi_parser_push(p, s + i, n), 0);
		i += n;
	}
}

/* Parse all of s as fed by f and return the dump of every record (caller frees). */
static char *parse_dump(const char *s, size_t len, enum feed f)
{
	struct mi_parser *p = mi_parser_new();
	struct strbuf out = STRBUF_INIT;
	struct mi_record *r;
	feed(p, s, len, f);
	mi_parser_finish(p);
	while ((r = mi_parser_next(p))) {
		mi_record_dump(r, &out);
		mi_record_free(r);
	}
	mi_parser_free(p);
	return strbuf_detach(&out, NULL);
}

/* Parse exactly one line (a newline is added) into one record; the caller frees it. */
static struct mi_record *parse1_len(const char *line, size_t len)
{
	struct mi_parser *p = mi_parser_new();
	struct mi_record *r, *extra;
	mi_parser_push(p, line, len);
	mi_parser_push(p, "\n", 1);
	r = mi_parser_next(p);
	extra = mi_parser_next(p);
	mi_parser_free(p);
	ASSERT_TRUE(r != NULL);
	EXPECT_TRUE(extra == NULL);
	mi_record_free(extra);
	return r;
}

static struct mi_record *parse1(const char *line)
{
	return parse1_len(line, strlen(line));
}

/* Expect line to be a parse error at column col whose message contains msg. */
static void expect_error(const char *line, size_t col, const char *msg, int src_line)
{
	struct mi_record *r = parse1(line);
	if (r->kind != MI_RECORD_PARSE_ERROR) {
		test_fail(__FILE__, src_line, "'%s' parsed as %s, not as an error", line,
			  mi_record_kind_name(r->kind));
	} else {
		if (r->column != col)
			test_fail(__FILE__, src_line, "'%s': error at column %zu, expected %zu (%s)",
				  line, r->column, col, r->message);
		if (!strstr(r->message, msg))
			test_fail(__FILE__, src_line, "'%s': message \"%s\" lacks \"%s\"", line,
				  r->message, msg);
		if (r->text_len != strlen(line) || memcmp(r->text, line, r->text_len))
			test_fail(__FILE__, src_line, "'%s': error record holds '%s'", line, r->text);
	}
	mi_record_free(r);
}
#define EXPECT_ERROR(line, col, msg) expect_error(line, col, msg, __LINE__)

/* ---- goldens ---- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the .mi files in tests/mi, sorted. */
static void list_goldens(struct strvec *names)
{
	char *dir = xstrfmt("%s/tests/mi", test_srcdir());
	DIR *d = opendir(dir);
	struct dirent *de;
	ASSERT_TRUE(d != NULL);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n > 3 && !strcmp(de->d_name + n - 3, ".mi"))
			strvec_push(names, de->d_name);
	}
	closedir(d);
	free(dir);
	qsort(names->v, names->nr, sizeof(*names->v), cmp_names);
}

/* Offset of the first byte after the '#' header lines. */
static size_t skip_header(const struct strbuf *sb)
{
	size_t off = 0;
	while (off < sb->len && sb->buf[off] == '#') {
		const char *nl = memchr(sb->buf + off, '\n', sb->len - off);
		off = nl ? (size_t)(nl - sb->buf) + 1 : sb->len;
	}
	return off;
}

/* Report the first line where got and want differ. */
static void report_diff(const char *what, const char *got, const char *want)
{
	int line = 1;
	const char *g = got, *w = want;
	while (*g && *g == *w) {
		if (*g == '\n') {
			line++;
			got = g + 1;
			want = w + 1;
		}
		g++;
		w++;
	}
	test_fail(__FILE__, __LINE__, "%s: dump differs from .expect at line %d:\n got: %.*s\nwant: %.*s",
		  what, line, (int)strcspn(got, "\n"), got, (int)strcspn(want, "\n"), want);
}

static void check_goldens(enum feed f)
{
	struct strvec names = STRVEC_INIT;
	list_goldens(&names);
	EXPECT_GE(names.nr, 12);
	for (size_t i = 0; i < names.nr; i++) {
		struct strbuf mi = STRBUF_INIT, expect = STRBUF_INIT;
		char *path = xstrfmt("%s/tests/mi/%s", test_srcdir(), names.v[i]);
		char *epath = xstrfmt("%.*s.expect", (int)(strlen(path) - 3), path);
		char *what = xstrfmt("%s (%s)", names.v[i], feed_name(f));
		ASSERT_EQ(strbuf_read_file(&mi, path), 0);
		ASSERT_EQ(strbuf_read_file(&expect, epath), 0);
		size_t off = skip_header(&mi);
		EXPECT_TRUE(off > 0 && off < mi.len);
		char *got = parse_dump(mi.buf + off, mi.len - off, f);
		if (strcmp(got, expect.buf))
			report_diff(what, got, expect.buf);
		/* No golden is a parse error: they are real gdb output. */
		if (strstr(got, "\nparse-error") || !strncmp(got, "parse-error", 11))
			test_fail(__FILE__, __LINE__, "%s has a parse error", what);
		free(got);
		free(what);
		free(epath);
		free(path);
		strbuf_release(&expect);
		strbuf_release(&mi);
	}
	strvec_clear(&names);
}

TEST(mi_goldens_whole)
{
	check_goldens(FEED_WHOLE);
}

TEST(mi_goldens_line_by_line)
{
	check_goldens(FEED_LINES);
}

TEST(mi_goldens_byte_by_byte)
{
	check_goldens(FEED_BYTES);
}

TEST(mi_goldens_random_chunks)
{
	check_goldens(FEED_RANDOM);
}

TEST(mi_golden_headers_name_versions_and_command)
{
	struct strvec names = STRVEC_INIT;
	list_goldens(&names);
	for (size_t i = 0; i < names.nr; i++) {
		struct strbuf mi = STRBUF_INIT;
		char *path = xstrfmt("%s/tests/mi/%s", test_srcdir(), names.v[i]);
		ASSERT_EQ(strbuf_read_file(&mi, path), 0);
		mi.buf[skip_header(&mi)] = '\0';
		EXPECT_CONTAINS(mi.buf, "\n# gdb: GNU gdb");
		EXPECT_CONTAINS(mi.buf, "\n# qemu: QEMU emulator version");
		EXPECT_CONTAINS(mi.buf, "\n# date: ");
		EXPECT_CONTAINS(mi.buf, "\n# sent: ");
		free(path);
		strbuf_release(&mi);
	}
	strvec_clear(&names);
}

/* The goldens, read through the accessors a caller uses. */
TEST(mi_golden_connect_stopped_before_connected)
{
	struct strbuf mi = STRBUF_INIT;
	char *path = xstrfmt("%s/tests/mi/02-connect.mi", test_srcdir());
	struct mi_parser *p = mi_parser_new();
	struct mi_record *r;
	int seen_stopped = 0, seen_connected = 0;
	ASSERT_EQ(strbuf_read_file(&mi, path), 0);
	size_t off = skip_header(&mi);
	mi_parser_push(p, mi.buf + off, mi.len - off);
	while ((r = mi_parser_next(p))) {
		if (r->kind == MI_RECORD_EXEC && !strcmp(r->class_name, "stopped")) {
			EXPECT_EQ(seen_connected, 0);
			EXPECT_STREQ(mi_record_find_str(r, "frame.addr"), "0x000000000000fff0");
			EXPECT_STREQ(mi_record_find_str(r, "thread-id"), "1");
			EXPECT_EQ(mi_record_find_path(r, "frame.args")->nr, 0);
			seen_stopped = 1;
		}
		if (r->kind == MI_RECORD_RESULT) {
			EXPECT_EQ(r->result, MI_RESULT_CONNECTED);
			EXPECT_EQ(r->has_token, 1);
			EXPECT_EQ(r->token, 1);
			seen_connected = 1;
		}
		mi_record_free(r);
	}
	EXPECT_TRUE(seen_stopped && seen_connected);
	mi_parser_free(p);
	free(path);
	strbuf_release(&mi);
}

/* The records of a golden file, in an array the caller frees with free_records(). */
static struct mi_record **golden_records(const char *name, size_t *nr)
{
	struct strbuf mi = STRBUF_INIT;
	char *path = xstrfmt("%s/tests/mi/%s", test_srcdir(), name);
	struct mi_parser *p = mi_parser_new();
	struct mi_record **v = NULL, *r;
	size_t off;
	*nr = 0;
	ASSERT_EQ(strbuf_read_file(&mi, path), 0);
	off = skip_header(&mi);
	mi_parser_push(p, mi.buf + off, mi.len - off);
	mi_parser_finish(p);
	while ((r = mi_parser_next(p))) {
		v = xrealloc(v, (*nr + 1) * sizeof(*v));
		v[(*nr)++] = r;
	}
	mi_parser_free(p);
	free(path);
	strbuf_release(&mi);
	return v;
}

static void free_records(struct mi_record **v, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		mi_record_free(v[i]);
	free(v);
}

TEST(mi_golden_multi_location_breakpoint)
{
	size_t nr;
	struct mi_record **v = golden_records("04-break-multi.mi", &nr);
	ASSERT_EQ(nr, 2);
	EXPECT_EQ(v[0]->result, MI_RESULT_DONE);
	EXPECT_EQ(v[0]->token, 3);
	EXPECT_STREQ(mi_record_find_str(v[0], "bkpt.addr"), "<MULTIPLE>");
	const struct mi_value *locs = mi_record_find_path(v[0], "bkpt.locations");
	ASSERT_TRUE(locs != NULL);
	EXPECT_EQ(locs->kind, MI_VALUE_LIST);
	EXPECT_EQ(locs->nr, 9);
	for (size_t i = 0; i < locs->nr; i++) {
		char *num = xstrfmt("2.%zu", i + 1);
		EXPECT_STREQ(mi_value_find_str(mi_value_at(locs, i), "number"), num);
		EXPECT_STREQ(mi_value_find_str(&locs->items[i], "func"), "task_pid_nr_ns");
		EXPECT_STREQ(mi_value_find_str(&locs->items[i], "thread-groups.0"), "i1");
		free(num);
	}
	EXPECT_STREQ(mi_record_find_str(v[0], "bkpt.locations.8.line"), "237");
	EXPECT_TRUE(mi_record_find_path(v[0], "bkpt.locations.9") == NULL);
	EXPECT_EQ(v[1]->kind, MI_RECORD_PROMPT);
	free_records(v, nr);
}

TEST(mi_golden_long_line)
{
	size_t nr;
	struct mi_record **v = golden_records("05-break-long-line.mi", &nr);
	ASSERT_EQ(nr, 2);
	EXPECT_EQ(mi_record_find_path(v[0], "bkpt.locations")->nr, 729);
	EXPECT_STREQ(mi_record_find_str(v[0], "bkpt.locations.728.number"), "3.729");
	free_records(v, nr);
}

TEST(mi_golden_stack_frames_list_of_results)
{
	size_t nr;
	struct mi_record **v = golden_records("08-stack-frames.mi", &nr);
	ASSERT_EQ(nr, 2);
	const struct mi_value *stack = mi_record_find_path(v[0], "stack");
	ASSERT_TRUE(stack != NULL);
	EXPECT_EQ(stack->kind, MI_VALUE_LIST);
	EXPECT_STREQ(stack->items[0].name, "frame");
	EXPECT_STREQ(mi_value_find_str(stack, "frame.func"), "kernel_clone");
	EXPECT_STREQ(mi_value_find_str(stack, "4.func"), "x64_sys_call");
	EXPECT_STREQ(mi_record_find_str(v[0], "stack.7.func"), "entry_SYSCALL_64");
	EXPECT_STREQ(mi_record_find_str(v[0], "stack.7.line"), "121");
	free_records(v, nr);
}

TEST(mi_golden_breakpoint_hit)
{
	size_t nr;
	struct mi_record **v = golden_records("07-continue-hit.mi", &nr);
	ASSERT_EQ(nr, 9);
	EXPECT_EQ(v[0]->result, MI_RESULT_RUNNING);
	EXPECT_EQ(v[1]->kind, MI_RECORD_EXEC);
	EXPECT_STREQ(v[1]->class_name, "running");
	EXPECT_EQ(v[2]->kind, MI_RECORD_PROMPT);
	EXPECT_EQ(v[3]->kind, MI_RECORD_NOTIFY);
	EXPECT_STREQ(mi_record_find_str(v[3], "bkpt.cond"),
		     "$_streq(pcpu_hot.current_task->comm, \"forker\")");
	EXPECT_STREQ(mi_record_find_str(v[3], "bkpt.times"), "1");
	EXPECT_EQ(v[5]->kind, MI_RECORD_CONSOLE);
	EXPECT_CONTAINS(v[5]->text, "Breakpoint 1, kernel_clone");
	EXPECT_STREQ(v[6]->text, "2804\t\tu64 clone_flags = args->flags;\n");
	EXPECT_STREQ(mi_record_find_str(v[7], "reason"), "breakpoint-hit");
	EXPECT_STREQ(mi_record_find_str(v[7], "frame.func"), "kernel_clone");
	EXPECT_STREQ(mi_record_find_str(v[7], "frame.args.1.name"), "args@entry");
	EXPECT_TRUE(mi_record_find_str(v[7], "frame.nosuch") == NULL);
	free_records(v, nr);
}

TEST(mi_golden_error_and_escapes)
{
	size_t nr;
	struct mi_record **v = golden_records("19-error-symbol.mi", &nr);
	ASSERT_EQ(nr, 2);
	EXPECT_EQ(v[0]->result, MI_RESULT_ERROR);
	EXPECT_STREQ(mi_record_find_str(v[0], "msg"),
		     "No symbol \"no_such_symbol_xyz\" in current context.");
	free_records(v, nr);

	v = golden_records("23-echo-escapes.mi", &nr);
	ASSERT_EQ(nr, 3);
	static const char want[] = "\001\002\a\b\fe\033\r\v\t\"q\"\\\177\200\237\240\303\251\n";
	EXPECT_EQ(v[0]->text_len, sizeof(want) - 1);
	EXPECT_TRUE(!memcmp(v[0]->text, want, sizeof(want) - 1));
	free_records(v, nr);

	v = golden_records("22-target-stream.mi", &nr);
	EXPECT_EQ(v[0]->kind, MI_RECORD_TARGET);
	EXPECT_STREQ(v[0]->text, "\r\n");
	free_records(v, nr);
}

/* ---- hand-made lines ---- */

TEST(mi_every_escape)
{
	struct mi_record *r = parse1("~\"n\\n t\\t q\\\" b\\\\ r\\r e\\e a\\a b\\b f\\f v\\v s\\' ?\\?\"");
	ASSERT_EQ(r->kind, MI_RECORD_CONSOLE);
	EXPECT_STREQ(r->text, "n\n t\t q\" b\\ r\r e\033 a\a b\b f\f v\v s' ??");
	mi_record_free(r);

	r = parse1("~\"\\x41\\x7e\\x0\\xff\"");
	ASSERT_EQ(r->kind, MI_RECORD_CONSOLE);
	EXPECT_EQ(r->text_len, 4);
	EXPECT_TRUE(!memcmp(r->text, "A~\0\xff", 4));
	mi_record_free(r);
}

TEST(mi_octal_escapes)
{
	/* Three digits at most: \1234 is 'S' then '4'. \0 alone is a NUL. */
	struct mi_record *r = parse1("~\"\\001\\0x\\12\\377\\1234\\000\"");
	ASSERT_EQ(r->kind, MI_RECORD_CONSOLE);
	EXPECT_EQ(r->text_len, 8);
	EXPECT_TRUE(!memcmp(r->text, "\001\0x\n\377S4\0", 8));
	EXPECT_EQ(r->text[r->text_len], '\0');
	mi_record_free(r);

	/* A NUL from \000 stays in the value, with its length. */
	r = parse1("^done,value=\"a\\000b\"");
	const struct mi_value *v = mi_record_find_path(r, "value");
	ASSERT_TRUE(v != NULL);
	EXPECT_EQ(v->len, 3);
	EXPECT_TRUE(!memcmp(v->str, "a\0b", 4));
	mi_record_free(r);

	EXPECT_ERROR("~\"ab\\400\"", 5, "octal escape '\\400' is out of range");
	EXPECT_ERROR("~\"ab\\777\"", 5, "out of range");
}

TEST(mi_bad_escapes)
{
	EXPECT_ERROR("~\"abc\\q\"", 6, "unknown escape '\\q'");
	EXPECT_ERROR("~\"\\xg\"", 3, "without hex digits");
	EXPECT_ERROR("~\"abc\\", 7, "unterminated string (opened at column 2)");
	EXPECT_ERROR("~\"\\\x01\"", 3, "followed by 0x01");
}

TEST(mi_empty_tuple_and_list)
{
	struct mi_record *r = parse1("^done,a={},b=[],c=[[],{}]");
	ASSERT_EQ(r->kind, MI_RECORD_RESULT);
	ASSERT_EQ(r->results.nr, 3);
	EXPECT_EQ(mi_record_find_path(r, "a")->kind, MI_VALUE_TUPLE);
	EXPECT_EQ(mi_record_find_path(r, "a")->nr, 0);
	EXPECT_EQ(mi_record_find_path(r, "b")->kind, MI_VALUE_LIST);
	EXPECT_EQ(mi_record_find_path(r, "b")->nr, 0);
	EXPECT_EQ(mi_record_find_path(r, "c.0")->kind, MI_VALUE_LIST);
	EXPECT_EQ(mi_record_find_path(r, "c.1")->kind, MI_VALUE_TUPLE);
	EXPECT_TRUE(mi_record_find_path(r, "a")->items == NULL);

	struct strbuf sb = STRBUF_INIT;
	mi_record_dump(r, &sb);
	EXPECT_STREQ(sb.buf, "result done\n  a={}\n  b=[]\n  c=[\n    []\n    {}\n  ]\n");
	strbuf_release(&sb);
	mi_record_free(r);

	r = parse1("^done");
	EXPECT_EQ(r->result, MI_RESULT_DONE);
	EXPECT_EQ(r->results.nr, 0);
	EXPECT_TRUE(mi_record_find_path(r, "a") == NULL);
	mi_record_free(r);

	r = parse1("^done,s=\"\"");
	EXPECT_STREQ(mi_record_find_str(r, "s"), "");
	EXPECT_EQ(mi_record_find_path(r, "s")->len, 0);
	mi_record_free(r);
}

TEST(mi_lists_of_values_and_of_results)
{
	struct mi_record *r =
		parse1("^done,stack=[frame={level=\"0\",func=\"a\"},frame={level=\"1\",func=\"b\"}],"
		       "names=[\"rax\",\"\",\"rbx\"],tuples=[{x=\"1\"},{x=\"2\"}]");
	const struct mi_value *stack = mi_record_find_path(r, "stack");
	ASSERT_TRUE(stack != NULL);
	EXPECT_EQ(stack->nr, 2);
	EXPECT_STREQ(stack->items[1].name, "frame");
	/* A name repeated in a list: find gives the first; indexes reach the others. */
	EXPECT_STREQ(mi_value_find_str(stack, "frame.func"), "a");
	EXPECT_STREQ(mi_record_find_str(r, "stack.1.func"), "b");
	const struct mi_value *names = mi_record_find_path(r, "names");
	EXPECT_EQ(names->nr, 3);
	EXPECT_TRUE(names->items[0].name == NULL);
	EXPECT_STREQ(mi_value_str(mi_value_at(names, 1)), "");
	EXPECT_STREQ(mi_record_find_str(r, "names.2"), "rbx");
	EXPECT_STREQ(mi_record_find_str(r, "tuples.1.x"), "2");
	mi_record_free(r);
}

TEST(mi_bare_values_gdb_writes)
{
	/* +download's tuple has no name (gdb manual, any MI version). */
	struct mi_record *r =
		parse1("+download,{section=\".text\",section-size=\"6668\",total-size=\"9880\"}");
	ASSERT_EQ(r->kind, MI_RECORD_STATUS);
	EXPECT_STREQ(r->class_name, "download");
	ASSERT_EQ(r->results.nr, 1);
	EXPECT_TRUE(r->results.items[0].name == NULL);
	EXPECT_STREQ(mi_record_find_str(r, "0.section"), ".text");
	mi_record_free(r);

	/* MI2's multi-location breakpoint: bare tuples after bkpt, and mixed in a list. */
	r = parse1("^done,bkpt={number=\"1\",addr=\"<MULTIPLE>\"},{number=\"1.1\"},{number=\"1.2\"}");
	ASSERT_EQ(r->kind, MI_RECORD_RESULT);
	EXPECT_EQ(r->results.nr, 3);
	EXPECT_STREQ(mi_record_find_str(r, "2.number"), "1.2");
	mi_record_free(r);
	r = parse1("^done,body=[bkpt={number=\"1\"},{number=\"1.1\"}]");
	EXPECT_STREQ(mi_record_find_str(r, "body.bkpt.number"), "1");
	EXPECT_STREQ(mi_record_find_str(r, "body.1.number"), "1.1");
	mi_record_free(r);

	/* In a tuple every item needs a name. */
	EXPECT_ERROR("^done,a={\"x\"}", 10, "value without one");
}

TEST(mi_tokens)
{
	struct mi_record *r = parse1("123^done");
	EXPECT_EQ(r->has_token, 1);
	EXPECT_EQ(r->token, 123);
	mi_record_free(r);

	r = parse1("0*stopped,reason=\"x\"");
	EXPECT_EQ(r->kind, MI_RECORD_EXEC);
	EXPECT_EQ(r->has_token, 1);
	EXPECT_EQ(r->token, 0);
	mi_record_free(r);

	r = parse1("^done");
	EXPECT_EQ(r->has_token, 0);
	mi_record_free(r);

	r = parse1("18446744073709551615=x");
	EXPECT_EQ(r->kind, MI_RECORD_NOTIFY);
	EXPECT_TRUE(r->token == UINT64_MAX);
	struct strbuf sb = STRBUF_INIT;
	mi_record_dump(r, &sb);
	EXPECT_STREQ(sb.buf, "notify token=18446744073709551615 x\n");
	strbuf_release(&sb);
	mi_record_free(r);

	EXPECT_ERROR("18446744073709551616^done", 1, "token does not fit in 64 bits");
	EXPECT_ERROR("12~\"x\"", 3, "a stream record takes no token");
	EXPECT_ERROR("12", 3, "expected '^', '*', '+' or '=' after a token, got end of line");
	EXPECT_ERROR("12x", 3, "got 'x'");
}

TEST(mi_record_kinds_and_classes)
{
	static const struct {
		const char *line;             /* input */
		enum mi_record_kind kind;     /* expected kind */
		enum mi_result_class result;  /* expected result class */
		const char *class_name;       /* expected class, or NULL */
	} cases[] = {
		{ "^done", MI_RECORD_RESULT, MI_RESULT_DONE, "done" },
		{ "^running", MI_RECORD_RESULT, MI_RESULT_RUNNING, "running" },
		{ "^connected", MI_RECORD_RESULT, MI_RESULT_CONNECTED, "connected" },
		{ "^error,msg=\"x\"", MI_RECORD_RESULT, MI_RESULT_ERROR, "error" },
		{ "^exit", MI_RECORD_RESULT, MI_RESULT_EXIT, "exit" },
		{ "*stopped", MI_RECORD_EXEC, MI_RESULT_NONE, "stopped" },
		{ "+download", MI_RECORD_STATUS, MI_RESULT_NONE, "download" },
		{ "=library-loaded,id=\"/lib/libc.so.6\",target-name=\"/lib/libc.so.6\","
		  "host-name=\"/lib/libc.so.6\",symbols-loaded=\"0\",thread-group=\"i1\","
		  "ranges=[{from=\"0x7ffff7dd0000\",to=\"0x7ffff7f5a000\"}]",
		  MI_RECORD_NOTIFY, MI_RESULT_NONE, "library-loaded" },
		{ "~\"x\"", MI_RECORD_CONSOLE, MI_RESULT_NONE, NULL },
		{ "@\"x\"", MI_RECORD_TARGET, MI_RESULT_NONE, NULL },
		{ "&\"x\"", MI_RECORD_LOG, MI_RESULT_NONE, NULL },
		{ "(gdb) ", MI_RECORD_PROMPT, MI_RESULT_NONE, NULL },
		{ "(gdb)", MI_RECORD_PROMPT, MI_RESULT_NONE, NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mi_record *r = parse1(cases[i].line);
		EXPECT_EQ(r->kind, cases[i].kind);
		EXPECT_EQ(r->result, cases[i].result);
		if (cases[i].class_name)
			EXPECT_STREQ(r->class_name, cases[i].class_name);
		else
			EXPECT_TRUE(r->class_name == NULL);
		if (r->kind == MI_RECORD_CONSOLE || r->kind == MI_RECORD_TARGET ||
		    r->kind == MI_RECORD_LOG)
			EXPECT_STREQ(r->text, "x");
		mi_record_free(r);
	}
	struct mi_record *r = parse1(cases[7].line);
	EXPECT_STREQ(mi_record_find_str(r, "ranges.0.to"), "0x7ffff7f5a000");
	mi_record_free(r);
	EXPECT_ERROR("^bogus", 2, "unknown result class 'bogus'");
	EXPECT_ERROR("(gdb) x", 1, "expected a record");
	EXPECT_ERROR("*", 2, "expected a class name, got end of line");
	EXPECT_ERROR("*,a=\"1\"", 2, "expected a class name, got ','");
}

TEST(mi_malformed_lines)
{
	/* Columns are 1-based byte offsets of the first byte that cannot be parsed. */
	EXPECT_ERROR("^done,a=\"abc", 13, "unterminated string (opened at column 9)");
	EXPECT_ERROR("~\"abc", 6, "unterminated string (opened at column 2)");
	EXPECT_ERROR("^done,a=\"1\"b=\"2\"", 12, "expected ',' or end of line, got 'b'");
	EXPECT_ERROR("^done,a={b=\"1\"c=\"2\"}", 15, "expected ',' or '}', got 'c'");
	EXPECT_ERROR("^done,a=[\"1\" \"2\"]", 13, "expected ',' or ']', got 0x20");
	EXPECT_ERROR("hello world", 1, "expected a record ('^', '*', '+', '=', '~', '@', '&' or \"(gdb)\"), got 'h'");
	EXPECT_ERROR("^done,", 7, "expected a result after ','");
	EXPECT_ERROR("^done,a=", 9, "expected a value");
	EXPECT_ERROR("^done,a", 8, "expected '=' after a name, got end of line");
	EXPECT_ERROR("^done,=\"1\"", 7, "expected a name, got '='");
	EXPECT_ERROR("^done,a=x", 9, "expected a value ('\"', '{' or '['), got 'x'");
	EXPECT_ERROR("^done,a={b=\"1\"", 15, "expected ',' or '}', got end of line");
	EXPECT_ERROR("^done,a=[", 10, "expected a name, got end of line");
	EXPECT_ERROR("^done,a=[}", 10, "expected a name, got '}'");
	EXPECT_ERROR("^done,a=\"1\",", 13, "expected a result after ','");
	EXPECT_ERROR("^done a", 6, "expected ',' or end of line, got 0x20");
	EXPECT_ERROR("~\"x\" ", 5, "expected end of line after the string");
	EXPECT_ERROR("~x", 2, "expected '\"'");
	EXPECT_ERROR("\x01\x02", 1, "got 0x01");
	EXPECT_ERROR("\xff", 1, "got 0xff");
}

TEST(mi_recovers_at_next_line)
{
	static const char in[] = "garbage\n^done,a=\"unterminated\n~\"ok\"\n^done,a=\"1\"b\n(gdb) \n";
	char *got = parse_dump(in, sizeof(in) - 1, FEED_WHOLE);
	EXPECT_STREQ(got,
		     "parse-error column=1 message=\"expected a record ('^', '*', '+', '=', '~', '@', "
		     "'&' or \\\"(gdb)\\\"), got 'g'\" line=\"garbage\"\n"
		     "parse-error column=22 message=\"unterminated string (opened at column 9)\" "
		     "line=\"^done,a=\\\"unterminated\"\n"
		     "console \"ok\"\n"
		     "parse-error column=12 message=\"expected ',' or end of line, got 'b'\" "
		     "line=\"^done,a=\\\"1\\\"b\"\n"
		     "prompt\n");
	free(got);
}

TEST(mi_crlf_and_cr)
{
	static const char crlf[] = "~\"a\"\r\n^done,x=\"1\"\r\n(gdb) \r\n";
	static const char lf[] = "~\"a\"\n^done,x=\"1\"\n(gdb) \n";
	static const char cr[] = "~\"a\"\r^done,x=\"1\"\r(gdb) \r";
	char *want = parse_dump(lf, sizeof(lf) - 1, FEED_WHOLE);
	EXPECT_STREQ(want, "console \"a\"\nresult done\n  x=\"1\"\nprompt\n");
	for (int f = FEED_WHOLE; f <= FEED_RANDOM; f++) {
		char *got = parse_dump(crlf, sizeof(crlf) - 1, f);
		EXPECT_STREQ(got, want);
		free(got);
		got = parse_dump(cr, sizeof(cr) - 1, f);
		EXPECT_STREQ(got, want);
		free(got);
	}
	/* Split between CR and LF by hand. */
	struct mi_parser *p = mi_parser_new();
	struct mi_record *r;
	mi_parser_push(p, "^done\r", 6);
	r = mi_parser_next(p);
	ASSERT_TRUE(r != NULL);
	EXPECT_EQ(r->result, MI_RESULT_DONE);
	mi_record_free(r);
	mi_parser_push(p, "\n", 1);
	EXPECT_TRUE(mi_parser_next(p) == NULL);
	mi_parser_free(p);
	free(want);
}

TEST(mi_empty_lines_are_skipped)
{
	static const char in[] = "\n\n\r\n^done\n\n";
	char *got = parse_dump(in, sizeof(in) - 1, FEED_BYTES);
	EXPECT_STREQ(got, "result done\n");
	free(got);
}

TEST(mi_records_come_out_as_lines_complete)
{
	struct mi_parser *p = mi_parser_new();
	struct mi_record *r;
	mi_parser_push(p, "1^done,a=\"x", 11);
	EXPECT_TRUE(mi_parser_next(p) == NULL);
	mi_parser_push(p, "\"\n2^do", 6);
	r = mi_parser_next(p);
	ASSERT_TRUE(r != NULL);
	EXPECT_EQ(r->token, 1);
	EXPECT_STREQ(mi_record_find_str(r, "a"), "x");
	EXPECT_TRUE(r->next == NULL);
	mi_record_free(r);
	EXPECT_TRUE(mi_parser_next(p) == NULL);
	/* A last line without a newline comes out at finish. */
	mi_parser_push(p, "ne", 2);
	EXPECT_TRUE(mi_parser_next(p) == NULL);
	EXPECT_EQ(mi_parser_finish(p), 0);
	r = mi_parser_next(p);
	ASSERT_TRUE(r != NULL);
	EXPECT_EQ(r->token, 2);
	EXPECT_EQ(r->result, MI_RESULT_DONE);
	mi_record_free(r);
	EXPECT_EQ(mi_parser_finish(p), 0);
	EXPECT_TRUE(mi_parser_next(p) == NULL);
	/* Records left in the queue are freed with the parser (ASan checks). */
	mi_parser_push(p, "^done\n^done\n^done", 17);
	mi_parser_free(p);
	mi_parser_free(NULL);
	mi_record_free(NULL);
}

TEST(mi_very_long_lines)
{
	/* A 1 MiB console string and a list of 100000 tuples. */
	struct strbuf in = STRBUF_INIT;
	size_t n = 1 << 20;
	strbuf_addstr(&in, "~\"");
	for (size_t i = 0; i < n; i++)
		strbuf_addch(&in, 'a' + (int)(i % 26));
	strbuf_addstr(&in, "\\n\"\n^done,locations=[");
	for (int i = 0; i < 100000; i++)
		strbuf_addf(&in, "%s{number=\"1.%d\",addr=\"0x%x\"}", i ? "," : "", i + 1, i);
	strbuf_addstr(&in, "]\n");

	struct mi_parser *p = mi_parser_new();
	feed(p, in.buf, in.len, FEED_RANDOM);
	struct mi_record *r = mi_parser_next(p);
	ASSERT_TRUE(r != NULL);
	EXPECT_EQ(r->kind, MI_RECORD_CONSOLE);
	EXPECT_EQ(r->text_len, n + 1);
	EXPECT_EQ(r->text[n], '\n');
	EXPECT_EQ(r->text[n - 1], 'a' + (int)((n - 1) % 26));
	mi_record_free(r);
	r = mi_parser_next(p);
	ASSERT_TRUE(r != NULL);
	EXPECT_EQ(r->kind, MI_RECORD_RESULT);
	EXPECT_EQ(mi_record_find_path(r, "locations")->nr, 100000);
	EXPECT_STREQ(mi_record_find_str(r, "locations.99999.number"), "1.100000");
	mi_record_free(r);
	mi_parser_free(p);
	strbuf_release(&in);
}

TEST(mi_line_limit)
{
	struct mi_parser *p = mi_parser_new();
	struct mi_record *r;
	char big[300];
	memset(big, 'x', sizeof(big));
	big[0] = '~';
	mi_parser_set_max_line(p, 100);
	mi_parser_push(p, "^done\n", 6);
	feed(p, big, sizeof(big), FEED_BYTES);
	mi_parser_push(p, "\n~\"after\"\n", 10);
	/* Exactly at the limit is fine. */
	memset(big, 'y', 100);
	big[0] = '~';
	big[1] = '"';
	big[99] = '"';
	mi_parser_push(p, big, 100);
	mi_parser_push(p, "\n", 1);

	r = mi_parser_next(p);
	EXPECT_EQ(r->kind, MI_RECORD_RESULT);
	mi_record_free(r);
	r = mi_parser_next(p);
	ASSERT_EQ(r->kind, MI_RECORD_PARSE_ERROR);
	EXPECT_EQ(r->column, 101);
	EXPECT_EQ(r->text_len, 100);
	EXPECT_STREQ(r->message, "line of 300 bytes is longer than the limit of 100");
	mi_record_free(r);
	r = mi_parser_next(p);
	EXPECT_EQ(r->kind, MI_RECORD_CONSOLE);
	EXPECT_STREQ(r->text, "after");
	mi_record_free(r);
	r = mi_parser_next(p);
	EXPECT_EQ(r->kind, MI_RECORD_CONSOLE);
	EXPECT_EQ(r->text_len, 97);
	mi_record_free(r);
	EXPECT_TRUE(mi_parser_next(p) == NULL);

	/* An over-long last line is reported at finish. */
	mi_parser_push(p, big, 100);
	mi_parser_push(p, "z", 1);
	mi_parser_finish(p);
	r = mi_parser_next(p);
	ASSERT_TRUE(r != NULL);
	EXPECT_EQ(r->kind, MI_RECORD_PARSE_ERROR);
	mi_record_free(r);
	mi_parser_free(p);
}

TEST(mi_embedded_nul_byte)
{
	static const char in[] = "^done,a=\"x\0y\"\n~\"ok\"\n\0\n";
	struct mi_parser *p = mi_parser_new();
	struct mi_record *r;
	feed(p, in, sizeof(in) - 1, FEED_BYTES);
	r = mi_parser_next(p);
	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(r->kind, MI_RECORD_PARSE_ERROR);
	EXPECT_EQ(r->column, 11);
	EXPECT_STREQ(r->message, "unexpected NUL byte in string");
	EXPECT_EQ(r->text_len, 13);
	EXPECT_TRUE(!memcmp(r->text, "^done,a=\"x\0y\"", 13));
	struct strbuf sb = STRBUF_INIT;
	mi_record_dump(r, &sb);
	EXPECT_STREQ(sb.buf, "parse-error column=11 message=\"unexpected NUL byte in string\" "
			     "line=\"^done,a=\\\"x\\x00y\\\"\"\n");
	strbuf_release(&sb);
	mi_record_free(r);
	r = mi_parser_next(p);
	ASSERT_TRUE(r != NULL);
	EXPECT_EQ(r->kind, MI_RECORD_CONSOLE);
	mi_record_free(r);
	r = mi_parser_next(p);
	ASSERT_TRUE(r != NULL);
	EXPECT_EQ(r->kind, MI_RECORD_PARSE_ERROR);
	EXPECT_EQ(r->column, 1);
	EXPECT_CONTAINS(r->message, "unexpected NUL byte");
	mi_record_free(r);
	mi_parser_free(p);

	r = parse1_len("^done,a=\"1\"\0", 12);
	EXPECT_EQ(r->kind, MI_RECORD_PARSE_ERROR);
	EXPECT_EQ(r->column, 12);
	mi_record_free(r);
}

TEST(mi_nesting_limit)
{
	struct strbuf in = STRBUF_INIT;
	struct mi_record *r;
	strbuf_addstr(&in, "^done,a=");
	for (int i = 0; i < 100; i++)
		strbuf_addstr(&in, "[{a=");
	strbuf_addstr(&in, "\"deep\"");
	for (int i = 0; i < 100; i++)
		strbuf_addstr(&in, "}]");
	r = parse1(in.buf);
	EXPECT_EQ(r->kind, MI_RECORD_RESULT);
	mi_record_free(r);

	/* Deeper than the limit: an error, not a stack overflow. */
	strbuf_reset(&in);
	strbuf_addstr(&in, "^done,a=");
	for (int i = 0; i < 200000; i++)
		strbuf_addch(&in, '[');
	r = parse1(in.buf);
	EXPECT_EQ(r->kind, MI_RECORD_PARSE_ERROR);
	EXPECT_EQ(r->column, 9 + 512);
	EXPECT_CONTAINS(r->message, "nested deeper than 512");
	mi_record_free(r);
	strbuf_release(&in);
}

TEST(mi_accessors)
{
	struct mi_record *r = parse1("*stopped,reason=\"breakpoint-hit\",frame={addr=\"0x1\","
				     "func=\"f\",args=[{name=\"a\",value=\"1\"}]},a.b=\"dot\"");
	EXPECT_STREQ(mi_record_find_str(r, "reason"), "breakpoint-hit");
	EXPECT_STREQ(mi_record_find_str(r, "frame.func"), "f");
	EXPECT_STREQ(mi_record_find_str(r, "frame.args.0.value"), "1");
	EXPECT_STREQ(mi_record_find_str(r, "0"), "breakpoint-hit");
	EXPECT_STREQ(mi_record_find_str(r, "1.2.0.name"), "a");
	EXPECT_TRUE(mi_record_find_str(r, "frame") == NULL);     /* a tuple, not a string */
	EXPECT_TRUE(mi_record_find_path(r, "frame") != NULL);
	EXPECT_TRUE(mi_record_find_str(r, "frame.args.1") == NULL);
	EXPECT_TRUE(mi_record_find_str(r, "reason.x") == NULL);  /* into a string */
	EXPECT_TRUE(mi_record_find_str(r, "reason.0") == NULL);
	EXPECT_TRUE(mi_record_find_str(r, "") == NULL);
	EXPECT_TRUE(mi_record_find_str(r, "frame.") == NULL);
	EXPECT_TRUE(mi_record_find_str(r, ".frame") == NULL);
	EXPECT_TRUE(mi_record_find_str(r, "frame..func") == NULL);
	EXPECT_TRUE(mi_record_find_str(r, "99999999999999999999999999") == NULL);
	EXPECT_TRUE(mi_record_find_str(r, "fram") == NULL);
	EXPECT_TRUE(mi_record_find_str(r, "a.b") == NULL);  /* a name with '.' is unreachable */
	EXPECT_STREQ(mi_value_find(&r->results, "a.b")->str, "dot"); /* but find sees it */
	EXPECT_TRUE(mi_record_find_str(NULL, "reason") == NULL);

	const struct mi_value *frame = mi_value_find(&r->results, "frame");
	ASSERT_TRUE(frame != NULL);
	EXPECT_EQ(frame->kind, MI_VALUE_TUPLE);
	EXPECT_EQ(frame->nr, 3);
	EXPECT_STREQ(mi_value_str(mi_value_find(frame, "addr")), "0x1");
	EXPECT_TRUE(mi_value_find(frame, "nosuch") == NULL);
	EXPECT_TRUE(mi_value_find(NULL, "x") == NULL);
	EXPECT_TRUE(mi_value_find(mi_value_find(frame, "addr"), "x") == NULL);
	EXPECT_TRUE(mi_value_at(frame, 3) == NULL);
	EXPECT_TRUE(mi_value_at(mi_value_find(frame, "addr"), 0) == NULL);
	EXPECT_TRUE(mi_value_at(NULL, 0) == NULL);
	EXPECT_TRUE(mi_value_str(frame) == NULL);
	EXPECT_TRUE(mi_value_str(NULL) == NULL);
	EXPECT_STREQ(mi_value_find_str(frame, "args.0.name"), "a");
	mi_record_free(r);

	/* Streams, prompts and errors have no results. */
	r = parse1("~\"x\"");
	EXPECT_TRUE(mi_record_find_path(r, "0") == NULL);
	mi_record_free(r);
	r = parse1("junk");
	EXPECT_TRUE(mi_record_find_path(r, "0") == NULL);
	mi_record_free(r);
}

TEST(mi_dump_format)
{
	struct mi_record *r = parse1("7^done,bkpt={number=\"1\",thread-groups=[\"i1\"],"
				     "cond=\"a\\\"b\\\\c\\td\\001\\377\"}");
	struct strbuf sb = STRBUF_INIT;
	mi_record_dump(r, &sb);
	EXPECT_STREQ(sb.buf, "result token=7 done\n"
			     "  bkpt={\n"
			     "    number=\"1\"\n"
			     "    thread-groups=[\n"
			     "      \"i1\"\n"
			     "    ]\n"
			     "    cond=\"a\\\"b\\\\c\\td\\x01\\xff\"\n"
			     "  }\n");
	mi_record_free(r);
	strbuf_reset(&sb);
	r = parse1("&\"warn\\n\"");
	mi_record_dump(r, &sb);
	r->kind = MI_RECORD_TARGET;
	mi_record_dump(r, &sb);
	r->kind = MI_RECORD_CONSOLE;
	mi_record_dump(r, &sb);
	EXPECT_STREQ(sb.buf, "log \"warn\\n\"\ntarget \"warn\\n\"\nconsole \"warn\\n\"\n");
	mi_record_free(r);
	strbuf_release(&sb);
	EXPECT_STREQ(mi_record_kind_name(MI_RECORD_PARSE_ERROR), "parse-error");
	EXPECT_STREQ(mi_record_kind_name(MI_RECORD_STATUS), "status");
}

/* Any split of any input gives the same records: a few awkward inputs, every split. */
TEST(mi_every_two_way_split_is_the_same)
{
	static const char *inputs[] = {
		"1^done,a=\"\\\\\\\"\\001\\n\",b=[{c=\"\"}],d=[]\r\n(gdb) \r\n",
		"~\"a\\",
		"garbage\r\r\n\n*stopped,frame={}\n12=x,y=\"1\"",
	};
	for (size_t k = 0; k < ARRAY_SIZE(inputs); k++) {
		const char *in = inputs[k];
		size_t len = strlen(in);
		char *want = parse_dump(in, len, FEED_WHOLE);
		for (size_t cut = 0; cut <= len; cut++) {
			struct mi_parser *p = mi_parser_new();
			struct strbuf got = STRBUF_INIT;
			struct mi_record *r;
			mi_parser_push(p, in, cut);
			mi_parser_push(p, in + cut, len - cut);
			mi_parser_finish(p);
			while ((r = mi_parser_next(p))) {
				mi_record_dump(r, &got);
				mi_record_free(r);
			}
			if (strcmp(got.buf, want))
				test_fail(__FILE__, __LINE__, "input %zu cut at %zu:\n%s\nvs\n%s", k,
					  cut, got.buf, want);
			strbuf_release(&got);
			mi_parser_free(p);
		}
		free(want);
	}
}
