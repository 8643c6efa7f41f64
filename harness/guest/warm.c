/*
 * warm: saved guests, found by key, restored or made anew. Depends on qemu, manifest.
 */
#define _GNU_SOURCE
#include "warm.h"
#include "deps.h"
#include "manifest.h"
#include "files.h"
#include "sha256.h"
#include "strvec.h"
#include "timeutil.h"
#include "usage.h"
#include "wrapper.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bump when what init does at the wait, or the run line, changes. */
#define WARM_PROTOCOL "kdive warm snapshot 2: init says 'ready 2', takes 'run|hold NAME xWORD...'"

/* Append arg to out with the run directory masked, as it is or as a QEMU option
 * value (its commas doubled). */
static void add_masked(struct strbuf *out, const char *arg, const char *rundir)
{
	struct strbuf opt = STRBUF_INIT;
	quote_qemu_opt(&opt, rundir);
	size_t n = strlen(rundir);
	for (const char *p = arg; *p;) {
		if (opt.len && !strncmp(p, opt.buf, opt.len)) {
			strbuf_addstr(out, "RUNDIR");
			p += opt.len;
		} else if (n && !strncmp(p, rundir, n)) {
			strbuf_addstr(out, "RUNDIR");
			p += n;
		} else {
			strbuf_addch(out, *p++);
		}
	}
	strbuf_release(&opt);
}

/* The key text of q's guest; -1 with why when a file it boots cannot be identified. */
static int key_text(const struct qemu *q, const char *vmlinux, const char *rundir,
		    struct strbuf *out, struct strbuf *why)
{
	const struct strvec *a = &q->argv;
	char *qemu = find_in_path(a->v[0]);
	strbuf_addf(out, "%s\nqemu ", WARM_PROTOCOL);
	int r = qemu ? deps_file_id(qemu, out) : -1;
	if (r < 0)
		strbuf_addf(why, "cannot find '%s'", a->v[0]);
	free(qemu);
	strbuf_addstr(out, "\nvmlinux ");
	if (r == 0 && deps_file_id(vmlinux, out) < 0) {
		strbuf_addf(why, "cannot stat '%s'", vmlinux);
		r = -1;
	}
	strbuf_addch(out, '\n');
	for (size_t i = 1; r == 0 && i < a->nr; i++) {
		const char *prev = a->v[i - 1];
		if (!strcmp(prev, "-kernel") || !strcmp(prev, "-initrd")) {
			strbuf_addf(out, "%s ", prev + 1);
			if (deps_file_id(a->v[i], out) < 0) {
				strbuf_addf(why, "cannot stat '%s'", a->v[i]);
				r = -1;
			}
		} else if (!strcmp(prev, "-gdb")) {
			strbuf_addstr(out, "GDBSTUB"); /* not part of the guest */
		} else {
			add_masked(out, a->v[i], rundir);
		}
		strbuf_addch(out, '\n');
	}
	return r;
}

#define FACT_PTREGS "pt_regs checked\n"

static int newer(struct timespec a, struct timespec b)
{
	return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

/*
 * A random slot of the KASLR pool DIR/KEY16-kN (base: DIR/KEY16), never the one used
 * last (its done is the newest: saved or restored last), so that two runs in a row
 * see two slides. An empty slot is as likely as a full one: the pool fills as it is
 * used, one boot per slot.
 */
static int pick_slot(const char *base)
{
	struct timespec newest = { 0, 0 };
	int last = -1;
	uint32_t r;
	for (int i = 0; i < WARM_SLOTS; i++) {
		struct stat st;
		char *done = xstrfmt("%s-k%d/done", base, i);
		if (stat(done, &st) == 0 && (last < 0 || newer(st.st_mtim, newest))) {
			last = i;
			newest = st.st_mtim;
		}
		free(done);
	}
	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint32_t)now_ms() ^ (uint32_t)getpid() * 2654435761u;
	if (last < 0)
		return (int)(r % WARM_SLOTS);
	int slot = (int)(r % (WARM_SLOTS - 1));
	return slot >= last ? slot + 1 : slot;
}

