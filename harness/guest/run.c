/*
 * run: one scenario on one kernel, from boot to observations. Depends on session,
 * scenario, syscalls, obs.
 */
#define _GNU_SOURCE
#include "run.h"
#include "session.h"
#include "strbuf.h"
#include "timeutil.h"
#include "wrapper.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One stop to the next: the whole library's stops come within a second under TCG. */
#define STOP_TIMEOUT_MS 60000

/* A gdb value as a number: decimal, hex, negative, true/false, or "0x… <sym>". */
static int parse_value(const char *v, int64_t *out)
{
	char *end;
	if (!strcmp(v, "true") || !strcmp(v, "false")) {
		*out = !strcmp(v, "true");
		return 0;
	}
	errno = 0;
	if (v[0] == '-')
		*out = strtoll(v, &end, 0);
	else
		*out = (int64_t)strtoull(v, &end, 0);
	if (end == v || errno)
		return -1;
	return *end == '\0' || *end == ' ' ? 0 : -1;
}

static void add_value(struct obs_stop *o, const char *name, int64_t v, const char *err)
{
	for (size_t i = 0; i < o->nvalues; i++)
		if (!strcmp(o->values[i].name, name))
			return;
	o->values = xrealloc(o->values, (o->nvalues + 1) * sizeof(*o->values));
	struct obs_value *ov = &o->values[o->nvalues++];
	memset(ov, 0, sizeof(*ov));
	ov->name = xstrdup(name);
	ov->value = v;
	ov->ok = !err;
	ov->error = err ? xstrdup(err) : NULL;
}

/* Read the value a check names: $REG, a pt_regs field (from regs), or (later) ret. */
static void read_check_value(struct session *s, const uint64_t *regs, const char *name,
			     struct obs_stop *o)
{
	struct strbuf why = STRBUF_INIT;
	int field = name[0] == '$' ? -1 : session_ptreg_find(name);
	if (field >= 0 && regs) {
		add_value(o, name, (int64_t)regs[field], NULL);
		return;
	}
	if (field < 0 && name[0] != '$') {
		add_value(o, name, 0, "no such struct pt_regs field");
		return;
	}
	if (!regs && field >= 0) {
		add_value(o, name, 0, "pt_regs could not be read");
		return;
	}
	char *expr = xstrfmt("(long long)%s", name);
	char *v = session_eval(s, expr, &why);
	int64_t num;
	if (!v)
		add_value(o, name, 0, why.buf);
	else if (parse_value(v, &num) < 0)
		add_value(o, name, 0, "not a number");
	else
		add_value(o, name, num, NULL);
	free(v);
	free(expr);
	strbuf_release(&why);
}

/*
 * Everything observed where stop st was hit: frames, values, user frames. A finish
 * stop's return value comes later (take_retval). -1 only on infrastructure failure.
 */
static int capture_stop(struct session *s, const struct scenario_stop *st, struct obs_stop *o)
{
	uint64_t regs[SESSION_PT_NSLOTS];
	int have_regs;
	o->hit = 1;
	o->ms = now_ms() - s->t0;
	if (session_frames(s, &o->frames, &o->nframes) < 0)
		return -1;
	/* pt_regs are the syscall's; at a user stop they are the last syscall's. */
	have_regs = st->space == SCENARIO_KERNEL && session_ptregs(s, regs) == 0;
	for (size_t k = 0; k < st->nchecks; k++)
		if (strcmp(st->checks[k].name, "ret"))
			read_check_value(s, have_regs ? regs : NULL, st->checks[k].name, o);
	if (have_regs && session_user_frames(s, regs, &o->user, &o->nuser) < 0)
		return -1;
	return 0;
}

/* The value a finish reported (NULL: none), as the stop's check value "ret". */
static void take_retval(struct obs_stop *o, const char *rv)
{
	int64_t num;
	if (!rv)
		add_value(o, "ret", 0, "gdb reported no return value");
	else if (parse_value(rv, &num) < 0)
		add_value(o, "ret", 0, "the return value is not a number");
	else
		add_value(o, "ret", num, NULL);
}

/* Read MSR_LSTAR at this kernel-mode stop into the observations. */
static int read_lstar(struct session *s, struct obs_run *obs, struct strbuf *why)
{
	if (session_lstar(s, &obs->lstar_value, &obs->lstar_symbol) < 0) {
		strbuf_addstr(why, "cannot read MSR_LSTAR");
		return -1;
	}
	return 0;
}

static void set_obs_error(struct session *s, struct obs_run *obs, const char *what)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s\n", what);
	session_console_tail(s, &sb);
	free(obs->error);
	obs->error = strbuf_detach(&sb, NULL);
}

