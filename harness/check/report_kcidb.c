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
 * kernel, a test per scenario (path kdive.NAME) and one per stop (kdive.NAME.LOCATION).
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
	kc_test(r, id.buf, build.buf, path.buf, res->status, report_scenario_ms(res), res->reason,
		res->run && res->run->error ? res->run->error : NULL, res, NULL);
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
