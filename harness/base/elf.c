/*
 * elf: section, symbol and DWARF-version look-ups in an ELF64 file in memory. strbuf,
 * usage and wrapper only.
 */
#define _GNU_SOURCE
#include "elf.h"
#include "usage.h"
#include "wrapper.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The headers, copied out of the file: its bytes may sit at any address (a buffer of
 * elf_open_mem) and its offsets may be odd, so they are never read in place. The
 * header tables are within the file (elf_open_mem checked).
 */
static Elf64_Ehdr ehdr(const struct elf *e)
{
	Elf64_Ehdr h;
	memcpy(&h, e->map, sizeof(h));
	return h;
}

static Elf64_Shdr shdr(const struct elf *e, const Elf64_Ehdr *h, unsigned i)
{
	Elf64_Shdr s;
	memcpy(&s, e->map + h->e_shoff + (size_t)i * sizeof(s), sizeof(s));
	return s;
}

static Elf64_Phdr phdr(const struct elf *e, const Elf64_Ehdr *h, unsigned i)
{
	Elf64_Phdr ph;
	memcpy(&ph, e->map + h->e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
	return ph;
}

/* Say why path cannot be opened into err (one message, no '\n'); returns -1. */
__attribute__((format(printf, 3, 4)))
static int open_failed(struct strbuf *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	if (errnum)
		strbuf_addf(err, ": %s", strerror(errnum));
	return -1;
}

int elf_open_mem(struct elf *e, const char *name, const void *data, size_t size,
		 struct strbuf *err)
{
	memset(e, 0, sizeof(*e));
	if (size < sizeof(Elf64_Ehdr))
		return open_failed(err, 0, "'%s' is not an ELF file (too short)", name);
	e->map = data;
	e->size = size;
	e->path = xstrdup(name);
	Elf64_Ehdr h = ehdr(e);
	if (memcmp(h.e_ident, ELFMAG, SELFMAG) || h.e_ident[EI_CLASS] != ELFCLASS64 ||
	    h.e_machine != EM_X86_64) {
		elf_close(e);
		return open_failed(err, 0, "'%s' is not an x86-64 ELF64 file", name);
	}
	if (h.e_shoff > e->size || h.e_shnum > (e->size - h.e_shoff) / sizeof(Elf64_Shdr) ||
	    h.e_phoff > e->size || h.e_phnum > (e->size - h.e_phoff) / sizeof(Elf64_Phdr) ||
	    (h.e_shnum && h.e_shstrndx >= h.e_shnum)) {
		elf_close(e);
		return open_failed(err, 0, "'%s': ELF headers point outside the file", name);
	}
	return 0;
}

int elf_open_quiet(struct elf *e, const char *path, struct strbuf *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	memset(e, 0, sizeof(*e));
	if (fd < 0)
		return open_failed(err, errno, "cannot open '%s'", path);
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		close(fd);
		return open_failed(err, 0, "'%s' is not an ELF file (too short)", path);
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	int map_errno = errno;
	close(fd);
	if (m == MAP_FAILED)
		return open_failed(err, map_errno, "cannot map '%s'", path);
	if (elf_open_mem(e, path, m, (size_t)st.st_size, err) < 0) {
		munmap(m, (size_t)st.st_size);
		return -1;
	}
	e->mapped = 1;
	return 0;
}

int elf_open(struct elf *e, const char *path)
{
	struct strbuf err = STRBUF_INIT;
	int r = elf_open_quiet(e, path, &err);
	if (r < 0)
		error("%s", err.buf);
	strbuf_release(&err);
	return r;
}

void elf_close(struct elf *e)
{
	if (e->mapped)
		munmap((void *)e->map, e->size);
	free(e->path);
	memset(e, 0, sizeof(*e));
}

static int section_bytes(const struct elf *e, const Elf64_Shdr *s, const unsigned char **data,
			 size_t *len)
{
	if (s->sh_type == SHT_NOBITS || s->sh_offset > e->size || s->sh_size > e->size - s->sh_offset)
		return 0;
	*data = e->map + s->sh_offset;
	*len = s->sh_size;
	return 1;
}

int elf_section(const struct elf *e, const char *name, const unsigned char **data, size_t *len)
{
	Elf64_Ehdr h = ehdr(e);
	const unsigned char *strtab;
	size_t strlen_;
	if (!h.e_shnum)
		return 0;
	Elf64_Shdr names = shdr(e, &h, h.e_shstrndx);
	if (!section_bytes(e, &names, &strtab, &strlen_))
		return 0;
	for (unsigned i = 0; i < h.e_shnum; i++) {
		Elf64_Shdr s = shdr(e, &h, i);
		if (s.sh_name >= strlen_)
			continue;
		const char *n = (const char *)strtab + s.sh_name;
		if (strnlen(n, strlen_ - s.sh_name) < strlen_ - s.sh_name && !strcmp(n, name))
			return section_bytes(e, &s, data, len);
	}
	return 0;
}

int elf_dwarf_version(const struct elf *e)
{
	const unsigned char *d;
	size_t len;
	if (!elf_section(e, ".debug_info", &d, &len) || len < 6)
		return 0;
	uint32_t unit_len;
	memcpy(&unit_len, d, 4);
	size_t off = unit_len == 0xffffffff ? 12 : 4; /* 64-bit DWARF has a 12-byte length */
	if (len < off + 2)
		return 0;
	uint16_t v;
	memcpy(&v, d + off, 2);
	return v;
}

int elf_is_static(const struct elf *e)
{
	Elf64_Ehdr h = ehdr(e);
	for (unsigned i = 0; i < h.e_phnum; i++)
		if (phdr(e, &h, i).p_type == PT_INTERP)
			return 0;
	return 1;
}

int elf_exec_info(const struct elf *e, struct elf_exec *x)
{
	Elf64_Ehdr h = ehdr(e);
	memset(x, 0, sizeof(*x));
	x->type = h.e_type;
	x->first_vaddr = UINT64_MAX;
	for (unsigned i = 0; i < h.e_phnum; i++) {
		Elf64_Phdr ph = phdr(e, &h, i);
		if (ph.p_type == PT_LOAD) {
			x->nloads++;
			if (ph.p_vaddr < x->first_vaddr)
				x->first_vaddr = ph.p_vaddr;
			if (ph.p_align && !(ph.p_align & (ph.p_align - 1)) && ph.p_align > x->max_align)
				x->max_align = ph.p_align;
		} else if (ph.p_type == PT_INTERP && !x->interp) {
			if (ph.p_offset > e->size || ph.p_filesz > e->size - ph.p_offset ||
			    ph.p_filesz < 2 || ph.p_filesz > 4096)
				return -1;
			const char *s = (const char *)e->map + ph.p_offset;
			if (s[ph.p_filesz - 1] || strlen(s) != ph.p_filesz - 1)
				return -1;
			x->interp = xstrdup(s);
		}
	}
	if (!x->nloads)
		x->first_vaddr = 0;
	return 0;
}

void elf_exec_release(struct elf_exec *x)
{
	free(x->interp);
	memset(x, 0, sizeof(*x));
}

char *elf_describe_foreign(const unsigned char *head, size_t len)
{
	static const struct { unsigned machine; const char *name; } names[] = {
		{ EM_386, "i386" }, { EM_ARM, "32-bit Arm" }, { EM_AARCH64, "aarch64" },
		{ EM_RISCV, "RISC-V" }, { EM_PPC64, "ppc64" }, { EM_S390, "s390" },
		{ EM_MIPS, "MIPS" }, { EM_X86_64, "x86-64" },
	};
	if (len < EI_NIDENT || memcmp(head, ELFMAG, SELFMAG))
		return xstrdup("not an ELF file");
	if (len < 20)
		return xstrdup("a truncated ELF file");
	unsigned m = head[EI_DATA] == ELFDATA2MSB ? (unsigned)head[18] << 8 | head[19]
						  : (unsigned)head[19] << 8 | head[18];
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].machine == m)
			return m != EM_X86_64 ? xstrfmt("an ELF for %s, not x86-64", names[i].name)
			       : head[EI_CLASS] != ELFCLASS64 ? xstrdup("a 32-bit x86-64 ELF (x32), not ELF64")
							      : xstrdup("a damaged x86-64 ELF");
	return xstrfmt("an ELF for machine %u, not x86-64", m);
}

