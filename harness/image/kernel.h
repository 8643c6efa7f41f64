/*
 * kernel: a kernel as a value — what kdive boots and debugs. The image and its
 * vmlinux; the release, read from the vmlinux's linux_banner; the system-call table,
 * read from the build's generated header when kdive built the kernel, else from the
 * vmlinux's own sys_call_table (each slot's __x64_sys_NAME); and, for kernels kdive
 * built, the source and build trees that give source lines. Nothing here boots or
 * builds: kbuild builds, session boots. Depends on elf, syscalls, proc, deps.
 */
#ifndef KDIVE_KERNEL_H
#define KDIVE_KERNEL_H

#include "syscalls.h"
#include "strbuf.h"

struct kernel {
	char *name;      /* as the user named it ("6.12", a path), for reports; owned */
	char *source;    /* "linux-source-6.12", a source tree or tarball, or "prebuilt"; owned */
	char *bzimage;   /* the image QEMU boots; owned */
	char *vmlinux;   /* its symbols; owned */
	char *version;   /* the release, "6.12.117"; owned */
	char *key;       /* kdive's cache key of a built kernel, or NULL; owned */
	char *srctree;   /* the source tree, or NULL (no source lines); owned */
	char *build;     /* build outputs (generated headers, gdb scripts), or NULL; owned */
	char *tree;      /* the build tree gdb's file names point into, or NULL; owned */
	char *source_id; /* what the source (or a prebuilt image) is, by content
			    (kernel_identify(), kernel_id.h), or NULL; owned */
	char *commit;    /* the source's git commit (40 hex digits), or NULL; owned */
	char *package;   /* the Debian package of its tarball ("linux-source-6.12"), or NULL;
			    owned */
	char *package_version; /* that package's version ("6.12.57-1"), or NULL; owned */
	struct syscalls syscalls; /* the system-call table (empty when none could be read) */
	char *build_error; /* it did not build: the build's error buffer (its log's last
			      lines, "full log: PATH"); then nothing above but name, source,
			      key, srctree and the ids is set; NULL when it built; owned */
};

/*
 * Fill k->version from vmlinux's linux_banner (when not set yet) and k->syscalls from
 * the build's generated header or else the vmlinux's sys_call_table. 0, or -1 with
 * the reason in err ("'FILE' has no linux_banner: not a vmlinux?").
 */
int kernel_read_vmlinux(struct kernel *k, struct strbuf *err);

/* "6.1.192" from "Linux version 6.1.192 (builder@host) ..."; new string or NULL. */
char *kernel_banner_release(const char *banner);

/* The generated syscall header of a built kernel (new string), or NULL. */
char *kernel_syscalls_header(const struct kernel *k);

/* 1 when the vmlinux has a .gdb_index (gdb reads it ~20x faster), 0 when not or unreadable. */
int kernel_has_gdb_index(const char *vmlinux);

/*
 * An indexed copy of vmlinux in the cache (cache/vmlinux/ID/vmlinux, ID from the
 * file's path, size and mtime): made once with gdb-add-index, reused after. The copy's
 * path in *out (new string). 0, or -1 with the reason in err.
 */
int kernel_indexed_copy(const char *vmlinux, const char *cache, char **out, struct strbuf *err);

/*
 * Check that path is a whole x86 bzImage: the boot sector's 0xAA55, the "HdrS" setup
 * header, and at least the bytes its setup_sects and syssize promise. 0, or -1 with
 * what is wrong in err ("'F' is cut short: 100000 bytes, its header promises 1799168").
 * The header layout is Documentation/arch/x86/boot.rst's.
 */
int kernel_check_bzimage(const char *path, struct strbuf *err);

void kernel_release(struct kernel *k);

#endif
