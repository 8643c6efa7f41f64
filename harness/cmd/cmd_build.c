/*
 * kdive build: the kernel and the initramfs, from the cache when nothing changed.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "initramfs.h"
#include "json.h"
#include "kbuild.h"
#include "cache_dir.h"
#include "strbuf.h"
#include "strvec.h"
#include "timeutil.h"
#include "usage.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void text_report(const struct kbuild_result *k, const struct initramfs_result *ir,
			struct strbuf *out)
{
	struct strbuf sb = STRBUF_INIT;
	if (k) {
		format_duration(&sb, k->ms);
		strbuf_addf(out, "kernel     %s, %s in %s (key %.16s)\n", k->version ? k->version : "?",
			    k->reused ? "reused" : "built", sb.buf, k->key);
		strbuf_addf(out, "  bzImage  %s\n  vmlinux  %s\n  config   %s\n", k->bzimage,
			    k->vmlinux, k->config);
		strbuf_reset(&sb);
	}
	if (ir) {
		format_duration(&sb, ir->ms);
		strbuf_addf(out, "initramfs  %s in %s, %.1f KiB, sha256 %s\n",
			    ir->reused ? "reused" : "built", sb.buf, (double)ir->size / 1024.0, ir->sha256);
		strbuf_addf(out, "  archive  %s\n  progs    %s\n", ir->path, ir->progs);
	}
	strbuf_release(&sb);
}

static void json_report(const struct kbuild_result *k, const struct initramfs_result *ir,
			struct strbuf *out)
{
	struct json j;
	json_init(&j, out, 0);
	json_open(&j, NULL, '{');
	if (k) {
		json_open(&j, "kernel", '{');
		json_str(&j, "bzimage", k->bzimage);
		json_str(&j, "vmlinux", k->vmlinux);
		json_str(&j, "version", k->version ? k->version : "");
		json_str(&j, "config", k->config);
		json_str(&j, "key", k->key);
		json_str(&j, "build_dir", k->build);
		json_str(&j, "source_dir", k->srctree);
		json_str(&j, "log", k->log);
		json_bool(&j, "reused", k->reused);
		json_seconds(&j, "seconds", k->ms);
		json_close(&j);
	}
	if (ir) {
		json_open(&j, "initramfs", '{');
		json_str(&j, "path", ir->path);
		json_str(&j, "sha256", ir->sha256);
		json_int(&j, "size", ir->size);
		json_str(&j, "progs", ir->progs);
		json_str(&j, "key", ir->key);
		json_bool(&j, "reused", ir->reused);
		json_seconds(&j, "seconds", ir->ms);
		json_close(&j);
	}
	json_finish(&j);
}

/* SOURCE_DATE_EPOCH, the reproducible-builds convention, else 0. */
static int source_date_epoch(uint32_t *epoch)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	*epoch = 0;
	if (!s || !*s)
		return 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || v > 0xffffffffULL)
		return -1;
	*epoch = (uint32_t)v;
	return 0;
}

/* build's own options. */
struct build_args {
	struct kbuild_opts *ko; /* filled */
	const char *only;       /* --only WHAT */
	int progress;           /* the kernel's: 2 live line, 1 lines now and then, 0 none (-q) */
};

static int build_option(void *ctx, int key, const char *arg)
{
	struct build_args *b = ctx;
	switch (key) {
	case 's': b->ko->src = arg; break;
	case 'c': strvec_push(&b->ko->fragments, arg); break;
	case 'o': b->only = arg; break;
	case 'j':
		b->ko->jobs = atoi(arg);
		if (b->ko->jobs <= 0)
			return cli_usage_error("build", "--jobs needs a positive number, not '%s'", arg);
		break;
	case 'q': b->progress = 0; diag_set_level(DIAG_WARNING); break;
	}
	return 0;
}

