/*
 * deps: what kdive needs from the machine, where it comes from (the Debian package),
 * what for (to run kdive, or only to test it), and how to check it. `kdive doctor`
 * prints the table; `kdive doctor --fix` (and so `make run`) installs what running
 * needs and is missing, `--fix --test` (make test) what the tests need too, with
 * apt-get when root, or prints the exact command otherwise. Never prints itself: the
 * command layer does.
 * Depends on proc, elf.
 */
#ifndef KDIVE_DEPS_H
#define KDIVE_DEPS_H

#include "strbuf.h"

/* What a dependency is for: one purpose each. */
enum deps_need {
	DEPS_RUN = 1 << 0,  /* building kdive, the kernel and the initramfs, booting and
			     * debugging: what `kdive run` and `make run` use */
	DEPS_TEST = 1 << 1, /* only the tests (make test, make coverage, make man) */
};

/* "run" or "test": the word doctor marks a dependency with. */
const char *deps_need_name(unsigned need);

/* The result of checking one dependency. */
struct deps_status {
	const char *name;    /* what it is ("qemu-system-x86_64", "kernel source"); static */
	const char *package; /* Debian package that provides it; static */
	unsigned need;       /* DEPS_RUN or DEPS_TEST */
	int found;           /* 1 if present and usable */
	char *where;         /* the path found, or NULL; owned */
	char *detail;        /* version line, or why it is unusable; owned, may be NULL */
};

/* Check every dependency; returns a new array of *n statuses (free with deps_free). */
struct deps_status *deps_check(size_t *n);
void deps_free(struct deps_status *st, size_t n);

/* The tool to run for a dependency: the KDIVE_<NAME> override or the plain name. */
const char *deps_tool(const char *name);
/*
 * A cheap identity of the C compiler for cache keys, without running it: the real
 * path of `gcc` in PATH with its size and mtime (a Debian gcc update replaces the
 * driver with the compiler). Appends to out; -1 when there is no gcc.
 */
int deps_compiler_id(struct strbuf *out);
/* The same for a file (libc.a): "PATH size N mtime M"; -1 when it is missing. */
int deps_file_id(const char *path, struct strbuf *out);
/* The static C library guest programs link against. */
const char *deps_static_libc(void);

/* Path of the kernel source tarball (KDIVE_KERNEL_TARBALL overrides the default). */
const char *deps_kernel_tarball(void);

/*
 * The apt-get command line that installs the packages of the missing dependencies
 * selected by need_mask into out (empty when nothing is missing). Returns the count.
 */
int deps_fix_command(const struct deps_status *st, size_t n, unsigned need_mask,
		     struct strbuf *out);

/*
 * 1 when QEMU can use KVM here: /dev/kvm opens, answers API version 12, creates a VM,
 * and the CPU advertises vmx or svm (a /dev/kvm without them was seen to hang
 * QEMU). Otherwise 0, with the reason in why.
 */
int deps_kvm_usable(struct strbuf *why);

/*
 * Run apt-get update + install for the missing packages (root only; apt-get's output
 * goes to kdive's). 0, or -1 with why in err (an error buffer, usage.h).
 */
int deps_install(const struct deps_status *st, size_t n, unsigned need_mask, struct strbuf *err);

#endif
