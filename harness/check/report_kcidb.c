/*
 * report_kcidb: the KCIDB report, KernelCI's common results database (I/O schema v5): checkouts, builds and tests.
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

/* ---- KCIDB: KernelCI's common results database, I/O schema v5 ---- */

/*
 * One submission: a checkout (the kernel source) and a build (its configuration) per
 * kernel, a test per scenario (path kdive.NAME) and one per stop (kdive.NAME.LOCATION);
 * for what the scenario expects of its program, kdive.NAME.exit, kdive.NAME.output-K,
 * kdive.NAME.tap and under it each of the program's TAP tests by name
 * (kdive.NAME.tap.SUITE.CASE); the end of the program's output as the scenario's
 * log_excerpt.
 * Ids are "kdive:..."; a test id carries the caller's run id, so that runs do not
 * collide in the database. Written compact, one JSON document.
 */
#define KC_ORIGIN "kdive"

/* path components: [A-Za-z0-9_-] only, anything else becomes '_'. */
static void kc_path_part(struct strbuf *out, const char *s)
{
	for (; s && *s; s++)
		strbuf_addch(out, (isalnum((unsigned char)*s) || *s == '_' || *s == '-') ? *s : '_');
}

static const char *kc_status(enum match_status s)
{
	static const char *const names[MATCH_NSTATUS] = {
		[MATCH_PASS] = "PASS", [MATCH_FAIL] = "FAIL", [MATCH_ERROR] = "ERROR",
		[MATCH_SKIP] = "SKIP",
	};
	return names[s];
}

/* A sha256-based short id of text. */
static void kc_hash(struct strbuf *out, const char *text)
{
	struct sha256 c;
	char hex[65];
	sha256_init(&c);
	sha256_update(&c, text, strlen(text));
	sha256_final_hex(&c, hex);
	strbuf_add(out, hex, 16);
}

/* The build id of res's kernel, its checkout and build written once. */
static void kc_kernel(struct report *r, const struct match_result *res, struct strbuf *build_id)
{
	const struct obs_kernel *k = res->kernel;
	const char *version = k && k->version ? k->version : res->kernel_version;
	struct strbuf checkout = STRBUF_INIT, ident = STRBUF_INIT;
	strbuf_addf(&ident, "%s|%s|%s", k && k->source ? k->source : "?", version ? version : "?",
		    k && k->key ? k->key : "");
	strbuf_addstr(build_id, KC_ORIGIN ":build-");
	kc_hash(build_id, ident.buf);
	for (size_t i = 0; i < r->kc_builds.nr; i++)
		if (!strcmp(r->kc_builds.v[i], build_id->buf))
			goto out;
	strvec_push(&r->kc_builds, build_id->buf);
	strbuf_addstr(&checkout, KC_ORIGIN ":checkout-");
	kc_hash(&checkout, k && k->source ? k->source : (version ? version : "?"));
	for (int o = 0; o < 2; o++) {
		struct json j;
		if (r->kc_objs[o].len)
			strbuf_addch(&r->kc_objs[o], ',');
		json_init(&j, &r->kc_objs[o], 0);
		json_open(&j, NULL, '{');
		json_str(&j, "id", o ? build_id->buf : checkout.buf);
		if (o)
			json_str(&j, "checkout_id", checkout.buf);
		json_str(&j, "origin", KC_ORIGIN);
		if (!o) {
			json_str(&j, "comment", k && k->source ? k->source : "the kernel's source");
		} else {
			json_str(&j, "architecture", "x86_64");
			json_str(&j, "config_name", k && k->key ? "kdive" : "prebuilt");
			json_str(&j, "status", "PASS");
			if (version)
				json_str(&j, "comment", version);
		}
		/* (The schema allows no null: what is unknown is left out.) */
		json_open(&j, "misc", '{');
		if (k && k->name)
			json_str(&j, "kernel", k->name);
		if (version)
			json_str(&j, "version", version);
		if (o && k && k->key)
			json_str(&j, "config_key", k->key);
		json_close(&j);
		json_close(&j);
		json_finish(&j);
		strbuf_rtrim(&r->kc_objs[o]);
	}
out:
	strbuf_release(&checkout);
	strbuf_release(&ident);
}

