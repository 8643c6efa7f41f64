/* Unit tests for json: the writer, the reader, and round trips between them. */
#include "json.h"
#include "wrapper.h"
#include "test.h"
#include "strbuf.h"

#include <math.h>

TEST(json_quote_escapes)
{
	struct strbuf sb = STRBUF_INIT;
	json_quote(&sb, "a\"b\\c\nd\x01");
	EXPECT_STREQ(sb.buf, "\"a\\\"b\\\\c\\nd\\u0001\"");
	strbuf_reset(&sb);
	json_quote(&sb, "tab\there\r\x7f");
	EXPECT_STREQ(sb.buf, "\"tab\\there\\r\\u007f\"");
	strbuf_release(&sb);
}

TEST(json_quote_keeps_utf8_and_replaces_invalid_bytes)
{
	struct strbuf sb = STRBUF_INIT;
	json_quote(&sb, "caf\xc3\xa9");
	EXPECT_STREQ(sb.buf, "\"caf\xc3\xa9\"");
	strbuf_reset(&sb);
	/* a lone continuation byte, an overlong '/', a surrogate, a cut sequence */
	json_quote(&sb, "\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82");
	EXPECT_STREQ(sb.buf, "\"\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd"
			     "\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\"");
	strbuf_release(&sb);
}

TEST(json_compact_document)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	json_init(&j, &sb, 0);
	json_open(&j, NULL, '{');
	json_str(&j, "name", "fork");
	json_str(&j, "none", NULL);
	json_int(&j, "neg", -100);
	json_uint(&j, "big", 18446744073709551615ULL);
	json_bool(&j, "ok", 1);
	json_hex(&j, "addr", 0xffffffff81400040ULL);
	json_ms(&j, "unknown_ms", -1);
	json_seconds(&j, "s", 1234);
	json_open(&j, "empty", '[');
	json_close(&j);
	json_open(&j, "list", '[');
	json_int(&j, NULL, 1);
	json_open(&j, NULL, '{');
	json_close(&j);
	json_close(&j);
	json_finish(&j);
	EXPECT_STREQ(sb.buf, "{\"name\":\"fork\",\"none\":null,\"neg\":-100,"
			     "\"big\":18446744073709551615,\"ok\":true,\"addr\":\"0xffffffff81400040\","
			     "\"unknown_ms\":null,\"s\":1.234,\"empty\":[],\"list\":[1,{}]}\n");
	strbuf_release(&sb);
}

TEST(json_pretty_document_indents_members)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	json_init(&j, &sb, 1);
	json_open(&j, NULL, '{');
	json_int(&j, "a", 1);
	json_open(&j, "b", '[');
	json_str(&j, NULL, "x");
	json_finish(&j); /* closes what is open */
	EXPECT_STREQ(sb.buf, "{\n  \"a\": 1,\n  \"b\": [\n    \"x\"\n  ]\n}\n");
	strbuf_release(&sb);
}

TEST(json_deep_nesting_stays_valid)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	json_init(&j, &sb, 0);
	for (int i = 0; i < JSON_MAX_DEPTH + 40; i++)
		json_open(&j, NULL, '[');
	json_int(&j, NULL, 1); /* dropped: inside a container past the limit */
	json_finish(&j);
	/* Past the depth limit containers are null, and the document reads back. */
	int open = 0, close = 0;
	for (size_t i = 0; i < sb.len; i++) {
		open += sb.buf[i] == '[';
		close += sb.buf[i] == ']';
	}
	EXPECT_EQ(open, JSON_MAX_DEPTH);
	EXPECT_EQ(open, close);
	EXPECT_CONTAINS(sb.buf, "[null]");
	struct json_error err;
	struct json_value *v = json_parse(sb.buf, sb.len, &err);
	EXPECT_TRUE(v != NULL);
	json_value_free(v);
	strbuf_release(&sb);
}

/* ---- the reader ---- */

/* Parse the C string text; NULL with the error printed into the test's output. */
static struct json_value *parse(const char *text, struct json_error *err)
{
	return json_parse(text, strlen(text), err);
}

