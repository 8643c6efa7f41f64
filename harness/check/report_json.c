/*
 * report_json: the JSON report, the stable interface for scripts (docs/result.schema.json describes it), written with json.c.
 * Part of report (report.h, the private report_int.h).
 */
#include "report_int.h"
#include "json.h"
#include "sha256.h"
#include "timeutil.h"
#include "wrapper.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON (json.c writes it) ---- */

static void jr_counts(struct report *r, const char *key, const size_t c[MATCH_NSTATUS])
{
	json_open(&r->json, key, '{');
	for (int s = 0; s < MATCH_NSTATUS; s++)
		json_int(&r->json, match_status_name((enum match_status)s), (int64_t)c[s]);
	json_close(&r->json);
}

static void jr_guard(struct report *r, const struct guard *g)
{
	struct strbuf sb = STRBUF_INIT;
	guard_format(g, &sb);
	json_str(&r->json, "guard", sb.len ? sb.buf : NULL);
	strbuf_release(&sb);
}

static void jr_expected_frames(struct report *r, const char *key, const char *version,
			       const struct scenario_frame *f, size_t n)
{
	json_open(&r->json, key, '[');
	for (size_t i = 0; i < n; i++) {
		json_open(&r->json, NULL, '{');
		json_str(&r->json, "func", f[i].func ? f[i].func : "...");
		json_str(&r->json, "file", f[i].file);
		json_bool(&r->json, "inlined", f[i].inlined);
		json_bool(&r->json, "optional", f[i].optional);
		jr_guard(r, &f[i].guard);
		/* whether its guard holds for this run's kernel */
		json_bool(&r->json, "applies", guard_holds(&f[i].guard, version));
		json_int(&r->json, "line", f[i].line);
		json_close(&r->json);
	}
	json_close(&r->json);
}

static void jr_begin(struct report *r)
{
	json_init(&r->json, r->out, 1);
	json_open(&r->json, NULL, '{');
	json_int(&r->json, "schema", 1);
	json_open(&r->json, "scenarios", '[');
}

static void jr_stop(struct report *r, const struct match_result *res, size_t i)
{
	const struct match_stop *ms = &res->stops[i];
	const struct scenario_stop *st = ms->stop;
	const struct obs_stop *o = ms->obs;
	int hit = o && o->hit;

	json_open(&r->json, NULL, '{');
	json_str(&r->json, "title", ms->title);
	json_str(&r->json, "location", st->location);
	json_str(&r->json, "space", st->space == SCENARIO_USER ? "user" : "kernel");
	json_str(&r->json, "syscall", st->syscall);
	json_bool(&r->json, "finish", st->finish);
	json_bool(&r->json, "never", st->never);
	json_str(&r->json, "condition", st->cond);
	json_int(&r->json, "line", st->line);
	jr_guard(r, &st->guard);
	json_str(&r->json, "result", match_status_name(ms->status));
	json_str(&r->json, "reason", ms->reason);
	json_bool(&r->json, "reached", hit);
	json_ms(&r->json, "ms", hit ? o->ms : -1);
	obs_frames_write(&r->json, "frames", hit ? o->frames : NULL, hit ? o->nframes : 0);
	obs_frames_write(&r->json, "user_frames", hit ? o->user : NULL, hit ? o->nuser : 0);
	if (st->has_frames) {
		jr_expected_frames(r, "expected_frames", res->kernel_version, st->frames, st->nframes);
		json_str(&r->json, "frames_result", match_status_name(ms->frames.status));
	}
	if (st->has_user) {
		jr_expected_frames(r, "expected_user_frames", res->kernel_version, st->user,
				   st->nuser);
		json_str(&r->json, "user_frames_result", match_status_name(ms->user.status));
	}
	json_open(&r->json, "checks", '[');
	for (size_t k = 0; k < ms->nchecks; k++) {
		const struct match_check *mc = &ms->checks[k];
		const struct scenario_check *c = mc->check;
		json_open(&r->json, NULL, '{');
		json_str(&r->json, "text", c->text);
		json_str(&r->json, "name", c->name);
		json_str(&r->json, "op", guard_op_name(c->op));
		/* as written: -ENOENT signed, an address or flags unsigned (match compares so) */
		if (c->is_signed)
			json_int(&r->json, "expected", c->value);
		else
			json_uint(&r->json, "expected", (uint64_t)c->value);
		json_hex(&r->json, "expected_hex", (uint64_t)c->value);
		if (mc->got && mc->got->ok) {
			json_int(&r->json, "actual", mc->got->value);
			json_hex(&r->json, "actual_hex", (uint64_t)mc->got->value);
		} else {
			json_str(&r->json, "actual", NULL);
			json_str(&r->json, "actual_hex", NULL);
		}
		json_str(&r->json, "error", mc->got && !mc->got->ok ? mc->got->error : NULL);
		json_str(&r->json, "result", match_status_name(mc->status));
		json_str(&r->json, "message", mc->message);
		json_int(&r->json, "line", c->line);
		jr_guard(r, &c->guard);
		json_close(&r->json);
	}
	json_close(&r->json);
	json_str(&r->json, "diff", ms->diff);
	json_close(&r->json);
}

