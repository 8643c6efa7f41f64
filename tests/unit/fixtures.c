/* Shared fixtures of the unit tests (no tests here). */
#include "fixtures.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>

struct obs_frame *fixture_frames(const char *spec, size_t *n, uint64_t base)
{
	size_t cap = 1;
	for (const char *p = spec ? spec : ""; *p; p++)
		cap += *p == '|';
	struct obs_frame *f = xcalloc(cap, sizeof(*f));
	*n = 0;
	while (spec && *spec) {
		const char *end = strchr(spec, '|');
		char *one = end ? xstrndup(spec, (size_t)(end - spec)) : xstrdup(spec);
		struct obs_frame *fr = &f[(*n)++];
		size_t len = strlen(one);
		if (len && one[len - 1] == '!') {
			fr->inlined = 1;
			one[--len] = '\0';
		}
		char *at = strchr(one, '@');
		if (at) {
			*at = '\0';
			char *colon = strrchr(at + 1, ':');
			if (colon) {
				*colon = '\0';
				fr->line = atoi(colon + 1);
			}
			fr->file = xstrdup(at + 1);
		}
		fr->func = xstrdup(one);
		fr->addr = base + *n;
		free(one);
		spec = end ? end + 1 : NULL;
	}
	return f;
}