/* A KASLR slot's slide, found by an earlier run (warm_note_slide()), if any. */
static void read_slide(struct warm *w)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = xstrfmt("%s/slide", w->dir), *end;
	if (w->slot >= 0 && strbuf_read_file(&sb, path) == 0 && !strncmp(sb.buf, "0x", 2)) {
		errno = 0;
		unsigned long long v = strtoull(sb.buf, &end, 16);
		if (!errno && end != sb.buf + 2 && *end == '\n' && !end[1] &&
		    v % KASLR_SLIDE_ALIGN == 0) {
			w->slide = v;
			w->slide_known = 1;
		}
	}
	free(path);
	strbuf_release(&sb);
}

void warm_note_slide(struct warm *w, uint64_t slide)
{
	if (w->slot < 0 || (w->slide_known && w->slide == slide))
		return;
	w->slide = slide;
	w->slide_new = 1;
}

int warm_find(struct warm *w, const char *snapdir, const struct qemu *q, const char *vmlinux,
	      const char *rundir, int kaslr, struct strbuf *why)
{
	struct strbuf text = STRBUF_INIT, have = STRBUF_INIT, damage = STRBUF_INIT;
	struct sha256 c;
	char key[65];
	memset(w, 0, sizeof(*w));
	w->slot = -1;
	if (key_text(q, vmlinux, rundir, &text, why) < 0)
		goto fail;
	/* The state file's path goes into the command lines debug --print-cmd prints for
	 * a shell, which carry every byte but the control bytes (quote.h). */
	const char *bad = quote_bad_byte(snapdir);
	if (bad) {
		strbuf_addf(why, "the snapshot directory '%s' has %s", snapdir,
			    quote_byte_name((unsigned char)*bad));
		goto fail;
	}
	sha256_init(&c);
	sha256_update(&c, text.buf, text.len);
	sha256_final_hex(&c, key);
	w->dir = xstrfmt("%s/%.16s", snapdir, key);
	if (kaslr) {
		char *base = w->dir;
		w->slot = pick_slot(base);
		w->dir = xstrfmt("%s-k%d", base, w->slot);
		strbuf_addf(&text, "KASLR pool slot %d of %d\n", w->slot, WARM_SLOTS);
		free(base);
	}
	w->state = xstrfmt("%s/state", w->dir);
	w->key_text = strbuf_detach(&text, NULL);
	char *done = xstrfmt("%s/done", w->dir);
	char *kfile = xstrfmt("%s/key", w->dir);
	if (path_exists(done)) {
		int m = manifest_check(w->dir, &damage);
		if (m == 0 && (strbuf_read_file(&have, kfile) < 0 || strcmp(have.buf, w->key_text))) {
			strbuf_addstr(&damage, "it was saved for another configuration");
			m = -1;
		}
		if (m != 0) {
			info("warm snapshot %s is not usable (%s); booting and saving it anew", w->dir,
			     m > 0 ? "no MANIFEST" : damage.buf);
			remove_tree(w->dir);
		} else {
			char *facts = xstrfmt("%s/facts", w->dir);
			w->usable = 1;
			strbuf_reset(&have);
			w->ptregs_checked = strbuf_read_file(&have, facts) == 0 &&
					    strstr(have.buf, FACT_PTREGS) != NULL;
			free(facts);
			read_slide(w);
			utimensat(AT_FDCWD, done, NULL, 0); /* used now: kept longest */
		}
	}
	free(done);
	free(kfile);
	strbuf_release(&have);
	strbuf_release(&damage);
	return 0;
fail:
	strbuf_release(&text);
	warm_release(w);
	return -1;
}

