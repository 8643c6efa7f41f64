/*
 * kdive tour SCENARIO.scn: any scenario, a step at each stop it reaches. run drives
 * the guest (run_scenario) and calls back at every stop taken; the step shows the
 * stop's say lines, the source around it, the live values (at a kernel stop the
 * system call from struct pt_regs, and what the checks read) and the kernel and user
 * backtraces. What a `never` stop says does not happen is confirmed at the end.
 * Command layer.
 */
#define _GNU_SOURCE
#include "tour.h"
#include "run.h"
#include "syscalls.h"

#include <stdlib.h>
#include <string.h>

/* "stop user _Fork", "stop kernel_clone syscall=clone finish": the stop as written. */
static char *stop_line(const struct scenario_stop *sp)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "stop %s%s", sp->space == SCENARIO_USER ? "user " : "", sp->location);
	if (sp->syscall)
		strbuf_addf(&sb, " syscall=%s", sp->syscall);
	if (sp->finish)
		strbuf_addstr(&sb, " finish");
	return strbuf_detach(&sb, NULL);
}

/* The system call of a kernel stop, from the task's struct pt_regs. */
static void syscall_values(struct tour *t, struct session *s, struct tour_step *st)
{
	static const int args[] = { SESSION_PT_DI, SESSION_PT_SI, SESSION_PT_DX, SESSION_PT_R10,
				    SESSION_PT_R8, SESSION_PT_R9 };
	uint64_t regs[SESSION_PT_NSLOTS];
	if (session_ptregs(s, regs) < 0)
		return;
	const char *name = syscalls_name(&t->k->syscalls, (long)regs[SESSION_PT_ORIG_AX]);
	char *what = xstrfmt("the system call: %s", name ? name : "(not in the table)");
	tour_add_value(st, "orig_ax", regs[SESSION_PT_ORIG_AX], what);
	free(what);
	for (size_t i = 0; i < ARRAY_SIZE(args); i++) {
		char *arg = xstrfmt("argument register %zu (%s reads as many as it takes)", i + 1,
				    name ? name : "the call");
		tour_add_value(st, session_ptreg_name(args[i]), regs[args[i]], arg);
		free(arg);
	}
}

/* What the checks read that the step does not show yet. */
static void check_values(struct tour_step *st, const struct obs_stop *seen)
{
	for (size_t k = 0; k < seen->nvalues; k++) {
		const struct obs_value *v = &seen->values[k];
		size_t len = strlen(v->name), shown = 0;
		for (size_t j = 0; j < st->values.nr; j++)
			shown |= !strncmp(st->values.v[j], v->name, len) && st->values.v[j][len] == '\t';
		if (shown)
			continue;
		if (v->ok)
			tour_add_value(st, v->name, (uint64_t)v->value, "read for the scenario's checks");
		else
			strvec_pushf(&st->values, "%s\t(unreadable)\t%s", v->name,
				     v->error ? v->error : "");
	}
}

/* A copy of the frames f[0..n), with paths relative to roots as reports give them. */
static struct obs_frame *frames_relative(const struct obs_frame *f, size_t n,
					 const char *const *roots)
{
	struct obs_frame *c = xcalloc(n + 1, sizeof(*c));
	for (size_t k = 0; k < n; k++) {
		c[k] = f[k];
		c[k].func = xstrdup(f[k].func);
		c[k].file = f[k].file ? xstrdup(f[k].file) : NULL;
	}
	obs_relativize(c, n, roots);
	return c;
}

/* The kernel (or user stop's) backtrace, the stack at a kernel stop, the user frames. */
static void stop_frames(struct session *s, struct tour_step *st, const struct scenario_stop *sp,
			const struct obs_stop *seen, const char *const *roots)
{
	struct obs_frame *f = frames_relative(seen->frames, seen->nframes, roots);
	tour_add_frames(st, f, seen->nframes);
	if (sp->space == SCENARIO_KERNEL)
		tour_take_stack(s, st, f, seen->nframes);
	obs_frames_free(f, seen->nframes);
	if (seen->nuser) {
		f = frames_relative(seen->user, seen->nuser, roots);
		tour_add_user_frames(st, f, seen->nuser);
		obs_frames_free(f, seen->nuser);
	}
}

