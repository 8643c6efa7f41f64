/*
 * shard: the rule of `kdive run --shard I/N` (shard.h says it). Depends on strbuf.
 */
#include "shard.h"

#include <errno.h>
#include <stdlib.h>

static int shard_number(const char *p, char **end, unsigned long *v)
{
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	*v = strtoul(p, end, 10);
	return errno ? -1 : 0;
}

int shard_parse(struct shard *s, const char *text, struct strbuf *err)
{
	unsigned long i, n;
	char *end;

	if (shard_number(text, &end, &i) || *end != '/' ||
	    shard_number(end + 1, &end, &n) || *end) {
		strbuf_addf(err, "--shard needs I/N (shard I of N, 1 <= I <= N <= %d), not '%s'",
			    SHARD_MAX, text);
		return -1;
	}
	if (n < 1 || n > SHARD_MAX || i < 1 || i > n) {
		strbuf_addf(err, "--shard %s: I must be 1 to N and N 1 to %d", text, SHARD_MAX);
		return -1;
	}
	s->index = (unsigned)i;
	s->count = (unsigned)n;
	return 0;
}

int shard_owns(const struct shard *s, size_t t)
{
	return !s->count || t % s->count + 1 == s->index;
}
