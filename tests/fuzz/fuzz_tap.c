/*
 * libFuzzer target for tap.h's parser of a program's TAP/KTAP output: any bytes (cut at
 * the first NUL, as a program's output is kept) are parsed; the tree must hold no
 * deeper nesting than TAP_MAX_DEPTH, every test a name and a status that agrees with
 * tap_doc_count(), and the verdict must be one line. Built and run by tests/fuzz/fuzz.mk.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tap.h"
#include "wrapper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Tests under t[0..n) (subtests included), checking each; depth counts the levels. */
static size_t walk(const struct tap_test *t, size_t n, int depth)
{
	size_t total = n;
	fuzz_check(depth <= TAP_MAX_DEPTH + 1);
	for (size_t i = 0; i < n; i++) {
		fuzz_check(t[i].name != NULL);
		fuzz_check(t[i].status == TAP_PASS || t[i].status == TAP_FAIL ||
			   t[i].status == TAP_SKIP);
		fuzz_check(!t[i].missing || t[i].status == TAP_FAIL);
		total += walk(t[i].subtests, t[i].nsubtests, depth + 1);
	}
	return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct tap_doc doc;
	struct strbuf why = STRBUF_INIT;
	size_t counts[3];

	tap_parse(&doc, text);
	size_t total = walk(doc.tests, doc.ntests, 1);
	tap_doc_count(&doc, counts);
	fuzz_check(counts[0] + counts[1] + counts[2] == total);
	int failed = tap_doc_failed(&doc, &why);
	fuzz_check(failed == (why.len > 0));
	fuzz_check(!failed || counts[TAP_FAIL] || !doc.found || doc.bailed);
	tap_doc_release(&doc);
	strbuf_release(&why);
	free(text);
	return 0;
}
