/*
 * userprog: a user's program, built or collected, with what it needs, as one payload
 * for the guest. See userprog.h. Depends on proc, elf, cpio, initramfs, manifest, deps.
 */
#define _GNU_SOURCE
#include "userprog.h"
#include "cpio.h"
#include "deps.h"
#include "elf.h"
#include "files.h"
#include "initramfs.h"
#include "lockfile.h"
#include "manifest.h"
#include "proc.h"
#include "sha256.h"
#include "timeutil.h"
#include "wrapper.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A build here, and its inputs. */
struct job {
	const struct userprog_spec *s;
	struct userprog *r;
	struct strbuf *err;
	char *prog;           /* the program's host path, as found */
	int source;           /* 1: built from sources */
	struct strvec srcs;   /* every source's host path (source) */
	struct strvec libs;   /* the host paths of the libraries (dynamic ELF) */
	char **files;         /* the data files' host paths, as found */
};

/* "ORIGIN:LINE:COL: message" (or "ORIGIN: message"), the user's input at fault. */
__attribute__((format(printf, 4, 5)))
static int input_error(struct job *j, int line, int col, const char *fmt, ...)
{
	va_list ap;
	if (line > 0)
		strbuf_addf(j->err, "%s:%d:%d: ", j->s->origin, line, col > 0 ? col : 1);
	else
		strbuf_addf(j->err, "%s: ", j->s->origin);
	va_start(ap, fmt);
	strbuf_vaddf(j->err, fmt, ap);
	va_end(ap);
	strbuf_addch(j->err, '\n');
	j->r->fail = FAIL_INPUT;
	return -1;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && !strcmp(s + n - m, suffix);
}

static int is_source(const char *path)
{
	return has_suffix(path, ".c") || has_suffix(path, ".S") || has_suffix(path, ".s");
}

/* path relative to the spec's directory, or to the kernel's tree (a new string). */
static char *host_path(const struct userprog_spec *s, const char *path)
{
	size_t n = strlen(USERPROG_SRCTREE);
	if (!strncmp(path, USERPROG_SRCTREE, n) && s->srctree)
		return xstrfmt("%s/%s", s->srctree, path + n);
	if (path[0] == '/' || !s->dir || !*s->dir)
		return xstrdup(path);
	return xstrfmt("%s/%s", s->dir, path);
}

/* The host file path names, absolute; NULL after an input error at line:col. */
static char *find_input(struct job *j, const char *path, const char *what, int line, int col)
{
	char *p = host_path(j->s, path);
	char real[PATH_MAX];
	struct stat st;
	if (!strncmp(path, USERPROG_SRCTREE, strlen(USERPROG_SRCTREE)) && !j->s->srctree) {
		input_error(j, line, col, "%s '%s' is in the kernel's source tree, and this kernel "
			    "has none (a prebuilt one): run it on a kernel kdive builds", what, path);
		free(p);
		return NULL;
	}
	if (stat(p, &st) < 0 || !realpath(p, real)) {
		input_error(j, line, col, "%s '%s' cannot be read: %s (looked at '%s')", what, path,
			    strerror(errno), p);
		free(p);
		return NULL;
	}
	free(p);
	if (!S_ISREG(st.st_mode)) {
		input_error(j, line, col, "%s '%s' is not a regular file", what, path);
		return NULL;
	}
	if (access(real, R_OK) < 0) {
		input_error(j, line, col, "%s '%s' cannot be read: %s", what, path, strerror(errno));
		return NULL;
	}
	return xstrdup(real);
}

/*
 * The program's guest name: its file name, less a source's suffix, each byte outside
 * [A-Za-z0-9._+-] made '_' (the name travels on the guest's run line and is its
 * task's comm).
 */
static char *prog_name(const char *path, int source)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t n = strlen(base);
	if (source)
		n -= 2;
	char *name = xstrndup(base, n);
	for (char *p = name; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-", *p))
			*p = '_';
	if (name[0] == '.')
		name[0] = '_';
	return name;
}

