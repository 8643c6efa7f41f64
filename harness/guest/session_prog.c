/*
 * session_prog: the guest program's side of a session. Its files reach the guest on a
 * virtio disk that every session's QEMU has (the warm snapshot is saved with one, so
 * a restored guest takes any program without a new snapshot), or, on a kernel without
 * virtio-blk, appended to the initramfs of a boot. gdb gets its symbols (relocated for
 * a PIE); the console gives back its exit status and what it printed. Depends on
 * session, userprog, elf, files.
 */
#define _GNU_SOURCE
#include "session.h"
#include "session_int.h"
#include "elf.h"
#include "files.h"
#include "usage.h"
#include "userprog.h"
#include "wrapper.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 1 when the kernel has the virtio disk driver built in. */
static int kernel_has_disk(const char *vmlinux)
{
	struct elf e;
	struct strbuf why = STRBUF_INIT;
	uint64_t addr;
	int has = elf_open_quiet(&e, vmlinux, &why) == 0 && elf_symbol(&e, "virtblk_probe", &addr);
	if (e.map)
		elf_close(&e);
	strbuf_release(&why);
	return has;
}

/* Write the files of src (NULL: none) to fd, then grow it to size. 0 or -1 reported. */
static int fill(int fd, const char *path, const char *src, long long size)
{
	struct strbuf data = STRBUF_INIT;
	int r = 0;
	if (src && strbuf_read_file(&data, src) < 0)
		r = error_errno("cannot read the program's files '%s'", src);
	else if (write_all(fd, data.buf, data.len) < 0 || (size && ftruncate(fd, size) < 0))
		r = error_errno("cannot write '%s'", path);
	strbuf_release(&data);
	return r;
}