/* Call fn for each symbol of .symtab until it returns non-zero. */
static int each_symbol(const struct elf *e, int (*fn)(void *, const Elf64_Sym *, const char *),
		       void *ctx)
{
	Elf64_Ehdr h = ehdr(e);
	for (unsigned i = 0; i < h.e_shnum; i++) {
		Elf64_Shdr s = shdr(e, &h, i), str;
		const unsigned char *syms, *strs;
		size_t slen, stlen;
		if (s.sh_type != SHT_SYMTAB || s.sh_link >= h.e_shnum)
			continue;
		str = shdr(e, &h, s.sh_link);
		if (!section_bytes(e, &s, &syms, &slen) || !section_bytes(e, &str, &strs, &stlen))
			continue;
		for (size_t k = 0; k + sizeof(Elf64_Sym) <= slen; k += sizeof(Elf64_Sym)) {
			Elf64_Sym sym;
			memcpy(&sym, syms + k, sizeof(sym));
			if (sym.st_name >= stlen || !memchr(strs + sym.st_name, 0, stlen - sym.st_name))
				continue;
			int r = fn(ctx, &sym, (const char *)strs + sym.st_name);
			if (r)
				return r;
		}
	}
	return 0;
}

/* The search state of elf_symbol_at. */
struct nearest {
	uint64_t addr;     /* what we look for */
	const char *name;  /* best so far */
	uint64_t value;    /* its value */
	int exact;         /* 1 when the best one's size covers addr */
};