/* label, name and the bytes of path (a file's place on this host is no input). */
static int hash_named_file(struct sha256 *c, const char *label, const char *name,
			   const char *path)
{
	struct strbuf data = STRBUF_INIT;
	if (strbuf_read_file(&data, path) < 0) {
		strbuf_release(&data);
		return -1;
	}
	char len[32];
	snprintf(len, sizeof(len), " %zu\n", data.len);
	sha256_update(c, label, strlen(label) + 1);
	sha256_update(c, name, strlen(name) + 1);
	sha256_update(c, len, strlen(len));
	sha256_update(c, data.buf, data.len);
	strbuf_release(&data);
	return 0;
}

static void hash_words(struct sha256 *c, const char *label, const struct strvec *v)
{
	sha256_update(c, label, strlen(label) + 1);
	for (size_t i = 0; v && i < v->nr; i++)
		sha256_update(c, v->v[i], strlen(v->v[i]) + 1);
}

/* The key of everything the payload is made of. */
static int compute_key(struct job *j, char hex[65])
{
	struct sha256 c;
	struct strbuf ids = STRBUF_INIT;
	int r = 0;
	sha256_init(&c);
	sha256_update(&c, "kdive-userprog 1\n", 17);
	sha256_update(&c, j->r->name, strlen(j->r->name) + 1);
	char epoch[16];
	snprintf(epoch, sizeof(epoch), "%u", (unsigned)j->s->epoch);
	sha256_update(&c, epoch, strlen(epoch) + 1);
	if (j->source) {
		if (deps_compiler_id(&ids) < 0 || deps_file_id(deps_static_libc(), &ids) < 0)
			r = strbuf_error(j->err, "cannot identify gcc and %s (kdive doctor)",
					 deps_static_libc());
		sha256_update(&c, ids.buf, ids.len + 1);
		hash_words(&c, "cflags", j->s->cflags);
		hash_words(&c, "libs", j->s->libs);
		for (size_t i = 0; !r && i < j->srcs.nr; i++) {
			/* The sources' directories do not shape the bytes (they are mapped):
			 * only their names and contents. */
			const char *base = strrchr(j->srcs.v[i], '/') + 1;
			if (hash_named_file(&c, "source", base, j->srcs.v[i]) < 0)
				r = strbuf_error_errno(j->err, "cannot read '%s'", j->srcs.v[i]);
		}
	} else if (hash_named_file(&c, "elf", "", j->prog) < 0) {
		r = strbuf_error_errno(j->err, "cannot read '%s'", j->prog);
	}
	for (size_t i = 0; !r && i < j->libs.nr; i++)
		if (hash_named_file(&c, "lib", j->libs.v[i], j->libs.v[i]) < 0)
			r = strbuf_error_errno(j->err, "cannot read '%s'", j->libs.v[i]);
	for (size_t i = 0; !r && i < j->s->nfiles; i++) {
		struct stat st;
		char mode[16];
		snprintf(mode, sizeof(mode), "%o", stat(j->files[i], &st) == 0 ? st.st_mode & 0777 : 0);
		sha256_update(&c, j->s->files[i].guest, strlen(j->s->files[i].guest) + 1);
		sha256_update(&c, mode, strlen(mode) + 1);
		if (hash_named_file(&c, "file", "", j->files[i]) < 0)
			r = strbuf_error_errno(j->err, "cannot read '%s'", j->files[i]);
	}
	sha256_final_hex(&c, hex);
	strbuf_release(&ids);
	return r;
}

/* The first line of compiler output that says "error" (or the first line). */
static void first_error(const char *out, struct strbuf *line)
{
	static const char *const marks[] = { ": error: ", ": fatal error: ", "undefined reference",
					     "multiple definition" };
	const char *at = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(marks); i++) {
		const char *m = strstr(out, marks[i]);
		if (m && (!at || m < at))
			at = m;
	}
	const char *start = out;
	if (at)
		for (start = at; start > out && start[-1] != '\n'; start--)
			;
	const char *end = strchr(start, '\n');
	strbuf_add(line, start, end ? (size_t)(end - start) : strlen(start));
}