int run_syscall_nr(const struct syscalls *table, const char *syscall)
{
	/* A number names a syscall directly (holes in the table included). */
	char *end;
	long num = strtol(syscall, &end, 10);
	if (end != syscall && !*end && num >= 0 && num < 4096)
		return (int)num;
	return syscalls_find(table, syscall);
}

/* Arm stop i; its breakpoint, or -1 with why (file:line). */
static int arm_stop(struct session *s, const struct scenario *sc, size_t i,
		    const struct syscalls *table, struct strbuf *why)
{
	const struct scenario_stop *sp = &sc->stops[i];
	struct strbuf bwhy = STRBUF_INIT;
	int nr = -1;
	if (sp->syscall) {
		nr = run_syscall_nr(table, sp->syscall);
		if (nr < 0) {
			strbuf_addf(why, "%s:%d: this kernel has no syscall '%s'", sc->file, sp->line,
				    sp->syscall);
			return -1;
		}
	}
	int bp = session_break(s, sp->space == SCENARIO_USER, sp->location, nr, sp->cond, &bwhy);
	if (bp < 0)
		strbuf_addf(why, "%s:%d: cannot stop at '%s': %s", sc->file, sp->line, sp->location,
			    bwhy.buf);
	strbuf_release(&bwhy);
	return bp;
}

/* Why a run failed when nothing more precise was said: what session saw, or generic. */
static void say_failure(struct session *s, struct strbuf *why, const char *generic)
{
	if (!session_why_failed(s, why))
		strbuf_addstr(why, generic);
}

/* The scenario's stops on a session, while they are taken. */
struct stops {
	const struct scenario *sc;
	int *bkpt;          /* each stop's breakpoint; -1 when not armed, or taken */
	int *times, *now;   /* hit counts of the armed breakpoints: at the last look, and now */
	char *taken;        /* the stops taken at this stop */
	size_t left;        /* stops still to take */
	size_t never_armed; /* `never` stops still armed: not waited for, watched to the end */
	int want_lstar;     /* MSR_LSTAR still to read, at the first kernel stop */
	int lstar_bp;       /* the hidden stop for it (a scenario without kernel stops), or -1 */
};

/* How a step of the run ended. */
enum step { STEP_ON, STEP_ENDED, STEP_QUIT, STEP_FAIL, STEP_FAIL_GDB };

static void stops_init(struct stops *ss, const struct scenario *sc, const char *version)
{
	size_t nslots = sc->nstops ? sc->nstops : 1;
	memset(ss, 0, sizeof(*ss));
	ss->sc = sc;
	ss->bkpt = xcalloc(nslots, sizeof(*ss->bkpt));
	ss->times = xcalloc(nslots, sizeof(*ss->times));
	ss->now = xcalloc(nslots, sizeof(*ss->now));
	ss->taken = xcalloc(nslots, 1);
	ss->left = sc->nstops;
	ss->want_lstar = sc->lstar && guard_holds(&sc->lstar_guard, version);
	ss->lstar_bp = -1;
}

static void stops_release(struct stops *ss)
{
	free(ss->bkpt);
	free(ss->times);
	free(ss->now);
	free(ss->taken);
}

/* Arm every stop whose guard holds, and the hidden LSTAR stop when needed. */
static enum step arm_stops(struct session *s, struct stops *ss, const struct run_target *t,
			   const char *version, struct strbuf *why)
{
	const struct scenario *sc = ss->sc;
	int kernel_stops = 0;
	for (size_t i = 0; i < sc->nstops; i++) {
		/* A stop guarded for other kernels is not armed (the matcher skips it). */
		if (!guard_holds(&sc->stops[i].guard, version)) {
			ss->bkpt[i] = -1;
			ss->left--;
			continue;
		}
		ss->bkpt[i] = arm_stop(s, sc, i, t->syscalls, why);
		if (ss->bkpt[i] < 0)
			return STEP_FAIL;
		if (sc->stops[i].never) {
			ss->left--;
			ss->never_armed++;
		} else {
			kernel_stops += sc->stops[i].space == SCENARIO_KERNEL;
		}
	}
	/* LSTAR is read at the first kernel stop; a scenario without one gets a hidden
	 * stop at do_syscall_64 for it. */
	if (ss->want_lstar && !kernel_stops) {
		ss->lstar_bp = session_break(s, 0, "do_syscall_64", -1, NULL, why);
		if (ss->lstar_bp < 0)
			return STEP_FAIL;
		ss->left++;
	}
	return STEP_ON;
}

/* Continue to the next stop: STEP_ON with st filled, STEP_ENDED when the guest ended
 * (the stops left are never reached), or a failure with why. */
