/*
 * match: compare a run's observations with a scenario's expectations and describe the
 * differences. Pure; see match.h. Depends on scenario, errnos, strbuf and wrapper.
 */
#include "match.h"
#include "errnos.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Width of the "expected"/"got"/"ok" labels of diff rows. */
#define LABEL_W 9

static const char *const status_names[MATCH_NSTATUS] = { "pass", "fail", "error", "skip" };

const char *match_status_name(enum match_status s)
{
	return (unsigned)s < MATCH_NSTATUS ? status_names[s] : "?";
}

/* ---- the pieces ---- */

int match_file_suffix(const char *file, const char *suffix)
{
	size_t fl = strlen(file), sl = strlen(suffix);
	if (!sl)
		return 1;
	if (sl > fl || strcmp(file + fl - sl, suffix))
		return 0;
	return sl == fl || suffix[0] == '/' || file[fl - sl - 1] == '/';
}

int match_frame(const struct scenario_frame *e, const struct obs_frame *f)
{
	if (!e->func || strcmp(e->func, f->func ? f->func : "??"))
		return 0;
	if (e->file && (!f->file || !match_file_suffix(f->file, e->file)))
		return 0;
	if (e->inlined && !f->inlined)
		return 0;
	return 1;
}

int match_value(const struct scenario_check *c, int64_t value)
{
	int cmp;
	if (c->is_signed) {
		cmp = (value > c->value) - (value < c->value);
	} else {
		uint64_t a = (uint64_t)value, b = (uint64_t)c->value;
		cmp = (a > b) - (a < b);
	}
	return guard_op_holds(c->op, cmp);
}

void match_format_value(struct strbuf *sb, int64_t v)
{
	const char *e = v < 0 && v > -4096 ? errnos_name(-v) : NULL;
	if (e)
		strbuf_addf(sb, "%lld (-%s)", (long long)v, e);
	else if (v >= 0 && v < 10)
		strbuf_addf(sb, "%lld", (long long)v);
	else if (v > -1000000 && v < 1000000)
		strbuf_addf(sb, "%lld (0x%llx)", (long long)v, (unsigned long long)v);
	else
		strbuf_addf(sb, "0x%llx", (unsigned long long)v);
}

void match_format_frame(struct strbuf *sb, const struct obs_frame *f)
{
	strbuf_addstr(sb, f->func ? f->func : "??");
	if (f->file) {
		strbuf_addf(sb, " at %s", f->file);
		if (f->line > 0)
			strbuf_addf(sb, ":%d", f->line);
	} else if (f->addr) {
		strbuf_addf(sb, " at 0x%llx", (unsigned long long)f->addr);
	}
	if (f->inlined)
		strbuf_addstr(sb, " (inlined)");
}

void match_format_expected(struct strbuf *sb, const struct scenario_frame *e)
{
	if (!e->func) {
		strbuf_addstr(sb, "...");
		return;
	}
	strbuf_addstr(sb, e->func);
	if (e->file)
		strbuf_addf(sb, " (%s)", e->file);
	if (e->inlined)
		strbuf_addstr(sb, " inlined");
	if (e->optional)
		strbuf_addstr(sb, " optional");
}

/* ---- frames ---- */

/*
 * Align the expected lines that apply (pat, np) with the captured frames (f, nf).
 * cost[i][j] is the fewest missing + extra + different frames to align pat[i..] with
 * f[j..]; "..." absorbs frames for free. The pattern matches when cost[0][0] is 0.
 * Then walk from (0, 0) along a cheapest path to produce the rows.
 */
