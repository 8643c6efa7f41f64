/*
 * kdive doctor: every dependency, found or missing, marked with what it is for (run or
 * test), and the command that installs what is missing. --fix installs what running
 * needs; --test adds what only the tests need, to the check and to --fix.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "deps.h"
#include "strbuf.h"
#include "usage.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What doctor was asked: the DEPS_* it checks strictly and --fix installs. */
struct doctor_opts {
	int fix;       /* --fix: install what is missing */
	unsigned need; /* DEPS_RUN, with --test DEPS_RUN | DEPS_TEST */
};

static void print_table(const struct deps_status *st, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct deps_status *s = &st[i];
		printf("  %-8s %-5s %-20s %s", s->found ? "ok" : "MISSING", deps_need_name(s->need),
		       s->name, s->where && s->found ? s->where : "");
		if (s->detail)
			printf("%s%s", s->found ? "  " : "", s->detail);
		if (!s->found)
			printf("  (package %s)", s->package);
		printf("\n");
	}
	struct strbuf why = STRBUF_INIT;
	if (deps_kvm_usable(&why))
		printf("  %-8s %-5s %-20s %s\n", "info", "", "kvm", "usable: QEMU will use KVM");
	else
		printf("  %-8s %-5s %-20s not usable (%s): QEMU will use TCG (slower, works)\n",
		       "info", "", "kvm", why.buf);
	strbuf_release(&why);
}

/*
 * What is missing, and how to get it: the packages of the dependencies asked for
 * (their command), then those of the test dependencies when they were not asked for
 * (a hint: they change neither the exit status nor what --fix installs). Returns how
 * many packages of the asked-for dependencies are missing.
 */
static int print_missing(const struct deps_status *st, size_t n, unsigned need)
{
	struct strbuf cmd = STRBUF_INIT, tests = STRBUF_INIT;
	int missing = deps_fix_command(st, n, need, &cmd);
	int test_only = need & DEPS_TEST ? 0 : deps_fix_command(st, n, DEPS_TEST, &tests);

	if (!missing && !test_only)
		printf("everything kdive needs is here.\n");
	else if (!missing)
		printf("everything kdive needs to run is here.\n");
	else
		printf("missing%s: %d package%s. Fix with:\n  %s\n",
		       need & DEPS_TEST ? "" : " to run", missing, missing == 1 ? "" : "s", cmd.buf);
	if (test_only)
		printf("the tests also need %d package%s (kdive doctor --fix --test installs "
		       "them):\n  %s\n", test_only, test_only == 1 ? "" : "s", tests.buf);
	strbuf_release(&cmd);
	strbuf_release(&tests);
	return missing;
}

/* apt-get install what is missing (as root), then check again: 0 or KDIVE_EXIT_INFRA. */
static int install_missing(struct deps_status **st, size_t *n, unsigned need)
{
	struct strbuf cmd = STRBUF_INIT, err = STRBUF_INIT;
	int rc = KDIVE_EXIT_PASS;
	deps_fix_command(*st, *n, need, &cmd);
	printf("installing: %s\n", cmd.buf);
	fflush(stdout);
	if (deps_install(*st, *n, need, &err) < 0) {
		cli_print_failure(err.buf);
		rc = KDIVE_EXIT_INFRA;
		goto out;
	}
	deps_free(*st, *n);
	*st = deps_check(n);
	strbuf_reset(&cmd);
	if (deps_fix_command(*st, *n, need, &cmd)) {
		error("still missing after apt-get: %s", cmd.buf);
		rc = KDIVE_EXIT_INFRA;
	}
out:
	strbuf_release(&cmd);
	strbuf_release(&err);
	return rc;
}

static int doctor_option(void *ctx, int key, const char *arg)
{
	struct doctor_opts *o = ctx;
	(void)arg;
	if (key == 'f')
		o->fix = 1;
	else if (key == 't')
		o->need |= DEPS_TEST;
	return 0;
}

static int cmd_doctor(int argc, char **argv)
{
	struct cli_args a;
	struct doctor_opts o = { .need = DEPS_RUN };
	size_t n;
	int prc = cli_parse(&cli_cmd_doctor, argc, argv, &a, doctor_option, &o);
	if (prc)
		return prc;
	if (a.nrest)
		return cli_usage_error("doctor", "unexpected argument '%s'", a.rest[0]);

	struct deps_status *st = deps_check(&n);
	struct strbuf cmd = STRBUF_INIT;
	int missing = deps_fix_command(st, n, o.need, &cmd);
	int rc = KDIVE_EXIT_PASS;
	strbuf_release(&cmd);

	/* Quiet when there is nothing to do: make run and make test call this. */
	if (o.fix && !missing)
		goto out;
	printf("kdive doctor: what kdive needs on this machine (run: to run it; test: its tests)\n");
	print_table(st, n);
	if (o.fix && missing && geteuid() == 0) {
		rc = install_missing(&st, &n, o.need);
		goto out;
	}
	if (print_missing(st, n, o.need))
		rc = KDIVE_EXIT_INFRA;
out:
	deps_free(st, n);
	return rc;
}

const struct cli_command cli_cmd_doctor = {
	.name = "doctor",
	.fn = cmd_doctor,
	.summary = "check every dependency and say how to get what is missing",
	.about =
	"Checks each tool and file kdive needs, prints its version or why it is missing,\n"
	"and the one apt-get command that installs what is missing. Each is marked with\n"
	"what it is for:\n"
	"  run   building and running kdive: the compiler and make, linux-source-6.12 and\n"
	"        the kernel's build tools, busybox-static, gdb and QEMU\n"
	"        (make run installs these, with doctor --fix)\n"
	"  test  only the tests: cpio, tmux, lcov, chromium, node and npm, xmllint, rsync,\n"
	"        groff, python3 and python3-jsonschema, linux-source-6.1 (make test adds\n"
	"        these, with doctor --fix --test)\n"
	"Without --test, a missing test dependency is listed with its command, but changes\n"
	"neither the exit status nor what --fix installs.\n",
	.opts = (const struct cli_opt[]){
		{ "fix", 'f', 0, NULL,
		  "install what is missing: apt-get as root, otherwise print the\n"
		  "command (with sudo) and exit 3; only what running needs, unless\n"
		  "--test is given too" },
		{ "test", 't', 0, NULL,
		  "the test dependencies too: missing ones exit 3, and --fix\n"
		  "installs them (make test does)" },
		CLI_OPT_END,
	},
	.tail = "Tools can be overridden: KDIVE_QEMU, KDIVE_GDB, KDIVE_BUSYBOX, KDIVE_KERNEL_TARBALL.\n"
		"Exit: 0 when everything kdive needs to run is present (with --test: and what the\n"
		"tests need), 3 when something is missing.\n",
};
