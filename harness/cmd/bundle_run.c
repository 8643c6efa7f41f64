/*
 * bundle_run: `kdive run BUNDLE`. Reads the archive whole and checks it before
 * anything is written (only files and directories with clean relative paths, a
 * manifest that is JSON with every member), unpacks it into a private directory
 * ($TMPDIR/kdive-bundle.XXXXXX, 0700, removed at the end, and by the watcher if kdive
 * dies), says how this machine differs from the recorded one, runs the scenario with
 * the bundle's fragments and options, and says how the verdict and the frames differ
 * from the recorded ones. Part of cli (bundle.h); depends on tar, json, proc, files.
 */
#define _GNU_SOURCE
#include "bundle.h"
#include "files.h"
#include "proc.h"
#include "sha256.h"
#include "tar.h"
#include "wrapper.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int bundle_is_archive(const char *path)
{
	char buf[TAR_BLOCK];
	struct stat st;
	/* Only a regular file: a FIFO's reader must not wait here for its writer. */
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	return n == (ssize_t)sizeof(buf) && tar_is_archive(buf, sizeof(buf));
}

/* A replay: the bundle, its manifest, where it is unpacked, the differences said. */
struct replay {
	const char *file;              /* the bundle as named */
	struct tar tar;                /* its members */
	struct json_value *man;        /* manifest.json, parsed; owned */
	char *dir;                     /* where it is unpacked; owned */
	int ndiff;                     /* verdict and frame differences said */
};

