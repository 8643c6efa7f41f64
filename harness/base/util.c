/*
 * util: strings, argv vectors, allocation, error reporting, SHA-256, file helpers.
 * Depends on libc only.
 */
#define _GNU_SOURCE
#include "util.h"
#include "quote.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

static void die_oom(size_t n)
{
	fprintf(stderr, "kdive: fatal: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die_oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		die_oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die_oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xstrfmt(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb, NULL);
}

static struct {
	diag_sink_fn fn;     /* where messages go, or NULL */
	void *ctx;           /* its argument */
	enum diag_level max; /* the most detailed level it takes */
	struct strbuf *errors; /* diag_divert_errors(): errors go here instead, or NULL */
} sink;

enum diag_level diag_set_sink(diag_sink_fn fn, void *ctx, enum diag_level max)
{
	enum diag_level old = sink.max;
	sink.fn = fn;
	sink.ctx = ctx;
	sink.max = max;
	return old;
}

enum diag_level diag_set_level(enum diag_level max)
{
	enum diag_level old = sink.max;
	sink.max = max;
	return old;
}

int diag_enabled(enum diag_level level)
{
	return (sink.errors && level == DIAG_ERROR) || (sink.fn && level <= sink.max);
}

void diag_divert_errors(struct strbuf *sb)
{
	sink.errors = sb;
}

static void vreport(enum diag_level level, const char *fmt, va_list ap, int err)
{
	struct strbuf sb = STRBUF_INIT;
	if (!diag_enabled(level))
		return;
	strbuf_vaddf(&sb, fmt, ap);
	if (err)
		strbuf_addf(&sb, ": %s", strerror(err));
	if (sink.errors && level == DIAG_ERROR) {
		strbuf_add(sink.errors, sb.buf, sb.len);
		strbuf_addch(sink.errors, '\n');
	} else {
		sink.fn(level, sb.buf, sink.ctx);
	}
	strbuf_release(&sb);
}

int error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(DIAG_ERROR, fmt, ap, 0);
	va_end(ap);
	return -1;
}

int error_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	vreport(DIAG_ERROR, fmt, ap, err);
	va_end(ap);
	errno = err;
	return -1;
}

int strbuf_error(struct strbuf *err, const char *fmt, ...)
{
	va_list ap;
	strbuf_addstr(err, "error: ");
	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	strbuf_addch(err, '\n');
	return -1;
}

int strbuf_error_errno(struct strbuf *err, const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	strbuf_addstr(err, "error: ");
	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	strbuf_addf(err, ": %s\n", strerror(e));
	errno = e;
	return -1;
}

void progress_report(const struct progress *p, enum progress_event ev, const char *status,
		     const char *now)
{
	if (p && p->fn)
		p->fn(p->ctx, ev, status, now);
}

int warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(DIAG_WARNING, fmt, ap, 0);
	va_end(ap);
	return 0;
}

void info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(DIAG_INFO, fmt, ap, 0);
	va_end(ap);
}

