/*
 * Unit tests of kernel-version guards: which kernel versions a guard holds for, the
 * guard's text read and written back, its errors with the offset they are about, and
 * the comparison operators. The parser's tests (test_scenario.c) cover guards in
 * scenario lines with their FILE:LINE:COL.
 */
#include "guard.h"
#include "test.h"
#include "strbuf.h"
#include "wrapper.h"

#include <string.h>

TEST(guard_holds_versions)
{
	struct guard ge69 = { ">=", 6, 9, -1 }, lt69 = { "<", 6, 9, -1 },
		     eq612 = { "==", 6, 12, -1 }, gt69 = { ">", 6, 9, -1 },
		     le6125 = { "<=", 6, 12, 5 }, ne61 = { "!=", 6, 1, -1 }, none = GUARD_NONE;
	EXPECT_TRUE(guard_holds(&ge69, "6.12.117"));
	EXPECT_TRUE(guard_holds(&ge69, "6.9"));
	EXPECT_TRUE(guard_holds(&ge69, "6.9.0"));
	EXPECT_TRUE(!guard_holds(&ge69, "6.1.192"));
	EXPECT_TRUE(guard_holds(&ge69, "6.12.0-rc1+"));
	EXPECT_TRUE(guard_holds(&ge69, "7.0"));
	EXPECT_TRUE(!guard_holds(&ge69, "5.15.3"));
	EXPECT_TRUE(guard_holds(&lt69, "6.1.192"));
	EXPECT_TRUE(!guard_holds(&lt69, "6.9.3"));
	EXPECT_TRUE(guard_holds(&eq612, "6.12.117")); /* MAJOR.MINOR only */
	EXPECT_TRUE(!guard_holds(&eq612, "6.13"));
	EXPECT_TRUE(!guard_holds(&gt69, "6.9.200"));
	EXPECT_TRUE(guard_holds(&gt69, "6.10.1"));
	EXPECT_TRUE(guard_holds(&le6125, "6.12.5"));
	EXPECT_TRUE(guard_holds(&le6125, "6.12.0-rc1"));
	EXPECT_TRUE(!guard_holds(&le6125, "6.12.6"));
	EXPECT_TRUE(guard_holds(&ne61, "6.12.1"));
	EXPECT_TRUE(!guard_holds(&ne61, "6.1.192"));
	/* A patch level of 0 is a patch level: [<= 6.12.0] is 6.12.0 and earlier. */
	struct guard le6120 = { "<=", 6, 12, 0 }, eq6120 = { "==", 6, 12, 0 },
		     ge690 = { ">=", 6, 9, 0 }, lt691 = { "<", 6, 9, 1 };
	EXPECT_TRUE(guard_holds(&le6120, "6.12.0"));
	EXPECT_TRUE(!guard_holds(&le6120, "6.12.5"));
	EXPECT_TRUE(!guard_holds(&eq6120, "6.12.3"));
	/* A kernel version without a patch level is .0. */
	EXPECT_TRUE(guard_holds(&eq6120, "6.12"));
	EXPECT_TRUE(guard_holds(&le6120, "6.12-rc1"));
	EXPECT_TRUE(guard_holds(&ge690, "6.9"));
	EXPECT_TRUE(guard_holds(&lt691, "6.9"));
	EXPECT_TRUE(!guard_holds(&le6125, "6.13"));
	/* an unknown or unparsable version holds only unguarded lines */
	EXPECT_TRUE(!guard_holds(&ge69, NULL));
	EXPECT_TRUE(!guard_holds(&ge69, "linux"));
	EXPECT_TRUE(!guard_holds(&ge69, "6"));
	EXPECT_TRUE(!guard_holds(&lt69, ""));
	EXPECT_TRUE(guard_holds(&none, NULL));
	EXPECT_TRUE(guard_holds(&none, "garbage"));
}

/* Parse s as a guard; returns its canonical form, or "error at N: message". */
static char *parse(const char *s, size_t *used)
{
	struct guard g = { ">", 1, 2, 3 };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	size_t at = 999;
	*used = 0;
	if (guard_parse(&g, s, strlen(s), used, &err, &at)) {
		strbuf_addf(&out, "error at %zu: %s", at, err.buf);
		EXPECT_STREQ(g.op, ">"); /* untouched */
	} else {
		guard_format(&g, &out);
	}
	strbuf_release(&err);
	return strbuf_detach(&out, NULL);
}

TEST(guard_parse_and_format)
{
	static const struct {
		const char *in, *want;
		size_t used;
	} cases[] = {
		{ "[>= 6.9] stop f", "[>= 6.9]", 8 },
		{ "[==6.12]f", "[== 6.12]", 8 },
		{ "[ != 6.1.192 ]", "[!= 6.1.192]", 14 },
		{ "[<\t7.0]", "[< 7.0]", 7 },
		{ "[>= 6.9", "error at 0: unterminated version guard: missing ']'", 0 },
		{ "[ 6.9]", "error at 2: version guard needs an operator: [OP MAJOR.MINOR[.PATCH]] "
			    "with OP one of == != < <= > >=", 0 },
		{ "[=< 6.9]", "error at 1: unknown operator '=<' in version guard (expected == != "
			      "< <= > >=)", 0 },
		{ "[>= ]", "error at 4: version guard needs a version: [>= MAJOR.MINOR]", 0 },
		{ "[>= 6.x]", "error at 4: bad kernel version '6.x' in guard (expected MAJOR.MINOR "
			      "or MAJOR.MINOR.PATCH)", 0 },
		{ "[>= 6.9 rc1]", "error at 8: unexpected 'rc1' in version guard", 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t used;
		char *got = parse(cases[i].in, &used);
		EXPECT_STREQ(got, cases[i].want);
		EXPECT_EQ(used, cases[i].used);
		free(got);
	}
}

TEST(guard_operators)
{
	static const char *const names[] = { "==", "!=", "<", "<=", ">", ">=" };
	static const int holds[][3] = { /* for a <=> b of -1, 0, 1 */
		{ 0, 1, 0 }, { 1, 0, 1 }, { 1, 0, 0 }, { 1, 1, 0 }, { 0, 0, 1 }, { 0, 1, 1 },
	};
	for (int op = GUARD_EQ; op <= GUARD_GE; op++) {
		EXPECT_STREQ(guard_op_name((enum guard_op)op), names[op]);
		EXPECT_EQ(guard_op_find(names[op], strlen(names[op])), op);
		for (int cmp = -1; cmp <= 1; cmp++)
			EXPECT_EQ(guard_op_holds((enum guard_op)op, cmp), holds[op][cmp + 1]);
	}
	EXPECT_STREQ(guard_op_name((enum guard_op)42), "?");
	EXPECT_EQ(guard_op_find("=", 1), -1);
	EXPECT_EQ(guard_op_find("<=>", 3), -1);
	EXPECT_EQ(guard_op_find("<=", 1), GUARD_LT); /* only n bytes count */
}
