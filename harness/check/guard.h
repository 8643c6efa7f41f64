/*
 * guard: kernel-version guards, the "[>= 6.9]" that may start a scenario line so that
 * it applies only to some kernels, and the comparison operators they share with
 * register checks. Parses a guard's text, writes it back in its canonical form and
 * decides whether it holds for a kernel version ("6.12.117", "6.12.0-rc1+"). Pure;
 * depends on lexer (quoting in messages), strbuf and wrapper.
 */
#ifndef KDIVE_GUARD_H
#define KDIVE_GUARD_H

#include "strbuf.h"

/* A comparison: of kernel versions in a guard, of values in a register check. */
enum guard_op { GUARD_EQ, GUARD_NE, GUARD_LT, GUARD_LE, GUARD_GT, GUARD_GE };

/* "==", "!=", "<", "<=", ">", ">=" ("?" for a value outside the enum). */
const char *guard_op_name(enum guard_op op);
/* The operator spelled s[0..n) ("<=": GUARD_LE), or -1 when it is none. */
int guard_op_find(const char *s, size_t n);
/* Whether a comparison result (negative, 0, positive: a <=> b) satisfies op. */
int guard_op_holds(enum guard_op op, int cmp);

/* A kernel-version guard: "[>= 6.9]". op "" means no guard. */
struct guard {
	char op[3];         /* "==", "!=", "<", "<=", ">", ">=", or "" */
	int major, minor;   /* the version compared against */
	int patch;          /* -1 when not given */
};

/* No guard: the line applies to every kernel. */
#define GUARD_NONE { "", 0, 0, -1 }

/*
 * Parse the guard "[OP MAJOR.MINOR[.PATCH]]" at the start of s[0..n) (s[0] is '[';
 * blanks may surround OP and the version). Returns 0 with g filled and *used the bytes
 * up to and including ']'; or -1 with one message (no position, no newline) appended to
 * err and *errpos the offset in s that it is about (g untouched).
 */
int guard_parse(struct guard *g, const char *s, size_t n, size_t *used, struct strbuf *err,
		size_t *errpos);
/* Append the guard in the canonical form "[>= 6.9]" ("" when no guard). */
void guard_format(const struct guard *g, struct strbuf *out);
/*
 * 1 if the guard holds for kernel version "6.12.117" (a guard with no op always
 * holds; an unparsable version holds only unguarded lines). A guard without a patch
 * level compares MAJOR.MINOR only: [== 6.12] is any 6.12.y.
 */
int guard_holds(const struct guard *g, const char *kernel_version);

#endif
