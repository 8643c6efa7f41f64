/* Unit tests for kernel: what a vmlinux says of itself (the pure parts). */
#include "kernel.h"
#include "test.h"

#include <stdlib.h>

TEST(kernel_release_from_the_banner)
{
	char *v = kernel_banner_release("Linux version 6.12.117 (kdive@kdive) (gcc 12.2.0) #1 1970");
	EXPECT_STREQ(v, "6.12.117");
	free(v);
	/* Debian's release string keeps its ABI and flavour; guards read 6.1.0 from it */
	v = kernel_banner_release("Linux version 6.1.0-57-amd64 (debian-kernel@lists) (gcc)");
	EXPECT_STREQ(v, "6.1.0-57-amd64");
	free(v);
	EXPECT_TRUE(kernel_banner_release("Linux version ") == NULL);
	EXPECT_TRUE(kernel_banner_release("linux version 6.1") == NULL);
	EXPECT_TRUE(kernel_banner_release(NULL) == NULL);
}

TEST(kernel_syscall_names_from_symbols)
{
	struct syscalls t = SYSCALLS_INIT;
	/* as kernel.c names sys_call_table's slots from __x64_sys_NAME */
	syscalls_set(&t, 56, "clone", 5);
	syscalls_set(&t, 0, "sys_read", 8);
	syscalls_set(&t, 5000, "too_far", 7); /* past the table's bound: ignored */
	EXPECT_EQ(syscalls_find(&t, "clone"), 56);
	EXPECT_EQ(syscalls_find(&t, "read"), 0);
	EXPECT_STREQ(syscalls_name(&t, 56), "clone");
	EXPECT_TRUE(syscalls_name(&t, 1) == NULL);
	EXPECT_EQ((long)t.nr, 57);
	syscalls_release(&t);
}
