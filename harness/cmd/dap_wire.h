/*
 * dap_wire: the Debug Adapter Protocol's base framing, pure. A message is a header
 * block ("Content-Length: N" and any other "Name: value" lines, each ended by CRLF,
 * the block by an empty line) and N bytes of JSON. Bytes are fed in any fragmentation;
 * complete bodies come out one at a time, and a header block that is not one (no
 * Content-Length, a length that is no number or too big, a block too long) comes out
 * as an error with its reason, after which the parser goes on from the next block.
 * No I/O. Depends on strbuf.
 */
#ifndef KDIVE_DAP_WIRE_H
#define KDIVE_DAP_WIRE_H

#include "strbuf.h"

#include <stddef.h>

#define DAP_WIRE_BODY_MAX (16 << 20)  /* a body's bytes at most */
#define DAP_WIRE_HEADER_MAX 8192      /* a header block's bytes at most */

struct dap_wire {
	struct strbuf in;     /* received bytes not yet taken */
	long body;            /* the current message's body length once its header was
				 read, else -1 */
};

void dap_wire_init(struct dap_wire *w);
void dap_wire_release(struct dap_wire *w);
/* Append received bytes. */
void dap_wire_feed(struct dap_wire *w, const char *buf, size_t len);
/*
 * The next message: 1 with its body in *body (replaced), 0 when more bytes are needed,
 * -1 with the reason in *why (replaced) when a header block was malformed (it is
 * dropped, and the next call goes on after it).
 */
int dap_wire_next(struct dap_wire *w, struct strbuf *body, struct strbuf *why);
/* The frame of a message: "Content-Length: N\r\n\r\n" then body, appended to out. */
void dap_wire_frame(struct strbuf *out, const char *body, size_t len);

#endif
