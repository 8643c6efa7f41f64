/*
 * elf: read-only facts from an ELF64 file, mapped into memory: its sections, the DWARF
 * version of its first compilation unit, whether it is statically linked, and its
 * symbols. Used to verify a vmlinux (DWARF 5, .gdb_index), to check that busybox is
 * static, and to resolve addresses. Depends on strbuf, usage and wrapper.
 */
#ifndef KDIVE_ELF_H
#define KDIVE_ELF_H

#include "strbuf.h"
#include <stdint.h>

struct elf {
	const unsigned char *map; /* the whole file: mmap'ed read-only (owned), or borrowed */
	size_t size;              /* bytes mapped */
	char *path;               /* file name, for messages; owned */
	int mapped;               /* 1 when map is our mapping, which elf_close unmaps */
};

/* Map path; -1 after reporting when it cannot be read or is not an x86-64 ELF64 file. */
int elf_open(struct elf *e, const char *path);
/* The same, quietly: why it failed is appended to err (one message, no '\n'). */
int elf_open_quiet(struct elf *e, const char *path, struct strbuf *err);
/*
 * The same for size bytes already in memory (name is for messages): the bytes are
 * borrowed, and must stay valid and unchanged until elf_close(). Any bytes are safe:
 * every look-up stays within them.
 */
int elf_open_mem(struct elf *e, const char *name, const void *data, size_t size,
		 struct strbuf *err);
void elf_close(struct elf *e);

/* Find a section by name: 1 and its file bytes in data and len, 0 when absent. */
int elf_section(const struct elf *e, const char *name, const unsigned char **data, size_t *len);
/* DWARF version of the first unit in .debug_info, 0 when there is none. */
int elf_dwarf_version(const struct elf *e);
/* 1 when the file has no program interpreter (statically linked). */
int elf_is_static(const struct elf *e);

/* How an executable is loaded, from its program headers. */
struct elf_exec {
	int type;            /* ET_EXEC, ET_DYN, ... */
	char *interp;        /* its program interpreter (PT_INTERP), or NULL: static; owned */
	uint64_t first_vaddr;/* the lowest PT_LOAD address */
	uint64_t max_align;  /* the largest power-of-two p_align of its PT_LOADs */
	int nloads;          /* PT_LOAD segments */
};
/* Fill x (release with elf_exec_release). 0, or -1 when the interpreter's name is bad. */
int elf_exec_info(const struct elf *e, struct elf_exec *x);
void elf_exec_release(struct elf_exec *x);
/*
 * What a file that elf_open refused is, for a message: "an ELF for aarch64", "a
 * 32-bit ELF", "not an ELF file" (a new string), from its first bytes.
 */
char *elf_describe_foreign(const unsigned char *head, size_t len);
/* Value of the symbol called name in .symtab: 1 if found, 0 if not. */
int elf_symbol(const struct elf *e, const char *name, uint64_t *value);
/* The same, with the symbol's size (0 when the symbol table does not say). */
int elf_symbol_size(const struct elf *e, const char *name, uint64_t *value, uint64_t *size);

/* One defined symbol, as elf_each_symbol() shows it. */
struct elf_sym {
	const char *name;  /* points into the mapping */
	uint64_t value;    /* its address */
	uint64_t size;     /* its size, 0 when unknown */
	int func;          /* 1 for a function */
};
/* Call fn for each defined symbol until it returns non-zero; returns that, or 0. */
int elf_each_symbol(const struct elf *e, int (*fn)(void *ctx, const struct elf_sym *s), void *ctx);
/* The NUL-terminated string at addr (new string), NULL when not within max bytes. */
char *elf_read_string(const struct elf *e, uint64_t addr, size_t max);

/*
 * The symbol that addr falls in: the function or object symbol with the greatest
 * value <= addr (and addr < value + size when the size is known). Returns 1 with its
 * name (pointing into the mapping, valid until elf_close) and addr - value in *offset,
 * 0 when none.
 */
int elf_symbol_at(const struct elf *e, uint64_t addr, const char **name, uint64_t *offset);
/* Copy len bytes at virtual address addr from the file's loadable segments; 0 or -1. */
int elf_read_vaddr(const struct elf *e, uint64_t addr, void *buf, size_t len);

#endif
