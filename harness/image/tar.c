/*
 * tar: ustar writer and reader. Pure; strbuf and wrapper only.
 *
 * A ustar header is one 512-byte block: name[100] mode[8] uid[8] gid[8] size[12]
 * mtime[12] chksum[8] typeflag[1] linkname[100] magic[6] version[2] uname[32]
 * gname[32] devmajor[8] devminor[8] prefix[155], numbers in octal. The checksum is the
 * sum of the header's bytes with its own field taken as blanks. A path longer than 100
 * bytes is split at a '/' into prefix and name. The data follows, padded to a block;
 * two zero blocks end the archive.
 */
#define _GNU_SOURCE
#include "tar.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAR_RECORD 10240 /* tar(1)'s default record: 20 blocks */

enum {
	OFF_NAME = 0, OFF_MODE = 100, OFF_UID = 108, OFF_GID = 116, OFF_SIZE = 124,
	OFF_MTIME = 136, OFF_CHKSUM = 148, OFF_TYPE = 156, OFF_MAGIC = 257,
	OFF_VERSION = 263, OFF_UNAME = 265, OFF_GNAME = 297, OFF_PREFIX = 345,
};

void tar_init(struct tar *t, uint32_t mtime)
{
	t->ents = NULL;
	t->nr = t->alloc = 0;
	t->mtime = mtime;
}

void tar_release(struct tar *t)
{
	for (size_t i = 0; i < t->nr; i++) {
		free(t->ents[i].path);
		free(t->ents[i].data);
	}
	free(t->ents);
	tar_init(t, t->mtime);
}

const struct tar_entry *tar_find(const struct tar *t, const char *path)
{
	for (size_t i = 0; i < t->nr; i++)
		if (!strcmp(t->ents[i].path, path))
			return &t->ents[i];
	return NULL;
}

/*
 * Where to split full (a path, with '/' after a directory's) into prefix and name: 0
 * when it fits in name alone, the index of the '/' that separates them, or -1 when no
 * split fits.
 */
static long split_at(const char *full)
{
	size_t n = strlen(full);
	if (n <= 100)
		return 0;
	for (size_t i = n > 101 ? n - 101 : 0; i < n && i <= 155; i++)
		if (full[i] == '/' && i > 0 && n - i - 1 <= 100 && n - i - 1 > 0)
			return (long)i;
	return -1;
}

/* The name a header carries: a directory's with a '/' after it when that fits. */
static char *header_name(const char *path, int is_dir)
{
	return xstrfmt("%s%s", path, is_dir && strlen(path) < 100 ? "/" : "");
}

/* NULL when path is a clean relative path ustar can carry, else why not. */
static const char *path_problem(const char *path, int is_dir)
{
	if (!*path)
		return "an empty path";
	if (*path == '/')
		return "an absolute path";
	for (const char *p = path; *p;) {
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		if (!n)
			return "an empty path component";
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return "a '.' or '..' component";
		p = *e ? e + 1 : e;
	}
	if (path[strlen(path) - 1] == '/')
		return "a trailing '/'";
	char *full = header_name(path, is_dir);
	long at = split_at(full);
	free(full);
	return at < 0 ? "a path too long for ustar" : NULL;
}

static struct tar_entry *push(struct tar *t, const char *path, unsigned mode, int is_dir)
{
	if (t->nr == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 16;
		t->ents = xrealloc(t->ents, t->alloc * sizeof(*t->ents));
	}
	struct tar_entry *e = &t->ents[t->nr++];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	e->mode = mode & 07777;
	e->is_dir = is_dir;
	return e;
}

/* The directories above path (and path itself when is_dir); -1 when a file is in the way. */
static int add_dirs(struct tar *t, const char *path, int is_dir, struct strbuf *err)
{
	char *p = xstrdup(path);
	int rc = 0;
	for (char *s = p; rc == 0 && s;) {
		s = strchr(s, '/');
		if (s)
			*s = '\0';
		else if (!is_dir)
			break;
		const struct tar_entry *e = tar_find(t, p);
		if (e && !e->is_dir) {
			strbuf_addf(err, "'%s' is a file, not a directory for '%s'", p, path);
			rc = -1;
		} else if (!e && path_problem(p, 1)) {
			strbuf_addf(err, "cannot add '%s' to an archive: its directory '%s' is %s", path, p,
				    path_problem(p, 1));
			rc = -1;
		} else if (!e) {
			push(t, p, 0755, 1);
		}
		if (s)
			*s++ = '/';
	}
	free(p);
	return rc;
}

