/*
 * initramfs: spec → guest programs + busybox → newc cpio → gzip -n, cached by content.
 * Depends on proc, cpio, elf, deps.
 */
#define _GNU_SOURCE
#include "initramfs.h"
#include "manifest.h"
#include "cpio.h"
#include "deps.h"
#include "elf.h"
#include "proc.h"
#include "files.h"
#include "lockfile.h"
#include "sha256.h"
#include "strvec.h"
#include "timeutil.h"
#include "wrapper.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INITRAMFS_RECIPE "kdive-initramfs-recipe 2"
/* -O0 -g: every local visible in gdb; -static: no loader or libc in the guest. */
#define PROG_CFLAGS "-static -g -O0 -fno-omit-frame-pointer"
#define PROG_PREFIX INITRAMFS_PROG_DIR

enum op_kind { OP_DIR, OP_NOD, OP_SLINK, OP_FILE, OP_CPROG, OP_BUSYBOX, OP_PROGS };

/* One line of the spec. */
struct op {
	enum op_kind kind; /* what the line asks for */
	char *path;        /* path in the archive; owned */
	unsigned mode;     /* permissions */
	char *arg;         /* file source, symlink target; owned, may be NULL */
	char type;         /* OP_NOD: 'c' or 'b' */
	unsigned major, minor; /* OP_NOD */
	int line;          /* spec line */
};

/* The guest programs: name and source path. */
struct prog {
	char *name; /* "fork"; owned */
	char *src;  /* ".../progs/fork.c"; owned */
};

struct spec {
	struct op *ops;     /* owned */
	size_t nr, alloc;   /* used, allocated */
	struct prog *progs; /* owned */
	size_t nprogs;      /* count */
};

static void spec_release(struct spec *s)
{
	for (size_t i = 0; i < s->nr; i++) {
		free(s->ops[i].path);
		free(s->ops[i].arg);
	}
	for (size_t i = 0; i < s->nprogs; i++) {
		free(s->progs[i].name);
		free(s->progs[i].src);
	}
	free(s->ops);
	free(s->progs);
	memset(s, 0, sizeof(*s));
}

