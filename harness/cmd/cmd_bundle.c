/*
 * kdive bundle: run a scenario once and write it, its program's inputs, the config
 * fragments and what was seen into one reproducible ustar archive (bundle.h). Also
 * what the replay (bundle_run.c) shares: the run of one scenario, this machine's
 * facts, the verdict as JSON. Part of cli; depends on tar, userprog, run, match,
 * report, json, proc (the version probes).
 */
#define _GNU_SOURCE
#include "bundle.h"
#include "deps.h"
#include "files.h"
#include "lexer.h"
#include "proc.h"
#include "qemu.h"
#include "report.h"
#include "sha256.h"
#include "tar.h"
#include "wrapper.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the run of one scenario, shared with the replay ---- */

void bundle_run_release(struct bundle_run *r)
{
	if (r->ran)
		match_result_release(&r->res);
	obs_run_release(&r->obs);
	userprog_release(&r->user);
	if (r->loaded)
		scenario_release(&r->sc);
	cli_images_release(&r->im);
	strbuf_release(&r->text);
	memset(r, 0, sizeof(*r));
}

/* The report of r's one result: stdout, or --output through cli_emit() when emit. */
static int report_one(struct cli_args *a, struct bundle_run *r, int emit)
{
	struct strbuf out = STRBUF_INIT;
	struct report_opts opts = { 0 };
	enum report_format fmt = REPORT_TEXT;
	int rc = KDIVE_EXIT_PASS;
	if (emit && a->format)
		report_format_parse(a->format, &fmt);
	opts.color = emit ? cli_color(a) : 0;
	opts.verbose = a->verbose;
	opts.exit_code = cli_exit_code;
	opts.nkernels = 1;
	char run_id[33];
	if (cli_run_id(run_id) < 0) {
		strbuf_release(&out);
		return KDIVE_EXIT_INFRA;
	}
	opts.run_id = run_id;
	opts.origin = a->origin;
	report_write(fmt, &r->res, 1, NULL, &opts, &out);
	if (emit) {
		rc = cli_emit(a, out.buf, out.len);
	} else {
		fwrite(out.buf, 1, out.len, stdout);
		fflush(stdout);
	}
	strbuf_release(&out);
	return rc;
}

int bundle_run_scenario(struct cli_args *a, const char *path, struct bundle_run *r,
			bundle_before_fn before, void *ctx, int emit)
{
	int rc;
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->text, 0);
	rc = cli_load_scenario(path, &r->sc, &r->text);
	if (rc)
		return rc;
	r->loaded = 1;
	rc = cli_resolve_images(&r->im, &a->boot, 1);
	if (rc)
		return rc;
	rc = cli_check_names(&r->sc, &r->im, &r->user);
	if (rc)
		return rc;
	const struct kernel *k = &r->im.kernels[0];
	if (before && (rc = before(ctx, r)))
		return rc;
	if (!guard_holds(&r->sc.guard, k->version)) {
		error("%s: its guard does not hold for kernel %s: nothing to run", path, k->version);
		return KDIVE_EXIT_SKIP;
	}
	struct run_target target;
	struct run_opts run = { .boot = a->boot.guest, .user = r->user.name ? &r->user : NULL };
	cli_run_target(&r->im, k, &target);
	info("%s: running on %s (%zu stop%s)", r->sc.file, k->version, r->sc.nstops,
	     r->sc.nstops == 1 ? "" : "s");
	run_scenario(&r->sc, &target, &run, &r->obs);
	match_run(&r->res, &r->sc, &r->obs, k->version);
	r->ran = 1;
	r->kid = cli_kernel_obs(k);
	r->res.kernel = &r->kid;
	if (r->obs.error)
		error("%s: %s", r->sc.file, r->obs.error);
	rc = cli_results_exit_code(&r->res, 1);
	int wrc = report_one(a, r, emit);
	return wrc ? wrc : rc;
}

