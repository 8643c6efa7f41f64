/*
 * bundle: a session that travels. `kdive bundle SCENARIO -o FILE` runs a scenario once
 * and writes one ustar archive (tar.h) holding the scenario (its program's paths
 * rewritten into the bundle, line for line), the program's inputs, the kernel config
 * fragments and manifest.json: what was run, on what, and the verdict seen (the format
 * is described in docs/design.md). `kdive run FILE` takes a bundle by its content,
 * unpacks it into a private directory, says how this machine differs from the one it
 * was recorded on, runs it, and says what differs from the recorded verdict.
 * cmd_bundle.c writes (and holds what both sides share: the run of one scenario, the
 * machine's facts, the verdict as JSON); bundle_run.c reads and replays. Part of cli.
 */
#ifndef KDIVE_BUNDLE_H
#define KDIVE_BUNDLE_H

#include "cli.h"
#include "json.h"
#include "match.h"
#include "obs.h"
#include "scenario.h"
#include "userprog.h"

#define BUNDLE_FORMAT 1                 /* the manifest's "bundle": this layout */
#define BUNDLE_MANIFEST "manifest.json"
#define BUNDLE_SCENARIO "scenario.scn"
#define BUNDLE_MAX_BYTES (256LL << 20)  /* the most kdive reads of a bundle */

/* One scenario on one kernel, as `kdive run` runs it: everything owned. */
struct bundle_run {
	struct scenario sc;      /* the scenario, loaded */
	int loaded;              /* sc holds a parsed scenario */
	struct strbuf text;      /* its bytes as written */
	struct cli_images im;    /* the images it booted */
	struct userprog user;    /* its program when it is a user's (name NULL: none) */
	struct obs_run obs;      /* what the run observed */
	struct match_result res; /* the verdict, once ran */
	struct obs_kernel kid;   /* the kernel as reports name it */
	int ran;                 /* 1: res holds a verdict */
};

/*
 * Called once the images are resolved and the program built, before the guest boots
 * (a replay says there how this machine differs). An exit code: non-zero stops.
 */
typedef int (*bundle_before_fn)(void *ctx, struct bundle_run *r);

/*
 * Run the scenario at path as `kdive run` would (load, check, images, program, run,
 * match) with a's options, at most one kernel; before (may be NULL) runs before the
 * boot. The report goes to stdout in a's format, or through cli_emit() when emit.
 * Returns the run's exit code (0 pass, 1 fail, 3 error; 2 or 3 when nothing ran).
 * r is the caller's, released with bundle_run_release().
 */
int bundle_run_scenario(struct cli_args *a, const char *path, struct bundle_run *r,
			bundle_before_fn before, void *ctx, int emit);
void bundle_run_release(struct bundle_run *r);

/*
 * The facts of this machine that a bundle records and a replay compares: kdive's and
 * QEMU's versions and the kernel's source identity and release. Written as the
 * manifest's "recorded_on" object.
 */
void bundle_facts_write(struct json *j, const char *key, const struct kernel *k);
/*
 * The verdict of r as the manifest's "verdict" object: result, reason, exit status,
 * and each stop's reach and frames (addresses less the KASLR slide, so that they
 * compare across boots).
 */
void bundle_verdict_write(struct json *j, const char *key, const struct bundle_run *r);

/* 1 when path's content is a ustar archive (a bundle or a broken one), else 0. */
int bundle_is_archive(const char *path);
/* kdive run BUNDLE: a's first operand is the bundle. An exit code. */
int bundle_replay(struct cli_args *a);

#endif
