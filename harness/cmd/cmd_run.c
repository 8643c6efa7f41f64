/*
 * kdive run: boot a guest per scenario file, stop where it says, compare what was
 * seen with what it expects, and report as text, KTAP, JUnit or JSON.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "bundle.h"
#include "userprog.h"
#include "match.h"
#include "proc.h"
#include "report.h"
#include "result_read.h"
#include "scenario.h"
#include "shard.h"
#include "syscalls.h"
#include "strbuf.h"
#include "timeutil.h"
#include "usage.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * Guests side by side by default: one more than the CPUs, because a guest often waits
 * (on its gdb, on QEMU's start). On 2 cores the library of 11 scenarios, warm, took
 * 7.8 s one after another, 4.5 s with 2, 3.7-4.0 s with 3 or 4, 4.3 s with 6.
 */
static int default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 2 : n > 7 ? 8 : (int)n + 1;
}

/* The scenarios to run, one task each, and where their results go. */
struct run_tasks {
	const struct scenario *sc;   /* the scenario files */
	size_t n;                    /* how many */
	const struct run_target *targets; /* one per kernel */
	const struct run_opts *run;
	size_t *slot;                /* task -> result index (kernel * n + scenario) */
	struct obs_run *obs;         /* results' observations */
	struct match_result *res;    /* results */
	const struct kernel *kernels;
	const struct userprog *users; /* each result's user program (kernel * n + scenario;
					 name NULL: none) */
	struct session_spare spare;  /* this worker's gdb between its scenarios */
	int fresh_gdb;               /* $KDIVE_FRESH_GDB: a gdb per scenario */
};

/* In a worker (or here): run the scenario, and encode what it saw. */
static void run_task(void *ctx, size_t t, struct strbuf *out)
{
	struct run_tasks *rt = ctx;
	size_t r = rt->slot[t], k = r / rt->n, i = r % rt->n;
	struct obs_run obs;
	struct run_opts run = *rt->run;
	run.user = rt->users[r].name ? &rt->users[r] : NULL;
	run.boot.spare = rt->fresh_gdb ? NULL : &rt->spare;
	info("%s: running on %s (%zu stop%s)", rt->sc[i].file, rt->kernels[k].version,
	     rt->sc[i].nstops, rt->sc[i].nstops == 1 ? "" : "s");
	run_scenario(&rt->sc[i], &rt->targets[k], &run, &obs);
	obs_run_encode(&obs, out);
	obs_run_release(&obs);
}

/* In a worker (or here), after its last scenario. */
static void run_end(void *ctx)
{
	struct run_tasks *rt = ctx;
	session_spare_release(&rt->spare);
}

/* Here: take a scenario's observations and judge them. */
static void task_done(void *ctx, size_t t, const char *data, size_t len, int status)
{
	struct run_tasks *rt = ctx;
	size_t r = rt->slot[t], k = r / rt->n, i = r % rt->n;
	struct obs_run *obs = &rt->obs[r];
	if (obs_run_decode(data, len, obs) < 0 || status != 0) {
		struct strbuf why = STRBUF_INIT;
		strbuf_addstr(&why, "the kdive worker running it ");
		if (status != 0)
			proc_describe_status(&why, status);
		else
			strbuf_addstr(&why, "sent back something unreadable");
		obs_run_release(obs);
		obs->kernel_version = xstrdup(rt->kernels[k].version);
		obs->error = strbuf_detach(&why, NULL);
	}
	match_run(&rt->res[r], &rt->sc[i], obs, rt->kernels[k].version);
	if (obs->error)
		error("%s: %s", rt->sc[i].file, obs->error);
}

/* The error result of scenario sc on kernel k, which did not build. */
static void unbuilt_result(struct match_result *res, struct obs_run *obs,
			   const struct scenario *sc, const struct obs_kernel *k)
{
	struct strbuf why = STRBUF_INIT;
	report_build_failure(k, &why);
	memset(obs, 0, sizeof(*obs));
	obs->program_status = -1;
	obs->error = strbuf_detach(&why, NULL);
	match_error(res, sc, obs);
}

