/* Unit tests for kernel: what a vmlinux says of itself (the pure parts). */
#include "kernel.h"
#include "test.h"
#include "files.h"
#include "strbuf.h"
#include "wrapper.h"

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

/* A file with an x86 boot header: setup_sects 1, syssize 4 (64 bytes), len bytes in all. */
static char *fake_bzimage(const char *name, size_t len, int magic)
{
	char *path = xstrfmt("%s/%s", test_tmpdir(), name);
	unsigned char *b = xcalloc(len > 0x300 ? len : 0x300, 1);
	b[0x1f1] = 1;
	b[0x1f4] = 4;
	b[0x1fe] = 0x55;
	b[0x1ff] = 0xaa;
	memcpy(b + 0x202, magic ? "HdrS" : "HdrX", 4);
	write_file_atomic(path, b, len);
	free(b);
	return path;
}

TEST(kernel_check_bzimage_wants_a_whole_image)
{
	struct strbuf err = STRBUF_INIT;
	char *whole = fake_bzimage("bz-whole", 2 * 512 + 64, 1);
	char *cut = fake_bzimage("bz-cut", 2 * 512 + 63, 1);
	char *other = fake_bzimage("bz-other", 4096, 0);
	char *tiny = fake_bzimage("bz-tiny", 100, 1);
	EXPECT_EQ(kernel_check_bzimage(whole, &err), 0);
	EXPECT_STREQ(err.buf, "");
	EXPECT_EQ(kernel_check_bzimage(cut, &err), -1);
	EXPECT_TRUE(strstr(err.buf, "is cut short: 1087 bytes, its header promises 1088") != NULL);
	strbuf_reset(&err);
	EXPECT_EQ(kernel_check_bzimage(other, &err), -1);
	EXPECT_TRUE(strstr(err.buf, "is not an x86 bzImage") != NULL);
	strbuf_reset(&err);
	EXPECT_EQ(kernel_check_bzimage(tiny, &err), -1);
	EXPECT_TRUE(strstr(err.buf, "is not an x86 bzImage") != NULL);
	strbuf_reset(&err);
	EXPECT_EQ(kernel_check_bzimage(test_tmpdir(), &err), -1);
	free(whole);
	free(cut);
	free(other);
	free(tiny);
	strbuf_release(&err);
}
