/*
 * Unit tests of the TAP/KTAP parser (harness/check/tap.c): TAP 13 and 14, KTAP v1,
 * kselftest's output, directives, plans with missing tests, nesting by indentation (and
 * its depth limit), Bail out!, and garbage.
 */
#include "tap.h"
#include "test.h"
#include "strbuf.h"
#include "wrapper.h"

#include <string.h>

/* The verdict of text: "" when it passes, else tap_doc_failed()'s line. */
static char *verdict(const char *text)
{
	struct tap_doc doc;
	struct strbuf why = STRBUF_INIT;
	tap_parse(&doc, text);
	tap_doc_failed(&doc, &why);
	tap_doc_release(&doc);
	return strbuf_detach(&why, NULL);
}

#define EXPECT_VERDICT(text, want)                                                 \
	do {                                                                       \
		char *v_ = verdict(text);                                          \
		EXPECT_STREQ(v_, want);                                            \
		free(v_);                                                          \
	} while (0)

TEST(tap_plain_tap13)
{
	struct tap_doc doc;
	tap_parse(&doc, "TAP version 13\n"
			"1..4\n"
			"ok 1 - first\n"
			"not ok 2 second one # TODO not yet\n"
			"ok 3 # SKIP no /dev/kvm\n"
			"ok 4 has \\# a hash # skipped: because\n");
	EXPECT_EQ(doc.found, 1);
	EXPECT_EQ(doc.plan, 4);
	ASSERT_EQ(doc.ntests, 4);
	EXPECT_STREQ(doc.tests[0].name, "first");
	EXPECT_EQ(doc.tests[0].number, 1);
	EXPECT_EQ(doc.tests[0].status, TAP_PASS);
	EXPECT_EQ(doc.tests[0].line, 3);
	EXPECT_STREQ(doc.tests[1].name, "second one");
	EXPECT_STREQ(doc.tests[1].directive, "TODO");
	EXPECT_STREQ(doc.tests[1].reason, "not yet");
	EXPECT_EQ(doc.tests[1].status, TAP_SKIP);
	EXPECT_STREQ(doc.tests[2].name, "test 3");
	EXPECT_STREQ(doc.tests[2].directive, "SKIP");
	EXPECT_STREQ(doc.tests[2].reason, "no /dev/kvm");
	EXPECT_EQ(doc.tests[2].status, TAP_SKIP);
	EXPECT_STREQ(doc.tests[3].name, "has \\# a hash");
	EXPECT_STREQ(doc.tests[3].directive, "SKIP");
	EXPECT_STREQ(doc.tests[3].reason, "because");
	size_t c[3];
	tap_doc_count(&doc, c);
	EXPECT_EQ(c[TAP_PASS], 1);
	EXPECT_EQ(c[TAP_SKIP], 3);
	struct strbuf why = STRBUF_INIT;
	EXPECT_EQ(tap_doc_failed(&doc, &why), 0);
	EXPECT_STREQ(why.buf, "");
	strbuf_release(&why);
	tap_doc_release(&doc);
	EXPECT_EQ(doc.plan, -1);
	tap_doc_release(&doc);
}

TEST(tap_failures_name_the_test)
{
	EXPECT_VERDICT("1..2\nok 1 a\nnot ok 2 b\n", "TAP test 'b' failed (not ok 2, output line 3)");
	EXPECT_VERDICT("1..3\nok 1 a\n", "TAP test '(never reported)' never reported");
	EXPECT_VERDICT("ok 1 a\nok 2 b # comment, no directive\n", "");
	EXPECT_VERDICT("not ok 1 - x # TODO\n", "");
	EXPECT_VERDICT("not ok\n", "TAP test 'test 0' failed (not ok 0, output line 1)");
	EXPECT_VERDICT("", "the program printed no TAP (no version line, plan or test line)");
	EXPECT_VERDICT(NULL, "the program printed no TAP (no version line, plan or test line)");
	EXPECT_VERDICT("hello\nworld\nokay\nnothing ok\n# ok 1\n",
		       "the program printed no TAP (no version line, plan or test line)");
	EXPECT_VERDICT("TAP version 14\n", "");
	EXPECT_VERDICT("1..0 # SKIP nothing to do here\n", "");
	EXPECT_VERDICT("TAP version 13\n1..2\nok 1 a\nBail out! no memory\nok 2 b\n",
		       "the program bailed out: no memory");
	EXPECT_VERDICT("Bail out!\n", "the program bailed out");
}

