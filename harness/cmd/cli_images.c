/*
 * cli_images: what a command boots, resolved once: the cache directory checked, the
 * initramfs built or reused, each kernel named by --kernel (Debian's linux-source-K,
 * a source tree or tarball, or a prebuilt bzImage with its vmlinux) built or checked,
 * the warm snapshots' directory, and the session image and run target of a kernel.
 * Part of cli (cli.h). Depends on kbuild, kernel, initramfs, deps, run, session.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "deps.h"
#include "initramfs.h"
#include "cache_dir.h"
#include "files.h"
#include "kbuild.h"
#include "kernel_id.h"
#include "session.h"
#include "userprog.h"
#include "qemu.h"
#include "run.h"
#include "wrapper.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

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

/*
 * Build (or reuse) one kernel from source; an exit code. A build that failed once its
 * source was known (it has a key: unpacking, configuring, make, saving the outputs)
 * leaves its story in k->build_error, for the reports; one that failed before (no
 * such source, no gcc, a bad fragment) does not.
 */
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
	char *kconfig = b->kconfig ? xstrdup(b->kconfig) : xstrfmt("%s/kconfig", cli_datadir());
	strvec_pushf(&ko.fragments, "%s/base.config", kconfig);
	if (b->guest.cpus > 1)
		strvec_pushf(&ko.fragments, "%s/smp.config", kconfig);
	free(kconfig);
	ko.src = src;
	ko.cache = cache;
	cli_progress_init(&show, isatty(STDERR_FILENO) ? 2 : 1, &ko.progress);
	if (kbuild_run(&ko, &kr, &err) < 0) {
		cli_print_failure(err.buf);
		rc = cli_fail_exit_code(kr.fail);
		if (kr.fail == FAIL_INFRA && kr.key) {
			k->key = xstrdup(kr.key);
			k->srctree = kr.srctree ? xstrdup(kr.srctree) : NULL;
			k->build_error = strbuf_detach(&err, NULL);
		}
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
	char *idpath = NULL; /* the tarball a Debian version names */
	int rc;
	memset(k, 0, sizeof(*k));
	if (!spec) {
		const char *src = deps_kernel_tarball();
		k->name = xstrdup(src);
		k->source = xstrdup(src);
		rc = build_kernel(k, NULL, b, cache);
	} else if (is_debian_version(spec)) {
		char *tarball = idpath = xstrfmt("/usr/src/linux-source-%s.tar.xz", spec);
		k->name = xstrdup(spec);
		k->source = xstrfmt("linux-source-%s", spec);
		if (access(tarball, R_OK) < 0) {
			error("kernel %s: %s is missing; install it with: apt-get install "
			      "--no-install-recommends linux-source-%s", spec, tarball, spec);
			rc = KDIVE_EXIT_INFRA;
		} else {
			rc = build_kernel(k, tarball, b, cache);
		}
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
	int unbuilt = k->build_error != NULL; /* still named by content in reports */
	if (!rc && kernel_read_vmlinux(k, &err) < 0) {
		error("kernel %s: %s", k->name, err.buf);
		rc = KDIVE_EXIT_INFRA;
	}
	/* What reports name it by: its content, not the name it was given. */
	if ((!rc || unbuilt) &&
	    kernel_identify(k, !spec ? deps_kernel_tarball() : idpath ? idpath : spec,
			    vmlinux ? KERNEL_ID_PREBUILT : KERNEL_ID_SOURCE, cache, &err) < 0) {
		cli_print_failure(err.buf);
		rc = KDIVE_EXIT_INFRA;
		free(k->build_error); /* then nothing can name it: no report */
		k->build_error = NULL;
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
	free(idpath);
	strbuf_release(&err);
	return rc;
}

int cli_run_id(char id[33])
{
	unsigned char b[16];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_errno("cannot draw the run's random id (getrandom)");
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(id + 2 * i, 3, "%02x", b[i]);
	return 0;
}

struct obs_kernel cli_kernel_obs(const struct kernel *k)
{
	return (struct obs_kernel){ .name = k->name, .version = k->version, .source = k->source,
				    .key = k->key, .source_id = k->source_id,
				    .commit = k->commit, .package = k->package,
				    .package_version = k->package_version,
				    .build_error = k->build_error };
}

int cli_resolve_images(struct cli_images *im, struct cli_boot_opts *b, size_t max)
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
	im->cache = xstrdup(cache);
	im->epoch = io.epoch;
	initramfs_result_release(&ir);
	im->kernels = xcalloc(n, sizeof(*im->kernels));
	/* The i-th prebuilt image goes with the i-th --vmlinux. A kernel that did not
	 * build does not stop the others: run reports it and runs on them. */
	for (size_t i = 0, v = 0; i < n && !rc; i++) {
		const char *spec = b->nkernels ? b->kernels[i] : NULL;
		int given = spec && !is_debian_version(spec) && !is_source(spec);
		rc = resolve_kernel(&im->kernels[i], spec, given ? b->vmlinux[v++] : NULL, b,
				    cache);
		im->nkernels = i + 1;
		if (rc && im->kernels[i].build_error) {
			im->nfailed++;
			rc = KDIVE_EXIT_PASS;
		}
	}
	if (!rc && im->nfailed)
		rc = KDIVE_EXIT_INFRA;
	/* Warm snapshots unless asked not to (CI that wants every boot real, say). */
	const char *nosnap = getenv("KDIVE_NO_SNAPSHOT");
	if (!b->no_snapshot && !(nosnap && *nosnap && strcmp(nosnap, "0")))
		im->snapshots = xstrfmt("%s/warm", cache);
	b->guest.snapshots = im->snapshots;
	im->gdb_index = xstrfmt("%s/gdb-index", cache);
	b->guest.gdb_index = im->gdb_index;
out:
	strbuf_release(&err);
	free(cache);
	free(irdir);
	return rc;
}

void cli_session_image(const struct cli_images *im, const struct kernel *k,
		       struct session_image *img)
{
	img->bzimage = k->bzimage;
	img->vmlinux = k->vmlinux;
	img->initrd = im->initrd;
	img->progs = im->progs;
	img->user = NULL; /* a built-in program; a caller with a user's sets it */
}

void cli_images_release(struct cli_images *im)
{
	free(im->initrd);
	free(im->progs);
	free(im->snapshots);
	free(im->cache);
	free(im->gdb_index);
	for (size_t i = 0; i < im->nkernels; i++)
		kernel_release(&im->kernels[i]);
	free(im->kernels);
	memset(im, 0, sizeof(*im));
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
	const char *roots[] = { k->srctree, k->tree, k->build, "/kdive/progs", USERPROG_DIR };
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++)
		if (roots[i])
			t->roots[n++] = roots[i];
	t->roots[n] = NULL;
}