/* What JSONTestSuite's y_ files hold: every one must parse. */
TEST(json_parse_takes_valid_texts)
{
	static const char *const ok[] = {
		"[]", "{}", "[null]", "[true]", "[false]", "0", "-0", "\"x\"", "null", "true",
		" \t\r\n[1] \t\r\n", "[1,2,3]", "{\"a\":\"b\"}", "{\"a\":[{\"b\":{}}]}", "[1e1]",
		"[1E+2]", "[-1.5e-3]", "[0.5]", "[123e65]", "[1E22]", "[0e1]", "[-0.0e-0]",
		"[\"\\u0060\\u012a\\u12AB\"]", "[\"\\uD801\\udc37\"]", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
		"[\"\\u0000\"]", "[\"caf\xc3\xa9\"]", "[\"\\u2028\xe2\x80\xa9\"]", "[\"\x7f\"]",
		"[\"\xf0\x9f\x98\x80\"]", "{\"\":0}", "[[[]]]", "[-9223372036854775808]",
		"[9223372036854775807]", "[1.0]", "{\"a\":1,\"b\":2,\"A\":3,\"a \":4}",
		"[\"\xef\xbf\xbf\"]", "[\"\xf4\x8f\xbf\xbf\"]", "{\"a\":null,\"b\":[],\"c\":{}}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct json_error err;
		struct json_value *v = parse(ok[i], &err);
		if (!v)
			test_fail(__FILE__, __LINE__, "'%s' refused: %s (column %zu)", ok[i], err.message,
				  err.column);
		json_value_free(v);
	}
}

/* JSONTestSuite's n_ files, and the i_ ones kdive refuses: none may parse. */
TEST(json_parse_refuses_invalid_texts)
{
	static const char *const bad[] = {
		"", " ", "[", "]", "[1,]", "[,1]", "[1,,2]", "{\"a\":1,}", "{,}", "{\"a\"}",
		"{\"a\" 1}", "{a:1}", "{'a':1}", "[01]", "[-01]", "[1.]", "[.5]", "[-]", "[+1]",
		"[1e]", "[1e+]", "[1.e1]", "[NaN]", "[Infinity]", "[-Infinity]", "[0x1]", "[tru]",
		"[True]", "[nul]", "[\"\\x\"]", "[\"\\u12\"]", "[\"\\uqqqq\"]", "[\"\\u00\"",
		"[\"a", "[\"\\", "\"\t\"", "\"a\nb\"", "[1] x", "[1]]", "{}{}", "1 2",
		"[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800\\u0041\"]", "[\"\\ud800x\"]",
		"[\"\\ud800\\\"]", "[\"\xff\"]", "[\"\xc0\xaf\"]", "[\"\xed\xa0\x80\"]",
		"[\"\xe2\x82\"]", "[\"\xf4\x90\x80\x80\"]", "[\"\x80\"]", "[\xff]",
		"\xef\xbb\xbf[]", "[\"a\"\f]", "/* */[]", "[1]//", "[\"a\",]", "{\"a\":1 \"b\":2}",
		"{\"a\":1,\"a\":2}", "{\"x\":{\"a\":[],\"b\":0,\"a\":{}}}", "'x'", "[1 2]",
		"{\"id\":1}{\"id\":2}", "[\"\\U0041\"]", "[\"\\a\"]", "nulll", "[1e1.5]", "[--1]",
		"-", "[\"\x7f\x01\"]",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct json_error err;
		struct json_value *v = parse(bad[i], &err);
		if (v)
			test_fail(__FILE__, __LINE__, "'%s' was taken", bad[i]);
		else if (!err.column || !err.message[0] || err.column > strlen(bad[i]) + 1)
			test_fail(__FILE__, __LINE__, "'%s': no message or a column past the end (%zu)",
				  bad[i], err.column);
		json_value_free(v);
	}
}

/* Expect text to be refused at column col with a message containing msg. */
#define EXPECT_REFUSED(text, len, col, msg)                                             \
	do {                                                                            \
		struct json_error e_;                                                   \
		struct json_value *v_ = json_parse(text, len, &e_);                     \
		EXPECT_TRUE(v_ == NULL);                                                \
		json_value_free(v_);                                                    \
		EXPECT_EQ(e_.column, col);                                              \
		EXPECT_CONTAINS(e_.message, msg);                                       \
	} while (0)