int warm_console(const struct warm *w, const char *path)
{
	struct strbuf log = STRBUF_INIT;
	char *boot = xstrfmt("%s/boot.log", w->dir);
	int r = strbuf_read_file(&log, boot);
	if (r < 0)
		error_errno("cannot read '%s'", boot);
	if (!r) {
		if (log.len && log.buf[log.len - 1] != '\n')
			strbuf_addch(&log, '\n');
		strbuf_addf(&log, "[kdive: the guest was saved here; restored from warm snapshot %s]\n",
			    w->dir);
		r = write_file_atomic(path, log.buf, log.len);
		if (r < 0)
			error_errno("cannot write '%s'", path);
	}
	free(boot);
	strbuf_release(&log);
	return r;
}

void warm_discard(struct warm *w, const char *why)
{
	info("warm snapshot %s could not be restored (%s); booting and saving it anew", w->dir,
	     why);
	remove_tree(w->dir);
	w->usable = 0;
}

void warm_skip(struct warm *w, const char *why)
{
	info("warm snapshot %s could not be restored (%s); booting instead, the snapshot is kept",
	     w->dir, why);
	w->usable = 0;
}

/*
 * Keep the WARM_KEEP configurations used last: an entry is one, and so is a KASLR pool
 * (the entries whose names start with the same KEY16), used when any slot was.
 */
static void prune(const char *snapdir)
{
	struct config { char key[17]; struct timespec used; } *e = NULL;
	size_t n = 0;
	DIR *d = opendir(snapdir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;
		char *done = xstrfmt("%s/%s/done", snapdir, de->d_name);
		if (de->d_name[0] != '.' && strlen(de->d_name) >= 16 && stat(done, &st) == 0) {
			size_t i = 0;
			while (i < n && strncmp(e[i].key, de->d_name, 16))
				i++;
			if (i == n) {
				e = xrealloc(e, (n + 1) * sizeof(*e));
				memcpy(e[n].key, de->d_name, 16);
				e[n].key[16] = '\0';
				e[n++].used = st.st_mtim;
			} else if (newer(st.st_mtim, e[i].used)) {
				e[i].used = st.st_mtim;
			}
		}
		free(done);
	}
	while (n > WARM_KEEP) {
		size_t old = 0;
		for (size_t i = 1; i < n; i++)
			if (newer(e[old].used, e[i].used))
				old = i;
		rewinddir(d);
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' || strncmp(de->d_name, e[old].key, 16))
				continue;
			char *path = xstrfmt("%s/%s", snapdir, de->d_name);
			debug("removing the warm snapshot used longest ago: %s", path);
			remove_tree(path);
			free(path);
		}
		e[old] = e[--n];
	}
	closedir(d);
	free(e);
}

/* The directory the entry is in; new string. */
static char *snapshots_dir(const struct warm *w)
{
	return xstrndup(w->dir, (size_t)(strrchr(w->dir, '/') - w->dir));
}

/* Record tmp's files (MANIFEST), mark it done and publish it as w->dir. 0 or -1 reported. */
static int publish(const struct warm *w, const char *tmp, int64_t t0)
{
	static const char *const skip[] = { "done", NULL };
	struct strbuf err = STRBUF_INIT;
	char *done = xstrfmt("%s/done", tmp), *snapdir = snapshots_dir(w);
	int r = -1;
	if (manifest_write(tmp, skip, &err) < 0) {
		strbuf_rtrim(&err);
		error("cannot record the snapshot: %s",
		      !strncmp(err.buf, "error: ", 7) ? err.buf + 7 : err.buf);
	} else if (write_file_atomic(done, "", 0) < 0) {
		error_errno("cannot write '%s'", done);
	} else if (rename(tmp, w->dir) < 0 && errno != EEXIST && errno != ENOTEMPTY) {
		/* (EEXIST: another kdive published the same guest first; tmp goes.) */
		error_errno("cannot publish the snapshot '%s'", w->dir);
	} else {
		info("saved the guest as warm snapshot %s in %lld ms: later runs start from it",
		     w->dir, (long long)(now_ms() - t0));
		prune(snapdir);
		r = 0;
	}
	free(done);
	free(snapdir);
	strbuf_release(&err);
	return r;
}

