/*
 * kbuild: content-addressed kernel builds. Depends on proc, kconfig, elf, deps.
 */
#define _GNU_SOURCE
#include "kbuild.h"
#include "quote.h"
#include "manifest.h"
#include "kernel.h"
#include "deps.h"
#include "elf.h"
#include "proc.h"
#include "files.h"
#include "lockfile.h"
#include "sha256.h"
#include "timeutil.h"
#include "wrapper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bump when the way a key's tree is built changes, so old trees are not reused. */
#define KBUILD_RECIPE "kdive-kernel-recipe 2: allnoconfig+fragments; bzImage vmlinux scripts_gdb; gdb-add-index"

void kbuild_key(const char *source_id, const struct kconfig_frag *frag, const char *compiler,
		char key[65])
{
	struct sha256 c;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s\nsource %s\ncompiler %s\nfragment\n", KBUILD_RECIPE, source_id,
		    compiler);
	kconfig_write(frag, &sb);
	sha256_init(&c);
	sha256_update(&c, sb.buf, sb.len);
	sha256_final_hex(&c, key);
	strbuf_release(&sb);
}

void kbuild_result_release(struct kbuild_result *r)
{
	free(r->key);
	free(r->dir);
	free(r->build);
	free(r->srctree);
	free(r->bzimage);
	free(r->vmlinux);
	free(r->config);
	free(r->version);
	free(r->log);
	memset(r, 0, sizeof(*r));
}

/* ---- progress ---- */

/* A long step's progress, reported through the caller's struct progress (progress.h). */
struct meter {
	const char *phase;             /* what is happening now */
	const struct progress *out;    /* where it is reported; not owned */
	int64_t start;                 /* when the step began */
	int objects;                   /* objects compiled so far */
	int expect;                    /* objects a full build compiles, 0 if unknown */
	char current[96];              /* the last target make named */
	FILE *log;                     /* every line goes here; not owned */
};

/* Report "kernel: PHASE, 1m05s, 209 objects (~40%)" and the current target. */
static void meter_report(struct meter *m, enum progress_event ev)
{
	struct strbuf sb = STRBUF_INIT;
	if (!m->out || !m->out->fn)
		return;
	strbuf_addf(&sb, "kernel: %s, ", m->phase);
	format_duration(&sb, now_ms() - m->start);
	if (m->objects) {
		strbuf_addf(&sb, ", %d objects", m->objects);
		if (m->expect && m->objects <= m->expect)
			strbuf_addf(&sb, " (~%d%%)", m->objects * 100 / m->expect);
	}
	progress_report(m->out, ev, sb.buf, m->current[0] ? m->current : NULL);
	strbuf_release(&sb);
}

static void meter_done(struct meter *m)
{
	progress_report(m->out, PROGRESS_DONE, NULL, NULL);
}

static void meter_phase(struct meter *m, const char *phase)
{
	m->phase = phase;
	meter_report(m, PROGRESS_STAGE);
}

/* proc_pump callback: log the line, count objects, refresh the display. */
static int meter_line(void *ctx, const char *line)
{
	struct meter *p = ctx;
	if (!line) {
		meter_report(p, PROGRESS_TICK);
		return 0;
	}
	if (p->log) {
		fwrite(line, 1, strlen(line), p->log);
		putc('\n', p->log);
	}
	/* Kbuild's quiet lines: two spaces, a tag, spaces, the target. */
	if (line[0] == ' ' && line[1] == ' ' && line[2] >= 'A' && line[2] <= 'Z') {
		if (!strncmp(line + 2, "CC ", 3) || !strncmp(line + 2, "AS ", 3))
			p->objects++;
		if (!strncmp(line + 2, "LD ", 3) && strstr(line, "vmlinux"))
			p->phase = "linking";
		if (strstr(line, "bzImage"))
			p->phase = "bzImage";
		snprintf(p->current, sizeof(p->current), "%s", line + 2);
	}
	return 0;
}

/* ---- running make and friends ---- */

/*
 * What the kernel's make reads from the environment and the cache key does not
 * cover: removed, so that a key always means the same kernel. kdive may run under
 * make (make run): the jobserver and make's own variables are not passed on either.
 */