static void align(struct match_frames *mf, const struct scenario_frame **pat, size_t np,
		  const struct obs_frame *f, size_t nf)
{
	size_t w = nf + 1;
	size_t *cost = xcalloc((np + 1) * w, sizeof(*cost));
#define C(i, j) cost[(i) * w + (j)]
	for (size_t j = 0; j <= nf; j++)
		C(np, j) = nf - j;
	for (size_t i = np; i-- > 0;) {
		for (size_t j = nf + 1; j-- > 0;) {
			size_t best;
			if (!pat[i]->func) {
				best = C(i + 1, j);
				if (j < nf && C(i, j + 1) < best)
					best = C(i, j + 1);
			} else {
				/* missing; an optional frame may be (a tail call became a jump) */
				best = C(i + 1, j) + !pat[i]->optional;
				if (j < nf) {
					size_t here = C(i + 1, j + 1) + !match_frame(pat[i], &f[j]);
					if (here < best)
						best = here;
					if (C(i, j + 1) + 1 < best) /* extra */
						best = C(i, j + 1) + 1;
				}
			}
			C(i, j) = best;
		}
	}
	mf->status = C(0, 0) ? MATCH_FAIL : MATCH_PASS;

	/* at most one row per pattern line and per frame */
	mf->rows = xcalloc(np + nf + 1, sizeof(*mf->rows));
	size_t i = 0, j = 0;
	while (i < np || j < nf) {
		struct match_row *r = &mf->rows[mf->nrows++];
		size_t c = C(i, j);
		if (i == np) {
			*r = (struct match_row){ MATCH_ROW_EXTRA, NULL, &f[j], 1, j };
			j++;
		} else if (!pat[i]->func) {
			/* absorb as few frames as a cheapest path allows */
			*r = (struct match_row){ MATCH_ROW_ANY, pat[i], j < nf ? &f[j] : NULL, 0, j };
			while (j < nf && C(i + 1, j) != c) {
				j++;
				r->ngot++;
			}
			if (!r->ngot)
				r->got = NULL;
			i++;
		} else if (j < nf && C(i + 1, j + 1) == c && match_frame(pat[i], &f[j])) {
			*r = (struct match_row){ MATCH_ROW_OK, pat[i], &f[j], 1, j };
			i++, j++;
		} else if (j < nf && C(i + 1, j + 1) + 1 == c && !match_frame(pat[i], &f[j])) {
			*r = (struct match_row){ MATCH_ROW_DIFF, pat[i], &f[j], 1, j };
			i++, j++;
		} else if (j < nf && C(i, j + 1) + 1 == c) {
			*r = (struct match_row){ MATCH_ROW_EXTRA, NULL, &f[j], 1, j };
			j++;
		} else if (pat[i]->optional && C(i + 1, j) == c) {
			*r = (struct match_row){ MATCH_ROW_ABSENT, pat[i], NULL, 0, j };
			i++;
		} else {
			*r = (struct match_row){ MATCH_ROW_MISSING, pat[i], NULL, 0, j };
			i++;
		}
	}
#undef C
	free(cost);
}

static void match_block(struct match_frames *mf, const struct scenario_frame *exp, size_t nexp,
			const struct obs_frame *got, size_t ngot, const char *kver)
{
	const struct scenario_frame **pat = xcalloc(nexp + 1, sizeof(*pat));
	size_t np = 0;
	for (size_t i = 0; i < nexp; i++) {
		if (guard_holds(&exp[i].guard, kver))
			pat[np++] = &exp[i];
		else
			mf->nguarded++;
	}
	mf->checked = 1;
	align(mf, pat, np, got, ngot);
	free(pat);
}

/* ---- the diff ---- */

/* "FILE:LINE: " padded to width, or width blanks when line is 0. */
static void add_where(struct strbuf *d, const char *file, int line, size_t width)
{
	size_t start = d->len;
	if (line > 0)
		strbuf_addf(d, "%s:%d: ", file, line);
	while (d->len - start < width)
		strbuf_addch(d, ' ');
}

static size_t where_width(const char *file, int line)
{
	char num[32];
	return line > 0 ? strlen(file) + (size_t)snprintf(num, sizeof(num), ":%d: ", line) : 0;
}

static void add_label(struct strbuf *d, const char *label)
{
	strbuf_addf(d, "%-*s", LABEL_W, label);
}