int tar_add_dir(struct tar *t, const char *path, unsigned mode, struct strbuf *err)
{
	const char *why = path_problem(path, 1);
	if (why) {
		strbuf_addf(err, "cannot add '%s' to an archive: %s", path, why);
		return -1;
	}
	int had = tar_find(t, path) != NULL;
	if (add_dirs(t, path, 1, err) < 0)
		return -1;
	if (!had)
		t->ents[t->nr - 1].mode = mode & 07777;
	return 0;
}

int tar_add_file(struct tar *t, const char *path, unsigned mode, const void *data, size_t len,
		 struct strbuf *err)
{
	const char *why = path_problem(path, 0);
	if (why) {
		strbuf_addf(err, "cannot add '%s' to an archive: %s", path, why);
		return -1;
	}
	if (tar_find(t, path)) {
		strbuf_addf(err, "'%s' is added to the archive twice", path);
		return -1;
	}
	if (add_dirs(t, path, 0, err) < 0)
		return -1;
	struct tar_entry *e = push(t, path, mode, 0);
	if (len) {
		e->data = xmalloc(len);
		memcpy(e->data, data, len);
	}
	e->len = len;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct tar_entry *const *x = a, *const *y = b;
	return strcmp((*x)->path, (*y)->path);
}

/* A number in octal, zero-padded, NUL-terminated, filling width bytes. */
static void put_octal(char *field, size_t width, unsigned long long v)
{
	char tmp[32];
	snprintf(tmp, sizeof(tmp), "%0*llo", (int)width - 1, v);
	memcpy(field, tmp, width - 1);
	field[width - 1] = '\0';
}

static unsigned header_sum(const unsigned char *h)
{
	unsigned sum = 0;
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += (i >= OFF_CHKSUM && i < OFF_CHKSUM + 8) ? ' ' : h[i];
	return sum;
}

static void write_header(const struct tar_entry *e, uint32_t mtime, struct strbuf *out)
{
	char h[TAR_BLOCK];
	char *full = header_name(e->path, e->is_dir);
	long at = split_at(full);
	memset(h, 0, sizeof(h));
	if (at > 0) {
		memcpy(h + OFF_PREFIX, full, (size_t)at);
		memcpy(h + OFF_NAME, full + at + 1, strlen(full + at + 1));
	} else {
		memcpy(h + OFF_NAME, full, strlen(full));
	}
	free(full);
	put_octal(h + OFF_MODE, 8, e->mode);
	put_octal(h + OFF_UID, 8, 0);
	put_octal(h + OFF_GID, 8, 0);
	put_octal(h + OFF_SIZE, 12, e->is_dir ? 0 : e->len);
	put_octal(h + OFF_MTIME, 12, mtime);
	h[OFF_TYPE] = e->is_dir ? '5' : '0';
	memcpy(h + OFF_MAGIC, "ustar", 6);
	memcpy(h + OFF_VERSION, "00", 2);
	memcpy(h + OFF_UNAME, "root", 4);
	memcpy(h + OFF_GNAME, "root", 4);
	char sum[8];
	snprintf(sum, sizeof(sum), "%06o", header_sum((unsigned char *)h));
	memcpy(h + OFF_CHKSUM, sum, 7); /* six digits, NUL, and the blank left there */
	h[OFF_CHKSUM + 7] = ' ';
	strbuf_add(out, h, sizeof(h));
}

static void pad_to(struct strbuf *out, size_t start, size_t unit)
{
	static const char zeros[TAR_BLOCK];
	while ((out->len - start) % unit)
		strbuf_add(out, zeros, TAR_BLOCK - (out->len - start) % TAR_BLOCK);
}

void tar_write(const struct tar *t, struct strbuf *out)
{
	static const char zeros[TAR_BLOCK];
	size_t start = out->len;
	const struct tar_entry **order = xcalloc(t->nr ? t->nr : 1, sizeof(*order));
	for (size_t i = 0; i < t->nr; i++)
		order[i] = &t->ents[i];
	qsort(order, t->nr, sizeof(*order), cmp_entry);
	for (size_t i = 0; i < t->nr; i++) {
		write_header(order[i], t->mtime, out);
		if (!order[i]->is_dir && order[i]->len) {
			strbuf_add(out, order[i]->data, order[i]->len);
			pad_to(out, start, TAR_BLOCK);
		}
	}
	free(order);
	strbuf_add(out, zeros, TAR_BLOCK);
	strbuf_add(out, zeros, TAR_BLOCK);
	pad_to(out, start, TAR_RECORD);
}

/* ---- the reader ---- */

