/*
 * cli: subcommand table, global options, help, exit codes; cli_images.c resolves what
 * a command boots. Depends on every module.
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
	&cli_cmd_build, &cli_cmd_run, &cli_cmd_merge, &cli_cmd_record, &cli_cmd_bundle, &cli_cmd_lstar,
	&cli_cmd_debug, &cli_cmd_tour, &cli_cmd_serve, &cli_cmd_dap,
	&cli_cmd_doctor,
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
#define CLI_MAX_OPTS 32

const struct cli_opt cli_guest_opts[] = {
	CLI_OPT_KERNEL,
	CLI_OPT_VMLINUX,
	CLI_OPT_INDEX,
	CLI_OPT_KASLR,
	CLI_OPT_SMP,
	CLI_OPT_APPEND,
	CLI_OPT_NO_SNAPSHOT,
	CLI_OPT_END,
};

/* c's options into v: its own, then the shared ones it does not word itself. */
static size_t all_opts(const struct cli_command *c, const struct cli_opt **v)
{
	size_t n = 0;
	for (const struct cli_opt *o = c->opts; o->name && n < CLI_MAX_OPTS; o++)
		v[n++] = o;
	for (const struct cli_opt *o = c->shared; o && o->name && n < CLI_MAX_OPTS; o++) {
		size_t k = 0;
		while (k < n && strcmp(v[k]->name, o->name))
			k++;
		if (k == n)
			v[n++] = o;
	}
	return n;
}

void cli_print_help(const struct cli_command *c, FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	const struct cli_opt *v[CLI_MAX_OPTS];
	size_t nv = all_opts(c, v);
	fprintf(out, "usage: kdive %s [OPTIONS]%s%s\n\n%s", c->name, c->args ? " " : "",
		c->args ? c->args : "", c->about);
	if (nv)
		fprintf(out, "\nOptions:\n");
	for (size_t i = 0; i < nv; i++) {
		const struct cli_opt *o = v[i];
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
	case CLI_KEY_KASLR: a->boot.guest.kaslr = 1; return 0;
	case CLI_KEY_APPEND: a->boot.guest.append = arg; return 0;
	case CLI_KEY_INDEX: a->boot.index = 1; return 0;
	case CLI_KEY_NO_SNAPSHOT: a->boot.no_snapshot = 1; return 0;
	case CLI_KEY_PROGRAM:
		if (!*arg)
			return cli_usage_error(c->name, "--program needs a program: a path (./repro.c) "
					       "or a built-in name (fork)");
		a->boot.program = arg;
		return 0;
	case CLI_KEY_SMP:
		v = strtol(arg, &end, 10);
		if (*end || end == arg || v < 1 || v > 8)
			return cli_usage_error(c->name, "--smp needs a number of CPUs (1 to 8), not '%s'",
					       arg);
		a->boot.guest.cpus = (int)v;
		return 0;
	case CLI_KEY_KEEP: a->boot.guest.keep = 1; return 0;
	case CLI_KEY_ORIGIN:
		/* KCIDB v5's pattern for an origin */
		if (!*arg || strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(arg))
			return cli_usage_error(c->name, "--origin '%s': KCIDB takes lowercase "
					       "letters, digits and '_' only", arg);
		a->origin = arg;
		return 0;
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
		a->boot.guest.timeout_s = (int)v;
		return 0;
	case CLI_KEY_GDB_PORT:
		v = strtol(arg, &end, 10);
		if (*end || end == arg || v <= 0 || v > 65535)
			return cli_usage_error(c->name, "--gdb-port needs a TCP port, not '%s'", arg);
		a->boot.guest.gdb_port = (int)v;
		warning("--gdb-port: the gdbstub listens on 127.0.0.1:%d, open to every local "
			"user (and through it QEMU's monitor)", a->boot.guest.gdb_port);
		return 0;
	}
	return -1;
}

int cli_parse(const struct cli_command *c, int argc, char **argv, struct cli_args *a,
	      cli_opt_fn own, void *ctx)
{
	struct option longopts[CLI_MAX_OPTS + 1];
	const struct cli_opt *v[CLI_MAX_OPTS];
	struct strbuf shorts = STRBUF_INIT;
	size_t n = 0, nv = all_opts(c, v);
	int key, rc = 0;
	memset(a, 0, sizeof(*a));
	a->cmd = c;
	if (c->formats) {
		snprintf(a->format_buf, sizeof(a->format_buf), "%.*s",
			 (int)strcspn(c->formats, ","), c->formats);
		a->format = a->format_buf;
	}
	strbuf_addch(&shorts, ':'); /* a missing value is reported as ':' */
	for (size_t i = 0; i < nv; i++) {
		const struct cli_opt *o = v[i];
		longopts[n++] = (struct option){ o->name, o->arg ? required_argument : no_argument,
						 NULL, o->key };
		if (o->short_name) {
			strbuf_addch(&shorts, o->short_name);
			if (o->arg)
				strbuf_addch(&shorts, ':');
		}
	}
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	/* Everything after "--" is an operand: the program's arguments. */
	for (int k = 1; k < argc; k++)
		if (!strcmp(argv[k], "--")) {
			a->nafter = argc - k - 1;
			break;
		}
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
			for (size_t i = 0; i < nv; i++)
				if (v[i]->short_name && v[i]->short_name == key)
					key = v[i]->key;
			int r = shared_option(c, key, optarg, a);
			if (r < 0)
				r = own ? own(ctx, key, optarg) : 0;
			rc = r;
		}
	}
	strbuf_release(&shorts);
	a->rest = argv + optind;
	a->nrest = argc - optind;
	/* Without --program, what follows "--" is operands like any other. */
	if (!a->boot.program)
		a->nafter = 0;
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


#define SCENARIO_MAX_BYTES (1 << 20) /* far above any scenario; /dev/zero is not one */

int cli_load_scenario_quiet(const char *path, struct scenario *sc, struct strbuf *text,
			    struct strbuf *why)
{
	struct strbuf buf = STRBUF_INIT;
	int rc = 0;
	if (strbuf_read_input(&buf, path, "scenario", SCENARIO_MAX_BYTES, why) < 0 ||
	    scenario_parse_buf(sc, path, buf.buf, buf.len, why) < 0)
		rc = KDIVE_EXIT_USAGE;
	if (text && !rc)
		strbuf_add(text, buf.buf, buf.len);
	strbuf_release(&buf);
	return rc;
}

int cli_load_scenario(const char *path, struct scenario *sc, struct strbuf *text)
{
	struct strbuf err = STRBUF_INIT;
	int rc = cli_load_scenario_quiet(path, sc, text, &err);
	if (rc)
		cli_print_failure(err.buf);
	strbuf_release(&err);
	return rc;
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
