/*
 * libFuzzer target for kdive serve's request handling (harness/cmd/serve.h), both
 * framings, with no guest: the first byte chooses JSON lines or MCP and --safe, the
 * rest is what a client sends. It is fed whole and in chunks of pseudo-random sizes,
 * and both answers must be identical; every answer is one line of JSON, an object,
 * with "jsonrpc": "2.0" and a result or an error (MCP) or an "ok" (JSON lines), and
 * there are never more answers than lines. Answers are read back with json.h's reader,
 * which is fuzzed on its own by fuzz_json. Any difference aborts (a finding). Built and
 * run by tests/fuzz/fuzz.mk.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Serve data in chunks (chunked: pseudo-random sizes; else all at once); the output. */
static char *serve(int mcp, int safe, const uint8_t *data, size_t size, int chunked, size_t *len)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, len);
	fuzz_check(f != NULL);
	struct serve *sv = serve_new_offline(mcp, safe, f);
	uint32_t seed = (uint32_t)size * 2654435761u;
	size_t i = 0;
	while (i < size && !serve_quitting(sv)) {
		size_t n = chunked ? fuzz_chunk(&seed, 61, size - i) : size - i;
		serve_feed(sv, (const char *)data + i, n);
		i += n;
	}
	serve_feed_end(sv);
	serve_free(sv);
	fclose(f);
	return out;
}

static void check_answers(int mcp, const char *out, size_t len, size_t lines)
{
	size_t n = 0;
	for (const char *p = out; p < out + len;) {
		const char *nl = memchr(p, '\n', (size_t)(out + len - p));
		fuzz_check(nl != NULL); /* every answer ends its line */
		int64_t code;
		struct json_value *m = json_parse(p, (size_t)(nl - p), NULL);
		fuzz_check(json_value_is(m, JSON_OBJECT));
		if (mcp) {
			fuzz_check(json_value_is(json_value_find(m, "jsonrpc"), JSON_STRING));
			fuzz_check(json_value_find(m, "id") != NULL);
			const struct json_value *err = json_value_find(m, "error");
			fuzz_check(!!json_value_find(m, "result") != !!err);
			fuzz_check(!err || (json_value_int(json_value_find(err, "code"), &code) == 0 &&
					    json_value_is(json_value_find(err, "message"), JSON_STRING)));
		} else {
			int ok = json_value_bool(json_value_find(m, "ok"));
			const struct json_value *err = json_value_find(m, "error");
			fuzz_check(ok >= 0);
			fuzz_check(json_value_find(m, "id") != NULL);
			fuzz_check(ok == 1 ||
				   (json_value_is(json_value_find(err, "code"), JSON_STRING) &&
				    json_value_is(json_value_find(err, "message"), JSON_STRING)));
		}
		json_value_free(m);
		n++;
		p = nl + 1;
	}
	fuzz_check(n <= lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	int mcp = data[0] & 1, safe = !!(data[0] & 2);
	data++;
	size--;
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	size_t wl, cl;
	char *whole = serve(mcp, safe, data, size, 0, &wl);
	char *chunks = serve(mcp, safe, data, size, 1, &cl);
	if (wl != cl || memcmp(whole, chunks, wl)) {
		fprintf(stderr, "fuzz_serve: the answers depend on how the input is split\n"
				"--- whole:\n%.*s--- chunks:\n%.*s", (int)wl, whole, (int)cl, chunks);
		abort();
	}
	check_answers(mcp, whole, wl, lines);
	free(whole);
	free(chunks);
	return 0;
}
