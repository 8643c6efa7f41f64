/*
 * usage: diagnostics through the command layer's sink, and error buffers (usage.h).
 * Depends on strbuf.
 */
#include "usage.h"
#include "strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

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
