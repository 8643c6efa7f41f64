/*
 * files: mkdir -p, rm -rf, whole-file writes, PATH look-up (files.h). Depends on
 * wrapper.
 */
#define _GNU_SOURCE
#include "files.h"
#include "wrapper.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

int mkdir_p(const char *path, unsigned mode)
{
	char *p = xstrdup(path);
	int r = 0;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			r = -1;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	if (!r) {
		struct stat st;
		if (stat(path, &st) < 0)
			r = -1;
		else if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			r = -1;
		}
	}
	int err = errno;
	free(p);
	errno = err;
	return r;
}

DIR *opendir_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

static int remove_tree_at(int at, const char *name)
{
	struct stat st;
	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(at, name, 0) < 0 && errno != ENOENT ? -1 : 0;
	DIR *d = opendir_at(at, name);
	if (!d)
		return -1;
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (remove_tree_at(dirfd(d), de->d_name) < 0)
			r = -1;
	}
	closedir(d);
	if (unlinkat(at, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -1;
	return r;
}

int remove_tree(const char *path)
{
	return remove_tree_at(AT_FDCWD, path);
}

int path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The target of the symbolic link path: a new string, or NULL with errno. */
static char *read_link(const char *path)
{
	for (size_t size = 256;; size *= 2) {
		char *buf = xmalloc(size);
		ssize_t n = readlink(path, buf, size);
		if (n < 0) {
			int err = errno;
			free(buf);
			errno = err;
			return NULL;
		}
		if ((size_t)n < size) {
			buf[n] = '\0';
			return buf;
		}
		free(buf);
	}
}

/*
 * 1 when the link path is procfs's: /proc/self/fd/N (behind /dev/stdout and /dev/fd/N)
 * stands for an open file, which its target ("pipe:[N]", "/f (deleted)", a file in
 * another mount namespace, or one the shell's `>` is still writing) may not name.
 */
static int link_on_proc(const char *path)
{
	struct statfs sfs;
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	int r = fd >= 0 && fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * The name a write to path replaces: path with its symbolic links followed, the last
 * one (dangling or not) naming the file. A relative target is joined to the link's
 * directory as it stands, never tidied: the kernel then walks "dir/../x" as it would
 * have walked the link. When fd_link is given and a link on the way is procfs's, sets
 * *fd_link and stops there. A new string, or NULL with errno (ELOOP after 40 links).
 */
static char *resolve_links(const char *path, int *fd_link)
{
	char *cur = xstrdup(path);
	for (int hops = 0; hops <= 40; hops++) {
		struct stat st;
		if (lstat(cur, &st) < 0 || !S_ISLNK(st.st_mode))
			return cur; /* the file itself, or a name to create (or a later error) */
		if (fd_link && link_on_proc(cur)) {
			*fd_link = 1;
			return cur;
		}
		if (hops == 40)
			break;
		char *to = read_link(cur);
		if (!to) {
			int err = errno;
			free(cur);
			errno = err;
			return NULL;
		}
		const char *slash = strrchr(cur, '/');
		char *next = to[0] == '/' || !slash ? xstrdup(to)
			   : xstrfmt("%.*s%s", (int)(slash - cur + 1), cur, to);
		free(to);
		free(cur);
		cur = next;
	}
	free(cur);
	errno = ELOOP;
	return NULL;
}

/* Open path for writing, as a shell's `>` would, and write data into it. */
static int write_through(const char *path, int trunc, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (trunc ? O_TRUNC : 0));
	if (fd < 0)
		return -1;
	if (write_all(fd, data, len) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}

/*
 * Replace the regular file target (or create it): a private temporary beside it, with
 * old's owner and mode (NULL: a new file), written, synced, renamed over target; then
 * the directory is synced, so that the new name survives a crash too.
 */
static int replace_file(const char *target, const struct stat *old, const void *data, size_t len)
{
	const char *slash = strrchr(target, '/');
	const char *base = slash ? slash + 1 : target;
	int dlen = (int)(base - target);
	/* mkostemp() creates with O_CREAT|O_EXCL, which neither follows a planted link nor
	 * reuses a file; O_NOFOLLOW only says so once more. */
	char *tmp = xstrfmt("%.*s.%s.XXXXXX", dlen, target, base);
	int fd = mkostemp(tmp, O_CLOEXEC | O_NOFOLLOW);
	mode_t mode;
	if (fd < 0) {
		int err = errno;
		free(tmp);
		errno = err;
		return -1;
	}
	if (old) {
		/* chown clears set-id bits, so the mode comes after it. */
		if ((old->st_uid != geteuid() || old->st_gid != getegid()) &&
		    fchown(fd, old->st_uid, old->st_gid) < 0) {
			/* best effort: only root can give a file away */
		}
		mode = old->st_mode & 07777;
	} else {
		/* What open(path, O_CREAT, 0644) would have made; kdive has no threads, so
		 * reading the umask by setting it back is safe. */
		mode_t mask = umask(0);
		umask(mask);
		mode = 0644 & ~mask;
	}
	/* A file system without modes (vfat) refuses; the content matters more. */
	(void)fchmod(fd, mode);
	/* EINVAL: a file system that cannot sync at all; nothing better to do there. */
	if (write_all(fd, data, len) < 0 || (fsync(fd) < 0 && errno != EINVAL)) {
		int err = errno;
		close(fd);
		errno = err;
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp, target) < 0)
		goto fail;
	free(tmp);
	char *dir = dlen ? xstrndup(target, (size_t)dlen) : xstrdup(".");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd); /* best effort: the file itself is safe already */
		close(dfd);
	}
	free(dir);
	return 0;
fail: {
	int err = errno;
	unlink(tmp);
	free(tmp);
	errno = err;
	return -1;
}
}

int write_file_atomic(const char *path, const void *data, size_t len)
{
	struct stat st, tst;
	char *target;
	int r;
	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return -1;
		/* Nothing there, or a dangling link: create the file the link names. */
		target = resolve_links(path, NULL);
		if (!target)
			return -1;
		r = replace_file(target, NULL, data, len);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	if (!S_ISREG(st.st_mode))
		return write_through(path, 0, data, len);
	int fd_link = 0;
	target = resolve_links(path, &fd_link);
	if (!target)
		return -1;
	/* /dev/stdout on a redirected stdout, or a name that is no longer the file stat()
	 * saw: write through it, truncating, as `>` would. */
	if (fd_link || lstat(target, &tst) < 0 || tst.st_dev != st.st_dev ||
	    tst.st_ino != st.st_ino)
		r = write_through(path, 1, data, len);
	else
		r = replace_file(target, &st, data, len);
out: {
	int err = errno;
	free(target);
	errno = err;
	return r;
}
}

char *find_in_path(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	while (*path) {
		const char *end = strchrnul(path, ':');
		char *cand = end == path ? xstrfmt("./%s", name)
					 : xstrfmt("%.*s/%s", (int)(end - path), path, name);
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		path = *end ? end + 1 : end;
	}
	return NULL;
}
