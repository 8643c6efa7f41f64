/*
 * cli: subcommand table, global options, help, exit codes. Depends on every module.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "deps.h"
#include "session.h"
#include "initramfs.h"
#include "kbuild.h"
#include "match.h"
#include "proc.h"
#include "scenario.h"
#include "syscalls.h"
#include "cache_dir.h"
#include "files.h"
#include "strvec.h"
#include "timeutil.h"
#include "wrapper.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static const struct cli_command *const commands[] = {
	&cli_cmd_build, &cli_cmd_run, &cli_cmd_record, &cli_cmd_lstar,
	&cli_cmd_debug, &cli_cmd_tour, &cli_cmd_serve, &cli_cmd_doctor,
};

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static void print_main_help(FILE *out)
{
	fprintf(out,
		"usage: kdive [-v|-q] COMMAND [ARGS]\n"
		"\n"
		"kdive makes kernel debugging with QEMU and gdb one command: it builds a small\n"
		"kernel and a busybox initramfs, boots them under QEMU with the gdbstub, drives\n"
		"gdb over MI, and checks the entry path of system calls against scenario files.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out,
		"\n"
		"`kdive COMMAND --help` explains each one. Exit codes: 0 all passed, 1 an\n"
		"expectation failed, 2 bad usage or bad input file, 3 infrastructure failure\n"
		"(build, boot, gdb, QEMU), 4 skipped.\n");
}

/* "--name ARG" or "-q, --name" as the option's help shows it. */
static void option_synopsis(const struct cli_opt *o, struct strbuf *sb)
{
	if (o->short_name)
		strbuf_addf(sb, "-%c, ", o->short_name);
	strbuf_addf(sb, "--%s", o->name);
	if (o->arg)
		strbuf_addf(sb, " %s", o->arg);
}

#define HELP_COLUMN 22 /* where an option's help text starts */

void cli_print_help(const struct cli_command *c, FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	fprintf(out, "usage: kdive %s [OPTIONS]%s%s\n\n%s", c->name, c->args ? " " : "",
		c->args ? c->args : "", c->about);
	if (c->opts[0].name)
		fprintf(out, "\nOptions:\n");
	for (const struct cli_opt *o = c->opts; o->name; o++) {
		strbuf_reset(&sb);
		option_synopsis(o, &sb);
		/* The synopsis, then the help's lines in a column of their own. */
		const char *h = o->help;
		int col = fprintf(out, "  %s", sb.buf);
		do {
			size_t n = strcspn(h, "\n");
			if (col >= HELP_COLUMN) {
				fputc('\n', out);
				col = 0;
			}
			fprintf(out, "%*s%.*s\n", HELP_COLUMN - col, "", (int)n, h);
			col = 0;
			h += n;
		} while (*h++);
	}
	if (c->tail)
		fprintf(out, "\n%s", c->tail);
	strbuf_release(&sb);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	fprintf(stderr, "kdive %s: %s\nTry 'kdive %s --help'.\n", cmd, sb.buf, cmd);
	strbuf_release(&sb);
	return KDIVE_EXIT_USAGE;
}

/* Is word one of the comma-separated list? */
static int in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && !strncmp(p, word, n))
			return 1;
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

/* "text, ktap, junit or json" from "text,ktap,junit,json". */
static void list_words(const char *list, struct strbuf *sb)
{
	const char *last = strrchr(list, ',');
	for (const char *p = list; *p; p++) {
		if (p == last)
			strbuf_addstr(sb, " or ");
		else if (*p == ',')
			strbuf_addstr(sb, ", ");
		else
			strbuf_addch(sb, *p);
	}
}