TEST(json_parse_errors_say_where_and_why)
{
	EXPECT_REFUSED("[1,]", 4, 4, "expected a value, got ']'");
	EXPECT_REFUSED("[1] x", 5, 5, "expected the end of the text, got 'x'");
	EXPECT_REFUSED("{\"a\":1 \"b\":2}", 13, 8, "expected ',' or '}', got '\"'");
	EXPECT_REFUSED("[\"a\xff" "b\"]", 7, 4, "invalid UTF-8 in a string (byte 0xff)");
	EXPECT_REFUSED("[\"caf\xc3\"]", 8, 6, "invalid UTF-8");
	EXPECT_REFUSED("[\xc3\xa9]", 4, 2, "expected a value, got byte 0xc3");
	EXPECT_REFUSED("{\"a\":1,\"b\":2,\"a\":3}", 19, 14, "a member named twice (first at column 2)");
	EXPECT_REFUSED("[\"abc", 5, 6, "unterminated string (opened at column 2)");
	EXPECT_REFUSED("[\"a\tb\"]", 7, 4, "control byte 0x09 in a string");
	EXPECT_REFUSED("\"\\ud800\"", 8, 2, "\\ud800 is half of a surrogate pair, alone");
	EXPECT_REFUSED("\"\\u12x4\"", 8, 6, "expected a hex digit");
	EXPECT_REFUSED("01", 2, 2, "expected the end of the text, got '1'");
	EXPECT_REFUSED("-x", 2, 2, "expected a digit, got 'x'");
	EXPECT_REFUSED("", 0, 1, "expected a value, got the end");
	/* NUL: raw, anywhere, is not JSON (the escape \u0000 is fine). */
	EXPECT_REFUSED("\0[1]", 4, 1, "expected a value, got a NUL byte");
	EXPECT_REFUSED("[1]\0", 4, 4, "got a NUL byte");
	EXPECT_REFUSED("[\"a\0b\"]", 7, 4, "a NUL byte in a string");
	EXPECT_REFUSED("[1,\0 2]", 7, 4, "got a NUL byte");
}

TEST(json_parse_reads_the_tree_in_order)
{
	struct json_error err;
	struct json_value *v = parse("{\"id\": 7, \"cmd\": \"boot\", \"args\": [\"a\", 2, true, null],"
				     " \"o\": {\"x\": false}}", &err);
	ASSERT_TRUE(v != NULL);
	EXPECT_TRUE(json_value_is(v, JSON_OBJECT));
	EXPECT_EQ(json_value_count(v), 4);
	EXPECT_STREQ(json_value_at(v, 0)->key, "id");
	EXPECT_STREQ(json_value_at(v, 3)->key, "o");
	int64_t i = 0;
	EXPECT_EQ(json_value_int(json_value_find(v, "id"), &i), 0);
	EXPECT_EQ(i, 7);
	EXPECT_STREQ(json_value_str(json_value_find(v, "cmd"), NULL), "boot");
	const struct json_value *args = json_value_find(v, "args");
	EXPECT_TRUE(json_value_is(args, JSON_ARRAY));
	EXPECT_EQ(json_value_count(args), 4);
	EXPECT_STREQ(json_value_str(json_value_at(args, 0), NULL), "a");
	EXPECT_TRUE(json_value_at(args, 0)->key == NULL);
	EXPECT_EQ(json_value_bool(json_value_at(args, 2)), 1);
	EXPECT_TRUE(json_value_is(json_value_at(args, 3), JSON_NULL));
	EXPECT_TRUE(json_value_at(args, 4) == NULL);
	EXPECT_EQ(json_value_bool(json_value_find(json_value_find(v, "o"), "x")), 0);
	/* Lookups take NULL and the wrong kinds, so that they chain. */
	EXPECT_TRUE(json_value_find(json_value_find(v, "nosuch"), "x") == NULL);
	EXPECT_TRUE(json_value_find(args, "a") == NULL);
	EXPECT_TRUE(json_value_str(json_value_find(v, "id"), NULL) == NULL);
	EXPECT_EQ(json_value_int(json_value_find(v, "cmd"), &i), -1);
	EXPECT_EQ(json_value_bool(NULL), -1);
	EXPECT_EQ(json_value_count(json_value_find(v, "cmd")), 0);
	EXPECT_TRUE(json_value_at(NULL, 0) == NULL);
	EXPECT_TRUE(!json_value_is(NULL, JSON_NULL));
	json_value_free(v);
	json_value_free(NULL);
}

