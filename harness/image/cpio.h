/*
 * cpio: a pure writer of "newc" (SVR4, no CRC) cpio archives, the format the kernel
 * unpacks as an initramfs. Entries are collected, then written sorted by path (so a
 * directory always precedes its contents), owned by 0:0, with one fixed mtime and
 * inode numbers in that order: the same inputs give the same bytes, whoever runs it,
 * without root (device nodes are just headers). Depends on strbuf.
 */
#ifndef KDIVE_CPIO_H
#define KDIVE_CPIO_H

#include "strbuf.h"
#include <stdint.h>

/* One archive entry. */
struct cpio_entry {
	char *path;       /* without a leading '/'; owned */
	unsigned mode;    /* file type bits and permissions, as in st_mode */
	unsigned rmajor;  /* device major, for character and block nodes */
	unsigned rminor;  /* device minor */
	char *data;       /* file contents or symlink target; owned, may be NULL */
	size_t len;       /* bytes of data */
};

/* The archive under construction. */
struct cpio {
	struct cpio_entry *ents; /* entries in insertion order; owned */
	size_t nr, alloc;        /* used and allocated entries */
	uint32_t mtime;          /* the mtime every entry gets (SOURCE_DATE_EPOCH) */
};

void cpio_init(struct cpio *c, uint32_t mtime);
void cpio_release(struct cpio *c);

/*
 * Add entries. Paths may start with '/'; it is dropped. Adding a path twice is an
 * error (-1, message in err) so that a spec cannot silently shadow an entry.
 * cpio_add_file copies data.
 */
int cpio_add_dir(struct cpio *c, const char *path, unsigned perm, struct strbuf *err);
int cpio_add_file(struct cpio *c, const char *path, unsigned perm, const void *data, size_t len,
		  struct strbuf *err);
int cpio_add_symlink(struct cpio *c, const char *path, const char *target, struct strbuf *err);
/* type is 'c' (character) or 'b' (block). */
int cpio_add_node(struct cpio *c, const char *path, unsigned perm, char type, unsigned major,
		  unsigned minor, struct strbuf *err);
/* Add the parent directories of path that the archive lacks, 0755. */
void cpio_add_parents(struct cpio *c, const char *path);
/* 1 if the archive has an entry at path. */
int cpio_has(const struct cpio *c, const char *path);

/* Write the whole archive (sorted entries, then the TRAILER!!! entry) into out. */
void cpio_write(struct cpio *c, struct strbuf *out);

#endif