/* Build the sources into out; an input error with the compiler's words when it fails. */
static int compile(struct job *j, const char *out)
{
	const struct userprog_spec *s = j->s;
	struct strvec argv = STRVEC_INIT;
	struct strbuf output = STRBUF_INIT, why = STRBUF_INIT;
	char cwd[PATH_MAX];
	const char *dir = s->dir && *s->dir ? s->dir : ".";
	if (!realpath(dir, cwd))
		snprintf(cwd, sizeof(cwd), "%s", dir);
	strvec_pushl(&argv, "gcc", "-static", "-g", "-O0", "-fno-omit-frame-pointer", NULL);
	/* gcc runs in the scenario's directory (its cflags' relative paths start there);
	 * that directory and each source's become USERPROG_DIR in the DWARF, so the bytes
	 * are the same from any checkout. The first source's map comes last: gcc tries
	 * the last one first. */
	strvec_pushf(&argv, "-ffile-prefix-map=%s=%s", cwd, USERPROG_DIR);
	for (size_t i = j->srcs.nr; i-- > 0;) {
		char *d = xstrndup(j->srcs.v[i], strrchr(j->srcs.v[i], '/') - j->srcs.v[i]);
		strvec_pushf(&argv, "-ffile-prefix-map=%s=%s", d, USERPROG_DIR);
		free(d);
	}
	for (size_t i = 0; s->cflags && i < s->cflags->nr; i++)
		strvec_push(&argv, s->cflags->v[i]);
	strvec_pushl(&argv, "-o", out, NULL);
	for (size_t i = 0; i < j->srcs.nr; i++)
		strvec_push(&argv, j->srcs.v[i]);
	for (size_t i = 0; s->libs && i < s->libs->nr; i++)
		strvec_push(&argv, s->libs->v[i]);
	int st = proc_run_capture_in(cwd, (const char *const *)argv.v, &output, 1, 300000, &why);
	int r = 0;
	if (st != 0 && why.len) {
		r = strbuf_error(j->err, "compiling '%s' failed: %s", s->path, why.buf);
	} else if (st != 0) {
		struct strbuf first = STRBUF_INIT;
		first_error(output.buf, &first);
		r = input_error(j, s->line, s->col, "'%s' does not compile: %s", s->path, first.buf);
		strbuf_addf(j->err, "the compiler said (%s):\n%s", argv.v[0], output.buf);
		if (output.len && output.buf[output.len - 1] != '\n')
			strbuf_addch(j->err, '\n');
		strbuf_release(&first);
	}
	strvec_clear(&argv);
	strbuf_release(&output);
	strbuf_release(&why);
	return r;
}

/*
 * The libraries the host's loader resolves for a dynamic program (its own words:
 * `INTERP --list PROG`), into j->libs with the interpreter first. An input error
 * names each library it cannot find.
 */
static int resolve_libs(struct job *j, const char *interp)
{
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	const char *argv[] = { interp, "--list", j->prog, NULL };
	int r = 0;
	if (access(interp, X_OK) < 0) {
		r = input_error(j, j->s->line, j->s->col,
				"'%s' is a dynamic program whose interpreter '%s' is not on this "
				"machine: link it -static, or run it where its loader is",
				j->s->path, interp);
		goto out;
	}
	strvec_push(&j->libs, interp);
	proc_run_capture_quiet(argv, &out, 1, 60000, &why);
	for (char *l = out.buf, *end; l && *l; l = *end ? end + 1 : end) {
		end = strchrnul(l, '\n');
		char *line = xstrndup(l, end - l), *arrow = strstr(line, " => "), *path = line;
		char *missing = strstr(line, "error while loading shared libraries: ");
		if (missing) {
			/* The loader stops at the first library it cannot open. */
			missing += strlen("error while loading shared libraries: ");
			missing[strcspn(missing, ":")] = '\0';
			r = input_error(j, j->s->line, j->s->col,
					"'%s' needs the library '%s', which the host's loader "
					"cannot find", j->s->path, missing);
			free(line);
			continue;
		}
		if (line[0] != '\t') { /* the list's lines start with a tab */
			free(line);
			continue;
		}
		path += strspn(path, " \t");
		if (arrow) {
			if (!strncmp(arrow + 4, "not found", 9)) {
				*arrow = '\0';
				r = input_error(j, j->s->line, j->s->col,
						"'%s' needs the library '%s', which the host's "
						"loader cannot find", j->s->path, path);
			}
			path = arrow + 4;
		}
		char *sp = strstr(path, " (0x");
		if (sp)
			*sp = '\0';
		int seen = !strcmp(path, j->prog);
		for (size_t i = 0; i < j->libs.nr && !seen; i++)
			seen = !strcmp(j->libs.v[i], path);
		if (path[0] == '/' && !seen)
			strvec_push(&j->libs, path);
		free(line);
	}
	if (!r && j->libs.nr == 1 && why.len)
		r = strbuf_error(j->err, "the host's loader '%s' cannot list the libraries of "
			    "'%s': %s", interp, j->prog, why.buf);
out:
	strbuf_release(&out);
	strbuf_release(&why);
	return r;
}

