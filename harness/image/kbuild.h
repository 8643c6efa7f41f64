/*
 * kbuild: the kernel, built once per content. Unpacks the kernel source into the
 * cache, merges the config fragments onto allnoconfig, verifies that every requested
 * symbol survived, builds bzImage, vmlinux (DWARF 5) and the kernel's gdb scripts out
 * of tree, and adds a .gdb_index to vmlinux.
 *
 * Cache layout under the cache directory (kdive_cache_dir()):
 *   src/SRCID/            the unpacked source of one tarball (SRCID: its identity)
 *   build/SRCID/          the O= build tree of that source, shared by all its keys, so
 *                         a changed fragment rebuilds incrementally (kbuild's tools
 *                         record absolute paths: a tree cannot be copied elsewhere)
 *   build/SRCID.lock      flock held while the tree is in use
 *   kernel/KEY/           what one key produced, copied out of the tree: bzImage,
 *                         vmlinux (with .gdb_index), config, System.map, vmlinux-gdb.py
 *                         and scripts/gdb, the generated headers; build.log
 *   kernel/KEY/done       written last: the key is complete and may be reused
 * KEY = sha256 of the source identity, the merged fragment, the compiler and the recipe.
 * Depends on proc, kconfig, elf.
 */
#ifndef KDIVE_KBUILD_H
#define KDIVE_KBUILD_H

#include "kconfig.h"
#include "progress.h"
#include "strbuf.h"
#include "strvec.h"
#include "usage.h"

#include <stdint.h>

struct kbuild_opts {
	const char *src;         /* kernel tree or .tar.xz; NULL: the Debian tarball */
	struct strvec fragments; /* fragment files in merge order (base first) */
	const char *cache;       /* cache directory */
	int jobs;                /* make -j; 0 = number of CPUs */
	struct progress progress; /* where progress goes (progress.h); fn NULL: nowhere */
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
	enum fail_kind fail; /* after a failure: FAIL_INPUT (a fragment) or FAIL_INFRA */
};

/*
 * The cache key of a build: sha256 over the recipe version, the source identity, the
 * merged fragment (as kconfig_write() prints it, so comments do not matter) and the
 * compiler's version line. Pure.
 */
void kbuild_key(const char *source_id, const struct kconfig_frag *frag, const char *compiler,
		char key[65]);

/*
 * Build (or reuse) the kernel, reporting progress to o->progress ("kernel: compiling,
 * 1m05s, 209 objects (~40%)"; it never prints). Returns 0, or -1 with the whole story
 * in err (an error buffer, usage.h) and r->fail set: FAIL_INPUT for an unreadable or bad
 * fragment (every FILE:LINE:COL), FAIL_INFRA for anything else (a symbol that did not
 * survive, with where it was requested; a failed make, with the log's tail and path).
 * r is filled as far as it got either way; release it with kbuild_result_release().
 */
int kbuild_run(const struct kbuild_opts *o, struct kbuild_result *r, struct strbuf *err);
void kbuild_result_release(struct kbuild_result *r);

/*
 * The environment changes of every make kdive runs on a kernel: the variables in
 * kbuild_cleared_env removed (the compiler flags, LLVM, CC, KCONFIG_CONFIG... that
 * the kernel's make would read from the environment and the cache key does not
 * cover), then a fixed locale, ARCH and build identity. Pushed onto env (proc.env).
 */
extern const char *const kbuild_cleared_env[];
void kbuild_make_env(struct strvec *env);

#endif
