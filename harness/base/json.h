/*
 * json: the one JSON writer. Appends a document to a strbuf as it is described —
 * objects, arrays, and members of strings, numbers, booleans and null — keeping the
 * commas and, when asked, two-space indentation. Strings are escaped for JSON, and
 * bytes that are not valid UTF-8 become U+FFFD, so that any text from gdb, a console
 * or a file makes a valid document. Pure. Depends on strbuf.
 *
 *   struct json j;
 *   json_init(&j, &out, 1);
 *   json_open(&j, NULL, '{');  json_str(&j, "name", "fork");  json_close(&j);
 *   json_finish(&j);           // newline; the document is complete
 */
#ifndef KDIVE_JSON_H
#define KDIVE_JSON_H

#include "strbuf.h"
#include <stdint.h>

#define JSON_MAX_DEPTH 32

struct json {
	struct strbuf *out;   /* the document is appended here; not owned */
	int pretty;           /* 1: a member a line, indented; 0: one line */
	int depth;            /* open containers */
	char close[JSON_MAX_DEPTH];          /* '}' or ']' for each open container */
	unsigned char first[JSON_MAX_DEPTH]; /* 1 while the container at that depth is empty */
	int skip;             /* containers opened past JSON_MAX_DEPTH: written as null, and
				 everything inside them dropped */
};

void json_init(struct json *j, struct strbuf *out, int pretty);
/*
 * Open an object ('{') or an array ('['): a member called key inside an object, an
 * element (key NULL) inside an array or at the top.
 */
void json_open(struct json *j, const char *key, char brace);
/* Close the innermost open container. */
void json_close(struct json *j);
/* Close everything still open and end the document with a newline. */
void json_finish(struct json *j);

/* Members (key NULL: an element). A NULL string is written as null. */
void json_str(struct json *j, const char *key, const char *value);
void json_int(struct json *j, const char *key, int64_t value);
void json_uint(struct json *j, const char *key, uint64_t value);
void json_bool(struct json *j, const char *key, int value);
void json_nil(struct json *j, const char *key); /* (not json_null: jansson has one) */
/* An address or register as the string "0x..." (JSON numbers lose 64-bit precision). */
void json_hex(struct json *j, const char *key, uint64_t value);
/* A time in ms; null when unknown (negative). */
void json_ms(struct json *j, const char *key, int64_t ms);
/* A number with 3 decimals (seconds). */
void json_seconds(struct json *j, const char *key, int64_t ms);

/* Append s as a JSON string literal, quotes included (invalid UTF-8 -> U+FFFD). */
void json_quote(struct strbuf *out, const char *s);

/*
 * Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one (overlong
 * forms, surrogates and values past U+10FFFF are not valid).
 */
size_t json_utf8_len(const unsigned char *s, size_t n);

#endif
