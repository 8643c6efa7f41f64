/*
 * deps: the dependency table, checks, and the apt-get fix. Depends on proc, elf.
 */
#define _GNU_SOURCE
#include "deps.h"
#include "elf.h"
#include "proc.h"
#include "files.h"
#include "strvec.h"
#include "usage.h"
#include "wrapper.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <errno.h>
#include <stdlib.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_TARBALL "/usr/src/linux-source-6.12.tar.xz"
#define STATIC_LIBC "/usr/lib/x86_64-linux-gnu/libc.a"

enum dep_kind {
	DEP_TOOL,        /* an executable in PATH */
	DEP_STATIC_TOOL, /* an executable that must be statically linked */
	DEP_FILE,        /* a file that must exist */
};

/* One row of the table. */
struct dep {
	const char *name;    /* tool name, or a description for files */
	const char *package; /* Debian package */
	unsigned need;       /* DEPS_* */
	enum dep_kind kind;  /* how to check it */
	const char *env;     /* environment variable that overrides the tool or file, or NULL */
	const char *path;    /* DEP_FILE: the default file */
	const char *version; /* argument that prints a version, or NULL */
};

/*
 * The table, by purpose. DEPS_RUN is what `kdive run` needs on a fresh machine (and
 * what `make run` installs): building kdive, the kernel and the initramfs, then gdb and
 * QEMU. DEPS_TEST is what only the tests use (`make test` adds it): keep a package out
 * of DEPS_RUN unless kdive itself runs it. The test scripts' Python needs the standard
 * library and, in tests/tools/result-check, kcidb-check and dap-check, jsonschema.
 */
static const struct dep table[] = {
	/* Building the kernel and the initramfs. */
	{ "gcc", "gcc", DEPS_RUN, DEP_TOOL, NULL, NULL, "--version" },
	{ "make", "make", DEPS_RUN, DEP_TOOL, NULL, NULL, "--version" },
	{ "static libc", "libc6-dev", DEPS_RUN, DEP_FILE, NULL,
	  STATIC_LIBC, NULL },
	{ "kernel source", "linux-source-6.12", DEPS_RUN, DEP_FILE, "KDIVE_KERNEL_TARBALL",
	  DEFAULT_TARBALL, NULL },
	{ "flex", "flex", DEPS_RUN, DEP_TOOL, NULL, NULL, "--version" },
	{ "bison", "bison", DEPS_RUN, DEP_TOOL, NULL, NULL, "--version" },
	{ "bc", "bc", DEPS_RUN, DEP_TOOL, NULL, NULL, "--version" },
	{ "perl", "perl-base", DEPS_RUN, DEP_TOOL, NULL, NULL, NULL },
	{ "libelf headers", "libelf-dev", DEPS_RUN, DEP_FILE, NULL, "/usr/include/gelf.h", NULL },
	{ "objcopy", "binutils", DEPS_RUN, DEP_TOOL, NULL, NULL, "--version" },
	{ "xz", "xz-utils", DEPS_RUN, DEP_TOOL, NULL, NULL, "--version" },
	{ "tar", "tar", DEPS_RUN, DEP_TOOL, NULL, NULL, "--version" },
	{ "gzip", "gzip", DEPS_RUN, DEP_TOOL, NULL, NULL, "--version" },
	{ "busybox", "busybox-static", DEPS_RUN, DEP_STATIC_TOOL, "KDIVE_BUSYBOX", NULL, NULL },
	{ "gdb-add-index", "gdb", DEPS_RUN, DEP_TOOL, NULL, NULL, NULL },
	/* Booting and debugging. */
	{ "gdb", "gdb", DEPS_RUN, DEP_TOOL, "KDIVE_GDB", NULL, "--version" },
	{ "qemu-system-x86_64", "qemu-system-x86", DEPS_RUN, DEP_TOOL, "KDIVE_QEMU", NULL,
	  "--version" },
	/* The tests only. They list the initramfs they build. */
	{ "cpio", "cpio", DEPS_TEST, DEP_TOOL, NULL, NULL, "--version" },
	{ "tmux", "tmux", DEPS_TEST, DEP_TOOL, NULL, NULL, "-V" },
	/* make coverage: gcov's counters (gcc's own gcov) summed and shown as HTML. */
	{ "lcov", "lcov", DEPS_TEST, DEP_TOOL, NULL, NULL, "--version" },
	/* The tests render the tour's HTML transcript in a real browser and check it. */
	{ "chromium", "chromium", DEPS_TEST, DEP_TOOL, NULL, NULL, NULL },
	/* The tests drive kdive serve with the official MCP SDK and kdive dap with
	 * Microsoft's DAP test support (DebugClient), node packages that npm installs into
	 * the cache (tests/tools/install-mcp-sdk, install-dap-testsupport, run by make
	 * test). npm has no
	 * version line here: it takes 0.2 s to print one, on every make run. */
	{ "node", "nodejs", DEPS_TEST, DEP_TOOL, NULL, NULL, "--version" },
	{ "npm", "npm", DEPS_TEST, DEP_TOOL, NULL, NULL, NULL },
	{ "xmllint", "libxml2-utils", DEPS_TEST, DEP_TOOL, NULL, NULL, "--version" },
	/* make test-pipeline runs ci/gitlab-ci.yml with gitlab-ci-local (npm, into the
	 * cache), whose shell executor copies each job's tree, artifacts and cache with
	 * rsync. */
	{ "rsync", "rsync", DEPS_TEST, DEP_TOOL, NULL, NULL, "--version" },
	/* tests/tools/result-check validates kdive run's JSON reports against
	 * docs/result.schema.json, with Debian's python3 and this package. */
	{ "python3 jsonschema", "python3-jsonschema", DEPS_TEST, DEP_FILE, NULL,
	  "/usr/lib/python3/dist-packages/jsonschema/__init__.py", NULL },
	/* The man pages are checked with groff's warnings on. */
	{ "groff", "groff-base", DEPS_TEST, DEP_TOOL, NULL, NULL, "--version" },
	/* The test scripts, make man (docs/gen-man) and make mutate. */
	{ "python3", "python3", DEPS_TEST, DEP_TOOL, NULL, NULL, "--version" },
	/* The tests run the scenario library on the previous LTS kernel too. */
	{ "kernel source 6.1", "linux-source-6.1", DEPS_TEST, DEP_FILE, NULL,
	  "/usr/src/linux-source-6.1.tar.xz", NULL },
};