static int shared_option(const struct cli_command *c, int key, const char *arg,
			 struct cli_args *a)
{
	char *end;
	long v;
	switch (key) {
	case CLI_KEY_KERNEL:
		if (a->boot.nkernels == CLI_MAX_KERNELS)
			return cli_usage_error(c->name, "at most %d kernels", CLI_MAX_KERNELS);
		a->boot.kernels[a->boot.nkernels++] = arg;
		return 0;
	case CLI_KEY_VMLINUX:
		if (a->boot.nvmlinux == CLI_MAX_KERNELS)
			return cli_usage_error(c->name, "at most %d kernels", CLI_MAX_KERNELS);
		a->boot.vmlinux[a->boot.nvmlinux++] = arg;
		return 0;
	case CLI_KEY_KASLR: a->boot.kaslr = 1; return 0;
	case CLI_KEY_APPEND: a->boot.append = arg; return 0;
	case CLI_KEY_INDEX: a->boot.index = 1; return 0;
	case CLI_KEY_NO_SNAPSHOT: a->boot.no_snapshot = 1; return 0;
	case CLI_KEY_SMP:
		v = strtol(arg, &end, 10);
		if (*end || end == arg || v < 1 || v > 8)
			return cli_usage_error(c->name, "--smp needs a number of CPUs (1 to 8), not '%s'",
					       arg);
		a->boot.cpus = (int)v;
		return 0;
	case CLI_KEY_KEEP: a->boot.keep = 1; return 0;
	case CLI_KEY_OUTPUT: a->output = arg; return 0;
	case CLI_KEY_VERBOSE:
		a->verbose = 1;
		if (!c->detail_v)
			diag_set_level(DIAG_DEBUG);
		return 0;
	case CLI_KEY_FORMAT:
		if (!in_list(c->formats, arg)) {
			struct strbuf sb = STRBUF_INIT;
			list_words(c->formats, &sb);
			int rc = cli_usage_error(c->name, "--format must be %s, not '%s'", sb.buf, arg);
			strbuf_release(&sb);
			return rc;
		}
		a->format = arg;
		return 0;
	case CLI_KEY_TIMEOUT:
		v = strtol(arg, &end, 10);
		if (*end || end == arg || v <= 0 || v > 86400)
			return cli_usage_error(c->name, "--timeout needs seconds (1 to 86400), not '%s'",
					       arg);
		a->boot.timeout_s = (int)v;
		return 0;
	case CLI_KEY_GDB_PORT:
		v = strtol(arg, &end, 10);
		if (*end || end == arg || v <= 0 || v > 65535)
			return cli_usage_error(c->name, "--gdb-port needs a TCP port, not '%s'", arg);
		a->boot.gdb_port = (int)v;
		warning("--gdb-port: the gdbstub listens on 127.0.0.1:%d, open to every local "
			"user (and through it QEMU's monitor)", a->boot.gdb_port);
		return 0;
	}
	return -1;
}

int cli_parse(const struct cli_command *c, int argc, char **argv, struct cli_args *a,
	      cli_opt_fn own, void *ctx)
{
	struct option longopts[32];
	struct strbuf shorts = STRBUF_INIT;
	size_t n = 0;
	int key, rc = 0;
	memset(a, 0, sizeof(*a));
	a->cmd = c;
	if (c->formats) {
		snprintf(a->format_buf, sizeof(a->format_buf), "%.*s",
			 (int)strcspn(c->formats, ","), c->formats);
		a->format = a->format_buf;
	}
	strbuf_addch(&shorts, ':'); /* a missing value is reported as ':' */
	for (const struct cli_opt *o = c->opts; o->name && n + 1 < ARRAY_SIZE(longopts); o++) {
		longopts[n++] = (struct option){ o->name, o->arg ? required_argument : no_argument,
						 NULL, o->key };
		if (o->short_name) {
			strbuf_addch(&shorts, o->short_name);
			if (o->arg)
				strbuf_addch(&shorts, ':');
		}
	}
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	optind = 1;
	opterr = 0;
	while (!rc && (key = getopt_long(argc, argv, shorts.buf, longopts, NULL)) != -1) {
		const char *word = argv[optind - 1];
		if (key == ':') {
			rc = cli_usage_error(c->name, "option '%s' needs a value", word);
		} else if (key == '?') {
			rc = cli_usage_error(c->name, "unknown option '%s'", word);
		} else {
			/* A short option's letter stands for its long option's key. */
			for (const struct cli_opt *o = c->opts; o->name; o++)
				if (o->short_name && o->short_name == key)
					key = o->key;
			int r = shared_option(c, key, optarg, a);
			if (r < 0)
				r = own ? own(ctx, key, optarg) : 0;
			rc = r;
		}
	}
	strbuf_release(&shorts);
	a->rest = argv + optind;
	a->nrest = argc - optind;
	return rc;
}

