/*
 * Unit tests of the scenario lexer: words and comments, the rest of a line, number
 * words at the edges of 64 bits, indentation, quoting for messages and near-miss names.
 */
#include "lexer.h"
#include "test.h"
#include "strbuf.h"
#include "wrapper.h"

#include <stdint.h>
#include <string.h>

/* A lexer over the NUL-terminated line s. */
static struct lexer lexer_of(const char *s)
{
	struct lexer lx = { s, strlen(s), 0 };
	return lx;
}

/* The word s as a lexer_word at column 1. */
static struct lexer_word word_of(const char *s)
{
	struct lexer_word w = { s, strlen(s), 1 };
	return w;
}

TEST(lexer_words_and_comments)
{
	struct lexer lx = lexer_of("  stop\tdo_syscall_64  p#1 # a comment");
	struct lexer_word w;
	ASSERT_TRUE(lexer_next(&lx, &w));
	EXPECT_TRUE(lexer_word_is(&w, "stop"));
	EXPECT_EQ(w.col, 3);
	ASSERT_TRUE(lexer_next(&lx, &w));
	EXPECT_TRUE(lexer_word_is(&w, "do_syscall_64"));
	EXPECT_EQ(w.col, 8);
	ASSERT_TRUE(lexer_next(&lx, &w));
	EXPECT_TRUE(lexer_word_is(&w, "p#1")); /* '#' inside a word is part of it */
	EXPECT_TRUE(!lexer_next(&lx, &w));

	lx = lexer_of("if $rdi == 1 # kept ");
	ASSERT_TRUE(lexer_next(&lx, &w));
	lexer_rest(&lx, &w);
	EXPECT_EQ(w.len, strlen("$rdi == 1 # kept"));
	EXPECT_EQ(w.col, 4);
	EXPECT_TRUE(!lexer_next(&lx, &w));

	static const char *const names[] = { "frames", "user", "regs", NULL };
	struct lexer_word user = word_of("user"), use = word_of("use");
	EXPECT_TRUE(lexer_word_in(&user, names));
	EXPECT_TRUE(!lexer_word_in(&use, names));
}

TEST(lexer_numbers)
{
	static const struct {
		const char *s;
		int ret;
		int64_t v;
	} cases[] = {
		{ "0", 0, 0 },
		{ "56", 0, 56 },
		{ "-22", 0, -22 },
		{ "0x1F", 0, 31 },
		{ "-0x10", 0, -16 },
		{ "0xffffffffffffffff", 0, -1 },
		{ "18446744073709551615", 0, -1 },
		{ "-9223372036854775808", 0, INT64_MIN },
		{ "18446744073709551616", -2, 0 },
		{ "0x10000000000000000", -2, 0 },
		{ "-9223372036854775809", -2, 0 },
		{ "99999999999999999999x", -2, 0 }, /* the overflow is seen first */
		{ "-", -1, 0 },
		{ "0x", -1, 0 },
		{ "12a", -1, 0 },
		{ "0xg", -1, 0 },
		{ "--1", -1, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct lexer_word w = word_of(cases[i].s);
		int64_t v = 0;
		EXPECT_EQ(lexer_number(&w, &v), cases[i].ret);
		if (!cases[i].ret)
			EXPECT_EQ(v, cases[i].v);
	}
}

TEST(lexer_message_helpers)
{
	struct strbuf sb = STRBUF_INIT;
	lexer_add_quoted(&sb, "a\tb\x7f", 4);
	EXPECT_STREQ(sb.buf, "'a\\x09b\\x7f'");
	strbuf_reset(&sb);
	char long_word[60];
	memset(long_word, 'x', sizeof(long_word));
	lexer_add_quoted(&sb, long_word, sizeof(long_word));
	EXPECT_EQ(sb.len, 1 + 48 + 3 + 1);
	strbuf_reset(&sb);
	lexer_add_indent(&sb, "\t    ", 5);
	EXPECT_STREQ(sb.buf, "1 tab and 4 spaces");
	strbuf_reset(&sb);
	lexer_add_indent(&sb, "  ", 2);
	EXPECT_STREQ(sb.buf, "2 spaces");
	strbuf_reset(&sb);
	lexer_add_indent(&sb, "\t\t", 2);
	EXPECT_STREQ(sb.buf, "2 tabs");
	strbuf_release(&sb);
	EXPECT_EQ(lexer_indent_width("  \t ", 4), 9);
	EXPECT_EQ(lexer_indent_width("\t", 1), lexer_indent_width("        ", 8));

	static const char *const names[] = { "scenario", "program", "frames", "say", NULL };
	struct lexer_word progrm = word_of("progrm"), fram = word_of("fram"), sy = word_of("sy"),
			  sya = word_of("sya"), zzz = word_of("zzz");
	EXPECT_STREQ(lexer_nearest(&progrm, names), "program");
	EXPECT_STREQ(lexer_nearest(&fram, names), "frames"); /* 2 edits, long enough */
	EXPECT_STREQ(lexer_nearest(&sy, names), "say");
	EXPECT_TRUE(lexer_nearest(&sya, names) == NULL); /* 2 edits of a short word */
	EXPECT_TRUE(lexer_nearest(&zzz, names) == NULL);
}
