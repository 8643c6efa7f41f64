/*
 * manifest: what a cache entry held when it was published, to tell a damaged entry
 * (a file truncated, rewritten, deleted) from a good one on reuse.
 *
 * MANIFEST in the entry lists every regular file under it (but those named in skip)
 * as "SHA256 SIZE INODE CTIME PATH", sorted by path. Writing it fsyncs each file
 * first, so that a published entry is on disk before the marker that publishes it.
 * Checking stats every file: a file whose size differs is damaged; one whose inode
 * and change time are those recorded is trusted without reading it (nothing can
 * write a file without changing its ctime); any other is hashed, and its new inode
 * and ctime are recorded when the hash still matches (a copied cache).
 * Depends on files, sha256, strbuf, strvec, usage and wrapper.
 */
#ifndef KDIVE_MANIFEST_H
#define KDIVE_MANIFEST_H

#include "strbuf.h"

#define MANIFEST_NAME "MANIFEST"

/*
 * Record every regular file under dir except MANIFEST and the relative paths in skip
 * (NULL-terminated, may be NULL). Returns 0, or -1 with why in err.
 */
int manifest_write(const char *dir, const char *const *skip, struct strbuf *err);

/*
 * Check dir against its MANIFEST. Returns 0 when every recorded file is intact,
 * 1 when there is no MANIFEST, -1 when a file is missing or changed: why gets one
 * line without '\n' ("'vmlinux' has 1000 bytes, 65068472 were recorded").
 */
int manifest_check(const char *dir, struct strbuf *why);

#endif
