/*
 * session_open: opening a session (session.h) — the guest started or restored while
 * gdb loads vmlinux (or a gdb kept from the session before takes over), the program
 * held in the guest and its symbols loaded, gdb attached, and the program run to its
 * main; the warm guest's command line for people who run it by hand; gdb parked for
 * the next session. Depends on gdb, qemu, warm, session_int.
 */
#define _GNU_SOURCE
#include "session.h"
#include "session_int.h"
#include "files.h"
#include "timeutil.h"
#include "usage.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define DEFAULT_TIMEOUT_S 300

/* A session's time limit when its caller names none: $KDIVE_TIMEOUT seconds, or 300. */
static int default_timeout_s(void)
{
	const char *e = getenv("KDIVE_TIMEOUT");
	char *end;
	long v = e ? strtol(e, &end, 10) : 0;
	return e && *e && !*end && v > 0 && v <= 86400 ? (int)v : DEFAULT_TIMEOUT_S;
}
#define RESTORE_LIMIT_MS 30000 /* a restore takes ~0.2 s; a boot instead beats waiting */

static int session_attach(struct session *s);

void session_init(struct session *s, const char *vmlinux, int timeout_s)
{
	memset(s, 0, sizeof(*s));
	/* Valid "not started" children, so that session_end() works after any failure. */
	proc_init(&s->qemu.proc);
	proc_init(&s->gdb.proc);
	s->qemu.go_fd = s->qemu.mon_fd = -1;
	s->t0 = s->phase_ms = now_ms();
	s->deadline = s->t0 + 1000LL * (timeout_s > 0 ? timeout_s : default_timeout_s());
	s->vmlinux = vmlinux;
	s->program_status = -1;
	s->slot = -1;
}

/* Boot the guest. 0, or -1 reported. */
static int boot(struct session *s)
{
	if (qemu_start(&s->qemu, &s->qo) < 0)
		return -1;
	info("booting %s under %s (run directory %s)", s->qo.bzimage, s->qemu.kvm ? "KVM" : "TCG",
	     s->rundir);
	return 0;
}

static int boot_instead(struct session *s, const char *why);

/* Make a report one line: its first line and, when there are more, its last (a log's
 * last words, less their "  | "). */
static void first_and_last_line(struct strbuf *sb)
{
	strbuf_rtrim(sb);
	char *nl = strchr(sb->buf, '\n');
	if (!nl)
		return;
	const char *last = strrchr(sb->buf, '\n') + 1;
	last += strspn(last, " |");
	char *joined = xstrfmt("%.*s %s", (int)(nl - sb->buf), sb->buf, last);
	strbuf_reset(sb);
	strbuf_addstr(sb, joined);
	free(joined);
}

/* The session's warm snapshot in snapdir (NULL: none): s->warm, usable or to be saved. */
static void find_snapshot(struct session *s, const char *snapdir)
{
	struct strbuf why = STRBUF_INIT;
	struct qemu probe;
	if (!snapdir)
		return;
	qemu_prepare(&probe, &s->qo);
	if (warm_find(&s->warm, snapdir, &probe, s->vmlinux, s->rundir, s->kaslr, &why) < 0)
		info("no warm snapshot: %s; booting", why.buf);
	else
		s->save = !s->warm.usable;
	qemu_release(&probe);
	strbuf_release(&why);
}

/*
 * Start QEMU for the session: restoring its warm snapshot (find_snapshot()) when there
 * is a good one (finish_restore() waits for it, while gdb loads its symbols), else
 * booting (to be saved). 0, or -1 reported.
 */
static int start_guest(struct session *s)
{
	if (s->warm.usable) {
		char *console = xstrfmt("%s/console.log", s->rundir);
		struct strbuf said = STRBUF_INIT;
		int r = 0;
		s->restore_t0 = now_ms();
		s->qo.incoming = s->warm.state;
		/* A restore that does not start falls back to a boot: what went wrong goes
		 * into the one line that says so, not out as an error of the run. */
		diag_divert_errors(&said);
		s->restoring = warm_console(&s->warm, console) == 0 && qemu_start(&s->qemu, &s->qo) == 0;
		diag_divert_errors(NULL);
		free(console);
		/* What the saving session checked holds for this vmlinux (the key covers it). */
		s->layout_checked = s->restoring && s->warm.ptregs_checked;
		if (!s->restoring) {
			first_and_last_line(&said);
			r = boot_instead(s, said.len ? said.buf : "QEMU did not start");
		}
		strbuf_release(&said);
		return r;
	}
	return boot(s);
}

/*
 * The snapshot was not restored (why): it costs one boot. Only a stream QEMU says it
 * cannot load is removed (and the next run has a new one); any other failure — QEMU
 * that did not start, died, or was too slow on a loaded machine — keeps it.
 */
