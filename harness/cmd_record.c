/*
 * kdive record: run a scenario and write the frames it observed back into the file,
 * keeping comments, narration, checks and guards (the golden-update workflow).
 */
#define _GNU_SOURCE
#include "cli.h"
#include "proc.h"
#include "record.h"
#include "scenario.h"
#include "syscalls.h"

#include <getopt.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* diff -u of the file against the new text, to stdout. */
static int show_diff(const char *path, const struct strbuf *text)
{
	char *tmp = xstrfmt("%s.kdive-record.%d", path, (int)getpid());
	int rc = 0;
	if (write_file_atomic(tmp, text->buf, text->len) < 0) {
		error_errno("cannot write '%s'", tmp);
		free(tmp);
		return KDIVE_EXIT_INFRA;
	}
	struct proc p = PROC_INIT;
	strvec_pushl(&p.args, "diff", "-u", "--label", path, "--label", "recorded", path, tmp, NULL);
	p.in = PROC_NULL;
	fflush(stdout);
	if (proc_start(&p) < 0 || proc_wait(&p, now_ms() + 10000) != 0)
		rc = KDIVE_EXIT_INFRA;
	/* diff exits 1 when the files differ: that is the point. */
	else if (!WIFEXITED(p.status) || WEXITSTATUS(p.status) > 1)
		rc = KDIVE_EXIT_INFRA;
	proc_release(&p);
	unlink(tmp);
	free(tmp);
	return rc;
}

int cmd_record(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		CLI_OPT_KEEP, CLI_OPT_KERNEL, CLI_OPT_VMLINUX, CLI_OPT_TIMEOUT, CLI_OPT_VERBOSE,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_boot_opts ro = { 0 };
	struct scenario sc;
	struct obs_run obs;
	struct cli_images im;
	struct syscalls table = SYSCALLS_INIT;
	struct strbuf text = STRBUF_INIT, out = STRBUF_INIT;
	int dry = 0, c, rc = KDIVE_EXIT_INFRA, parsed = 0;

	memset(&sc, 0, sizeof(sc));
	memset(&obs, 0, sizeof(obs));
	memset(&im, 0, sizeof(im));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":nv", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': dry = 1; break;
		default:
			rc = cli_boot_option("record", c, optarg, argv[optind - 1], &ro);
			if (rc)
				goto out;
			break;
		}
	}
	if (optind != argc - 1) {
		rc = cli_usage_error("record", "give exactly one scenario file");
		goto out;
	}
	const char *path = argv[optind];
	rc = cli_load_scenario(path, &sc, &text);
	if (rc)
		goto out;
	parsed = 1;
	rc = cli_resolve_images(&im, ro.kernel, ro.vmlinux);
	if (rc)
		goto out;
	cli_load_syscalls(&im, &table);
	struct run_target target;
	struct run_opts run = { .keep = ro.keep, .gdb_port = ro.gdb_port, .timeout_s = ro.timeout_s };
	cli_run_target(&im, &table, &target);
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
	int blocks = record_rewrite(text.buf, &sc, &obs, im.version, NULL, &out);
	if (dry) {
		rc = show_diff(path, &out);
		goto out;
	}
	if (write_file_atomic(path, out.buf, out.len) < 0) {
		error_errno("cannot write '%s'", path);
		rc = KDIVE_EXIT_INFRA;
		goto out;
	}
	info("recorded %d block%s into %s (%zu stop%s, kernel %s)%s", blocks, blocks == 1 ? "" : "s",
	     path, sc.nstops, sc.nstops == 1 ? "" : "s", im.version,
	     missed ? "; some stops were never reached" : "");
	rc = missed ? KDIVE_EXIT_FAIL : KDIVE_EXIT_PASS;
out:
	if (parsed)
		scenario_release(&sc);
	obs_run_release(&obs);
	cli_images_release(&im);
	syscalls_release(&table);
	strbuf_release(&text);
	strbuf_release(&out);
	return rc;
}
