/*
 * session: boot or restore + attach (session_open), the guest's gdb behind primitives
 * (stops, breakpoints, frames, pt_regs, gdb commands), hand-over, run to the end. The
 * kernel's layout is session_layout.c's, MSR reads and KASLR session_msr.c's.
 * Depends on gdb, qemu, warm, elf, obs.
 */
#define _GNU_SOURCE
#include "session.h"
#include "session_int.h"
#include "elf.h"
#include "files.h"
#include "timeutil.h"
#include "usage.h"
#include "wrapper.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
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

/* ---- the session ---- */

void session_stop_release(struct session_stop *st)
{
	if (!st)
		return;
	free(st->reason);
	free(st->func);
	free(st->retval);
	memset(st, 0, sizeof(*st));
	st->bkpt = -1;
}

static void take_stop(const struct mi_record *r, struct session_stop *st)
{
	const char *v;
	if (!st)
		return;
	session_stop_release(st);
	if ((v = mi_record_find_str(r, "reason")))
		st->reason = xstrdup(v);
	if ((v = mi_record_find_str(r, "bkptno")))
		st->bkpt = atoi(v);
	if ((v = mi_record_find_str(r, "thread-id")))
		st->thread = atoi(v);
	if ((v = mi_record_find_str(r, "frame.func")))
		st->func = xstrdup(v);
	if ((v = mi_record_find_str(r, "return-value")))
		st->retval = xstrdup(v);
}

static int session_attach(struct session *s);


/* A gdb CLI command that takes a file: cmd FILE, the file one argument. 0 or -1 reported. */
int session_console_file(struct session *s, const char *cmd, const char *file)
{
	struct strbuf q = STRBUF_INIT, why = STRBUF_INIT;
	char *abs = gdb_path(file);
	int r = quote_gdb_arg(&q, abs, &why);
	if (r < 0)
		error("gdb cannot be given the file: %s", why.buf);
	else
		r = session_console(s, "%s %s", cmd, q.buf);
	free(abs);
	strbuf_release(&q);
	strbuf_release(&why);
	return r;
}