int cli_kernel_program(const struct scenario *sc, const struct cli_images *im,
		       const struct kernel *k, struct userprog *u)
{
	struct userprog_file *files = xcalloc(sc->nfiles + 1, sizeof(*files));
	struct strbuf err = STRBUF_INIT;
	char *dir = xstrdup(sc->file);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	for (size_t i = 0; i < sc->nfiles; i++)
		files[i] = (struct userprog_file){ sc->files[i].host, sc->files[i].guest,
						   sc->files[i].line, sc->files[i].col };
	int first = sc->sources_line ? sc->sources_line : sc->cflags_line ? sc->cflags_line
										 : sc->libs_line;
	/* --program's path starts where kdive runs; a scenario's, at the scenario. */
	char cwd[PATH_MAX], *path = NULL;
	if (!sc->program_line && sc->program[0] != '/' && getcwd(cwd, sizeof(cwd)))
		path = xstrfmt("%s/%s", cwd, sc->program + (strncmp(sc->program, "./", 2) ? 0 : 2));
	struct userprog_spec spec = {
		.path = path ? path : sc->program, .dir = slash ? dir : ".",
		.origin = sc->program_line ? sc->file : "--program",
		.line = sc->program_line, .col = sc->program_col, .sources = &sc->sources,
		.cflags = &sc->cflags, .libs = &sc->libs, .flags_line = first, .files = files,
		.nfiles = sc->nfiles, .srctree = k->srctree, .cache = im->cache, .epoch = im->epoch,
	};
	int rc = KDIVE_EXIT_PASS;
	if (userprog_prepare(&spec, u, &err) < 0) {
		cli_print_failure(err.buf);
		rc = cli_fail_exit_code(u->fail);
		userprog_release(u);
	} else {
		info("%s: %s %s (%lld KiB with %zu librar%s and %zu file%s)", sc->file,
		     u->reused ? "program" : u->built ? "built" : "took", u->name,
		     u->payload_size >> 10, u->nlibs, u->nlibs == 1 ? "y" : "ies", sc->nfiles,
		     sc->nfiles == 1 ? "" : "s");
	}
	strbuf_release(&err);
	free(files);
	free(dir);
	free(path);
	return rc;
}

