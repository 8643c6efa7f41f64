/*
 * manifest: sizes and hashes of a cache entry's files, written when it is published
 * and checked when it is reused. See manifest.h.
 */
#define _GNU_SOURCE
#include "manifest.h"
#include "files.h"
#include "sha256.h"
#include "strvec.h"
#include "usage.h"
#include "wrapper.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One recorded file. */
struct entry {
	char sha[65];       /* lowercase hex digest */
	long long size;     /* bytes */
	unsigned long long ino;
	long long ctime_ns; /* st_ctim in ns */
	char *path;         /* relative to the entry; owned */
};

static long long ctime_ns(const struct stat *st)
{
	return (long long)st->st_ctim.tv_sec * 1000000000LL + st->st_ctim.tv_nsec;
}

/* Hash the file at dirfd/path; its stat into st. With sync, fsync it too. */
static int hash_at(int dirfd, const char *path, char hex[65], struct stat *st, int sync)
{
	int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct sha256 c;
	char buf[1 << 16];
	ssize_t n;
	int rc = 0;
	sha256_init(&c);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		sha256_update(&c, buf, (size_t)n);
	}
	if (rc == 0 && fstat(fd, st) < 0)
		rc = -1;
	if (rc == 0 && sync && fsync(fd) < 0)
		rc = -1;
	int e = errno;
	close(fd);
	errno = e;
	if (rc == 0)
		sha256_final_hex(&c, hex);
	return rc;
}

