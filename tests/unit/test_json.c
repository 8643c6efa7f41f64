/* Unit tests for json: the one JSON writer. */
#include "json.h"
#include "test.h"
#include "strbuf.h"

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
	for (int i = 0; i < 40; i++)
		json_open(&j, NULL, '[');
	json_finish(&j);
	/* Past the depth limit containers are flattened, but brackets still balance. */
	int open = 0, close = 0;
	for (size_t i = 0; i < sb.len; i++) {
		open += sb.buf[i] == '[';
		close += sb.buf[i] == ']';
	}
	EXPECT_EQ(open, close);
	strbuf_release(&sb);
}