const char *const kbuild_cleared_env[] = {
	"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "GNUMAKEFLAGS",
	"KBUILD_OUTPUT", "O", "V", "W", "C", "M", "KBUILD_EXTMOD", "KBUILD_VERBOSE",
	"KBUILD_EXTRA_WARN", "KBUILD_CHECKSRC", "CHECK", "CROSS_COMPILE", "SUBARCH",
	"KCFLAGS", "KCPPFLAGS", "KAFLAGS", "KRUSTFLAGS", "KLDFLAGS", "CFLAGS_KERNEL",
	"AFLAGS_KERNEL", "LDFLAGS_vmlinux", "LLVM", "LLVM_IAS", "CC", "LD", "AR", "NM",
	"OBJCOPY", "OBJDUMP", "READELF", "STRIP", "PAHOLE", "HOSTCC", "HOSTCXX",
	"HOSTCFLAGS", "HOSTCXXFLAGS", "HOSTLDFLAGS", "HOSTLDLIBS", "KCONFIG_CONFIG",
	"KBUILD_KCONFIG", "KBUILD_DEFCONFIG", "KCONFIG_OVERWRITECONFIG", "KCONFIG_SEED",
	"KCONFIG_PROBABILITY", "KBUILD_BUILD_VERSION", "LOCALVERSION", "KERNELRELEASE",
	"KBUILD_ABS_SRCTREE", "KBUILD_SIGN_PIN", "INSTALL_MOD_PATH", "INSTALL_PATH",
	NULL,
};

void kbuild_make_env(struct strvec *env)
{
	for (const char *const *v = kbuild_cleared_env; *v; v++)
		strvec_push(env, *v);
	strvec_pushl(env, "LC_ALL=C", "ARCH=x86_64", "KBUILD_BUILD_USER=kdive",
		     "KBUILD_BUILD_HOST=kdive", "KBUILD_BUILD_TIMESTAMP=1970-01-01", NULL);
}

/* The tail of a log file, indented, into err. */
static void add_log_tail(struct strbuf *err, const char *path, int lines)
{
	struct strbuf sb = STRBUF_INIT;
	if (strbuf_read_file(&sb, path) == 0)
		strbuf_add_tail(err, sb.buf, lines, "  | ");
	strbuf_release(&sb);
}

/*
 * Run a command with its output logged through the progress meter. Returns 0 on
 * success; on failure -1 with what failed, the log tail and the log path in err.
 */
static int run_logged(struct proc *p, struct meter *pg, const char *logpath, const char *what,
		      struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	p->in = PROC_NULL;
	p->out = PROC_PIPE;
	p->err = PROC_TO_STDOUT;
	p->errbuf = &why;
	p->soft_stop = 1; /* make deletes the targets it was writing */
	if (pg->log) {
		struct strbuf cmd = STRBUF_INIT;
		strbuf_addstr(&cmd, "$ ");
		strvec_join_display(&p->args, &cmd);
		strbuf_addch(&cmd, '\n');
		fwrite(cmd.buf, 1, cmd.len, pg->log);
		strbuf_release(&cmd);
	}
	if (proc_start(p) < 0) {
		strbuf_error(err, "%s", why.buf);
		strbuf_release(&why);
		return -1;
	}
	strbuf_release(&why);
	int st = proc_pump(p, meter_line, pg, 1000, -1);
	if (pg->log)
		fflush(pg->log);
	meter_done(pg);
	if (st == 0)
		return 0;
	struct strbuf sb = STRBUF_INIT;
	if (st > 0)
		proc_describe_status(&sb, st);
	else
		strbuf_addstr(&sb, "was stopped");
	strbuf_error(err, "%s failed: '%s' %s; last lines of the log:", what, p->args.v[0], sb.buf);
	strbuf_release(&sb);
	add_log_tail(err, logpath, 15);
	strbuf_addf(err, "full log: %s\n", logpath);
	return -1;
}

/* ---- source ---- */

/* Identity of the source and, for a tarball, where it unpacks. */
struct source {
	char *id;      /* "tarball PATH size N mtime M" or "tree PATH"; owned */
	char *id16;    /* first 16 hex digits of sha256(id); owned */
	char *tarball; /* the tarball, or NULL for a tree; owned */
	char *tree;    /* the source tree (after unpacking); owned */
};

static void source_release(struct source *s)
{
	free(s->id);
	free(s->id16);
	free(s->tarball);
	free(s->tree);
}

