/* Unit tests for elf, on the test binary itself (an x86-64 ELF built with -g). */
#include "test.h"
#include "elf.h"

TEST(elf_reads_own_binary)
{
	struct elf e;
	uint64_t v, off;
	const char *name;
	const unsigned char *d;
	size_t len;
	ASSERT_EQ(elf_open(&e, "/proc/self/exe"), 0);
	EXPECT_EQ(elf_is_static(&e), 0);
	/* gcc 12 writes DWARF 5 by default. */
	EXPECT_EQ(elf_dwarf_version(&e), 5);
	EXPECT_EQ(elf_section(&e, ".text", &d, &len), 1);
	EXPECT_EQ(elf_section(&e, ".no_such_section", &d, &len), 0);
	ASSERT_EQ(elf_symbol(&e, "test_register", &v), 1);
	ASSERT_EQ(elf_symbol_at(&e, v + 3, &name, &off), 1);
	EXPECT_STREQ(name, "test_register");
	EXPECT_EQ(off, 3);
	/* The bytes at the symbol's address are the function's code in the file. */
	unsigned char a[8], b[8];
	ASSERT_EQ(elf_read_vaddr(&e, v, a, sizeof(a)), 0);
	uint64_t main_addr;
	ASSERT_EQ(elf_symbol(&e, "main", &main_addr), 1);
	/* PIE: the load bias is the same for both functions. */
	uintptr_t bias = (uintptr_t)&test_register - v;
	memcpy(b, (const void *)(uintptr_t)(v + bias), sizeof(b));
	EXPECT_TRUE(!memcmp(a, b, sizeof(a)));
	EXPECT_EQ(elf_symbol(&e, "kdive_no_such_symbol", &v), 0);
	elf_close(&e);
}

TEST(elf_rejects_non_elf)
{
	struct elf e;
	EXPECT_EQ(elf_open(&e, "/etc/hostname"), -1);
	EXPECT_EQ(elf_open(&e, "/no/such/file"), -1);
}

TEST(elf_open_quiet_says_why_in_err)
{
	struct elf e;
	struct strbuf err = STRBUF_INIT;
	EXPECT_EQ(elf_open_quiet(&e, "/no/such/file", &err), -1);
	EXPECT_STREQ(err.buf, "cannot open '/no/such/file': No such file or directory");
	strbuf_reset(&err);
	EXPECT_EQ(elf_open_quiet(&e, "/etc/hostname", &err), -1);
	EXPECT_CONTAINS(err.buf, "'/etc/hostname' is not an");
	strbuf_reset(&err);
	ASSERT_EQ(elf_open_quiet(&e, "/proc/self/exe", &err), 0);
	EXPECT_STREQ(err.buf, "");
	elf_close(&e);
	strbuf_release(&err);
}