static void diff_block(struct strbuf *d, const char *file, const char *heading,
		       const struct match_frames *mf)
{
	size_t width = 0;
	for (size_t i = 0; i < mf->nrows; i++)
		if (mf->rows[i].expect && where_width(file, mf->rows[i].expect->line) > width)
			width = where_width(file, mf->rows[i].expect->line);
	strbuf_addf(d, "  %s differ (innermost first):\n", heading);
	if (!mf->nrows)
		strbuf_addstr(d, "    (no frames expected and none captured)\n");
	for (size_t i = 0; i < mf->nrows; i++) {
		const struct match_row *r = &mf->rows[i];
		strbuf_addstr(d, "    ");
		add_where(d, file, r->expect ? r->expect->line : 0, width);
		switch (r->kind) {
		case MATCH_ROW_OK:
			add_label(d, "ok");
			match_format_frame(d, r->got);
			break;
		case MATCH_ROW_ANY:
			add_label(d, "...");
			if (!r->ngot)
				strbuf_addstr(d, "(no frames)");
			else
				strbuf_addf(d, "%zu frame%s:", r->ngot, r->ngot == 1 ? "" : "s");
			for (size_t k = 0; k < r->ngot; k++)
				strbuf_addf(d, "%s %s", k ? "," : "",
					    r->got[k].func ? r->got[k].func : "??");
			break;
		case MATCH_ROW_DIFF:
			add_label(d, "expected");
			match_format_expected(d, r->expect);
			strbuf_addstr(d, "\n    ");
			add_where(d, file, 0, width);
			add_label(d, "got");
			match_format_frame(d, r->got);
			break;
		case MATCH_ROW_MISSING:
			add_label(d, "missing");
			match_format_expected(d, r->expect);
			break;
		case MATCH_ROW_ABSENT:
			add_label(d, "absent");
			match_format_expected(d, r->expect);
			break;
		case MATCH_ROW_EXTRA:
			add_label(d, "extra");
			match_format_frame(d, r->got);
			break;
		}
		strbuf_addch(d, '\n');
	}
	if (mf->nguarded)
		strbuf_addf(d, "    (%zu expected line%s left out by version guards)\n", mf->nguarded,
			    mf->nguarded == 1 ? "" : "s");
}

static void diff_checks(struct strbuf *d, const char *file, const struct match_stop *ms)
{
	size_t width = 0;
	int any = 0;
	for (size_t i = 0; i < ms->nchecks; i++) {
		if (ms->checks[i].status != MATCH_FAIL)
			continue;
		any = 1;
		if (where_width(file, ms->checks[i].check->line) > width)
			width = where_width(file, ms->checks[i].check->line);
	}
	if (!any)
		return;
	strbuf_addstr(d, "  checks differ:\n");
	for (size_t i = 0; i < ms->nchecks; i++) {
		const struct match_check *mc = &ms->checks[i];
		if (mc->status != MATCH_FAIL)
			continue;
		strbuf_addstr(d, "    ");
		add_where(d, file, mc->check->line, width);
		add_label(d, "expected");
		strbuf_addf(d, "%s\n    ", mc->check->text);
		add_where(d, file, 0, width);
		add_label(d, "got");
		if (!mc->got)
			strbuf_addstr(d, "(not captured)");
		else if (!mc->got->ok)
			strbuf_addf(d, "(unreadable: %s)", mc->got->error ? mc->got->error : "unknown error");
		else {
			strbuf_addf(d, "%s = ", mc->check->name);
			match_format_value(d, mc->got->value);
		}
		strbuf_addch(d, '\n');
	}
}

/* ---- stops ---- */

static char *stop_title(const struct scenario_stop *st)
{
	struct strbuf sb = STRBUF_INIT;
	if (st->space == SCENARIO_USER)
		strbuf_addstr(&sb, "user ");
	strbuf_addstr(&sb, st->location ? st->location : "?");
	if (st->syscall)
		strbuf_addf(&sb, " syscall=%s", st->syscall);
	if (st->finish)
		strbuf_addstr(&sb, " finish");
	if (st->never)
		strbuf_addstr(&sb, " never");
	return strbuf_detach(&sb, NULL);
}

static const struct obs_value *find_value(const struct obs_stop *obs, const char *name)
{
	for (size_t i = 0; i < obs->nvalues; i++)
		if (obs->values[i].name && !strcmp(obs->values[i].name, name))
			return &obs->values[i];
	return NULL;
}

static void match_one_check(struct match_check *mc, const struct obs_stop *obs, const char *kver)
{
	const struct scenario_check *c = mc->check;
	struct strbuf sb = STRBUF_INIT;

	if (!guard_holds(&c->guard, kver)) {
		mc->status = MATCH_SKIP;
		strbuf_addstr(&sb, "version guard ");
		guard_format(&c->guard, &sb);
		strbuf_addf(&sb, " does not hold for kernel %s", kver ? kver : "(unknown)");
		goto out;
	}
	mc->got = find_value(obs, c->name);
	if (!mc->got) {
		mc->status = MATCH_FAIL;
		strbuf_addf(&sb, "%s: %s was not captured", c->text, c->name);
	} else if (!mc->got->ok) {
		mc->status = MATCH_FAIL;
		strbuf_addf(&sb, "%s: could not read %s: %s", c->text, c->name,
			    mc->got->error ? mc->got->error : "unknown error");
	} else if (!match_value(c, mc->got->value)) {
		mc->status = MATCH_FAIL;
		strbuf_addf(&sb, "%s: got ", c->text);
		match_format_value(&sb, mc->got->value);
	} else {
		mc->status = MATCH_PASS;
	}
out:
	mc->message = sb.len ? strbuf_detach(&sb, NULL) : NULL;
	strbuf_release(&sb);
}