/* run's own options. */
struct run_own {
	int jobs;            /* --jobs */
	struct shard shard;  /* --shard I/N (count 0: the whole matrix) */
};

static int run_option(void *ctx, int key, const char *arg)
{
	struct run_own *own = ctx;
	struct strbuf why = STRBUF_INIT;
	char *end;
	long v;
	switch (key) {
	case 'j':
		v = strtol(arg, &end, 10);
		if (*end || end == arg || v < 1 || v > 16)
			return cli_usage_error("run", "--jobs needs a number of guests (1 to 16), not "
					       "'%s'", arg);
		own->jobs = (int)v;
		break;
	case 's':
		if (shard_parse(&own->shard, arg, &why)) {
			int rc = cli_usage_error("run", "%s", why.buf);
			strbuf_release(&why);
			return rc;
		}
		break;
	}
	return 0;
}

/*
 * The report of the results this run made (a shard's share of the matrix: *owned*
 * says which, kernel by kernel), with a sharded run's plan in JSON. An exit code.
 */
static int run_report(struct cli_args *a, const struct run_own *own, struct match_result *res,
		      const unsigned char *owned, size_t total, const struct cli_images *im,
		      const struct scenario *sc, size_t n, const struct report_timings *tm)
{
	struct match_result *mine = xcalloc(total + 1, sizeof(*mine));
	struct strbuf out = STRBUF_INIT, plan = STRBUF_INIT;
	struct report_opts opts = { 0 };
	enum report_format fmt;
	size_t m = 0;

	for (size_t r = 0; r < total; r++)
		if (owned[r])
			mine[m++] = res[r]; /* a view: res still owns them */
	report_format_parse(a->format, &fmt);
	opts.color = cli_color(a);
	opts.verbose = a->verbose;
	opts.exit_code = cli_exit_code;
	opts.nkernels = im->nkernels;
	if (own->shard.count) {
		const char **kn = xcalloc(im->nkernels + 1, sizeof(*kn));
		const char **fn = xcalloc(n + 1, sizeof(*fn));
		for (size_t k = 0; k < im->nkernels; k++)
			kn[k] = im->kernels[k].name;
		for (size_t i = 0; i < n; i++)
			fn[i] = sc[i].file;
		result_plan_json(&plan, own->shard.index, own->shard.count, kn, im->nkernels,
				 fn, n);
		opts.shard_json = plan.buf;
		free(kn);
		free(fn);
	}
	/* KCIDB test ids must not collide between runs, wherever they ran. */
	char run_id[33];
	if (cli_run_id(run_id) < 0) {
		strbuf_release(&out);
		strbuf_release(&plan);
		free(mine);
		return KDIVE_EXIT_INFRA;
	}
	opts.run_id = run_id;
	opts.origin = a->origin;
	report_write(fmt, mine, m, tm, &opts, &out);
	int rc = cli_results_exit_code(mine, m);
	int wrc = cli_emit(a, out.buf, out.len);
	if (wrc)
		rc = wrc;
	strbuf_release(&out);
	strbuf_release(&plan);
	free(mine);
	return rc;
}

/*
 * A bundle (kdive bundle) among the operands, told by its content, is replayed alone
 * (a name that says .bundle but holds no archive gets the bundle's message, not a
 * scenario's). 1 with the exit code in *rc when there was one, else 0.
 */
