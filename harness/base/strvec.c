/*
 * strvec: argv vectors (strvec.h). Depends on wrapper, strbuf and quote.
 */
#include "strvec.h"
#include "quote.h"
#include "strbuf.h"
#include "wrapper.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *strvec_empty[1];

void strvec_init(struct strvec *sv)
{
	sv->v = strvec_empty;
	sv->nr = 0;
	sv->alloc = 0;
}

void strvec_push(struct strvec *sv, const char *s)
{
	if (sv->nr + 2 > sv->alloc) {
		size_t n = sv->alloc ? sv->alloc * 2 : 8;
		const char **v = sv->alloc ? (const char **)sv->v : NULL;
		sv->v = xrealloc(v, n * sizeof(*v));
		sv->alloc = n;
	}
	sv->v[sv->nr++] = xstrdup(s);
	sv->v[sv->nr] = NULL;
}

void strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strvec_push(sv, sb.buf);
	strbuf_release(&sb);
}

void strvec_pushl(struct strvec *sv, ...)
{
	va_list ap;
	const char *s;
	va_start(ap, sv);
	while ((s = va_arg(ap, const char *)))
		strvec_push(sv, s);
	va_end(ap);
}

void strvec_clear(struct strvec *sv)
{
	if (sv->alloc) {
		for (size_t i = 0; i < sv->nr; i++)
			free((char *)sv->v[i]);
		free(sv->v);
	}
	strvec_init(sv);
}

void strvec_join_display(const struct strvec *sv, struct strbuf *out)
{
	for (size_t i = 0; i < sv->nr; i++) {
		const char *s = sv->v[i];
		if (i)
			strbuf_addch(out, ' ');
		if (*s && !strpbrk(s, " \t\n'\"\\$`*?;&|<>()#~")) {
			strbuf_addstr(out, s);
			continue;
		}
		quote_sh(out, s);
	}
}
