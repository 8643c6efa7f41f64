/*
 * Unit tests for quote: each language's quoting, read back by that language's own
 * rules — /bin/sh itself for shell words, and for gdb a reader written from its
 * parsers (gdb's mi_parse_argv and parse_escape, libiberty's buildargv) — over hostile
 * strings: newlines, quotes, backslashes, $, ;, MI's '-' prefixes, commas, control
 * bytes, UTF-8.
 */
#include "test.h"
#include "quote.h"
#include "strbuf.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const hostile[] = {
	"plain",
	"with space",
	"it's",
	"say \"hi\"",
	"back\\slash\\",
	"main\n-interpreter-exec console \"shell id\"",
	"$HOME;id&&`id`|$(id)",
	"-break-delete",
	"a,b,,c",
	"tab\there\rcr",
	"\x01\x1b[31m\x7f",
	"caf\xc3\xa9 \xe2\x9c\x93",
	"x'; touch F; 'y",
	"\\\"\\'\\n",
	"%s%n%x",
	"'",
	"\"",
	"\\",
	"",
};

/* gdb's C-string reader: mi_parse_argv's quoted argument with parse_escape. */
static int read_c(const char *q, struct strbuf *out)
{
	if (*q++ != '"')
		return -1;
	while (*q && *q != '"') {
		if (*q != '\\') {
			strbuf_addch(out, *q++);
			continue;
		}
		q++;
		if (*q >= '0' && *q <= '7') {
			int v = 0, n = 0;
			while (n < 3 && *q >= '0' && *q <= '7')
				v = v * 8 + (*q++ - '0'), n++;
			if (!v)
				return -1; /* gdb refuses \000 */
			strbuf_addch(out, (char)v);
			continue;
		}
		const char *from = "ntr\\\"'", *to = "\n\t\r\\\"'";
		const char *at = *q ? strchr(from, *q) : NULL;
		if (!at)
			return -1;
		strbuf_addch(out, to[at - from]);
		q++;
	}
	/* Nothing may follow the closing quote. */
	return *q == '"' && !q[1] ? 0 : -1;
}

TEST(quote_c_reads_back_and_stays_one_line)
{
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		struct strbuf q = STRBUF_INIT, back = STRBUF_INIT;
		quote_c(&q, hostile[i]);
		/* One MI line: no raw newline or carriage return, no raw control byte. */
		EXPECT_TRUE(quote_bad_byte(q.buf) == NULL);
		EXPECT_EQ(q.buf[0], '"');
		EXPECT_EQ(q.buf[q.len - 1], '"');
		EXPECT_EQ(read_c(q.buf, &back), 0);
		EXPECT_STREQ(back.buf, hostile[i]);
		strbuf_release(&q);
		strbuf_release(&back);
	}
}

TEST(quote_c_octal_escape_is_not_extended_by_a_digit)
{
	struct strbuf q = STRBUF_INIT;
	quote_c(&q, "\x01" "7");
	EXPECT_STREQ(q.buf, "\"\\0017\"");
	strbuf_release(&q);
}

/* libiberty's buildargv, for one argument. */
static int read_argv(const char *q, struct strbuf *out)
{
	int sq = 0, dq = 0;
	for (; *q; q++) {
		if (*q == '\\' && q[1]) {
			strbuf_addch(out, *++q);
		} else if (sq) {
			if (*q == '\'')
				sq = 0;
			else
				strbuf_addch(out, *q);
		} else if (dq) {
			if (*q == '"')
				dq = 0;
			else
				strbuf_addch(out, *q);
		} else if (*q == '\'') {
			sq = 1;
		} else if (*q == '"') {
			dq = 1;
		} else if (*q == ' ' || *q == '\t' || *q == '\n') {
			return -1; /* a second argument */
		} else {
			strbuf_addch(out, *q);
		}
	}
	return sq || dq ? -1 : 0;
}

TEST(quote_gdb_arg_is_one_argument_or_refused)
{
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		struct strbuf q = STRBUF_INIT, back = STRBUF_INIT, err = STRBUF_INIT;
		int r = quote_gdb_arg(&q, hostile[i], &err);
		if (!*hostile[i] || quote_bad_byte(hostile[i])) {
			EXPECT_EQ(r, -1);
			EXPECT_TRUE(err.len > 0);
			EXPECT_EQ(q.len, 0);
		} else {
			EXPECT_EQ(r, 0);
			EXPECT_EQ(read_argv(q.buf, &back), 0);
			EXPECT_STREQ(back.buf, hostile[i]);
		}
		strbuf_release(&q);
		strbuf_release(&back);
		strbuf_release(&err);
	}
}

TEST(quote_gdb_arg_names_the_byte)
{
	struct strbuf q = STRBUF_INIT, err = STRBUF_INIT;
	EXPECT_EQ(quote_gdb_arg(&q, "/tmp/a\nb", &err), -1);
	EXPECT_TRUE(strstr(err.buf, "a newline at byte 6") != NULL);
	strbuf_release(&q);
	strbuf_release(&err);
}

TEST(quote_gdb_rest_refuses_what_the_cli_would_change)
{
	const char *bad[] = { " /lead", "/trail ", "-s file", "~/x", "|cmd", "/a\nb", "" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct strbuf q = STRBUF_INIT, err = STRBUF_INIT;
		EXPECT_EQ(quote_gdb_rest(&q, bad[i], &err), -1);
		EXPECT_TRUE(err.len > 0);
		strbuf_release(&q);
		strbuf_release(&err);
	}
	struct strbuf q = STRBUF_INIT, err = STRBUF_INIT;
	EXPECT_EQ(quote_gdb_rest(&q, "/o'neil/John \"Doe\"/a,b\\c/k.py", &err), 0);
	EXPECT_STREQ(q.buf, "/o'neil/John \"Doe\"/a,b\\c/k.py");
	strbuf_release(&q);
	strbuf_release(&err);
}

/* The shell's own reading of a quoted word: sh -c 'printf %s WORD'. */
TEST(quote_sh_is_one_word_for_sh)
{
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		struct strbuf cmd = STRBUF_INIT, back = STRBUF_INIT;
		strbuf_addstr(&cmd, "printf %s ");
		quote_sh(&cmd, hostile[i]);
		strbuf_addstr(&cmd, "; printf '|%s' \"$#\"");
		struct strbuf sh = STRBUF_INIT;
		strbuf_addstr(&sh, "sh -c ");
		quote_sh(&sh, cmd.buf);
		FILE *p = popen(sh.buf, "r");
		ASSERT_TRUE(p != NULL);
		char buf[512];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
			strbuf_add(&back, buf, n);
		EXPECT_EQ(pclose(p), 0);
		struct strbuf want = STRBUF_INIT;
		strbuf_addf(&want, "%s|0", hostile[i]);
		EXPECT_STREQ(back.buf, want.buf);
		strbuf_release(&want);
		strbuf_release(&sh);
		strbuf_release(&cmd);
		strbuf_release(&back);
	}
}

TEST(quote_qemu_opt_doubles_commas)
{
	struct strbuf q = STRBUF_INIT;
	quote_qemu_opt(&q, "/tmp/a,b,,c/console.log");
	EXPECT_STREQ(q.buf, "/tmp/a,,b,,,,c/console.log");
	strbuf_release(&q);
}