/* One test object into r->body. */
static void kc_test(struct report *r, const char *id, const char *build_id, const char *path,
		    enum match_status status, int64_t ms, const char *comment, const char *log,
		    const struct match_result *res, const struct match_stop *ms_stop)
{
	struct json j;
	if (r->body.len)
		strbuf_addch(&r->body, ',');
	json_init(&j, &r->body, 0);
	json_open(&j, NULL, '{');
	json_str(&j, "id", id);
	json_str(&j, "build_id", build_id);
	json_str(&j, "origin", KC_ORIGIN);
	json_str(&j, "path", path);
	json_str(&j, "status", kc_status(status));
	if (ms >= 0)
		json_seconds(&j, "duration", ms);
	if (comment)
		json_str(&j, "comment", comment);
	if (log) {
		size_t n = strlen(log);
		char *cut = xstrndup(log, n > 16000 ? 16000 : n); /* log_excerpt: at most 16384 */
		json_str(&j, "log_excerpt", cut);
		free(cut);
	}
	json_open(&j, "misc", '{');
	if (res->sc->file)
		json_str(&j, "scenario_file", res->sc->file);
	if (ms_stop) {
		json_str(&j, "stop", ms_stop->title);
		json_int(&j, "line", ms_stop->stop->line);
	} else if (res->sc->program) {
		json_str(&j, "program", res->sc->program);
	}
	json_close(&j);
	json_close(&j);
	json_finish(&j);
	strbuf_rtrim(&r->body);
}

/* The program's TAP tests under path (and id), each part made unique among siblings. */
static void kc_tap(struct report *r, const char *build, struct strbuf *id, struct strbuf *path,
		   const struct tap_test *t, size_t n, const struct match_result *res)
{
	static const enum match_status st[] = { [TAP_PASS] = MATCH_PASS, [TAP_FAIL] = MATCH_FAIL,
						[TAP_SKIP] = MATCH_SKIP };
	size_t id_len = id->len, path_len = path->len;
	for (size_t i = 0; i < n; i++) {
		size_t same = 0;
		strbuf_setlen(id, id_len);
		strbuf_addf(id, "-%zu", i + 1);
		strbuf_setlen(path, path_len);
		strbuf_addch(path, '.');
		kc_path_part(path, t[i].name);
		for (size_t k = 0; k < i; k++)
			same += !strcmp(t[k].name, t[i].name);
		if (same)
			strbuf_addf(path, "-%zu", same + 1);
		kc_test(r, id->buf, build, path->buf, st[t[i].status], -1,
			t[i].missing ? "never reported" : t[i].reason, NULL, res, NULL);
		kc_tap(r, build, id, path, t[i].subtests, t[i].nsubtests, res);
	}
	strbuf_setlen(id, id_len);
	strbuf_setlen(path, path_len);
}

