/*
 * strbuf: growable byte strings, and reading whole files and streams into one.
 * Depends on wrapper (allocation) and usage (strbuf_read_input()'s error buffer).
 */
#ifndef KDIVE_STRBUF_H
#define KDIVE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * strbuf: a growable byte string. Invariants: buf is never NULL and always
 * NUL-terminated at buf[len]; it may also hold NUL bytes before len.
 * Initialise with STRBUF_INIT or strbuf_init(); release with strbuf_release().
 */
struct strbuf {
	size_t alloc; /* bytes allocated for buf, 0 while buf points at the shared empty string */
	size_t len;   /* bytes used, not counting the terminating NUL */
	char *buf;    /* the bytes; owned by the strbuf once alloc > 0 */
};
extern char strbuf_empty[];
#define STRBUF_INIT { 0, 0, strbuf_empty }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Give up the buffer to the caller (who frees it); sb is reset to empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_reset(struct strbuf *sb);
void strbuf_setlen(struct strbuf *sb, size_t len);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Strip trailing white space. */
void strbuf_rtrim(struct strbuf *sb);
/*
 * Append the last `lines` lines of text (all when lines <= 0) to out, each behind
 * prefix and ending in '\n'; trailing white space and \r are dropped. For log tails.
 */
void strbuf_add_tail(struct strbuf *out, const char *text, int lines, const char *prefix);
/* Read a whole file (or stream) into sb; -1 with errno set on failure. */
int strbuf_read_file(struct strbuf *sb, const char *path);
int strbuf_read_fd(struct strbuf *sb, int fd);
/*
 * Read an input file a user names (a scenario, a config fragment): it must be a
 * regular file of at most max bytes. A FIFO, a device, a directory or a huge file is
 * refused without blocking or reading it: "PATH:1:1: not a regular file: a WHAT must
 * be one" into err. 0, or -1 with why in err.
 */
int strbuf_read_input(struct strbuf *sb, const char *path, const char *what, size_t max,
		      struct strbuf *err);

#endif
