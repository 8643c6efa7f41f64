/*
 * kdive merge: join the JSON results of shards (kdive run --shard I/N) or of separate
 * runs into one report in any format, the bytes one run of the whole matrix would have
 * written (timings and run ids aside). Each result is read back (result_read), judged
 * again against its scenario file, and written by report like run's.
 */
#include "cli.h"
#include "match.h"
#include "report.h"
#include "result_read.h"
#include "scenario.h"
#include "strbuf.h"
#include "strvec.h"
#include "usage.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Reports are read whole; a library of scenarios on many kernels stays far below. */
#define MERGE_MAX_BYTES (512u << 20)

/* The merged matrix: kernels and files in order, and which input holds each cell. */
struct merge {
	struct result_doc *docs;  /* one per input file; owned */
	char **paths;             /* the input files; not owned */
	size_t ndocs;
	struct strvec kernels;    /* the kernels' names, in the merged order */
	struct strvec files;      /* the scenario files, in the merged order */
	const struct result_in **cell; /* kernel * nfiles + file -> the result, or NULL */
	size_t *from;             /* and the input it came from */
};

static size_t merge_index(struct strvec *sv, const char *s)
{
	for (size_t i = 0; i < sv->nr; i++)
		if (!strcmp(sv->v[i], s))
			return i;
	strvec_push(sv, s);
	return sv->nr - 1;
}

static const char *result_kernel(const struct result_in *in)
{
	return in->kernel.name ? in->kernel.name :
	       in->kernel_version ? in->kernel_version : "";
}

/*
 * The order: the kernels and files of each input in turn (a shard's plan lists the
 * whole run's; an input without one lists those of its results, as they come), each
 * kept where it first appears. Then the results, kernel by kernel and file by file.
 */
static int merge_place(struct merge *m)
{
	for (size_t d = 0; d < m->ndocs; d++) {
		const struct result_doc *doc = &m->docs[d];
		for (size_t i = 0; i < doc->plan_kernels.nr; i++)
			merge_index(&m->kernels, doc->plan_kernels.v[i]);
		for (size_t i = 0; i < doc->plan_files.nr; i++)
			merge_index(&m->files, doc->plan_files.v[i]);
		for (size_t i = 0; i < doc->n; i++) {
			merge_index(&m->kernels, result_kernel(&doc->res[i]));
			merge_index(&m->files, doc->res[i].file);
		}
	}
	size_t cells = m->kernels.nr * m->files.nr;
	m->cell = xcalloc(cells + 1, sizeof(*m->cell));
	m->from = xcalloc(cells + 1, sizeof(*m->from));
	for (size_t d = 0; d < m->ndocs; d++) {
		for (size_t i = 0; i < m->docs[d].n; i++) {
			const struct result_in *in = &m->docs[d].res[i];
			size_t c = merge_index(&m->kernels, result_kernel(in)) * m->files.nr +
				   merge_index(&m->files, in->file);
			if (m->cell[c]) {
				error("%s and %s both hold the result of %s on kernel %s: merge each "
				      "result once", m->paths[m->from[c]], m->paths[d], in->file,
				      result_kernel(in));
				return -1;
			}
			m->cell[c] = in;
			m->from[c] = d;
		}
	}
	return 0;
}

static int merge_read(struct merge *m)
{
	for (size_t d = 0; d < m->ndocs; d++) {
		struct strbuf buf = STRBUF_INIT, err = STRBUF_INIT;
		int bad = strbuf_read_input(&buf, m->paths[d], "result", MERGE_MAX_BYTES, &err) < 0;
		if (bad)
			cli_print_failure(err.buf);
		else if (result_doc_read(&m->docs[d], buf.buf, buf.len, &err) < 0)
			bad = error("%s: %s", m->paths[d], err.buf);
		strbuf_release(&buf);
		strbuf_release(&err);
		if (bad)
			return -1;
	}
	return 0;
}

/* Load each file once and judge every result again, in the merged order, into res. */
static int merge_judge(struct merge *m, struct scenario *sc, struct match_result *res,
		       size_t *n)
{
	int rc = 0;
	for (size_t f = 0; f < m->files.nr; f++) {
		int needed = 0;
		for (size_t k = 0; k < m->kernels.nr; k++)
			needed |= m->cell[k * m->files.nr + f] != NULL;
		if (needed && cli_load_scenario(m->files.v[f], &sc[f], NULL))
			return KDIVE_EXIT_USAGE;
	}
	*n = 0;
	for (size_t c = 0; c < m->kernels.nr * m->files.nr; c++) {
		struct strbuf err = STRBUF_INIT;
		if (!m->cell[c])
			continue;
		if (result_in_judge(m->cell[c], &sc[c % m->files.nr], &res[(*n)++], &err) < 0) {
			error("%s: %s", m->paths[m->from[c]], err.buf);
			rc = KDIVE_EXIT_USAGE;
		}
		strbuf_release(&err);
	}
	return rc;
}

