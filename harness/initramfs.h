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

#include "util.h"

struct initramfs_opts {
	const char *datadir; /* the repository's initramfs/ directory */
	const char *cache;   /* cache directory */
	uint32_t epoch;      /* the mtime of every entry */
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
};

/* Build or reuse. Returns 0, KDIVE_EXIT_USAGE (bad spec: file:line reported) or
 * KDIVE_EXIT_INFRA. */
int initramfs_build(const struct initramfs_opts *o, struct initramfs_result *r);
void initramfs_result_release(struct initramfs_result *r);

#endif