/* ---- this machine's facts ---- */

/* The first line of argv's output, or NULL. */
static char *first_line(const char *const *argv, const char *dir)
{
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	char *r = NULL;
	int st = proc_run_capture_in(dir, argv, &out, 0, 10000, &why);
	if (st == 0 && out.len) {
		char *nl = strchr(out.buf, '\n');
		if (nl)
			strbuf_setlen(&out, (size_t)(nl - out.buf));
		if (out.len)
			r = strbuf_detach(&out, NULL);
	}
	strbuf_release(&out);
	strbuf_release(&why);
	return r;
}

/* "linux-source-6.12" for /usr/src/linux-source-6.12.tar.xz, else NULL. */
static char *debian_package(const char *source)
{
	if (!strncmp(source, "linux-source-", 13) && !strchr(source, '/'))
		return xstrdup(source);
	if (strncmp(source, "/usr/src/linux-source-", 22) || strchr(source + 9, '/'))
		return NULL;
	const char *tar = strstr(source, ".tar");
	return tar ? xstrndup(source + 9, (size_t)(tar - source - 9)) : NULL;
}

/* The kernel's source identity: a Debian package's version, a git tree's describe,
 * a tarball's or prebuilt image's sha256. */
static void source_write(struct json *j, const struct kernel *k)
{
	char *pkg = debian_package(k->source), *version = NULL;
	char hex[65];
	struct stat st;
	json_open(j, "source", '{');
	if (pkg) {
		const char *argv[] = { "dpkg-query", "-W", "-f", "${Version}", pkg, NULL };
		version = first_line(argv, NULL);
	}
	if (pkg && version) {
		json_str(j, "kind", "debian");
		json_str(j, "package", pkg);
		json_str(j, "version", version);
	} else if (!strcmp(k->source, "prebuilt")) {
		json_str(j, "kind", "prebuilt");
		json_str(j, "sha256", sha256_file_hex(k->bzimage, hex) == 0 ? hex : NULL);
	} else if (stat(pkg ? k->srctree : k->source, &st) == 0 && S_ISDIR(st.st_mode)) {
		const char *describe[] = { "git", "describe", "--always", "--dirty", "--tags", NULL };
		const char *head[] = { "git", "rev-parse", "HEAD", NULL };
		char *d = first_line(describe, k->source), *c = first_line(head, k->source);
		json_str(j, "kind", "tree");
		json_str(j, "describe", d);
		json_str(j, "commit", c);
		free(d);
		free(c);
	} else {
		json_str(j, "kind", "tarball");
		json_str(j, "sha256", sha256_file_hex(k->source, hex) == 0 ? hex : NULL);
	}
	json_close(j);
	free(pkg);
	free(version);
}

void bundle_facts_write(struct json *j, const char *key, const struct kernel *k)
{
	const char *qv[] = { deps_tool("qemu-system-x86_64"), "--version", NULL };
	char *qemu = first_line(qv, NULL);
	json_open(j, key, '{');
	json_str(j, "kdive", KDIVE_VERSION);
	json_str(j, "qemu", qemu);
	json_open(j, "kernel", '{');
	json_str(j, "release", k->version);
	source_write(j, k);
	json_close(j);
	json_close(j);
	free(qemu);
}

/* f[0..n) as JSON, each address less slide (a kernel frame under KASLR). */
static void frames_write(struct json *j, const char *key, const struct obs_frame *f, size_t n,
			 uint64_t slide)
{
	struct obs_frame *c = obs_frames_dup(f, n);
	for (size_t i = 0; i < n; i++)
		c[i].addr -= slide;
	obs_frames_write(j, key, c, n);
	obs_frames_free(c, n);
}

