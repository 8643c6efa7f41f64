/*
 * initramfs: the guest's root file system, reproducible byte for byte.
 *
 * A declarative spec (initramfs/files) lists directories, device nodes, files from
 * initramfs/, busybox with its applet links, and the guest programs
 * (initramfs/progs/NAME.c, compiled -static -g -O0). kdive packs them with its own newc
 * writer (sorted, uid/gid 0, one mtime: SOURCE_DATE_EPOCH or 0), so no root is needed
 * for /dev/console, and compresses with gzip -n.
 *
 * Cache layout: initramfs/KEY16/{initramfs.cpio.gz, progs/NAME, done}; KEY = sha256 of
 * the spec, every input's bytes, busybox, the compiler's version and the flags.
 * Depends on proc, cpio, elf, deps.
 */
#ifndef KDIVE_INITRAMFS_H
#define KDIVE_INITRAMFS_H

#include "progress.h"
#include "strbuf.h"
#include "usage.h"

#include <stdint.h>

/* Where the guest programs' sources are in their DWARF (gcc's -ffile-prefix-map): the
 * same bytes from any checkout. A debugger maps it back to initramfs/progs. */
#define INITRAMFS_PROG_DIR "/kdive/progs"

struct initramfs_opts {
	const char *datadir; /* the repository's initramfs/ directory */
	const char *cache;   /* cache directory */
	uint32_t epoch;      /* the mtime of every entry */
	struct progress progress; /* where "initramfs: building (...)" goes; fn NULL: nowhere */
};

struct initramfs_result {
	char *key;      /* full key */
	char *dir;      /* cache/initramfs/KEY16 */
	char *path;     /* the .cpio.gz */
	char *progs;    /* directory of the compiled guest programs (with symbols) */
	char sha256[65];/* of the .cpio.gz */
	long long size; /* bytes of the .cpio.gz */
	int reused;     /* 1 when it came from the cache */
	int64_t ms;     /* wall time */
	enum fail_kind fail; /* after a failure: FAIL_INPUT (a bad spec line) or FAIL_INFRA */
};

/*
 * Build or reuse; never prints (progress goes to o->progress). Returns 0, or -1 with
 * the whole story in err (an error buffer, usage.h) and r->fail set: FAIL_INPUT for a
 * bad spec (every FILE:LINE:COL), FAIL_INFRA for anything else (a guest program that
 * does not compile, with the compiler's output; a missing or dynamic busybox).
 */
int initramfs_build(const struct initramfs_opts *o, struct initramfs_result *r,
		    struct strbuf *err);
void initramfs_result_release(struct initramfs_result *r);

/*
 * Parse spec text (file names it in messages) as initramfs_build() does, and keep
 * nothing: for tests and the fuzzer. Returns 0, or -1 with every bad line as
 * "FILE:LINE:COL: message" in err.
 */
int initramfs_spec_check(const char *file, const char *text, struct strbuf *err);

struct cpio;
/*
 * Add the host file src to c as path with mode, and the parents it lacks (0755).
 * -1 with why in err (one line, as cpio's messages).
 */
int initramfs_add_file(struct cpio *c, const char *path, unsigned mode, const char *src,
		       struct strbuf *err);

#endif
