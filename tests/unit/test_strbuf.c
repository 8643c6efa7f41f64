/* Unit tests for strbuf: growth, termination, log tails. */
#include "test.h"
#include "strbuf.h"

TEST(strbuf_grows_and_stays_terminated)
{
	struct strbuf sb = STRBUF_INIT;
	EXPECT_EQ(sb.len, 0);
	EXPECT_STREQ(sb.buf, "");
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i);
	EXPECT_EQ(sb.buf[sb.len], '\0');
	EXPECT_TRUE(!strncmp(sb.buf, "0,1,2,", 6));
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "abc  \n");
	strbuf_rtrim(&sb);
	EXPECT_STREQ(sb.buf, "abc");
	char *d = strbuf_detach(&sb, NULL);
	EXPECT_STREQ(d, "abc");
	EXPECT_STREQ(sb.buf, "");
	free(d);
	strbuf_release(&sb);
}

TEST(strbuf_tail_takes_last_lines)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_add_tail(&sb, "one\ntwo\r\nthree\nfour\n\n", 2, "| ");
	EXPECT_STREQ(sb.buf, "| three\n| four\n");
	strbuf_reset(&sb);
	strbuf_add_tail(&sb, "a\nb", 0, "");
	EXPECT_STREQ(sb.buf, "a\nb\n");
	strbuf_reset(&sb);
	strbuf_add_tail(&sb, "", 5, "> ");
	EXPECT_STREQ(sb.buf, "");
	strbuf_release(&sb);
}