/* An octal field: blanks, digits, then NUL or blanks to the end. -1 when it is not. */
static int get_octal(const char *f, size_t width, unsigned long long *v)
{
	size_t i = 0;
	int digits = 0;
	*v = 0;
	while (i < width && f[i] == ' ')
		i++;
	for (; i < width && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
		if (*v >> 60)
			return -1;
		*v = *v * 8 + (unsigned)(f[i] - '0');
	}
	for (; i < width; i++)
		if (f[i] != '\0' && f[i] != ' ')
			return -1;
	return digits ? 0 : -1;
}

static int is_zero_block(const char *b)
{
	for (int i = 0; i < TAR_BLOCK; i++)
		if (b[i])
			return 0;
	return 1;
}

int tar_is_archive(const char *buf, size_t len)
{
	unsigned long long sum;
	if (len < TAR_BLOCK || memcmp(buf + OFF_MAGIC, "ustar", 6) ||
	    get_octal(buf + OFF_CHKSUM, 8, &sum) < 0)
		return 0;
	return sum == header_sum((const unsigned char *)buf);
}

/* The path of header h (prefix '/' name), a directory's trailing '/' dropped. */
static char *header_path(const char *h, int is_dir)
{
	size_t pn = strnlen(h + OFF_PREFIX, 155), nn = strnlen(h + OFF_NAME, 100);
	char *p = pn ? xstrfmt("%.*s/%.*s", (int)pn, h + OFF_PREFIX, (int)nn, h + OFF_NAME)
		     : xstrfmt("%.*s", (int)nn, h + OFF_NAME);
	size_t n = strlen(p);
	if (is_dir && n > 1 && p[n - 1] == '/')
		p[n - 1] = '\0';
	return p;
}

static const char *type_name(char type)
{
	switch (type) {
	case '1': return "a hard link";
	case '2': return "a symbolic link";
	case '3': return "a character device";
	case '4': return "a block device";
	case '6': return "a FIFO";
	case 'x': case 'g': return "a pax extended header";
	case 'L': case 'K': return "a GNU long name";
	default: return "an entry of an unknown type";
	}
}

/* One header at off and its data; the offset after them in *next, or -1 with err. */
static int read_entry(struct tar *t, const char *buf, size_t len, size_t off, size_t *next,
		      struct strbuf *err)
{
	const char *h = buf + off;
	unsigned long long sum, size, mode;
	char type = h[OFF_TYPE];
	int is_dir = type == '5';
	char *path = header_path(h, is_dir);
	int rc = -1;
	if (memcmp(h + OFF_MAGIC, "ustar", 6) || get_octal(h + OFF_CHKSUM, 8, &sum) < 0 ||
	    sum != header_sum((const unsigned char *)h)) {
		strbuf_addf(err, "the header at byte %zu is not a ustar header with a right "
			    "checksum", off);
		goto out;
	}
	if (type != '0' && type != '\0' && !is_dir) {
		strbuf_addf(err, "'%s' is %s: only files and directories are taken", path,
			    type_name(type));
		goto out;
	}
	if (get_octal(h + OFF_SIZE, 12, &size) < 0 || get_octal(h + OFF_MODE, 8, &mode) < 0) {
		strbuf_addf(err, "'%s' has a bad size or mode field", path);
		goto out;
	}
	const char *why = path_problem(path, is_dir);
	if (why) {
		strbuf_addf(err, "'%s' is not a clean relative path (%s)", path, why);
		goto out;
	}
	if (tar_find(t, path)) {
		strbuf_addf(err, "'%s' is in the archive twice", path);
		goto out;
	}
	size_t blocks = (size_t)((size + TAR_BLOCK - 1) / TAR_BLOCK);
	if (size > len || blocks * TAR_BLOCK > len - off - TAR_BLOCK) {
		strbuf_addf(err, "'%s' runs past the end of the archive (%llu bytes)", path, size);
		goto out;
	}
	if (is_dir && size) {
		strbuf_addf(err, "directory '%s' has data", path);
		goto out;
	}
	struct tar_entry *e = push(t, path, (unsigned)mode, is_dir);
	if (size) {
		e->data = xmalloc((size_t)size);
		memcpy(e->data, h + TAR_BLOCK, (size_t)size);
	}
	e->len = (size_t)size;
	*next = off + TAR_BLOCK + blocks * TAR_BLOCK;
	rc = 0;
out:
	free(path);
	return rc;
}

int tar_read(struct tar *t, const char *buf, size_t len, struct strbuf *err)
{
	size_t off = 0;
	for (;;) {
		if (len - off < TAR_BLOCK) {
			strbuf_addf(err, "the archive ends at byte %zu without its end blocks", len);
			break;
		}
		if (is_zero_block(buf + off))
			return 0;
		if (read_entry(t, buf, len, off, &off, err) < 0)
			break;
	}
	tar_release(t);
	return -1;
}
