/*
 * quote: the one way to put a string into another program's command language. kdive
 * composes gdb MI and CLI lines, QEMU option values and shell words from paths and
 * from what users and clients send (QEMU's monitor gets no composed string: the warm
 * snapshot's file goes to it as a descriptor); each goes through the function for its
 * language, so that what arrives is exactly the string, one argument, and never a
 * second command. A language that cannot carry a byte (a newline in a gdb CLI line)
 * makes its function fail with the byte named, and the caller refuses the string
 * instead of sending something else. Depends on strbuf.
 */
#ifndef KDIVE_QUOTE_H
#define KDIVE_QUOTE_H

#include "strbuf.h"

/*
 * One word for /bin/sh: '...', a ' inside as '\''. Every byte but NUL is carried.
 */
void quote_sh(struct strbuf *out, const char *s);

/*
 * A C string literal: "..." with \" and \\, the control bytes and DEL as \n, \t, \r
 * or three octal digits; other bytes (UTF-8 too) as they are. gdb reads it as one
 * MI c-string argument (mi_parse_argv's escapes) and as a string in its C
 * expressions (set $var = "..."). Every byte but NUL is carried.
 */
void quote_c(struct strbuf *out, const char *s);
/*
 * The escapes a C string, gdb's and JSON share: \" \\ \n \t \r for those bytes. 1 when c
 * was one of them (its escape appended), else 0 (nothing appended). quote_c() and
 * json.c's strings write the other control bytes each their own way.
 */
int quote_named_escape(struct strbuf *out, unsigned char c);

/*
 * An expression as one operand of a larger one: "(expr)". 0; -1 with the reason in err
 * when expr is empty, holds a control byte, an unterminated string or character
 * literal, or a parenthesis that closes one it did not open ("0) || (1" would break
 * out and change what the whole condition means).
 */
int quote_c_operand(struct strbuf *out, const char *expr, struct strbuf *err);

/*
 * One argument of a gdb CLI command that splits its arguments as libiberty's
 * buildargv does (add-symbol-file, symbol-file): blanks, quotes and backslashes each
 * behind a backslash. 0; -1 with the reason in err when s holds a control byte
 * (a CLI line cannot carry it) or is empty.
 */
int quote_gdb_arg(struct strbuf *out, const char *s, struct strbuf *err);

/*
 * The rest of a gdb CLI line that a command takes as it is (source FILE, target
 * remote FILE): s itself. 0; -1 with the reason in err when s holds a control byte,
 * starts or ends with a blank (the CLI trims them), or starts with '-' or '~' (an
 * option, a home directory) or '|' (a pipe).
 */
int quote_gdb_rest(struct strbuf *out, const char *s, struct strbuf *err);

/*
 * A value in a QEMU option list (-chardev file,path=VALUE,...): commas doubled. Every
 * byte but NUL is carried.
 */
void quote_qemu_opt(struct strbuf *out, const char *s);

/*
 * The first byte of s that no language above carries in a path kdive composes
 * (control bytes and DEL), or NULL. For messages that name the character.
 */
const char *quote_bad_byte(const char *s);
/* A byte's name for messages: "newline", "tab", "byte 0x1b". Static string. */
const char *quote_byte_name(unsigned char c);

#endif
