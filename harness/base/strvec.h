/*
 * strvec: argv vectors built a string at a time. Depends on wrapper, strbuf and quote
 * (strvec_join_display()).
 */
#ifndef KDIVE_STRVEC_H
#define KDIVE_STRVEC_H

#include <stddef.h>

struct strbuf;

/*
 * strvec: a NULL-terminated vector of owned strings, ready to be an argv.
 * v is never NULL (it points at a shared empty vector until the first push).
 */
struct strvec {
	const char **v; /* the strings, v[nr] == NULL; each string owned by the strvec */
	size_t nr;      /* number of strings */
	size_t alloc;   /* slots allocated, 0 while v is the shared empty vector */
};
extern const char *strvec_empty[];
#define STRVEC_INIT { strvec_empty, 0, 0 }

void strvec_init(struct strvec *sv);
void strvec_push(struct strvec *sv, const char *s);
void strvec_pushf(struct strvec *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Push each argument up to a terminating NULL. */
void strvec_pushl(struct strvec *sv, ...) __attribute__((sentinel));
void strvec_clear(struct strvec *sv);
/* Join with sep, quoting words that a shell would split, for display only. */
void strvec_join_display(const struct strvec *sv, struct strbuf *out);

#endif
