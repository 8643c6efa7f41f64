/* Unit tests for elf, on the test binary itself (an x86-64 ELF built with -g). */
#include "test.h"
#include "elf.h"
#include "strbuf.h"

#include <elf.h>
#include <stddef.h>

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

/*
 * A small ELF64 image built in memory: one PT_LOAD segment of 16 bytes at vaddr, and
 * a .symtab with one function symbol (name "f", value and size as given).
 */
struct image {
	Elf64_Ehdr h;          /* file header */
	Elf64_Phdr ph;         /* the one segment */
	Elf64_Shdr sh[4];      /* null, .symtab, .strtab, .shstrtab */
	Elf64_Sym sym[2];      /* null, f */
	char strtab[4];        /* "\0f\0" */
	char shstrtab[28];     /* section names */
	unsigned char seg[16]; /* the segment's bytes: 0, 1, ..., 15 */
};

static void image_make(struct image *im, uint64_t vaddr, uint64_t fvalue, uint64_t fsize)
{
	static const char names[] = "\0.symtab\0.strtab\0.shstrtab";
	memset(im, 0, sizeof(*im));
	memcpy(im->h.e_ident, ELFMAG, SELFMAG);
	im->h.e_ident[EI_CLASS] = ELFCLASS64;
	im->h.e_ident[EI_DATA] = ELFDATA2LSB;
	im->h.e_ident[EI_VERSION] = EV_CURRENT;
	im->h.e_type = ET_EXEC;
	im->h.e_machine = EM_X86_64;
	im->h.e_version = EV_CURRENT;
	im->h.e_phoff = offsetof(struct image, ph);
	im->h.e_shoff = offsetof(struct image, sh);
	im->h.e_ehsize = sizeof(Elf64_Ehdr);
	im->h.e_phentsize = sizeof(Elf64_Phdr);
	im->h.e_phnum = 1;
	im->h.e_shentsize = sizeof(Elf64_Shdr);
	im->h.e_shnum = 4;
	im->h.e_shstrndx = 3;
	im->ph.p_type = PT_LOAD;
	im->ph.p_offset = offsetof(struct image, seg);
	im->ph.p_vaddr = vaddr;
	im->ph.p_filesz = im->ph.p_memsz = sizeof(im->seg);
	im->sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_SYMTAB, .sh_link = 2,
				  .sh_offset = offsetof(struct image, sym),
				  .sh_size = sizeof(im->sym), .sh_entsize = sizeof(Elf64_Sym) };
	im->sh[2] = (Elf64_Shdr){ .sh_name = 9, .sh_type = SHT_STRTAB,
				  .sh_offset = offsetof(struct image, strtab),
				  .sh_size = sizeof(im->strtab) };
	im->sh[3] = (Elf64_Shdr){ .sh_name = 17, .sh_type = SHT_STRTAB,
				  .sh_offset = offsetof(struct image, shstrtab),
				  .sh_size = sizeof(names) };
	im->sym[1] = (Elf64_Sym){ .st_name = 1, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
				  .st_shndx = 1, .st_value = fvalue, .st_size = fsize };
	memcpy(im->strtab, "\0f", 3);
	memcpy(im->shstrtab, names, sizeof(names));
	for (unsigned i = 0; i < sizeof(im->seg); i++)
		im->seg[i] = (unsigned char)i;
}