static int boot_instead(struct session *s, const char *why)
{
	static const char *const stale[] = { "gdb.sock", "go.sock", "monitor.sock", "console.log" };
	struct strbuf said = STRBUF_INIT;
	s->save = qemu_stream_rejected(&s->qemu, &said);
	if (s->save)
		warm_discard(&s->warm, said.buf);
	else
		warm_skip(&s->warm, why);
	strbuf_release(&said);
	s->restoring = 0;
	s->layout_checked = 0;
	qemu_release(&s->qemu);
	s->qo.incoming = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(stale); i++) {
		char *path = xstrfmt("%s/%s", s->rundir, stale[i]);
		unlink(path);
		free(path);
	}
	return boot(s);
}

/* Wait for the restore start_guest() began; boot instead when it fails. 0, or -1. */
static int finish_restore(struct session *s)
{
	struct strbuf why = STRBUF_INIT;
	int r = 0;
	s->restoring = 0;
	if (qemu_wait_restored(&s->qemu, now_ms() + RESTORE_LIMIT_MS, &why) == 0 &&
	    qemu_resume(&s->qemu, now_ms() + 10000) == 0) {
		s->restored = 1;
		s->slot = s->warm.slot;
		s->restore_ms = now_ms() - s->restore_t0;
		info("restored %s from warm snapshot %s in %lld ms (run directory %s)", s->qo.bzimage,
		     s->warm.dir, (long long)s->restore_ms, s->rundir);
	} else {
		if (!why.len)
			strbuf_addstr(&why, "QEMU did not resume the guest: see above");
		else if (!strcmp(why.buf, "QEMU had not loaded it by the time limit"))
			strbuf_addf(&why, " (%d s)", RESTORE_LIMIT_MS / 1000);
		r = boot_instead(s, why.buf);
	}
	s->gdb.peer = &s->qemu.proc;
	strbuf_release(&why);
	return r;
}

void session_spare_release(struct session_spare *sp)
{
	if (sp->have)
		gdb_release(&sp->gdb);
	sp->have = 0;
	free(sp->vmlinux);
	sp->vmlinux = NULL;
}

/* Take b's spare gdb over when it has this vmlinux loaded: 1, else 0 (and a spare of
 * another vmlinux is stopped). */
static int take_spare(struct session *s, const struct boot_opts *b, const char *transcript)
{
	struct session_spare *sp = b->spare;
	s->spare = sp;
	if (!sp || !sp->have)
		return 0;
	if (b->kaslr || strcmp(sp->vmlinux, s->vmlinux)) {
		session_spare_release(sp);
		return 0;
	}
	s->gdb = sp->gdb;
	sp->have = 0;
	if (gdb_retarget(&s->gdb, transcript, s->rundir) < 0) {
		gdb_release(&s->gdb);
		proc_init(&s->gdb.proc);
		return 0;
	}
	s->gdb_kept = 1;
	gdb_note(&s->gdb, "gdb kept from the session before, vmlinux loaded");
	return 1;
}

/*
 * Park gdb in the spare after a session that went well: the target gone, every
 * breakpoint deleted, the program's symbols removed. 0, or -1 (gdb is stopped).
 */
int session_park_gdb(struct session *s)
{
	struct session_spare *sp = s->spare;
	if (!sp || s->kaslr || s->gdb.dead || !s->gdb.proc.pid || s->gdb.proc.reaped ||
	    s->libraries.nr || s->gdb.nstartup)
		return -1;
	/* QEMU is gone (the guest ended, or is stopped now): gdb lets the target go. */
	qemu_stop(&s->qemu);
	struct mi_record *r = gdb_command(&s->gdb, 2000, "-target-disconnect");
	mi_record_free(r); /* an ^error when gdb saw the target go already */
	if (!r || s->gdb.dead || session_delete(s, -1) < 0 ||
	    (s->prog_loaded && session_console_file(s, "remove-symbol-file", s->prog_elf) < 0))
		return -1;
	session_spare_release(sp);
	sp->gdb = s->gdb;
	sp->vmlinux = xstrdup(s->vmlinux);
	sp->have = 1;
	if (sp->gdb.transcript)
		fclose(sp->gdb.transcript);
	sp->gdb.transcript = NULL;
	sp->gdb.peer = NULL;
	/* The session has no gdb left to stop. */
	memset(&s->gdb, 0, sizeof(s->gdb));
	proc_init(&s->gdb.proc);
	return 0;
}

