/*
 * match_program: the verdict on the program itself, apart from its stops: its exit
 * status against `exit N`, what it printed against `output contains|lacks TEXT`, and
 * its TAP (tap.c) against `tap`. Part of match (match.h). Depends on scenario, obs,
 * tap, strbuf and wrapper.
 */
#include "match.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>

/* Bytes of the output's tail quoted in a reason. */
#define TAIL_IN_REASON 60

void match_output_tail(struct strbuf *sb, const char *output, size_t max_lines)
{
	size_t n = output ? strlen(output) : 0, start = n, lines = 0;
	if (!n)
		return;
	if (output[start - 1] == '\n')
		start--;
	while (start > 0 && n - start < 4000) {
		if (output[start - 1] == '\n' && ++lines == max_lines)
			break;
		start--;
	}
	strbuf_add(sb, output + start, n - start);
}

/* "; it ends: '...'": the last bytes of the output on one line, for a reason. */
static void add_tail(struct strbuf *sb, const char *output)
{
	size_t n = output ? strlen(output) : 0;
	while (n && (output[n - 1] == '\n' || output[n - 1] == ' '))
		n--;
	if (!n) {
		strbuf_addstr(sb, " (the program printed nothing)");
		return;
	}
	size_t start = n > TAIL_IN_REASON ? n - TAIL_IN_REASON : 0;
	strbuf_addstr(sb, "; it ends: '");
	if (start)
		strbuf_addstr(sb, "...");
	for (size_t i = start; i < n; i++)
		strbuf_addch(sb, output[i] == '\n' || output[i] == '\t' ? ' ' : output[i]);
	strbuf_addch(sb, '\'');
}

/* Record a failure: the first one becomes the reason. */
static void failed(struct match_program *mp, struct strbuf *why)
{
	if (!mp->nfailed++)
		mp->reason = strbuf_detach(why, NULL);
	strbuf_release(why);
}

static void judge_exit(struct match_program *mp, const struct scenario *sc)
{
	struct strbuf why = STRBUF_INIT;
	if (mp->exit_expected < 0)
		return;
	if (mp->exit_status == mp->exit_expected) {
		mp->exit_result = MATCH_PASS;
		return;
	}
	mp->exit_result = MATCH_FAIL;
	if (sc->exit_line) /* else --program's own: exit 0 */
		strbuf_addf(&why, "line %d: ", sc->exit_line);
	if (mp->exit_status < 0)
		strbuf_addf(&why, "the program never ended (expected exit status %d)",
			    mp->exit_expected);
	else if (mp->exit_status > 128)
		strbuf_addf(&why, "the program exited with status %d (killed by signal %d), "
			    "expected %d", mp->exit_status, mp->exit_status - 128, mp->exit_expected);
	else
		strbuf_addf(&why, "the program exited with status %d, expected %d",
			    mp->exit_status, mp->exit_expected);
	failed(mp, &why);
}

static void judge_outputs(struct match_program *mp, const struct scenario *sc,
			  const struct obs_run *run)
{
	for (size_t i = 0; i < sc->noutputs; i++) {
		const struct scenario_output *o = &sc->outputs[i];
		struct strbuf why = STRBUF_INIT;
		int found = run->program_output && strstr(run->program_output, o->text);
		mp->outputs[i].status = found != o->negate ? MATCH_PASS : MATCH_FAIL;
		if (mp->outputs[i].status == MATCH_PASS)
			continue;
		strbuf_addf(&why, "line %d: the program's output %s '%s'", o->line,
			    o->negate ? "contains" : "lacks", o->text);
		if (!o->negate)
			add_tail(&why, run->program_output);
		failed(mp, &why);
	}
}

void match_program_judge(struct match_program *mp, const struct scenario *sc,
			 const struct obs_run *run)
{
	memset(mp, 0, sizeof(*mp));
	mp->tap.plan = -1;
	mp->exit_expected = sc->exit_status;
	mp->exit_status = run ? run->program_status : -1;
	mp->exit_result = MATCH_SKIP;
	mp->tap_result = MATCH_SKIP;
	mp->has_tap = sc->tap;
	mp->noutputs = sc->noutputs;
	mp->outputs = xcalloc(sc->noutputs + 1, sizeof(*mp->outputs));
	for (size_t i = 0; i < sc->noutputs; i++) {
		mp->outputs[i].expect = &sc->outputs[i];
		mp->outputs[i].status = MATCH_SKIP;
	}
	if (!run || run->error || !scenario_has_program_verdict(sc))
		return;
	mp->judged = 1;
	judge_exit(mp, sc);
	judge_outputs(mp, sc, run);
	if (sc->tap) {
		struct strbuf why = STRBUF_INIT;
		tap_parse(&mp->tap, run->program_output);
		strbuf_addf(&why, "line %d: ", sc->tap_line);
		if (tap_doc_failed(&mp->tap, &why)) {
			mp->tap_result = MATCH_FAIL;
			failed(mp, &why);
		} else {
			mp->tap_result = MATCH_PASS;
			strbuf_release(&why);
		}
	}
}

void match_program_release(struct match_program *mp)
{
	free(mp->outputs);
	free(mp->reason);
	tap_doc_release(&mp->tap);
	memset(mp, 0, sizeof(*mp));
}
