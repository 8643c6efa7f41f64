/*
 * libFuzzer target for kconfig fragments. An input is a fragment, optionally followed
 * by a NUL byte and the text of a .config. The fragment must parse or fail with one
 * "FILE:LINE:COL: message" per bad line and nothing merged; a parsed fragment must
 * survive its own round trip (kconfig_write, parsed again: the same requests, and
 * kconfig_verify finds none lost in it) and merging it again changes nothing. Verified
 * against the .config, the report has one "FILE:LINE: CONFIG_X: ..." line per lost
 * symbol. Never a crash, never a leak. Built and run by tests/fuzz/fuzz.mk.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "kconfig.h"
#include "strbuf.h"
#include "wrapper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FILE_NAME "fuzz.config"

static int valid_name(const char *s)
{
	if (strncmp(s, "CONFIG_", 7) || !s[7])
		return 0;
	for (s += 7; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* The report of kconfig_verify: lost lines "fuzz.config:LINE: CONFIG_X: requested ...". */
static void check_report(const struct strbuf *rep, int lost)
{
	const char *p = rep->buf;
	int lines = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		char *q;
		fuzz_check(nl && !strncmp(p, FILE_NAME ":", sizeof(FILE_NAME)));
		long line = strtol(p + sizeof(FILE_NAME), &q, 10);
		fuzz_check(line >= 1 && !strncmp(q, ": CONFIG_", 9) && strstr(q, ": requested "));
		lines++;
		p = nl + 1;
	}
	fuzz_check(lines == lost);
}

static void check_parsed(const struct kconfig_frag *f, const char *frag)
{
	struct kconfig_frag g = KCONFIG_FRAG_INIT;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT, rep = STRBUF_INIT;

	for (size_t i = 0; i < f->nr; i++) {
		const struct kconfig_sym *s = &f->syms[i];
		fuzz_check(valid_name(s->name) && s->value[0] && !strchr(s->value, '\n'));
		fuzz_check(!strcmp(s->file, FILE_NAME) && s->line >= 1);
		for (size_t k = 0; k < i; k++)
			fuzz_check(strcmp(f->syms[k].name, s->name)); /* merged: each name once */
	}
	/* Round trip: what kconfig_write makes parses back to the same requests... */
	kconfig_write(f, &out);
	fuzz_check(kconfig_parse(&g, FILE_NAME, out.buf, &err) == 0 && err.len == 0);
	fuzz_check(g.nr == f->nr);
	for (size_t i = 0; i < g.nr; i++) {
		fuzz_check(!strcmp(g.syms[i].name, f->syms[i].name));
		fuzz_check(!strcmp(g.syms[i].value, f->syms[i].value));
		fuzz_check(g.syms[i].line == (int)i + 1);
	}
	/* ...and, taken as a .config, keeps every one of them. */
	fuzz_check(kconfig_verify(f, out.buf, &rep) == 0 && rep.len == 0);
	/* Merging the same fragment again overrides each request with itself. */
	fuzz_check(kconfig_parse(&g, FILE_NAME, frag, &err) == 0 && err.len == 0);
	fuzz_check(g.nr == f->nr);
	kconfig_frag_release(&g);
	strbuf_release(&rep);
	strbuf_release(&err);
	strbuf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kconfig_frag f = KCONFIG_FRAG_INIT;
	struct strbuf err = STRBUF_INIT;
	const char *nul = memchr(data, 0, size);
	size_t flen = nul ? (size_t)(nul - (const char *)data) : size;
	char *frag = xstrndup((const char *)data, flen);
	char *dotconfig = nul ? xstrndup(nul + 1, size - flen - 1) : NULL;

	if (kconfig_parse(&f, FILE_NAME, frag, &err) < 0) {
		fuzz_check_line_messages(FILE_NAME, err.buf, err.len, frag);
		fuzz_check(f.nr == 0); /* nothing of a bad fragment is merged */
	} else {
		fuzz_check(err.len == 0);
		check_parsed(&f, frag);
	}
	if (dotconfig) {
		struct strbuf rep = STRBUF_INIT;
		int lost = kconfig_verify(&f, dotconfig, &rep);
		fuzz_check(lost >= 0 && (size_t)lost <= f.nr);
		check_report(&rep, lost);
		for (size_t i = 0; i < f.nr; i++)
			free(kconfig_lookup(dotconfig, f.syms[i].name));
		strbuf_release(&rep);
	}
	kconfig_frag_release(&f);
	strbuf_release(&err);
	free(dotconfig);
	free(frag);
	return 0;
}
