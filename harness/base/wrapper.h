/*
 * wrapper: allocation that cannot fail (xmalloc and friends: on exhaustion kdive
 * reports and aborts), and the two macros every file may want: ARRAY_SIZE and
 * coverage_flush. Depends on libc, and on strbuf for xstrfmt().
 */
#ifndef KDIVE_WRAPPER_H
#define KDIVE_WRAPPER_H

#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * make coverage builds with KDIVE_COVERAGE: gcov writes its counters at exit(), so a
 * way out that skips it (_exit() in a forked process, a signal re-raised to die by)
 * calls coverage_flush() first. Nothing in other builds.
 */
#ifdef KDIVE_COVERAGE
void __gcov_dump(void);
#define coverage_flush() __gcov_dump()
#else
#define coverage_flush() do { } while (0)
#endif

/* Report that n bytes could not be allocated, and abort. */
void die_oom(size_t n);

/* Allocation that cannot fail: on exhaustion it reports and aborts. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string; caller frees. */
char *xstrfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
