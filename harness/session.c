/*
 * session: boot + attach, MSR reads by rdmsr injection, KASLR relocation, run to
 * the end. Depends on gdb, qemu.
 */
#define _GNU_SOURCE
#include "session.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_S 300

void session_console_tail(struct session *s, struct strbuf *out)
{
	strbuf_addf(out, "last lines of the guest console (%s):\n", s->qemu.console_log);
	qemu_console_tail(&s->qemu, out, 12);
}

int session_start(struct session *s, const struct session_opts *o)
{
	struct qemu_opts qo = { 0 };
	memset(s, 0, sizeof(*s));
	/* Valid "not started" children, so that session_end() works after any failure. */
	proc_init(&s->qemu.proc);
	proc_init(&s->gdb.proc);
	s->t0 = now_ms();
	s->deadline = s->t0 + 1000LL * (o->timeout_s > 0 ? o->timeout_s : DEFAULT_TIMEOUT_S);
	s->keep = o->keep;
	s->vmlinux = o->vmlinux;
	s->program = o->program;
	s->program_status = -1;
	s->rundir = qemu_make_rundir();
	if (!s->rundir)
		return -1;
	qo.bzimage = o->bzimage;
	qo.initrd = o->initrd;
	qo.rundir = s->rundir;
	qo.program = o->program;
	qo.args = o->args;
	qo.kaslr = o->kaslr;
	qo.stopped = 1;
	qo.gdb_port = o->gdb_port;
	if (qemu_start(&s->qemu, &qo) < 0)
		return -1;
	info("booting %s under %s (run directory %s)", o->bzimage, s->qemu.kvm ? "KVM" : "TCG",
	     s->rundir);
	char *transcript = xstrfmt("%s/gdb.mi", s->rundir);
	int r = gdb_start(&s->gdb, o->vmlinux, transcript);
	free(transcript);
	if (r < 0)
		return -1;
	s->gdb.peer = &s->qemu.proc;
	s->gdb.peer_name = "QEMU";
	/* -target-select takes the rest of the line as it is (quotes would become part of
	 * the name), so the socket path must have no white space. QEMU reports the stop
	 * at the reset vector before gdb says ^connected; that *stopped stays queued. */
	if (strpbrk(s->qemu.gdb_target, " \t\n"))
		return error("the gdb socket path '%s' has white space; set TMPDIR elsewhere",
			     s->qemu.gdb_target);
	return gdb_run(&s->gdb, NULL, "-target-select remote %s", s->qemu.gdb_target);
}

int session_cpl(struct session *s)
{
	uint64_t cs;
	if (gdb_eval_u64(&s->gdb, "$cs", &cs) < 0)
		return -1;
	return (int)(cs & 3);
}

struct mi_record *session_continue(struct session *s)
{
	if (gdb_run(&s->gdb, NULL, "-exec-continue") < 0)
		return NULL;
	return gdb_wait_async(&s->gdb, "stopped", s->deadline);
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
	if (gdb_run(&s->gdb, NULL, "-exec-step-instruction") < 0)
		goto out;
	struct mi_record *st = gdb_wait_async(&s->gdb, "stopped", now_ms() + 10000);
	if (!st)
		goto out;
	mi_record_free(st);
	if (gdb_eval_u64(&s->gdb, "$pc", &now_pc) < 0 || gdb_eval_u64(&s->gdb, "$rax", &eax) < 0 ||
	    gdb_eval_u64(&s->gdb, "$rdx", &edx) < 0)
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

int session_relocate(struct session *s, uint64_t slide)
{
	struct strbuf cmd = STRBUF_INIT, q = STRBUF_INIT;
	/* symbol-file -o replaces every symbol file; gdb keeps its breakpoints but they
	 * are re-resolved against the new addresses. */
	strbuf_addf(&cmd, "symbol-file -o 0x%llx %s", (unsigned long long)slide, s->vmlinux);
	gdb_quote(&q, cmd.buf);
	int r = gdb_run(&s->gdb, NULL, "-interpreter-exec console %s", q.buf);
	if (!r)
		s->slide = slide;
	strbuf_release(&cmd);
	strbuf_release(&q);
	return r;
}

int session_run_to_exit(struct session *s)
{
	if (gdb_run(&s->gdb, NULL, "-interpreter-exec console \"delete\"") < 0 ||
	    gdb_run(&s->gdb, NULL, "-exec-continue") < 0)
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
	else
		r = error("the guest powered off, but its console never says that '%s' ran",
			  s->program);
	free(marker);
	strbuf_release(&con);
	return r;
}

void session_end(struct session *s, int ok)
{
	gdb_release(&s->gdb);
	qemu_release(&s->qemu);
	if (!s->rundir)
		return;
	if (ok && !s->keep) {
		remove_tree(s->rundir);
	} else {
		info("run directory kept: %s (console.log, qemu.log, gdb.mi)", s->rundir);
	}
	free(s->rundir);
	s->rundir = NULL;
}
