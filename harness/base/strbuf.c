/*
 * strbuf: growable byte strings, and reading files into them (strbuf.h). Depends on
 * wrapper and usage.
 */
#include "strbuf.h"
#include "usage.h"
#include "wrapper.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