void bundle_verdict_write(struct json *j, const char *key, const struct bundle_run *r)
{
	const struct obs_run *o = &r->obs;
	uint64_t slide = o->kaslr ? o->kaslr_slide : 0;
	json_open(j, key, '{');
	json_str(j, "result", match_status_name(r->res.status));
	json_str(j, "reason", r->res.reason);
	if (o->program_status >= 0)
		json_int(j, "exit_status", o->program_status);
	else
		json_nil(j, "exit_status");
	json_open(j, "stops", '[');
	for (size_t i = 0; i < r->sc.nstops; i++) {
		const struct scenario_stop *st = &r->sc.stops[i];
		const struct obs_stop *os = i < o->nstops ? &o->stops[i] : NULL;
		int kernel = st->space == SCENARIO_KERNEL;
		json_open(j, NULL, '{');
		json_str(j, "location", st->location);
		json_int(j, "line", st->line);
		json_str(j, "result", i < r->res.nstops ? match_status_name(r->res.stops[i].status)
							: "error");
		json_bool(j, "reached", os && os->hit);
		frames_write(j, "frames", os ? os->frames : NULL, os ? os->nframes : 0,
			     kernel ? slide : 0);
		frames_write(j, "user_frames", os ? os->user : NULL, os ? os->nuser : 0, 0);
		json_close(j);
	}
	json_close(j);
	json_close(j);
}

/* ---- the bundle's members ---- */

/* The program's inputs: where each is read, and where it goes in the bundle. */
struct inputs {
	struct strvec host;    /* paths as kdive reads them */
	struct strvec member;  /* "program/NAME", the same index */
};

/* p as read from where kdive runs: relative paths start at the scenario's directory. */
static char *host_path(const struct scenario *sc, const char *p)
{
	const char *slash = strrchr(sc->file, '/');
	if (p[0] == '/' || !slash)
		return xstrdup(p);
	return xstrfmt("%.*s/%s", (int)(slash - sc->file), sc->file, p);
}

/* The member for p (added when new): program/BASE, or program/N/BASE when another
 * file took BASE. NULL for a path into the kernel's tree, which stays as written. */
static const char *input_member(struct inputs *in, const struct scenario *sc, const char *p)
{
	if (!strncmp(p, USERPROG_SRCTREE, strlen(USERPROG_SRCTREE)))
		return NULL;
	char *host = host_path(sc, p);
	const char *base = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
	for (size_t i = 0; i < in->host.nr; i++)
		if (!strcmp(in->host.v[i], host)) {
			free(host);
			return in->member.v[i];
		}
	char *m = xstrfmt("program/%s", base);
	for (int n = 2;; n++) {
		size_t i;
		for (i = 0; i < in->member.nr && strcmp(in->member.v[i], m); i++)
			;
		if (i == in->member.nr)
			break;
		free(m);
		m = xstrfmt("program/%d/%s", n, base);
	}
	strvec_push(&in->host, host);
	strvec_push(&in->member, m);
	free(host);
	free(m);
	return in->member.v[in->member.nr - 1];
}

/* A word to put at line:col of the scenario instead of what is written there. */
struct rewrite {
	int line;
	size_t col;
	char *with; /* owned */
};

/*
 * The scenario's text with each rewrite applied in place: a line keeps its number,
 * its other words, blanks and comments.
 */
static void apply_rewrites(const char *text, const struct rewrite *rw, size_t n,
			   struct strbuf *out)
{
	int line = 1;
	for (const char *s = text; *s; line++) {
		const char *e = strchrnul(s, '\n');
		struct lexer lx = { s, (size_t)(e - s), 0 };
		struct lexer_word w;
		const char *pos = s;
		while (lexer_next(&lx, &w)) {
			for (size_t i = 0; i < n; i++) {
				if (rw[i].line != line || rw[i].col != w.col)
					continue;
				strbuf_add(out, pos, (size_t)(w.s - pos));
				strbuf_addstr(out, rw[i].with);
				pos = w.s + w.len;
			}
		}
		strbuf_add(out, pos, (size_t)(e - pos));
		if (!*e)
			break;
		strbuf_addch(out, '\n');
		s = e + 1;
	}
}

