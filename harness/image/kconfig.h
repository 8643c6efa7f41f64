/*
 * kconfig: pure handling of kernel config fragments and .config files.
 * Parses fragments (CONFIG_X=y, CONFIG_X="str", # CONFIG_X is not set), merges them
 * (a later fragment overrides an earlier one), writes the merged fragment, and checks
 * that every requested symbol survived into the final .config, the way the kernel's
 * merge_config.sh does, but naming file:line of the request. No I/O but what the
 * caller hands in; diagnostics go into a strbuf. Depends on strbuf.
 */
#ifndef KDIVE_KCONFIG_H
#define KDIVE_KCONFIG_H

#include "strbuf.h"

/* One requested symbol. */
struct kconfig_sym {
	char *name;  /* "CONFIG_FOO"; owned */
	char *value; /* "y", "m", "n", "123", "0x10" or "\"text\"" (quotes kept); owned */
	char *file;  /* fragment it came from; owned */
	int line;    /* 1-based line in that fragment */
};

/* A merged set of requests, in first-seen order. */
struct kconfig_frag {
	struct kconfig_sym *syms; /* the requests; owned */
	size_t nr, alloc;         /* used and allocated entries */
};

#define KCONFIG_FRAG_INIT { NULL, 0, 0 }

/*
 * Parse one fragment's text (file is used in messages) and merge it into f.
 * Returns 0, or -1 with "FILE:LINE:COL: message" lines appended to err (every bad line
 * is reported, nothing of a bad fragment is merged).
 */
int kconfig_parse(struct kconfig_frag *f, const char *file, const char *text, struct strbuf *err);

/* Write f as a fragment (the KCONFIG_ALLCONFIG input of allnoconfig). */
void kconfig_write(const struct kconfig_frag *f, struct strbuf *out);

/*
 * Check every request of f against the text of a final .config. For each symbol that
 * did not survive, appends "FILE:LINE: CONFIG_X: requested V, got W" to report.
 * Returns the number of symbols that did not survive.
 */
int kconfig_verify(const struct kconfig_frag *f, const char *dotconfig, struct strbuf *report);

/*
 * Look a symbol up in .config text: returns its value as a new string ("n" for
 * "# CONFIG_X is not set"), or NULL when the symbol is absent.
 */
char *kconfig_lookup(const char *dotconfig, const char *name);

void kconfig_frag_release(struct kconfig_frag *f);

#endif