static int run_bundle(struct cli_args *a, size_t n, int *rc)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(a->rest[i]);
		if (!bundle_is_archive(a->rest[i]) &&
		    (len < 7 || strcmp(a->rest[i] + len - 7, ".bundle")))
			continue;
		if (n > 1 || a->boot.program)
			*rc = cli_usage_error("run", "a bundle runs alone: kdive run FILE, "
					      "without other scenarios or --program");
		else
			*rc = bundle_replay(a);
		return 1;
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct cli_args a;
	struct cli_images im;
	struct scenario *sc = NULL;
	struct obs_run *obs = NULL;
	struct obs_kernel *kid = NULL;
	struct match_result *res = NULL;
	size_t n = 0, total = 0;
	struct run_target *targets = NULL;
	struct userprog *users = NULL;
	size_t *slot = NULL;
	unsigned char *owned = NULL;
	struct run_own own = { .jobs = default_jobs() };
	int rc;
	int64_t t0 = now_ms(), build_ms = -1;

	memset(&im, 0, sizeof(im));
	rc = cli_parse(&cli_cmd_run, argc, argv, &a, run_option, &own);
	if (rc)
		goto out;
	n = (size_t)(a.nrest - a.nafter);
	if (!n && !a.boot.program) {
		rc = cli_usage_error("run", "name at least one scenario file (scenarios/*.scn), or "
				     "a program: --program ./repro.c");
		goto out;
	}
	if (run_bundle(&a, n, &rc))
		goto out;
	/* Every file is checked before anything boots: a typo costs no boot. */
	sc = xcalloc(n ? n : 1, sizeof(*sc));
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		if (cli_load_scenario(a.rest[i], &sc[i], NULL))
			bad = 1;
		else
			cli_program_scenario(&a, &sc[i], 1);
	}
	if (!n) {
		/* --program alone: the program's own verdict, its exit status. */
		cli_program_scenario(&a, &sc[0], 0);
		n = 1;
	}
	if (bad) {
		rc = KDIVE_EXIT_USAGE;
		goto out;
	}
	int64_t tb = now_ms();
	rc = cli_resolve_images(&im, &a.boot, CLI_MAX_KERNELS);
	/* A kernel that did not build is reported (each scenario on it an error, a FAIL
	 * build in KCIDB); the others run. */
	if (rc && !(rc == KDIVE_EXIT_INFRA && im.nfailed))
		goto out;
	rc = KDIVE_EXIT_PASS;
	build_ms = now_ms() - tb;
	/* Names only the images know are checked before anything boots. */
	/* Each scenario's user program, for each kernel (one of the kernel's own
	 * selftests is built from that kernel's tree). */
	users = xcalloc(n * im.nkernels, sizeof(*users));
	/* cli_check_names() builds the program for the first kernel that built; when none
	 * did, nothing runs and there is nothing to check */
	size_t first = cli_first_built(&im);
	for (size_t i = 0; i < n && first < im.nkernels; i++) {
		int c = cli_check_names(&sc[i], &im, &users[first * n + i]);
		for (size_t k = first + 1; !c && k < im.nkernels && sc[i].program_is_path; k++)
			if (!im.kernels[k].build_error)
				c = cli_kernel_program(&sc[i], &im, &im.kernels[k],
						       &users[k * n + i]);
		if (c && rc != KDIVE_EXIT_INFRA)
			rc = c;
	}
	if (rc)
		goto out;
	/* Every scenario on every kernel: results kernel by kernel. */
	total = n * im.nkernels;
	obs = xcalloc(total, sizeof(*obs));
	res = xcalloc(total, sizeof(*res));
	kid = xcalloc(im.nkernels, sizeof(*kid));
	struct run_opts run = { .boot = a.boot.guest };
	targets = xcalloc(im.nkernels, sizeof(*targets));
	slot = xcalloc(total, sizeof(*slot));
	owned = xcalloc(total, 1);
	size_t ntasks = 0;
	for (size_t k = 0; k < im.nkernels; k++) {
		const struct kernel *kern = &im.kernels[k];
		cli_run_target(&im, kern, &targets[k]);
		kid[k] = cli_kernel_obs(kern);
		for (size_t i = 0; i < n; i++) {
			size_t r = k * n + i;
			/* --shard: a task of another shard leaves no result here */
			if (!(owned[r] = (unsigned char)shard_owns(&own.shard, r)))
				continue;
			if (kern->build_error) {
				unbuilt_result(&res[r], &obs[r], &sc[i], &kid[k]);
				continue;
			}
			if (guard_holds(&sc[i].guard, kern->version)) {
				slot[ntasks++] = r;
				continue;
			}
			struct strbuf g = STRBUF_INIT;
			guard_format(&sc[i].guard, &g);
			char *why = xstrfmt("guarded %s; this kernel is %s", g.buf, kern->version);
			match_skip(&res[r], &sc[i], why);
			free(why);
			strbuf_release(&g);
		}
	}
	/* Side by side in workers, each keeping its gdb from one scenario to the next
	 * (unless $KDIVE_FRESH_GDB says not to), or one after another. */
	struct run_tasks rt = { sc, n, targets, &run, slot, obs, res, im.kernels, users };
	const char *fresh = getenv("KDIVE_FRESH_GDB");
	rt.fresh_gdb = fresh && *fresh && strcmp(fresh, "0");
	/* (One gdb port serves one guest at a time.) */
	if (a.boot.guest.gdb_port)
		own.jobs = 1;
	proc_run_workers(ntasks, ntasks > 1 ? own.jobs : 1, run_task, task_done, run_end, &rt);
	for (size_t r = 0; r < total; r++)
		res[r].kernel = &kid[r / n];

	struct report_timings tm = { now_ms() - t0, build_ms };
	rc = run_report(&a, &own, res, owned, total, &im, sc, n, &tm);
	/* a shard that holds none of a failed build's scenarios still failed (it built) */
	if (im.nfailed && rc != KDIVE_EXIT_USAGE)
		rc = KDIVE_EXIT_INFRA;
