/* Unit tests for kdive dap's pure pieces: dap_wire (the Content-Length framing), hit
 * conditions. */
#include "dap_wire.h"
#include "test.h"

#include <string.h>

static const char two[] = "Content-Length: 2\r\n\r\n{}Content-Length: 13\r\n\r\n{\"seq\": 1234}";

TEST(dap_wire_whole_and_byte_by_byte)
{
	struct strbuf body = STRBUF_INIT, why = STRBUF_INIT;
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct dap_wire w;
		dap_wire_init(&w);
		int got = 0;
		size_t len = strlen(two);
		for (size_t i = 0; i < len; i += bytewise ? 1 : len) {
			dap_wire_feed(&w, two + i, bytewise ? 1 : len);
			int r;
			while ((r = dap_wire_next(&w, &body, &why)) == 1) {
				EXPECT_STREQ(body.buf, got ? "{\"seq\": 1234}" : "{}");
				got++;
			}
			EXPECT_EQ(r, 0);
		}
		EXPECT_EQ(got, 2);
		dap_wire_release(&w);
	}
	strbuf_release(&body);
	strbuf_release(&why);
}

TEST(dap_wire_header_names_any_case_and_other_headers)
{
	struct strbuf body = STRBUF_INIT, why = STRBUF_INIT;
	struct dap_wire w;
	dap_wire_init(&w);
	const char *m = "content-length:3\r\nContent-Type: application/vscode-jsonrpc; "
			"charset=utf-8\r\n\r\n[1]";
	dap_wire_feed(&w, m, strlen(m));
	EXPECT_EQ(dap_wire_next(&w, &body, &why), 1);
	EXPECT_STREQ(body.buf, "[1]");
	dap_wire_release(&w);
	strbuf_release(&body);
	strbuf_release(&why);
}

TEST(dap_wire_bad_headers_are_errors_and_the_stream_goes_on)
{
	static const struct {
		const char *in, *why;
	} cases[] = {
		{ "Content-Lenght: 2\r\n\r\n", "without Content-Length" },
		{ "Content-Length: two\r\n\r\n", "not a number" },
		{ "Content-Length: -1\r\n\r\n", "not a number" },
		{ "Content-Length: 2x\r\n\r\n", "not a number" },
		{ "Content-Length: 99999999999999999999\r\n\r\n", "more than" },
		{ "garbage\r\n\r\n", "no ':'" },
	};
	struct strbuf body = STRBUF_INIT, why = STRBUF_INIT;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dap_wire w;
		dap_wire_init(&w);
		dap_wire_feed(&w, cases[i].in, strlen(cases[i].in));
		dap_wire_feed(&w, two, strlen(two));
		EXPECT_EQ(dap_wire_next(&w, &body, &why), -1);
		EXPECT_CONTAINS(why.buf, cases[i].why);
		EXPECT_EQ(dap_wire_next(&w, &body, &why), 1);
		EXPECT_STREQ(body.buf, "{}");
		dap_wire_release(&w);
	}
	strbuf_release(&body);
	strbuf_release(&why);
}

TEST(dap_wire_header_too_long)
{
	struct strbuf body = STRBUF_INIT, why = STRBUF_INIT, big = STRBUF_INIT;
	struct dap_wire w;
	dap_wire_init(&w);
	for (int i = 0; i < DAP_WIRE_HEADER_MAX + 10; i++)
		strbuf_addch(&big, 'x');
	dap_wire_feed(&w, big.buf, big.len);
	EXPECT_EQ(dap_wire_next(&w, &body, &why), -1);
	EXPECT_CONTAINS(why.buf, "header block of more than");
	dap_wire_feed(&w, two, strlen(two));
	EXPECT_EQ(dap_wire_next(&w, &body, &why), 1);
	dap_wire_release(&w);
	strbuf_release(&body);
	strbuf_release(&why);
	strbuf_release(&big);
}

TEST(dap_wire_frame_writes_the_length_in_bytes)
{
	struct strbuf out = STRBUF_INIT;
	dap_wire_frame(&out, "{\"a\":\"\xc3\xa9\"}", 10);
	EXPECT_STREQ(out.buf, "Content-Length: 10\r\n\r\n{\"a\":\"\xc3\xa9\"}");
	strbuf_release(&out);
}

/* (dap_break.c's one pure piece: hit conditions as gdb's ignore counts.) */
#include "dap_int.h"

TEST(dap_hit_conditions_as_ignore_counts)
{
	EXPECT_EQ(dap_ignore_count("1"), 0);
	EXPECT_EQ(dap_ignore_count("3"), 2);
	EXPECT_EQ(dap_ignore_count(">= 3"), 2);
	EXPECT_EQ(dap_ignore_count(" >=3 "), 2);
	EXPECT_EQ(dap_ignore_count("> 3"), 3);
	EXPECT_EQ(dap_ignore_count(">0"), 0);
	EXPECT_EQ(dap_ignore_count("0"), -1);
	EXPECT_EQ(dap_ignore_count("== 3"), -1);
	EXPECT_EQ(dap_ignore_count("% 2"), -1);
	EXPECT_EQ(dap_ignore_count("3x"), -1);
	EXPECT_EQ(dap_ignore_count(""), -1);
	EXPECT_EQ(dap_ignore_count("99999999999"), -1);
}