void debug(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(DIAG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

/* ---- strbuf ---- */

char strbuf_empty[1];

void strbuf_init(struct strbuf *sb, size_t hint)
{
	sb->alloc = 0;
	sb->len = 0;
	sb->buf = strbuf_empty;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, 0);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *r;
	strbuf_grow(sb, 0);
	r = sb->buf;
	if (len)
		*len = sb->len;
	strbuf_init(sb, 0);
	return r;
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	if (need < sb->len)
		die_oom(SIZE_MAX);
	if (sb->alloc >= need)
		return;
	size_t n = sb->alloc ? sb->alloc : 64;
	while (n < need)
		n *= 2;
	if (!sb->alloc) {
		sb->buf = xmalloc(n);
		sb->buf[0] = '\0';
	} else {
		sb->buf = xrealloc(sb->buf, n);
	}
	sb->alloc = n;
}

void strbuf_reset(struct strbuf *sb)
{
	strbuf_setlen(sb, 0);
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (!sb->alloc) {
		if (len)
			abort();
		return;
	}
	sb->len = len;
	sb->buf[len] = '\0';
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	if (!len)
		return;
	strbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
	strbuf_grow(sb, 1);
	sb->buf[sb->len++] = (char)c;
	sb->buf[sb->len] = '\0';
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	strbuf_grow(sb, 64);
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= sb->alloc - sb->len) {
		strbuf_grow(sb, (size_t)n);
		va_copy(cp, ap);
		n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
		va_end(cp);
	}
	sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_rtrim(struct strbuf *sb)
{
	while (sb->len && (sb->buf[sb->len - 1] == ' ' || sb->buf[sb->len - 1] == '\n' ||
			   sb->buf[sb->len - 1] == '\t' || sb->buf[sb->len - 1] == '\r'))
		sb->len--;
	if (sb->alloc)
		sb->buf[sb->len] = '\0';
}

void strbuf_add_tail(struct strbuf *out, const char *text, int lines, const char *prefix)
{
	size_t len = strlen(text);
	while (len && strchr(" \t\r\n", text[len - 1]))
		len--;
	const char *p = text + len;
	int n = 0;
	while (p > text && (lines <= 0 || n < lines))
		if (*--p == '\n')
			n++;
	if (*p == '\n')
		p++;
	while (p < text + len) {
		const char *e = memchr(p, '\n', (size_t)(text + len - p));
		if (!e)
			e = text + len;
		int l = (int)(e - p);
		while (l && p[l - 1] == '\r')
			l--;
		strbuf_addf(out, "%s%.*s\n", prefix, l, p);
		p = e + 1;
	}
}

int strbuf_read_fd(struct strbuf *sb, int fd)
{
	for (;;) {
		strbuf_grow(sb, 8192);
		ssize_t n = read(fd, sb->buf + sb->len, sb->alloc - sb->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		sb->len += (size_t)n;
		sb->buf[sb->len] = '\0';
	}
	return 0;
}

int strbuf_read_file(struct strbuf *sb, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r, err;
	if (fd < 0)
		return -1;
	r = strbuf_read_fd(sb, fd);
	err = errno;
	close(fd);
	errno = err;
	return r;
}

/* ---- strvec ---- */

const char *strvec_empty[1];

void strvec_init(struct strvec *sv)
{
	sv->v = strvec_empty;
	sv->nr = 0;
	sv->alloc = 0;
}

void strvec_push(struct strvec *sv, const char *s)
{
	if (sv->nr + 2 > sv->alloc) {
		size_t n = sv->alloc ? sv->alloc * 2 : 8;
		const char **v = sv->alloc ? (const char **)sv->v : NULL;
		sv->v = xrealloc(v, n * sizeof(*v));
		sv->alloc = n;
	}
	sv->v[sv->nr++] = xstrdup(s);
	sv->v[sv->nr] = NULL;
}

void strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strvec_push(sv, sb.buf);
	strbuf_release(&sb);
}

void strvec_pushl(struct strvec *sv, ...)
{
	va_list ap;
	const char *s;
	va_start(ap, sv);
	while ((s = va_arg(ap, const char *)))
		strvec_push(sv, s);
	va_end(ap);
}

void strvec_clear(struct strvec *sv)
{
	if (sv->alloc) {
		for (size_t i = 0; i < sv->nr; i++)
			free((char *)sv->v[i]);
		free(sv->v);
	}
	strvec_init(sv);
}

void strvec_join_display(const struct strvec *sv, struct strbuf *out)
{
	for (size_t i = 0; i < sv->nr; i++) {
		const char *s = sv->v[i];
		if (i)
			strbuf_addch(out, ' ');
		if (*s && !strpbrk(s, " \t\n'\"\\$`*?;&|<>()#~")) {
			strbuf_addstr(out, s);
			continue;
		}
		quote_sh(out, s);
	}
}

/* ---- SHA-256 (FIPS 180-4) ---- */

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(struct sha256 *c, const unsigned char *p)
{
	uint32_t w[64], a, b, cc, d, e, f, g, h;
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = c->h[0]; b = c->h[1]; cc = c->h[2]; d = c->h[3];
	e = c->h[4]; f = c->h[5]; g = c->h[6]; h = c->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) +
			      sha256_k[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & cc) ^ (b & cc));
		h = g; g = f; f = e; e = d + t1;
		d = cc; cc = b; b = a; a = t1 + t2;
	}
	c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
	c->h[4] += e; c->h[5] += f; c->h[6] += g; c->h[7] += h;
}

void sha256_init(struct sha256 *c)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	memcpy(c->h, iv, sizeof(iv));
	c->bytes = 0;
	c->blen = 0;
}

void sha256_update(struct sha256 *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	c->bytes += len;
	while (len) {
		if (c->blen == 0 && len >= 64) {
			sha256_block(c, p);
			p += 64;
			len -= 64;
			continue;
		}
		size_t n = 64 - c->blen < len ? 64 - c->blen : len;
		memcpy(c->blk + c->blen, p, n);
		c->blen += n;
		p += n;
		len -= n;
		if (c->blen == 64) {
			sha256_block(c, c->blk);
			c->blen = 0;
		}
	}
}