static int source_identify(const char *src, struct source *s, struct strbuf *err)
{
	struct stat st;
	char real[PATH_MAX];
	memset(s, 0, sizeof(*s));
	if (!src)
		src = deps_kernel_tarball();
	if (!realpath(src, real) || stat(real, &st) < 0)
		return strbuf_error_errno(err, "kernel source '%s'", src);
	if (S_ISDIR(st.st_mode)) {
		struct strbuf mk = STRBUF_INIT;
		char *m = xstrfmt("%s/Makefile", real);
		int ok = strbuf_read_file(&mk, m) == 0 && strstr(mk.buf, "KERNELVERSION");
		free(m);
		strbuf_release(&mk);
		if (!ok)
			return strbuf_error(err, "'%s' is not a kernel source tree (no top-level "
					    "kernel Makefile)", real);
		s->id = xstrfmt("tree %s", real);
		s->tree = xstrdup(real);
	} else {
		s->id = xstrfmt("tarball %s size %lld mtime %lld", real, (long long)st.st_size,
				(long long)st.st_mtime);
		s->tarball = xstrdup(real);
	}
	struct sha256 c;
	char hex[65];
	sha256_init(&c);
	sha256_update(&c, s->id, strlen(s->id));
	sha256_final_hex(&c, hex);
	s->id16 = xstrndup(hex, 16);
	return 0;
}

/* The one directory inside dir (the tarball's top level), or NULL. */
static char *single_subdir(const char *dir)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = xstrfmt("%s/.complete", dir);
	char *r = NULL;
	if (strbuf_read_file(&sb, path) == 0) {
		strbuf_rtrim(&sb);
		if (sb.len)
			r = xstrfmt("%s/%s", dir, sb.buf);
	}
	free(path);
	strbuf_release(&sb);
	return r;
}

/* Unpack the tarball once into cache/src/ID16 (locked; atomic via rename). */
static int source_unpack(struct source *s, const char *cache, struct meter *pg,
			 struct strbuf *err)
{
	char *dir = xstrfmt("%s/src/%s", cache, s->id16);
	char *lockp = xstrfmt("%s/src/%s.lock", cache, s->id16);
	char *tmp = xstrfmt("%s/src/%s.tmp", cache, s->id16);
	char *logp = xstrfmt("%s/src/%s.log", cache, s->id16);
	int r = -1, lock = -1;
	FILE *log = NULL;

	if (s->tree || (s->tree = single_subdir(dir))) {
		r = 0;
		goto out;
	}
	if (mkdir_p(tmp, 0755) < 0 && errno != EEXIST) {
		strbuf_error_errno(err, "cannot create '%s'", tmp);
		goto out;
	}
	lock = lock_file(lockp, "the kernel source", err);
	if (lock < 0)
		goto out;
	if ((s->tree = single_subdir(dir))) { /* unpacked while we waited */
		r = 0;
		goto out;
	}
	remove_tree(tmp);
	remove_tree(dir);
	if (mkdir_p(tmp, 0755) < 0) {
		strbuf_error_errno(err, "cannot create '%s'", tmp);
		goto out;
	}
	log = fopen(logp, "we");
	pg->log = log;
	pg->start = now_ms();
	meter_phase(pg, "unpacking the source");
	struct proc p = PROC_INIT;
	strvec_pushl(&p.args, "tar", "-xJf", s->tarball, "-C", tmp, NULL);
	p.share_fd = lock; /* xz, tar's child, holds the lock too */
	int rr = run_logged(&p, pg, logp, "unpacking the kernel source", err);
	proc_release(&p);
	if (rr < 0)
		goto out;
	/* Find the top-level directory and record it. */
	struct strbuf top = STRBUF_INIT, why = STRBUF_INIT;
	const char *ls[] = { "ls", "-A", tmp, NULL };
	proc_run_capture_quiet(ls, &top, 0, 10000, &why);
	strbuf_rtrim(&top);
	if (!top.len || strchr(top.buf, '\n')) {
		strbuf_error(err, "'%s' does not unpack to one directory%s%s", s->tarball,
			     why.len ? ": " : "", why.buf);
		strbuf_release(&top);
		strbuf_release(&why);
		goto out;
	}
	strbuf_release(&why);
	char *stamp = xstrfmt("%s/.complete", tmp);
	if (write_file_atomic(stamp, top.buf, top.len) < 0 || rename(tmp, dir) < 0) {
		strbuf_error_errno(err, "cannot finish unpacking into '%s'", dir);
		free(stamp);
		strbuf_release(&top);
		goto out;
	}
	free(stamp);
	s->tree = xstrfmt("%s/%s", dir, top.buf);
	strbuf_release(&top);
	r = 0;
out:
	if (log)
		fclose(log);
	pg->log = NULL;
	if (lock >= 0)
		close(lock);
	free(dir);
	free(lockp);
	free(tmp);
	free(logp);
	return r;
}