TEST(tap_plan_missing_tests)
{
	struct tap_doc doc;
	tap_parse(&doc, "1..5\nok 1 a\nok 2 b\n");
	ASSERT_EQ(doc.ntests, 5);
	EXPECT_EQ(doc.tests[2].missing, 1);
	EXPECT_EQ(doc.tests[2].number, 3);
	EXPECT_EQ(doc.tests[4].number, 5);
	EXPECT_EQ(doc.tests[4].status, TAP_FAIL);
	tap_doc_release(&doc);

	/* a huge plan: a hundred listed, the rest as one */
	tap_parse(&doc, "1..4000000000\nok 1\n");
	ASSERT_EQ(doc.ntests, 1 + TAP_MAX_MISSING + 1);
	EXPECT_STREQ(doc.tests[TAP_MAX_MISSING + 1].name, "(999899 more never reported)");
	tap_doc_release(&doc);

	/* the plan may come last */
	tap_parse(&doc, "ok 1\nok 2\n1..2\n");
	EXPECT_EQ(doc.ntests, 2);
	EXPECT_EQ(doc.plan, 2);
	tap_doc_release(&doc);
}

TEST(tap_ktap_nested)
{
	struct tap_doc doc;
	/* KTAP v1 as KUnit prints it: subtests indented by 2, before their parent's line */
	tap_parse(&doc, "KTAP version 1\n"
			"1..2\n"
			"  KTAP version 1\n"
			"  # Subtest: example\n"
			"  1..2\n"
			"  ok 1 example_simple_test\n"
			"    KTAP version 1\n"
			"    1..1\n"
			"    not ok 1 param-0\n"
			"  not ok 2 example_params_test\n"
			"ok 1 example\n"
			"  KTAP version 1\n"
			"  1..1\n"
			"  ok 1 s # SKIP\n"
			"ok 2 other\n"
			"# Totals: pass:1 fail:1\n");
	ASSERT_EQ(doc.ntests, 2);
	const struct tap_test *ex = &doc.tests[0];
	EXPECT_STREQ(ex->name, "example");
	EXPECT_EQ(ex->ok, 1);
	EXPECT_EQ(ex->status, TAP_FAIL); /* a subtest failed */
	ASSERT_EQ(ex->nsubtests, 2);
	EXPECT_STREQ(ex->subtests[1].name, "example_params_test");
	ASSERT_EQ(ex->subtests[1].nsubtests, 1);
	EXPECT_STREQ(ex->subtests[1].subtests[0].name, "param-0");
	EXPECT_EQ(doc.tests[1].nsubtests, 1);
	EXPECT_EQ(doc.tests[1].status, TAP_PASS);
	size_t c[3];
	tap_doc_count(&doc, c);
	EXPECT_EQ(c[TAP_PASS], 2);
	EXPECT_EQ(c[TAP_FAIL], 3);
	EXPECT_EQ(c[TAP_SKIP], 1);
	struct strbuf why = STRBUF_INIT;
	EXPECT_EQ(tap_doc_failed(&doc, &why), 1);
	EXPECT_STREQ(why.buf, "TAP test 'example / example_params_test / param-0' failed "
			      "(not ok 1, output line 9)");
	strbuf_release(&why);
	tap_doc_release(&doc);
}

TEST(tap_tap14_subtests_and_kselftest)
{
	struct tap_doc doc;
	/* TAP 14: "# Subtest:" and 4 spaces; kselftest's "# " lines are diagnostics */
	tap_parse(&doc, "TAP version 14\n"
			"1..2\n"
			"# Subtest: group\n"
			"    1..2\n"
			"    ok 1 - one\n"
			"    ok 2 - two\n"
			"ok 1 - group\n"
			"# selftests: timers: posix_timers\n"
			"# ok 1 inner line of a wrapped test\n"
			"ok 2 selftests: timers: posix_timers\n");
	ASSERT_EQ(doc.ntests, 2);
	EXPECT_EQ(doc.tests[0].nsubtests, 2);
	EXPECT_STREQ(doc.tests[0].subtests[1].name, "two");
	EXPECT_EQ(doc.tests[1].nsubtests, 0);
	EXPECT_STREQ(doc.tests[1].name, "selftests: timers: posix_timers");
	tap_doc_release(&doc);
}

