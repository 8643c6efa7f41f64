/*
 * mi: a parser for gdb's machine interface output (GDB/MI version 3).
 *
 * A push parser: feed it gdb's stdout in chunks of any size with mi_parser_push(), then
 * take complete records out in order with mi_parser_next(). A chunk may end anywhere,
 * even inside an escape; one byte at a time gives the same records as the whole
 * buffer. Lines that are not MI come back as MI_RECORD_PARSE_ERROR records carrying the
 * line, the 1-based column and a message; the parser goes on at the next line.
 *
 * The grammar and gdb's quirks are written down in harness/mi-grammar.md.
 *
 * Pure: no I/O, no processes, no global state. Depends on strbuf and wrapper only.
 */
#ifndef KDIVE_MI_H
#define KDIVE_MI_H

#include <stddef.h>
#include <stdint.h>

struct strbuf;

/* What a record is; the character that starts the line in parentheses. */
enum mi_record_kind {
	MI_RECORD_RESULT,      /* (^) the answer to a command: done, running, connected, error, exit */
	MI_RECORD_EXEC,        /* (*) exec async: running, stopped */
	MI_RECORD_STATUS,      /* (+) status async: progress of long operations */
	MI_RECORD_NOTIFY,      /* (=) notify async: breakpoint-modified, thread-group-added... */
	MI_RECORD_CONSOLE,     /* (~) console stream: what the CLI would have printed */
	MI_RECORD_TARGET,      /* (@) target stream: output of the target (QEMU monitor) */
	MI_RECORD_LOG,         /* (&) log stream: gdb's own messages and warnings */
	MI_RECORD_PROMPT,      /* the "(gdb) " line that ends a batch of output */
	MI_RECORD_PARSE_ERROR, /* a line that is not MI; see text, column, message */
};

/* The class of a result record, decoded; MI_RESULT_NONE on every other kind. */
enum mi_result_class {
	MI_RESULT_NONE,      /* not a result record */
	MI_RESULT_DONE,      /* ^done */
	MI_RESULT_RUNNING,   /* ^running */
	MI_RESULT_CONNECTED, /* ^connected */
	MI_RESULT_ERROR,     /* ^error: msg="..." and maybe code="..." */
	MI_RESULT_EXIT,      /* ^exit */
};

/* What a value is. */
enum mi_value_kind {
	MI_VALUE_STRING, /* a C-string constant, decoded */
	MI_VALUE_TUPLE,  /* {name=value,...}: every item has a name */
	MI_VALUE_LIST,   /* [value,...] or [name=value,...] (gdb's MI2 also mixed the two) */
};

/*
 * A value of the parse tree. Items of a tuple or list are stored by value in one array,
 * owned by their parent; the whole tree belongs to the record that holds it.
 */
struct mi_value {
	enum mi_value_kind kind; /* string, tuple or list */
	char *name;              /* the name when this is the value of a result (name=value), else NULL */
	char *str;               /* MI_VALUE_STRING: the decoded bytes, NUL-terminated; else NULL */
	size_t len;              /* MI_VALUE_STRING: bytes in str (str may hold NUL bytes, from \000) */
	struct mi_value *items;  /* tuple or list: the items in order; NULL when there are none */
	size_t nr;               /* tuple or list: number of items */
};

/* One line of gdb output, parsed. Free with mi_record_free(). */
struct mi_record {
	enum mi_record_kind kind;    /* what the line was */
	int has_token;               /* 1 when the line started with a numeric token */
	uint64_t token;              /* the token (result and async records), 0 when has_token is 0 */
	char *class_name;            /* result or async class ("done", "stopped"), else NULL */
	enum mi_result_class result; /* the result class decoded, MI_RESULT_NONE unless kind is RESULT */
	struct mi_value results;     /* result/async records: the results, a tuple (bare values unnamed) */
	char *text;                  /* streams: the decoded text; parse errors: the raw line; else NULL */
	size_t text_len;             /* bytes in text (text is NUL-terminated, and may hold NUL bytes) */
	size_t column;               /* parse errors: 1-based byte column where parsing failed, else 0 */
	char *message;               /* parse errors: what was wrong, else NULL */
	struct mi_record *next;      /* the parser's queue; NULL once the record is handed out */
};

