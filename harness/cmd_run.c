/*
 * kdive run: boot a guest per scenario file, stop where it says, compare what was
 * seen with what it expects, and report as text, KTAP, JUnit or JSON.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "match.h"
#include "report.h"
#include "scenario.h"
#include "syscalls.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		CLI_OPT_KEEP, CLI_OPT_KERNEL, CLI_OPT_VMLINUX, CLI_OPT_TIMEOUT, CLI_OPT_GDB_PORT,
		CLI_OPT_VERBOSE,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_boot_opts ro = { 0 };
	struct cli_images im;
	struct syscalls table = SYSCALLS_INIT;
	enum report_format fmt = REPORT_TEXT;
	const char *output = NULL;
	struct scenario *sc = NULL;
	struct obs_run *obs = NULL;
	struct match_result *res = NULL;
	size_t n = 0;
	int c, rc = KDIVE_EXIT_INFRA, verbose = 0;
	int64_t t0 = now_ms(), build_ms = -1;

	memset(&im, 0, sizeof(im));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":v", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (report_format_parse(optarg, &fmt) < 0) {
				rc = cli_usage_error("run", "--format must be text, ktap, junit or json, "
							    "not '%s'", optarg);
				goto out;
			}
			break;
		case 'o': output = optarg; break;
		case 'v': verbose = 1; break; /* report detail; `kdive -v run` for debug logs */
		default:
			rc = cli_boot_option("run", c, optarg, argv[optind - 1], &ro);
			if (rc)
				goto out;
			break;
		}
	}
	n = (size_t)(argc - optind);
	if (!n) {
		rc = cli_usage_error("run", "name at least one scenario file (scenarios/*.scn)");
		goto out;
	}
	/* Every file is checked before anything boots: a typo costs no boot. */
	sc = xcalloc(n, sizeof(*sc));
	obs = xcalloc(n, sizeof(*obs));
	res = xcalloc(n, sizeof(*res));
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		if (cli_load_scenario(argv[optind + (int)i], &sc[i], NULL))
			bad = 1;
	}
	if (bad) {
		rc = KDIVE_EXIT_USAGE;
		goto out;
	}
	int64_t tb = now_ms();
	rc = cli_resolve_images(&im, ro.kernel, ro.vmlinux);
	if (rc)
		goto out;
	build_ms = now_ms() - tb;
	cli_load_syscalls(&im, &table);

	for (size_t i = 0; i < n; i++) {
		if (!scenario_guard_holds(&sc[i].guard, im.version)) {
			struct strbuf g = STRBUF_INIT;
			scenario_guard_format(&sc[i].guard, &g);
			char *why = xstrfmt("guarded %s; this kernel is %s", g.buf, im.version);
			match_skip(&res[i], &sc[i], why);
			free(why);
			strbuf_release(&g);
			continue;
		}
		info("%s: running (%zu stop%s)", sc[i].file, sc[i].nstops, sc[i].nstops == 1 ? "" : "s");
		cli_run_scenario(&sc[i], &im, &table, &ro, &obs[i]);
		match_run(&res[i], &sc[i], &obs[i], im.version);
		if (obs[i].error)
			error("%s: %s", sc[i].file, obs[i].error);
	}

	struct strbuf out = STRBUF_INIT;
	struct report_opts opts = { 0 };
	struct report_timings tm = { now_ms() - t0, build_ms };
	const char *nc = getenv("NO_COLOR");
	opts.color = !output && isatty(STDOUT_FILENO) && !(nc && *nc) && fmt == REPORT_TEXT;
	opts.verbose = verbose;
	opts.exit_code = cli_exit_code;
	report_write(fmt, res, n, &tm, &opts, &out);
	rc = cli_results_exit_code(res, n);
	if (output) {
		struct strbuf err = STRBUF_INIT;
		if (report_write_file(output, out.buf, out.len, &err) < 0) {
			error("%s", err.buf);
			rc = KDIVE_EXIT_INFRA;
		}
		strbuf_release(&err);
	} else {
		fputs(out.buf, stdout);
	}
	strbuf_release(&out);
out:
	for (size_t i = 0; res && i < n; i++)
		match_result_release(&res[i]);
	for (size_t i = 0; obs && i < n; i++)
		obs_run_release(&obs[i]);
	for (size_t i = 0; sc && i < n; i++)
		scenario_release(&sc[i]);
	free(res);
	free(obs);
	free(sc);
	cli_images_release(&im);
	syscalls_release(&table);
	return rc;
}