int cli_format_is(const struct cli_args *a, const char *name)
{
	return a->format && !strcmp(a->format, name);
}

int cli_color(const struct cli_args *a)
{
	const char *nc = getenv("NO_COLOR");
	return !a->output && isatty(STDOUT_FILENO) && !(nc && *nc) &&
	       (!a->format || cli_format_is(a, "text"));
}

int cli_emit(const struct cli_args *a, const char *data, size_t len)
{
	if (!a->output) {
		fwrite(data, 1, len, stdout);
		return KDIVE_EXIT_PASS;
	}
	if (write_file_atomic(a->output, data, len) < 0) {
		error_errno("cannot write report '%s'", a->output);
		return KDIVE_EXIT_INFRA;
	}
	return KDIVE_EXIT_PASS;
}

static int has_data(const char *dir)
{
	char *p = xstrfmt("%s/kconfig/base.config", dir);
	int r = access(p, R_OK) == 0;
	free(p);
	return r;
}

const char *cli_datadir(void)
{
	static char *dir;
	char exe[PATH_MAX];
	ssize_t n;
	if (dir)
		return dir;
	const char *env = getenv("KDIVE_DATA");
	if (env && *env)
		return dir = xstrdup(env);
	/* Next to the binary (build/kdive → the checkout), installed (PREFIX/bin/kdive →
	 * PREFIX/share/kdive), then where it was built. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (int up = 0; up < 2; up++) {
			char *slash = strrchr(exe, '/');
			if (!slash)
				break;
			*slash = '\0';
			if (has_data(exe))
				return dir = xstrdup(exe);
			char *share = xstrfmt("%s/share/kdive", exe);
			if (up == 1 && has_data(share))
				return dir = share;
			free(share);
		}
	}
	if (has_data(KDIVE_SRCDIR))
		return dir = xstrdup(KDIVE_SRCDIR);
	return dir = xstrdup(".");
}

int cli_exit_code(const size_t *counts)
{
	if (counts[MATCH_ERROR])
		return KDIVE_EXIT_INFRA;
	if (counts[MATCH_FAIL])
		return KDIVE_EXIT_FAIL;
	return counts[MATCH_PASS] ? KDIVE_EXIT_PASS : KDIVE_EXIT_SKIP;
}

int cli_results_exit_code(const struct match_result *res, size_t n)
{
	size_t counts[MATCH_NSTATUS] = { 0 };
	for (size_t i = 0; i < n; i++)
		counts[res[i].status]++;
	return cli_exit_code(counts);
}

int cli_fail_exit_code(enum fail_kind kind)
{
	return kind == FAIL_INPUT ? KDIVE_EXIT_USAGE : KDIVE_EXIT_INFRA;
}

void cli_print_failure(const char *msg)
{
	static const char *const labels[] = { "error: ", "warning: ", "hint: ", "full log: " };
	fflush(stdout);
	for (const char *p = msg; *p;) {
		const char *end = strchrnul(p, '\n');
		int ours = 0;
		for (size_t i = 0; i < ARRAY_SIZE(labels); i++)
			ours |= !strncmp(p, labels[i], strlen(labels[i]));
		fprintf(stderr, "%s%.*s\n", ours ? "kdive: " : "", (int)(end - p), p);
		p = *end ? end + 1 : end;
	}
}

/* struct progress's fn: draw what a long operation reports, as d->mode asks. */
static void show_progress(void *ctx, enum progress_event ev, const char *status, const char *now)
{
	struct cli_progress *d = ctx;
	int64_t t = now_ms();
	if (ev == PROGRESS_DONE) {
		if (d->shown)
			fputs("\r\033[K", stderr);
		d->shown = 0;
		return;
	}
	if (!d->mode || (d->mode == 1 && ev == PROGRESS_TICK && t - d->last < 20000))
		return;
	d->last = t;
	if (d->mode == 2) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addstr(&sb, status);
		if (now)
			strbuf_addf(&sb, "  %s", now);
		/* Never wider than the line: cut, and clear the rest. */
		if (sb.len > 110)
			strbuf_setlen(&sb, 110);
		fprintf(stderr, "\r\033[K  %s", sb.buf);
		d->shown = 1;
		strbuf_release(&sb);
	} else {
		fprintf(stderr, "kdive: %s\n", status);
	}
	fflush(stderr);
}

