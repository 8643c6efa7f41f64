/*
 * syscalls: the kernel's own system-call table, read from the build's generated
 * arch/x86/include/generated/asm/syscalls_64.h ("__SYSCALL(56, sys_clone)") or filled
 * from a vmlinux's sys_call_table (kernel.c), so that
 * scenarios name syscalls and kdive never carries a hard-coded list that could
 * disagree with the kernel under test. Pure; depends on strbuf.
 */
#ifndef KDIVE_SYSCALLS_H
#define KDIVE_SYSCALLS_H

#include "strbuf.h"

struct syscalls {
	char **names; /* names[nr] without "sys_" ("clone"), NULL for holes; owned */
	size_t nr;    /* entries (highest number + 1) */
};

#define SYSCALLS_INIT { NULL, 0 }

/*
 * Name number nr (len bytes of name, a "sys_" prefix dropped), replacing any name.
 * Returns 0, or -1 with t unchanged when nr is too large (4096 or more) or nothing of
 * the name is left ("sys_" alone).
 */
int syscalls_set(struct syscalls *t, size_t nr, const char *name, size_t len);
/* Parse the header's text. 0, or -1 with "FILE: message" in err (no entry found). */
int syscalls_parse(struct syscalls *t, const char *file, const char *text, struct strbuf *err);
/*
 * The number of a syscall by name ("clone", or with its sys_ prefix; "stat" also
 * finds the kernel's "newstat"), or -1. ni_syscall is not a name to look up.
 */
int syscalls_find(const struct syscalls *t, const char *name);
/* The name of number nr, or NULL. */
const char *syscalls_name(const struct syscalls *t, long nr);
void syscalls_release(struct syscalls *t);

#endif
