/*
 * syscalls: parse the kernel's generated syscall table. Pure; strbuf and wrapper only.
 */
#define _GNU_SOURCE
#include "syscalls.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>

#define SYSCALLS_MAX 4096 /* far above x86-64's ~460; bounds what a bad file can make us allocate */

int syscalls_set(struct syscalls *t, size_t nr, const char *name, size_t len)
{
	if (len >= 4 && !strncmp(name, "sys_", 4)) {
		name += 4;
		len -= 4;
	}
	if (nr >= SYSCALLS_MAX || !len)
		return -1;
	if (nr >= t->nr) {
		t->names = xrealloc(t->names, (nr + 1) * sizeof(*t->names));
		memset(t->names + t->nr, 0, (nr + 1 - t->nr) * sizeof(*t->names));
		t->nr = nr + 1;
	}
	free(t->names[nr]);
	t->names[nr] = xstrndup(name, len);
	return 0;
}

int syscalls_parse(struct syscalls *t, const char *file, const char *text, struct strbuf *err)
{
	const char *p = text;
	size_t found = 0;
	while (*p) {
		const char *end = strchrnul(p, '\n');
		/* __SYSCALL(NR, sys_NAME) or __SYSCALL_NORETURN(NR, sys_NAME) */
		if (!strncmp(p, "__SYSCALL", 9)) {
			const char *q = strchr(p, '(');
			char *e;
			if (q && q < end) {
				long nr = strtol(q + 1, &e, 10);
				const char *name = e;
				while (*name == ',' || *name == ' ')
					name++;
				size_t len = strcspn(name, ") \n");
				if (e != q + 1 && nr >= 0 && len && name + len <= end &&
				    syscalls_set(t, (size_t)nr, name, len) == 0)
					found++;
			}
		}
		p = *end ? end + 1 : end;
	}
	if (!found) {
		strbuf_addf(err, "%s: no __SYSCALL(NR, sys_NAME) entries\n", file);
		return -1;
	}
	return 0;
}

int syscalls_find(const struct syscalls *t, const char *name)
{
	if (!strncmp(name, "sys_", 4))
		name += 4;
	if (!strcmp(name, "ni_syscall"))
		return -1;
	for (size_t i = 0; i < t->nr; i++)
		if (t->names[i] && !strcmp(t->names[i], name))
			return (int)i;
	for (size_t i = 0; i < t->nr; i++)
		if (t->names[i] && !strncmp(t->names[i], "new", 3) && !strcmp(t->names[i] + 3, name))
			return (int)i;
	return -1;
}

const char *syscalls_name(const struct syscalls *t, long nr)
{
	return nr >= 0 && (size_t)nr < t->nr ? t->names[nr] : NULL;
}

void syscalls_release(struct syscalls *t)
{
	for (size_t i = 0; i < t->nr; i++)
		free(t->names[i]);
	free(t->names);
	t->names = NULL;
	t->nr = 0;
}