const char *deps_need_name(unsigned need)
{
	return need & DEPS_TEST ? "test" : "run";
}

static const struct dep *find_dep(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

const char *deps_tool(const char *name)
{
	const struct dep *d = find_dep(name);
	const char *v = d && d->env ? getenv(d->env) : NULL;
	return v && *v ? v : name;
}

int deps_file_id(const char *path, struct strbuf *out)
{
	char real[PATH_MAX];
	struct stat st;
	if (!realpath(path, real) || stat(real, &st) < 0)
		return -1;
	strbuf_addf(out, "%s size %lld mtime %lld.%09ld", real, (long long)st.st_size,
		    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	return 0;
}

int deps_compiler_id(struct strbuf *out)
{
	char *gcc = find_in_path("gcc");
	int r = gcc ? deps_file_id(gcc, out) : -1;
	free(gcc);
	return r;
}

const char *deps_static_libc(void)
{
	return STATIC_LIBC;
}

const char *deps_kernel_tarball(void)
{
	const char *v = getenv("KDIVE_KERNEL_TARBALL");
	return v && *v ? v : DEFAULT_TARBALL;
}

/* First non-empty line of `tool arg`, or NULL (quietly: the table says what is wrong). */
static char *version_of(const char *path, const char *arg)
{
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	const char *argv[] = { path, arg, NULL };
	char *r = NULL;
	if (proc_run_capture_quiet(argv, &out, 1, 5000, &why) >= 0) {
		char *p = out.buf;
		while (*p == '\n')
			p++;
		r = xstrndup(p, strcspn(p, "\n"));
	}
	strbuf_release(&out);
	strbuf_release(&why);
	return r;
}

struct deps_status *deps_check(size_t *n)
{
	struct deps_status *st = xcalloc(ARRAY_SIZE(table), sizeof(*st));
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		const struct dep *d = &table[i];
		struct deps_status *s = &st[i];
		s->name = d->name;
		s->package = d->package;
		s->need = d->need;
		if (d->kind == DEP_FILE) {
			const char *p = d->env && getenv(d->env) && *getenv(d->env) ? getenv(d->env)
										 : d->path;
			s->found = access(p, R_OK) == 0;
			s->where = xstrdup(p);
			if (!s->found)
				s->detail = xstrdup("not found");
			continue;
		}
		s->where = find_in_path(deps_tool(d->name));
		if (!s->where) {
			s->detail = xstrfmt("'%s' not found in PATH", deps_tool(d->name));
			continue;
		}
		s->found = 1;
		if (d->kind == DEP_STATIC_TOOL) {
			struct elf e;
			struct strbuf why = STRBUF_INIT;
			/* Quietly: "not an ELF executable" in the table says it. */
			if (elf_open_quiet(&e, s->where, &why) < 0) {
				s->found = 0;
				s->detail = xstrdup("not an ELF executable");
			} else {
				if (!elf_is_static(&e)) {
					s->found = 0;
					s->detail = xstrdup("dynamically linked; a static build is needed "
							    "inside the guest");
				}
				elf_close(&e);
			}
			strbuf_release(&why);
		}
		if (s->found && d->version)
			s->detail = version_of(s->where, d->version);
	}
	*n = ARRAY_SIZE(table);
	return st;
}

void deps_free(struct deps_status *st, size_t n)
{
	if (!st)
		return;
	for (size_t i = 0; i < n; i++) {
		free(st[i].where);
		free(st[i].detail);
	}
	free(st);
}

/* Distinct packages of the missing dependencies selected by need_mask. */
static void missing_packages(const struct deps_status *st, size_t n, unsigned need_mask,
			     struct strvec *pkgs)
{
	for (size_t i = 0; i < n; i++) {
		if (st[i].found || !(st[i].need & need_mask))
			continue;
		int dup = 0;
		for (size_t k = 0; k < pkgs->nr; k++)
			dup |= !strcmp(pkgs->v[k], st[i].package);
		if (!dup)
			strvec_push(pkgs, st[i].package);
	}
}

int deps_fix_command(const struct deps_status *st, size_t n, unsigned need_mask,
		     struct strbuf *out)
{
	struct strvec pkgs = STRVEC_INIT;
	missing_packages(st, n, need_mask, &pkgs);
	int count = (int)pkgs.nr;
	if (count) {
		strbuf_addf(out, "%sapt-get install -y --no-install-recommends",
			    geteuid() ? "sudo " : "");
		for (size_t k = 0; k < pkgs.nr; k++)
			strbuf_addf(out, " %s", pkgs.v[k]);
	}
	strvec_clear(&pkgs);
	return count;
}

static int run_apt(const char *const *args, struct strbuf *err)
{
	struct proc p = PROC_INIT;
	struct strbuf why = STRBUF_INIT;
	for (; *args; args++)
		strvec_push(&p.args, *args);
	strvec_push(&p.env, "DEBIAN_FRONTEND=noninteractive");
	p.in = PROC_NULL;
	p.keep_group = 1;
	p.errbuf = &why;
	int r = proc_start(&p);
	if (r < 0) {
		strbuf_error(err, "%s", why.buf);
	} else {
		proc_wait(&p, -1);
		if (!proc_succeeded(&p)) {
			struct strbuf sb = STRBUF_INIT;
			proc_describe_status(&sb, p.status);
			r = strbuf_error(err, "'%s' %s", p.args.v[0], sb.buf);
			strbuf_release(&sb);
		}
	}
	proc_release(&p);
	strbuf_release(&why);
	return r;
}

int deps_install(const struct deps_status *st, size_t n, unsigned need_mask, struct strbuf *err)
{
	struct strvec pkgs = STRVEC_INIT;
	int r = 0;
	missing_packages(st, n, need_mask, &pkgs);
	if (!pkgs.nr)
		return 0;
	if (geteuid() != 0) {
		strvec_clear(&pkgs);
		return strbuf_error(err, "installing packages needs root");
	}
	const char *update[] = { "apt-get", "update", "-q", NULL };
	struct strvec install = STRVEC_INIT;
	strvec_pushl(&install, "apt-get", "install", "-y", "-q", "--no-install-recommends", NULL);
	for (size_t k = 0; k < pkgs.nr; k++)
		strvec_push(&install, pkgs.v[k]);
	/* The package lists of a fresh machine may be empty or stale: update first. */
	if (run_apt(update, err) < 0 || run_apt(install.v, err) < 0)
		r = -1;
	strvec_clear(&install);
	strvec_clear(&pkgs);
	return r;
}

int deps_kvm_usable(struct strbuf *why)
{
	struct strbuf cpu = STRBUF_INIT;
	int ok = 0, fd = -1;
	/* The CPU flags first: they cost nothing, and without vmx or svm a /dev/kvm that
	 * creates VMs all the same was seen to hang QEMU. */
	if (strbuf_read_file(&cpu, "/proc/cpuinfo") < 0 ||
	    (!strstr(cpu.buf, " vmx") && !strstr(cpu.buf, " svm"))) {
		strbuf_addstr(why, "the CPU advertises neither vmx nor svm");
		goto out;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		strbuf_addf(why, "/dev/kvm: %s", strerror(errno));
		goto out;
	}
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		strbuf_addstr(why, "/dev/kvm answers an unknown API version");
		goto out;
	}
	int vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		strbuf_addf(why, "/dev/kvm cannot create a VM: %s", strerror(errno));
		goto out;
	}
	close(vm);
	ok = 1;
out:
	if (fd >= 0)
		close(fd);
	strbuf_release(&cpu);
	return ok;
}