static int cmd_build(int argc, char **argv)
{
	struct kbuild_opts ko = { 0 };
	struct build_args ba = { &ko, NULL, 0 };
	struct cli_args a;
	struct kbuild_result kr;
	struct initramfs_result ir;
	struct cli_progress kshow, irshow;
	struct strbuf err = STRBUF_INIT;
	int want_kernel = 1, want_initramfs = 1, rc;
	char *cache = NULL, *base = NULL, *irdir = NULL;

	memset(&kr, 0, sizeof(kr));
	memset(&ir, 0, sizeof(ir));
	strvec_init(&ko.fragments);
	base = xstrfmt("%s/kconfig/base.config", cli_datadir());
	strvec_push(&ko.fragments, base);
	ba.progress = isatty(STDERR_FILENO) ? 2 : 1;
	rc = cli_parse(&cli_cmd_build, argc, argv, &a, build_option, &ba);
	if (rc)
		goto out;
	if (a.nrest) {
		rc = cli_usage_error("build", "unexpected argument '%s'", a.rest[0]);
		goto out;
	}
	if (a.boot.guest.cpus > 1) {
		/* The kernel `run --smp N` boots: kconfig/smp.config right after base.config,
		 * before the --config fragments, as run merges them (the same key). */
		struct strvec all = STRVEC_INIT;
		strvec_push(&all, ko.fragments.v[0]);
		strvec_pushf(&all, "%s/kconfig/smp.config", cli_datadir());
		for (size_t i = 1; i < ko.fragments.nr; i++)
			strvec_push(&all, ko.fragments.v[i]);
		strvec_clear(&ko.fragments);
		ko.fragments = all;
	}
	const char *only = ba.only;
	if (only) {
		if (!strcmp(only, "kernel"))
			want_initramfs = 0;
		else if (!strcmp(only, "initramfs"))
			want_kernel = 0;
		else {
			rc = cli_usage_error("build", "--only must be kernel or initramfs, not '%s'", only);
			goto out;
		}
	}
	cache = kdive_cache_dir();
	ko.cache = cache;
	rc = cli_cache_ready(cache);
	if (rc)
		goto out;
	/* The initramfs first: it takes seconds and fails fast on a bad guest program. */
	if (want_initramfs) {
		struct initramfs_opts io = { 0 };
		irdir = xstrfmt("%s/initramfs", cli_datadir());
		io.datadir = irdir;
		io.cache = cache;
		if (source_date_epoch(&io.epoch) < 0) {
			rc = cli_usage_error("build", "SOURCE_DATE_EPOCH must be seconds since 1970");
			goto out;
		}
		/* One line when it builds, as an info message would be (-q: none). */
		cli_progress_init(&irshow, diag_enabled(DIAG_INFO) ? 1 : 0, &io.progress);
		if (initramfs_build(&io, &ir, &err) < 0) {
			cli_print_failure(err.buf);
			rc = cli_fail_exit_code(ir.fail);
			goto out;
		}
	}
	if (want_kernel) {
		cli_progress_init(&kshow, ba.progress, &ko.progress);
		if (kbuild_run(&ko, &kr, &err) < 0) {
			cli_print_failure(err.buf);
			rc = cli_fail_exit_code(kr.fail);
			goto out;
		}
	}
	struct strbuf doc = STRBUF_INIT;
	if (cli_format_is(&a, "json"))
		json_report(want_kernel ? &kr : NULL, want_initramfs ? &ir : NULL, &doc);
	else
		text_report(want_kernel ? &kr : NULL, want_initramfs ? &ir : NULL, &doc);
	rc = cli_emit(&a, doc.buf, doc.len);
	strbuf_release(&doc);
out:
	kbuild_result_release(&kr);
	initramfs_result_release(&ir);
	strvec_clear(&ko.fragments);
	strbuf_release(&err);
	free(cache);
	free(base);
	free(irdir);
	return rc;
}

const struct cli_command cli_cmd_build = {
	.name = "build",
	.fn = cmd_build,
	.summary = "build (or reuse from the cache) the kernel and the initramfs",
	.about =
	"Builds what the guest needs, each part once per content:\n"
	"  kernel     Debian's linux-source-6.12 tarball (or --kernel-src), configured as\n"
	"             allnoconfig + kconfig/base.config + each --config FRAGMENT, checked\n"
	"             (every requested symbol must survive into .config), built out of tree\n"
	"             (bzImage, vmlinux with DWARF 5, the kernel's gdb scripts), and\n"
	"             indexed with gdb-add-index. About 2-6 minutes cold on 2 cores.\n"
	"  initramfs  busybox-static, initramfs/init, kdive-wait (initramfs/wait.c, built\n"
	"             -static -O2) and every initramfs/progs/NAME.c built -static -g -O0,\n"
	"             packed as a reproducible newc cpio + gzip -n.\n"
	"\n"
	"Everything lands in the cache ($KDIVE_CACHE, else $XDG_CACHE_HOME/kdive, else\n"
	"~/.cache/kdive), keyed by a hash of the source, the merged fragments and the\n"
	"compiler: a second build with nothing changed takes milliseconds; a changed\n"
	"fragment rebuilds incrementally from the last tree. The commands that boot keep\n"
	"their warm snapshots there too (warm/: a guest saved where init waits for its\n"
	"program; see `kdive run --help`).\n",
	.opts = (const struct cli_opt[]){
		{ "kernel-src", 's', 0, "PATH",
		  "a kernel source tree or .tar.xz (default:\n"
		  "/usr/src/linux-source-6.12.tar.xz, or $KDIVE_KERNEL_TARBALL)" },
		{ "config", 'c', 0, "FRAGMENT",
		  "merge this fragment after kconfig/base.config (repeatable;\n"
		  "later fragments win)" },
		{ "only", 'o', 0, "WHAT", "kernel or initramfs" },
		{ "smp", CLI_KEY_SMP, 0, "N", "N > 1: the SMP kernel that run --smp N boots\n"
		  "(kconfig/smp.config after base.config)" },
		{ "format", CLI_KEY_FORMAT, 0, "FMT", "text (default) or json: where everything is" },
		CLI_OPT_OUTPUT,
		{ "jobs", 'j', 'j', "N", "make -jN (default: the number of CPUs)" },
		{ "quiet", 'q', 'q', NULL, "no progress" },
		CLI_OPT_VERBOSE,
		CLI_OPT_END,
	},
	.formats = "text,json",
	.tail = "Exit: 0 built, 2 bad usage or a bad fragment (file:line), 3 the build failed\n"
		"(a requested symbol did not survive, make failed: the log path is printed).\n",
};
