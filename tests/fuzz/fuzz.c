/*
 * What the fuzz targets share (fuzz.h): the invariant check, the check of line
 * diagnostics, and cutting an input into pieces.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

void fuzz_check(int cond)
{
	if (!cond)
		abort();
}

size_t fuzz_chunk(uint32_t *seed, size_t max, size_t left)
{
	*seed = *seed * 1103515245u + 12345u;
	size_t n = 1 + (*seed >> 16) % max;
	return n > left ? left : n;
}

/* Length of line number lineno (from 1) of text, -1 when text has fewer lines. */
static long line_length(const char *text, long lineno)
{
	const char *p = text;
	for (long n = 1; *p; n++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (n == lineno)
			return (long)len;
		if (!nl)
			break;
		p = nl + 1;
	}
	return -1;
}

void fuzz_check_line_messages(const char *file, const char *err, size_t len, const char *text)
{
	const char *p = err, *end = err + len;
	size_t fl = strlen(file);
	long last = 0;
	fuzz_check(len > 0 && err[len - 1] == '\n');
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *q;
		fuzz_check(nl != NULL && !strncmp(p, file, fl) && p[fl] == ':');
		long line = strtol(p + fl + 1, &q, 10);
		fuzz_check(line > last && *q == ':');
		long col = strtol(q + 1, &q, 10);
		fuzz_check(col >= 1 && *q == ':' && q[1] == ' ' && q + 2 < nl);
		long ll = line_length(text, line);
		fuzz_check(ll >= 0 && col <= ll + 1);
		last = line;
		p = nl + 1;
	}
}