/* TAP tests as an array of {"name", "number", "result", "directive", "subtests"}. */
static void jr_tap(struct report *r, const char *key, const struct tap_test *t, size_t n)
{
	json_open(&r->json, key, '[');
	for (size_t i = 0; i < n; i++) {
		json_open(&r->json, NULL, '{');
		json_str(&r->json, "name", t[i].name);
		json_int(&r->json, "number", t[i].number);
		json_str(&r->json, "result", tap_status_name(t[i].status));
		json_str(&r->json, "directive", t[i].directive);
		json_str(&r->json, "reason", t[i].reason);
		json_bool(&r->json, "missing", t[i].missing);
		jr_tap(r, "subtests", t[i].subtests, t[i].nsubtests);
		json_close(&r->json);
	}
	json_close(&r->json);
}

/* The verdict on the program itself: its status and output, and what was expected. */
static void jr_program(struct report *r, const struct match_result *res)
{
	const struct match_program *mp = &res->program;
	const struct obs_run *run = res->run;

	json_open(&r->json, "program_result", '{');
	if (mp->exit_status >= 0)
		json_int(&r->json, "exit_status", mp->exit_status);
	else
		json_nil(&r->json, "exit_status");
	if (mp->exit_expected >= 0)
		json_int(&r->json, "expected_exit", mp->exit_expected);
	else
		json_nil(&r->json, "expected_exit");
	json_str(&r->json, "exit_result", match_status_name(mp->exit_result));
	json_str(&r->json, "output", run ? run->program_output : NULL);
	json_bool(&r->json, "output_truncated", run && run->output_truncated);
	json_open(&r->json, "outputs", '[');
	for (size_t i = 0; i < mp->noutputs; i++) {
		const struct scenario_output *o = mp->outputs[i].expect;
		json_open(&r->json, NULL, '{');
		json_str(&r->json, "text", o->text);
		json_bool(&r->json, "negate", o->negate);
		json_int(&r->json, "line", o->line);
		json_str(&r->json, "result", match_status_name(mp->outputs[i].status));
		json_close(&r->json);
	}
	json_close(&r->json);
	json_str(&r->json, "tap_result", mp->has_tap ? match_status_name(mp->tap_result) : NULL);
	if (mp->has_tap && mp->judged)
		jr_tap(r, "tap", mp->tap.tests, mp->tap.ntests);
	else
		json_nil(&r->json, "tap");
	json_str(&r->json, "reason", mp->reason);
	json_close(&r->json);
}