/* Split a line into at most 8 words in place; returns the count, columns in col[]. */
static int split_words(char *line, char **w, int *col, int max)
{
	int n = 0;
	char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			break;
		if (n == max)
			return max + 1;
		w[n] = p;
		col[n++] = (int)(p - line) + 1;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static int parse_mode(const char *s, unsigned *mode)
{
	char *end;
	unsigned long v = strtoul(s, &end, 8);
	if (*end || end == s || v > 07777)
		return -1;
	*mode = (unsigned)v;
	return 0;
}

static int parse_uint(const char *s, unsigned *v)
{
	char *end;
	unsigned long x = strtoul(s, &end, 10);
	if (*end || end == s || x > 0xfffff)
		return -1;
	*v = (unsigned)x;
	return 0;
}

/* Append "FILE:LINE:COL: MSG 'WORD'" to err; returns -1. */
static int spec_error(struct strbuf *err, const char *file, int line, int col, const char *msg,
		      const char *word)
{
	strbuf_addf(err, "%s:%d:%d: %s%s%s%s\n", file, line, col, msg, word ? " '" : "",
		    word ? word : "", word ? "'" : "");
	return -1;
}

/* Parse initramfs/files. Returns 0, or -1 with every bad line as FILE:LINE:COL in err. */
static int spec_parse(struct spec *s, const char *file, const char *text, struct strbuf *err)
{
	static const struct {
		const char *word;  /* directive */
		enum op_kind kind; /* what it makes */
		int args;          /* words after the directive */
		const char *usage; /* for messages */
	} kinds[] = {
		{ "dir", OP_DIR, 2, "dir PATH MODE" },
		{ "nod", OP_NOD, 5, "nod PATH MODE c|b MAJOR MINOR" },
		{ "slink", OP_SLINK, 2, "slink PATH TARGET" },
		{ "file", OP_FILE, 3, "file PATH MODE SOURCE" },
		{ "cprog", OP_CPROG, 3, "cprog PATH MODE SOURCE" },
		{ "busybox", OP_BUSYBOX, 1, "busybox PATH" },
		{ "progs", OP_PROGS, 1, "progs DIR" },
	};
	int bad = 0, lineno = 0;
	const char *p = text;
	while (*p) {
		const char *end = strchrnul(p, '\n');
		char *line = xstrndup(p, (size_t)(end - p));
		char *w[8];
		int col[8];
		int n = split_words(line, w, col, 7);
		lineno++;
		p = *end ? end + 1 : end;
		if (n == 0) {
			free(line);
			continue;
		}
		size_t k;
		for (k = 0; k < ARRAY_SIZE(kinds); k++)
			if (!strcmp(w[0], kinds[k].word))
				break;
		if (k == ARRAY_SIZE(kinds)) {
			bad = spec_error(err, file, lineno, col[0], "unknown directive", w[0]);
			free(line);
			continue;
		}
		if (n - 1 != kinds[k].args) {
			char *m = xstrfmt("expected '%s'", kinds[k].usage);
			bad = spec_error(err, file, lineno, col[0], m, NULL);
			free(m);
			free(line);
			continue;
		}
		struct op op = { .kind = kinds[k].kind, .line = lineno };
		if (w[1][0] != '/') {
			bad = spec_error(err, file, lineno, col[1], "path must be absolute:", w[1]);
			free(line);
			continue;
		}
		int ok = 1;
		if (op.kind == OP_DIR || op.kind == OP_NOD || op.kind == OP_FILE ||
		    op.kind == OP_CPROG) {
			if (parse_mode(w[2], &op.mode) < 0)
				ok = spec_error(err, file, lineno, col[2], "bad octal mode", w[2]) + 1;
		}
		if (ok && op.kind == OP_NOD) {
			if (strcmp(w[3], "c") && strcmp(w[3], "b"))
				ok = spec_error(err, file, lineno, col[3], "node type must be c or b, not", w[3]) + 1;
			else if (parse_uint(w[4], &op.major) < 0)
				ok = spec_error(err, file, lineno, col[4], "bad major number", w[4]) + 1;
			else if (parse_uint(w[5], &op.minor) < 0)
				ok = spec_error(err, file, lineno, col[5], "bad minor number", w[5]) + 1;
			op.type = w[3][0];
		}
		if (!ok) {
			bad = -1;
			free(line);
			continue;
		}
		op.path = xstrdup(w[1]);
		if (op.kind == OP_SLINK)
			op.arg = xstrdup(w[2]);
		if (op.kind == OP_FILE || op.kind == OP_CPROG)
			op.arg = xstrdup(w[3]);
		if (s->nr == s->alloc) {
			s->alloc = s->alloc ? s->alloc * 2 : 32;
			s->ops = xrealloc(s->ops, s->alloc * sizeof(*s->ops));
		}
		s->ops[s->nr++] = op;
		free(line);
	}
	return bad ? -1 : 0;
}

int initramfs_spec_check(const char *file, const char *text, struct strbuf *err)
{
	struct spec s = { 0 };
	int r = spec_parse(&s, file, text, err);
	spec_release(&s);
	return r;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct prog *)a)->name, ((const struct prog *)b)->name);
}

