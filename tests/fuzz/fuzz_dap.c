/*
 * libFuzzer target for kdive dap's framing (harness/cmd/dap_wire.h): the bytes an
 * editor sends, fed whole and in chunks of pseudo-random sizes. What comes out (each
 * body, each malformed header's reason, in order) must be the same both ways; a body
 * is never longer than DAP_WIRE_BODY_MAX, a reason never empty; the parser never holds
 * more than the input. Any difference aborts (a finding). Built and run by
 * tests/fuzz/fuzz.mk.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dap_wire.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every message and error of data, as one transcript: "B<len>:<body>" or "E<why>\n". */
static void transcript(const uint8_t *data, size_t size, int chunked, struct strbuf *out)
{
	struct dap_wire w;
	struct strbuf body = STRBUF_INIT, why = STRBUF_INIT;
	uint32_t seed = (uint32_t)size * 2654435761u;
	dap_wire_init(&w);
	for (size_t i = 0; i < size;) {
		size_t n = chunked ? fuzz_chunk(&seed, 61, size - i) : size - i;
		dap_wire_feed(&w, (const char *)data + i, n);
		i += n;
		int r;
		while ((r = dap_wire_next(&w, &body, &why)) != 0) {
			if (r > 0) {
				fuzz_check(body.len <= DAP_WIRE_BODY_MAX);
				strbuf_addf(out, "B%zu:", body.len);
				strbuf_add(out, body.buf, body.len);
			} else {
				fuzz_check(why.len > 0);
				strbuf_addf(out, "E%s\n", why.buf);
			}
		}
		fuzz_check(w.in.len <= i);
	}
	dap_wire_release(&w);
	strbuf_release(&body);
	strbuf_release(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf whole = STRBUF_INIT, chunks = STRBUF_INIT;
	transcript(data, size, 0, &whole);
	transcript(data, size, 1, &chunks);
	fuzz_check(whole.len == chunks.len && !memcmp(whole.buf, chunks.buf, whole.len));
	strbuf_release(&whole);
	strbuf_release(&chunks);
	return 0;
}