static enum step next_stop(struct session *s, struct stops *ss, struct session_stop *st,
			   struct strbuf *why)
{
	const struct scenario *sc = ss->sc;
	/* Each stop gets its own limit within the scenario's. */
	int r = session_continue(s, now_ms() + STOP_TIMEOUT_MS, st);
	if (r == 1) {
		/* ... unless it ended because its kernel panicked. */
		struct strbuf panic = STRBUF_INIT;
		int panicked = session_guest_panic(s, &panic);
		if (panicked)
			strbuf_addf(why, "the guest kernel panicked: %s", panic.buf);
		strbuf_release(&panic);
		return panicked ? STEP_FAIL : STEP_ENDED;
	}
	if (r == -2) {
		strbuf_addstr(why, ss->left ? "no stop reached in time; still waiting for:"
					    : "the guest program did not end in time");
		for (size_t k = 0; ss->left && k < sc->nstops; k++)
			if (ss->bkpt[k] >= 0 && !sc->stops[k].never)
				strbuf_addf(why, " %s:%d (%s)", sc->file, sc->stops[k].line,
					    sc->stops[k].location);
	}
	return r < 0 ? STEP_FAIL_GDB : STEP_ON;
}

/*
 * Which stops this stop takes: *stopped names one breakpoint (stop i), but every stop
 * of ours at this place whose condition held was hit with it (`stop F` and `stop F
 * finish` are one call of F): their hit counts grew. Each is taken now, or never.
 * Sets ss->taken; *finish when one of them is a finish stop.
 */
static enum step which_taken(struct session *s, struct stops *ss, size_t i, int *finish)
{
	const struct scenario *sc = ss->sc;
	/* (The last one armed has none with it.) */
	int others = ss->left + ss->never_armed > 1;
	*finish = 0;
	if (others && session_hit_counts(s, ss->bkpt, sc->nstops, ss->now) < 0)
		return STEP_FAIL_GDB;
	for (size_t k = 0; k < sc->nstops; k++) {
		ss->taken[k] = ss->bkpt[k] >= 0 && (k == i || (others && ss->now[k] > ss->times[k]));
		if (others)
			ss->times[k] = ss->now[k];
		*finish |= ss->taken[k] && sc->stops[k].finish;
	}
	return STEP_ON;
}

/* What each stop taken sees where it was hit, the caller's look at it, and then its
 * breakpoint goes (before a finish, so that the finish does not start on one). */
static enum step take_stops(struct session *s, struct stops *ss, struct run_opts *o,
			    struct obs_run *obs)
{
	const struct scenario *sc = ss->sc;
	for (size_t k = 0; k < sc->nstops; k++)
		if (ss->taken[k] && capture_stop(s, &sc->stops[k], &obs->stops[k]) < 0)
			return STEP_FAIL_GDB;
	for (size_t k = 0; o->on_stop && k < sc->nstops; k++) {
		if (ss->taken[k] && o->on_stop(o->on_stop_ctx, s, sc, k, &obs->stops[k])) {
			o->quit = 1;
			return STEP_QUIT;
		}
	}
	for (size_t k = 0; k < sc->nstops; k++) {
		if (!ss->taken[k])
			continue;
		if (session_delete(s, ss->bkpt[k]) < 0)
			return STEP_FAIL_GDB;
		ss->bkpt[k] = -1;
		if (sc->stops[k].never)
			ss->never_armed--;
		else
			ss->left--;
	}
	return STEP_ON;
}

/* One finish for the finish stops taken: the function runs to its end, and other
 * stops inside it are not taken (a hit would end the finish early). */
static enum step finish_taken(struct session *s, struct stops *ss, struct obs_run *obs)
{
	const struct scenario *sc = ss->sc;
	struct session_stop fin = { .bkpt = -1 };
	enum step r = STEP_FAIL_GDB;
	if (session_enable(s, ss->bkpt, sc->nstops, 0) < 0 || session_finish(s, 0, &fin) < 0)
		goto out;
	for (size_t k = 0; k < sc->nstops; k++)
		if (ss->taken[k] && sc->stops[k].finish)
			take_retval(&obs->stops[k], fin.retval);
	if (session_enable(s, ss->bkpt, sc->nstops, 1) < 0)
		goto out;
	r = STEP_ON;
out:
	session_stop_release(&fin);
	return r;
}