/* The QEMU options of a session's guest in rundir, that waits for its program. */
static void guest_opts(struct qemu_opts *qo, const struct session_image *img,
		       const struct boot_opts *b, const char *rundir)
{
	qo->bzimage = img->bzimage;
	qo->initrd = img->initrd;
	qo->rundir = rundir;
	qo->kaslr = b->kaslr;
	qo->go = 1;
	qo->gdb_port = b->gdb_port;
	qo->cpus = b->cpus;
	qo->append = b->append;
}

/*
 * Boot (or restore) the guest while gdb loads vmlinux: the kernel boots untouched by
 * gdb, and init waits for the run line before it runs the program. enter_program()
 * attaches when init is ready. 0, or -1 reported.
 */
static int session_start(struct session *s, const struct session_image *img,
			 const struct boot_opts *b, const char *program, const struct strvec *args)
{
	session_init(s, img->vmlinux, b->timeout_s);
	s->keep = b->keep;
	s->kaslr = b->kaslr;
	s->rundir = b->rundir; /* the session's from here on, whatever happens */
	if (session_layout_read(&s->layout, img->vmlinux) < 0)
		return -1;
	session_phase(s, "read the kernel's layout");
	if (!s->rundir)
		s->rundir = qemu_make_rundir();
	if (!s->rundir)
		return -1;
	if (!s->keep)
		proc_remove_at_death(s->rundir); /* a run cut short by a signal leaves nothing */
	s->args = args;
	guest_opts(&s->qo, img, b, s->rundir);
	const char *snapdir = b->snapshots;
	if (session_prog_prepare(s, img, program, &snapdir) < 0)
		return -1;
	session_phase(s, "prepared the program's disk");
	find_snapshot(s, snapdir);
	/* gdb loads vmlinux while QEMU starts (and restores or boots), or is kept. A KASLR
	 * slot whose slide an earlier run found: relocated as it loads (checked at main). */
	if (s->kaslr && s->warm.usable && s->warm.slide_known) {
		s->slide = s->warm.slide;
		session_layout_relocate(&s->layout, s->slide);
	}
	char *transcript = xstrfmt("%s/gdb.mi", s->rundir);
	int r = take_spare(s, b, transcript) ? 0 : gdb_start_at(&s->gdb, img->vmlinux, s->slide,
								transcript, s->rundir);
	free(transcript);
	if (r < 0 || start_guest(s) < 0)
		return -1;
	session_phase(s, "QEMU started (%s)", s->restoring ? "restoring" : "booting");
	if (img->user && img->user->interp && b->gdb_index)
		session_prog_index_cache(s, b->gdb_index);
	/* A QEMU that fails to restore is no failure of gdb's: finish_restore() boots
	 * instead, and watches QEMU from then on. */
	s->gdb.peer = s->restoring ? NULL : &s->qemu.proc;
	s->gdb.peer_name = "QEMU";
	return 0;
}

static int enter_program(struct session *s, struct strbuf *why);

int session_open(struct session *s, const struct session_image *img, const struct boot_opts *b,
		 const char *program, const struct strvec *args, struct strbuf *why)
{
	int r = session_start(s, img, b, program, args);
	if (r == 0)
		r = enter_program(s, why);
	s->args = NULL; /* only the run line needed them */
	return r;
}

int session_warm_command(const struct session_image *img, const struct boot_opts *b,
			 const char *rundir, struct strvec *argv, char **state,
			 struct strbuf *why)
{
	struct qemu_opts qo = { 0 };
	struct qemu probe;
	struct warm w;
	int r = 1;
	if (!b->snapshots) {
		strbuf_addstr(why, "warm snapshots are off");
		return 1;
	}
	/* The guest session_open() would start (a built-in's: every guest has the disk),
	 * never a KASLR pool's. */
	char *disk = xstrfmt("%s/disk.img", rundir);
	guest_opts(&qo, img, b, rundir);
	qo.kaslr = 0;
	qo.disk = disk;
	qemu_prepare(&probe, &qo);
	memset(&w, 0, sizeof(w));
	if (warm_find(&w, b->snapshots, &probe, img->vmlinux, rundir, 0, why) == 0) {
		if (w.usable) {
			struct qemu hand;
			qo.go_fifo = 1;
			qo.incoming = w.state;
			qemu_prepare(&hand, &qo);
			for (size_t i = 0; i < hand.argv.nr; i++)
				strvec_push(argv, hand.argv.v[i]);
			*state = xstrdup(w.state);
			qemu_release(&hand);
			r = 0;
		} else {
			strbuf_addstr(why, "none saved yet for this guest");
		}
	}
	warm_release(&w);
	qemu_release(&probe);
	free(disk);
	return r;
}