/* run's hook: the step of stop i, where the guest is stopped now. */
static int stop_step(void *ctx, struct session *s, const struct scenario *sc, size_t i,
		     const struct obs_stop *seen)
{
	struct tour *t = ctx;
	const struct scenario_stop *sp = &sc->stops[i];
	struct run_target rt;
	char *title = stop_line(sp);
	struct tour_step st;
	cli_run_target(&t->im, t->k, &rt);
	t->gs = s;
	tour_step_init(&st, ++t->step_no, title);
	st.ms = now_ms() - t->t0;
	if (sp->say)
		tour_say_add(&st.say, sp->say);
	else
		strbuf_addf(&st.say, "The program reached %s (%s:%d).", sp->location, sc->file,
			    sp->line);
	if (seen->nframes && seen->frames[0].file) {
		char *rel = obs_relative_path(seen->frames[0].file, rt.roots);
		tour_show_source(t, &st, rel, seen->frames[0].line);
		free(rel);
	}
	/* The system call from pt_regs, then what the checks read that is not there yet. */
	if (sp->space == SCENARIO_KERNEL)
		syscall_values(t, s, &st);
	check_values(&st, seen);
	stop_frames(s, &st, sp, seen, rt.roots);
	tour_emit(t, &st);
	tour_step_release(&st);
	free(title);
	return t->quit;
}

/* What the scenario says never happens, and did not (or did), into never. */
static void never_lines(struct tour *t, const struct obs_run *obs, struct strvec *never)
{
	for (size_t i = 0; i < t->sc.nstops; i++) {
		const struct scenario_stop *sp = &t->sc.stops[i];
		if (!sp->never || !guard_holds(&sp->guard, t->k->version))
			continue;
		struct strbuf line = STRBUF_INIT;
		strbuf_addf(&line, "%s %s: %s", obs->stops[i].hit ? "REACHED" : "never reached,",
			    sp->location, obs->stops[i].hit ? "the scenario says it never is"
							    : "as the scenario says");
		if (sp->say) {
			strbuf_addstr(&line, ". ");
			tour_say_add(&line, sp->say);
		}
		strvec_push(never, line.buf);
		strbuf_release(&line);
	}
}

/* Load the scenario and the images, count the steps; 0, or an exit code. */
static int scenario_open(struct tour *t, struct cli_args *a, const char *path)
{
	int rc = cli_load_scenario(path, &t->sc, NULL);
	if (rc)
		return rc;
	t->have_sc = 1;
	cli_program_scenario(a, &t->sc, 1);
	rc = cli_resolve_images(&t->im, &a->boot, 1);
	if (rc || (rc = cli_check_names(&t->sc, &t->im, &t->user)))
		return rc;
	t->k = &t->im.kernels[0];
	for (size_t i = 0; i < t->sc.nstops; i++)
		t->nsteps += !t->sc.stops[i].never &&
			     guard_holds(&t->sc.stops[i].guard, t->k->version);
	if (!guard_holds(&t->sc.guard, t->k->version) || !t->nsteps) {
		error("%s: nothing to tour on kernel %s (no stop applies)", path, t->k->version);
		return KDIVE_EXIT_SKIP;
	}
	return 0;
}

int tour_scenario(struct tour *t, struct cli_args *a, const char *path)
{
	struct obs_run obs;
	struct run_target rt;
	struct strvec never = STRVEC_INIT;
	int rc = scenario_open(t, a, path);
	if (rc)
		return rc;
	char *title = xstrfmt("kdive tour %s", path);
	/* What `kdive debug` takes to go on by hand: the same program. */
	char *debug = a->boot.program ? xstrfmt("%s --program %s", path, a->boot.program)
				      : xstrdup(path);
	struct tour_doc doc = {
		.name = t->sc.name ? t->sc.name : path, .scenario = path, .label = path,
		.what = t->sc.name ? t->sc.name : "a scenario", .intro = t->sc.say,
		.title = title, .program = t->sc.program, .debug = debug, .never = &never,
	};
	struct run_opts ro = { .boot = a->boot.guest, .on_stop = stop_step, .on_stop_ctx = t,
			       .user = t->user.name ? &t->user : NULL };
	cli_run_target(&t->im, t->k, &rt);
	if (t->render->begin)
		t->render->begin(t, &doc);
	t->t0 = now_ms();
	int r = run_scenario(&t->sc, &rt, &ro, &obs);
	if (r < 0 && obs.error)
		error("%s: %s", path, obs.error);
	if (!ro.quit && r == 0)
		never_lines(t, &obs, &never);
	doc.ok = r == 0;
	doc.completed = r == 0 && !ro.quit;
	t->render->end(t, &doc);
	free(title);
	free(debug);
	strvec_clear(&never);
	obs_run_release(&obs);
	return r < 0 ? KDIVE_EXIT_INFRA : KDIVE_EXIT_PASS;
}