/* The columns of the words on line `line` of text from column col on. */
static size_t words_from(const char *text, int line, size_t col, size_t *cols, size_t max)
{
	const char *s = text;
	for (int l = 1; l < line && s; l++) {
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	if (!s)
		return 0;
	struct lexer lx = { s, (size_t)(strchrnul(s, '\n') - s), 0 };
	struct lexer_word w;
	size_t n = 0;
	while (n < max && lexer_next(&lx, &w))
		if (w.col >= col)
			cols[n++] = w.col;
	return n;
}

/* Which words of sc to rewrite into the bundle, and the inputs they name. */
static size_t plan_rewrites(const struct bundle_run *r, struct inputs *in, struct rewrite **out)
{
	const struct scenario *sc = &r->sc;
	struct rewrite *rw = xcalloc(sc->sources.nr + sc->nfiles + 1, sizeof(*rw));
	size_t n = 0;
	const char *m;
	if (sc->program_is_path && (m = input_member(in, sc, sc->program)))
		rw[n++] = (struct rewrite){ sc->program_line, (size_t)sc->program_col,
					   xstrfmt("./%s", m) };
	size_t cols[64];
	size_t nc = words_from(r->text.buf, sc->sources_line, (size_t)sc->sources_col, cols, 64);
	for (size_t i = 0; i < sc->sources.nr && i < nc; i++)
		if ((m = input_member(in, sc, sc->sources.v[i])))
			rw[n++] = (struct rewrite){ sc->sources_line, cols[i], xstrdup(m) };
	for (size_t i = 0; i < sc->nfiles; i++)
		if ((m = input_member(in, sc, sc->files[i].host)))
			rw[n++] = (struct rewrite){ sc->files[i].line, (size_t)sc->files[i].col,
						   xstrdup(m) };
	*out = rw;
	return n;
}

/* Add the file at host as member, with its mode; its sha256 and size to the manifest. */
static int add_input(struct tar *t, struct json *j, const char *host, const char *member,
		     struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT;
	struct stat st;
	char hex[65];
	int rc = -1;
	if (stat(host, &st) < 0 || strbuf_read_file(&data, host) < 0) {
		strbuf_addf(err, "cannot read '%s': %s", host, strerror(errno));
		goto out;
	}
	if (tar_add_file(t, member, st.st_mode & 0777, data.buf, data.len, err) < 0)
		goto out;
	struct sha256 c;
	sha256_init(&c);
	sha256_update(&c, data.buf, data.len);
	sha256_final_hex(&c, hex);
	json_open(j, NULL, '{');
	json_str(j, "path", member);
	json_int(j, "size", (int64_t)data.len);
	json_str(j, "sha256", hex);
	json_close(j);
	rc = 0;
out:
	strbuf_release(&data);
	return rc;
}

/* The program's part of the manifest, and its inputs into t. */
static int program_write(struct json *j, struct tar *t, const struct bundle_run *r,
			 const struct inputs *in, struct strbuf *err)
{
	const struct scenario *sc = &r->sc;
	const struct userprog *u = &r->user;
	char hex[65];
	json_open(j, "program", '{');
	json_str(j, "kind", !sc->program_is_path ? "builtin"
		 : !strncmp(sc->program, USERPROG_SRCTREE, strlen(USERPROG_SRCTREE)) ? "kernel-tree"
		 : u->built ? "sources" : "elf");
	json_str(j, "name", u->name ? u->name : sc->program);
	json_str(j, "key", u->key);
	json_open(j, "files", '[');
	for (size_t i = 0; i < in->host.nr; i++)
		if (add_input(t, j, in->host.v[i], in->member.v[i], err) < 0)
			return -1;
	json_close(j);
	/* A dynamic program's interpreter and libraries are this machine's: named and
	 * hashed, not carried (the replay says which differ). */
	json_open(j, "libraries", '[');
	for (size_t i = 0; i < u->libs.nr; i++) {
		json_open(j, NULL, '{');
		json_str(j, "path", u->libs.v[i]);
		json_str(j, "sha256", sha256_file_hex(u->libs.v[i], hex) == 0 ? hex : NULL);
		json_close(j);
	}
	json_close(j);
	json_close(j);
	return 0;
}

/* The fragments the kernel was configured with, into t and the manifest. */
static int fragments_write(struct json *j, struct tar *t, const struct cli_args *a,
			   struct strbuf *err)
{
	const char *names[] = { "base.config", a->boot.guest.cpus > 1 ? "smp.config" : NULL };
	json_open(j, "fragments", '[');
	for (size_t i = 0; i < 2 && names[i]; i++) {
		char *host = xstrfmt("%s/kconfig/%s", cli_datadir(), names[i]);
		char *member = xstrfmt("kconfig/%s", names[i]);
		struct strbuf data = STRBUF_INIT;
		int rc;
		if (strbuf_read_file(&data, host) < 0) {
			strbuf_addf(err, "cannot read '%s': %s", host, strerror(errno));
			rc = -1;
		} else {
			rc = tar_add_file(t, member, 0644, data.buf, data.len, err);
		}
		if (!rc)
			json_str(j, NULL, member);
		strbuf_release(&data);
		free(host);
		free(member);
		if (rc < 0)
			return -1;
	}
	json_close(j);
	return 0;
}

/* The whole bundle of run r into out. -1 with err when an input cannot be read. */
static int bundle_make(const struct cli_args *a, const struct bundle_run *r, struct strbuf *out,
		       struct strbuf *err)
{
	struct inputs in = { STRVEC_INIT, STRVEC_INIT };
	struct rewrite *rw = NULL;
	struct strbuf scn = STRBUF_INIT, man = STRBUF_INIT;
	struct tar t;
	struct json j;
	int rc = -1;
	tar_init(&t, r->im.epoch);
	size_t n = plan_rewrites(r, &in, &rw);
	apply_rewrites(r->text.buf, rw, n, &scn);
	if (tar_add_file(&t, BUNDLE_SCENARIO, 0644, scn.buf, scn.len, err) < 0)
		goto out;
	json_init(&j, &man, 1);
	json_open(&j, NULL, '{');
	json_int(&j, "bundle", BUNDLE_FORMAT);
	json_str(&j, "scenario", BUNDLE_SCENARIO);
	json_str(&j, "name", r->sc.name);
	json_open(&j, "machine", '{');
	const char *spec = a->boot.nkernels ? a->boot.kernels[0] : NULL;
	/* Only a Debian version names the same kernel on another machine. */
	json_str(&j, "kernel", spec && !strncmp(r->im.kernels[0].source, "linux-source-", 13)
			       ? spec : NULL);
	json_int(&j, "cpus", a->boot.guest.cpus > 1 ? a->boot.guest.cpus : 1);
	json_bool(&j, "kaslr", a->boot.guest.kaslr);
	json_str(&j, "append", a->boot.guest.append);
	json_int(&j, "memory_mib", QEMU_MEMORY_MB);
	json_close(&j);
	if (fragments_write(&j, &t, a, err) < 0 || program_write(&j, &t, r, &in, err) < 0)
		goto out;
	bundle_verdict_write(&j, "verdict", r);
	bundle_facts_write(&j, "recorded_on", &r->im.kernels[0]);
	json_finish(&j);
	if (tar_add_file(&t, BUNDLE_MANIFEST, 0644, man.buf, man.len, err) < 0)
		goto out;
	tar_write(&t, out);
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(rw[i].with);
	free(rw);
	strvec_clear(&in.host);
	strvec_clear(&in.member);
	strbuf_release(&scn);
	strbuf_release(&man);
	tar_release(&t);
	return rc;
}

static int cmd_bundle(int argc, char **argv)
{
	struct cli_args a;
	struct bundle_run r;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = cli_parse(&cli_cmd_bundle, argc, argv, &a, NULL, NULL);
	if (rc)
		goto out;
	if (a.nrest != 1 || a.nafter) {
		rc = cli_usage_error("bundle", "give exactly one scenario file");
		goto out;
	}
	if (!a.output) {
		rc = cli_usage_error("bundle", "say where the bundle goes: -o FILE");
		goto out;
	}
	rc = bundle_run_scenario(&a, a.rest[0], &r, NULL, NULL, 0);
	if (!r.ran)
		goto out;
	if (rc != KDIVE_EXIT_PASS && rc != KDIVE_EXIT_FAIL) {
		error("%s: the run failed, no bundle written", a.rest[0]);
		goto out;
	}
	if (bundle_make(&a, &r, &out, &err) < 0) {
		error("%s: %s", a.rest[0], err.buf);
		rc = KDIVE_EXIT_INFRA;
	} else if (write_file_atomic(a.output, out.buf, out.len) < 0) {
		error_errno("cannot write the bundle '%s'", a.output);
		rc = KDIVE_EXIT_INFRA;
	} else {
		info("wrote %s (%zu KiB): %s, verdict %s; replay it with: kdive run %s", a.output,
		     out.len >> 10, r.sc.name, match_status_name(r.res.status), a.output);
	}
out:
	bundle_run_release(&r);
	strbuf_release(&out);
	strbuf_release(&err);
	return rc;
}

const struct cli_command cli_cmd_bundle = {
	.name = "bundle",
	.fn = cmd_bundle,
	.summary = "run a scenario and pack it with what it saw, to replay elsewhere",
	.args = "SCENARIO -o FILE",
	.about =
	"Runs SCENARIO once, like `kdive run`, and writes FILE: one tar archive that\n"
	"another machine replays with `kdive run FILE`. It holds the scenario (a program\n"
	"of your own, its sources and `file` data rewritten to paths inside the bundle, on\n"
	"the same lines), those files, the kernel config fragments (kconfig/base.config,\n"
	"kconfig/smp.config with --smp), and manifest.json: the machine options (CPUs,\n"
	"KASLR, --append), the program's build key, the verdict and each stop's frames,\n"
	"and what it was recorded on (kdive's and QEMU's versions, the kernel's release\n"
	"and source: a Debian package's version, a git tree's describe, a tarball's\n"
	"sha256). A prebuilt program's libraries are named with their sha256, not carried;\n"
	"an @linux/ path stays the kernel tree's. The same scenario on the same machine\n"
	"gives the same bytes (sorted entries, one mtime, root:root, no host paths).\n"
	"\n"
	"Replaying says each difference of the machine first, runs the scenario with the\n"
	"bundle's fragments and options, then says each way the verdict or a frame differs\n"
	"from the recorded one (and exits 1 for it, even when the scenario passes).\n"
	"\n"
	"Examples:\n"
	"  kdive bundle examples/repro/repro.scn -o build/repro.bundle\n"
	"  kdive run build/repro.bundle\n",
	.opts = (const struct cli_opt[]){
		{ "output", CLI_KEY_OUTPUT, 'o', "FILE",
		  "where the bundle goes (replaced atomically)" },
		CLI_OPT_KEEP,
		{ "timeout", CLI_KEY_TIMEOUT, 0, "SECONDS",
		  "limit (default: the scenario's `timeout`, or 300)" },
		CLI_OPT_VERBOSE,
		CLI_OPT_END,
	},
	.shared = cli_guest_opts,
	.tail = "Exit: 0 passed (bundle written), 1 an expectation failed (bundle written: a\n"
		"failing run is worth sending), 2 bad usage or scenario file, 3 the run failed\n"
		"(nothing written), 4 its guard skips it on this kernel.\n",
};