static int session_attach(struct session *s)
{
	/* -target-select takes the rest of the line as it is (quotes would become part of
	 * the name, and a ':' makes it host:port): gdb runs in the run directory and
	 * names the socket alone, whatever the directory's path holds. QEMU reports the
	 * stop before gdb says ^connected; that *stopped stays queued. */
	if (gdb_run(&s->gdb, NULL, "-target-select remote %s",
		    s->qo.gdb_port ? s->qemu.gdb_target : QEMU_GDB_SOCK) < 0)
		return -1;
	/* A single step runs the stepped CPU alone: on an SMP guest the others must not
	 * run into code that an injection (rdmsr over kernel text, a syscall over the
	 * program's) has patched for that one step. (Only a connected target takes it.) */
	return gdb_run(&s->gdb, NULL, "-gdb-set scheduler-locking step");
}

/* The program's symbols into gdb, and struct pt_regs checked. 0, or -1 with why. */
static int program_symbols(struct session *s, struct strbuf *why)
{
	if (gdb_wait_started(&s->gdb) < 0)
		return -1;
	session_phase(s, "gdb has vmlinux's symbols");
	if (session_prog_symbols(s) < 0 || session_check_ptregs(s) < 0) {
		strbuf_addstr(why, "gdb could not load the guest program's symbols");
		return -1;
	}
	s->prog_loaded = 1;
	session_phase(s, "gdb has the program's symbols");
	return 0;
}

static int enter_program(struct session *s, struct strbuf *why)
{
	const char *prog = s->prog_elf;
	int r = -1;
	if (access(prog, R_OK) < 0) {
		strbuf_addf(why, "guest program '%s' does not exist (initramfs/progs/%s.c?)", prog,
			    s->program);
		goto out;
	}
	/* The boot runs untouched (or the guest is restored where init waits); once init
	 * waits, it gets its program and holds it right after its execve while gdb takes
	 * the program's symbols (a boot leaves gdb idle: then during the boot) and
	 * attaches. */
	if (s->restoring && finish_restore(s) < 0)
		goto out;
	if (!s->restored && program_symbols(s, why) < 0)
		goto out;
	if (!s->restored && qemu_wait_ready(&s->qemu, s->deadline) < 0)
		goto out;
	session_phase(s, s->restored ? "restored" : "init is ready");
	if (s->save) {
		/* Saved or not (that is reported), the run goes on from this boot. */
		s->save = 0;
		if (warm_save(&s->warm, &s->qemu, s->layout_checked, s->deadline) == 0)
			s->slot = s->warm.slot;
		if (qemu_resume(&s->qemu, s->deadline) < 0)
			goto out;
		session_phase(s, "saved the warm snapshot");
	}
	if (qemu_go(&s->qemu, s->go_name, s->args, 1) < 0)
		goto out;
	if (!s->prog_loaded && program_symbols(s, why) < 0)
		goto out;
	if (session_attach(s) < 0)
		goto out;
	session_phase(s, "attached");
	if (s->kaslr) {
		/* Kernel symbols are wrong until the slide is known (or checked): main first,
		 * by its address and code, which KASLR does not move. */
		uint64_t loaded = s->slide;
		r = session_kaslr_stop_at_main(s, prog, why);
		if (!r) {
			session_phase(s, "at main");
			r = session_kaslr_find_slide(s, why);
		}
		if (!r)
			session_phase(s, "KASLR: LSTAR 0x%llx, slide 0x%llx, %s",
				      (unsigned long long)s->lstar, (unsigned long long)s->slide,
				      s->slide == loaded ? "as the snapshot's: symbols loaded so"
							 : "symbols relocated");
		/* The guest of a snapshot (restored, or saved from this boot): its slide
		 * goes beside it for the next run. */
		if (!r && s->slot >= 0)
			warm_note_slide(&s->warm, s->slide);
		if (!r)
			r = session_prog_libraries(s);
		goto out;
	}
	/* Arm late: one cheap user-space breakpoint at the program's main; the caller's
	 * come after it, so no condition is evaluated during the boot. */
	int mainbp = session_break(s, 1, "main", -1, NULL, why);
	if (mainbp < 0)
		goto out;
	int cont = gdb_run(&s->gdb, NULL, "-exec-continue");
	if (!cont && qemu_cont(&s->qemu) < 0)
		cont = -1;
	struct mi_record *st = cont < 0 ? NULL : gdb_wait_async(&s->gdb, "stopped", s->deadline);
	if (!st) {
		strbuf_addf(why, "the guest program '%s' never reached main", s->program);
		goto out;
	}
	mi_record_free(st);
	r = session_delete(s, mainbp);
	if (!r)
		r = session_prog_libraries(s);
	if (!r)
		session_phase(s, "at main");
out:
	return r;
}