static void jr_scenario(struct report *r, const struct match_result *res)
{
	const struct scenario *sc = res->sc;
	const struct obs_run *run = res->run;

	json_open(&r->json, NULL, '{');
	json_str(&r->json, "name", sc->name);
	json_str(&r->json, "file", sc->file);
	json_str(&r->json, "result", match_status_name(res->status));
	json_str(&r->json, "reason", res->reason);
	json_str(&r->json, "error", run ? run->error : NULL);
	json_str(&r->json, "kernel_version", res->kernel_version);
	if (res->kernel) {
		json_open(&r->json, "kernel", '{');
		json_str(&r->json, "name", res->kernel->name);
		json_str(&r->json, "version", res->kernel->version);
		json_str(&r->json, "source", res->kernel->source);
		json_str(&r->json, "config_key", res->kernel->key);
		json_str(&r->json, "source_id", res->kernel->source_id);
		json_str(&r->json, "commit", res->kernel->commit);
		json_str(&r->json, "package", res->kernel->package);
		json_str(&r->json, "package_version", res->kernel->package_version);
		json_str(&r->json, "build_error", res->kernel->build_error);
		json_close(&r->json);
	}
	if (run) {
		json_bool(&r->json, "kaslr", run->kaslr);
		json_hex(&r->json, "kaslr_slide", run->kaslr_slide);
		json_bool(&r->json, "restored", run->restored);
		if (run->kaslr && run->kaslr_slot >= 0)
			json_int(&r->json, "kaslr_slot", run->kaslr_slot);
		else
			json_nil(&r->json, "kaslr_slot");
		json_int(&r->json, "cpus", run->cpus ? run->cpus : 1);
	}
	json_str(&r->json, "program", sc->program);
	json_open(&r->json, "args", '[');
	for (size_t i = 0; i < sc->args.nr; i++)
		json_str(&r->json, NULL, sc->args.v[i]);
	json_close(&r->json);
	if (sc->lstar) {
		json_open(&r->json, "lstar", '{');
		json_str(&r->json, "expected", sc->lstar);
		json_str(&r->json, "actual", run ? run->lstar_symbol : NULL);
		if (run && run->lstar_symbol)
			json_hex(&r->json, "value", run->lstar_value);
		else
			json_str(&r->json, "value", NULL);
		json_str(&r->json, "result", match_status_name(res->lstar_status));
		json_str(&r->json, "diff", res->lstar_diff);
		json_close(&r->json);
	}
	jr_program(r, res);
	json_open(&r->json, "stops", '[');
	for (size_t i = 0; i < res->nstops; i++)
		jr_stop(r, res, i);
	json_close(&r->json);
	json_open(&r->json, "summary", '{');
	jr_counts(r, "stops", res->counts.stops);
	jr_counts(r, "checks", res->counts.checks);
	json_close(&r->json);
	json_open(&r->json, "timings", '{');
	json_ms(&r->json, "boot_ms", run && run->boot_ms > 0 ? run->boot_ms : -1);
	json_ms(&r->json, "total_ms", report_scenario_ms(res));
	json_close(&r->json);
	json_close(&r->json);
}

static void jr_end(struct report *r, const struct report_timings *t)
{
	json_close(&r->json); /* scenarios */
	if (r->opts.shard_json)
		json_raw(&r->json, "shard", r->opts.shard_json);
	json_open(&r->json, "summary", '{');
	json_int(&r->json, "scenarios", (int64_t)r->done);
	for (int s = 0; s < MATCH_NSTATUS; s++)
		json_int(&r->json, match_status_name((enum match_status)s), (int64_t)r->counts[s]);
	jr_counts(r, "stops", r->totals.stops);
	jr_counts(r, "checks", r->totals.checks);
	if (r->opts.exit_code)
		json_int(&r->json, "exit_code", r->opts.exit_code(r->counts));
	json_close(&r->json);
	json_open(&r->json, "timings", '{');
	json_ms(&r->json, "total_ms", t ? t->total_ms : -1);
	json_ms(&r->json, "build_ms", t ? t->build_ms : -1);
	json_ms(&r->json, "scenarios_ms", r->scenarios_ms);
	json_finish(&r->json);
}

const struct report_ops report_json_ops = { "json", jr_begin, jr_scenario, jr_end };
