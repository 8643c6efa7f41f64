/*
 * libFuzzer target for the initramfs spec parser (initramfs_spec_check, the text up to
 * the first NUL byte). A spec must parse or fail with one "FILE:LINE:COL: message" per
 * bad line, and since each line stands alone, a spec fails exactly when one of its
 * lines fails on its own. Never a crash, never a leak. Built and run by
 * tests/fuzz/fuzz.mk.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "initramfs.h"
#include "strbuf.h"
#include "wrapper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FILE_NAME "fuzz.spec"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT, one = STRBUF_INIT;
	char *text = xstrndup((const char *)data, size);
	int r = initramfs_spec_check(FILE_NAME, text, &err);
	size_t bad = 0, messages = 0;

	if (r < 0)
		fuzz_check_line_messages(FILE_NAME, err.buf, err.len, text);
	else
		fuzz_check(r == 0 && err.len == 0);
	for (size_t i = 0; i < err.len; i++)
		messages += err.buf[i] == '\n';
	/* Each line alone: as many fail as there are messages about the whole. */
	for (const char *p = text; *p;) {
		const char *nl = strchrnul(p, '\n');
		char *line = xstrndup(p, (size_t)(nl - p));
		strbuf_reset(&one);
		if (initramfs_spec_check(FILE_NAME, line, &one) < 0) {
			fuzz_check_line_messages(FILE_NAME, one.buf, one.len, line);
			bad++;
		} else {
			fuzz_check(one.len == 0);
		}
		free(line);
		p = *nl ? nl + 1 : nl;
	}
	fuzz_check(bad == messages && (bad > 0) == (r < 0));
	strbuf_release(&one);
	strbuf_release(&err);
	free(text);
	return 0;
}