/* The parser. Opaque; create with mi_parser_new(). */
struct mi_parser;

/*
 * A new parser with an empty queue. Never fails (allocation failure aborts).
 * The caller frees it with mi_parser_free().
 */
struct mi_parser *mi_parser_new(void);

/* Free the parser, any partial line and the records still queued. NULL is a no-op. */
void mi_parser_free(struct mi_parser *p);

/*
 * Refuse lines longer than max bytes (default MI_DEFAULT_MAX_LINE; 0 means no limit):
 * such a line is dropped up to its newline and becomes one MI_RECORD_PARSE_ERROR whose
 * text is its first bytes. Bounds the memory a runaway gdb can make the parser take.
 */
#define MI_DEFAULT_MAX_LINE ((size_t)64 << 20)
void mi_parser_set_max_line(struct mi_parser *p, size_t max);

/*
 * Feed len bytes of gdb output (bytes need not be NUL-terminated and may hold NUL).
 * Every line they complete is parsed and queued. Returns 0; it cannot fail (a line that
 * is not MI is queued as a MI_RECORD_PARSE_ERROR record).
 */
int mi_parser_push(struct mi_parser *p, const char *bytes, size_t len);

/*
 * End of input: parse a last line that had no newline, if any. Returns 0; cannot fail.
 * The parser can be pushed to again afterwards.
 */
int mi_parser_finish(struct mi_parser *p);

/*
 * The oldest complete record, removed from the queue, or NULL when there is none yet.
 * The caller owns it and frees it with mi_record_free().
 */
struct mi_record *mi_parser_next(struct mi_parser *p);

/* Free a record and its whole parse tree. NULL is a no-op. */
void mi_record_free(struct mi_record *r);

/*
 * The first item named name in a tuple or list, or NULL when v is NULL, is a string,
 * or has no such item (gdb repeats names in some tuples and in lists such as
 * stack=[frame=...,frame=...]: this finds the first; unnamed items are skipped). The
 * result points into v's tree and lives as long as it.
 */
const struct mi_value *mi_value_find(const struct mi_value *v, const char *name);

/*
 * Follow a dotted path from v: each component is a name (first item with that name) or
 * a decimal index into a tuple or list ("bkpt.locations.0.addr", "stack.1.func").
 * Returns the value, or NULL when any step is missing. Points into v's tree.
 */
const struct mi_value *mi_value_find_path(const struct mi_value *v, const char *path);

/* Item i of a tuple or list, or NULL when v is not one or i is out of range. */
const struct mi_value *mi_value_at(const struct mi_value *v, size_t i);

/* The string of a string value, or NULL when v is NULL or not a string. */
const char *mi_value_str(const struct mi_value *v);

/* The string at path under v (mi_value_find_path()), or NULL if missing or not a string. */
const char *mi_value_find_str(const struct mi_value *v, const char *path);

/*
 * Path lookup in a record's results: mi_record_find_path(r, "frame.func") on a *stopped
 * record. Returns NULL when r is NULL, has no results or the path is missing.
 */
const struct mi_value *mi_record_find_path(const struct mi_record *r, const char *path);

/* The string at path in a record's results ("reason", "frame.addr"), or NULL. */
const char *mi_record_find_str(const struct mi_record *r, const char *path);

/* "result", "exec", "status", "notify", "console", "target", "log", "prompt", "parse-error". */
const char *mi_record_kind_name(enum mi_record_kind kind);

/*
 * Append a stable, canonical text form of the record to out: a first line with the
 * kind, token and class (or the stream text, or the error), then one result per line,
 * indented two spaces per level; strings in double quotes with \" \\ \n \t \r escaped
 * and any other byte below 0x20 or above 0x7e as \xHH. The golden .expect files are
 * this form. Cannot fail.
 */
void mi_record_dump(const struct mi_record *r, struct strbuf *out);

#endif