out:
	for (size_t i = 0; res && i < total; i++)
		match_result_release(&res[i]);
	for (size_t i = 0; obs && i < total; i++)
		obs_run_release(&obs[i]);
	for (size_t i = 0; sc && i < n; i++)
		scenario_release(&sc[i]);
	for (size_t i = 0; users && i < n * im.nkernels; i++)
		userprog_release(&users[i]);
	free(users);
	free(res);
	free(obs);
	free(kid);
	free(sc);
	free(targets);
	free(slot);
	free(owned);
	cli_images_release(&im);
	return rc;
}

const struct cli_command cli_cmd_run = {
	.name = "run",
	.fn = cmd_run,
	.summary = "boot, run each scenario, compare with its expectations, report",
	.args = "SCENARIO... | --program PATH [-- ARG...]",
	.about =
	"Checks every SCENARIO file first (a bad one: FILE:LINE:COL, exit 2, nothing boots),\n"
	"builds or reuses the kernel and initramfs, then starts one guest per scenario,\n"
	"several side by side: the first run of a kernel + initramfs + QEMU set-up boots\n"
	"and saves the guest where init waits for its program (a warm snapshot, in the\n"
	"cache); later guests are restored from it in a tenth of a boot. The guest runs\n"
	"the scenario's program, kdive stops at each `stop` (limited to that\n"
	"program, and to one syscall with syscall=NAME), captures the kernel frames, the\n"
	"user-space frames of the syscall (from pt_regs), and the checked values, and\n"
	"compares them with the expectations. A mismatch shows expected against actual,\n"
	"with the scenario's file:line and the kernel source's file:line.\n"
	"The program may be your own (`program ./repro.c` in the scenario, or --program):\n"
	"kdive builds it (or takes your binary and its libraries) before anything boots,\n"
	"and it reaches the restored guest on a disk; its exit status and output are\n"
	"judged too (`exit 0`, `output contains ...`, `tap` for the TAP it prints).\n"
	"The format is documented in scenarios/README.md.\n"
	"\n"
	"A FILE that is a bundle (`kdive bundle`, told by its content) is replayed alone:\n"
	"unpacked into a private directory, its differences from this machine said, run\n"
	"with its own fragments and options, and each way its verdict or frames differ\n"
	"from the recorded ones said (exit 1 then, even when the scenario passes).\n"
	"\n"
	"With --shard I/N it runs a share of the (kernel x scenario) matrix, for a CI\n"
	"engine's job matrix: task t = kernel * SCENARIOS + scenario is shard t % N + 1's,\n"
	"so every task is in one shard and the shards differ by one task at most. Its\n"
	"JSON result names the whole run's kernels and files; kdive merge joins shards.\n"
	"\n"
	"Examples:\n"
	"  kdive run --shard 1/2 scenarios/getpid.scn scenarios/write.scn --format json --output build/s1.json\n"
	"  kdive run --shard 2/2 scenarios/getpid.scn scenarios/write.scn --format json --output build/s2.json\n",
	.opts = (const struct cli_opt[]){
		{ "format", CLI_KEY_FORMAT, 0, "FMT",
		  "text (default; colour on a terminal unless NO_COLOR is set),\n"
		  "ktap (KTAP v1), junit (JUnit XML), json (for scripts: its\n"
		  "JSON Schema is docs/result.schema.json, docs/design.md explains\n"
		  "it; installed, both are in PREFIX/share/doc/kdive)\n"
		  "or kcidb (KernelCI's KCIDB I/O schema v5.3, for kcidb-submit: a\n"
		  "checkout per source, named by its content (a tarball's sha256,\n"
		  "a git commit, a prebuilt bzImage's sha256), a build per config\n"
		  "or prebuilt image, a test per scenario and per stop with ids\n"
		  "random per run; a kdive, QEMU or gdb failure is MISS)" },
		CLI_OPT_ORIGIN,
		CLI_OPT_OUTPUT,
		CLI_OPT_PROGRAM,
		{ "keep", CLI_KEY_KEEP, 0, NULL,
		  "keep each run directory (console.log, qemu.log, gdb.mi)" },
		{ "timeout", CLI_KEY_TIMEOUT, 0, "SECONDS",
		  "limit per scenario (default: the scenario's `timeout`, or 300)" },
		{ "kernel", CLI_KEY_KERNEL, 0, "K",
		  "run on this kernel; repeat it to run every scenario on each:\n"
		  "6.1 or 6.12 (Debian's linux-source-K, built by kdive), a source\n"
		  "tree or tarball (built), or a prebuilt bzImage with --vmlinux\n"
		  "(default: 6.12)" },
		{ "jobs", 'j', 'j', "N",
		  "run N guests side by side, each scenario in a kdive worker\n"
		  "of its own (default: CPUs + 1; 1: one after another)" },
		{ "shard", 's', 0, "I/N",
		  "run shard I of N (1 <= I <= N <= 64) of the (kernel x\n"
		  "scenario) matrix: task t = kernel * SCENARIOS + scenario,\n"
		  "in the order given, is shard t % N + 1's. The others'\n"
		  "results are left out; kdive merge joins the shards' JSON\n"
		  "reports into what one run would have written" },
		CLI_OPT_GDB_PORT,
		{ "verbose", CLI_KEY_VERBOSE, 'v', NULL,
		  "detail passing scenarios too: narration, frames, values\n"
		  "(`kdive -v run` also logs what kdive does, and how\n"
		  "long each phase of a run takes)" },
		CLI_OPT_END,
	},
	.shared = cli_guest_opts,
	.formats = "text,ktap,junit,json,kcidb",
	.tail = "Exit: 0 all passed, 1 an expectation failed, 2 bad usage or scenario file,\n"
		"3 infrastructure failure (build, boot, gdb, QEMU), 4 everything skipped.\n"
		"A kernel that does not build is reported, not fatal: each scenario on it is an\n"
		"error (KCIDB: a build with status FAIL), the other kernels run, and the exit is 3.\n",
	.detail_v = 1,
};
