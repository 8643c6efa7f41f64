/*
 * kdive doctor: every dependency, found or missing, and the command that fixes it.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "deps.h"

#include <getopt.h>
#include <string.h>
#include <unistd.h>

static void print_table(const struct deps_status *st, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct deps_status *s = &st[i];
		printf("  %-8s %-20s %s", s->found ? "ok" : "MISSING", s->name,
		       s->where && s->found ? s->where : "");
		if (s->detail)
			printf("%s%s", s->found ? "  " : "", s->detail);
		if (!s->found)
			printf("  (package %s)", s->package);
		printf("\n");
	}
	struct strbuf why = STRBUF_INIT;
	if (deps_kvm_usable(&why))
		printf("  %-8s %-20s %s\n", "info", "kvm", "usable: QEMU will use KVM");
	else
		printf("  %-8s %-20s not usable (%s): QEMU will use TCG (slower, works)\n", "info",
		       "kvm", why.buf);
	strbuf_release(&why);
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "fix", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int fix = 0, c;
	size_t n;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'f')
			fix = 1;
		else
			return cli_usage_error("doctor", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("doctor", "unexpected argument '%s'", argv[optind]);

	struct deps_status *st = deps_check(&n);
	struct strbuf cmd = STRBUF_INIT;
	int missing = deps_fix_command(st, n, DEPS_BUILD | DEPS_RUN | DEPS_TEST, &cmd);
	int rc = KDIVE_EXIT_PASS;

	if (fix && !missing) {
		/* Quiet when there is nothing to do: make run and make test call this. */
		goto out;
	}
	printf("kdive doctor: what kdive needs on this machine\n");
	print_table(st, n);
	if (!missing) {
		printf("everything kdive needs is here.\n");
		goto out;
	}
	if (fix && geteuid() == 0) {
		struct strbuf err = STRBUF_INIT;
		printf("installing: %s\n", cmd.buf);
		fflush(stdout);
		if (deps_install(st, n, DEPS_BUILD | DEPS_RUN | DEPS_TEST, &err) < 0) {
			cli_print_failure(err.buf);
			strbuf_release(&err);
			rc = KDIVE_EXIT_INFRA;
			goto out;
		}
		strbuf_release(&err);
		deps_free(st, n);
		st = deps_check(&n);
		strbuf_reset(&cmd);
		if (deps_fix_command(st, n, DEPS_BUILD | DEPS_RUN | DEPS_TEST, &cmd)) {
			error("still missing after apt-get: %s", cmd.buf);
			rc = KDIVE_EXIT_INFRA;
		}
		goto out;
	}
	printf("missing: %d package%s. Fix with:\n  %s\n", missing, missing == 1 ? "" : "s",
	       cmd.buf);
	rc = KDIVE_EXIT_INFRA;
out:
	strbuf_release(&cmd);
	deps_free(st, n);
	return rc;
}
