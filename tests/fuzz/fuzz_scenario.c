/*
 * libFuzzer target for the scenario parser: any bytes (NUL bytes, huge lines,
 * invalid UTF-8 included) must parse or fail with "FILE:LINE:COL: message" lines,
 * never crash, never leak. A parsed scenario is checked for the invariants the rest
 * of kdive relies on, the messages of a failed parse for their form, and the
 * NUL-terminated entry point must agree with the length-counted one.
 *
 *   make -f tests/fuzz/fuzz.mk O=build fuzz-scenario   (tests/fuzz/fuzz.mk builds it)
 *   build/fuzz/fuzz_scenario -max_total_time=60 -max_len=4096
 */
#include "scenario.h"
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

/* Every message line is "fuzz.scn:LINE:COL: text" with LINE and COL >= 1. */
static void check_messages(const char *err, size_t len)
{
	const char *p = err, *end = err + len;
	check(len > 0 && err[len - 1] == '\n');
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		check(nl != NULL);
		check(!strncmp(p, "fuzz.scn:", 9));
		char *q;
		long line = strtol(p + 9, &q, 10);
		check(line >= 1 && *q == ':');
		long col = strtol(q + 1, &q, 10);
		check(col >= 1 && *q == ':' && q[1] == ' ' && q + 2 < nl);
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario sc;
	struct strbuf err = STRBUF_INIT;
	const char *text = (const char *)data;

	if (scenario_parse_buf(&sc, "fuzz.scn", text, size, &err) == 0) {
		check(err.len == 0);
		check(sc.program && *sc.program && sc.name && sc.file);
		for (size_t i = 0; i < sc.nstops; i++) {
			const struct scenario_stop *st = &sc.stops[i];
			check(st->location && *st->location && st->line >= 1);
			check(!st->nframes || st->has_frames);
			check(!st->nuser || (st->has_user && st->space == SCENARIO_KERNEL));
			for (size_t k = 0; k < st->nchecks; k++)
				check(st->checks[k].name && st->checks[k].text &&
				      st->checks[k].col >= 1);
		}
		/* steps: a name once, a title, found by their name */
		for (size_t i = 0; i < sc.nsteps; i++) {
			const struct scenario_step *sp = &sc.steps[i];
			check(sp->name && *sp->name && sp->title && *sp->title && sp->line >= 1);
			check(scenario_step_find(&sc, sp->name) == sp);
		}
		scenario_release(&sc);
	} else {
		check_messages(err.buf, err.len);
		check(sc.nstops == 0 && sc.stops == NULL && sc.program == NULL);
		check(sc.nsteps == 0 && sc.steps == NULL);
	}
	/* the NUL-terminated entry point agrees on inputs without NUL bytes */
	if (!memchr(data, 0, size)) {
		char *copy = malloc(size + 1);
		struct strbuf err2 = STRBUF_INIT;
		memcpy(copy, data, size);
		copy[size] = '\0';
		int r = scenario_parse(&sc, "fuzz.scn", copy, &err2);
		check((r == 0) == (err.len == 0));
		check(err2.len == err.len && !memcmp(err2.buf, err.buf, err.len));
		if (!r)
			scenario_release(&sc);
		strbuf_release(&err2);
		free(copy);
	}
	strbuf_release(&err);
	return 0;
}