/* Collect the regular files under dirfd/rel (relative paths) into out. */
static int collect(int dirfd, const char *rel, struct strvec *out)
{
	DIR *d = opendir_at(dirfd, *rel ? rel : ".");
	if (!d)
		return -1;
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *path = *rel ? xstrfmt("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		struct stat st;
		if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
			rc = -1;
		else if (S_ISDIR(st.st_mode))
			rc = collect(dirfd, path, out);
		else if (S_ISREG(st.st_mode))
			strvec_push(out, path);
		free(path);
	}
	closedir(d);
	return rc;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int skipped(const char *path, const char *const *skip)
{
	if (!strcmp(path, MANIFEST_NAME))
		return 1;
	for (; skip && *skip; skip++)
		if (!strcmp(path, *skip))
			return 1;
	return 0;
}

static void add_line(struct strbuf *sb, const struct entry *e)
{
	strbuf_addf(sb, "%s %lld %llu %lld %s\n", e->sha, e->size, e->ino, e->ctime_ns, e->path);
}

static int save(int dirfd, const char *dir, const struct strbuf *text, struct strbuf *err)
{
	char *path = xstrfmt("%s/%s", dir, MANIFEST_NAME);
	int rc = write_file_atomic(path, text->buf, text->len);
	if (rc < 0)
		strbuf_error_errno(err, "cannot write '%s'", path);
	free(path);
	fsync(dirfd);
	return rc;
}

int manifest_write(const char *dir, const char *const *skip, struct strbuf *err)
{
	struct strvec files = STRVEC_INIT;
	struct strbuf text = STRBUF_INIT;
	int rc = -1;
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return strbuf_error_errno(err, "cannot open '%s'", dir);
	if (collect(dirfd, "", &files) < 0) {
		strbuf_error_errno(err, "cannot list '%s'", dir);
		goto out;
	}
	qsort(files.v, files.nr, sizeof(*files.v), by_string);
	for (size_t i = 0; i < files.nr; i++) {
		struct entry e = { .path = (char *)files.v[i] };
		struct stat st;
		if (skipped(e.path, skip))
			continue;
		if (strchr(e.path, '\n')) {
			strbuf_error(err, "'%s/%s': a newline in a cache file's name", dir, e.path);
			goto out;
		}
		if (hash_at(dirfd, e.path, e.sha, &st, 1) < 0) {
			strbuf_error_errno(err, "cannot read '%s/%s'", dir, e.path);
			goto out;
		}
		e.size = (long long)st.st_size;
		e.ino = (unsigned long long)st.st_ino;
		e.ctime_ns = ctime_ns(&st);
		add_line(&text, &e);
	}
	rc = save(dirfd, dir, &text, err);
out:
	close(dirfd);
	strvec_clear(&files);
	strbuf_release(&text);
	return rc;
}

/* Parse "SHA SIZE INO CTIME PATH"; path points into line. */
static int parse_line(char *line, struct entry *e)
{
	char *p = line, *q;
	if (strlen(line) < 66 || line[64] != ' ')
		return -1;
	memcpy(e->sha, line, 64);
	e->sha[64] = '\0';
	for (int i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", e->sha[i]))
			return -1;
	p = line + 65;
	errno = 0;
	e->size = strtoll(p, &q, 10);
	if (q == p || *q != ' ' || e->size < 0)
		return -1;
	p = q + 1;
	e->ino = strtoull(p, &q, 10);
	if (q == p || *q != ' ')
		return -1;
	p = q + 1;
	e->ctime_ns = strtoll(p, &q, 10);
	if (q == p || *q != ' ' || !q[1] || errno)
		return -1;
	e->path = q + 1;
	if (e->path[0] == '/' || strstr(e->path, ".."))
		return -1;
	return 0;
}

int manifest_check(const char *dir, struct strbuf *why)
{
	struct strbuf text = STRBUF_INIT, fresh = STRBUF_INIT;
	int rc = 0, restat = 0, lineno = 0;
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		strbuf_addf(why, "cannot open '%s': %s", dir, strerror(errno));
		return -1;
	}
	int mfd = openat(dirfd, MANIFEST_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (mfd < 0) {
		rc = errno == ENOENT ? 1 : -1;
		if (rc < 0)
			strbuf_addf(why, "cannot read its %s: %s", MANIFEST_NAME, strerror(errno));
		goto out;
	}
	int r = strbuf_read_fd(&text, mfd);
	close(mfd);
	if (r < 0 || !text.len || text.buf[text.len - 1] != '\n') {
		strbuf_addf(why, "its %s is unreadable or cut short", MANIFEST_NAME);
		rc = -1;
		goto out;
	}
	for (char *line = text.buf, *nl; rc == 0 && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		lineno++;
		struct entry e;
		struct stat st;
		if (parse_line(line, &e) < 0) {
			strbuf_addf(why, "its %s is damaged at line %d", MANIFEST_NAME, lineno);
			rc = -1;
		} else if (fstatat(dirfd, e.path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			strbuf_addf(why, "'%s' is missing", e.path);
			rc = -1;
		} else if (!S_ISREG(st.st_mode)) {
			strbuf_addf(why, "'%s' is no longer a regular file", e.path);
			rc = -1;
		} else if ((long long)st.st_size != e.size) {
			strbuf_addf(why, "'%s' has %lld bytes, %lld were recorded", e.path,
				    (long long)st.st_size, e.size);
			rc = -1;
		} else if ((unsigned long long)st.st_ino == e.ino && ctime_ns(&st) == e.ctime_ns) {
			add_line(&fresh, &e);
		} else {
			char hex[65];
			if (hash_at(dirfd, e.path, hex, &st, 0) < 0) {
				strbuf_addf(why, "cannot read '%s': %s", e.path, strerror(errno));
				rc = -1;
			} else if (strcmp(hex, e.sha)) {
				strbuf_addf(why, "'%s' is not what was built (its SHA-256 changed)",
					    e.path);
				rc = -1;
			} else {
				e.ino = (unsigned long long)st.st_ino;
				e.ctime_ns = ctime_ns(&st);
				add_line(&fresh, &e);
				restat = 1;
			}
		}
	}
	if (rc == 0 && restat) {
		struct strbuf ignored = STRBUF_INIT;
		save(dirfd, dir, &fresh, &ignored); /* best effort: next time, no hashing */
		strbuf_release(&ignored);
	}
out:
	close(dirfd);
	strbuf_release(&text);
	strbuf_release(&fresh);
	return rc;
}
