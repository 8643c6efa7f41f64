/*
 * kernel_id: what a kernel's source and image are, by content, so that reports name
 * one source and one build the same way however the user named them (6.12, the
 * default, a symlink to the same tarball) and never name two different ones alike (a
 * new linux-source under the same path, two bzImages of one release). Depends on
 * sha256, proc (git, dpkg-query) and files.
 */
#ifndef KDIVE_KERNEL_ID_H
#define KDIVE_KERNEL_ID_H

#include "kernel.h"
#include "strbuf.h"

/* What the path given to kernel_identify() is. */
enum kernel_id_kind {
	KERNEL_ID_SOURCE,   /* a kernel source: a tarball or a tree */
	KERNEL_ID_PREBUILT, /* a prebuilt bzImage */
};

/*
 * Fill k->source_id (and k->commit, k->package, k->package_version when they apply)
 * from path, followed through symlinks:
 *   a tarball          "tarball sha256 HEX" (its bytes; a Debian linux-source's
 *                      package and version besides, from dpkg-query)
 *   a git work tree    "git COMMIT", or "git COMMIT diff HEX" when tracked files
 *                      differ from HEAD (HEX: sha256 of `git diff HEAD`)
 *   another tree       "tree sha256 HEX" over each file's relative path, size and
 *                      mtime (not its bytes: a kernel tree is 1.5 GB), .git left out
 *   a prebuilt image   "image sha256 HEX" (its bytes)
 * A file's sha256 is kept in cache/source-id/, keyed by its path, size, mtime and
 * inode, so a 140 MB tarball is read once. 0, or -1 with the reason in err.
 */
int kernel_identify(struct kernel *k, const char *path, enum kernel_id_kind kind,
		    const char *cache, struct strbuf *err);

/* sha256 of a whole file, through the cache as above: 0 with hex filled, or -1 (errno). */
int kernel_id_file_sha256(const char *path, const char *cache, char hex[65]);

#endif