/* What the ELF at j->prog is: x86-64, static or dynamic, where a PIE loads. */
static int inspect_elf(struct job *j)
{
	struct elf e;
	struct elf_exec x;
	struct strbuf why = STRBUF_INIT;
	int r = 0;
	if (elf_open_quiet(&e, j->prog, &why) < 0) {
		unsigned char head[64] = { 0 };
		int fd = open(j->prog, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, head, sizeof(head)) : -1;
		if (fd >= 0)
			close(fd);
		char *what = elf_describe_foreign(head, n > 0 ? (size_t)n : 0);
		r = input_error(j, j->s->line, j->s->col,
				"'%s' is %s: a program is a C or assembler source (.c, .S) or an "
				"x86-64 executable", j->s->path, what);
		free(what);
		strbuf_release(&why);
		return r;
	}
	strbuf_release(&why);
	if (elf_exec_info(&e, &x) < 0) {
		r = input_error(j, j->s->line, j->s->col, "'%s' names a bad program interpreter",
				j->s->path);
	} else if (x.type != ET_EXEC && x.type != ET_DYN) {
		r = input_error(j, j->s->line, j->s->col, "'%s' is an ELF object, not an executable",
				j->s->path);
	} else if (!elf_symbol(&e, "main", &(uint64_t){ 0 })) {
		r = input_error(j, j->s->line, j->s->col,
				"'%s' has no symbol 'main' (stripped?): kdive stops the program at "
				"its main, so it needs its symbol table", j->s->path);
	} else if (x.type == ET_DYN && !x.interp) {
		r = input_error(j, j->s->line, j->s->col,
				"'%s' is a static PIE, which the guest loads wherever mmap puts it "
				"and gdb could not find: link it with -static -no-pie", j->s->path);
	} else {
		if (x.type == ET_DYN)
			j->r->load_base = userprog_pie_base(x.first_vaddr, x.max_align);
		if (x.interp) {
			j->r->interp = xstrdup(x.interp);
			r = resolve_libs(j, x.interp);
		}
	}
	elf_exec_release(&x);
	elf_close(&e);
	return r;
}

uint64_t userprog_pie_base(uint64_t first_vaddr, uint64_t max_align)
{
	/* x86-64: ELF_ET_DYN_BASE is DEFAULT_MAP_WINDOW / 3 * 2, DEFAULT_MAP_WINDOW being
	 * (1 << 47) - PAGE_SIZE; load_bias = ELF_PAGESTART(base & ~(align - 1) - vaddr). */
	uint64_t base = ((1ULL << 47) - 4096) / 3 * 2;
	if (max_align > 4096)
		base &= ~(max_align - 1);
	return (base - first_vaddr) & ~4095ULL;
}