/* The stop is not evaluated: every check is skipped with why. */
static void skip_checks(struct match_stop *ms, const char *why)
{
	for (size_t i = 0; i < ms->nchecks; i++) {
		ms->checks[i].status = MATCH_SKIP;
		ms->checks[i].message = xstrdup(why);
	}
}

static void match_one_stop(struct match_stop *ms, const struct scenario *sc,
			   const struct obs_run *run, size_t idx, const char *kver)
{
	const struct scenario_stop *st = &sc->stops[idx];
	struct strbuf reason = STRBUF_INIT, d = STRBUF_INIT;

	ms->stop = st;
	ms->obs = idx < run->nstops ? &run->stops[idx] : NULL;
	ms->title = stop_title(st);
	ms->frames.status = ms->user.status = MATCH_SKIP;
	ms->nchecks = st->nchecks;
	ms->checks = xcalloc(st->nchecks + 1, sizeof(*ms->checks));
	for (size_t i = 0; i < st->nchecks; i++)
		ms->checks[i].check = &st->checks[i];

	if (!guard_holds(&st->guard, kver)) {
		ms->status = MATCH_SKIP;
		strbuf_addstr(&reason, "version guard ");
		guard_format(&st->guard, &reason);
		strbuf_addf(&reason, " does not hold for kernel %s", kver ? kver : "(unknown)");
		skip_checks(ms, reason.buf);
		goto out;
	}
	if (!ms->obs || ms->obs->error || (!ms->obs->hit && run->error)) {
		ms->status = MATCH_ERROR;
		if (!ms->obs)
			strbuf_addstr(&reason, "no observation for this stop");
		else if (ms->obs->error)
			strbuf_addf(&reason, "capture failed: %s", ms->obs->error);
		else
			strbuf_addstr(&reason, "not reached: the run failed");
		skip_checks(ms, reason.buf);
		strbuf_addf(&d, "%s:%d: stop %s: %s\n", sc->file, st->line, ms->title, reason.buf);
		goto out;
	}
	if (st->never) {
		/* Passes by not happening; reached, it shows where. */
		ms->status = ms->obs->hit ? MATCH_FAIL : MATCH_PASS;
		if (!ms->obs->hit)
			goto out;
		strbuf_addstr(&reason, "reached, but the scenario says it never is");
		strbuf_addf(&d, "%s:%d: stop %s: %s, at:\n", sc->file, st->line, ms->title,
			    reason.buf);
		for (size_t i = 0; i < ms->obs->nframes; i++) {
			const struct obs_frame *f = &ms->obs->frames[i];
			strbuf_addf(&d, "  #%zu  %s", i, f->func);
			if (f->file)
				strbuf_addf(&d, " at %s:%d", f->file, f->line);
			strbuf_addch(&d, '\n');
		}
		goto out;
	}
	if (!ms->obs->hit) {
		ms->status = MATCH_FAIL;
		strbuf_addstr(&reason, "never reached");
		skip_checks(ms, "the stop was never reached");
		strbuf_addf(&d, "%s:%d: stop %s: never reached\n", sc->file, st->line, ms->title);
		goto out;
	}

	if (st->has_frames)
		match_block(&ms->frames, st->frames, st->nframes, ms->obs->frames,
			    ms->obs->nframes, kver);
	if (st->has_user)
		match_block(&ms->user, st->user, st->nuser, ms->obs->user, ms->obs->nuser, kver);
	/* the reason: frames first, then the first failed check */
	if (ms->frames.status == MATCH_FAIL)
		strbuf_addstr(&reason, st->space == SCENARIO_USER ? "user frames differ"
								  : "frames differ");
	if (ms->user.status == MATCH_FAIL)
		strbuf_addf(&reason, "%suser frames differ", reason.len ? "; " : "");
	size_t nfail = 0;
	for (size_t i = 0; i < ms->nchecks; i++) {
		match_one_check(&ms->checks[i], ms->obs, kver);
		if (ms->checks[i].status == MATCH_FAIL && !nfail++)
			strbuf_addf(&reason, "%s%s", reason.len ? "; " : "", ms->checks[i].message);
	}
	if (nfail > 1)
		strbuf_addf(&reason, " (and %zu more check%s)", nfail - 1, nfail == 2 ? "" : "s");
	ms->status = reason.len ? MATCH_FAIL : MATCH_PASS;
	if (ms->status == MATCH_FAIL) {
		strbuf_addf(&d, "%s:%d: stop %s: %s\n", sc->file, st->line, ms->title, reason.buf);
		if (ms->frames.status == MATCH_FAIL)
			diff_block(&d, sc->file, st->space == SCENARIO_USER ? "user frames" : "frames",
				   &ms->frames);
		if (ms->user.status == MATCH_FAIL)
			diff_block(&d, sc->file, "user frames", &ms->user);
		diff_checks(&d, sc->file, ms);
	}
out:
	ms->reason = reason.len ? strbuf_detach(&reason, NULL) : NULL;
	ms->diff = d.len ? strbuf_detach(&d, NULL) : NULL;
	strbuf_release(&reason);
	strbuf_release(&d);
}

