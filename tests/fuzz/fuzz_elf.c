/*
 * libFuzzer target for the ELF reader (elf_open_mem and every look-up). Any bytes, at
 * any alignment, must open or fail with one message naming the file, and every look-up
 * of an opened file must stay within the bytes, never crash, never leak. Section data
 * must lie inside the input; each symbol elf_each_symbol() shows must be found again
 * by name and, for a function, by address at offset 0; elf_read_vaddr() and
 * elf_read_string() must agree byte for byte with an overflow-free reading of the
 * program headers done here. Built and run by tests/fuzz/fuzz.mk.
 */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h"
#include "strbuf.h"
#include "wrapper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK_SYMBOLS 32 /* symbols looked up again by name and address (quadratic) */
#define PROBE_SEGMENTS 8 /* loadable segments whose edges are read */
#define STRING_MAX 64    /* elf_read_string's bound in the probes */

static void check(int cond)
{
	if (!cond)
		abort();
}

/* The bytes being fuzzed, as the reader sees them. */
static const uint8_t *img;
static size_t img_size;

static int inside(const void *p, size_t len)
{
	const uint8_t *b = p;
	return b >= img && b <= img + img_size && len <= (size_t)(img + img_size - b);
}

/*
 * What elf_read_vaddr must do: copy from the first PT_LOAD segment whose file bytes
 * cover [addr, addr + len), -1 when none does or its bytes lie outside the file.
 * 128-bit sums: no wrap-around.
 */
static int oracle_read(uint64_t addr, void *out, size_t len)
{
	typedef unsigned __int128 u128;
	Elf64_Ehdr h;
	memcpy(&h, img, sizeof(h));
	for (unsigned i = 0; i < h.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, img + h.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || addr < ph.p_vaddr ||
		    (u128)addr + len > (u128)ph.p_vaddr + ph.p_filesz)
			continue;
		u128 off = (u128)ph.p_offset + (addr - ph.p_vaddr);
		if (off + len > img_size)
			return -1;
		memcpy(out, img + (size_t)off, len);
		return 0;
	}
	return -1;
}

static void probe(const struct elf *e, uint64_t addr)
{
	static const size_t lens[] = { 1, 8 };
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		unsigned char got[8], want[8];
		int r = elf_read_vaddr(e, addr, got, lens[i]);
		check(r == oracle_read(addr, want, lens[i]));
		check(r || !memcmp(got, want, lens[i]));
	}
	/* The string, read here one byte at a time through the oracle. */
	char want[STRING_MAX];
	size_t n = 0;
	while (n < STRING_MAX && !oracle_read(addr + n, want + n, 1) && want[n])
		n++;
	char *s = elf_read_string(e, addr, STRING_MAX);
	if (n < STRING_MAX && !oracle_read(addr + n, want + n, 1) && !want[n])
		check(s && strlen(s) == n && !memcmp(s, want, n));
	else
		check(!s);
	free(s);
}

/* The state of the elf_each_symbol walk. */
struct walk {
	const struct elf *e; /* the file */
	size_t seen;         /* symbols shown so far */
};

static int each(void *ctx, const struct elf_sym *s)
{
	struct walk *w = ctx;
	uint64_t value, size;
	const char *name;
	uint64_t off;

	check(s->name && *s->name && inside(s->name, 1));
	check(memchr(s->name, 0, (size_t)(img + img_size - (const uint8_t *)s->name)) != NULL);
	check(s->func == 0 || s->func == 1);
	if (w->seen++ >= CHECK_SYMBOLS)
		return 0;
	check(elf_symbol_size(w->e, s->name, &value, &size) == 1);
	check(elf_symbol(w->e, s->name, &value) == 1);
	if (w->seen == 1)
		check(value == s->value && size == s->size); /* the first is the first found */
	/* A function's own address falls in it or in a symbol at the same address. */
	if (s->func) {
		check(elf_symbol_at(w->e, s->value, &name, &off) == 1);
		check(off == 0 && inside(name, 1));
	}
	probe(w->e, s->value);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *sections[] = { ".text", ".data", ".symtab", ".strtab", ".shstrtab",
					  ".debug_info", ".gdb_index", ".bss", "", ".none" };
	struct elf e;
	struct strbuf err = STRBUF_INIT;
	/* Odd sizes are read one byte past an aligned address: headers at any alignment. */
	uint8_t *buf = malloc(size + 1);
	img = buf + (size & 1);
	img_size = size;
	memcpy(buf + (size & 1), data, size);

	if (elf_open_mem(&e, "fuzz.elf", img, size, &err) < 0) {
		/* One message, naming the file, and nothing left open. */
		check(err.len > 0 && !memchr(err.buf, '\n', err.len) && strstr(err.buf, "'fuzz.elf'"));
		check(!e.map && !e.path && !e.mapped);
		goto out;
	}
	check(err.len == 0 && e.map == img && e.size == size && !e.mapped);
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
		const unsigned char *d = NULL;
		size_t len = 0;
		int r = elf_section(&e, sections[i], &d, &len);
		check(r == 0 || (r == 1 && inside(d, len)));
	}
	int v = elf_dwarf_version(&e);
	check(v >= 0 && v <= 0xffff);
	int st = elf_is_static(&e);
	check(st == 0 || st == 1);

	struct walk w = { &e, 0 };
	check(elf_each_symbol(&e, each, &w) == 0);

	/* The edges of the loadable segments, and addresses that wrap. */
	Elf64_Ehdr h;
	memcpy(&h, img, sizeof(h));
	for (unsigned i = 0; i < h.e_phnum && i < PROBE_SEGMENTS; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, img + h.e_phoff + i * sizeof(ph), sizeof(ph));
		probe(&e, ph.p_vaddr);
		probe(&e, ph.p_vaddr + ph.p_filesz - 1);
		probe(&e, ph.p_vaddr + ph.p_filesz - 8);
	}
	probe(&e, 0);
	probe(&e, UINT64_MAX);
	probe(&e, UINT64_MAX - 7);
	elf_close(&e);
	check(!e.map && !e.path);
out:
	strbuf_release(&err);
	free(buf);
	return 0;
}
