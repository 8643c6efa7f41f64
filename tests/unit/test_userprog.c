/*
 * Unit tests of a user's program's pure parts: where the guest loads a PIE
 * (userprog_pie_base, the kernel's rule), what a foreign file is (elf_describe_foreign),
 * how an executable loads (elf_exec_info, on the test binary itself), and the run line
 * that names a user program by its guest path.
 */
#include "test.h"
#include "elf.h"
#include "qemu.h"
#include "strvec.h"
#include "userprog.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

TEST(userprog_pie_base_is_the_kernels_elf_et_dyn_base)
{
	/* gdb's well-known 0x555555554000: 2/3 of the 47-bit window, page aligned. */
	EXPECT_EQ(userprog_pie_base(0, 0x1000), 0x555555554000ULL);
	EXPECT_EQ(userprog_pie_base(0, 0), 0x555555554000ULL);
	/* A 2 MiB segment alignment rounds the base down to it. */
	EXPECT_EQ(userprog_pie_base(0, 0x200000), 0x555555400000ULL);
	/* A first segment linked above 0 loads that much lower. */
	EXPECT_EQ(userprog_pie_base(0x10000, 0x1000), 0x555555544000ULL);
}

TEST(elf_describe_foreign_names_the_machine)
{
	unsigned char h[20] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	char *s;
	h[18] = 183; /* EM_AARCH64 */
	s = elf_describe_foreign(h, sizeof(h));
	EXPECT_STREQ(s, "an ELF for aarch64, not x86-64");
	free(s);
	h[4] = 1;
	h[18] = 3; /* EM_386, 32-bit */
	s = elf_describe_foreign(h, sizeof(h));
	EXPECT_STREQ(s, "an ELF for i386, not x86-64");
	free(s);
	h[18] = 62; /* EM_X86_64 in a 32-bit ELF: x32 */
	s = elf_describe_foreign(h, sizeof(h));
	EXPECT_STREQ(s, "a 32-bit x86-64 ELF (x32), not ELF64");
	free(s);
	h[18] = 0xfe;
	h[19] = 0x01;
	s = elf_describe_foreign(h, sizeof(h));
	EXPECT_STREQ(s, "an ELF for machine 510, not x86-64");
	free(s);
	s = elf_describe_foreign((const unsigned char *)"#!/bin/sh\n", 10);
	EXPECT_STREQ(s, "not an ELF file");
	free(s);
	s = elf_describe_foreign(h, 8);
	EXPECT_STREQ(s, "not an ELF file");
	free(s);
}

TEST(elf_exec_info_of_a_dynamic_pie)
{
	struct elf e;
	struct elf_exec x;
	ASSERT_EQ(elf_open(&e, "/proc/self/exe"), 0);
	ASSERT_EQ(elf_exec_info(&e, &x), 0);
	EXPECT_EQ(x.type, ET_DYN);
	ASSERT_TRUE(x.interp != NULL);
	EXPECT_STREQ(x.interp, "/lib64/ld-linux-x86-64.so.2");
	EXPECT_EQ(x.first_vaddr, 0);
	EXPECT_TRUE(x.nloads >= 2);
	EXPECT_TRUE(x.max_align >= 0x1000);
	elf_exec_release(&x);
	EXPECT_TRUE(x.interp == NULL);
	elf_close(&e);
}

TEST(elf_exec_info_refuses_a_bad_interpreter)
{
	/* An ELF64 header with one PT_INTERP whose string is not NUL-terminated. */
	unsigned char f[64 + 56 + 8] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	Elf64_Ehdr *h = (Elf64_Ehdr *)f;
	Elf64_Phdr ph = { .p_type = PT_INTERP, .p_offset = 64 + 56, .p_filesz = 8 };
	h->e_type = ET_EXEC;
	h->e_machine = EM_X86_64;
	h->e_phoff = 64;
	h->e_phnum = 1;
	h->e_phentsize = sizeof(ph);
	memcpy(f + 64, &ph, sizeof(ph));
	memcpy(f + 64 + 56, "/lib/ldX", 8);
	struct elf e;
	struct elf_exec x;
	struct strbuf err = STRBUF_INIT;
	ASSERT_EQ(elf_open_mem(&e, "bad", f, sizeof(f), &err), 0);
	EXPECT_EQ(elf_exec_info(&e, &x), -1);
	elf_exec_release(&x);
	f[64 + 56 + 7] = '\0';
	EXPECT_EQ(elf_exec_info(&e, &x), 0);
	EXPECT_STREQ(x.interp, "/lib/ld");
	EXPECT_EQ(x.nloads, 0);
	elf_exec_release(&x);
	elf_close(&e);
	strbuf_release(&err);
}

TEST(qemu_go_line_names_a_user_program_by_its_guest_path)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct strvec args = STRVEC_INIT;
	strvec_push(&args, "/data/in put");
	ASSERT_EQ(qemu_go_line(USERPROG_DIR "/repro", &args, &out, &err), 0);
	EXPECT_STREQ(out.buf, "run /kdive/user/repro x/data/in\\x20put\n");
	/* A path that climbs, or a relative one with a slash, is no program. */
	static const char *const bad[] = { "/kdive/user/../x", "/kdive/./x", "kdive/user/x",
					   "/a b", "/a,b", NULL };
	for (const char *const *b = bad; *b; b++) {
		strbuf_reset(&out);
		strbuf_reset(&err);
		EXPECT_EQ(qemu_go_line(*b, &args, &out, &err), -1);
		EXPECT_CONTAINS(err.buf, "is not a guest program's name");
	}
	strvec_clear(&args);
	strbuf_release(&out);
	strbuf_release(&err);
}