void cli_progress_init(struct cli_progress *d, int mode, struct progress *p)
{
	d->mode = mode;
	d->last = 0;
	d->shown = 0;
	p->fn = show_progress;
	p->ctx = d;
}

int cli_cache_ready(const char *cache)
{
	struct strbuf why = STRBUF_INIT;
	int rc = KDIVE_EXIT_PASS;
	if (mkdir_p(cache, 0755) < 0) {
		error_errno("cannot create the cache directory '%s'", cache);
		rc = KDIVE_EXIT_INFRA;
	} else if (!cache_dir_trusted(cache, &why)) {
		error("the cache directory is not safe to use: %s (set KDIVE_CACHE to a directory "
		      "of your own)", why.buf);
		rc = KDIVE_EXIT_INFRA;
	}
	strbuf_release(&why);
	return rc;
}

/* 1 when path looks like a kernel source: a directory or a tarball. */
static int is_source(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	return strstr(path, ".tar") != NULL;
}

/* 1 for "6.1", "6.12": a Debian linux-source version. */
static int is_debian_version(const char *spec)
{
	int dots = 0;
	if (!*spec || !isdigit((unsigned char)*spec))
		return 0;
	for (const char *p = spec; *p; p++) {
		if (*p == '.')
			dots++;
		else if (!isdigit((unsigned char)*p))
			return 0;
	}
	return dots == 1 && spec[strlen(spec) - 1] != '.';
}

/* Build (or reuse) one kernel from source; an exit code. */
static int build_kernel(struct kernel *k, const char *src, const struct cli_boot_opts *b,
			const char *cache)
{
	struct kbuild_opts ko = { 0 };
	struct kbuild_result kr;
	struct cli_progress show;
	struct strbuf err = STRBUF_INIT;
	int rc = KDIVE_EXIT_PASS;
	memset(&kr, 0, sizeof(kr));
	strvec_init(&ko.fragments);
	strvec_pushf(&ko.fragments, "%s/kconfig/base.config", cli_datadir());
	if (b->cpus > 1)
		strvec_pushf(&ko.fragments, "%s/kconfig/smp.config", cli_datadir());
	ko.src = src;
	ko.cache = cache;
	cli_progress_init(&show, isatty(STDERR_FILENO) ? 2 : 1, &ko.progress);
	if (kbuild_run(&ko, &kr, &err) < 0) {
		cli_print_failure(err.buf);
		rc = cli_fail_exit_code(kr.fail);
	} else {
		k->bzimage = xstrdup(kr.bzimage);
		k->vmlinux = xstrdup(kr.vmlinux);
		k->version = kr.version ? xstrdup(kr.version) : NULL;
		k->key = xstrdup(kr.key);
		k->srctree = xstrdup(kr.srctree);
		k->build = xstrdup(kr.dir);
		k->tree = xstrdup(kr.build);
	}
	strvec_clear(&ko.fragments);
	kbuild_result_release(&kr);
	strbuf_release(&err);
	return rc;
}