TEST(elf_open_mem_reads_a_buffer)
{
	struct image im;
	struct elf e;
	struct strbuf err = STRBUF_INIT;
	const unsigned char *d;
	size_t len;
	uint64_t v, size;
	unsigned char b[4];
	image_make(&im, 0x1000, 0x1004, 8);
	ASSERT_EQ(elf_open_mem(&e, "image", &im, sizeof(im), &err), 0);
	EXPECT_STREQ(err.buf, "");
	EXPECT_EQ(elf_section(&e, ".strtab", &d, &len), 1);
	EXPECT_TRUE(d == (const unsigned char *)im.strtab && len == sizeof(im.strtab));
	ASSERT_EQ(elf_symbol_size(&e, "f", &v, &size), 1);
	EXPECT_EQ(v, 0x1004);
	EXPECT_EQ(size, 8);
	ASSERT_EQ(elf_read_vaddr(&e, 0x100c, b, 4), 0);
	EXPECT_EQ(b[0], 12);
	EXPECT_EQ(elf_read_vaddr(&e, 0x100d, b, 4), -1);
	/* A sized symbol names the addresses it covers, and no others. */
	const char *name;
	uint64_t off;
	ASSERT_EQ(elf_symbol_at(&e, 0x100b, &name, &off), 1);
	EXPECT_STREQ(name, "f");
	EXPECT_EQ(off, 7);
	EXPECT_EQ(elf_symbol_at(&e, 0x100c, &name, &off), 0);
	EXPECT_EQ(elf_symbol_at(&e, 0x1003, &name, &off), 0);
	elf_close(&e);
	/* The buffer is borrowed: closing leaves it alone. */
	EXPECT_EQ(im.seg[15], 15);
	EXPECT_EQ(elf_open_mem(&e, "short", &im, sizeof(Elf64_Ehdr) - 1, &err), -1);
	EXPECT_STREQ(err.buf, "'short' is not an ELF file (too short)");
	strbuf_release(&err);
}

/* Found by tests/fuzz/fuzz_elf.c: the headers were read in place, misaligned. */
TEST(elf_open_mem_reads_headers_at_any_alignment)
{
	struct image im;
	struct elf e;
	struct strbuf err = STRBUF_INIT;
	uint64_t v;
	unsigned char *buf = malloc(sizeof(im) + 1);
	image_make(&im, 0x1000, 0x1004, 8);
	memcpy(buf + 1, &im, sizeof(im));
	ASSERT_EQ(elf_open_mem(&e, "odd", buf + 1, sizeof(im), &err), 0);
	EXPECT_EQ(elf_is_static(&e), 1);
	EXPECT_EQ(elf_symbol(&e, "f", &v), 1);
	EXPECT_EQ(v, 0x1004);
	elf_close(&e);
	free(buf);
	strbuf_release(&err);
}

/* Found by tests/fuzz/fuzz_elf.c: addr + len wrapped past 2^64 into the segment. */
TEST(elf_read_vaddr_does_not_wrap)
{
	struct image im;
	struct elf e;
	struct strbuf err = STRBUF_INIT;
	unsigned char b[2] = { 0xaa, 0xaa };
	image_make(&im, 0, 0, 0);
	ASSERT_EQ(elf_open_mem(&e, "image", &im, sizeof(im), &err), 0);
	EXPECT_EQ(elf_read_vaddr(&e, UINT64_MAX, b, 2), -1);
	EXPECT_EQ(b[0], 0xaa);
	EXPECT_EQ(elf_read_vaddr(&e, 14, b, 2), 0);
	EXPECT_EQ(b[1], 15);
	elf_close(&e);
	/* A segment whose file offset wraps back into the file has no bytes either. */
	im.ph.p_offset = UINT64_MAX - 3;
	ASSERT_EQ(elf_open_mem(&e, "image", &im, sizeof(im), &err), 0);
	EXPECT_EQ(elf_read_vaddr(&e, 8, b, 1), -1);
	elf_close(&e);
	strbuf_release(&err);
}

/* A function whose value + size passes 2^64 still holds its own address. */
TEST(elf_symbol_at_near_the_top)
{
	struct image im;
	struct elf e;
	struct strbuf err = STRBUF_INIT;
	const char *name;
	uint64_t off;
	image_make(&im, 0x1000, UINT64_MAX - 7, 16);
	ASSERT_EQ(elf_open_mem(&e, "image", &im, sizeof(im), &err), 0);
	ASSERT_EQ(elf_symbol_at(&e, UINT64_MAX - 7, &name, &off), 1);
	EXPECT_STREQ(name, "f");
	EXPECT_EQ(off, 0);
	ASSERT_EQ(elf_symbol_at(&e, UINT64_MAX, &name, &off), 1);
	EXPECT_EQ(off, 7);
	elf_close(&e);
	strbuf_release(&err);
}