int warm_save(struct warm *w, struct qemu *q, int ptregs_checked, int64_t deadline_ms)
{
	struct strbuf log = STRBUF_INIT;
	char *snapdir = snapshots_dir(w);
	char *tmp = xstrfmt("%s/.new.XXXXXX", snapdir);
	char *state = NULL, *file = NULL;
	int64_t t0 = now_ms();
	int r = -1;
	if (mkdir_p(snapdir, 0700) < 0 || !mkdtemp(tmp)) {
		error_errno("cannot create a snapshot directory in '%s'", snapdir);
		goto out;
	}
	proc_remove_at_death(tmp);
	state = xstrfmt("%s/state", tmp);
	if (qemu_save(q, state, deadline_ms) < 0)
		goto out;
	debug("the guest is saved to %s (%lld ms)", state, (long long)(now_ms() - t0));
	/* The boot as far as the snapshot, for people: restored runs' consoles start later. */
	if (strbuf_read_file(&log, q->console_log) < 0)
		strbuf_reset(&log);
	file = xstrfmt("%s/boot.log", tmp);
	if (write_file_atomic(file, log.buf, log.len) < 0)
		goto write_fail;
	free(file);
	file = xstrfmt("%s/key", tmp);
	if (write_file_atomic(file, w->key_text, strlen(w->key_text)) < 0)
		goto write_fail;
	free(file);
	file = xstrfmt("%s/facts", tmp);
	if (write_file_atomic(file, ptregs_checked ? FACT_PTREGS : "", ptregs_checked ?
			      strlen(FACT_PTREGS) : 0) < 0)
		goto write_fail;
	/* The rest (hashing 35 MiB, fsync, publishing) in a worker while the guest runs on;
	 * warm_release() waits for it. Without a worker, here. */
	pid_t pid = proc_fork_worker();
	if (pid == 0)
		proc_worker_exit(publish(w, tmp, t0) < 0);
	if (pid < 0) {
		r = publish(w, tmp, t0);
		goto out;
	}
	w->publisher = pid;
	w->tmp = tmp;
	tmp = NULL;
	r = 0;
	goto out;
write_fail:
	error_errno("cannot write '%s'", file);
out:
	if (tmp) {
		if (path_exists(tmp))
			remove_tree(tmp);
		proc_forget_at_death(tmp);
		free(tmp);
	}
	free(state);
	free(file);
	free(snapdir);
	strbuf_release(&log);
	return r;
}

void warm_release(struct warm *w)
{
	if (w->publisher > 0) {
		int status;
		while (waitpid(w->publisher, &status, 0) < 0 && errno == EINTR)
			;
	}
	/* Beside the snapshot this guest was saved as or restored from: not when another
	 * kdive published the slot first (its guest, its slide; w->tmp is left then). */
	char *done = w->dir ? xstrfmt("%s/done", w->dir) : NULL;
	if (w->slide_new && done && path_exists(done) && !(w->tmp && path_exists(w->tmp))) {
		char *path = xstrfmt("%s/slide", w->dir);
		char *text = xstrfmt("0x%llx\n", (unsigned long long)w->slide);
		if (write_file_atomic(path, text, strlen(text)) < 0)
			debug("cannot keep the slide in '%s': %s", path, strerror(errno));
		free(path);
		free(text);
	}
	free(done);
	if (w->tmp) {
		/* Left when the publisher failed, or another kdive published first. */
		if (path_exists(w->tmp))
			remove_tree(w->tmp);
		proc_forget_at_death(w->tmp);
		free(w->tmp);
	}
	free(w->dir);
	free(w->state);
	free(w->key_text);
	memset(w, 0, sizeof(*w));
	w->slot = -1;
}
