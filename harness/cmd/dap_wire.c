/*
 * dap_wire: the Debug Adapter Protocol's base framing (dap_wire.h). Pure: no I/O.
 * Depends on strbuf.
 */
#define _GNU_SOURCE
#include "dap_wire.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

void dap_wire_init(struct dap_wire *w)
{
	strbuf_init(&w->in, 0);
	w->body = -1;
}

void dap_wire_release(struct dap_wire *w)
{
	strbuf_release(&w->in);
	w->body = -1;
}

void dap_wire_feed(struct dap_wire *w, const char *buf, size_t len)
{
	strbuf_add(&w->in, buf, len);
}

/* Drop the first n bytes of w->in. */
static void consume(struct dap_wire *w, size_t n)
{
	memmove(w->in.buf, w->in.buf + n, w->in.len - n);
	strbuf_setlen(&w->in, w->in.len - n);
}

/*
 * The header block hdr[0..len) (without its ending empty line): the body's length, or
 * -1 with why said. Header names are case-insensitive (as HTTP's); other headers
 * (Content-Type) are allowed and ignored.
 */
static long header_length(const char *hdr, size_t len, struct strbuf *why)
{
	long n = -1;
	const char *p = hdr, *end = hdr + len;
	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		const char *le = eol ? eol : end;
		const char *colon = memchr(p, ':', (size_t)(le - p));
		if (!colon) {
			strbuf_addf(why, "bad header line '%.*s': no ':'", (int)(le - p > 60 ? 60 : le - p),
				    p);
			return -1;
		}
		if ((size_t)(colon - p) == 14 && !strncasecmp(p, "Content-Length", 14)) {
			const char *v = colon + 1;
			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			long val = 0;
			const char *d = v;
			for (; d < le && isdigit((unsigned char)*d); d++)
				if (val <= DAP_WIRE_BODY_MAX)
					val = val * 10 + (*d - '0');
			while (d < le && (*d == ' ' || *d == '\t'))
				d++;
			if (d == v || d != le || !isdigit((unsigned char)*v)) {
				strbuf_addf(why, "bad Content-Length '%.*s': not a number",
					    (int)(le - v > 30 ? 30 : le - v), v);
				return -1;
			}
			if (val > DAP_WIRE_BODY_MAX) {
				strbuf_addf(why, "Content-Length of more than %d bytes", DAP_WIRE_BODY_MAX);
				return -1;
			}
			n = val;
		}
		p = eol ? eol + 2 : end;
	}
	if (n < 0)
		strbuf_addstr(why, "a header without Content-Length");
	return n;
}

int dap_wire_next(struct dap_wire *w, struct strbuf *body, struct strbuf *why)
{
	if (w->body < 0) {
		/* Blank lines between messages are nothing. */
		size_t skip = 0;
		while (skip + 1 < w->in.len && w->in.buf[skip] == '\r' && w->in.buf[skip + 1] == '\n')
			skip += 2;
		consume(w, skip);
		const char *end = w->in.len ? memmem(w->in.buf, w->in.len, "\r\n\r\n", 4) : NULL;
		if (!end) {
			if (w->in.len <= DAP_WIRE_HEADER_MAX)
				return 0;
			strbuf_reset(why);
			strbuf_addf(why, "a header block of more than %d bytes", DAP_WIRE_HEADER_MAX);
			strbuf_reset(&w->in);
			return -1;
		}
		size_t hlen = (size_t)(end - w->in.buf);
		strbuf_reset(why);
		long n = hlen > DAP_WIRE_HEADER_MAX ? -1 : header_length(w->in.buf, hlen, why);
		if (hlen > DAP_WIRE_HEADER_MAX)
			strbuf_addf(why, "a header block of more than %d bytes", DAP_WIRE_HEADER_MAX);
		consume(w, hlen + 4);
		if (n < 0)
			return -1;
		w->body = n;
	}
	if (w->in.len < (size_t)w->body)
		return 0;
	strbuf_reset(body);
	strbuf_add(body, w->in.buf, (size_t)w->body);
	consume(w, (size_t)w->body);
	w->body = -1;
	return 1;
}

void dap_wire_frame(struct strbuf *out, const char *body, size_t len)
{
	strbuf_addf(out, "Content-Length: %zu\r\n\r\n", len);
	strbuf_add(out, body, len);
}
