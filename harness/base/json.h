/*
 * json: kdive's one JSON library, a writer and a reader. Pure. Depends on strbuf and wrapper.
 *
 * Why kdive's own and not a library such as jansson: kdive builds as plain C with no
 * library dependency (a C compiler and make are all it takes), and one module means
 * one set of rules for everything kdive reads and writes — bytes that are not valid
 * UTF-8 become U+FFFD when written and are an error when read, numbers keep the text
 * they were written with, the depth limit is JSON_MAX_DEPTH both ways — and the reader
 * is fuzzed with kdive's other parsers (tests/fuzz/fuzz_json.c).
 *
 * The writer appends a document to a strbuf as it is described — objects, arrays, and
 * members of strings, numbers, booleans and null — keeping the commas and, when asked,
 * two-space indentation. Strings are escaped for JSON, and bytes that are not valid
 * UTF-8 become U+FFFD, so that any text from gdb, a console or a file makes a valid
 * document.
 *
 *   struct json j;
 *   json_init(&j, &out, 1);
 *   json_open(&j, NULL, '{');  json_str(&j, "name", "fork");  json_close(&j);
 *   json_finish(&j);           // newline; the document is complete
 *
 * The reader parses one JSON text (RFC 8259) from bytes into a tree of struct
 * json_value, or says where and why it is not JSON:
 *
 *   struct json_error err;
 *   struct json_value *v = json_parse(buf, len, &err);
 *   if (!v)
 *           return error("not JSON: %s (column %zu)", err.message, err.column);
 *   const char *cmd = json_value_str(json_value_find(v, "cmd"), NULL);
 *   json_value_free(v);
 */
#ifndef KDIVE_JSON_H
#define KDIVE_JSON_H

#include "strbuf.h"
#include <stdint.h>

/* Containers nested deeper than this are refused by the reader and written as null. */
#define JSON_MAX_DEPTH 512

/* ---- the writer ---- */