/* The payload into dir/payload.cpio (the program already at dir/NAME). */
static int assemble(struct job *j, const char *dir)
{
	struct cpio c;
	struct strbuf bytes = STRBUF_INIT, why = STRBUF_INIT;
	char *elf = xstrfmt("%s/%s", dir, j->r->name);
	char *out = xstrfmt("%s/payload.cpio", dir);
	int r = -1;
	cpio_init(&c, j->s->epoch);
	if (initramfs_add_file(&c, j->r->guest, 0755, elf, &why) < 0)
		goto fail;
	for (size_t i = 0; i < j->libs.nr; i++)
		if (initramfs_add_file(&c, j->libs.v[i], 0755, j->libs.v[i], &why) < 0)
			goto fail;
	for (size_t i = 0; i < j->s->nfiles; i++) {
		const struct userprog_file *f = &j->s->files[i];
		struct stat st;
		if (stat(j->files[i], &st) < 0 || cpio_has(&c, f->guest) ||
		    initramfs_add_file(&c, f->guest, st.st_mode & 0777, j->files[i], &why) < 0) {
			if (!why.len)
				strbuf_addf(&why, "'%s' is already in the guest's files", f->guest);
			r = input_error(j, f->line, f->col, "file '%s': %s", f->host, why.buf);
			goto out;
		}
	}
	cpio_write(&c, &bytes);
	j->r->payload_size = (long long)bytes.len;
	if ((long long)bytes.len > USERPROG_MAX_BYTES) {
		r = input_error(j, j->s->line, j->s->col,
				"'%s' and what it brings take %lld MiB; the guest takes at most "
				"%lld MiB", j->s->path, (long long)bytes.len >> 20,
				USERPROG_MAX_BYTES >> 20);
		goto out;
	}
	if (write_file_atomic(out, bytes.buf, bytes.len) < 0) {
		r = strbuf_error_errno(j->err, "cannot write '%s'", out);
		goto out;
	}
	r = 0;
	goto out;
fail:
	strbuf_error(j->err, "cannot pack the program's payload: %s", why.buf);
out:
	cpio_release(&c);
	strbuf_release(&bytes);
	strbuf_release(&why);
	free(elf);
	free(out);
	return r;
}

/* Copy src to dst (mode 0755). */
static int copy_file(const char *src, const char *dst, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT;
	int r = 0;
	if (strbuf_read_file(&data, src) < 0 || write_file_atomic(dst, data.buf, data.len) < 0 ||
	    chmod(dst, 0755) < 0)
		r = strbuf_error_errno(err, "cannot copy '%s' to '%s'", src, dst);
	strbuf_release(&data);
	return r;
}

/* Build into tmp, then publish it as the entry r->... dir. */
static int build_entry(struct job *j, const char *dir)
{
	char *tmp = xstrfmt("%s.tmp.%d", dir, (int)getpid());
	char *elf = xstrfmt("%s/%s", tmp, j->r->name);
	char *donep = xstrfmt("%s/done", tmp);
	static const char *const unrecorded[] = { "done", NULL };
	int r = -1;
	remove_tree(tmp);
	if (mkdir_p(tmp, 0755) < 0) {
		strbuf_error_errno(j->err, "cannot create '%s'", tmp);
		goto out;
	}
	if (j->source ? compile(j, elf) < 0 : copy_file(j->prog, elf, j->err) < 0)
		goto out;
	if (assemble(j, tmp) < 0)
		goto out;
	if (manifest_write(tmp, unrecorded, j->err) < 0 || write_file_atomic(donep, "1\n", 2) < 0)
		goto out;
	if (rename(tmp, dir) < 0 && errno != ENOTEMPTY && errno != EEXIST) {
		strbuf_error_errno(j->err, "cannot move '%s' to '%s'", tmp, dir);
		goto out;
	}
	r = 0;
out:
	remove_tree(tmp);
	free(tmp);
	free(elf);
	free(donep);
	return r;
}

/* 1 when the published entry dir is there and intact. */
static int entry_intact(const char *dir)
{
	char *donep = xstrfmt("%s/done", dir);
	struct strbuf why = STRBUF_INIT;
	int ok = path_exists(donep) && manifest_check(dir, &why) == 0;
	strbuf_release(&why);
	free(donep);
	return ok;
}

