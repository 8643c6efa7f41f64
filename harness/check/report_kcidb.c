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
 * log_excerpt. Written compact, one JSON document.
 *
 * Ids, so that KCIDB merges what is the same and only that (every one ORIGIN:...):
 *   checkout  ORIGIN:checkout-H(source_id): what the source is by content (a
 *             tarball's sha256, a git commit, a prebuilt image's sha256), whatever
 *             name or path the user gave it
 *   build     ORIGIN:build-H(source_id, config key): what was built from it (a
 *             prebuilt image: "prebuilt", its sha256 being its source_id)
 *   test      ORIGIN:RUN-N[-...]: RUN is the caller's run id (kdive run: 128 random
 *             bits), so runs on other hosts and in other PID namespaces never collide
 * H is the first 32 hex digits of a sha256. A kernel without a source_id (a caller
 * that knows none) falls back on its source and release.
 * A scenario that errored (kdive, QEMU or gdb failed, not the kernel) is MISS: in
 * KCIDB, ERROR says the test itself failed to run on a working harness. A kernel that
 * did not build is a build with status FAIL, its error and log's last lines as the
 * build's log_excerpt, and no test.
 */
#define KC_ORIGIN "kdive"

static const char *kc_origin(const struct report *r)
{
	return r->opts.origin ? r->opts.origin : KC_ORIGIN;
}

/* path components: [A-Za-z0-9_-] only, anything else becomes '_'. */
static void kc_path_part(struct strbuf *out, const char *s)
{
	for (; s && *s; s++)
		strbuf_addch(out, (isalnum((unsigned char)*s) || *s == '_' || *s == '-') ? *s : '_');
}

static const char *kc_status(enum match_status s)
{
	static const char *const names[MATCH_NSTATUS] = {
		[MATCH_PASS] = "PASS", [MATCH_FAIL] = "FAIL", [MATCH_ERROR] = "MISS",
		[MATCH_SKIP] = "SKIP",
	};
	return names[s];
}

/* ORIGIN:WHAT-H(text) onto out. */
static void kc_id(struct strbuf *out, const struct report *r, const char *what,
		  const char *text)
{
	struct sha256 c;
	char hex[65];
	sha256_init(&c);
	sha256_update(&c, text, strlen(text));
	sha256_final_hex(&c, hex);
	strbuf_addf(out, "%s:%s-%.32s", kc_origin(r), what, hex);
}

void report_kcidb_ids(const struct obs_kernel *k, const char *version, const char *origin,
		      struct strbuf *checkout, struct strbuf *build)
{
	struct report r = { .opts.origin = origin };
	struct strbuf ident = STRBUF_INIT;
	if (k && k->source_id)
		strbuf_addstr(&ident, k->source_id);
	else
		strbuf_addf(&ident, "%s|%s", k && k->source ? k->source : "?",
			    version ? version : "?");
	kc_id(checkout, &r, "checkout", ident.buf);
	strbuf_addf(&ident, "\nbuild %s", k && k->key ? k->key : "prebuilt");
	kc_id(build, &r, "build", ident.buf);
	strbuf_release(&ident);
}

/* 1 when id was written already (and remember it). */
static int kc_seen(struct report *r, const char *id)
{
	for (size_t i = 0; i < r->kc_builds.nr; i++)
		if (!strcmp(r->kc_builds.v[i], id))
			return 1;
	strvec_push(&r->kc_builds, id);
	return 0;
}

/* The checkout's or the build's misc. */
static void kc_misc(struct json *j, const struct obs_kernel *k, const char *version, int build)
{
	/* (The schema allows no null: what is unknown is left out.) */
	json_open(j, "misc", '{');
	if (k && k->name)
		json_str(j, "kernel", k->name);
	if (version)
		json_str(j, "version", version);
	if (k && k->source_id)
		json_str(j, "source_id", k->source_id);
	if (!build && k && k->package && k->package_version) {
		json_str(j, "package", k->package);
		json_str(j, "package_version", k->package_version);
	}
	if (build && k && k->key)
		json_str(j, "config_key", k->key);
	json_close(j);
}

/* The build id of res's kernel, its checkout and build written once. */
static void kc_kernel(struct report *r, const struct match_result *res, struct strbuf *build_id)
{
	const struct obs_kernel *k = res->kernel;
	const char *version = k && k->version ? k->version : res->kernel_version;
	struct strbuf checkout = STRBUF_INIT;
	struct json j;
	report_kcidb_ids(k, version, kc_origin(r), &checkout, build_id);
	if (!kc_seen(r, checkout.buf)) {
		if (r->kc_objs[0].len)
			strbuf_addch(&r->kc_objs[0], ',');
		json_init(&j, &r->kc_objs[0], 0);
		json_open(&j, NULL, '{');
		json_str(&j, "id", checkout.buf);
		json_str(&j, "origin", kc_origin(r));
		json_str(&j, "comment", k && k->source ? k->source : "the kernel's source");
		if (k && k->commit)
			json_str(&j, "git_commit_hash", k->commit);
		kc_misc(&j, k, version, 0);
		json_close(&j);
		json_finish(&j);
		strbuf_rtrim(&r->kc_objs[0]);
	}
	if (!kc_seen(r, build_id->buf)) {
		if (r->kc_objs[1].len)
			strbuf_addch(&r->kc_objs[1], ',');
		json_init(&j, &r->kc_objs[1], 0);
		json_open(&j, NULL, '{');
		json_str(&j, "id", build_id->buf);
		json_str(&j, "checkout_id", checkout.buf);
		json_str(&j, "origin", kc_origin(r));
		json_str(&j, "architecture", "x86_64");
		json_str(&j, "config_name", k && k->key ? "kdive" : "prebuilt");
		json_str(&j, "status", k && k->build_error ? "FAIL" : "PASS");
		if (version)
			json_str(&j, "comment", version);
		if (k && k->build_error) {
			struct strbuf why = STRBUF_INIT;
			report_build_failure(k, &why);
			json_str(&j, "log_excerpt", why.buf);
			strbuf_release(&why);
		}
		kc_misc(&j, k, version, 1);
		json_close(&j);
		json_finish(&j);
		strbuf_rtrim(&r->kc_objs[1]);
	}
	strbuf_release(&checkout);
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
	json_str(&j, "origin", kc_origin(r));
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
	if (status == MATCH_ERROR)
		json_str(&j, "kdive_status", "error"); /* MISS: kdive, QEMU or gdb failed */
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
	/* A kernel that did not build is its build's FAIL: no test ran on it. */
	if (res->kernel && res->kernel->build_error) {
		strbuf_release(&build);
		return;
	}
	strbuf_addf(&id, "%s:%s-%zu", kc_origin(r), run, r->done);
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