struct json {
	struct strbuf *out;   /* the document is appended here; not owned */
	int pretty;           /* 1: a member a line, indented; 0: one line */
	int depth;            /* open containers */
	char close[JSON_MAX_DEPTH + 1];          /* '}' or ']' for each open container */
	unsigned char first[JSON_MAX_DEPTH + 1]; /* 1 while the container at that depth is empty */
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
/* A string of len bytes, which may hold NUL (written as \u0000). */
void json_mem(struct json *j, const char *key, const char *value, size_t len);
void json_int(struct json *j, const char *key, int64_t value);
void json_uint(struct json *j, const char *key, uint64_t value);
void json_bool(struct json *j, const char *key, int value);
void json_nil(struct json *j, const char *key); /* null */
/* An address or register as the string "0x..." (JSON numbers lose 64-bit precision). */
void json_hex(struct json *j, const char *key, uint64_t value);
/* A time in ms; null when unknown (negative). */
void json_ms(struct json *j, const char *key, int64_t ms);
/* A number with 3 decimals (seconds). */
void json_seconds(struct json *j, const char *key, int64_t ms);
/*
 * A member whose value is text that is already one JSON value (another writer's
 * compact output, without its newline): appended as it is. The caller vouches for it.
 */
void json_raw(struct json *j, const char *key, const char *text);

/* Append s as a JSON string literal, quotes included (invalid UTF-8 -> U+FFFD). */
void json_quote(struct strbuf *out, const char *s);
/* The same for len bytes, which may hold NUL (written as \u0000). */
void json_quote_mem(struct strbuf *out, const char *s, size_t len);

/*
 * Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one (overlong
 * forms, surrogates and values past U+10FFFF are not valid). n must be at least 1.
 */
size_t json_utf8_len(const unsigned char *s, size_t n);

/* ---- the reader ---- */

/* What a value is. */
enum json_kind {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/*
 * A value of the parse tree. Elements of an array and members of an object are stored
 * by value in one array, in the order of the text, owned by their parent; the whole
 * tree belongs to its root, freed with json_value_free(). Read it through the
 * json_value_* functions below, or the fields.
 */
struct json_value {
	enum json_kind kind;     /* what it is */
	int flag;                /* JSON_BOOL: 1 true, 0 false; JSON_NUMBER: 1 when it is an
				    integer that fits int64_t (in i), 0 otherwise (in real) */
	char *key;               /* a member of an object: its name, decoded and NUL-terminated
				    (it may hold NUL bytes, from \u0000); else NULL */
	size_t key_len;          /* bytes in key */
	union {
		char *str;       /* JSON_STRING: the decoded bytes, NUL-terminated (they may
				    hold NUL bytes, from \u0000); JSON_NUMBER: the number as
				    written ("-0", "1e400", "18446744073709551616") */
		struct json_value *items; /* JSON_ARRAY, JSON_OBJECT: elements or members, in
					     order; NULL when there are none */
	};
	size_t len;              /* bytes in str, or number of items */
	union {
		int64_t i;       /* JSON_NUMBER with flag 1: its value */
		double real;     /* JSON_NUMBER with flag 0: its value as a double (+-HUGE_VAL
				    past a double's range) */
	};
};

/* Why a text is not JSON. */
struct json_error {
	size_t column;           /* 1-based byte offset where reading stopped */
	char message[96];        /* what was wrong, lowercase ASCII: "expected ',' or '}', got 'x'" */
};

/*
 * Parse the JSON text in buf[0..len) (not NUL-terminated; any bytes): exactly one
 * value, of any kind, with white space around it (space, tab, CR, LF) and nothing
 * else. Strings must be valid UTF-8 with no raw control byte; \u escapes are decoded,
 * a surrogate pair to its character, \u0000 to a NUL byte counted in the length (a
 * lone surrogate is an error). Numbers follow JSON's grammar exactly (no "01", "1.",
 * "NaN" or "+1"); an integer beyond int64_t is a number that is not an integer, never
 * an error. Containers may nest JSON_MAX_DEPTH deep (an error beyond, not a deep
 * recursion). An object that names a member twice is refused: which one a program
 * reads would depend on its parser, and a request such as {"cmd": "eval", "cmd":
 * "quit"} means nothing certain.
 *
 * Returns the tree, which the caller frees with json_value_free(), or NULL with *err
 * filled in. Never prints; allocation failure aborts.
 */
struct json_value *json_parse(const char *buf, size_t len, struct json_error *err);

/* Free a tree returned by json_parse(). NULL is a no-op. */
void json_value_free(struct json_value *v);

/*
 * Lookups; each takes NULL (and returns NULL, -1 or 0), so that they chain:
 * json_value_str(json_value_find(json_value_find(req, "params"), "name"), NULL).
 * What they return points into v's tree and lives as long as it.
 */
/* Whether v is not NULL and of kind k. */
int json_value_is(const struct json_value *v, enum json_kind k);
/* The member of object v named key (a C string), or NULL. */
const struct json_value *json_value_find(const struct json_value *v, const char *key);
/* Element or member i of an array or object, or NULL when out of range. */
const struct json_value *json_value_at(const struct json_value *v, size_t i);
/* The number of elements or members of an array or object; 0 for anything else. */
size_t json_value_count(const struct json_value *v);
/* The bytes of a string (NUL-terminated; *len, when len is not NULL, counts them and
 * any NUL inside), or NULL when v is not a string. */
const char *json_value_str(const struct json_value *v, size_t *len);
/* 0 with *out set when v is an integer within int64_t; -1 otherwise (not a number, a
 * fraction or exponent, or beyond int64_t). */
int json_value_int(const struct json_value *v, int64_t *out);
/* 0 with *out set to the value of a number (integer or not); -1 when v is not one. */
int json_value_real(const struct json_value *v, double *out);
/* 1 for true, 0 for false, -1 when v is not a boolean. */
int json_value_bool(const struct json_value *v);
/*
 * Whether a and b are the same JSON: the same kind; strings byte for byte; numbers
 * both integers of one value, or both not and equal as doubles; arrays element by
 * element; objects member by member, the same keys in the same order (as a tree
 * written by json_value_write() reads back). NULL equals only NULL.
 */
int json_value_equal(const struct json_value *a, const struct json_value *b);

/* Write v as a member (key NULL: an element) with the writer: numbers as written. */
void json_value_write(struct json *j, const char *key, const struct json_value *v);

#endif