TEST(json_parse_numbers_at_their_edges)
{
	static const struct {
		const char *text;
		int integer;       /* 1: json_value_int gives i */
		int64_t i;
		double real;       /* else json_value_real gives this (checked to 1e-9 relative) */
	} cases[] = {
		{ "0", 1, 0, 0 },
		{ "-0", 1, 0, 0 },
		{ "9223372036854775807", 1, INT64_MAX, 0 },
		{ "-9223372036854775808", 1, INT64_MIN, 0 },
		{ "9223372036854775808", 0, 0, 9223372036854775808.0 },
		{ "-9223372036854775809", 0, 0, -9223372036854775809.0 },
		{ "18446744073709551616", 0, 0, 18446744073709551616.0 },
		{ "99999999999999999999999999999", 0, 0, 1e29 },
		{ "1.5", 0, 0, 1.5 },
		{ "1E2", 0, 0, 100 },
		{ "1.0", 0, 0, 1 },
		{ "-1e-3", 0, 0, -0.001 },
		{ "1e-400", 0, 0, 0 },
	};
	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		struct json_error err;
		struct json_value *v = parse(cases[k].text, &err);
		ASSERT_TRUE(v != NULL);
		int64_t i = 12345;
		double d = -1;
		EXPECT_TRUE(json_value_is(v, JSON_NUMBER));
		/* The number keeps its text: written back as it came. */
		EXPECT_STREQ(v->str, cases[k].text);
		EXPECT_EQ(json_value_int(v, &i), cases[k].integer ? 0 : -1);
		EXPECT_EQ(json_value_real(v, &d), 0);
		if (cases[k].integer) {
			EXPECT_TRUE(i == cases[k].i);
			EXPECT_TRUE(d == (double)cases[k].i);
		} else if (fabs(d - cases[k].real) > fabs(cases[k].real) * 1e-9) {
			test_fail(__FILE__, __LINE__, "%s: %g, expected %g", cases[k].text, d,
				  cases[k].real);
		}
		json_value_free(v);
	}
	/* Beyond a double: +-HUGE_VAL, still a number (an id of 1e400 is echoed). */
	struct json_error err;
	struct json_value *v = parse("[1e400, -1e400]", &err);
	ASSERT_TRUE(v != NULL);
	double d = 0;
	EXPECT_EQ(json_value_real(json_value_at(v, 0), &d), 0);
	EXPECT_TRUE(isinf(d) && d > 0);
	EXPECT_EQ(json_value_real(json_value_at(v, 1), &d), 0);
	EXPECT_TRUE(isinf(d) && d < 0);
	json_value_free(v);
}

