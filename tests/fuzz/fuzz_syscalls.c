/*
 * libFuzzer target for the syscall-table reader (syscalls_64.h text, up to the first
 * NUL byte). A table must parse or fail with the one "FILE: no __SYSCALL..." message
 * and nothing kept; a parsed table holds at most SYSCALLS_MAX entries, its highest
 * number named, every name non-empty and without the ") \n" that end it, and every
 * name is found again at the first number that has it (ni_syscall never).
 * Never a crash, never a leak. Built and run by tests/fuzz/fuzz.mk.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "syscalls.h"
#include "strbuf.h"
#include "wrapper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SYSCALLS_MAX 4096 /* syscalls.c's bound on what a bad file can make it allocate */

static void check_table(const struct syscalls *t)
{
	fuzz_check(t->nr >= 1 && t->nr <= SYSCALLS_MAX && t->names[t->nr - 1]);
	fuzz_check(!syscalls_name(t, -1) && !syscalls_name(t, (long)t->nr));
	for (size_t i = 0; i < t->nr; i++) {
		const char *n = t->names[i];
		fuzz_check(syscalls_name(t, (long)i) == n);
		if (!n)
			continue;
		fuzz_check(*n && !n[strcspn(n, ") \n")]);
		/* "sys_" + the name: syscalls_find drops exactly that prefix again. */
		char *q = xstrfmt("sys_%s", n);
		int nr = syscalls_find(t, q);
		free(q);
		if (!strcmp(n, "ni_syscall")) {
			fuzz_check(nr == -1);
			continue;
		}
		fuzz_check(nr >= 0 && (size_t)nr <= i && !strcmp(t->names[nr], n));
		for (int k = 0; k < nr; k++)
			fuzz_check(!t->names[k] || strcmp(t->names[k], n));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct syscalls t = SYSCALLS_INIT;
	struct strbuf err = STRBUF_INIT;
	char *text = xstrndup((const char *)data, size);

	if (syscalls_parse(&t, "fuzz.h", text, &err) < 0) {
		fuzz_check(!strcmp(err.buf, "fuzz.h: no __SYSCALL(NR, sys_NAME) entries\n"));
		fuzz_check(t.nr == 0 && !t.names);
	} else {
		fuzz_check(err.len == 0);
		check_table(&t);
	}
	syscalls_release(&t);
	strbuf_release(&err);
	free(text);
	return 0;
}
