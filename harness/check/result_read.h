/*
 * result_read: a JSON report (`kdive run --format json`, docs/result.schema.json) read
 * back, for `kdive merge`: each result's scenario file, kernel and verdict, and the
 * observations rebuilt (struct obs_run) so that the result can be judged again against
 * its scenario file and written in any format, the same bytes as the run that wrote it.
 * And a sharded run's plan (its "shard" member: the whole matrix's kernels and files,
 * in the run's order), which orders merged results. Pure. Depends on json, obs, match,
 * scenario, strbuf and strvec.
 *
 * What the JSON does not hold, the scenario file does (narration, the stops' and
 * checks' text): a result is judged again with match_run() against the file, and the
 * verdict must come out as written — a file changed since the run is an error.
 */
#ifndef KDIVE_RESULT_READ_H
#define KDIVE_RESULT_READ_H

#include "match.h"
#include "obs.h"
#include "strbuf.h"
#include "strvec.h"

/* The kernel strings a result carries (result_in.kstr). */
#define RESULT_KSTR 9

/* One result as a JSON report holds it. */
struct result_in {
	char *file;              /* the scenario file as the run named it; owned */
	char *program;           /* the program the run ran (a --program replaces the file's); owned */
	enum match_status status; /* the verdict written */
	char *reason;            /* its reason, or NULL; owned */
	int ran;                 /* 0: nothing ran (a guard skipped it: match_skip()) */
	char *kernel_version;    /* what the guards were evaluated against, or NULL; owned */
	struct obs_run run;      /* the observations, rebuilt; owned */
	int has_kernel;          /* 1: the result named its kernel (kernel below) */
	struct obs_kernel kernel; /* the kernel; its strings are owned (kstr) */
	char *kstr[RESULT_KSTR]; /* kernel's name, version, source, key, source_id, commit,
				    package, package_version, build_error; owned */
};

/* A JSON report read back. */
struct result_doc {
	struct result_in *res;   /* the results, in the report's order; owned */
	size_t n;
	int64_t total_ms;        /* the report's timings, -1 when unknown */
	int64_t build_ms;
	unsigned shard_index;    /* a sharded run's shard (1-based) and count; 0: not sharded */
	unsigned shard_count;
	struct strvec plan_kernels; /* a sharded run: every kernel's name, in the run's order */
	struct strvec plan_files;   /* and every scenario file, in the run's order */
};

/*
 * Read the JSON report text[0..len) into *d (zeroed first; release it with
 * result_doc_release(), also after a failure). 0, or -1 with one line in err saying
 * what is wrong (not JSON, or not a kdive result: the member and result index).
 */
int result_doc_read(struct result_doc *d, const char *text, size_t len, struct strbuf *err);
void result_doc_release(struct result_doc *d);

/*
 * Judge in again against sc, its scenario file loaded: match_run() (or match_skip() when
 * nothing ran) into *res, which points into in and sc (they must outlive it; release it
 * with match_result_release()), with res->kernel set. 0, or -1 with a line in err when
 * the verdict does not come out as written (the file changed since the run, or the run
 * replaced its program).
 */
int result_in_judge(const struct result_in *in, const struct scenario *sc,
		    struct match_result *res, struct strbuf *err);

/*
 * The plan's compact JSON (for report_opts.shard_json): {"index":I,"count":N,
 * "kernels":[...],"files":[...]}. Appended to out.
 */
void result_plan_json(struct strbuf *out, unsigned index, unsigned count,
		      const char *const *kernels, size_t nkernels,
		      const char *const *files, size_t nfiles);

#endif