/* Every progs/NAME.c, sorted by name. */
static int find_progs(struct spec *s, const char *datadir, struct strbuf *err)
{
	char *dir = xstrfmt("%s/progs", datadir);
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t alloc = 0;
	if (!d) {
		int r = errno == ENOENT ? 0 : strbuf_error_errno(err, "cannot read '%s'", dir);
		free(dir);
		return r;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 3 || strcmp(de->d_name + l - 2, ".c") || de->d_name[0] == '.')
			continue;
		for (size_t i = 0; i < l - 2; i++) {
			if (!isalnum((unsigned char)de->d_name[i]) && !strchr("_-", de->d_name[i])) {
				closedir(d);
				strbuf_error(err, "guest program '%s/%s': name must be letters, "
					     "digits, _ and -", dir, de->d_name);
				free(dir);
				return -1;
			}
		}
		if (s->nprogs == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			s->progs = xrealloc(s->progs, alloc * sizeof(*s->progs));
		}
		s->progs[s->nprogs].name = xstrndup(de->d_name, l - 2);
		s->progs[s->nprogs].src = xstrfmt("%s/%s", dir, de->d_name);
		s->nprogs++;
	}
	closedir(d);
	free(dir);
	if (s->nprogs)
		qsort(s->progs, s->nprogs, sizeof(*s->progs), by_name);
	return 0;
}

/* Add a file's bytes (or its absence) to the key. */
static int hash_file(struct sha256 *c, const char *label, const char *path, struct strbuf *err)
{
	char hex[65];
	if (sha256_file_hex(path, hex) < 0)
		return strbuf_error_errno(err, "cannot read '%s'", path);
	sha256_update(c, label, strlen(label) + 1);
	sha256_update(c, hex, 64);
	return 0;
}

static int compute_key(const struct spec *s, const char *spectext, const char *datadir,
		       const char *busybox, uint32_t epoch, char key[65], struct strbuf *err)
{
	struct sha256 c;
	struct strbuf ids = STRBUF_INIT;
	int r = 0;
	/* The compiler and libc by identity (path, size, mtime): no process to run. */
	if (deps_compiler_id(&ids) < 0 || deps_file_id(deps_static_libc(), &ids) < 0)
		r = strbuf_error(err, "cannot identify gcc and %s (kdive doctor)", deps_static_libc());
	sha256_init(&c);
	char *head = xstrfmt("%s\nepoch %u\ncflags %s\ntools %s\n", INITRAMFS_RECIPE,
			     (unsigned)epoch, PROG_CFLAGS, ids.buf);
	sha256_update(&c, head, strlen(head));
	sha256_update(&c, spectext, strlen(spectext));
	free(head);
	strbuf_release(&ids);
	for (size_t i = 0; !r && i < s->nr; i++) {
		if (s->ops[i].kind == OP_FILE || s->ops[i].kind == OP_CPROG) {
			char *src = xstrfmt("%s/%s", datadir, s->ops[i].arg);
			r = hash_file(&c, s->ops[i].path, src, err);
			free(src);
		} else if (s->ops[i].kind == OP_BUSYBOX) {
			struct strbuf id = STRBUF_INIT;
			if (deps_file_id(busybox, &id) < 0)
				r = strbuf_error_errno(err, "cannot stat '%s'", busybox);
			sha256_update(&c, id.buf, id.len);
			strbuf_release(&id);
		}
	}
	for (size_t i = 0; !r && i < s->nprogs; i++)
		r = hash_file(&c, s->progs[i].name, s->progs[i].src, err);
	sha256_final_hex(&c, key);
	return r;
}

int initramfs_add_file(struct cpio *c, const char *path, unsigned mode, const char *src,
			 struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT;
	if (strbuf_read_file(&data, src) < 0) {
		strbuf_addf(err, "cannot read '%s': %s\n", src, strerror(errno));
		strbuf_release(&data);
		return -1;
	}
	cpio_add_parents(c, path);
	int r = cpio_add_file(c, path, mode, data.buf, data.len, err);
	strbuf_release(&data);
	return r;
}

