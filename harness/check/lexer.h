/*
 * lexer: the words of one line of a scenario file, the level below the scenario
 * parser. Splits a line into blank-separated words up to a comment, converts number
 * words, measures and describes indentation, quotes words for messages (long words
 * cut, odd bytes shown as \xNN) and finds the known name a mistyped word was meant to
 * be ("did you mean"). Works on the line in place: words point into it and are not
 * NUL-terminated. Pure; depends on strbuf.
 */
#ifndef KDIVE_LEXER_H
#define KDIVE_LEXER_H

#include "strbuf.h"
#include <stdint.h>

/* A word of a line: bytes s[0..len), at 1-based column col. */
struct lexer_word {
	const char *s; /* first byte, inside the line (not NUL-terminated); not owned */
	size_t len;    /* bytes */
	size_t col;    /* 1-based column of s */
};

/* Walks one line; '#' at the start of a word begins a comment. */
struct lexer {
	const char *s; /* the line, not NUL-terminated; not owned */
	size_t len;    /* its length */
	size_t pos;    /* next byte */
};

/* Space or tab: what separates words and makes indentation. */
int lexer_is_blank(int c);
/* '0' to '9'. */
int lexer_is_digit(int c);
/* A letter, digit or '_' (ASCII only). */
int lexer_is_ident(int c);

/* The next word into w; 0 (w untouched) at the end of the line or at a comment. */
int lexer_next(struct lexer *lx, struct lexer_word *w);
/*
 * The rest of the line as written (comments kept) without surrounding blanks, possibly
 * empty; the lexer is then at the end of the line.
 */
void lexer_rest(struct lexer *lx, struct lexer_word *w);

/* 1 when w is exactly lit. */
int lexer_word_is(const struct lexer_word *w, const char *lit);
/* 1 when w is one of names (a NULL-terminated list). */
int lexer_word_in(const struct lexer_word *w, const char *const *names);
/*
 * The one of names (a NULL-terminated list) that w is a likely typo of (edit distance
 * 1, or 2 for words longer than 3 bytes; the nearest wins), or NULL.
 */
const char *lexer_nearest(const struct lexer_word *w, const char *const *names);

/* The width of the indentation s[0..n) (blanks), a tab reaching the next multiple of 8. */
size_t lexer_indent_width(const char *s, size_t n);
/* Append how the indentation s[0..n) is made: "2 spaces", "1 tab", "1 tab and 4 spaces". */
void lexer_add_indent(struct strbuf *sb, const char *s, size_t n);

/*
 * Convert a number word: decimal or 0x hex, optionally negative. Returns 0 with the
 * value in *out (a positive number above INT64_MAX keeps its 64 bits: 0xffffffffffffffff
 * is -1), -1 when w is not such a number, -2 when it does not fit in 64 bits.
 */
int lexer_number(const struct lexer_word *w, int64_t *out);

/*
 * Append s[0..n) in single quotes for a message: cut after 48 bytes (then "..."), control
 * bytes and DEL written as \xNN.
 */
void lexer_add_quoted(struct strbuf *sb, const char *s, size_t n);

#endif
