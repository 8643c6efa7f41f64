/* Unit tests for the syscall-table reader. */
#include "test.h"
#include "syscalls.h"
#include "strbuf.h"

static const char table[] =
	"__SYSCALL(0, sys_read)\n__SYSCALL(1, sys_write)\n__SYSCALL(4, sys_newstat)\n"
	"__SYSCALL(56, sys_clone)\n__SYSCALL_NORETURN(60, sys_exit)\n"
	"__SYSCALL(335, sys_ni_syscall)\n#ifdef X\nnot a line\n";

TEST(syscalls_parse_and_find)
{
	struct syscalls t = SYSCALLS_INIT;
	struct strbuf err = STRBUF_INIT;
	ASSERT_EQ(syscalls_parse(&t, "syscalls_64.h", table, &err), 0);
	EXPECT_EQ(syscalls_find(&t, "clone"), 56);
	EXPECT_EQ(syscalls_find(&t, "sys_write"), 1);
	EXPECT_EQ(syscalls_find(&t, "exit"), 60);
	EXPECT_EQ(syscalls_find(&t, "stat"), 4);
	EXPECT_EQ(syscalls_find(&t, "read"), 0);
	EXPECT_EQ(syscalls_find(&t, "ni_syscall"), -1);
	EXPECT_EQ(syscalls_find(&t, "no_such_call"), -1);
	EXPECT_STREQ(syscalls_name(&t, 56), "clone");
	EXPECT_TRUE(syscalls_name(&t, 57) == NULL);
	EXPECT_TRUE(syscalls_name(&t, 9999) == NULL);
	EXPECT_TRUE(syscalls_name(&t, -1) == NULL);
	syscalls_release(&t);
	strbuf_release(&err);
}

TEST(syscalls_reject_empty_and_garbage)
{
	struct syscalls t = SYSCALLS_INIT;
	struct strbuf err = STRBUF_INIT;
	EXPECT_EQ(syscalls_parse(&t, "x.h", "hello\n__SYSCALL(\n__SYSCALL(99999999, sys_x)\n", &err), -1);
	EXPECT_CONTAINS(err.buf, "x.h: no __SYSCALL");
	syscalls_release(&t);
	strbuf_release(&err);
}

/* Found by tests/fuzz/fuzz_syscalls.c: "sys_" alone named a syscall "". */
TEST(syscalls_a_bare_prefix_names_nothing)
{
	struct syscalls t = SYSCALLS_INIT;
	struct strbuf err = STRBUF_INIT;
	EXPECT_EQ(syscalls_parse(&t, "x.h", "__SYSCALL(5, sys_)\n", &err), -1);
	EXPECT_CONTAINS(err.buf, "x.h: no __SYSCALL");
	strbuf_reset(&err);
	ASSERT_EQ(syscalls_parse(&t, "x.h", "__SYSCALL(5, sys_)\n__SYSCALL(3, sys_close)\n", &err), 0);
	EXPECT_EQ(t.nr, 4);
	EXPECT_TRUE(syscalls_name(&t, 5) == NULL);
	EXPECT_EQ(syscalls_find(&t, "sys_"), -1);
	EXPECT_EQ(syscalls_set(&t, 3, "sys_", 4), -1);
	EXPECT_EQ(syscalls_set(&t, 4096, "sys_x", 5), -1);
	EXPECT_EQ(syscalls_set(&t, 4095, "sys_x", 5), 0);
	EXPECT_STREQ(syscalls_name(&t, 3), "close");
	EXPECT_STREQ(syscalls_name(&t, 4095), "x");
	syscalls_release(&t);
	strbuf_release(&err);
}