void sha256_final_hex(struct sha256 *c, char hex[65])
{
	uint64_t bits = c->bytes * 8;
	unsigned char pad = 0x80, zero = 0, len[8];
	sha256_update(c, &pad, 1);
	while (c->blen != 56)
		sha256_update(c, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_update(c, len, 8);
	for (int i = 0; i < 8; i++)
		snprintf(hex + 8 * i, 9, "%08x", c->h[i]);
}

int sha256_file_hex(const char *path, char hex[65])
{
	struct sha256 c;
	unsigned char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	sha256_init(&c);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int err = errno;
			close(fd);
			errno = err;
			return -1;
		}
		if (!n)
			break;
		sha256_update(&c, buf, (size_t)n);
	}
	close(fd);
	sha256_final_hex(&c, hex);
	return 0;
}

/* ---- time ---- */

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void format_duration(struct strbuf *sb, int64_t ms)
{
	if (ms < 1000)
		strbuf_addf(sb, "%dms", (int)ms);
	else if (ms < 60000)
		strbuf_addf(sb, "%.1fs", (double)ms / 1000.0);
	else
		strbuf_addf(sb, "%dm%02ds", (int)(ms / 60000), (int)(ms / 1000 % 60));
}

/* ---- files ---- */

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

char *kdive_cache_dir(void)
{
	const char *s = getenv("KDIVE_CACHE");
	if (s && *s)
		return xstrdup(s);
	s = getenv("XDG_CACHE_HOME");
	if (s && *s == '/')
		return xstrfmt("%s/kdive", s);
	s = getenv("HOME");
	if (!s || !*s) {
		/* Never a shared place like /tmp: the passwd entry's home. */
		struct passwd *pw = getpwuid(getuid());
		s = pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/";
	}
	return xstrfmt("%s/.cache/kdive", s);
}

int cache_dir_trusted(const char *dir, struct strbuf *why)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		strbuf_addf(why, "cannot read '%s': %s", dir, strerror(errno));
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		strbuf_addf(why, "'%s' is not a directory", dir);
		return 0;
	}
	/* kdive runs make in the trees it finds there and sources their gdb scripts. */
	if (st.st_uid != geteuid()) {
		strbuf_addf(why, "'%s' belongs to uid %u, not to you (uid %u)", dir,
			    (unsigned)st.st_uid, (unsigned)geteuid());
		return 0;
	}
	if (st.st_mode & 022) {
		strbuf_addf(why, "'%s' is writable by others (mode %03o)", dir,
			    (unsigned)(st.st_mode & 0777));
		return 0;
	}
	return 1;
}

int lock_file(const char *path, const char *what, struct strbuf *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return strbuf_error_errno(err, "cannot open lock '%s'", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			strbuf_error_errno(err, "cannot lock '%s'", path);
			close(fd);
			return -1;
		}
		info("another kdive is building %s; waiting for it (lock %s)", what, path);
		while (flock(fd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				strbuf_error_errno(err, "cannot lock '%s'", path);
				close(fd);
				return -1;
			}
		}
	}
	return fd;
}

int strbuf_read_input(struct strbuf *sb, const char *path, const char *what, size_t max,
		      struct strbuf *err)
{
	struct stat st;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return strbuf_error_errno(err, "cannot read %s '%s'", what, path);
	int rc = 0;
	if (fstat(fd, &st) < 0) {
		rc = strbuf_error_errno(err, "cannot read %s '%s'", what, path);
	} else if (!S_ISREG(st.st_mode)) {
		strbuf_addf(err, "%s:1:1: not a regular file: a %s must be one\n", path, what);
		rc = -1;
	} else if ((unsigned long long)st.st_size > max) {
		strbuf_addf(err, "%s:1:1: %lld bytes: larger than a %s can be (%zu)\n", path,
			    (long long)st.st_size, what, max);
		rc = -1;
	} else {
		int fl = fcntl(fd, F_GETFL);
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
		if (strbuf_read_fd(sb, fd) < 0)
			rc = strbuf_error_errno(err, "cannot read %s '%s'", what, path);
		else if (sb->len > max) { /* it grew while we read */
			strbuf_addf(err, "%s:1:1: larger than a %s can be (%zu)\n", path, what, max);
			rc = -1;
		}
	}
	close(fd);
	return rc;
}
