/*
 * report: write match results as text (for people), KTAP v1 (for kernel CI), JUnit XML
 * (for CI dashboards), KCIDB v5 (for KernelCI) or JSON (the stable interface for
 * scripts: docs/result.schema.json describes every member, and a change to the JSON
 * writer changes it too; docs/design.md), all behind one interface. Pure: output is
 * appended to a strbuf, which the caller prints. Depends on match (and scenario, strbuf, strvec).
 *
 * Usage: report_begin(), then report_scenario() once per result (the caller may print
 * and reset out between calls to stream), then report_end(), which must be called: it
 * finishes the document and frees the report's own memory. report_write() does all
 * three for an array of results.
 */
#ifndef KDIVE_REPORT_H
#define KDIVE_REPORT_H

#include "json.h"
#include "match.h"
#include "strbuf.h"
#include "strvec.h"

enum report_format { REPORT_TEXT, REPORT_KTAP, REPORT_JUNIT, REPORT_JSON, REPORT_KCIDB };

/* "text", "ktap", "junit", "json", "kcidb" -> *fmt; 0, or -1 for an unknown name. */
int report_format_parse(const char *name, enum report_format *fmt);
const char *report_format_name(enum report_format fmt);

/* The exit code that scenario counts by status call for (the command layer decides). */
typedef int (*report_exit_code_fn)(const size_t counts[MATCH_NSTATUS]);

/* What the caller decides. */
struct report_opts {
	int color;   /* text: ANSI colours (the caller decides from isatty() and NO_COLOR) */
	int verbose; /* text: also detail passing scenarios (stops, captured frames, values) */
	report_exit_code_fn exit_code; /* json: the summary's exit_code; NULL: left out */
	size_t nkernels; /* kernels the results span: with several, text adds a scenario x
			    kernel table; KTAP and JUnit always name the kernel in test names */
	const char *run_id; /* kcidb: what makes this run's test ids unique ("run" if NULL);
			       kdive run gives 128 random bits */
	const char *origin; /* kcidb: the submitter's origin, [a-z0-9_]+ (NULL: "kdive") */
	const char *shard_json; /* json: a sharded run's plan, one compact JSON object written
				   as the member "shard" (result_plan_json()), or NULL */
};

/* Times of the whole command, in ms; -1 when unknown. */
struct report_timings {
	int64_t total_ms; /* the whole command */
	int64_t build_ms; /* building or reusing the kernel and initramfs */
};

struct report;
typedef void (*report_begin_fn)(struct report *r);
typedef void (*report_scenario_fn)(struct report *r, const struct match_result *res);
typedef void (*report_end_fn)(struct report *r, const struct report_timings *t);

/* One output format. */
struct report_ops {
	const char *name;            /* as on the command line */
	report_begin_fn begin;       /* the document's header */
	report_scenario_fn scenario; /* one scenario's results */
	report_end_fn end;           /* totals and the document's end */
};

/* One result in the text report's scenario x kernel table. */
struct report_cell {
	char *scenario;              /* its name; owned */
	char *kernel;                /* the kernel's release; owned */
	enum match_status status;    /* the outcome */
};

/* A report being written. Fields are the writers' state; set them with report_begin(). */
struct report {
	const struct report_ops *ops; /* the format */
	struct strbuf *out;           /* output is appended here; not owned */
	struct report_opts opts;      /* copied from the caller */
	size_t planned;               /* scenarios announced to report_begin(), 0: unknown */
	size_t done;                  /* scenarios written so far */
	size_t counts[MATCH_NSTATUS]; /* scenarios by status */
	struct match_counts totals;   /* stops and expectations of every scenario */
	int64_t scenarios_ms;         /* sum of the scenarios' own times */
	struct strbuf body;           /* JUnit: the suites, held until the totals are known */
	size_t cases[MATCH_NSTATUS];  /* JUnit: test cases by status */
	struct json json;             /* JSON: the writer */
	struct report_cell *cells;    /* text with several kernels: the results, for the table */
	size_t ncells;
	struct strbuf kc_objs[2];     /* KCIDB: the checkouts and the builds, comma-separated */
	struct strvec kc_builds;      /* KCIDB: the checkout and build ids written so
					 far */
};

/* Start a report of nscenarios results (0 if not known) in format fmt onto out. */
void report_begin(struct report *r, enum report_format fmt, struct strbuf *out,
		  size_t nscenarios, const struct report_opts *opts);
/* Add one scenario's results (res and what it points to are only read during the call). */
void report_scenario(struct report *r, const struct match_result *res);
/* Finish the document with the totals and timings (t may be NULL); frees r's memory. */
void report_end(struct report *r, const struct report_timings *t);

/*
 * KCIDB's checkout and build ids of kernel k (version: its release when k has none)
 * for origin (NULL: "kdive"), appended to checkout and build: the checkout from k's
 * source_id, the build from it and k's config key ("prebuilt" without one), so the same
 * content gets the same ids whatever it was named. report_kcidb.c says the rules.
 */
void report_kcidb_ids(const struct obs_kernel *k, const char *version, const char *origin,
		      struct strbuf *checkout, struct strbuf *build);

/*
 * What says kernel k did not build (k->build_error set), appended to sb: one line,
 * "kernel NAME did not build: configuring the kernel failed: 'make' exited with
 * status 2 (full log: PATH)", from the error's first line and its "full log:", then
 * the log's last lines as the build showed them ("  | ...").
 */
void report_build_failure(const struct obs_kernel *k, struct strbuf *sb);

/* What names kernel k in a report: its release ("6.12.118"), or, when it did not build
 * (no release), its name as given ("6.12"); NULL for no kernel. */
const char *report_kernel_label(const struct obs_kernel *k);

/* The whole report for n results at once. */
void report_write(enum report_format fmt, const struct match_result *res, size_t n,
		  const struct report_timings *t, const struct report_opts *opts,
		  struct strbuf *out);

#endif