TEST(tap_unfinished_parent_and_missing_subtests)
{
	struct tap_doc doc;
	/* the program died inside a subtest: the parent never reported */
	tap_parse(&doc, "1..1\n"
			"    # Subtest: grp\n"
			"    1..3\n"
			"    ok 1 a\n");
	ASSERT_EQ(doc.ntests, 1);
	EXPECT_STREQ(doc.tests[0].name, "grp");
	EXPECT_EQ(doc.tests[0].missing, 1);
	EXPECT_EQ(doc.tests[0].status, TAP_FAIL);
	ASSERT_EQ(doc.tests[0].nsubtests, 3);
	EXPECT_EQ(doc.tests[0].subtests[2].missing, 1);
	tap_doc_release(&doc);

	/* the first TAP line sets the base indentation: nothing is shallower */
	tap_parse(&doc, "  ok 1 x\nok 1 p\n  ok 1 y\n  ok 2 z\n");
	EXPECT_EQ(doc.ntests, 4);
	EXPECT_EQ(doc.tests[1].nsubtests, 0);
	tap_doc_release(&doc);

	/* two subtest blocks before one result line: the first gets a missing parent */
	tap_parse(&doc, "1..2\n  ok 1 x\n1..2\n  ok 1 y\nok 1 p\nok 2 q\n");
	ASSERT_EQ(doc.ntests, 3);
	EXPECT_EQ(doc.tests[0].missing, 1);
	EXPECT_STREQ(doc.tests[0].name, "subtest");
	EXPECT_EQ(doc.tests[0].nsubtests, 1);
	EXPECT_STREQ(doc.tests[1].name, "p");
	EXPECT_STREQ(doc.tests[1].subtests[0].name, "y");
	tap_doc_release(&doc);

	tap_parse(&doc, "1..1\n  ok 1 x\nBail out! stop\n");
	EXPECT_EQ(doc.bailed, 1);
	EXPECT_STREQ(doc.bail_reason, "stop");
	tap_doc_release(&doc);
}

TEST(tap_depth_limit)
{
	struct strbuf sb = STRBUF_INIT;
	struct tap_doc doc;
	/* each level opens with its version line, deeper and deeper (KTAP's shape) */
	for (int d = 0; d <= 40; d++)
		strbuf_addf(&sb, "%*sKTAP version 1\n", 2 * d, "");
	for (int d = 40; d >= 0; d--)
		strbuf_addf(&sb, "%*sok 1 level%d\n", 2 * d, "", d);
	tap_parse(&doc, sb.buf);
	EXPECT_EQ(doc.too_deep, 1);
	/* every level down to the limit nests; deeper lines are left out */
	const struct tap_test *t = doc.tests;
	size_t n = doc.ntests, depth = 0;
	while (n == 1) {
		depth++;
		n = t->nsubtests;
		t = t->subtests;
	}
	EXPECT_EQ(depth, TAP_MAX_DEPTH + 1);
	tap_doc_release(&doc);
	strbuf_release(&sb);
}

TEST(tap_garbage_never_crashes)
{
	static const char *const junk[] = {
		"ok", "not", "not ok", "ok -", "ok 99999999999999999999 x", "1..", "1..x",
		"1..2 trailing", "\t\tok 1 tabbed\n ok 2\n", "ok 1 #", "ok 1 # SKI",
		"ok 1 - # TODO", "KTAP version", "TAP versions 13", "Bail", "Bail out",
		"\r\n\r\nok 1 crlf\r\n", "# Subtest:", "#\n#\n", "    \n  \n", "ok 1 \\#",
		"ok 1 ends in a carriage return\r", "\r",
	};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		char *v = verdict(junk[i]);
		free(v);
	}
	/* random bytes */
	unsigned seed = 7;
	char buf[512];
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i + 1 < sizeof(buf); i++) {
			seed = seed * 1103515245 + 12345;
			static const char pick[] = "ok not 1..#\n  \tKTAP version Bail out!SKIP";
			buf[i] = pick[(seed >> 16) % (sizeof(pick) - 1)];
		}
		buf[sizeof(buf) - 1] = '\0';
		free(verdict(buf));
	}
	EXPECT_VERDICT("ok 1 \\#\n", "");
	EXPECT_VERDICT("\r\n\r\nnot ok 1 crlf\r\n", "TAP test 'crlf' failed (not ok 1, output line 3)");
	EXPECT_STREQ(tap_status_name(TAP_SKIP), "skip");
	EXPECT_STREQ(tap_status_name((enum tap_status)9), "?");
}
