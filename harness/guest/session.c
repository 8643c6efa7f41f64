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



/* A gdb CLI command that takes a file: cmd FILE, the file one argument. 0 or -1 reported. */
int session_console_file(struct session *s, const char *cmd, const char *file)
{
	struct strbuf why = STRBUF_INIT;
	char *mi = gdb_console_file_command(cmd, file, &why);
	int r = mi ? gdb_run(&s->gdb, NULL, "%s", mi) : error("gdb cannot be given the file: %s",
								 why.buf);
	free(mi);
	strbuf_release(&why);
	return r;
}

void session_phase(struct session *s, const char *fmt, ...)
{
	int64_t t = now_ms();
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	if (!diag_enabled(DIAG_DEBUG) && !s->gdb.transcript)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	debug("%5lld ms (+%lld): %s", (long long)(t - s->t0), (long long)(t - s->phase_ms), sb.buf);
	gdb_note(&s->gdb, "%lld ms: %s", (long long)(t - s->t0), sb.buf);
	s->phase_ms = t;
	strbuf_release(&sb);
}

void session_console_tail(struct session *s, struct strbuf *out)
{
	if (!s->qemu.console_log) /* the guest never started */
		return;
	strbuf_addf(out, "last lines of the guest console (%s):\n", s->qemu.console_log);
	qemu_console_tail(&s->qemu, out, 12);
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

/* A stop after a finish with its own breakpoint: a stop there is the finish's end. */
static void finish_guard_end(struct session *s, struct session_stop *st)
{
	int n = s->finish_bp;
	if (!n)
		return;
	s->finish_bp = 0;
	if (st && st->bkpt == n && st->reason && !strcmp(st->reason, "breakpoint-hit")) {
		free(st->reason);
		st->reason = xstrdup("function-finished");
		st->bkpt = -1;
	}
	if (gdb_run(&s->gdb, NULL, "-break-delete %d", n) < 0)
		gdb_note(&s->gdb, "the finish's breakpoint %d stays", n);
}

/* Wait for the *stopped of a command that set the guest running. */
int session_wait_stop(struct session *s, int64_t deadline, struct session_stop *st)
{
	if (!deadline || deadline > s->deadline)
		deadline = s->deadline;
	struct mi_record *r = gdb_wait_async(&s->gdb, "stopped", deadline);
	if (!r)
		return -1;
	s->frame = 0; /* a stop selects frame 0 */
	take_stop(r, st);
	mi_record_free(r);
	finish_guard_end(s, st);
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
		s->frame = 0; /* a stop selects frame 0 */
		take_stop(r, st);
		mi_record_free(r);
		finish_guard_end(s, st);
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
	int64_t t = now_ms();
	if (ok && s->spare)
		session_park_gdb(s);
	session_layout_release(&s->layout);
	session_prog_release(s);
	warm_release(&s->warm);
	gdb_release(&s->gdb);
	qemu_release(&s->qemu);
	if (s->rundir)
		debug("%5lld ms (+%lld): gdb and QEMU stopped in %lld ms", (long long)(now_ms() - s->t0),
		      (long long)(now_ms() - s->phase_ms), (long long)(now_ms() - t));
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

int session_finish_guard(struct session *s, size_t frame, char **type)
{
	struct mi_record *r = NULL;
	struct strbuf why = STRBUF_INIT;
	uint64_t pc, ret, sp;
	char *cond = NULL, *at = NULL, *fn = NULL;
	int rc = -1;
	s->finish_bp = 0;
	if (type) {
		*type = NULL;
		if (gdb_run(&s->gdb, &r, "-stack-info-frame") < 0)
			goto out;
		const char *func = mi_record_find_str(r, "frame.func");
		if (func && (fn = gdb_eval(&s->gdb, func, NULL)))
			*type = gdb_return_type(fn);
	}
	if (gdb_eval_u64(&s->gdb, "$pc", &pc) < 0 ||
	    gdb_run(&s->gdb, NULL, "-stack-select-frame %zu", frame + 1) < 0 ||
	    gdb_eval_u64(&s->gdb, "$pc", &ret) < 0 || gdb_eval_u64(&s->gdb, "$sp", &sp) < 0 ||
	    gdb_run(&s->gdb, NULL, "-stack-select-frame %zu", frame) < 0)
		goto out;
	rc = 0;
	if (ret == pc)
		goto out;
	/* After the ret, $rsp is the caller's $sp: the frame's own return, not a deeper
	 * call's (recursion) or another task's. */
	cond = xstrfmt("$rsp == 0x%llx", (unsigned long long)sp);
	at = xstrfmt("*0x%llx", (unsigned long long)ret);
	int n = insert_break(s, 0, cond, at, &why);
	if (n < 0)
		rc = error("cannot set a breakpoint where the function returns (%s): %s", at,
			   why.buf);
	else
		s->finish_bp = n;
out:
	mi_record_free(r);
	free(fn);
	free(cond);
	free(at);
	strbuf_release(&why);
	return rc;
}

int session_finish(struct session *s, size_t frame, struct session_stop *st)
{
	uint64_t pc, now;
	char *type = NULL;
	int r = -1;
	if (gdb_eval_u64(&s->gdb, "$pc", &pc) < 0)
		return -1;
	if (frame && session_select_frame(s, frame, NULL) < 0)
		return -1;
	/* A stop where the finish began is QEMU reporting the step off the breakpoint
	 * under the pc without executing it (now and then): the same breakpoint is hit
	 * again at once. Go on. */
	for (int tries = 0; tries < 5; tries++) {
		if (frame && gdb_run(&s->gdb, NULL, "-stack-select-frame %zu", frame) < 0)
			goto out;
		/* The guard again on every try (a stop takes it away); the type once. */
		if (session_finish_guard(s, frame, tries ? NULL : &type) < 0)
			goto out;
		s->frame = 0; /* once it stops */
		if (gdb_run(&s->gdb, NULL, s->finish_bp ? "-exec-continue" : "-exec-finish") < 0 ||
		    session_wait_stop(s, 0, st) < 0)
			goto out;
		if (st->reason && !strcmp(st->reason, "function-finished") && !st->retval && type) {
			/* The guard's stop: the value as gdb's finish reads it, from as
			 * much of rax as the type's size (a bool is al: the rest of rax is
			 * whatever was there). */
			char *cast = xstrfmt("(%s)(sizeof(%s) == 1 ? $al : sizeof(%s) == 2 ? $ax : "
					     "sizeof(%s) == 4 ? $eax : $rax)",
					     type, type, type, type);
			st->retval = gdb_eval(&s->gdb, cast, NULL);
			free(cast);
		}
		if (st->retval || !st->reason || strcmp(st->reason, "breakpoint-hit") ||
		    gdb_eval_u64(&s->gdb, "$pc", &now) < 0 || now != pc)
			break;
		gdb_note(&s->gdb, "the finish stopped where it began; finishing again");
	}
	r = 0;
out:
	free(type);
	return r;
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
	struct strbuf cmd = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	char *mi = gdb_console_command(cmd.buf);
	int r = gdb_run(&s->gdb, NULL, "%s", mi);
	free(mi);
	strbuf_release(&cmd);
	return r;
}

int session_console_capture(struct session *s, const char *line, struct strbuf *out)
{
	char *mi = gdb_console_command(line);
	struct mi_record *r = gdb_command(&s->gdb, 60000, "%s", mi);
	free(mi);
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
