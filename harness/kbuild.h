/*
 * kbuild: the kernel, built once per content. Unpacks the kernel source into the
 * cache, merges the config fragments onto allnoconfig, verifies that every requested
 * symbol survived, builds bzImage, vmlinux (DWARF 5) and the kernel's gdb scripts out
 * of tree, and adds a .gdb_index to vmlinux.
 *
 * Cache layout under the cache directory (kdive_cache_dir()):
 *   src/SRCID/            the unpacked source of one tarball (SRCID: its identity)
 *   kernel/KEY/build/     the O= build tree of one key; KEY = sha256 of the source
 *                         identity, the merged fragment, the compiler and the recipe
 *   kernel/KEY/done       written last: the build is complete and may be reused
 *   kernel/KEY/build.log  everything make printed
 *   kernel/last-SRCID     the key built last from that source: a new key's tree is
 *                         seeded from it, so a fragment change rebuilds incrementally
 * A build holds kernel/KEY.lock (flock) so concurrent builds of a key never collide.
 * Depends on proc, kconfig, elf.
 */
#ifndef KDIVE_KBUILD_H
#define KDIVE_KBUILD_H

#include "kconfig.h"
#include "util.h"

struct kbuild_opts {
	const char *src;         /* kernel tree or .tar.xz; NULL: the Debian tarball */
	struct strvec fragments; /* fragment files in merge order (base first) */
	const char *cache;       /* cache directory */
	int jobs;                /* make -j; 0 = number of CPUs */
	int progress;            /* 2: live status line, 1: periodic lines, 0: quiet */
};

struct kbuild_result {
	char *key;     /* full sha256 key */
	char *dir;     /* cache/kernel/KEY16 */
	char *build;   /* the O= tree */
	char *srctree; /* the kernel source tree */
	char *bzimage; /* arch/x86/boot/bzImage in the tree */
	char *vmlinux; /* vmlinux in the tree */
	char *config;  /* .config in the tree */
	char *version; /* kernel release, e.g. "6.12.117" */
	char *log;     /* build.log */
	int reused;    /* 1 when nothing had to be built */
	int64_t ms;    /* wall time spent */
};

/*
 * The cache key of a build: sha256 over the recipe version, the source identity, the
 * merged fragment (as kconfig_write() prints it, so comments do not matter) and the
 * compiler's version line. Pure.
 */
void kbuild_key(const char *source_id, const struct kconfig_frag *frag, const char *compiler,
		char key[65]);

/*
 * Build (or reuse) the kernel. Returns a kdive exit code: 0, KDIVE_EXIT_USAGE for a
 * bad fragment file (file:line reported), KDIVE_EXIT_INFRA for anything else (a symbol
 * that did not survive, a failed make: the log path is reported).
 */
int kbuild_run(const struct kbuild_opts *o, struct kbuild_result *r);
void kbuild_result_release(struct kbuild_result *r);

#endif
