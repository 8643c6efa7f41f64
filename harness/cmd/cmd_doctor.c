/*
 * kdive doctor: every dependency, found or missing, and the command that fixes it.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "deps.h"
#include "strbuf.h"
#include "usage.h"

#include <stdio.h>
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

static int doctor_option(void *ctx, int key, const char *arg)
{
	(void)arg;
	if (key == 'f')
		*(int *)ctx = 1;
	return 0;
}

static int cmd_doctor(int argc, char **argv)
{
	struct cli_args a;
	int fix = 0;
	size_t n;
	int prc = cli_parse(&cli_cmd_doctor, argc, argv, &a, doctor_option, &fix);
	if (prc)
		return prc;
	if (a.nrest)
		return cli_usage_error("doctor", "unexpected argument '%s'", a.rest[0]);

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

const struct cli_command cli_cmd_doctor = {
	.name = "doctor",
	.fn = cmd_doctor,
	.summary = "check every dependency and say how to get what is missing",
	.about =
	"Checks each tool and file kdive needs (compiler, make, gdb, QEMU, busybox-static,\n"
	"the kernel source and its build tools, and what the tests use: cpio, tmux, lcov,\n"
	"chromium, node and npm), prints its version or why it is missing, and the one\n"
	"apt-get command that installs what is missing.\n",
	.opts = (const struct cli_opt[]){
		{ "fix", 'f', 0, NULL,
		  "install what is missing: apt-get as root, otherwise print the\n"
		  "command (with sudo) and exit 3" },
		CLI_OPT_END,
	},
	.tail = "Tools can be overridden: KDIVE_QEMU, KDIVE_GDB, KDIVE_BUSYBOX, KDIVE_KERNEL_TARBALL.\n"
		"Exit: 0 when everything is present, 3 when something is missing.\n",
};
