/*
 * session: boot + attach, the guest's gdb behind primitives, the kernel's layout,
 * MSR reads by rdmsr injection, KASLR relocation, hand-over, run to the end.
 * Depends on gdb, qemu, elf, obs.
 */
#define _GNU_SOURCE
#include "session.h"
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
	if ((v = mi_record_find_str(r, "frame.func")))
		st->func = xstrdup(v);
	if ((v = mi_record_find_str(r, "return-value")))
		st->retval = xstrdup(v);
}

static int session_attach(struct session *s);

static int session_relocate(struct session *s, uint64_t slide);

/* A gdb CLI command that takes a file: cmd FILE, the file one argument. 0 or -1 reported. */
static int console_file(struct session *s, const char *cmd, const char *file)
{
	struct strbuf q = STRBUF_INIT, why = STRBUF_INIT;
	int r = quote_gdb_arg(&q, file, &why);
	if (r < 0)
		error("gdb cannot be given the file: %s", why.buf);
	else
		r = session_console(s, "%s %s", cmd, q.buf);
	strbuf_release(&q);
	strbuf_release(&why);
	return r;
}

void session_console_tail(struct session *s, struct strbuf *out)
{
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

int session_start(struct session *s, const struct session_opts *o)
{
	memset(s, 0, sizeof(*s));
	/* Valid "not started" children, so that session_end() works after any failure. */
	proc_init(&s->qemu.proc);
	proc_init(&s->gdb.proc);
	s->qemu.go_fd = s->qemu.mon_fd = -1;
	s->t0 = now_ms();
	s->deadline = s->t0 + 1000LL * (o->timeout_s > 0 ? o->timeout_s : default_timeout_s());
	s->keep = o->keep;
	s->vmlinux = o->vmlinux;
	s->program = o->program;
	s->program_status = -1;
	s->slot = -1;
	s->kaslr = o->kaslr;
	if (session_layout_read(&s->layout, o->vmlinux) < 0)
		return -1;
	s->rundir = qemu_make_rundir();
	if (!s->rundir)
		return -1;
	if (!s->keep)
		proc_remove_at_death(s->rundir); /* a run cut short by a signal leaves nothing */
	struct strbuf args = STRBUF_INIT;
	for (size_t i = 0; !o->go && o->args && i < o->args->nr; i++)
		strbuf_addf(&args, "%s%s", i ? "," : "", o->args->v[i]);
	s->args = o->args;
	s->qo.bzimage = o->bzimage;
	s->qo.initrd = o->initrd;
	s->qo.rundir = s->rundir;
	s->qo.program = o->program;
	s->qo.args = args.buf; /* (only without go: read by qemu_prepare right away) */
	s->qo.kaslr = o->kaslr;
	s->qo.stopped = !o->go;
	s->qo.go = o->go;
	s->qo.gdb_port = o->gdb_port;
	s->qo.cpus = o->cpus;
	s->qo.append = o->append;
	int r = start_guest(s, o->go ? o->snapshots : NULL);
	strbuf_release(&args);
	s->qo.args = NULL;
	if (r < 0)
		return -1;
	char *transcript = xstrfmt("%s/gdb.mi", s->rundir);
	r = gdb_start(&s->gdb, o->vmlinux, transcript, s->rundir);
	free(transcript);
	if (r < 0)
		return -1;
	/* A QEMU that fails to restore is no failure of gdb's: finish_restore() boots
	 * instead, and watches QEMU from then on. */
	s->gdb.peer = s->restoring ? NULL : &s->qemu.proc;
	s->gdb.peer_name = "QEMU";

	/* With go, the guest boots untouched by gdb: session_enter_program() attaches
	 * when init is ready. */
	return o->go ? 0 : session_attach(s);
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
static int wait_stop(struct session *s, int64_t deadline, struct session_stop *st)
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
	if (gdb_run(&s->gdb, NULL, "-exec-continue") < 0)
		return -1;
	/* gdb reports a failed QEMU, gdb's death or the time-out; a guest that powered
	 * off is for the caller to judge. When QEMU closes the connection first, gdb says
	 * so as a stop ("exited-normally"): the guest ended just the same. */
	struct session_stop mine = { .bkpt = -1 };
	if (!st)
		st = &mine;
	int r = wait_stop(s, deadline, st);
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
	if (session_guest_off(s)) {
		session_stop_release(st);
		st->reason = xstrdup("exited-normally");
		s->target_gone = 1;
		return 1;
	}
	return s->gdb.dead || !qemu_alive(&s->qemu) ? error("gdb or QEMU is gone") : 0;
}

int session_interrupt(struct session *s)
{
	if (!s->gdb.proc.pid || kill(s->gdb.proc.pid, SIGINT) < 0)
		return error_errno("cannot interrupt gdb");
	return 0;
}

static int step_instruction(struct session *s, int64_t deadline)
{
	if (gdb_run(&s->gdb, NULL, "-exec-step-instruction") < 0)
		return -1;
	return wait_stop(s, deadline, NULL);
}

/* Set a register or memory through an expression; 0 or -1 reported. */
static int assign(struct session *s, const char *lhs, uint64_t value)
{
	struct strbuf why = STRBUF_INIT;
	char *expr = xstrfmt("%s = 0x%llx", lhs, (unsigned long long)value);
	char *v = gdb_eval(&s->gdb, expr, &why);
	int r = v ? 0 : error("gdb cannot set '%s': %s", expr, why.buf);
	free(v);
	free(expr);
	strbuf_release(&why);
	return r;
}

/* The registers the injection touches, in the order they are restored. */
static const char *const touched[] = { "rax", "rcx", "rdx", "eflags" };

int session_read_msr(struct session *s, uint32_t msr, uint64_t *value)
{
	uint64_t pc, saved[ARRAY_SIZE(touched)], code, now_pc, eax, edx, check;
	int cpl = session_cpl(s);
	int r = -1, patched = 0;
	if (cpl < 0)
		return -1;
	if (cpl != 0)
		return error("cannot read MSR 0x%x: the CPU is in user mode (CPL %d), rdmsr needs "
			     "CPL 0", msr, cpl);
	if (gdb_eval_u64(&s->gdb, "$pc", &pc) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(touched); i++)
		if (gdb_register_u64(&s->gdb, touched[i], &saved[i]) < 0)
			return -1;
	char *at = xstrfmt("*(unsigned short *)0x%llx", (unsigned long long)pc);
	if (gdb_eval_u64(&s->gdb, at, &code) < 0)
		goto out;
	/* rdmsr is 0f 32: little-endian 0x320f. QEMU's stub writes guest physical
	 * memory, so read-only kernel text takes it. */
	if (assign(s, at, 0x320f) < 0)
		goto out;
	patched = 1;
	if (assign(s, "$rcx", msr) < 0)
		goto out;
	/* gdb steps over a breakpoint at the pc by itself, and QEMU masks interrupts and
	 * timers during a single step (its default sstep flags), so exactly the injected
	 * instruction runs. */
	/* Now and then (about 1 in 200) QEMU reports a single step without executing
	 * anything: nothing changed, so stepping again is safe. */
	for (int tries = 0; tries < 5; tries++) {
		if (step_instruction(s, now_ms() + 10000) < 0)
			goto out;
		if (gdb_eval_u64(&s->gdb, "$pc", &now_pc) < 0)
			goto out;
		if (now_pc != pc)
			break;
		gdb_note(&s->gdb, "the step did not execute; stepping again");
	}
	if (gdb_eval_u64(&s->gdb, "$rax", &eax) < 0 || gdb_eval_u64(&s->gdb, "$rdx", &edx) < 0)
		goto out;
	if (now_pc != pc + 2) {
		error("rdmsr 0x%x did not execute as one instruction: pc 0x%llx after the step, "
		      "expected 0x%llx (a fault or an interrupt intervened)", msr,
		      (unsigned long long)now_pc, (unsigned long long)pc + 2);
		goto out;
	}
	*value = (edx & 0xffffffffULL) << 32 | (eax & 0xffffffffULL);
	r = 0;
out:
	/* Restore everything, whatever happened, and check it. */
	if (patched && assign(s, at, code) < 0)
		r = -1;
	if (assign(s, "$pc", pc) < 0)
		r = -1;
	for (size_t i = 0; i < ARRAY_SIZE(touched); i++) {
		char *reg = xstrfmt("$%s", touched[i]);
		if (assign(s, reg, saved[i]) < 0)
			r = -1;
		free(reg);
	}
	if (patched && (gdb_eval_u64(&s->gdb, at, &check) < 0 || check != code))
		r = error("the code at 0x%llx was not restored", (unsigned long long)pc);
	for (size_t i = 0; i < ARRAY_SIZE(touched); i++) {
		if (gdb_register_u64(&s->gdb, touched[i], &check) < 0 || check != saved[i])
			r = error("%s was not restored (0x%llx, saved 0x%llx)", touched[i],
				  (unsigned long long)check, (unsigned long long)saved[i]);
	}
	if (gdb_eval_u64(&s->gdb, "$pc", &check) < 0 || check != pc)
		r = error("$pc was not restored");
	free(at);
	return r;
}

#define KASLR_ALIGN 0x200000ull /* the kernel is placed at 2 MiB granularity */

/*
 * Stop at the program's main under KASLR, before any kernel symbol can be trusted: a
 * hardware breakpoint at main (user space is not moved), taken only when the code
 * there is the program's own (busybox, also static, runs at the same addresses).
 */
static int stop_at_main_unrelocated(struct session *s, const char *prog, int go,
				    struct strbuf *why)
{
	struct elf e;
	uint64_t main_addr, main_size;
	/* Static -O0 programs open main alike (push rbp; mov rsp,rbp; sub ...): compare the
	 * whole function (its calls' offsets differ), up to the size of want. */
	unsigned char want[256], got[sizeof(want)];
	if (elf_open_quiet(&e, prog, why) < 0)
		return -1;
	int found = elf_symbol_size(&e, "main", &main_addr, &main_size) && main_size;
	size_t len = found && main_size < sizeof(want) ? (size_t)main_size : sizeof(want);
	found = found && elf_read_vaddr(&e, main_addr, want, len) == 0;
	elf_close(&e);
	if (!found) {
		strbuf_addf(why, "'%s' has no main to stop at", prog);
		return -1;
	}
	char *loc = xstrfmt("*0x%llx", (unsigned long long)main_addr);
	int bp = session_break_any(s, 1, loc);
	free(loc);
	if (bp < 0)
		return -1;
	for (int hits = 0; hits < 200; hits++) {
		int cont = gdb_run(&s->gdb, NULL, "-exec-continue");
		if (!cont && go && hits == 0 && qemu_go(&s->qemu, s->program, s->args) < 0)
			cont = -1;
		if (cont < 0 || wait_stop(s, 0, NULL) < 0)
			break;
		if (gdb_read_memory(&s->gdb, main_addr, len, got) < 0)
			break;
		if (!memcmp(got, want, len) && session_cpl(s) == 3)
			return session_delete(s, bp);
		debug("stop at main's address 0x%llx is another program's code",
		      (unsigned long long)main_addr);
	}
	strbuf_addstr(why, "the guest program never reached main");
	return -1;
}

/* The user registers a syscall changes, and where the injection saves them. */
static const char *const syscall_regs[] = { "rip", "rax", "rcx", "r11", "eflags" };
#define NSYSCALL_REGS ARRAY_SIZE(syscall_regs)
#define SYS_GETPID 39 /* x86-64's number since 2.6: harmless, changes nothing */

/*
 * The slide, at a user-mode stop of the program: write a syscall instruction (0f 05)
 * at the pc with rax = getpid and single-step it. The CPU lands where MSR_LSTAR
 * points, in kernel mode and not halted, where rdmsr reads LSTAR itself; slide =
 * LSTAR - &entry_SYSCALL_64. The code is put back at once, the symbols relocated,
 * getpid runs to its end, and a breakpoint after the instruction (this task only,
 * now that the symbols are right) takes the program back, where every register is
 * restored and checked.
 */
static int find_slide(struct session *s, const char *prog, struct strbuf *why)
{
	uint64_t saved[NSYSCALL_REGS], check[NSYSCALL_REGS], pc, code, lstar, entry, cur;
	struct elf e;
	int r = -1, patched = 0;
	if (gdb_registers_u64(&s->gdb, syscall_regs, NSYSCALL_REGS, saved) < 0)
		return -1;
	pc = saved[0];
	char *at = xstrfmt("*(unsigned short *)0x%llx", (unsigned long long)pc);
	if (gdb_eval_u64(&s->gdb, at, &code) < 0 || assign(s, at, 0x050f) < 0)
		goto out;
	patched = 1;
	if (assign(s, "$rax", SYS_GETPID) < 0)
		goto out;
	/* QEMU now and then reports a step that executed nothing: step again then. */
	for (int tries = 0; tries < 5; tries++) {
		if (step_instruction(s, 0) < 0 || gdb_eval_u64(&s->gdb, "$pc", &cur) < 0)
			goto out;
		if (cur != pc)
			break;
		gdb_note(&s->gdb, "the step did not execute; stepping again");
	}
	if (assign(s, at, code) < 0)
		goto out;
	patched = 0;
	if (session_cpl(s) != 0) {
		strbuf_addf(why, "the injected syscall did not enter the kernel (pc 0x%llx)",
			    (unsigned long long)cur);
		goto out;
	}
	if (session_read_msr(s, SESSION_MSR_LSTAR, &lstar) < 0)
		goto out;
	if (cur != lstar) {
		strbuf_addf(why, "the syscall entered at 0x%llx, but MSR_LSTAR is 0x%llx",
			    (unsigned long long)cur, (unsigned long long)lstar);
		goto out;
	}
	if (elf_open_quiet(&e, s->vmlinux, why) < 0)
		goto out;
	int found = elf_symbol(&e, "entry_SYSCALL_64", &entry);
	elf_close(&e);
	if (!found) {
		strbuf_addf(why, "'%s' has no entry_SYSCALL_64: not an x86-64 vmlinux?", s->vmlinux);
		goto out;
	}
	if ((lstar - entry) % KASLR_ALIGN) {
		strbuf_addf(why, "LSTAR 0x%llx - &entry_SYSCALL_64 0x%llx is not a 2 MiB slide",
			    (unsigned long long)lstar, (unsigned long long)entry);
		goto out;
	}
	s->lstar = lstar;
	/* symbol-file -o drops the program's symbols: add them again. */
	if (session_relocate(s, lstar - entry) < 0 || console_file(s, "add-symbol-file", prog) < 0)
		goto out;
	/* Back to user space, in this task. */
	char *ret = xstrfmt("*0x%llx", (unsigned long long)pc + 2);
	struct strbuf bwhy = STRBUF_INIT;
	int bp = session_break(s, 1, ret, -1, NULL, &bwhy);
	free(ret);
	if (bp < 0) {
		strbuf_addf(why, "cannot stop after the injected syscall: %s", bwhy.buf);
		strbuf_release(&bwhy);
		goto out;
	}
	strbuf_release(&bwhy);
	if (session_continue(s, 0, NULL) != 0 || session_delete(s, bp) < 0 ||
	    gdb_eval_u64(&s->gdb, "$pc", &cur) < 0 || cur != pc + 2) {
		strbuf_addstr(why, "the program did not come back from the injected syscall");
		goto out;
	}
	r = 0;
out:
	if (patched && assign(s, at, code) < 0)
		r = -1;
	free(at);
	if (r < 0)
		return -1;
	/* Every register as it was, checked. */
	for (size_t i = 0; i < NSYSCALL_REGS; i++) {
		char *reg = xstrfmt("$%s", syscall_regs[i]);
		if (assign(s, reg, saved[i]) < 0)
			r = -1;
		free(reg);
	}
	if (gdb_registers_u64(&s->gdb, syscall_regs, NSYSCALL_REGS, check) < 0)
		return -1;
	for (size_t i = 0; i < NSYSCALL_REGS; i++)
		if (check[i] != saved[i])
			r = error("%s was not restored after the KASLR probe (0x%llx, saved 0x%llx)",
				  syscall_regs[i], (unsigned long long)check[i],
				  (unsigned long long)saved[i]);
	return r;
}

static int session_relocate(struct session *s, uint64_t slide)
{
	/* symbol-file -o replaces every symbol file; gdb keeps its breakpoints but they
	 * are re-resolved against the new addresses. */
	char *cmd = xstrfmt("symbol-file -o 0x%llx", (unsigned long long)slide);
	int r = console_file(s, cmd, s->vmlinux);
	free(cmd);
	if (!r) {
		s->slide = slide;
		session_layout_relocate(&s->layout, slide);
	}
	return r;
}

int session_run_to_exit(struct session *s)
{
	/* Unless gdb already saw the target go, let the guest run on to its end. */
	if (!s->target_gone && (session_delete(s, -1) < 0 ||
				gdb_run(&s->gdb, NULL, "-exec-continue") < 0))
		return -1;
	int r = qemu_wait(&s->qemu, s->deadline);
	if (r == 1)
		return error("the guest did not power off in time");
	if (r < 0 || !s->program)
		return r;
	/* init says "kdive: /progs/NAME exited with status N" (initramfs/init). */
	struct strbuf con = STRBUF_INIT;
	char *marker = xstrfmt("kdive: /progs/%s exited with status ", s->program);
	const char *at = NULL;
	if (strbuf_read_file(&con, s->qemu.console_log) == 0)
		at = strstr(con.buf, marker);
	if (at)
		s->program_status = atoi(at + strlen(marker));
	else if (session_rundir_full(s))
		r = error("the guest powered off, but its console log is incomplete: no space "
			  "left in the run directory '%s'", s->rundir);
	else
		r = error("the guest powered off, but its console never says that '%s' ran",
			  s->program);
	free(marker);
	strbuf_release(&con);
	return r;
}

void session_end(struct session *s, int ok)
{
	session_layout_release(&s->layout);
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

/* ---- at a stop ---- */

/* Check struct pt_regs against gdb's view of the type, once per session. */
static int check_ptregs(struct session *s)
{
	uint64_t layout;
	if (s->layout_checked)
		return 0;
	if (gdb_eval_u64(&s->gdb, "sizeof(struct pt_regs) * 1000 + "
				  "(unsigned long)&((struct pt_regs *)0)->orig_ax", &layout) < 0)
		return -1;
	if (layout != SESSION_PTREGS_SIZE * 1000 + 8 * SESSION_PT_ORIG_AX)
		return error("this kernel's struct pt_regs is not x86-64's (size*1000+offsetof "
			     "orig_ax = %llu)", (unsigned long long)layout);
	s->layout_checked = 1;
	return 0;
}

/*
 * The running task's user registers as entry saved them, read as one block of memory:
 * a cast to struct pt_regs costs gdb ~13 ms per expression, a memory read well under one.
 */
int session_ptregs(struct session *s, uint64_t regs[SESSION_PT_NSLOTS])
{
	unsigned char buf[SESSION_PTREGS_SIZE];
	uint64_t stack;
	if (check_ptregs(s) < 0)
		return -1;
	char *expr = xstrfmt("%s->stack", s->layout.current);
	int r = gdb_eval_u64(&s->gdb, expr, &stack);
	free(expr);
	uint64_t at = stack + s->layout.stack_top - SESSION_PTREGS_SIZE;
	if (r < 0 || gdb_read_memory(&s->gdb, at, SESSION_PTREGS_SIZE, buf) < 0)
		return -1;
	for (size_t i = 0; i < SESSION_PT_NSLOTS; i++)
		memcpy(&regs[i], buf + 8 * i, 8); /* x86-64 is little-endian, like us */
	return 0;
}

/* Parse a frame list (-stack-list-frames) into obs frames, cut after the entry code. */
static void take_frames(const struct mi_record *r, struct obs_frame **out, size_t *n)
{
	const struct mi_value *stack = mi_record_find_path(r, "stack");
	size_t nr = stack ? stack->nr : 0;
	*out = xcalloc(nr ? nr : 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < nr; i++) {
		const struct mi_value *f = &stack->items[i];
		const char *func = mi_value_find_str(f, "func");
		const char *file = mi_value_find_str(f, "fullname");
		const char *line = mi_value_find_str(f, "line");
		const char *addr = mi_value_find_str(f, "addr");
		struct obs_frame *o = &(*out)[(*n)++];
		o->func = xstrdup(func ? func : "??");
		if (!file)
			file = mi_value_find_str(f, "file");
		o->file = file ? xstrdup(file) : NULL;
		o->line = line ? atoi(line) : 0;
		o->addr = addr ? strtoull(addr, NULL, 0) : 0;
		/* entry_64.S has no CFI: what gdb unwinds past the entry code is garbage. */
		if (func && (!strncmp(func, "entry_SYSCALL_64", 16) || !strcmp(func, "ret_from_fork") ||
			     !strncmp(func, "asm_", 4)))
			break;
	}
	/* An inlined frame shares its pc with its caller: a real call's caller is at a
	 * return address, never at the callee's pc. */
	for (size_t i = 0; i + 1 < *n; i++)
		(*out)[i].inlined = (*out)[i].addr == (*out)[i + 1].addr;
}

int session_frames(struct session *s, struct obs_frame **out, size_t *n)
{
	struct mi_record *r = NULL;
	if (gdb_run(&s->gdb, &r, "-stack-list-frames 0 63") < 0)
		return -1;
	take_frames(r, out, n);
	mi_record_free(r);
	return 0;
}

/* The registers a user-space unwind needs, and their pt_regs fields. */
static const char *const unwind_regs[] = { "rip", "rsp", "rbp", "rbx", "r12", "r13", "r14", "r15" };
static const char *const unwind_fields[] = { "ip", "sp", "bp", "bx", "r12", "r13", "r14", "r15" };
#define NUNWIND ARRAY_SIZE(unwind_regs)

/*
 * The user-space stack of the current syscall: load the user registers that entry
 * saved in pt_regs into the CPU's, let gdb unwind with the program's symbols, put
 * every register back and check it. (gdb refuses to unwind from a kernel sp to a
 * lower user sp, so a frame unwinder cannot do this.)
 */
/* Set every unwind register at once: "$rip = 0x…, $rsp = 0x…, …" (C's comma operator). */
static int assign_unwind_regs(struct session *s, const uint64_t *values)
{
	struct strbuf expr = STRBUF_INIT, why = STRBUF_INIT;
	for (size_t i = 0; i < NUNWIND; i++)
		strbuf_addf(&expr, "%s$%s = 0x%llx", i ? ", " : "", unwind_regs[i],
			    (unsigned long long)values[i]);
	char *v = gdb_eval(&s->gdb, expr.buf, &why);
	int r = v ? 0 : error("gdb cannot set the registers (%s): %s", expr.buf, why.buf);
	free(v);
	strbuf_release(&expr);
	strbuf_release(&why);
	return r;
}

int session_user_frames(struct session *s, const uint64_t regs[SESSION_PT_NSLOTS],
			struct obs_frame **out, size_t *n)
{
	uint64_t saved[NUNWIND], user[NUNWIND], check[NUNWIND];
	if (gdb_registers_u64(&s->gdb, unwind_regs, NUNWIND, saved) < 0)
		return -1;
	for (size_t i = 0; i < NUNWIND; i++)
		user[i] = regs[session_ptreg_find(unwind_fields[i])];
	int r = assign_unwind_regs(s, user);
	if (!r)
		r = session_frames(s, out, n);
	/* Put everything back whatever happened, and check it. */
	if (assign_unwind_regs(s, saved) < 0 ||
	    gdb_registers_u64(&s->gdb, unwind_regs, NUNWIND, check) < 0)
		return -1;
	for (size_t i = 0; i < NUNWIND; i++)
		if (check[i] != saved[i])
			r = error("register %s was not restored after the user-space unwind "
				  "(0x%llx, saved 0x%llx)", unwind_regs[i], (unsigned long long)check[i],
				  (unsigned long long)saved[i]);
	return r;
}

int session_lstar(struct session *s, uint64_t *value, char **symbol)
{
	struct elf e;
	const char *sym;
	uint64_t off;
	if (session_read_msr(s, SESSION_MSR_LSTAR, value) < 0 || elf_open(&e, s->vmlinux) < 0)
		return -1;
	if (elf_symbol_at(&e, *value - s->slide, &sym, &off))
		*symbol = off ? xstrfmt("%s+0x%llx", sym, (unsigned long long)off) : xstrdup(sym);
	else
		*symbol = xstrfmt("0x%llx", (unsigned long long)*value);
	elf_close(&e);
	return 0;
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

int session_enter_program(struct session *s, const char *progs_dir, const char *program,
			  struct strbuf *why)
{
	char *prog = xstrfmt("%s/%s", progs_dir, program);
	int r = -1;
	if (access(prog, R_OK) < 0) {
		strbuf_addf(why, "guest program '%s' does not exist (initramfs/progs/%s.c?)", prog,
			    program);
		goto out;
	}
	/* The program is static and not relocated: its own addresses hold in the guest. */
	s->program = program;
	if (console_file(s, "add-symbol-file", prog) < 0 || check_ptregs(s) < 0) {
		strbuf_addstr(why, "gdb could not load the guest program's symbols");
		goto out;
	}
	if (s->qemu.go_fd >= 0) {
		/* The boot ran untouched (or the guest was restored where init waits); attach
		 * now that init waits for its program. */
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
	}
	if (s->kaslr) {
		/* Kernel symbols are wrong until the slide is known: main first. */
		r = stop_at_main_unrelocated(s, prog, s->qemu.go_fd >= 0, why);
		if (!r)
			r = find_slide(s, prog, why);
		if (!r)
			gdb_note(&s->gdb, "KASLR: LSTAR 0x%llx, slide 0x%llx", (unsigned long long)s->lstar,
				 (unsigned long long)s->slide);
		goto out;
	}
	/* Arm late: one cheap user-space breakpoint at the program's main; the caller's
	 * come after it, so no condition is evaluated during the boot. */
	int mainbp = session_break(s, 1, "main", -1, NULL, why);
	if (mainbp < 0)
		goto out;
	int cont = gdb_run(&s->gdb, NULL, "-exec-continue");
	if (!cont && s->qemu.go_fd >= 0 && qemu_go(&s->qemu, s->program, s->args) < 0)
		cont = -1;
	struct mi_record *st = cont < 0 ? NULL : gdb_wait_async(&s->gdb, "stopped", s->deadline);
	if (!st) {
		strbuf_addf(why, "the guest program '%s' never reached main", program);
		goto out;
	}
	mi_record_free(st);
	r = session_delete(s, mainbp);
out:
	free(prog);
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
		if (gdb_run(&s->gdb, NULL, "-exec-finish") < 0 || wait_stop(s, 0, st) < 0)
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
	int r = -1;
	if (quote_gdb_rest(&q, helpers, &why) < 0) {
		error("cannot source kdive's gdb helpers: %s", why.buf);
		goto out;
	}
	if (set_string(s, "kd_prog", s->program ? s->program : "") < 0 ||
	    set_string(s, "kd_console", s->qemu.console_log) < 0 ||
	    set_string(s, "kd_syscalls", syscalls_path ? syscalls_path : "") < 0 ||
	    session_console(s, "set $kd_slide = 0x%llx", (unsigned long long)s->slide) < 0)
		goto out;
	r = session_console(s, "source %s", q.buf);
out:
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