/* busybox as path, with a link for each applet; -1 with why in err. */
static int add_busybox(struct cpio *c, const char *path, const char *busybox, struct strbuf *err)
{
	struct strbuf list = STRBUF_INIT, why = STRBUF_INIT;
	const char *argv[] = { busybox, "--list-full", NULL };
	if (initramfs_add_file(c, path, 0755, busybox, &why) < 0) {
		strbuf_rtrim(&why);
		strbuf_error(err, "%s", why.buf);
		strbuf_release(&why);
		return -1;
	}
	if (proc_run_capture_quiet(argv, &list, 0, 10000, &why) != 0) {
		strbuf_error(err, "'%s --list-full' failed: is it busybox?%s%s", busybox,
			     why.len ? " " : "", why.buf);
		strbuf_release(&list);
		strbuf_release(&why);
		return -1;
	}
	for (char *l = list.buf; *l;) {
		char *end = strchrnul(l, '\n');
		char *app = xstrfmt("/%.*s", (int)(end - l), l);
		/* Entries of the spec win over applet links (e.g. a real /init). */
		if (end > l && strcmp(app, path) && !cpio_has(c, app)) {
			cpio_add_parents(c, app);
			cpio_add_symlink(c, app, path, &why);
		}
		free(app);
		l = *end ? end + 1 : end;
	}
	strbuf_release(&list);
	strbuf_release(&why);
	return 0;
}

/* Compile the C program src into dst, for gdb (-O0 -g) or not (-O2); -1 with the
 * compiler's output in err. */
static int compile_c(const char *src, const char *dst, int debuggable, struct strbuf *err)
{
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	char *dir = xstrndup(src, strrchr(src, '/') - src);
	char cwd[PATH_MAX];
	/* DWARF names the source's directory and gcc's working directory (DW_AT_comp_dir):
	 * both become PROG_PREFIX, so that the archive is the same bytes from any checkout,
	 * run from anywhere. The source's map comes last: gcc tries the last one first. */
	char *cwdmap = xstrfmt("-ffile-prefix-map=%s=%s", getcwd(cwd, sizeof(cwd)) ? cwd : ".",
			       PROG_PREFIX);
	char *map = xstrfmt("-ffile-prefix-map=%s=%s", dir, PROG_PREFIX);
	const char *dbg[] = { "gcc", "-static", "-g", "-O0", "-fno-omit-frame-pointer", cwdmap,
			      map, "-o", dst, src, NULL };
	const char *opt[] = { "gcc", "-static", "-O2", cwdmap, map, "-o", dst, src, NULL };
	int st = proc_run_capture_quiet(debuggable ? dbg : opt, &out, 1, 120000, &why);
	int r = 0;
	if (st != 0 && why.len) {
		r = strbuf_error(err, "compiling guest program '%s' failed: %s", src, why.buf);
	} else if (st != 0) {
		r = strbuf_error(err, "compiling guest program '%s' failed:", src);
		strbuf_addstr(err, out.buf);
		if (out.len && out.buf[out.len - 1] != '\n')
			strbuf_addch(err, '\n');
	}
	strbuf_release(&out);
	strbuf_release(&why);
	free(dir);
	free(cwdmap);
	free(map);
	return r;
}

/* Compile one guest program into outdir; -1 with the compiler's output in err. */
static int compile_prog(const struct prog *pr, const char *outdir, struct strbuf *err)
{
	char *dst = xstrfmt("%s/%s", outdir, pr->name);
	int r = compile_c(pr->src, dst, 1, err);
	free(dst);
	return r;
}

static int gzip_file(const char *in, const char *out, struct strbuf *err)
{
	struct proc p = PROC_INIT;
	struct strbuf why = STRBUF_INIT;
	int ifd = open(in, O_RDONLY | O_CLOEXEC);
	int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r = -1;
	if (ifd < 0 || ofd < 0) {
		strbuf_error_errno(err, "cannot open '%s' or '%s'", in, out);
		goto out;
	}
	/* -n: no name or timestamp in the header, so the bytes depend on content only. */
	strvec_pushl(&p.args, "gzip", "-n", "-9", "-c", NULL);
	p.in = PROC_FD;
	p.in_fd = ifd;
	p.out = PROC_FD;
	p.out_fd = ofd;
	p.errbuf = &why;
	if (proc_start(&p) < 0) {
		strbuf_error(err, "%s", why.buf);
		goto out;
	}
	proc_wait(&p, now_ms() + 120000);
	if (!proc_succeeded(&p)) {
		proc_stop(&p, 1000);
		strbuf_error(err, "gzip of '%s' failed", in);
		goto out;
	}
	r = 0;
out:
	if (ifd >= 0)
		close(ifd);
	if (ofd >= 0)
		close(ofd);
	proc_release(&p);
	strbuf_release(&why);
	return r;
}