/* The expectations on the program: NAME.exit, NAME.output-K, NAME.tap and its tests. */
static void kc_program(struct report *r, const char *build, struct strbuf *id,
		       struct strbuf *path, const struct match_result *res)
{
	const struct match_program *mp = &res->program;
	size_t id_len = id->len, path_len = path->len;
	if (!mp->judged)
		return;
	if (mp->exit_expected >= 0) {
		strbuf_addstr(id, "-exit");
		strbuf_addstr(path, ".exit");
		kc_test(r, id->buf, build, path->buf, mp->exit_result, -1,
			mp->exit_result == MATCH_FAIL ? mp->reason : NULL, NULL, res, NULL);
	}
	for (size_t i = 0; i < mp->noutputs; i++) {
		strbuf_setlen(id, id_len);
		strbuf_setlen(path, path_len);
		strbuf_addf(id, "-output-%zu", i + 1);
		strbuf_addf(path, ".output-%zu", i + 1);
		kc_test(r, id->buf, build, path->buf, mp->outputs[i].status, -1,
			mp->outputs[i].expect->text, NULL, res, NULL);
	}
	if (mp->has_tap) {
		strbuf_setlen(id, id_len);
		strbuf_setlen(path, path_len);
		strbuf_addstr(id, "-tap");
		strbuf_addstr(path, ".tap");
		kc_test(r, id->buf, build, path->buf, mp->tap_result, -1, NULL, NULL, res, NULL);
		kc_tap(r, build, id, path, mp->tap.tests, mp->tap.ntests, res);
	}
	strbuf_setlen(id, id_len);
	strbuf_setlen(path, path_len);
}

static void kc_begin(struct report *r)
{
	strbuf_init(&r->kc_objs[0], 0);
	strbuf_init(&r->kc_objs[1], 0);
	strvec_init(&r->kc_builds);
}

static void kc_scenario(struct report *r, const struct match_result *res)
{
	struct strbuf build = STRBUF_INIT, id = STRBUF_INIT, path = STRBUF_INIT;
	const char *run = r->opts.run_id ? r->opts.run_id : "run";
	kc_kernel(r, res, &build);
	strbuf_addf(&id, KC_ORIGIN ":%s-%zu", run, r->done);
	strbuf_addstr(&path, KC_ORIGIN ".");
	kc_path_part(&path, res->sc->name ? res->sc->name : "scenario");
	/* the log: the run's error, else the end of what the program printed */
	struct strbuf log = STRBUF_INIT;
	if (res->run && res->run->error)
		strbuf_addstr(&log, res->run->error);
	else if (res->run && res->status != MATCH_SKIP)
		match_output_tail(&log, res->run->program_output, 200);
	kc_test(r, id.buf, build.buf, path.buf, res->status, report_scenario_ms(res), res->reason,
		log.len ? log.buf : NULL, res, NULL);
	strbuf_release(&log);
	size_t scenario_id = id.len, scenario_path = path.len;
	for (size_t i = 0; i < res->nstops; i++) {
		const struct match_stop *ms = &res->stops[i];
		strbuf_setlen(&id, scenario_id);
		strbuf_addf(&id, "-%zu", i + 1);
		strbuf_setlen(&path, scenario_path);
		strbuf_addch(&path, '.');
		kc_path_part(&path, ms->stop->location);
		/* A test path names one test: a location stopped at again gets "-2", "-3"... */
		size_t same = 0;
		for (size_t k = 0; k < i; k++)
			same += !strcmp(res->stops[k].stop->location, ms->stop->location);
		if (same)
			strbuf_addf(&path, "-%zu", same + 1);
		kc_test(r, id.buf, build.buf, path.buf, ms->status, -1, ms->reason, ms->diff, res, ms);
	}
	strbuf_setlen(&id, scenario_id);
	strbuf_setlen(&path, scenario_path);
	kc_program(r, build.buf, &id, &path, res);
	strbuf_release(&build);
	strbuf_release(&id);
	strbuf_release(&path);
}

static void kc_end(struct report *r, const struct report_timings *t)
{
	(void)t;
	strbuf_addf(r->out, "{\"version\":{\"major\":5,\"minor\":3},\"checkouts\":[%s],\"builds\":[%s],"
			    "\"tests\":[%s]}\n", r->kc_objs[0].buf, r->kc_objs[1].buf, r->body.buf);
	strbuf_release(&r->kc_objs[0]);
	strbuf_release(&r->kc_objs[1]);
	strvec_clear(&r->kc_builds);
}

const struct report_ops report_kcidb_ops = { "kcidb", kc_begin, kc_scenario, kc_end };
