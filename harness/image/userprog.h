/*
 * userprog: a user's program for the guest, from anywhere on the host. A C or
 * assembler source (several, with the scenario's cflags and libs) is built the way
 * kdive builds its own programs (-static -g -O0, paths mapped so that the bytes do not
 * depend on where the sources are); a prebuilt x86-64 ELF is taken as it is, and a
 * dynamic one brings its interpreter and the libraries the host's own loader resolves
 * for it (`ld.so --list`). Data files come along at the guest paths asked for.
 *
 * Everything lands in one newc cpio, the payload, which reaches the guest after its
 * boot or restore (the guest layer's business) and is unpacked at /: the program at
 * /kdive/user/NAME, libraries at their host paths, files where asked.
 *
 * Cache layout: user/KEY16/{NAME, payload.cpio, MANIFEST, done}; KEY = sha256 of every
 * input's bytes, the flags and the compiler's identity. Depends on proc, elf, cpio,
 * initramfs (its file reader), manifest, deps.
 */
#ifndef KDIVE_USERPROG_H
#define KDIVE_USERPROG_H

#include "strbuf.h"
#include "strvec.h"
#include "usage.h"

#include <stdint.h>

/* Where the payload puts the program, and the prefix its DWARF paths are mapped to. */
#define USERPROG_DIR "/kdive/user"
/* A path's prefix that stands for the kernel's source tree: @linux/tools/testing/... */
#define USERPROG_SRCTREE "@linux/"
/* The most the guest takes: its disk's size, and well within its 256 MiB of memory. */
#define USERPROG_MAX_BYTES (64LL << 20)

/* A data file for the guest. Nothing owned. */
struct userprog_file {
	const char *host;      /* host path, relative to the spec's dir */
	const char *guest;     /* absolute guest path */
	int line, col;         /* where it was asked for (0: the command line) */
};

/* What to build or collect. Nothing owned. */
struct userprog_spec {
	const char *path;      /* the program: a source or an ELF, relative to dir */
	const char *dir;       /* where relative paths start (a scenario's directory, or ".") */
	const char *origin;    /* who asked, for messages: a scenario file, "--program" */
	int line, col;         /* where the program was named (0: the command line) */
	const struct strvec *sources;  /* more sources, may be NULL */
	const struct strvec *cflags;   /* may be NULL */
	const struct strvec *libs;     /* may be NULL */
	int flags_line;        /* the line of the first of cflags/libs/sources, for messages */
	const struct userprog_file *files;
	size_t nfiles;
	const char *srctree;   /* the kernel's source tree, which a path that starts with
				  USERPROG_SRCTREE names (the kernel's own selftests), or NULL */
	const char *cache;     /* the cache directory */
	uint32_t epoch;        /* the mtime of every archive entry */
};

struct userprog {
	char *name;            /* the program's file name in the guest (its task's comm is
				  the first 15 bytes) */
	char *guest;           /* its guest path: USERPROG_DIR/NAME */
	char *elf;             /* the program with its symbols, for gdb (in the cache) */
	char *payload;         /* the newc cpio of everything (in the cache) */
	long long payload_size;/* its bytes */
	char *interp;          /* a dynamic program's interpreter, or NULL */
	size_t nlibs;          /* the libraries brought along */
	struct strvec libs;    /* their host paths, the interpreter first (libs.nr == nlibs) */
	int built;             /* 1: built from sources here; 0: a prebuilt ELF */
	uint64_t load_base;    /* where the guest loads a PIE program (0: not relocated) */
	char *key;             /* the cache key */
	int reused;            /* 1: found in the cache */
	enum fail_kind fail;   /* after a failure: FAIL_INPUT (the user's input) or FAIL_INFRA */
};

/*
 * Build (or find in the cache) what s names. 0, or -1 with the story in err, every
 * line "ORIGIN:LINE:COL: message" when it is the user's input (r->fail FAIL_INPUT: a
 * missing file, a source that does not compile (the compiler's first error first),
 * an ELF for another architecture, a library the host's loader cannot find, a
 * payload over USERPROG_MAX_BYTES), FAIL_INFRA otherwise. Never prints.
 */
int userprog_prepare(const struct userprog_spec *s, struct userprog *r, struct strbuf *err);
void userprog_release(struct userprog *r);

/*
 * The load address of a PIE program with an interpreter on a guest without address
 * randomization (norandmaps): the kernel's ELF_ET_DYN_BASE, aligned down to the
 * largest segment alignment, less the first segment's address (fs/binfmt_elf.c).
 */
uint64_t userprog_pie_base(uint64_t first_vaddr, uint64_t max_align);

#endif