/* One kernel as named (spec NULL: the default source); an exit code. */
static int resolve_kernel(struct kernel *k, const char *spec, const char *vmlinux,
			  const struct cli_boot_opts *b, const char *cache)
{
	struct strbuf err = STRBUF_INIT;
	int rc;
	memset(k, 0, sizeof(*k));
	if (!spec) {
		const char *src = deps_kernel_tarball();
		k->name = xstrdup(src);
		k->source = xstrdup(src);
		rc = build_kernel(k, NULL, b, cache);
	} else if (is_debian_version(spec)) {
		char *tarball = xstrfmt("/usr/src/linux-source-%s.tar.xz", spec);
		k->name = xstrdup(spec);
		k->source = xstrfmt("linux-source-%s", spec);
		if (access(tarball, R_OK) < 0) {
			error("kernel %s: %s is missing; install it with: apt-get install "
			      "--no-install-recommends linux-source-%s", spec, tarball, spec);
			rc = KDIVE_EXIT_INFRA;
		} else {
			rc = build_kernel(k, tarball, b, cache);
		}
		free(tarball);
	} else if (is_source(spec)) {
		k->name = xstrdup(spec);
		k->source = xstrdup(spec);
		rc = build_kernel(k, spec, b, cache);
	} else {
		/* A prebuilt image, with its --vmlinux. */
		k->name = xstrdup(spec);
		k->source = xstrdup("prebuilt");
		if (access(spec, R_OK) < 0 || access(vmlinux, R_OK) < 0) {
			error_errno("cannot read '%s' or '%s'", spec, vmlinux);
			return KDIVE_EXIT_USAGE;
		}
		if (kernel_check_bzimage(spec, &err) < 0) {
			error("%s", err.buf);
			return KDIVE_EXIT_USAGE;
		}
		k->bzimage = xstrdup(spec);
		k->vmlinux = xstrdup(vmlinux);
		rc = KDIVE_EXIT_PASS;
		if (kernel_has_gdb_index(vmlinux)) {
			/* gdb reads it quickly */
		} else if (!b->index) {
			info("%s has no .gdb_index: gdb's first look-ups in it can take minutes "
			     "(about 20 s for Debian's 600 MB vmlinux); --index makes an indexed "
			     "copy in the cache, once", vmlinux);
		} else {
			char *copy;
			info("indexing a copy of %s for gdb (once; about 10 s for 600 MB)", vmlinux);
			if (kernel_indexed_copy(vmlinux, cache, &copy, &err) < 0) {
				error("%s", err.buf);
				rc = KDIVE_EXIT_INFRA;
			} else {
				free(k->vmlinux);
				k->vmlinux = copy;
			}
		}
	}
	if (!rc && kernel_read_vmlinux(k, &err) < 0) {
		error("kernel %s: %s", k->name, err.buf);
		rc = KDIVE_EXIT_INFRA;
	}
	struct session_layout l;
	if (!rc && session_layout_read(&l, k->vmlinux) == 0) {
		if (l.fred)
			info("kernel %s has FRED entry code (6.9+): booted with fred=on on a CPU that "
			     "has FRED, syscalls enter at fred_entry_from_user instead of MSR_LSTAR's "
			     "entry_SYSCALL_64; QEMU 7.2's TCG has no FRED, so here they take the "
			     "SYSCALL path (pt_regs then sit 16 bytes lower, which kdive accounts for)",
			     k->version);
		session_layout_release(&l);
	}
	if (!rc && !k->srctree)
		info("kernel %s: no source tree, so frames name files but kdive cannot show "
		     "their source", k->version);
	strbuf_release(&err);
	return rc;
}