/* ---- scenarios ---- */

/* "entry_SYSCALL_64+0" names the symbol itself. */
static int same_symbol(const char *want, const char *got)
{
	size_t n = strlen(want);
	return !strncmp(want, got, n) && (!got[n] || !strcmp(got + n, "+0"));
}

static void match_lstar(struct match_result *res, const char *kver)
{
	const struct scenario *sc = res->sc;
	const struct obs_run *run = res->run;
	res->lstar_status = MATCH_SKIP;
	if (!sc->lstar || !guard_holds(&sc->lstar_guard, kver))
		return;
	res->lstar_checked = 1;
	if (run->lstar_symbol && same_symbol(sc->lstar, run->lstar_symbol)) {
		res->lstar_status = MATCH_PASS;
		return;
	}
	if (!run->lstar_symbol && run->error) {
		res->lstar_status = MATCH_ERROR;
		return;
	}
	res->lstar_status = MATCH_FAIL;
	struct strbuf d = STRBUF_INIT;
	size_t width = where_width(sc->file, sc->lstar_line);
	add_where(&d, sc->file, sc->lstar_line, width);
	add_label(&d, "expected");
	strbuf_addf(&d, "lstar %s\n", sc->lstar);
	add_where(&d, sc->file, 0, width);
	add_label(&d, "got");
	if (run->lstar_symbol)
		strbuf_addf(&d, "MSR_LSTAR = 0x%llx = %s\n", (unsigned long long)run->lstar_value,
			    run->lstar_symbol);
	else
		strbuf_addstr(&d, "(MSR_LSTAR was not read)\n");
	res->lstar_diff = strbuf_detach(&d, NULL);
}

static void count(struct match_result *res)
{
	struct match_counts *c = &res->counts;
	if (res->lstar_checked)
		c->checks[res->lstar_status]++;
	for (size_t i = 0; i < res->nstops; i++) {
		const struct match_stop *ms = &res->stops[i];
		c->stops[ms->status]++;
		if (ms->frames.checked)
			c->checks[ms->frames.status]++;
		else if (ms->stop->has_frames)
			c->checks[MATCH_SKIP]++;
		if (ms->user.checked)
			c->checks[ms->user.status]++;
		else if (ms->stop->has_user)
			c->checks[MATCH_SKIP]++;
		for (size_t j = 0; j < ms->nchecks; j++)
			c->checks[ms->checks[j].status]++;
	}
	if (res->program.exit_expected >= 0)
		c->checks[res->program.exit_result]++;
	for (size_t i = 0; i < res->program.noutputs; i++)
		c->checks[res->program.outputs[i].status]++;
	if (res->program.has_tap)
		c->checks[res->program.tap_result]++;
}