/* Assemble everything into tmp; returns 0 or -1 with why in err. */
static int assemble(const struct spec *s, const struct initramfs_opts *o, const char *busybox,
		    const char *tmp, struct strbuf *err)
{
	struct cpio c;
	struct strbuf why = STRBUF_INIT, bytes = STRBUF_INIT;
	char *progs = xstrfmt("%s/progs", tmp);
	char *cpiop = xstrfmt("%s/initramfs.cpio", tmp);
	char *gzp = xstrfmt("%s/initramfs.cpio.gz", tmp);
	int r = -1;

	cpio_init(&c, o->epoch);
	if (mkdir_p(progs, 0755) < 0) {
		strbuf_error_errno(err, "cannot create '%s'", progs);
		goto out;
	}
	for (size_t i = 0; i < s->nprogs; i++)
		if (compile_prog(&s->progs[i], progs, err) < 0)
			goto out;
	/* Plain entries first, so that busybox's applet links never shadow them. */
	for (size_t i = 0; i < s->nr; i++) {
		const struct op *op = &s->ops[i];
		int rr = 0;
		char *src, *exe;
		switch (op->kind) {
		case OP_DIR:
			cpio_add_parents(&c, op->path);
			rr = cpio_add_dir(&c, op->path, op->mode, &why);
			break;
		case OP_NOD:
			cpio_add_parents(&c, op->path);
			rr = cpio_add_node(&c, op->path, op->mode, op->type, op->major, op->minor, &why);
			break;
		case OP_SLINK:
			cpio_add_parents(&c, op->path);
			rr = cpio_add_symlink(&c, op->path, op->arg, &why);
			break;
		case OP_FILE:
			src = xstrfmt("%s/%s", o->datadir, op->arg);
			rr = initramfs_add_file(&c, op->path, op->mode, src, &why);
			free(src);
			break;
		case OP_CPROG:
			src = xstrfmt("%s/%s", o->datadir, op->arg);
			exe = xstrfmt("%s/cprog-%zu", tmp, i);
			rr = compile_c(src, exe, 0, &why);
			if (!rr)
				rr = initramfs_add_file(&c, op->path, op->mode, exe, &why);
			unlink(exe);
			free(src);
			free(exe);
			break;
		case OP_PROGS:
			for (size_t k = 0; k < s->nprogs && !rr; k++) {
				char *dst = xstrfmt("%s/%s", op->path, s->progs[k].name);
				char *bin = xstrfmt("%s/%s", progs, s->progs[k].name);
				rr = initramfs_add_file(&c, dst, 0755, bin, &why);
				free(dst);
				free(bin);
			}
			break;
		case OP_BUSYBOX:
			break;
		}
		if (rr < 0) {
			strbuf_rtrim(&why);
			strbuf_error(err, "initramfs spec line %d: %s", op->line,
				     why.len ? why.buf : "failed");
			goto out;
		}
	}
	for (size_t i = 0; i < s->nr; i++)
		if (s->ops[i].kind == OP_BUSYBOX && add_busybox(&c, s->ops[i].path, busybox, err) < 0)
			goto out;
	if (!cpio_has(&c, "/dev/console"))
		warning("the initramfs has no /dev/console: init will have no output");
	cpio_write(&c, &bytes);
	if (write_file_atomic(cpiop, bytes.buf, bytes.len) < 0) {
		strbuf_error_errno(err, "cannot write '%s'", cpiop);
		goto out;
	}
	if (gzip_file(cpiop, gzp, err) < 0)
		goto out;
	unlink(cpiop);
	r = 0;
out:
	cpio_release(&c);
	strbuf_release(&why);
	strbuf_release(&bytes);
	free(progs);
	free(cpiop);
	free(gzp);
	return r;
}