int cli_resolve_images(struct cli_images *im, const struct cli_boot_opts *b, size_t max)
{
	struct initramfs_opts io = { 0 };
	struct initramfs_result ir;
	struct cli_progress irshow;
	struct strbuf err = STRBUF_INIT;
	char *cache = kdive_cache_dir();
	char *irdir = xstrfmt("%s/initramfs", cli_datadir());
	size_t n = b->nkernels ? b->nkernels : 1, prebuilt = 0;
	int rc = KDIVE_EXIT_PASS;

	memset(im, 0, sizeof(*im));
	if (n > max) {
		error("this command takes one kernel, not %zu", n);
		rc = KDIVE_EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < b->nkernels; i++)
		prebuilt += !is_debian_version(b->kernels[i]) && !is_source(b->kernels[i]);
	if (prebuilt != b->nvmlinux) {
		error("%zu prebuilt kernel%s but %zu --vmlinux: each prebuilt image needs its "
		      "vmlinux, in the same order", prebuilt, prebuilt == 1 ? "" : "s", b->nvmlinux);
		rc = KDIVE_EXIT_USAGE;
		goto out;
	}
	rc = cli_cache_ready(cache);
	if (rc)
		goto out;
	io.datadir = irdir;
	io.cache = cache;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	io.epoch = sde ? (uint32_t)strtoul(sde, NULL, 10) : 0;
	/* A line when it builds, as an info message would be (-q: none). */
	cli_progress_init(&irshow, diag_enabled(DIAG_INFO) ? 1 : 0, &io.progress);
	if (initramfs_build(&io, &ir, &err) < 0) {
		cli_print_failure(err.buf);
		rc = cli_fail_exit_code(ir.fail);
		initramfs_result_release(&ir);
		goto out;
	}
	im->initrd = xstrdup(ir.path);
	im->progs = xstrdup(ir.progs);
	initramfs_result_release(&ir);
	im->kernels = xcalloc(n, sizeof(*im->kernels));
	/* The i-th prebuilt image goes with the i-th --vmlinux. */
	for (size_t i = 0, v = 0; i < n && !rc; i++) {
		const char *spec = b->nkernels ? b->kernels[i] : NULL;
		int given = spec && !is_debian_version(spec) && !is_source(spec);
		rc = resolve_kernel(&im->kernels[i], spec, given ? b->vmlinux[v++] : NULL, b,
				    cache);
		im->nkernels = i + 1;
	}
	/* Warm snapshots unless asked not to (CI that wants every boot real, say). */
	const char *nosnap = getenv("KDIVE_NO_SNAPSHOT");
	if (!b->no_snapshot && !(nosnap && *nosnap && strcmp(nosnap, "0")))
		im->snapshots = xstrfmt("%s/warm", cache);
out:
	strbuf_release(&err);
	free(cache);
	free(irdir);
	return rc;
}

void cli_images_release(struct cli_images *im)
{
	free(im->initrd);
	free(im->progs);
	free(im->snapshots);
	for (size_t i = 0; i < im->nkernels; i++)
		kernel_release(&im->kernels[i]);
	free(im->kernels);
	memset(im, 0, sizeof(*im));
}

#define SCENARIO_MAX_BYTES (1 << 20) /* far above any scenario; /dev/zero is not one */

int cli_load_scenario(const char *path, struct scenario *sc, struct strbuf *text)
{
	struct strbuf buf = STRBUF_INIT, err = STRBUF_INIT;
	int rc = 0;
	if (strbuf_read_input(&buf, path, "scenario", SCENARIO_MAX_BYTES, &err) < 0) {
		cli_print_failure(err.buf);
		rc = KDIVE_EXIT_USAGE;
	} else if (scenario_parse_buf(sc, path, buf.buf, buf.len, &err) < 0) {
		fputs(err.buf, stderr);
		rc = KDIVE_EXIT_USAGE;
	}
	if (text && !rc)
		strbuf_add(text, buf.buf, buf.len);
	strbuf_release(&buf);
	strbuf_release(&err);
	return rc;
}