enum match_status match_run(struct match_result *res, const struct scenario *sc,
			    const struct obs_run *run, const char *kernel_version)
{
	static const struct obs_run no_run = { .error = (char *)"no observations",
					       .program_status = -1 };
	struct strbuf reason = STRBUF_INIT;
	if (!run)
		run = &no_run;
	const char *kver = kernel_version ? kernel_version : run->kernel_version;

	memset(res, 0, sizeof(*res));
	res->sc = sc;
	res->run = run;
	res->kernel_version = kver ? xstrdup(kver) : NULL;

	if (!guard_holds(&sc->guard, kver)) {
		struct strbuf why = STRBUF_INIT;
		strbuf_addstr(&why, "needs kernel ");
		guard_format(&sc->guard, &why);
		strbuf_addf(&why, ", this is %s", kver ? kver : "an unknown version");
		res->status = MATCH_SKIP;
		res->reason = strbuf_detach(&why, NULL);
		res->lstar_status = MATCH_SKIP;
		match_program_judge(&res->program, sc, NULL);
		return res->status;
	}

	match_lstar(res, kver);
	match_program_judge(&res->program, sc, run);
	res->nstops = sc->nstops;
	res->stops = xcalloc(sc->nstops + 1, sizeof(*res->stops));
	for (size_t i = 0; i < sc->nstops; i++)
		match_one_stop(&res->stops[i], sc, run, i, kver);
	count(res);

	size_t nfail = res->counts.stops[MATCH_FAIL], nerr = res->counts.stops[MATCH_ERROR];
	if (run->error) {
		/* One line: the console tail that follows is for the error's own report. */
		res->status = MATCH_ERROR;
		strbuf_add(&reason, run->error, strcspn(run->error, "\n"));
	} else if (nerr || res->lstar_status == MATCH_ERROR) {
		res->status = MATCH_ERROR;
	} else if (nfail || res->lstar_status == MATCH_FAIL || res->program.nfailed) {
		res->status = MATCH_FAIL;
	} else if (!res->counts.stops[MATCH_PASS] && !res->lstar_checked && !res->program.judged &&
		   (res->counts.stops[MATCH_SKIP] || sc->lstar)) {
		/* nothing was evaluated, and only because of version guards */
		res->status = MATCH_SKIP;
		strbuf_addf(&reason, "every expectation is left out by version guards for kernel %s",
			    kver ? kver : "(unknown)");
	} else {
		res->status = MATCH_PASS;
	}
	if (!reason.len && res->status != MATCH_PASS) {
		/* the first thing that went wrong, in file order */
		size_t more = nfail + nerr;
		if (res->lstar_status == MATCH_FAIL)
			strbuf_addf(&reason, "MSR_LSTAR is %s, expected %s",
				    run->lstar_symbol ? run->lstar_symbol : "unknown", sc->lstar);
		for (size_t i = 0; i < res->nstops && !reason.len; i++)
			if (res->stops[i].status == MATCH_FAIL || res->stops[i].status == MATCH_ERROR) {
				strbuf_addf(&reason, "stop %s: %s", res->stops[i].title,
					    res->stops[i].reason);
				more--;
			}
		if (more)
			strbuf_addf(&reason, "; %zu more stop%s did not pass", more,
				    more == 1 ? "" : "s");
		if (res->program.reason) {
			size_t others = res->program.nfailed - !reason.len;
			if (!reason.len)
				strbuf_addstr(&reason, res->program.reason);
			if (others)
				strbuf_addf(&reason, "; %zu more expectation%s on the program failed",
					    others, others == 1 ? "" : "s");
		}
	}
	res->reason = reason.len ? strbuf_detach(&reason, NULL) : NULL;
	strbuf_release(&reason);
	return res->status;
}

void match_skip(struct match_result *res, const struct scenario *sc, const char *why)
{
	memset(res, 0, sizeof(*res));
	res->sc = sc;
	res->status = MATCH_SKIP;
	res->lstar_status = MATCH_SKIP;
	res->reason = xstrdup(why ? why : "skipped");
	match_program_judge(&res->program, sc, NULL);
}

void match_error(struct match_result *res, const struct scenario *sc, const struct obs_run *run)
{
	memset(res, 0, sizeof(*res));
	res->sc = sc;
	res->run = run;
	res->status = MATCH_ERROR;
	res->lstar_status = MATCH_SKIP;
	const char *why = run->error ? run->error : "error";
	res->reason = xstrndup(why, strcspn(why, "\n"));
	match_program_judge(&res->program, sc, NULL);
}

void match_result_release(struct match_result *res)
{
	for (size_t i = 0; i < res->nstops; i++) {
		struct match_stop *ms = &res->stops[i];
		free(ms->title);
		free(ms->reason);
		free(ms->diff);
		free(ms->frames.rows);
		free(ms->user.rows);
		for (size_t j = 0; j < ms->nchecks; j++)
			free(ms->checks[j].message);
		free(ms->checks);
	}
	free(res->stops);
	free(res->kernel_version);
	free(res->reason);
	free(res->lstar_diff);
	match_program_release(&res->program);
	memset(res, 0, sizeof(*res));
}