void initramfs_result_release(struct initramfs_result *r)
{
	free(r->key);
	free(r->dir);
	free(r->path);
	free(r->progs);
	memset(r, 0, sizeof(*r));
}

static int finish_result(struct initramfs_result *r, struct strbuf *err)
{
	struct stat st;
	char *donep = xstrfmt("%s/done", r->dir);
	struct strbuf sb = STRBUF_INIT;
	int rc = 0;
	if (strbuf_read_file(&sb, donep) < 0 || stat(r->path, &st) < 0) {
		rc = strbuf_error_errno(err, "initramfs cache '%s' is incomplete", r->dir);
	} else {
		strbuf_rtrim(&sb);
		snprintf(r->sha256, sizeof(r->sha256), "%s", sb.buf);
		r->size = (long long)st.st_size;
	}
	strbuf_release(&sb);
	free(donep);
	return rc;
}

/* What an entry's MANIFEST leaves out: the marker that publishes it. */
static const char *const unrecorded[] = { "done", NULL };

/*
 * 1 when the published entry r->dir is intact; 0 with why in damage when it is not
 * there or damaged (damage left empty when it is simply not there). An entry from
 * before manifests is adopted when its archive still has the hash in done.
 */
static int entry_intact(const struct initramfs_result *r, struct strbuf *damage)
{
	char *donep = xstrfmt("%s/done", r->dir);
	int there = path_exists(donep), ok = 0;
	if (there) {
		int m = manifest_check(r->dir, damage);
		if (m == 1) {
			struct strbuf want = STRBUF_INIT, why = STRBUF_INIT;
			char hex[65];
			if (strbuf_read_file(&want, donep) == 0) {
				strbuf_rtrim(&want);
				if (sha256_file_hex(r->path, hex) == 0 && !strcmp(hex, want.buf))
					m = manifest_write(r->dir, unrecorded, &why);
			}
			if (m != 0)
				strbuf_addstr(damage, "its archive is missing or not what was built");
			strbuf_release(&want);
			strbuf_release(&why);
		}
		struct strbuf want = STRBUF_INIT;
		if (m == 0 && (strbuf_read_file(&want, donep) < 0 || want.len != 64 ||
			       strspn(want.buf, "0123456789abcdef") != 64)) {
			strbuf_addstr(damage, "its done marker is not a SHA-256");
			m = -1;
		}
		strbuf_release(&want);
		ok = m == 0;
	}
	free(donep);
	return ok;
}

int initramfs_build(const struct initramfs_opts *o, struct initramfs_result *r,
		    struct strbuf *err)
{
	struct spec s = { 0 };
	struct strbuf text = STRBUF_INIT;
	char key[65];
	char *specp = xstrfmt("%s/files", o->datadir);
	char *busybox = NULL, *tmp = NULL;
	int rc = -1, lock = -1;
	struct strbuf damage = STRBUF_INIT;
	int64_t t0 = now_ms();

