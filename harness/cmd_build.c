/*
 * kdive build: the kernel and the initramfs, from the cache when nothing changed.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "initramfs.h"
#include "kbuild.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void text_report(const struct kbuild_result *k, const struct initramfs_result *ir)
{
	struct strbuf sb = STRBUF_INIT;
	if (k) {
		format_duration(&sb, k->ms);
		printf("kernel     %s, %s in %s (key %.16s)\n", k->version ? k->version : "?",
		       k->reused ? "reused" : "built", sb.buf, k->key);
		printf("  bzImage  %s\n  vmlinux  %s\n  config   %s\n", k->bzimage, k->vmlinux,
		       k->config);
		strbuf_reset(&sb);
	}
	if (ir) {
		format_duration(&sb, ir->ms);
		printf("initramfs  %s in %s, %.1f KiB, sha256 %s\n", ir->reused ? "reused" : "built",
		       sb.buf, (double)ir->size / 1024.0, ir->sha256);
		printf("  archive  %s\n  progs    %s\n", ir->path, ir->progs);
	}
	strbuf_release(&sb);
}

static void json_report(const struct kbuild_result *k, const struct initramfs_result *ir)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addch(&sb, '{');
	if (k) {
		strbuf_addstr(&sb, "\"kernel\":{\"bzimage\":");
		strbuf_add_json_str(&sb, k->bzimage);
		strbuf_addstr(&sb, ",\"vmlinux\":");
		strbuf_add_json_str(&sb, k->vmlinux);
		strbuf_addstr(&sb, ",\"version\":");
		strbuf_add_json_str(&sb, k->version ? k->version : "");
		strbuf_addstr(&sb, ",\"config\":");
		strbuf_add_json_str(&sb, k->config);
		strbuf_addstr(&sb, ",\"key\":");
		strbuf_add_json_str(&sb, k->key);
		strbuf_addstr(&sb, ",\"build_dir\":");
		strbuf_add_json_str(&sb, k->build);
		strbuf_addstr(&sb, ",\"source_dir\":");
		strbuf_add_json_str(&sb, k->srctree);
		strbuf_addstr(&sb, ",\"log\":");
		strbuf_add_json_str(&sb, k->log);
		strbuf_addf(&sb, ",\"reused\":%s,\"seconds\":%.3f}", k->reused ? "true" : "false",
			    (double)k->ms / 1000.0);
	}
	if (ir) {
		if (k)
			strbuf_addch(&sb, ',');
		strbuf_addstr(&sb, "\"initramfs\":{\"path\":");
		strbuf_add_json_str(&sb, ir->path);
		strbuf_addstr(&sb, ",\"sha256\":");
		strbuf_add_json_str(&sb, ir->sha256);
		strbuf_addf(&sb, ",\"size\":%lld,\"progs\":", ir->size);
		strbuf_add_json_str(&sb, ir->progs);
		strbuf_addstr(&sb, ",\"key\":");
		strbuf_add_json_str(&sb, ir->key);
		strbuf_addf(&sb, ",\"reused\":%s,\"seconds\":%.3f}", ir->reused ? "true" : "false",
			    (double)ir->ms / 1000.0);
	}
	strbuf_addstr(&sb, "}\n");
	fputs(sb.buf, stdout);
	strbuf_release(&sb);
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

int cmd_build(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kernel-src", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "only", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct kbuild_opts ko = { 0 };
	struct kbuild_result kr;
	struct initramfs_result ir;
	struct cli_progress kshow, irshow;
	struct strbuf err = STRBUF_INIT;
	const char *only = NULL, *format = "text";
	int want_kernel = 1, want_initramfs = 1, rc = KDIVE_EXIT_PASS, c;
	int progress; /* the kernel's: 2 live line, 1 lines now and then, 0 none (-q) */
	char *cache = NULL, *base = NULL, *irdir = NULL;

	memset(&kr, 0, sizeof(kr));
	memset(&ir, 0, sizeof(ir));
	strvec_init(&ko.fragments);
	base = xstrfmt("%s/kconfig/base.config", cli_datadir());
	strvec_push(&ko.fragments, base);
	progress = isatty(STDERR_FILENO) ? 2 : 1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:qv", longopts, NULL)) != -1) {
		switch (c) {
		case 's': ko.src = optarg; break;
		case 'c': strvec_push(&ko.fragments, optarg); break;
		case 'o': only = optarg; break;
		case 'f': format = optarg; break;
		case 'j':
			ko.jobs = atoi(optarg);
			if (ko.jobs <= 0) {
				rc = cli_usage_error("build", "--jobs needs a positive number, not '%s'",
						     optarg);
				goto out;
			}
			break;
		case 'q': progress = 0; diag_set_level(DIAG_WARNING); break;
		case 'v': diag_set_level(DIAG_DEBUG); break;
		case ':':
			rc = cli_usage_error("build", "option '%s' needs a value", argv[optind - 1]);
			goto out;
		default:
			rc = cli_usage_error("build", "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		rc = cli_usage_error("build", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (strcmp(format, "text") && strcmp(format, "json")) {
		rc = cli_usage_error("build", "--format must be text or json, not '%s'", format);
		goto out;
	}
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
	if (mkdir_p(cache, 0755) < 0) {
		error_errno("cannot create the cache directory '%s'", cache);
		rc = KDIVE_EXIT_INFRA;
		goto out;
	}
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
		cli_progress_init(&kshow, progress, &ko.progress);
		if (kbuild_run(&ko, &kr, &err) < 0) {
			cli_print_failure(err.buf);
			rc = cli_fail_exit_code(kr.fail);
			goto out;
		}
	}
	if (!strcmp(format, "json"))
		json_report(want_kernel ? &kr : NULL, want_initramfs ? &ir : NULL);
	else
		text_report(want_kernel ? &kr : NULL, want_initramfs ? &ir : NULL);
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
