/*
 * kdive record: run a scenario and write the frames it observed back into the file,
 * keeping comments, narration, checks and guards (the golden-update workflow).
 */
#define _GNU_SOURCE
#include "cli.h"
#include "userprog.h"
#include "proc.h"
#include "record.h"
#include "scenario.h"
#include "syscalls.h"
#include "files.h"
#include "strbuf.h"
#include "strvec.h"
#include "timeutil.h"
#include "usage.h"

#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * diff -u of the file against the new text, to stdout. The text reaches diff on its
 * stdin: a temporary file beside the scenario would be one more name to plant a link
 * at, and --dry-run writes nothing.
 */
static int show_diff(const char *path, const struct strbuf *text)
{
	struct proc p = PROC_INIT;
	int rc = 0;
	strvec_pushl(&p.args, "diff", "-u", "--label", path, "--label", "recorded", "--", path, "-",
		     NULL);
	p.in = PROC_PIPE;
	fflush(stdout);
	if (proc_start(&p) < 0) {
		proc_release(&p);
		return KDIVE_EXIT_INFRA;
	}
	/* diff's output goes to our stdout, not back to us: the write cannot deadlock.
	 * EPIPE means diff stopped reading; its exit status says why. */
	if (write_all(p.in_fd, text->buf, text->len) < 0 && errno != EPIPE) {
		error_errno("cannot hand the recorded text to diff");
		rc = KDIVE_EXIT_INFRA;
	}
	close(p.in_fd);
	p.in_fd = -1;
	if (proc_wait(&p, now_ms() + 10000) != 0)
		rc = KDIVE_EXIT_INFRA;
	/* diff exits 1 when the files differ: that is the point. */
	else if (!WIFEXITED(p.status) || WEXITSTATUS(p.status) > 1)
		rc = KDIVE_EXIT_INFRA;
	proc_release(&p);
	return rc;
}

/* record's own option: --dry-run. */
static int record_option(void *ctx, int key, const char *arg)
{
	(void)arg;
	if (key == 'n')
		*(int *)ctx = 1;
	return 0;
}

static int cmd_record(int argc, char **argv)
{
	struct cli_args a;
	struct scenario sc;
	struct userprog user;
	struct obs_run obs;
	struct cli_images im;
	struct strbuf text = STRBUF_INIT, out = STRBUF_INIT;
	int dry = 0, rc, parsed = 0;

	memset(&sc, 0, sizeof(sc));
	memset(&user, 0, sizeof(user));
	memset(&obs, 0, sizeof(obs));
	memset(&im, 0, sizeof(im));
	rc = cli_parse(&cli_cmd_record, argc, argv, &a, record_option, &dry);
	if (rc)
		goto out;
	if (a.nrest - a.nafter != 1) {
		rc = cli_usage_error("record", "give exactly one scenario file");
		goto out;
	}
	const char *path = a.rest[0];
	rc = cli_load_scenario(path, &sc, &text);
	if (rc)
		goto out;
	cli_program_scenario(&a, &sc, 1);
	parsed = 1;
	rc = cli_resolve_images(&im, &a.boot, 1);
	if (rc)
		goto out;
	rc = cli_check_names(&sc, &im, &user);
	if (rc)
		goto out;
	const struct kernel *k = &im.kernels[0];
	struct run_target target;
	struct run_opts run = { .boot = a.boot.guest, .user = user.name ? &user : NULL };
	cli_run_target(&im, k, &target);
	if (run_scenario(&sc, &target, &run, &obs) < 0) {
		error("%s: the run failed, nothing recorded:\n%s", path, obs.error ? obs.error : "");
		rc = KDIVE_EXIT_INFRA;
		goto out;
	}
	size_t missed = 0;
	for (size_t i = 0; i < obs.nstops; i++)
		if (!obs.stops[i].hit) {
			warning("%s:%d: stop '%s' was never reached: its blocks are left as they are",
				path, sc.stops[i].line, sc.stops[i].location);
			missed++;
		}
	/* run_scenario() already made the file names relative. */
	int blocks = record_rewrite(text.buf, &sc, &obs, k->version, NULL, &out);
	if (dry) {
		rc = show_diff(path, &out);
		goto out;
	}
	if (write_file_atomic(path, out.buf, out.len) < 0) {
		error_errno("cannot write the recorded scenario '%s'", path);
		rc = KDIVE_EXIT_INFRA;
		goto out;
	}
	info("recorded %d block%s into %s (%zu stop%s, kernel %s)%s", blocks, blocks == 1 ? "" : "s",
	     path, sc.nstops, sc.nstops == 1 ? "" : "s", k->version,
	     missed ? "; some stops were never reached" : "");
	rc = missed ? KDIVE_EXIT_FAIL : KDIVE_EXIT_PASS;
out:
	userprog_release(&user);
	if (parsed)
		scenario_release(&sc);
	obs_run_release(&obs);
	cli_images_release(&im);
	strbuf_release(&text);
	strbuf_release(&out);
	return rc;
}

const struct cli_command cli_cmd_record = {
	.name = "record",
	.fn = cmd_record,
	.summary = "run a scenario and write what was observed as its expectations",
	.args = "SCENARIO",
	.about =
	"Runs SCENARIO like `kdive run`, then writes the frames it saw at each stop back\n"
	"into the file: each stop's `frames` block (and, at kernel stops, its `user`\n"
	"block) is replaced; a stop without one gets one. Comments, narration (say),\n"
	"checks, and frame lines guarded for other kernel versions stay as they are.\n"
	"The golden-update workflow: record, review the diff, commit.\n"
	"The file is replaced atomically and keeps its mode; a symbolic link stays a link\n"
	"and the file it points to is rewritten.\n",
	.opts = (const struct cli_opt[]){
		{ "dry-run", 'n', 0, NULL, "print the change as a unified diff instead of writing the file" },
		CLI_OPT_KEEP,
		{ "timeout", CLI_KEY_TIMEOUT, 0, "SECONDS",
		  "limit (default: the scenario's `timeout`, or 300)" },
		CLI_OPT_PROGRAM,
		CLI_OPT_VERBOSE,
		CLI_OPT_END,
	},
	.shared = cli_guest_opts,
	.tail = "Exit: 0 recorded, 1 a stop was never reached (its blocks kept), 2 bad scenario\n"
		"file, 3 the run failed (nothing written).\n",
};