	memset(r, 0, sizeof(*r));
	if (strbuf_read_file(&text, specp) < 0) {
		strbuf_error_errno(err, "cannot read the initramfs spec '%s'", specp);
		goto out;
	}
	if (spec_parse(&s, specp, text.buf, err) < 0) {
		r->fail = FAIL_INPUT;
		goto out;
	}
	if (find_progs(&s, o->datadir, err) < 0)
		goto out;
	busybox = find_in_path(deps_tool("busybox"));
	if (!busybox) {
		strbuf_error(err, "busybox not found (install busybox-static; kdive doctor)");
		goto out;
	}
	struct elf e;
	struct strbuf why = STRBUF_INIT;
	if (elf_open_quiet(&e, busybox, &why) < 0) {
		strbuf_error(err, "%s", why.buf);
		strbuf_release(&why);
		goto out;
	}
	strbuf_release(&why);
	int is_static = elf_is_static(&e);
	elf_close(&e);
	if (!is_static) {
		strbuf_error(err, "'%s' is dynamically linked; the guest needs a static busybox "
			     "(apt-get install busybox-static)", busybox);
		goto out;
	}
	if (compute_key(&s, text.buf, o->datadir, busybox, o->epoch, key, err) < 0)
		goto out;
	r->key = xstrdup(key);
	r->dir = xstrfmt("%s/initramfs/%.16s", o->cache, key);
	r->path = xstrfmt("%s/initramfs.cpio.gz", r->dir);
	r->progs = xstrfmt("%s/progs", r->dir);
	if (entry_intact(r, &damage)) {
		r->reused = 1;
		rc = finish_result(r, err);
		goto out;
	}
	/* Build under the key's lock, in a private directory, and rename: readers see
	 * all or nothing, and two kdive never build the same key at once. */
	char *root = xstrfmt("%s/initramfs", o->cache);
	int mk = mkdir_p(root, 0755);
	free(root);
	if (mk < 0) {
		strbuf_error_errno(err, "cannot create '%s/initramfs'", o->cache);
		goto out;
	}
	char *lockp = xstrfmt("%s.lock", r->dir);
	lock = lock_file(lockp, "this initramfs", err);
	free(lockp);
	if (lock < 0)
		goto out;
	strbuf_reset(&damage); /* found before the lock: look again */
	if (entry_intact(r, &damage)) {
		r->reused = 1;
		rc = finish_result(r, err);
		goto out;
	}
	if (damage.len)
		info("initramfs cache entry '%s' is damaged (%s); rebuilding it", r->dir,
		     damage.buf);
	remove_tree(r->dir);
	tmp = xstrfmt("%s.tmp.%d", r->dir, (int)getpid());
	remove_tree(tmp);
	if (mkdir_p(tmp, 0755) < 0) {
		strbuf_error_errno(err, "cannot create '%s'", tmp);
		goto out;
	}
	char *status = xstrfmt("initramfs: building (%zu guest program%s, busybox)", s.nprogs,
			       s.nprogs == 1 ? "" : "s");
	progress_report(&o->progress, PROGRESS_STAGE, status, NULL);
	free(status);
	int built = assemble(&s, o, busybox, tmp, err);
	progress_report(&o->progress, PROGRESS_DONE, NULL, NULL);
	if (built < 0)
		goto out;
	char hex[65];
	char *gzp = xstrfmt("%s/initramfs.cpio.gz", tmp);
	char *tdone = xstrfmt("%s/done", tmp);
	int ok = sha256_file_hex(gzp, hex) == 0;
	if (!ok)
		strbuf_error_errno(err, "cannot finish '%s'", tmp);
	else if (manifest_write(tmp, unrecorded, err) < 0)
		ok = 0;
	else if (write_file_atomic(tdone, hex, 64) < 0)
		ok = strbuf_error_errno(err, "cannot finish '%s'", tmp) == 0;
	free(gzp);
	free(tdone);
	if (!ok)
		goto out;
	if (rename(tmp, r->dir) < 0 && errno != ENOTEMPTY && errno != EEXIST) {
		strbuf_error_errno(err, "cannot move '%s' to '%s'", tmp, r->dir);
		goto out;
	}
	rc = finish_result(r, err);
out:
	if (rc < 0 && r->fail == FAIL_NONE)
		r->fail = FAIL_INFRA;
	if (tmp)
		remove_tree(tmp);
	if (lock >= 0)
		close(lock);
	strbuf_release(&damage);
	r->ms = now_ms() - t0;
	spec_release(&s);
	strbuf_release(&text);
	free(specp);
	free(busybox);
	free(tmp);
	return rc;
}