TEST(json_parse_decodes_escapes)
{
	static const struct {
		const char *text, *bytes;
		size_t len;
	} cases[] = {
		{ "\"\\u0041\"", "A", 1 },
		{ "\"\\u00e9\"", "\xc3\xa9", 2 },
		{ "\"\\u20AC\"", "\xe2\x82\xac", 3 },
		{ "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4 },
		{ "\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4 },
		{ "\"\\u0000\"", "\0", 1 },
		{ "\"a\\u0000b\"", "a\0b", 3 },
		{ "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8 },
		{ "\"\\u007f\\u001f\"", "\x7f\x1f", 2 },
		{ "\"\"", "", 0 },
	};
	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		struct json_error err;
		struct json_value *v = parse(cases[k].text, &err);
		ASSERT_TRUE(v != NULL);
		size_t len = 99;
		const char *s = json_value_str(v, &len);
		ASSERT_TRUE(s != NULL);
		EXPECT_EQ(len, cases[k].len);
		EXPECT_TRUE(!memcmp(s, cases[k].bytes, cases[k].len) && s[len] == '\0');
		json_value_free(v);
	}
	/* A name with a NUL is not the name before it. */
	struct json_error err;
	struct json_value *v = parse("{\"a\\u0000b\": 1, \"a\": 2}", &err);
	ASSERT_TRUE(v != NULL);
	int64_t i = 0;
	EXPECT_EQ(json_value_int(json_value_find(v, "a"), &i), 0);
	EXPECT_EQ(i, 2);
	EXPECT_EQ(json_value_at(v, 0)->key_len, 3);
	json_value_free(v);
}

TEST(json_parse_bounds_nesting)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_error err;
	struct json_value *v;
	/* JSON_MAX_DEPTH arrays, and objects, are taken; one more is refused where it opens. */
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		strbuf_addch(&sb, '[');
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		strbuf_addch(&sb, ']');
	v = json_parse(sb.buf, sb.len, &err);
	EXPECT_TRUE(v != NULL);
	json_value_free(v);
	strbuf_reset(&sb);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		strbuf_addstr(&sb, "{\"a\":");
	strbuf_addch(&sb, '1');
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		strbuf_addch(&sb, '}');
	v = json_parse(sb.buf, sb.len, &err);
	EXPECT_TRUE(v != NULL);
	json_value_free(v);
	strbuf_reset(&sb);
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		strbuf_addch(&sb, '[');
	EXPECT_REFUSED(sb.buf, sb.len, (size_t)JSON_MAX_DEPTH + 1, "nested more than 512 deep");
	/* A million brackets: refused at once, never a deep recursion. */
	strbuf_reset(&sb);
	for (int i = 0; i < 1000000; i++)
		strbuf_addstr(&sb, i % 2 ? "[" : "{\"\":");
	EXPECT_REFUSED(sb.buf, sb.len, (size_t)JSON_MAX_DEPTH / 2 * 5 + 1, "nested more than 512 deep");
	strbuf_release(&sb);
}

TEST(json_parse_refuses_repeated_names_quickly)
{
	/* 100,000 distinct names are fine; one repeat at the end is found. */
	struct strbuf sb = STRBUF_INIT;
	struct json_error err;
	strbuf_addch(&sb, '{');
	for (int i = 0; i < 100000; i++)
		strbuf_addf(&sb, "%s\"k%d\":%d", i ? "," : "", i, i);
	strbuf_addch(&sb, '}');
	struct json_value *v = json_parse(sb.buf, sb.len, &err);
	ASSERT_TRUE(v != NULL);
	EXPECT_EQ(json_value_count(v), 100000);
	int64_t i = 0;
	EXPECT_EQ(json_value_int(json_value_find(v, "k99999"), &i), 0);
	EXPECT_EQ(i, 99999);
	json_value_free(v);
	strbuf_setlen(&sb, sb.len - 1);
	size_t at = sb.len + 2;
	strbuf_addstr(&sb, ",\"k5\":0}");
	v = json_parse(sb.buf, sb.len, &err);
	EXPECT_TRUE(v == NULL);
	EXPECT_EQ(err.column, at);
	char first[64];
	snprintf(first, sizeof(first), "a member named twice (first at column %zu)",
		 (size_t)(strstr(sb.buf, "\"k5\"") - sb.buf) + 1);
	EXPECT_CONTAINS(err.message, first);
	strbuf_release(&sb);
}

/* ---- round trips ---- */

/* Parse text, write it back compact; the written text is out (reset first). */
static void rewrite(const char *text, struct strbuf *out)
{
	struct json_error err;
	struct json j;
	struct json_value *v = json_parse(text, strlen(text), &err);
	strbuf_reset(out);
	if (!v) {
		strbuf_addf(out, "error: %s (column %zu)", err.message, err.column);
		return;
	}
	json_init(&j, out, 0);
	json_value_write(&j, NULL, v);
	json_finish(&j);
	strbuf_setlen(out, out->len - 1); /* its newline */
	/* And what was written reads back as the same tree. */
	struct json_value *again = json_parse(out->buf, out->len, &err);
	if (!json_value_equal(v, again))
		strbuf_addstr(out, " (reads back different)");
	json_value_free(again);
	json_value_free(v);
}

TEST(json_round_trip_reader_to_writer)
{
	struct strbuf sb = STRBUF_INIT;
	rewrite("{ \"a\" : [ 1 , -0 , 1e400 , 18446744073709551616 , 1.50E+3 ] }", &sb);
	EXPECT_STREQ(sb.buf, "{\"a\":[1,-0,1e400,18446744073709551616,1.50E+3]}");
	rewrite("[\"\\u00e9\\u0000\\ud83d\\ude00\\/\", true, false, null, {}, []]", &sb);
	EXPECT_STREQ(sb.buf, "[\"\xc3\xa9\\u0000\xf0\x9f\x98\x80/\",true,false,null,{},[]]");
	rewrite("{\"k\\u0000\\n\": {\"\": \"\\u001f\\u007f\"}}", &sb);
	EXPECT_STREQ(sb.buf, "{\"k\\u0000\\n\":{\"\":\"\\u001f\\u007f\"}}");
	strbuf_release(&sb);
}

TEST(json_round_trip_writer_to_reader)
{
	/* Every byte the writer may be given reads back: valid UTF-8 as it was, the rest
	 * as U+FFFD; NUL in a json_mem string as NUL. */
	struct strbuf sb = STRBUF_INIT, text = STRBUF_INIT;
	struct json_error err;
	struct json j;
	for (int c = 1; c < 0x80; c++)
		strbuf_addch(&text, c);
	json_init(&j, &sb, 1);
	json_open(&j, NULL, '{');
	json_str(&j, "ascii", text.buf);
	json_mem(&j, "nul", "a\0b", 3);
	json_str(&j, "bad", "a\xff" "b\xc3");
	json_str(&j, "utf8", "\xe4\xb8\xad\xf0\x9f\x98\x80");
	json_int(&j, "min", INT64_MIN);
	json_uint(&j, "max", UINT64_MAX);
	json_seconds(&j, "s", 1500);
	json_raw(&j, "raw", "{\"x\":[1]}");
	json_finish(&j);
	struct json_value *v = json_parse(sb.buf, sb.len, &err);
	ASSERT_TRUE(v != NULL);
	size_t len = 0;
	const char *s = json_value_str(json_value_find(v, "ascii"), &len);
	EXPECT_TRUE(s && len == text.len && !memcmp(s, text.buf, len));
	s = json_value_str(json_value_find(v, "nul"), &len);
	EXPECT_TRUE(s && len == 3 && !memcmp(s, "a\0b", 3));
	EXPECT_STREQ(json_value_str(json_value_find(v, "bad"), NULL),
		     "a\xef\xbf\xbd" "b\xef\xbf\xbd");
	EXPECT_STREQ(json_value_str(json_value_find(v, "utf8"), NULL), "\xe4\xb8\xad\xf0\x9f\x98\x80");
	int64_t i = 0;
	EXPECT_EQ(json_value_int(json_value_find(v, "min"), &i), 0);
	EXPECT_TRUE(i == INT64_MIN);
	/* Past int64_t: a number all the same, with its text. */
	EXPECT_EQ(json_value_int(json_value_find(v, "max"), &i), -1);
	EXPECT_STREQ(json_value_find(v, "max")->str, "18446744073709551615");
	double d = 0;
	EXPECT_EQ(json_value_real(json_value_find(v, "s"), &d), 0);
	EXPECT_TRUE(d == 1.5);
	EXPECT_EQ(json_value_count(json_value_at(json_value_find(json_value_find(v, "raw"), "x"), 0)), 0);
	EXPECT_TRUE(json_value_is(json_value_find(json_value_find(v, "raw"), "x"), JSON_ARRAY));
	json_value_free(v);
	strbuf_release(&text);
	strbuf_release(&sb);
}

TEST(json_value_equal_compares_by_value)
{
	struct json_error err;
	struct json_value *a = parse("{\"a\":[1,\"\\u0041\",1.0,null]}", &err);
	struct json_value *b = parse("{ \"a\" : [ 1 , \"A\" , 1.00 , null ] }", &err);
	struct json_value *c = parse("{\"a\":[1,\"A\",1,null]}", &err);
	struct json_value *d = parse("{\"b\":[1,\"A\",1.0,null]}", &err);
	ASSERT_TRUE(a && b && c && d);
	EXPECT_TRUE(json_value_equal(a, b));
	EXPECT_TRUE(!json_value_equal(a, c)); /* 1.0 is not the integer 1 */
	EXPECT_TRUE(!json_value_equal(a, d));
	EXPECT_TRUE(!json_value_equal(a, NULL));
	EXPECT_TRUE(json_value_equal(NULL, NULL));
	json_value_free(a);
	json_value_free(b);
	json_value_free(c);
	json_value_free(d);
}