static int merge_write(struct cli_args *a, const struct merge *m, const struct match_result *res,
		       size_t n)
{
	struct strbuf out = STRBUF_INIT;
	struct report_opts opts = { 0 };
	/* The inputs' times added up: the machine time the whole matrix took. */
	struct report_timings tm = { 0, 0 };
	enum report_format fmt;
	char run_id[33];

	for (size_t d = 0; d < m->ndocs; d++) {
		tm.total_ms = tm.total_ms < 0 || m->docs[d].total_ms < 0 ? -1 :
			      tm.total_ms + m->docs[d].total_ms;
		tm.build_ms = tm.build_ms < 0 || m->docs[d].build_ms < 0 ? -1 :
			      tm.build_ms + m->docs[d].build_ms;
	}
	report_format_parse(a->format, &fmt);
	opts.color = cli_color(a);
	opts.verbose = a->verbose;
	opts.exit_code = cli_exit_code;
	opts.nkernels = m->kernels.nr;
	/* a new run's id: the shards' test ids came from runs of their own */
	if (cli_run_id(run_id) < 0)
		return KDIVE_EXIT_INFRA;
	opts.run_id = run_id;
	opts.origin = a->origin;
	report_write(fmt, res, n, &tm, &opts, &out);
	int rc = cli_results_exit_code(res, n);
	int wrc = cli_emit(a, out.buf, out.len);
	strbuf_release(&out);
	return wrc ? wrc : rc;
}

static int cmd_merge(int argc, char **argv)
{
	struct cli_args a;
	struct merge m = { .kernels = STRVEC_INIT, .files = STRVEC_INIT };
	struct scenario *sc = NULL;
	struct match_result *res = NULL;
	size_t n = 0;
	int rc = cli_parse(&cli_cmd_merge, argc, argv, &a, NULL, NULL);
	if (rc)
		return rc;
	if (a.nrest < 1)
		return cli_usage_error("merge", "name at least one JSON result "
				       "(kdive run --format json --output FILE)");
	m.paths = a.rest;
	m.ndocs = (size_t)a.nrest;
	m.docs = xcalloc(m.ndocs, sizeof(*m.docs));
	if (merge_read(&m) || merge_place(&m)) {
		rc = KDIVE_EXIT_USAGE;
		goto out;
	}
	size_t cells = m.kernels.nr * m.files.nr;
	sc = xcalloc(m.files.nr + 1, sizeof(*sc));
	res = xcalloc(cells + 1, sizeof(*res));
	rc = merge_judge(&m, sc, res, &n);
	if (rc)
		goto out;
	info("merged %zu result%s from %zu file%s (%zu kernel%s x %zu scenario%s: %zu missing)",
	     n, n == 1 ? "" : "s", m.ndocs, m.ndocs == 1 ? "" : "s", m.kernels.nr,
	     m.kernels.nr == 1 ? "" : "s", m.files.nr, m.files.nr == 1 ? "" : "s", cells - n);
	rc = merge_write(&a, &m, res, n);
out:
	for (size_t i = 0; i < n; i++)
		match_result_release(&res[i]);
	for (size_t f = 0; sc && f < m.files.nr; f++)
		scenario_release(&sc[f]);
	for (size_t d = 0; d < m.ndocs; d++)
		result_doc_release(&m.docs[d]);
	free(res);
	free(sc);
	free(m.docs);
	free(m.cell);
	free(m.from);
	strvec_clear(&m.kernels);
	strvec_clear(&m.files);
	return rc;
}

const struct cli_command cli_cmd_merge = {
	.name = "merge",
	.fn = cmd_merge,
	.summary = "join the JSON results of shards or runs into one report",
	.args = "RESULT.json...",
	.about =
	"Reads the JSON results of `kdive run --format json` (shards of one run, `kdive run\n"
	"--shard I/N`, or separate runs) and writes one report in any format: the bytes one\n"
	"run of the whole matrix would have written, timings and run ids aside. Each result\n"
	"is judged again against its scenario file (read where the run named it, so merge\n"
	"where the runs ran or in a checkout of the same scenarios); a result that comes out\n"
	"otherwise than the run said (the file changed, or the run had --program) is an\n"
	"error.\n"
	"\n"
	"The order is the run's: kernel by kernel, scenario by scenario. A shard's result\n"
	"names the whole run's kernels and files in their order; the kernels and files of\n"
	"each input are taken in turn (a result without a plan adds its own kernel and file\n"
	"as they come), each kept where it first appears. A result held by two inputs is an\n"
	"error naming both; a missing one is fine (a partial merge): kdive says how many\n"
	"were merged. The timings are the inputs' added up.\n"
	"\n"
	"Examples:\n"
	"  kdive run --shard 1/2 scenarios/getpid.scn scenarios/write.scn --format json --output build/s1.json\n"
	"  kdive run --shard 2/2 scenarios/getpid.scn scenarios/write.scn --format json --output build/s2.json\n"
	"  kdive merge build/s1.json build/s2.json\n"
	"  kdive merge --format junit --output build/all.xml build/s1.json build/s2.json\n",
	.opts = (const struct cli_opt[]){
		{ "format", CLI_KEY_FORMAT, 0, "FMT",
		  "text (default), ktap, junit, json or kcidb: as kdive run's" },
		CLI_OPT_ORIGIN,
		CLI_OPT_OUTPUT,
		{ "verbose", CLI_KEY_VERBOSE, 'v', NULL,
		  "detail passing scenarios too (text)" },
		CLI_OPT_END,
	},
	.formats = "text,ktap,junit,json,kcidb",
	.tail = "Exit: as the merged run's (0 all passed, 1 an expectation failed, 3 an error,\n"
		"4 everything skipped); 2 a bad input, a result held twice, or a scenario file\n"
		"that no longer gives the result written.\n",
	.detail_v = 1,
};