void session_console_tail(struct session *s, struct strbuf *out)
{
	if (!s->qemu.console_log) /* the guest never started */
		return;
	strbuf_addf(out, "last lines of the guest console (%s):\n", s->qemu.console_log);
	qemu_console_tail(&s->qemu, out, 12);
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

/*
 * Start QEMU for the session: restoring its warm snapshot from snapdir when there is a
 * good one (finish_restore() waits for it, while gdb loads its symbols), else booting
 * (to be saved, with snapdir). 0, or -1 reported.
 */
static int start_guest(struct session *s, const char *snapdir)
{
	struct strbuf why = STRBUF_INIT;
	if (snapdir) {
		struct qemu probe;
		qemu_prepare(&probe, &s->qo);
		if (warm_find(&s->warm, snapdir, &probe, s->vmlinux, s->rundir, s->kaslr, &why) < 0)
			info("no warm snapshot: %s; booting", why.buf);
		else
			s->save = !s->warm.usable;
		qemu_release(&probe);
	}
	strbuf_release(&why);
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

/*
 * Boot (or restore) the guest while gdb loads vmlinux: the kernel boots untouched by
 * gdb, and init waits for the run line before it runs the program. enter_program()
 * attaches when init is ready. 0, or -1 reported.
 */
static int session_start(struct session *s, const struct session_image *img,
			 const struct boot_opts *b, const char *program, const struct strvec *args)
{
	memset(s, 0, sizeof(*s));
	/* Valid "not started" children, so that session_end() works after any failure. */
	proc_init(&s->qemu.proc);
	proc_init(&s->gdb.proc);
	s->qemu.go_fd = s->qemu.mon_fd = -1;
	s->t0 = now_ms();
	s->deadline = s->t0 + 1000LL * (b->timeout_s > 0 ? b->timeout_s : default_timeout_s());
	s->keep = b->keep;
	s->vmlinux = img->vmlinux;
	s->program_status = -1;
	s->slot = -1;
	s->kaslr = b->kaslr;
	if (session_layout_read(&s->layout, img->vmlinux) < 0)
		return -1;
	s->rundir = qemu_make_rundir();
	if (!s->rundir)
		return -1;
	if (!s->keep)
		proc_remove_at_death(s->rundir); /* a run cut short by a signal leaves nothing */
	s->args = args;
	s->qo.bzimage = img->bzimage;
	s->qo.initrd = img->initrd;
	s->qo.rundir = s->rundir;
	s->qo.kaslr = b->kaslr;
	s->qo.go = 1;
	s->qo.gdb_port = b->gdb_port;
	s->qo.cpus = b->cpus;
	s->qo.append = b->append;
	const char *snapdir = b->snapshots;
	if (session_prog_prepare(s, img, program, &snapdir) < 0 || start_guest(s, snapdir) < 0)
		return -1;
	char *transcript = xstrfmt("%s/gdb.mi", s->rundir);
	int r = gdb_start(&s->gdb, img->vmlinux, transcript, s->rundir);
	free(transcript);
	if (r < 0)
		return -1;
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

void session_describe(const struct session *s, struct session_info *info)
{
	info->rundir = s->rundir;
	info->restored = s->restored;
	info->slot = s->slot;
	info->slide = s->slide;
	info->lstar = s->lstar;
	info->program_status = s->program_status;
	info->program_output = s->program_output;
	info->libraries = &s->libraries;
	info->program_output_len = s->program_output_len;
	info->kvm = s->qemu.kvm;
	info->current = s->layout.current;
	info->console = s->qemu.console_log;
	info->thread_size = s->layout.thread_size;
	info->stack_top = s->layout.stack_top;
	info->t0 = s->t0;
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

int session_cpl(struct session *s)
{
	uint64_t cs;
	if (gdb_eval_u64(&s->gdb, "$cs", &cs) < 0)
		return -1;
	return (int)(cs & 3);
}

int session_guest_off(struct session *s)
{
	return s->qemu.proc.reaped && proc_succeeded(&s->qemu.proc);
}

/* Wait for the *stopped of a command that set the guest running. */
int session_wait_stop(struct session *s, int64_t deadline, struct session_stop *st)
{
	if (!deadline || deadline > s->deadline)
		deadline = s->deadline;
	struct mi_record *r = gdb_wait_async(&s->gdb, "stopped", deadline);
	if (!r)
		return -1;
	take_stop(r, st);
	mi_record_free(r);
	return 0;
}

int session_guest_panic(struct session *s, struct strbuf *line)
{
	return qemu_guest_panic(&s->qemu, line);
}

int session_rundir_full(struct session *s)
{
	struct statvfs v;
	return s->rundir && statvfs(s->rundir, &v) == 0 &&
	       (unsigned long long)v.f_bavail * v.f_frsize < 8192;
}

int session_why_failed(struct session *s, struct strbuf *why)
{
	struct strbuf line = STRBUF_INIT;
	int r = 1;
	if (qemu_guest_panic(&s->qemu, &line)) {
		strbuf_addf(why, "the guest kernel panicked: %s", line.buf);
	} else if (session_rundir_full(s)) {
		strbuf_addf(why, "no space left in the run directory '%s'", s->rundir);
	} else if (s->gdb.proc.pid && s->gdb.proc.reaped && !proc_succeeded(&s->gdb.proc)) {
		strbuf_addstr(why, "gdb ");
		proc_describe_status(why, s->gdb.proc.status);
	} else if (s->qemu.proc.pid && s->qemu.proc.reaped && !proc_succeeded(&s->qemu.proc)) {
		strbuf_addstr(why, "QEMU ");
		proc_describe_status(why, s->qemu.proc.status);
	} else {
		r = 0;
	}
	strbuf_release(&line);
	return r;
}

int session_continue(struct session *s, int64_t deadline, struct session_stop *st)
{
	if (session_user_view_leave(s) < 0 || gdb_run(&s->gdb, NULL, "-exec-continue") < 0)
		return -1;
	/* gdb reports a failed QEMU, gdb's death or the time-out; a guest that powered
	 * off is for the caller to judge. When QEMU closes the connection first, gdb says
	 * so as a stop ("exited-normally"): the guest ended just the same. */
	struct session_stop mine = { .bkpt = -1 };
	if (!st)
		st = &mine;
	int r = session_wait_stop(s, deadline, st);
	if (r == 0 && st->reason && !strncmp(st->reason, "exited", 6))
		r = s->target_gone = 1;
	else if (r < 0 && session_guest_off(s))
		r = 1;
	else if (r < 0 && !s->gdb.dead && qemu_alive(&s->qemu))
		r = -2; /* the deadline passed: the caller names what it waited for */
	session_stop_release(&mine);
	return r;
}

int session_resume(struct session *s)
{
	if (session_user_view_leave(s) < 0)
		return -1;
	s->resumed = now_ms();
	s->interrupted = 0;
	return gdb_run(&s->gdb, NULL, "-exec-continue");
}

int session_stop_fd(struct session *s)
{
	return s->gdb.proc.out_fd;
}

int session_poll_stop(struct session *s, struct session_stop *st)
{
	/* (A deadline a little ahead: what gdb has written is read, nothing waited for.) */
	struct mi_record *r = gdb_wait_async(&s->gdb, "stopped", now_ms() + 5);
	if (r) {
		take_stop(r, st);
		mi_record_free(r);
		if (st->reason && !strncmp(st->reason, "exited", 6))
			s->target_gone = 1;
		return 1;
	}
	/* Reaped first: QEMU that just powered off is then seen as off, not gone. An
	 * attached guest's QEMU is not kdive's: gdb alone says it is gone. */
	int alive = s->attached ? !s->gdb.target_exited : qemu_alive(&s->qemu);
	if (session_guest_off(s) || (s->attached && !alive)) {
		session_stop_release(st);
		st->reason = xstrdup("exited-normally");
		s->target_gone = 1;
		return 1;
	}
	return s->gdb.dead || !alive ? error("gdb or QEMU is gone") : 0;
}

int session_interrupt_due(struct session *s)
{
	int64_t now = now_ms();
	if (now - s->resumed < SESSION_INTERRUPT_AFTER_MS ||
	    (s->interrupted && now - s->interrupted < SESSION_INTERRUPT_AGAIN_MS))
		return 0;
	s->interrupted = now;
	return session_interrupt(s) < 0 ? -1 : 1;
}

int session_interrupt(struct session *s)
{
	if (!s->gdb.proc.pid || kill(s->gdb.proc.pid, SIGINT) < 0)
		return error_errno("cannot interrupt gdb");
	return 0;
}

int session_run_to_exit(struct session *s)
{
	/* Unless gdb already saw the target go, let the guest run on to its end. */
	if (!s->target_gone && (session_user_view_leave(s) < 0 || session_delete(s, -1) < 0 ||
				gdb_run(&s->gdb, NULL, "-exec-continue") < 0))
		return -1;
	int r = qemu_wait(&s->qemu, s->deadline);
	if (r == 1)
		return error("the guest did not power off in time");
	if (r < 0 || !s->program || session_read_verdict(s) == 0)
		return r;
	if (session_rundir_full(s))
		return error("the guest powered off, but its console log is incomplete: no space "
			     "left in the run directory '%s'", s->rundir);
	return error("the guest powered off, but its console never says that '%s' ran",
		     s->program);
}

int session_read_verdict(struct session *s)
{
	struct strbuf con = STRBUF_INIT;
	int r = -1;
	if (s->program && s->qemu.console_log && strbuf_read_file(&con, s->qemu.console_log) == 0)
		r = session_prog_verdict(s, con.buf, con.len);
	strbuf_release(&con);
	return r;
}

void session_end(struct session *s, int ok)
{
	session_layout_release(&s->layout);
	session_prog_release(s);
	warm_release(&s->warm);
	gdb_release(&s->gdb);
	qemu_release(&s->qemu);
	if (!s->rundir)
		return;
	proc_forget_at_death(s->rundir);
	if (ok && !s->keep) {
		remove_tree(s->rundir);
	} else {
		info("run directory kept: %s (console.log, qemu.log, gdb.mi)", s->rundir);
	}
	free(s->rundir);
	s->rundir = NULL;
}

/* Insert a breakpoint; its number, or -1 (with gdb's reason in why). */
static int insert_break(struct session *s, int hardware, const char *cond, const char *location,
			struct strbuf *why)
{
	struct strbuf q = STRBUF_INIT;
	struct mi_record *r;
	int num = -1;
	if (cond) {
		strbuf_addstr(&q, "-c ");
		quote_c(&q, cond);
		strbuf_addch(&q, ' ');
	}
	/* Quoted: a location is one argument, whatever a client sent (a newline in it
	 * would end this MI command and start another). */
	quote_c(&q, location);
	r = gdb_command(&s->gdb, 0, "-break-insert %s%s", hardware ? "-h " : "", q.buf);
	strbuf_release(&q);
	if (!r) {
		strbuf_addstr(why, "gdb did not answer");
		return -1;
	}
	const char *n = mi_record_find_str(r, "bkpt.number");
	if (r->result == MI_RESULT_DONE && n)
		num = atoi(n);
	else
		strbuf_addstr(why, mi_record_find_str(r, "msg") ? mi_record_find_str(r, "msg")
								 : "no breakpoint number");
	mi_record_free(r);
	return num;
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
	if (session_prog_symbols(s) < 0 || session_check_ptregs(s) < 0) {
		strbuf_addstr(why, "gdb could not load the guest program's symbols");
		goto out;
	}
	/* The boot ran untouched (or the guest was restored where init waits); attach now
	 * that init waits for its program. */
	if (s->restoring && finish_restore(s) < 0)
		goto out;
	if (!s->restored && qemu_wait_ready(&s->qemu, s->deadline) < 0)
		goto out;
	if (s->save) {
		/* Saved or not (that is reported), the run goes on from this boot. */
		s->save = 0;
		if (warm_save(&s->warm, &s->qemu, s->layout_checked, s->deadline) == 0)
			s->slot = s->warm.slot;
		if (qemu_resume(&s->qemu, s->deadline) < 0)
			goto out;
	}
	if (session_attach(s) < 0)
		goto out;
	gdb_note(&s->gdb, "init is %s; attached", s->restored ? "restored" : "ready");
	if (s->kaslr) {
		/* Kernel symbols are wrong until the slide is known: main first. */
		r = session_kaslr_stop_at_main(s, prog, why);
		if (!r)
			r = session_kaslr_find_slide(s, why);
		if (!r)
			gdb_note(&s->gdb, "KASLR: LSTAR 0x%llx, slide 0x%llx", (unsigned long long)s->lstar,
				 (unsigned long long)s->slide);
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
	if (!cont && qemu_go(&s->qemu, s->go_name, s->args) < 0)
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
out:
	return r;
}

int session_break(struct session *s, int hardware, const char *location, int syscall_nr,
		  const char *cond, struct strbuf *why)
{
	struct strbuf full = STRBUF_INIT;
	if (!s->program) {
		strbuf_addstr(why, "no guest program to limit the breakpoint to");
		return -1;
	}
	int n = session_layout_cond(&s->layout, s->program, syscall_nr, cond, &full, why);
	if (n == 0)
		n = insert_break(s, hardware, full.buf, location, why);
	strbuf_release(&full);
	return n;
}

int session_break_any(struct session *s, int hardware, const char *location)
{
	struct strbuf why = STRBUF_INIT;
	int n = insert_break(s, hardware, NULL, location, &why);
	if (n < 0)
		error("cannot set a breakpoint at '%s': %s", location, why.buf);
	strbuf_release(&why);
	return n;
}

int session_delete(struct session *s, int bkpt)
{
	if (bkpt < 0)
		return session_console(s, "delete");
	return gdb_run(&s->gdb, NULL, "-break-delete %d", bkpt);
}

int session_enable(struct session *s, const int *bkpts, size_t n, int enable)
{
	struct strbuf list = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		if (bkpts[i] >= 0)
			strbuf_addf(&list, " %d", bkpts[i]);
	int r = list.len ? gdb_run(&s->gdb, NULL, "-break-%s%s", enable ? "enable" : "disable",
				   list.buf) : 0;
	strbuf_release(&list);
	return r;
}

int session_hit_counts(struct session *s, const int *bkpts, size_t n, int *times)
{
	return gdb_hit_counts(&s->gdb, bkpts, n, times);
}

int session_finish(struct session *s, size_t frame, struct session_stop *st)
{
	uint64_t pc, now;
	if (gdb_eval_u64(&s->gdb, "$pc", &pc) < 0)
		return -1;
	/* gdb steps off the breakpoint under the pc first; when QEMU reports that step
	 * without executing it (now and then), the same breakpoint is hit again at once
	 * and the finish ends there, with no return value: finish again. */
	for (int tries = 0; tries < 5; tries++) {
		if (frame && gdb_run(&s->gdb, NULL, "-stack-select-frame %zu", frame) < 0)
			return -1;
		if (gdb_run(&s->gdb, NULL, "-exec-finish") < 0 || session_wait_stop(s, 0, st) < 0)
			return -1;
		if (st->retval || !st->reason || strcmp(st->reason, "breakpoint-hit") ||
		    gdb_eval_u64(&s->gdb, "$pc", &now) < 0 || now != pc)
			return 0;
		gdb_note(&s->gdb, "the finish stopped where it began; finishing again");
	}
	return 0;
}

char *session_eval(struct session *s, const char *expr, struct strbuf *why)
{
	return gdb_eval(&s->gdb, expr, why);
}

int session_read_memory(struct session *s, uint64_t addr, size_t len, unsigned char *buf)
{
	return gdb_read_memory(&s->gdb, addr, len, buf);
}

int session_registers(struct session *s, const char *const *names, size_t n, uint64_t *values)
{
	return gdb_registers_u64(&s->gdb, names, n, values);
}

void session_insns_free(struct session_insn *insns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(insns[i].func);
		free(insns[i].text);
	}
	free(insns);
}

int session_disassemble(struct session *s, uint64_t addr, size_t len, struct session_insn **out,
			size_t *n)
{
	struct mi_record *r = NULL;
	if (gdb_run(&s->gdb, &r, "-data-disassemble -s 0x%llx -e 0x%llx -- 0",
		    (unsigned long long)addr, (unsigned long long)(addr + len)) < 0)
		return -1;
	const struct mi_value *insns = mi_record_find_path(r, "asm_insns");
	size_t nr = insns ? insns->nr : 0;
	*out = xcalloc(nr ? nr : 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < nr; i++) {
		const char *a = mi_value_find_str(&insns->items[i], "address");
		const char *inst = mi_value_find_str(&insns->items[i], "inst");
		const char *fn = mi_value_find_str(&insns->items[i], "func-name");
		const char *off = mi_value_find_str(&insns->items[i], "offset");
		if (!a || !inst)
			continue;
		struct session_insn *in = &(*out)[(*n)++];
		in->addr = strtoull(a, NULL, 0);
		in->text = xstrdup(inst);
		in->func = fn ? xstrdup(fn) : NULL;
		in->offset = off ? atoi(off) : 0;
	}
	mi_record_free(r);
	return 0;
}

int session_console(struct session *s, const char *fmt, ...)
{
	struct strbuf cmd = STRBUF_INIT, q = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	quote_c(&q, cmd.buf);
	int r = gdb_run(&s->gdb, NULL, "-interpreter-exec console %s", q.buf);
	strbuf_release(&cmd);
	strbuf_release(&q);
	return r;
}

int session_console_capture(struct session *s, const char *line, struct strbuf *out)
{
	struct strbuf q = STRBUF_INIT;
	quote_c(&q, line);
	struct mi_record *r = gdb_command(&s->gdb, 60000, "-interpreter-exec console %s", q.buf);
	strbuf_release(&q);
	strbuf_add(out, s->gdb.stream.buf, s->gdb.stream.len);
	if (r && r->result == MI_RESULT_ERROR) {
		const char *msg = mi_record_find_str(r, "msg");
		strbuf_addf(out, "%s\n", msg ? msg : "error");
	}
	int rc = r ? 0 : -1;
	mi_record_free(r);
	return rc;
}

/* set $name = "value" in gdb. */
static int set_string(struct session *s, const char *name, const char *value)
{
	struct strbuf q = STRBUF_INIT;
	quote_c(&q, value);
	int r = session_console(s, "set $%s = %s", name, q.buf);
	strbuf_release(&q);
	return r;
}

int session_load_helpers(struct session *s, const char *helpers, const char *syscalls_path)
{
	struct strbuf q = STRBUF_INIT, why = STRBUF_INIT;
	char *abs = gdb_path(helpers), *table = syscalls_path ? gdb_path(syscalls_path) : NULL;
	int r = -1;
	if (quote_gdb_rest(&q, abs, &why) < 0) {
		error("cannot source kdive's gdb helpers: %s", why.buf);
		goto out;
	}
	/* The layout as kdive computed it: kdive.py uses these rather than its own. */
	if (set_string(s, "kd_prog", s->program ? s->program : "") < 0 ||
	    set_string(s, "kd_console", s->qemu.console_log) < 0 ||
	    set_string(s, "kd_syscalls", table ? table : "") < 0 ||
	    set_string(s, "kd_current", s->layout.current) < 0 ||
	    session_console(s, "set $kd_stack_top = %llu",
			    (unsigned long long)s->layout.stack_top) < 0 ||
	    session_console(s, "set $kd_slide = 0x%llx", (unsigned long long)s->slide) < 0)
		goto out;
	r = session_console(s, "source %s", q.buf);
out:
	free(abs);
	free(table);
	strbuf_release(&q);
	strbuf_release(&why);
	return r;
}

void session_handover(struct session *s, struct qemu *q, char **rundir)
{
	gdb_abandon(&s->gdb);
	*q = s->qemu;
	/* The session keeps nothing to stop or free. */
	memset(&s->qemu, 0, sizeof(s->qemu));
	proc_init(&s->qemu.proc);
	s->qemu.go_fd = s->qemu.mon_fd = -1;
	strvec_init(&s->qemu.argv);
	*rundir = s->rundir;
	s->rundir = NULL;
}