int cli_user_program(const struct cli_images *im, const char *path, struct userprog *u,
		     struct strbuf *err)
{
	struct userprog_spec spec = { .path = path, .dir = ".", .origin = "program",
				      .cache = im->cache, .epoch = im->epoch };
	if (userprog_prepare(&spec, u, err) == 0)
		return KDIVE_EXIT_PASS;
	int rc = cli_fail_exit_code(u->fail);
	userprog_release(u);
	return rc;
}

size_t cli_first_built(const struct cli_images *im)
{
	size_t k = 0;
	while (k < im->nkernels && im->kernels[k].build_error)
		k++;
	return k;
}

int cli_check_names(const struct scenario *sc, const struct cli_images *im, struct userprog *u)
{
	int bad = 0;
	size_t first = cli_first_built(im);
	memset(u, 0, sizeof(*u));
	if (sc->program_is_path && first < im->nkernels) {
		int rc = cli_kernel_program(sc, im, &im->kernels[first], u);
		if (rc)
			return rc;
	} else {
		char *prog = xstrfmt("%s/%s", im->progs, sc->program);
		if (access(prog, R_OK) < 0 && sc->program_line)
			fprintf(stderr, "%s:%d:%d: no guest program '%s' (initramfs/progs/%s.c; a "
				"program of your own is a path: ./%s.c)\n", sc->file, sc->program_line,
				sc->program_col, sc->program, sc->program, sc->program);
		else if (access(prog, R_OK) < 0)
			fprintf(stderr, "kdive: --program: no guest program '%s' (initramfs/progs/%s.c; "
				"a program of your own is a path: ./%s.c)\n", sc->program, sc->program,
				sc->program);
		bad = access(prog, R_OK) < 0;
		free(prog);
	}
	/* What the run line cannot carry is said now, not after a boot. */
	struct strbuf line = STRBUF_INIT, why = STRBUF_INIT;
	if (qemu_go_line(u->guest ? u->guest : sc->program, &sc->args, &line, &why) < 0) {
		fprintf(stderr, "%s:%d:%d: %s\n", sc->file, sc->program_line, sc->program_col,
			why.buf);
		bad = 1;
	}
	strbuf_release(&line);
	strbuf_release(&why);
	for (size_t k = 0; k < im->nkernels; k++) {
		const struct kernel *kern = &im->kernels[k];
		for (size_t i = 0; i < sc->nstops && !kern->build_error; i++) {
			const struct scenario_stop *st = &sc->stops[i];
			if (!st->syscall || !guard_holds(&st->guard, kern->version) ||
			    run_syscall_nr(&kern->syscalls, st->syscall) >= 0)
				continue;
			fprintf(stderr, "%s:%d:%d: kernel %s has no syscall '%s'\n", sc->file, st->line,
				st->syscall_col, kern->version, st->syscall);
			bad = 1;
		}
	}
	if (bad)
		userprog_release(u);
	return bad ? KDIVE_EXIT_USAGE : KDIVE_EXIT_PASS;
}

void cli_program_scenario(const struct cli_args *a, struct scenario *sc, int have_sc)
{
	const char *path = a->boot.program;
	if (!path)
		return;
	if (!have_sc) {
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		memset(sc, 0, sizeof(*sc));
		sc->file = xstrdup("--program");
		sc->name = xstrdup(*base ? base : path);
		sc->exit_status = 0;
	} else {
		strvec_clear(&sc->sources);
		strvec_clear(&sc->cflags);
		strvec_clear(&sc->libs);
		sc->sources_line = sc->cflags_line = sc->libs_line = 0;
	}
	if (!have_sc || a->nafter) {
		strvec_clear(&sc->args);
		for (int i = a->nrest - a->nafter; i < a->nrest; i++)
			strvec_push(&sc->args, a->rest[i]);
	}
	free(sc->program);
	sc->program = xstrdup(path);
	sc->program_is_path = strchr(path, '/') != NULL;
	/* Its faults name the option, not a line of the scenario. */
	sc->program_line = sc->program_col = 0;
}
