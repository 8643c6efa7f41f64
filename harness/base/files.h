/*
 * files: file-system helpers: mkdir -p, rm -rf, writing a file whole (atomically where
 * it can be), writing all of a buffer, and finding a program in PATH. Depends on
 * wrapper.
 */
#ifndef KDIVE_FILES_H
#define KDIVE_FILES_H

#include <dirent.h>
#include <stddef.h>

/* mkdir -p with the given mode for the created parts; -1 with errno on failure. */
int mkdir_p(const char *path, unsigned mode);
/* The directory dirfd/name, not following a final symbolic link (closedir() it); NULL
 * with errno on failure. */
DIR *opendir_at(int dirfd, const char *name);
/* rm -rf without following symbolic links; -1 with errno on failure. */
int remove_tree(const char *path);
/* 1 if path exists (any type), 0 otherwise. */
int path_exists(const char *path);
/*
 * Write data to path, in the way that suits what path is:
 * - nothing, or a regular file: a private temporary file beside it (a random
 *   ".NAME.XXXXXX", created O_EXCL, so a planted link or file is never written
 *   through) gets the data and the old file's owner and mode (a new file: 0644 less
 *   the umask), is fsync'ed and renamed over path; then the directory is synced.
 *   A reader sees the old content or the new, never a part (another hard link to
 *   the old file keeps the old content).
 * - a symbolic link: the file it leads to is replaced as above, and the link stays a
 *   link (a dangling one gets its file created). A link through /proc/PID/fd
 *   (/dev/stdout, /dev/fd/N) stands for an open file, not a name: written through.
 * - a FIFO or a device (/dev/stdout on a pipe or a terminal): written through, like a
 *   shell's `>` (no temporary, not atomic; opening a FIFO waits for its reader).
 *   A socket fails with ENXIO.
 * - a directory: refused with EISDIR.
 * Returns 0, or -1 with errno set and no temporary file left behind.
 */
int write_file_atomic(const char *path, const void *data, size_t len);
/* Write all of data to fd, again after EINTR; 0, or -1 with errno. */
int write_all(int fd, const void *data, size_t len);
/* Search PATH for an executable; returns a new string or NULL. */
char *find_in_path(const char *name);

#endif
