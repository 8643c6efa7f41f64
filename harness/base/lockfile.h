/*
 * lockfile: an exclusive flock on a file, held while the fd is open (kdive's cache
 * entries are built under one). Depends on usage (error buffers, info).
 */
#ifndef KDIVE_LOCKFILE_H
#define KDIVE_LOCKFILE_H

struct strbuf;

/*
 * Take an exclusive flock on path (created 0644), saying so (info) when another
 * process holds it and waiting for it: "another kdive is building WHAT". Returns the
 * fd (close it to unlock; a child given it holds the lock as long as it lives), or
 * -1 with why in err.
 */
int lock_file(const char *path, const char *what, struct strbuf *err);

#endif