/* ---- the build ---- */

static char *compiler_version(void)
{
	struct strbuf sb = STRBUF_INIT;
	if (deps_compiler_id(&sb) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

#define KBUILD_FRAGMENT_MAX_BYTES (1 << 20) /* allyesconfig is 300 KB; /dev/zero is none */

/* Read and merge every fragment; -1 with every unreadable file and bad line in err. */
static int load_fragments(const struct kbuild_opts *o, struct kconfig_frag *frag,
			  struct strbuf *err)
{
	int bad = 0;
	for (size_t i = 0; i < o->fragments.nr; i++) {
		struct strbuf text = STRBUF_INIT;
		if (strbuf_read_input(&text, o->fragments.v[i], "config fragment",
				      KBUILD_FRAGMENT_MAX_BYTES, err) < 0) {
			bad = 1;
		} else if (kconfig_parse(frag, o->fragments.v[i], text.buf, err) < 0) {
			bad = 1;
		}
		strbuf_release(&text);
	}
	return bad ? -1 : 0;
}

/* Read a one-line file into a new string (trimmed), or NULL. */
static char *read_line_file(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	if (strbuf_read_file(&sb, path) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	strbuf_rtrim(&sb);
	return strbuf_detach(&sb, NULL);
}

static void fill_result(struct kbuild_result *r, const char *cache, const char *key,
			const struct source *s)
{
	r->key = xstrdup(key);
	r->dir = xstrfmt("%s/kernel/%.16s", cache, key);
	r->build = xstrfmt("%s/build/%s", cache, s->id16);
	r->srctree = xstrdup(s->tree ? s->tree : "");
	r->bzimage = xstrfmt("%s/bzImage", r->dir);
	r->vmlinux = xstrfmt("%s/vmlinux", r->dir);
	r->config = xstrfmt("%s/config", r->dir);
	r->log = xstrfmt("%s/build.log", r->dir);
}

/*
 * Copy what a key needs out of the shared tree: the images, the config, and what gdb
 * sessions load (the kernel's gdb scripts, the generated headers that x64_sys_call's
 * switch and friends come from). The tree itself moves on with the next key.
 */
static int export_outputs(const struct kbuild_result *r, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	static const char *const parts[] = {
		"arch/x86/boot/bzImage", "vmlinux", ".config", "System.map", "vmlinux-gdb.py",
		"scripts/gdb", "include/generated", "arch/x86/include/generated",
		"include/config/kernel.release",
	};
	struct proc p = PROC_INIT;
	int rc = 0;
	/* -L: the tree's links into the source (vmlinux-gdb.py, scripts/gdb) are copied as
	 * files, so the entry holds no path of this cache and travels (design.md). */
	strvec_pushl(&p.args, "cp", "-a", "-L", "--parents", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		strvec_push(&p.args, parts[i]);
	strvec_push(&p.args, r->dir);
	p.dir = r->build;
	p.in = PROC_NULL;
	p.out = PROC_PIPE;
	p.err = PROC_TO_STDOUT;
	p.errbuf = &why;
	if (proc_start(&p) < 0) {
		rc = strbuf_error(err, "%s", why.buf);
		goto out;
	}
	char *dst_bz = xstrfmt("%s/arch/x86/boot/bzImage", r->dir);
	char *dst_cfg = xstrfmt("%s/.config", r->dir);
	int st = proc_pump(&p, NULL, NULL, 1000, now_ms() + 300000);
	if (st != 0) {
		rc = strbuf_error(err, "copying the build outputs from '%s' to '%s' failed",
				  r->build, r->dir);
	} else if (rename(dst_bz, r->bzimage) < 0 || rename(dst_cfg, r->config) < 0) {
		rc = strbuf_error_errno(err, "cannot move the outputs into '%s'", r->dir);
	}
	free(dst_bz);
	free(dst_cfg);
out:
	proc_release(&p);
	strbuf_release(&why);
	return rc;
}

static int verify_outputs(const struct kbuild_result *r, struct strbuf *err)
{
	struct elf e;
	struct strbuf why = STRBUF_INIT;
	const unsigned char *d;
	size_t len;
	int rc = 0;
	if (access(r->bzimage, R_OK) < 0)
		return strbuf_error(err, "the build finished but '%s' is missing", r->bzimage);
	if (elf_open_quiet(&e, r->vmlinux, &why) < 0) {
		strbuf_error(err, "%s", why.buf);
		strbuf_release(&why);
		return -1;
	}
	int v = elf_dwarf_version(&e);
	if (v == 0)
		rc = strbuf_error(err, "'%s' has no DWARF debug info: is CONFIG_DEBUG_INFO_DWARF5 set?",
				  r->vmlinux);
	else if (v != 5)
		warning("'%s' carries DWARF %d, not 5", r->vmlinux, v);
	if (!elf_section(&e, ".gdb_index", &d, &len))
		rc = strbuf_error(err, "'%s' has no .gdb_index after gdb-add-index", r->vmlinux);
	elf_close(&e);
	return rc;
}

/* What a key's MANIFEST leaves out: the marker that publishes it, and the log. */
static const char *const unrecorded[] = { "done", "build.log", NULL };

/*
 * 1 when a published key's files are what was built; else 0 with why in damage.
 * A key from before manifests is adopted when its images pass verify_outputs().
 */
static int entry_intact(const struct kbuild_result *r, struct strbuf *damage)
{
	struct strbuf why = STRBUF_INIT;
	int m = manifest_check(r->dir, damage);
	if (m == 1) {
		m = verify_outputs(r, &why) == 0 ? manifest_write(r->dir, unrecorded, &why) : -1;
		if (m < 0) {
			strbuf_rtrim(&why);
			strbuf_addstr(damage, why.len ? why.buf : "its images do not verify");
		}
	}
	strbuf_release(&why);
	return m == 0;
}

/*
 * The kernel's build refuses a source or object directory with a space or a colon
 * (its Makefile checks), and its recipes put the paths into make and shell text
 * unquoted: refuse those bytes up front, naming the one found. 0 or -1 with err.
 */
static int kbuild_path_ok(const char *path, const char *what, const char *fix,
			  struct strbuf *err)
{
	const char *bad = quote_bad_byte(path);
	char name[8];
	if (!bad)
		bad = path + strcspn(path, " :#$'\"\\");
	if (!*bad)
		return 0;
	snprintf(name, sizeof(name), "'%c'", *bad);
	return strbuf_error(err, "the kernel's %s '%s' has %s, which the kernel's build cannot "
			    "take: %s a directory without it", what, path,
		    *bad == ' ' ? "a space" : (unsigned char)*bad < ' ' || *bad == 0x7f
			    ? quote_byte_name((unsigned char)*bad) : name, fix);
}

/*
 * Configure the tree: allnoconfig with the merged fragment as KCONFIG_ALLCONFIG, then
 * every requested symbol checked in the .config. 0; -1 with err; -2 with err when a
 * requested symbol did not survive (the key is worth nothing).
 */
static int kbuild_configure(const char *tree, struct kbuild_result *r,
			    const struct kconfig_frag *frag, int lock, struct meter *pg,
			    struct strbuf *err)
{
	struct strbuf merged = STRBUF_INIT, dotconfig = STRBUF_INIT, report = STRBUF_INIT;
	struct proc p = PROC_INIT;
	char *fragp = xstrfmt("%s/kdive.fragment", r->dir);
	char *treecfg = xstrfmt("%s/.config", r->build);
	int rc = -1;
	kconfig_write(frag, &merged);
	if (write_file_atomic(fragp, merged.buf, merged.len) < 0) {
		strbuf_error_errno(err, "cannot write '%s'", fragp);
		goto out;
	}
	meter_phase(pg, "configuring");
	strvec_pushl(&p.args, "make", "-C", tree, NULL);
	strvec_pushf(&p.args, "O=%s", r->build);
	strvec_pushf(&p.args, "KCONFIG_ALLCONFIG=%s", fragp);
	strvec_push(&p.args, "allnoconfig");
	kbuild_make_env(&p.env);
	p.share_fd = lock; /* the tree stays locked until the last compiler is gone */
	int rr = run_logged(&p, pg, r->log, "configuring the kernel", err);
	proc_release(&p);
	if (rr < 0)
		goto out;
	if (strbuf_read_file(&dotconfig, treecfg) < 0) {
		strbuf_error_errno(err, "cannot read the .config in '%s'", r->build);
		goto out;
	}
	int lost = kconfig_verify(frag, dotconfig.buf, &report);
	if (lost) {
		strbuf_error(err, "%d requested config symbol%s did not survive into .config:", lost,
			     lost == 1 ? "" : "s");
		strbuf_addstr(err, report.buf);
		strbuf_addstr(err, "hint: a symbol with unmet dependencies is dropped by Kconfig; "
				   "request its dependencies too\n");
		rc = -2;
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&merged);
	strbuf_release(&dotconfig);
	strbuf_release(&report);
	free(fragp);
	free(treecfg);
	return rc;
}

/* Compile bzImage, vmlinux and the kernel's gdb scripts, and index vmlinux for gdb. */
static int kbuild_compile(const char *tree, struct kbuild_result *r, int jobs, int lock,
			  struct meter *pg, struct strbuf *err)
{
	struct proc p = PROC_INIT;
	meter_phase(pg, "compiling");
	strvec_pushl(&p.args, "make", "-C", tree, NULL);
	strvec_pushf(&p.args, "O=%s", r->build);
	strvec_pushf(&p.args, "-j%d", jobs);
	strvec_pushl(&p.args, "bzImage", "vmlinux", "scripts_gdb", NULL);
	kbuild_make_env(&p.env);
	p.share_fd = lock;
	int rr = run_logged(&p, pg, r->log, "building the kernel", err);
	proc_release(&p);
	if (rr < 0)
		return -1;
	/* gdb loads symbols twice as fast, and conditions on struct types 40x faster. */
	/* A vmlinux make did not relink has its index already (gdb-add-index would only
	 * say "Cannot use an index to create the index" in the log). */
	char *treevm = xstrfmt("%s/vmlinux", r->build);
	if (!kernel_has_gdb_index(treevm)) {
		meter_phase(pg, "adding .gdb_index");
		proc_init(&p);
		strvec_pushl(&p.args, "gdb-add-index", treevm, NULL);
		p.share_fd = lock;
		rr = run_logged(&p, pg, r->log, "indexing vmlinux", err);
		proc_release(&p);
	}
	free(treevm);
	return rr;
}

/*
 * Save the outputs into the key's entry, check them, and publish it: the release, the
 * MANIFEST, then done (donep). The object count is remembered (expp) for the next
 * build's progress. 0, or -1 with err.
 */
static int kbuild_publish(struct kbuild_result *r, const char *donep, const char *expp,
			  struct meter *pg, struct strbuf *err)
{
	meter_phase(pg, "saving the outputs");
	if (export_outputs(r, err) < 0 || verify_outputs(r, err) < 0)
		return -1;
	char *relp = xstrfmt("%s/include/config/kernel.release", r->dir);
	r->version = read_line_file(relp);
	free(relp);
	if (!r->version)
		return strbuf_error(err, "cannot read the kernel release from '%s'", r->build);
	if (manifest_write(r->dir, unrecorded, err) < 0)
		return -1;
	if (write_file_atomic(donep, r->version, strlen(r->version)) < 0)
		return strbuf_error_errno(err, "cannot write '%s'", donep);
	if (!pg->expect || pg->objects > pg->expect) {
		char *n = xstrfmt("%d\n", pg->objects);
		write_file_atomic(expp, n, strlen(n));
		free(n);
	}
	return 0;
}

int kbuild_run(const struct kbuild_opts *o, struct kbuild_result *r, struct strbuf *err)
{
	struct kconfig_frag frag = KCONFIG_FRAG_INIT;
	struct source s;
	struct meter pg = { 0 };
	char key[65];
	char *compiler = NULL, *donep = NULL, *lockp = NULL, *tmp = NULL;
	char *expp = NULL;
	int rc = -1, lock = -1;
	struct strbuf damage = STRBUF_INIT;
	FILE *log = NULL;
	int64_t t0 = now_ms();
	int jobs = o->jobs > 0 ? o->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);

	memset(r, 0, sizeof(*r));
	memset(&s, 0, sizeof(s));
	pg.out = &o->progress;
	if (load_fragments(o, &frag, err) < 0) {
		r->fail = FAIL_INPUT;
		goto out;
	}
	if (source_identify(o->src, &s, err) < 0)
		goto out;
	compiler = compiler_version();
	if (!compiler) {
		strbuf_error(err, "no gcc in PATH; is it installed? (kdive doctor)");
		goto out;
	}
	kbuild_key(s.id, &frag, compiler, key);
	fill_result(r, o->cache, key, &s);
	donep = xstrfmt("%s/done", r->dir);

	/* The fast path: a complete, intact key whose source is still there. A user's
	 * own tree may change under us, so it always goes through make (incremental). */
	if (s.tarball && path_exists(donep) && entry_intact(r, &damage)) {
		free(r->srctree);
		r->srctree = single_subdir(tmp = xstrfmt("%s/src/%s", o->cache, s.id16));
		if (r->srctree) {
			r->version = read_line_file(donep);
			r->reused = 1;
			rc = 0;
			goto out;
		}
	}

	/* One build tree per source, shared by its keys: a changed fragment rebuilds
	 * incrementally in it. Its lock serializes every build from that source. */
	char *buildroot = xstrfmt("%s/build", o->cache);
	int mk = mkdir_p(buildroot, 0755);
	free(buildroot);
	if (mk < 0 || mkdir_p(r->dir, 0755) < 0) {
		strbuf_error_errno(err, "cannot create '%s'", r->dir);
		goto out;
	}
	lockp = xstrfmt("%s.lock", r->build);
	lock = lock_file(lockp, "a kernel from this source", err);
	if (lock < 0)
		goto out;
	if (s.tarball && path_exists(donep)) {
		strbuf_reset(&damage); /* found before the lock: look again */
		if (entry_intact(r, &damage)) {
			/* Built while we waited, or its source went away: unpack it again. */
			r->version = read_line_file(donep);
			r->reused = 1;
			if (source_unpack(&s, o->cache, &pg, err) < 0)
				goto out;
			free(r->srctree);
			r->srctree = xstrdup(s.tree);
			rc = 0;
			goto out;
		}
		/* Nobody publishes it while we hold the lock. Make redoes what the shared
		 * tree lacks, often nothing: the repair takes seconds, not a build. */
		info("kernel cache entry '%s' is damaged (%s); rebuilding it", r->dir, damage.buf);
		remove_tree(r->dir);
		if (mkdir_p(r->dir, 0755) < 0) {
			strbuf_error_errno(err, "cannot create '%s'", r->dir);
			goto out;
		}
	}
	if (kbuild_path_ok(r->build, "build directory", "set KDIVE_CACHE to", err) < 0) {
		r->fail = FAIL_INPUT;
		goto out;
	}
	if (source_unpack(&s, o->cache, &pg, err) < 0)
		goto out;
	if (kbuild_path_ok(s.tree, "source tree", "use", err) < 0) {
		r->fail = FAIL_INPUT;
		goto out;
	}
	free(r->srctree);
	r->srctree = xstrdup(s.tree);

	log = fopen(r->log, "we");
	if (!log) {
		strbuf_error_errno(err, "cannot write '%s'", r->log);
		goto out;
	}
	pg.log = log;
	pg.start = now_ms();
	expp = xstrfmt("%s/kernel/objects-%s", o->cache, s.id16);
	{
		char *exps = read_line_file(expp);
		pg.expect = exps ? atoi(exps) : 0;
		free(exps);
	}
	if (mkdir_p(r->build, 0755) < 0) {
		strbuf_error_errno(err, "cannot create '%s'", r->build);
		goto out;
	}

	int cr = kbuild_configure(s.tree, r, &frag, lock, &pg, err);
	if (cr == -2) {
		/* Nothing of this key is worth keeping: the next attempt has another key. */
		fclose(log);
		log = NULL;
		remove_tree(r->dir);
	}
	if (cr < 0 || kbuild_compile(s.tree, r, jobs, lock, &pg, err) < 0 ||
	    kbuild_publish(r, donep, expp, &pg, err) < 0)
		goto out;
	rc = 0;
out:
	meter_done(&pg);
	if (rc < 0 && r->fail == FAIL_NONE)
		r->fail = FAIL_INFRA;
	if (log)
		fclose(log);
	if (lock >= 0)
		close(lock);
	r->ms = now_ms() - t0;
	source_release(&s);
	kconfig_frag_release(&frag);
	free(compiler);
	free(donep);
	free(lockp);
	free(tmp);
	free(expp);
	strbuf_release(&damage);
	return rc;
}
