/*
 * kernel: what a vmlinux says of itself (its release, its syscall table). Depends on
 * elf, syscalls.
 */
#define _GNU_SOURCE
#include "kernel.h"
#include "deps.h"
#include "elf.h"
#include "proc.h"
#include "files.h"
#include "sha256.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

char *kernel_banner_release(const char *banner)
{
	static const char prefix[] = "Linux version ";
	if (!banner || strncmp(banner, prefix, sizeof(prefix) - 1))
		return NULL;
	const char *v = banner + sizeof(prefix) - 1;
	size_t n = strcspn(v, " \n");
	return n ? xstrndup(v, n) : NULL;
}

char *kernel_syscalls_header(const struct kernel *k)
{
	return k->build ? xstrfmt("%s/arch/x86/include/generated/asm/syscalls_64.h", k->build)
			: NULL;
}

/* sys_call_table's slots, sorted by target, to be named in one pass over the symbols. */
struct slot {
	uint64_t target; /* the function a slot points to */
	size_t nr;       /* the slot */
};

struct naming {
	struct slot *slots;      /* sorted by target */
	size_t n;
	struct syscalls *table;  /* filled */
};

static int by_target(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	return x->target < y->target ? -1 : x->target > y->target;
}

static int name_slots(void *ctx, const struct elf_sym *s)
{
	static const char prefix[] = "__x64_sys_";
	struct naming *nm = ctx;
	if (!s->func || strncmp(s->name, prefix, sizeof(prefix) - 1))
		return 0;
	struct slot key = { s->value, 0 };
	struct slot *hit = bsearch(&key, nm->slots, nm->n, sizeof(key), by_target);
	if (!hit)
		return 0;
	/* Equal targets sit side by side (every unused slot is ni_syscall). */
	while (hit > nm->slots && hit[-1].target == s->value)
		hit--;
	const char *name = s->name + sizeof(prefix) - 1;
	for (; hit < nm->slots + nm->n && hit->target == s->value; hit++)
		syscalls_set(nm->table, hit->nr, name, strlen(name));
	return 0;
}

/*
 * The table from sys_call_table: 8-byte pointers to __x64_sys_NAME (link-time values;
 * a fully linked vmlinux holds them as they are). Kept since 6.9 beside x64_sys_call's
 * switch, and in 6.1.
 */
