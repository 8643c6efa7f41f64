/*
 * result_read: JSON reports read back into observations, judged again (result_read.h).
 * Depends on json, obs, match, scenario, strbuf and strvec.
 */
#include "result_read.h"
#include "json.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>

/* The reason match.c gives a stop whose capture failed, before gdb's words. */
static const char capture_failed[] = "capture failed: ";

static const struct json_value *member(const struct json_value *v, const char *key)
{
	return json_value_find(v, key);
}

static char *dup_str(const struct json_value *v)
{
	const char *s = json_value_str(v, NULL);
	return s ? xstrdup(s) : NULL;
}

/* An integer, or dflt when null or absent. */
static int64_t int_or(const struct json_value *v, int64_t dflt)
{
	int64_t x;
	return json_value_int(v, &x) ? dflt : x;
}

/* "0x..." as written by json_hex(), or 0. */
static uint64_t hex_of(const struct json_value *v)
{
	const char *s = json_value_str(v, NULL);
	return s ? strtoull(s, NULL, 16) : 0;
}

static int status_of(const struct json_value *v, enum match_status *st)
{
	const char *s = json_value_str(v, NULL);
	for (int i = 0; s && i < MATCH_NSTATUS; i++)
		if (!strcmp(s, match_status_name((enum match_status)i))) {
			*st = (enum match_status)i;
			return 0;
		}
	return -1;
}

static struct obs_frame *read_frames(const struct json_value *a, size_t *n)
{
	*n = json_value_count(a);
	struct obs_frame *f = *n ? xcalloc(*n, sizeof(*f)) : NULL;
	for (size_t i = 0; i < *n; i++) {
		const struct json_value *e = json_value_at(a, i);
		f[i].func = dup_str(member(e, "func"));
		f[i].file = dup_str(member(e, "file"));
		f[i].line = (int)int_or(member(e, "line"), 0);
		f[i].inlined = json_value_bool(member(e, "inlined")) == 1;
		f[i].addr = hex_of(member(e, "addr"));
	}
	return f;
}

/* One value per check name the stop captured (actual, or the error reading it). */
static void read_values(struct obs_stop *o, const struct json_value *checks)
{
	size_t n = json_value_count(checks);
	o->values = n ? xcalloc(n, sizeof(*o->values)) : NULL;
	for (size_t k = 0; k < n; k++) {
		const struct json_value *c = json_value_at(checks, k);
		const char *name = json_value_str(member(c, "name"), NULL);
		const char *err = json_value_str(member(c, "error"), NULL);
		int64_t v;
		int ok = !json_value_int(member(c, "actual"), &v);
		int seen = 0;
		for (size_t j = 0; name && j < o->nvalues; j++)
			seen |= !strcmp(o->values[j].name, name);
		if (!name || seen || (!ok && !err))
			continue;
		struct obs_value *ov = &o->values[o->nvalues++];
		ov->name = xstrdup(name);
		ov->ok = ok;
		ov->value = ok ? v : 0;
		ov->error = ok ? NULL : xstrdup(err);
	}
}

/*
 * The run's stops: up to the first that had no observation (a run that ended early
 * carries fewer stops than its scenario).
 */
static void read_stops(struct obs_run *run, const struct json_value *stops)
{
	size_t n = json_value_count(stops);
	run->stops = xcalloc(n + 1, sizeof(*run->stops));
	for (size_t i = 0; i < n; i++) {
		const struct json_value *s = json_value_at(stops, i);
		const char *reason = json_value_str(member(s, "reason"), NULL);
		enum match_status st = MATCH_PASS;
		if (reason && !strcmp(reason, "no observation for this stop"))
			break;
		struct obs_stop *o = &run->stops[run->nstops++];
		o->hit = json_value_bool(member(s, "reached")) == 1;
		o->ms = int_or(member(s, "ms"), 0);
		o->frames = read_frames(member(s, "frames"), &o->nframes);
		o->user = read_frames(member(s, "user_frames"), &o->nuser);
		read_values(o, member(s, "checks"));
		status_of(member(s, "result"), &st);
		if (st == MATCH_ERROR && reason &&
		    !strncmp(reason, capture_failed, sizeof(capture_failed) - 1))
			o->error = xstrdup(reason + sizeof(capture_failed) - 1);
	}
}

static void read_run(struct result_in *in, const struct json_value *s)
{
	struct obs_run *run = &in->run;
	const struct json_value *p = member(s, "program_result");
	const struct json_value *l = member(s, "lstar");
	const struct json_value *t = member(s, "timings");

	run->kernel_version = in->kernel_version ? xstrdup(in->kernel_version) : NULL;
	run->error = dup_str(member(s, "error"));
	run->kaslr = json_value_bool(member(s, "kaslr")) == 1;
	run->kaslr_slide = hex_of(member(s, "kaslr_slide"));
	run->restored = json_value_bool(member(s, "restored")) == 1;
	run->kaslr_slot = (int)int_or(member(s, "kaslr_slot"), -1);
	run->cpus = (int)int_or(member(s, "cpus"), 1);
	run->program_status = (int)int_or(member(p, "exit_status"), -1);
	run->program_output = dup_str(member(p, "output"));
	run->output_truncated = json_value_bool(member(p, "output_truncated")) == 1;
	run->lstar_symbol = dup_str(member(l, "actual"));
	run->lstar_value = hex_of(member(l, "value"));
	run->boot_ms = int_or(member(t, "boot_ms"), -1);
	run->total_ms = int_or(member(t, "total_ms"), -1);
	read_stops(run, member(s, "stops"));
}