/* Find every input: the program (or its sources), the data files. */
static int find_inputs(struct job *j)
{
	const struct userprog_spec *s = j->s;
	j->source = is_source(s->path);
	j->prog = find_input(j, s->path, "program", s->line, s->col);
	if (!j->prog)
		return -1;
	if (!j->source && ((s->sources && s->sources->nr) || (s->cflags && s->cflags->nr) ||
			   (s->libs && s->libs->nr)))
		return input_error(j, s->flags_line, 1,
				   "sources, cflags and libs build a program from source; '%s' is "
				   "not a .c, .S or .s file", s->path);
	if (j->source) {
		strvec_push(&j->srcs, j->prog);
		for (size_t i = 0; s->sources && i < s->sources->nr; i++) {
			char *p = find_input(j, s->sources->v[i], "source", s->flags_line, 1);
			if (!p)
				return -1;
			strvec_push(&j->srcs, p);
			free(p);
		}
	}
	j->files = xcalloc(s->nfiles + 1, sizeof(*j->files));
	for (size_t i = 0; i < s->nfiles; i++) {
		j->files[i] = find_input(j, s->files[i].host, "file", s->files[i].line,
					 s->files[i].col);
		if (!j->files[i])
			return -1;
	}
	return 0;
}

int userprog_prepare(const struct userprog_spec *s, struct userprog *r, struct strbuf *err)
{
	struct job j = { s, r, err, NULL, 0, STRVEC_INIT, STRVEC_INIT, NULL };
	char key[65];
	char *dir = NULL;
	int rc = -1, lock = -1;
	memset(r, 0, sizeof(*r));
	strvec_init(&r->libs);
	if (find_inputs(&j) < 0)
		goto out;
	r->built = j.source;
	r->name = prog_name(s->path, j.source);
	if (!*r->name || strlen(r->name) > 200) {
		input_error(&j, s->line, s->col, "'%s' makes no usable program name", s->path);
		goto out;
	}
	r->guest = xstrfmt("%s/%s", USERPROG_DIR, r->name);
	/* An ELF says now what it needs; a source's build says it later. */
	if (!j.source && inspect_elf(&j) < 0)
		goto out;
	r->nlibs = j.libs.nr;
	for (size_t i = 0; i < j.libs.nr; i++)
		strvec_push(&r->libs, j.libs.v[i]);
	if (compute_key(&j, key) < 0)
		goto out;
	r->key = xstrdup(key);
	dir = xstrfmt("%s/user/%.16s", s->cache, key);
	r->elf = xstrfmt("%s/%s", dir, r->name);
	r->payload = xstrfmt("%s/payload.cpio", dir);
	if (!entry_intact(dir)) {
		char *root = xstrfmt("%s/user", s->cache), *lockp = xstrfmt("%s.lock", dir);
		if (mkdir_p(root, 0755) == 0)
			lock = lock_file(lockp, "this program", err);
		else
			strbuf_error_errno(err, "cannot create '%s'", root);
		free(root);
		free(lockp);
		if (lock < 0)
			goto out;
		if (!entry_intact(dir)) {
			remove_tree(dir);
			if (build_entry(&j, dir) < 0)
				goto out;
		} else {
			r->reused = 1;
		}
	} else {
		r->reused = 1;
	}
	struct stat st;
	if (stat(r->payload, &st) < 0) {
		strbuf_error_errno(err, "the program's entry '%s' is incomplete", dir);
		goto out;
	}
	r->payload_size = (long long)st.st_size;
	if (j.source) {
		/* What kdive built is static and not relocated. */
		struct elf e;
		struct strbuf why = STRBUF_INIT;
		if (elf_open_quiet(&e, r->elf, &why) == 0) {
			struct elf_exec x;
			if (elf_exec_info(&e, &x) == 0 && x.type == ET_DYN)
				r->load_base = userprog_pie_base(x.first_vaddr, x.max_align);
			elf_exec_release(&x);
			elf_close(&e);
		}
		strbuf_release(&why);
	}
	rc = 0;
out:
	if (rc < 0 && r->fail == FAIL_NONE)
		r->fail = FAIL_INFRA;
	if (lock >= 0)
		close(lock);
	for (size_t i = 0; j.files && i < s->nfiles; i++)
		free(j.files[i]);
	free(j.files);
	free(j.prog);
	strvec_clear(&j.srcs);
	strvec_clear(&j.libs);
	free(dir);
	return rc;
}

void userprog_release(struct userprog *r)
{
	free(r->name);
	free(r->guest);
	free(r->elf);
	free(r->payload);
	free(r->interp);
	free(r->key);
	strvec_clear(&r->libs);
	memset(r, 0, sizeof(*r));
}