int cli_check_names(const struct scenario *sc, const struct cli_images *im)
{
	int bad = 0;
	char *prog = xstrfmt("%s/%s", im->progs, sc->program);
	if (access(prog, R_OK) < 0) {
		fprintf(stderr, "%s:%d:%d: no guest program '%s' (initramfs/progs/%s.c)\n", sc->file,
			sc->program_line, sc->program_col, sc->program, sc->program);
		bad = 1;
	}
	free(prog);
	/* What the run line cannot carry is said now, not after a boot. */
	struct strbuf line = STRBUF_INIT, why = STRBUF_INIT;
	if (qemu_go_line(sc->program, &sc->args, &line, &why) < 0) {
		fprintf(stderr, "%s:%d:%d: %s\n", sc->file, sc->program_line, sc->program_col,
			why.buf);
		bad = 1;
	}
	strbuf_release(&line);
	strbuf_release(&why);
	for (size_t k = 0; k < im->nkernels; k++) {
		const struct kernel *kern = &im->kernels[k];
		for (size_t i = 0; i < sc->nstops; i++) {
			const struct scenario_stop *st = &sc->stops[i];
			if (!st->syscall || !guard_holds(&st->guard, kern->version) ||
			    run_syscall_nr(&kern->syscalls, st->syscall) >= 0)
				continue;
			fprintf(stderr, "%s:%d:%d: kernel %s has no syscall '%s'\n", sc->file, st->line,
				st->syscall_col, kern->version, st->syscall);
			bad = 1;
		}
	}
	return bad ? KDIVE_EXIT_USAGE : KDIVE_EXIT_PASS;
}

void cli_run_target(const struct cli_images *im, const struct kernel *k, struct run_target *t)
{
	memset(t, 0, sizeof(*t));
	t->bzimage = k->bzimage;
	t->vmlinux = k->vmlinux;
	t->version = k->version;
	t->initrd = im->initrd;
	t->progs = im->progs;
	t->syscalls = &k->syscalls;
	/* Reports name "kernel/fork.c", "fork.c": the same on every machine. */
	size_t n = 0;
	const char *roots[] = { k->srctree, k->tree, k->build, "/kdive/progs" };
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++)
		if (roots[i])
			t->roots[n++] = roots[i];
	t->roots[n] = NULL;
}

/* Where the library's diagnostics go: stderr, after whatever stdout holds. */
static void print_diag(enum diag_level level, const char *msg, void *ctx)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	(void)ctx;
	fflush(stdout);
	fprintf(stderr, "kdive: %s%s\n", prefix[level], msg);
}

int cli_main(int argc, char **argv)
{
	int i = 1;
	diag_set_sink(print_diag, NULL, DIAG_INFO);
	proc_install_guard();
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			diag_set_level(DIAG_DEBUG);
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			diag_set_level(DIAG_WARNING);
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_main_help(stdout);
			return KDIVE_EXIT_PASS;
		} else if (!strcmp(a, "--version")) {
			printf("kdive %s\n", KDIVE_VERSION);
			return KDIVE_EXIT_PASS;
		} else {
			fprintf(stderr, "kdive: unknown option '%s'\n", a);
			print_main_help(stderr);
			return KDIVE_EXIT_USAGE;
		}
	}
	if (i == argc) {
		print_main_help(stderr);
		return KDIVE_EXIT_USAGE;
	}
	const char *name = argv[i];
	if (!strcmp(name, "help")) {
		if (i + 1 < argc && find_command(argv[i + 1])) {
			cli_print_help(find_command(argv[i + 1]), stdout);
			return KDIVE_EXIT_PASS;
		}
		print_main_help(stdout);
		return i + 1 < argc ? KDIVE_EXIT_USAGE : KDIVE_EXIT_PASS;
	}
	const struct cli_command *c = find_command(name);
	if (!c) {
		fprintf(stderr, "kdive: unknown command '%s'\n\n", name);
		print_main_help(stderr);
		return KDIVE_EXIT_USAGE;
	}
	for (int k = i + 1; k < argc; k++) {
		if (!strcmp(argv[k], "--"))
			break;
		if (!strcmp(argv[k], "-h") || !strcmp(argv[k], "--help")) {
			cli_print_help(c, stdout);
			return KDIVE_EXIT_PASS;
		}
	}
	int rc = c->fn(argc - i, argv + i);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error_errno("writing the output");
		if (!rc)
			rc = KDIVE_EXIT_INFRA;
	}
	return rc;
}
