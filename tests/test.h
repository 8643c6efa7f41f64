/*
 * kdive's unit-test harness: TEST(name) registers a test; the runner (tests/test.c)
 * forks each test into its own process with a time limit, prints TAP 13 and a closing
 * line "N passed, N failed, N skipped".
 *
 * ASSERT_* stops the test at the first failure; EXPECT_* records it and goes on.
 * SKIP("why") ends the test as skipped. Run `build/tests/unit FILTER` to run only the
 * tests whose name contains FILTER; KDIVE_TEST_TIMEOUT sets the per-test limit (s).
 */
#ifndef KDIVE_TEST_H
#define KDIVE_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*test_fn)(void);
void test_register(const char *name, test_fn fn, const char *file, int timeout_s);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void test_skip(const char *why) __attribute__((noreturn));
void test_abort(void) __attribute__((noreturn));
/* Directory of the repository (for test data), and a fresh scratch directory per test. */
const char *test_srcdir(void);
const char *test_tmpdir(void);

#define TEST_TIMEOUT(name, secs)                                                   \
	static void name(void);                                                    \
	__attribute__((constructor)) static void register_##name(void)             \
	{                                                                          \
		test_register(#name, name, __FILE__, secs);                        \
	}                                                                          \
	static void name(void)
#define TEST(name) TEST_TIMEOUT(name, 0)

#define SKIP(why) test_skip(why)

#define CHECK_(cond, fatal, ...)                                                   \
	do {                                                                       \
		if (!(cond)) {                                                     \
			test_fail(__FILE__, __LINE__, __VA_ARGS__);                \
			if (fatal)                                                 \
				test_abort();                                      \
		}                                                                  \
	} while (0)

#define CMP_INT_(a, op, b, fatal)                                                  \
	do {                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                \
		CHECK_(a_ op b_, fatal, "%s %s %s: %lld vs %lld", #a, #op, #b, a_, b_); \
	} while (0)

#define CMP_STR_(a, b, fatal)                                                      \
	do {                                                                       \
		const char *a_ = (a), *b_ = (b);                                   \
		CHECK_(a_ && b_ && !strcmp(a_, b_), fatal, "%s == %s: \"%s\" vs \"%s\"", \
		       #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");            \
	} while (0)

#define ASSERT_TRUE(c) CHECK_(c, 1, "%s", #c)
#define EXPECT_TRUE(c) CHECK_(c, 0, "%s", #c)
#define ASSERT_EQ(a, b) CMP_INT_(a, ==, b, 1)
#define EXPECT_EQ(a, b) CMP_INT_(a, ==, b, 0)
#define ASSERT_NE(a, b) CMP_INT_(a, !=, b, 1)
#define EXPECT_NE(a, b) CMP_INT_(a, !=, b, 0)
#define EXPECT_LT(a, b) CMP_INT_(a, <, b, 0)
#define EXPECT_GE(a, b) CMP_INT_(a, >=, b, 0)
#define ASSERT_STREQ(a, b) CMP_STR_(a, b, 1)
#define EXPECT_STREQ(a, b) CMP_STR_(a, b, 0)
#define EXPECT_CONTAINS(hay, needle)                                               \
	do {                                                                       \
		const char *h_ = (hay), *n_ = (needle);                            \
		CHECK_(h_ && strstr(h_, n_), 0, "%s contains \"%s\"; it is:\n%s", #hay, n_, \
		       h_ ? h_ : "(null)");                                        \
	} while (0)

#endif