/* Create rundir/name from src (and, for the initramfs, first): 0 or -1 reported. */
static int make_file(struct session *s, const char *name, const char *first, const char *src,
		     long long size, char **out)
{
	char *path = xstrfmt("%s/%s", s->rundir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int r = fd < 0 ? error_errno("cannot create '%s'", path) : 0;
	if (!r && first)
		r = fill(fd, path, first, 0);
	/* The kernel takes an uncompressed archive only at a 4-byte boundary of the
	 * initramfs, and skips the NUL bytes before it. */
	off_t end = first && !r ? lseek(fd, 0, SEEK_END) : 0;
	if (end % 4 && write_all(fd, "\0\0\0", (size_t)(4 - end % 4)) < 0)
		r = error_errno("cannot write '%s'", path);
	if (!r)
		r = fill(fd, path, src, size);
	if (fd >= 0 && close(fd) < 0 && !r)
		r = error_errno("cannot write '%s'", path);
	*out = path;
	return r;
}

int session_prog_prepare(struct session *s, const struct session_image *img, const char *program,
			 const char **snapdir)
{
	const struct userprog *u = img->user;
	s->program = u ? u->name : program;
	s->go_name = u ? u->guest : program;
	s->prog_base = u ? u->load_base : 0;
	s->user = u;
	s->prog_elf = u ? xstrdup(u->elf) : xstrfmt("%s/%s", img->progs, program);
	int disk = !u || kernel_has_disk(img->vmlinux);
	/* Every guest has the disk, so that one snapshot serves every program. */
	if (make_file(s, "disk.img", NULL, u && disk ? u->payload : NULL, USERPROG_MAX_BYTES,
		      &s->disk) < 0)
		return -1;
	s->qo.disk = s->disk;
	if (disk)
		return 0;
	/* No virtio-blk in this kernel: the program rides in this boot's initramfs (the
	 * kernel unpacks archives one after the other), and the guest is not saved. */
	info("%s has no virtio disk driver: '%s' travels in the initramfs, and the guest boots",
	     img->vmlinux, u->name);
	if (make_file(s, "initrd.img", img->initrd, u->payload, 0, &s->initrd) < 0)
		return -1;
	s->qo.initrd = s->initrd;
	*snapdir = NULL;
	return 0;
}

void session_prog_index_cache(struct session *s, const char *dir)
{
	struct strbuf q = STRBUF_INIT, why = STRBUF_INIT;
	if (mkdir_p(dir, 0755) == 0 && quote_gdb_rest(&q, dir, &why) == 0) {
		if (session_console(s, "set index-cache directory %s", q.buf) == 0)
			session_console(s, "set index-cache enabled on");
	} else
		debug("no gdb index cache in '%s': %s", dir, why.len ? why.buf : strerror(errno));
	strbuf_release(&q);
	strbuf_release(&why);
}

int session_prog_symbols(struct session *s)
{
	/* A PIE's offset: its place in the guest. */
	char *cmd = s->prog_base ? xstrfmt("add-symbol-file -o 0x%llx",
					   (unsigned long long)s->prog_base)
				 : xstrdup("add-symbol-file");
	int r = session_console_file(s, cmd, s->prog_elf);
	free(cmd);
	return r;
}

int session_prog_verdict(struct session *s, const char *console, size_t len)
{
	/* init says "kdive: running PATH ARGS", then the program speaks, then "kdive: PATH
	 * exited with status N" (initramfs/wait.c). */
	const char *path = s->go_name[0] == '/' ? s->go_name : NULL;
	char *builtin = path ? NULL : xstrfmt("/progs/%s", s->go_name);
	char *done = xstrfmt("kdive: %s exited with status ", path ? path : builtin);
	char *run = xstrfmt("kdive: running %s", path ? path : builtin);
	const char *at = memmem(console, len, done, strlen(done));
	int r = -1;
	if (at) {
		s->program_status = atoi(at + strlen(done));
		const char *from = NULL;
		for (const char *p = console; (p = memmem(p, (size_t)(at - p), run, strlen(run)));
		     p++)
			from = p;
		if (from) {
			const char *nl = memchr(from, '\n', (size_t)(at - from));
			from = nl ? nl + 1 : at;
			/* Up to the marker: a last line without a newline is the program's. */
			free(s->program_output);
			s->program_output_len = (size_t)(at - from);
			s->program_output = xmalloc(s->program_output_len + 1);
			memcpy(s->program_output, from, s->program_output_len);
			s->program_output[s->program_output_len] = '\0';
		}
		r = 0;
	}
	free(builtin);
	free(done);
	free(run);
	return r;
}

/* Read a guest word at addr. 0 or -1 reported. */
static int read_word(struct session *s, uint64_t addr, uint64_t *v)
{
	unsigned char b[8];
	if (session_read_memory(s, addr, sizeof(b), b) < 0)
		return -1;
	memcpy(v, b, sizeof(b));
	return 0;
}

/* gdb's symbols for one library at its load address (its guest path is its host path). */
static int add_library(struct session *s, const char *path, uint64_t base)
{
	struct strbuf why = STRBUF_INIT;
	char *cli = xstrfmt("add-symbol-file -o 0x%llx", (unsigned long long)base), *mi = NULL;
	int r = 0;
	if (access(path, R_OK) < 0)
		debug("no symbols for the guest's '%s': not on this host", path);
	else if ((mi = gdb_console_file_command(cli, path, &why))) {
		r = gdb_run(&s->gdb, NULL, "%s", mi);
		strvec_pushf(&s->libraries, "0x%llx %s", (unsigned long long)base, path);
	}
	free(cli);
	free(mi);
	strbuf_release(&why);
	return r;
}

int session_prog_libraries(struct session *s)
{
	enum { DT_NULL_ = 0, DT_DEBUG_ = 21, MAX_DYN = 512, MAX_LIBS = 256 };
	if (!s->user || !s->user->interp)
		return 0;
	/* At main the loader is done: the program's DT_DEBUG points at its r_debug, whose
	 * r_map lists every object with its load address (l_addr) and name. */
	struct strbuf why = STRBUF_INIT;
	char *v = session_eval(s, "(unsigned long)&_DYNAMIC", &why);
	uint64_t dyn = v ? strtoull(v, NULL, 0) : 0, rdebug = 0, map = 0;
	free(v);
	strbuf_release(&why);
	if (!dyn)
		return error("'%s' has no _DYNAMIC symbol: its libraries get no symbols",
			     s->prog_elf);
	for (int i = 0; i < MAX_DYN && !rdebug; i++) {
		uint64_t tag, val;
		if (read_word(s, dyn + 16 * i, &tag) < 0 || read_word(s, dyn + 16 * i + 8, &val) < 0)
			return -1;
		if (tag == DT_NULL_)
			break;
		if (tag == DT_DEBUG_)
			rdebug = val;
	}
	if (!rdebug || read_word(s, rdebug + 8, &map) < 0)
		return error("the guest's loader left no link map (DT_DEBUG) in '%s'", s->program);
	for (int n = 0; map && n < MAX_LIBS; n++) {
		uint64_t base, name, next;
		unsigned char path[512] = { 0 };
		if (read_word(s, map, &base) < 0 || read_word(s, map + 8, &name) < 0 ||
		    read_word(s, map + 24, &next) < 0)
			return -1;
		/* A name may end near a page's end: read it in small pieces. */
		for (size_t at = 0; name && at < sizeof(path) - 1; at += 64) {
			if (session_read_memory(s, name + at, 64 < sizeof(path) - 1 - at ? 64
							    : sizeof(path) - 1 - at, path + at) < 0 ||
			    memchr(path + at, 0, 64 < sizeof(path) - 1 - at ? 64 : sizeof(path) - 1 - at))
				break;
		}
		if (path[0] == '/' && add_library(s, (const char *)path, base) < 0)
			return -1;
		map = next;
	}
	return 0;
}

void session_prog_release(struct session *s)
{
	free(s->prog_elf);
	free(s->disk);
	free(s->initrd);
	free(s->program_output);
	s->prog_elf = s->disk = s->initrd = s->program_output = NULL;
	s->program_output_len = 0;
	strvec_clear(&s->libraries);
}
