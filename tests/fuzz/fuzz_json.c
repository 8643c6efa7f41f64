/*
 * libFuzzer target for json.h's reader, and the writer behind it: any bytes are parsed;
 * a refusal must carry a message in printable ASCII and a column within the text plus
 * one; a tree must hold only valid UTF-8 in its strings and names, and written back by
 * the writer (compact, then pretty) it must read back as the same tree, and the
 * compact text must be written the same way again. Any difference aborts (a finding).
 * Built and run by tests/fuzz/fuzz.mk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether s[0..n) is UTF-8 (NUL bytes, from \u0000, included). */
static int utf8(const char *s, size_t n)
{
	for (size_t i = 0, k; i < n; i += k)
		if (!(k = json_utf8_len((const unsigned char *)s + i, n - i)))
			return 0;
	return 1;
}

static void check_tree(const struct json_value *v)
{
	fuzz_check(!v->key || utf8(v->key, v->key_len));
	if (json_value_is(v, JSON_STRING))
		fuzz_check(v->str[v->len] == '\0' && utf8(v->str, v->len));
	for (size_t i = 0; i < json_value_count(v); i++)
		check_tree(json_value_at(v, i));
}

/* v written by the writer; the text, without its newline, in out. */
static void write_tree(const struct json_value *v, int pretty, struct strbuf *out)
{
	struct json j;
	strbuf_reset(out);
	json_init(&j, out, pretty);
	json_value_write(&j, NULL, v);
	json_finish(&j);
	fuzz_check(out->len && out->buf[out->len - 1] == '\n');
	strbuf_setlen(out, out->len - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_error err;
	struct json_value *v = json_parse((const char *)data, size, &err), *again;
	struct strbuf text = STRBUF_INIT, text2 = STRBUF_INIT;
	if (!v) {
		fuzz_check(err.column >= 1 && err.column <= size + 1 && err.message[0]);
		for (const char *p = err.message; *p; p++)
			fuzz_check(*p >= ' ' && *p < 0x7f);
		return 0;
	}
	check_tree(v);
	for (int pretty = 0; pretty < 2; pretty++) {
		write_tree(v, pretty, &text);
		again = json_parse(text.buf, text.len, &err);
		if (!again || !json_value_equal(v, again)) {
			fprintf(stderr, "fuzz_json: %s\n--- written:\n%s\n",
				again ? "the written text reads back different" : err.message, text.buf);
			abort();
		}
		if (!pretty) {
			write_tree(again, 0, &text2);
			fuzz_check(text.len == text2.len && !memcmp(text.buf, text2.buf, text.len));
		}
		json_value_free(again);
	}
	json_value_free(v);
	strbuf_release(&text);
	strbuf_release(&text2);
	return 0;
}
