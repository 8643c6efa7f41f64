/*
 * kernel_id: a kernel's source and image identified by content (kernel_id.h).
 * Depends on sha256, proc, files.
 */
#define _GNU_SOURCE
#include "kernel_id.h"
#include "files.h"
#include "proc.h"
#include "sha256.h"
#include "usage.h"
#include "wrapper.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void hex_of(const char *text, size_t len, char hex[65])
{
	struct sha256 c;
	sha256_init(&c);
	sha256_update(&c, text, len);
	sha256_final_hex(&c, hex);
}

int kernel_id_file_sha256(const char *path, const char *cache, char hex[65])
{
	struct stat st;
	char real[PATH_MAX], key[65];
	if (!realpath(path, real) || stat(real, &st) < 0)
		return -1;
	/* What says the bytes are the same without reading them: a new package
	 * version unpacked under the same name has another inode or mtime. */
	char *ident = xstrfmt("%s\n%lld\n%lld.%09ld\n%llu\n%llu\n", real, (long long)st.st_size,
			      (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			      (unsigned long long)st.st_ino, (unsigned long long)st.st_dev);
	hex_of(ident, strlen(ident), key);
	free(ident);
	key[32] = '\0';
	char *dir = cache ? xstrfmt("%s/source-id", cache) : NULL;
	char *file = dir ? xstrfmt("%s/%s", dir, key) : NULL;
	struct strbuf sb = STRBUF_INIT;
	int rc = 0;
	if (file && strbuf_read_file(&sb, file) == 0) {
		strbuf_rtrim(&sb);
		if (sb.len == 64 && strspn(sb.buf, "0123456789abcdef") == 64) {
			memcpy(hex, sb.buf, 65);
			goto out;
		}
	}
	rc = sha256_file_hex(real, hex);
	/* The cache is only a shortcut: a read-only one costs a re-read next time. */
	if (rc == 0 && file && mkdir_p(dir, 0755) == 0) {
		int e = errno;
		char line[66];
		memcpy(line, hex, 64);
		line[64] = '\n';
		write_file_atomic(file, line, 65);
		errno = e;
	}
out:
	strbuf_release(&sb);
	free(dir);
	free(file);
	return rc;
}

/* The first line of argv's output run in dir (new string), or NULL when it failed. */
static char *run_line(const char *dir, const char *const *argv)
{
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	char *r = NULL;
	if (proc_run_capture_in(dir, argv, &out, 0, 60000, &why) == 0) {
		out.len = strcspn(out.buf, "\n");
		out.buf[out.len] = '\0';
		if (out.len)
			r = strbuf_detach(&out, NULL);
	}
	strbuf_release(&out);
	strbuf_release(&why);
	return r;
}

/* A git work tree whose top is real: "git COMMIT[ diff HEX]", commit set; else NULL. */
static char *git_identity(struct kernel *k, const char *real)
{
	const char *top[] = { "git", "rev-parse", "--show-toplevel", NULL };
	const char *head[] = { "git", "rev-parse", "--verify", "HEAD^{commit}", NULL };
	const char *diff[] = { "git", "diff", "--no-ext-diff", "--binary", "HEAD", NULL };
	char *t = run_line(real, top), *c = NULL, *id = NULL;
	char rtop[PATH_MAX];
	if (!t || !realpath(t, rtop) || strcmp(rtop, real))
		goto out; /* not a repository, or a tree inside another project's */
	c = run_line(real, head);
	if (!c || strlen(c) != 40)
		goto out;
	struct strbuf d = STRBUF_INIT, why = STRBUF_INIT;
	int st = proc_run_capture_in(real, diff, &d, 0, 300000, &why);
	if (st == 0 && !d.len) {
		id = xstrfmt("git %s", c);
	} else if (st == 0) {
		char hex[65];
		hex_of(d.buf, d.len, hex);
		id = xstrfmt("git %s diff %s", c, hex);
	}
	strbuf_release(&d);
	strbuf_release(&why);
	if (id)
		k->commit = xstrdup(c);
out:
	free(t);
	free(c);
	return id;
}

/* Each file under dir/rel: its path, size and mtime into c, in name order. */
static int tree_walk(struct sha256 *c, const char *dir, const char *rel)
{
	struct dirent **ents;
	char *path = *rel ? xstrfmt("%s/%s", dir, rel) : xstrdup(dir);
	int n = scandir(path, &ents, NULL, alphasort), rc = n < 0 ? -1 : 0;
	for (int i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		struct stat st;
		char *r = *rel ? xstrfmt("%s/%s", rel, nm) : xstrdup(nm);
		char *p = xstrfmt("%s/%s", path, nm);
		if (!strcmp(nm, ".") || !strcmp(nm, "..") || (!*rel && !strcmp(nm, ".git"))) {
			/* not the tree's content */
		} else if (lstat(p, &st) < 0) {
			rc = -1;
		} else if (S_ISDIR(st.st_mode)) {
			if (!rc)
				rc = tree_walk(c, dir, r);
		} else {
			char *line = xstrfmt("%s %lld %lld.%09ld %o\n", r, (long long)st.st_size,
					     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
					     (unsigned)(st.st_mode & 07777));
			sha256_update(c, line, strlen(line));
			free(line);
		}
		free(r);
		free(p);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	free(path);
	return rc;
}

/* "linux-source-6.12" for /usr/src/linux-source-6.12.tar.xz, else NULL. */
static char *debian_package(const char *real)
{
	static const char dir[] = "/usr/src/";
	const char *base = real + sizeof(dir) - 1, *tar;
	if (strncmp(real, dir, sizeof(dir) - 1) || strchr(base, '/') ||
	    strncmp(base, "linux-source-", 13) || !(tar = strstr(base, ".tar")))
		return NULL;
	return xstrndup(base, (size_t)(tar - base));
}

int kernel_identify(struct kernel *k, const char *path, enum kernel_id_kind kind,
		    const char *cache, struct strbuf *err)
{
	char real[PATH_MAX], hex[65];
	struct stat st;
	if (!realpath(path, real) || stat(real, &st) < 0)
		return strbuf_error_errno(err, "cannot identify the kernel '%s'", path);
	if (kind == KERNEL_ID_SOURCE && S_ISDIR(st.st_mode)) {
		k->source_id = git_identity(k, real);
		if (k->source_id)
			return 0;
		struct sha256 c;
		sha256_init(&c);
		if (tree_walk(&c, real, "") < 0)
			return strbuf_error_errno(err, "cannot read the kernel tree '%s'", real);
		sha256_final_hex(&c, hex);
		k->source_id = xstrfmt("tree sha256 %s", hex);
		return 0;
	}
	if (kernel_id_file_sha256(real, cache, hex) < 0)
		return strbuf_error_errno(err, "cannot read '%s'", real);
	if (kind == KERNEL_ID_PREBUILT) {
		k->source_id = xstrfmt("image sha256 %s", hex);
		return 0;
	}
	k->source_id = xstrfmt("tarball sha256 %s", hex);
	char *pkg = debian_package(real);
	if (pkg) {
		const char *argv[] = { "dpkg-query", "-W", "-f", "${Version}", pkg, NULL };
		k->package_version = run_line(NULL, argv);
		if (k->package_version)
			k->package = pkg;
		else
			free(pkg);
	}
	return 0;
}
