/*
 * cpio: newc archive writer. Pure; strbuf and wrapper only.
 *
 * newc header: the magic "070701" then 13 eight-digit hex fields (ino, mode, uid, gid,
 * nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check),
 * the NUL-terminated name padded so that header+name is a multiple of 4, then the data
 * padded to a multiple of 4. The archive ends with an entry named TRAILER!!!.
 */
#include "cpio.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cpio_init(struct cpio *c, uint32_t mtime)
{
	c->ents = NULL;
	c->nr = c->alloc = 0;
	c->mtime = mtime;
}

void cpio_release(struct cpio *c)
{
	for (size_t i = 0; i < c->nr; i++) {
		free(c->ents[i].path);
		free(c->ents[i].data);
	}
	free(c->ents);
	cpio_init(c, c->mtime);
}

static const char *strip_slash(const char *p)
{
	while (*p == '/')
		p++;
	return p;
}

int cpio_has(const struct cpio *c, const char *path)
{
	path = strip_slash(path);
	for (size_t i = 0; i < c->nr; i++)
		if (!strcmp(c->ents[i].path, path))
			return 1;
	return 0;
}

static int add(struct cpio *c, const char *path, unsigned mode, const void *data, size_t len,
	       struct strbuf *err)
{
	path = strip_slash(path);
	if (!*path) {
		strbuf_addstr(err, "empty path in archive\n");
		return -1;
	}
	if (cpio_has(c, path)) {
		strbuf_addf(err, "'/%s' is added twice\n", path);
		return -1;
	}
	if (c->nr == c->alloc) {
		c->alloc = c->alloc ? c->alloc * 2 : 64;
		c->ents = xrealloc(c->ents, c->alloc * sizeof(*c->ents));
	}
	struct cpio_entry *e = &c->ents[c->nr++];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	e->mode = mode;
	if (len) {
		e->data = xmalloc(len);
		memcpy(e->data, data, len);
	}
	e->len = len;
	return 0;
}

int cpio_add_dir(struct cpio *c, const char *path, unsigned perm, struct strbuf *err)
{
	return add(c, path, S_IFDIR | (perm & 07777), NULL, 0, err);
}

int cpio_add_file(struct cpio *c, const char *path, unsigned perm, const void *data, size_t len,
		  struct strbuf *err)
{
	return add(c, path, S_IFREG | (perm & 07777), data, len, err);
}

int cpio_add_symlink(struct cpio *c, const char *path, const char *target, struct strbuf *err)
{
	return add(c, path, S_IFLNK | 0777, target, strlen(target), err);
}

int cpio_add_node(struct cpio *c, const char *path, unsigned perm, char type, unsigned major,
		  unsigned minor, struct strbuf *err)
{
	if (type != 'c' && type != 'b') {
		strbuf_addf(err, "node '%s': type must be c or b, not '%c'\n", path, type);
		return -1;
	}
	if (add(c, path, (type == 'c' ? S_IFCHR : S_IFBLK) | (perm & 07777), NULL, 0, err) < 0)
		return -1;
	c->ents[c->nr - 1].rmajor = major;
	c->ents[c->nr - 1].rminor = minor;
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct cpio_entry *)a)->path, ((const struct cpio_entry *)b)->path);
}

static void pad4(struct strbuf *out)
{
	while (out->len % 4)
		strbuf_addch(out, '\0');
}

static void header(struct strbuf *out, unsigned ino, unsigned mode, unsigned nlink,
		   uint32_t mtime, size_t size, unsigned rmaj, unsigned rmin, const char *name)
{
	size_t namesize = strlen(name) + 1;
	strbuf_addf(out, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino, mode,
		    0u, 0u, nlink, (unsigned)mtime, (unsigned)size, 0u, 0u, rmaj, rmin,
		    (unsigned)namesize, 0u);
	strbuf_add(out, name, namesize);
	pad4(out);
}

void cpio_write(struct cpio *c, struct strbuf *out)
{
	qsort(c->ents, c->nr, sizeof(*c->ents), by_path);
	for (size_t i = 0; i < c->nr; i++) {
		const struct cpio_entry *e = &c->ents[i];
		header(out, (unsigned)i + 721, e->mode, S_ISDIR(e->mode) ? 2 : 1, c->mtime, e->len,
		       e->rmajor, e->rminor, e->path);
		strbuf_add(out, e->data, e->len);
		pad4(out);
	}
	header(out, 0, 0, 1, 0, 0, 0, 0, "TRAILER!!!");
}

void cpio_add_parents(struct cpio *c, const char *path)
{
	char *p = xstrdup(path);
	struct strbuf err = STRBUF_INIT;
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (!cpio_has(c, p))
			cpio_add_dir(c, p, 0755, &err);
		*s = '/';
	}
	strbuf_release(&err);
	free(p);
}