/* Handle one stop st: the hidden LSTAR stop, or the scenario's. */
static enum step at_stop(struct session *s, struct stops *ss, const struct session_stop *st,
			 struct run_opts *o, struct obs_run *obs, struct strbuf *why)
{
	const struct scenario *sc = ss->sc;
	int hit = st->reason && !strcmp(st->reason, "breakpoint-hit"), finish;
	size_t i = sc->nstops;
	for (size_t k = 0; hit && k < sc->nstops; k++)
		if (ss->bkpt[k] == st->bkpt)
			i = k;
	if (hit && ss->lstar_bp >= 0 && st->bkpt == ss->lstar_bp) {
		if (read_lstar(s, obs, why) < 0 || session_delete(s, ss->lstar_bp) < 0)
			return STEP_FAIL;
		ss->lstar_bp = -1;
		ss->want_lstar = 0;
		ss->left--;
		return STEP_ON;
	}
	if (!hit || i == sc->nstops) {
		strbuf_addf(why, "unexpected stop: %s", st->reason ? st->reason : "no reason given");
		return STEP_FAIL;
	}
	enum step r = which_taken(s, ss, i, &finish);
	if (r != STEP_ON)
		return r;
	if (ss->want_lstar && sc->stops[i].space == SCENARIO_KERNEL) {
		if (read_lstar(s, obs, why) < 0)
			return STEP_FAIL;
		ss->want_lstar = 0;
	}
	r = take_stops(s, ss, o, obs);
	if (r == STEP_ON && finish)
		r = finish_taken(s, ss, obs);
	return r;
}

/* The scenario's stops on a started session: arm, take each stop, run to the end. */
static int run_stops(struct session *s, const struct scenario *sc, const struct run_target *t,
		     struct run_opts *o, struct obs_run *obs)
{
	struct strbuf why = STRBUF_INIT;
	struct session_stop st = { .bkpt = -1 };
	struct stops ss;
	int rc = -1;
	stops_init(&ss, sc, obs->kernel_version);
	obs->nstops = sc->nstops;
	obs->stops = xcalloc(sc->nstops ? sc->nstops : 1, sizeof(*obs->stops));
	obs->kaslr_slide = s->slide;
	obs->restored = s->restored;
	obs->kaslr_slot = s->slot;
	enum step r = arm_stops(s, &ss, t, obs->kernel_version, &why);
	if (r == STEP_ON)
		session_phase(s, "breakpoints armed");
	/* Until every stop was taken, then (with `never` stops armed) to the guest's end. */
	while (r == STEP_ON && (ss.left || ss.never_armed)) {
		session_stop_release(&st);
		st.bkpt = -1;
		r = next_stop(s, &ss, &st, &why);
		if (r == STEP_ON)
			session_phase(s, "stopped at %s", st.func ? st.func : st.reason ? st.reason : "?");
		if (r == STEP_ON)
			r = at_stop(s, &ss, &st, o, obs, &why);
	}
	if (r == STEP_QUIT)
		rc = 0;
	else if ((r == STEP_ON || r == STEP_ENDED) && !s->qemu.proc.reaped &&
		 session_run_to_exit(s) < 0)
		r = STEP_FAIL_GDB;
	else if (r == STEP_ENDED)
		session_read_verdict(s); /* the guest ended while a stop was awaited */
	if (r == STEP_ON || r == STEP_ENDED) {
		session_phase(s, "the guest ended");
		obs->boot_ms = now_ms() - s->t0;
		rc = 0;
	}
	struct session_info info;
	session_describe(s, &info);
	obs->program_status = info.program_status;
	if (info.program_output)
		obs_output_set(obs, info.program_output, info.program_output_len);
	if (r == STEP_FAIL_GDB && !why.len)
		say_failure(s, &why, "gdb or QEMU failed (see above)");
	if (r == STEP_FAIL || r == STEP_FAIL_GDB)
		set_obs_error(s, obs, why.buf);
	session_stop_release(&st);
	strbuf_release(&why);
	stops_release(&ss);
	return rc;
}

int run_scenario(const struct scenario *sc, const struct run_target *t, struct run_opts *o,
		 struct obs_run *obs)
{
	struct session_image img = { t->bzimage, t->vmlinux, t->initrd, t->progs, o->user };
	struct boot_opts b = o->boot;
	struct strbuf why = STRBUF_INIT;
	struct session s;
	memset(obs, 0, sizeof(*obs));
	obs->kernel_version = xstrdup(t->version);
	obs->kaslr = b.kaslr;
	obs->kaslr_slot = -1;
	obs->program_status = -1; /* unknown until the program is seen to end */
	obs->cpus = b.cpus ? b.cpus : 1;
	if (!b.timeout_s)
		b.timeout_s = sc->timeout_s;
	int64_t t0 = now_ms();
	int r = session_open(&s, &img, &b, sc->program, &sc->args, &why);
	if (r < 0) {
		if (!why.len)
			say_failure(&s, &why, "the guest or gdb did not start (see above)");
		set_obs_error(&s, obs, why.buf);
	} else {
		r = run_stops(&s, sc, t, o, obs);
	}
	strbuf_release(&why);
	session_end(&s, r == 0);
	obs->total_ms = now_ms() - t0;
	for (size_t i = 0; i < obs->nstops; i++) {
		obs_relativize(obs->stops[i].frames, obs->stops[i].nframes, t->roots);
		obs_relativize(obs->stops[i].user, obs->stops[i].nuser, t->roots);
	}
	return r;
}
