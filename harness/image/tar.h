/*
 * tar: a pure writer and reader of POSIX ustar archives, the format of a bundle
 * (kdive bundle). The writer collects files (and the directories above them), then
 * writes them sorted by path, owned by 0:0 (root/root), with one fixed mtime and the
 * mode each was given: the same inputs give the same bytes, whoever runs it, like
 * cpio's writer. The reader takes back only what such an archive may hold: regular
 * files and directories with relative paths, no "." or ".." component, no link, no
 * device, each path once, every header's checksum right. Both work on memory and do
 * no I/O. Depends on strbuf and wrapper.
 */
#ifndef KDIVE_TAR_H
#define KDIVE_TAR_H

#include "strbuf.h"
#include <stdint.h>

/* Bytes of a tar block; headers and data are padded to it. */
#define TAR_BLOCK 512
/* The most a path may hold: ustar's prefix (155), '/', name (100). */
#define TAR_PATH_MAX 256

/* One entry. */
struct tar_entry {
	char *path;      /* relative, without a trailing '/'; owned */
	unsigned mode;   /* permissions (07777 bits) */
	int is_dir;      /* 1: a directory (no data) */
	char *data;      /* a file's bytes; owned, NULL when empty */
	size_t len;      /* bytes of data */
};

/* An archive: built to be written, or read from bytes. */
struct tar {
	struct tar_entry *ents; /* entries, in insertion (or archive) order; owned */
	size_t nr, alloc;       /* used and allocated */
	uint32_t mtime;         /* the mtime every entry gets when written */
};

void tar_init(struct tar *t, uint32_t mtime);
/* Free every entry; t stays usable (empty, same mtime). */
void tar_release(struct tar *t);

/*
 * Add a file (data copied) at path, and the directories above it that t lacks (0755).
 * -1 with a message in err (no newline) when path is not a clean relative path (empty,
 * absolute, a "." or ".." component, an empty component, longer than ustar can carry)
 * or is already in t.
 */
int tar_add_file(struct tar *t, const char *path, unsigned mode, const void *data, size_t len,
		 struct strbuf *err);
/* Add a directory (and those above it); adding one that is there already is no error. */
int tar_add_dir(struct tar *t, const char *path, unsigned mode, struct strbuf *err);
/* The entry at path, or NULL. */
const struct tar_entry *tar_find(const struct tar *t, const char *path);

/*
 * Append the archive to out: entries sorted by path (a directory before what it
 * holds), then two zero blocks, padded to a multiple of 10240 bytes as tar(1) writes.
 */
void tar_write(const struct tar *t, struct strbuf *out);

/* 1 when buf[0..len) begins with a ustar header whose checksum is right. */
int tar_is_archive(const char *buf, size_t len);

/*
 * Read the archive buf[0..len) into t (initialised by the caller; its entries in
 * archive order). 0, or -1 with t released and one message in err (no newline) naming
 * the entry: a bad checksum or number, an entry past the end, no end-of-archive
 * blocks, a type other than a file or directory (a link, a device, GNU or pax
 * extensions), a path that is absolute, holds "." or ".." or is given twice.
 */
int tar_read(struct tar *t, const char *buf, size_t len, struct strbuf *err);

#endif
