/*
 * libFuzzer target for the MI parser. Each input is parsed three ways — in one push,
 * one byte at a time and in chunks of pseudo-random sizes — and the three dumps must
 * be identical; every record is walked through the accessors, and parse errors must
 * point inside their line. Any difference or impossible value aborts (a finding).
 * Built and run by tests/fuzz/fuzz.mk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mi.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct mi_value *v, int depth)
{
	if (depth > 600)
		abort(); /* deeper than the parser's limit: impossible */
	switch (v->kind) {
	case MI_VALUE_STRING:
		if (!v->str || v->str[v->len] != '\0' || v->nr || v->items)
			abort();
		break;
	case MI_VALUE_TUPLE:
	case MI_VALUE_LIST:
		if (v->str || (v->nr && !v->items))
			abort();
		for (size_t i = 0; i < v->nr; i++) {
			if (v->kind == MI_VALUE_TUPLE && !v->items[i].name)
				abort(); /* a tuple's items are all named */
			if (mi_value_at(v, i) != &v->items[i])
				abort();
			walk(&v->items[i], depth + 1);
		}
		if (mi_value_at(v, v->nr))
			abort();
		if (v->nr && v->items[0].name && mi_value_find(v, v->items[0].name) != &v->items[0])
			abort();
		break;
	}
}

static void check_record(const struct mi_record *r)
{
	static const char *paths[] = { "frame.func", "0", "0.0.0", "bkpt.locations.1.addr", "a.", "." };
	switch (r->kind) {
	case MI_RECORD_PARSE_ERROR:
		if (!r->text || !r->message || r->column < 1 || r->text[r->text_len] != '\0')
			abort();
		break;
	case MI_RECORD_CONSOLE:
	case MI_RECORD_TARGET:
	case MI_RECORD_LOG:
		if (!r->text || r->text[r->text_len] != '\0' || r->class_name)
			abort();
		break;
	case MI_RECORD_PROMPT:
		break;
	default:
		if (!r->class_name || r->results.kind != MI_VALUE_TUPLE)
			abort();
		if ((r->kind == MI_RECORD_RESULT) != (r->result != MI_RESULT_NONE))
			abort();
		for (size_t i = 0; i < r->results.nr; i++)
			walk(&r->results.items[i], 1);
		break;
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		(void)mi_record_find_str(r, paths[i]);
}

/* Parse data pushed in chunks chosen by mode; return the dump of all records. */
static char *parse(const uint8_t *data, size_t size, int mode, size_t max_line)
{
	struct mi_parser *p = mi_parser_new();
	struct strbuf out = STRBUF_INIT;
	struct mi_record *r;
	uint32_t seed = (uint32_t)size * 2654435761u;
	size_t i = 0;

	mi_parser_set_max_line(p, max_line);
	while (i < size) {
		size_t n = mode == 1 ? 1 : mode == 2 ? fuzz_chunk(&seed, 97, size - i) : size - i;
		mi_parser_push(p, (const char *)data + i, n);
		i += n;
		/* Take records out as they come, as a real caller does. */
		while ((r = mi_parser_next(p))) {
			check_record(r);
			mi_record_dump(r, &out);
			mi_record_free(r);
		}
	}
	mi_parser_finish(p);
	while ((r = mi_parser_next(p))) {
		check_record(r);
		mi_record_dump(r, &out);
		mi_record_free(r);
	}
	mi_parser_free(p);
	return strbuf_detach(&out, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Half the inputs run with a small line limit, to reach the overflow path. */
	size_t max_line = size & 1 ? 0 : 1024;
	char *whole = parse(data, size, 0, max_line);
	char *bytes = parse(data, size, 1, max_line);
	char *chunks = parse(data, size, 2, max_line);
	if (strcmp(whole, bytes) || strcmp(whole, chunks)) {
		fprintf(stderr, "fuzz_mi: the parse depends on how the input is split\n"
				"--- whole:\n%s--- byte by byte:\n%s--- chunks:\n%s", whole, bytes,
			chunks);
		abort();
	}
	free(whole);
	free(bytes);
	free(chunks);
	return 0;
}