/* One line "bundle: ..." on stderr. */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("bundle: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const struct json_value *member(const struct json_value *v, const char *key)
{
	return json_value_find(v, key);
}

static const char *str_of(const struct json_value *v, const char *key)
{
	return json_value_str(json_value_find(v, key), NULL);
}

/* 1 when the manifest has every member replaying reads, with its kind. */
static int manifest_complete(struct replay *p, struct strbuf *why)
{
	const struct json_value *m = p->man, *mach = member(m, "machine");
	int64_t v;
	const struct {
		const struct json_value *v;
		enum json_kind kind;
		const char *name;
	} need[] = {
		{ member(m, "bundle"), JSON_NUMBER, "bundle" },
		{ member(m, "scenario"), JSON_STRING, "scenario" },
		{ mach, JSON_OBJECT, "machine" },
		{ member(mach, "cpus"), JSON_NUMBER, "machine.cpus" },
		{ member(mach, "kaslr"), JSON_BOOL, "machine.kaslr" },
		{ member(m, "fragments"), JSON_ARRAY, "fragments" },
		{ member(m, "program"), JSON_OBJECT, "program" },
		{ member(m, "verdict"), JSON_OBJECT, "verdict" },
		{ member(member(m, "verdict"), "result"), JSON_STRING, "verdict.result" },
		{ member(member(m, "verdict"), "stops"), JSON_ARRAY, "verdict.stops" },
		{ member(m, "recorded_on"), JSON_OBJECT, "recorded_on" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(need); i++)
		if (!json_value_is(need[i].v, need[i].kind)) {
			strbuf_addf(why, "manifest.json lacks '%s' (or it is not %s)", need[i].name,
				    need[i].kind == JSON_OBJECT ? "an object" : need[i].kind == JSON_ARRAY
				    ? "an array" : need[i].kind == JSON_STRING ? "a string"
				    : need[i].kind == JSON_BOOL ? "true or false" : "a number");
			return 0;
		}
	if (json_value_int(member(m, "bundle"), &v) < 0 || v != BUNDLE_FORMAT) {
		strbuf_addf(why, "a bundle of format %s; this kdive reads format %d",
			    member(m, "bundle")->str, BUNDLE_FORMAT);
		return 0;
	}
	const struct tar_entry *e = tar_find(&p->tar, str_of(m, "scenario"));
	if (!e || e->is_dir) {
		strbuf_addf(why, "its scenario '%s' is not in it", str_of(m, "scenario"));
		return 0;
	}
	const struct json_value *fr = member(m, "fragments");
	for (size_t i = 0; i < json_value_count(fr); i++) {
		const char *f = json_value_str(json_value_at(fr, i), NULL);
		if (!f || strncmp(f, "kconfig/", 8) || strchr(f + 8, '/') || !tar_find(&p->tar, f)) {
			strbuf_addf(why, "its fragment %zu is not a kconfig/NAME in it", i + 1);
			return 0;
		}
	}
	if (!tar_find(&p->tar, "kconfig/base.config")) {
		strbuf_addstr(why, "it has no kconfig/base.config");
		return 0;
	}
	return 1;
}

/* Read and check the bundle; 0, or an exit code after one message naming the file. */
static int replay_open(struct replay *p)
{
	struct strbuf buf = STRBUF_INIT, why = STRBUF_INIT;
	struct stat st;
	int rc = KDIVE_EXIT_USAGE;
	tar_init(&p->tar, 0);
	if (stat(p->file, &st) < 0 || (S_ISREG(st.st_mode) && st.st_size <= BUNDLE_MAX_BYTES &&
					strbuf_read_file(&buf, p->file) < 0)) {
		error_errno("%s: cannot read the bundle", p->file);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > BUNDLE_MAX_BYTES) {
		error("%s: cannot read the bundle: %s", p->file, !S_ISREG(st.st_mode) ?
		      "not a regular file" : "over 256 MiB");
		goto out;
	}
	if (!tar_is_archive(buf.buf, buf.len)) {
		error("%s: not a kdive bundle (not a tar archive)", p->file);
		goto out;
	}
	if (tar_read(&p->tar, buf.buf, buf.len, &why) < 0) {
		error("%s: not a kdive bundle: %s", p->file, why.buf);
		goto out;
	}
	const struct tar_entry *m = tar_find(&p->tar, BUNDLE_MANIFEST);
	if (!m || m->is_dir) {
		error("%s: not a kdive bundle: it has no %s", p->file, BUNDLE_MANIFEST);
		goto out;
	}
	struct json_error jerr;
	p->man = json_parse(m->data ? m->data : "", m->len, &jerr);
	if (!p->man) {
		error("%s: %s is not JSON: %s (column %zu)", p->file, BUNDLE_MANIFEST, jerr.message,
		      jerr.column);
		goto out;
	}
	if (!json_value_is(p->man, JSON_OBJECT) || !manifest_complete(p, &why)) {
		error("%s: not a kdive bundle: %s", p->file,
		      why.len ? why.buf : "manifest.json is not an object");
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&buf);
	strbuf_release(&why);
	return rc;
}

/* Write one member under p->dir. -1 after an error. */
static int unpack_one(struct replay *p, const struct tar_entry *e)
{
	char *path = xstrfmt("%s/%s", p->dir, e->path);
	char *slash = strrchr(path, '/');
	int rc = -1, fd = -1;
	*slash = '\0';
	if (mkdir_p(path, 0755) < 0) {
		error_errno("%s: cannot create '%s'", p->file, path);
		goto out;
	}
	*slash = '/';
	if (e->is_dir) {
		if (mkdir_p(path, 0755) < 0)
			error_errno("%s: cannot create '%s'", p->file, path);
		else
			rc = 0;
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, e->data, e->len) < 0 || fchmod(fd, e->mode & 0777) < 0)
		error_errno("%s: cannot unpack '%s'", p->file, e->path);
	else
		rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

/* The private directory, and every member in it. An exit code. */
static int replay_unpack(struct replay *p)
{
	const char *t = getenv("TMPDIR");
	char *tmpl = xstrfmt("%s/kdive-bundle.XXXXXX", t && *t == '/' ? t : "/tmp");
	if (!mkdtemp(tmpl)) {
		error_errno("cannot create a directory '%s' for the bundle", tmpl);
		free(tmpl);
		return KDIVE_EXIT_INFRA;
	}
	p->dir = tmpl;
	proc_remove_at_death(p->dir);
	for (size_t i = 0; i < p->tar.nr; i++)
		if (unpack_one(p, &p->tar.ents[i]) < 0)
			return KDIVE_EXIT_INFRA;
	return 0;
}

/* ---- differences ---- */

/* A source identity in a line: "linux-source-6.12 6.12.57-1", "tree v6.12-3-gabc". */
static char *source_desc(const struct json_value *s)
{
	const char *kind = str_of(s, "kind");
	if (!kind)
		return xstrdup("unknown");
	if (!strcmp(kind, "debian"))
		return xstrfmt("%s %s", str_of(s, "package"), str_of(s, "version"));
	if (!strcmp(kind, "tree"))
		return xstrfmt("tree %s", str_of(s, "describe") ? str_of(s, "describe")
								: "(not a git tree)");
	return xstrfmt("%s sha256 %.16s", kind, str_of(s, "sha256") ? str_of(s, "sha256") : "?");
}

/* Say a differing fact: "WHAT HERE here, THERE in the bundle". */
static void fact(const char *what, const char *here, const char *there)
{
	if (!here || !there || strcmp(here, there))
		say("%s %s here, %s in the bundle", what, here ? here : "unknown",
		    there ? there : "unknown");
}

static const char *qemu_version(const char *line)
{
	const char *pre = "QEMU emulator version ";
	return line && !strncmp(line, pre, strlen(pre)) ? line + strlen(pre) : line;
}

/* How this machine differs from the recorded one: kdive, QEMU, the kernel's source and
 * release, the program's build and libraries. */
static void facts_compare(const struct replay *p, const struct bundle_run *r)
{
	struct strbuf out = STRBUF_INIT;
	struct json j;
	struct json_error err;
	json_init(&j, &out, 0);
	bundle_facts_write(&j, NULL, &r->im.kernels[0]);
	json_finish(&j);
	struct json_value *here = json_parse(out.buf, out.len, &err);
	const struct json_value *there = member(p->man, "recorded_on");
	fact("kdive", str_of(here, "kdive"), str_of(there, "kdive"));
	fact("QEMU", qemu_version(str_of(here, "qemu")), qemu_version(str_of(there, "qemu")));
	const struct json_value *hs = member(member(here, "kernel"), "source");
	const struct json_value *ts = member(member(there, "kernel"), "source");
	const char *hp = str_of(hs, "package"), *tp = str_of(ts, "package");
	if (hp && tp && !strcmp(hp, tp)) {
		char *what = xstrfmt("kernel source %s", hp);
		fact(what, str_of(hs, "version"), str_of(ts, "version"));
		free(what);
	} else {
		char *h = source_desc(hs), *t = source_desc(ts);
		fact("kernel source", h, t);
		free(h);
		free(t);
	}
	fact("kernel release", str_of(member(here, "kernel"), "release"),
	     str_of(member(there, "kernel"), "release"));
	const struct json_value *prog = member(p->man, "program");
	const char *key = str_of(prog, "key");
	if (key && r->user.key && strcmp(key, r->user.key))
		say("the program builds as %.16s here, %.16s in the bundle (another compiler, "
		    "libc or input)", r->user.key, key);
	const struct json_value *libs = member(prog, "libraries");
	for (size_t i = 0; i < json_value_count(libs); i++) {
		const char *path = str_of(json_value_at(libs, i), "path");
		const char *sum = str_of(json_value_at(libs, i), "sha256");
		char hex[65];
		if (!path)
			continue;
		if (sha256_file_hex(path, hex) < 0)
			say("library %s: not on this machine", path);
		else if (!sum || strcmp(sum, hex))
			say("library %s differs here (sha256 %.16s, %.16s in the bundle)", path, hex,
			    sum ? sum : "?");
	}
	json_value_free(here);
	strbuf_release(&out);
}

/* The replay's hook before the boot: the scenario named after the bundle, the facts. */
static int before_boot(void *ctx, struct bundle_run *r)
{
	struct replay *p = ctx;
	free(r->sc.file);
	r->sc.file = xstrfmt("%s:%s", p->file, BUNDLE_SCENARIO);
	facts_compare(p, r);
	return 0;
}

/* A value for a line: a string, a number, true/false, or "none". */
static char *shown(const struct json_value *v)
{
	if (json_value_is(v, JSON_STRING))
		return xstrfmt("'%s'", v->str);
	if (json_value_is(v, JSON_NUMBER))
		return xstrdup(v->str);
	if (json_value_is(v, JSON_BOOL))
		return xstrdup(v->flag ? "true" : "false");
	return xstrdup("none");
}

/* Say it when member key of a and b differs: "WHAT was A, now B". */
static void differ(struct replay *p, const char *what, const struct json_value *was,
		   const struct json_value *now)
{
	if (json_value_equal(was, now))
		return;
	char *a = shown(was), *b = shown(now);
	say("%s was %s, now %s", what, a, b);
	free(a);
	free(b);
	p->ndiff++;
}

/*
 * 1 when two frames' files are the same file: equal, or one a path suffix of the other
 * at a '/' (a kernel whose vmlinux was built elsewhere names its files by the paths of
 * that machine's tree, which this one cannot make relative; match compares suffixes
 * too).
 */
static int same_file(const struct json_value *a, const struct json_value *b)
{
	const char *x = json_value_str(a, NULL), *y = json_value_str(b, NULL);
	if (!x || !y)
		return json_value_equal(a, b);
	size_t nx = strlen(x), ny = strlen(y);
	if (nx < ny) {
		const char *t = x;
		x = y;
		y = t;
		nx = strlen(x), ny = strlen(y);
	}
	return !strcmp(x + nx - ny, y) && (nx == ny || x[nx - ny - 1] == '/');
}

/* Frames of one block, function by function, then file by file. */
static void frames_compare(struct replay *p, const char *stop, const char *kind,
			   const struct json_value *was, const struct json_value *now)
{
	size_t nw = json_value_count(was), nn = json_value_count(now);
	for (size_t i = 0; i < nw || i < nn; i++) {
		const struct json_value *fw = json_value_at(was, i), *fn = json_value_at(now, i);
		const char *w = str_of(fw, "func"), *n = str_of(fn, "func");
		if (!fw || !fn || !w || !n || strcmp(w, n)) {
			say("%s: %s %zu was %s, now %s", stop, kind, i + 1, fw ? w : "none",
			    fn ? n : "none");
			p->ndiff++;
		} else if (!same_file(member(fw, "file"), member(fn, "file"))) {
			char *a = shown(member(fw, "file")), *b = shown(member(fn, "file"));
			say("%s: %s %zu (%s) was in %s, now in %s", stop, kind, i + 1, w, a, b);
			free(a);
			free(b);
			p->ndiff++;
		}
	}
}

/* The replay's verdict against the recorded one. */
static void verdict_compare(struct replay *p, const struct bundle_run *r)
{
	struct strbuf out = STRBUF_INIT;
	struct json j;
	struct json_error err;
	json_init(&j, &out, 0);
	bundle_verdict_write(&j, NULL, r);
	json_finish(&j);
	struct json_value *now = json_parse(out.buf, out.len, &err);
	const struct json_value *was = member(p->man, "verdict");
	differ(p, "the verdict", member(was, "result"), member(now, "result"));
	differ(p, "the reason", member(was, "reason"), member(now, "reason"));
	differ(p, "the exit status", member(was, "exit_status"), member(now, "exit_status"));
	const struct json_value *sw = member(was, "stops"), *sn = member(now, "stops");
	if (json_value_count(sw) != json_value_count(sn)) {
		say("the bundle recorded %zu stops, the scenario has %zu", json_value_count(sw),
		    json_value_count(sn));
		p->ndiff++;
	}
	for (size_t i = 0; i < json_value_count(sw) && i < json_value_count(sn); i++) {
		const struct json_value *a = json_value_at(sw, i), *b = json_value_at(sn, i);
		char *stop = xstrfmt("stop %zu (%s)", i + 1, str_of(b, "location"));
		char *what = xstrfmt("%s: its result", stop);
		differ(p, what, member(a, "result"), member(b, "result"));
		free(what);
		what = xstrfmt("%s: reached", stop);
		differ(p, what, member(a, "reached"), member(b, "reached"));
		free(what);
		frames_compare(p, stop, "frame", member(a, "frames"), member(b, "frames"));
		frames_compare(p, stop, "user frame", member(a, "user_frames"),
			       member(b, "user_frames"));
		free(stop);
	}
	if (!p->ndiff)
		say("the verdict (%s) and every stop's frames are as recorded",
		    str_of(was, "result"));
	json_value_free(now);
	strbuf_release(&out);
}

int bundle_replay(struct cli_args *a)
{
	struct replay p = { .file = a->rest[0] };
	struct bundle_run r;
	int rc;
	memset(&r, 0, sizeof(r));
	rc = replay_open(&p);
	if (!rc)
		rc = replay_unpack(&p);
	if (rc)
		goto out;
	const struct json_value *mach = member(p.man, "machine");
	int64_t cpus = 1;
	json_value_int(member(mach, "cpus"), &cpus);
	a->boot.guest.cpus = cpus > 1 && cpus <= 8 ? (int)cpus : 0;
	a->boot.guest.kaslr = json_value_bool(member(mach, "kaslr")) == 1;
	a->boot.guest.append = str_of(mach, "append");
	char *kconfig = xstrfmt("%s/kconfig", p.dir);
	a->boot.kconfig = kconfig;
	/* The kernel travels by name only when it is Debian's; --kernel names another. */
	if (!a->boot.nkernels && str_of(mach, "kernel")) {
		a->boot.kernels[0] = str_of(mach, "kernel");
		a->boot.nkernels = 1;
	}
	info("%s: replaying '%s', recorded on kernel %s with kdive %s", p.file,
	     str_of(p.man, "name") ? str_of(p.man, "name") : "?",
	     str_of(member(member(p.man, "recorded_on"), "kernel"), "release"),
	     str_of(member(p.man, "recorded_on"), "kdive"));
	char *scn = xstrfmt("%s/%s", p.dir, str_of(p.man, "scenario"));
	rc = bundle_run_scenario(a, scn, &r, before_boot, &p, 1);
	if (r.ran) {
		verdict_compare(&p, &r);
		if (p.ndiff && rc == KDIVE_EXIT_PASS)
			rc = KDIVE_EXIT_FAIL;
	}
	free(scn);
	free(kconfig);
out:
	bundle_run_release(&r);
	if (p.dir) {
		proc_forget_at_death(p.dir);
		remove_tree(p.dir);
		free(p.dir);
	}
	json_value_free(p.man);
	tar_release(&p.tar);
	return rc;
}