static int nearest_fn(void *ctx, const Elf64_Sym *sym, const char *name)
{
	struct nearest *n = ctx;
	int type = ELF64_ST_TYPE(sym->st_info);
	if (!*name || (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE) ||
	    sym->st_shndx == SHN_UNDEF || sym->st_value > n->addr)
		return 0;
	int covers = sym->st_size && n->addr - sym->st_value < sym->st_size; /* no wrap */
	if (sym->st_size && !covers)
		return 0;
	/* Prefer the closest; at a tie prefer a sized (function) symbol over a label. */
	if (!n->name || sym->st_value > n->value || (sym->st_value == n->value && covers && !n->exact)) {
		n->name = name;
		n->value = sym->st_value;
		n->exact = covers;
	}
	return 0;
}

int elf_symbol_at(const struct elf *e, uint64_t addr, const char **name, uint64_t *offset)
{
	struct nearest n = { addr, NULL, 0, 0 };
	each_symbol(e, nearest_fn, &n);
	if (!n.name)
		return 0;
	*name = n.name;
	*offset = addr - n.value;
	return 1;
}

int elf_read_vaddr(const struct elf *e, uint64_t addr, void *buf, size_t len)
{
	Elf64_Ehdr h = ehdr(e);
	for (unsigned i = 0; i < h.e_phnum; i++) {
		Elf64_Phdr ph = phdr(e, &h, i);
		/* Differences, not sums: addresses near 2^64 must not wrap into the segment. */
		uint64_t in = addr - ph.p_vaddr;
		if (ph.p_type != PT_LOAD || addr < ph.p_vaddr || in > ph.p_filesz ||
		    len > ph.p_filesz - in)
			continue;
		uint64_t off = ph.p_offset + in;
		if (off < in || off > e->size || len > e->size - off)
			return -1;
		memcpy(buf, e->map + off, len);
		return 0;
	}
	return -1;
}

/* The search state of elf_symbol. */
struct byname {
	const char *name; /* wanted */
	uint64_t value;   /* found value */
	uint64_t size;    /* found size */
};

static int byname_fn(void *ctx, const Elf64_Sym *sym, const char *name)
{
	struct byname *b = ctx;
	if (sym->st_shndx == SHN_UNDEF || strcmp(name, b->name))
		return 0;
	b->value = sym->st_value;
	b->size = sym->st_size;
	return 1;
}

int elf_symbol(const struct elf *e, const char *name, uint64_t *value)
{
	uint64_t size;
	return elf_symbol_size(e, name, value, &size);
}

int elf_symbol_size(const struct elf *e, const char *name, uint64_t *value, uint64_t *size)
{
	struct byname b = { name, 0, 0 };
	if (!each_symbol(e, byname_fn, &b))
		return 0;
	*value = b.value;
	*size = b.size;
	return 1;
}

/* The state of elf_each_symbol: the caller's function and context. */
struct each {
	int (*fn)(void *ctx, const struct elf_sym *s); /* the caller's */
	void *ctx;                                      /* its context */
};

static int each_fn(void *ctx, const Elf64_Sym *sym, const char *name)
{
	struct each *ea = ctx;
	if (sym->st_shndx == SHN_UNDEF || !*name)
		return 0;
	struct elf_sym s = { name, sym->st_value, sym->st_size,
			     ELF64_ST_TYPE(sym->st_info) == STT_FUNC };
	return ea->fn(ea->ctx, &s);
}

int elf_each_symbol(const struct elf *e, int (*fn)(void *ctx, const struct elf_sym *s), void *ctx)
{
	struct each ea = { fn, ctx };
	return each_symbol(e, each_fn, &ea);
}

char *elf_read_string(const struct elf *e, uint64_t addr, size_t max)
{
	char *buf = xmalloc(max + 1);
	size_t n = 0;
	/* Byte by byte from the segments: the string may end near a segment's end. */
	while (n < max && elf_read_vaddr(e, addr + n, buf + n, 1) == 0 && buf[n])
		n++;
	if (n == max || buf[n]) {
		free(buf);
		return NULL;
	}
	return buf;
}