static int table_from_vmlinux(const struct elf *e, struct syscalls *t, struct strbuf *err)
{
	uint64_t addr, size;
	if (!elf_symbol_size(e, "sys_call_table", &addr, &size) || size < 8 || size > 8 * 4096) {
		strbuf_addf(err, "'%s' has no sys_call_table to read the syscall numbers from",
			    e->path);
		return -1;
	}
	size_t n = size / 8;
	uint64_t *ptrs = xcalloc(n, sizeof(*ptrs));
	struct naming nm = { xcalloc(n, sizeof(*nm.slots)), n, t };
	int r = -1;
	if (elf_read_vaddr(e, addr, ptrs, n * 8) < 0) {
		strbuf_addf(err, "'%s': sys_call_table is not in the file's segments", e->path);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		nm.slots[i] = (struct slot){ ptrs[i], i };
	qsort(nm.slots, n, sizeof(*nm.slots), by_target);
	elf_each_symbol(e, name_slots, &nm);
	if (!t->nr) {
		strbuf_addf(err, "'%s': no sys_call_table slot points to a __x64_sys_ function",
			    e->path);
		goto out;
	}
	r = 0;
out:
	free(nm.slots);
	free(ptrs);
	return r;
}

int kernel_read_vmlinux(struct kernel *k, struct strbuf *err)
{
	struct elf e;
	struct strbuf why = STRBUF_INIT;
	uint64_t banner;
	int r = -1;
	if (elf_open_quiet(&e, k->vmlinux, &why) < 0) {
		strbuf_addf(err, "%s", why.buf);
		strbuf_release(&why);
		return -1;
	}
	if (!k->version) {
		char *text = elf_symbol(&e, "linux_banner", &banner) ? elf_read_string(&e, banner, 512)
								       : NULL;
		k->version = kernel_banner_release(text);
		free(text);
		if (!k->version) {
			strbuf_addf(err, "'%s' has no linux_banner: not a vmlinux?", k->vmlinux);
			goto out;
		}
	}
	if (!k->syscalls.nr) {
		char *header = kernel_syscalls_header(k);
		struct strbuf text = STRBUF_INIT;
		if (!header || strbuf_read_file(&text, header) < 0 ||
		    syscalls_parse(&k->syscalls, header, text.buf, &why) < 0) {
			syscalls_release(&k->syscalls);
			if (table_from_vmlinux(&e, &k->syscalls, err) < 0) {
				strbuf_release(&text);
				free(header);
				goto out;
			}
		}
		strbuf_release(&text);
		free(header);
	}
	r = 0;
out:
	elf_close(&e);
	strbuf_release(&why);
	return r;
}

int kernel_has_gdb_index(const char *vmlinux)
{
	struct elf e;
	struct strbuf why = STRBUF_INIT;
	const unsigned char *data;
	size_t len;
	int has = 0;
	if (elf_open_quiet(&e, vmlinux, &why) == 0) {
		has = elf_section(&e, ".gdb_index", &data, &len);
		elf_close(&e);
	}
	strbuf_release(&why);
	return has;
}

int kernel_indexed_copy(const char *vmlinux, const char *cache, char **out, struct strbuf *err)
{
	struct strbuf id = STRBUF_INIT, tmp = STRBUF_INIT, log = STRBUF_INIT;
	struct sha256 c;
	char hex[65];
	int r = -1;
	*out = NULL;
	if (deps_file_id(vmlinux, &id) < 0) {
		strbuf_addf(err, "cannot read '%s'", vmlinux);
		goto out;
	}
	sha256_init(&c);
	sha256_update(&c, id.buf, id.len);
	sha256_final_hex(&c, hex);
	char *dir = xstrfmt("%s/vmlinux/%.16s", cache, hex);
	char *path = xstrfmt("%s/vmlinux", dir);
	if (kernel_has_gdb_index(path)) {
		*out = path;
		free(dir);
		r = 0;
		goto out;
	}
	/* Copy next to the final name, index the copy, then rename: never half a file. */
	strbuf_addf(&tmp, "%s.tmp.%d", path, (int)getpid());
	const char *cp[] = { "cp", "--", vmlinux, tmp.buf, NULL };
	const char *index[] = { "gdb-add-index", tmp.buf, NULL };
	if (mkdir_p(dir, 0755) < 0)
		strbuf_addf(err, "cannot create '%s'", dir);
	else if (proc_run_capture_quiet(cp, &log, 1, 10 * 60 * 1000, err) != 0)
		strbuf_addf(err, "cannot copy '%s' into the cache: %s", vmlinux, log.buf);
	else if (proc_run_capture_quiet(index, &log, 1, 30 * 60 * 1000, err) != 0 ||
		 !kernel_has_gdb_index(tmp.buf))
		strbuf_addf(err, "gdb-add-index failed on the copy of '%s': %s", vmlinux, log.buf);
	else if (rename(tmp.buf, path) < 0)
		strbuf_addf(err, "cannot move the indexed copy to '%s'", path);
	else {
		*out = path;
		path = NULL;
		r = 0;
	}
	unlink(tmp.buf);
	free(path);
	free(dir);
out:
	strbuf_release(&id);
	strbuf_release(&tmp);
	strbuf_release(&log);
	return r;
}

void kernel_release(struct kernel *k)
{
	free(k->name);
	free(k->source);
	free(k->bzimage);
	free(k->vmlinux);
	free(k->version);
	free(k->key);
	free(k->srctree);
	free(k->build);
	free(k->tree);
	free(k->source_id);
	free(k->commit);
	free(k->package);
	free(k->package_version);
	free(k->build_error);
	syscalls_release(&k->syscalls);
	memset(k, 0, sizeof(*k));
}

int kernel_check_bzimage(const char *path, struct strbuf *err)
{
	unsigned char h[0x210];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		strbuf_addf(err, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	ssize_t n = pread(fd, h, sizeof(h), 0);
	int e = errno, sr = fstat(fd, &st);
	close(fd);
	if (n < 0 || sr < 0) {
		strbuf_addf(err, "cannot read '%s': %s", path, strerror(n < 0 ? e : errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		strbuf_addf(err, "'%s' is not a regular file", path);
		return -1;
	}
	if (n < (ssize_t)sizeof(h) || h[0x1fe] != 0x55 || h[0x1ff] != 0xaa ||
	    memcmp(h + 0x202, "HdrS", 4)) {
		strbuf_addf(err, "'%s' is not an x86 bzImage (no boot sector with a \"HdrS\" "
			    "setup header)", path);
		return -1;
	}
	unsigned setup = h[0x1f1] ? h[0x1f1] : 4;
	uint64_t syssize = (uint64_t)h[0x1f4] | (uint64_t)h[0x1f5] << 8 |
			   (uint64_t)h[0x1f6] << 16 | (uint64_t)h[0x1f7] << 24;
	uint64_t want = (uint64_t)(setup + 1) * 512 + syssize * 16;
	if ((uint64_t)st.st_size < want) {
		strbuf_addf(err, "'%s' is cut short: %lld bytes, its header promises %llu", path,
			    (long long)st.st_size, (unsigned long long)want);
		return -1;
	}
	return 0;
}