static int read_result(struct result_in *in, const struct json_value *s, size_t i,
		       struct strbuf *err)
{
	static const char *const kkeys[RESULT_KSTR] = { "name", "version", "source",
		"config_key", "source_id", "commit", "package", "package_version", "build_error" };
	const struct json_value *k = member(s, "kernel");

	in->file = dup_str(member(s, "file"));
	if (!in->file || status_of(member(s, "result"), &in->status)) {
		strbuf_addf(err, "scenarios[%zu] has no \"file\" or no \"result\"", i);
		return -1;
	}
	in->program = dup_str(member(s, "program"));
	in->reason = dup_str(member(s, "reason"));
	in->kernel_version = dup_str(member(s, "kernel_version"));
	in->run.program_status = -1;
	/* A result of a run carries "kaslr"; one that never ran (a guard) does not. */
	in->ran = member(s, "kaslr") != NULL;
	if (in->ran)
		read_run(in, s);
	in->has_kernel = json_value_is(k, JSON_OBJECT);
	for (int j = 0; j < RESULT_KSTR; j++)
		in->kstr[j] = dup_str(member(k, kkeys[j]));
	in->kernel = (struct obs_kernel){
		.name = in->kstr[0], .version = in->kstr[1], .source = in->kstr[2],
		.key = in->kstr[3], .source_id = in->kstr[4], .commit = in->kstr[5],
		.package = in->kstr[6], .package_version = in->kstr[7],
		.build_error = in->kstr[8],
	};
	return 0;
}

static void read_plan(struct result_doc *d, const struct json_value *sh)
{
	const struct json_value *ks = member(sh, "kernels"), *fs = member(sh, "files");
	d->shard_index = (unsigned)int_or(member(sh, "index"), 0);
	d->shard_count = (unsigned)int_or(member(sh, "count"), 0);
	for (size_t i = 0; i < json_value_count(ks); i++)
		strvec_push(&d->plan_kernels, json_value_str(json_value_at(ks, i), NULL) ?: "");
	for (size_t i = 0; i < json_value_count(fs); i++)
		strvec_push(&d->plan_files, json_value_str(json_value_at(fs, i), NULL) ?: "");
}

int result_doc_read(struct result_doc *d, const char *text, size_t len, struct strbuf *err)
{
	struct json_error je;
	struct json_value *v;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	strvec_init(&d->plan_kernels);
	strvec_init(&d->plan_files);
	v = json_parse(text, len, &je);
	if (!v) {
		strbuf_addf(err, "not JSON: %s (column %zu)", je.message, je.column);
		return -1;
	}
	const struct json_value *sc = member(v, "scenarios");
	int64_t schema;
	if (json_value_int(member(v, "schema"), &schema) || schema != 1 ||
	    !json_value_is(sc, JSON_ARRAY)) {
		strbuf_addstr(err, "not a kdive result (kdive run --format json): no \"schema\": 1 "
			      "and \"scenarios\"");
		goto out;
	}
	d->n = json_value_count(sc);
	d->res = xcalloc(d->n + 1, sizeof(*d->res));
	for (size_t i = 0; i < d->n; i++)
		if (read_result(&d->res[i], json_value_at(sc, i), i, err))
			goto out;
	d->total_ms = int_or(member(member(v, "timings"), "total_ms"), -1);
	d->build_ms = int_or(member(member(v, "timings"), "build_ms"), -1);
	read_plan(d, member(v, "shard"));
	rc = 0;
out:
	json_value_free(v);
	return rc;
}

void result_doc_release(struct result_doc *d)
{
	for (size_t i = 0; d->res && i < d->n; i++) {
		struct result_in *in = &d->res[i];
		free(in->file);
		free(in->program);
		free(in->reason);
		free(in->kernel_version);
		obs_run_release(&in->run);
		for (int j = 0; j < RESULT_KSTR; j++)
			free(in->kstr[j]);
	}
	free(d->res);
	strvec_clear(&d->plan_kernels);
	strvec_clear(&d->plan_files);
	memset(d, 0, sizeof(*d));
}

static int same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

int result_in_judge(const struct result_in *in, const struct scenario *sc,
		    struct match_result *res, struct strbuf *err)
{
	if (in->has_kernel && in->kernel.build_error)
		match_error(res, sc, &in->run);
	else if (in->ran)
		match_run(res, sc, &in->run, in->kernel_version);
	else
		match_skip(res, sc, in->reason);
	res->kernel = in->has_kernel ? &in->kernel : NULL;
	if (!same(in->program, sc->program)) {
		strbuf_addf(err, "%s: the run ran program '%s', the file says '%s' (a run with "
			    "--program is not merged)", in->file, in->program ? in->program : "",
			    sc->program ? sc->program : "");
		return -1;
	}
	if (res->status != in->status || !same(res->reason, in->reason)) {
		strbuf_addf(err, "%s: judged again it is %s, the run said %s: the file changed "
			    "since the run", in->file, match_status_name(res->status),
			    match_status_name(in->status));
		return -1;
	}
	return 0;
}

void result_plan_json(struct strbuf *out, unsigned index, unsigned count,
		      const char *const *kernels, size_t nkernels,
		      const char *const *files, size_t nfiles)
{
	struct json j;
	json_init(&j, out, 0);
	json_open(&j, NULL, '{');
	json_int(&j, "index", index);
	json_int(&j, "count", count);
	json_open(&j, "kernels", '[');
	for (size_t i = 0; i < nkernels; i++)
		json_str(&j, NULL, kernels[i]);
	json_close(&j);
	json_open(&j, "files", '[');
	for (size_t i = 0; i < nfiles; i++)
		json_str(&j, NULL, files[i]);
	json_close(&j);
	json_close(&j);
	/* json_finish() would end the text with a newline; json_raw() wants one value. */
}
